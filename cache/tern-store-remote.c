/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "tern-store"

#include "config.h"

#include <sqlite3.h>
#include <string.h>

#include "tern-store-private.h"

/* Remote content allowed per sender or domain (schema 13: remote_content_allowed). */

static const char *
kind_name (TernRemoteKind kind)
{
  return kind == TERN_REMOTE_DOMAIN ? "domain" : "sender";
}

/* The value as stored: trimmed, lower case; NULL if empty. */
static char *
normalize (const char *value)
{
  g_autofree char *trimmed = g_strstrip (g_strdup (value != NULL ? value : ""));

  if (*trimmed == '\0')
    return NULL;
  return g_utf8_strdown (trimmed, -1);
}

gboolean
tern_store_allow_remote_content (TernStore       *self,
                                 gint64           account_id,
                                 TernRemoteKind   kind,
                                 const char      *value,
                                 GError         **error)
{
  g_autofree char *v = normalize (value);
  sqlite3_stmt *stmt;

  if (v == NULL || (kind == TERN_REMOTE_SENDER && strchr (v, '@') == NULL))
    {
      g_set_error (error, TERN_STORE_ERROR, TERN_STORE_ERROR_INVALID,
                   kind == TERN_REMOTE_SENDER ? "Not an address: “%s”" : "Not a domain: “%s”",
                   value != NULL ? value : "");
      return FALSE;
    }
  stmt = _tern_store_prepare (self,
                              "INSERT OR IGNORE INTO remote_content_allowed (account_id, kind, value) "
                              "SELECT id, ?, ? FROM account WHERE id = ?",
                              error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, kind_name (kind), -1, SQLITE_STATIC);
  _tern_store_bind_text (stmt, 2, v);
  sqlite3_bind_int64 (stmt, 3, account_id);
  return _tern_store_step_done (self, stmt, "allowing remote content", error);
}

gboolean
tern_store_forget_remote_content (TernStore       *self,
                                  gint64           account_id,
                                  TernRemoteKind   kind,
                                  const char      *value,
                                  GError         **error)
{
  g_autofree char *v = normalize (value);
  sqlite3_stmt *stmt = _tern_store_prepare (self,
                                            "DELETE FROM remote_content_allowed "
                                            "WHERE account_id = ? AND kind = ? AND value = ?",
                                            error);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, account_id);
  sqlite3_bind_text (stmt, 2, kind_name (kind), -1, SQLITE_STATIC);
  _tern_store_bind_text (stmt, 3, v != NULL ? v : "");
  return _tern_store_step_done (self, stmt, "forgetting remote content", error);
}

static gpointer
value_from_row (sqlite3_stmt *stmt)
{
  return _tern_store_dup_column (stmt, 0);
}

GStrv
tern_store_list_remote_content (TernStore       *self,
                                gint64           account_id,
                                TernRemoteKind   kind,
                                GError         **error)
{
  sqlite3_stmt *stmt = _tern_store_prepare (self,
                                            "SELECT value FROM remote_content_allowed "
                                            "WHERE account_id = ? AND kind = ? ORDER BY value",
                                            error);
  GPtrArray *values;

  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, account_id);
  sqlite3_bind_text (stmt, 2, kind_name (kind), -1, SQLITE_STATIC);
  values = _tern_store_collect (self, stmt, value_from_row, g_free, "listing remote content", error);
  if (values == NULL)
    return NULL;
  g_ptr_array_set_free_func (values, NULL);
  g_ptr_array_add (values, NULL);
  return (GStrv) g_ptr_array_free (values, FALSE);
}

gboolean
tern_store_remote_content_allowed (TernStore  *self,
                                   gint64      account_id,
                                   const char *address)
{
  g_autofree char *sender = normalize (address);
  const char *at = sender != NULL ? strrchr (sender, '@') : NULL;
  sqlite3_stmt *stmt;

  if (at == NULL || at[1] == '\0')
    return FALSE;
  stmt = _tern_store_prepare (self,
                              "SELECT 1 FROM remote_content_allowed WHERE account_id = ? AND "
                              "((kind = 'sender' AND value = ?) OR (kind = 'domain' AND value = ?))",
                              NULL);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, account_id);
  _tern_store_bind_text (stmt, 2, sender);
  _tern_store_bind_text (stmt, 3, at + 1);
  return _tern_store_step_int64 (stmt, 0) != 0;
}
