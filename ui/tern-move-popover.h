/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

#include "tern-folder-model.h"

G_BEGIN_DECLS

/* "Move to": the account's folders with a search entry; choosing one activates
 * win.move-to with the folder's id. */

#define TERN_TYPE_MOVE_POPOVER (tern_move_popover_get_type ())

G_DECLARE_FINAL_TYPE (TernMovePopover, tern_move_popover, TERN, MOVE_POPOVER, GtkPopover)

GtkWidget *tern_move_popover_new         (void);
/* Lists the folders of this account from the model, leaving out the current one. */
void       tern_move_popover_set_folders (TernMovePopover *self,
                                          TernFolderModel *model,
                                          gint64           account_id,
                                          gint64           current_folder);

G_END_DECLS
