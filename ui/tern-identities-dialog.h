/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "tern-store.h"

G_BEGIN_DECLS

#define TERN_TYPE_IDENTITIES_DIALOG (tern_identities_dialog_get_type ())

G_DECLARE_FINAL_TYPE (TernIdentitiesDialog, tern_identities_dialog, TERN, IDENTITIES_DIALOG, AdwWindow)

/* An account's identities: its own address and aliases, each with a name, a Reply-To and a
 * signature; added, edited and removed in place (stored at once). The store is borrowed and
 * must outlive the dialog. Main thread only. */
TernIdentitiesDialog *tern_identities_dialog_new (GtkWindow  *parent,
                                                  TernStore  *store,
                                                  gint64      account_id);

G_END_DECLS
