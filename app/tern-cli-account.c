/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "tern-cli"

#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tern-cli-private.h"
#include "tern-oauth2.h"
#include "tern-outbox-sync.h"
#include "tern-password.h"
#include "tern-sync.h"

/* account list|remove|pin|set (discover, add and edit: tern-cli-account-setup.c) */

/* A sign-in that needs the user, said where the account is listed. */
static const char *
auth_state_words (const char *state)
{
  if (g_strcmp0 (state, "sign-in") == 0)
    return "\tsign in again (tern-cli account add with --oauth2, or in Settings)";
  if (g_strcmp0 (state, "goa-removed") == 0)
    return "\tremoved from Online Accounts in Settings";
  if (g_strcmp0 (state, "goa-mail-off") == 0)
    return "\tmail turned off in Online Accounts in Settings";
  return "";
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
          tern_cli_json_key (out, "auth", FALSE);
          tern_cli_json_string (out, a->auth);
          tern_cli_json_key (out, "auth_state", FALSE);
          tern_cli_json_string (out, a->auth_state);
          tern_cli_json_key (out, "server_previews", FALSE);
          g_string_append (out, a->server_previews ? "true" : "false");
          g_string_append_c (out, '}');
        }
      else
        g_string_append_printf (out, "%s\t%s\t%s@%s:%u\t%s%s\n", a->name, a->email, a->user, a->host,
                                a->port, a->security, auth_state_words (a->auth_state));
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
  g_autoptr(GPtrArray) drafts = NULL;
  TernAccountData lost = { 0 };

  if (argc != 2)
    return tern_cli_usage ("account remove takes one NAME");
  if (!tern_cli_ensure_store (cli, &error) || (account = tern_store_get_account (cli->store, argv[1], &error)) == NULL ||
      !tern_store_count_account_data (cli->store, account->id, &lost, &error) ||
      (drafts = tern_drafts_list_account_files (cli->store, account, &error)) == NULL)
    return tern_cli_fail (g_steal_pointer (&error));
  if (!tern_store_remove_account (cli->store, argv[1], &error))
    return tern_cli_fail (g_steal_pointer (&error));
  /* Its drafts kept on this computer go with it. */
  tern_drafts_remove_files (drafts);
  /* Its passwords go too (its own and its submission server's); without a keyring there is
   * nothing stored, which is fine. */
  if (!tern_password_forget_all (account, &error) ||
      (g_strcmp0 (account->auth, "oauth2") == 0 && !tern_oauth2_forget (account, &error)))
    g_debug ("%s", error->message);
  if (!cli->json)
    g_print ("Removed %s: %u cached messages, %u changes not yet on the server, %u unsent "
             "messages and %u drafts kept on this computer are gone (nothing on the server was "
             "touched)\n", account->name, lost.messages, lost.pending_actions, lost.unsent, drafts->len);
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
    return tern_cli_usage ("account: discover, add, edit, list, remove, pin or set");
  if (strcmp (argv[1], "discover") == 0)
    return cmd_account_discover (cli, argc - 1, argv + 1);
  if (strcmp (argv[1], "edit") == 0)
    return cmd_account_edit (cli, argc - 1, argv + 1);
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
  return tern_cli_usage ("account: discover, add, edit, list, remove, pin or set");
}

int
cmd_account_set (Cli   *cli,
                 int    argc,
                 char **argv)
{
  g_autofree char *delete_mode = NULL;
  g_autofree char *compress = NULL;
  g_autofree char *previews = NULL;
  GOptionEntry entries[] = {
    { "delete-mode", 0, 0, G_OPTION_ARG_STRING, &delete_mode, "trash or expunge", "M" },
    { "compress", 0, 0, G_OPTION_ARG_STRING, &compress,
      "yes (COMPRESS=DEFLATE where the server offers it, the default) or no", "YES|NO" },
    { "server-previews", 0, 0, G_OPTION_ARG_STRING, &previews,
      "yes (preview lines from the server where it offers PREVIEW) or no (the default)", "YES|NO" },
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
  if (previews != NULL && strcmp (previews, "yes") != 0 && strcmp (previews, "no") != 0)
    return tern_cli_usage ("--server-previews is yes or no");
  if (!tern_cli_ensure_store (cli, &error) || (account = tern_store_get_account (cli->store, argv[1], &error)) == NULL)
    return tern_cli_fail (g_steal_pointer (&error));
  if (delete_mode != NULL &&
      !tern_store_set_account_delete_mode (cli->store, account->id, delete_mode, &error))
    return tern_cli_fail (g_steal_pointer (&error));
  if (compress != NULL &&
      !tern_store_set_account_compress (cli->store, account->id, strcmp (compress, "yes") == 0, &error))
    return tern_cli_fail (g_steal_pointer (&error));
  if (previews != NULL &&
      !tern_store_set_account_server_previews (cli->store, account->id, strcmp (previews, "yes") == 0, &error))
    return tern_cli_fail (g_steal_pointer (&error));
  return 0;
}
