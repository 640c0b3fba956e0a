/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "tern-store.h"

G_BEGIN_DECLS

/*
 * The offline journal: every action a user takes on cached mail is applied to the cache
 * and recorded here in one transaction, works with no connection at all, and survives
 * any crash. The sync engine replays the queued actions to the server in the user's order
 * (RFC 4549), exactly once. Everything is keyed on stable local ids; server UIDs are
 * attached when they become known.
 *
 * Same thread rules as TernStore: one thread per store.
 */

#define TERN_JOURNAL_ERROR (tern_journal_error_quark ())

typedef enum
{
  TERN_JOURNAL_ERROR_NOT_FOUND,    /* no such message or folder */
  TERN_JOURNAL_ERROR_NOT_ALLOWED,  /* the folder's rights (MYRIGHTS) forbid it */
  TERN_JOURNAL_ERROR_INVALID,      /* e.g. a keyword that is not an IMAP atom, no Trash folder */
  TERN_JOURNAL_ERROR_EXISTS,       /* a folder of that name exists */
} TernJournalError;

GQuark tern_journal_error_quark (void);

/* Action kinds, as stored. */
#define TERN_ACTION_FLAGS           "flags"
#define TERN_ACTION_MOVE            "move"
#define TERN_ACTION_COPY            "copy"
#define TERN_ACTION_EXPUNGE         "expunge"       /* \Deleted + UID EXPUNGE of one message */
#define TERN_ACTION_EXPUNGE_UIDS    "expunge-uids"  /* of a set of UIDs in one folder (empty, expunge) */
#define TERN_ACTION_APPEND          "append"
#define TERN_ACTION_FOLDER_CREATE   "folder-create"
#define TERN_ACTION_FOLDER_RENAME   "folder-rename"
#define TERN_ACTION_FOLDER_DELETE   "folder-delete"
#define TERN_ACTION_SUBSCRIBE       "subscribe"
#define TERN_ACTION_UNSUBSCRIBE     "unsubscribe"
/* Sharing (RFC 4314): name is the folder, new_name the user, add_flags the rights. */
#define TERN_ACTION_SETACL          "setacl"
#define TERN_ACTION_DELETEACL       "deleteacl"

/* Failure classes, as stored in error_class. */
#define TERN_ACTION_RETRY      "retry"      /* offline, timeout: tried again later by itself */
#define TERN_ACTION_USER       "user"       /* needs the user: folder gone, quota, no permission */
#define TERN_ACTION_PERMANENT  "permanent"  /* the message was expunged by someone else */

typedef struct
{
  gint64  id;
  gint64  account_id;
  char   *kind;
  gint64  message;       /* local message id */
  gint64  new_message;   /* copy: the local row of the copy */
  gint64  folder;        /* the folder the action is about (or the source) */
  gint64  target;        /* move, copy, append: the destination */
  char   *add_flags;
  char   *remove_flags;
  char   *name;          /* folder actions: server name (rename: the old one) */
  char   *new_name;
  char   *uids;          /* expunge-uids: the UIDs; copy/append: Message-ID hits seen before sending */
  char   *state;         /* "queued", "failed" */
  gboolean sent;         /* a command went out and its outcome is not stored yet */
  char   *error_class;
  char   *error;
  guint   attempts;
  gint64  created;
} TernAction;

void        tern_action_free (TernAction *action);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TernAction, tern_action_free)

/* Where an action stands (the stored state and sent, as one value). */
typedef enum
{
  TERN_ACTION_STATE_QUEUED,    /* waiting; nothing went to the server yet */
  TERN_ACTION_STATE_SENT,      /* a command went out, its outcome is not stored yet */
  TERN_ACTION_STATE_FAILED,    /* kept with its reason; its local effect was undone */
} TernActionState;

TernActionState tern_action_get_state (const TernAction *action);

/*
 * Set-wide actions (tern-journal-batch.c), for the mail service: one call over a set of
 * messages (gint64 local ids) is one transaction, all or nothing. Each action queued is
 * appended to `queued` (TernAction, as queued: what an undo needs even once the server has
 * done it and it left the journal). Messages that are as asked already are left alone;
 * flag changes never merge into earlier ones (each call stays one undoable unit).
 */
gboolean    tern_journal_set_flags_many   (TernStore   *store,
                                           GArray      *message_ids,
                                           const char  *add,
                                           const char  *remove,
                                           GPtrArray   *queued,
                                           GError     **error);
gboolean    tern_journal_move_many        (TernStore   *store,
                                           GArray      *message_ids,
                                           gint64       target_folder,
                                           GPtrArray   *queued,
                                           GError     **error);
/* To the account's folder of this special use (\Archive, \Junk). */
/* Junk: $Junk set ($NotJunk cleared) and moved to Junk; not junk: $NotJunk set ($Junk
 * cleared) and, from Junk, moved to INBOX. One transaction. */
gboolean    tern_journal_junk_many         (TernStore  *store,
                                            GArray     *message_ids,
                                            gboolean    junk,
                                            GPtrArray  *queued,
                                            GError    **error);
gboolean    tern_journal_move_special_many (TernStore  *store,
                                           GArray      *message_ids,
                                           const char  *special_use,
                                           GPtrArray   *queued,
                                           GError     **error);
gboolean    tern_journal_copy_many        (TernStore   *store,
                                           GArray      *message_ids,
                                           gint64       target_folder,
                                           GPtrArray   *queued,
                                           GError     **error);
gboolean    tern_journal_delete_many      (TernStore   *store,
                                           GArray      *message_ids,
                                           gboolean     permanently,
                                           GPtrArray   *queued,
                                           GError     **error);
/* Takes back actions queued together (newest first), in one transaction: one that has not
 * reached the server leaves the queue and its local effect is undone; a failed one (undone
 * already) leaves the queue; one that was sent or done is answered by its reverse, queued
 * now and appended to `reverses`. Fails, changing nothing, where a reverse is impossible
 * (a message deleted for good on the server). */
gboolean    tern_journal_undo_many        (TernStore   *store,
                                           GPtrArray   *actions,
                                           GPtrArray   *reverses,
                                           GError     **error);
/* Where each message is shown now. */
typedef struct
{
  gint64 message_id;
  gint64 account_id;   /* 0: no such message */
  gint64 folder_id;    /* 0: not shown (being deleted, or gone) */
} TernShownIn;
/* (transfer full) of TernShownIn, parallel to message_ids */
GArray     *tern_journal_where_shown      (TernStore   *store,
                                           GArray      *message_ids) G_GNUC_WARN_UNUSED_RESULT;
/* Actions in this state, of one account or (account_id 0) of every account. */
guint       tern_journal_count_state      (TernStore   *store,
                                           gint64       account_id,
                                           TernActionState state);
/* The actions queued after after_id, oldest first. (transfer full) */
GPtrArray  *tern_journal_list_since       (TernStore   *store,
                                           gint64       after_id,
                                           GError     **error) G_GNUC_WARN_UNUSED_RESULT;
TernAction *tern_action_copy              (const TernAction *action) G_GNUC_WARN_UNUSED_RESULT;

/* Message actions. Each checks the folder's rights, applies the change to the cache and
 * queues it, atomically. */
gboolean    tern_journal_set_flags        (TernStore   *store,
                                           gint64       message_id,
                                           const char  *add,
                                           const char  *remove,
                                           GError     **error);
gboolean    tern_journal_move             (TernStore   *store,
                                           gint64       message_id,
                                           gint64       target_folder,
                                           GError     **error);
/* Returns the local id of the copy, 0 on error. */
gint64      tern_journal_copy             (TernStore   *store,
                                           gint64       message_id,
                                           gint64       target_folder,
                                           GError     **error);
/* Trash or \Deleted + expunge, as the account's delete_mode says (expunge where there is
 * no Trash, or for a message already in Trash). */
gboolean    tern_journal_delete           (TernStore   *store,
                                           gint64       message_id,
                                           GError     **error);
gboolean    tern_journal_delete_permanently (TernStore *store,
                                           gint64       message_id,
                                           GError     **error);
gboolean    tern_journal_archive          (TernStore   *store,
                                           gint64       message_id,
                                           GError     **error);
/* Permanently deletes every message shown in the folder (empty), or those flagged
 * \Deleted (expunge). */
gboolean    tern_journal_empty_folder     (TernStore   *store,
                                           gint64       folder_id,
                                           gboolean     only_deleted,
                                           GError     **error);
/* Saves a message (a draft, an imported .eml) into a folder. `message` carries the parsed
 * headers and structure; raw is the message text. Returns the local id, 0 on error. */
gint64      tern_journal_append           (TernStore         *store,
                                           gint64             folder_id,
                                           const TernMessage *message,
                                           GBytes            *raw,
                                           GError           **error);

/* Folder actions. name is the server (modified UTF-7) name; display the UTF-8 one. */
gint64      tern_journal_folder_create    (TernStore   *store,
                                           gint64       account_id,
                                           const char  *name,
                                           const char  *display,
                                           const char  *delimiter,
                                           GError     **error);
/* The account's folder with this special use; where the folder list is known and has none,
 * a folder named leaf (under "INBOX." where the account keeps its folders there) is created
 * through the journal with that role (replayed as CREATE ... USE where offered). 0 with no
 * error if the folder list was never synced. Nests in the caller's transaction. */
gint64      tern_journal_ensure_special_folder (TernStore   *store,
                                                gint64       account_id,
                                                const char  *special_use,
                                                const char  *leaf,
                                                GError     **error);
gboolean    tern_journal_folder_rename    (TernStore   *store,
                                           gint64       folder_id,
                                           const char  *name,
                                           const char  *display,
                                           GError     **error);
gboolean    tern_journal_folder_delete    (TernStore   *store,
                                           gint64       folder_id,
                                           GError     **error);
gboolean    tern_journal_folder_subscribe (TernStore   *store,
                                           gint64       folder_id,
                                           gboolean     subscribe,
                                           GError     **error);
/* Shares a folder with identifier (a user, "anyone") with these RFC 4314 rights, replacing
 * what it had; rights NULL: no longer shared with it. Queued like any other change. */
gboolean    tern_journal_folder_share     (TernStore   *store,
                                           gint64       folder_id,
                                           const char  *identifier,
                                           const char  *rights,
                                           GError     **error);

/* The queue. */
GPtrArray  *tern_journal_list             (TernStore   *store,
                                           gint64       account_id,
                                           GError     **error) G_GNUC_WARN_UNUSED_RESULT;
/* The first queued action after after_id, or NULL (and no error) if there is none. */
TernAction *tern_journal_next             (TernStore   *store,
                                           gint64       account_id,
                                           gint64       after_id,
                                           GError     **error) G_GNUC_WARN_UNUSED_RESULT;
TernAction *tern_journal_get              (TernStore   *store,
                                           gint64       action_id,
                                           GError     **error) G_GNUC_WARN_UNUSED_RESULT;
gint64      tern_journal_last_id          (TernStore   *store);
guint       tern_journal_count_queued     (TernStore   *store,
                                           gint64       account_id,
                                           const char  *kind);
gboolean    tern_journal_mark_sent        (TernStore   *store,
                                           gint64       action_id,
                                           const char  *note,
                                           GError     **error);
/* Replay, for the sync engine. The queued actions of an account after after_id, oldest
 * first, at most limit. (transfer full) */
GPtrArray  *tern_journal_next_many        (TernStore   *store,
                                           gint64       account_id,
                                           gint64       after_id,
                                           guint        limit,
                                           GError     **error) G_GNUC_WARN_UNUSED_RESULT;
/* The claim before a command goes out: marks the action sent (as mark_sent) if it is still
 * queued, and says whether it was (*claimed FALSE: an undo took it back meanwhile, it must
 * not be sent). An undo of a claimed action is answered by its reverse. claim_many: one
 * transaction, claimed[] parallel to actions. */
gboolean    tern_journal_claim            (TernStore   *store,
                                           gint64       action_id,
                                           const char  *note,
                                           gboolean    *claimed,
                                           GError     **error);
gboolean    tern_journal_claim_many       (TernStore   *store,
                                           GPtrArray   *actions,
                                           const char  *note,
                                           gboolean    *claimed,
                                           GError     **error);
/* The server did it: the action leaves the queue. */
gboolean    tern_journal_mark_done        (TernStore   *store,
                                           gint64       action_id,
                                           GError     **error);
/* Kept with its reason; the cache goes back to the server's truth for it. */
gboolean    tern_journal_mark_failed      (TernStore   *store,
                                           gint64       action_id,
                                           const char  *error_class,
                                           const char  *reason,
                                           GError     **error);
/* A retry-later failure: stays queued, with the reason and one more attempt counted. */
gboolean    tern_journal_note_attempt     (TernStore   *store,
                                           gint64       action_id,
                                           const char  *reason,
                                           GError     **error);
gboolean    tern_journal_retry            (TernStore   *store,
                                           gint64       action_id,
                                           GError     **error);
gboolean    tern_journal_discard          (TernStore   *store,
                                           gint64       action_id,
                                           GError     **error);

/* Replay bookkeeping for the sync engine. */
/* Where the server has the message as far as the cache knows (uid 0: not there). FALSE if
 * there is no such message. */
gboolean    tern_journal_locate           (TernStore   *store,
                                           gint64       message_id,
                                           gint64      *folder_id,
                                           guint32     *uid,
                                           GError     **error);
gboolean    tern_journal_attach_uid       (TernStore   *store,
                                           gint64       message_id,
                                           gint64       folder_id,
                                           guint32      uid,
                                           GError     **error);
gboolean    tern_journal_forget_message   (TernStore   *store,
                                           gint64       message_id,
                                           GError     **error);
GBytes     *tern_journal_dup_raw          (TernStore   *store,
                                           gint64       message_id,
                                           GError     **error) G_GNUC_WARN_UNUSED_RESULT;
/* The server's flags for a message, with the user's queued flag changes applied on top
 * (the user wins for the flags they touched). (transfer full) */
char       *tern_journal_apply_pending_flags (TernStore *store,
                                           gint64       folder_id,
                                           guint32      uid,
                                           const char  *server_flags) G_GNUC_WARN_UNUSED_RESULT;
/* TRUE if queued actions concern this folder (the sync leaves its name alone). */
gboolean    tern_journal_folder_busy      (TernStore   *store,
                                           gint64       folder_id);
/* Messages in the folder that only this cache has (not uploaded). */
guint       tern_journal_count_local_only (TernStore   *store,
                                           gint64       folder_id);

G_END_DECLS
