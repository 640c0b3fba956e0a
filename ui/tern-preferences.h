/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "tern-account-discovery.h"
#include "tern-application.h"

G_BEGIN_DECLS

#define TERN_TYPE_PREFERENCES (tern_preferences_get_type ())

G_DECLARE_FINAL_TYPE (TernPreferences, tern_preferences, TERN, PREFERENCES, AdwPreferencesWindow)

TernPreferences *tern_preferences_new              (TernApplication *app);
void             tern_preferences_show_add_account (TernPreferences *self);
/* The account's settings opened at its outgoing server (to set one up). */
void             tern_preferences_show_outgoing    (TernPreferences *self,
                                                    gint64           account_id);
/* The discovery "Find Settings" uses (default: a new one, the system's CAs); tests give
 * one with their CA and loopback ports. */
void             tern_preferences_set_discovery    (TernPreferences      *self,
                                                    TernAccountDiscovery *discovery);

/* Trust anchors (a PEM file) for the servers of the accounts added here, besides the
 * system's: tests give their CA. */
void             tern_preferences_set_ca_file      (TernPreferences      *self,
                                                    const char           *ca_file);

G_END_DECLS
