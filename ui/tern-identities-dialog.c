/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "tern-identities-dialog"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "tern-identities-dialog.h"
#include "tern-identity.h"

/*
 * The Identities list of an account's preferences. One row per identity (edit; remove for a
 * stored one), an Add button; the editor below the list fills in for the identity chosen
 * (id 0 and no address: a new one) and stores it on Save. Widgets carry names for tests.
 */

struct _TernIdentitiesDialog
{
  AdwWindow             parent_instance;

  /* Widgets. */
  AdwPreferencesGroup  *list_group;
  AdwPreferencesGroup  *editor;
  GtkWidget            *name_row;
  GtkWidget            *address_row;
  GtkWidget            *reply_to_row;
  GtkTextView          *signature_view;
  GtkLabel             *error_label;

  /* Owned. */
  GPtrArray            *rows;
  TernIdentity         *editing;   /* NULL: the editor is hidden */

  /* Borrowed. */
  TernStore            *store;
  gint64                account_id;
};

G_DEFINE_FINAL_TYPE (TernIdentitiesDialog, tern_identities_dialog, ADW_TYPE_WINDOW)

static void fill (TernIdentitiesDialog *self);

static void
edit (TernIdentitiesDialog *self,
      const TernIdentity   *identity)
{
  g_clear_pointer (&self->editing, tern_identity_free);
  gtk_label_set_text (self->error_label, "");
  gtk_widget_set_visible (GTK_WIDGET (self->error_label), FALSE);
  if (identity == NULL)
    {
      gtk_widget_set_visible (GTK_WIDGET (self->editor), FALSE);
      return;
    }
  self->editing = tern_identity_copy (identity);
  gtk_editable_set_text (GTK_EDITABLE (self->name_row), identity->name ? identity->name : "");
  gtk_editable_set_text (GTK_EDITABLE (self->address_row), identity->address ? identity->address : "");
  /* The account's own address is the account's: only its name, Reply-To and signature change. */
  gtk_widget_set_sensitive (self->address_row, !identity->is_default);
  gtk_editable_set_text (GTK_EDITABLE (self->reply_to_row), identity->reply_to ? identity->reply_to : "");
  gtk_text_buffer_set_text (gtk_text_view_get_buffer (self->signature_view),
                            identity->signature ? identity->signature : "", -1);
  adw_preferences_group_set_title (self->editor, identity->address ? _("Edit Identity") : _("New Identity"));
  gtk_widget_set_visible (GTK_WIDGET (self->editor), TRUE);
  gtk_widget_grab_focus (identity->is_default ? self->name_row : self->address_row);
}

static const TernIdentity *
row_identity (GtkWidget *widget)
{
  return g_object_get_data (G_OBJECT (widget), "identity");
}

static void
edit_clicked_cb (GtkWidget            *button,
                 TernIdentitiesDialog *self)
{
  edit (self, row_identity (button));
}

static void
remove_clicked_cb (GtkWidget            *button,
                   TernIdentitiesDialog *self)
{
  g_autoptr(GError) error = NULL;
  const TernIdentity *identity = row_identity (button);

  if (!tern_identity_remove (self->store, identity->id, &error))
    g_debug ("Removing an identity: %s", error->message);
  edit (self, NULL);
  fill (self);
}

static void
add_clicked_cb (TernIdentitiesDialog *self)
{
  TernIdentity fresh = { .account_id = self->account_id };

  edit (self, &fresh);
}

static void
show_error (TernIdentitiesDialog *self,
            const char           *message)
{
  gtk_label_set_text (self->error_label, message);
  gtk_widget_set_visible (GTK_WIDGET (self->error_label), TRUE);
}

static void
save_clicked_cb (TernIdentitiesDialog *self)
{
  g_autoptr(GError) error = NULL;
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (self->signature_view);
  g_autofree char *name = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->name_row))));
  g_autofree char *address = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->address_row))));
  g_autofree char *reply_to = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->reply_to_row))));
  g_autofree char *signature = NULL;
  TernIdentity identity;
  GtkTextIter start, end;
  gboolean ok;

  g_return_if_fail (self->editing != NULL);

  gtk_text_buffer_get_bounds (buffer, &start, &end);
  signature = g_strchomp (gtk_text_buffer_get_text (buffer, &start, &end, FALSE));
  if (strchr (address, '@') == NULL || strchr (address, ' ') != NULL)
    {
      show_error (self, _("Enter an email address."));
      return;
    }
  if (*reply_to != '\0' && strchr (reply_to, '@') == NULL)
    {
      show_error (self, _("The Reply-To address is not an email address."));
      return;
    }
  identity = *self->editing;
  identity.name = name;
  identity.address = address;
  identity.reply_to = reply_to;
  identity.signature = signature;
  if (self->editing->address == NULL)
    ok = tern_identity_add (self->store, &identity, NULL, &error);
  else
    ok = tern_identity_update (self->store, &identity, &error);
  if (!ok)
    {
      show_error (self, g_error_matches (error, TERN_STORE_ERROR, TERN_STORE_ERROR_EXISTS)
                        ? _("The account has an identity with this address already.")
                        : error->message);
      return;
    }
  edit (self, NULL);
  fill (self);
}

static void
cancel_clicked_cb (TernIdentitiesDialog *self)
{
  edit (self, NULL);
}

static GtkWidget *
icon_button (const char *icon,
             const char *tooltip,
             const char *name)
{
  GtkWidget *button = gtk_button_new_from_icon_name (icon);

  gtk_widget_set_tooltip_text (button, tooltip);
  gtk_widget_set_name (button, name);
  gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
  gtk_widget_add_css_class (button, "flat");
  return button;
}

static void
fill (TernIdentitiesDialog *self)
{
  g_autoptr(GPtrArray) identities = tern_identity_list (self->store, self->account_id, NULL);

  for (guint i = 0; i < self->rows->len; i++)
    adw_preferences_group_remove (self->list_group, self->rows->pdata[i]);
  g_ptr_array_set_size (self->rows, 0);

  for (guint i = 0; identities != NULL && i < identities->len; i++)
    {
      TernIdentity *identity = identities->pdata[i];
      GtkWidget *row = adw_action_row_new ();
      GtkWidget *button;
      g_autofree char *title = identity->name
                               ? g_markup_printf_escaped ("%s &lt;%s&gt;", identity->name, identity->address)
                               : g_markup_escape_text (identity->address, -1);
      g_autoptr(GString) subtitle = g_string_new (identity->is_default ? _("The account’s address") : "");

      if (identity->reply_to != NULL)
        {
          if (subtitle->len > 0)
            g_string_append (subtitle, " · ");
          g_string_append_printf (subtitle, _("Replies to %s"), identity->reply_to);
        }
      if (identity->signature != NULL)
        {
          if (subtitle->len > 0)
            g_string_append (subtitle, " · ");
          g_string_append (subtitle, _("Signature"));
        }
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
      adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle->str);
      gtk_widget_set_name (row, "identity");
      g_object_set_data_full (G_OBJECT (row), "identity", g_steal_pointer (&identities->pdata[i]),
                              (GDestroyNotify) tern_identity_free);

      button = icon_button ("document-edit-symbolic", _("Edit"), "identity-edit");
      g_object_set_data (G_OBJECT (button), "identity", (gpointer) row_identity (row));
      g_signal_connect (button, "clicked", G_CALLBACK (edit_clicked_cb), self);
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), button);
      if (((TernIdentity *) row_identity (row))->id != 0)
        {
          button = icon_button ("user-trash-symbolic", _("Remove"), "identity-remove");
          g_object_set_data (G_OBJECT (button), "identity", (gpointer) row_identity (row));
          g_signal_connect (button, "clicked", G_CALLBACK (remove_clicked_cb), self);
          adw_action_row_add_suffix (ADW_ACTION_ROW (row), button);
        }
      adw_preferences_group_add (self->list_group, row);
      g_ptr_array_add (self->rows, row);
    }
}

static GtkWidget *
entry_row (AdwPreferencesGroup *group,
           const char          *title,
           const char          *name)
{
  GtkWidget *row = adw_entry_row_new ();

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  gtk_widget_set_name (row, name);
  adw_preferences_group_add (group, row);
  return row;
}

static void
tern_identities_dialog_finalize (GObject *object)
{
  TernIdentitiesDialog *self = TERN_IDENTITIES_DIALOG (object);

  g_clear_pointer (&self->rows, g_ptr_array_unref);
  g_clear_pointer (&self->editing, tern_identity_free);
  G_OBJECT_CLASS (tern_identities_dialog_parent_class)->finalize (object);
}

static void
tern_identities_dialog_class_init (TernIdentitiesDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->finalize = tern_identities_dialog_finalize;
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
tern_identities_dialog_init (TernIdentitiesDialog *self)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  GtkWidget *header = adw_header_bar_new ();
  GtkWidget *page = adw_preferences_page_new ();
  GtkWidget *add = gtk_button_new_from_icon_name ("list-add-symbolic");
  GtkWidget *buttons = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  GtkWidget *save = gtk_button_new_with_mnemonic (_("_Save"));
  GtkWidget *cancel = gtk_button_new_with_mnemonic (_("_Cancel"));
  GtkWidget *frame = gtk_frame_new (NULL);
  GtkWidget *scroller = gtk_scrolled_window_new ();
  GtkWidget *label = gtk_label_new (_("Signature"));

  self->rows = g_ptr_array_new ();
  gtk_window_set_title (GTK_WINDOW (self), _("Identities"));
  gtk_window_set_default_size (GTK_WINDOW (self), 520, 600);
  gtk_window_set_modal (GTK_WINDOW (self), TRUE);

  gtk_widget_set_tooltip_text (add, _("Add an identity"));
  gtk_widget_set_name (add, "identity-add");
  g_signal_connect_swapped (add, "clicked", G_CALLBACK (add_clicked_cb), self);
  adw_header_bar_pack_start (ADW_HEADER_BAR (header), add);
  gtk_box_append (GTK_BOX (box), header);

  self->list_group = ADW_PREFERENCES_GROUP (adw_preferences_group_new ());
  adw_preferences_group_set_title (self->list_group, _("Identities"));
  adw_preferences_group_set_description (self->list_group,
                                         _("The addresses you write from in this account"));
  adw_preferences_page_add (ADW_PREFERENCES_PAGE (page), self->list_group);

  self->editor = ADW_PREFERENCES_GROUP (adw_preferences_group_new ());
  self->address_row = entry_row (self->editor, _("Address"), "identity-address");
  self->name_row = entry_row (self->editor, _("Name"), "identity-name");
  self->reply_to_row = entry_row (self->editor, _("Reply-To (optional)"), "identity-reply-to");
  gtk_widget_set_halign (label, GTK_ALIGN_START);
  gtk_widget_set_margin_top (label, 12);
  gtk_widget_add_css_class (label, "heading");
  adw_preferences_group_add (self->editor, label);
  self->signature_view = GTK_TEXT_VIEW (gtk_text_view_new ());
  gtk_widget_set_name (GTK_WIDGET (self->signature_view), "identity-signature");
  gtk_text_view_set_monospace (self->signature_view, TRUE);
  gtk_text_view_set_wrap_mode (self->signature_view, GTK_WRAP_WORD_CHAR);
  gtk_text_view_set_top_margin (self->signature_view, 6);
  gtk_text_view_set_left_margin (self->signature_view, 6);
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scroller), GTK_WIDGET (self->signature_view));
  gtk_scrolled_window_set_min_content_height (GTK_SCROLLED_WINDOW (scroller), 96);
  gtk_frame_set_child (GTK_FRAME (frame), scroller);
  gtk_widget_set_margin_top (frame, 6);
  adw_preferences_group_add (self->editor, frame);
  self->error_label = GTK_LABEL (gtk_label_new (NULL));
  gtk_widget_add_css_class (GTK_WIDGET (self->error_label), "error");
  gtk_label_set_wrap (self->error_label, TRUE);
  gtk_widget_set_visible (GTK_WIDGET (self->error_label), FALSE);
  adw_preferences_group_add (self->editor, GTK_WIDGET (self->error_label));
  gtk_widget_set_halign (buttons, GTK_ALIGN_END);
  gtk_widget_set_margin_top (buttons, 12);
  gtk_widget_set_name (save, "identity-save");
  gtk_widget_add_css_class (save, "suggested-action");
  g_signal_connect_swapped (save, "clicked", G_CALLBACK (save_clicked_cb), self);
  g_signal_connect_swapped (cancel, "clicked", G_CALLBACK (cancel_clicked_cb), self);
  gtk_box_append (GTK_BOX (buttons), cancel);
  gtk_box_append (GTK_BOX (buttons), save);
  adw_preferences_group_add (self->editor, buttons);
  gtk_widget_set_visible (GTK_WIDGET (self->editor), FALSE);
  adw_preferences_page_add (ADW_PREFERENCES_PAGE (page), self->editor);

  gtk_widget_set_vexpand (page, TRUE);
  gtk_box_append (GTK_BOX (box), page);
  adw_window_set_content (ADW_WINDOW (self), box);
}

TernIdentitiesDialog *
tern_identities_dialog_new (GtkWindow  *parent,
                            TernStore  *store,
                            gint64      account_id)
{
  TernIdentitiesDialog *self;

  g_return_val_if_fail (store != NULL, NULL);

  self = g_object_new (TERN_TYPE_IDENTITIES_DIALOG, "transient-for", parent, NULL);
  self->store = store;
  self->account_id = account_id;
  fill (self);
  return self;
}
