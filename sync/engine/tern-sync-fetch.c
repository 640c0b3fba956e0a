/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "tern-sync"

#include "config.h"

#include <string.h>

#include "tern-imap-commands.h"
#include "tern-imap-connection.h"
#include "tern-journal.h"
#include "tern-mime.h"
#include "tern-sync-private.h"

/* FETCH responses as they are parsed (headers, flags, body sections), what else the
 * responses carried, and the header fetches of a folder. */

/* Response harvesting. */

static void
store_fetch_error (TernSync *self,
                   GError   *error)
{
  if (self->fetch_error == NULL)
    self->fetch_error = error;
  else
    g_error_free (error);
}

static void
apply_flags (TernSync   *self,
             gint64      folder_id,
             const char *folder_name,
             guint32     uid,
             const char *flags,
             guint64     modseq)
{
  GError *error = NULL;
  gboolean changed = FALSE;

  g_autofree char *adjusted = NULL;

  if (flags == NULL || uid == 0)
    return;
  /* The user wins for the flags they changed and the server does not know yet. */
  if (self->pending_flags)
    flags = adjusted = tern_journal_apply_pending_flags (self->store, folder_id, uid, flags);
  if (!tern_store_update_flags (self->store, folder_id, uid, flags, modseq, &changed, &error))
    store_fetch_error (self, error);
  else if (changed)
    _tern_sync_emit_change (self, TERN_SYNC_CHANGE_FLAGS, folder_id, folder_name,
                            tern_store_find_uid (self->store, folder_id, uid), uid, flags, NULL);
}

static void
handle_headers (TernSync                *self,
                const TernImapFetchItem *item)
{
  g_autoptr(TernMessage) message = tern_imap_fetch_item_dup_message (item);
  GError *error = NULL;
  gint64 id = 0;

  if (message->uid == 0)
    return;
  if (self->fill_writer != NULL)
    {
      _tern_fill_writer_push (self->fill_writer, g_steal_pointer (&message));
      self->fetch_done++;
      self->stats.messages_fetched++;
      return;
    }
  if (!tern_store_upsert_message (self->store, self->fetch_folder_id, message, &id, &error))
    {
      store_fetch_error (self, error);
      return;
    }
  self->fetch_done++;
  self->stats.messages_fetched++;
  if (self->fetch_emit)
    _tern_sync_emit_change (self, TERN_SYNC_CHANGE_NEW, self->fetch_folder_id, self->fetch_folder_name, id, message->uid,
                            message->flags, message->subject);
  if (self->fetch_total > 0 && (self->fetch_done % 250 == 0 || self->fetch_done == self->fetch_total))
    _tern_sync_report_progress (self, self->fetch_folder_name, self->fetch_done, self->fetch_total);
}

static void
handle_reattach (TernSync                *self,
                 const TernImapFetchItem *item)
{
  g_autoptr(TernMessage) message = tern_imap_fetch_item_dup_message (item);
  GError *error = NULL;
  gboolean attached = FALSE;

  if (message->uid == 0)
    return;
  if (!tern_store_reattach_message (self->store, self->fetch_folder_id, message->uid,
                                    message->message_id, message->internaldate, message->size,
                                    message->flags, message->modseq, &attached, &error))
    {
      store_fetch_error (self, error);
      return;
    }
  if (attached)
    self->stats.reattached++;
  else
    g_array_append_val (self->fetch_unmatched, message->uid);
}

/* Called by the IMAP layer for each FETCH response as soon as it is parsed, so a large
 * response is stored message by message instead of being held whole. */
void
_tern_sync_fetch_cb (const TernImapFetchItem *item,
                     gpointer                 user_data)
{
  TernSync *self = user_data;

  if (self->fetch_mode == FETCH_SECTION && self->section_data != NULL)
    {
      if (tern_imap_fetch_item_get_uid (item) != self->section_uid)
        return;
      if (tern_imap_fetch_item_get_body_sections (item, self->section_data))
        {
          self->section_repeated |= self->section_seen;
          self->section_seen = TRUE;
        }
      return;
    }
  if (self->fetch_mode == FETCH_COLLECT && self->collected != NULL)
    {
      Collected c = { 0 };

      c.flags = tern_imap_fetch_item_dup_flags (item, &c.uid, &c.modseq);
      if (c.uid != 0)
        g_array_append_val (self->collected, c);
      else
        g_free (c.flags);
      return;
    }
  if (self->fetch_folder_id == 0)
    return;

  switch (self->fetch_mode)
    {
    case FETCH_HEADERS:
    case FETCH_REATTACH:
      /* An unsolicited FETCH (another client's flag change) can arrive in the middle of a
       * header fetch: it carries FLAGS (and perhaps UID), not a message to store. */
      if (tern_imap_fetch_item_has_envelope (item) &&
          tern_imap_fetch_item_get_uid (item) >= self->fetch_min_uid)
        {
          if (self->fetch_mode == FETCH_HEADERS)
            handle_headers (self, item);
          else
            handle_reattach (self, item);
          break;
        }
      G_GNUC_FALLTHROUGH;
    case FETCH_NONE:
    default:
      {
        guint32 uid = 0;
        guint64 modseq = 0;
        g_autofree char *flags = tern_imap_fetch_item_dup_flags (item, &uid, &modseq);

        apply_flags (self, self->fetch_folder_id, self->fetch_folder_name, uid, flags, modseq);
      }
      break;
    }
}

/* Flag updates, VANISHED and HIGHESTMODSEQ left in the response of the last command. */
void
_tern_sync_harvest_clear (Harvest *h)
{
  tern_imap_unsolicited_clear (h);
}

typedef struct
{
  TernSync   *self;
  TernFolder *folder;
} HarvestFetch;

static void
harvest_fetch_cb (const TernImapFetchItem *item,
                  gpointer                 user_data)
{
  HarvestFetch *hf = user_data;
  guint32 uid = 0;
  guint64 modseq = 0;
  g_autofree char *flags = tern_imap_fetch_item_dup_flags (item, &uid, &modseq);

  apply_flags (hf->self, hf->folder->id, hf->folder->display_name, uid, flags, modseq);
}

void
_tern_sync_harvest (TernSync   *self,
                    TernFolder *folder,
                    Harvest    *h)
{
  /* FETCH responses the handler did not see (it sees them all in libetpan 1.9.4, but an
   * older parser path keeps them with the command's responses). */
  if (self->fetch_mode == FETCH_NONE)
    {
      HarvestFetch hf = { self, folder };

      tern_imap_connection_foreach_fetch (self->conn, harvest_fetch_cb, &hf);
    }
  tern_imap_connection_collect_unsolicited (self->conn, h);
}

gboolean
_tern_sync_apply_vanished (TernSync    *self,
                           TernFolder  *folder,
                           Harvest     *h,
                           GError     **error)
{
  g_autoptr(GArray) cached = NULL;

  if (h->vanished == NULL || h->vanished->len == 0)
    return TRUE;

  /* Walk the cache, not the ranges: servers may report huge ranges of UIDs we never had. */
  cached = tern_store_list_uids (self->store, folder->id, error);
  if (cached == NULL)
    return FALSE;
  for (guint j = 0; j + 1 < h->vanished->len; j += 2)
    {
      guint32 first = g_array_index (h->vanished, guint32, j);
      guint32 last = g_array_index (h->vanished, guint32, j + 1);
      guint lo = 0, hi = cached->len;

      /* The first cached UID >= first, then every one up to last. */
      while (lo < hi)
        {
          guint mid = lo + (hi - lo) / 2;

          if (g_array_index (cached, guint32, mid) < first)
            lo = mid + 1;
          else
            hi = mid;
        }
      for (guint i = lo; i < cached->len && g_array_index (cached, guint32, i) <= last; i++)
        {
          guint32 uid = g_array_index (cached, guint32, i);
          gint64 id = tern_store_find_uid (self->store, folder->id, uid);

          if (!tern_store_expunge_uid (self->store, folder->id, uid, error))
            return FALSE;
          _tern_sync_emit_change (self, TERN_SYNC_CHANGE_EXPUNGED, folder->id, folder->display_name, id, uid,
                                  NULL, NULL);
        }
    }
  g_array_set_size (h->vanished, 0);
  return TRUE;
}

/* Commands. */

TernImapFetchAttrs
_tern_sync_flags_fetch_attrs (TernSync *self)
{
  return TERN_IMAP_FETCH_UID | TERN_IMAP_FETCH_FLAGS | (self->condstore ? TERN_IMAP_FETCH_MODSEQ : 0);
}

TernImapFetchAttrs
_tern_sync_header_fetch_attrs (TernSync *self)
{
  return _tern_sync_flags_fetch_attrs (self) | TERN_IMAP_FETCH_INTERNALDATE | TERN_IMAP_FETCH_SIZE |
         TERN_IMAP_FETCH_ENVELOPE | TERN_IMAP_FETCH_BODYSTRUCTURE | TERN_IMAP_FETCH_REFERENCES;
}

TernImapFetchAttrs
_tern_sync_reattach_fetch_attrs (TernSync *self)
{
  return _tern_sync_flags_fetch_attrs (self) | TERN_IMAP_FETCH_INTERNALDATE | TERN_IMAP_FETCH_SIZE |
         TERN_IMAP_FETCH_ENVELOPE;
}

int
_tern_sync_compare_uid (gconstpointer a,
                        gconstpointer b)
{
  guint32 ua = *(const guint32 *) a;
  guint32 ub = *(const guint32 *) b;

  return ua < ub ? -1 : ua > ub;
}

/* The UIDs first:last (last 0: "*"), sorted and without duplicates, by UID FETCH (UID) of a
 * set: what the server says it holds, message by message. */
GArray *
_tern_sync_fetch_uid_list (TernSync    *self,
                           const char  *uid_set,
                           guint32      first,
                           guint32      last,
                           GError     **error)
{
  GArray *uids;
  gboolean ok;

  _tern_sync_clear_collected (self);
  self->fetch_mode = FETCH_COLLECT;
  ok = tern_imap_connection_uid_fetch_set (self->conn, uid_set, TERN_IMAP_FETCH_UID, error);
  self->fetch_mode = FETCH_NONE;
  if (!ok)
    return NULL;

  uids = g_array_new (FALSE, FALSE, sizeof (guint32));
  for (guint i = 0; i < self->collected->len; i++)
    {
      guint32 uid = g_array_index (self->collected, Collected, i).uid;

      if (uid >= first && (last == 0 || uid <= last))
        g_array_append_val (uids, uid);
    }
  _tern_sync_clear_collected (self);
  g_array_sort (uids, _tern_sync_compare_uid);
  /* An unsolicited FETCH of a message in the range may repeat a UID. */
  for (guint i = 1; i < uids->len; i++)
    if (g_array_index (uids, guint32, i) == g_array_index (uids, guint32, i - 1))
      g_array_remove_index (uids, i--);
  return uids;
}

static GArray *
fetch_uid_range (TernSync  *self,
                 guint32    first,
                 guint32    last,
                 GError   **error)
{
  g_autofree char *set = last == 0 ? g_strdup_printf ("%u:*", first) : g_strdup_printf ("%u:%u", first, last);

  return _tern_sync_fetch_uid_list (self, set, first, last, error);
}

static gboolean
same_uids (GArray *a,
           GArray *b)
{
  /* An empty GArray has no data at all: memcmp must not see its NULL. */
  return a->len == b->len && (a->len == 0 || memcmp (a->data, b->data, a->len * sizeof (guint32)) == 0);
}

void
_tern_sync_distrust_uid_search (TernSync *self)
{
  g_autoptr(GError) error = NULL;

  if (self->uid_search_untrusted)
    return;
  g_message ("%s: UID SEARCH by UID gave a wrong answer; UIDs are listed by UID FETCH from now on",
             self->account->host);
  self->uid_search_untrusted = TRUE;
  if (!tern_store_set_server_trait (self->store, self->account->id, TERN_TRAIT_UID_SEARCH,
                                    "untrusted", &error))
    g_debug ("could not remember the server's trait: %s", error->message);
}

/* UID SEARCH UID first:last, sorted. last == 0 means "*". A server whose UID SEARCH was
 * caught wrong (see _tern_sync_confirm_uids()) is asked by UID FETCH (UID) instead. */
GArray *
_tern_sync_uid_search (TernSync  *self,
                       guint32    first,
                       guint32    last,
                       GError   **error)
{
  g_autoptr(GArray) found = NULL;
  GArray *uids;

  if (self->uid_search_untrusted)
    return fetch_uid_range (self, first, last, error);

  found = tern_imap_connection_uid_search_range (self->conn, first, last, error);
  if (found == NULL)
    return NULL;

  uids = g_array_new (FALSE, FALSE, sizeof (guint32));
  for (guint i = 0; i < found->len; i++)
    {
      guint32 uid = g_array_index (found, guint32, i);

      /* "n:*" matches the highest UID even below n: keep only the asked range. */
      if (uid >= first && (last == 0 || uid <= last))
        g_array_append_val (uids, uid);
    }
  g_array_sort (uids, _tern_sync_compare_uid);
  return uids;
}

/* *uids came from _tern_sync_uid_search (self, first, last): if `suspect`, the answer is
 * asked again a second way, by UID FETCH first:last (UID). When the two disagree the FETCH
 * is believed (it names each message) and the server is remembered as one whose UID SEARCH
 * cannot be trusted. TRUE when *uids (perhaps replaced) is confirmed. */
gboolean
_tern_sync_confirm_uids (TernSync  *self,
                         guint32    first,
                         guint32    last,
                         GArray   **uids,
                         GError   **error)
{
  g_autoptr(GArray) fetched = NULL;

  if (self->uid_search_untrusted)
    return TRUE;   /* it came from UID FETCH already */
  fetched = fetch_uid_range (self, first, last, error);
  if (fetched == NULL)
    return FALSE;
  if (!same_uids (fetched, *uids))
    {
      g_debug ("UID SEARCH %u:%u gave %u UIDs, UID FETCH %u", first, last, (*uids)->len, fetched->len);
      _tern_sync_distrust_uid_search (self);
      g_array_unref (*uids);
      *uids = g_steal_pointer (&fetched);
    }
  return TRUE;
}

/* A message whose FETCH response was too deep for the IMAP parser: its flags, then the
 * whole message (a literal, which the filter does not count), parsed with GMime. */
static gboolean
fetch_parsed_locally (TernSync    *self,
                      TernFolder  *folder,
                      guint32      uid,
                      GError     **error)
{
  g_autofree char *set = g_strdup_printf ("%u", uid);
  g_autofree char *flags = NULL;
  g_autoptr(GByteArray) data = NULL;
  g_autoptr(GBytes) raw = NULL;
  g_autoptr(TernMessage) message = NULL;
  g_autoptr(GError) local_error = NULL;
  guint64 modseq = 0;
  gint64 id = 0;
  gboolean ok;

  g_message ("%s: message %u is nested too deep for the IMAP parser; parsing it locally",
             folder->name, uid);
  if (!_tern_sync_collect_flags (self, set, error))
    return FALSE;
  for (guint i = 0; i < self->collected->len; i++)
    if (g_array_index (self->collected, Collected, i).uid == uid)
      {
        flags = g_strdup (g_array_index (self->collected, Collected, i).flags);
        modseq = g_array_index (self->collected, Collected, i).modseq;
      }
  _tern_sync_clear_collected (self);

  g_clear_pointer (&self->section_data, g_byte_array_unref);
  self->section_data = g_byte_array_new ();
  self->section_uid = uid;
  self->section_seen = FALSE;
  self->fetch_mode = FETCH_SECTION;
  ok = tern_imap_connection_uid_fetch_section (self->conn, uid, "", 0, 0, error);
  self->fetch_mode = FETCH_NONE;
  data = g_steal_pointer (&self->section_data);
  if (!ok)
    return FALSE;
  if (!self->section_seen)
    return TRUE;   /* expunged meanwhile */

  raw = g_byte_array_free_to_bytes (g_steal_pointer (&data));
  message = tern_mime_parse_message (raw, &local_error);
  if (message == NULL)
    {
      /* Kept out of the cache, like any message the server cannot describe. */
      g_message ("%s: message %u cannot be parsed: %s", folder->name, uid, local_error->message);
      return TRUE;
    }
  message->uid = uid;
  message->modseq = modseq;
  message->size = g_bytes_get_size (raw);
  g_free (message->flags);
  message->flags = g_strdup (flags != NULL ? flags : "");
  if (message->internaldate == 0)
    message->internaldate = message->date;

  if (self->fill_writer != NULL)
    {
      _tern_fill_writer_push (self->fill_writer, g_steal_pointer (&message));
      self->stats.messages_fetched++;
      return TRUE;
    }
  if (!tern_store_upsert_message (self->store, folder->id, message, &id, error))
    return FALSE;
  self->stats.messages_fetched++;
  if (self->fetch_emit)
    _tern_sync_emit_change (self, TERN_SYNC_CHANGE_NEW, folder->id, folder->display_name, id, uid,
                            message->flags, message->subject);
  return TRUE;
}

/* UID FETCH first:last with the handler in `mode`; no transaction handling. */
gboolean
_tern_sync_uid_fetch (TernSync            *self,
                      TernFolder          *folder,
                      FetchMode            mode,
                      guint32              first,
                      guint32              last,
                      TernImapFetchAttrs   attrs,
                      GError             **error)
{
  gboolean ok;

  g_autoptr(GArray) skipped = NULL;

  self->fetch_mode = mode;
  _tern_sync_set_fetch_folder (self, folder);
  ok = tern_imap_connection_uid_fetch (self->conn, first, last, attrs, error);
  self->fetch_mode = FETCH_NONE;
  if (!ok)
    return FALSE;
  if (self->fetch_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&self->fetch_error));
      return FALSE;
    }
  if (mode != FETCH_HEADERS)
    {
      skipped = tern_imap_connection_take_skipped_uids (self->conn);
      return TRUE;
    }
  return _tern_sync_fetch_skipped (self, folder, first, last, error);
}

/* Responses too deep for the IMAP parser were skipped: those messages (UIDs first to last,
 * 0 for "*") come whole and are parsed with GMime instead. */
gboolean
_tern_sync_fetch_skipped (TernSync    *self,
                          TernFolder  *folder,
                          guint32      first,
                          guint32      last,
                          GError     **error)
{
  g_autoptr(GArray) skipped = tern_imap_connection_take_skipped_uids (self->conn);

  for (guint i = 0; skipped != NULL && i < skipped->len; i++)
    {
      guint32 uid = g_array_index (skipped, guint32, i);

      if (uid >= first && (last == 0 || uid <= last) && !fetch_parsed_locally (self, folder, uid, error))
        return FALSE;
    }
  return TRUE;
}

/* Fetches headers of the given UIDs (sorted ascending) newest first, one transaction a
 * chunk. With `fill`, each chunk also records how far down the first sync has come. */
/* A first sync's batches: parsed here, stored by the fill writer. */
#define FIRST_FILL_BATCH 250

static gboolean
fetch_fill (TernSync    *self,
            TernFolder  *folder,
            GArray      *uids,
            GError     **error)
{
  g_autoptr(GError) local_error = NULL;
  guint done = 0;
  gboolean ok = TRUE;

  self->fill_writer = _tern_fill_writer_new (tern_store_get_path (self->store), folder, error);
  if (self->fill_writer == NULL)
    return FALSE;

  self->fetch_emit = FALSE;
  self->fetch_done = 0;
  self->fetch_total = uids->len;

  /* A folder of more than one batch: the first is small, so that its rows (the newest, what
   * the list shows) come after a few hundred headers, not a whole batch's (100,000
   * messages, a server that never served them: ~2,500 headers took ~0.4 s; #13). One more
   * round trip in forty. */
  for (gint i = (gint) uids->len - 1, size = uids->len > self->chunk ? (gint) MIN (FIRST_FILL_BATCH, self->chunk)
                                                                      : (gint) self->chunk;
       i >= 0 && ok; i -= size, size = (gint) self->chunk)
    {
      gint lo_index = MAX (0, i - size + 1);
      guint32 lo = g_array_index (uids, guint32, lo_index);
      guint32 hi = g_array_index (uids, guint32, i);

      ok = _tern_sync_uid_fetch (self, folder, FETCH_HEADERS, lo, hi, _tern_sync_header_fetch_attrs (self), &local_error) &&
           _tern_fill_writer_end_chunk (self->fill_writer, lo, &local_error);
      if (ok)
        {
          done += (guint) (i - lo_index + 1);
          _tern_sync_report_progress (self, folder->display_name, done, uids->len);
          /* The list shows rows as they come, not when the whole folder is in. */
          if (self->stored_func != NULL)
            self->stored_func (folder->id, self->stored_data);
        }
    }

  /* A writer failure (disk full) is the error to report, even if the FETCH failed too. */
  if (!_tern_fill_writer_finish (g_steal_pointer (&self->fill_writer), error))
    return FALSE;
  /* Every batch is committed now: the last rows too. */
  if (done > 0 && self->stored_func != NULL)
    self->stored_func (folder->id, self->stored_data);
  if (!ok)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  return TRUE;
}

/* Fetches headers of the given UIDs (sorted ascending) newest first, one transaction a
 * chunk. With `fill`, each chunk also records how far down the first sync has come. */
gboolean
_tern_sync_fetch_headers (TernSync    *self,
                          TernFolder  *folder,
                          GArray      *uids,
                          gboolean     fill,
                          gboolean     emit,
                          GError     **error)
{
  guint done_before;
  gint i;

  if (uids->len == 0)
    return TRUE;
  if (fill)
    return fetch_fill (self, folder, uids, error);

  self->fetch_emit = emit;
  self->fetch_done = 0;
  self->fetch_total = uids->len;
  done_before = 0;

  for (i = (gint) uids->len - 1; i >= 0; i -= (gint) self->chunk)
    {
      gint lo_index = MAX (0, i - (gint) self->chunk + 1);
      guint32 lo = g_array_index (uids, guint32, lo_index);
      guint32 hi = g_array_index (uids, guint32, i);

      if (!tern_store_begin (self->store, error))
        return FALSE;
      if (!_tern_sync_uid_fetch (self, folder, FETCH_HEADERS, lo, hi, _tern_sync_header_fetch_attrs (self), error) ||
          !tern_store_commit (self->store, error))
        {
          tern_store_rollback (self->store);
          return FALSE;
        }
      done_before += (guint) (i - lo_index + 1);
      self->fetch_done = done_before;
      _tern_sync_report_progress (self, folder->display_name, done_before, uids->len);
    }
  return TRUE;
}
