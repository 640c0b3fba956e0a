/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "tern-sync"

#include "config.h"

#include <libsecret/secret.h>
#include <string.h>

#include "tern-password.h"

static const SecretSchema *
get_schema (void)
{
  static const SecretSchema schema = {
    "org.gnome.Tern.Account", SECRET_SCHEMA_NONE,
    {
      { "account", SECRET_SCHEMA_ATTRIBUTE_STRING },
      { "host", SECRET_SCHEMA_ATTRIBUTE_STRING },
      { "user", SECRET_SCHEMA_ATTRIBUTE_STRING },
      { NULL, 0 },
    }
  };
  return &schema;
}

/* A submission server with a password of its own (Preferences, "Outgoing server"). */
static const SecretSchema *
get_smtp_schema (void)
{
  static const SecretSchema schema = {
    "org.gnome.Tern.Submission", SECRET_SCHEMA_NONE,
    {
      { "account", SECRET_SCHEMA_ATTRIBUTE_STRING },
      { "host", SECRET_SCHEMA_ATTRIBUTE_STRING },
      { "user", SECRET_SCHEMA_ATTRIBUTE_STRING },
      { NULL, 0 },
    }
  };
  return &schema;
}

static char *
run_password_command (const TernAccount  *account,
                      GError            **error)
{
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autoptr(GError) local_error = NULL;
  const char *argv[] = { "/bin/sh", "-c", account->password_command, NULL };
  int status = 0;
  char *newline;

  if (!g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL,
                     &out, &err, &status, &local_error))
    {
      g_set_error (error, TERN_SYNC_ERROR, TERN_SYNC_ERROR_CONFIG,
                   "Password command for %s could not run: %s", account->name, local_error->message);
      return NULL;
    }
  if (!g_spawn_check_wait_status (status, NULL))
    {
      g_strstrip (err);
      g_set_error (error, TERN_SYNC_ERROR, TERN_SYNC_ERROR_CONFIG,
                   "Password command for %s failed%s%s", account->name,
                   *err ? ": " : "", err);
      return NULL;
    }

  /* Like mbsync's PassCmd: the first line of the output is the password. */
  newline = strpbrk (out, "\r\n");
  if (newline != NULL)
    *newline = '\0';
  if (*out == '\0')
    {
      g_set_error (error, TERN_SYNC_ERROR, TERN_SYNC_ERROR_CONFIG,
                   "Password command for %s printed no password", account->name);
      return NULL;
    }
  return g_steal_pointer (&out);
}

char *
tern_password_lookup (const TernAccount  *account,
                      GError            **error)
{
  g_autoptr(GError) local_error = NULL;
  char *password;

  g_return_val_if_fail (account != NULL, NULL);

  if (account->password_command != NULL && *account->password_command != '\0')
    return run_password_command (account, error);

  password = secret_password_lookup_sync (get_schema (), NULL, &local_error,
                                          "account", account->name,
                                          "host", account->host,
                                          "user", account->user,
                                          NULL);
  if (local_error != NULL)
    {
      g_set_error (error, TERN_SYNC_ERROR, TERN_SYNC_ERROR_CONFIG,
                   "Cannot read the password of %s from the keyring: %s",
                   account->name, local_error->message);
      return NULL;
    }
  if (password == NULL)
    {
      g_set_error (error, TERN_SYNC_ERROR, TERN_SYNC_ERROR_AUTH,
                   "No password stored for %s (add one with --password-stdin or --password-command)",
                   account->name);
      return NULL;
    }
  {
    /* Hand out ordinary memory; libsecret's is non-pageable and freed with its own call. */
    char *copy = g_strdup (password);

    secret_password_free (password);
    return copy;
  }
}

gboolean
tern_password_store (const TernAccount  *account,
                     const char         *password,
                     GError            **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autofree char *label = g_strdup_printf ("Tern mail account %s (%s@%s)",
                                            account->name, account->user, account->host);

  if (!secret_password_store_sync (get_schema (), SECRET_COLLECTION_DEFAULT, label, password,
                                   NULL, &local_error,
                                   "account", account->name,
                                   "host", account->host,
                                   "user", account->user,
                                   NULL))
    {
      g_set_error (error, TERN_SYNC_ERROR, TERN_SYNC_ERROR_CONFIG,
                   "Cannot store the password in the keyring: %s", local_error->message);
      return FALSE;
    }
  return TRUE;
}

gboolean
tern_password_clear (const TernAccount  *account,
                     GError            **error)
{
  g_autoptr(GError) local_error = NULL;

  secret_password_clear_sync (get_schema (), NULL, &local_error,
                              "account", account->name,
                              NULL);
  if (local_error != NULL)
    {
      g_set_error (error, TERN_SYNC_ERROR, TERN_SYNC_ERROR_CONFIG,
                   "Cannot remove the password from the keyring: %s", local_error->message);
      return FALSE;
    }
  return TRUE;
}

char *
tern_password_lookup_smtp (const TernAccount  *account,
                           const char         *host,
                           const char         *user,
                           GError            **error)
{
  g_autoptr(GError) local_error = NULL;
  char *password;

  g_return_val_if_fail (account != NULL && host != NULL && user != NULL, NULL);

  if (account->password_command != NULL && *account->password_command != '\0')
    return run_password_command (account, error);

  password = secret_password_lookup_sync (get_smtp_schema (), NULL, &local_error,
                                          "account", account->name,
                                          "host", host,
                                          "user", user,
                                          NULL);
  if (password == NULL)
    {
      /* None of its own (or no keyring to ask): the account's password. */
      g_debug ("No submission password of its own for %s: %s", account->name,
               local_error ? local_error->message : "none stored");
      return tern_password_lookup (account, error);
    }
  {
    char *copy = g_strdup (password);

    secret_password_free (password);
    return copy;
  }
}

gboolean
tern_password_store_smtp (const TernAccount  *account,
                          const char         *host,
                          const char         *user,
                          const char         *password,
                          GError            **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autofree char *label = g_strdup_printf ("Tern outgoing mail %s (%s@%s)", account->name, user, host);

  if (!secret_password_store_sync (get_smtp_schema (), SECRET_COLLECTION_DEFAULT, label, password,
                                   NULL, &local_error,
                                   "account", account->name,
                                   "host", host,
                                   "user", user,
                                   NULL))
    {
      g_set_error (error, TERN_SYNC_ERROR, TERN_SYNC_ERROR_CONFIG,
                   "Cannot store the password in the keyring: %s", local_error->message);
      return FALSE;
    }
  return TRUE;
}

gboolean
tern_password_forget_all (const TernAccount  *account,
                          GError            **error)
{
  g_autoptr(GError) local_error = NULL;

  g_return_val_if_fail (account != NULL, FALSE);

  /* Every item of the account, whatever server and user it was stored for. */
  secret_password_clear_sync (get_schema (), NULL, &local_error, "account", account->name, NULL);
  if (local_error == NULL)
    secret_password_clear_sync (get_smtp_schema (), NULL, &local_error,
                                "account", account->name, NULL);
  if (local_error != NULL)
    {
      g_set_error (error, TERN_SYNC_ERROR, TERN_SYNC_ERROR_CONFIG,
                   "Cannot remove the passwords of %s from the keyring: %s", account->name,
                   local_error->message);
      return FALSE;
    }
  return TRUE;
}

gboolean
tern_password_move (const TernAccount  *from,
                    const TernAccount  *to,
                    GError            **error)
{
  g_autofree char *password = NULL;
  g_autoptr(GError) local_error = NULL;

  g_return_val_if_fail (from != NULL && to != NULL, FALSE);

  if ((from->password_command != NULL && *from->password_command != '\0') ||
      (g_strcmp0 (from->name, to->name) == 0 && g_strcmp0 (from->host, to->host) == 0 &&
       g_strcmp0 (from->user, to->user) == 0))
    return TRUE;
  password = tern_password_lookup (from, &local_error);
  if (password == NULL)
    {
      /* Nothing stored: nothing to move. */
      if (g_error_matches (local_error, TERN_SYNC_ERROR, TERN_SYNC_ERROR_AUTH))
        return TRUE;
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  if (!tern_password_store (to, password, error))
    return FALSE;
  memset (password, 0, strlen (password));
  /* Only the old item (the new one may have the same account name). */
  secret_password_clear_sync (get_schema (), NULL, &local_error, "account", from->name,
                              "host", from->host, "user", from->user, NULL);
  if (local_error != NULL)
    {
      g_set_error (error, TERN_SYNC_ERROR, TERN_SYNC_ERROR_CONFIG,
                   "Cannot remove the old password from the keyring: %s", local_error->message);
      return FALSE;
    }
  return TRUE;
}

/* Tokens: the accounts layer (sync/accounts/tern-credentials.c) registers how they are had. */

static TernTokenFunc token_func;

void
tern_password_set_token_func (TernTokenFunc func)
{
  token_func = func;
}

gboolean
tern_password_uses_token (const TernAccount *account)
{
  return account != NULL && (g_strcmp0 (account->auth, "oauth2") == 0 ||
                             g_strcmp0 (account->auth, "goa") == 0);
}

char *
tern_password_dup_token (TernStore          *store,
                         const TernAccount  *account,
                         gboolean            renew,
                         GError            **error)
{
  g_return_val_if_fail (tern_password_uses_token (account), NULL);

  if (token_func == NULL)
    {
      g_set_error (error, TERN_SYNC_ERROR, TERN_SYNC_ERROR_CONFIG,
                   "%s signs in with a token, which this program cannot get", account->name);
      return NULL;
    }
  return token_func (store, account, renew, error);
}
