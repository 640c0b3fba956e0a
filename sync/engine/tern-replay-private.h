/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "tern-journal.h"
#include "tern-sync-private.h"

G_BEGIN_DECLS

/* Shared by tern-replay.c and tern-replay-transfer.c. Owner thread only. */

/* Where the message is on the server now: its row's (folder_id, uid). */
typedef struct
{
  TernFolder  *folder;
  TernMessage *message;
} Location;

void         _tern_replay_location_clear     (Location     *loc);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Location, _tern_replay_location_clear)

/* How a failed action is kept (tern_failure_classify() decides): TERN_ACTION_RETRY (it
 * stays queued and the replay stops: retry now or later, or the account needs the user),
 * TERN_ACTION_PERMANENT (given up: the message is gone, TERN_SYNC_ERROR_GONE) or
 * TERN_ACTION_USER (given up and shown: the server refused it, or it depends on an earlier
 * action that failed). */
const char  *_tern_replay_classify           (const GError *error);
/* "4 7 9" (a journal note) to UIDs and back. */
GArray      *_tern_replay_parse_uid_list     (const char   *text);
char        *_tern_replay_uid_list_string    (GArray       *uids);
gboolean     _tern_replay_locate             (TernSync     *self,
                                              gint64        message_id,
                                              gboolean      need_uid,
                                              Location     *loc,
                                              GError      **error);
/* The folder of a queued action on the server, or PERMANENT (not on the server). */
TernFolder  *_tern_replay_server_folder      (TernSync     *self,
                                              gint64        folder_id,
                                              GError      **error);
/* SELECT for an action on UIDs, following a rename or a UIDVALIDITY change. */
gboolean     _tern_replay_select_for_uids    (TernSync     *self,
                                              TernFolder  **folder,
                                              GError      **error);
/* The message's current server state, or TERN_SYNC_ERROR_GONE. */
gboolean     _tern_replay_fetch_one          (TernSync     *self,
                                              guint32       uid,
                                              Collected    *out,
                                              GError      **error);
gboolean     _tern_replay_finish             (TernSync     *self,
                                              TernAction   *a,
                                              GError      **error);
/* floor: hits below it are older too (0: none); from a note "<N" (_tern_replay_note_floor()). */
guint32      _tern_replay_find_by_message_id (TernSync     *self,
                                              TernFolder   *target,
                                              const char   *message_id,
                                              GArray       *before,
                                              guint32       floor,
                                              GError      **error);
guint32      _tern_replay_note_floor         (const char   *note);
GArray      *_tern_replay_message_id_hits    (TernSync     *self,
                                              TernFolder   *target,
                                              const char   *message_id,
                                              GError      **error);
gboolean     _tern_replay_settle             (TernSync     *self,
                                              TernAction   *a,
                                              gint64        message_id,
                                              gint64        folder_id,
                                              guint32       uid,
                                              GError      **error);

/* tern-replay-transfer.c */
gboolean     _tern_replay_move               (TernSync     *self,
                                              TernAction   *a,
                                              GError      **error);
gboolean     _tern_replay_copy               (TernSync     *self,
                                              TernAction   *a,
                                              GError      **error);
gboolean     _tern_replay_expunge            (TernSync     *self,
                                              TernAction   *a,
                                              GError      **error);
gboolean     _tern_replay_expunge_uids       (TernSync     *self,
                                              TernAction   *a,
                                              GError      **error);
gboolean     _tern_replay_append             (TernSync     *self,
                                              TernAction   *a,
                                              GError      **error);

/* \Deleted + expunge of exactly these UIDs in the selected folder. */
gboolean     _tern_replay_expunge_set        (TernSync     *self,
                                              const char   *set,
                                              GError      **error);
/* flags (cache text) without what a copy never carries. (transfer full) */
char        *_tern_replay_copyable_flags     (const char   *flags);
gboolean     _tern_replay_has_every_flag     (const char   *have,
                                              const char   *wanted);

/* tern-replay-batch.c */
guint        _tern_replay_batch_limit        (void);
/* The batch that starts at window[start]: it and the later actions that commute with what
 * lies between (marked in taken). (transfer container) */
GPtrArray   *_tern_replay_collect_batch      (TernSync     *self,
                                              GPtrArray    *window,
                                              guint         start,
                                              gboolean     *taken,
                                              guint         limit);
/* Sends a batch of more than one action. FALSE: the batch failed as a whole (the caller
 * retries later, or replays each action on its own); left[i]: action i is for the
 * one-action path. */
gboolean     _tern_replay_batch              (TernSync     *self,
                                              GPtrArray    *batch,
                                              gboolean     *left,
                                              GError      **error);

/* tern-sync-acl.c: SETACL / DELETEACL of a queued share. */
gboolean _tern_replay_share (TernSync    *self,
                             TernAction  *a,
                             GError     **error);

G_END_DECLS
