/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "tern-store.h"
#include "tern-sync-error.h"

G_BEGIN_DECLS

/*
 * OAuth2 for providers that refuse passwords, without GNOME Online Accounts:
 *
 * - Signing in: the authorization-code flow with PKCE (RFC 7636, S256) and a loopback
 *   redirect (RFC 8252: http://127.0.0.1:PORT/ on a port picked at random, a state checked) in
 *   the user's browser. The flow gives the URL to open (or to print where no browser opens),
 *   waits for the browser to come back, and exchanges the code for tokens.
 * - The refresh token goes to the keyring (libsecret, one item per account); access tokens
 *   stay in this process's memory, renewed a minute before they expire, or at once when a
 *   server refused one (renew). A provider that refuses the refresh token (revoked, expired:
 *   "invalid_grant"), or no refresh token at all, gives TERN_OAUTH2_ERROR_SIGN_IN: the user
 *   has to sign in again (tern-credentials.h records that with the account).
 * - Token endpoints are https only; ca_file (the account's) replaces the system CAs for them.
 *
 * Everything blocks unless it says otherwise; any thread.
 */

#define TERN_OAUTH2_ERROR (tern_oauth2_error_quark ())

typedef enum
{
  TERN_OAUTH2_ERROR_SIGN_IN,   /* the provider wants the user to sign in again */
} TernOAuth2Error;

GQuark    tern_oauth2_error_quark   (void);

/* Tern's client id (and secret, for providers that want one) at an issuer: from
 * $TERN_OAUTH2_CLIENTS ("issuer=client-id[:secret];...") or Tern's own registrations; NULL if
 * there is none. (transfer full) */
char     *tern_oauth2_dup_client_id (const char  *issuer,
                                     char       **secret_out) G_GNUC_WARN_UNUSED_RESULT;

typedef struct
{
  char   *access_token;
  char   *refresh_token;   /* NULL if the provider sent none */
  gint64  expires_at;      /* monotonic-free unix time (seconds); 0: unknown */
} TernOAuth2Tokens;

void      tern_oauth2_tokens_free   (TernOAuth2Tokens *tokens);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TernOAuth2Tokens, tern_oauth2_tokens_free)

typedef struct _TernOAuth2Flow TernOAuth2Flow;

/* Listens on 127.0.0.1 (a free port) and makes the authorization URL. login_hint (the email
 * address, or NULL) preselects the account at the provider. */
TernOAuth2Flow *tern_oauth2_flow_new       (const TernAccount  *account,
                                            const char         *login_hint,
                                            GError            **error);
void            tern_oauth2_flow_free      (TernOAuth2Flow     *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TernOAuth2Flow, tern_oauth2_flow_free)
/* The URL the user opens in a browser. */
const char     *tern_oauth2_flow_get_uri   (TernOAuth2Flow     *self);
const char     *tern_oauth2_flow_get_redirect_uri (TernOAuth2Flow *self);
/* Waits for the browser's redirect (the user signed in, or refused: TERN_SYNC_ERROR_AUTH with
 * the provider's reason), then exchanges the code. Cancel to stop waiting. */
TernOAuth2Tokens *tern_oauth2_flow_wait    (TernOAuth2Flow     *self,
                                            GCancellable       *cancellable,
                                            GError            **error) G_GNUC_WARN_UNUSED_RESULT;
/* The same on a thread; main thread. The flow must live until the callback. */
void            tern_oauth2_flow_wait_async  (TernOAuth2Flow      *self,
                                              GCancellable        *cancellable,
                                              GAsyncReadyCallback  callback,
                                              gpointer             user_data);
TernOAuth2Tokens *tern_oauth2_flow_wait_finish (GAsyncResult      *result,
                                                GError           **error) G_GNUC_WARN_UNUSED_RESULT;

/* Keeps the tokens of a new sign-in: the refresh token in the keyring, the access token in
 * memory. */
gboolean  tern_oauth2_save_tokens   (const TernAccount       *account,
                                     const TernOAuth2Tokens  *tokens,
                                     GError                 **error);
/* An access token for the account: the one in memory while it is good for another minute and
 * renew is FALSE, else a new one from the refresh token. (transfer full) */
char     *tern_oauth2_dup_access_token (const TernAccount  *account,
                                        gboolean            renew,
                                        GError            **error) G_GNUC_WARN_UNUSED_RESULT;
/* Forgets the account's tokens (keyring and memory): when it is removed or signs in anew. */
gboolean  tern_oauth2_forget        (const TernAccount       *account,
                                     GError                 **error);

G_END_DECLS
