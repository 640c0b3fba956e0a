/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "tern-conversation-model"

#include "config.h"

#include "tern-conversation-model-private.h"
#include "tern-model-private.h"
#include "tern-store-private.h"

/*
 * Reading the ids. Indexed queries read (id, thread, date, seen, folder) of every message
 * shown in the folder, and of the account's Sent folder, newest first; grouping them by thread
 * in that order gives the conversations already sorted by their newest message. Search
 * results are read by id in batches and sorted the same way. What is kept: per conversation
 * its thread, newest message, date, counts and where its messages are, per message its id,
 * and an open-addressing map thread -> position.
 */

#define ID_BATCH 64   /* message ids in one query */

typedef TernConversationRow Row;

/* The map. */

void
_tern_idmap_init (TernIdMap *map,
                  guint      n)
{
  guint size = 16;

  while (size < n * 2)
    size <<= 1;
  map->keys = g_new0 (gint64, size);
  map->values = g_new (guint, size);
  map->mask = size - 1;
}

void
_tern_idmap_clear (TernIdMap *map)
{
  g_clear_pointer (&map->keys, g_free);
  g_clear_pointer (&map->values, g_free);
  map->mask = 0;
}

static inline guint
idmap_slot (const TernIdMap *map,
            gint64           key)
{
  guint64 h = (guint64) key * G_GUINT64_CONSTANT (0x9E3779B97F4A7C15);
  guint i = (guint) (h >> 32) & map->mask;

  while (map->keys[i] != 0 && map->keys[i] != key)
    i = (i + 1) & map->mask;
  return i;
}

guint
_tern_idmap_lookup (const TernIdMap *map,
                    gint64           key)
{
  guint i;

  if (map->keys == NULL)
    return G_MAXUINT;
  i = idmap_slot (map, key);
  return map->keys[i] == key ? map->values[i] : G_MAXUINT;
}

guint
_tern_idmap_get_or_insert (TernIdMap *map,
                           gint64     key,
                           guint      value)
{
  guint i = idmap_slot (map, key);

  if (map->keys[i] == key)
    return map->values[i];
  map->keys[i] = key;
  map->values[i] = value;
  return value;
}

/* Scans. */

void
_tern_conversation_scan_clear (TernConversationScan *scan)
{
  g_clear_pointer (&scan->groups, g_array_unref);
  g_clear_pointer (&scan->members, g_array_unref);
  g_clear_pointer (&scan->in_folder, g_array_unref);
  g_clear_pointer (&scan->rows, g_array_unref);
  _tern_idmap_clear (&scan->index);
}

void
_tern_conversation_scan_init (TernConversationScan *scan)
{
  scan->groups = g_array_new (FALSE, FALSE, sizeof (TernConversationGroup));
  scan->members = g_array_new (FALSE, FALSE, sizeof (gint64));
  scan->in_folder = g_array_new (FALSE, FALSE, sizeof (guint8));
  scan->rows = g_array_new (FALSE, FALSE, sizeof (Row));
  _tern_idmap_init (&scan->index, 8);
}

/* rows, newest first (those with thread 0, and where skip says so, left out), into the scan's
 * conversations. */
static void
group_rows (TernConversationScan *scan,
            GArray               *rows,
            const guint8         *skip)
{
  g_autofree guint *filled = NULL;
  guint n = 0;

  _tern_idmap_clear (&scan->index);
  _tern_idmap_init (&scan->index, rows->len);
  for (guint i = 0; i < rows->len; i++)
    {
      const Row *row = &g_array_index (rows, Row, i);
      TernConversationGroup *group;
      guint pos;

      if (row->thread == 0 || (skip != NULL && skip[i]))
        continue;
      pos = _tern_idmap_get_or_insert (&scan->index, row->thread, scan->groups->len);
      if (pos == scan->groups->len)
        {
          TernConversationGroup fresh = { row->thread, 0, 0, row->date, 0, 0, 0 };

          g_array_append_val (scan->groups, fresh);
        }
      group = &g_array_index (scan->groups, TernConversationGroup, pos);
      if (group->newest_id == 0 && row->in_folder)
        {
          group->newest_id = row->id;
          group->folder_id = row->folder_id;
        }
      group->count++;
      if (!row->seen)
        group->unread++;
      n++;
    }

  /* Each conversation's messages together, oldest first (the rows come newest first). */
  for (guint i = 0, first = 0; i < scan->groups->len; i++)
    {
      TernConversationGroup *group = &g_array_index (scan->groups, TernConversationGroup, i);

      group->first = first;
      first += group->count;
    }
  g_array_set_size (scan->members, n);
  g_array_set_size (scan->in_folder, n);
  filled = g_new0 (guint, MAX (scan->groups->len, 1));
  for (guint i = 0; i < rows->len; i++)
    {
      const Row *row = &g_array_index (rows, Row, i);
      const TernConversationGroup *group;
      guint pos, at;

      if (row->thread == 0 || (skip != NULL && skip[i]))
        continue;
      pos = _tern_idmap_lookup (&scan->index, row->thread);
      group = &g_array_index (scan->groups, TernConversationGroup, pos);
      at = group->first + group->count - 1 - filled[pos]++;
      g_array_index (scan->members, gint64, at) = row->id;
      g_array_index (scan->in_folder, guint8, at) = row->in_folder;
    }
}

static void
read_row (sqlite3_stmt *stmt,
          Row          *row)
{
  row->id = sqlite3_column_int64 (stmt, 0);
  row->thread = sqlite3_column_int64 (stmt, 1);
  row->date = sqlite3_column_int64 (stmt, 2);
  row->seen = sqlite3_column_int (stmt, 3) != 0;
  row->in_folder = sqlite3_column_int (stmt, 4) != 0;
  row->folder_id = sqlite3_column_int64 (stmt, 5);
}

/* One source of rows, newest first as its index gives them, and the UIDs that break ties. */
typedef struct
{
  GArray *rows;   /* Row */
  GArray *uids;   /* gint64, parallel */
} Source;

static gboolean
read_source (TernStore  *store,
             const char *sql,
             gint64      folder_id,
             gint64      sent_id,
             Source     *source,
             GError    **error)
{
  sqlite3_stmt *stmt = _tern_store_prepare (store, sql, error);
  int rc;

  source->rows = g_array_new (FALSE, FALSE, sizeof (Row));
  source->uids = g_array_new (FALSE, FALSE, sizeof (gint64));
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, folder_id);
  sqlite3_bind_int64 (stmt, 2, sent_id);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      Row row;
      gint64 uid = sqlite3_column_int64 (stmt, 6);

      read_row (stmt, &row);
      g_array_append_val (source->rows, row);
      g_array_append_val (source->uids, uid);
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    return _tern_store_fail (store, rc, "listing conversations", error);
  return TRUE;
}

#define SCAN_COLUMNS "SELECT m.id, coalesce (m.thread_id, -m.id), m.date, m.seen, "

typedef struct
{
  Source *sources;
  GArray *rows;
} Merge;

static void
merge_key (guint     list,
           guint     index,
           gint64   *date,
           gint64   *uid,
           gpointer  data)
{
  const Source *src = &((Merge *) data)->sources[list];

  *date = g_array_index (src->rows, Row, index).date;
  *uid = g_array_index (src->uids, gint64, index);
}

static void
merge_take (guint     list,
            guint     index,
            gpointer  data)
{
  Merge *m = data;

  g_array_append_val (m->rows, g_array_index (m->sources[list].rows, Row, index));
}

gboolean
_tern_conversation_scan_folder (TernStore             *store,
                                gint64                 folder_id,
                                gint64                 sent_id,
                                TernConversationScan  *scan,
                                GError               **error)
{
  /* The folder's own messages and Sent's, each in the order of the message_folder_shown
   * index, and the few a local move shows in either: merged here by (date, uid), where one
   * query over all of them sorted 100,000 rows (~200 ms). */
  static const char *const sql[] = {
    SCAN_COLUMNS "1, m.folder_id, m.uid FROM message m INDEXED BY message_folder_shown "
    "WHERE m.folder_id = ?1 AND m.local_folder IS NULL AND m.hidden = 0 AND m.detached = 0 "
    "ORDER BY m.date DESC, m.uid DESC",
    SCAN_COLUMNS "0, m.folder_id, m.uid FROM message m INDEXED BY message_folder_shown "
    "WHERE m.folder_id = ?2 AND ?2 != ?1 AND m.local_folder IS NULL AND m.hidden = 0 AND m.detached = 0 "
    "ORDER BY m.date DESC, m.uid DESC",
    SCAN_COLUMNS "m.local_folder = ?1, m.local_folder, m.uid FROM message m "
    "WHERE m.local_folder IN (?1, ?2) AND m.hidden = 0 AND m.detached = 0 "
    "ORDER BY m.date DESC, m.uid DESC",
  };
  Source sources[G_N_ELEMENTS (sql)] = { { 0 } };
  g_autoptr(GArray) rows = NULL;
  gboolean ok = TRUE;
  guint total = 0;

  _tern_conversation_scan_init (scan);
  if (folder_id == 0)
    return TRUE;

  for (guint i = 0; i < G_N_ELEMENTS (sql); i++)
    {
      ok = ok && read_source (store, sql[i], folder_id, sent_id, &sources[i], error);
      total += sources[i].rows->len;
    }
  if (ok)
    {
      guint lens[G_N_ELEMENTS (sources)];
      Merge m = { sources, NULL };

      m.rows = rows = g_array_sized_new (FALSE, FALSE, sizeof (Row), total);
      for (guint i = 0; i < G_N_ELEMENTS (sources); i++)
        lens[i] = sources[i].rows->len;
      _tern_model_merge (G_N_ELEMENTS (sources), lens, merge_key, merge_take, &m);
    }
  for (guint i = 0; i < G_N_ELEMENTS (sources); i++)
    {
      g_clear_pointer (&sources[i].rows, g_array_unref);
      g_clear_pointer (&sources[i].uids, g_array_unref);
    }
  if (!ok)
    return FALSE;

  _tern_conversation_scan_group (scan, g_steal_pointer (&rows), sent_id != 0);
  return TRUE;
}

void
_tern_conversation_scan_group (TernConversationScan *scan,
                               GArray               *rows,
                               gboolean              sent_filter)
{
  g_autofree guint8 *skip = NULL;

  _tern_conversation_scan_clear (scan);
  _tern_conversation_scan_init (scan);
  /* Sent replies count only in conversations that have a message in the folder. */
  if (sent_filter)
    {
      TernIdMap here = { 0 };

      skip = g_new0 (guint8, MAX (rows->len, 1));
      _tern_idmap_init (&here, rows->len);
      for (guint i = 0; i < rows->len; i++)
        {
          const Row *row = &g_array_index (rows, Row, i);

          if (row->in_folder && row->thread != 0)
            _tern_idmap_get_or_insert (&here, row->thread, 1);
        }
      for (guint i = 0; i < rows->len; i++)
        {
          const Row *row = &g_array_index (rows, Row, i);

          skip[i] = !row->in_folder && _tern_idmap_lookup (&here, row->thread) == G_MAXUINT;
        }
      _tern_idmap_clear (&here);
    }
  group_rows (scan, rows, skip);
  g_array_unref (scan->rows);
  scan->rows = rows;
}

int
_tern_conversation_row_compare (gconstpointer a,
                                gconstpointer b)
{
  const Row *x = a, *y = b;

  if (x->date != y->date)
    return x->date > y->date ? -1 : 1;
  return x->id > y->id ? -1 : x->id < y->id;
}

gboolean
_tern_conversation_scan_read_rows (TernStore  *store,
                                   GArray     *ids,
                                   GArray     *rows,
                                   GError    **error)
{
  static char *sql;

  /* Kept for the life of the process: the store caches statements by SQL pointer. */
  if (sql == NULL)
    sql = _tern_model_build_in_sql ("SELECT m.id, coalesce (m.thread_id, -m.id), m.date, m.seen, 1, "
                                    "coalesce (m.local_folder, m.folder_id) "
                                    "FROM message m INDEXED BY message_search_key "
                                    "WHERE m.hidden = 0 AND m.detached = 0 AND m.id",
                                    ID_BATCH);
  for (guint done = 0; ids != NULL && done < ids->len; done += ID_BATCH)
    {
      sqlite3_stmt *stmt = _tern_store_prepare (store, sql, error);
      int rc;

      if (stmt == NULL)
        return FALSE;
      /* A short last batch: the unused placeholders stay NULL and match nothing. */
      for (guint i = 0; i < ID_BATCH && done + i < ids->len; i++)
        sqlite3_bind_int64 (stmt, (int) i + 1, g_array_index (ids, gint64, done + i));
      while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
        {
          Row row;

          read_row (stmt, &row);
          g_array_append_val (rows, row);
        }
      sqlite3_reset (stmt);
      sqlite3_clear_bindings (stmt);
      if (rc != SQLITE_DONE)
        return _tern_store_fail (store, rc, "reading conversations' messages", error);
    }
  return TRUE;
}

gboolean
_tern_conversation_scan_ids (TernStore             *store,
                             GArray                *ids,
                             TernConversationScan  *scan,
                             GError               **error)
{
  g_autoptr(GArray) rows = g_array_new (FALSE, FALSE, sizeof (Row));

  _tern_conversation_scan_init (scan);
  if (!_tern_conversation_scan_read_rows (store, ids, rows, error))
    return FALSE;
  g_array_sort (rows, _tern_conversation_row_compare);
  _tern_conversation_scan_group (scan, g_steal_pointer (&rows), FALSE);
  return TRUE;
}

void
_tern_conversation_touch (GHashTable *touched,
                          gint64      thread)
{
  if (thread != 0 && !g_hash_table_contains (touched, &thread))
    g_hash_table_add (touched, g_memdup2 (&thread, sizeof thread));
}

GArray *
_tern_conversation_rows_merge (GArray     *old,
                               GHashTable *drop,
                               GArray     *fresh,
                               GHashTable *touched)
{
  GArray *out = g_array_sized_new (FALSE, FALSE, sizeof (Row), old->len + fresh->len);
  guint j = 0;

  g_array_sort (fresh, _tern_conversation_row_compare);
  for (guint i = 0; i < old->len; i++)
    {
      const Row *row = &g_array_index (old, Row, i);

      if (g_hash_table_contains (drop, &row->id))
        {
          _tern_conversation_touch (touched, row->thread);
          continue;
        }
      for (; j < fresh->len && _tern_conversation_row_compare (&g_array_index (fresh, Row, j), row) < 0; j++)
        {
          _tern_conversation_touch (touched, g_array_index (fresh, Row, j).thread);
          g_array_append_val (out, g_array_index (fresh, Row, j));
        }
      g_array_append_val (out, *row);
    }
  for (; j < fresh->len; j++)
    {
      _tern_conversation_touch (touched, g_array_index (fresh, Row, j).thread);
      g_array_append_val (out, g_array_index (fresh, Row, j));
    }
  return out;
}
