/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Every folder live (issue #18): with NOTIFY (RFC 5465) on Dovecot, another client's new mail,
 * flag change or expunge in a folder other than INBOX (a shared one included) reaches the
 * cache while Tern idles, long before its next poll (an hour away here).
 */
#include "config.h"

#include <string.h>

#include "tern-account-worker.h"
#include "tern-sync.h"
#include "tern-test-cache.h"
#include "tern-test-server.h"

typedef struct
{
  TernTestServer *server;
  char           *dir;
  TernStore      *store;     /* the test's own connection to the cache */
  TernAccount    *account;
} Fixture;

typedef struct
{
  TernSync     *sync;
  GCancellable *stop;
  gboolean      ok;
  GError       *error;
} Watch;

/* What the watcher reports (from its thread): the test waits for news, not for time. */
static GMutex news_lock;
static GCond  news_cond;
static guint  news_count;

static void
news_cb (const TernSyncChange *change,
         gpointer              user_data)
{
  if (change->kind == TERN_SYNC_CHANGE_COMMITTED)
    return;
  g_mutex_lock (&news_lock);
  news_count++;
  g_cond_broadcast (&news_cond);
  g_mutex_unlock (&news_lock);
}

static TernSync *
new_watcher (TernStore   *store,
             TernAccount *account)
{
  TernSync *sync = tern_sync_new (store, account);

  tern_sync_set_change_func (sync, news_cb, NULL);
  return sync;
}

static gpointer
watch_thread (gpointer data)
{
  Watch *w = data;

  w->ok = tern_sync_watch (w->sync, 3600, w->stop, &w->error);
  return NULL;
}

static void
set_up_with (Fixture             *f,
             const char          *user,
             TernTestServerFlags  flags)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;
  TernAccount account = { 0 };

  f->server = tern_test_server_new (flags, &error);
  g_assert_no_error (error);
  f->dir = g_dir_make_tmp ("tern-notify-XXXXXX", &error);
  path = g_build_filename (f->dir, "tern.db", NULL);
  f->store = tern_store_open (path, &error);
  g_assert_no_error (error);
  account.name = (char *) user;
  account.email = (char *) "someone@example.org";
  account.host = (char *) tern_test_server_get_host (f->server);
  account.port = tern_test_server_get_imaps_port (f->server);
  account.security = (char *) "tls";
  account.user = (char *) user;
  account.password_command = (char *) "echo secret";
  account.ca_file = (char *) tern_test_server_get_ca_file (f->server);
  g_assert_true (tern_store_add_account (f->store, &account, NULL, &error));
  f->account = tern_store_get_account (f->store, user, &error);
  g_assert_no_error (error);
}

static void
set_up (Fixture    *f,
        const char *user)
{
  set_up_with (f, user, TERN_TEST_SERVER_FULL);
}

static void
tear_down (Fixture *f)
{
  g_autofree char *cmd = g_strdup_printf ("rm -rf '%s'", f->dir);

  tern_account_free (f->account);
  tern_store_free (f->store);
  tern_test_server_free (f->server);
  g_assert_cmpint (system (cmd), ==, 0);
  g_free (f->dir);
}

static guint
cached (Fixture    *f,
        const char *folder_name)
{
  g_autoptr(TernFolder) folder = tern_store_get_folder (f->store, f->account->id, folder_name, NULL);

  return folder != NULL ? tern_store_count_uids (f->store, folder->id) : 0;
}

/* Waits until the cache holds n messages there: checked again at each change the watcher
 * reports (a commit may follow its report, so at most a second later as well). */
static gboolean
wait_cached (Fixture    *f,
             const char *folder_name,
             guint       n)
{
  gint64 deadline = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;
  gboolean found = FALSE;

  g_mutex_lock (&news_lock);
  while (!(found = cached (f, folder_name) == n) && g_get_monotonic_time () < deadline)
    {
      guint seen = news_count;

      while (news_count == seen &&
             g_cond_wait_until (&news_cond, &news_lock,
                                MIN (deadline, g_get_monotonic_time () + G_USEC_PER_SEC)))
        ;
    }
  g_mutex_unlock (&news_lock);
  return found;
}

static void
test_personal_folders (void)
{
  Fixture fx = { 0 };
  Fixture *f = &fx;
  g_autoptr(GError) error = NULL;
  g_autoptr(GCancellable) stop = g_cancellable_new ();
  g_autoptr(TernStore) worker_store = NULL;
  g_autoptr(TernTestClient) other = NULL;
  g_autofree char *path = NULL;
  Watch w = { 0 };
  GThread *thread;

  set_up (f, "alice");
  g_assert_true (tern_test_server_seed (f->server, "alice", "Archive", 3, &error));
  path = g_build_filename (f->dir, "tern.db", NULL);
  worker_store = tern_store_open (path, &error);
  w.sync = new_watcher (worker_store, f->account);
  w.stop = stop;
  thread = g_thread_new ("watch", watch_thread, &w);

  /* Synced, NOTIFY asked for, idling. */
  g_assert_true (tern_test_server_wait_command (f->server, "alice", "NOTIFY", 1, 30000));
  g_assert_true (tern_test_server_wait_command (f->server, "alice", "IDLE", 1, 30000));
  g_assert_cmpuint (cached (f, "Archive"), ==, 3);

  /* Another client files a message into Archive: here within the hour's poll. */
  tern_test_server_append_message (f->server, "alice", "Archive",
                                   "Subject: filed elsewhere\r\nMessage-ID: <filed@x>\r\n\r\nHi.\r\n");
  g_assert_true (wait_cached (f, "Archive", 4));

  /* ...and deletes one there. */
  other = tern_test_client_new (f->server, "alice", "secret", &error);
  g_assert_no_error (error);
  g_assert_true (tern_test_client_command (other, NULL, &error, "SELECT Archive"));
  g_assert_true (tern_test_client_command (other, NULL, &error, "STORE 1 +FLAGS (\\Deleted)"));
  g_assert_true (tern_test_client_command (other, NULL, &error, "EXPUNGE"));
  g_assert_no_error (error);
  g_assert_true (wait_cached (f, "Archive", 3));

  g_cancellable_cancel (stop);
  g_thread_join (thread);
  g_assert_no_error (w.error);
  g_assert_true (w.ok);
  tern_sync_free (w.sync);
  tear_down (f);
}

static void
test_shared_folder (void)
{
  Fixture fx = { 0 };
  Fixture *f = &fx;
  g_autoptr(GError) error = NULL;
  g_autoptr(GCancellable) stop = g_cancellable_new ();
  g_autoptr(TernStore) worker_store = NULL;
  g_autoptr(TernTestClient) bob = NULL;
  g_autofree char *path = NULL;
  Watch w = { 0 };
  GThread *thread;

  /* bob follows alice's Team (subscribed): the help desk's shared folder. */
  set_up (f, "bob");
  bob = tern_test_client_new (f->server, "bob", "secret", &error);
  g_assert_no_error (error);
  g_assert_true (tern_test_client_command (bob, NULL, &error, "SUBSCRIBE \"shared/alice/Team\""));
  g_assert_no_error (error);
  path = g_build_filename (f->dir, "tern.db", NULL);
  worker_store = tern_store_open (path, &error);
  w.sync = new_watcher (worker_store, f->account);
  w.stop = stop;
  thread = g_thread_new ("watch", watch_thread, &w);
  g_assert_true (tern_test_server_wait_command (f->server, "bob", "IDLE", 1, 30000));

  /* alice's colleague answers in Team. */
  tern_test_server_append_message (f->server, "alice", "Team",
                                   "Subject: picked up\r\nMessage-ID: <picked@x>\r\n\r\nI take this one.\r\n");
  g_assert_true (wait_cached (f, "shared/alice/Team", 1));

  g_cancellable_cancel (stop);
  g_thread_join (thread);
  g_assert_no_error (w.error);
  tern_sync_free (w.sync);
  tear_down (f);
}

/* Without NOTIFY: IDLE on INBOX, and a second connection idling on the folder the user has
 * open, so that another client's changes there need not wait for the hour's poll. */
static void
test_open_folder_without_notify (void)
{
  Fixture fx = { 0 };
  Fixture *f = &fx;
  g_autoptr(GError) error = NULL;
  g_autoptr(GCancellable) stop = g_cancellable_new ();
  g_autoptr(TernStore) worker_store = NULL;
  g_autoptr(TernTestClient) other = NULL;
  g_autofree char *path = NULL;
  Watch w = { 0 };
  GThread *thread;

  set_up_with (f, "alice", TERN_TEST_SERVER_NO_NOTIFY);
  g_assert_true (tern_test_server_seed (f->server, "alice", "Archive", 3, &error));
  path = g_build_filename (f->dir, "tern.db", NULL);
  worker_store = tern_store_open (path, &error);
  w.sync = new_watcher (worker_store, f->account);
  tern_sync_set_open_folder (w.sync, "Archive");
  w.stop = stop;
  thread = g_thread_new ("watch", watch_thread, &w);

  /* Two connections idle: one on INBOX, one on Archive. */
  g_assert_true (tern_test_server_wait_command (f->server, "alice", "IDLE", 2, 30000));
  g_assert_cmpuint (tern_test_server_count_commands (f->server, "alice", "NOTIFY"), ==, 0);
  g_assert_cmpuint (cached (f, "Archive"), ==, 3);

  tern_test_server_append_message (f->server, "alice", "Archive",
                                   "Subject: filed elsewhere\r\nMessage-ID: <open@x>\r\n\r\nHi.\r\n");
  g_assert_true (wait_cached (f, "Archive", 4));

  other = tern_test_client_new (f->server, "alice", "secret", &error);
  g_assert_no_error (error);
  g_assert_true (tern_test_client_command (other, NULL, &error, "SELECT Archive"));
  g_assert_true (tern_test_client_command (other, NULL, &error, "STORE 1 +FLAGS (\\Deleted)"));
  g_assert_true (tern_test_client_command (other, NULL, &error, "EXPUNGE"));
  g_assert_no_error (error);
  g_assert_true (wait_cached (f, "Archive", 3));

  g_cancellable_cancel (stop);
  g_thread_join (thread);
  g_assert_no_error (w.error);
  g_assert_true (w.ok);
  tern_sync_free (w.sync);
  tear_down (f);
}

static gboolean
wake_cb (gpointer data)
{
  return G_SOURCE_CONTINUE;
}

/* One turn of the main loop, where the worker's events arrive; a guard source wakes it at
 * least once a second so that a deadline is seen even when nothing comes. */
static void
iterate (void)
{
  guint guard = g_timeout_add_seconds (1, wake_cb, NULL);

  g_main_context_iteration (NULL, TRUE);
  g_source_remove (guard);
}

/* The app's side: the account worker is told which folder is open, and without NOTIFY keeps
 * it live the same way. */
static guint
worker_cached (TernStore  *store,
               gint64      account_id,
               const char *folder_name)
{
  g_autoptr(TernFolder) folder = tern_store_get_folder (store, account_id, folder_name, NULL);

  return folder != NULL ? tern_store_count_uids (store, folder->id) : 0;
}

static void
test_worker_open_folder (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TernTestServer) server = tern_test_server_new (TERN_TEST_SERVER_NO_NOTIFY, &error);
  g_autoptr(TernAccountWorker) worker = NULL;
  g_autoptr(TernFolder) archive = NULL;
  g_autofree char *dir = g_dir_make_tmp ("tern-notify-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "tern.db", NULL);
  g_autofree char *cmd = g_strdup_printf ("rm -rf '%s'", dir);
  TernStore *store;
  gint64 account_id, deadline;

  g_assert_no_error (error);
  g_assert_true (tern_test_server_seed (server, "alice", "Archive", 3, &error));
  store = tern_store_open (path, &error);
  g_assert_no_error (error);
  account_id = tern_test_cache_add_server_account (store, server, "alice", TRUE);
  worker = tern_account_worker_new (store, account_id);
  tern_account_worker_start (worker);

  /* Synced and idling on INBOX; then the user opens Archive. */
  g_assert_true (tern_test_server_wait_command (server, "alice", "IDLE", 1, 30000));
  archive = tern_store_get_folder (store, account_id, "Archive", &error);
  g_assert_no_error (error);
  tern_account_worker_set_open_folder (worker, archive->id);
  g_assert_cmpint (tern_account_worker_get_open_folder (worker), ==, archive->id);
  /* The first connection idles again, and a second one on Archive. */
  g_assert_true (tern_test_server_wait_command (server, "alice", "IDLE", 3, 30000));

  tern_test_server_append_message (server, "alice", "Archive",
                                   "Subject: filed elsewhere\r\nMessage-ID: <worker@x>\r\n\r\nHi.\r\n");
  deadline = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;
  while (worker_cached (store, account_id, "Archive") != 4 && g_get_monotonic_time () < deadline)
    iterate ();
  g_assert_cmpuint (worker_cached (store, account_id, "Archive"), ==, 4);

  tern_account_worker_stop (worker);
  g_clear_object (&worker);
  while (g_main_context_iteration (NULL, FALSE));
  tern_store_free (store);
  g_assert_cmpint (system (cmd), ==, 0);
}

/* Notifications for shared folders are opt-in per folder (a help desk wants them for its
 * "Support"): the worker says "new mail" for INBOX and for the folders chosen, not others. */
typedef struct
{
  guint    count;
  GString *subjects;
} NewMail;

static void
new_mail_cb (TernAccountWorker *worker,
             guint              count,
             const char        *subject,
             GArray            *ids,
             NewMail           *heard)
{
  /* Each new message is named, for the notification's actions. */
  g_assert_nonnull (ids);
  g_assert_cmpuint (ids->len, ==, count);
  heard->count += count;
  g_string_append_printf (heard->subjects, "%s;", subject);
}

static void
wait_new_mail (NewMail    *heard,
               const char *subject)
{
  g_autofree char *wanted = g_strdup_printf ("%s;", subject);
  gint64 deadline = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;

  while (strstr (heard->subjects->str, wanted) == NULL && g_get_monotonic_time () < deadline)
    iterate ();
  g_assert_nonnull (strstr (heard->subjects->str, wanted));
}

static void
test_shared_folder_opt_in (void)
{
  Fixture fx = { 0 };
  Fixture *f = &fx;
  g_autoptr(GError) error = NULL;
  g_autoptr(TernTestClient) bob = NULL;
  g_autoptr(TernAccountWorker) worker = NULL;
  g_autoptr(TernFolder) team = NULL;
  g_autoptr(GString) subjects = g_string_new (NULL);
  NewMail heard = { 0, subjects };
  gint64 deadline;

  set_up (f, "bob");
  bob = tern_test_client_new (f->server, "bob", "secret", &error);
  g_assert_no_error (error);
  g_assert_true (tern_test_client_command (bob, NULL, &error, "SUBSCRIBE \"shared/alice/Team\""));
  g_assert_no_error (error);
  worker = tern_account_worker_new (f->store, f->account->id);
  g_signal_connect (worker, "new-mail", G_CALLBACK (new_mail_cb), &heard);
  tern_account_worker_start (worker);
  g_assert_true (tern_test_server_wait_command (f->server, "bob", "IDLE", 1, 30000));
  team = tern_store_get_folder (f->store, f->account->id, "shared/alice/Team", &error);
  g_assert_no_error (error);
  g_assert_false (tern_store_get_folder_notify (f->store, team->id));

  /* Not chosen: it arrives, quietly; INBOX's next message is told. */
  tern_test_server_append_message (f->server, "alice", "Team", "Subject: quiet\r\n\r\nFYI.\r\n");
  deadline = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;
  while (cached (f, "shared/alice/Team") != 1 && g_get_monotonic_time () < deadline)
    iterate ();
  g_assert_cmpuint (cached (f, "shared/alice/Team"), ==, 1);
  tern_test_server_append_message (f->server, "bob", "INBOX", "Subject: loud\r\n\r\nFor you.\r\n");
  wait_new_mail (&heard, "loud");
  g_assert_cmpuint (heard.count, ==, 1);
  g_assert_cmpstr (heard.subjects->str, ==, "loud;");

  /* Chosen: the help desk hears of the next one. */
  g_assert_true (tern_store_set_folder_notify (f->store, team->id, TRUE, &error));
  g_assert_no_error (error);
  tern_test_server_append_message (f->server, "alice", "Team", "Subject: customer waiting\r\n\r\nHelp!\r\n");
  wait_new_mail (&heard, "customer waiting");
  g_assert_cmpuint (heard.count, ==, 2);

  tern_account_worker_stop (worker);
  g_clear_object (&worker);
  while (g_main_context_iteration (NULL, FALSE));
  tear_down (f);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  tern_sync_global_init ();

  g_test_add_func ("/notify/personal-folders", test_personal_folders);
  g_test_add_func ("/notify/shared-folder", test_shared_folder);
  g_test_add_func ("/notify/open-folder-without-notify", test_open_folder_without_notify);
  g_test_add_func ("/notify/worker-open-folder", test_worker_open_folder);
  g_test_add_func ("/notify/shared-folder-opt-in", test_shared_folder_opt_in);

  return g_test_run ();
}
