/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "tern-window"

#include "config.h"

#include "tern-folder-dialogs.h"
#include "tern-window-private.h"

/* win.folder-properties and win.manage-subscriptions (target: a folder id; for
 * subscriptions also minus an account id, from the account's row; 0: the open folder). */

static gint64
target (TernWindow *self,
        GVariant   *param)
{
  gint64 id = param != NULL ? g_variant_get_int64 (param) : 0;

  return id != 0 ? id : self->folder_id;
}

static void
folder_properties_action (GtkWidget  *widget,
                          const char *action_name,
                          GVariant   *param)
{
  TernWindow *self = TERN_WINDOW (widget);
  gint64 id = target (self, param);

  if (id > 0)
    tern_folder_properties_new (GTK_WINDOW (self), self->service, id);
}

static void
manage_subscriptions_action (GtkWidget  *widget,
                             const char *action_name,
                             GVariant   *param)
{
  TernWindow *self = TERN_WINDOW (widget);
  gint64 id = target (self, param);
  gint64 account_id = id < 0 ? -id : 0;

  if (id > 0)
    {
      g_autoptr(TernFolder) folder = tern_store_get_folder_by_id (self->store, id, NULL);

      account_id = folder != NULL ? folder->account_id : 0;
    }
  if (account_id > 0)
    tern_subscriptions_dialog_new (GTK_WINDOW (self), self->service, account_id);
}

void
_tern_window_class_add_folder_dialog_actions (GtkWidgetClass *widget_class)
{
  gtk_widget_class_install_action (widget_class, "win.folder-properties", "x", folder_properties_action);
  gtk_widget_class_install_action (widget_class, "win.manage-subscriptions", "x", manage_subscriptions_action);
}
