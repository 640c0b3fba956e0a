/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "tern-application.h"
#include "tern-identity.h"
#include "tern-outbox.h"
#include "tern-preferences.h"
#include "tern-sync.h"
#include "tern-test-https.h"
#include "tern-test-server.h"
#include "tern-test-ui.h"
#include "tern-window.h"

/*
 * Accounts in the app under Xvfb: "Find Settings" in the Add Account form fills it from the
 * provider's autoconfig (a local HTTPS server with the test CA), adding the account tries
 * both servers (Dovecot) and sets the outgoing server and the person's name too; "Remove…" asks first, naming what is lost.
 */

typedef struct
{
  TernTestServer  *server;
  TernTestHttps   *https;
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
  g_autofree char *xml = NULL;

  f->server = tern_test_server_new (TERN_TEST_SERVER_SUBMISSION, &error);
  g_assert_no_error (error);
  g_assert_true (tern_test_server_add_user (f->server, "carol", "secret", &error));
  g_assert_no_error (error);
  f->https = tern_test_https_new (tern_test_server_get_cert_file (f->server),
                                  tern_test_server_get_key_file (f->server), &error);
  g_assert_no_error (error);
  xml = g_strdup_printf ("<clientConfig version=\"1.1\"><emailProvider id=\"example.test\">"
                         "<domain>example.test</domain>"
                         "<incomingServer type=\"imap\"><hostname>localhost</hostname><port>%u</port>"
                         "<socketType>SSL</socketType><username>%%EMAILLOCALPART%%</username>"
                         "</incomingServer>"
                         "<outgoingServer type=\"smtp\"><hostname>localhost</hostname><port>%u</port>"
                         "<socketType>SSL</socketType><username>%%EMAILLOCALPART%%</username>"
                         "</outgoingServer></emailProvider></clientConfig>",
                         tern_test_server_get_imaps_port (f->server),
                         tern_test_server_get_submissions_port (f->server));
  tern_test_https_set (f->https, "autoconfig.example.test", "/mail/config-v1.1.xml", 200, "text/xml",
                       xml, -1, NULL);
  f->dir = g_dir_make_tmp ("tern-ui-accounts-XXXXXX", &error);
  g_assert_no_error (error);
}

static void
tear_down (Fixture       *f,
           gconstpointer  data)
{
  g_autofree char *cmd = g_strdup_printf ("rm -rf '%s'", f->dir);
  tern_test_ui_close_app (&f->app);
  tern_test_https_free (f->https);
  tern_test_server_free (f->server);
  g_assert_cmpint (system (cmd), ==, 0);
  g_free (f->dir);
}

static void
start_app (Fixture *f)
{
  f->app = tern_test_ui_start_app (f->dir, FALSE, &f->window);
  f->store = tern_application_get_store (f->app);
  tern_test_ui_drain ();
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

static GtkWindow *
wait_toplevel (GType type)
{
  if (!tern_test_ui_wait_for (toplevel_shown_cb, &type, 30))
    g_error ("No %s window", g_type_name (type));
  return tern_test_ui_find_toplevel (type);
}

static GtkWidget *
need_named (GtkWidget  *root,
            const char *name)
{
  GtkWidget *w = tern_test_ui_find_named (root, name);

  if (w == NULL)
    g_error ("No widget named %s", name);
  return w;
}

/* TERN_SCREENSHOT_DIR: the window as a picture, to look at (TERN_SCREENSHOT_WIDTH: narrow). */
static void
screenshot (GtkWidget  *window,
            const char *name)
{
  const char *dir = g_getenv ("TERN_SCREENSHOT_DIR");
  g_autoptr(GdkTexture) texture = NULL;
  g_autofree char *path = NULL;

  if (dir == NULL)
    return;
  path = g_build_filename (dir, name, NULL);
  tern_test_ui_wait_frames (window, 3);
  texture = tern_test_ui_render (window);
  if (texture != NULL)
    gdk_texture_save_to_png (texture, path);
}

static gboolean
found_cb (gpointer data)
{
  return gtk_widget_has_css_class (data, "success") || gtk_widget_has_css_class (data, "error");
}

/* Find Settings from the address: the form filled, what was found said in words; Add
 * stores the outgoing server and the person's name with the account. */
static void
test_find_settings (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TernAccountDiscovery) discovery = tern_account_discovery_new ();
  g_autoptr(TernAccount) account = NULL;
  g_autoptr(TernSmtpSettings) smtp = NULL;
  g_autoptr(GPtrArray) identities = NULL;
  g_autofree char *port = g_strdup_printf ("%u", tern_test_server_get_imaps_port (f->server));
  GtkWidget *prefs, *status;
  AdwMessageDialog *dialog;
  GType type = TERN_TYPE_PREFERENCES;

  start_app (f);
  g_action_group_activate_action (G_ACTION_GROUP (f->app), "add-account", NULL);
  prefs = GTK_WIDGET (wait_toplevel (TERN_TYPE_PREFERENCES));
  if (g_getenv ("TERN_SCREENSHOT_WIDTH") != NULL)
    gtk_window_set_default_size (GTK_WINDOW (prefs), atoi (g_getenv ("TERN_SCREENSHOT_WIDTH")), 800);
  g_assert_true (tern_account_discovery_set_ca_file (discovery, tern_test_server_get_ca_file (f->server),
                                                     &error));
  tern_account_discovery_add_connect_to (discovery, "autoconfig.example.test", 443, "127.0.0.1",
                                         tern_test_https_get_port (f->https));
  tern_preferences_set_discovery (TERN_PREFERENCES (prefs), discovery);

  gtk_editable_set_text (GTK_EDITABLE (need_named (prefs, "name")), "work");
  gtk_editable_set_text (GTK_EDITABLE (need_named (prefs, "full-name")), "Carol Example");
  gtk_editable_set_text (GTK_EDITABLE (need_named (prefs, "email")), "carol@example.test");
  gtk_editable_set_text (GTK_EDITABLE (need_named (prefs, "password")), "secret");
  gtk_widget_activate (need_named (prefs, "find-button"));
  status = need_named (prefs, "find-status");
  g_assert_true (tern_test_ui_wait_for (found_cb, status, 30));
  g_assert_true (gtk_widget_has_css_class (status, "success"));
  g_assert_cmpstr (gtk_label_get_text (GTK_LABEL (status)), ==,
                   "Found in your provider’s settings: localhost, encrypted");
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (need_named (prefs, "host"))), ==, "localhost");
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (need_named (prefs, "port"))), ==, port);
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (need_named (prefs, "user"))), ==, "carol");

  screenshot (prefs, "add-account-found.png");

  /* The outgoing server found is in the form too. */
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (need_named (prefs, "new-smtp-host"))), ==, "localhost");

  /* Add tries both servers first: the test CA's certificate is trusted when asked, then the
   * account is saved. */
  gtk_widget_activate (need_named (prefs, "add-button"));
  dialog = ADW_MESSAGE_DIALOG (wait_toplevel (ADW_TYPE_MESSAGE_DIALOG));
  adw_message_dialog_response (dialog, "trust");
  gtk_window_destroy (GTK_WINDOW (dialog));
  if (!tern_test_ui_wait_for (toplevel_gone_cb, &type, 60))
    g_error ("Not added: %s", gtk_label_get_text (GTK_LABEL (need_named (prefs, "test-status"))));
  account = tern_store_get_account (f->store, "work", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (account->host, ==, "localhost");
  g_assert_cmpstr (account->user, ==, "carol");
  smtp = tern_outbox_get_smtp (f->store, account->id, &error);
  g_assert_true (smtp->configured);
  g_assert_cmpuint (smtp->port, ==, tern_test_server_get_submissions_port (f->server));
  g_assert_cmpstr (smtp->security, ==, "tls");
  identities = tern_identity_list (f->store, account->id, &error);
  g_assert_cmpstr (((TernIdentity *) identities->pdata[0])->name, ==, "Carol Example");
}

static gboolean
account_gone_cb (gpointer data)
{
  Fixture *f = data;
  g_autoptr(TernAccount) account = tern_store_get_account (f->store, "old", NULL);

  return account == NULL;
}

/* Remove…: a confirmation that names what is lost; Cancel keeps the account, Remove takes
 * it and its cache. */
static void
test_remove (Fixture       *f,
             gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  TernAccount a = { .name = (char *) "old", .email = (char *) "old@example.test",
                    .host = (char *) "localhost", .port = 1, .security = (char *) "tls",
                    .user = (char *) "old", .delete_mode = (char *) "trash" };
  GtkWidget *prefs, *button;
  AdwMessageDialog *dialog;

  start_app (f);
  g_assert_true (tern_store_add_account (f->store, &a, &a.id, &error));
  tern_application_reload_accounts (f->app);
  g_action_group_activate_action (G_ACTION_GROUP (f->app), "preferences", NULL);
  prefs = GTK_WIDGET (wait_toplevel (TERN_TYPE_PREFERENCES));
  button = need_named (prefs, "remove-account");
  /* As a user does: the account's row opened, then its button. */
  adw_expander_row_set_expanded (ADW_EXPANDER_ROW (gtk_widget_get_ancestor (button, ADW_TYPE_EXPANDER_ROW)),
                                 TRUE);
  g_assert_true (tern_test_ui_wait_frames (prefs, 2));
  gtk_widget_activate (button);
  dialog = ADW_MESSAGE_DIALOG (wait_toplevel (ADW_TYPE_MESSAGE_DIALOG));
  screenshot (GTK_WIDGET (dialog), "remove-account.png");
  screenshot (prefs, "account-row.png");
  g_assert_cmpstr (adw_message_dialog_get_heading (dialog), ==, "Remove “old”?");
  g_assert_nonnull (strstr (adw_message_dialog_get_body (dialog), "0 cached messages"));
  g_assert_nonnull (strstr (adw_message_dialog_get_body (dialog), "the mail on the server stays"));
  /* Enter does not remove. */
  g_assert_cmpstr (adw_message_dialog_get_default_response (dialog), ==, "cancel");
  adw_message_dialog_response (dialog, "cancel");
  gtk_window_destroy (GTK_WINDOW (dialog));
  g_assert_false (account_gone_cb (f));

  gtk_widget_activate (button);
  dialog = ADW_MESSAGE_DIALOG (wait_toplevel (ADW_TYPE_MESSAGE_DIALOG));
  adw_message_dialog_response (dialog, "remove");
  gtk_window_destroy (GTK_WINDOW (dialog));
  g_assert_true (tern_test_ui_wait_for (account_gone_cb, f, 10));
  g_assert_null (tern_test_ui_find_named (prefs, "remove-account"));
}

int
main (int   argc,
      char *argv[])
{
  int status;

  tern_test_ui_init_with_bus (&argc, &argv);
  tern_test_ui_start_keyring ();

  g_test_add ("/ui-accounts/find-settings", Fixture, NULL, set_up, test_find_settings, tear_down);
  g_test_add ("/ui-accounts/remove", Fixture, NULL, set_up, test_remove, tear_down);
  status = g_test_run ();
  tern_test_ui_stop_keyring ();
  return status;
}
