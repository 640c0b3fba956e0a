/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "tern-sync"

#include "config.h"

#include <string.h>

#include "tern-imap-commands.h"
#include "tern-imap-connection.h"
#include "tern-journal.h"
#include "tern-sync-private.h"

/* Whole runs with retries, and staying connected: IDLE on INBOX, NOTIFY for the other folders
 * where offered; without it a second connection idling on the folder the user has open, and
 * polling for the rest. */

#define IDLE_REISSUE_MS      (20 * 60 * 1000)
#define MAX_ATTEMPTS         3

/* Whole runs. */

static gboolean
run_once (TernSync    *self,
          const char  *only_folder,
          GError     **error)
{
  g_autoptr(GPtrArray) folders = NULL;
  g_autoptr(TernFolder) cached_inbox = NULL;
  TernFolder *inbox = NULL;
  gboolean inbox_done = FALSE;

  /* RFC 4549: the user's changes go to the server first, so that what comes back never
   * has to be reconciled with changes the server has not seen. */
  if (!tern_sync_connect (self, error) || !_tern_sync_replay (self, error))
    return FALSE;

  /* A resync (INBOX cached) brings INBOX's news before it even lists the folders: on a slow
   * link that is what the user waits for after a reconnect (#12, bench-linkdrop: LIST's
   * round trip came first). */
  if (only_folder == NULL)
    cached_inbox = tern_store_get_folder (self->store, self->account->id, "INBOX", NULL);
  if (cached_inbox != NULL && cached_inbox->uidvalidity != 0 && cached_inbox->selectable)
    {
      if (!_tern_sync_resync_first (self, cached_inbox, error))
        return FALSE;
      inbox_done = TRUE;
    }

  if (!tern_sync_folders (self, error))
    return FALSE;

  if (only_folder != NULL)
    return tern_sync_folder (self, only_folder, error);

  folders = tern_store_list_folders_uncounted (self->store, self->account->id, error);
  if (folders == NULL)
    return FALSE;

  /* The folders' STATUS in one round trip (each resync takes its answer), then INBOX
   * first: on a slow link it is what the user waits for. */
  if (!_tern_sync_status_ahead (self, folders, error))
    return FALSE;
  for (guint i = 0; i < folders->len; i++)
    if (g_strcmp0 (((TernFolder *) folders->pdata[i])->name, "INBOX") == 0)
      {
        inbox = folders->pdata[i];
        if (!inbox_done && !_tern_sync_sync_one (self, (TernFolder **) &folders->pdata[i], error))
          {
            g_clear_pointer (&self->status_ahead, g_hash_table_unref);
            return FALSE;
          }
      }

  for (guint i = 0; i < folders->len; i++)
    {
      TernFolder **folder = (TernFolder **) &folders->pdata[i];

      if (*folder == inbox || g_strcmp0 ((*folder)->name, "INBOX") == 0)
        continue;
      if (!_tern_sync_sync_one (self, folder, error))
        {
          /* A folder that vanished between LIST and SELECT is not an error for the run. */
          if (error != NULL && *error != NULL &&
              g_error_matches (*error, TERN_SYNC_ERROR, TERN_SYNC_ERROR_NO_SUCH_FOLDER))
            {
              g_clear_error (error);
              continue;
            }
          g_clear_pointer (&self->status_ahead, g_hash_table_unref);
          return FALSE;
        }
    }
  g_clear_pointer (&self->status_ahead, g_hash_table_unref);
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
      if (!tern_failure_is_retryable (local_error) || attempt >= MAX_ATTEMPTS || self->cancelled)
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
  if (folders == NULL || !_tern_sync_status_ahead (self, folders, error))
    return FALSE;
  for (guint i = 0; i < folders->len; i++)
    {
      TernFolder **folder = (TernFolder **) &folders->pdata[i];

      if (g_strcmp0 ((*folder)->name, "INBOX") == 0)
        continue;
      if (!_tern_sync_sync_one (self, folder, error))
        {
          g_clear_pointer (&self->status_ahead, g_hash_table_unref);
          return FALSE;
        }
    }
  g_clear_pointer (&self->status_ahead, g_hash_table_unref);
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
    return _tern_sync_sync_one (self, &inbox, error);
  return _tern_sync_resync (self, inbox, TRUE, error);
}

/* NOTIFY (RFC 5465), once per connection where offered: news of every personal and
 * subscribed folder (shared ones included) arrives during IDLE, not at the next poll. */
static void
ask_for_news (TernSync *self)
{
  g_autoptr(GError) local_error = NULL;

  if (self->notify_conn == self->conn || !tern_imap_connection_has_capability (self->conn, "NOTIFY"))
    return;
  self->notify_conn = self->conn;
  self->notifying = tern_imap_connection_notify_set (self->conn, &local_error);
  if (!self->notifying)
    g_debug ("NOTIFY SET refused (%s): other folders are polled", local_error->message);
}

/* Without NOTIFY, the folder the user has open (when it is not INBOX) gets a second
 * connection idling on it: another client's changes there arrive at once, not at the next
 * poll. Its failures are not the account's: it is dropped and the folder polled as before.
 * TRUE when it idles. */
static gboolean
open_watch_start (TernSync *self)
{
  g_autoptr(GError) local_error = NULL;
  g_autoptr(TernFolder) folder = NULL;

  if (self->open_folder == NULL || g_ascii_strcasecmp (self->open_folder, "INBOX") == 0 ||
      (self->notify_conn == self->conn && self->notifying) ||
      (folder = tern_store_get_folder (self->store, self->account->id, self->open_folder, NULL)) == NULL ||
      !folder->selectable)
    {
      _tern_sync_disconnect_open (self);
      return FALSE;
    }
  if (!_tern_sync_connect_open (self, &local_error))
    goto fail;
  if (g_strcmp0 (self->open_selected, self->open_folder) != 0)
    {
      g_clear_pointer (&self->open_selected, g_free);
      if (!tern_imap_connection_select (self->open_conn, self->open_folder, FALSE, NULL, &local_error))
        goto fail;
      self->open_selected = g_strdup (self->open_folder);
    }
  if (!tern_imap_connection_idle_start (self->open_conn, &local_error))
    goto fail;
  return TRUE;

fail:
  g_debug ("no second connection for “%s” (%s): it is polled", self->open_folder, local_error->message);
  _tern_sync_disconnect_open (self);
  return FALSE;
}

/* Ends the second connection's IDLE; the open folder is resynced (on the first connection)
 * if the server told of changes there, or if the connection broke and may have missed some. */
static gboolean
open_watch_done (TernSync  *self,
                 GError   **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autoptr(TernFolder) folder = NULL;

  if (!tern_imap_connection_idle_done (self->open_conn, &local_error))
    {
      g_debug ("the second connection broke: %s", local_error->message);
      _tern_sync_disconnect_open (self);
    }
  else if (!tern_imap_connection_had_idle_news (self->open_conn))
    return TRUE;
  folder = tern_store_get_folder (self->store, self->account->id, self->open_folder, NULL);
  return folder == NULL || _tern_sync_sync_one (self, &folder, error);
}

/* The folders NOTIFY said changed, each synced now (INBOX is, after IDLE, anyway). */
static gboolean
sync_notified (TernSync  *self,
               GError   **error)
{
  g_auto(GStrv) names = tern_imap_connection_take_notified (self->conn);
  gboolean listed = FALSE;

  for (guint i = 0; names != NULL && names[i] != NULL; i++)
    {
      g_autoptr(TernFolder) folder = NULL;

      if (*names[i] == '\0')
        return poll_other_folders (self, error);
      if (g_str_equal (names[i], "INBOX"))
        continue;
      folder = tern_store_get_folder (self->store, self->account->id, names[i], NULL);
      /* A folder made elsewhere since the last LIST. */
      if (folder == NULL && !listed)
        {
          listed = TRUE;
          if (!tern_sync_folders (self, error))
            return FALSE;
          folder = tern_store_get_folder (self->store, self->account->id, names[i], NULL);
        }
      if (folder != NULL && !_tern_sync_sync_one (self, &folder, error))
        return FALSE;
    }
  return TRUE;
}

/* One round of waiting for news: IDLE on INBOX (or a NOOP poll without IDLE) for up to
 * wait_ms, then INBOX is resynced; queued local actions are replayed first. Returns -1
 * if interrupt was cancelled (before or during the wait), else 0. */
TernSyncWaitResult
tern_sync_wait_for_changes (TernSync      *self,
                            guint          wait_ms,
                            GCancellable  *interrupt,
                            GError       **error)
{
  int r = 0;

  if (!tern_sync_connect (self, error))
    return TERN_SYNC_WAIT_ERROR;
  if (tern_journal_count_queued (self->store, self->account->id, NULL) > 0 && !_tern_sync_replay (self, error))
    return TERN_SYNC_WAIT_ERROR;

  if (tern_imap_connection_has_capability (self->conn, "IDLE"))
    {
      if (!select_inbox (self, error))
        return TERN_SYNC_WAIT_ERROR;
      TernImapConnection *conns[2] = { NULL, NULL };
      gboolean open_watch;

      ask_for_news (self);
      open_watch = open_watch_start (self);
      /* Flag changes reported during IDLE are stored as they come: keep whatever the user
       * queues meanwhile (the worker interrupts IDLE for it) over the server's value. */
      self->pending_flags = TRUE;
      if (!tern_imap_connection_idle_start (self->conn, error))
        return TERN_SYNC_WAIT_ERROR;
      conns[0] = self->conn;
      conns[1] = self->open_conn;
      r = tern_imap_connection_idle_wait_any (conns, open_watch ? 2 : 1, MIN (wait_ms, IDLE_REISSUE_MS),
                                              interrupt, NULL);
      if (!tern_imap_connection_idle_done (self->conn, error) || !sync_notified (self, error) ||
          (open_watch && !open_watch_done (self, error)))
        return TERN_SYNC_WAIT_ERROR;
    }
  else
    {
      if (!wait_or_stop (interrupt, MIN (wait_ms, 5000)))
        r = -1;
      if (!tern_imap_connection_noop (self->conn, error))
        return TERN_SYNC_WAIT_ERROR;
    }

  /* New mail: what EXISTS announced is fetched at once (DONE + one FETCH); only what
   * does not add up costs a resync. */
  {
    gboolean handled = FALSE;

    if (!_tern_sync_after_idle (self, "INBOX", &handled, error) ||
        (!handled && !tern_sync_folder (self, "INBOX", error)))
      return TERN_SYNC_WAIT_ERROR;
  }
  return r < 0 ? TERN_SYNC_WAIT_INTERRUPTED : TERN_SYNC_WAIT_DONE;
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
      TernSyncWaitResult r = tern_sync_wait_for_changes (self, wait_ms, stop, error);

      if (r == TERN_SYNC_WAIT_ERROR)
        return FALSE;
      if (r == TERN_SYNC_WAIT_INTERRUPTED)
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
      if (!tern_failure_is_retryable (local_error))
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
