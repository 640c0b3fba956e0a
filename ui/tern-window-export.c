/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "tern-window"

#include "config.h"

#include <glib/gi18n.h>
#include <glib/gstdio.h>

#include "tern-window-private.h"

/* "Save As…" (Ctrl+S): the message shown, whole as the server has it, into an .eml file the
 * user names (in Downloads by default): win.save-message asks where, win.save-message-to
 * (a path) saves there. Needs the server: offline, it says so. */

static gint64
shown_message (TernWindow *self)
{
  return tern_message_view_get_message_id (tern_window_get_message_view (self));
}

static void
exported_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      data)
{
  g_autoptr(TernWindow) self = data;
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;

  if (!tern_account_worker_export_finish (TERN_ACCOUNT_WORKER (source), result, &error))
    text = g_strdup_printf (_("The message was not saved: %s"), error->message);
  else
    text = g_strdup (_("Message saved"));
  _tern_window_toast (self, text, 0);
}

static void
save_to_action (GtkWidget  *widget,
                const char *action_name,
                GVariant   *parameter)
{
  TernWindow *self = TERN_WINDOW (widget);
  TernStore *store = tern_application_get_store (self->app);
  gint64 id = shown_message (self);
  g_autoptr(TernMessage) m = id != 0 ? tern_store_get_message (store, id, NULL) : NULL;
  g_autoptr(TernFolder) folder = m != NULL ? tern_store_get_folder_by_id (store, m->folder_id, NULL) : NULL;
  TernAccountWorker *worker = folder != NULL ? tern_application_get_worker (self->app, folder->account_id) : NULL;

  if (worker == NULL)
    {
      _tern_window_toast (self, _("No message to save"), 0);
      return;
    }
  tern_account_worker_export_async (worker, id, g_variant_get_string (parameter, NULL), NULL,
                                    exported_cb, g_object_ref (self));
}

static void
chooser_response_cb (GtkNativeDialog *chooser,
                     int              response,
                     TernWindow      *self)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (chooser));
      g_autofree char *path = file != NULL ? g_file_get_path (file) : NULL;

      if (path != NULL)
        gtk_widget_activate_action (GTK_WIDGET (self), "win.save-message-to", "s", path);
    }
  g_object_unref (chooser);
}

/* A file name from the subject: no separators, not hidden, not empty. */
static char *
file_name_for (const TernMessage *m)
{
  g_autofree char *subject = g_strdup (m != NULL && m->subject != NULL && *m->subject != '\0'
                                       ? m->subject : _("Message"));

  g_strdelimit (subject, "/\\:*?\"<>|", '-');
  g_strstrip (subject);
  while (subject[0] == '.')
    subject[0] = '_';
  if (g_utf8_strlen (subject, -1) > 100)
    *g_utf8_offset_to_pointer (subject, 100) = '\0';
  return g_strconcat (subject, ".eml", NULL);
}

static void
save_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  TernWindow *self = TERN_WINDOW (widget);
  gint64 id = shown_message (self);
  g_autoptr(TernMessage) m = id != 0 ? tern_store_get_message (tern_application_get_store (self->app), id, NULL) : NULL;
  const char *downloads = g_get_user_special_dir (G_USER_DIRECTORY_DOWNLOAD);
  g_autofree char *name = file_name_for (m);
  GtkFileChooserNative *chooser;

  if (m == NULL)
    return;
  chooser = gtk_file_chooser_native_new (_("Save Message"), GTK_WINDOW (self), GTK_FILE_CHOOSER_ACTION_SAVE,
                                         _("_Save"), _("_Cancel"));
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (chooser), name);
  if (downloads != NULL)
    {
      g_autoptr(GFile) folder = g_file_new_for_path (downloads);

      gtk_file_chooser_set_current_folder (GTK_FILE_CHOOSER (chooser), folder, NULL);
    }
  g_signal_connect (chooser, "response", G_CALLBACK (chooser_response_cb), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}

void
_tern_window_class_add_export_actions (GtkWidgetClass *widget_class)
{
  gtk_widget_class_install_action (widget_class, "win.save-message", NULL, save_action);
  gtk_widget_class_install_action (widget_class, "win.save-message-to", "s", save_to_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_s, GDK_CONTROL_MASK, "win.save-message", NULL);
}
