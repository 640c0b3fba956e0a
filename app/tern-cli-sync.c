/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "tern-cli"

#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <glib-unix.h>

#include "tern-cli-private.h"
#include "tern-imap-utils.h"
#include "tern-sieve-sync.h"
#include "tern-journal.h"
#include "tern-sync.h"

/* sync, status, watch */

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
  /* Preview lines from the server, where the account asks for them (a slow link). */
  if (account->server_previews && folder == NULL && !tern_sync_fetch_previews (sync, NULL, &error))
    {
      g_prefix_error (&error, "%s: ", account->name);
      return tern_cli_fail (g_steal_pointer (&error));
    }
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
  /* Rules changed offline go up with the rest. */
  if (folder == NULL)
    {
      g_autoptr(TernSieveSettings) sieve = tern_sieve_store_get (cli->store, account->id, NULL);

      if (sieve != NULL && sieve->dirty && !sieve->disabled &&
          !tern_sieve_push (cli->store, account, FALSE, cli->timeout, &error))
        {
          g_printerr ("tern-cli: %s: the rules were not uploaded: %s\n", account->name, error->message);
          g_clear_error (&error);
        }
    }
  return 0;
}

int
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
  if (!tern_cli_ensure_store (cli, &error))
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

int
cmd_status (Cli   *cli,
            int    argc,
            char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) accounts = NULL;
  g_autoptr(GString) out = g_string_new (NULL);

  if (argc > 2)
    return tern_cli_usage ("status takes at most one ACCOUNT");
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

          last = tern_cli_format_date (a->last_sync);
          if (i > 0)
            g_string_append_c (out, ',');
          g_string_append_c (out, '{');
          tern_cli_json_key (out, "account", TRUE);
          tern_cli_json_string (out, a->name);
          tern_cli_json_key (out, "reachable", FALSE);
          g_string_append (out, cli->offline ? "null" : reachable ? "true" : "false");
          tern_cli_json_key (out, "reason", FALSE);
          tern_cli_json_string (out, reason);
          tern_cli_json_key (out, "last_sync", FALSE);
          tern_cli_json_string (out, last);
          tern_cli_json_key (out, "last_error", FALSE);
          tern_cli_json_string (out, a->last_error);
          tern_cli_json_key (out, "unread", FALSE);
          g_string_append_printf (out, "%u", unread);
          tern_cli_json_key (out, "total", FALSE);
          g_string_append_printf (out, "%u", total);
          {
            guint64 bytes = 0;
            guint bodies = 0, parts = 0;

            tern_store_cache_usage (cli->store, a->id, &bytes, &bodies, &parts, NULL);
            tern_cli_json_key (out, "offline_bodies", FALSE);
            g_string_append_printf (out, "%u", bodies);
            tern_cli_json_key (out, "offline_attachments", FALSE);
            g_string_append_printf (out, "%u", parts);
            tern_cli_json_key (out, "cache_bytes", FALSE);
            g_string_append_printf (out, "%" G_GUINT64_FORMAT, bytes);
            tern_cli_json_key (out, "cache_limit", FALSE);
            g_string_append_printf (out, "%" G_GINT64_FORMAT, a->cache_limit);
          }
          tern_cli_json_key (out, "folders", FALSE);
          g_string_append_c (out, '[');
          tern_cli_print_folders (cli, a, folders, out, FALSE, &first);
          g_string_append (out, "]}");
        }
      else
        {
          last = tern_cli_format_local_date (a->last_sync);
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
  guint         poll_seconds;
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
  g_autoptr(GString) out = NULL;

  if (change->kind == TERN_SYNC_CHANGE_COMMITTED)
    return;
  out = g_string_new (NULL);
  if (w->cli->json)
    {
      g_string_append_c (out, '{');
      tern_cli_json_key (out, "event", TRUE);
      tern_cli_json_string (out, change_name (change->kind));
      tern_cli_json_key (out, "folder", FALSE);
      tern_cli_json_string (out, change->folder);
      if (change->old_folder)
        {
          tern_cli_json_key (out, "old_folder", FALSE);
          tern_cli_json_string (out, change->old_folder);
        }
      if (change->message_id)
        {
          tern_cli_json_key (out, "id", FALSE);
          g_string_append_printf (out, "%" G_GINT64_FORMAT, change->message_id);
        }
      if (change->uid)
        {
          tern_cli_json_key (out, "uid", FALSE);
          g_string_append_printf (out, "%u", change->uid);
        }
      if (change->flags)
        {
          tern_cli_json_key (out, "flags", FALSE);
          tern_cli_json_flags (out, change->flags);
        }
      if (change->subject)
        {
          tern_cli_json_key (out, "subject", FALSE);
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

  w->ok = tern_sync_watch (w->sync, w->poll_seconds, w->stop, &w->error);
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

int
cmd_watch (Cli   *cli,
           int    argc,
           char **argv)
{
  int poll = 60;
  g_autofree char *open_folder = NULL;
  GOptionEntry entries[] = {
    { "poll", 0, 0, G_OPTION_ARG_INT, &poll, "Check other folders every S seconds (default 60)", "S" },
    { "folder", 0, 0, G_OPTION_ARG_STRING, &open_folder, "Keep this folder live too (without NOTIFY)", "NAME" },
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
  if (!tern_cli_ensure_store (cli, &error) || (account = tern_store_get_account (cli->store, argv[1], &error)) == NULL)
    return tern_cli_fail (g_steal_pointer (&error));

  w.poll_seconds = (guint) poll;
  w.sync = tern_sync_new (cli->store, account);
  if (cli->timeout > 0)
    tern_sync_set_timeout (w.sync, (guint) cli->timeout);
  tern_sync_set_change_func (w.sync, change_cb, &w);
  if (open_folder != NULL)
    {
      g_autoptr(TernFolder) folder = tern_cli_folder_named (cli, account, open_folder, NULL);
      g_autofree char *encoded = _tern_utf7_encode (open_folder);

      /* A folder not synced yet goes by the name given. */
      tern_sync_set_open_folder (w.sync, folder != NULL ? folder->name : encoded);
    }

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
