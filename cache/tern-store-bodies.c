/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "tern-store"

#include "config.h"

#include <glib/gstdio.h>
#include <sqlite3.h>
#include <string.h>

#include "tern-store-private.h"

/* Bodies and parts: texts, part files, offline availability and eviction. */

/* Bodies. */

void
tern_body_free (TernBody *body)
{
  if (body == NULL)
    return;
  g_free (body->section);
  g_free (body->content_type);
  g_free (body->text);
  g_free (body);
}

TernBody *
tern_store_get_body (TernStore   *self,
                     gint64       message_id,
                     GError     **error)
{
  sqlite3_stmt *stmt = _tern_store_prepare (self,
                                            "SELECT section, content_type, text, fetched, pinned FROM body "
                                            "WHERE message = ?",
                                            error);
  sqlite3_stmt *touch;
  TernBody *body = NULL;
  int rc;

  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, message_id);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    {
      body = g_new0 (TernBody, 1);
      body->message = message_id;
      body->section = _tern_store_dup_column (stmt, 0);
      body->content_type = _tern_store_dup_column (stmt, 1);
      body->text = _tern_store_dup_column (stmt, 2);
      body->fetched = sqlite3_column_int64 (stmt, 3);
      body->pinned = sqlite3_column_int (stmt, 4) != 0;
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    {
      _tern_store_fail (self, rc, "reading a message body", error);
      return NULL;
    }
  if (body == NULL)
    return NULL;

  /* Least-recently-used eviction needs to know; a read-only cache still reads. */
  touch = _tern_store_prepare (self, "UPDATE body SET accessed = ? WHERE message = ?", NULL);
  if (touch != NULL)
    {
      sqlite3_bind_int64 (touch, 1, g_get_real_time () / G_USEC_PER_SEC);
      sqlite3_bind_int64 (touch, 2, message_id);
      _tern_store_step_done (self, touch, "", NULL);
    }
  return body;
}

gboolean
tern_store_set_body (TernStore   *self,
                     gint64       message_id,
                     const char  *section,
                     const char  *content_type,
                     const char  *text,
                     GError     **error)
{
  sqlite3_stmt *stmt = _tern_store_prepare (self,
                                            "INSERT INTO body (message, section, content_type, text, size, fetched, accessed) "
                                            "VALUES (?1, ?2, ?3, ?4, length (CAST (?4 AS BLOB)), ?5, ?5) "
                                            "ON CONFLICT (message) DO UPDATE SET section = excluded.section, "
                                            "content_type = excluded.content_type, text = excluded.text, "
                                            "size = excluded.size, fetched = excluded.fetched, accessed = excluded.accessed",
                                            error);
  sqlite3_stmt *fts;
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, message_id);
  _tern_store_bind_text (stmt, 2, section);
  _tern_store_bind_text (stmt, 3, content_type ? content_type : "text/plain");
  _tern_store_bind_text (stmt, 4, text ? text : "");
  sqlite3_bind_int64 (stmt, 5, now);
  if (!_tern_store_step_done (self, stmt, "storing a message body", error))
    return FALSE;

  /* Searchable at once, if the headers are indexed already (else the batch indexer
   * picks the body up with them). */
  fts = _tern_store_prepare (self,
                             "UPDATE message_fts SET body = ?2 WHERE rowid = ?1",
                             error);
  if (fts == NULL)
    return FALSE;
  sqlite3_bind_int64 (fts, 1, message_id);
  _tern_store_bind_text (fts, 2, text);
  return _tern_store_step_done (self, fts, "indexing a message body", error);
}

gboolean
tern_store_set_body_pinned (TernStore   *self,
                            gint64       message_id,
                            gboolean     pinned,
                            GError     **error)
{
  sqlite3_stmt *stmt = _tern_store_prepare (self, "UPDATE body SET pinned = ? WHERE message = ?", error);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int (stmt, 1, pinned);
  sqlite3_bind_int64 (stmt, 2, message_id);
  return _tern_store_step_done (self, stmt, "pinning a message", error);
}

/* Part files. */

gboolean
tern_store_get_part_file (TernStore   *self,
                          gint64       message_id,
                          const char  *section,
                          char       **path_out,
                          guint64     *fetched_out,
                          gboolean    *complete_out)
{
  sqlite3_stmt *stmt = _tern_store_prepare (self,
                                            "SELECT path, fetched, complete FROM part_file WHERE message = ? AND section = ?",
                                            NULL);
  gboolean found;

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, message_id);
  _tern_store_bind_text (stmt, 2, section);
  found = sqlite3_step (stmt) == SQLITE_ROW;
  if (found)
    {
      if (path_out)
        *path_out = _tern_store_dup_column (stmt, 0);
      if (fetched_out)
        *fetched_out = (guint64) sqlite3_column_int64 (stmt, 1);
      if (complete_out)
        *complete_out = sqlite3_column_int (stmt, 2) != 0;
    }
  sqlite3_reset (stmt);
  return found;
}

gboolean
tern_store_set_part_file (TernStore   *self,
                          gint64       message_id,
                          const char  *section,
                          const char  *path,
                          guint64      fetched,
                          gboolean     complete,
                          GError     **error)
{
  sqlite3_stmt *stmt = _tern_store_prepare (self,
                                            "INSERT INTO part_file (message, section, path, fetched, complete, accessed) "
                                            "VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (message, section) DO UPDATE SET "
                                            "path = excluded.path, fetched = excluded.fetched, "
                                            "complete = excluded.complete, accessed = excluded.accessed",
                                            error);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, message_id);
  _tern_store_bind_text (stmt, 2, section);
  _tern_store_bind_text (stmt, 3, path);
  sqlite3_bind_int64 (stmt, 4, (gint64) fetched);
  sqlite3_bind_int (stmt, 5, complete);
  sqlite3_bind_int64 (stmt, 6, g_get_real_time () / G_USEC_PER_SEC);
  return _tern_store_step_done (self, stmt, "recording a download", error);
}

gint64
tern_store_find_uid (TernStore *self,
                     gint64     folder_id,
                     guint32    uid)
{
  sqlite3_stmt *stmt = _tern_store_prepare (self, "SELECT id FROM message WHERE folder_id = ? AND uid = ?", NULL);

  if (stmt == NULL)
    return 0;
  sqlite3_bind_int64 (stmt, 1, folder_id);
  sqlite3_bind_int64 (stmt, 2, uid);
  return _tern_store_step_int64 (stmt, 0);
}

gboolean
tern_store_set_part_filename (TernStore   *self,
                              gint64       message_id,
                              const char  *section,
                              const char  *filename,
                              const char  *disposition,
                              GError     **error)
{
  sqlite3_stmt *stmt = _tern_store_prepare (self,
                                            "UPDATE part SET filename = ?1, disposition = ?4 WHERE message = ?2 AND section = ?3",
                                            error);

  if (stmt == NULL)
    return FALSE;
  _tern_store_bind_text (stmt, 1, filename);
  sqlite3_bind_int64 (stmt, 2, message_id);
  _tern_store_bind_text (stmt, 3, section);
  _tern_store_bind_text (stmt, 4, disposition);
  return _tern_store_step_done (self, stmt, "naming an attachment", error);
}

/* Offline availability. */

gboolean
tern_store_set_offline_policy (TernStore   *self,
                               gint64       account_id,
                               gint64       folder_id,
                               gint64       days,
                               gint64       max_size,
                               int          full,
                               gint64       cache_limit,
                               GError     **error)
{
  sqlite3_stmt *stmt;

  /* -1 leaves a setting as it is. */
  if (folder_id != 0)
    stmt = _tern_store_prepare (self,
                                "UPDATE folder SET offline_days = CASE WHEN ?2 < 0 THEN offline_days ELSE nullif (?2, 0) END, "
                                "offline_max_size = CASE WHEN ?3 < 0 THEN offline_max_size ELSE nullif (?3, 0) END, "
                                "offline_full = CASE WHEN ?4 < 0 THEN offline_full ELSE ?4 END WHERE id = ?1",
                                error);
  else
    stmt = _tern_store_prepare (self,
                                "UPDATE account SET offline_days = CASE WHEN ?2 < 0 THEN offline_days ELSE ?2 END, "
                                "offline_max_size = CASE WHEN ?3 < 0 THEN offline_max_size ELSE ?3 END, "
                                "cache_limit = CASE WHEN ?5 < 0 THEN cache_limit ELSE ?5 END WHERE id = ?1",
                                error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, folder_id != 0 ? folder_id : account_id);
  sqlite3_bind_int64 (stmt, 2, days);
  sqlite3_bind_int64 (stmt, 3, max_size);
  sqlite3_bind_int (stmt, 4, full);
  sqlite3_bind_int64 (stmt, 5, cache_limit);
  return _tern_store_step_done (self, stmt, "setting the offline policy", error);
}

GArray *
tern_store_list_prefetch (TernStore   *self,
                          gint64       folder_id,
                          GError     **error)
{
  sqlite3_stmt *stmt = _tern_store_prepare (self,
                                            "SELECT m.id FROM message m JOIN folder f ON f.id = ?1 "
                                            "JOIN account a ON a.id = f.account_id "
                                            "WHERE m.folder_id = ?1 AND m.uid IS NOT NULL AND m.detached = 0 AND m.hidden = 0 "
                                            "AND NOT EXISTS (SELECT 1 FROM body b WHERE b.message = m.id) "
                                            "AND (f.offline_full OR "
                                            "     (m.date >= ?2 - 86400 * coalesce (f.offline_days, a.offline_days) AND "
                                            "      (m.size <= coalesce (f.offline_max_size, a.offline_max_size) OR "
                                            "       EXISTS (SELECT 1 FROM part p WHERE p.message = m.id AND p.type = 'text' "
                                            "               AND p.subtype IN ('plain', 'html') "
                                            "               AND coalesce (p.disposition, '') != 'attachment' "
                                            "               AND p.size <= coalesce (f.offline_max_size, a.offline_max_size))))) "
                                            "ORDER BY m.date DESC",
                                            error);

  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, folder_id);
  sqlite3_bind_int64 (stmt, 2, g_get_real_time () / G_USEC_PER_SEC);
  return _tern_store_collect_ids (self, stmt, "choosing bodies to keep offline", error);
}

gint64
tern_store_get_offline_max_size (TernStore  *self,
                                 gint64      folder_id,
                                 GError    **error)
{
  sqlite3_stmt *stmt = _tern_store_prepare (self,
                                            "SELECT coalesce (f.offline_max_size, a.offline_max_size) FROM folder f "
                                            "JOIN account a ON a.id = f.account_id WHERE f.id = ?",
                                            error);

  if (stmt == NULL)
    return -1;
  sqlite3_bind_int64 (stmt, 1, folder_id);
  return _tern_store_step_int64 (stmt, 0);
}

gboolean
tern_store_cache_usage (TernStore  *self,
                        gint64      account_id,
                        guint64    *bytes_out,
                        guint      *bodies_out,
                        guint      *parts_out,
                        GError    **error)
{
  sqlite3_stmt *stmt = _tern_store_prepare (self,
                                            "SELECT "
                                            "(SELECT coalesce (sum (b.size), 0) FROM body b JOIN message m ON m.id = b.message "
                                            "  JOIN folder f ON f.id = m.folder_id WHERE f.account_id = ?1), "
                                            "(SELECT count(*) FROM body b JOIN message m ON m.id = b.message "
                                            "  JOIN folder f ON f.id = m.folder_id WHERE f.account_id = ?1), "
                                            "(SELECT coalesce (sum (p.fetched), 0) FROM part_file p JOIN message m ON m.id = p.message "
                                            "  JOIN folder f ON f.id = m.folder_id WHERE f.account_id = ?1), "
                                            "(SELECT count(*) FROM part_file p JOIN message m ON m.id = p.message "
                                            "  JOIN folder f ON f.id = m.folder_id WHERE f.account_id = ?1 AND p.complete)",
                                            error);
  int rc;

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, account_id);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    {
      if (bytes_out)
        *bytes_out = (guint64) (sqlite3_column_int64 (stmt, 0) + sqlite3_column_int64 (stmt, 2));
      if (bodies_out)
        *bodies_out = (guint) sqlite3_column_int64 (stmt, 1);
      if (parts_out)
        *parts_out = (guint) sqlite3_column_int64 (stmt, 3);
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_ROW)
    return _tern_store_fail (self, rc, "measuring the cache", error);
  return TRUE;
}

gboolean
tern_store_evict (TernStore  *self,
                  gint64      account_id,
                  guint64     limit,
                  guint      *evicted_out,
                  GError    **error)
{
  /* Candidates, least recently used first: bodies and part files alike. */
  sqlite3_stmt *stmt = _tern_store_prepare (self,
                                            "SELECT kind, message, section, path, bytes FROM ("
                                            "  SELECT 0 AS kind, b.message, NULL AS section, NULL AS path, b.size AS bytes, "
                                            "         b.accessed AS used FROM body b JOIN message m ON m.id = b.message "
                                            "  JOIN folder f ON f.id = m.folder_id WHERE f.account_id = ?1 AND b.pinned = 0 "
                                            "  AND f.offline_full = 0 AND NOT EXISTS (SELECT 1 FROM action a WHERE "
                                            "      a.state = 'queued' AND (a.message = m.id OR a.new_message = m.id)) "
                                            "  UNION ALL "
                                            "  SELECT 1, p.message, p.section, p.path, p.fetched, coalesce (p.accessed, 0) "
                                            "  FROM part_file p JOIN message m ON m.id = p.message "
                                            "  JOIN folder f ON f.id = m.folder_id WHERE f.account_id = ?1 AND f.offline_full = 0"
                                            ") ORDER BY used, message",
                                            error);
  g_autoptr(GPtrArray) doomed = g_ptr_array_new_with_free_func (g_free);
  guint64 used = 0;
  guint evicted = 0;
  int rc;

  if (stmt == NULL || !tern_store_cache_usage (self, account_id, &used, NULL, NULL, error))
    return FALSE;
  if (used <= limit)
    {
      if (evicted_out)
        *evicted_out = 0;
      return TRUE;
    }

  sqlite3_bind_int64 (stmt, 1, account_id);
  if (!tern_store_begin (self, error))
    return FALSE;
  while (used > limit && (rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      int kind = sqlite3_column_int (stmt, 0);
      gint64 message = sqlite3_column_int64 (stmt, 1);
      sqlite3_stmt *del;

      if (kind == 0)
        {
          del = _tern_store_prepare (self, "DELETE FROM body WHERE message = ?", error);
          if (del == NULL)
            goto fail;
          sqlite3_bind_int64 (del, 1, message);
        }
      else
        {
          g_ptr_array_add (doomed, _tern_store_dup_column (stmt, 3));
          del = _tern_store_prepare (self, "DELETE FROM part_file WHERE message = ? AND section = ?", error);
          if (del == NULL)
            goto fail;
          sqlite3_bind_int64 (del, 1, message);
          _tern_store_bind_text (del, 2, (const char *) sqlite3_column_text (stmt, 2));
        }
      if (!_tern_store_step_done (self, del, "evicting", error))
        goto fail;
      used -= MIN (used, (guint64) sqlite3_column_int64 (stmt, 4));
      evicted++;
    }
  sqlite3_reset (stmt);
  if (!tern_store_commit (self, error))
    return FALSE;
  /* Files go only once the rows are gone for good. */
  for (guint i = 0; i < doomed->len; i++)
    if (doomed->pdata[i] != NULL)
      {
        g_autofree char *encoded = g_strconcat (doomed->pdata[i], ".enc", NULL);

        g_remove (doomed->pdata[i]);
        g_remove (encoded);
      }
  if (evicted_out)
    *evicted_out = evicted;
  return TRUE;

fail:
  sqlite3_reset (stmt);
  tern_store_rollback (self);
  return FALSE;
}
