/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "tern-model"

#include "config.h"

#include "tern-model-private.h"

void
_tern_model_unref_item (gpointer item)
{
  if (item != NULL)
    g_object_unref (item);
}

char *
_tern_model_build_in_sql (const char *select,
                          guint       n)
{
  GString *sql = g_string_new (select);

  g_string_append (sql, " IN (");
  for (guint i = 0; i < n; i++)
    g_string_append (sql, i == 0 ? "?" : ",?");
  g_string_append (sql, ")");
  return g_string_free (sql, FALSE);
}

void
_tern_model_common_ends (const gint64 *old_keys,
                         guint         old_len,
                         const gint64 *new_keys,
                         guint         new_len,
                         guint        *prefix,
                         guint        *suffix)
{
  guint p = 0, s = 0;

  while (p < old_len && p < new_len && old_keys[p] == new_keys[p])
    p++;
  while (s < old_len - p && s < new_len - p &&
         old_keys[old_len - 1 - s] == new_keys[new_len - 1 - s])
    s++;
  *prefix = p;
  *suffix = s;
}

void
_tern_model_merge (guint                   n,
                   const guint            *lens,
                   TernModelMergeKeyFunc   key,
                   TernModelMergeTakeFunc  take,
                   gpointer                data)
{
  g_autofree guint *at = g_new0 (guint, MAX (n, 1));
  guint total = 0;

  for (guint i = 0; i < n; i++)
    total += lens[i];
  for (guint done = 0; done < total; done++)
    {
      int best = -1;
      gint64 best_date = 0, best_uid = 0;

      for (guint i = 0; i < n; i++)
        {
          gint64 date, uid;

          if (at[i] >= lens[i])
            continue;
          key (i, at[i], &date, &uid, data);
          if (best < 0 || date > best_date || (date == best_date && uid > best_uid))
            {
              best = (int) i;
              best_date = date;
              best_uid = uid;
            }
        }
      take ((guint) best, at[best]++, data);
    }
}

void
_tern_model_batch_range (guint  position,
                         guint  len,
                         guint  batch,
                         guint *first,
                         guint *last)
{
  *first = position > batch / 4 ? position - batch / 4 : 0;
  *last = MIN (len, *first + batch);
}

gpointer
_tern_model_get_item (gpointer              model,
                      GPtrArray            *items,
                      guint                 position,
                      guint                 batch,
                      TernModelNewItemFunc  new_item,
                      TernModelLoadFunc     load)
{
  gpointer *fresh = g_newa (gpointer, batch);
  guint n = 0, first, last;

  if (position >= items->len)
    return NULL;
  if (items->pdata[position] != NULL)
    return g_object_ref (items->pdata[position]);

  _tern_model_batch_range (position, items->len, batch, &first, &last);
  for (guint i = first; i < last; i++)
    {
      if (items->pdata[i] != NULL)
        continue;
      items->pdata[i] = new_item (model, i);
      fresh[n++] = items->pdata[i];
    }
  load (model, fresh, n);

  return g_object_ref (items->pdata[position]);
}

void
_tern_model_reload_held (gpointer           model,
                         GPtrArray         *items,
                         guint              batch,
                         TernModelItemFunc  dropped,
                         TernModelItemFunc  kept,
                         TernModelLoadFunc  load)
{
  gpointer *held = g_newa (gpointer, batch);
  guint n = 0;

  for (guint i = 0; i < items->len; i++)
    {
      gpointer item = items->pdata[i];

      if (item == NULL)
        continue;
      if (G_OBJECT (item)->ref_count == 1)
        {
          if (dropped != NULL)
            dropped (model, item);
          g_clear_object (&items->pdata[i]);
          continue;
        }
      if (kept != NULL)
        kept (model, item);
      held[n++] = item;
      if (n == batch)
        {
          load (model, held, n);
          n = 0;
        }
    }
  if (n > 0)
    load (model, held, n);
}

void
_tern_model_replace_rows (GListModel  *model,
                          GPtrArray  **items,
                          gboolean    *emptied,
                          guint        old_len,
                          guint        new_len,
                          GParamSpec  *n_items_pspec)
{
  g_ptr_array_unref (*items);
  *items = g_ptr_array_new_full (new_len, _tern_model_unref_item);
  g_ptr_array_set_size (*items, new_len);
  if (emptied == NULL)
    {
      if (old_len > 0 || new_len > 0)
        g_list_model_items_changed (model, 0, old_len, new_len);
    }
  else if (old_len > 0)
    {
      *emptied = TRUE;
      g_list_model_items_changed (model, 0, old_len, 0);
      *emptied = FALSE;
    }
  if (emptied != NULL && new_len > 0)
    g_list_model_items_changed (model, 0, 0, new_len);
  if (old_len != new_len)
    g_object_notify_by_pspec (G_OBJECT (model), n_items_pspec);
}

gboolean
_tern_model_set_str (gpointer     object,
                     char       **field,
                     const char  *value,
                     GParamSpec  *pspec)
{
  if (g_strcmp0 (*field, value) == 0)
    return FALSE;
  g_free (*field);
  *field = g_strdup (value);
  g_object_notify_by_pspec (G_OBJECT (object), pspec);
  return TRUE;
}
