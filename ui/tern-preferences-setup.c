/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "tern-preferences"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "tern-identity.h"
#include "tern-oauth2.h"
#include "tern-outbox.h"
#include "tern-outbox-sync.h"
#include "tern-password.h"
#include "tern-preferences-private.h"

/*
 * Setting an account up from the address ("Find Settings": discovery on its own thread, a
 * spinner meanwhile, then what was found in words, the form filled for the user to check
 * or change), the person's name for From, the outgoing server stored with the account, and
 * removing an account after a confirmation that names what is lost.
 */

static const char *
source_words (TernDiscoverySource source)
{
  switch (source)
    {
    case TERN_DISCOVERY_AUTOCONFIG:
      return _("Found in your provider’s settings");
    case TERN_DISCOVERY_ISPDB:
    case TERN_DISCOVERY_MX:
      return _("Found in the mail provider database");
    case TERN_DISCOVERY_SRV:
      return _("Found in your domain’s DNS");
    case TERN_DISCOVERY_GUESS:
      return _("Found by trying common server names");
    case TERN_DISCOVERY_NONE:
    default:
      return "";
    }
}

static void
set_find_status (TernPreferences *self,
                 const char      *text,
                 const char      *css_class)
{
  gtk_label_set_text (GTK_LABEL (self->find_status), text);
  gtk_widget_remove_css_class (self->find_status, "error");
  gtk_widget_remove_css_class (self->find_status, "success");
  gtk_widget_remove_css_class (self->find_status, "dim-label");
  gtk_widget_add_css_class (self->find_status, css_class);
}

static void
found_cb (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(TernPreferences) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(TernDiscoveryResult) found = NULL;
  g_autofree char *user = NULL;
  g_autofree char *port = NULL;
  g_autofree char *text = NULL;
  const TernDiscoveredServer *imap;

  found = tern_account_discovery_run_finish (TERN_ACCOUNT_DISCOVERY (source), result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  gtk_spinner_stop (GTK_SPINNER (self->find_spinner));
  gtk_widget_set_visible (self->find_spinner, FALSE);
  gtk_widget_set_sensitive (self->find_button, TRUE);
  if (found == NULL)
    {
      set_find_status (self, error->message, "error");
      return;
    }
  if (found->imap == NULL)
    {
      /* The manual form stays: the user fills it in. */
      set_find_status (self, _("No settings found: enter the servers below"), "error");
      return;
    }
  imap = found->imap;
  user = tern_discovered_server_dup_user (imap, found->email);
  port = g_strdup_printf ("%u", imap->port);
  gtk_editable_set_text (GTK_EDITABLE (self->host), imap->host);
  gtk_editable_set_text (GTK_EDITABLE (self->port), port);
  adw_combo_row_set_selected (ADW_COMBO_ROW (self->security),
                              g_strcmp0 (imap->security, "starttls") == 0 ? 1 : 0);
  gtk_editable_set_text (GTK_EDITABLE (self->user), user);
  if (found->smtp != NULL)
    {
      g_autofree char *smtp_port = g_strdup_printf ("%u", found->smtp->port);

      gtk_editable_set_text (GTK_EDITABLE (self->smtp_host), found->smtp->host);
      gtk_editable_set_text (GTK_EDITABLE (self->smtp_port), smtp_port);
      adw_combo_row_set_selected (ADW_COMBO_ROW (self->smtp_security),
                                  g_strcmp0 (found->smtp->security, "starttls") == 0 ? 1 : 0);
    }
  /* "Found in your provider's settings: imap.example.com, encrypted" */
  text = g_strdup_printf (_("%s: %s, encrypted%s"), source_words (imap->source), imap->host,
                          g_strcmp0 (imap->auth, "oauth2") == 0
                          ? _(" (the provider wants a sign-in in the browser)") : "");
  set_find_status (self, text, "success");
  _tern_preferences_show_sign_in (self, g_strcmp0 (imap->auth, "oauth2") == 0);
  g_clear_pointer (&self->found, tern_discovery_result_free);
  self->found = g_steal_pointer (&found);
}

static void
find_clicked_cb (TernPreferences *self)
{
  const char *email = gtk_editable_get_text (GTK_EDITABLE (self->email));

  if (strchr (email, '@') == NULL)
    {
      gtk_widget_add_css_class (self->email, "error");
      set_find_status (self, _("Enter your email address first"), "error");
      gtk_widget_grab_focus (self->email);
      return;
    }
  gtk_widget_remove_css_class (self->email, "error");
  if (self->discovery == NULL)
    self->discovery = tern_account_discovery_new ();
  g_cancellable_cancel (self->find_cancellable);
  g_clear_object (&self->find_cancellable);
  self->find_cancellable = g_cancellable_new ();
  gtk_widget_set_sensitive (self->find_button, FALSE);
  gtk_widget_set_visible (self->find_spinner, TRUE);
  gtk_spinner_start (GTK_SPINNER (self->find_spinner));
  set_find_status (self, _("Looking for your provider’s settings…"), "dim-label");
  tern_account_discovery_run_async (self->discovery, email, self->find_cancellable, found_cb,
                                    g_object_ref (self));
}

void
_tern_preferences_add_discovery_rows (TernPreferences     *self,
                                      AdwPreferencesGroup *group)
{
  GtkWidget *row = adw_action_row_new ();
  const char *real = g_get_real_name ();

  /* The person's name, never the login name (GLib falls back to it, or to "Unknown"). */
  if (real != NULL && *real != '\0' && !g_str_equal (real, "Unknown") &&
      !g_str_equal (real, g_get_user_name ()))
    gtk_editable_set_text (GTK_EDITABLE (self->full_name), real);

  /* What was found is the row itself (it wraps in a narrow window), the button beside it. */
  self->find_status = gtk_label_new (_("Find the servers from your address, or enter them below"));
  gtk_widget_set_name (self->find_status, "find-status");
  gtk_label_set_wrap (GTK_LABEL (self->find_status), TRUE);
  gtk_widget_set_hexpand (self->find_status, TRUE);
  gtk_label_set_xalign (GTK_LABEL (self->find_status), 0.0);
  gtk_widget_set_margin_top (self->find_status, 12);
  gtk_widget_set_margin_bottom (self->find_status, 12);
  gtk_widget_add_css_class (self->find_status, "dim-label");
  adw_action_row_add_prefix (ADW_ACTION_ROW (row), self->find_status);
  self->find_spinner = gtk_spinner_new ();
  gtk_widget_set_visible (self->find_spinner, FALSE);
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), self->find_spinner);
  self->find_button = gtk_button_new_with_mnemonic (_("_Find Settings"));
  gtk_widget_set_name (self->find_button, "find-button");
  gtk_widget_set_valign (self->find_button, GTK_ALIGN_CENTER);
  g_signal_connect_swapped (self->find_button, "clicked", G_CALLBACK (find_clicked_cb), self);
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), self->find_button);
  adw_preferences_group_add (group, row);
  /* Enter in the address looks the settings up. */
  g_signal_connect_swapped (self->email, "entry-activated", G_CALLBACK (find_clicked_cb), self);
  adw_entry_row_set_activates_default (ADW_ENTRY_ROW (self->email), FALSE);
}

void
_tern_preferences_clear_discovery (TernPreferences *self)
{
  g_cancellable_cancel (self->find_cancellable);
  g_clear_object (&self->find_cancellable);
  g_clear_object (&self->discovery);
  g_clear_pointer (&self->found, tern_discovery_result_free);
}

void
tern_preferences_set_discovery (TernPreferences      *self,
                                TernAccountDiscovery *discovery)
{
  g_return_if_fail (TERN_IS_PREFERENCES (self));

  g_set_object (&self->discovery, discovery);
}

void
_tern_preferences_finish_add (TernPreferences   *self,
                              TernStore         *store,
                              const TernAccount *added)
{
  const char *full_name = gtk_editable_get_text (GTK_EDITABLE (self->full_name));
  const char *smtp_host;
  g_autoptr(GError) error = NULL;

  smtp_host = gtk_editable_get_text (GTK_EDITABLE (self->smtp_host));
  if (*smtp_host != '\0')
    {
      const char *port = gtk_editable_get_text (GTK_EDITABLE (self->smtp_port));
      const TernDiscoveredServer *found = self->found != NULL ? self->found->smtp : NULL;
      g_autofree char *user = NULL;
      TernSmtpSettings smtp = { 0 };

      /* The user name the provider's settings give for it, when it is the server found. */
      if (found != NULL && g_ascii_strcasecmp (found->host, smtp_host) == 0 &&
          g_ascii_strcasecmp (self->found->email, added->email) == 0)
        user = tern_discovered_server_dup_user (found, added->email);
      smtp.account_id = added->id;
      smtp.host = (char *) smtp_host;
      smtp.port = *port ? (guint) g_ascii_strtoull (port, NULL, 10) : 0;
      smtp.security = adw_combo_row_get_selected (ADW_COMBO_ROW (self->smtp_security)) == 1
                      ? (char *) "starttls" : (char *) "tls";
      smtp.user = user;
      if (!tern_outbox_set_smtp (store, &smtp, &error))
        g_debug ("Cannot store the outgoing server: %s", error->message);
      g_clear_error (&error);
    }
  if (*full_name != '\0')
    {
      TernIdentity identity = { 0 };

      identity.account_id = added->id;
      identity.address = added->email;
      identity.name = (char *) full_name;
      identity.is_default = TRUE;
      if (!tern_identity_update (store, &identity, &error))
        g_debug ("Cannot store the name: %s", error->message);
    }
}

/* Removing. */

static void
remove_response_cb (AdwMessageDialog *dialog,
                    const char       *response,
                    gpointer          user_data)
{
  TernPreferences *self = user_data;
  TernStore *store = tern_application_get_store (self->app);
  gint64 id = (gint64) GPOINTER_TO_SIZE (g_object_get_data (G_OBJECT (dialog), "account-id"));
  g_autoptr(TernAccount) account = NULL;
  g_autoptr(GPtrArray) drafts = NULL;
  g_autoptr(GError) error = NULL;

  if (g_strcmp0 (response, "remove") != 0)
    return;
  account = tern_store_get_account_by_id (store, id, &error);
  if (account == NULL || (drafts = tern_drafts_list_account_files (store, account, &error)) == NULL ||
      !tern_store_remove_account (store, account->name, &error))
    {
      adw_preferences_window_add_toast (ADW_PREFERENCES_WINDOW (self), adw_toast_new (error->message));
      return;
    }
  /* Its drafts kept on this computer go with it. */
  tern_drafts_remove_files (drafts);
  /* Its passwords and sign-in go with it. */
  if (!tern_password_forget_all (account, &error) ||
      (g_strcmp0 (account->auth, "oauth2") == 0 && !tern_oauth2_forget (account, &error)))
    g_debug ("%s", error->message);
  tern_application_reload_accounts (self->app);
  _tern_preferences_fill_accounts (self);
}

static void
remove_clicked_cb (GtkWidget       *button,
                   TernPreferences *self)
{
  TernStore *store = tern_application_get_store (self->app);
  gint64 id = (gint64) GPOINTER_TO_SIZE (g_object_get_data (G_OBJECT (button), "account-id"));
  g_autoptr(TernAccount) account = tern_store_get_account_by_id (store, id, NULL);
  g_autoptr(GString) body = g_string_new (NULL);
  TernAccountData lost = { 0 };
  g_autoptr(GPtrArray) drafts = NULL;
  g_autofree char *heading = NULL;
  GtkWidget *dialog;

  if (account == NULL)
    return;
  tern_store_count_account_data (store, id, &lost, NULL);
  heading = g_strdup_printf (_("Remove “%s”?"), account->name);
  g_string_append_printf (body, ngettext ("Its %u cached message is removed from this computer",
                                          "Its %u cached messages are removed from this computer",
                                          lost.messages), lost.messages);
  g_string_append (body, _(" (the mail on the server stays)."));
  if (lost.pending_actions > 0)
    {
      g_string_append_c (body, ' ');
      g_string_append_printf (body, ngettext ("%u change made here has not reached the server and is lost.",
                                              "%u changes made here have not reached the server and are lost.",
                                              lost.pending_actions), lost.pending_actions);
    }
  drafts = tern_drafts_list_account_files (store, account, NULL);
  if (drafts != NULL && drafts->len > 0)
    {
      g_string_append_c (body, ' ');
      g_string_append_printf (body, ngettext ("%u draft kept on this computer is removed.",
                                              "%u drafts kept on this computer are removed.",
                                              drafts->len), drafts->len);
    }
  if (lost.unsent > 0)
    {
      g_string_append_c (body, ' ');
      g_string_append_printf (body, ngettext ("%u message waiting to be sent is lost.",
                                              "%u messages waiting to be sent are lost.",
                                              lost.unsent), lost.unsent);
    }
  g_string_append_c (body, ' ');
  g_string_append (body, _("Its password is removed from the keyring."));
  dialog = adw_message_dialog_new (GTK_WINDOW (self), heading, body->str);
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog), "cancel", _("_Cancel"),
                                    "remove", _("_Remove"), NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "remove",
                                              ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  g_object_set_data (G_OBJECT (dialog), "account-id", GSIZE_TO_POINTER ((gsize) id));
  g_signal_connect (dialog, "response", G_CALLBACK (remove_response_cb), self);
  gtk_window_present (GTK_WINDOW (dialog));
}

void
_tern_preferences_add_remove_row (TernPreferences   *self,
                                  GtkWidget         *expander,
                                  const TernAccount *account)
{
  GtkWidget *row = adw_action_row_new ();
  GtkWidget *button = gtk_button_new_with_mnemonic (_("_Remove…"));

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), _("Remove this account"));
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row),
                               _("Its mail stays on the server; what is cached here goes"));
  gtk_widget_set_name (button, "remove-account");
  gtk_widget_add_css_class (button, "destructive-action");
  gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
  g_object_set_data (G_OBJECT (button), "account-id", GSIZE_TO_POINTER ((gsize) account->id));
  g_signal_connect (button, "clicked", G_CALLBACK (remove_clicked_cb), self);
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), button);
  adw_expander_row_add_row (ADW_EXPANDER_ROW (expander), row);
}
