/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "tern-cli"

#include "config.h"

#include <stdio.h>
#include <string.h>

#include "tern-cli-common.h"
#include "tern-cli-outbox.h"
#include "tern-identity.h"
#include "tern-journal.h"
#include "tern-outbox-sync.h"
#include "tern-outbox.h"
#include "tern-store.h"
#include "tern-sync.h"

/*
 * tern-cli send ACCOUNT FILE.eml [--forward-of MESSAGE-ID]… [--draft ID]
 * tern-cli outbox [ACCOUNT] [--all] | outbox retry ID [FILE.eml] | outbox discard ID |
 *          outbox sent ID | outbox flush [ACCOUNT]
 * tern-cli draft save ACCOUNT FILE.eml [--replace ID] | draft list ACCOUNT
 * tern-cli smtp ACCOUNT [--host H] [--port P] [--security tls|starttls] [--user U]
 *          [--pin SHA256] [--server-saves-sent yes|no]
 * tern-cli identity list ACCOUNT | identity add ACCOUNT ADDRESS [--name N] [--reply-to R]
 *          [--signature-file F] | identity remove ACCOUNT ADDRESS
 *
 * "send" queues the message (durable at once), then sends what is queued unless --offline;
 * a server that cannot be reached is not an error: the message waits in the outbox.
 */


typedef struct
{
  const char *data_dir;
  gboolean    json;
  gboolean    offline;
  int         timeout;
  TernStore  *store;
} Ctx;

static gboolean
open_store (Ctx     *ctx,
            GError **error)
{
  ctx->store = tern_cli_open_store (ctx->data_dir, error);
  return ctx->store != NULL;
}


/* Sending. */

/* Queues the journal's follow-ups (Sent copy, flags) on the server; not reaching it is fine. */
static void
replay (Ctx               *ctx,
        const TernAccount *account)
{
  g_autoptr(TernSync) sync = tern_sync_new (ctx->store, account);
  g_autoptr(GError) error = NULL;

  if (ctx->timeout > 0)
    tern_sync_set_timeout (sync, (guint) ctx->timeout);
  if (!tern_sync_replay (sync, &error))
    g_printerr ("tern-cli: %s: the Sent copy is not filed yet (%s); it stays queued\n",
                account->name, error->message);
}

/* Sends the account's queued messages now. FALSE if the outbox could not be worked on. */
static gboolean
flush_account (Ctx               *ctx,
               const TernAccount *account,
               TernOutboxRun     *run,
               GError           **error)
{
  g_autoptr(TernOutboxSender) sender = tern_outbox_sender_new (ctx->store, account);

  if (ctx->timeout > 0)
    tern_outbox_sender_set_timeout (sender, (guint) ctx->timeout);
  if (g_getenv ("TERN_SMTP_AUTH") != NULL)
    tern_outbox_sender_set_auth_mechanisms (sender, g_getenv ("TERN_SMTP_AUTH"));
  if (!tern_outbox_sender_run (sender, TRUE, run, error))
    return FALSE;
  if (run->busy)
    g_printerr ("tern-cli: %s: another Tern is sending this outbox now\n", account->name);
  if (run->no_server)
    g_printerr ("tern-cli: %s: no outgoing server is set up; “tern-cli smtp %s --host HOST” sets "
                "one, then “tern-cli outbox flush %s” sends what waits\n",
                account->name, account->name, account->name);
  if (run->sent > 0 || run->followed_up > 0)
    replay (ctx, account);

  {
    g_autofree char *sha = tern_outbox_sender_dup_refused_sha256 (sender);

    if (sha != NULL)
      g_printerr ("tern-cli: %s: the submission server's certificate has SHA-256 %s; to trust it: "
                  "tern-cli smtp %s --pin %s\n", account->name, sha, account->name, sha);
  }
  return TRUE;
}

/* After an attempt: how one message stands. Returns the exit status. */
static int
report (Ctx               *ctx,
        const TernAccount *account,
        gint64             id)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TernOutboxItem) item = tern_outbox_get (ctx->store, id, &error);

  if (item == NULL)
    return tern_cli_fail (g_steal_pointer (&error));
  if (g_str_equal (item->state, TERN_OUTBOX_SENT))
    return 0;
  if (g_str_equal (item->state, TERN_OUTBOX_QUEUED))
    {
      if (!ctx->offline)
        g_printerr ("tern-cli: %s: message %" G_GINT64_FORMAT " not sent yet (%s); it stays in the outbox\n",
                    account->name, id, item->error ? item->error : "waiting");
      return 0;
    }
  if (g_str_equal (item->state, TERN_OUTBOX_UNKNOWN))
    {
      g_printerr ("tern-cli: %s: message %" G_GINT64_FORMAT " may or may not have been sent: %s\n"
                  "tern-cli: “tern-cli outbox retry %" G_GINT64_FORMAT "” sends it again, "
                  "“tern-cli outbox sent %" G_GINT64_FORMAT "” files it as sent\n",
                  account->name, id, item->error, id, id);
      return 1;
    }
  g_printerr ("tern-cli: %s: message %" G_GINT64_FORMAT " was not sent: %s\n",
              account->name, id, item->error ? item->error : item->state);
  return 1;
}

static int
cmd_send (Ctx   *ctx,
          int    argc,
          char **argv)
{
  g_auto(GStrv) forward_of = NULL;
  gint64 draft = 0;
  GOptionEntry entries[] = {
    { "forward-of", 0, 0, G_OPTION_ARG_STRING_ARRAY, &forward_of, "Mark this message (Message-ID) $Forwarded once sent", "MESSAGE-ID" },
    { "draft", 0, 0, G_OPTION_ARG_INT64, &draft, "Delete this draft (local ID) once sent", "ID" },
    { NULL }
  };
  g_autoptr(GError) error = NULL;
  g_autoptr(TernAccount) account = NULL;
  g_autofree char *forwards = NULL;
  TernOutboxOptions options = { 0 };
  TernOutboxRun run = { 0 };
  gint64 id;

  if (!tern_cli_parse_options (entries, &argc, &argv, "ACCOUNT FILE.eml", &error))
    return tern_cli_usage (error->message);
  if (argc != 3)
    return tern_cli_usage ("send takes ACCOUNT and FILE.eml");
  if (!open_store (ctx, &error) || (account = tern_store_get_account (ctx->store, argv[1], &error)) == NULL)
    return tern_cli_fail (g_steal_pointer (&error));

  if (forward_of != NULL)
    {
      GString *ids = g_string_new (NULL);

      for (guint i = 0; forward_of[i] != NULL; i++)
        g_string_append_printf (ids, "%s%s%s%s", ids->len ? " " : "", forward_of[i][0] == '<' ? "" : "<",
                                forward_of[i], forward_of[i][0] == '<' ? "" : ">");
      forwards = g_string_free (ids, FALSE);
    }
  options.forwards = forwards;
  options.draft = draft;
  id = tern_outbox_enqueue_file (ctx->store, account, argv[2], &options, &error);
  if (id == 0)
    {
      g_prefix_error (&error, "%s: ", argv[2]);
      return tern_cli_fail (g_steal_pointer (&error));
    }
  if (ctx->json)
    g_print ("{\"id\":%" G_GINT64_FORMAT "}\n", id);
  else
    g_print ("%" G_GINT64_FORMAT "\n", id);
  fflush (stdout);

  if (ctx->offline)
    return 0;
  if (!flush_account (ctx, account, &run, &error))
    return tern_cli_fail (g_steal_pointer (&error));
  return report (ctx, account, id);
}

static void
print_items (Ctx       *ctx,
             GPtrArray *items)
{
  g_autoptr(GString) out = g_string_new (NULL);

  if (ctx->json)
    g_string_append_c (out, '[');
  for (guint i = 0; i < items->len; i++)
    {
      TernOutboxItem *item = items->pdata[i];
      g_autoptr(TernAccount) account = tern_store_get_account_by_id (ctx->store, item->account_id, NULL);
      g_autofree char *rcpts = g_strjoinv (", ", item->recipients);

      if (ctx->json)
        {
          if (i > 0)
            g_string_append_c (out, ',');
          g_string_append_printf (out, "{\"id\":%" G_GINT64_FORMAT ",\"account\":", item->id);
          tern_cli_json_string (out, account ? account->name : NULL);
          g_string_append (out, ",\"state\":");
          tern_cli_json_string (out, item->state);
          g_string_append (out, ",\"message_id\":");
          tern_cli_json_string (out, item->message_id);
          g_string_append (out, ",\"subject\":");
          tern_cli_json_string (out, item->subject);
          g_string_append (out, ",\"from\":");
          tern_cli_json_string (out, item->mail_from);
          g_string_append (out, ",\"recipients\":[");
          for (guint j = 0; item->recipients[j] != NULL; j++)
            {
              if (j > 0)
                g_string_append_c (out, ',');
              tern_cli_json_string (out, item->recipients[j]);
            }
          g_string_append_printf (out, "],\"size\":%" G_GUINT64_FORMAT ",\"attempts\":%u,\"created\":%" G_GINT64_FORMAT
                                  ",\"sent\":%" G_GINT64_FORMAT ",\"error_class\":",
                                  item->size, item->attempts, item->created, item->sent);
          tern_cli_json_string (out, item->error_class);
          g_string_append (out, ",\"error\":");
          tern_cli_json_string (out, item->error);
          g_string_append_c (out, '}');
        }
      else
        {
          g_autoptr(GDateTime) created = g_date_time_new_from_unix_local (item->created);
          g_autofree char *when = g_date_time_format (created, "%Y-%m-%d %H:%M");

          g_string_append_printf (out, "%" G_GINT64_FORMAT "\t%s\t%s\t%s\t%s\tto %s", item->id, item->state,
                                  account ? account->name : "?", when, item->subject ? item->subject : "",
                                  rcpts);
          if (item->error != NULL)
            g_string_append_printf (out, "\t%s", item->error);
          g_string_append_c (out, '\n');
        }
    }
  if (ctx->json)
    g_string_append (out, "]\n");
  fputs (out->str, stdout);
}

static int
flush_accounts (Ctx        *ctx,
                const char *only)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) accounts = NULL;
  int status = 0;

  if (only != NULL)
    {
      TernAccount *account = tern_store_get_account (ctx->store, only, &error);

      if (account == NULL)
        return tern_cli_fail (g_steal_pointer (&error));
      accounts = g_ptr_array_new_with_free_func ((GDestroyNotify) tern_account_free);
      g_ptr_array_add (accounts, account);
    }
  else if ((accounts = tern_store_list_accounts (ctx->store, &error)) == NULL)
    return tern_cli_fail (g_steal_pointer (&error));

  for (guint i = 0; i < accounts->len; i++)
    {
      TernAccount *account = accounts->pdata[i];
      TernOutboxRun run = { 0 };

      if (!flush_account (ctx, account, &run, &error))
        {
          g_prefix_error (&error, "%s: ", account->name);
          status = tern_cli_fail (g_steal_pointer (&error));
          continue;
        }
      /* What the outbox holds now, not only what this run did: a message refused or of
       * unknown outcome earlier still waits for the user. */
      {
        guint waiting = tern_outbox_count (ctx->store, account->id, TERN_OUTBOX_QUEUED);
        guint failed = tern_outbox_count (ctx->store, account->id, TERN_OUTBOX_FAILED);
        guint unknown = tern_outbox_count (ctx->store, account->id, TERN_OUTBOX_UNKNOWN);

        if (!ctx->json && run.settled > 0)
          /* Unknown outcomes a copy in Sent showed to have gone out. */
          g_print ("%s: %u sent, %u found sent, %u waiting, %u failed, %u unknown\n", account->name,
                   run.sent, run.settled, waiting, failed, unknown);
        else if (!ctx->json)
          g_print ("%s: %u sent, %u waiting, %u failed, %u unknown\n", account->name, run.sent,
                   waiting, failed, unknown);
        if (failed > 0 || unknown > 0)
          status = 1;
      }
    }
  return status;
}

static int
cmd_outbox (Ctx   *ctx,
            int    argc,
            char **argv)
{
  gboolean all = FALSE;
  GOptionEntry entries[] = {
    { "all", 0, 0, G_OPTION_ARG_NONE, &all, "Also messages sent in the last days", NULL },
    { NULL }
  };
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) items = NULL;
  gint64 account_id = 0;

  if (!tern_cli_parse_options (entries, &argc, &argv, "[ACCOUNT] | retry ID [FILE.eml] | discard ID | sent ID | flush [ACCOUNT]", &error))
    return tern_cli_usage (error->message);
  if (!open_store (ctx, &error))
    return tern_cli_fail (g_steal_pointer (&error));

  if (argc >= 2 && strcmp (argv[1], "flush") == 0)
    {
      if (argc > 3)
        return tern_cli_usage ("outbox flush takes at most one ACCOUNT");
      if (ctx->offline)
        return tern_cli_usage ("outbox flush cannot work --offline");
      return flush_accounts (ctx, argc == 3 ? argv[2] : NULL);
    }

  if (argc >= 3 && (strcmp (argv[1], "retry") == 0 || strcmp (argv[1], "discard") == 0 ||
                    strcmp (argv[1], "sent") == 0))
    {
      g_autoptr(TernOutboxItem) item = NULL;
      g_autoptr(TernAccount) account = NULL;
      gint64 id;
      gboolean ok;

      if (!tern_cli_parse_id (argv[2], &id))
        return tern_cli_usage ("an outbox ID is a positive number (see “tern-cli outbox”)");
      if (argc > 4 || (argc == 4 && strcmp (argv[1], "retry") != 0))
        return tern_cli_usage ("outbox retry ID [FILE.eml] | outbox discard ID | outbox sent ID");
      if ((item = tern_outbox_get (ctx->store, id, &error)) == NULL ||
          (account = tern_store_get_account_by_id (ctx->store, item->account_id, &error)) == NULL)
        return tern_cli_fail (g_steal_pointer (&error));

      if (strcmp (argv[1], "discard") == 0)
        return tern_outbox_discard (ctx->store, id, &error) ? 0 : tern_cli_fail (g_steal_pointer (&error));
      if (strcmp (argv[1], "sent") == 0)
        ok = tern_outbox_mark_sent (ctx->store, id, &error);
      else if (argc == 4)
        ok = tern_outbox_requeue_file (ctx->store, id, argv[3], &error);
      else
        ok = tern_outbox_retry (ctx->store, id, &error);
      if (!ok)
        return tern_cli_fail (g_steal_pointer (&error));
      if (ctx->offline)
        return 0;
      {
        TernOutboxRun run = { 0 };

        if (!flush_account (ctx, account, &run, &error))
          return tern_cli_fail (g_steal_pointer (&error));
      }
      return report (ctx, account, id);
    }

  if (argc > 2)
    return tern_cli_usage ("outbox [ACCOUNT] | outbox retry ID [FILE.eml] | outbox discard ID | outbox sent ID | outbox flush [ACCOUNT]");
  if (argc == 2)
    {
      g_autoptr(TernAccount) account = tern_store_get_account (ctx->store, argv[1], &error);

      if (account == NULL)
        return tern_cli_fail (g_steal_pointer (&error));
      account_id = account->id;
    }
  /* A sender that died mid-way left messages "sending": show what they really are. */
  {
    g_autoptr(GPtrArray) accounts = tern_store_list_accounts (ctx->store, &error);

    if (accounts == NULL)
      return tern_cli_fail (g_steal_pointer (&error));
    for (guint i = 0; i < accounts->len; i++)
      {
        TernAccount *account = accounts->pdata[i];
        g_autoptr(TernOutboxSender) sender = NULL;

        if (account_id != 0 && account->id != account_id)
          continue;
        sender = tern_outbox_sender_new (ctx->store, account);
        if (!tern_outbox_sender_recover (sender, NULL, &error))
          return tern_cli_fail (g_steal_pointer (&error));
      }
  }
  items = tern_outbox_list (ctx->store, account_id, all, &error);
  if (items == NULL)
    return tern_cli_fail (g_steal_pointer (&error));
  print_items (ctx, items);
  return 0;
}

/* Drafts. */

static int
cmd_draft (Ctx   *ctx,
           int    argc,
           char **argv)
{
  gint64 replace = 0;
  GOptionEntry entries[] = {
    { "replace", 0, 0, G_OPTION_ARG_INT64, &replace, "The version this one replaces (local ID)", "ID" },
    { NULL }
  };
  g_autoptr(GError) error = NULL;
  g_autoptr(TernAccount) account = NULL;

  if (!tern_cli_parse_options (entries, &argc, &argv, "save ACCOUNT FILE.eml | list ACCOUNT", &error))
    return tern_cli_usage (error->message);
  if (argc < 3)
    return tern_cli_usage ("draft save ACCOUNT FILE.eml [--replace ID] | draft list ACCOUNT");
  if (!open_store (ctx, &error) || (account = tern_store_get_account (ctx->store, argv[2], &error)) == NULL)
    return tern_cli_fail (g_steal_pointer (&error));

  if (strcmp (argv[1], "save") == 0 && argc == 4)
    {
      g_autoptr(GMappedFile) file = g_mapped_file_new (argv[3], FALSE, &error);
      g_autoptr(GBytes) raw = NULL;
      guint others = 0;
      gint64 id;

      if (file == NULL)
        return tern_cli_fail (g_steal_pointer (&error));
      raw = g_mapped_file_get_bytes (file);
      id = tern_draft_save (ctx->store, account, raw, replace, &others, &error);
      if (id == 0)
        return tern_cli_fail (g_steal_pointer (&error));
      g_print ("%" G_GINT64_FORMAT "\n", id);
      if (others > 0)
        g_printerr ("tern-cli: %s: %u other version(s) of this draft, saved elsewhere, are kept as copies\n",
                    account->name, others);
      if (!ctx->offline)
        replay (ctx, account);
      return 0;
    }

  if (strcmp (argv[1], "list") == 0 && argc == 3)
    {
      gint64 drafts = tern_outbox_special_folder (ctx->store, account->id, "\\Drafts");
      g_autoptr(GPtrArray) messages = NULL;
      g_autoptr(GHashTable) done = g_hash_table_new (g_str_hash, g_str_equal);
      g_autoptr(GString) out = g_string_new (ctx->json ? "[" : "");
      gboolean first = TRUE;

      if (drafts == 0)
        return 0;
      if ((messages = tern_store_list_messages (ctx->store, drafts, 0, &error)) == NULL)
        return tern_cli_fail (g_steal_pointer (&error));
      for (guint i = 0; i < messages->len; i++)
        {
          TernMessage *m = messages->pdata[i];
          g_autoptr(GArray) copies = NULL;
          gint64 current;

          if (m->message_id == NULL || g_hash_table_contains (done, m->message_id))
            continue;
          g_hash_table_add (done, m->message_id);
          current = tern_draft_find_current (ctx->store, account, m->message_id, &copies, &error);
          if (current == 0)
            continue;
          if (ctx->json)
            {
              g_string_append_printf (out, "%s{\"id\":%" G_GINT64_FORMAT ",\"message_id\":", first ? "" : ",", current);
              tern_cli_json_string (out, m->message_id);
              g_string_append (out, ",\"copies\":[");
              for (guint j = 0; j < copies->len; j++)
                g_string_append_printf (out, "%s%" G_GINT64_FORMAT, j ? "," : "", g_array_index (copies, gint64, j));
              g_string_append (out, "]}");
            }
          else
            {
              g_autoptr(TernMessage) c = tern_store_get_message (ctx->store, current, NULL);

              g_string_append_printf (out, "%" G_GINT64_FORMAT "\t%s\t%s", current, m->message_id,
                                      c && c->subject ? c->subject : "");
              for (guint j = 0; j < copies->len; j++)
                g_string_append_printf (out, "%s%" G_GINT64_FORMAT, j ? "," : "\tolder copies: ",
                                        g_array_index (copies, gint64, j));
              g_string_append_c (out, '\n');
            }
          first = FALSE;
        }
      if (ctx->json)
        g_string_append (out, "]\n");
      fputs (out->str, stdout);
      return 0;
    }
  return tern_cli_usage ("draft save ACCOUNT FILE.eml [--replace ID] | draft list ACCOUNT");
}

/* Submission settings. */

static int
cmd_smtp (Ctx   *ctx,
          int    argc,
          char **argv)
{
  g_autofree char *host = NULL, *security = NULL, *user = NULL, *pin = NULL, *saves = NULL;
  int port = -1;
  GOptionEntry entries[] = {
    { "host", 0, 0, G_OPTION_ARG_STRING, &host, "Submission server (default: the IMAP host)", "H" },
    { "port", 0, 0, G_OPTION_ARG_INT, &port, "Port (465 for tls, 587 for starttls)", "P" },
    { "security", 0, 0, G_OPTION_ARG_STRING, &security, "tls (default) or starttls", "S" },
    { "user", 0, 0, G_OPTION_ARG_STRING, &user, "Login name (default: the IMAP one)", "U" },
    { "pin", 0, 0, G_OPTION_ARG_STRING, &pin, "Trust the server certificate with this SHA-256 fingerprint", "SHA256" },
    { "server-saves-sent", 0, 0, G_OPTION_ARG_STRING, &saves, "yes: the server files sent mail in Sent itself", "yes|no" },
    { NULL }
  };
  g_autoptr(GError) error = NULL;
  g_autoptr(TernAccount) account = NULL;
  g_autoptr(TernSmtpSettings) settings = NULL;

  if (!tern_cli_parse_options (entries, &argc, &argv, "ACCOUNT", &error))
    return tern_cli_usage (error->message);
  if (argc != 2)
    return tern_cli_usage ("smtp takes one ACCOUNT");
  if (security != NULL && strcmp (security, "tls") != 0 && strcmp (security, "starttls") != 0)
    return tern_cli_usage ("--security is tls or starttls");
  if (port != -1 && (port < 1 || port > 65535))
    return tern_cli_usage ("--port is 1 to 65535");
  if (saves != NULL && strcmp (saves, "yes") != 0 && strcmp (saves, "no") != 0)
    return tern_cli_usage ("--server-saves-sent is yes or no");
  if (!open_store (ctx, &error) || (account = tern_store_get_account (ctx->store, argv[1], &error)) == NULL)
    return tern_cli_fail (g_steal_pointer (&error));

  if (host || security || user || pin || saves || port != -1)
    {
      TernSmtpSettings stored = { 0 };
      g_autoptr(TernSmtpSettings) current = tern_outbox_get_smtp (ctx->store, account->id, &error);
      g_autofree char *pin_lower = pin ? g_ascii_strdown (pin, -1) : NULL;

      if (current == NULL)
        return tern_cli_fail (g_steal_pointer (&error));
      stored.account_id = account->id;
      stored.host = host ? host : current->host;
      stored.security = security ? security : current->security;
      stored.port = port != -1 ? (guint) port : security ? 0 : current->port;
      stored.user = user ? user : current->user;
      stored.pinned_sha256 = pin ? pin_lower : current->pinned_sha256;
      stored.server_saves_sent = saves ? strcmp (saves, "yes") == 0 : current->server_saves_sent;
      if (!tern_outbox_set_smtp (ctx->store, &stored, &error))
        return tern_cli_fail (g_steal_pointer (&error));
    }

  settings = tern_outbox_get_smtp (ctx->store, account->id, &error);
  if (settings == NULL)
    return tern_cli_fail (g_steal_pointer (&error));
  if (ctx->json)
    {
      g_autoptr(GString) out = g_string_new ("{\"host\":");

      tern_cli_json_string (out, settings->host);
      g_string_append_printf (out, ",\"port\":%u,\"security\":", settings->port);
      tern_cli_json_string (out, settings->security);
      g_string_append (out, ",\"user\":");
      tern_cli_json_string (out, settings->user);
      g_string_append (out, ",\"pinned_sha256\":");
      tern_cli_json_string (out, settings->pinned_sha256);
      g_string_append_printf (out, ",\"server_saves_sent\":%s,\"configured\":%s}\n",
                              settings->server_saves_sent ? "true" : "false",
                              settings->configured ? "true" : "false");
      fputs (out->str, stdout);
    }
  else if (!settings->configured)
    g_print ("%s: no outgoing server set up (nothing is sent until one is)\n", account->name);
  else
    g_print ("%s: %s@%s:%u, %s%s%s%s\n", account->name, settings->user, settings->host, settings->port,
             settings->security, settings->pinned_sha256 ? ", pinned " : "",
             settings->pinned_sha256 ? settings->pinned_sha256 : "",
             settings->server_saves_sent ? ", the server files sent mail" : "");
  return 0;
}

/* Identities. */

static int
cmd_identity (Ctx   *ctx,
              int    argc,
              char **argv)
{
  g_autofree char *name = NULL, *reply_to = NULL, *signature_file = NULL;
  GOptionEntry entries[] = {
    { "name", 0, 0, G_OPTION_ARG_STRING, &name, "The name shown with the address", "N" },
    { "reply-to", 0, 0, G_OPTION_ARG_STRING, &reply_to, "Where replies go", "R" },
    { "signature-file", 0, 0, G_OPTION_ARG_FILENAME, &signature_file, "A plain-text signature", "F" },
    { NULL }
  };
  g_autoptr(GError) error = NULL;
  g_autoptr(TernAccount) account = NULL;
  g_autoptr(GPtrArray) list = NULL;
  const char *verb;

  if (!tern_cli_parse_options (entries, &argc, &argv, "list|add|remove ACCOUNT [ADDRESS]", &error))
    return tern_cli_usage (error->message);
  verb = argc > 1 ? argv[1] : "";
  if (strcmp (verb, "list") == 0 ? argc != 3
      : (strcmp (verb, "add") == 0 || strcmp (verb, "remove") == 0) ? argc != 4 : TRUE)
    return tern_cli_usage ("identity list ACCOUNT | identity add ACCOUNT ADDRESS | identity remove ACCOUNT ADDRESS");
  if ((name || reply_to || signature_file) && strcmp (verb, "add") != 0)
    return tern_cli_usage ("--name, --reply-to and --signature-file go with identity add");
  if (!open_store (ctx, &error) || (account = tern_store_get_account (ctx->store, argv[2], &error)) == NULL)
    return tern_cli_fail (g_steal_pointer (&error));

  if (strcmp (verb, "add") == 0)
    {
      TernIdentity identity = { 0 };
      g_autofree char *signature = NULL;

      if (strchr (argv[3], '@') == NULL)
        return tern_cli_usage ("ADDRESS is an email address");
      if (signature_file != NULL)
        {
          if (!g_file_get_contents (signature_file, &signature, NULL, &error))
            return tern_cli_fail (g_steal_pointer (&error));
          /* A file ends with a line break; the signature does not. */
          g_strchomp (signature);
          if (!g_utf8_validate (signature, -1, NULL))
            return tern_cli_usage ("the signature file is not UTF-8");
        }
      identity.account_id = account->id;
      identity.address = argv[3];
      identity.name = name;
      identity.reply_to = reply_to;
      identity.signature = signature;
      if (!tern_identity_add (ctx->store, &identity, NULL, &error))
        return tern_cli_fail (g_steal_pointer (&error));
    }
  else if (strcmp (verb, "remove") == 0)
    {
      g_autoptr(TernIdentity) identity = tern_identity_find (ctx->store, account->id, argv[3], &error);

      if (identity == NULL && error == NULL)
        g_set_error (&error, TERN_STORE_ERROR, TERN_STORE_ERROR_NOT_FOUND,
                     "%s has no identity %s", account->name, argv[3]);
      else if (identity != NULL && identity->id == 0)
        g_set_error (&error, TERN_STORE_ERROR, TERN_STORE_ERROR_NOT_FOUND,
                     "%s is the account's own address", argv[3]);
      if (error != NULL || !tern_identity_remove (ctx->store, identity->id, &error))
        return tern_cli_fail (g_steal_pointer (&error));
    }

  list = tern_identity_list (ctx->store, account->id, &error);
  if (list == NULL)
    return tern_cli_fail (g_steal_pointer (&error));
  if (ctx->json)
    {
      g_autoptr(GString) out = g_string_new ("[");

      for (guint i = 0; i < list->len; i++)
        {
          const TernIdentity *identity = list->pdata[i];

          g_string_append (out, i > 0 ? ",{\"address\":" : "{\"address\":");
          tern_cli_json_string (out, identity->address);
          g_string_append (out, ",\"name\":");
          tern_cli_json_string (out, identity->name);
          g_string_append (out, ",\"reply_to\":");
          tern_cli_json_string (out, identity->reply_to);
          g_string_append (out, ",\"signature\":");
          tern_cli_json_string (out, identity->signature);
          g_string_append_printf (out, ",\"default\":%s}", identity->is_default ? "true" : "false");
        }
      g_string_append (out, "]\n");
      fputs (out->str, stdout);
    }
  else
    for (guint i = 0; i < list->len; i++)
      {
        const TernIdentity *identity = list->pdata[i];

        g_print ("%s%s%s%s%s%s%s%s\n", identity->name ? identity->name : "", identity->name ? " <" : "",
                 identity->address, identity->name ? ">" : "",
                 identity->reply_to ? ", reply to " : "", identity->reply_to ? identity->reply_to : "",
                 identity->signature ? ", signature" : "", identity->is_default ? " (default)" : "");
      }
  return 0;
}

gboolean
tern_cli_outbox_handles (const char *command)
{
  return g_strcmp0 (command, "send") == 0 || g_strcmp0 (command, "outbox") == 0 ||
         g_strcmp0 (command, "draft") == 0 || g_strcmp0 (command, "smtp") == 0 ||
         g_strcmp0 (command, "identity") == 0;
}

int
tern_cli_outbox_run (const char  *command,
                     const char  *data_dir,
                     gboolean     json,
                     gboolean     offline,
                     int          timeout,
                     int          argc,
                     char       **argv)
{
  Ctx ctx = { data_dir, json, offline, timeout, NULL };
  int status;

  if (strcmp (command, "send") == 0)
    status = cmd_send (&ctx, argc, argv);
  else if (strcmp (command, "outbox") == 0)
    status = cmd_outbox (&ctx, argc, argv);
  else if (strcmp (command, "draft") == 0)
    status = cmd_draft (&ctx, argc, argv);
  else if (strcmp (command, "identity") == 0)
    status = cmd_identity (&ctx, argc, argv);
  else
    status = cmd_smtp (&ctx, argc, argv);
  g_clear_pointer (&ctx.store, tern_store_free);
  return status;
}
