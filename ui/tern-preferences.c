/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "tern-preferences"

#include "config.h"

#include <glib/gi18n.h>
#include <glib/gstdio.h>

#include "tern-identities-dialog.h"
#include "tern-rules-dialog.h"
#include "tern-outbox.h"
#include "tern-password.h"
#include "tern-preferences-private.h"
#include "tern-submit.h"
#include "tern-sync.h"

/*
 * Accounts: adding one (with "Test connection" and the certificate trust prompt), and per
 * account what stays available offline and what "delete" does. A connection test runs on
 * its own short-lived thread against a scratch cache: IMAP never blocks the main loop.
 */

G_DEFINE_FINAL_TYPE (TernPreferences, tern_preferences, ADW_TYPE_PREFERENCES_WINDOW)

static const char *security_ids[] = { "tls", "starttls", "none" };

/* The account described by the form; strings borrowed from the widgets. */
void
_tern_preferences_form_account (TernPreferences *self,
                                TernAccount     *account)
{
  const char *port = gtk_editable_get_text (GTK_EDITABLE (self->port));
  guint security = adw_combo_row_get_selected (ADW_COMBO_ROW (self->security));

  memset (account, 0, sizeof *account);
  account->name = (char *) gtk_editable_get_text (GTK_EDITABLE (self->name));
  account->email = (char *) gtk_editable_get_text (GTK_EDITABLE (self->email));
  account->host = (char *) gtk_editable_get_text (GTK_EDITABLE (self->host));
  account->security = (char *) security_ids[MIN (security, 2)];
  account->port = port && *port ? (guint) g_ascii_strtoull (port, NULL, 10)
                                : (security == 0 ? 993 : 143);
  account->user = (char *) gtk_editable_get_text (GTK_EDITABLE (self->user));
  if (*account->user == '\0')
    account->user = account->email;
  if (*account->name == '\0')
    account->name = account->email;
  account->pinned_sha256 = self->pinned_sha256;
  account->ca_file = self->ca_file;
  account->delete_mode = (char *) "trash";
}

/* Connection test. */

typedef struct
{
  GWeakRef  prefs;
  TernAccount account;
  char     *password;
  gboolean  ok;
  GError   *error;
  char     *sha256;
  char     *description;
  /* The outgoing server, if one is given: tried after the incoming one. */
  char     *smtp_host;
  guint     smtp_port;
  gboolean  smtp_starttls;
  gboolean  smtp_ok;
  GError   *smtp_error;
  char     *form;        /* the form tested */
} TestJob;

static void
test_job_free (TestJob *job)
{
  g_weak_ref_clear (&job->prefs);
  g_free (job->account.name);
  g_free (job->account.email);
  g_free (job->account.host);
  g_free (job->account.security);
  g_free (job->account.user);
  g_free (job->account.pinned_sha256);
  g_free (job->account.ca_file);
  g_free (job->account.delete_mode);
  g_free (job->password);
  g_clear_error (&job->error);
  g_free (job->sha256);
  g_free (job->description);
  g_free (job->smtp_host);
  g_clear_error (&job->smtp_error);
  g_free (job->form);
  g_free (job);
}

static void start_test (TernPreferences *self,
                        gboolean         then_add);

static void
trust_response_cb (AdwMessageDialog *dialog,
                   const char       *response,
                   TernPreferences  *self)
{
  if (g_strcmp0 (response, "trust") == 0)
    {
      g_free (self->pinned_sha256);
      self->pinned_sha256 = g_strdup (g_object_get_data (G_OBJECT (dialog), "sha256"));
      start_test (self, self->add_after_test);
    }
  else
    self->add_after_test = FALSE;
}

/* What the user reads under "Test connection": the kind of failure first, then the detail. */
static char *
describe_test_error (const GError *error)
{
  if (error == NULL)
    return g_strdup (_("Failed"));
  if (error->domain == TERN_SYNC_ERROR)
    switch ((TernSyncError) error->code)
      {
      case TERN_SYNC_ERROR_AUTH:
        return g_strdup_printf (_("The server did not accept the user name or password. %s"),
                                error->message);
      case TERN_SYNC_ERROR_OFFLINE:
      case TERN_SYNC_ERROR_TRANSIENT:
        return g_strdup_printf (_("Could not connect to the server. %s"), error->message);
      case TERN_SYNC_ERROR_INSECURE:
        return g_strdup_printf (_("Not logged in: no password is sent over an unencrypted "
                                  "connection. %s"), error->message);
      case TERN_SYNC_ERROR_CERTIFICATE:
      case TERN_SYNC_ERROR_CONFIG:
      case TERN_SYNC_ERROR_NO_SUCH_FOLDER:
      case TERN_SYNC_ERROR_PERMANENT:
      case TERN_SYNC_ERROR_PROTOCOL:
      default:
        break;
      }
  return g_strdup (error->message);
}

static void
set_test_status (TernPreferences *self,
                 const char      *text,
                 const char      *css_class)
{
  gtk_label_set_text (GTK_LABEL (self->test_status), text);
  gtk_widget_remove_css_class (self->test_status, "dim-label");
  gtk_widget_remove_css_class (self->test_status, "error");
  gtk_widget_remove_css_class (self->test_status, "success");
  gtk_widget_add_css_class (self->test_status, css_class);
}

/* The fields a failure is about, marked: the user sees where to look. */
static void
mark_fields (TernPreferences *self,
             const GError    *error,
             GtkWidget       *host,
             GtkWidget       *port,
             GtkWidget       *security,
             GtkWidget       *secret)
{
  if (error == NULL || error->domain != TERN_SYNC_ERROR)
    return;
  switch ((TernSyncError) error->code)
    {
    case TERN_SYNC_ERROR_AUTH:
      gtk_widget_add_css_class (secret, "error");
      if (secret == self->password)
        gtk_widget_add_css_class (self->user, "error");
      break;
    case TERN_SYNC_ERROR_OFFLINE:
    case TERN_SYNC_ERROR_TRANSIENT:
      gtk_widget_add_css_class (host, "error");
      gtk_widget_add_css_class (port, "error");
      break;
    case TERN_SYNC_ERROR_INSECURE:
    case TERN_SYNC_ERROR_CONFIG:
    case TERN_SYNC_ERROR_PROTOCOL:
      gtk_widget_add_css_class (port, "error");
      gtk_widget_add_css_class (security, "error");
      break;
    case TERN_SYNC_ERROR_CERTIFICATE:
      gtk_widget_add_css_class (host, "error");
      break;
    case TERN_SYNC_ERROR_NO_SUCH_FOLDER:
    case TERN_SYNC_ERROR_PERMANENT:
    default:
      break;
    }
}

static void
clear_marks (TernPreferences *self)
{
  GtkWidget *fields[] = { self->host, self->port, self->security, self->user, self->password,
                          self->smtp_host, self->smtp_port, self->smtp_security };

  for (guint i = 0; i < G_N_ELEMENTS (fields); i++)
    gtk_widget_remove_css_class (fields[i], "error");
}

static void add_account (TernPreferences *self);

static gboolean
test_done_cb (gpointer data)
{
  TestJob *job = data;
  g_autoptr(TernPreferences) self = g_weak_ref_get (&job->prefs);
  gboolean then_add;

  if (self == NULL)
    return G_SOURCE_REMOVE;
  self->testing = FALSE;
  then_add = self->add_after_test;
  gtk_widget_set_sensitive (self->test_button, TRUE);
  gtk_widget_set_sensitive (self->add_button, TRUE);
  clear_marks (self);
  if (job->ok && (job->smtp_host == NULL || job->smtp_ok))
    {
      set_test_status (self, _("Connected and logged in."), "success");
      g_free (self->tested);
      self->tested = g_strdup (job->form);
      self->add_after_test = FALSE;
      if (then_add)
        add_account (self);
      return G_SOURCE_REMOVE;
    }
  if (!job->ok && job->sha256 != NULL)
    {
      g_autofree char *body = g_strdup_printf (_("The server’s certificate could not be verified.\n\n"
                                                 "%s\n\nSHA-256 fingerprint:\n%s"),
                                               job->description ? job->description : "", job->sha256);
      GtkWidget *dialog = adw_message_dialog_new (GTK_WINDOW (self), _("Untrusted Certificate"), body);

      set_test_status (self, job->error->message, "error");
      adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog), "cancel", _("_Cancel"),
                                        "trust", _("_Trust This Certificate"), NULL);
      adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "trust",
                                                  ADW_RESPONSE_DESTRUCTIVE);
      adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
      adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
      g_object_set_data_full (G_OBJECT (dialog), "sha256", g_strdup (job->sha256), g_free);
      g_signal_connect (dialog, "response", G_CALLBACK (trust_response_cb), self);
      gtk_window_present (GTK_WINDOW (dialog));
      return G_SOURCE_REMOVE;
    }

  {
    g_autofree char *imap = job->ok ? NULL : describe_test_error (job->error);
    g_autofree char *smtp = job->smtp_host == NULL || job->smtp_ok ? NULL : describe_test_error (job->smtp_error);
    g_autofree char *text = NULL;

    /* Each failure said against its server, the fields concerned marked. */
    if (imap != NULL && job->smtp_host == NULL)
      text = g_steal_pointer (&imap);
    else if (imap != NULL && smtp != NULL)
      text = g_strdup_printf (_("Incoming: %s\nOutgoing: %s"), imap, smtp);
    else if (imap != NULL)
      text = g_strdup_printf (_("Incoming: %s"), imap);
    else
      text = g_strdup_printf (_("Outgoing: %s"), smtp);
    set_test_status (self, text, "error");
    if (!job->ok)
      mark_fields (self, job->error, self->host, self->port, self->security, self->password);
    if (job->smtp_host != NULL && !job->smtp_ok)
      mark_fields (self, job->smtp_error, self->smtp_host, self->smtp_port, self->smtp_security, self->password);
    /* Setting up without a connection (offline, or a server not there yet) stays possible. */
    gtk_widget_set_visible (self->save_anyway_button, TRUE);
  }
  self->add_after_test = FALSE;
  return G_SOURCE_REMOVE;
}

static gpointer
test_thread (gpointer data)
{
  TestJob *job = data;
  g_autofree char *dir = g_dir_make_tmp ("tern-test-connection-XXXXXX", &job->error);
  g_autofree char *path = NULL;
  g_autoptr(TernStore) store = NULL;
  g_autoptr(TernSync) sync = NULL;

  if (dir != NULL)
    {
      path = g_build_filename (dir, "tern.db", NULL);
      store = tern_store_open (path, &job->error);
    }
  if (store != NULL && tern_store_add_account (store, &job->account, &job->account.id, &job->error))
    {
      sync = tern_sync_new (store, &job->account);
      tern_sync_set_timeout (sync, 15);
      if (job->password != NULL && *job->password != '\0')
        tern_sync_set_password (sync, job->password);
      job->ok = tern_sync_connect (sync, &job->error);
      if (!job->ok && g_error_matches (job->error, TERN_SYNC_ERROR, TERN_SYNC_ERROR_CERTIFICATE))
        {
          job->sha256 = tern_sync_dup_refused_sha256 (sync);
          job->description = tern_sync_dup_refused_description (sync);
        }
      g_clear_pointer (&sync, tern_sync_free);
    }
  g_clear_pointer (&store, tern_store_free);
  if (job->smtp_host != NULL && job->sha256 == NULL)
    {
      /* The incoming server's trusted certificate holds for the same host only. */
      const char *pins[2] = { NULL, NULL };
      TernSubmitSettings settings = { 0 };

      if (job->account.pinned_sha256 != NULL && g_ascii_strcasecmp (job->smtp_host, job->account.host) == 0)
        pins[0] = job->account.pinned_sha256;
      settings.host = job->smtp_host;
      settings.port = (guint16) job->smtp_port;
      settings.security = job->smtp_starttls ? TERN_SUBMIT_SECURITY_STARTTLS : TERN_SUBMIT_SECURITY_TLS;
      settings.user = job->account.user;
      settings.password = job->password;
      settings.pinned_sha256 = pins;
      settings.ca_file = job->account.ca_file;
      settings.timeout_seconds = 15;
      job->smtp_ok = tern_submit_check (&settings, NULL, NULL, &job->smtp_error);
    }
  if (path != NULL)
    {
      g_autofree char *wal = g_strconcat (path, "-wal", NULL);
      g_autofree char *shm = g_strconcat (path, "-shm", NULL);

      g_remove (path);
      g_remove (wal);
      g_remove (shm);
      g_rmdir (dir);
    }
  /* Queued for the main thread, always: g_main_context_invoke_full() would run it right
   * here whenever the main thread is between two iterations of its loop. */
  g_idle_add_full (G_PRIORITY_DEFAULT, test_done_cb, job, (GDestroyNotify) test_job_free);
  return NULL;
}

/* The form in one string: what was tested is what is added. */
static char *
form_signature (TernPreferences *self)
{
  GtkWidget *fields[] = { self->email, self->host, self->port, self->user, self->password,
                          self->smtp_host, self->smtp_port };
  GString *out = g_string_new (NULL);

  for (guint i = 0; i < G_N_ELEMENTS (fields); i++)
    g_string_append_printf (out, "%s\x1f", gtk_editable_get_text (GTK_EDITABLE (fields[i])));
  g_string_append_printf (out, "%u\x1f%u\x1f%s", adw_combo_row_get_selected (ADW_COMBO_ROW (self->security)),
                          adw_combo_row_get_selected (ADW_COMBO_ROW (self->smtp_security)),
                          self->pinned_sha256 ? self->pinned_sha256 : "");
  return g_string_free (out, FALSE);
}

/* The outgoing server of the form: NULL if none is given. Port 0: the usual one. */
static const char *
form_smtp (TernPreferences *self,
           guint           *port,
           gboolean        *starttls)
{
  const char *host = gtk_editable_get_text (GTK_EDITABLE (self->smtp_host));
  const char *port_text = gtk_editable_get_text (GTK_EDITABLE (self->smtp_port));

  *starttls = adw_combo_row_get_selected (ADW_COMBO_ROW (self->smtp_security)) == 1;
  *port = *port_text ? (guint) g_ascii_strtoull (port_text, NULL, 10) : (*starttls ? 587 : 465);
  return *host != '\0' ? host : NULL;
}

static void
start_test (TernPreferences *self,
            gboolean         then_add)
{
  TestJob *job;
  TernAccount a;
  const char *smtp_host;

  if (self->testing)
    return;
  _tern_preferences_form_account (self, &a);
  if (*a.host == '\0')
    {
      set_test_status (self, _("Enter the server’s name first."), "error");
      return;
    }
  job = g_new0 (TestJob, 1);
  g_weak_ref_init (&job->prefs, self);
  job->account.name = g_strdup ("connection-test");
  job->account.email = g_strdup (a.email);
  job->account.host = g_strdup (a.host);
  job->account.port = a.port;
  job->account.security = g_strdup (a.security);
  job->account.user = g_strdup (a.user);
  job->account.pinned_sha256 = g_strdup (a.pinned_sha256);
  job->account.ca_file = g_strdup (a.ca_file);
  job->account.delete_mode = g_strdup ("trash");
  job->password = g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->password)));
  smtp_host = form_smtp (self, &job->smtp_port, &job->smtp_starttls);
  job->smtp_host = g_strdup (smtp_host);
  job->form = form_signature (self);
  self->testing = TRUE;
  self->add_after_test = then_add;
  gtk_widget_set_sensitive (self->test_button, FALSE);
  gtk_widget_set_sensitive (self->add_button, FALSE);
  gtk_widget_set_visible (self->save_anyway_button, FALSE);
  set_test_status (self, _("Connecting…"), "dim-label");
  g_thread_unref (g_thread_new ("tern-connection-test", test_thread, job));
}

static void
test_clicked_cb (TernPreferences *self)
{
  start_test (self, FALSE);
}

/* What is wrong is said under the form, beside the buttons, with the fields to fill
 * marked: a toast would cover the Add button. */
static gboolean
form_complete (TernPreferences *self)
{
  TernAccount a;

  _tern_preferences_form_account (self, &a);
  if (*a.email == '\0')
    gtk_widget_add_css_class (self->email, "error");
  else
    gtk_widget_remove_css_class (self->email, "error");
  if (*a.host == '\0')
    gtk_widget_add_css_class (self->host, "error");
  else
    gtk_widget_remove_css_class (self->host, "error");
  if (*a.email == '\0' || *a.host == '\0')
    {
      set_test_status (self, _("An email address and a server are needed"), "error");
      gtk_widget_grab_focus (*a.email == '\0' ? self->email : self->host);
      return FALSE;
    }
  return TRUE;
}

static void
add_clicked_cb (TernPreferences *self)
{
  g_autofree char *signature = NULL;

  if (self->testing || !form_complete (self))
    return;
  /* Both servers are tried before the account is saved (unless this very form passed). */
  signature = form_signature (self);
  if (g_strcmp0 (signature, self->tested) != 0)
    {
      start_test (self, TRUE);
      return;
    }
  add_account (self);
}

static void
save_anyway_clicked_cb (TernPreferences *self)
{
  if (!self->testing && form_complete (self))
    add_account (self);
}

/* Saves the form's account, its password in the keyring, its outgoing server and name. */
static void
add_account (TernPreferences *self)
{
  TernStore *store = tern_application_get_store (self->app);
  const char *password = gtk_editable_get_text (GTK_EDITABLE (self->password));
  g_autoptr(GError) error = NULL;
  g_autoptr(TernAccount) added = NULL;
  TernAccount a;

  _tern_preferences_form_account (self, &a);
  if (!tern_store_add_account (store, &a, NULL, &error) ||
      (added = tern_store_get_account (store, a.name, &error)) == NULL)
    {
      set_test_status (self, error->message, "error");
      return;
    }
  if (*password != '\0' && !tern_password_store (added, password, &error))
    {
      /* No account without its password: the user can fix the keyring and add it again. */
      tern_store_remove_account (store, added->name, NULL);
      set_test_status (self, error->message, "error");
      return;
    }
  /* Sending is set up with the account, and the person's name goes with the address. */
  _tern_preferences_finish_add (self, store, added);
  tern_application_reload_accounts (self->app);
  gtk_window_close (GTK_WINDOW (self));
}

static void
security_changed_cb (TernPreferences *self)
{
  gboolean plain = adw_combo_row_get_selected (ADW_COMBO_ROW (self->security)) == 2;

  /* Never a password over an unencrypted connection. */
  gtk_widget_set_visible (self->security_warning, plain);
  gtk_widget_set_sensitive (self->password, !plain);
  if (plain)
    gtk_editable_set_text (GTK_EDITABLE (self->password), "");
}

/* Per-account settings. */

static void
delete_mode_cb (AdwComboRow     *row,
                GParamSpec      *pspec,
                TernPreferences *self)
{
  gint64 id = GPOINTER_TO_SIZE (g_object_get_data (G_OBJECT (row), "account-id"));
  g_autoptr(GError) error = NULL;

  if (!tern_store_set_account_delete_mode (tern_application_get_store (self->app), id,
                                           adw_combo_row_get_selected (row) == 0 ? "trash" : "expunge",
                                           &error))
    adw_preferences_window_add_toast (ADW_PREFERENCES_WINDOW (self), adw_toast_new (error->message));
}

static void
policy_changed_cb (GtkSpinButton   *spin,
                   TernPreferences *self)
{
  GSettings *settings = tern_application_get_settings (self->app);
  const char *key = g_object_get_data (G_OBJECT (spin), "key");
  const char *account = g_object_get_data (G_OBJECT (spin), "account");
  gint64 account_id = GPOINTER_TO_SIZE (g_object_get_data (G_OBJECT (spin), "account-id"));
  gint64 value = gtk_spin_button_get_value_as_int (spin);
  gboolean days = g_str_equal (key, "offline-days");
  g_autoptr(GVariant) old = NULL;
  g_autoptr(GError) error = NULL;
  GVariantBuilder builder;
  GVariantIter iter;
  const char *name;
  gint32 old_value;

  /* The cache's policy is what the sync engine follows; -1 leaves the other settings. */
  if (!tern_store_set_offline_policy (tern_application_get_store (self->app), account_id, 0,
                                      days ? value : -1, days ? -1 : value * 1024, -1, -1, &error))
    adw_preferences_window_add_toast (ADW_PREFERENCES_WINDOW (self), adw_toast_new (error->message));
  if (settings == NULL)
    return;
  /* An a{si} map by account name (a GVariantDict would make it a{sv}). */
  old = g_settings_get_value (settings, key);
  g_variant_builder_init (&builder, G_VARIANT_TYPE ("a{si}"));
  g_variant_iter_init (&iter, old);
  while (g_variant_iter_next (&iter, "{&si}", &name, &old_value))
    if (!g_str_equal (name, account))
      g_variant_builder_add (&builder, "{si}", name, old_value);
  g_variant_builder_add (&builder, "{si}", account, (gint32) value);
  g_settings_set_value (settings, key, g_variant_builder_end (&builder));
}

static int
policy_value (TernPreferences *self,
              const char      *key,
              const char      *account,
              int              fallback)
{
  GSettings *settings = tern_application_get_settings (self->app);
  g_autoptr(GVariant) map = NULL;
  int value = fallback;

  if (settings == NULL)
    return fallback;
  map = g_settings_get_value (settings, key);
  g_variant_lookup (map, account, "i", &value);
  return value;
}

static GtkWidget *
spin_row (TernPreferences *self,
          const char      *title,
          const char      *subtitle,
          const char      *key,
          const TernAccount *a,
          int              fallback,
          int              max)
{
  const char *account = a->name;
  GtkWidget *row = adw_action_row_new ();
  GtkWidget *spin = gtk_spin_button_new_with_range (0, max, 1);

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (spin), policy_value (self, key, account, fallback));
  gtk_widget_set_valign (spin, GTK_ALIGN_CENTER);
  gtk_widget_set_name (spin, key);
  g_object_set_data (G_OBJECT (spin), "key", (gpointer) key);
  g_object_set_data_full (G_OBJECT (spin), "account", g_strdup (account), g_free);
  g_object_set_data (G_OBJECT (spin), "account-id", GSIZE_TO_POINTER ((gsize) a->id));
  g_signal_connect (spin, "value-changed", G_CALLBACK (policy_changed_cb), self);
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), spin);
  adw_action_row_set_activatable_widget (ADW_ACTION_ROW (row), spin);
  return row;
}

/* Identities: the account's addresses, names, Reply-To and signatures, in their own dialog. */
static void
identities_clicked_cb (GtkWidget       *button,
                       TernPreferences *self)
{
  gint64 id = (gint64) GPOINTER_TO_SIZE (g_object_get_data (G_OBJECT (button), "account-id"));
  TernIdentitiesDialog *dialog = tern_identities_dialog_new (GTK_WINDOW (self),
                                                             tern_application_get_store (self->app), id);

  gtk_window_present (GTK_WINDOW (dialog));
}

static void
add_identities_row (TernPreferences   *self,
                    GtkWidget         *expander,
                    const TernAccount *a)
{
  GtkWidget *row = adw_action_row_new ();
  GtkWidget *button = gtk_button_new_with_mnemonic (_("_Edit…"));

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), _("Identities"));
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), _("Addresses to write from, with Reply-To and signatures"));
  gtk_widget_set_name (button, "identities");
  gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
  g_object_set_data (G_OBJECT (button), "account-id", GSIZE_TO_POINTER ((gsize) a->id));
  g_signal_connect (button, "clicked", G_CALLBACK (identities_clicked_cb), self);
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), button);
  adw_action_row_set_activatable_widget (ADW_ACTION_ROW (row), button);
  adw_expander_row_add_row (ADW_EXPANDER_ROW (expander), row);
}

/* Rules: the server's filters and vacation reply, in their own window. */
static void
rules_clicked_cb (GtkWidget       *button,
                  TernPreferences *self)
{
  gint64 id = (gint64) GPOINTER_TO_SIZE (g_object_get_data (G_OBJECT (button), "account-id"));
  TernRulesDialog *dialog = tern_rules_dialog_new (GTK_WINDOW (self), tern_application_get_store (self->app), id);

  gtk_window_present (GTK_WINDOW (dialog));
}

static void
add_rules_row (TernPreferences   *self,
               GtkWidget         *expander,
               const TernAccount *a)
{
  GtkWidget *row = adw_action_row_new ();
  GtkWidget *button = gtk_button_new_with_mnemonic (_("_Edit…"));

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), _("Rules and Vacation Reply"));
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), _("Filters your mail server applies to new mail"));
  gtk_widget_set_name (button, "rules");
  gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
  g_object_set_data (G_OBJECT (button), "account-id", GSIZE_TO_POINTER ((gsize) a->id));
  g_signal_connect (button, "clicked", G_CALLBACK (rules_clicked_cb), self);
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), button);
  adw_action_row_set_activatable_widget (ADW_ACTION_ROW (row), button);
  adw_expander_row_add_row (ADW_EXPANDER_ROW (expander), row);
}

void
_tern_preferences_fill_accounts (TernPreferences *self)
{
  g_autoptr(GPtrArray) accounts = tern_store_list_accounts (tern_application_get_store (self->app), NULL);

  for (guint i = 0; i < self->account_rows->len; i++)
    adw_preferences_group_remove (self->accounts_group, self->account_rows->pdata[i]);
  g_ptr_array_set_size (self->account_rows, 0);

  for (guint i = 0; accounts != NULL && i < accounts->len; i++)
    {
      const TernAccount *a = accounts->pdata[i];
      GtkWidget *expander = adw_expander_row_new ();
      GtkWidget *combo = adw_combo_row_new ();
      g_autofree char *subtitle = g_strdup_printf ("%s · %s:%u", a->email, a->host, a->port);
      const char *modes[] = { _("Move to Trash"), _("Mark deleted and expunge"), NULL };

      g_object_set_data (G_OBJECT (expander), "account-id", GSIZE_TO_POINTER ((gsize) a->id));
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (expander), a->name);
      adw_expander_row_set_subtitle (ADW_EXPANDER_ROW (expander), subtitle);
      gtk_widget_set_name (combo, "delete-mode");
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (combo), _("Deleting a message"));
      adw_combo_row_set_model (ADW_COMBO_ROW (combo), G_LIST_MODEL (gtk_string_list_new (modes)));
      adw_combo_row_set_selected (ADW_COMBO_ROW (combo), g_strcmp0 (a->delete_mode, "expunge") == 0);
      g_object_set_data (G_OBJECT (combo), "account-id", GSIZE_TO_POINTER ((gsize) a->id));
      g_signal_connect (combo, "notify::selected", G_CALLBACK (delete_mode_cb), self);
      adw_expander_row_add_row (ADW_EXPANDER_ROW (expander), combo);
      adw_expander_row_add_row (ADW_EXPANDER_ROW (expander),
                                spin_row (self, _("Keep messages offline"),
                                          _("Bodies of messages from the last days, 0 for all"),
                                          "offline-days", a, (int) a->offline_days, 3650));
      adw_expander_row_add_row (ADW_EXPANDER_ROW (expander),
                                spin_row (self, _("Largest attachment kept offline"),
                                          _("In KiB; larger ones are fetched when opened"),
                                          "offline-max-size", a, (int) (a->offline_max_size / 1024),
                                          1024 * 1024));
      _tern_preferences_add_previews_row (self, expander, a);
      _tern_preferences_add_server_rows (self, expander, a);
      add_identities_row (self, expander, a);
      add_rules_row (self, expander, a);
      _tern_preferences_add_remote_row (self, expander, a);
      _tern_preferences_add_remove_row (self, expander, a);
      adw_preferences_group_add (self->accounts_group, expander);
      g_ptr_array_add (self->account_rows, expander);
    }
}

void
tern_preferences_show_add_account (TernPreferences *self)
{
  g_return_if_fail (TERN_IS_PREFERENCES (self));

  adw_preferences_window_set_visible_page (ADW_PREFERENCES_WINDOW (self), self->add_page);
  /* Typing goes into the form, not into the window's search. */
  gtk_widget_grab_focus (self->name);
}

static void
tern_preferences_finalize (GObject *object)
{
  TernPreferences *self = TERN_PREFERENCES (object);

  g_clear_pointer (&self->account_rows, g_ptr_array_unref);
  g_free (self->pinned_sha256);
  g_free (self->tested);
  _tern_preferences_clear_discovery (self);
  _tern_preferences_clear_goa (self);
  _tern_preferences_clear_sign_in (self);
  g_free (self->ca_file);

  G_OBJECT_CLASS (tern_preferences_parent_class)->finalize (object);
}

static void
tern_preferences_class_init (TernPreferencesClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = tern_preferences_finalize;
}

static GtkWidget *
entry_row (AdwPreferencesGroup *group,
           const char          *name,
           const char          *title)
{
  GtkWidget *row = adw_entry_row_new ();

  /* Named, like every control here: tests find them by name. */
  gtk_widget_set_name (row, name);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  adw_preferences_group_add (group, row);
  return row;
}

static void
tern_preferences_init (TernPreferences *self)
{
  AdwPreferencesGroup *group;
  GtkWidget *row, *box;
  const char *security[] = { _("TLS"), _("STARTTLS"), _("None (no encryption)"), NULL };
  const char *smtp_security[] = { _("TLS"), _("STARTTLS"), NULL };

  self->account_rows = g_ptr_array_new ();
  gtk_window_set_default_size (GTK_WINDOW (self), 640, 620);
  gtk_window_set_modal (GTK_WINDOW (self), TRUE);

  self->accounts_page = ADW_PREFERENCES_PAGE (adw_preferences_page_new ());
  adw_preferences_page_set_title (self->accounts_page, _("Accounts"));
  adw_preferences_page_set_icon_name (self->accounts_page, "avatar-default-symbolic");
  self->accounts_group = ADW_PREFERENCES_GROUP (adw_preferences_group_new ());
  adw_preferences_group_set_title (self->accounts_group, _("Accounts"));
  adw_preferences_group_set_description (self->accounts_group,
                                         _("What stays readable offline, and what deleting does"));
  adw_preferences_page_add (self->accounts_page, self->accounts_group);
  adw_preferences_window_add (ADW_PREFERENCES_WINDOW (self), self->accounts_page);

  self->add_page = ADW_PREFERENCES_PAGE (adw_preferences_page_new ());
  adw_preferences_page_set_title (self->add_page, _("Add Account"));
  adw_preferences_page_set_icon_name (self->add_page, "list-add-symbolic");
  adw_preferences_window_add (ADW_PREFERENCES_WINDOW (self), self->add_page);
  _tern_preferences_add_goa_group (self);

  group = ADW_PREFERENCES_GROUP (adw_preferences_group_new ());
  adw_preferences_group_set_title (group, _("You"));
  adw_preferences_page_add (self->add_page, group);
  self->name = entry_row (group, "name", _("Account name"));
  self->full_name = entry_row (group, "full-name", _("Your name (shown with your address)"));
  self->email = entry_row (group, "email", _("Email address"));
  _tern_preferences_add_discovery_rows (self, group);
  _tern_preferences_add_sign_in_rows (self, group);

  group = ADW_PREFERENCES_GROUP (adw_preferences_group_new ());
  adw_preferences_group_set_title (group, _("Incoming Mail (IMAP)"));
  adw_preferences_page_add (self->add_page, group);
  self->host = entry_row (group, "host", _("Server"));
  self->port = entry_row (group, "port", _("Port (993 for TLS, 143 for STARTTLS)"));
  self->security = adw_combo_row_new ();
  gtk_widget_set_name (self->security, "security");
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->security), _("Security"));
  adw_combo_row_set_model (ADW_COMBO_ROW (self->security), G_LIST_MODEL (gtk_string_list_new (security)));
  g_signal_connect_swapped (self->security, "notify::selected", G_CALLBACK (security_changed_cb), self);
  adw_preferences_group_add (group, self->security);
  self->security_warning = adw_action_row_new ();
  gtk_widget_set_name (self->security_warning, "security-warning");
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->security_warning),
                                 _("Without encryption anyone on the network can read your mail. "
                                   "No password will be sent."));
  gtk_widget_add_css_class (self->security_warning, "error");
  gtk_widget_set_visible (self->security_warning, FALSE);
  adw_preferences_group_add (group, self->security_warning);
  self->user = entry_row (group, "user", _("User name (the email address if empty)"));
  self->password = adw_password_entry_row_new ();
  gtk_widget_set_name (self->password, "password");
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->password), _("Password (kept in the keyring)"));
  adw_preferences_group_add (group, self->password);

  group = ADW_PREFERENCES_GROUP (adw_preferences_group_new ());
  adw_preferences_group_set_title (group, _("Outgoing Mail (SMTP)"));
  adw_preferences_group_set_description (group, _("With the same user name and password. Without "
                                                  "a server, mail cannot be sent from this account."));
  adw_preferences_page_add (self->add_page, group);
  self->smtp_host = entry_row (group, "new-smtp-host", _("Server"));
  self->smtp_port = entry_row (group, "new-smtp-port", _("Port (465 for TLS, 587 for STARTTLS)"));
  self->smtp_security = adw_combo_row_new ();
  gtk_widget_set_name (self->smtp_security, "new-smtp-security");
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->smtp_security), _("Security"));
  adw_combo_row_set_model (ADW_COMBO_ROW (self->smtp_security), G_LIST_MODEL (gtk_string_list_new (smtp_security)));
  adw_preferences_group_add (group, self->smtp_security);

  group = ADW_PREFERENCES_GROUP (adw_preferences_group_new ());
  adw_preferences_page_add (self->add_page, group);
  row = adw_action_row_new ();
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), _("Connection"));
  self->test_status = gtk_label_new (_("Not tested"));
  gtk_widget_set_name (self->test_status, "test-status");
  gtk_label_set_wrap (GTK_LABEL (self->test_status), TRUE);
  /* The row's room goes to what the test found, not to its title. */
  gtk_widget_set_hexpand (self->test_status, TRUE);
  gtk_label_set_xalign (GTK_LABEL (self->test_status), 1.0);
  gtk_label_set_justify (GTK_LABEL (self->test_status), GTK_JUSTIFY_RIGHT);
  gtk_widget_add_css_class (self->test_status, "dim-label");
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), self->test_status);
  self->test_button = gtk_button_new_with_mnemonic (_("_Test Connection"));
  gtk_widget_set_name (self->test_button, "test-button");
  gtk_widget_set_valign (self->test_button, GTK_ALIGN_CENTER);
  g_signal_connect_swapped (self->test_button, "clicked", G_CALLBACK (test_clicked_cb), self);
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), self->test_button);
  adw_preferences_group_add (group, row);

  box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);
  gtk_widget_set_halign (box, GTK_ALIGN_CENTER);
  gtk_widget_set_margin_top (box, 12);
  self->add_button = gtk_button_new_with_mnemonic (_("_Add Account"));
  gtk_widget_set_name (self->add_button, "add-button");
  gtk_widget_add_css_class (self->add_button, "suggested-action");
  gtk_widget_add_css_class (self->add_button, "pill");
  g_signal_connect_swapped (self->add_button, "clicked", G_CALLBACK (add_clicked_cb), self);
  /* After a failed test: saved as it is, to connect later (set up offline, a server not
   * there yet). */
  self->save_anyway_button = gtk_button_new_with_mnemonic (_("Save A_nyway"));
  gtk_widget_set_name (self->save_anyway_button, "save-anyway");
  gtk_widget_add_css_class (self->save_anyway_button, "pill");
  gtk_widget_set_visible (self->save_anyway_button, FALSE);
  g_signal_connect_swapped (self->save_anyway_button, "clicked", G_CALLBACK (save_anyway_clicked_cb), self);
  gtk_box_append (GTK_BOX (box), self->save_anyway_button);
  gtk_box_append (GTK_BOX (box), self->add_button);
  adw_preferences_group_add (group, box);
}

void
tern_preferences_set_ca_file (TernPreferences *self,
                              const char      *ca_file)
{
  g_return_if_fail (TERN_IS_PREFERENCES (self));

  g_free (self->ca_file);
  self->ca_file = g_strdup (ca_file);
}

TernPreferences *
tern_preferences_new (TernApplication *app)
{
  TernPreferences *self = g_object_new (TERN_TYPE_PREFERENCES, NULL);

  self->app = app;
  _tern_preferences_fill_accounts (self);
  return self;
}
