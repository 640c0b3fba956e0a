/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "tern-store.h"
#include "tern-sync-error.h"

G_BEGIN_DECLS

/*
 * What IMAP and submission sign in with when an account uses tokens: an access token from
 * tern-oauth2 (auth "oauth2": renewed before it expires, or at once when renew is set) or
 * from GNOME Online Accounts (auth "goa": asked each time, never kept). When the provider or
 * GOA wants the user (a revoked sign-in, the account removed or its mail turned off in
 * Settings), the account's auth_state becomes "sign-in", "goa-removed" or "goa-mail-off"
 * (store may be NULL) and the error is TERN_SYNC_ERROR_AUTH, which asks the user and is not
 * retried; a token that comes back clears the state. GOA not running: OFFLINE (retry later).
 * Blocking; any thread (store: the calling thread's).
 */

/* Registers tern_credentials_dup_token() with tern_password_dup_token(); once, any thread. */
void      tern_credentials_init      (void);
char     *tern_credentials_dup_token (TernStore          *store,
                                      const TernAccount  *account,
                                      gboolean            renew,
                                      GError            **error) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS
