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
#include "tern-folder-dialogs.h"
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

/* alice's LSUB, from another client. */
static gboolean
lsub_has (Fixture    *f,
          const char *name)
{
  g_autoptr(GError) error = NULL;
  TernTestClient *client = tern_test_client_new (f->server, "alice", "secret", &error);
  g_autofree char *response = NULL;
  g_autofree char *quoted = g_strdup_printf ("\"%s\"\r\n", name);
  g_autofree char *bare = g_strdup_printf (" %s\r\n", name);
  gboolean found;

  g_assert_no_error (error);
  g_assert_true (tern_test_client_command (client, &response, &error, "LSUB \"\" \"*\""));
  g_assert_no_error (error);
  found = strstr (response, quoted) != NULL || strstr (response, bare) != NULL;
  tern_test_client_free (client);
  return found;
}

static gboolean
subscribe (Fixture    *f,
           const char *name)
{
  g_autoptr(GError) error = NULL;
  TernTestClient *client = tern_test_client_new (f->server, "alice", "secret", &error);

  g_assert_no_error (error);
  g_assert_true (tern_test_client_command (client, NULL, &error, "SUBSCRIBE \"%s\"", name));
  g_assert_no_error (error);
  tern_test_client_free (client);
  return TRUE;
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

/* A fresh server and cache with the two accounts: seed (if not NULL) adds to the cache
 * before the app starts; the app starts and both accounts come online. */
static void
start (Fixture *f,
       void   (*seed) (Fixture   *f,
                       TernStore *store))
{
  g_autoptr(GError) error = NULL;
  TernStore *store;

  store = tern_store_open (f->db_path, &error);
  g_assert_no_error (error);
  f->work = add_account (f, store, "work", "alice");
  f->home = add_account (f, store, "home", "bob");
  if (seed != NULL)
    seed (f, store);
  tern_store_free (store);

  f->app = tern_test_ui_start_app (f->dir, FALSE, &f->window);
  f->store = tern_application_get_store (f->app);
  g_assert_true (tern_test_ui_wait_for (both_online_cb, f, 60));
}

static void
new_server (Fixture *f)
{
  g_autoptr(GError) error = NULL;

  f->server = tern_test_server_new (TERN_TEST_SERVER_FULL, &error);
  g_assert_no_error (error);
  f->dir = g_dir_make_tmp ("tern-ui-inboxes-XXXXXX", &error);
  g_assert_no_error (error);
  f->db_path = g_build_filename (f->dir, "tern.db", NULL);
}

static void
set_up (Fixture       *f,
        gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  new_server (f);
  /* Interleaved by date: home's are the 2nd and 4th, work's the 1st and 3rd. */
  append (f, "alice", "work-oldest", "Mon, 01 Jun 2026 09:00:00 +0000");
  append (f, "bob", "home-older", "Tue, 02 Jun 2026 09:00:00 +0000");
  append (f, "alice", "work-newer", "Wed, 03 Jun 2026 09:00:00 +0000");
  append (f, "bob", "home-newest", "Thu, 04 Jun 2026 09:00:00 +0000");

  /* A subscribed folder and one that is not (what "Subscribe to Folders…" lists too). */
  g_assert_true (tern_test_server_create_mailbox (f->server, "alice", "Projects", &error));
  g_assert_true (tern_test_server_create_mailbox (f->server, "alice", "Old Stuff", &error));
  g_assert_no_error (error);
  g_assert_true (lsub_has (f, "Projects") || subscribe (f, "Projects"));
  g_assert_false (lsub_has (f, "Old Stuff"));

  start (f, NULL);
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
conversations_5_cb (gpointer data)
{
  Fixture *f = data;

  return g_list_model_get_n_items (G_LIST_MODEL (tern_window_get_conversation_model (f->window))) == 5;
}

/* The mapped row of the conversation whose subject is subject, or NULL. */
static TernMessageRow *
find_row_of_conversation (GtkWidget  *root,
                          const char *subject)
{
  if (TERN_IS_MESSAGE_ROW (root) && gtk_widget_get_mapped (root) &&
      tern_message_row_get_conversation (TERN_MESSAGE_ROW (root)) != NULL &&
      g_strcmp0 (tern_conversation_item_get_subject (tern_message_row_get_conversation (TERN_MESSAGE_ROW (root))),
                 subject) == 0)
    return TERN_MESSAGE_ROW (root);
  for (GtkWidget *child = gtk_widget_get_first_child (root); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      TernMessageRow *found = find_row_of_conversation (child, subject);

      if (found != NULL)
        return found;
    }
  return NULL;
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

  /* Out of search, the unified inbox as it was (the screenshots leave the window narrow). */
  gtk_editable_set_text (GTK_EDITABLE (tern_test_ui_find_named (GTK_WIDGET (f->window), "search_entry")), "");
  wait_messages (f, 5);

  /* Grouped by conversation: the merged messages' conversations (five, none answers another). */
  g_object_set (f->window, "group-by-conversation", TRUE, NULL);
  g_assert_true (tern_test_ui_wait_for (conversations_5_cb, f, 30));
  g_assert_true (tern_test_ui_wait_frames (list, 2));
  g_assert_cmpstr (tern_message_row_get_account (find_row_of_conversation (list, "home-live")), ==, "home");
  g_object_set (f->window, "group-by-conversation", FALSE, NULL);
  wait_messages (f, 5);
  tern_test_ui_screenshots (GTK_WINDOW (f->window), "all-inboxes", 1200, 700);
}

static gboolean
mapped_cb (gpointer data)
{
  return gtk_widget_get_mapped (GTK_WIDGET (data));
}

static gboolean
unmapped_cb (gpointer data)
{
  return !gtk_widget_get_mapped (GTK_WIDGET (data));
}

/* The first mapped widget under root of type whose label is text. */
static GtkWidget *
find_labelled (GtkWidget  *root,
               GType       type,
               const char *text)
{
  if (G_TYPE_CHECK_INSTANCE_TYPE (root, type) && gtk_widget_get_mapped (root) &&
      g_strcmp0 (GTK_IS_LABEL (root) ? gtk_label_get_label (GTK_LABEL (root)) : NULL, text) == 0)
    return root;
  for (GtkWidget *c = gtk_widget_get_first_child (root); c != NULL; c = gtk_widget_get_next_sibling (c))
    {
      GtkWidget *found = find_labelled (c, type, text);

      if (found != NULL)
        return found;
    }
  return NULL;
}

/* Right-click on the sidebar row labelled row_label, then a click on the menu's item. */
static void
folder_menu (Fixture    *f,
             const char *row_label,
             const char *item_label)
{
  GtkWidget *sidebar = tern_test_ui_find_named (GTK_WIDGET (f->window), "folder_list");
  GtkWidget *menu = tern_test_ui_find_named (GTK_WIDGET (f->window), "folder_context_menu");
  gpointer args[2] = { sidebar, (gpointer) row_label };
  GtkWidget *label, *item;

  g_assert_true (tern_test_ui_wait_for (label_shown_cb, args, 10));
  label = find_label (sidebar, row_label);
  g_assert_true (tern_test_ui_click_button (label, 3, 10, gtk_widget_get_height (label) / 2.0));
  g_assert_true (tern_test_ui_wait_for (mapped_cb, menu, 5));
  g_assert_true (tern_test_ui_wait_frames (menu, 2));
  label = find_labelled (menu, GTK_TYPE_LABEL, item_label);
  g_assert_nonnull (label);
  item = gtk_widget_get_parent (label);
  click_center (item);
  tern_test_ui_drain ();
}

static gboolean
window_titled_cb (gpointer data)
{
  gpointer *args = data;
  GListModel *toplevels = gtk_window_get_toplevels ();

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GtkWindow) window = g_list_model_get_item (toplevels, i);

      if (gtk_widget_get_mapped (GTK_WIDGET (window)) &&
          g_strcmp0 (gtk_window_get_title (window), args[0]) == 0)
        {
          args[1] = window;
          return TRUE;
        }
    }
  return FALSE;
}

static GtkWindow *
wait_window (const char *title)
{
  gpointer args[2] = { (gpointer) title, NULL };

  g_assert_true (tern_test_ui_wait_for (window_titled_cb, args, 10));
  g_assert_true (tern_test_ui_wait_frames (args[1], 2));
  return args[1];
}

/* The switch of the subscriptions row titled title. */
static GtkWidget *
subscription_switch (GtkWindow  *dialog,
                     const char *title)
{
  GtkWidget *list = tern_test_ui_find_named (GTK_WIDGET (dialog), "subscriptions-list");

  for (GtkWidget *row = gtk_widget_get_first_child (list); row != NULL; row = gtk_widget_get_next_sibling (row))
    if (ADW_IS_ACTION_ROW (row) &&
        g_strcmp0 (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (row)), title) == 0)
      return tern_test_ui_find_named (row, "subscribed");
  return NULL;
}

typedef struct
{
  Fixture    *f;
  const char *name;
  gboolean    want;
} Lsub;

static gboolean
lsub_cb (gpointer data)
{
  Lsub *l = data;
  gint64 now = g_get_monotonic_time ();

  if (now - l->f->last_poll < G_USEC_PER_SEC / 5)
    return FALSE;
  l->f->last_poll = now;
  return lsub_has (l->f, l->name) == l->want;
}

static gboolean
switch_on_cb (gpointer data)
{
  return gtk_switch_get_active (data);
}

static gboolean
switch_off_cb (gpointer data)
{
  return !gtk_switch_get_active (data);
}

/* A click on a switch; it says so when its animation has ended. */
static void
click_switch (GtkWidget *toggle,
              gboolean   want)
{
  g_assert_true (tern_test_ui_wait_frames (toggle, 2));
  click_center (toggle);
  g_assert_true (tern_test_ui_wait_for (want ? switch_on_cb : switch_off_cb, toggle, 10));
}

static void
test_subscriptions (Fixture       *f,
                    gconstpointer  data)
{
  GtkWindow *dialog;
  GtkWidget *toggle;
  Lsub off = { f, "Projects", FALSE };
  Lsub on = { f, "Old Stuff", TRUE };

  folder_menu (f, "work", "_Subscribe to Folders…");
  dialog = wait_window ("Subscriptions");
  /* Every folder the server has, subscribed or not. */
  g_assert_true (gtk_switch_get_active (GTK_SWITCH (subscription_switch (dialog, "Projects"))));
  g_assert_false (gtk_switch_get_active (GTK_SWITCH (subscription_switch (dialog, "Old Stuff"))));
  g_assert_false (gtk_widget_get_sensitive (subscription_switch (dialog, "Inbox")));
  tern_test_ui_screenshots (dialog, "subscriptions", 460, 580);

  /* The search entry leaves the matching ones. */
  gtk_editable_set_text (GTK_EDITABLE (tern_test_ui_find_named (GTK_WIDGET (dialog), "subscriptions-search")), "proj");
  /* (The entry tells of a change after a pause in typing.) */
  g_assert_true (tern_test_ui_wait_for (unmapped_cb, subscription_switch (dialog, "Old Stuff"), 10));
  g_assert_true (gtk_widget_get_mapped (subscription_switch (dialog, "Projects")));

  /* Off: journalled, replayed, and the server's LSUB has it no more. */
  toggle = subscription_switch (dialog, "Projects");
  click_switch (toggle, FALSE);
  g_assert_true (tern_test_ui_wait_for (lsub_cb, &off, 60));

  gtk_editable_set_text (GTK_EDITABLE (tern_test_ui_find_named (GTK_WIDGET (dialog), "subscriptions-search")), "old");
  g_assert_true (tern_test_ui_wait_for (mapped_cb, subscription_switch (dialog, "Old Stuff"), 10));
  g_assert_true (tern_test_ui_wait_for (unmapped_cb, subscription_switch (dialog, "Projects"), 10));
  toggle = subscription_switch (dialog, "Old Stuff");
  click_switch (toggle, TRUE);
  g_assert_true (tern_test_ui_wait_for (lsub_cb, &on, 60));
  gtk_window_destroy (dialog);
}

static GtkWidget *
properties_row (GtkWindow  *dialog,
                const char *name)
{
  GtkWidget *row = tern_test_ui_find_named (GTK_WIDGET (dialog), name);

  g_assert_nonnull (row);
  return row;
}

static void
test_properties (Fixture       *f,
                 gconstpointer  data)
{
  g_autoptr(TernFolder) inbox = tern_store_get_folder (f->store, f->home, "INBOX", NULL);
  GtkWindow *dialog;
  GtkWidget *toggle;
  gboolean notify;

  g_assert_nonnull (inbox);
  notify = tern_store_get_folder_notify (f->store, inbox->id);
  /* home's Inbox: the first "Inbox" row (accounts come by name), under "All Inboxes". */
  folder_menu (f, "Inbox", "_Properties");
  dialog = wait_window ("Folder Properties");
  g_assert_cmpstr (adw_action_row_get_subtitle (ADW_ACTION_ROW (properties_row (dialog, "folder-path"))), ==, "INBOX");
  g_assert_cmpstr (adw_action_row_get_subtitle (ADW_ACTION_ROW (properties_row (dialog, "folder-account"))), ==, "home");
  g_assert_cmpstr (adw_action_row_get_subtitle (ADW_ACTION_ROW (properties_row (dialog, "folder-total"))), ==, "2");
  g_assert_cmpstr (adw_action_row_get_subtitle (ADW_ACTION_ROW (properties_row (dialog, "folder-unread"))), ==, "2");
  g_assert_nonnull (tern_test_ui_find_named (GTK_WIDGET (dialog), "folder-share"));
  tern_test_ui_screenshots (dialog, "folder-properties", 480, 640);

  /* Notifications for this folder: a click, kept in the cache. */
  toggle = properties_row (dialog, "folder-notify");
  g_assert_cmpint (gtk_switch_get_active (GTK_SWITCH (toggle)), ==, notify);
  click_switch (toggle, !notify);
  g_assert_cmpint (tern_store_get_folder_notify (f->store, inbox->id), ==, !notify);
  gtk_window_destroy (dialog);
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

typedef struct
{
  TernWindow *window;
  gint64      folder_id;
} OpenFolder;

static gboolean
folder_open_cb (gpointer data)
{
  OpenFolder *open = data;

  return tern_window_get_folder_id (open->window) == open->folder_id;
}

static gboolean
folder_listed_cb (gpointer data)
{
  OpenFolder *open = data;

  return tern_folder_model_find (tern_window_get_folder_model (open->window), open->folder_id) != G_MAXUINT;
}

/* work's INBOX as an earlier run left it in the cache. */
static void
cache_work_inbox (Fixture   *f,
                  TernStore *store)
{
  g_autoptr(GError) error = NULL;
  TernFolder folder = { 0 };
  gint64 id = 0;

  folder.account_id = f->work;
  folder.name = folder.display_name = (char *) "INBOX";
  folder.delimiter = (char *) "/";
  folder.attributes = (char *) "";
  folder.subscribed = folder.selectable = TRUE;
  g_assert_true (tern_store_upsert_folder (store, &folder, &id, &error));
  g_assert_no_error (error);
}

/* Two accounts, the second ("work") with its INBOX cached from an earlier run, the first
 * ("home") never synced: work's INBOX shows meanwhile, and home's INBOX takes over when its
 * folders arrive, whatever the order the workers finish in. A folder the user opens stays. */
static void
test_first_account_inbox (void)
{
  g_autoptr(GError) error = NULL;
  Fixture fixture = { 0 };
  Fixture *f = &fixture;
  g_autoptr(TernFolder) home_inbox = NULL;
  g_autoptr(TernFolder) work_inbox = NULL;
  OpenFolder open = { 0 };
  gint64 created = 0;
  GtkListView *sidebar;

  new_server (f);
  start (f, cache_work_inbox);
  home_inbox = tern_store_get_folder (f->store, f->home, "INBOX", &error);
  g_assert_no_error (error);
  g_assert_nonnull (home_inbox);
  work_inbox = tern_store_get_folder (f->store, f->work, "INBOX", &error);
  g_assert_no_error (error);
  g_assert_nonnull (work_inbox);
  open.window = f->window;
  open.folder_id = home_inbox->id;
  g_assert_true (tern_test_ui_wait_for (folder_open_cb, &open, 30));

  /* The user opens work's INBOX; a new folder in home's account leaves it open. */
  sidebar = GTK_LIST_VIEW (tern_test_ui_find_named (GTK_WIDGET (f->window), "folder_list"));
  gtk_single_selection_set_selected (GTK_SINGLE_SELECTION (gtk_list_view_get_model (sidebar)),
                                     tern_folder_model_find (tern_window_get_folder_model (f->window),
                                                             work_inbox->id));
  tern_test_ui_drain ();
  g_assert_cmpint (tern_window_get_folder_id (f->window), ==, work_inbox->id);
  g_assert_cmpuint (tern_mail_service_folder_create (tern_application_get_mail_service (f->app), f->home,
                                                     "Later", "Later", "/", &created, &error), >, 0);
  g_assert_no_error (error);
  open.folder_id = created;
  g_assert_true (tern_test_ui_wait_for (folder_listed_cb, &open, 30));
  tern_test_ui_drain ();
  g_assert_cmpint (tern_window_get_folder_id (f->window), ==, work_inbox->id);

  tear_down (f, NULL);
}

int
main (int    argc,
      char **argv)
{
  tern_test_ui_init_with_bus (&argc, &argv);

  g_test_add_func ("/ui/inboxes/one-account", test_one_account);
  g_test_add_func ("/ui/inboxes/first-account-inbox", test_first_account_inbox);
  g_test_add ("/ui/inboxes/all-inboxes", Fixture, NULL, set_up, test_all_inboxes, tear_down);
  g_test_add ("/ui/inboxes/subscriptions", Fixture, NULL, set_up, test_subscriptions, tear_down);
  g_test_add ("/ui/inboxes/properties", Fixture, NULL, set_up, test_properties, tear_down);
  return g_test_run ();
}
