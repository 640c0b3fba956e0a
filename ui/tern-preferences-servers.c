/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "tern-preferences"

#include "config.h"

#include <glib/gi18n.h>

#include "tern-outbox.h"
#include "tern-password.h"
#include "tern-preferences-private.h"
#include "tern-sync.h"

/*
 * An account's servers, changed after it was added: the incoming (IMAP) server as
 * `tern-cli account edit` changes it (host, port, security, user, password in the keyring),
 * and the outgoing (submission) server as `tern-cli smtp` sets it. Each row stores its own
 * field when applied. An account without an outgoing server says so here: nothing is sent
 * until one is set, never through a guessed server.
 */

static gint64
row_account_id (GtkWidget *row)
{
  return (gint64) GPOINTER_TO_SIZE (g_object_get_data (G_OBJECT (row), "account-id"));
}

static void
toast (TernPreferences *self,
       const char      *text)
{
  adw_preferences_window_add_toast (ADW_PREFERENCES_WINDOW (self), adw_toast_new (text));
}

static gboolean
parse_port (TernPreferences *self,
            const char      *text,
            guint           *port)
{
  guint64 value = g_ascii_strtoull (text, NULL, 10);

  if (value < 1 || value > 65535)
    {
      toast (self, _("A port is a number from 1 to 65535"));
      return FALSE;
    }
  *port = (guint) value;
  return TRUE;
}

/* The expander's subtitle follows the account's server. */
static void
update_subtitle (GtkWidget         *row,
                 const TernAccount *account)
{
  GtkWidget *expander = gtk_widget_get_ancestor (row, ADW_TYPE_EXPANDER_ROW);
  g_autofree char *subtitle = g_strdup_printf ("%s · %s:%u", account->email, account->host, account->port);

  if (expander != NULL)
    adw_expander_row_set_subtitle (ADW_EXPANDER_ROW (expander), subtitle);
}

/* Incoming mail. */

static gboolean
store_account (TernPreferences   *self,
               GtkWidget         *row,
               const TernAccount *old,
               TernAccount       *changed)
{
  TernStore *store = tern_application_get_store (self->app);
  TernAccountWorker *worker = tern_application_get_worker (self->app, changed->id);
  g_autoptr(GError) error = NULL;

  /* Another server: the old one's pinned certificate says nothing about it. */
  if (g_ascii_strcasecmp (old->host, changed->host) != 0)
    g_clear_pointer (&changed->pinned_sha256, g_free);
  g_free (changed->setup_source);
  changed->setup_source = g_strdup ("manual");
  /* The keyring item is kept under the server and user: it follows them. */
  if (!tern_password_move (old, changed, &error) || !tern_store_update_account (store, changed, &error))
    {
      toast (self, error->message);
      return FALSE;
    }
  update_subtitle (row, changed);
  if (worker != NULL)
    tern_account_worker_reload_account (worker);
  return TRUE;
}

static void
imap_apply_cb (GtkWidget       *row,
               TernPreferences *self)
{
  TernStore *store = tern_application_get_store (self->app);
  const char *field = gtk_widget_get_name (row);
  const char *text = gtk_editable_get_text (GTK_EDITABLE (row));
  g_autoptr(TernAccount) old = NULL;
  g_autoptr(TernAccount) changed = NULL;
  g_autoptr(GError) error = NULL;

  old = tern_store_get_account_by_id (store, row_account_id (row), &error);
  if (old == NULL)
    {
      toast (self, error->message);
      return;
    }
  if (g_str_equal (field, "imap-password"))
    {
      TernAccountWorker *worker = tern_application_get_worker (self->app, old->id);

      if (*text == '\0')
        return;
      if (!tern_password_store (old, text, &error))
        {
          toast (self, error->message);
          return;
        }
      /* Not shown again: the keyring has it. */
      gtk_editable_set_text (GTK_EDITABLE (row), "");
      toast (self, _("Password changed"));
      if (worker != NULL)
        tern_account_worker_reload_account (worker);
      return;
    }

  changed = tern_account_copy (old);
  if (g_str_equal (field, "imap-host"))
    {
      if (*g_strstrip ((char *) text) == '\0')
        {
          toast (self, _("Enter the server’s name"));
          return;
        }
      g_free (changed->host);
      changed->host = g_strdup (text);
    }
  else if (g_str_equal (field, "imap-port"))
    {
      if (!parse_port (self, text, &changed->port))
        return;
    }
  else if (g_str_equal (field, "imap-user"))
    {
      g_free (changed->user);
      changed->user = g_strdup (*text != '\0' ? text : changed->email);
      gtk_editable_set_text (GTK_EDITABLE (row), changed->user);
    }
  store_account (self, row, old, changed);
}

static void
imap_security_cb (GtkWidget       *row,
                  GParamSpec      *pspec,
                  TernPreferences *self)
{
  TernStore *store = tern_application_get_store (self->app);
  GtkWidget *port_row = g_object_get_data (G_OBJECT (row), "port-row");
  g_autoptr(TernAccount) old = tern_store_get_account_by_id (store, row_account_id (row), NULL);
  g_autoptr(TernAccount) changed = NULL;
  gboolean starttls = adw_combo_row_get_selected (ADW_COMBO_ROW (row)) == 1;

  if (old == NULL || g_strcmp0 (old->security, starttls ? "starttls" : "tls") == 0)
    return;
  changed = tern_account_copy (old);
  g_free (changed->security);
  changed->security = g_strdup (starttls ? "starttls" : "tls");
  /* The port follows the security when it was the usual one. */
  if (old->port == 993 || old->port == 143)
    changed->port = starttls ? 143 : 993;
  if (store_account (self, row, old, changed))
    {
      g_autofree char *text = g_strdup_printf ("%u", changed->port);

      gtk_editable_set_text (GTK_EDITABLE (port_row), text);
    }
}

static GtkWidget *
server_entry (GtkWidget  *expander,
              GtkWidget  *row,
              const char *name,
              const char *title,
              const char *value,
              gint64      account_id,
              GCallback   apply,
              gpointer    self)
{
  gtk_widget_set_name (row, name);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  adw_entry_row_set_show_apply_button (ADW_ENTRY_ROW (row), TRUE);
  gtk_editable_set_text (GTK_EDITABLE (row), value ? value : "");
  g_object_set_data (G_OBJECT (row), "account-id", GSIZE_TO_POINTER ((gsize) account_id));
  g_signal_connect (row, "apply", apply, self);
  adw_expander_row_add_row (ADW_EXPANDER_ROW (expander), row);
  return row;
}

static GtkWidget *
security_row (GtkWidget  *expander,
              const char *name,
              const char *title,
              gboolean    starttls,
              GtkWidget  *port,
              gint64      account_id)
{
  const char *security[] = { _("TLS"), _("STARTTLS"), NULL };
  GtkWidget *row = adw_combo_row_new ();

  gtk_widget_set_name (row, name);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  adw_combo_row_set_model (ADW_COMBO_ROW (row), G_LIST_MODEL (gtk_string_list_new (security)));
  adw_combo_row_set_selected (ADW_COMBO_ROW (row), starttls);
  g_object_set_data (G_OBJECT (row), "account-id", GSIZE_TO_POINTER ((gsize) account_id));
  g_object_set_data (G_OBJECT (row), "port-row", port);
  adw_expander_row_add_row (ADW_EXPANDER_ROW (expander), row);
  return row;
}

static void
add_incoming_rows (TernPreferences   *self,
                   GtkWidget         *expander,
                   const TernAccount *a)
{
  g_autofree char *port_text = g_strdup_printf ("%u", a->port);
  GtkWidget *port, *row;

  /* An Online Account's servers are GNOME's: they follow it. */
  if (g_strcmp0 (a->auth, "goa") == 0)
    return;
  server_entry (expander, adw_entry_row_new (), "imap-host", _("Incoming server (IMAP)"), a->host, a->id,
                G_CALLBACK (imap_apply_cb), self);
  port = server_entry (expander, adw_entry_row_new (), "imap-port",
                       _("Incoming port (993 for TLS, 143 for STARTTLS)"), port_text, a->id,
                       G_CALLBACK (imap_apply_cb), self);
  row = security_row (expander, "imap-security", _("Incoming security"),
                      g_strcmp0 (a->security, "starttls") == 0, port, a->id);
  g_signal_connect (row, "notify::selected", G_CALLBACK (imap_security_cb), self);
  server_entry (expander, adw_entry_row_new (), "imap-user", _("Incoming user name"), a->user, a->id,
                G_CALLBACK (imap_apply_cb), self);
  /* A browser sign-in has no password to change. */
  if (g_strcmp0 (a->auth, "oauth2") != 0 && (a->password_command == NULL || *a->password_command == '\0'))
    server_entry (expander, adw_password_entry_row_new (), "imap-password",
                  _("New password (kept in the keyring)"), NULL, a->id, G_CALLBACK (imap_apply_cb), self);
}

/* Outgoing mail. */

static TernSmtpSettings *
smtp_get (TernPreferences *self,
          GtkWidget       *row)
{
  return tern_outbox_get_smtp (tern_application_get_store (self->app), row_account_id (row), NULL);
}

static gboolean
smtp_put (TernPreferences  *self,
          TernSmtpSettings *settings)
{
  g_autoptr(GError) error = NULL;

  if (!tern_outbox_set_smtp (tern_application_get_store (self->app), settings, &error))
    {
      toast (self, error->message);
      return FALSE;
    }
  return TRUE;
}

/* The outgoing rows other than the server's name wait for it: without it, there is none. */
static void
set_outgoing_configured (GtkWidget *host_row,
                         gboolean   configured)
{
  GPtrArray *rows = g_object_get_data (G_OBJECT (host_row), "dependent-rows");
  GtkWidget *missing = g_object_get_data (G_OBJECT (host_row), "missing-row");

  for (guint i = 0; rows != NULL && i < rows->len; i++)
    gtk_widget_set_sensitive (rows->pdata[i], configured);
  gtk_widget_set_visible (missing, !configured);
}

static void
smtp_apply_cb (GtkWidget       *row,
               TernPreferences *self)
{
  g_autoptr(TernSmtpSettings) s = smtp_get (self, row);
  const char *field = gtk_widget_get_name (row);
  const char *text = gtk_editable_get_text (GTK_EDITABLE (row));
  g_autoptr(TernAccount) account = NULL;
  g_autoptr(GError) error = NULL;

  if (s == NULL)
    return;
  if (g_str_equal (field, "smtp-password"))
    {
      account = tern_store_get_account_by_id (tern_application_get_store (self->app), s->account_id, NULL);
      if (account != NULL && *text != '\0' &&
          !tern_password_store_smtp (account, s->host, s->user, text, &error))
        toast (self, error->message);
      return;
    }
  if (g_str_equal (field, "smtp-port"))
    {
      if (*text == '\0')
        s->port = 0;
      else if (!parse_port (self, text, &s->port))
        return;
    }
  else if (g_str_equal (field, "smtp-host"))
    {
      /* No server named, none set up: an empty name is not "the IMAP host" by accident. */
      if (!s->configured && *text == '\0')
        return;
      g_free (s->host);
      s->host = *text != '\0' ? g_strdup (text) : NULL;
    }
  else
    {
      g_free (s->user);
      s->user = *text != '\0' ? g_strdup (text) : NULL;
    }
  if (smtp_put (self, s) && g_str_equal (field, "smtp-host"))
    set_outgoing_configured (row, TRUE);
}

static void
smtp_security_cb (GtkWidget       *row,
                  GParamSpec      *pspec,
                  TernPreferences *self)
{
  g_autoptr(TernSmtpSettings) s = smtp_get (self, row);
  GtkWidget *port = g_object_get_data (G_OBJECT (row), "port-row");

  if (s == NULL || !s->configured)
    return;
  g_free (s->security);
  s->security = g_strdup (adw_combo_row_get_selected (ADW_COMBO_ROW (row)) == 1 ? "starttls" : "tls");
  s->port = 0;   /* the usual port of that security: 465 or 587 */
  smtp_put (self, s);
  g_clear_pointer (&s, tern_smtp_settings_free);
  if ((s = smtp_get (self, row)) != NULL)
    {
      g_autofree char *text = g_strdup_printf ("%u", s->port);

      gtk_editable_set_text (GTK_EDITABLE (port), text);
    }
}

static void
smtp_saves_sent_cb (GtkWidget       *toggle,
                    GParamSpec      *pspec,
                    TernPreferences *self)
{
  g_autoptr(TernSmtpSettings) s = smtp_get (self, toggle);

  if (s == NULL || !s->configured)
    return;
  s->server_saves_sent = gtk_switch_get_active (GTK_SWITCH (toggle));
  smtp_put (self, s);
}

static void
add_outgoing_rows (TernPreferences   *self,
                   GtkWidget         *expander,
                   const TernAccount *a)
{
  g_autoptr(TernSmtpSettings) s = tern_outbox_get_smtp (tern_application_get_store (self->app), a->id, NULL);
  g_autofree char *port_text = NULL;
  GPtrArray *dependent;
  GtkWidget *host, *port, *row, *toggle, *missing;

  if (s == NULL)
    return;
  dependent = g_ptr_array_new ();
  missing = adw_action_row_new ();
  gtk_widget_set_name (missing, "smtp-missing");
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (missing), _("No outgoing server"));
  adw_action_row_set_subtitle (ADW_ACTION_ROW (missing),
                               _("Mail cannot be sent from this account until its outgoing (SMTP) "
                                 "server is entered below"));
  gtk_widget_add_css_class (missing, "warning");
  adw_expander_row_add_row (ADW_EXPANDER_ROW (expander), missing);

  port_text = g_strdup_printf ("%u", s->port);
  /* Not set up: the server's name is empty, not the guess the settings start from. */
  host = server_entry (expander, adw_entry_row_new (), "smtp-host", _("Outgoing server (SMTP)"),
                       s->configured ? s->host : NULL, a->id, G_CALLBACK (smtp_apply_cb), self);
  port = server_entry (expander, adw_entry_row_new (), "smtp-port",
                       _("Outgoing port (465 for TLS, 587 for STARTTLS)"), port_text, a->id,
                       G_CALLBACK (smtp_apply_cb), self);
  g_ptr_array_add (dependent, port);
  row = security_row (expander, "smtp-security", _("Outgoing security"), g_strcmp0 (s->security, "starttls") == 0,
                      port, a->id);
  g_signal_connect (row, "notify::selected", G_CALLBACK (smtp_security_cb), self);
  g_ptr_array_add (dependent, row);
  g_ptr_array_add (dependent, server_entry (expander, adw_entry_row_new (), "smtp-user", _("Outgoing user name"),
                                            s->user, a->id, G_CALLBACK (smtp_apply_cb), self));
  g_ptr_array_add (dependent, server_entry (expander, adw_password_entry_row_new (), "smtp-password",
                                            _("Outgoing password (empty: the account’s)"), NULL, a->id,
                                            G_CALLBACK (smtp_apply_cb), self));

  row = adw_action_row_new ();
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), _("The server files sent mail in Sent"));
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), _("Tern then does not save a copy there itself"));
  toggle = gtk_switch_new ();
  gtk_widget_set_name (toggle, "smtp-server-saves-sent");
  gtk_widget_set_valign (toggle, GTK_ALIGN_CENTER);
  gtk_switch_set_active (GTK_SWITCH (toggle), s->server_saves_sent);
  g_object_set_data (G_OBJECT (toggle), "account-id", GSIZE_TO_POINTER ((gsize) a->id));
  g_signal_connect (toggle, "notify::active", G_CALLBACK (smtp_saves_sent_cb), self);
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), toggle);
  adw_action_row_set_activatable_widget (ADW_ACTION_ROW (row), toggle);
  adw_expander_row_add_row (ADW_EXPANDER_ROW (expander), row);
  g_ptr_array_add (dependent, row);

  g_object_set_data_full (G_OBJECT (host), "dependent-rows", dependent, (GDestroyNotify) g_ptr_array_unref);
  g_object_set_data (G_OBJECT (host), "missing-row", missing);
  g_object_set_data (G_OBJECT (expander), "smtp-host-row", host);
  set_outgoing_configured (host, s->configured);
}

/* Preview lines from the server (PREVIEW, RFC 8970): on a slow link the list shows a line of
 * each message before, or instead of, downloading its text. Insensitive, and saying why,
 * where the server is known not to offer it. */
static void
server_previews_cb (GtkWidget       *toggle,
                    GParamSpec      *pspec,
                    TernPreferences *self)
{
  g_autoptr(GError) error = NULL;

  if (!tern_mail_service_set_server_previews (tern_application_get_mail_service (self->app), row_account_id (toggle),
                                              gtk_switch_get_active (GTK_SWITCH (toggle)), &error))
    toast (self, error->message);
}

void
_tern_preferences_add_previews_row (TernPreferences   *self,
                                    GtkWidget         *expander,
                                    const TernAccount *a)
{
  TernSyncOffer offer = tern_sync_server_offers_previews (tern_application_get_store (self->app), a->id);
  GtkWidget *row = adw_action_row_new ();
  GtkWidget *toggle = gtk_switch_new ();

  gtk_widget_set_name (row, "server-previews-row");
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), _("Preview lines from the server"));
  if (offer == TERN_SYNC_OFFER_NO)
    adw_action_row_set_subtitle (ADW_ACTION_ROW (row),
                                 _("This server does not offer them: previews come from downloaded texts"));
  else
    adw_action_row_set_subtitle (ADW_ACTION_ROW (row),
                                 _("A line of each message without downloading its text, for slow connections"));
  gtk_widget_set_name (toggle, "server-previews");
  gtk_widget_set_valign (toggle, GTK_ALIGN_CENTER);
  gtk_switch_set_active (GTK_SWITCH (toggle), a->server_previews);
  g_object_set_data (G_OBJECT (toggle), "account-id", GSIZE_TO_POINTER ((gsize) a->id));
  g_signal_connect (toggle, "notify::active", G_CALLBACK (server_previews_cb), self);
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), toggle);
  adw_action_row_set_activatable_widget (ADW_ACTION_ROW (row), toggle);
  gtk_widget_set_sensitive (row, offer != TERN_SYNC_OFFER_NO);
  adw_expander_row_add_row (ADW_EXPANDER_ROW (expander), row);
}

void
_tern_preferences_add_server_rows (TernPreferences   *self,
                                   GtkWidget         *expander,
                                   const TernAccount *account)
{
  add_incoming_rows (self, expander, account);
  add_outgoing_rows (self, expander, account);
}

void
tern_preferences_show_outgoing (TernPreferences *self,
                                gint64           account_id)
{
  GtkWidget *host;

  g_return_if_fail (TERN_IS_PREFERENCES (self));

  adw_preferences_window_set_visible_page (ADW_PREFERENCES_WINDOW (self), self->accounts_page);
  for (guint i = 0; i < self->account_rows->len; i++)
    {
      GtkWidget *expander = self->account_rows->pdata[i];

      if (row_account_id (expander) != account_id)
        continue;
      adw_expander_row_set_expanded (ADW_EXPANDER_ROW (expander), TRUE);
      /* The first thing to fill in: the server's name. */
      host = g_object_get_data (G_OBJECT (expander), "smtp-host-row");
      if (host != NULL)
        gtk_window_set_focus (GTK_WINDOW (self), host);
    }
}
