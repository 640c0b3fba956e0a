/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <sqlite3.h>

#include "tern-store.h"

G_BEGIN_DECLS

/* Shared by the cache's own files: TernStore is implemented by tern-store.c (opening,
 * migrations, transactions, records, flags) and tern-store-accounts.c, -folders.c,
 * -messages.c, -bodies.c, -search.c and -addresses.c; tern-journal*.c, tern-outbox.c,
 * tern-identity.c, tern-threads.c and the list models use it too. */

/* What the user sees in a folder: messages there (unless a move takes them elsewhere) and
 * messages moved there that the server has not moved yet; not those being deleted. */
#define SHOWN_IN(folder) \
  "((m.folder_id = " folder " AND m.local_folder IS NULL) OR m.local_folder = " folder ") " \
  "AND m.hidden = 0 AND m.detached = 0"

/* How many messages a folder shows (an SQL expression; extra: more terms on m): its own,
 * from the message_folder_shown index alone, and those shown there by a local move. */
#define SHOWN_COUNT(folder, extra) \
  "((SELECT count(*) FROM message m INDEXED BY message_folder_shown WHERE m.folder_id = " folder \
  " AND m.local_folder IS NULL AND m.hidden = 0 AND m.detached = 0" extra ") + " \
  "(SELECT count(*) FROM message m WHERE m.local_folder = " folder \
  " AND m.hidden = 0 AND m.detached = 0" extra "))"

/* The columns _tern_store_message_from_row() reads. */
#define MESSAGE_COLUMNS \
  "id, coalesce (local_folder, folder_id), uid, modseq, flags, internaldate, size, date, subject, " \
  "from_name, from_addr, sender, reply_to, to_list, cc_list, bcc_list, message_id, in_reply_to, refs, " \
  "thread_id"

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

struct _TernStore
{
  sqlite3    *db;
  char       *path;
  GHashTable *statements; /* SQL text (static string) -> sqlite3_stmt */
  gboolean    in_transaction;
  TernThreadCache threads;
};

/* A message record from a row of "SELECT " MESSAGE_COLUMNS. (transfer full) */
TernMessage  *_tern_store_message_from_row (sqlite3_stmt *stmt);

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

/* Addresses of the stored lists (tern-store-addresses.c). split: one "Name <a@b>" or "a@b",
 * FALSE if it holds no usable address; each: every address of a comma-separated list. */
gboolean      _tern_store_split_address (const char  *text,
                                     char         **name_out,
                                     char         **address_out);
void          _tern_store_each_address (const char *list,
                                     void        (*func) (const char *name, const char *address, gpointer data),
                                     gpointer      data);

G_END_DECLS
