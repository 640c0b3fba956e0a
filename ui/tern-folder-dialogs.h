/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "tern-mail-service.h"

G_BEGIN_DECLS

/*
 * Two dialogs of the folder list: Manage Subscriptions (every folder the server listed for
 * an account, subscribed or not, with a switch each and a search entry; a switch goes through
 * the mail service's journal, so it works offline and is replayed) and Folder Properties
 * (name and path, counts, size, offline, notifications, sharing). The service (and its
 * store) must outlive them. Main thread only.
 */

/* (transfer none: the window is presented and owned by GTK) */
GtkWindow *tern_subscriptions_dialog_new (GtkWindow       *parent,
                                          TernMailService *service,
                                          gint64           account_id);
GtkWindow *tern_folder_properties_new    (GtkWindow       *parent,
                                          TernMailService *service,
                                          gint64           folder_id);

G_END_DECLS
