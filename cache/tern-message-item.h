/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/*
 * TernMessageItem: one row of a message list. Created with its id only; the envelope is
 * filled in by TernMessageModel in batches, and updated in place (with notifications) when
 * the cache changes. Main thread only.
 */

#define TERN_TYPE_MESSAGE_ITEM (tern_message_item_get_type ())

G_DECLARE_FINAL_TYPE (TernMessageItem, tern_message_item, TERN, MESSAGE_ITEM, GObject)

TernMessageItem *tern_message_item_new             (gint64           id);
gint64           tern_message_item_get_id          (TernMessageItem *self);
gboolean         tern_message_item_get_loaded      (TernMessageItem *self);
gint64           tern_message_item_get_folder_id   (TernMessageItem *self);
const char      *tern_message_item_get_subject     (TernMessageItem *self);
/* The sender's name, or the address where there is no name. */
const char      *tern_message_item_get_sender      (TernMessageItem *self);
const char      *tern_message_item_get_sender_address (TernMessageItem *self);
gint64           tern_message_item_get_date        (TernMessageItem *self);
const char      *tern_message_item_get_flags       (TernMessageItem *self);
gboolean         tern_message_item_get_unread      (TernMessageItem *self);
gboolean         tern_message_item_get_flagged     (TernMessageItem *self);
gboolean         tern_message_item_get_answered    (TernMessageItem *self);
gboolean         tern_message_item_get_has_attachment (TernMessageItem *self);
/* The start of its text, as one line, where the cache has the text; NULL otherwise. */
const char      *tern_message_item_get_preview     (TernMessageItem *self);

/* For TernMessageModel: sets the envelope, notifying what changed. */
void             _tern_message_item_set_envelope   (TernMessageItem *self,
                                                    gint64           folder_id,
                                                    const char      *subject,
                                                    const char      *from_name,
                                                    const char      *from_addr,
                                                    gint64           date,
                                                    const char      *flags,
                                                    gboolean         has_attachment);

void             _tern_message_item_set_preview    (TernMessageItem *self,
                                                    const char      *text);

G_END_DECLS
