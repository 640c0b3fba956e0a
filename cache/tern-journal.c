/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "tern-journal"

#include "config.h"

#include <string.h>

#include "tern-journal.h"
#include "tern-store-private.h"

/*
 * Local effects, and how a failure undoes them:
 *
 *   flags     message flags changed            delta reverted; the next sync has the last word
 *   move      message.local_folder = target    local_folder recomputed from queued moves
 *   copy      a new row, uid NULL              the row is removed
 *   expunge   message.hidden = 1               hidden recomputed from queued deletions
 *   append    a new row, uid NULL, with blob   kept: shown as not uploaded, never dropped
 *   folders   created (local_state 1), renamed, hidden (2), (un)subscribed: each reverted
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

typedef struct
{
  gint64   id;
  gint64   folder_id;     /* server location */
  guint32  uid;
  gint64   local_folder;  /* 0: none */
  gboolean hidden;
  char    *flags;
  gint64   blob;
  char    *message_id;
} MessageRow;

typedef struct
{
  gint64   id;
  gint64   account_id;
  char    *name;
  char    *display_name;
  char    *delimiter;
  char    *myrights;
  char    *special_use;
  int      local_state;
  gboolean subscribed;
} FolderRow;

static void
message_row_clear (MessageRow *m)
{
  g_clear_pointer (&m->flags, g_free);
  g_clear_pointer (&m->message_id, g_free);
}

static void
folder_row_clear (FolderRow *f)
{
  g_clear_pointer (&f->name, g_free);
  g_clear_pointer (&f->display_name, g_free);
  g_clear_pointer (&f->delimiter, g_free);
  g_clear_pointer (&f->myrights, g_free);
  g_clear_pointer (&f->special_use, g_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (MessageRow, message_row_clear)
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (FolderRow, folder_row_clear)

static gboolean
load_message (TernStore   *store,
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

static gboolean
load_folder (TernStore   *store,
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
static gint64
shown_in (const MessageRow *m)
{
  return m->local_folder != 0 ? m->local_folder : m->folder_id;
}

/* RFC 4314 rights, when the server told us (MYRIGHTS); unknown rights allow everything
 * and the server has the last word at replay. */
static gboolean
check_rights (const FolderRow  *folder,
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

static gboolean
usable_folder (const FolderRow  *folder,
               GError          **error)
{
  if (folder->local_state == 2)
    {
      g_set_error (error, TERN_JOURNAL_ERROR, TERN_JOURNAL_ERROR_NOT_FOUND,
                   "The folder “%s” is being deleted", folder->display_name);
      return FALSE;
    }
  return TRUE;
}

/* Flag sets. */

static gboolean
valid_flag (const char *flag)
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

static GPtrArray *
split_flags (const char *flags)
{
  GPtrArray *list = g_ptr_array_new_with_free_func (g_free);
  g_auto(GStrv) parts = g_strsplit (flags ? flags : "", " ", -1);

  for (guint i = 0; parts[i] != NULL; i++)
    if (*parts[i] != '\0')
      g_ptr_array_add (list, g_strdup (parts[i]));
  return list;
}

static char *
join_flags (GPtrArray *list)
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

static gboolean
contains_flag (GPtrArray  *list,
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
static char *
apply_delta (const char *flags,
             const char *add,
             const char *remove)
{
  g_autoptr(GPtrArray) list = split_flags (flags);
  g_autoptr(GPtrArray) adds = split_flags (add);
  g_autoptr(GPtrArray) removes = split_flags (remove);

  for (guint i = 0; i < adds->len; i++)
    if (!contains_flag (list, adds->pdata[i]))
      g_ptr_array_add (list, g_strdup (adds->pdata[i]));
  for (guint i = 0; i < removes->len; i++)
    remove_flag (list, removes->pdata[i]);
  return join_flags (list);
}

static gboolean
set_message_flags (TernStore   *store,
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

/* Actions. */

static gint64
insert_action (TernStore         *store,
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

#define ACTION_COLUMNS \
  "id, account_id, kind, message, new_message, folder, target, add_flags, remove_flags, " \
  "name, new_name, uids, state, sent, error_class, error, attempts, created"

static TernAction *
action_from_row (sqlite3_stmt *stmt)
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

static TernAction *
get_one_action (TernStore     *store,
                sqlite3_stmt  *stmt,
                GError       **error)
{
  TernAction *a = NULL;
  int rc = sqlite3_step (stmt);

  if (rc == SQLITE_ROW)
    a = action_from_row (stmt);
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
  a = get_one_action (store, stmt, &local_error);
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
  return get_one_action (store, stmt, error);
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
  return _tern_store_collect (store, stmt, (TernRowFunc) action_from_row,
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

/* The local view of a message follows from its queued actions: where the last queued move
 * takes it, and whether a deletion is queued. */
static gboolean
recompute_message (TernStore   *store,
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
  a = get_one_action (store, stmt, NULL);
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
  g_auto(MessageRow) m = { 0 };
  g_auto(FolderRow) f = { 0 };
  g_autoptr(GPtrArray) adds = split_flags (add);
  g_autoptr(GPtrArray) removes = split_flags (remove);
  g_autoptr(TernAction) prev = NULL;
  g_autofree char *flags = NULL;
  g_autofree char *add_c = NULL;
  g_autofree char *remove_c = NULL;
  Txn txn;
  gboolean ok;

  for (guint i = 0; i < adds->len; i++)
    if (!valid_flag (adds->pdata[i]) || contains_flag (removes, adds->pdata[i]))
      {
        g_set_error (error, TERN_JOURNAL_ERROR, TERN_JOURNAL_ERROR_INVALID,
                     "“%s” cannot be set as a flag or keyword", (char *) adds->pdata[i]);
        return FALSE;
      }
  for (guint i = 0; i < removes->len; i++)
    if (!valid_flag (removes->pdata[i]))
      {
        g_set_error (error, TERN_JOURNAL_ERROR, TERN_JOURNAL_ERROR_INVALID,
                     "“%s” cannot be cleared as a flag or keyword", (char *) removes->pdata[i]);
        return FALSE;
      }
  add_c = join_flags (adds);
  remove_c = join_flags (removes);
  if (*add_c == '\0' && *remove_c == '\0')
    return TRUE;

  if (!txn_begin (&txn, store, error))
    return FALSE;
  ok = load_message (store, message_id, &m, error) && load_folder (store, shown_in (&m), &f, error);
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
      ok = check_rights (&f, needed->str, "change these flags", error);
      g_string_free (needed, TRUE);
    }

  if (ok)
    {
      flags = apply_delta (m.flags, add_c, remove_c);
      ok = set_message_flags (store, message_id, flags, error);
    }

  if (ok && (prev = mergeable_flags_action (store, f.account_id, message_id)) != NULL)
    {
      /* (A1 - R2) + A2 and (R1 - A2) + R2 */
      g_autofree char *a = apply_delta (prev->add_flags, add_c, remove_c);
      g_autofree char *r = apply_delta (prev->remove_flags, remove_c, add_c);
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
      ok = insert_action (store, &a, error) != 0;
    }

  return txn_end (&txn, ok, error);
}

static gboolean
queue_move (TernStore   *store,
            MessageRow  *m,
            FolderRow   *source,
            FolderRow   *target,
            GError     **error)
{
  TernAction a = { 0 };

  if (target->id == shown_in (m))
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
  if (!usable_folder (target, error) ||
      !check_rights (source, "te", "move messages out", error) ||
      !check_rights (target, "i", "put messages", error))
    return FALSE;

  a.account_id = source->account_id;
  a.kind = (char *) TERN_ACTION_MOVE;
  a.message = m->id;
  a.folder = shown_in (m);
  a.target = target->id;
  if (insert_action (store, &a, error) == 0)
    return FALSE;
  return recompute_message (store, m->id, error);
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

  if (!txn_begin (&txn, store, error))
    return FALSE;
  ok = load_message (store, message_id, &m, error) &&
       load_folder (store, shown_in (&m), &source, error) &&
       load_folder (store, target_folder, &target, error) &&
       queue_move (store, &m, &source, &target, error);
  return txn_end (&txn, ok, error);
}

static gint64
find_special (TernStore  *store,
              gint64      account_id,
              const char *use)
{
  sqlite3_stmt *stmt = _tern_store_prepare (store,
                                            "SELECT id FROM folder WHERE account_id = ? AND special_use = ? "
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

  if (!load_message (store, message_id, &m, error) || !load_folder (store, shown_in (&m), &source, error))
    return FALSE;
  archive = find_special (store, source.account_id, "\\Archive");
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

  if (!txn_begin (&txn, store, error))
    return 0;
  ok = load_message (store, message_id, &m, error) &&
       load_folder (store, shown_in (&m), &source, error) &&
       load_folder (store, target_folder, &target, error) &&
       usable_folder (&target, error) &&
       check_rights (&target, "i", "put messages", error);
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
      a.folder = shown_in (&m);
      a.target = target_folder;
      ok = insert_action (store, &a, error) != 0;
    }

  if (!txn_end (&txn, ok, error))
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

  if (!check_rights (folder, "te", "delete messages", error))
    return FALSE;
  a.account_id = folder->account_id;
  a.kind = (char *) TERN_ACTION_EXPUNGE;
  a.message = m->id;
  a.folder = shown_in (m);
  if (insert_action (store, &a, error) == 0)
    return FALSE;
  return recompute_message (store, m->id, error);
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

  if (!txn_begin (&txn, store, error))
    return FALSE;
  ok = load_message (store, message_id, &m, error) && load_folder (store, shown_in (&m), &folder, error);
  if (ok && m.hidden)
    return txn_end (&txn, TRUE, error); /* deleting what is being deleted: done */
  if (ok)
    ok = (account = tern_store_get_account_by_id (store, folder.account_id, error)) != NULL;

  if (ok)
    {
      gint64 trash = find_special (store, folder.account_id, "\\Trash");

      if (!permanently && g_strcmp0 (account->delete_mode, "expunge") != 0 && trash != 0 &&
          trash != folder.id)
        {
          g_auto(FolderRow) target = { 0 };

          ok = load_folder (store, trash, &target, error) &&
               queue_move (store, &m, &folder, &target, error);
        }
      else
        ok = queue_expunge (store, &m, &folder, error);
    }
  return txn_end (&txn, ok, error);
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

  if (!txn_begin (&txn, store, error))
    return FALSE;
  ok = load_folder (store, folder_id, &folder, error) &&
       usable_folder (&folder, error) &&
       check_rights (&folder, "te", "delete messages", error);

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
      ok = insert_action (store, &a, error) != 0;
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

      ok = load_message (store, g_array_index (others, gint64, i), &m, error) &&
           queue_expunge (store, &m, &folder, error);
    }
  return txn_end (&txn, ok, error);
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

  if (!txn_begin (&txn, store, error))
    return 0;
  ok = load_folder (store, folder_id, &folder, error) &&
       usable_folder (&folder, error) &&
       check_rights (&folder, "i", "put messages", error);

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
      ok = insert_action (store, &a, error) != 0;
    }
  if (!txn_end (&txn, ok, error))
    return 0;
  return id;
}

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

  if (!valid_folder_name (name, error) || !txn_begin (&txn, store, error))
    return 0;

  existing = folder_by_name (store, account_id, name);
  ok = TRUE;
  if (existing != 0)
    {
      g_auto(FolderRow) f = { 0 };

      ok = load_folder (store, existing, &f, error);
      if (ok && f.local_state == 2)
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
      ok = insert_action (store, &a, error) != 0;
    }
  if (!txn_end (&txn, ok, error))
    return 0;
  return id;
}

/* Renames a folder row and its children (name and display name prefixes). */
static gboolean
rename_rows (TernStore   *store,
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

  if (!valid_folder_name (name, error) || !txn_begin (&txn, store, error))
    return FALSE;
  ok = load_folder (store, folder_id, &f, error) && usable_folder (&f, error) &&
       check_rights (&f, "x", "rename this folder", error);
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
      ok = insert_action (store, &a, error) != 0 &&
           rename_rows (store, f.account_id, f.name, name, f.display_name, display ? display : name,
                        f.delimiter, error);
    }
  return txn_end (&txn, ok, error);
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

  if (!txn_begin (&txn, store, error))
    return FALSE;
  ok = load_folder (store, folder_id, &f, error) && usable_folder (&f, error) &&
       check_rights (&f, "x", "delete this folder", error);
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
      ok = insert_action (store, &a, error) != 0 && tern_store_set_folder_local_state (store, folder_id, 2, error);
    }
  return txn_end (&txn, ok, error);
}

static gboolean
set_subscribed (TernStore   *store,
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
tern_journal_folder_subscribe (TernStore   *store,
                               gint64       folder_id,
                               gboolean     subscribe,
                               GError     **error)
{
  g_auto(FolderRow) f = { 0 };
  TernAction a = { 0 };
  Txn txn;
  gboolean ok;

  if (!txn_begin (&txn, store, error))
    return FALSE;
  ok = load_folder (store, folder_id, &f, error) && usable_folder (&f, error);
  if (ok && f.subscribed == !!subscribe)
    return txn_end (&txn, TRUE, error);
  if (ok)
    {
      a.account_id = f.account_id;
      a.kind = (char *) (subscribe ? TERN_ACTION_SUBSCRIBE : TERN_ACTION_UNSUBSCRIBE);
      a.folder = folder_id;
      a.name = f.name;
      ok = insert_action (store, &a, error) != 0 && set_subscribed (store, folder_id, subscribe, error);
    }
  return txn_end (&txn, ok, error);
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

  if (a == NULL || !txn_begin (&txn, store, error))
    return FALSE;
  ok = delete_action (store, action_id, error);
  if (ok && a->message != 0)
    {
      /* The row may be gone (expunged): nothing to recompute then. */
      g_auto(MessageRow) m = { 0 };

      if (load_message (store, a->message, &m, NULL))
        ok = recompute_message (store, a->message, error);
    }
  if (ok && g_strcmp0 (a->kind, TERN_ACTION_FOLDER_CREATE) == 0)
    ok = tern_store_set_folder_local_state (store, a->folder, 0, error);
  return txn_end (&txn, ok, error);
}

static gboolean
undo (TernStore   *store,
      TernAction  *a,
      GError     **error)
{
  if (g_strcmp0 (a->kind, TERN_ACTION_FLAGS) == 0)
    {
      g_auto(MessageRow) m = { 0 };
      g_autofree char *flags = NULL;

      if (!load_message (store, a->message, &m, NULL))
        return TRUE;
      flags = apply_delta (m.flags, a->remove_flags, a->add_flags);
      return set_message_flags (store, a->message, flags, error);
    }
  if (g_strcmp0 (a->kind, TERN_ACTION_MOVE) == 0 || g_strcmp0 (a->kind, TERN_ACTION_EXPUNGE) == 0)
    {
      g_auto(MessageRow) m = { 0 };

      if (!load_message (store, a->message, &m, NULL))
        return TRUE;
      return recompute_message (store, a->message, error);
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

      if (!load_folder (store, a->folder, &f, NULL))
        return TRUE;
      old_display = g_strdup (a->name);
      return rename_rows (store, f.account_id, f.name, a->name, f.display_name, old_display,
                          f.delimiter, error);
    }
  if (g_strcmp0 (a->kind, TERN_ACTION_FOLDER_DELETE) == 0)
    return tern_store_set_folder_local_state (store, a->folder, 0, error);
  if (g_strcmp0 (a->kind, TERN_ACTION_SUBSCRIBE) == 0 || g_strcmp0 (a->kind, TERN_ACTION_UNSUBSCRIBE) == 0)
    return set_subscribed (store, a->folder, g_strcmp0 (a->kind, TERN_ACTION_UNSUBSCRIBE) == 0, error);
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

  if (a == NULL || !txn_begin (&txn, store, error))
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
  ok = ok && undo (store, a, error);
  return txn_end (&txn, ok, error);
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

      if (!load_message (store, a->message, &m, error))
        return FALSE;
      flags = apply_delta (m.flags, a->add_flags, a->remove_flags);
      return set_message_flags (store, a->message, flags, error);
    }
  if (g_strcmp0 (a->kind, TERN_ACTION_MOVE) == 0 || g_strcmp0 (a->kind, TERN_ACTION_EXPUNGE) == 0)
    return recompute_message (store, a->message, error);
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

      if (!load_folder (store, a->folder, &f, error))
        return FALSE;
      return rename_rows (store, f.account_id, f.name, a->new_name, f.display_name, a->new_name,
                          f.delimiter, error);
    }
  if (g_strcmp0 (a->kind, TERN_ACTION_FOLDER_DELETE) == 0)
    return tern_store_set_folder_local_state (store, a->folder, 2, error);
  if (g_strcmp0 (a->kind, TERN_ACTION_SUBSCRIBE) == 0 || g_strcmp0 (a->kind, TERN_ACTION_UNSUBSCRIBE) == 0)
    return set_subscribed (store, a->folder, g_strcmp0 (a->kind, TERN_ACTION_SUBSCRIBE) == 0, error);
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
  if (!txn_begin (&txn, store, error))
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
  return txn_end (&txn, ok, error);
}

gboolean
tern_journal_discard (TernStore   *store,
                      gint64       action_id,
                      GError     **error)
{
  g_autoptr(TernAction) a = tern_journal_get (store, action_id, error);
  Txn txn;
  gboolean ok;

  if (a == NULL || !txn_begin (&txn, store, error))
    return FALSE;
  ok = TRUE;
  /* A queued action is undone first; a failed one was undone when it failed. */
  if (g_strcmp0 (a->state, "queued") == 0)
    ok = delete_action (store, action_id, error) && undo (store, a, error);
  else
    ok = delete_action (store, action_id, error);
  if (ok && a->message != 0 && g_strcmp0 (a->kind, TERN_ACTION_COPY) != 0)
    {
      g_auto(MessageRow) m = { 0 };

      if (load_message (store, a->message, &m, NULL))
        ok = recompute_message (store, a->message, error);
    }
  return txn_end (&txn, ok, error);
}

gboolean
tern_journal_locate (TernStore   *store,
                     gint64       message_id,
                     gint64      *folder_id,
                     guint32     *uid,
                     GError     **error)
{
  g_auto(MessageRow) m = { 0 };

  if (!load_message (store, message_id, &m, error))
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
  return recompute_message (store, message_id, error);
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
      char *next = apply_delta (flags, (const char *) sqlite3_column_text (stmt, 0),
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
