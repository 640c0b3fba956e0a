/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "tern-outbox-sync.h"

G_BEGIN_DECLS

/* Shared by tern-outbox-sync.c, tern-outbox-sender.c and tern-drafts.c. */

/* How many folders the cache knows for the account (0: the folder list was never synced). */
guint    _tern_outbox_count_folders        (TernStore   *store,
                                            gint64       account_id);
/* The account's folder with this special use; where the folder list is known and has none,
 * a folder named leaf is created through the journal and takes the role here. 0 with no
 * error if the folder list was never synced. Nests in the caller's transaction. */
gint64   _tern_outbox_ensure_special_folder (TernStore  *store,
                                            gint64       account_id,
                                            const char  *special_use,
                                            const char  *leaf,
                                            GError     **error);

G_END_DECLS
