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

#define USER           "alice"
#define PASSWORD       "secret"
#define ACCOUNT        "bench"
#define READ_SIZE      (256 * 1024)
#define RESYNC_REPEATS 5
#define FLAG_COMMANDS  4
#define SAMPLE_EXTRA   500

/* The item list of header_fetch_attrs() in sync/engine/tern-sync-fetch.c (with CONDSTORE). */
#define FETCH_ITEMS "(UID FLAGS INTERNALDATE RFC822.SIZE ENVELOPE BODYSTRUCTURE " \
                    "BODY.PEEK[HEADER.FIELDS (References)] MODSEQ)"

/* Targets. */
#define TARGET_TIME_RATIO   3.0
#define TARGET_RSS_MB       64.0
#define TARGET_RESYNC_BYTES 2048
#define TARGET_RESYNC_MS    100.0
#define TARGET_BYTES_SLACK  1.10

typedef struct
{
  double   seconds;
  guint64  bytes;          /* the FETCH response: command sent to tagged OK */
  guint    responses;      /* untagged FETCH responses */
} Floor;

typedef struct
{
  double   seconds;
  double   cpu_seconds;
  double   maxrss_mb;
  int      status;
  gboolean have_stats;
  guint64  read;
  guint64  written;
  guint    round_trips;
  guint    fetched;
  char    *stderr_text;
} CliRun;

typedef struct
{
  double   seconds;        /* median */
  double   min_seconds;
  guint64  read;
  guint64  written;
  guint    round_trips;
} FolderRun;

typedef struct
{
  guint    n;
  double   seed_seconds;
  Floor    cold;
  Floor    warm;
  CliRun   first;
  CliRun   again;
  FolderRun folder;
  guint    flagged;
  guint    expunged;
  guint    change_commands;
  CliRun   changed;
  gboolean verified;
  char    *verify_text;
  gboolean failed;
  char    *error_text;
} Result;

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

static double
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

/* The bare client. */

typedef struct
{
  GIOStream     *tls;
  GInputStream  *input;    /* borrowed */
  GOutputStream *output;   /* borrowed */
  guint8        *buffer;
  gsize          length;
  gsize          position;
  guint64        received;
  GString       *scratch;
  guint          tag;
} Bare;

static void
bare_free (Bare *self)
{
  if (self == NULL)
    return;
  if (self->tls != NULL)
    g_io_stream_close (self->tls, NULL, NULL);
  g_clear_object (&self->tls);
  g_free (self->buffer);
  if (self->scratch != NULL)
    g_string_free (self->scratch, TRUE);
  g_free (self);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC (Bare, bare_free)

static gboolean
bare_fill (Bare    *self,
           GError **error)
{
  gssize n = g_input_stream_read (self->input, self->buffer, READ_SIZE, NULL, error);

  if (n < 0)
    return FALSE;
  if (n == 0)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED,
                           "The server closed the connection");
      return FALSE;
    }
  self->length = (gsize) n;
  self->position = 0;
  self->received += (guint64) n;
  return TRUE;
}

/* Appends bytes up to and including the next LF to `line`. */
static gboolean
bare_read_segment (Bare     *self,
                   GString  *line,
                   GError  **error)
{
  g_string_truncate (line, 0);
  for (;;)
    {
      const guint8 *start;
      const guint8 *lf;
      gsize take;

      if (self->position == self->length && !bare_fill (self, error))
        return FALSE;
      start = self->buffer + self->position;
      lf = memchr (start, '\n', self->length - self->position);
      take = lf != NULL ? (gsize) (lf - start) + 1 : self->length - self->position;
      g_string_append_len (line, (const char *) start, (gssize) take);
      self->position += take;
      if (lf != NULL)
        return TRUE;
    }
}

/* The size of the literal a line segment announces at its end ("{123}\r\n"), or -1. */
static gint64
literal_size (const GString *line)
{
  gssize end = (gssize) line->len;
  gssize open;
  gint64 size = 0;

  while (end > 0 && (line->str[end - 1] == '\n' || line->str[end - 1] == '\r'))
    end--;
  if (end == 0 || line->str[end - 1] != '}')
    return -1;
  end--;
  if (end > 0 && line->str[end - 1] == '+')
    end--;
  for (open = end - 1; open >= 0 && g_ascii_isdigit (line->str[open]); open--)
    ;
  if (open < 0 || line->str[open] != '{' || open == end - 1)
    return -1;
  for (gssize i = open + 1; i < end; i++)
    size = size * 10 + (line->str[i] - '0');
  return size;
}

static gboolean
bare_skip (Bare    *self,
           guint64  size,
           GError **error)
{
  while (size > 0)
    {
      gsize take;

      if (self->position == self->length && !bare_fill (self, error))
        return FALSE;
      take = (gsize) MIN ((guint64) (self->length - self->position), size);
      self->position += take;
      size -= take;
    }
  return TRUE;
}

/* Reads one response: its first line into `head`, the literals and the rest skipped. */
static gboolean
bare_read_response (Bare     *self,
                    GString  *head,
                    GError  **error)
{
  GString *line = head;

  for (;;)
    {
      gint64 size;

      if (!bare_read_segment (self, line, error))
        return FALSE;
      size = literal_size (line);
      if (size < 0)
        return TRUE;
      if (!bare_skip (self, (guint64) size, error))
        return FALSE;
      line = self->scratch;
    }
}

static gboolean
bare_send (Bare        *self,
           const char  *command,
           char       **tag_out,
           GError     **error)
{
  g_autofree char *line = g_strdup_printf ("b%u %s\r\n", ++self->tag, command);

  *tag_out = g_strdup_printf ("b%u ", self->tag);
  return g_output_stream_write_all (self->output, line, strlen (line), NULL, NULL, error) &&
         g_output_stream_flush (self->output, NULL, error);
}

/* Sends a command and reads through its tagged reply; counts untagged FETCH responses. */
static gboolean
bare_command (Bare        *self,
              const char  *command,
              guint       *fetches,
              GError     **error)
{
  g_autoptr(GString) head = g_string_sized_new (1024);
  g_autofree char *tag = NULL;

  if (!bare_send (self, command, &tag, error))
    return FALSE;
  for (;;)
    {
      if (!bare_read_response (self, head, error))
        return FALSE;
      if (g_str_has_prefix (head->str, tag))
        break;
      if (fetches != NULL && head->str[0] == '*' && strstr (head->str, " FETCH ") != NULL)
        (*fetches)++;
    }
  if (!g_str_has_prefix (head->str + strlen (tag), "OK"))
    {
      g_strchomp (head->str);
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "%s: %s", command, head->str);
      return FALSE;
    }
  return TRUE;
}

static Bare *
bare_connect (TernTestServer  *server,
              GError         **error)
{
  g_autoptr(Bare) self = g_new0 (Bare, 1);
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GSocketConnectable) address = NULL;
  g_autoptr(GSocketConnection) connection = NULL;
  g_autoptr(GTlsDatabase) database = NULL;
  g_autoptr(GString) head = g_string_new (NULL);

  address = g_network_address_new (tern_test_server_get_host (server),
                                   tern_test_server_get_imaps_port (server));
  connection = g_socket_client_connect (client, address, NULL, error);
  if (connection == NULL)
    return NULL;
  database = g_tls_file_database_new (tern_test_server_get_ca_file (server), error);
  if (database == NULL)
    return NULL;
  self->tls = g_tls_client_connection_new (G_IO_STREAM (connection), address, error);
  if (self->tls == NULL)
    return NULL;
  g_tls_connection_set_database (G_TLS_CONNECTION (self->tls), database);
  if (!g_tls_connection_handshake (G_TLS_CONNECTION (self->tls), NULL, error))
    return NULL;
  self->input = g_io_stream_get_input_stream (self->tls);
  self->output = g_io_stream_get_output_stream (self->tls);
  self->buffer = g_malloc (READ_SIZE);
  self->scratch = g_string_sized_new (1024);

  if (!bare_read_response (self, head, error))
    return NULL;
  if (!g_str_has_prefix (head->str, "* OK"))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "Unexpected greeting: %s", head->str);
      return NULL;
    }
  return g_steal_pointer (&self);
}

/* The floor: login, ENABLE QRESYNC and SELECT like the engine, then one UID FETCH 1:*. */
static gboolean
measure_floor (TernTestServer  *server,
               Floor           *floor_out,
               GError         **error)
{
  g_autoptr(Bare) bare = bare_connect (server, error);
  double start;
  guint64 before;

  if (bare == NULL ||
      !bare_command (bare, "LOGIN " USER " " PASSWORD, NULL, error) ||
      !bare_command (bare, "ENABLE QRESYNC", NULL, error) ||
      !bare_command (bare, "SELECT INBOX", NULL, error))
    return FALSE;

  memset (floor_out, 0, sizeof *floor_out);
  before = bare->received;
  start = now_seconds ();
  if (!bare_command (bare, "UID FETCH 1:* " FETCH_ITEMS, &floor_out->responses, error))
    return FALSE;
  floor_out->seconds = now_seconds () - start;
  floor_out->bytes = bare->received - before;
  bare_command (bare, "LOGOUT", NULL, NULL);
  return TRUE;
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

/* Another client changes the mailbox. */

static GArray *
parse_search (const char *response)
{
  GArray *uids = g_array_new (FALSE, FALSE, sizeof (guint32));
  const char *line = strstr (response, "* SEARCH");

  if (line == NULL)
    return uids;
  line += strlen ("* SEARCH");
  while (*line == ' ')
    {
      char *end = NULL;
      guint64 v = g_ascii_strtoull (line + 1, &end, 10);
      guint32 uid;

      if (end == line + 1)
        break;
      uid = (guint32) v;
      g_array_append_val (uids, uid);
      line = end;
    }
  return uids;
}

static int
compare_uid (gconstpointer a,
             gconstpointer b)
{
  guint32 x = *(const guint32 *) a;
  guint32 y = *(const guint32 *) b;

  return x < y ? -1 : x > y;
}

/* A compact UID set ("3:7,9,12:13") of n UIDs, sorted in place. */
static char *
uid_set (guint32 *uids,
         guint    n)
{
  GString *out = g_string_new (NULL);

  qsort (uids, n, sizeof *uids, compare_uid);
  for (guint i = 0; i < n;)
    {
      guint j = i;

      while (j + 1 < n && uids[j + 1] == uids[j] + 1)
        j++;
      if (out->len > 0)
        g_string_append_c (out, ',');
      if (j > i)
        g_string_append_printf (out, "%u:%u", uids[i], uids[j]);
      else
        g_string_append_printf (out, "%u", uids[i]);
      i = j + 1;
    }
  return g_string_free (out, FALSE);
}

static GArray *
server_uids (TernTestClient  *client,
             GError         **error)
{
  g_autofree char *response = NULL;

  if (!tern_test_client_command (client, &response, error, "UID SEARCH ALL"))
    return NULL;
  return parse_search (response);
}

/* Flags 1% and expunges 0.5% of the messages, picked at random (fixed seed), in a few
 * commands each. Returns the flagged UIDs. */
static GArray *
change_mailbox (TernTestServer  *server,
                Result          *r,
                GError         **error)
{
  g_autoptr(TernTestClient) client = tern_test_client_new (server, USER, PASSWORD, error);
  g_autoptr(GArray) uids = NULL;
  g_autoptr(GRand) rand = g_rand_new_with_seed (0x7e4e + r->n);
  GArray *flagged;
  guint n_flag, n_expunge, per_command;

  if (client == NULL || !tern_test_client_command (client, NULL, error, "SELECT INBOX") ||
      (uids = server_uids (client, error)) == NULL)
    return NULL;

  /* Fisher-Yates: the first n_flag get a flag, the next n_expunge go. */
  for (guint i = uids->len; i > 1; i--)
    {
      guint j = (guint) g_rand_int_range (rand, 0, (gint32) i);
      guint32 tmp = g_array_index (uids, guint32, i - 1);

      g_array_index (uids, guint32, i - 1) = g_array_index (uids, guint32, j);
      g_array_index (uids, guint32, j) = tmp;
    }
  n_flag = MAX (uids->len / 100, 1);
  n_expunge = MAX (uids->len / 200, 1);
  g_assert (n_flag + n_expunge <= uids->len);

  r->change_commands = 0;
  per_command = (n_flag + FLAG_COMMANDS - 1) / FLAG_COMMANDS;
  for (guint i = 0; i < n_flag; i += per_command)
    {
      g_autofree char *set = uid_set (&g_array_index (uids, guint32, i), MIN (per_command, n_flag - i));

      if (!tern_test_client_command (client, NULL, error, "UID STORE %s +FLAGS.SILENT (\\Flagged)", set))
        return NULL;
      r->change_commands++;
    }
  {
    g_autofree char *set = uid_set (&g_array_index (uids, guint32, n_flag), n_expunge);

    if (!tern_test_client_command (client, NULL, error, "UID STORE %s +FLAGS.SILENT (\\Deleted)", set) ||
        !tern_test_client_command (client, NULL, error, "UID EXPUNGE %s", set))
      return NULL;
    r->change_commands += 2;
  }
  tern_test_client_command (client, NULL, NULL, "LOGOUT");

  r->flagged = n_flag;
  r->expunged = n_expunge;
  flagged = g_array_sized_new (FALSE, FALSE, sizeof (guint32), n_flag);
  g_array_append_vals (flagged, uids->data, n_flag);
  g_array_sort (flagged, compare_uid);
  return flagged;
}

/* UID -> canonical flags from "* n FETCH (UID u FLAGS (...))" lines. */
static GHashTable *
parse_fetch_flags (const char *response)
{
  GHashTable *map = g_hash_table_new_full (NULL, NULL, NULL, g_free);
  g_auto(GStrv) lines = g_strsplit (response, "\n", -1);

  for (guint i = 0; lines[i] != NULL; i++)
    {
      const char *uid_at = strstr (lines[i], "UID ");
      const char *flags_at = strstr (lines[i], "FLAGS (");
      const char *close;
      g_autofree char *flags = NULL;
      guint32 uid;

      if (!g_str_has_prefix (lines[i], "* ") || uid_at == NULL || flags_at == NULL)
        continue;
      uid = (guint32) g_ascii_strtoull (uid_at + 4, NULL, 10);
      close = strchr (flags_at, ')');
      if (close == NULL)
        continue;
      flags = g_strndup (flags_at + 7, (gsize) (close - flags_at - 7));
      g_hash_table_insert (map, GUINT_TO_POINTER (uid), tern_flags_canonicalize (flags));
    }
  return map;
}

/* The cache must hold exactly the server's UIDs, and the flags of every changed message and of
 * a random sample of the others must agree. */
static gboolean
verify_cache (TernTestServer  *server,
              const char      *data_dir,
              GArray          *flagged,
              Result          *r,
              GError         **error)
{
  g_autoptr(TernTestClient) client = tern_test_client_new (server, USER, PASSWORD, error);
  g_autofree char *path = g_build_filename (data_dir, "tern.db", NULL);
  g_autoptr(TernStore) store = NULL;
  g_autoptr(TernAccount) account = NULL;
  g_autoptr(TernFolder) folder = NULL;
  g_autoptr(GArray) server_list = NULL;
  g_autoptr(GArray) cache_list = NULL;
  g_autoptr(GArray) sample = NULL;
  g_autoptr(GHashTable) cache_flags = NULL;
  g_autoptr(GHashTable) server_flags = NULL;
  g_autoptr(GRand) rand = g_rand_new_with_seed (0xf1a9 + r->n);
  g_autoptr(GString) problems = g_string_new (NULL);
  g_autofree char *select = NULL;
  g_autofree char *fetch = NULL;
  g_autofree char *set = NULL;
  const char *exists_at;
  guint exists = 0, total = 0, flags_ok = 0, flagged_seen = 0;
  gboolean same_uids;

  if (client == NULL || !tern_test_client_command (client, &select, error, "SELECT INBOX") ||
      (server_list = server_uids (client, error)) == NULL)
    return FALSE;
  g_array_sort (server_list, compare_uid);
  for (exists_at = select; (exists_at = strstr (exists_at, "* ")) != NULL; exists_at += 2)
    {
      char *end = NULL;
      guint64 v = g_ascii_strtoull (exists_at + 2, &end, 10);

      if (end != exists_at + 2 && g_str_has_prefix (end, " EXISTS"))
        {
          exists = (guint) v;
          break;
        }
    }

  store = tern_store_open (path, error);
  if (store == NULL || (account = tern_store_get_account (store, ACCOUNT, error)) == NULL ||
      (folder = tern_store_get_folder (store, account->id, "INBOX", error)) == NULL ||
      !tern_store_count_messages (store, folder->id, &total, NULL, error) ||
      (cache_list = tern_store_list_uids (store, folder->id, error)) == NULL ||
      (cache_flags = tern_store_dup_flags_map (store, folder->id, 0, error)) == NULL)
    return FALSE;

  if (total != exists)
    g_string_append_printf (problems, "count %u in the cache, %u on the server; ", total, exists);
  same_uids = cache_list->len == server_list->len &&
              memcmp (cache_list->data, server_list->data, server_list->len * sizeof (guint32)) == 0;
  if (!same_uids)
    g_string_append_printf (problems, "UID lists differ (%u cached, %u on the server); ",
                            cache_list->len, server_list->len);

  /* Every flagged UID plus a random sample of the rest. */
  sample = g_array_new (FALSE, FALSE, sizeof (guint32));
  g_array_append_vals (sample, flagged->data, flagged->len);
  for (guint i = 0; i < SAMPLE_EXTRA && server_list->len > 0; i++)
    g_array_append_val (sample, g_array_index (server_list, guint32,
                                               g_rand_int_range (rand, 0, (gint32) server_list->len)));
  set = uid_set ((guint32 *) (void *) sample->data, sample->len);
  if (!tern_test_client_command (client, &fetch, error, "UID FETCH %s (UID FLAGS)", set))
    return FALSE;
  tern_test_client_command (client, NULL, NULL, "LOGOUT");
  server_flags = parse_fetch_flags (fetch);

  {
    GHashTableIter iter;
    gpointer key, value;
    guint mismatches = 0;

    g_hash_table_iter_init (&iter, server_flags);
    while (g_hash_table_iter_next (&iter, &key, &value))
      {
        const char *cached = g_hash_table_lookup (cache_flags, key);
        g_autofree char *canonical = cached ? tern_flags_canonicalize (cached) : NULL;

        if (g_strcmp0 (canonical, value) == 0)
          flags_ok++;
        else if (mismatches++ < 3)
          g_string_append_printf (problems, "UID %u flags \"%s\" cached, \"%s\" on the server; ",
                                  GPOINTER_TO_UINT (key), cached ? cached : "(missing)",
                                  (const char *) value);
        if (tern_flags_contain (value, "\\Flagged"))
          flagged_seen++;
      }
    if (mismatches > 0)
      g_string_append_printf (problems, "%u of %u sampled flags differ; ", mismatches,
                              g_hash_table_size (server_flags));
  }
  if (flagged_seen < flagged->len)
    g_string_append_printf (problems, "only %u of the %u flagged UIDs are \\Flagged on the server; ",
                            flagged_seen, flagged->len);
  if (g_hash_table_size (server_flags) < flagged->len)
    g_string_append_printf (problems, "the server returned flags for %u of %u flagged UIDs; ",
                            g_hash_table_size (server_flags), flagged->len);

  r->verified = problems->len == 0;
  if (r->verified)
    r->verify_text = g_strdup_printf ("%u msgs, UID sets equal, %u/%u flags agree", total, flags_ok,
                                      g_hash_table_size (server_flags));
  else
    r->verify_text = g_strdup (problems->str);
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

/* The table. */

static char *
thousands (guint64 v)
{
  g_autofree char *digits = g_strdup_printf ("%" G_GUINT64_FORMAT, v);
  GString *out = g_string_new (NULL);
  gsize len = strlen (digits);

  for (gsize i = 0; i < len; i++)
    {
      if (i > 0 && (len - i) % 3 == 0)
        g_string_append_c (out, ',');
      g_string_append_c (out, digits[i]);
    }
  return g_string_free (out, FALSE);
}

static char *
bytes_text (guint64 v)
{
  g_autofree char *exact = thousands (v);

  if (v < 10 * 1024)
    return g_strdup_printf ("%s B", exact);
  if (v < 10 * 1024 * 1024)
    return g_strdup_printf ("%.1f KiB", v / 1024.0);
  return g_strdup_printf ("%.1f MiB", v / (1024.0 * 1024.0));
}

static char *
time_text (double seconds)
{
  if (seconds < 1.0)
    return g_strdup_printf ("%.1f ms", seconds * 1000.0);
  return g_strdup_printf ("%.2f s", seconds);
}

typedef char *(*CellFunc) (const Result *r);

static GPtrArray *results_for_table;

static void
row (const char *label,
     CellFunc    cell)
{
  g_print ("  %-46s", label);
  for (guint i = 0; i < results_for_table->len; i++)
    {
      const Result *r = results_for_table->pdata[i];
      g_autofree char *text = r->failed ? g_strdup ("-") : cell (r);

      g_print (" %22s", text);
    }
  g_print ("\n");
}

static void
heading (const char *text)
{
  g_print ("%s\n", text);
}

static double
floor_per_message (const Result *r)
{
  return r->warm.bytes / (double) MAX (r->n, 1);
}

static double
first_per_message (const Result *r)
{
  return r->first.read / (double) MAX (r->n, 1);
}

static double
first_ratio (const Result *r)
{
  return r->first.seconds / MAX (r->warm.seconds, 1e-6);
}

static char *
c_seed (const Result *r)
{
  return time_text (r->seed_seconds);
}

static char *
c_cold_time (const Result *r)
{
  return time_text (r->cold.seconds);
}

static char *
c_cold_bytes (const Result *r)
{
  return bytes_text (r->cold.bytes);
}

static char *
c_warm_time (const Result *r)
{
  return time_text (r->warm.seconds);
}

static char *
c_warm_bytes (const Result *r)
{
  return bytes_text (r->warm.bytes);
}

static char *
c_warm_exact (const Result *r)
{
  return thousands (r->warm.bytes);
}

static char *
c_warm_per (const Result *r)
{
  return g_strdup_printf ("%.1f B", floor_per_message (r));
}

static char *
c_warm_rate (const Result *r)
{
  return g_strdup_printf ("%.0f msg/s", r->n / MAX (r->warm.seconds, 1e-6));
}

static char *
c_warm_responses (const Result *r)
{
  return thousands (r->warm.responses);
}

static char *
c_first_time (const Result *r)
{
  return time_text (r->first.seconds);
}

static char *
c_first_ratio (const Result *r)
{
  return g_strdup_printf ("%.2fx", first_ratio (r));
}

static char *
c_first_cpu (const Result *r)
{
  return time_text (r->first.cpu_seconds);
}

static char *
c_first_rss (const Result *r)
{
  return g_strdup_printf ("%.1f MB", r->first.maxrss_mb);
}

static char *
c_first_read (const Result *r)
{
  return bytes_text (r->first.read);
}

static char *
c_first_read_exact (const Result *r)
{
  return thousands (r->first.read);
}

static char *
c_first_written (const Result *r)
{
  return bytes_text (r->first.written);
}

static char *
c_first_per (const Result *r)
{
  return g_strdup_printf ("%.1f B (%+.1f%%)", first_per_message (r),
                          100.0 * (first_per_message (r) / MAX (floor_per_message (r), 1e-9) - 1.0));
}

static char *
c_first_rt (const Result *r)
{
  return thousands (r->first.round_trips);
}

static char *
c_first_fetched (const Result *r)
{
  return thousands (r->first.fetched);
}

static char *
c_first_rate (const Result *r)
{
  return g_strdup_printf ("%.0f msg/s", r->n / MAX (r->first.seconds, 1e-6));
}

static char *
c_again_time (const Result *r)
{
  return time_text (r->again.seconds);
}

static char *
c_again_read (const Result *r)
{
  return bytes_text (r->again.read);
}

static char *
c_again_written (const Result *r)
{
  return bytes_text (r->again.written);
}

static char *
c_again_rt (const Result *r)
{
  return thousands (r->again.round_trips);
}

static char *
c_again_rss (const Result *r)
{
  return g_strdup_printf ("%.1f MB", r->again.maxrss_mb);
}

static char *
c_folder_time (const Result *r)
{
  g_autofree char *median = time_text (r->folder.seconds);
  g_autofree char *best = time_text (r->folder.min_seconds);

  return g_strdup_printf ("%s (min %s)", median, best);
}

static char *
c_folder_read (const Result *r)
{
  return bytes_text (r->folder.read);
}

static char *
c_folder_written (const Result *r)
{
  return bytes_text (r->folder.written);
}

static char *
c_folder_rt (const Result *r)
{
  return thousands (r->folder.round_trips);
}

static char *
c_changes (const Result *r)
{
  return g_strdup_printf ("%u / %u in %u cmds", r->flagged, r->expunged, r->change_commands);
}

static char *
c_changed_time (const Result *r)
{
  return time_text (r->changed.seconds);
}

static char *
c_changed_read (const Result *r)
{
  return bytes_text (r->changed.read);
}

static char *
c_changed_written (const Result *r)
{
  return bytes_text (r->changed.written);
}

static char *
c_changed_rt (const Result *r)
{
  return thousands (r->changed.round_trips);
}

static char *
c_changed_rss (const Result *r)
{
  return g_strdup_printf ("%.1f MB", r->changed.maxrss_mb);
}

static char *
c_verified (const Result *r)
{
  return g_strdup (r->verified ? "PASS" : "FAIL");
}

static char *
verdict (gboolean    met,
         const char *figure)
{
  return g_strdup_printf ("%s %s", figure, met ? "MET" : "MISSED");
}

static char *
t_ratio (const Result *r)
{
  g_autofree char *figure = g_strdup_printf ("%.2fx", first_ratio (r));

  return verdict (first_ratio (r) <= TARGET_TIME_RATIO, figure);
}

static char *
t_rss (const Result *r)
{
  g_autofree char *figure = g_strdup_printf ("%.1f MB", r->first.maxrss_mb);

  return verdict (r->first.maxrss_mb < TARGET_RSS_MB, figure);
}

static char *
t_folder_bytes (const Result *r)
{
  g_autofree char *figure = bytes_text (r->folder.read);

  return verdict (r->folder.read < TARGET_RESYNC_BYTES, figure);
}

static char *
t_folder_time (const Result *r)
{
  g_autofree char *figure = time_text (r->folder.seconds);

  return verdict (r->folder.seconds * 1000.0 < TARGET_RESYNC_MS, figure);
}

static char *
t_again_bytes (const Result *r)
{
  g_autofree char *figure = bytes_text (r->again.read);

  return verdict (r->again.read < TARGET_RESYNC_BYTES, figure);
}

static char *
t_again_time (const Result *r)
{
  g_autofree char *figure = time_text (r->again.seconds);

  return verdict (r->again.seconds * 1000.0 < TARGET_RESYNC_MS, figure);
}

static char *
t_per (const Result *r)
{
  g_autofree char *figure = g_strdup_printf ("%.1f/%.1f B", first_per_message (r),
                                             floor_per_message (r) * TARGET_BYTES_SLACK);

  return verdict (first_per_message (r) <= floor_per_message (r) * TARGET_BYTES_SLACK, figure);
}

static void
print_table (GPtrArray *results)
{
  struct utsname un;

  results_for_table = results;
  uname (&un);

  g_print ("\nTern sync benchmark: %s %s, %ld CPUs; Dovecot in the fixture's temp dir, cache in %s\n",
           un.sysname, un.release, sysconf (_SC_NPROCESSORS_ONLN), g_get_tmp_dir ());
  g_print ("  %-46s", "");
  for (guint i = 0; i < results->len; i++)
    {
      const Result *r = results->pdata[i];
      g_autofree char *n = thousands (r->n);
      g_autofree char *label = g_strdup_printf ("N = %s", n);

      g_print (" %22s", label);
    }
  g_print ("\n");
  row ("seeding (fixture, not measured)", c_seed);

  heading ("1. Floor: bare GIO TLS client, one UID FETCH 1:* to /dev/null");
  row ("cold server (Dovecot builds index): wall", c_cold_time);
  row ("cold server: bytes (includes \\Recent)", c_cold_bytes);
  row ("warm server: wall  = FLOOR TIME", c_warm_time);
  row ("warm server: bytes received", c_warm_bytes);
  row ("warm server: bytes received (exact)", c_warm_exact);
  row ("warm server: bytes / message = FLOOR B/MSG", c_warm_per);
  row ("warm server: rate", c_warm_rate);
  row ("untagged FETCH responses", c_warm_responses);

  heading ("2. First sync: tern-cli sync into a fresh data dir");
  row ("wall (process start to exit)", c_first_time);
  row ("wall / floor time", c_first_ratio);
  row ("rate", c_first_rate);
  row ("client CPU (user + sys)", c_first_cpu);
  row ("peak RSS (ru_maxrss)", c_first_rss);
  row ("bytes read", c_first_read);
  row ("bytes read (exact)", c_first_read_exact);
  row ("bytes written", c_first_written);
  row ("bytes read / message (vs floor)", c_first_per);
  row ("round trips", c_first_rt);
  row ("messages fetched", c_first_fetched);

  heading ("3. Unchanged resync");
  row ("tern-cli sync (whole account): wall", c_again_time);
  row ("tern-cli sync: bytes read", c_again_read);
  row ("tern-cli sync: bytes written", c_again_written);
  row ("tern-cli sync: round trips", c_again_rt);
  row ("tern-cli sync: peak RSS", c_again_rss);
  row ("tern_sync_folder INBOX (in-process): wall", c_folder_time);
  row ("tern_sync_folder INBOX: bytes read", c_folder_read);
  row ("tern_sync_folder INBOX: bytes written", c_folder_written);
  row ("tern_sync_folder INBOX: round trips", c_folder_rt);

  heading ("4. Resync after another client flagged 1% and expunged 0.5%");
  row ("changes (flagged / expunged)", c_changes);
  row ("tern-cli sync: wall", c_changed_time);
  row ("tern-cli sync: bytes read", c_changed_read);
  row ("tern-cli sync: bytes written", c_changed_written);
  row ("tern-cli sync: round trips", c_changed_rt);
  row ("tern-cli sync: peak RSS", c_changed_rss);
  row ("cache agrees with server (count, UIDs, flags)", c_verified);
  for (guint i = 0; i < results->len; i++)
    {
      const Result *r = results->pdata[i];

      g_print ("    N=%u: %s\n", r->n, r->failed ? r->error_text : r->verify_text);
    }

  heading ("Targets (stated for N = 100,000; shown for every N)");
  row ("first sync <= 3x floor time", t_ratio);
  row ("first sync peak RSS < 64 MB", t_rss);
  row ("first sync B/msg <= floor B/msg + 10%", t_per);
  row ("unchanged resync of INBOX < 2 KB down", t_folder_bytes);
  row ("unchanged resync of INBOX < 100 ms", t_folder_time);
  row ("  whole account (tern-cli) < 2 KB down", t_again_bytes);
  row ("  whole account (tern-cli) < 100 ms", t_again_time);
  row ("resync after changes: cache agrees", c_verified);
  g_print ("\n");
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
