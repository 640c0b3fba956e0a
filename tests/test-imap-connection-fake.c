/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-imap-connection"

#include "config.h"

#include <string.h>

#include "tern-test-time.h"
#include "test-imap-connection-common.h"

/*
 * The connection layer against a scripted fake server, for what Dovecot will not do: stay
 * silent, not offer STARTTLS, send news before IDLE's continuation; and cancel() from another
 * thread, against the fake server and inside a TLS session with the real Dovecot.
 */

static TernTestServer *full_server;

/* A scripted fake server on loopback, one connection, in its own thread */

typedef enum
{
  FAKE_SILENT,           /* accepts, never sends a byte */
  FAKE_GREET_THEN_SILENT, /* greets, never answers */
  FAKE_NO_STARTTLS,      /* greets with capabilities that lack STARTTLS */
  FAKE_IDLE_EARLY,       /* PREAUTH; refuses the first IDLE, sends news before "+" on the next */
} FakeScript;

typedef struct
{
  GSocketListener *listener;
  GCancellable    *cancellable;
  GThread         *thread;
  FakeScript       script;
  guint16          port;
  GMutex           lock;
  GString         *received;
  GCond            accepted_cond;
  gboolean         accepted;   /* under lock: the connection was accepted */
} FakeServer;

static void
fake_write (GOutputStream *output,
            const char    *text)
{
  g_output_stream_write_all (output, text, strlen (text), NULL, NULL, NULL);
}

static gpointer
fake_server_thread (gpointer user_data)
{
  FakeServer *fake = user_data;
  g_autoptr(GSocketConnection) connection = NULL;
  g_autoptr(GDataInputStream) input = NULL;
  g_autofree char *idle_tag = NULL;
  GOutputStream *output;
  guint idles = 0;

  connection = g_socket_listener_accept (fake->listener, NULL, fake->cancellable, NULL);
  if (connection == NULL)
    return NULL;
  g_mutex_lock (&fake->lock);
  fake->accepted = TRUE;
  g_cond_broadcast (&fake->accepted_cond);
  g_mutex_unlock (&fake->lock);

  output = g_io_stream_get_output_stream (G_IO_STREAM (connection));
  input = g_data_input_stream_new (g_io_stream_get_input_stream (G_IO_STREAM (connection)));
  g_data_input_stream_set_newline_type (input, G_DATA_STREAM_NEWLINE_TYPE_CR_LF);

  if (fake->script == FAKE_GREET_THEN_SILENT)
    fake_write (output, "* OK fake server ready\r\n");
  else if (fake->script == FAKE_NO_STARTTLS)
    fake_write (output, "* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] fake server ready\r\n");
  else if (fake->script == FAKE_IDLE_EARLY)
    fake_write (output, "* PREAUTH [CAPABILITY IMAP4rev1 IDLE] fake server ready\r\n");

  for (;;)
    {
      g_autofree char *line = g_data_input_stream_read_line (input, NULL, fake->cancellable, NULL);
      g_auto(GStrv) words = NULL;

      if (line == NULL)
        break;

      g_mutex_lock (&fake->lock);
      g_string_append_printf (fake->received, "%s\n", line);
      g_mutex_unlock (&fake->lock);

      if (fake->script == FAKE_SILENT || fake->script == FAKE_GREET_THEN_SILENT)
        continue;

      if (g_ascii_strcasecmp (line, "DONE") == 0)
        {
          g_autofree char *reply = g_strdup_printf ("%s OK idle done\r\n", idle_tag);
          fake_write (output, reply);
          continue;
        }

      words = g_strsplit (line, " ", 3);
      if (words[0] == NULL || words[1] == NULL)
        continue;
      if (g_ascii_strcasecmp (words[1], "SELECT") == 0)
        {
          g_autofree char *reply = g_strdup_printf ("* 2 EXISTS\r\n* OK [UIDVALIDITY 42] ok\r\n"
                                                    "%s OK [READ-WRITE] selected\r\n", words[0]);
          fake_write (output, reply);
        }
      else if (g_ascii_strcasecmp (words[1], "IDLE") == 0 && idles++ == 0)
        {
          g_autofree char *reply = g_strdup_printf ("* 5 RECENT\r\n%s NO not now\r\n", words[0]);
          fake_write (output, reply);
        }
      else if (g_ascii_strcasecmp (words[1], "IDLE") == 0)
        {
          /* Untagged data, one with a literal, before the continuation (upstream #393). */
          g_free (idle_tag);
          idle_tag = g_strdup (words[0]);
          fake_write (output, "* 3 EXISTS\r\n"
                              "* 3 FETCH (UID 7 BODY[HEADER.FIELDS (SUBJECT)] {14}\r\n"
                              "Subject: x\r\n\r\n)\r\n"
                              "+ idling\r\n");
        }
      else if (g_ascii_strcasecmp (words[1], "NOOP") == 0)
        {
          g_autofree char *reply = g_strdup_printf ("%s OK noop\r\n", words[0]);
          fake_write (output, reply);
        }
      else if (g_ascii_strcasecmp (words[1], "CAPABILITY") == 0)
        {
          g_autofree char *reply = g_strdup_printf ("* CAPABILITY IMAP4rev1 AUTH=PLAIN\r\n"
                                                    "%s OK done\r\n", words[0]);
          fake_write (output, reply);
        }
      else if (g_ascii_strcasecmp (words[1], "LOGOUT") == 0)
        {
          g_autofree char *reply = g_strdup_printf ("* BYE bye\r\n%s OK done\r\n", words[0]);
          fake_write (output, reply);
          break;
        }
      else
        {
          g_autofree char *reply = g_strdup_printf ("%s BAD unknown command\r\n", words[0]);
          fake_write (output, reply);
        }
    }

  g_io_stream_close (G_IO_STREAM (connection), NULL, NULL);
  return NULL;
}

static FakeServer *
fake_server_new (FakeScript script)
{
  FakeServer *fake = g_new0 (FakeServer, 1);
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) effective = NULL;
  g_autoptr(GError) error = NULL;

  fake->script = script;
  fake->cancellable = g_cancellable_new ();
  fake->received = g_string_new (NULL);
  g_mutex_init (&fake->lock);
  g_cond_init (&fake->accepted_cond);
  fake->listener = g_socket_listener_new ();
  g_socket_listener_add_address (fake->listener, address, G_SOCKET_TYPE_STREAM,
                                 G_SOCKET_PROTOCOL_TCP, NULL, &effective, &error);
  g_assert_no_error (error);
  fake->port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (effective));
  fake->thread = g_thread_new ("fake-imap-server", fake_server_thread, fake);

  return fake;
}

static char *
fake_server_dup_received (FakeServer *fake)
{
  char *copy;

  g_mutex_lock (&fake->lock);
  copy = g_strdup (fake->received->str);
  g_mutex_unlock (&fake->lock);

  return copy;
}

static void
fake_server_free (FakeServer *fake)
{
  g_cancellable_cancel (fake->cancellable);
  g_thread_join (fake->thread);
  g_socket_listener_close (fake->listener);
  g_object_unref (fake->listener);
  g_object_unref (fake->cancellable);
  g_string_free (fake->received, TRUE);
  g_mutex_clear (&fake->lock);
  g_cond_clear (&fake->accepted_cond);
  g_free (fake);
}

static TernImapSettings
settings_for_fake (FakeServer       *fake,
                   TernImapSecurity  security,
                   guint             timeout_seconds)
{
  TernImapSettings settings = {
    .host = "127.0.0.1",
    .port = fake->port,
    .security = security,
    .user = USER,
    .timeout_seconds = timeout_seconds,
  };

  return settings;
}

/* STARTTLS asked for, not offered: refuse, and never send LOGIN or STARTTLS. */
static void
test_starttls_not_offered (void)
{
  FakeServer *fake = fake_server_new (FAKE_NO_STARTTLS);
  TernImapSettings settings = settings_for_fake (fake, TERN_IMAP_SECURITY_STARTTLS, 5);
  g_autoptr(GError) error = NULL;
  g_autofree char *received = NULL;
  TernImapConnection *conn = tern_imap_connection_new (&settings);

  g_assert_false (tern_imap_connection_connect (conn, &error));
  g_assert_error (error, TERN_SYNC_ERROR, TERN_SYNC_ERROR_INSECURE);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, "STARTTLS"));

  g_clear_error (&error);
  g_assert_false (tern_imap_connection_login (conn, PASSWORD, &error));
  g_assert_error (error, TERN_SYNC_ERROR, TERN_SYNC_ERROR_INSECURE);

  tern_imap_connection_close (conn);
  tern_imap_connection_free (conn);

  /* Each line was recorded before its reply, so the record is complete. */
  received = fake_server_dup_received (fake);
  g_test_message ("the fake server received: %s", received);
  g_assert_null (strstr (received, "STARTTLS"));
  g_assert_null (strstr (received, "LOGIN"));
  g_assert_null (strstr (received, "AUTHENTICATE"));
  fake_server_free (fake);
}

/* A server that accepts and says nothing fails within the timeout, in the clear and in TLS. */
static void
test_no_greeting (void)
{
  TernImapSecurity securities[] = { TERN_IMAP_SECURITY_NONE, TERN_IMAP_SECURITY_TLS };

  for (guint i = 0; i < G_N_ELEMENTS (securities); i++)
    {
      FakeServer *fake = fake_server_new (FAKE_SILENT);
      TernImapSettings settings = settings_for_fake (fake, securities[i], 1);
      g_autoptr(GError) error = NULL;
      TernImapConnection *conn = tern_imap_connection_new (&settings);
      gint64 start = g_get_monotonic_time ();
      gdouble elapsed;

      g_assert_false (tern_imap_connection_connect (conn, &error));
      elapsed = seconds_since (start);
      g_assert_error (error, TERN_SYNC_ERROR, TERN_SYNC_ERROR_OFFLINE);
      g_test_message ("after %.2f s: %s", elapsed, error->message);
      /* The 1 s timeout, not at once and not much later... */
      g_assert_cmpfloat (elapsed, >=, 0.8);
      g_assert_cmpfloat (elapsed, <, TERN_TEST_SECONDS (4.0));

      /* ...and no LOGOUT (3 s) on the dead connection. */
      start = g_get_monotonic_time ();
      tern_imap_connection_close (conn);
      tern_imap_connection_free (conn);
      g_assert_cmpfloat (seconds_since (start), <, TERN_TEST_SECONDS (0.5));

      fake_server_free (fake);
    }
}

/* cancel() from another thread once the test's thread is blocked in a read (and, with a
 * fake server, once that server has the connection: the read is the greeting's). */
typedef struct
{
  TernImapConnection *conn;
  FakeServer         *fake;   /* or NULL */
  pid_t               reader;
  gboolean            blocked;
} Canceller;

static gpointer
cancel_when_blocked_thread (gpointer user_data)
{
  Canceller *c = user_data;
  gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

  if (c->fake != NULL)
    {
      g_mutex_lock (&c->fake->lock);
      while (!c->fake->accepted && g_cond_wait_until (&c->fake->accepted_cond, &c->fake->lock, deadline))
        ;
      g_mutex_unlock (&c->fake->lock);
    }
  c->blocked = tern_test_wait_blocked (c->reader, 10000);
  tern_imap_connection_cancel (c->conn);
  return NULL;
}

/* cancel() from another thread unblocks a read at once: a greeting that never comes... */
static void
test_cancel_plain_read (void)
{
  FakeServer *fake = fake_server_new (FAKE_SILENT);
  TernImapSettings settings = settings_for_fake (fake, TERN_IMAP_SECURITY_NONE, 30);
  g_autoptr(GError) error = NULL;
  TernImapConnection *conn = tern_imap_connection_new (&settings);
  Canceller c = { conn, fake, tern_test_gettid (), FALSE };
  GThread *thread = g_thread_new ("canceller", cancel_when_blocked_thread, &c);
  gint64 start;

  /* The greeting never comes and the timeout is 30 s: only the cancel ends the wait. */
  g_assert_false (tern_imap_connection_connect (conn, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_thread_join (thread);
  g_assert_true (c.blocked);

  start = g_get_monotonic_time ();
  tern_imap_connection_close (conn);
  tern_imap_connection_free (conn);
  g_assert_cmpfloat (seconds_since (start), <, TERN_TEST_SECONDS (0.5));

  fake_server_free (fake);
}

/* ...and a TLS read inside a session; the connection is dead afterwards. */
static void
test_cancel_tls_read (void)
{
  TernTestServer *server = get_server (&full_server, TERN_TEST_SERVER_FULL);
  g_autoptr(GError) error = NULL;
  TernImapConnection *conn = open_logged_in (server, TERN_IMAP_SECURITY_TLS, USER);
  mailimap *session = tern_imap_connection_get_session (conn);
  Canceller c = { NULL, NULL, 0, FALSE };
  GThread *thread;
  gint64 start;

  g_assert_true (tern_imap_connection_select (conn, "INBOX", TRUE, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (tern_imap_connection_idle_start (conn, &error));
  g_assert_no_error (error);

  /* While idling the server sends nothing and the read has no timeout: only the cancel,
   * once this thread is blocked in the read, ends it. */
  c.conn = conn;
  c.reader = tern_test_gettid ();
  thread = g_thread_new ("canceller", cancel_when_blocked_thread, &c);
  g_assert_null (mailimap_read_line (session));
  g_thread_join (thread);
  g_assert_true (c.blocked);

  g_assert_false (tern_imap_connection_check (conn, MAILIMAP_ERROR_STREAM, "IDLE", &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);

  /* Dead: later calls fail at once, libetpan's included. */
  start = g_get_monotonic_time ();
  g_assert_false (tern_imap_connection_raw_command (conn, "NOOP", &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);
  g_assert_cmpint (mailimap_noop (session), ==, MAILIMAP_ERROR_STREAM);
  g_assert_cmpfloat (seconds_since (start), <, TERN_TEST_SECONDS (0.5));

  /* No LOGOUT on a dead connection: close is immediate. */
  start = g_get_monotonic_time ();
  tern_imap_connection_close (conn);
  tern_imap_connection_free (conn);
  g_assert_cmpfloat (seconds_since (start), <, TERN_TEST_SECONDS (0.5));
}

/* libetpan's mailimap_idle() blocks if untagged data comes before "+"; ours keeps it as news. */
static void
test_idle_news_before_continuation (void)
{
  FakeServer *fake = fake_server_new (FAKE_IDLE_EARLY);
  TernImapSettings settings = settings_for_fake (fake, TERN_IMAP_SECURITY_NONE, 5);
  g_autoptr(GError) error = NULL;
  TernImapConnection *conn = tern_imap_connection_new (&settings);
  struct mailimap_response_info *info;
  mailimap *session;

  g_assert_true (tern_imap_connection_connect (conn, &error));
  g_assert_no_error (error);
  /* PREAUTH: already logged in, no password involved. */
  g_assert_true (tern_imap_connection_login (conn, PASSWORD, &error));
  g_assert_no_error (error);
  session = tern_imap_connection_get_session (conn);

  g_assert_true (tern_imap_connection_raw_command (conn, "SELECT \"INBOX\"", &error));
  g_assert_no_error (error);
  g_assert_cmpint (session->imap_state, ==, MAILIMAP_STATE_SELECTED);
  g_assert_cmpuint (session->imap_selection_info->sel_uidvalidity, ==, 42);
  g_assert_cmpuint (session->imap_selection_info->sel_exists, ==, 2);

  /* A refused IDLE is one failed command. */
  g_assert_false (tern_imap_connection_idle_start (conn, &error));
  g_assert_error (error, TERN_SYNC_ERROR, TERN_SYNC_ERROR_PERMANENT);
  g_test_message ("%s", error->message);
  g_clear_error (&error);
  g_assert_true (tern_imap_connection_raw_command (conn, "NOOP", &error));
  g_assert_no_error (error);

  g_assert_true (tern_imap_connection_idle_start (conn, &error));
  g_assert_no_error (error);
  /* The server sends nothing after the "+": only news kept from before it makes the wait
   * return 1 (libetpan's own wait would time out and return 0). */
  g_assert_cmpint (tern_imap_connection_idle_wait (conn, 5000, NULL), ==, 1);
  g_assert_true (tern_imap_connection_idle_done (conn, &error));
  g_assert_no_error (error);

  g_assert_cmpuint (session->imap_selection_info->sel_exists, ==, 3);
  info = session->imap_response_info;
  g_assert_cmpint (clist_count (info->rsp_fetch_list), ==, 1);
  g_assert_true (fetch_list_has_uid (session, 7));

  g_assert_true (tern_imap_connection_raw_command (conn, "NOOP", &error));
  g_assert_no_error (error);

  tern_imap_connection_close (conn);
  tern_imap_connection_free (conn);
  fake_server_free (fake);
}
int
main (int   argc,
      char *argv[])
{
  int ret;

  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/imap-connection/starttls-not-offered", test_starttls_not_offered);
  g_test_add_func ("/imap-connection/no-greeting", test_no_greeting);
  g_test_add_func ("/imap-connection/cancel-plain-read", test_cancel_plain_read);
  g_test_add_func ("/imap-connection/cancel-tls-read", test_cancel_tls_read);
  g_test_add_func ("/imap-connection/idle-news-before-continuation",
                   test_idle_news_before_continuation);

  ret = g_test_run ();

  g_clear_pointer (&full_server, tern_test_server_free);

  return ret;
}
