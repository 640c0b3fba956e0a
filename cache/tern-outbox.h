/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "tern-store.h"

G_BEGIN_DECLS

/*
 * The outbox: messages the user sent, kept until the submission server took them, and an
 * account's SMTP settings. Each message is a file under tern_outbox_dup_dir() (CRLF, Bcc
 * header included; the sender leaves it out on the wire) and a row that says where it stands.
 * Every state change is one transaction, so the outbox survives a quit, a crash or a reboot.
 *
 * A message is sent exactly once: the row says "sending" before a connection is made, and
 * records the moment the end of the data is handed over (stage 1, written with a full
 * fsync). A message found "sending" at stage 1 by the next sender may have been accepted:
 * it becomes "unknown" and waits for the user (tern_outbox_retry() or tern_outbox_mark_sent()).
 *
 * Same thread rules as TernStore: one thread per store. Only one sender may work on an
 * account's outbox at a time (the sync layer holds a lock file; see tern-outbox-sync.h).
 */

#define TERN_OUTBOX_ERROR (tern_outbox_error_quark ())

typedef enum
{
  TERN_OUTBOX_ERROR_NOT_FOUND,  /* no such outbox message */
  TERN_OUTBOX_ERROR_STATE,      /* not in a state that allows it (being sent, sent already) */
} TernOutboxError;

GQuark tern_outbox_error_quark (void);

/* States, as stored. */
#define TERN_OUTBOX_QUEUED   "queued"
#define TERN_OUTBOX_SENDING  "sending"
#define TERN_OUTBOX_UNKNOWN  "unknown"
#define TERN_OUTBOX_FAILED   "failed"
#define TERN_OUTBOX_SENT     "sent"

typedef struct
{
  gint64   id;
  gint64   account_id;
  char    *path;           /* the message file */
  guint64  size;
  char    *message_id;     /* "<...>", as the message table keeps them */
  char    *subject;
  char    *mail_from;      /* envelope sender (an address) */
  char   **recipients;     /* envelope recipients, NULL-terminated */
  char    *answers;        /* Message-IDs (space separated) to mark \Answered after sending */
  char    *forwards;       /* ... and $Forwarded */
  gint64   draft;          /* local id of the draft it was written as, 0 if none */
  char    *state;
  int      stage;          /* while sending: 1 once the end of the data went out */
  char    *error_class;    /* like the journal's: "retry", "user" */
  char    *error;
  guint    attempts;
  gint64   next_attempt;   /* unix time; 0: at once */
  gint64   created;
  gint64   sent;           /* unix time the server accepted it, 0 */
  gboolean follow_up;      /* sent, but the Sent copy and flags are not queued yet */
} TernOutboxItem;

void             tern_outbox_item_free (TernOutboxItem *item);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TernOutboxItem, tern_outbox_item_free)

/* Submission settings. With no stored row the account has no outgoing server (configured is
 * FALSE) and nothing is sent; the getter still fills in the likely values (the IMAP host,
 * implicit TLS on 465, the IMAP user) for a form to start from. A stored row's empty host or
 * user is the IMAP host or user. */
typedef struct
{
  gint64   account_id;
  gboolean configured;        /* the user (or set-up) chose these settings */
  char    *host;
  guint    port;
  char    *security;          /* "tls" or "starttls" */
  char    *user;
  char    *pinned_sha256;     /* NULL: none of its own */
  gboolean server_saves_sent;
} TernSmtpSettings;

void              tern_smtp_settings_free (TernSmtpSettings *settings);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TernSmtpSettings, tern_smtp_settings_free)

TernSmtpSettings *tern_outbox_get_smtp   (TernStore               *store,
                                          gint64                   account_id,
                                          GError                 **error) G_GNUC_WARN_UNUSED_RESULT;
/* NULL strings and port 0 store "the default". */
gboolean          tern_outbox_set_smtp   (TernStore               *store,
                                          const TernSmtpSettings  *settings,
                                          GError                 **error);

/* Where the message files live: <folder of the cache>/outbox, created if needed.
 * (transfer full) */
char             *tern_outbox_dup_dir    (TernStore               *store) G_GNUC_WARN_UNUSED_RESULT;

/* Queues a message whose file (item->path, inside the outbox folder) is written and synced
 * already. Uses account_id, path, size, message_id, subject, mail_from, recipients, answers,
 * forwards and draft of item. Returns the new id, 0 on error. */
gint64            tern_outbox_add        (TernStore               *store,
                                          const TernOutboxItem    *item,
                                          GError                 **error);
/* A new version of a message that is not being sent or sent already (the user edited it
 * after a failure): the row takes the new file and fields, goes back to the queue and the
 * old file is removed. */
gboolean          tern_outbox_replace    (TernStore               *store,
                                          gint64                   id,
                                          const TernOutboxItem    *item,
                                          GError                 **error);

TernOutboxItem   *tern_outbox_get        (TernStore               *store,
                                          gint64                   id,
                                          GError                 **error) G_GNUC_WARN_UNUSED_RESULT;
/* Oldest first; account_id 0: every account. Sent messages are left out unless with_sent.
 * (transfer full) array of TernOutboxItem */
GPtrArray        *tern_outbox_list       (TernStore               *store,
                                          gint64                   account_id,
                                          gboolean                 with_sent,
                                          GError                 **error) G_GNUC_WARN_UNUSED_RESULT;
/* The oldest queued message of the account due at `now` (all of them if now is 0) with an id
 * above after_id, or NULL without error if there is none. */
TernOutboxItem   *tern_outbox_next_due   (TernStore               *store,
                                          gint64                   account_id,
                                          gint64                   after_id,
                                          gint64                   now,
                                          GError                 **error) G_GNUC_WARN_UNUSED_RESULT;
guint             tern_outbox_count      (TernStore               *store,
                                          gint64                   account_id,
                                          const char              *state);

/* The sender's steps; each is one transaction. */
/* queued -> sending (stage 0), one more attempt counted. */
gboolean          tern_outbox_begin_sending (TernStore            *store,
                                          gint64                   id,
                                          GError                 **error);
/* The end of the data is about to go out: stage 1, synced to disk before it returns. */
gboolean          tern_outbox_mark_data_sent (TernStore           *store,
                                          gint64                   id,
                                          GError                 **error);
/* sending -> queued with the reason, tried again after retry_after seconds. */
gboolean          tern_outbox_defer      (TernStore               *store,
                                          gint64                   id,
                                          const char              *reason,
                                          guint                    retry_after,
                                          GError                 **error);
/* -> failed (error_class "user") or unknown, with the reason. */
gboolean          tern_outbox_fail       (TernStore               *store,
                                          gint64                   id,
                                          const char              *state,
                                          const char              *reason,
                                          GError                 **error);
/* -> sent, follow_up set. Nests in the caller's transaction. */
gboolean          tern_outbox_set_sent   (TernStore               *store,
                                          gint64                   id,
                                          GError                 **error);
/* follow_up cleared: the message file is removed after the commit. Nests in the caller's
 * transaction (the one that queues the Sent copy and the flags). */
gboolean          tern_outbox_set_followed_up (TernStore          *store,
                                          gint64                   id,
                                          GError                 **error);
/* Messages of the account left "sending" by a sender that is gone: stage 0 back to the queue,
 * stage 1 to unknown. Call only while holding the account's send lock. */
gboolean          tern_outbox_recover    (TernStore               *store,
                                          gint64                   account_id,
                                          guint                   *unknown_out,
                                          GError                 **error);

/* The user's decisions. retry: failed, unknown or queued -> queued now (for an unknown one:
 * the user says it did not go out). mark_sent: unknown or failed -> sent (the user says it
 * did; the Sent copy and flags follow). discard: removes it and its file (not while it is
 * being sent). */
gboolean          tern_outbox_retry      (TernStore               *store,
                                          gint64                   id,
                                          GError                 **error);
gboolean          tern_outbox_mark_sent  (TernStore               *store,
                                          gint64                   id,
                                          GError                 **error);
gboolean          tern_outbox_discard    (TernStore               *store,
                                          gint64                   id,
                                          GError                 **error);

/* Housekeeping: removes sent rows older than max_age seconds whose follow-up is done, and
 * files in the outbox folder that no row names (older than a minute, so that a file being
 * queued right now is left alone). */
gboolean          tern_outbox_prune      (TernStore               *store,
                                          gint64                   max_age,
                                          GError                 **error);

/* Local ids of the messages of an account with this Message-ID (with or without angle
 * brackets) that the user sees (not being deleted). (transfer full) array of gint64 */
GArray           *tern_outbox_find_message_ids (TernStore         *store,
                                          gint64                   account_id,
                                          const char              *message_id,
                                          GError                 **error) G_GNUC_WARN_UNUSED_RESULT;

/* Drafts: the messages the user sees in a folder whose Message-ID is this one, newest Date
 * first (then newest id). (transfer full) array of gint64 */
GArray           *tern_outbox_find_in_folder (TernStore           *store,
                                          gint64                   folder_id,
                                          const char              *message_id,
                                          GError                 **error) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS
