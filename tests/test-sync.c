/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-sync"

#include "config.h"

#include <string.h>

#include "tern-journal.h"
#include "tern-store.h"
#include "tern-sync.h"
#include "tern-test-server.h"

/* The sync engine against a real Dovecot, at each capability level. */

typedef struct
{
  TernTestServer *server;
  char           *dir;
  TernStore      *store;
  TernAccount    *account;
  TernSync       *sync;
  GPtrArray      *changes; /* "kind folder uid" strings seen by the change callback */
  GMutex          lock;
} Fixture;

static void
change_cb (const TernSyncChange *change,
           gpointer              user_data)
{
  Fixture *f = user_data;
  static const char * const kinds[] = {
    "new", "flags", "expunged", "folder-added", "folder-removed", "folder-renamed", "uidvalidity",
    "committed",
  };

  g_mutex_lock (&f->lock);
  g_ptr_array_add (f->changes, g_strdup_printf ("%s %s %u", kinds[change->kind], change->folder,
                                                change->uid));
  g_mutex_unlock (&f->lock);
}

static gboolean
has_change (Fixture    *f,
            const char *text)
{
  gboolean found = FALSE;

  g_mutex_lock (&f->lock);
  for (guint i = 0; i < f->changes->len && !found; i++)
    found = strcmp (f->changes->pdata[i], text) == 0;
  g_mutex_unlock (&f->lock);
  return found;
}

/* Waits (at most `seconds`) until the change callback, on another thread, reports `text`:
 * the condition polled is the list of changes itself. */
static gboolean
wait_change (Fixture    *f,
             const char *text,
             guint       seconds)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) seconds * G_USEC_PER_SEC;

  while (!has_change (f, text))
    {
      if (g_get_monotonic_time () > deadline)
        return FALSE;
      g_usleep (5000);
    }
  return TRUE;
}

static TernSync *
new_sync (Fixture *f)
{
  TernSync *sync = tern_sync_new (f->store, f->account);

  tern_sync_set_password (sync, "secret");
  tern_sync_set_timeout (sync, 10);
  tern_sync_set_chunk_size (sync, 100);
  tern_sync_set_change_func (sync, change_cb, f);
  return sync;
}

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  TernTestServerFlags flags = GPOINTER_TO_UINT (data);
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;
  TernAccount account = { 0 };

  g_mutex_init (&f->lock);
  f->changes = g_ptr_array_new_with_free_func (g_free);
  f->server = tern_test_server_new (flags, &error);
  g_assert_no_error (error);
  f->dir = g_dir_make_tmp ("tern-sync-XXXXXX", &error);
  g_assert_no_error (error);
  path = g_build_filename (f->dir, "tern.db", NULL);
  f->store = tern_store_open (path, &error);
  g_assert_no_error (error);

  account.name = (char *) "test";
  account.email = (char *) "alice@example.org";
  account.host = (char *) tern_test_server_get_host (f->server);
  account.port = tern_test_server_get_imaps_port (f->server);
  account.security = (char *) "tls";
  account.user = (char *) "alice";
  account.ca_file = (char *) tern_test_server_get_ca_file (f->server);
  g_assert_true (tern_store_add_account (f->store, &account, &account.id, &error));
  g_assert_no_error (error);
  f->account = tern_store_get_account (f->store, "test", &error);
  g_assert_no_error (error);
  f->sync = new_sync (f);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  g_autofree char *cmd = g_strdup_printf ("rm -rf '%s'", f->dir);

  tern_sync_free (f->sync);
  tern_account_free (f->account);
  tern_store_free (f->store);
  tern_test_server_free (f->server);
  g_assert_cmpint (system (cmd), ==, 0);
  g_free (f->dir);
  g_ptr_array_unref (f->changes);
  g_mutex_clear (&f->lock);
}

/* The server's truth for a mailbox: UID -> canonical flags, from another connection. */
static GHashTable *
server_flags (Fixture    *f,
              const char *mailbox)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TernTestClient) client = tern_test_client_new (f->server, "alice", "secret", &error);
  g_autofree char *response = NULL;
  g_auto(GStrv) lines = NULL;
  GHashTable *map = g_hash_table_new_full (g_direct_hash, g_direct_equal, NULL, g_free);

  g_assert_no_error (error);
  g_assert_true (tern_test_client_command (client, NULL, &error, "EXAMINE \"%s\"", mailbox));
  g_assert_no_error (error);
  g_assert_true (tern_test_client_command (client, &response, &error, "UID FETCH 1:* (UID FLAGS)"));
  g_assert_no_error (error);

  lines = g_strsplit (response, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      const char *uid_at = strstr (lines[i], "UID ");
      const char *flags_at = strstr (lines[i], "FLAGS (");
      const char *close;
      g_autofree char *raw = NULL;

      if (!g_str_has_prefix (lines[i], "* ") || uid_at == NULL || flags_at == NULL)
        continue;
      close = strchr (flags_at, ')');
      raw = g_strndup (flags_at + 7, (gsize) (close - flags_at - 7));
      g_hash_table_insert (map, GUINT_TO_POINTER ((guint) g_ascii_strtoull (uid_at + 4, NULL, 10)),
                           tern_flags_canonicalize (raw));
    }
  return map;
}

static GHashTable *
cache_flags (Fixture    *f,
             const char *mailbox)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TernFolder) folder = tern_store_get_folder (f->store, f->account->id, mailbox, &error);
  GHashTable *map;

  g_assert_no_error (error);
  map = tern_store_dup_flags_map (f->store, folder->id, 0, &error);
  g_assert_no_error (error);
  return map;
}

static void
assert_in_step (Fixture    *f,
                const char *mailbox)
{
  g_autoptr(GHashTable) server = server_flags (f, mailbox);
  g_autoptr(GHashTable) cache = cache_flags (f, mailbox);
  GHashTableIter iter;
  gpointer key, value;

  g_hash_table_iter_init (&iter, server);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      const char *cached = g_hash_table_lookup (cache, key);

      if (cached == NULL)
        g_error ("%s: UID %u is on the server but not in the cache", mailbox, GPOINTER_TO_UINT (key));
      if (strcmp (cached, value) != 0)
        g_error ("%s: UID %u has flags “%s” on the server but “%s” in the cache",
                 mailbox, GPOINTER_TO_UINT (key), (char *) value, cached);
    }
  g_assert_cmpuint (g_hash_table_size (cache), ==, g_hash_table_size (server));
}

static guint32
append_message (Fixture    *f,
                const char *mailbox,
                const char *message_id,
                const char *subject)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TernTestClient) client = tern_test_client_new (f->server, "alice", "secret", &error);
  g_autofree char *message = g_strdup_printf ("From: Bob <bob@example.org>\r\n"
                                              "To: alice@example.org\r\n"
                                              "Subject: %s\r\n"
                                              "Date: Mon, 2 Feb 2026 10:00:00 +0000\r\n"
                                              "Message-ID: %s\r\n"
                                              "\r\n"
                                              "Hello.\r\n", subject, message_id);
  guint32 uid;

  g_assert_no_error (error);
  uid = tern_test_client_append (client, mailbox, NULL, "02-Feb-2026 10:00:00 +0000",
                                 message, strlen (message), &error);
  g_assert_no_error (error);
  return uid;
}

static void
client_command (Fixture    *f,
                const char *select,
                const char *command)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TernTestClient) client = tern_test_client_new (f->server, "alice", "secret", &error);

  g_assert_no_error (error);
  if (select != NULL)
    {
      g_assert_true (tern_test_client_command (client, NULL, &error, "SELECT \"%s\"", select));
      g_assert_no_error (error);
    }
  g_assert_true (tern_test_client_command (client, NULL, &error, "%s", command));
  g_assert_no_error (error);
}

static void
sync_ok (Fixture *f)
{
  g_autoptr(GError) error = NULL;

  tern_sync_run (f->sync, NULL, &error);
  g_assert_no_error (error);
}

static void
test_first_sync (Fixture       *f,
                 gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) folders = NULL;
  g_autoptr(GPtrArray) messages = NULL;
  g_autoptr(TernFolder) inbox = NULL;
  g_autoptr(TernMessage) full = NULL;
  gboolean saw_sent = FALSE, saw_shared = FALSE;

  g_assert_true (tern_test_server_seed (f->server, "alice", "INBOX", 350, &error));
  g_assert_no_error (error);
  g_assert_true (tern_test_server_create_mailbox (f->server, "alice", "Projects", &error));
  g_assert_true (tern_test_server_seed (f->server, "alice", "Projects", 20, &error));
  g_assert_no_error (error);

  sync_ok (f);
  assert_in_step (f, "INBOX");
  assert_in_step (f, "Projects");

  folders = tern_store_list_folders (f->store, f->account->id, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (((TernFolder *) folders->pdata[0])->name, ==, "INBOX");
  for (guint i = 0; i < folders->len; i++)
    {
      TernFolder *folder = folders->pdata[i];

      if (g_strcmp0 (folder->special_use, "\\Sent") == 0)
        saw_sent = TRUE;
      if (g_str_has_prefix (folder->name, "shared/"))
        {
          g_assert_cmpstr (folder->namespace_kind, ==, "other");
          saw_shared = saw_shared || g_str_has_suffix (folder->name, "/Team");
        }
    }
  g_assert_true (saw_sent);
  (void) saw_shared; /* alice owns Team; bob is the one who sees it shared (test_shared) */

  inbox = tern_store_get_folder (f->store, f->account->id, "INBOX", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (tern_store_count_uids (f->store, inbox->id), ==, 350);
  g_assert_cmpuint (inbox->uidvalidity, !=, 0);
  g_assert_cmpuint (inbox->uidnext, ==, 351);
  g_assert_cmpuint (inbox->fill_low, ==, 0);

  /* Newest first, with envelope data and structure. */
  messages = tern_store_list_messages (f->store, inbox->id, 5, &error);
  g_assert_cmpuint (messages->len, ==, 5);
  for (guint i = 1; i < messages->len; i++)
    g_assert_cmpint (((TernMessage *) messages->pdata[i - 1])->date, >=,
                     ((TernMessage *) messages->pdata[i])->date);
  full = tern_store_get_message (f->store, ((TernMessage *) messages->pdata[0])->id, &error);
  g_assert_no_error (error);
  g_assert_nonnull (full->subject);
  g_assert_nonnull (full->from_addr);
  g_assert_nonnull (full->message_id);
  g_assert_cmpuint (full->size, >, 0);
  g_assert_cmpint (full->internaldate, >, 0);
  g_assert_cmpuint (full->parts->len, >=, 1);
}

static void
test_resync (Fixture       *f,
             gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TernFolder) inbox = NULL;
  TernSyncStats before, after;
  guint32 uid;

  g_assert_true (tern_test_server_seed (f->server, "alice", "INBOX", 120, &error));
  g_assert_no_error (error);
  sync_ok (f);
  assert_in_step (f, "INBOX");

  /* Another client adds, flags and expunges. */
  uid = append_message (f, "INBOX", "<new-1@example.org>", "Fresh news");
  g_assert_cmpuint (uid, ==, 121);
  client_command (f, "INBOX", "UID STORE 5,17 +FLAGS (\\Flagged $Important)");
  client_command (f, "INBOX", "UID STORE 1:3 -FLAGS (\\Seen)");
  client_command (f, "INBOX", "UID STORE 1:3 +FLAGS (\\Answered)");
  client_command (f, "INBOX", "UID STORE 40,41,100 +FLAGS (\\Deleted)");
  client_command (f, "INBOX", "UID EXPUNGE 40,41,100");

  tern_sync_get_stats (f->sync, &before);
  sync_ok (f);
  tern_sync_get_stats (f->sync, &after);
  assert_in_step (f, "INBOX");
  g_assert_true (has_change (f, "new INBOX 121"));
  g_assert_true (has_change (f, "expunged INBOX 40"));
  g_assert_true (has_change (f, "flags INBOX 5"));
  /* Only the new message's headers travelled, not the folder again. */
  g_assert_cmpuint (after.messages_fetched - before.messages_fetched, ==, 1);

  inbox = tern_store_get_folder (f->store, f->account->id, "INBOX", &error);
  g_assert_cmpuint (tern_store_count_uids (f->store, inbox->id), ==, 118);

  /* An unchanged account: nothing fetched; with CONDSTORE one STATUS per folder. */
  tern_sync_get_stats (f->sync, &before);
  sync_ok (f);
  tern_sync_get_stats (f->sync, &after);
  g_assert_cmpuint (after.messages_fetched, ==, before.messages_fetched);
  assert_in_step (f, "INBOX");
}

static void
test_unchanged_round_trips (Fixture       *f,
                            gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) folders = NULL;
  TernSyncStats before, after;
  guint selectable = 0;

  g_assert_true (tern_test_server_seed (f->server, "alice", "INBOX", 50, &error));
  sync_ok (f);

  /* Stay connected: count only the folder work of a second sync. */
  folders = tern_store_list_folders (f->store, f->account->id, &error);
  for (guint i = 0; i < folders->len; i++)
    selectable += ((TernFolder *) folders->pdata[i])->selectable;

  tern_sync_disconnect (f->sync);
  g_assert_true (tern_sync_connect (f->sync, &error));
  tern_sync_get_stats (f->sync, &before);
  for (guint i = 0; i < folders->len; i++)
    if (((TernFolder *) folders->pdata[i])->selectable)
      {
        g_assert_true (tern_sync_folder (f->sync, ((TernFolder *) folders->pdata[i])->name, &error));
        g_assert_no_error (error);
      }
  tern_sync_get_stats (f->sync, &after);
  g_assert_cmpuint (after.round_trips - before.round_trips, ==, selectable);
  g_assert_cmpuint (after.bytes_read - before.bytes_read, <, 150 * selectable);
}

static void
test_uidvalidity (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TernFolder) folder = NULL;
  g_autoptr(GPtrArray) before = NULL;
  g_autoptr(GPtrArray) after = NULL;
  g_autoptr(TernMessage) kept = NULL;
  TernSyncStats stats;
  gint64 kept_id;

  g_assert_true (tern_test_server_create_mailbox (f->server, "alice", "Lists", &error));
  g_assert_no_error (error);
  append_message (f, "Lists", "<one@example.org>", "One");
  append_message (f, "Lists", "<two@example.org>", "Two");
  append_message (f, "Lists", "<three@example.org>", "Three");
  sync_ok (f);

  folder = tern_store_get_folder (f->store, f->account->id, "Lists", &error);
  before = tern_store_list_messages (f->store, folder->id, 0, &error);
  g_assert_cmpuint (before->len, ==, 3);
  kept_id = ((TernMessage *) before->pdata[0])->id;

  /* Recreate the folder: same messages (two of them), new UIDs, new UIDVALIDITY. */
  g_assert_true (tern_test_server_doveadm (f->server, NULL, &error, "mailbox", "delete", "-u", "alice",
                                           "Lists", NULL));
  g_assert_no_error (error);
  g_assert_true (tern_test_server_doveadm (f->server, NULL, &error, "mailbox", "create", "-u", "alice",
                                           "Lists", NULL));
  g_assert_no_error (error);
  g_assert_true (tern_test_server_doveadm (f->server, NULL, &error, "mailbox", "update", "-u", "alice",
                                           "--uid-validity", "4242", "Lists", NULL));
  g_assert_no_error (error);
  append_message (f, "Lists", "<filler@example.org>", "Filler");
  append_message (f, "Lists", "<three@example.org>", "Three");
  append_message (f, "Lists", "<one@example.org>", "One");

  sync_ok (f);
  assert_in_step (f, "Lists");

  g_clear_pointer (&folder, tern_folder_free);
  folder = tern_store_get_folder (f->store, f->account->id, "Lists", &error);
  g_assert_cmpuint (folder->uidvalidity, ==, 4242);
  after = tern_store_list_messages (f->store, folder->id, 0, &error);
  g_assert_cmpuint (after->len, ==, 3);

  /* Re-attached, not re-created: the local id survives. */
  kept = tern_store_get_message (f->store, kept_id, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (kept->uid, >=, 2);
  tern_sync_get_stats (f->sync, &stats);
  g_assert_cmpuint (stats.reattached, ==, 2);
  g_assert_cmpuint (stats.dropped, ==, 1);
  g_assert_true (has_change (f, "uidvalidity Lists 4242"));
}

static void
test_folders_change (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TernFolder) renamed = NULL;
  g_autoptr(TernFolder) old = NULL;
  gint64 message_id;

  g_assert_true (tern_test_server_create_mailbox (f->server, "alice", "Old", &error));
  g_assert_no_error (error);
  append_message (f, "Old", "<old@example.org>", "In the old folder");
  g_assert_true (tern_test_server_create_mailbox (f->server, "alice", "Doomed", &error));
  sync_ok (f);
  old = tern_store_get_folder (f->store, f->account->id, "Old", &error);
  g_assert_no_error (error);
  {
    g_autoptr(GPtrArray) list = tern_store_list_messages (f->store, old->id, 0, &error);
    g_assert_cmpuint (list->len, ==, 1);
    message_id = ((TernMessage *) list->pdata[0])->id;
  }

  client_command (f, NULL, "RENAME \"Old\" \"Renamed\"");
  client_command (f, NULL, "DELETE \"Doomed\"");
  client_command (f, NULL, "CREATE \"Brand new\"");
  sync_ok (f);

  g_assert_null (tern_store_get_folder (f->store, f->account->id, "Old", &error));
  g_clear_error (&error);
  g_assert_null (tern_store_get_folder (f->store, f->account->id, "Doomed", &error));
  g_clear_error (&error);
  renamed = tern_store_get_folder (f->store, f->account->id, "Renamed", &error);
  g_assert_no_error (error);
  g_assert_cmpint (renamed->id, ==, old->id);
  {
    g_autoptr(TernMessage) m = tern_store_get_message (f->store, message_id, &error);
    g_assert_no_error (error);
    g_assert_cmpint (m->folder_id, ==, renamed->id);
  }
  {
    g_autoptr(TernFolder) brand = tern_store_get_folder (f->store, f->account->id, "Brand new", &error);
    g_assert_no_error (error);
  }
  g_assert_true (has_change (f, "folder-removed Doomed 0"));
  g_assert_true (has_change (f, "folder-added Brand new 0"));
  assert_in_step (f, "Renamed");
}

static void
test_shared (Fixture       *f,
             gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) folders = NULL;
  g_autoptr(TernAccount) bob = NULL;
  g_autoptr(TernSync) sync = NULL;
  TernAccount account = *f->account;
  gboolean found = FALSE;

  account.name = (char *) "bob";
  account.user = (char *) "bob";
  g_assert_true (tern_store_add_account (f->store, &account, NULL, &error));
  g_assert_no_error (error);
  bob = tern_store_get_account (f->store, "bob", &error);
  sync = tern_sync_new (f->store, bob);
  tern_sync_set_password (sync, "secret");
  g_assert_true (tern_sync_run (sync, NULL, &error));
  g_assert_no_error (error);

  folders = tern_store_list_folders (f->store, bob->id, &error);
  for (guint i = 0; i < folders->len; i++)
    {
      TernFolder *folder = folders->pdata[i];

      if (strcmp (folder->name, "shared/alice/Team") == 0)
        {
          found = TRUE;
          g_assert_cmpstr (folder->namespace_kind, ==, "other");
          g_assert_nonnull (folder->myrights);
          g_assert_nonnull (strchr (folder->myrights, 'r'));
          g_assert_null (strchr (folder->myrights, 'x'));
        }
    }
  g_assert_true (found);
}

typedef struct
{
  Fixture      *f;
  TernSync     *sync;
  GCancellable *stop;
  gboolean      ok;
  GError       *error;
} WatchData;

static gpointer
watch_thread (gpointer data)
{
  WatchData *w = data;

  w->ok = tern_sync_watch (w->sync, 30, w->stop, &w->error);
  return NULL;
}

static gpointer
poll_thread (gpointer data)
{
  WatchData *w = data;

  w->ok = tern_sync_watch (w->sync, 2, w->stop, &w->error);
  return NULL;
}

static void
test_idle (Fixture       *f,
           gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GCancellable) stop = g_cancellable_new ();
  g_autofree char *path = g_build_filename (f->dir, "tern.db", NULL);
  g_autoptr(TernStore) store = tern_store_open (path, &error);
  TernSync *sync;
  WatchData w = { f, NULL, stop, FALSE, NULL };
  GThread *thread;

  g_assert_true (tern_test_server_seed (f->server, "alice", "INBOX", 10, &error));
  sync_ok (f);

  /* The watcher has its own store connection, as an account worker would. */
  sync = tern_sync_new (store, f->account);
  tern_sync_set_password (sync, "secret");
  tern_sync_set_change_func (sync, change_cb, f);
  w.sync = sync;
  thread = g_thread_new ("watch", watch_thread, &w);

  /* Once it has synced and is in IDLE (the server has its IDLE command)... */
  g_assert_true (tern_test_server_wait_command (f->server, "alice", "IDLE", 1, 20000));

  /* ...another client's changes arrive by push: the watcher polls every 30 s, so seeing
   * them well within that is IDLE at work. */
  append_message (f, "INBOX", "<pushed@example.org>", "Pushed");
  g_assert_true (wait_change (f, "new INBOX 11", 20));

  client_command (f, "INBOX", "UID STORE 3 +FLAGS (\\Flagged)");
  g_assert_true (wait_change (f, "flags INBOX 3", 20));
  /* Without polling STATUS or NOOP in between: the IDLE command saw it. */
  g_assert_cmpuint (tern_test_server_count_commands (f->server, "alice", "NOOP"), ==, 0);

  g_cancellable_cancel (stop);
  g_thread_join (thread);
  g_assert_no_error (w.error);
  g_assert_true (w.ok);
  tern_sync_free (sync);
  assert_in_step (f, "INBOX");
}

/* Another client's flag change that reaches the first IDLE after INBOX was selected again
 * (here: after another folder was synced) is stored through the FETCH handler, whose
 * folder must still be alive then (it was a freed local: a use after free under ASan). */
typedef struct
{
  Fixture  *f;
  gboolean  stored;
} IdleFlagData;

static void
idle_flag_change_cb (const TernSyncChange *change,
                     gpointer              user_data)
{
  IdleFlagData *d = user_data;

  change_cb (change, d->f);
  /* INBOX's resync is fetching the new message: change a flag before IDLE starts, so
   * that the server reports it in the IDLE that follows. */
  if (!d->stored && change->kind == TERN_SYNC_CHANGE_NEW && change->uid == 11)
    {
      d->stored = TRUE;
      client_command (d->f, "INBOX", "UID STORE 3 +FLAGS (\\Flagged)");
    }
}

static void
test_idle_first_flags (Fixture       *f,
                       gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GCancellable) interrupt = g_cancellable_new ();
  g_autoptr(TernFolder) inbox = NULL;
  g_autoptr(TernMessage) message = NULL;
  IdleFlagData d = { f, FALSE };
  int r;

  g_assert_true (tern_test_server_seed (f->server, "alice", "INBOX", 10, &error));
  sync_ok (f);
  /* Leave INBOX (a changed folder is selected, an unchanged one only asked for STATUS):
   * the next wait selects INBOX again before IDLE. */
  append_message (f, "Sent", "<sent@example.org>", "Sent elsewhere");
  g_assert_true (tern_sync_folder (f->sync, "Sent", &error));
  g_assert_no_error (error);
  append_message (f, "INBOX", "<idle-first@example.org>", "New before IDLE");

  tern_sync_set_change_func (f->sync, idle_flag_change_cb, &d);
  r = tern_sync_wait_for_changes (f->sync, 20000, interrupt, &error);
  g_assert_no_error (error);
  g_assert_cmpint (r, ==, 0);
  g_assert_true (d.stored);
  g_assert_true (has_change (f, "flags INBOX 3"));

  inbox = tern_store_get_folder (f->store, f->account->id, "INBOX", &error);
  g_assert_no_error (error);
  message = tern_store_get_message (f->store, tern_store_find_uid (f->store, inbox->id, 3), &error);
  g_assert_no_error (error);
  g_assert_nonnull (strstr (message->flags, "\\Flagged"));
  tern_sync_set_change_func (f->sync, change_cb, f);
  assert_in_step (f, "INBOX");
}

/* A cache that disagrees with EXISTS after a QRESYNC/CONDSTORE resync (here: a message
 * lost from the cache) is repaired by a full UID comparison. */
static void
test_count_mismatch (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TernFolder) inbox = NULL;
  TernSyncStats stats;

  g_assert_true (tern_test_server_seed (f->server, "alice", "INBOX", 30, &error));
  sync_ok (f);
  inbox = tern_store_get_folder (f->store, f->account->id, "INBOX", &error);
  g_assert_true (tern_store_expunge_uid (f->store, inbox->id, 5, &error));
  g_assert_true (tern_store_expunge_uid (f->store, inbox->id, 6, &error));
  client_command (f, "INBOX", "UID STORE 9 +FLAGS (\\Flagged)");

  sync_ok (f);
  tern_sync_get_stats (f->sync, &stats);
  g_assert_cmpuint (stats.full_compares, ==, 1);
  assert_in_step (f, "INBOX");

  /* And with nothing changed on the server at all. */
  g_assert_true (tern_store_expunge_uid (f->store, inbox->id, 7, &error));
  sync_ok (f);
  tern_sync_get_stats (f->sync, &stats);
  g_assert_cmpuint (stats.full_compares, ==, 2);
  assert_in_step (f, "INBOX");
}

/* While IDLE watches INBOX, the other folders are polled with STATUS. */
static void
test_watch_poll (Fixture       *f,
                 gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GCancellable) stop = g_cancellable_new ();
  g_autofree char *path = g_build_filename (f->dir, "tern.db", NULL);
  g_autoptr(TernStore) store = tern_store_open (path, &error);
  WatchData w = { f, NULL, stop, FALSE, NULL };
  GThread *thread;
  guint statuses;
  gint64 start;

  g_assert_true (tern_test_server_create_mailbox (f->server, "alice", "Projects", &error));
  g_assert_no_error (error);
  sync_ok (f);

  w.sync = tern_sync_new (store, f->account);
  tern_sync_set_password (w.sync, "secret");
  tern_sync_set_change_func (w.sync, change_cb, f);
  thread = g_thread_new ("watch", poll_thread, &w);
  /* Its first sync is over once it idles on INBOX: a message added now is news for the
   * polling of Projects, not part of that first sync. */
  g_assert_true (tern_test_server_wait_command (f->server, "alice", "IDLE", 1, 20000));
  statuses = tern_test_server_count_commands (f->server, "alice", "STATUS");

  start = g_get_monotonic_time ();
  append_message (f, "Projects", "<polled@example.org>", "Polled");
  g_assert_true (wait_change (f, "new Projects 1", 30));
  g_test_message ("seen after %" G_GINT64_FORMAT " ms", (g_get_monotonic_time () - start) / 1000);
  /* Found by polling Projects with STATUS while INBOX idled. */
  g_assert_cmpuint (tern_test_server_count_commands (f->server, "alice", "STATUS"), >, statuses);

  g_cancellable_cancel (stop);
  g_thread_join (thread);
  g_assert_no_error (w.error);
  tern_sync_free (w.sync);
  assert_in_step (f, "Projects");
}

static void
test_errors (Fixture       *f,
             gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TernSync) sync = new_sync (f);

  tern_sync_set_password (sync, "wrong");
  g_assert_false (tern_sync_run (sync, NULL, &error));
  g_assert_error (error, TERN_SYNC_ERROR, TERN_SYNC_ERROR_AUTH);
  g_clear_error (&error);

  sync_ok (f);
  g_assert_false (tern_sync_run (f->sync, "No such folder", &error));
  g_assert_error (error, TERN_SYNC_ERROR, TERN_SYNC_ERROR_NO_SUCH_FOLDER);
}

/* Conversations: References and In-Reply-To are stored, and threads built from them, on the
 * first sync and on a later one, whatever order the messages arrive in. */

static void
append_raw (Fixture    *f,
            const char *mailbox,
            const char *message_id,
            const char *subject,
            const char *extra_headers)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TernTestClient) client = tern_test_client_new (f->server, "alice", "secret", &error);
  g_autofree char *message = g_strdup_printf ("From: Bob <bob@example.org>\r\n"
                                              "To: alice@example.org\r\n"
                                              "Subject: %s\r\n"
                                              "Date: Mon, 2 Feb 2026 10:00:00 +0000\r\n"
                                              "Message-ID: %s\r\n"
                                              "%s"
                                              "\r\n"
                                              "Hello.\r\n", subject, message_id, extra_headers);

  g_assert_no_error (error);
  tern_test_client_append (client, mailbox, NULL, NULL, message, strlen (message), &error);
  g_assert_no_error (error);
}

/* The cached message with this Message-ID in a folder, or NULL. */
static TernMessage *
find_cached (Fixture    *f,
             const char *mailbox,
             const char *message_id)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TernFolder) folder = tern_store_get_folder (f->store, f->account->id, mailbox, &error);
  g_autoptr(GPtrArray) messages = NULL;

  g_assert_no_error (error);
  messages = tern_store_list_messages (f->store, folder->id, 0, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < messages->len; i++)
    {
      TernMessage *m = messages->pdata[i];

      if (g_strcmp0 (m->message_id, message_id) == 0)
        return g_ptr_array_steal_index (messages, i);
    }
  return NULL;
}

static TernMessage *
cached_by_message_id (Fixture    *f,
                      const char *mailbox,
                      const char *message_id)
{
  TernMessage *m = find_cached (f, mailbox, message_id);

  if (m == NULL)
    g_error ("%s is not cached in %s", message_id, mailbox);
  return m;
}

static gint64
thread_of (Fixture    *f,
           const char *mailbox,
           const char *message_id)
{
  g_autoptr(TernMessage) m = cached_by_message_id (f, mailbox, message_id);

  g_assert_cmpint (m->thread_id, >, 0);
  return m->thread_id;
}

static void
test_threads (Fixture       *f,
              gconstpointer  data)
{
  g_autoptr(TernMessage) c = NULL;
  gint64 plan;

  /* The last reply first (a folded References), the root after it; two replies to a message
   * nobody has; one that only shares the subject; alice's answer in Sent (In-Reply-To only). */
  append_raw (f, "INBOX", "<c@thread.test>", "Re: Plan",
              "In-Reply-To: <b@thread.test>\r\nReferences: <a@thread.test>\r\n <b@thread.test>\r\n");
  append_raw (f, "INBOX", "<a@thread.test>", "Plan", "");
  append_raw (f, "INBOX", "<d@thread.test>", "Re: Gone", "In-Reply-To: <gone@thread.test>\r\n");
  append_raw (f, "INBOX", "<e@thread.test>", "Re: Gone", "References: <gone@thread.test>\r\n");
  append_raw (f, "INBOX", "<u@thread.test>", "Re: Plan", "");
  append_raw (f, "Sent", "<s@thread.test>", "Re: Plan", "In-Reply-To: <c@thread.test>\r\n");
  sync_ok (f);

  c = cached_by_message_id (f, "INBOX", "<c@thread.test>");
  g_assert_cmpstr (c->references, ==, "<a@thread.test> <b@thread.test>");
  g_assert_cmpstr (c->in_reply_to, ==, "<b@thread.test>");
  plan = thread_of (f, "INBOX", "<a@thread.test>");
  g_assert_cmpint (thread_of (f, "INBOX", "<c@thread.test>"), ==, plan);
  g_assert_cmpint (thread_of (f, "Sent", "<s@thread.test>"), ==, plan);
  g_assert_cmpint (thread_of (f, "INBOX", "<d@thread.test>"), ==, thread_of (f, "INBOX", "<e@thread.test>"));
  g_assert_cmpint (thread_of (f, "INBOX", "<d@thread.test>"), !=, plan);
  g_assert_cmpint (thread_of (f, "INBOX", "<u@thread.test>"), !=, plan);

  /* The missing middle message arrives later, from another client: it joins, and a message
   * linking the two threads makes them one. */
  append_raw (f, "INBOX", "<b@thread.test>", "Re: Plan",
              "In-Reply-To: <a@thread.test>\r\nReferences: <a@thread.test>\r\n");
  append_raw (f, "INBOX", "<m@thread.test>", "Re: both",
              "References: <a@thread.test> <gone@thread.test>\r\n");
  sync_ok (f);
  g_assert_cmpint (thread_of (f, "INBOX", "<b@thread.test>"), ==, plan);
  plan = thread_of (f, "INBOX", "<m@thread.test>");
  g_assert_cmpint (thread_of (f, "INBOX", "<a@thread.test>"), ==, plan);
  g_assert_cmpint (thread_of (f, "INBOX", "<e@thread.test>"), ==, plan);
  g_assert_cmpint (thread_of (f, "Sent", "<s@thread.test>"), ==, plan);
  g_assert_cmpint (thread_of (f, "INBOX", "<u@thread.test>"), !=, plan);
}

static gint64
message_in (Fixture    *f,
            const char *folder_name,
            const char *message_id)
{
  g_autoptr(TernMessage) m = find_cached (f, folder_name, message_id);

  return m != NULL ? m->id : 0;
}

/* A server without SPECIAL-USE: Sent, Drafts, Trash, Junk and Archive are found by their
 * names; a nested or lower-ranked namesake does not take a role. */
static void
test_special_use_by_name (Fixture       *f,
                          gconstpointer  data)
{
  static const struct { const char *name; const char *use; } expected[] = {
    { "INBOX", "\\Inbox" },
    { "Drafts", "\\Drafts" },
    { "Sent", "\\Sent" },
    { "Trash", "\\Trash" },
    { "Junk", "\\Junk" },
    { "Archive", "\\Archive" },
    { "Projects/Sent Items", NULL },
    { "Spam", NULL },
  };
  g_autoptr(GError) error = NULL;

  client_command (f, NULL, "CREATE \"Projects/Sent Items\"");
  client_command (f, NULL, "CREATE \"Spam\"");
  sync_ok (f);

  for (guint i = 0; i < G_N_ELEMENTS (expected); i++)
    {
      g_autoptr(TernFolder) folder = tern_store_get_folder (f->store, f->account->id, expected[i].name, &error);

      g_assert_no_error (error);
      g_assert_cmpstr (folder->special_use, ==, expected[i].use);
    }

  /* Deleting goes to the Trash found by name, here and on the server. */
  append_message (f, "INBOX", "<doomed@example.org>", "To the bin");
  sync_ok (f);
  g_assert_true (tern_journal_delete (f->store, message_in (f, "INBOX", "<doomed@example.org>"), &error));
  g_assert_no_error (error);
  sync_ok (f);   /* replays the journal first */
  g_assert_cmpint (message_in (f, "INBOX", "<doomed@example.org>"), ==, 0);
  g_assert_cmpint (message_in (f, "Trash", "<doomed@example.org>"), !=, 0);
}

typedef struct
{
  GArray *inbox;
  GArray *small;
} Batches;

static void
batch_progress_cb (const char *folder,
                   guint       done,
                   guint       total,
                   gpointer    user_data)
{
  Batches *b = user_data;

  if (g_strcmp0 (folder, "INBOX") == 0)
    g_array_append_val (b->inbox, done);
  else if (g_strcmp0 (folder, "Small") == 0)
    g_array_append_val (b->small, done);
}

/* Issue 13: a first sync of a folder bigger than a batch stores its newest 250 first, so the
 * list has rows after a few hundred headers; the rest comes in whole batches. A folder of
 * one batch comes in one (a slow link pays no round trip more). */
static void
test_first_batch (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) inbox = g_array_new (FALSE, FALSE, sizeof (guint));
  g_autoptr(GArray) small = g_array_new (FALSE, FALSE, sizeof (guint));
  const guint expected[] = { 250, 550, 600 };
  Batches b = { inbox, small };

  g_assert_true (tern_test_server_seed (f->server, "alice", "INBOX", 600, &error));
  g_assert_no_error (error);
  g_assert_true (tern_test_server_create_mailbox (f->server, "alice", "Small", &error));
  g_assert_true (tern_test_server_seed (f->server, "alice", "Small", 280, &error));
  g_assert_no_error (error);
  tern_sync_set_chunk_size (f->sync, 300);
  tern_sync_set_progress_func (f->sync, batch_progress_cb, &b);
  sync_ok (f);
  g_assert_cmpuint (inbox->len, ==, G_N_ELEMENTS (expected));
  for (guint i = 0; i < G_N_ELEMENTS (expected); i++)
    g_assert_cmpuint (g_array_index (inbox, guint, i), ==, expected[i]);
  g_assert_cmpuint (small->len, ==, 1);
  g_assert_cmpuint (g_array_index (small, guint, 0), ==, 280);
}

static void
add_level (const char          *name,
           TernTestServerFlags  flags,
           void               (*func) (Fixture *, gconstpointer))
{
  g_test_add (name, Fixture, GUINT_TO_POINTER (flags), fixture_set_up, func, fixture_tear_down);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  add_level ("/sync/first-sync", TERN_TEST_SERVER_FULL, test_first_sync);
  add_level ("/sync/first-batch", TERN_TEST_SERVER_FULL, test_first_batch);
  add_level ("/sync/resync/qresync", TERN_TEST_SERVER_FULL, test_resync);
  add_level ("/sync/resync/condstore", TERN_TEST_SERVER_NO_QRESYNC, test_resync);
  add_level ("/sync/resync/plain", TERN_TEST_SERVER_NO_CONDSTORE, test_resync);
  add_level ("/sync/unchanged/qresync", TERN_TEST_SERVER_FULL, test_unchanged_round_trips);
  add_level ("/sync/unchanged/condstore", TERN_TEST_SERVER_NO_QRESYNC, test_unchanged_round_trips);
  add_level ("/sync/uidvalidity/qresync", TERN_TEST_SERVER_FULL, test_uidvalidity);
  add_level ("/sync/uidvalidity/plain", TERN_TEST_SERVER_NO_CONDSTORE, test_uidvalidity);
  add_level ("/sync/folders", TERN_TEST_SERVER_FULL, test_folders_change);
  add_level ("/sync/shared", TERN_TEST_SERVER_FULL, test_shared);
  add_level ("/sync/idle/qresync", TERN_TEST_SERVER_FULL, test_idle);
  add_level ("/sync/idle/plain", TERN_TEST_SERVER_NO_CONDSTORE, test_idle);
  add_level ("/sync/idle/first-flags/qresync", TERN_TEST_SERVER_FULL, test_idle_first_flags);
  add_level ("/sync/idle/first-flags/plain", TERN_TEST_SERVER_NO_CONDSTORE, test_idle_first_flags);
  add_level ("/sync/errors", TERN_TEST_SERVER_FULL, test_errors);
  add_level ("/sync/watch-poll", TERN_TEST_SERVER_FULL, test_watch_poll);
  add_level ("/sync/threads", TERN_TEST_SERVER_FULL, test_threads);
  add_level ("/sync/special-use-by-name", TERN_TEST_SERVER_NO_SPECIAL_USE, test_special_use_by_name);
  add_level ("/sync/count-mismatch/qresync", TERN_TEST_SERVER_FULL, test_count_mismatch);
  add_level ("/sync/count-mismatch/condstore", TERN_TEST_SERVER_NO_QRESYNC, test_count_mismatch);
  add_level ("/sync/count-mismatch/plain", TERN_TEST_SERVER_NO_CONDSTORE, test_count_mismatch);

  return g_test_run ();
}
