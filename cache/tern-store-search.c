/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "tern-store"

#include "config.h"

#include <glib/gstdio.h>
#include <sqlite3.h>
#include <string.h>

#include "tern-store-private.h"

/* Full-text search (FTS5). */

/* Search. */

gboolean
tern_store_index_pending (TernStore  *self,
                          guint       limit,
                          guint      *remaining_out,
                          GError    **error)
{
  sqlite3_stmt *mark;
  sqlite3_stmt *insert;
  sqlite3_stmt *count;
  gint64 up_to = 0, last = 0;
  gboolean own = !self->in_transaction;
  int rc;

  mark = _tern_store_prepare (self, "SELECT value FROM meta WHERE key = 'fts_indexed_up_to'", error);
  if (mark == NULL)
    return FALSE;
  if (sqlite3_step (mark) == SQLITE_ROW)
    up_to = sqlite3_column_int64 (mark, 0);
  sqlite3_reset (mark);

  if (own && !tern_store_begin (self, error))
    return FALSE;
  /* Message ids only grow: everything above the mark is new. */
  insert = _tern_store_prepare (self,
                                "INSERT INTO message_fts (rowid, subject, people, body) "
                                "SELECT m.id, m.subject, "
                                "  coalesce (m.from_name, '') || ' ' || coalesce (m.from_addr, '') || ' ' || "
                                "  coalesce (m.to_list, '') || ' ' || coalesce (m.cc_list, '') || ' ' || "
                                "  coalesce (m.bcc_list, ''), "
                                "  (SELECT b.text FROM body b WHERE b.message = m.id) "
                                "FROM message m WHERE m.id > ?1 ORDER BY m.id LIMIT ?2",
                                error);
  if (insert == NULL)
    goto fail;
  sqlite3_bind_int64 (insert, 1, up_to);
  sqlite3_bind_int64 (insert, 2, limit > 0 ? (gint64) limit : -1);
  if (!_tern_store_step_done (self, insert, "indexing messages", error))
    goto fail;

  mark = _tern_store_prepare (self,
                              "UPDATE meta SET value = coalesce ((SELECT max (rowid) FROM message_fts), value) "
                              "WHERE key = 'fts_indexed_up_to' RETURNING value",
                              error);
  if (mark == NULL)
    goto fail;
  rc = sqlite3_step (mark);
  if (rc == SQLITE_ROW)
    last = sqlite3_column_int64 (mark, 0);
  sqlite3_reset (mark);
  if (rc != SQLITE_ROW)
    {
      _tern_store_fail (self, rc, "indexing messages", error);
      goto fail;
    }
  if (own && !tern_store_commit (self, error))
    return FALSE;

  if (remaining_out != NULL)
    {
      count = _tern_store_prepare (self, "SELECT count(*) FROM message WHERE id > ?", error);
      if (count == NULL)
        return FALSE;
      sqlite3_bind_int64 (count, 1, last);
      *remaining_out = sqlite3_step (count) == SQLITE_ROW ? (guint) sqlite3_column_int64 (count, 0) : 0;
      sqlite3_reset (count);
    }
  return TRUE;

fail:
  if (own)
    tern_store_rollback (self);
  return FALSE;
}

/* Words of a user's query as an FTS5 query: each word quoted (so punctuation cannot make
 * a syntax error), a trailing * kept as a prefix search. */
static char *
fts_query (const char *query)
{
  g_auto(GStrv) words = g_strsplit_set (query, " \t\r\n", -1);
  GString *out = g_string_new (NULL);

  for (guint i = 0; words[i] != NULL; i++)
    {
      char *word = words[i];
      gboolean prefix = FALSE;
      gsize len = strlen (word);

      if (len > 0 && word[len - 1] == '*')
        {
          word[--len] = '\0';
          prefix = TRUE;
        }
      if (len == 0)
        continue;
      if (out->len > 0)
        g_string_append_c (out, ' ');
      g_string_append_c (out, '"');
      for (const char *p = word; *p != '\0'; p++)
        {
          if (*p == '"')
            g_string_append_c (out, '"');
          g_string_append_c (out, *p);
        }
      g_string_append_c (out, '"');
      if (prefix)
        g_string_append_c (out, '*');
    }
  return g_string_free (out, FALSE);
}

/* The shown messages matching ?1, of account ?2 (0: all), newest first. */
#define SEARCH_WHERE \
  "WHERE m.id IN (SELECT rowid FROM message_fts WHERE message_fts MATCH ?1) " \
  "AND m.hidden = 0 AND m.detached = 0 " \
  "AND (?2 = 0 OR coalesce (m.local_folder, m.folder_id) IN " \
  "     (SELECT id FROM folder WHERE account_id = ?2)) " \
  "ORDER BY m.date DESC, m.id DESC"

/* sql prepared with the FTS match of query bound as ?1, the messages waiting to be indexed
 * indexed first; *stmt_out NULL when the query has no words. FALSE on an error. */
static gboolean
prepare_match (TernStore     *self,
               const char    *query,
               const char    *sql,
               sqlite3_stmt **stmt_out,
               GError       **error)
{
  g_autofree char *match = fts_query (query ? query : "");

  *stmt_out = NULL;
  if (*match == '\0')
    return TRUE;
  if (!tern_store_index_pending (self, 0, NULL, error) ||
      (*stmt_out = _tern_store_prepare (self, sql, error)) == NULL)
    return FALSE;
  /* Copied: match goes before the statement is stepped. */
  sqlite3_bind_text (*stmt_out, 1, match, -1, SQLITE_TRANSIENT);
  return TRUE;
}

GPtrArray *
tern_store_search (TernStore   *self,
                   gint64       account_id,
                   const char  *query,
                   guint        limit,
                   GError     **error)
{
  sqlite3_stmt *stmt;

  if (!prepare_match (self, query, "SELECT " MESSAGE_COLUMNS " FROM message m " SEARCH_WHERE " LIMIT ?3", &stmt,
                      error))
    return NULL;
  if (stmt == NULL)
    return g_ptr_array_new_with_free_func ((GDestroyNotify) tern_message_free);
  sqlite3_bind_int64 (stmt, 2, account_id);
  sqlite3_bind_int64 (stmt, 3, limit > 0 ? (gint64) limit : -1);
  return _tern_store_collect (self, stmt, (TernRowFunc) _tern_store_message_from_row,
                              (GDestroyNotify) tern_message_free, "searching", error);
}

GArray *
tern_store_search_message_ids (TernStore   *self,
                               gint64       account_id,
                               const char  *query,
                               GError     **error)
{
  sqlite3_stmt *stmt;

  /* The ids alone: their order and filter read from message_search_key, not the rows. */
  if (!prepare_match (self, query, "SELECT m.id FROM message m INDEXED BY message_search_key " SEARCH_WHERE, &stmt,
                      error))
    return NULL;
  if (stmt == NULL)
    return g_array_new (FALSE, FALSE, sizeof (gint64));
  sqlite3_bind_int64 (stmt, 2, account_id);
  return _tern_store_collect_ids (self, stmt, "searching", error);
}

GArray *
tern_store_search_ids (TernStore   *self,
                       const char  *query,
                       GError     **error)
{
  sqlite3_stmt *stmt;

  /* Newest first by id order, straight from the index: no row is read. */
  if (!prepare_match (self, query, "SELECT rowid FROM message_fts WHERE message_fts MATCH ?1 ORDER BY rowid DESC",
                      &stmt, error))
    return NULL;
  if (stmt == NULL)
    return g_array_new (FALSE, FALSE, sizeof (gint64));
  return _tern_store_collect_ids (self, stmt, "searching", error);
}
