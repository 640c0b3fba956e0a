/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "tern-store.h"
#include "tern-sync-error.h"

G_BEGIN_DECLS

/*
 * GNOME Online Accounts: the accounts the user added in Settings, with mail. Tern lists them
 * (TernGoaAccounts, main thread, following the service's changes), makes an account of one
 * (auth "goa", goa_id its id), and asks GOA for an access token each time one is needed
 * (tern_goa_dup_access_token(), any thread): never stored. GOA refreshes the tokens itself.
 */

typedef struct
{
  char     *id;               /* GOA's account id */
  char     *provider_name;    /* "Google", "Microsoft", ... */
  char     *identity;         /* how GOA shows it: usually the address */
  char     *email;
  char     *name;             /* the person's name, if GOA knows it */
  gboolean  mail_enabled;     /* FALSE: the account exists, its mail is turned off */
  gboolean  attention_needed; /* the user has to sign in again in Settings */
  gboolean  oauth2;           /* GOA has an OAuth2 token for it (else: not usable by Tern) */
  char     *imap_host;
  guint     imap_port;
  char     *imap_security;    /* "tls" or "starttls"; NULL: no encryption (not usable) */
  char     *imap_user;
  char     *smtp_host;        /* NULL: no outgoing server */
  guint     smtp_port;
  char     *smtp_security;
  char     *smtp_user;
} TernGoaAccount;

void            tern_goa_account_free (TernGoaAccount *account);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TernGoaAccount, tern_goa_account_free)

/* Whether Tern can use it: mail on, OAuth2, an encrypted IMAP server. */
gboolean        tern_goa_account_is_usable (const TernGoaAccount *account);
/* An account record (auth "goa", setup_source "goa") named name (NULL: the address). */
TernAccount    *tern_goa_account_to_account (const TernGoaAccount *account,
                                             const char           *name) G_GNUC_WARN_UNUSED_RESULT;

#define TERN_TYPE_GOA_ACCOUNTS (tern_goa_accounts_get_type ())
G_DECLARE_FINAL_TYPE (TernGoaAccounts, tern_goa_accounts, TERN, GOA_ACCOUNTS, GObject)

/* Connects to the service on the session bus (no service: an empty list, no error).
 * "changed" is emitted when an account comes, goes or changes there. Main thread. */
void             tern_goa_accounts_new_async  (GCancellable        *cancellable,
                                               GAsyncReadyCallback  callback,
                                               gpointer             user_data);
TernGoaAccounts *tern_goa_accounts_new_finish (GAsyncResult        *result,
                                               GError             **error);
/* Blocking variant (tern-cli). */
TernGoaAccounts *tern_goa_accounts_new_sync   (GCancellable        *cancellable,
                                               GError             **error);
/* Every account with mail (on or off), in GOA's order. (transfer full) of TernGoaAccount */
GPtrArray       *tern_goa_accounts_list       (TernGoaAccounts     *self) G_GNUC_WARN_UNUSED_RESULT;
/* NULL if GOA has no account with that id (removed). (transfer full) */
TernGoaAccount  *tern_goa_accounts_lookup     (TernGoaAccounts     *self,
                                               const char          *id) G_GNUC_WARN_UNUSED_RESULT;

#define TERN_GOA_ERROR (tern_goa_error_quark ())

typedef enum
{
  TERN_GOA_ERROR_REMOVED,     /* no such account in GNOME Online Accounts */
  TERN_GOA_ERROR_MAIL_OFF,    /* its mail is turned off there */
  TERN_GOA_ERROR_SIGN_IN,     /* it needs the user to sign in again in Settings */
  TERN_GOA_ERROR_FAILED,      /* the service failed or is not running */
} TernGoaError;

GQuark          tern_goa_error_quark (void);

/* An access token for the GOA account (renew: ask GOA to check its credentials first, after a
 * server refused the last one). Blocking, any thread: plain D-Bus calls on the session bus.
 * (transfer full) */
char           *tern_goa_dup_access_token (const char  *goa_id,
                                           gboolean     renew,
                                           GError     **error) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS
