/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-submit"

#include "config.h"

#include <string.h>

#include <glib/gstdio.h>
#include <gmime/gmime.h>

#include "tern-compose.h"
#include "tern-submit.h"
#include "tern-test-server.h"

G_DEFINE_AUTOPTR_CLEANUP_FUNC (GMimeMessage, g_object_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (GMimeParser, g_object_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (GMimeStream, g_object_unref)

/*
 * SMTP submission with libcurl against Dovecot's submission service (implicit TLS and
 * STARTTLS, AUTH PLAIN and LOGIN), which relays to the fixture's sink: what arrives parses
 * back to what was composed; refusals (recipient, size, password, certificate) are definite
 * and say why; a lost answer after the data is "unknown".
 */

typedef struct
{
  TernTestServer *server;
  char           *dir;
  char           *path;          /* a composed message */
  char           *message_id;
  GBytes         *attachment;
  guint           handed_over;
} Fixture;

static const char *body_text =
  "Hi Bob,\n\nA line with a single dot follows, then two:\n.\n..\nThe end, with ünïcödé.\n";

static gboolean
handed_over_cb (gpointer   user_data,
                GError   **error)
{
  Fixture *f = user_data;

  f->handed_over++;
  return TRUE;
}

static gboolean
refuse_cb (gpointer   user_data,
           GError   **error)
{
  Fixture *f = user_data;

  f->handed_over++;
  g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NO_SPACE, "The disk is full");
  return FALSE;
}

static void
compose (Fixture *f,
         gsize    padding)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TernComposer) composer = tern_composer_new ();
  g_autoptr(GByteArray) data = g_byte_array_new ();

  for (gsize i = 0; i < 3000 + padding; i++)
    {
      guint8 b = (guint8) (i * 7 + i / 251);

      g_byte_array_append (data, &b, 1);
    }
  g_clear_pointer (&f->attachment, g_bytes_unref);
  f->attachment = g_bytes_new (data->data, data->len);

  g_assert_true (tern_composer_set_from (composer, "Alice Ärger <alice@example.org>", &error));
  g_assert_true (tern_composer_set_to (composer, "Bob <bob@example.org>", &error));
  g_assert_true (tern_composer_set_cc (composer, "carol@example.org", &error));
  g_assert_true (tern_composer_set_bcc (composer, "hidden@example.org", &error));
  tern_composer_set_subject (composer, "Grüße from the test");
  tern_composer_set_body (composer, body_text);
  tern_composer_add_attachment_bytes (composer, f->attachment, "daten – ü.bin", "application/octet-stream");
  g_free (f->message_id);
  f->message_id = g_strdup (tern_composer_get_message_id (composer));
  g_assert_true (tern_composer_write_to_file (composer, f->path, &error));
  g_assert_no_error (error);
}

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  f->server = tern_test_server_new (TERN_TEST_SERVER_SUBMISSION | GPOINTER_TO_UINT (data), &error);
  g_assert_no_error (error);
  f->dir = g_dir_make_tmp ("tern-submit-XXXXXX", &error);
  g_assert_no_error (error);
  f->path = g_build_filename (f->dir, "message.eml", NULL);
  compose (f, 0);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  g_autofree char *cmd = g_strdup_printf ("rm -rf '%s'", f->dir);

  tern_test_server_free (f->server);
  g_assert_cmpint (system (cmd), ==, 0);
  g_free (f->dir);
  g_free (f->path);
  g_free (f->message_id);
  g_clear_pointer (&f->attachment, g_bytes_unref);
}

static TernSubmitSettings
settings_for (Fixture            *f,
              TernSubmitSecurity  security)
{
  TernSubmitSettings s = { 0 };

  s.host = tern_test_server_get_host (f->server);
  s.port = security == TERN_SUBMIT_SECURITY_TLS ? tern_test_server_get_submissions_port (f->server)
                                                : tern_test_server_get_submission_port (f->server);
  s.security = security;
  s.user = "alice";
  s.password = "secret";
  s.ca_file = tern_test_server_get_ca_file (f->server);
  s.timeout_seconds = 10;
  return s;
}

static const char *const recipients[] = { "bob@example.org", "carol@example.org", "hidden@example.org", NULL };

static gboolean
submit (Fixture                  *f,
        const TernSubmitSettings *s,
        TernSubmitOutcome        *outcome,
        char                    **refused,
        GError                  **error)
{
  return tern_submit_message (s, "alice@example.org", recipients, f->path, handed_over_cb, f, NULL,
                              outcome, refused, error);
}

/* The message as the sink got it parses back to what was composed; Bcc went in the envelope
 * only. */
static void
assert_delivered (Fixture *f,
                  guint    index)
{
  g_autofree char *mail_from = NULL;
  g_auto(GStrv) rcpts = NULL;
  g_autoptr(GBytes) data = tern_test_server_dup_submitted (f->server, index, &mail_from, &rcpts);
  g_autoptr(GMimeStream) stream = NULL;
  g_autoptr(GMimeParser) parser = NULL;
  g_autoptr(GMimeMessage) parsed = NULL;
  GMimeMultipart *mixed;
  GMimeObject *text;
  GMimePart *part;
  g_autofree char *decoded = NULL;
  g_autofree char *unflowed = NULL;
  g_autofree char *id = NULL;

  g_assert_nonnull (data);
  g_assert_cmpstr (mail_from, ==, "alice@example.org");
  g_assert_cmpuint (g_strv_length (rcpts), ==, 3);
  g_assert_cmpstr (rcpts[2], ==, "hidden@example.org");
  g_assert_null (g_strstr_len (g_bytes_get_data (data, NULL), g_bytes_get_size (data), "hidden@"));
  g_assert_null (g_strstr_len (g_bytes_get_data (data, NULL), g_bytes_get_size (data), "Bcc:"));

  stream = g_mime_stream_mem_new_with_buffer (g_bytes_get_data (data, NULL), g_bytes_get_size (data));
  parser = g_mime_parser_new_with_stream (stream);
  parsed = g_mime_parser_construct_message (parser, NULL);
  g_assert_nonnull (parsed);
  g_assert_cmpstr (g_mime_message_get_subject (parsed), ==, "Grüße from the test");
  id = g_strdup_printf ("<%s>", g_mime_message_get_message_id (parsed));
  g_assert_cmpstr (id, ==, f->message_id);
  g_assert_cmpstr (internet_address_get_name (internet_address_list_get_address (g_mime_message_get_from (parsed), 0)),
                   ==, "Alice Ärger");
  g_assert_cmpint (internet_address_list_length (g_mime_message_get_cc (parsed)), ==, 1);

  mixed = GMIME_MULTIPART (g_mime_message_get_mime_part (parsed));
  g_assert_cmpint (g_mime_multipart_get_count (mixed), ==, 2);
  text = g_mime_multipart_get_part (mixed, 0);
  decoded = g_mime_text_part_get_text (GMIME_TEXT_PART (text));
  unflowed = tern_compose_unflow_text (decoded, FALSE);
  g_assert_cmpstr (unflowed, ==, body_text);
  part = GMIME_PART (g_mime_multipart_get_part (mixed, 1));
  g_assert_cmpstr (g_mime_part_get_filename (part), ==, "daten – ü.bin");
  {
    g_autoptr(GMimeStream) out = g_mime_stream_mem_new ();
    GByteArray *array;
    g_autoptr(GBytes) content = NULL;

    g_mime_data_wrapper_write_to_stream (g_mime_part_get_content (part), out);
    array = g_mime_stream_mem_get_byte_array (GMIME_STREAM_MEM (out));
    content = g_bytes_new (array->data, array->len);
    g_assert_true (g_bytes_equal (content, f->attachment));
  }
}

static gboolean
log_contains (Fixture    *f,
              const char *text)
{
  g_autofree char *path = g_build_filename (tern_test_server_get_dir (f->server), "dovecot.log", NULL);
  g_autofree char *log = NULL;

  return g_file_get_contents (path, &log, NULL, NULL) && strstr (log, text) != NULL;
}

static void
test_implicit_tls_plain (Fixture       *f,
                         gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  TernSubmitSettings s = settings_for (f, TERN_SUBMIT_SECURITY_TLS);
  TernSubmitOutcome outcome = TERN_SUBMIT_NOT_SENT;

  g_assert_true (submit (f, &s, &outcome, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpint (outcome, ==, TERN_SUBMIT_SENT);
  g_assert_cmpuint (f->handed_over, ==, 1);
  g_assert_cmpuint (tern_test_server_count_submitted (f->server), ==, 1);
  assert_delivered (f, 0);
  g_assert_true (log_contains (f, "method=PLAIN"));
}

static void
test_starttls_login (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  TernSubmitSettings s = settings_for (f, TERN_SUBMIT_SECURITY_STARTTLS);
  TernSubmitOutcome outcome = TERN_SUBMIT_NOT_SENT;

  s.auth_mechanisms = "LOGIN";
  g_assert_true (submit (f, &s, &outcome, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpint (outcome, ==, TERN_SUBMIT_SENT);
  assert_delivered (f, 0);
  g_assert_true (log_contains (f, "method=LOGIN"));
  g_assert_false (log_contains (f, "method=PLAIN"));
}

static void
test_recipient_rejected (Fixture       *f,
                         gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  TernSubmitSettings s = settings_for (f, TERN_SUBMIT_SECURITY_TLS);
  TernSubmitOutcome outcome = TERN_SUBMIT_SENT;

  tern_test_server_sink_reject (f->server, "carol@example.org");
  g_assert_false (submit (f, &s, &outcome, NULL, &error));
  g_assert_error (error, TERN_SYNC_ERROR, TERN_SYNC_ERROR_PERMANENT);
  g_assert_nonnull (strstr (error->message, "carol@example.org"));
  g_assert_nonnull (strstr (error->message, "550"));
  g_assert_cmpint (outcome, ==, TERN_SUBMIT_NOT_SENT);
  g_assert_cmpuint (f->handed_over, ==, 0);
  g_assert_cmpuint (tern_test_server_count_submitted (f->server), ==, 0);
}

static void
test_bad_password (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  TernSubmitSettings s = settings_for (f, TERN_SUBMIT_SECURITY_STARTTLS);
  TernSubmitOutcome outcome = TERN_SUBMIT_SENT;

  s.password = "wrong";
  g_assert_false (submit (f, &s, &outcome, NULL, &error));
  g_assert_error (error, TERN_SYNC_ERROR, TERN_SYNC_ERROR_AUTH);
  g_assert_nonnull (strstr (error->message, "535"));
  g_assert_cmpint (outcome, ==, TERN_SUBMIT_NOT_SENT);
  g_assert_cmpuint (tern_test_server_count_submitted (f->server), ==, 0);
}

static void
test_too_large (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  TernSubmitSettings s = { 0 };
  TernSubmitOutcome outcome = TERN_SUBMIT_SENT;

  g_assert_true (tern_test_server_set_submission_max_size (f->server, 20000, &error));
  g_assert_no_error (error);
  compose (f, 30000);
  s = settings_for (f, TERN_SUBMIT_SECURITY_TLS);
  g_assert_false (submit (f, &s, &outcome, NULL, &error));
  g_assert_error (error, TERN_SYNC_ERROR, TERN_SYNC_ERROR_PERMANENT);
  g_assert_nonnull (strstr (error->message, "too large"));
  g_assert_cmpint (outcome, ==, TERN_SUBMIT_NOT_SENT);
  /* SIZE was announced: refused before any data went. */
  g_assert_cmpuint (f->handed_over, ==, 0);
  g_clear_error (&error);

  /* A small one still goes. */
  compose (f, 0);
  g_assert_true (submit (f, &s, &outcome, NULL, &error));
  g_assert_no_error (error);
}

static void
test_certificate (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *sha = tern_test_server_dup_cert_sha256 (f->server);
  g_autofree char *refused = NULL;
  g_autofree char *upper = g_ascii_strup (sha, -1);
  TernSubmitSettings s = settings_for (f, TERN_SUBMIT_SECURITY_TLS);
  TernSubmitOutcome outcome = TERN_SUBMIT_SENT;
  const char *wrong_pin[] = { "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff", NULL };
  const char *pins[] = { "ffff", upper, NULL };
  gboolean wrong_hostname = GPOINTER_TO_UINT (data) & TERN_TEST_SERVER_WRONG_HOSTNAME;

  if (!wrong_hostname)
    {
      /* Not signed by a CA the system knows. */
      s.ca_file = NULL;
      g_assert_false (submit (f, &s, &outcome, &refused, &error));
      g_assert_error (error, TERN_SYNC_ERROR, TERN_SYNC_ERROR_CERTIFICATE);
      g_assert_cmpstr (refused, ==, sha);
      g_clear_error (&error);
      g_clear_pointer (&refused, g_free);
    }
  else
    {
      /* Signed by the CA given, but for another name. */
      g_assert_false (submit (f, &s, &outcome, &refused, &error));
      g_assert_error (error, TERN_SYNC_ERROR, TERN_SYNC_ERROR_CERTIFICATE);
      g_assert_cmpstr (refused, ==, sha);
      g_clear_error (&error);
      g_clear_pointer (&refused, g_free);
    }
  g_assert_cmpuint (tern_test_server_count_submitted (f->server), ==, 0);

  s.pinned_sha256 = wrong_pin;
  g_assert_false (submit (f, &s, &outcome, &refused, &error));
  g_assert_error (error, TERN_SYNC_ERROR, TERN_SYNC_ERROR_CERTIFICATE);
  g_assert_nonnull (strstr (error->message, "not the pinned certificate"));
  g_clear_error (&error);
  g_clear_pointer (&refused, g_free);

  /* The pinned certificate is accepted anyway (any case, among other pins), over either
   * kind of TLS. */
  s.pinned_sha256 = pins;
  g_assert_true (submit (f, &s, &outcome, &refused, &error));
  g_assert_no_error (error);
  g_assert_null (refused);
  s = settings_for (f, TERN_SUBMIT_SECURITY_STARTTLS);
  s.ca_file = NULL;
  s.pinned_sha256 = pins;
  g_assert_true (submit (f, &s, &outcome, &refused, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (tern_test_server_count_submitted (f->server), ==, 2);
  assert_delivered (f, 1);
}

static void
test_unknown_outcome (Fixture       *f,
                      gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  TernSubmitSettings s = settings_for (f, TERN_SUBMIT_SECURITY_TLS);
  TernSubmitOutcome outcome = TERN_SUBMIT_SENT;

  /* The data arrives, the answer never does. */
  tern_test_server_sink_hold (f->server, TRUE);
  s.timeout_seconds = 2;
  g_assert_false (submit (f, &s, &outcome, NULL, &error));
  g_assert_cmpint (outcome, ==, TERN_SUBMIT_UNKNOWN);
  g_assert_nonnull (error);
  g_assert_nonnull (strstr (error->message, "may or may not"));
  g_assert_cmpuint (f->handed_over, ==, 1);
  g_assert_cmpuint (tern_test_server_count_submitted (f->server), ==, 1);
  tern_test_server_sink_hold (f->server, FALSE);
}

static void
test_offline (Fixture       *f,
              gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  TernSubmitSettings s = settings_for (f, TERN_SUBMIT_SECURITY_TLS);
  TernSubmitOutcome outcome = TERN_SUBMIT_SENT;

  tern_test_server_stop (f->server);
  g_assert_false (submit (f, &s, &outcome, NULL, &error));
  g_assert_error (error, TERN_SYNC_ERROR, TERN_SYNC_ERROR_OFFLINE);
  g_assert_cmpint (outcome, ==, TERN_SUBMIT_NOT_SENT);
  g_assert_cmpuint (f->handed_over, ==, 0);
}

/* A server without STARTTLS never gets the password; implicit TLS to a plain port fails
 * with advice. */
static void
test_no_tls (Fixture       *f,
             gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  TernSubmitSettings s = settings_for (f, TERN_SUBMIT_SECURITY_STARTTLS);
  TernSubmitOutcome outcome = TERN_SUBMIT_SENT;

  s.host = "127.0.0.1";
  s.port = tern_test_server_get_sink_port (f->server);
  g_assert_false (submit (f, &s, &outcome, NULL, &error));
  g_assert_error (error, TERN_SYNC_ERROR, TERN_SYNC_ERROR_INSECURE);
  g_assert_cmpint (outcome, ==, TERN_SUBMIT_NOT_SENT);
  g_clear_error (&error);

  s.security = TERN_SUBMIT_SECURITY_TLS;
  s.timeout_seconds = 3;
  g_assert_false (submit (f, &s, &outcome, NULL, &error));
  g_assert_error (error, TERN_SYNC_ERROR, TERN_SYNC_ERROR_CONFIG);
  g_assert_nonnull (strstr (error->message, "security settings"));
  g_assert_cmpuint (tern_test_server_count_submitted (f->server), ==, 0);
  g_assert_cmpuint (f->handed_over, ==, 0);
}

/* If the outbox cannot record the point of no return, the end of the data never goes. */
static void
test_handed_over_fails (Fixture       *f,
                        gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  TernSubmitSettings s = settings_for (f, TERN_SUBMIT_SECURITY_TLS);
  TernSubmitOutcome outcome = TERN_SUBMIT_SENT;

  g_assert_false (tern_submit_message (&s, "alice@example.org", recipients, f->path, refuse_cb, f, NULL,
                                       &outcome, NULL, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NO_SPACE);
  g_assert_cmpint (outcome, ==, TERN_SUBMIT_NOT_SENT);
  g_assert_cmpuint (f->handed_over, ==, 1);
  g_assert_cmpuint (tern_test_server_count_submitted (f->server), ==, 0);
}

/* A cancel from another thread stops a submission that waits for the server: sent once
 * the sink holds the message's data without answering. */
typedef struct
{
  TernTestServer *server;
  GCancellable   *cancellable;
  gboolean        held;
} Canceller;

static gpointer
cancel_when_held (gpointer data)
{
  Canceller *c = data;

  c->held = tern_test_server_sink_wait_held (c->server, 30000);
  g_cancellable_cancel (c->cancellable);
  return NULL;
}

static void
test_cancel (Fixture       *f,
             gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  TernSubmitSettings s = settings_for (f, TERN_SUBMIT_SECURITY_TLS);
  TernSubmitOutcome outcome = TERN_SUBMIT_SENT;
  Canceller c = { f->server, cancellable, FALSE };
  GThread *thread;

  tern_test_server_sink_hold (f->server, TRUE);
  thread = g_thread_new ("cancel", cancel_when_held, &c);
  /* The sink never answers while held: only the cancel ends the submission. */
  g_assert_false (tern_submit_message (&s, "alice@example.org", recipients, f->path, handed_over_cb, f,
                                       cancellable, &outcome, NULL, &error));
  g_thread_join (thread);
  g_assert_true (c.held);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  /* It was waiting for the answer to the data: the outcome is unknown. */
  g_assert_cmpint (outcome, ==, TERN_SUBMIT_UNKNOWN);
  tern_test_server_sink_hold (f->server, FALSE);
}

/* The check before an account is saved: logs in (TLS, STARTTLS), sends nothing; a wrong
 * password, a port without a server and TLS spoken to a plain port are told apart. */
static void
test_check (Fixture       *f,
            gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  TernSubmitSettings s = settings_for (f, TERN_SUBMIT_SECURITY_TLS);

  g_assert_true (tern_submit_check (&s, NULL, NULL, &error));
  g_assert_no_error (error);
  s = settings_for (f, TERN_SUBMIT_SECURITY_STARTTLS);
  g_assert_true (tern_submit_check (&s, NULL, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (tern_test_server_count_submitted (f->server), ==, 0);

  s.password = "wrong";
  g_assert_false (tern_submit_check (&s, NULL, NULL, &error));
  g_assert_error (error, TERN_SYNC_ERROR, TERN_SYNC_ERROR_AUTH);
  g_clear_error (&error);

  s = settings_for (f, TERN_SUBMIT_SECURITY_TLS);
  s.port = tern_test_server_get_submission_port (f->server);
  g_assert_false (tern_submit_check (&s, NULL, NULL, &error));
  g_assert_error (error, TERN_SYNC_ERROR, TERN_SYNC_ERROR_CONFIG);
  g_clear_error (&error);

  s.port = 1;
  g_assert_false (tern_submit_check (&s, NULL, NULL, &error));
  g_assert_error (error, TERN_SYNC_ERROR, TERN_SYNC_ERROR_OFFLINE);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_mime_init ();
  tern_submit_global_init ();

#define ADD(path, func, flags) \
  g_test_add ("/submit/" path, Fixture, GUINT_TO_POINTER (flags), fixture_set_up, func, fixture_tear_down)

  ADD ("implicit-tls-plain", test_implicit_tls_plain, 0);
  ADD ("starttls-login", test_starttls_login, 0);
  ADD ("recipient-rejected", test_recipient_rejected, 0);
  ADD ("bad-password", test_bad_password, 0);
  ADD ("too-large", test_too_large, 0);
  ADD ("certificate", test_certificate, 0);
  ADD ("certificate-wrong-hostname", test_certificate, TERN_TEST_SERVER_WRONG_HOSTNAME);
  ADD ("unknown-outcome", test_unknown_outcome, 0);
  ADD ("offline", test_offline, 0);
  ADD ("no-tls", test_no_tls, 0);
  ADD ("handed-over-fails", test_handed_over_fails, 0);
  ADD ("cancel", test_cancel, 0);
  ADD ("check", test_check, 0);
  return g_test_run ();
}
