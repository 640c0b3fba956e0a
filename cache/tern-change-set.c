/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "tern-cache"

#include "config.h"

#include "tern-change-set.h"

G_DEFINE_BOXED_TYPE (TernChangeSet, tern_change_set, tern_change_set_ref, tern_change_set_unref)

TernChangeSet *
tern_change_set_new (gint64 account_id,
                     gint64 folder_id)
{
  TernChangeSet *self = g_new0 (TernChangeSet, 1);

  self->ref_count = 1;
  self->account_id = account_id;
  self->folder_id = folder_id;
  self->added = g_array_new (FALSE, FALSE, sizeof (gint64));
  self->removed = g_array_new (FALSE, FALSE, sizeof (gint64));
  self->changed = g_array_new (FALSE, FALSE, sizeof (gint64));
  return self;
}

TernChangeSet *
tern_change_set_ref (TernChangeSet *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  g_atomic_int_inc (&self->ref_count);
  return self;
}

void
tern_change_set_unref (TernChangeSet *self)
{
  g_return_if_fail (self != NULL);

  if (!g_atomic_int_dec_and_test (&self->ref_count))
    return;
  g_array_unref (self->added);
  g_array_unref (self->removed);
  g_array_unref (self->changed);
  g_free (self);
}

gboolean
tern_change_set_contains (GArray *ids,
                          gint64  message_id)
{
  for (guint i = 0; i < ids->len; i++)
    if (g_array_index (ids, gint64, i) == message_id)
      return TRUE;
  return FALSE;
}

static void
drop (GArray *ids,
      gint64  message_id)
{
  for (guint i = 0; i < ids->len; i++)
    if (g_array_index (ids, gint64, i) == message_id)
      {
        g_array_remove_index (ids, i);
        return;
      }
}

/* A message that comes and goes within one set is the last thing that happened to it. */
void
tern_change_set_add (TernChangeSet *self,
                     gint64         message_id)
{
  g_return_if_fail (self != NULL);

  if (tern_change_set_contains (self->removed, message_id))
    {
      drop (self->removed, message_id);
      tern_change_set_change (self, message_id);
      return;
    }
  drop (self->changed, message_id);
  if (!tern_change_set_contains (self->added, message_id))
    g_array_append_val (self->added, message_id);
  self->counts_changed = TRUE;
}

void
tern_change_set_remove (TernChangeSet *self,
                        gint64         message_id)
{
  g_return_if_fail (self != NULL);

  drop (self->changed, message_id);
  if (tern_change_set_contains (self->added, message_id))
    drop (self->added, message_id);
  else if (!tern_change_set_contains (self->removed, message_id))
    g_array_append_val (self->removed, message_id);
  self->counts_changed = TRUE;
}

void
tern_change_set_change (TernChangeSet *self,
                        gint64         message_id)
{
  g_return_if_fail (self != NULL);

  if (tern_change_set_contains (self->added, message_id) ||
      tern_change_set_contains (self->changed, message_id))
    return;
  g_array_append_val (self->changed, message_id);
  self->counts_changed = TRUE;
}

gboolean
tern_change_set_is_empty (const TernChangeSet *self)
{
  return self->added->len == 0 && self->removed->len == 0 && self->changed->len == 0 &&
         !self->folders_changed && !self->counts_changed && !self->reload;
}

struct _TernChangeSets
{
  GPtrArray *sets;
};

TernChangeSets *
tern_change_sets_new (void)
{
  TernChangeSets *self = g_new0 (TernChangeSets, 1);

  self->sets = g_ptr_array_new_with_free_func ((GDestroyNotify) tern_change_set_unref);
  return self;
}

void
tern_change_sets_free (TernChangeSets *self)
{
  if (self == NULL)
    return;
  g_ptr_array_unref (self->sets);
  g_free (self);
}

TernChangeSet *
tern_change_sets_get (TernChangeSets *self,
                      gint64          account_id,
                      gint64          folder_id)
{
  TernChangeSet *set;

  for (guint i = 0; i < self->sets->len; i++)
    {
      set = self->sets->pdata[i];
      if (set->account_id == account_id && set->folder_id == folder_id)
        return set;
    }
  set = tern_change_set_new (account_id, folder_id);
  g_ptr_array_add (self->sets, set);
  return set;
}

GPtrArray *
tern_change_sets_steal (TernChangeSets *self)
{
  GPtrArray *out = g_ptr_array_new_with_free_func ((GDestroyNotify) tern_change_set_unref);

  for (guint i = 0; i < self->sets->len; i++)
    if (!tern_change_set_is_empty (self->sets->pdata[i]))
      g_ptr_array_add (out, tern_change_set_ref (self->sets->pdata[i]));
  g_ptr_array_set_size (self->sets, 0);
  return out;
}
