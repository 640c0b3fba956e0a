/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <libetpan/libetpan.h>

#include "tern-store.h"

G_BEGIN_DECLS

/* Conversions from libetpan's parsed responses to the cache's records. Thread-safe.
 * Internal to sync/imap/: what is above it sees TernImapFetchItem (tern-imap-commands.h). */

TernMessage *_tern_message_from_msg_att   (struct mailimap_msg_att *msg_att) G_GNUC_WARN_UNUSED_RESULT;
/* Only UID, FLAGS and MODSEQ; *uid_out is 0 if the response carried no UID. */
char        *_tern_flags_from_msg_att     (struct mailimap_msg_att *msg_att,
                                           guint32                 *uid_out,
                                           guint64                 *modseq_out) G_GNUC_WARN_UNUSED_RESULT;
GPtrArray   *_tern_parts_from_body        (struct mailimap_body    *body) G_GNUC_WARN_UNUSED_RESULT;
gint64       _tern_date_time_to_unix      (struct mailimap_date_time *dt);

G_END_DECLS
