/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "tern-application.h"
#include "tern-composer-window.h"
#include "tern-identity.h"

G_BEGIN_DECLS

/* What the files of TernComposerWindow share: tern-composer-window.c (fields, accounts,
 * signatures, the public API), -actions.c (attachments, completion, drafts, sending),
 * -original.c (the message replied to, forwarded or opened again as a draft). */

#define AUTOSAVE_MS  5000
#define SUGGESTIONS  8

typedef struct
{
  char    *path;           /* NULL while a forwarded attachment is not downloaded */
  char    *filename;
  char    *content_type;   /* NULL: TernComposer guesses it when the message is built */
  guint64  size;
  /* A forwarded attachment not downloaded: the original's part. Sent as a reference the
   * engine fills in (tern_composer_add_part_reference()) unless downloaded before. */
  gint64     ref_message;
  char      *ref_section;
  gboolean   downloading;
  guint64    done;         /* transfer-encoded bytes so far, of ref_encoded */
  guint64    ref_encoded;
  GtkWidget *row;          /* borrowed: its row in the list */
} Attachment;

struct _TernComposerWindow
{
  AdwApplicationWindow  parent_instance;

  /* Template widgets. */
  AdwToastOverlay      *toasts;
  AdwWindowTitle       *window_title;
  GtkRevealer          *notice_revealer;
  GtkLabel             *notice_label;
  GtkWidget            *fields;
  GtkDropDown          *from_dropdown;
  GtkEntry             *to_entry;
  GtkEntry             *cc_entry;
  GtkEntry             *bcc_entry;
  GtkToggleButton      *cc_button;
  GtkEntry             *subject_entry;
  GtkLabel             *error_label;
  GtkWidget            *setup_outgoing_button;
  GtkWidget            *attachments_scroller;
  GtkListBox           *attachments_list;
  GtkTextView          *body_view;

  /* Owned. */
  GPtrArray            *attachments;      /* Attachment */
  GPtrArray            *identities;       /* TernIdentity, in the From list's order */
  char                 *signature_block;  /* the signature as inserted ("" if none) */
  GCancellable         *cancellable;      /* fetches of the original */
  GtkTextMark          *quote_mark;       /* where the original's text starts */
  char                 *message_id;       /* "<...>", the same for every draft version */
  char                 *reply_id;         /* the original's Message-ID, References, In-Reply-To */
  char                 *reply_references;
  char                 *reply_in_reply_to;
  char                 *forwards;         /* the Message-ID of the message forwarded */
  char                 *work_dir;         /* files of this message: attachments of a draft... */
  char                 *error;
  char                 *notice;
  GtkEntry             *completing;       /* the address field suggestions are for */

  /* Borrowed. */
  TernApplication      *app;
  TernStore            *store;

  TernComposeMode       mode;
  gint64                original_id;
  gint64                draft_id;         /* the version in Drafts, 0 if none */
  gint64                draft_account_id;
  gboolean              replace_draft;    /* FALSE: a draft opened but not read whole, whose
                                           * earlier version must be kept as a copy */
  guint                 autosave_ms;
  guint                 autosave_id;
  guint                 busy;
  gboolean              dirty;
  gboolean              loading;          /* the window fills its fields: not a change */
  gboolean              done;             /* sent or discarded: nothing left to save */
};

/* tern-composer-window.c */
const char *
_tern_composer_window_entry_text (GtkEntry *entry);
void
_tern_composer_window_set_entry (TernComposerWindow *self,
                                 GtkEntry           *entry,
                                 const char         *text);
char *
_tern_composer_window_body_text (TernComposerWindow *self);
void
_tern_composer_window_set_notice (TernComposerWindow *self,
                                  const char         *text);
void
_tern_composer_window_show_error (TernComposerWindow *self,
                                  GtkEntry           *entry,
                                  const char         *text);
void
_tern_composer_window_toast (TernComposerWindow *self,
                             const char         *text);
void
_tern_composer_window_refresh_windows (TernComposerWindow *self);
gboolean
_tern_composer_window_worker_online (TernAccountWorker *worker);
void
_tern_composer_window_set_busy (TernComposerWindow *self,
                                gboolean            busy);
const TernIdentity *
_tern_composer_window_current_identity (TernComposerWindow *self);
gint64
_tern_composer_window_account_id (TernComposerWindow *self);
TernAccount *
_tern_composer_window_current_account (TernComposerWindow *self);
GStrv
_tern_composer_window_my_addresses (TernComposerWindow *self);
char *
_tern_composer_window_format_mailbox (const char *name,
                                      const char *address);
char *
_tern_composer_window_from_address (const TernIdentity *identity);
char *
_tern_composer_window_signature_block (const TernIdentity *identity);
char *
_tern_composer_window_draft_key (TernComposerWindow *self);
char *
_tern_composer_window_drafts_dir (TernComposerWindow *self);
const char *
_tern_composer_window_work_dir (TernComposerWindow *self);
void
_tern_composer_window_update_title (TernComposerWindow *self);
void
_tern_composer_window_mark_dirty (TernComposerWindow *self);

/* tern-composer-window-actions.c */
gboolean
_tern_composer_window_add_file (TernComposerWindow  *self,
                                const char          *path,
                                const char          *filename,
                                const char          *content_type,
                                GError             **error);
void
_tern_composer_window_attach_action (GtkWidget  *widget,
                                     const char *action_name,
                                     GVariant   *param);
void
_tern_composer_window_remove_attachment_action (GtkWidget  *widget,
                                                const char *action_name,
                                                GVariant   *param);
gboolean
_tern_composer_window_drop_cb (GtkDropTarget      *target,
                               const GValue       *value,
                               double              x,
                               double              y,
                               TernComposerWindow *self);
void
_tern_composer_window_update_suggestions (TernComposerWindow *self,
                                          GtkEntry           *entry);
void
_tern_composer_window_setup_completion (TernComposerWindow *self,
                                        GtkEntry           *entry);
char *
_tern_composer_window_references_before (const char *references,
                                         const char *in_reply_to);
gboolean
_tern_composer_window_save_draft (TernComposerWindow  *self,
                                  GError             **error);
void
_tern_composer_window_save_draft_action (GtkWidget  *widget,
                                         const char *action_name,
                                         GVariant   *param);
void
_tern_composer_window_discard_action (GtkWidget  *widget,
                                      const char *action_name,
                                      GVariant   *param);
gboolean
_tern_composer_window_close_request_cb (TernComposerWindow *self);
void
_tern_composer_window_send_action (GtkWidget  *widget,
                                   const char *action_name,
                                   GVariant   *param);
void
_tern_composer_window_setup_outgoing_action (GtkWidget  *widget,
                                             const char *action_name,
                                             GVariant   *param);
void
_tern_composer_window_show_cc_bcc_action (GtkWidget  *widget,
                                          const char *action_name,
                                          GVariant   *param);

void
_tern_composer_window_rebuild_attachments (TernComposerWindow *self);
void
_tern_composer_window_update_attachment_row (TernComposerWindow *self,
                                             Attachment         *a);

/* tern-composer-window-original.c */
void
_tern_composer_window_load_original (TernComposerWindow *self,
                                     gint64              account);

G_END_DECLS
