/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* The schema a cache has once opened (PRAGMA user_version; cache/sql/version-NNN.sql). */
#define TERN_STORE_SCHEMA_LATEST 17

#define TERN_STORE_ERROR (tern_store_error_quark ())

typedef enum
{
  TERN_STORE_ERROR_FAILED,     /* SQLite said no: I/O error, corrupt file */
  TERN_STORE_ERROR_NOT_FOUND,  /* no such account, folder or message */
  TERN_STORE_ERROR_EXISTS,     /* an account of that name exists already */
  TERN_STORE_ERROR_VERSION,    /* the file was written by a newer Tern */
  TERN_STORE_ERROR_NO_SPACE,   /* the disk is full (SQLITE_FULL or ENOSPC) */
  TERN_STORE_ERROR_INVALID,    /* a value the cache does not take (an address that is none) */
} TernStoreError;

GQuark tern_store_error_quark (void);

/* Plain records: every string is owned by the record. */

typedef struct
{
  gint64  id;
  char   *name;
  char   *email;
  char   *host;
  guint   port;
  char   *security;          /* "tls", "starttls" or "none" */
  char   *user;
  char   *password_command;  /* NULL: the password is in libsecret */
  char   *ca_file;
  char   *pinned_sha256;
  gint64  last_sync;         /* unix time of the last complete sync, 0 if never */
  gint64  last_attempt;
  char   *last_error;        /* NULL if the last attempt succeeded */
  char   *delete_mode;       /* "trash" or "expunge" */
  gint64  offline_days;      /* bodies of messages newer than this are kept offline */
  gint64  offline_max_size;  /* ... if smaller than this (bytes) */
  gint64  cache_limit;       /* bytes of bodies and parts; 0: no limit */
  gboolean no_compress;      /* never COMPRESS=DEFLATE (FALSE, the default: where offered) */
  gboolean server_previews;  /* preview lines from the server (PREVIEW) where offered (schema 12) */
  /* Signing in (schema 10). */
  char   *auth;              /* "password" (also when NULL), "oauth2" or "goa" */
  char   *oauth2_issuer;     /* oauth2: the provider, its endpoints, scopes and Tern's client id */
  char   *oauth2_client_id;
  char   *oauth2_auth_url;
  char   *oauth2_token_url;
  char   *oauth2_scope;
  char   *goa_id;            /* goa: the GNOME Online Accounts account id */
  char   *auth_state;        /* NULL: fine; "sign-in", "goa-removed", "goa-mail-off" */
  char   *setup_source;      /* where the settings came from: "autoconfig", "ispdb", "srv", "mx",
                              * "guess", "manual", "goa", "demo"; NULL if not known */
} TernAccount;

/* Where a folder stands between this cache and the server (folder.local_state). */
typedef enum
{
  TERN_FOLDER_ON_SERVER = 0,
  TERN_FOLDER_CREATED_HERE = 1,   /* not on the server yet */
  TERN_FOLDER_DELETED_HERE = 2,   /* its deletion waits for the server */
  TERN_FOLDER_KEPT_LOCALLY = 3,   /* gone from the server, kept for what is only here */
} TernFolderLocalState;

typedef struct
{
  gint64   id;
  gint64   account_id;
  char    *name;             /* the server's name (modified UTF-7) */
  char    *display_name;     /* UTF-8 */
  char    *delimiter;
  char    *attributes;       /* LIST attributes, space separated */
  char    *special_use;      /* "\\Sent" etc.; "\\Inbox" for INBOX; NULL for none */
  char    *namespace_kind;   /* "personal", "other" or "shared" */
  gboolean subscribed;
  gboolean selectable;
  char    *myrights;
  /* Committed sync state; 0 while the folder has never completed a sync. */
  guint32  uidvalidity;
  guint32  uidnext;
  guint64  highestmodseq;
  guint32  server_exists;
  /* A first sync in progress. */
  guint32  fill_uidvalidity;
  guint32  fill_uidnext;
  guint64  fill_modseq;
  guint32  fill_low;
  gint64   flags_swept;
  gint64   last_sync;
  TernFolderLocalState local_state;
  gint64   offline_days;     /* 0: the account's */
  gint64   offline_max_size; /* 0: the account's */
  gboolean offline_full;     /* every body and attachment kept offline */
  /* Counts, filled by the listing calls. */
  guint    total;
  guint    unread;
} TernFolder;

typedef struct
{
  char *section;
  char *type;
  char *subtype;
  char *charset;
  char *encoding;
  guint64 size;
  char *disposition;
  char *filename;
  char *content_id;
} TernPart;

typedef struct
{
  gint64     id;
  gint64     folder_id;      /* where the user sees it (reading); where the server has it (writing) */
  guint32    uid;            /* 0 while the server does not have it */
  guint64    modseq;
  char      *flags;          /* canonical: see tern_flags_canonicalize() */
  gint64     internaldate;
  guint64    size;
  gint64     date;
  char      *subject;
  char      *from_name;
  char      *from_addr;
  char      *sender;
  char      *reply_to;
  char      *to_list;
  char      *cc_list;
  char      *bcc_list;
  char      *message_id;
  char      *in_reply_to;
  char      *references;
  gint64     thread_id;      /* the conversation (read only: the store sets it) */
  GPtrArray *parts;          /* of TernPart, may be NULL */
} TernMessage;

void         tern_account_free (TernAccount *account);
TernAccount *tern_account_copy (const TernAccount *account) G_GNUC_WARN_UNUSED_RESULT;
void         tern_folder_free  (TernFolder  *folder);
void         tern_part_free    (TernPart    *part);
void         tern_message_free (TernMessage *message);
TernMessage *tern_message_new  (void);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TernAccount, tern_account_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TernFolder, tern_folder_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TernMessage, tern_message_free)

/* Flags as a canonical space-separated string: system flags in a fixed order, then
 * keywords sorted; duplicates and \Recent dropped. (transfer full) */
char        *tern_flags_canonicalize (const char *flags) G_GNUC_WARN_UNUSED_RESULT;
gboolean     tern_flags_contain      (const char *flags,
                                      const char *flag);

/*
 * TernStore: one SQLite connection. Not thread-safe: each thread that writes
 * (the main thread, each account worker) opens its own; WAL lets them share the file.
 */
typedef struct _TernStore TernStore;

TernStore   *tern_store_open          (const char  *path,
                                       GError     **error);
void         tern_store_free          (TernStore   *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TernStore, tern_store_free)
const char  *tern_store_get_path      (TernStore   *self);
/* For a connection that writes a lot at once: checkpoint the WAL less often (pages). */
void         tern_store_set_checkpoint_interval (TernStore *self,
                                       int          pages);
int          tern_store_get_schema_version (TernStore *self);

gboolean     tern_store_begin         (TernStore   *self,
                                       GError     **error);
gboolean     tern_store_commit        (TernStore   *self,
                                       GError     **error);
void         tern_store_rollback      (TernStore   *self);

/* Accounts. */
gboolean     tern_store_add_account   (TernStore          *self,
                                       const TernAccount  *account,
                                       gint64             *id_out,
                                       GError            **error);
TernAccount *tern_store_get_account   (TernStore          *self,
                                       const char         *name,
                                       GError            **error) G_GNUC_WARN_UNUSED_RESULT;
TernAccount *tern_store_get_account_by_id (TernStore      *self,
                                       gint64              id,
                                       GError            **error) G_GNUC_WARN_UNUSED_RESULT;
GPtrArray   *tern_store_list_accounts (TernStore          *self,
                                       GError            **error) G_GNUC_WARN_UNUSED_RESULT;
/* Removes the account and everything cached for it (folders, messages, bodies and the
 * files of downloaded parts, queued actions, the outbox and its files, identities). */
gboolean     tern_store_remove_account (TernStore         *self,
                                       const char         *name,
                                       GError            **error);
typedef struct
{
  guint messages;          /* cached */
  guint pending_actions;   /* queued or failed changes not yet on the server */
  guint unsent;            /* outbox messages not sent */
} TernAccountData;
/* What removing the account would lose. */
gboolean     tern_store_count_account_data (TernStore     *self,
                                       gint64              account_id,
                                       TernAccountData    *data,
                                       GError            **error);
gboolean     tern_store_set_account_status (TernStore     *self,
                                       gint64              account_id,
                                       gboolean            success,
                                       const char         *error_message,
                                       GError            **error);
/* Preview lines from the server (RFC 8970 PREVIEW) for the message list, fetched with the
 * headers instead of waiting for the texts: for slow links. */
gboolean     tern_store_set_account_server_previews (TernStore  *self,
                                             gint64      account_id,
                                             gboolean    server_previews,
                                             GError    **error);
/* The server's preview line of a message (NULL: none). */
gboolean     tern_store_set_preview    (TernStore          *self,
                                        gint64              message_id,
                                        const char         *preview,
                                        GError            **error);
char        *tern_store_dup_preview    (TernStore          *self,
                                        gint64              message_id) G_GNUC_WARN_UNUSED_RESULT;
/* Messages of the folder (UIDs, ascending) with neither a cached text nor a preview. */
GArray      *tern_store_list_unpreviewed_uids (TernStore   *self,
                                        gint64              folder_id,
                                        GError            **error) G_GNUC_WARN_UNUSED_RESULT;
gboolean     tern_store_set_account_compress (TernStore  *self,
                                             gint64      account_id,
                                             gboolean    compress,
                                             GError    **error);
gboolean     tern_store_set_account_delete_mode (TernStore *self,
                                       gint64              account_id,
                                       const char         *mode,
                                       GError            **error);
gboolean     tern_store_set_account_pin (TernStore        *self,
                                       gint64              account_id,
                                       const char         *pinned_sha256,
                                       GError            **error);
/* What the sync engine learnt about how an account's server behaves (a trait by name, see
 * the engine's tern-sync-private.h); NULL if nothing is known. set with value NULL forgets. */
char        *tern_store_dup_server_trait (TernStore       *self,
                                       gint64              account_id,
                                       const char         *name) G_GNUC_WARN_UNUSED_RESULT;
gboolean     tern_store_set_server_trait (TernStore       *self,
                                       gint64              account_id,
                                       const char         *name,
                                       const char         *value,
                                       GError            **error);
/* Stores every setting of account->id (name, email, servers, user, password command, CA file,
 * pin, how it signs in, where the settings came from); leaves the sync status, the delete
 * mode and the offline policy. TERN_STORE_ERROR_EXISTS if another account has the new name. */
gboolean     tern_store_update_account (TernStore         *self,
                                       const TernAccount  *account,
                                       GError            **error);
/* NULL: signing in works again. */
gboolean     tern_store_set_account_auth_state (TernStore *self,
                                       gint64              account_id,
                                       const char         *auth_state,
                                       GError            **error);

/* Folders. */
GPtrArray   *tern_store_list_folders  (TernStore          *self,
                                       gint64              account_id,
                                       GError            **error) G_GNUC_WARN_UNUSED_RESULT;
/* The same without the (slower) counts: for the sync engine. */
GPtrArray   *tern_store_list_folders_uncounted (TernStore *self,
                                       gint64              account_id,
                                       GError            **error) G_GNUC_WARN_UNUSED_RESULT;
/* The folder getters leave total and unread at 0. */
TernFolder  *tern_store_get_folder    (TernStore          *self,
                                       gint64              account_id,
                                       const char         *name,
                                       GError            **error) G_GNUC_WARN_UNUSED_RESULT;
TernFolder  *tern_store_get_folder_by_id (TernStore       *self,
                                       gint64              folder_id,
                                       GError            **error) G_GNUC_WARN_UNUSED_RESULT;
/* Inserts or updates the LIST-level fields (name, display name, delimiter, attributes,
 * special use, namespace, subscribed, selectable, myrights); keeps the sync state. */
gboolean     tern_store_upsert_folder (TernStore          *self,
                                       const TernFolder   *folder,
                                       gint64             *id_out,
                                       GError            **error);
gboolean     tern_store_rename_folder (TernStore          *self,
                                       gint64              folder_id,
                                       const char         *name,
                                       const char         *display_name,
                                       GError            **error);
gboolean     tern_store_delete_folder (TernStore          *self,
                                       gint64              folder_id,
                                       GError            **error);
gboolean     tern_store_set_folder_state (TernStore       *self,
                                       gint64              folder_id,
                                       guint32             uidvalidity,
                                       guint32             uidnext,
                                       guint64             highestmodseq,
                                       guint32             server_exists,
                                       GError            **error);
gboolean     tern_store_set_folder_fill (TernStore        *self,
                                       gint64              folder_id,
                                       guint32             fill_uidvalidity,
                                       guint32             fill_uidnext,
                                       guint64             fill_modseq,
                                       guint32             fill_low,
                                       GError            **error);
gboolean     tern_store_set_folder_local_state (TernStore *self,
                                       gint64              folder_id,
                                       TernFolderLocalState state,
                                       GError            **error);
/* Whether new mail in the folder raises a desktop notification: what the user chose, else
 * yes for INBOX and no for every other folder (shared ones are opt-in). */
gboolean     tern_store_get_folder_notify (TernStore      *self,
                                       gint64              folder_id);
gboolean     tern_store_set_folder_notify (TernStore      *self,
                                       gint64              folder_id,
                                       gboolean            notify,
                                       GError            **error);

/* Remote content in HTML mail, allowed per account for a sender's address or a domain
 * (tern-store-remote.c). Values are compared in lower case. */
typedef enum
{
  TERN_REMOTE_SENDER,
  TERN_REMOTE_DOMAIN,
} TernRemoteKind;

gboolean     tern_store_allow_remote_content  (TernStore      *self,
                                       gint64              account_id,
                                       TernRemoteKind      kind,
                                       const char         *value,
                                       GError            **error);
gboolean     tern_store_forget_remote_content (TernStore      *self,
                                       gint64              account_id,
                                       TernRemoteKind      kind,
                                       const char         *value,
                                       GError            **error);
/* The values allowed, sorted. (transfer full) */
GStrv        tern_store_list_remote_content   (TernStore      *self,
                                       gint64              account_id,
                                       TernRemoteKind      kind,
                                       GError            **error) G_GNUC_WARN_UNUSED_RESULT;
/* Whether mail from address (in account) may load remote content: the address, or its
 * domain, is allowed. */
gboolean     tern_store_remote_content_allowed (TernStore     *self,
                                       gint64              account_id,
                                       const char         *address);
gboolean     tern_store_set_folder_flags_swept (TernStore *self,
                                       gint64              folder_id,
                                       gint64              when,
                                       GError            **error);

/* Messages. */
gboolean     tern_store_upsert_message (TernStore         *self,
                                       gint64              folder_id,
                                       const TernMessage  *message,
                                       gint64             *id_out,
                                       GError            **error);
/* For a message known to be new (a first sync): a plain INSERT, falling back to an
 * upsert if the UID exists after all. */
gboolean     tern_store_insert_message (TernStore         *self,
                                       gint64              folder_id,
                                       const TernMessage  *message,
                                       gint64             *id_out,
                                       GError            **error);
/* Messages the server has (UID known), from the index alone. */
guint        tern_store_count_uids    (TernStore          *self,
                                       gint64              folder_id);
/* Returns TRUE with *changed set if a message with that UID existed. */
gboolean     tern_store_update_flags  (TernStore          *self,
                                       gint64              folder_id,
                                       guint32             uid,
                                       const char         *flags,
                                       guint64             modseq,
                                       gboolean           *changed,
                                       GError            **error);
gboolean     tern_store_expunge_uid   (TernStore          *self,
                                       gint64              folder_id,
                                       guint32             uid,
                                       GError            **error);
/* Removes every message whose UID lies in [first, last] and is not in keep (sorted). */
gboolean     tern_store_expunge_missing (TernStore        *self,
                                       gint64              folder_id,
                                       guint32             first,
                                       guint32             last,
                                       GArray             *keep,
                                       guint              *removed_out,
                                       GError            **error);
/* Sorted ascending guint32 UIDs of the folder's attached messages. */
GArray      *tern_store_list_uids     (TernStore          *self,
                                       gint64              folder_id,
                                       GError            **error) G_GNUC_WARN_UNUSED_RESULT;
/* For each of n message ids (0 skipped): its MODSEQ (0 when it has none) into modseqs[i] and
 * its flags ("" when none; NULL when the id is not in the cache) into flags[i], owned by the
 * caller. One statement, no parts read. */
gboolean     tern_store_get_flag_states (TernStore        *self,
                                         const gint64     *ids,
                                         guint             n,
                                         guint64          *modseqs,
                                         char            **flags,
                                         GError          **error);
/* UID -> flags of the attached messages whose UID is at least min_uid. */
GHashTable  *tern_store_dup_flags_map (TernStore          *self,
                                       gint64              folder_id,
                                       guint32             min_uid,
                                       GError            **error) G_GNUC_WARN_UNUSED_RESULT;
/* The sizes the server gave (RFC822.SIZE) of the folder's messages this cache knows, added
 * up, and of how many messages (STATUS SIZE is not asked: Dovecot 2.3 lacks it). */
gboolean     tern_store_folder_size   (TernStore         *self,
                                       gint64             folder_id,
                                       guint64           *bytes_out,
                                       guint             *known_out,
                                       GError           **error);
gboolean     tern_store_count_messages (TernStore         *self,
                                       gint64              folder_id,
                                       guint              *total_out,
                                       guint              *unread_out,
                                       GError            **error);
/* Newest first; limit 0 means all. (transfer full) array of TernMessage without parts. */
GPtrArray   *tern_store_list_messages (TernStore          *self,
                                       gint64              folder_id,
                                       guint               limit,
                                       GError            **error) G_GNUC_WARN_UNUSED_RESULT;
TernMessage *tern_store_get_message   (TernStore          *self,
                                       gint64              message_id,
                                       GError            **error) G_GNUC_WARN_UNUSED_RESULT;

/* UIDVALIDITY change: detach every message of the folder from its UID ... */
gboolean     tern_store_detach_folder (TernStore          *self,
                                       gint64              folder_id,
                                       GError            **error);
/* ... re-attach one by Message-ID, INTERNALDATE and size (TRUE in *attached if one matched;
 * exactly one candidate must match) ... */
gboolean     tern_store_reattach_message (TernStore       *self,
                                       gint64              folder_id,
                                       guint32             uid,
                                       const char         *message_id,
                                       gint64              internaldate,
                                       guint64             size,
                                       const char         *flags,
                                       guint64             modseq,
                                       gboolean           *attached,
                                       GError            **error);
/* ... and drop what could not be matched. */
gboolean     tern_store_drop_detached (TernStore          *self,
                                       gint64              folder_id,
                                       guint              *dropped_out,
                                       GError            **error);
guint        tern_store_count_detached (TernStore         *self,
                                       gint64              folder_id);

/* Bodies: the displayable text of a message, readable offline once fetched. */
typedef struct
{
  gint64   message;
  char    *section;
  char    *content_type;   /* "text/plain" or "text/html" */
  char    *text;           /* UTF-8 */
  gint64   fetched;
  gboolean pinned;
} TernBody;

void         tern_body_free           (TernBody           *body);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TernBody, tern_body_free)

/* NULL and no error when the body is not cached. Marks it used (for eviction). */
TernBody    *tern_store_get_body      (TernStore          *self,
                                       gint64              message_id,
                                       GError            **error) G_GNUC_WARN_UNUSED_RESULT;
gboolean     tern_store_set_body      (TernStore          *self,
                                       gint64              message_id,
                                       const char         *section,
                                       const char         *content_type,
                                       const char         *text,
                                       GError            **error);
gboolean     tern_store_set_body_pinned (TernStore        *self,
                                       gint64              message_id,
                                       gboolean            pinned,
                                       GError            **error);

gboolean     tern_store_set_part_filename (TernStore      *self,
                                       gint64              message_id,
                                       const char         *section,
                                       const char         *filename,
                                       const char         *disposition,
                                       GError            **error);
/* The local id of the message with this UID in the folder, 0 if none. */
gint64       tern_store_find_uid      (TernStore          *self,
                                       gint64              folder_id,
                                       guint32             uid);

/* Parts downloaded to files: where, how many transfer-encoded bytes are in, complete or not.
 * FALSE when the part was never downloaded. */
gboolean     tern_store_get_part_file (TernStore          *self,
                                       gint64              message_id,
                                       const char         *section,
                                       char              **path_out,
                                       guint64            *fetched_out,
                                       gboolean           *complete_out);
gboolean     tern_store_set_part_file (TernStore          *self,
                                       gint64              message_id,
                                       const char         *section,
                                       const char         *path,
                                       guint64             fetched,
                                       gboolean            complete,
                                       GError            **error);

/* Offline availability. */
gboolean     tern_store_set_offline_policy (TernStore     *self,
                                       gint64              account_id,
                                       gint64              folder_id,
                                       gint64              days,
                                       gint64              max_size,
                                       int                 full,
                                       gint64              cache_limit,
                                       GError            **error);
/* Messages shown in the folder whose bodies the policy wants and the cache lacks, newest
 * first. The policy's size limit is on the text, not the message: a message whose whole
 * size is over it is listed too if one of its texts (not an attachment) is within it, and
 * the caller checks the text it would fetch against tern_store_get_offline_max_size(). */
GArray      *tern_store_list_prefetch (TernStore          *self,
                                       gint64              folder_id,
                                       GError            **error) G_GNUC_WARN_UNUSED_RESULT;
/* The offline policy's size limit for the texts of a folder's messages (bytes): the
 * folder's own, else its account's. */
gint64       tern_store_get_offline_max_size (TernStore   *self,
                                       gint64              folder_id,
                                       GError            **error);
/* Bytes of bodies and downloaded parts of an account, and how many of each. */
gboolean     tern_store_cache_usage   (TernStore          *self,
                                       gint64              account_id,
                                       guint64            *bytes_out,
                                       guint              *bodies_out,
                                       guint              *parts_out,
                                       GError            **error);
/* Drops least recently used bodies and part files until the account uses at most limit
 * bytes; never a pinned one, one of a message with queued actions, or one in a folder kept
 * fully offline. */
gboolean     tern_store_evict         (TernStore          *self,
                                       gint64              account_id,
                                       guint64             limit,
                                       guint              *evicted_out,
                                       GError            **error);

/* Full-text search (FTS5) over headers and cached bodies; newest first. account_id 0:
 * every account. The query is words (all must match, prefixes allowed with *). */
GPtrArray   *tern_store_search        (TernStore          *self,
                                       gint64              account_id,
                                       const char         *query,
                                       guint               limit,
                                       GError            **error) G_GNUC_WARN_UNUSED_RESULT;
/* The ids of what tern_store_search() finds, in its order, no row built (the list model's
 * search). (transfer full) */
GArray      *tern_store_search_message_ids (TernStore     *self,
                                            gint64         account_id,
                                            const char    *query,
                                            GError       **error) G_GNUC_WARN_UNUSED_RESULT;
/* The same as local message ids only, straight from the index (for a lazy list model that
 * loads rows as they are shown). (transfer full) */
GArray      *tern_store_search_ids    (TernStore          *self,
                                       const char         *query,
                                       GError            **error) G_GNUC_WARN_UNUSED_RESULT;
/* Indexes up to `limit` messages not indexed yet (0: all); *remaining_out says how many
 * are still waiting. Called after a sync and before a search. */
gboolean     tern_store_index_pending (TernStore          *self,
                                       guint               limit,
                                       guint              *remaining_out,
                                       GError            **error);

/* Address completion: people the cache has seen in From, To and Cc whose address, or a word
 * of whose name, starts with prefix (case-insensitive). Each address once (with the name it
 * was last seen with), best first: a score that adds up the messages it appears in, recent
 * ones counting more. (transfer full) array of TernAddress */
typedef struct
{
  char   *name;          /* NULL when the cache knows none */
  char   *address;
  guint   count;         /* messages it was seen in */
  gint64  last_seen;     /* Date of the newest of them */
  double  score;
} TernAddress;

void         tern_address_free        (TernAddress        *address);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TernAddress, tern_address_free)

GPtrArray   *tern_store_complete_addresses (TernStore     *self,
                                       const char         *prefix,
                                       guint               limit,
                                       GError            **error) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS
