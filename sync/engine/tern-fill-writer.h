/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "tern-store.h"

G_BEGIN_DECLS

/*
 * A first sync is CPU-bound on the client: parsing FETCH responses on one side, SQLite
 * inserts on the other. The fill writer moves the inserts to a thread of their own, with
 * its own connection to the cache, so that both run at once on two cores.
 *
 * Messages are pushed in the order they were parsed; end_chunk() marks a batch: the writer
 * commits it together with the folder's new fill_low, exactly as the single-threaded path
 * does, so a killed process still resumes at the last committed batch. At most two batches
 * are in flight; end_chunk() waits for older ones. Used from one thread (the account's).
 */
typedef struct _TernFillWriter TernFillWriter;

TernFillWriter *_tern_fill_writer_new       (const char        *db_path,
                                             const TernFolder  *folder,
                                             GError           **error);
/* Takes ownership of message. */
void            _tern_fill_writer_push      (TernFillWriter    *self,
                                             TernMessage       *message);
gboolean        _tern_fill_writer_end_chunk (TernFillWriter    *self,
                                             guint32            fill_low,
                                             GError           **error);
/* Stops the writer; a batch without end_chunk() is rolled back. Frees self. */
gboolean        _tern_fill_writer_finish    (TernFillWriter    *self,
                                             GError           **error);

G_END_DECLS
