/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "tern-store"

#include "config.h"

#include <sqlite3.h>

#include "tern-sieve-store.h"
#include "tern-store-private.h"

void
tern_sieve_settings_free (TernSieveSettings *settings)
{
  if (settings == NULL)
    return;
  g_free (settings->host);
  g_free (settings->script);
  g_free (settings->error);
  g_free (settings);
}

TernSieveSettings *
tern_sieve_store_get (TernStore  *store,
                      gint64      account_id,
                      GError    **error)
{
  g_autoptr(TernAccount) account = NULL;
  g_autoptr(TernSieveSettings) settings = NULL;
  sqlite3_stmt *stmt;
  int rc;

  g_return_val_if_fail (store != NULL, NULL);

  account = tern_store_get_account_by_id (store, account_id, error);
  if (account == NULL)
    return NULL;
  stmt = _tern_store_prepare (store,
                              "SELECT host, port, disabled, script, dirty, error, changed "
                              "FROM sieve_settings WHERE account_id = ?",
                              error);
  if (stmt == NULL)
    return NULL;
  settings = g_new0 (TernSieveSettings, 1);
  settings->account_id = account_id;
  sqlite3_bind_int64 (stmt, 1, account_id);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    {
      settings->host = _tern_store_dup_column (stmt, 0);
      settings->port = (guint) sqlite3_column_int (stmt, 1);
      settings->disabled = sqlite3_column_int (stmt, 2) != 0;
      settings->script = _tern_store_dup_column (stmt, 3);
      settings->dirty = sqlite3_column_int (stmt, 4) != 0;
      settings->error = _tern_store_dup_column (stmt, 5);
      settings->changed = sqlite3_column_int64 (stmt, 6);
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    {
      _tern_store_fail (store, rc, "reading the rules settings", error);
      return NULL;
    }
  if (settings->host == NULL || *settings->host == '\0')
    {
      g_free (settings->host);
      settings->host = g_strdup (account->host);
    }
  if (settings->port == 0)
    settings->port = 4190;
  return g_steal_pointer (&settings);
}

static gboolean
ensure_row (TernStore  *store,
            gint64      account_id,
            GError    **error)
{
  sqlite3_stmt *stmt = _tern_store_prepare (store,
                                            "INSERT OR IGNORE INTO sieve_settings (account_id) VALUES (?)",
                                            error);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, account_id);
  return _tern_store_step_done (store, stmt, "storing the rules settings", error);
}

gboolean
tern_sieve_store_set_server (TernStore   *store,
                             gint64       account_id,
                             const char  *host,
                             guint        port,
                             gboolean     disabled,
                             GError     **error)
{
  sqlite3_stmt *stmt;

  g_return_val_if_fail (store != NULL, FALSE);

  if (!ensure_row (store, account_id, error))
    return FALSE;
  stmt = _tern_store_prepare (store,
                              "UPDATE sieve_settings SET host = ?, port = ?, disabled = ? WHERE account_id = ?",
                              error);
  if (stmt == NULL)
    return FALSE;
  _tern_store_bind_text (stmt, 1, host);
  _tern_store_bind_nonzero (stmt, 2, port);
  sqlite3_bind_int (stmt, 3, disabled ? 1 : 0);
  sqlite3_bind_int64 (stmt, 4, account_id);
  return _tern_store_step_done (store, stmt, "storing the rules server", error);
}

static gboolean
update_script (TernStore   *store,
               gint64       account_id,
               const char  *script,
               gboolean     dirty,
               GError     **error)
{
  sqlite3_stmt *stmt;

  if (!ensure_row (store, account_id, error))
    return FALSE;
  stmt = _tern_store_prepare (store,
                              "UPDATE sieve_settings SET script = ?, dirty = ?, error = NULL, "
                              "changed = CASE WHEN ? THEN strftime ('%s', 'now') ELSE changed END "
                              "WHERE account_id = ?",
                              error);
  if (stmt == NULL)
    return FALSE;
  _tern_store_bind_text (stmt, 1, script);
  sqlite3_bind_int (stmt, 2, dirty ? 1 : 0);
  sqlite3_bind_int (stmt, 3, dirty ? 1 : 0);
  sqlite3_bind_int64 (stmt, 4, account_id);
  return _tern_store_step_done (store, stmt, "storing the rules", error);
}

gboolean
tern_sieve_store_set_script (TernStore   *store,
                             gint64       account_id,
                             const char  *script,
                             GError     **error)
{
  g_return_val_if_fail (store != NULL && script != NULL, FALSE);

  return update_script (store, account_id, script, TRUE, error);
}

gboolean
tern_sieve_store_set_server_script (TernStore   *store,
                                    gint64       account_id,
                                    const char  *script,
                                    GError     **error)
{
  g_return_val_if_fail (store != NULL, FALSE);

  return update_script (store, account_id, script, FALSE, error);
}

gboolean
tern_sieve_store_mark_uploaded (TernStore   *store,
                                gint64       account_id,
                                const char  *script,
                                GError     **error)
{
  sqlite3_stmt *stmt;

  g_return_val_if_fail (store != NULL && script != NULL, FALSE);

  /* A newer change made meanwhile stays dirty. */
  stmt = _tern_store_prepare (store,
                              "UPDATE sieve_settings SET dirty = 0, error = NULL "
                              "WHERE account_id = ? AND script = ?",
                              error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, account_id);
  _tern_store_bind_text (stmt, 2, script);
  return _tern_store_step_done (store, stmt, "storing the rules", error);
}

gboolean
tern_sieve_store_set_error (TernStore   *store,
                            gint64       account_id,
                            const char  *message,
                            GError     **error)
{
  sqlite3_stmt *stmt;

  g_return_val_if_fail (store != NULL, FALSE);

  if (!ensure_row (store, account_id, error))
    return FALSE;
  stmt = _tern_store_prepare (store, "UPDATE sieve_settings SET error = ? WHERE account_id = ?", error);
  if (stmt == NULL)
    return FALSE;
  _tern_store_bind_text (stmt, 1, message);
  sqlite3_bind_int64 (stmt, 2, account_id);
  return _tern_store_step_done (store, stmt, "storing the rules error", error);
}

GArray *
tern_sieve_store_list_dirty (TernStore  *store,
                             GError    **error)
{
  sqlite3_stmt *stmt = _tern_store_prepare (store,
                                            "SELECT account_id FROM sieve_settings "
                                            "WHERE dirty AND NOT disabled ORDER BY account_id",
                                            error);

  if (stmt == NULL)
    return NULL;
  return _tern_store_collect_ids (store, stmt, "listing the rules to upload", error);
}
