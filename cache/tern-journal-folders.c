/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "tern-journal"

#include "config.h"

#include <string.h>

#include "tern-journal-private.h"

/* Actions on folders: create, rename, delete, (un)subscribe. */

/* Folders. */

static gint64
folder_by_name (TernStore  *store,
                gint64      account_id,
                const char *name)
{
  sqlite3_stmt *stmt = _tern_store_prepare (store,
                                            "SELECT id FROM folder WHERE account_id = ? AND name = ?",
                                            NULL);

  if (stmt == NULL)
    return 0;
  sqlite3_bind_int64 (stmt, 1, account_id);
  _tern_store_bind_text (stmt, 2, name);
  return _tern_store_step_int64 (stmt, 0);
}

static gboolean
valid_folder_name (const char  *name,
                   GError     **error)
{
  if (name == NULL || *name == '\0' || g_ascii_strcasecmp (name, "INBOX") == 0 ||
      strpbrk (name, "\r\n*%") != NULL)
    {
      g_set_error (error, TERN_JOURNAL_ERROR, TERN_JOURNAL_ERROR_INVALID,
                   "“%s” cannot be a folder name", name ? name : "");
      return FALSE;
    }
  return TRUE;
}

gint64
tern_journal_folder_create (TernStore   *store,
                            gint64       account_id,
                            const char  *name,
                            const char  *display,
                            const char  *delimiter,
                            GError     **error)
{
  sqlite3_stmt *stmt;
  TernAction a = { 0 };
  gint64 id = 0, existing;
  Txn txn;
  gboolean ok;

  if (!valid_folder_name (name, error) || !_tern_journal_txn_begin (&txn, store, error))
    return 0;

  existing = folder_by_name (store, account_id, name);
  ok = TRUE;
  if (existing != 0)
    {
      g_auto(FolderRow) f = { 0 };

      ok = _tern_journal_load_folder (store, existing, &f, error);
      if (ok && f.local_state == TERN_FOLDER_DELETED_HERE)
        {
          /* Deleted here, created again before the server heard of either. */
          g_set_error (error, TERN_JOURNAL_ERROR, TERN_JOURNAL_ERROR_EXISTS,
                       "The folder “%s” is still being deleted", display);
          ok = FALSE;
        }
      else if (ok)
        {
          g_set_error (error, TERN_JOURNAL_ERROR, TERN_JOURNAL_ERROR_EXISTS,
                       "A folder “%s” exists already", display);
          ok = FALSE;
        }
    }

  stmt = ok ? _tern_store_prepare (store,
                                   "INSERT INTO folder (account_id, name, display_name, delimiter, "
                                   "subscribed, selectable, local_state) VALUES (?, ?, ?, ?, 1, 1, 1)",
                                   error) : NULL;
  ok = ok && stmt != NULL;
  if (ok)
    {
      sqlite3_bind_int64 (stmt, 1, account_id);
      _tern_store_bind_text (stmt, 2, name);
      _tern_store_bind_text (stmt, 3, display ? display : name);
      _tern_store_bind_text (stmt, 4, delimiter);
      ok = _tern_store_step_done (store, stmt, "creating a folder", error);
      id = sqlite3_last_insert_rowid (_tern_store_get_db (store));
    }
  if (ok)
    {
      a.account_id = account_id;
      a.kind = (char *) TERN_ACTION_FOLDER_CREATE;
      a.folder = id;
      a.name = (char *) name;
      ok = _tern_journal_insert_action (store, &a, error) != 0;
    }
  if (!_tern_journal_txn_end (&txn, ok, error))
    return 0;
  return id;
}

/* Where an account keeps a folder it creates: top level, or under "INBOX<delimiter>" when
 * every personal folder besides INBOX is there (Courier and Cyrus style). (transfer full) */
static char *
dup_new_folder_name (GPtrArray   *folders,
                     const char  *leaf,
                     char       **delimiter_out)
{
  const char *delimiter = NULL;
  g_autofree char *prefix = NULL;
  guint personal = 0, inside = 0;

  for (guint i = 0; i < folders->len; i++)
    {
      TernFolder *f = folders->pdata[i];

      if (f->delimiter == NULL || *f->delimiter == '\0')
        continue;
      if (g_ascii_strcasecmp (f->name, "INBOX") == 0)
        {
          delimiter = f->delimiter;
          break;
        }
      if (delimiter == NULL)
        delimiter = f->delimiter;
    }
  *delimiter_out = g_strdup (delimiter);
  if (delimiter == NULL)
    return g_strdup (leaf);

  prefix = g_strconcat ("INBOX", delimiter, NULL);
  for (guint i = 0; i < folders->len; i++)
    {
      TernFolder *f = folders->pdata[i];

      if (g_ascii_strcasecmp (f->name, "INBOX") == 0 || f->local_state == TERN_FOLDER_DELETED_HERE ||
          f->local_state == TERN_FOLDER_KEPT_LOCALLY || g_strcmp0 (f->namespace_kind, "other") == 0 ||
          g_strcmp0 (f->namespace_kind, "shared") == 0)
        continue;
      personal++;
      if (g_ascii_strncasecmp (f->name, prefix, strlen (prefix)) == 0)
        inside++;
    }
  if (personal > 0 && inside == personal)
    return g_strconcat (prefix, leaf, NULL);
  return g_strdup (leaf);
}

/* The account's folder with this special use; where the folder list is known and has none,
 * a folder of that name is created through the journal (so offline too; replayed as CREATE)
 * and takes the role here, so that it is found next time (a later LIST that shows the
 * server's own roles wins). Returns 0 with no error if the folder list was never synced.
 * Nests in the caller's transaction. */
gint64
tern_journal_ensure_special_folder (TernStore   *store,
                                    gint64       account_id,
                                    const char  *special_use,
                                    const char  *leaf,
                                    GError     **error)
{
  g_autoptr(GPtrArray) folders = NULL;
  g_autoptr(TernFolder) folder = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autofree char *delimiter = NULL;
  g_autofree char *name = NULL;
  gint64 id = _tern_journal_find_special (store, account_id, special_use);

  if (id != 0)
    return id;
  folders = tern_store_list_folders_uncounted (store, account_id, error);
  if (folders == NULL || folders->len == 0)
    return 0;

  name = dup_new_folder_name (folders, leaf, &delimiter);
  id = tern_journal_folder_create (store, account_id, name, leaf, delimiter, &local_error);
  if (id == 0 && g_error_matches (local_error, TERN_JOURNAL_ERROR, TERN_JOURNAL_ERROR_EXISTS))
    {
      /* A folder of that name without the role (not selectable, say, or created here by
       * another thread a moment ago): it takes the role if it can hold messages. */
      folder = tern_store_get_folder (store, account_id, name, NULL);
      if (folder != NULL && folder->selectable && folder->local_state != TERN_FOLDER_DELETED_HERE &&
          folder->local_state != TERN_FOLDER_KEPT_LOCALLY)
        id = folder->id;
    }
  if (id == 0)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return 0;
    }
  if (folder == NULL && (folder = tern_store_get_folder_by_id (store, id, error)) == NULL)
    return 0;
  g_free (folder->special_use);
  folder->special_use = g_strdup (special_use);
  if (!tern_store_upsert_folder (store, folder, NULL, error))
    return 0;
  g_debug ("Created %s as the %s folder of account %" G_GINT64_FORMAT, name, special_use,
           account_id);
  return id;
}

/* Renames a folder row and its children (name and display name prefixes). */
gboolean
_tern_journal_rename_rows (TernStore   *store,
                           gint64       account_id,
                           const char  *old_name,
                           const char  *new_name,
                           const char  *old_display,
                           const char  *new_display,
                           const char  *delimiter,
                           GError     **error)
{
  g_autofree char *child_prefix = g_strconcat (old_name, delimiter ? delimiter : "/", NULL);
  sqlite3_stmt *stmt = _tern_store_prepare (store,
                                            "UPDATE folder SET "
                                            "name = ?3 || substr (name, length (?2) + 1), "
                                            "display_name = ?5 || substr (display_name, length (?4) + 1) "
                                            "WHERE account_id = ?1 AND (name = ?2 OR "
                                            "(?6 <> '' AND substr (name, 1, length (?6)) = ?6))",
                                            error);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, account_id);
  _tern_store_bind_text (stmt, 2, old_name);
  _tern_store_bind_text (stmt, 3, new_name);
  _tern_store_bind_text (stmt, 4, old_display);
  _tern_store_bind_text (stmt, 5, new_display);
  _tern_store_bind_text (stmt, 6, delimiter ? child_prefix : "");
  return _tern_store_step_done (store, stmt, "renaming a folder", error);
}

gboolean
tern_journal_folder_rename (TernStore   *store,
                            gint64       folder_id,
                            const char  *name,
                            const char  *display,
                            GError     **error)
{
  g_auto(FolderRow) f = { 0 };
  TernAction a = { 0 };
  Txn txn;
  gboolean ok;

  if (!valid_folder_name (name, error) || !_tern_journal_txn_begin (&txn, store, error))
    return FALSE;
  ok = _tern_journal_load_folder (store, folder_id, &f, error) && _tern_journal_usable_folder (&f, error) &&
       _tern_journal_check_rights (&f, "x", "rename this folder", error);
  if (ok && (g_ascii_strcasecmp (f.name, "INBOX") == 0))
    {
      g_set_error_literal (error, TERN_JOURNAL_ERROR, TERN_JOURNAL_ERROR_INVALID,
                           "INBOX cannot be renamed");
      ok = FALSE;
    }
  if (ok && folder_by_name (store, f.account_id, name) != 0)
    {
      g_set_error (error, TERN_JOURNAL_ERROR, TERN_JOURNAL_ERROR_EXISTS,
                   "A folder “%s” exists already", display ? display : name);
      ok = FALSE;
    }
  if (ok)
    {
      a.account_id = f.account_id;
      a.kind = (char *) TERN_ACTION_FOLDER_RENAME;
      a.folder = folder_id;
      a.name = f.name;
      a.new_name = (char *) name;
      ok = _tern_journal_insert_action (store, &a, error) != 0 &&
           _tern_journal_rename_rows (store, f.account_id, f.name, name, f.display_name, display ? display : name,
                                      f.delimiter, error);
    }
  return _tern_journal_txn_end (&txn, ok, error);
}

gboolean
tern_journal_folder_delete (TernStore   *store,
                            gint64       folder_id,
                            GError     **error)
{
  g_auto(FolderRow) f = { 0 };
  TernAction a = { 0 };
  Txn txn;
  gboolean ok;

  if (!_tern_journal_txn_begin (&txn, store, error))
    return FALSE;
  ok = _tern_journal_load_folder (store, folder_id, &f, error) && _tern_journal_usable_folder (&f, error) &&
       _tern_journal_check_rights (&f, "x", "delete this folder", error);
  if (ok && g_ascii_strcasecmp (f.name, "INBOX") == 0)
    {
      g_set_error_literal (error, TERN_JOURNAL_ERROR, TERN_JOURNAL_ERROR_INVALID,
                           "INBOX cannot be deleted");
      ok = FALSE;
    }
  if (ok)
    {
      a.account_id = f.account_id;
      a.kind = (char *) TERN_ACTION_FOLDER_DELETE;
      a.folder = folder_id;
      a.name = f.name;
      ok = _tern_journal_insert_action (store, &a, error) != 0 && tern_store_set_folder_local_state (store, folder_id, TERN_FOLDER_DELETED_HERE, error);
    }
  return _tern_journal_txn_end (&txn, ok, error);
}

gboolean
_tern_journal_set_subscribed (TernStore   *store,
                              gint64       folder_id,
                              gboolean     subscribed,
                              GError     **error)
{
  sqlite3_stmt *stmt = _tern_store_prepare (store, "UPDATE folder SET subscribed = ? WHERE id = ?", error);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int (stmt, 1, subscribed);
  sqlite3_bind_int64 (stmt, 2, folder_id);
  return _tern_store_step_done (store, stmt, "updating a folder", error);
}

gboolean
tern_journal_folder_share (TernStore   *store,
                           gint64       folder_id,
                           const char  *identifier,
                           const char  *rights,
                           GError     **error)
{
  g_auto(FolderRow) f = { 0 };
  TernAction a = { 0 };
  Txn txn;
  gboolean ok;

  g_return_val_if_fail (identifier != NULL && *identifier != '\0', FALSE);

  if (!_tern_journal_txn_begin (&txn, store, error))
    return FALSE;
  ok = _tern_journal_load_folder (store, folder_id, &f, error) && _tern_journal_usable_folder (&f, error);
  if (ok)
    {
      a.account_id = f.account_id;
      a.kind = (char *) (rights ? TERN_ACTION_SETACL : TERN_ACTION_DELETEACL);
      a.folder = folder_id;
      a.name = f.name;
      a.new_name = (char *) identifier;
      a.add_flags = (char *) rights;
      ok = _tern_journal_insert_action (store, &a, error) != 0;
    }
  return _tern_journal_txn_end (&txn, ok, error);
}

gboolean
tern_journal_folder_subscribe (TernStore   *store,
                               gint64       folder_id,
                               gboolean     subscribe,
                               GError     **error)
{
  g_auto(FolderRow) f = { 0 };
  TernAction a = { 0 };
  Txn txn;
  gboolean ok;

  if (!_tern_journal_txn_begin (&txn, store, error))
    return FALSE;
  ok = _tern_journal_load_folder (store, folder_id, &f, error) && _tern_journal_usable_folder (&f, error);
  if (ok && f.subscribed == !!subscribe)
    return _tern_journal_txn_end (&txn, TRUE, error);
  if (ok)
    {
      a.account_id = f.account_id;
      a.kind = (char *) (subscribe ? TERN_ACTION_SUBSCRIBE : TERN_ACTION_UNSUBSCRIBE);
      a.folder = folder_id;
      a.name = f.name;
      ok = _tern_journal_insert_action (store, &a, error) != 0 && _tern_journal_set_subscribed (store, folder_id, subscribe, error);
    }
  return _tern_journal_txn_end (&txn, ok, error);
}
