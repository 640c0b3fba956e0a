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

/* Filters a list of folder rows (each with its folder's path as "path" data) by the entry's
 * text, anywhere in the path and whatever the case; used by the subscriptions dialog too. */
void       tern_folder_list_filter_by_entry (GtkListBox      *list,
                                             GtkSearchEntry  *entry);

G_END_DECLS
