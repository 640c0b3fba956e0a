/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "record-seeds"

#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tern-fuzz.h"
#include "tern-test-server.h"

/*
 * record-seeds OUTDIR
 *
 * Records what a real Dovecot sends while Tern runs tern_fuzz_imap_drive(), the steps the
 * fuzz-imap target replays, and writes it as one seed file per server configuration
 * (OUTDIR/dovecot-<flags>.imap). Dovecot's imap runs pre-authenticated (`doveadm exec imap
 * -u alice`, greeting "* PREAUTH"), as the fuzz target's account expects; a proxy on
 * loopback forwards Tern's commands to it and its answers back, keeping a copy of the
 * answers. Seeds must be re-recorded when the drive's steps change.
 */

typedef struct
{
  GSocketListener *listener;
  guint16          port;
  char            *config;
  GByteArray      *recorded;
  GMutex           lock;
  GCond            cond;
  gboolean         done;
} Proxy;

typedef struct
{
  GOutputStream *out;
  GInputStream  *in;
  GByteArray    *copy;  /* or NULL */
} Pump;

static gpointer
pump_thread (gpointer data)
{
  Pump *pump = data;
  guint8 buffer[16384];
  gssize n;

  while ((n = g_input_stream_read (pump->in, buffer, sizeof buffer, NULL, NULL)) > 0)
    {
      if (pump->copy != NULL)
        g_byte_array_append (pump->copy, buffer, (guint) n);
      if (!g_output_stream_write_all (pump->out, buffer, (gsize) n, NULL, NULL, NULL))
        break;
    }
  g_output_stream_close (pump->out, NULL, NULL);
  return NULL;
}

static gpointer
proxy_thread (gpointer data)
{
  Proxy *proxy = data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocketConnection) connection = NULL;
  g_autoptr(GSubprocess) imap = NULL;
  Pump up, down;
  GThread *up_thread, *down_thread;

  connection = g_socket_listener_accept (proxy->listener, NULL, NULL, &error);
  if (connection == NULL)
    g_error ("accept: %s", error->message);
  imap = g_subprocess_new (G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error,
                           "doveadm", "-c", proxy->config, "exec", "imap", "-u", "alice", NULL);
  if (imap == NULL)
    g_error ("doveadm exec imap: %s", error->message);

  up = (Pump) {
    .in = g_io_stream_get_input_stream (G_IO_STREAM (connection)),
    .out = g_subprocess_get_stdin_pipe (imap),
  };
  down = (Pump) {
    .in = g_subprocess_get_stdout_pipe (imap),
    .out = g_io_stream_get_output_stream (G_IO_STREAM (connection)),
    .copy = proxy->recorded,
  };
  up_thread = g_thread_new ("up", pump_thread, &up);
  down_thread = g_thread_new ("down", pump_thread, &down);
  g_thread_join (up_thread);
  g_subprocess_wait (imap, NULL, NULL);
  g_thread_join (down_thread);
  g_io_stream_close (G_IO_STREAM (connection), NULL, NULL);

  g_mutex_lock (&proxy->lock);
  proxy->done = TRUE;
  g_cond_signal (&proxy->cond);
  g_mutex_unlock (&proxy->lock);
  return NULL;
}

static const char message_with_parts[] =
  "From: Zoë Martin <zoe@example.org>\r\n"
  "To: alice@example.org, \"Doe, Jane\" <jane@example.org>\r\n"
  "Subject: =?UTF-8?Q?Quarterly_report_=E2=80=93_draft?=\r\n"
  "Date: Tue, 5 Mar 2024 09:30:00 +0100\r\n"
  "Message-ID: <report-1@example.org>\r\n"
  "References: <a@example.org> <b@example.org>\r\n"
  "In-Reply-To: <b@example.org>\r\n"
  "MIME-Version: 1.0\r\n"
  "Content-Type: multipart/mixed; boundary=\"outer\"\r\n"
  "\r\n"
  "--outer\r\n"
  "Content-Type: multipart/alternative; boundary=\"alt\"\r\n"
  "\r\n"
  "--alt\r\n"
  "Content-Type: text/plain; charset=utf-8\r\n"
  "Content-Transfer-Encoding: quoted-printable\r\n"
  "\r\n"
  "The report is attached =E2=80=93 see page 2.\r\n"
  "--alt\r\n"
  "Content-Type: text/html; charset=iso-8859-1\r\n"
  "\r\n"
  "<p>The report is <b>attached</b> &ndash; see <img src=\"cid:logo@example.org\"> page 2.</p>\r\n"
  "--alt--\r\n"
  "--outer\r\n"
  "Content-Type: image/png; name=\"logo.png\"\r\n"
  "Content-ID: <logo@example.org>\r\n"
  "Content-Transfer-Encoding: base64\r\n"
  "\r\n"
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==\r\n"
  "--outer\r\n"
  "Content-Type: application/pdf\r\n"
  "Content-Disposition: attachment; filename*=utf-8''Bericht%20f%C3%BCr%20Q1.pdf\r\n"
  "Content-Transfer-Encoding: base64\r\n"
  "\r\n"
  "JVBERi0xLjQKJcOkw7zDtsOfCjEgMCBvYmoKPDwvVHlwZS9DYXRhbG9nPj4KZW5kb2JqCnRyYWlsZXIKPDwvUm9vdCAxIDAgUj4+CiUlRU9GCg==\r\n"
  "--outer\r\n"
  "Content-Type: message/rfc822\r\n"
  "\r\n"
  "From: bob@example.org\r\n"
  "Subject: the original\r\n"
  "\r\n"
  "Nested text.\r\n"
  "--outer--\r\n";

static gboolean
record (TernTestServerFlags  flags,
        const char          *name,
        const char          *outdir,
        GError             **error)
{
  g_autoptr(TernTestServer) server = tern_test_server_new (flags, error);
  g_autofree char *path = NULL;
  Proxy proxy = { 0 };
  TernFuzzStore *fs;
  GThread *thread;
  gboolean ok;

  if (server == NULL ||
      !tern_test_server_create_mailbox (server, "alice", "Projekt/Entwürfe", error) ||
      !tern_test_server_seed (server, "alice", "INBOX", 4, error) ||
      !tern_test_server_seed (server, "alice", "Archive", 2, error))
    return FALSE;
  /* The first message in the list (newest first) is the one with every kind of part. */
  tern_test_server_append_message (server, "alice", "INBOX", message_with_parts);

  proxy.config = g_build_filename (tern_test_server_get_dir (server), "dovecot.conf", NULL);
  proxy.recorded = g_byte_array_new ();
  g_mutex_init (&proxy.lock);
  g_cond_init (&proxy.cond);
  proxy.listener = g_socket_listener_new ();
  {
    g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
    g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, 0);
    g_autoptr(GSocketAddress) bound = NULL;

    if (!g_socket_listener_add_address (proxy.listener, address, G_SOCKET_TYPE_STREAM,
                                        G_SOCKET_PROTOCOL_TCP, NULL, &bound, error))
      return FALSE;
    proxy.port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
  }
  thread = g_thread_new ("proxy", proxy_thread, &proxy);

  fs = tern_fuzz_store_new (proxy.port);
  tern_fuzz_imap_drive (fs);
  g_thread_join (thread);
  tern_fuzz_store_free (fs);

  path = g_strdup_printf ("%s/dovecot-%s.imap", outdir, name);
  ok = g_file_set_contents (path, (const char *) proxy.recorded->data, proxy.recorded->len, error);
  if (ok)
    printf ("%s: %u bytes\n", path, proxy.recorded->len);

  g_socket_listener_close (proxy.listener);
  g_object_unref (proxy.listener);
  g_byte_array_unref (proxy.recorded);
  g_free (proxy.config);
  return ok;
}

int
main (int    argc,
      char **argv)
{
  static const struct
  {
    TernTestServerFlags flags;
    const char *name;
  } variants[] = {
    { TERN_TEST_SERVER_FULL, "full" },
    /* The capability flags do not reach a pre-authenticated imap (its greeting lists
     * Dovecot's own set): only what changes the mailboxes makes another seed. */
    { TERN_TEST_SERVER_NO_SPECIAL_USE, "no-special-use" },
    { TERN_TEST_SERVER_NO_DRAFTS_SENT, "no-drafts-sent" },
  };
  g_autoptr(GError) error = NULL;

  if (argc != 2)
    {
      fprintf (stderr, "usage: record-seeds OUTDIR\n");
      return 2;
    }
  tern_fuzz_init ();
  g_mkdir_with_parents (argv[1], 0755);
  for (guint i = 0; i < G_N_ELEMENTS (variants); i++)
    if (!record (variants[i].flags, variants[i].name, argv[1], &error))
      {
        fprintf (stderr, "record-seeds: %s: %s\n", variants[i].name, error->message);
        return 1;
      }
  return 0;
}
