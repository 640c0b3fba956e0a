/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-ui-conversation"

#include "config.h"

#include <string.h>

#include "tern-application.h"
#include "tern-composer-window.h"
#include "tern-conversation-view.h"
#include "tern-message-window.h"
#include "tern-test-cache.h"
#include "tern-test-ui.h"
#include "tern-window.h"

/*
 * The conversation view (#15), offline on a prepared cache: grouped by conversation, the
 * newest conversation (UIDs 37-40; 39 read, the others not) shows its four messages
 * stacked, oldest first; the unread ones (and the newest) expanded and marked read, the read
 * one collapsed until a click; each expanded message replies and stars on its own; quoted
 * text folded. The keyboard: F6 into it, Page Down and Space down it, R reads it all. And a
 * message in a window of its own: from the context menu, and by a double click.
 */

typedef struct
{
  char             *dir;
  TernTestCacheIds  ids;
  TernApplication  *app;
  TernWindow       *window;
  TernStore        *store;     /* the app's own, borrowed */
  gint64            uid_ids[41];
} Fixture;

static void
set_up (Fixture       *f,
        gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *db = NULL;
  g_autoptr(GPtrArray) messages = NULL;
  TernStore *store;

  f->dir = g_dir_make_tmp ("tern-ui-conv-XXXXXX", &error);
  g_assert_no_error (error);
  db = g_build_filename (f->dir, "tern.db", NULL);
  store = tern_test_cache_new (db, &f->ids);
  tern_test_cache_add_messages (store, f->ids.inbox, 1, 40);
  tern_store_free (store);
  f->app = tern_test_ui_start_app (f->dir, TRUE, &f->window);
  f->store = tern_application_get_store (f->app);
  messages = tern_store_list_messages (f->store, f->ids.inbox, 0, NULL);
  for (guint i = 0; i < messages->len; i++)
    {
      TernMessage *m = messages->pdata[i];

      if (m->uid <= 40)
        f->uid_ids[m->uid] = m->id;
    }
  /* The settings outlive a test (in memory, for the process): not grouped to begin with. */
  g_object_set (f->window, "group-by-conversation", FALSE, NULL);
  gtk_window_present (GTK_WINDOW (f->window));
  tern_test_ui_wait_frames (GTK_WIDGET (f->window), 2);
}

static void
tear_down (Fixture       *f,
           gconstpointer  data)
{
  g_autofree char *cmd = g_strdup_printf ("rm -rf '%s'", f->dir);

  f->window = NULL;
  tern_test_ui_close_app (&f->app);
  g_assert_cmpint (system (cmd), ==, 0);
  g_free (f->dir);
}

static void
set_body (Fixture    *f,
          guint       uid,
          const char *text)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (tern_store_set_body (f->store, f->uid_ids[uid], "1", "text/plain", text, &error));
  g_assert_no_error (error);
}

static gboolean
is_read (Fixture *f,
         guint    uid)
{
  g_autoptr(TernMessage) m = tern_store_get_message (f->store, f->uid_ids[uid], NULL);

  g_assert_nonnull (m);
  return tern_flags_contain (m->flags, "\\Seen");
}

static gboolean
has_flag (Fixture    *f,
          guint       uid,
          const char *flag)
{
  g_autoptr(TernMessage) m = tern_store_get_message (f->store, f->uid_ids[uid], NULL);

  return m != NULL && tern_flags_contain (m->flags, flag);
}

static TernConversationView *
conversation_view (Fixture *f)
{
  return TERN_CONVERSATION_VIEW (tern_window_get_conversation_view (f->window));
}

static const char *
pane_shown (Fixture *f)
{
  GtkWidget *stack = tern_test_ui_find_named (GTK_WIDGET (f->window), "view_stack");

  g_assert_nonnull (stack);
  return gtk_stack_get_visible_child_name (GTK_STACK (stack));
}

/* Grouped, the newest conversation (37-40) selected. */
static void
open_conversation (Fixture *f)
{
  g_object_set (f->window, "group-by-conversation", TRUE, NULL);
  tern_test_ui_drain ();
  gtk_selection_model_select_item (tern_window_get_selection (f->window), 0, TRUE);
  tern_test_ui_drain ();
  g_assert_true (tern_test_ui_wait_frames (GTK_WIDGET (f->window), 2));
}

typedef struct
{
  TernMessageView *view;
  const char      *text;
} TextWait;

static gboolean
text_shown_cb (gpointer data)
{
  TextWait *wait = data;
  g_autofree char *text = NULL;

  if (tern_message_view_get_state (wait->view) != TERN_MESSAGE_VIEW_TEXT)
    return FALSE;
  text = tern_message_view_dup_text (wait->view);
  return strstr (text, wait->text) != NULL;
}

/* The conversation scrolled so that widget is in view (a click lands where it is drawn). */
static void
scroll_to (Fixture   *f,
           GtkWidget *widget)
{
  GtkScrolledWindow *scroller = tern_conversation_view_get_scroller (conversation_view (f));
  GtkAdjustment *adj = gtk_scrolled_window_get_vadjustment (scroller);
  graphene_point_t point;

  g_assert_true (gtk_widget_compute_point (widget, gtk_scrolled_window_get_child (scroller),
                                           &GRAPHENE_POINT_INIT (0, 0), &point));
  gtk_adjustment_set_value (adj, point.y - 20);
  g_assert_true (tern_test_ui_wait_frames (widget, 2));
}

static void
click_middle (GtkWidget *widget)
{
  g_assert_nonnull (widget);
  g_assert_true (gtk_widget_get_mapped (widget));
  g_assert_true (tern_test_ui_click (widget, gtk_widget_get_width (widget) / 2.0,
                                     gtk_widget_get_height (widget) / 2.0));
  tern_test_ui_drain ();
}

/* Stacked: four messages, oldest first; unread and newest expanded (and read now), the read
 * one collapsed until clicked; the quoted text of a reply folded behind a button. */
static void
test_stacked (Fixture       *f,
              gconstpointer  data)
{
  TernConversationView *view = conversation_view (f);
  TernMessageView *message;
  TextWait wait;

  set_body (f, 37, "Shall we meet on Friday?\n");
  set_body (f, 38, "Friday suits me.\n");
  set_body (f, 39, "The third message, read already.\n");
  set_body (f, 40, "Then Friday it is.\n\nOn Tuesday, Grace Hopper wrote:\n> Friday suits me.\n> See you.\n");
  g_assert_false (is_read (f, 37));
  g_assert_true (is_read (f, 39));

  open_conversation (f);
  g_assert_cmpstr (pane_shown (f), ==, "conversation");
  g_assert_cmpuint (tern_conversation_view_get_n_messages (view), ==, 4);
  for (guint i = 0; i < 4; i++)
    g_assert_cmpint (tern_conversation_view_get_message_id (view, i), ==, f->uid_ids[37 + i]);
  g_assert_true (tern_conversation_view_get_expanded (view, 0));
  g_assert_true (tern_conversation_view_get_expanded (view, 1));
  g_assert_false (tern_conversation_view_get_expanded (view, 2));
  g_assert_true (tern_conversation_view_get_expanded (view, 3));
  g_assert_null (tern_conversation_view_get_message_view (view, 2));
  /* What it showed expanded is read; the read one stays collapsed as it was. */
  g_assert_true (is_read (f, 37));
  g_assert_true (is_read (f, 38));
  g_assert_true (is_read (f, 40));
  g_assert_true (tern_conversation_view_get_expanded (view, 0));

  wait = (TextWait) { tern_conversation_view_get_message_view (view, 0), "Shall we meet" };
  g_assert_true (tern_test_ui_wait_for (text_shown_cb, &wait, 10));

  /* A click on the collapsed one's line opens it, with its text. */
  scroll_to (f, tern_conversation_view_get_card (view, 2));
  click_middle (tern_test_ui_find_named (tern_conversation_view_get_card (view, 2), "message_header"));
  g_assert_true (tern_conversation_view_get_expanded (view, 2));
  message = tern_conversation_view_get_message_view (view, 2);
  g_assert_nonnull (message);
  wait = (TextWait) { message, "The third message" };
  g_assert_true (tern_test_ui_wait_for (text_shown_cb, &wait, 10));
  g_assert_true (gtk_widget_get_mapped (GTK_WIDGET (message)));

  /* The reply's quote, folded behind "Show Quoted Text"; its button shows it. */
  message = tern_conversation_view_get_message_view (view, 3);
  wait = (TextWait) { message, "Then Friday" };
  g_assert_true (tern_test_ui_wait_for (text_shown_cb, &wait, 10));
  g_assert_cmpuint (tern_message_view_get_n_folded_quotes (message), ==, 1);
  g_assert_true (tern_test_ui_wait_frames (GTK_WIDGET (f->window), 2));
  scroll_to (f, tern_test_ui_find_named (GTK_WIDGET (message), "quote_button"));
  click_middle (tern_test_ui_find_named (GTK_WIDGET (message), "quote_button"));
  g_assert_cmpuint (tern_message_view_get_n_folded_quotes (message), ==, 0);
  g_assert_true (tern_test_ui_wait_frames (GTK_WIDGET (f->window), 2));
  tern_test_ui_screenshots (GTK_WINDOW (f->window), "conversation", 1400, 900);
  gtk_window_set_default_size (GTK_WINDOW (f->window), 1400, 900);

  /* Not grouped: one message, in the message view, as before. */
  g_object_set (f->window, "group-by-conversation", FALSE, NULL);
  tern_test_ui_drain ();
  gtk_selection_model_select_item (tern_window_get_selection (f->window), 0, TRUE);
  tern_test_ui_drain ();
  g_assert_cmpstr (pane_shown (f), ==, "message");
  g_assert_cmpuint (tern_conversation_view_get_n_messages (view), ==, 0);
}

static gboolean
composer_cb (gpointer data)
{
  return tern_test_ui_find_toplevel (TERN_TYPE_COMPOSER_WINDOW) != NULL;
}

static gboolean
flagged_cb (gpointer data)
{
  Fixture *f = data;

  return has_flag (f, 38, "\\Flagged");
}

/* Each expanded message's own Reply and Star act on that message, not the newest. */
static void
test_message_actions (Fixture       *f,
                      gconstpointer  data)
{
  TernConversationView *view = conversation_view (f);
  GtkWidget *card;
  TernComposerWindow *composer;

  open_conversation (f);
  g_assert_cmpstr (pane_shown (f), ==, "conversation");
  card = tern_conversation_view_get_card (view, 0);
  click_middle (tern_test_ui_find_named (card, "reply_button"));
  g_assert_true (tern_test_ui_wait_for (composer_cb, NULL, 10));
  composer = TERN_COMPOSER_WINDOW (tern_test_ui_find_toplevel (TERN_TYPE_COMPOSER_WINDOW));
  g_assert_cmpstr (tern_composer_window_get_subject (composer), ==, "Re: Message 37 about things");
  g_assert_nonnull (strstr (tern_composer_window_get_to (composer), "person2@example.org"));
  gtk_window_destroy (GTK_WINDOW (composer));
  tern_test_ui_drain ();

  g_assert_false (has_flag (f, 38, "\\Flagged"));
  scroll_to (f, tern_conversation_view_get_card (view, 1));
  click_middle (tern_test_ui_find_named (tern_conversation_view_get_card (view, 1), "star_button"));
  g_assert_true (tern_test_ui_wait_for (flagged_cb, f, 5));
  g_assert_false (has_flag (f, 40, "\\Flagged"));
  g_assert_false (has_flag (f, 37, "\\Flagged"));
}

static gboolean
focus_in_view_cb (gpointer data)
{
  Fixture *f = data;
  GtkWidget *focus = gtk_root_get_focus (GTK_ROOT (f->window));

  return focus != NULL && gtk_widget_is_ancestor (focus, tern_window_get_conversation_view (f->window));
}

static gboolean
scrolled_cb (gpointer data)
{
  GtkAdjustment *adj = data;
  double *last = g_object_get_data (G_OBJECT (adj), "test-last");

  return gtk_adjustment_get_value (adj) > *last + 1;
}

static gboolean
conversation_read_cb (gpointer data)
{
  Fixture *f = data;

  for (guint uid = 37; uid <= 40; uid++)
    if (!is_read (f, uid))
      return FALSE;
  return TRUE;
}

/* F6 from the list reaches the conversation; Page Down and Space go down it; R reads the
 * whole conversation from there. */
static void
test_keyboard (Fixture       *f,
               gconstpointer  data)
{
  GtkWidget *w = GTK_WIDGET (f->window);
  TernConversationView *view = conversation_view (f);
  GtkAdjustment *adj;
  g_autoptr(GString) longer = g_string_new (NULL);
  double last = 0;
  TextWait wait;

  for (guint i = 0; i < 80; i++)
    g_string_append_printf (longer, "Line %u of a long message.\n", i);
  for (guint uid = 37; uid <= 40; uid++)
    set_body (f, uid, longer->str);
  open_conversation (f);
  wait = (TextWait) { tern_conversation_view_get_message_view (view, 3), "Line 79" };
  g_assert_true (tern_test_ui_wait_for (text_shown_cb, &wait, 10));
  g_assert_true (tern_test_ui_wait_frames (w, 2));
  adj = gtk_scrolled_window_get_vadjustment (tern_conversation_view_get_scroller (view));
  g_assert_cmpfloat (gtk_adjustment_get_upper (adj), >, gtk_adjustment_get_page_size (adj) * 2);
  g_object_set_data (G_OBJECT (adj), "test-last", &last);
  last = gtk_adjustment_get_value (adj);

  g_assert_true (gtk_widget_grab_focus (tern_test_ui_find_named (w, "message_list")));
  g_assert_true (tern_test_ui_press_key (w, GDK_KEY_F6, 0));
  g_assert_true (tern_test_ui_wait_for (focus_in_view_cb, f, 5));
  g_assert_true (tern_test_ui_press_key (w, GDK_KEY_space, 0));
  g_assert_true (tern_test_ui_wait_for (scrolled_cb, adj, 5));
  last = gtk_adjustment_get_value (adj);
  g_assert_true (tern_test_ui_press_key (w, GDK_KEY_Page_Down, 0));
  g_assert_true (tern_test_ui_wait_for (scrolled_cb, adj, 5));

  /* Unread again (the list's action), then R from inside the conversation. */
  gtk_widget_activate_action (w, "win.mark-unread", NULL);
  tern_test_ui_drain ();
  g_assert_false (is_read (f, 38));
  g_assert_true (focus_in_view_cb (f));
  g_assert_true (tern_test_ui_press_key (w, GDK_KEY_r, 0));

  g_assert_true (tern_test_ui_wait_for (conversation_read_cb, f, 5));
}

static gboolean
message_window_cb (gpointer data)
{
  return tern_test_ui_find_toplevel (TERN_TYPE_MESSAGE_WINDOW) != NULL;
}

static GtkWidget *
row_at (GtkWidget *list,
        guint      pos)
{
  gtk_widget_activate_action (list, "list.scroll-to-item", "u", pos);
  tern_test_ui_drain ();
  for (GtkWidget *row = gtk_widget_get_first_child (list); row != NULL; row = gtk_widget_get_next_sibling (row))
    {
      GtkWidget *child = gtk_widget_get_first_child (row);
      GtkListItem *item = child != NULL ? g_object_get_data (G_OBJECT (child), "tern-list-item") : NULL;

      if (item != NULL && gtk_list_item_get_position (item) == pos && gtk_widget_get_mapped (child))
        return child;
    }
  return NULL;
}

static GtkWidget *
find_labelled (GtkWidget  *root,
               const char *text)
{
  if (GTK_IS_LABEL (root) && g_strcmp0 (gtk_label_get_label (GTK_LABEL (root)), text) == 0 &&
      gtk_widget_get_mapped (root))
    return root;
  for (GtkWidget *c = gtk_widget_get_first_child (root); c != NULL; c = gtk_widget_get_next_sibling (c))
    {
      GtkWidget *found = find_labelled (c, text);

      if (found != NULL)
        return found;
    }
  return NULL;
}

static gboolean
mapped_cb (gpointer data)
{
  return gtk_widget_get_mapped (GTK_WIDGET (data));
}

/* The window opened shows the message, and replies to it. */
static void
check_message_window (Fixture *f,
                      guint    uid,
                      const char *text)
{
  TernMessageWindow *window;
  TernComposerWindow *composer;
  g_autofree char *subject = g_strdup_printf ("Re: Message %u about things", uid);
  TextWait wait;

  g_assert_true (tern_test_ui_wait_for (message_window_cb, NULL, 10));
  window = TERN_MESSAGE_WINDOW (tern_test_ui_find_toplevel (TERN_TYPE_MESSAGE_WINDOW));
  g_assert_cmpint (tern_message_window_get_message_id (window), ==, f->uid_ids[uid]);
  wait = (TextWait) { tern_message_window_get_message_view (window), text };
  g_assert_true (tern_test_ui_wait_for (text_shown_cb, &wait, 10));
  g_assert_true (tern_test_ui_wait_frames (GTK_WIDGET (window), 2));
  tern_test_ui_screenshots (GTK_WINDOW (window), "message-window", 800, 640);
  click_middle (tern_test_ui_find_named (GTK_WIDGET (window), "reply_button"));
  g_assert_true (tern_test_ui_wait_for (composer_cb, NULL, 10));
  composer = TERN_COMPOSER_WINDOW (tern_test_ui_find_toplevel (TERN_TYPE_COMPOSER_WINDOW));
  g_assert_cmpstr (tern_composer_window_get_subject (composer), ==, subject);
  gtk_window_destroy (GTK_WINDOW (composer));
  gtk_window_destroy (GTK_WINDOW (window));
  tern_test_ui_drain ();
}

/* "Open in New Window" in a message's context menu. */
static void
test_open_in_window (Fixture       *f,
                     gconstpointer  data)
{
  GtkWidget *w = GTK_WIDGET (f->window);
  GtkWidget *list = tern_test_ui_find_named (w, "message_list");
  GtkWidget *menu = tern_test_ui_find_named (w, "message_context_menu");
  GtkWidget *row, *label;

  set_body (f, 38, "A message of its own window.\n");
  g_assert_nonnull (menu);
  /* Newest first: UID 38 is the third row. */
  row = row_at (list, 2);
  g_assert_nonnull (row);
  g_assert_true (tern_test_ui_click_button (row, 3, 40, gtk_widget_get_height (row) / 2.0));
  g_assert_true (tern_test_ui_wait_for (mapped_cb, menu, 5));
  g_assert_true (tern_test_ui_wait_frames (menu, 2));
  label = find_labelled (menu, "Open in New _Window");
  g_assert_nonnull (label);
  click_middle (gtk_widget_get_parent (label));
  check_message_window (f, 38, "of its own window");
}

/* A double click on a message (not folded) opens it in a window. */
static void
test_double_click (Fixture       *f,
                   gconstpointer  data)
{
  GtkWidget *list = tern_test_ui_find_named (GTK_WIDGET (f->window), "message_list");
  GtkWidget *row;

  set_body (f, 39, "Opened by a double click.\n");
  row = row_at (list, 1);
  g_assert_nonnull (row);
  g_assert_true (tern_test_ui_double_click (row, 40, gtk_widget_get_height (row) / 2.0));
  check_message_window (f, 39, "by a double click");
}

int
main (int   argc,
      char *argv[])
{
  tern_test_ui_init_with_bus (&argc, &argv);

  g_test_add ("/ui-conversation/stacked", Fixture, NULL, set_up, test_stacked, tear_down);
  g_test_add ("/ui-conversation/message-actions", Fixture, NULL, set_up, test_message_actions, tear_down);
  g_test_add ("/ui-conversation/keyboard", Fixture, NULL, set_up, test_keyboard, tear_down);
  g_test_add ("/ui-conversation/open-in-window", Fixture, NULL, set_up, test_open_in_window, tear_down);
  g_test_add ("/ui-conversation/double-click", Fixture, NULL, set_up, test_double_click, tear_down);
  return g_test_run ();
}
