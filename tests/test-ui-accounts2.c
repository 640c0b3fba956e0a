/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gstdio.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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

static GPid  keyring_pid;
static char *keyring_home;

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
  GListModel *toplevels = gtk_window_get_toplevels ();

  while (g_list_model_get_n_items (toplevels) > 0)
    {
      g_autoptr(GtkWindow) w = g_list_model_get_item (toplevels, 0);

      gtk_window_destroy (w);
    }
  if (f->app != NULL)
    tern_test_ui_stop_workers (f->app);
  tern_test_ui_drain ();
  g_clear_object (&f->app);
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

/* A keyring on the private bus, unlocked, in a home of its own. */
static void
start_keyring (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *run = NULL;
  g_auto(GStrv) env = g_get_environ ();
  const char *argv[] = { "gnome-keyring-daemon", "--foreground", "--components=secrets", "--unlock", NULL };
  int in_fd = -1;
  gint64 end;

  keyring_home = g_dir_make_tmp ("tern-keyring-XXXXXX", &error);
  g_assert_no_error (error);
  run = g_build_filename (keyring_home, "run", NULL);
  g_assert_cmpint (g_mkdir (run, 0700), ==, 0);
  env = g_environ_setenv (env, "HOME", keyring_home, TRUE);
  env = g_environ_setenv (env, "XDG_DATA_HOME", keyring_home, TRUE);
  env = g_environ_setenv (env, "XDG_RUNTIME_DIR", run, TRUE);
  g_assert_true (g_spawn_async_with_pipes (NULL, (char **) argv, env,
                                           G_SPAWN_SEARCH_PATH | G_SPAWN_STDOUT_TO_DEV_NULL |
                                           G_SPAWN_STDERR_TO_DEV_NULL,
                                           NULL, NULL, &keyring_pid, &in_fd, NULL, NULL, &error));
  g_assert_no_error (error);
  /* --unlock reads the new login keyring's password from standard input. */
  g_assert_cmpint (write (in_fd, "x", 1), ==, 1);
  close (in_fd);

  end = g_get_monotonic_time () + 20 * G_USEC_PER_SEC;
  for (;;)
    {
      g_autoptr(GDBusConnection) bus = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, NULL);
      g_autoptr(GVariant) reply = g_dbus_connection_call_sync (bus, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                                               "org.freedesktop.DBus", "NameHasOwner",
                                                               g_variant_new ("(s)", "org.freedesktop.secrets"),
                                                               G_VARIANT_TYPE ("(b)"), G_DBUS_CALL_FLAGS_NONE,
                                                               -1, NULL, NULL);
      gboolean owned = FALSE;

      if (reply != NULL)
        g_variant_get (reply, "(b)", &owned);
      if (owned)
        break;
      if (g_get_monotonic_time () > end)
        g_error ("gnome-keyring-daemon did not come up on the test bus");
      g_usleep (20000);
    }
}

int
main (int   argc,
      char *argv[])
{
  GTestDBus *bus;  /* not unreffed: that waits for the last connection to go */
  g_autofree char *display = g_strdup (g_getenv ("DISPLAY"));
  int status;

  /* A session bus of our own (GTestDBus unsets DISPLAY). */
  bus = g_test_dbus_new (G_TEST_DBUS_NONE);
  g_test_dbus_up (bus);
  if (display != NULL)
    g_setenv ("DISPLAY", display, TRUE);
  gtk_test_init (&argc, &argv, NULL);
  tern_sync_global_init ();
  start_keyring ();

  g_test_add ("/ui-accounts2/send-no-outgoing", Fixture, NULL, set_up, test_send_no_outgoing, tear_down);
  g_test_add ("/ui-accounts2/edit-incoming", Fixture, NULL, set_up_wrong, test_edit_incoming, tear_down);
  status = g_test_run ();

  if (keyring_pid > 0)
    {
      kill (keyring_pid, SIGTERM);
      g_spawn_close_pid (keyring_pid);
    }
  if (keyring_home != NULL)
    {
      g_autofree char *cmd = g_strdup_printf ("rm -rf '%s'", keyring_home);

      if (system (cmd) != 0)
        g_printerr ("Cannot remove %s\n", keyring_home);
    }
  return status;
}
