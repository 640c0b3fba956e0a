/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

#include "tern-conversation-item.h"
#include "tern-folder-model.h"
#include "tern-message-item.h"

G_BEGIN_DECLS

#define TERN_TYPE_MESSAGE_ROW (tern_message_row_get_type ())

G_DECLARE_FINAL_TYPE (TernMessageRow, tern_message_row, TERN, MESSAGE_ROW, GtkWidget)

GtkWidget       *tern_message_row_new      (void);
void             tern_message_row_set_item (TernMessageRow  *self,
                                            TernMessageItem *item);
TernMessageItem *tern_message_row_get_item (TernMessageRow  *self);
/* A conversation instead of a message. */
void             tern_message_row_set_conversation (TernMessageRow       *self,
                                                    TernConversationItem *conversation);
TernConversationItem *tern_message_row_get_conversation (TernMessageRow *self);
/* The message list's items: messages, or GtkTreeListRows of conversations and messages.
 * (transfer full) */
GtkListItemFactory *tern_message_row_factory_new (void);
/* The folder a message is in, shown after its subject (search results); NULL hides it. */
void             tern_message_row_set_folder_name (TernMessageRow *self,
                                                   const char     *name);
const char      *tern_message_row_get_folder_name (TernMessageRow *self);
/* A line under the subject with the start of the message's text, where the cache has it. */
void             tern_message_row_set_show_preview (TernMessageRow *self,
                                                    gboolean        show);
const char      *tern_message_row_get_preview     (TernMessageRow *self);
/* Whether the factory's rows say which folder their message is in (in folders' words). */
void             tern_message_row_factory_set_folders (GtkListItemFactory *factory,
                                                       TernFolderModel    *folders,
                                                       gboolean            show);
/* The account a message is of, as a small tag in the account's colour (color: its place
 * among the accounts); NULL hides it. */
void             tern_message_row_set_account     (TernMessageRow *self,
                                                   const char     *name,
                                                   guint           color);
const char      *tern_message_row_get_account     (TernMessageRow *self);
/* Whether the factory's rows say which account their message is of (unified folders). */
void             tern_message_row_factory_set_accounts (GtkListItemFactory *factory,
                                                        TernFolderModel    *folders,
                                                        gboolean            show);
/* "Today 14:05", "Mon", "12 Mar", "12/03/2023": short, by distance from now. */
char            *tern_format_date          (gint64           unix_time) G_GNUC_WARN_UNUSED_RESULT;

/* For the list's factory (tern-message-row-factory.c). */
void             _tern_message_row_set_show_preview_quietly (TernMessageRow *self,
                                                             gboolean        show);

G_END_DECLS
