/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "tern-fuzz"

#include "config.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "tern-fuzz.h"
#include "tern-sync.h"

/* Defects reported and not fixed yet (known-crashes.txt): a check or a GLib critical that
 * names one is reported once and the run goes on, instead of ending it (and a fork-mode job)
 * over and over. Real crashes cannot go on: run.sh looks those up after the run. */
static GHashTable *
known_signatures (void)
{
  static GHashTable *known;

  if (known == NULL)
    {
      const char *path = g_getenv ("TERN_FUZZ_KNOWN_CRASHES");
      g_autofree char *fallback = g_build_filename (TERN_SOURCE_DIR, "tests", "fuzz",
                                                    "known-crashes.txt", NULL);
      g_autofree char *contents = NULL;

      known = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
      if (g_getenv ("TERN_FUZZ_ALL") == NULL &&
          g_file_get_contents (path ? path : fallback, &contents, NULL, NULL))
        {
          g_auto(GStrv) lines = g_strsplit (contents, "\n", -1);

          for (guint i = 0; lines[i] != NULL; i++)
            if (lines[i][0] != '#' && lines[i][0] != '\0')
              g_hash_table_add (known, g_strdup (lines[i]));
        }
    }
  return known;
}

/* As classify.py names them: runs of two or more digits (and hex numbers) as N. */
static char *
normalize (const char *text,
           gsize       length)
{
  GString *out = g_string_new (NULL);

  for (gsize i = 0; i < length; i++)
    {
      gsize run = 0;

      if (text[i] == '0' && i + 1 < length && text[i + 1] == 'x')
        {
          for (run = 2; i + run < length && g_ascii_isxdigit (text[i + run]); run++)
            ;
          g_string_append_c (out, 'N');
          i += run - 1;
          continue;
        }
      while (i + run < length && g_ascii_isdigit (text[i + run]))
        run++;
      if (run >= 2)
        {
          g_string_append_c (out, 'N');
          i += run - 1;
        }
      else
        g_string_append_c (out, text[i]);
    }
  return g_strstrip (g_string_free (out, FALSE));
}

static gboolean
is_known (const char *signature)
{
  static GHashTable *reported;

  if (!g_hash_table_contains (known_signatures (), signature))
    return FALSE;
  if (reported == NULL)
    reported = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  if (!g_hash_table_contains (reported, signature))
    {
      fprintf (stderr, "known, not fixed yet (continuing): %s\n", signature);
      g_hash_table_add (reported, g_strdup (signature));
    }
  return TRUE;
}

void
tern_fuzz_fail (const char *where,
                const char *cond,
                const char *format,
                ...)
{
  g_autofree char *message = NULL;
  g_autofree char *signature = NULL;
  const char *file = strstr (where, "tests/fuzz/");
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);

  {
    g_autofree char *what = normalize (message, strcspn (message, ":\"<>\n"));

    /* Without the line number: the message names the check. */
    signature = g_strdup_printf ("check %.*s: %s", (int) strcspn (file ? file : where, ":"),
                                 file ? file : where, what);
  }
  if (is_known (signature))
    return;

  fprintf (stderr, "\n%s: check failed: %s: %s\n", where, cond, message);
  fflush (stderr);
  abort ();
}

static char *tmpdir;
static char *template_path;

static void
remove_tmpdir (void)
{
  if (tmpdir == NULL)
    return;
  tern_fuzz_empty_dir (tmpdir);
  g_rmdir (tmpdir);
}

/* GLib's own fatal path ends in a breakpoint trap, which libFuzzer does not catch (no
 * reproducer written): abort instead, after printing the message. */
static GLogWriterOutput
log_writer (GLogLevelFlags   level,
            const GLogField *fields,
            gsize            n_fields,
            gpointer         user_data)
{
  g_autofree char *line = NULL;

  if (!(level & (G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING)))
    return g_log_writer_default (level, fields, n_fields, user_data);
  for (gsize i = 0; i < n_fields; i++)
    if (g_strcmp0 (fields[i].key, "MESSAGE") == 0 && fields[i].length < 0)
      {
        const char *text = fields[i].value;
        g_autofree char *what = normalize (text, strlen (text));
        g_autofree char *signature = g_strdup_printf ("critical %s", what);

        if (is_known (signature))
          return G_LOG_WRITER_HANDLED;
      }
  line = g_log_writer_format_fields (level, fields, n_fields, FALSE);
  fprintf (stderr, "\n%s\n", line);
  fflush (stderr);
  abort ();
}

void
tern_fuzz_init (void)
{
  static gboolean done;

  if (done)
    return;
  done = TRUE;

  /* A critical (a g_return_if_fail that fired) or a warning is a defect found. */
  g_log_set_writer_func (log_writer, NULL, NULL);
  g_setenv ("GIO_USE_VFS", "local", TRUE);
  g_setenv ("GSETTINGS_BACKEND", "memory", TRUE);
  tern_sync_global_init ();
}

const char *
tern_fuzz_tmpdir (void)
{
  if (tmpdir == NULL)
    {
      /* run.sh gives each run a folder of its own and removes it afterwards: a crashed
       * input's process leaves its folder behind (no atexit after an abort). */
      const char *base = g_getenv ("TERN_FUZZ_TMPDIR");

      if (base == NULL)
        base = g_file_test ("/dev/shm", G_FILE_TEST_IS_DIR) ? "/dev/shm" : g_get_tmp_dir ();
      g_autofree char *tmpl = g_build_filename (base, "tern-fuzz-XXXXXX", NULL);

      tmpdir = g_mkdtemp (g_steal_pointer (&tmpl));
      if (tmpdir == NULL)
        tern_fuzz_fail (G_STRLOC, "tmpdir", "cannot make a folder in %s: %s", base,
                        g_strerror (errno));
      atexit (remove_tmpdir);
    }
  return tmpdir;
}

void
tern_fuzz_empty_dir (const char *dir)
{
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;

  if (d == NULL)
    return;
  while ((name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);

      if (g_file_test (path, G_FILE_TEST_IS_DIR) && !g_file_test (path, G_FILE_TEST_IS_SYMLINK))
        {
          tern_fuzz_empty_dir (path);
          g_rmdir (path);
        }
      else
        g_unlink (path);
    }
}

char *
tern_fuzz_strndup (const guint8 *data,
                   gsize         size)
{
  return g_strndup ((const char *) data, size);
}

/* The cache */

static TernAccount *
make_account (guint16 port)
{
  TernAccount *account = g_new0 (TernAccount, 1);

  account->name = g_strdup ("fuzz");
  account->email = g_strdup ("fuzz@example.org");
  account->host = g_strdup ("127.0.0.1");
  account->port = port;
  /* PREAUTH over plain TCP: Tern never sends a password on it, and no TLS handshake
   * stands between the fuzzer's bytes and the parser. */
  account->security = g_strdup ("none");
  account->user = g_strdup ("fuzz");
  account->delete_mode = g_strdup ("trash");
  return account;
}

static void
make_template (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_build_filename (tern_fuzz_tmpdir (), "template", NULL);
  g_autoptr(TernAccount) account = make_account (143);
  TernFolder inbox = {
    .name = (char *) "INBOX", .display_name = (char *) "Inbox", .delimiter = (char *) "/",
    .special_use = (char *) "\\Inbox", .selectable = TRUE, .subscribed = TRUE,
  };
  TernStore *store;
  gint64 id = 0;

  template_path = g_build_filename (dir, "tern.db", NULL);
  store = tern_store_open (template_path, &error);
  if (store == NULL)
    tern_fuzz_fail (G_STRLOC, "store", "%s", error->message);
  if (!tern_store_add_account (store, account, &id, &error))
    tern_fuzz_fail (G_STRLOC, "account", "%s", error->message);
  inbox.account_id = id;
  if (!tern_store_upsert_folder (store, &inbox, &id, &error))
    tern_fuzz_fail (G_STRLOC, "folder", "%s", error->message);
  /* Closing checkpoints the WAL into the file: the template is one file. */
  tern_store_free (store);
}

TernFuzzStore *
tern_fuzz_store_new (guint16 port)
{
  static guint serial;
  g_autoptr(GError) error = NULL;
  g_autofree char *contents = NULL;
  g_autofree char *path = NULL;
  g_autoptr(TernFolder) inbox = NULL;
  TernFuzzStore *self;
  gsize length;

  if (template_path == NULL)
    make_template ();

  self = g_new0 (TernFuzzStore, 1);
  self->dir = g_strdup_printf ("%s/cache-%u", tern_fuzz_tmpdir (), serial++);
  path = g_build_filename (self->dir, "tern.db", NULL);
  g_mkdir_with_parents (self->dir, 0700);
  if (!g_file_get_contents (template_path, &contents, &length, &error) ||
      !g_file_set_contents (path, contents, (gssize) length, &error))
    tern_fuzz_fail (G_STRLOC, "copy", "%s", error->message);

  self->store = tern_store_open (path, &error);
  if (self->store == NULL)
    tern_fuzz_fail (G_STRLOC, "store", "%s", error->message);
  self->account = tern_store_get_account (self->store, "fuzz", &error);
  if (self->account == NULL)
    tern_fuzz_fail (G_STRLOC, "account", "%s", error->message);
  self->account->port = port;
  inbox = tern_store_get_folder (self->store, self->account->id, "INBOX", &error);
  if (inbox == NULL)
    tern_fuzz_fail (G_STRLOC, "inbox", "%s", error->message);
  self->inbox_id = inbox->id;
  return self;
}

void
tern_fuzz_store_free (TernFuzzStore *self)
{
  if (self == NULL)
    return;
  tern_store_free (self->store);
  tern_account_free (self->account);
  tern_fuzz_empty_dir (self->dir);
  g_rmdir (self->dir);
  g_free (self->dir);
  g_free (self);
}

/* The scripted server */

typedef struct
{
  GMutex   lock;
  GCond    cond;
  int      listen_fd;
  guint16  port;
  GBytes  *script;      /* for the next connection, then NULL */
  guint    active;      /* connections not closed yet */
  guint    connections; /* accepted since the last script */
} Server;

static Server server;

static void
serve (int     fd,
       GBytes *script)
{
  const guint8 *data = script ? g_bytes_get_data (script, NULL) : NULL;
  gsize size = script ? g_bytes_get_size (script) : 0;
  gsize sent = 0;
  gboolean shut = FALSE;
  char sink[16384];

  /* Send everything while reading (and dropping) what the client writes, so that neither
   * side blocks the other; then end-of-stream, and wait for the client to close. */
  for (;;)
    {
      struct pollfd p = { .fd = fd, .events = POLLIN };

      if (!shut && sent == size)
        {
          shutdown (fd, SHUT_WR);
          shut = TRUE;
        }
      if (!shut)
        p.events |= POLLOUT;
      if (poll (&p, 1, -1) < 0)
        {
          if (errno == EINTR)
            continue;
          break;
        }
      if (p.revents & (POLLIN | POLLHUP | POLLERR))
        {
          ssize_t n = recv (fd, sink, sizeof sink, 0);

          if (n == 0 || (n < 0 && errno != EINTR && errno != EAGAIN))
            break;
        }
      if (!shut && (p.revents & POLLOUT))
        {
          ssize_t n = send (fd, data + sent, MIN (size - sent, (gsize) 65536), MSG_NOSIGNAL);

          if (n > 0)
            sent += (gsize) n;
          else if (n < 0 && errno != EINTR && errno != EAGAIN)
            shut = TRUE; /* the client is gone; read until it closes */
        }
    }
  close (fd);
}

typedef struct
{
  int     fd;
  GBytes *script;
} Connection;

static gpointer
connection_thread (gpointer data)
{
  Connection *c = data;

  serve (c->fd, c->script);
  g_clear_pointer (&c->script, g_bytes_unref);
  g_free (c);

  g_mutex_lock (&server.lock);
  server.active--;
  g_cond_broadcast (&server.cond);
  g_mutex_unlock (&server.lock);
  return NULL;
}

static gpointer
accept_thread (gpointer data)
{
  for (;;)
    {
      int fd = accept (server.listen_fd, NULL, NULL);
      Connection *c;

      if (fd < 0)
        {
          if (errno == EINTR || errno == ECONNABORTED)
            continue;
          tern_fuzz_fail (G_STRLOC, "accept", "%s", g_strerror (errno));
        }
      c = g_new0 (Connection, 1);
      c->fd = fd;
      g_mutex_lock (&server.lock);
      c->script = g_steal_pointer (&server.script);
      server.active++;
      server.connections++;
      g_mutex_unlock (&server.lock);
      g_thread_unref (g_thread_new ("fuzz-connection", connection_thread, c));
    }
  return NULL;
}

guint16
tern_fuzz_server_start (void)
{
  struct sockaddr_in addr = { .sin_family = AF_INET };
  socklen_t len = sizeof addr;
  int one = 1;

  if (server.port != 0)
    return server.port;

  g_mutex_init (&server.lock);
  g_cond_init (&server.cond);
  server.listen_fd = socket (AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  setsockopt (server.listen_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  addr.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
  if (server.listen_fd < 0 ||
      bind (server.listen_fd, (struct sockaddr *) &addr, sizeof addr) != 0 ||
      listen (server.listen_fd, 16) != 0 ||
      getsockname (server.listen_fd, (struct sockaddr *) &addr, &len) != 0)
    tern_fuzz_fail (G_STRLOC, "listen", "%s", g_strerror (errno));
  server.port = ntohs (addr.sin_port);
  g_thread_unref (g_thread_new ("fuzz-server", accept_thread, NULL));
  return server.port;
}

void
tern_fuzz_server_script (const guint8 *data,
                         gsize         size)
{
  g_mutex_lock (&server.lock);
  g_clear_pointer (&server.script, g_bytes_unref);
  server.script = g_bytes_new (data, size);
  server.connections = 0;
  g_mutex_unlock (&server.lock);
}

void
tern_fuzz_server_wait_done (void)
{
  gint64 deadline = g_get_monotonic_time () + 20 * G_TIME_SPAN_SECOND;

  g_mutex_lock (&server.lock);
  while (server.active > 0)
    if (!g_cond_wait_until (&server.cond, &server.lock, deadline))
      tern_fuzz_fail (G_STRLOC, "active == 0", "Tern left %u connection(s) open", server.active);
  g_clear_pointer (&server.script, g_bytes_unref);
  g_mutex_unlock (&server.lock);
}

guint
tern_fuzz_server_get_connections (void)
{
  guint n;

  g_mutex_lock (&server.lock);
  n = server.connections;
  g_mutex_unlock (&server.lock);
  return n;
}

/* The engine's steps */

void
tern_fuzz_imap_drive (TernFuzzStore *fs)
{
  g_autoptr(TernSync) sync = tern_sync_new (fs->store, fs->account);
  g_autoptr(GPtrArray) messages = NULL;
  g_autoptr(GArray) hits = NULL;
  TernMessage *first = NULL;

  /* Every read ends: the script is followed by end-of-stream. The timeout only bounds a
   * defect that would make Tern wait for what it already has. */
  tern_sync_set_timeout (sync, 10);
  tern_sync_set_chunk_size (sync, 20);

  if (!tern_sync_connect (sync, NULL))
    return;
  tern_sync_folders (sync, NULL);
  tern_sync_folder (sync, "INBOX", NULL);
  tern_sync_poll_folders (sync, NULL);

  messages = tern_store_list_messages (fs->store, fs->inbox_id, 1, NULL);
  if (messages != NULL && messages->len > 0)
    first = messages->pdata[0];
  if (first != NULL)
    {
      g_autoptr(TernMessage) full = tern_store_get_message (fs->store, first->id, NULL);
      g_autoptr(GOutputStream) out = g_memory_output_stream_new_resizable ();

      tern_sync_fetch_text (sync, first->id, NULL);
      for (guint i = 0; full != NULL && full->parts != NULL && i < full->parts->len; i++)
        {
          TernPart *part = full->parts->pdata[i];

          if (g_strcmp0 (part->disposition, "attachment") == 0)
            {
              tern_sync_fetch_part (sync, first->id, part->section, NULL, NULL, NULL, NULL, NULL);
              break;
            }
        }
      tern_sync_export_message (sync, first->id, out, NULL);
    }
  hits = tern_sync_server_search (sync, "report", NULL);
  tern_sync_wait_for_changes (sync, 1, NULL, NULL);
  tern_sync_disconnect (sync);
}
