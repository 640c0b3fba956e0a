/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "tern-sign-in-bar"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "tern-account-worker.h"
#include "tern-oauth2.h"
#include "tern-sign-in-bar.h"

/*
 * "Sign in again": when a provider revoked Tern's sign-in, or an Online Accounts account is
 * gone or has mail turned off, the account stops (no retry loop) and this bar says so above
 * the message list, with the way out: the browser sign-in again (the same flow as Add Account),
 * or Settings for Online Accounts. Signed in, the account's worker starts again.
 */

struct _TernSignInBar
{
  GtkWidget        parent_instance;

  TernApplication *app;          /* borrowed */
  GPtrArray       *watched;      /* workers whose notify is connected (weak) */
  GtkWidget       *revealer;
  GtkWidget       *label;
  GtkWidget       *button;
  GtkWidget       *cancel;
  gint64           account_id;
  char            *state;
  GCancellable    *cancellable;  /* while waiting for the browser */
};

G_DEFINE_FINAL_TYPE (TernSignInBar, tern_sign_in_bar, GTK_TYPE_WIDGET)

static void
update (TernSignInBar *self)
{
  g_autoptr(GPtrArray) workers = NULL;
  TernStore *store;

  if (self->app == NULL || self->cancellable != NULL)
    return;
  store = tern_application_get_store (self->app);
  workers = tern_application_list_workers (self->app);
  self->account_id = 0;
  g_clear_pointer (&self->state, g_free);
  for (guint i = 0; i < workers->len && self->account_id == 0; i++)
    {
      TernAccountWorker *w = workers->pdata[i];
      g_autoptr(TernAccount) account = NULL;
      g_autofree char *text = NULL;

      if (tern_account_worker_get_state (w) != TERN_ACCOUNT_STATE_NEEDS_USER)
        continue;
      account = tern_store_get_account_by_id (store, tern_account_worker_get_account_id (w), NULL);
      if (account == NULL || account->auth_state == NULL)
        continue;
      self->account_id = account->id;
      self->state = g_strdup (account->auth_state);
      if (g_str_equal (account->auth_state, "goa-removed"))
        text = g_strdup_printf (_("“%s” was removed from Online Accounts: add it again there, or remove it here"),
                                account->name);
      else if (g_str_equal (account->auth_state, "goa-mail-off"))
        text = g_strdup_printf (_("Mail is turned off for “%s” in Online Accounts"), account->name);
      else if (account->goa_id != NULL)
        text = g_strdup_printf (_("“%s” needs you to sign in again in Online Accounts"), account->name);
      else
        text = g_strdup_printf (_("“%s” needs you to sign in again to get and send mail"), account->name);
      gtk_label_set_text (GTK_LABEL (self->label), text);
      gtk_button_set_label (GTK_BUTTON (self->button),
                            account->goa_id != NULL ? _("_Open Settings") : _("_Sign In…"));
      gtk_widget_set_visible (self->button, !g_str_equal (account->auth_state, "goa-removed"));
    }
  gtk_widget_set_visible (self->cancel, FALSE);
  gtk_widget_set_sensitive (self->button, TRUE);
  gtk_revealer_set_reveal_child (GTK_REVEALER (self->revealer), self->account_id != 0);
}

typedef struct
{
  GWeakRef        bar;
  TernOAuth2Flow *flow;
  gint64          account_id;
} Wait;

static void
signed_in_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  Wait *wait = user_data;
  g_autoptr(TernSignInBar) self = g_weak_ref_get (&wait->bar);
  g_autoptr(TernOAuth2Tokens) tokens = tern_oauth2_flow_wait_finish (result, NULL);
  g_autoptr(TernAccount) account = NULL;
  g_autoptr(GError) error = NULL;
  gint64 account_id = wait->account_id;

  g_weak_ref_clear (&wait->bar);
  tern_oauth2_flow_free (wait->flow);
  g_free (wait);
  if (self == NULL)
    return;
  g_clear_object (&self->cancellable);
  account = tern_store_get_account_by_id (tern_application_get_store (self->app), account_id, NULL);
  if (tokens != NULL && account != NULL && tern_oauth2_save_tokens (account, tokens, &error) &&
      tern_store_set_account_auth_state (tern_application_get_store (self->app), account_id, NULL, &error))
    {
      TernAccountWorker *worker = tern_application_get_worker (self->app, account_id);

      /* Signed in: the account starts again, and the bar goes with its state. */
      gtk_revealer_set_reveal_child (GTK_REVEALER (self->revealer), FALSE);
      self->account_id = 0;
      if (worker != NULL)
        tern_account_worker_reload_account (worker);
      return;
    }
  if (error != NULL)
    g_debug ("Sign-in not kept: %s", error->message);
  update (self);
}

static void
button_clicked_cb (TernSignInBar *self)
{
  g_autoptr(TernAccount) account = NULL;
  g_autoptr(GError) error = NULL;
  TernOAuth2Flow *flow;
  Wait *wait;

  if (self->account_id == 0 || self->cancellable != NULL)
    return;
  account = tern_store_get_account_by_id (tern_application_get_store (self->app), self->account_id, NULL);
  if (account == NULL)
    return;
  if (account->goa_id != NULL)
    {
      /* Online Accounts keeps the sign-in: its page in Settings. */
      g_autoptr(GAppInfo) settings = g_app_info_create_from_commandline ("gnome-control-center online-accounts",
                                                                         NULL, G_APP_INFO_CREATE_NONE, NULL);

      if (settings == NULL || !g_app_info_launch (settings, NULL, NULL, &error))
        g_debug ("Settings did not open: %s", error ? error->message : "");
      return;
    }
  flow = tern_oauth2_flow_new (account, account->email, &error);
  if (flow == NULL)
    {
      gtk_label_set_text (GTK_LABEL (self->label), error->message);
      return;
    }
  self->cancellable = g_cancellable_new ();
  wait = g_new0 (Wait, 1);
  g_weak_ref_init (&wait->bar, self);
  wait->flow = flow;
  wait->account_id = account->id;
  gtk_label_set_text (GTK_LABEL (self->label), _("Waiting for the sign-in in your browser…"));
  gtk_widget_set_sensitive (self->button, FALSE);
  gtk_widget_set_visible (self->cancel, TRUE);
  tern_oauth2_flow_wait_async (flow, self->cancellable, signed_in_cb, wait);
  tern_open_uri (tern_oauth2_flow_get_uri (flow));
}

static void
cancel_clicked_cb (TernSignInBar *self)
{
  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
}

static void
accounts_changed_cb (TernSignInBar *self)
{
  g_autoptr(GPtrArray) workers = tern_application_list_workers (self->app);

  for (guint i = 0; i < workers->len; i++)
    {
      if (g_ptr_array_find (self->watched, workers->pdata[i], NULL))
        continue;
      g_signal_connect_object (workers->pdata[i], "notify::state", G_CALLBACK (update), self,
                               G_CONNECT_SWAPPED);
      g_ptr_array_add (self->watched, workers->pdata[i]);
      g_object_weak_ref (workers->pdata[i], (GWeakNotify) (void (*) (void)) g_ptr_array_remove_fast,
                         self->watched);
    }
  update (self);
}

static void
tern_sign_in_bar_dispose (GObject *object)
{
  TernSignInBar *self = TERN_SIGN_IN_BAR (object);

  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  for (guint i = 0; self->watched != NULL && i < self->watched->len; i++)
    g_object_weak_unref (self->watched->pdata[i], (GWeakNotify) (void (*) (void)) g_ptr_array_remove_fast,
                         self->watched);
  g_clear_pointer (&self->watched, g_ptr_array_unref);
  g_clear_pointer (&self->revealer, gtk_widget_unparent);
  g_clear_pointer (&self->state, g_free);
  G_OBJECT_CLASS (tern_sign_in_bar_parent_class)->dispose (object);
}

static void
tern_sign_in_bar_class_init (TernSignInBarClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = tern_sign_in_bar_dispose;
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
}

static void
tern_sign_in_bar_init (TernSignInBar *self)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 8);
  GtkWidget *icon = gtk_image_new_from_icon_name ("dialog-password-symbolic");

  self->watched = g_ptr_array_new ();
  self->revealer = gtk_revealer_new ();
  gtk_widget_set_name (GTK_WIDGET (self), "sign-in-bar");
  gtk_widget_set_parent (self->revealer, GTK_WIDGET (self));
  gtk_revealer_set_child (GTK_REVEALER (self->revealer), box);
  gtk_widget_add_css_class (box, "toolbar");
  gtk_widget_add_css_class (box, "sign-in-bar");
  gtk_box_append (GTK_BOX (box), icon);
  self->label = gtk_label_new (NULL);
  gtk_label_set_wrap (GTK_LABEL (self->label), TRUE);
  gtk_label_set_xalign (GTK_LABEL (self->label), 0);
  gtk_widget_set_hexpand (self->label, TRUE);
  gtk_box_append (GTK_BOX (box), self->label);
  self->cancel = gtk_button_new_with_mnemonic (_("_Cancel"));
  gtk_widget_set_name (self->cancel, "sign-in-cancel");
  gtk_widget_set_valign (self->cancel, GTK_ALIGN_CENTER);
  gtk_widget_set_visible (self->cancel, FALSE);
  g_signal_connect_swapped (self->cancel, "clicked", G_CALLBACK (cancel_clicked_cb), self);
  gtk_box_append (GTK_BOX (box), self->cancel);
  self->button = gtk_button_new_with_mnemonic (_("_Sign In…"));
  gtk_widget_set_name (self->button, "sign-in-again");
  gtk_widget_set_valign (self->button, GTK_ALIGN_CENTER);
  gtk_widget_add_css_class (self->button, "suggested-action");
  g_signal_connect_swapped (self->button, "clicked", G_CALLBACK (button_clicked_cb), self);
  gtk_box_append (GTK_BOX (box), self->button);
}

GtkWidget *
tern_sign_in_bar_new (TernApplication *app)
{
  TernSignInBar *self = g_object_new (TERN_TYPE_SIGN_IN_BAR, NULL);

  self->app = app;
  g_signal_connect_object (app, "accounts-changed", G_CALLBACK (accounts_changed_cb), self, G_CONNECT_SWAPPED);
  accounts_changed_cb (self);
  return GTK_WIDGET (self);
}

gint64
tern_sign_in_bar_get_account (TernSignInBar *self)
{
  g_return_val_if_fail (TERN_IS_SIGN_IN_BAR (self), 0);

  return gtk_revealer_get_reveal_child (GTK_REVEALER (self->revealer)) ? self->account_id : 0;
}
