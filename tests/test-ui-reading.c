/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-ui-reading"

#include "config.h"

#include <string.h>
#include <webkit/webkit.h>

#include "tern-application.h"
#include "tern-message-row.h"
#include "tern-sync.h"
#include "tern-test-cache.h"
#include "tern-test-server.h"
#include "tern-test-ui.h"
#include "tern-window.h"

/*
 * Reading messages, offline on a prepared cache whose bodies the tests write: what the
 * window draws (a frame after each step, so GTK's snapshot warnings, fatal here, catch a
 * pane left without an allocation), HTML and plain text one after the other.
 */

typedef struct
{
  char             *dir;
  TernTestCacheIds  ids;
  TernApplication  *app;
  TernWindow       *window;
  TernStore        *store;     /* the app's own, borrowed */
  TernTestServer   *server;
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
  tern_test_ui_wait_frames (GTK_WIDGET (f->window), 2);
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
  g_clear_pointer (&f->server, tern_test_server_free);
  g_assert_cmpint (system (cmd), ==, 0);
  g_free (f->dir);
}

static gint64
row_id (Fixture *f,
        guint    position)
{
  return tern_message_model_get_id (tern_window_get_message_model (f->window), position);
}

static void
set_body (Fixture    *f,
          guint       position,
          const char *type,
          const char *text)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (tern_store_set_body (f->store, row_id (f, position), "1", type, text, &error));
  g_assert_no_error (error);
}

static void
select_row (Fixture *f,
            guint    position)
{
  gtk_selection_model_select_item (tern_window_get_selection (f->window), position, TRUE);
}

static gboolean
web_loaded_cb (gpointer data)
{
  GtkWidget *web = tern_message_view_get_web_view (data);

  return web != NULL && !webkit_web_view_is_loading (WEBKIT_WEB_VIEW (web));
}

/* Issue 14, 1: an HTML message, then a plain one: the message pane (its header bar too)
 * is drawn, each widget of it with its allocation. */
static void
test_html_then_plain (Fixture       *f,
                      gconstpointer  data)
{
  TernMessageView *view = tern_window_get_message_view (f->window);
  GtkWidget *pane = tern_test_ui_find_named (GTK_WIDGET (f->window), "view_pane");

  /* As the demo's newsletter: remote images (the bar offering to load them shows). */
  set_body (f, 1, "text/html",
            "<!DOCTYPE html><html><head><style>body{font-family:sans-serif;margin:0}"
            ".hero{background:#3584e4;color:white;padding:24px}</style></head><body>"
            "<div class=\"hero\"><h1>This week in GNOME</h1><p>Issue 40</p></div>"
            "<img src=\"https://cdn.example.net/banner.png\" alt=\"Banner\" width=\"560\">"
            "<p><a href=\"https://news.example.org/1\">Read the whole issue</a></p></body></html>");
  /* As the demo's report: plain text and an attachment (the first row has one). */
  set_body (f, 0, "text/plain", "Hi Bob,\n\nattached is the report. https://wiki.example.com/launch\n");

  for (guint round = 0; round < 3; round++)
    {
      select_row (f, 1);
      g_assert_cmpint (tern_message_view_get_state (view), ==, TERN_MESSAGE_VIEW_HTML);
      g_assert_true (tern_test_ui_wait_for (web_loaded_cb, view, 30));
      tern_test_ui_wait_frames (GTK_WIDGET (f->window), 3);
      g_assert_true (tern_test_ui_drawn (pane));

      select_row (f, 0);
      g_assert_cmpint (tern_message_view_get_state (view), ==, TERN_MESSAGE_VIEW_TEXT);
      g_assert_cmpuint (tern_message_view_get_n_attachments (view), ==, 1);
      tern_test_ui_wait_frames (GTK_WIDGET (f->window), 3);
      g_assert_true (tern_test_ui_drawn (pane));
    }
}

/* The same online, as in the demo: each plain message's text is fetched (the pane shows
 * "loading" first), after the HTML one. */
static gboolean
online_cb (gpointer data)
{
  Fixture *f = data;

  return tern_test_ui_worker_online (f->app) &&
         g_list_model_get_n_items (G_LIST_MODEL (tern_window_get_message_model (f->window))) >= 7;
}

static gboolean
settled_cb (gpointer data)
{
  TernMessageViewState state = tern_message_view_get_state (data);

  return state != TERN_MESSAGE_VIEW_LOADING && state != TERN_MESSAGE_VIEW_EMPTY;
}

static void
online_set_up (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *db = NULL;
  TernStore *store;

  f->server = tern_test_server_new (TERN_TEST_SERVER_FULL, &error);
  g_assert_no_error (error);
  f->dir = g_dir_make_tmp ("tern-ui-XXXXXX", &error);
  g_assert_no_error (error);
  db = g_build_filename (f->dir, "tern.db", NULL);
  tern_test_server_append_message (f->server, "alice", "INBOX",
    "From: News <news@example.org>\r\nTo: alice@example.org\r\nSubject: This week in GNOME\r\n"
    "Date: Mon, 02 Feb 2026 09:00:00 +0000\r\nMIME-Version: 1.0\r\n"
    "Content-Type: text/html; charset=utf-8\r\n\r\n"
    "<!DOCTYPE html><html><head><style>body{font-family:sans-serif;margin:0}"
    ".hero{background:#3584e4;color:white;padding:24px}</style></head><body>"
    "<div class=\"hero\"><h1>This week in GNOME</h1><p>Issue 40</p></div>"
    "<img src=\"https://cdn.example.net/banner.png\" alt=\"Banner\" width=\"560\">"
    "<p><a href=\"https://news.example.org/1\">Read the whole issue</a></p></body></html>\r\n");
  for (guint i = 0; i < 6; i++)
    {
      g_autofree char *m = g_strdup_printf (
        "From: Carla <carla@example.com>\r\nTo: alice@example.org\r\nSubject: Q3 report %u\r\n"
        "Date: Mon, 02 Feb 2026 1%u:00:00 +0000\r\nMIME-Version: 1.0\r\n"
        "Content-Type: multipart/mixed; boundary=\"mix\"\r\n\r\n"
        "--mix\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nHi Bob,\r\n\r\nattached is the "
        "report. https://wiki.example.com/launch\r\n--mix\r\nContent-Type: application/pdf; name=r.pdf\r\n"
        "Content-Disposition: attachment; filename=r.pdf\r\nContent-Transfer-Encoding: base64\r\n\r\n"
        "JVBERi0xLjQK\r\n--mix--\r\n", i, i);

      tern_test_server_append_message (f->server, "alice", "INBOX", m);
    }
  store = tern_store_open (db, &error);
  g_assert_no_error (error);
  tern_test_cache_add_server_account (store, f->server, "fixture", TRUE);
  tern_store_free (store);
  f->app = tern_test_ui_start_app (f->dir, FALSE, &f->window);
  f->store = tern_application_get_store (f->app);
  gtk_window_set_default_size (GTK_WINDOW (f->window), 1200, 760);
  gtk_window_present (GTK_WINDOW (f->window));
  g_assert_true (tern_test_ui_wait_for (online_cb, f, 120));
}

static void
test_html_then_fetched (Fixture       *f,
                        gconstpointer  data)
{
  TernMessageView *view = tern_window_get_message_view (f->window);
  GtkWidget *pane = tern_test_ui_find_named (GTK_WIDGET (f->window), "view_pane");
  guint html = G_MAXUINT;

  for (guint i = 0; i < 7 && html == G_MAXUINT; i++)
    {
      g_autoptr(TernMessageItem) item = g_list_model_get_item (G_LIST_MODEL (tern_window_get_message_model (f->window)), i);

      if (g_str_equal (tern_message_item_get_subject (item), "This week in GNOME"))
        html = i;
    }
  g_assert_cmpuint (html, !=, G_MAXUINT);
  for (guint i = 0; i < 7; i++)
    {
      if (i == html)
        continue;
      select_row (f, html);
      g_assert_true (tern_test_ui_wait_for (settled_cb, view, 30));
      g_assert_cmpint (tern_message_view_get_state (view), ==, TERN_MESSAGE_VIEW_HTML);
      g_assert_true (tern_test_ui_wait_for (web_loaded_cb, view, 30));
      tern_test_ui_wait_frames (GTK_WIDGET (f->window), 2);

      select_row (f, i);
      g_assert_true (tern_test_ui_wait_for (settled_cb, view, 30));
      g_assert_cmpint (tern_message_view_get_state (view), ==, TERN_MESSAGE_VIEW_TEXT);
      tern_test_ui_wait_frames (GTK_WIDGET (f->window), 3);
      g_assert_true (tern_test_ui_drawn (pane));
    }
}

/* Issue 14, 3: a message not downloaded, Tern set to work offline: the notice offers "Go
 * Online" (its "Try Again" did nothing), which turns working offline off. */
static void
test_go_online (Fixture       *f,
                gconstpointer  data)
{
  TernMessageView *view = tern_window_get_message_view (f->window);
  GtkWidget *button = tern_test_ui_find_named (GTK_WIDGET (view), "notice_button");

  g_assert_true (tern_application_get_work_offline (f->app));
  select_row (f, 0);
  g_assert_cmpint (tern_message_view_get_state (view), ==, TERN_MESSAGE_VIEW_NOT_AVAILABLE);
  g_assert_nonnull (button);
  g_assert_cmpstr (gtk_button_get_label (GTK_BUTTON (button)), ==, "_Go Online");
  g_signal_emit_by_name (button, "clicked");
  g_assert_false (tern_application_get_work_offline (f->app));
}

static TernMessageRow *find_row (GtkWidget *root, gint64 id);

/* Issue 14, 12: a line under the subject with the start of the cached text (quotes and
 * signature left out), which the menu's "Show Previews" turns off. */
static void
test_preview (Fixture       *f,
              gconstpointer  data)
{
  GtkWidget *w = GTK_WIDGET (f->window);
  gint64 id = row_id (f, 0);
  TernMessageRow *row;

  set_body (f, 0, "text/plain", "On Monday, Bob wrote:\n> Shall we?\n\nYes, the   numbers are in.\nSee you.\n-- \nCarla\n");
  tern_window_refresh (f->window);
  g_assert_true (tern_test_ui_wait_frames (w, 2));
  row = find_row (w, id);
  g_assert_nonnull (row);
  g_assert_cmpstr (tern_message_row_get_preview (row), ==, "Yes, the numbers are in. See you.");
  /* A message whose text is not here has no line. */
  g_assert_null (tern_message_row_get_preview (find_row (w, row_id (f, 1))));

  gtk_widget_activate_action (w, "win.show-previews", NULL);
  g_assert_true (tern_test_ui_wait_frames (w, 2));
  row = find_row (w, id);
  g_assert_nonnull (row);
  g_assert_null (tern_message_row_get_preview (row));
  gtk_widget_activate_action (w, "win.show-previews", NULL);
}

/* The first message row under root showing item id, or NULL. */
static TernMessageRow *
find_row (GtkWidget *root,
          gint64     id)
{
  if (TERN_IS_MESSAGE_ROW (root) && tern_message_row_get_item (TERN_MESSAGE_ROW (root)) != NULL &&
      tern_message_item_get_id (tern_message_row_get_item (TERN_MESSAGE_ROW (root))) == id)
    return TERN_MESSAGE_ROW (root);
  for (GtkWidget *child = gtk_widget_get_first_child (root); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      TernMessageRow *found = find_row (child, id);

      if (found != NULL)
        return found;
    }
  return NULL;
}

static gboolean
searching_cb (gpointer data)
{
  Fixture *f = data;
  TernMessageModel *messages = tern_window_get_message_model (f->window);
  const char *wanted = g_object_get_data (G_OBJECT (f->window), "test-searching");

  /* The words typed last have their results (searches run on a thread). */
  return tern_message_model_get_searching (messages) == (wanted != NULL) &&
         !tern_message_model_get_search_pending (messages);
}

static gboolean
list_page_is_cb (gpointer data)
{
  Fixture *f = data;
  GtkStack *stack = GTK_STACK (tern_test_ui_find_named (GTK_WIDGET (f->window), "list_stack"));

  return g_strcmp0 (gtk_stack_get_visible_child_name (stack), g_object_get_data (G_OBJECT (f->window), "test-page")) == 0;
}

static gboolean
highlighted_cb (gpointer data)
{
  return tern_message_view_get_n_highlights (data) > 0;
}

static GtkRevealer *
find_revealer (GtkWidget *root)
{
  if (GTK_IS_REVEALER (root))
    return GTK_REVEALER (root);
  for (GtkWidget *child = gtk_widget_get_first_child (root); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkRevealer *found = find_revealer (child);

      if (found != NULL)
        return found;
    }
  return NULL;
}

static gboolean
search_bar_open_cb (gpointer data)
{
  GtkRevealer *revealer = find_revealer (data);

  return revealer != NULL && gtk_revealer_get_child_revealed (revealer);
}

static void
type (Fixture    *f,
      const char *text)
{
  for (const char *p = text; *p != '\0'; p++)
    g_assert_true (tern_test_ui_press_key (GTK_WIDGET (f->window), gdk_unicode_to_keyval ((guint) *p), 0));
}

/* Issue 14, 6: Ctrl+F and typing search every folder; each result says its folder; the words
 * are marked in the message opened (plain text and HTML); nothing found says "No Results";
 * Escape goes back to the folder and the message selected before. */
static void
test_search (Fixture       *f,
             gconstpointer  data)
{
  GtkWidget *w = GTK_WIDGET (f->window);
  TernMessageView *view = tern_window_get_message_view (f->window);
  TernMessageModel *messages = tern_window_get_message_model (f->window);
  GtkWidget *entry = tern_test_ui_find_named (w, "search_entry");
  gint64 selected = row_id (f, 3);
  gint64 result;
  TernMessageRow *row;

  gtk_selection_model_select_item (tern_window_get_selection (f->window), 3, TRUE);
  g_assert_true (tern_test_ui_press_key (w, GDK_KEY_f, GDK_CONTROL_MASK));
  g_assert_true (gtk_widget_has_focus (entry) || gtk_widget_is_ancestor (gtk_root_get_focus (GTK_ROOT (w)), entry));
  /* Keys reach the entry once the search bar has slid open. */
  g_assert_true (tern_test_ui_wait_for (search_bar_open_cb, tern_test_ui_find_named (w, "search_bar"), 5));
  type (f, "things");
  g_object_set_data (G_OBJECT (f->window), "test-searching", (gpointer) "yes");
  g_assert_true (tern_test_ui_wait_for (searching_cb, f, 5));
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (messages)), >, 0);

  /* The result rows say their folder. */
  g_assert_true (tern_test_ui_wait_frames (w, 2));
  result = tern_message_model_get_id (messages, 0);
  row = find_row (w, result);
  g_assert_nonnull (row);
  g_assert_cmpstr (tern_message_row_get_folder_name (row), ==, "Inbox");

  /* Plain text: each "things" marked. */
  g_assert_true (tern_store_set_body (f->store, result, "1", "text/plain",
                                      "All the things we said, and other things.", NULL));
  gtk_selection_model_select_item (tern_window_get_selection (f->window), 0, TRUE);
  g_assert_cmpint (tern_message_view_get_state (view), ==, TERN_MESSAGE_VIEW_TEXT);
  g_assert_cmpuint (tern_message_view_get_n_highlights (view), ==, 2);

  /* HTML: WebKit marks them. */
  result = tern_message_model_get_id (messages, 1);
  g_assert_true (tern_store_set_body (f->store, result, "1", "text/html",
                                      "<html><body><p>Some <b>things</b> and more things.</p></body></html>", NULL));
  gtk_selection_model_select_item (tern_window_get_selection (f->window), 1, TRUE);
  g_assert_cmpint (tern_message_view_get_state (view), ==, TERN_MESSAGE_VIEW_HTML);
  g_assert_true (tern_test_ui_wait_for (highlighted_cb, view, 30));
  g_assert_cmpuint (tern_message_view_get_n_highlights (view), ==, 2);

  /* Nothing found. */
  gtk_editable_set_text (GTK_EDITABLE (entry), "zzqqxx");
  g_object_set_data (G_OBJECT (f->window), "test-page", (gpointer) "empty");
  g_assert_true (tern_test_ui_wait_for (list_page_is_cb, f, 5));
  g_assert_cmpstr (adw_status_page_get_title (ADW_STATUS_PAGE (tern_test_ui_find_named (w, "empty_page"))), ==,
                   "No Results");

  /* Escape: the folder again, the message selected before selected again. */
  gtk_widget_grab_focus (entry);
  g_assert_true (tern_test_ui_press_key (w, GDK_KEY_Escape, 0));
  g_object_set_data (G_OBJECT (f->window), "test-searching", NULL);
  g_assert_true (tern_test_ui_wait_for (searching_cb, f, 5));
  g_assert_cmpint (tern_window_get_folder_id (f->window), ==, f->ids.inbox);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (messages)), ==, 40);
  g_assert_true (gtk_selection_model_is_selected (tern_window_get_selection (f->window), 3));
  g_assert_cmpint (tern_message_view_get_message_id (view), ==, selected);
  g_assert_cmpstr (adw_status_page_get_title (ADW_STATUS_PAGE (tern_test_ui_find_named (w, "empty_page"))), ==,
                   "No Messages");
  row = find_row (w, selected);
  g_assert_nonnull (row);
  g_assert_null (tern_message_row_get_folder_name (row));
}

/* The message row under root showing conversation thread, or NULL. */
static TernMessageRow *
find_conversation_row (GtkWidget *root,
                       gint64     thread)
{
  if (TERN_IS_MESSAGE_ROW (root) && tern_message_row_get_conversation (TERN_MESSAGE_ROW (root)) != NULL &&
      tern_conversation_item_get_thread_id (tern_message_row_get_conversation (TERN_MESSAGE_ROW (root))) == thread)
    return TERN_MESSAGE_ROW (root);
  for (GtkWidget *child = gtk_widget_get_first_child (root); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      TernMessageRow *found = find_conversation_row (child, thread);

      if (found != NULL)
        return found;
    }
  return NULL;
}

/* Leaves search as asked (Escape, or the entry emptied by Backspace), then: the folder's
 * conversations as they were, the one opened still open, the message selected before
 * selected and shown again. */
static void
leave_and_check (Fixture *f,
                 guint    keyval,
                 guint    presses,
                 guint    n_rows,
                 guint    position,
                 gint64   selected)
{
  GtkWidget *w = GTK_WIDGET (f->window);
  GListModel *rows = G_LIST_MODEL (tern_window_get_selection (f->window));

  for (guint i = 0; i < presses; i++)
    g_assert_true (tern_test_ui_press_key (w, keyval, 0));
  g_object_set_data (G_OBJECT (f->window), "test-searching", NULL);
  g_assert_true (tern_test_ui_wait_for (searching_cb, f, 5));
  g_assert_cmpuint (g_list_model_get_n_items (rows), ==, n_rows);
  g_assert_true (gtk_selection_model_is_selected (tern_window_get_selection (f->window), position));
  g_assert_cmpint (tern_message_view_get_message_id (tern_window_get_message_view (f->window)), ==, selected);
  {
    g_autoptr(GtkTreeListRow) row = g_list_model_get_item (rows, 0);

    g_assert_true (GTK_IS_TREE_LIST_ROW (row));
    g_assert_true (gtk_tree_list_row_get_expanded (row));
  }
}

/* Issue 14, 6: grouped by conversation, the results are grouped too (typed in the search
 * entry); leaving search, by Escape or by emptying the entry, keeps the conversations opened
 * and the message selected. */
static void
test_search_grouped (Fixture       *f,
                     gconstpointer  data)
{
  GtkWidget *w = GTK_WIDGET (f->window);
  GListModel *rows = G_LIST_MODEL (tern_window_get_selection (f->window));
  TernMessageView *view = tern_window_get_message_view (f->window);
  AdwWindowTitle *title = ADW_WINDOW_TITLE (tern_test_ui_find_named (w, "list_title"));
  gint64 selected;
  guint n;

  gtk_widget_activate_action (w, "win.group-by-conversation", NULL);
  gtk_selection_model_select_item (tern_window_get_selection (f->window), 0, TRUE);
  gtk_widget_activate_action (w, "win.expand", NULL);
  n = g_list_model_get_n_items (rows);
  g_assert_cmpuint (n, ==, 10 + 4);
  gtk_selection_model_select_item (tern_window_get_selection (f->window), 2, TRUE);
  selected = tern_message_view_get_message_id (view);
  g_assert_cmpint (selected, !=, 0);

  /* "message 1": messages 1 and 10 to 19, in the conversations of 1-4, 9-12, 13-16 and
   * 17-20, newest first. */
  g_assert_true (tern_test_ui_press_key (w, GDK_KEY_f, GDK_CONTROL_MASK));
  g_assert_true (tern_test_ui_wait_for (search_bar_open_cb, tern_test_ui_find_named (w, "search_bar"), 5));
  type (f, "message 1");
  g_object_set_data (G_OBJECT (f->window), "test-searching", (gpointer) "yes");
  g_assert_true (tern_test_ui_wait_for (searching_cb, f, 5));
  g_assert_cmpuint (g_list_model_get_n_items (rows), ==, 4);
  g_assert_cmpstr (adw_window_title_get_subtitle (title), ==, "11 results in 4 conversations");
  g_assert_true (tern_test_ui_wait_frames (w, 2));
  for (guint i = 0; i < 4; i++)
    {
      static const guint counts[] = { 3, 4, 3, 1 };
      g_autoptr(GtkTreeListRow) row = g_list_model_get_item (rows, i);
      g_autoptr(GObject) item = gtk_tree_list_row_get_item (row);
      TernMessageRow *shown;

      g_assert_true (TERN_IS_CONVERSATION_ITEM (item));
      g_assert_cmpuint (tern_conversation_item_get_count (TERN_CONVERSATION_ITEM (item)), ==, counts[i]);
      /* Each says its folder. */
      shown = find_conversation_row (w, tern_conversation_item_get_thread_id (TERN_CONVERSATION_ITEM (item)));
      g_assert_nonnull (shown);
      g_assert_cmpstr (tern_message_row_get_folder_name (shown), ==, "Inbox");
    }
  /* Opening one of them: its messages found, each saying its folder. */
  gtk_selection_model_select_item (tern_window_get_selection (f->window), 0, TRUE);
  gtk_widget_activate_action (w, "win.expand", NULL);
  g_assert_cmpuint (g_list_model_get_n_items (rows), ==, 4 + 3);
  g_assert_true (tern_test_ui_wait_frames (w, 2));
  {
    g_autoptr(GtkTreeListRow) row = g_list_model_get_item (rows, 1);
    g_autoptr(GObject) item = gtk_tree_list_row_get_item (row);

    g_assert_true (TERN_IS_MESSAGE_ITEM (item));
    g_assert_cmpstr (tern_message_row_get_folder_name (find_row (w, tern_message_item_get_id (TERN_MESSAGE_ITEM (item)))),
                     ==, "Inbox");
  }

  leave_and_check (f, GDK_KEY_Escape, 1, n, 2, selected);

  /* Again, a folded conversation selected, then the entry emptied with Backspace. */
  gtk_selection_model_select_item (tern_window_get_selection (f->window), 5, TRUE);
  selected = tern_message_view_get_message_id (view);
  g_assert_cmpint (selected, !=, 0);
  g_assert_true (tern_test_ui_press_key (w, GDK_KEY_f, GDK_CONTROL_MASK));
  g_assert_true (tern_test_ui_wait_for (search_bar_open_cb, tern_test_ui_find_named (w, "search_bar"), 5));
  type (f, "about");
  g_object_set_data (G_OBJECT (f->window), "test-searching", (gpointer) "yes");
  g_assert_true (tern_test_ui_wait_for (searching_cb, f, 5));
  g_assert_cmpuint (g_list_model_get_n_items (rows), ==, 10);
  leave_and_check (f, GDK_KEY_BackSpace, strlen ("about"), n, 5, selected);

  /* The setting is the process's (a memory backend): back to one row a message. */
  gtk_widget_activate_action (w, "win.group-by-conversation", NULL);
}

/* The colour at (x, y) of what widget draws. */
static void
pixel_at (GtkWidget *widget,
          int        x,
          int        y,
          guint8     rgb[3])
{
  g_autoptr(GdkTexture) texture = tern_test_ui_render (widget);
  int width = gdk_texture_get_width (texture);
  int height = gdk_texture_get_height (texture);
  g_autofree guint8 *pixels = g_malloc ((gsize) width * height * 4);
  guint8 *p;

  gdk_texture_download (texture, pixels, (gsize) width * 4);
  p = pixels + ((gsize) y * width + x) * 4;
  /* Cairo's ARGB32, native endian: B G R A on this machine. */
  rgb[0] = p[2];
  rgb[1] = p[1];
  rgb[2] = p[0];
}

/* Issue 14, 11: dark style, an HTML message without colours of its own is drawn in the dark
 * palette; one with its own keeps its light page. */
static void
test_dark_html (Fixture       *f,
                gconstpointer  data)
{
  TernMessageView *view = tern_window_get_message_view (f->window);
  GtkWidget *web;
  guint8 rgb[3];

  adw_style_manager_set_color_scheme (adw_style_manager_get_default (), ADW_COLOR_SCHEME_FORCE_DARK);
  set_body (f, 0, "text/html", "<html><body><p>Plain words, no colours.</p></body></html>");
  set_body (f, 1, "text/html",
            "<html><body style=\"background:#ffffff;color:#222222\"><p>My own colours.</p></body></html>");

  select_row (f, 0);
  g_assert_true (tern_test_ui_wait_for (web_loaded_cb, view, 30));
  g_assert_true (tern_message_view_get_html_dark (view));
  web = tern_message_view_get_web_view (view);
  g_assert_true (tern_test_ui_wait_frames (GTK_WIDGET (f->window), 3));
  pixel_at (web, gtk_widget_get_width (web) - 4, gtk_widget_get_height (web) - 4, rgb);
  g_assert_cmpuint (rgb[0], <, 80);

  select_row (f, 1);
  g_assert_true (tern_test_ui_wait_for (web_loaded_cb, view, 30));
  g_assert_false (tern_message_view_get_html_dark (view));
  g_assert_true (tern_test_ui_wait_frames (GTK_WIDGET (f->window), 3));
  pixel_at (web, gtk_widget_get_width (web) - 4, gtk_widget_get_height (web) - 4, rgb);
  g_assert_cmpuint (rgb[0], >, 200);

  adw_style_manager_set_color_scheme (adw_style_manager_get_default (), ADW_COLOR_SCHEME_DEFAULT);
}

/* Issue 14, 12: a link in plain text goes to the next line whole, not broken after
 * "https://". */
static void
test_link_wrap (Fixture       *f,
                gconstpointer  data)
{
  static const char text[] = "attached is Quarterly report Q3.pdf (3072 KB). Let me know what you think: "
                             "https://wiki.example.com/launch";
  TernMessageView *view = tern_window_get_message_view (f->window);
  GtkTextView *text_view = NULL;
  GtkTextIter scheme, host;
  GdkRectangle a, b;
  const char *link = strstr (text, "https://");

  gtk_window_set_default_size (GTK_WINDOW (f->window), 1200, 700);
  set_body (f, 0, "text/plain", text);
  select_row (f, 0);
  for (GtkWidget *w = GTK_WIDGET (view); w != NULL && text_view == NULL;)
    {
      /* The first text view under the message view. */
      GtkWidget *child = gtk_widget_get_first_child (w);

      if (GTK_IS_TEXT_VIEW (w))
        text_view = GTK_TEXT_VIEW (w);
      else if (child != NULL)
        w = child;
      else
        {
          while (w != NULL && gtk_widget_get_next_sibling (w) == NULL)
            w = gtk_widget_get_parent (w);
          w = w != NULL ? gtk_widget_get_next_sibling (w) : NULL;
        }
    }
  g_assert_nonnull (text_view);
  /* Narrow the text until the line breaks in the link or before it. */
  for (int width = 700; width >= 300; width -= 10)
    {
      gtk_widget_set_size_request (GTK_WIDGET (text_view), -1, -1);
      gtk_text_view_set_right_margin (text_view, gtk_widget_get_width (GTK_WIDGET (text_view)) - width);
      g_assert_true (tern_test_ui_wait_frames (GTK_WIDGET (f->window), 2));
      gtk_text_buffer_get_iter_at_offset (gtk_text_view_get_buffer (text_view), &scheme, (int) (link - text));
      gtk_text_buffer_get_iter_at_offset (gtk_text_view_get_buffer (text_view), &host, (int) (link - text) + 8);
      gtk_text_view_get_iter_location (text_view, &scheme, &a);
      gtk_text_view_get_iter_location (text_view, &host, &b);
      g_assert_cmpint (a.y, ==, b.y);
    }
}

static gboolean
attachments_listed_cb (gpointer data)
{
  return tern_message_view_get_n_attachments (data) > 0;
}

/* Issue 17, 5: a message with 10,000 parts opens without 10,000 cards: the strip lists the
 * first ones and a "N More Attachments" button, which lists the rest. */
static void
test_many_attachments (Fixture       *f,
                       gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  TernMessageView *view = tern_window_get_message_view (f->window);
  gint64 id = row_id (f, 0);
  g_autoptr(TernMessage) message = tern_store_get_message (f->store, id, &error);
  g_autoptr(TernFolder) folder = NULL;
  GtkWidget *more;
  guint listed;

  g_assert_no_error (error);
  folder = tern_store_get_folder_by_id (f->store, message->folder_id, &error);
  g_assert_no_error (error);
  g_clear_pointer (&message->parts, g_ptr_array_unref);
  message->parts = g_ptr_array_new_with_free_func ((GDestroyNotify) tern_part_free);
  for (guint i = 0; i < 2000; i++)
    {
      TernPart *part = g_new0 (TernPart, 1);

      part->section = g_strdup_printf ("%u", i + 1);
      part->type = g_strdup (i == 0 ? "text" : "application");
      part->subtype = g_strdup (i == 0 ? "plain" : "octet-stream");
      part->encoding = g_strdup ("base64");
      part->size = 780;
      if (i > 0)
        {
          part->disposition = g_strdup ("attachment");
          part->filename = g_strdup_printf ("part-%04u.bin", i);
        }
      g_ptr_array_add (message->parts, part);
    }
  g_assert_true (tern_store_upsert_message (f->store, folder->id, message, NULL, &error));
  g_assert_no_error (error);
  set_body (f, 0, "text/plain", "Two thousand parts.\n");

  select_row (f, 0);
  g_assert_true (tern_test_ui_wait_for (attachments_listed_cb, view, 10));
  listed = tern_message_view_get_n_attachments (view);
  g_assert_cmpuint (listed, >=, 10);
  g_assert_cmpuint (listed, <=, 100);
  g_assert_cmpuint (listed + tern_message_view_get_n_hidden_attachments (view), ==, 1999);
  more = tern_test_ui_find_named (GTK_WIDGET (view), "more_attachments");
  g_assert_nonnull (more);
  {
    g_autofree char *label = g_strdup_printf ("%u More Attachments", 1999 - listed);

    g_assert_cmpstr (gtk_button_get_label (GTK_BUTTON (more)), ==, label);
  }
  g_assert_true (tern_test_ui_wait_frames (GTK_WIDGET (f->window), 2));
  tern_test_ui_screenshots (GTK_WINDOW (f->window), "many-attachments", 1300, 800);

  g_signal_emit_by_name (more, "clicked");
  g_assert_cmpuint (tern_message_view_get_n_attachments (view), ==, 1999);
  g_assert_cmpuint (tern_message_view_get_n_hidden_attachments (view), ==, 0);
  g_assert_null (tern_test_ui_find_named (GTK_WIDGET (view), "more_attachments"));
}

int
main (int   argc,
      char *argv[])
{
  /* WebKit as users run it: in compositing mode (ui_test_env turns it off for the other
   * tests), in which the blank pane of issue 14 showed. */
  g_unsetenv ("WEBKIT_DISABLE_COMPOSITING_MODE");
  gtk_test_init (&argc, &argv, NULL);
  tern_sync_global_init ();
  g_setenv ("TERN_TEST_URI_LOG", "/dev/null", TRUE);

  g_test_add ("/ui-reading/html-then-plain", Fixture, NULL, set_up, test_html_then_plain, tear_down);

  g_test_add ("/ui-reading/preview", Fixture, NULL, set_up, test_preview, tear_down);
  g_test_add ("/ui-reading/go-online", Fixture, NULL, set_up, test_go_online, tear_down);
  g_test_add ("/ui-reading/dark-html", Fixture, NULL, set_up, test_dark_html, tear_down);
  g_test_add ("/ui-reading/link-wrap", Fixture, NULL, set_up, test_link_wrap, tear_down);
  g_test_add ("/ui-reading/search", Fixture, NULL, set_up, test_search, tear_down);
  g_test_add ("/ui-reading/search-grouped", Fixture, NULL, set_up, test_search_grouped, tear_down);
  g_test_add ("/ui-reading/many-attachments", Fixture, NULL, set_up, test_many_attachments, tear_down);
  g_test_add ("/ui-reading/html-then-fetched", Fixture, NULL, online_set_up, test_html_then_fetched, tear_down);

  return g_test_run ();
}
