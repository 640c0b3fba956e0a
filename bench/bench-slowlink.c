/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "bench-slowlink"

#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "slowlink.h"
#include "tern-journal.h"
#include "tern-store.h"
#include "tern-sync.h"
#include "tern-test-server.h"

/*
 * Tern on a slow link (#12), against the Dovecot fixture (COMPRESS=DEFLATE offered) behind
 * the link emulator: 64 kbit/s and 250 ms each way by default. For each operation it prints
 * round trips, bytes each way and wall time for Tern and for a bare client doing the same
 * work with the fewest commands IMAP allows (pipelined), without and with COMPRESS: the
 * floor. The first sync covers INBOX and the folder later made available offline; the
 * floor asks for the same headers of both. The link is the userspace delaying proxy (slowlink-link.c); a network namespace
 * with tc netem is not used (containers rarely allow it), and the output says so.
 *
 *   bench-slowlink [--messages N] [--offline M] [--kbit K] [--delay MS]
 *
 * The replay of a journal (2,000 flag changes and 300 moves in one folder) is measured too:
 * Tern's cache is synced straight from the server first, only the replay crosses the link.
 */

#define USER     "alice"
#define PASSWORD "secret"

typedef struct
{
  TernTestServer *server;
  SlowLink       *link;
  char           *dir;
  TernStore      *store;
  TernAccount    *account;
  gint64          start;
} Bench;

static void
begin (Bench *b)
{
  slow_link_reset (b->link);
  b->start = g_get_monotonic_time ();
}

static void
report (Bench      *b,
        const char *operation,
        const char *who)
{
  SlowLinkCounters c;

  slow_link_get_counters (b->link, &c);
  g_print ("%-34s %-22s %6u %10.1f %10.1f %9.2f\n", operation, who, c.round_trips,
           c.up / 1024.0, c.down / 1024.0, (g_get_monotonic_time () - b->start) / (double) G_USEC_PER_SEC);
}

static TernSync *
new_sync (Bench *b)
{
  TernSync *sync = tern_sync_new (b->store, b->account);

  tern_sync_set_password (sync, PASSWORD);
  tern_sync_set_timeout (sync, 120);
  return sync;
}

static Bare *
bare (Bench    *b,
      gboolean  compress)
{
  g_autoptr(GError) error = NULL;
  Bare *c = bare_connect (slow_link_get_address (b->link), slow_link_get_port (b->link),
                          tern_test_server_get_ca_file (b->server), NULL, USER, PASSWORD, compress, &error);

  g_assert_no_error (error);
  return c;
}

static void
open_cache (Bench    *b,
            gboolean  compress)
{
  g_autoptr(GError) error = NULL;
  static guint caches;
  g_autofree char *path = g_strdup_printf ("%s/tern-%u.db", b->dir, ++caches);
  TernAccount account = { 0 };
  gint64 id = 0;

  g_clear_pointer (&b->account, tern_account_free);
  g_clear_pointer (&b->store, tern_store_free);
  b->store = tern_store_open (path, &error);
  g_assert_no_error (error);
  account.name = (char *) "bench";
  account.email = (char *) "alice@example.org";
  account.host = (char *) slow_link_get_address (b->link);
  account.port = slow_link_get_port (b->link);
  account.security = (char *) "tls";
  account.user = (char *) USER;
  account.ca_file = (char *) tern_test_server_get_ca_file (b->server);
  g_assert_true (tern_store_add_account (b->store, &account, &id, &error));
  g_assert_no_error (error);
  if (!compress)
    g_assert_true (tern_store_set_account_compress (b->store, id, FALSE, &error));
  b->account = tern_store_get_account_by_id (b->store, id, &error);
  g_assert_no_error (error);
}

static const char *fetch_items =
  "(UID FLAGS INTERNALDATE RFC822.SIZE ENVELOPE BODYSTRUCTURE BODY.PEEK[HEADER.FIELDS (References)] MODSEQ)";

/* A first header sync, an unchanged resync, opening a 20 KB message, making a folder
 * available offline: Tern, Tern without COMPRESS, the floor without and with it. */
static void
run_tern (Bench    *b,
          gboolean  compress,
          guint     messages,
          guint     offline)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TernSync) sync = NULL;
  g_autoptr(TernFolder) folder = NULL;
  g_autoptr(GPtrArray) hits = NULL;
  const char *who = compress ? "tern" : "tern (no COMPRESS)";
  g_autofree char *first = g_strdup_printf ("first header sync (%u msgs)", messages + offline);
  g_autofree char *off = g_strdup_printf ("offline folder (%u msgs)", offline);

  open_cache (b, compress);
  sync = new_sync (b);

  begin (b);
  g_assert_true (tern_sync_run (sync, NULL, &error));
  g_assert_no_error (error);
  report (b, first, who);

  begin (b);
  g_assert_true (tern_sync_run (sync, NULL, &error));
  report (b, "unchanged resync", who);

  hits = tern_store_search (b->store, b->account->id, "twentykilobytes", 0, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (hits->len, ==, 1);
  begin (b);
  g_assert_true (tern_sync_fetch_text (sync, ((TernMessage *) hits->pdata[0])->id, &error));
  g_assert_no_error (error);
  report (b, "open a 20 KB message (connected)", who);

  /* The account's recent-days prefetch (INBOX's newest bodies, under its default policy) is
   * set to none: the row is the folder made offline, the work the floor does. */
  g_assert_true (tern_store_set_offline_policy (b->store, b->account->id, 0, 0, -1, -1, -1, &error));

  folder = tern_store_get_folder (b->store, b->account->id, "Offline", &error);
  g_assert_no_error (error);
  g_assert_true (tern_store_set_offline_policy (b->store, b->account->id, folder->id, -1, -1, 1, -1, &error));
  begin (b);
  g_assert_true (tern_sync_prefetch (sync, NULL, NULL, &error));
  g_assert_no_error (error);
  report (b, off, who);
}

static void
run_bare (Bench    *b,
          gboolean  compress,
          guint     messages,
          guint     offline)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(Bare) c = NULL;
  g_autofree char *fetch = g_strdup_printf ("UID FETCH 1:* %s", fetch_items);
  g_autofree char *fetch_offline = g_strdup_printf ("UID FETCH 1:* %s", fetch_items);
  g_autofree char *first = g_strdup_printf ("first header sync (%u msgs)", messages + offline);
  g_autofree char *off = g_strdup_printf ("offline folder (%u msgs)", offline);
  const char *who = compress ? "floor (COMPRESS)" : "floor";
  g_autofree char *select = NULL;
  g_autofree char *response = NULL;
  g_autofree char *uid = NULL;
  const char *p;

  begin (b);
  c = bare (b, compress);
  g_assert_true (bare_pipeline (c, &response, &error, "LIST \"\" \"*\" RETURN (STATUS (MESSAGES UIDNEXT UIDVALIDITY HIGHESTMODSEQ))",
                                "SELECT Offline (CONDSTORE)", fetch_offline, "SELECT INBOX (CONDSTORE)", fetch, NULL));
  g_assert_no_error (error);
  report (b, first, who);

  /* Unchanged: the folder list with every STATUS, and INBOX's QRESYNC SELECT. */
  p = strstr (response, "UIDVALIDITY ");
  select = g_strdup_printf ("SELECT INBOX (QRESYNC (%u 1))", p != NULL ? (guint) g_ascii_strtoull (p + 12, NULL, 10) : 1);
  g_clear_pointer (&response, g_free);
  begin (b);
  g_assert_true (bare_pipeline (c, NULL, &error, "LIST \"\" \"*\" RETURN (STATUS (MESSAGES UIDNEXT UIDVALIDITY HIGHESTMODSEQ))",
                                select, NULL));
  g_assert_no_error (error);
  report (b, "unchanged resync", who);

  g_assert_true (bare_pipeline (c, &response, &error, "UID SEARCH SUBJECT twentykilobytes", NULL));
  p = strstr (response, "SEARCH ");
  uid = g_strndup (p + 7, strcspn (p + 7, " \r\n"));
  g_clear_pointer (&response, g_free);
  {
    g_autofree char *open = g_strdup_printf ("UID FETCH %s (BODY.PEEK[1] BODY.PEEK[2.MIME])", uid);

    begin (b);
    g_assert_true (bare_pipeline (c, NULL, &error, open, NULL));
    g_assert_no_error (error);
    report (b, "open a 20 KB message (connected)", who);
  }

  begin (b);
  g_assert_true (bare_pipeline (c, NULL, &error, "SELECT Offline", "UID FETCH 1:* (BODY.PEEK[])", NULL));
  g_assert_no_error (error);
  report (b, off, who);
}

/* Another client's APPEND until the waiting client has the message. */
typedef struct
{
  TernSync *sync;
  int       result;
} Waiter;

static gpointer
wait_thread (gpointer data)
{
  Waiter *w = data;

  w->result = tern_sync_wait_for_changes (w->sync, 120000, NULL, NULL);
  return NULL;
}

static void
run_new_mail (Bench *b)
{
  g_autoptr(GError) error = NULL;
  const char *mail = "From: bob@example.org\r\nSubject: fresh\r\nMessage-ID: <fresh@bench>\r\n\r\nnew\r\n";

  {
    g_autoptr(TernSync) sync = NULL;
    Waiter w = { 0 };
    GThread *thread;

    open_cache (b, TRUE);
    sync = new_sync (b);
    g_assert_true (tern_sync_run (sync, NULL, &error));
    /* INBOX selected for IDLE first. */
    g_assert_cmpint (tern_sync_wait_for_changes (sync, 10, NULL, &error), ==, 0);
    w.sync = sync;
    thread = g_thread_new ("waiter", wait_thread, &w);
    /* A benchmark may sleep: long enough for IDLE to be going over the slow link. */
    g_usleep (3 * G_USEC_PER_SEC);
    begin (b);
    tern_test_server_append_message (b->server, USER, "INBOX", mail);
    g_thread_join (thread);
    g_assert_cmpint (w.result, ==, 0);
    report (b, "new mail until shown (IDLE)", "tern");
  }
  {
    g_autoptr(Bare) c = bare (b, TRUE);
    g_autofree char *line = NULL;
    g_autofree char *fetch = NULL;

    g_assert_true (bare_pipeline (c, NULL, &error, "SELECT INBOX (CONDSTORE)", NULL));
    g_assert_true (bare_idle (c, &error));
    begin (b);
    tern_test_server_append_message (b->server, USER, "INBOX", mail);
    g_assert_true (bare_wait_for (c, "EXISTS", &line, &error));
    fetch = g_strdup_printf ("FETCH %u %s", (guint) g_ascii_strtoull (line + 2, NULL, 10), fetch_items);
    g_assert_true (bare_done_pipeline (c, NULL, &error, fetch, NULL));
    g_assert_no_error (error);
    report (b, "new mail until shown (IDLE)", "floor (COMPRESS)");
  }
}

#define REPLAY_FLAGS 2000
#define REPLAY_MOVES 300

/* Replaying a morning offline: 2,000 messages flagged and 300 moved to Archive (in one
 * folder). Tern's cache is synced straight from the server (not over the link: only the
 * replay is measured), then the queued journal goes over the link; the floor does the same
 * to a twin folder in one pipeline (UID STORE of the set, UID MOVE of the set). */
static void
run_replay (Bench    *b,
            gboolean  compress)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TernFolder) folder = NULL;
  g_autoptr(TernFolder) archive = NULL;
  g_autoptr(GArray) uids = NULL;
  g_autoptr(GArray) flagged = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr(GArray) moved = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr(GPtrArray) queued = g_ptr_array_new_with_free_func ((GDestroyNotify) tern_action_free);
  g_autofree char *what = g_strdup_printf ("replay %u flags + %u moves", REPLAY_FLAGS, REPLAY_MOVES);
  TernSyncStats stats;

  open_cache (b, compress);
  {
    TernAccount direct = *b->account;
    g_autoptr(TernSync) sync = NULL;

    direct.host = (char *) tern_test_server_get_host (b->server);
    direct.port = tern_test_server_get_imaps_port (b->server);
    g_assert_true (tern_store_update_account (b->store, &direct, &error));
    g_assert_no_error (error);
    sync = new_sync (b);
    g_assert_true (tern_sync_run (sync, NULL, &error));
    g_assert_no_error (error);
    g_assert_true (tern_store_update_account (b->store, b->account, &error));
    g_assert_no_error (error);
  }

  folder = tern_store_get_folder (b->store, b->account->id, "Replay", &error);
  g_assert_no_error (error);
  archive = tern_store_get_folder (b->store, b->account->id, "Archive", &error);
  g_assert_no_error (error);
  uids = tern_store_list_uids (b->store, folder->id, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (uids->len, ==, REPLAY_FLAGS + REPLAY_MOVES);
  for (guint i = 0; i < uids->len; i++)
    {
      gint64 id = tern_store_find_uid (b->store, folder->id, g_array_index (uids, guint32, i));

      g_array_append_val (i < REPLAY_FLAGS ? flagged : moved, id);
    }
  g_assert_true (tern_journal_set_flags_many (b->store, flagged, "$Done", NULL, queued, &error));
  g_assert_true (tern_journal_move_many (b->store, moved, archive->id, queued, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (queued->len, ==, REPLAY_FLAGS + REPLAY_MOVES);

  {
    g_autoptr(TernSync) sync = new_sync (b);

    begin (b);
    g_assert_true (tern_sync_replay (sync, &error));
    g_assert_no_error (error);
    report (b, what, compress ? "tern" : "tern (no COMPRESS)");
    tern_sync_get_stats (sync, &stats);
    g_assert_cmpuint (stats.actions_replayed, ==, REPLAY_FLAGS + REPLAY_MOVES);
  }
}

/* The replay's folders, made after the other operations (whose first syncs they would
 * otherwise join). */
static void
seed_replay (Bench *b)
{
  const char *names[] = { "Replay", "ReplayFloor", "ReplayFloorZ" };
  g_autoptr(GError) error = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_assert_true (tern_test_server_create_mailbox (b->server, USER, names[i], &error));
      g_assert_true (tern_test_server_seed (b->server, USER, names[i], REPLAY_FLAGS + REPLAY_MOVES, &error));
      g_assert_no_error (error);
    }
}

static void
run_replay_bare (Bench    *b,
                 gboolean  compress)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(Bare) c = NULL;
  g_autofree char *what = g_strdup_printf ("replay %u flags + %u moves", REPLAY_FLAGS, REPLAY_MOVES);
  g_autofree char *store = g_strdup_printf ("UID STORE 1:%u +FLAGS.SILENT ($Done)", REPLAY_FLAGS);
  g_autofree char *move = g_strdup_printf ("UID MOVE %u:%u Archive", REPLAY_FLAGS + 1, REPLAY_FLAGS + REPLAY_MOVES);
  const char *twin = compress ? "ReplayFloorZ" : "ReplayFloor";
  g_autofree char *select = g_strdup_printf ("SELECT %s", twin);

  begin (b);
  c = bare (b, compress);
  g_assert_true (bare_pipeline (c, NULL, &error, select, store, move, NULL));
  g_assert_no_error (error);
  report (b, what, compress ? "floor (COMPRESS)" : "floor");
}

static void
seed (Bench *b,
      guint  messages,
      guint  offline)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GString) big = g_string_new (NULL);

  g_assert_true (tern_test_server_seed (b->server, USER, "INBOX", messages, &error));
  g_assert_no_error (error);
  g_assert_true (tern_test_server_create_mailbox (b->server, USER, "Offline", &error));
  g_assert_true (tern_test_server_seed (b->server, USER, "Offline", offline, &error));
  g_assert_no_error (error);

  g_string_append (big, "From: Bob <bob@example.org>\r\nTo: alice@example.org\r\n"
                        "Subject: twentykilobytes\r\nMessage-ID: <twenty@bench>\r\nMIME-Version: 1.0\r\n"
                        "Content-Type: multipart/mixed; boundary=\"b\"\r\n\r\n--b\r\n"
                        "Content-Type: text/plain; charset=utf-8\r\n\r\n");
  for (guint i = 0; big->len < 20 * 1024; i++)
    g_string_append_printf (big, "Paragraph %u of a long message, the kind one reads on a train.\r\n", i);
  g_string_append (big, "--b\r\nContent-Type: application/pdf; name=\"a.pdf\"\r\n"
                        "Content-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQK\r\n--b--\r\n");
  tern_test_server_append_message (b->server, USER, "INBOX", big->str);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GOptionContext) context = g_option_context_new ("- Tern on a slow link");
  int messages = 1000, offline = 1700, kbit = 64, delay = 250;
  gboolean replay_only = FALSE;
  gboolean compressed_only = FALSE;
  GOptionEntry entries[] = {
    { "messages", 0, 0, G_OPTION_ARG_INT, &messages, "messages in INBOX", "N" },
    { "offline", 0, 0, G_OPTION_ARG_INT, &offline, "messages in the folder made available offline", "M" },
    { "kbit", 0, 0, G_OPTION_ARG_INT, &kbit, "link speed each way, kbit/s", "K" },
    { "delay", 0, 0, G_OPTION_ARG_INT, &delay, "one-way delay, ms", "MS" },
    { "replay-only", 0, 0, G_OPTION_ARG_NONE, &replay_only, "only the replay rows", NULL },
    { "compressed-only", 0, 0, G_OPTION_ARG_NONE, &compressed_only,
      "no rows without COMPRESS (Tern's and the floor's)", NULL },
    { NULL }
  };
  Bench b = { 0 };
  g_autofree char *cmd = NULL;

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("%s\n", error->message);
      return 2;
    }

  tern_sync_global_init ();
  b.server = tern_test_server_new (TERN_TEST_SERVER_COMPRESS, &error);
  g_assert_no_error (error);
  seed (&b, (guint) messages, (guint) offline);
  b.link = slow_link_new ("127.0.0.1", tern_test_server_get_host (b.server),
                          tern_test_server_get_imaps_port (b.server), (guint) kbit * 1000, (guint) delay, &error);
  g_assert_no_error (error);
  b.dir = g_dir_make_tmp ("bench-slowlink-XXXXXX", &error);
  g_assert_no_error (error);

  g_print ("Link: userspace delaying proxy on loopback (no network namespace), %d kbit/s and %d ms "
           "each way;\nDovecot with COMPRESS=DEFLATE; implicit TLS. KB are payload bytes on the link.\n\n",
           kbit, delay);
  g_print ("%-34s %-22s %6s %10s %10s %9s\n", "operation", "client", "trips", "KB up", "KB down", "seconds");

  if (!replay_only)
    {
      run_tern (&b, TRUE, (guint) messages + 1, (guint) offline);
      if (!compressed_only)
        {
          run_tern (&b, FALSE, (guint) messages + 1, (guint) offline);
          run_bare (&b, FALSE, (guint) messages + 1, (guint) offline);
        }
      run_bare (&b, TRUE, (guint) messages + 1, (guint) offline);
      run_new_mail (&b);
    }
  seed_replay (&b);
  run_replay (&b, TRUE);
  if (!compressed_only)
    run_replay_bare (&b, FALSE);
  run_replay_bare (&b, TRUE);

  g_clear_pointer (&b.account, tern_account_free);
  g_clear_pointer (&b.store, tern_store_free);
  slow_link_free (b.link);
  tern_test_server_free (b.server);
  cmd = g_strdup_printf ("rm -rf '%s'", b.dir);
  if (system (cmd) != 0)
    g_printerr ("could not remove %s\n", b.dir);
  g_free (b.dir);
  return 0;
}
