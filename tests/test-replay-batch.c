/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-replay-batch"

#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "tern-fake-imap.h"
#include "tern-journal.h"
#include "tern-store.h"
#include "tern-sync.h"
#include "tern-test-cache.h"
#include "tern-test-server.h"

/*
 * Batched replay (#12): a morning of offline work (2,000 flag changes, 300 moves, a flag on
 * a moved message after its move) goes to a real Dovecot in a few round trips per folder
 * touched, at every capability level, and lands as one-by-one replay would; the moved
 * messages keep their cached rows and are not fetched again. And the undo race (#13): an
 * undo that comes while a flag change is on the wire is answered by its reverse.
 */

#define FLAGGED 2000
#define MOVED   300

typedef struct
{
  const char          *name;
  TernTestServerFlags  flags;
} Level;

static const Level levels[] = {
  { "full", TERN_TEST_SERVER_FULL },
  { "no-move", TERN_TEST_SERVER_NO_MOVE },
  { "no-uidplus", TERN_TEST_SERVER_NO_UIDPLUS },
  { "no-condstore", TERN_TEST_SERVER_NO_CONDSTORE },
  { "minimal", TERN_TEST_SERVER_NO_CONDSTORE | TERN_TEST_SERVER_NO_MOVE | TERN_TEST_SERVER_NO_UIDPLUS },
};

typedef struct
{
  TernTestServer *server;
  char           *dir;
} Fixture;

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  f->server = tern_test_server_new (levels[GPOINTER_TO_UINT (data)].flags | TERN_TEST_SERVER_NO_RAWLOG, &error);
  g_assert_no_error (error);
  f->dir = g_dir_make_tmp ("tern-replay-batch-XXXXXX", &error);
  g_assert_no_error (error);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  g_autofree char *cmd = g_strdup_printf ("rm -rf '%s'", f->dir);

  tern_test_server_free (f->server);
  g_assert_cmpint (system (cmd), ==, 0);
  g_free (f->dir);
}

static TernSyncStats
stats_of (TernSync *sync)
{
  TernSyncStats stats;

  tern_sync_get_stats (sync, &stats);
  return stats;
}

static int
compare_uid (gconstpointer a,
             gconstpointer b)
{
  guint32 ua = *(const guint32 *) a, ub = *(const guint32 *) b;

  return ua < ub ? -1 : ua > ub;
}

static void
test_round_trips (Fixture       *f,
                  gconstpointer  data)
{
  const Level *level = &levels[GPOINTER_TO_UINT (data)];
  g_autoptr(GError) error = NULL;
  g_autofree char *path = g_build_filename (f->dir, "tern.db", NULL);
  g_autoptr(TernSync) sync = NULL;
  g_autoptr(TernFolder) inbox = NULL;
  g_autoptr(TernFolder) archive = NULL;
  g_autoptr(GArray) uids = NULL;
  g_autoptr(GArray) flagged = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr(GArray) moved = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr(GArray) one = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr(GPtrArray) queued = g_ptr_array_new_with_free_func ((GDestroyNotify) tern_action_free);
  TernAccount *account;
  TernStore *store;
  TernSyncStats before, after;
  guint trips;
  gint64 first;

  g_assert_true (tern_test_server_seed (f->server, "alice", "INBOX", FLAGGED + MOVED, &error));
  g_assert_no_error (error);
  store = tern_store_open (path, &error);
  g_assert_no_error (error);
  tern_test_cache_add_server_account (store, f->server, "test", TRUE);
  account = tern_store_get_account (store, "test", &error);
  g_assert_no_error (error);
  sync = tern_sync_new (store, account);
  tern_sync_set_password (sync, "secret");
  tern_sync_set_timeout (sync, 30);
  tern_sync_run (sync, NULL, &error);
  g_assert_no_error (error);

  inbox = tern_store_get_folder (store, account->id, "INBOX", &error);
  g_assert_no_error (error);
  archive = tern_store_get_folder (store, account->id, "Archive", &error);
  g_assert_no_error (error);
  uids = tern_store_list_uids (store, inbox->id, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (uids->len, ==, FLAGGED + MOVED);
  g_array_sort (uids, compare_uid);
  for (guint i = 0; i < uids->len; i++)
    {
      gint64 id = tern_store_find_uid (store, inbox->id, g_array_index (uids, guint32, i));

      g_array_append_val (i < FLAGGED ? flagged : moved, id);
    }
  first = g_array_index (flagged, gint64, 0);
  g_array_append_val (one, first);

  /* Offline: a keyword on 2,000 (the one later moved among them), 300 moved, then the
   * first one moved and flagged in Archive (dependent: after its move). */
  g_assert_true (tern_journal_set_flags_many (store, flagged, "$Batch", NULL, queued, &error));
  g_assert_no_error (error);
  g_assert_true (tern_journal_move_many (store, moved, archive->id, queued, &error));
  g_assert_no_error (error);
  g_assert_true (tern_journal_move_many (store, one, archive->id, queued, &error));
  g_assert_no_error (error);
  g_assert_true (tern_journal_set_flags_many (store, one, "$After", NULL, queued, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (queued->len, ==, FLAGGED + MOVED + 2);

  before = stats_of (sync);
  g_assert_true (tern_sync_replay (sync, &error));
  g_assert_no_error (error);
  after = stats_of (sync);
  trips = after.round_trips - before.round_trips;
  g_test_message ("%s: %u actions replayed in %u round trips, %" G_GUINT64_FORMAT " bytes down", level->name,
                  after.actions_replayed - before.actions_replayed, trips, after.bytes_read - before.bytes_read);

  g_assert_cmpuint (after.actions_replayed - before.actions_replayed, ==, FLAGGED + MOVED + 2);
  g_assert_cmpuint (after.actions_failed, ==, before.actions_failed);
  g_assert_cmpuint (tern_journal_count_queued (store, account->id, NULL), ==, 0);
  /* Two folders touched: at most 10 round trips each. */
  g_assert_cmpuint (trips, <=, 2 * 10);
  /* Nothing fetched before or after the STOREs: their answer is a short line per message at
   * most (MODSEQ with CONDSTORE, FLAGS without), and the COPY-flags check asks of one copy
   * (a FETCH before and after each STORE was 135 bytes an action at the full level). */
  g_assert_cmpuint (after.bytes_read - before.bytes_read, <, 64 * (FLAGGED + MOVED + 2));

  /* What the server has. */
  g_assert_cmpuint (tern_test_server_count_messages (f->server, "alice", "INBOX", "ALL"), ==, FLAGGED - 1);
  g_assert_cmpuint (tern_test_server_count_messages (f->server, "alice", "INBOX", "KEYWORD $Batch"), ==, FLAGGED - 1);
  g_assert_cmpuint (tern_test_server_count_messages (f->server, "alice", "Archive", "ALL"), ==, MOVED + 1);
  g_assert_cmpuint (tern_test_server_count_messages (f->server, "alice", "Archive", "KEYWORD $Batch"), ==, 1);
  g_assert_cmpuint (tern_test_server_count_messages (f->server, "alice", "Archive", "KEYWORD $After"), ==, 1);

  /* The moved messages keep their rows, under their new UIDs. */
  for (guint i = 0; i < moved->len; i++)
    {
      gint64 folder_id = 0;
      guint32 uid = 0;

      g_assert_true (tern_journal_locate (store, g_array_index (moved, gint64, i), &folder_id, &uid, &error));
      g_assert_cmpint (folder_id, ==, archive->id);
      g_assert_cmpuint (uid, !=, 0);
    }

  /* The next sync fetches none of them again. */
  before = stats_of (sync);
  tern_sync_run (sync, NULL, &error);
  g_assert_no_error (error);
  after = stats_of (sync);
  g_test_message ("%s: the sync after it fetched %u messages in %u round trips", level->name,
                  after.messages_fetched - before.messages_fetched, after.round_trips - before.round_trips);
  g_assert_cmpuint (after.messages_fetched - before.messages_fetched, ==, 0);
  g_assert_cmpuint (tern_store_count_uids (store, archive->id), ==, MOVED + 1);
  g_assert_cmpuint (tern_store_count_uids (store, inbox->id), ==, FLAGGED - 1);

  g_clear_pointer (&sync, tern_sync_free);
  tern_account_free (account);
  tern_store_free (store);
}

/* The undo race (#13): an undo of a flag change whose STORE is on its way. */

typedef struct
{
  char      *path;
  GPtrArray *queued;
  guint      reverses;
  gboolean   undone;
} Race;

static gboolean
undo_on_store_cb (TernFakeImapSession *session,
                  const char          *tag,
                  const char          *command,
                  gpointer             user_data)
{
  Race *race = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) reverses = g_ptr_array_new_with_free_func ((GDestroyNotify) tern_action_free);
  TernStore *store;

  if (race->undone || strstr (command, "\\Flagged") == NULL || strstr (command, "+FLAGS") == NULL)
    return FALSE;
  race->undone = TRUE;
  /* The user's Ctrl+Z, from another thread with its own store, while the command is here. */
  store = tern_store_open (race->path, &error);
  g_assert_no_error (error);
  g_assert_true (tern_journal_undo_many (store, race->queued, reverses, &error));
  g_assert_no_error (error);
  race->reverses = reverses->len;
  tern_store_free (store);
  return FALSE; /* the server does the STORE */
}

static void
test_undo_race (gconstpointer data)
{
  guint n = GPOINTER_TO_UINT (data);
  g_autoptr(GError) error = NULL;
  g_autoptr(TernTestServer) real = NULL;
  g_autoptr(TernFakeImap) fake = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *key = NULL;
  g_autofree char *cmd = NULL;
  g_autoptr(TernSync) sync = NULL;
  g_autoptr(TernFolder) inbox = NULL;
  g_autoptr(GArray) ids = g_array_new (FALSE, FALSE, sizeof (gint64));
  Race race = { 0 };
  TernAccount account = { 0 };
  TernAccount *stored;
  TernStore *store;
  gint64 id;

  real = tern_test_server_new (TERN_TEST_SERVER_FULL | TERN_TEST_SERVER_NO_RAWLOG, &error);
  g_assert_no_error (error);
  key = g_build_filename (tern_test_server_get_dir (real), "server.key", NULL);
  fake = tern_fake_imap_new (tern_test_server_get_cert_file (real), key, &error);
  g_assert_no_error (error);
  tern_fake_imap_set_uidvalidity (fake, "INBOX", 7);
  tern_fake_imap_add_messages (fake, "INBOX", 4);

  dir = g_dir_make_tmp ("tern-undo-race-XXXXXX", &error);
  g_assert_no_error (error);
  race.path = g_build_filename (dir, "tern.db", NULL);
  store = tern_store_open (race.path, &error);
  g_assert_no_error (error);
  account.name = (char *) "fake";
  account.email = (char *) "alice@example.org";
  account.host = (char *) "127.0.0.1";
  account.port = tern_fake_imap_get_port (fake);
  account.security = (char *) "tls";
  account.user = (char *) "alice";
  account.ca_file = (char *) tern_test_server_get_ca_file (real);
  g_assert_true (tern_store_add_account (store, &account, &account.id, &error));
  stored = tern_store_get_account (store, "fake", &error);
  g_assert_no_error (error);
  sync = tern_sync_new (store, stored);
  tern_sync_set_password (sync, "secret");
  tern_sync_set_timeout (sync, 10);
  tern_sync_run (sync, NULL, &error);
  g_assert_no_error (error);

  inbox = tern_store_get_folder (store, stored->id, "INBOX", &error);
  g_assert_no_error (error);
  for (guint32 uid = 2; uid < 2 + n; uid++)
    {
      id = tern_store_find_uid (store, inbox->id, uid);
      g_assert_cmpint (id, !=, 0);
      g_array_append_val (ids, id);
    }
  race.queued = g_ptr_array_new_with_free_func ((GDestroyNotify) tern_action_free);
  g_assert_true (tern_journal_set_flags_many (store, ids, "\\Flagged", NULL, race.queued, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (race.queued->len, ==, n);

  tern_fake_imap_set_hook (fake, "UID STORE", undo_on_store_cb, &race);
  g_assert_true (tern_sync_replay (sync, &error));
  g_assert_no_error (error);
  g_assert_true (race.undone);

  /* The undo came after the claim: it was answered by the reverses, which went out too. */
  g_assert_cmpuint (race.reverses, ==, n);
  g_assert_cmpuint (tern_journal_count_queued (store, stored->id, NULL), ==, 0);
  for (guint32 uid = 2; uid < 2 + n; uid++)
    {
      g_autofree char *server_flags = tern_fake_imap_dup_flags (fake, "INBOX", uid);
      g_autoptr(TernMessage) message = NULL;

      g_assert_null (strstr (server_flags, "\\Flagged"));
      message = tern_store_get_message (store, tern_store_find_uid (store, inbox->id, uid), &error);
      g_assert_no_error (error);
      g_assert_null (strstr (message->flags ? message->flags : "", "\\Flagged"));
    }

  tern_fake_imap_set_hook (fake, "UID STORE", NULL, NULL);
  g_clear_pointer (&sync, tern_sync_free);
  g_ptr_array_unref (race.queued);
  tern_account_free (stored);
  tern_store_free (store);
  g_free (race.path);
  cmd = g_strdup_printf ("rm -rf '%s'", dir);
  g_assert_cmpint (system (cmd), ==, 0);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  tern_sync_global_init ();

  for (guint i = 0; i < G_N_ELEMENTS (levels); i++)
    {
      g_autofree char *name = g_strdup_printf ("/replay-batch/round-trips/%s", levels[i].name);

      g_test_add (name, Fixture, GUINT_TO_POINTER (i), fixture_set_up, test_round_trips, fixture_tear_down);
    }
  /* One flag change (the one-action path) and three (a batch). */
  g_test_add_data_func ("/replay-batch/undo-race/one", GUINT_TO_POINTER (1), test_undo_race);
  g_test_add_data_func ("/replay-batch/undo-race/batch", GUINT_TO_POINTER (3), test_undo_race);

  return g_test_run ();
}
