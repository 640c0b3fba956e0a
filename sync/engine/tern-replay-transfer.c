/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "tern-sync"

#include "config.h"

#include <string.h>

#include "tern-imap-utils.h"
#include "tern-journal.h"
#include "tern-replay-private.h"

/* Moving, copying, deleting and appending messages on the server (see tern-replay.c). */

/* UID COPY (or UID MOVE) of one message; *new_uid from COPYUID, 0 if the server did not say. */
static gboolean
copy_one (TernSync    *self,
          guint32      uid,
          const char  *target,
          gboolean     move,
          guint32     *new_uid,
          GError     **error)
{
  g_autoptr(GArray) uids = g_array_new (FALSE, FALSE, sizeof (guint32));
  g_autoptr(GArray) new_uids = NULL;

  g_array_append_val (uids, uid);
  if (!tern_imap_connection_uid_copy (self->conn, uids, target, move, &new_uids, error))
    return FALSE;
  *new_uid = g_array_index (new_uids, guint32, 0);
  return TRUE;
}

/* \Deleted + expunge of exactly these UIDs in the selected folder. */
gboolean
_tern_replay_expunge_set (TernSync    *self,
              const char  *set,
              GError     **error)
{
  if (!tern_imap_connection_uid_store (self->conn, set, TRUE, "\\Deleted", 0, NULL, error))
    return FALSE;
  if (tern_imap_connection_has_capability (self->conn, "UIDPLUS"))
    return tern_imap_connection_uid_expunge (self->conn, set, error);
  else
    {
      /*
       * Without UID EXPUNGE, EXPUNGE removes every \Deleted message of the folder, also those
       * another client merely marked. Those are unmarked for the EXPUNGE and marked again
       * after it, so that a move or deletion completes (it used to stay half done: a move
       * became a copy, silently). The risk, accepted: a connection lost between the two
       * STOREs leaves the other messages unmarked (nothing is lost, they show again), and a
       * message another client marks in that instant is expunged with ours.
       */
      g_autoptr(GArray) deleted = NULL;
      g_autoptr(GArray) ours = g_array_new (FALSE, FALSE, sizeof (guint32));
      g_autoptr(GArray) others = g_array_new (FALSE, FALSE, sizeof (guint32));
      g_autofree char *others_set = NULL;
      gboolean ok;

      deleted = tern_imap_connection_uid_search_deleted (self->conn, error);
      if (deleted == NULL)
        return FALSE;
      {
        g_auto(GStrv) ranges = g_strsplit (set, ",", -1);

        for (guint i = 0; ranges[i] != NULL; i++)
          {
            guint32 first = (guint32) g_ascii_strtoull (ranges[i], NULL, 10);
            const char *colon = strchr (ranges[i], ':');
            guint32 last = colon ? (guint32) g_ascii_strtoull (colon + 1, NULL, 10) : first;

            for (guint32 u = first; u <= last && u != 0; u++)
              g_array_append_val (ours, u);
          }
      }
      for (guint d = 0; d < deleted->len; d++)
        {
          guint32 uid = g_array_index (deleted, guint32, d);
          gboolean mine = FALSE;

          for (guint i = 0; i < ours->len && !mine; i++)
            mine = g_array_index (ours, guint32, i) == uid;
          if (!mine)
            g_array_append_val (others, uid);
        }
      if (others->len == 0)
        return tern_imap_connection_expunge (self->conn, error);

      g_array_sort (others, _tern_sync_compare_uid);
      others_set = tern_imap_uid_set_new (others);
      g_debug ("EXPUNGE without UIDPLUS: %u other \\Deleted messages unmarked around it", others->len);
      if (!tern_imap_connection_uid_store (self->conn, others_set, FALSE, "\\Deleted", 0, NULL, error))
        return FALSE;
      ok = tern_imap_connection_expunge (self->conn, error);
      /* Marked again whatever the EXPUNGE did (if the connection is alive). */
      if (!tern_imap_connection_uid_store (self->conn, others_set, TRUE, "\\Deleted", 0, NULL,
                                           ok ? error : NULL))
        return FALSE;
      return ok;
    }
}

/* flags (cache text) without what a copy never carries. */
char *
_tern_replay_copyable_flags (const char *flags)
{
  g_auto(GStrv) words = g_strsplit (flags != NULL ? flags : "", " ", -1);
  GString *out = g_string_new (NULL);

  for (guint i = 0; words[i] != NULL; i++)
    {
      if (words[i][0] == '\0' || g_ascii_strcasecmp (words[i], "\\Deleted") == 0 ||
          g_ascii_strcasecmp (words[i], "\\Recent") == 0)
        continue;
      if (out->len > 0)
        g_string_append_c (out, ' ');
      g_string_append (out, words[i]);
    }
  return g_string_free (out, FALSE);
}

gboolean
_tern_replay_has_every_flag (const char *have,
                const char *wanted)
{
  g_auto(GStrv) have_words = g_strsplit (have != NULL ? have : "", " ", -1);
  g_auto(GStrv) wanted_words = g_strsplit (wanted, " ", -1);

  for (guint i = 0; wanted_words[i] != NULL; i++)
    {
      gboolean found = FALSE;

      for (guint j = 0; have_words[j] != NULL && !found; j++)
        found = g_ascii_strcasecmp (have_words[j], wanted_words[i]) == 0;
      if (!found && wanted_words[i][0] != '\0')
        return FALSE;
    }
  return TRUE;
}

/*
 * Some servers drop the flags on COPY/MOVE: the moved message lost \Seen, \Flagged,
 * \Answered. The first copy with flags on an account is checked (the target selected, the
 * copy's flags fetched); what the server does is remembered (trait copy-flags: "kept" or
 * "dropped"), so a server that keeps them costs nothing from then on and one that drops them
 * gets them stored again after every copy.
 */
static gboolean
restore_flags (TernSync    *self,
               TernFolder  *target,
               guint32      new_uid,
               const char  *source_flags,
               GError     **error)
{
  g_autofree char *wanted = _tern_replay_copyable_flags (source_flags);
  g_autofree char *trait = NULL;
  g_autofree char *set = NULL;

  if (new_uid == 0 || wanted[0] == '\0')
    return TRUE;
  trait = tern_store_dup_server_trait (self->store, self->account->id, TERN_TRAIT_COPY_FLAGS);
  if (g_strcmp0 (trait, "kept") == 0)
    return TRUE;
  if (!_tern_sync_select (self, target->name, error))
    return FALSE;
  if (trait == NULL)
    {
      g_autoptr(GError) local_error = NULL;
      Collected now = { 0 };
      gboolean kept;

      if (!_tern_replay_fetch_one (self, new_uid, &now, &local_error))
        {
          if (g_error_matches (local_error, TERN_SYNC_ERROR, TERN_SYNC_ERROR_GONE))
            return TRUE;
          g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }
      kept = _tern_replay_has_every_flag (now.flags, wanted);
      g_free (now.flags);
      if (!tern_store_set_server_trait (self->store, self->account->id, TERN_TRAIT_COPY_FLAGS,
                                        kept ? "kept" : "dropped", error))
        return FALSE;
      if (kept)
        return TRUE;
      g_message ("%s drops flags on COPY/MOVE: they are stored again after each one",
                 self->account->host);
    }
  set = g_strdup_printf ("%u", new_uid);
  return tern_imap_connection_uid_store (self->conn, set, TRUE, wanted, 0, NULL, error);
}

gboolean
_tern_replay_move (TernSync    *self,
                   TernAction  *a,
                   GError     **error)
{
  g_auto(Location) loc = { 0 };
  g_autoptr(TernFolder) target = NULL;
  g_autofree char *set = NULL;
  Collected here = { 0 };
  guint32 new_uid = 0;
  gboolean uidplus = tern_imap_connection_has_capability (self->conn, "UIDPLUS");
  gboolean move = tern_imap_connection_has_capability (self->conn, "MOVE");
  g_autoptr(GArray) earlier = a->sent && a->uids != NULL ? _tern_replay_parse_uid_list (a->uids) : NULL;
  g_autoptr(GArray) before = NULL;
  g_autofree char *note = NULL;
  g_autofree char *source_flags = NULL;
  gboolean claimed = FALSE;

  if (!_tern_replay_locate (self, a->message, TRUE, &loc, error) ||
      (target = _tern_replay_server_folder (self, a->target, error)) == NULL)
    return FALSE;
  if (loc.folder->id == target->id)
    return _tern_replay_finish (self, a, error);
  /* The target's hits before anything goes out: without UIDPLUS the new UID is the one new
   * hit; without MOVE a killed attempt may have made the copy already. */
  if (!uidplus || !move)
    {
      before = _tern_replay_message_id_hits (self, target, loc.message->message_id, error);
      if (before == NULL)
        return FALSE;
      /* A resumed action keeps its note (the hits, or a batch's floor). */
      note = earlier != NULL ? NULL : _tern_replay_uid_list_string (before);
    }
  if (!_tern_replay_select_for_uids (self, &loc.folder, error) ||
      !tern_journal_locate (self->store, a->message, NULL, &loc.message->uid, error))
    return FALSE;

  if (!_tern_replay_fetch_one (self, loc.message->uid, &here, NULL))
    {
      /* Not in the source: if the last attempt went out, it may have worked. */
      guint32 uid = a->sent ? _tern_replay_find_by_message_id (self, target, loc.message->message_id, earlier,
                                                               _tern_replay_note_floor (a->uids), error) : 0;

      if (uid != 0)
        return _tern_replay_settle (self, a, a->message, target->id, uid, error);
      if (error != NULL && *error != NULL)
        return FALSE;
      g_set_error (error, TERN_SYNC_ERROR, TERN_SYNC_ERROR_GONE, "The message was deleted on the server");
      return FALSE;
    }
  source_flags = g_steal_pointer (&here.flags);
  set = g_strdup_printf ("%u", loc.message->uid);

  if (earlier != NULL && !move)
    {
      /* Still in the source: the last attempt was killed before its expunge, maybe after its
       * COPY. A copy is a hit that was not there before: then only the expunge is left. */
      guint32 uid = _tern_replay_find_by_message_id (self, target, loc.message->message_id, earlier,
                                                     _tern_replay_note_floor (a->uids), error);

      if (error != NULL && *error != NULL)
        return FALSE;
      if (uid != 0)
        {
          if (!_tern_sync_select (self, loc.folder->name, error) || !_tern_replay_expunge_set (self, set, error))
            return FALSE;
          return _tern_replay_settle (self, a, a->message, target->id, uid, error);
        }
      if (!_tern_sync_select (self, loc.folder->name, error))
        return FALSE;
    }

  /* A resumed action keeps the hits noted before its first attempt. */
  if (!tern_journal_claim (self->store, a->id, note, &claimed, error))
    return FALSE;
  if (!claimed)
    return TRUE; /* taken back by an undo before it went out */

  if (tern_imap_connection_has_capability (self->conn, "MOVE"))
    {
      if (!copy_one (self, loc.message->uid, target->name, TRUE, &new_uid, error))
        return FALSE;
    }
  else
    {
      /* A COPY that failed leaves the original untouched: no \Deleted. */
      if (!copy_one (self, loc.message->uid, target->name, FALSE, &new_uid, error) ||
          !_tern_replay_expunge_set (self, set, error))
        return FALSE;
    }

  if (new_uid == 0)
    {
      g_autoptr(GError) local_error = NULL;

      new_uid = _tern_replay_find_by_message_id (self, target, loc.message->message_id, earlier != NULL ? earlier : before,
                                                 earlier != NULL ? _tern_replay_note_floor (a->uids) : 0,
                                                 &local_error);
      if (local_error != NULL && !g_str_equal (_tern_replay_classify (local_error), TERN_ACTION_USER))
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }
    }
  if (!restore_flags (self, target, new_uid, source_flags, error))
    return FALSE;
  return _tern_replay_settle (self, a, a->message, target->id, new_uid, error);
}

gboolean
_tern_replay_copy (TernSync    *self,
                   TernAction  *a,
                   GError     **error)
{
  g_auto(Location) loc = { 0 };
  g_autoptr(TernFolder) target = NULL;
  g_autoptr(GArray) before = NULL;
  g_autofree char *note = NULL;
  Collected here = { 0 };
  guint32 new_uid = 0;
  g_autofree char *source_flags = NULL;
  gboolean claimed = FALSE;

  {
    g_autoptr(TernMessage) copy = tern_store_get_message (self->store, a->new_message, NULL);

    if (copy == NULL)
      return _tern_replay_finish (self, a, error); /* the copy was discarded here meanwhile */
  }
  if (!_tern_replay_locate (self, a->message, TRUE, &loc, error) ||
      (target = _tern_replay_server_folder (self, a->target, error)) == NULL)
    return FALSE;

  if (a->sent)
    {
      /* The last attempt may have worked: a Message-ID hit that was not there before. */
      g_autoptr(GArray) earlier = _tern_replay_parse_uid_list (a->uids);
      guint32 uid = _tern_replay_find_by_message_id (self, target, loc.message->message_id, earlier,
                                                     _tern_replay_note_floor (a->uids), error);

      if (uid != 0)
        return _tern_replay_settle (self, a, a->new_message, target->id, uid, error);
      if (error != NULL && *error != NULL)
        return FALSE;
    }

  before = _tern_replay_message_id_hits (self, target, loc.message->message_id, error);
  if (before == NULL)
    return FALSE;
  note = _tern_replay_uid_list_string (before);

  if (!_tern_replay_select_for_uids (self, &loc.folder, error) ||
      !tern_journal_locate (self->store, a->message, NULL, &loc.message->uid, error) ||
      !_tern_replay_fetch_one (self, loc.message->uid, &here, error))
    return FALSE;
  source_flags = g_steal_pointer (&here.flags);

  if (!tern_journal_claim (self->store, a->id, note, &claimed, error))
    return FALSE;
  if (!claimed)
    return TRUE; /* taken back by an undo before it went out */
  if (!copy_one (self, loc.message->uid, target->name, FALSE, &new_uid, error))
    return FALSE;
  if (new_uid == 0)
    {
      new_uid = _tern_replay_find_by_message_id (self, target, loc.message->message_id, before, 0, error);
      if (error != NULL && *error != NULL)
        return FALSE;
    }
  if (!restore_flags (self, target, new_uid, source_flags, error))
    return FALSE;
  return _tern_replay_settle (self, a, a->new_message, target->id, new_uid, error);
}

gboolean
_tern_replay_expunge (TernSync    *self,
                      TernAction  *a,
                      GError     **error)
{
  g_auto(Location) loc = { 0 };
  g_autoptr(GError) local_error = NULL;
  g_autofree char *set = NULL;
  Collected here = { 0 };

  if (!_tern_replay_locate (self, a->message, FALSE, &loc, &local_error))
    {
      /* Deleting what is gone is not an error. */
      if (g_error_matches (local_error, TERN_SYNC_ERROR, TERN_SYNC_ERROR_GONE))
        return _tern_replay_finish (self, a, error);
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  if (loc.message->uid == 0)
    {
      /* Never reached the server: deleting it here is all there is to do. */
      return _tern_replay_settle (self, a, a->message, 0, 0, error);
    }
  if (!_tern_replay_select_for_uids (self, &loc.folder, error) ||
      !tern_journal_locate (self->store, a->message, NULL, &loc.message->uid, error))
    return FALSE;
  if (!_tern_replay_fetch_one (self, loc.message->uid, &here, &local_error))
    {
      if (g_error_matches (local_error, TERN_SYNC_ERROR, TERN_SYNC_ERROR_GONE))
        return _tern_replay_settle (self, a, a->message, 0, 0, error);
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  g_free (here.flags);
  set = g_strdup_printf ("%u", loc.message->uid);
  if (!_tern_replay_expunge_set (self, set, error))
    return FALSE;
  return _tern_replay_settle (self, a, a->message, 0, 0, error);
}

gboolean
_tern_replay_expunge_uids (TernSync    *self,
                           TernAction  *a,
                           GError     **error)
{
  g_autoptr(TernFolder) folder = NULL;
  g_autoptr(GArray) wanted = _tern_replay_parse_uid_list (a->uids);
  g_autoptr(GArray) present = g_array_new (FALSE, FALSE, sizeof (guint32));
  g_autofree char *set = NULL;

  if ((folder = _tern_replay_server_folder (self, a->folder, error)) == NULL)
    return FALSE;
  if (wanted->len == 0)
    return _tern_replay_finish (self, a, error);
  if (!_tern_replay_select_for_uids (self, &folder, error))
    return FALSE;

  set = tern_imap_uid_set_new (wanted);
  if (!_tern_sync_collect_flags (self, set, error))
    return FALSE;
  for (guint i = 0; i < self->collected->len; i++)
    g_array_append_val (present, g_array_index (self->collected, Collected, i).uid);
  g_array_sort (present, _tern_sync_compare_uid);

  if (present->len > 0)
    {
      g_autofree char *present_set = NULL;

      present_set = tern_imap_uid_set_new (present);
      if (!_tern_replay_expunge_set (self, present_set, error))
        return FALSE;
    }

  if (!tern_store_begin (self->store, error))
    return FALSE;
  for (guint i = 0; i < wanted->len; i++)
    if (!tern_store_expunge_uid (self->store, folder->id, g_array_index (wanted, guint32, i), error))
      goto rollback;
  if (!tern_journal_mark_done (self->store, a->id, error) || !tern_store_commit (self->store, error))
    goto rollback;
  self->stats.actions_replayed++;
  return TRUE;

rollback:
  tern_store_rollback (self->store);
  return FALSE;
}

gboolean
_tern_replay_append (TernSync    *self,
                     TernAction  *a,
                     GError     **error)
{
  g_autoptr(TernFolder) target = NULL;
  g_autoptr(TernMessage) message = NULL;
  g_autoptr(GBytes) raw = NULL;
  g_autoptr(GArray) before = NULL;
  g_autofree char *note = NULL;
  TernImapMailbox sel = { 0 };
  guint32 new_uid = 0, exists_before;
  gboolean claimed = FALSE, target_selected;

  message = tern_store_get_message (self->store, a->message, NULL);
  if (message == NULL)
    return _tern_replay_finish (self, a, error); /* deleted here before it was uploaded */
  if ((target = _tern_replay_server_folder (self, a->target, error)) == NULL ||
      (raw = tern_journal_dup_raw (self->store, a->message, error)) == NULL)
    return FALSE;

  if (a->sent)
    {
      /* An APPEND whose answer was lost: look for it before sending it again. */
      g_autoptr(GArray) earlier = _tern_replay_parse_uid_list (a->uids);
      guint32 uid = _tern_replay_find_by_message_id (self, target, message->message_id, earlier,
                                                     _tern_replay_note_floor (a->uids), error);

      if (uid != 0)
        return _tern_replay_settle (self, a, a->message, target->id, uid, error);
      if (error != NULL && *error != NULL)
        return FALSE;
    }
  before = _tern_replay_message_id_hits (self, target, message->message_id, error);
  if (before == NULL)
    return FALSE;
  note = _tern_replay_uid_list_string (before);
  if (!tern_journal_claim (self->store, a->id, note, &claimed, error))
    return FALSE;
  if (!claimed)
    return TRUE; /* taken back by an undo before it went out */

  /* The target is selected here (the search above). */
  target_selected = g_strcmp0 (self->selected, target->name) == 0 &&
                    tern_imap_connection_get_mailbox (self->conn, &sel);
  exists_before = sel.exists;
  /* The flags it was saved with: later changes are later actions (and do not reach copies
   * made before them). Older journals did not note them. */
  if (!tern_imap_connection_append (self->conn, target->name,
                                    a->add_flags != NULL ? a->add_flags : message->flags,
                                    message->internaldate, raw, &new_uid, error))
    return FALSE;
  /* A server that does not announce a message appended to the selected mailbox with
   * EXISTS (Courier) shows it to this session only after a NOOP (RFC 3501 6.3.11): until
   * then a UID FETCH or SEARCH of it finds nothing, and a flag change queued after the
   * append would fail as if the message had been deleted. */
  if (target_selected && tern_imap_connection_get_mailbox (self->conn, &sel) &&
      sel.exists <= exists_before && !tern_imap_connection_noop (self->conn, error))
    return FALSE;
  if (new_uid == 0)
    {
      new_uid = _tern_replay_find_by_message_id (self, target, message->message_id, before, 0, error);
      if (error != NULL && *error != NULL)
        return FALSE;
    }
  return _tern_replay_settle (self, a, a->message, target->id, new_uid, error);
}
