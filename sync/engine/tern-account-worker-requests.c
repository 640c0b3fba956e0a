/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "tern-account-worker"

#include "config.h"

#include "tern-account-worker-private.h"

/* Requests the main thread makes of the worker (texts, parts, exports, server searches):
 * a GTask answered when the worker posts the result. */

guint
_tern_worker_add_request (TernAccountWorker   *self,
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
  cmd = _tern_worker_command_new (kind);
  cmd->message_id = message_id;
  cmd->dest_path = g_strdup (dest_path);
  cmd->request = _tern_worker_add_request (self, task, NULL, NULL, NULL);
  _tern_worker_push (self, cmd);
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
  cmd = _tern_worker_command_new (CMD_FETCH_PART);
  cmd->message_id = message_id;
  cmd->section = g_strdup (section);
  cmd->dest_path = g_strdup (dest_path);
  /* The worker's own cancellable, cancelled from the caller's: the worker never sees the
   * caller's object. */
  cmd->cancellable = g_cancellable_new ();
  cmd->request = _tern_worker_add_request (self, task, progress, progress_data, progress_destroy);
  if (cancellable != NULL)
    {
      Request *req = g_hash_table_lookup (self->requests, GUINT_TO_POINTER (cmd->request));

      req->caller_cancellable = g_object_ref (cancellable);
      req->cancelled_id = g_cancellable_connect (cancellable, G_CALLBACK (forward_cancel_cb),
                                                 g_object_ref (cmd->cancellable),
                                                 g_object_unref);
    }
  _tern_worker_push (self, cmd);
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
  cmd = _tern_worker_command_new (CMD_SEARCH);
  cmd->section = g_strdup (query);
  cmd->request = _tern_worker_add_request (self, task, NULL, NULL, NULL);
  _tern_worker_push (self, cmd);
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
