/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "tern-store"

#include "config.h"

#include <glib/gstdio.h>
#include <sqlite3.h>
#include <string.h>

#include "tern-store-private.h"

/* Folders: the server's list, sync state, local state. */

/* Folders. */

#define FOLDER_COLUMNS \
  "f.id, f.account_id, f.name, f.display_name, f.delimiter, f.attributes, f.special_use, " \
  "f.namespace, f.subscribed, f.selectable, f.myrights, f.uidvalidity, f.uidnext, " \
  "f.highestmodseq, f.server_exists, f.fill_uidvalidity, f.fill_uidnext, f.fill_modseq, " \
  "f.fill_low, f.flags_swept, f.last_sync, f.local_state, f.offline_days, f.offline_max_size, " \
  "f.offline_full"

#define FOLDER_COUNTS \
  SHOWN_COUNT ("f.id", "") ", " SHOWN_COUNT ("f.id", " AND m.seen = 0")

static TernFolder *
folder_from_row (sqlite3_stmt *stmt,
                 gboolean      with_counts)
{
  TernFolder *folder = g_new0 (TernFolder, 1);

  folder->id = sqlite3_column_int64 (stmt, 0);
  folder->account_id = sqlite3_column_int64 (stmt, 1);
  folder->name = _tern_store_dup_column (stmt, 2);
  folder->display_name = _tern_store_dup_column (stmt, 3);
  folder->delimiter = _tern_store_dup_column (stmt, 4);
  folder->attributes = _tern_store_dup_column (stmt, 5);
  folder->special_use = _tern_store_dup_column (stmt, 6);
  folder->namespace_kind = _tern_store_dup_column (stmt, 7);
  folder->subscribed = sqlite3_column_int (stmt, 8) != 0;
  folder->selectable = sqlite3_column_int (stmt, 9) != 0;
  folder->myrights = _tern_store_dup_column (stmt, 10);
  folder->uidvalidity = (guint32) sqlite3_column_int64 (stmt, 11);
  folder->uidnext = (guint32) sqlite3_column_int64 (stmt, 12);
  folder->highestmodseq = (guint64) sqlite3_column_int64 (stmt, 13);
  folder->server_exists = (guint32) sqlite3_column_int64 (stmt, 14);
  folder->fill_uidvalidity = (guint32) sqlite3_column_int64 (stmt, 15);
  folder->fill_uidnext = (guint32) sqlite3_column_int64 (stmt, 16);
  folder->fill_modseq = (guint64) sqlite3_column_int64 (stmt, 17);
  folder->fill_low = (guint32) sqlite3_column_int64 (stmt, 18);
  folder->flags_swept = sqlite3_column_int64 (stmt, 19);
  folder->last_sync = sqlite3_column_int64 (stmt, 20);
  folder->local_state = sqlite3_column_int (stmt, 21);
  folder->offline_days = sqlite3_column_int64 (stmt, 22);
  folder->offline_max_size = sqlite3_column_int64 (stmt, 23);
  folder->offline_full = sqlite3_column_int (stmt, 24) != 0;
  if (with_counts)
    {
      folder->total = (guint) sqlite3_column_int64 (stmt, 25);
      folder->unread = (guint) sqlite3_column_int64 (stmt, 26);
    }
  return folder;
}

static TernFolder *
folder_from_row_counted (sqlite3_stmt *stmt)
{
  return folder_from_row (stmt, TRUE);
}

static TernFolder *
folder_from_row_uncounted (sqlite3_stmt *stmt)
{
  return folder_from_row (stmt, FALSE);
}

static GPtrArray *
list_folders (TernStore   *self,
              const char  *sql,
              gboolean     with_counts,
              gint64       account_id,
              GError     **error)
{
  sqlite3_stmt *stmt = _tern_store_prepare (self, sql, error);

  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, account_id);
  return _tern_store_collect (self, stmt,
                              with_counts ? (TernRowFunc) folder_from_row_counted
                                          : (TernRowFunc) folder_from_row_uncounted,
                              (GDestroyNotify) tern_folder_free, "listing folders", error);
}

/* INBOX first, then special-use folders, then the rest by name. */
#define FOLDER_ORDER \
  "f.account_id = ? ORDER BY f.namespace <> 'personal', upper(f.name) <> 'INBOX', " \
  "f.special_use IS NULL, f.display_name"

GPtrArray *
tern_store_list_folders (TernStore  *self,
                         gint64      account_id,
                         GError    **error)
{
  return list_folders (self, "SELECT " FOLDER_COLUMNS ", " FOLDER_COUNTS " FROM folder f "
                       "WHERE f.local_state <> 2 AND " FOLDER_ORDER,
                       TRUE, account_id, error);
}

GPtrArray *
tern_store_list_folders_uncounted (TernStore  *self,
                                   gint64      account_id,
                                   GError    **error)
{
  return list_folders (self, "SELECT " FOLDER_COLUMNS " FROM folder f WHERE " FOLDER_ORDER,
                       FALSE, account_id, error);
}

static TernFolder *
get_one_folder (TernStore     *self,
                sqlite3_stmt  *stmt,
                const char    *missing,
                GError       **error)
{
  TernFolder *folder = NULL;
  int rc = sqlite3_step (stmt);

  if (rc == SQLITE_ROW)
    folder = folder_from_row (stmt, FALSE);
  else if (rc == SQLITE_DONE)
    g_set_error (error, TERN_STORE_ERROR, TERN_STORE_ERROR_NOT_FOUND, "No folder “%s”", missing);
  else
    _tern_store_fail (self, rc, "reading a folder", error);
  sqlite3_reset (stmt);
  return folder;
}

TernFolder *
tern_store_get_folder (TernStore   *self,
                       gint64       account_id,
                       const char  *name,
                       GError     **error)
{
  /* INBOX is case-insensitive; other names are matched exactly, by server or display name. */
  sqlite3_stmt *stmt = _tern_store_prepare (self,
                                            "SELECT " FOLDER_COLUMNS " FROM folder f "
                                            "WHERE f.account_id = ?1 AND (f.name = ?2 OR f.display_name = ?2 "
                                            "OR (upper(?2) = 'INBOX' AND upper(f.name) = 'INBOX')) "
                                            "ORDER BY f.name = ?2 DESC LIMIT 1",
                                            error);

  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, account_id);
  _tern_store_bind_text (stmt, 2, name);
  return get_one_folder (self, stmt, name, error);
}

TernFolder *
tern_store_get_folder_by_id (TernStore   *self,
                             gint64       folder_id,
                             GError     **error)
{
  sqlite3_stmt *stmt = _tern_store_prepare (self,
                                            "SELECT " FOLDER_COLUMNS " FROM folder f WHERE f.id = ?",
                                            error);
  g_autofree char *missing = g_strdup_printf ("%" G_GINT64_FORMAT, folder_id);

  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, folder_id);
  return get_one_folder (self, stmt, missing, error);
}

gboolean
tern_store_upsert_folder (TernStore         *self,
                          const TernFolder  *folder,
                          gint64            *id_out,
                          GError           **error)
{
  sqlite3_stmt *stmt = _tern_store_prepare (self,
                                            "INSERT INTO folder (account_id, name, display_name, delimiter, "
                                            "attributes, special_use, namespace, subscribed, selectable, myrights) "
                                            "VALUES (?,?,?,?,?,?,?,?,?,?) "
                                            "ON CONFLICT (account_id, name) DO UPDATE SET "
                                            "display_name = excluded.display_name, delimiter = excluded.delimiter, "
                                            "attributes = excluded.attributes, special_use = excluded.special_use, "
                                            "namespace = excluded.namespace, subscribed = excluded.subscribed, "
                                            "selectable = excluded.selectable, "
                                            "myrights = coalesce (excluded.myrights, myrights) "
                                            "RETURNING id",
                                            error);
  int rc;

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, folder->account_id);
  _tern_store_bind_text (stmt, 2, folder->name);
  _tern_store_bind_text (stmt, 3, folder->display_name ? folder->display_name : folder->name);
  _tern_store_bind_text (stmt, 4, folder->delimiter);
  _tern_store_bind_text (stmt, 5, folder->attributes ? folder->attributes : "");
  _tern_store_bind_text (stmt, 6, folder->special_use);
  _tern_store_bind_text (stmt, 7, folder->namespace_kind ? folder->namespace_kind : "personal");
  sqlite3_bind_int (stmt, 8, folder->subscribed);
  sqlite3_bind_int (stmt, 9, folder->selectable);
  _tern_store_bind_text (stmt, 10, folder->myrights);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW && id_out != NULL)
    *id_out = sqlite3_column_int64 (stmt, 0);
  sqlite3_reset (stmt);
  if (rc != SQLITE_ROW)
    return _tern_store_fail (self, rc, "storing a folder", error);
  return TRUE;
}

gboolean
tern_store_rename_folder (TernStore   *self,
                          gint64       folder_id,
                          const char  *name,
                          const char  *display_name,
                          GError     **error)
{
  sqlite3_stmt *stmt = _tern_store_prepare (self, "UPDATE folder SET name = ?, display_name = ? WHERE id = ?",
                                            error);

  if (stmt == NULL)
    return FALSE;
  _tern_store_bind_text (stmt, 1, name);
  _tern_store_bind_text (stmt, 2, display_name ? display_name : name);
  sqlite3_bind_int64 (stmt, 3, folder_id);
  return _tern_store_step_done (self, stmt, "renaming a folder", error);
}

gboolean
tern_store_delete_folder (TernStore  *self,
                          gint64      folder_id,
                          GError    **error)
{
  sqlite3_stmt *stmt = _tern_store_prepare (self, "DELETE FROM folder WHERE id = ?", error);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, folder_id);
  return _tern_store_step_done (self, stmt, "deleting a folder", error);
}

gboolean
tern_store_set_folder_state (TernStore  *self,
                             gint64      folder_id,
                             guint32     uidvalidity,
                             guint32     uidnext,
                             guint64     highestmodseq,
                             guint32     server_exists,
                             GError    **error)
{
  /* A completed sync also ends any first sync in progress. */
  sqlite3_stmt *stmt = _tern_store_prepare (self,
                                            "UPDATE folder SET uidvalidity = ?, uidnext = ?, highestmodseq = ?, "
                                            "server_exists = ?, last_sync = ?, fill_uidvalidity = NULL, "
                                            "fill_uidnext = NULL, fill_modseq = NULL, fill_low = NULL "
                                            "WHERE id = ?",
                                            error);

  if (stmt == NULL)
    return FALSE;
  _tern_store_bind_nonzero (stmt, 1, uidvalidity);
  _tern_store_bind_nonzero (stmt, 2, uidnext);
  _tern_store_bind_nonzero (stmt, 3, (gint64) highestmodseq);
  sqlite3_bind_int64 (stmt, 4, server_exists);
  sqlite3_bind_int64 (stmt, 5, g_get_real_time () / G_USEC_PER_SEC);
  sqlite3_bind_int64 (stmt, 6, folder_id);
  return _tern_store_step_done (self, stmt, "recording the folder state", error);
}

gboolean
tern_store_set_folder_fill (TernStore  *self,
                            gint64      folder_id,
                            guint32     fill_uidvalidity,
                            guint32     fill_uidnext,
                            guint64     fill_modseq,
                            guint32     fill_low,
                            GError    **error)
{
  sqlite3_stmt *stmt = _tern_store_prepare (self,
                                            "UPDATE folder SET fill_uidvalidity = ?, fill_uidnext = ?, "
                                            "fill_modseq = ?, fill_low = ? WHERE id = ?",
                                            error);

  if (stmt == NULL)
    return FALSE;
  _tern_store_bind_nonzero (stmt, 1, fill_uidvalidity);
  _tern_store_bind_nonzero (stmt, 2, fill_uidnext);
  _tern_store_bind_nonzero (stmt, 3, (gint64) fill_modseq);
  _tern_store_bind_nonzero (stmt, 4, fill_low);
  sqlite3_bind_int64 (stmt, 5, folder_id);
  return _tern_store_step_done (self, stmt, "recording sync progress", error);
}

gboolean
tern_store_set_folder_local_state (TernStore            *self,
                                   gint64                folder_id,
                                   TernFolderLocalState  state,
                                   GError    **error)
{
  sqlite3_stmt *stmt = _tern_store_prepare (self, "UPDATE folder SET local_state = ? WHERE id = ?", error);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int (stmt, 1, state);
  sqlite3_bind_int64 (stmt, 2, folder_id);
  return _tern_store_step_done (self, stmt, "updating a folder", error);
}

gboolean
tern_store_set_folder_flags_swept (TernStore  *self,
                                   gint64      folder_id,
                                   gint64      when,
                                   GError    **error)
{
  sqlite3_stmt *stmt = _tern_store_prepare (self, "UPDATE folder SET flags_swept = ? WHERE id = ?", error);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, when);
  sqlite3_bind_int64 (stmt, 2, folder_id);
  return _tern_store_step_done (self, stmt, "recording a flag sweep", error);
}

gboolean
tern_store_get_folder_notify (TernStore *self,
                              gint64     folder_id)
{
  sqlite3_stmt *stmt = _tern_store_prepare (self,
                                            "SELECT coalesce (n.notify, f.name = 'INBOX' COLLATE NOCASE) "
                                            "FROM folder f LEFT JOIN folder_notify n ON n.folder_id = f.id "
                                            "WHERE f.id = ?",
                                            NULL);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, folder_id);
  return _tern_store_step_int64 (stmt, 0) != 0;
}

gboolean
tern_store_set_folder_notify (TernStore  *self,
                              gint64      folder_id,
                              gboolean    notify,
                              GError    **error)
{
  sqlite3_stmt *stmt = _tern_store_prepare (self,
                                            "INSERT INTO folder_notify (folder_id, notify) "
                                            "SELECT id, ? FROM folder WHERE id = ? "
                                            "ON CONFLICT (folder_id) DO UPDATE SET notify = excluded.notify",
                                            error);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int (stmt, 1, notify ? 1 : 0);
  sqlite3_bind_int64 (stmt, 2, folder_id);
  if (!_tern_store_step_done (self, stmt, "setting a folder's notifications", error))
    return FALSE;
  if (sqlite3_changes (_tern_store_get_db (self)) == 0)
    {
      g_set_error (error, TERN_STORE_ERROR, TERN_STORE_ERROR_NOT_FOUND, "No such folder");
      return FALSE;
    }
  return TRUE;
}
