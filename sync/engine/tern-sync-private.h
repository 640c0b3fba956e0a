/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "tern-fill-writer.h"
#include "tern-imap-commands.h"
#include "tern-imap-connection.h"
#include "tern-sync.h"

G_BEGIN_DECLS

/* Shared by the files that implement TernSync (see tern-sync.c). Owner thread only. */

typedef enum
{
  FETCH_NONE,
  FETCH_HEADERS,   /* store whole messages */
  FETCH_REATTACH,  /* UIDVALIDITY change: match by Message-ID */
  FETCH_COLLECT,   /* keep UID, FLAGS and MODSEQ in `collected` for the caller */
  FETCH_SECTION,   /* keep the body section bytes of message section_uid */
} FetchMode;

typedef struct
{
  guint32  uid;
  guint64  modseq;
  char    *flags;
} Collected;

struct _TernSync
{
  TernStore           *store;
  TernAccount         *account;
  char                *password;
  guint                timeout;
  guint                chunk;

  GMutex               lock;       /* guards conn against tern_sync_cancel(), and local_address */
  TernImapConnection  *conn;
  char                *local_address;  /* conn's own IP address, once connected */
  /* Without NOTIFY: a second connection idling on the open folder (tern-sync-watch.c), and
   * the folder it has selected. */
  TernImapConnection  *open_conn;
  char                *open_selected;
  gboolean             cancelled;

  gboolean             qresync;
  gboolean             condstore;
  /* Server traits (remembered per account in the store, see TERN_TRAIT_*). */
  gboolean             uid_search_untrusted;
  char                *selected;   /* server name of the selected folder */
  char                *open_folder; /* the folder the user has open (server name), or NULL */

  TernSyncProgressFunc progress_func;
  gpointer             progress_data;
  TernSyncStoredFunc   stored_func;
  gpointer             stored_data;
  TernSyncChangeFunc   change_func;
  gpointer             change_data;

  TernSyncStats        stats;      /* of connections already closed */
  char                *refused_sha256;
  char                *refused_description;

  /* What the FETCH handler does with each message as it is parsed. */
  FetchMode            fetch_mode;
  /* The folder whose untagged FETCH responses the handler stores: an owned copy of its
   * id and name, never a pointer borrowed from a caller (a FETCH can arrive during IDLE,
   * long after that caller returned). 0/NULL when no folder is targeted. */
  gint64               fetch_folder_id;
  char                *fetch_folder_name;
  gboolean             fetch_emit;
  guint32              fetch_min_uid;  /* FETCH_HEADERS: messages below it are flag news only */
  TernFillWriter      *fill_writer;    /* a first sync's inserts, on a thread of their own */
  guint                fetch_done;
  guint                fetch_total;
  GArray              *fetch_unmatched;
  GError              *fetch_error;
  GArray              *collected;      /* of Collected, in FETCH_COLLECT mode */
  gboolean             pending_flags;  /* queued flag changes exist: re-apply them */
  gpointer             notify_conn;    /* the connection NOTIFY SET was sent on (compared only) */
  gboolean             notifying;      /* ... and the server accepted it */
  GByteArray          *section_data;
  guint32              section_uid;
  gboolean             section_seen;
  gboolean             section_repeated; /* a second FETCH response carried the section */
  /* STATUS answers of one run, asked for all folders at once (pipelined): folder name ->
   * MailboxState. A resync takes its folder's answer instead of asking. */
  GHashTable          *status_ahead;
  /* What LIST-STATUS answered with the last LIST (tern_sync_folders()), for the next
   * _tern_sync_status_ahead(), which takes it: folder name -> MailboxState. */
  GHashTable          *listed_status;
};

/* Names of the server traits the engine remembers (tern_store_set_server_trait()). They
 * describe behaviour, never a product. */
#define TERN_TRAIT_UID_SEARCH   "uid-search"      /* "untrusted": UIDs are listed by UID FETCH */
#define TERN_TRAIT_AUTH         "auth-mechanism"  /* the SASL mechanism (or LOGIN) that worked */
#define TERN_TRAIT_COPY_FLAGS   "copy-flags"      /* "kept" or "dropped": flags on COPY/MOVE */
#define TERN_TRAIT_PERSONAL_NS  "personal-namespace" /* NAMESPACE's personal prefix ("INBOX.") */
#define TERN_TRAIT_PREVIEW      "preview"         /* "offered" or "not-offered": PREVIEW (RFC 8970) */

/* Flag updates, VANISHED and HIGHESTMODSEQ the responses of a command carried. */
typedef TernImapUnsolicited Harvest;
typedef TernImapMailbox     MailboxState;

/* tern-sync.c */
void      _tern_sync_emit_change        (TernSync           *self,
                                         TernSyncChangeKind  kind,
                                         gint64              folder_id,
                                         const char         *folder,
                                         gint64              message_id,
                                         guint32             uid,
                                         const char         *flags,
                                         const char         *subject);
void      _tern_sync_report_progress    (TernSync           *self,
                                         const char         *folder,
                                         guint               done,
                                         guint               total);
/* The second connection (open_conn), logged in like the first; closed. */
gboolean  _tern_sync_connect_open       (TernSync           *self,
                                         GError            **error);
void      _tern_sync_disconnect_open    (TernSync           *self);
/* Points the FETCH handler at `folder` (copied), or at nothing with NULL. */
void      _tern_sync_set_fetch_folder   (TernSync         *self,
                                         const TernFolder *folder);
void      _tern_sync_clear_selected     (TernSync         *self);
/* SELECT (with CONDSTORE where offered) unless the folder is selected already. */
gboolean  _tern_sync_select             (TernSync    *self,
                                         const char  *name,
                                         GError     **error);
/* Leaves the selected folder without expunging (UNSELECT, or EXAMINE of INBOX). */
gboolean  _tern_sync_unselect           (TernSync    *self,
                                         GError     **error);
/* UID FETCH uids (UID FLAGS [MODSEQ]) into self->collected (cleared first). */
gboolean  _tern_sync_collect_flags      (TernSync    *self,
                                         const char  *uid_set,
                                         GError     **error);
void      _tern_sync_clear_collected    (TernSync    *self);
GArray   *_tern_sync_search_message_id  (TernSync    *self,
                                         const char  *message_id,
                                         GError     **error);

/* tern-sync-fetch.c */
void      _tern_sync_fetch_cb           (const TernImapFetchItem *item,
                                         gpointer                 user_data);
void      _tern_sync_harvest_clear      (Harvest            *h);
/* Applies the flag changes the last command's responses carried, adds the rest to h. */
void      _tern_sync_harvest            (TernSync           *self,
                                         TernFolder         *folder,
                                         Harvest            *h);
gboolean  _tern_sync_apply_vanished     (TernSync           *self,
                                         TernFolder         *folder,
                                         Harvest            *h,
                                         GError            **error);
TernImapFetchAttrs _tern_sync_flags_fetch_attrs    (TernSync *self);
TernImapFetchAttrs _tern_sync_header_fetch_attrs   (TernSync *self);
gboolean  _tern_sync_fetch_skipped      (TernSync           *self,
                                         TernFolder         *folder,
                                         guint32             first,
                                         guint32             last,
                                         GError            **error);
TernImapFetchAttrs _tern_sync_reattach_fetch_attrs (TernSync *self);
int       _tern_sync_compare_uid        (gconstpointer       a,
                                         gconstpointer       b);
/* UID SEARCH UID first:last, sorted. last == 0 means "*". By UID FETCH (UID) on a server
 * whose UID SEARCH was caught wrong. */
GArray   *_tern_sync_uid_search         (TernSync           *self,
                                         guint32             first,
                                         guint32             last,
                                         GError            **error);
/* Asks for *uids a second way (UID FETCH first:last (UID)); the FETCH wins a disagreement
 * and the server's UID SEARCH is distrusted from then on (a server trait). */
gboolean  _tern_sync_confirm_uids       (TernSync           *self,
                                         guint32             first,
                                         guint32             last,
                                         GArray            **uids,
                                         GError            **error);
void      _tern_sync_distrust_uid_search (TernSync          *self);
/* UID FETCH uid_set (UID): the UIDs in first:last (last 0: any), sorted, no duplicates. */
GArray   *_tern_sync_fetch_uid_list     (TernSync           *self,
                                         const char         *uid_set,
                                         guint32             first,
                                         guint32             last,
                                         GError            **error);
/* UID FETCH first:last with the handler in `mode`; no transaction handling. */
gboolean  _tern_sync_uid_fetch          (TernSync           *self,
                                         TernFolder         *folder,
                                         FetchMode           mode,
                                         guint32             first,
                                         guint32             last,
                                         TernImapFetchAttrs  attrs,
                                         GError            **error);
/* Headers of the given UIDs (sorted ascending), newest first, one transaction a chunk;
 * with `fill`, a first sync's chunks through the fill writer. */
gboolean  _tern_sync_fetch_headers      (TernSync           *self,
                                         TernFolder         *folder,
                                         GArray             *uids,
                                         gboolean            fill,
                                         gboolean            emit,
                                         GError            **error);

/* tern-sync-folder.c */
gboolean  _tern_sync_status_folder      (TernSync           *self,
                                         TernFolder         *folder,
                                         MailboxState       *state,
                                         GError            **error);
/* STATUS of every synced folder but the selected one, pipelined, into
 * self->status_ahead (cleared first; left NULL without CONDSTORE): what the LIST answered
 * (LIST-STATUS) is taken as it is, the rest asked for if two or more. */
gboolean  _tern_sync_status_ahead       (TernSync           *self,
                                         GPtrArray          *folders,
                                         GError            **error);
gboolean  _tern_sync_resync             (TernSync           *self,
                                         TernFolder         *folder,
                                         gboolean            force_select,
                                         GError            **error);
/* After IDLE (or a NOOP) on the selected folder `name`: VANISHED applied and the new
 * messages EXISTS announced fetched at once from the known UIDNEXT (QRESYNC only).
 * *handled FALSE (and TRUE returned) when a full resync is needed instead. */
gboolean  _tern_sync_after_idle         (TernSync           *self,
                                         const char         *name,
                                         gboolean           *handled,
                                         GError            **error);
/* A first sync or a resync of a selectable folder; *folder may be replaced by a fresh copy. */
gboolean  _tern_sync_sync_one           (TernSync           *self,
                                         TernFolder        **folder,
                                         GError            **error);
gboolean  _tern_sync_resync_first       (TernSync           *self,
                                         TernFolder         *folder,
                                         GError            **error);

/* tern-prefetch.c: opens one message of the selected folder (takes m): its text and the
 * other parts' .MIME headers in one FETCH, then its inline images. */
gboolean  _tern_prefetch_open           (TernSync           *self,
                                         TernMessage        *m,
                                         GError            **error);

/* tern-replay.c */
gboolean  _tern_sync_replay             (TernSync    *self,
                                         GError     **error);

G_END_DECLS
