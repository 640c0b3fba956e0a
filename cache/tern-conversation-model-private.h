/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "tern-store.h"

G_BEGIN_DECLS

/*
 * TernConversationModel is implemented by tern-conversation-model.c (the list model, its
 * items and changes) and tern-conversation-scan.c (reading the ids of a folder or of a set
 * of messages, and grouping them into conversations). Main thread only.
 */

typedef struct
{
  gint64 thread;
  gint64 newest_id;   /* the newest message in the folder (of the set) */
  gint64 folder_id;   /* the folder of that message */
  gint64 date;        /* the newest message, Sent replies included */
  guint  first;       /* into members */
  guint  count;
  guint  unread;
} TernConversationGroup;

/* thread id -> value; keys are never 0 (thread ids start at 1, lone messages are -id). */
typedef struct
{
  gint64 *keys;
  guint  *values;
  guint   mask;
} TernIdMap;

void  _tern_idmap_init          (TernIdMap       *map,
                                 guint            n);
void  _tern_idmap_clear         (TernIdMap       *map);
guint _tern_idmap_lookup        (const TernIdMap *map,
                                 gint64           key);
/* Returns the value stored for key, storing value first if there was none. */
guint _tern_idmap_get_or_insert (TernIdMap       *map,
                                 gint64           key,
                                 guint            value);

/* One message as the grouping sees it. */
typedef struct
{
  gint64 id;
  gint64 thread;      /* its own: a Sent reply keeps it even when it is left out */
  gint64 date;
  gint64 folder_id;   /* where it is shown */
  guint8 seen;
  guint8 in_folder;   /* in the folder shown (not a Sent reply) */
} TernConversationRow;

/* The conversations, newest first, and their messages. */
typedef struct
{
  GArray    *groups;      /* TernConversationGroup */
  GArray    *members;     /* gint64: each conversation's messages, oldest first */
  GArray    *in_folder;   /* guint8, parallel to members */
  TernIdMap  index;       /* thread -> position in groups */
  GArray    *rows;        /* TernConversationRow, newest first: what was grouped, kept so
                           * that a change set is applied without reading the folder again */
} TernConversationScan;

void     _tern_conversation_scan_clear  (TernConversationScan  *scan);
/* Empty, ready to be filled or shown. */
void     _tern_conversation_scan_init   (TernConversationScan  *scan);
/* The messages shown in folder_id (none for 0), with the account's replies in sent_id (0:
 * none) in the conversations they answer. */
gboolean _tern_conversation_scan_folder (TernStore             *store,
                                         gint64                 folder_id,
                                         gint64                 sent_id,
                                         TernConversationScan  *scan,
                                         GError               **error);
/* Exactly the messages ids (search results, any folders), grouped. */
gboolean _tern_conversation_scan_ids    (TernStore             *store,
                                         GArray                *ids,
                                         TernConversationScan  *scan,
                                         GError               **error);

/* The rows of exactly these messages (shown ones: not hidden, not detached), in no order;
 * in_folder is 1. Appended to rows. */
gboolean _tern_conversation_scan_read_rows (TernStore           *store,
                                            GArray              *ids,
                                            GArray              *rows,
                                            GError             **error);
/* rows (newest first; taken) grouped again, in memory: with sent_filter, messages not in the
 * folder count only in conversations that have one in it. */
void     _tern_conversation_scan_group     (TernConversationScan *scan,
                                            GArray               *rows,
                                            gboolean              sent_filter);
/* The order of rows: newest first, then the higher id. */
int      _tern_conversation_row_compare    (gconstpointer         a,
                                            gconstpointer         b);

/* old (newest first) without the rows whose id is in drop (a gint64 set), with fresh (any
 * order; sorted here) merged in at their places. The threads of the rows dropped and added
 * are added to touched (a set of allocated gint64). (transfer full) */
GArray  *_tern_conversation_rows_merge     (GArray               *old,
                                            GHashTable           *drop,
                                            GArray               *fresh,
                                            GHashTable           *touched);
/* Adds thread (unless 0) to touched, a set of allocated gint64. */
void      _tern_conversation_touch          (GHashTable           *touched,
                                            gint64                thread);

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (TernConversationScan, _tern_conversation_scan_clear)

G_END_DECLS
