/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

#include "tern-application.h"
#include "tern-message-view.h"

G_BEGIN_DECLS

/*
 * TernConversationView: a conversation's messages stacked in one scrolling view, oldest at
 * the top, as Geary shows them. Unread messages and the newest are expanded (each a
 * TernMessageView, embedded: the same body loading, offline rules and remote-content
 * blocking as the reading pane), read ones collapsed to a line (sender, start of the text,
 * date) that expands on a click. Each expanded message has its own Reply, Reply All,
 * Forward and Star. "message-opened" (gint64 id) tells what the user is shown, so that it is
 * read. Main thread only.
 */

#define TERN_TYPE_CONVERSATION_VIEW (tern_conversation_view_get_type ())

G_DECLARE_FINAL_TYPE (TernConversationView, tern_conversation_view, TERN, CONVERSATION_VIEW, GtkWidget)

void        tern_conversation_view_set_application (TernConversationView *self,
                                                    TernApplication      *app);
/* Shows the messages of a conversation (a list of TernMessageItem, oldest first, kept current
 * by its owner: TernConversationModel's dup_messages()); NULL shows nothing. Shown again
 * with the same thread, it keeps what is expanded and where it is scrolled. */
void        tern_conversation_view_show            (TernConversationView *self,
                                                    gint64                thread_id,
                                                    GListModel           *messages,
                                                    const char           *subject);
gint64      tern_conversation_view_get_thread_id   (TernConversationView *self);
/* The messages expanded when shown that are unread (to mark read). (transfer full) */
GArray     *tern_conversation_view_dup_unread_expanded (TernConversationView *self) G_GNUC_WARN_UNUSED_RESULT;
/* Reloads the messages that wait for their text (offline, an error). */
void        tern_conversation_view_reload          (TernConversationView *self);
/* Gives the keyboard focus to the first message expanded. */
gboolean    tern_conversation_view_focus           (TernConversationView *self);

/* For tests: how many messages, whether one is expanded, its id, its message view (NULL
 * while collapsed and never expanded), its card, and the scroller. */
guint       tern_conversation_view_get_n_messages  (TernConversationView *self);
gboolean    tern_conversation_view_get_expanded    (TernConversationView *self,
                                                    guint                 index);
gint64      tern_conversation_view_get_message_id  (TernConversationView *self,
                                                    guint                 index);
TernMessageView *tern_conversation_view_get_message_view (TernConversationView *self,
                                                          guint                 index);
GtkWidget  *tern_conversation_view_get_card        (TernConversationView *self,
                                                    guint                 index);
GtkScrolledWindow *tern_conversation_view_get_scroller (TernConversationView *self);

G_END_DECLS
