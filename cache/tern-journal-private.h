/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "tern-journal.h"
#include "tern-store-private.h"

G_BEGIN_DECLS

/* Shared by tern-journal.c (actions, the queue), tern-journal-messages.c and
 * tern-journal-folders.c. Same threading as TernStore: the store's thread only. */

/* Rows we need. */

typedef struct
{
  gint64   id;
  gint64   folder_id;     /* server location */
  guint32  uid;
  gint64   local_folder;  /* 0: none */
  gboolean hidden;
  char    *flags;
  gint64   blob;
  char    *message_id;
} MessageRow;

typedef struct
{
  gint64   id;
  gint64   account_id;
  char    *name;
  char    *display_name;
  char    *delimiter;
  char    *myrights;
  char    *special_use;
  int      local_state;
  gboolean subscribed;
} FolderRow;

void        _tern_journal_message_row_clear (MessageRow        *m);
void        _tern_journal_folder_row_clear  (FolderRow         *f);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (MessageRow, _tern_journal_message_row_clear)
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (FolderRow, _tern_journal_folder_row_clear)

gboolean    _tern_journal_load_message      (TernStore         *store,
                                             gint64             id,
                                             MessageRow        *m,
                                             GError           **error);
gboolean    _tern_journal_load_folder       (TernStore         *store,
                                             gint64             id,
                                             FolderRow         *f,
                                             GError           **error);
/* The folder the user sees the message in. */
gint64      _tern_journal_shown_in          (const MessageRow  *m);
gboolean    _tern_journal_check_rights      (const FolderRow   *folder,
                                             const char        *needed,
                                             const char        *what,
                                             GError           **error);
gboolean    _tern_journal_usable_folder     (const FolderRow   *folder,
                                             GError           **error);

/* Flag sets. */
gboolean    _tern_journal_valid_flag        (const char        *flag);
GPtrArray  *_tern_journal_split_flags       (const char        *flags);
char       *_tern_journal_join_flags        (GPtrArray         *list);
gboolean    _tern_journal_contains_flag     (GPtrArray         *list,
                                             const char        *flag);
/* (flags + add) - remove */
char       *_tern_journal_apply_delta       (const char        *flags,
                                             const char        *add,
                                             const char        *remove);
gboolean    _tern_journal_set_message_flags (TernStore         *store,
                                             gint64             message_id,
                                             const char        *flags,
                                             GError           **error);

/* Transactions: every public call is one, unless the caller already opened one. */
typedef struct
{
  TernStore *store;
  gboolean   own;
} Txn;

gboolean    _tern_journal_txn_begin         (Txn               *txn,
                                             TernStore         *store,
                                             GError           **error);
gboolean    _tern_journal_txn_end           (Txn               *txn,
                                             gboolean           ok,
                                             GError           **error);

/* Actions. */
#define ACTION_COLUMNS \
  "id, account_id, kind, message, new_message, folder, target, add_flags, remove_flags, " \
  "name, new_name, uids, state, sent, error_class, error, attempts, created"

gint64      _tern_journal_insert_action     (TernStore         *store,
                                             const TernAction  *a,
                                             GError           **error);
TernAction *_tern_journal_action_from_row   (sqlite3_stmt      *stmt);
TernAction *_tern_journal_get_one_action    (TernStore         *store,
                                             sqlite3_stmt      *stmt,
                                             GError           **error);

/* tern-journal-messages.c: flags, with or without merging into the last queued change. */
gboolean    _tern_journal_set_flags_full    (TernStore         *store,
                                             gint64             message_id,
                                             const char        *add,
                                             const char        *remove,
                                             gboolean           merge,
                                             GError           **error);

/* The account's folder of this special use, 0 if none. */
gint64      _tern_journal_find_special      (TernStore         *store,
                                             gint64             account_id,
                                             const char        *use);

/* tern-journal.c: the local effect of an action taken back (it left the queue or failed). */
gboolean    _tern_journal_undo_locally      (TernStore         *store,
                                             TernAction        *a,
                                             GError           **error);

/* tern-journal-messages.c: the local view of a message follows from its queued actions. */
gboolean    _tern_journal_recompute_message (TernStore         *store,
                                             gint64             message_id,
                                             GError           **error);

/* tern-journal-folders.c */
/* Renames a folder row and its children (name and display name prefixes). */
gboolean    _tern_journal_rename_rows       (TernStore         *store,
                                             gint64             account_id,
                                             const char        *old_name,
                                             const char        *new_name,
                                             const char        *old_display,
                                             const char        *new_display,
                                             const char        *delimiter,
                                             GError           **error);
gboolean    _tern_journal_set_subscribed    (TernStore         *store,
                                             gint64             folder_id,
                                             gboolean           subscribed,
                                             GError           **error);

G_END_DECLS
