/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "tern-threads"

#include "config.h"

#include <string.h>

#include "tern-store-private.h"

/*
 * Conversations, JWZ-style but kept in the cache as it fills: every Message-ID a message
 * names (its own, In-Reply-To, References) maps to a thread in thread_ref (per account).
 * A message takes the thread its ids already map to; a new message with ids in no thread
 * starts one; a message whose ids map to several threads merges them into the lowest id.
 * Ids of parents that are not cached are mapped all the same: they are JWZ's empty
 * containers, so two replies to one missing parent share a thread. Subjects are not used.
 *
 * Storing a message costs a lookup per id it names and an insert per id not seen before;
 * the ids are few (References is trimmed to its root and newest entries), and the first
 * sync writes on its own thread, off the network's path.
 */

/* References kept: the root and the newest ones (RFC 5322 trims the middle). */
#define MAX_REFS 16

static gboolean
have_id (GPtrArray  *ids,
         const char *id,
         gsize       len)
{
  for (guint i = 0; i < ids->len; i++)
    if (strncmp (ids->pdata[i], id, len) == 0 && ((const char *) ids->pdata[i])[len] == '\0')
      return TRUE;
  return FALSE;
}

/* Adds the <...> tokens of text (all of them, or the first and the last max - 1). */
static void
add_tokens (GPtrArray  *ids,
            const char *text,
            guint       max)
{
  const char *starts[256];
  gsize lens[256];
  guint n = 0;
  const char *p = text;

  if (text == NULL)
    return;
  while ((p = strchr (p, '<')) != NULL)
    {
      const char *end = strchr (p + 1, '>');

      if (end == NULL)
        break;
      if (end - p > 1)
        {
          /* Keep the first and a window of the newest. */
          if (n < G_N_ELEMENTS (starts))
            {
              starts[n] = p;
              lens[n] = (gsize) (end - p + 1);
              n++;
            }
          else
            {
              memmove (&starts[1], &starts[2], sizeof starts[0] * (n - 2));
              memmove (&lens[1], &lens[2], sizeof lens[0] * (n - 2));
              starts[n - 1] = p;
              lens[n - 1] = (gsize) (end - p + 1);
            }
        }
      p = end + 1;
    }

  for (guint i = 0; i < n; i++)
    {
      if (i > 0 && max > 0 && (int) i < (int) n - (int) max + 1)
        continue;
      if (!have_id (ids, starts[i], lens[i]))
        g_ptr_array_add (ids, g_strndup (starts[i], lens[i]));
    }
}

/* The ids a message names: its own first (when it has one), then its parents. */
GPtrArray *
_tern_threads_collect_ids (const char *message_id,
                           const char *in_reply_to,
                           const char *references,
                           gboolean   *has_own)
{
  GPtrArray *ids = g_ptr_array_new_with_free_func (g_free);

  *has_own = FALSE;
  if (message_id != NULL)
    {
      add_tokens (ids, message_id, 1);
      if (ids->len == 0)
        {
          g_autofree char *plain = g_strstrip (g_strdup (message_id));

          if (*plain != '\0' && strchr (plain, ' ') == NULL)
            g_ptr_array_add (ids, g_steal_pointer (&plain));
        }
      *has_own = ids->len > 0;
    }
  add_tokens (ids, in_reply_to, 0);
  add_tokens (ids, references, MAX_REFS);
  return ids;
}

/* thread_ref's key: FNV-1a (64 bits) of the account id and the Message-ID. */
static gint64
ref_key (gint64      account_id,
         const char *ref)
{
  guint64 h = G_GUINT64_CONSTANT (0xcbf29ce484222325);

  for (guint i = 0; i < 8; i++)
    {
      h ^= (guint64) ((account_id >> (8 * i)) & 0xff);
      h *= G_GUINT64_CONSTANT (0x100000001b3);
    }
  for (const unsigned char *p = (const unsigned char *) ref; *p != '\0'; p++)
    {
      h ^= *p;
      h *= G_GUINT64_CONSTANT (0x100000001b3);
    }
  return (gint64) h;
}

/* Thread ids reserved at once inside a transaction (a first sync starts many threads). */
#define RESERVE 256

static gint64
folder_account (TernStore  *self,
                gint64      folder_id,
                GError    **error)
{
  TernThreadCache *cache = _tern_store_get_thread_cache (self);
  sqlite3_stmt *stmt;
  gint64 account_id;

  if (cache != NULL && cache->folder_id == folder_id)
    return cache->account_id;
  stmt = _tern_store_prepare (self, "SELECT account_id FROM folder WHERE id = ?", error);
  if (stmt == NULL)
    return -1;
  sqlite3_bind_int64 (stmt, 1, folder_id);
  account_id = _tern_store_step_int64 (stmt, 0);
  if (cache != NULL)
    {
      cache->folder_id = folder_id;
      cache->account_id = account_id;
    }
  return account_id;
}

static gint64
new_thread (TernStore  *self,
            GError    **error)
{
  TernThreadCache *cache = _tern_store_get_thread_cache (self);
  sqlite3_stmt *stmt;
  gint64 n = cache != NULL ? RESERVE : 1;
  gint64 id;

  if (cache != NULL && cache->next_thread < cache->end_thread)
    return cache->next_thread++;
  stmt = _tern_store_prepare (self,
                              "UPDATE meta SET value = value + ?1 WHERE key = 'thread_next' "
                              "RETURNING value - ?1",
                              error);
  if (stmt == NULL)
    return 0;
  sqlite3_bind_int64 (stmt, 1, n);
  id = _tern_store_step_int64 (stmt, 0);
  if (id <= 0)
    {
      _tern_store_fail (self, SQLITE_ERROR, "starting a conversation", error);
      return 0;
    }
  if (cache != NULL)
    {
      cache->next_thread = id + 1;
      cache->end_thread = id + n;
    }
  return id;
}

/* The messages of gone move to keep now; the refs that name gone are sent on by an alias
 * (rewriting them would need an index that every stored message pays for). */
static gboolean
merge_threads (TernStore  *self,
               gint64      account_id,
               gint64      keep,
               gint64      gone,
               GError    **error)
{
  static const char * const sql[] = {
    "UPDATE message SET thread_id = ?1 WHERE thread_id = ?2 AND "
    "folder_id IN (SELECT id FROM folder WHERE account_id = ?3)",
    "UPDATE thread_alias SET keep = ?1 WHERE keep = ?2",
    "INSERT OR REPLACE INTO thread_alias (gone, keep) VALUES (?2, ?1)",
  };

  for (guint i = 0; i < G_N_ELEMENTS (sql); i++)
    {
      sqlite3_stmt *stmt = _tern_store_prepare (self, sql[i], error);

      if (stmt == NULL)
        return FALSE;
      sqlite3_bind_int64 (stmt, 1, keep);
      sqlite3_bind_int64 (stmt, 2, gone);
      if (sqlite3_bind_parameter_count (stmt) >= 3)
        sqlite3_bind_int64 (stmt, 3, account_id);
      if (!_tern_store_step_done (self, stmt, "merging conversations", error))
        return FALSE;
    }
  return TRUE;
}

/* The transaction's map of ref keys to threads: what it looked up or stored itself. */

static gint64 *
map_slot (TernThreadCache *cache,
          gint64           key)
{
  guint64 h = (guint64) key * G_GUINT64_CONSTANT (0x9E3779B97F4A7C15);
  guint i = (guint) (h >> 40) & cache->mask;

  while (cache->keys[i] != 0 && cache->keys[i] != key)
    i = (i + 1) & cache->mask;
  return &cache->keys[i];
}

static gint64
map_get (TernThreadCache *cache,
         gint64           key)
{
  gint64 *slot;

  if (cache == NULL || cache->keys == NULL || key == 0)
    return 0;
  slot = map_slot (cache, key);
  return *slot == key ? cache->values[slot - cache->keys] : 0;
}

static void
map_put (TernThreadCache *cache,
         gint64           key,
         gint64           thread)
{
  gint64 *slot;

  if (cache == NULL || key == 0)
    return;
  if (cache->keys == NULL || (cache->used + 1) * 2 > cache->mask + 1)
    {
      gint64 *old_keys = cache->keys, *old_values = cache->values;
      guint old_size = old_keys != NULL ? cache->mask + 1 : 0;
      guint size = MAX (old_size * 2, 1024);

      cache->keys = g_new0 (gint64, size);
      cache->values = g_new (gint64, size);
      cache->mask = size - 1;
      cache->used = 0;
      for (guint i = 0; i < old_size; i++)
        if (old_keys[i] != 0)
          map_put (cache, old_keys[i], old_values[i]);
      g_free (old_keys);
      g_free (old_values);
    }
  slot = map_slot (cache, key);
  if (*slot == 0)
    cache->used++;
  *slot = key;
  cache->values[slot - cache->keys] = thread;
}

void
_tern_thread_cache_reset (TernThreadCache *cache)
{
  g_free (cache->keys);
  g_free (cache->values);
  memset (cache, 0, sizeof *cache);
}

static gint64
lookup_ref (TernStore        *self,
            TernThreadCache  *cache,
            gint64            key,
            GError          **error)
{
  sqlite3_stmt *stmt;
  gint64 thread = map_get (cache, key);

  if (thread != 0)
    return thread;
  stmt = _tern_store_prepare (self,
                              "SELECT coalesce ((SELECT keep FROM thread_alias WHERE gone = r.thread_id), "
                              "r.thread_id) FROM thread_ref r WHERE r.key = ?",
                              error);
  if (stmt == NULL)
    return -1;
  sqlite3_bind_int64 (stmt, 1, key);
  thread = _tern_store_step_int64 (stmt, 0);
  if (thread != 0)
    map_put (cache, key, thread);
  return thread;
}

/* Maps key to thread unless it is mapped already: TRUE in *stored if it was not. */
static gboolean
store_ref (TernStore        *self,
           TernThreadCache  *cache,
           gint64            key,
           gint64            thread,
           gboolean         *stored,
           GError          **error)
{
  sqlite3_stmt *stmt = _tern_store_prepare (self,
                                            "INSERT OR IGNORE INTO thread_ref (key, thread_id) VALUES (?, ?)",
                                            error);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, key);
  sqlite3_bind_int64 (stmt, 2, thread);
  if (!_tern_store_step_done (self, stmt, "storing a conversation", error))
    return FALSE;
  *stored = sqlite3_changes (_tern_store_get_db (self)) > 0;
  if (*stored)
    map_put (cache, key, thread);
  return TRUE;
}

gboolean
_tern_threads_assign (TernStore   *self,
                      gint64       folder_id,
                      const char  *message_id,
                      const char  *in_reply_to,
                      const char  *references,
                      gint64      *thread_out,
                      GError     **error)
{
  TernThreadCache *cache = _tern_store_get_thread_cache (self);
  g_autoptr(GPtrArray) ids = NULL;
  g_autoptr(GArray) keys = NULL;    /* gint64 per id */
  g_autoptr(GArray) found = NULL;   /* gint64 per id, 0: not mapped */
  gint64 account_id, thread = 0;
  gboolean has_own, stored;
  guint first_ref;

  *thread_out = 0;
  account_id = folder_account (self, folder_id, error);
  if (account_id < 0)
    return FALSE;
  ids = _tern_threads_collect_ids (message_id, in_reply_to, references, &has_own);
  if (ids->len == 0)
    {
      /* Nothing to link by: a conversation of its own. */
      *thread_out = new_thread (self, error);
      return *thread_out > 0;
    }

  keys = g_array_sized_new (FALSE, FALSE, sizeof (gint64), ids->len);
  found = g_array_sized_new (FALSE, TRUE, sizeof (gint64), ids->len);
  g_array_set_size (found, ids->len);
  for (guint i = 0; i < ids->len; i++)
    {
      gint64 key = ref_key (account_id, ids->pdata[i]);

      g_array_append_val (keys, key);
    }

  /* The parents first. A message's own id is mostly new: it is stored straight away below
   * (one statement, not two), and looked up only when that finds it there already (a reply
   * came first). */
  first_ref = has_own ? 1 : 0;
  if (has_own)
    g_array_index (found, gint64, 0) = map_get (cache, g_array_index (keys, gint64, 0));
  for (guint i = first_ref; i < ids->len; i++)
    {
      gint64 t = lookup_ref (self, cache, g_array_index (keys, gint64, i), error);

      if (t < 0)
        return FALSE;
      g_array_index (found, gint64, i) = t;
    }
  for (guint i = 0; i < ids->len; i++)
    {
      gint64 t = g_array_index (found, gint64, i);

      if (t != 0 && (thread == 0 || t < thread))
        thread = t;
    }
  if (thread == 0)
    {
      thread = new_thread (self, error);
      if (thread == 0)
        return FALSE;
    }
  if (has_own && g_array_index (found, gint64, 0) == 0)
    {
      if (!store_ref (self, cache, g_array_index (keys, gint64, 0), thread, &stored, error))
        return FALSE;
      if (!stored)
        {
          gint64 t = lookup_ref (self, cache, g_array_index (keys, gint64, 0), error);

          if (t < 0)
            return FALSE;
          g_array_index (found, gint64, 0) = t;
          thread = MIN (thread, t);
        }
      else
        g_array_index (found, gint64, 0) = thread;
    }

  /* The message links threads that were apart: one conversation now. */
  for (guint i = 0; i < found->len; i++)
    {
      gint64 other = g_array_index (found, gint64, i);

      if (other == 0 || other == thread)
        continue;
      if (!merge_threads (self, account_id, thread, other, error))
        return FALSE;
      /* What the transaction remembers may name the other thread. */
      if (cache != NULL)
        {
          g_clear_pointer (&cache->keys, g_free);
          g_clear_pointer (&cache->values, g_free);
          cache->used = 0;
        }
      for (guint j = i; j < found->len; j++)
        if (g_array_index (found, gint64, j) == other)
          g_array_index (found, gint64, j) = thread;
    }

  for (guint i = 0; i < ids->len; i++)
    {
      if (g_array_index (found, gint64, i) != 0)
        continue;
      if (!store_ref (self, cache, g_array_index (keys, gint64, i), thread, &stored, error))
        return FALSE;
    }

  *thread_out = thread;
  return TRUE;
}

/* Backfill: the messages of a cache older than the threads, all at once in memory (a
 * union-find over the ids), then written in one pass. Runs inside the migration's
 * transaction, on a cache whose thread_ref is still empty. */

typedef struct
{
  gint64 id;
  guint  node;   /* G_MAXUINT: names no id */
} BackfillMessage;

static guint
find_root (GArray *parent,
           guint   node)
{
  guint *p = (guint *) (gpointer) parent->data;
  guint root = node;

  while (p[root] != root)
    root = p[root];
  while (p[node] != root)
    {
      guint next = p[node];

      p[node] = root;
      node = next;
    }
  return root;
}

gboolean
_tern_threads_backfill (TernStore  *self,
                        GError    **error)
{
  g_autoptr(GHashTable) nodes = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GArray) parent = g_array_new (FALSE, FALSE, sizeof (guint));
  g_autoptr(GArray) node_account = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr(GPtrArray) node_key = g_ptr_array_new ();        /* borrowed from nodes */
  g_autoptr(GArray) messages = g_array_new (FALSE, FALSE, sizeof (BackfillMessage));
  g_autoptr(GArray) node_thread = NULL;
  sqlite3_stmt *stmt;
  gint64 next;
  int rc;

  stmt = _tern_store_prepare (self,
                              "SELECT m.id, f.account_id, m.message_id, m.in_reply_to, m.refs "
                              "FROM message m JOIN folder f ON f.id = m.folder_id "
                              "WHERE m.thread_id IS NULL ORDER BY m.id",
                              error);
  if (stmt == NULL)
    return FALSE;
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      gint64 account_id = sqlite3_column_int64 (stmt, 1);
      g_autoptr(GPtrArray) ids = NULL;
      BackfillMessage m = { sqlite3_column_int64 (stmt, 0), G_MAXUINT };
      gboolean has_own;

      ids = _tern_threads_collect_ids ((const char *) sqlite3_column_text (stmt, 2),
                                       (const char *) sqlite3_column_text (stmt, 3),
                                       (const char *) sqlite3_column_text (stmt, 4),
                                       &has_own);
      for (guint i = 0; i < ids->len; i++)
        {
          g_autofree char *key = g_strdup_printf ("%" G_GINT64_FORMAT " %s", account_id,
                                                  (const char *) ids->pdata[i]);
          gpointer value;
          guint node;

          if (g_hash_table_lookup_extended (nodes, key, NULL, &value))
            node = GPOINTER_TO_UINT (value) - 1;
          else
            {
              node = parent->len;
              g_array_append_val (parent, node);
              g_array_append_val (node_account, account_id);
              g_ptr_array_add (node_key, key);
              g_hash_table_insert (nodes, g_steal_pointer (&key), GUINT_TO_POINTER (node + 1));
            }
          if (m.node == G_MAXUINT)
            m.node = node;
          else
            {
              guint a = find_root (parent, m.node);
              guint b = find_root (parent, node);

              /* The lower node (seen first) stays the root. */
              if (a != b)
                g_array_index (parent, guint, MAX (a, b)) = MIN (a, b);
            }
        }
      g_array_append_val (messages, m);
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    return _tern_store_fail (self, rc, "threading the cache", error);

  stmt = _tern_store_prepare (self, "SELECT value FROM meta WHERE key = 'thread_next'", error);
  if (stmt == NULL)
    return FALSE;
  next = MAX (_tern_store_step_int64 (stmt, 1), 1);

  node_thread = g_array_sized_new (FALSE, TRUE, sizeof (gint64), parent->len);
  g_array_set_size (node_thread, parent->len);
  for (guint i = 0; i < parent->len; i++)
    {
      guint root = find_root (parent, i);
      gint64 *thread = &g_array_index (node_thread, gint64, root);
      const char *key = node_key->pdata[i];

      if (*thread == 0)
        *thread = next++;
      stmt = _tern_store_prepare (self,
                                  "INSERT OR IGNORE INTO thread_ref (key, thread_id) VALUES (?, ?)",
                                  error);
      if (stmt == NULL)
        return FALSE;
      sqlite3_bind_int64 (stmt, 1, ref_key (g_array_index (node_account, gint64, i), strchr (key, ' ') + 1));
      sqlite3_bind_int64 (stmt, 2, *thread);
      if (!_tern_store_step_done (self, stmt, "threading the cache", error))
        return FALSE;
    }

  for (guint i = 0; i < messages->len; i++)
    {
      BackfillMessage *m = &g_array_index (messages, BackfillMessage, i);
      gint64 thread;

      if (m->node == G_MAXUINT)
        thread = next++;
      else
        thread = g_array_index (node_thread, gint64, find_root (parent, m->node));
      stmt = _tern_store_prepare (self, "UPDATE message SET thread_id = ? WHERE id = ?", error);
      if (stmt == NULL)
        return FALSE;
      sqlite3_bind_int64 (stmt, 1, thread);
      sqlite3_bind_int64 (stmt, 2, m->id);
      if (!_tern_store_step_done (self, stmt, "threading the cache", error))
        return FALSE;
    }

  stmt = _tern_store_prepare (self, "UPDATE meta SET value = ? WHERE key = 'thread_next'", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, next);
  return _tern_store_step_done (self, stmt, "threading the cache", error);
}
