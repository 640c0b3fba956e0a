/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "tern-preferences"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "tern-oauth2.h"
#include "tern-preferences-private.h"

/*
 * "Sign in with browser" in Add Account, when the provider's settings say OAuth2: the
 * authorization-code flow with PKCE and a loopback redirect (tern-oauth2.h) opens the
 * provider's page in the default browser; the address is shown to copy where no browser
 * opens; a spinner while Tern waits for the browser to come back, and Cancel. Once signed in
 * the account is saved (its refresh token in the keyring) with its outgoing server and name.
 */

static void
set_sign_in_state (TernPreferences *self,
                   gboolean         waiting,
                   const char      *text)
{
  gtk_widget_set_visible (self->oauth2_spinner, waiting);
  gtk_spinner_set_spinning (GTK_SPINNER (self->oauth2_spinner), waiting);
  gtk_widget_set_visible (self->oauth2_cancel, waiting);
  gtk_widget_set_sensitive (self->oauth2_button, !waiting);
  gtk_widget_set_visible (self->oauth2_uri_row, waiting);
  if (text != NULL)
    adw_action_row_set_subtitle (ADW_ACTION_ROW (self->oauth2_row), text);
}

typedef struct
{
  GWeakRef        prefs;
  TernOAuth2Flow *flow;
} SignIn;

static void
signed_in_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  SignIn *sign_in = user_data;
  g_autoptr(TernPreferences) self = g_weak_ref_get (&sign_in->prefs);
  g_autoptr(TernOAuth2Tokens) tokens = NULL;
  g_autoptr(TernAccount) added = NULL;
  g_autoptr(GError) error = NULL;
  TernStore *store;

  tokens = tern_oauth2_flow_wait_finish (result, &error);
  /* The flow is the wait's until it ends; the window may have gone meanwhile (closing it
   * cancels the wait). */
  g_weak_ref_clear (&sign_in->prefs);
  tern_oauth2_flow_free (sign_in->flow);
  g_free (sign_in);
  if (self == NULL)
    return;
  self->oauth2_flow = NULL;
  if (gtk_widget_in_destruction (GTK_WIDGET (self)))
    return;
  store = tern_application_get_store (self->app);
  g_clear_object (&self->oauth2_cancellable);
  if (tokens == NULL)
    {
      set_sign_in_state (self, FALSE, g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED)
                                      ? _("Not signed in") : error->message);
      g_clear_pointer (&self->oauth2_account, tern_account_free);
      return;
    }
  if (!tern_store_add_account (store, self->oauth2_account, NULL, &error) ||
      (added = tern_store_get_account (store, self->oauth2_account->name, &error)) == NULL ||
      !tern_oauth2_save_tokens (added, tokens, &error))
    {
      /* No account without its sign-in. */
      if (added != NULL)
        tern_store_remove_account (store, added->name, NULL);
      set_sign_in_state (self, FALSE, error->message);
      g_clear_pointer (&self->oauth2_account, tern_account_free);
      return;
    }
  g_clear_pointer (&self->oauth2_account, tern_account_free);
  _tern_preferences_finish_add (self, store, added);
  tern_application_reload_accounts (self->app);
  gtk_window_close (GTK_WINDOW (self));
}

static void
sign_in_clicked_cb (TernPreferences *self)
{
  g_autoptr(GError) error = NULL;
  SignIn *sign_in;
  TernAccount form;

  if (self->oauth2_flow != NULL || self->found == NULL)
    return;
  _tern_preferences_form_account (self, &form);
  g_clear_pointer (&self->oauth2_account, tern_account_free);
  self->oauth2_account = tern_discovery_result_to_account (self->found, form.name);
  /* What the form says now (the user may have changed it), with the provider's sign-in. */
  g_free (self->oauth2_account->email);
  self->oauth2_account->email = g_strdup (form.email);
  g_free (self->oauth2_account->host);
  self->oauth2_account->host = g_strdup (form.host);
  self->oauth2_account->port = form.port;
  g_free (self->oauth2_account->security);
  self->oauth2_account->security = g_strdup (form.security);
  g_free (self->oauth2_account->user);
  self->oauth2_account->user = g_strdup (form.user);
  g_free (self->oauth2_account->ca_file);
  self->oauth2_account->ca_file = g_strdup (form.ca_file);
  if (self->oauth2_account->oauth2_client_id == NULL)
    self->oauth2_account->oauth2_client_id = tern_oauth2_dup_client_id (self->oauth2_account->oauth2_issuer, NULL);

  self->oauth2_flow = tern_oauth2_flow_new (self->oauth2_account, form.email, &error);
  if (self->oauth2_flow == NULL)
    {
      set_sign_in_state (self, FALSE, error->message);
      g_clear_pointer (&self->oauth2_account, tern_account_free);
      return;
    }
  gtk_label_set_text (GTK_LABEL (self->oauth2_uri), tern_oauth2_flow_get_uri (self->oauth2_flow));
  set_sign_in_state (self, TRUE, _("Waiting for the sign-in in your browser…"));
  self->oauth2_cancellable = g_cancellable_new ();
  sign_in = g_new0 (SignIn, 1);
  g_weak_ref_init (&sign_in->prefs, self);
  sign_in->flow = self->oauth2_flow;
  tern_oauth2_flow_wait_async (self->oauth2_flow, self->oauth2_cancellable, signed_in_cb, sign_in);
  tern_open_uri (tern_oauth2_flow_get_uri (self->oauth2_flow));
}

static void
cancel_clicked_cb (TernPreferences *self)
{
  g_cancellable_cancel (self->oauth2_cancellable);
}

static void
copy_clicked_cb (TernPreferences *self)
{
  gdk_clipboard_set_text (gtk_widget_get_clipboard (GTK_WIDGET (self)),
                          gtk_label_get_text (GTK_LABEL (self->oauth2_uri)));
  adw_preferences_window_add_toast (ADW_PREFERENCES_WINDOW (self), adw_toast_new (_("Address copied")));
}

/* After Find Settings: the sign-in row instead of the password when the provider wants it. */
void
_tern_preferences_show_sign_in (TernPreferences *self,
                                gboolean         oauth2)
{
  gtk_widget_set_visible (self->oauth2_row, oauth2);
  gtk_widget_set_visible (self->oauth2_buttons, oauth2);
  gtk_widget_set_visible (self->password, !oauth2);
  if (oauth2)
    adw_action_row_set_subtitle (ADW_ACTION_ROW (self->oauth2_row),
                                 _("Your provider signs you in on its own page, not with a password here"));
}

static void
destroy_cb (TernPreferences *self)
{
  /* The wait for the browser ends with the window. */
  g_cancellable_cancel (self->oauth2_cancellable);
}

void
_tern_preferences_add_sign_in_rows (TernPreferences     *self,
                                    AdwPreferencesGroup *group)
{
  GtkWidget *button;

  g_signal_connect (self, "destroy", G_CALLBACK (destroy_cb), NULL);

  self->oauth2_row = adw_action_row_new ();
  gtk_widget_set_name (self->oauth2_row, "oauth2-row");
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->oauth2_row), _("Sign in with your provider"));
  self->oauth2_spinner = gtk_spinner_new ();
  gtk_widget_set_visible (self->oauth2_spinner, FALSE);
  adw_action_row_add_suffix (ADW_ACTION_ROW (self->oauth2_row), self->oauth2_spinner);
  gtk_widget_set_visible (self->oauth2_row, FALSE);
  adw_preferences_group_add (group, self->oauth2_row);

  /* Where no browser opens: the address, to copy into one. */
  self->oauth2_uri_row = adw_action_row_new ();
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->oauth2_uri_row), _("No browser? Open this address:"));
  self->oauth2_uri = gtk_label_new (NULL);
  gtk_widget_set_name (self->oauth2_uri, "oauth2-uri");
  gtk_label_set_selectable (GTK_LABEL (self->oauth2_uri), TRUE);
  gtk_label_set_ellipsize (GTK_LABEL (self->oauth2_uri), PANGO_ELLIPSIZE_MIDDLE);
  gtk_label_set_xalign (GTK_LABEL (self->oauth2_uri), 0.0);
  gtk_widget_set_hexpand (self->oauth2_uri, TRUE);
  gtk_widget_add_css_class (self->oauth2_uri, "dim-label");
  adw_action_row_add_suffix (ADW_ACTION_ROW (self->oauth2_uri_row), self->oauth2_uri);
  button = gtk_button_new_from_icon_name ("edit-copy-symbolic");
  gtk_widget_set_tooltip_text (button, _("Copy the address"));
  gtk_widget_set_name (button, "oauth2-copy");
  gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
  gtk_widget_add_css_class (button, "flat");
  g_signal_connect_swapped (button, "clicked", G_CALLBACK (copy_clicked_cb), self);
  adw_action_row_add_suffix (ADW_ACTION_ROW (self->oauth2_uri_row), button);
  gtk_widget_set_visible (self->oauth2_uri_row, FALSE);
  adw_preferences_group_add (group, self->oauth2_uri_row);

  /* The buttons below the rows: room for the words in a narrow window. */
  self->oauth2_buttons = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);
  gtk_widget_set_halign (self->oauth2_buttons, GTK_ALIGN_CENTER);
  gtk_widget_set_margin_top (self->oauth2_buttons, 12);
  self->oauth2_cancel = gtk_button_new_with_mnemonic (_("_Cancel"));
  gtk_widget_set_name (self->oauth2_cancel, "oauth2-cancel");
  gtk_widget_add_css_class (self->oauth2_cancel, "pill");
  gtk_widget_set_visible (self->oauth2_cancel, FALSE);
  g_signal_connect_swapped (self->oauth2_cancel, "clicked", G_CALLBACK (cancel_clicked_cb), self);
  gtk_box_append (GTK_BOX (self->oauth2_buttons), self->oauth2_cancel);
  self->oauth2_button = gtk_button_new_with_mnemonic (_("Sign In with _Browser"));
  gtk_widget_set_name (self->oauth2_button, "oauth2-sign-in");
  gtk_widget_add_css_class (self->oauth2_button, "suggested-action");
  gtk_widget_add_css_class (self->oauth2_button, "pill");
  g_signal_connect_swapped (self->oauth2_button, "clicked", G_CALLBACK (sign_in_clicked_cb), self);
  gtk_box_append (GTK_BOX (self->oauth2_buttons), self->oauth2_button);
  gtk_widget_set_visible (self->oauth2_buttons, FALSE);
  adw_preferences_group_add (group, self->oauth2_buttons);
}

void
_tern_preferences_clear_sign_in (TernPreferences *self)
{
  g_cancellable_cancel (self->oauth2_cancellable);
  g_clear_object (&self->oauth2_cancellable);
  /* A flow still waiting is freed when its wait ends. */
  self->oauth2_flow = NULL;
  g_clear_pointer (&self->oauth2_account, tern_account_free);
}
