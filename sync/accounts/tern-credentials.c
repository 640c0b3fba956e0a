/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "tern-accounts"

#include "config.h"

#include "tern-credentials.h"
#include "tern-goa.h"
#include "tern-oauth2.h"
#include "tern-password.h"

void
tern_credentials_init (void)
{
  tern_password_set_token_func (tern_credentials_dup_token);
}

static void
record_state (TernStore         *store,
              const TernAccount *account,
              const char        *state)
{
  g_autoptr(GError) error = NULL;

  if (store == NULL || account->id == 0 || g_strcmp0 (account->auth_state, state) == 0)
    return;
  if (!tern_store_set_account_auth_state (store, account->id, state, &error))
    g_debug ("Cannot record the sign-in state of %s: %s", account->name, error->message);
}

char *
tern_credentials_dup_token (TernStore          *store,
                            const TernAccount  *account,
                            gboolean            renew,
                            GError            **error)
{
  g_autoptr(GError) local_error = NULL;
  const char *state = NULL;
  char *token;

  g_return_val_if_fail (account != NULL, NULL);

  if (g_strcmp0 (account->auth, "goa") == 0)
    token = account->goa_id != NULL ? tern_goa_dup_access_token (account->goa_id, renew, &local_error)
                                    : NULL;
  else
    token = tern_oauth2_dup_access_token (account, renew, &local_error);
  if (token != NULL)
    {
      record_state (store, account, NULL);
      return token;
    }
  if (local_error == NULL)
    local_error = g_error_new (TERN_GOA_ERROR, TERN_GOA_ERROR_REMOVED, "No Online Accounts account");

  if (g_error_matches (local_error, TERN_OAUTH2_ERROR, TERN_OAUTH2_ERROR_SIGN_IN) ||
      g_error_matches (local_error, TERN_GOA_ERROR, TERN_GOA_ERROR_SIGN_IN))
    state = "sign-in";
  else if (g_error_matches (local_error, TERN_GOA_ERROR, TERN_GOA_ERROR_REMOVED))
    state = "goa-removed";
  else if (g_error_matches (local_error, TERN_GOA_ERROR, TERN_GOA_ERROR_MAIL_OFF))
    state = "goa-mail-off";
  if (state != NULL)
    {
      /* Shown with the account, never retried: the user acts (here or in Settings). */
      record_state (store, account, state);
      g_set_error (error, TERN_SYNC_ERROR, TERN_SYNC_ERROR_AUTH, "%s", local_error->message);
      return NULL;
    }
  if (local_error->domain == TERN_GOA_ERROR)
    {
      g_set_error (error, TERN_SYNC_ERROR, TERN_SYNC_ERROR_OFFLINE, "%s", local_error->message);
      return NULL;
    }
  g_propagate_error (error, g_steal_pointer (&local_error));
  return NULL;
}
