/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "tern-change-set.h"
#include "tern-conversation-item.h"
#include "tern-message-model.h"
#include "tern-store.h"

G_BEGIN_DECLS

/*
 * TernConversationModel: a lazy GListModel of TernConversationItem, one row a conversation
 * (messages sharing a thread id) with a message in the folder, newest conversation first.
 * The account's own replies in its Sent folder belong to the conversations they answer: they
 * count, and they move a conversation up. One query reads the ids of the folder (and Sent)
 * and groups them in memory; subjects and participants are read in batches as rows are
 * asked for. refresh() emits minimal items-changed: a new message in an existing
 * conversation moves that one row to the top (one removal, one insertion).
 *
 * Expanding a conversation: dup_messages() gives a TernMessageModel of its messages, oldest
 * first, that the conversation model keeps current on refresh() while somebody holds it.
 *
 * Main thread only; the store is borrowed and must outlive the model.
 */

#define TERN_TYPE_CONVERSATION_MODEL (tern_conversation_model_get_type ())

G_DECLARE_FINAL_TYPE (TernConversationModel, tern_conversation_model, TERN, CONVERSATION_MODEL, GObject)

TernConversationModel *tern_conversation_model_new     (TernStore             *store);
/* Shows the conversations of the folder (0: nothing). */
gboolean    tern_conversation_model_set_folder         (TernConversationModel *self,
                                                        gint64                 folder_id,
                                                        GError               **error);
gint64      tern_conversation_model_get_folder_id      (TernConversationModel *self);
/* Shows the conversations of exactly these messages (search results, of any folder; NULL:
 * nothing), newest first, each of the messages of ids only. Called again while showing ids
 * (more results came, or they changed) it emits minimal changes, as refresh() does; refresh()
 * reads these ids again. */
gboolean    tern_conversation_model_set_ids            (TernConversationModel *self,
                                                        GArray                *ids,
                                                        GError               **error);
/* Applies a change set to the conversations of the messages it names, without reading the
 * folder again: removed messages leave their conversations, added and changed ones are read
 * by id and placed; only the rows whose place changed get items-changed (a flag change:
 * none, the row's item notifies), and only the touched conversations' items are read again.
 * A set of another folder (but the account's Sent, whose replies count here) is ignored; a
 * reload set re-reads. Returns how many conversations it touched. */
guint       tern_conversation_model_apply              (TernConversationModel *self,
                                                        const TernChangeSet   *set);
gboolean    tern_conversation_model_refresh            (TernConversationModel *self,
                                                        GError               **error);
gint64      tern_conversation_model_get_thread_id      (TernConversationModel *self,
                                                        guint                  position);
/* The position of a conversation (by thread id), or G_MAXUINT. */
guint       tern_conversation_model_find               (TernConversationModel *self,
                                                        gint64                 thread_id);
/* The position of the conversation a message is in, or G_MAXUINT. */
guint       tern_conversation_model_find_message       (TernConversationModel *self,
                                                        gint64                 message_id);
/* Its messages, oldest first: every one, or only those in the folder shown (not the Sent
 * replies). (transfer full) */
GArray     *tern_conversation_model_dup_message_ids    (TernConversationModel *self,
                                                        gint64                 thread_id,
                                                        gboolean               folder_only) G_GNUC_WARN_UNUSED_RESULT;
/* The messages of a conversation as a list (NULL for a conversation of one message, which
 * has nothing to expand). (transfer full) */
TernMessageModel *tern_conversation_model_dup_messages (TernConversationModel *self,
                                                        gint64                 thread_id) G_GNUC_WARN_UNUSED_RESULT;
/* The thread ids of the conversations whose message lists are in use (expanded), so that a
 * view can expand them again after a refresh moved them. (transfer full) */
GArray     *tern_conversation_model_dup_expanded       (TernConversationModel *self) G_GNUC_WARN_UNUSED_RESULT;
/* How many conversations have their subject and participants read (tests, benchmark). */
guint       tern_conversation_model_get_n_loaded       (TernConversationModel *self);
/* How many times the model read all the ids of what it shows (tests, benchmark). */
guint       tern_conversation_model_get_n_scans        (TernConversationModel *self);

G_END_DECLS
