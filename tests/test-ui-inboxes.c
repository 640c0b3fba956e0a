/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * All Inboxes, Manage Subscriptions and Folder Properties (issue #15) against the Dovecot
 * fixture, with two accounts ("work": alice, "home": bob). The window is driven through
 * clicks and keys under Xvfb; every wait is on a condition. TERN_SCREENSHOT_DIR: PNGs
 * (light, dark, narrow).
 */
#define G_LOG_DOMAIN "test-ui-inboxes"

#include "config.h"

#include <string.h>

#include "tern-application.h"
#include "tern-journal.h"
#include "tern-message-row.h"
#include "tern-test-cache.h"
#include "tern-test-server.h"
#include "tern-test-ui.h"
#include "tern-window.h"

typedef struct
{
  TernTestServer  *server;
  char            *dir;
  char            *db_path;
  gint64           work;       /* alice's account */
  gint64           home;       /* bob's */
  TernApplication *app;
  TernWindow      *window;
  TernStore       *store;      /* the app's, borrowed */
  gint64           last_poll;
} Fixture;

#define MESSAGE_FORMAT \
  "From: %s <%s@example.org>\r\n" \
  "To: someone@example.org\r\n" \
  "Subject: %s\r\n" \
  "Date: %s\r\n" \
  "Message-ID: <%s@example.org>\r\n" \
  "\r\n" \
  "Body of %s.\r\n"

static void
append (Fixture    *f,
        const char *user,
        const char *subject,
        const char *date)
{
  g_autofree char *text = g_strdup_printf (MESSAGE_FORMAT, user, user, subject, date, subject, subject);

  tern_test_server_append_message (f->server, user, "INBOX", text);
}

static gint64
add_account (Fixture    *f,
             TernStore  *store,
             const char *name,
             const char *user)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *email = g_strdup_printf ("%s@example.org", user);
  TernAccount account = { 0 };
  gint64 id = 0;

  account.name = (char *) name;
  account.email = email;
  account.host = (char *) tern_test_server_get_host (f->server);
  account.port = tern_test_server_get_imaps_port (f->server);
  account.security = (char *) "tls";
  account.user = (char *) user;
  account.password_command = (char *) "echo secret";
  account.ca_file = (char *) tern_test_server_get_ca_file (f->server);
  g_assert_true (tern_store_add_account (store, &account, &id, &error));
  g_assert_no_error (error);
  return id;
}

static gboolean
both_online_cb (gpointer data)
{
  Fixture *f = data;
  g_autoptr(GPtrArray) workers = tern_application_list_workers (f->app);
  guint online = 0;

  for (guint i = 0; i < workers->len; i++)
    online += tern_account_worker_get_state (workers->pdata[i]) == TERN_ACCOUNT_STATE_ONLINE;
  return online == 2 &&
         tern_folder_model_find_unified (tern_window_get_folder_model (f->window),
                                         TERN_FOLDER_MODEL_ALL_INBOXES) != G_MAXUINT;
}

static void
set_up (Fixture       *f,
        gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  TernStore *store;

  f->server = tern_test_server_new (TERN_TEST_SERVER_FULL, &error);
  g_assert_no_error (error);
  f->dir = g_dir_make_tmp ("tern-ui-inboxes-XXXXXX", &error);
  g_assert_no_error (error);
  f->db_path = g_build_filename (f->dir, "tern.db", NULL);

  /* Interleaved by date: home's are the 2nd and 4th, work's the 1st and 3rd. */
  append (f, "alice", "work-oldest", "Mon, 01 Jun 2026 09:00:00 +0000");
  append (f, "bob", "home-older", "Tue, 02 Jun 2026 09:00:00 +0000");
  append (f, "alice", "work-newer", "Wed, 03 Jun 2026 09:00:00 +0000");
  append (f, "bob", "home-newest", "Thu, 04 Jun 2026 09:00:00 +0000");

  store = tern_store_open (f->db_path, &error);
  g_assert_no_error (error);
  f->work = add_account (f, store, "work", "alice");
  f->home = add_account (f, store, "home", "bob");
  tern_store_free (store);

  f->app = tern_test_ui_start_app (f->dir, FALSE, &f->window);
  f->store = tern_application_get_store (f->app);
  g_assert_true (tern_test_ui_wait_for (both_online_cb, f, 60));
  tern_test_ui_drain ();
}

static void
tear_down (Fixture       *f,
           gconstpointer  data)
{
  g_autofree char *cmd = g_strdup_printf ("rm -rf '%s'", f->dir);

  tern_test_ui_close_app (&f->app);
  g_clear_pointer (&f->server, tern_test_server_free);
  g_assert_cmpint (system (cmd), ==, 0);
  g_free (f->dir);
  g_free (f->db_path);
}

/* The first label under root that reads text, or NULL. */
static GtkWidget *
find_label (GtkWidget  *root,
            const char *text)
{
  if (GTK_IS_LABEL (root) && g_strcmp0 (gtk_label_get_text (GTK_LABEL (root)), text) == 0 &&
      gtk_widget_get_mapped (root))
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

/* The mapped message row showing subject, or NULL. */
static TernMessageRow *
find_row (GtkWidget  *root,
          const char *subject)
{
  if (TERN_IS_MESSAGE_ROW (root) && gtk_widget_get_mapped (root) &&
      tern_message_row_get_item (TERN_MESSAGE_ROW (root)) != NULL &&
      g_strcmp0 (tern_message_item_get_subject (tern_message_row_get_item (TERN_MESSAGE_ROW (root))),
                 subject) == 0)
    return TERN_MESSAGE_ROW (root);
  for (GtkWidget *child = gtk_widget_get_first_child (root); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      TernMessageRow *found = find_row (child, subject);

      if (found != NULL)
        return found;
    }
  return NULL;
}

static void
click_center (GtkWidget *widget)
{
  g_assert_nonnull (widget);
  g_assert_true (tern_test_ui_click (widget, gtk_widget_get_width (widget) / 2.0,
                                     gtk_widget_get_height (widget) / 2.0));
}

static gboolean
label_shown_cb (gpointer data)
{
  gpointer *args = data;

  return find_label (args[0], args[1]) != NULL;
}

/* Clicks the sidebar row labelled label. */
static void
click_folder (Fixture    *f,
              const char *label)
{
  GtkWidget *sidebar = tern_test_ui_find_named (GTK_WIDGET (f->window), "folder_list");
  gpointer args[2] = { sidebar, (gpointer) label };

  g_assert_nonnull (sidebar);
  g_assert_true (tern_test_ui_wait_for (label_shown_cb, args, 10));
  click_center (find_label (sidebar, label));
}

static const char *
subject_at (Fixture *f,
            guint    position)
{
  g_autoptr(TernMessageItem) item = g_list_model_get_item (G_LIST_MODEL (tern_window_get_message_model (f->window)),
                                                           position);

  g_assert_nonnull (item);
  return tern_message_item_get_subject (item);
}

static gboolean
n_messages_cb (gpointer data)
{
  gpointer *args = data;

  return g_list_model_get_n_items (G_LIST_MODEL (tern_window_get_message_model (args[0]))) ==
         GPOINTER_TO_UINT (args[1]);
}

static void
wait_messages (Fixture *f,
               guint    n)
{
  gpointer args[2] = { f->window, GUINT_TO_POINTER (n) };

  g_assert_true (tern_test_ui_wait_for (n_messages_cb, args, 60));
}

static guint
unified_unread (Fixture *f)
{
  TernFolderModel *folders = tern_window_get_folder_model (f->window);
  guint pos = tern_folder_model_find_unified (folders, TERN_FOLDER_MODEL_ALL_INBOXES);
  g_autoptr(TernFolderItem) item = NULL;

  g_assert_cmpuint (pos, !=, G_MAXUINT);
  item = g_list_model_get_item (G_LIST_MODEL (folders), pos);
  return tern_folder_item_get_unread (item);
}

typedef struct
{
  Fixture    *f;
  const char *user;
  const char *criteria;
  guint       want;
} ServerCount;

/* Asks the server at most five times a second. */
static gboolean
server_count_cb (gpointer data)
{
  ServerCount *c = data;
  gint64 now = g_get_monotonic_time ();

  if (now - c->f->last_poll < G_USEC_PER_SEC / 5)
    return FALSE;
  c->f->last_poll = now;
  return tern_test_server_count_messages (c->f->server, c->user, "INBOX", c->criteria) == c->want;
}

static gboolean
unread_is_4_cb (gpointer data)
{
  return unified_unread (data) == 4;
}

static void
test_all_inboxes (Fixture       *f,
                  gconstpointer  data)
{
  GtkWidget *list = tern_test_ui_find_named (GTK_WIDGET (f->window), "message_list");
  TernMessageRow *row;
  ServerCount flagged = { f, "bob", "FLAGGED", 1 };
  ServerCount alice_flagged = { f, "alice", "FLAGGED", 0 };

  click_folder (f, "All Inboxes");
  wait_messages (f, 4);
  tern_test_ui_drain ();

  /* Newest first, the accounts interleaved. */
  g_assert_cmpstr (subject_at (f, 0), ==, "home-newest");
  g_assert_cmpstr (subject_at (f, 1), ==, "work-newer");
  g_assert_cmpstr (subject_at (f, 2), ==, "home-older");
  g_assert_cmpstr (subject_at (f, 3), ==, "work-oldest");
  g_assert_cmpuint (unified_unread (f), ==, 4);
  g_assert_cmpstr (tern_window_get_folder_id (f->window) == 0 ? "unified" : "folder", ==, "unified");

  /* Each row says whose it is. */
  g_assert_true (tern_test_ui_wait_frames (list, 2));
  row = find_row (list, "home-newest");
  g_assert_nonnull (row);
  g_assert_cmpstr (tern_message_row_get_account (row), ==, "home");
  row = find_row (list, "work-newer");
  g_assert_nonnull (row);
  g_assert_cmpstr (tern_message_row_get_account (row), ==, "work");
  tern_test_ui_screenshots (GTK_WINDOW (f->window), "all-inboxes", 1200, 700);

  /* New mail in home's INBOX comes in live, at the top. */
  append (f, "bob", "home-live", "Fri, 05 Jun 2026 09:00:00 +0000");
  wait_messages (f, 5);
  g_assert_cmpstr (subject_at (f, 0), ==, "home-live");

  /* A click on home's row and "s": the star reaches bob's server, not alice's. */
  g_assert_true (tern_test_ui_wait_frames (list, 2));
  row = find_row (list, "home-older");
  click_center (GTK_WIDGET (row));
  tern_test_ui_drain ();
  g_assert_true (tern_test_ui_press_key (list, GDK_KEY_s, 0));
  g_assert_true (tern_test_ui_wait_for (server_count_cb, &flagged, 60));
  g_assert_true (server_count_cb (&alice_flagged) || tern_test_ui_wait_for (server_count_cb, &alice_flagged, 5));
  /* Opening it read it: one unread fewer in the unified row. */
  g_assert_true (tern_test_ui_wait_for (unread_is_4_cb, f, 30));

  /* Search from there finds both accounts' messages ("newe": newer, newest). */
  g_assert_true (tern_test_ui_press_key (list, GDK_KEY_f, GDK_CONTROL_MASK));
  gtk_editable_set_text (GTK_EDITABLE (tern_test_ui_find_named (GTK_WIDGET (f->window), "search_entry")), "newe");
  wait_messages (f, 2);
  g_assert_true (tern_test_ui_wait_frames (list, 2));
  g_assert_cmpstr (tern_message_row_get_account (find_row (list, "home-newest")), ==, "home");
  g_assert_cmpstr (tern_message_row_get_account (find_row (list, "work-newer")), ==, "work");
}

/* One account: no unified rows (its own Inbox would show twice). */
static void
test_one_account (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("tern-ui-inboxes-XXXXXX", &error);
  g_autofree char *path = g_build_filename (dir, "tern.db", NULL);
  g_autofree char *cmd = g_strdup_printf ("rm -rf '%s'", dir);
  TernTestCacheIds ids;
  TernStore *store = tern_test_cache_new (path, &ids);
  g_autoptr(TernFolderModel) model = tern_folder_model_new (store);

  g_assert_true (tern_folder_model_refresh (model, &error));
  g_assert_cmpuint (tern_folder_model_find_unified (model, TERN_FOLDER_MODEL_ALL_INBOXES), ==, G_MAXUINT);
  g_clear_object (&model);
  tern_store_free (store);
  g_assert_cmpint (system (cmd), ==, 0);
}

int
main (int    argc,
      char **argv)
{
  tern_test_ui_init_with_bus (&argc, &argv);

  g_test_add_func ("/ui/inboxes/one-account", test_one_account);
  g_test_add ("/ui/inboxes/all-inboxes", Fixture, NULL, set_up, test_all_inboxes, tear_down);
  return g_test_run ();
}
