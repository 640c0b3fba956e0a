/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "tern-cli"

#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tern-cli-private.h"
#include "tern-journal.h"
#include "tern-sync.h"

/* export, offline-policy */

/* export, offline-policy */

static gboolean
write_mbox_message (GOutputStream  *out,
                    const char     *data,
                    gsize           length,
                    const TernMessage *m,
                    GError        **error)
{
  g_autoptr(GDateTime) dt = g_date_time_new_from_unix_utc (m->internaldate ? m->internaldate : m->date);
  /* asctime()'s layout with the day padded by an ASCII space: GLib's %e pads with U+2007
   * (FIGURE SPACE), which no mbox reader expects (Python's mailbox fails on it). */
  g_autofree char *day_name = g_date_time_format (dt, "%a %b");
  g_autofree char *clock = g_date_time_format (dt, "%H:%M:%S %Y");
  g_autofree char *when = g_strdup_printf ("%s %2d %s", day_name, g_date_time_get_day_of_month (dt), clock);
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

int
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
  if (!tern_cli_ensure_store (cli, &error))
    return tern_cli_fail (g_steal_pointer (&error));

  if (argc == 3 && tern_cli_parse_id (argv[1], &id))
    {
      /* One message as .eml. */
      if ((account = tern_cli_account_of_message (cli, id, &error)) == NULL)
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
      (folder = tern_cli_folder_named (cli, account, argv[2], &error)) == NULL ||
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

int
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
  if (!tern_cli_ensure_store (cli, &error) || (account = tern_store_get_account (cli->store, argv[1], &error)) == NULL ||
      (argc == 3 && (folder = tern_cli_folder_named (cli, account, argv[2], &error)) == NULL))
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
