/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "tern-store.h"
#include "tern-sync-error.h"

G_BEGIN_DECLS

/* Passwords never touch the cache or a config file: they come from libsecret or from
 * the account's password command, run each time one is needed. Blocking; any thread. */
char     *tern_password_lookup (const TernAccount  *account,
                                GError            **error) G_GNUC_WARN_UNUSED_RESULT;
gboolean  tern_password_store  (const TernAccount  *account,
                                const char         *password,
                                GError            **error);
gboolean  tern_password_clear  (const TernAccount  *account,
                                GError            **error);

/* The submission server's password: its own keyring item when the user gave it one (the
 * server and login name are those of the account's SMTP settings), else the account's
 * (keyring or command). */
char     *tern_password_lookup_smtp (const TernAccount  *account,
                                     const char         *host,
                                     const char         *user,
                                     GError            **error) G_GNUC_WARN_UNUSED_RESULT;
gboolean  tern_password_store_smtp  (const TernAccount  *account,
                                     const char         *host,
                                     const char         *user,
                                     const char         *password,
                                     GError            **error);
/* Removes every password Tern keeps for the account (its own and its submission server's):
 * when the account is removed. */
gboolean  tern_password_forget_all  (const TernAccount  *account,
                                     GError            **error);
/* Moves the keyring password of from to to (renamed, or another server or user); nothing to
 * do for a password command or when nothing is stored. */
gboolean  tern_password_move        (const TernAccount  *from,
                                     const TernAccount  *to,
                                     GError            **error);

/* Accounts that sign in with a token (auth "oauth2" or "goa"): an access token each time one
 * is needed, renewed when it is about to expire or, with renew, at once (a server refused the
 * last one: ask once more, never in a loop). The accounts layer provides the function
 * (tern_credentials_init()); without it, CONFIG. store (may be NULL) records a sign-in the
 * user must renew. Blocking; any thread. */
typedef char *(*TernTokenFunc) (TernStore          *store,
                                const TernAccount  *account,
                                gboolean            renew,
                                GError            **error);
void      tern_password_set_token_func (TernTokenFunc       func);
gboolean  tern_password_uses_token  (const TernAccount  *account);
char     *tern_password_dup_token   (TernStore          *store,
                                     const TernAccount  *account,
                                     gboolean            renew,
                                     GError            **error) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS
