/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "tern-account-worker.h"
#include "tern-change-set.h"
#include "tern-journal.h"
#include "tern-store.h"

G_BEGIN_DECLS

/*
 * TernMailService: everything the app and tern-cli ask of the mail. No GTK.
 *
 * Every user action is one call over a set of messages (local ids), applied to the cache
 * and queued in the journal in ONE transaction (all or nothing); only the worker of the
 * account it concerns is woken. Each returns an undo token (0 on error, or when nothing
 * needed doing).
 *
 * Undo is a stack: tern_mail_service_undo_last() takes back the most recent action still
 * standing, again and again; tern_mail_service_undo() takes back one token's action
 * whatever came after. An undone action that has not reached the server leaves the queue;
 * one the server has (or may have) done is answered by its reverse.
 *
 * Signals:
 *   "changed" (TernChangeSet *): one per folder an action, an undo or a worker touched.
 *   "queue-changed": the number of actions waiting for the server (or failed) changed.
 *   "undo-changed": the undo stack changed (can-undo, the label of its top).
 *
 * Main thread only; the store is the main thread's and is borrowed.
 */

#define TERN_TYPE_MAIL_SERVICE (tern_mail_service_get_type ())

G_DECLARE_FINAL_TYPE (TernMailService, tern_mail_service, TERN, MAIL_SERVICE, GObject)

/* What an undo token stands for. */
typedef enum
{
  TERN_MAIL_ACTION_FLAGS,
  TERN_MAIL_ACTION_MOVE,
  TERN_MAIL_ACTION_COPY,
  TERN_MAIL_ACTION_ARCHIVE,
  TERN_MAIL_ACTION_JUNK,
  TERN_MAIL_ACTION_DELETE,
  TERN_MAIL_ACTION_DELETE_PERMANENTLY,
  TERN_MAIL_ACTION_APPEND,
  TERN_MAIL_ACTION_FOLDER,
  TERN_MAIL_ACTION_NOT_JUNK,
} TernMailActionKind;

TernMailService *tern_mail_service_new               (TernStore          *store);
TernStore       *tern_mail_service_get_store         (TernMailService    *self);

/* The worker of one account (a reference is kept; its changes become change sets). */
void             tern_mail_service_add_worker        (TernMailService    *self,
                                                      TernAccountWorker  *worker);
void             tern_mail_service_remove_worker     (TernMailService    *self,
                                                      gint64              account_id);
/* (transfer none) NULL if the account has none. */
TernAccountWorker *tern_mail_service_get_worker      (TernMailService    *self,
                                                      gint64              account_id);

/* Preview lines from the server (PREVIEW, where offered) for an account: kept in the
 * account's settings; turned on, its worker syncs now, and the lines follow. */
gboolean         tern_mail_service_set_server_previews (TernMailService  *self,
                                                        gint64            account_id,
                                                        gboolean          enabled,
                                                        GError          **error);

/* Message actions over message_ids (gint64). */
guint            tern_mail_service_set_flags         (TernMailService    *self,
                                                      GArray             *message_ids,
                                                      const char         *add,
                                                      const char         *remove,
                                                      GError            **error);
/* Mark all as read: \Seen on every unread message shown in the folder, as set_flags()
 * (one action, one undo token; replayed as one UID STORE). 0 with no error if every
 * message is read already. */
guint            tern_mail_service_mark_folder_read  (TernMailService    *self,
                                                      gint64              folder_id,
                                                      GError            **error);
/* Opening a message reads it: \Seen as set_flags() sets it, but not an action on the undo
 * stack (Ctrl+Z keeps to what the user did). */
gboolean         tern_mail_service_mark_read         (TernMailService    *self,
                                                      GArray             *message_ids,
                                                      GError            **error);
guint            tern_mail_service_move              (TernMailService    *self,
                                                      GArray             *message_ids,
                                                      gint64              target_folder,
                                                      GError            **error);
guint            tern_mail_service_copy              (TernMailService    *self,
                                                      GArray             *message_ids,
                                                      gint64              target_folder,
                                                      GError            **error);
guint            tern_mail_service_archive           (TernMailService    *self,
                                                      GArray             *message_ids,
                                                      GError            **error);
/* Junk: $Junk and a move to Junk; not junk: $NotJunk and, from Junk, back to INBOX. */
guint            tern_mail_service_junk              (TernMailService    *self,
                                                      GArray             *message_ids,
                                                      GError            **error);
guint            tern_mail_service_not_junk          (TernMailService    *self,
                                                      GArray             *message_ids,
                                                      GError            **error);
/* To Trash, or \Deleted + expunge where the account says so (see tern_journal_delete()). */
guint            tern_mail_service_delete            (TernMailService    *self,
                                                      GArray             *message_ids,
                                                      GError            **error);
guint            tern_mail_service_delete_permanently (TernMailService   *self,
                                                      GArray             *message_ids,
                                                      GError            **error);
/* Empty Trash, Empty Junk: every message shown in the folder deleted for good, one journal
 * action (one UID EXPUNGE over the set). Not undoable. Returns how many messages went (0
 * with no error: it was empty). */
guint            tern_mail_service_empty_folder      (TernMailService    *self,
                                                      gint64              folder_id,
                                                      GError            **error);
/* Saves a message into a folder (an import, a draft). new_id: the local id. */
guint            tern_mail_service_append            (TernMailService    *self,
                                                      gint64              folder_id,
                                                      const TernMessage  *message,
                                                      GBytes             *raw,
                                                      gint64             *new_id,
                                                      GError            **error);
/* Folder actions (name: the server name; display: UTF-8). */
guint            tern_mail_service_folder_create     (TernMailService    *self,
                                                      gint64              account_id,
                                                      const char         *name,
                                                      const char         *display,
                                                      const char         *delimiter,
                                                      gint64             *folder_id,
                                                      GError            **error);
/* A folder called display (UTF-8; it may not hold the account's delimiter) under parent
 * (0: at the top of the account's folders, beside INBOX); the server name is made here. */
guint            tern_mail_service_folder_create_child (TernMailService  *self,
                                                      gint64              account_id,
                                                      gint64              parent_id,
                                                      const char         *display,
                                                      gint64             *folder_id,
                                                      GError            **error);
/* The folder renamed to display under new_parent (0: the top; -1: where it is). */
guint            tern_mail_service_folder_rename_to  (TernMailService    *self,
                                                      gint64              folder_id,
                                                      gint64              new_parent,
                                                      const char         *display,
                                                      GError            **error);
guint            tern_mail_service_folder_rename     (TernMailService    *self,
                                                      gint64              folder_id,
                                                      const char         *name,
                                                      const char         *display,
                                                      GError            **error);
guint            tern_mail_service_folder_delete     (TernMailService    *self,
                                                      gint64              folder_id,
                                                      GError            **error);
guint            tern_mail_service_folder_subscribe  (TernMailService    *self,
                                                      gint64              folder_id,
                                                      gboolean            subscribe,
                                                      GError            **error);
/* An action already in the journal, done by another part (drafts, the outbox): its change
 * sets and queue count follow, and its worker is woken. */
void             tern_mail_service_journal_changed   (TernMailService    *self,
                                                      gint64              account_id,
                                                      gint64              folder_id);
/* Shares the folder with identifier (a user, "anyone") with these RFC 4314 rights, replacing
 * what it had; rights NULL: no longer shared with it. Queued (not on the undo stack); the
 * queue count follows and the account's worker is woken. */
gboolean         tern_mail_service_folder_share      (TernMailService    *self,
                                                      gint64              folder_id,
                                                      const char         *identifier,
                                                      const char         *rights,
                                                      GError            **error);
/* A failed action tried again, or given up (a queued one is undone in the cache first): the
 * folders it touched are told, the queue count follows, its worker is woken. */
gboolean         tern_mail_service_retry_action      (TernMailService    *self,
                                                      gint64              action_id,
                                                      GError            **error);
gboolean         tern_mail_service_discard_action    (TernMailService    *self,
                                                      gint64              action_id,
                                                      GError            **error);

/* Undo. */
gboolean         tern_mail_service_undo              (TernMailService    *self,
                                                      guint               token,
                                                      GError            **error);
/* The most recent action still standing; FALSE (no error) if there is none. */
gboolean         tern_mail_service_undo_last         (TernMailService    *self,
                                                      GError            **error);
gboolean         tern_mail_service_can_undo          (TernMailService    *self);
/* TRUE if the token's action still stands (it can be undone). */
gboolean         tern_mail_service_token_valid       (TernMailService    *self,
                                                      guint               token);
/* How many messages the token's call acted on (actions on no message count one each),
 * for a toast: "3 messages archived". */
guint            tern_mail_service_get_token_count   (TernMailService    *self,
                                                      guint               token);

/* Actions waiting for the server, and failed ones, over every account (journal only). */
guint            tern_mail_service_get_queued        (TernMailService    *self);
guint            tern_mail_service_get_failed        (TernMailService    *self);

G_END_DECLS
