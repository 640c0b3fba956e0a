/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "tern-window"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "tern-share-dialog.h"
#include "tern-window-private.h"

/*
 * What a folder's context menu does, as window actions whose target is the folder's id
 * (0: the open folder), so the menu, the keys and the tests go the same way: mark all as
 * read, new folder, rename, move, delete, unsubscribe, empty Trash or Junk, keep offline,
 * share. Everything goes through the mail service and its journal, offline as online;
 * what cannot be undone asks first (an AdwMessageDialog, its destructive button not the
 * default one).
 */

static gint64
target_folder (TernWindow *self,
               GVariant   *param)
{
  gint64 id = param != NULL ? g_variant_get_int64 (param) : 0;

  return id > 0 ? id : self->folder_id;
}

static TernFolder *
dup_folder (TernWindow *self,
            gint64      id)
{
  return id > 0 ? tern_store_get_folder_by_id (self->store, id, NULL) : NULL;
}

/* The last part of a folder's display name (what a user calls it). */
static char *
dup_leaf (TernFolder *folder)
{
  const char *cut = folder->delimiter != NULL && *folder->delimiter != '\0'
                    ? strrchr (folder->display_name, folder->delimiter[0]) : NULL;

  return g_strdup (cut != NULL ? cut + 1 : folder->display_name);
}

static void
report (TernWindow *self,
        GError     *error)
{
  if (error != NULL)
    _tern_window_toast (self, error->message, 0);
}

/* Mark all as read. */

static void
mark_folder_read_action (GtkWidget  *widget,
                         const char *action_name,
                         GVariant   *param)
{
  TernWindow *self = TERN_WINDOW (widget);
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;
  gint64 id = target_folder (self, param);
  guint token, n;

  if (id <= 0)
    return;
  token = tern_mail_service_mark_folder_read (self->service, id, &error);
  if (token == 0)
    {
      report (self, error);
      return;
    }
  n = tern_mail_service_get_token_count (self->service, token);
  text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u message marked as read",
                                       "%u messages marked as read", n), n);
  _tern_window_toast (self, text, token);
}

/* The selected conversations (in the flat list: the conversations of the selected
 * messages, in this folder) read, as one action. */
static void
mark_conversation_read_action (GtkWidget  *widget,
                               const char *action_name,
                               GVariant   *param)
{
  TernWindow *self = TERN_WINDOW (widget);
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) ids = _tern_window_selected_ids (self, NULL);
  g_autofree char *text = NULL;
  guint token, n;

  if (ids->len == 0)
    return;
  if (!_tern_window_showing_conversations (self) && self->folder_id > 0)
    {
      g_autoptr(GHashTable) threads = g_hash_table_new (g_int64_hash, g_int64_equal);
      g_autoptr(GHashTable) chosen = g_hash_table_new (g_int64_hash, g_int64_equal);
      g_autoptr(GPtrArray) shown = tern_store_list_messages (self->store, self->folder_id, 0, NULL);
      g_autoptr(GPtrArray) keep = g_ptr_array_new_with_free_func ((GDestroyNotify) tern_message_free);

      for (guint i = 0; i < ids->len; i++)
        {
          TernMessage *m = tern_store_get_message (self->store, g_array_index (ids, gint64, i), NULL);

          if (m == NULL)
            continue;
          g_ptr_array_add (keep, m);
          g_hash_table_add (chosen, &m->id);
          if (m->thread_id != 0)
            g_hash_table_add (threads, &m->thread_id);
        }
      for (guint i = 0; shown != NULL && i < shown->len; i++)
        {
          TernMessage *m = shown->pdata[i];

          if (m->thread_id != 0 && g_hash_table_contains (threads, &m->thread_id) &&
              !g_hash_table_contains (chosen, &m->id))
            g_array_append_val (ids, m->id);
        }
    }
  token = tern_mail_service_set_flags (self->service, ids, "\\Seen", NULL, &error);
  if (token == 0)
    {
      report (self, error);
      return;
    }
  n = tern_mail_service_get_token_count (self->service, token);
  text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u message marked as read",
                                       "%u messages marked as read", n), n);
  _tern_window_toast (self, text, token);
}

/* Dialogs. */

static AdwMessageDialog *
new_dialog (TernWindow *self,
            const char *heading,
            const char *body)
{
  AdwMessageDialog *dialog = ADW_MESSAGE_DIALOG (adw_message_dialog_new (GTK_WINDOW (self), heading, body));

  adw_message_dialog_add_response (dialog, "cancel", _("_Cancel"));
  adw_message_dialog_set_close_response (dialog, "cancel");
  adw_message_dialog_set_default_response (dialog, "cancel");
  return dialog;
}

static void
name_changed_cb (GtkEditable      *entry,
                 AdwMessageDialog *dialog)
{
  const char *response = g_object_get_data (G_OBJECT (dialog), "tern-response");
  const char *delimiter = g_object_get_data (G_OBJECT (dialog), "tern-delimiter");
  g_autofree char *text = g_strstrip (g_strdup (gtk_editable_get_text (entry)));
  gboolean ok = *text != '\0' && (delimiter == NULL || strstr (text, delimiter) == NULL);

  adw_message_dialog_set_response_enabled (dialog, response, ok);
  if (ok || *text == '\0')
    gtk_widget_remove_css_class (GTK_WIDGET (entry), "error");
  else
    gtk_widget_add_css_class (GTK_WIDGET (entry), "error");
}

static void
name_activate_cb (GtkEntry         *entry,
                  AdwMessageDialog *dialog)
{
  const char *response = g_object_get_data (G_OBJECT (dialog), "tern-response");

  if (adw_message_dialog_get_response_enabled (dialog, response))
    {
      adw_message_dialog_response (dialog, response);
      gtk_window_close (GTK_WINDOW (dialog));
    }
}

/* A dialog asking for a folder's name: its entry is the extra child. */
static AdwMessageDialog *
new_name_dialog (TernWindow *self,
                 const char *heading,
                 const char *body,
                 const char *response,
                 const char *label,
                 const char *text,
                 const char *delimiter)
{
  AdwMessageDialog *dialog = new_dialog (self, heading, body);
  GtkWidget *entry = gtk_entry_new ();

  adw_message_dialog_add_response (dialog, response, label);
  adw_message_dialog_set_response_appearance (dialog, response, ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_default_response (dialog, response);
  g_object_set_data_full (G_OBJECT (dialog), "tern-response", g_strdup (response), g_free);
  g_object_set_data_full (G_OBJECT (dialog), "tern-delimiter", g_strdup (delimiter), g_free);
  gtk_widget_set_name (entry, "folder_name_entry");
  gtk_editable_set_text (GTK_EDITABLE (entry), text != NULL ? text : "");
  gtk_accessible_update_property (GTK_ACCESSIBLE (entry), GTK_ACCESSIBLE_PROPERTY_LABEL, _("Folder name"), -1);
  g_signal_connect (entry, "changed", G_CALLBACK (name_changed_cb), dialog);
  g_signal_connect (entry, "activate", G_CALLBACK (name_activate_cb), dialog);
  adw_message_dialog_set_extra_child (dialog, entry);
  name_changed_cb (GTK_EDITABLE (entry), dialog);
  return dialog;
}

static const char *
dialog_text (AdwMessageDialog *dialog)
{
  return gtk_editable_get_text (GTK_EDITABLE (adw_message_dialog_get_extra_child (dialog)));
}

static gint64
dialog_folder (AdwMessageDialog *dialog)
{
  gint64 *id = g_object_get_data (G_OBJECT (dialog), "tern-folder");

  return id != NULL ? *id : 0;
}

static void
set_dialog_folder (AdwMessageDialog *dialog,
                   gint64            id)
{
  g_object_set_data_full (G_OBJECT (dialog), "tern-folder", g_memdup2 (&id, sizeof id), g_free);
}

static void
present (AdwMessageDialog *dialog)
{
  gtk_window_present (GTK_WINDOW (dialog));
  if (adw_message_dialog_get_extra_child (dialog) != NULL &&
      GTK_IS_ENTRY (adw_message_dialog_get_extra_child (dialog)))
    gtk_widget_grab_focus (adw_message_dialog_get_extra_child (dialog));
}

/* New folder. */

static void
new_folder_response_cb (AdwMessageDialog *dialog,
                        const char       *response,
                        TernWindow       *self)
{
  g_autoptr(GError) error = NULL;
  gint64 parent = dialog_folder (dialog);
  gint64 account = GPOINTER_TO_SIZE (g_object_get_data (G_OBJECT (dialog), "tern-account"));
  gint64 id = 0;

  if (!g_str_equal (response, "create"))
    return;
  if (tern_mail_service_folder_create_child (self->service, account, parent, dialog_text (dialog),
                                             &id, &error) == 0)
    {
      report (self, error);
      return;
    }
  _tern_window_refresh_folders (self);
  _tern_window_select_folder (self, id);
}

static void
new_folder_action (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *param)
{
  TernWindow *self = TERN_WINDOW (widget);
  gint64 id = param != NULL ? g_variant_get_int64 (param) : 0;
  g_autoptr(TernFolder) parent = dup_folder (self, id);
  g_autofree char *body = NULL;
  AdwMessageDialog *dialog;
  gint64 account = parent != NULL ? parent->account_id : (id < 0 ? -id : self->account_id);

  if (account <= 0)
    return;
  body = parent != NULL ? g_strdup_printf (_("The new folder goes inside “%s”."), parent->display_name)
                        : g_strdup (_("The new folder goes at the top of the account’s folders."));
  dialog = new_name_dialog (self, _("New Folder"), body, "create", _("C_reate"), NULL,
                            parent != NULL ? parent->delimiter : NULL);
  set_dialog_folder (dialog, parent != NULL ? parent->id : 0);
  g_object_set_data (G_OBJECT (dialog), "tern-account", GSIZE_TO_POINTER ((gsize) account));
  g_signal_connect_object (dialog, "response", G_CALLBACK (new_folder_response_cb), self, 0);
  present (dialog);
}

/* Rename. */

static void
rename_response_cb (AdwMessageDialog *dialog,
                    const char       *response,
                    TernWindow       *self)
{
  g_autoptr(GError) error = NULL;

  if (!g_str_equal (response, "rename"))
    return;
  if (tern_mail_service_folder_rename_to (self->service, dialog_folder (dialog), -1,
                                          dialog_text (dialog), &error) == 0)
    report (self, error);
  _tern_window_refresh_folders (self);
  _tern_window_update_list_title (self);
}

static void
rename_folder_action (GtkWidget  *widget,
                      const char *action_name,
                      GVariant   *param)
{
  TernWindow *self = TERN_WINDOW (widget);
  g_autoptr(TernFolder) folder = dup_folder (self, target_folder (self, param));
  g_autofree char *leaf = NULL;
  g_autofree char *heading = NULL;
  AdwMessageDialog *dialog;

  if (folder == NULL)
    return;
  leaf = dup_leaf (folder);
  heading = g_strdup_printf (_("Rename “%s”"), leaf);
  dialog = new_name_dialog (self, heading, NULL, "rename", _("_Rename"), leaf, folder->delimiter);
  set_dialog_folder (dialog, folder->id);
  g_signal_connect_object (dialog, "response", G_CALLBACK (rename_response_cb), self, 0);
  present (dialog);
}

/* Move to another parent: a drop in the sidebar or "Move To…" in the menu. */

gboolean
_tern_window_move_folder (TernWindow *self,
                          gint64      folder_id,
                          gint64      parent_id)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TernFolder) folder = dup_folder (self, folder_id);
  g_autoptr(TernFolder) parent = dup_folder (self, parent_id);
  g_autofree char *leaf = NULL;
  g_autofree char *text = NULL;

  if (folder == NULL || (parent_id > 0 && parent == NULL))
    return FALSE;
  if (parent != NULL && parent->account_id != folder->account_id)
    {
      _tern_window_toast (self, _("Folders move within their account"), 0);
      return FALSE;
    }
  leaf = dup_leaf (folder);
  if (tern_mail_service_folder_rename_to (self->service, folder_id, parent_id, leaf, &error) == 0)
    {
      report (self, error);
      return FALSE;
    }
  _tern_window_refresh_folders (self);
  text = parent != NULL ? g_strdup_printf (_("“%s” moved into “%s”"), leaf, parent->display_name)
                        : g_strdup_printf (_("“%s” moved to the top"), leaf);
  _tern_window_toast (self, text, 0);
  return TRUE;
}

static void
move_response_cb (AdwMessageDialog *dialog,
                  const char       *response,
                  TernWindow       *self)
{
  GtkDropDown *down = GTK_DROP_DOWN (adw_message_dialog_get_extra_child (dialog));
  GArray *targets = g_object_get_data (G_OBJECT (dialog), "tern-targets");
  guint pos = gtk_drop_down_get_selected (down);

  if (!g_str_equal (response, "move") || pos >= targets->len)
    return;
  _tern_window_move_folder (self, dialog_folder (dialog), g_array_index (targets, gint64, pos));
}

static void
move_folder_action (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *param)
{
  TernWindow *self = TERN_WINDOW (widget);
  g_autoptr(TernFolder) folder = dup_folder (self, target_folder (self, param));
  g_autoptr(GPtrArray) all = NULL;
  g_autoptr(GtkStringList) names = gtk_string_list_new (NULL);
  GArray *targets = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autofree char *leaf = NULL;
  g_autofree char *heading = NULL;
  g_autofree char *inside = NULL;
  AdwMessageDialog *dialog;
  GtkWidget *down;
  gint64 top = 0;

  if (folder == NULL)
    {
      g_array_unref (targets);
      return;
    }
  leaf = dup_leaf (folder);
  inside = folder->delimiter != NULL ? g_strconcat (folder->name, folder->delimiter, NULL) : NULL;
  gtk_string_list_append (names, _("Top Level"));
  g_array_append_val (targets, top);
  all = tern_store_list_folders (self->store, folder->account_id, NULL);
  for (guint i = 0; all != NULL && i < all->len; i++)
    {
      TernFolder *f = all->pdata[i];

      /* Not itself, nor inside itself, nor another user's or a shared folder. */
      if (f->id == folder->id || (inside != NULL && g_str_has_prefix (f->name, inside)) ||
          g_strcmp0 (f->namespace_kind, "personal") != 0)
        continue;
      gtk_string_list_append (names, f->display_name);
      g_array_append_val (targets, f->id);
    }
  heading = g_strdup_printf (_("Move “%s”"), leaf);
  dialog = new_dialog (self, heading, _("Choose the folder it goes into."));
  adw_message_dialog_add_response (dialog, "move", _("_Move"));
  adw_message_dialog_set_response_appearance (dialog, "move", ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_default_response (dialog, "move");
  down = gtk_drop_down_new (G_LIST_MODEL (g_object_ref (names)), NULL);
  gtk_widget_set_name (down, "folder_parent_dropdown");
  gtk_accessible_update_property (GTK_ACCESSIBLE (down), GTK_ACCESSIBLE_PROPERTY_LABEL, _("New parent folder"), -1);
  adw_message_dialog_set_extra_child (dialog, down);
  set_dialog_folder (dialog, folder->id);
  g_object_set_data_full (G_OBJECT (dialog), "tern-targets", targets, (GDestroyNotify) g_array_unref);
  g_signal_connect_object (dialog, "response", G_CALLBACK (move_response_cb), self, 0);
  present (dialog);
}

/* Delete, empty: they ask first. */

static void
delete_response_cb (AdwMessageDialog *dialog,
                    const char       *response,
                    TernWindow       *self)
{
  g_autoptr(GError) error = NULL;
  gint64 id = dialog_folder (dialog);

  if (!g_str_equal (response, "delete"))
    return;
  if (tern_mail_service_folder_delete (self->service, id, &error) == 0)
    {
      report (self, error);
      return;
    }
  _tern_window_refresh_folders (self);
  if (id == self->folder_id)
    {
      /* The open folder is gone: open one for the user. */
      self->auto_opened = TRUE;
      _tern_window_select_first_inbox (self);
    }
}

static void
delete_folder_action (GtkWidget  *widget,
                      const char *action_name,
                      GVariant   *param)
{
  TernWindow *self = TERN_WINDOW (widget);
  g_autoptr(TernFolder) folder = dup_folder (self, target_folder (self, param));
  g_autofree char *leaf = NULL;
  g_autofree char *heading = NULL;
  g_autofree char *body = NULL;
  guint total = 0;
  AdwMessageDialog *dialog;

  if (folder == NULL)
    return;
  leaf = dup_leaf (folder);
  tern_store_count_messages (self->store, folder->id, &total, NULL, NULL);
  heading = g_strdup_printf (_("Delete “%s”?"), leaf);
  body = total > 0
         ? g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                         "The folder and its %u message are deleted from the server for good. This cannot be undone.",
                                         "The folder and its %u messages are deleted from the server for good. This cannot be undone.",
                                         total), total)
         : g_strdup (_("The folder is deleted from the server for good. This cannot be undone."));
  dialog = new_dialog (self, heading, body);
  adw_message_dialog_add_response (dialog, "delete", _("_Delete"));
  adw_message_dialog_set_response_appearance (dialog, "delete", ADW_RESPONSE_DESTRUCTIVE);
  set_dialog_folder (dialog, folder->id);
  g_signal_connect_object (dialog, "response", G_CALLBACK (delete_response_cb), self, 0);
  present (dialog);
}

static void
empty_response_cb (AdwMessageDialog *dialog,
                   const char       *response,
                   TernWindow       *self)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;
  guint n;

  if (!g_str_equal (response, "empty"))
    return;
  n = tern_mail_service_empty_folder (self->service, dialog_folder (dialog), &error);
  if (n == 0)
    {
      report (self, error);
      return;
    }
  _tern_window_update_view (self);
  text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u message deleted permanently",
                                       "%u messages deleted permanently", n), n);
  _tern_window_toast (self, text, 0);
}

static void
empty_folder_action (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *param)
{
  TernWindow *self = TERN_WINDOW (widget);
  g_autoptr(TernFolder) folder = dup_folder (self, target_folder (self, param));
  g_autoptr(GPtrArray) shown = NULL;
  g_autofree char *heading = NULL;
  g_autofree char *body = NULL;
  gboolean junk;
  AdwMessageDialog *dialog;

  if (folder == NULL)
    return;
  shown = tern_store_list_messages (self->store, folder->id, 0, NULL);
  if (shown == NULL || shown->len == 0)
    {
      _tern_window_toast (self, _("The folder is empty"), 0);
      return;
    }
  junk = g_strcmp0 (folder->special_use, "\\Junk") == 0;
  heading = g_strdup (junk ? _("Empty Junk?") : g_strcmp0 (folder->special_use, "\\Trash") == 0
                      ? _("Empty Trash?") : _("Empty the Folder?"));
  body = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                       "%u message in “%s” will be deleted permanently. This cannot be undone.",
                                       "All %u messages in “%s” will be deleted permanently. This cannot be undone.",
                                       shown->len), shown->len, folder->display_name);
  dialog = new_dialog (self, heading, body);
  adw_message_dialog_add_response (dialog, "empty", junk ? _("_Empty Junk") : _("_Empty Trash"));
  if (!junk && g_strcmp0 (folder->special_use, "\\Trash") != 0)
    adw_message_dialog_set_response_label (dialog, "empty", _("_Empty"));
  adw_message_dialog_set_response_appearance (dialog, "empty", ADW_RESPONSE_DESTRUCTIVE);
  set_dialog_folder (dialog, folder->id);
  g_signal_connect_object (dialog, "response", G_CALLBACK (empty_response_cb), self, 0);
  present (dialog);
}

/* Subscription, offline, sharing. */

static void
subscribe_action (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *param)
{
  TernWindow *self = TERN_WINDOW (widget);
  g_autoptr(GError) error = NULL;
  gint64 id = target_folder (self, param);
  gboolean subscribe = g_str_equal (action_name, "win.subscribe-folder");

  if (id <= 0)
    return;
  if (tern_mail_service_folder_subscribe (self->service, id, subscribe, &error) == 0)
    report (self, error);
  _tern_window_refresh_folders (self);
}

static void
offline_action (GtkWidget  *widget,
                const char *action_name,
                GVariant   *param)
{
  TernWindow *self = TERN_WINDOW (widget);
  g_autoptr(GError) error = NULL;
  g_autoptr(TernFolder) folder = dup_folder (self, target_folder (self, param));
  TernAccountWorker *worker;

  if (folder == NULL)
    return;
  if (!tern_store_set_offline_policy (self->store, folder->account_id, folder->id, -1, -1,
                                      !folder->offline_full, -1, &error))
    {
      report (self, error);
      return;
    }
  _tern_window_toast (self, !folder->offline_full ? _("Every message in this folder will be kept offline")
                                                  : _("This folder follows the account’s offline settings"), 0);
  /* The worker fetches what the folder now wants kept. */
  worker = self->app != NULL ? tern_application_get_worker (self->app, folder->account_id) : NULL;
  if (worker != NULL)
    tern_account_worker_reload_account (worker);
}

static void
folder_share_action (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *param)
{
  TernWindow *self = TERN_WINDOW (widget);
  g_autoptr(TernFolder) folder = dup_folder (self, target_folder (self, param));
  TernShareDialog *dialog;

  if (folder == NULL || self->service == NULL)
    return;
  dialog = tern_share_dialog_new (GTK_WINDOW (self), self->service, folder->id);
  gtk_window_present (GTK_WINDOW (dialog));
}

void
_tern_window_class_add_folder_actions (GtkWidgetClass *widget_class)
{
  gtk_widget_class_install_action (widget_class, "win.mark-folder-read", "x", mark_folder_read_action);
  gtk_widget_class_install_action (widget_class, "win.mark-conversation-read", NULL, mark_conversation_read_action);
  gtk_widget_class_install_action (widget_class, "win.new-folder", "x", new_folder_action);
  gtk_widget_class_install_action (widget_class, "win.rename-folder", "x", rename_folder_action);
  gtk_widget_class_install_action (widget_class, "win.move-folder", "x", move_folder_action);
  gtk_widget_class_install_action (widget_class, "win.delete-folder", "x", delete_folder_action);
  gtk_widget_class_install_action (widget_class, "win.empty-folder", "x", empty_folder_action);
  gtk_widget_class_install_action (widget_class, "win.subscribe-folder", "x", subscribe_action);
  gtk_widget_class_install_action (widget_class, "win.unsubscribe-folder", "x", subscribe_action);
  gtk_widget_class_install_action (widget_class, "win.folder-offline", "x", offline_action);
  gtk_widget_class_install_action (widget_class, "win.folder-share", "x", folder_share_action);

  /* The whole folder: Evolution's Ctrl+K and Thunderbird's Shift+C (Ctrl+Shift+I is GTK's
   * inspector). */
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_k, GDK_CONTROL_MASK,
                                       "win.mark-folder-read", "x", (gint64) 0);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_C, GDK_SHIFT_MASK,
                                       "win.mark-folder-read", "x", (gint64) 0);
  /* Thunderbird's R ("mark thread as read"). */
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_r, 0, "win.mark-conversation-read", NULL);
}
