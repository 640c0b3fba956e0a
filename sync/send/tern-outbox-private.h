/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "tern-outbox-sync.h"

G_BEGIN_DECLS

/* Shared by tern-outbox-sync.c, tern-outbox-sender.c and tern-drafts.c. */

/* How many folders the cache knows for the account (0: the folder list was never synced). */
guint    _tern_outbox_count_folders        (TernStore   *store,
                                            gint64       account_id);

G_END_DECLS
