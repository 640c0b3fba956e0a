/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "tern-imap-connection"

#include "config.h"

#include <string.h>

#include "tern-imap-connection-private.h"

/* NOTIFY (RFC 5465). */

gboolean
tern_imap_connection_notify_set (TernImapConnection  *self,
                                 GError             **error)
{
  g_return_val_if_fail (self != NULL, FALSE);

  /* Each event group needs MessageNew and MessageExpunge with FlagChange (5.2); a mailbox in
   * more than one group is reported for the first. */
  return tern_imap_connection_raw_command (self,
                                           "NOTIFY SET (selected (MessageNew MessageExpunge FlagChange)) "
                                           "(personal (MessageNew MessageExpunge FlagChange)) "
                                           "(subscribed (MessageNew MessageExpunge FlagChange))",
                                           error);
}

void
_tern_imap_note_status_line (TernImapConnection *self,
                             const char         *line)
{
  const char *p = line + strlen ("* STATUS ");
  GString *name = g_string_new (NULL);

  if (*p == '"')
    {
      for (p++; *p != '\0' && *p != '"'; p++)
        {
          if (*p == '\\' && p[1] != '\0')
            p++;
          g_string_append_c (name, *p);
        }
      if (*p != '"')
        g_string_truncate (name, 0);
    }
  else if (*p != '{')
    {
      for (; *p != '\0' && *p != ' ' && *p != '\r' && *p != '\n'; p++)
        g_string_append_c (name, *p);
    }
  /* "" (a literal, or something broken) asks the caller to look at every mailbox. */
  if (self->notified == NULL)
    self->notified = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 0; i < self->notified->len; i++)
    if (g_str_equal (self->notified->pdata[i], name->str))
      {
        g_string_free (name, TRUE);
        return;
      }
  g_debug ("NOTIFY: news of “%s”", name->str);
  g_ptr_array_add (self->notified, g_string_free (name, FALSE));
}

GStrv
tern_imap_connection_take_notified (TernImapConnection *self)
{
  GStrv names;

  g_return_val_if_fail (self != NULL, NULL);

  if (self->notified == NULL || self->notified->len == 0)
    return NULL;
  g_ptr_array_add (self->notified, NULL);
  names = (GStrv) g_ptr_array_free (g_steal_pointer (&self->notified), FALSE);
  return names;
}
