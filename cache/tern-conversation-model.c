/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "tern-conversation-model"

#include "config.h"

#include <string.h>

#include "tern-conversation-model.h"
#include "tern-conversation-model-private.h"
#include "tern-model-private.h"
#include "tern-store-private.h"

/*
 * The conversations of a folder (or of search results), read by tern-conversation-scan.c;
 * subjects and participants are read in batches as rows are asked for.
 */

#define BATCH        32   /* conversations read at once */
#define ID_BATCH     64   /* message ids in one query */
#define MAX_SHOWN    4    /* participants named */
#define MAX_CHANGES  32   /* items-changed signals a refresh may emit before one wide one */

struct _TernConversationModel
{
  GObject     parent_instance;

  /* Owned. */
  GArray     *groups;      /* TernConversationGroup: the conversations, newest first */
  GArray     *members;     /* gint64: each conversation's messages, oldest first */
  GArray     *in_folder;   /* guint8, parallel to members */
  TernIdMap   index;       /* thread -> position in groups */
  GArray     *rows;        /* TernConversationRow: what was grouped, newest first */
  GArray     *keys;        /* gint64: the threads the list shows (== groups but mid-refresh) */
  GPtrArray  *items;       /* TernConversationItem or NULL, parallel to keys */
  GPtrArray  *children;    /* TernMessageModel of expanded conversations (weak) */

  /* Borrowed. */
  TernStore  *store;

  gint64      folder_id;
  gint64      sent_id;     /* the account's Sent, 0 when none or when showing it */
  GArray     *ids;         /* gint64: the messages shown (search results), or NULL: a folder's */
  guint       n_loaded;
  guint       n_scans;     /* how many times the ids were read */
  gboolean    emptied;     /* between the two signals of _tern_model_replace_rows() */
};

static void list_model_iface_init (GListModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (TernConversationModel, tern_conversation_model, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL, list_model_iface_init))

enum {
  PROP_0,
  PROP_FOLDER_ID,
  PROP_N_ITEMS,
  N_PROPS
};

static GParamSpec *properties [N_PROPS];
static char *envelope_sql;

static void
build_envelope_sql (void)
{
  if (envelope_sql != NULL)
    return;
  /* Kept for the life of the process: the store caches statements by SQL pointer. */
  envelope_sql = _tern_model_build_in_sql ("SELECT m.id, m.subject, m.from_name, m.from_addr, "
                                           "m.flagged, "
                                           "EXISTS (SELECT 1 FROM part p WHERE p.message = m.id "
                                           "AND p.disposition = 'attachment' COLLATE NOCASE) "
                                           "FROM message m WHERE m.id",
                                           ID_BATCH);
}

static const TernConversationGroup *
group_of (TernConversationModel *self,
          gint64                 thread)
{
  guint pos = _tern_idmap_lookup (&self->index, thread);

  return pos == G_MAXUINT ? NULL : &g_array_index (self->groups, TernConversationGroup, pos);
}

/* Reading the ids. */

static gboolean
read_ids (TernConversationModel  *self,
          TernConversationScan   *into,
          GError                **error)
{
  self->n_scans++;
  if (self->ids != NULL)
    return _tern_conversation_scan_ids (self->store, self->ids, into, error);
  return _tern_conversation_scan_folder (self->store, self->folder_id, self->sent_id, into, error);
}

/* Envelopes: subject of the first message, who wrote, any flagged, any attachment. */

typedef struct
{
  char    *subject;
  char    *sender;
  gboolean flagged;
  gboolean attachment;
  gboolean seen;      /* a row came back */
} Envelope;

static void
load_envelopes (TernConversationModel  *self,
                TernConversationItem  **batch,
                guint                   n)
{
  g_autoptr(GArray) ids = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autofree Envelope *envelopes = NULL;
  TernIdMap where = { 0 };
  guint starts[BATCH + 1];

  g_assert (n <= BATCH);

  for (guint i = 0; i < n; i++)
    {
      const TernConversationGroup *group = group_of (self, tern_conversation_item_get_thread_id (batch[i]));

      starts[i] = ids->len;
      if (group != NULL)
        g_array_append_vals (ids, &g_array_index (self->members, gint64, group->first), group->count);
    }
  starts[n] = ids->len;

  envelopes = g_new0 (Envelope, MAX (ids->len, 1));
  _tern_idmap_init (&where, ids->len);
  for (guint i = 0; i < ids->len; i++)
    _tern_idmap_get_or_insert (&where, g_array_index (ids, gint64, i), i);

  for (guint done = 0; done < ids->len; done += ID_BATCH)
    {
      g_autoptr(GError) error = NULL;
      sqlite3_stmt *stmt = _tern_store_prepare (self->store, envelope_sql, &error);

      if (stmt == NULL)
        {
          g_debug ("Cannot read conversations: %s", error->message);
          break;
        }
      for (guint i = 0; i < ID_BATCH && done + i < ids->len; i++)
        sqlite3_bind_int64 (stmt, (int) i + 1, g_array_index (ids, gint64, done + i));
      while (sqlite3_step (stmt) == SQLITE_ROW)
        {
          guint at = _tern_idmap_lookup (&where, sqlite3_column_int64 (stmt, 0));
          const char *name = (const char *) sqlite3_column_text (stmt, 2);
          Envelope *e;

          if (at == G_MAXUINT)
            continue;
          e = &envelopes[at];
          e->seen = TRUE;
          e->subject = g_strdup ((const char *) sqlite3_column_text (stmt, 1));
          e->sender = g_strdup (name != NULL && *name != '\0'
                                ? name : (const char *) sqlite3_column_text (stmt, 3));
          e->flagged = sqlite3_column_int (stmt, 4) != 0;
          e->attachment = sqlite3_column_int (stmt, 5) != 0;
        }
      sqlite3_reset (stmt);
      sqlite3_clear_bindings (stmt);
    }
  _tern_idmap_clear (&where);

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(GString) people = g_string_new (NULL);
      g_autoptr(GPtrArray) named = g_ptr_array_new ();
      const char *subject = NULL;
      gboolean flagged = FALSE, attachment = FALSE, more = FALSE;

      for (guint j = starts[i]; j < starts[i + 1]; j++)
        {
          const Envelope *e = &envelopes[j];
          gboolean known = FALSE;

          if (!e->seen)
            continue;
          if (subject == NULL)
            subject = e->subject;
          flagged |= e->flagged;
          attachment |= e->attachment;
          if (e->sender == NULL)
            continue;
          for (guint k = 0; k < named->len && !known; k++)
            known = g_str_equal (named->pdata[k], e->sender);
          if (known)
            continue;
          if (named->len == MAX_SHOWN)
            {
              more = TRUE;
              continue;
            }
          g_ptr_array_add (named, e->sender);
          g_string_append_printf (people, "%s%s", people->len > 0 ? ", " : "", e->sender);
        }
      if (more)
        g_string_append (people, ", …");
      if (!tern_conversation_item_get_loaded (batch[i]))
        self->n_loaded++;
      _tern_conversation_item_set_envelope (batch[i], subject, people->str, flagged, attachment);
    }

  for (guint i = 0; i < ids->len; i++)
    {
      g_free (envelopes[i].subject);
      g_free (envelopes[i].sender);
    }
}

static void
set_counts (TernConversationModel *self,
            TernConversationItem  *item)
{
  const TernConversationGroup *group = group_of (self, tern_conversation_item_get_thread_id (item));

  if (group != NULL)
    {
      _tern_conversation_item_set_counts (item, group->newest_id, group->date, group->count,
                                          group->unread);
      _tern_conversation_item_set_folder_id (item, group->folder_id);
    }
}

static void
load_cb (gpointer  model,
         gpointer *batch,
         guint     n)
{
  load_envelopes (model, (TernConversationItem **) batch, n);
}

static gpointer
new_item_cb (gpointer model,
             guint    position)
{
  TernConversationModel *self = model;
  TernConversationItem *item = tern_conversation_item_new (g_array_index (self->keys, gint64,
                                                                          position));

  set_counts (self, item);
  return item;
}

static void
kept_cb (gpointer model,
         gpointer item)
{
  TernConversationModel *self = model;

  set_counts (self, item);
  if (tern_conversation_item_get_loaded (item))
    self->n_loaded++;
}

/* Changes. */

static void
emit_insert (TernConversationModel *self,
             guint                  position,
             const gint64          *keys,
             guint                  n,
             GHashTable            *spare)
{
  g_array_insert_vals (self->keys, position, keys, n);
  for (guint i = 0; i < n; i++)
    {
      TernConversationItem *item = NULL;
      gpointer key = NULL;

      if (g_hash_table_steal_extended (spare, &keys[i], &key, (gpointer *) &item))
        set_counts (self, item);
      g_ptr_array_insert (self->items, (int) (position + i), item);
    }
  g_list_model_items_changed (G_LIST_MODEL (self), position, 0, n);
}

/* The longest run of old rows that keep their order (LIS of their new positions): those stay;
 * every other row is removed and the new ones inserted. stay[i] says old row i stays. */
static void
longest_kept (const guint *new_pos,
              guint        n,
              gboolean    *stay)
{
  g_autofree guint *tail = g_new (guint, n + 1);   /* index of the smallest tail of each length */
  g_autofree guint *prev = g_new (guint, n);
  guint len = 0;

  for (guint i = 0; i < n; i++)
    {
      guint lo = 0, hi = len;

      stay[i] = FALSE;
      if (new_pos[i] == G_MAXUINT)
        continue;
      while (lo < hi)
        {
          guint mid = (lo + hi) / 2;

          if (new_pos[tail[mid]] < new_pos[i])
            lo = mid + 1;
          else
            hi = mid;
        }
      prev[i] = lo > 0 ? tail[lo - 1] : G_MAXUINT;
      tail[lo] = i;
      if (lo == len)
        len++;
    }
  for (guint i = len > 0 ? tail[len - 1] : G_MAXUINT; i != G_MAXUINT; i = prev[i])
    stay[i] = TRUE;
}

/* After a change set: items of the conversations it touched are read again (or dropped when
 * nobody holds them); the others only take their new counts, from memory. */
static void
reload_touched (TernConversationModel *self,
                GHashTable            *touched)
{
  TernConversationItem *held[BATCH];
  guint n = 0;

  self->n_loaded = 0;
  for (guint i = 0; i < self->items->len; i++)
    {
      TernConversationItem *item = self->items->pdata[i];
      gint64 thread;

      if (item == NULL)
        continue;
      thread = tern_conversation_item_get_thread_id (item);
      if (!g_hash_table_contains (touched, &thread))
        {
          kept_cb (self, item);
          continue;
        }
      if (G_OBJECT (item)->ref_count == 1)
        {
          g_clear_object (&self->items->pdata[i]);
          continue;
        }
      kept_cb (self, item);
      held[n++] = item;
      if (n == BATCH)
        {
          load_envelopes (self, held, n);
          n = 0;
        }
    }
  if (n > 0)
    load_envelopes (self, held, n);
}

/* Items in place: new counts; those on screen re-read, the others dropped; expanded
 * conversations follow. touched: the threads a change named, or NULL: any. */
static void
refresh_items (TernConversationModel *self,
               GHashTable            *touched)
{
  if (touched != NULL)
    reload_touched (self, touched);
  else
    {
      self->n_loaded = 0;
      _tern_model_reload_held (self, self->items, BATCH, NULL, kept_cb, load_cb);
    }

  for (guint i = 0; i < self->children->len; i++)
    {
      TernMessageModel *child = self->children->pdata[i];
      gint64 *thread = g_object_get_data (G_OBJECT (child), "tern-thread-id");
      g_autoptr(GArray) ids = NULL;

      if (touched != NULL && !g_hash_table_contains (touched, thread))
        continue;
      ids = tern_conversation_model_dup_message_ids (self, *thread, FALSE);

      tern_message_model_set_ids (child, ids);
    }
}

/* A change of flags alone (read, star, tags: the rows named keep their thread, date and
 * folder) moves no conversation: the unread counts of theirs are set in place and their items
 * re-read, without grouping the whole folder again (~35 ms at 100,000 messages). FALSE,
 * with nothing changed, when the change is more than that. */
static gboolean
apply_flags_only (TernConversationModel *self,
                  GArray                *fresh,
                  GHashTable            *touched)
{
  g_autoptr(GHashTable) by_id = g_hash_table_new (g_int64_hash, g_int64_equal);
  g_autofree guint *at = g_new (guint, MAX (fresh->len, 1));
  guint found = 0;

  if (self->rows == NULL)
    return FALSE;
  for (guint i = 0; i < fresh->len; i++)
    g_hash_table_insert (by_id, &g_array_index (fresh, TernConversationRow, i).id, GUINT_TO_POINTER (i + 1));
  for (guint r = 0; r < self->rows->len && found < fresh->len; r++)
    {
      const TernConversationRow *row = &g_array_index (self->rows, TernConversationRow, r);
      guint i = GPOINTER_TO_UINT (g_hash_table_lookup (by_id, &row->id));
      const TernConversationRow *now;

      if (i-- == 0)
        continue;
      now = &g_array_index (fresh, TernConversationRow, i);
      if (now->thread != row->thread || now->date != row->date || now->folder_id != row->folder_id ||
          now->in_folder != row->in_folder)
        return FALSE;
      at[i] = r;
      found++;
    }
  if (found != fresh->len)
    return FALSE;

  for (guint i = 0; i < fresh->len; i++)
    {
      const TernConversationRow *now = &g_array_index (fresh, TernConversationRow, i);
      TernConversationRow *row = &g_array_index (self->rows, TernConversationRow, at[i]);
      guint pos = row->thread != 0 ? _tern_idmap_lookup (&self->index, row->thread) : G_MAXUINT;

      if (pos != G_MAXUINT && row->seen != now->seen)
        {
          TernConversationGroup *group = &g_array_index (self->groups, TernConversationGroup, pos);

          /* A Sent reply left out of the grouping is no member and counts for nothing. */
          for (guint m = group->first; m < group->first + group->count; m++)
            if (g_array_index (self->members, gint64, m) == row->id)
              {
                group->unread = now->seen ? group->unread - MIN (group->unread, 1) : group->unread + 1;
                break;
              }
        }
      row->seen = now->seen;
      _tern_conversation_touch (touched, row->thread);
    }
  refresh_items (self, touched);
  return TRUE;
}

/* touched: the threads a change set named (gint64 set), or NULL: any may have changed. */
static void
apply_scan (TernConversationModel *self,
            TernConversationScan  *scan,
            GHashTable            *touched)
{
  g_autoptr(GArray) new_keys = NULL;
  g_autoptr(GArray) old_keys = NULL;
  g_autoptr(GHashTable) spare = NULL;
  g_autofree guint *new_pos = NULL;
  g_autofree gboolean *stay = NULL;
  g_autofree gboolean *new_stay = NULL;
  guint old_len = self->keys->len, new_len = scan->groups->len;
  guint prefix, suffix, old_mid, new_mid, runs = 0;
  gboolean wide;

  /* The new state first: items are looked up by thread from here on. */
  g_array_unref (self->groups);
  self->groups = g_steal_pointer (&scan->groups);
  g_array_unref (self->members);
  self->members = g_steal_pointer (&scan->members);
  g_array_unref (self->in_folder);
  self->in_folder = g_steal_pointer (&scan->in_folder);
  g_clear_pointer (&self->rows, g_array_unref);
  self->rows = g_steal_pointer (&scan->rows);
  _tern_idmap_clear (&self->index);
  self->index = scan->index;
  memset (&scan->index, 0, sizeof scan->index);

  new_keys = g_array_sized_new (FALSE, FALSE, sizeof (gint64), new_len);
  for (guint i = 0; i < new_len; i++)
    g_array_append_val (new_keys, g_array_index (self->groups, TernConversationGroup, i).thread);

  _tern_model_common_ends ((const gint64 *) (gpointer) self->keys->data, old_len,
                           (const gint64 *) (gpointer) new_keys->data, new_len, &prefix, &suffix);
  old_mid = old_len - prefix - suffix;
  new_mid = new_len - prefix - suffix;

  /* Where each old row of the changed span is now, and which of them keep their order. */
  new_pos = g_new (guint, MAX (old_mid, 1));
  stay = g_new (gboolean, MAX (old_mid, 1));
  for (guint i = 0; i < old_mid; i++)
    {
      guint pos = _tern_idmap_lookup (&self->index, g_array_index (self->keys, gint64, prefix + i));

      new_pos[i] = pos != G_MAXUINT && pos >= prefix && pos < prefix + new_mid ? pos : G_MAXUINT;
    }
  longest_kept (new_pos, old_mid, stay);
  new_stay = g_new0 (gboolean, MAX (new_mid, 1));
  for (guint i = 0; i < old_mid; i++)
    {
      if (stay[i])
        new_stay[new_pos[i] - prefix] = TRUE;
      else if (i == 0 || stay[i - 1])
        runs++;
    }
  for (guint j = 0; j < new_mid; j++)
    if (!new_stay[j] && (j == 0 || new_stay[j - 1]))
      runs++;
  wide = runs > MAX_CHANGES;

  /* Rows removed and not inserted again drop their items at the end. */
  spare = g_hash_table_new_full (g_int64_hash, g_int64_equal, NULL, g_object_unref);
  /* Spare items' keys point into the old keys: keep a copy alive for the whole refresh. */
  old_keys = g_array_ref (self->keys);
  self->keys = g_array_sized_new (FALSE, FALSE, sizeof (gint64), MAX (old_len, new_len));
  g_array_append_vals (self->keys, old_keys->data, old_keys->len);
  if (wide)
    {
      for (guint i = prefix; i < prefix + old_mid; i++)
        if (self->items->pdata[i] != NULL)
          g_hash_table_insert (spare, &g_array_index (old_keys, gint64, i),
                               g_steal_pointer (&self->items->pdata[i]));
      g_ptr_array_remove_range (self->items, prefix, old_mid);
      g_array_remove_range (self->keys, prefix, old_mid);
      g_array_insert_vals (self->keys, prefix, &g_array_index (new_keys, gint64, prefix), new_mid);
      for (guint i = 0; i < new_mid; i++)
        {
          TernConversationItem *item = NULL;
          gpointer key = NULL;

          if (g_hash_table_steal_extended (spare, &g_array_index (new_keys, gint64, prefix + i),
                                           &key, (gpointer *) &item))
            set_counts (self, item);
          g_ptr_array_insert (self->items, (int) (prefix + i), item);
        }
      if (old_mid > 0 || new_mid > 0)
        g_list_model_items_changed (G_LIST_MODEL (self), prefix, old_mid, new_mid);
    }
  else
    {
      /* Removals bottom up, so the positions above stay right... */
      for (guint i = old_mid; i > 0;)
        {
          guint end = i, start;

          if (stay[i - 1])
            {
              i--;
              continue;
            }
          while (i > 0 && !stay[i - 1])
            i--;
          start = i;
          for (guint j = start; j < end; j++)
            if (self->items->pdata[prefix + j] != NULL)
              g_hash_table_insert (spare, &g_array_index (old_keys, gint64, prefix + j),
                                   g_steal_pointer (&self->items->pdata[prefix + j]));
          g_ptr_array_remove_range (self->items, prefix + start, end - start);
          g_array_remove_range (self->keys, prefix + start, end - start);
          g_list_model_items_changed (G_LIST_MODEL (self), prefix + start, end - start, 0);
        }
      /* ... then insertions top down, each at its final place. */
      for (guint j = 0; j < new_mid;)
        {
          guint k = j;

          if (new_stay[j])
            {
              j++;
              continue;
            }
          while (k < new_mid && !new_stay[k])
            k++;
          emit_insert (self, prefix + j, &g_array_index (new_keys, gint64, prefix + j), k - j, spare);
          j = k;
        }
    }
  g_assert (self->keys->len == new_len);
  g_assert (new_len == 0 || memcmp (self->keys->data, new_keys->data, new_len * sizeof (gint64)) == 0);

  if (old_len != new_len)
    g_object_notify_by_pspec (G_OBJECT (self), properties [PROP_N_ITEMS]);

  refresh_items (self, touched);
}

/* The account's Sent folder, when it is not the folder shown. */
static gint64
find_sent (TernConversationModel *self)
{
  sqlite3_stmt *stmt = _tern_store_prepare (self->store,
                                            "SELECT s.id FROM folder f JOIN folder s ON "
                                            "s.account_id = f.account_id AND s.special_use = '\\Sent' "
                                            "WHERE f.id = ?1 AND s.id <> ?1 ORDER BY s.id LIMIT 1",
                                            NULL);

  if (stmt == NULL)
    return 0;
  sqlite3_bind_int64 (stmt, 1, self->folder_id);
  return _tern_store_step_int64 (stmt, 0);
}

/* GListModel. */

static GType
tern_conversation_model_get_item_type (GListModel *model)
{
  return TERN_TYPE_CONVERSATION_ITEM;
}

static guint
tern_conversation_model_get_n_items (GListModel *model)
{
  TernConversationModel *self = TERN_CONVERSATION_MODEL (model);

  return self->emptied ? 0 : self->keys->len;
}

static gpointer
tern_conversation_model_get_item (GListModel *model,
                                  guint       position)
{
  TernConversationModel *self = TERN_CONVERSATION_MODEL (model);

  return _tern_model_get_item (self, self->items, position, BATCH, new_item_cb, load_cb);
}

static void
list_model_iface_init (GListModelInterface *iface)
{
  iface->get_item_type = tern_conversation_model_get_item_type;
  iface->get_n_items = tern_conversation_model_get_n_items;
  iface->get_item = tern_conversation_model_get_item;
}

/* GObject. */

static void
forget_child (gpointer  data,
              GObject  *child)
{
  g_ptr_array_remove_fast (data, child);
}

static void
tern_conversation_model_finalize (GObject *object)
{
  TernConversationModel *self = TERN_CONVERSATION_MODEL (object);

  for (guint i = 0; i < self->children->len; i++)
    g_object_weak_unref (self->children->pdata[i], forget_child, self->children);
  g_clear_pointer (&self->children, g_ptr_array_unref);
  g_clear_pointer (&self->groups, g_array_unref);
  g_clear_pointer (&self->members, g_array_unref);
  g_clear_pointer (&self->in_folder, g_array_unref);
  g_clear_pointer (&self->rows, g_array_unref);
  g_clear_pointer (&self->keys, g_array_unref);
  g_clear_pointer (&self->items, g_ptr_array_unref);
  g_clear_pointer (&self->ids, g_array_unref);
  _tern_idmap_clear (&self->index);

  G_OBJECT_CLASS (tern_conversation_model_parent_class)->finalize (object);
}

static void
tern_conversation_model_get_property (GObject    *object,
                                      guint       prop_id,
                                      GValue     *value,
                                      GParamSpec *pspec)
{
  TernConversationModel *self = TERN_CONVERSATION_MODEL (object);

  switch (prop_id)
    {
    case PROP_FOLDER_ID:
      g_value_set_int64 (value, self->folder_id);
      break;
    case PROP_N_ITEMS:
      g_value_set_uint (value, self->keys->len);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tern_conversation_model_class_init (TernConversationModelClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = tern_conversation_model_finalize;
  object_class->get_property = tern_conversation_model_get_property;

  properties [PROP_FOLDER_ID] =
    g_param_spec_int64 ("folder-id", NULL, NULL, 0, G_MAXINT64, 0,
                        G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  properties [PROP_N_ITEMS] =
    g_param_spec_uint ("n-items", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  build_envelope_sql ();
}

static void
tern_conversation_model_init (TernConversationModel *self)
{
  self->groups = g_array_new (FALSE, FALSE, sizeof (TernConversationGroup));
  self->members = g_array_new (FALSE, FALSE, sizeof (gint64));
  self->in_folder = g_array_new (FALSE, FALSE, sizeof (guint8));
  self->rows = g_array_new (FALSE, FALSE, sizeof (TernConversationRow));
  self->keys = g_array_new (FALSE, FALSE, sizeof (gint64));
  self->items = g_ptr_array_new_with_free_func (_tern_model_unref_item);
  self->children = g_ptr_array_new ();
}

TernConversationModel *
tern_conversation_model_new (TernStore *store)
{
  TernConversationModel *self;

  g_return_val_if_fail (store != NULL, NULL);

  self = g_object_new (TERN_TYPE_CONVERSATION_MODEL, NULL);
  self->store = store;
  return self;
}

/* Another folder or search: every row is new. */
static void
replace_all (TernConversationModel *self,
             TernConversationScan  *scan)
{
  guint old_len = self->keys->len;

  g_array_unref (self->groups);
  self->groups = g_steal_pointer (&scan->groups);
  g_array_unref (self->members);
  self->members = g_steal_pointer (&scan->members);
  g_array_unref (self->in_folder);
  self->in_folder = g_steal_pointer (&scan->in_folder);
  g_clear_pointer (&self->rows, g_array_unref);
  self->rows = g_steal_pointer (&scan->rows);
  _tern_idmap_clear (&self->index);
  self->index = scan->index;
  memset (&scan->index, 0, sizeof scan->index);
  g_array_set_size (self->keys, 0);
  for (guint i = 0; i < self->groups->len; i++)
    g_array_append_val (self->keys, g_array_index (self->groups, TernConversationGroup, i).thread);
  self->n_loaded = 0;
  _tern_model_replace_rows (G_LIST_MODEL (self), &self->items, &self->emptied, old_len, self->keys->len,
                            properties [PROP_N_ITEMS]);
}

gboolean
tern_conversation_model_set_folder (TernConversationModel  *self,
                                    gint64                  folder_id,
                                    GError                **error)
{
  g_auto(TernConversationScan) scan = { 0 };
  gboolean ok;

  g_return_val_if_fail (TERN_IS_CONVERSATION_MODEL (self), FALSE);

  g_clear_pointer (&self->ids, g_array_unref);
  if (self->folder_id != folder_id)
    {
      self->folder_id = folder_id;
      g_object_notify_by_pspec (G_OBJECT (self), properties [PROP_FOLDER_ID]);
    }
  self->sent_id = folder_id != 0 ? find_sent (self) : 0;
  ok = read_ids (self, &scan, error);
  if (!ok)
    {
      /* Nothing shown rather than half of it. */
      _tern_conversation_scan_clear (&scan);
      _tern_conversation_scan_init (&scan);
    }
  replace_all (self, &scan);
  return ok;
}

gboolean
tern_conversation_model_set_ids (TernConversationModel  *self,
                                 GArray                 *ids,
                                 GError                **error)
{
  g_auto(TernConversationScan) scan = { 0 };
  gboolean more = self->ids != NULL;
  gboolean ok;

  g_return_val_if_fail (TERN_IS_CONVERSATION_MODEL (self), FALSE);

  if (self->folder_id != 0)
    {
      self->folder_id = 0;
      g_object_notify_by_pspec (G_OBJECT (self), properties [PROP_FOLDER_ID]);
    }
  self->sent_id = 0;
  g_clear_pointer (&self->ids, g_array_unref);
  self->ids = g_array_new (FALSE, FALSE, sizeof (gint64));
  if (ids != NULL)
    g_array_append_vals (self->ids, ids->data, ids->len);
  ok = read_ids (self, &scan, error);
  if (!ok)
    {
      _tern_conversation_scan_clear (&scan);
      _tern_conversation_scan_init (&scan);
    }
  /* The same search with more results (the server's) or changed ones: minimal changes. */
  if (more)
    apply_scan (self, &scan, NULL);
  else
    replace_all (self, &scan);
  return ok;
}

gint64
tern_conversation_model_get_folder_id (TernConversationModel *self)
{
  g_return_val_if_fail (TERN_IS_CONVERSATION_MODEL (self), 0);

  return self->folder_id;
}

gboolean
tern_conversation_model_refresh (TernConversationModel  *self,
                                 GError                **error)
{
  g_auto(TernConversationScan) scan = { 0 };

  g_return_val_if_fail (TERN_IS_CONVERSATION_MODEL (self), FALSE);

  if (!read_ids (self, &scan, error))
    return FALSE;
  apply_scan (self, &scan, NULL);
  return TRUE;
}

guint
tern_conversation_model_apply (TernConversationModel *self,
                               const TernChangeSet   *set)
{
  g_autoptr(GHashTable) drop = NULL;
  g_autoptr(GHashTable) wanted = NULL;
  g_autoptr(GHashTable) touched = NULL;
  g_autoptr(GArray) reread = NULL;
  g_autoptr(GArray) fresh = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(TernConversationScan) scan = { 0 };
  gboolean search, mine;

  g_return_val_if_fail (TERN_IS_CONVERSATION_MODEL (self), 0);
  g_return_val_if_fail (set != NULL, 0);

  search = self->ids != NULL;
  if (!search && self->folder_id == 0)
    return 0;
  mine = set->folder_id != 0 &&
         (search || set->folder_id == self->folder_id || (self->sent_id != 0 && set->folder_id == self->sent_id));
  if (set->reload && (set->folder_id == 0 || mine))
    {
      guint before = self->keys->len;

      if (!tern_conversation_model_refresh (self, &error))
        g_debug ("Cannot read conversations: %s", error->message);
      return MAX (before, self->keys->len);
    }
  if (!mine)
    return 0;

  /* The rows named: removed ones go, added and changed ones are read again (by id, a few
   * rows: never the whole folder). Search results gain no rows here. */
  drop = g_hash_table_new (g_int64_hash, g_int64_equal);
  reread = g_array_new (FALSE, FALSE, sizeof (gint64));
  if (search)
    {
      wanted = g_hash_table_new (g_int64_hash, g_int64_equal);
      for (guint i = 0; i < self->ids->len; i++)
        g_hash_table_add (wanted, &g_array_index (self->ids, gint64, i));
    }
  for (guint i = 0; i < set->removed->len; i++)
    g_hash_table_add (drop, &g_array_index (set->removed, gint64, i));
  for (guint i = 0; !search && i < set->added->len; i++)
    if (g_hash_table_add (drop, &g_array_index (set->added, gint64, i)))
      g_array_append_val (reread, g_array_index (set->added, gint64, i));
  for (guint i = 0; i < set->changed->len; i++)
    {
      gint64 *id = &g_array_index (set->changed, gint64, i);

      if ((!search || g_hash_table_contains (wanted, id)) && g_hash_table_add (drop, id))
        g_array_append_val (reread, *id);
    }
  if (g_hash_table_size (drop) == 0)
    return 0;
  if (search)
    for (guint i = self->ids->len; i > 0; i--)
      if (tern_change_set_contains (set->removed, g_array_index (self->ids, gint64, i - 1)))
        g_array_remove_index (self->ids, i - 1);

  fresh = g_array_new (FALSE, FALSE, sizeof (TernConversationRow));
  if (!_tern_conversation_scan_read_rows (self->store, reread, fresh, &error))
    {
      g_debug ("Cannot read conversations' messages: %s", error->message);
      return 0;
    }
  /* Only what is shown here: the folder's messages and its account's Sent replies. */
  for (guint i = fresh->len; i > 0; i--)
    {
      TernConversationRow *row = &g_array_index (fresh, TernConversationRow, i - 1);

      if (search || row->folder_id == self->folder_id)
        row->in_folder = 1;
      else if (self->sent_id != 0 && row->folder_id == self->sent_id)
        row->in_folder = 0;
      else
        g_array_remove_index (fresh, i - 1);
    }

  touched = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
  if (set->removed->len == 0 && set->added->len == 0 && fresh->len == reread->len &&
      apply_flags_only (self, fresh, touched))
    return g_hash_table_size (touched);
  _tern_conversation_scan_group (&scan, _tern_conversation_rows_merge (self->rows, drop, fresh, touched),
                                 !search && self->sent_id != 0);
  apply_scan (self, &scan, touched);
  return g_hash_table_size (touched);
}

gint64
tern_conversation_model_get_thread_id (TernConversationModel *self,
                                       guint                  position)
{
  g_return_val_if_fail (TERN_IS_CONVERSATION_MODEL (self), 0);

  return position < self->keys->len ? g_array_index (self->keys, gint64, position) : 0;
}

guint
tern_conversation_model_find (TernConversationModel *self,
                              gint64                 thread_id)
{
  g_return_val_if_fail (TERN_IS_CONVERSATION_MODEL (self), G_MAXUINT);

  return thread_id != 0 ? _tern_idmap_lookup (&self->index, thread_id) : G_MAXUINT;
}

guint
tern_conversation_model_find_message (TernConversationModel *self,
                                      gint64                 message_id)
{
  g_return_val_if_fail (TERN_IS_CONVERSATION_MODEL (self), G_MAXUINT);

  for (guint i = 0; i < self->groups->len; i++)
    {
      const TernConversationGroup *group = &g_array_index (self->groups, TernConversationGroup, i);

      for (guint j = group->first; j < group->first + group->count; j++)
        if (g_array_index (self->members, gint64, j) == message_id)
          return i;
    }
  return G_MAXUINT;
}

GArray *
tern_conversation_model_dup_message_ids (TernConversationModel *self,
                                         gint64                 thread_id,
                                         gboolean               folder_only)
{
  GArray *ids = g_array_new (FALSE, FALSE, sizeof (gint64));
  const TernConversationGroup *group;

  g_return_val_if_fail (TERN_IS_CONVERSATION_MODEL (self), ids);

  group = thread_id != 0 ? group_of (self, thread_id) : NULL;
  if (group == NULL)
    return ids;
  for (guint j = group->first; j < group->first + group->count; j++)
    if (!folder_only || g_array_index (self->in_folder, guint8, j))
      g_array_append_val (ids, g_array_index (self->members, gint64, j));
  return ids;
}

TernMessageModel *
tern_conversation_model_dup_messages (TernConversationModel *self,
                                      gint64                 thread_id)
{
  g_autoptr(GArray) ids = NULL;
  TernMessageModel *child;

  g_return_val_if_fail (TERN_IS_CONVERSATION_MODEL (self), NULL);

  for (guint i = 0; i < self->children->len; i++)
    {
      gint64 *thread = g_object_get_data (self->children->pdata[i], "tern-thread-id");

      if (*thread == thread_id)
        return g_object_ref (self->children->pdata[i]);
    }

  ids = tern_conversation_model_dup_message_ids (self, thread_id, FALSE);
  if (ids->len <= 1)
    return NULL;
  child = tern_message_model_new (self->store);
  tern_message_model_set_ids (child, ids);
  g_object_set_data_full (G_OBJECT (child), "tern-thread-id",
                          g_memdup2 (&thread_id, sizeof thread_id), g_free);
  g_ptr_array_add (self->children, child);
  g_object_weak_ref (G_OBJECT (child), forget_child, self->children);
  return child;
}

GArray *
tern_conversation_model_dup_expanded (TernConversationModel *self)
{
  GArray *threads = g_array_new (FALSE, FALSE, sizeof (gint64));

  g_return_val_if_fail (TERN_IS_CONVERSATION_MODEL (self), threads);

  for (guint i = 0; i < self->children->len; i++)
    g_array_append_val (threads, *(gint64 *) g_object_get_data (self->children->pdata[i],
                                                                "tern-thread-id"));
  return threads;
}

guint
tern_conversation_model_get_n_loaded (TernConversationModel *self)
{
  g_return_val_if_fail (TERN_IS_CONVERSATION_MODEL (self), 0);

  return self->n_loaded;
}

guint
tern_conversation_model_get_n_scans (TernConversationModel *self)
{
  g_return_val_if_fail (TERN_IS_CONVERSATION_MODEL (self), 0);

  return self->n_scans;
}
