/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "tern-journal"

#include "config.h"

#include <string.h>

#include "tern-journal-private.h"

/*
 * Local effects, and how a failure undoes them:
 *
 *   flags     message flags changed            delta reverted; the next sync has the last word
 *   move      message.local_folder = target    local_folder recomputed from queued moves
 *   copy      a new row, uid NULL              the row is removed
 *   expunge   message.hidden = 1               hidden recomputed from queued deletions
 *   append    a new row, uid NULL, with blob   kept: shown as not uploaded, never dropped
 *   folders   created (local_state 1), renamed, hidden (2), (un)subscribed: each reverted
 *
 * This file: actions, the queue and the helpers of tern-journal-private.h;
 * tern-journal-messages.c and tern-journal-folders.c: the actions the user takes.
 */

G_DEFINE_QUARK (tern-journal-error-quark, tern_journal_error)

void
tern_action_free (TernAction *action)
{
  if (action == NULL)
    return;
  g_free (action->kind);
  g_free (action->add_flags);
  g_free (action->remove_flags);
  g_free (action->name);
  g_free (action->new_name);
  g_free (action->uids);
  g_free (action->state);
  g_free (action->error_class);
  g_free (action->error);
  g_free (action);
}

/* Rows we need. */

void
_tern_journal_message_row_clear (MessageRow *m)
{
  g_clear_pointer (&m->flags, g_free);
  g_clear_pointer (&m->message_id, g_free);
}

void
_tern_journal_folder_row_clear (FolderRow *f)
{
  g_clear_pointer (&f->name, g_free);
  g_clear_pointer (&f->display_name, g_free);
  g_clear_pointer (&f->delimiter, g_free);
  g_clear_pointer (&f->myrights, g_free);
  g_clear_pointer (&f->special_use, g_free);
}

gboolean
_tern_journal_load_message (TernStore   *store,
                            gint64       id,
                            MessageRow  *m,
                            GError     **error)
{
  sqlite3_stmt *stmt = _tern_store_prepare (store,
                                            "SELECT id, folder_id, uid, local_folder, hidden, flags, "
                                            "blob, message_id FROM message WHERE id = ?",
                                            error);
  int rc;

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, id);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    {
      m->id = sqlite3_column_int64 (stmt, 0);
      m->folder_id = sqlite3_column_int64 (stmt, 1);
      m->uid = (guint32) sqlite3_column_int64 (stmt, 2);
      m->local_folder = sqlite3_column_int64 (stmt, 3);
      m->hidden = sqlite3_column_int (stmt, 4) != 0;
      m->flags = _tern_store_dup_column (stmt, 5);
      m->blob = sqlite3_column_int64 (stmt, 6);
      m->message_id = _tern_store_dup_column (stmt, 7);
    }
  sqlite3_reset (stmt);
  if (rc == SQLITE_DONE)
    {
      g_set_error (error, TERN_JOURNAL_ERROR, TERN_JOURNAL_ERROR_NOT_FOUND,
                   "No message with id %" G_GINT64_FORMAT, id);
      return FALSE;
    }
  if (rc != SQLITE_ROW)
    return _tern_store_fail (store, rc, "reading a message", error);
  return TRUE;
}

gboolean
_tern_journal_load_folder (TernStore   *store,
                           gint64       id,
                           FolderRow   *f,
                           GError     **error)
{
  sqlite3_stmt *stmt = _tern_store_prepare (store,
                                            "SELECT id, account_id, name, display_name, delimiter, "
                                            "myrights, special_use, local_state, subscribed "
                                            "FROM folder WHERE id = ?",
                                            error);
  int rc;

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, id);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    {
      f->id = sqlite3_column_int64 (stmt, 0);
      f->account_id = sqlite3_column_int64 (stmt, 1);
      f->name = _tern_store_dup_column (stmt, 2);
      f->display_name = _tern_store_dup_column (stmt, 3);
      f->delimiter = _tern_store_dup_column (stmt, 4);
      f->myrights = _tern_store_dup_column (stmt, 5);
      f->special_use = _tern_store_dup_column (stmt, 6);
      f->local_state = sqlite3_column_int (stmt, 7);
      f->subscribed = sqlite3_column_int (stmt, 8) != 0;
    }
  sqlite3_reset (stmt);
  if (rc == SQLITE_DONE)
    {
      g_set_error (error, TERN_JOURNAL_ERROR, TERN_JOURNAL_ERROR_NOT_FOUND,
                   "No folder with id %" G_GINT64_FORMAT, id);
      return FALSE;
    }
  if (rc != SQLITE_ROW)
    return _tern_store_fail (store, rc, "reading a folder", error);
  return TRUE;
}

/* The folder the user sees the message in. */
gint64
_tern_journal_shown_in (const MessageRow *m)
{
  return m->local_folder != 0 ? m->local_folder : m->folder_id;
}

/* RFC 4314 rights, when the server told us (MYRIGHTS); unknown rights allow everything
 * and the server has the last word at replay. */
gboolean
_tern_journal_check_rights (const FolderRow  *folder,
                            const char       *needed,
                            const char       *what,
                            GError          **error)
{
  if (folder->myrights == NULL)
    return TRUE;
  for (const char *r = needed; *r != '\0'; r++)
    if (strchr (folder->myrights, *r) == NULL)
      {
        g_set_error (error, TERN_JOURNAL_ERROR, TERN_JOURNAL_ERROR_NOT_ALLOWED,
                     "You may not %s in “%s” (rights “%s”, needs “%c”)",
                     what, folder->display_name, folder->myrights, *r);
        return FALSE;
      }
  return TRUE;
}

gboolean
_tern_journal_usable_folder (const FolderRow  *folder,
                             GError          **error)
{
  if (folder->local_state == TERN_FOLDER_DELETED_HERE)
    {
      g_set_error (error, TERN_JOURNAL_ERROR, TERN_JOURNAL_ERROR_NOT_FOUND,
                   "The folder “%s” is being deleted", folder->display_name);
      return FALSE;
    }
  return TRUE;
}

/* Flag sets. */

gboolean
_tern_journal_valid_flag (const char *flag)
{
  const char *p = flag;

  if (*p == '\\')
    {
      const char *known[] = { "\\Seen", "\\Answered", "\\Flagged", "\\Deleted", "\\Draft" };

      for (guint i = 0; i < G_N_ELEMENTS (known); i++)
        if (g_ascii_strcasecmp (flag, known[i]) == 0)
          return TRUE;
      return FALSE;
    }
  if (*p == '\0')
    return FALSE;
  /* An IMAP atom: no specials, no controls, no non-ASCII. */
  for (; *p != '\0'; p++)
    if ((guchar) *p <= 0x20 || (guchar) *p >= 0x7f || strchr ("(){%*\"\\]", *p) != NULL)
      return FALSE;
  return TRUE;
}

GPtrArray *
_tern_journal_split_flags (const char *flags)
{
  GPtrArray *list = g_ptr_array_new_with_free_func (g_free);
  g_auto(GStrv) parts = g_strsplit (flags ? flags : "", " ", -1);

  for (guint i = 0; parts[i] != NULL; i++)
    if (*parts[i] != '\0')
      g_ptr_array_add (list, g_strdup (parts[i]));
  return list;
}

char *
_tern_journal_join_flags (GPtrArray *list)
{
  g_autoptr(GString) out = g_string_new (NULL);

  for (guint i = 0; i < list->len; i++)
    {
      if (out->len > 0)
        g_string_append_c (out, ' ');
      g_string_append (out, list->pdata[i]);
    }
  return tern_flags_canonicalize (out->str);
}

gboolean
_tern_journal_contains_flag (GPtrArray  *list,
                             const char *flag)
{
  for (guint i = 0; i < list->len; i++)
    if (g_ascii_strcasecmp (list->pdata[i], flag) == 0)
      return TRUE;
  return FALSE;
}

static void
remove_flag (GPtrArray  *list,
             const char *flag)
{
  for (guint i = list->len; i > 0; i--)
    if (g_ascii_strcasecmp (list->pdata[i - 1], flag) == 0)
      g_ptr_array_remove_index (list, i - 1);
}

/* (flags + add) - remove */
char *
_tern_journal_apply_delta (const char *flags,
                           const char *add,
                           const char *remove)
{
  g_autoptr(GPtrArray) list = _tern_journal_split_flags (flags);
  g_autoptr(GPtrArray) adds = _tern_journal_split_flags (add);
  g_autoptr(GPtrArray) removes = _tern_journal_split_flags (remove);

  for (guint i = 0; i < adds->len; i++)
    if (!_tern_journal_contains_flag (list, adds->pdata[i]))
      g_ptr_array_add (list, g_strdup (adds->pdata[i]));
  for (guint i = 0; i < removes->len; i++)
    remove_flag (list, removes->pdata[i]);
  return _tern_journal_join_flags (list);
}

gboolean
_tern_journal_set_message_flags (TernStore   *store,
                                 gint64       message_id,
                                 const char  *flags,
                                 GError     **error)
{
  sqlite3_stmt *stmt = _tern_store_prepare (store,
                                            "UPDATE message SET flags = ?, seen = ?, flagged = ? "
                                            "WHERE id = ?",
                                            error);

  if (stmt == NULL)
    return FALSE;
  _tern_store_bind_text (stmt, 1, flags);
  sqlite3_bind_int (stmt, 2, tern_flags_contain (flags, "\\Seen"));
  sqlite3_bind_int (stmt, 3, tern_flags_contain (flags, "\\Flagged"));
  sqlite3_bind_int64 (stmt, 4, message_id);
  return _tern_store_step_done (store, stmt, "changing flags", error);
}

/* Transactions: every public call is one, unless the caller already opened one. */

gboolean
_tern_journal_txn_begin (Txn        *txn,
                         TernStore  *store,
                         GError    **error)
{
  txn->store = store;
  txn->own = !_tern_store_in_transaction (store);
  return !txn->own || tern_store_begin (store, error);
}

gboolean
_tern_journal_txn_end (Txn        *txn,
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

/* Actions. */

gint64
_tern_journal_insert_action (TernStore         *store,
                             const TernAction  *a,
                             GError           **error)
{
  sqlite3_stmt *stmt = _tern_store_prepare (store,
                                            "INSERT INTO action (account_id, kind, message, new_message, "
                                            "folder, target, add_flags, remove_flags, name, new_name, "
                                            "uids, created) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                                            error);

  if (stmt == NULL)
    return 0;
  sqlite3_bind_int64 (stmt, 1, a->account_id);
  _tern_store_bind_text (stmt, 2, a->kind);
  _tern_store_bind_nonzero (stmt, 3, a->message);
  _tern_store_bind_nonzero (stmt, 4, a->new_message);
  _tern_store_bind_nonzero (stmt, 5, a->folder);
  _tern_store_bind_nonzero (stmt, 6, a->target);
  _tern_store_bind_text (stmt, 7, a->add_flags);
  _tern_store_bind_text (stmt, 8, a->remove_flags);
  _tern_store_bind_text (stmt, 9, a->name);
  _tern_store_bind_text (stmt, 10, a->new_name);
  _tern_store_bind_text (stmt, 11, a->uids);
  sqlite3_bind_int64 (stmt, 12, g_get_real_time () / G_USEC_PER_SEC);
  if (!_tern_store_step_done (store, stmt, "queueing an action", error))
    return 0;
  return sqlite3_last_insert_rowid (_tern_store_get_db (store));
}

TernAction *
_tern_journal_action_from_row (sqlite3_stmt *stmt)
{
  TernAction *a = g_new0 (TernAction, 1);

  a->id = sqlite3_column_int64 (stmt, 0);
  a->account_id = sqlite3_column_int64 (stmt, 1);
  a->kind = _tern_store_dup_column (stmt, 2);
  a->message = sqlite3_column_int64 (stmt, 3);
  a->new_message = sqlite3_column_int64 (stmt, 4);
  a->folder = sqlite3_column_int64 (stmt, 5);
  a->target = sqlite3_column_int64 (stmt, 6);
  a->add_flags = _tern_store_dup_column (stmt, 7);
  a->remove_flags = _tern_store_dup_column (stmt, 8);
  a->name = _tern_store_dup_column (stmt, 9);
  a->new_name = _tern_store_dup_column (stmt, 10);
  a->uids = _tern_store_dup_column (stmt, 11);
  a->state = _tern_store_dup_column (stmt, 12);
  a->sent = sqlite3_column_int (stmt, 13) != 0;
  a->error_class = _tern_store_dup_column (stmt, 14);
  a->error = _tern_store_dup_column (stmt, 15);
  a->attempts = (guint) sqlite3_column_int (stmt, 16);
  a->created = sqlite3_column_int64 (stmt, 17);
  return a;
}

TernAction *
_tern_journal_get_one_action (TernStore     *store,
                              sqlite3_stmt  *stmt,
                              GError       **error)
{
  TernAction *a = NULL;
  int rc = sqlite3_step (stmt);

  if (rc == SQLITE_ROW)
    a = _tern_journal_action_from_row (stmt);
  sqlite3_reset (stmt);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    _tern_store_fail (store, rc, "reading the journal", error);
  return a;
}

TernAction *
tern_journal_get (TernStore   *store,
                  gint64       action_id,
                  GError     **error)
{
  sqlite3_stmt *stmt = _tern_store_prepare (store, "SELECT " ACTION_COLUMNS " FROM action WHERE id = ?",
                                            error);
  TernAction *a;
  GError *local_error = NULL;

  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, action_id);
  a = _tern_journal_get_one_action (store, stmt, &local_error);
  if (a == NULL && local_error == NULL)
    g_set_error (error, TERN_JOURNAL_ERROR, TERN_JOURNAL_ERROR_NOT_FOUND,
                 "No pending action %" G_GINT64_FORMAT, action_id);
  else if (local_error != NULL)
    g_propagate_error (error, local_error);
  return a;
}

TernAction *
tern_journal_next (TernStore   *store,
                   gint64       account_id,
                   gint64       after_id,
                   GError     **error)
{
  sqlite3_stmt *stmt = _tern_store_prepare (store,
                                            "SELECT " ACTION_COLUMNS " FROM action WHERE account_id = ? "
                                            "AND state = 'queued' AND id > ? ORDER BY id LIMIT 1",
                                            error);

  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, account_id);
  sqlite3_bind_int64 (stmt, 2, after_id);
  return _tern_journal_get_one_action (store, stmt, error);
}

GPtrArray *
tern_journal_list (TernStore   *store,
                   gint64       account_id,
                   GError     **error)
{
  sqlite3_stmt *stmt = _tern_store_prepare (store,
                                            "SELECT " ACTION_COLUMNS " FROM action "
                                            "WHERE (?1 = 0 OR account_id = ?1) ORDER BY id",
                                            error);

  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, account_id);
  return _tern_store_collect (store, stmt, (TernRowFunc) _tern_journal_action_from_row,
                              (GDestroyNotify) tern_action_free, "reading the journal", error);
}

gint64
tern_journal_last_id (TernStore *store)
{
  sqlite3_stmt *stmt = _tern_store_prepare (store, "SELECT coalesce (max (id), 0) FROM action", NULL);

  if (stmt == NULL)
    return 0;
  return _tern_store_step_int64 (stmt, 0);
}

guint
tern_journal_count_queued (TernStore  *store,
                           gint64      account_id,
                           const char *kind)
{
  sqlite3_stmt *stmt = _tern_store_prepare (store,
                                            "SELECT count(*) FROM action WHERE account_id = ? AND "
                                            "state = 'queued' AND (?2 IS NULL OR kind = ?2)",
                                            NULL);

  if (stmt == NULL)
    return 0;
  sqlite3_bind_int64 (stmt, 1, account_id);
  _tern_store_bind_text (stmt, 2, kind);
  return (guint) _tern_store_step_int64 (stmt, 0);
}

/* Queue bookkeeping. */

gboolean
tern_journal_mark_sent (TernStore   *store,
                        gint64       action_id,
                        const char  *note,
                        GError     **error)
{
  sqlite3_stmt *stmt = _tern_store_prepare (store,
                                            "UPDATE action SET sent = 1, attempts = attempts + 1, "
                                            "uids = coalesce (?2, uids) WHERE id = ?1",
                                            error);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, action_id);
  _tern_store_bind_text (stmt, 2, note);
  return _tern_store_step_done (store, stmt, "recording an action", error);
}

static gboolean
delete_action (TernStore   *store,
               gint64       action_id,
               GError     **error)
{
  sqlite3_stmt *stmt = _tern_store_prepare (store, "DELETE FROM action WHERE id = ?", error);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, action_id);
  return _tern_store_step_done (store, stmt, "removing an action", error);
}

gboolean
tern_journal_mark_done (TernStore   *store,
                        gint64       action_id,
                        GError     **error)
{
  g_autoptr(TernAction) a = tern_journal_get (store, action_id, error);
  Txn txn;
  gboolean ok;

  if (a == NULL || !_tern_journal_txn_begin (&txn, store, error))
    return FALSE;
  ok = delete_action (store, action_id, error);
  if (ok && a->message != 0)
    {
      /* The row may be gone (expunged): nothing to recompute then. */
      g_auto(MessageRow) m = { 0 };

      if (_tern_journal_load_message (store, a->message, &m, NULL))
        ok = _tern_journal_recompute_message (store, a->message, error);
    }
  if (ok && g_strcmp0 (a->kind, TERN_ACTION_FOLDER_CREATE) == 0)
    ok = tern_store_set_folder_local_state (store, a->folder, TERN_FOLDER_ON_SERVER, error);
  return _tern_journal_txn_end (&txn, ok, error);
}

gboolean
_tern_journal_undo_locally (TernStore   *store,
                            TernAction  *a,
                            GError     **error)
{
  if (g_strcmp0 (a->kind, TERN_ACTION_FLAGS) == 0)
    {
      g_auto(MessageRow) m = { 0 };
      g_autofree char *flags = NULL;

      if (!_tern_journal_load_message (store, a->message, &m, NULL))
        return TRUE;
      flags = _tern_journal_apply_delta (m.flags, a->remove_flags, a->add_flags);
      return _tern_journal_set_message_flags (store, a->message, flags, error);
    }
  if (g_strcmp0 (a->kind, TERN_ACTION_MOVE) == 0 || g_strcmp0 (a->kind, TERN_ACTION_EXPUNGE) == 0)
    {
      g_auto(MessageRow) m = { 0 };

      if (!_tern_journal_load_message (store, a->message, &m, NULL))
        return TRUE;
      return _tern_journal_recompute_message (store, a->message, error);
    }
  if (g_strcmp0 (a->kind, TERN_ACTION_EXPUNGE_UIDS) == 0)
    {
      sqlite3_stmt *stmt = _tern_store_prepare (store,
                                                "UPDATE message SET hidden = 0 WHERE folder_id = ? AND "
                                                "instr (' ' || ? || ' ', ' ' || uid || ' ') > 0",
                                                error);

      if (stmt == NULL)
        return FALSE;
      sqlite3_bind_int64 (stmt, 1, a->folder);
      _tern_store_bind_text (stmt, 2, a->uids);
      return _tern_store_step_done (store, stmt, "restoring messages", error);
    }
  if (g_strcmp0 (a->kind, TERN_ACTION_COPY) == 0)
    {
      /* The copy never reached the server: it never existed. */
      sqlite3_stmt *stmt = _tern_store_prepare (store, "DELETE FROM message WHERE id = ? AND uid IS NULL",
                                                error);

      if (stmt == NULL)
        return FALSE;
      sqlite3_bind_int64 (stmt, 1, a->new_message);
      return _tern_store_step_done (store, stmt, "removing a copy", error);
    }
  if (g_strcmp0 (a->kind, TERN_ACTION_FOLDER_RENAME) == 0)
    {
      g_auto(FolderRow) f = { 0 };
      g_autofree char *old_display = NULL;

      if (!_tern_journal_load_folder (store, a->folder, &f, NULL))
        return TRUE;
      old_display = g_strdup (a->name);
      return _tern_journal_rename_rows (store, f.account_id, f.name, a->name, f.display_name, old_display,
                                        f.delimiter, error);
    }
  if (g_strcmp0 (a->kind, TERN_ACTION_FOLDER_DELETE) == 0)
    return tern_store_set_folder_local_state (store, a->folder, TERN_FOLDER_ON_SERVER, error);
  if (g_strcmp0 (a->kind, TERN_ACTION_SUBSCRIBE) == 0 || g_strcmp0 (a->kind, TERN_ACTION_UNSUBSCRIBE) == 0)
    return _tern_journal_set_subscribed (store, a->folder, g_strcmp0 (a->kind, TERN_ACTION_UNSUBSCRIBE) == 0, error);
  /* append, folder-create: what the user made stays, shown as not on the server. */
  return TRUE;
}

gboolean
tern_journal_mark_failed (TernStore   *store,
                          gint64       action_id,
                          const char  *error_class,
                          const char  *reason,
                          GError     **error)
{
  g_autoptr(TernAction) a = tern_journal_get (store, action_id, error);
  sqlite3_stmt *stmt;
  Txn txn;
  gboolean ok;

  if (a == NULL || !_tern_journal_txn_begin (&txn, store, error))
    return FALSE;
  stmt = _tern_store_prepare (store,
                              "UPDATE action SET state = 'failed', sent = 0, error_class = ?, error = ? "
                              "WHERE id = ?",
                              error);
  ok = stmt != NULL;
  if (ok)
    {
      _tern_store_bind_text (stmt, 1, error_class);
      _tern_store_bind_text (stmt, 2, reason);
      sqlite3_bind_int64 (stmt, 3, action_id);
      ok = _tern_store_step_done (store, stmt, "recording a failure", error);
    }
  ok = ok && _tern_journal_undo_locally (store, a, error);
  return _tern_journal_txn_end (&txn, ok, error);
}

gboolean
tern_journal_note_attempt (TernStore   *store,
                           gint64       action_id,
                           const char  *reason,
                           GError     **error)
{
  sqlite3_stmt *stmt = _tern_store_prepare (store,
                                            "UPDATE action SET error_class = 'retry', error = ? WHERE id = ?",
                                            error);

  if (stmt == NULL)
    return FALSE;
  _tern_store_bind_text (stmt, 1, reason);
  sqlite3_bind_int64 (stmt, 2, action_id);
  return _tern_store_step_done (store, stmt, "recording an attempt", error);
}

static gboolean
redo (TernStore   *store,
      TernAction  *a,
      GError     **error)
{
  if (g_strcmp0 (a->kind, TERN_ACTION_FLAGS) == 0)
    {
      g_auto(MessageRow) m = { 0 };
      g_autofree char *flags = NULL;

      if (!_tern_journal_load_message (store, a->message, &m, error))
        return FALSE;
      flags = _tern_journal_apply_delta (m.flags, a->add_flags, a->remove_flags);
      return _tern_journal_set_message_flags (store, a->message, flags, error);
    }
  if (g_strcmp0 (a->kind, TERN_ACTION_MOVE) == 0 || g_strcmp0 (a->kind, TERN_ACTION_EXPUNGE) == 0)
    return _tern_journal_recompute_message (store, a->message, error);
  if (g_strcmp0 (a->kind, TERN_ACTION_EXPUNGE_UIDS) == 0)
    {
      sqlite3_stmt *stmt = _tern_store_prepare (store,
                                                "UPDATE message SET hidden = 1 WHERE folder_id = ? AND "
                                                "instr (' ' || ? || ' ', ' ' || uid || ' ') > 0",
                                                error);

      if (stmt == NULL)
        return FALSE;
      sqlite3_bind_int64 (stmt, 1, a->folder);
      _tern_store_bind_text (stmt, 2, a->uids);
      return _tern_store_step_done (store, stmt, "hiding messages", error);
    }
  if (g_strcmp0 (a->kind, TERN_ACTION_COPY) == 0)
    {
      g_set_error_literal (error, TERN_JOURNAL_ERROR, TERN_JOURNAL_ERROR_INVALID,
                           "A failed copy cannot be retried: copy the message again");
      return FALSE;
    }
  if (g_strcmp0 (a->kind, TERN_ACTION_FOLDER_RENAME) == 0)
    {
      g_auto(FolderRow) f = { 0 };

      if (!_tern_journal_load_folder (store, a->folder, &f, error))
        return FALSE;
      return _tern_journal_rename_rows (store, f.account_id, f.name, a->new_name, f.display_name, a->new_name,
                                        f.delimiter, error);
    }
  if (g_strcmp0 (a->kind, TERN_ACTION_FOLDER_DELETE) == 0)
    return tern_store_set_folder_local_state (store, a->folder, TERN_FOLDER_DELETED_HERE, error);
  if (g_strcmp0 (a->kind, TERN_ACTION_SUBSCRIBE) == 0 || g_strcmp0 (a->kind, TERN_ACTION_UNSUBSCRIBE) == 0)
    return _tern_journal_set_subscribed (store, a->folder, g_strcmp0 (a->kind, TERN_ACTION_SUBSCRIBE) == 0, error);
  return TRUE;
}

gboolean
tern_journal_retry (TernStore   *store,
                    gint64       action_id,
                    GError     **error)
{
  g_autoptr(TernAction) a = tern_journal_get (store, action_id, error);
  sqlite3_stmt *stmt;
  Txn txn;
  gboolean ok;

  if (a == NULL)
    return FALSE;
  if (g_strcmp0 (a->state, "failed") != 0)
    return TRUE;
  if (!_tern_journal_txn_begin (&txn, store, error))
    return FALSE;
  /* Back in the queue at its place in the user's order: it runs before later actions. */
  stmt = _tern_store_prepare (store,
                              "UPDATE action SET state = 'queued', error_class = NULL, error = NULL "
                              "WHERE id = ?",
                              error);
  ok = stmt != NULL;
  if (ok)
    {
      sqlite3_bind_int64 (stmt, 1, action_id);
      ok = _tern_store_step_done (store, stmt, "retrying an action", error) && redo (store, a, error);
    }
  return _tern_journal_txn_end (&txn, ok, error);
}

/* A folder whose creation is discarded goes from the list, as the server never had it:
 * with the failed actions that named it (undone already), unless a message is in it or a
 * queued action still needs it (then it stays, shown as not on the server). */
static gboolean
forget_created_folder (TernStore   *store,
                       gint64       folder_id,
                       GError     **error)
{
  g_autoptr(TernFolder) folder = tern_store_get_folder_by_id (store, folder_id, NULL);
  sqlite3_stmt *stmt;
  gint64 in_use;

  if (folder == NULL || folder->local_state != TERN_FOLDER_CREATED_HERE)
    return TRUE;
  stmt = _tern_store_prepare (store,
                              "SELECT (SELECT count(*) FROM message WHERE folder_id = ?1 OR local_folder = ?1) + "
                              "(SELECT count(*) FROM action WHERE state <> 'failed' AND (folder = ?1 OR target = ?1)) + "
                              "(SELECT count(*) FROM folder WHERE account_id = ?2 AND id <> ?1 AND "
                              "substr (name, 1, length (?3)) = ?3)",
                              error);
  if (stmt == NULL)
    return FALSE;
  {
    g_autofree char *children = g_strconcat (folder->name, folder->delimiter ? folder->delimiter : "/", NULL);

    sqlite3_bind_int64 (stmt, 1, folder_id);
    sqlite3_bind_int64 (stmt, 2, folder->account_id);
    _tern_store_bind_text (stmt, 3, children);
    in_use = _tern_store_step_int64 (stmt, 0);
  }
  if (in_use != 0)
    return TRUE;
  stmt = _tern_store_prepare (store, "DELETE FROM action WHERE state = 'failed' AND (folder = ?1 OR target = ?1)",
                              error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, folder_id);
  return _tern_store_step_done (store, stmt, "forgetting a folder", error) &&
         tern_store_delete_folder (store, folder_id, error);
}

gboolean
tern_journal_discard (TernStore   *store,
                      gint64       action_id,
                      GError     **error)
{
  g_autoptr(TernAction) a = tern_journal_get (store, action_id, error);
  Txn txn;
  gboolean ok;

  if (a == NULL || !_tern_journal_txn_begin (&txn, store, error))
    return FALSE;
  ok = TRUE;
  /* A queued action is undone first; a failed one was undone when it failed. */
  if (g_strcmp0 (a->state, "queued") == 0)
    ok = delete_action (store, action_id, error) && _tern_journal_undo_locally (store, a, error);
  else
    ok = delete_action (store, action_id, error);
  if (ok && a->message != 0 && g_strcmp0 (a->kind, TERN_ACTION_COPY) != 0)
    {
      g_auto(MessageRow) m = { 0 };

      if (_tern_journal_load_message (store, a->message, &m, NULL))
        ok = _tern_journal_recompute_message (store, a->message, error);
    }
  if (ok && g_strcmp0 (a->kind, TERN_ACTION_FOLDER_CREATE) == 0)
    ok = forget_created_folder (store, a->folder, error);
  return _tern_journal_txn_end (&txn, ok, error);
}

gboolean
tern_journal_locate (TernStore   *store,
                     gint64       message_id,
                     gint64      *folder_id,
                     guint32     *uid,
                     GError     **error)
{
  g_auto(MessageRow) m = { 0 };

  if (!_tern_journal_load_message (store, message_id, &m, error))
    return FALSE;
  if (folder_id != NULL)
    *folder_id = m.folder_id;
  if (uid != NULL)
    *uid = m.uid;
  return TRUE;
}

gboolean
tern_journal_attach_uid (TernStore   *store,
                         gint64       message_id,
                         gint64       folder_id,
                         guint32      uid,
                         GError     **error)
{
  sqlite3_stmt *stmt = _tern_store_prepare (store,
                                            "UPDATE message SET folder_id = ?2, uid = ?3 WHERE id = ?1",
                                            error);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, message_id);
  sqlite3_bind_int64 (stmt, 2, folder_id);
  _tern_store_bind_nonzero (stmt, 3, uid);
  if (!_tern_store_step_done (store, stmt, "attaching a UID", error))
    return FALSE;
  return _tern_journal_recompute_message (store, message_id, error);
}

gboolean
tern_journal_forget_message (TernStore   *store,
                             gint64       message_id,
                             GError     **error)
{
  sqlite3_stmt *stmt = _tern_store_prepare (store, "DELETE FROM message WHERE id = ?", error);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, message_id);
  return _tern_store_step_done (store, stmt, "removing a message", error);
}

GBytes *
tern_journal_dup_raw (TernStore   *store,
                      gint64       message_id,
                      GError     **error)
{
  sqlite3_stmt *stmt = _tern_store_prepare (store,
                                            "SELECT b.data FROM message m JOIN blob b ON b.id = m.blob "
                                            "WHERE m.id = ?",
                                            error);
  GBytes *bytes = NULL;
  int rc;

  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, message_id);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    bytes = g_bytes_new (sqlite3_column_blob (stmt, 0), (gsize) sqlite3_column_bytes (stmt, 0));
  sqlite3_reset (stmt);
  if (rc == SQLITE_DONE)
    g_set_error (error, TERN_JOURNAL_ERROR, TERN_JOURNAL_ERROR_NOT_FOUND,
                 "The text of message %" G_GINT64_FORMAT " is not stored", message_id);
  else if (rc != SQLITE_ROW)
    _tern_store_fail (store, rc, "reading a message", error);
  return bytes;
}

char *
tern_journal_apply_pending_flags (TernStore  *store,
                                  gint64      folder_id,
                                  guint32     uid,
                                  const char *server_flags)
{
  sqlite3_stmt *stmt = _tern_store_prepare (store,
                                            "SELECT a.add_flags, a.remove_flags FROM action a "
                                            "JOIN message m ON m.id = a.message "
                                            "WHERE m.folder_id = ? AND m.uid = ? AND a.kind = 'flags' "
                                            "AND a.state = 'queued' ORDER BY a.id",
                                            NULL);
  char *flags = g_strdup (server_flags ? server_flags : "");

  if (stmt == NULL)
    return flags;
  sqlite3_bind_int64 (stmt, 1, folder_id);
  sqlite3_bind_int64 (stmt, 2, uid);
  while (sqlite3_step (stmt) == SQLITE_ROW)
    {
      char *next = _tern_journal_apply_delta (flags, (const char *) sqlite3_column_text (stmt, 0),
                                              (const char *) sqlite3_column_text (stmt, 1));

      g_free (flags);
      flags = next;
    }
  sqlite3_reset (stmt);
  return flags;
}

gboolean
tern_journal_folder_busy (TernStore *store,
                          gint64     folder_id)
{
  sqlite3_stmt *stmt = _tern_store_prepare (store,
                                            "SELECT 1 FROM action WHERE state = 'queued' AND kind IN "
                                            "('folder-create', 'folder-rename', 'folder-delete') AND folder = ?",
                                            NULL);
  gboolean busy = FALSE;

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, folder_id);
  busy = sqlite3_step (stmt) == SQLITE_ROW;
  sqlite3_reset (stmt);
  return busy;
}

guint
tern_journal_count_local_only (TernStore *store,
                               gint64     folder_id)
{
  sqlite3_stmt *stmt = _tern_store_prepare (store,
                                            "SELECT count(*) FROM message WHERE folder_id = ? AND uid IS NULL "
                                            "AND detached = 0",
                                            NULL);

  if (stmt == NULL)
    return 0;
  sqlite3_bind_int64 (stmt, 1, folder_id);
  return (guint) _tern_store_step_int64 (stmt, 0);
}
