/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "tern-account-worker.h"
#include "tern-change-set.h"
#include "tern-outbox-sync.h"
#include "tern-sync.h"

G_BEGIN_DECLS

/*
 * TernAccountWorker is implemented by tern-account-worker.c (the GObject and the main
 * thread's side), tern-account-worker-thread.c (the worker thread) and
 * tern-account-worker-requests.c (the async requests). The thread sees only Shared,
 * Command and Event, never the object.
 */

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
  CMD_NETWORK_CHANGED,  /* flag: the network is available */
  CMD_SLEEP,            /* flag: going to sleep (TRUE) or woken (FALSE) */
  CMD_OPEN_FOLDER,      /* folder: the server name of the folder the user has open, or NULL */
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
  char         *folder;
  GCancellable *cancellable;
  gboolean      flag;
  gboolean      keep;           /* CMD_NETWORK_CHANGED: the connection survives the change */
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
  gint          metered;        /* atomic: the network is metered (GNetworkMonitor) */
  gint          prefetch_metered; /* atomic: background prefetch on a metered network too */
  gint          link_down;      /* atomic: no network, but the connection is kept for its return
                                 * (tern-account-worker-links.c): nothing new is tried */

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
  guint             new_notified;
  char             *subject;
  guint             request;
  GError           *error;
  GArray           *ids;           /* search results; changed: new messages in folders that
                                    * notify (gint64) */
  GPtrArray        *sets;          /* changed: TernChangeSet, one per folder */
  gboolean          legacy;        /* changed: emit "changed" too (not only a queue change) */
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

  /* Links that come and go (tern-account-worker-links.c). */
  GNetworkMonitor  *monitor;
  gulong            monitor_handler;
  GDBusConnection  *system_bus;
  guint             sleep_subscription;
  GCancellable     *links_cancellable;
  int               sleep_inhibitor;   /* logind's delay lock (an fd), or -1 */
  gboolean          going_to_sleep;
  gboolean          network_down;      /* as the monitor last said */
  gboolean          link_down;         /* shared->link_down: the state shown is OFFLINE */
  gboolean          address_gone;      /* tests: the address goes with the network */
  gint64            available_since;   /* monotonic time the network last became available */
  gint64            connecting_since;  /* monotonic time the worker last began connecting */

  /* Borrowed. */
  TernStore        *main_store;

  gint64            account_id;
  guint             next_request;
  gint64            open_folder_id;
  TernAccountState  state;
  guint             queued;
  guint             failed;
  guint             outbox_waiting;
  guint             outbox_failed;
  double            progress;
  guint             progress_done;    /* messages of status_text's folder in, of */
  guint             progress_total;
};

/* tern-account-worker.c */
Shared   *_tern_worker_shared_ref   (Shared               *s);
void      _tern_worker_shared_unref (Shared               *s);
void      _tern_worker_command_free (Command              *cmd);
void      _tern_worker_event_free   (Event                *ev);
Command  *_tern_worker_command_new  (CommandKind           kind);
/* Queues a command and interrupts a waiting IDLE. Main thread. */
void      _tern_worker_push         (TernAccountWorker    *self,
                                     Command              *cmd);
/* The main-thread ends of Events and of coalesced progress. */
gboolean  _tern_worker_event_cb     (gpointer              data);
gboolean  _tern_worker_progress_cb  (gpointer              data);

/* tern-account-worker-links.c: follows the network monitor and logind's PrepareForSleep
 * (from start to stop). Main thread. */
/* Tests and bench-linkdrop: whether the connection's own address counts as gone when the
 * network goes (a test's loopback address never goes; most Wi-Fi drops take it). */
void      _tern_worker_links_set_address_gone (TernAccountWorker *self,
                                     gboolean              gone);
/* Main thread: the state shown, without the worker thread (links.c). */
void      _tern_worker_show_state   (TernAccountWorker    *self,
                                     TernAccountState      state);
void      _tern_worker_links_start  (TernAccountWorker    *self);
void      _tern_worker_links_stop   (TernAccountWorker    *self);
void      _tern_worker_sleep_changed (TernAccountWorker   *self,
                                      gboolean              sleeping);
/* The worker posted a state: once it is offline before sleep, logind may go on. */
void      _tern_worker_links_state  (TernAccountWorker    *self,
                                     TernAccountState      state);

/* tern-account-worker-thread.c */
gpointer  _tern_worker_thread       (gpointer              data);

/* tern-account-worker-requests.c */
guint     _tern_worker_add_request  (TernAccountWorker    *self,
                                     GTask                *task,
                                     TernPartProgressFunc  progress,
                                     gpointer              progress_data,
                                     GDestroyNotify        progress_destroy);

G_END_DECLS
