/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "tern-message-view.h"

G_BEGIN_DECLS

/* What the files of TernMessageView share: tern-message-view.c (the headers, the text, the
 * states), -html.c (HTML in a WebKitWebView), -attachments.c (the attachment cards). */

typedef struct
{
  TernMessageView *view;      /* unowned: the attachment lives in the view */
  guint            index;
  char            *section;
  char            *filename;
  char            *content_type;
  guint64          size;
  char            *path;      /* when downloaded */
  GCancellable    *cancellable;
  double           progress;
  guint            updates;
  GtkWidget       *card;
  GtkWidget       *bar;
  GtkWidget       *status;
  GtkWidget       *download;
  GtkWidget       *cancel;
  GtkWidget       *open;
  GtkWidget       *save;
  char            *progress_text;   /* the last "N of M" */
  gboolean         inline_shown;
} Attachment;

struct _TernMessageView
{
  GtkWidget             parent_instance;

  /* Owned. */
  GCancellable         *cancellable;     /* the body fetch of the message shown */
  GPtrArray            *attachments;     /* Attachment */
  char                 *html;
  TernMessage          *message;

  /* Borrowed. */
  TernApplication      *app;

  /* Children. */
  GtkWidget            *stack;
  GtkWidget            *empty_page;
  GtkWidget            *subject;
  GtkWidget            *from;
  GtkWidget            *to;
  GtkWidget            *date;
  GtkWidget            *remote_bar;
  GMenu                *remote_menu;     /* the Load button's: always from the sender, the domain */
  GtkWidget            *draft_bar;
  GtkWidget            *attachments_strip;
  GtkWidget            *attachments_box;
  GtkWidget            *body_stack;
  GtkWidget            *text_view;
  GtkWidget            *images_box;
  GtkWidget            *web_view;
  GtkWidget            *notice;
  GtkWidget            *notice_button;

  gint64                message_id;
  gint64                all_attachments_for;  /* the message whose every attachment is listed */
  guint                 n_hidden_attachments;
  TernMessageViewState  state;
  gboolean              remote_blocked;
  gboolean              remote_allowed;
  char                 *highlight;       /* the words searched for, marked in the text */
  guint                 n_highlights;
  gboolean              html_dark;
  char                 *last_toast;       /* shown in the dark palette */

  /* Embedded in a conversation (tern-conversation-view.c): no subject of its own, as tall as
   * its text (the conversation scrolls, not each message), quoted text folded. */
  gboolean              embedded;
  GtkWidget            *headers;
  GtkWidget            *text_scroller;    /* NULL once embedded */
  GtkWidget            *text_box;         /* the text and the images below it */
  GtkWidget            *plain_box;        /* embedded: the plain text as labels */
};

void     _tern_message_view_open_uri              (GtkWidget       *widget,
                                                   const char      *uri);
void     _tern_message_view_set_remote_blocked    (TernMessageView *self,
                                                   gboolean         blocked);

/* tern-message-view-html.c */
void     _tern_message_view_ensure_filter         (void);
void     _tern_message_view_show_html             (TernMessageView *self);
void     _tern_message_view_highlight_html        (TernMessageView *self);
gboolean _tern_message_view_html_has_colours      (const char      *html);
/* html with Tern's Content-Security-Policy first in its head (remote content blocked unless
 * allow_remote). (transfer full) */
char    *_tern_message_view_with_csp              (const char      *html,
                                                   gboolean         allow_remote);
void     _tern_message_view_load_remote_action    (GtkWidget       *widget,
                                                   const char      *action_name,
                                                   GVariant        *param);
/* view.allow-remote (s): "sender" or "domain": loads now, and always for this sender or
 * their domain (kept per account in the cache). */
void     _tern_message_view_allow_remote_action   (GtkWidget       *widget,
                                                   const char      *action_name,
                                                   GVariant        *param);

/* Words of text, lower case, of two characters or more. (transfer full) */
GStrv    _tern_message_view_highlight_words       (const char      *text);

/* tern-message-view-quotes.c: embedded, the plain text as labels, its quoted blocks ("> ..."
 * lines and the "X wrote:" before them) folded in a "Show Quoted Text" expander each. */
void     _tern_message_view_fold_quotes           (TernMessageView *self,
                                                   const char      *text);

/* tern-message-view-attachments.c */
void     _tern_message_view_attachment_free       (Attachment      *a);
void     _tern_message_view_build_attachments     (TernMessageView *self);
void     _tern_message_view_show_all_attachments_action (GtkWidget  *widget,
                                                         const char *action_name,
                                                         GVariant   *parameter);
void     _tern_message_view_download_action       (GtkWidget       *widget,
                                                   const char      *action_name,
                                                   GVariant        *param);
void     _tern_message_view_cancel_download_action (GtkWidget      *widget,
                                                   const char      *action_name,
                                                   GVariant        *param);
void     _tern_message_view_open_attachment_action (GtkWidget      *widget,
                                                   const char      *action_name,
                                                   GVariant        *param);
void     _tern_message_view_save_attachment_action (GtkWidget      *widget,
                                                   const char      *action_name,
                                                   GVariant        *param);

G_END_DECLS
