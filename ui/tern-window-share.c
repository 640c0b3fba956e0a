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
  TernShareDialog *dialog;

  if (self->service == NULL || self->folder_id <= 0)
    return;
  dialog = tern_share_dialog_new (GTK_WINDOW (self), self->service, self->folder_id);
  gtk_window_present (GTK_WINDOW (dialog));
}

void
_tern_window_class_add_share_action (GtkWidgetClass *widget_class)
{
  gtk_widget_class_install_action (widget_class, "win.share-folder", NULL, share_folder_action);
}
