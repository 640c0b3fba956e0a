/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-crash"

#include "config.h"

#include <signal.h>
#include <string.h>
#include <sys/wait.h>

#include "tern-store.h"
#include "tern-test-server.h"

/*
 * kill -9 at random points of a first sync and of a resync, many times over: each time
 * the cache must still open, and a final sync must leave it identical to a clean sync.
 */

#define ITERATIONS 8

typedef struct
{
  TernTestServer *server;
  char           *dir;
  const char     *cli;
} Fixture;

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  f->cli = g_getenv ("TERN_CLI");
  g_assert_nonnull (f->cli);
  f->server = tern_test_server_new (GPOINTER_TO_UINT (data), &error);
  g_assert_no_error (error);
  f->dir = g_dir_make_tmp ("tern-crash-XXXXXX", &error);
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

static char *
data_dir (Fixture    *f,
          const char *name)
{
  return g_build_filename (f->dir, name, NULL);
}

static GPid
spawn_cli (Fixture     *f,
           const char  *dir,
           const char **args)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) env = g_get_environ ();
  GPid pid = 0;

  g_ptr_array_add (argv, (char *) f->cli);
  g_ptr_array_add (argv, (char *) "--data-dir");
  g_ptr_array_add (argv, (char *) dir);
  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (char *) args[i]);
  g_ptr_array_add (argv, NULL);

  env = g_environ_setenv (env, "TERN_SYNC_CHUNK", "40", TRUE);
  g_assert_true (g_spawn_async (NULL, (char **) argv->pdata, env,
                                G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_STDOUT_TO_DEV_NULL,
                                NULL, NULL, &pid, &error));
  g_assert_no_error (error);
  return pid;
}

static int
wait_child (GPid pid)
{
  int status = 0;

  g_assert_cmpint (waitpid (pid, &status, 0), ==, pid);
  g_spawn_close_pid (pid);
  return status;
}

static void
run_cli_ok (Fixture     *f,
            const char  *dir,
            const char **args)
{
  int status = wait_child (spawn_cli (f, dir, args));

  g_assert_true (WIFEXITED (status));
  g_assert_cmpint (WEXITSTATUS (status), ==, 0);
}

static void
add_account (Fixture    *f,
             const char *dir)
{
  g_autofree char *port = g_strdup_printf ("%u", tern_test_server_get_imaps_port (f->server));
  const char *args[] = {
    "account", "add", "test", "--email", "alice@example.org",
    "--host", tern_test_server_get_host (f->server), "--port", port, "--user", "alice",
    "--password-command", "echo secret", "--ca-file", tern_test_server_get_ca_file (f->server),
    NULL
  };

  run_cli_ok (f, dir, args);
}

static void
sync_dir (Fixture    *f,
          const char *dir)
{
  const char *args[] = { "sync", NULL };

  run_cli_ok (f, dir, args);
}

/* Starts a sync and kills it with SIGKILL after a random delay below max_us.
 * Returns TRUE if the kill landed before the sync finished. */
static gboolean
sync_and_kill (Fixture    *f,
               const char *dir,
               gint64      max_us)
{
  const char *args[] = { "sync", NULL };
  GPid pid = spawn_cli (f, dir, args);
  gint64 delay = g_test_rand_int_range (0, (gint32) MAX (max_us, 2));
  int status;

  /* The kill's moment is random on purpose (a crash at any point of the sync): no condition
   * to wait for here; what follows asserts on the cache, not on timing. */
  g_usleep ((gulong) delay);
  kill (pid, SIGKILL);
  status = wait_child (pid);
  if (WIFEXITED (status))
    g_assert_cmpint (WEXITSTATUS (status), ==, 0);
  return WIFSIGNALED (status);
}

/* Everything a sync decides, as text: folders with their state, messages with theirs. */
static char *
dump_cache (const char *dir)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = g_build_filename (dir, "tern.db", NULL);
  g_autoptr(TernStore) store = tern_store_open (path, &error);
  g_autoptr(TernAccount) account = NULL;
  g_autoptr(GPtrArray) folders = NULL;
  GString *out = g_string_new (NULL);

  g_assert_no_error (error);
  account = tern_store_get_account (store, "test", &error);
  g_assert_no_error (error);
  folders = tern_store_list_folders (store, account->id, &error);
  g_assert_no_error (error);

  for (guint i = 0; i < folders->len; i++)
    {
      TernFolder *folder = folders->pdata[i];
      g_autoptr(GPtrArray) messages = tern_store_list_messages (store, folder->id, 0, &error);

      g_assert_no_error (error);
      g_string_append_printf (out, "folder %s use=%s sub=%d uv=%u next=%u hms=%" G_GUINT64_FORMAT
                              " exists=%u fill=%u total=%u unread=%u\n",
                              folder->name, folder->special_use ? folder->special_use : "-",
                              folder->subscribed, folder->uidvalidity, folder->uidnext,
                              folder->highestmodseq, folder->server_exists, folder->fill_low,
                              folder->total, folder->unread);
      for (guint j = 0; j < messages->len; j++)
        {
          TernMessage *m = messages->pdata[j];
          g_autoptr(TernMessage) full = tern_store_get_message (store, m->id, &error);

          g_assert_no_error (error);
          g_string_append_printf (out, "  %u [%s] size=%" G_GUINT64_FORMAT " date=%" G_GINT64_FORMAT
                                  " id=%s subj=%s from=%s refs=%s parts=%u\n",
                                  m->uid, m->flags, m->size, m->internaldate, m->message_id,
                                  m->subject, m->from_addr, m->references ? m->references : "-",
                                  full->parts->len);
        }
    }
  return g_string_free (out, FALSE);
}

static void
assert_same_cache (const char *clean,
                   const char *crashed)
{
  g_autofree char *a = dump_cache (clean);
  g_autofree char *b = dump_cache (crashed);

  if (strcmp (a, b) != 0)
    {
      g_autofree char *pa = g_build_filename (clean, "dump.txt", NULL);
      g_autofree char *pb = g_build_filename (crashed, "dump.txt", NULL);

      g_file_set_contents (pa, a, -1, NULL);
      g_file_set_contents (pb, b, -1, NULL);
      g_error ("the cache after crashes differs from a clean sync: diff %s %s", pa, pb);
    }
}

static void
change_server (Fixture *f,
               guint    round)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TernTestClient) client = tern_test_client_new (f->server, "alice", "secret", &error);

  g_assert_no_error (error);
  for (guint i = 0; i < 30; i++)
    {
      g_autofree char *msg = g_strdup_printf ("From: x@example.org\r\nSubject: round %u #%u\r\n"
                                              "Message-ID: <r%u-%u@example.org>\r\n\r\nbody\r\n",
                                              round, i, round, i);

      tern_test_client_append (client, "INBOX", NULL, NULL, msg, strlen (msg), &error);
      g_assert_no_error (error);
    }
  g_assert_true (tern_test_client_command (client, NULL, &error, "SELECT INBOX"));
  g_assert_true (tern_test_client_command (client, NULL, &error,
                                           "UID STORE %u:%u +FLAGS (\\Flagged $Crash%u)",
                                           10 + round * 20, 30 + round * 20, round));
  g_assert_true (tern_test_client_command (client, NULL, &error,
                                           "UID STORE %u:%u +FLAGS (\\Deleted)",
                                           200 + round * 10, 205 + round * 10));
  g_assert_true (tern_test_client_command (client, NULL, &error, "EXPUNGE"));
  g_assert_no_error (error);
}

static void
test_kill (Fixture       *f,
           gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *clean = data_dir (f, "clean");
  g_autofree char *crashed = data_dir (f, "crashed");
  gint64 start, clean_us;
  guint landed = 0;

  g_assert_true (tern_test_server_seed (f->server, "alice", "INBOX", 1500, &error));
  g_assert_no_error (error);
  g_assert_true (tern_test_server_create_mailbox (f->server, "alice", "Lists", &error));
  g_assert_true (tern_test_server_seed (f->server, "alice", "Lists", 300, &error));
  g_assert_no_error (error);

  /* A first sync against a cold server (Dovecot builds its indexes) is slower than the rest:
   * time the clean one on a warm server, or the random kills mostly come too late. */
  {
    g_autofree char *warm = data_dir (f, "warm-up");

    add_account (f, warm);
    sync_dir (f, warm);
  }
  add_account (f, clean);
  start = g_get_monotonic_time ();
  sync_dir (f, clean);
  clean_us = g_get_monotonic_time () - start;
  g_test_message ("clean first sync: %" G_GINT64_FORMAT " ms", clean_us / 1000);

  /* First syncs, each killed one to three times at random points, then finished; more
   * iterations (up to three times as many) while too few kills have landed mid-sync. */
  for (guint i = 0; i < ITERATIONS || (landed < ITERATIONS / 2 && i < 3 * ITERATIONS); i++)
    {
      g_autofree char *name = g_strdup_printf ("first-%u", i);
      g_autofree char *dir = data_dir (f, name);
      guint kills = (guint) g_test_rand_int_range (1, 4);

      add_account (f, dir);
      for (guint k = 0; k < kills; k++)
        {
          g_autofree char *dump = NULL;

          landed += sync_and_kill (f, dir, clean_us);
          dump = dump_cache (dir); /* it opens after every kill */
        }
      sync_dir (f, dir);
      assert_same_cache (clean, dir);
    }
  g_test_message ("first sync: %u kills landed mid-sync", landed);
  g_assert_cmpuint (landed, >=, ITERATIONS / 2);

  /* Resyncs, with another client changing the folder before each round. */
  add_account (f, crashed);
  sync_dir (f, crashed);
  landed = 0;
  for (guint round = 0; round < ITERATIONS || (landed < ITERATIONS / 2 && round < 3 * ITERATIONS); round++)
    {
      guint kills = (guint) g_test_rand_int_range (1, 4);

      change_server (f, round);
      for (guint k = 0; k < kills; k++)
        landed += sync_and_kill (f, crashed, clean_us / 3);
      sync_dir (f, crashed);
      sync_dir (f, clean);
      assert_same_cache (clean, crashed);
    }
  g_test_message ("resync: %u kills landed mid-sync", landed);
  g_assert_cmpuint (landed, >=, ITERATIONS / 2);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add ("/crash/kill-9/qresync", Fixture, GUINT_TO_POINTER (TERN_TEST_SERVER_FULL),
              fixture_set_up, test_kill, fixture_tear_down);
  g_test_add ("/crash/kill-9/plain", Fixture, GUINT_TO_POINTER (TERN_TEST_SERVER_NO_CONDSTORE),
              fixture_set_up, test_kill, fixture_tear_down);

  return g_test_run ();
}
