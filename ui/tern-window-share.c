/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "tern-window"

#include "config.h"

#include "tern-share-dialog.h"
#include "tern-window-private.h"

/* "Share Folder…": who can use the open folder, and sharing it with a colleague. */
static void
share_folder_action (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *parameter)
{
  TernWindow *self = TERN_WINDOW (widget);
  TernStore *store = tern_application_get_store (self->app);
  g_autoptr(TernFolder) folder = NULL;
  TernShareDialog *dialog;

  if (store == NULL || self->folder_id <= 0 ||
      (folder = tern_store_get_folder_by_id (store, self->folder_id, NULL)) == NULL)
    return;
  dialog = tern_share_dialog_new (GTK_WINDOW (self), store,
                                  tern_application_get_worker (self->app, folder->account_id), folder->id);
  gtk_window_present (GTK_WINDOW (dialog));
}

void
_tern_window_class_add_share_action (GtkWidgetClass *widget_class)
{
  gtk_widget_class_install_action (widget_class, "win.share-folder", NULL, share_folder_action);
}
