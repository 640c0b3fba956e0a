/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "tern-account-worker"

#include "config.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <gmime/gmime.h>
#include <string.h>

#include "tern-account-worker.h"
#include "tern-journal.h"
#include "tern-outbox-sync.h"
#include "tern-sync.h"

/*
 * Threads (../shared/STYLE.md): the worker thread owns its TernSync and its TernStore.
 * The two sides share one plain, reference-counted struct (Shared): the command queue, the
 * IDLE interrupt, the stop flag and the coalesced progress values. The thread never sees
 * the GObject: it posts Events to the main context, which find the object through a
 * GWeakRef and are dropped if it is gone.
 *
 * The one object that does cross is the caller's GCancellable of a part download, which
 * GIO makes thread-safe for exactly this use.
 */

#define PROGRESS_INTERVAL_MS  33          /* at most ~30 updates a second */
#define WAIT_MS               (5 * 60 * 1000)
#define POLL_INTERVAL_US      (2 * 60 * G_USEC_PER_SEC)
#define RETRY_MIN_MS          (15 * 1000)
#define RETRY_MAX_MS          (5 * 60 * 1000)
#define SYNC_TIMEOUT_S        30

G_DEFINE_ENUM_TYPE (TernAccountState, tern_account_state,
                    G_DEFINE_ENUM_VALUE (TERN_ACCOUNT_STATE_OFFLINE, "offline"),
                    G_DEFINE_ENUM_VALUE (TERN_ACCOUNT_STATE_CONNECTING, "connecting"),
                    G_DEFINE_ENUM_VALUE (TERN_ACCOUNT_STATE_SYNCING, "syncing"),
                    G_DEFINE_ENUM_VALUE (TERN_ACCOUNT_STATE_ONLINE, "online"),
                    G_DEFINE_ENUM_VALUE (TERN_ACCOUNT_STATE_NEEDS_USER, "needs-user"))

typedef enum
{
  CMD_SYNC,
  CMD_REPLAY,
  CMD_FETCH_TEXT,
  CMD_FETCH_PART,
  CMD_SEARCH,
  CMD_EXPORT,
  CMD_SEND,
  CMD_SET_PASSWORD,
  CMD_RELOAD,
  CMD_OFFLINE_CHANGED,
  CMD_STOP,
} CommandKind;

typedef struct
{
  CommandKind   kind;
  guint         request;
  gint64        message_id;
  char         *section;
  char         *dest_path;
  char         *password;
  GCancellable *cancellable;
} Command;

typedef struct
{
  char         *db_path;
  gint64        account_id;
  GMainContext *main_context;
  GWeakRef      owner;
  GAsyncQueue  *queue;
  GCancellable *interrupt;
  gint          stopping;       /* atomic */
  gint          work_offline;   /* atomic */

  GMutex        lock;           /* guards everything below */
  TernSync     *sync;           /* for tern_sync_cancel() from the main thread */
  TernOutboxSender *sender;     /* ... and tern_outbox_sender_cancel() */
  gboolean      progress_pending;
  char         *progress_folder;
  guint         progress_done;
  guint         progress_total;
  gboolean      progress_changed;
  guint         part_request;
  guint64       part_done;
  guint64       part_total;
  gboolean      part_changed;
} Shared;

typedef enum
{
  EVENT_STATE,
  EVENT_CHANGED,
  EVENT_CERTIFICATE,
  EVENT_RESULT,
} EventKind;

typedef struct
{
  Shared           *shared;
  EventKind         kind;
  TernAccountState  state;
  char             *text;          /* state: error message; certificate: sha256 */
  char             *description;   /* certificate */
  gboolean          folders_changed;
  guint             new_messages;
  guint             new_in_inbox;
  char             *subject;
  guint             request;
  GError           *error;
  GArray           *ids;           /* search results */
} Event;

typedef struct
{
  GTask               *task;
  GCancellable        *caller_cancellable;
  gulong               cancelled_id;
  TernPartProgressFunc progress;
  gpointer             progress_data;
  GDestroyNotify       progress_destroy;
} Request;

struct _TernAccountWorker
{
  GObject           parent_instance;

  /* Owned. */
  Shared           *shared;
  GThread          *thread;
  GHashTable       *requests;      /* request id -> Request */
  char             *status_text;
  char             *last_error;

  /* Borrowed. */
  TernStore        *main_store;

  gint64            account_id;
  guint             next_request;
  TernAccountState  state;
  guint             queued;
  guint             failed;
  guint             outbox_waiting;
  guint             outbox_failed;
  double            progress;
};

G_DEFINE_FINAL_TYPE (TernAccountWorker, tern_account_worker, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_ACCOUNT_ID,
  PROP_STATE,
  PROP_QUEUED,
  PROP_FAILED,
  PROP_OUTBOX_WAITING,
  PROP_OUTBOX_FAILED,
  PROP_WORK_OFFLINE,
  PROP_PROGRESS,
  PROP_STATUS_TEXT,
  PROP_LAST_ERROR,
  N_PROPS
};

enum {
  SIGNAL_CHANGED,
  SIGNAL_NEW_MAIL,
  SIGNAL_CERTIFICATE_REFUSED,
  N_SIGNALS
};

static GParamSpec *properties [N_PROPS];
static guint signals [N_SIGNALS];

/* Shared data and messages. */

static void
shared_clear (Shared *s)
{
  g_free (s->db_path);
  g_main_context_unref (s->main_context);
  g_weak_ref_clear (&s->owner);
  g_async_queue_unref (s->queue);
  g_object_unref (s->interrupt);
  g_mutex_clear (&s->lock);
  g_free (s->progress_folder);
}

static Shared *
shared_ref (Shared *s)
{
  return g_atomic_rc_box_acquire (s);
}

static void
shared_unref (Shared *s)
{
  g_atomic_rc_box_release_full (s, (GDestroyNotify) shared_clear);
}

static void
command_free (Command *cmd)
{
  g_free (cmd->section);
  g_free (cmd->dest_path);
  if (cmd->password != NULL)
    {
      memset (cmd->password, 0, strlen (cmd->password));
      g_free (cmd->password);
    }
  g_clear_object (&cmd->cancellable);
  g_free (cmd);
}

static void
event_free (Event *ev)
{
  shared_unref (ev->shared);
  g_free (ev->text);
  g_free (ev->description);
  g_free (ev->subject);
  g_clear_error (&ev->error);
  g_clear_pointer (&ev->ids, g_array_unref);
  g_free (ev);
}

static void
request_free (Request *req)
{
  g_clear_object (&req->task);
  if (req->caller_cancellable != NULL)
    {
      g_cancellable_disconnect (req->caller_cancellable, req->cancelled_id);
      g_clear_object (&req->caller_cancellable);
    }
  if (req->progress_destroy != NULL)
    req->progress_destroy (req->progress_data);
  g_free (req);
}

/* Main-thread side. */

static void
set_state (TernAccountWorker *self,
           TernAccountState   state)
{
  if (self->state != state)
    {
      self->state = state;
      g_object_notify_by_pspec (G_OBJECT (self), properties [PROP_STATE]);
    }
  if (state != TERN_ACCOUNT_STATE_SYNCING && self->progress >= 0)
    {
      self->progress = -1;
      g_object_notify_by_pspec (G_OBJECT (self), properties [PROP_PROGRESS]);
    }
}

static void
set_string (TernAccountWorker  *self,
            char              **field,
            const char         *value,
            int                 prop)
{
  if (g_strcmp0 (*field, value) != 0)
    {
      g_free (*field);
      *field = g_strdup (value);
      g_object_notify_by_pspec (G_OBJECT (self), properties [prop]);
    }
}

static void
recount_queue (TernAccountWorker *self)
{
  g_autoptr(GPtrArray) actions = NULL;
  guint queued = 0, failed = 0;

  actions = tern_journal_list (self->main_store, self->account_id, NULL);
  for (guint i = 0; actions != NULL && i < actions->len; i++)
    {
      const TernAction *a = actions->pdata[i];

      if (g_strcmp0 (a->state, "failed") == 0)
        failed++;
      else if (g_strcmp0 (a->state, "queued") == 0)
        queued++;
    }
  if (self->queued != queued)
    {
      self->queued = queued;
      g_object_notify_by_pspec (G_OBJECT (self), properties [PROP_QUEUED]);
    }
  if (self->failed != failed)
    {
      self->failed = failed;
      g_object_notify_by_pspec (G_OBJECT (self), properties [PROP_FAILED]);
    }

  /* The outbox: what waits to be sent, and what the user has to look at. */
  queued = tern_outbox_count (self->main_store, self->account_id, TERN_OUTBOX_QUEUED) +
           tern_outbox_count (self->main_store, self->account_id, TERN_OUTBOX_SENDING);
  failed = tern_outbox_count (self->main_store, self->account_id, TERN_OUTBOX_FAILED) +
           tern_outbox_count (self->main_store, self->account_id, TERN_OUTBOX_UNKNOWN);
  if (self->outbox_waiting != queued)
    {
      self->outbox_waiting = queued;
      g_object_notify_by_pspec (G_OBJECT (self), properties [PROP_OUTBOX_WAITING]);
    }
  if (self->outbox_failed != failed)
    {
      self->outbox_failed = failed;
      g_object_notify_by_pspec (G_OBJECT (self), properties [PROP_OUTBOX_FAILED]);
    }
}

static gboolean
event_cb (gpointer data)
{
  Event *ev = data;
  g_autoptr(TernAccountWorker) self = g_weak_ref_get (&ev->shared->owner);

  if (self == NULL)
    return G_SOURCE_REMOVE;

  switch (ev->kind)
    {
    case EVENT_STATE:
      set_state (self, ev->state);
      set_string (self, &self->last_error, ev->text, PROP_LAST_ERROR);
      if (ev->state != TERN_ACCOUNT_STATE_SYNCING)
        set_string (self, &self->status_text, NULL, PROP_STATUS_TEXT);
      recount_queue (self);
      break;

    case EVENT_CHANGED:
      recount_queue (self);
      g_signal_emit (self, signals [SIGNAL_CHANGED], 0, ev->folders_changed);
      if (ev->new_in_inbox > 0)
        g_signal_emit (self, signals [SIGNAL_NEW_MAIL], 0, ev->new_in_inbox, ev->subject);
      break;

    case EVENT_CERTIFICATE:
      g_signal_emit (self, signals [SIGNAL_CERTIFICATE_REFUSED], 0, ev->text, ev->description);
      break;

    case EVENT_RESULT:
      {
        Request *req = g_hash_table_lookup (self->requests, GUINT_TO_POINTER (ev->request));

        if (req != NULL)
          {
            g_autoptr(GTask) task = NULL;
            gboolean flush = FALSE;
            guint64 done = 0, total = 0;

            /* Progress still waiting in the coalescing source goes out before the result. */
            g_mutex_lock (&ev->shared->lock);
            if (ev->shared->part_changed && ev->shared->part_request == ev->request)
              {
                flush = TRUE;
                done = ev->shared->part_done;
                total = ev->shared->part_total;
                ev->shared->part_changed = FALSE;
              }
            g_mutex_unlock (&ev->shared->lock);
            if (flush && req->progress != NULL)
              req->progress (done, total, req->progress_data);

            task = g_steal_pointer (&req->task);

            g_hash_table_remove (self->requests, GUINT_TO_POINTER (ev->request));
            if (ev->error != NULL)
              g_task_return_error (task, g_steal_pointer (&ev->error));
            else if (ev->ids != NULL)
              g_task_return_pointer (task, g_steal_pointer (&ev->ids),
                                     (GDestroyNotify) g_array_unref);
            else
              g_task_return_boolean (task, TRUE);
          }
        recount_queue (self);
      }
      break;

    default:
      g_assert_not_reached ();
    }

  return G_SOURCE_REMOVE;
}

static gboolean
progress_cb (gpointer data)
{
  Shared *s = data;
  g_autoptr(TernAccountWorker) self = g_weak_ref_get (&s->owner);
  g_autofree char *folder = NULL;
  gboolean sync_changed, part_changed;
  guint done, total, request;
  guint64 part_done, part_total;

  g_mutex_lock (&s->lock);
  s->progress_pending = FALSE;
  sync_changed = s->progress_changed;
  part_changed = s->part_changed;
  s->progress_changed = s->part_changed = FALSE;
  folder = g_strdup (s->progress_folder);
  done = s->progress_done;
  total = s->progress_total;
  request = s->part_request;
  part_done = s->part_done;
  part_total = s->part_total;
  g_mutex_unlock (&s->lock);

  if (self == NULL)
    return G_SOURCE_REMOVE;

  if (sync_changed && self->state == TERN_ACCOUNT_STATE_SYNCING)
    {
      double fraction = total > 0 ? (double) done / total : 0.0;

      if (self->progress != fraction)
        {
          self->progress = fraction;
          g_object_notify_by_pspec (G_OBJECT (self), properties [PROP_PROGRESS]);
        }
      set_string (self, &self->status_text, folder, PROP_STATUS_TEXT);
    }

  if (part_changed)
    {
      Request *req = g_hash_table_lookup (self->requests, GUINT_TO_POINTER (request));

      if (req != NULL && req->progress != NULL)
        req->progress (part_done, part_total, req->progress_data);
    }

  return G_SOURCE_REMOVE;
}

/* Worker-thread side. */

static void
post (Shared *s,
      Event  *ev)
{
  ev->shared = shared_ref (s);
  g_main_context_invoke_full (s->main_context, G_PRIORITY_DEFAULT, event_cb, ev,
                              (GDestroyNotify) event_free);
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
  g_source_set_callback (source, progress_cb, shared_ref (s), (GDestroyNotify) shared_unref);
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
  gboolean          needs_user;    /* do not retry by itself */
  guint             retry_ms;
  gint64            retry_at;
  gint64            next_poll;
  /* Changes seen during the current operation. */
  gboolean          folders_changed;
  guint             new_messages;
  guint             new_in_inbox;
  guint             other_changes;
  char             *subject;
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
  Event *ev;

  if (!w->folders_changed && w->new_messages == 0 && w->other_changes == 0)
    return;
  ev = g_new0 (Event, 1);
  ev->kind = EVENT_CHANGED;
  ev->folders_changed = w->folders_changed;
  ev->new_messages = w->new_messages;
  ev->new_in_inbox = w->new_in_inbox;
  ev->subject = g_steal_pointer (&w->subject);
  post (w->shared, ev);
  w->folders_changed = FALSE;
  w->new_messages = w->new_in_inbox = w->other_changes = 0;
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

static void
sync_change_cb (const TernSyncChange *change,
                gpointer              user_data)
{
  Worker *w = user_data;

  switch (change->kind)
    {
    case TERN_SYNC_CHANGE_NEW:
      w->new_messages++;
      if (change->folder != NULL && g_ascii_strcasecmp (change->folder, "INBOX") == 0)
        {
          w->new_in_inbox++;
          g_free (w->subject);
          w->subject = g_strdup (change->subject);
        }
      break;
    case TERN_SYNC_CHANGE_FOLDER_ADDED:
    case TERN_SYNC_CHANGE_FOLDER_REMOVED:
    case TERN_SYNC_CHANGE_FOLDER_RENAMED:
      w->folders_changed = TRUE;
      break;
    case TERN_SYNC_CHANGE_FLAGS:
    case TERN_SYNC_CHANGE_EXPUNGED:
    case TERN_SYNC_CHANGE_UIDVALIDITY:
    default:
      w->other_changes++;
      break;
    }
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
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) || is_offline (w))
    {
      /* Cancelled: never an error for the user. A cancelled TernSync stays cancelled. */
      drop_sync (w);
      w->healthy = FALSE;
      if (is_offline (w))
        post_state (w, TERN_ACCOUNT_STATE_OFFLINE, NULL);
      return;
    }

  if (error->domain == TERN_SYNC_ERROR &&
      (error->code == TERN_SYNC_ERROR_AUTH || error->code == TERN_SYNC_ERROR_CERTIFICATE ||
       error->code == TERN_SYNC_ERROR_CONFIG || error->code == TERN_SYNC_ERROR_INSECURE))
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

  if (error->domain == TERN_SYNC_ERROR &&
      (error->code == TERN_SYNC_ERROR_OFFLINE || error->code == TERN_SYNC_ERROR_TRANSIENT))
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

/* After a sync: what waits in the outbox goes out, then the bodies the offline policy keeps
 * are fetched in the background; a command from the UI interrupts that and it goes on after
 * the next sync. */
static void
after_sync (Worker *w)
{
  g_autoptr(GError) error = NULL;

  send_outbox (w, FALSE);

  if (!is_offline (w) && !tern_sync_prefetch (w->sync, w->shared->interrupt, NULL, &error) &&
      !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    g_debug ("prefetch: %s", error->message);
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
  int r;

  r = tern_sync_wait_for_changes (w->sync, WAIT_MS, w->shared->interrupt, &error);
  flush_changes (w);
  if (r == -2)
    {
      handle_error (w, error);
      return;
    }
  now = g_get_monotonic_time ();
  if (r == 0 && now >= w->next_poll && !is_offline (w))
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

static gpointer
worker_thread (gpointer data)
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
          if (is_offline (&w) || w.store == NULL || w.needs_user)
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
        default:
          g_assert_not_reached ();
        }
      command_free (cmd);
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
        command_free (cmd);
      }
  }

  drop_sync (&w);
  g_clear_pointer (&w.store, tern_store_free);
  g_free (w.posted_error);
  g_free (w.subject);
  if (w.password != NULL)
    {
      memset (w.password, 0, strlen (w.password));
      g_free (w.password);
    }
  g_main_context_pop_thread_default (own_context);
  shared_unref (s);
  return NULL;
}

/* The GObject. */

static void
push (TernAccountWorker *self,
      Command           *cmd)
{
  Shared *s = self->shared;

  g_async_queue_push (s->queue, cmd);
  /* After the push: the worker resets the interrupt before it looks at the queue. */
  g_cancellable_cancel (s->interrupt);
}

static Command *
command_new (CommandKind kind)
{
  Command *cmd = g_new0 (Command, 1);

  cmd->kind = kind;
  return cmd;
}

static void
cancel_sync (Shared *s)
{
  g_mutex_lock (&s->lock);
  if (s->sync != NULL)
    tern_sync_cancel (s->sync);
  g_mutex_unlock (&s->lock);
}

/* Stopping: a submission in progress too (the message's state says whether it went). */
static void
cancel_all (Shared *s)
{
  cancel_sync (s);
  g_mutex_lock (&s->lock);
  if (s->sender != NULL)
    tern_outbox_sender_cancel (s->sender);
  g_mutex_unlock (&s->lock);
}

void
tern_account_worker_stop (TernAccountWorker *self)
{
  g_return_if_fail (TERN_IS_ACCOUNT_WORKER (self));

  if (self->thread == NULL)
    return;
  g_atomic_int_set (&self->shared->stopping, TRUE);
  push (self, command_new (CMD_STOP));
  cancel_all (self->shared);
  g_thread_join (g_steal_pointer (&self->thread));
  set_state (self, TERN_ACCOUNT_STATE_OFFLINE);
}

static void
tern_account_worker_dispose (GObject *object)
{
  TernAccountWorker *self = TERN_ACCOUNT_WORKER (object);

  tern_account_worker_stop (self);
  g_weak_ref_set (&self->shared->owner, NULL);

  G_OBJECT_CLASS (tern_account_worker_parent_class)->dispose (object);
}

static void
tern_account_worker_finalize (GObject *object)
{
  TernAccountWorker *self = TERN_ACCOUNT_WORKER (object);

  g_clear_pointer (&self->requests, g_hash_table_unref);
  g_clear_pointer (&self->shared, shared_unref);
  g_free (self->status_text);
  g_free (self->last_error);

  G_OBJECT_CLASS (tern_account_worker_parent_class)->finalize (object);
}

static void
tern_account_worker_get_property (GObject    *object,
                                  guint       prop_id,
                                  GValue     *value,
                                  GParamSpec *pspec)
{
  TernAccountWorker *self = TERN_ACCOUNT_WORKER (object);

  switch (prop_id)
    {
    case PROP_ACCOUNT_ID:
      g_value_set_int64 (value, self->account_id);
      break;
    case PROP_STATE:
      g_value_set_enum (value, self->state);
      break;
    case PROP_QUEUED:
      g_value_set_uint (value, self->queued);
      break;
    case PROP_FAILED:
      g_value_set_uint (value, self->failed);
      break;
    case PROP_OUTBOX_WAITING:
      g_value_set_uint (value, self->outbox_waiting);
      break;
    case PROP_OUTBOX_FAILED:
      g_value_set_uint (value, self->outbox_failed);
      break;
    case PROP_WORK_OFFLINE:
      g_value_set_boolean (value, tern_account_worker_get_work_offline (self));
      break;
    case PROP_PROGRESS:
      g_value_set_double (value, self->progress);
      break;
    case PROP_STATUS_TEXT:
      g_value_set_string (value, self->status_text);
      break;
    case PROP_LAST_ERROR:
      g_value_set_string (value, self->last_error);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tern_account_worker_set_property (GObject      *object,
                                  guint         prop_id,
                                  const GValue *value,
                                  GParamSpec   *pspec)
{
  TernAccountWorker *self = TERN_ACCOUNT_WORKER (object);

  switch (prop_id)
    {
    case PROP_WORK_OFFLINE:
      tern_account_worker_set_work_offline (self, g_value_get_boolean (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tern_account_worker_class_init (TernAccountWorkerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = tern_account_worker_dispose;
  object_class->finalize = tern_account_worker_finalize;
  object_class->get_property = tern_account_worker_get_property;
  object_class->set_property = tern_account_worker_set_property;

  properties [PROP_ACCOUNT_ID] =
    g_param_spec_int64 ("account-id", NULL, NULL, 0, G_MAXINT64, 0,
                        G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties [PROP_STATE] =
    g_param_spec_enum ("state", NULL, NULL, TERN_TYPE_ACCOUNT_STATE, TERN_ACCOUNT_STATE_OFFLINE,
                       G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  properties [PROP_QUEUED] =
    g_param_spec_uint ("queued", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  properties [PROP_FAILED] =
    g_param_spec_uint ("failed", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  properties [PROP_OUTBOX_WAITING] =
    g_param_spec_uint ("outbox-waiting", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  properties [PROP_OUTBOX_FAILED] =
    g_param_spec_uint ("outbox-failed", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  properties [PROP_WORK_OFFLINE] =
    g_param_spec_boolean ("work-offline", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  properties [PROP_PROGRESS] =
    g_param_spec_double ("progress", NULL, NULL, -1, 1, -1,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  properties [PROP_STATUS_TEXT] =
    g_param_spec_string ("status-text", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  properties [PROP_LAST_ERROR] =
    g_param_spec_string ("last-error", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /* The cache changed under a sync: re-read. TRUE if folders were added, removed or renamed. */
  signals [SIGNAL_CHANGED] =
    g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, G_TYPE_BOOLEAN);
  /* New messages in INBOX: how many, and the subject of the last one. */
  signals [SIGNAL_NEW_MAIL] =
    g_signal_new ("new-mail", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 2, G_TYPE_UINT, G_TYPE_STRING);
  /* The server's certificate did not verify: SHA-256 fingerprint and a description. */
  signals [SIGNAL_CERTIFICATE_REFUSED] =
    g_signal_new ("certificate-refused", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 2, G_TYPE_STRING, G_TYPE_STRING);
}

static void
tern_account_worker_init (TernAccountWorker *self)
{
  self->requests = g_hash_table_new_full (NULL, NULL, NULL, (GDestroyNotify) request_free);
  self->progress = -1;
  self->state = TERN_ACCOUNT_STATE_OFFLINE;
}

TernAccountWorker *
tern_account_worker_new (TernStore *main_store,
                         gint64     account_id)
{
  TernAccountWorker *self;
  Shared *s;

  g_return_val_if_fail (main_store != NULL, NULL);

  self = g_object_new (TERN_TYPE_ACCOUNT_WORKER, NULL);
  self->main_store = main_store;
  self->account_id = account_id;

  s = g_atomic_rc_box_new0 (Shared);
  s->db_path = g_strdup (tern_store_get_path (main_store));
  s->account_id = account_id;
  s->main_context = g_main_context_ref_thread_default ();
  g_weak_ref_init (&s->owner, self);
  s->queue = g_async_queue_new_full ((GDestroyNotify) command_free);
  s->interrupt = g_cancellable_new ();
  g_mutex_init (&s->lock);
  self->shared = s;

  recount_queue (self);
  return self;
}

gint64
tern_account_worker_get_account_id (TernAccountWorker *self)
{
  g_return_val_if_fail (TERN_IS_ACCOUNT_WORKER (self), 0);

  return self->account_id;
}

void
tern_account_worker_start (TernAccountWorker *self)
{
  g_autofree char *name = NULL;

  g_return_if_fail (TERN_IS_ACCOUNT_WORKER (self));

  if (self->thread != NULL)
    return;
  /* GMime's global state is set up here, on the main thread, before any worker parses:
   * g_mime_init() is not thread-safe. */
  g_mime_init ();
  tern_sync_global_init ();
  name = g_strdup_printf ("tern-account-%" G_GINT64_FORMAT, self->account_id);
  g_atomic_int_set (&self->shared->stopping, FALSE);
  self->thread = g_thread_new (name, worker_thread, shared_ref (self->shared));
}

TernAccountState
tern_account_worker_get_state (TernAccountWorker *self)
{
  g_return_val_if_fail (TERN_IS_ACCOUNT_WORKER (self), TERN_ACCOUNT_STATE_OFFLINE);

  return self->state;
}

guint
tern_account_worker_get_queued (TernAccountWorker *self)
{
  g_return_val_if_fail (TERN_IS_ACCOUNT_WORKER (self), 0);

  return self->queued;
}

guint
tern_account_worker_get_failed (TernAccountWorker *self)
{
  g_return_val_if_fail (TERN_IS_ACCOUNT_WORKER (self), 0);

  return self->failed;
}

guint
tern_account_worker_get_outbox_waiting (TernAccountWorker *self)
{
  g_return_val_if_fail (TERN_IS_ACCOUNT_WORKER (self), 0);

  return self->outbox_waiting;
}

guint
tern_account_worker_get_outbox_failed (TernAccountWorker *self)
{
  g_return_val_if_fail (TERN_IS_ACCOUNT_WORKER (self), 0);

  return self->outbox_failed;
}

gboolean
tern_account_worker_get_work_offline (TernAccountWorker *self)
{
  g_return_val_if_fail (TERN_IS_ACCOUNT_WORKER (self), FALSE);

  return g_atomic_int_get (&self->shared->work_offline);
}

void
tern_account_worker_set_work_offline (TernAccountWorker *self,
                                      gboolean           work_offline)
{
  g_return_if_fail (TERN_IS_ACCOUNT_WORKER (self));

  work_offline = !!work_offline;
  if (g_atomic_int_get (&self->shared->work_offline) == work_offline)
    return;
  g_atomic_int_set (&self->shared->work_offline, work_offline);
  if (work_offline)
    cancel_sync (self->shared);
  push (self, command_new (CMD_OFFLINE_CHANGED));
  if (work_offline)
    set_state (self, TERN_ACCOUNT_STATE_OFFLINE);
  g_object_notify_by_pspec (G_OBJECT (self), properties [PROP_WORK_OFFLINE]);
}

gboolean
tern_account_worker_get_reachable (TernAccountWorker *self)
{
  g_return_val_if_fail (TERN_IS_ACCOUNT_WORKER (self), FALSE);

  return !tern_account_worker_get_work_offline (self) &&
         (self->state == TERN_ACCOUNT_STATE_ONLINE || self->state == TERN_ACCOUNT_STATE_SYNCING ||
          self->state == TERN_ACCOUNT_STATE_CONNECTING);
}

double
tern_account_worker_get_progress (TernAccountWorker *self)
{
  g_return_val_if_fail (TERN_IS_ACCOUNT_WORKER (self), -1);

  return self->progress;
}

const char *
tern_account_worker_get_status_text (TernAccountWorker *self)
{
  g_return_val_if_fail (TERN_IS_ACCOUNT_WORKER (self), NULL);

  return self->status_text;
}

const char *
tern_account_worker_get_last_error (TernAccountWorker *self)
{
  g_return_val_if_fail (TERN_IS_ACCOUNT_WORKER (self), NULL);

  return self->last_error;
}

void
tern_account_worker_set_password (TernAccountWorker *self,
                                  const char        *password)
{
  Command *cmd;

  g_return_if_fail (TERN_IS_ACCOUNT_WORKER (self));

  cmd = command_new (CMD_SET_PASSWORD);
  cmd->password = g_strdup (password);
  push (self, cmd);
}

void
tern_account_worker_reload_account (TernAccountWorker *self)
{
  g_return_if_fail (TERN_IS_ACCOUNT_WORKER (self));

  push (self, command_new (CMD_RELOAD));
}

void
tern_account_worker_sync_now (TernAccountWorker *self)
{
  g_return_if_fail (TERN_IS_ACCOUNT_WORKER (self));

  push (self, command_new (CMD_SYNC));
}

void
tern_account_worker_send_now (TernAccountWorker *self)
{
  g_return_if_fail (TERN_IS_ACCOUNT_WORKER (self));

  recount_queue (self);
  if (self->thread != NULL && !tern_account_worker_get_work_offline (self))
    push (self, command_new (CMD_SEND));
}

void
tern_account_worker_local_change (TernAccountWorker *self)
{
  g_return_if_fail (TERN_IS_ACCOUNT_WORKER (self));

  recount_queue (self);
  if (self->thread != NULL)
    push (self, command_new (CMD_REPLAY));
}

static guint
add_request (TernAccountWorker   *self,
             GTask               *task,
             TernPartProgressFunc progress,
             gpointer             progress_data,
             GDestroyNotify       progress_destroy)
{
  Request *req = g_new0 (Request, 1);
  guint id = ++self->next_request;

  req->task = task;
  req->progress = progress;
  req->progress_data = progress_data;
  req->progress_destroy = progress_destroy;
  g_hash_table_insert (self->requests, GUINT_TO_POINTER (id), req);
  return id;
}

/* A request about one message for the worker thread; answered at once while offline. */
static void
push_message_request (TernAccountWorker   *self,
                      CommandKind          kind,
                      gint64               message_id,
                      const char          *dest_path,
                      gpointer             source_tag,
                      GCancellable        *cancellable,
                      GAsyncReadyCallback  callback,
                      gpointer             user_data)
{
  GTask *task = g_task_new (self, cancellable, callback, user_data);
  Command *cmd;

  g_task_set_source_tag (task, source_tag);
  if (self->thread == NULL || tern_account_worker_get_work_offline (self))
    {
      g_task_return_new_error (task, TERN_SYNC_ERROR, TERN_SYNC_ERROR_OFFLINE, "Working offline");
      g_object_unref (task);
      return;
    }
  cmd = command_new (kind);
  cmd->message_id = message_id;
  cmd->dest_path = g_strdup (dest_path);
  cmd->request = add_request (self, task, NULL, NULL, NULL);
  push (self, cmd);
}

void
tern_account_worker_fetch_text_async (TernAccountWorker   *self,
                                      gint64               message_id,
                                      GCancellable        *cancellable,
                                      GAsyncReadyCallback  callback,
                                      gpointer             user_data)
{
  g_return_if_fail (TERN_IS_ACCOUNT_WORKER (self));

  push_message_request (self, CMD_FETCH_TEXT, message_id, NULL, tern_account_worker_fetch_text_async,
                        cancellable, callback, user_data);
}

gboolean
tern_account_worker_fetch_text_finish (TernAccountWorker  *self,
                                       GAsyncResult       *result,
                                       GError            **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
forward_cancel_cb (GCancellable *caller,
                   GCancellable *ours)
{
  g_cancellable_cancel (ours);
}

void
tern_account_worker_fetch_part_async (TernAccountWorker   *self,
                                      gint64               message_id,
                                      const char          *section,
                                      const char          *dest_path,
                                      TernPartProgressFunc progress,
                                      gpointer             progress_data,
                                      GDestroyNotify       progress_destroy,
                                      GCancellable        *cancellable,
                                      GAsyncReadyCallback  callback,
                                      gpointer             user_data)
{
  GTask *task;
  Command *cmd;

  g_return_if_fail (TERN_IS_ACCOUNT_WORKER (self));
  g_return_if_fail (section != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, tern_account_worker_fetch_part_async);
  if (self->thread == NULL || tern_account_worker_get_work_offline (self))
    {
      if (progress_destroy != NULL)
        progress_destroy (progress_data);
      g_task_return_new_error (task, TERN_SYNC_ERROR, TERN_SYNC_ERROR_OFFLINE, "Working offline");
      g_object_unref (task);
      return;
    }
  cmd = command_new (CMD_FETCH_PART);
  cmd->message_id = message_id;
  cmd->section = g_strdup (section);
  cmd->dest_path = g_strdup (dest_path);
  /* The worker's own cancellable, cancelled from the caller's: the worker never sees the
   * caller's object. */
  cmd->cancellable = g_cancellable_new ();
  cmd->request = add_request (self, task, progress, progress_data, progress_destroy);
  if (cancellable != NULL)
    {
      Request *req = g_hash_table_lookup (self->requests, GUINT_TO_POINTER (cmd->request));

      req->caller_cancellable = g_object_ref (cancellable);
      req->cancelled_id = g_cancellable_connect (cancellable, G_CALLBACK (forward_cancel_cb),
                                                 g_object_ref (cmd->cancellable),
                                                 g_object_unref);
    }
  push (self, cmd);
}

gboolean
tern_account_worker_fetch_part_finish (TernAccountWorker  *self,
                                       GAsyncResult       *result,
                                       GError            **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

void
tern_account_worker_search_async (TernAccountWorker   *self,
                                  const char          *query,
                                  GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data)
{
  GTask *task;
  Command *cmd;

  g_return_if_fail (TERN_IS_ACCOUNT_WORKER (self));
  g_return_if_fail (query != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, tern_account_worker_search_async);
  if (self->thread == NULL || tern_account_worker_get_work_offline (self) ||
      self->state == TERN_ACCOUNT_STATE_OFFLINE || self->state == TERN_ACCOUNT_STATE_NEEDS_USER)
    {
      g_task_return_new_error (task, TERN_SYNC_ERROR, TERN_SYNC_ERROR_OFFLINE, "Offline");
      g_object_unref (task);
      return;
    }
  cmd = command_new (CMD_SEARCH);
  cmd->section = g_strdup (query);
  cmd->request = add_request (self, task, NULL, NULL, NULL);
  push (self, cmd);
}

GArray *
tern_account_worker_search_finish (TernAccountWorker  *self,
                                   GAsyncResult       *result,
                                   GError            **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

void
tern_account_worker_export_async (TernAccountWorker   *self,
                                  gint64               message_id,
                                  const char          *dest_path,
                                  GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data)
{
  g_return_if_fail (TERN_IS_ACCOUNT_WORKER (self));
  g_return_if_fail (dest_path != NULL);

  push_message_request (self, CMD_EXPORT, message_id, dest_path, tern_account_worker_export_async,
                        cancellable, callback, user_data);
}

gboolean
tern_account_worker_export_finish (TernAccountWorker  *self,
                                   GAsyncResult       *result,
                                   GError            **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}
