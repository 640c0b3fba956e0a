/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "tern-sync"

#include "config.h"

#include <string.h>

#include "tern-imap-convert.h"
#include "tern-journal.h"
#include "tern-sync-private.h"

/*
 * Replays the journal to the server in the user's order (RFC 4549 section 4.1), once:
 *
 *  - Flags go as +FLAGS.SILENT / -FLAGS.SILENT deltas, never a FLAGS replace, guarded by
 *    UNCHANGEDSINCE where CONDSTORE is offered; on MODIFIED the current state is read
 *    again and the same delta retried once. The user wins for the flags they touched.
 *  - UID MOVE where offered, else COPY + \Deleted + UID EXPUNGE (no \Deleted if COPY
 *    failed); new UIDs from COPYUID/APPENDUID, else by Message-ID (one hit only).
 *  - A command whose outcome may be lost (the link dropped after sending) is marked `sent`
 *    first; on the next replay its effect is looked for on the server before it is sent
 *    again.
 *  - Failures: retry later (offline, timeout) stops the replay and keeps the queue; a
 *    failure that needs the user (folder gone, quota, rights) or is permanent (message
 *    expunged elsewhere) fails that action only, visibly, and the replay goes on. Actions
 *    on things a failed action should have made (a copy, a folder) fail in turn.
 */

#define REPLAY_ERROR (replay_error_quark ())
static G_DEFINE_QUARK (tern-replay-error-quark, replay_error)

typedef enum
{
  REPLAY_GONE,      /* the message is no longer on the server: permanent */
  REPLAY_DEPENDS,   /* it needs something an earlier, failed action should have made */
} ReplayError;

static const char *
classify (const GError *error)
{
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return TERN_ACTION_RETRY;
  if (error->domain == REPLAY_ERROR)
    return error->code == REPLAY_GONE ? TERN_ACTION_PERMANENT : TERN_ACTION_USER;
  if (error->domain == TERN_SYNC_ERROR)
    switch (error->code)
      {
      case TERN_SYNC_ERROR_TRANSIENT:
      case TERN_SYNC_ERROR_OFFLINE:
      case TERN_SYNC_ERROR_PROTOCOL:
      case TERN_SYNC_ERROR_AUTH:
      case TERN_SYNC_ERROR_CERTIFICATE:
      case TERN_SYNC_ERROR_CONFIG:
      case TERN_SYNC_ERROR_INSECURE:
        return TERN_ACTION_RETRY;
      default:
        return TERN_ACTION_USER;
      }
  /* The cache itself failed (disk full): keep the action and try later. */
  return TERN_ACTION_RETRY;
}

static int
compare_uid (gconstpointer a,
             gconstpointer b)
{
  guint32 ua = *(const guint32 *) a;
  guint32 ub = *(const guint32 *) b;

  return ua < ub ? -1 : ua > ub;
}

static char *
uid_set_string (GArray *uids)
{
  GString *out = g_string_new (NULL);

  for (guint i = 0; i < uids->len;)
    {
      guint32 first = g_array_index (uids, guint32, i);
      guint j = i;

      while (j + 1 < uids->len && g_array_index (uids, guint32, j + 1) == g_array_index (uids, guint32, j) + 1)
        j++;
      if (out->len > 0)
        g_string_append_c (out, ',');
      if (j > i)
        g_string_append_printf (out, "%u:%u", first, g_array_index (uids, guint32, j));
      else
        g_string_append_printf (out, "%u", first);
      i = j + 1;
    }
  return g_string_free (out, FALSE);
}

static GArray *
parse_uid_list (const char *text)
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

static char *
uid_list_string (GArray *uids)
{
  GString *out = g_string_new (NULL);

  for (guint i = 0; uids != NULL && i < uids->len; i++)
    g_string_append_printf (out, "%s%u", i ? " " : "", g_array_index (uids, guint32, i));
  return g_string_free (out, FALSE);
}

/* Where the message is on the server now: its row's (folder_id, uid). */
typedef struct
{
  TernFolder  *folder;
  TernMessage *message;
} Location;

static void
location_clear (Location *loc)
{
  g_clear_pointer (&loc->folder, tern_folder_free);
  g_clear_pointer (&loc->message, tern_message_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Location, location_clear)

static gboolean
locate (TernSync  *self,
        gint64     message_id,
        gboolean   need_uid,
        Location  *loc,
        GError   **error)
{
  gint64 folder_id = 0;
  guint32 uid = 0;

  if (!tern_journal_locate (self->store, message_id, &folder_id, &uid, NULL))
    {
      g_set_error (error, REPLAY_ERROR, REPLAY_GONE, "The message no longer exists");
      return FALSE;
    }
  if (need_uid && uid == 0)
    {
      g_set_error (error, REPLAY_ERROR, REPLAY_DEPENDS,
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

static TernFolder *
server_folder (TernSync  *self,
               gint64     folder_id,
               GError   **error)
{
  TernFolder *folder = tern_store_get_folder_by_id (self->store, folder_id, NULL);

  if (folder == NULL)
    {
      g_set_error (error, REPLAY_ERROR, REPLAY_DEPENDS, "The folder no longer exists");
      return NULL;
    }
  if (folder->local_state == 1)
    {
      g_set_error (error, REPLAY_ERROR, REPLAY_DEPENDS,
                   "The folder “%s” is not on the server (creating it failed)", folder->display_name);
      tern_folder_free (folder);
      return NULL;
    }
  return folder;
}

/* SELECT a folder for an action on its UIDs: if its UIDVALIDITY changed, the folder is
 * resynced first (messages re-attached by Message-ID); if it is gone under its name, the
 * folder list is read again to follow a rename. */
static gboolean
select_for_uids (TernSync    *self,
                 TernFolder **folder,
                 GError     **error)
{
  g_autoptr(GError) local_error = NULL;
  struct mailimap_selection_info *sel;

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

  sel = _tern_sync_session (self)->imap_selection_info;
  if (sel != NULL && (*folder)->uidvalidity != 0 && sel->sel_uidvalidity != (*folder)->uidvalidity)
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

/* The message's current server state, or REPLAY_GONE. */
static gboolean
fetch_one (TernSync   *self,
           guint32     uid,
           Collected  *out,
           GError    **error)
{
  g_autofree char *set = g_strdup_printf ("%u", uid);

  if (!_tern_sync_collect_flags (self, set, error))
    return FALSE;
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
  g_set_error (error, REPLAY_ERROR, REPLAY_GONE, "The message was deleted on the server");
  return FALSE;
}

static gboolean
modified_in_response (TernSync *self)
{
  struct mailimap_response_info *info = _tern_sync_session (self)->imap_response_info;

  for (clistiter *it = info ? clist_begin (info->rsp_extension_list) : NULL; it != NULL; it = clist_next (it))
    {
      struct mailimap_extension_data *ext = clist_content (it);

      if (ext->ext_extension == &mailimap_extension_condstore &&
          ext->ext_type == MAILIMAP_CONDSTORE_TYPE_RESP_TEXT_CODE && ext->ext_data != NULL &&
          ((struct mailimap_condstore_resptextcode *) ext->ext_data)->cs_type ==
            MAILIMAP_CONDSTORE_RESPTEXTCODE_MODIFIED)
        return TRUE;
    }
  return FALSE;
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
  g_autofree char *command = NULL;

  if (flags == NULL || *flags == '\0')
    return TRUE;
  /* Sent raw: libetpan's UNCHANGEDSINCE form is malformed (no space). */
  if (unchanged_since != 0)
    command = g_strdup_printf ("UID STORE %u (UNCHANGEDSINCE %" G_GUINT64_FORMAT ") %cFLAGS.SILENT (%s)",
                               uid, unchanged_since, sign, flags);
  else
    command = g_strdup_printf ("UID STORE %u %cFLAGS.SILENT (%s)", uid, sign, flags);
  if (!tern_imap_connection_raw_command (self->conn, command, error))
    return FALSE;
  if (modified != NULL)
    *modified = unchanged_since != 0 && modified_in_response (self);
  return TRUE;
}

static gboolean
finish (TernSync    *self,
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

  if (!locate (self, a->message, TRUE, &loc, error) || !select_for_uids (self, &loc.folder, error))
    return FALSE;
  /* A UIDVALIDITY change may have given the message a new UID. */
  if (!tern_journal_locate (self->store, a->message, NULL, &loc.message->uid, error))
    return FALSE;
  if (!fetch_one (self, loc.message->uid, &now, error))
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
          if (!fetch_one (self, now.uid, &now, error))
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
  if (!ok || !fetch_one (self, loc.message->uid, &now, error))
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

/* After a COPY/MOVE/APPEND without a UID from the server: the one new message with this
 * Message-ID in the target (not noted before, not known to the cache), or 0 (none, or
 * several: then none is taken). */
static guint32
find_by_message_id (TernSync    *self,
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

static GArray *
message_id_hits (TernSync    *self,
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
static gboolean
settle (TernSync    *self,
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

static gboolean
first_dest_uid (struct mailimap_set *dest,
                guint32             *uid)
{
  clistiter *it;

  if (dest == NULL || (it = clist_begin (dest->set_list)) == NULL)
    return FALSE;
  *uid = ((struct mailimap_set_item *) clist_content (it))->set_first;
  return *uid != 0;
}

/* \Deleted + expunge of exactly these UIDs in the selected folder. */
static gboolean
expunge_uids (TernSync    *self,
              const char  *set,
              GError     **error)
{
  g_autofree char *store = g_strdup_printf ("UID STORE %s +FLAGS.SILENT (\\Deleted)", set);

  if (!tern_imap_connection_raw_command (self->conn, store, error))
    return FALSE;
  if (tern_imap_connection_has_capability (self->conn, "UIDPLUS"))
    {
      g_autofree char *expunge = g_strdup_printf ("UID EXPUNGE %s", set);

      return tern_imap_connection_raw_command (self->conn, expunge, error);
    }
  else
    {
      /* Without UID EXPUNGE, EXPUNGE only if nothing else in the folder is \Deleted: never
       * expunge what another client merely marked. Otherwise the message stays marked. */
      struct mailimap_response_info *info;
      g_autoptr(GArray) ours = g_array_new (FALSE, FALSE, sizeof (guint32));
      gboolean only_ours = TRUE;

      if (!tern_imap_connection_raw_command (self->conn, "UID SEARCH DELETED", error))
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
      info = _tern_sync_session (self)->imap_response_info;
      for (clistiter *it = info ? clist_begin (info->rsp_search_result) : NULL;
           it != NULL && only_ours; it = clist_next (it))
        {
          guint32 uid = *(uint32_t *) clist_content (it);
          gboolean mine = FALSE;

          for (guint i = 0; i < ours->len && !mine; i++)
            mine = g_array_index (ours, guint32, i) == uid;
          only_ours = mine;
        }
      if (!only_ours)
        return TRUE;
      return _tern_sync_check (self, mailimap_expunge (_tern_sync_session (self)), "EXPUNGE", error);
    }
}

static gboolean
replay_move (TernSync    *self,
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
  g_autoptr(GArray) earlier = a->sent && a->uids != NULL ? parse_uid_list (a->uids) : NULL;
  g_autoptr(GArray) before = NULL;
  g_autofree char *note = NULL;
  int r;

  if (!locate (self, a->message, TRUE, &loc, error) ||
      (target = server_folder (self, a->target, error)) == NULL)
    return FALSE;
  if (loc.folder->id == target->id)
    return finish (self, a, error);
  /* The target's hits before anything goes out: without UIDPLUS the new UID is the one new
   * hit; without MOVE a killed attempt may have made the copy already. */
  if (!uidplus || !move)
    {
      before = message_id_hits (self, target, loc.message->message_id, error);
      if (before == NULL)
        return FALSE;
      note = uid_list_string (earlier != NULL ? earlier : before);
    }
  if (!select_for_uids (self, &loc.folder, error) ||
      !tern_journal_locate (self->store, a->message, NULL, &loc.message->uid, error))
    return FALSE;

  if (!fetch_one (self, loc.message->uid, &here, NULL))
    {
      /* Not in the source: if the last attempt went out, it may have worked. */
      guint32 uid = a->sent ? find_by_message_id (self, target, loc.message->message_id, earlier, error) : 0;

      if (uid != 0)
        return settle (self, a, a->message, target->id, uid, error);
      if (error != NULL && *error != NULL)
        return FALSE;
      g_set_error (error, REPLAY_ERROR, REPLAY_GONE, "The message was deleted on the server");
      return FALSE;
    }
  g_free (here.flags);
  set = g_strdup_printf ("%u", loc.message->uid);

  if (earlier != NULL && !move)
    {
      /* Still in the source: the last attempt was killed before its expunge, maybe after its
       * COPY. A copy is a hit that was not there before: then only the expunge is left. */
      guint32 uid = find_by_message_id (self, target, loc.message->message_id, earlier, error);

      if (error != NULL && *error != NULL)
        return FALSE;
      if (uid != 0)
        {
          if (!_tern_sync_select (self, loc.folder->name, error) || !expunge_uids (self, set, error))
            return FALSE;
          return settle (self, a, a->message, target->id, uid, error);
        }
      if (!_tern_sync_select (self, loc.folder->name, error))
        return FALSE;
    }

  /* A resumed action keeps the hits noted before its first attempt. */
  if (!tern_journal_mark_sent (self->store, a->id, note, error))
    return FALSE;

  if (tern_imap_connection_has_capability (self->conn, "MOVE"))
    {
      struct mailimap_set *uids = mailimap_set_new_single (loc.message->uid);
      struct mailimap_set *src = NULL, *dest = NULL;
      uint32_t uidvalidity = 0;

      if (uidplus)
        r = mailimap_uidplus_uid_move (_tern_sync_session (self), uids, target->name, &uidvalidity, &src, &dest);
      else
        r = mailimap_uid_move (_tern_sync_session (self), uids, target->name);
      mailimap_set_free (uids);
      if (dest != NULL)
        first_dest_uid (dest, &new_uid);
      g_clear_pointer (&src, mailimap_set_free);
      g_clear_pointer (&dest, mailimap_set_free);
      if (!_tern_sync_check (self, r, "UID MOVE", error))
        return FALSE;
    }
  else
    {
      struct mailimap_set *uids = mailimap_set_new_single (loc.message->uid);
      struct mailimap_set *src = NULL, *dest = NULL;
      uint32_t uidvalidity = 0;

      if (uidplus)
        r = mailimap_uidplus_uid_copy (_tern_sync_session (self), uids, target->name, &uidvalidity, &src, &dest);
      else
        r = mailimap_uid_copy (_tern_sync_session (self), uids, target->name);
      mailimap_set_free (uids);
      if (dest != NULL)
        first_dest_uid (dest, &new_uid);
      g_clear_pointer (&src, mailimap_set_free);
      g_clear_pointer (&dest, mailimap_set_free);
      /* A COPY that failed leaves the original untouched: no \Deleted. */
      if (!_tern_sync_check (self, r, "UID COPY", error) || !expunge_uids (self, set, error))
        return FALSE;
    }

  if (new_uid == 0)
    {
      g_autoptr(GError) local_error = NULL;

      new_uid = find_by_message_id (self, target, loc.message->message_id, earlier != NULL ? earlier : before,
                                    &local_error);
      if (local_error != NULL && !g_str_equal (classify (local_error), TERN_ACTION_USER))
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }
    }
  return settle (self, a, a->message, target->id, new_uid, error);
}

static gboolean
replay_copy (TernSync    *self,
             TernAction  *a,
             GError     **error)
{
  g_auto(Location) loc = { 0 };
  g_autoptr(TernFolder) target = NULL;
  g_autoptr(GArray) before = NULL;
  g_autofree char *note = NULL;
  Collected here = { 0 };
  guint32 new_uid = 0;
  int r;

  {
    g_autoptr(TernMessage) copy = tern_store_get_message (self->store, a->new_message, NULL);

    if (copy == NULL)
      return finish (self, a, error); /* the copy was discarded here meanwhile */
  }
  if (!locate (self, a->message, TRUE, &loc, error) ||
      (target = server_folder (self, a->target, error)) == NULL)
    return FALSE;

  if (a->sent)
    {
      /* The last attempt may have worked: a Message-ID hit that was not there before. */
      g_autoptr(GArray) earlier = parse_uid_list (a->uids);
      guint32 uid = find_by_message_id (self, target, loc.message->message_id, earlier, error);

      if (uid != 0)
        return settle (self, a, a->new_message, target->id, uid, error);
      if (error != NULL && *error != NULL)
        return FALSE;
    }

  before = message_id_hits (self, target, loc.message->message_id, error);
  if (before == NULL)
    return FALSE;
  note = uid_list_string (before);

  if (!select_for_uids (self, &loc.folder, error) ||
      !tern_journal_locate (self->store, a->message, NULL, &loc.message->uid, error) ||
      !fetch_one (self, loc.message->uid, &here, error))
    return FALSE;
  g_free (here.flags);

  if (!tern_journal_mark_sent (self->store, a->id, note, error))
    return FALSE;
  {
    struct mailimap_set *uids = mailimap_set_new_single (loc.message->uid);
    struct mailimap_set *src = NULL, *dest = NULL;
    uint32_t uidvalidity = 0;

    if (tern_imap_connection_has_capability (self->conn, "UIDPLUS"))
      r = mailimap_uidplus_uid_copy (_tern_sync_session (self), uids, target->name, &uidvalidity, &src, &dest);
    else
      r = mailimap_uid_copy (_tern_sync_session (self), uids, target->name);
    mailimap_set_free (uids);
    if (dest != NULL)
      first_dest_uid (dest, &new_uid);
    g_clear_pointer (&src, mailimap_set_free);
    g_clear_pointer (&dest, mailimap_set_free);
    if (!_tern_sync_check (self, r, "UID COPY", error))
      return FALSE;
  }
  if (new_uid == 0)
    {
      new_uid = find_by_message_id (self, target, loc.message->message_id, before, error);
      if (error != NULL && *error != NULL)
        return FALSE;
    }
  return settle (self, a, a->new_message, target->id, new_uid, error);
}

static gboolean
replay_expunge (TernSync    *self,
                TernAction  *a,
                GError     **error)
{
  g_auto(Location) loc = { 0 };
  g_autoptr(GError) local_error = NULL;
  g_autofree char *set = NULL;
  Collected here = { 0 };

  if (!locate (self, a->message, FALSE, &loc, &local_error))
    {
      /* Deleting what is gone is not an error. */
      if (g_error_matches (local_error, REPLAY_ERROR, REPLAY_GONE))
        return finish (self, a, error);
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  if (loc.message->uid == 0)
    {
      /* Never reached the server: deleting it here is all there is to do. */
      return settle (self, a, a->message, 0, 0, error);
    }
  if (!select_for_uids (self, &loc.folder, error) ||
      !tern_journal_locate (self->store, a->message, NULL, &loc.message->uid, error))
    return FALSE;
  if (!fetch_one (self, loc.message->uid, &here, &local_error))
    {
      if (g_error_matches (local_error, REPLAY_ERROR, REPLAY_GONE))
        return settle (self, a, a->message, 0, 0, error);
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  g_free (here.flags);
  set = g_strdup_printf ("%u", loc.message->uid);
  if (!expunge_uids (self, set, error))
    return FALSE;
  return settle (self, a, a->message, 0, 0, error);
}

static gboolean
replay_expunge_uids (TernSync    *self,
                     TernAction  *a,
                     GError     **error)
{
  g_autoptr(TernFolder) folder = NULL;
  g_autoptr(GArray) wanted = parse_uid_list (a->uids);
  g_autoptr(GArray) present = g_array_new (FALSE, FALSE, sizeof (guint32));
  g_autofree char *set = NULL;

  if ((folder = server_folder (self, a->folder, error)) == NULL)
    return FALSE;
  if (wanted->len == 0)
    return finish (self, a, error);
  if (!select_for_uids (self, &folder, error))
    return FALSE;

  set = uid_set_string (wanted);
  if (!_tern_sync_collect_flags (self, set, error))
    return FALSE;
  for (guint i = 0; i < self->collected->len; i++)
    g_array_append_val (present, g_array_index (self->collected, Collected, i).uid);
  g_array_sort (present, compare_uid);

  if (present->len > 0)
    {
      g_autofree char *present_set = NULL;

      present_set = uid_set_string (present);
      if (!expunge_uids (self, present_set, error))
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

static struct mailimap_flag_list *
flag_list_from (const char *flags)
{
  struct mailimap_flag_list *list = mailimap_flag_list_new_empty ();
  g_auto(GStrv) parts = g_strsplit (flags ? flags : "", " ", -1);

  for (guint i = 0; parts[i] != NULL; i++)
    {
      const char *f = parts[i];
      struct mailimap_flag *flag = NULL;

      if (*f == '\0')
        continue;
      if (g_ascii_strcasecmp (f, "\\Seen") == 0)
        flag = mailimap_flag_new_seen ();
      else if (g_ascii_strcasecmp (f, "\\Answered") == 0)
        flag = mailimap_flag_new_answered ();
      else if (g_ascii_strcasecmp (f, "\\Flagged") == 0)
        flag = mailimap_flag_new_flagged ();
      else if (g_ascii_strcasecmp (f, "\\Draft") == 0)
        flag = mailimap_flag_new_draft ();
      else if (g_ascii_strcasecmp (f, "\\Deleted") == 0)
        flag = mailimap_flag_new_deleted ();
      else if (*f != '\\')
        flag = mailimap_flag_new_flag_keyword (strdup (f));
      if (flag != NULL)
        mailimap_flag_list_add (list, flag);
    }
  return list;
}

static struct mailimap_date_time *
date_time_from (gint64 unix_time)
{
  g_autoptr(GDateTime) dt = NULL;

  if (unix_time == 0)
    return NULL;
  dt = g_date_time_new_from_unix_utc (unix_time);
  return mailimap_date_time_new (g_date_time_get_day_of_month (dt), g_date_time_get_month (dt),
                                 g_date_time_get_year (dt), g_date_time_get_hour (dt),
                                 g_date_time_get_minute (dt), g_date_time_get_second (dt), 0);
}

static gboolean
replay_append (TernSync    *self,
               TernAction  *a,
               GError     **error)
{
  g_autoptr(TernFolder) target = NULL;
  g_autoptr(TernMessage) message = NULL;
  g_autoptr(GBytes) raw = NULL;
  g_autoptr(GArray) before = NULL;
  g_autofree char *note = NULL;
  struct mailimap_flag_list *flags;
  struct mailimap_date_time *date;
  uint32_t uidvalidity = 0, new_uid = 0;
  int r;

  message = tern_store_get_message (self->store, a->message, NULL);
  if (message == NULL)
    return finish (self, a, error); /* deleted here before it was uploaded */
  if ((target = server_folder (self, a->target, error)) == NULL ||
      (raw = tern_journal_dup_raw (self->store, a->message, error)) == NULL)
    return FALSE;

  if (a->sent)
    {
      /* An APPEND whose answer was lost: look for it before sending it again. */
      g_autoptr(GArray) earlier = parse_uid_list (a->uids);
      guint32 uid = find_by_message_id (self, target, message->message_id, earlier, error);

      if (uid != 0)
        return settle (self, a, a->message, target->id, uid, error);
      if (error != NULL && *error != NULL)
        return FALSE;
    }
  before = message_id_hits (self, target, message->message_id, error);
  if (before == NULL)
    return FALSE;
  note = uid_list_string (before);
  if (!tern_journal_mark_sent (self->store, a->id, note, error))
    return FALSE;

  /* The flags it was saved with: later changes are later actions (and do not reach copies
   * made before them). Older journals did not note them. */
  flags = flag_list_from (a->add_flags != NULL ? a->add_flags : message->flags);
  date = date_time_from (message->internaldate);
  if (tern_imap_connection_has_capability (self->conn, "UIDPLUS"))
    r = mailimap_uidplus_append (_tern_sync_session (self), target->name, flags, date,
                                 g_bytes_get_data (raw, NULL), g_bytes_get_size (raw),
                                 &uidvalidity, &new_uid);
  else
    r = mailimap_append (_tern_sync_session (self), target->name, flags, date,
                         g_bytes_get_data (raw, NULL), g_bytes_get_size (raw));
  mailimap_flag_list_free (flags);
  if (date != NULL)
    mailimap_date_time_free (date);
  if (!_tern_sync_check (self, r, "APPEND", error))
    return FALSE;
  if (new_uid == 0)
    {
      new_uid = find_by_message_id (self, target, message->message_id, before, error);
      if (error != NULL && *error != NULL)
        return FALSE;
    }
  return settle (self, a, a->message, target->id, new_uid, error);
}

/* TRUE if LIST shows exactly this name. */
static gboolean
folder_exists (TernSync    *self,
               const char  *name,
               gboolean    *exists,
               GError     **error)
{
  clist *list = NULL;
  int r = mailimap_list (_tern_sync_session (self), "", name, &list);

  if (!_tern_sync_check (self, r, "LIST", error))
    return FALSE;
  *exists = FALSE;
  for (clistiter *it = clist_begin (list); it != NULL; it = clist_next (it))
    {
      struct mailimap_mailbox_list *mb = clist_content (it);

      if (g_strcmp0 (mb->mb_name, name) == 0)
        *exists = TRUE;
    }
  mailimap_list_result_free (list);
  return TRUE;
}

static gboolean
replay_folder (TernSync    *self,
               TernAction  *a,
               GError     **error)
{
  g_autoptr(GError) local_error = NULL;
  gboolean exists = FALSE;
  int r;

  if (g_strcmp0 (a->kind, TERN_ACTION_FOLDER_CREATE) == 0)
    {
      r = mailimap_create (_tern_sync_session (self), a->name);
      if (!_tern_sync_check (self, r, "CREATE", &local_error))
        {
          /* Created by an earlier attempt whose answer was lost, or by someone else. */
          if (!g_str_equal (classify (local_error), TERN_ACTION_USER) ||
              !folder_exists (self, a->name, &exists, error) || !exists)
            {
              if (error != NULL && *error == NULL)
                g_propagate_error (error, g_steal_pointer (&local_error));
              return FALSE;
            }
        }
      mailimap_subscribe (_tern_sync_session (self), a->name);
      return finish (self, a, error);
    }

  if (g_strcmp0 (a->kind, TERN_ACTION_FOLDER_RENAME) == 0 || g_strcmp0 (a->kind, TERN_ACTION_FOLDER_DELETE) == 0)
    {
      gboolean rename = g_strcmp0 (a->kind, TERN_ACTION_FOLDER_RENAME) == 0;

      if (g_strcmp0 (self->selected, a->name) == 0 && !_tern_sync_unselect (self, error))
        return FALSE;
      r = rename ? mailimap_rename (_tern_sync_session (self), a->name, a->new_name)
                 : mailimap_delete (_tern_sync_session (self), a->name);
      if (!_tern_sync_check (self, r, rename ? "RENAME" : "DELETE", &local_error))
        {
          gboolean new_exists = FALSE;

          /* Done already (a lost answer), or not possible (needs the user). */
          if (!g_str_equal (classify (local_error), TERN_ACTION_USER) ||
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
          mailimap_unsubscribe (_tern_sync_session (self), a->name);
          mailimap_subscribe (_tern_sync_session (self), a->new_name);
          return finish (self, a, error);
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
  r = g_strcmp0 (a->kind, TERN_ACTION_SUBSCRIBE) == 0 ? mailimap_subscribe (_tern_sync_session (self), a->name)
                                                      : mailimap_unsubscribe (_tern_sync_session (self), a->name);
  if (!_tern_sync_check (self, r, "SUBSCRIBE", error))
    return FALSE;
  return finish (self, a, error);
}

static gboolean
replay_one (TernSync    *self,
            TernAction  *a,
            GError     **error)
{
  if (g_strcmp0 (a->kind, TERN_ACTION_FLAGS) == 0)
    return replay_flags (self, a, error);
  if (g_strcmp0 (a->kind, TERN_ACTION_MOVE) == 0)
    return replay_move (self, a, error);
  if (g_strcmp0 (a->kind, TERN_ACTION_COPY) == 0)
    return replay_copy (self, a, error);
  if (g_strcmp0 (a->kind, TERN_ACTION_EXPUNGE) == 0)
    return replay_expunge (self, a, error);
  if (g_strcmp0 (a->kind, TERN_ACTION_EXPUNGE_UIDS) == 0)
    return replay_expunge_uids (self, a, error);
  if (g_strcmp0 (a->kind, TERN_ACTION_APPEND) == 0)
    return replay_append (self, a, error);
  return replay_folder (self, a, error);
}

gboolean
_tern_sync_replay (TernSync  *self,
                   GError   **error)
{
  gint64 after = 0;

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

      if (replay_one (self, a, &local_error))
        continue;

      class = classify (local_error);
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
