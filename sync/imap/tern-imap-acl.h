/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "tern-imap-connection.h"

G_BEGIN_DECLS

/* Access control lists (RFC 4314): who may do what in a mailbox. */
typedef struct
{
  char *identifier;   /* a user name, "anyone", or a negative "-name" */
  char *rights;       /* RFC 4314 letters, e.g. "lrswipkxtea" */
} TernImapAclEntry;

void        tern_imap_acl_entry_free             (TernImapAclEntry   *entry);

/* GETACL: TernImapAclEntry in the server's order. Needs the 'a' right (else PERMANENT). */
GPtrArray  *tern_imap_connection_getacl          (TernImapConnection *self,
                                                  const char         *mailbox,
                                                  GError            **error);
/* SETACL with the whole set of rights (replacing what identifier had). */
gboolean    tern_imap_connection_setacl          (TernImapConnection *self,
                                                  const char         *mailbox,
                                                  const char         *identifier,
                                                  const char         *rights,
                                                  GError            **error);
gboolean    tern_imap_connection_deleteacl       (TernImapConnection *self,
                                                  const char         *mailbox,
                                                  const char         *identifier,
                                                  GError            **error);
/* LISTRIGHTS: the rights always granted (*required_out) and those that may be granted, each
 * group as the server wrote it (letters that come together stay together). */
gboolean    tern_imap_connection_listrights      (TernImapConnection *self,
                                                  const char         *mailbox,
                                                  const char         *identifier,
                                                  char              **required_out,
                                                  GStrv              *optional_out,
                                                  GError            **error);

G_END_DECLS
