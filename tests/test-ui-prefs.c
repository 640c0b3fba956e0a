/* SPDX-License-Identifier: GPL-3.0-or-later */
#define _GNU_SOURCE
#define G_LOG_DOMAIN "test-ui-prefs"

#include "config.h"

#include <glib/gstdio.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "tern-application.h"
#include "tern-pane-handle.h"
#include "tern-password.h"
#include "tern-preferences.h"
#include "tern-outbox.h"
#include "tern-submit.h"
#include "tern-sync.h"
#include "tern-test-cache.h"
#include "tern-test-server.h"
#include "tern-test-ui.h"
#include "test-ui-prefs-private.h"
#include "tern-window.h"

/*
 * The desktop side of the app under Xvfb: the first-run welcome page and the demo, adding
 * an account in the preferences (its password in a real keyring), "Test connection" against
 * the Dovecot fixture, per-account settings, desktop notifications (test-ui-prefs-notify.c)
 * and the resizable panes.
 *
 * The whole test runs on a D-Bus session of its own (GTestDBus) with a gnome-keyring-daemon
 * on it, and this process plays the desktop's notification service
 * (org.freedesktop.Notifications), so what the app sends is seen as the desktop sees it.
 */


/* Widgets, found as a user finds them: by what they are, in the window they are in. */

static GtkWidget *
find_type (GtkWidget *root,
           GType      type,
           guint      skip)
{
  GPtrArray *stack = g_ptr_array_new ();
  GtkWidget *found = NULL;

  g_ptr_array_add (stack, root);
  /* Depth first, in order. */
  while (stack->len > 0 && found == NULL)
    {
      GtkWidget *w = g_ptr_array_steal_index (stack, stack->len - 1);
      GPtrArray *children = g_ptr_array_new ();

      if (G_TYPE_CHECK_INSTANCE_TYPE (w, type) && skip-- == 0)
        found = w;
      for (GtkWidget *c = gtk_widget_get_first_child (w); c != NULL; c = gtk_widget_get_next_sibling (c))
        g_ptr_array_add (children, c);
      for (guint i = children->len; i > 0; i--)
        g_ptr_array_add (stack, children->pdata[i - 1]);
      g_ptr_array_unref (children);
    }
  g_ptr_array_unref (stack);
  return found;
}

GtkWidget *
need_named (GtkWidget  *root,
            const char *name)
{
  GtkWidget *w = tern_test_ui_find_named (root, name);

  if (w == NULL)
    g_error ("No widget named “%s”", name);
  return w;
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

/* Every widget Tab reaches, starting from nothing focused. */
static GPtrArray *
tab_chain (GtkWindow *window)
{
  GPtrArray *chain = g_ptr_array_new ();

  gtk_window_set_focus (window, NULL);
  for (guint i = 0; i < 200; i++)
    {
      GtkWidget *focus;

      if (!gtk_widget_child_focus (GTK_WIDGET (window), GTK_DIR_TAB_FORWARD))
        break;
      focus = gtk_window_get_focus (window);
      if (focus == NULL || g_ptr_array_find (chain, focus, NULL))
        break;
      g_ptr_array_add (chain, focus);
    }
  return chain;
}

static gboolean
reachable (GPtrArray *chain,
           GtkWidget *widget)
{
  for (guint i = 0; i < chain->len; i++)
    if (chain->pdata[i] == widget || gtk_widget_is_ancestor (chain->pdata[i], widget))
      return TRUE;
  return FALSE;
}

static guint
mnemonic_of (GtkWidget *button)
{
  GtkWidget *label = find_type (button, GTK_TYPE_LABEL, 0);

  g_assert_nonnull (label);
  return gdk_keyval_to_lower (gtk_label_get_mnemonic_keyval (GTK_LABEL (label)));
}

static void
set_text (GtkWidget  *root,
          const char *name,
          const char *text)
{
  gtk_editable_set_text (GTK_EDITABLE (need_named (root, name)), text);
}

/* The app. */

static void
notification_sent_cb (TernApplication *app,
                      const char      *id,
                      GNotification   *notification,
                      Fixture         *f)
{
  g_ptr_array_add (f->sent, g_strdup (id));
}

void
start_app (Fixture  *f,
           gboolean  offline)
{
  f->app = tern_test_ui_start_app (f->dir, offline, &f->window);
  /* New mail reaches the window from the worker through the main loop, never while the app
   * starts, so no notification goes before this. */
  g_signal_connect (f->app, "notification-sent", G_CALLBACK (notification_sent_cb), f);
  f->store = tern_application_get_store (f->app);
  tern_test_ui_drain ();
}

static void
reset_settings (void)
{
  g_autoptr(GSettings) settings = g_settings_new (APP_ID);
  g_autoptr(GSettingsSchema) schema = NULL;
  g_auto(GStrv) keys = NULL;

  g_object_get (settings, "settings-schema", &schema, NULL);
  keys = g_settings_schema_list_keys (schema);
  for (guint i = 0; keys[i] != NULL; i++)
    g_settings_reset (settings, keys[i]);
}

void
set_up (Fixture       *f,
        gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  reset_settings ();
  f->sent = g_ptr_array_new_with_free_func (g_free);
  clear_notifications ();
  f->dir = g_dir_make_tmp ("tern-ui-prefs-XXXXXX", &error);
  g_assert_no_error (error);
  f->db_path = g_build_filename (f->dir, "tern.db", NULL);
}

void
server_set_up (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  set_up (f, data);
  f->server = tern_test_server_new (TERN_TEST_SERVER_FULL, &error);
  g_assert_no_error (error);
}

void
tear_down (Fixture       *f,
           gconstpointer  data)
{
  g_autofree char *cmd = g_strdup_printf ("rm -rf '%s'", f->dir);
  GListModel *toplevels = gtk_window_get_toplevels ();

  /* Every window: the app's, the preferences, dialogs. */
  while (g_list_model_get_n_items (toplevels) > 0)
    {
      g_autoptr(GtkWindow) w = g_list_model_get_item (toplevels, 0);

      gtk_window_destroy (w);
    }
  f->other = NULL;
  f->window = NULL;
  tern_test_ui_stop_workers (f->app);
  tern_test_ui_drain ();
  g_clear_object (&f->app);
  g_clear_pointer (&f->server, tern_test_server_free);
  g_assert_cmpint (system (cmd), ==, 0);
  g_clear_pointer (&f->sent, g_ptr_array_unref);
  g_free (f->dir);
  g_free (f->db_path);
}

gboolean
worker_online_cb (gpointer data)
{
  Fixture *f = data;

  /* A folder open, or with two accounts All Inboxes (it may be the first row selected). */
  return tern_test_ui_worker_online (f->app) &&
         (tern_window_get_folder_id (f->window) != 0 || tern_window_get_unified_id (f->window) != 0);
}

gboolean
messages_listed_cb (gpointer data)
{
  Fixture *f = data;

  return worker_online_cb (f) &&
         g_list_model_get_n_items (G_LIST_MODEL (tern_window_get_message_model (f->window))) > 0;
}

/* The welcome page: its buttons, by keyboard too; "Add Account" opens the preferences. */
static void
test_welcome (Fixture       *f,
              gconstpointer  data)
{
  GtkWidget *add = NULL, *demo = NULL;
  g_autoptr(GPtrArray) chain = NULL;
  GtkWindow *prefs;

  start_app (f, FALSE);
  g_assert_cmpstr (tern_window_get_page (f->window), ==, "welcome");
  add = tern_test_ui_find_named (GTK_WIDGET (f->window), "add_account_button");
  demo = tern_test_ui_find_named (GTK_WIDGET (f->window), "demo_button");
  g_assert_nonnull (add);
  g_assert_nonnull (demo);
  g_assert_true (gtk_widget_is_drawable (add));
  g_assert_true (gtk_widget_is_drawable (demo));
  /* The welcome page's icon is the app's, from its resources. */
  g_assert_true (gtk_icon_theme_has_icon (gtk_icon_theme_get_for_display (gtk_widget_get_display (add)),
                                          APP_ID));
  /* The demo server: the build's, named by TERN_DEMO_SERVER. */
  g_assert_true (gtk_widget_is_sensitive (demo));

  /* Tab reaches both; Alt+A and Alt+T are theirs. */
  chain = tab_chain (GTK_WINDOW (f->window));
  g_assert_true (reachable (chain, add));
  g_assert_true (reachable (chain, demo));
  g_assert_cmpuint (mnemonic_of (add), ==, GDK_KEY_a);
  g_assert_cmpuint (mnemonic_of (demo), ==, GDK_KEY_t);

  /* "Add Account" opens the preferences on the form. */
  gtk_widget_activate (add);
  prefs = wait_toplevel (TERN_TYPE_PREFERENCES);
  g_assert_true (gtk_window_get_transient_for (prefs) == GTK_WINDOW (f->window));
  g_assert_true (gtk_widget_is_drawable (need_named (GTK_WIDGET (prefs), "host")));
  g_assert_true (gtk_widget_is_drawable (need_named (GTK_WIDGET (prefs), "add-button")));
  /* What the user types first goes into the first field. */
  g_assert_nonnull (gtk_window_get_focus (prefs));
  g_assert_true (gtk_widget_is_ancestor (gtk_window_get_focus (prefs), need_named (GTK_WIDGET (prefs), "name")));

  /* Every field and button of the form is reached by Tab, and the buttons have mnemonics. */
  g_clear_pointer (&chain, g_ptr_array_unref);
  chain = tab_chain (prefs);
  {
    const char *names[] = { "name", "email", "host", "port", "security", "user", "password",
                            "test-button", "add-button" };

    for (guint i = 0; i < G_N_ELEMENTS (names); i++)
      if (!reachable (chain, need_named (GTK_WIDGET (prefs), names[i])))
        g_error ("“%s” cannot be reached with Tab", names[i]);
  }
  g_assert_cmpuint (mnemonic_of (need_named (GTK_WIDGET (prefs), "test-button")), ==, GDK_KEY_t);
  g_assert_cmpuint (mnemonic_of (need_named (GTK_WIDGET (prefs), "add-button")), ==, GDK_KEY_a);
}

/* What the status line under "Test connection" said, in order. */
static void
status_changed_cb (GtkLabel   *label,
                   GParamSpec *pspec,
                   GPtrArray  *said)
{
  g_ptr_array_add (said, g_strdup (gtk_label_get_text (label)));
}

static gboolean
test_finished_cb (gpointer data)
{
  GPtrArray *said = data;

  /* "Connecting…", then the outcome. */
  return said->len >= 2 && g_strcmp0 (said->pdata[said->len - 1], "Connecting…") != 0;
}

static const char *
wait_test (GtkWindow *prefs,
           void     (*press) (GtkWindow *prefs))
{
  GtkWidget *status = need_named (GTK_WIDGET (prefs), "test-status");
  g_autoptr(GPtrArray) said = g_ptr_array_new_with_free_func (g_free);
  gulong handler = g_signal_connect (status, "notify::label", G_CALLBACK (status_changed_cb), said);

  press (prefs);
  if (!tern_test_ui_wait_for (test_finished_cb, said, 60))
    g_error ("The connection test did not end");
  g_signal_handler_disconnect (status, handler);
  g_assert_cmpstr (said->pdata[0], ==, "Connecting…");
  g_assert_true (gtk_widget_is_sensitive (need_named (GTK_WIDGET (prefs), "test-button")));
  return gtk_label_get_text (GTK_LABEL (status));
}

static void
activate_test_button (GtkWindow *prefs)
{
  /* As Enter or Space on the focused button does. */
  gtk_widget_activate (need_named (GTK_WIDGET (prefs), "test-button"));
}

static const char *
press_test (GtkWindow *prefs)
{
  return wait_test (prefs, activate_test_button);
}

GtkWindow *
open_add_account (Fixture *f)
{
  GtkWindow *prefs;

  g_action_group_activate_action (G_ACTION_GROUP (f->app), "add-account", NULL);
  prefs = wait_toplevel (TERN_TYPE_PREFERENCES);
  return prefs;
}

static void
fill_form (Fixture    *f,
           GtkWindow  *prefs,
           const char *user,
           const char *password,
           guint       port)
{
  GtkWidget *p = GTK_WIDGET (prefs);
  g_autofree char *port_text = g_strdup_printf ("%u", port);

  set_text (p, "name", "work");
  set_text (p, "email", "carol@example.org");
  set_text (p, "host", tern_test_server_get_host (f->server));
  set_text (p, "port", port_text);
  adw_combo_row_set_selected (ADW_COMBO_ROW (need_named (p, "security")), 0);
  set_text (p, "user", user);
  set_text (p, "password", password);
}

static void
respond_trust (GtkWindow *prefs)
{
  GtkWindow *dialog = g_object_get_data (G_OBJECT (prefs), "dialog");

  adw_message_dialog_response (ADW_MESSAGE_DIALOG (dialog), "trust");
  gtk_window_destroy (dialog);
}

/* The certificate prompt of "Test connection": shown with the fingerprint, trusted. */
static void
trust_certificate (Fixture   *f,
                   GtkWindow *prefs)
{
  g_autofree char *sha = tern_test_server_dup_cert_sha256 (f->server);
  AdwMessageDialog *dialog;
  const char *status = press_test (prefs);

  g_assert_nonnull (strstr (status, "certificate"));
  dialog = ADW_MESSAGE_DIALOG (wait_toplevel (ADW_TYPE_MESSAGE_DIALOG));
  g_assert_nonnull (strstr (adw_message_dialog_get_body (dialog), sha));
  g_assert_nonnull (strstr (adw_message_dialog_get_body (dialog), "Issuer"));
  /* Enter does not trust it. */
  g_assert_cmpstr (adw_message_dialog_get_default_response (dialog), ==, "cancel");
  /* Trusting it tests again, with the certificate pinned. */
  g_object_set_data (G_OBJECT (prefs), "dialog", dialog);
  wait_test (prefs, respond_trust);
}

static gboolean
contains_bytes (const char *path,
                const char *needle)
{
  g_autofree char *contents = NULL;
  gsize len = 0;

  if (!g_file_get_contents (path, &contents, &len, NULL))
    return FALSE;
  return memmem (contents, len, needle, strlen (needle)) != NULL;
}

/* Adding an account through the form: in the cache, its password in the keyring only. */
static void
test_add_account (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *sha = tern_test_server_dup_cert_sha256 (f->server);
  g_autoptr(TernAccount) account = NULL;
  g_autofree char *password = NULL;
  GtkWindow *prefs;

  g_assert_true (tern_test_server_add_user (f->server, "carol", PASSWORD, &error));
  g_assert_no_error (error);
  start_app (f, FALSE);
  prefs = open_add_account (f);
  fill_form (f, prefs, "carol", PASSWORD, tern_test_server_get_imaps_port (f->server));
  trust_certificate (f, prefs);
  g_assert_cmpstr (gtk_label_get_text (GTK_LABEL (need_named (GTK_WIDGET (prefs), "test-status"))), ==,
                   "Connected and logged in.");

  /* "Add Account": the preferences close, the account is there, the window shows it. */
  gtk_widget_activate (need_named (GTK_WIDGET (prefs), "add-button"));
  {
    GType type = TERN_TYPE_PREFERENCES;

    g_assert_true (tern_test_ui_wait_for (toplevel_gone_cb, &type, 10));
  }
  account = tern_store_get_account (f->store, "work", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (account->email, ==, "carol@example.org");
  g_assert_cmpstr (account->host, ==, tern_test_server_get_host (f->server));
  g_assert_cmpuint (account->port, ==, tern_test_server_get_imaps_port (f->server));
  g_assert_cmpstr (account->security, ==, "tls");
  g_assert_cmpstr (account->user, ==, "carol");
  g_assert_cmpstr (account->pinned_sha256, ==, sha);
  g_assert_null (account->password_command);

  /* The password is in the keyring ... */
  password = tern_password_lookup (account, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (password, ==, PASSWORD);

  /* ... and the account's worker logs in with it. */
  g_assert_true (tern_test_ui_wait_for (worker_online_cb, f, 60));
  g_assert_cmpstr (tern_window_get_page (f->window), ==, "mail");

  /* Nowhere else: not in the cache file, not in the settings. */
  {
    const char *suffixes[] = { "", "-wal", "-shm" };
    g_autoptr(GSettings) settings = g_settings_new (APP_ID);
    g_autoptr(GSettingsSchema) schema = NULL;
    g_auto(GStrv) keys = NULL;

    for (guint i = 0; i < G_N_ELEMENTS (suffixes); i++)
      {
        g_autofree char *path = g_strconcat (f->db_path, suffixes[i], NULL);

        g_assert_false (contains_bytes (path, PASSWORD));
      }
    g_object_get (settings, "settings-schema", &schema, NULL);
    keys = g_settings_schema_list_keys (schema);
    for (guint i = 0; keys[i] != NULL; i++)
      {
        g_autoptr(GVariant) value = g_settings_get_value (settings, keys[i]);
        g_autofree char *text = g_variant_print (value, FALSE);

        g_assert_null (strstr (text, PASSWORD));
      }
  }
}

static guint16
closed_port (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocketListener) listener = g_socket_listener_new ();
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) effective = NULL;
  guint16 port;

  g_assert_true (g_socket_listener_add_address (listener, address, G_SOCKET_TYPE_STREAM,
                                                G_SOCKET_PROTOCOL_TCP, NULL, &effective, &error));
  g_assert_no_error (error);
  port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (effective));
  g_socket_listener_close (listener);
  return port;
}

static char *
read_log (Fixture *f)
{
  g_autofree char *path = g_build_filename (tern_test_server_get_dir (f->server), "dovecot.log", NULL);
  char *contents = NULL;

  g_file_get_contents (path, &contents, NULL, NULL);
  return contents ? contents : g_strdup ("");
}

static gboolean
log_grows_cb (gpointer data)
{
  Fixture *f = g_object_get_data (G_OBJECT (data), "fixture");
  gsize before = GPOINTER_TO_SIZE (g_object_get_data (G_OBJECT (data), "before"));
  g_autofree char *log = read_log (f);

  return strstr (log + MIN (before, strlen (log)), "Disconnected") != NULL;
}

/* "Test connection": a wrong password, a server that is not there, and no encryption. */
static void
test_connection_errors (Fixture       *f,
                        gconstpointer  data)
{
  GtkWidget *p;
  GtkWindow *prefs;
  GtkWidget *password, *warning;
  g_autofree char *port = NULL;
  const char *status;

  start_app (f, FALSE);
  prefs = open_add_account (f);
  p = GTK_WIDGET (prefs);
  fill_form (f, prefs, "alice", "secret", tern_test_server_get_imaps_port (f->server));
  trust_certificate (f, prefs);
  g_assert_cmpstr (gtk_label_get_text (GTK_LABEL (need_named (p, "test-status"))), ==,
                   "Connected and logged in.");
  g_assert_true (gtk_widget_has_css_class (need_named (p, "test-status"), "success"));

  /* A wrong password: the server says no, and the user reads that it was the password. */
  set_text (p, "password", "not-the-password");
  status = press_test (prefs);
  g_assert_nonnull (strstr (status, "did not accept the user name or password"));
  g_assert_true (gtk_widget_has_css_class (need_named (p, "test-status"), "error"));

  /* Nothing listening: a connection error, not a password one. */
  port = g_strdup_printf ("%u", closed_port ());
  set_text (p, "password", "secret");
  set_text (p, "port", port);
  status = press_test (prefs);
  g_assert_nonnull (strstr (status, "Could not connect"));
  g_assert_null (strstr (status, "password"));

  /* No encryption: the warning shows, the password field is emptied and locked, and the
   * test logs in with nothing: the server sees no authentication attempt at all (it would
   * accept a plaintext login from 127.0.0.1). */
  password = need_named (p, "password");
  warning = need_named (p, "security-warning");
  g_assert_false (gtk_widget_get_visible (warning));
  adw_combo_row_set_selected (ADW_COMBO_ROW (need_named (p, "security")), 2);
  g_assert_true (gtk_widget_get_visible (warning));
  g_assert_nonnull (strstr (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (warning)), "No password will be sent"));
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (password)), ==, "");
  g_assert_false (gtk_widget_is_sensitive (password));
  g_free (port);
  port = g_strdup_printf ("%u", tern_test_server_get_imap_port (f->server));
  set_text (p, "port", port);
  {
    g_autofree char *before = read_log (f);
    g_autofree char *log = NULL;
    g_autoptr(GObject) probe = g_object_new (G_TYPE_OBJECT, NULL);
    const char *added;

    status = press_test (prefs);
    g_assert_nonnull (strstr (status, "unencrypted"));
    g_object_set_data (probe, "fixture", f);
    g_object_set_data (probe, "before", GSIZE_TO_POINTER (strlen (before)));
    g_assert_true (tern_test_ui_wait_for (log_grows_cb, probe, 10));
    log = read_log (f);
    added = log + strlen (before);
    g_assert_nonnull (strstr (added, "no auth attempts"));
    g_assert_null (strstr (added, "auth failed"));
    g_assert_null (strstr (added, "Login: user=<alice>"));
  }

  /* Back to TLS: the password can be typed again and the warning is gone. */
  adw_combo_row_set_selected (ADW_COMBO_ROW (need_named (p, "security")), 0);
  g_assert_false (gtk_widget_get_visible (warning));
  g_assert_true (gtk_widget_is_sensitive (password));
}

/* Per account: what deleting does and what stays offline reach the cache and the settings. */
static void
test_account_settings (Fixture       *f,
                       gconstpointer  data)
{
  GtkWindow *prefs;
  GtkWidget *expander = NULL;
  GtkWidget *delete_mode, *days, *max_size;
  g_autoptr(TernAccount) account = NULL;
  g_autoptr(GVariant) map = NULL;
  int value = 0;
  TernStore *store;

  store = tern_test_cache_new (f->db_path, &f->ids);
  /* Its server was seen without PREVIEW (the engine's trait). */
  g_assert_true (tern_store_set_server_trait (store, f->ids.account, "preview", "not-offered", NULL));
  tern_store_free (store);
  start_app (f, TRUE);
  g_assert_cmpstr (tern_window_get_page (f->window), ==, "mail");

  g_action_group_activate_action (G_ACTION_GROUP (f->app), "preferences", NULL);
  prefs = wait_toplevel (TERN_TYPE_PREFERENCES);
  for (guint i = 0; (expander = find_type (GTK_WIDGET (prefs), ADW_TYPE_EXPANDER_ROW, i)) != NULL; i++)
    if (g_strcmp0 (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (expander)), "demo") == 0)
      break;
  g_assert_nonnull (expander);
  /* Preview lines from the server: not offered there, so insensitive, saying why. */
  g_assert_false (gtk_widget_is_sensitive (need_named (expander, "server-previews")));
  g_assert_true (strstr (adw_action_row_get_subtitle (ADW_ACTION_ROW (need_named (expander, "server-previews-row"))),
                         "does not offer") != NULL);
  delete_mode = need_named (expander, "delete-mode");
  days = need_named (expander, "offline-days");
  max_size = need_named (expander, "offline-max-size");

  /* Deleting: mark deleted and expunge, then Trash again. */
  g_assert_cmpuint (adw_combo_row_get_selected (ADW_COMBO_ROW (delete_mode)), ==, 0);
  adw_combo_row_set_selected (ADW_COMBO_ROW (delete_mode), 1);
  account = tern_store_get_account_by_id (f->store, f->ids.account, NULL);
  g_assert_cmpstr (account->delete_mode, ==, "expunge");
  g_clear_pointer (&account, tern_account_free);

  /* ... and the window's delete follows it: no Trash, no undo. */
  {
    gint64 id;
    g_autoptr(TernMessage) m = NULL;

    tern_test_cache_add_messages (f->store, f->ids.inbox, 1, 3);
    tern_window_refresh (f->window);
    id = tern_message_model_get_id (tern_window_get_message_model (f->window), 0);
    gtk_selection_model_select_item (tern_window_get_selection (f->window), 0, TRUE);
    gtk_widget_activate_action (GTK_WIDGET (f->window), "win.delete", NULL);
    m = tern_store_get_message (f->store, id, NULL);
    g_assert_true (m == NULL || m->folder_id != f->ids.trash);
  }

  adw_combo_row_set_selected (ADW_COMBO_ROW (delete_mode), 0);
  account = tern_store_get_account_by_id (f->store, f->ids.account, NULL);
  g_assert_cmpstr (account->delete_mode, ==, "trash");
  g_clear_pointer (&account, tern_account_free);

  /* Offline: 7 days of bodies, attachments up to 512 KiB. */
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (days), 7);
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (max_size), 512);
  account = tern_store_get_account_by_id (f->store, f->ids.account, NULL);
  g_assert_cmpint (account->offline_days, ==, 7);
  g_assert_cmpint (account->offline_max_size, ==, 512 * 1024);
  map = g_settings_get_value (tern_application_get_settings (f->app), "offline-days");
  g_assert_true (g_variant_lookup (map, "demo", "i", &value));
  g_assert_cmpint (value, ==, 7);
  g_clear_pointer (&map, g_variant_unref);
  map = g_settings_get_value (tern_application_get_settings (f->app), "offline-max-size");
  g_assert_true (g_variant_lookup (map, "demo", "i", &value));
  g_assert_cmpint (value, ==, 512);

  /* Opened again, the preferences show what was set. */
  gtk_window_destroy (prefs);
  g_action_group_activate_action (G_ACTION_GROUP (f->app), "preferences", NULL);
  prefs = wait_toplevel (TERN_TYPE_PREFERENCES);
  g_assert_cmpint (gtk_spin_button_get_value_as_int (GTK_SPIN_BUTTON (need_named (GTK_WIDGET (prefs), "offline-days"))), ==, 7);
}

int
main (int   argc,
      char *argv[])
{
  GTestDBus *bus;
  int status;

  g_setenv ("TERN_TEST_URI_LOG", "/dev/null", TRUE);
  /* A session bus of our own, before anything connects to one. */
  bus = tern_test_ui_init_with_bus (&argc, &argv);
  tern_test_ui_start_keyring ();
  start_notification_service ();

  g_test_add ("/ui-prefs/welcome", Fixture, NULL, set_up, test_welcome, tear_down);
  g_test_add ("/ui-prefs/add-account", Fixture, NULL, server_set_up, test_add_account, tear_down);
  g_test_add ("/ui-prefs/test-connection-errors", Fixture, NULL, server_set_up, test_connection_errors, tear_down);
  g_test_add ("/ui-prefs/account-settings", Fixture, NULL, set_up, test_account_settings, tear_down);
  g_test_add ("/ui-prefs/new-mail-notification", Fixture, NULL, server_set_up, test_notification, tear_down);
  g_test_add ("/ui-prefs/notification-buttons", Fixture, NULL, server_set_up, test_notification_buttons, tear_down);
  g_test_add ("/ui-prefs/add-account-validation", Fixture, NULL, set_up, test_add_account_validation, tear_down);
  g_test_add ("/ui-prefs/demo", Fixture, NULL, set_up, test_demo, tear_down);
  g_test_add ("/ui-prefs/resizable-panes", Fixture, NULL, set_up, test_panes, tear_down);

  status = g_test_run ();

  tern_test_ui_stop_keyring ();
  {
    g_autoptr(GDBusConnection) connection = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, NULL);

    /* The bus goes away with us: that is no reason to be killed on the way out. */
    if (connection != NULL)
      g_dbus_connection_set_exit_on_close (connection, FALSE);
  }
  g_test_dbus_stop (bus);
  return status;
}
