/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "tern-journal"

#include "config.h"

#include <string.h>

#include "tern-journal-private.h"

/* Actions on messages: flags, moves, copies, deletions, appends. */

/* The local view of a message follows from its queued actions: where the last queued move
 * takes it, and whether a deletion is queued. */
gboolean
_tern_journal_recompute_message (TernStore   *store,
                                 gint64       message_id,
                                 GError     **error)
{
  sqlite3_stmt *stmt = _tern_store_prepare (store,
                                            "UPDATE message SET "
                                            "local_folder = nullif ((SELECT a.target FROM action a "
                                            "  WHERE a.message = message.id AND a.kind = 'move' "
                                            "  AND a.state = 'queued' ORDER BY a.id DESC LIMIT 1), folder_id), "
                                            "hidden = EXISTS (SELECT 1 FROM action a WHERE a.state = 'queued' "
                                            "  AND ((a.message = message.id AND a.kind = 'expunge') OR "
                                            "       (a.kind = 'expunge-uids' AND a.folder = message.folder_id "
                                            "        AND message.uid IS NOT NULL AND "
                                            "        instr (' ' || a.uids || ' ', ' ' || message.uid || ' ') > 0))) "
                                            "WHERE id = ?",
                                            error);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, message_id);
  return _tern_store_step_done (store, stmt, "updating a message", error);
}

/* The last queued action, if it is an unsent flags action on this message: a new flag
 * change merges into it (read then unread is one change, not two). */
static TernAction *
mergeable_flags_action (TernStore *store,
                        gint64     account_id,
                        gint64     message_id)
{
  sqlite3_stmt *stmt = _tern_store_prepare (store,
                                            "SELECT " ACTION_COLUMNS " FROM action WHERE account_id = ? "
                                            "ORDER BY id DESC LIMIT 1",
                                            NULL);
  TernAction *a;

  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, account_id);
  a = _tern_journal_get_one_action (store, stmt, NULL);
  if (a != NULL && (g_strcmp0 (a->kind, TERN_ACTION_FLAGS) != 0 || a->message != message_id ||
                    g_strcmp0 (a->state, "queued") != 0 || a->sent))
    g_clear_pointer (&a, tern_action_free);
  return a;
}

gboolean
tern_journal_set_flags (TernStore   *store,
                        gint64       message_id,
                        const char  *add,
                        const char  *remove,
                        GError     **error)
{
  return _tern_journal_set_flags_full (store, message_id, add, remove, TRUE, error);
}

/* merge: a change may merge into the last queued one on the same message (not for the
 * mail service's actions, each of which must stay one undoable set of actions). */
gboolean
_tern_journal_set_flags_full (TernStore   *store,
                              gint64       message_id,
                              const char  *add,
                              const char  *remove,
                              gboolean     merge,
                              GError     **error)
{
  g_auto(MessageRow) m = { 0 };
  g_auto(FolderRow) f = { 0 };
  g_autoptr(GPtrArray) adds = _tern_journal_split_flags (add);
  g_autoptr(GPtrArray) removes = _tern_journal_split_flags (remove);
  g_autoptr(TernAction) prev = NULL;
  g_autofree char *flags = NULL;
  g_autofree char *add_c = NULL;
  g_autofree char *remove_c = NULL;
  Txn txn;
  gboolean ok;

  for (guint i = 0; i < adds->len; i++)
    if (!_tern_journal_valid_flag (adds->pdata[i]) || _tern_journal_contains_flag (removes, adds->pdata[i]))
      {
        g_set_error (error, TERN_JOURNAL_ERROR, TERN_JOURNAL_ERROR_INVALID,
                     "“%s” cannot be set as a flag or keyword", (char *) adds->pdata[i]);
        return FALSE;
      }
  for (guint i = 0; i < removes->len; i++)
    if (!_tern_journal_valid_flag (removes->pdata[i]))
      {
        g_set_error (error, TERN_JOURNAL_ERROR, TERN_JOURNAL_ERROR_INVALID,
                     "“%s” cannot be cleared as a flag or keyword", (char *) removes->pdata[i]);
        return FALSE;
      }
  add_c = _tern_journal_join_flags (adds);
  remove_c = _tern_journal_join_flags (removes);
  if (*add_c == '\0' && *remove_c == '\0')
    return TRUE;

  if (!_tern_journal_txn_begin (&txn, store, error))
    return FALSE;
  ok = _tern_journal_load_message (store, message_id, &m, error) && _tern_journal_load_folder (store, _tern_journal_shown_in (&m), &f, error);
  if (ok && m.hidden)
    {
      g_set_error (error, TERN_JOURNAL_ERROR, TERN_JOURNAL_ERROR_NOT_FOUND,
                   "Message %" G_GINT64_FORMAT " is being deleted", message_id);
      ok = FALSE;
    }
  if (ok)
    {
      /* \Seen needs "s", \Deleted "t", anything else "w". */
      GString *needed = g_string_new (NULL);
      GPtrArray *all[] = { adds, removes };

      for (guint k = 0; k < 2; k++)
        for (guint i = 0; i < all[k]->len; i++)
          {
            const char *flag = all[k]->pdata[i];
            char right = g_ascii_strcasecmp (flag, "\\Seen") == 0 ? 's'
                       : g_ascii_strcasecmp (flag, "\\Deleted") == 0 ? 't' : 'w';

            if (strchr (needed->str, right) == NULL)
              g_string_append_c (needed, right);
          }
      ok = _tern_journal_check_rights (&f, needed->str, "change these flags", error);
      g_string_free (needed, TRUE);
    }

  if (ok)
    {
      flags = _tern_journal_apply_delta (m.flags, add_c, remove_c);
      ok = _tern_journal_set_message_flags (store, message_id, flags, error);
    }

  if (ok && merge && (prev = mergeable_flags_action (store, f.account_id, message_id)) != NULL)
    {
      /* (A1 - R2) + A2 and (R1 - A2) + R2 */
      g_autofree char *a = _tern_journal_apply_delta (prev->add_flags, add_c, remove_c);
      g_autofree char *r = _tern_journal_apply_delta (prev->remove_flags, remove_c, add_c);
      sqlite3_stmt *stmt = _tern_store_prepare (store,
                                                "UPDATE action SET add_flags = ?, remove_flags = ? "
                                                "WHERE id = ?",
                                                error);

      ok = stmt != NULL;
      if (ok)
        {
          _tern_store_bind_text (stmt, 1, a);
          _tern_store_bind_text (stmt, 2, r);
          sqlite3_bind_int64 (stmt, 3, prev->id);
          ok = _tern_store_step_done (store, stmt, "merging a flag change", error);
        }
    }
  else if (ok)
    {
      TernAction a = { 0 };

      a.account_id = f.account_id;
      a.kind = (char *) TERN_ACTION_FLAGS;
      a.message = message_id;
      a.folder = m.folder_id;
      a.add_flags = add_c;
      a.remove_flags = remove_c;
      ok = _tern_journal_insert_action (store, &a, error) != 0;
    }

  return _tern_journal_txn_end (&txn, ok, error);
}

static gboolean
queue_move (TernStore   *store,
            MessageRow  *m,
            FolderRow   *source,
            FolderRow   *target,
            GError     **error)
{
  TernAction a = { 0 };

  if (target->id == _tern_journal_shown_in (m))
    {
      g_set_error (error, TERN_JOURNAL_ERROR, TERN_JOURNAL_ERROR_INVALID,
                   "The message is in “%s” already", target->display_name);
      return FALSE;
    }
  if (target->account_id != source->account_id)
    {
      g_set_error_literal (error, TERN_JOURNAL_ERROR, TERN_JOURNAL_ERROR_INVALID,
                           "Messages move between folders of one account");
      return FALSE;
    }
  if (!_tern_journal_usable_folder (target, error) ||
      !_tern_journal_check_rights (source, "te", "move messages out", error) ||
      !_tern_journal_check_rights (target, "i", "put messages", error))
    return FALSE;

  a.account_id = source->account_id;
  a.kind = (char *) TERN_ACTION_MOVE;
  a.message = m->id;
  a.folder = _tern_journal_shown_in (m);
  a.target = target->id;
  if (_tern_journal_insert_action (store, &a, error) == 0)
    return FALSE;
  return _tern_journal_recompute_message (store, m->id, error);
}

gboolean
tern_journal_move (TernStore   *store,
                   gint64       message_id,
                   gint64       target_folder,
                   GError     **error)
{
  g_auto(MessageRow) m = { 0 };
  g_auto(FolderRow) source = { 0 };
  g_auto(FolderRow) target = { 0 };
  Txn txn;
  gboolean ok;

  if (!_tern_journal_txn_begin (&txn, store, error))
    return FALSE;
  ok = _tern_journal_load_message (store, message_id, &m, error) &&
       _tern_journal_load_folder (store, _tern_journal_shown_in (&m), &source, error) &&
       _tern_journal_load_folder (store, target_folder, &target, error) &&
       queue_move (store, &m, &source, &target, error);
  return _tern_journal_txn_end (&txn, ok, error);
}

gint64
_tern_journal_find_special (TernStore  *store,
              gint64      account_id,
              const char *use)
{
  sqlite3_stmt *stmt = _tern_store_prepare (store,
                                            "SELECT id FROM folder WHERE account_id = ? AND special_use = ? COLLATE NOCASE "
                                            "AND local_state IN (0, 1) ORDER BY namespace <> 'personal', id LIMIT 1",
                                            NULL);

  if (stmt == NULL)
    return 0;
  sqlite3_bind_int64 (stmt, 1, account_id);
  _tern_store_bind_text (stmt, 2, use);
  return _tern_store_step_int64 (stmt, 0);
}

gboolean
tern_journal_archive (TernStore   *store,
                      gint64       message_id,
                      GError     **error)
{
  g_auto(MessageRow) m = { 0 };
  g_auto(FolderRow) source = { 0 };
  gint64 archive;

  if (!_tern_journal_load_message (store, message_id, &m, error) || !_tern_journal_load_folder (store, _tern_journal_shown_in (&m), &source, error))
    return FALSE;
  archive = _tern_journal_find_special (store, source.account_id, "\\Archive");
  if (archive == 0)
    {
      g_set_error_literal (error, TERN_JOURNAL_ERROR, TERN_JOURNAL_ERROR_INVALID,
                           "This account has no Archive folder");
      return FALSE;
    }
  return tern_journal_move (store, message_id, archive, error);
}

static gboolean
copy_parts (TernStore  *store,
            gint64      from,
            gint64      to,
            GError    **error)
{
  sqlite3_stmt *stmt = _tern_store_prepare (store,
                                            "INSERT INTO part (message, section, type, subtype, charset, "
                                            "encoding, size, disposition, filename, content_id) "
                                            "SELECT ?2, section, type, subtype, charset, encoding, size, "
                                            "disposition, filename, content_id FROM part WHERE message = ?1",
                                            error);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, from);
  sqlite3_bind_int64 (stmt, 2, to);
  return _tern_store_step_done (store, stmt, "copying a message structure", error);
}

gint64
tern_journal_copy (TernStore   *store,
                   gint64       message_id,
                   gint64       target_folder,
                   GError     **error)
{
  g_auto(MessageRow) m = { 0 };
  g_auto(FolderRow) source = { 0 };
  g_auto(FolderRow) target = { 0 };
  sqlite3_stmt *stmt;
  TernAction a = { 0 };
  gint64 copy = 0;
  Txn txn;
  gboolean ok;

  if (!_tern_journal_txn_begin (&txn, store, error))
    return 0;
  ok = _tern_journal_load_message (store, message_id, &m, error) &&
       _tern_journal_load_folder (store, _tern_journal_shown_in (&m), &source, error) &&
       _tern_journal_load_folder (store, target_folder, &target, error) &&
       _tern_journal_usable_folder (&target, error) &&
       _tern_journal_check_rights (&target, "i", "put messages", error);
  if (ok && target.account_id != source.account_id)
    {
      g_set_error_literal (error, TERN_JOURNAL_ERROR, TERN_JOURNAL_ERROR_INVALID,
                           "Messages are copied between folders of one account");
      ok = FALSE;
    }

  if (ok)
    {
      stmt = _tern_store_prepare (store,
                                  "INSERT INTO message (folder_id, uid, flags, seen, flagged, internaldate, "
                                  "size, date, subject, from_name, from_addr, sender, reply_to, to_list, "
                                  "cc_list, bcc_list, message_id, in_reply_to, refs, blob, thread_id) "
                                  "SELECT ?2, NULL, flags, seen, flagged, internaldate, size, date, subject, "
                                  "from_name, from_addr, sender, reply_to, to_list, cc_list, bcc_list, "
                                  "message_id, in_reply_to, refs, blob, thread_id FROM message WHERE id = ?1",
                                  error);
      ok = stmt != NULL;
      if (ok)
        {
          sqlite3_bind_int64 (stmt, 1, message_id);
          sqlite3_bind_int64 (stmt, 2, target_folder);
          ok = _tern_store_step_done (store, stmt, "copying a message", error);
          copy = sqlite3_last_insert_rowid (_tern_store_get_db (store));
        }
    }
  ok = ok && copy_parts (store, message_id, copy, error);

  if (ok)
    {
      a.account_id = source.account_id;
      a.kind = (char *) TERN_ACTION_COPY;
      a.message = message_id;
      a.new_message = copy;
      a.folder = _tern_journal_shown_in (&m);
      a.target = target_folder;
      ok = _tern_journal_insert_action (store, &a, error) != 0;
    }

  if (!_tern_journal_txn_end (&txn, ok, error))
    return 0;
  return copy;
}

static gboolean
queue_expunge (TernStore   *store,
               MessageRow  *m,
               FolderRow   *folder,
               GError     **error)
{
  TernAction a = { 0 };

  if (!_tern_journal_check_rights (folder, "te", "delete messages", error))
    return FALSE;
  a.account_id = folder->account_id;
  a.kind = (char *) TERN_ACTION_EXPUNGE;
  a.message = m->id;
  a.folder = _tern_journal_shown_in (m);
  if (_tern_journal_insert_action (store, &a, error) == 0)
    return FALSE;
  return _tern_journal_recompute_message (store, m->id, error);
}

static gboolean
delete_message (TernStore   *store,
                gint64       message_id,
                gboolean     permanently,
                GError     **error)
{
  g_auto(MessageRow) m = { 0 };
  g_auto(FolderRow) folder = { 0 };
  g_autoptr(TernAccount) account = NULL;
  Txn txn;
  gboolean ok;

  if (!_tern_journal_txn_begin (&txn, store, error))
    return FALSE;
  ok = _tern_journal_load_message (store, message_id, &m, error) && _tern_journal_load_folder (store, _tern_journal_shown_in (&m), &folder, error);
  if (ok && m.hidden)
    return _tern_journal_txn_end (&txn, TRUE, error); /* deleting what is being deleted: done */
  if (ok)
    ok = (account = tern_store_get_account_by_id (store, folder.account_id, error)) != NULL;

  if (ok)
    {
      gboolean to_trash = !permanently && g_strcmp0 (account->delete_mode, "expunge") != 0;
      gint64 trash = _tern_journal_find_special (store, folder.account_id, "\\Trash");

      /* No Trash yet: one is made (as Thunderbird does) rather than deleting for good, which
       * only ever happens when asked for. */
      if (to_trash && trash == 0)
        {
          trash = tern_journal_ensure_special_folder (store, folder.account_id, "\\Trash", "Trash", error);
          if (trash == 0 && error != NULL && *error == NULL)
            g_set_error_literal (error, TERN_JOURNAL_ERROR, TERN_JOURNAL_ERROR_INVALID,
                                 "This account has no Trash folder yet; sync it first");
          ok = trash != 0;
        }
      if (ok && to_trash && trash != folder.id)
        {
          g_auto(FolderRow) target = { 0 };

          ok = _tern_journal_load_folder (store, trash, &target, error) &&
               queue_move (store, &m, &folder, &target, error);
        }
      else if (ok)
        ok = queue_expunge (store, &m, &folder, error);
    }
  return _tern_journal_txn_end (&txn, ok, error);
}

gboolean
tern_journal_delete (TernStore   *store,
                     gint64       message_id,
                     GError     **error)
{
  return delete_message (store, message_id, FALSE, error);
}

gboolean
tern_journal_delete_permanently (TernStore   *store,
                                 gint64       message_id,
                                 GError     **error)
{
  return delete_message (store, message_id, TRUE, error);
}

gboolean
tern_journal_empty_folder (TernStore   *store,
                           gint64       folder_id,
                           gboolean     only_deleted,
                           GError     **error)
{
  g_auto(FolderRow) folder = { 0 };
  g_autoptr(GString) uids = g_string_new (NULL);
  g_autoptr(GArray) others = g_array_new (FALSE, FALSE, sizeof (gint64));
  sqlite3_stmt *stmt;
  Txn txn;
  gboolean ok;
  int rc;

  if (!_tern_journal_txn_begin (&txn, store, error))
    return FALSE;
  ok = _tern_journal_load_folder (store, folder_id, &folder, error) &&
       _tern_journal_usable_folder (&folder, error) &&
       _tern_journal_check_rights (&folder, "te", "delete messages", error);

  /* What the user sees in the folder: messages that are there on the server go in one
   * UID EXPUNGE; messages moved or copied in here but not there yet are deleted one by one
   * after their earlier actions. Messages other clients add meanwhile are not touched. */
  stmt = ok ? _tern_store_prepare (store,
                                   "SELECT id, uid, local_folder, EXISTS (SELECT 1 FROM action a WHERE "
                                   "a.message = message.id AND a.kind = 'move' AND a.state = 'queued') "
                                   "FROM message WHERE "
                                   "((folder_id = ?1 AND local_folder IS NULL) OR local_folder = ?1) "
                                   "AND hidden = 0 AND detached = 0 AND (?2 = 0 OR flags LIKE '%\\Deleted%') "
                                   "ORDER BY uid",
                                   error) : NULL;
  ok = ok && stmt != NULL;
  if (ok)
    {
      sqlite3_bind_int64 (stmt, 1, folder_id);
      sqlite3_bind_int (stmt, 2, only_deleted);
      while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
        {
          gint64 id = sqlite3_column_int64 (stmt, 0);

          /* Moved away and back: the moves give it a new UID, so it goes by its local id. */
          if (sqlite3_column_type (stmt, 1) != SQLITE_NULL && sqlite3_column_type (stmt, 2) == SQLITE_NULL &&
              sqlite3_column_int (stmt, 3) == 0)
            g_string_append_printf (uids, "%s%" G_GINT64_FORMAT, uids->len ? " " : "",
                                    (gint64) sqlite3_column_int64 (stmt, 1));
          else
            g_array_append_val (others, id);
        }
      sqlite3_reset (stmt);
      if (rc != SQLITE_DONE)
        ok = _tern_store_fail (store, rc, "listing a folder", error);
    }

  if (ok && uids->len > 0)
    {
      TernAction a = { 0 };
      sqlite3_stmt *hide;

      a.account_id = folder.account_id;
      a.kind = (char *) TERN_ACTION_EXPUNGE_UIDS;
      a.folder = folder_id;
      a.uids = uids->str;
      ok = _tern_journal_insert_action (store, &a, error) != 0;
      hide = ok ? _tern_store_prepare (store,
                                       "UPDATE message SET hidden = 1 WHERE folder_id = ?1 AND "
                                       "local_folder IS NULL AND uid IS NOT NULL AND "
                                       "instr (' ' || ?2 || ' ', ' ' || uid || ' ') > 0",
                                       error) : NULL;
      ok = ok && hide != NULL;
      if (ok)
        {
          sqlite3_bind_int64 (hide, 1, folder_id);
          _tern_store_bind_text (hide, 2, uids->str);
          ok = _tern_store_step_done (store, hide, "hiding messages", error);
        }
    }

  for (guint i = 0; ok && i < others->len; i++)
    {
      g_auto(MessageRow) m = { 0 };

      ok = _tern_journal_load_message (store, g_array_index (others, gint64, i), &m, error) &&
           queue_expunge (store, &m, &folder, error);
    }
  return _tern_journal_txn_end (&txn, ok, error);
}

gint64
tern_journal_append (TernStore         *store,
                     gint64             folder_id,
                     const TernMessage *message,
                     GBytes            *raw,
                     GError           **error)
{
  g_auto(FolderRow) folder = { 0 };
  sqlite3_stmt *stmt;
  TernMessage copy;
  TernAction a = { 0 };
  gint64 blob = 0, id = 0;
  Txn txn;
  gboolean ok;

  g_return_val_if_fail (raw != NULL, 0);

  if (!_tern_journal_txn_begin (&txn, store, error))
    return 0;
  ok = _tern_journal_load_folder (store, folder_id, &folder, error) &&
       _tern_journal_usable_folder (&folder, error) &&
       _tern_journal_check_rights (&folder, "i", "put messages", error);

  stmt = ok ? _tern_store_prepare (store, "INSERT INTO blob (data) VALUES (?)", error) : NULL;
  ok = ok && stmt != NULL;
  if (ok)
    {
      sqlite3_bind_blob64 (stmt, 1, g_bytes_get_data (raw, NULL), g_bytes_get_size (raw), SQLITE_STATIC);
      ok = _tern_store_step_done (store, stmt, "storing a message", error);
      blob = sqlite3_last_insert_rowid (_tern_store_get_db (store));
    }

  if (ok)
    {
      copy = *message;
      copy.uid = 0;
      copy.modseq = 0;
      if (copy.size == 0)
        copy.size = g_bytes_get_size (raw);
      if (copy.internaldate == 0)
        copy.internaldate = g_get_real_time () / G_USEC_PER_SEC;
      ok = tern_store_upsert_message (store, folder_id, &copy, &id, error);
    }
  if (ok)
    {
      stmt = _tern_store_prepare (store, "UPDATE message SET blob = ? WHERE id = ?", error);
      ok = stmt != NULL;
      if (ok)
        {
          sqlite3_bind_int64 (stmt, 1, blob);
          sqlite3_bind_int64 (stmt, 2, id);
          ok = _tern_store_step_done (store, stmt, "storing a message", error);
        }
    }
  if (ok)
    {
      g_autofree char *saved_flags = tern_flags_canonicalize (message->flags);

      a.account_id = folder.account_id;
      a.kind = (char *) TERN_ACTION_APPEND;
      a.message = id;
      a.target = folder_id;
      a.add_flags = saved_flags;
      ok = _tern_journal_insert_action (store, &a, error) != 0;
    }
  if (!_tern_journal_txn_end (&txn, ok, error))
    return 0;
  return id;
}
