/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "tern-accounts-private.h"
#include "tern-application.h"
#include "tern-identity.h"
#include "tern-outbox.h"
#include "tern-preferences.h"
#include "tern-sync.h"
#include "tern-test-https.h"
#include "tern-sign-in-bar.h"
#include "tern-test-goa.h"
#include "tern-test-idp.h"
#include "tern-test-server.h"
#include "tern-test-ui.h"
#include "tern-window.h"

/*
 * "Use an Online Account" in Add Account under Xvfb: the mail accounts of a fake
 * org.gnome.OnlineAccounts service on the test's own session bus (libgoa's skeletons on a
 * thread of their own, as in test-goa.c) are listed; one click adds one, with its outgoing
 * server and the person's name, and it syncs from Dovecot with GOA's token (the test identity
 * provider's, which Dovecot's oauth2 passdb checks). Mail turned off in GOA: the row says so
 * and cannot be clicked. "Sign in with browser" when the provider's autoconfig says OAuth2:
 * the test fetches the address the app would open (the identity provider approves at once
 * and sends the "browser" back to the app's loopback port); Cancel stops the wait.
 */

static TernTestServer *server;
static TernTestIdp    *idp;
static GTestDBus      *test_bus;

typedef struct
{
  TernTestGoa     *goa;
  TernApplication *app;
  TernWindow      *window;
  TernStore       *store;
  char            *dir;
} Fixture;

static void
set_up (Fixture       *f,
        gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  f->goa = tern_test_goa_start (test_bus, server, idp);
  f->dir = g_dir_make_tmp ("tern-ui-goa-XXXXXX", &error);
  g_assert_no_error (error);
}

static void
tear_down (Fixture       *f,
           gconstpointer  data)
{
  g_autofree char *cmd = g_strdup_printf ("rm -rf '%s'", f->dir);
  tern_test_ui_close_app (&f->app);
  tern_test_goa_stop (f->goa);
  g_assert_cmpint (system (cmd), ==, 0);
  g_free (f->dir);
}

static gboolean
toplevel_shown_cb (gpointer data)
{
  return tern_test_ui_find_toplevel (*(GType *) data) != NULL;
}

static gboolean
toplevel_gone_cb (gpointer data)
{
  return tern_test_ui_find_toplevel (*(GType *) data) == NULL;
}

static gboolean
named_cb (gpointer data)
{
  GtkWidget *prefs = GTK_WIDGET (tern_test_ui_find_toplevel (TERN_TYPE_PREFERENCES));
  GtkWidget *w = prefs ? tern_test_ui_find_named (prefs, data) : NULL;

  return w != NULL && gtk_widget_get_mapped (w);
}

static gboolean
online_cb (gpointer data)
{
  return tern_test_ui_worker_online (((Fixture *) data)->app);
}

static gboolean
insensitive_cb (gpointer data)
{
  GtkWidget *prefs = GTK_WIDGET (tern_test_ui_find_toplevel (TERN_TYPE_PREFERENCES));
  GtkWidget *w = prefs ? tern_test_ui_find_named (prefs, data) : NULL;

  return w != NULL && !gtk_widget_get_sensitive (w);
}

static GtkWidget *
open_add_account (Fixture *f)
{
  GType type = TERN_TYPE_PREFERENCES;

  f->app = tern_test_ui_start_app (f->dir, FALSE, &f->window);
  f->store = tern_application_get_store (f->app);
  tern_test_ui_drain ();
  g_action_group_activate_action (G_ACTION_GROUP (f->app), "add-account", NULL);
  g_assert_true (tern_test_ui_wait_for (toplevel_shown_cb, &type, 30));
  return GTK_WIDGET (tern_test_ui_find_toplevel (TERN_TYPE_PREFERENCES));
}

/* Listed, added in one click (a real click), set up whole, and it syncs. */
static void
test_add_from_goa (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) accounts = NULL;
  g_autoptr(TernSmtpSettings) smtp = NULL;
  g_autoptr(GPtrArray) identities = NULL;
  g_autoptr(TernAccount) copy = NULL;
  const TernAccount *account;
  GtkWidget *prefs, *button;
  GType type = TERN_TYPE_PREFERENCES;

  prefs = open_add_account (f);
  g_assert_true (tern_test_ui_wait_for (named_cb, (gpointer) "goa-account_1_tern", 30));
  button = tern_test_ui_find_named (prefs, "goa-account_1_tern");
  g_assert_true (gtk_widget_get_sensitive (button));
  g_assert_true (gtk_widget_get_visible (tern_test_ui_find_named (prefs, "goa-group")));
  tern_test_ui_screenshots (GTK_WINDOW (prefs), "add-account-goa", 640, 700);

  g_assert_true (tern_test_ui_wait_frames (prefs, 3));
  g_assert_true (tern_test_ui_click (button, gtk_widget_get_width (button) / 2.0,
                                     gtk_widget_get_height (button) / 2.0));
  g_assert_true (tern_test_ui_wait_for (toplevel_gone_cb, &type, 10));
  accounts = tern_store_list_accounts (f->store, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (accounts->len, ==, 1);
  account = accounts->pdata[0];
  g_assert_cmpstr (account->auth, ==, "goa");
  g_assert_cmpstr (account->goa_id, ==, "account_1_tern");
  g_assert_cmpstr (account->email, ==, "alice@example.org");
  smtp = tern_outbox_get_smtp (f->store, account->id, &error);
  g_assert_true (smtp->configured);
  g_assert_cmpuint (smtp->port, ==, tern_test_server_get_submissions_port (server));
  identities = tern_identity_list (f->store, account->id, &error);
  g_assert_cmpstr (((TernIdentity *) identities->pdata[0])->name, ==, "Alice Liddell");

  /* It signs in with GOA's token (the test CA trusted for it, as the system's would be). */
  copy = tern_account_copy (account);
  g_free (copy->ca_file);
  copy->ca_file = g_strdup (tern_test_server_get_ca_file (server));
  g_assert_true (tern_store_update_account (f->store, copy, &error));
  tern_account_worker_reload_account (tern_application_get_worker (f->app, account->id));
  g_assert_true (tern_test_ui_wait_for (online_cb, f, 60));
  g_assert_cmpint (tern_test_goa_get_token_calls (f->goa), >=, 1);
}

/* Mail turned off in Settings: the row follows, and says so. */
static void
test_goa_mail_off (Fixture       *f,
                   gconstpointer  data)
{
  GtkWidget *prefs, *button, *row;

  prefs = open_add_account (f);
  g_assert_true (tern_test_ui_wait_for (named_cb, (gpointer) "goa-account_1_tern", 30));
  tern_test_goa_set_mail_disabled (f->goa);
  g_assert_true (tern_test_ui_wait_for (insensitive_cb, (gpointer) "goa-account_1_tern", 30));
  button = tern_test_ui_find_named (prefs, "goa-account_1_tern");
  row = gtk_widget_get_ancestor (button, ADW_TYPE_ACTION_ROW);
  g_assert_cmpstr (adw_action_row_get_subtitle (ADW_ACTION_ROW (row)), ==,
                   "Google — mail is turned off in Settings");
}

/* The browser's part, on a thread of its own (the app's loopback server answers on the main
 * loop): the provider's page, then its redirect to the app. */
static gpointer
browse_thread (gpointer data)
{
  char *uri = data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GTlsDatabase) ca = g_tls_file_database_new (tern_test_server_get_ca_file (server), &error);
  g_autoptr(TernHttpResponse) response = NULL;
  g_autoptr(GUri) redirect = NULL;
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GSocketConnection) connection = NULL;
  g_autoptr(GDataInputStream) in = NULL;
  g_autofree char *request = NULL;
  g_autofree char *status = NULL;
  TernNetOptions options = { .tls_database = ca, .timeout_seconds = 10 };
  TernHttpRequest get = { .url = uri };

  response = _tern_http_request (&options, &get, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (response->status, ==, 302);
  redirect = g_uri_parse (response->location, G_URI_FLAGS_ENCODED, &error);
  g_assert_no_error (error);
  connection = g_socket_client_connect_to_host (client, "127.0.0.1", g_uri_get_port (redirect), NULL, &error);
  g_assert_no_error (error);
  request = g_strdup_printf ("GET %s?%s HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", g_uri_get_path (redirect),
                             g_uri_get_query (redirect));
  g_assert_true (g_output_stream_write_all (g_io_stream_get_output_stream (G_IO_STREAM (connection)),
                                            request, strlen (request), NULL, NULL, &error));
  in = g_data_input_stream_new (g_io_stream_get_input_stream (G_IO_STREAM (connection)));
  status = g_data_input_stream_read_line (in, NULL, NULL, &error);
  g_assert_no_error (error);
  g_free (uri);
  return GINT_TO_POINTER (g_str_has_prefix (status, "HTTP/1.1 200"));
}

typedef struct
{
  TernTestHttps *https;
  char          *log;
  GtkWidget     *prefs;
} OAuth2Setup;

static GtkWidget *
oauth2_open_form (Fixture     *f,
                  OAuth2Setup *o)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TernAccountDiscovery) discovery = tern_account_discovery_new ();
  g_autofree char *auth_url = tern_test_idp_dup_auth_url (idp);
  g_autofree char *token_url = tern_test_idp_dup_token_url (idp);
  g_autofree char *xml = NULL;
  GtkWidget *prefs;

  o->https = tern_test_https_new (tern_test_server_get_cert_file (server), tern_test_server_get_key_file (server),
                                  &error);
  g_assert_no_error (error);
  xml = g_strdup_printf ("<clientConfig version=\"1.1\"><emailProvider id=\"example.test\">"
                         "<domain>example.test</domain>"
                         "<incomingServer type=\"imap\"><hostname>localhost</hostname><port>%u</port>"
                         "<socketType>SSL</socketType><username>%%EMAILLOCALPART%%</username>"
                         "<authentication>OAuth2</authentication></incomingServer>"
                         "<outgoingServer type=\"smtp\"><hostname>localhost</hostname><port>%u</port>"
                         "<socketType>SSL</socketType><username>%%EMAILLOCALPART%%</username>"
                         "<authentication>OAuth2</authentication></outgoingServer></emailProvider>"
                         "<oAuth2><issuer>idp.example.test</issuer><scope>mail</scope><clientId>tern-test</clientId>"
                         "<authURL>%s</authURL><tokenURL>%s</tokenURL></oAuth2></clientConfig>",
                         tern_test_server_get_imaps_port (server), tern_test_server_get_submissions_port (server),
                         auth_url, token_url);
  tern_test_https_set (o->https, "autoconfig.example.test", "/mail/config-v1.1.xml", 200, "text/xml", xml, -1, NULL);
  o->log = g_build_filename (f->dir, "uris.log", NULL);
  g_setenv ("TERN_TEST_URI_LOG", o->log, TRUE);

  prefs = open_add_account (f);
  g_assert_true (tern_account_discovery_set_ca_file (discovery, tern_test_server_get_ca_file (server), &error));
  tern_account_discovery_add_connect_to (discovery, "autoconfig.example.test", 443, "127.0.0.1",
                                         tern_test_https_get_port (o->https));
  tern_preferences_set_discovery (TERN_PREFERENCES (prefs), discovery);
  tern_preferences_set_ca_file (TERN_PREFERENCES (prefs), tern_test_server_get_ca_file (server));
  gtk_editable_set_text (GTK_EDITABLE (tern_test_ui_find_named (prefs, "name")), "work");
  gtk_editable_set_text (GTK_EDITABLE (tern_test_ui_find_named (prefs, "email")), "alice@example.test");
  gtk_widget_activate (tern_test_ui_find_named (prefs, "find-button"));
  /* Found, and it wants the browser: the sign-in instead of the password. */
  if (!tern_test_ui_wait_for (named_cb, (gpointer) "oauth2-sign-in", 30))
    g_error ("No sign-in: %s", gtk_label_get_text (GTK_LABEL (tern_test_ui_find_named (prefs, "find-status"))));
  g_assert_false (gtk_widget_get_visible (tern_test_ui_find_named (prefs, "password")));
  o->prefs = prefs;
  return prefs;
}

static void
oauth2_setup_clear (OAuth2Setup *o)
{
  g_unsetenv ("TERN_TEST_URI_LOG");
  tern_test_https_free (o->https);
  g_free (o->log);
}

static gboolean
uri_logged_cb (gpointer data)
{
  OAuth2Setup *o = data;
  g_autofree char *text = NULL;

  return g_file_get_contents (o->log, &text, NULL, NULL) && strchr (text, '\n') != NULL;
}

static gboolean
thread_done_cb (gpointer data)
{
  return g_atomic_int_get ((gint *) data) != 0;
}

static gpointer
browse_and_flag (gpointer data)
{
  gpointer *args = data;
  gpointer ok = browse_thread (args[0]);

  g_atomic_int_set ((gint *) args[1], ok ? 1 : 2);
  return NULL;
}

/* Sign In with Browser: the address opened (here, fetched by the test) is the one shown to
 * copy; a spinner and Cancel while waiting; back from the provider, the account is saved,
 * signs in to Dovecot with its token, and sends through the outgoing server found. */
static void
test_browser_sign_in (Fixture       *f,
                      gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TernAccount) account = NULL;
  g_autoptr(TernSmtpSettings) smtp = NULL;
  g_autofree char *logged = NULL;
  g_autofree char *auth_url = tern_test_idp_dup_auth_url (idp);
  OAuth2Setup o = { 0 };
  GtkWidget *prefs;
  gint done = 0;
  gpointer args[2];
  GType type = TERN_TYPE_PREFERENCES;

  prefs = oauth2_open_form (f, &o);
  gtk_widget_activate (tern_test_ui_find_named (prefs, "oauth2-sign-in"));
  g_assert_true (tern_test_ui_wait_for (uri_logged_cb, &o, 10));
  g_assert_true (g_file_get_contents (o.log, &logged, NULL, NULL));
  *strchr (logged, '\n') = '\0';
  g_assert_true (g_str_has_prefix (logged, auth_url));
  g_assert_nonnull (strstr (logged, "code_challenge_method=S256"));
  g_assert_cmpstr (gtk_label_get_text (GTK_LABEL (tern_test_ui_find_named (prefs, "oauth2-uri"))), ==, logged);
  g_assert_true (gtk_widget_get_visible (tern_test_ui_find_named (prefs, "oauth2-cancel")));
  tern_test_ui_screenshots (GTK_WINDOW (prefs), "add-account-browser", 640, 700);

  args[0] = g_strdup (logged);
  args[1] = &done;
  g_thread_unref (g_thread_new ("browser", browse_and_flag, args));
  g_assert_true (tern_test_ui_wait_for (thread_done_cb, &done, 30));
  g_assert_cmpint (done, ==, 1);
  g_assert_true (tern_test_ui_wait_for (toplevel_gone_cb, &type, 30));

  account = tern_store_get_account (f->store, "work", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (account->auth, ==, "oauth2");
  smtp = tern_outbox_get_smtp (f->store, account->id, &error);
  g_assert_true (smtp->configured);
  g_assert_true (tern_test_ui_wait_for (online_cb, f, 60));
  oauth2_setup_clear (&o);
}

/* Cancel while waiting for the browser: nothing saved, the button back. */
static void
test_browser_cancel (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(GPtrArray) accounts = NULL;
  OAuth2Setup o = { 0 };
  GtkWidget *prefs, *button;

  prefs = oauth2_open_form (f, &o);
  button = tern_test_ui_find_named (prefs, "oauth2-sign-in");
  gtk_widget_activate (button);
  g_assert_true (tern_test_ui_wait_for (uri_logged_cb, &o, 10));
  gtk_widget_activate (tern_test_ui_find_named (prefs, "oauth2-cancel"));
  g_assert_true (tern_test_ui_wait_for ((GSourceFunc) gtk_widget_get_sensitive, button, 10));
  g_assert_false (gtk_widget_get_visible (tern_test_ui_find_named (prefs, "oauth2-cancel")));
  g_assert_cmpstr (adw_action_row_get_subtitle (ADW_ACTION_ROW (tern_test_ui_find_named (prefs, "oauth2-row"))),
                   ==, "Not signed in");
  accounts = tern_store_list_accounts (f->store, NULL);
  g_assert_cmpuint (accounts->len, ==, 0);
  oauth2_setup_clear (&o);
}

static gboolean
bar_shows_cb (gpointer data)
{
  Fixture *f = data;
  GtkWidget *bar = tern_test_ui_find_named (GTK_WIDGET (f->window), "sign-in-bar");

  return bar != NULL && tern_sign_in_bar_get_account (TERN_SIGN_IN_BAR (bar)) != 0;
}

static gboolean
bar_gone_and_online_cb (gpointer data)
{
  return !bar_shows_cb (data) && online_cb (data);
}

static gboolean
second_uri_cb (gpointer data)
{
  OAuth2Setup *o = data;
  g_autofree char *text = NULL;
  const char *first;

  return g_file_get_contents (o->log, &text, NULL, NULL) && (first = strchr (text, '\n')) != NULL &&
         strchr (first + 1, '\n') != NULL;
}

/* The provider revokes Tern's sign-in: the account stops (no retry loop) and a bar above the
 * list says "sign in again"; its button runs the browser sign-in, and the account is back. */
static void
test_sign_in_again (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *logged = NULL;
  g_autoptr(TernAccount) account = NULL;
  OAuth2Setup o = { 0 };
  GtkWidget *prefs, *button;
  const char *second;
  gint done = 0;
  gpointer args[2];
  GType type = TERN_TYPE_PREFERENCES;

  prefs = oauth2_open_form (f, &o);
  gtk_widget_activate (tern_test_ui_find_named (prefs, "oauth2-sign-in"));
  g_assert_true (tern_test_ui_wait_for (uri_logged_cb, &o, 10));
  g_assert_true (g_file_get_contents (o.log, &logged, NULL, NULL));
  *strchr (logged, '\n') = '\0';
  args[0] = g_strdup (logged);
  args[1] = &done;
  g_thread_unref (g_thread_new ("browser", browse_and_flag, args));
  g_assert_true (tern_test_ui_wait_for (thread_done_cb, &done, 30));
  g_assert_true (tern_test_ui_wait_for (toplevel_gone_cb, &type, 30));
  g_assert_true (tern_test_ui_wait_for (online_cb, f, 60));
  g_assert_false (bar_shows_cb (f));

  /* Revoked, and the account connects again (a network change does that). */
  tern_test_idp_revoke (idp);
  tern_test_idp_expire_access_tokens (idp);
  tern_application_set_work_offline (f->app, TRUE);
  tern_application_set_work_offline (f->app, FALSE);
  g_assert_true (tern_test_ui_wait_for (bar_shows_cb, f, 60));
  account = tern_store_get_account (f->store, "work", &error);
  g_assert_cmpstr (account->auth_state, ==, "sign-in");
  tern_test_ui_screenshots (GTK_WINDOW (f->window), "sign-in-again", 1300, 800);

  button = tern_test_ui_find_named (GTK_WIDGET (f->window), "sign-in-again");
  g_assert_nonnull (button);
  g_signal_emit_by_name (button, "clicked");
  g_assert_true (tern_test_ui_wait_for (second_uri_cb, &o, 10));
  g_clear_pointer (&logged, g_free);
  g_assert_true (g_file_get_contents (o.log, &logged, NULL, NULL));
  second = strchr (logged, '\n') + 1;
  *strchr (second, '\n') = '\0';
  done = 0;
  args[0] = g_strdup (second);
  args[1] = &done;
  g_thread_unref (g_thread_new ("browser", browse_and_flag, args));
  g_assert_true (tern_test_ui_wait_for (thread_done_cb, &done, 30));
  g_assert_cmpint (done, ==, 1);
  g_assert_true (tern_test_ui_wait_for (bar_gone_and_online_cb, f, 60));
  g_clear_pointer (&account, tern_account_free);
  account = tern_store_get_account (f->store, "work", &error);
  g_assert_null (account->auth_state);
  oauth2_setup_clear (&o);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GError) error = NULL;
  g_autofree char *introspection = NULL;
  int status;

  test_bus = tern_test_ui_init_with_bus (&argc, &argv);
  tern_test_ui_start_keyring ();

  idp = tern_test_idp_new ("alice", &error);
  g_assert_no_error (error);
  introspection = tern_test_idp_dup_introspection_url (idp);
  g_setenv (TERN_TEST_IDP_ENV, introspection, TRUE);
  server = tern_test_server_new (TERN_TEST_SERVER_OAUTH2 | TERN_TEST_SERVER_SUBMISSION, &error);
  g_assert_no_error (error);
  g_assert_true (tern_test_idp_start_web (idp, tern_test_server_get_cert_file (server),
                                          tern_test_server_get_key_file (server), &error));

  g_test_add ("/ui-goa/add", Fixture, NULL, set_up, test_add_from_goa, tear_down);
  g_test_add ("/ui-goa/mail-off", Fixture, NULL, set_up, test_goa_mail_off, tear_down);
  g_test_add ("/ui-oauth2/browser-sign-in", Fixture, NULL, set_up, test_browser_sign_in, tear_down);
  g_test_add ("/ui-oauth2/sign-in-again", Fixture, NULL, set_up, test_sign_in_again, tear_down);
  g_test_add ("/ui-oauth2/browser-cancel", Fixture, NULL, set_up, test_browser_cancel, tear_down);
  status = g_test_run ();

  tern_test_server_free (server);
  tern_test_idp_free (idp);
  tern_test_ui_stop_keyring ();
  return status;
}
