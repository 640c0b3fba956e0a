/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "bench-soak"

#include "config.h"

#include <stdlib.h>

#include "convergence-scenario.h"
#include "tern-sync.h"

/*
 * The convergence scenario of tests/test-convergence.c for many seeds: Tern acts offline
 * while another client changes the same folders, then syncs; the server, the cache and the
 * journal must match the oracle (tests/convergence-scenario.c). Seed S runs at capability
 * level S % SCENARIO_N_LEVELS, so `bench-soak --start S --seeds 1` and
 * `TERN_CONVERGENCE_SEED=S test-convergence` both repeat it.
 *
 *   bench-soak [--seeds N] [--start S] [--jobs J] [--verbose]
 *
 * Prints progress, the elapsed time, the number of divergences (target: 0) and each divergent
 * seed; --verbose prints each divergence's full report as it happens. Exits 1 on divergence.
 */

typedef struct
{
  guint32  start;
  guint    seeds;
  gboolean verbose;
  gint64   begin;
  guint    next;          /* atomic: the next seed index to run */
  guint    done;          /* atomic */
  GMutex   lock;
  GArray  *diverged;      /* guint32 seeds, under lock */
  GString *errors;        /* harness failures, under lock */
  gint64   last_print;    /* under lock */
} Soak;

static void
progress (Soak     *soak,
          gboolean  force)
{
  gint64 now = g_get_monotonic_time ();
  guint done = (guint) g_atomic_int_get (&soak->done);
  double elapsed = (now - soak->begin) / 1e6;

  if (!force && now - soak->last_print < 5 * G_USEC_PER_SEC)
    return;
  soak->last_print = now;
  g_print ("%6u/%u seeds  %7.1f s  %5.1f seeds/s  %u divergent\n", done, soak->seeds, elapsed,
           elapsed > 0 ? done / elapsed : 0.0, soak->diverged->len);
}

static gpointer
worker (gpointer data)
{
  Soak *soak = data;
  ConvergenceContext *contexts[SCENARIO_N_LEVELS] = { NULL };

  for (;;)
    {
      guint index = (guint) g_atomic_int_add (&soak->next, 1);
      guint32 seed = soak->start + index;
      guint level = seed % SCENARIO_N_LEVELS;
      g_autoptr(GError) error = NULL;
      g_autofree char *divergence = NULL;

      if (index >= soak->seeds)
        break;
      if (contexts[level] == NULL)
        contexts[level] = convergence_context_new (level, &error);
      if (contexts[level] == NULL || !convergence_run_seed (contexts[level], seed, &divergence,
                                                            &error))
        {
          /* A harness failure is not a divergence, but it is no pass either. */
          g_mutex_lock (&soak->lock);
          g_string_append_printf (soak->errors, "seed %u: %s\n", seed, error->message);
          g_printerr ("seed %u: the harness failed: %s\n", seed, error->message);
          g_mutex_unlock (&soak->lock);
          if (contexts[level] != NULL)
            {
              /* Start that level afresh. */
              g_clear_pointer (&contexts[level], convergence_context_free);
            }
        }
      g_atomic_int_inc (&soak->done);

      g_mutex_lock (&soak->lock);
      if (divergence != NULL)
        {
          g_array_append_val (soak->diverged, seed);
          if (soak->verbose)
            g_print ("DIVERGENCE at %s\n", divergence);
          else
            g_print ("divergence: seed %u (level %s)\n", seed, scenario_levels[level].name);
        }
      progress (soak, FALSE);
      g_mutex_unlock (&soak->lock);
    }

  for (guint i = 0; i < SCENARIO_N_LEVELS; i++)
    g_clear_pointer (&contexts[i], convergence_context_free);
  return NULL;
}

static int
compare_seeds (gconstpointer a,
               gconstpointer b)
{
  guint32 x = *(const guint32 *) a;
  guint32 y = *(const guint32 *) b;

  return x < y ? -1 : x > y;
}

int
main (int    argc,
      char **argv)
{
  gint64 seeds = 10000, start = 0, jobs = 1;
  gboolean verbose = FALSE;
  GOptionEntry entries[] = {
    { "seeds", 'n', 0, G_OPTION_ARG_INT64, &seeds, "How many seeds (default 10000)", "N" },
    { "start", 's', 0, G_OPTION_ARG_INT64, &start, "The first seed (default 0)", "S" },
    { "jobs", 'j', 0, G_OPTION_ARG_INT64, &jobs,
      "Seeds run at once, each job with its own servers (default 1)", "J" },
    { "verbose", 'v', 0, G_OPTION_ARG_NONE, &verbose, "Print each divergence in full", NULL },
    { NULL }
  };
  g_autoptr(GOptionContext) options = g_option_context_new ("- convergence soak");
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) threads = g_ptr_array_new ();
  Soak soak = { 0 };

  g_option_context_add_main_entries (options, entries, NULL);
  if (!g_option_context_parse (options, &argc, &argv, &error))
    {
      g_printerr ("bench-soak: %s\n", error->message);
      return 2;
    }
  if (seeds < 1 || start < 0 || start + seeds > G_MAXUINT32 || jobs < 1 || jobs > 16)
    {
      g_printerr ("bench-soak: --seeds and --start must name seeds 0 to 2^32-1, --jobs 1 to 16\n");
      return 2;
    }

  tern_sync_global_init ();
  soak.start = (guint32) start;
  soak.seeds = (guint) seeds;
  soak.verbose = verbose;
  soak.diverged = g_array_new (FALSE, FALSE, sizeof (guint32));
  soak.errors = g_string_new (NULL);
  g_mutex_init (&soak.lock);
  soak.begin = soak.last_print = g_get_monotonic_time ();

  g_print ("bench-soak: seeds %u to %u, %u job(s), %d capability levels\n", soak.start,
           (guint) (soak.start + soak.seeds - 1), (guint) jobs, SCENARIO_N_LEVELS);
  /* Each job owns its Dovecots: they are created, used and freed on its thread. */
  for (gint64 i = 0; i < jobs; i++)
    g_ptr_array_add (threads, g_thread_new ("soak", worker, &soak));
  for (guint i = 0; i < threads->len; i++)
    g_thread_join (threads->pdata[i]);

  progress (&soak, TRUE);
  g_array_sort (soak.diverged, compare_seeds);
  g_print ("elapsed: %.1f s for %u seeds (%.1f ms per seed)\n",
           (g_get_monotonic_time () - soak.begin) / 1e6,
           soak.seeds, (g_get_monotonic_time () - soak.begin) / 1e3 / soak.seeds);
  g_print ("divergences: %u\n", soak.diverged->len);
  for (guint i = 0; i < soak.diverged->len; i++)
    {
      guint32 seed = g_array_index (soak.diverged, guint32, i);

      g_print ("  seed %u (level %s)\n", seed, scenario_levels[seed % SCENARIO_N_LEVELS].name);
    }
  if (soak.errors->len > 0)
    g_print ("harness failures:\n%s", soak.errors->str);

  {
    gboolean clean = soak.diverged->len == 0 && soak.errors->len == 0;

    g_array_unref (soak.diverged);
    g_string_free (soak.errors, TRUE);
    g_mutex_clear (&soak.lock);
    return clean ? 0 : 1;
  }
}
