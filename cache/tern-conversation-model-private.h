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

/* The conversations, newest first, and their messages. */
typedef struct
{
  GArray    *groups;      /* TernConversationGroup */
  GArray    *members;     /* gint64: each conversation's messages, oldest first */
  GArray    *in_folder;   /* guint8, parallel to members */
  TernIdMap  index;       /* thread -> position in groups */
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

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (TernConversationScan, _tern_conversation_scan_clear)

G_END_DECLS
