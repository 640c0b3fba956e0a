/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "tern-change-set.h"
#include "tern-message-item.h"
#include "tern-store.h"

G_BEGIN_DECLS

/*
 * TernMessageModel: a lazy GListModel of TernMessageItem over the cache. It holds the row
 * ids of what the user sees in one folder (one SQL query, newest first) or of a search;
 * get_item() is O(1) and never touches the network: an item's envelope is read in a batch
 * with its neighbours the first time one of them is asked for. refresh() re-reads the ids
 * and emits one minimal items-changed; items still in use are updated in place.
 *
 * Main thread only; the store is borrowed and must outlive the model.
 */

#define TERN_TYPE_MESSAGE_MODEL (tern_message_model_get_type ())

G_DECLARE_FINAL_TYPE (TernMessageModel, tern_message_model, TERN, MESSAGE_MODEL, GObject)

TernMessageModel *tern_message_model_new           (TernStore        *store);
/* Shows the folder (0: nothing). */
gboolean          tern_message_model_set_folder    (TernMessageModel *self,
                                                    gint64            folder_id,
                                                    GError          **error);
gint64            tern_message_model_get_folder_id (TernMessageModel *self);
/* Shows the messages of several folders (a unified inbox: one per account), newest first,
 * merged from each folder's own ordered ids; change sets of any of them apply. NULL or
 * empty: nothing. */
gboolean          tern_message_model_set_folders   (TernMessageModel *self,
                                                    GArray           *folder_ids,
                                                    GError          **error);
/* Whether the rows shown are those of this folder (one of the folders shown). */
gboolean          tern_message_model_shows_folder  (TernMessageModel *self,
                                                    gint64            folder_id);
/* Shows the local full-text search results (account_id 0: every account). */
gboolean          tern_message_model_search        (TernMessageModel *self,
                                                    gint64            account_id,
                                                    const char       *query,
                                                    GError          **error);
/* The same on a thread with a connection of its own to the cache (the main loop keeps
 * turning): finish() shows the results, unless a newer search was begun, another folder
 * shown, or cancellable cancelled (the query is interrupted) meanwhile: then it fails with
 * G_IO_ERROR_CANCELLED and the model is untouched. */
void              tern_message_model_search_async  (TernMessageModel    *self,
                                                    gint64               account_id,
                                                    const char          *query,
                                                    GCancellable        *cancellable,
                                                    GAsyncReadyCallback  callback,
                                                    gpointer             user_data);
gboolean          tern_message_model_search_finish (TernMessageModel    *self,
                                                    GAsyncResult        *result,
                                                    GError             **error);
/* Adds ids (server search results) not shown yet, at the end. */
void              tern_message_model_add_ids       (TernMessageModel *self,
                                                    GArray           *ids);
gboolean          tern_message_model_get_searching (TernMessageModel *self);
/* A search begun with search_async() has not landed yet (nor been replaced). */
gboolean          tern_message_model_get_search_pending (TernMessageModel *self);
/* Shows exactly these messages, in this order (a conversation's); a minimal items-changed
 * from what was shown, and refresh() re-reads only their envelopes. */
void              tern_message_model_set_ids       (TernMessageModel *self,
                                                    GArray           *ids);
/* Re-reads the ids and the loaded envelopes after the cache changed. */
gboolean          tern_message_model_refresh       (TernMessageModel *self,
                                                    GError          **error);
/* Applies a change set to the rows it names and no others: removed rows go (one
 * items-changed per run of neighbours), changed rows are re-read in place (their items
 * notify; no items-changed, so a selection stays), added ones are placed by re-reading the
 * ids (one minimal items-changed). A set of another folder is ignored (a search or a
 * conversation's messages take any folder's). Returns the number of rows touched. */
guint             tern_message_model_apply         (TernMessageModel    *self,
                                                    const TernChangeSet *set);
/* The position of a message, or G_MAXUINT. */
guint             tern_message_model_find          (TernMessageModel *self,
                                                    gint64            message_id);
gint64            tern_message_model_get_id        (TernMessageModel *self,
                                                    guint             position);
/* How many envelopes have been read (for tests and the benchmark). */
guint             tern_message_model_get_n_loaded  (TernMessageModel *self);

G_END_DECLS
