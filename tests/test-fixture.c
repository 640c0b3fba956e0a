/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-fixture"

#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>

#include "tern-test-server.h"
#include "tern-test-time.h"

/* The test Dovecot itself: start/stop hygiene, seeding, capability restriction, 127.0.0.2 mode,
 * shared folders, UIDVALIDITY change, and the "other client". */

static TernTestServer *
start_server (TernTestServerFlags flags)
{
  g_autoptr(GError) error = NULL;
  TernTestServer *server;

  server = tern_test_server_new (flags, &error);
  g_assert_no_error (error);
  g_assert_nonnull (server);

  return server;
}

static TernTestClient *
connect_client (TernTestServer *server,
                const char     *user)
{
  g_autoptr(GError) error = NULL;
  TernTestClient *client;

  client = tern_test_client_new (server, user, "secret", &error);
  g_assert_no_error (error);
  g_assert_nonnull (client);

  return client;
}

static char *
command (TernTestClient *client,
         const char     *text)
{
  g_autoptr(GError) error = NULL;
  char *response = NULL;

  tern_test_client_command (client, &response, &error, "%s", text);
  g_assert_no_error (error);

  return response;
}

/* Whether a CAPABILITY list ("* CAPABILITY ..." or "[CAPABILITY ...]") in text names cap. */
static gboolean
has_capability (const char *text,
                const char *cap)
{
  for (const char *p = strstr (text, "CAPABILITY "); p != NULL; p = strstr (p + 1, "CAPABILITY "))
    {
      const char *end = p + strcspn (p, "]\r\n");
      g_autofree char *list = g_strndup (p, end - p);
      g_auto(GStrv) names = g_strsplit (list, " ", -1);

      if (g_strv_contains ((const char * const *) names, cap))
        return TRUE;
    }

  return FALSE;
}

static char *
capability_line (const char *text)
{
  const char *p = strstr (text, "* CAPABILITY ");

  g_assert_nonnull (p);

  return g_strndup (p + 2, strcspn (p, "\r\n") - 2);
}

static guint
count_search (TernTestClient *client,
              const char     *criteria)
{
  g_autofree char *cmd = g_strdup_printf ("SEARCH %s", criteria);
  g_autofree char *response = command (client, cmd);
  const char *p = strstr (response, "* SEARCH");
  guint n = 0;

  g_assert_nonnull (p);
  for (p += strlen ("* SEARCH"); *p == ' '; )
    {
      n++;
      p += 1 + strspn (p + 1, "0123456789");
    }

  return n;
}

static guint32
select_uidvalidity (TernTestClient *client,
                    const char     *mailbox)
{
  g_autofree char *cmd = g_strdup_printf ("SELECT \"%s\"", mailbox);
  g_autofree char *response = command (client, cmd);
  const char *p = strstr (response, "[UIDVALIDITY ");

  g_assert_nonnull (p);

  return (guint32) g_ascii_strtoull (p + strlen ("[UIDVALIDITY "), NULL, 10);
}

/* Live (non-zombie) processes in a process group. */
static guint
count_group_members (GPid pgid)
{
  g_autoptr(GDir) dir = g_dir_open ("/proc", 0, NULL);
  const char *name;
  guint n = 0;

  g_assert_nonnull (dir);
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = NULL;
      g_autofree char *stat = NULL;
      const char *p;
      char state;
      int ppid;
      int pgrp;

      if (!g_ascii_isdigit (name[0]))
        continue;
      path = g_build_filename ("/proc", name, "stat", NULL);
      if (!g_file_get_contents (path, &stat, NULL, NULL))
        continue;
      p = strrchr (stat, ')');
      if (p == NULL || sscanf (p + 1, " %c %d %d", &state, &ppid, &pgrp) != 3)
        continue;
      if (pgrp == pgid && state != 'Z')
        n++;
    }

  return n;
}

static void
assert_log_clean (TernTestServer *server)
{
  g_autofree char *path = g_build_filename (tern_test_server_get_dir (server), "dovecot.log", NULL);
  g_autofree char *log = NULL;

  g_assert_true (g_file_get_contents (path, &log, NULL, NULL));
  if (strstr (log, " Error: ") != NULL || strstr (log, " Fatal: ") != NULL
      || strstr (log, " Panic: ") != NULL)
    g_error ("Dovecot logged errors:\n%s", log);
}

static void
test_start_stop (void)
{
  g_autofree char *dir = NULL;
  TernTestServer *server;
  gint64 t0;
  gint64 started;
  gint64 stopped;
  GPid pid;

  t0 = g_get_monotonic_time ();
  server = start_server (TERN_TEST_SERVER_FULL);
  started = g_get_monotonic_time ();

  pid = tern_test_server_get_pid (server);
  dir = g_strdup (tern_test_server_get_dir (server));
  g_assert_cmpint (pid, >, 0);
  g_assert_true (tern_test_server_is_running (server));
  g_assert_true (g_file_test (dir, G_FILE_TEST_IS_DIR));
  g_assert_cmpstr (tern_test_server_get_host (server), ==, "127.0.0.1");
  g_assert_cmpuint (tern_test_server_get_imap_port (server), >, 0);
  g_assert_cmpuint (tern_test_server_get_imaps_port (server), >, 0);
  g_assert_cmpuint (tern_test_server_get_imap_port (server), !=,
                    tern_test_server_get_imaps_port (server));
  /* master, anvil, log, stats, config, auth, imap-login at least */
  g_assert_cmpuint (count_group_members (pid), >=, 3);

  tern_test_server_free (server);
  stopped = g_get_monotonic_time ();

  g_test_message ("start (CA, certificate, Dovecot, Team ACL) %.0f ms, stop %.0f ms",
                  (started - t0) / 1000.0, (stopped - started) / 1000.0);
  g_assert_cmpuint (count_group_members (pid), ==, 0);
  g_assert_false (g_file_test (dir, G_FILE_TEST_EXISTS));
  g_assert_cmpint ((started - t0) / 1000, <, TERN_TEST_SECONDS (5000));
  g_assert_cmpint ((stopped - started) / 1000, <, TERN_TEST_SECONDS (5000));
}

static void
test_seed (void)
{
  g_autoptr(TernTestServer) server = start_server (TERN_TEST_SERVER_FULL);
  g_autoptr(TernTestClient) client = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *response = NULL;
  g_autofree char *first_id = NULL;
  g_autofree char *later_id = NULL;
  const char message[] = "From: Carol <carol@example.com>\r\nTo: alice@example.com\r\n"
                         "Subject: appended\r\nMessage-ID: <appended@example.com>\r\n\r\nHi\r\n";
  gint64 t0;
  guint32 uid;
  guint n;

  t0 = g_get_monotonic_time ();
  tern_test_server_seed (server, "alice", "INBOX", 2000, &error);
  g_assert_no_error (error);
  g_test_message ("seeded 2,000 messages in %.0f ms", (g_get_monotonic_time () - t0) / 1000.0);

  client = connect_client (server, "alice");
  response = command (client, "SELECT INBOX");
  g_assert_nonnull (strstr (response, "* 2000 EXISTS\r\n"));
  g_clear_pointer (&response, g_free);

  /* Realistic mix: about 60% \Seen, 30% replies, some \Flagged and \Answered. */
  n = count_search (client, "SEEN");
  g_assert_cmpuint (n, >, 1000);
  g_assert_cmpuint (n, <, 1400);
  n = count_search (client, "HEADER In-Reply-To @");
  g_assert_cmpuint (n, >, 400);
  g_assert_cmpuint (n, <, 800);
  g_assert_cmpuint (count_search (client, "FLAGGED"), >, 20);
  g_assert_cmpuint (count_search (client, "ANSWERED"), >, 20);
  g_assert_cmpuint (count_search (client, "LARGER 50000"), >, 0);
  g_assert_cmpuint (count_search (client, "HEADER Content-Type multipart/alternative"), >, 100);

  /* Seeding while the mailbox is selected: Dovecot sees the files at the next sync. */
  tern_test_server_seed (server, "alice", "INBOX", 10, &error);
  g_assert_no_error (error);
  response = command (client, "NOOP");
  g_assert_nonnull (strstr (response, "* 2010 EXISTS\r\n"));
  g_clear_pointer (&response, g_free);

  /* Message-IDs differ between calls (and literals are read whole). */
  response = command (client, "FETCH 1 BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)]");
  first_id = g_strdup (strstr (response, "Message-ID: "));
  g_clear_pointer (&response, g_free);
  response = command (client, "FETCH 2001 BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)]");
  later_id = g_strdup (strstr (response, "Message-ID: "));
  g_clear_pointer (&response, g_free);
  g_assert_nonnull (first_id);
  g_assert_nonnull (later_id);
  g_assert_cmpstr (first_id, !=, later_id);

  uid = tern_test_client_append (client, "INBOX", "(\\Seen)", "01-Jan-2024 10:00:00 +0000",
                                 message, strlen (message), &error);
  g_assert_no_error (error);
  g_assert_cmpuint (uid, ==, 2011);

  /* Another folder: created as Maildir++ ".Work", listed without being subscribed. */
  tern_test_server_seed (server, "alice", "Work", 5, &error);
  g_assert_no_error (error);
  response = command (client, "LIST \"\" \"*\"");
  g_assert_nonnull (strstr (response, "\"/\" Work\r\n"));
  g_assert_nonnull (strstr (response, "(\\HasNoChildren \\Sent) \"/\" Sent\r\n"));
  g_assert_nonnull (strstr (response, "\\Archive"));
  g_clear_pointer (&response, g_free);
  response = command (client, "LSUB \"\" \"*\"");
  g_assert_null (strstr (response, "Work"));
  g_assert_nonnull (strstr (response, "Drafts"));
  g_clear_pointer (&response, g_free);
  response = command (client, "STATUS Work (MESSAGES)");
  g_assert_nonnull (strstr (response, "(MESSAGES 5)"));
  g_clear_pointer (&response, g_free);

  /* NO and BAD come back as errors carrying the server's text. */
  g_assert_false (tern_test_client_command (client, NULL, &error, "SELECT NoSuchBox"));
  g_assert_error (error, TERN_TEST_SERVER_ERROR, TERN_TEST_SERVER_ERROR_NO);
  g_assert_nonnull (strstr (error->message, "Mailbox doesn't exist"));
  g_clear_error (&error);
  g_assert_false (tern_test_client_command (client, NULL, &error, "FROBNICATE"));
  g_assert_error (error, TERN_TEST_SERVER_ERROR, TERN_TEST_SERVER_ERROR_BAD);
  g_clear_error (&error);
  g_assert_cmpuint (tern_test_client_append (client, "NoSuchBox", NULL, NULL, message,
                                             strlen (message), &error), ==, 0);
  g_assert_error (error, TERN_TEST_SERVER_ERROR, TERN_TEST_SERVER_ERROR_NO);
  g_assert_nonnull (strstr (error->message, "TRYCREATE"));
  g_clear_error (&error);

  assert_log_clean (server);
}

static void
test_capabilities (void)
{
  static const char * const restricted[] = { "CONDSTORE", "QRESYNC", "UIDPLUS", "MOVE", "IDLE" };
  g_autoptr(TernTestServer) full = start_server (TERN_TEST_SERVER_FULL);
  g_autoptr(TernTestServer) limited = start_server (TERN_TEST_SERVER_NO_CONDSTORE
                                                    | TERN_TEST_SERVER_NO_UIDPLUS
                                                    | TERN_TEST_SERVER_NO_MOVE
                                                    | TERN_TEST_SERVER_NO_IDLE);
  g_autoptr(TernTestServer) no_qresync = start_server (TERN_TEST_SERVER_NO_QRESYNC);
  g_autoptr(TernTestClient) full_client = connect_client (full, "alice");
  g_autoptr(TernTestClient) limited_client = connect_client (limited, "alice");
  g_autoptr(TernTestClient) no_qresync_client = connect_client (no_qresync, "alice");
  g_autofree char *full_caps = command (full_client, "CAPABILITY");
  g_autofree char *limited_caps = command (limited_client, "CAPABILITY");
  g_autofree char *no_qresync_caps = command (no_qresync_client, "CAPABILITY");
  const char *login = tern_test_client_get_login_response (limited_client);
  g_autofree char *full_line = capability_line (full_caps);
  g_autofree char *limited_line = capability_line (limited_caps);
  g_auto(GStrv) full_names = g_strsplit (full_line, " ", -1);
  g_auto(GStrv) limited_names = g_strsplit (limited_line, " ", -1);

  g_test_message ("full: %s", full_line);
  g_test_message ("restricted: %s", limited_line);

  /* The LOGIN OK carries the post-login list as a response code. */
  g_assert_true (has_capability (tern_test_client_get_login_response (full_client), "QRESYNC"));
  g_assert_nonnull (strstr (login, "OK [CAPABILITY "));

  for (guint i = 0; i < G_N_ELEMENTS (restricted); i++)
    {
      g_assert_true (has_capability (full_caps, restricted[i]));
      g_assert_false (has_capability (limited_caps, restricted[i]));
      g_assert_false (has_capability (login, restricted[i]));
    }

  /* Nothing else changes: the restricted list is the full one minus those five. */
  for (guint i = 0; full_names[i] != NULL; i++)
    {
      gboolean dropped = g_strv_contains (restricted, full_names[i]);

      g_assert_cmpint (g_strv_contains ((const char * const *) limited_names, full_names[i]),
                       ==, !dropped);
    }
  g_assert_cmpuint (g_strv_length (limited_names) + G_N_ELEMENTS (restricted), ==,
                    g_strv_length (full_names));

  g_assert_true (has_capability (no_qresync_caps, "CONDSTORE"));
  g_assert_false (has_capability (no_qresync_caps, "QRESYNC"));
  g_assert_true (has_capability (no_qresync_caps, "UIDPLUS"));
  g_assert_false (has_capability (tern_test_client_get_login_response (no_qresync_client),
                                  "QRESYNC"));

  assert_log_clean (limited);
}

static void
test_logindisabled (void)
{
  g_autoptr(TernTestServer) server = start_server (TERN_TEST_SERVER_LISTEN_127_0_0_2);
  g_autoptr(TernTestClient) tls_client = NULL;
  g_autoptr(GSocketClient) socket_client = g_socket_client_new ();
  g_autoptr(GInetAddress) local_inet = g_inet_address_new_from_string ("127.0.0.1");
  g_autoptr(GSocketAddress) local = g_inet_socket_address_new (local_inet, 0);
  g_autoptr(GSocketConnection) connection = NULL;
  g_autoptr(GDataInputStream) input = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *greeting = NULL;
  g_autofree char *reply = NULL;
  GOutputStream *output;
  const char login[] = "a LOGIN alice secret\r\n";

  g_assert_cmpstr (tern_test_server_get_host (server), ==, "127.0.0.2");

  g_socket_client_set_local_address (socket_client, local);
  g_socket_client_set_timeout (socket_client, 20);
  connection = g_socket_client_connect_to_host (socket_client, "127.0.0.2",
                                                tern_test_server_get_imap_port (server),
                                                NULL, &error);
  g_assert_no_error (error);

  input = g_data_input_stream_new (g_io_stream_get_input_stream (G_IO_STREAM (connection)));
  greeting = g_data_input_stream_read_line (input, NULL, NULL, &error);
  g_assert_no_error (error);
  g_test_message ("plaintext greeting from 127.0.0.1: %s", greeting);
  g_assert_true (has_capability (greeting, "LOGINDISABLED"));
  g_assert_true (has_capability (greeting, "STARTTLS"));

  output = g_io_stream_get_output_stream (G_IO_STREAM (connection));
  g_output_stream_write_all (output, login, strlen (login), NULL, NULL, &error);
  g_assert_no_error (error);
  /* "* BAD [ALERT] Plaintext authentication not allowed ...", then "a NO [PRIVACYREQUIRED] ..." */
  do
    {
      g_free (reply);
      reply = g_data_input_stream_read_line (input, NULL, NULL, &error);
      g_assert_no_error (error);
      g_assert_nonnull (reply);
      g_test_message ("%s", reply);
    }
  while (reply[0] == '*');
  g_assert_true (g_str_has_prefix (reply, "a NO "));

  /* Implicit TLS on 127.0.0.2 works; the certificate names it. */
  tls_client = connect_client (server, "alice");
  g_free (command (tls_client, "NOOP"));
}

static void
test_shared (void)
{
  g_autoptr(TernTestServer) server = start_server (TERN_TEST_SERVER_FULL);
  g_autoptr(TernTestClient) bob = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *list = NULL;
  g_autofree char *rights = NULL;
  g_autofree char *select = NULL;

  tern_test_server_seed (server, "alice", "Team", 3, &error);
  g_assert_no_error (error);

  bob = connect_client (server, "bob");
  list = command (bob, "LIST \"\" \"*\"");
  g_assert_nonnull (strstr (list, "\"/\" shared/alice/Team\r\n"));
  rights = command (bob, "MYRIGHTS \"shared/alice/Team\"");
  g_test_message ("%s", rights);
  g_assert_nonnull (strstr (rights, "* MYRIGHTS shared/alice/Team lrwi\r\n"));
  select = command (bob, "SELECT \"shared/alice/Team\"");
  g_assert_nonnull (strstr (select, "* 3 EXISTS\r\n"));

  assert_log_clean (server);
}

static void
test_uidvalidity (void)
{
  g_autoptr(TernTestServer) server = start_server (TERN_TEST_SERVER_FULL);
  g_autoptr(TernTestClient) client = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *uids = NULL;
  guint32 before;
  guint32 after;
  guint32 reported = 0;
  guint seen;

  tern_test_server_seed (server, "alice", "Work", 20, &error);
  g_assert_no_error (error);
  client = connect_client (server, "alice");
  before = select_uidvalidity (client, "Work");
  seen = count_search (client, "SEEN");
  g_free (command (client, "SELECT INBOX"));

  tern_test_server_change_uidvalidity (server, "alice", "Work", &reported, &error);
  g_assert_no_error (error);

  after = select_uidvalidity (client, "Work");
  g_assert_cmpuint (after, ==, before + 1);
  g_assert_cmpuint (reported, ==, after);
  g_assert_cmpuint (count_search (client, "ALL"), ==, 20);
  g_assert_cmpuint (count_search (client, "SEEN"), ==, seen);
  /* The same messages under new UIDs 21..40. */
  uids = command (client, "UID SEARCH ALL");
  g_assert_nonnull (strstr (uids, "* SEARCH 21 22 "));
  g_assert_nonnull (strstr (uids, " 40\r\n"));
}

static void
test_tls_and_users (void)
{
  g_autoptr(TernTestServer) server = start_server (TERN_TEST_SERVER_FULL);
  g_autoptr(TernTestServer) wrong = start_server (TERN_TEST_SERVER_WRONG_HOSTNAME
                                                  | TERN_TEST_SERVER_SCRAM);
  g_autoptr(TernTestClient) carol = NULL;
  g_autoptr(TernTestClient) wrong_client = NULL;
  g_autoptr(GTlsCertificate) ca = NULL;
  g_autoptr(GTlsCertificate) cert = NULL;
  g_autoptr(GTlsCertificate) wrong_cert = NULL;
  g_autoptr(GSocketConnectable) local_ip = g_network_address_new ("127.0.0.1", 993);
  g_autoptr(GSocketConnectable) localhost = g_network_address_new ("localhost", 993);
  g_autoptr(GSocketConnectable) wrong_name = g_network_address_new ("wrong.example", 993);
  g_autoptr(GError) error = NULL;
  g_autofree char *sha256 = NULL;
  g_autofree char *out = NULL;

  ca = g_tls_certificate_new_from_file (tern_test_server_get_ca_file (server), &error);
  g_assert_no_error (error);
  cert = g_tls_certificate_new_from_file (tern_test_server_get_cert_file (server), &error);
  g_assert_no_error (error);
  g_assert_cmpint (g_tls_certificate_verify (cert, local_ip, ca), ==, 0);
  g_assert_cmpint (g_tls_certificate_verify (cert, localhost, ca), ==, 0);
  g_clear_object (&ca);

  ca = g_tls_certificate_new_from_file (tern_test_server_get_ca_file (wrong), &error);
  g_assert_no_error (error);
  wrong_cert = g_tls_certificate_new_from_file (tern_test_server_get_cert_file (wrong), &error);
  g_assert_no_error (error);
  g_assert_cmpint (g_tls_certificate_verify (wrong_cert, local_ip, ca), ==,
                   G_TLS_CERTIFICATE_BAD_IDENTITY);
  g_assert_cmpint (g_tls_certificate_verify (wrong_cert, wrong_name, ca), ==, 0);

  sha256 = tern_test_server_dup_cert_sha256 (server);
  g_assert_nonnull (sha256);
  g_assert_cmpuint (strlen (sha256), ==, 64);
  g_assert_cmpuint (strspn (sha256, "0123456789abcdef"), ==, 64);

  /* The fixture's own client still reaches the wrong-hostname server; it offers SCRAM. */
  wrong_client = connect_client (wrong, "alice");
  g_assert_true (has_capability (tern_test_client_get_login_response (wrong_client),
                                 "AUTH=SCRAM-SHA-256"));

  tern_test_server_add_user (server, "carol", "pw-carol", &error);
  g_assert_no_error (error);
  carol = tern_test_client_new (server, "carol", "pw-carol", &error);
  g_assert_no_error (error);
  g_assert_false (has_capability (tern_test_client_get_login_response (carol),
                                  "AUTH=SCRAM-SHA-256"));
  g_assert_null (tern_test_client_new (server, "carol", "wrong", &error));
  g_assert_error (error, TERN_TEST_SERVER_ERROR, TERN_TEST_SERVER_ERROR_NO);
  g_clear_error (&error);

  tern_test_server_doveadm (server, &out, &error, "mailbox", "list", "-u", "carol", NULL);
  g_assert_no_error (error);
  g_assert_nonnull (strstr (out, "INBOX"));
  g_assert_false (tern_test_server_doveadm (server, NULL, &error, "mailbox", "status", "-u",
                                            "carol", "messages", "NoSuchBox", NULL));
  g_assert_error (error, TERN_TEST_SERVER_ERROR, TERN_TEST_SERVER_ERROR_FAILED);
  g_assert_nonnull (strstr (error->message, "NoSuchBox"));
}

static void
test_restart (void)
{
  g_autoptr(TernTestServer) server = start_server (TERN_TEST_SERVER_FULL);
  g_autoptr(TernTestClient) client = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *response = NULL;
  guint16 port = tern_test_server_get_imaps_port (server);

  tern_test_server_seed (server, "alice", "INBOX", 7, &error);
  g_assert_no_error (error);

  tern_test_server_stop (server);
  g_assert_false (tern_test_server_is_running (server));
  g_assert_null (tern_test_client_new (server, "alice", "secret", &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED);
  g_clear_error (&error);

  tern_test_server_start (server, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (tern_test_server_get_imaps_port (server), ==, port);
  client = connect_client (server, "alice");
  response = command (client, "SELECT INBOX");
  g_assert_nonnull (strstr (response, "* 7 EXISTS\r\n"));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/fixture/start-stop", test_start_stop);
  g_test_add_func ("/fixture/seed", test_seed);
  g_test_add_func ("/fixture/capabilities", test_capabilities);
  g_test_add_func ("/fixture/logindisabled", test_logindisabled);
  g_test_add_func ("/fixture/shared", test_shared);
  g_test_add_func ("/fixture/uidvalidity", test_uidvalidity);
  g_test_add_func ("/fixture/tls-and-users", test_tls_and_users);
  g_test_add_func ("/fixture/restart", test_restart);

  return g_test_run ();
}
