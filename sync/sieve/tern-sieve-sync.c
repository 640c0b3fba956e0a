/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "tern-sieve"

#include "config.h"

#include <string.h>

#include "tern-password.h"
#include "tern-sieve-sync.h"

void
tern_sieve_state_free (TernSieveState *state)
{
  if (state == NULL)
    return;
  tern_sieve_rules_free (state->rules);
  g_free (state->script);
  g_free (state->active_name);
  g_free (state->error);
  g_free (state->implementation);
  g_free (state);
}

/* Accounts that sign in with OAuth2 give ManageSieve the same token as IMAP, never a
 * password; a refused token is renewed once and the login tried again (it may have expired
 * between asking and using it), as tern-sync.c does for IMAP. */
static TernManageSieve *
open_with_token (TernStore                *store,
                 const TernAccount        *account,
                 TernManageSieveSettings  *connect,
                 GCancellable             *cancellable,
                 GError                  **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autofree char *token = tern_password_dup_token (store, account, FALSE, error);
  TernManageSieve *conn;

  if (token == NULL)
    return NULL;
  connect->token = token;
  conn = tern_managesieve_connect (connect, cancellable, &local_error);
  if (conn != NULL || !g_error_matches (local_error, TERN_SYNC_ERROR, TERN_SYNC_ERROR_AUTH))
    {
      if (local_error != NULL)
        g_propagate_error (error, g_steal_pointer (&local_error));
      return conn;
    }
  g_debug ("The rules server of %s refused the token, asking for a new one: %s", account->name,
           local_error->message);
  g_clear_pointer (&token, g_free);
  token = tern_password_dup_token (store, account, TRUE, error);
  if (token == NULL)
    return NULL;
  connect->token = token;
  return tern_managesieve_connect (connect, cancellable, error);
}

TernManageSieve *
tern_sieve_open (TernStore          *store,
                 const TernAccount  *account,
                 guint               timeout_seconds,
                 GCancellable       *cancellable,
                 GError            **error)
{
  g_autoptr(TernSieveSettings) settings = tern_sieve_store_get (store, account->id, error);
  g_autofree char *password = NULL;
  TernManageSieveSettings connect = { 0 };

  if (settings == NULL)
    return NULL;
  if (settings->disabled)
    {
      g_set_error (error, TERN_SYNC_ERROR, TERN_SYNC_ERROR_CONFIG,
                   "Server-side rules are turned off for %s", account->name);
      return NULL;
    }
  connect.host = settings->host;
  connect.port = (guint16) settings->port;
  connect.user = account->user;
  connect.ca_file = account->ca_file;
  /* A pin the user accepted for the IMAP server holds for the same host name. */
  connect.pinned_sha256 = g_strcmp0 (settings->host, account->host) == 0 ? account->pinned_sha256 : NULL;
  connect.timeout_seconds = timeout_seconds;
  if (tern_password_uses_token (account))
    return open_with_token (store, account, &connect, cancellable, error);
  password = tern_password_lookup (account, error);
  if (password == NULL)
    return NULL;
  connect.password = password;
  return tern_managesieve_connect (&connect, cancellable, error);
}

/* The active script's name and text, or NULLs when none is active. */
static gboolean
read_active (TernManageSieve  *conn,
             char            **name_out,
             char            **script_out,
             GError          **error)
{
  g_autoptr(GPtrArray) scripts = tern_managesieve_list_scripts (conn, error);

  *name_out = NULL;
  *script_out = NULL;
  if (scripts == NULL)
    return FALSE;
  for (guint i = 0; i < scripts->len; i++)
    {
      TernSieveScriptInfo *info = scripts->pdata[i];

      if (!info->active)
        continue;
      *script_out = tern_managesieve_get_script (conn, info->name, error);
      if (*script_out == NULL)
        return FALSE;
      *name_out = g_strdup (info->name);
      return TRUE;
    }
  return TRUE;
}

TernSieveState *
tern_sieve_load (TernStore          *store,
                 const TernAccount  *account,
                 gboolean            offline,
                 guint               timeout_seconds,
                 GError            **error)
{
  g_autoptr(TernSieveSettings) settings = tern_sieve_store_get (store, account->id, error);
  g_autoptr(TernSieveState) state = g_new0 (TernSieveState, 1);

  if (settings == NULL)
    return NULL;
  state->pending = settings->dirty;
  state->error = g_strdup (settings->error);

  if (!settings->dirty && !offline)
    {
      g_autoptr(TernManageSieve) conn = tern_sieve_open (store, account, timeout_seconds, NULL, error);

      if (conn == NULL || !read_active (conn, &state->active_name, &state->script, error))
        return NULL;
      state->from_server = TRUE;
      state->implementation = g_strdup (tern_managesieve_get_implementation (conn));
      /* Tern's own script is remembered for offline reading and editing. */
      if (state->active_name == NULL || g_str_equal (state->active_name, TERN_SIEVE_SCRIPT_NAME))
        if (!tern_sieve_store_set_server_script (store, account->id, state->script, error))
          return NULL;
    }
  else
    {
      state->script = g_strdup (settings->script);
      state->active_name = settings->script ? g_strdup (TERN_SIEVE_SCRIPT_NAME) : NULL;
    }

  state->rules = tern_sieve_rules_from_script (state->script, NULL);
  return g_steal_pointer (&state);
}

static gboolean
check_extensions (TernManageSieve       *conn,
                  const TernSieveRules  *rules,
                  GError               **error)
{
  g_auto(GStrv) needed = tern_sieve_rules_dup_extensions (rules);

  for (guint i = 0; needed[i] != NULL; i++)
    if (!tern_managesieve_has_extension (conn, needed[i]))
      {
        g_set_error (error, TERN_SIEVE_RULES_ERROR, TERN_SIEVE_RULES_ERROR_UNSUPPORTED,
                     "The server's rules cannot do this: it lacks the Sieve extension “%s”", needed[i]);
        return FALSE;
      }
  return TRUE;
}

static gboolean
upload (TernStore          *store,
        const TernAccount  *account,
        TernManageSieve    *conn,
        const char         *script,
        gboolean            replace_foreign,
        GError            **error)
{
  g_autofree char *active = NULL;
  g_autofree char *current = NULL;
  g_autoptr(TernSieveRules) rules = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autoptr(GString) crlf = g_string_new (NULL);

  rules = tern_sieve_rules_from_script (script, error);
  if (rules == NULL || !check_extensions (conn, rules, error))
    return FALSE;
  if (!read_active (conn, &active, &current, error))
    return FALSE;
  if (!replace_foreign && active != NULL)
    {
      g_autoptr(TernSieveRules) theirs = tern_sieve_rules_from_script (current, &local_error);

      if (!g_str_equal (active, TERN_SIEVE_SCRIPT_NAME) || theirs == NULL)
        {
          g_set_error (error, TERN_SYNC_ERROR, TERN_SYNC_ERROR_PERMANENT,
                       "The rules on the server (script “%s”) were not made in Tern, or were changed by hand: "
                       "Tern does not replace them without your word",
                       active);
          return FALSE;
        }
    }
  /* Sieve scripts end lines with CRLF (RFC 5228 2.2). */
  for (const char *p = script; *p != '\0'; p++)
    {
      if (*p == '\n' && (p == script || p[-1] != '\r'))
        g_string_append_c (crlf, '\r');
      g_string_append_c (crlf, *p);
    }
  if (!tern_managesieve_put_script (conn, TERN_SIEVE_SCRIPT_NAME, crlf->str, error))
    return FALSE;
  if (g_strcmp0 (active, TERN_SIEVE_SCRIPT_NAME) != 0 &&
      !tern_managesieve_set_active (conn, TERN_SIEVE_SCRIPT_NAME, error))
    return FALSE;
  return tern_sieve_store_mark_uploaded (store, account->id, script, error);
}

gboolean
tern_sieve_push (TernStore          *store,
                 const TernAccount  *account,
                 gboolean            replace_foreign,
                 guint               timeout_seconds,
                 GError            **error)
{
  g_autoptr(TernSieveSettings) settings = tern_sieve_store_get (store, account->id, error);
  g_autoptr(TernManageSieve) conn = NULL;
  g_autoptr(GError) local_error = NULL;

  if (settings == NULL)
    return FALSE;
  if (!settings->dirty || settings->script == NULL)
    return TRUE;
  conn = tern_sieve_open (store, account, timeout_seconds, NULL, &local_error);
  if (conn == NULL || !upload (store, account, conn, settings->script, replace_foreign, &local_error))
    {
      /* Kept for the next attempt, with the reason for whoever looks. */
      tern_sieve_store_set_error (store, account->id, local_error->message, NULL);
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  return TRUE;
}

gboolean
tern_sieve_save (TernStore             *store,
                 const TernAccount     *account,
                 const TernSieveRules  *rules,
                 gboolean               offline,
                 gboolean               replace_foreign,
                 guint                  timeout_seconds,
                 gboolean              *queued_out,
                 GError               **error)
{
  g_autofree char *script = tern_sieve_rules_to_script (rules, error);
  g_autoptr(GError) local_error = NULL;

  *queued_out = FALSE;
  if (script == NULL || !tern_sieve_store_set_script (store, account->id, script, error))
    return FALSE;
  if (offline)
    {
      *queued_out = TRUE;
      return TRUE;
    }
  if (!tern_sieve_push (store, account, replace_foreign, timeout_seconds, &local_error))
    {
      if (g_error_matches (local_error, TERN_SYNC_ERROR, TERN_SYNC_ERROR_OFFLINE) ||
          g_error_matches (local_error, TERN_SYNC_ERROR, TERN_SYNC_ERROR_TRANSIENT))
        {
          *queued_out = TRUE;
          return TRUE;
        }
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  return TRUE;
}

gboolean
tern_sieve_put_raw (TernStore          *store,
                    const TernAccount  *account,
                    const char         *script,
                    guint               timeout_seconds,
                    GError            **error)
{
  g_autoptr(TernManageSieve) conn = tern_sieve_open (store, account, timeout_seconds, NULL, error);
  g_autofree char *active = NULL;
  g_autofree char *current = NULL;
  const char *name;

  if (conn == NULL || !read_active (conn, &active, &current, error))
    return FALSE;
  name = active ? active : TERN_SIEVE_SCRIPT_NAME;
  if (!tern_managesieve_put_script (conn, name, script, error))
    return FALSE;
  if (active == NULL && !tern_managesieve_set_active (conn, name, error))
    return FALSE;
  /* What the cache keeps is what the server now has. */
  if (g_str_equal (name, TERN_SIEVE_SCRIPT_NAME))
    return tern_sieve_store_set_server_script (store, account->id, script, error);
  return TRUE;
}
