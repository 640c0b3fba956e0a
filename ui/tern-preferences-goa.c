/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "tern-preferences"

#include "config.h"

#include <glib/gi18n.h>

#include "tern-goa.h"
#include "tern-identity.h"
#include "tern-outbox.h"
#include "tern-preferences-private.h"

/*
 * "Use an Online Account": the mail accounts of GNOME Online Accounts, listed at the top of
 * Add Account (the group shows only when there are some), each added in one click with its
 * servers and sign-in from GOA (which gives Tern an access token each time one is needed;
 * nothing is stored here). Those Tern cannot use say why (mail turned off, a sign-in
 * needed in Settings) and cannot be clicked. The list follows GOA's changes.
 */

static void
goa_add_clicked_cb (GtkWidget       *button,
                    TernPreferences *self)
{
  TernStore *store = tern_application_get_store (self->app);
  const char *id = g_object_get_data (G_OBJECT (button), "goa-id");
  g_autoptr(TernGoaAccount) goa = NULL;
  g_autoptr(TernAccount) record = NULL;
  g_autoptr(GError) error = NULL;
  gint64 account_id = 0;

  if (self->goa == NULL || (goa = tern_goa_accounts_lookup (self->goa, id)) == NULL)
    return;
  record = tern_goa_account_to_account (goa, NULL);
  if (!tern_store_add_account (store, record, &account_id, &error))
    {
      adw_preferences_window_add_toast (ADW_PREFERENCES_WINDOW (self), adw_toast_new (error->message));
      return;
    }
  /* Sending with receiving, and the person's name from GOA. */
  if (goa->smtp_host != NULL)
    {
      TernSmtpSettings smtp = { 0 };

      smtp.account_id = account_id;
      smtp.host = goa->smtp_host;
      smtp.port = goa->smtp_port;
      smtp.security = goa->smtp_security;
      smtp.user = goa->smtp_user;
      if (!tern_outbox_set_smtp (store, &smtp, &error))
        g_debug ("Cannot store the outgoing server: %s", error->message);
      g_clear_error (&error);
    }
  if (goa->name != NULL && *goa->name != '\0')
    {
      TernIdentity identity = { 0 };

      identity.account_id = account_id;
      identity.address = record->email;
      identity.name = goa->name;
      identity.is_default = TRUE;
      if (!tern_identity_update (store, &identity, &error))
        g_debug ("Cannot store the name: %s", error->message);
    }
  tern_application_reload_accounts (self->app);
  gtk_window_close (GTK_WINDOW (self));
}

static void
fill_goa_rows (TernPreferences *self)
{
  g_autoptr(GPtrArray) accounts = self->goa ? tern_goa_accounts_list (self->goa) : NULL;

  for (guint i = 0; i < self->goa_rows->len; i++)
    adw_preferences_group_remove (ADW_PREFERENCES_GROUP (self->goa_group), self->goa_rows->pdata[i]);
  g_ptr_array_set_size (self->goa_rows, 0);

  for (guint i = 0; accounts != NULL && i < accounts->len; i++)
    {
      const TernGoaAccount *goa = accounts->pdata[i];
      GtkWidget *row = adw_action_row_new ();
      GtkWidget *button = gtk_button_new_with_mnemonic (_("_Add"));
      g_autofree char *name = g_strdup_printf ("goa-%s", goa->id);
      g_autofree char *subtitle = NULL;
      gboolean usable = tern_goa_account_is_usable (goa) && !goa->attention_needed;

      if (!goa->mail_enabled)
        subtitle = g_strdup_printf (_("%s — mail is turned off in Settings"), goa->provider_name);
      else if (goa->attention_needed)
        subtitle = g_strdup_printf (_("%s — sign in again in Settings first"), goa->provider_name);
      else if (!usable)
        subtitle = g_strdup_printf (_("%s — cannot be used for mail here"), goa->provider_name);
      else
        subtitle = g_strdup (goa->provider_name);
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), goa->identity);
      adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
      gtk_widget_set_name (button, name);
      gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
      gtk_widget_set_sensitive (button, usable);
      g_object_set_data_full (G_OBJECT (button), "goa-id", g_strdup (goa->id), g_free);
      g_signal_connect (button, "clicked", G_CALLBACK (goa_add_clicked_cb), self);
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), button);
      adw_action_row_set_activatable_widget (ADW_ACTION_ROW (row), button);
      adw_preferences_group_add (ADW_PREFERENCES_GROUP (self->goa_group), row);
      g_ptr_array_add (self->goa_rows, row);
    }
  gtk_widget_set_visible (self->goa_group, self->goa_rows->len > 0);
}

static void
goa_ready_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  GWeakRef *ref = user_data;
  g_autoptr(TernPreferences) self = g_weak_ref_get (ref);
  g_autoptr(GError) error = NULL;
  TernGoaAccounts *accounts = tern_goa_accounts_new_finish (result, &error);

  /* The window may have gone meanwhile (it holds no reference to itself while it waits). */
  g_weak_ref_clear (ref);
  g_free (ref);
  if (self == NULL || gtk_widget_in_destruction (GTK_WIDGET (self)))
    {
      g_clear_object (&accounts);
      return;
    }
  if (accounts == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_debug ("No Online Accounts: %s", error->message);
      return;
    }
  self->goa = accounts;
  g_signal_connect_object (accounts, "changed", G_CALLBACK (fill_goa_rows), self, G_CONNECT_SWAPPED);
  fill_goa_rows (self);
}

void
_tern_preferences_add_goa_group (TernPreferences *self)
{
  AdwPreferencesGroup *group = ADW_PREFERENCES_GROUP (adw_preferences_group_new ());
  GWeakRef *ref;

  adw_preferences_group_set_title (group, _("Use an Online Account"));
  adw_preferences_group_set_description (group, _("Accounts set up in Settings → Online Accounts: "
                                                  "added in one click, signed in already"));
  gtk_widget_set_name (GTK_WIDGET (group), "goa-group");
  gtk_widget_set_visible (GTK_WIDGET (group), FALSE);
  adw_preferences_page_add (self->add_page, group);
  self->goa_group = GTK_WIDGET (group);
  self->goa_rows = g_ptr_array_new ();
  self->goa_cancellable = g_cancellable_new ();
  ref = g_new0 (GWeakRef, 1);
  g_weak_ref_init (ref, self);
  tern_goa_accounts_new_async (self->goa_cancellable, goa_ready_cb, ref);
}

void
_tern_preferences_clear_goa (TernPreferences *self)
{
  g_cancellable_cancel (self->goa_cancellable);
  g_clear_object (&self->goa_cancellable);
  g_clear_object (&self->goa);
  g_clear_pointer (&self->goa_rows, g_ptr_array_unref);
}
