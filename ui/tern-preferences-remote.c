/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "tern-preferences"

#include "config.h"

#include <glib/gi18n.h>

#include "tern-preferences-private.h"

/* Preferences → an account → "Remote Content": the senders and domains whose HTML mail loads
 * remote images at once (chosen with "Always Load from ..." under a message), each removable.
 * Everything else stays blocked until the user asks. */

typedef struct
{
  TernStore  *store;       /* borrowed: the app's */
  gint64      account_id;
  GtkWidget  *page;        /* AdwPreferencesPage */
  GtkWidget  *groups[2];   /* senders, domains */
  GPtrArray  *rows;        /* every row shown, to remove on refresh */
} RemoteDialog;

static void fill (RemoteDialog *d);

static void
remove_clicked_cb (GtkWidget    *button,
                   RemoteDialog *d)
{
  TernRemoteKind kind = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (button), "kind"));
  const char *value = g_object_get_data (G_OBJECT (button), "value");
  g_autoptr(GError) error = NULL;

  if (!tern_store_forget_remote_content (d->store, d->account_id, kind, value, &error))
    g_warning ("Cannot remove %s: %s", value, error->message);
  fill (d);
}

static void
add_row (RemoteDialog   *d,
         TernRemoteKind  kind,
         const char     *value)
{
  GtkWidget *row = adw_action_row_new ();
  GtkWidget *button = gtk_button_new_from_icon_name ("user-trash-symbolic");

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), value);
  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
  gtk_widget_add_css_class (button, "flat");
  gtk_widget_set_tooltip_text (button, _("Remove"));
  gtk_accessible_update_property (GTK_ACCESSIBLE (button), GTK_ACCESSIBLE_PROPERTY_LABEL, _("Remove"), -1);
  gtk_widget_set_name (button, "remove-remote");
  g_object_set_data (G_OBJECT (button), "kind", GINT_TO_POINTER (kind));
  g_object_set_data_full (G_OBJECT (button), "value", g_strdup (value), g_free);
  g_signal_connect (button, "clicked", G_CALLBACK (remove_clicked_cb), d);
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), button);
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (d->groups[kind]), row);
  g_ptr_array_add (d->rows, row);
}

static void
fill (RemoteDialog *d)
{
  for (guint i = 0; i < d->rows->len; i++)
    {
      GtkWidget *row = d->rows->pdata[i];

      adw_preferences_group_remove (ADW_PREFERENCES_GROUP (gtk_widget_get_ancestor (row, ADW_TYPE_PREFERENCES_GROUP)), row);
    }
  g_ptr_array_set_size (d->rows, 0);
  for (TernRemoteKind kind = TERN_REMOTE_SENDER; kind <= TERN_REMOTE_DOMAIN; kind++)
    {
      g_auto(GStrv) values = tern_store_list_remote_content (d->store, d->account_id, kind, NULL);
      guint n = values != NULL ? g_strv_length (values) : 0;

      for (guint i = 0; i < n; i++)
        add_row (d, kind, values[i]);
      if (n == 0)
        {
          GtkWidget *row = adw_action_row_new ();

          adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row),
                                         kind == TERN_REMOTE_SENDER ? _("No senders") : _("No domains"));
          gtk_widget_add_css_class (row, "dim-label");
          adw_preferences_group_add (ADW_PREFERENCES_GROUP (d->groups[kind]), row);
          g_ptr_array_add (d->rows, row);
        }
    }
}

static void
remote_dialog_free (RemoteDialog *d)
{
  g_ptr_array_unref (d->rows);
  g_free (d);
}

static void
edit_clicked_cb (GtkWidget       *button,
                 TernPreferences *self)
{
  RemoteDialog *d = g_new0 (RemoteDialog, 1);
  GtkWidget *window = adw_window_new ();
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  GtkWidget *header = adw_header_bar_new ();

  d->store = tern_application_get_store (self->app);
  d->account_id = (gint64) GPOINTER_TO_SIZE (g_object_get_data (G_OBJECT (button), "account-id"));
  d->rows = g_ptr_array_new ();
  gtk_window_set_title (GTK_WINDOW (window), _("Remote Content"));
  gtk_window_set_modal (GTK_WINDOW (window), TRUE);
  gtk_window_set_transient_for (GTK_WINDOW (window), GTK_WINDOW (self));
  gtk_window_set_default_size (GTK_WINDOW (window), 460, 480);
  gtk_widget_set_name (window, "remote-content");
  g_object_set_data_full (G_OBJECT (window), "remote-dialog", d, (GDestroyNotify) remote_dialog_free);

  d->page = adw_preferences_page_new ();
  d->groups[TERN_REMOTE_SENDER] = adw_preferences_group_new ();
  adw_preferences_group_set_title (ADW_PREFERENCES_GROUP (d->groups[TERN_REMOTE_SENDER]), _("Senders"));
  adw_preferences_group_set_description (ADW_PREFERENCES_GROUP (d->groups[TERN_REMOTE_SENDER]),
                                         _("Their messages load images and other remote content at once. "
                                           "Loading remote content tells the sender that you opened the message."));
  d->groups[TERN_REMOTE_DOMAIN] = adw_preferences_group_new ();
  adw_preferences_group_set_title (ADW_PREFERENCES_GROUP (d->groups[TERN_REMOTE_DOMAIN]), _("Domains"));
  adw_preferences_group_set_description (ADW_PREFERENCES_GROUP (d->groups[TERN_REMOTE_DOMAIN]),
                                         _("Messages from any address at these domains do the same."));
  adw_preferences_page_add (ADW_PREFERENCES_PAGE (d->page), ADW_PREFERENCES_GROUP (d->groups[0]));
  adw_preferences_page_add (ADW_PREFERENCES_PAGE (d->page), ADW_PREFERENCES_GROUP (d->groups[1]));
  fill (d);

  gtk_box_append (GTK_BOX (box), header);
  gtk_widget_set_vexpand (d->page, TRUE);
  gtk_box_append (GTK_BOX (box), d->page);
  adw_window_set_content (ADW_WINDOW (window), box);
  gtk_window_present (GTK_WINDOW (window));
}

void
_tern_preferences_add_remote_row (TernPreferences   *self,
                                  GtkWidget         *expander,
                                  const TernAccount *a)
{
  GtkWidget *row = adw_action_row_new ();
  GtkWidget *button = gtk_button_new_with_mnemonic (_("_Edit…"));

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), _("Remote Content"));
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), _("Senders and domains whose images load at once"));
  gtk_widget_set_name (button, "remote-content");
  gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
  g_object_set_data (G_OBJECT (button), "account-id", GSIZE_TO_POINTER ((gsize) a->id));
  g_signal_connect (button, "clicked", G_CALLBACK (edit_clicked_cb), self);
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), button);
  adw_action_row_set_activatable_widget (ADW_ACTION_ROW (row), button);
  adw_expander_row_add_row (ADW_EXPANDER_ROW (expander), row);
}
