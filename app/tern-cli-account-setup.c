/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "tern-cli"

#include "config.h"

#include <stdio.h>
#include <string.h>

#include "tern-account-discovery.h"
#include "tern-cli-private.h"
#include "tern-goa.h"
#include "tern-identity.h"
#include "tern-oauth2.h"
#include "tern-outbox.h"
#include "tern-password.h"

/* account discover|add|edit: setting an account up from an address, and changing it. */

static char *
read_password_stdin (GError **error)
{
  char buffer[4096];
  size_t n;

  n = fread (buffer, 1, sizeof buffer - 1, stdin);
  buffer[n] = '\0';
  buffer[strcspn (buffer, "\r\n")] = '\0';
  if (buffer[0] == '\0')
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "No password on standard input");
      return NULL;
    }
  return g_strdup (buffer);
}

/* The person's name for From: the one given, else the session's real name, never the login
 * name (g_get_real_name() falls back to it, or to "Unknown"). NULL: none known. */
static char *
dup_full_name (const char *given)
{
  const char *real = g_get_real_name ();

  if (given != NULL)
    return *given != '\0' ? g_strdup (given) : NULL;
  if (real == NULL || *real == '\0' || g_str_equal (real, "Unknown") ||
      g_str_equal (real, g_get_user_name ()))
    return NULL;
  return g_strdup (real);
}

static gboolean
set_full_name (TernStore   *store,
               gint64       account_id,
               const char  *email,
               const char  *full_name,
               GError     **error)
{
  g_autoptr(GPtrArray) identities = tern_identity_list (store, account_id, error);

  if (identities == NULL)
    return FALSE;
  for (guint i = 0; i < identities->len; i++)
    {
      TernIdentity *identity = identities->pdata[i];

      if (identity->is_default)
        {
          g_autoptr(TernIdentity) changed = tern_identity_copy (identity);

          g_free (changed->name);
          changed->name = g_strdup (full_name);
          g_free (changed->address);
          changed->address = g_strdup (email);
          return tern_identity_update (store, changed, error);
        }
    }
  return TRUE;
}

static const char *
security_word (const char *security)
{
  return g_strcmp0 (security, "tls") == 0 ? "TLS" : "STARTTLS";
}

static const char *
source_words (TernDiscoverySource source)
{
  switch (source)
    {
    case TERN_DISCOVERY_AUTOCONFIG:
      return "the provider's own settings";
    case TERN_DISCOVERY_ISPDB:
      return "the ISPDB";
    case TERN_DISCOVERY_SRV:
      return "the domain's DNS (SRV)";
    case TERN_DISCOVERY_MX:
      return "the ISPDB entry of the domain's mail host (MX)";
    case TERN_DISCOVERY_GUESS:
      return "a guess that answered over TLS";
    case TERN_DISCOVERY_NONE:
    default:
      return "nowhere";
    }
}

static void
server_json (GString                    *out,
             const char                 *key,
             const TernDiscoveredServer *server,
             const char                 *email)
{
  g_autofree char *user = NULL;

  tern_cli_json_key (out, key, FALSE);
  if (server == NULL)
    {
      g_string_append (out, "null");
      return;
    }
  user = tern_discovered_server_dup_user (server, email);
  g_string_append_c (out, '{');
  tern_cli_json_key (out, "host", TRUE);
  tern_cli_json_string (out, server->host);
  tern_cli_json_key (out, "port", FALSE);
  g_string_append_printf (out, "%u", server->port);
  tern_cli_json_key (out, "security", FALSE);
  tern_cli_json_string (out, server->security);
  tern_cli_json_key (out, "user", FALSE);
  tern_cli_json_string (out, user);
  tern_cli_json_key (out, "auth", FALSE);
  tern_cli_json_string (out, server->auth);
  tern_cli_json_key (out, "source", FALSE);
  tern_cli_json_string (out, tern_discovery_source_to_string (server->source));
  tern_cli_json_key (out, "from", FALSE);
  tern_cli_json_string (out, server->source_detail);
  g_string_append_c (out, '}');
}

static void
print_result (Cli                       *cli,
              const TernDiscoveryResult *result)
{
  g_autoptr(GString) out = g_string_new (NULL);

  if (cli->json)
    {
      g_string_append_c (out, '{');
      tern_cli_json_key (out, "email", TRUE);
      tern_cli_json_string (out, result->email);
      tern_cli_json_key (out, "provider", FALSE);
      tern_cli_json_string (out, result->provider);
      server_json (out, "imap", result->imap, result->email);
      server_json (out, "smtp", result->smtp, result->email);
      tern_cli_json_key (out, "steps", FALSE);
      g_string_append_c (out, '[');
      for (guint i = 0; i < result->steps->len; i++)
        {
          TernDiscoveryStep *step = result->steps->pdata[i];

          g_string_append (out, i ? ",{" : "{");
          tern_cli_json_key (out, "source", TRUE);
          tern_cli_json_string (out, tern_discovery_source_to_string (step->source));
          tern_cli_json_key (out, "what", FALSE);
          tern_cli_json_string (out, step->what);
          tern_cli_json_key (out, "outcome", FALSE);
          tern_cli_json_string (out, step->outcome);
          tern_cli_json_key (out, "refused", FALSE);
          g_string_append (out, step->refused ? "true}" : "false}");
        }
      g_string_append (out, "]}\n");
      fputs (out->str, stdout);
      return;
    }

  g_string_append_printf (out, "%s%s%s%s\n", result->email, result->provider ? " (" : "",
                          result->provider ? result->provider : "", result->provider ? ")" : "");
  for (guint k = 0; k < 2; k++)
    {
      const TernDiscoveredServer *server = k == 0 ? result->imap : result->smtp;
      const char *label = k == 0 ? "incoming (IMAP)" : "outgoing (submission)";
      g_autofree char *user = NULL;

      if (server == NULL)
        {
          g_string_append_printf (out, "  %-22s not found\n", label);
          continue;
        }
      user = tern_discovered_server_dup_user (server, result->email);
      g_string_append_printf (out, "  %-22s %s:%u, %s, user %s, %s\n  %-22s found in %s: %s\n",
                              label, server->host, server->port, security_word (server->security),
                              user, g_strcmp0 (server->auth, "oauth2") == 0 ? "sign in with OAuth2"
                                                                            : "password",
                              "", source_words (server->source), server->source_detail);
    }
  g_string_append (out, "  looked at:\n");
  for (guint i = 0; i < result->steps->len; i++)
    {
      TernDiscoveryStep *step = result->steps->pdata[i];

      g_string_append_printf (out, "    %s: %s\n", step->what, step->outcome);
    }
  fputs (out->str, stdout);
}

static TernDiscoveryResult *
discover (const char  *email,
          const char  *ca_file,
          int          timeout,
          GError     **error)
{
  g_autoptr(TernAccountDiscovery) discovery = tern_account_discovery_new ();

  if (ca_file != NULL && !tern_account_discovery_set_ca_file (discovery, ca_file, error))
    return NULL;
  if (timeout > 0)
    tern_account_discovery_set_timeout (discovery, (guint) timeout);
  return tern_account_discovery_run (discovery, email, NULL, error);
}

int
cmd_account_discover (Cli   *cli,
                      int    argc,
                      char **argv)
{
  g_autofree char *ca_file = NULL;
  GOptionEntry entries[] = {
    { "ca-file", 0, 0, G_OPTION_ARG_FILENAME, &ca_file, "Trust the CA certificates in this PEM file", "F" },
    { NULL }
  };
  g_autoptr(GError) error = NULL;
  g_autoptr(TernDiscoveryResult) result = NULL;

  if (!tern_cli_parse_options (entries, &argc, &argv, "EMAIL", &error))
    return tern_cli_usage (error->message);
  if (argc != 2)
    return tern_cli_usage ("account discover takes one EMAIL");
  result = discover (argv[1], ca_file, cli->timeout, &error);
  if (result == NULL)
    return tern_cli_fail (g_steal_pointer (&error));
  print_result (cli, result);
  return result->imap != NULL ? 0 : 1;
}

/* What add and edit share: the submission server's options. */
typedef struct
{
  char *host;
  int   port;
  char *security;
  char *user;
} SmtpOptions;

static void
smtp_options_clear (SmtpOptions *o)
{
  g_clear_pointer (&o->host, g_free);
  g_clear_pointer (&o->security, g_free);
  g_clear_pointer (&o->user, g_free);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (SmtpOptions, smtp_options_clear)

static gboolean
smtp_options_given (const SmtpOptions *o)
{
  return o->host != NULL || o->port != -1 || o->security != NULL || o->user != NULL;
}

static gboolean
check_security (const char *security)
{
  return security == NULL || strcmp (security, "tls") == 0 || strcmp (security, "starttls") == 0;
}

static gboolean
store_smtp (TernStore          *store,
            const TernAccount  *account,
            const SmtpOptions  *o,
            GError            **error)
{
  g_autoptr(TernSmtpSettings) current = tern_outbox_get_smtp (store, account->id, error);
  TernSmtpSettings stored = { 0 };

  if (current == NULL)
    return FALSE;
  stored.account_id = account->id;
  stored.host = o->host ? o->host : current->host;
  stored.security = o->security ? o->security : current->security;
  stored.port = o->port != -1 ? (guint) o->port
                : o->security ? (strcmp (o->security, "tls") == 0 ? 465 : 587) : current->port;
  stored.user = o->user ? o->user : current->user;
  stored.pinned_sha256 = current->pinned_sha256;
  stored.server_saves_sent = current->server_saves_sent;
  return tern_outbox_set_smtp (store, &stored, error);
}

/* The browser's sign-in: the address is printed (and opened where there is a desktop), then
 * Tern waits for the provider to send the browser back. */
static gboolean
sign_in_oauth2 (Cli                *cli,
                const TernAccount  *account,
                GError            **error)
{
  g_autoptr(TernOAuth2Flow) flow = tern_oauth2_flow_new (account, account->email, error);
  g_autoptr(TernOAuth2Tokens) tokens = NULL;

  if (flow == NULL)
    return FALSE;
  g_print ("To sign in, open this address in your browser:\n%s\n", tern_oauth2_flow_get_uri (flow));
  fflush (stdout);
  if (g_getenv ("DISPLAY") != NULL || g_getenv ("WAYLAND_DISPLAY") != NULL)
    {
      g_autoptr(GError) local_error = NULL;

      if (!g_app_info_launch_default_for_uri (tern_oauth2_flow_get_uri (flow), NULL, &local_error))
        g_debug ("No browser opened: %s", local_error->message);
    }
  tokens = tern_oauth2_flow_wait (flow, NULL, error);
  if (tokens == NULL)
    return FALSE;
  if (!tern_oauth2_save_tokens (account, tokens, error))
    return FALSE;
  if (!cli->json)
    g_print ("Signed in.\n");
  return TRUE;
}

int
cmd_account_add (Cli   *cli,
                 int    argc,
                 char **argv)
{
  g_autofree char *email = NULL, *host = NULL, *security = NULL, *user = NULL;
  g_autofree char *password_command = NULL, *ca_file = NULL, *pin = NULL, *full_name = NULL;
  g_autofree char *oauth2_client_id = NULL, *oauth2_auth_url = NULL, *oauth2_token_url = NULL;
  g_autofree char *oauth2_scope = NULL, *goa_id = NULL;
  g_autoptr(TernGoaAccount) goa = NULL;
  g_auto(SmtpOptions) smtp = { .port = -1 };
  gboolean password_stdin = FALSE, oauth2 = FALSE;
  int port = 0;
  GOptionEntry entries[] = {
    { "email", 0, 0, G_OPTION_ARG_STRING, &email, "Address", "E" },
    { "full-name", 0, 0, G_OPTION_ARG_STRING, &full_name, "Your name, as others see it (default: the session's)", "N" },
    { "host", 0, 0, G_OPTION_ARG_STRING, &host, "IMAP server (default: found from the address)", "H" },
    { "port", 0, 0, G_OPTION_ARG_INT, &port, "Port (993 for tls, 143 for starttls)", "P" },
    { "security", 0, 0, G_OPTION_ARG_STRING, &security, "tls (default) or starttls", "S" },
    { "user", 0, 0, G_OPTION_ARG_STRING, &user, "Login name (default: the address)", "U" },
    { "smtp-host", 0, 0, G_OPTION_ARG_STRING, &smtp.host, "Submission server", "H" },
    { "smtp-port", 0, 0, G_OPTION_ARG_INT, &smtp.port, "Its port (465 for tls, 587 for starttls)", "P" },
    { "smtp-security", 0, 0, G_OPTION_ARG_STRING, &smtp.security, "tls or starttls", "S" },
    { "smtp-user", 0, 0, G_OPTION_ARG_STRING, &smtp.user, "Its login name", "U" },
    { "password-stdin", 0, 0, G_OPTION_ARG_NONE, &password_stdin, "Read the password from standard input and keep it in the keyring", NULL },
    { "password-command", 0, 0, G_OPTION_ARG_STRING, &password_command, "Command that prints the password", "CMD" },
    { "ca-file", 0, 0, G_OPTION_ARG_FILENAME, &ca_file, "Trust the CA certificates in this PEM file", "F" },
    { "pin", 0, 0, G_OPTION_ARG_STRING, &pin, "Trust the server certificate with this SHA-256 fingerprint", "SHA256" },
    { "oauth2", 0, 0, G_OPTION_ARG_NONE, &oauth2, "Sign in with the provider in a browser (OAuth2) instead of a password", NULL },
    { "oauth2-client-id", 0, 0, G_OPTION_ARG_STRING, &oauth2_client_id, "Tern's client id at the provider", "ID" },
    { "oauth2-auth-url", 0, 0, G_OPTION_ARG_STRING, &oauth2_auth_url, "The provider's authorization address", "URL" },
    { "oauth2-token-url", 0, 0, G_OPTION_ARG_STRING, &oauth2_token_url, "The provider's token address", "URL" },
    { "oauth2-scope", 0, 0, G_OPTION_ARG_STRING, &oauth2_scope, "The scopes to ask for", "S" },
    { "goa", 0, 0, G_OPTION_ARG_STRING, &goa_id, "Use this GNOME Online Accounts account (its servers and sign-in)", "ID" },
    { NULL }
  };
  g_autoptr(GError) error = NULL;
  g_autoptr(TernAccount) stored = NULL;
  g_autoptr(TernAccount) found = NULL;
  g_autoptr(TernDiscoveryResult) result = NULL;
  g_autoptr(TernSmtpSettings) smtp_stored = NULL;
  g_autofree char *smtp_found_user = NULL;
  g_autofree char *name = NULL;
  TernAccount account = { 0 };
  g_autofree char *password = NULL;
  g_autofree char *abs_ca = NULL;
  g_autofree char *pin_lower = NULL;

  if (!tern_cli_parse_options (entries, &argc, &argv, "NAME", &error))
    return tern_cli_usage (error->message);
  if (argc != 2)
    return tern_cli_usage ("account add takes one NAME");
  if (goa_id != NULL)
    {
      /* GNOME Online Accounts has the servers, the address and the sign-in. */
      g_autoptr(TernGoaAccounts) accounts = tern_goa_accounts_new_sync (NULL, &error);

      if (host != NULL || oauth2 || password_stdin || password_command != NULL)
        return tern_cli_usage ("--goa takes its servers and sign-in from Online Accounts");
      if (accounts == NULL)
        return tern_cli_fail (g_steal_pointer (&error));
      goa = tern_goa_accounts_lookup (accounts, goa_id);
      if (goa == NULL)
        return tern_cli_fail (g_error_new (TERN_SYNC_ERROR, TERN_SYNC_ERROR_CONFIG,
                                           "No account “%s” with mail in Online Accounts", goa_id));
      if (!tern_goa_account_is_usable (goa))
        return tern_cli_fail (g_error_new (TERN_SYNC_ERROR, TERN_SYNC_ERROR_CONFIG,
                                           "%s cannot be used: %s", goa->identity,
                                           !goa->mail_enabled ? "its mail is turned off in Settings"
                                           : !goa->oauth2 ? "it does not sign in with OAuth2"
                                           : "it has no encrypted IMAP server"));
      if (email == NULL)
        email = g_strdup (goa->email);
      if (full_name == NULL && goa->name != NULL)
        full_name = g_strdup (goa->name);
    }
  if (email == NULL)
    return tern_cli_usage ("account add needs --email");
  if (!check_security (security) || !check_security (smtp.security))
    return tern_cli_usage ("--security and --smtp-security are tls or starttls");
  if (password_stdin && password_command != NULL)
    return tern_cli_usage ("--password-stdin and --password-command exclude each other");
  if (port < 0 || port > 65535 || smtp.port == 0 || smtp.port < -1 || smtp.port > 65535)
    return tern_cli_usage ("--port and --smtp-port are 1 to 65535");
  if (ca_file != NULL)
    {
      abs_ca = g_canonicalize_filename (ca_file, NULL);
      if (!g_file_test (abs_ca, G_FILE_TEST_IS_REGULAR))
        return tern_cli_usage ("--ca-file does not name a file");
    }
  name = dup_full_name (full_name);

  if (goa != NULL)
    {
      found = tern_goa_account_to_account (goa, argv[1]);
      account = *found;
      if (goa->smtp_host != NULL && !smtp_options_given (&smtp))
        {
          smtp.host = g_strdup (goa->smtp_host);
          smtp.port = (int) goa->smtp_port;
          smtp.security = g_strdup (goa->smtp_security);
          smtp.user = g_strdup (goa->smtp_user);
        }
    }
  else if (host == NULL)
    {
      /* From the address alone: what discovery finds, shown as it is used. */
      result = discover (email, abs_ca, cli->timeout, &error);
      if (result == NULL)
        return tern_cli_fail (g_steal_pointer (&error));
      if (result->imap == NULL)
        {
          if (!cli->json)
            print_result (cli, result);
          return tern_cli_fail (g_error_new (TERN_SYNC_ERROR, TERN_SYNC_ERROR_CONFIG,
                                             "No IMAP server found for %s: give it with --host",
                                             email));
        }
      found = tern_discovery_result_to_account (result, argv[1]);
      if (g_strcmp0 (found->auth, "oauth2") == 0 && !oauth2)
        {
          if (!password_stdin && password_command == NULL)
            return tern_cli_fail (g_error_new (TERN_SYNC_ERROR, TERN_SYNC_ERROR_AUTH,
                                               "%s wants a sign-in in the browser (OAuth2), which "
                                               "this Tern cannot do yet; with an app password, give "
                                               "it with --password-stdin or --password-command",
                                               found->host));
          g_free (found->auth);
          found->auth = g_strdup ("password");
        }
      account = *found;
      if (security != NULL)
        account.security = security;
      if (port != 0)
        account.port = (guint) port;
      if (user != NULL)
        account.user = user;
      if (result->smtp != NULL && !smtp_options_given (&smtp))
        {
          smtp.host = g_strdup (result->smtp->host);
          smtp.port = (int) result->smtp->port;
          smtp.security = g_strdup (result->smtp->security);
          smtp_found_user = tern_discovered_server_dup_user (result->smtp, email);
          smtp.user = g_strdup (smtp_found_user);
        }
    }
  else
    {
      if (security == NULL)
        security = g_strdup ("tls");
      account.host = host;
      account.port = port ? (guint) port : strcmp (security, "tls") == 0 ? 993 : 143;
      account.security = security;
      account.user = user ? user : email;
      account.setup_source = (char *) "manual";
    }
  if (oauth2)
    {
      /* Signing in with the provider: its addresses as found, or as given. */
      if (password_stdin || password_command != NULL)
        return tern_cli_usage ("--oauth2 signs in without a password");
      account.auth = (char *) "oauth2";
      if (oauth2_auth_url != NULL)
        account.oauth2_auth_url = oauth2_auth_url;
      if (oauth2_token_url != NULL)
        account.oauth2_token_url = oauth2_token_url;
      if (oauth2_scope != NULL)
        account.oauth2_scope = oauth2_scope;
      if (oauth2_client_id != NULL)
        account.oauth2_client_id = oauth2_client_id;
      else if (account.oauth2_client_id == NULL)
        account.oauth2_client_id = oauth2_client_id =
          tern_oauth2_dup_client_id (account.oauth2_issuer, NULL);
      if (account.oauth2_auth_url == NULL || account.oauth2_token_url == NULL ||
          account.oauth2_client_id == NULL)
        return tern_cli_usage ("--oauth2 needs the provider's addresses and a client id: from "
                               "discovery, or --oauth2-auth-url, --oauth2-token-url and "
                               "--oauth2-client-id");
    }
  account.name = argv[1];
  account.email = email;
  account.password_command = password_command;
  account.ca_file = abs_ca;
  pin_lower = pin ? g_ascii_strdown (pin, -1) : NULL;
  account.pinned_sha256 = pin_lower;

  if (password_stdin && (password = read_password_stdin (&error)) == NULL)
    return tern_cli_fail (g_steal_pointer (&error));

  if (!tern_cli_ensure_store (cli, &error) || !tern_store_add_account (cli->store, &account, &account.id, &error))
    return tern_cli_fail (g_steal_pointer (&error));

  /* Sending is set up with receiving: the submission server found or given (without one
   * the account has no outgoing server, and nothing is sent through a guessed one), and the
   * person's name on the default identity. */
  if ((oauth2 && !sign_in_oauth2 (cli, &account, &error)) ||
      (password != NULL && !tern_password_store (&account, password, &error)) ||
      (smtp_options_given (&smtp) && !store_smtp (cli->store, &account, &smtp, &error)) ||
      (name != NULL && !set_full_name (cli->store, account.id, email, name, &error)))
    {
      /* No half-made account: undo. */
      tern_store_remove_account (cli->store, account.name, NULL);
      return tern_cli_fail (g_steal_pointer (&error));
    }

  stored = tern_store_get_account (cli->store, account.name, &error);
  if (stored == NULL)
    return tern_cli_fail (g_steal_pointer (&error));
  smtp_stored = tern_outbox_get_smtp (cli->store, stored->id, &error);
  if (smtp_stored == NULL)
    return tern_cli_fail (g_steal_pointer (&error));
  if (!cli->json)
    {
      g_print ("Added %s (%s@%s:%u, %s)\n", stored->name, stored->user, stored->host, stored->port,
               stored->security);
      if (smtp_stored->configured)
        g_print ("  sends through %s@%s:%u, %s\n", smtp_stored->user, smtp_stored->host,
                 smtp_stored->port, smtp_stored->security);
      else
        g_print ("  no outgoing server: set one with “tern-cli smtp %s --host HOST”\n", stored->name);
      if (result != NULL)
        g_print ("  found in %s\n", source_words (result->imap->source));
    }
  return 0;
}

int
cmd_account_edit (Cli   *cli,
                  int    argc,
                  char **argv)
{
  g_autofree char *new_name = NULL, *email = NULL, *host = NULL, *security = NULL, *user = NULL;
  g_autofree char *password_command = NULL, *ca_file = NULL, *full_name = NULL;
  g_auto(SmtpOptions) smtp = { .port = -1 };
  gboolean password_stdin = FALSE;
  int port = 0;
  GOptionEntry entries[] = {
    { "name", 0, 0, G_OPTION_ARG_STRING, &new_name, "A new name for the account", "NAME" },
    { "email", 0, 0, G_OPTION_ARG_STRING, &email, "Address", "E" },
    { "full-name", 0, 0, G_OPTION_ARG_STRING, &full_name, "Your name, as others see it (empty: none)", "N" },
    { "host", 0, 0, G_OPTION_ARG_STRING, &host, "IMAP server", "H" },
    { "port", 0, 0, G_OPTION_ARG_INT, &port, "Port", "P" },
    { "security", 0, 0, G_OPTION_ARG_STRING, &security, "tls or starttls", "S" },
    { "user", 0, 0, G_OPTION_ARG_STRING, &user, "Login name", "U" },
    { "smtp-host", 0, 0, G_OPTION_ARG_STRING, &smtp.host, "Submission server", "H" },
    { "smtp-port", 0, 0, G_OPTION_ARG_INT, &smtp.port, "Its port", "P" },
    { "smtp-security", 0, 0, G_OPTION_ARG_STRING, &smtp.security, "tls or starttls", "S" },
    { "smtp-user", 0, 0, G_OPTION_ARG_STRING, &smtp.user, "Its login name", "U" },
    { "password-stdin", 0, 0, G_OPTION_ARG_NONE, &password_stdin, "Read a new password from standard input", NULL },
    { "password-command", 0, 0, G_OPTION_ARG_STRING, &password_command, "Command that prints the password (empty: use the keyring)", "CMD" },
    { "ca-file", 0, 0, G_OPTION_ARG_FILENAME, &ca_file, "Trust the CA certificates in this PEM file (empty: only the system's)", "F" },
    { NULL }
  };
  g_autoptr(GError) error = NULL;
  g_autoptr(TernAccount) old = NULL;
  g_autoptr(TernAccount) changed = NULL;
  g_autofree char *password = NULL;

  if (!tern_cli_parse_options (entries, &argc, &argv, "NAME", &error))
    return tern_cli_usage (error->message);
  if (argc != 2)
    return tern_cli_usage ("account edit takes one NAME");
  if (!check_security (security) || !check_security (smtp.security))
    return tern_cli_usage ("--security and --smtp-security are tls or starttls");
  if (password_stdin && password_command != NULL)
    return tern_cli_usage ("--password-stdin and --password-command exclude each other");
  if (port < 0 || port > 65535 || smtp.port == 0 || smtp.port < -1 || smtp.port > 65535)
    return tern_cli_usage ("--port and --smtp-port are 1 to 65535");
  if (new_name != NULL && *new_name == '\0')
    return tern_cli_usage ("--name cannot be empty");
  if (password_stdin && (password = read_password_stdin (&error)) == NULL)
    return tern_cli_fail (g_steal_pointer (&error));
  if (!tern_cli_ensure_store (cli, &error) || (old = tern_store_get_account (cli->store, argv[1], &error)) == NULL)
    return tern_cli_fail (g_steal_pointer (&error));

  changed = tern_account_copy (old);
#define REPLACE(field, value) \
  if ((value) != NULL) { g_free (changed->field); changed->field = *(value) ? g_strdup (value) : NULL; }
  REPLACE (name, new_name);
  REPLACE (email, email);
  REPLACE (host, host);
  REPLACE (user, user);
  REPLACE (password_command, password_command);
#undef REPLACE
  if (security != NULL)
    {
      g_free (changed->security);
      changed->security = g_strdup (security);
      if (port == 0 && (old->port == 993 || old->port == 143))
        changed->port = strcmp (security, "tls") == 0 ? 993 : 143;
    }
  if (port != 0)
    changed->port = (guint) port;
  if (ca_file != NULL)
    {
      g_free (changed->ca_file);
      changed->ca_file = *ca_file ? g_canonicalize_filename (ca_file, NULL) : NULL;
      if (changed->ca_file != NULL && !g_file_test (changed->ca_file, G_FILE_TEST_IS_REGULAR))
        return tern_cli_usage ("--ca-file does not name a file");
    }
  if (changed->host == NULL || changed->email == NULL || changed->user == NULL)
    return tern_cli_usage ("--host, --email and --user cannot be empty");
  /* Another server: the old one's pinned certificate says nothing about it. */
  if (g_strcmp0 (old->host, changed->host) != 0)
    g_clear_pointer (&changed->pinned_sha256, g_free);
  if (host != NULL || port != 0 || security != NULL || user != NULL)
    {
      g_free (changed->setup_source);
      changed->setup_source = g_strdup ("manual");
    }

  /* The keyring item follows the account (it is kept under its name, server and user);
   * a new password replaces it. */
  if (password == NULL && changed->password_command == NULL &&
      !tern_password_move (old, changed, &error))
    return tern_cli_fail (g_steal_pointer (&error));
  if (!tern_store_update_account (cli->store, changed, &error))
    return tern_cli_fail (g_steal_pointer (&error));
  if (password != NULL && !tern_password_store (changed, password, &error))
    return tern_cli_fail (g_steal_pointer (&error));
  if (smtp_options_given (&smtp) && !store_smtp (cli->store, changed, &smtp, &error))
    return tern_cli_fail (g_steal_pointer (&error));
  if ((full_name != NULL || email != NULL))
    {
      g_autoptr(GPtrArray) identities = tern_identity_list (cli->store, changed->id, &error);
      const char *keep = NULL;

      if (identities == NULL)
        return tern_cli_fail (g_steal_pointer (&error));
      for (guint i = 0; i < identities->len; i++)
        if (((TernIdentity *) identities->pdata[i])->is_default)
          keep = ((TernIdentity *) identities->pdata[i])->name;
      if (!set_full_name (cli->store, changed->id, changed->email,
                          full_name != NULL ? (*full_name ? full_name : NULL) : keep, &error))
        return tern_cli_fail (g_steal_pointer (&error));
    }
  if (!cli->json)
    g_print ("Changed %s (%s@%s:%u, %s)\n", changed->name, changed->user, changed->host,
             changed->port, changed->security);
  return 0;
}
