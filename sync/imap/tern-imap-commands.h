/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "tern-imap-connection.h"
#include "tern-store.h"

G_BEGIN_DECLS

/*
 * The IMAP commands the engine sends, in Tern's and GLib's types. Nothing here says how a
 * response is read: today libetpan parses them, and what it cannot parse (ESEARCH,
 * LIST-STATUS, NOTIFY) is never asked for; a reader of Tern's own can take over behind
 * these calls without the engine changing.
 *
 * Every call blocks and belongs to the connection's thread. Errors are TERN_SYNC_ERROR as
 * for tern_imap_connection_connect(): a NO or BAD is PERMANENT "<command> failed: <server
 * text>" (NO_SUCH_FOLDER for a missing mailbox); a broken or desynchronised connection is
 * TRANSIENT or OFFLINE and the connection is dead afterwards; G_IO_ERROR_CANCELLED.
 * Mailbox names are as the server spells them (modified UTF-7, tern-imap-utils.h). A UID
 * set is IMAP sequence-set text ("4", "1:100,205"); tern_imap_uid_set_new() makes one.
 */

/* FETCH responses. */

/* What a FETCH asks for. Items go out in this order. */
typedef enum
{
  TERN_IMAP_FETCH_UID            = 1 << 0,
  TERN_IMAP_FETCH_FLAGS          = 1 << 1,
  TERN_IMAP_FETCH_INTERNALDATE   = 1 << 2,
  TERN_IMAP_FETCH_SIZE           = 1 << 3, /* RFC822.SIZE */
  TERN_IMAP_FETCH_ENVELOPE       = 1 << 4,
  TERN_IMAP_FETCH_BODYSTRUCTURE  = 1 << 5,
  TERN_IMAP_FETCH_REFERENCES     = 1 << 6, /* BODY.PEEK[HEADER.FIELDS (References)] */
  TERN_IMAP_FETCH_MODSEQ         = 1 << 7, /* needs CONDSTORE */
} TernImapFetchAttrs;

/*
 * One FETCH response as it is parsed, whether a command asked for it or the server sent it
 * on its own (a flag change during IDLE, after a STORE, in a QRESYNC SELECT). Borrowed: valid
 * only during the call of the fetch function; copy what is kept.
 */
typedef struct _TernImapFetchItem TernImapFetchItem;

typedef void (*TernImapFetchFunc) (const TernImapFetchItem *item,
                                   gpointer                 user_data);

/* Its UID, 0 if it carried none. */
guint32      tern_imap_fetch_item_get_uid           (const TernImapFetchItem *item);
/* Whether it carried an ENVELOPE: a response to a header fetch rather than a flag change
 * the server sent on its own in the middle of one. */
gboolean     tern_imap_fetch_item_has_envelope      (const TernImapFetchItem *item);
/* FLAGS as canonical cache text (tern_flags_canonicalize()), NULL if it carried none;
 * *uid_out its UID (0 if none), *modseq_out (may be NULL) its MODSEQ (0 if none).
 * (transfer full) */
char        *tern_imap_fetch_item_dup_flags         (const TernImapFetchItem *item,
                                                     guint32                 *uid_out,
                                                     guint64                 *modseq_out) G_GNUC_WARN_UNUSED_RESULT;
/* Everything it carried as a cache record: UID, FLAGS ("" if none), MODSEQ, INTERNALDATE,
 * RFC822.SIZE, the ENVELOPE (RFC 2047 decoded), References, the BODYSTRUCTURE as parts.
 * (transfer full) */
TernMessage *tern_imap_fetch_item_dup_message       (const TernImapFetchItem *item) G_GNUC_WARN_UNUSED_RESULT;
/* Appends the bytes of every BODY[section] it carried (transfer-encoded, as sent) to out;
 * TRUE if it carried a body section at all (an empty or NIL one too). */
gboolean     tern_imap_fetch_item_get_body_sections (const TernImapFetchItem *item,
                                                     GByteArray              *out);

/* Calls func for each BODY[section] it carried, in order: section as it was asked for
 * ("" the whole message, "1.2", "2.MIME", "HEADER", "1.TEXT"), the bytes as sent
 * (transfer-encoded; NULL and 0 for NIL). Borrowed, valid during the call only. */
typedef void (*TernImapSectionFunc) (const char   *section,
                                     const guint8 *data,
                                     gsize         length,
                                     gpointer      user_data);
void         tern_imap_fetch_item_foreach_body_section (const TernImapFetchItem *item,
                                                     TernImapSectionFunc      func,
                                                     gpointer                 user_data);

/* Every FETCH response from now on goes to func, from inside the command that reads it
 * (NULL: they are kept with the last command's responses, see foreach_fetch()). */
void         tern_imap_connection_set_fetch_func    (TernImapConnection      *self,
                                                     TernImapFetchFunc        func,
                                                     gpointer                 user_data);
/* The FETCH responses the last command left behind (those no fetch function took). */
void         tern_imap_connection_foreach_fetch     (TernImapConnection      *self,
                                                     TernImapFetchFunc        func,
                                                     gpointer                 user_data);

/* What else the responses to a command carried. */
typedef struct
{
  GArray   *expunged;       /* EXPUNGE: guint32 message sequence numbers, in order; or NULL */
  GArray   *vanished;       /* VANISHED, with or without (EARLIER): guint32 pairs (first, last),
                             * first <= last, an open end as G_MAXUINT32; or NULL */
  guint64   highestmodseq;  /* the last [HIGHESTMODSEQ n]; unchanged if none came */
  gboolean  nomodseq;       /* [NOMODSEQ] came */
} TernImapUnsolicited;

/* Adds what the last command's responses carried to `into` (arrays appended to). */
void         tern_imap_connection_collect_unsolicited (TernImapConnection    *self,
                                                     TernImapUnsolicited     *into);
void         tern_imap_unsolicited_clear            (TernImapUnsolicited     *self);

/* Mailboxes. */

typedef struct
{
  guint32  uidvalidity;
  guint32  uidnext;
  guint32  exists;
  guint64  highestmodseq;  /* STATUS only: 0 if not asked for or NOMODSEQ */
} TernImapMailbox;

/*
 * select(): SELECT (with "(CONDSTORE)" if condstore is TRUE). *highestmodseq_out (may be
 * NULL) gets HIGHESTMODSEQ, 0 for NOMODSEQ or none.
 * select_qresync(): SELECT mailbox (QRESYNC (uidvalidity modseq [known_uids])); known_uids
 * a sequence set or NULL. Needs is_qresync_enabled(). What changed since comes as FETCH
 * responses (to the fetch function) and VANISHED (EARLIER) (collect_unsolicited()).
 * get_mailbox(): UIDVALIDITY, UIDNEXT and EXISTS of the selected mailbox as the responses
 * so far left them (EXISTS follows later commands too); FALSE when nothing is selected.
 * get_highestmodseq(): HIGHESTMODSEQ from the last response (SELECT, or a tagged OK
 * code), 0 if it carried none or said NOMODSEQ.
 * unselect(): leaves the selected mailbox without expunging: UNSELECT where offered, else
 * EXAMINE INBOX (never CLOSE).
 * status(): MESSAGES, UIDNEXT, UIDVALIDITY (and HIGHESTMODSEQ if asked) of a mailbox that
 * need not be selected.
 * status_many(): the same for each of the NULL-terminated mailboxes, pipelined (one round
 * trip for all); out has one slot per mailbox, all zero for one the server said NO to.
 */
gboolean     tern_imap_connection_select            (TernImapConnection      *self,
                                                     const char              *mailbox,
                                                     gboolean                 condstore,
                                                     guint64                 *highestmodseq_out,
                                                     GError                 **error);
gboolean     tern_imap_connection_select_qresync    (TernImapConnection      *self,
                                                     const char              *mailbox,
                                                     guint32                  uidvalidity,
                                                     guint64                  modseq,
                                                     const char              *known_uids,
                                                     GError                 **error);
/* select_qresync() with a command that needs only the selection (a FETCH) in the same write:
 * one round trip for both (#12). between() runs once the SELECT's response is read (its
 * results are in the session: get_mailbox(), collect_unsolicited()), before the second
 * one's; FETCH responses go to the fetch function throughout. *then_ok: whether the second
 * command was answered OK (after a failed SELECT it is not). */
typedef void (*TernImapBetweenFunc) (TernImapConnection *self,
                                     gboolean            selected,
                                     gpointer            user_data);
gboolean     tern_imap_connection_select_qresync_then (TernImapConnection    *self,
                                                     const char              *mailbox,
                                                     guint32                  uidvalidity,
                                                     guint64                  modseq,
                                                     const char              *then,
                                                     TernImapBetweenFunc      between,
                                                     gpointer                 user_data,
                                                     gboolean                *then_ok,
                                                     GError                 **error);
gboolean     tern_imap_connection_is_qresync_enabled (TernImapConnection     *self);
gboolean     tern_imap_connection_get_mailbox       (TernImapConnection      *self,
                                                     TernImapMailbox         *out);
guint64      tern_imap_connection_get_highestmodseq (TernImapConnection      *self);
gboolean     tern_imap_connection_unselect          (TernImapConnection      *self,
                                                     GError                 **error);
gboolean     tern_imap_connection_status            (TernImapConnection      *self,
                                                     const char              *mailbox,
                                                     gboolean                 highestmodseq,
                                                     TernImapMailbox         *out,
                                                     GError                 **error);

/* One line of a LIST or LSUB answer. */
typedef struct
{
  char    *name;         /* as the server spells it */
  char     delimiter;    /* '\0' for none */
  char   **attributes;   /* "\\Noselect", "\\HasChildren", "\\Sent"...: in the server's order
                          * and spelling (RFC 3501 flags as libetpan names them) */
} TernImapListEntry;

void         tern_imap_list_entry_free              (TernImapListEntry       *entry);

/* LIST (or LSUB) reference pattern. (transfer full): TernImapListEntry */
GPtrArray   *tern_imap_connection_list              (TernImapConnection      *self,
                                                     gboolean                 lsub,
                                                     const char              *reference,
                                                     const char              *pattern,
                                                     GError                 **error) G_GNUC_WARN_UNUSED_RESULT;
/* LSUB "" pattern and LIST "" pattern pipelined: one round trip for both. (transfer full) */
gboolean     tern_imap_connection_list_both         (TernImapConnection      *self,
                                                     const char              *pattern,
                                                     GPtrArray              **lsub_out,
                                                     GPtrArray              **list_out,
                                                     GError                 **error);
/* The same with LIST-STATUS (RFC 5819) where offered: the LIST also answers each mailbox's
 * MESSAGES, UIDNEXT, UIDVALIDITY (and HIGHESTMODSEQ if asked) as STATUS would; *statuses_out
 * maps a mailbox name to its TernImapMailbox (a mailbox without an answer is missing), NULL
 * where the server does not offer LIST-STATUS (then it is list_both()). (transfer full) */
gboolean     tern_imap_connection_list_both_status  (TernImapConnection      *self,
                                                     const char              *pattern,
                                                     gboolean                 highestmodseq,
                                                     GPtrArray              **lsub_out,
                                                     GPtrArray              **list_out,
                                                     GHashTable             **statuses_out,
                                                     GError                 **error);
/* NAMESPACE: the prefixes of the personal, other users' and shared namespaces (any may be
 * empty). (transfer full) arrays of strings */
gboolean     tern_imap_connection_status_many       (TernImapConnection      *self,
                                                     const char * const      *mailboxes,
                                                     gboolean                 highestmodseq,
                                                     TernImapMailbox         *out,
                                                     GError                 **error);
gboolean     tern_imap_connection_namespace         (TernImapConnection      *self,
                                                     GPtrArray              **personal_out,
                                                     GPtrArray              **other_out,
                                                     GPtrArray              **shared_out,
                                                     GError                 **error);
/* MYRIGHTS (RFC 4314), also while a mailbox is selected. PROTOCOL if the answer has none.
 * (transfer full) */
char        *tern_imap_connection_myrights          (TernImapConnection      *self,
                                                     const char              *mailbox,
                                                     GError                 **error) G_GNUC_WARN_UNUSED_RESULT;
/* MYRIGHTS of each of the NULL-terminated mailboxes, pipelined (one round trip): an array
 * of as many strings, NULL where the server gave none (a NO), followed by a NULL. Free
 * each and the array. (transfer full) */
char       **tern_imap_connection_myrights_many     (TernImapConnection      *self,
                                                     const char * const      *mailboxes,
                                                     GError                 **error) G_GNUC_WARN_UNUSED_RESULT;
gboolean     tern_imap_connection_create            (TernImapConnection      *self,
                                                     const char              *mailbox,
                                                     GError                 **error);
/* CREATE with the folder's role (RFC 6154 "USE (\\Trash)") where CREATE-SPECIAL-USE is
 * offered; a plain CREATE otherwise or when special_use is NULL. */
gboolean     tern_imap_connection_create_special    (TernImapConnection      *self,
                                                     const char              *mailbox,
                                                     const char              *special_use,
                                                     GError                 **error);
gboolean     tern_imap_connection_delete            (TernImapConnection      *self,
                                                     const char              *mailbox,
                                                     GError                 **error);
gboolean     tern_imap_connection_rename            (TernImapConnection      *self,
                                                     const char              *mailbox,
                                                     const char              *new_name,
                                                     GError                 **error);
/* SUBSCRIBE, or UNSUBSCRIBE when subscribe is FALSE. */
gboolean     tern_imap_connection_subscribe         (TernImapConnection      *self,
                                                     const char              *mailbox,
                                                     gboolean                 subscribe,
                                                     GError                 **error);
gboolean     tern_imap_connection_noop              (TernImapConnection      *self,
                                                     GError                 **error);

/* Messages of the selected mailbox. */

/*
 * UID SEARCH, results as the server orders them. (transfer full) GArray of guint32
 * range(): UID first:last (last 0 is "*", which also matches the highest UID below first).
 * header(): HEADER name value.
 * text(): TEXT word for each word (all must match), CHARSET UTF-8.
 * deleted(): DELETED.
 */
GArray      *tern_imap_connection_uid_search_range  (TernImapConnection      *self,
                                                     guint32                  first,
                                                     guint32                  last,
                                                     GError                 **error) G_GNUC_WARN_UNUSED_RESULT;
GArray      *tern_imap_connection_uid_search_header (TernImapConnection      *self,
                                                     const char              *name,
                                                     const char              *value,
                                                     GError                 **error) G_GNUC_WARN_UNUSED_RESULT;
GArray      *tern_imap_connection_uid_search_text   (TernImapConnection      *self,
                                                     const char * const      *words,
                                                     GError                 **error) G_GNUC_WARN_UNUSED_RESULT;
GArray      *tern_imap_connection_uid_search_deleted (TernImapConnection     *self,
                                                     GError                 **error) G_GNUC_WARN_UNUSED_RESULT;

/*
 * UID FETCH; the responses go to the fetch function as they are parsed.
 * uid_fetch(): first:last; an answer without any FETCH is not an error.
 * uid_fetch_changedsince(): first:last (CHANGEDSINCE modseq), RFC 7162.
 * uid_fetch_set(): the UIDs of a set.
 * uid_fetch_section(): BODY.PEEK[section] of one message, or the part <offset.length> of
 * it when length > 0: the bytes come as a body section of its FETCH response.
 * uid_fetch_sections(): BODY.PEEK[s] for each of the NULL-terminated sections, of every
 * message of a UID set, in one command (foreach_body_section() tells them apart).
 */
gboolean     tern_imap_connection_uid_fetch         (TernImapConnection      *self,
                                                     guint32                  first,
                                                     guint32                  last,
                                                     TernImapFetchAttrs       attrs,
                                                     GError                 **error);
gboolean     tern_imap_connection_uid_fetch_changedsince (TernImapConnection *self,
                                                     guint32                  first,
                                                     guint32                  last,
                                                     TernImapFetchAttrs       attrs,
                                                     guint64                  modseq,
                                                     GError                 **error);
gboolean     tern_imap_connection_uid_fetch_set     (TernImapConnection      *self,
                                                     const char              *uid_set,
                                                     TernImapFetchAttrs       attrs,
                                                     GError                 **error);
/* "UID FETCH from:* (attrs) (CHANGEDSINCE modseq)": what is new since a QRESYNC or
 * CONDSTORE cache last saw the folder (every new message has a higher MODSEQ; "from:*" also
 * matches the last message when nothing is new, and CHANGEDSINCE leaves it out unless its
 * flags changed). For select_qresync_then(). (transfer full) */
char        *tern_imap_uid_fetch_new_command        (guint32                  from_uid,
                                                     TernImapFetchAttrs       attrs,
                                                     guint64                  changedsince) G_GNUC_WARN_UNUSED_RESULT;
/* The command line uid_fetch_sections() sends, for pipeline(). (transfer full) */
char        *tern_imap_uid_fetch_sections_command   (const char              *uid_set,
                                                     const char * const      *sections) G_GNUC_WARN_UNUSED_RESULT;
/*
 * Sends the command lines (no tag, no CRLF, no literals; commands whose results do not
 * depend on each other, such as FETCHes) in one write and reads every response: one
 * round trip for all. FETCH responses go to the fetch function. A NO or BAD fails the
 * call (the first one's error) once every response is read; the connection stays usable.
 * Keep the lines short in total (a few KB): the server's answers are read only after all
 * of them are written.
 */
gboolean     tern_imap_connection_pipeline          (TernImapConnection      *self,
                                                     const char * const      *commands,
                                                     GError                 **error);
gboolean     tern_imap_connection_uid_fetch_sections (TernImapConnection     *self,
                                                     const char              *uid_set,
                                                     const char * const      *sections,
                                                     GError                 **error);
gboolean     tern_imap_connection_uid_fetch_section (TernImapConnection      *self,
                                                     guint32                  uid,
                                                     const char              *section,
                                                     guint64                  offset,
                                                     guint64                  length,
                                                     GError                 **error);

/*
 * UID STORE set +FLAGS.SILENT (flags) (add) or -FLAGS.SILENT (flags); flags is cache text
 * ("\\Seen $Label"). With unchanged_since > 0: (UNCHANGEDSINCE n), RFC 7162; then
 * *modified_out (may be NULL) gets the UIDs the server did not change (its [MODIFIED]
 * set, as guint32 pairs (first, last)), or NULL when it changed them all. (transfer full)
 */
gboolean     tern_imap_connection_uid_store         (TernImapConnection      *self,
                                                     const char              *uid_set,
                                                     gboolean                 add,
                                                     const char              *flags,
                                                     guint64                  unchanged_since,
                                                     GArray                 **modified_out,
                                                     GError                 **error);
/* The same, .SILENT or not: without it the server answers each message's FLAGS; with it and
 * UNCHANGEDSINCE, each changed message's UID and MODSEQ (RFC 7162), to the fetch func. */
gboolean     tern_imap_connection_uid_store_full    (TernImapConnection      *self,
                                                     const char              *uid_set,
                                                     gboolean                 add,
                                                     const char              *flags,
                                                     guint64                  unchanged_since,
                                                     gboolean                 silent,
                                                     GArray                 **modified_out,
                                                     GError                 **error);
/* UID EXPUNGE set (UIDPLUS); expunge(): EXPUNGE, every \Deleted message of the mailbox. */
gboolean     tern_imap_connection_uid_expunge       (TernImapConnection      *self,
                                                     const char              *uid_set,
                                                     GError                 **error);
gboolean     tern_imap_connection_expunge           (TernImapConnection      *self,
                                                     GError                 **error);
/*
 * UID COPY, or UID MOVE if move (the caller checks the MOVE capability), of uids (guint32)
 * to mailbox. *new_uids_out (may be NULL) gets, in the order of uids, each one's UID in the
 * target from COPYUID (UIDPLUS), 0 where the server did not say. (transfer full)
 */
gboolean     tern_imap_connection_uid_copy          (TernImapConnection      *self,
                                                     GArray                  *uids,
                                                     const char              *mailbox,
                                                     gboolean                 move,
                                                     GArray                 **new_uids_out,
                                                     GError                 **error);
/* APPEND with flags (cache text; system flags and keywords) and INTERNALDATE (0: none);
 * *new_uid_out (may be NULL) gets its UID from APPENDUID, 0 if the server did not say. */
gboolean     tern_imap_connection_append            (TernImapConnection      *self,
                                                     const char              *mailbox,
                                                     const char              *flags,
                                                     gint64                   internaldate,
                                                     GBytes                  *message,
                                                     guint32                 *new_uid_out,
                                                     GError                 **error);

/* PREVIEW (RFC 8970), where tern_imap_connection_has_capability (self, "PREVIEW"): the
 * server's preview line of each message of the selected mailbox in uid_set, by UID
 * (guint32 -> UTF-8 text); messages it has none for are left out. (transfer full) */
GHashTable *tern_imap_uid_fetch_previews (TernImapConnection  *self,
                                          const char          *uid_set,
                                          GError             **error) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS
