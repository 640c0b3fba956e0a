/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "tern-cli"

#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tern-cli-private.h"
#include "tern-journal.h"
#include "tern-mime.h"
#include "tern-sync.h"

/* folders, list, show, fetch, search */

/* folders, list, show */

void
tern_cli_print_folders (Cli              *cli,
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
          tern_cli_json_key (out, "name", TRUE);
          tern_cli_json_string (out, f->display_name);
          tern_cli_json_key (out, "server_name", FALSE);
          tern_cli_json_string (out, f->name);
          tern_cli_json_key (out, "account", FALSE);
          tern_cli_json_string (out, account->name);
          tern_cli_json_key (out, "special_use", FALSE);
          tern_cli_json_string (out, f->special_use);
          tern_cli_json_key (out, "namespace", FALSE);
          tern_cli_json_string (out, f->namespace_kind);
          tern_cli_json_key (out, "subscribed", FALSE);
          g_string_append (out, f->subscribed ? "true" : "false");
          tern_cli_json_key (out, "selectable", FALSE);
          g_string_append (out, f->selectable ? "true" : "false");
          tern_cli_json_key (out, "myrights", FALSE);
          tern_cli_json_string (out, f->myrights);
          tern_cli_json_key (out, "unread", FALSE);
          g_string_append_printf (out, "%u", f->unread);
          tern_cli_json_key (out, "total", FALSE);
          g_string_append_printf (out, "%u", f->total);
          g_string_append_c (out, '}');
        }
      else
        {
          if (with_account)
            g_string_append_printf (out, "%s\t", account->name);
          /* Padded to 30 characters, not bytes: a non-ASCII name keeps the columns. */
          glong chars = g_utf8_strlen (f->display_name, -1);

          g_string_append (out, f->display_name);
          for (glong pad = chars; pad < 30; pad++)
            g_string_append_c (out, ' ');
          g_string_append_printf (out, " %-10s %6u %7u\n",
                                  f->special_use ? f->special_use : "-", f->unread, f->total);
        }
    }
}

int
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
  if (!tern_cli_ensure_store (cli, &error))
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
      tern_cli_print_folders (cli, accounts->pdata[i], folders, out, accounts->len > 1, &first);
    }
  if (cli->json)
    g_string_append (out, "]\n");
  fputs (out->str, stdout);
  return 0;
}

int
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
  if (!tern_cli_ensure_store (cli, &error) ||
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
          tern_cli_message_json (out, m);
        }
      else
        {
          g_autofree char *date = tern_cli_format_local_date (m->date);
          g_autofree char *from = tern_cli_format_from (m);

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
  tern_cli_json_key (out, "section", TRUE);
  tern_cli_json_string (out, p->section);
  tern_cli_json_key (out, "type", FALSE);
  {
    g_autofree char *type = g_strdup_printf ("%s/%s", p->type, p->subtype);
    tern_cli_json_string (out, type);
  }
  tern_cli_json_key (out, "charset", FALSE);
  tern_cli_json_string (out, p->charset);
  tern_cli_json_key (out, "encoding", FALSE);
  tern_cli_json_string (out, p->encoding);
  tern_cli_json_key (out, "size", FALSE);
  g_string_append_printf (out, "%" G_GUINT64_FORMAT, p->size);
  tern_cli_json_key (out, "disposition", FALSE);
  tern_cli_json_string (out, p->disposition);
  tern_cli_json_key (out, "filename", FALSE);
  tern_cli_json_string (out, p->filename);
  g_string_append_c (out, '}');
}

/* A terminal reads the plain text the sender wrote, where the HTML has one beside it: the
 * part from the cache, or fetched now when online. NULL when it cannot be had. */
static char *
dup_plain_alternative (Cli               *cli,
                       const TernMessage *m,
                       const TernBody    *body)
{
  /* The part a terminal prefers: the plain one where a multipart/alternative has it. */
  const TernPart *plain = tern_sync_pick_text_part (m, FALSE);
  g_autoptr(TernFolder) folder = NULL;
  g_autoptr(TernAccount) account = NULL;
  g_autoptr(TernSync) sync = NULL;
  g_autofree char *path = NULL;
  g_autofree char *data = NULL;
  gsize length = 0;

  if (plain == NULL || g_strcmp0 (plain->subtype, "plain") != 0 || g_strcmp0 (plain->section, body->section) == 0 ||
      (folder = tern_store_get_folder_by_id (cli->store, m->folder_id, NULL)) == NULL ||
      (account = tern_store_get_account_by_id (cli->store, folder->account_id, NULL)) == NULL)
    return NULL;
  sync = tern_sync_new (cli->store, account);
  if (cli->timeout > 0)
    tern_sync_set_timeout (sync, (guint) cli->timeout);
  path = tern_sync_dup_part_path (sync, m->id, plain->section);
  if (path == NULL && !cli->offline &&
      tern_sync_fetch_part (sync, m->id, plain->section, NULL, NULL, NULL, NULL, NULL))
    path = tern_sync_dup_part_path (sync, m->id, plain->section);
  if (path == NULL || !g_file_get_contents (path, &data, &length, NULL))
    return NULL;
  return tern_mime_decode_body ((const guint8 *) data, length, "7bit", plain->charset);
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
      g_autofree char *text = dup_plain_alternative (cli, m, body);

      if (text == NULL)
        text = tern_mime_html_to_text (body->text);
      g_string_append (out, text);
    }
  else
    g_string_append (out, body->text);
  if (out->len > 0 && out->str[out->len - 1] != '\n')
    g_string_append_c (out, '\n');
}

int
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
  if (!tern_cli_ensure_store (cli, &error) || (m = tern_store_get_message (cli->store, id, &error)) == NULL ||
      (folder = tern_store_get_folder_by_id (cli->store, m->folder_id, &error)) == NULL)
    return tern_cli_fail (g_steal_pointer (&error));

  if (cli->json)
    {
      g_string_append (out, "[");
      tern_cli_message_json (out, m);
      g_string_truncate (out, out->len - 1);
      tern_cli_json_key (out, "folder", FALSE);
      tern_cli_json_string (out, folder->display_name);
      tern_cli_json_key (out, "to", FALSE);
      tern_cli_json_string (out, m->to_list);
      tern_cli_json_key (out, "cc", FALSE);
      tern_cli_json_string (out, m->cc_list);
      tern_cli_json_key (out, "reply_to", FALSE);
      tern_cli_json_string (out, m->reply_to);
      tern_cli_json_key (out, "in_reply_to", FALSE);
      tern_cli_json_string (out, m->in_reply_to);
      tern_cli_json_key (out, "references", FALSE);
      tern_cli_json_string (out, m->references);
      tern_cli_json_key (out, "parts", FALSE);
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

        tern_cli_json_key (out, "body", FALSE);
        tern_cli_json_string (out, body ? body->text : NULL);
        tern_cli_json_key (out, "body_type", FALSE);
        tern_cli_json_string (out, body ? body->content_type : NULL);
      }
      g_string_append (out, "}]\n");
    }
  else
    {
      g_autofree char *date = tern_cli_format_date (m->date);
      g_autofree char *from = tern_cli_format_from (m);

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

int
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
  if (!tern_cli_ensure_store (cli, &error) || (account = tern_cli_account_of_message (cli, id, &error)) == NULL)
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

int
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
  if (!tern_cli_ensure_store (cli, &error))
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
          tern_cli_message_json (out, m);
          g_string_truncate (out, out->len - 1);
          tern_cli_json_key (out, "server_only", FALSE);
          g_string_append (out, remote ? "true" : "false");
          g_string_append_c (out, '}');
        }
      else
        {
          g_autofree char *date = tern_cli_format_local_date (m->date);
          g_autofree char *from = tern_cli_format_from (m);

          g_string_append_printf (out, "%" G_GINT64_FORMAT "\t%s\t%s\t%s%s\n", m->id, date, from,
                                  m->subject ? m->subject : "", remote ? "\t(server only)" : "");
        }
    }
  if (cli->json)
    g_string_append (out, "]\n");
  fputs (out->str, stdout);
  return 0;
}
