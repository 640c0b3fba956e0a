/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "tern-sync"

#include "config.h"

#include "tern-fill-writer.h"

#define MAX_PENDING_CHUNKS 2
#define BATCH              256 /* messages handed over at once: one wake-up, not 256 */

typedef enum
{
  ITEM_MESSAGES,
  ITEM_CHUNK_END,
  ITEM_STOP,
} ItemKind;

typedef struct
{
  ItemKind   kind;
  GPtrArray *messages;
  guint32    fill_low;
} Item;

struct _TernFillWriter
{
  GThread     *thread;
  GAsyncQueue *queue;
  GPtrArray   *batch;   /* messages not handed over yet (producer side) */
  TernStore   *store;   /* the writer thread's own connection */
  gint64       folder_id;
  guint32      fill_uidvalidity;
  guint32      fill_uidnext;
  guint64      fill_modseq;

  GMutex       lock;
  GCond        cond;
  guint        chunks_pushed;
  guint        chunks_done;
  GError      *error;   /* the first failure; the writer then discards the rest */
};

static void
item_free (Item *item)
{
  g_clear_pointer (&item->messages, g_ptr_array_unref);
  g_free (item);
}

static void
fail (TernFillWriter *self,
      GError         *error)
{
  g_mutex_lock (&self->lock);
  if (self->error == NULL)
    self->error = error;
  else
    g_error_free (error);
  g_cond_broadcast (&self->cond);
  g_mutex_unlock (&self->lock);
}

static gpointer
writer_thread (gpointer data)
{
  TernFillWriter *self = data;
  gboolean in_transaction = FALSE;
  gboolean failed = FALSE;

  for (;;)
    {
      Item *item = g_async_queue_pop (self->queue);
      GError *error = NULL;

      if (item->kind == ITEM_STOP)
        {
          item_free (item);
          break;
        }

      if (failed)
        ;
      else if (item->kind == ITEM_MESSAGES)
        {
          if (!in_transaction && !(in_transaction = tern_store_begin (self->store, &error)))
            failed = TRUE;
          for (guint i = 0; !failed && i < item->messages->len; i++)
            if (!tern_store_insert_message (self->store, self->folder_id, item->messages->pdata[i],
                                            NULL, &error))
              failed = TRUE;
        }
      else if (item->kind == ITEM_CHUNK_END)
        {
          if ((!in_transaction && !(in_transaction = tern_store_begin (self->store, &error))) ||
              !tern_store_set_folder_fill (self->store, self->folder_id, self->fill_uidvalidity,
                                           self->fill_uidnext, self->fill_modseq, item->fill_low,
                                           &error) ||
              !tern_store_commit (self->store, &error))
            failed = TRUE;
          else
            in_transaction = FALSE;
        }

      if (failed && error != NULL)
        {
          if (in_transaction)
            tern_store_rollback (self->store);
          in_transaction = FALSE;
          fail (self, error);
        }

      if (item->kind == ITEM_CHUNK_END)
        {
          g_mutex_lock (&self->lock);
          self->chunks_done++;
          g_cond_broadcast (&self->cond);
          g_mutex_unlock (&self->lock);
        }
      item_free (item);
    }

  /* A batch that was never ended belongs to a FETCH that failed: drop it. */
  if (in_transaction)
    tern_store_rollback (self->store);
  return NULL;
}

TernFillWriter *
_tern_fill_writer_new (const char        *db_path,
                       const TernFolder  *folder,
                       GError           **error)
{
  TernStore *store = tern_store_open (db_path, error);
  TernFillWriter *self;

  if (store == NULL)
    return NULL;

  /* Fewer, larger checkpoints (each one syncs the file) while the fill streams in. */
  tern_store_set_checkpoint_interval (store, 16384);

  self = g_new0 (TernFillWriter, 1);
  self->store = store;
  self->folder_id = folder->id;
  self->fill_uidvalidity = folder->fill_uidvalidity;
  self->fill_uidnext = folder->fill_uidnext;
  self->fill_modseq = folder->fill_modseq;
  self->queue = g_async_queue_new ();
  g_mutex_init (&self->lock);
  g_cond_init (&self->cond);
  self->thread = g_thread_new ("tern-fill-writer", writer_thread, self);
  return self;
}

static void
flush_batch (TernFillWriter *self)
{
  Item *item;

  if (self->batch == NULL || self->batch->len == 0)
    return;
  item = g_new0 (Item, 1);
  item->kind = ITEM_MESSAGES;
  item->messages = g_steal_pointer (&self->batch);
  g_async_queue_push (self->queue, item);
}

void
_tern_fill_writer_push (TernFillWriter *self,
                        TernMessage    *message)
{
  if (self->batch == NULL)
    self->batch = g_ptr_array_new_full (BATCH, (GDestroyNotify) tern_message_free);
  g_ptr_array_add (self->batch, message);
  if (self->batch->len >= BATCH)
    flush_batch (self);
}

gboolean
_tern_fill_writer_end_chunk (TernFillWriter  *self,
                             guint32          fill_low,
                             GError         **error)
{
  Item *item = g_new0 (Item, 1);
  gboolean ok;

  item->kind = ITEM_CHUNK_END;
  item->fill_low = fill_low;
  flush_batch (self);

  g_mutex_lock (&self->lock);
  self->chunks_pushed++;
  g_mutex_unlock (&self->lock);
  g_async_queue_push (self->queue, item);

  /* Keep memory flat: never more than MAX_PENDING_CHUNKS batches waiting. */
  g_mutex_lock (&self->lock);
  while (self->error == NULL && self->chunks_pushed - self->chunks_done >= MAX_PENDING_CHUNKS)
    g_cond_wait (&self->cond, &self->lock);
  ok = self->error == NULL;
  if (!ok)
    g_propagate_error (error, g_error_copy (self->error));
  g_mutex_unlock (&self->lock);
  return ok;
}

gboolean
_tern_fill_writer_finish (TernFillWriter  *self,
                          GError         **error)
{
  Item *stop = g_new0 (Item, 1);
  gboolean ok;

  stop->kind = ITEM_STOP;
  /* Messages of a batch that was never ended are dropped with it. */
  g_clear_pointer (&self->batch, g_ptr_array_unref);
  g_async_queue_push (self->queue, stop);
  g_thread_join (self->thread);

  ok = self->error == NULL;
  if (!ok)
    g_propagate_error (error, g_steal_pointer (&self->error));

  g_async_queue_unref (self->queue);
  tern_store_free (self->store);
  g_mutex_clear (&self->lock);
  g_cond_clear (&self->cond);
  g_free (self);
  return ok;
}
