/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "tern-store.h"
#include "tern-sync-error.h"

G_BEGIN_DECLS

/*
 * TernAccountWorker: one account's connection, kept on its own GThread. The thread owns a
 * TernSync and its own TernStore (its own SQLite connection); the main thread talks to it
 * through a command queue, and pushing a command interrupts a waiting IDLE. Everything the
 * thread learns comes back to the main context as plain data (ids, counts, strings) and is
 * turned into property notifications and signals there.
 *
 * The object itself is main-thread only. It is created offline-safe: nothing connects until
 * tern_account_worker_start() is called, and never while work-offline is set.
 */

typedef enum
{
  TERN_ACCOUNT_STATE_OFFLINE,      /* not connected: work offline, or the server unreachable */
  TERN_ACCOUNT_STATE_CONNECTING,
  TERN_ACCOUNT_STATE_SYNCING,
  TERN_ACCOUNT_STATE_ONLINE,       /* connected and waiting for news */
  TERN_ACCOUNT_STATE_NEEDS_USER,   /* password, certificate or settings need the user */
} TernAccountState;

GType tern_account_state_get_type (void) G_GNUC_CONST;
#define TERN_TYPE_ACCOUNT_STATE (tern_account_state_get_type ())

/* Called on the main thread, at most ~30 times a second, while a part downloads. */
typedef void (*TernPartProgressFunc) (guint64  done,
                                      guint64  total,
                                      gpointer user_data);

#define TERN_TYPE_ACCOUNT_WORKER (tern_account_worker_get_type ())

G_DECLARE_FINAL_TYPE (TernAccountWorker, tern_account_worker, TERN, ACCOUNT_WORKER, GObject)

/* main_store is the main thread's connection (borrowed: it must outlive the worker); the
 * worker opens its own on the same file. */
TernAccountWorker *tern_account_worker_new            (TernStore            *main_store,
                                                       gint64                account_id);
gint64             tern_account_worker_get_account_id (TernAccountWorker    *self);
/* Starts the thread; a first sync follows unless work-offline is set. */
void               tern_account_worker_start          (TernAccountWorker    *self);
/* Stops the thread and waits for it (dispose does this too). */
void               tern_account_worker_stop           (TernAccountWorker    *self);

TernAccountState   tern_account_worker_get_state      (TernAccountWorker    *self);
/* Actions of this account waiting for the server (queued or failed). */
guint              tern_account_worker_get_queued     (TernAccountWorker    *self);
guint              tern_account_worker_get_failed     (TernAccountWorker    *self);
/* Messages of this account in the outbox: waiting to be sent (queued or being sent), and
 * refused or of unknown outcome (waiting for the user). */
guint              tern_account_worker_get_outbox_waiting (TernAccountWorker *self);
guint              tern_account_worker_get_outbox_failed (TernAccountWorker *self);
gboolean           tern_account_worker_get_work_offline (TernAccountWorker  *self);
/* Connected, or connecting, and not set to work offline: asking the server (a text, a
 * part, a whole message) has a chance now. */
gboolean           tern_account_worker_get_reachable  (TernAccountWorker    *self);
void               tern_account_worker_set_work_offline (TernAccountWorker  *self,
                                                       gboolean              work_offline);
/* 0..1 while syncing, -1 otherwise; the text says what (a folder name). */
double             tern_account_worker_get_progress   (TernAccountWorker    *self);
const char        *tern_account_worker_get_status_text (TernAccountWorker   *self);
/* How far the folder being synced has come: *done of its *total messages (0 of 0 when no
 * count is known). */
void               tern_account_worker_get_progress_counts (TernAccountWorker *self,
                                                            guint             *done,
                                                            guint             *total);
/* The last error shown to the user, or NULL. */
const char        *tern_account_worker_get_last_error (TernAccountWorker    *self);

/* For a password that is not in the keyring (the account's password command works too). */
void               tern_account_worker_set_password   (TernAccountWorker    *self,
                                                       const char           *password);
/* Re-reads the account row (after a pin or a settings change) and reconnects. */
void               tern_account_worker_reload_account (TernAccountWorker    *self);
/* The network monitor followed (a network change reconnects at once; a metered network
 * pauses background prefetch). NULL, or never called: g_network_monitor_get_default().
 * Tests give their own. */
void               tern_account_worker_set_network_monitor (TernAccountWorker *self,
                                                       GNetworkMonitor      *monitor);
/* Background body prefetch on a metered network too (default: paused there). */
void               tern_account_worker_set_prefetch_on_metered (TernAccountWorker *self,
                                                       gboolean              allowed);
/* Sync everything now; replay queued actions first. */
void               tern_account_worker_sync_now       (TernAccountWorker    *self);
/* The folder the user has open (a folder of this account; 0: none). Without NOTIFY, a second
 * connection idles on it (unless it is INBOX), so that other clients' changes there arrive at
 * once rather than at the next poll. */
void               tern_account_worker_set_open_folder (TernAccountWorker   *self,
                                                        gint64               folder_id);
gint64             tern_account_worker_get_open_folder (TernAccountWorker   *self);
/* A message was queued in the outbox: send it now if the account is connected, else as
 * soon as it is (never while work-offline is set). */
void               tern_account_worker_send_now       (TernAccountWorker    *self);
/* The user acted on the cache: the queue changed; replay soon when online. */
void               tern_account_worker_local_change   (TernAccountWorker    *self);

/* Fetches the displayable text of a message into the cache (TernStore body table). Fails
 * with TERN_SYNC_ERROR_OFFLINE while offline. */
void               tern_account_worker_fetch_text_async  (TernAccountWorker   *self,
                                                          gint64               message_id,
                                                          GCancellable        *cancellable,
                                                          GAsyncReadyCallback  callback,
                                                          gpointer             user_data);
gboolean           tern_account_worker_fetch_text_finish (TernAccountWorker   *self,
                                                          GAsyncResult        *result,
                                                          GError             **error);
/* Downloads one MIME part, decoded, into the cache (tern_store_get_part_file() then has
 * its path) and copies it to dest_path if that is not NULL. progress runs on the main
 * thread. */
void               tern_account_worker_fetch_part_async  (TernAccountWorker   *self,
                                                          gint64               message_id,
                                                          const char          *section,
                                                          const char          *dest_path,
                                                          TernPartProgressFunc progress,
                                                          gpointer             progress_data,
                                                          GDestroyNotify       progress_destroy,
                                                          GCancellable        *cancellable,
                                                          GAsyncReadyCallback  callback,
                                                          gpointer             user_data);
gboolean           tern_account_worker_fetch_part_finish (TernAccountWorker   *self,
                                                          GAsyncResult        *result,
                                                          GError             **error);

/* The whole message (as the server has it) into dest_path, replaced only once complete.
 * Fails with TERN_SYNC_ERROR_OFFLINE while offline. */
void               tern_account_worker_export_async   (TernAccountWorker   *self,
                                                       gint64               message_id,
                                                       const char          *dest_path,
                                                       GCancellable        *cancellable,
                                                       GAsyncReadyCallback  callback,
                                                       gpointer             user_data);
gboolean           tern_account_worker_export_finish  (TernAccountWorker   *self,
                                                       GAsyncResult        *result,
                                                       GError             **error);

/* Asks the server to search every message's text (online only). Result: local message
 * ids. (transfer full) */
void               tern_account_worker_search_async   (TernAccountWorker   *self,
                                                       const char          *query,
                                                       GCancellable        *cancellable,
                                                       GAsyncReadyCallback  callback,
                                                       gpointer             user_data);
GArray            *tern_account_worker_search_finish  (TernAccountWorker   *self,
                                                       GAsyncResult        *result,
                                                       GError             **error) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS
