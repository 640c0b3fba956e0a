/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "tern-sync"

#include "config.h"

#include <gmime/gmime.h>
#include <string.h>

#include "tern-fill-writer.h"
#include "tern-imap-connection.h"
#include "tern-imap-convert.h"
#include "tern-journal.h"
#include "tern-password.h"
#include "tern-sync-private.h"

/*
 * How a folder is kept in step (RFC 4549 section 4, RFC 7162):
 *
 * First sync: SELECT, remember UIDVALIDITY/UIDNEXT/HIGHESTMODSEQ as the "fill" snapshot,
 * UID SEARCH the UIDs below it, then fetch headers newest first in chunks; each chunk is
 * one transaction that also lowers fill_low. A killed process resumes at fill_low. When the
 * fill reaches the bottom the snapshot becomes the committed state, and an ordinary resync
 * from it picks up whatever changed while the fill ran.
 *
 * Resync: the committed state (uidvalidity, uidnext, highestmodseq, exists) describes only
 * what is in the cache, and is written last. With CONDSTORE a STATUS answers "unchanged" in
 * one round trip; otherwise SELECT (QRESYNC) returns VANISHED and changed flags, new UIDs
 * are fetched, and if the cached count then disagrees with EXISTS a full UID comparison
 * repairs it. Without CONDSTORE: UIDNEXT/EXISTS decide whether to fetch or compare, and
 * flags are re-read for a recent window (all of them now and then).
 */

#define DEFAULT_CHUNK        2500
#define FLAG_WINDOW          500
#define FULL_SWEEP_BELOW     2000
#define FULL_SWEEP_INTERVAL  3600
#define IDLE_REISSUE_MS      (20 * 60 * 1000)
#define MAX_ATTEMPTS         3

static char *
copy_or_null (const char *s)
{
  return s ? g_strdup (s) : NULL;
}

static TernAccount *
account_copy (const TernAccount *a)
{
  TernAccount *c = g_new0 (TernAccount, 1);

  c->id = a->id;
  c->name = copy_or_null (a->name);
  c->email = copy_or_null (a->email);
  c->host = copy_or_null (a->host);
  c->port = a->port;
  c->security = copy_or_null (a->security);
  c->user = copy_or_null (a->user);
  c->password_command = copy_or_null (a->password_command);
  c->ca_file = copy_or_null (a->ca_file);
  c->pinned_sha256 = copy_or_null (a->pinned_sha256);
  c->delete_mode = copy_or_null (a->delete_mode);
  return c;
}

void
tern_sync_global_init (void)
{
  static gsize done = 0;

  /* libetpan's globals must be set before any worker starts. */
  if (g_once_init_enter (&done))
    {
      /* GMime keeps global tables: set up once, before any worker parses MIME. */
      g_mime_init ();
      mailstream_network_delay.tv_sec = 30;
      mailstream_network_delay.tv_usec = 0;
      g_once_init_leave (&done, 1);
    }
}

TernSync *
tern_sync_new (TernStore         *store,
               const TernAccount *account)
{
  TernSync *self;

  g_return_val_if_fail (store != NULL, NULL);
  g_return_val_if_fail (account != NULL, NULL);

  tern_sync_global_init ();

  self = g_new0 (TernSync, 1);
  self->store = store;
  self->account = account_copy (account);
  self->timeout = 30;
  self->chunk = DEFAULT_CHUNK;
  g_mutex_init (&self->lock);
  return self;
}

void
tern_sync_free (TernSync *self)
{
  if (self == NULL)
    return;
  tern_sync_disconnect (self);
  g_mutex_clear (&self->lock);
  tern_account_free (self->account);
  if (self->password != NULL)
    {
      memset (self->password, 0, strlen (self->password));
      g_free (self->password);
    }
  g_free (self->selected);
  g_free (self->fetch_folder_name);
  g_free (self->refused_sha256);
  g_free (self->refused_description);
  g_clear_error (&self->fetch_error);
  g_clear_pointer (&self->collected, g_array_unref);
  g_clear_pointer (&self->section_data, g_byte_array_unref);
  g_free (self);
}

void
tern_sync_set_password (TernSync   *self,
                        const char *password)
{
  g_free (self->password);
  self->password = g_strdup (password);
}

void
tern_sync_set_timeout (TernSync *self,
                       guint     seconds)
{
  self->timeout = seconds;
}

void
tern_sync_set_chunk_size (TernSync *self,
                          guint     chunk)
{
  self->chunk = MAX (chunk, 1);
}

void
tern_sync_set_progress_func (TernSync             *self,
                             TernSyncProgressFunc  func,
                             gpointer              user_data)
{
  self->progress_func = func;
  self->progress_data = user_data;
}

void
tern_sync_set_change_func (TernSync           *self,
                           TernSyncChangeFunc  func,
                           gpointer            user_data)
{
  self->change_func = func;
  self->change_data = user_data;
}

void
tern_sync_get_stats (TernSync      *self,
                     TernSyncStats *stats)
{
  *stats = self->stats;
  if (self->conn != NULL)
    {
      stats->bytes_read += tern_imap_connection_get_bytes_read (self->conn);
      stats->bytes_written += tern_imap_connection_get_bytes_written (self->conn);
      stats->round_trips += tern_imap_connection_get_round_trips (self->conn);
    }
}

void
tern_sync_cancel (TernSync *self)
{
  g_mutex_lock (&self->lock);
  self->cancelled = TRUE;
  if (self->conn != NULL)
    tern_imap_connection_cancel (self->conn);
  g_mutex_unlock (&self->lock);
}

char *
tern_sync_dup_refused_sha256 (TernSync *self)
{
  return g_strdup (self->refused_sha256);
}

char *
tern_sync_dup_refused_description (TernSync *self)
{
  return g_strdup (self->refused_description);
}

static void
emit_change (TernSync           *self,
             TernSyncChangeKind  kind,
             const char         *folder,
             gint64              message_id,
             guint32             uid,
             const char         *flags,
             const char         *subject)
{
  TernSyncChange change = { kind, folder, NULL, message_id, uid, flags, subject };

  if (self->change_func != NULL)
    self->change_func (&change, self->change_data);
}

static void
report_progress (TernSync   *self,
                 const char *folder,
                 guint       done,
                 guint       total)
{
  if (self->progress_func != NULL)
    self->progress_func (folder, done, total, self->progress_data);
}

/* Connection. */

static TernImapSecurity
parse_security (const char *security)
{
  if (g_strcmp0 (security, "starttls") == 0)
    return TERN_IMAP_SECURITY_STARTTLS;
  if (g_strcmp0 (security, "none") == 0)
    return TERN_IMAP_SECURITY_NONE;
  return TERN_IMAP_SECURITY_TLS;
}

static void msg_att_cb (struct mailimap_msg_att *msg_att,
                        void                    *context);

static void
items_progress_cb (size_t  current,
                   size_t  maximum,
                   void   *context)
{
}

gboolean
tern_sync_is_connected (TernSync *self)
{
  return self->conn != NULL;
}

void
tern_sync_disconnect (TernSync *self)
{
  TernImapConnection *conn;

  g_mutex_lock (&self->lock);
  conn = g_steal_pointer (&self->conn);
  g_mutex_unlock (&self->lock);

  if (conn == NULL)
    return;
  self->stats.bytes_read += tern_imap_connection_get_bytes_read (conn);
  self->stats.bytes_written += tern_imap_connection_get_bytes_written (conn);
  self->stats.round_trips += tern_imap_connection_get_round_trips (conn);
  tern_imap_connection_close (conn);
  tern_imap_connection_free (conn);
  _tern_sync_clear_selected (self);
}

gboolean
tern_sync_connect (TernSync  *self,
                   GError   **error)
{
  TernImapSettings settings = {
    .host = self->account->host,
    .port = (guint16) self->account->port,
    .security = parse_security (self->account->security),
    .user = self->account->user,
    .ca_file = self->account->ca_file,
    .pinned_sha256 = self->account->pinned_sha256,
    .timeout_seconds = self->timeout,
  };
  TernImapConnection *conn;

  if (self->conn != NULL)
    return TRUE;

  conn = tern_imap_connection_new (&settings);
  g_mutex_lock (&self->lock);
  if (self->cancelled)
    {
      g_mutex_unlock (&self->lock);
      tern_imap_connection_free (conn);
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_CANCELLED, "Cancelled");
      return FALSE;
    }
  self->conn = conn;
  g_mutex_unlock (&self->lock);

  if (!tern_imap_connection_connect (conn, error))
    {
      if (error != NULL && g_error_matches (*error, TERN_SYNC_ERROR, TERN_SYNC_ERROR_CERTIFICATE))
        {
          g_free (self->refused_sha256);
          g_free (self->refused_description);
          self->refused_sha256 = tern_imap_connection_dup_peer_sha256 (conn);
          self->refused_description = tern_imap_connection_dup_peer_description (conn);
        }
      goto fail;
    }

  if (self->password == NULL && settings.security != TERN_IMAP_SECURITY_NONE)
    {
      self->password = tern_password_lookup (self->account, error);
      if (self->password == NULL)
        goto fail;
    }
  if (!tern_imap_connection_login (conn, self->password ? self->password : "", error))
    goto fail;

  self->qresync = tern_imap_connection_has_capability (conn, "QRESYNC");
  self->condstore = self->qresync || tern_imap_connection_has_capability (conn, "CONDSTORE");
  /* libetpan calls the per-message handler only while a progress callback is set. */
  mailimap_set_progress_callback (tern_imap_connection_get_session (conn), NULL, items_progress_cb, self);
  mailimap_set_msg_att_handler (tern_imap_connection_get_session (conn), msg_att_cb, self);
  return TRUE;

fail:
  tern_sync_disconnect (self);
  return FALSE;
}

static mailimap *
session (TernSync *self)
{
  return tern_imap_connection_get_session (self->conn);
}

static gboolean
check (TernSync    *self,
       int          r,
       const char  *what,
       GError     **error)
{
  return tern_imap_connection_check (self->conn, r, what, error);
}

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
    emit_change (self, TERN_SYNC_CHANGE_FLAGS, folder_name, 0, uid, flags, NULL);
}

static void
handle_headers (TernSync                *self,
                struct mailimap_msg_att *msg_att)
{
  g_autoptr(TernMessage) message = _tern_message_from_msg_att (msg_att);
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
    emit_change (self, TERN_SYNC_CHANGE_NEW, self->fetch_folder_name, id, message->uid,
                 message->flags, message->subject);
  if (self->fetch_total > 0 && (self->fetch_done % 250 == 0 || self->fetch_done == self->fetch_total))
    report_progress (self, self->fetch_folder_name, self->fetch_done, self->fetch_total);
}

static void
handle_reattach (TernSync                *self,
                 struct mailimap_msg_att *msg_att)
{
  g_autoptr(TernMessage) message = _tern_message_from_msg_att (msg_att);
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

/* Called by libetpan for each FETCH response as soon as it is parsed, so a large
 * response is stored message by message instead of being held whole. */
static void
msg_att_cb (struct mailimap_msg_att *msg_att,
            void                    *context)
{
  TernSync *self = context;

  if (self->fetch_mode == FETCH_SECTION && self->section_data != NULL)
    {
      guint32 uid = 0;

      for (clistiter *it = clist_begin (msg_att->att_list); it != NULL; it = clist_next (it))
        {
          struct mailimap_msg_att_item *item = clist_content (it);

          if (item->att_type == MAILIMAP_MSG_ATT_ITEM_STATIC &&
              item->att_data.att_static->att_type == MAILIMAP_MSG_ATT_UID)
            uid = item->att_data.att_static->att_data.att_uid;
        }
      if (uid != self->section_uid)
        return;
      for (clistiter *it = clist_begin (msg_att->att_list); it != NULL; it = clist_next (it))
        {
          struct mailimap_msg_att_item *item = clist_content (it);
          struct mailimap_msg_att_body_section *section;

          if (item->att_type != MAILIMAP_MSG_ATT_ITEM_STATIC ||
              item->att_data.att_static->att_type != MAILIMAP_MSG_ATT_BODY_SECTION)
            continue;
          section = item->att_data.att_static->att_data.att_body_section;
          self->section_seen = TRUE;
          if (section != NULL && section->sec_body_part != NULL)
            g_byte_array_append (self->section_data, (const guint8 *) section->sec_body_part,
                                 (guint) section->sec_length);
        }
      return;
    }
  if (self->fetch_mode == FETCH_COLLECT && self->collected != NULL)
    {
      Collected c = { 0 };

      c.flags = _tern_flags_from_msg_att (msg_att, &c.uid, &c.modseq);
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
      handle_headers (self, msg_att);
      break;
    case FETCH_REATTACH:
      handle_reattach (self, msg_att);
      break;
    case FETCH_NONE:
    default:
      {
        guint32 uid = 0;
        guint64 modseq = 0;
        g_autofree char *flags = _tern_flags_from_msg_att (msg_att, &uid, &modseq);

        apply_flags (self, self->fetch_folder_id, self->fetch_folder_name, uid, flags, modseq);
      }
      break;
    }
}

/* Flag updates, VANISHED and HIGHESTMODSEQ left in the response of the last command. */
typedef struct
{
  GArray  *vanished;       /* set items as pairs of guint32 */
  guint64  highestmodseq;
  gboolean nomodseq;
} Harvest;

static void
harvest_clear (Harvest *h)
{
  g_clear_pointer (&h->vanished, g_array_unref);
}

static void
harvest (TernSync   *self,
         TernFolder *folder,
         Harvest    *h)
{
  struct mailimap_response_info *info = session (self)->imap_response_info;

  if (info == NULL)
    return;

  /* FETCH responses the handler did not see (it sees them all in 1.9.4, but an older
   * parser path keeps them in the list). */
  if (info->rsp_fetch_list != NULL && self->fetch_mode == FETCH_NONE)
    for (clistiter *it = clist_begin (info->rsp_fetch_list); it != NULL; it = clist_next (it))
      {
        guint32 uid = 0;
        guint64 modseq = 0;
        g_autofree char *flags = _tern_flags_from_msg_att (clist_content (it), &uid, &modseq);

        apply_flags (self, folder->id, folder->display_name, uid, flags, modseq);
      }

  if (info->rsp_extension_list == NULL)
    return;
  for (clistiter *it = clist_begin (info->rsp_extension_list); it != NULL; it = clist_next (it))
    {
      struct mailimap_extension_data *ext = clist_content (it);

      if (ext->ext_extension == &mailimap_extension_qresync &&
          ext->ext_type == MAILIMAP_QRESYNC_TYPE_VANISHED && ext->ext_data != NULL)
        {
          struct mailimap_qresync_vanished *v = ext->ext_data;

          if (v->qr_known_uids == NULL)
            continue;
          if (h->vanished == NULL)
            h->vanished = g_array_new (FALSE, FALSE, sizeof (guint32));
          for (clistiter *s = clist_begin (v->qr_known_uids->set_list); s != NULL; s = clist_next (s))
            {
              struct mailimap_set_item *item = clist_content (s);
              guint32 first = MIN (item->set_first, item->set_last);
              guint32 last = MAX (item->set_first, item->set_last);

              if (first == 0)
                first = last;
              if (last == 0)
                last = G_MAXUINT32;
              g_array_append_val (h->vanished, first);
              g_array_append_val (h->vanished, last);
            }
        }
      else if (ext->ext_extension == &mailimap_extension_condstore &&
               ext->ext_type == MAILIMAP_CONDSTORE_TYPE_RESP_TEXT_CODE && ext->ext_data != NULL)
        {
          struct mailimap_condstore_resptextcode *code = ext->ext_data;

          if (code->cs_type == MAILIMAP_CONDSTORE_RESPTEXTCODE_HIGHESTMODSEQ)
            h->highestmodseq = code->cs_data.cs_modseq_value;
          else if (code->cs_type == MAILIMAP_CONDSTORE_RESPTEXTCODE_NOMODSEQ)
            h->nomodseq = TRUE;
        }
    }
}

static gboolean
apply_vanished (TernSync    *self,
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

          if (!tern_store_expunge_uid (self->store, folder->id, uid, error))
            return FALSE;
          emit_change (self, TERN_SYNC_CHANGE_EXPUNGED, folder->display_name, 0, uid, NULL, NULL);
        }
    }
  g_array_set_size (h->vanished, 0);
  return TRUE;
}

/* Commands. */

static struct mailimap_fetch_type *
header_fetch_type (TernSync *self)
{
  struct mailimap_fetch_type *ft = mailimap_fetch_type_new_fetch_att_list_empty ();
  clist *headers = clist_new ();
  struct mailimap_section *section;

  clist_append (headers, strdup ("References"));
  section = mailimap_section_new_header_fields (mailimap_header_list_new (headers));

  mailimap_fetch_type_new_fetch_att_list_add (ft, mailimap_fetch_att_new_uid ());
  mailimap_fetch_type_new_fetch_att_list_add (ft, mailimap_fetch_att_new_flags ());
  mailimap_fetch_type_new_fetch_att_list_add (ft, mailimap_fetch_att_new_internaldate ());
  mailimap_fetch_type_new_fetch_att_list_add (ft, mailimap_fetch_att_new_rfc822_size ());
  mailimap_fetch_type_new_fetch_att_list_add (ft, mailimap_fetch_att_new_envelope ());
  mailimap_fetch_type_new_fetch_att_list_add (ft, mailimap_fetch_att_new_bodystructure ());
  mailimap_fetch_type_new_fetch_att_list_add (ft, mailimap_fetch_att_new_body_peek_section (section));
  if (self->condstore)
    mailimap_fetch_type_new_fetch_att_list_add (ft, mailimap_fetch_att_new_modseq ());
  return ft;
}

static struct mailimap_fetch_type *
flags_fetch_type (TernSync *self)
{
  struct mailimap_fetch_type *ft = mailimap_fetch_type_new_fetch_att_list_empty ();

  mailimap_fetch_type_new_fetch_att_list_add (ft, mailimap_fetch_att_new_uid ());
  mailimap_fetch_type_new_fetch_att_list_add (ft, mailimap_fetch_att_new_flags ());
  if (self->condstore)
    mailimap_fetch_type_new_fetch_att_list_add (ft, mailimap_fetch_att_new_modseq ());
  return ft;
}

static struct mailimap_fetch_type *
reattach_fetch_type (TernSync *self)
{
  struct mailimap_fetch_type *ft = flags_fetch_type (self);

  mailimap_fetch_type_new_fetch_att_list_add (ft, mailimap_fetch_att_new_internaldate ());
  mailimap_fetch_type_new_fetch_att_list_add (ft, mailimap_fetch_att_new_rfc822_size ());
  mailimap_fetch_type_new_fetch_att_list_add (ft, mailimap_fetch_att_new_envelope ());
  return ft;
}

static int
compare_uid (gconstpointer a,
             gconstpointer b)
{
  guint32 ua = *(const guint32 *) a;
  guint32 ub = *(const guint32 *) b;

  return ua < ub ? -1 : ua > ub;
}

/* UID SEARCH UID first:last, sorted. last == 0 means "*". */
static GArray *
uid_search (TernSync  *self,
            guint32    first,
            guint32    last,
            GError   **error)
{
  struct mailimap_search_key *key;
  clist *result = NULL;
  GArray *uids;
  int r;

  key = mailimap_search_key_new_uid (mailimap_set_new_interval (first, last));
  r = mailimap_uid_search (session (self), NULL, key, &result);
  mailimap_search_key_free (key);
  if (!check (self, r, "UID SEARCH", error))
    return NULL;

  uids = g_array_new (FALSE, FALSE, sizeof (guint32));
  for (clistiter *it = clist_begin (result); it != NULL; it = clist_next (it))
    {
      guint32 uid = *(uint32_t *) clist_content (it);

      /* "n:*" matches the highest UID even below n: keep only the asked range. */
      if (uid >= first && (last == 0 || uid <= last))
        g_array_append_val (uids, uid);
    }
  mailimap_search_result_free (result);
  g_array_sort (uids, compare_uid);
  return uids;
}

/* UID FETCH first:last with the handler in `mode`; no transaction handling. */
static gboolean
uid_fetch (TernSync                   *self,
           TernFolder                 *folder,
           FetchMode                   mode,
           guint32                     first,
           guint32                     last,
           struct mailimap_fetch_type *ft,
           GError                    **error)
{
  struct mailimap_set *set = mailimap_set_new_interval (first, last);
  clist *result = NULL;
  int r;

  self->fetch_mode = mode;
  _tern_sync_set_fetch_folder (self, folder);
  r = mailimap_uid_fetch (session (self), set, ft, &result);
  self->fetch_mode = FETCH_NONE;
  mailimap_set_free (set);
  mailimap_fetch_type_free (ft);

  /* The handler consumed the responses; anything left is freed here. */
  if (result != NULL && mode != FETCH_NONE)
    {
      mailimap_fetch_list_free (result);
      result = NULL;
    }
  if (result != NULL)
    mailimap_fetch_list_free (result);

  if (r == MAILIMAP_ERROR_FETCH && clist_count (session (self)->imap_response_info->rsp_fetch_list) == 0)
    r = MAILIMAP_NO_ERROR; /* an empty result is not an error */
  if (!check (self, r, "UID FETCH", error))
    return FALSE;
  if (self->fetch_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&self->fetch_error));
      return FALSE;
    }
  return TRUE;
}

/* Fetches headers of the given UIDs (sorted ascending) newest first, one transaction a
 * chunk. With `fill`, each chunk also records how far down the first sync has come. */
/* A first sync's batches: parsed here, stored by the fill writer. */
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

  for (gint i = (gint) uids->len - 1; i >= 0 && ok; i -= (gint) self->chunk)
    {
      gint lo_index = MAX (0, i - (gint) self->chunk + 1);
      guint32 lo = g_array_index (uids, guint32, lo_index);
      guint32 hi = g_array_index (uids, guint32, i);

      ok = uid_fetch (self, folder, FETCH_HEADERS, lo, hi, header_fetch_type (self), &local_error) &&
           _tern_fill_writer_end_chunk (self->fill_writer, lo, &local_error);
      if (ok)
        {
          done += (guint) (i - lo_index + 1);
          report_progress (self, folder->display_name, done, uids->len);
        }
    }

  /* A writer failure (disk full) is the error to report, even if the FETCH failed too. */
  if (!_tern_fill_writer_finish (g_steal_pointer (&self->fill_writer), error))
    return FALSE;
  if (!ok)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  return TRUE;
}

/* Fetches headers of the given UIDs (sorted ascending) newest first, one transaction a
 * chunk. With `fill`, each chunk also records how far down the first sync has come. */
static gboolean
fetch_headers (TernSync    *self,
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
      if (!uid_fetch (self, folder, FETCH_HEADERS, lo, hi, header_fetch_type (self), error) ||
          !tern_store_commit (self->store, error))
        {
          tern_store_rollback (self->store);
          return FALSE;
        }
      done_before += (guint) (i - lo_index + 1);
      self->fetch_done = done_before;
      report_progress (self, folder->display_name, done_before, uids->len);
    }
  return TRUE;
}

typedef struct
{
  guint32  uidvalidity;
  guint32  uidnext;
  guint32  exists;
  guint64  highestmodseq;
} MailboxState;

static void
read_selection (TernSync     *self,
                MailboxState *state)
{
  struct mailimap_selection_info *sel = session (self)->imap_selection_info;

  if (sel == NULL)
    return;
  state->uidvalidity = sel->sel_uidvalidity;
  state->uidnext = sel->sel_uidnext;
  state->exists = sel->sel_exists;
}

static gboolean
select_folder (TernSync      *self,
               TernFolder    *folder,
               MailboxState  *state,
               Harvest       *h,
               GError       **error)
{
  int r;

  memset (state, 0, sizeof *state);
  _tern_sync_clear_selected (self);
  self->fetch_mode = FETCH_NONE;
  /* Set before the command: its response carries the folder's changes. */
  _tern_sync_set_fetch_folder (self, folder);

  if (self->qresync && folder->uidvalidity != 0 && folder->highestmodseq != 0)
    {
      g_autofree char *quoted = _tern_imap_quote (folder->name);
      g_autofree char *command = g_strdup_printf ("SELECT %s (QRESYNC (%u %" G_GUINT64_FORMAT "))",
                                                  quoted, folder->uidvalidity,
                                                  folder->highestmodseq);
      mailimap *s = session (self);

      /* libetpan's mailimap_select_qresync() drops the parentheses and the server then
       * ignores QRESYNC: send it raw, with fresh selection info for the parser to fill. */
      if (s->imap_selection_info != NULL)
        mailimap_selection_info_free (s->imap_selection_info);
      s->imap_selection_info = mailimap_selection_info_new ();
      if (!tern_imap_connection_raw_command (self->conn, command, error))
        {
          s->imap_state = MAILIMAP_STATE_AUTHENTICATED;
          return FALSE;
        }
      s->imap_state = MAILIMAP_STATE_SELECTED;
      harvest (self, folder, h);
      state->highestmodseq = h->highestmodseq;
    }
  else if (self->condstore)
    {
      uint64_t modseq = 0;

      r = mailimap_select_condstore (session (self), folder->name, &modseq);
      if (!check (self, r, "SELECT", error))
        return FALSE;
      harvest (self, folder, h);
      state->highestmodseq = modseq ? modseq : h->highestmodseq;
    }
  else
    {
      r = mailimap_select (session (self), folder->name);
      if (!check (self, r, "SELECT", error))
        return FALSE;
      harvest (self, folder, h);
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
  return TRUE;
}

/* STATUS for a folder that is not selected; FALSE on error. */
static gboolean
status_folder (TernSync      *self,
               TernFolder    *folder,
               MailboxState  *state,
               GError       **error)
{
  struct mailimap_status_att_list *atts = mailimap_status_att_list_new_empty ();
  struct mailimap_mailbox_data_status *status = NULL;
  int r;

  memset (state, 0, sizeof *state);
  mailimap_status_att_list_add (atts, MAILIMAP_STATUS_ATT_MESSAGES);
  mailimap_status_att_list_add (atts, MAILIMAP_STATUS_ATT_UIDNEXT);
  mailimap_status_att_list_add (atts, MAILIMAP_STATUS_ATT_UIDVALIDITY);
  if (self->condstore)
    mailimap_status_att_list_add (atts, MAILIMAP_STATUS_ATT_HIGHESTMODSEQ);
  r = mailimap_status (session (self), folder->name, atts, &status);
  mailimap_status_att_list_free (atts);
  if (!check (self, r, "STATUS", error))
    return FALSE;

  for (clistiter *it = clist_begin (status->st_info_list); it != NULL; it = clist_next (it))
    {
      struct mailimap_status_info *info = clist_content (it);

      /* libetpan files HIGHESTMODSEQ under an extension record. */
      if (info->st_ext_data != NULL && info->st_ext_data->ext_extension == &mailimap_extension_condstore &&
          info->st_ext_data->ext_data != NULL)
        {
          state->highestmodseq =
            ((struct mailimap_condstore_status_info *) info->st_ext_data->ext_data)->cs_highestmodseq_value;
          continue;
        }
      switch (info->st_att)
        {
        case MAILIMAP_STATUS_ATT_MESSAGES: state->exists = info->st_value; break;
        case MAILIMAP_STATUS_ATT_UIDNEXT: state->uidnext = info->st_value; break;
        case MAILIMAP_STATUS_ATT_UIDVALIDITY: state->uidvalidity = info->st_value; break;
        default: break;
        }
    }
  mailimap_mailbox_data_status_free (status);
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

/* Makes the cache hold exactly the server's UIDs: expunges what is gone, fetches what is missing. */
static gboolean
full_compare (TernSync    *self,
              TernFolder  *folder,
              gboolean     emit,
              GError     **error)
{
  g_autoptr(GArray) server = uid_search (self, 1, 0, error);
  g_autoptr(GArray) cached = NULL;
  g_autoptr(GArray) missing = NULL;

  if (server == NULL)
    return FALSE;
  self->stats.full_compares++;

  cached = tern_store_list_uids (self->store, folder->id, error);
  if (cached == NULL)
    return FALSE;
  if (!tern_store_begin (self->store, error))
    return FALSE;
  for (guint i = 0; i < cached->len; i++)
    {
      guint32 uid = g_array_index (cached, guint32, i);
      guint index;

      if (g_array_binary_search (server, &uid, compare_uid, &index))
        continue;
      if (!tern_store_expunge_uid (self->store, folder->id, uid, error))
        {
          tern_store_rollback (self->store);
          return FALSE;
        }
      emit_change (self, TERN_SYNC_CHANGE_EXPUNGED, folder->display_name, 0, uid, NULL, NULL);
    }
  if (!tern_store_commit (self->store, error))
    return FALSE;

  missing = g_array_new (FALSE, FALSE, sizeof (guint32));
  for (guint i = 0; i < server->len; i++)
    {
      guint32 uid = g_array_index (server, guint32, i);
      guint index;

      if (!g_array_binary_search (cached, &uid, compare_uid, &index))
        g_array_append_val (missing, uid);
    }
  return fetch_headers (self, folder, missing, FALSE, emit, error);
}

static gboolean
fetch_new (TernSync    *self,
           TernFolder  *folder,
           guint32      from_uid,
           gboolean     emit,
           GError     **error)
{
  g_autoptr(GArray) uids = uid_search (self, MAX (from_uid, 1), 0, error);

  if (uids == NULL)
    return FALSE;
  g_array_sort (uids, compare_uid);
  return fetch_headers (self, folder, uids, FALSE, emit, error);
}

static gboolean
count_matches (TernSync    *self,
               TernFolder  *folder,
               GError     **error)
{
  struct mailimap_selection_info *sel = session (self)->imap_selection_info;

  return sel != NULL && tern_store_count_uids (self->store, folder->id) == sel->sel_exists;
}

static gboolean
commit_state (TernSync      *self,
              TernFolder    *folder,
              MailboxState  *state,
              GError       **error)
{
  struct mailimap_selection_info *sel = session (self)->imap_selection_info;
  guint32 exists = sel ? sel->sel_exists : state->exists;

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

  uids = uid_search (self, 1, 0, error);
  if (uids == NULL)
    return FALSE;
  g_array_sort (uids, compare_uid);

  self->fetch_unmatched = unmatched;
  for (i = (gint) uids->len - 1; i >= 0; i -= (gint) self->chunk)
    {
      gint lo_index = MAX (0, i - (gint) self->chunk + 1);

      if (!tern_store_begin (self->store, error))
        goto fail;
      if (!uid_fetch (self, folder, FETCH_REATTACH, g_array_index (uids, guint32, lo_index),
                      g_array_index (uids, guint32, i), reattach_fetch_type (self), error) ||
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

  g_array_sort (unmatched, compare_uid);
  if (!fetch_headers (self, folder, unmatched, FALSE, FALSE, error))
    return FALSE;

  emit_change (self, TERN_SYNC_CHANGE_UIDVALIDITY, folder->display_name, 0, state->uidvalidity,
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
  if (!uid_fetch (self, folder, FETCH_NONE, from, g_array_index (cached, guint32, cached->len - 1),
                  flags_fetch_type (self), error) ||
      (full && !tern_store_set_folder_flags_swept (self->store, folder->id, now, error)) ||
      !tern_store_commit (self->store, error))
    {
      tern_store_rollback (self->store);
      return FALSE;
    }
  return TRUE;
}

static gboolean
first_sync (TernSync    *self,
            TernFolder **folder_p,
            GError     **error)
{
  TernFolder *folder = *folder_p;
  MailboxState state;
  Harvest h = { 0 };
  g_autoptr(GArray) uids = NULL;

  if (!select_folder (self, folder, &state, &h, error))
    return FALSE;
  harvest_clear (&h);

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
      uids = uid_search (self, 1, folder->fill_low - 1, error);
      if (uids == NULL)
        return FALSE;
      g_array_sort (uids, compare_uid);
      if (!fetch_headers (self, folder, uids, TRUE, FALSE, error))
        return FALSE;
    }

  /* The fill is complete: it stands for the server as it was when it started. */
  state.uidnext = folder->fill_uidnext;
  state.highestmodseq = folder->fill_modseq;
  if (!commit_state (self, folder, &state, error))
    return FALSE;
  return reload_folder (self, folder_p, error);
}

static gboolean
resync (TernSync    *self,
        TernFolder  *folder,
        gboolean     force_select,
        GError     **error)
{
  MailboxState state;
  Harvest h = { 0 };
  gboolean ok = FALSE;
  gboolean selected = g_strcmp0 (self->selected, folder->name) == 0;

  /* With CONDSTORE, STATUS tells an unchanged folder in one round trip. */
  if (self->condstore && !selected && !force_select)
    {
      MailboxState status;

      if (!status_folder (self, folder, &status, error))
        return FALSE;
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
    }

  if (!tern_store_begin (self->store, error))
    return FALSE;
  if (!select_folder (self, folder, &state, &h, error))
    goto out;

  if (state.uidvalidity != folder->uidvalidity)
    {
      tern_store_rollback (self->store);
      harvest_clear (&h);
      return uidvalidity_changed (self, folder, &state, error);
    }

  if (self->condstore && !self->qresync && folder->highestmodseq != 0 &&
      state.highestmodseq != folder->highestmodseq && folder->uidnext > 1)
    {
      /* CONDSTORE without QRESYNC: ask for what changed. */
      struct mailimap_set *set = mailimap_set_new_interval (1, folder->uidnext - 1);
      clist *result = NULL;
      int r;

      _tern_sync_set_fetch_folder (self, folder);
      self->fetch_mode = FETCH_NONE;
      r = mailimap_uid_fetch_changedsince (session (self), set, flags_fetch_type (self),
                                           folder->highestmodseq, &result);
      mailimap_set_free (set);
      if (result != NULL)
        mailimap_fetch_list_free (result);
      if (r == MAILIMAP_ERROR_FETCH)
        r = MAILIMAP_NO_ERROR;
      if (!check (self, r, "UID FETCH CHANGEDSINCE", error))
        goto out;
    }

  if (!apply_vanished (self, folder, &h, error))
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

  if (state.uidnext > folder->uidnext || state.uidnext == 0)
    if (!fetch_new (self, folder, folder->uidnext, TRUE, error))
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
  harvest (self, folder, &h);
  if (h.vanished != NULL && h.vanished->len > 0)
    {
      if (!tern_store_begin (self->store, error))
        goto out_nobegin;
      if (!apply_vanished (self, folder, &h, error) || !tern_store_commit (self->store, error))
        goto out;
    }

  if (state.uidnext == 0)
    state.uidnext = folder->uidnext;
  ok = commit_state (self, folder, &state, error);
  harvest_clear (&h);
  return ok;

out:
  tern_store_rollback (self->store);
out_nobegin:
  harvest_clear (&h);
  return FALSE;
}

static gboolean
sync_one (TernSync    *self,
          TernFolder **folder,
          GError     **error)
{
  gboolean ok;

  if (!(*folder)->selectable)
    return TRUE;

  g_clear_error (&self->fetch_error);
  self->pending_flags = tern_journal_count_queued (self->store, self->account->id, TERN_ACTION_FLAGS) > 0;
  if ((*folder)->uidvalidity == 0)
    {
      if (!first_sync (self, folder, error))
        return FALSE;
    }
  ok = resync (self, *folder, FALSE, error);
  /* The handler keeps the (copied) folder while it stays selected: flag changes that
   * arrive during IDLE are stored at once. */
  self->fetch_mode = FETCH_NONE;
  if (ok)
    self->stats.folders_synced++;
  return ok;
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
  return sync_one (self, &folder, error);
}

/* Folders. */

static const char *
special_use_from_flag (const char *flag)
{
  static const char * const uses[] = {
    "All", "Archive", "Drafts", "Flagged", "Junk", "Sent", "Trash", "Important",
  };

  for (guint i = 0; i < G_N_ELEMENTS (uses); i++)
    if (g_ascii_strcasecmp (flag, uses[i]) == 0)
      return uses[i];
  return NULL;
}

/* Servers without SPECIAL-USE (RFC 6154) still have their Sent, Drafts and Trash, by name:
 * where no folder of the account carries a role, the personal folder whose last name part is
 * a well-known name for it takes it (the names other clients create, in a few languages),
 * shallowest first, then in the order of the list. */
static void
guess_special_uses (GHashTable *listed)
{
  static const struct { const char *use; const char *names; } roles[] = {
    { "\\Sent", "Sent|Sent Items|Sent Messages|Sent Mail|Gesendet|Gesendete Objekte|Gesendete Elemente|"
                 "Envoy\xc3\xa9s|\xc3\x89l\xc3\xa9ments envoy\xc3\xa9s|Enviados|Elementos enviados|"
                 "Posta inviata|Inviati|Verzonden|Verzonden items" },
    { "\\Drafts", "Drafts|Draft|Entw\xc3\xbcrfe|Brouillons|Borradores|Bozze|Concepten" },
    { "\\Trash", "Trash|Deleted Items|Deleted Messages|Deleted|Bin|Papierkorb|Gel\xc3\xb6schte Elemente|"
                  "Corbeille|\xc3\x89l\xc3\xa9ments supprim\xc3\xa9s|Papelera|Cestino|Prullenbak" },
    { "\\Junk", "Junk|Spam|Junk E-mail|Junk Email|Bulk Mail|Courrier ind\xc3\xa9sirable|Spamverdacht" },
    { "\\Archive", "Archive|Archives|Archiv|Archief|Archivio" },
  };
  GHashTableIter iter;
  gpointer value;

  for (guint r = 0; r < G_N_ELEMENTS (roles); r++)
    {
      g_auto(GStrv) names = g_strsplit (roles[r].names, "|", -1);
      TernFolder *best = NULL;
      guint best_rank = G_MAXUINT;
      guint best_depth = G_MAXUINT;
      gboolean taken = FALSE;

      g_hash_table_iter_init (&iter, listed);
      while (g_hash_table_iter_next (&iter, NULL, &value) && !taken)
        taken = g_strcmp0 (((TernFolder *) value)->special_use, roles[r].use) == 0;
      if (taken)
        continue;

      g_hash_table_iter_init (&iter, listed);
      while (g_hash_table_iter_next (&iter, NULL, &value))
        {
          TernFolder *folder = value;
          const char *display = folder->display_name ? folder->display_name : folder->name;
          const char *leaf = display;
          guint depth = 0;

          if (folder->special_use != NULL || !folder->selectable ||
              g_strcmp0 (folder->namespace_kind, "personal") != 0)
            continue;
          if (folder->delimiter != NULL && *folder->delimiter != '\0')
            for (const char *p = strchr (display, *folder->delimiter); p != NULL;
                 p = strchr (p + 1, *folder->delimiter))
              {
                leaf = p + 1;
                depth++;
              }
          /* "INBOX.Sent" on servers whose folders all live under INBOX counts as top level. */
          if (depth > 0 && g_ascii_strncasecmp (display, "INBOX", 5) == 0 && display[5] == *folder->delimiter)
            depth--;
          for (guint n = 0; names[n] != NULL; n++)
            {
              g_autofree char *a = g_utf8_casefold (leaf, -1);
              g_autofree char *b = g_utf8_casefold (names[n], -1);

              if (strcmp (a, b) == 0 &&
                  (depth < best_depth || (depth == best_depth && n < best_rank) ||
                   (depth == best_depth && n == best_rank && strcmp (folder->name, best->name) < 0)))
                {
                  best = folder;
                  best_depth = depth;
                  best_rank = n;
                }
            }
        }
      if (best != NULL)
        best->special_use = g_strdup (roles[r].use);
    }
}

static const char *
namespace_of (const char *name,
              GPtrArray  *other,
              GPtrArray  *shared)
{
  for (guint i = 0; other && i < other->len; i++)
    if (*(char *) other->pdata[i] && g_str_has_prefix (name, other->pdata[i]))
      return "other";
  for (guint i = 0; shared && i < shared->len; i++)
    if (*(char *) shared->pdata[i] && g_str_has_prefix (name, shared->pdata[i]))
      return "shared";
  return "personal";
}

static void
collect_prefixes (struct mailimap_namespace_item *item,
                  GPtrArray                      *out)
{
  if (item == NULL || item->ns_data_list == NULL)
    return;
  for (clistiter *it = clist_begin (item->ns_data_list); it != NULL; it = clist_next (it))
    {
      struct mailimap_namespace_info *info = clist_content (it);

      g_ptr_array_add (out, g_strdup (info->ns_prefix));
    }
}

static TernFolder *
folder_from_list (TernSync                     *self,
                  struct mailimap_mailbox_list *mb,
                  GHashTable                   *subscribed,
                  GPtrArray                    *other,
                  GPtrArray                    *shared)
{
  TernFolder *folder = g_new0 (TernFolder, 1);
  g_autoptr(GString) attributes = g_string_new (NULL);
  gboolean selectable = TRUE;
  gboolean is_inbox = g_ascii_strcasecmp (mb->mb_name, "INBOX") == 0;

  folder->account_id = self->account->id;
  folder->name = g_strdup (is_inbox ? "INBOX" : mb->mb_name);
  folder->display_name = _tern_utf7_decode (folder->name);
  if (mb->mb_delimiter != '\0')
    folder->delimiter = g_strndup (&mb->mb_delimiter, 1);

  if (mb->mb_flag != NULL)
    {
      if (mb->mb_flag->mbf_type == MAILIMAP_MBX_LIST_FLAGS_SFLAG)
        {
          switch (mb->mb_flag->mbf_sflag)
            {
            case MAILIMAP_MBX_LIST_SFLAG_NOSELECT:
              selectable = FALSE;
              g_string_append (attributes, "\\Noselect ");
              break;
            case MAILIMAP_MBX_LIST_SFLAG_MARKED:
              g_string_append (attributes, "\\Marked ");
              break;
            case MAILIMAP_MBX_LIST_SFLAG_UNMARKED:
              g_string_append (attributes, "\\Unmarked ");
              break;
            default:
              break;
            }
        }
      for (clistiter *it = clist_begin (mb->mb_flag->mbf_oflags); it != NULL; it = clist_next (it))
        {
          struct mailimap_mbx_list_oflag *of = clist_content (it);
          const char *use;

          if (of->of_type == MAILIMAP_MBX_LIST_OFLAG_NOINFERIORS)
            {
              g_string_append (attributes, "\\Noinferiors ");
              continue;
            }
          if (of->of_flag_ext == NULL)
            continue;
          g_string_append_printf (attributes, "\\%s ", of->of_flag_ext);
          if (g_ascii_strcasecmp (of->of_flag_ext, "NonExistent") == 0 ||
              g_ascii_strcasecmp (of->of_flag_ext, "Noselect") == 0)
            selectable = FALSE;
          use = special_use_from_flag (of->of_flag_ext);
          if (use != NULL && folder->special_use == NULL)
            folder->special_use = g_strdup_printf ("\\%s", use);
        }
    }
  if (is_inbox)
    {
      g_free (folder->special_use);
      folder->special_use = g_strdup ("\\Inbox");
    }
  if (attributes->len > 0)
    g_string_truncate (attributes, attributes->len - 1);
  folder->attributes = g_strdup (attributes->str);
  folder->selectable = selectable;
  folder->subscribed = is_inbox || g_hash_table_contains (subscribed, folder->name);
  folder->namespace_kind = g_strdup (namespace_of (folder->name, other, shared));
  return folder;
}

/* MYRIGHTS sent raw: libetpan's mailimap_acl_myrights() refuses to run while a folder
 * is selected, and a worker nearly always has one selected. */
static char *
myrights (TernSync    *self,
          const char  *name,
          GError     **error)
{
  g_autofree char *quoted = _tern_imap_quote (name);
  g_autofree char *command = g_strdup_printf ("MYRIGHTS %s", quoted);
  struct mailimap_response_info *info;

  if (!tern_imap_connection_raw_command (self->conn, command, error))
    return NULL;
  info = session (self)->imap_response_info;
  for (clistiter *it = info ? clist_begin (info->rsp_extension_list) : NULL; it != NULL; it = clist_next (it))
    {
      struct mailimap_extension_data *ext = clist_content (it);

      if (ext->ext_extension->ext_id == MAILIMAP_EXTENSION_ACL &&
          ext->ext_type == MAILIMAP_ACL_TYPE_MYRIGHTS_DATA && ext->ext_data != NULL)
        return g_strdup (((struct mailimap_acl_myrights_data *) ext->ext_data)->rights);
    }
  g_set_error (error, TERN_SYNC_ERROR, TERN_SYNC_ERROR_PROTOCOL, "No MYRIGHTS data for %s", name);
  return NULL;
}

static gboolean
list_mailboxes (TernSync    *self,
                gboolean     lsub,
                clist      **result,
                GError     **error)
{
  int r = lsub ? mailimap_lsub (session (self), "", "*", result)
               : mailimap_list (session (self), "", "*", result);

  return check (self, r, lsub ? "LSUB" : "LIST", error);
}

gboolean
tern_sync_folders (TernSync  *self,
                   GError   **error)
{
  g_autoptr(GPtrArray) other = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) shared = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GHashTable) subscribed = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GHashTable) listed = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
                                                        (GDestroyNotify) tern_folder_free);
  g_autoptr(GPtrArray) cached = NULL;
  g_autoptr(GPtrArray) added = g_ptr_array_new ();
  g_autoptr(GPtrArray) gone = g_ptr_array_new ();
  clist *list = NULL;
  clist *lsub = NULL;
  GHashTableIter iter;
  gpointer value;

  if (!tern_sync_connect (self, error))
    return FALSE;

  if (!list_mailboxes (self, TRUE, &lsub, error))
    return FALSE;
  for (clistiter *it = clist_begin (lsub); it != NULL; it = clist_next (it))
    {
      struct mailimap_mailbox_list *mb = clist_content (it);

      g_hash_table_add (subscribed, g_strdup (mb->mb_name));
    }
  mailimap_list_result_free (lsub);

  if (!list_mailboxes (self, FALSE, &list, error))
    return FALSE;
  for (clistiter *it = clist_begin (list); it != NULL; it = clist_next (it))
    {
      TernFolder *folder = folder_from_list (self, clist_content (it), subscribed, other, shared);

      g_hash_table_replace (listed, folder->name, folder);
    }
  mailimap_list_result_free (list);

  cached = tern_store_list_folders_uncounted (self->store, self->account->id, error);
  if (cached == NULL)
    return FALSE;
  for (guint i = 0; i < cached->len; i++)
    {
      TernFolder *folder = cached->pdata[i];
      TernFolder *now = g_hash_table_lookup (listed, folder->name);

      if (now == NULL)
        {
          /* Not gone: created here and not uploaded yet, or with queued folder actions. */
          if (folder->local_state == 1 || tern_journal_folder_busy (self->store, folder->id))
            continue;
          g_ptr_array_add (gone, folder);
        }
      else if (folder->myrights != NULL && now->myrights == NULL)
        now->myrights = g_strdup (folder->myrights);
    }
  g_hash_table_iter_init (&iter, listed);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      TernFolder *folder = value;
      gboolean known = FALSE;

      for (guint i = 0; i < cached->len && !known; i++)
        known = strcmp (((TernFolder *) cached->pdata[i])->name, folder->name) == 0;
      if (!known)
        g_ptr_array_add (added, folder);
    }

  /* NAMESPACE only matters for folders not seen before: an unchanged account skips it. */
  if ((added->len > 0 || cached->len == 0) &&
      tern_imap_connection_has_capability (self->conn, "NAMESPACE"))
    {
      struct mailimap_namespace_data *ns = NULL;
      int r = mailimap_namespace (session (self), &ns);

      if (!check (self, r, "NAMESPACE", error))
        return FALSE;
      if (ns != NULL)
        {
          collect_prefixes (ns->ns_other, other);
          collect_prefixes (ns->ns_shared, shared);
          mailimap_namespace_data_free (ns);
        }
      g_hash_table_iter_init (&iter, listed);
      while (g_hash_table_iter_next (&iter, NULL, &value))
        {
          TernFolder *folder = value;

          g_free (folder->namespace_kind);
          folder->namespace_kind = g_strdup (namespace_of (folder->name, other, shared));
        }
    }
  else
    for (guint i = 0; i < cached->len; i++)
      {
        TernFolder *old = cached->pdata[i];
        TernFolder *now = g_hash_table_lookup (listed, old->name);

        if (now != NULL)
          {
            g_free (now->namespace_kind);
            now->namespace_kind = g_strdup (old->namespace_kind);
          }
      }

  guess_special_uses (listed);

  /* A folder gone under one name and new under another with the same UIDVALIDITY was
   * renamed: keep its messages. */
  if (gone->len > 0 && added->len > 0 &&
      tern_journal_count_queued (self->store, self->account->id, TERN_ACTION_FOLDER_RENAME) == 0)
    for (guint i = 0; i < added->len; i++)
      {
        TernFolder *folder = added->pdata[i];
        MailboxState status;

        if (!folder->selectable)
          continue;
        if (!status_folder (self, folder, &status, error))
          return FALSE;
        for (guint j = 0; j < gone->len; j++)
          {
            TernFolder *old = gone->pdata[j];

            if (old->uidvalidity != 0 && old->uidvalidity == status.uidvalidity)
              {
                TernSyncChange change = { TERN_SYNC_CHANGE_FOLDER_RENAMED, folder->display_name,
                                          old->display_name, 0, 0, NULL, NULL };

                if (!tern_store_rename_folder (self->store, old->id, folder->name,
                                               folder->display_name, error))
                  return FALSE;
                if (self->change_func)
                  self->change_func (&change, self->change_data);
                g_ptr_array_remove_index (gone, j);
                g_ptr_array_remove_index (added, i);
                i--;
                break;
              }
          }
      }

  if (!tern_store_begin (self->store, error))
    return FALSE;
  for (guint i = 0; i < gone->len; i++)
    {
      TernFolder *folder = gone->pdata[i];

      /* Messages written here and not uploaded are never dropped: the folder stays, local. */
      if (tern_journal_count_local_only (self->store, folder->id) > 0)
        {
          if (!tern_store_set_folder_local_state (self->store, folder->id, 3, error))
            goto fail;
          g_ptr_array_remove_index (gone, i--);
          continue;
        }
      if (!tern_store_delete_folder (self->store, folder->id, error))
        goto fail;
    }
  /* A folder created here for a role it lacked (Drafts, Sent) gives the role up once the
   * server shows a folder of its own with it. */
  for (guint i = 0; i < cached->len; i++)
    {
      TernFolder *folder = cached->pdata[i];
      gboolean taken = FALSE;

      if (folder->local_state != 1 || folder->special_use == NULL ||
          g_hash_table_contains (listed, folder->name))
        continue;
      g_hash_table_iter_init (&iter, listed);
      while (!taken && g_hash_table_iter_next (&iter, NULL, &value))
        taken = g_strcmp0 (((TernFolder *) value)->special_use, folder->special_use) == 0;
      if (taken)
        {
          g_clear_pointer (&folder->special_use, g_free);
          if (!tern_store_upsert_folder (self->store, folder, NULL, error))
            goto fail;
        }
    }
  g_hash_table_iter_init (&iter, listed);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      gint64 id = 0;

      if (!tern_store_upsert_folder (self->store, value, &id, error))
        goto fail;
      /* On the server (again). */
      for (guint i = 0; i < cached->len; i++)
        if (((TernFolder *) cached->pdata[i])->id == id && ((TernFolder *) cached->pdata[i])->local_state == 3 &&
            !tern_store_set_folder_local_state (self->store, id, 0, error))
          goto fail;
    }
  if (!tern_store_commit (self->store, error))
    goto fail;

  for (guint i = 0; i < gone->len; i++)
    emit_change (self, TERN_SYNC_CHANGE_FOLDER_REMOVED,
                 ((TernFolder *) gone->pdata[i])->display_name, 0, 0, NULL, NULL);
  for (guint i = 0; i < added->len; i++)
    emit_change (self, TERN_SYNC_CHANGE_FOLDER_ADDED,
                 ((TernFolder *) added->pdata[i])->display_name, 0, 0, NULL, NULL);

  /* MYRIGHTS once per folder: rights rarely change and the unchanged sync stays small. */
  if (tern_imap_connection_has_capability (self->conn, "ACL"))
    {
      g_hash_table_iter_init (&iter, listed);
      while (g_hash_table_iter_next (&iter, NULL, &value))
        {
          TernFolder *folder = value;
          g_autoptr(GError) local_error = NULL;
          g_autofree char *rights = NULL;

          if (folder->myrights != NULL || !folder->selectable)
            continue;
          rights = myrights (self, folder->name, &local_error);
          if (rights == NULL)
            {
              /* A NO for one folder is not fatal; a broken connection is. */
              if (!g_error_matches (local_error, TERN_SYNC_ERROR, TERN_SYNC_ERROR_PERMANENT) &&
                  !g_error_matches (local_error, TERN_SYNC_ERROR, TERN_SYNC_ERROR_NO_SUCH_FOLDER) &&
                  !g_error_matches (local_error, TERN_SYNC_ERROR, TERN_SYNC_ERROR_PROTOCOL))
                {
                  g_propagate_error (error, g_steal_pointer (&local_error));
                  return FALSE;
                }
              continue;
            }
          folder->myrights = g_steal_pointer (&rights);
          if (!tern_store_upsert_folder (self->store, folder, NULL, error))
            return FALSE;
        }
    }

  return TRUE;

fail:
  tern_store_rollback (self->store);
  return FALSE;
}

/* Whole runs. */

static gboolean
is_retryable (const GError *error)
{
  return error != NULL && error->domain == TERN_SYNC_ERROR &&
         (error->code == TERN_SYNC_ERROR_TRANSIENT || error->code == TERN_SYNC_ERROR_OFFLINE);
}

static gboolean
run_once (TernSync    *self,
          const char  *only_folder,
          GError     **error)
{
  g_autoptr(GPtrArray) folders = NULL;
  TernFolder *inbox = NULL;

  /* RFC 4549: the user's changes go to the server first, so that what comes back never
   * has to be reconciled with changes the server has not seen. */
  if (!tern_sync_connect (self, error) || !_tern_sync_replay (self, error) ||
      !tern_sync_folders (self, error))
    return FALSE;

  if (only_folder != NULL)
    return tern_sync_folder (self, only_folder, error);

  folders = tern_store_list_folders_uncounted (self->store, self->account->id, error);
  if (folders == NULL)
    return FALSE;

  /* INBOX last, so that it stays selected for IDLE. */
  for (guint i = 0; i < folders->len; i++)
    {
      TernFolder **folder = (TernFolder **) &folders->pdata[i];

      if (g_strcmp0 ((*folder)->name, "INBOX") == 0)
        {
          inbox = *folder;
          continue;
        }
      if (!sync_one (self, folder, error))
        {
          /* A folder that vanished between LIST and SELECT is not an error for the run. */
          if (error != NULL && *error != NULL &&
              g_error_matches (*error, TERN_SYNC_ERROR, TERN_SYNC_ERROR_NO_SUCH_FOLDER))
            {
              g_clear_error (error);
              continue;
            }
          return FALSE;
        }
    }
  if (inbox != NULL)
    {
      for (guint i = 0; i < folders->len; i++)
        if (folders->pdata[i] == inbox)
          return sync_one (self, (TernFolder **) &folders->pdata[i], error);
    }
  return TRUE;
}

gboolean
tern_sync_run (TernSync    *self,
               const char  *only_folder,
               GError     **error)
{
  g_autoptr(GError) local_error = NULL;
  guint delay_ms = 500;

  for (guint attempt = 1; ; attempt++)
    {
      g_clear_error (&local_error);
      if (run_once (self, only_folder, &local_error))
        {
          tern_store_set_account_status (self->store, self->account->id, TRUE, NULL, NULL);
          return TRUE;
        }

      tern_sync_disconnect (self);
      if (!is_retryable (local_error) || attempt >= MAX_ATTEMPTS || self->cancelled)
        break;
      g_debug ("sync attempt %u failed (%s), retrying in %u ms", attempt, local_error->message, delay_ms);
      g_usleep (delay_ms * 1000);
      delay_ms *= 4;
    }

  if (!g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    tern_store_set_account_status (self->store, self->account->id, FALSE, local_error->message, NULL);
  g_propagate_error (error, g_steal_pointer (&local_error));
  return FALSE;
}

static gboolean
set_flag_cb (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

static gboolean
cancelled_cb (GCancellable *cancellable,
              gpointer      data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

/* Sleeps up to ms; FALSE if stop was cancelled. */
static gboolean
wait_or_stop (GCancellable *stop,
              guint         ms)
{
  g_autoptr(GMainContext) context = g_main_context_new ();
  g_autoptr(GSource) timeout = g_timeout_source_new (ms);
  g_autoptr(GSource) cancel = NULL;
  gboolean fired = FALSE;

  if (stop != NULL && g_cancellable_is_cancelled (stop))
    return FALSE;
  g_source_set_callback (timeout, set_flag_cb, &fired, NULL);
  g_source_attach (timeout, context);
  if (stop != NULL)
    {
      cancel = g_cancellable_source_new (stop);
      g_source_set_callback (cancel, G_SOURCE_FUNC (cancelled_cb), &fired, NULL);
      g_source_attach (cancel, context);
    }
  while (!fired)
    g_main_context_iteration (context, TRUE);
  g_source_destroy (timeout);
  if (cancel != NULL)
    g_source_destroy (cancel);
  return !(stop != NULL && g_cancellable_is_cancelled (stop));
}

static gboolean
poll_other_folders (TernSync    *self,
                    GError     **error)
{
  g_autoptr(GPtrArray) folders = NULL;

  if (!tern_sync_folders (self, error))
    return FALSE;
  folders = tern_store_list_folders_uncounted (self->store, self->account->id, error);
  if (folders == NULL)
    return FALSE;
  for (guint i = 0; i < folders->len; i++)
    {
      TernFolder **folder = (TernFolder **) &folders->pdata[i];

      if (g_strcmp0 ((*folder)->name, "INBOX") == 0)
        continue;
      if (!sync_one (self, folder, error))
        return FALSE;
    }
  return TRUE;
}

/* IDLE only reports on the selected folder. */
static gboolean
select_inbox (TernSync  *self,
              GError   **error)
{
  g_autoptr(TernFolder) inbox = NULL;

  if (g_strcmp0 (self->selected, "INBOX") == 0)
    return TRUE;
  inbox = tern_store_get_folder (self->store, self->account->id, "INBOX", error);
  if (inbox == NULL)
    return FALSE;
  if (inbox->uidvalidity == 0)
    return sync_one (self, &inbox, error);
  return resync (self, inbox, TRUE, error);
}

/* One round of waiting for news: IDLE on INBOX (or a NOOP poll without IDLE) for up to
 * wait_ms, then INBOX is resynced; queued local actions are replayed first. Returns -1
 * if interrupt was cancelled (before or during the wait), else 0. */
int
tern_sync_wait_for_changes (TernSync      *self,
                            guint          wait_ms,
                            GCancellable  *interrupt,
                            GError       **error)
{
  int r = 0;

  if (!tern_sync_connect (self, error))
    return -2;
  if (tern_journal_count_queued (self->store, self->account->id, NULL) > 0 && !_tern_sync_replay (self, error))
    return -2;

  if (tern_imap_connection_has_capability (self->conn, "IDLE"))
    {
      if (!select_inbox (self, error))
        return -2;
      /* Flag changes reported during IDLE are stored as they come: keep whatever the user
       * queues meanwhile (the worker interrupts IDLE for it) over the server's value. */
      self->pending_flags = TRUE;
      if (!tern_imap_connection_idle_start (self->conn, error))
        return -2;
      r = tern_imap_connection_idle_wait (self->conn, MIN (wait_ms, IDLE_REISSUE_MS), interrupt);
      if (!tern_imap_connection_idle_done (self->conn, error))
        return -2;
    }
  else
    {
      if (!wait_or_stop (interrupt, MIN (wait_ms, 5000)))
        r = -1;
      if (!check (self, mailimap_noop (session (self)), "NOOP", error))
        return -2;
    }

  if (!tern_sync_folder (self, "INBOX", error))
    return -2;
  return r < 0 ? -1 : 0;
}

gboolean
tern_sync_poll_folders (TernSync  *self,
                        GError   **error)
{
  return tern_sync_connect (self, error) && poll_other_folders (self, error);
}

static gboolean
watch_connected (TernSync      *self,
                 guint          poll_seconds,
                 GCancellable  *stop,
                 GError       **error)
{
  gint64 next_poll = g_get_monotonic_time () + (gint64) poll_seconds * G_USEC_PER_SEC;

  while (!g_cancellable_is_cancelled (stop))
    {
      gint64 now = g_get_monotonic_time ();
      guint wait_ms = (guint) MAX (0, (next_poll - now) / 1000);
      int r = tern_sync_wait_for_changes (self, wait_ms, stop, error);

      if (r == -2)
        return FALSE;
      if (r == -1)
        break;

      if (g_get_monotonic_time () >= next_poll)
        {
          if (!poll_other_folders (self, error) || !tern_sync_folder (self, "INBOX", error))
            return FALSE;
          next_poll = g_get_monotonic_time () + (gint64) poll_seconds * G_USEC_PER_SEC;
        }
    }
  return TRUE;
}

gboolean
tern_sync_watch (TernSync      *self,
                 guint          poll_seconds,
                 GCancellable  *stop,
                 GError       **error)
{
  guint backoff_ms = 1000;

  while (!g_cancellable_is_cancelled (stop))
    {
      g_autoptr(GError) local_error = NULL;

      if (tern_sync_run (self, NULL, &local_error) &&
          watch_connected (self, poll_seconds, stop, &local_error))
        break;

      if (g_cancellable_is_cancelled (stop))
        break;
      if (!is_retryable (local_error))
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }
      tern_sync_disconnect (self);
      g_debug ("watch: %s; reconnecting in %u ms", local_error->message, backoff_ms);
      if (!wait_or_stop (stop, backoff_ms))
        break;
      backoff_ms = MIN (backoff_ms * 2, 60000);
    }
  tern_sync_disconnect (self);
  return TRUE;
}

/* For tern-replay.c. */

void
_tern_sync_set_fetch_folder (TernSync         *self,
                             const TernFolder *folder)
{
  self->fetch_folder_id = folder != NULL ? folder->id : 0;
  g_free (self->fetch_folder_name);
  self->fetch_folder_name = folder != NULL ? g_strdup (folder->display_name) : NULL;
}

/* Nothing is selected any more (or something else is about to be): the FETCH handler's
 * folder goes with it. */
void
_tern_sync_clear_selected (TernSync *self)
{
  g_clear_pointer (&self->selected, g_free);
  _tern_sync_set_fetch_folder (self, NULL);
}

mailimap *
_tern_sync_session (TernSync *self)
{
  return session (self);
}

gboolean
_tern_sync_check (TernSync    *self,
                  int          r,
                  const char  *what,
                  GError     **error)
{
  return check (self, r, what, error);
}

gboolean
_tern_sync_select (TernSync    *self,
                   const char  *name,
                   GError     **error)
{
  int r;

  if (g_strcmp0 (self->selected, name) == 0)
    return TRUE;
  _tern_sync_clear_selected (self);
  self->fetch_mode = FETCH_NONE;
  if (self->condstore)
    {
      uint64_t modseq = 0;

      r = mailimap_select_condstore (session (self), name, &modseq);
    }
  else
    r = mailimap_select (session (self), name);
  if (!check (self, r, "SELECT", error))
    return FALSE;
  self->selected = g_strdup (name);
  return TRUE;
}

gboolean
_tern_sync_unselect (TernSync  *self,
                     GError   **error)
{
  if (self->selected == NULL)
    return TRUE;
  _tern_sync_clear_selected (self);
  if (tern_imap_connection_has_capability (self->conn, "UNSELECT"))
    {
      if (!tern_imap_connection_raw_command (self->conn, "UNSELECT", error))
        return FALSE;
      session (self)->imap_state = MAILIMAP_STATE_AUTHENTICATED;
      return TRUE;
    }
  /* Never CLOSE: it expunges. A read-only EXAMINE leaves the folder quietly. */
  return check (self, mailimap_examine (session (self), "INBOX"), "EXAMINE", error);
}

static void
collected_clear (gpointer data)
{
  Collected *c = data;

  g_free (c->flags);
}

void
_tern_sync_clear_collected (TernSync *self)
{
  if (self->collected == NULL)
    {
      self->collected = g_array_new (FALSE, TRUE, sizeof (Collected));
      g_array_set_clear_func (self->collected, collected_clear);
    }
  g_array_set_size (self->collected, 0);
}

gboolean
_tern_sync_collect_flags (TernSync    *self,
                          const char  *uid_set,
                          GError     **error)
{
  g_autofree char *command = g_strdup_printf ("UID FETCH %s (UID FLAGS%s)", uid_set,
                                              self->condstore ? " MODSEQ" : "");
  gboolean ok;

  _tern_sync_clear_collected (self);
  self->fetch_mode = FETCH_COLLECT;
  ok = tern_imap_connection_raw_command (self->conn, command, error);
  self->fetch_mode = FETCH_NONE;
  return ok;
}

GArray *
_tern_sync_search_message_id (TernSync    *self,
                              const char  *message_id,
                              GError     **error)
{
  struct mailimap_search_key *key;
  clist *result = NULL;
  GArray *uids;
  int r;

  key = mailimap_search_key_new_header (strdup ("Message-ID"), strdup (message_id));
  r = mailimap_uid_search (session (self), NULL, key, &result);
  mailimap_search_key_free (key);
  if (!check (self, r, "UID SEARCH", error))
    return NULL;
  uids = g_array_new (FALSE, FALSE, sizeof (guint32));
  for (clistiter *it = clist_begin (result); it != NULL; it = clist_next (it))
    g_array_append_val (uids, *(uint32_t *) clist_content (it));
  mailimap_search_result_free (result);
  g_array_sort (uids, compare_uid);
  return uids;
}
