/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-convergence"

#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "convergence-scenario.h"
#include "tern-journal.h"
#include "tern-mime.h"
#include "tern-sync.h"

/*
 * Randomized convergence: per seed, a small mailbox is synced, Tern goes offline and acts
 * through the journal while another client changes the same folders, then Tern syncs. The
 * server, the cache and the journal must match the oracle in convergence-scenario.c.
 *
 * One test case per capability level, one Dovecot each; seed i of level L is
 * (base + i) * SCENARIO_N_LEVELS + L, so a seed names its level too. base comes from
 * g_test_rand_int() (pass --seed to GTest to repeat a run).
 *
 *   TERN_CONVERGENCE_SEEDS=N   seeds per level (default 34: 204 in all)
 *   TERN_CONVERGENCE_SEED=S    run seed S only (at its level); so does
 *                              `bench-soak --start S --seeds 1 --verbose`
 *
 * bench-soak runs the same scenario for 10,000 seeds.
 *
 * /convergence/case/... are small hand-made cases, each the smallest form of a divergence
 * the random runs found.
 */

#define DEFAULT_SEEDS_PER_LEVEL 34

static guint32 seed_base;
static guint seeds_per_level = DEFAULT_SEEDS_PER_LEVEL;
static gboolean one_seed;
static guint32 only_seed;

static void
test_level (gconstpointer data)
{
  guint level = GPOINTER_TO_UINT (data);
  g_autoptr(GError) error = NULL;
  g_autoptr(ConvergenceContext) context = NULL;
  g_autoptr(GString) diverged = g_string_new (NULL);
  guint n = one_seed ? 1 : seeds_per_level;
  guint runs = 0;
  gint64 start;

  if (one_seed && only_seed % SCENARIO_N_LEVELS != level)
    {
      g_test_skip ("TERN_CONVERGENCE_SEED is at another level");
      return;
    }

  context = convergence_context_new (level, &error);
  g_assert_no_error (error);
  start = g_get_monotonic_time ();
  if (!one_seed)
    g_test_message ("%s: seeds %u to %u, step %d", scenario_levels[level].name,
                    seed_base * SCENARIO_N_LEVELS + level,
                    (seed_base + n - 1) * SCENARIO_N_LEVELS + level, SCENARIO_N_LEVELS);

  for (guint i = 0; i < n; i++)
    {
      guint32 seed = one_seed ? only_seed : (seed_base + i) * SCENARIO_N_LEVELS + level;
      g_autofree char *divergence = NULL;

      if (!convergence_run_seed (context, seed, &divergence, &error))
        g_error ("seed %u: the harness failed: %s", seed, error->message);
      runs++;
      if (divergence != NULL)
        {
          g_test_message ("DIVERGENCE at %s", divergence);
          g_string_append_printf (diverged, " %u", seed);
        }
    }

  g_test_message ("%s: %u seeds in %.1f s", scenario_levels[level].name, runs,
                  (g_get_monotonic_time () - start) / 1e6);
  if (diverged->len > 0)
    g_test_fail_printf ("level %s diverged at seed(s)%s; rerun one with "
                        "TERN_CONVERGENCE_SEED=<seed>", scenario_levels[level].name, diverged->str);
}

/* Hand-made cases: one account, folders X and Y, a cache, a TernSync. */

typedef struct
{
  TernTestServer *server;
  TernTestClient *client;
  char           *dir;
  TernStore      *store;
  TernAccount    *account;
  TernSync       *sync;
} Case;

static void
case_set_up (Case          *c,
             gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;

  c->server = tern_test_server_new (GPOINTER_TO_UINT (data), &error);
  g_assert_no_error (error);
  c->client = tern_test_client_new (c->server, "alice", "secret", &error);
  g_assert_no_error (error);
  c->dir = g_dir_make_tmp ("tern-convergence-case-XXXXXX", &error);
  g_assert_no_error (error);
  path = g_build_filename (c->dir, "tern.db", NULL);
  c->store = tern_store_open (path, &error);
  g_assert_no_error (error);
  c->account = scenario_add_account (c->server, c->store, NULL, &error);
  g_assert_no_error (error);
  c->sync = tern_sync_new (c->store, c->account);
  tern_sync_set_password (c->sync, "secret");
  g_assert_true (tern_test_client_command (c->client, NULL, &error, "CREATE X"));
  g_assert_true (tern_test_client_command (c->client, NULL, &error, "CREATE Y"));
  g_assert_no_error (error);
}

static void
case_tear_down (Case          *c,
                gconstpointer  data)
{
  g_autofree char *cmd = g_strdup_printf ("rm -rf '%s'", c->dir);

  tern_sync_free (c->sync);
  tern_account_free (c->account);
  tern_store_free (c->store);
  tern_test_client_free (c->client);
  tern_test_server_free (c->server);
  g_assert_cmpint (system (cmd), ==, 0);
  g_free (c->dir);
}

static void
case_append (Case       *c,
             const char *folder,
             const char *message_id)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *text = g_strdup_printf ("From: a@example.org\r\nSubject: %s\r\n"
                                           "Message-ID: %s\r\n\r\nHi.\r\n", message_id, message_id);

  tern_test_client_append (c->client, folder, NULL, NULL, text, strlen (text), &error);
  g_assert_no_error (error);
}

static void
case_sync (Case *c)
{
  g_autoptr(GError) error = NULL;

  tern_sync_run (c->sync, NULL, &error);
  g_assert_no_error (error);
}

/* The local id of the only message with this Message-ID shown in folder. */
static gint64
case_message (Case       *c,
              const char *folder,
              const char *message_id)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TernFolder) f = tern_store_get_folder (c->store, c->account->id, folder, &error);
  g_autoptr(GPtrArray) list = NULL;
  gint64 id = 0;

  g_assert_no_error (error);
  list = tern_store_list_messages (c->store, f->id, 0, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < list->len; i++)
    if (g_strcmp0 (((TernMessage *) list->pdata[i])->message_id, message_id) == 0)
      {
        g_assert_cmpint (id, ==, 0);
        id = ((TernMessage *) list->pdata[i])->id;
      }
  g_assert_cmpint (id, !=, 0);
  return id;
}

static gint64
case_folder (Case       *c,
             const char *name)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TernFolder) f = tern_store_get_folder (c->store, c->account->id, name, &error);

  g_assert_no_error (error);
  return f->id;
}

static void
assert_server (Case       *c,
               const char *folder,
               const char *expected)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *content = scenario_dup_server_folder (c->client, folder, &error);

  g_assert_no_error (error);
  g_assert_cmpstr (content, ==, expected);
}

/* Every action done: none queued, none failed. */
static void
assert_journal_empty (Case *c)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) actions = tern_journal_list (c->store, c->account->id, &error);
  g_autoptr(GString) left = g_string_new (NULL);

  g_assert_no_error (error);
  for (guint i = 0; i < actions->len; i++)
    {
      TernAction *a = actions->pdata[i];

      g_string_append_printf (left, "%s %s (%s): %s\n", a->kind, a->state, a->error_class,
                              a->error);
    }
  g_assert_cmpstr (left->str, ==, "");
}

/*
 * Without UIDPLUS a moved message's new UID is looked up by Message-ID in the target. If the
 * target already has a message with that Message-ID (here a copy made just before), every hit
 * counts, there are two, none is taken, and the message's row is dropped: the flag change the
 * user made after the move then fails as "The message no longer exists" (a deletion instead
 * is dropped silently, leaving the message on the server).
 */
static void
test_case_move_known_message_id (Case          *c,
                                 gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  gint64 id;

  case_append (c, "X", "<twin@example.org>");
  case_sync (c);
  id = case_message (c, "X", "<twin@example.org>");

  g_assert_cmpint (tern_journal_copy (c->store, id, case_folder (c, "Y"), &error), !=, 0);
  g_assert_true (tern_journal_move (c->store, id, case_folder (c, "Y"), &error));
  g_assert_true (tern_journal_set_flags (c->store, id, "\\Flagged", NULL, &error));
  g_assert_no_error (error);
  case_sync (c);

  assert_journal_empty (c);
  assert_server (c, "X", "");
  assert_server (c, "Y", "<twin@example.org> [\\Flagged]\n<twin@example.org> []");
}

/*
 * Moved X -> Y -> X offline, then X emptied: the message is shown in X with its old UID, so
 * the empty queues that UID; the replay of the two moves gives it a new UID in X, and the
 * expunge of the old one misses it. The message the user deleted stays.
 */
static void
test_case_empty_after_move_back (Case          *c,
                                 gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  gint64 id;

  case_append (c, "X", "<back@example.org>");
  case_sync (c);
  id = case_message (c, "X", "<back@example.org>");

  g_assert_true (tern_journal_move (c->store, id, case_folder (c, "Y"), &error));
  g_assert_true (tern_journal_move (c->store, id, case_folder (c, "X"), &error));
  g_assert_true (tern_journal_empty_folder (c->store, case_folder (c, "X"), FALSE, &error));
  g_assert_no_error (error);
  case_sync (c);

  assert_journal_empty (c);
  assert_server (c, "X", "");
  assert_server (c, "Y", "");
}

/*
 * A message saved offline into X, copied to Y, then flagged in X: the APPEND goes out with the
 * message's flags as they are at replay time, \Flagged included, so the copy made before the
 * flag change gets the flag too.
 */
static void
test_case_append_copy_flag (Case          *c,
                            gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  const char *text = "From: a@example.org\r\nSubject: draft\r\n"
                     "Message-ID: <draft@example.org>\r\n\r\nHi.\r\n";
  g_autoptr(GBytes) raw = g_bytes_new_static (text, strlen (text));
  g_autoptr(TernMessage) message = NULL;
  gint64 id;

  case_sync (c);
  message = tern_mime_parse_message (raw, &error);
  g_assert_no_error (error);
  id = tern_journal_append (c->store, case_folder (c, "X"), message, raw, &error);
  g_assert_no_error (error);
  g_assert_cmpint (tern_journal_copy (c->store, id, case_folder (c, "Y"), &error), !=, 0);
  g_assert_true (tern_journal_set_flags (c->store, id, "\\Flagged", NULL, &error));
  g_assert_no_error (error);
  case_sync (c);

  assert_journal_empty (c);
  assert_server (c, "X", "<draft@example.org> [\\Flagged]");
  assert_server (c, "Y", "<draft@example.org> []");
}

int
main (int    argc,
      char **argv)
{
  const char *env;
  char **args = g_newa (char *, argc + 2);

  /* Keep going after a failed case (-k): the log then lists every divergence of the run. */
  for (int i = 0; i < argc; i++)
    args[i] = argv[i];
  args[argc++] = (char *) "--keep-going";
  args[argc] = NULL;
  argv = args;
  g_test_init (&argc, &argv, NULL);
  tern_sync_global_init ();

  seed_base = (guint32) g_test_rand_int_range (0, 100000000);
  if ((env = g_getenv ("TERN_CONVERGENCE_SEEDS")) != NULL)
    seeds_per_level = (guint) g_ascii_strtoull (env, NULL, 10);
  if ((env = g_getenv ("TERN_CONVERGENCE_SEED")) != NULL)
    {
      one_seed = TRUE;
      only_seed = (guint32) g_ascii_strtoull (env, NULL, 10);
    }

  for (guint level = 0; level < SCENARIO_N_LEVELS; level++)
    {
      g_autofree char *path = g_strdup_printf ("/convergence/%s", scenario_levels[level].name);

      g_test_add_data_func (path, GUINT_TO_POINTER (level), test_level);
    }
  g_test_add ("/convergence/case/move-known-message-id", Case,
              GUINT_TO_POINTER (TERN_TEST_SERVER_NO_UIDPLUS),
              case_set_up, test_case_move_known_message_id, case_tear_down);
  g_test_add ("/convergence/case/empty-after-move-back", Case,
              GUINT_TO_POINTER (TERN_TEST_SERVER_FULL),
              case_set_up, test_case_empty_after_move_back, case_tear_down);
  g_test_add ("/convergence/case/append-copy-flag", Case, GUINT_TO_POINTER (TERN_TEST_SERVER_FULL),
              case_set_up, test_case_append_copy_flag, case_tear_down);

  return g_test_run ();
}
