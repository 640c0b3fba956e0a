/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#define GOA_API_IS_SUBJECT_TO_CHANGE
#include <goa/goa.h>
#include <string.h>

#include "tern-goa.h"
#include "tern-outbox.h"
#include "tern-outbox-sync.h"
#include "tern-password.h"
#include "tern-sync.h"
#include "tern-test-idp.h"
#include "tern-test-server.h"

/*
 * GNOME Online Accounts: a fake org.gnome.OnlineAccounts service on the test's own session
 * bus (GTestDBus), made of libgoa's generated skeletons (an object manager with Account, Mail
 * and OAuth2Based interfaces), on a thread and connection of its own so that Tern's blocking
 * calls are answered. Its access tokens are real ones from the test identity provider, which
 * Dovecot's oauth2 passdb checks: an account from GOA syncs from Dovecot.
 */

typedef struct
{
  GThread                  *thread;
  GMainContext             *context;
  GMainLoop                *loop;
  GDBusConnection          *bus;
  GDBusObjectManagerServer *manager;
  GoaObjectSkeleton        *object;
  GoaAccount               *account;
  TernTestIdp              *idp;
  guint                     owner;
  gint                      token_calls;  /* atomic */
  gint                      ensure_calls; /* atomic */
  guint16                   imaps_port;
  guint16                   submissions_port;
  GMutex                    lock;
  GCond                     cond;
  gboolean                  ready;
} FakeGoa;

static TernTestServer *server;
static TernTestIdp    *idp;
static GTestDBus      *test_bus;

static gboolean
get_access_token_cb (GoaOAuth2Based        *oauth2,
                     GDBusMethodInvocation *invocation,
                     gpointer               user_data)
{
  FakeGoa *fake = user_data;
  g_autofree char *token = tern_test_idp_issue_access_token (fake->idp);

  g_atomic_int_inc (&fake->token_calls);
  goa_oauth2_based_complete_get_access_token (oauth2, invocation, token, 3600);
  return TRUE;
}

static gboolean
ensure_credentials_cb (GoaAccount            *account,
                       GDBusMethodInvocation *invocation,
                       gpointer               user_data)
{
  FakeGoa *fake = user_data;

  g_atomic_int_inc (&fake->ensure_calls);
  goa_account_complete_ensure_credentials (account, invocation, 3600);
  return TRUE;
}

static gpointer
service_thread (gpointer data)
{
  FakeGoa *fake = data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GoaMail) mail = goa_mail_skeleton_new ();
  g_autoptr(GoaOAuth2Based) oauth2 = goa_oauth2_based_skeleton_new ();
  g_autofree char *imap_host = g_strdup_printf ("localhost:%u", fake->imaps_port);
  g_autofree char *smtp_host = g_strdup_printf ("localhost:%u", fake->submissions_port);

  g_main_context_push_thread_default (fake->context);
  fake->bus = g_dbus_connection_new_for_address_sync (g_test_dbus_get_bus_address (test_bus),
                                                      G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT |
                                                      G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
                                                      NULL, NULL, &error);
  g_assert_no_error (error);

  fake->manager = g_dbus_object_manager_server_new ("/org/gnome/OnlineAccounts");
  fake->object = goa_object_skeleton_new ("/org/gnome/OnlineAccounts/Accounts/account_1_tern");
  fake->account = goa_account_skeleton_new ();
  g_object_set (fake->account, "id", "account_1_tern", "provider-type", "google",
                "provider-name", "Google", "presentation-identity", "alice@example.org",
                "identity", "alice@example.org", "mail-disabled", FALSE, NULL);
  g_signal_connect (fake->account, "handle-ensure-credentials", G_CALLBACK (ensure_credentials_cb), fake);
  g_object_set (mail, "email-address", "alice@example.org", "name", "Alice Liddell",
                "imap-supported", TRUE, "imap-host", imap_host, "imap-user-name", "alice",
                "imap-use-ssl", TRUE, "imap-use-tls", FALSE,
                "smtp-supported", TRUE, "smtp-host", smtp_host, "smtp-user-name", "alice",
                "smtp-use-ssl", TRUE, "smtp-use-tls", FALSE, NULL);
  g_signal_connect (oauth2, "handle-get-access-token", G_CALLBACK (get_access_token_cb), fake);
  goa_object_skeleton_set_account (fake->object, fake->account);
  goa_object_skeleton_set_mail (fake->object, mail);
  goa_object_skeleton_set_oauth2_based (fake->object, oauth2);
  g_dbus_object_manager_server_export (fake->manager, G_DBUS_OBJECT_SKELETON (fake->object));
  g_dbus_object_manager_server_set_connection (fake->manager, fake->bus);
  fake->owner = g_bus_own_name_on_connection (fake->bus, "org.gnome.OnlineAccounts",
                                              G_BUS_NAME_OWNER_FLAGS_NONE, NULL, NULL, NULL, NULL);
  /* Ready once the name is ours (a round trip to the bus orders it). */
  g_dbus_connection_flush_sync (fake->bus, NULL, NULL);
  g_mutex_lock (&fake->lock);
  fake->ready = TRUE;
  g_cond_signal (&fake->cond);
  g_mutex_unlock (&fake->lock);

  g_main_loop_run (fake->loop);

  g_bus_unown_name (fake->owner);
  g_dbus_object_manager_server_set_connection (fake->manager, NULL);
  g_clear_object (&fake->manager);
  g_clear_object (&fake->object);
  g_clear_object (&fake->account);
  g_dbus_connection_close_sync (fake->bus, NULL, NULL);
  g_clear_object (&fake->bus);
  g_main_context_pop_thread_default (fake->context);
  return NULL;
}

static FakeGoa *
fake_goa_start (void)
{
  FakeGoa *fake = g_new0 (FakeGoa, 1);
  g_autoptr(GDBusConnection) bus = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, NULL);

  fake->idp = idp;
  fake->imaps_port = tern_test_server_get_imaps_port (server);
  fake->submissions_port = tern_test_server_get_submissions_port (server);
  fake->context = g_main_context_new ();
  fake->loop = g_main_loop_new (fake->context, FALSE);
  g_mutex_init (&fake->lock);
  g_cond_init (&fake->cond);
  fake->thread = g_thread_new ("fake-goa", service_thread, fake);
  g_mutex_lock (&fake->lock);
  while (!fake->ready)
    g_cond_wait (&fake->cond, &fake->lock);
  g_mutex_unlock (&fake->lock);
  /* The name is owned before anyone asks: wait until the bus says so. */
  for (;;)
    {
      g_autoptr(GVariant) reply = g_dbus_connection_call_sync (bus, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                                               "org.freedesktop.DBus", "NameHasOwner",
                                                               g_variant_new ("(s)", "org.gnome.OnlineAccounts"),
                                                               G_VARIANT_TYPE ("(b)"), 0, -1, NULL, NULL);
      gboolean owned = FALSE;

      g_variant_get (reply, "(b)", &owned);
      if (owned)
        break;
      g_main_context_iteration (NULL, FALSE);
    }
  return fake;
}

static gboolean
quit_cb (gpointer data)
{
  g_main_loop_quit (data);
  return G_SOURCE_REMOVE;
}

static void
fake_goa_stop (FakeGoa *fake)
{
  g_main_context_invoke (fake->context, quit_cb, fake->loop);
  g_thread_join (fake->thread);
  g_main_loop_unref (fake->loop);
  g_main_context_unref (fake->context);
  g_mutex_clear (&fake->lock);
  g_cond_clear (&fake->cond);
  g_free (fake);
}

typedef struct
{
  FakeGoa   *goa;
  TernStore *store;
  char      *dir;
} Fixture;

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;

  f->goa = fake_goa_start ();
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
  fake_goa_stop (f->goa);
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
  g_assert_cmpint (g_atomic_int_get (&f->goa->token_calls), ==, 2);
  g_assert_cmpuint (tern_test_idp_count (idp, "introspect-active"), >=, 2);
  stored = tern_store_get_account (f->store, "google", NULL);
  g_assert_null (stored->auth_state);
}

static gboolean
set_mail_disabled_cb (gpointer data)
{
  FakeGoa *fake = data;

  goa_account_set_mail_disabled (fake->account, TRUE);
  g_dbus_interface_skeleton_flush (G_DBUS_INTERFACE_SKELETON (fake->account));
  return G_SOURCE_REMOVE;
}

static gboolean
remove_cb (gpointer data)
{
  FakeGoa *fake = data;

  g_dbus_object_manager_server_unexport (fake->manager, "/org/gnome/OnlineAccounts/Accounts/account_1_tern");
  return G_SOURCE_REMOVE;
}

typedef struct
{
  GSourceFunc func;
  FakeGoa    *fake;
  gboolean    done;
} InService;

static gboolean
in_service_cb (gpointer data)
{
  InService *call = data;

  call->func (call->fake);
  g_mutex_lock (&call->fake->lock);
  call->done = TRUE;
  g_cond_broadcast (&call->fake->cond);
  g_mutex_unlock (&call->fake->lock);
  return G_SOURCE_REMOVE;
}

/* Runs func on the service's thread and returns when it has. */
static void
run_in_service (FakeGoa     *fake,
                GSourceFunc  func)
{
  InService call = { func, fake, FALSE };

  g_main_context_invoke (fake->context, in_service_cb, &call);
  g_mutex_lock (&fake->lock);
  while (!call.done)
    g_cond_wait (&fake->cond, &fake->lock);
  g_mutex_unlock (&fake->lock);
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

  run_in_service (f->goa, set_mail_disabled_cb);
  g_assert_false (sync_once (f, &error));
  g_assert_error (error, TERN_SYNC_ERROR, TERN_SYNC_ERROR_AUTH);
  g_clear_error (&error);
  stored = tern_store_get_account (f->store, "google", NULL);
  g_assert_cmpstr (stored->auth_state, ==, "goa-mail-off");

  run_in_service (f->goa, remove_cb);
  g_assert_false (sync_once (f, &error));
  g_assert_error (error, TERN_SYNC_ERROR, TERN_SYNC_ERROR_AUTH);
  g_clear_pointer (&stored, tern_account_free);
  stored = tern_store_get_account (f->store, "google", NULL);
  g_assert_cmpstr (stored->auth_state, ==, "goa-removed");
  g_assert_cmpint (g_atomic_int_get (&f->goa->token_calls), ==, 0);
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
  g_assert_cmpint (g_atomic_int_get (&f->goa->token_calls), >=, 1);

  /* Mail turned off in Settings: the sync says so, and the account list shows it. */
  run_in_service (f->goa, set_mail_disabled_cb);
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

  calls = g_atomic_int_get (&f->goa->token_calls);
  sender = tern_outbox_sender_new (f->store, stored);
  tern_outbox_sender_set_timeout (sender, 10);
  g_assert_true (tern_outbox_sender_run (sender, TRUE, &run, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (run.sent, ==, 1);
  g_assert_cmpuint (run.failed, ==, 0);
  g_assert_cmpuint (tern_test_server_count_submitted (server), ==, before + 1);
  g_assert_cmpint (g_atomic_int_get (&f->goa->token_calls), >, calls);
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
