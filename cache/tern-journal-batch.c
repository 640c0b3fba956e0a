/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "tern-journal"

#include "config.h"

#include "tern-journal-private.h"

/* Set-wide actions for the mail service: one transaction per call over a set of messages,
 * the queued actions handed back so that the call can be undone as one unit. */

TernActionState
tern_action_get_state (const TernAction *action)
{
  g_return_val_if_fail (action != NULL, TERN_ACTION_STATE_QUEUED);

  if (g_strcmp0 (action->state, "failed") == 0)
    return TERN_ACTION_STATE_FAILED;
  return action->sent ? TERN_ACTION_STATE_SENT : TERN_ACTION_STATE_QUEUED;
}

TernAction *
tern_action_copy (const TernAction *a)
{
  TernAction *copy = g_memdup2 (a, sizeof *a);

  copy->kind = g_strdup (a->kind);
  copy->add_flags = g_strdup (a->add_flags);
  copy->remove_flags = g_strdup (a->remove_flags);
  copy->name = g_strdup (a->name);
  copy->new_name = g_strdup (a->new_name);
  copy->uids = g_strdup (a->uids);
  copy->state = g_strdup (a->state);
  copy->error_class = g_strdup (a->error_class);
  copy->error = g_strdup (a->error);
  return copy;
}

/* The actions queued after after_id, appended to out. */
static gboolean
collect_since (TernStore  *store,
               gint64      after_id,
               GPtrArray  *out,
               GError    **error)
{
  sqlite3_stmt *stmt;
  g_autoptr(GPtrArray) rows = NULL;

  if (out == NULL)
    return TRUE;
  stmt = _tern_store_prepare (store, "SELECT " ACTION_COLUMNS " FROM action WHERE id > ? ORDER BY id", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, after_id);
  rows = _tern_store_collect (store, stmt, (TernRowFunc) _tern_journal_action_from_row,
                              (GDestroyNotify) tern_action_free, "reading the journal", error);
  if (rows == NULL)
    return FALSE;
  for (guint i = 0; i < rows->len; i++)
    g_ptr_array_add (out, g_steal_pointer (&rows->pdata[i]));
  return TRUE;
}

typedef gboolean (*OneFunc) (TernStore  *store,
                             gint64      message_id,
                             gpointer    data,
                             GError    **error);

static gboolean
many (TernStore   *store,
      GArray      *ids,
      OneFunc      func,
      gpointer     data,
      GPtrArray   *queued,
      GError     **error)
{
  gint64 last;
  Txn txn;
  gboolean ok = TRUE;

  g_return_val_if_fail (ids != NULL, FALSE);

  if (!_tern_journal_txn_begin (&txn, store, error))
    return FALSE;
  last = tern_journal_last_id (store);
  for (guint i = 0; i < ids->len && ok; i++)
    ok = func (store, g_array_index (ids, gint64, i), data, error);
  ok = ok && collect_since (store, last, queued, error);
  return _tern_journal_txn_end (&txn, ok, error);
}

typedef struct
{
  const char *add;
  const char *remove;
} FlagsData;

static gboolean
flags_one (TernStore  *store,
           gint64      message_id,
           gpointer    data,
           GError    **error)
{
  FlagsData *d = data;
  g_auto(MessageRow) m = { 0 };
  g_autofree char *flags = NULL;

  if (!_tern_journal_load_message (store, message_id, &m, error))
    return FALSE;
  /* Already as asked: nothing to queue, nothing to undo. */
  flags = _tern_journal_apply_delta (m.flags, d->add, d->remove);
  if (g_strcmp0 (flags, m.flags != NULL ? m.flags : "") == 0)
    return TRUE;
  return _tern_journal_set_flags_full (store, message_id, d->add, d->remove, FALSE, error);
}

gboolean
tern_journal_set_flags_many (TernStore   *store,
                             GArray      *message_ids,
                             const char  *add,
                             const char  *remove,
                             GPtrArray   *queued,
                             GError     **error)
{
  FlagsData d = { add, remove };

  return many (store, message_ids, flags_one, &d, queued, error);
}

static gboolean
move_one (TernStore  *store,
          gint64      message_id,
          gpointer    data,
          GError    **error)
{
  return tern_journal_move (store, message_id, *(gint64 *) data, error);
}

gboolean
tern_journal_move_many (TernStore   *store,
                        GArray      *message_ids,
                        gint64       target_folder,
                        GPtrArray   *queued,
                        GError     **error)
{
  return many (store, message_ids, move_one, &target_folder, queued, error);
}

static gboolean
special_one (TernStore  *store,
             gint64      message_id,
             gpointer    data,
             GError    **error)
{
  const char *use = data;
  g_auto(MessageRow) m = { 0 };
  g_auto(FolderRow) source = { 0 };
  gint64 target;

  if (!_tern_journal_load_message (store, message_id, &m, error) ||
      !_tern_journal_load_folder (store, _tern_journal_shown_in (&m), &source, error))
    return FALSE;
  target = _tern_journal_find_special (store, source.account_id, use);
  if (target == 0)
    {
      g_set_error (error, TERN_JOURNAL_ERROR, TERN_JOURNAL_ERROR_INVALID,
                   g_strcmp0 (use, "\\Junk") == 0 ? "This account has no Junk folder"
                   : g_strcmp0 (use, "\\Archive") == 0 ? "This account has no Archive folder"
                   : "This account has no such folder");
      return FALSE;
    }
  /* Junk of a message in Junk: nothing to do. */
  if (target == source.id)
    return TRUE;
  return tern_journal_move (store, message_id, target, error);
}

/* Junk or not junk (Thunderbird's way, which server filters learn from): the $Junk or
 * $NotJunk keyword, then a move to Junk, or out of Junk to INBOX. A folder where keywords may
 * not be set still moves. */
static gboolean
junk_one (TernStore  *store,
          gint64      message_id,
          gpointer    data,
          GError    **error)
{
  gboolean junk = GPOINTER_TO_INT (data);
  const char *set = junk ? "$Junk" : "$NotJunk";
  const char *clear = junk ? "$NotJunk" : "$Junk";
  g_auto(MessageRow) m = { 0 };
  g_auto(FolderRow) source = { 0 };
  g_autoptr(GError) local_error = NULL;
  gint64 target;

  if (!_tern_journal_load_message (store, message_id, &m, error) ||
      !_tern_journal_load_folder (store, _tern_journal_shown_in (&m), &source, error))
    return FALSE;
  /* Only what changes is asked (an undo then gives back exactly what was there). */
  if (!_tern_journal_set_flags_full (store, message_id, set, tern_flags_contain (m.flags, clear) ? clear : NULL,
                                     FALSE, &local_error))
    {
      if (!g_error_matches (local_error, TERN_JOURNAL_ERROR, TERN_JOURNAL_ERROR_NOT_ALLOWED))
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }
      g_debug ("Junk keyword not set on message %" G_GINT64_FORMAT ": %s", message_id, local_error->message);
    }
  if (junk)
    return special_one (store, message_id, (gpointer) "\\Junk", error);
  /* Not junk: out of Junk to INBOX; elsewhere it stays where it is. */
  if (g_strcmp0 (source.special_use, "\\Junk") != 0)
    return TRUE;
  target = _tern_journal_find_special (store, source.account_id, "\\Inbox");
  if (target == 0)
    {
      g_set_error_literal (error, TERN_JOURNAL_ERROR, TERN_JOURNAL_ERROR_INVALID, "This account has no INBOX");
      return FALSE;
    }
  return tern_journal_move (store, message_id, target, error);
}

gboolean
tern_journal_junk_many (TernStore   *store,
                        GArray      *message_ids,
                        gboolean     junk,
                        GPtrArray   *queued,
                        GError     **error)
{
  return many (store, message_ids, junk_one, GINT_TO_POINTER (junk), queued, error);
}

gboolean
tern_journal_move_special_many (TernStore   *store,
                                GArray      *message_ids,
                                const char  *special_use,
                                GPtrArray   *queued,
                                GError     **error)
{
  return many (store, message_ids, special_one, (gpointer) special_use, queued, error);
}

static gboolean
copy_one (TernStore  *store,
          gint64      message_id,
          gpointer    data,
          GError    **error)
{
  return tern_journal_copy (store, message_id, *(gint64 *) data, error) != 0;
}

gboolean
tern_journal_copy_many (TernStore   *store,
                        GArray      *message_ids,
                        gint64       target_folder,
                        GPtrArray   *queued,
                        GError     **error)
{
  return many (store, message_ids, copy_one, &target_folder, queued, error);
}

static gboolean
delete_one (TernStore  *store,
            gint64      message_id,
            gpointer    data,
            GError    **error)
{
  return GPOINTER_TO_INT (data) ? tern_journal_delete_permanently (store, message_id, error)
                                : tern_journal_delete (store, message_id, error);
}

gboolean
tern_journal_delete_many (TernStore   *store,
                          GArray      *message_ids,
                          gboolean     permanently,
                          GPtrArray   *queued,
                          GError     **error)
{
  return many (store, message_ids, delete_one, GINT_TO_POINTER (permanently), queued, error);
}

/* Undo. */

static gboolean
message_exists (TernStore *store,
                gint64     message_id)
{
  g_auto(MessageRow) m = { 0 };

  return message_id != 0 && _tern_journal_load_message (store, message_id, &m, NULL);
}

/* The reverse of an action the server has (or may have) done, queued now. */
static gboolean
queue_reverse (TernStore   *store,
               TernAction  *a,
               GError     **error)
{
  if (g_strcmp0 (a->kind, TERN_ACTION_FLAGS) == 0)
    {
      if (!message_exists (store, a->message))
        return TRUE;
      return _tern_journal_set_flags_full (store, a->message, a->remove_flags, a->add_flags, FALSE, error);
    }
  if (g_strcmp0 (a->kind, TERN_ACTION_MOVE) == 0)
    {
      if (!message_exists (store, a->message))
        return TRUE;
      return tern_journal_move (store, a->message, a->folder, error);
    }
  if (g_strcmp0 (a->kind, TERN_ACTION_COPY) == 0)
    return !message_exists (store, a->new_message) ||
           tern_journal_delete_permanently (store, a->new_message, error);
  if (g_strcmp0 (a->kind, TERN_ACTION_APPEND) == 0)
    return !message_exists (store, a->message) || tern_journal_delete_permanently (store, a->message, error);
  if (g_strcmp0 (a->kind, TERN_ACTION_SUBSCRIBE) == 0 || g_strcmp0 (a->kind, TERN_ACTION_UNSUBSCRIBE) == 0)
    return tern_journal_folder_subscribe (store, a->folder, g_strcmp0 (a->kind, TERN_ACTION_UNSUBSCRIBE) == 0,
                                          error);
  if (g_strcmp0 (a->kind, TERN_ACTION_FOLDER_CREATE) == 0)
    return tern_journal_folder_delete (store, a->folder, error);

  g_set_error_literal (error, TERN_JOURNAL_ERROR, TERN_JOURNAL_ERROR_INVALID,
                       g_strcmp0 (a->kind, TERN_ACTION_FOLDER_RENAME) == 0
                       ? "The folder was renamed on the server already: rename it back"
                       : g_strcmp0 (a->kind, TERN_ACTION_FOLDER_DELETE) == 0
                       ? "The folder was deleted on the server: it cannot be brought back"
                       : "The messages were deleted for good on the server: they cannot be brought back");
  return FALSE;
}

gboolean
tern_journal_undo_many (TernStore   *store,
                        GPtrArray   *actions,
                        GPtrArray   *reverses,
                        GError     **error)
{
  g_autofree gboolean *taken_back = NULL;
  gint64 last;
  Txn txn;
  gboolean ok = TRUE;

  g_return_val_if_fail (actions != NULL, FALSE);

  if (!_tern_journal_txn_begin (&txn, store, error))
    return FALSE;
  taken_back = g_new0 (gboolean, actions->len + 1);
  /* First what leaves the queue (not sent yet, or failed and undone already)... */
  for (guint i = actions->len; i > 0 && ok; i--)
    {
      TernAction *taken = actions->pdata[i - 1];
      g_autoptr(TernAction) now = tern_journal_get (store, taken->id, NULL);

      if (now != NULL && g_strcmp0 (now->kind, taken->kind) == 0 && now->message == taken->message &&
          tern_action_get_state (now) != TERN_ACTION_STATE_SENT)
        {
          ok = tern_journal_discard (store, now->id, error);
          taken_back[i - 1] = TRUE;
        }
    }
  /* ...then the reverses of what was sent or done (their ids may reuse freed ones). */
  last = tern_journal_last_id (store);
  for (guint i = actions->len; i > 0 && ok; i--)
    if (!taken_back[i - 1])
      ok = queue_reverse (store, actions->pdata[i - 1], error);
  ok = ok && collect_since (store, last, reverses, error);
  return _tern_journal_txn_end (&txn, ok, error);
}

GArray *
tern_journal_where_shown (TernStore *store,
                          GArray    *message_ids)
{
  GArray *out = g_array_sized_new (FALSE, TRUE, sizeof (TernShownIn), message_ids->len);
  sqlite3_stmt *stmt = _tern_store_prepare (store,
                                            "SELECT f.account_id, CASE WHEN m.hidden THEN 0 "
                                            "  ELSE coalesce (m.local_folder, m.folder_id) END "
                                            "FROM message m JOIN folder f ON f.id = m.folder_id WHERE m.id = ?",
                                            NULL);

  for (guint i = 0; i < message_ids->len; i++)
    {
      TernShownIn in = { g_array_index (message_ids, gint64, i), 0, 0 };

      if (stmt != NULL)
        {
          sqlite3_reset (stmt);
          sqlite3_bind_int64 (stmt, 1, in.message_id);
          if (sqlite3_step (stmt) == SQLITE_ROW)
            {
              in.account_id = sqlite3_column_int64 (stmt, 0);
              in.folder_id = sqlite3_column_int64 (stmt, 1);
            }
          sqlite3_reset (stmt);
        }
      g_array_append_val (out, in);
    }
  return out;
}

guint
tern_journal_count_state (TernStore       *store,
                          gint64           account_id,
                          TernActionState  state)
{
  sqlite3_stmt *stmt = _tern_store_prepare (store,
                                            "SELECT count(*) FROM action WHERE (?1 = 0 OR account_id = ?1) AND "
                                            "state = ?2 AND (?3 < 0 OR sent = ?3)",
                                            NULL);

  if (stmt == NULL)
    return 0;
  sqlite3_bind_int64 (stmt, 1, account_id);
  _tern_store_bind_text (stmt, 2, state == TERN_ACTION_STATE_FAILED ? "failed" : "queued");
  sqlite3_bind_int (stmt, 3, state == TERN_ACTION_STATE_FAILED ? -1 : state == TERN_ACTION_STATE_SENT);
  return (guint) _tern_store_step_int64 (stmt, 0);
}

GPtrArray *
tern_journal_list_since (TernStore   *store,
                         gint64       after_id,
                         GError     **error)
{
  g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func ((GDestroyNotify) tern_action_free);

  if (!collect_since (store, after_id, out, error))
    return NULL;
  return g_steal_pointer (&out);
}

/* Replay. */

GPtrArray *
tern_journal_next_many (TernStore   *store,
                        gint64       account_id,
                        gint64       after_id,
                        guint        limit,
                        GError     **error)
{
  sqlite3_stmt *stmt = _tern_store_prepare (store,
                                            "SELECT " ACTION_COLUMNS " FROM action WHERE account_id = ? "
                                            "AND state = 'queued' AND id > ? ORDER BY id LIMIT ?",
                                            error);

  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, account_id);
  sqlite3_bind_int64 (stmt, 2, after_id);
  sqlite3_bind_int64 (stmt, 3, MAX (limit, 1));
  return _tern_store_collect (store, stmt, (TernRowFunc) _tern_journal_action_from_row,
                              (GDestroyNotify) tern_action_free, "reading the journal", error);
}

/* One action: sent = 1 if it is still queued. */
static gboolean
claim_one (TernStore   *store,
           gint64       action_id,
           const char  *note,
           gboolean    *claimed,
           GError     **error)
{
  sqlite3_stmt *stmt = _tern_store_prepare (store,
                                            "UPDATE action SET sent = 1, attempts = attempts + 1, "
                                            "uids = coalesce (?2, uids) WHERE id = ?1 AND state = 'queued'",
                                            error);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, action_id);
  _tern_store_bind_text (stmt, 2, note);
  if (!_tern_store_step_done (store, stmt, "recording an action", error))
    return FALSE;
  *claimed = sqlite3_changes (_tern_store_get_db (store)) > 0;
  return TRUE;
}

gboolean
tern_journal_claim (TernStore   *store,
                    gint64       action_id,
                    const char  *note,
                    gboolean    *claimed,
                    GError     **error)
{
  gboolean dummy;

  return claim_one (store, action_id, note, claimed != NULL ? claimed : &dummy, error);
}

gboolean
tern_journal_claim_many (TernStore   *store,
                         GPtrArray   *actions,
                         const char  *note,
                         gboolean    *claimed,
                         GError     **error)
{
  Txn txn;
  gboolean ok = TRUE;

  g_return_val_if_fail (actions != NULL && claimed != NULL, FALSE);

  if (!_tern_journal_txn_begin (&txn, store, error))
    return FALSE;
  for (guint i = 0; i < actions->len && ok; i++)
    ok = claim_one (store, ((TernAction *) actions->pdata[i])->id, note, &claimed[i], error);
  return _tern_journal_txn_end (&txn, ok, error);
}
