/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/*
 * TernFolderItem: one row of the folder sidebar: an account, a heading ("Shared folders",
 * "Other users") or a folder with its depth in the hierarchy. Main thread only.
 */

typedef enum
{
  TERN_FOLDER_ITEM_ACCOUNT,
  TERN_FOLDER_ITEM_HEADING,
  TERN_FOLDER_ITEM_FOLDER,
  /* "All Inboxes", "All Drafts", "All Sent": one special folder of every account (its id is
   * negative, its account 0; tern_folder_item_get_members() says which folders). */
  TERN_FOLDER_ITEM_UNIFIED,
} TernFolderItemKind;

#define TERN_TYPE_FOLDER_ITEM (tern_folder_item_get_type ())

G_DECLARE_FINAL_TYPE (TernFolderItem, tern_folder_item, TERN, FOLDER_ITEM, GObject)

TernFolderItemKind tern_folder_item_get_kind        (TernFolderItem *self);
/* The folder's id (or the account's, for an account row). */
gint64             tern_folder_item_get_id          (TernFolderItem *self);
gint64             tern_folder_item_get_account_id  (TernFolderItem *self);
/* What the row shows: the last part of the folder's name, the account's name, the heading. */
const char        *tern_folder_item_get_label       (TernFolderItem *self);
/* The whole UTF-8 path ("Projects/2024"), for searching and moving. */
const char        *tern_folder_item_get_path        (TernFolderItem *self);
const char        *tern_folder_item_get_special_use (TernFolderItem *self);
const char        *tern_folder_item_get_icon_name   (TernFolderItem *self);
guint              tern_folder_item_get_depth       (TernFolderItem *self);
guint              tern_folder_item_get_unread      (TernFolderItem *self);
guint              tern_folder_item_get_total       (TernFolderItem *self);
gboolean           tern_folder_item_get_selectable  (TernFolderItem *self);
/* Whose another user's or a shared folder is ("alice" for "shared/alice/Team"); NULL for
 * personal folders and for one whose path names no owner. */
const char        *tern_folder_item_get_owner       (TernFolderItem *self);
/* 0 on the server, 1 created offline, 2 being deleted, 3 kept locally (TernFolder). */
int                tern_folder_item_get_local_state (TernFolderItem *self);

/* A unified row's folders, one per account, in the sidebar's order (NULL for other rows).
 * (transfer none) */
GArray            *tern_folder_item_get_members     (TernFolderItem *self);

/* For TernFolderModel. */
TernFolderItem    *_tern_folder_item_new            (TernFolderItemKind kind,
                                                     gint64             id,
                                                     gint64             account_id);
void               _tern_folder_item_update         (TernFolderItem    *self,
                                                     const char        *label,
                                                     const char        *path,
                                                     const char        *special_use,
                                                     guint              depth,
                                                     guint              unread,
                                                     guint              total,
                                                     gboolean           selectable,
                                                     int                local_state);
void               _tern_folder_item_set_counts     (TernFolderItem    *self,
                                                     guint              unread,
                                                     guint              total);
void               _tern_folder_item_set_owner      (TernFolderItem    *self,
                                                     const char        *owner);
/* (transfer none: copied) */
void               _tern_folder_item_set_members    (TernFolderItem    *self,
                                                     GArray            *folder_ids);

G_END_DECLS
