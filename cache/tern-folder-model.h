/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "tern-folder-item.h"
#include "tern-store.h"

G_BEGIN_DECLS

/*
 * TernFolderModel: the sidebar as one flat GListModel of TernFolderItem. For each account:
 * its row; INBOX and the special-use folders (Drafts, Sent, Archive, Junk, Trash...) in a
 * fixed order; the other personal folders in hierarchy order with their depth; then shared
 * and other users' folders under their own headings. With two accounts or more, the
 * unified rows come first: "All Inboxes" (every account's INBOX), "All Drafts" and "All
 * Sent" (where two accounts or more have one). refresh() re-reads counts and names,
 * updates rows in place and emits one minimal items-changed when rows come or go.
 *
 * Main thread only; the store is borrowed and must outlive the model.
 */

/* The ids of the unified rows (TERN_FOLDER_ITEM_UNIFIED). */
#define TERN_FOLDER_MODEL_ALL_INBOXES (-101)
#define TERN_FOLDER_MODEL_ALL_DRAFTS  (-102)
#define TERN_FOLDER_MODEL_ALL_SENT    (-103)

#define TERN_TYPE_FOLDER_MODEL (tern_folder_model_get_type ())

G_DECLARE_FINAL_TYPE (TernFolderModel, tern_folder_model, TERN, FOLDER_MODEL, GObject)

TernFolderModel *tern_folder_model_new      (TernStore        *store);
gboolean         tern_folder_model_refresh  (TernFolderModel  *self,
                                             GError          **error);
/* One folder's unread and total counted again (its row updated in place, nothing else read):
 * what a change set for that folder needs. FALSE with error if the cache cannot say. */
gboolean         tern_folder_model_update_counts (TernFolderModel *self,
                                                  gint64           folder_id,
                                                  GError         **error);
/* The position of a folder's row, or G_MAXUINT. */
guint            tern_folder_model_find     (TernFolderModel  *self,
                                             gint64            folder_id);
/* The position of a unified row (TERN_FOLDER_MODEL_ALL_INBOXES...), or G_MAXUINT. */
guint            tern_folder_model_find_unified (TernFolderModel *self,
                                                 gint64           unified_id);
/* The account's folder with this special use ("\\Inbox", "\\Trash"...), or NULL. */
TernFolderItem  *tern_folder_model_get_special (TernFolderModel *self,
                                             gint64            account_id,
                                             const char       *special_use);

G_END_DECLS
