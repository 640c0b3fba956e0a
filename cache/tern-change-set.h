/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/*
 * TernChangeSet: what changed in one folder, by local message id. The mail service emits
 * one per folder a user action touched, and the account workers one per folder for what
 * they brought from the server (new mail, a flag change, an expunge). The list models
 * apply it to the rows it names and to nothing else.
 *
 * folder_id 0 means "the folder list itself" (a folder was created, renamed, deleted,
 * (un)subscribed, or the server's list changed): folders_changed is TRUE then.
 *
 * Immutable once emitted; reference counted (a boxed type), any thread.
 */

typedef struct
{
  gint64    account_id;
  gint64    folder_id;
  GArray   *added;            /* gint64: shown in the folder now */
  GArray   *removed;          /* gint64: no longer shown in the folder */
  GArray   *changed;          /* gint64: still there, flags or envelope changed */
  gboolean  folders_changed;  /* folders were added, removed or renamed */
  gboolean  counts_changed;   /* the folder's total or unread count may have changed */
  gboolean  reload;           /* too much to name (a UIDVALIDITY change, a failed action
                               * undone): whoever shows the folder (every folder of the
                               * account if folder_id is 0) re-reads it */
  /*< private >*/
  gint      ref_count;
} TernChangeSet;

#define TERN_TYPE_CHANGE_SET (tern_change_set_get_type ())

GType          tern_change_set_get_type   (void) G_GNUC_CONST;
TernChangeSet *tern_change_set_new        (gint64               account_id,
                                           gint64               folder_id);
TernChangeSet *tern_change_set_ref        (TernChangeSet       *self);
void           tern_change_set_unref      (TernChangeSet       *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TernChangeSet, tern_change_set_unref)

void           tern_change_set_add        (TernChangeSet       *self,
                                           gint64               message_id);
void           tern_change_set_remove     (TernChangeSet       *self,
                                           gint64               message_id);
void           tern_change_set_change     (TernChangeSet       *self,
                                           gint64               message_id);
/* Nothing in it. */
gboolean       tern_change_set_is_empty   (const TernChangeSet *self);
gboolean       tern_change_set_contains   (GArray              *ids,
                                           gint64               message_id);

/* Change sets of several folders, built up while one action or one sync step runs. */
typedef struct _TernChangeSets TernChangeSets;

TernChangeSets *tern_change_sets_new      (void);
void            tern_change_sets_free     (TernChangeSets      *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TernChangeSets, tern_change_sets_free)
/* The set of this folder (made on first use; borrowed). */
TernChangeSet  *tern_change_sets_get      (TernChangeSets      *self,
                                           gint64               account_id,
                                           gint64               folder_id);
/* The non-empty sets, in the order their folders were first named; empties self.
 * (transfer full: a GPtrArray of TernChangeSet) */
GPtrArray      *tern_change_sets_steal    (TernChangeSets      *self) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS
