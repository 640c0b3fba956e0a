/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-imap-compress"

#include "config.h"

#include <string.h>

#include "tern-imap-connection-private.h"
#include "tern-test-server.h"

/*
 * COMPRESS=DEFLATE (RFC 4978) in Tern's own stream driver, against a real Dovecot that
 * offers it (imap_zlib) over TLS and STARTTLS, through IDLE, and against one that does not.
 * The byte counters count the wire: a compressible message costs a fraction of its size.
 */

#define USER     "alice"
#define PASSWORD "secret"

static TernTestServer *compress_server;
static TernTestServer *plain_server;
static TernTestServer *cyrus_server;

static TernTestServer *
get_server (TernTestServer      **server,
            TernTestServerFlags   flags)
{
  if (*server == NULL)
    {
      g_autoptr(GError) error = NULL;

      *server = tern_test_server_new (flags, &error);
      g_assert_no_error (error);
      g_assert_nonnull (*server);
    }

  return *server;
}

/* Collects every command line libetpan sends (the secret ones too). */
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

static TernImapConnection *
open_logged_in (TernTestServer   *server,
                TernImapSecurity  security,
                gboolean          no_compress,
                GString          *sent)
{
  TernImapSettings settings = {
    .host = tern_test_server_get_host (server),
    .port = security == TERN_IMAP_SECURITY_TLS ? tern_test_server_get_imaps_port (server)
                                               : tern_test_server_get_imap_port (server),
    .security = security,
    .user = USER,
    .ca_file = tern_test_server_get_ca_file (server),
    .timeout_seconds = 10,
    .no_compress = no_compress,
  };
  g_autoptr(GError) error = NULL;
  TernImapConnection *conn = tern_imap_connection_new (&settings);
  guint trips;

  tern_imap_connection_connect (conn, &error);
  g_assert_no_error (error);
  if (sent != NULL)
    mailimap_set_logger (tern_imap_connection_get_session (conn), sent_logger_cb, sent);
  trips = tern_imap_connection_get_round_trips (conn);
  tern_imap_connection_login (conn, PASSWORD, &error);
  g_assert_no_error (error);
  /* AUTHENTICATE (its OK carries the capabilities), then ENABLE QRESYNC and COMPRESS
   * pipelined (#12: they were two round trips); without COMPRESS, ENABLE alone. */
  trips = tern_imap_connection_get_round_trips (conn) - trips;
  g_test_message ("login in %u round trips", trips);
  g_assert_cmpuint (trips, ==, 2);
  g_assert_true (tern_imap_connection_is_qresync_enabled (conn));
  g_assert_true (tern_imap_connection_is_compressed (conn) ==
                 (!no_compress && tern_imap_connection_has_capability (conn, "COMPRESS=DEFLATE")));

  return conn;
}

/* About 120 KB of mail text that deflates well (as headers and quoted replies do). */
static char *
make_message (const char *subject)
{
  GString *m = g_string_new (NULL);

  g_string_append_printf (m,
                          "From: Bob <bob@example.org>\r\n"
                          "To: Alice <alice@example.org>\r\n"
                          "Subject: %s\r\n"
                          "Message-ID: <%s@example.org>\r\n"
                          "Date: Mon, 1 Jan 2024 10:00:00 +0000\r\n"
                          "\r\n", subject, subject);
  for (guint i = 0; i < 2000; i++)
    g_string_append_printf (m, "> line %u of a long quoted reply that repeats itself a lot\r\n", i);

  return g_string_free (m, FALSE);
}

static void
collect_body_cb (const TernImapFetchItem *item,
                 gpointer                 user_data)
{
  tern_imap_fetch_item_get_body_sections (item, user_data);
}

/* Fetches BODY.PEEK[] of uid in INBOX; *wire_out gets the bytes read for it. */
static GByteArray *
fetch_whole (TernImapConnection *conn,
             guint32             uid,
             guint64            *wire_out)
{
  g_autoptr(GError) error = NULL;
  GByteArray *body = g_byte_array_new ();
  guint64 before = tern_imap_connection_get_bytes_read (conn);
  guint trips = tern_imap_connection_get_round_trips (conn);

  tern_imap_connection_set_fetch_func (conn, collect_body_cb, body);
  g_assert_true (tern_imap_connection_uid_fetch_section (conn, uid, "", 0, 0, &error));
  g_assert_no_error (error);
  tern_imap_connection_set_fetch_func (conn, NULL, NULL);

  *wire_out = tern_imap_connection_get_bytes_read (conn) - before;
  g_assert_cmpuint (tern_imap_connection_get_round_trips (conn) - trips, ==, 1);

  return body;
}

/* IDLE on INBOX, another client appends, the news arrives, DONE, still in step. */
static void
idle_sees_append (TernTestServer     *server,
                  TernImapConnection *conn)
{
  mailimap *session = tern_imap_connection_get_session (conn);
  g_autoptr(GError) error = NULL;
  guint32 exists = session->imap_selection_info->sel_exists;

  g_assert_true (tern_imap_connection_idle_start (conn, &error));
  g_assert_no_error (error);
  tern_test_server_append_message (server, USER, "INBOX",
                                   "Subject: news\r\nMessage-ID: <news@x>\r\n\r\nnews\r\n");
  g_assert_cmpint (tern_imap_connection_idle_wait (conn, 10000, NULL), ==, 1);
  g_assert_true (tern_imap_connection_idle_done (conn, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (session->imap_selection_info->sel_exists, ==, exists + 1);

  /* A second round: IDLE works again after a compressed DONE. */
  g_assert_true (tern_imap_connection_idle_start (conn, &error));
  g_assert_no_error (error);
  tern_test_server_append_message (server, USER, "INBOX",
                                   "Subject: more\r\nMessage-ID: <more@x>\r\n\r\nmore\r\n");
  g_assert_cmpint (tern_imap_connection_idle_wait (conn, 10000, NULL), ==, 1);
  g_assert_true (tern_imap_connection_idle_done (conn, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (session->imap_selection_info->sel_exists, ==, exists + 2);

  g_assert_true (tern_imap_connection_noop (conn, &error));
  g_assert_no_error (error);
}

static void
check_compressed (TernTestServer   *server,
                  TernImapSecurity  security,
                  gboolean          idle)
{
  g_autofree char *subject = g_strdup_printf ("compress-%d", security);
  g_autofree char *message = make_message (subject);
  g_autoptr(GString) sent = g_string_new (NULL);
  g_autoptr(GByteArray) body = NULL;
  g_autoptr(GError) error = NULL;
  TernImapConnection *conn;
  guint64 wire;
  guint32 uid;

  uid = tern_test_server_append_message (server, USER, "INBOX", message);
  g_assert_cmpuint (uid, >, 0);

  conn = open_logged_in (server, security, FALSE, sent);
  g_assert_true (tern_imap_connection_has_capability (conn, "COMPRESS=DEFLATE"));
  g_assert_true (tern_imap_connection_is_compressed (conn));
  g_assert_nonnull (strstr (sent->str, "COMPRESS DEFLATE\r\n"));
  /* After authentication, never before (RFC 4978: not with a pending SASL exchange). */
  g_assert_cmpint (strstr (sent->str, "COMPRESS") - sent->str, >,
                   strstr (sent->str, "AUTHENTICATE") != NULL
                     ? strstr (sent->str, "AUTHENTICATE") - sent->str
                     : strstr (sent->str, "LOGIN") - sent->str);

  g_assert_true (tern_imap_connection_select (conn, "INBOX", TRUE, NULL, &error));
  g_assert_no_error (error);

  body = fetch_whole (conn, uid, &wire);
  g_assert_cmpmem (body->data, body->len, message, strlen (message));
  g_test_message ("%zu bytes fetched with %" G_GUINT64_FORMAT " on the wire",
                  strlen (message), wire);
  /* The wire carries the deflated bytes, and the counters say so. */
  g_assert_cmpuint (wire, <, strlen (message) / 5);
  g_assert_cmpuint (conn->stream_state.bytes_inflated, >, strlen (message));

  if (idle)
    idle_sees_append (server, conn);
  else
    {
      g_assert_true (tern_imap_connection_noop (conn, &error));
      g_assert_no_error (error);
    }

  tern_imap_connection_close (conn);
  tern_imap_connection_free (conn);

  /* The account setting turns it off: not even asked for. */
  g_string_truncate (sent, 0);
  conn = open_logged_in (server, security, TRUE, sent);
  g_assert_false (tern_imap_connection_is_compressed (conn));
  g_assert_null (strstr (sent->str, "COMPRESS"));
  g_assert_true (tern_imap_connection_select (conn, "INBOX", TRUE, NULL, &error));
  g_assert_no_error (error);
  g_clear_pointer (&body, g_byte_array_unref);
  body = fetch_whole (conn, uid, &wire);
  g_assert_cmpmem (body->data, body->len, message, strlen (message));
  g_assert_cmpuint (wire, >, strlen (message));
  tern_imap_connection_close (conn);
  tern_imap_connection_free (conn);
}

static void
test_tls (void)
{
  check_compressed (get_server (&compress_server, TERN_TEST_SERVER_COMPRESS), TERN_IMAP_SECURITY_TLS, TRUE);
}

static void
test_starttls (void)
{
  check_compressed (get_server (&compress_server, TERN_TEST_SERVER_COMPRESS), TERN_IMAP_SECURITY_STARTTLS, TRUE);
}

/* Cyrus IMAP offers it too (its own zlib code): the same, over TLS. Without IDLE: the
 * fixture's Cyrus runs no idled, so IDLE reports news only when it polls, compressed or
 * not. */
static void
test_cyrus (void)
{
  g_autoptr(GError) error = NULL;

  if (!tern_test_server_kind_available (TERN_TEST_SERVER_CYRUS, &error))
    {
      g_test_skip (error->message);
      return;
    }
  if (cyrus_server == NULL)
    {
      cyrus_server = tern_test_server_new_kind (TERN_TEST_SERVER_CYRUS, TERN_TEST_SERVER_FULL, &error);
      g_assert_no_error (error);
    }
  check_compressed (cyrus_server, TERN_IMAP_SECURITY_TLS, FALSE);
}

/* A server without COMPRESS=DEFLATE: nothing asked, everything as before, IDLE included. */
static void
test_not_offered (void)
{
  TernTestServer *server = get_server (&plain_server, TERN_TEST_SERVER_FULL);
  g_autofree char *message = make_message ("plain");
  g_autoptr(GString) sent = g_string_new (NULL);
  g_autoptr(GByteArray) body = NULL;
  g_autoptr(GError) error = NULL;
  TernImapConnection *conn;
  guint64 wire;
  guint32 uid;

  uid = tern_test_server_append_message (server, USER, "INBOX", message);
  conn = open_logged_in (server, TERN_IMAP_SECURITY_TLS, FALSE, sent);
  g_assert_false (tern_imap_connection_has_capability (conn, "COMPRESS=DEFLATE"));
  g_assert_false (tern_imap_connection_is_compressed (conn));
  g_assert_null (strstr (sent->str, "COMPRESS"));

  g_assert_true (tern_imap_connection_select (conn, "INBOX", TRUE, NULL, &error));
  g_assert_no_error (error);
  body = fetch_whole (conn, uid, &wire);
  g_assert_cmpmem (body->data, body->len, message, strlen (message));
  g_assert_cmpuint (wire, >, strlen (message));

  idle_sees_append (server, conn);

  tern_imap_connection_close (conn);
  tern_imap_connection_free (conn);
}

int
main (int   argc,
      char *argv[])
{
  int result;

  g_test_init (&argc, &argv, NULL);
  tern_imap_global_init ();

  g_test_add_func ("/imap-compress/tls", test_tls);
  g_test_add_func ("/imap-compress/starttls", test_starttls);
  g_test_add_func ("/imap-compress/not-offered", test_not_offered);
  g_test_add_func ("/imap-compress/cyrus", test_cyrus);

  result = g_test_run ();

  g_clear_pointer (&compress_server, tern_test_server_free);
  g_clear_pointer (&plain_server, tern_test_server_free);
  g_clear_pointer (&cyrus_server, tern_test_server_free);

  return result;
}
