/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "tern-sync"

#include "config.h"

#include <string.h>

#include "tern-imap-utils.h"
#include "tern-journal.h"
#include "tern-replay-private.h"

/*
 * Replays the journal to the server in the user's order (RFC 4549 section 4.1), once:
 *
 *  - Flags go as +FLAGS.SILENT / -FLAGS.SILENT deltas, never a FLAGS replace, guarded by
 *    UNCHANGEDSINCE where CONDSTORE is offered; on MODIFIED the current state is read
 *    again and the same delta retried once. The user wins for the flags they touched.
 *    A run of queued changes with the same delta on one folder's messages (mark all as
 *    read) goes as one UID STORE over the set.
 *  - UID MOVE where offered, else COPY + \Deleted + UID EXPUNGE (no \Deleted if COPY
 *    failed); new UIDs from COPYUID/APPENDUID, else by Message-ID (one hit only).
 *  - A command whose outcome may be lost (the link dropped after sending) is marked `sent`
 *    first; on the next replay its effect is looked for on the server before it is sent
 *    again.
 *  - Failures: retry later (offline, timeout) stops the replay and keeps the queue; a
 *    failure that needs the user (folder gone, quota, rights) or is permanent (message
 *    expunged elsewhere) fails that action only, visibly, and the replay goes on. Actions
 *    on things a failed action should have made (a copy, a folder) fail in turn.
 *
 * This file: the replay loop, flags, folders and the helpers (tern-replay-private.h);
 * tern-replay-transfer.c: moves, copies, deletions and appends.
 */

const char *
_tern_replay_classify (const GError *error)
{
  switch (tern_failure_classify (error))
    {
    case TERN_FAILURE_RETRY_NOW:
    case TERN_FAILURE_RETRY_LATER:
    case TERN_FAILURE_ASK_USER:
      /* Nothing wrong with the action itself: kept, in order, for the next replay. */
      return TERN_ACTION_RETRY;
    case TERN_FAILURE_GIVE_UP:
    default:
      return g_error_matches (error, TERN_SYNC_ERROR, TERN_SYNC_ERROR_GONE) ? TERN_ACTION_PERMANENT
                                                                             : TERN_ACTION_USER;
    }
}

GArray *
_tern_replay_parse_uid_list (const char *text)
{
  GArray *uids = g_array_new (FALSE, FALSE, sizeof (guint32));
  g_auto(GStrv) parts = g_strsplit (text ? text : "", " ", -1);

  for (guint i = 0; parts[i] != NULL; i++)
    if (*parts[i] != '\0')
      {
        guint32 uid = (guint32) g_ascii_strtoull (parts[i], NULL, 10);

        if (uid != 0)
          g_array_append_val (uids, uid);
      }
  return uids;
}

char *
_tern_replay_uid_list_string (GArray *uids)
{
  GString *out = g_string_new (NULL);

  for (guint i = 0; uids != NULL && i < uids->len; i++)
    g_string_append_printf (out, "%s%u", i ? " " : "", g_array_index (uids, guint32, i));
  return g_string_free (out, FALSE);
}

void
_tern_replay_location_clear (Location *loc)
{
  g_clear_pointer (&loc->folder, tern_folder_free);
  g_clear_pointer (&loc->message, tern_message_free);
}

gboolean
_tern_replay_locate (TernSync  *self,
                     gint64     message_id,
                     gboolean   need_uid,
                     Location  *loc,
                     GError   **error)
{
  gint64 folder_id = 0;
  guint32 uid = 0;

  if (!tern_journal_locate (self->store, message_id, &folder_id, &uid, NULL))
    {
      g_set_error (error, TERN_SYNC_ERROR, TERN_SYNC_ERROR_GONE, "The message no longer exists");
      return FALSE;
    }
  if (need_uid && uid == 0)
    {
      g_set_error (error, TERN_SYNC_ERROR, TERN_SYNC_ERROR_PERMANENT,
                   "The message is not on the server (an earlier action on it failed)");
      return FALSE;
    }
  loc->message = tern_store_get_message (self->store, message_id, error);
  if (loc->message == NULL)
    return FALSE;
  /* tern_store_get_message() answers where the user sees it; the replay needs the server. */
  loc->message->folder_id = folder_id;
  loc->message->uid = uid;
  loc->folder = tern_store_get_folder_by_id (self->store, folder_id, error);
  return loc->folder != NULL;
}

TernFolder *
_tern_replay_server_folder (TernSync  *self,
                            gint64     folder_id,
                            GError   **error)
{
  TernFolder *folder = tern_store_get_folder_by_id (self->store, folder_id, NULL);

  if (folder == NULL)
    {
      g_set_error (error, TERN_SYNC_ERROR, TERN_SYNC_ERROR_PERMANENT, "The folder no longer exists");
      return NULL;
    }
  if (folder->local_state == 1)
    {
      g_set_error (error, TERN_SYNC_ERROR, TERN_SYNC_ERROR_PERMANENT,
                   "The folder “%s” is not on the server (creating it failed)", folder->display_name);
      tern_folder_free (folder);
      return NULL;
    }
  return folder;
}

/* SELECT a folder for an action on its UIDs: if its UIDVALIDITY changed, the folder is
 * resynced first (messages re-attached by Message-ID); if it is gone under its name, the
 * folder list is read again to follow a rename. */
gboolean
_tern_replay_select_for_uids (TernSync    *self,
                              TernFolder **folder,
                              GError     **error)
{
  g_autoptr(GError) local_error = NULL;
  TernImapMailbox sel;

  if (!_tern_sync_select (self, (*folder)->name, &local_error))
    {
      TernFolder *fresh;

      if (!g_error_matches (local_error, TERN_SYNC_ERROR, TERN_SYNC_ERROR_NO_SUCH_FOLDER))
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }
      if (!tern_sync_folders (self, error))
        return FALSE;
      fresh = tern_store_get_folder_by_id (self->store, (*folder)->id, NULL);
      if (fresh == NULL || g_strcmp0 (fresh->name, (*folder)->name) == 0)
        {
          tern_folder_free (fresh);
          g_set_error (error, TERN_SYNC_ERROR, TERN_SYNC_ERROR_NO_SUCH_FOLDER,
                       "The folder “%s” is gone from the server", (*folder)->display_name);
          return FALSE;
        }
      tern_folder_free (*folder);
      *folder = fresh;
      if (!_tern_sync_select (self, (*folder)->name, error))
        return FALSE;
    }

  if (tern_imap_connection_get_mailbox (self->conn, &sel) && (*folder)->uidvalidity != 0 &&
      sel.uidvalidity != (*folder)->uidvalidity)
    {
      TernFolder *fresh;

      if (!tern_sync_folder (self, (*folder)->name, error))
        return FALSE;
      fresh = tern_store_get_folder_by_id (self->store, (*folder)->id, error);
      if (fresh == NULL)
        return FALSE;
      tern_folder_free (*folder);
      *folder = fresh;
      _tern_sync_clear_selected (self);
      return _tern_sync_select (self, (*folder)->name, error);
    }
  return TRUE;
}

/* The message's current server state, or TERN_SYNC_ERROR_GONE. */
gboolean
_tern_replay_fetch_one (TernSync   *self,
                        guint32     uid,
                        Collected  *out,
                        GError    **error)
{
  g_autofree char *set = g_strdup_printf ("%u", uid);
  g_autoptr(GError) local_error = NULL;

  if (!_tern_sync_collect_flags (self, set, &local_error))
    {
      g_autofree char *range = g_strdup_printf ("%u:*", uid);
      g_autoptr(GArray) there = NULL;

      /* Some servers answer BAD to a UID FETCH of a UID that no longer exists. Whether it
       * is gone is asked another way (a range is never BAD): a gone UID is gone, not a
       * failed action. */
      if (!g_error_matches (local_error, TERN_SYNC_ERROR, TERN_SYNC_ERROR_PERMANENT))
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }
      there = _tern_sync_fetch_uid_list (self, range, uid, uid, error);
      if (there == NULL)
        return FALSE;
      if (there->len == 0)
        {
          g_set_error (error, TERN_SYNC_ERROR, TERN_SYNC_ERROR_GONE,
                       "The message was deleted on the server");
          return FALSE;
        }
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  for (guint i = 0; i < self->collected->len; i++)
    {
      Collected *c = &g_array_index (self->collected, Collected, i);

      if (c->uid == uid)
        {
          out->uid = uid;
          out->modseq = c->modseq;
          out->flags = g_strdup (c->flags);
          return TRUE;
        }
    }
  g_set_error (error, TERN_SYNC_ERROR, TERN_SYNC_ERROR_GONE, "The message was deleted on the server");
  return FALSE;
}

static gboolean
store_flags_set (TernSync    *self,
                 const char  *set,
                 char         sign,
                 const char  *flags,
                 guint64      unchanged_since,
                 gboolean    *modified,
                 GError     **error)
{
  g_autoptr(GArray) not_modified = NULL;

  if (flags == NULL || *flags == '\0')
    return TRUE;
  if (!tern_imap_connection_uid_store (self->conn, set, sign == '+', flags, unchanged_since,
                                       &not_modified, error))
    return FALSE;
  if (modified != NULL)
    *modified = unchanged_since != 0 && not_modified != NULL;
  return TRUE;
}

static gboolean
store_flags (TernSync    *self,
             guint32      uid,
             char         sign,
             const char  *flags,
             guint64      unchanged_since,
             gboolean    *modified,
             GError     **error)
{
  g_autofree char *set = g_strdup_printf ("%u", uid);

  return store_flags_set (self, set, sign, flags, unchanged_since, modified, error);
}

gboolean
_tern_replay_finish (TernSync    *self,
                     TernAction  *a,
                     GError     **error)
{
  self->stats.actions_replayed++;
  return tern_journal_mark_done (self->store, a->id, error);
}

static gboolean
replay_flags (TernSync    *self,
              TernAction  *a,
              GError     **error)
{
  g_auto(Location) loc = { 0 };
  Collected now = { 0 };
  g_autofree char *server_flags = NULL;
  gboolean ok;

  if (!_tern_replay_locate (self, a->message, TRUE, &loc, error) || !_tern_replay_select_for_uids (self, &loc.folder, error))
    return FALSE;
  /* A UIDVALIDITY change may have given the message a new UID. */
  if (!tern_journal_locate (self->store, a->message, NULL, &loc.message->uid, error))
    return FALSE;
  if (!_tern_replay_fetch_one (self, loc.message->uid, &now, error))
    return FALSE;

  ok = TRUE;
  if (self->condstore && now.modseq != 0)
    {
      for (guint attempt = 0; ok && attempt < 2; attempt++)
        {
          gboolean modified_add = FALSE, modified_remove = FALSE;

          ok = store_flags (self, now.uid, '+', a->add_flags, now.modseq, &modified_add, error) &&
               store_flags (self, now.uid, '-', a->remove_flags, now.modseq, &modified_remove, error);
          if (!ok || (!modified_add && !modified_remove))
            break;
          /* Someone changed the message meanwhile: read it again, apply the same delta. */
          g_free (now.flags);
          now.flags = NULL;
          if (!_tern_replay_fetch_one (self, now.uid, &now, error))
            return FALSE;
          if (attempt == 1)
            ok = store_flags (self, now.uid, '+', a->add_flags, 0, NULL, error) &&
                 store_flags (self, now.uid, '-', a->remove_flags, 0, NULL, error);
        }
    }
  else
    ok = store_flags (self, now.uid, '+', a->add_flags, 0, NULL, error) &&
         store_flags (self, now.uid, '-', a->remove_flags, 0, NULL, error);
  g_free (now.flags);
  now.flags = NULL;
  if (!ok || !_tern_replay_fetch_one (self, loc.message->uid, &now, error))
    return FALSE;

  /* The server's flags now, with the user's later queued changes on top. */
  if (!tern_store_begin (self->store, error))
    goto fail;
  if (!tern_journal_mark_done (self->store, a->id, error))
    goto rollback;
  server_flags = tern_journal_apply_pending_flags (self->store, loc.folder->id, now.uid, now.flags);
  if (!tern_store_update_flags (self->store, loc.folder->id, now.uid, server_flags, now.modseq, NULL, error) ||
      !tern_store_commit (self->store, error))
    goto rollback;
  g_free (now.flags);
  self->stats.actions_replayed++;
  return TRUE;

rollback:
  tern_store_rollback (self->store);
fail:
  g_free (now.flags);
  return FALSE;
}

/* Flag changes queued one after another with the same delta on messages of one folder (a
 * "mark all as read", a star over a selection) go as ONE UID STORE over their UIDs and one
 * UID FETCH of the flags after it, not three round trips per message. Deltas need no
 * UNCHANGEDSINCE guard: +FLAGS/-FLAGS never take back what another client set. */
#define FLAGS_BATCH_MAX 5000

static gboolean
same_delta (const TernAction *a,
            const TernAction *b)
{
  return g_strcmp0 (a->kind, b->kind) == 0 &&
         g_strcmp0 (a->add_flags ? a->add_flags : "", b->add_flags ? b->add_flags : "") == 0 &&
         g_strcmp0 (a->remove_flags ? a->remove_flags : "", b->remove_flags ? b->remove_flags : "") == 0;
}

/* The queued flag actions from first on that can go together, or NULL (fewer than two). */
static GPtrArray *
flags_batch (TernSync    *self,
             TernAction  *first,
             gint64      *folder_out)
{
  g_autoptr(GPtrArray) batch = NULL;
  gint64 folder = 0;
  guint32 uid = 0;

  if (first->sent || !tern_journal_locate (self->store, first->message, &folder, &uid, NULL) || uid == 0)
    return NULL;
  batch = g_ptr_array_new_with_free_func ((GDestroyNotify) tern_action_free);
  g_ptr_array_add (batch, tern_action_copy (first));
  while (batch->len < FLAGS_BATCH_MAX)
    {
      TernAction *last = batch->pdata[batch->len - 1];
      g_autoptr(TernAction) next = tern_journal_next (self->store, self->account->id, last->id, NULL);
      gint64 next_folder = 0;
      guint32 next_uid = 0;

      if (next == NULL || next->sent || !same_delta (first, next) ||
          !tern_journal_locate (self->store, next->message, &next_folder, &next_uid, NULL) ||
          next_folder != folder || next_uid == 0)
        break;
      g_ptr_array_add (batch, g_steal_pointer (&next));
    }
  if (batch->len < 2)
    return NULL;
  *folder_out = folder;
  return g_steal_pointer (&batch);
}

static gboolean
replay_flags_batch (TernSync    *self,
                    GPtrArray   *batch,
                    gint64       folder_id,
                    GError     **error)
{
  TernAction *first = batch->pdata[0];
  g_autoptr(TernFolder) folder = NULL;
  g_autoptr(GArray) uids = g_array_sized_new (FALSE, FALSE, sizeof (guint32), batch->len);
  g_autoptr(GHashTable) found = g_hash_table_new (NULL, NULL);
  g_autofree char *set = NULL;
  guint gone = 0;

  if ((folder = _tern_replay_server_folder (self, folder_id, error)) == NULL ||
      !_tern_replay_select_for_uids (self, &folder, error))
    return FALSE;
  /* A UIDVALIDITY change may have given the messages new UIDs (or none). */
  for (guint i = 0; i < batch->len; i++)
    {
      TernAction *a = batch->pdata[i];
      gint64 where = 0;
      guint32 uid = 0;

      if (!tern_journal_locate (self->store, a->message, &where, &uid, NULL) || uid == 0 ||
          where != folder->id)
        {
          g_set_error_literal (error, TERN_SYNC_ERROR, TERN_SYNC_ERROR_PERMANENT,
                               "A message of the set is no longer where it was");
          return FALSE;
        }
      g_array_append_val (uids, uid);
    }
  g_array_sort (uids, _tern_sync_compare_uid);
  set = tern_imap_uid_set_new (uids);

  if (!store_flags_set (self, set, '+', first->add_flags, 0, NULL, error) ||
      !store_flags_set (self, set, '-', first->remove_flags, 0, NULL, error) ||
      !_tern_sync_collect_flags (self, set, error))
    return FALSE;

  /* The server's flags now, with the user's later queued changes on top. */
  if (!tern_store_begin (self->store, error))
    return FALSE;
  for (guint i = 0; i < batch->len; i++)
    if (!tern_journal_mark_done (self->store, ((TernAction *) batch->pdata[i])->id, error))
      goto rollback;
  for (guint i = 0; i < self->collected->len; i++)
    {
      Collected *c = &g_array_index (self->collected, Collected, i);
      g_autofree char *server_flags = tern_journal_apply_pending_flags (self->store, folder->id,
                                                                        c->uid, c->flags);

      g_hash_table_add (found, GUINT_TO_POINTER (c->uid));
      if (!tern_store_update_flags (self->store, folder->id, c->uid, server_flags, c->modseq, NULL, error))
        goto rollback;
    }
  if (!tern_store_commit (self->store, error))
    goto rollback;
  self->stats.actions_replayed += batch->len;

  /* Messages expunged by another client meanwhile: their change is gone with them. */
  for (guint i = 0; i < uids->len; i++)
    if (!g_hash_table_contains (found, GUINT_TO_POINTER (g_array_index (uids, guint32, i))))
      gone++;
  if (gone > 0)
    g_debug ("flags of %u messages not stored: deleted on the server", gone);
  return TRUE;

rollback:
  tern_store_rollback (self->store);
  return FALSE;
}

/* After a COPY/MOVE/APPEND without a UID from the server: the one new message with this
 * Message-ID in the target (not noted before, not known to the cache), or 0 (none, or
 * several: then none is taken). */
guint32
_tern_replay_find_by_message_id (TernSync    *self,
                                 TernFolder  *target,
                                 const char  *message_id,
                                 GArray      *before,
                                 GError     **error)
{
  g_autoptr(GArray) hits = NULL;
  guint32 found = 0;
  guint n = 0;

  if (message_id == NULL || *message_id == '\0')
    return 0;
  if (!_tern_sync_select (self, target->name, error))
    return 0;
  hits = _tern_sync_search_message_id (self, message_id, error);
  if (hits == NULL)
    return 0;
  for (guint i = 0; i < hits->len; i++)
    {
      guint32 uid = g_array_index (hits, guint32, i);
      gboolean seen = FALSE;

      for (guint j = 0; before != NULL && j < before->len && !seen; j++)
        seen = g_array_index (before, guint32, j) == uid;
      /* A hit the cache already has as a message of that folder is another copy, not the
       * one just put there (which the cache has no UID for yet). */
      if (!seen && tern_store_find_uid (self->store, target->id, uid) != 0)
        seen = TRUE;
      if (!seen)
        {
          found = uid;
          n++;
        }
    }
  return n == 1 ? found : 0;
}

GArray *
_tern_replay_message_id_hits (TernSync    *self,
                              TernFolder  *target,
                              const char  *message_id,
                              GError     **error)
{
  if (message_id == NULL || *message_id == '\0')
    return g_array_new (FALSE, FALSE, sizeof (guint32));
  if (!_tern_sync_select (self, target->name, error))
    return NULL;
  return _tern_sync_search_message_id (self, message_id, error);
}

/* Stores where a message now is on the server, and ends the action: one transaction. */
gboolean
_tern_replay_settle (TernSync    *self,
                     TernAction  *a,
                     gint64       message_id,
                     gint64       folder_id,
                     guint32      uid,
                     GError     **error)
{
  if (!tern_store_begin (self->store, error))
    return FALSE;
  /* Without a UID the row would be a second copy once the sync fetches the message:
   * let the sync bring it instead. */
  if (!(uid != 0 ? tern_journal_attach_uid (self->store, message_id, folder_id, uid, error)
                 : tern_journal_forget_message (self->store, message_id, error)) ||
      !tern_journal_mark_done (self->store, a->id, error) ||
      !tern_store_commit (self->store, error))
    {
      tern_store_rollback (self->store);
      return FALSE;
    }
  self->stats.actions_replayed++;
  return TRUE;
}

/* TRUE if LIST shows exactly this name. */
static gboolean
folder_exists (TernSync    *self,
               const char  *name,
               gboolean    *exists,
               GError     **error)
{
  g_autoptr(GPtrArray) list = tern_imap_connection_list (self->conn, FALSE, "", name, error);

  if (list == NULL)
    return FALSE;
  *exists = FALSE;
  for (guint i = 0; i < list->len; i++)
    {
      TernImapListEntry *mb = list->pdata[i];

      if (g_strcmp0 (mb->name, name) == 0)
        *exists = TRUE;
    }
  return TRUE;
}

static gboolean
replay_folder (TernSync    *self,
               TernAction  *a,
               GError     **error)
{
  g_autoptr(GError) local_error = NULL;
  gboolean exists = FALSE;

  if (g_strcmp0 (a->kind, TERN_ACTION_FOLDER_CREATE) == 0)
    {
      g_autofree char *prefix = tern_store_dup_server_trait (self->store, self->account->id,
                                                             TERN_TRAIT_PERSONAL_NS);
      g_autofree char *name = NULL;

      /* Made where the server keeps the user's folders: under the personal namespace's
       * prefix ("INBOX." on Courier or a classic Cyrus), which refuse anything else. */
      if (prefix != NULL && *prefix != '\0' && !g_str_has_prefix (a->name, prefix) &&
          g_ascii_strcasecmp (a->name, "INBOX") != 0)
        name = g_strconcat (prefix, a->name, NULL);
      else
        name = g_strdup (a->name);

      g_autoptr(TernFolder) local = tern_store_get_folder_by_id (self->store, a->folder, NULL);

      /* A folder made here for a role (Trash at the first delete) tells the server its role. */
      if (!tern_imap_connection_create_special (self->conn, name, local ? local->special_use : NULL,
                                                &local_error))
        {
          /* Created by an earlier attempt whose answer was lost, or by someone else. */
          if (!g_str_equal (_tern_replay_classify (local_error), TERN_ACTION_USER) ||
              !folder_exists (self, name, &exists, error) || !exists)
            {
              if (error != NULL && *error == NULL)
                g_propagate_error (error, g_steal_pointer (&local_error));
              return FALSE;
            }
        }
      tern_imap_connection_subscribe (self->conn, name, TRUE, NULL);
      if (g_strcmp0 (name, a->name) != 0)
        {
          g_autoptr(TernFolder) folder = tern_store_get_folder_by_id (self->store, a->folder, NULL);

          if (folder != NULL &&
              !tern_store_rename_folder (self->store, a->folder, name, folder->display_name, error))
            return FALSE;
        }
      return _tern_replay_finish (self, a, error);
    }

  if (g_strcmp0 (a->kind, TERN_ACTION_FOLDER_RENAME) == 0 || g_strcmp0 (a->kind, TERN_ACTION_FOLDER_DELETE) == 0)
    {
      gboolean rename = g_strcmp0 (a->kind, TERN_ACTION_FOLDER_RENAME) == 0;

      if (g_strcmp0 (self->selected, a->name) == 0 && !_tern_sync_unselect (self, error))
        return FALSE;
      if (!(rename ? tern_imap_connection_rename (self->conn, a->name, a->new_name, &local_error)
                   : tern_imap_connection_delete (self->conn, a->name, &local_error)))
        {
          gboolean new_exists = FALSE;

          /* Done already (a lost answer), or not possible (needs the user). */
          if (!g_str_equal (_tern_replay_classify (local_error), TERN_ACTION_USER) ||
              !folder_exists (self, a->name, &exists, error) ||
              (rename && !folder_exists (self, a->new_name, &new_exists, error)) ||
              exists || (rename && !new_exists))
            {
              if (error != NULL && *error == NULL)
                g_propagate_error (error, g_steal_pointer (&local_error));
              return FALSE;
            }
        }
      if (rename)
        {
          tern_imap_connection_subscribe (self->conn, a->name, FALSE, NULL);
          tern_imap_connection_subscribe (self->conn, a->new_name, TRUE, NULL);
          return _tern_replay_finish (self, a, error);
        }
      if (!tern_store_begin (self->store, error))
        return FALSE;
      if (!tern_journal_mark_done (self->store, a->id, error) ||
          !tern_store_delete_folder (self->store, a->folder, error) ||
          !tern_store_commit (self->store, error))
        {
          tern_store_rollback (self->store);
          return FALSE;
        }
      self->stats.actions_replayed++;
      return TRUE;
    }

  /* (Un)subscribe. */
  if (!tern_imap_connection_subscribe (self->conn, a->name,
                                       g_strcmp0 (a->kind, TERN_ACTION_SUBSCRIBE) == 0, error))
    return FALSE;
  return _tern_replay_finish (self, a, error);
}

static gboolean
replay_one (TernSync    *self,
            TernAction  *a,
            GError     **error)
{
  if (g_strcmp0 (a->kind, TERN_ACTION_FLAGS) == 0)
    return replay_flags (self, a, error);
  if (g_strcmp0 (a->kind, TERN_ACTION_MOVE) == 0)
    return _tern_replay_move (self, a, error);
  if (g_strcmp0 (a->kind, TERN_ACTION_COPY) == 0)
    return _tern_replay_copy (self, a, error);
  if (g_strcmp0 (a->kind, TERN_ACTION_EXPUNGE) == 0)
    return _tern_replay_expunge (self, a, error);
  if (g_strcmp0 (a->kind, TERN_ACTION_EXPUNGE_UIDS) == 0)
    return _tern_replay_expunge_uids (self, a, error);
  if (g_strcmp0 (a->kind, TERN_ACTION_APPEND) == 0)
    return _tern_replay_append (self, a, error);
  if (g_strcmp0 (a->kind, TERN_ACTION_SETACL) == 0 || g_strcmp0 (a->kind, TERN_ACTION_DELETEACL) == 0)
    return _tern_replay_share (self, a, error);
  return replay_folder (self, a, error);
}

gboolean
_tern_sync_replay (TernSync  *self,
                   GError   **error)
{
  gint64 after = 0;
  gint64 singles_until = 0;

  for (;;)
    {
      g_autoptr(GError) local_error = NULL;
      g_autoptr(TernAction) a = tern_journal_next (self->store, self->account->id, after, &local_error);
      const char *class;

      if (a == NULL)
        {
          if (local_error != NULL)
            {
              g_propagate_error (error, g_steal_pointer (&local_error));
              return FALSE;
            }
          return TRUE;
        }
      after = a->id;

      if (g_strcmp0 (a->kind, TERN_ACTION_FLAGS) == 0 && a->id > singles_until)
        {
          gint64 folder_id = 0;
          g_autoptr(GPtrArray) batch = flags_batch (self, a, &folder_id);

          if (batch != NULL)
            {
              if (replay_flags_batch (self, batch, folder_id, &local_error))
                {
                  after = ((TernAction *) batch->pdata[batch->len - 1])->id;
                  continue;
                }
              class = _tern_replay_classify (local_error);
              if (g_str_equal (class, TERN_ACTION_RETRY))
                {
                  tern_journal_note_attempt (self->store, a->id, local_error->message, NULL);
                  g_propagate_error (error, g_steal_pointer (&local_error));
                  return FALSE;
                }
              /* Something about one of them: each on its own, to fail only that one. */
              g_debug ("flags of %u messages at once: %s; one by one", batch->len, local_error->message);
              g_clear_error (&local_error);
              singles_until = ((TernAction *) batch->pdata[batch->len - 1])->id;
            }
        }

      if (replay_one (self, a, &local_error))
        continue;

      class = _tern_replay_classify (local_error);
      g_debug ("action %" G_GINT64_FORMAT " (%s): %s [%s]", a->id, a->kind, local_error->message, class);
      if (g_str_equal (class, TERN_ACTION_RETRY))
        {
          /* Kept in the queue, in order; the whole replay resumes later. */
          tern_journal_note_attempt (self->store, a->id, local_error->message, NULL);
          g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }
      if (!tern_journal_mark_failed (self->store, a->id, class, local_error->message, error))
        return FALSE;
      self->stats.actions_failed++;
    }
}

gboolean
tern_sync_replay (TernSync  *self,
                  GError   **error)
{
  if (!tern_sync_connect (self, error))
    return FALSE;
  return _tern_sync_replay (self, error);
}
