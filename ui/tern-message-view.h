/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

#include "tern-application.h"

G_BEGIN_DECLS

typedef enum
{
  TERN_MESSAGE_VIEW_EMPTY,          /* nothing selected */
  TERN_MESSAGE_VIEW_SEVERAL,        /* several selected */
  TERN_MESSAGE_VIEW_LOADING,        /* the body is being fetched */
  TERN_MESSAGE_VIEW_TEXT,           /* plain text shown */
  TERN_MESSAGE_VIEW_HTML,           /* HTML shown */
  TERN_MESSAGE_VIEW_NOT_AVAILABLE,  /* not cached, and offline */
  TERN_MESSAGE_VIEW_ERROR,
} TernMessageViewState;

#define TERN_TYPE_MESSAGE_VIEW (tern_message_view_get_type ())

G_DECLARE_FINAL_TYPE (TernMessageView, tern_message_view, TERN, MESSAGE_VIEW, GtkWidget)

void                 tern_message_view_set_application (TernMessageView *self,
                                                        TernApplication *app);
/* Shows a message (0: none); several: how many are selected instead. */
void                 tern_message_view_show            (TernMessageView *self,
                                                        gint64           message_id);
void                 tern_message_view_show_several    (TernMessageView *self,
                                                        guint            n);
gint64               tern_message_view_get_message_id  (TernMessageView *self);
TernMessageViewState tern_message_view_get_state       (TernMessageView *self);
/* Re-reads the message (after a sync or a change of state). */
void                 tern_message_view_reload          (TernMessageView *self);

/* For tests: the visible text (plain text or the notice), whether remote content is
 * blocked, the number of attachments, and an attachment's download state. */
char                *tern_message_view_dup_text        (TernMessageView *self) G_GNUC_WARN_UNUSED_RESULT;
gboolean             tern_message_view_get_remote_blocked (TernMessageView *self);
guint                tern_message_view_get_n_attachments (TernMessageView *self);
guint                tern_message_view_get_n_hidden_attachments (TernMessageView *self);
/* -1 not started, 0..1 downloading, 2 done. */
double               tern_message_view_get_attachment_progress (TernMessageView *self,
                                                        guint            index);
/* Maximum progress updates seen for an attachment (tests check progress was shown). */
guint                tern_message_view_get_attachment_updates (TernMessageView *self,
                                                        guint            index);
char                *tern_message_view_dup_attachment_path (TernMessageView *self,
                                                        guint            index) G_GNUC_WARN_UNUSED_RESULT;
GtkWidget           *tern_message_view_get_web_view    (TernMessageView *self);
/* Prints the message shown with its headers: through the print dialog over parent, or with
 * settings when given (no dialog). Finishes with TRUE once printed, FALSE if the user
 * cancelled, or an error. */
void                 tern_message_view_print_async     (TernMessageView     *self,
                                                        GtkWindow           *parent,
                                                        GtkPrintSettings    *settings,
                                                        GAsyncReadyCallback  callback,
                                                        gpointer             user_data);
gboolean             tern_message_view_print_finish    (TernMessageView     *self,
                                                        GAsyncResult        *result,
                                                        GError             **error);

/* Whether the pane says "No Message Selected" when nothing is shown (not beside an empty
 * list, which says "No Messages"). */
void                  tern_message_view_set_placeholder (TernMessageView *self,
                                                         gboolean         shown);
gboolean              tern_message_view_get_placeholder (TernMessageView *self);
/* Gives the keyboard focus to the message's text (plain or HTML); FALSE if none is shown. */
gboolean              tern_message_view_focus_body      (TernMessageView *self);

/* Marks the words of text (a search) in the messages shown; NULL for none. */
void                  tern_message_view_set_highlight   (TernMessageView *self,
                                                         const char      *text);
/* How many places of the message shown are marked. */
guint                 tern_message_view_get_n_highlights (TernMessageView *self);

/* Whether the HTML message shown is drawn in the dark palette (dark style, and it sets no
 * colours of its own). */
gboolean              tern_message_view_get_html_dark   (TernMessageView *self);

/* The last "N of M" an attachment's download said (decoded sizes). (transfer full) */
char                 *tern_message_view_dup_attachment_progress_text (TernMessageView *self,
                                                                      guint            index);
/* What the view last said in a toast (saving an attachment), or NULL. */
const char           *tern_message_view_get_last_toast  (TernMessageView *self);

/* How many image attachments show below the text. */
guint                 tern_message_view_get_n_inline_images (TernMessageView *self);

/* In a conversation: no subject of its own (the conversation's is above), as tall as the
 * message (the conversation scrolls), quoted text of plain text folded. Before showing. */
void                  tern_message_view_set_embedded    (TernMessageView *self,
                                                         gboolean         embedded);
/* How many quoted blocks of the text shown are folded away (embedded only). */
guint                 tern_message_view_get_n_folded_quotes (TernMessageView *self);

G_END_DECLS
