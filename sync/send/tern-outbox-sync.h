/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "tern-outbox.h"
#include "tern-store.h"
#include "tern-sync-error.h"

G_BEGIN_DECLS

/*
 * Sending mail: the outbox (cache/tern-outbox.h) worked by SMTP submission
 * (tern-submit.h), with the Sent copy, \Answered and $Forwarded queued in the offline
 * journal afterwards; and drafts saved to the server through the journal.
 *
 * Queueing never touches the network and returns at once: the message is durable when it
 * returns. A sender then works the queue when the network allows. Everything here uses a
 * TernStore that belongs to the calling thread and blocks; one thread per store.
 */

typedef struct
{
  const char *forwards;   /* Message-IDs of the messages forwarded (space separated), or NULL */
  gint64      draft;      /* the local id of the draft this message was written as, or 0:
                           * removed from Drafts (through the journal) once it is sent */
} TernOutboxOptions;

/* Queues a message (RFC 5322, LF or CRLF) for the account. It must have at least one
 * recipient in To, Cc or Bcc; a message without Message-ID, Date or From gets one (From: the
 * account's address). A reply's In-Reply-To names the message to mark \Answered once it is
 * sent. The file is copied into the outbox (CRLF) and synced to disk. Returns the outbox id,
 * 0 on error (G_IO_ERROR_INVALID_DATA for a message that cannot be sent as it is). */
gint64     tern_outbox_enqueue_file   (TernStore                *store,
                                       const TernAccount        *account,
                                       const char               *path,
                                       const TernOutboxOptions  *options,
                                       GError                  **error);
gint64     tern_outbox_enqueue_bytes  (TernStore                *store,
                                       const TernAccount        *account,
                                       GBytes                   *raw,
                                       const TernOutboxOptions  *options,
                                       GError                  **error);
/* The user edited a message that failed (or whose outcome is unknown): the new text
 * replaces it and it goes back to the queue. */
gboolean   tern_outbox_requeue_file   (TernStore                *store,
                                       gint64                    id,
                                       const char               *path,
                                       GError                  **error);

typedef struct
{
  guint    sent;        /* accepted by the server */
  guint    deferred;    /* still queued: offline, a temporary refusal (tried again later) */
  guint    failed;      /* refused: waiting for the user, with the reason */
  guint    unknown;     /* outcome unknown: waiting for the user */
  guint    followed_up; /* Sent copies and flags queued in the journal */
  guint    settled;     /* unknown outcomes found sent (a copy in Sent), now "sent" */
  gboolean busy;        /* another sender (another process) works on this outbox now */
  gboolean no_server;   /* messages wait: the account has no outgoing server set up */
} TernOutboxRun;

/* The reason a queued message carries while its account has no outgoing server. */
#define TERN_OUTBOX_NO_SERVER_REASON "No outgoing server is set up for this account"

/*
 * TernOutboxSender sends an account's outbox. run() takes the account's send lock (a lock
 * file, so that two processes never send the same message), turns what an interrupted
 * sender left "sending" into queued (the end of the data had not gone out) or unknown (it
 * had), then sends the queued messages that are due (every queued one if `now` is TRUE,
 * as when the user asks), oldest first, each exactly once:
 *  - accepted: "sent"; then, in one transaction, the Sent copy is queued in the journal
 *    (APPEND to the special-use Sent folder, unless the server files it itself), \Answered
 *    set on the messages its In-Reply-To names, $Forwarded on those it forwards, and its
 *    draft deleted. Replay the journal afterwards (tern_sync_replay()).
 *  - offline, timeout, a 4xx: stays queued with the reason, tried again after a growing
 *    delay (30 s doubling up to 30 min); the run stops there.
 *  - refused recipient, too large, any 5xx: "failed" with the server's reason; the run goes
 *    on with the next message.
 *  - bad password, certificate, TLS or settings problems: "failed" with the reason, and the
 *    run stops (the other messages would fail the same way).
 *  - the end of the data went out and no answer came: "unknown", never sent again unless
 *    the user says so (tern_outbox_retry() or tern_outbox_mark_sent()). Evidence settles it
 *    without the user: a message with its Message-ID in the Sent folder on the server (as the
 *    last sync saw it: filed there by the server, as accounts with server_saves_sent do, or
 *    by another client) was accepted. It becomes "sent" with the usual follow-ups, minus a
 *    second Sent copy (none is appended where one with that Message-ID is there already).
 *    Both run() and recover() do this; nothing is ever resent automatically.
 *  - the account has no outgoing server set up (no stored submission settings): nothing is
 *    sent, never through a guessed server; the due messages stay queued with
 *    TERN_OUTBOX_NO_SERVER_REASON and result->no_server is set.
 * Returns FALSE only if the outbox could not be worked on (the cache failed).
 * Any thread may call cancel().
 */
typedef struct _TernOutboxSender TernOutboxSender;

TernOutboxSender *tern_outbox_sender_new      (TernStore         *store,
                                               const TernAccount *account);
void              tern_outbox_sender_free     (TernOutboxSender  *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TernOutboxSender, tern_outbox_sender_free)

/* Otherwise looked up (keyring or password command) when a message is to go. */
void              tern_outbox_sender_set_password (TernOutboxSender *self,
                                               const char        *password);
void              tern_outbox_sender_set_timeout (TernOutboxSender *self,
                                               guint              seconds);
/* "PLAIN LOGIN" by default. */
void              tern_outbox_sender_set_auth_mechanisms (TernOutboxSender *self,
                                               const char        *mechanisms);
gboolean          tern_outbox_sender_run      (TernOutboxSender  *self,
                                               gboolean           now,
                                               TernOutboxRun     *result,
                                               GError           **error);
/* Only the first steps of run(), no network: what a dead sender left "sending" becomes
 * queued or unknown (for a listing to show the truth). *busy_out: another sender is at
 * work, nothing was changed. */
gboolean          tern_outbox_sender_recover  (TernOutboxSender  *self,
                                               gboolean          *busy_out,
                                               GError           **error);
void              tern_outbox_sender_cancel   (TernOutboxSender  *self);
/* After a certificate refusal: the SHA-256 of the refused certificate, to pin. */
char             *tern_outbox_sender_dup_refused_sha256 (TernOutboxSender *self) G_GNUC_WARN_UNUSED_RESULT;

/*
 * Drafts, saved to the account's special-use Drafts folder through the journal (so they
 * work offline): the new version is APPENDed (flags \Draft \Seen), then the version it
 * replaces is deleted, in that order, in one transaction. A draft keeps its Message-ID
 * from version to version (tern_composer_set_message_id()); that is how versions saved on
 * other machines are recognised.
 *
 * save(): replaces is the local id of the version the user edited (0 for a new draft).
 * *others_out (may be NULL) gets how many other versions of this draft are in Drafts: if
 * another machine saved one meanwhile (or replaced the one edited here), it is kept, as a
 * copy, never deleted. Returns the new local id, 0 on error; TERN_JOURNAL_ERROR_INVALID if
 * the account's folder list was never synced. An account whose folder list has no Drafts gets
 * one: a "Drafts" folder (under "INBOX<delimiter>" where all personal folders are) is created
 * through the journal and takes the role here, until a LIST shows the server's own roles.
 * The Sent copy after sending does the same with "Sent".
 *
 * find_current(): the newest version (by Date, then the latest saved here) of the draft
 * with this Message-ID, 0 if there is none; *copies_out (may be NULL) gets the local ids of
 * the older versions kept beside it, newest first.
 */
gint64            tern_draft_save             (TernStore         *store,
                                               const TernAccount *account,
                                               GBytes            *raw,
                                               gint64             replaces,
                                               guint             *others_out,
                                               GError           **error);
gint64            tern_draft_find_current     (TernStore         *store,
                                               const TernAccount *account,
                                               const char        *message_id,
                                               GArray           **copies_out,
                                               GError           **error);
/* The name (without .eml) of a draft's file in <outbox>/drafts/, from its Message-ID; its
 * attachments are in KEY.files/ beside it. (transfer full) */
char             *tern_draft_file_key         (const char        *message_id) G_GNUC_WARN_UNUSED_RESULT;
/* The account's draft files in <outbox>/drafts/ (KEY.eml paths): those whose Message-ID is
 * one of the account's messages, and those kept on this computer only that are written from
 * one of its addresses. Listed before the account is removed, removed (with their KEY.files/)
 * by remove_files() once it is. (transfer full) */
GPtrArray        *tern_drafts_list_account_files (TernStore        *store,
                                               const TernAccount  *account,
                                               GError            **error) G_GNUC_WARN_UNUSED_RESULT;
void              tern_drafts_remove_files    (GPtrArray         *files);
/* The account's folder with this special use ("\\Sent", "\\Drafts"), 0 if none is known. */
gint64            tern_outbox_special_folder  (TernStore         *store,
                                               gint64             account_id,
                                               const char        *special_use);

G_END_DECLS
