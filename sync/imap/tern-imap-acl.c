/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "tern-imap-connection"

#include "config.h"

#include <string.h>

#include "tern-imap-acl.h"
#include "tern-imap-connection-private.h"
#include "tern-imap-utils.h"

/* Sent as raw commands (the strings quoted by Tern); libetpan parses the untagged ACL and
 * LISTRIGHTS responses into the response info's extension list. */

void
tern_imap_acl_entry_free (TernImapAclEntry *entry)
{
  if (entry == NULL)
    return;
  g_free (entry->identifier);
  g_free (entry->rights);
  g_free (entry);
}

static gboolean
send (TernImapConnection  *self,
      GError             **error,
      const char          *verb,
      const char          *mailbox,
      const char          *identifier,
      const char          *rights)
{
  g_autofree char *m = _tern_imap_quote (mailbox);
  g_autofree char *i = identifier ? _tern_imap_quote (identifier) : NULL;
  g_autofree char *r = rights ? _tern_imap_quote (rights) : NULL;
  g_autofree char *command = g_strjoin (" ", verb, m, i, r, NULL);

  return tern_imap_connection_raw_command (self, command, error);
}

/* The extension data of the last command's responses of this ACL type, in order. */
static GPtrArray *
extension_data (TernImapConnection *self,
                int                 type)
{
  mailimap *session = tern_imap_connection_get_session (self);
  struct mailimap_response_info *info = session ? session->imap_response_info : NULL;
  GPtrArray *found = g_ptr_array_new ();

  for (clistiter *it = info ? clist_begin (info->rsp_extension_list) : NULL; it != NULL; it = clist_next (it))
    {
      struct mailimap_extension_data *ext = clist_content (it);

      if (ext->ext_extension->ext_id == MAILIMAP_EXTENSION_ACL && ext->ext_type == type && ext->ext_data != NULL)
        g_ptr_array_add (found, ext->ext_data);
    }
  return found;
}

GPtrArray *
tern_imap_connection_getacl (TernImapConnection  *self,
                             const char          *mailbox,
                             GError             **error)
{
  g_autoptr(GPtrArray) data = NULL;
  g_autoptr(GPtrArray) entries = g_ptr_array_new_with_free_func ((GDestroyNotify) tern_imap_acl_entry_free);

  g_return_val_if_fail (self != NULL && mailbox != NULL, NULL);

  if (!send (self, error, "GETACL", mailbox, NULL, NULL))
    return NULL;
  data = extension_data (self, MAILIMAP_ACL_TYPE_ACL_DATA);
  if (data->len == 0)
    {
      g_set_error (error, TERN_SYNC_ERROR, TERN_SYNC_ERROR_PROTOCOL, "No ACL data for %s", mailbox);
      return NULL;
    }
  for (guint i = 0; i < data->len; i++)
    {
      struct mailimap_acl_acl_data *acl = data->pdata[i];

      for (clistiter *it = acl->idrights_list ? clist_begin (acl->idrights_list) : NULL; it != NULL;
           it = clist_next (it))
        {
          struct mailimap_acl_identifier_rights *idr = clist_content (it);
          TernImapAclEntry *entry;

          if (idr == NULL || idr->identifer == NULL)
            continue;
          entry = g_new0 (TernImapAclEntry, 1);
          entry->identifier = g_utf8_make_valid (idr->identifer, -1);
          entry->rights = g_utf8_make_valid (idr->rights ? idr->rights : "", -1);
          g_ptr_array_add (entries, entry);
        }
    }
  return g_steal_pointer (&entries);
}

gboolean
tern_imap_connection_setacl (TernImapConnection  *self,
                             const char          *mailbox,
                             const char          *identifier,
                             const char          *rights,
                             GError             **error)
{
  g_return_val_if_fail (self != NULL && mailbox != NULL && identifier != NULL && rights != NULL, FALSE);

  return send (self, error, "SETACL", mailbox, identifier, rights);
}

gboolean
tern_imap_connection_deleteacl (TernImapConnection  *self,
                                const char          *mailbox,
                                const char          *identifier,
                                GError             **error)
{
  g_return_val_if_fail (self != NULL && mailbox != NULL && identifier != NULL, FALSE);

  return send (self, error, "DELETEACL", mailbox, identifier, NULL);
}

gboolean
tern_imap_connection_listrights (TernImapConnection  *self,
                                 const char          *mailbox,
                                 const char          *identifier,
                                 char               **required_out,
                                 GStrv               *optional_out,
                                 GError             **error)
{
  g_autoptr(GPtrArray) data = NULL;
  g_autoptr(GStrvBuilder) optional = g_strv_builder_new ();
  struct mailimap_acl_listrights_data *list;
  clistiter *it;

  g_return_val_if_fail (self != NULL && mailbox != NULL && identifier != NULL, FALSE);

  if (!send (self, error, "LISTRIGHTS", mailbox, identifier, NULL))
    return FALSE;
  data = extension_data (self, MAILIMAP_ACL_TYPE_LISTRIGHTS_DATA);
  if (data->len == 0)
    {
      g_set_error (error, TERN_SYNC_ERROR, TERN_SYNC_ERROR_PROTOCOL, "No LISTRIGHTS data for %s", mailbox);
      return FALSE;
    }
  list = data->pdata[0];
  it = list->rights_list ? clist_begin (list->rights_list) : NULL;
  *required_out = g_strdup (it != NULL && clist_content (it) != NULL ? (const char *) clist_content (it) : "");
  for (it = it ? clist_next (it) : NULL; it != NULL; it = clist_next (it))
    if (clist_content (it) != NULL)
      g_strv_builder_add (optional, clist_content (it));
  *optional_out = g_strv_builder_end (optional);
  return TRUE;
}
