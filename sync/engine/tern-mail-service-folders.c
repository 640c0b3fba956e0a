/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "tern-mail-service"

#include "config.h"

#include <string.h>

#include "tern-imap-utils.h"
#include "tern-mail-service.h"

/* Folder management by display name, as the app asks for it: a new folder under a parent,
 * a rename or a move to another parent. The server names (modified UTF-7, the account's
 * delimiter) are made here; the journal does the rest through the service's folder calls. */

/* The account's hierarchy delimiter, as its INBOX has it ("/" when unknown). */
static char *
account_delimiter (TernMailService *self,
                   gint64           account_id)
{
  g_autoptr(TernFolder) inbox = tern_store_get_folder (tern_mail_service_get_store (self), account_id, "INBOX", NULL);

  if (inbox != NULL && inbox->delimiter != NULL && *inbox->delimiter != '\0')
    return g_strndup (inbox->delimiter, 1);
  return g_strdup ("/");
}

/* Server and display names of leaf under parent (NULL: the top). */
static gboolean
child_names (TernMailService  *self,
             gint64            account_id,
             TernFolder       *parent,
             const char       *leaf,
             char            **name_out,
             char            **display_out,
             char            **delimiter_out,
             GError          **error)
{
  g_autofree char *delimiter = parent != NULL && parent->delimiter != NULL && *parent->delimiter != '\0'
                               ? g_strndup (parent->delimiter, 1) : account_delimiter (self, account_id);
  g_autofree char *encoded = NULL;
  g_autofree char *trimmed = g_strstrip (g_strdup (leaf != NULL ? leaf : ""));

  if (*trimmed == '\0' || strstr (trimmed, delimiter) != NULL || !g_utf8_validate (trimmed, -1, NULL))
    {
      g_set_error (error, TERN_JOURNAL_ERROR, TERN_JOURNAL_ERROR_INVALID,
                   *trimmed == '\0' ? "A folder needs a name" : "A folder name cannot contain “%s”",
                   delimiter);
      return FALSE;
    }
  encoded = _tern_utf7_encode (trimmed);
  if (parent != NULL)
    {
      *name_out = g_strconcat (parent->name, delimiter, encoded, NULL);
      *display_out = g_strconcat (parent->display_name, delimiter, trimmed, NULL);
    }
  else
    {
      *name_out = g_steal_pointer (&encoded);
      *display_out = g_strdup (trimmed);
    }
  *delimiter_out = g_steal_pointer (&delimiter);
  return TRUE;
}

guint
tern_mail_service_folder_create_child (TernMailService  *self,
                                       gint64            account_id,
                                       gint64            parent_id,
                                       const char       *display,
                                       gint64           *folder_id,
                                       GError          **error)
{
  g_autoptr(TernFolder) parent = NULL;
  g_autofree char *name = NULL;
  g_autofree char *full = NULL;
  g_autofree char *delimiter = NULL;

  g_return_val_if_fail (TERN_IS_MAIL_SERVICE (self), 0);

  if (parent_id != 0 && (parent = tern_store_get_folder_by_id (tern_mail_service_get_store (self), parent_id, error)) == NULL)
    return 0;
  if (parent != NULL)
    account_id = parent->account_id;
  if (!child_names (self, account_id, parent, display, &name, &full, &delimiter, error))
    return 0;
  return tern_mail_service_folder_create (self, account_id, name, full, delimiter, folder_id, error);
}

guint
tern_mail_service_folder_rename_to (TernMailService  *self,
                                    gint64            folder_id,
                                    gint64            new_parent,
                                    const char       *display,
                                    GError          **error)
{
  g_autoptr(TernFolder) folder = NULL;
  g_autoptr(TernFolder) parent = NULL;
  g_autofree char *name = NULL;
  g_autofree char *full = NULL;
  g_autofree char *delimiter = NULL;

  g_return_val_if_fail (TERN_IS_MAIL_SERVICE (self), 0);

  if ((folder = tern_store_get_folder_by_id (tern_mail_service_get_store (self), folder_id, error)) == NULL)
    return 0;
  if (new_parent < 0 && folder->delimiter != NULL && *folder->delimiter != '\0')
    {
      const char *cut = strrchr (folder->name, folder->delimiter[0]);

      if (cut != NULL)
        {
          g_autofree char *parent_name = g_strndup (folder->name, cut - folder->name);

          parent = tern_store_get_folder (tern_mail_service_get_store (self), folder->account_id, parent_name, NULL);
        }
    }
  else if (new_parent > 0)
    {
      if ((parent = tern_store_get_folder_by_id (tern_mail_service_get_store (self), new_parent, error)) == NULL)
        return 0;
      if (parent->id == folder->id ||
          (folder->delimiter != NULL && g_str_has_prefix (parent->name, folder->name) &&
           parent->name[strlen (folder->name)] == folder->delimiter[0]))
        {
          g_set_error_literal (error, TERN_JOURNAL_ERROR, TERN_JOURNAL_ERROR_INVALID,
                               "A folder cannot go inside itself");
          return 0;
        }
    }
  if (!child_names (self, folder->account_id, parent, display, &name, &full, &delimiter, error))
    return 0;
  return tern_mail_service_folder_rename (self, folder_id, name, full, error);
}

