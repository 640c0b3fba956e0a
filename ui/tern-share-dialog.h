/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "tern-mail-service.h"

G_BEGIN_DECLS

#define TERN_TYPE_SHARE_DIALOG (tern_share_dialog_get_type ())

G_DECLARE_FINAL_TYPE (TernShareDialog, tern_share_dialog, TERN, SHARE_DIALOG, AdwWindow)

/* Who can use a folder and what they can do, in words (RFC 4314 ACL, read on a thread with a
 * connection of its own), and, for whoever may share it, sharing with a colleague by preset,
 * changing and taking it back: changes go through the mail service like any other (queued
 * in the journal, offline too; the account's worker, if the service has one, is woken). The
 * service is kept; its store must outlive the dialog. Main thread only. */
TernShareDialog *tern_share_dialog_new       (GtkWindow         *parent,
                                              TernMailService   *service,
                                              gint64             folder_id);
/* Whether reading the folder's access has ended (either way): for tests. */
gboolean         tern_share_dialog_is_loaded (TernShareDialog   *self);

G_END_DECLS
