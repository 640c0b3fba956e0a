/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "tern-application"

#include "config.h"

#include <signal.h>
#include <string.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif

#include <glib/gi18n.h>

#include "tern-application.h"
#include "tern-notifications.h"
#include "tern-renderer.h"
#include "tern-rules-push.h"
#include "tern-composer-window.h"
#include "tern-outbox.h"
#include "tern-contacts-window.h"
#include "tern-preferences.h"
#include "tern-window.h"

struct _TernApplication
{
  AdwApplication  parent_instance;

  /* Owned. */
  TernStore      *store;
  TernMailService *service;     /* over store */
  GSettings      *settings;
  GHashTable     *workers;      /* account id -> TernAccountWorker */
  GPtrArray      *order;        /* TernAccountWorker, account order */
  char           *data_dir;

  GSubprocess    *demo_server;
  TernContactsCollect *contacts_collect;  /* the address book's scan of the Sent folders */

  gboolean        work_offline;
  gboolean        start_workers;
};

G_DEFINE_FINAL_TYPE (TernApplication, tern_application, ADW_TYPE_APPLICATION)

enum {
  SIGNAL_ACCOUNTS_CHANGED,
  SIGNAL_NOTIFICATION_SENT,
  N_SIGNALS
};

static guint signals [N_SIGNALS];

/* The settings schema (APP_ID: org.gnome.Tern, or org.gnome.Tern.Devel for the development
 * profile) where it was installed: through XDG_DATA_DIRS or GSETTINGS_SCHEMA_DIR as for every
 * app, else in Tern's own prefix, which need not be on XDG_DATA_DIRS (meson install
 * --prefix /opt/tern). Running from the build folder, `meson devenv` sets GSETTINGS_SCHEMA_DIR. */
static GSettingsSchema *
lookup_schema (void)
{
  GSettingsSchemaSource *source = g_settings_schema_source_get_default ();
  g_autoptr(GSettingsSchemaSource) installed = NULL;
  GSettingsSchema *schema = NULL;

  if (source != NULL)
    schema = g_settings_schema_source_lookup (source, APP_ID, TRUE);
  if (schema == NULL)
    {
      installed = g_settings_schema_source_new_from_directory (TERN_SCHEMA_DIR, source, FALSE, NULL);
      if (installed != NULL)
        schema = g_settings_schema_source_lookup (installed, APP_ID, FALSE);
    }
  return schema;
}

/* Stored by GLib's default backend (dconf on a desktop), so they outlive the process. Without
 * the schema there are no settings at all: `tern` refuses to start (handle_local_options()),
 * never silently keeps them in memory only. */
static GSettings *
settings_new (void)
{
  g_autoptr(GSettingsSchema) schema = lookup_schema ();

  return schema != NULL ? g_settings_new_full (schema, NULL, NULL) : NULL;
}

gboolean
tern_application_open_cache (TernApplication  *self,
                             const char       *data_dir,
                             GError          **error)
{
  g_autofree char *path = NULL;

  g_return_val_if_fail (TERN_IS_APPLICATION (self), FALSE);

  if (self->store != NULL)
    return TRUE;
  g_free (self->data_dir);
  self->data_dir = data_dir ? g_canonicalize_filename (data_dir, NULL)
                            : g_build_filename (g_get_user_data_dir (), TERN_DATA_NAME, NULL);
  if (g_mkdir_with_parents (self->data_dir, 0700) != 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, _("Cannot create %s"), self->data_dir);
      return FALSE;
    }
  path = g_build_filename (self->data_dir, "tern.db", NULL);
  self->store = tern_store_open (path, error);
  if (self->store != NULL)
    {
      self->service = tern_mail_service_new (self->store);
      self->contacts_collect = tern_contacts_collect_sent_start (path);
    }
  return self->store != NULL;
}

static void
worker_changed_cb (TernApplication *self)
{
  g_signal_emit (self, signals [SIGNAL_ACCOUNTS_CHANGED], 0);
}

void
tern_application_reload_accounts (TernApplication *self)
{
  g_autoptr(GPtrArray) accounts = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GHashTable) seen = g_hash_table_new (g_int64_hash, g_int64_equal);

  g_return_if_fail (TERN_IS_APPLICATION (self));

  if (self->store == NULL)
    return;
  accounts = tern_store_list_accounts (self->store, &error);
  if (accounts == NULL)
    {
      g_debug ("Cannot list accounts: %s", error->message);
      return;
    }

  g_ptr_array_set_size (self->order, 0);
  for (guint i = 0; i < accounts->len; i++)
    {
      const TernAccount *account = accounts->pdata[i];
      TernAccountWorker *worker = g_hash_table_lookup (self->workers, &account->id);

      if (worker == NULL)
        {
          worker = tern_account_worker_new (self->store, account->id);
          tern_account_worker_set_work_offline (worker, self->work_offline);
          g_hash_table_insert (self->workers, g_memdup2 (&account->id, sizeof (gint64)), worker);
          tern_mail_service_add_worker (self->service, worker);
          tern_rules_push_watch (worker, self->store);
          if (self->start_workers)
            tern_account_worker_start (worker);
        }
      g_ptr_array_add (self->order, g_object_ref (worker));
      g_hash_table_add (seen, (gpointer) &account->id);
    }

  /* Accounts removed meanwhile: stop their workers. */
  {
    GHashTableIter iter;
    gpointer key, value;

    g_hash_table_iter_init (&iter, self->workers);
    while (g_hash_table_iter_next (&iter, &key, &value))
      if (!g_hash_table_contains (seen, key))
        {
          tern_mail_service_remove_worker (self->service, *(gint64 *) key);
          g_hash_table_iter_remove (&iter);
        }
  }

  worker_changed_cb (self);
}

TernStore *
tern_application_get_store (TernApplication *self)
{
  g_return_val_if_fail (TERN_IS_APPLICATION (self), NULL);

  return self->store;
}

TernMailService *
tern_application_get_mail_service (TernApplication *self)
{
  g_return_val_if_fail (TERN_IS_APPLICATION (self), NULL);

  return self->service;
}

GSettings *
tern_application_get_settings (TernApplication *self)
{
  g_return_val_if_fail (TERN_IS_APPLICATION (self), NULL);

  return self->settings;
}

TernAccountWorker *
tern_application_get_worker (TernApplication *self,
                             gint64           account_id)
{
  g_return_val_if_fail (TERN_IS_APPLICATION (self), NULL);

  return g_hash_table_lookup (self->workers, &account_id);
}

GPtrArray *
tern_application_list_workers (TernApplication *self)
{
  g_autoptr(GPtrArray) list = g_ptr_array_new ();

  g_return_val_if_fail (TERN_IS_APPLICATION (self), NULL);

  for (guint i = 0; i < self->order->len; i++)
    g_ptr_array_add (list, self->order->pdata[i]);
  return g_steal_pointer (&list);
}

gboolean
tern_application_get_work_offline (TernApplication *self)
{
  g_return_val_if_fail (TERN_IS_APPLICATION (self), FALSE);

  return self->work_offline;
}

void
tern_application_set_work_offline (TernApplication *self,
                                   gboolean         work_offline)
{
  GAction *action;

  g_return_if_fail (TERN_IS_APPLICATION (self));

  self->work_offline = !!work_offline;
  for (guint i = 0; i < self->order->len; i++)
    tern_account_worker_set_work_offline (self->order->pdata[i], self->work_offline);
  action = g_action_map_lookup_action (G_ACTION_MAP (self), "work-offline");
  if (action != NULL)
    g_simple_action_set_state (G_SIMPLE_ACTION (action), g_variant_new_boolean (self->work_offline));
  if (self->settings != NULL)
    g_settings_set_boolean (self->settings, "work-offline", self->work_offline);
}

void
tern_application_set_start_workers (TernApplication *self,
                                    gboolean         start)
{
  g_return_if_fail (TERN_IS_APPLICATION (self));

  self->start_workers = start;
}

/* Desktop notifications. */

static gboolean
name_has_owner (GDBusConnection *bus,
                const char      *name)
{
  g_autoptr(GVariant) reply = NULL;
  gboolean owned = FALSE;

  reply = g_dbus_connection_call_sync (bus, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                       "org.freedesktop.DBus", "NameHasOwner",
                                       g_variant_new ("(s)", name), G_VARIANT_TYPE ("(b)"),
                                       G_DBUS_CALL_FLAGS_NONE, 1000, NULL, NULL);
  if (reply != NULL)
    g_variant_get (reply, "(b)", &owned);
  return owned;
}

static gboolean
name_is_activatable (GDBusConnection *bus,
                     const char      *name)
{
  g_autoptr(GVariant) reply = NULL;
  g_autofree const char **names = NULL;

  reply = g_dbus_connection_call_sync (bus, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                       "org.freedesktop.DBus", "ListActivatableNames", NULL,
                                       G_VARIANT_TYPE ("(as)"), G_DBUS_CALL_FLAGS_NONE, 1000,
                                       NULL, NULL);
  if (reply == NULL)
    return FALSE;
  g_variant_get (reply, "(^a&s)", &names);
  return g_strv_contains (names, name);
}

/* Whether GApplication has anyone to give a notification to. A session without a
 * notification service (a bare D-Bus session, a test) would otherwise get a warning from
 * GLib's fallback backend for every notification; sandboxed apps always have the portal. */
static gboolean
notifications_available (TernApplication *self)
{
  GDBusConnection *bus = g_application_get_dbus_connection (G_APPLICATION (self));

  if (bus == NULL)
    return FALSE;
  if (g_file_test ("/.flatpak-info", G_FILE_TEST_EXISTS) || g_getenv ("GTK_USE_PORTAL") != NULL)
    return TRUE;
  return name_has_owner (bus, "org.gtk.Notifications") ||
         name_has_owner (bus, "org.freedesktop.Notifications") ||
         name_is_activatable (bus, "org.freedesktop.Notifications");
}

gboolean
tern_application_send_notification (TernApplication *self,
                                    const char      *id,
                                    GNotification   *notification)
{
  g_return_val_if_fail (TERN_IS_APPLICATION (self), FALSE);
  g_return_val_if_fail (G_IS_NOTIFICATION (notification), FALSE);

  if (!notifications_available (self))
    {
      g_debug ("No notification service on the session bus: “%s” not shown", id);
      return FALSE;
    }
  g_application_send_notification (G_APPLICATION (self), id, notification);
  g_signal_emit (self, signals [SIGNAL_NOTIFICATION_SENT], 0, id, notification);
  return TRUE;
}

/* Actions. */

static void
work_offline_cb (GSimpleAction *action,
                 GVariant      *state,
                 gpointer       user_data)
{
  tern_application_set_work_offline (TERN_APPLICATION (user_data), g_variant_get_boolean (state));
}

static void
quit_cb (GSimpleAction *action,
         GVariant      *parameter,
         gpointer       user_data)
{
  GApplication *app = G_APPLICATION (user_data);
  GList *windows = gtk_application_get_windows (GTK_APPLICATION (app));

  for (GList *l = windows; l != NULL; l = l->next)
    gtk_window_close (l->data);
  g_application_quit (app);
}

static void
preferences_cb (GSimpleAction *action,
                GVariant      *parameter,
                gpointer       user_data)
{
  TernApplication *self = TERN_APPLICATION (user_data);
  GtkWindow *parent = gtk_application_get_active_window (GTK_APPLICATION (self));
  GtkWindow *prefs = GTK_WINDOW (tern_preferences_new (self));

  gtk_window_set_transient_for (prefs, parent);
  gtk_window_present (prefs);
}

static void
contacts_cb (GSimpleAction *action,
             GVariant      *parameter,
             gpointer       user_data)
{
  TernApplication *self = TERN_APPLICATION (user_data);
  GtkWindow *parent = gtk_application_get_active_window (GTK_APPLICATION (self));
  GtkWindow *contacts = GTK_WINDOW (tern_contacts_window_new (self));

  gtk_window_set_transient_for (contacts, parent);
  gtk_window_present (contacts);
}

static void
add_account_cb (GSimpleAction *action,
                GVariant      *parameter,
                gpointer       user_data)
{
  TernApplication *self = TERN_APPLICATION (user_data);
  GtkWindow *parent = gtk_application_get_active_window (GTK_APPLICATION (self));
  TernPreferences *prefs = tern_preferences_new (self);

  gtk_window_set_transient_for (GTK_WINDOW (prefs), parent);
  tern_preferences_show_add_account (prefs);
  gtk_window_present (GTK_WINDOW (prefs));
}

static void
about_cb (GSimpleAction *action,
          GVariant      *parameter,
          gpointer       user_data)
{
  TernApplication *self = TERN_APPLICATION (user_data);
  GtkWindow *parent = gtk_application_get_active_window (GTK_APPLICATION (self));
  const char *developers[] = { "The Tern developers", NULL };

  adw_show_about_window (parent,
                         "application-name", _("Tern"),
                         "application-icon", APP_ID,
                         "version", PACKAGE_VERSION,
                         "comments", _("Offline-first email"),
                         "license-type", GTK_LICENSE_GPL_3_0,
                         "developers", developers,
                         NULL);
}

/* "Try the demo": a private Dovecot with the demo mailbox, from the demo server installed
 * beside Tern (libexecdir), or the one $TERN_DEMO_SERVER names (the build folder's, set by
 * `meson devenv` and the tests). Without one the button is insensitive. */

#define DEMO_PASSWORD_COMMAND "echo secret"

static char *
find_demo_server (void)
{
  const char *env = g_getenv ("TERN_DEMO_SERVER");
  const char *program = env != NULL && *env != '\0' ? env : TERN_DEMO_SERVER_PATH;

  return g_file_test (program, G_FILE_TEST_IS_EXECUTABLE) ? g_strdup (program) : NULL;
}

static void
show_toast (TernApplication *self,
            const char      *text)
{
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (self));
  AdwToastOverlay *toasts = window ? g_object_get_data (G_OBJECT (window), "tern-toasts") : NULL;

  if (toasts != NULL)
    adw_toast_overlay_add_toast (toasts, adw_toast_new (text));
}

static void
set_demo_enabled (TernApplication *self,
                  gboolean         enabled)
{
  GAction *action = g_action_map_lookup_action (G_ACTION_MAP (self), "demo");

  if (action != NULL)
    g_simple_action_set_enabled (G_SIMPLE_ACTION (action), enabled);
}

static void
stop_demo_server (TernApplication *self)
{
  if (self->demo_server == NULL)
    return;
  /* SIGTERM: it stops its Dovecot and removes its folder. */
  g_subprocess_send_signal (self->demo_server, SIGTERM);
  g_subprocess_wait (self->demo_server, NULL, NULL);
  g_clear_object (&self->demo_server);
}

typedef struct
{
  TernApplication  *app;
  GDataInputStream *lines;
  GHashTable       *values;
} DemoStart;

static void
demo_start_free (DemoStart *d)
{
  g_object_unref (d->app);
  g_object_unref (d->lines);
  g_hash_table_unref (d->values);
  g_free (d);
}

static void demo_line_cb (GObject *source, GAsyncResult *result, gpointer user_data);

/* The account "Try the demo" added in an earlier run (an account of the user's that happens to
 * be called "demo" was not added by it, and has no such password command). */
static gboolean
is_demo_account (TernApplication   *self,
                 const TernAccount *account)
{
  return account != NULL && g_strcmp0 (account->password_command, DEMO_PASSWORD_COMMAND) == 0 &&
         self->settings != NULL && g_settings_get_boolean (self->settings, "demo-added");
}

/* One of the demo's accounts, name for user ("demo": bob, whose mailbox it is; "team": alice,
 * who shares her Team folder with him), with sending through the demo server's submission
 * port (implicit TLS, its mail kept by the server's sink). The server picks new ports each
 * time: such an account from an earlier run is replaced (only the demo's own: an account of
 * the user's that happens to have that name stays). */
static gboolean
add_demo_account (TernApplication  *self,
                  DemoStart        *d,
                  const char       *name,
                  const char       *user,
                  GError          **error)
{
  g_autoptr(TernAccount) earlier = NULL;
  g_autoptr(TernAccount) added = NULL;
  g_autofree char *email = g_strdup_printf ("%s@example.org", user);
  const char *port = g_hash_table_lookup (d->values, "TERN_TEST_IMAPS_PORT");
  const char *submissions = g_hash_table_lookup (d->values, "TERN_TEST_SUBMISSIONS_PORT");
  TernAccount account = { 0 };
  TernSmtpSettings smtp = { 0 };
  g_autoptr(GError) smtp_error = NULL;

  account.name = (char *) name;
  account.email = email;
  account.host = g_hash_table_lookup (d->values, "TERN_TEST_HOST");
  account.port = port ? (guint) g_ascii_strtoull (port, NULL, 10) : 0;
  account.security = (char *) "tls";
  account.user = (char *) user;
  account.password_command = (char *) DEMO_PASSWORD_COMMAND;
  account.ca_file = g_hash_table_lookup (d->values, "TERN_TEST_CA_FILE");
  account.delete_mode = (char *) "trash";

  earlier = tern_store_get_account (self->store, name, NULL);
  if (earlier != NULL && g_strcmp0 (earlier->password_command, DEMO_PASSWORD_COMMAND) == 0)
    {
      tern_store_remove_account (self->store, name, NULL);
      tern_application_reload_accounts (self);
    }
  if (account.host == NULL || account.port == 0)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_FAILED, _("the demo server did not say where it is"));
      return FALSE;
    }
  if (!tern_store_add_account (self->store, &account, NULL, error))
    return FALSE;

  added = tern_store_get_account (self->store, name, NULL);
  smtp.account_id = added != NULL ? added->id : 0;
  smtp.host = account.host;
  smtp.port = submissions ? (guint) g_ascii_strtoull (submissions, NULL, 10) : 0;
  smtp.security = (char *) "tls";
  smtp.user = (char *) user;
  if (added == NULL || smtp.port == 0 || !tern_outbox_set_smtp (self->store, &smtp, &smtp_error))
    g_debug ("The demo has no outgoing server: %s", smtp_error ? smtp_error->message : "no port");
  return TRUE;
}

static void
demo_ready (DemoStart *d)
{
  TernApplication *self = d->app;
  g_autoptr(GError) error = NULL;
  const char *user = g_hash_table_lookup (d->values, "TERN_TEST_USER");

  /* Two accounts, as a person with a mailbox of their own and a team's has: All Inboxes shows. */
  if (!add_demo_account (self, d, "demo", user ? user : "bob", &error) ||
      !add_demo_account (self, d, "team", "alice", &error))
    {
      g_autofree char *text = g_strdup_printf (_("Cannot add the demo account: %s"), error->message);

      show_toast (self, text);
      stop_demo_server (self);
      set_demo_enabled (self, TRUE);
      return;
    }
  if (self->settings != NULL)
    g_settings_set_boolean (self->settings, "demo-added", TRUE);
  tern_application_reload_accounts (self);
}

static void
demo_line_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  DemoStart *d = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *line = g_data_input_stream_read_line_finish_utf8 (G_DATA_INPUT_STREAM (source),
                                                                      result, NULL, &error);
  char *eq;

  if (line == NULL)
    {
      g_autofree char *log = g_build_filename (d->app->data_dir, "demo-server.log", NULL);
      g_autofree char *contents = NULL;
      g_autofree char *text = NULL;
      char *last = NULL;

      /* Its own words on why (the last line it wrote), the whole story in the log. */
      if (g_file_get_contents (log, &contents, NULL, NULL))
        {
          g_strchomp (contents);
          last = strrchr (contents, '\n');
          last = last ? last + 1 : contents;
        }
      g_debug ("The demo server stopped before it was ready: %s", error ? error->message : "EOF");
      if (last != NULL && *last != '\0')
        text = g_strdup_printf (_("The demo server could not start: %s"), last);
      else
        text = g_strdup (_("The demo server could not start"));
      show_toast (d->app, text);
      stop_demo_server (d->app);
      set_demo_enabled (d->app, TRUE);
      demo_start_free (d);
      return;
    }
  if (g_str_equal (line, "READY"))
    {
      demo_ready (d);
      demo_start_free (d);
      return;
    }
  if ((eq = strchr (line, '=')) != NULL)
    {
      *eq = '\0';
      g_hash_table_insert (d->values, g_strdup (line), g_strdup (eq + 1));
    }
  g_data_input_stream_read_line_async (d->lines, G_PRIORITY_DEFAULT, NULL, demo_line_cb, d);
}

#ifdef __linux__
static void
demo_child_setup_cb (gpointer data)
{
  /* The demo server and its Dovecot do not outlive Tern, even when it crashes. */
  prctl (PR_SET_PDEATHSIG, SIGTERM);
}
#endif

static void
demo_cb (GSimpleAction *action,
         GVariant      *parameter,
         gpointer       user_data)
{
  TernApplication *self = TERN_APPLICATION (user_data);
  g_autofree char *program = find_demo_server ();
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *log = NULL;
  DemoStart *d;

  if (program == NULL || self->demo_server != NULL || self->store == NULL)
    return;
  /* A fresh server in a folder of its own, removed when it stops: its ports change, and a
   * demo mailbox written twice into one folder would hold every message twice. */
  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  /* What it says goes to a log beside the cache, for a failure to be explained. */
  log = g_build_filename (self->data_dir, "demo-server.log", NULL);
  g_subprocess_launcher_set_stderr_file_path (launcher, log);
#ifdef __linux__
  g_subprocess_launcher_set_child_setup (launcher, demo_child_setup_cb, NULL, NULL);
#endif
  self->demo_server = g_subprocess_launcher_spawn (launcher, &error, program, "--demo", "--flags", "submission",
                                                  NULL);
  if (self->demo_server == NULL)
    {
      g_autofree char *text = g_strdup_printf (_("Cannot start the demo server: %s"), error->message);

      show_toast (self, text);
      return;
    }
  /* One demo at a time; the button is back if it fails. */
  set_demo_enabled (self, FALSE);
  d = g_new0 (DemoStart, 1);
  d->app = g_object_ref (self);
  d->lines = g_data_input_stream_new (g_subprocess_get_stdout_pipe (self->demo_server));
  d->values = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_data_input_stream_read_line_async (d->lines, G_PRIORITY_DEFAULT, NULL, demo_line_cb, d);
}

static void compose_mailto_cb (GSimpleAction *action, GVariant *parameter, gpointer user_data);

static const GActionEntry app_actions[] = {
  { "demo", demo_cb, NULL, NULL, NULL, { 0 } },
  { "quit", quit_cb, NULL, NULL, NULL, { 0 } },
  { "preferences", preferences_cb, NULL, NULL, NULL, { 0 } },
  { "add-account", add_account_cb, NULL, NULL, NULL, { 0 } },
  { "contacts", contacts_cb, NULL, NULL, NULL, { 0 } },
  { "about", about_cb, NULL, NULL, NULL, { 0 } },
  { "work-offline", NULL, NULL, "false", work_offline_cb, { 0 } },
  { "compose-mailto", compose_mailto_cb, "s", NULL, NULL, { 0 } },
};

/* GApplication. */

static void
tern_application_startup (GApplication *app)
{
  TernApplication *self = TERN_APPLICATION (app);
  static const char *quit_accels[] = { "<Ctrl>q", NULL };
  static const char *prefs_accels[] = { "<Ctrl>comma", NULL };

  G_APPLICATION_CLASS (tern_application_parent_class)->startup (app);
  tern_renderer_choose (gdk_display_get_default ());

  g_action_map_add_action_entries (G_ACTION_MAP (self), app_actions, G_N_ELEMENTS (app_actions), self);
  tern_notifications_add_actions (self);
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "app.quit", quit_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "app.preferences", prefs_accels);

  {
    g_autofree char *demo = find_demo_server ();
    GAction *action = g_action_map_lookup_action (G_ACTION_MAP (self), "demo");

    g_simple_action_set_enabled (G_SIMPLE_ACTION (action), demo != NULL);
  }
  self->settings = settings_new ();
  if (self->settings != NULL && g_settings_get_boolean (self->settings, "work-offline"))
    self->work_offline = TRUE;
  {
    GAction *action = g_action_map_lookup_action (G_ACTION_MAP (self), "work-offline");

    g_simple_action_set_state (G_SIMPLE_ACTION (action), g_variant_new_boolean (self->work_offline));
  }
}

/* The demo's server lived only as long as the Tern that started it: a demo account from an
 * earlier run gets a fresh one (which replaces the account), instead of staying offline. */
static void
restart_demo (TernApplication *self)
{
  g_autoptr(TernAccount) demo = NULL;

  if (self->store == NULL || self->demo_server != NULL)
    return;
  demo = tern_store_get_account (self->store, "demo", NULL);
  if (is_demo_account (self, demo) && g_action_group_get_action_enabled (G_ACTION_GROUP (self), "demo"))
    g_action_group_activate_action (G_ACTION_GROUP (self), "demo", NULL);
}

static void
tern_application_activate (GApplication *app)
{
  TernApplication *self = TERN_APPLICATION (app);
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (self));
  g_autoptr(GError) error = NULL;

  if (window == NULL)
    {
      if (self->store == NULL && !tern_application_open_cache (self, NULL, &error))
        {
          g_printerr ("tern: %s\n", error->message);
          g_application_quit (app);
          return;
        }
      tern_application_reload_accounts (self);
      window = GTK_WINDOW (tern_window_new (self));
#if DEVELOPMENT_BUILD
      /* GNOME's mark of a development build: a striped header bar. */
      gtk_widget_add_css_class (GTK_WIDGET (window), "devel");
#endif
      restart_demo (self);
    }
  gtk_window_present (window);
}

/* Writing. */

TernComposerWindow *
tern_application_compose (TernApplication *self,
                          TernComposeMode  mode,
                          gint64           account_id,
                          gint64           message_id)
{
  TernComposerWindow *composer;

  g_return_val_if_fail (TERN_IS_APPLICATION (self), NULL);

  if (self->store == NULL || self->order->len == 0)
    return NULL;
  composer = tern_composer_window_new (self, mode, account_id, message_id);
  gtk_window_present (GTK_WINDOW (composer));
  return composer;
}

TernComposerWindow *
tern_application_compose_mailto (TernApplication *self,
                                 const char      *uri)
{
  g_autoptr(TernMailto) mailto = NULL;
  g_autoptr(GError) error = NULL;
  TernComposerWindow *composer;

  g_return_val_if_fail (TERN_IS_APPLICATION (self), NULL);

  if ((mailto = tern_compose_parse_mailto (uri, &error)) == NULL)
    {
      g_debug ("%s", error->message);
      return NULL;
    }
  composer = tern_application_compose (self, TERN_COMPOSE_NEW, 0, 0);
  if (composer != NULL)
    tern_composer_window_apply_mailto (composer, mailto);
  return composer;
}

static void
compose_mailto_cb (GSimpleAction *action,
                   GVariant      *parameter,
                   gpointer       user_data)
{
  tern_application_compose_mailto (TERN_APPLICATION (user_data), g_variant_get_string (parameter, NULL));
}

/* mailto: links (the desktop file registers Tern for them): a composer each. Without an
 * account yet, the window says so. */
static void
tern_application_open (GApplication  *app,
                       GFile        **files,
                       int            n_files,
                       const char    *hint)
{
  TernApplication *self = TERN_APPLICATION (app);
  GtkWindow *window;

  g_application_activate (app);
  window = gtk_application_get_active_window (GTK_APPLICATION (app));
  for (int i = 0; i < n_files && window != NULL; i++)
    {
      g_autofree char *uri = g_file_get_uri (files[i]);
      AdwToastOverlay *toasts = g_object_get_data (G_OBJECT (window), "tern-toasts");

      if (g_ascii_strncasecmp (uri, "mailto:", 7) != 0)
        continue;
      if (tern_application_compose_mailto (self, uri) == NULL && toasts != NULL)
        adw_toast_overlay_add_toast (toasts, adw_toast_new (_("Add an account to write mail")));
    }
}

static int
tern_application_handle_local_options (GApplication *app,
                                       GVariantDict *options)
{
  TernApplication *self = TERN_APPLICATION (app);
  const char *data_dir = NULL;
  g_autoptr(GError) error = NULL;

  if (g_variant_dict_contains (options, "version"))
    {
#if DEVELOPMENT_BUILD
      g_print ("tern %s (development build, %s)\n", PACKAGE_VERSION, APP_ID);
#else
      g_print ("tern %s\n", PACKAGE_VERSION);
#endif
      return 0;
    }
  {
    g_autoptr(GSettingsSchema) schema = lookup_schema ();

    if (schema == NULL)
      {
        g_printerr (_("tern: the settings schema %s is not installed (looked in $XDG_DATA_DIRS and "
                      "%s). Install Tern with “meson install”, or run it from its build folder with "
                      "“meson devenv”.\n"), APP_ID, TERN_SCHEMA_DIR);
        return 1;
      }
  }
  g_variant_dict_lookup (options, "data-dir", "^&ay", &data_dir);
  if (data_dir != NULL || g_variant_dict_contains (options, "offline"))
    {
      /* A private cache: run as its own instance, not through a running Tern. */
      g_application_set_flags (app, g_application_get_flags (app) | G_APPLICATION_NON_UNIQUE);
    }
  if (data_dir != NULL && !tern_application_open_cache (self, data_dir, &error))
    {
      g_printerr ("tern: %s\n", error->message);
      return 1;
    }
  if (g_variant_dict_contains (options, "offline"))
    self->work_offline = TRUE;
  return -1;
}

static void
tern_application_shutdown (GApplication *app)
{
  TernApplication *self = TERN_APPLICATION (app);

  /* Workers first: they use the cache file. */
  g_ptr_array_set_size (self->order, 0);
  if (self->service != NULL)
    {
      GHashTableIter iter;
      gpointer key;

      g_hash_table_iter_init (&iter, self->workers);
      while (g_hash_table_iter_next (&iter, &key, NULL))
        tern_mail_service_remove_worker (self->service, *(gint64 *) key);
    }
  g_hash_table_remove_all (self->workers);
  g_clear_pointer (&self->contacts_collect, tern_contacts_collect_sent_stop);
  stop_demo_server (self);

  G_APPLICATION_CLASS (tern_application_parent_class)->shutdown (app);
}

static void
tern_application_finalize (GObject *object)
{
  TernApplication *self = TERN_APPLICATION (object);

  g_clear_pointer (&self->order, g_ptr_array_unref);
  g_clear_object (&self->service);
  g_clear_pointer (&self->workers, g_hash_table_unref);
  g_clear_object (&self->settings);
  /* An app that was never run (tests) has no shutdown: the demo server stops here. */
  stop_demo_server (self);
  g_clear_pointer (&self->contacts_collect, tern_contacts_collect_sent_stop);
  g_clear_pointer (&self->store, tern_store_free);
  g_free (self->data_dir);

  G_OBJECT_CLASS (tern_application_parent_class)->finalize (object);
}

static void
tern_application_class_init (TernApplicationClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GApplicationClass *app_class = G_APPLICATION_CLASS (klass);

  object_class->finalize = tern_application_finalize;
  app_class->startup = tern_application_startup;
  app_class->activate = tern_application_activate;
  app_class->open = tern_application_open;
  app_class->handle_local_options = tern_application_handle_local_options;
  app_class->shutdown = tern_application_shutdown;

  /* The accounts or their workers changed. */
  signals [SIGNAL_ACCOUNTS_CHANGED] =
    g_signal_new ("accounts-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 0);
  /* A desktop notification was handed to the notification service (id, GNotification). */
  signals [SIGNAL_NOTIFICATION_SENT] =
    g_signal_new ("notification-sent", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 2, G_TYPE_STRING, G_TYPE_NOTIFICATION);
}

static void
tern_application_init (TernApplication *self)
{
  const GOptionEntry entries[] = {
    { "data-dir", 0, 0, G_OPTION_ARG_FILENAME, NULL,
      N_("Cache folder (default $XDG_DATA_HOME/tern)"), N_("DIR") },
    { "offline", 0, 0, G_OPTION_ARG_NONE, NULL, N_("Start in “Work offline” mode"), NULL },
    { "version", 0, 0, G_OPTION_ARG_NONE, NULL, N_("Print the version"), NULL },
    G_OPTION_ENTRY_NULL
  };

  self->workers = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, g_object_unref);
  self->order = g_ptr_array_new_with_free_func (g_object_unref);
  self->start_workers = TRUE;
  g_application_add_main_option_entries (G_APPLICATION (self), entries);
}

TernApplication *
tern_application_new (void)
{
  return g_object_new (TERN_TYPE_APPLICATION,
                       "application-id", APP_ID,
                       "flags", G_APPLICATION_HANDLES_OPEN,
                       "resource-base-path", "/org/gnome/Tern",
                       NULL);
}

void
tern_open_uri (const char *uri)
{
  const char *log = g_getenv ("TERN_TEST_URI_LOG");
  g_autoptr(GError) error = NULL;

  if (log != NULL)
    {
      /* Tests record what would have opened instead of starting a browser. */
      g_autofree char *line = g_strdup_printf ("%s\n", uri);
      g_autoptr(GFile) file = g_file_new_for_path (log);
      g_autoptr(GFileOutputStream) out = g_file_append_to (file, G_FILE_CREATE_NONE, NULL, NULL);

      if (out != NULL)
        g_output_stream_write_all (G_OUTPUT_STREAM (out), line, strlen (line), NULL, NULL, NULL);
      return;
    }
  if (!g_app_info_launch_default_for_uri (uri, NULL, &error))
    g_debug ("Cannot open %s: %s", uri, error->message);
}
