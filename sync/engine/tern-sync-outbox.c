/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "tern-sync"

#include "config.h"

#include <glib/gstdio.h>

#include "tern-compose.h"
#include "tern-outbox-sync.h"
#include "tern-outbox.h"
#include "tern-sync-private.h"

/*
 * Forwards written offline (#14 item 4): the composer queued an empty part that names the
 * original's attachment. Before the outbox sends, each such part is downloaded (the same
 * resumable download as a click on the attachment) and the queued message is written again
 * with it. sync/send never talks IMAP, so this is the engine's step, run by the account
 * worker ahead of the sender; the sender leaves a message that still holds a reference
 * waiting.
 */

typedef struct
{
  TernSync     *self;
  GCancellable *cancellable;
} Resolve;

static char *
resolve_cb (const TernPartReference  *reference,
            gpointer                  user_data,
            GError                  **error)
{
  Resolve *r = user_data;
  char *path = tern_sync_dup_part_path (r->self, reference->message_id, reference->section);

  if (path != NULL)
    return path;
  if (!tern_sync_fetch_part (r->self, reference->message_id, reference->section, NULL, NULL, NULL,
                             r->cancellable, error))
    return NULL;
  path = tern_sync_dup_part_path (r->self, reference->message_id, reference->section);
  if (path == NULL)
    g_set_error (error, TERN_SYNC_ERROR, TERN_SYNC_ERROR_PERMANENT,
                 "The attachment was downloaded but is not in the cache");
  return path;
}

static gboolean
fill_one (TernSync            *self,
          const TernOutboxItem *item,
          GCancellable        *cancellable,
          GError             **error)
{
  g_autofree char *filled = g_strconcat (item->path, ".filled", NULL);
  g_autoptr(GError) local_error = NULL;
  Resolve r = { self, cancellable };
  gboolean ok;

  ok = tern_mime_fill_part_references (item->path, filled, resolve_cb, &r, &local_error) &&
       tern_outbox_requeue_file (self->store, item->id, filled, &local_error);
  g_unlink (filled);
  if (ok)
    return TRUE;

  /* The original (or its part) is gone from the server: this message cannot be sent as
   * written. It waits for the user with the reason; nothing else stops. */
  if (g_error_matches (local_error, TERN_SYNC_ERROR, TERN_SYNC_ERROR_PERMANENT) ||
      g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA))
    {
      g_autofree char *reason = g_strdup_printf ("A forwarded attachment cannot be downloaded: %s",
                                                 local_error->message);

      return tern_outbox_fail (self->store, item->id, TERN_OUTBOX_FAILED, reason, error);
    }
  g_propagate_error (error, g_steal_pointer (&local_error));
  return FALSE;
}

gboolean
tern_sync_fill_outbox_parts (TernSync      *self,
                             GCancellable  *cancellable,
                             guint         *filled_out,
                             GError       **error)
{
  g_autoptr(GPtrArray) items = tern_outbox_list (self->store, self->account->id, FALSE, error);
  guint filled = 0;

  if (items == NULL)
    return FALSE;
  for (guint i = 0; i < items->len; i++)
    {
      const TernOutboxItem *item = items->pdata[i];
      g_autoptr(GPtrArray) references = NULL;
      g_autoptr(GError) local_error = NULL;

      if (g_strcmp0 (item->state, TERN_OUTBOX_QUEUED) != 0 || item->path == NULL)
        continue;
      references = tern_mime_list_part_references (item->path, &local_error);
      if (references == NULL)
        {
          g_debug ("outbox %" G_GINT64_FORMAT ": %s", item->id, local_error->message);
          continue;
        }
      if (references->len == 0)
        continue;
      if (!fill_one (self, item, cancellable, error))
        return FALSE;
      filled++;
    }
  if (filled_out != NULL)
    *filled_out = filled;
  return TRUE;
}
