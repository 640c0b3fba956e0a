/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "tern-account-worker.h"

G_BEGIN_DECLS

/* Rules saved on this computer while the server could not be reached (Preferences → Rules)
 * go up by themselves when the account's worker is online again, as a sync from tern-cli
 * sends them: each time worker turns online with a change pending in store, one upload in a
 * thread (with a connection of its own). store is borrowed and must outlive worker. */
void tern_rules_push_watch (TernAccountWorker *worker,
                            TernStore         *store);

G_END_DECLS
