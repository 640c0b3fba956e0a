/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>
#include <unistd.h>

#include "tern-accounts-private.h"
#include "tern-oauth2.h"
#include "tern-outbox.h"
#include "tern-outbox-sync.h"
#include "tern-password.h"
#include "tern-sync.h"
#include "tern-test-idp.h"
#include "tern-test-server.h"

/*
 * OAuth2 against real parts: a small identity provider on loopback (tern-test-idp: the
 * authorization and token endpoints over TLS, introspection for Dovecot), Dovecot's oauth2
 * passdb checking each token there, and a private keyring (the test runs itself again under
 * dbus-run-session with gnome-keyring-daemon) for the refresh token. The test plays the
 * browser: it opens the authorization URL and follows the redirect to Tern's loopback port.
 */

typedef struct
{
  TernTestServer *server;
  TernTestIdp    *idp;
  TernStore      *store;
  TernAccount    *account;
  char           *dir;
} Fixture;

static TernAccount *
make_account (Fixture *f)
{
  TernAccount *account = g_new0 (TernAccount, 1);

  account->name = g_strdup ("oa");
  account->email = g_strdup ("alice@example.org");
  account->host = g_strdup ("localhost");
  account->port = tern_test_server_get_imaps_port (f->server);
  account->security = g_strdup ("tls");
  account->user = g_strdup ("alice");
  account->ca_file = g_strdup (tern_test_server_get_ca_file (f->server));
  account->delete_mode = g_strdup ("trash");
  account->auth = g_strdup ("oauth2");
  account->oauth2_issuer = g_strdup ("test-idp");
  account->oauth2_client_id = g_strdup ("tern-test");
  account->oauth2_auth_url = tern_test_idp_dup_auth_url (f->idp);
  account->oauth2_token_url = tern_test_idp_dup_token_url (f->idp);
  account->oauth2_scope = g_strdup ("mail offline_access");
  return account;
}

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *introspection = NULL;
  g_autofree char *path = NULL;

  f->idp = tern_test_idp_new ("alice", &error);
  g_assert_no_error (error);
  introspection = tern_test_idp_dup_introspection_url (f->idp);
  g_setenv (TERN_TEST_IDP_ENV, introspection, TRUE);
  f->server = tern_test_server_new (TERN_TEST_SERVER_OAUTH2 | GPOINTER_TO_UINT (data), &error);
  g_assert_no_error (error);
  g_assert_true (tern_test_server_seed (f->server, "alice", "INBOX", 7, &error));
  g_assert_true (tern_test_idp_start_web (f->idp, tern_test_server_get_cert_file (f->server),
                                          tern_test_server_get_key_file (f->server), &error));
  g_assert_no_error (error);
  f->dir = g_dir_make_tmp ("tern-oauth2-XXXXXX", &error);
  g_assert_no_error (error);
  path = g_build_filename (f->dir, "tern.db", NULL);
  f->store = tern_store_open (path, &error);
  g_assert_no_error (error);
  f->account = make_account (f);
  g_assert_true (tern_store_add_account (f->store, f->account, &f->account->id, &error));
  g_assert_no_error (error);
  tern_oauth2_forget (f->account, NULL);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  g_autofree char *cmd = g_strdup_printf ("rm -rf '%s'", f->dir);

  tern_oauth2_forget (f->account, NULL);
  tern_account_free (f->account);
  tern_store_free (f->store);
  tern_test_server_free (f->server);
  tern_test_idp_free (f->idp);
  g_assert_cmpint (system (cmd), ==, 0);
  g_free (f->dir);
}

static gpointer
wait_thread (gpointer data)
{
  g_autoptr(GError) error = NULL;
  TernOAuth2Tokens *tokens = tern_oauth2_flow_wait (data, NULL, &error);

  g_assert_no_error (error);
  return tokens;
}

/* The browser's part: the authorization URL (the provider signs the user in at once), then
 * the redirect to Tern's loopback port. */
static void
browse (Fixture    *f,
        const char *uri)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GTlsDatabase) ca = g_tls_file_database_new (tern_test_server_get_ca_file (f->server), &error);
  g_autoptr(TernHttpResponse) response = NULL;
  g_autoptr(GUri) redirect = NULL;
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GSocketConnection) connection = NULL;
  g_autofree char *request = NULL;
  g_autoptr(GDataInputStream) in = NULL;
  g_autofree char *status = NULL;
  TernNetOptions options = { .tls_database = ca, .timeout_seconds = 10 };
  TernHttpRequest get = { .url = uri };

  response = _tern_http_request (&options, &get, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (response->status, ==, 302);
  g_assert_true (g_str_has_prefix (response->location, "http://127.0.0.1:"));
  redirect = g_uri_parse (response->location, G_URI_FLAGS_ENCODED, &error);
  g_assert_no_error (error);
  connection = g_socket_client_connect_to_host (client, "127.0.0.1", g_uri_get_port (redirect), NULL,
                                                &error);
  g_assert_no_error (error);
  request = g_strdup_printf ("GET %s?%s HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", g_uri_get_path (redirect),
                             g_uri_get_query (redirect));
  g_assert_true (g_output_stream_write_all (g_io_stream_get_output_stream (G_IO_STREAM (connection)),
                                            request, strlen (request), NULL, NULL, &error));
  in = g_data_input_stream_new (g_io_stream_get_input_stream (G_IO_STREAM (connection)));
  status = g_data_input_stream_read_line (in, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_str_has_prefix (status, "HTTP/1.1 200"));
}

static void
sign_in (Fixture *f)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TernOAuth2Flow) flow = tern_oauth2_flow_new (f->account, f->account->email, &error);
  g_autoptr(TernOAuth2Tokens) tokens = NULL;
  guint codes = tern_test_idp_count (f->idp, "code");
  GThread *thread;

  g_assert_no_error (error);
  g_assert_nonnull (strstr (tern_oauth2_flow_get_uri (flow), "code_challenge_method=S256"));
  thread = g_thread_new ("wait", wait_thread, flow);
  browse (f, tern_oauth2_flow_get_uri (flow));
  tokens = g_thread_join (thread);
  g_assert_nonnull (tokens);
  g_assert_nonnull (tokens->refresh_token);
  g_assert_true (tern_oauth2_save_tokens (f->account, tokens, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (tern_test_idp_count (f->idp, "code"), ==, codes + 1);
}

static gboolean
sync_once (Fixture  *f,
           GError  **error)
{
  g_autoptr(TernAccount) account = tern_store_get_account (f->store, "oa", NULL);
  g_autoptr(TernSync) sync = tern_sync_new (f->store, account);

  tern_sync_set_timeout (sync, 10);
  if (!tern_sync_connect (sync, error))
    return FALSE;
  return tern_sync_folders (sync, error) && tern_sync_folder (sync, "INBOX", error);
}

static guint
inbox_total (Fixture *f)
{
  g_autoptr(GPtrArray) folders = tern_store_list_folders (f->store, f->account->id, NULL);

  for (guint i = 0; folders != NULL && i < folders->len; i++)
    {
      TernFolder *folder = folders->pdata[i];

      if (g_str_equal (folder->name, "INBOX"))
        return folder->total;
    }
  return 0;
}

/* Signing in with the browser, then a sync that signs in to Dovecot with the token. */
static void
test_sign_in_and_sync (Fixture       *f,
                       gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  sign_in (f);
  g_assert_true (sync_once (f, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (inbox_total (f), ==, 7);
  /* Dovecot asked the provider about the token; no refresh was needed. */
  g_assert_cmpuint (tern_test_idp_count (f->idp, "introspect-active"), >=, 1);
  g_assert_cmpuint (tern_test_idp_count (f->idp, "refresh"), ==, 0);
}

/* The provider ends the token early: the server refuses it, Tern gets a new one with the
 * refresh token (once) and goes on. */
static void
test_expired_token (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  sign_in (f);
  g_assert_true (sync_once (f, &error));
  tern_test_idp_expire_access_tokens (f->idp);
  g_assert_true (sync_once (f, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (tern_test_idp_count (f->idp, "introspect-inactive"), ==, 1);
  g_assert_cmpuint (tern_test_idp_count (f->idp, "refresh"), ==, 1);
}

/* A token about to expire is renewed before it is used. */
static void
test_renew_before_expiry (Fixture       *f,
                          gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  tern_test_idp_set_lifetime (f->idp, 30);
  sign_in (f);
  g_assert_true (sync_once (f, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (tern_test_idp_count (f->idp, "introspect-inactive"), ==, 0);
  g_assert_cmpuint (tern_test_idp_count (f->idp, "refresh"), ==, 1);
}

/* Revoked: "sign in again" recorded on the account, the error asks the user, one refused
 * refresh and no loop. */
static void
test_revoked (Fixture       *f,
              gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TernAccount) account = NULL;

  sign_in (f);
  g_assert_true (sync_once (f, &error));
  tern_test_idp_revoke (f->idp);
  g_assert_false (sync_once (f, &error));
  g_assert_error (error, TERN_SYNC_ERROR, TERN_SYNC_ERROR_AUTH);
  g_assert_nonnull (strstr (error->message, "sign in again"));
  g_assert_cmpuint (tern_test_idp_count (f->idp, "refused"), ==, 1);
  account = tern_store_get_account (f->store, "oa", NULL);
  g_assert_cmpstr (account->auth_state, ==, "sign-in");

  /* Signing in again clears it. */
  g_clear_error (&error);
  sign_in (f);
  g_assert_true (sync_once (f, &error));
  g_assert_no_error (error);
  g_clear_pointer (&account, tern_account_free);
  account = tern_store_get_account (f->store, "oa", NULL);
  g_assert_null (account->auth_state);
}

/* Submission signs in with the token too (libcurl's OAUTHBEARER/XOAUTH2), renewing it once
 * when the server refuses an expired one. */
static void
test_submission (Fixture       *f,
                 gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TernOutboxSender) sender = NULL;
  g_autoptr(GBytes) raw = g_bytes_new_static ("From: alice@example.org\r\nTo: bob@example.org\r\n"
                                              "Subject: Token\r\n\r\nSent with a token.\r\n", 84);
  TernSmtpSettings smtp = { 0 };
  TernOutboxRun run = { 0 };

  sign_in (f);
  smtp.account_id = f->account->id;
  smtp.host = (char *) "localhost";
  smtp.port = tern_test_server_get_submissions_port (f->server);
  smtp.security = (char *) "tls";
  smtp.user = (char *) "alice";
  g_assert_true (tern_outbox_set_smtp (f->store, &smtp, &error));
  g_assert_cmpint (tern_outbox_enqueue_bytes (f->store, f->account, raw, NULL, &error), >, 0);
  g_assert_no_error (error);

  /* The token Tern holds is no longer valid at the server: refused, renewed, sent. */
  tern_test_idp_expire_access_tokens (f->idp);
  sender = tern_outbox_sender_new (f->store, f->account);
  tern_outbox_sender_set_timeout (sender, 10);
  g_assert_true (tern_outbox_sender_run (sender, TRUE, &run, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (run.sent, ==, 1);
  g_assert_cmpuint (run.failed, ==, 0);
  g_assert_cmpuint (tern_test_server_count_submitted (f->server), ==, 1);
  g_assert_cmpuint (tern_test_idp_count (f->idp, "refresh"), ==, 1);
}

/* Runs again under a private session bus with an unlocked keyring (nothing of the user's
 * keyring is touched). */
static void
reexec_with_keyring (int    argc,
                     char **argv)
{
  g_autoptr(GPtrArray) args = g_ptr_array_new ();
  g_autofree char *home = g_dir_make_tmp ("tern-oauth2-home-XXXXXX", NULL);
  g_autofree char *script = g_strdup_printf ("export TERN_TEST_PRIVATE_KEYRING=1 HOME='%s' "
                                             "XDG_DATA_HOME='%s/share' XDG_RUNTIME_DIR='%s/run'; "
                                             "mkdir -p \"$XDG_RUNTIME_DIR\"; chmod 700 \"$XDG_RUNTIME_DIR\"; "
                                             "eval $(printf x | env -u G_DEBUG -u MALLOC_CHECK_ gnome-keyring-daemon --unlock "
                                             "--components=secrets | sed 's/^/export /'); "
                                             "\"$@\"; status=$?; rm -rf '%s'; exit $status",
                                             home, home, home, home);

  g_ptr_array_add (args, (char *) "dbus-run-session");
  g_ptr_array_add (args, (char *) "--");
  g_ptr_array_add (args, (char *) "sh");
  g_ptr_array_add (args, (char *) "-c");
  g_ptr_array_add (args, script);
  g_ptr_array_add (args, (char *) "sh");
  for (int i = 0; i < argc; i++)
    g_ptr_array_add (args, argv[i]);
  g_ptr_array_add (args, NULL);
  execvp ("dbus-run-session", (char **) args->pdata);
  g_printerr ("Cannot run dbus-run-session: %s\n", g_strerror (errno));
  exit (1);
}

int
main (int    argc,
      char **argv)
{
  if (g_getenv ("TERN_TEST_PRIVATE_KEYRING") == NULL &&
      tern_test_have_keyring_tools ())
    reexec_with_keyring (argc, argv);

  g_test_init (&argc, &argv, NULL);
  if (g_getenv ("TERN_TEST_PRIVATE_KEYRING") == NULL)
    {
      g_test_skip ("needs dbus-run-session and gnome-keyring-daemon");
      return g_test_run ();
    }
  tern_sync_global_init ();

  g_test_add ("/oauth2/sign-in-and-sync", Fixture, NULL, fixture_set_up, test_sign_in_and_sync,
              fixture_tear_down);
  g_test_add ("/oauth2/expired-token", Fixture, NULL, fixture_set_up, test_expired_token,
              fixture_tear_down);
  g_test_add ("/oauth2/renew-before-expiry", Fixture, NULL, fixture_set_up, test_renew_before_expiry,
              fixture_tear_down);
  g_test_add ("/oauth2/revoked", Fixture, NULL, fixture_set_up, test_revoked, fixture_tear_down);
  g_test_add ("/oauth2/submission", Fixture, GUINT_TO_POINTER (TERN_TEST_SERVER_SUBMISSION),
              fixture_set_up, test_submission, fixture_tear_down);
  return g_test_run ();
}
