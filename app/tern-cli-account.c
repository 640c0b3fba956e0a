/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "tern-cli"

#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tern-cli-private.h"
#include "tern-password.h"
#include "tern-sync.h"

/* account add|list|remove|pin|set */

/* account add|list|remove|pin */

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

static int
cmd_account_add (Cli   *cli,
                 int    argc,
                 char **argv)
{
  g_autofree char *email = NULL, *host = NULL, *security = NULL, *user = NULL;
  g_autofree char *password_command = NULL, *ca_file = NULL, *pin = NULL;
  gboolean password_stdin = FALSE;
  int port = 0;
  GOptionEntry entries[] = {
    { "email", 0, 0, G_OPTION_ARG_STRING, &email, "Address", "E" },
    { "host", 0, 0, G_OPTION_ARG_STRING, &host, "IMAP server", "H" },
    { "port", 0, 0, G_OPTION_ARG_INT, &port, "Port (993 for tls, 143 for starttls)", "P" },
    { "security", 0, 0, G_OPTION_ARG_STRING, &security, "tls (default) or starttls", "S" },
    { "user", 0, 0, G_OPTION_ARG_STRING, &user, "Login name (default: the address)", "U" },
    { "password-stdin", 0, 0, G_OPTION_ARG_NONE, &password_stdin, "Read the password from standard input and keep it in the keyring", NULL },
    { "password-command", 0, 0, G_OPTION_ARG_STRING, &password_command, "Command that prints the password", "CMD" },
    { "ca-file", 0, 0, G_OPTION_ARG_FILENAME, &ca_file, "Trust the CA certificates in this PEM file", "F" },
    { "pin", 0, 0, G_OPTION_ARG_STRING, &pin, "Trust the server certificate with this SHA-256 fingerprint", "SHA256" },
    { NULL }
  };
  g_autoptr(GError) error = NULL;
  g_autoptr(TernAccount) stored = NULL;
  TernAccount account = { 0 };
  g_autofree char *password = NULL;
  g_autofree char *abs_ca = NULL;

  if (!tern_cli_parse_options (entries, &argc, &argv, "NAME", &error))
    return tern_cli_usage (error->message);
  if (argc != 2)
    return tern_cli_usage ("account add takes one NAME");
  if (email == NULL || host == NULL)
    return tern_cli_usage ("account add needs --email and --host");
  if (security == NULL)
    security = g_strdup ("tls");
  if (strcmp (security, "tls") != 0 && strcmp (security, "starttls") != 0)
    return tern_cli_usage ("--security is tls or starttls");
  if (password_stdin && password_command != NULL)
    return tern_cli_usage ("--password-stdin and --password-command exclude each other");
  if (port < 0 || port > 65535)
    return tern_cli_usage ("--port is 1 to 65535");
  if (ca_file != NULL)
    {
      abs_ca = g_canonicalize_filename (ca_file, NULL);
      if (!g_file_test (abs_ca, G_FILE_TEST_IS_REGULAR))
        return tern_cli_usage ("--ca-file does not name a file");
    }

  account.name = argv[1];
  account.email = email;
  account.host = host;
  account.port = port ? (guint) port : strcmp (security, "tls") == 0 ? 993 : 143;
  account.security = security;
  account.user = user ? user : email;
  account.password_command = password_command;
  account.ca_file = abs_ca;
  account.pinned_sha256 = pin ? g_ascii_strdown (pin, -1) : NULL;

  if (password_stdin && (password = read_password_stdin (&error)) == NULL)
    return tern_cli_fail (g_steal_pointer (&error));

  if (!tern_cli_ensure_store (cli, &error) || !tern_store_add_account (cli->store, &account, &account.id, &error))
    {
      g_free (account.pinned_sha256);
      return tern_cli_fail (g_steal_pointer (&error));
    }
  g_free (account.pinned_sha256);

  if (password != NULL && !tern_password_store (&account, password, &error))
    {
      /* No account without its password: undo. */
      tern_store_remove_account (cli->store, account.name, NULL);
      return tern_cli_fail (g_steal_pointer (&error));
    }

  stored = tern_store_get_account (cli->store, account.name, &error);
  if (stored == NULL)
    return tern_cli_fail (g_steal_pointer (&error));
  if (!cli->json)
    g_print ("Added %s (%s@%s:%u, %s)\n", stored->name, stored->user, stored->host, stored->port,
             stored->security);
  return 0;
}

static int
cmd_account_list (Cli   *cli,
                  int    argc,
                  char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) accounts = NULL;
  g_autoptr(GString) out = g_string_new (NULL);

  if (!tern_cli_ensure_store (cli, &error) || (accounts = tern_store_list_accounts (cli->store, &error)) == NULL)
    return tern_cli_fail (g_steal_pointer (&error));

  if (cli->json)
    g_string_append_c (out, '[');
  for (guint i = 0; i < accounts->len; i++)
    {
      TernAccount *a = accounts->pdata[i];

      if (cli->json)
        {
          g_autofree char *last = tern_cli_format_date (a->last_sync);

          if (i > 0)
            g_string_append_c (out, ',');
          g_string_append_c (out, '{');
          tern_cli_json_key (out, "name", TRUE);
          tern_cli_json_string (out, a->name);
          tern_cli_json_key (out, "email", FALSE);
          tern_cli_json_string (out, a->email);
          tern_cli_json_key (out, "host", FALSE);
          tern_cli_json_string (out, a->host);
          tern_cli_json_key (out, "port", FALSE);
          g_string_append_printf (out, "%u", a->port);
          tern_cli_json_key (out, "security", FALSE);
          tern_cli_json_string (out, a->security);
          tern_cli_json_key (out, "user", FALSE);
          tern_cli_json_string (out, a->user);
          tern_cli_json_key (out, "last_sync", FALSE);
          tern_cli_json_string (out, last);
          g_string_append_c (out, '}');
        }
      else
        g_string_append_printf (out, "%s\t%s\t%s@%s:%u\t%s\n", a->name, a->email, a->user, a->host,
                                a->port, a->security);
    }
  if (cli->json)
    g_string_append (out, "]\n");
  fputs (out->str, stdout);
  return 0;
}

static int
cmd_account_remove (Cli   *cli,
                    int    argc,
                    char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TernAccount) account = NULL;

  if (argc != 2)
    return tern_cli_usage ("account remove takes one NAME");
  if (!tern_cli_ensure_store (cli, &error) || (account = tern_store_get_account (cli->store, argv[1], &error)) == NULL)
    return tern_cli_fail (g_steal_pointer (&error));
  if (account->password_command == NULL)
    tern_password_clear (account, NULL); /* no keyring, nothing stored: fine */
  if (!tern_store_remove_account (cli->store, argv[1], &error))
    return tern_cli_fail (g_steal_pointer (&error));
  return 0;
}

static int
cmd_account_pin (Cli   *cli,
                 int    argc,
                 char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TernAccount) account = NULL;
  g_autofree char *pin = NULL;

  if (argc != 3)
    return tern_cli_usage ("account pin takes NAME and a SHA-256 fingerprint");
  pin = g_ascii_strdown (argv[2], -1);
  if (!tern_cli_ensure_store (cli, &error) || (account = tern_store_get_account (cli->store, argv[1], &error)) == NULL ||
      !tern_store_set_account_pin (cli->store, account->id, pin, &error))
    return tern_cli_fail (g_steal_pointer (&error));
  return 0;
}

int
cmd_account (Cli   *cli,
             int    argc,
             char **argv)
{
  if (argc < 2)
    return tern_cli_usage ("account: add, list, remove or pin");
  if (strcmp (argv[1], "add") == 0)
    return cmd_account_add (cli, argc - 1, argv + 1);
  if (strcmp (argv[1], "list") == 0)
    return cmd_account_list (cli, argc - 1, argv + 1);
  if (strcmp (argv[1], "remove") == 0)
    return cmd_account_remove (cli, argc - 1, argv + 1);
  if (strcmp (argv[1], "pin") == 0)
    return cmd_account_pin (cli, argc - 1, argv + 1);
  if (strcmp (argv[1], "set") == 0)
    return cmd_account_set (cli, argc - 1, argv + 1);
  return tern_cli_usage ("account: add, list, remove, pin or set");
}

int
cmd_account_set (Cli   *cli,
                 int    argc,
                 char **argv)
{
  g_autofree char *delete_mode = NULL;
  g_autofree char *compress = NULL;
  GOptionEntry entries[] = {
    { "delete-mode", 0, 0, G_OPTION_ARG_STRING, &delete_mode, "trash or expunge", "M" },
    { "compress", 0, 0, G_OPTION_ARG_STRING, &compress,
      "yes (COMPRESS=DEFLATE where the server offers it, the default) or no", "YES|NO" },
    { NULL }
  };
  g_autoptr(GError) error = NULL;
  g_autoptr(TernAccount) account = NULL;

  if (!tern_cli_parse_options (entries, &argc, &argv, "NAME", &error))
    return tern_cli_usage (error->message);
  if (argc != 2)
    return tern_cli_usage ("account set takes one NAME");
  if (delete_mode != NULL && strcmp (delete_mode, "trash") != 0 && strcmp (delete_mode, "expunge") != 0)
    return tern_cli_usage ("--delete-mode is trash or expunge");
  if (compress != NULL && strcmp (compress, "yes") != 0 && strcmp (compress, "no") != 0)
    return tern_cli_usage ("--compress is yes or no");
  if (!tern_cli_ensure_store (cli, &error) || (account = tern_store_get_account (cli->store, argv[1], &error)) == NULL)
    return tern_cli_fail (g_steal_pointer (&error));
  if (delete_mode != NULL &&
      !tern_store_set_account_delete_mode (cli->store, account->id, delete_mode, &error))
    return tern_cli_fail (g_steal_pointer (&error));
  if (compress != NULL &&
      !tern_store_set_account_compress (cli->store, account->id, strcmp (compress, "yes") == 0, &error))
    return tern_cli_fail (g_steal_pointer (&error));
  return 0;
}
