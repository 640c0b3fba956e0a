/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "tern-store.h"
#include "tern-sync-error.h"

G_BEGIN_DECLS

typedef enum
{
  TERN_SYNC_CHANGE_NEW,           /* a message arrived */
  TERN_SYNC_CHANGE_FLAGS,         /* a message's flags changed on the server */
  TERN_SYNC_CHANGE_EXPUNGED,      /* a message was removed on the server */
  TERN_SYNC_CHANGE_FOLDER_ADDED,
  TERN_SYNC_CHANGE_FOLDER_REMOVED,
  TERN_SYNC_CHANGE_FOLDER_RENAMED,
  TERN_SYNC_CHANGE_UIDVALIDITY,   /* the folder was renumbered; messages re-attached */
  TERN_SYNC_CHANGE_COMMITTED,     /* what was reported so far is in the cache, before the run
                                   * ends: a moment to tell the UI (INBOX's news, #12) */
} TernSyncChangeKind;

typedef struct
{
  TernSyncChangeKind  kind;
  const char         *folder;     /* display name */
  const char         *old_folder; /* FOLDER_RENAMED only */
  gint64              message_id; /* local id, 0 if gone or not applicable */
  guint32             uid;
  const char         *flags;
  const char         *subject;
  gint64              folder_id;  /* local id, 0 if not applicable */
} TernSyncChange;

/* How one wait for news ended (tern_sync_wait_for_changes()). */
typedef enum
{
  TERN_SYNC_WAIT_ERROR = -2,        /* error set */
  TERN_SYNC_WAIT_INTERRUPTED = -1,  /* the interrupt was cancelled, before or during the wait */
  TERN_SYNC_WAIT_DONE = 0,          /* waited, INBOX resynced */
} TernSyncWaitResult;

typedef void (*TernSyncProgressFunc) (const char *folder,
                                      guint       done,
                                      guint       total,
                                      gpointer    user_data);
typedef void (*TernSyncChangeFunc)   (const TernSyncChange *change,
                                      gpointer              user_data);

typedef struct
{
  guint64 bytes_read;
  guint64 bytes_written;
  guint   round_trips;
  guint   messages_fetched;
  guint   folders_synced;
  guint   full_compares;      /* QRESYNC/CONDSTORE results that needed a full UID comparison */
  guint   reattached;
  guint   dropped;
  guint   actions_replayed;
  guint   actions_failed;
} TernSyncStats;

/*
 * TernSync mirrors one account into the cache. It owns one IMAP connection and uses a
 * TernStore that belongs to the calling thread; every call blocks. One thread only,
 * except tern_sync_cancel() which any thread may call.
 */
typedef struct _TernSync TernSync;

void       tern_sync_global_init      (void);

TernSync  *tern_sync_new              (TernStore           *store,
                                       const TernAccount   *account);
void       tern_sync_free             (TernSync            *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TernSync, tern_sync_free)

void       tern_sync_set_password     (TernSync            *self,
                                       const char          *password);
void       tern_sync_set_timeout      (TernSync            *self,
                                       guint                seconds);
void       tern_sync_set_progress_func (TernSync           *self,
                                       TernSyncProgressFunc func,
                                       gpointer             user_data);
void       tern_sync_set_change_func  (TernSync            *self,
                                       TernSyncChangeFunc   func,
                                       gpointer             user_data);
/* Called on the sync's thread each time a batch of a first sync's headers was handed to the
 * cache (a first sync names no message: the folder's list may be read again, newest first;
 * the batch before this one is committed, this one may still be on its way), and once more
 * when every batch of the folder is committed. */
typedef void (*TernSyncStoredFunc) (gint64   folder_id,
                                    gpointer user_data);
void       tern_sync_set_stored_func  (TernSync            *self,
                                       TernSyncStoredFunc   func,
                                       gpointer             user_data);
/* The folder the user has open (server name), or NULL. Without NOTIFY, a second connection
 * idles on it (when it is not INBOX) while the first idles on INBOX, so that another
 * client's changes there arrive at once rather than at the next poll. */
void       tern_sync_set_open_folder  (TernSync            *self,
                                       const char          *name);
/* Messages fetched per FETCH command (a batch, one transaction). Default 1000. */
void       tern_sync_set_chunk_size   (TernSync            *self,
                                       guint                chunk);

gboolean   tern_sync_connect          (TernSync            *self,
                                       GError             **error);
void       tern_sync_disconnect       (TernSync            *self);
gboolean   tern_sync_is_connected     (TernSync            *self);
/* LIST, NAMESPACE, LSUB, MYRIGHTS: folders created, renamed or deleted on the server
 * are reflected in the cache. */
gboolean   tern_sync_folders          (TernSync            *self,
                                       GError             **error);
gboolean   tern_sync_folder           (TernSync            *self,
                                       const char          *name,
                                       GError             **error);
/* Connects if needed, syncs the folder list and every selectable folder (or only
 * `only_folder`), reconnecting with backoff after a dropped connection. */
gboolean   tern_sync_run              (TernSync            *self,
                                       const char          *only_folder,
                                       GError             **error);
/* Stays connected: IDLE on INBOX (or polling without IDLE), STATUS polling of the other
 * folders every poll_seconds; reconnects with backoff. Returns when stop is cancelled. */
gboolean   tern_sync_watch            (TernSync            *self,
                                       guint                poll_seconds,
                                       GCancellable        *stop,
                                       GError             **error);
/* Replays the journal (connecting if needed): queued actions go to the server in order,
 * exactly once. FALSE with a retry-later error leaves the rest queued. */
gboolean   tern_sync_replay           (TernSync            *self,
                                       GError             **error);
/* For an account worker: one interruptible wait for news (IDLE on INBOX, NOOP polling
 * without IDLE) of at most wait_ms; replays queued actions first and resyncs INBOX after.
 * Returns 0, -1 if interrupt was cancelled, -2 on error (set). */
TernSyncWaitResult tern_sync_wait_for_changes (TernSync            *self,
                                       guint                wait_ms,
                                       GCancellable        *interrupt,
                                       GError             **error);
/* STATUS-polls and resyncs every folder but INBOX. */
gboolean   tern_sync_poll_folders     (TernSync            *self,
                                       GError             **error);
/* Bodies on demand. fetch_text stores the displayable text (HTML preferred where a
 * message offers both) in the cache: afterwards tern_store_get_body() has it, offline too.
 * Only that part travels. */
gboolean   tern_sync_fetch_text       (TernSync            *self,
                                       gint64               message_id,
                                       GError             **error);
/* The part a reader shows: the first text part that is not an attachment (nor inside an
 * attached message), or its HTML or plain sibling (as preferred) in a multipart/alternative;
 * NULL if there is none. Borrowed from message. */
const TernPart *tern_sync_pick_text_part (const TernMessage *message,
                                          gboolean           prefer_html);

typedef void (*TernSyncPartProgress) (guint64  done,
                                      guint64  total,
                                      gpointer user_data);

/* Downloads one part (section as in TernPart) in resumable chunks to the cache, decoded,
 * and copies it to dest_path if given. An interrupted download resumes where it stopped;
 * memory does not grow with the part. progress gets transfer-encoded bytes. */
gboolean   tern_sync_fetch_part       (TernSync            *self,
                                       gint64               message_id,
                                       const char          *section,
                                       const char          *dest_path,
                                       TernSyncPartProgress progress,
                                       gpointer             user_data,
                                       GCancellable        *cancellable,
                                       GError             **error);
/* Forwards queued in the outbox with attachments not downloaded when they were written
 * (tern_composer_add_part_reference()): the parts are downloaded and the messages written
 * again with them, ready to send. One whose original is gone fails, with the reason. */
gboolean   tern_sync_fill_outbox_parts (TernSync           *self,
                                       GCancellable        *cancellable,
                                       guint               *filled_out,
                                       GError             **error);
/* Preview lines (RFC 8970 PREVIEW) for the messages with neither a cached text nor a
 * preview, where the server offers PREVIEW (nothing otherwise). */
gboolean   tern_sync_fetch_previews   (TernSync            *self,
                                       guint               *kept_out,
                                       GError             **error);
/* Whether an account's server offers preview lines (PREVIEW), as its last connection
 * showed; UNKNOWN before any. Reads the store given (any thread's, for its own thread). */
typedef enum
{
  TERN_SYNC_OFFER_UNKNOWN,
  TERN_SYNC_OFFER_NO,
  TERN_SYNC_OFFER_YES,
} TernSyncOffer;

TernSyncOffer tern_sync_server_offers_previews (TernStore       *store,
                                                gint64           account_id);
/* The decoded file of a completely downloaded part, or NULL. */
char      *tern_sync_dup_part_path    (TernSync            *self,
                                       gint64               message_id,
                                       const char          *section) G_GNUC_WARN_UNUSED_RESULT;
/* The server searches the text of every message (bodies this cache lacks included).
 * Returns local message ids. (transfer full) */
GArray    *tern_sync_server_search    (TernSync            *self,
                                       const char          *query,
                                       GError             **error) G_GNUC_WARN_UNUSED_RESULT;
/* The whole message as the server has it (or as this cache keeps one not uploaded),
 * streamed in chunks. */
gboolean   tern_sync_export_message   (TernSync            *self,
                                       gint64               message_id,
                                       GOutputStream       *out,
                                       GError             **error);
/* Offline availability: fetches the bodies the account's and folders' policies ask for
 * (newer than N days and smaller than S; everything, attachments too, for a folder made
 * fully available), then evicts least recently used bodies above the cache limit. */
gboolean   tern_sync_prefetch         (TernSync            *self,
                                       GCancellable        *cancellable,
                                       guint               *fetched_out,
                                       GError             **error);
void       tern_sync_cancel           (TernSync            *self);
/* After a TERN_SYNC_ERROR_CERTIFICATE: the SHA-256 fingerprint of the refused certificate
 * and a description (subject, issuer, validity) to show before the user pins it. */
char      *tern_sync_dup_refused_sha256      (TernSync *self) G_GNUC_WARN_UNUSED_RESULT;
/* The main connection's own IP address while it is connected, else NULL. Any thread. */
char      *tern_sync_dup_local_address       (TernSync *self) G_GNUC_WARN_UNUSED_RESULT;
char      *tern_sync_dup_refused_description (TernSync *self) G_GNUC_WARN_UNUSED_RESULT;
void       tern_sync_get_stats        (TernSync            *self,
                                       TernSyncStats       *stats);

G_END_DECLS
