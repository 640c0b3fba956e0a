/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "tern-account-worker"

#include "config.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <string.h>

#include "tern-account-worker-private.h"
#include "tern-journal.h"
#include "tern-outbox-sync.h"
#include "tern-sync.h"

/* The worker thread: it owns its TernSync and TernStore and talks to the main thread only
 * through Shared (see tern-account-worker.c). */

#define PROGRESS_INTERVAL_MS  33          /* at most ~30 updates a second */
#define WAIT_MS               (5 * 60 * 1000)
#define POLL_INTERVAL_US      (2 * 60 * G_USEC_PER_SEC)
#define RETRY_MIN_MS          (15 * 1000)
#define RETRY_MAX_MS          (5 * 60 * 1000)
#define SYNC_TIMEOUT_S        30

/* Worker-thread side. */

static void
post (Shared *s,
      Event  *ev)
{
  ev->shared = _tern_worker_shared_ref (s);
  g_main_context_invoke_full (s->main_context, G_PRIORITY_DEFAULT, _tern_worker_event_cb, ev,
                              (GDestroyNotify) _tern_worker_event_free);
}

/* Called with the lock held. */
static void
schedule_progress (Shared *s)
{
  GSource *source;

  if (s->progress_pending)
    return;
  s->progress_pending = TRUE;
  source = g_timeout_source_new (PROGRESS_INTERVAL_MS);
  g_source_set_callback (source, _tern_worker_progress_cb, _tern_worker_shared_ref (s),
                         (GDestroyNotify) _tern_worker_shared_unref);
  g_source_set_name (source, "[tern] worker progress");
  g_source_attach (source, s->main_context);
  g_source_unref (source);
}

typedef struct
{
  Shared           *shared;
  TernStore        *store;
  TernSync         *sync;
  TernAccountState  posted;
  char             *posted_error;
  char             *password;
  gboolean          want_sync;
  gboolean          healthy;       /* the last operation reached the server */
  gboolean          prefetch_pending; /* the background prefetch was interrupted: resume it */
  gboolean          outbox_pending;   /* fetching a forward's attachments was interrupted */
  gboolean          needs_user;    /* do not retry by itself */
  gboolean          asleep;        /* between PrepareForSleep(true) and (false) */
  gboolean          network_down;  /* the monitor said no network: nothing to try */
  guint             retry_ms;
  gint64            retry_at;
  gint64            next_poll;
  /* Changes seen during the current operation. */
  gboolean          folders_changed;
  guint             new_messages;
  guint             new_notified;  /* in folders that notify (tern_store_get_folder_notify()) */
  GHashTable       *notifies;      /* folder id -> 1 (no) or 2 (yes), until the next flush */
  guint             other_changes;
  char             *subject;
  GArray           *notified;      /* their ids (gint64), when known */
  TernChangeSets   *sets;          /* by folder and message id */
  guint             named;         /* changes the sets name (no re-read needed for them) */
  guint             queue_seen;    /* queued + failed actions when last posted */
  char             *open_folder;   /* the folder the user has open (server name) */
} Worker;

static void
post_state (Worker           *w,
            TernAccountState  state,
            const char       *error_message)
{
  Event *ev;

  if (w->posted == state && g_strcmp0 (w->posted_error, error_message) == 0)
    return;
  w->posted = state;
  g_free (w->posted_error);
  w->posted_error = g_strdup (error_message);
  ev = g_new0 (Event, 1);
  ev->kind = EVENT_STATE;
  ev->state = state;
  ev->text = g_strdup (error_message);
  post (w->shared, ev);
}

static void
flush_changes (Worker *w)
{
  g_autoptr(GPtrArray) sets = tern_change_sets_steal (w->sets);
  gint64 account = w->shared->account_id;
  guint queue = 0;
  gboolean legacy;
  Event *ev;

  /* The queue's size and failures, as one number to compare. */
  if (w->store != NULL)
    queue = tern_journal_count_state (w->store, account, TERN_ACTION_STATE_QUEUED) +
            tern_journal_count_state (w->store, account, TERN_ACTION_STATE_SENT) +
            tern_journal_count_state (w->store, account, TERN_ACTION_STATE_FAILED) * 65536;
  /* "changed" (re-read everything) only for what the sets do not name. */
  legacy = w->folders_changed || w->new_messages + w->other_changes > w->named;

  /* The queue moved on (a replay) with nothing else: the count is told all the same. */
  if (!legacy && sets->len == 0 && queue == w->queue_seen)
    return;
  w->queue_seen = queue;
  ev = g_new0 (Event, 1);
  ev->kind = EVENT_CHANGED;
  ev->legacy = legacy;
  ev->sets = g_steal_pointer (&sets);
  ev->folders_changed = w->folders_changed;
  ev->new_messages = w->new_messages;
  ev->new_notified = w->new_notified;
  ev->subject = g_steal_pointer (&w->subject);
  if (w->notified->len > 0)
    {
      ev->ids = g_steal_pointer (&w->notified);
      w->notified = g_array_new (FALSE, FALSE, sizeof (gint64));
    }
  post (w->shared, ev);
  w->folders_changed = FALSE;
  w->new_messages = w->new_notified = w->other_changes = w->named = 0;
  /* The user may change a folder's notifications meanwhile: asked again next time. */
  g_hash_table_remove_all (w->notifies);
}

static void
sync_progress_cb (const char *folder,
                  guint       done,
                  guint       total,
                  gpointer    user_data)
{
  Worker *w = user_data;
  Shared *s = w->shared;

  g_mutex_lock (&s->lock);
  if (g_strcmp0 (s->progress_folder, folder) != 0)
    {
      g_free (s->progress_folder);
      s->progress_folder = g_strdup (folder);
    }
  s->progress_done = done;
  s->progress_total = total;
  s->progress_changed = TRUE;
  schedule_progress (s);
  g_mutex_unlock (&s->lock);
}

/* Whether new mail there raises a notification: INBOX, and the folders the user chose. */
static gboolean
folder_notifies (Worker               *w,
                 const TernSyncChange *change)
{
  gpointer known;

  if (change->folder_id == 0 || w->store == NULL)
    return change->folder != NULL && g_ascii_strcasecmp (change->folder, "INBOX") == 0;
  known = g_hash_table_lookup (w->notifies, &change->folder_id);
  if (known == NULL)
    {
      gint64 *key = g_memdup2 (&change->folder_id, sizeof (gint64));

      known = GUINT_TO_POINTER (tern_store_get_folder_notify (w->store, change->folder_id) ? 2 : 1);
      g_hash_table_insert (w->notifies, key, known);
    }
  return GPOINTER_TO_UINT (known) == 2;
}

static void
sync_change_cb (const TernSyncChange *change,
                gpointer              user_data)
{
  Worker *w = user_data;

  switch (change->kind)
    {
    case TERN_SYNC_CHANGE_NEW:
      if (change->message_id != 0 && change->folder_id != 0)
        tern_change_set_add (tern_change_sets_get (w->sets, w->shared->account_id, change->folder_id),
                             change->message_id);
      if (change->message_id != 0 && change->folder_id != 0)
        w->named++;
      w->new_messages++;
      if (folder_notifies (w, change))
        {
          w->new_notified++;
          g_free (w->subject);
          w->subject = g_strdup (change->subject);
          if (change->message_id != 0)
            g_array_append_val (w->notified, change->message_id);
        }
      break;
    case TERN_SYNC_CHANGE_FOLDER_ADDED:
    case TERN_SYNC_CHANGE_FOLDER_REMOVED:
    case TERN_SYNC_CHANGE_FOLDER_RENAMED:
      w->folders_changed = TRUE;
      tern_change_sets_get (w->sets, w->shared->account_id, 0)->folders_changed = TRUE;
      break;
    case TERN_SYNC_CHANGE_FLAGS:
      if (change->message_id != 0 && change->folder_id != 0)
        tern_change_set_change (tern_change_sets_get (w->sets, w->shared->account_id, change->folder_id),
                                change->message_id);
      if (change->message_id != 0 && change->folder_id != 0)
        w->named++;
      w->other_changes++;
      break;
    case TERN_SYNC_CHANGE_EXPUNGED:
      if (change->message_id != 0 && change->folder_id != 0)
        tern_change_set_remove (tern_change_sets_get (w->sets, w->shared->account_id, change->folder_id),
                                change->message_id);
      if (change->message_id != 0 && change->folder_id != 0)
        w->named++;
      w->other_changes++;
      break;
    case TERN_SYNC_CHANGE_COMMITTED:
      /* INBOX's news before the rest of the run (the LIST, the other folders). */
      flush_changes (w);
      break;
    case TERN_SYNC_CHANGE_UIDVALIDITY:
    default:
      tern_change_sets_get (w->sets, w->shared->account_id, change->folder_id)->reload = TRUE;
      w->other_changes++;
      break;
    }
}

/* A batch of a first sync stored: the folder is read again at once (the rows come newest
 * first), with the folders LIST brought if they were not told yet. */
static void
sync_stored_cb (gint64   folder_id,
                gpointer user_data)
{
  Worker *w = user_data;
  TernChangeSet *set = tern_change_sets_get (w->sets, w->shared->account_id, folder_id);

  set->reload = TRUE;
  set->counts_changed = TRUE;
  flush_changes (w);
}

static void
drop_sync (Worker *w)
{
  Shared *s = w->shared;

  if (w->sync == NULL)
    return;
  g_mutex_lock (&s->lock);
  s->sync = NULL;
  g_mutex_unlock (&s->lock);
  g_clear_pointer (&w->sync, tern_sync_free);
}

static gboolean
ensure_sync (Worker  *w,
             GError **error)
{
  Shared *s = w->shared;
  g_autoptr(TernAccount) account = NULL;

  if (w->sync != NULL)
    return TRUE;
  if (w->store == NULL)
    {
      g_set_error (error, TERN_SYNC_ERROR, TERN_SYNC_ERROR_CONFIG, "The cache cannot be opened");
      return FALSE;
    }
  account = tern_store_get_account_by_id (w->store, s->account_id, error);
  if (account == NULL)
    return FALSE;
  w->sync = tern_sync_new (w->store, account);
  tern_sync_set_timeout (w->sync, SYNC_TIMEOUT_S);
  tern_sync_set_progress_func (w->sync, sync_progress_cb, w);
  tern_sync_set_change_func (w->sync, sync_change_cb, w);
  tern_sync_set_stored_func (w->sync, sync_stored_cb, w);
  tern_sync_set_open_folder (w->sync, w->open_folder);
  if (w->password != NULL)
    tern_sync_set_password (w->sync, w->password);
  g_mutex_lock (&s->lock);
  s->sync = w->sync;
  g_mutex_unlock (&s->lock);
  return TRUE;
}

static gboolean
is_offline (Worker *w)
{
  return g_atomic_int_get (&w->shared->work_offline) || g_atomic_int_get (&w->shared->stopping);
}

/* Sorts an operation's failure: what the user sees and what happens next. */
static void
handle_error (Worker *w,
              GError *error)
{
  TernFailureClass class;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) || is_offline (w))
    {
      /* Cancelled: never an error for the user. A cancelled TernSync stays cancelled. */
      drop_sync (w);
      w->healthy = FALSE;
      if (is_offline (w))
        post_state (w, TERN_ACCOUNT_STATE_OFFLINE, NULL);
      return;
    }

  class = tern_failure_classify (error);
  if (class == TERN_FAILURE_ASK_USER)
    {
      if (error->code == TERN_SYNC_ERROR_CERTIFICATE && w->sync != NULL)
        {
          Event *ev = g_new0 (Event, 1);

          ev->kind = EVENT_CERTIFICATE;
          ev->text = tern_sync_dup_refused_sha256 (w->sync);
          ev->description = tern_sync_dup_refused_description (w->sync);
          post (w->shared, ev);
        }
      drop_sync (w);
      w->healthy = FALSE;
      w->needs_user = TRUE;
      post_state (w, TERN_ACCOUNT_STATE_NEEDS_USER, error->message);
      return;
    }

  if (tern_failure_is_retryable (error))
    {
      drop_sync (w);
      w->healthy = FALSE;
      w->retry_at = g_get_monotonic_time () + (gint64) w->retry_ms * 1000;
      w->retry_ms = MIN (w->retry_ms * 2, RETRY_MAX_MS);
      post_state (w, TERN_ACCOUNT_STATE_OFFLINE, error->message);
      return;
    }

  /* Anything else concerns one operation: the connection may well be fine. */
  if (w->sync != NULL && tern_sync_is_connected (w->sync))
    post_state (w, TERN_ACCOUNT_STATE_ONLINE, error->message);
  else
    {
      drop_sync (w);
      w->healthy = FALSE;
      w->retry_at = g_get_monotonic_time () + (gint64) w->retry_ms * 1000;
      post_state (w, TERN_ACCOUNT_STATE_OFFLINE, error->message);
    }
}

static void
went_well (Worker *w)
{
  w->healthy = TRUE;
  w->needs_user = FALSE;
  w->retry_ms = RETRY_MIN_MS;
  post_state (w, TERN_ACCOUNT_STATE_ONLINE, NULL);
}

/* Sends what waits in the outbox (every queued message if `now`, else those that are due);
 * the Sent copies and flags follow through the journal, replayed at once when connected.
 * The sender is where tern_account_worker_stop() can cancel it: quitting never waits for a
 * slow submission server. */
static void
send_outbox (Worker   *w,
             gboolean  now)
{
  Shared *s = w->shared;
  g_autoptr(GError) error = NULL;
  g_autoptr(TernAccount) account = NULL;
  TernOutboxSender *sender;
  TernOutboxRun run = { 0 };

  if (is_offline (w) || w->store == NULL ||
      (account = tern_store_get_account_by_id (w->store, s->account_id, NULL)) == NULL)
    return;
  if (!now && tern_outbox_count (w->store, s->account_id, TERN_OUTBOX_QUEUED) == 0)
    return;
  /* Forwards written offline: their attachments first (#14 item 4). A command from the UI
   * interrupts that; the outbox is gone through again once the commands are handled, not at
   * the next poll a minute away (test-ui-firsthour /ui-firsthour/forward-offline waited 60 s
   * for a forward whose download a folder switch had interrupted). */
  w->outbox_pending = FALSE;
  if (w->sync != NULL && tern_sync_is_connected (w->sync) &&
      !tern_sync_fill_outbox_parts (w->sync, s->interrupt, NULL, &error))
    {
      g_debug ("outbox: forwarded attachments: %s", error->message);
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) && !g_atomic_int_get (&s->stopping))
        w->outbox_pending = TRUE;
      g_clear_error (&error);
    }

  sender = tern_outbox_sender_new (w->store, account);
  if (w->password != NULL)
    tern_outbox_sender_set_password (sender, w->password);
  g_mutex_lock (&s->lock);
  s->sender = sender;
  g_mutex_unlock (&s->lock);
  /* A stop that came before the sender was visible to it. */
  if (g_atomic_int_get (&s->stopping))
    tern_outbox_sender_cancel (sender);

  if (!tern_outbox_sender_run (sender, now, &run, &error))
    g_debug ("outbox: %s", error->message);

  g_mutex_lock (&s->lock);
  s->sender = NULL;
  g_mutex_unlock (&s->lock);
  tern_outbox_sender_free (sender);

  if (run.followed_up > 0 && w->sync != NULL && !is_offline (w))
    tern_sync_replay (w->sync, NULL);
  if (run.sent > 0 || run.failed > 0 || run.unknown > 0 || run.deferred > 0)
    w->other_changes++;
}

static void prefetch (Worker *w);

/* After a sync: what waits in the outbox goes out, then the bodies the offline policy keeps
 * are fetched in the background (prefetch()). */
static void
after_sync (Worker *w)
{
  send_outbox (w, FALSE);

  /* Preview lines from the server, where the account asks for them (a slow link): before
   * any text, so the list shows them soon (#14 item 12). */
  {
    g_autoptr(TernAccount) account = tern_store_get_account_by_id (w->store, w->shared->account_id, NULL);
    g_autoptr(GError) preview_error = NULL;
    guint kept = 0;

    if (account != NULL && account->server_previews && !is_offline (w))
      {
        if (!tern_sync_fetch_previews (w->sync, &kept, &preview_error))
          g_debug ("previews: %s", preview_error->message);
        else if (kept > 0)
          w->other_changes++;
      }
  }

  prefetch (w);
}

/* The bodies the offline policy keeps, fetched in the background. A command from the UI
 * interrupts that; it goes on once the commands are handled, before the next wait for news
 * (not only after the next sync, which may be a poll a minute away). */
static void
prefetch (Worker *w)
{
  g_autoptr(GError) error = NULL;

  w->prefetch_pending = FALSE;
  /* A metered network (a phone's hotspot) pays per byte: bodies wait unless allowed. */
  if (g_atomic_int_get (&w->shared->metered) && !g_atomic_int_get (&w->shared->prefetch_metered))
    g_debug ("prefetch: paused on a metered network");
  else if (!is_offline (w) && !tern_sync_prefetch (w->sync, w->shared->interrupt, NULL, &error))
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        w->prefetch_pending = TRUE;
      else
        g_debug ("prefetch: %s", error->message);
    }
  flush_changes (w);
}

static void
do_sync (Worker *w)
{
  g_autoptr(GError) error = NULL;

  w->want_sync = FALSE;
  post_state (w, w->sync != NULL && tern_sync_is_connected (w->sync) ?
                 TERN_ACCOUNT_STATE_SYNCING : TERN_ACCOUNT_STATE_CONNECTING, NULL);
  if (!ensure_sync (w, &error) || !tern_sync_connect (w->sync, &error))
    {
      handle_error (w, error);
      return;
    }
  post_state (w, TERN_ACCOUNT_STATE_SYNCING, NULL);
  if (!tern_sync_run (w->sync, NULL, &error))
    {
      flush_changes (w);
      handle_error (w, error);
      return;
    }
  if (tern_store_index_pending (w->store, 0, NULL, NULL))
    {
      /* Search is ready for what just arrived; failures here only slow a later search. */
    }
  w->other_changes++;   /* counts and the queue may have moved: the UI re-reads */
  flush_changes (w);
  after_sync (w);
  w->next_poll = g_get_monotonic_time () + POLL_INTERVAL_US;
  went_well (w);
}

static void
do_idle_round (Worker *w)
{
  g_autoptr(GError) error = NULL;
  gint64 now = g_get_monotonic_time ();
  TernSyncWaitResult r;

  /* The user's queued actions go first, and their count is told before the wait (the
   * wait would replay them too, but say so only when it ends). */
  if (w->store != NULL && tern_journal_count_queued (w->store, w->shared->account_id, NULL) > 0)
    {
      if (!tern_sync_replay (w->sync, &error))
        {
          flush_changes (w);
          handle_error (w, error);
          return;
        }
      flush_changes (w);
    }
  r = tern_sync_wait_for_changes (w->sync, WAIT_MS, w->shared->interrupt, &error);
  flush_changes (w);
  if (r == TERN_SYNC_WAIT_ERROR)
    {
      handle_error (w, error);
      return;
    }
  now = g_get_monotonic_time ();
  if (r == TERN_SYNC_WAIT_DONE && now >= w->next_poll && !is_offline (w))
    {
      if (!tern_sync_poll_folders (w->sync, &error))
        {
          flush_changes (w);
          handle_error (w, error);
          return;
        }
      /* Messages deferred by a temporary refusal are tried again when due. */
      send_outbox (w, FALSE);
      flush_changes (w);
      w->next_poll = g_get_monotonic_time () + POLL_INTERVAL_US;
    }
  went_well (w);
}

static void
post_result (Worker *w,
             guint   request,
             GError *error)
{
  Event *ev = g_new0 (Event, 1);

  ev->kind = EVENT_RESULT;
  ev->request = request;
  ev->error = error;
  post (w->shared, ev);
}

static void
post_result_ids (Worker *w,
                 guint   request,
                 GArray *ids)
{
  Event *ev = g_new0 (Event, 1);

  ev->kind = EVENT_RESULT;
  ev->request = request;
  ev->ids = ids;
  post (w->shared, ev);
}

typedef struct
{
  Shared *shared;
  guint   request;
} PartProgress;

static void
part_progress_cb (guint64  done,
                  guint64  total,
                  gpointer user_data)
{
  PartProgress *pp = user_data;
  Shared *s = pp->shared;

  g_mutex_lock (&s->lock);
  s->part_request = pp->request;
  s->part_done = done;
  s->part_total = total;
  s->part_changed = TRUE;
  schedule_progress (s);
  g_mutex_unlock (&s->lock);
}

/* The whole message into cmd->dest_path (written to a temporary file, then renamed). */
static gboolean
export_message (Worker   *w,
                Command  *cmd,
                GError  **error)
{
  g_autofree char *partial = g_strconcat (cmd->dest_path, ".part", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (partial);
  g_autoptr(GFileOutputStream) out = g_file_replace (file, NULL, FALSE, G_FILE_CREATE_PRIVATE,
                                                     NULL, error);
  gboolean ok;

  if (out == NULL)
    return FALSE;
  ok = tern_sync_export_message (w->sync, cmd->message_id, G_OUTPUT_STREAM (out), error) &&
       g_output_stream_close (G_OUTPUT_STREAM (out), NULL, error);
  if (ok && g_rename (partial, cmd->dest_path) != 0)
    {
      int saved = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved), "Cannot write %s: %s",
                   cmd->dest_path, g_strerror (saved));
      ok = FALSE;
    }
  if (!ok)
    g_unlink (partial);
  return ok;
}

static void
do_fetch (Worker  *w,
          Command *cmd)
{
  GError *error = NULL;

  if (is_offline (w))
    {
      post_result (w, cmd->request,
                   g_error_new_literal (TERN_SYNC_ERROR, TERN_SYNC_ERROR_OFFLINE,
                                        "Working offline"));
      return;
    }
  if (cmd->cancellable != NULL && g_cancellable_set_error_if_cancelled (cmd->cancellable, &error))
    {
      post_result (w, cmd->request, error);
      return;
    }

  if (!w->healthy && w->posted != TERN_ACCOUNT_STATE_ONLINE)
    post_state (w, TERN_ACCOUNT_STATE_CONNECTING, w->posted_error);
  if (!ensure_sync (w, &error))
    {
      handle_error (w, error);
      post_result (w, cmd->request, error);
      return;
    }

  {
    g_autoptr(GArray) ids = NULL;
    gboolean ok;

    if (cmd->kind == CMD_FETCH_TEXT)
      ok = tern_sync_fetch_text (w->sync, cmd->message_id, &error);
    else if (cmd->kind == CMD_EXPORT)
      ok = export_message (w, cmd, &error);
    else if (cmd->kind == CMD_SEARCH)
      ok = (ids = tern_sync_server_search (w->sync, cmd->section, &error)) != NULL;
    else
      {
        PartProgress pp = { w->shared, cmd->request };

        ok = tern_sync_fetch_part (w->sync, cmd->message_id, cmd->section, cmd->dest_path,
                                   part_progress_cb, &pp, cmd->cancellable, &error);
      }
    if (!ok)
      {
        if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
          handle_error (w, error);
        post_result (w, cmd->request, error);
        return;
      }
    went_well (w);
    post_result_ids (w, cmd->request, g_steal_pointer (&ids));
  }
}

gpointer
_tern_worker_thread (gpointer data)
{
  Shared *s = data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GMainContext) own_context = g_main_context_new ();
  Worker w = { 0 };
  gboolean running = TRUE;

  /* Without a thread-default context of its own, g_main_context_invoke_full() from this
   * thread would run main-thread callbacks right here whenever the main thread is not
   * iterating at that moment. */
  g_main_context_push_thread_default (own_context);
  w.shared = s;
  w.posted = TERN_ACCOUNT_STATE_OFFLINE;
  w.want_sync = TRUE;
  w.retry_ms = RETRY_MIN_MS;
  w.sets = tern_change_sets_new ();
  w.notifies = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
  w.notified = g_array_new (FALSE, FALSE, sizeof (gint64));
  w.store = tern_store_open (s->db_path, &error);
  if (w.store == NULL)
    {
      w.needs_user = TRUE;
      post_state (&w, TERN_ACCOUNT_STATE_NEEDS_USER, error->message);
    }

  while (running)
    {
      Command *cmd;

      /* Reset before looking at the queue: a push after this point interrupts the wait. */
      g_cancellable_reset (s->interrupt);
      cmd = g_async_queue_try_pop (s->queue);

      if (cmd == NULL)
        {
          if (is_offline (&w) || w.store == NULL || w.needs_user || w.asleep || w.network_down ||
              (g_atomic_int_get (&s->link_down) && !w.healthy))
            {
              if (is_offline (&w))
                post_state (&w, TERN_ACCOUNT_STATE_OFFLINE, NULL);
              cmd = g_async_queue_pop (s->queue);
            }
          else if (w.want_sync)
            {
              do_sync (&w);
              continue;
            }
          else if (w.healthy && w.sync != NULL && w.outbox_pending)
            {
              send_outbox (&w, FALSE);
              flush_changes (&w);
              continue;
            }
          else if (w.healthy && w.sync != NULL && w.prefetch_pending)
            {
              prefetch (&w);
              continue;
            }
          else if (w.healthy && w.sync != NULL)
            {
              do_idle_round (&w);
              continue;
            }
          else
            {
              gint64 wait_us = MAX (0, w.retry_at - g_get_monotonic_time ());

              cmd = g_async_queue_timeout_pop (s->queue, (guint64) wait_us);
              if (cmd == NULL)
                {
                  w.want_sync = TRUE;
                  continue;
                }
            }
        }

      switch (cmd->kind)
        {
        case CMD_STOP:
          running = FALSE;
          break;
        case CMD_SYNC:
          w.needs_user = FALSE;
          w.want_sync = !is_offline (&w);
          break;
        case CMD_REPLAY:
          /* The queue changed: the next round tells its count whatever it is. */
          w.queue_seen = G_MAXUINT;
          /* A healthy connection replays at the start of the next IDLE round; otherwise a
           * sync will. */
          if (!w.healthy && !w.needs_user)
            w.want_sync = TRUE;
          break;
        case CMD_FETCH_TEXT:
        case CMD_FETCH_PART:
        case CMD_SEARCH:
        case CMD_EXPORT:
          do_fetch (&w, cmd);
          break;
        case CMD_SEND:
          /* Connected: at once. Otherwise the sync that connects sends it; an account whose
           * IMAP side needs the user may still submit. */
          if ((w.healthy && w.sync != NULL) || w.needs_user)
            {
              send_outbox (&w, TRUE);
              flush_changes (&w);
            }
          else if (!is_offline (&w))
            w.want_sync = TRUE;
          break;
        case CMD_SET_PASSWORD:
          g_free (w.password);
          w.password = g_strdup (cmd->password);
          if (w.sync != NULL)
            tern_sync_set_password (w.sync, w.password);
          w.needs_user = FALSE;
          w.want_sync = TRUE;
          break;
        case CMD_RELOAD:
          drop_sync (&w);
          w.healthy = FALSE;
          w.needs_user = FALSE;
          w.want_sync = TRUE;
          break;
        case CMD_OFFLINE_CHANGED:
          if (is_offline (&w))
            {
              drop_sync (&w);
              w.healthy = FALSE;
              post_state (&w, TERN_ACCOUNT_STATE_OFFLINE, NULL);
            }
          else
            {
              w.needs_user = FALSE;
              w.want_sync = TRUE;
            }
          break;
        case CMD_NETWORK_CHANGED:
          /* The connection goes on: the push ended its wait for news, and the server's
           * answer to DONE was the check that the link still works. */
          if (cmd->keep && w.sync != NULL)
            {
              w.network_down = FALSE;
              /* After an outage the connection was kept through (the main thread showed
               * OFFLINE meanwhile): the wait this ended proved it, online again. */
              w.posted = (TernAccountState) -1;
              if (w.healthy)
                post_state (&w, TERN_ACCOUNT_STATE_ONLINE, NULL);
              break;
            }
          /* The old connection may be dead without knowing it: a new one, now. */
          drop_sync (&w);
          w.healthy = FALSE;
          w.network_down = !cmd->flag;
          w.retry_ms = RETRY_MIN_MS;
          if (w.network_down)
            post_state (&w, TERN_ACCOUNT_STATE_OFFLINE, NULL);
          else if (!is_offline (&w))
            {
              w.needs_user = FALSE;
              w.want_sync = TRUE;
            }
          break;
        case CMD_SLEEP:
          w.asleep = cmd->flag;
          if (w.asleep)
            {
              /* Closed cleanly (LOGOUT) before the machine sleeps. */
              drop_sync (&w);
              w.healthy = FALSE;
              post_state (&w, TERN_ACCOUNT_STATE_OFFLINE, NULL);
            }
          else if (!is_offline (&w))
            {
              w.retry_ms = RETRY_MIN_MS;
              w.want_sync = TRUE;
            }
          break;
        case CMD_OPEN_FOLDER:
          /* Taken at the next wait for news (the push ended the current one). */
          g_free (w.open_folder);
          w.open_folder = g_strdup (cmd->folder);
          if (w.sync != NULL)
            tern_sync_set_open_folder (w.sync, w.open_folder);
          break;
        default:
          g_assert_not_reached ();
        }
      _tern_worker_command_free (cmd);
    }

  /* Fail whatever is still queued so that no caller waits for ever. */
  {
    Command *cmd;

    while ((cmd = g_async_queue_try_pop (s->queue)) != NULL)
      {
        if (cmd->kind == CMD_FETCH_TEXT || cmd->kind == CMD_FETCH_PART || cmd->kind == CMD_SEARCH ||
            cmd->kind == CMD_EXPORT)
          post_result (&w, cmd->request,
                       g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED, "Stopped"));
        _tern_worker_command_free (cmd);
      }
  }

  drop_sync (&w);
  g_clear_pointer (&w.store, tern_store_free);
  g_clear_pointer (&w.sets, tern_change_sets_free);
  g_clear_pointer (&w.notifies, g_hash_table_unref);
  g_clear_pointer (&w.notified, g_array_unref);
  g_free (w.posted_error);
  g_free (w.subject);
  g_free (w.open_folder);
  if (w.password != NULL)
    {
      memset (w.password, 0, strlen (w.password));
      g_free (w.password);
    }
  g_main_context_pop_thread_default (own_context);
  _tern_worker_shared_unref (s);
  return NULL;
}
