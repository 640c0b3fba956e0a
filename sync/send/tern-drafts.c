/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "tern-outbox"

#include "config.h"

#include <string.h>

#include "tern-journal.h"
#include "tern-mime.h"
#include "tern-outbox-private.h"

/* Drafts. */

gint64
tern_draft_save (TernStore         *store,
                 const TernAccount *account,
                 GBytes            *raw,
                 gint64             replaces,
                 guint             *others_out,
                 GError           **error)
{
  g_autoptr(TernMessage) message = NULL;
  g_autoptr(GArray) before = NULL;
  gint64 drafts, id;
  gboolean replaced_visible = FALSE;
  guint others = 0;

  g_return_val_if_fail (store != NULL && account != NULL && raw != NULL, 0);

  if (others_out != NULL)
    *others_out = 0;
  drafts = tern_outbox_special_folder (store, account->id, "\\Drafts");
  if (drafts == 0 && _tern_outbox_count_folders (store, account->id) == 0)
    {
      g_set_error (error, TERN_JOURNAL_ERROR, TERN_JOURNAL_ERROR_INVALID,
                   "%s has no Drafts folder (sync the folder list first)", account->name);
      return 0;
    }
  message = tern_mime_parse_message (raw, error);
  if (message == NULL)
    return 0;
  if (message->message_id == NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                           "A draft needs a Message-ID (it stays the same from version to version)");
      return 0;
    }
  g_free (message->flags);
  message->flags = tern_flags_canonicalize ("\\Seen \\Draft");
  message->internaldate = g_get_real_time () / G_USEC_PER_SEC;

  if (!tern_store_begin (store, error))
    return 0;
  /* An account without Drafts gets one, in the same transaction as the draft. */
  if (drafts == 0 &&
      (drafts = _tern_outbox_ensure_special_folder (store, account->id, "\\Drafts", "Drafts", error)) == 0)
    goto fail;
  before = tern_outbox_find_in_folder (store, drafts, message->message_id, error);
  if (before == NULL)
    goto fail;
  for (guint i = 0; i < before->len; i++)
    {
      if (g_array_index (before, gint64, i) == replaces)
        replaced_visible = TRUE;
      else
        others++;
    }

  id = tern_journal_append (store, drafts, message, raw, error);
  /* The old version goes only after the new one, in journal order: on the server the new one
   * is stored before the old one is expunged. */
  if (id != 0 && replaces != 0 && replaced_visible &&
      !tern_journal_delete_permanently (store, replaces, error))
    id = 0;
  if (id == 0 || !tern_store_commit (store, error))
    goto fail;
  if (others_out != NULL)
    *others_out = others;
  return id;

fail:
  tern_store_rollback (store);
  return 0;
}

gint64
tern_draft_find_current (TernStore          *store,
                         const TernAccount  *account,
                         const char         *message_id,
                         GArray            **copies_out,
                         GError            **error)
{
  g_autoptr(GArray) ids = NULL;
  gint64 drafts, current = 0;

  g_return_val_if_fail (store != NULL && account != NULL && message_id != NULL, 0);

  if (copies_out != NULL)
    *copies_out = g_array_new (FALSE, FALSE, sizeof (gint64));
  drafts = tern_outbox_special_folder (store, account->id, "\\Drafts");
  if (drafts == 0)
    return 0;
  ids = tern_outbox_find_in_folder (store, drafts, message_id, error);
  if (ids == NULL || ids->len == 0)
    return 0;
  current = g_array_index (ids, gint64, 0);
  if (copies_out != NULL)
    g_array_append_vals (*copies_out, &g_array_index (ids, gint64, 1), ids->len - 1);
  return current;
}
