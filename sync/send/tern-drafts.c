/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "tern-outbox"

#include "config.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <string.h>

#include "tern-identity.h"
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
      (drafts = tern_journal_ensure_special_folder (store, account->id, "\\Drafts", "Drafts", error)) == 0)
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

char *
tern_draft_file_key (const char *message_id)
{
  GString *key = g_string_new (NULL);

  for (const char *p = message_id; p != NULL && *p != '\0'; p++)
    if (g_ascii_isalnum (*p) || *p == '.' || *p == '-' || *p == '_' || *p == '@')
      g_string_append_c (key, *p);
    else if (*p != '<' && *p != '>')
      g_string_append_c (key, '_');
  return g_string_free (key, FALSE);
}

/* Whether the draft file is the account's: its Message-ID is one of the account's messages
 * (the copy in its Drafts), or, a draft kept on this computer only (no other account has
 * it), it is written from one of the account's addresses. */
static gboolean
draft_of_account (TernStore         *store,
                  const TernAccount *account,
                  GPtrArray         *accounts,
                  const char        *path)
{
  g_autoptr(GMappedFile) file = g_mapped_file_new (path, FALSE, NULL);
  g_autoptr(TernMimeEnvelope) envelope = NULL;
  g_autoptr(GPtrArray) identities = NULL;

  if (file == NULL)
    return FALSE;
  envelope = tern_mime_read_envelope (g_mapped_file_get_contents (file), g_mapped_file_get_length (file), NULL);
  if (envelope == NULL)
    return FALSE;
  if (envelope->message_id != NULL)
    for (guint i = 0; i < accounts->len; i++)
      {
        const TernAccount *other = accounts->pdata[i];
        g_autoptr(GArray) ids = tern_outbox_find_message_ids (store, other->id, envelope->message_id, NULL);

        if (ids != NULL && ids->len > 0)
          return other->id == account->id;
      }
  if (envelope->from == NULL)
    return FALSE;
  if (g_ascii_strcasecmp (envelope->from, account->email) == 0)
    return TRUE;
  identities = tern_identity_list (store, account->id, NULL);
  for (guint i = 0; identities != NULL && i < identities->len; i++)
    if (g_ascii_strcasecmp (envelope->from, ((TernIdentity *) identities->pdata[i])->address) == 0)
      return TRUE;
  return FALSE;
}

/* KEY.files/: the draft's attachments, one level. */
static void
remove_files_dir (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  if (dir == NULL)
    return;
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *file = g_build_filename (path, name, NULL);

      g_unlink (file);
    }
  g_rmdir (path);
}

GPtrArray *
tern_drafts_list_account_files (TernStore          *store,
                                const TernAccount  *account,
                                GError            **error)
{
  g_autofree char *outbox = NULL;
  g_autofree char *drafts = NULL;
  g_autoptr(GDir) dir = NULL;
  g_autoptr(GPtrArray) accounts = NULL;
  g_autoptr(GPtrArray) mine = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GError) local_error = NULL;
  const char *name;

  g_return_val_if_fail (store != NULL && account != NULL, NULL);

  outbox = tern_outbox_dup_dir (store);
  drafts = g_build_filename (outbox, "drafts", NULL);
  dir = g_dir_open (drafts, 0, &local_error);
  if (dir == NULL)
    {
      if (g_error_matches (local_error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
        return g_steal_pointer (&mine);
      g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }
  accounts = tern_store_list_accounts (store, error);
  if (accounts == NULL)
    return NULL;
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = NULL;

      if (!g_str_has_suffix (name, ".eml"))
        continue;
      path = g_build_filename (drafts, name, NULL);
      if (draft_of_account (store, account, accounts, path))
        g_ptr_array_add (mine, g_steal_pointer (&path));
    }
  return g_steal_pointer (&mine);
}

void
tern_drafts_remove_files (GPtrArray *files)
{
  for (guint i = 0; files != NULL && i < files->len; i++)
    {
      const char *path = files->pdata[i];
      /* KEY.eml and KEY.files/ */
      g_autofree char *dir = g_strdup_printf ("%.*s.files", (int) (strlen (path) - strlen (".eml")), path);

      if (g_unlink (path) != 0)
        g_debug ("Cannot remove the draft %s: %s", path, g_strerror (errno));
      remove_files_dir (dir);
    }
}
