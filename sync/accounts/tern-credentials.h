/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "tern-store.h"
#include "tern-sync-error.h"

G_BEGIN_DECLS

/*
 * What IMAP and submission sign in with when an account uses tokens (auth "oauth2"): an
 * access token from tern-oauth2 (renewed before it expires, or at once when renew is set).
 * When the provider wants the user (a revoked or expired sign-in), the account's auth_state
 * becomes "sign-in" (store may be NULL) and the error is TERN_SYNC_ERROR_AUTH, which asks the
 * user and is not retried; a token that comes back clears the state. GNOME Online Accounts
 * ("goa") is not supported yet: CONFIG. Blocking; any thread (store: the calling thread's).
 */

/* Registers tern_credentials_dup_token() with tern_password_dup_token(); once, any thread. */
void      tern_credentials_init      (void);
char     *tern_credentials_dup_token (TernStore          *store,
                                      const TernAccount  *account,
                                      gboolean            renew,
                                      GError            **error) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS
