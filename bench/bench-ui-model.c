/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "bench-ui-model"

#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tern-conversation-model.h"
#include "tern-message-model.h"
#include "tern-test-cache.h"

/*
 * bench-ui-model [N]: a cache with an N-message folder (100,000 by default); opens it in a
 * fresh connection the way the message list does and prints how long the first screen of
 * rows takes (target < 150 ms), how long reading every row end to end takes, and the
 * resident memory after that (target < 200 MB). Then the same grouped by conversation (the
 * prepared messages form conversations of four), in a fresh connection, and expanding one.
 */

static double
ms_since (gint64 start)
{
  return (g_get_monotonic_time () - start) / 1000.0;
}

static long
rss_kib (void)
{
  g_autofree char *status = NULL;
  const char *line;

  if (!g_file_get_contents ("/proc/self/status", &status, NULL, NULL))
    return -1;
  line = strstr (status, "VmRSS:");
  return line ? strtol (line + 6, NULL, 10) : -1;
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("tern-bench-ui-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "tern.db", NULL);
  g_autofree char *cmd = g_strdup_printf ("rm -rf '%s'", dir);
  guint n = argc > 1 ? (guint) atoi (argv[1]) : 100000;
  TernTestCacheIds ids;
  gint64 start;
  double first_ms, open_ms, scroll_ms;
  int status = 0;

  {
    TernStore *store = tern_test_cache_new (path, &ids);

    start = g_get_monotonic_time ();
    tern_test_cache_add_messages (store, ids.inbox, 1, n);
    printf ("cache: %u messages written in %.0f ms\n", n, ms_since (start));
    tern_store_free (store);
  }

  {
    g_autoptr(TernStore) store = NULL;
    g_autoptr(TernMessageModel) model = NULL;

    start = g_get_monotonic_time ();
    store = tern_store_open (path, &error);
    g_assert_no_error (error);
    model = tern_message_model_new (store);
    g_assert_true (tern_message_model_set_folder (model, ids.inbox, &error));
    open_ms = ms_since (start);
    /* A window shows about 30 rows. */
    for (guint i = 0; i < 30; i++)
      g_object_unref (g_list_model_get_item (G_LIST_MODEL (model), i));
    first_ms = ms_since (start);
    g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (model)), ==, n);

    start = g_get_monotonic_time ();
    for (guint i = 0; i < n; i++)
      g_object_unref (g_list_model_get_item (G_LIST_MODEL (model), i));
    scroll_ms = ms_since (start);

    printf ("open folder (ids of %u rows): %.1f ms\n", n, open_ms);
    printf ("first 30 rows visible: %.1f ms (target < 150 ms)\n", first_ms);
    printf ("every row read end to end: %.0f ms (%.2f us a row)\n", scroll_ms,
            scroll_ms * 1000.0 / MAX (n, 1));
    printf ("resident memory after the end-to-end read: %.1f MB (target < 200 MB)\n",
            rss_kib () / 1024.0);
    if (first_ms >= 150 || rss_kib () / 1024.0 >= 200)
      status = 1;
  }

  {
    g_autoptr(TernStore) store = NULL;
    g_autoptr(TernConversationModel) model = NULL;
    g_autoptr(TernMessageModel) expanded = NULL;
    guint rows;
    double expand_ms;

    start = g_get_monotonic_time ();
    store = tern_store_open (path, &error);
    g_assert_no_error (error);
    model = tern_conversation_model_new (store);
    g_assert_true (tern_conversation_model_set_folder (model, ids.inbox, &error));
    open_ms = ms_since (start);
    for (guint i = 0; i < 30; i++)
      g_object_unref (g_list_model_get_item (G_LIST_MODEL (model), i));
    first_ms = ms_since (start);
    rows = g_list_model_get_n_items (G_LIST_MODEL (model));

    start = g_get_monotonic_time ();
    expanded = tern_conversation_model_dup_messages (model, tern_conversation_model_get_thread_id (model, 0));
    for (guint i = 0; expanded != NULL && i < g_list_model_get_n_items (G_LIST_MODEL (expanded)); i++)
      g_object_unref (g_list_model_get_item (G_LIST_MODEL (expanded), i));
    expand_ms = ms_since (start);

    start = g_get_monotonic_time ();
    for (guint i = 0; i < rows; i++)
      g_object_unref (g_list_model_get_item (G_LIST_MODEL (model), i));
    scroll_ms = ms_since (start);

    printf ("grouped: open folder (%u conversations of %u messages): %.1f ms\n", rows, n, open_ms);
    printf ("grouped: first 30 rows visible: %.1f ms (target < 150 ms)\n", first_ms);
    printf ("grouped: expanding the first conversation: %.1f ms\n", expand_ms);
    printf ("grouped: every row read end to end: %.0f ms (%.2f us a row)\n", scroll_ms,
            scroll_ms * 1000.0 / MAX (rows, 1));
    printf ("grouped: resident memory after the end-to-end read: %.1f MB (target < 200 MB)\n",
            rss_kib () / 1024.0);
    if (first_ms >= 150 || rss_kib () / 1024.0 >= 200)
      status = 1;
  }

  if (system (cmd) != 0)
    status = 1;
  return status;
}
