/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "tern-sync"

#include "config.h"

#include "tern-imap-commands.h"
#include "tern-imap-utils.h"
#include "tern-sync-private.h"

/*
 * Preview lines from the server (#14 item 12): on a slow link the texts wait, but the
 * message list can still show a line of each message. Where the account asks for it and
 * the server offers PREVIEW (RFC 8970; Dovecot 2.3 does), the messages with neither a
 * cached text nor a preview get the server's, a command per 1,000 messages.
 */

#define PREVIEW_BATCH 1000

static gboolean
previews_of_folder (TernSync      *self,
                    TernFolder    *folder,
                    guint         *kept,
                    GError       **error)
{
  g_autoptr(GArray) uids = tern_store_list_unpreviewed_uids (self->store, folder->id, error);

  if (uids == NULL)
    return FALSE;
  if (uids->len == 0)
    return TRUE;
  if (!_tern_sync_select (self, folder->name, error))
    return FALSE;

  for (guint start = 0; start < uids->len; start += PREVIEW_BATCH)
    {
      g_autoptr(GArray) some = g_array_new (FALSE, FALSE, sizeof (guint32));
      g_autoptr(GHashTable) previews = NULL;
      g_autofree char *set = NULL;
      GHashTableIter iter;
      gpointer key, value;

      g_array_append_vals (some, &g_array_index (uids, guint32, start), MIN (PREVIEW_BATCH, uids->len - start));
      set = tern_imap_uid_set_new (some);
      previews = tern_imap_uid_fetch_previews (self->conn, set, error);
      if (previews == NULL || !tern_store_begin (self->store, error))
        return FALSE;
      g_hash_table_iter_init (&iter, previews);
      while (g_hash_table_iter_next (&iter, &key, &value))
        {
          gint64 id = tern_store_find_uid (self->store, folder->id, GPOINTER_TO_UINT (key));

          if (id == 0)
            continue;
          if (!tern_store_set_preview (self->store, id, value, error))
            {
              tern_store_rollback (self->store);
              return FALSE;
            }
          (*kept)++;
        }
      if (!tern_store_commit (self->store, error))
        return FALSE;
    }
  return TRUE;
}

gboolean
tern_sync_fetch_previews (TernSync      *self,
                          guint         *kept_out,
                          GError       **error)
{
  g_autoptr(GPtrArray) folders = NULL;
  guint kept = 0;

  if (!tern_sync_connect (self, error))
    return FALSE;
  if (!tern_imap_connection_has_capability (self->conn, "PREVIEW"))
    {
      if (kept_out != NULL)
        *kept_out = 0;
      return TRUE;
    }
  folders = tern_store_list_folders_uncounted (self->store, self->account->id, error);
  if (folders == NULL)
    return FALSE;
  for (guint i = 0; i < folders->len; i++)
    {
      TernFolder *folder = folders->pdata[i];

      if (!folder->selectable || folder->local_state != TERN_FOLDER_ON_SERVER)
        continue;
      if (!previews_of_folder (self, folder, &kept, error))
        return FALSE;
    }
  g_debug ("previews: %u kept", kept);
  if (kept_out != NULL)
    *kept_out = kept;
  return TRUE;
}
