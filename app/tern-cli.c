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
#include "tern-imap-convert.h"
#include "tern-journal.h"
#include "tern-mime.h"
#include "tern-password.h"
#include "tern-store.h"
#include "tern-sync.h"

/* tern-cli: the headless front end of the engine. Every command opens the cache,
 * does one thing and exits; errors are one line on stderr and a non-zero exit. */

typedef struct
{
  char      *data_dir;
  gboolean   json;
  gboolean   offline;
  gboolean   bodies;
  int        timeout;
  TernStore *store;
} Cli;




/* JSON output. */


static void
json_key (GString    *out,
          const char *key,
          gboolean    first)
{
  if (!first)
    g_string_append_c (out, ',');
  tern_cli_json_string (out, key);
  g_string_append_c (out, ':');
}

static void
json_flags (GString    *out,
            const char *flags)
{
  g_auto(GStrv) list = g_strsplit (flags ? flags : "", " ", -1);
  gboolean first = TRUE;

  g_string_append_c (out, '[');
  for (guint i = 0; list[i] != NULL; i++)
    {
      if (*list[i] == '\0')
        continue;
      if (!first)
        g_string_append_c (out, ',');
      tern_cli_json_string (out, list[i]);
      first = FALSE;
    }
  g_string_append_c (out, ']');
}

static char *
format_date (gint64 unix_time)
{
  g_autoptr(GDateTime) dt = NULL;

  if (unix_time == 0)
    return NULL;
  dt = g_date_time_new_from_unix_utc (unix_time);
  return dt ? g_date_time_format_iso8601 (dt) : NULL;
}

static char *
format_local_date (gint64 unix_time)
{
  g_autoptr(GDateTime) dt = NULL;

  if (unix_time == 0)
    return g_strdup ("never");
  dt = g_date_time_new_from_unix_local (unix_time);
  return g_date_time_format (dt, "%Y-%m-%d %H:%M");
}

static char *
format_from (const TernMessage *m)
{
  if (m->from_name != NULL && *m->from_name != '\0')
    return g_strdup_printf ("%s <%s>", m->from_name, m->from_addr ? m->from_addr : "");
  return g_strdup (m->from_addr ? m->from_addr : "");
}

static void
message_json (GString           *out,
              const TernMessage *m)
{
  g_autofree char *date = format_date (m->date);
  g_autofree char *from = format_from (m);

  g_string_append_c (out, '{');
  json_key (out, "id", TRUE);
  g_string_append_printf (out, "%" G_GINT64_FORMAT, m->id);
  json_key (out, "uid", FALSE);
  g_string_append_printf (out, "%u", m->uid);
  json_key (out, "flags", FALSE);
  json_flags (out, m->flags);
  json_key (out, "date", FALSE);
  tern_cli_json_string (out, date);
  json_key (out, "from", FALSE);
  tern_cli_json_string (out, from);
  json_key (out, "subject", FALSE);
  tern_cli_json_string (out, m->subject);
  json_key (out, "size", FALSE);
  g_string_append_printf (out, "%" G_GUINT64_FORMAT, m->size);
  json_key (out, "message_id", FALSE);
  tern_cli_json_string (out, m->message_id);
  g_string_append_c (out, '}');
}

/* Common helpers. */

static gboolean
open_store (Cli     *cli,
            GError **error)
{
  cli->store = tern_cli_open_store (cli->data_dir, error);
  return cli->store != NULL;
}

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

  if (!open_store (cli, &error) || !tern_store_add_account (cli->store, &account, &account.id, &error))
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

  if (!open_store (cli, &error) || (accounts = tern_store_list_accounts (cli->store, &error)) == NULL)
    return tern_cli_fail (g_steal_pointer (&error));

  if (cli->json)
    g_string_append_c (out, '[');
  for (guint i = 0; i < accounts->len; i++)
    {
      TernAccount *a = accounts->pdata[i];

      if (cli->json)
        {
          g_autofree char *last = format_date (a->last_sync);

          if (i > 0)
            g_string_append_c (out, ',');
          g_string_append_c (out, '{');
          json_key (out, "name", TRUE);
          tern_cli_json_string (out, a->name);
          json_key (out, "email", FALSE);
          tern_cli_json_string (out, a->email);
          json_key (out, "host", FALSE);
          tern_cli_json_string (out, a->host);
          json_key (out, "port", FALSE);
          g_string_append_printf (out, "%u", a->port);
          json_key (out, "security", FALSE);
          tern_cli_json_string (out, a->security);
          json_key (out, "user", FALSE);
          tern_cli_json_string (out, a->user);
          json_key (out, "last_sync", FALSE);
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
  if (!open_store (cli, &error) || (account = tern_store_get_account (cli->store, argv[1], &error)) == NULL)
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
  if (!open_store (cli, &error) || (account = tern_store_get_account (cli->store, argv[1], &error)) == NULL ||
      !tern_store_set_account_pin (cli->store, account->id, pin, &error))
    return tern_cli_fail (g_steal_pointer (&error));
  return 0;
}

static int cmd_account_set (Cli   *cli,
                            int    argc,
                            char **argv);

static int
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

/* sync */

typedef struct
{
  gboolean tty;
  gint64   last;
  gboolean pending_newline;
} Progress;

static void
progress_cb (const char *folder,
             guint       done,
             guint       total,
             gpointer    user_data)
{
  Progress *p = user_data;
  gint64 now = g_get_monotonic_time ();

  if (!p->tty)
    return;
  if (done < total && now - p->last < 100000)
    return;
  p->last = now;
  g_printerr ("\r\033[KSyncing %s: %u/%u", folder, done, total);
  p->pending_newline = TRUE;
}

static void
progress_end (Progress *p)
{
  if (p->pending_newline)
    g_printerr ("\r\033[K");
  p->pending_newline = FALSE;
}

static int
sync_account (Cli               *cli,
              const TernAccount *account,
              const char        *folder)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TernSync) sync = tern_sync_new (cli->store, account);
  Progress progress = { .tty = isatty (STDERR_FILENO) };

  if (cli->timeout > 0)
    tern_sync_set_timeout (sync, (guint) cli->timeout);
  /* Tests use small batches to get many commit points. */
  if (g_getenv ("TERN_SYNC_CHUNK") != NULL)
    tern_sync_set_chunk_size (sync, (guint) g_ascii_strtoull (g_getenv ("TERN_SYNC_CHUNK"), NULL, 10));
  tern_sync_set_progress_func (sync, progress_cb, &progress);
  if (!tern_sync_run (sync, folder, &error))
    {
      g_autofree char *sha = tern_sync_dup_refused_sha256 (sync);

      progress_end (&progress);
      if (sha != NULL && g_error_matches (error, TERN_SYNC_ERROR, TERN_SYNC_ERROR_CERTIFICATE))
        {
          /* Say how to trust it, on the same line. */
          char *message = g_strdup_printf ("%s (SHA-256 %s; to trust it: tern-cli account pin %s %s)",
                                           error->message, sha, account->name, sha);

          g_free (error->message);
          error->message = message;
        }
      g_prefix_error (&error, "%s: ", account->name);
      return tern_cli_fail (g_steal_pointer (&error));
    }
  progress_end (&progress);
  if (cli->bodies && folder == NULL)
    {
      guint fetched = 0;

      if (!tern_sync_prefetch (sync, NULL, &fetched, &error))
        {
          g_prefix_error (&error, "%s: ", account->name);
          return tern_cli_fail (g_steal_pointer (&error));
        }
    }
  if (g_getenv ("TERN_CLI_STATS") != NULL)
    {
      TernSyncStats stats;

      tern_sync_get_stats (sync, &stats);
      g_printerr ("stats: read=%" G_GUINT64_FORMAT " written=%" G_GUINT64_FORMAT
                  " round_trips=%u fetched=%u full_compares=%u reattached=%u dropped=%u\n",
                  stats.bytes_read, stats.bytes_written, stats.round_trips, stats.messages_fetched,
                  stats.full_compares, stats.reattached, stats.dropped);
    }
  return 0;
}

static int
cmd_sync (Cli   *cli,
          int    argc,
          char **argv)
{
  g_autofree char *folder = NULL;
  GOptionEntry entries[] = {
    { "folder", 0, 0, G_OPTION_ARG_STRING, &folder, "Only this folder", "F" },
    { "bodies", 0, 0, G_OPTION_ARG_NONE, &cli->bodies, "Then fetch the bodies the offline policy keeps", NULL },
    { NULL }
  };
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) accounts = NULL;
  int status = 0;

  if (!tern_cli_parse_options (entries, &argc, &argv, "[ACCOUNT]", &error))
    return tern_cli_usage (error->message);
  if (argc > 2)
    return tern_cli_usage ("sync takes at most one ACCOUNT");
  if (cli->offline)
    return tern_cli_usage ("sync cannot work --offline");
  if (!open_store (cli, &error))
    return tern_cli_fail (g_steal_pointer (&error));

  if (argc == 2)
    {
      g_autoptr(TernAccount) account = tern_store_get_account (cli->store, argv[1], &error);

      if (account == NULL)
        return tern_cli_fail (g_steal_pointer (&error));
      return sync_account (cli, account, folder);
    }

  if (folder != NULL)
    return tern_cli_usage ("--folder needs an ACCOUNT");
  accounts = tern_store_list_accounts (cli->store, &error);
  if (accounts == NULL)
    return tern_cli_fail (g_steal_pointer (&error));
  if (accounts->len == 0)
    {
      g_set_error_literal (&error, TERN_STORE_ERROR, TERN_STORE_ERROR_NOT_FOUND,
                           "No accounts; add one with “tern-cli account add”");
      return tern_cli_fail (g_steal_pointer (&error));
    }
  for (guint i = 0; i < accounts->len; i++)
    if (sync_account (cli, accounts->pdata[i], NULL) != 0)
      status = 1;
  return status;
}

/* folders, list, show */

static void
print_folders (Cli              *cli,
               const TernAccount *account,
               GPtrArray        *folders,
               GString          *out,
               gboolean          with_account,
               gboolean         *first)
{
  for (guint i = 0; i < folders->len; i++)
    {
      TernFolder *f = folders->pdata[i];

      if (cli->json)
        {
          if (!*first)
            g_string_append_c (out, ',');
          *first = FALSE;
          g_string_append_c (out, '{');
          json_key (out, "name", TRUE);
          tern_cli_json_string (out, f->display_name);
          json_key (out, "server_name", FALSE);
          tern_cli_json_string (out, f->name);
          json_key (out, "account", FALSE);
          tern_cli_json_string (out, account->name);
          json_key (out, "special_use", FALSE);
          tern_cli_json_string (out, f->special_use);
          json_key (out, "namespace", FALSE);
          tern_cli_json_string (out, f->namespace_kind);
          json_key (out, "subscribed", FALSE);
          g_string_append (out, f->subscribed ? "true" : "false");
          json_key (out, "selectable", FALSE);
          g_string_append (out, f->selectable ? "true" : "false");
          json_key (out, "myrights", FALSE);
          tern_cli_json_string (out, f->myrights);
          json_key (out, "unread", FALSE);
          g_string_append_printf (out, "%u", f->unread);
          json_key (out, "total", FALSE);
          g_string_append_printf (out, "%u", f->total);
          g_string_append_c (out, '}');
        }
      else
        {
          if (with_account)
            g_string_append_printf (out, "%s\t", account->name);
          g_string_append_printf (out, "%-30s %-10s %6u %7u\n", f->display_name,
                                  f->special_use ? f->special_use : "-", f->unread, f->total);
        }
    }
}

static int
cmd_folders (Cli   *cli,
             int    argc,
             char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) accounts = NULL;
  g_autoptr(GString) out = g_string_new (NULL);
  gboolean first = TRUE;

  if (argc > 2)
    return tern_cli_usage ("folders takes at most one ACCOUNT");
  if (!open_store (cli, &error))
    return tern_cli_fail (g_steal_pointer (&error));

  if (argc == 2)
    {
      TernAccount *account = tern_store_get_account (cli->store, argv[1], &error);

      if (account == NULL)
        return tern_cli_fail (g_steal_pointer (&error));
      accounts = g_ptr_array_new_with_free_func ((GDestroyNotify) tern_account_free);
      g_ptr_array_add (accounts, account);
    }
  else if ((accounts = tern_store_list_accounts (cli->store, &error)) == NULL)
    return tern_cli_fail (g_steal_pointer (&error));

  if (cli->json)
    g_string_append_c (out, '[');
  else
    g_string_append_printf (out, "%s%-30s %-10s %6s %7s\n", accounts->len > 1 ? "ACCOUNT\t" : "",
                            "FOLDER", "USE", "UNREAD", "TOTAL");
  for (guint i = 0; i < accounts->len; i++)
    {
      g_autoptr(GPtrArray) folders = tern_store_list_folders (cli->store,
                                                              ((TernAccount *) accounts->pdata[i])->id,
                                                              &error);

      if (folders == NULL)
        return tern_cli_fail (g_steal_pointer (&error));
      print_folders (cli, accounts->pdata[i], folders, out, accounts->len > 1, &first);
    }
  if (cli->json)
    g_string_append (out, "]\n");
  fputs (out->str, stdout);
  return 0;
}

static int
cmd_list (Cli   *cli,
          int    argc,
          char **argv)
{
  int limit = 0;
  GOptionEntry entries[] = {
    { "limit", 0, 0, G_OPTION_ARG_INT, &limit, "At most N messages", "N" },
    { NULL }
  };
  g_autoptr(GError) error = NULL;
  g_autoptr(TernAccount) account = NULL;
  g_autoptr(TernFolder) folder = NULL;
  g_autoptr(GPtrArray) messages = NULL;
  g_autoptr(GString) out = g_string_new (NULL);

  if (!tern_cli_parse_options (entries, &argc, &argv, "ACCOUNT FOLDER", &error))
    return tern_cli_usage (error->message);
  if (argc != 3)
    return tern_cli_usage ("list takes ACCOUNT and FOLDER");
  if (limit < 0)
    return tern_cli_usage ("--limit must not be negative");
  if (!open_store (cli, &error) ||
      (account = tern_store_get_account (cli->store, argv[1], &error)) == NULL ||
      (folder = tern_store_get_folder (cli->store, account->id, argv[2], &error)) == NULL ||
      (messages = tern_store_list_messages (cli->store, folder->id, (guint) limit, &error)) == NULL)
    return tern_cli_fail (g_steal_pointer (&error));

  if (cli->json)
    g_string_append_c (out, '[');
  for (guint i = 0; i < messages->len; i++)
    {
      TernMessage *m = messages->pdata[i];

      if (cli->json)
        {
          if (i > 0)
            g_string_append_c (out, ',');
          message_json (out, m);
        }
      else
        {
          g_autofree char *date = format_local_date (m->date);
          g_autofree char *from = format_from (m);

          g_string_append_printf (out, "%" G_GINT64_FORMAT "\t%u\t%s\t%s\t%s\t%s\n", m->id, m->uid,
                                  *m->flags ? m->flags : "-", date, from, m->subject ? m->subject : "");
        }
    }
  if (cli->json)
    g_string_append (out, "]\n");
  fputs (out->str, stdout);
  return 0;
}

static void
part_json (GString        *out,
           const TernPart *p)
{
  g_string_append_c (out, '{');
  json_key (out, "section", TRUE);
  tern_cli_json_string (out, p->section);
  json_key (out, "type", FALSE);
  {
    g_autofree char *type = g_strdup_printf ("%s/%s", p->type, p->subtype);
    tern_cli_json_string (out, type);
  }
  json_key (out, "charset", FALSE);
  tern_cli_json_string (out, p->charset);
  json_key (out, "encoding", FALSE);
  tern_cli_json_string (out, p->encoding);
  json_key (out, "size", FALSE);
  g_string_append_printf (out, "%" G_GUINT64_FORMAT, p->size);
  json_key (out, "disposition", FALSE);
  tern_cli_json_string (out, p->disposition);
  json_key (out, "filename", FALSE);
  tern_cli_json_string (out, p->filename);
  g_string_append_c (out, '}');
}

/* The text of a message: from the cache, or fetched now (only its text part) when online. */
static void
append_body (Cli               *cli,
             const TernMessage *m,
             GString           *out)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TernBody) body = tern_store_get_body (cli->store, m->id, &error);

  if (body == NULL && !cli->offline)
    {
      g_autoptr(TernFolder) folder = tern_store_get_folder_by_id (cli->store, m->folder_id, NULL);
      g_autoptr(TernAccount) account = folder ? tern_store_get_account_by_id (cli->store, folder->account_id, NULL) : NULL;

      if (account != NULL)
        {
          g_autoptr(TernSync) sync = tern_sync_new (cli->store, account);

          if (cli->timeout > 0)
            tern_sync_set_timeout (sync, (guint) cli->timeout);
          if (tern_sync_fetch_text (sync, m->id, &error))
            body = tern_store_get_body (cli->store, m->id, NULL);
        }
    }

  g_string_append_c (out, '\n');
  if (body == NULL)
    {
      g_string_append_printf (out, "[The text of this message is not available offline%s%s]\n",
                              error ? ": " : "", error ? error->message : "");
      return;
    }
  if (g_strcmp0 (body->content_type, "text/html") == 0)
    {
      g_autofree char *text = tern_mime_html_to_text (body->text);
      g_string_append (out, text);
    }
  else
    g_string_append (out, body->text);
  if (out->len > 0 && out->str[out->len - 1] != '\n')
    g_string_append_c (out, '\n');
}

static int
cmd_show (Cli   *cli,
          int    argc,
          char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TernMessage) m = NULL;
  g_autoptr(TernFolder) folder = NULL;
  g_autoptr(GString) out = g_string_new (NULL);
  gint64 id;
  char *end = NULL;

  if (argc != 2)
    return tern_cli_usage ("show takes one message ID");
  id = g_ascii_strtoll (argv[1], &end, 10);
  if (end == argv[1] || *end != '\0' || id <= 0)
    return tern_cli_usage ("a message ID is a positive number (see “tern-cli list”)");
  if (!open_store (cli, &error) || (m = tern_store_get_message (cli->store, id, &error)) == NULL ||
      (folder = tern_store_get_folder_by_id (cli->store, m->folder_id, &error)) == NULL)
    return tern_cli_fail (g_steal_pointer (&error));

  if (cli->json)
    {
      g_string_append (out, "[");
      message_json (out, m);
      g_string_truncate (out, out->len - 1);
      json_key (out, "folder", FALSE);
      tern_cli_json_string (out, folder->display_name);
      json_key (out, "to", FALSE);
      tern_cli_json_string (out, m->to_list);
      json_key (out, "cc", FALSE);
      tern_cli_json_string (out, m->cc_list);
      json_key (out, "reply_to", FALSE);
      tern_cli_json_string (out, m->reply_to);
      json_key (out, "in_reply_to", FALSE);
      tern_cli_json_string (out, m->in_reply_to);
      json_key (out, "references", FALSE);
      tern_cli_json_string (out, m->references);
      json_key (out, "parts", FALSE);
      g_string_append_c (out, '[');
      for (guint i = 0; m->parts && i < m->parts->len; i++)
        {
          if (i > 0)
            g_string_append_c (out, ',');
          part_json (out, m->parts->pdata[i]);
        }
      g_string_append_c (out, ']');
      {
        g_autoptr(TernBody) body = tern_store_get_body (cli->store, m->id, NULL);

        json_key (out, "body", FALSE);
        tern_cli_json_string (out, body ? body->text : NULL);
        json_key (out, "body_type", FALSE);
        tern_cli_json_string (out, body ? body->content_type : NULL);
      }
      g_string_append (out, "}]\n");
    }
  else
    {
      g_autofree char *date = format_date (m->date);
      g_autofree char *from = format_from (m);

      g_string_append_printf (out, "Folder:     %s (UID %u)\n", folder->display_name, m->uid);
      g_string_append_printf (out, "Date:       %s\n", date ? date : "-");
      g_string_append_printf (out, "From:       %s\n", from);
      if (m->to_list)
        g_string_append_printf (out, "To:         %s\n", m->to_list);
      if (m->cc_list)
        g_string_append_printf (out, "Cc:         %s\n", m->cc_list);
      if (m->reply_to)
        g_string_append_printf (out, "Reply-To:   %s\n", m->reply_to);
      g_string_append_printf (out, "Subject:    %s\n", m->subject ? m->subject : "");
      g_string_append_printf (out, "Message-ID: %s\n", m->message_id ? m->message_id : "-");
      if (m->references)
        g_string_append_printf (out, "References: %s\n", m->references);
      g_string_append_printf (out, "Flags:      %s\n", *m->flags ? m->flags : "-");
      g_string_append_printf (out, "Size:       %" G_GUINT64_FORMAT "\n", m->size);
      g_string_append (out, "Structure:\n");
      for (guint i = 0; m->parts && i < m->parts->len; i++)
        {
          TernPart *p = m->parts->pdata[i];
          guint depth = *p->section ? 1 : 0;

          for (const char *c = p->section; *c; c++)
            depth += *c == '.';
          g_string_append_printf (out, "  %*s%-6s %s/%s", depth * 2, "", *p->section ? p->section : "-",
                                  p->type, p->subtype);
          if (p->charset)
            g_string_append_printf (out, "; charset=%s", p->charset);
          if (strcmp (p->type, "multipart") != 0)
            g_string_append_printf (out, " (%s, %" G_GUINT64_FORMAT " bytes)", p->encoding ? p->encoding : "7bit", p->size);
          if (p->filename)
            g_string_append_printf (out, " “%s”", p->filename);
          if (p->disposition)
            g_string_append_printf (out, " [%s]", p->disposition);
          g_string_append_c (out, '\n');
        }
    }
  if (!cli->json)
    append_body (cli, m, out);
  fputs (out->str, stdout);
  return 0;
}

/* status */

static gboolean
probe (Cli               *cli,
       const TernAccount *account,
       char             **reason)
{
  g_autoptr(TernSync) sync = tern_sync_new (cli->store, account);
  g_autoptr(GError) error = NULL;

  tern_sync_set_timeout (sync, cli->timeout > 0 ? (guint) cli->timeout : 10);
  if (!tern_sync_connect (sync, &error))
    {
      *reason = g_strdup (error->message);
      return FALSE;
    }
  return TRUE;
}

static int
cmd_status (Cli   *cli,
            int    argc,
            char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) accounts = NULL;
  g_autoptr(GString) out = g_string_new (NULL);

  if (argc > 2)
    return tern_cli_usage ("status takes at most one ACCOUNT");
  if (!open_store (cli, &error))
    return tern_cli_fail (g_steal_pointer (&error));
  if (argc == 2)
    {
      TernAccount *account = tern_store_get_account (cli->store, argv[1], &error);

      if (account == NULL)
        return tern_cli_fail (g_steal_pointer (&error));
      accounts = g_ptr_array_new_with_free_func ((GDestroyNotify) tern_account_free);
      g_ptr_array_add (accounts, account);
    }
  else if ((accounts = tern_store_list_accounts (cli->store, &error)) == NULL)
    return tern_cli_fail (g_steal_pointer (&error));

  if (cli->json)
    g_string_append_c (out, '[');
  for (guint i = 0; i < accounts->len; i++)
    {
      TernAccount *a = accounts->pdata[i];
      g_autofree char *reason = NULL;
      gboolean reachable = !cli->offline && probe (cli, a, &reason);
      g_autoptr(GPtrArray) folders = tern_store_list_folders (cli->store, a->id, &error);
      g_autofree char *last = NULL;
      guint total = 0, unread = 0;

      if (folders == NULL)
        return tern_cli_fail (g_steal_pointer (&error));
      for (guint j = 0; j < folders->len; j++)
        {
          total += ((TernFolder *) folders->pdata[j])->total;
          unread += ((TernFolder *) folders->pdata[j])->unread;
        }

      if (cli->json)
        {
          gboolean first = TRUE;

          last = format_date (a->last_sync);
          if (i > 0)
            g_string_append_c (out, ',');
          g_string_append_c (out, '{');
          json_key (out, "account", TRUE);
          tern_cli_json_string (out, a->name);
          json_key (out, "reachable", FALSE);
          g_string_append (out, cli->offline ? "null" : reachable ? "true" : "false");
          json_key (out, "reason", FALSE);
          tern_cli_json_string (out, reason);
          json_key (out, "last_sync", FALSE);
          tern_cli_json_string (out, last);
          json_key (out, "last_error", FALSE);
          tern_cli_json_string (out, a->last_error);
          json_key (out, "unread", FALSE);
          g_string_append_printf (out, "%u", unread);
          json_key (out, "total", FALSE);
          g_string_append_printf (out, "%u", total);
          {
            guint64 bytes = 0;
            guint bodies = 0, parts = 0;

            tern_store_cache_usage (cli->store, a->id, &bytes, &bodies, &parts, NULL);
            json_key (out, "offline_bodies", FALSE);
            g_string_append_printf (out, "%u", bodies);
            json_key (out, "offline_attachments", FALSE);
            g_string_append_printf (out, "%u", parts);
            json_key (out, "cache_bytes", FALSE);
            g_string_append_printf (out, "%" G_GUINT64_FORMAT, bytes);
            json_key (out, "cache_limit", FALSE);
            g_string_append_printf (out, "%" G_GINT64_FORMAT, a->cache_limit);
          }
          json_key (out, "folders", FALSE);
          g_string_append_c (out, '[');
          print_folders (cli, a, folders, out, FALSE, &first);
          g_string_append (out, "]}");
        }
      else
        {
          last = format_local_date (a->last_sync);
          guint64 bytes = 0;
          guint bodies = 0, parts = 0;
          g_autofree char *limit = a->cache_limit ? g_strdup_printf ("%.1f MB", a->cache_limit / 1e6)
                                                  : g_strdup ("none");

          tern_store_cache_usage (cli->store, a->id, &bytes, &bodies, &parts, NULL);
          g_string_append_printf (out, "%s: %s; last sync %s; %u messages, %u unread\n", a->name,
                                  cli->offline ? "not checked (offline)"
                                               : reachable ? "reachable" : "unreachable",
                                  last, total, unread);
          g_string_append_printf (out, "  available offline: %u bodies, %u attachments; cache %.1f MB"
                                  " (limit %s); bodies kept for %" G_GINT64_FORMAT " days under %" G_GINT64_FORMAT " KB\n",
                                  bodies, parts, bytes / 1e6, limit, a->offline_days, a->offline_max_size / 1024);
          if (reason)
            g_string_append_printf (out, "  %s\n", reason);
          else if (a->last_error)
            g_string_append_printf (out, "  last error: %s\n", a->last_error);
          for (guint j = 0; j < folders->len; j++)
            {
              TernFolder *f = folders->pdata[j];

              g_string_append_printf (out, "  %-30s %6u unread %7u total\n", f->display_name,
                                      f->unread, f->total);
            }
        }
    }
  if (cli->json)
    g_string_append (out, "]\n");
  fputs (out->str, stdout);
  return 0;
}

/* watch */

typedef struct
{
  Cli          *cli;
  TernSync     *sync;
  GCancellable *stop;
  GMainLoop    *loop;
  GError       *error;
  gboolean      ok;
} Watch;

static const char *
change_name (TernSyncChangeKind kind)
{
  switch (kind)
    {
    case TERN_SYNC_CHANGE_NEW: return "new";
    case TERN_SYNC_CHANGE_FLAGS: return "flags";
    case TERN_SYNC_CHANGE_EXPUNGED: return "expunged";
    case TERN_SYNC_CHANGE_FOLDER_ADDED: return "folder-added";
    case TERN_SYNC_CHANGE_FOLDER_REMOVED: return "folder-removed";
    case TERN_SYNC_CHANGE_FOLDER_RENAMED: return "folder-renamed";
    case TERN_SYNC_CHANGE_UIDVALIDITY: return "uidvalidity";
    default: return "change";
    }
}

static void
change_cb (const TernSyncChange *change,
           gpointer              user_data)
{
  Watch *w = user_data;
  g_autoptr(GString) out = g_string_new (NULL);

  if (w->cli->json)
    {
      g_string_append_c (out, '{');
      json_key (out, "event", TRUE);
      tern_cli_json_string (out, change_name (change->kind));
      json_key (out, "folder", FALSE);
      tern_cli_json_string (out, change->folder);
      if (change->old_folder)
        {
          json_key (out, "old_folder", FALSE);
          tern_cli_json_string (out, change->old_folder);
        }
      if (change->message_id)
        {
          json_key (out, "id", FALSE);
          g_string_append_printf (out, "%" G_GINT64_FORMAT, change->message_id);
        }
      if (change->uid)
        {
          json_key (out, "uid", FALSE);
          g_string_append_printf (out, "%u", change->uid);
        }
      if (change->flags)
        {
          json_key (out, "flags", FALSE);
          json_flags (out, change->flags);
        }
      if (change->subject)
        {
          json_key (out, "subject", FALSE);
          tern_cli_json_string (out, change->subject);
        }
      g_string_append (out, "}\n");
    }
  else
    {
      g_string_append_printf (out, "%s\t%s", change_name (change->kind), change->folder);
      if (change->old_folder)
        g_string_append_printf (out, "\tfrom %s", change->old_folder);
      if (change->uid)
        g_string_append_printf (out, "\tuid=%u", change->uid);
      if (change->message_id)
        g_string_append_printf (out, "\tid=%" G_GINT64_FORMAT, change->message_id);
      if (change->flags)
        g_string_append_printf (out, "\t%s", *change->flags ? change->flags : "-");
      if (change->subject)
        g_string_append_printf (out, "\t%s", change->subject);
      g_string_append_c (out, '\n');
    }
  fputs (out->str, stdout);
  fflush (stdout);
}

static gpointer
watch_thread (gpointer data)
{
  Watch *w = data;

  w->ok = tern_sync_watch (w->sync, 60, w->stop, &w->error);
  g_main_loop_quit (w->loop);
  return NULL;
}

static gboolean
stop_cb (gpointer data)
{
  Watch *w = data;

  g_cancellable_cancel (w->stop);
  return G_SOURCE_CONTINUE;
}

static int
cmd_watch (Cli   *cli,
           int    argc,
           char **argv)
{
  int poll = 60;
  GOptionEntry entries[] = {
    { "poll", 0, 0, G_OPTION_ARG_INT, &poll, "Check other folders every S seconds (default 60)", "S" },
    { NULL }
  };
  g_autoptr(GError) error = NULL;
  g_autoptr(TernAccount) account = NULL;
  g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  g_autoptr(GCancellable) stop = g_cancellable_new ();
  Watch w = { cli, NULL, stop, loop, NULL, FALSE };
  GThread *thread;
  guint sigint, sigterm;

  if (!tern_cli_parse_options (entries, &argc, &argv, "ACCOUNT", &error))
    return tern_cli_usage (error->message);
  if (argc != 2)
    return tern_cli_usage ("watch takes one ACCOUNT");
  if (cli->offline)
    return tern_cli_usage ("watch cannot work --offline");
  if (poll < 1)
    return tern_cli_usage ("--poll must be at least 1");
  if (!open_store (cli, &error) || (account = tern_store_get_account (cli->store, argv[1], &error)) == NULL)
    return tern_cli_fail (g_steal_pointer (&error));

  w.sync = tern_sync_new (cli->store, account);
  if (cli->timeout > 0)
    tern_sync_set_timeout (w.sync, (guint) cli->timeout);
  tern_sync_set_change_func (w.sync, change_cb, &w);

  sigint = g_unix_signal_add (SIGINT, stop_cb, &w);
  sigterm = g_unix_signal_add (SIGTERM, stop_cb, &w);
  /* The store is used by the watch thread only from here on. */
  thread = g_thread_new ("tern-watch", watch_thread, &w);
  g_main_loop_run (loop);
  g_thread_join (thread);
  g_source_remove (sigint);
  g_source_remove (sigterm);
  tern_sync_free (w.sync);

  if (!w.ok)
    return tern_cli_fail (w.error);
  return 0;
}


/* Offline actions: applied to the cache and queued at once, then replayed if the server
 * can be reached (unless --offline). */


static TernAccount *
account_of_message (Cli         *cli,
                    gint64       message_id,
                    GError     **error)
{
  g_autoptr(TernMessage) m = tern_store_get_message (cli->store, message_id, error);
  g_autoptr(TernFolder) f = NULL;

  if (m == NULL || (f = tern_store_get_folder_by_id (cli->store, m->folder_id, error)) == NULL)
    return NULL;
  return tern_store_get_account_by_id (cli->store, f->account_id, error);
}

static TernFolder *
folder_named (Cli               *cli,
              const TernAccount *account,
              const char        *name,
              GError           **error)
{
  TernFolder *folder = tern_store_get_folder (cli->store, account->id, name, NULL);

  if (folder == NULL)
    {
      g_autofree char *encoded = _tern_utf7_encode (name);

      folder = tern_store_get_folder (cli->store, account->id, encoded, NULL);
    }
  if (folder == NULL || folder->local_state == 2)
    {
      g_clear_pointer (&folder, tern_folder_free);
      g_set_error (error, TERN_STORE_ERROR, TERN_STORE_ERROR_NOT_FOUND, "No folder “%s” in %s",
                   name, account->name);
    }
  return folder;
}

/* Sends what was queued (from action first_new on) unless offline. A server that cannot be
 * reached is not an error: the change is safe in the journal and goes out later. */
static int
replay_after (Cli               *cli,
              const TernAccount *account,
              gint64             first_new)
{
  g_autoptr(TernSync) sync = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) actions = NULL;
  int status = 0;

  if (cli->offline)
    return 0;
  sync = tern_sync_new (cli->store, account);
  if (cli->timeout > 0)
    tern_sync_set_timeout (sync, (guint) cli->timeout);
  if (!tern_sync_replay (sync, &error))
    {
      g_printerr ("tern-cli: %s: not sent yet (%s); it stays queued\n", account->name, error->message);
      return 0;
    }

  actions = tern_journal_list (cli->store, account->id, &error);
  for (guint i = 0; actions != NULL && i < actions->len; i++)
    {
      TernAction *a = actions->pdata[i];

      if (a->id > first_new && g_strcmp0 (a->state, "failed") == 0)
        {
          g_printerr ("tern-cli: %s: the server refused action %" G_GINT64_FORMAT " (%s): %s\n",
                      account->name, a->id, a->kind, a->error);
          status = 1;
        }
    }
  return status;
}

typedef gboolean (*MessageActionFunc) (Cli        *cli,
                                      gint64      id,
                                      gpointer    data,
                                      GError    **error);

/* Applies func to each message ID in argv[first..], all or nothing, then replays. */
static int
message_action (Cli               *cli,
                int                argc,
                char             **argv,
                int                first,
                MessageActionFunc  func,
                gpointer           data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TernAccount) account = NULL;
  gint64 before;

  if (argc <= first)
    return tern_cli_usage ("name at least one message ID");
  if (!open_store (cli, &error))
    return tern_cli_fail (g_steal_pointer (&error));

  before = tern_journal_last_id (cli->store);
  if (!tern_store_begin (cli->store, &error))
    return tern_cli_fail (g_steal_pointer (&error));
  for (int i = first; i < argc; i++)
    {
      gint64 id;
      g_autoptr(TernAccount) owner = NULL;

      if (!tern_cli_parse_id (argv[i], &id))
        {
          tern_store_rollback (cli->store);
          return tern_cli_usage ("a message ID is a positive number (see “tern-cli list”)");
        }
      if ((owner = account_of_message (cli, id, &error)) == NULL || !func (cli, id, data, &error))
        {
          tern_store_rollback (cli->store);
          return tern_cli_fail (g_steal_pointer (&error));
        }
      if (account == NULL)
        account = g_steal_pointer (&owner);
    }
  if (!tern_store_commit (cli->store, &error))
    return tern_cli_fail (g_steal_pointer (&error));
  return replay_after (cli, account, before);
}

typedef struct
{
  const char *add;
  const char *remove;
} FlagChange;

static gboolean
flags_cb (Cli      *cli,
          gint64    id,
          gpointer  data,
          GError  **error)
{
  FlagChange *change = data;

  return tern_journal_set_flags (cli->store, id, change->add, change->remove, error);
}

static int
cmd_flags (Cli        *cli,
           int         argc,
           char      **argv,
           const char *add,
           const char *remove)
{
  FlagChange change = { add, remove };

  return message_action (cli, argc, argv, 1, flags_cb, &change);
}

static int
cmd_tag (Cli   *cli,
         int    argc,
         char **argv)
{
  g_autoptr(GString) add = g_string_new (NULL);
  g_autoptr(GString) remove = g_string_new (NULL);
  FlagChange change;
  char *rest[2];

  if (argc < 3)
    return tern_cli_usage ("tag takes a message ID and +keyword or -keyword");
  for (int i = 2; i < argc; i++)
    {
      GString *to = argv[i][0] == '+' ? add : argv[i][0] == '-' ? remove : NULL;

      if (to == NULL || argv[i][1] == '\0')
        return tern_cli_usage ("keywords are given as +keyword or -keyword");
      g_string_append_printf (to, "%s%s", to->len ? " " : "", argv[i] + 1);
    }
  change.add = add->str;
  change.remove = remove->str;
  rest[0] = argv[0];
  rest[1] = argv[1];
  return message_action (cli, 2, rest, 1, flags_cb, &change);
}

typedef struct
{
  const char *folder;
  gboolean    copy;
} Transfer;

static gboolean
transfer_cb (Cli      *cli,
             gint64    id,
             gpointer  data,
             GError  **error)
{
  Transfer *t = data;
  g_autoptr(TernAccount) account = account_of_message (cli, id, error);
  g_autoptr(TernFolder) target = NULL;

  if (account == NULL || (target = folder_named (cli, account, t->folder, error)) == NULL)
    return FALSE;
  if (t->copy)
    return tern_journal_copy (cli->store, id, target->id, error) != 0;
  return tern_journal_move (cli->store, id, target->id, error);
}

static int
cmd_transfer (Cli      *cli,
              int       argc,
              char    **argv,
              gboolean  copy)
{
  Transfer t;

  if (argc < 3)
    return tern_cli_usage (copy ? "copy takes message IDs and a FOLDER" : "move takes message IDs and a FOLDER");
  t.folder = argv[argc - 1];
  t.copy = copy;
  return message_action (cli, argc - 1, argv, 1, transfer_cb, &t);
}

static gboolean
delete_cb (Cli      *cli,
           gint64    id,
           gpointer  data,
           GError  **error)
{
  return GPOINTER_TO_INT (data) ? tern_journal_delete_permanently (cli->store, id, error)
                                : tern_journal_delete (cli->store, id, error);
}

static int
cmd_delete (Cli   *cli,
            int    argc,
            char **argv)
{
  gboolean permanent = FALSE;
  GOptionEntry entries[] = {
    { "permanent", 0, 0, G_OPTION_ARG_NONE, &permanent, "Delete for good, not to Trash", NULL },
    { NULL }
  };
  g_autoptr(GError) error = NULL;

  if (!tern_cli_parse_options (entries, &argc, &argv, "ID…", &error))
    return tern_cli_usage (error->message);
  return message_action (cli, argc, argv, 1, delete_cb, GINT_TO_POINTER (permanent));
}

static gboolean
archive_cb (Cli      *cli,
            gint64    id,
            gpointer  data,
            GError  **error)
{
  return tern_journal_archive (cli->store, id, error);
}

/* expunge / empty ACCOUNT FOLDER */
static int
cmd_empty (Cli      *cli,
           int       argc,
           char    **argv,
           gboolean  only_deleted)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TernAccount) account = NULL;
  g_autoptr(TernFolder) folder = NULL;
  gint64 before;

  if (argc != 3)
    return tern_cli_usage ("takes ACCOUNT and FOLDER");
  if (!open_store (cli, &error) || (account = tern_store_get_account (cli->store, argv[1], &error)) == NULL ||
      (folder = folder_named (cli, account, argv[2], &error)) == NULL)
    return tern_cli_fail (g_steal_pointer (&error));
  before = tern_journal_last_id (cli->store);
  if (!tern_journal_empty_folder (cli->store, folder->id, only_deleted, &error))
    return tern_cli_fail (g_steal_pointer (&error));
  return replay_after (cli, account, before);
}

static const char *
account_delimiter (Cli               *cli,
                   const TernAccount *account)
{
  static char delimiter[2] = "/";
  g_autoptr(TernFolder) inbox = tern_store_get_folder (cli->store, account->id, "INBOX", NULL);

  if (inbox != NULL && inbox->delimiter != NULL && *inbox->delimiter != '\0')
    delimiter[0] = inbox->delimiter[0];
  return delimiter;
}

static int
cmd_folder (Cli   *cli,
            int    argc,
            char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TernAccount) account = NULL;
  g_autoptr(TernFolder) folder = NULL;
  const char *verb;
  gint64 before;
  gboolean ok;

  if (argc < 4)
    return tern_cli_usage ("folder create|rename|delete|subscribe|unsubscribe ACCOUNT NAME [NEW]");
  verb = argv[1];
  if (!open_store (cli, &error) || (account = tern_store_get_account (cli->store, argv[2], &error)) == NULL)
    return tern_cli_fail (g_steal_pointer (&error));
  before = tern_journal_last_id (cli->store);

  if (strcmp (verb, "create") == 0)
    {
      g_autofree char *name = NULL;

      if (argc != 4)
        return tern_cli_usage ("folder create takes ACCOUNT and NAME");
      name = _tern_utf7_encode (argv[3]);
      ok = tern_journal_folder_create (cli->store, account->id, name, argv[3],
                                       account_delimiter (cli, account), &error) != 0;
    }
  else if (strcmp (verb, "rename") == 0)
    {
      g_autofree char *name = NULL;

      if (argc != 5)
        return tern_cli_usage ("folder rename takes ACCOUNT, OLD and NEW");
      if ((folder = folder_named (cli, account, argv[3], &error)) == NULL)
        return tern_cli_fail (g_steal_pointer (&error));
      name = _tern_utf7_encode (argv[4]);
      ok = tern_journal_folder_rename (cli->store, folder->id, name, argv[4], &error);
    }
  else if (strcmp (verb, "delete") == 0 || strcmp (verb, "subscribe") == 0 ||
           strcmp (verb, "unsubscribe") == 0)
    {
      if (argc != 4)
        return tern_cli_usage ("takes ACCOUNT and NAME");
      if ((folder = folder_named (cli, account, argv[3], &error)) == NULL)
        return tern_cli_fail (g_steal_pointer (&error));
      if (strcmp (verb, "delete") == 0)
        ok = tern_journal_folder_delete (cli->store, folder->id, &error);
      else
        ok = tern_journal_folder_subscribe (cli->store, folder->id, strcmp (verb, "subscribe") == 0, &error);
    }
  else
    return tern_cli_usage ("folder create|rename|delete|subscribe|unsubscribe ACCOUNT NAME [NEW]");

  if (!ok)
    return tern_cli_fail (g_steal_pointer (&error));
  return replay_after (cli, account, before);
}

static int
cmd_append (Cli   *cli,
            int    argc,
            char **argv)
{
  g_autofree char *flags = NULL;
  GOptionEntry entries[] = {
    { "flags", 0, 0, G_OPTION_ARG_STRING, &flags, "Flags to store it with, e.g. \"\\\\Seen \\\\Draft\"", "F" },
    { NULL }
  };
  g_autoptr(GError) error = NULL;
  g_autoptr(TernAccount) account = NULL;
  g_autoptr(TernFolder) folder = NULL;
  g_autoptr(TernMessage) message = NULL;
  g_autoptr(GBytes) raw = NULL;
  g_autoptr(GMappedFile) file = NULL;
  gint64 before, id;

  if (!tern_cli_parse_options (entries, &argc, &argv, "ACCOUNT FOLDER FILE.eml", &error))
    return tern_cli_usage (error->message);
  if (argc != 4)
    return tern_cli_usage ("append takes ACCOUNT, FOLDER and FILE.eml");
  file = g_mapped_file_new (argv[3], FALSE, &error);
  if (file == NULL)
    return tern_cli_fail (g_steal_pointer (&error));
  raw = g_mapped_file_get_bytes (file);
  message = tern_mime_parse_message (raw, &error);
  if (message == NULL)
    {
      g_prefix_error (&error, "%s: ", argv[3]);
      return tern_cli_fail (g_steal_pointer (&error));
    }
  g_free (message->flags);
  message->flags = tern_flags_canonicalize (flags);
  message->internaldate = g_get_real_time () / G_USEC_PER_SEC;

  if (!open_store (cli, &error) || (account = tern_store_get_account (cli->store, argv[1], &error)) == NULL ||
      (folder = folder_named (cli, account, argv[2], &error)) == NULL)
    return tern_cli_fail (g_steal_pointer (&error));
  before = tern_journal_last_id (cli->store);
  id = tern_journal_append (cli->store, folder->id, message, raw, &error);
  if (id == 0)
    return tern_cli_fail (g_steal_pointer (&error));
  if (!cli->json)
    g_print ("%" G_GINT64_FORMAT "\n", id);
  return replay_after (cli, account, before);
}

static int
cmd_pending (Cli   *cli,
             int    argc,
             char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) actions = NULL;
  g_autoptr(GString) out = g_string_new (NULL);
  gint64 account_id = 0;

  if (!open_store (cli, &error))
    return tern_cli_fail (g_steal_pointer (&error));

  if (argc == 3 && (strcmp (argv[1], "retry") == 0 || strcmp (argv[1], "discard") == 0))
    {
      gint64 id;
      g_autoptr(TernAction) a = NULL;
      g_autoptr(TernAccount) account = NULL;

      if (!tern_cli_parse_id (argv[2], &id))
        return tern_cli_usage ("an action ID is a positive number (see “tern-cli pending”)");
      if ((a = tern_journal_get (cli->store, id, &error)) == NULL)
        return tern_cli_fail (g_steal_pointer (&error));
      if (strcmp (argv[1], "discard") == 0)
        return tern_journal_discard (cli->store, id, &error) ? 0 : tern_cli_fail (g_steal_pointer (&error));
      if (!tern_journal_retry (cli->store, id, &error) ||
          (account = tern_store_get_account_by_id (cli->store, a->account_id, &error)) == NULL)
        return tern_cli_fail (g_steal_pointer (&error));
      return replay_after (cli, account, id - 1);
    }
  if (argc > 2)
    return tern_cli_usage ("pending [ACCOUNT] | pending retry|discard ID");
  if (argc == 2)
    {
      g_autoptr(TernAccount) account = tern_store_get_account (cli->store, argv[1], &error);

      if (account == NULL)
        return tern_cli_fail (g_steal_pointer (&error));
      account_id = account->id;
    }

  actions = tern_journal_list (cli->store, account_id, &error);
  if (actions == NULL)
    return tern_cli_fail (g_steal_pointer (&error));
  if (cli->json)
    g_string_append_c (out, '[');
  for (guint i = 0; i < actions->len; i++)
    {
      TernAction *a = actions->pdata[i];
      g_autofree char *what = NULL;

      if (a->message != 0)
        what = g_strdup_printf ("message %" G_GINT64_FORMAT, a->message);
      else if (a->name != NULL)
        what = _tern_utf7_decode (a->name);
      else
        what = g_strdup_printf ("folder %" G_GINT64_FORMAT, a->folder);

      if (cli->json)
        {
          if (i > 0)
            g_string_append_c (out, ',');
          g_string_append_c (out, '{');
          json_key (out, "id", TRUE);
          g_string_append_printf (out, "%" G_GINT64_FORMAT, a->id);
          json_key (out, "kind", FALSE);
          tern_cli_json_string (out, a->kind);
          json_key (out, "state", FALSE);
          tern_cli_json_string (out, a->state);
          json_key (out, "message", FALSE);
          if (a->message != 0)
            g_string_append_printf (out, "%" G_GINT64_FORMAT, a->message);
          else
            g_string_append (out, "null");
          json_key (out, "what", FALSE);
          tern_cli_json_string (out, what);
          json_key (out, "error_class", FALSE);
          tern_cli_json_string (out, a->error_class);
          json_key (out, "error", FALSE);
          tern_cli_json_string (out, a->error);
          json_key (out, "attempts", FALSE);
          g_string_append_printf (out, "%u", a->attempts);
          g_string_append_c (out, '}');
        }
      else
        {
          g_string_append_printf (out, "%" G_GINT64_FORMAT "\t%s\t%s\t%s", a->id, a->state, a->kind, what);
          if (a->add_flags && *a->add_flags)
            g_string_append_printf (out, " +%s", a->add_flags);
          if (a->remove_flags && *a->remove_flags)
            g_string_append_printf (out, " -%s", a->remove_flags);
          if (a->error != NULL)
            g_string_append_printf (out, "\t%s: %s", a->error_class ? a->error_class : "error", a->error);
          g_string_append_c (out, '\n');
        }
    }
  if (cli->json)
    g_string_append (out, "]\n");
  fputs (out->str, stdout);
  return 0;
}

static int
cmd_account_set (Cli   *cli,
                 int    argc,
                 char **argv)
{
  g_autofree char *delete_mode = NULL;
  GOptionEntry entries[] = {
    { "delete-mode", 0, 0, G_OPTION_ARG_STRING, &delete_mode, "trash or expunge", "M" },
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
  if (!open_store (cli, &error) || (account = tern_store_get_account (cli->store, argv[1], &error)) == NULL)
    return tern_cli_fail (g_steal_pointer (&error));
  if (delete_mode != NULL &&
      !tern_store_set_account_delete_mode (cli->store, account->id, delete_mode, &error))
    return tern_cli_fail (g_steal_pointer (&error));
  return 0;
}


/* fetch, search */

typedef struct
{
  gboolean tty;
  gint64   last;
} FetchProgress;

static void
fetch_progress_cb (guint64  done,
                   guint64  total,
                   gpointer user_data)
{
  FetchProgress *p = user_data;
  gint64 now = g_get_monotonic_time ();

  if (!p->tty || (done < total && now - p->last < 100000))
    return;
  p->last = now;
  g_printerr ("\r\033[KDownloading: %" G_GUINT64_FORMAT " KiB of %" G_GUINT64_FORMAT " KiB (%u%%)",
              done / 1024, total / 1024, total ? (guint) (done * 100 / total) : 100);
}

static int
cmd_fetch (Cli   *cli,
           int    argc,
           char **argv)
{
  g_autofree char *section = NULL;
  g_autofree char *out_path = NULL;
  GOptionEntry entries[] = {
    { "part", 0, 0, G_OPTION_ARG_STRING, &section, "The part (section as “show” lists it)", "SECTION" },
    { "out", 0, 0, G_OPTION_ARG_FILENAME, &out_path, "Save it to FILE", "FILE" },
    { NULL }
  };
  g_autoptr(GError) error = NULL;
  g_autoptr(TernAccount) account = NULL;
  g_autoptr(TernSync) sync = NULL;
  FetchProgress progress = { isatty (STDERR_FILENO), 0 };
  gint64 id;

  if (!tern_cli_parse_options (entries, &argc, &argv, "ID", &error))
    return tern_cli_usage (error->message);
  if (argc != 2 || !tern_cli_parse_id (argv[1], &id))
    return tern_cli_usage ("fetch takes one message ID");
  if (!open_store (cli, &error) || (account = account_of_message (cli, id, &error)) == NULL)
    return tern_cli_fail (g_steal_pointer (&error));
  sync = tern_sync_new (cli->store, account);
  if (cli->timeout > 0)
    tern_sync_set_timeout (sync, (guint) cli->timeout);

  if (section == NULL)
    {
      g_autoptr(TernBody) body = NULL;

      if (cli->offline)
        return tern_cli_usage ("fetch cannot work --offline");
      if (!tern_sync_fetch_text (sync, id, &error) ||
          (body = tern_store_get_body (cli->store, id, &error)) == NULL)
        return tern_cli_fail (error ? g_steal_pointer (&error)
                           : g_error_new_literal (G_IO_ERROR, G_IO_ERROR_FAILED, "No text"));
      if (out_path != NULL && !g_file_set_contents (out_path, body->text, -1, &error))
        return tern_cli_fail (g_steal_pointer (&error));
      return 0;
    }

  if (cli->offline)
    {
      g_autofree char *path = tern_sync_dup_part_path (sync, id, section);

      if (path == NULL)
        {
          g_set_error (&error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                       "Part %s of message %" G_GINT64_FORMAT " is not available offline", section, id);
          return tern_cli_fail (g_steal_pointer (&error));
        }
      if (out_path != NULL)
        {
          g_autoptr(GFile) src = g_file_new_for_path (path);
          g_autoptr(GFile) dst = g_file_new_for_path (out_path);

          if (!g_file_copy (src, dst, G_FILE_COPY_OVERWRITE, NULL, NULL, NULL, &error))
            return tern_cli_fail (g_steal_pointer (&error));
        }
      else
        g_print ("%s\n", path);
      return 0;
    }

  if (!tern_sync_fetch_part (sync, id, section, out_path, fetch_progress_cb, &progress, NULL, &error))
    {
      if (progress.tty)
        g_printerr ("\r\033[K");
      return tern_cli_fail (g_steal_pointer (&error));
    }
  if (progress.tty)
    g_printerr ("\r\033[K");
  if (out_path == NULL)
    {
      g_autofree char *path = tern_sync_dup_part_path (sync, id, section);
      g_print ("%s\n", path);
    }
  return 0;
}

static int
cmd_search (Cli   *cli,
            int    argc,
            char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) results = NULL;
  g_autoptr(GString) out = g_string_new (NULL);
  g_autoptr(TernAccount) account = NULL;
  g_autoptr(GHashTable) server_only = g_hash_table_new (g_int64_hash, g_int64_equal);
  g_autoptr(GArray) server_ids = g_array_new (FALSE, FALSE, sizeof (gint64));
  const char *query;

  if (argc != 2 && argc != 3)
    return tern_cli_usage ("search takes [ACCOUNT] QUERY");
  query = argv[argc - 1];
  if (!open_store (cli, &error))
    return tern_cli_fail (g_steal_pointer (&error));
  if (argc == 3 && (account = tern_store_get_account (cli->store, argv[1], &error)) == NULL)
    return tern_cli_fail (g_steal_pointer (&error));

  results = tern_store_search (cli->store, account ? account->id : 0, query, 0, &error);
  if (results == NULL)
    return tern_cli_fail (g_steal_pointer (&error));

  /* Online, the server also searches bodies this cache does not have. */
  if (!cli->offline)
    {
      g_autoptr(GPtrArray) accounts = NULL;

      if (account != NULL)
        {
          accounts = g_ptr_array_new ();
          g_ptr_array_add (accounts, account);
        }
      else
        accounts = tern_store_list_accounts (cli->store, NULL);
      for (guint i = 0; accounts != NULL && i < accounts->len; i++)
        {
          g_autoptr(TernSync) sync = tern_sync_new (cli->store, accounts->pdata[i]);
          g_autoptr(GError) server_error = NULL;
          g_autoptr(GArray) ids = NULL;

          if (cli->timeout > 0)
            tern_sync_set_timeout (sync, (guint) cli->timeout);
          ids = tern_sync_server_search (sync, query, &server_error);
          if (ids == NULL)
            {
              g_printerr ("tern-cli: %s: server search not available (%s); local results only\n",
                          ((TernAccount *) accounts->pdata[i])->name, server_error->message);
              continue;
            }
          g_array_append_vals (server_ids, ids->data, ids->len);
        }
      if (account != NULL)
        g_ptr_array_steal_index (accounts, 0);
    }

  for (guint i = 0; i < server_ids->len; i++)
    {
      gint64 *id = &g_array_index (server_ids, gint64, i);
      gboolean local = FALSE;

      for (guint j = 0; j < results->len && !local; j++)
        local = ((TernMessage *) results->pdata[j])->id == *id;
      if (!local)
        {
          TernMessage *m = tern_store_get_message (cli->store, *id, NULL);

          if (m != NULL)
            {
              g_ptr_array_add (results, m);
              g_hash_table_add (server_only, id);
            }
        }
    }

  if (cli->json)
    g_string_append_c (out, '[');
  for (guint i = 0; i < results->len; i++)
    {
      TernMessage *m = results->pdata[i];
      gboolean remote = g_hash_table_contains (server_only, &m->id);

      if (cli->json)
        {
          if (i > 0)
            g_string_append_c (out, ',');
          message_json (out, m);
          g_string_truncate (out, out->len - 1);
          json_key (out, "server_only", FALSE);
          g_string_append (out, remote ? "true" : "false");
          g_string_append_c (out, '}');
        }
      else
        {
          g_autofree char *date = format_local_date (m->date);
          g_autofree char *from = format_from (m);

          g_string_append_printf (out, "%" G_GINT64_FORMAT "\t%s\t%s\t%s%s\n", m->id, date, from,
                                  m->subject ? m->subject : "", remote ? "\t(server only)" : "");
        }
    }
  if (cli->json)
    g_string_append (out, "]\n");
  fputs (out->str, stdout);
  return 0;
}


/* export, offline-policy */

static gboolean
write_mbox_message (GOutputStream  *out,
                    const char     *data,
                    gsize           length,
                    const TernMessage *m,
                    GError        **error)
{
  g_autoptr(GDateTime) dt = g_date_time_new_from_unix_utc (m->internaldate ? m->internaldate : m->date);
  g_autofree char *when = g_date_time_format (dt, "%a %b %e %H:%M:%S %Y");
  g_autofree char *from = g_strdup_printf ("From %s %s\n", m->from_addr && *m->from_addr ? m->from_addr : "MAILER-DAEMON", when);
  GString *body = g_string_sized_new (length + 64);
  gboolean ok;

  /* mboxrd: LF line ends, and ">*From " lines get one more ">". */
  for (gsize i = 0; i < length;)
    {
      const char *line = data + i;
      const char *nl = memchr (line, '\n', length - i);
      gsize n = nl ? (gsize) (nl - line) : length - i;
      gsize k = 0;

      while (k < n && line[k] == '>')
        k++;
      if (n - k >= 5 && strncmp (line + k, "From ", 5) == 0)
        g_string_append_c (body, '>');
      g_string_append_len (body, line, n > 0 && line[n - 1] == '\r' ? n - 1 : n);
      g_string_append_c (body, '\n');
      i += n + (nl ? 1 : 0);
    }
  g_string_append_c (body, '\n');
  ok = g_output_stream_write_all (out, from, strlen (from), NULL, NULL, error) &&
       g_output_stream_write_all (out, body->str, body->len, NULL, NULL, error);
  g_string_free (body, TRUE);
  return ok;
}

static char *
maildir_info (const char *flags)
{
  GString *info = g_string_new (":2,");

  /* Maildir info letters in ASCII order: D F R S T. */
  if (tern_flags_contain (flags, "\\Draft"))
    g_string_append_c (info, 'D');
  if (tern_flags_contain (flags, "\\Flagged"))
    g_string_append_c (info, 'F');
  if (tern_flags_contain (flags, "\\Answered"))
    g_string_append_c (info, 'R');
  if (tern_flags_contain (flags, "\\Seen"))
    g_string_append_c (info, 'S');
  if (tern_flags_contain (flags, "\\Deleted"))
    g_string_append_c (info, 'T');
  return g_string_free (info, FALSE);
}

static int
cmd_export (Cli   *cli,
            int    argc,
            char **argv)
{
  gboolean mbox = FALSE, maildir = FALSE;
  GOptionEntry entries[] = {
    { "mbox", 0, 0, G_OPTION_ARG_NONE, &mbox, "Write a folder as one mbox file", NULL },
    { "maildir", 0, 0, G_OPTION_ARG_NONE, &maildir, "Write a folder as a Maildir", NULL },
    { NULL }
  };
  g_autoptr(GError) error = NULL;
  g_autoptr(TernAccount) account = NULL;
  g_autoptr(TernFolder) folder = NULL;
  g_autoptr(TernSync) sync = NULL;
  g_autoptr(GPtrArray) messages = NULL;
  g_autoptr(GFile) file = NULL;
  g_autoptr(GOutputStream) out = NULL;
  const char *target;
  gint64 id;

  if (!tern_cli_parse_options (entries, &argc, &argv, "ID OUT.eml | ACCOUNT FOLDER OUT", &error))
    return tern_cli_usage (error->message);
  if (mbox && maildir)
    return tern_cli_usage ("--mbox or --maildir, not both");
  if (!open_store (cli, &error))
    return tern_cli_fail (g_steal_pointer (&error));

  if (argc == 3 && tern_cli_parse_id (argv[1], &id))
    {
      /* One message as .eml. */
      if ((account = account_of_message (cli, id, &error)) == NULL)
        return tern_cli_fail (g_steal_pointer (&error));
      sync = tern_sync_new (cli->store, account);
      file = g_file_new_for_commandline_arg (argv[2]);
      out = G_OUTPUT_STREAM (g_file_replace (file, NULL, FALSE, G_FILE_CREATE_NONE, NULL, &error));
      if (out == NULL || !tern_sync_export_message (sync, id, out, &error) ||
          !g_output_stream_close (out, NULL, &error))
        return tern_cli_fail (g_steal_pointer (&error));
      return 0;
    }
  if (argc != 4)
    return tern_cli_usage ("export takes ID OUT.eml, or ACCOUNT FOLDER OUT with --mbox or --maildir");
  if (!mbox && !maildir)
    return tern_cli_usage ("a folder is exported with --mbox or --maildir");
  if ((account = tern_store_get_account (cli->store, argv[1], &error)) == NULL ||
      (folder = folder_named (cli, account, argv[2], &error)) == NULL ||
      (messages = tern_store_list_messages (cli->store, folder->id, 0, &error)) == NULL)
    return tern_cli_fail (g_steal_pointer (&error));
  sync = tern_sync_new (cli->store, account);
  if (cli->timeout > 0)
    tern_sync_set_timeout (sync, (guint) cli->timeout);
  target = argv[3];

  if (mbox)
    {
      file = g_file_new_for_commandline_arg (target);
      out = G_OUTPUT_STREAM (g_file_replace (file, NULL, FALSE, G_FILE_CREATE_NONE, NULL, &error));
      if (out == NULL)
        return tern_cli_fail (g_steal_pointer (&error));
    }
  else
    {
      const char *sub[] = { "cur", "new", "tmp" };

      for (guint i = 0; i < G_N_ELEMENTS (sub); i++)
        {
          g_autofree char *path = g_build_filename (target, sub[i], NULL);

          if (g_mkdir_with_parents (path, 0700) != 0)
            {
              g_set_error (&error, G_IO_ERROR, G_IO_ERROR_FAILED, "Cannot create %s", path);
              return tern_cli_fail (g_steal_pointer (&error));
            }
        }
    }

  /* Oldest first, as mail folders are read. */
  for (guint i = messages->len; i > 0; i--)
    {
      TernMessage *m = messages->pdata[i - 1];
      g_autoptr(GOutputStream) mem = g_memory_output_stream_new_resizable ();
      gsize length;

      if (mbox)
        {
          /* Streamed per message: one message at a time in memory. */
          if (!tern_sync_export_message (sync, m->id, mem, &error) || !g_output_stream_close (mem, NULL, &error))
            return tern_cli_fail (g_steal_pointer (&error));
          length = g_memory_output_stream_get_data_size (G_MEMORY_OUTPUT_STREAM (mem));
          if (!write_mbox_message (out, g_memory_output_stream_get_data (G_MEMORY_OUTPUT_STREAM (mem)),
                                   length, m, &error))
            return tern_cli_fail (g_steal_pointer (&error));
        }
      else
        {
          g_autofree char *info = maildir_info (m->flags);
          g_autofree char *name = g_strdup_printf ("%" G_GINT64_FORMAT ".%" G_GINT64_FORMAT ".tern%s",
                                                   m->internaldate ? m->internaldate : m->date, m->id, info);
          g_autofree char *path = g_build_filename (target, "cur", name, NULL);
          g_autoptr(GFile) dest = g_file_new_for_path (path);
          g_autoptr(GOutputStream) fout = G_OUTPUT_STREAM (g_file_replace (dest, NULL, FALSE, G_FILE_CREATE_NONE,
                                                                           NULL, &error));

          if (fout == NULL || !tern_sync_export_message (sync, m->id, fout, &error) ||
              !g_output_stream_close (fout, NULL, &error))
            return tern_cli_fail (g_steal_pointer (&error));
        }
    }
  if (out != NULL && !g_output_stream_close (out, NULL, &error))
    return tern_cli_fail (g_steal_pointer (&error));
  return 0;
}

static int
cmd_offline_policy (Cli   *cli,
                    int    argc,
                    char **argv)
{
  int days = -1, max_kb = -1, limit_mb = -1;
  gboolean full = FALSE, not_full = FALSE;
  GOptionEntry entries[] = {
    { "days", 0, 0, G_OPTION_ARG_INT, &days, "Keep bodies of messages newer than N days", "N" },
    { "max-size", 0, 0, G_OPTION_ARG_INT, &max_kb, "... and smaller than S KB", "S" },
    { "full", 0, 0, G_OPTION_ARG_NONE, &full, "Make the folder fully available offline", NULL },
    { "no-full", 0, 0, G_OPTION_ARG_NONE, &not_full, "Undo --full", NULL },
    { "cache-limit", 0, 0, G_OPTION_ARG_INT, &limit_mb, "Account cache limit in MB (0: none)", "MB" },
    { NULL }
  };
  g_autoptr(GError) error = NULL;
  g_autoptr(TernAccount) account = NULL;
  g_autoptr(TernFolder) folder = NULL;

  if (!tern_cli_parse_options (entries, &argc, &argv, "ACCOUNT [FOLDER]", &error))
    return tern_cli_usage (error->message);
  if (argc != 2 && argc != 3)
    return tern_cli_usage ("offline-policy takes ACCOUNT [FOLDER]");
  if (!open_store (cli, &error) || (account = tern_store_get_account (cli->store, argv[1], &error)) == NULL ||
      (argc == 3 && (folder = folder_named (cli, account, argv[2], &error)) == NULL))
    return tern_cli_fail (g_steal_pointer (&error));
  if (folder == NULL && (full || not_full))
    return tern_cli_usage ("--full is set per folder");
  if (folder != NULL && limit_mb >= 0)
    return tern_cli_usage ("--cache-limit is set per account");
  if (!tern_store_set_offline_policy (cli->store, account->id, folder ? folder->id : 0,
                                      days, max_kb >= 0 ? (gint64) max_kb * 1024 : -1,
                                      full ? 1 : not_full ? 0 : -1,
                                      limit_mb >= 0 ? (gint64) limit_mb * 1000 * 1000 : -1, &error))
    return tern_cli_fail (g_steal_pointer (&error));
  return 0;
}

/* main */

static const char *help_text =
  "Commands:\n"
  "  account add NAME --email E --host H [--port P] [--security tls|starttls] [--user U]\n"
  "              [--password-stdin | --password-command CMD] [--ca-file F] [--pin SHA256]\n"
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
  "  account set NAME --delete-mode trash|expunge\n"
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
                          : g_build_filename (g_get_user_data_dir (), "tern", NULL);
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
