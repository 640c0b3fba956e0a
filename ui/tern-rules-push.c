/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "tern-app"

#include "config.h"

#include "tern-rules-push.h"

#include "tern-sieve-store.h"
#include "tern-sieve-sync.h"
#include "tern-sync.h"

typedef struct
{
  TernStore *store;        /* borrowed: the app's, which outlives its workers */
  char      *db_path;      /* the thread's own connection to it */
  gint64     account_id;
  gboolean   pushing;
} Watch;

static void
watch_free (Watch *w)
{
  g_free (w->db_path);
  g_free (w);
}

/* Whether a change is waiting (one small query, on the main thread). */
static gboolean
rules_pending (Watch *w)
{
  g_autoptr(TernSieveSettings) settings = tern_sieve_store_get (w->store, w->account_id, NULL);

  return settings != NULL && settings->dirty && !settings->disabled;
}

static void
push_thread (GTask        *task,
             gpointer      source,
             gpointer      data,
             GCancellable *cancellable)
{
  Watch *w = data;
  g_autoptr(GError) error = NULL;
  g_autoptr(TernStore) store = tern_store_open (w->db_path, &error);
  g_autoptr(TernAccount) account = NULL;
  g_autoptr(TernSieveSettings) settings = NULL;

  if (store != NULL)
    settings = tern_sieve_store_get (store, w->account_id, &error);
  if (settings == NULL || !settings->dirty || settings->disabled)
    {
      g_task_return_boolean (task, FALSE);
      return;
    }
  account = tern_store_get_account_by_id (store, w->account_id, &error);
  if (account == NULL || !tern_sieve_push (store, account, FALSE, 20, &error))
    {
      /* Still pending: the next time the account is online tries again. */
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  g_task_return_boolean (task, TRUE);
}

static void
pushed_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      data)
{
  Watch *w = data;
  g_autoptr(GError) error = NULL;

  w->pushing = FALSE;
  if (g_task_propagate_boolean (G_TASK (result), &error))
    g_debug ("Rules of account %" G_GINT64_FORMAT " uploaded", w->account_id);
  else if (error != NULL)
    g_debug ("Rules of account %" G_GINT64_FORMAT " not uploaded: %s", w->account_id, error->message);
}

static void
state_cb (TernAccountWorker *worker,
          GParamSpec        *pspec,
          Watch             *w)
{
  g_autoptr(GTask) task = NULL;

  if (tern_account_worker_get_state (worker) != TERN_ACCOUNT_STATE_ONLINE || w->pushing ||
      !rules_pending (w))
    return;
  w->pushing = TRUE;
  /* The watch lives as long as the worker; the task keeps the worker until it is done. */
  task = g_task_new (worker, NULL, pushed_cb, w);
  g_task_set_task_data (task, w, NULL);
  g_task_run_in_thread (task, push_thread);
}

void
tern_rules_push_watch (TernAccountWorker *worker,
                       TernStore         *store)
{
  Watch *w;

  g_return_if_fail (TERN_IS_ACCOUNT_WORKER (worker));

  w = g_new0 (Watch, 1);
  w->store = store;
  w->db_path = g_strdup (tern_store_get_path (store));
  w->account_id = tern_account_worker_get_account_id (worker);
  g_object_set_data_full (G_OBJECT (worker), "tern-rules-push", w, (GDestroyNotify) watch_free);
  g_signal_connect (worker, "notify::state", G_CALLBACK (state_cb), w);
}
