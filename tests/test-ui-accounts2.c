/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "tern-application.h"
#include "tern-composer-window.h"
#include "tern-outbox.h"
#include "tern-password.h"
#include "tern-preferences.h"
#include "tern-sync.h"
#include "tern-test-cache.h"
#include "tern-test-server.h"
#include "tern-test-ui.h"
#include "tern-window.h"

/*
 * Accounts in the app under Xvfb, after they were added, against the Dovecot fixture (IMAP
 * and submission): Send from an account without an outgoing server is refused in the
 * composer with the button that sets one up, and goes once one is; an account's incoming
 * server (port, security, user, password in the keyring) is changed in Preferences and the
 * account connects with it. A D-Bus session of its own with a gnome-keyring-daemon.
 */

typedef struct
{
  TernTestServer  *server;
  TernApplication *app;
  TernWindow      *window;
  TernStore       *store;     /* the app's, borrowed */
  char            *dir;
  gint64           account;
} Fixture;

static void
set_up (Fixture       *f,
        gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TernStore) store = NULL;
  g_autofree char *path = NULL;

  f->server = tern_test_server_new (TERN_TEST_SERVER_SUBMISSION, &error);
  g_assert_no_error (error);
  f->dir = g_dir_make_tmp ("tern-ui-accounts2-XXXXXX", &error);
  g_assert_no_error (error);
  path = g_build_filename (f->dir, "tern.db", NULL);
  store = tern_store_open (path, &error);
  g_assert_no_error (error);
  /* An IMAP server and nothing else: no outgoing server set up. */
  f->account = tern_test_cache_add_server_account (store, f->server, "fixture", TRUE);
}

static void
tear_down (Fixture       *f,
           gconstpointer  data)
{
  g_autofree char *cmd = g_strdup_printf ("rm -rf '%s'", f->dir);
  tern_test_ui_close_app (&f->app);
  tern_test_server_free (f->server);
  g_assert_cmpint (system (cmd), ==, 0);
  g_free (f->dir);
}

static gboolean
online_cb (gpointer data)
{
  return tern_test_ui_worker_online (((Fixture *) data)->app);
}

static void
start_app (Fixture  *f,
           gboolean  online)
{
  f->app = tern_test_ui_start_app (f->dir, FALSE, &f->window);
  f->store = tern_application_get_store (f->app);
  if (online)
    g_assert_true (tern_test_ui_wait_for (online_cb, f, 60));
  tern_test_ui_drain ();
}

static gboolean
toplevel_shown_cb (gpointer data)
{
  return tern_test_ui_find_toplevel (*(GType *) data) != NULL;
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

static TernComposerWindow *
find_composer (Fixture *f)
{
  for (GList *l = gtk_application_get_windows (GTK_APPLICATION (f->app)); l != NULL; l = l->next)
    if (TERN_IS_COMPOSER_WINDOW (l->data))
      return l->data;
  return NULL;
}

static gboolean
submitted_cb (gpointer data)
{
  return tern_test_server_count_submitted (((Fixture *) data)->server) == 1;
}

static gboolean
mapped_cb (gpointer data)
{
  return gtk_widget_get_mapped (data);
}

/* Send with no outgoing server: refused in the composer, with words and the button that opens
 * the account's outgoing settings; nothing queued, the message stays. Once the server is set
 * there, Send sends it, through that server. */
static void
test_send_no_outgoing (Fixture       *f,
                       gconstpointer  data)
{
  g_autoptr(TernSmtpSettings) smtp = NULL;
  g_autofree char *submissions = g_strdup_printf ("%u", tern_test_server_get_submissions_port (f->server));
  TernComposerWindow *composer;
  GtkWidget *error_label, *button, *prefs, *host, *port, *focus;

  start_app (f, TRUE);
  gtk_widget_activate_action (GTK_WIDGET (f->window), "win.compose", NULL);
  composer = find_composer (f);
  g_assert_nonnull (composer);
  tern_test_ui_drain ();
  tern_composer_window_set_to (composer, "Bob <bob@example.org>");
  tern_composer_window_set_subject (composer, "Numbers");
  tern_composer_window_set_body (composer, "Hello Bob,\n\nsee you.\n");

  gtk_widget_activate_action (GTK_WIDGET (composer), "composer.send", NULL);
  tern_test_ui_drain ();
  /* Still here, saying why, with the way out; nothing waits in the outbox. */
  g_assert_true (find_composer (f) == composer);
  error_label = need_named (GTK_WIDGET (composer), "error_label");
  g_assert_true (gtk_widget_get_visible (error_label));
  g_assert_nonnull (strstr (gtk_label_get_text (GTK_LABEL (error_label)), "no outgoing server"));
  button = need_named (GTK_WIDGET (composer), "setup_outgoing_button");
  g_assert_true (gtk_widget_get_visible (button));
  g_assert_cmpuint (tern_outbox_count (f->store, f->account, TERN_OUTBOX_QUEUED), ==, 0);
  tern_test_ui_screenshots (GTK_WINDOW (composer), "composer-no-outgoing", 800, 600);

  /* The button, clicked: the account's outgoing settings, the server's name to type. */
  g_assert_true (tern_test_ui_wait_for (mapped_cb, button, 10));
  g_assert_true (tern_test_ui_click (button, gtk_widget_get_width (button) / 2.0,
                                     gtk_widget_get_height (button) / 2.0));
  prefs = GTK_WIDGET (wait_toplevel (TERN_TYPE_PREFERENCES));
  host = need_named (prefs, "smtp-host");
  g_assert_true (tern_test_ui_wait_for (mapped_cb, host, 10));
  g_assert_true (adw_expander_row_get_expanded (ADW_EXPANDER_ROW (gtk_widget_get_ancestor (host,
                                                                                         ADW_TYPE_EXPANDER_ROW))));
  focus = gtk_root_get_focus (GTK_ROOT (prefs));
  g_assert_true (focus != NULL && (focus == host || gtk_widget_is_ancestor (focus, host)));
  g_assert_true (gtk_widget_get_visible (need_named (prefs, "smtp-missing")));
  /* Empty, not the guess: there is no outgoing server yet. */
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (host)), ==, "");
  port = need_named (prefs, "smtp-port");
  g_assert_false (gtk_widget_get_sensitive (port));
  tern_test_ui_screenshots (GTK_WINDOW (prefs), "prefs-no-outgoing", 640, 800);

  gtk_editable_set_text (GTK_EDITABLE (host), tern_test_server_get_host (f->server));
  g_signal_emit_by_name (host, "apply");
  g_assert_true (gtk_widget_get_sensitive (port));
  g_assert_false (gtk_widget_get_visible (need_named (prefs, "smtp-missing")));
  gtk_editable_set_text (GTK_EDITABLE (port), submissions);
  g_signal_emit_by_name (port, "apply");
  smtp = tern_outbox_get_smtp (f->store, f->account, NULL);
  g_assert_true (smtp->configured);
  g_assert_cmpuint (smtp->port, ==, tern_test_server_get_submissions_port (f->server));
  gtk_window_destroy (GTK_WINDOW (prefs));
  tern_test_ui_drain ();

  /* Send again: it goes, through the server set up. */
  gtk_widget_activate_action (GTK_WIDGET (composer), "composer.send", NULL);
  tern_test_ui_drain ();
  g_assert_null (find_composer (f));
  g_assert_true (tern_test_ui_wait_for (submitted_cb, f, 30));
}

/* An account whose password is in the keyring, and wrong, as is its port (plain IMAP spoken
 * to with TLS): fixed in Preferences, row by row, it connects. */
static void
set_up_wrong (Fixture       *f,
              gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TernStore) store = NULL;
  g_autoptr(TernAccount) account = NULL;
  g_autofree char *path = NULL;
  TernAccount a = { 0 };

  f->server = tern_test_server_new (TERN_TEST_SERVER_SUBMISSION, &error);
  g_assert_no_error (error);
  f->dir = g_dir_make_tmp ("tern-ui-accounts2-XXXXXX", &error);
  g_assert_no_error (error);
  path = g_build_filename (f->dir, "tern.db", NULL);
  store = tern_store_open (path, &error);
  g_assert_no_error (error);
  a.name = (char *) "work";
  a.email = (char *) "alice@example.org";
  a.host = (char *) tern_test_server_get_host (f->server);
  a.port = tern_test_server_get_imap_port (f->server);
  a.security = (char *) "tls";
  a.user = (char *) "alice";
  a.ca_file = (char *) tern_test_server_get_ca_file (f->server);
  g_assert_true (tern_store_add_account (store, &a, &f->account, &error));
  account = tern_store_get_account_by_id (store, f->account, &error);
  g_assert_no_error (error);
  g_assert_true (tern_password_store (account, "wrong", &error));
  g_assert_no_error (error);
}

static void
apply (GtkWidget  *prefs,
       const char *name,
       const char *text)
{
  GtkWidget *row = need_named (prefs, name);

  gtk_editable_set_text (GTK_EDITABLE (row), text);
  g_signal_emit_by_name (row, "apply");
}

static void
test_edit_incoming (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TernAccount) account = NULL;
  g_autofree char *password = NULL;
  g_autofree char *imap = g_strdup_printf ("%u", tern_test_server_get_imap_port (f->server));
  GtkWidget *prefs, *host, *security;

  start_app (f, FALSE);
  g_action_group_activate_action (G_ACTION_GROUP (f->app), "preferences", NULL);
  prefs = GTK_WIDGET (wait_toplevel (TERN_TYPE_PREFERENCES));
  host = need_named (prefs, "imap-host");
  adw_expander_row_set_expanded (ADW_EXPANDER_ROW (gtk_widget_get_ancestor (host, ADW_TYPE_EXPANDER_ROW)), TRUE);
  g_assert_true (tern_test_ui_wait_for (mapped_cb, host, 10));
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (host)), ==, tern_test_server_get_host (f->server));
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (need_named (prefs, "imap-port"))), ==, imap);
  g_assert_false (tern_test_ui_worker_online (f->app));
  tern_test_ui_screenshots (GTK_WINDOW (prefs), "prefs-incoming", 640, 900);

  /* STARTTLS on the plain port: the port, not one of the usual ones, stays. */
  security = need_named (prefs, "imap-security");
  adw_combo_row_set_selected (ADW_COMBO_ROW (security), 1);
  account = tern_store_get_account_by_id (f->store, f->account, &error);
  g_assert_cmpstr (account->security, ==, "starttls");
  g_assert_cmpuint (account->port, ==, tern_test_server_get_imap_port (f->server));
  g_clear_pointer (&account, tern_account_free);

  /* A bad port is refused and nothing changes. */
  apply (prefs, "imap-port", "70000");
  account = tern_store_get_account_by_id (f->store, f->account, &error);
  g_assert_cmpuint (account->port, ==, tern_test_server_get_imap_port (f->server));
  g_clear_pointer (&account, tern_account_free);

  apply (prefs, "imap-user", "alice");
  apply (prefs, "imap-password", "secret");
  /* The keyring has the new one, the field is emptied. */
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (need_named (prefs, "imap-password"))), ==, "");
  account = tern_store_get_account_by_id (f->store, f->account, &error);
  password = tern_password_lookup (account, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (password, ==, "secret");

  /* The account connects with what was changed. */
  g_assert_true (tern_test_ui_wait_for (online_cb, f, 60));
}

static void
status_changed_cb (GtkLabel   *status,
                   GParamSpec *pspec,
                   gboolean   *started)
{
  if (g_str_equal (gtk_label_get_text (status), "Connecting…"))
    *started = TRUE;
}

typedef struct
{
  GtkWidget *prefs;
  gboolean   started;
} TestWait;

static gboolean
test_ended_cb (gpointer data)
{
  TestWait *w = data;
  GtkWidget *status = need_named (w->prefs, "test-status");

  return w->started && gtk_widget_get_sensitive (need_named (w->prefs, "add-button")) &&
         (gtk_widget_has_css_class (status, "error") || gtk_widget_has_css_class (status, "success"));
}

/* Add pressed (as from the keyboard: it clicks a moment later), then the test's end. */
static gboolean
add_and_wait (GtkWidget *prefs,
              gboolean   trust)
{
  TestWait w = { prefs, FALSE };
  GtkWidget *status = need_named (prefs, "test-status");
  gulong handler = g_signal_connect (status, "notify::label", G_CALLBACK (status_changed_cb), &w.started);
  gboolean ended;

  gtk_widget_activate (need_named (prefs, "add-button"));
  if (trust)
    {
      /* The test CA is not the system's: its certificate is trusted when asked. */
      AdwMessageDialog *dialog = ADW_MESSAGE_DIALOG (wait_toplevel (ADW_TYPE_MESSAGE_DIALOG));

      w.started = FALSE;
      adw_message_dialog_response (dialog, "trust");
      gtk_window_destroy (GTK_WINDOW (dialog));
    }
  ended = tern_test_ui_wait_for (test_ended_cb, &w, 60);
  g_signal_handler_disconnect (status, handler);
  return ended;
}

static void
set_text (GtkWidget  *prefs,
          const char *name,
          const char *text)
{
  gtk_editable_set_text (GTK_EDITABLE (need_named (prefs, name)), text);
}

static gboolean
prefs_gone_cb (gpointer data)
{
  return tern_test_ui_find_toplevel (TERN_TYPE_PREFERENCES) == NULL;
}

/* Add tries both servers before the account is saved: a wrong password is said against
 * both servers and marks the password; a wrong outgoing port is said against the outgoing
 * server only and marks its port; nothing is saved until "Save Anyway", which saves the form
 * as it is. */
static void
test_before_save (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TernAccount) account = NULL;
  g_autoptr(TernSmtpSettings) smtp = NULL;
  g_autofree char *imaps = g_strdup_printf ("%u", tern_test_server_get_imaps_port (f->server));
  g_autofree char *submissions = g_strdup_printf ("%u", tern_test_server_get_submissions_port (f->server));
  g_autofree char *plain = g_strdup_printf ("%u", tern_test_server_get_submission_port (f->server));
  GtkWidget *prefs, *status;
  const char *text;

  start_app (f, FALSE);
  g_action_group_activate_action (G_ACTION_GROUP (f->app), "add-account", NULL);
  prefs = GTK_WIDGET (wait_toplevel (TERN_TYPE_PREFERENCES));
  status = need_named (prefs, "test-status");
  set_text (prefs, "name", "work");
  set_text (prefs, "email", "alice@example.org");
  set_text (prefs, "host", tern_test_server_get_host (f->server));
  set_text (prefs, "port", imaps);
  set_text (prefs, "user", "alice");
  set_text (prefs, "password", "wrong");
  set_text (prefs, "new-smtp-host", tern_test_server_get_host (f->server));
  set_text (prefs, "new-smtp-port", submissions);

  g_assert_true (add_and_wait (prefs, TRUE));
  text = gtk_label_get_text (GTK_LABEL (status));
  g_assert_true (gtk_widget_has_css_class (status, "error"));
  g_assert_true (g_str_has_prefix (text, "Incoming: The server did not accept the user name or password."));
  g_assert_nonnull (strstr (text, "\nOutgoing: The server did not accept the user name or password."));
  g_assert_true (gtk_widget_has_css_class (need_named (prefs, "password"), "error"));
  g_assert_false (gtk_widget_has_css_class (need_named (prefs, "host"), "error"));
  g_assert_true (gtk_widget_get_visible (need_named (prefs, "save-anyway")));
  g_assert_null (tern_store_get_account (f->store, "work", NULL));
  g_assert_nonnull (tern_test_ui_find_toplevel (TERN_TYPE_PREFERENCES));
  tern_test_ui_screenshots (GTK_WINDOW (prefs), "add-account-test-failed", 640, 900);

  /* The right password, TLS to the plain submission port: the outgoing side alone. */
  set_text (prefs, "password", "secret");
  set_text (prefs, "new-smtp-port", plain);
  g_assert_true (add_and_wait (prefs, FALSE));
  text = gtk_label_get_text (GTK_LABEL (status));
  if (!g_str_has_prefix (text, "Outgoing: "))
    g_error ("Said: %s", text);
  g_assert_null (strstr (text, "Incoming"));
  g_assert_true (gtk_widget_has_css_class (need_named (prefs, "new-smtp-port"), "error"));
  g_assert_false (gtk_widget_has_css_class (need_named (prefs, "password"), "error"));
  g_assert_false (gtk_widget_has_css_class (need_named (prefs, "port"), "error"));
  g_assert_null (tern_store_get_account (f->store, "work", NULL));

  /* Saved as it is, for later. */
  gtk_widget_activate (need_named (prefs, "save-anyway"));
  g_assert_true (tern_test_ui_wait_for (prefs_gone_cb, NULL, 10));
  account = tern_store_get_account (f->store, "work", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (account->port, ==, tern_test_server_get_imaps_port (f->server));
  smtp = tern_outbox_get_smtp (f->store, account->id, &error);
  g_assert_true (smtp->configured);
  g_assert_cmpuint (smtp->port, ==, tern_test_server_get_submission_port (f->server));
}

int
main (int   argc,
      char *argv[])
{
  int status;

  tern_test_ui_init_with_bus (&argc, &argv);
  tern_test_ui_start_keyring ();

  g_test_add ("/ui-accounts2/send-no-outgoing", Fixture, NULL, set_up, test_send_no_outgoing, tear_down);
  g_test_add ("/ui-accounts2/test-before-save", Fixture, NULL, set_up, test_before_save, tear_down);
  g_test_add ("/ui-accounts2/edit-incoming", Fixture, NULL, set_up_wrong, test_edit_incoming, tear_down);
  status = g_test_run ();

  tern_test_ui_stop_keyring ();
  return status;
}
