/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "tern-store"

#include "config.h"

#include <glib/gstdio.h>
#include <sqlite3.h>
#include <string.h>

#include "tern-store-private.h"

/* Accounts: their settings and sync status. */

/* Accounts. */

#define ACCOUNT_COLUMNS \
  "id, name, email, host, port, security, user, password_command, ca_file, " \
  "pinned_sha256, last_sync, last_attempt, last_error, delete_mode, offline_days, offline_max_size, " \
  "cache_limit, compress, auth, oauth2_issuer, oauth2_client_id, oauth2_auth_url, " \
  "oauth2_token_url, oauth2_scope, goa_id, auth_state, setup_source, server_previews"

static TernAccount *
account_from_row (sqlite3_stmt *stmt)
{
  TernAccount *account = g_new0 (TernAccount, 1);

  account->id = sqlite3_column_int64 (stmt, 0);
  account->name = _tern_store_dup_column (stmt, 1);
  account->email = _tern_store_dup_column (stmt, 2);
  account->host = _tern_store_dup_column (stmt, 3);
  account->port = (guint) sqlite3_column_int (stmt, 4);
  account->security = _tern_store_dup_column (stmt, 5);
  account->user = _tern_store_dup_column (stmt, 6);
  account->password_command = _tern_store_dup_column (stmt, 7);
  account->ca_file = _tern_store_dup_column (stmt, 8);
  account->pinned_sha256 = _tern_store_dup_column (stmt, 9);
  account->last_sync = sqlite3_column_int64 (stmt, 10);
  account->last_attempt = sqlite3_column_int64 (stmt, 11);
  account->last_error = _tern_store_dup_column (stmt, 12);
  account->delete_mode = _tern_store_dup_column (stmt, 13);
  account->offline_days = sqlite3_column_int64 (stmt, 14);
  account->offline_max_size = sqlite3_column_int64 (stmt, 15);
  account->cache_limit = sqlite3_column_int64 (stmt, 16);
  account->no_compress = sqlite3_column_int (stmt, 17) == 0;
  account->auth = _tern_store_dup_column (stmt, 18);
  account->oauth2_issuer = _tern_store_dup_column (stmt, 19);
  account->oauth2_client_id = _tern_store_dup_column (stmt, 20);
  account->oauth2_auth_url = _tern_store_dup_column (stmt, 21);
  account->oauth2_token_url = _tern_store_dup_column (stmt, 22);
  account->oauth2_scope = _tern_store_dup_column (stmt, 23);
  account->goa_id = _tern_store_dup_column (stmt, 24);
  account->auth_state = _tern_store_dup_column (stmt, 25);
  account->setup_source = _tern_store_dup_column (stmt, 26);
  account->server_previews = sqlite3_column_int (stmt, 27) != 0;
  return account;
}

/* The settings a user chooses, as ?1 to ?17 in the order of the INSERT. */
static void
bind_settings (sqlite3_stmt      *stmt,
               const TernAccount *account)
{
  _tern_store_bind_text (stmt, 1, account->name);
  _tern_store_bind_text (stmt, 2, account->email);
  _tern_store_bind_text (stmt, 3, account->host);
  sqlite3_bind_int (stmt, 4, (int) account->port);
  _tern_store_bind_text (stmt, 5, account->security);
  _tern_store_bind_text (stmt, 6, account->user);
  _tern_store_bind_text (stmt, 7, account->password_command);
  _tern_store_bind_text (stmt, 8, account->ca_file);
  _tern_store_bind_text (stmt, 9, account->pinned_sha256);
  _tern_store_bind_text (stmt, 10, account->auth != NULL ? account->auth : "password");
  _tern_store_bind_text (stmt, 11, account->oauth2_issuer);
  _tern_store_bind_text (stmt, 12, account->oauth2_client_id);
  _tern_store_bind_text (stmt, 13, account->oauth2_auth_url);
  _tern_store_bind_text (stmt, 14, account->oauth2_token_url);
  _tern_store_bind_text (stmt, 15, account->oauth2_scope);
  _tern_store_bind_text (stmt, 16, account->goa_id);
  _tern_store_bind_text (stmt, 17, account->setup_source);
}

gboolean
tern_store_add_account (TernStore          *self,
                        const TernAccount  *account,
                        gint64             *id_out,
                        GError            **error)
{
  sqlite3_stmt *stmt;
  int rc;

  g_return_val_if_fail (account != NULL && account->name != NULL, FALSE);

  stmt = _tern_store_prepare (self,
                              "INSERT INTO account (name, email, host, port, security, user, "
                              "password_command, ca_file, pinned_sha256, auth, oauth2_issuer, "
                              "oauth2_client_id, oauth2_auth_url, oauth2_token_url, oauth2_scope, "
                              "goa_id, setup_source) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                              error);
  if (stmt == NULL)
    return FALSE;
  bind_settings (stmt, account);
  rc = sqlite3_step (stmt);
  sqlite3_reset (stmt);
  if (rc == SQLITE_CONSTRAINT_UNIQUE)
    {
      g_set_error (error, TERN_STORE_ERROR, TERN_STORE_ERROR_EXISTS,
                   "An account named “%s” exists already", account->name);
      return FALSE;
    }
  if (rc != SQLITE_DONE)
    return _tern_store_fail (self, rc, "adding an account", error);
  if (id_out)
    *id_out = sqlite3_last_insert_rowid (self->db);
  return TRUE;
}

static TernAccount *
get_account (TernStore   *self,
             const char  *sql,
             const char  *name,
             gint64       id,
             GError     **error)
{
  sqlite3_stmt *stmt = _tern_store_prepare (self, sql, error);
  TernAccount *account = NULL;
  int rc;

  if (stmt == NULL)
    return NULL;
  if (name != NULL)
    _tern_store_bind_text (stmt, 1, name);
  else
    sqlite3_bind_int64 (stmt, 1, id);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    account = account_from_row (stmt);
  else if (rc == SQLITE_DONE)
    {
      if (name != NULL)
        g_set_error (error, TERN_STORE_ERROR, TERN_STORE_ERROR_NOT_FOUND,
                     "No account named “%s”", name);
      else
        g_set_error (error, TERN_STORE_ERROR, TERN_STORE_ERROR_NOT_FOUND,
                     "No account with id %" G_GINT64_FORMAT, id);
    }
  else
    _tern_store_fail (self, rc, "reading an account", error);
  sqlite3_reset (stmt);
  return account;
}

TernAccount *
tern_store_get_account (TernStore   *self,
                        const char  *name,
                        GError     **error)
{
  g_return_val_if_fail (name != NULL, NULL);
  return get_account (self, "SELECT " ACCOUNT_COLUMNS " FROM account WHERE name = ?",
                      name, 0, error);
}

TernAccount *
tern_store_get_account_by_id (TernStore   *self,
                              gint64       id,
                              GError     **error)
{
  return get_account (self, "SELECT " ACCOUNT_COLUMNS " FROM account WHERE id = ?",
                      NULL, id, error);
}

GPtrArray *
tern_store_list_accounts (TernStore  *self,
                          GError    **error)
{
  sqlite3_stmt *stmt = _tern_store_prepare (self, "SELECT " ACCOUNT_COLUMNS " FROM account ORDER BY name",
                                            error);

  if (stmt == NULL)
    return NULL;
  return _tern_store_collect (self, stmt, (TernRowFunc) account_from_row,
                              (GDestroyNotify) tern_account_free, "listing accounts", error);
}

/* The files an account's rows name: its messages' downloaded parts and its outbox
 * messages. */
static GPtrArray *
account_files (TernStore  *self,
               const char *name,
               GError    **error)
{
  g_autoptr(GPtrArray) files = g_ptr_array_new_with_free_func (g_free);
  sqlite3_stmt *stmt;
  int rc;

  stmt = _tern_store_prepare (self,
                              "SELECT p.path FROM part_file p JOIN message m ON m.id = p.message "
                              "JOIN folder f ON f.id = m.folder_id JOIN account a ON a.id = f.account_id "
                              "WHERE a.name = ?1 "
                              "UNION ALL SELECT o.path FROM outbox o JOIN account a ON a.id = o.account_id "
                              "WHERE a.name = ?1",
                              error);
  if (stmt == NULL)
    return NULL;
  _tern_store_bind_text (stmt, 1, name);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_ptr_array_add (files, _tern_store_dup_column (stmt, 0));
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      _tern_store_fail (self, rc, "listing an account's files", error);
      return NULL;
    }
  return g_steal_pointer (&files);
}

gboolean
tern_store_remove_account (TernStore   *self,
                           const char  *name,
                           GError     **error)
{
  g_autoptr(GPtrArray) files = NULL;
  sqlite3_stmt *stmt;

  files = account_files (self, name, error);
  if (files == NULL)
    return FALSE;
  stmt = _tern_store_prepare (self, "DELETE FROM account WHERE name = ?", error);
  if (stmt == NULL)
    return FALSE;
  _tern_store_bind_text (stmt, 1, name);
  if (!_tern_store_step_done (self, stmt, "removing an account", error))
    return FALSE;
  if (sqlite3_changes (self->db) == 0)
    {
      g_set_error (error, TERN_STORE_ERROR, TERN_STORE_ERROR_NOT_FOUND,
                   "No account named “%s”", name);
      return FALSE;
    }
  /* The rows are gone (committed): now their files, and the folders that held only them. */
  for (guint i = 0; i < files->len; i++)
    {
      const char *path = files->pdata[i];
      g_autofree char *dir = NULL;

      if (path == NULL || g_unlink (path) != 0)
        continue;
      dir = g_path_get_dirname (path);
      if (strstr (dir, G_DIR_SEPARATOR_S "parts" G_DIR_SEPARATOR_S) != NULL)
        g_rmdir (dir);   /* parts/MESSAGE-ID/: fails, harmlessly, while not empty */
    }
  return TRUE;
}

gboolean
tern_store_count_account_data (TernStore        *self,
                               gint64            account_id,
                               TernAccountData  *data,
                               GError          **error)
{
  sqlite3_stmt *stmt;
  int rc;

  g_return_val_if_fail (data != NULL, FALSE);

  stmt = _tern_store_prepare (self,
                              "SELECT (SELECT count(*) FROM message m JOIN folder f ON f.id = m.folder_id "
                              "        WHERE f.account_id = ?1), "
                              "       (SELECT count(*) FROM action WHERE account_id = ?1 "
                              "        AND state != 'done'), "
                              "       (SELECT count(*) FROM outbox WHERE account_id = ?1 "
                              "        AND state != 'sent')",
                              error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, account_id);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    {
      data->messages = (guint) sqlite3_column_int64 (stmt, 0);
      data->pending_actions = (guint) sqlite3_column_int64 (stmt, 1);
      data->unsent = (guint) sqlite3_column_int64 (stmt, 2);
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_ROW)
    return _tern_store_fail (self, rc, "counting an account's data", error);
  return TRUE;
}

gboolean
tern_store_set_account_status (TernStore   *self,
                               gint64       account_id,
                               gboolean     success,
                               const char  *error_message,
                               GError     **error)
{
  sqlite3_stmt *stmt;
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;

  if (success)
    stmt = _tern_store_prepare (self, "UPDATE account SET last_sync = ?2, last_attempt = ?2, last_error = NULL "
                                "WHERE id = ?1", error);
  else
    stmt = _tern_store_prepare (self, "UPDATE account SET last_attempt = ?2, last_error = ?3 WHERE id = ?1",
                                error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, account_id);
  sqlite3_bind_int64 (stmt, 2, now);
  if (!success)
    _tern_store_bind_text (stmt, 3, error_message ? error_message : "failed");
  return _tern_store_step_done (self, stmt, "recording the account status", error);
}

gboolean
tern_store_set_account_server_previews (TernStore  *self,
                                        gint64      account_id,
                                        gboolean    server_previews,
                                        GError    **error)
{
  sqlite3_stmt *stmt = _tern_store_prepare (self, "UPDATE account SET server_previews = ? WHERE id = ?", error);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int (stmt, 1, server_previews ? 1 : 0);
  sqlite3_bind_int64 (stmt, 2, account_id);
  return _tern_store_step_done (self, stmt, "setting preview lines", error);
}

gboolean
tern_store_set_preview (TernStore   *self,
                        gint64       message_id,
                        const char  *preview,
                        GError     **error)
{
  sqlite3_stmt *stmt = _tern_store_prepare (self, "UPDATE message SET preview = ? WHERE id = ?", error);

  if (stmt == NULL)
    return FALSE;
  _tern_store_bind_text (stmt, 1, preview);
  sqlite3_bind_int64 (stmt, 2, message_id);
  return _tern_store_step_done (self, stmt, "keeping a preview line", error);
}

char *
tern_store_dup_preview (TernStore *self,
                        gint64     message_id)
{
  sqlite3_stmt *stmt = _tern_store_prepare (self, "SELECT preview FROM message WHERE id = ?", NULL);
  char *preview = NULL;

  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, message_id);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    preview = _tern_store_dup_column (stmt, 0);
  sqlite3_reset (stmt);
  return preview;
}

GArray *
tern_store_list_unpreviewed_uids (TernStore   *self,
                                  gint64       folder_id,
                                  GError     **error)
{
  sqlite3_stmt *stmt = _tern_store_prepare (self,
                                            "SELECT m.uid FROM message m WHERE m.folder_id = ? AND m.uid IS NOT NULL "
                                            "AND m.preview IS NULL AND m.detached = 0 "
                                            "AND NOT EXISTS (SELECT 1 FROM body b WHERE b.message = m.id) ORDER BY m.uid",
                                            error);
  GArray *uids;

  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, folder_id);
  uids = g_array_new (FALSE, FALSE, sizeof (guint32));
  while (sqlite3_step (stmt) == SQLITE_ROW)
    {
      guint32 uid = (guint32) sqlite3_column_int64 (stmt, 0);

      g_array_append_val (uids, uid);
    }
  sqlite3_reset (stmt);
  return uids;
}

gboolean
tern_store_set_account_compress (TernStore  *self,
                                 gint64      account_id,
                                 gboolean    compress,
                                 GError    **error)
{
  sqlite3_stmt *stmt = _tern_store_prepare (self, "UPDATE account SET compress = ? WHERE id = ?", error);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int (stmt, 1, compress ? 1 : 0);
  sqlite3_bind_int64 (stmt, 2, account_id);
  return _tern_store_step_done (self, stmt, "setting compression", error);
}

gboolean
tern_store_set_account_delete_mode (TernStore   *self,
                                    gint64       account_id,
                                    const char  *mode,
                                    GError     **error)
{
  sqlite3_stmt *stmt = _tern_store_prepare (self, "UPDATE account SET delete_mode = ? WHERE id = ?", error);

  if (stmt == NULL)
    return FALSE;
  _tern_store_bind_text (stmt, 1, mode);
  sqlite3_bind_int64 (stmt, 2, account_id);
  return _tern_store_step_done (self, stmt, "setting the delete behaviour", error);
}

gboolean
tern_store_set_account_pin (TernStore   *self,
                            gint64       account_id,
                            const char  *pinned_sha256,
                            GError     **error)
{
  sqlite3_stmt *stmt = _tern_store_prepare (self, "UPDATE account SET pinned_sha256 = ? WHERE id = ?", error);

  if (stmt == NULL)
    return FALSE;
  _tern_store_bind_text (stmt, 1, pinned_sha256);
  sqlite3_bind_int64 (stmt, 2, account_id);
  return _tern_store_step_done (self, stmt, "pinning a certificate", error);
}

/* Server traits (schema 8). */

char *
tern_store_dup_server_trait (TernStore  *self,
                             gint64      account_id,
                             const char *name)
{
  sqlite3_stmt *stmt = _tern_store_prepare (self, "SELECT value FROM server_trait "
                                            "WHERE account_id = ? AND name = ?", NULL);
  char *value = NULL;

  g_return_val_if_fail (name != NULL, NULL);

  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, account_id);
  _tern_store_bind_text (stmt, 2, name);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    value = _tern_store_dup_column (stmt, 0);
  sqlite3_reset (stmt);
  return value;
}

gboolean
tern_store_set_server_trait (TernStore   *self,
                             gint64       account_id,
                             const char  *name,
                             const char  *value,
                             GError     **error)
{
  sqlite3_stmt *stmt;

  g_return_val_if_fail (name != NULL, FALSE);

  if (value == NULL)
    stmt = _tern_store_prepare (self, "DELETE FROM server_trait WHERE account_id = ?1 AND name = ?2",
                                error);
  else
    stmt = _tern_store_prepare (self, "INSERT INTO server_trait (account_id, name, value) "
                                "VALUES (?1, ?2, ?3) ON CONFLICT (account_id, name) "
                                "DO UPDATE SET value = excluded.value", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, account_id);
  _tern_store_bind_text (stmt, 2, name);
  if (value != NULL)
    _tern_store_bind_text (stmt, 3, value);
  return _tern_store_step_done (self, stmt, "remembering how the server behaves", error);
}

gboolean
tern_store_update_account (TernStore          *self,
                           const TernAccount  *account,
                           GError            **error)
{
  sqlite3_stmt *stmt;
  int rc;

  g_return_val_if_fail (account != NULL && account->name != NULL && account->id > 0, FALSE);

  stmt = _tern_store_prepare (self,
                              "UPDATE account SET name = ?1, email = ?2, host = ?3, port = ?4, "
                              "security = ?5, user = ?6, password_command = ?7, ca_file = ?8, "
                              "pinned_sha256 = ?9, auth = ?10, oauth2_issuer = ?11, "
                              "oauth2_client_id = ?12, oauth2_auth_url = ?13, oauth2_token_url = ?14, "
                              "oauth2_scope = ?15, goa_id = ?16, setup_source = ?17 WHERE id = ?18",
                              error);
  if (stmt == NULL)
    return FALSE;
  bind_settings (stmt, account);
  sqlite3_bind_int64 (stmt, 18, account->id);
  rc = sqlite3_step (stmt);
  sqlite3_reset (stmt);
  if (rc == SQLITE_CONSTRAINT_UNIQUE)
    {
      g_set_error (error, TERN_STORE_ERROR, TERN_STORE_ERROR_EXISTS,
                   "An account named “%s” exists already", account->name);
      return FALSE;
    }
  if (rc != SQLITE_DONE)
    return _tern_store_fail (self, rc, "changing an account", error);
  if (sqlite3_changes (self->db) == 0)
    {
      g_set_error (error, TERN_STORE_ERROR, TERN_STORE_ERROR_NOT_FOUND,
                   "No account with id %" G_GINT64_FORMAT, account->id);
      return FALSE;
    }
  return TRUE;
}

gboolean
tern_store_set_account_auth_state (TernStore   *self,
                                   gint64       account_id,
                                   const char  *auth_state,
                                   GError     **error)
{
  sqlite3_stmt *stmt = _tern_store_prepare (self, "UPDATE account SET auth_state = ? WHERE id = ?", error);

  if (stmt == NULL)
    return FALSE;
  _tern_store_bind_text (stmt, 1, auth_state);
  sqlite3_bind_int64 (stmt, 2, account_id);
  return _tern_store_step_done (self, stmt, "recording the sign-in state", error);
}
