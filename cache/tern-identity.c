/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "tern-identity"

#include "config.h"

#include "tern-identity.h"
#include "tern-store-private.h"

void
tern_identity_free (TernIdentity *identity)
{
  if (identity == NULL)
    return;
  g_free (identity->name);
  g_free (identity->address);
  g_free (identity->reply_to);
  g_free (identity->signature);
  g_free (identity);
}

TernIdentity *
tern_identity_copy (const TernIdentity *identity)
{
  TernIdentity *copy;

  g_return_val_if_fail (identity != NULL, NULL);

  copy = g_new0 (TernIdentity, 1);
  copy->id = identity->id;
  copy->account_id = identity->account_id;
  copy->name = g_strdup (identity->name);
  copy->address = g_strdup (identity->address);
  copy->reply_to = g_strdup (identity->reply_to);
  copy->signature = g_strdup (identity->signature);
  copy->is_default = identity->is_default;
  return copy;
}

/* Empty optional fields are stored as NULL. */
static void
bind_optional (sqlite3_stmt *stmt,
               int           idx,
               const char   *text)
{
  _tern_store_bind_text (stmt, idx, text != NULL && *text != '\0' ? text : NULL);
}

static GPtrArray *
list_account (TernStore          *store,
              const TernAccount  *account,
              GError            **error)
{
  g_autoptr(GPtrArray) list = g_ptr_array_new_with_free_func ((GDestroyNotify) tern_identity_free);
  g_autoptr(TernIdentity) fallback = NULL;
  sqlite3_stmt *stmt;
  int rc;

  stmt = _tern_store_prepare (store,
                              "SELECT id, name, address, reply_to, signature FROM identity "
                              "WHERE account_id = ? ORDER BY position, id",
                              error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, account->id);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      TernIdentity *identity = g_new0 (TernIdentity, 1);

      identity->id = sqlite3_column_int64 (stmt, 0);
      identity->account_id = account->id;
      identity->name = _tern_store_dup_column (stmt, 1);
      identity->address = _tern_store_dup_column (stmt, 2);
      identity->reply_to = _tern_store_dup_column (stmt, 3);
      identity->signature = _tern_store_dup_column (stmt, 4);
      identity->is_default = g_ascii_strcasecmp (identity->address, account->email) == 0;
      if (identity->is_default)
        g_ptr_array_insert (list, 0, identity);
      else
        g_ptr_array_add (list, identity);
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      _tern_store_fail (store, rc, "listing identities", error);
      return NULL;
    }

  if (list->len == 0 || !((TernIdentity *) list->pdata[0])->is_default)
    {
      fallback = g_new0 (TernIdentity, 1);
      fallback->account_id = account->id;
      fallback->address = g_strdup (account->email);
      fallback->is_default = TRUE;
      g_ptr_array_insert (list, 0, g_steal_pointer (&fallback));
    }
  return g_steal_pointer (&list);
}

GPtrArray *
tern_identity_list (TernStore  *store,
                    gint64      account_id,
                    GError    **error)
{
  g_autoptr(TernAccount) account = NULL;

  g_return_val_if_fail (store != NULL, NULL);

  account = tern_store_get_account_by_id (store, account_id, error);
  if (account == NULL)
    return NULL;
  return list_account (store, account, error);
}

GPtrArray *
tern_identity_list_all (TernStore  *store,
                        GError    **error)
{
  g_autoptr(GPtrArray) accounts = NULL;
  g_autoptr(GPtrArray) all = g_ptr_array_new_with_free_func ((GDestroyNotify) tern_identity_free);

  g_return_val_if_fail (store != NULL, NULL);

  accounts = tern_store_list_accounts (store, error);
  if (accounts == NULL)
    return NULL;
  for (guint i = 0; i < accounts->len; i++)
    {
      g_autoptr(GPtrArray) list = list_account (store, accounts->pdata[i], error);

      if (list == NULL)
        return NULL;
      for (guint j = 0; j < list->len; j++)
        g_ptr_array_add (all, g_steal_pointer (&list->pdata[j]));
    }
  return g_steal_pointer (&all);
}

TernIdentity *
tern_identity_find (TernStore   *store,
                    gint64       account_id,
                    const char  *address,
                    GError     **error)
{
  g_autoptr(GPtrArray) list = NULL;

  g_return_val_if_fail (store != NULL, NULL);
  g_return_val_if_fail (address != NULL, NULL);

  list = tern_identity_list (store, account_id, error);
  if (list == NULL)
    return NULL;
  for (guint i = 0; i < list->len; i++)
    {
      TernIdentity *identity = list->pdata[i];

      if (g_ascii_strcasecmp (identity->address, address) == 0)
        return tern_identity_copy (identity);
    }
  return NULL;
}

/* Runs an INSERT or UPDATE of identity's row: a second identity of the account with its
 * address is refused (TERN_STORE_ERROR_EXISTS). */
static gboolean
step_write (TernStore           *store,
            sqlite3_stmt        *stmt,
            const TernIdentity  *identity,
            const char          *what,
            GError             **error)
{
  int rc = sqlite3_step (stmt);

  sqlite3_reset (stmt);
  if (rc == SQLITE_CONSTRAINT_UNIQUE)
    {
      g_set_error (error, TERN_STORE_ERROR, TERN_STORE_ERROR_EXISTS,
                   "The account has an identity “%s” already", identity->address);
      return FALSE;
    }
  if (rc != SQLITE_DONE)
    return _tern_store_fail (store, rc, what, error);
  return TRUE;
}

gboolean
tern_identity_add (TernStore           *store,
                   const TernIdentity  *identity,
                   gint64              *id_out,
                   GError             **error)
{
  g_autoptr(TernAccount) account = NULL;
  sqlite3_stmt *stmt;

  g_return_val_if_fail (store != NULL, FALSE);
  g_return_val_if_fail (identity != NULL && identity->address != NULL, FALSE);

  account = tern_store_get_account_by_id (store, identity->account_id, error);
  if (account == NULL)
    return FALSE;
  stmt = _tern_store_prepare (store,
                              "INSERT INTO identity (account_id, name, address, reply_to, signature, position) "
                              "VALUES (?1, ?2, ?3, ?4, ?5, "
                              "(SELECT IFNULL (MAX (position), 0) + 1 FROM identity WHERE account_id = ?1))",
                              error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, identity->account_id);
  bind_optional (stmt, 2, identity->name);
  _tern_store_bind_text (stmt, 3, identity->address);
  bind_optional (stmt, 4, identity->reply_to);
  bind_optional (stmt, 5, identity->signature);
  if (!step_write (store, stmt, identity, "adding an identity", error))
    return FALSE;
  if (id_out != NULL)
    *id_out = sqlite3_last_insert_rowid (_tern_store_get_db (store));
  return TRUE;
}

gboolean
tern_identity_update (TernStore           *store,
                      const TernIdentity  *identity,
                      GError             **error)
{
  sqlite3_stmt *stmt;

  g_return_val_if_fail (store != NULL, FALSE);
  g_return_val_if_fail (identity != NULL && identity->address != NULL, FALSE);

  /* The default one, with nothing stored yet: stored now. */
  if (identity->id == 0)
    return tern_identity_add (store, identity, NULL, error);

  stmt = _tern_store_prepare (store,
                              "UPDATE identity SET name = ?, address = ?, reply_to = ?, signature = ? "
                              "WHERE id = ?",
                              error);
  if (stmt == NULL)
    return FALSE;
  bind_optional (stmt, 1, identity->name);
  _tern_store_bind_text (stmt, 2, identity->address);
  bind_optional (stmt, 3, identity->reply_to);
  bind_optional (stmt, 4, identity->signature);
  sqlite3_bind_int64 (stmt, 5, identity->id);
  if (!step_write (store, stmt, identity, "updating an identity", error))
    return FALSE;
  if (sqlite3_changes (_tern_store_get_db (store)) == 0)
    {
      g_set_error (error, TERN_STORE_ERROR, TERN_STORE_ERROR_NOT_FOUND,
                   "No identity %" G_GINT64_FORMAT, identity->id);
      return FALSE;
    }
  return TRUE;
}

gboolean
tern_identity_remove (TernStore  *store,
                      gint64      id,
                      GError    **error)
{
  sqlite3_stmt *stmt;

  g_return_val_if_fail (store != NULL, FALSE);

  stmt = _tern_store_prepare (store, "DELETE FROM identity WHERE id = ?", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, id);
  if (!_tern_store_step_done (store, stmt, "removing an identity", error))
    return FALSE;
  if (sqlite3_changes (_tern_store_get_db (store)) == 0)
    {
      g_set_error (error, TERN_STORE_ERROR, TERN_STORE_ERROR_NOT_FOUND,
                   "No identity %" G_GINT64_FORMAT, id);
      return FALSE;
    }
  return TRUE;
}

GStrv
tern_identity_dup_all_addresses (TernStore *store)
{
  g_autoptr(GPtrArray) all = tern_identity_list_all (store, NULL);
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();

  for (guint i = 0; all != NULL && i < all->len; i++)
    g_strv_builder_add (builder, ((TernIdentity *) all->pdata[i])->address);
  return g_strv_builder_end (builder);
}
