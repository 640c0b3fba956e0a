/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "tern-outbox"

#include "config.h"

#include <errno.h>
#include <string.h>

#include <glib/gstdio.h>

#include "tern-outbox.h"
#include "tern-store-private.h"

G_DEFINE_QUARK (tern-outbox-error-quark, tern_outbox_error)

void
tern_outbox_item_free (TernOutboxItem *item)
{
  if (item == NULL)
    return;
  g_free (item->path);
  g_free (item->message_id);
  g_free (item->subject);
  g_free (item->mail_from);
  g_strfreev (item->recipients);
  g_free (item->answers);
  g_free (item->forwards);
  g_free (item->state);
  g_free (item->error_class);
  g_free (item->error);
  g_free (item);
}

void
tern_smtp_settings_free (TernSmtpSettings *settings)
{
  if (settings == NULL)
    return;
  g_free (settings->host);
  g_free (settings->security);
  g_free (settings->user);
  g_free (settings->pinned_sha256);
  g_free (settings);
}

/* Transactions that nest in the caller's, like the journal's. */

typedef struct
{
  TernStore *store;
  gboolean   own;
} Txn;

static gboolean
txn_begin (Txn        *txn,
           TernStore  *store,
           GError    **error)
{
  txn->store = store;
  txn->own = !_tern_store_in_transaction (store);
  return !txn->own || tern_store_begin (store, error);
}

static gboolean
txn_end (Txn        *txn,
         gboolean    ok,
         GError    **error)
{
  if (!txn->own)
    return ok;
  if (!ok)
    {
      tern_store_rollback (txn->store);
      return FALSE;
    }
  return tern_store_commit (txn->store, error);
}

static gint64
now_seconds (void)
{
  return g_get_real_time () / G_USEC_PER_SEC;
}

/* Settings. */

TernSmtpSettings *
tern_outbox_get_smtp (TernStore  *store,
                      gint64      account_id,
                      GError    **error)
{
  g_autoptr(TernAccount) account = NULL;
  g_autoptr(TernSmtpSettings) settings = NULL;
  sqlite3_stmt *stmt;
  int rc;

  g_return_val_if_fail (store != NULL, NULL);

  account = tern_store_get_account_by_id (store, account_id, error);
  if (account == NULL)
    return NULL;
  stmt = _tern_store_prepare (store,
                              "SELECT host, port, security, user, pinned_sha256, server_saves_sent "
                              "FROM smtp_settings WHERE account_id = ?",
                              error);
  if (stmt == NULL)
    return NULL;

  settings = g_new0 (TernSmtpSettings, 1);
  settings->account_id = account_id;
  sqlite3_bind_int64 (stmt, 1, account_id);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    {
      settings->host = _tern_store_dup_column (stmt, 0);
      settings->port = (guint) sqlite3_column_int (stmt, 1);
      settings->security = _tern_store_dup_column (stmt, 2);
      settings->user = _tern_store_dup_column (stmt, 3);
      settings->pinned_sha256 = _tern_store_dup_column (stmt, 4);
      settings->server_saves_sent = sqlite3_column_int (stmt, 5) != 0;
      settings->configured = TRUE;
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    {
      _tern_store_fail (store, rc, "reading the submission settings", error);
      return NULL;
    }

  if (settings->host == NULL || *settings->host == '\0')
    {
      g_free (settings->host);
      settings->host = g_strdup (account->host);
    }
  if (settings->security == NULL)
    settings->security = g_strdup ("tls");
  if (settings->port == 0)
    settings->port = g_strcmp0 (settings->security, "starttls") == 0 ? 587 : 465;
  if (settings->user == NULL || *settings->user == '\0')
    {
      g_free (settings->user);
      settings->user = g_strdup (account->user);
    }

  return g_steal_pointer (&settings);
}

gboolean
tern_outbox_set_smtp (TernStore               *store,
                      const TernSmtpSettings  *settings,
                      GError                 **error)
{
  sqlite3_stmt *stmt;

  g_return_val_if_fail (store != NULL && settings != NULL, FALSE);
  g_return_val_if_fail (settings->security == NULL ||
                        g_str_equal (settings->security, "tls") ||
                        g_str_equal (settings->security, "starttls"), FALSE);

  stmt = _tern_store_prepare (store,
                              "INSERT OR REPLACE INTO smtp_settings (account_id, host, port, security, "
                              "user, pinned_sha256, server_saves_sent) VALUES (?,?,?,?,?,?,?)",
                              error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, settings->account_id);
  _tern_store_bind_text (stmt, 2, settings->host);
  _tern_store_bind_nonzero (stmt, 3, settings->port);
  _tern_store_bind_text (stmt, 4, settings->security ? settings->security : "tls");
  _tern_store_bind_text (stmt, 5, settings->user);
  _tern_store_bind_text (stmt, 6, settings->pinned_sha256);
  sqlite3_bind_int (stmt, 7, settings->server_saves_sent ? 1 : 0);
  return _tern_store_step_done (store, stmt, "storing the submission settings", error);
}

/* Files. */

char *
tern_outbox_dup_dir (TernStore *store)
{
  g_autofree char *base = g_path_get_dirname (tern_store_get_path (store));
  char *dir = g_build_filename (base, "outbox", NULL);

  if (g_mkdir_with_parents (dir, 0700) != 0)
    g_debug ("Cannot create %s: %s", dir, g_strerror (errno));
  return dir;
}

static void
remove_file (const char *path)
{
  if (path != NULL && g_unlink (path) != 0 && errno != ENOENT)
    g_debug ("Cannot remove %s: %s", path, g_strerror (errno));
}

/* Rows. */

#define ITEM_COLUMNS \
  "id, account_id, path, size, message_id, subject, mail_from, recipients, answers, forwards, " \
  "draft, state, stage, error_class, error, attempts, next_attempt, created, sent, follow_up"

static TernOutboxItem *
item_from_row (sqlite3_stmt *stmt)
{
  TernOutboxItem *item = g_new0 (TernOutboxItem, 1);
  g_autofree char *recipients = NULL;

  item->id = sqlite3_column_int64 (stmt, 0);
  item->account_id = sqlite3_column_int64 (stmt, 1);
  item->path = _tern_store_dup_column (stmt, 2);
  item->size = (guint64) sqlite3_column_int64 (stmt, 3);
  item->message_id = _tern_store_dup_column (stmt, 4);
  item->subject = _tern_store_dup_column (stmt, 5);
  item->mail_from = _tern_store_dup_column (stmt, 6);
  recipients = _tern_store_dup_column (stmt, 7);
  item->recipients = g_strsplit (recipients ? recipients : "", "\n", -1);
  if (item->recipients[0] != NULL && *item->recipients[0] == '\0')
    g_clear_pointer (&item->recipients[0], g_free);
  item->answers = _tern_store_dup_column (stmt, 8);
  item->forwards = _tern_store_dup_column (stmt, 9);
  item->draft = sqlite3_column_int64 (stmt, 10);
  item->state = _tern_store_dup_column (stmt, 11);
  item->stage = sqlite3_column_int (stmt, 12);
  item->error_class = _tern_store_dup_column (stmt, 13);
  item->error = _tern_store_dup_column (stmt, 14);
  item->attempts = (guint) sqlite3_column_int (stmt, 15);
  item->next_attempt = sqlite3_column_int64 (stmt, 16);
  item->created = sqlite3_column_int64 (stmt, 17);
  item->sent = sqlite3_column_int64 (stmt, 18);
  item->follow_up = sqlite3_column_int (stmt, 19) != 0;
  return item;
}

/* Runs a prepared SELECT of ITEM_COLUMNS into an array. */
static GPtrArray *
collect_items (TernStore     *store,
               sqlite3_stmt  *stmt,
               GError       **error)
{
  return _tern_store_collect (store, stmt, (TernRowFunc) item_from_row,
                              (GDestroyNotify) tern_outbox_item_free, "reading the outbox", error);
}

static char *
join_recipients (char **recipients)
{
  return g_strjoinv ("\n", recipients ? recipients : (char *[]) { NULL });
}

gint64
tern_outbox_add (TernStore             *store,
                 const TernOutboxItem  *item,
                 GError               **error)
{
  g_autofree char *recipients = NULL;
  sqlite3_stmt *stmt;

  g_return_val_if_fail (store != NULL && item != NULL, 0);
  g_return_val_if_fail (item->path != NULL && item->message_id != NULL && item->mail_from != NULL, 0);

  recipients = join_recipients (item->recipients);
  stmt = _tern_store_prepare (store,
                              "INSERT INTO outbox (account_id, path, size, message_id, subject, "
                              "mail_from, recipients, answers, forwards, draft, created) "
                              "VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                              error);
  if (stmt == NULL)
    return 0;
  sqlite3_bind_int64 (stmt, 1, item->account_id);
  _tern_store_bind_text (stmt, 2, item->path);
  sqlite3_bind_int64 (stmt, 3, (gint64) item->size);
  _tern_store_bind_text (stmt, 4, item->message_id);
  _tern_store_bind_text (stmt, 5, item->subject);
  _tern_store_bind_text (stmt, 6, item->mail_from);
  _tern_store_bind_text (stmt, 7, recipients);
  _tern_store_bind_text (stmt, 8, item->answers);
  _tern_store_bind_text (stmt, 9, item->forwards);
  _tern_store_bind_nonzero (stmt, 10, item->draft);
  sqlite3_bind_int64 (stmt, 11, now_seconds ());
  if (!_tern_store_step_done (store, stmt, "queueing a message", error))
    return 0;
  return sqlite3_last_insert_rowid (_tern_store_get_db (store));
}

TernOutboxItem *
tern_outbox_get (TernStore  *store,
                 gint64      id,
                 GError    **error)
{
  sqlite3_stmt *stmt;
  TernOutboxItem *item = NULL;
  int rc;

  g_return_val_if_fail (store != NULL, NULL);

  stmt = _tern_store_prepare (store, "SELECT " ITEM_COLUMNS " FROM outbox WHERE id = ?", error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, id);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    item = item_from_row (stmt);
  sqlite3_reset (stmt);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    _tern_store_fail (store, rc, "reading the outbox", error);
  else if (item == NULL)
    g_set_error (error, TERN_OUTBOX_ERROR, TERN_OUTBOX_ERROR_NOT_FOUND,
                 "No message %" G_GINT64_FORMAT " in the outbox", id);
  return item;
}

GPtrArray *
tern_outbox_list (TernStore  *store,
                  gint64      account_id,
                  gboolean    with_sent,
                  GError    **error)
{
  sqlite3_stmt *stmt;

  g_return_val_if_fail (store != NULL, NULL);

  stmt = _tern_store_prepare (store,
                              "SELECT " ITEM_COLUMNS " FROM outbox WHERE (?1 = 0 OR account_id = ?1) "
                              "AND (?2 OR state != 'sent') ORDER BY id",
                              error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, account_id);
  sqlite3_bind_int (stmt, 2, with_sent ? 1 : 0);
  return collect_items (store, stmt, error);
}

TernOutboxItem *
tern_outbox_next_due (TernStore  *store,
                      gint64      account_id,
                      gint64      after_id,
                      gint64      now,
                      GError    **error)
{
  sqlite3_stmt *stmt;
  g_autoptr(GPtrArray) items = NULL;

  g_return_val_if_fail (store != NULL, NULL);

  stmt = _tern_store_prepare (store,
                              "SELECT " ITEM_COLUMNS " FROM outbox WHERE account_id = ?1 "
                              "AND state = 'queued' AND id > ?2 AND (?3 = 0 OR next_attempt <= ?3) "
                              "ORDER BY id LIMIT 1",
                              error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, account_id);
  sqlite3_bind_int64 (stmt, 2, after_id);
  sqlite3_bind_int64 (stmt, 3, now);
  items = collect_items (store, stmt, error);
  if (items == NULL || items->len == 0)
    return NULL;
  return g_ptr_array_steal_index (items, 0);
}

guint
tern_outbox_count (TernStore  *store,
                   gint64      account_id,
                   const char *state)
{
  sqlite3_stmt *stmt;
  guint n = 0;

  g_return_val_if_fail (store != NULL, 0);

  stmt = _tern_store_prepare (store,
                              "SELECT count(*) FROM outbox WHERE (?1 = 0 OR account_id = ?1) "
                              "AND (?2 IS NULL OR state = ?2)",
                              NULL);
  if (stmt == NULL)
    return 0;
  sqlite3_bind_int64 (stmt, 1, account_id);
  _tern_store_bind_text (stmt, 2, state);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    n = (guint) sqlite3_column_int (stmt, 0);
  sqlite3_reset (stmt);
  return n;
}

/* Loads the row's state and checks it is one of `allowed` (space separated). */
static gboolean
check_state (TernStore   *store,
             gint64       id,
             const char  *allowed,
             const char  *what,
             char       **path_out,
             GError     **error)
{
  g_autoptr(TernOutboxItem) item = tern_outbox_get (store, id, error);
  g_auto(GStrv) states = NULL;

  if (item == NULL)
    return FALSE;
  states = g_strsplit (allowed, " ", -1);
  if (!g_strv_contains ((const char * const *) states, item->state))
    {
      g_set_error (error, TERN_OUTBOX_ERROR, TERN_OUTBOX_ERROR_STATE,
                   "Outbox message %" G_GINT64_FORMAT " is %s: it cannot be %s", id, item->state, what);
      return FALSE;
    }
  if (path_out != NULL)
    *path_out = g_steal_pointer (&item->path);
  return TRUE;
}

gboolean
tern_outbox_replace (TernStore             *store,
                     gint64                 id,
                     const TernOutboxItem  *item,
                     GError               **error)
{
  g_autofree char *old_path = NULL;
  g_autofree char *recipients = NULL;
  sqlite3_stmt *stmt;
  Txn txn;
  gboolean ok;

  g_return_val_if_fail (store != NULL && item != NULL && item->path != NULL, FALSE);

  if (!txn_begin (&txn, store, error))
    return FALSE;
  ok = check_state (store, id, "queued failed unknown", "changed", &old_path, error);
  recipients = join_recipients (item->recipients);
  stmt = ok ? _tern_store_prepare (store,
                                   "UPDATE outbox SET path = ?, size = ?, message_id = ?, subject = ?, "
                                   "mail_from = ?, recipients = ?, answers = ?, forwards = ?, draft = ?, "
                                   "state = 'queued', stage = 0, error_class = NULL, error = NULL, "
                                   "next_attempt = 0 WHERE id = ?",
                                   error) : NULL;
  ok = ok && stmt != NULL;
  if (ok)
    {
      _tern_store_bind_text (stmt, 1, item->path);
      sqlite3_bind_int64 (stmt, 2, (gint64) item->size);
      _tern_store_bind_text (stmt, 3, item->message_id);
      _tern_store_bind_text (stmt, 4, item->subject);
      _tern_store_bind_text (stmt, 5, item->mail_from);
      _tern_store_bind_text (stmt, 6, recipients);
      _tern_store_bind_text (stmt, 7, item->answers);
      _tern_store_bind_text (stmt, 8, item->forwards);
      _tern_store_bind_nonzero (stmt, 9, item->draft);
      sqlite3_bind_int64 (stmt, 10, id);
      ok = _tern_store_step_done (store, stmt, "changing an outbox message", error);
    }
  if (!txn_end (&txn, ok, error))
    return FALSE;
  if (g_strcmp0 (old_path, item->path) != 0)
    remove_file (old_path);
  return TRUE;
}

/* One UPDATE of the row, guarded by its current state (space separated list). */
static gboolean
update_row (TernStore   *store,
            gint64       id,
            const char  *allowed,
            const char  *what,
            const char  *sql,
            const char  *text,
            gint64       number,
            GError     **error)
{
  sqlite3_stmt *stmt;
  Txn txn;
  gboolean ok;

  if (!txn_begin (&txn, store, error))
    return FALSE;
  ok = check_state (store, id, allowed, what, NULL, error);
  stmt = ok ? _tern_store_prepare (store, sql, error) : NULL;
  ok = ok && stmt != NULL;
  if (ok)
    {
      /* Statements use ?1 (the id) and, where they need them, ?2 and ?3. */
      sqlite3_bind_int64 (stmt, 1, id);
      if (sqlite3_bind_parameter_count (stmt) >= 2)
        _tern_store_bind_text (stmt, 2, text);
      if (sqlite3_bind_parameter_count (stmt) >= 3)
        sqlite3_bind_int64 (stmt, 3, number);
      ok = _tern_store_step_done (store, stmt, "updating the outbox", error);
    }
  return txn_end (&txn, ok, error);
}

gboolean
tern_outbox_begin_sending (TernStore  *store,
                           gint64      id,
                           GError    **error)
{
  return update_row (store, id, "queued", "sent now",
                     "UPDATE outbox SET state = 'sending', stage = 0, attempts = attempts + 1 "
                     "WHERE id = ?1",
                     NULL, 0, error);
}

gboolean
tern_outbox_mark_data_sent (TernStore  *store,
                            gint64      id,
                            GError    **error)
{
  sqlite3 *db = _tern_store_get_db (store);
  gboolean ok;

  g_return_val_if_fail (!_tern_store_in_transaction (store), FALSE);

  /* The cache runs with synchronous=NORMAL, which keeps every commit through a killed
   * process but may lose the newest after a power cut. This one must survive that too:
   * losing it would put the message back in the queue although the server may have it. */
  sqlite3_exec (db, "PRAGMA synchronous = FULL", NULL, NULL, NULL);
  ok = update_row (store, id, "sending", "marked as handed over",
                   "UPDATE outbox SET stage = 1 WHERE id = ?1",
                   NULL, 0, error);
  sqlite3_exec (db, "PRAGMA synchronous = NORMAL", NULL, NULL, NULL);
  return ok;
}

gboolean
tern_outbox_defer (TernStore   *store,
                   gint64       id,
                   const char  *reason,
                   guint        retry_after,
                   GError     **error)
{
  return update_row (store, id, "sending queued", "deferred",
                     "UPDATE outbox SET state = 'queued', stage = 0, error_class = 'retry', error = ?2, "
                     "next_attempt = ?3 WHERE id = ?1",
                     reason, now_seconds () + retry_after, error);
}

gboolean
tern_outbox_fail (TernStore   *store,
                  gint64       id,
                  const char  *state,
                  const char  *reason,
                  GError     **error)
{
  g_return_val_if_fail (g_strcmp0 (state, TERN_OUTBOX_FAILED) == 0 ||
                        g_strcmp0 (state, TERN_OUTBOX_UNKNOWN) == 0, FALSE);

  if (g_str_equal (state, TERN_OUTBOX_FAILED))
    return update_row (store, id, "sending queued", "marked as failed",
                       "UPDATE outbox SET state = 'failed', stage = 0, error_class = 'user', "
                       "error = ?2 WHERE id = ?1",
                       reason, 0, error);
  return update_row (store, id, "sending", "marked as unknown",
                     "UPDATE outbox SET state = 'unknown', stage = 0, error_class = 'user', "
                     "error = ?2 WHERE id = ?1",
                     reason, 0, error);
}

gboolean
tern_outbox_set_sent (TernStore  *store,
                      gint64      id,
                      GError    **error)
{
  return update_row (store, id, "sending", "marked as sent",
                     "UPDATE outbox SET state = 'sent', stage = 0, error_class = NULL, error = NULL, "
                     "sent = ?3, follow_up = 1 WHERE id = ?1",
                     NULL, now_seconds (), error);
}

gboolean
tern_outbox_set_followed_up (TernStore  *store,
                             gint64      id,
                             GError    **error)
{
  g_autofree char *path = NULL;
  Txn txn;
  gboolean ok;

  if (!txn_begin (&txn, store, error))
    return FALSE;
  ok = check_state (store, id, "sent", "followed up", &path, error) &&
       update_row (store, id, "sent", "followed up",
                   "UPDATE outbox SET follow_up = 0 WHERE id = ?1",
                   NULL, 0, error);
  if (!txn_end (&txn, ok, error))
    return FALSE;
  /* Inside a caller's transaction the file goes at the next prune instead: a rollback
   * would leave a row that still needs it. */
  if (txn.own)
    remove_file (path);
  return TRUE;
}

gboolean
tern_outbox_recover (TernStore  *store,
                     gint64      account_id,
                     guint      *unknown_out,
                     GError    **error)
{
  sqlite3_stmt *stmt;
  Txn txn;
  gboolean ok;

  if (unknown_out != NULL)
    *unknown_out = 0;
  if (!txn_begin (&txn, store, error))
    return FALSE;
  stmt = _tern_store_prepare (store,
                              "UPDATE outbox SET state = 'unknown', stage = 0, error_class = 'user', "
                              "error = 'Tern stopped while the server was confirming this message: it "
                              "may have been sent. Retry to send it again, or mark it as sent' "
                              "WHERE account_id = ? AND state = 'sending' AND stage = 1",
                              error);
  ok = stmt != NULL;
  if (ok)
    {
      sqlite3_bind_int64 (stmt, 1, account_id);
      ok = _tern_store_step_done (store, stmt, "recovering the outbox", error);
      if (ok && unknown_out != NULL)
        *unknown_out = (guint) sqlite3_changes (_tern_store_get_db (store));
    }
  stmt = ok ? _tern_store_prepare (store,
                                   "UPDATE outbox SET state = 'queued', stage = 0, error_class = 'retry', "
                                   "error = 'Interrupted before the message went out' "
                                   "WHERE account_id = ? AND state = 'sending'",
                                   error) : NULL;
  ok = ok && stmt != NULL;
  if (ok)
    {
      sqlite3_bind_int64 (stmt, 1, account_id);
      ok = _tern_store_step_done (store, stmt, "recovering the outbox", error);
    }
  return txn_end (&txn, ok, error);
}

gboolean
tern_outbox_retry (TernStore  *store,
                   gint64      id,
                   GError    **error)
{
  return update_row (store, id, "queued failed unknown", "retried",
                     "UPDATE outbox SET state = 'queued', stage = 0, error_class = NULL, error = NULL, "
                     "next_attempt = 0 WHERE id = ?1",
                     NULL, 0, error);
}

gboolean
tern_outbox_mark_sent (TernStore  *store,
                       gint64      id,
                       GError    **error)
{
  return update_row (store, id, "unknown failed", "marked as sent",
                     "UPDATE outbox SET state = 'sent', stage = 0, error_class = NULL, error = NULL, "
                     "sent = ?3, follow_up = 1 WHERE id = ?1",
                     NULL, now_seconds (), error);
}

gboolean
tern_outbox_discard (TernStore  *store,
                     gint64      id,
                     GError    **error)
{
  g_autofree char *path = NULL;
  sqlite3_stmt *stmt;
  Txn txn;
  gboolean ok;

  if (!txn_begin (&txn, store, error))
    return FALSE;
  ok = check_state (store, id, "queued failed unknown sent", "discarded", &path, error);
  stmt = ok ? _tern_store_prepare (store, "DELETE FROM outbox WHERE id = ?", error) : NULL;
  ok = ok && stmt != NULL;
  if (ok)
    {
      sqlite3_bind_int64 (stmt, 1, id);
      ok = _tern_store_step_done (store, stmt, "discarding an outbox message", error);
    }
  if (!txn_end (&txn, ok, error))
    return FALSE;
  if (txn.own)
    remove_file (path);
  return TRUE;
}

gboolean
tern_outbox_prune (TernStore  *store,
                   gint64      max_age,
                   GError    **error)
{
  g_autofree char *dir = tern_outbox_dup_dir (store);
  g_autoptr(GHashTable) known = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GDir) listing = NULL;
  sqlite3_stmt *stmt;
  const char *name;
  gint64 now = now_seconds ();
  int rc;

  stmt = _tern_store_prepare (store,
                              "DELETE FROM outbox WHERE state = 'sent' AND follow_up = 0 AND sent < ?",
                              error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, now - max_age);
  if (!_tern_store_step_done (store, stmt, "pruning the outbox", error))
    return FALSE;

  /* Files of rows that still need them: everything but a followed-up sent message. */
  stmt = _tern_store_prepare (store,
                              "SELECT path FROM outbox WHERE state != 'sent' OR follow_up = 1",
                              error);
  if (stmt == NULL)
    return FALSE;
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      char *path = _tern_store_dup_column (stmt, 0);

      if (path != NULL)
        g_hash_table_add (known, path);
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    return _tern_store_fail (store, rc, "reading the outbox", error);

  listing = g_dir_open (dir, 0, NULL);
  while (listing != NULL && (name = g_dir_read_name (listing)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);
      GStatBuf st;

      if (name[0] == '.' || g_hash_table_contains (known, path))
        continue;
      if (g_stat (path, &st) == 0 && S_ISREG (st.st_mode) && now - st.st_mtime > 60)
        remove_file (path);
    }
  return TRUE;
}

/* Lookups for the follow-up and drafts. */

static char *
bracketed (const char *message_id)
{
  g_autofree char *stripped = g_strstrip (g_strdup (message_id));

  if (stripped[0] == '<')
    return g_steal_pointer (&stripped);
  return g_strdup_printf ("<%s>", stripped);
}

GArray *
tern_outbox_find_message_ids (TernStore   *store,
                              gint64       account_id,
                              const char  *message_id,
                              GError     **error)
{
  g_autofree char *wanted = NULL;
  sqlite3_stmt *stmt;

  g_return_val_if_fail (store != NULL && message_id != NULL, NULL);

  wanted = bracketed (message_id);
  stmt = _tern_store_prepare (store,
                              "SELECT m.id FROM message m "
                              "JOIN folder f ON f.id = coalesce (m.local_folder, m.folder_id) "
                              "WHERE m.message_id = ? AND f.account_id = ? "
                              "AND m.hidden = 0 AND m.detached = 0 ORDER BY m.id",
                              error);
  if (stmt == NULL)
    return NULL;
  _tern_store_bind_text (stmt, 1, wanted);
  sqlite3_bind_int64 (stmt, 2, account_id);
  return _tern_store_collect_ids (store, stmt, "looking up a Message-ID", error);
}

GArray *
tern_outbox_find_in_folder (TernStore   *store,
                            gint64       folder_id,
                            const char  *message_id,
                            GError     **error)
{
  g_autofree char *wanted = NULL;
  sqlite3_stmt *stmt;

  g_return_val_if_fail (store != NULL && message_id != NULL, NULL);

  wanted = bracketed (message_id);
  stmt = _tern_store_prepare (store,
                              "SELECT id FROM message WHERE message_id = ?1 "
                              "AND coalesce (local_folder, folder_id) = ?2 "
                              "AND hidden = 0 AND detached = 0 "
                              "ORDER BY coalesce (date, 0) DESC, id DESC",
                              error);
  if (stmt == NULL)
    return NULL;
  _tern_store_bind_text (stmt, 1, wanted);
  sqlite3_bind_int64 (stmt, 2, folder_id);
  return _tern_store_collect_ids (store, stmt, "looking up a draft", error);
}
