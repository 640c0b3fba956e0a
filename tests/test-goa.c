/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include "tern-goa.h"
#include "tern-outbox.h"
#include "tern-outbox-sync.h"
#include "tern-password.h"
#include "tern-sync.h"
#include "tern-test-goa.h"
#include "tern-test-idp.h"
#include "tern-test-server.h"

/*
 * GNOME Online Accounts against the fake service of tests/fixture/tern-test-goa.c: listed,
 * made an account of, synced and sent with GOA's token (Dovecot checks it at the identity
 * provider), and following GOA when mail is turned off or the account removed.
 */

static TernTestServer *server;
static TernTestIdp    *idp;
static GTestDBus      *test_bus;

typedef struct
{
  TernTestGoa *goa;
  TernStore   *store;
  char        *dir;
} Fixture;

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;

  f->goa = tern_test_goa_start (test_bus, server, idp);
  f->dir = g_dir_make_tmp ("tern-goa-XXXXXX", &error);
  g_assert_no_error (error);
  path = g_build_filename (f->dir, "tern.db", NULL);
  f->store = tern_store_open (path, &error);
  g_assert_no_error (error);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  g_autofree char *cmd = g_strdup_printf ("rm -rf '%s'", f->dir);

  tern_store_free (f->store);
  tern_test_goa_stop (f->goa);
  g_assert_cmpint (system (cmd), ==, 0);
  g_free (f->dir);
}

static TernGoaAccount *
only_account (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TernGoaAccounts) accounts = tern_goa_accounts_new_sync (NULL, &error);
  g_autoptr(GPtrArray) list = NULL;

  g_assert_no_error (error);
  list = tern_goa_accounts_list (accounts);
  g_assert_cmpuint (list->len, ==, 1);
  return g_ptr_array_steal_index (list, 0);
}

static gboolean
sync_once (Fixture  *f,
           GError  **error)
{
  g_autoptr(TernAccount) account = tern_store_get_account (f->store, "google", NULL);
  g_autoptr(TernSync) sync = tern_sync_new (f->store, account);

  tern_sync_set_timeout (sync, 10);
  return tern_sync_connect (sync, error) && tern_sync_folders (sync, error);
}

/* Listed with its servers; made an account of in one step; syncs with GOA's token, asked
 * for at each connection and never kept. */
static void
test_list_and_sync (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TernGoaAccount) goa = only_account ();
  g_autoptr(TernAccount) account = NULL;
  g_autoptr(TernAccount) stored = NULL;

  g_assert_cmpstr (goa->id, ==, "account_1_tern");
  g_assert_cmpstr (goa->provider_name, ==, "Google");
  g_assert_cmpstr (goa->email, ==, "alice@example.org");
  g_assert_cmpstr (goa->name, ==, "Alice Liddell");
  g_assert_cmpstr (goa->imap_host, ==, "localhost");
  g_assert_cmpuint (goa->imap_port, ==, tern_test_server_get_imaps_port (server));
  g_assert_cmpstr (goa->imap_security, ==, "tls");
  g_assert_cmpstr (goa->imap_user, ==, "alice");
  g_assert_cmpstr (goa->smtp_host, ==, "localhost");
  g_assert_cmpuint (goa->smtp_port, ==, tern_test_server_get_submissions_port (server));
  g_assert_true (goa->mail_enabled);
  g_assert_true (goa->oauth2);
  g_assert_true (tern_goa_account_is_usable (goa));

  account = tern_goa_account_to_account (goa, "google");
  g_assert_cmpstr (account->auth, ==, "goa");
  g_assert_cmpstr (account->goa_id, ==, "account_1_tern");
  g_free (account->ca_file);
  account->ca_file = g_strdup (tern_test_server_get_ca_file (server));
  g_assert_true (tern_store_add_account (f->store, account, &account->id, &error));
  g_assert_no_error (error);

  g_assert_true (sync_once (f, &error));
  g_assert_no_error (error);
  g_assert_true (sync_once (f, &error));
  g_assert_no_error (error);
  /* A token each time (none kept), each one checked by Dovecot at the provider. */
  g_assert_cmpint (tern_test_goa_get_token_calls (f->goa), ==, 2);
  g_assert_cmpuint (tern_test_idp_count (idp, "introspect-active"), >=, 2);
  stored = tern_store_get_account (f->store, "google", NULL);
  g_assert_null (stored->auth_state);
}

/* Mail turned off, then the account removed, in Settings: shown on the account, not retried. */
static void
test_follows_goa (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TernGoaAccount) goa = only_account ();
  g_autoptr(TernAccount) account = tern_goa_account_to_account (goa, "google");
  g_autoptr(TernAccount) stored = NULL;

  g_free (account->ca_file);
  account->ca_file = g_strdup (tern_test_server_get_ca_file (server));
  g_assert_true (tern_store_add_account (f->store, account, &account->id, &error));

  tern_test_goa_set_mail_disabled (f->goa);
  g_assert_false (sync_once (f, &error));
  g_assert_error (error, TERN_SYNC_ERROR, TERN_SYNC_ERROR_AUTH);
  g_clear_error (&error);
  stored = tern_store_get_account (f->store, "google", NULL);
  g_assert_cmpstr (stored->auth_state, ==, "goa-mail-off");

  tern_test_goa_remove_account (f->goa);
  g_assert_false (sync_once (f, &error));
  g_assert_error (error, TERN_SYNC_ERROR, TERN_SYNC_ERROR_AUTH);
  g_clear_pointer (&stored, tern_account_free);
  stored = tern_store_get_account (f->store, "google", NULL);
  g_assert_cmpstr (stored->auth_state, ==, "goa-removed");
  g_assert_cmpint (tern_test_goa_get_token_calls (f->goa), ==, 0);
}

/* tern-cli account add --goa: the account's servers, address, name and outgoing server
 * from Online Accounts; the sync signs in with GOA's token. */
static void
test_cli (Fixture       *f,
          gconstpointer  data)
{
  g_autofree char *data_dir = g_build_filename (f->dir, "cli", NULL);
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autoptr(GError) error = NULL;
  char *script = g_strdup_printf ("set -e; cli() { '%s' --data-dir '%s' \"$@\"; }; "
                                             "cli account add google --goa account_1_tern --ca-file '%s'; "
                                             "cli --json sync google; cli --json folders google; "
                                             "cli --json smtp google; cli --json identity list google",
                                             g_getenv ("TERN_CLI"), data_dir,
                                             tern_test_server_get_ca_file (server));
  g_autofree char *submissions = g_strdup_printf ("\"port\":%u",
                                                  tern_test_server_get_submissions_port (server));
  const char *argv[] = { "sh", "-c", NULL, NULL };
  int status = 0;

  argv[2] = script;

  g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, &out, &err,
                               &status, &error));
  g_assert_no_error (error);
  if (!g_spawn_check_wait_status (status, NULL))
    g_error ("tern-cli with GOA failed: %s%s", out, err);
  g_assert_nonnull (strstr (out, "Added google (alice@localhost:"));
  g_assert_nonnull (strstr (out, "\"name\":\"INBOX\""));
  g_assert_nonnull (strstr (out, submissions));
  g_assert_nonnull (strstr (out, "Alice Liddell"));
  g_assert_cmpint (tern_test_goa_get_token_calls (f->goa), >=, 1);

  /* Mail turned off in Settings: the sync says so, and the account list shows it. */
  tern_test_goa_set_mail_disabled (f->goa);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_clear_pointer (&script, g_free);
  script = g_strdup_printf ("cli() { '%s' --data-dir '%s' \"$@\"; }; cli sync google; "
                            "cli --json account list; cli account list", g_getenv ("TERN_CLI"), data_dir);
  argv[2] = script;
  g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, &out, &err,
                               &status, &error));
  g_assert_nonnull (strstr (err, "Mail is turned off"));
  g_assert_nonnull (strstr (out, "\"auth_state\":\"goa-mail-off\""));
  g_assert_nonnull (strstr (out, "mail turned off in Online Accounts in Settings"));
  g_free (script);
}

/* Sending with a GOA account: submission signs in with GOA's token (asked for, not kept),
 * and the message reaches the server. */
static void
test_send (Fixture       *f,
           gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TernGoaAccount) goa = only_account ();
  g_autoptr(TernAccount) account = tern_goa_account_to_account (goa, "google");
  g_autoptr(TernAccount) stored = NULL;
  g_autoptr(TernOutboxSender) sender = NULL;
  static const char text[] = "From: alice@example.org\r\nTo: bob@example.org\r\n"
                             "Subject: Via GOA\r\n\r\nSent with GOA's token.\r\n";
  g_autoptr(GBytes) raw = g_bytes_new_static (text, sizeof text - 1);
  TernSmtpSettings smtp = { 0 };
  TernOutboxRun run = { 0 };
  guint before = tern_test_server_count_submitted (server);
  gint calls;

  g_free (account->ca_file);
  account->ca_file = g_strdup (tern_test_server_get_ca_file (server));
  g_assert_true (tern_store_add_account (f->store, account, &account->id, &error));
  smtp.account_id = account->id;
  smtp.host = goa->smtp_host;
  smtp.port = goa->smtp_port;
  smtp.security = goa->smtp_security;
  smtp.user = goa->smtp_user;
  g_assert_true (tern_outbox_set_smtp (f->store, &smtp, &error));
  g_assert_no_error (error);
  stored = tern_store_get_account (f->store, "google", &error);
  g_assert_cmpint (tern_outbox_enqueue_bytes (f->store, stored, raw, NULL, &error), >, 0);
  g_assert_no_error (error);

  calls = tern_test_goa_get_token_calls (f->goa);
  sender = tern_outbox_sender_new (f->store, stored);
  tern_outbox_sender_set_timeout (sender, 10);
  g_assert_true (tern_outbox_sender_run (sender, TRUE, &run, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (run.sent, ==, 1);
  g_assert_cmpuint (run.failed, ==, 0);
  g_assert_cmpuint (tern_test_server_count_submitted (server), ==, before + 1);
  g_assert_cmpint (tern_test_goa_get_token_calls (f->goa), >, calls);
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *introspection = NULL;
  int status;

  g_test_init (&argc, &argv, NULL);
  tern_sync_global_init ();

  test_bus = g_test_dbus_new (G_TEST_DBUS_NONE);
  g_test_dbus_up (test_bus);
  idp = tern_test_idp_new ("alice", &error);
  g_assert_no_error (error);
  introspection = tern_test_idp_dup_introspection_url (idp);
  g_setenv (TERN_TEST_IDP_ENV, introspection, TRUE);
  server = tern_test_server_new (TERN_TEST_SERVER_OAUTH2 | TERN_TEST_SERVER_SUBMISSION, &error);
  g_assert_no_error (error);

  g_test_add ("/goa/list-and-sync", Fixture, NULL, fixture_set_up, test_list_and_sync,
              fixture_tear_down);
  g_test_add ("/goa/follows-goa", Fixture, NULL, fixture_set_up, test_follows_goa,
              fixture_tear_down);
  g_test_add ("/goa/send", Fixture, NULL, fixture_set_up, test_send, fixture_tear_down);
  if (g_getenv ("TERN_CLI") != NULL)
    g_test_add ("/goa/cli", Fixture, NULL, fixture_set_up, test_cli, fixture_tear_down);
  status = g_test_run ();

  tern_test_server_free (server);
  tern_test_idp_free (idp);
  g_test_dbus_down (test_bus);
  g_object_unref (test_bus);
  return status;
}
