/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-imap-connection"

#include "config.h"

#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <glib/gstdio.h>

#include "tern-test-time.h"
#include "test-imap-connection-common.h"

/*
 * The connection layer against a real Dovecot (tests/fixture). The scripted fake server
 * (stalls, no STARTTLS, early IDLE news) and cancel() are in test-imap-connection-fake.c.
 */

static TernTestServer *full_server;
static TernTestServer *scram_server;
static TernTestServer *wrong_name_server;
static TernTestServer *remote_server; /* listens on 127.0.0.2: plaintext is "remote" */

/* Collects everything libetpan sends, secret or not. */
static void
sent_logger_cb (mailimap   *session,
                int         log_type,
                const char *str,
                size_t      size,
                void       *user_data)
{
  GString *sent = user_data;

  if (log_type == MAILSTREAM_LOG_TYPE_DATA_SENT ||
      log_type == MAILSTREAM_LOG_TYPE_DATA_SENT_PRIVATE)
    g_string_append_len (sent, str, size);
}

/* Implicit TLS, verified against the test CA, then LOGIN/AUTHENTICATE and ENABLE QRESYNC. */
static void
test_tls_login (void)
{
  TernTestServer *server = get_server (&full_server, TERN_TEST_SERVER_FULL);
  TernImapSettings settings = settings_for (server, TERN_IMAP_SECURITY_TLS, USER, TRUE);
  g_autoptr(GError) error = NULL;
  g_autofree char *expected_sha256 = tern_test_server_dup_cert_sha256 (server);
  g_autofree char *sha256 = NULL;
  g_autofree char *description = NULL;
  TernImapConnection *conn = tern_imap_connection_new (&settings);
  mailimap *session;

  g_assert_true (tern_imap_connection_connect (conn, &error));
  g_assert_no_error (error);
  g_assert_true (tern_imap_connection_is_encrypted (conn));
  g_assert_true (tern_imap_connection_has_capability (conn, "IMAP4rev1"));
  g_assert_true (tern_imap_connection_has_capability (conn, "imap4REV1"));
  g_assert_true (tern_imap_connection_has_capability (conn, "auth=plain"));
  g_assert_false (tern_imap_connection_has_capability (conn, "AUTH=NTLM"));

  sha256 = tern_imap_connection_dup_peer_sha256 (conn);
  g_assert_cmpstr (sha256, ==, expected_sha256);
  description = tern_imap_connection_dup_peer_description (conn);
  g_assert_nonnull (strstr (description, expected_sha256));

  g_assert_true (tern_imap_connection_login (conn, PASSWORD, &error));
  g_assert_no_error (error);
  session = tern_imap_connection_get_session (conn);
  g_assert_cmpint (session->imap_state, ==, MAILIMAP_STATE_AUTHENTICATED);
  g_assert_true (tern_imap_connection_has_capability (conn, "QRESYNC"));
  g_assert_true (tern_imap_connection_is_qresync_enabled (conn));

  g_assert_true (tern_imap_connection_raw_command (conn, "NOOP", &error));
  g_assert_no_error (error);

  g_assert_cmpuint (tern_imap_connection_get_bytes_read (conn), >, 100);
  g_assert_cmpuint (tern_imap_connection_get_bytes_written (conn), >, 10);
  /* LOGIN/AUTHENTICATE, ENABLE and NOOP at least (the greeting is not a round trip). */
  g_assert_cmpuint (tern_imap_connection_get_round_trips (conn), >=, 3);

  tern_imap_connection_close (conn);
  tern_imap_connection_free (conn);
}

/* STARTTLS: the capability list is read again after TLS and again after login. */
static void
test_starttls_login (void)
{
  TernTestServer *server = get_server (&full_server, TERN_TEST_SERVER_FULL);
  TernImapSettings settings = settings_for (server, TERN_IMAP_SECURITY_STARTTLS, USER, TRUE);
  g_autoptr(GError) error = NULL;
  TernImapConnection *conn = tern_imap_connection_new (&settings);

  g_assert_true (tern_imap_connection_connect (conn, &error));
  g_assert_no_error (error);
  g_assert_true (tern_imap_connection_is_encrypted (conn));

  /* STARTTLS was offered (else connect fails); the list from inside TLS no longer has it. */
  g_assert_false (tern_imap_connection_has_capability (conn, "STARTTLS"));
  g_assert_true (tern_imap_connection_has_capability (conn, "AUTH=PLAIN"));
  g_assert_false (tern_imap_connection_has_capability (conn, "QRESYNC"));

  g_assert_true (tern_imap_connection_login (conn, PASSWORD, &error));
  g_assert_no_error (error);

  /* The post-login list: QRESYNC appears, AUTH= mechanisms are gone. */
  g_assert_true (tern_imap_connection_has_capability (conn, "QRESYNC"));
  g_assert_false (tern_imap_connection_has_capability (conn, "AUTH=PLAIN"));
  g_assert_true (tern_imap_connection_is_qresync_enabled (conn));

  g_assert_true (tern_imap_connection_raw_command (conn, "NOOP", &error));
  g_assert_no_error (error);

  tern_imap_connection_close (conn);
  tern_imap_connection_free (conn);
}

static void
assert_unknown_ca_refused (TernImapSecurity security)
{
  TernTestServer *server = get_server (&full_server, TERN_TEST_SERVER_FULL);
  TernImapSettings settings = settings_for (server, security, USER, FALSE);
  g_autoptr(GError) error = NULL;
  g_autofree char *expected_sha256 = tern_test_server_dup_cert_sha256 (server);
  g_autofree char *sha256 = NULL;
  g_autofree char *description = NULL;
  TernImapConnection *conn = tern_imap_connection_new (&settings);

  g_assert_false (tern_imap_connection_connect (conn, &error));
  g_assert_error (error, TERN_SYNC_ERROR, TERN_SYNC_ERROR_CERTIFICATE);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, "unknown authority"));
  g_assert_false (tern_imap_connection_is_encrypted (conn));

  /* The refused certificate can still be shown and pinned. */
  sha256 = tern_imap_connection_dup_peer_sha256 (conn);
  g_assert_cmpstr (sha256, ==, expected_sha256);
  description = tern_imap_connection_dup_peer_description (conn);
  g_assert_nonnull (description);
  g_test_message ("%s", description);
  g_assert_nonnull (strstr (description, "Issuer:"));
  g_assert_nonnull (strstr (description, expected_sha256));

  /* The connection is dead: nothing else is attempted. */
  g_clear_error (&error);
  g_assert_false (tern_imap_connection_login (conn, PASSWORD, &error));
  g_assert_error (error, TERN_SYNC_ERROR, TERN_SYNC_ERROR_CERTIFICATE);

  tern_imap_connection_close (conn);
  tern_imap_connection_free (conn);
}

/* Without ca_file the system CAs apply, and they do not know the test CA. */
static void
test_unknown_ca (void)
{
  assert_unknown_ca_refused (TERN_IMAP_SECURITY_TLS);
  assert_unknown_ca_refused (TERN_IMAP_SECURITY_STARTTLS);
}

/* A pinned fingerprint makes the unverifiable certificate acceptable, and only that one. */
static void
test_pinned (void)
{
  TernTestServer *server = get_server (&full_server, TERN_TEST_SERVER_FULL);
  TernImapSettings settings = settings_for (server, TERN_IMAP_SECURITY_TLS, USER, FALSE);
  g_autoptr(GError) error = NULL;
  g_autofree char *sha256 = tern_test_server_dup_cert_sha256 (server);
  g_autoptr(GString) colons = g_string_new (NULL);
  TernImapConnection *conn;

  settings.pinned_sha256 = sha256;
  conn = tern_imap_connection_new (&settings);
  g_assert_true (tern_imap_connection_connect (conn, &error));
  g_assert_no_error (error);
  g_assert_true (tern_imap_connection_is_encrypted (conn));
  g_assert_true (tern_imap_connection_login (conn, PASSWORD, &error));
  g_assert_no_error (error);
  tern_imap_connection_close (conn);
  tern_imap_connection_free (conn);

  /* "AB:CD:..." as a UI may show it is the same pin. */
  for (const char *p = sha256; *p != '\0'; p += 2)
    g_string_append_printf (colons, "%s%c%c", colons->len ? ":" : "",
                            g_ascii_toupper (p[0]), g_ascii_toupper (p[1]));
  settings.pinned_sha256 = colons->str;
  conn = tern_imap_connection_new (&settings);
  g_assert_true (tern_imap_connection_connect (conn, &error));
  g_assert_no_error (error);
  tern_imap_connection_close (conn);
  tern_imap_connection_free (conn);

  settings.pinned_sha256 = "0000000000000000000000000000000000000000000000000000000000000000";
  conn = tern_imap_connection_new (&settings);
  g_assert_false (tern_imap_connection_connect (conn, &error));
  g_assert_error (error, TERN_SYNC_ERROR, TERN_SYNC_ERROR_CERTIFICATE);
  g_assert_nonnull (strstr (error->message, "pinned"));
  tern_imap_connection_close (conn);
  tern_imap_connection_free (conn);
}

/* A certificate from the trusted CA for another name is refused. */
static void
test_wrong_hostname (void)
{
  TernTestServer *server = get_server (&wrong_name_server, TERN_TEST_SERVER_WRONG_HOSTNAME);
  TernImapSettings settings = settings_for (server, TERN_IMAP_SECURITY_TLS, USER, TRUE);
  g_autoptr(GError) error = NULL;
  TernImapConnection *conn = tern_imap_connection_new (&settings);

  g_assert_false (tern_imap_connection_connect (conn, &error));
  g_assert_error (error, TERN_SYNC_ERROR, TERN_SYNC_ERROR_CERTIFICATE);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, "does not match"));
  g_assert_null (strstr (error->message, "unknown authority"));

  tern_imap_connection_close (conn);
  tern_imap_connection_free (conn);
}

/* Security NONE: the connection works, but no password ever leaves the machine. */
static void
test_plaintext_refused (void)
{
  TernTestServer *server = get_server (&remote_server, TERN_TEST_SERVER_LISTEN_127_0_0_2);
  TernImapSettings settings = settings_for (server, TERN_IMAP_SECURITY_NONE, USER, FALSE);
  g_autoptr(GError) error = NULL;
  g_autoptr(GString) sent = g_string_new (NULL);
  TernImapConnection *conn = tern_imap_connection_new (&settings);
  guint64 written;

  g_assert_cmpstr (settings.host, ==, "127.0.0.2");
  g_assert_true (tern_imap_connection_connect (conn, &error));
  g_assert_no_error (error);
  g_assert_false (tern_imap_connection_is_encrypted (conn));
  g_assert_true (tern_imap_connection_has_capability (conn, "LOGINDISABLED"));

  mailimap_set_logger (tern_imap_connection_get_session (conn), sent_logger_cb, sent);
  written = tern_imap_connection_get_bytes_written (conn);

  g_assert_false (tern_imap_connection_login (conn, PASSWORD, &error));
  g_assert_error (error, TERN_SYNC_ERROR, TERN_SYNC_ERROR_INSECURE);
  g_test_message ("%s", error->message);

  g_assert_cmpuint (tern_imap_connection_get_bytes_written (conn), ==, written);
  g_assert_cmpuint (sent->len, ==, 0);

  /* The connection itself is still fine. */
  g_assert_true (tern_imap_connection_raw_command (conn, "NOOP", NULL));
  g_assert_null (strstr (sent->str, PASSWORD));

  tern_imap_connection_close (conn);
  tern_imap_connection_free (conn);
}

static void
test_wrong_password (void)
{
  TernTestServer *server = get_server (&full_server, TERN_TEST_SERVER_FULL);
  TernImapSettings settings = settings_for (server, TERN_IMAP_SECURITY_TLS, USER, TRUE);
  g_autoptr(GError) error = NULL;
  TernImapConnection *conn = tern_imap_connection_new (&settings);

  g_assert_true (tern_imap_connection_connect (conn, &error));
  g_assert_no_error (error);

  g_assert_false (tern_imap_connection_login (conn, "not the password", &error));
  g_assert_error (error, TERN_SYNC_ERROR, TERN_SYNC_ERROR_AUTH);
  g_test_message ("%s", error->message);
  /* The server's own words reach the user. */
  g_assert_nonnull (strstr (error->message, "Authentication failed"));

  /* Not dead: the user may type the password again on the same connection. */
  g_clear_error (&error);
  g_assert_true (tern_imap_connection_login (conn, PASSWORD, &error));
  g_assert_no_error (error);

  tern_imap_connection_close (conn);
  tern_imap_connection_free (conn);
}

static guint16
unused_port (void)
{
  g_autoptr(GSocket) socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM,
                                            G_SOCKET_PROTOCOL_TCP, NULL);
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) bound = NULL;

  g_assert_true (g_socket_bind (socket, address, TRUE, NULL));
  bound = g_socket_get_local_address (socket, NULL);
  /* Bound but not listening, then closed: connecting is refused. */
  return g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
}

static void
test_connection_refused (void)
{
  TernImapSettings settings = {
    .host = "127.0.0.1",
    .port = unused_port (),
    .security = TERN_IMAP_SECURITY_TLS,
    .user = USER,
    .timeout_seconds = 5,
  };
  g_autoptr(GError) error = NULL;
  TernImapConnection *conn = tern_imap_connection_new (&settings);

  g_assert_false (tern_imap_connection_connect (conn, &error));
  g_assert_error (error, TERN_SYNC_ERROR, TERN_SYNC_ERROR_OFFLINE);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, "refused"));
  g_assert_null (strchr (error->message, '\n'));

  tern_imap_connection_close (conn);
  tern_imap_connection_free (conn);
}

static void
test_unknown_host (void)
{
  TernImapSettings settings = {
    .host = "nonexistent.invalid",
    .port = 993,
    .security = TERN_IMAP_SECURITY_TLS,
    .user = USER,
    .timeout_seconds = 5,
  };
  g_autoptr(GError) error = NULL;
  TernImapConnection *conn = tern_imap_connection_new (&settings);

  g_assert_false (tern_imap_connection_connect (conn, &error));
  g_test_message ("%s", error->message);
  if (g_error_matches (error, TERN_SYNC_ERROR, TERN_SYNC_ERROR_OFFLINE) &&
      g_str_has_prefix (error->message, "Cannot look up"))
    {
      /* No DNS server reachable: the resolver cannot say "does not exist". */
      g_test_skip ("The resolver reported a temporary failure");
      tern_imap_connection_free (conn);
      return;
    }
  g_assert_error (error, TERN_SYNC_ERROR, TERN_SYNC_ERROR_CONFIG);
  g_assert_nonnull (strstr (error->message, "nonexistent.invalid"));
  g_assert_null (strchr (error->message, '\n'));

  tern_imap_connection_close (conn);
  tern_imap_connection_free (conn);
}

static char *
file_certificate_sha256 (const char *path)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GTlsCertificate) certificate = g_tls_certificate_new_from_file (path, &error);
  g_autoptr(GByteArray) der = NULL;

  g_assert_no_error (error);
  g_object_get (certificate, "certificate", &der, NULL);

  return g_compute_checksum_for_data (G_CHECKSUM_SHA256, der->data, der->len);
}

/* GIO 2.74 cannot set a minimum TLS version and glib-networking still negotiates
 * TLS 1.1: the connection checks the outcome. openssl s_server plays the old server. */
static void
test_old_tls_refused (void)
{
  g_autofree char *openssl = g_find_program_in_path ("openssl");
  g_autofree char *dir = NULL;
  g_autofree char *key = NULL;
  g_autofree char *cert = NULL;
  g_autofree char *port_str = NULL;
  g_autofree char *sha256 = NULL;
  g_autoptr(GError) error = NULL;
  TernImapSettings settings = { 0 };
  TernImapConnection *conn;
  GPid pid;
  int status;

  if (openssl == NULL)
    {
      g_test_skip ("openssl is not installed");
      return;
    }

  dir = g_dir_make_tmp ("tern-old-tls-XXXXXX", &error);
  g_assert_no_error (error);
  key = g_build_filename (dir, "key.pem", NULL);
  cert = g_build_filename (dir, "cert.pem", NULL);

  {
    const char *argv[] = { openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes",
                           "-keyout", key, "-out", cert, "-subj", "/CN=localhost",
                           "-days", "1", NULL };

    g_spawn_sync (NULL, (char **) argv, NULL,
                  G_SPAWN_STDOUT_TO_DEV_NULL | G_SPAWN_STDERR_TO_DEV_NULL,
                  NULL, NULL, NULL, NULL, &status, &error);
    g_assert_no_error (error);
    g_spawn_check_wait_status (status, &error);
    g_assert_no_error (error);
  }

  settings.host = "127.0.0.1";
  settings.port = unused_port ();
  settings.security = TERN_IMAP_SECURITY_TLS;
  settings.user = USER;
  settings.timeout_seconds = 5;
  sha256 = file_certificate_sha256 (cert);
  settings.pinned_sha256 = sha256; /* trust is not the question here */
  port_str = g_strdup_printf ("%u", settings.port);

  {
    const char *argv[] = { openssl, "s_server", "-accept", port_str, "-cert", cert,
                           "-key", key, "-tls1_1", "-cipher", "DEFAULT@SECLEVEL=0",
                           "-www", "-quiet", NULL };

    g_spawn_async (NULL, (char **) argv, NULL,
                   G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_STDOUT_TO_DEV_NULL |
                   G_SPAWN_STDERR_TO_DEV_NULL,
                   NULL, NULL, &pid, &error);
    g_assert_no_error (error);
  }

  /* Wait until it listens. */
  for (guint i = 0; i < 100; i++)
    {
      g_autoptr(GSocketClient) client = g_socket_client_new ();
      g_autoptr(GSocketConnection) probe =
        g_socket_client_connect_to_host (client, "127.0.0.1", settings.port, NULL, NULL);

      if (probe != NULL)
        break;
      g_usleep (50 * 1000);
    }

  conn = tern_imap_connection_new (&settings);
  g_assert_false (tern_imap_connection_connect (conn, &error));
  g_test_message ("%s", error->message);
  g_assert_error (error, TERN_SYNC_ERROR, TERN_SYNC_ERROR_INSECURE);
  g_assert_nonnull (strstr (error->message, "TLS 1.1"));
  tern_imap_connection_close (conn);
  tern_imap_connection_free (conn);

  kill (pid, SIGTERM);
  waitpid (pid, NULL, 0);
  g_spawn_close_pid (pid);
  g_remove (key);
  g_remove (cert);
  g_rmdir (dir);
}

static void
test_scram (void)
{
  TernTestServer *server = get_server (&scram_server, TERN_TEST_SERVER_SCRAM);
  TernImapSettings settings = settings_for (server, TERN_IMAP_SECURITY_TLS, USER, TRUE);
  g_autoptr(GError) error = NULL;
  g_autoptr(GString) sent = g_string_new (NULL);
  TernImapConnection *conn = tern_imap_connection_new (&settings);

  g_assert_true (tern_imap_connection_connect (conn, &error));
  g_assert_no_error (error);

  if (!tern_imap_connection_has_capability (conn, "AUTH=SCRAM-SHA-256"))
    {
      g_test_skip ("The test server does not offer SCRAM-SHA-256");
      tern_imap_connection_close (conn);
      tern_imap_connection_free (conn);
      return;
    }

  mailimap_set_logger (tern_imap_connection_get_session (conn), sent_logger_cb, sent);

  /* A wrong password first: the server refuses the proof. */
  g_assert_false (tern_imap_connection_login (conn, "not the password", &error));
  g_assert_error (error, TERN_SYNC_ERROR, TERN_SYNC_ERROR_AUTH);
  g_test_message ("%s", error->message);
  g_clear_error (&error);
  /* (After SCRAM's NO the wrong password was also tried with PLAIN, inside TLS: a server
   * may advertise SCRAM and fail it, #10.) The right one goes by SCRAM alone. */
  g_string_truncate (sent, 0);

  g_assert_true (tern_imap_connection_login (conn, PASSWORD, &error));
  g_assert_no_error (error);
  g_assert_nonnull (strstr (sent->str, "AUTHENTICATE SCRAM-SHA-256"));
  g_assert_null (strstr (sent->str, "AUTHENTICATE PLAIN"));
  g_assert_null (strstr (sent->str, PASSWORD));
  g_assert_true (tern_imap_connection_is_qresync_enabled (conn));

  g_assert_true (tern_imap_connection_raw_command (conn, "NOOP", &error));
  g_assert_no_error (error);

  tern_imap_connection_close (conn);
  tern_imap_connection_free (conn);
}

static const char test_message[] =
  "From: Bob <bob@example.org>\r\n"
  "To: Alice <alice@example.org>\r\n"
  "Subject: Hello\r\n"
  "Message-ID: <%u@example.org>\r\n"
  "Date: Mon, 1 Jan 2024 10:00:00 +0000\r\n"
  "\r\n"
  "Hello Alice.\r\n";

static guint32
append_message (TernTestClient *client,
                const char     *mailbox)
{
  static guint counter;
  g_autoptr(GError) error = NULL;
  g_autofree char *message = g_strdup_printf (test_message, ++counter);
  guint32 uid;

  uid = tern_test_client_append (client, mailbox, NULL, NULL, message, strlen (message), &error);
  g_assert_no_error (error);

  return uid;
}

typedef struct
{
  GCancellable *interrupt;
  pid_t         waiter;
  gboolean      blocked;
} Interrupter;

/* Interrupts once the test's thread is blocked in idle_wait(). */
static gpointer
interrupt_when_blocked_thread (gpointer user_data)
{
  Interrupter *i = user_data;

  i->blocked = tern_test_wait_blocked (i->waiter, 10000);
  g_cancellable_cancel (i->interrupt);
  return NULL;
}

/* IDLE: quiet is a timeout, an interrupt is -1, another client's APPEND wakes us. */
static void
test_idle (void)
{
  TernTestServer *server = get_server (&full_server, TERN_TEST_SERVER_FULL);
  g_autoptr(TernTestClient) client = NULL;
  g_autoptr(GCancellable) interrupt = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  TernImapConnection *conn = open_logged_in (server, TERN_IMAP_SECURITY_TLS, USER);
  mailimap *session = tern_imap_connection_get_session (conn);
  Interrupter interrupter = { 0 };
  GThread *thread;
  guint32 exists;
  gint64 start;

  client = tern_test_client_new (server, USER, PASSWORD, &error);
  g_assert_no_error (error);
  g_assert_true (tern_test_client_command (client, NULL, &error, "CREATE Idle"));
  g_assert_no_error (error);
  append_message (client, "Idle");

  g_assert_true (tern_imap_connection_select (conn, "Idle", TRUE, NULL, &error));
  g_assert_no_error (error);
  exists = session->imap_selection_info->sel_exists;
  g_assert_cmpuint (exists, ==, 1);

  g_assert_true (tern_imap_connection_idle_start (conn, &error));
  g_assert_no_error (error);

  g_assert_cmpint (tern_imap_connection_idle_wait (conn, 200, NULL), ==, 0);

  /* An interrupt ends a wait of 30 s: -1 (a wait that ran out would return 0). */
  interrupter.interrupt = interrupt;
  interrupter.waiter = tern_test_gettid ();
  thread = g_thread_new ("interrupter", interrupt_when_blocked_thread, &interrupter);
  g_assert_cmpint (tern_imap_connection_idle_wait (conn, 30000, interrupt), ==, -1);
  g_thread_join (thread);
  g_assert_true (interrupter.blocked);

  append_message (client, "Idle");
  start = g_get_monotonic_time ();
  g_assert_cmpint (tern_imap_connection_idle_wait (conn, 2000, NULL), ==, 1);
  g_test_message ("woken after %.2f s", seconds_since (start));

  g_assert_true (tern_imap_connection_idle_done (conn, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (session->imap_selection_info->sel_exists, ==, exists + 1);

  /* News that arrives between SELECT and IDLE may come before the "+" (the APPEND has
   * completed: the server reports it when IDLE starts, before or after the "+"; the scripted
   * server of /imap/idle/news-before-continuation sends it before, every time): still news. */
  append_message (client, "Idle");
  g_assert_true (tern_imap_connection_idle_start (conn, &error));
  g_assert_no_error (error);
  g_assert_cmpint (tern_imap_connection_idle_wait (conn, 2000, NULL), ==, 1);
  g_assert_true (tern_imap_connection_idle_done (conn, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (session->imap_selection_info->sel_exists, ==, exists + 2);

  /* The connection is in step afterwards. */
  g_assert_true (tern_imap_connection_raw_command (conn, "NOOP", &error));
  g_assert_no_error (error);

  tern_imap_connection_close (conn);
  tern_imap_connection_free (conn);
}

static gboolean
vanished_earlier_contains (mailimap *session,
                           guint32   uid)
{
  struct mailimap_response_info *info = session->imap_response_info;

  for (clistiter *cur = clist_begin (info->rsp_extension_list); cur != NULL; cur = clist_next (cur))
    {
      struct mailimap_extension_data *data = clist_content (cur);
      struct mailimap_qresync_vanished *vanished;

      if (data->ext_extension->ext_id != MAILIMAP_EXTENSION_QRESYNC ||
          data->ext_type != MAILIMAP_QRESYNC_TYPE_VANISHED)
        continue;

      vanished = data->ext_data;
      if (!vanished->qr_earlier)
        continue;

      for (clistiter *item = clist_begin (vanished->qr_known_uids->set_list);
           item != NULL;
           item = clist_next (item))
        {
          struct mailimap_set_item *range = clist_content (item);

          if (range->set_first <= uid && uid <= range->set_last)
            return TRUE;
        }
    }

  return FALSE;
}

/* SELECT (QRESYNC ...), by the helper and raw, reports another client's expunge. */
static void
test_qresync_select (void)
{
  TernTestServer *server = get_server (&full_server, TERN_TEST_SERVER_FULL);
  g_autoptr(TernTestClient) client = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *raw = NULL;
  g_autofree char *known_uids = NULL;
  TernImapConnection *conn;
  mailimap *session;
  guint32 uids[3], uidvalidity;
  guint64 modseq = 0;

  client = tern_test_client_new (server, "bob", PASSWORD, &error);
  g_assert_no_error (error);
  g_assert_true (tern_test_client_command (client, NULL, &error, "CREATE Qresync"));
  g_assert_no_error (error);
  for (guint i = 0; i < G_N_ELEMENTS (uids); i++)
    uids[i] = append_message (client, "Qresync");

  /* First sync: remember UIDVALIDITY and HIGHESTMODSEQ. */
  conn = open_logged_in (server, TERN_IMAP_SECURITY_TLS, "bob");
  g_assert_true (tern_imap_connection_is_qresync_enabled (conn));
  g_assert_true (tern_imap_connection_select (conn, "Qresync", TRUE, &modseq, &error));
  g_assert_no_error (error);
  session = tern_imap_connection_get_session (conn);
  uidvalidity = session->imap_selection_info->sel_uidvalidity;
  g_assert_cmpuint (uidvalidity, >, 0);
  g_assert_cmpuint (modseq, >, 0);
  g_assert_cmpuint (uids[1], >, 0);
  tern_imap_connection_close (conn);
  tern_imap_connection_free (conn);

  /* Meanwhile another client expunges the second message and flags the third. */
  g_assert_true (tern_test_client_command (client, NULL, &error, "SELECT Qresync"));
  g_assert_true (tern_test_client_command (client, NULL, &error,
                                           "UID STORE %u +FLAGS.SILENT (\\Deleted)", uids[1]));
  g_assert_true (tern_test_client_command (client, NULL, &error, "UID EXPUNGE %u", uids[1]));
  g_assert_true (tern_test_client_command (client, NULL, &error,
                                           "UID STORE %u +FLAGS.SILENT (\\Flagged)", uids[2]));
  g_assert_no_error (error);

  /* The helper. */
  conn = open_logged_in (server, TERN_IMAP_SECURITY_TLS, "bob");
  session = tern_imap_connection_get_session (conn);
  known_uids = g_strdup_printf ("%u:%u", uids[0], uids[2]);
  g_assert_true (tern_imap_connection_select_qresync (conn, "Qresync", uidvalidity, modseq,
                                                      known_uids, &error));
  g_assert_no_error (error);
  g_assert_cmpint (session->imap_state, ==, MAILIMAP_STATE_SELECTED);
  g_assert_cmpuint (session->imap_selection_info->sel_uidvalidity, ==, uidvalidity);
  g_assert_cmpuint (session->imap_selection_info->sel_exists, ==, 2);
  g_assert_true (vanished_earlier_contains (session, uids[1]));
  g_assert_false (vanished_earlier_contains (session, uids[0]));
  g_assert_true (fetch_list_has_uid (session, uids[2]));
  g_assert_cmpuint (tern_imap_connection_get_highestmodseq (conn), >, modseq);

  /* A missing folder is NO_SUCH_FOLDER and leaves the connection usable. */
  g_assert_false (tern_imap_connection_select_qresync (conn, "Nope", uidvalidity, modseq,
                                                       NULL, &error));
  g_assert_error (error, TERN_SYNC_ERROR, TERN_SYNC_ERROR_NO_SUCH_FOLDER);
  g_test_message ("%s", error->message);
  g_clear_error (&error);
  g_assert_cmpint (session->imap_state, ==, MAILIMAP_STATE_AUTHENTICATED);
  g_assert_true (tern_imap_connection_raw_command (conn, "NOOP", &error));
  g_assert_no_error (error);
  tern_imap_connection_close (conn);
  tern_imap_connection_free (conn);

  /* Raw: raw_command() sets up the selection state for SELECT itself. */
  conn = open_logged_in (server, TERN_IMAP_SECURITY_TLS, "bob");
  session = tern_imap_connection_get_session (conn);
  raw = g_strdup_printf ("SELECT \"Qresync\" (QRESYNC (%u %" G_GUINT64_FORMAT "))",
                         uidvalidity, modseq);
  g_assert_true (tern_imap_connection_raw_command (conn, raw, &error));
  g_assert_no_error (error);
  g_assert_cmpint (session->imap_state, ==, MAILIMAP_STATE_SELECTED);
  g_assert_cmpuint (session->imap_selection_info->sel_uidvalidity, ==, uidvalidity);
  g_assert_true (vanished_earlier_contains (session, uids[1]));
  g_assert_true (fetch_list_has_uid (session, uids[2]));
  tern_imap_connection_close (conn);
  tern_imap_connection_free (conn);
}

/* NO and BAD are failures of one command; the connection stays in step. */
static void
test_command_errors (void)
{
  TernTestServer *server = get_server (&full_server, TERN_TEST_SERVER_FULL);
  g_autoptr(GError) error = NULL;
  TernImapConnection *conn = open_logged_in (server, TERN_IMAP_SECURITY_TLS, USER);
  mailimap *session = tern_imap_connection_get_session (conn);
  int r;

  g_assert_false (tern_imap_connection_raw_command (conn, "FROBNICATE", &error));
  g_assert_error (error, TERN_SYNC_ERROR, TERN_SYNC_ERROR_PERMANENT);
  g_test_message ("%s", error->message);
  g_clear_error (&error);

  g_assert_false (tern_imap_connection_raw_command (conn, "SELECT \"Nope\"", &error));
  g_assert_error (error, TERN_SYNC_ERROR, TERN_SYNC_ERROR_NO_SUCH_FOLDER);
  g_clear_error (&error);

  /* The same through libetpan and check(). */
  r = mailimap_select (session, "Nope");
  g_assert_false (tern_imap_connection_check (conn, r, "SELECT Nope", &error));
  g_assert_error (error, TERN_SYNC_ERROR, TERN_SYNC_ERROR_NO_SUCH_FOLDER);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, "SELECT Nope"));
  g_clear_error (&error);

  /* A NO about something else is PERMANENT, with the server's words. */
  r = mailimap_create (session, "Twice");
  g_assert_true (tern_imap_connection_check (conn, r, "CREATE Twice", &error));
  g_assert_no_error (error);
  r = mailimap_create (session, "Twice");
  g_assert_false (tern_imap_connection_check (conn, r, "CREATE Twice", &error));
  g_assert_error (error, TERN_SYNC_ERROR, TERN_SYNC_ERROR_PERMANENT);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, "exists"));
  g_clear_error (&error);

  g_assert_true (tern_imap_connection_check (conn, mailimap_noop (session), "NOOP", &error));
  g_assert_no_error (error);

  tern_imap_connection_close (conn);
  tern_imap_connection_free (conn);
}

int
main (int   argc,
      char *argv[])
{
  int ret;

  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/imap-connection/tls-login", test_tls_login);
  g_test_add_func ("/imap-connection/starttls-login", test_starttls_login);
  g_test_add_func ("/imap-connection/unknown-ca", test_unknown_ca);
  g_test_add_func ("/imap-connection/pinned", test_pinned);
  g_test_add_func ("/imap-connection/wrong-hostname", test_wrong_hostname);
  g_test_add_func ("/imap-connection/old-tls-refused", test_old_tls_refused);
  g_test_add_func ("/imap-connection/plaintext-refused", test_plaintext_refused);
  g_test_add_func ("/imap-connection/wrong-password", test_wrong_password);
  g_test_add_func ("/imap-connection/connection-refused", test_connection_refused);
  g_test_add_func ("/imap-connection/unknown-host", test_unknown_host);
  g_test_add_func ("/imap-connection/scram", test_scram);
  g_test_add_func ("/imap-connection/idle", test_idle);
  g_test_add_func ("/imap-connection/qresync-select", test_qresync_select);
  g_test_add_func ("/imap-connection/command-errors", test_command_errors);

  ret = g_test_run ();

  g_clear_pointer (&full_server, tern_test_server_free);
  g_clear_pointer (&scram_server, tern_test_server_free);
  g_clear_pointer (&wrong_name_server, tern_test_server_free);
  g_clear_pointer (&remote_server, tern_test_server_free);

  return ret;
}
