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
/* "read and mark as read"; NULL when none of the rights has words (l, p, n...). (transfer full) */
char       *tern_acl_describe_abilities (const char *rights);
/* "bob can read and mark as read". (transfer full) */
char       *tern_acl_describe      (const char *identifier,
                                    const char *rights);

/* Fits wanted rights to what LISTRIGHTS said the server allows for an identifier (RFC 4314
 * 3.7): the rights it always grants (required) are added, and a letter of a group of optional
 * rights brings the whole group (those are granted together). Where the server lists only RFC
 * 2086's c and d, k and x are asked as c, t and e as d. NULL when a letter cannot be granted at
 * all: *missing_out (may be NULL) then gets those letters. (transfer full) */
char       *tern_acl_fit_rights    (const char         *wanted,
                                    const char         *required,
                                    const char * const *optional,
                                    char              **missing_out);
/* The letters of rights that are not in wanted ("" when none). (transfer full) */
char       *tern_acl_extra_rights  (const char         *rights,
                                    const char         *wanted);

/* LISTRIGHTS: what the server allows for identifier there (connects if needed). */
gboolean    tern_sync_list_rights  (TernSync          *self,
                                    const TernFolder  *folder,
                                    const char        *identifier,
                                    char             **required_out,
                                    GStrv             *optional_out,
                                    GError           **error);

/* Connects if needed. *myrights_out: this user's rights there. Returns the folder's ACL
 * (TernImapAclEntry), or an empty array where this user may not see it (no 'a' right: only
 * MYRIGHTS is known); NULL on error. */
GPtrArray  *tern_sync_get_acl      (TernSync          *self,
                                    const TernFolder  *folder,
                                    char             **myrights_out,
                                    GError           **error);

G_END_DECLS
