/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-ui"

#include "config.h"

#include <glib/gstdio.h>
#include <string.h>
#include <webkit/webkit.h>

#include "tern-application.h"
#include "tern-journal.h"
#include "tern-move-popover.h"
#include "tern-sync.h"
#include "tern-test-cache.h"
#include "tern-test-server.h"
#include "tern-test-ui.h"
#include "tern-window.h"

/*
 * The app under Xvfb, driven through its actions as a user would drive it through keys:
 * offline on a prepared cache, then online against the Dovecot fixture.
 */

typedef struct
{
  char             *dir;
  char             *db_path;
  TernTestCacheIds  ids;
  TernTestServer   *server;
  TernApplication  *app;
  TernWindow       *window;
  TernStore        *store;     /* the app's own, borrowed */
} Fixture;

static void
start_app (Fixture  *f,
           gboolean  offline)
{
  f->app = tern_test_ui_start_app (f->dir, offline, &f->window);
  f->store = tern_application_get_store (f->app);
  tern_test_ui_drain ();
}

static void
offline_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  TernStore *store;

  f->dir = g_dir_make_tmp ("tern-ui-XXXXXX", &error);
  g_assert_no_error (error);
  f->db_path = g_build_filename (f->dir, "tern.db", NULL);
  store = tern_test_cache_new (f->db_path, &f->ids);
  tern_test_cache_add_messages (store, f->ids.inbox, 1, 1000);
  tern_store_free (store);
  start_app (f, TRUE);
}

static void
tear_down (Fixture       *f,
           gconstpointer  data)
{
  g_autofree char *cmd = g_strdup_printf ("rm -rf '%s'", f->dir);

  if (f->window != NULL)
    gtk_window_destroy (GTK_WINDOW (f->window));
  tern_test_ui_stop_workers (f->app);
  tern_test_ui_drain ();
  g_clear_object (&f->app);
  g_clear_pointer (&f->server, tern_test_server_free);
  g_assert_cmpint (system (cmd), ==, 0);
  g_free (f->dir);
  g_free (f->db_path);
}

static void
select_row (Fixture *f,
            guint    position)
{
  gtk_selection_model_select_item (tern_window_get_selection (f->window), position, TRUE);
  tern_test_ui_drain ();
}

/* The first actionable widget under root bound to action_name, or NULL. */
static GtkWidget *
find_actionable (GtkWidget  *root,
                 const char *action_name)
{
  if (GTK_IS_ACTIONABLE (root) &&
      g_strcmp0 (gtk_actionable_get_action_name (GTK_ACTIONABLE (root)), action_name) == 0)
    return root;
  for (GtkWidget *child = gtk_widget_get_first_child (root); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_actionable (child, action_name);

      if (found != NULL)
        return found;
    }
  return NULL;
}

/* The first label under root that reads text, or NULL. */
static GtkWidget *
find_label (GtkWidget  *root,
            const char *text)
{
  if (GTK_IS_LABEL (root) && g_strcmp0 (gtk_label_get_text (GTK_LABEL (root)), text) == 0)
    return root;
  for (GtkWidget *child = gtk_widget_get_first_child (root); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_label (child, text);

      if (found != NULL)
        return found;
    }
  return NULL;
}

/* Whether the message actions' toolbar buttons are sensitive (they follow their actions). */
static void
assert_message_actions (Fixture  *f,
                        gboolean  enabled)
{
  const char *names[] = { "win.reply", "win.reply-all", "win.forward", "win.archive",
                          "win.delete", "win.toggle-star", "win.toggle-read" };

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      GtkWidget *button = find_actionable (GTK_WIDGET (f->window), names[i]);

      g_assert_nonnull (button);
      if (enabled)
        g_assert_true (gtk_widget_get_sensitive (button));
      else
        g_assert_false (gtk_widget_get_sensitive (button));
    }
}

static TernAction *
last_action (Fixture *f)
{
  g_autoptr(GPtrArray) actions = tern_journal_list (f->store, f->ids.account, NULL);
  TernAction *a;

  g_assert_nonnull (actions);
  g_assert_cmpuint (actions->len, >, 0);
  a = g_ptr_array_steal_index (actions, actions->len - 1);
  return a;
}

static guint
count_actions (Fixture *f)
{
  g_autoptr(GPtrArray) actions = tern_journal_list (f->store, f->ids.account, NULL);

  return actions ? actions->len : 0;
}

static gboolean
flagged (Fixture *f,
         gint64   id)
{
  g_autoptr(TernMessage) m = tern_store_get_message (f->store, id, NULL);

  return tern_flags_contain (m->flags, "\\Flagged");
}

static gint64
folder_of (Fixture *f,
           gint64   id)
{
  g_autoptr(TernMessage) m = tern_store_get_message (f->store, id, NULL);

  return m->folder_id;
}

/* Ctrl+Z undoes the most recent action, again and again; the status line counts what is
 * left, and nothing once all is undone. */
static void
test_offline_undo_stack (Fixture       *f,
                         gconstpointer  data)
{
  TernMessageModel *messages = tern_window_get_message_model (f->window);
  TernStatusArea *status = tern_window_get_status_area (f->window);
  GtkWidget *w = GTK_WIDGET (f->window);
  gint64 starred, archived, deleted;
  guint waiting_before = count_actions (f);

  /* Opening marks read: that is not something to undo. */
  select_row (f, 0);
  starred = tern_message_model_get_id (messages, 0);
  g_assert_false (flagged (f, starred));
  gtk_widget_activate_action (w, "win.toggle-star", NULL);
  gtk_selection_model_unselect_all (tern_window_get_selection (f->window));
  select_row (f, 1);
  archived = tern_message_model_get_id (messages, 1);
  gtk_widget_activate_action (w, "win.archive", NULL);
  gtk_selection_model_unselect_all (tern_window_get_selection (f->window));
  select_row (f, 2);
  deleted = tern_message_model_get_id (messages, 2);
  gtk_widget_activate_action (w, "win.delete", NULL);
  tern_test_ui_drain ();
  g_assert_cmpint (folder_of (f, deleted), ==, f->ids.trash);
  g_assert_nonnull (strstr (tern_status_area_get_text (status), "waiting"));

  gtk_widget_activate_action (w, "win.undo", NULL);
  g_assert_cmpint (folder_of (f, deleted), ==, f->ids.inbox);
  g_assert_cmpint (folder_of (f, archived), ==, f->ids.archive);
  g_assert_true (flagged (f, starred));
  g_assert_cmpuint (tern_message_model_find (messages, deleted), !=, G_MAXUINT);

  gtk_widget_activate_action (w, "win.undo", NULL);
  g_assert_cmpint (folder_of (f, archived), ==, f->ids.inbox);
  g_assert_true (flagged (f, starred));

  gtk_widget_activate_action (w, "win.undo", NULL);
  g_assert_false (flagged (f, starred));
  tern_test_ui_drain ();
  /* What is left waiting: the reads of opening rows only. */
  g_assert_cmpuint (count_actions (f), <=, waiting_before + 3);
  {
    g_autoptr(GPtrArray) actions = tern_journal_list (f->store, f->ids.account, NULL);

    for (guint i = 0; i < actions->len; i++)
      g_assert_cmpstr (((TernAction *) actions->pdata[i])->add_flags, ==, "\\Seen");
  }

  /* Nothing more to undo: nothing happens, no toast. */
  gtk_widget_activate_action (w, "win.undo", NULL);
  g_assert_cmpint (folder_of (f, archived), ==, f->ids.inbox);
}

static void
test_offline_shows_cache (Fixture       *f,
                          gconstpointer  data)
{
  TernFolderModel *folders = tern_window_get_folder_model (f->window);
  TernMessageModel *messages = tern_window_get_message_model (f->window);
  TernStatusArea *status = tern_window_get_status_area (f->window);

  g_assert_cmpstr (tern_window_get_page (f->window), ==, "mail");
  /* Account, six special folders, three personal, the shared heading and folder. */
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (folders)), ==, 12);
  /* INBOX is open, newest first, and only what is on screen was read. */
  g_assert_cmpint (tern_window_get_folder_id (f->window), ==, f->ids.inbox);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (messages)), ==, 1000);
  /* GTK 4.8's list view keeps up to 200 rows around the visible ones. */
  g_assert_cmpuint (tern_message_model_get_n_loaded (messages), <=, 200 + 64);
  g_assert_cmpuint (tern_message_model_get_n_loaded (messages), >, 0);
  g_assert_nonnull (strstr (tern_status_area_get_text (status), "offline"));

  /* Move To: bob's shared "Team" says whose it is. */
  {
    GtkWidget *popover = g_object_ref_sink (tern_move_popover_new ());

    tern_move_popover_set_folders (TERN_MOVE_POPOVER (popover), folders, f->ids.account, f->ids.inbox);
    g_assert_nonnull (find_label (popover, "Team"));
    g_assert_nonnull (find_label (popover, "— bob"));
    g_object_unref (popover);
  }

  /* Another folder. */
  gtk_widget_activate_action (GTK_WIDGET (f->window), "win.select-folder", "x", f->ids.projects_2024);
  g_assert_cmpint (tern_window_get_folder_id (f->window), ==, f->ids.projects_2024);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (messages)), ==, 0);
}

static void
test_offline_triage (Fixture       *f,
                     gconstpointer  data)
{
  TernMessageModel *messages = tern_window_get_message_model (f->window);
  GtkWidget *w = GTK_WIDGET (f->window);
  g_autoptr(TernAction) a = NULL;
  g_autoptr(TernMessage) m = NULL;
  gint64 id;
  guint before;

  /* With nothing selected the message actions are insensitive, not a toast. */
  assert_message_actions (f, FALSE);

  /* Opening a message marks it read, in the cache and in the journal. */
  id = tern_message_model_get_id (messages, 0);
  select_row (f, 0);
  assert_message_actions (f, TRUE);
  m = tern_store_get_message (f->store, id, NULL);
  g_assert_true (tern_flags_contain (m->flags, "\\Seen"));
  a = last_action (f);
  g_assert_cmpstr (a->kind, ==, TERN_ACTION_FLAGS);
  g_assert_cmpint (a->message, ==, id);
  g_assert_cmpstr (a->add_flags, ==, "\\Seen");
  g_clear_pointer (&a, tern_action_free);
  g_clear_pointer (&m, tern_message_free);

  /* Star. */
  gtk_widget_activate_action (w, "win.toggle-star", NULL);
  m = tern_store_get_message (f->store, id, NULL);
  g_assert_true (tern_flags_contain (m->flags, "\\Flagged"));
  /* Queued flag changes of one message are merged into one action. */
  a = last_action (f);
  g_assert_cmpint (a->message, ==, id);
  g_assert_true (tern_flags_contain (a->add_flags, "\\Flagged"));
  g_clear_pointer (&a, tern_action_free);
  g_clear_pointer (&m, tern_message_free);

  /* Unread. */
  gtk_widget_activate_action (w, "win.toggle-read", NULL);
  m = tern_store_get_message (f->store, id, NULL);
  g_assert_false (tern_flags_contain (m->flags, "\\Seen"));
  a = last_action (f);
  g_assert_cmpint (a->message, ==, id);
  g_assert_false (tern_flags_contain (a->add_flags, "\\Seen"));
  g_clear_pointer (&a, tern_action_free);
  g_clear_pointer (&m, tern_message_free);

  /* Archive: gone from the list, in Archive, a move queued; the next row is selected. */
  before = count_actions (f);
  gtk_widget_activate_action (w, "win.archive", NULL);
  g_assert_cmpuint (tern_message_model_find (messages, id), ==, G_MAXUINT);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (messages)), ==, 999);
  m = tern_store_get_message (f->store, id, NULL);
  g_assert_cmpint (m->folder_id, ==, f->ids.archive);
  g_clear_pointer (&m, tern_message_free);
  g_assert_cmpuint (count_actions (f), ==, before + 1);
  a = last_action (f);
  g_assert_cmpstr (a->kind, ==, TERN_ACTION_MOVE);
  g_assert_cmpint (a->target, ==, f->ids.archive);
  g_clear_pointer (&a, tern_action_free);
  g_assert_true (gtk_selection_model_is_selected (tern_window_get_selection (f->window), 0));

  /* Undo brings it back. */
  gtk_widget_activate_action (w, "win.undo", NULL);
  g_assert_cmpuint (tern_message_model_find (messages, id), ==, 0);
  m = tern_store_get_message (f->store, id, NULL);
  g_assert_cmpint (m->folder_id, ==, f->ids.inbox);
  g_clear_pointer (&m, tern_message_free);

  /* Delete: to Trash. */
  gtk_selection_model_unselect_all (tern_window_get_selection (f->window));
  select_row (f, 0);
  id = tern_message_model_get_id (messages, 0);
  gtk_widget_activate_action (w, "win.delete", NULL);
  m = tern_store_get_message (f->store, id, NULL);
  g_assert_cmpint (m->folder_id, ==, f->ids.trash);
  g_clear_pointer (&m, tern_message_free);

  /* Move several at once. */
  gtk_selection_model_select_range (tern_window_get_selection (f->window), 0, 3, TRUE);
  tern_test_ui_drain ();
  {
    gint64 ids[3];

    for (guint i = 0; i < 3; i++)
      ids[i] = tern_message_model_get_id (messages, i);
    before = count_actions (f);
    gtk_widget_activate_action (w, "win.move-to", "x", f->ids.projects);
    for (guint i = 0; i < 3; i++)
      {
        m = tern_store_get_message (f->store, ids[i], NULL);
        g_assert_cmpint (m->folder_id, ==, f->ids.projects);
        g_clear_pointer (&m, tern_message_free);
      }
    g_assert_cmpuint (count_actions (f), ==, before + 3);
  }

  /* The status area counts what waits for the server, and lists it. */
  {
    g_autofree char *list = tern_status_area_dup_actions (tern_window_get_status_area (f->window));

    tern_status_area_update (tern_window_get_status_area (f->window));
    g_assert_nonnull (strstr (tern_status_area_get_text (tern_window_get_status_area (f->window)),
                              "waiting"));
    g_assert_nonnull (strstr (list, "Move"));
  }
}

static void
test_offline_notice (Fixture       *f,
                     gconstpointer  data)
{
  TernMessageView *view = tern_window_get_message_view (f->window);
  g_autofree char *text = NULL;

  select_row (f, 5);
  g_assert_cmpint (tern_message_view_get_state (view), ==, TERN_MESSAGE_VIEW_NOT_AVAILABLE);
  text = tern_message_view_dup_text (view);
  g_assert_nonnull (strstr (text, "offline"));
  /* Its attachment strip is there (uid 995 has one), nothing downloaded. */
  g_assert_cmpuint (tern_message_view_get_n_attachments (view), ==, 1);
  g_assert_cmpfloat (tern_message_view_get_attachment_progress (view, 0), <, 0);

  /* A cached body shows offline. */
  {
    g_autoptr(GError) error = NULL;
    gint64 id = tern_message_model_get_id (tern_window_get_message_model (f->window), 6);
    g_autofree char *body = NULL;

    g_assert_true (tern_store_set_body (f->store, id, "1", "text/plain",
                                        "Cached text, see https://example.org/x", &error));
    g_assert_no_error (error);
    gtk_selection_model_select_item (tern_window_get_selection (f->window), 6, TRUE);
    tern_test_ui_drain ();
    g_assert_cmpint (tern_message_view_get_state (view), ==, TERN_MESSAGE_VIEW_TEXT);
    body = tern_message_view_dup_text (view);
    g_assert_cmpstr (body, ==, "Cached text, see https://example.org/x");
  }
}

static guint
count_flag_actions (Fixture    *f,
                    gint64      message,
                    const char *flag,
                    gboolean    added)
{
  g_autoptr(GPtrArray) actions = tern_journal_list (f->store, f->ids.account, NULL);
  guint n = 0;

  for (guint i = 0; i < actions->len; i++)
    {
      TernAction *a = actions->pdata[i];

      if (a->message == message && g_strcmp0 (a->kind, TERN_ACTION_FLAGS) == 0 &&
          tern_flags_contain (added ? a->add_flags : a->remove_flags, flag))
        n++;
    }
  return n;
}

static GObject *
row_item (Fixture *f,
          guint    position)
{
  g_autoptr(GtkTreeListRow) row = g_list_model_get_item (G_LIST_MODEL (tern_window_get_selection (f->window)),
                                                         position);

  g_assert_true (GTK_IS_TREE_LIST_ROW (row));
  return gtk_tree_list_row_get_item (row);
}

static void
test_offline_conversations (Fixture       *f,
                            gconstpointer  data)
{
  GtkWidget *w = GTK_WIDGET (f->window);
  GListModel *list = G_LIST_MODEL (tern_window_get_selection (f->window));
  TernConversationModel *conversations = tern_window_get_conversation_model (f->window);
  TernMessageView *view = tern_window_get_message_view (f->window);
  g_autoptr(TernConversationItem) first = NULL;
  g_autoptr(GObject) child = NULL;
  g_autoptr(GArray) ids = NULL;
  gint64 newest;

  g_assert_cmpuint (g_list_model_get_n_items (list), ==, 1000);

  /* "Group by Conversation" in the menu: one row a conversation (the prepared messages come
   * in fours), and the choice is kept. */
  gtk_widget_activate_action (w, "win.group-by-conversation", NULL);
  tern_test_ui_drain ();
  g_assert_true (g_settings_get_boolean (tern_application_get_settings (f->app), "group-by-conversation"));
  g_assert_cmpuint (g_list_model_get_n_items (list), ==, 250);
  first = TERN_CONVERSATION_ITEM (row_item (f, 0));
  g_assert_cmpuint (tern_conversation_item_get_count (first), ==, 4);
  g_assert_cmpstr (tern_conversation_item_get_subject (first), ==, "Message 997 about things");
  ids = tern_conversation_model_dup_message_ids (conversations, tern_conversation_item_get_thread_id (first), FALSE);
  g_assert_cmpuint (ids->len, ==, 4);
  /* Only the rows on screen were read. */
  g_assert_cmpuint (tern_conversation_model_get_n_loaded (conversations), <=, 200 + 32);

  /* Selecting the conversation opens its messages stacked (the header bar's actions on the
   * newest); the unread ones (997, 998, 1000; 999 is read) are shown expanded, and read. */
  newest = tern_conversation_item_get_newest_id (first);
  g_assert_cmpint (newest, ==, g_array_index (ids, gint64, 3));
  g_assert_cmpuint (tern_conversation_item_get_unread_count (first), ==, 3);
  select_row (f, 0);
  g_assert_cmpint (tern_message_view_get_message_id (view), ==, newest);
  g_assert_cmpuint (count_flag_actions (f, newest, "\\Seen", TRUE), ==, 1);
  g_assert_cmpuint (tern_conversation_item_get_unread_count (first), ==, 0);

  /* Right opens it: its messages under it, oldest first; Left folds it again. */
  gtk_widget_activate_action (w, "win.expand", NULL);
  g_assert_cmpuint (g_list_model_get_n_items (list), ==, 254);
  child = row_item (f, 1);
  g_assert_true (TERN_IS_MESSAGE_ITEM (child));
  g_assert_cmpint (tern_message_item_get_id (TERN_MESSAGE_ITEM (child)), ==, g_array_index (ids, gint64, 0));
  g_clear_object (&child);
  child = row_item (f, 4);
  g_assert_cmpint (tern_message_item_get_id (TERN_MESSAGE_ITEM (child)), ==, newest);
  g_clear_object (&child);
  /* Left on one of its messages goes back to the conversation. */
  select_row (f, 2);
  gtk_widget_activate_action (w, "win.collapse", NULL);
  g_assert_cmpuint (g_list_model_get_n_items (list), ==, 250);
  g_assert_true (gtk_selection_model_is_selected (tern_window_get_selection (f->window), 0));

  /* Triage on the conversation row reaches every message, in the cache and the journal. */
  gtk_widget_activate_action (w, "win.toggle-star", NULL);
  for (guint i = 0; i < ids->len; i++)
    {
      gint64 id = g_array_index (ids, gint64, i);
      g_autoptr(TernMessage) m = tern_store_get_message (f->store, id, NULL);

      g_assert_true (tern_flags_contain (m->flags, "\\Flagged"));
      g_assert_cmpuint (count_flag_actions (f, id, "\\Flagged", TRUE), ==, 1);
    }
  g_assert_true (tern_conversation_item_get_flagged (first));
  gtk_widget_activate_action (w, "win.mark-read", NULL);
  g_assert_cmpuint (tern_conversation_item_get_unread_count (first), ==, 0);
  gtk_widget_activate_action (w, "win.toggle-read", NULL);
  g_assert_cmpuint (tern_conversation_item_get_unread_count (first), ==, 4);
  for (guint i = 0; i < ids->len; i++)
    {
      g_autoptr(TernMessage) m = tern_store_get_message (f->store, g_array_index (ids, gint64, i), NULL);

      g_assert_false (tern_flags_contain (m->flags, "\\Seen"));
    }

  gtk_widget_activate_action (w, "win.archive", NULL);
  g_assert_cmpuint (g_list_model_get_n_items (list), ==, 249);
  g_assert_cmpuint (tern_conversation_model_find (conversations, tern_conversation_item_get_thread_id (first)),
                    ==, G_MAXUINT);
  {
    g_autoptr(GPtrArray) actions = tern_journal_list (f->store, f->ids.account, NULL);
    guint moves = 0;

    for (guint i = 0; i < actions->len; i++)
      {
        TernAction *a = actions->pdata[i];

        if (g_strcmp0 (a->kind, TERN_ACTION_MOVE) == 0 && a->target == f->ids.archive)
          moves++;
      }
    g_assert_cmpuint (moves, ==, 4);
  }
  for (guint i = 0; i < ids->len; i++)
    {
      g_autoptr(TernMessage) m = tern_store_get_message (f->store, g_array_index (ids, gint64, i), NULL);

      g_assert_cmpint (m->folder_id, ==, f->ids.archive);
    }

  /* Undo brings the conversation back, in its place. */
  gtk_widget_activate_action (w, "win.undo", NULL);
  g_assert_cmpuint (g_list_model_get_n_items (list), ==, 250);
  g_assert_cmpuint (tern_conversation_model_find (conversations, tern_conversation_item_get_thread_id (first)),
                    ==, 0);

  /* Off again: the messages one a row. */
  gtk_widget_activate_action (w, "win.group-by-conversation", NULL);
  g_assert_false (g_settings_get_boolean (tern_application_get_settings (f->app), "group-by-conversation"));
  g_assert_cmpuint (g_list_model_get_n_items (list), ==, 1000);
}

/* Online, against the fixture. */

static const char plain_message[] =
  "From: Bob <bob@example.org>\r\n"
  "To: alice@example.org\r\n"
  "Subject: Report with attachment\r\n"
  "Date: Mon, 02 Feb 2026 10:00:00 +0000\r\n"
  "Message-ID: <report@example.org>\r\n"
  "MIME-Version: 1.0\r\n"
  "Content-Type: multipart/mixed; boundary=\"b1\"\r\n"
  "\r\n"
  "--b1\r\n"
  "Content-Type: text/plain; charset=utf-8\r\n"
  "\r\n"
  "Hello Alice, the report is attached.\r\n"
  "--b1\r\n"
  "Content-Type: application/octet-stream; name=\"data.bin\"\r\n"
  "Content-Disposition: attachment; filename=\"data.bin\"\r\n"
  "Content-Transfer-Encoding: base64\r\n"
  "\r\n";

static GBytes *
attachment_bytes (void)
{
  gsize n = 1536 * 1024;
  guint8 *data = g_malloc (n);
  guint32 x = 12345;

  for (gsize i = 0; i < n; i++)
    {
      x = x * 1103515245 + 12345;
      data[i] = (guint8) (x >> 16);
    }
  return g_bytes_new_take (data, n);
}

static void
append (TernTestServer *server,
        const char     *text)
{
  tern_test_server_append_message (server, "alice", "INBOX", text);
}

static void
add_account (Fixture  *f,
             gboolean  trusted)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TernStore) store = tern_store_open (f->db_path, &error);

  g_assert_no_error (error);
  f->ids.account = tern_test_cache_add_server_account (store, f->server, "fixture", trusted);
}

static gboolean
online_cb (gpointer data)
{
  Fixture *f = data;

  return tern_test_ui_worker_online (f->app) &&
         g_list_model_get_n_items (G_LIST_MODEL (tern_window_get_message_model (f->window))) > 0;
}

static void
online_set_up (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  f->server = tern_test_server_new (TERN_TEST_SERVER_FULL, &error);
  g_assert_no_error (error);
  f->dir = g_dir_make_tmp ("tern-ui-XXXXXX", &error);
  g_assert_no_error (error);
  f->db_path = g_build_filename (f->dir, "tern.db", NULL);
}

static gboolean
view_settled_cb (gpointer data)
{
  TernMessageView *view = data;
  TernMessageViewState state = tern_message_view_get_state (view);

  return state != TERN_MESSAGE_VIEW_LOADING && state != TERN_MESSAGE_VIEW_EMPTY;
}

typedef struct
{
  TernMessageView *view;
} DownloadWait;

static gboolean
download_done_cb (gpointer data)
{
  TernMessageView *view = data;

  return tern_message_view_get_attachment_progress (view, 0) >= 2 ||
         tern_message_view_get_attachment_progress (view, 0) < 0;
}

static gboolean
chooser_cb (gpointer data)
{
  *(GtkWindow **) data = tern_test_ui_find_toplevel (GTK_TYPE_FILE_CHOOSER_DIALOG);
  return *(GtkWindow **) data != NULL;
}

static gboolean
chooser_folder_cb (gpointer data)
{
  g_autoptr(GFile) folder = gtk_file_chooser_get_current_folder (data);

  return folder != NULL;
}

static gboolean
toast_cb (gpointer data)
{
  return tern_message_view_get_last_toast (data) != NULL;
}

static void
test_online_fetch (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(GBytes) attachment = attachment_bytes ();
  g_autofree char *encoded = g_base64_encode (g_bytes_get_data (attachment, NULL),
                                              g_bytes_get_size (attachment));
  g_autoptr(GString) message = g_string_new (plain_message);
  TernMessageView *view;
  g_autoptr(TernBody) body = NULL;
  g_autofree char *text = NULL;
  g_autofree char *path = NULL;
  g_autofree char *on_disk = NULL;
  gsize on_disk_len = 0;
  gint64 id;

  /* Lines of 76: the last one shorter (never a read past the string's end). */
  for (gsize i = 0, len = strlen (encoded); i < len; i += 76)
    {
      g_string_append_len (message, encoded + i, MIN (76, len - i));
      g_string_append (message, "\r\n");
    }
  g_string_append (message, "--b1--\r\n");
  append (f->server, message->str);
  add_account (f, TRUE);
  start_app (f, FALSE);
  g_assert_true (tern_test_ui_wait_for (online_cb, f, 60));

  /* Opening it fetches its text: readable now, the attachment not downloaded. */
  view = tern_window_get_message_view (f->window);
  id = tern_message_model_get_id (tern_window_get_message_model (f->window), 0);
  select_row (f, 0);
  g_assert_true (tern_test_ui_wait_for (view_settled_cb, view, 30));
  g_assert_cmpint (tern_message_view_get_state (view), ==, TERN_MESSAGE_VIEW_TEXT);
  text = tern_message_view_dup_text (view);
  g_assert_nonnull (strstr (text, "the report is attached"));
  body = tern_store_get_body (f->store, id, NULL);
  g_assert_nonnull (body);
  g_assert_false (tern_store_get_part_file (f->store, id, "2", NULL, NULL, NULL));
  g_assert_cmpuint (tern_message_view_get_n_attachments (view), ==, 1);

  /* The attachment: progress shown, then the right bytes on disk. */
  gtk_widget_activate_action (GTK_WIDGET (view), "view.download", "u", 0);
  g_assert_true (tern_test_ui_wait_for (download_done_cb, view, 60));
  g_assert_cmpfloat (tern_message_view_get_attachment_progress (view, 0), >=, 2);
  g_assert_cmpuint (tern_message_view_get_attachment_updates (view, 0), >=, 1);
  path = tern_message_view_dup_attachment_path (view, 0);
  g_assert_nonnull (path);
  g_assert_true (g_file_get_contents (path, &on_disk, &on_disk_len, NULL));
  g_assert_cmpuint (on_disk_len, ==, g_bytes_get_size (attachment));
  g_assert_cmpmem (on_disk, on_disk_len, g_bytes_get_data (attachment, NULL), g_bytes_get_size (attachment));
  /* Sizes as the file's own: 1.5 MiB, not the 2.1 MB of base64 the server counts. */
  {
    g_autofree char *progress = tern_message_view_dup_attachment_progress_text (view, 0);
    g_autofree char *size = g_format_size (g_bytes_get_size (attachment));
    g_autofree char *expected = g_strdup_printf (" of %s", size);

    g_assert_nonnull (progress);
    g_assert_true (g_str_has_suffix (progress, expected));
  }

  /* Save: the chooser opens in Downloads; a toast says it is saved, with "Open Folder". */
  {
    GtkWindow *chooser = NULL;
    g_autoptr(GFile) folder = NULL;
    g_autoptr(GFile) dest = NULL;
    g_autofree char *downloads = g_build_filename (g_get_home_dir (), "Downloads", NULL);
    g_autofree char *saved_path = NULL;

    gtk_widget_activate_action (GTK_WIDGET (view), "view.save-attachment", "u", 0);
    g_assert_true (tern_test_ui_wait_for (chooser_cb, &chooser, 10));
    g_assert_true (tern_test_ui_wait_for (chooser_folder_cb, chooser, 10));
    folder = gtk_file_chooser_get_current_folder (GTK_FILE_CHOOSER (chooser));
    g_assert_cmpstr (g_file_peek_path (folder), ==, downloads);
    saved_path = g_build_filename (downloads, "data.bin", NULL);
    dest = g_file_new_for_path (saved_path);
    g_assert_true (gtk_file_chooser_set_file (GTK_FILE_CHOOSER (chooser), dest, NULL));
    gtk_dialog_response (GTK_DIALOG (chooser), GTK_RESPONSE_ACCEPT);
    g_assert_true (tern_test_ui_wait_for (toast_cb, view, 10));
    g_assert_cmpstr (tern_message_view_get_last_toast (view), ==, "Saved “data.bin”");
    g_assert_true (g_file_test (saved_path, G_FILE_TEST_EXISTS));
  }

  /* "Work offline": the worker lets go of the server at once, and what is cached still reads. */
  tern_application_set_work_offline (f->app, TRUE);
  {
    g_autoptr(GPtrArray) workers = tern_application_list_workers (f->app);

    g_assert_cmpint (tern_account_worker_get_state (workers->pdata[0]), ==, TERN_ACCOUNT_STATE_OFFLINE);
  }
  gtk_selection_model_unselect_all (tern_window_get_selection (f->window));
  select_row (f, 0);
  g_assert_cmpint (tern_message_view_get_state (view), ==, TERN_MESSAGE_VIEW_TEXT);
  g_assert_nonnull (strstr (tern_status_area_get_text (tern_window_get_status_area (f->window)),
                            "offline"));
}

static gboolean
inline_image_cb (gpointer data)
{
  return tern_message_view_get_n_inline_images (data) == 1;
}

/* Issue 14, 10: an image attachment comes by itself and shows below the text. */
static void
test_online_inline_image (Fixture       *f,
                          gconstpointer  data)
{
  g_autoptr(GdkTexture) texture = NULL;
  g_autoptr(GBytes) png = NULL;
  g_autofree char *encoded = NULL;
  g_autofree char *message = NULL;
  guint32 pixels[16 * 16];
  TernMessageView *view;

  for (guint i = 0; i < G_N_ELEMENTS (pixels); i++)
    pixels[i] = 0xff3584e4;
  {
    g_autoptr(GBytes) raw = g_bytes_new (pixels, sizeof pixels);

    texture = gdk_memory_texture_new (16, 16, GDK_MEMORY_DEFAULT, raw, 16 * 4);
  }
  png = gdk_texture_save_to_png_bytes (texture);
  encoded = g_base64_encode (g_bytes_get_data (png, NULL), g_bytes_get_size (png));
  message = g_strdup_printf ("From: Carla <carla@example.com>\r\nTo: alice@example.org\r\n"
                             "Subject: Photo from the site visit\r\nMIME-Version: 1.0\r\n"
                             "Content-Type: multipart/mixed; boundary=\"mix\"\r\n\r\n"
                             "--mix\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nThe site, today.\r\n"
                             "--mix\r\nContent-Type: image/png; name=\"site.png\"\r\n"
                             "Content-Disposition: attachment; filename=\"site.png\"\r\n"
                             "Content-Transfer-Encoding: base64\r\n\r\n%s\r\n--mix--\r\n", encoded);
  append (f->server, message);
  add_account (f, TRUE);
  start_app (f, FALSE);
  g_assert_true (tern_test_ui_wait_for (online_cb, f, 60));

  view = tern_window_get_message_view (f->window);
  select_row (f, 0);
  g_assert_true (tern_test_ui_wait_for (view_settled_cb, view, 30));
  g_assert_cmpint (tern_message_view_get_state (view), ==, TERN_MESSAGE_VIEW_TEXT);
  g_assert_true (tern_test_ui_wait_for (inline_image_cb, view, 30));
}

static gboolean
trust_prompt_cb (gpointer data)
{
  GListModel *toplevels = gtk_window_get_toplevels ();


  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GObject) w = g_list_model_get_item (toplevels, i);

      if (ADW_IS_MESSAGE_DIALOG (w) && gtk_widget_get_visible (GTK_WIDGET (w)))
        {
          *(AdwMessageDialog **) data = ADW_MESSAGE_DIALOG (w);
          return TRUE;
        }
    }
  return FALSE;
}

static void
test_online_certificate (Fixture       *f,
                         gconstpointer  data)
{
  AdwMessageDialog *dialog = NULL;
  g_autofree char *sha = tern_test_server_dup_cert_sha256 (f->server);
  g_autoptr(TernAccount) account = NULL;

  append (f->server, "From: a@example.org\r\nSubject: hi\r\n\r\nhello\r\n");
  add_account (f, FALSE);
  start_app (f, FALSE);
  if (!tern_test_ui_wait_for (trust_prompt_cb, &dialog, 60))
    {
      g_autoptr(GPtrArray) workers = tern_application_list_workers (f->app);

      g_error ("No trust prompt; state %d, error %s", tern_account_worker_get_state (workers->pdata[0]),
               tern_account_worker_get_last_error (workers->pdata[0]));
    }
  g_assert_nonnull (strstr (adw_message_dialog_get_body (dialog), sha));

  /* Trusting pins it, and the account connects. */
  adw_message_dialog_response (dialog, "trust");
  account = tern_store_get_account_by_id (f->store, f->ids.account, NULL);
  g_assert_cmpstr (account->pinned_sha256, ==, sha);
  gtk_window_destroy (GTK_WINDOW (dialog));
  g_assert_true (tern_test_ui_wait_for (online_cb, f, 60));
}

static gboolean
web_idle_cb (gpointer data)
{
  TernMessageView *view = data;
  GtkWidget *web = tern_message_view_get_web_view (view);

  return web != NULL && !webkit_web_view_is_loading (WEBKIT_WEB_VIEW (web));
}

static void
test_online_remote_content (Fixture       *f,
                            gconstpointer  data)
{
  TernTestWebCounter counter = { 0 };
  g_autofree char *html = NULL;
  TernMessageView *view;

  tern_test_web_counter_start (&counter);
  html = g_strdup_printf ("From: News <news@example.org>\r\n"
                          "To: alice@example.org\r\n"
                          "Subject: Newsletter\r\n"
                          "MIME-Version: 1.0\r\n"
                          "Content-Type: text/html; charset=utf-8\r\n"
                          "\r\n"
                          "<html><head><style>body{background:url(http://127.0.0.1:%u/bg.gif)}</style>"
                          "</head><body><h1>News</h1><img src=\"http://127.0.0.1:%u/pixel.gif\">"
                          "<p><a href=\"https://example.org/read\">Read more</a></p></body></html>\r\n",
                          counter.port, counter.port);
  append (f->server, html);
  add_account (f, TRUE);
  start_app (f, FALSE);
  g_assert_true (tern_test_ui_wait_for (online_cb, f, 60));

  view = tern_window_get_message_view (f->window);
  select_row (f, 0);
  g_assert_true (tern_test_ui_wait_for (view_settled_cb, view, 30));
  g_assert_cmpint (tern_message_view_get_state (view), ==, TERN_MESSAGE_VIEW_HTML);
  g_assert_true (tern_message_view_get_remote_blocked (view));
  g_assert_true (tern_test_ui_wait_for (web_idle_cb, view, 30));
  /* Loaded: every resource of the page was asked for or blocked by then. */
  g_assert_cmpuint (counter.requests, ==, 0);

  /* "Load": now the images come. */
  gtk_widget_activate_action (GTK_WIDGET (view), "view.load-remote", NULL);
  g_assert_false (tern_message_view_get_remote_blocked (view));
  g_assert_true (tern_test_ui_wait_for (tern_test_web_counter_requested_cb, &counter, 30));
  g_assert_cmpuint (counter.requests, >, 0);

  tern_test_web_counter_stop (&counter);
}

int
main (int   argc,
      char *argv[])
{
  /* A home of its own, with a Downloads folder (where attachments are saved). */
  {
    g_autofree char *home = g_dir_make_tmp ("tern-ui-home-XXXXXX", NULL);
    g_autofree char *downloads = g_build_filename (home, "Downloads", NULL);

    g_mkdir (downloads, 0700);
    g_setenv ("HOME", home, TRUE);
    g_setenv ("XDG_CONFIG_HOME", home, TRUE);
  }
  gtk_test_init (&argc, &argv, NULL);
  tern_sync_global_init ();
  /* The worker threads post results that tests wait for; GTK must not quit on them. */
  g_setenv ("TERN_TEST_URI_LOG", "/dev/null", TRUE);

  g_test_add ("/ui/offline/shows-cache", Fixture, NULL, offline_set_up, test_offline_shows_cache, tear_down);
  g_test_add ("/ui/offline/triage", Fixture, NULL, offline_set_up, test_offline_triage, tear_down);
  g_test_add ("/ui/offline/undo-stack", Fixture, NULL, offline_set_up, test_offline_undo_stack, tear_down);
  g_test_add ("/ui/offline/not-cached-notice", Fixture, NULL, offline_set_up, test_offline_notice, tear_down);
  g_test_add ("/ui/offline/conversations", Fixture, NULL, offline_set_up, test_offline_conversations, tear_down);
  g_test_add ("/ui/online/fetch-text-and-attachment", Fixture, NULL, online_set_up, test_online_fetch, tear_down);
  g_test_add ("/ui/online/inline-image", Fixture, NULL, online_set_up, test_online_inline_image, tear_down);
  g_test_add ("/ui/online/certificate-prompt", Fixture, NULL, online_set_up, test_online_certificate, tear_down);
  g_test_add ("/ui/online/remote-content", Fixture, NULL, online_set_up, test_online_remote_content, tear_down);

  return g_test_run ();
}
