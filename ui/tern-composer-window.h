/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "tern-compose.h"

G_BEGIN_DECLS

/* tern-application.h includes this header. */
typedef struct _TernApplication TernApplication;

typedef enum
{
  TERN_COMPOSE_NEW,
  TERN_COMPOSE_REPLY,
  TERN_COMPOSE_REPLY_ALL,
  TERN_COMPOSE_FORWARD,             /* the original's text quoted in the new one */
  TERN_COMPOSE_FORWARD_ATTACHED,    /* the whole original as a message/rfc822 attachment */
  TERN_COMPOSE_EDIT_DRAFT,          /* a draft saved earlier, opened again */
} TernComposeMode;

#define TERN_TYPE_COMPOSER_WINDOW (tern_composer_window_get_type ())

/* TernComposer is the message builder of the sync layer (tern-compose.h): the window that
 * uses it is TernComposerWindow. */
G_DECLARE_FINAL_TYPE (TernComposerWindow, tern_composer_window, TERN, COMPOSER_WINDOW, AdwApplicationWindow)

/* account_id 0: the first account. message_id: the message replied to or forwarded, or the
 * draft to edit; 0 for a new message. */
TernComposerWindow *tern_composer_window_new            (TernApplication    *app,
                                                         TernComposeMode     mode,
                                                         gint64              account_id,
                                                         gint64              message_id);
/* Fills the fields from a mailto: link. */
void                tern_composer_window_apply_mailto   (TernComposerWindow *self,
                                                         const TernMailto   *mailto);

/* The fields, as the user would fill them (changes count as typing: they are autosaved). */
void                tern_composer_window_set_to         (TernComposerWindow *self,
                                                         const char         *addresses);
void                tern_composer_window_set_cc         (TernComposerWindow *self,
                                                         const char         *addresses);
void                tern_composer_window_set_bcc        (TernComposerWindow *self,
                                                         const char         *addresses);
void                tern_composer_window_set_subject    (TernComposerWindow *self,
                                                         const char         *subject);
void                tern_composer_window_set_body       (TernComposerWindow *self,
                                                         const char         *text);
const char         *tern_composer_window_get_to         (TernComposerWindow *self);
const char         *tern_composer_window_get_cc         (TernComposerWindow *self);
const char         *tern_composer_window_get_bcc        (TernComposerWindow *self);
const char         *tern_composer_window_get_subject    (TernComposerWindow *self);
char               *tern_composer_window_dup_body       (TernComposerWindow *self) G_GNUC_WARN_UNUSED_RESULT;
gint64              tern_composer_window_get_account_id (TernComposerWindow *self);
gboolean            tern_composer_window_add_attachment (TernComposerWindow *self,
                                                         const char         *path,
                                                         GError            **error);
guint               tern_composer_window_get_n_attachments (TernComposerWindow *self);
/* Forwarded attachments not downloaded (yet): downloading now, or fetched when the message
 * is sent; and of those, how many are downloading now. */
guint               tern_composer_window_get_n_missing_attachments (TernComposerWindow *self);
guint               tern_composer_window_get_n_downloading (TernComposerWindow *self);
/* The subtitle of the index-th attachment's row (its size, or its download's progress). */
const char         *tern_composer_window_get_attachment_subtitle (TernComposerWindow *self,
                                                         guint               index);

/* What the window says: the inline error under the fields (a recipient missing or not an
 * address), and the notice above them (the original not available offline...); NULL for
 * none. */
const char         *tern_composer_window_get_error      (TernComposerWindow *self);
const char         *tern_composer_window_get_notice     (TernComposerWindow *self);
/* TRUE while the original message (its text or, forwarded as an attachment, the whole of it)
 * is still being fetched. */
gboolean            tern_composer_window_get_busy       (TernComposerWindow *self);
/* Whether a draft save is due (something changed since the last one). */
gboolean            tern_composer_window_get_save_pending (TernComposerWindow *self);
/* The Message-ID this message has (kept by every version of its draft). */
const char         *tern_composer_window_get_message_id (TernComposerWindow *self);
/* The local id of the last version of the draft saved to the Drafts folder, 0 if none. */
gint64              tern_composer_window_get_draft_id   (TernComposerWindow *self);
/* Where the draft is kept on this computer as well. (transfer full) */
char               *tern_composer_window_dup_draft_path (TernComposerWindow *self) G_GNUC_WARN_UNUSED_RESULT;
/* Milliseconds from a change to the autosave (5 s by default). */
void                tern_composer_window_set_autosave_interval (TernComposerWindow *self,
                                                         guint               ms);
/* What address completion offers for the address field being typed in ("Name <address>"),
 * best first. (transfer full) */
GStrv               tern_composer_window_dup_suggestions (TernComposerWindow *self) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS
