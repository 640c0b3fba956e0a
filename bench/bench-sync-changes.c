/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "bench-sync"

#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "tern-store.h"
#include "tern-sync.h"

#include "bench-sync-private.h"

/* Another client changes the mailbox. */

static GArray *
parse_search (const char *response)
{
  GArray *uids = g_array_new (FALSE, FALSE, sizeof (guint32));
  const char *line = strstr (response, "* SEARCH");

  if (line == NULL)
    return uids;
  line += strlen ("* SEARCH");
  while (*line == ' ')
    {
      char *end = NULL;
      guint64 v = g_ascii_strtoull (line + 1, &end, 10);
      guint32 uid;

      if (end == line + 1)
        break;
      uid = (guint32) v;
      g_array_append_val (uids, uid);
      line = end;
    }
  return uids;
}

static int
compare_uid (gconstpointer a,
             gconstpointer b)
{
  guint32 x = *(const guint32 *) a;
  guint32 y = *(const guint32 *) b;

  return x < y ? -1 : x > y;
}

/* A compact UID set ("3:7,9,12:13") of n UIDs, sorted in place. */
static char *
uid_set (guint32 *uids,
         guint    n)
{
  GString *out = g_string_new (NULL);

  qsort (uids, n, sizeof *uids, compare_uid);
  for (guint i = 0; i < n;)
    {
      guint j = i;

      while (j + 1 < n && uids[j + 1] == uids[j] + 1)
        j++;
      if (out->len > 0)
        g_string_append_c (out, ',');
      if (j > i)
        g_string_append_printf (out, "%u:%u", uids[i], uids[j]);
      else
        g_string_append_printf (out, "%u", uids[i]);
      i = j + 1;
    }
  return g_string_free (out, FALSE);
}

static GArray *
server_uids (TernTestClient  *client,
             GError         **error)
{
  g_autofree char *response = NULL;

  if (!tern_test_client_command (client, &response, error, "UID SEARCH ALL"))
    return NULL;
  return parse_search (response);
}

/* Flags 1% and expunges 0.5% of the messages, picked at random (fixed seed), in a few
 * commands each. Returns the flagged UIDs. */
GArray *
change_mailbox (TernTestServer  *server,
                Result          *r,
                GError         **error)
{
  g_autoptr(TernTestClient) client = tern_test_client_new (server, USER, PASSWORD, error);
  g_autoptr(GArray) uids = NULL;
  g_autoptr(GRand) rand = g_rand_new_with_seed (0x7e4e + r->n);
  GArray *flagged;
  guint n_flag, n_expunge, per_command;

  if (client == NULL || !tern_test_client_command (client, NULL, error, "SELECT INBOX") ||
      (uids = server_uids (client, error)) == NULL)
    return NULL;

  /* Fisher-Yates: the first n_flag get a flag, the next n_expunge go. */
  for (guint i = uids->len; i > 1; i--)
    {
      guint j = (guint) g_rand_int_range (rand, 0, (gint32) i);
      guint32 tmp = g_array_index (uids, guint32, i - 1);

      g_array_index (uids, guint32, i - 1) = g_array_index (uids, guint32, j);
      g_array_index (uids, guint32, j) = tmp;
    }
  n_flag = MAX (uids->len / 100, 1);
  n_expunge = MAX (uids->len / 200, 1);
  g_assert (n_flag + n_expunge <= uids->len);

  r->change_commands = 0;
  per_command = (n_flag + FLAG_COMMANDS - 1) / FLAG_COMMANDS;
  for (guint i = 0; i < n_flag; i += per_command)
    {
      g_autofree char *set = uid_set (&g_array_index (uids, guint32, i), MIN (per_command, n_flag - i));

      if (!tern_test_client_command (client, NULL, error, "UID STORE %s +FLAGS.SILENT (\\Flagged)", set))
        return NULL;
      r->change_commands++;
    }
  {
    g_autofree char *set = uid_set (&g_array_index (uids, guint32, n_flag), n_expunge);

    if (!tern_test_client_command (client, NULL, error, "UID STORE %s +FLAGS.SILENT (\\Deleted)", set) ||
        !tern_test_client_command (client, NULL, error, "UID EXPUNGE %s", set))
      return NULL;
    r->change_commands += 2;
  }
  tern_test_client_command (client, NULL, NULL, "LOGOUT");

  r->flagged = n_flag;
  r->expunged = n_expunge;
  flagged = g_array_sized_new (FALSE, FALSE, sizeof (guint32), n_flag);
  g_array_append_vals (flagged, uids->data, n_flag);
  g_array_sort (flagged, compare_uid);
  return flagged;
}

/* UID -> canonical flags from "* n FETCH (UID u FLAGS (...))" lines. */
static GHashTable *
parse_fetch_flags (const char *response)
{
  GHashTable *map = g_hash_table_new_full (NULL, NULL, NULL, g_free);
  g_auto(GStrv) lines = g_strsplit (response, "\n", -1);

  for (guint i = 0; lines[i] != NULL; i++)
    {
      const char *uid_at = strstr (lines[i], "UID ");
      const char *flags_at = strstr (lines[i], "FLAGS (");
      const char *close;
      g_autofree char *flags = NULL;
      guint32 uid;

      if (!g_str_has_prefix (lines[i], "* ") || uid_at == NULL || flags_at == NULL)
        continue;
      uid = (guint32) g_ascii_strtoull (uid_at + 4, NULL, 10);
      close = strchr (flags_at, ')');
      if (close == NULL)
        continue;
      flags = g_strndup (flags_at + 7, (gsize) (close - flags_at - 7));
      g_hash_table_insert (map, GUINT_TO_POINTER (uid), tern_flags_canonicalize (flags));
    }
  return map;
}

/* The cache must hold exactly the server's UIDs, and the flags of every changed message and of
 * a random sample of the others must agree. */
gboolean
verify_cache (TernTestServer  *server,
              const char      *data_dir,
              GArray          *flagged,
              Result          *r,
              GError         **error)
{
  g_autoptr(TernTestClient) client = tern_test_client_new (server, USER, PASSWORD, error);
  g_autofree char *path = g_build_filename (data_dir, "tern.db", NULL);
  g_autoptr(TernStore) store = NULL;
  g_autoptr(TernAccount) account = NULL;
  g_autoptr(TernFolder) folder = NULL;
  g_autoptr(GArray) server_list = NULL;
  g_autoptr(GArray) cache_list = NULL;
  g_autoptr(GArray) sample = NULL;
  g_autoptr(GHashTable) cache_flags = NULL;
  g_autoptr(GHashTable) server_flags = NULL;
  g_autoptr(GRand) rand = g_rand_new_with_seed (0xf1a9 + r->n);
  g_autoptr(GString) problems = g_string_new (NULL);
  g_autofree char *select = NULL;
  g_autofree char *fetch = NULL;
  g_autofree char *set = NULL;
  const char *exists_at;
  guint exists = 0, total = 0, flags_ok = 0, flagged_seen = 0;
  gboolean same_uids;

  if (client == NULL || !tern_test_client_command (client, &select, error, "SELECT INBOX") ||
      (server_list = server_uids (client, error)) == NULL)
    return FALSE;
  g_array_sort (server_list, compare_uid);
  for (exists_at = select; (exists_at = strstr (exists_at, "* ")) != NULL; exists_at += 2)
    {
      char *end = NULL;
      guint64 v = g_ascii_strtoull (exists_at + 2, &end, 10);

      if (end != exists_at + 2 && g_str_has_prefix (end, " EXISTS"))
        {
          exists = (guint) v;
          break;
        }
    }

  store = tern_store_open (path, error);
  if (store == NULL || (account = tern_store_get_account (store, ACCOUNT, error)) == NULL ||
      (folder = tern_store_get_folder (store, account->id, "INBOX", error)) == NULL ||
      !tern_store_count_messages (store, folder->id, &total, NULL, error) ||
      (cache_list = tern_store_list_uids (store, folder->id, error)) == NULL ||
      (cache_flags = tern_store_dup_flags_map (store, folder->id, 0, error)) == NULL)
    return FALSE;

  if (total != exists)
    g_string_append_printf (problems, "count %u in the cache, %u on the server; ", total, exists);
  same_uids = cache_list->len == server_list->len &&
              memcmp (cache_list->data, server_list->data, server_list->len * sizeof (guint32)) == 0;
  if (!same_uids)
    g_string_append_printf (problems, "UID lists differ (%u cached, %u on the server); ",
                            cache_list->len, server_list->len);

  /* Every flagged UID plus a random sample of the rest. */
  sample = g_array_new (FALSE, FALSE, sizeof (guint32));
  g_array_append_vals (sample, flagged->data, flagged->len);
  for (guint i = 0; i < SAMPLE_EXTRA && server_list->len > 0; i++)
    g_array_append_val (sample, g_array_index (server_list, guint32,
                                               g_rand_int_range (rand, 0, (gint32) server_list->len)));
  set = uid_set ((guint32 *) (void *) sample->data, sample->len);
  if (!tern_test_client_command (client, &fetch, error, "UID FETCH %s (UID FLAGS)", set))
    return FALSE;
  tern_test_client_command (client, NULL, NULL, "LOGOUT");
  server_flags = parse_fetch_flags (fetch);

  {
    GHashTableIter iter;
    gpointer key, value;
    guint mismatches = 0;

    g_hash_table_iter_init (&iter, server_flags);
    while (g_hash_table_iter_next (&iter, &key, &value))
      {
        const char *cached = g_hash_table_lookup (cache_flags, key);
        g_autofree char *canonical = cached ? tern_flags_canonicalize (cached) : NULL;

        if (g_strcmp0 (canonical, value) == 0)
          flags_ok++;
        else if (mismatches++ < 3)
          g_string_append_printf (problems, "UID %u flags \"%s\" cached, \"%s\" on the server; ",
                                  GPOINTER_TO_UINT (key), cached ? cached : "(missing)",
                                  (const char *) value);
        if (tern_flags_contain (value, "\\Flagged"))
          flagged_seen++;
      }
    if (mismatches > 0)
      g_string_append_printf (problems, "%u of %u sampled flags differ; ", mismatches,
                              g_hash_table_size (server_flags));
  }
  if (flagged_seen < flagged->len)
    g_string_append_printf (problems, "only %u of the %u flagged UIDs are \\Flagged on the server; ",
                            flagged_seen, flagged->len);
  if (g_hash_table_size (server_flags) < flagged->len)
    g_string_append_printf (problems, "the server returned flags for %u of %u flagged UIDs; ",
                            g_hash_table_size (server_flags), flagged->len);

  r->verified = problems->len == 0;
  if (r->verified)
    r->verify_text = g_strdup_printf ("%u msgs, UID sets equal, %u/%u flags agree", total, flags_ok,
                                      g_hash_table_size (server_flags));
  else
    r->verify_text = g_strdup (problems->str);
  return TRUE;
}
