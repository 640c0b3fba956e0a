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
/* Steps a bound one-value query: its first column, or fallback when there is no row. */
gint64        _tern_store_step_int64 (sqlite3_stmt *stmt,
                                     gint64         fallback);

G_END_DECLS
