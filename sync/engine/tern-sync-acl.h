/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "tern-imap-acl.h"
#include "tern-sync.h"

G_BEGIN_DECLS

/*
 * Sharing a folder (RFC 4314). Changes go through the journal (tern_journal_folder_share());
 * reading who has access needs the server.
 */

/* The rights of a preset: "read" (read, mark as read), "triage" (also star, file, delete),
 * "full" (everything but sharing it further); NULL for another word. */
const char *tern_acl_preset_rights (const char *preset);
/* RFC 4314 letters as given, or a preset; NULL when neither (bad letters). (transfer full) */
char       *tern_acl_parse_rights  (const char *text);
/* "bob can read and mark as read". (transfer full) */
char       *tern_acl_describe      (const char *identifier,
                                    const char *rights);

/* Connects if needed. *myrights_out: this user's rights there. Returns the folder's ACL
 * (TernImapAclEntry), or an empty array where this user may not see it (no 'a' right: only
 * MYRIGHTS is known); NULL on error. */
GPtrArray  *tern_sync_get_acl      (TernSync          *self,
                                    const TernFolder  *folder,
                                    char             **myrights_out,
                                    GError           **error);

G_END_DECLS
