/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "tern-sync"

#include "config.h"

#include <string.h>

#include "tern-credentials.h"
#include "tern-imap-commands.h"
#include "tern-imap-connection.h"
#include "tern-mime.h"
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
 *
 * TernSync is implemented by: this file (life cycle, connecting, helpers for the others),
 * tern-sync-fetch.c (FETCH responses and header fetches), tern-sync-folder.c (one folder),
 * tern-sync-folders.c (the folder list), tern-sync-watch.c (runs, IDLE, polling),
 * tern-replay.c and tern-replay-transfer.c (the journal), tern-bodies.c (bodies on demand).
 */

#define DEFAULT_CHUNK        2500

void
tern_sync_global_init (void)
{
  static gsize done = 0;

  /* The IMAP layer's globals must be set before any worker starts. */
  if (g_once_init_enter (&done))
    {
      /* GMime keeps global tables: set up once, before any worker parses MIME. */
      tern_mime_init ();
      tern_imap_global_init ();
      /* Accounts that sign in with OAuth2 get their tokens from the accounts layer. */
      tern_credentials_init ();
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
  self->account = tern_account_copy (account);
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
  g_free (self->open_folder);
  g_free (self->fetch_folder_name);
  g_free (self->refused_sha256);
  g_free (self->local_address);
  g_free (self->refused_description);
  g_clear_error (&self->fetch_error);
  g_clear_pointer (&self->collected, g_array_unref);
  g_clear_pointer (&self->section_data, g_byte_array_unref);
  g_clear_pointer (&self->status_ahead, g_hash_table_unref);
  g_clear_pointer (&self->listed_status, g_hash_table_unref);
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
tern_sync_set_open_folder (TernSync   *self,
                           const char *name)
{
  if (g_strcmp0 (self->open_folder, name) == 0)
    return;
  g_free (self->open_folder);
  self->open_folder = g_strdup (name);
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
tern_sync_set_stored_func (TernSync           *self,
                           TernSyncStoredFunc  func,
                           gpointer            user_data)
{
  self->stored_func = func;
  self->stored_data = user_data;
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
  if (self->open_conn != NULL)
    tern_imap_connection_cancel (self->open_conn);
  g_mutex_unlock (&self->lock);
}

char *
tern_sync_dup_local_address (TernSync *self)
{
  char *address;

  g_mutex_lock (&self->lock);
  address = g_strdup (self->local_address);
  g_mutex_unlock (&self->lock);
  return address;
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

void
_tern_sync_emit_change (TernSync           *self,
                        TernSyncChangeKind  kind,
                        gint64              folder_id,
                        const char         *folder,
                        gint64              message_id,
                        guint32             uid,
                        const char         *flags,
                        const char         *subject)
{
  TernSyncChange change = { kind, folder, NULL, message_id, uid, flags, subject, folder_id };

  if (self->change_func != NULL)
    self->change_func (&change, self->change_data);
}

void
_tern_sync_report_progress (TernSync   *self,
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
  g_clear_pointer (&self->local_address, g_free);
  g_mutex_unlock (&self->lock);

  /* A new connection may get the same address: NOTIFY SET goes out again on it. */
  self->notify_conn = NULL;
  self->notifying = FALSE;
  _tern_sync_disconnect_open (self);
  if (conn == NULL)
    return;
  self->stats.bytes_read += tern_imap_connection_get_bytes_read (conn);
  self->stats.bytes_written += tern_imap_connection_get_bytes_written (conn);
  self->stats.round_trips += tern_imap_connection_get_round_trips (conn);
  tern_imap_connection_close (conn);
  tern_imap_connection_free (conn);
  _tern_sync_clear_selected (self);
}

/* An access token each time (never kept here); a refused one is renewed once, on the same
 * connection: a token can expire between asking and using it. */
static gboolean
login_with_token (TernSync            *self,
                  TernImapConnection  *conn,
                  GError             **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autofree char *token = tern_password_dup_token (self->store, self->account, FALSE, error);

  if (token == NULL)
    return FALSE;
  if (tern_imap_connection_login_bearer (conn, token, &local_error))
    return TRUE;
  if (!g_error_matches (local_error, TERN_SYNC_ERROR, TERN_SYNC_ERROR_AUTH))
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  g_debug ("%s refused the token, asking for a new one: %s", self->account->name,
           local_error->message);
  g_clear_pointer (&token, g_free);
  token = tern_password_dup_token (self->store, self->account, TRUE, error);
  return token != NULL && tern_imap_connection_login_bearer (conn, token, error);
}

/* A new connection, logged in, in *slot (where tern_sync_cancel() finds it). On failure
 * *slot may still hold it: the caller closes it. */
static gboolean
open_connection (TernSync            *self,
                 TernImapConnection **slot,
                 GError             **error)
{
  TernImapSettings settings = {
    .host = self->account->host,
    .port = (guint16) self->account->port,
    .security = parse_security (self->account->security),
    .user = self->account->user,
    .ca_file = self->account->ca_file,
    .pinned_sha256 = self->account->pinned_sha256,
    .timeout_seconds = self->timeout,
    .no_compress = self->account->no_compress,
  };
  TernImapConnection *conn;

  conn = tern_imap_connection_new (&settings);
  g_mutex_lock (&self->lock);
  if (self->cancelled)
    {
      g_mutex_unlock (&self->lock);
      tern_imap_connection_free (conn);
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_CANCELLED, "Cancelled");
      return FALSE;
    }
  *slot = conn;
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
      return FALSE;
    }
  if (slot == &self->conn)
    {
      g_autofree char *local = tern_imap_connection_dup_local_address (conn);

      g_mutex_lock (&self->lock);
      g_free (self->local_address);
      self->local_address = g_steal_pointer (&local);
      g_mutex_unlock (&self->lock);
    }

  if (tern_password_uses_token (self->account))
    return login_with_token (self, conn, error);
  else
    {
      g_autofree char *mechanism = tern_store_dup_server_trait (self->store, self->account->id,
                                                                TERN_TRAIT_AUTH);
      const char *worked;

      if (self->password == NULL && settings.security != TERN_IMAP_SECURITY_NONE)
        {
          self->password = tern_password_lookup (self->account, error);
          if (self->password == NULL)
            return FALSE;
        }
      tern_imap_connection_set_preferred_mechanism (conn, mechanism);
      if (!tern_imap_connection_login (conn, self->password ? self->password : "", error))
        return FALSE;
      /* Remembered, so that a mechanism the server advertises and fails is not tried first
       * at every connection. */
      worked = tern_imap_connection_get_mechanism (conn);
      if (worked != NULL && g_strcmp0 (worked, mechanism) != 0)
        {
          g_autoptr(GError) local_error = NULL;

          if (!tern_store_set_server_trait (self->store, self->account->id, TERN_TRAIT_AUTH, worked,
                                            &local_error))
            g_debug ("could not remember the login mechanism: %s", local_error->message);
        }
    }
  return TRUE;
}

/* Whether the server offers PREVIEW, remembered (when it changes) so that the preferences
 * can say so while offline. */
static void
remember_preview_offer (TernSync           *self,
                        TernImapConnection *conn)
{
  const char *offer = tern_imap_connection_has_capability (conn, "PREVIEW") ? "offered" : "not-offered";
  g_autofree char *known = tern_store_dup_server_trait (self->store, self->account->id, TERN_TRAIT_PREVIEW);
  g_autoptr(GError) error = NULL;

  if (g_strcmp0 (known, offer) != 0 &&
      !tern_store_set_server_trait (self->store, self->account->id, TERN_TRAIT_PREVIEW, offer, &error))
    g_debug ("could not remember whether the server offers PREVIEW: %s", error->message);
}

TernSyncOffer
tern_sync_server_offers_previews (TernStore *store,
                                  gint64     account_id)
{
  g_autofree char *known = NULL;

  g_return_val_if_fail (store != NULL, TERN_SYNC_OFFER_UNKNOWN);

  known = tern_store_dup_server_trait (store, account_id, TERN_TRAIT_PREVIEW);
  if (g_strcmp0 (known, "offered") == 0)
    return TERN_SYNC_OFFER_YES;
  if (g_strcmp0 (known, "not-offered") == 0)
    return TERN_SYNC_OFFER_NO;
  return TERN_SYNC_OFFER_UNKNOWN;
}

gboolean
tern_sync_connect (TernSync  *self,
                   GError   **error)
{
  TernImapConnection *conn;

  if (self->conn != NULL)
    return TRUE;

  if (!open_connection (self, &self->conn, error))
    {
      tern_sync_disconnect (self);
      return FALSE;
    }
  conn = self->conn;

  /* What the server agreed to, not what it advertised: a refused ENABLE, or a PREAUTH
   * session that never sent one, leaves QRESYNC off (SELECT (QRESYNC ...) would fail). */
  self->qresync = tern_imap_connection_is_qresync_enabled (conn);
  self->condstore = self->qresync || tern_imap_connection_has_capability (conn, "CONDSTORE");
  tern_imap_connection_set_fetch_func (conn, _tern_sync_fetch_cb, self);
  {
    g_autofree char *trait = tern_store_dup_server_trait (self->store, self->account->id,
                                                          TERN_TRAIT_UID_SEARCH);

    self->uid_search_untrusted = g_strcmp0 (trait, "untrusted") == 0;
  }
  remember_preview_offer (self, conn);
  return TRUE;
}

/* The second connection (tern-sync-watch.c), idling on the open folder: its FETCH
 * responses are not read (the first connection resyncs the folder when it rings). */
gboolean
_tern_sync_connect_open (TernSync  *self,
                         GError   **error)
{
  if (self->open_conn != NULL)
    return TRUE;
  if (!open_connection (self, &self->open_conn, error))
    {
      _tern_sync_disconnect_open (self);
      return FALSE;
    }
  return TRUE;
}

void
_tern_sync_disconnect_open (TernSync *self)
{
  TernImapConnection *conn;

  g_mutex_lock (&self->lock);
  conn = g_steal_pointer (&self->open_conn);
  g_mutex_unlock (&self->lock);

  g_clear_pointer (&self->open_selected, g_free);
  if (conn == NULL)
    return;
  self->stats.bytes_read += tern_imap_connection_get_bytes_read (conn);
  self->stats.bytes_written += tern_imap_connection_get_bytes_written (conn);
  self->stats.round_trips += tern_imap_connection_get_round_trips (conn);
  tern_imap_connection_close (conn);
  tern_imap_connection_free (conn);
}

/* For the other files of TernSync (tern-sync-private.h). */

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

gboolean
_tern_sync_select (TernSync    *self,
                   const char  *name,
                   GError     **error)
{
  if (g_strcmp0 (self->selected, name) == 0)
    return TRUE;
  _tern_sync_clear_selected (self);
  self->fetch_mode = FETCH_NONE;
  if (!tern_imap_connection_select (self->conn, name, self->condstore, NULL, error))
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
  return tern_imap_connection_unselect (self->conn, error);
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
  gboolean ok;

  _tern_sync_clear_collected (self);
  self->fetch_mode = FETCH_COLLECT;
  ok = tern_imap_connection_uid_fetch_set (self->conn, uid_set, _tern_sync_flags_fetch_attrs (self), error);
  self->fetch_mode = FETCH_NONE;
  return ok;
}

GArray *
_tern_sync_search_message_id (TernSync    *self,
                              const char  *message_id,
                              GError     **error)
{
  GArray *uids = tern_imap_connection_uid_search_header (self->conn, "Message-ID", message_id, error);

  if (uids == NULL)
    return NULL;
  g_array_sort (uids, _tern_sync_compare_uid);
  return uids;
}
