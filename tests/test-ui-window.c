/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-ui-window"

#include "config.h"

#include <string.h>

#include "tern-application.h"
#include "tern-journal.h"
#include "tern-message-row.h"
#include "tern-renderer.h"
#include "tern-sync.h"
#include "tern-test-cache.h"
#include "tern-test-ui.h"
#include "tern-window.h"

/*
 * The main window's shape and state, offline on a prepared cache: narrow windows, the
 * leaflet's folding, the buttons that show a message's state, the keyboard between panes.
 */

typedef struct
{
  char             *dir;
  TernTestCacheIds  ids;
  TernApplication  *app;
  TernWindow       *window;
  TernStore        *store;     /* the app's own, borrowed */
} Fixture;

static void
set_up (Fixture       *f,
        gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *db = NULL;
  TernStore *store;

  f->dir = g_dir_make_tmp ("tern-ui-XXXXXX", &error);
  g_assert_no_error (error);
  db = g_build_filename (f->dir, "tern.db", NULL);
  store = tern_test_cache_new (db, &f->ids);
  tern_test_cache_add_messages (store, f->ids.inbox, 1, 40);
  tern_store_free (store);
  f->app = tern_test_ui_start_app (f->dir, TRUE, &f->window);
  f->store = tern_application_get_store (f->app);
  gtk_window_present (GTK_WINDOW (f->window));
  g_assert_true (tern_test_ui_wait_frames (GTK_WIDGET (f->window), 2));
}

static void
tear_down (Fixture       *f,
           gconstpointer  data)
{
  g_autofree char *cmd = g_strdup_printf ("rm -rf '%s'", f->dir);

  if (f->window != NULL)
    gtk_window_destroy (GTK_WINDOW (f->window));
  tern_test_ui_stop_workers (f->app);
  g_clear_object (&f->app);
  g_assert_cmpint (system (cmd), ==, 0);
  g_free (f->dir);
}

static GtkWidget *
named (Fixture    *f,
       const char *name)
{
  GtkWidget *w = tern_test_ui_find_named (GTK_WIDGET (f->window), name);

  g_assert_nonnull (w);
  return w;
}

static gboolean
width_is_cb (gpointer data)
{
  Fixture *f = data;
  int wanted = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (f->window), "test-width"));

  /* The default size counts the client-side decoration's border too. */
  return ABS (gtk_widget_get_width (GTK_WIDGET (f->window)) - wanted) <= 16;
}

/* Resizes the window as a user dragging its border would, and waits until it has that
 * width (FALSE if it will not take it). */
static gboolean
resize (Fixture *f,
        int      width)
{
  gboolean ok;

  g_object_set_data (G_OBJECT (f->window), "test-width", GINT_TO_POINTER (width));
  gtk_window_set_default_size (GTK_WINDOW (f->window), width, 700);
  ok = tern_test_ui_wait_for (width_is_cb, f, 5);
  if (!ok)
    g_test_message ("Asked for %d, got %d", width, gtk_widget_get_width (GTK_WIDGET (f->window)));
  g_assert_true (tern_test_ui_wait_frames (GTK_WIDGET (f->window), 2));
  return ok;
}

static int
min_width (GtkWidget *w)
{
  int min;

  gtk_widget_measure (w, GTK_ORIENTATION_HORIZONTAL, -1, &min, NULL, NULL, NULL);
  return min;
}

static void
folded_cb (GObject    *leaflet,
           GParamSpec *pspec,
           guint      *count)
{
  (*count)++;
}

/* Issue 14, 1: folding may not shrink the panes' minimum widths (the message pane's
 * buttons bound to "folded" did: folding made room to unfold, unfolding took it back, and
 * the buttons changing while the leaflet allocated left the message pane without an
 * allocation, drawn blank); each width gives one layout that stays. */
static void
test_fold_is_stable (Fixture       *f,
                     gconstpointer  data)
{
  AdwLeaflet *leaflet = ADW_LEAFLET (named (f, "leaflet"));
  GtkWidget *view_pane = named (f, "view_pane");
  int unfolded_view, folded_view;
  guint changes = 0;

  gtk_selection_model_select_item (tern_window_get_selection (f->window), 0, TRUE);
  g_assert_true (resize (f, 1300));
  g_assert_false (adw_leaflet_get_folded (leaflet));
  unfolded_view = min_width (view_pane);
  g_assert_true (resize (f, 900));
  g_assert_true (adw_leaflet_get_folded (leaflet));
  folded_view = min_width (view_pane);
  g_assert_cmpint (folded_view, >=, unfolded_view);

  /* From wide to narrow and back: one fold, one unfold, the message pane drawn. */
  g_assert_true (resize (f, 1300));
  g_signal_connect (leaflet, "notify::folded", G_CALLBACK (folded_cb), &changes);
  for (int width = 1300; width >= 360; width -= 60)
    {
      g_assert_true (resize (f, width));
      if (!adw_leaflet_get_folded (leaflet))
        g_assert_true (tern_test_ui_drawn (view_pane));
    }
  g_assert_cmpuint (changes, ==, 1);
  g_assert_true (resize (f, 1300));
  g_assert_cmpuint (changes, ==, 2);
  g_assert_true (tern_test_ui_drawn (view_pane));
  g_signal_handlers_disconnect_by_func (leaflet, folded_cb, &changes);
}

/* Issue 14, 2: the window narrows to 360 px (the HIG's smallest), folded, its message
 * actions in "More". */
static void
test_narrow (Fixture       *f,
             gconstpointer  data)
{
  gboolean compact = FALSE;

  /* Dragged narrower, past the width where the header narrows. */
  g_assert_true (resize (f, 640));
  g_assert_true (resize (f, 360));
  g_assert_cmpint (gtk_widget_get_width (GTK_WIDGET (f->window)), <=, 360);
  g_assert_true (adw_leaflet_get_folded (ADW_LEAFLET (named (f, "leaflet"))));
  g_object_get (f->window, "compact", &compact, NULL);
  g_assert_true (compact);
  g_assert_false (gtk_widget_get_visible (named (f, "star_button")));
}

/* The leaflet shows the pane named "test-child", and has finished sliding to it. */
static gboolean
visible_child_is_cb (gpointer data)
{
  Fixture *f = data;
  AdwLeaflet *leaflet = ADW_LEAFLET (tern_test_ui_find_named (GTK_WIDGET (f->window), "leaflet"));
  const char *wanted = g_object_get_data (G_OBJECT (f->window), "test-child");

  return adw_leaflet_get_visible_child (leaflet) == tern_test_ui_find_named (GTK_WIDGET (f->window), wanted) &&
         !adw_leaflet_get_child_transition_running (leaflet);
}

/* Issue 14, 2: folded, one click on a folder shows its messages, one on a message shows it
 * (real clicks, through the X server). */
static void
test_folded_click_navigates (Fixture       *f,
                             gconstpointer  data)
{
  GtkWidget *folders = named (f, "folder_list");
  GtkWidget *messages = named (f, "message_list");
  AdwLeaflet *leaflet = ADW_LEAFLET (named (f, "leaflet"));

  g_assert_true (resize (f, 640));
  g_assert_true (resize (f, 360));
  g_assert_true (adw_leaflet_get_folded (leaflet));
  adw_leaflet_set_visible_child (leaflet, named (f, "sidebar_pane"));
  g_object_set_data (G_OBJECT (f->window), "test-child", (gpointer) "sidebar_pane");
  g_assert_true (tern_test_ui_wait_for (visible_child_is_cb, f, 5));

  /* The second row: INBOX, under the account's. */
  g_assert_true (tern_test_ui_click (folders, 100, 54));
  g_object_set_data (G_OBJECT (f->window), "test-child", (gpointer) "list_pane");
  g_assert_true (tern_test_ui_wait_for (visible_child_is_cb, f, 5));
  g_assert_cmpint (tern_window_get_folder_id (f->window), ==, f->ids.inbox);

  g_assert_true (tern_test_ui_click (messages, 100, 20));
  g_object_set_data (G_OBJECT (f->window), "test-child", (gpointer) "view_pane");
  g_assert_true (tern_test_ui_wait_for (visible_child_is_cb, f, 5));
  g_assert_true (gtk_selection_model_is_selected (tern_window_get_selection (f->window), 0));
}

/* Issue 14, 5: F6 and Shift+F6 go round the folders, the messages and the message; Tab
 * leaves a list (real keys, through the X server). */
static gboolean
focus_in_cb (gpointer data)
{
  Fixture *f = data;
  GtkWidget *pane = tern_test_ui_find_named (GTK_WIDGET (f->window), g_object_get_data (G_OBJECT (f->window), "test-pane"));
  GtkWidget *focus = gtk_root_get_focus (GTK_ROOT (f->window));

  return focus != NULL && gtk_widget_is_ancestor (focus, pane);
}

static void
assert_focus_in (Fixture    *f,
                 const char *pane)
{
  g_object_set_data (G_OBJECT (f->window), "test-pane", (gpointer) pane);
  g_assert_true (tern_test_ui_wait_for (focus_in_cb, f, 5));
}

static void
test_keyboard_panes (Fixture       *f,
                     gconstpointer  data)
{
  GtkWidget *w = GTK_WIDGET (f->window);
  g_autoptr(GError) error = NULL;

  g_assert_true (resize (f, 1300));
  g_assert_true (tern_store_set_body (f->store, tern_message_model_get_id (tern_window_get_message_model (f->window), 0),
                                      "1", "text/plain", "Hello, keyboard.", &error));
  g_assert_no_error (error);
  gtk_selection_model_select_item (tern_window_get_selection (f->window), 0, TRUE);
  gtk_widget_grab_focus (named (f, "folder_list"));

  g_assert_true (tern_test_ui_press_key (w, GDK_KEY_F6, 0));
  assert_focus_in (f, "list_pane");
  g_assert_true (tern_test_ui_press_key (w, GDK_KEY_F6, 0));
  assert_focus_in (f, "view_pane");
  g_assert_true (tern_test_ui_press_key (w, GDK_KEY_F6, 0));
  assert_focus_in (f, "sidebar_pane");
  g_assert_true (tern_test_ui_press_key (w, GDK_KEY_F6, GDK_SHIFT_MASK));
  assert_focus_in (f, "view_pane");
  g_assert_true (tern_test_ui_press_key (w, GDK_KEY_F6, GDK_SHIFT_MASK));
  assert_focus_in (f, "list_pane");

  /* Tab from the message list to the message, Shift+Tab back; Tab from the folders. */
  g_assert_true (tern_test_ui_press_key (w, GDK_KEY_Tab, 0));
  assert_focus_in (f, "view_pane");
  gtk_widget_grab_focus (named (f, "message_list"));
  g_assert_true (tern_test_ui_press_key (w, GDK_KEY_Tab, GDK_SHIFT_MASK));
  assert_focus_in (f, "sidebar_pane");
  g_assert_true (tern_test_ui_press_key (w, GDK_KEY_Tab, 0));
  assert_focus_in (f, "list_pane");
}

/* Issue 14, 7: the star and read buttons show the message's state, and say what a click
 * does. */
static void
test_state_buttons (Fixture       *f,
                    gconstpointer  data)
{
  GtkToggleButton *star = GTK_TOGGLE_BUTTON (named (f, "star_button"));
  GtkToggleButton *unread = GTK_TOGGLE_BUTTON (named (f, "unread_button"));
  TernMessageModel *messages = tern_window_get_message_model (f->window);
  guint flagged = G_MAXUINT;

  g_assert_true (resize (f, 1300));
  g_assert_true (GTK_IS_TOGGLE_BUTTON (star));
  /* Every seventh prepared message is flagged. */
  for (guint i = 0; i < 40 && flagged == G_MAXUINT; i++)
    {
      g_autoptr(TernMessage) m = tern_store_get_message (f->store, tern_message_model_get_id (messages, i), NULL);

      if (tern_flags_contain (m->flags, "\\Flagged"))
        flagged = i;
    }
  g_assert_cmpuint (flagged, !=, G_MAXUINT);

  gtk_selection_model_select_item (tern_window_get_selection (f->window), flagged, TRUE);
  g_assert_true (gtk_toggle_button_get_active (star));
  g_assert_cmpstr (gtk_widget_get_tooltip_text (GTK_WIDGET (star)), ==, "Unstar (S)");
  /* Opening it read it. */
  g_assert_false (gtk_toggle_button_get_active (unread));
  g_assert_cmpstr (gtk_widget_get_tooltip_text (GTK_WIDGET (unread)), ==, "Mark as Unread (M)");

  gtk_widget_activate_action (GTK_WIDGET (f->window), "win.toggle-star", NULL);
  g_assert_false (gtk_toggle_button_get_active (star));
  g_assert_cmpstr (gtk_widget_get_tooltip_text (GTK_WIDGET (star)), ==, "Star (S)");
  gtk_widget_activate_action (GTK_WIDGET (f->window), "win.mark-unread", NULL);
  g_assert_true (gtk_toggle_button_get_active (unread));
  g_assert_cmpstr (gtk_widget_get_tooltip_text (GTK_WIDGET (unread)), ==, "Mark as Read (M)");

  /* A click on the pressed star unstars: the button follows the message, not the click. */
  gtk_widget_activate_action (GTK_WIDGET (f->window), "win.toggle-star", NULL);
  g_assert_true (gtk_toggle_button_get_active (star));
  g_signal_emit_by_name (star, "clicked");
  g_assert_false (gtk_toggle_button_get_active (star));
  {
    g_autoptr(TernMessage) m = tern_store_get_message (f->store, tern_message_model_get_id (messages, flagged), NULL);

    g_assert_false (tern_flags_contain (m->flags, "\\Flagged"));
  }
}

static GtkWidget *
find_button_labelled (GtkWidget  *root,
                      const char *label)
{
  if (GTK_IS_BUTTON (root) && g_strcmp0 (gtk_button_get_label (GTK_BUTTON (root)), label) == 0)
    return root;
  for (GtkWidget *child = gtk_widget_get_first_child (root); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_button_labelled (child, label);

      if (found != NULL)
        return found;
    }
  return NULL;
}

static guint
count_queued (Fixture *f)
{
  g_autoptr(GPtrArray) actions = tern_journal_list (f->store, f->ids.account, NULL);

  return actions != NULL ? actions->len : 0;
}

static gboolean
mapped_cb (gpointer data)
{
  return gtk_widget_get_mapped (data);
}

/* Issue 14, 9: the status popover has no "Waiting for the Server" heading over nothing; with
 * many changes waiting it is as tall as about ten rows and scrolls; each queued change can be
 * cancelled by itself (undone here, the others still go). */
static void
test_status_popover (Fixture       *f,
                     gconstpointer  data)
{
  GtkWidget *status = GTK_WIDGET (tern_window_get_status_area (f->window));
  GtkWidget *button = NULL;
  GtkWidget *popover, *title, *scroller, *cancel;
  TernMessageModel *messages = tern_window_get_message_model (f->window);

  g_assert_true (resize (f, 1300));
  for (GtkWidget *w = gtk_widget_get_first_child (status); w != NULL && button == NULL; w = gtk_widget_get_next_sibling (w))
    if (GTK_IS_MENU_BUTTON (w))
      button = w;
  g_assert_nonnull (button);
  popover = GTK_WIDGET (gtk_menu_button_get_popover (GTK_MENU_BUTTON (button)));
  title = tern_test_ui_find_named (popover, "actions_title");
  scroller = tern_test_ui_find_named (popover, "actions_scroller");

  gtk_menu_button_popup (GTK_MENU_BUTTON (button));
  g_assert_true (tern_test_ui_wait_for (mapped_cb, popover, 5));
  g_assert_cmpuint (count_queued (f), ==, 0);
  g_assert_false (gtk_widget_get_visible (title));
  gtk_menu_button_popdown (GTK_MENU_BUTTON (button));

  /* Fifteen messages starred: fifteen changes waiting (opening the first read it too). */
  gtk_selection_model_select_range (tern_window_get_selection (f->window), 0, 15, TRUE);
  for (guint i = 0; i < 15; i++)
    {
      g_autoptr(TernMessage) m = tern_store_get_message (f->store, tern_message_model_get_id (messages, i), NULL);

      if (tern_flags_contain (m->flags, "\\Flagged"))
        {
          g_autoptr(GError) error = NULL;

          g_assert_true (tern_journal_set_flags (f->store, m->id, NULL, "\\Flagged", &error));
        }
    }
  gtk_widget_activate_action (GTK_WIDGET (f->window), "win.mark-read", NULL);
  gtk_widget_activate_action (GTK_WIDGET (f->window), "win.toggle-star", NULL);
  g_assert_cmpuint (count_queued (f), >=, 15);

  gtk_menu_button_popup (GTK_MENU_BUTTON (button));
  g_assert_true (tern_test_ui_wait_for (mapped_cb, popover, 5));
  g_assert_true (tern_test_ui_wait_frames (GTK_WIDGET (f->window), 2));
  g_assert_true (gtk_widget_get_visible (title));
  g_assert_cmpint (gtk_widget_get_height (scroller), >=, 400);
  g_assert_cmpint (gtk_widget_get_height (scroller), <=, 560);

  /* Cancel the first change listed, alone. */
  cancel = find_button_labelled (popover, "_Cancel");
  g_assert_nonnull (cancel);
  {
    g_autoptr(GPtrArray) before = tern_journal_list (f->store, f->ids.account, NULL);
    g_autoptr(GPtrArray) after = NULL;
    gint64 cancelled = ((TernAction *) before->pdata[0])->id;

    g_signal_emit_by_name (cancel, "clicked");
    after = tern_journal_list (f->store, f->ids.account, NULL);
    g_assert_cmpuint (after->len, ==, before->len - 1);
    for (guint i = 0; i < after->len; i++)
      g_assert_cmpint (((TernAction *) after->pdata[i])->id, !=, cancelled);
  }
  gtk_menu_button_popdown (GTK_MENU_BUTTON (button));
}

/* A cache whose shared folder (bob's "Team") was shared with "lrwi": no "s", "t", "e". */
static void
read_only_set_up (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *db = NULL;
  g_autoptr(TernFolder) team = NULL;
  TernStore *store;

  f->dir = g_dir_make_tmp ("tern-ui-XXXXXX", &error);
  g_assert_no_error (error);
  db = g_build_filename (f->dir, "tern.db", NULL);
  store = tern_test_cache_new (db, &f->ids);
  tern_test_cache_add_messages (store, f->ids.inbox, 1, 10);
  tern_test_cache_add_messages (store, f->ids.team, 1, 6);
  team = tern_store_get_folder_by_id (store, f->ids.team, &error);
  g_assert_no_error (error);
  g_free (team->myrights);
  team->myrights = g_strdup ("lrwi");
  g_assert_true (tern_store_upsert_folder (store, team, NULL, &error));
  g_assert_no_error (error);
  tern_store_free (store);
  f->app = tern_test_ui_start_app (f->dir, TRUE, &f->window);
  f->store = tern_application_get_store (f->app);
  gtk_window_present (GTK_WINDOW (f->window));
  g_assert_true (tern_test_ui_wait_frames (GTK_WIDGET (f->window), 2));
}

/* Issue 14, 8: in a folder shared read-only, what its rights forbid is insensitive and says
 * why in words; opening a message there leaves it unread, and a bar says why. */
static void
test_read_only_folder (Fixture       *f,
                       gconstpointer  data)
{
  GtkWidget *w = GTK_WIDGET (f->window);
  TernMessageModel *messages = tern_window_get_message_model (f->window);
  GtkWidget *archive;
  guint unread = G_MAXUINT;
  gint64 id;

  g_assert_true (resize (f, 1300));
  gtk_widget_activate_action (w, "win.select-folder", "x", f->ids.team);
  g_assert_cmpint (tern_window_get_folder_id (f->window), ==, f->ids.team);
  g_assert_true (gtk_widget_get_visible (named (f, "read_only_bar")));
  g_assert_nonnull (strstr (gtk_label_get_text (GTK_LABEL (named (f, "read_only_label"))),
                            "bob shares this folder read-only"));

  for (guint i = 0; i < 6 && unread == G_MAXUINT; i++)
    {
      g_autoptr(TernMessage) m = tern_store_get_message (f->store, tern_message_model_get_id (messages, i), NULL);

      if (!tern_flags_contain (m->flags, "\\Seen"))
        unread = i;
    }
  g_assert_cmpuint (unread, !=, G_MAXUINT);
  id = tern_message_model_get_id (messages, unread);
  gtk_selection_model_select_item (tern_window_get_selection (f->window), unread, TRUE);
  {
    g_autoptr(TernMessage) m = tern_store_get_message (f->store, id, NULL);
    g_autoptr(GPtrArray) actions = tern_journal_list (f->store, f->ids.account, NULL);

    g_assert_false (tern_flags_contain (m->flags, "\\Seen"));
    g_assert_cmpuint (actions->len, ==, 0);
  }

  /* "s" missing: read and unread insensitive; "t", "e": archive, delete, move; "w" is
   * there: star works. */
  g_assert_false (gtk_widget_is_sensitive (named (f, "unread_button")));
  g_assert_cmpstr (gtk_widget_get_tooltip_text (named (f, "unread_button")), ==, "bob shares this folder read-only");
  g_assert_true (gtk_widget_is_sensitive (named (f, "star_button")));
  archive = named (f, "archive_button");
  g_assert_false (gtk_widget_is_sensitive (archive));
  g_assert_cmpstr (gtk_widget_get_tooltip_text (archive), ==, "bob shares this folder read-only");
  g_assert_false (gtk_widget_is_sensitive (named (f, "move_button")));
  /* The key (m) does nothing either. */
  g_assert_true (tern_test_ui_press_key (w, GDK_KEY_m, 0));
  g_assert_cmpuint (count_queued (f), ==, 0);

  /* INBOX, one's own: all of it again. */
  gtk_widget_activate_action (w, "win.select-folder", "x", f->ids.inbox);
  gtk_selection_model_select_item (tern_window_get_selection (f->window), 0, TRUE);
  g_assert_false (gtk_widget_get_visible (named (f, "read_only_bar")));
  g_assert_true (gtk_widget_is_sensitive (archive));
  g_assert_cmpstr (gtk_widget_get_tooltip_text (archive), ==, "Archive (A)");
}

/* Issue 14, 7: toasts only for what the user can act on: a move offers Undo; undoing, or
 * nothing to undo, says nothing; Sync while working offline offers "Go Online". */
static void
test_toasts (Fixture       *f,
             gconstpointer  data)
{
  GtkWidget *w = GTK_WIDGET (f->window);

  gtk_widget_activate_action (w, "win.undo", NULL);
  g_assert_null (tern_window_get_last_toast (f->window));

  gtk_selection_model_select_item (tern_window_get_selection (f->window), 0, TRUE);
  gtk_widget_activate_action (w, "win.archive", NULL);
  g_assert_cmpstr (tern_window_get_last_toast (f->window), ==, "1 message archived");
  gtk_widget_activate_action (w, "win.undo", NULL);
  g_assert_cmpstr (tern_window_get_last_toast (f->window), ==, "1 message archived");

  gtk_widget_activate_action (w, "win.sync", NULL);
  g_assert_cmpstr (tern_window_get_last_toast (f->window), ==, "Tern is working offline");
}

/* Issue 14, 12: an empty folder says "No Messages" once, in the list; the pane beside it
 * does not add "No Message Selected" under the same icon. */
static void
test_empty_folder (Fixture       *f,
                   gconstpointer  data)
{
  TernMessageView *view = tern_window_get_message_view (f->window);

  g_assert_true (tern_message_view_get_placeholder (view));
  gtk_widget_activate_action (GTK_WIDGET (f->window), "win.select-folder", "x", f->ids.junk);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (tern_window_get_message_model (f->window))), ==, 0);
  g_assert_false (tern_message_view_get_placeholder (view));
  gtk_widget_activate_action (GTK_WIDGET (f->window), "win.select-folder", "x", f->ids.inbox);
  g_assert_true (tern_message_view_get_placeholder (view));
}

static int
row_height_with (const char *sender,
                 const char *subject)
{
  GtkWidget *window = gtk_window_new ();
  GtkWidget *row = tern_message_row_new ();
  g_autoptr(TernMessageItem) item = tern_message_item_new (1);
  int height;

  gtk_window_set_child (GTK_WINDOW (window), row);
  _tern_message_item_set_envelope (item, 1, subject, sender, "a@example.org", 1700000000, "", FALSE);
  tern_message_row_set_item (TERN_MESSAGE_ROW (row), item);
  gtk_widget_measure (row, GTK_ORIENTATION_VERTICAL, 300, NULL, &height, NULL, NULL);
  gtk_window_destroy (GTK_WINDOW (window));
  return height;
}

/* Issue 14, 12: a row in Chinese or Japanese is as tall as one in English (where the
 * machine has the fonts: without, both show boxes). */
static void
test_cjk_rows (Fixture       *f,
               gconstpointer  data)
{
  int latin = row_height_with ("Ann Lee", "Budget numbers for next year");
  int cjk = row_height_with ("田中 ゆき", "会議の資料と来週の予定について");

  g_assert_cmpint (cjk, ==, latin);
}

/* Issue 15: Junk from the keyboard (Ctrl+J) and the header bar; in Junk the same button says
 * "Not Junk" and Ctrl+Shift+J brings the message back to INBOX. */
static void
test_junk (Fixture       *f,
           gconstpointer  data)
{
  GtkWidget *w = GTK_WIDGET (f->window);
  GtkWidget *button = tern_test_ui_find_named (w, "junk_button");
  TernMessageModel *model = tern_window_get_message_model (f->window);
  guint before = g_list_model_get_n_items (G_LIST_MODEL (model));
  gint64 id;

  g_assert_nonnull (button);
  g_assert_cmpstr (gtk_actionable_get_action_name (GTK_ACTIONABLE (button)), ==, "win.junk");
  gtk_selection_model_select_item (tern_window_get_selection (f->window), 0, TRUE);
  id = tern_message_model_get_id (model, 0);
  g_assert_true (tern_test_ui_wait_frames (w, 1));
  g_assert_true (gtk_widget_is_sensitive (button));
  g_assert_true (tern_test_ui_press_key (w, GDK_KEY_j, GDK_CONTROL_MASK));
  g_assert_true (tern_test_ui_wait_frames (w, 2));
  g_assert_cmpstr (tern_window_get_last_toast (f->window), ==, "1 message marked as junk");
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (model)), ==, before - 1);

  gtk_widget_activate_action (w, "win.select-folder", "x", f->ids.junk);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (model)), ==, 1);
  g_assert_cmpint (tern_message_model_get_id (model, 0), ==, id);
  g_assert_cmpstr (gtk_actionable_get_action_name (GTK_ACTIONABLE (button)), ==, "win.not-junk");
  g_assert_cmpstr (gtk_button_get_icon_name (GTK_BUTTON (button)), ==, "mail-mark-notjunk-symbolic");
  gtk_selection_model_select_item (tern_window_get_selection (f->window), 0, TRUE);
  g_assert_true (tern_test_ui_wait_frames (w, 1));
  g_assert_true (tern_test_ui_press_key (w, GDK_KEY_j, GDK_CONTROL_MASK | GDK_SHIFT_MASK));
  g_assert_true (tern_test_ui_wait_frames (w, 2));
  g_assert_cmpstr (tern_window_get_last_toast (f->window), ==, "1 message marked as not junk");
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (model)), ==, 0);
  tern_test_ui_screenshots (GTK_WINDOW (f->window), "junk-folder", 1300, 800);

  gtk_widget_activate_action (w, "win.select-folder", "x", f->ids.inbox);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (model)), ==, before);
  g_assert_cmpstr (gtk_actionable_get_action_name (GTK_ACTIONABLE (button)), ==, "win.junk");
}

/* Where OpenGL is a software rasterizer (Xvfb's llvmpipe here), the window draws with the
 * cairo renderer (#13: llvmpipe took 75% of bench-app's CPU; a scroll step cost 64 ms of CPU
 * against 6.6 ms). main() unsets GSK_RENDERER, so the choice is the app's. */
static void
test_renderer (Fixture       *f,
               gconstpointer  data)
{
  g_autofree char *gl_name = tern_renderer_dup_gl_name (gtk_widget_get_display (GTK_WIDGET (f->window)));
  GskRenderer *renderer = gtk_native_get_renderer (GTK_NATIVE (f->window));

  g_test_message ("OpenGL: %s; renderer: %s", gl_name ? gl_name : "none", G_OBJECT_TYPE_NAME (renderer));
  if (!tern_renderer_gl_is_software (gl_name))
    {
      g_test_skip ("OpenGL here is not a software rasterizer");
      return;
    }
  g_assert_cmpstr (G_OBJECT_TYPE_NAME (renderer), ==, "GskCairoRenderer");
}

int
main (int   argc,
      char *argv[])
{
  /* The renderer is the app's choice here (/ui-window/renderer). */
  g_unsetenv ("GSK_RENDERER");
  gtk_test_init (&argc, &argv, NULL);
  tern_sync_global_init ();
  g_setenv ("TERN_TEST_URI_LOG", "/dev/null", TRUE);

  g_test_add ("/ui-window/fold-is-stable", Fixture, NULL, set_up, test_fold_is_stable, tear_down);
  g_test_add ("/ui-window/renderer", Fixture, NULL, set_up, test_renderer, tear_down);
  g_test_add ("/ui-window/narrow", Fixture, NULL, set_up, test_narrow, tear_down);
  g_test_add ("/ui-window/folded-click-navigates", Fixture, NULL, set_up, test_folded_click_navigates, tear_down);
  g_test_add ("/ui-window/keyboard-panes", Fixture, NULL, set_up, test_keyboard_panes, tear_down);
  g_test_add ("/ui-window/status-popover", Fixture, NULL, set_up, test_status_popover, tear_down);
  g_test_add ("/ui-window/read-only-folder", Fixture, NULL, read_only_set_up, test_read_only_folder, tear_down);
  g_test_add ("/ui-window/empty-folder", Fixture, NULL, set_up, test_empty_folder, tear_down);
  g_test_add ("/ui-window/toasts", Fixture, NULL, set_up, test_toasts, tear_down);
  g_test_add ("/ui-window/junk", Fixture, NULL, set_up, test_junk, tear_down);
  g_test_add ("/ui-window/cjk-rows", Fixture, NULL, set_up, test_cjk_rows, tear_down);
  g_test_add ("/ui-window/state-buttons", Fixture, NULL, set_up, test_state_buttons, tear_down);

  return g_test_run ();
}
