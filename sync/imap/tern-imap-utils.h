/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* IMAP text that is not a command: mailbox names and UID sets. Thread-safe; no libetpan. */

/* Modified UTF-7 mailbox names (RFC 3501, 5.1.3) to UTF-8 and back. (transfer full) */
char        *_tern_utf7_decode            (const char              *name) G_GNUC_WARN_UNUSED_RESULT;
char        *_tern_utf7_encode            (const char              *utf8) G_GNUC_WARN_UNUSED_RESULT;
/* An IMAP quoted string for a command line: "name" with \\ and \" escaped. (transfer full) */
char        *_tern_imap_quote             (const char              *text) G_GNUC_WARN_UNUSED_RESULT;
/* A sequence set for UIDs sorted ascending (guint32): runs as "first:last", "4,7:9". (transfer full) */
char        *tern_imap_uid_set_new        (GArray                  *uids) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS
