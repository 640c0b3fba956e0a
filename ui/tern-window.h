/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "tern-application.h"
#include "tern-conversation-model.h"
#include "tern-folder-model.h"
#include "tern-message-model.h"
#include "tern-message-view.h"
#include "tern-status-area.h"

G_BEGIN_DECLS

#define TERN_TYPE_WINDOW (tern_window_get_type ())

G_DECLARE_FINAL_TYPE (TernWindow, tern_window, TERN, WINDOW, AdwApplicationWindow)

TernWindow       *tern_window_new                (TernApplication *app);
/* For tests and the app's own wiring. */
TernFolderModel  *tern_window_get_folder_model   (TernWindow      *self);
TernMessageModel *tern_window_get_message_model  (TernWindow      *self);
/* What the list shows when "Group by Conversation" is on (and no search). */
TernConversationModel *tern_window_get_conversation_model (TernWindow *self);
TernMessageView  *tern_window_get_message_view   (TernWindow      *self);
/* The conversation view (shown instead of the message view for a conversation selected
 * alone, grouped). */
GtkWidget        *tern_window_get_conversation_view (TernWindow     *self);
TernStatusArea   *tern_window_get_status_area    (TernWindow      *self);
GtkSelectionModel *tern_window_get_selection     (TernWindow      *self);
gint64            tern_window_get_folder_id      (TernWindow      *self);
/* The unified row shown (TERN_FOLDER_MODEL_ALL_INBOXES...), or 0 when a folder is. */
gint64            tern_window_get_unified_id     (TernWindow      *self);
/* "welcome" or "mail". */
const char       *tern_window_get_page           (TernWindow      *self);
/* What the window last said in a toast, or NULL (for tests). */
const char       *tern_window_get_last_toast     (TernWindow      *self);
/* Re-reads folders, messages and status from the cache. */
void              tern_window_refresh            (TernWindow      *self);

G_END_DECLS
