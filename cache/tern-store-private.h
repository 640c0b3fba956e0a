/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <sqlite3.h>

#include "tern-store.h"

G_BEGIN_DECLS

/* Shared by the cache's own files (tern-store.c, tern-journal.c). */

sqlite3_stmt *_tern_store_prepare   (TernStore     *self,
                                     const char    *sql,
                                     GError       **error);
gboolean      _tern_store_step_done (TernStore     *self,
                                     sqlite3_stmt  *stmt,
                                     const char    *what,
                                     GError       **error);
gboolean      _tern_store_fail      (TernStore     *self,
                                     int            rc,
                                     const char    *what,
                                     GError       **error);
sqlite3      *_tern_store_get_db    (TernStore     *self);
gboolean      _tern_store_in_transaction (TernStore *self);
void          _tern_store_bind_text (sqlite3_stmt  *stmt,
                                     int            idx,
                                     const char    *text);
void          _tern_store_bind_nonzero (sqlite3_stmt *stmt,
                                     int            idx,
                                     gint64         value);
char         *_tern_store_dup_column (sqlite3_stmt *stmt,
                                     int            col);
/* Steps a bound SELECT to its end: one from_row() object a row, in an array that frees them
 * with free_func; NULL and an error naming `what` if a step fails. Resets stmt. */
typedef gpointer (*TernRowFunc) (sqlite3_stmt *stmt);
GPtrArray    *_tern_store_collect   (TernStore     *self,
                                     sqlite3_stmt  *stmt,
                                     TernRowFunc    from_row,
                                     GDestroyNotify free_func,
                                     const char    *what,
                                     GError       **error);
/* The same for a SELECT of ids: its first column as gint64s. */
GArray       *_tern_store_collect_ids (TernStore   *self,
                                     sqlite3_stmt  *stmt,
                                     const char    *what,
                                     GError       **error);
/* Steps a bound one-value query: its first column, or fallback when there is no row. */
gint64        _tern_store_step_int64 (sqlite3_stmt *stmt,
                                     gint64         fallback);

/* Conversations (tern-threads.c). What a transaction begun with tern_store_begin() may
 * remember: the account of the last folder, thread ids reserved in it (both forgotten when it
 * ends, so a rollback cannot hand out ids another connection reserves). */
typedef struct
{
  gint64  folder_id;
  gint64  account_id;
  gint64  next_thread;
  gint64  end_thread;
  gint64 *keys;         /* ref key -> thread, open addressing; 0: empty */
  gint64 *values;
  guint   mask;
  guint   used;
} TernThreadCache;

void             _tern_thread_cache_reset     (TernThreadCache *cache);

/* NULL outside such a transaction. */
TernThreadCache *_tern_store_get_thread_cache (TernStore *self);

GPtrArray    *_tern_threads_collect_ids (const char *message_id,
                                     const char    *in_reply_to,
                                     const char    *references,
                                     gboolean      *has_own);
/* The thread a message stored in the folder belongs to, linking and merging as its ids say
 * (inside the caller's transaction). */
gboolean      _tern_threads_assign  (TernStore     *self,
                                     gint64         folder_id,
                                     const char    *message_id,
                                     const char    *in_reply_to,
                                     const char    *references,
                                     gint64        *thread_out,
                                     GError       **error);
/* Threads every message that has no thread yet (the migration to schema 5). */
gboolean      _tern_threads_backfill (TernStore    *self,
                                     GError       **error);

G_END_DECLS
