/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "tern-cli"

#include "config.h"

#include <glib-unix.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tern-cli-common.h"
#include "tern-cli-help.h"
#include "tern-cli-outbox.h"
#include "tern-cli-private.h"
#include "tern-imap-utils.h"
#include "tern-journal.h"
#include "tern-mime.h"
#include "tern-password.h"
#include "tern-store.h"
#include "tern-sync.h"

/* tern-cli: the headless front end of the engine. Every command opens the cache,
 * does one thing and exits; errors are one line on stderr and a non-zero exit. */

/* main */

static const char *help_text =
  "Commands:\n"
  "  account discover EMAIL\n"
  "  account add NAME --email E [--full-name N] [--host H] [--port P] [--security tls|starttls]\n"
  "              [--user U] [--smtp-host H ...]\n"
  "              [--password-stdin | --password-command CMD | --oauth2 ...]\n"
  "              [--ca-file F] [--pin SHA256]\n"
  "  account edit NAME [--name NEW] [--host H ...] [--smtp-host H ...]\n"
  "  account list | account remove NAME | account pin NAME SHA256\n"
  "  sync [ACCOUNT] [--folder F]\n"
  "  folders [ACCOUNT]\n"
  "  list ACCOUNT FOLDER [--limit N]\n"
  "  show ID\n"
  "  status [ACCOUNT]\n"
  "  watch ACCOUNT [--poll S]\n"
  "  read|unread|flag|unflag ID…    tag ID +keyword|-keyword…\n"
  "  move ID… FOLDER    copy ID… FOLDER    delete [--permanent] ID…    archive ID…\n"
  "  expunge ACCOUNT FOLDER    empty ACCOUNT FOLDER\n"
  "  folder create|delete|subscribe|unsubscribe ACCOUNT NAME    folder rename ACCOUNT OLD NEW\n"
  "  append ACCOUNT FOLDER FILE.eml [--flags F]\n"
  "  pending [ACCOUNT]    pending retry|discard ID\n"
  "  account set NAME [--delete-mode trash|expunge] [--compress yes|no] [--server-previews yes|no]\n"
  "  fetch ID [--part SECTION] [--out FILE]    search [ACCOUNT] QUERY\n"
  "  export ID OUT.eml | export ACCOUNT FOLDER --mbox|--maildir OUT\n"
  "  offline-policy ACCOUNT [FOLDER] [--days N] [--max-size KB] [--full|--no-full] [--cache-limit MB]\n"
  "  sync [ACCOUNT] --bodies    (also fetch what the offline policy keeps)\n"
  "  send ACCOUNT FILE.eml [--forward-of MESSAGE-ID] [--draft ID]    (queues it, then sends)\n"
  "  outbox [ACCOUNT] [--all] | outbox retry ID [FILE.eml] | outbox discard ID | outbox sent ID\n"
  "  outbox flush [ACCOUNT]    draft save ACCOUNT FILE.eml [--replace ID] | draft list ACCOUNT\n"
  "  smtp ACCOUNT [--host H] [--port P] [--security tls|starttls] [--user U] [--pin SHA256]\n"
  "              [--server-saves-sent yes|no]\n"
  "  identity list ACCOUNT | identity remove ACCOUNT ADDRESS\n"
  "  identity add ACCOUNT ADDRESS [--name N] [--reply-to R] [--signature-file F]\n"
  "  contacts [list [QUERY]] | contacts import FILE.vcf | contacts export FILE.vcf\n"
  "  help [COMMAND]    (what a command does, its options)\n";

int
main (int    argc,
      char **argv)
{
  g_autofree char *data_dir = NULL;
  gboolean json = FALSE, offline = FALSE;
  int timeout = 0;
  GOptionEntry entries[] = {
    { "data-dir", 0, 0, G_OPTION_ARG_FILENAME, &data_dir, "Cache folder (default $XDG_DATA_HOME/tern)", "DIR" },
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, "Print listings as JSON", NULL },
    { "offline", 0, 0, G_OPTION_ARG_NONE, &offline, "Never connect", NULL },
    { "timeout", 0, 0, G_OPTION_ARG_INT, &timeout, "Network timeout in seconds (default 30)", "S" },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new ("COMMAND [ARGS…]");
  g_autoptr(GError) error = NULL;
  Cli cli = { 0 };
  const char *command;
  int status;

  setlocale (LC_ALL, "");
  g_set_prgname ("tern-cli");

  /* Global options stop at the command; the command parses the rest. */
  g_option_context_set_strict_posix (context, TRUE);
  g_option_context_add_main_entries (context, entries, NULL);
  tern_cli_help_add_options (context);
  g_option_context_set_description (context, help_text);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    return tern_cli_usage (error->message);
  /* --version, help [COMMAND]: app/tern-cli-help.c. */
  if (tern_cli_help_run (argc, argv, &status))
    return status;
  if (argc < 2)
    {
      g_autofree char *help = g_option_context_get_help (context, TRUE, NULL);

      g_printerr ("%s", help);
      return EXIT_USAGE;
    }

  cli.data_dir = data_dir ? g_canonicalize_filename (data_dir, NULL)
                          : g_build_filename (g_get_user_data_dir (), TERN_DATA_NAME, NULL);
  cli.json = json;
  cli.offline = offline;
  cli.timeout = timeout;
  tern_sync_global_init ();

  command = argv[1];
  argc--;
  argv++;
  if (strcmp (command, "account") == 0)
    status = cmd_account (&cli, argc, argv);
  else if (strcmp (command, "sync") == 0)
    status = cmd_sync (&cli, argc, argv);
  else if (strcmp (command, "folders") == 0)
    status = cmd_folders (&cli, argc, argv);
  else if (strcmp (command, "list") == 0)
    status = cmd_list (&cli, argc, argv);
  else if (strcmp (command, "show") == 0)
    status = cmd_show (&cli, argc, argv);
  else if (strcmp (command, "status") == 0)
    status = cmd_status (&cli, argc, argv);
  else if (strcmp (command, "watch") == 0)
    status = cmd_watch (&cli, argc, argv);
  else if (strcmp (command, "read") == 0)
    status = cmd_flags (&cli, argc, argv, "\\Seen", NULL);
  else if (strcmp (command, "unread") == 0)
    status = cmd_flags (&cli, argc, argv, NULL, "\\Seen");
  else if (strcmp (command, "flag") == 0)
    status = cmd_flags (&cli, argc, argv, "\\Flagged", NULL);
  else if (strcmp (command, "unflag") == 0)
    status = cmd_flags (&cli, argc, argv, NULL, "\\Flagged");
  else if (strcmp (command, "tag") == 0)
    status = cmd_tag (&cli, argc, argv);
  else if (strcmp (command, "move") == 0)
    status = cmd_transfer (&cli, argc, argv, FALSE);
  else if (strcmp (command, "copy") == 0)
    status = cmd_transfer (&cli, argc, argv, TRUE);
  else if (strcmp (command, "delete") == 0)
    status = cmd_delete (&cli, argc, argv);
  else if (strcmp (command, "archive") == 0)
    status = message_action (&cli, argc, argv, 1, archive_cb, NULL);
  else if (strcmp (command, "expunge") == 0)
    status = cmd_empty (&cli, argc, argv, TRUE);
  else if (strcmp (command, "empty") == 0)
    status = cmd_empty (&cli, argc, argv, FALSE);
  else if (strcmp (command, "folder") == 0)
    status = cmd_folder (&cli, argc, argv);
  else if (strcmp (command, "append") == 0)
    status = cmd_append (&cli, argc, argv);
  else if (strcmp (command, "pending") == 0)
    status = cmd_pending (&cli, argc, argv);
  else if (strcmp (command, "fetch") == 0)
    status = cmd_fetch (&cli, argc, argv);
  else if (strcmp (command, "search") == 0)
    status = cmd_search (&cli, argc, argv);
  else if (strcmp (command, "export") == 0)
    status = cmd_export (&cli, argc, argv);
  else if (strcmp (command, "offline-policy") == 0)
    status = cmd_offline_policy (&cli, argc, argv);
  else if (strcmp (command, "rules") == 0)
    status = cmd_rules (&cli, argc, argv);
  else if (strcmp (command, "contacts") == 0)
    status = cmd_contacts (&cli, argc, argv);
  else if (tern_cli_outbox_handles (command))
    status = tern_cli_outbox_run (command, cli.data_dir, cli.json, cli.offline, cli.timeout, argc, argv);
  else
    {
      g_autofree char *message = g_strdup_printf ("unknown command “%s”", command);
      status = tern_cli_usage (message);
    }

  g_clear_pointer (&cli.store, tern_store_free);
  g_free (cli.data_dir);
  if (g_getenv ("TERN_CLI_STATS") != NULL)
    {
      /* Peak memory of this process alone (a fork's inherited pages do not count). */
      g_autofree char *proc = NULL;
      const char *hwm;

      if (g_file_get_contents ("/proc/self/status", &proc, NULL, NULL) &&
          (hwm = strstr (proc, "VmHWM:")) != NULL)
        g_printerr ("peak_rss_kb=%ld\n", strtol (hwm + 6, NULL, 10));
    }
  return status;
}
