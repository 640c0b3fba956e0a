/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/*
 * TernConversationItem: one row of a message list grouped by conversation. Its counts and
 * newest message come with the row ids (TernConversationModel reads them in the same
 * query); subject, participants and marks are filled in batches, and everything is updated
 * in place (with notifications) when the cache changes. Main thread only.
 */

#define TERN_TYPE_CONVERSATION_ITEM (tern_conversation_item_get_type ())

G_DECLARE_FINAL_TYPE (TernConversationItem, tern_conversation_item, TERN, CONVERSATION_ITEM, GObject)

TernConversationItem *tern_conversation_item_new        (gint64 thread_id);
/* The thread id (a message without one is a conversation of its own: minus its id). */
gint64      tern_conversation_item_get_thread_id        (TernConversationItem *self);
gboolean    tern_conversation_item_get_loaded           (TernConversationItem *self);
/* The newest message in the folder shown: what selecting the conversation opens. */
gint64      tern_conversation_item_get_newest_id        (TernConversationItem *self);
gint64      tern_conversation_item_get_date             (TernConversationItem *self);
guint       tern_conversation_item_get_count            (TernConversationItem *self);
guint       tern_conversation_item_get_unread_count     (TernConversationItem *self);
gboolean    tern_conversation_item_get_unread           (TernConversationItem *self);
/* The folder of its newest message in the folder shown (search results: of any folder). */
gint64      tern_conversation_item_get_folder_id        (TernConversationItem *self);
/* The subject of its first message. */
const char *tern_conversation_item_get_subject          (TernConversationItem *self);
/* Who wrote in it, in order of their first message: "Ada Lovelace, Bob, Grace Hopper". */
const char *tern_conversation_item_get_participants     (TernConversationItem *self);
gboolean    tern_conversation_item_get_flagged          (TernConversationItem *self);
gboolean    tern_conversation_item_get_has_attachment   (TernConversationItem *self);

/* For TernConversationModel. */
void        _tern_conversation_item_set_counts          (TernConversationItem *self,
                                                         gint64                newest_id,
                                                         gint64                date,
                                                         guint                 count,
                                                         guint                 unread);
void        _tern_conversation_item_set_folder_id       (TernConversationItem *self,
                                                         gint64                folder_id);
void        _tern_conversation_item_set_envelope        (TernConversationItem *self,
                                                         const char           *subject,
                                                         const char           *participants,
                                                         gboolean              flagged,
                                                         gboolean              has_attachment);

G_END_DECLS
