/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "tern-account-discovery.h"
#include "tern-application.h"
#include "tern-goa.h"
#include "tern-preferences.h"

G_BEGIN_DECLS

/* TernPreferences is implemented by tern-preferences.c (the window, the form, the connection
 * test, per-account settings) and tern-preferences-setup.c (finding the settings from the
 * address, the name, the outgoing server set up with the account, removing an account) and
 * tern-preferences-servers.c (an account's incoming and outgoing servers changed later) and
 * tern-preferences-goa.c (an account from GNOME Online Accounts in one click) and
 * tern-preferences-oauth2.c (signing in with the browser) and tern-preferences-remote.c
 * (remote content allowed per sender or domain). */
struct _TernPreferences
{
  AdwPreferencesWindow  parent_instance;

  /* Borrowed. */
  TernApplication      *app;

  /* Children. */
  AdwPreferencesPage   *accounts_page;
  AdwPreferencesGroup  *accounts_group;
  AdwPreferencesPage   *add_page;
  GtkWidget            *name;
  GtkWidget            *full_name;
  GtkWidget            *email;
  GtkWidget            *host;
  GtkWidget            *port;
  GtkWidget            *security;
  GtkWidget            *security_warning;
  GtkWidget            *user;
  GtkWidget            *password;
  GtkWidget            *smtp_host;
  GtkWidget            *smtp_port;
  GtkWidget            *smtp_security;
  GtkWidget            *test_button;
  GtkWidget            *test_status;
  GtkWidget            *add_button;
  GtkWidget            *save_anyway_button;
  GPtrArray            *account_rows;

  /* Discovery (tern-preferences-setup.c). */
  GtkWidget            *find_button;
  GtkWidget            *find_spinner;
  GtkWidget            *find_status;
  TernAccountDiscovery *discovery;
  GCancellable         *find_cancellable;
  TernDiscoveryResult  *found;          /* what the last search found, for Add */

  /* Signing in with the browser (tern-preferences-oauth2.c). */
  GtkWidget            *oauth2_row;
  GtkWidget            *oauth2_button;
  GtkWidget            *oauth2_spinner;
  GtkWidget            *oauth2_cancel;
  GtkWidget            *oauth2_uri_row;
  GtkWidget            *oauth2_uri;
  GtkWidget            *oauth2_buttons;
  struct _TernOAuth2Flow *oauth2_flow;  /* borrowed: owned by its wait */
  TernAccount          *oauth2_account;
  GCancellable         *oauth2_cancellable;
  char                 *ca_file;        /* trust anchors for the accounts added (tests) */

  /* GNOME Online Accounts (tern-preferences-goa.c). */
  GtkWidget            *goa_group;
  GPtrArray            *goa_rows;
  TernGoaAccounts      *goa;
  GCancellable         *goa_cancellable;

  char                 *pinned_sha256;  /* a certificate the user trusted during the test */
  char                 *tested;         /* the form as it last passed the test */
  gboolean              testing;
  gboolean              add_after_test; /* Add pressed: the account is saved if it passes */
};

void _tern_preferences_fill_accounts        (TernPreferences     *self);
void _tern_preferences_add_discovery_rows   (TernPreferences     *self,
                                             AdwPreferencesGroup *group);
void _tern_preferences_clear_discovery      (TernPreferences     *self);
void _tern_preferences_finish_add           (TernPreferences     *self,
                                             TernStore           *store,
                                             const TernAccount   *added);
void _tern_preferences_add_server_rows     (TernPreferences     *self,
                                             GtkWidget           *expander,
                                             const TernAccount   *account);
void _tern_preferences_add_previews_row    (TernPreferences     *self,
                                             GtkWidget           *expander,
                                             const TernAccount   *account);
void _tern_preferences_form_account        (TernPreferences     *self,
                                             TernAccount         *account);
void _tern_preferences_add_sign_in_rows    (TernPreferences     *self,
                                             AdwPreferencesGroup *group);
void _tern_preferences_show_sign_in        (TernPreferences     *self,
                                             gboolean             oauth2);
void _tern_preferences_clear_sign_in       (TernPreferences     *self);
void _tern_preferences_add_goa_group       (TernPreferences     *self);
void _tern_preferences_clear_goa           (TernPreferences     *self);
void _tern_preferences_add_remove_row       (TernPreferences     *self,
                                             GtkWidget           *expander,
                                             const TernAccount   *account);
/* tern-preferences-remote.c: the senders and domains whose remote content loads at once. */
void _tern_preferences_add_remote_row       (TernPreferences     *self,
                                             GtkWidget           *expander,
                                             const TernAccount   *a);

G_END_DECLS
