/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "bench-sync"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/types.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tern-store.h"
#include "tern-sync.h"
#include "tern-test-server.h"

#include "bench-sync-private.h"

/*
 * bench-sync [--cli PATH] [--keep] N...
 *
 * For each N: a fresh test Dovecot seeded with N messages in alice's INBOX, then
 *
 *  1. the floor: a bare GIO TLS client (no libetpan, no parsing beyond skipping literals to
 *     find the tagged end) streams the engine's own header FETCH over 1:* to nowhere;
 *  2. a first sync with `tern-cli sync` into a fresh data dir, as a child process;
 *  3. an unchanged resync, with tern-cli and in-process for INBOX alone;
 *  4. a resync after another client flagged 1% and expunged 0.5% of the messages, with a
 *     check that the cache then agrees with the server;
 *
 * and a table of the figures with the targets next to them.
 *
 * The floor runs twice: the first FETCH on a freshly seeded Maildir makes Dovecot build its
 * index and cache (and is the session that sees \Recent), so the warm second run is the one
 * the engine, which also meets a warm server, is compared with.
 */

static const char *cli_path = TERN_CLI_PATH;
static gboolean keep = FALSE;

static void
cli_run_clear (CliRun *run)
{
  g_clear_pointer (&run->stderr_text, g_free);
}

static void
result_clear (Result *r)
{
  cli_run_clear (&r->first);
  cli_run_clear (&r->again);
  cli_run_clear (&r->changed);
  g_clear_pointer (&r->verify_text, g_free);
  g_clear_pointer (&r->error_text, g_free);
}

double
now_seconds (void)
{
  return g_get_monotonic_time () / (double) G_USEC_PER_SEC;
}

static void
progress (guint       n,
          const char *format,
          ...) G_GNUC_PRINTF (2, 3);

static void
progress (guint       n,
          const char *format,
          ...)
{
  g_autofree char *text = NULL;
  va_list args;

  va_start (args, format);
  text = g_strdup_vprintf (format, args);
  va_end (args);
  g_printerr ("[%u] %s\n", n, text);
}

/* tern-cli as a child process. */

static void
parse_stats (CliRun *run)
{
  const char *line = run->stderr_text ? strstr (run->stderr_text, "stats: ") : NULL;
  guint64 read = 0, written = 0;
  guint round_trips = 0, fetched = 0;

  if (line == NULL)
    return;
  if (sscanf (line, "stats: read=%" G_GUINT64_FORMAT " written=%" G_GUINT64_FORMAT
              " round_trips=%u fetched=%u", &read, &written, &round_trips, &fetched) == 4)
    {
      run->have_stats = TRUE;
      run->read = read;
      run->written = written;
      run->round_trips = round_trips;
      run->fetched = fetched;
    }
}

static gboolean
run_cli (const char  *data_dir,
         const char  *const *args,
         CliRun      *run,
         GError     **error)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autofree char *err_path = NULL;
  struct rusage usage;
  GPid pid;
  double start;
  int err_fd;
  int null_fd;
  int status = 0;
  gboolean ok;

  memset (run, 0, sizeof *run);
  g_ptr_array_add (argv, (gpointer) cli_path);
  g_ptr_array_add (argv, (gpointer) "--data-dir");
  g_ptr_array_add (argv, (gpointer) data_dir);
  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (gpointer) args[i]);
  g_ptr_array_add (argv, NULL);

  err_fd = g_file_open_tmp ("bench-sync-stderr-XXXXXX", &err_path, error);
  if (err_fd < 0)
    return FALSE;
  null_fd = open ("/dev/null", O_RDWR | O_CLOEXEC);

  start = now_seconds ();
  ok = g_spawn_async_with_fds (NULL, (char **) argv->pdata, NULL, G_SPAWN_DO_NOT_REAP_CHILD,
                               NULL, NULL, &pid, null_fd, null_fd, err_fd, error);
  close (null_fd);
  close (err_fd);
  if (!ok)
    {
      unlink (err_path);
      return FALSE;
    }
  while (wait4 (pid, &status, 0, &usage) < 0)
    if (errno != EINTR)
      {
        g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errno), "wait4: %s",
                     g_strerror (errno));
        unlink (err_path);
        return FALSE;
      }
  run->seconds = now_seconds () - start;
  run->cpu_seconds = usage.ru_utime.tv_sec + usage.ru_utime.tv_usec / 1e6 +
                     usage.ru_stime.tv_sec + usage.ru_stime.tv_usec / 1e6;
  run->maxrss_mb = usage.ru_maxrss / 1024.0;  /* kilobytes on Linux */
  run->status = WIFEXITED (status) ? WEXITSTATUS (status) : 128 + WTERMSIG (status);

  g_file_get_contents (err_path, &run->stderr_text, NULL, NULL);
  unlink (err_path);
  parse_stats (run);

  if (run->status != 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "tern-cli %s exited with %d: %s",
                   args[0], run->status, run->stderr_text ? g_strstrip (run->stderr_text) : "");
      return FALSE;
    }
  if (!run->have_stats && g_strcmp0 (args[0], "sync") == 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "tern-cli sync printed no stats line");
      return FALSE;
    }
  return TRUE;
}

static gboolean
add_account (TernTestServer  *server,
             const char      *data_dir,
             GError         **error)
{
  g_autofree char *port = g_strdup_printf ("%u", tern_test_server_get_imaps_port (server));
  const char *args[] = {
    "account", "add", ACCOUNT,
    "--email", USER "@example.com",
    "--host", tern_test_server_get_host (server),
    "--port", port,
    "--user", USER,
    "--password-command", "echo " PASSWORD,
    "--ca-file", tern_test_server_get_ca_file (server),
    NULL
  };
  CliRun run;
  gboolean ok = run_cli (data_dir, args, &run, error);

  cli_run_clear (&run);
  return ok;
}

/* In-process: the cost of one folder's resync, after the connection is up. */

static int
compare_double (gconstpointer a,
                gconstpointer b)
{
  double x = *(const double *) a;
  double y = *(const double *) b;

  return x < y ? -1 : x > y;
}

static gboolean
measure_folder_resync (const char  *data_dir,
                       FolderRun   *out,
                       GError     **error)
{
  g_autofree char *path = g_build_filename (data_dir, "tern.db", NULL);
  g_autoptr(TernStore) store = tern_store_open (path, error);
  g_autoptr(TernAccount) account = NULL;
  g_autoptr(TernSync) sync = NULL;
  double times[RESYNC_REPEATS];

  if (store == NULL || (account = tern_store_get_account (store, ACCOUNT, error)) == NULL)
    return FALSE;
  sync = tern_sync_new (store, account);
  tern_sync_set_password (sync, PASSWORD);
  if (!tern_sync_connect (sync, error))
    return FALSE;

  memset (out, 0, sizeof *out);
  for (guint i = 0; i < RESYNC_REPEATS; i++)
    {
      TernSyncStats before, after;
      double start;

      tern_sync_get_stats (sync, &before);
      start = now_seconds ();
      if (!tern_sync_folder (sync, "INBOX", error))
        return FALSE;
      times[i] = now_seconds () - start;
      tern_sync_get_stats (sync, &after);
      /* Every repeat is the same unchanged resync: report the first one's traffic. */
      if (i == 0)
        {
          out->read = after.bytes_read - before.bytes_read;
          out->written = after.bytes_written - before.bytes_written;
          out->round_trips = after.round_trips - before.round_trips;
        }
    }
  qsort (times, RESYNC_REPEATS, sizeof times[0], compare_double);
  out->seconds = times[RESYNC_REPEATS / 2];
  out->min_seconds = times[0];
  return TRUE;
}

/* Files. */

static void
rm_rf (const char *path)
{
  GDir *dir = g_dir_open (path, 0, NULL);

  if (dir != NULL)
    {
      const char *name;

      while ((name = g_dir_read_name (dir)) != NULL)
        {
          g_autofree char *child = g_build_filename (path, name, NULL);

          if (g_file_test (child, G_FILE_TEST_IS_DIR) && !g_file_test (child, G_FILE_TEST_IS_SYMLINK))
            rm_rf (child);
          else
            unlink (child);
        }
      g_dir_close (dir);
    }
  rmdir (path);
}

/* One N. */

static gboolean
bench_one (Result  *r,
           GError **error)
{
  g_autoptr(TernTestServer) server = NULL;
  g_autofree char *data_dir = NULL;
  g_autoptr(GArray) flagged = NULL;
  const char *sync_args[] = { "sync", NULL };
  double start;
  gboolean ok = FALSE;

  progress (r->n, "starting Dovecot");
  server = tern_test_server_new (TERN_TEST_SERVER_FULL, error);
  if (server == NULL)
    return FALSE;
  start = now_seconds ();
  if (!tern_test_server_seed (server, USER, "INBOX", r->n, error))
    return FALSE;
  r->seed_seconds = now_seconds () - start;
  progress (r->n, "seeded in %.1f s (%s)", r->seed_seconds, tern_test_server_get_dir (server));

  data_dir = g_dir_make_tmp ("tern-bench-XXXXXX", error);
  if (data_dir == NULL)
    return FALSE;

  progress (r->n, "floor, cold server");
  if (!measure_floor (server, &r->cold, error))
    goto out;
  progress (r->n, "floor, warm server");
  if (!measure_floor (server, &r->warm, error))
    goto out;

  if (!add_account (server, data_dir, error))
    goto out;
  progress (r->n, "first sync (tern-cli sync)");
  if (!run_cli (data_dir, sync_args, &r->first, error))
    goto out;
  progress (r->n, "unchanged resync (tern-cli sync)");
  if (!run_cli (data_dir, sync_args, &r->again, error))
    goto out;
  progress (r->n, "unchanged resync of INBOX (in-process)");
  if (!measure_folder_resync (data_dir, &r->folder, error))
    goto out;

  progress (r->n, "another client flags 1%% and expunges 0.5%%");
  flagged = change_mailbox (server, r, error);
  if (flagged == NULL)
    goto out;
  progress (r->n, "resync after the changes (tern-cli sync)");
  if (!run_cli (data_dir, sync_args, &r->changed, error))
    goto out;
  if (!verify_cache (server, data_dir, flagged, r, error))
    goto out;
  ok = TRUE;

out:
  if (keep)
    g_printerr ("[%u] kept the cache in %s\n", r->n, data_dir);
  else
    rm_rf (data_dir);
  return ok;
}

int
main (int    argc,
      char **argv)
{
  g_autofree char *cli = NULL;
  GOptionEntry entries[] = {
    { "cli", 0, 0, G_OPTION_ARG_FILENAME, &cli, "The tern-cli to run (default: the one built beside)", "PATH" },
    { "keep", 0, 0, G_OPTION_ARG_NONE, &keep, "Keep the cache data dirs", NULL },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new ("[N...] - sync benchmark (default 10000 100000)");
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) results = g_ptr_array_new ();
  g_autoptr(GArray) ns = g_array_new (FALSE, FALSE, sizeof (guint));
  int status = 0;

  setlocale (LC_ALL, "");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("bench-sync: %s\n", error->message);
      return 2;
    }
  if (cli != NULL)
    cli_path = cli;
  if (!g_file_test (cli_path, G_FILE_TEST_IS_EXECUTABLE))
    {
      g_printerr ("bench-sync: no tern-cli at %s (build it, or pass --cli)\n", cli_path);
      return 2;
    }
  for (int i = 1; i < argc; i++)
    {
      char *end = NULL;
      guint64 n = g_ascii_strtoull (argv[i], &end, 10);
      guint v;

      if (end == argv[i] || *end != '\0' || n < 200 || n > 10000000)
        {
          g_printerr ("bench-sync: N must be a number from 200 to 10000000, not “%s”\n", argv[i]);
          return 2;
        }
      v = (guint) n;
      g_array_append_val (ns, v);
    }
  if (ns->len == 0)
    {
      guint defaults[] = { 10000, 100000 };

      g_array_append_vals (ns, defaults, G_N_ELEMENTS (defaults));
    }

  /* tern-cli prints its traffic counters when this is set. */
  g_setenv ("TERN_CLI_STATS", "1", TRUE);
  tern_sync_global_init ();

  for (guint i = 0; i < ns->len; i++)
    {
      Result *r = g_new0 (Result, 1);
      GError *local_error = NULL;

      r->n = g_array_index (ns, guint, i);
      if (!bench_one (r, &local_error))
        {
          r->failed = TRUE;
          r->error_text = g_strdup_printf ("ERROR: %s", local_error->message);
          g_printerr ("[%u] %s\n", r->n, r->error_text);
          g_error_free (local_error);
          status = 1;
        }
      g_ptr_array_add (results, r);
    }

  print_table (results);
  for (guint i = 0; i < results->len; i++)
    {
      Result *r = results->pdata[i];

      if (!r->failed && !r->verified)
        status = 1;
      result_clear (r);
      g_free (r);
    }
  return status;
}
