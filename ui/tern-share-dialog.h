/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "tern-account-worker.h"
#include "tern-store.h"

G_BEGIN_DECLS

#define TERN_TYPE_SHARE_DIALOG (tern_share_dialog_get_type ())

G_DECLARE_FINAL_TYPE (TernShareDialog, tern_share_dialog, TERN, SHARE_DIALOG, AdwWindow)

/* Who can use a folder and what they can do, in words (RFC 4314 ACL, read on a thread with a
 * connection of its own), and, for whoever may share it, sharing with a colleague by preset,
 * changing and taking it back: changes go through the journal like any other (offline too)
 * and wake the account's worker (which may be NULL). The store is borrowed and must outlive
 * the dialog. Main thread only. */
TernShareDialog *tern_share_dialog_new       (GtkWindow         *parent,
                                              TernStore         *store,
                                              TernAccountWorker *worker,
                                              gint64             folder_id);
/* Whether reading the folder's access has ended (either way): for tests. */
gboolean         tern_share_dialog_is_loaded (TernShareDialog   *self);

G_END_DECLS
