/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "tern-sync"

#include "config.h"

#include <string.h>

#include "tern-imap-commands.h"
#include "tern-imap-connection.h"
#include "tern-journal.h"
#include "tern-sync-private.h"

/* One folder: SELECT or STATUS, then a first sync (the fill) or a _tern_sync_resync (see tern-sync.c). */

#define FLAG_WINDOW          500
#define FULL_SWEEP_BELOW     2000
#define FULL_SWEEP_INTERVAL  3600

static void
read_selection (TernSync     *self,
                MailboxState *state)
{
  TernImapMailbox sel;

  if (!tern_imap_connection_get_mailbox (self->conn, &sel))
    return;
  state->uidvalidity = sel.uidvalidity;
  state->uidnext = sel.uidnext;
  state->exists = sel.exists;
}

/* A SELECT without UIDNEXT (RFC 3501 makes it optional): without one every resync would
 * fetch every message again as new. The highest UID + 1 stands in for it (UID FETCH *),
 * which is all "fetch what is new" needs; an empty folder keeps what the cache knew. */
static gboolean
guess_uidnext (TernSync      *self,
               TernFolder    *folder,
               MailboxState  *state,
               GError       **error)
{
  g_autoptr(GArray) last = NULL;

  if (state->exists == 0)
    {
      state->uidnext = state->uidvalidity == folder->uidvalidity ? MAX (folder->uidnext, 1) : 1;
      return TRUE;
    }
  last = _tern_sync_fetch_uid_list (self, "*", 1, 0, error);
  if (last == NULL)
    return FALSE;
  if (last->len > 0)
    state->uidnext = g_array_index (last, guint32, last->len - 1) + 1;
  /* Never below what the cache has seen: UIDs only grow (in one UIDVALIDITY). */
  if (state->uidvalidity == folder->uidvalidity)
    state->uidnext = MAX (state->uidnext, folder->uidnext);
  g_debug ("%s: no UIDNEXT from SELECT, using %u", folder->name, state->uidnext);
  return TRUE;
}

typedef struct
{
  TernSync   *self;
  TernFolder *folder;
  Harvest    *h;
  gboolean    fetching;
} SelectThenFetch;

/* Between the SELECT's response and the FETCH's: what the SELECT said is harvested now (the
 * session's responses are the FETCH's next), and the FETCH's messages are stored as new ones
 * if UIDVALIDITY held (after a change they are no cached folder's: the cache starts over). */
static void
select_then_fetch_cb (TernImapConnection *conn,
                      gboolean            selected,
                      gpointer            user_data)
{
  SelectThenFetch *stf = user_data;
  TernSync *self = stf->self;
  TernImapMailbox sel;

  _tern_sync_harvest (self, stf->folder, stf->h);
  if (!selected || !tern_imap_connection_get_mailbox (conn, &sel) ||
      sel.uidvalidity != stf->folder->uidvalidity)
    {
      /* Another folder's UIDs: not even their flags are the cache's. */
      _tern_sync_set_fetch_folder (self, NULL);
      return;
    }
  self->fetch_mode = FETCH_HEADERS;
  self->fetch_min_uid = MAX (stf->folder->uidnext, 1);
  self->fetch_emit = TRUE;
  self->fetch_done = 0;
  self->fetch_total = 0;
  stf->fetching = TRUE;
}

/* The QRESYNC SELECT and the FETCH of what is new since the cache last saw the folder, in one
 * round trip (#12: new mail after a reconnect, a folder with news). *fetched: whether the
 * new messages are stored. */
static gboolean
select_and_fetch_new (TernSync      *self,
                      TernFolder    *folder,
                      Harvest       *h,
                      gboolean      *fetched,
                      GError       **error)
{
  g_autofree char *then = tern_imap_uid_fetch_new_command (folder->uidnext, _tern_sync_header_fetch_attrs (self),
                                                           folder->highestmodseq);
  SelectThenFetch stf = { self, folder, h, FALSE };
  gboolean then_ok = FALSE;
  gboolean ok;

  ok = tern_imap_connection_select_qresync_then (self->conn, folder->name, folder->uidvalidity,
                                                 folder->highestmodseq, then, select_then_fetch_cb,
                                                 &stf, &then_ok, error);
  self->fetch_mode = FETCH_NONE;
  self->fetch_min_uid = 0;
  self->fetch_emit = FALSE;
  _tern_sync_set_fetch_folder (self, folder);
  if (!ok)
    return FALSE;
  /* Whatever came with the FETCH's answer (another client's changes meanwhile). */
  _tern_sync_harvest (self, folder, h);
  *fetched = stf.fetching && then_ok;
  if (stf.fetching && self->fetch_error == NULL)
    return _tern_sync_fetch_skipped (self, folder, MAX (folder->uidnext, 1), 0, error);
  return TRUE;
}

/* fetched_new: NULL, or where to say that the new messages came with the SELECT (pipelined,
 * QRESYNC only). */
static gboolean
select_folder (TernSync      *self,
               TernFolder    *folder,
               MailboxState  *state,
               Harvest       *h,
               gboolean      *fetched_new,
               GError       **error)
{
  memset (state, 0, sizeof *state);
  _tern_sync_clear_selected (self);
  self->fetch_mode = FETCH_NONE;
  /* Set before the command: its response carries the folder's changes. */
  _tern_sync_set_fetch_folder (self, folder);

  if (fetched_new != NULL)
    *fetched_new = FALSE;
  if (self->qresync && folder->uidvalidity != 0 && folder->highestmodseq != 0 &&
      fetched_new != NULL && folder->uidnext > 0)
    {
      if (!select_and_fetch_new (self, folder, h, fetched_new, error))
        return FALSE;
      state->highestmodseq = h->highestmodseq;
    }
  else if (self->qresync && folder->uidvalidity != 0 && folder->highestmodseq != 0)
    {
      if (!tern_imap_connection_select_qresync (self->conn, folder->name, folder->uidvalidity,
                                                folder->highestmodseq, NULL, error))
        return FALSE;
      _tern_sync_harvest (self, folder, h);
      state->highestmodseq = h->highestmodseq;
    }
  else if (self->condstore)
    {
      guint64 modseq = 0;

      if (!tern_imap_connection_select (self->conn, folder->name, TRUE, &modseq, error))
        return FALSE;
      _tern_sync_harvest (self, folder, h);
      state->highestmodseq = modseq ? modseq : h->highestmodseq;
    }
  else
    {
      if (!tern_imap_connection_select (self->conn, folder->name, FALSE, NULL, error))
        return FALSE;
      _tern_sync_harvest (self, folder, h);
    }

  if (self->fetch_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&self->fetch_error));
      return FALSE;
    }
  self->selected = g_strdup (folder->name);
  read_selection (self, state);
  if (h->nomodseq)
    state->highestmodseq = 0;
  if (state->uidnext == 0)
    return guess_uidnext (self, folder, state, error);
  return TRUE;
}

/* STATUS for a folder that is not selected; FALSE on error. */
gboolean
_tern_sync_status_folder (TernSync      *self,
                          TernFolder    *folder,
                          MailboxState  *state,
                          GError       **error)
{
  return tern_imap_connection_status (self->conn, folder->name, self->condstore, state, error);
}

gboolean
_tern_sync_status_ahead (TernSync   *self,
                         GPtrArray  *folders,
                         GError    **error)
{
  g_autoptr(GHashTable) listed = g_steal_pointer (&self->listed_status);
  g_autoptr(GPtrArray) names = g_ptr_array_new ();
  g_autofree MailboxState *out = NULL;

  g_clear_pointer (&self->status_ahead, g_hash_table_unref);

  /* Only an answer with HIGHESTMODSEQ can tell an unchanged folder (see resync()). */
  if (!self->condstore)
    return TRUE;
  self->status_ahead = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  for (guint i = 0; i < folders->len; i++)
    {
      TernFolder *folder = folders->pdata[i];
      MailboxState *known;

      if (!folder->selectable || folder->local_state != 0 || folder->uidvalidity == 0 ||
          g_strcmp0 (folder->name, self->selected) == 0)
        continue;
      /* Answered with the LIST (LIST-STATUS). */
      known = listed != NULL ? g_hash_table_lookup (listed, folder->name) : NULL;
      if (known != NULL && known->uidvalidity != 0)
        g_hash_table_insert (self->status_ahead, g_strdup (folder->name), g_memdup2 (known, sizeof *known));
      else
        g_ptr_array_add (names, folder->name);
    }
  if (names->len < 2)
    return TRUE;
  g_ptr_array_add (names, NULL);

  out = g_new0 (MailboxState, names->len);
  if (!tern_imap_connection_status_many (self->conn, (const char * const *) names->pdata, TRUE, out, error))
    {
      g_clear_pointer (&self->status_ahead, g_hash_table_unref);
      return FALSE;
    }

  /* A folder the server said NO to has no answer here: its resync asks again. */
  for (guint i = 0; names->pdata[i] != NULL; i++)
    if (out[i].uidvalidity != 0)
      g_hash_table_insert (self->status_ahead, g_strdup (names->pdata[i]),
                           g_memdup2 (&out[i], sizeof out[i]));
  return TRUE;
}

static gboolean
reload_folder (TernSync    *self,
               TernFolder **folder,
               GError     **error)
{
  TernFolder *fresh = tern_store_get_folder_by_id (self->store, (*folder)->id, error);

  if (fresh == NULL)
    return FALSE;
  tern_folder_free (*folder);
  *folder = fresh;
  return TRUE;
}

static guint32
current_exists (TernSync *self)
{
  TernImapMailbox sel;

  return tern_imap_connection_get_mailbox (self->conn, &sel) ? sel.exists : 0;
}

/*
 * The server's UIDs first:last (last 0: "*"). `whole`: the range covers every message the
 * server's count (EXISTS) counts, so an answer of another length is wrong somewhere and is
 * asked again a second way (UID FETCH (UID)) before anything is built on it. A server that
 * read the UID set as sequence numbers answers an empty SEARCH for a full folder: believed,
 * that empties the cache (#10).
 */
static GArray *
server_uids (TernSync  *self,
             guint32    first,
             guint32    last,
             gboolean   whole,
             gboolean  *confirmed,
             GError   **error)
{
  GArray *uids = _tern_sync_uid_search (self, first, last, error);

  *confirmed = self->uid_search_untrusted;
  if (uids == NULL || !whole || *confirmed || uids->len == current_exists (self))
    return uids;
  if (!_tern_sync_confirm_uids (self, first, last, &uids, error))
    {
      g_array_unref (uids);
      return NULL;
    }
  *confirmed = TRUE;
  return uids;
}

static guint
count_missing_from (GArray *cached,
                    GArray *server)
{
  guint n = 0;

  for (guint i = 0; i < cached->len; i++)
    {
      guint index;

      if (!g_array_binary_search (server, &g_array_index (cached, guint32, i), _tern_sync_compare_uid, &index))
        n++;
    }
  return n;
}

/* Makes the cache hold exactly the server's UIDs: expunges what is gone, fetches what is
 * missing. Never drops cached mail on one unconfirmed answer: a removal of more than a
 * fifth of the folder is confirmed a second way, and nothing is removed while the list and
 * the server's count (EXISTS) disagree. */
static gboolean
full_compare (TernSync    *self,
              TernFolder  *folder,
              gboolean     emit,
              GError     **error)
{
  gboolean confirmed = FALSE;
  g_autoptr(GArray) server = server_uids (self, 1, 0, TRUE, &confirmed, error);
  g_autoptr(GArray) cached = NULL;
  g_autoptr(GArray) missing = NULL;
  gboolean may_remove;
  guint removed;

  if (server == NULL)
    return FALSE;
  self->stats.full_compares++;

  cached = tern_store_list_uids (self->store, folder->id, error);
  if (cached == NULL)
    return FALSE;
  removed = count_missing_from (cached, server);
  if (removed > 0 && removed * 5 > cached->len && !confirmed)
    {
      if (!_tern_sync_confirm_uids (self, 1, 0, &server, error))
        return FALSE;
      removed = count_missing_from (cached, server);
    }
  may_remove = server->len == current_exists (self);
  if (removed > 0 && !may_remove)
    g_message ("%s: the server lists %u messages but counts %u: %u cached messages are kept "
               "until it agrees with itself", folder->name, server->len, current_exists (self),
               removed);

  if (!tern_store_begin (self->store, error))
    return FALSE;
  for (guint i = 0; i < cached->len && may_remove; i++)
    {
      guint32 uid = g_array_index (cached, guint32, i);
      guint index;

      gint64 id;

      if (g_array_binary_search (server, &uid, _tern_sync_compare_uid, &index))
        continue;
      id = tern_store_find_uid (self->store, folder->id, uid);
      if (!tern_store_expunge_uid (self->store, folder->id, uid, error))
        {
          tern_store_rollback (self->store);
          return FALSE;
        }
      _tern_sync_emit_change (self, TERN_SYNC_CHANGE_EXPUNGED, folder->id, folder->display_name, id, uid,
                              NULL, NULL);
    }
  if (!tern_store_commit (self->store, error))
    return FALSE;

  missing = g_array_new (FALSE, FALSE, sizeof (guint32));
  for (guint i = 0; i < server->len; i++)
    {
      guint32 uid = g_array_index (server, guint32, i);
      guint index;

      if (!g_array_binary_search (cached, &uid, _tern_sync_compare_uid, &index))
        g_array_append_val (missing, uid);
    }
  return _tern_sync_fetch_headers (self, folder, missing, FALSE, emit, error);
}

/* What arrived since from_uid. When the server announced UIDNEXT (below_uid) and the gap
 * fits in one FETCH, the headers are asked for straight away (UID FETCH from:below-1: UIDs
 * that are not there are simply not answered), without a UID SEARCH first: one round trip
 * less for new mail after a reconnect (bench-linkdrop) and on every resync that has news. */
static gboolean
fetch_new (TernSync    *self,
           TernFolder  *folder,
           guint32      from_uid,
           guint32      below_uid,
           gboolean     emit,
           GError     **error)
{
  g_autoptr(GArray) uids = NULL;

  from_uid = MAX (from_uid, 1);
  if (below_uid > from_uid && below_uid - from_uid <= self->chunk)
    {
      uids = g_array_sized_new (FALSE, FALSE, sizeof (guint32), below_uid - from_uid);
      for (guint32 uid = from_uid; uid < below_uid; uid++)
        g_array_append_val (uids, uid);
      return _tern_sync_fetch_headers (self, folder, uids, FALSE, emit, error);
    }

  uids = _tern_sync_uid_search (self, from_uid, 0, error);
  if (uids == NULL)
    return FALSE;
  g_array_sort (uids, _tern_sync_compare_uid);
  return _tern_sync_fetch_headers (self, folder, uids, FALSE, emit, error);
}

static gboolean
count_matches (TernSync    *self,
               TernFolder  *folder,
               GError     **error)
{
  TernImapMailbox sel;

  return tern_imap_connection_get_mailbox (self->conn, &sel) &&
         tern_store_count_uids (self->store, folder->id) == sel.exists;
}

static gboolean
commit_state (TernSync      *self,
              TernFolder    *folder,
              MailboxState  *state,
              GError       **error)
{
  TernImapMailbox sel;
  guint32 exists = tern_imap_connection_get_mailbox (self->conn, &sel) ? sel.exists : state->exists;

  if (!tern_store_begin (self->store, error))
    return FALSE;
  if (!tern_store_set_folder_state (self->store, folder->id, state->uidvalidity, state->uidnext,
                                    state->highestmodseq, exists, error) ||
      !tern_store_commit (self->store, error))
    {
      tern_store_rollback (self->store);
      return FALSE;
    }
  return TRUE;
}

/* The server renumbered the folder: keep what can be matched by Message-ID, INTERNALDATE and
 * size, re-fetch the rest. Idempotent: a crash part way repeats it from the start. */
static gboolean
uidvalidity_changed (TernSync      *self,
                     TernFolder    *folder,
                     MailboxState  *state,
                     GError       **error)
{
  g_autoptr(GArray) uids = NULL;
  g_autoptr(GArray) unmatched = g_array_new (FALSE, FALSE, sizeof (guint32));
  guint dropped = 0;
  gint i;

  g_debug ("%s: UIDVALIDITY %u -> %u", folder->name, folder->uidvalidity, state->uidvalidity);

  if (!tern_store_begin (self->store, error))
    return FALSE;
  if (!tern_store_detach_folder (self->store, folder->id, error) ||
      !tern_store_commit (self->store, error))
    {
      tern_store_rollback (self->store);
      return FALSE;
    }

  {
    gboolean confirmed;

    /* Every message not found again is dropped below: the list must be right. */
    uids = server_uids (self, 1, 0, TRUE, &confirmed, error);
  }
  if (uids == NULL)
    return FALSE;
  if (uids->len != current_exists (self))
    {
      g_set_error (error, TERN_SYNC_ERROR, TERN_SYNC_ERROR_TRANSIENT,
                   "%s lists %u messages in %s but counts %u", self->account->host, uids->len,
                   folder->name, current_exists (self));
      return FALSE;
    }

  self->fetch_unmatched = unmatched;
  for (i = (gint) uids->len - 1; i >= 0; i -= (gint) self->chunk)
    {
      gint lo_index = MAX (0, i - (gint) self->chunk + 1);

      if (!tern_store_begin (self->store, error))
        goto fail;
      if (!_tern_sync_uid_fetch (self, folder, FETCH_REATTACH, g_array_index (uids, guint32, lo_index),
                                 g_array_index (uids, guint32, i), _tern_sync_reattach_fetch_attrs (self), error) ||
          !tern_store_commit (self->store, error))
        {
          tern_store_rollback (self->store);
          goto fail;
        }
    }
  self->fetch_unmatched = NULL;

  if (!tern_store_begin (self->store, error))
    return FALSE;
  if (!tern_store_drop_detached (self->store, folder->id, &dropped, error) ||
      !tern_store_commit (self->store, error))
    {
      tern_store_rollback (self->store);
      return FALSE;
    }
  self->stats.dropped += dropped;

  g_array_sort (unmatched, _tern_sync_compare_uid);
  if (!_tern_sync_fetch_headers (self, folder, unmatched, FALSE, FALSE, error))
    return FALSE;

  _tern_sync_emit_change (self, TERN_SYNC_CHANGE_UIDVALIDITY, folder->id, folder->display_name, 0, state->uidvalidity,
                          NULL, NULL);
  return commit_state (self, folder, state, error);

fail:
  self->fetch_unmatched = NULL;
  return FALSE;
}

static gboolean
sweep_flags (TernSync    *self,
             TernFolder  *folder,
             GError     **error)
{
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;
  g_autoptr(GArray) cached = tern_store_list_uids (self->store, folder->id, error);
  gboolean full;
  guint32 from;

  if (cached == NULL)
    return FALSE;
  if (cached->len == 0)
    return TRUE;

  full = cached->len <= FULL_SWEEP_BELOW || now - folder->flags_swept > FULL_SWEEP_INTERVAL;
  from = full ? 1 : g_array_index (cached, guint32, cached->len - MIN (cached->len, FLAG_WINDOW));

  if (!tern_store_begin (self->store, error))
    return FALSE;
  if (!_tern_sync_uid_fetch (self, folder, FETCH_NONE, from, g_array_index (cached, guint32, cached->len - 1),
                             _tern_sync_flags_fetch_attrs (self), error) ||
      (full && !tern_store_set_folder_flags_swept (self->store, folder->id, now, error)) ||
      !tern_store_commit (self->store, error))
    {
      tern_store_rollback (self->store);
      return FALSE;
    }
  return TRUE;
}

/* *settled_out: the fill began at this SELECT and ended in it with the count still adding
 * up, so no second SELECT is needed (#12: every folder was selected twice on a first sync).
 * The state stored is the SELECT's (UIDNEXT, HIGHESTMODSEQ then): whatever changed during
 * the fill is still asked for by the next resync, which STATUS or QRESYNC tells changed. A
 * fill resumed from an earlier run, or a count that moved meanwhile, is resynced at once. */
static gboolean
first_sync (TernSync    *self,
            TernFolder **folder_p,
            gboolean    *settled_out,
            GError     **error)
{
  TernFolder *folder = *folder_p;
  MailboxState state;
  Harvest h = { 0 };
  g_autoptr(GArray) uids = NULL;
  gboolean fresh = FALSE;

  if (!select_folder (self, folder, &state, &h, NULL, error))
    return FALSE;
  _tern_sync_harvest_clear (&h);

  if (folder->fill_uidvalidity != 0 && folder->fill_uidvalidity != state.uidvalidity)
    {
      /* A first sync was interrupted and the folder was renumbered since: start over. */
      if (!tern_store_begin (self->store, error))
        return FALSE;
      if (!tern_store_detach_folder (self->store, folder->id, error) ||
          !tern_store_drop_detached (self->store, folder->id, NULL, error) ||
          !tern_store_commit (self->store, error))
        {
          tern_store_rollback (self->store);
          return FALSE;
        }
      folder->fill_uidvalidity = 0;
    }

  if (folder->fill_uidvalidity == 0)
    {
      fresh = TRUE;
      folder->fill_uidvalidity = state.uidvalidity;
      folder->fill_uidnext = state.uidnext;
      folder->fill_modseq = state.highestmodseq;
      folder->fill_low = state.uidnext;
      if (!tern_store_set_folder_fill (self->store, folder->id, folder->fill_uidvalidity,
                                       folder->fill_uidnext, folder->fill_modseq,
                                       folder->fill_low, error))
        return FALSE;
    }

  if (folder->fill_low > 1 && state.exists > 0)
    {
      gboolean confirmed;

      /* At the start of a fill, 1:fill_low-1 is the whole folder EXISTS counts. */
      uids = server_uids (self, 1, folder->fill_low - 1,
                          folder->fill_low == folder->fill_uidnext, &confirmed, error);
      if (uids == NULL)
        return FALSE;
      if (!_tern_sync_fetch_headers (self, folder, uids, TRUE, FALSE, error))
        return FALSE;
    }

  *settled_out = fresh && self->fetch_error == NULL &&
                 current_exists (self) == tern_store_count_uids (self->store, folder->id);

  /* The fill is complete: it stands for the server as it was when it started. */
  state.uidnext = folder->fill_uidnext;
  state.highestmodseq = folder->fill_modseq;
  if (!commit_state (self, folder, &state, error))
    return FALSE;
  return reload_folder (self, folder_p, error);
}

gboolean
_tern_sync_resync (TernSync    *self,
                   TernFolder  *folder,
                   gboolean     force_select,
                   GError     **error)
{
  MailboxState state;
  Harvest h = { 0 };
  gboolean ok = FALSE;
  gboolean selected = g_strcmp0 (self->selected, folder->name) == 0;
  /* The new messages' FETCH goes with the SELECT unless STATUS says there are none, or more
   * than a chunk (those come newest first, a transaction a chunk). */
  gboolean pipeline_new = TRUE;
  gboolean fetched_new = FALSE;

  /* With CONDSTORE, STATUS tells an unchanged folder in one round trip. */
  if (self->condstore && !selected && !force_select)
    {
      MailboxState status;
      MailboxState *ahead = self->status_ahead ? g_hash_table_lookup (self->status_ahead, folder->name) : NULL;
      g_autoptr(GError) status_error = NULL;

      if (ahead != NULL)
        {
          status = *ahead;
          g_hash_table_remove (self->status_ahead, folder->name);
        }
      else if (!_tern_sync_status_folder (self, folder, &status, &status_error))
        {
          /* A server that answers STATUS without its data: SELECT tells the same. */
          if (!g_error_matches (status_error, TERN_SYNC_ERROR, TERN_SYNC_ERROR_PROTOCOL))
            {
              g_propagate_error (error, g_steal_pointer (&status_error));
              return FALSE;
            }
          g_debug ("%s: %s; selecting it instead", folder->name, status_error->message);
          memset (&status, 0, sizeof status);
        }
      g_debug ("%s: STATUS uv %u/%u next %u/%u modseq %" G_GUINT64_FORMAT "/%" G_GUINT64_FORMAT
               " exists %u/%u", folder->name, status.uidvalidity, folder->uidvalidity,
               status.uidnext, folder->uidnext, status.highestmodseq, folder->highestmodseq,
               status.exists, folder->server_exists);
      /* The cache's own count too: a cache that lost or kept a message it should not
       * have must not pass as unchanged. */
      if (status.uidvalidity == folder->uidvalidity && status.uidnext == folder->uidnext &&
          status.highestmodseq == folder->highestmodseq && status.exists == folder->server_exists &&
          status.exists == tern_store_count_uids (self->store, folder->id) &&
          status.highestmodseq != 0)
        return TRUE;
      pipeline_new = status.uidnext > folder->uidnext && status.uidnext - folder->uidnext <= self->chunk;
    }

  if (!tern_store_begin (self->store, error))
    return FALSE;
  if (!select_folder (self, folder, &state, &h, pipeline_new ? &fetched_new : NULL, error))
    goto out;

  if (state.uidvalidity != folder->uidvalidity)
    {
      tern_store_rollback (self->store);
      _tern_sync_harvest_clear (&h);
      return uidvalidity_changed (self, folder, &state, error);
    }

  if (self->condstore && !self->qresync && folder->highestmodseq != 0 &&
      state.highestmodseq != folder->highestmodseq && folder->uidnext > 1)
    {
      /* CONDSTORE without QRESYNC: ask for what changed. */
      _tern_sync_set_fetch_folder (self, folder);
      self->fetch_mode = FETCH_NONE;
      if (!tern_imap_connection_uid_fetch_changedsince (self->conn, 1, folder->uidnext - 1,
                                                        _tern_sync_flags_fetch_attrs (self),
                                                        folder->highestmodseq, error))
        goto out;
    }

  if (!_tern_sync_apply_vanished (self, folder, &h, error))
    goto out;
  if (self->fetch_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&self->fetch_error));
      goto out;
    }
  if (!tern_store_commit (self->store, error))
    goto out;

  if (!self->condstore && !sweep_flags (self, folder, error))
    goto out_nobegin;

  if (!fetched_new && (state.uidnext > folder->uidnext || state.uidnext == 0))
    if (!fetch_new (self, folder, folder->uidnext, state.uidnext, TRUE, error))
      goto out_nobegin;

  if (!count_matches (self, folder, error))
    {
      if (error != NULL && *error != NULL)
        goto out_nobegin;
      g_debug ("%s: cached count differs from EXISTS, comparing UIDs", folder->name);
      if (!full_compare (self, folder, TRUE, error))
        goto out_nobegin;
    }

  /* Any VANISHED that arrived during the fetches. */
  _tern_sync_harvest (self, folder, &h);
  if (h.vanished != NULL && h.vanished->len > 0)
    {
      if (!tern_store_begin (self->store, error))
        goto out_nobegin;
      if (!_tern_sync_apply_vanished (self, folder, &h, error) || !tern_store_commit (self->store, error))
        goto out;
    }

  if (state.uidnext == 0)
    state.uidnext = folder->uidnext;
  ok = commit_state (self, folder, &state, error);
  _tern_sync_harvest_clear (&h);
  return ok;

out:
  tern_store_rollback (self->store);
out_nobegin:
  _tern_sync_harvest_clear (&h);
  return FALSE;
}

gboolean
_tern_sync_after_idle (TernSync    *self,
                       const char  *name,
                       gboolean    *handled,
                       GError     **error)
{
  g_autoptr(TernFolder) folder = NULL;
  g_autoptr(GArray) uids = NULL;
  TernImapMailbox sel;
  MailboxState state;
  Harvest h = { 0 };
  gboolean ok = FALSE;

  *handled = FALSE;
  if (!self->qresync || g_strcmp0 (self->selected, name) != 0)
    return TRUE;
  folder = tern_store_get_folder (self->store, self->account->id, name, error);
  if (folder == NULL)
    return FALSE;
  if (folder->uidvalidity == 0 || folder->highestmodseq == 0)
    return TRUE;

  /* What IDLE brought: flag changes were stored as they were parsed; expunges come as
   * VANISHED (QRESYNC); new messages as EXISTS. */
  g_clear_error (&self->fetch_error);
  _tern_sync_harvest (self, folder, &h);
  if (h.expunged != NULL && h.expunged->len > 0)
    goto out_unhandled;
  if (!tern_imap_connection_get_mailbox (self->conn, &sel))
    goto out_unhandled;

  if (!tern_store_begin (self->store, error))
    goto out;
  if (!_tern_sync_apply_vanished (self, folder, &h, error))
    goto out_rollback;

  /* New mail: fetched straight from the UIDNEXT the cache knows, no SEARCH, no SELECT. */
  if (sel.exists > tern_store_count_uids (self->store, folder->id))
    {
      self->fetch_emit = TRUE;
      self->fetch_done = 0;
      self->fetch_total = 0;
      if (!_tern_sync_uid_fetch (self, folder, FETCH_HEADERS, MAX (folder->uidnext, 1), 0,
                                 _tern_sync_header_fetch_attrs (self), error))
        goto out_rollback;
      self->fetch_emit = FALSE;
    }
  if (!tern_store_commit (self->store, error))
    goto out_rollback;

  /* Anything that does not add up (a server that did not say EXISTS, an expunge the
   * cache did not see) is left to a full resync. */
  if (tern_store_count_uids (self->store, folder->id) != sel.exists)
    goto out_unhandled;

  uids = tern_store_list_uids (self->store, folder->id, error);
  if (uids == NULL)
    goto out;
  memset (&state, 0, sizeof state);
  state.uidvalidity = folder->uidvalidity;
  state.uidnext = MAX (folder->uidnext, uids->len > 0 ? g_array_index (uids, guint32, uids->len - 1) + 1 : 1);
  /* The mailbox's HIGHESTMODSEQ is not known from this: the old one stays, and the next
   * QRESYNC SELECT asks for a little more than it needs. */
  state.highestmodseq = folder->highestmodseq;
  state.exists = sel.exists;
  ok = commit_state (self, folder, &state, error);
  if (ok)
    {
      *handled = TRUE;
      self->stats.folders_synced++;
    }
  _tern_sync_harvest_clear (&h);
  return ok;

out_rollback:
  self->fetch_emit = FALSE;
  tern_store_rollback (self->store);
out:
  _tern_sync_harvest_clear (&h);
  return FALSE;
out_unhandled:
  _tern_sync_harvest_clear (&h);
  return TRUE;
}

/* A first sync or a resync (SELECT at once with force_select), counted in the stats. */
static gboolean
sync_folder (TernSync    *self,
             TernFolder **folder,
             gboolean     force_select,
             GError     **error)
{
  gboolean settled = FALSE;
  gboolean ok;

  if (!(*folder)->selectable)
    return TRUE;

  g_clear_error (&self->fetch_error);
  self->pending_flags = tern_journal_count_queued (self->store, self->account->id, TERN_ACTION_FLAGS) > 0;
  if ((*folder)->uidvalidity == 0)
    {
      if (!first_sync (self, folder, &settled, error))
        return FALSE;
    }
  /* One SELECT per folder and sync where the first one said everything. */
  ok = settled || _tern_sync_resync (self, *folder, force_select, error);
  /* The handler keeps the (copied) folder while it stays selected: flag changes that
   * arrive during IDLE are stored at once. */
  self->fetch_mode = FETCH_NONE;
  if (ok)
    self->stats.folders_synced++;
  return ok;
}

gboolean
_tern_sync_sync_one (TernSync    *self,
                     TernFolder **folder,
                     GError     **error)
{
  return sync_folder (self, folder, FALSE, error);
}

/* A cached folder resynchronised before LIST (so without a STATUS answer to skip it by):
 * selected at once. */
gboolean
_tern_sync_resync_first (TernSync    *self,
                         TernFolder  *folder,
                         GError     **error)
{
  TernFolder *selected = folder;

  if (!sync_folder (self, &selected, TRUE, error))
    return FALSE;
  _tern_sync_emit_change (self, TERN_SYNC_CHANGE_COMMITTED, folder->id, folder->display_name, 0, 0, NULL, NULL);
  return TRUE;
}

gboolean
tern_sync_folder (TernSync    *self,
                  const char  *name,
                  GError     **error)
{
  g_autoptr(TernFolder) folder = tern_store_get_folder (self->store, self->account->id, name, error);

  if (folder == NULL)
    {
      if (error != NULL && g_error_matches (*error, TERN_STORE_ERROR, TERN_STORE_ERROR_NOT_FOUND))
        {
          g_clear_error (error);
          g_set_error (error, TERN_SYNC_ERROR, TERN_SYNC_ERROR_NO_SUCH_FOLDER,
                       "No folder “%s” in %s", name, self->account->name);
        }
      return FALSE;
    }
  if (!tern_sync_connect (self, error))
    return FALSE;
  return _tern_sync_sync_one (self, &folder, error);
}
