/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "tern-contacts-window"

#include "config.h"

#include <glib/gi18n.h>

#include "tern-contacts-window.h"
#include "tern-contacts.h"
#include "tern-mime.h"

/*
 * The Contacts window. A search entry over a boxed list: one AdwEntryRow a contact, the
 * address as its title and the name as its text (Enter or the apply button stores it), with
 * Write Message and Delete buttons. The header bar has Add (a small dialog) and a menu with
 * Import and Export vCard. Widgets carry names for tests.
 */

/* The list shows this many rows at most: a search finds the rest. */
#define SHOWN_MAX 500

struct _TernContactsWindow
{
  AdwWindow        parent_instance;

  /* Widgets. */
  AdwToastOverlay *toasts;
  GtkSearchEntry  *search;
  GtkListBox      *list;
  GtkStack        *stack;
  AdwStatusPage   *empty;

  /* Owned. */
  GPtrArray       *contacts;  /* TernContact, as listed */

  /* Borrowed. */
  TernApplication *app;
  TernStore       *store;
};

G_DEFINE_FINAL_TYPE (TernContactsWindow, tern_contacts_window, ADW_TYPE_WINDOW)

static void
toast (TernContactsWindow *self,
       const char         *text)
{
  adw_toast_overlay_add_toast (self->toasts, adw_toast_new (text));
}

static const TernContact *
row_contact (GtkWidget *widget)
{
  return g_object_get_data (G_OBJECT (widget), "contact");
}

static void fill (TernContactsWindow *self);

static void
apply_cb (AdwEntryRow        *row,
          TernContactsWindow *self)
{
  const TernContact *contact = row_contact (GTK_WIDGET (row));
  g_autoptr(GError) error = NULL;

  if (!tern_store_set_contact_name (self->store, contact->id, gtk_editable_get_text (GTK_EDITABLE (row)), &error))
    {
      toast (self, error->message);
      return;
    }
  toast (self, _("Name saved"));
}

static void
write_cb (GtkButton          *button,
          TernContactsWindow *self)
{
  const TernContact *contact = row_contact (GTK_WIDGET (button));
  g_autofree char *uri = g_strconcat ("mailto:", contact->address, NULL);
  TernComposerWindow *composer = tern_application_compose_mailto (self->app, uri);

  if (composer == NULL)
    {
      toast (self, _("Add an account to write mail"));
      return;
    }
  if (contact->name != NULL)
    {
      g_autofree char *to = tern_mime_format_mailbox (contact->name, contact->address);

      tern_composer_window_set_to (composer, to);
    }
}

static void
delete_cb (GtkButton          *button,
           TernContactsWindow *self)
{
  const TernContact *contact = row_contact (GTK_WIDGET (button));
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;

  if (!tern_store_delete_contact (self->store, contact->id, &error))
    {
      toast (self, error->message);
      return;
    }
  /* Translators: %s is an email address. */
  text = g_strdup_printf (_("%s deleted"), contact->address);
  toast (self, text);
  fill (self);
}

static GtkWidget *
contact_row (TernContactsWindow *self,
             const TernContact  *contact)
{
  GtkWidget *row = adw_entry_row_new ();
  GtkWidget *write = gtk_button_new_from_icon_name ("mail-message-new-symbolic");
  GtkWidget *delete = gtk_button_new_from_icon_name ("user-trash-symbolic");

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), contact->address);
  adw_preferences_row_set_use_underline (ADW_PREFERENCES_ROW (row), FALSE);
  gtk_editable_set_text (GTK_EDITABLE (row), contact->name ? contact->name : "");
  adw_entry_row_set_show_apply_button (ADW_ENTRY_ROW (row), TRUE);
  gtk_widget_set_name (row, contact->address);
  g_object_set_data (G_OBJECT (row), "contact", (gpointer) contact);
  g_signal_connect (row, "apply", G_CALLBACK (apply_cb), self);

  gtk_widget_set_tooltip_text (write, _("Write Message"));
  gtk_widget_set_name (write, "write");
  gtk_widget_set_valign (write, GTK_ALIGN_CENTER);
  gtk_widget_add_css_class (write, "flat");
  g_object_set_data (G_OBJECT (write), "contact", (gpointer) contact);
  g_signal_connect (write, "clicked", G_CALLBACK (write_cb), self);
  adw_entry_row_add_suffix (ADW_ENTRY_ROW (row), write);

  gtk_widget_set_tooltip_text (delete, _("Delete Contact"));
  gtk_widget_set_name (delete, "delete");
  gtk_widget_set_valign (delete, GTK_ALIGN_CENTER);
  gtk_widget_add_css_class (delete, "flat");
  g_object_set_data (G_OBJECT (delete), "contact", (gpointer) contact);
  g_signal_connect (delete, "clicked", G_CALLBACK (delete_cb), self);
  adw_entry_row_add_suffix (ADW_ENTRY_ROW (row), delete);
  return row;
}

static void
fill (TernContactsWindow *self)
{
  g_autoptr(GError) error = NULL;
  const char *query = gtk_editable_get_text (GTK_EDITABLE (self->search));
  GPtrArray *contacts;
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->list))) != NULL)
    gtk_list_box_remove (self->list, child);
  contacts = tern_store_list_contacts (self->store, query, FALSE, SHOWN_MAX, &error);
  if (contacts == NULL)
    {
      toast (self, error->message);
      contacts = g_ptr_array_new_with_free_func ((GDestroyNotify) tern_contact_free);
    }
  /* The rows point into the array: it is replaced only once they are gone. */
  g_clear_pointer (&self->contacts, g_ptr_array_unref);
  self->contacts = contacts;
  for (guint i = 0; i < contacts->len; i++)
    gtk_list_box_append (self->list, contact_row (self, contacts->pdata[i]));

  if (contacts->len > 0)
    gtk_stack_set_visible_child_name (self->stack, "list");
  else
    {
      gboolean searching = *query != '\0';

      adw_status_page_set_title (self->empty, searching ? _("No Contacts Found") : _("No Contacts"));
      adw_status_page_set_description (self->empty,
                                       searching ? _("Try a different search")
                                                 : _("People you write to appear here, or import a vCard file"));
      gtk_stack_set_visible_child_name (self->stack, "empty");
    }
}

static void
search_changed_cb (GtkSearchEntry     *entry,
                   TernContactsWindow *self)
{
  fill (self);
}

/* Adding. */

static void
add_response_cb (AdwMessageDialog   *dialog,
                 const char         *response,
                 TernContactsWindow *self)
{
  GtkEditable *name = g_object_get_data (G_OBJECT (dialog), "name");
  GtkEditable *address = g_object_get_data (G_OBJECT (dialog), "address");
  g_autoptr(GError) error = NULL;

  if (g_strcmp0 (response, "add") != 0)
    return;
  if (tern_store_add_contact (self->store, gtk_editable_get_text (name), gtk_editable_get_text (address), &error) == 0)
    {
      toast (self, error->message);
      return;
    }
  gtk_editable_set_text (GTK_EDITABLE (self->search), "");
  fill (self);
}

static void
address_changed_cb (GtkEditable      *address,
                    AdwMessageDialog *dialog)
{
  const char *text = gtk_editable_get_text (address);

  adw_message_dialog_set_response_enabled (dialog, "add", strchr (text, '@') != NULL);
}

static void
add_action (GtkWidget  *widget,
            const char *action_name,
            GVariant   *param)
{
  TernContactsWindow *self = TERN_CONTACTS_WINDOW (widget);
  GtkWidget *dialog = adw_message_dialog_new (GTK_WINDOW (self), _("Add Contact"), NULL);
  GtkWidget *box = gtk_list_box_new ();
  GtkWidget *name = adw_entry_row_new ();
  GtkWidget *address = adw_entry_row_new ();

  gtk_list_box_set_selection_mode (GTK_LIST_BOX (box), GTK_SELECTION_NONE);
  gtk_widget_add_css_class (box, "boxed-list");
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (name), _("Name"));
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (address), _("Email Address"));
  gtk_widget_set_name (name, "add_name");
  gtk_widget_set_name (address, "add_address");
  gtk_list_box_append (GTK_LIST_BOX (box), name);
  gtk_list_box_append (GTK_LIST_BOX (box), address);
  adw_message_dialog_set_extra_child (ADW_MESSAGE_DIALOG (dialog), box);
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog), "cancel", _("_Cancel"), "add", _("_Add"), NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "add", ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "add");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  adw_message_dialog_set_response_enabled (ADW_MESSAGE_DIALOG (dialog), "add", FALSE);
  g_object_set_data (G_OBJECT (dialog), "name", name);
  g_object_set_data (G_OBJECT (dialog), "address", address);
  g_signal_connect (address, "changed", G_CALLBACK (address_changed_cb), dialog);
  g_signal_connect (dialog, "response", G_CALLBACK (add_response_cb), self);
  gtk_window_present (GTK_WINDOW (dialog));
  gtk_widget_grab_focus (name);
}

/* Import and export. */

gboolean
tern_contacts_window_import_file (TernContactsWindow  *self,
                                  GFile               *file,
                                  GError             **error)
{
  g_autoptr(GError) local = NULL;
  g_autoptr(GPtrArray) cards = NULL;
  g_autofree char *data = NULL;
  g_autofree char *text = NULL;
  gsize length = 0;
  guint skipped = 0, added = 0, updated = 0;

  g_return_val_if_fail (TERN_IS_CONTACTS_WINDOW (self), FALSE);

  if (!g_file_load_contents (file, NULL, &data, &length, NULL, &local) ||
      (cards = tern_vcard_parse (data, length, &skipped, &local)) == NULL ||
      !tern_store_import_vcards (self->store, cards, &added, &updated, &local))
    {
      g_autofree char *name = g_file_get_basename (file);

      /* Translators: the first %s is a file name, the second why it could not be read. */
      text = g_strdup_printf (_("Cannot import %s: %s"), name, local->message);
      toast (self, text);
      g_propagate_error (error, g_steal_pointer (&local));
      return FALSE;
    }
  if (added + updated == 0)
    text = g_strdup (_("No new contacts in this file"));
  else
    text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u contact imported", "%u contacts imported",
                                         added + updated), added + updated);
  toast (self, text);
  fill (self);
  return TRUE;
}

gboolean
tern_contacts_window_export_file (TernContactsWindow  *self,
                                  GFile               *file,
                                  GError             **error)
{
  g_autoptr(GError) local = NULL;
  g_autofree char *data = NULL;
  g_autofree char *text = NULL;
  guint count = 0;

  g_return_val_if_fail (TERN_IS_CONTACTS_WINDOW (self), FALSE);

  data = tern_store_export_vcards (self->store, &count, &local);
  if (data == NULL ||
      !g_file_replace_contents (file, data, strlen (data), NULL, FALSE, G_FILE_CREATE_REPLACE_DESTINATION,
                                NULL, NULL, &local))
    {
      /* Translators: %s says why. */
      text = g_strdup_printf (_("Cannot export contacts: %s"), local->message);
      toast (self, text);
      g_propagate_error (error, g_steal_pointer (&local));
      return FALSE;
    }
  text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u contact exported", "%u contacts exported", count),
                          count);
  toast (self, text);
  return TRUE;
}

static void
chooser_response_cb (GtkNativeDialog    *chooser,
                     int                 response,
                     TernContactsWindow *self)
{
  g_autoptr(GFile) file = NULL;

  if (response == GTK_RESPONSE_ACCEPT)
    {
      file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (chooser));
      if (gtk_file_chooser_get_action (GTK_FILE_CHOOSER (chooser)) == GTK_FILE_CHOOSER_ACTION_SAVE)
        tern_contacts_window_export_file (self, file, NULL);
      else
        tern_contacts_window_import_file (self, file, NULL);
    }
  g_object_unref (chooser);
}

static void
file_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *param)
{
  TernContactsWindow *self = TERN_CONTACTS_WINDOW (widget);
  gboolean export = g_str_equal (action_name, "contacts.export");
  g_autoptr(GtkFileFilter) filter = gtk_file_filter_new ();
  GtkFileChooserNative *chooser;

  chooser = gtk_file_chooser_native_new (export ? _("Export Contacts") : _("Import Contacts"), GTK_WINDOW (self),
                                         export ? GTK_FILE_CHOOSER_ACTION_SAVE : GTK_FILE_CHOOSER_ACTION_OPEN,
                                         export ? _("_Export") : _("_Import"), _("_Cancel"));
  gtk_file_filter_set_name (filter, _("vCard Files"));
  gtk_file_filter_add_mime_type (filter, "text/vcard");
  gtk_file_filter_add_mime_type (filter, "text/x-vcard");
  gtk_file_filter_add_suffix (filter, "vcf");
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (chooser), filter);
  if (export)
    gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (chooser), _("Contacts.vcf"));
  g_signal_connect (chooser, "response", G_CALLBACK (chooser_response_cb), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}

GStrv
tern_contacts_window_dup_shown (TernContactsWindow *self)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();

  g_return_val_if_fail (TERN_IS_CONTACTS_WINDOW (self), NULL);

  for (guint i = 0; gtk_stack_get_visible_child_name (self->stack) != NULL &&
                    g_str_equal (gtk_stack_get_visible_child_name (self->stack), "list") &&
                    i < self->contacts->len; i++)
    g_strv_builder_add (builder, ((TernContact *) self->contacts->pdata[i])->address);
  return g_strv_builder_end (builder);
}

/* Building. */

static void
tern_contacts_window_dispose (GObject *object)
{
  TernContactsWindow *self = TERN_CONTACTS_WINDOW (object);

  /* The rows point into the array. */
  gtk_window_set_child (GTK_WINDOW (self), NULL);
  g_clear_pointer (&self->contacts, g_ptr_array_unref);
  G_OBJECT_CLASS (tern_contacts_window_parent_class)->dispose (object);
}

static void
tern_contacts_window_class_init (TernContactsWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = tern_contacts_window_dispose;
  gtk_widget_class_install_action (widget_class, "contacts.add", NULL, add_action);
  gtk_widget_class_install_action (widget_class, "contacts.import", NULL, file_action);
  gtk_widget_class_install_action (widget_class, "contacts.export", NULL, file_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_n, GDK_CONTROL_MASK, "contacts.add", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
tern_contacts_window_init (TernContactsWindow *self)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  GtkWidget *header = adw_header_bar_new ();
  GtkWidget *add = gtk_button_new_from_icon_name ("list-add-symbolic");
  GtkWidget *menu_button = gtk_menu_button_new ();
  g_autoptr(GMenu) menu = g_menu_new ();
  GtkWidget *clamp = adw_clamp_new ();
  GtkWidget *scrolled = gtk_scrolled_window_new ();
  GtkWidget *inner = gtk_box_new (GTK_ORIENTATION_VERTICAL, 12);

  gtk_window_set_title (GTK_WINDOW (self), _("Contacts"));
  gtk_window_set_default_size (GTK_WINDOW (self), 560, 640);

  gtk_widget_set_tooltip_text (add, _("Add Contact"));
  gtk_actionable_set_action_name (GTK_ACTIONABLE (add), "contacts.add");
  adw_header_bar_pack_start (ADW_HEADER_BAR (header), add);
  g_menu_append (menu, _("_Import vCard…"), "contacts.import");
  g_menu_append (menu, _("_Export vCard…"), "contacts.export");
  gtk_menu_button_set_menu_model (GTK_MENU_BUTTON (menu_button), G_MENU_MODEL (menu));
  gtk_menu_button_set_icon_name (GTK_MENU_BUTTON (menu_button), "open-menu-symbolic");
  gtk_widget_set_tooltip_text (menu_button, _("Main Menu"));
  adw_header_bar_pack_end (ADW_HEADER_BAR (header), menu_button);
  gtk_box_append (GTK_BOX (box), header);

  self->search = GTK_SEARCH_ENTRY (gtk_search_entry_new ());
  gtk_widget_set_name (GTK_WIDGET (self->search), "search");
  g_object_set (self->search, "placeholder-text", _("Search contacts"), NULL);
  g_signal_connect (self->search, "search-changed", G_CALLBACK (search_changed_cb), self);

  self->list = GTK_LIST_BOX (gtk_list_box_new ());
  gtk_widget_set_name (GTK_WIDGET (self->list), "contacts_list");
  gtk_list_box_set_selection_mode (self->list, GTK_SELECTION_NONE);
  gtk_widget_add_css_class (GTK_WIDGET (self->list), "boxed-list");
  gtk_widget_set_valign (GTK_WIDGET (self->list), GTK_ALIGN_START);

  gtk_widget_set_margin_top (inner, 12);
  gtk_widget_set_margin_bottom (inner, 12);
  gtk_widget_set_margin_start (inner, 12);
  gtk_widget_set_margin_end (inner, 12);
  gtk_box_append (GTK_BOX (inner), GTK_WIDGET (self->search));

  self->stack = GTK_STACK (gtk_stack_new ());
  gtk_widget_set_vexpand (GTK_WIDGET (self->stack), TRUE);
  gtk_stack_add_named (self->stack, GTK_WIDGET (self->list), "list");
  self->empty = ADW_STATUS_PAGE (adw_status_page_new ());
  adw_status_page_set_icon_name (self->empty, "avatar-default-symbolic");
  gtk_stack_add_named (self->stack, GTK_WIDGET (self->empty), "empty");
  gtk_box_append (GTK_BOX (inner), GTK_WIDGET (self->stack));

  adw_clamp_set_child (ADW_CLAMP (clamp), inner);
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scrolled), clamp);
  gtk_scrolled_window_set_policy (GTK_SCROLLED_WINDOW (scrolled), GTK_POLICY_NEVER, GTK_POLICY_AUTOMATIC);
  gtk_widget_set_vexpand (scrolled, TRUE);
  self->toasts = ADW_TOAST_OVERLAY (adw_toast_overlay_new ());
  adw_toast_overlay_set_child (self->toasts, scrolled);
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (self->toasts));
  adw_window_set_content (ADW_WINDOW (self), box);
}

TernContactsWindow *
tern_contacts_window_new (TernApplication *app)
{
  TernContactsWindow *self;

  g_return_val_if_fail (TERN_IS_APPLICATION (app), NULL);

  self = g_object_new (TERN_TYPE_CONTACTS_WINDOW, "application", app, NULL);
  self->app = app;
  self->store = tern_application_get_store (app);
  fill (self);
  gtk_widget_grab_focus (GTK_WIDGET (self->search));
  return self;
}

/* The scan of the Sent folders. */

struct _TernContactsCollect
{
  GThread *thread;
  char    *path;
  gint     stop;
};

static gpointer
collect_main (gpointer data)
{
  TernContactsCollect *c = data;
  g_autoptr(GError) error = NULL;
  g_autoptr(TernStore) store = tern_store_open (c->path, &error);
  guint remaining = 1;

  /* Short batches, each its own transaction: the app's writes never wait long, and a stop
   * waits for one batch at most. */
  while (store != NULL && remaining > 0 && !g_atomic_int_get (&c->stop))
    if (!tern_store_scan_sent (store, 200, &remaining, &error))
      break;
  if (error != NULL)
    g_debug ("The address book did not read the Sent folders: %s", error->message);
  return NULL;
}

TernContactsCollect *
tern_contacts_collect_sent_start (const char *path)
{
  TernContactsCollect *c = g_new0 (TernContactsCollect, 1);

  g_return_val_if_fail (path != NULL, NULL);

  c->path = g_strdup (path);
  c->thread = g_thread_new ("tern-contacts", collect_main, c);
  return c;
}

void
tern_contacts_collect_sent_stop (TernContactsCollect *c)
{
  if (c == NULL)
    return;
  g_atomic_int_set (&c->stop, 1);
  g_thread_join (c->thread);
  g_free (c->path);
  g_free (c);
}
