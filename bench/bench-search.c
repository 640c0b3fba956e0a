/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "bench-search"

#include "config.h"

#include <glib/gstdio.h>

#include "tern-store.h"

/*
 * Full-text search over a 100,000-message cache: how long indexing takes, and how long a
 * search takes for a rare word, a word in every message and a prefix. Target: results
 * for 100,000 messages in under 50 ms.
 */

static const char *words[] = {
  "invoice", "meeting", "release", "budget", "travel", "lunch", "report", "review",
  "quarterly", "offsite", "deadline", "schedule", "contract", "feedback", "launch", "hiring",
};
static const char *names[] = { "Alice", "Bob", "Chloé", "Dmitri", "Eve", "Françoise", "Grace", "Hiro" };

static double
ms_since (gint64 start)
{
  return (g_get_monotonic_time () - start) / 1000.0;
}

static void
time_query (TernStore  *store,
            const char *query,
            guint       limit)
{
  g_autoptr(GError) error = NULL;
  double best = 1e9;
  guint hits = 0;

  for (guint run = 0; run < 5; run++)
    {
      gint64 start = g_get_monotonic_time ();
      g_autoptr(GPtrArray) results = tern_store_search (store, 0, query, limit, &error);

      g_assert_no_error (error);
      best = MIN (best, ms_since (start));
      hits = results->len;
    }
  g_print ("  %-28s %7u results%s  %8.1f ms  %s\n", query, hits, limit ? " (limit)" : "        ", best,
           best < 50 ? "MET" : "MISSED");
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("tern-bench-search-XXXXXX", &error);
  g_autofree char *path = g_build_filename (dir, "tern.db", NULL);
  g_autofree char *cmd = g_strdup_printf ("rm -rf '%s'", dir);
  g_autoptr(TernStore) store = tern_store_open (path, &error);
  guint n = argc > 1 ? (guint) g_ascii_strtoull (argv[1], NULL, 10) : 100000;
  TernAccount account = { .name = (char *) "bench", .email = (char *) "b@example.org",
                          .host = (char *) "localhost", .port = 993, .security = (char *) "tls",
                          .user = (char *) "b" };
  TernFolder folder = { 0 };
  GRand *rand = g_rand_new_with_seed (7);
  gint64 start;
  guint remaining = 0;

  g_assert_no_error (error);
  g_assert_true (tern_store_add_account (store, &account, &account.id, &error));
  folder.account_id = account.id;
  folder.name = (char *) "INBOX";
  folder.selectable = TRUE;
  g_assert_true (tern_store_upsert_folder (store, &folder, &folder.id, &error));

  start = g_get_monotonic_time ();
  g_assert_true (tern_store_begin (store, &error));
  for (guint i = 1; i <= n; i++)
    {
      g_autoptr(TernMessage) m = tern_message_new ();

      m->uid = i;
      m->flags = g_strdup (i % 3 ? "\\Seen" : "");
      m->internaldate = m->date = 1700000000 + i * 60;
      m->size = 3000;
      /* Every message says "update"; one in 16 each of the other words; "zeppelin" once. */
      m->subject = g_strdup_printf ("Update: %s %s #%u%s", words[g_rand_int_range (rand, 0, G_N_ELEMENTS (words))],
                                    words[i % G_N_ELEMENTS (words)], i, i == n / 2 ? " zeppelin" : "");
      m->from_name = g_strdup (names[i % G_N_ELEMENTS (names)]);
      m->from_addr = g_strdup_printf ("%s@example.org", names[i % G_N_ELEMENTS (names)]);
      m->to_list = g_strdup ("Team <team@example.org>");
      m->message_id = g_strdup_printf ("<%u@bench>", i);
      g_assert_true (tern_store_insert_message (store, folder.id, m, NULL, &error));
    }
  g_assert_true (tern_store_commit (store, &error));
  g_print ("Tern search benchmark: %u messages (stored in %.0f ms)\n", n, ms_since (start));

  start = g_get_monotonic_time ();
  g_assert_true (tern_store_index_pending (store, 0, &remaining, &error));
  g_print ("  indexing all headers           %8.0f ms (once, after a first sync)\n", ms_since (start));

  time_query (store, "zeppelin", 0);
  time_query (store, "quarterly", 0);
  time_query (store, "chloe", 0);
  time_query (store, "quart*", 0);
  time_query (store, "update", 0);
  time_query (store, "update", 200);

  /* What a list view needs: the ids, rows loaded as they scroll into view. */
  {
    const char *queries[] = { "update", "quarterly", "quart*" };

    for (guint q = 0; q < G_N_ELEMENTS (queries); q++)
      {
        double best = 1e9;
        guint hits = 0;

        for (guint run = 0; run < 5; run++)
          {
            gint64 t = g_get_monotonic_time ();
            g_autoptr(GArray) ids = tern_store_search_ids (store, queries[q], &error);

            g_assert_no_error (error);
            best = MIN (best, ms_since (t));
            hits = ids->len;
          }
        g_print ("  ids: %-23s %7u results          %8.1f ms  %s\n", queries[q], hits, best,
                 best < 50 ? "MET" : "MISSED");
      }
  }

  g_rand_free (rand);
  g_clear_pointer (&store, tern_store_free);
  if (system (cmd) != 0)
    return 1;
  return 0;
}
