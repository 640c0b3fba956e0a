/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "tern-account-worker"

#include "config.h"

#include <string.h>

#include "tern-account-worker-private.h"
#include "tern-journal.h"
#include "tern-mime.h"

/*
 * Threads (../shared/STYLE.md): the worker thread owns its TernSync and its TernStore.
 * The two sides share one plain, reference-counted struct (Shared): the command queue, the
 * IDLE interrupt, the stop flag and the coalesced progress values. The thread never sees
 * the GObject: it posts Events to the main context, which find the object through a
 * GWeakRef and are dropped if it is gone.
 *
 * The one object that does cross is the caller's GCancellable of a part download, which
 * GIO makes thread-safe for exactly this use.
 *
 * This file: the GObject and the main thread's side; tern-account-worker-thread.c: the
 * worker thread; tern-account-worker-requests.c: the async requests.
 */

G_DEFINE_ENUM_TYPE (TernAccountState, tern_account_state,
                    G_DEFINE_ENUM_VALUE (TERN_ACCOUNT_STATE_OFFLINE, "offline"),
                    G_DEFINE_ENUM_VALUE (TERN_ACCOUNT_STATE_CONNECTING, "connecting"),
                    G_DEFINE_ENUM_VALUE (TERN_ACCOUNT_STATE_SYNCING, "syncing"),
                    G_DEFINE_ENUM_VALUE (TERN_ACCOUNT_STATE_ONLINE, "online"),
                    G_DEFINE_ENUM_VALUE (TERN_ACCOUNT_STATE_NEEDS_USER, "needs-user"))

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
  SIGNAL_CHANGE_SET,
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

Shared *
_tern_worker_shared_ref (Shared *s)
{
  return g_atomic_rc_box_acquire (s);
}

void
_tern_worker_shared_unref (Shared *s)
{
  g_atomic_rc_box_release_full (s, (GDestroyNotify) shared_clear);
}

void
_tern_worker_command_free (Command *cmd)
{
  g_free (cmd->section);
  g_free (cmd->dest_path);
  g_free (cmd->folder);
  if (cmd->password != NULL)
    {
      memset (cmd->password, 0, strlen (cmd->password));
      g_free (cmd->password);
    }
  g_clear_object (&cmd->cancellable);
  g_free (cmd);
}

void
_tern_worker_event_free (Event *ev)
{
  _tern_worker_shared_unref (ev->shared);
  g_free (ev->text);
  g_free (ev->description);
  g_free (ev->subject);
  g_clear_error (&ev->error);
  g_clear_pointer (&ev->ids, g_array_unref);
  g_clear_pointer (&ev->sets, g_ptr_array_unref);
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
           TernAccountState   state);

void
_tern_worker_show_state (TernAccountWorker *self,
                         TernAccountState   state)
{
  set_state (self, state);
}

static void
set_state (TernAccountWorker *self,
           TernAccountState   state)
{
  _tern_worker_links_state (self, state);
  if (self->state != state)
    {
      if (state == TERN_ACCOUNT_STATE_CONNECTING)
        self->connecting_since = g_get_monotonic_time ();
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

      if (tern_action_get_state (a) == TERN_ACTION_STATE_FAILED)
        failed++;
      else
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

gboolean
_tern_worker_event_cb (gpointer data)
{
  Event *ev = data;
  g_autoptr(TernAccountWorker) self = g_weak_ref_get (&ev->shared->owner);

  if (self == NULL)
    return G_SOURCE_REMOVE;

  switch (ev->kind)
    {
    case EVENT_STATE:
      /* A connection kept while the network is gone is not online for the user. */
      set_state (self, self->link_down && ev->state == TERN_ACCOUNT_STATE_ONLINE
                       ? TERN_ACCOUNT_STATE_OFFLINE : ev->state);
      set_string (self, &self->last_error, ev->text, PROP_LAST_ERROR);
      if (ev->state != TERN_ACCOUNT_STATE_SYNCING)
        {
          self->progress_done = self->progress_total = 0;
          set_string (self, &self->status_text, NULL, PROP_STATUS_TEXT);
        }
      recount_queue (self);
      break;

    case EVENT_CHANGED:
      recount_queue (self);
      for (guint i = 0; ev->sets != NULL && i < ev->sets->len; i++)
        g_signal_emit (self, signals [SIGNAL_CHANGE_SET], 0, ev->sets->pdata[i]);
      if (ev->legacy)
        g_signal_emit (self, signals [SIGNAL_CHANGED], 0, ev->folders_changed);
      if (ev->new_notified > 0)
        g_signal_emit (self, signals [SIGNAL_NEW_MAIL], 0, ev->new_notified, ev->subject, ev->ids);
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

gboolean
_tern_worker_progress_cb (gpointer data)
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

      self->progress_done = done;
      self->progress_total = total;
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

/* The GObject. */

void
_tern_worker_push (TernAccountWorker *self,
                   Command           *cmd)
{
  Shared *s = self->shared;

  g_async_queue_push (s->queue, cmd);
  /* After the push: the worker resets the interrupt before it looks at the queue. */
  g_cancellable_cancel (s->interrupt);
}

Command *
_tern_worker_command_new (CommandKind kind)
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
  _tern_worker_links_stop (self);
  g_atomic_int_set (&self->shared->stopping, TRUE);
  _tern_worker_push (self, _tern_worker_command_new (CMD_STOP));
  cancel_all (self->shared);
  g_thread_join (g_steal_pointer (&self->thread));
  set_state (self, TERN_ACCOUNT_STATE_OFFLINE);
}

static void
tern_account_worker_dispose (GObject *object)
{
  TernAccountWorker *self = TERN_ACCOUNT_WORKER (object);

  tern_account_worker_stop (self);
  g_clear_object (&self->monitor);
  g_weak_ref_set (&self->shared->owner, NULL);

  G_OBJECT_CLASS (tern_account_worker_parent_class)->dispose (object);
}

static void
tern_account_worker_finalize (GObject *object)
{
  TernAccountWorker *self = TERN_ACCOUNT_WORKER (object);

  g_clear_pointer (&self->requests, g_hash_table_unref);
  g_clear_pointer (&self->shared, _tern_worker_shared_unref);
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
  /* What the sync brought, by folder and message id (new mail, flags, expunges, folders);
   * also emitted, empty of ids, when only the queue moved on. */
  signals [SIGNAL_CHANGE_SET] =
    g_signal_new ("change-set", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, TERN_TYPE_CHANGE_SET | G_SIGNAL_TYPE_STATIC_SCOPE);
  /* New messages in folders that notify (INBOX unless the user chose otherwise): how many,
   * the subject of the last one, and their ids (a GArray of gint64, or NULL when not known). */
  signals [SIGNAL_NEW_MAIL] =
    g_signal_new ("new-mail", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 3, G_TYPE_UINT, G_TYPE_STRING, G_TYPE_ARRAY | G_SIGNAL_TYPE_STATIC_SCOPE);
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
  self->sleep_inhibitor = -1;
  self->main_store = main_store;
  self->account_id = account_id;

  s = g_atomic_rc_box_new0 (Shared);
  s->db_path = g_strdup (tern_store_get_path (main_store));
  s->account_id = account_id;
  s->main_context = g_main_context_ref_thread_default ();
  g_weak_ref_init (&s->owner, self);
  s->queue = g_async_queue_new_full ((GDestroyNotify) _tern_worker_command_free);
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
  tern_mime_init ();
  tern_sync_global_init ();
  name = g_strdup_printf ("tern-account-%" G_GINT64_FORMAT, self->account_id);
  g_atomic_int_set (&self->shared->stopping, FALSE);
  self->thread = g_thread_new (name, _tern_worker_thread, _tern_worker_shared_ref (self->shared));
  _tern_worker_links_start (self);
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
  _tern_worker_push (self, _tern_worker_command_new (CMD_OFFLINE_CHANGED));
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

void
tern_account_worker_get_progress_counts (TernAccountWorker *self,
                                         guint             *done,
                                         guint             *total)
{
  g_return_if_fail (TERN_IS_ACCOUNT_WORKER (self));

  *done = self->progress_done;
  *total = self->progress_total;
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

  cmd = _tern_worker_command_new (CMD_SET_PASSWORD);
  cmd->password = g_strdup (password);
  _tern_worker_push (self, cmd);
}

void
tern_account_worker_reload_account (TernAccountWorker *self)
{
  g_return_if_fail (TERN_IS_ACCOUNT_WORKER (self));

  _tern_worker_push (self, _tern_worker_command_new (CMD_RELOAD));
}

void
tern_account_worker_sync_now (TernAccountWorker *self)
{
  g_return_if_fail (TERN_IS_ACCOUNT_WORKER (self));

  _tern_worker_push (self, _tern_worker_command_new (CMD_SYNC));
}

void
tern_account_worker_set_open_folder (TernAccountWorker *self,
                                     gint64             folder_id)
{
  g_autoptr(TernFolder) folder = NULL;
  Command *cmd;

  g_return_if_fail (TERN_IS_ACCOUNT_WORKER (self));

  if (folder_id == self->open_folder_id)
    return;
  if (folder_id != 0)
    {
      folder = tern_store_get_folder_by_id (self->main_store, folder_id, NULL);
      if (folder == NULL || folder->account_id != self->account_id)
        folder_id = 0;
    }
  self->open_folder_id = folder_id;
  cmd = _tern_worker_command_new (CMD_OPEN_FOLDER);
  cmd->folder = folder_id != 0 ? g_strdup (folder->name) : NULL;
  _tern_worker_push (self, cmd);
}

gint64
tern_account_worker_get_open_folder (TernAccountWorker *self)
{
  g_return_val_if_fail (TERN_IS_ACCOUNT_WORKER (self), 0);

  return self->open_folder_id;
}

void
tern_account_worker_send_now (TernAccountWorker *self)
{
  g_return_if_fail (TERN_IS_ACCOUNT_WORKER (self));

  recount_queue (self);
  if (self->thread != NULL && !tern_account_worker_get_work_offline (self))
    _tern_worker_push (self, _tern_worker_command_new (CMD_SEND));
}

void
tern_account_worker_local_change (TernAccountWorker *self)
{
  g_return_if_fail (TERN_IS_ACCOUNT_WORKER (self));

  recount_queue (self);
  if (self->thread != NULL)
    _tern_worker_push (self, _tern_worker_command_new (CMD_REPLAY));
}
