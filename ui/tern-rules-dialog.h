/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "tern-store.h"

G_BEGIN_DECLS

#define TERN_TYPE_RULES_DIALOG (tern_rules_dialog_get_type ())

G_DECLARE_FINAL_TYPE (TernRulesDialog, tern_rules_dialog, TERN, RULES_DIALOG, AdwWindow)

/* An account's server-side rules and vacation reply (ManageSieve): read from the server (or
 * the cache's copy when it cannot be reached), edited in place, saved to the server or kept
 * for it. The store is borrowed and must outlive the dialog; the network work runs on a
 * thread of its own with its own connection to the cache. Main thread only. */
TernRulesDialog *tern_rules_dialog_new     (GtkWindow  *parent,
                                            TernStore  *store,
                                            gint64      account_id);
/* Whether the rules have been read (or reading failed): for tests. */
gboolean         tern_rules_dialog_is_loaded (TernRulesDialog *self);
/* Whether no save is under way: for tests. */
gboolean         tern_rules_dialog_is_idle   (TernRulesDialog *self);

G_END_DECLS
