/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-fake-imap"

#include "config.h"

#include <string.h>

#include "tern-fake-imap.h"

/* The fake IMAP server itself, driven by a raw client line by line. */

typedef struct
{
  GSocketConnection *connection;
  GIOStream         *stream;
  GDataInputStream  *in;
  guint              tag;
  char              *greeting;
} Raw;

static void
raw_set_stream (Raw       *raw,
                GIOStream *stream)
{
  g_clear_object (&raw->in);
  g_set_object (&raw->stream, stream);
  raw->in = g_data_input_stream_new (g_io_stream_get_input_stream (stream));
  /* After STARTTLS the socket goes on under the TLS stream. */
  g_filter_input_stream_set_close_base_stream (G_FILTER_INPUT_STREAM (raw->in), FALSE);
  g_data_input_stream_set_newline_type (raw->in, G_DATA_STREAM_NEWLINE_TYPE_CR_LF);
}

static char *
raw_line (Raw *raw)
{
  g_autoptr(GError) error = NULL;
  char *line = g_data_input_stream_read_line (raw->in, NULL, NULL, &error);

  g_assert_no_error (error);
  g_assert_nonnull (line);
  return line;
}

static Raw *
raw_new (TernFakeImap *fake)
{
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GError) error = NULL;
  Raw *raw = g_new0 (Raw, 1);

  raw->connection = g_socket_client_connect_to_host (client, "127.0.0.1",
                                                     tern_fake_imap_get_port (fake), NULL, &error);
  g_assert_no_error (error);
  raw_set_stream (raw, G_IO_STREAM (raw->connection));
  raw->greeting = raw_line (raw);
  return raw;
}

static void
raw_free (Raw *raw)
{
  g_io_stream_close (raw->stream, NULL, NULL);
  g_clear_object (&raw->in);
  g_clear_object (&raw->stream);
  g_clear_object (&raw->connection);
  g_free (raw->greeting);
  g_free (raw);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Raw, raw_free)

static void
raw_send (Raw        *raw,
          const char *text)
{
  g_autoptr(GError) error = NULL;

  g_output_stream_write_all (g_io_stream_get_output_stream (raw->stream), text, strlen (text),
                             NULL, NULL, &error);
  g_assert_no_error (error);
}

/* Sends a command; everything up to and including the tagged line, CRLF-joined. */
static char *
raw_command (Raw        *raw,
             const char *command)
{
  g_autofree char *tag = g_strdup_printf ("a%u", ++raw->tag);
  g_autofree char *line = g_strdup_printf ("%s %s\r\n", tag, command);
  GString *out = g_string_new (NULL);

  raw_send (raw, line);
  for (;;)
    {
      g_autofree char *got = raw_line (raw);

      g_string_append_printf (out, "%s\r\n", got);
      if (g_str_has_prefix (got, tag) && got[strlen (tag)] == ' ')
        break;
    }
  return g_string_free (out, FALSE);
}

static void
assert_has (const char *text,
            const char *needle)
{
  if (strstr (text, needle) == NULL)
    g_error ("expected \"%s\" in:\n%s", needle, text);
}

static TernFakeImap *
new_plain_fake (void)
{
  g_autoptr(GError) error = NULL;
  TernFakeImap *fake = tern_fake_imap_new (NULL, NULL, &error);

  g_assert_no_error (error);
  return fake;
}

static Raw *
logged_in (TernFakeImap *fake)
{
  Raw *raw = raw_new (fake);
  g_autofree char *r = raw_command (raw, "LOGIN alice secret");

  assert_has (r, "OK [CAPABILITY IMAP4rev1");
  return raw;
}

#define MESSAGE \
  "From: Bob <bob@example.org>\r\n" \
  "To: Alice <alice@example.org>, carol@example.org\r\n" \
  "Subject: Hello there\r\n" \
  "Message-ID: <hello@example.org>\r\n" \
  "Content-Type: multipart/alternative; boundary=\"b1\"\r\n" \
  "\r\n" \
  "--b1\r\n" \
  "Content-Type: text/plain; charset=utf-8\r\n" \
  "\r\n" \
  "Plain words.\r\n" \
  "--b1\r\n" \
  "Content-Type: text/html; charset=utf-8\r\n" \
  "\r\n" \
  "<p>Html words.</p>\r\n" \
  "--b1--\r\n"

static void
test_basic (void)
{
  g_autoptr(TernFakeImap) fake = new_plain_fake ();
  g_autoptr(Raw) raw = NULL;
  g_autofree char *r = NULL;
  g_autofree char *flags = NULL;
  guint32 uid;

  tern_fake_imap_add_messages (fake, "INBOX", 3);
  uid = tern_fake_imap_add_message (fake, "INBOX", MESSAGE, "\\Flagged");
  g_assert_cmpuint (uid, ==, 4);
  tern_fake_imap_set_uidvalidity (fake, "INBOX", 77);
  tern_fake_imap_add_folder (fake, "Work", NULL);
  raw = logged_in (fake);
  assert_has (raw->greeting, "* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN]");

  r = raw_command (raw, "LIST \"\" \"*\"");
  assert_has (r, "* LIST (\\HasNoChildren) \"/\" \"INBOX\"");
  assert_has (r, "* LIST (\\HasNoChildren \\Trash) \"/\" \"Trash\"");
  g_free (r);
  r = raw_command (raw, "SELECT INBOX");
  assert_has (r, "* 4 EXISTS");
  assert_has (r, "[UIDVALIDITY 77]");
  assert_has (r, "[UIDNEXT 5]");
  g_free (r);

  r = raw_command (raw, "UID FETCH 4 (FLAGS ENVELOPE BODYSTRUCTURE BODY.PEEK[HEADER.FIELDS (SUBJECT)] "
                        "BODY.PEEK[1]<0.5>)");
  assert_has (r, "* 4 FETCH (UID 4 FLAGS (\\Flagged) ENVELOPE (NIL \"Hello there\" "
                 "((\"Bob\" NIL \"bob\" \"example.org\"))");
  assert_has (r, "((\"Alice\" NIL \"alice\" \"example.org\")(NIL NIL \"carol\" \"example.org\"))");
  assert_has (r, "\"<hello@example.org>\")");
  assert_has (r, "BODYSTRUCTURE ((\"text\" \"plain\" (\"charset\" \"utf-8\") NIL NIL \"7BIT\" 12 1)"
                 "(\"text\" \"html\" (\"charset\" \"utf-8\") NIL NIL \"7BIT\" 18 1) \"alternative\")");
  assert_has (r, "BODY[HEADER.FIELDS (SUBJECT)] {24}\r\nSubject: Hello there\r\n\r\n");
  assert_has (r, "BODY[1]<0> {5}\r\nPlain");
  g_free (r);

  r = raw_command (raw, "UID SEARCH UID 2:*");
  assert_has (r, "* SEARCH 2 3 4\r\n");
  g_free (r);
  r = raw_command (raw, "UID SEARCH HEADER Message-ID <m2@example.org>");
  assert_has (r, "* SEARCH 2\r\n");
  g_free (r);
  r = raw_command (raw, "UID SEARCH UNSEEN");
  assert_has (r, "* SEARCH 2 4\r\n");
  g_free (r);

  r = raw_command (raw, "UID STORE 2 +FLAGS (\\Answered)");
  assert_has (r, "* 2 FETCH (UID 2 FLAGS (\\Answered))");
  g_free (r);
  flags = tern_fake_imap_dup_flags (fake, "INBOX", 2);
  g_assert_cmpstr (flags, ==, "\\Answered");

  r = raw_command (raw, "UID MOVE 1 Work");
  assert_has (r, "* OK [COPYUID 1700000002 1 1]");
  assert_has (r, "* 1 EXPUNGE");
  g_free (r);
  g_assert_cmpuint (tern_fake_imap_count_messages (fake, "INBOX"), ==, 3);
  g_assert_cmpuint (tern_fake_imap_count_messages (fake, "Work"), ==, 1);

  r = raw_command (raw, "UID STORE 3 +FLAGS.SILENT (\\Deleted)");
  g_assert_null (strstr (r, "FETCH"));
  g_free (r);
  r = raw_command (raw, "UID EXPUNGE 3");
  assert_has (r, "* 2 EXPUNGE");
  g_free (r);

  raw_send (raw, "a90 APPEND Work (\\Seen) {19}\r\n");
  r = raw_line (raw);
  assert_has (r, "+ ");
  g_free (r);
  raw_send (raw, "Subject: appended\r\n\r\n");
  r = raw_line (raw);
  assert_has (r, "a90 OK [APPENDUID 1700000002 2]");
  g_assert_cmpuint (tern_fake_imap_count_messages (fake, "Work"), ==, 2);

  g_assert_cmpuint (tern_fake_imap_count_commands (fake, "UID SEARCH"), ==, 3);
  g_assert_cmpuint (tern_fake_imap_count_commands (fake, "SELECT"), ==, 1);
  g_assert_cmpuint (tern_fake_imap_count_connections (fake), ==, 1);
  g_assert_true (tern_fake_imap_wait_log (fake, "C: a5 UID SEARCH UID 2:*", 0));
}

/* Another session's changes arrive at the next command, and at once during IDLE. */
static void
test_other_session (void)
{
  g_autoptr(TernFakeImap) fake = new_plain_fake ();
  g_autoptr(Raw) raw = NULL;
  g_autofree char *r = NULL;
  g_autofree char *line = NULL;

  tern_fake_imap_add_messages (fake, "INBOX", 4);
  raw = logged_in (fake);
  g_free (raw_command (raw, "SELECT INBOX"));

  g_assert_true (tern_fake_imap_expunge_uid (fake, "INBOX", 2));
  g_assert_true (tern_fake_imap_set_flags (fake, "INBOX", 4, "\\Flagged"));
  tern_fake_imap_add_messages (fake, "INBOX", 1);
  r = raw_command (raw, "NOOP");
  assert_has (r, "* 2 EXPUNGE\r\n");
  assert_has (r, "* 3 FETCH (UID 4 FLAGS (\\Flagged))\r\n");
  assert_has (r, "* 4 EXISTS\r\n");

  raw_send (raw, "a9 IDLE\r\n");
  line = raw_line (raw);
  g_assert_cmpstr (line, ==, "+ idling");
  g_free (line);
  tern_fake_imap_add_messages (fake, "INBOX", 1);
  line = raw_line (raw);
  g_assert_cmpstr (line, ==, "* 5 EXISTS");
  g_free (line);
  raw_send (raw, "DONE\r\n");
  line = raw_line (raw);
  g_assert_cmpstr (line, ==, "a9 OK IDLE done");
}

static void
test_quirks (void)
{
  g_autoptr(TernFakeImap) fake = new_plain_fake ();
  g_autoptr(Raw) raw = NULL;
  g_autofree char *r = NULL;
  g_autoptr(GString) deep = NULL;

  tern_fake_imap_add_messages (fake, "INBOX", 3);
  tern_fake_imap_set_quirks (fake, TERN_FAKE_IMAP_QUIRK_SEARCH_UID_EMPTY
                                   | TERN_FAKE_IMAP_QUIRK_SCRAM_FAILS
                                   | TERN_FAKE_IMAP_QUIRK_NO_UIDNEXT
                                   | TERN_FAKE_IMAP_QUIRK_MALFORMED_EXPUNGE
                                   | TERN_FAKE_IMAP_QUIRK_BAD_FETCH_GONE_UID
                                   | TERN_FAKE_IMAP_QUIRK_COPY_DROPS_FLAGS
                                   | TERN_FAKE_IMAP_QUIRK_PARTIAL_OVERRUN);
  tern_fake_imap_set_myrights (fake, "acdilrsw");
  raw = raw_new (fake);
  assert_has (raw->greeting, "AUTH=PLAIN AUTH=SCRAM-SHA-256]");
  raw_send (raw, "s1 AUTHENTICATE SCRAM-SHA-256\r\n");
  g_free (r);
  r = raw_line (raw);
  g_assert_cmpstr (r, ==, "+ ");
  g_free (r);
  raw_send (raw, "biws\r\n");
  r = raw_line (raw);
  assert_has (r, "s1 NO [AUTHENTICATIONFAILED] AUTHENTICATE SCRAM-SHA-256 authentication failed");
  g_free (r);
  r = raw_command (raw, "AUTHENTICATE PLAIN AGFsaWNlAHNlY3JldA==");
  assert_has (r, "OK [CAPABILITY");
  g_free (r);

  r = raw_command (raw, "SELECT INBOX");
  g_assert_null (strstr (r, "UIDNEXT"));
  g_free (r);
  r = raw_command (raw, "UID SEARCH UID 1:*");
  assert_has (r, "* SEARCH\r\n");
  g_free (r);
  r = raw_command (raw, "UID FETCH 9 (FLAGS)");
  assert_has (r, "BAD");
  g_free (r);
  r = raw_command (raw, "UID FETCH 1 (BODY.PEEK[TEXT]<0.4>)");
  assert_has (r, "BODY[TEXT]<0> {20}\r\nBody of message 1.");
  g_free (r);
  r = raw_command (raw, "UID COPY 1 Trash");
  g_free (r);
  r = tern_fake_imap_dup_flags (fake, "Trash", 1);
  g_assert_cmpstr (r, ==, "");
  g_free (r);
  r = raw_command (raw, "MYRIGHTS INBOX");
  assert_has (r, "* MYRIGHTS \"INBOX\" \"acdilrsw\"");
  g_free (r);
  r = raw_command (raw, "UID STORE 2 +FLAGS (\\Deleted)");
  g_free (r);
  r = raw_command (raw, "EXPUNGE");
  assert_has (r, "* 57 EXPUNGED\r\n");
  assert_has (r, "* 2 EXPUNGE\r\n");
  g_free (r);

  /* A partial fetch that repeats its first chunk; a BODYSTRUCTURE 20,000 levels deep. */
  tern_fake_imap_set_quirks (fake, TERN_FAKE_IMAP_QUIRK_PARTIAL_REPEAT
                                   | TERN_FAKE_IMAP_QUIRK_DEEP_BODYSTRUCTURE);
  r = raw_command (raw, "UID FETCH 1 (BODY.PEEK[TEXT]<5.4> BODYSTRUCTURE)");
  assert_has (r, "BODY[TEXT]<5> {4}\r\nBody");
  deep = g_string_new (NULL);
  for (guint i = 0; i < 20000; i++)
    g_string_append_c (deep, '(');
  assert_has (r, deep->str);

  /* Capabilities nowhere: the next connection's greeting and CAPABILITY. */
  tern_fake_imap_set_quirks (fake, TERN_FAKE_IMAP_QUIRK_CAPABILITY_BARE_OK);
  {
    g_autoptr(Raw) bare = raw_new (fake);
    g_autofree char *c = raw_command (bare, "CAPABILITY");

    g_assert_cmpstr (bare->greeting, ==, "* OK Fake IMAP ready");
    g_assert_cmpstr (c, ==, "a1 OK CAPABILITY done\r\n");
  }
}

/* A fault in the headers fetch, and a hook answering a command. */
static gboolean
noop_hook (TernFakeImapSession *session,
           const char          *tag,
           const char          *command,
           gpointer             user_data)
{
  tern_fake_imap_session_send (session, "* 3 EXISTS\r\n%s OK hooked\r\n", tag);
  return TRUE;
}

static void
test_fault_and_hook (void)
{
  g_autoptr(TernFakeImap) fake = new_plain_fake ();
  g_autoptr(Raw) raw = NULL;
  g_autofree char *r = NULL;
  g_autoptr(GError) error = NULL;
  gsize length = 0;
  char *line;

  tern_fake_imap_add_messages (fake, "INBOX", 5);
  tern_fake_imap_set_hook (fake, "NOOP", noop_hook, NULL);
  tern_fake_imap_set_fault (fake, TERN_FAKE_IMAP_FAULT_CUT, 3, 1);
  raw = logged_in (fake);
  r = raw_command (raw, "NOOP");
  g_assert_cmpstr (r, ==, "* 3 EXISTS\r\na2 OK hooked\r\n");
  g_free (raw_command (raw, "SELECT INBOX"));
  raw_send (raw, "a4 UID FETCH 1:* (UID ENVELOPE)\r\n");
  for (guint i = 0; i < 2; i++)
    g_free (raw_line (raw));
  /* Half a response, then the end. */
  line = g_data_input_stream_read_line (raw->in, &length, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (line);
  g_assert_true (g_str_has_prefix (line, "* 3 FETCH (UID 3 FLAGS (\\Seen) INTERNALDATE \"01-Jan-20"));
  g_free (line);
  g_assert_true (tern_fake_imap_wait_log (fake, "INTERNALDATE \"01-Jan-20", 1000));
}

static gboolean
accept_any_cb (GTlsConnection       *connection,
               GTlsCertificate      *peer_cert,
               GTlsCertificateFlags  errors,
               gpointer              user_data)
{
  /* A throwaway self-signed certificate: the test is about the protocol around it. */
  return TRUE;
}

/* Plain port with STARTTLS: LOGIN refused before it; an injected line right after its OK. */
static void
test_starttls (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("tern-fake-imap-XXXXXX", &error);
  g_autofree char *cert = g_build_filename (dir, "cert.pem", NULL);
  g_autofree char *key = g_build_filename (dir, "key.pem", NULL);
  g_autofree char *cmd = g_strdup_printf ("openssl req -x509 -newkey ec -pkeyopt "
                                          "ec_paramgen_curve:P-256 -nodes -keyout %s -out %s "
                                          "-subj /CN=localhost -days 2 2>/dev/null", key, cert);
  g_autoptr(TernFakeImap) fake = NULL;
  g_autoptr(Raw) raw = NULL;
  g_autofree char *r = NULL;
  g_autoptr(GIOStream) tls = NULL;

  g_assert_cmpint (system (cmd), ==, 0);
  fake = tern_fake_imap_new (cert, key, &error);
  g_assert_no_error (error);
  tern_fake_imap_set_implicit_tls (fake, FALSE);
  tern_fake_imap_set_quirks (fake, TERN_FAKE_IMAP_QUIRK_STARTTLS_INJECTION);
  raw = raw_new (fake);
  assert_has (raw->greeting, "STARTTLS LOGINDISABLED");
  r = raw_command (raw, "LOGIN alice secret");
  assert_has (r, "NO [PRIVACYREQUIRED]");
  g_free (r);
  r = raw_command (raw, "STARTTLS");
  assert_has (r, "OK Begin TLS");
  g_free (r);
  r = raw_line (raw);
  g_assert_cmpstr (r, ==, "* OK [ALERT] injected before the handshake");

  /* The handshake goes on after it. */
  tls = g_tls_client_connection_new (G_IO_STREAM (raw->connection), NULL, &error);
  g_assert_no_error (error);
  g_signal_connect (tls, "accept-certificate", G_CALLBACK (accept_any_cb), NULL);
  g_assert_true (g_tls_connection_handshake (G_TLS_CONNECTION (tls), NULL, &error));
  g_assert_no_error (error);
  raw_set_stream (raw, tls);
  g_free (r);
  r = raw_command (raw, "LOGIN alice secret");
  assert_has (r, "OK [CAPABILITY");

  g_free (cmd);
  cmd = g_strdup_printf ("rm -rf '%s'", dir);
  g_assert_cmpint (system (cmd), ==, 0);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/fake-imap/basic", test_basic);
  g_test_add_func ("/fake-imap/other-session", test_other_session);
  g_test_add_func ("/fake-imap/quirks", test_quirks);
  g_test_add_func ("/fake-imap/fault-and-hook", test_fault_and_hook);
  g_test_add_func ("/fake-imap/starttls", test_starttls);

  return g_test_run ();
}
