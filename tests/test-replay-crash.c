/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-replay-crash"

#include "config.h"

#include <signal.h>
#include <string.h>
#include <sys/wait.h>

#include "convergence-scenario.h"
#include "tern-journal.h"
#include "tern-sync.h"
#include "tern-test-time.h"

/*
 * kill -9 at random points of a replay. Per iteration: two fresh folders with messages are
 * synced into a fresh cache; a random batch of offline actions goes into the journal
 * (flags and keywords, move, copy, delete to Trash, delete permanently, append, empty);
 * `tern-cli sync` is started and killed with SIGKILL one to three times, each kill timed by
 * the journal draining (so it lands while actions are being replayed, often between sending a
 * command and recording its outcome); then a last sync runs to the end. Every action must
 * then have been applied exactly once: per folder the server holds exactly the messages the
 * oracle of convergence-scenario.c predicts (Message-ID and flags, as multisets: a copy has
 * its original's Message-ID), the cache shows exactly the server's messages, and the journal
 * is empty.
 *
 * The first iteration of each level is a clean run that measures how long starting up and
 * replaying one action take; the kills are placed with those numbers.
 *
 *   TERN_REPLAY_CRASH_ITERATIONS=N  iterations per level (default 18)
 *
 * Each sync run replays in batches of a random size (TERN_REPLAY_BATCH: 1, 2, 3 or as many as
 * commute), so kills land inside batches and resume with other boundaries.
 *
 * /replay-crash/resume/... rebuild, without a kill, the state a kill leaves at one point of
 * one action, for divergences the random kills found.
 */

#define DEFAULT_ITERATIONS 18
#define MIN_LANDED 17          /* kills that must land inside the replay, per level */
#define POLL_US 200

typedef struct
{
  TernTestServer *server;
  TernTestClient *client;
  char           *dir;
  const char     *cli;
  guint           level;
  /* Measured by the clean run. */
  gint64          startup_us;
  gint64          action_us;
  /* What the kills hit. */
  guint           kills;
  guint           landed;      /* with actions left and at least one done or sent */
  guint           in_flight;   /* an action's command sent, its outcome not stored */
  guint           before;      /* before the first action went out */
  guint           after;       /* after the replay */
  guint           finished;    /* the sync ended before the kill */
} Fixture;

typedef struct
{
  const char          *name;
  TernTestServerFlags  flags;
} Level;

static const Level levels[] = {
  { "full", TERN_TEST_SERVER_FULL },
  { "no-move", TERN_TEST_SERVER_NO_MOVE },
  { "no-uidplus", TERN_TEST_SERVER_NO_UIDPLUS },
};

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  f->level = GPOINTER_TO_UINT (data);
  f->cli = g_getenv ("TERN_CLI");
  g_assert_nonnull (f->cli);
  f->server = tern_test_server_new (levels[f->level].flags, &error);
  g_assert_no_error (error);
  f->client = tern_test_client_new (f->server, "alice", "secret", &error);
  g_assert_no_error (error);
  f->dir = g_dir_make_tmp ("tern-replay-crash-XXXXXX", &error);
  g_assert_no_error (error);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  g_autofree char *cmd = g_strdup_printf ("rm -rf '%s'", f->dir);

  tern_test_client_free (f->client);
  tern_test_server_free (f->server);
  g_assert_cmpint (system (cmd), ==, 0);
  g_free (f->dir);
}

/* TERN_REPLAY_BATCH: at most 1, 2 or 3 actions a batch, or as many as commute. */
static const char *const batch_limits[] = { "1", "2", "3", "" };

static GPid
spawn_sync (Fixture    *f,
            const char *dir,
            gboolean    quiet)
{
  const char *argv[] = { f->cli, "--data-dir", dir, "sync", NULL };
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) env = g_get_environ ();
  GPid pid = 0;

  /* Small batches: many commit points in the folder sync after the replay too. */
  env = g_environ_setenv (env, "TERN_SYNC_CHUNK", "2", TRUE);
  /* Random replay batch boundaries (#12), another for each run: a kill mid-batch is resumed
   * with other boundaries. */
  env = g_environ_setenv (env, "TERN_REPLAY_BATCH", batch_limits[g_test_rand_int_range (0, G_N_ELEMENTS (batch_limits))],
                          TRUE);
  g_assert_true (g_spawn_async (NULL, (char **) argv, env,
                                G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_STDOUT_TO_DEV_NULL |
                                (quiet ? G_SPAWN_STDERR_TO_DEV_NULL : 0),
                                NULL, NULL, &pid, &error));
  g_assert_no_error (error);
  return pid;
}

/* waitpid without blocking: TRUE once the child is gone, with its status. */
static gboolean
child_exited (GPid  pid,
              int  *status)
{
  int r = waitpid (pid, status, WNOHANG);

  g_assert_cmpint (r, >=, 0);
  if (r == pid)
    {
      g_spawn_close_pid (pid);
      return TRUE;
    }
  return FALSE;
}

static int
wait_child (GPid pid)
{
  int status = 0;

  g_assert_cmpint (waitpid (pid, &status, 0), ==, pid);
  g_spawn_close_pid (pid);
  return status;
}

static guint
count_sent (TernStore *store,
            gint64     account_id)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) actions = tern_journal_list (store, account_id, &error);
  guint sent = 0;

  g_assert_no_error (error);
  for (guint i = 0; i < actions->len; i++)
    sent += ((TernAction *) actions->pdata[i])->sent;
  return sent;
}

/* The clean run: when the first action is done, and how long each takes. */
static void
measure (Fixture    *f,
         const char *dir,
         TernStore  *poll,
         gint64      account_id)
{
  guint total = tern_journal_count_queued (poll, account_id, NULL);
  gint64 start = g_get_monotonic_time ();
  gint64 first = 0, last = 0;
  GPid pid = spawn_sync (f, dir, FALSE);
  int status = 0;

  for (;;)
    {
      guint left = tern_journal_count_queued (poll, account_id, NULL);
      gint64 now = g_get_monotonic_time ();

      if (left < total && first == 0)
        first = now;
      if (left == 0 && last == 0)
        last = now;
      if (child_exited (pid, &status))
        break;
      g_usleep (POLL_US);
    }
  g_assert_true (WIFEXITED (status));
  g_assert_cmpint (WEXITSTATUS (status), ==, 0);
  g_assert_cmpuint (total, >, 1);
  /* With replay batches of any size the whole journal can go in one commit, and the child
   * can commit and exit between a poll's count and its look at the child: the count after
   * the exit still says whether the replay ran. */
  if (first == 0 && tern_journal_count_queued (poll, account_id, NULL) < total)
    first = last = g_get_monotonic_time ();
  g_assert_cmpint (first, >, 0);
  f->action_us = MAX ((last - first) / (total - 1), 500);
  f->startup_us = MAX (first - start - f->action_us, 1000);
  g_test_message ("%s: clean replay of %u actions: startup %" G_GINT64_FORMAT " ms, %"
                  G_GINT64_FORMAT " us per action, whole sync %" G_GINT64_FORMAT " ms",
                  levels[f->level].name, total, f->startup_us / 1000, f->action_us,
                  (g_get_monotonic_time () - start) / 1000);
}

/* Starts a sync and kills it: either after a random delay, or once the journal is down to a
 * random number of actions, plus a random part of one action's time. */
static void
sync_and_kill (Fixture    *f,
               const char *dir,
               TernStore  *poll,
               gint64      account_id,
               GRand      *rand)
{
  guint queued = tern_journal_count_queued (poll, account_id, NULL);
  /* By time: from the end of the start-up (connecting) to the end of the replay, the only
   * way to hit the first action. By progress: once the journal is down to target actions
   * (1 .. queued - 1), plus up to one and a half actions' time. */
  gboolean by_time = queued < 2 || g_rand_int_range (rand, 0, 5) == 0;
  guint target = queued >= 2 ? (guint) g_rand_int_range (rand, 1, (gint32) queued) : 0;
  gint64 window = f->startup_us / 8 + f->action_us * MAX (queued, 1);
  gint64 start = g_get_monotonic_time ();
  gint64 deadline = start + f->startup_us * 7 / 8 + g_rand_int_range (rand, 0, (gint32) window);
  GPid pid = spawn_sync (f, dir, TRUE);
  gboolean exited = FALSE;
  gint64 first_done = 0;
  guint left = queued, sent;
  int status = 0;

  for (;;)
    {
      gint64 now = g_get_monotonic_time ();

      if ((exited = child_exited (pid, &status)))
        break;
      if (by_time && now >= deadline)
        break;
      if (!by_time && (left = tern_journal_count_queued (poll, account_id, NULL)) < queued &&
          first_done == 0)
        {
          /* The clean run's start-up may have been a cold one: keep the shortest seen. */
          first_done = now;
          f->startup_us = MIN (f->startup_us, MAX (now - start - f->action_us, 1000));
        }
      if (!by_time && left <= target)
        {
          g_usleep ((gulong) g_rand_int_range (rand, 0, (gint32) (f->action_us * 3 / 2 + 1)));
          break;
        }
      /* A runaway sync is a hang: give up after 20 s (80 s under ASan). */
      g_assert_cmpint (now - start, <, TERN_TEST_SECONDS (20) * G_USEC_PER_SEC);
      g_usleep (POLL_US);
    }
  if (!exited)
    {
      kill (pid, SIGKILL);
      status = wait_child (pid);
      exited = WIFEXITED (status);
    }
  if (exited)
    {
      g_assert_true (WIFEXITED (status));
      g_assert_cmpint (WEXITSTATUS (status), ==, 0);
      f->finished++;
      return;
    }

  f->kills++;
  left = tern_journal_count_queued (poll, account_id, NULL);
  sent = count_sent (poll, account_id);
  if (sent > 0)
    f->in_flight++;
  if (left == 0)
    f->after++;
  else if (left == queued && sent == 0)
    f->before++;
  else
    f->landed++;
}

static TernStore *
open_store (const char *dir)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = g_build_filename (dir, "tern.db", NULL);
  TernStore *store = tern_store_open (path, &error);

  g_assert_no_error (error);
  return store;
}

/* Returns FALSE (and says why) if the iteration diverged. */
static gboolean
iteration (Fixture  *f,
           guint     number,
           guint32   seed,
           gboolean  clean)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *tag = g_strdup_printf ("rc%u", number);
  g_autofree char *dir = g_build_filename (f->dir, tag, NULL);
  g_autofree char *rm = g_strdup_printf ("rm -rf '%s'", dir);
  g_autoptr(GString) report = g_string_new (NULL);
  g_autoptr(Scenario) scenario = NULL;
  g_autoptr(TernStore) store = NULL;
  g_autoptr(TernStore) poll = NULL;
  g_autoptr(TernAccount) account = NULL;
  g_autoptr(GRand) rand = g_rand_new_with_seed (seed ^ 0x5bd1e995u);
  ScenarioSize size = { 2, 10, 12, 0, TRUE, TRUE };
  gint64 account_id;
  guint kills = (guint) g_rand_int_range (rand, 1, 4);

  size.n_tern = (guint) g_rand_int_range (rand, 8, 15);
  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  scenario = scenario_new (f->client, tag, seed, &size, &error);
  g_assert_no_error (error);

  /* The account as `tern-cli account add` makes it, and a first sync. */
  store = open_store (dir);
  account = scenario_add_account (f->server, store, "echo secret", &error);
  g_assert_no_error (error);
  account_id = account->id;
  {
    g_autoptr(TernSync) sync = tern_sync_new (store, account);

    tern_sync_set_password (sync, "secret");
    tern_sync_run (sync, NULL, &error);
    g_assert_no_error (error);
  }
  if (scenario_attach (scenario, store, account_id, report, &error) &&
      scenario_tern_actions (scenario, store, size.n_tern, report, &error))
    scenario_check_local (scenario, store, report, &error);
  g_assert_no_error (error);
  g_clear_pointer (&store, tern_store_free);

  /* The replay, killed, then finished. */
  poll = open_store (dir);
  if (clean)
    measure (f, dir, poll, account_id);
  else
    {
      for (guint k = 0; k < kills && report->len == 0; k++)
        sync_and_kill (f, dir, poll, account_id, rand);
      if (report->len == 0)
        {
          int status = wait_child (spawn_sync (f, dir, FALSE));

          g_assert_true (WIFEXITED (status));
          if (WEXITSTATUS (status) != 0)
            g_string_append_printf (report, "the last sync exited with %d\n", WEXITSTATUS (status));
        }
    }
  g_clear_pointer (&poll, tern_store_free);

  store = open_store (dir);
  scenario_replay_model (scenario);
  if (scenario_count_expected_failures (scenario) != 0)
    g_string_append (report, "the oracle expects failures with nobody else changing the server\n");
  if (report->len == 0)
    scenario_check (scenario, store, report, &error);
  g_assert_no_error (error);
  g_clear_pointer (&store, tern_store_free);

  if (report->len > 0)
    g_test_message ("DIVERGENCE at %s iteration %u (seed %u, %u kills):\n%s--- what happened:\n%s",
                    levels[f->level].name, number, seed, clean ? 0 : kills, report->str,
                    scenario_get_log (scenario));
  scenario_cleanup (scenario, &error);
  g_assert_no_error (error);
  g_assert_cmpint (system (rm), ==, 0);
  return report->len == 0;
}

/* A few more iterations if too few kills landed inside the replay (a slow machine). */
static gboolean
want_more (Fixture *f,
           guint    next,
           guint    iterations,
           gint64   start)
{
  /* How many kills land inside the replay depends on the machine's load: keep going (up to
   * three times the iterations, and while the level has run less than 90 s, scaled under
   * sanitizers like the suite's time limit, so that a machine too busy fails on the count
   * below, not on that limit) until enough have. */
  return iterations >= DEFAULT_ITERATIONS && f->landed < MIN_LANDED && next <= 3 * iterations &&
         g_get_monotonic_time () - start < TERN_TEST_SECONDS (90) * G_USEC_PER_SEC;
}

static void
test_kill (Fixture       *f,
           gconstpointer  data)
{
  const char *env = g_getenv ("TERN_REPLAY_CRASH_ITERATIONS");
  guint iterations = env != NULL ? (guint) g_ascii_strtoull (env, NULL, 10) : DEFAULT_ITERATIONS;
  g_autoptr(GString) diverged = g_string_new (NULL);
  gint64 start = g_get_monotonic_time ();
  guint ran = 0;

  /* GTest gives every case the same random sequence: mix the level in. */
  if (!iteration (f, 0, (guint32) g_test_rand_int () + f->level * 1000003u, TRUE))
    g_string_append_printf (diverged, " 0 (clean)");
  for (guint i = 1; i <= iterations || want_more (f, i, iterations, start); i++)
    {
      guint32 seed = (guint32) g_test_rand_int () + f->level * 1000003u;

      if (!iteration (f, i, seed, FALSE))
        g_string_append_printf (diverged, " %u (seed %u)", i, seed);
      ran = i;
    }

  g_test_message ("%s: %u iterations in %.1f s; %u kills: %u inside the replay (%u with a command "
                  "in flight), %u before it, %u after it; %u syncs ended before their kill",
                  levels[f->level].name, ran, (g_get_monotonic_time () - start) / 1e6,
                  f->kills, f->landed, f->in_flight, f->before, f->after, f->finished);
  if (diverged->len > 0)
    g_test_fail_printf ("%s: not exactly once after kill -9 in iteration(s)%s",
                        levels[f->level].name, diverged->str);
  if (iterations >= DEFAULT_ITERATIONS)
    g_assert_cmpuint (f->landed, >=, MIN_LANDED);
}

/*
 * Without MOVE a move is UID COPY, then \Deleted and UID EXPUNGE in the source. Killed after
 * the COPY, before the expunge: the action is marked sent, the message is in both folders.
 * The next replay finds the message still in the source and copies it again: the target ends
 * with two. Here the killed attempt is rebuilt by hand: the action marked sent, with the
 * target's Message-ID hits before it as its note (none; the journal notes them so for copies
 * and appends), and the COPY it had sent made by another connection.
 */
static void
test_resume_copy_then_expunge (Fixture       *f,
                               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = g_build_filename (f->dir, "tern.db", NULL);
  g_autoptr(TernStore) store = tern_store_open (path, &error);
  g_autoptr(TernAccount) account = NULL;
  g_autoptr(TernSync) sync = NULL;
  g_autoptr(TernFolder) x = NULL;
  g_autoptr(TernFolder) y = NULL;
  g_autoptr(GPtrArray) list = NULL;
  g_autoptr(TernAction) action = NULL;
  g_autofree char *in_x = NULL;
  g_autofree char *in_y = NULL;
  const char *text = "From: a@example.org\r\nSubject: once\r\n"
                     "Message-ID: <once@example.org>\r\n\r\nHi.\r\n";

  g_assert_no_error (error);
  g_assert_true (tern_test_client_command (f->client, NULL, &error, "CREATE X"));
  g_assert_true (tern_test_client_command (f->client, NULL, &error, "CREATE Y"));
  tern_test_client_append (f->client, "X", NULL, NULL, text, strlen (text), &error);
  g_assert_no_error (error);
  account = scenario_add_account (f->server, store, NULL, &error);
  g_assert_no_error (error);
  sync = tern_sync_new (store, account);
  tern_sync_set_password (sync, "secret");
  tern_sync_run (sync, NULL, &error);
  g_assert_no_error (error);
  tern_sync_disconnect (sync);

  x = tern_store_get_folder (store, account->id, "X", &error);
  y = tern_store_get_folder (store, account->id, "Y", &error);
  g_assert_no_error (error);
  list = tern_store_list_messages (store, x->id, 0, &error);
  g_assert_cmpuint (list->len, ==, 1);
  g_assert_true (tern_journal_move (store, ((TernMessage *) list->pdata[0])->id, y->id, &error));
  g_assert_no_error (error);

  /* The attempt that was killed: marked sent, the COPY went out. */
  action = tern_journal_next (store, account->id, 0, &error);
  g_assert_nonnull (action);
  g_assert_true (tern_journal_mark_sent (store, action->id, "", &error));
  g_assert_true (tern_test_client_command (f->client, NULL, &error, "SELECT X"));
  g_assert_true (tern_test_client_command (f->client, NULL, &error, "UID COPY 1 Y"));
  g_assert_true (tern_test_client_command (f->client, NULL, &error, "UNSELECT"));
  g_assert_no_error (error);

  tern_sync_run (sync, NULL, &error);
  g_assert_no_error (error);
  in_x = scenario_dup_server_folder (f->client, "X", &error);
  in_y = scenario_dup_server_folder (f->client, "Y", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (in_x, ==, "");
  g_assert_cmpstr (in_y, ==, "<once@example.org> []");
  g_assert_cmpuint (tern_journal_count_queued (store, account->id, NULL), ==, 0);
}

int
main (int    argc,
      char **argv)
{
  char **args = g_newa (char *, argc + 2);

  /* Keep going after a failed case (-k): the log then lists every divergence of the run. */
  for (int i = 0; i < argc; i++)
    args[i] = argv[i];
  args[argc++] = (char *) "--keep-going";
  args[argc] = NULL;
  argv = args;
  g_test_init (&argc, &argv, NULL);
  tern_sync_global_init ();

  for (guint i = 0; i < G_N_ELEMENTS (levels); i++)
    {
      g_autofree char *path = g_strdup_printf ("/replay-crash/kill-9/%s", levels[i].name);

      g_test_add (path, Fixture, GUINT_TO_POINTER (i), fixture_set_up, test_kill,
                  fixture_tear_down);
    }
  /* levels[1]: no MOVE. */
  g_test_add ("/replay-crash/resume/copy-then-expunge", Fixture, GUINT_TO_POINTER (1),
              fixture_set_up,
              test_resume_copy_then_expunge, fixture_tear_down);
  return g_test_run ();
}
