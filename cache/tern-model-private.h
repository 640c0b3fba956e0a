/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/*
 * What the cache's lazy list models (tern-message-model.c, tern-conversation-model.c) and
 * their items share: a model keeps an array of row keys and, parallel to it, a GPtrArray of
 * items that are NULL until a row is asked for. Main thread only.
 */

/* A GDestroyNotify for the items array: rows not read yet are NULL. */
void  _tern_model_unref_item   (gpointer      item);

/* "select ... IN (?,?,...)" with n placeholders. (transfer full) */
char *_tern_model_build_in_sql (const char   *select,
                                guint         n) G_GNUC_WARN_UNUSED_RESULT;

/* How many keys old and new share at their start (prefix) and, after that, at their end
 * (suffix). */
void  _tern_model_common_ends  (const gint64 *old_keys,
                                guint         old_len,
                                const gint64 *new_keys,
                                guint         new_len,
                                guint        *prefix,
                                guint        *suffix);

/* The key of element index of list list, for _tern_model_merge(): its date and uid. */
typedef void (*TernModelMergeKeyFunc)  (guint     list,
                                        guint     index,
                                        gint64   *date,
                                        gint64   *uid,
                                        gpointer  data);
/* Takes element index of list list: the next in the merged order. */
typedef void (*TernModelMergeTakeFunc) (guint     list,
                                        guint     index,
                                        gpointer  data);

/* Merges n lists (lens[i] elements each), each newest first by (date, uid), in one pass as a
 * merge sort does: take is called for every element, newest first, at equal dates the higher
 * uid, then the list given first. */
void  _tern_model_merge        (guint                   n,
                                const guint            *lens,
                                TernModelMergeKeyFunc   key,
                                TernModelMergeTakeFunc  take,
                                gpointer                data);

/* The rows a batch read around position fills: mostly ahead of it, as lists scroll down more
 * than up; [first, last) within len. */
void  _tern_model_batch_range  (guint         position,
                                guint         len,
                                guint         batch,
                                guint        *first,
                                guint        *last);

/* Creates the item of the row at position, not read yet. */
typedef gpointer (*TernModelNewItemFunc) (gpointer   model,
                                          guint      position);
/* Reads n items (at most the model's batch) in one go. */
typedef void     (*TernModelLoadFunc)    (gpointer   model,
                                          gpointer  *batch,
                                          guint      n);
/* Called for one item. */
typedef void     (*TernModelItemFunc)    (gpointer   model,
                                          gpointer   item);

/* GListModel.get_item(): the item at position (transfer full), or NULL past the end. A row
 * not read yet is read with the rows around it that are not (_tern_model_batch_range()), in
 * one call of load. */
gpointer _tern_model_get_item     (gpointer              model,
                                   GPtrArray            *items,
                                   guint                 position,
                                   guint                 batch,
                                   TernModelNewItemFunc  new_item,
                                   TernModelLoadFunc     load);

/* After the rows changed: items only the model holds are dropped (dropped, may be NULL, is
 * called first); those somebody holds (a row on screen, the message view) are passed to kept
 * (may be NULL), then re-read through load, batch at a time. */
void     _tern_model_reload_held  (gpointer              model,
                                   GPtrArray            *items,
                                   guint                 batch,
                                   TernModelItemFunc     dropped,
                                   TernModelItemFunc     kept,
                                   TernModelLoadFunc     load);

/* Every row is new: *items becomes new_len NULLs; old_len rows are removed, then new_len
 * added, in two items-changed (the model's get_n_items() answers 0 while *emptied is
 * TRUE; emptied NULL: one items-changed); n_items_pspec is notified when the count
 * changes. In one signal, GTK 4.8's list view asks for every new row (all 100,000 of a
 * folder) looking for the widgets of the old ones to reuse. */
void  _tern_model_replace_rows (GListModel   *model,
                                GPtrArray   **items,
                                gboolean     *emptied,
                                guint         old_len,
                                guint         new_len,
                                GParamSpec   *n_items_pspec);

/* Items. */

/* Sets *field to a copy of value and notifies pspec on object, if they differ. Returns
 * whether they did. */
gboolean _tern_model_set_str   (gpointer      object,
                                char        **field,
                                const char   *value,
                                GParamSpec   *pspec);

/* Sets object->field to value and notifies pspec, if they differ. */
#define _TERN_MODEL_SET_FIELD(object, field, value, pspec) \
  G_STMT_START { \
    if ((object)->field != (value)) \
      { \
        (object)->field = (value); \
        g_object_notify_by_pspec (G_OBJECT (object), (pspec)); \
      } \
  } G_STMT_END

G_END_DECLS
