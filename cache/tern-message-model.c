/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "tern-message-model"

#include "config.h"

#include "tern-message-model.h"
#include "tern-model-private.h"
#include "tern-store-private.h"

/*
 * Only ids are kept for every row (8 bytes each, plus a pointer): a 100,000-message folder
 * opens with one indexed query and no envelope read at all. Envelopes come in batches of
 * BATCH rows around the first one asked for, which is what a scrolling list view asks for.
 */

#define BATCH 64

struct _TernMessageModel
{
  GObject     parent_instance;

  /* Owned. */
  GArray     *ids;          /* gint64 */
  GPtrArray  *items;        /* TernMessageItem or NULL, parallel to ids */
  char       *query;        /* the search shown, or NULL */
  GArray     *folders;      /* gint64: the folders shown together (set_folders()), or NULL */

  /* Borrowed. */
  TernStore  *store;

  gint64      folder_id;
  gint64      account_id;   /* of the search */
  guint       search_serial; /* of the newest search begun (search_async) */
  gboolean    search_pending; /* that search has not landed yet */
  guint       n_loaded;
  gboolean    fixed;        /* ids given by the owner (a conversation's messages) */
  gboolean    emptied;      /* between the two signals of _tern_model_replace_rows() */
};

static void list_model_iface_init (GListModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (TernMessageModel, tern_message_model, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL, list_model_iface_init))

enum {
  PROP_0,
  PROP_FOLDER_ID,
  PROP_SEARCHING,
  PROP_N_ITEMS,
  N_PROPS
};

static GParamSpec *properties [N_PROPS];
static char *batch_sql;

static void
build_batch_sql (void)
{
  if (batch_sql != NULL)
    return;
  /* Kept for the life of the process: the store caches statements by SQL pointer. */
  batch_sql = _tern_model_build_in_sql ("SELECT m.id, coalesce (m.local_folder, m.folder_id), "
                                        "m.subject, m.from_name, m.from_addr, m.date, m.flags, "
                                        "EXISTS (SELECT 1 FROM part p WHERE p.message = m.id AND "
                                        "p.disposition = 'attachment' COLLATE NOCASE), "
                                        /* The start of the cached plain text: the preview line. */
                                        "coalesce ((SELECT substr (b.text, 1, 600) FROM body b WHERE b.message = m.id "
                                        "AND b.content_type = 'text/plain'), m.preview) "
                                        "FROM message m WHERE m.id",
                                        BATCH);
}

/* Reads the envelopes of up to BATCH items in one query. */
static void
load_envelopes (TernMessageModel  *self,
                TernMessageItem  **batch,
                guint              n)
{
  g_autoptr(GError) error = NULL;
  gint64 ids[BATCH];
  sqlite3_stmt *stmt;

  g_assert (n <= BATCH);

  stmt = _tern_store_prepare (self->store, batch_sql, &error);
  if (stmt == NULL)
    {
      g_debug ("Cannot read envelopes: %s", error->message);
      return;
    }
  for (guint i = 0; i < n; i++)
    {
      ids[i] = tern_message_item_get_id (batch[i]);
      sqlite3_bind_int64 (stmt, (int) i + 1, ids[i]);
    }

  while (sqlite3_step (stmt) == SQLITE_ROW)
    {
      gint64 id = sqlite3_column_int64 (stmt, 0);
      TernMessageItem *item = NULL;

      /* n is at most BATCH: a linear search beats a hash table here. */
      for (guint i = 0; i < n && item == NULL; i++)
        if (ids[i] == id)
          item = batch[i];
      if (item == NULL)
        continue;
      if (!tern_message_item_get_loaded (item))
        self->n_loaded++;
      _tern_message_item_set_envelope (item,
                                       sqlite3_column_int64 (stmt, 1),
                                       (const char *) sqlite3_column_text (stmt, 2),
                                       (const char *) sqlite3_column_text (stmt, 3),
                                       (const char *) sqlite3_column_text (stmt, 4),
                                       sqlite3_column_int64 (stmt, 5),
                                       (const char *) sqlite3_column_text (stmt, 6),
                                       sqlite3_column_int (stmt, 7) != 0);
      _tern_message_item_set_preview (item, (const char *) sqlite3_column_text (stmt, 8));
    }
  sqlite3_reset (stmt);
  sqlite3_clear_bindings (stmt);
}

/* Appends the rows of stmt (id, date, uid) to ids and keys (date, uid: two gint64 a row). */
static gboolean
read_rows (TernMessageModel  *self,
           sqlite3_stmt      *stmt,
           gint64             folder_id,
           GArray            *ids,
           GArray            *keys,
           GError           **error)
{
  int rc;

  sqlite3_bind_int64 (stmt, 1, folder_id);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      gint64 id = sqlite3_column_int64 (stmt, 0);
      gint64 key[2] = { sqlite3_column_int64 (stmt, 1), sqlite3_column_int64 (stmt, 2) };

      g_array_append_val (ids, id);
      g_array_append_vals (keys, key, 2);
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      _tern_store_fail (self->store, rc, "listing message ids", error);
      return FALSE;
    }
  return TRUE;
}

typedef struct
{
  GPtrArray *lists;
  GPtrArray *list_keys;
  GArray    *ids;
  GArray    *keys;
} Merge;

static void
merge_key (guint     list,
           guint     index,
           gint64   *date,
           gint64   *uid,
           gpointer  data)
{
  Merge *m = data;
  const gint64 *key = &g_array_index ((GArray *) m->list_keys->pdata[list], gint64, 2 * index);

  *date = key[0];
  *uid = key[1];
}

static void
merge_take (guint     list,
            guint     index,
            gpointer  data)
{
  Merge *m = data;

  g_array_append_val (m->ids, g_array_index ((GArray *) m->lists->pdata[list], gint64, index));
  if (m->keys != NULL)
    g_array_append_vals (m->keys, &g_array_index ((GArray *) m->list_keys->pdata[list], gint64, 2 * index), 2);
}

/* Merges lists of ids, each newest first with its keys in list_keys (date, uid: two gint64
 * a row), into ids (and keys, if not NULL): newest first, at equal dates the higher uid, then
 * the list given first. */
static void
merge_sorted (GPtrArray *lists,
              GPtrArray *list_keys,
              GArray    *ids,
              GArray    *keys)
{
  Merge m = { lists, list_keys, ids, keys };
  g_autofree guint *lens = g_new0 (guint, MAX (lists->len, 1));
  guint total = 0, filled = 0, last = 0;

  for (guint f = 0; f < lists->len; f++)
    {
      lens[f] = ((GArray *) lists->pdata[f])->len;
      total += lens[f];
      if (lens[f] > 0)
        {
          filled++;
          last = f;
        }
    }
  if (filled == 1)
    {
      /* One folder, nothing moved in locally: the usual case, as it comes. */
      g_array_append_vals (ids, ((GArray *) lists->pdata[last])->data, total);
      if (keys != NULL)
        g_array_append_vals (keys, ((GArray *) list_keys->pdata[last])->data, 2 * total);
      return;
    }
  _tern_model_merge (lists->len, lens, merge_key, merge_take, &m);
}

/* A folder's shown ids, newest first (and, if dates is not NULL, their dates and uids:
 * the keys the order follows, two gint64 a row). Its own messages come in that order from
 * the message_folder_shown index; the few shown there by a local move are merged in. */
static gboolean
folder_ids (TernMessageModel  *self,
            gint64             folder_id,
            GArray            *ids,
            GArray            *dates,
            GError           **error)
{
  static const char *const sql[] = {
    "SELECT m.id, m.date, m.uid FROM message m INDEXED BY message_folder_shown "
    "WHERE m.folder_id = ?1 AND m.local_folder IS NULL AND m.hidden = 0 AND m.detached = 0 "
    "ORDER BY m.date DESC, m.uid DESC",
    "SELECT m.id, m.date, m.uid FROM message m "
    "WHERE m.local_folder = ?1 AND m.hidden = 0 AND m.detached = 0 "
    "ORDER BY m.date DESC, m.uid DESC",
  };
  g_autoptr(GPtrArray) lists = g_ptr_array_new_with_free_func ((GDestroyNotify) g_array_unref);
  g_autoptr(GPtrArray) keys = g_ptr_array_new_with_free_func ((GDestroyNotify) g_array_unref);

  for (guint i = 0; i < G_N_ELEMENTS (sql); i++)
    {
      sqlite3_stmt *stmt = _tern_store_prepare (self->store, sql[i], error);

      g_ptr_array_add (lists, g_array_new (FALSE, FALSE, sizeof (gint64)));
      g_ptr_array_add (keys, g_array_new (FALSE, FALSE, sizeof (gint64)));
      if (stmt == NULL || !read_rows (self, stmt, folder_id, lists->pdata[i], keys->pdata[i], error))
        return FALSE;
    }
  merge_sorted (lists, keys, ids, dates);
  return TRUE;
}

/* The folders' ids merged by date (newest first; at equal dates the higher uid, then the
 * folder listed first). */
static GArray *
merge_folders (TernMessageModel  *self,
               GError           **error)
{
  g_autoptr(GPtrArray) lists = g_ptr_array_new_with_free_func ((GDestroyNotify) g_array_unref);
  g_autoptr(GPtrArray) keys = g_ptr_array_new_with_free_func ((GDestroyNotify) g_array_unref);
  g_autoptr(GArray) out = g_array_new (FALSE, FALSE, sizeof (gint64));

  for (guint f = 0; f < self->folders->len; f++)
    {
      g_ptr_array_add (lists, g_array_new (FALSE, FALSE, sizeof (gint64)));
      g_ptr_array_add (keys, g_array_new (FALSE, FALSE, sizeof (gint64)));
      if (!folder_ids (self, g_array_index (self->folders, gint64, f), lists->pdata[f], keys->pdata[f],
                       error))
        return NULL;
    }
  merge_sorted (lists, keys, out, NULL);
  return g_steal_pointer (&out);
}

static GArray *
query_ids (TernMessageModel  *self,
           GError           **error)
{
  g_autoptr(GArray) ids = g_array_new (FALSE, FALSE, sizeof (gint64));

  if (self->fixed)
    g_array_append_vals (ids, self->ids->data, self->ids->len);
  else if (self->query != NULL)
    {
      g_autoptr(GArray) found = tern_store_search_message_ids (self->store, self->account_id, self->query,
                                                               error);

      if (found == NULL)
        return NULL;
      g_array_append_vals (ids, found->data, found->len);
    }
  else if (self->folders != NULL)
    {
      g_autoptr(GArray) merged = merge_folders (self, error);

      if (merged == NULL)
        return NULL;
      g_array_append_vals (ids, merged->data, merged->len);
    }
  else if (self->folder_id != 0 && !folder_ids (self, self->folder_id, ids, NULL, error))
    return NULL;

  return g_steal_pointer (&ids);
}

/* Replaces the rows with new_ids: keeps the items of ids that stay (so a selection and
 * the rows that show them survive), emits one items-changed for the span that differs. */
static void
apply_ids (TernMessageModel *self,
           GArray           *new_ids)
{
  guint old_len = self->ids->len;
  guint new_len = new_ids->len;
  guint prefix, suffix;
  g_autoptr(GHashTable) kept = NULL;
  g_autoptr(GPtrArray) new_items = NULL;
  const gint64 *o = (const gint64 *) (gpointer) self->ids->data;
  const gint64 *n = (const gint64 *) (gpointer) new_ids->data;

  _tern_model_common_ends (o, old_len, n, new_len, &prefix, &suffix);
  if (prefix == old_len && prefix == new_len)
    return;

  /* Items of the changed span that reappear elsewhere in it are reused. */
  kept = g_hash_table_new (g_int64_hash, g_int64_equal);
  for (guint i = prefix; i < old_len - suffix; i++)
    {
      TernMessageItem *item = self->items->pdata[i];

      if (item != NULL)
        g_hash_table_insert (kept, &((gint64 *) (gpointer) self->ids->data)[i], item);
    }

  new_items = g_ptr_array_new_full (new_len, _tern_model_unref_item);
  g_ptr_array_set_size (new_items, new_len);
  for (guint i = 0; i < prefix; i++)
    new_items->pdata[i] = g_steal_pointer (&self->items->pdata[i]);
  for (guint i = 0; i < suffix; i++)
    new_items->pdata[new_len - 1 - i] = g_steal_pointer (&self->items->pdata[old_len - 1 - i]);
  for (guint i = prefix; i < new_len - suffix; i++)
    {
      TernMessageItem *item = g_hash_table_lookup (kept, &n[i]);

      if (item != NULL)
        {
          new_items->pdata[i] = g_object_ref (item);
          g_hash_table_remove (kept, &n[i]);
        }
    }

  g_ptr_array_unref (self->items);
  self->items = g_steal_pointer (&new_items);
  g_array_unref (self->ids);
  self->ids = g_array_ref (new_ids);
  self->n_loaded = 0;
  for (guint i = 0; i < self->items->len; i++)
    if (self->items->pdata[i] != NULL && tern_message_item_get_loaded (self->items->pdata[i]))
      self->n_loaded++;

  g_list_model_items_changed (G_LIST_MODEL (self), prefix, old_len - prefix - suffix,
                              new_len - prefix - suffix);
  if (old_len != new_len)
    g_object_notify_by_pspec (G_OBJECT (self), properties [PROP_N_ITEMS]);
}

static void
load_cb (gpointer  model,
         gpointer *batch,
         guint     n)
{
  load_envelopes (model, (TernMessageItem **) batch, n);
}

static gpointer
new_item_cb (gpointer model,
             guint    position)
{
  TernMessageModel *self = model;

  return tern_message_item_new (g_array_index (self->ids, gint64, position));
}

static void
dropped_cb (gpointer model,
            gpointer item)
{
  TernMessageModel *self = model;

  if (tern_message_item_get_loaded (item))
    self->n_loaded--;
}

/* Envelopes of items somebody holds (a row on screen, the message view) are re-read at
 * once; the others are dropped and read again if they are asked for. */
static void
reload_envelopes (TernMessageModel *self)
{
  _tern_model_reload_held (self, self->items, BATCH, dropped_cb, NULL, load_cb);
}

/* Another folder or search: every row is new (ids taken; NULL: nothing). */
static void
show_ids (TernMessageModel *self,
          GArray           *ids)
{
  guint old_len = self->ids->len;

  g_array_unref (self->ids);
  self->ids = ids != NULL ? ids : g_array_new (FALSE, FALSE, sizeof (gint64));
  self->n_loaded = 0;
  _tern_model_replace_rows (G_LIST_MODEL (self), &self->items, &self->emptied, old_len, self->ids->len,
                            properties [PROP_N_ITEMS]);
}

static gboolean
reset (TernMessageModel  *self,
       GError           **error)
{
  GArray *ids = query_ids (self, error);

  /* A failed read shows nothing rather than stale rows. */
  show_ids (self, ids);
  return ids != NULL;
}

/* GListModel. */

static GType
tern_message_model_get_item_type (GListModel *model)
{
  return TERN_TYPE_MESSAGE_ITEM;
}

static guint
tern_message_model_get_n_items (GListModel *model)
{
  TernMessageModel *self = TERN_MESSAGE_MODEL (model);

  return self->emptied ? 0 : self->ids->len;
}

static gpointer
tern_message_model_get_item (GListModel *model,
                             guint       position)
{
  TernMessageModel *self = TERN_MESSAGE_MODEL (model);

  return _tern_model_get_item (self, self->items, position, BATCH, new_item_cb, load_cb);
}

static void
list_model_iface_init (GListModelInterface *iface)
{
  iface->get_item_type = tern_message_model_get_item_type;
  iface->get_n_items = tern_message_model_get_n_items;
  iface->get_item = tern_message_model_get_item;
}

/* GObject. */

static void
tern_message_model_finalize (GObject *object)
{
  TernMessageModel *self = TERN_MESSAGE_MODEL (object);

  g_clear_pointer (&self->ids, g_array_unref);
  g_clear_pointer (&self->items, g_ptr_array_unref);
  g_clear_pointer (&self->folders, g_array_unref);
  g_free (self->query);

  G_OBJECT_CLASS (tern_message_model_parent_class)->finalize (object);
}

static void
tern_message_model_get_property (GObject    *object,
                                 guint       prop_id,
                                 GValue     *value,
                                 GParamSpec *pspec)
{
  TernMessageModel *self = TERN_MESSAGE_MODEL (object);

  switch (prop_id)
    {
    case PROP_FOLDER_ID:
      g_value_set_int64 (value, self->folder_id);
      break;
    case PROP_SEARCHING:
      g_value_set_boolean (value, self->query != NULL);
      break;
    case PROP_N_ITEMS:
      g_value_set_uint (value, self->ids->len);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tern_message_model_class_init (TernMessageModelClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = tern_message_model_finalize;
  object_class->get_property = tern_message_model_get_property;

  properties [PROP_FOLDER_ID] =
    g_param_spec_int64 ("folder-id", NULL, NULL, 0, G_MAXINT64, 0,
                        G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  properties [PROP_SEARCHING] =
    g_param_spec_boolean ("searching", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  properties [PROP_N_ITEMS] =
    g_param_spec_uint ("n-items", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  build_batch_sql ();
}

static void
tern_message_model_init (TernMessageModel *self)
{
  self->ids = g_array_new (FALSE, FALSE, sizeof (gint64));
  self->items = g_ptr_array_new_with_free_func (_tern_model_unref_item);
}

TernMessageModel *
tern_message_model_new (TernStore *store)
{
  TernMessageModel *self;

  g_return_val_if_fail (store != NULL, NULL);

  self = g_object_new (TERN_TYPE_MESSAGE_MODEL, NULL);
  self->store = store;
  return self;
}

gboolean
tern_message_model_set_folder (TernMessageModel  *self,
                               gint64             folder_id,
                               GError           **error)
{
  gboolean was_searching;

  g_return_val_if_fail (TERN_IS_MESSAGE_MODEL (self), FALSE);

  was_searching = self->query != NULL;
  g_clear_pointer (&self->query, g_free);
  g_clear_pointer (&self->folders, g_array_unref);
  self->fixed = FALSE;
  self->search_serial++;
  self->search_pending = FALSE;
  if (self->folder_id != folder_id)
    {
      self->folder_id = folder_id;
      g_object_notify_by_pspec (G_OBJECT (self), properties [PROP_FOLDER_ID]);
    }
  if (was_searching)
    g_object_notify_by_pspec (G_OBJECT (self), properties [PROP_SEARCHING]);
  return reset (self, error);
}

gint64
tern_message_model_get_folder_id (TernMessageModel *self)
{
  g_return_val_if_fail (TERN_IS_MESSAGE_MODEL (self), 0);

  return self->folder_id;
}

gboolean
tern_message_model_set_folders (TernMessageModel  *self,
                                GArray            *folder_ids,
                                GError           **error)
{
  gboolean was_searching;

  g_return_val_if_fail (TERN_IS_MESSAGE_MODEL (self), FALSE);

  was_searching = self->query != NULL;
  g_clear_pointer (&self->query, g_free);
  g_clear_pointer (&self->folders, g_array_unref);
  self->fixed = FALSE;
  self->folders = g_array_new (FALSE, FALSE, sizeof (gint64));
  if (folder_ids != NULL)
    g_array_append_vals (self->folders, folder_ids->data, folder_ids->len);
  if (self->folder_id != 0)
    {
      self->folder_id = 0;
      g_object_notify_by_pspec (G_OBJECT (self), properties [PROP_FOLDER_ID]);
    }
  if (was_searching)
    g_object_notify_by_pspec (G_OBJECT (self), properties [PROP_SEARCHING]);
  return reset (self, error);
}

gboolean
tern_message_model_shows_folder (TernMessageModel *self,
                                 gint64            folder_id)
{
  g_return_val_if_fail (TERN_IS_MESSAGE_MODEL (self), FALSE);

  if (folder_id == 0 || self->query != NULL || self->fixed)
    return FALSE;
  if (self->folders == NULL)
    return folder_id == self->folder_id;
  for (guint i = 0; i < self->folders->len; i++)
    if (g_array_index (self->folders, gint64, i) == folder_id)
      return TRUE;
  return FALSE;
}

gboolean
tern_message_model_search (TernMessageModel  *self,
                           gint64             account_id,
                           const char        *query,
                           GError           **error)
{
  gboolean was_searching;

  g_return_val_if_fail (TERN_IS_MESSAGE_MODEL (self), FALSE);
  g_return_val_if_fail (query != NULL, FALSE);

  was_searching = self->query != NULL;
  g_free (self->query);
  self->query = g_strdup (query);
  self->fixed = FALSE;
  self->account_id = account_id;
  self->search_serial++;
  self->search_pending = FALSE;
  if (!was_searching)
    g_object_notify_by_pspec (G_OBJECT (self), properties [PROP_SEARCHING]);
  return reset (self, error);
}

/* Searching on a thread of its own, with a connection of its own to the cache. */

typedef struct
{
  char   *path;
  char   *query;
  gint64  account_id;
  guint   serial;
} Search;

static void
search_free (gpointer data)
{
  Search *search = data;

  g_free (search->path);
  g_free (search->query);
  g_free (search);
}

static void
interrupt_cb (GCancellable *cancellable,
              sqlite3      *db)
{
  /* From the thread that cancels: sqlite3_interrupt() may be called from any thread. */
  sqlite3_interrupt (db);
}

static void
search_thread (GTask        *task,
               gpointer      source,
               gpointer      data,
               GCancellable *cancellable)
{
  Search *search = data;
  g_autoptr(GError) error = NULL;
  g_autoptr(TernStore) store = tern_store_open (search->path, &error);
  GArray *ids = NULL;
  gulong handler = 0;

  if (store == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  if (cancellable != NULL)
    handler = g_cancellable_connect (cancellable, G_CALLBACK (interrupt_cb), store->db, NULL);
  /* An interrupted statement fails; the cancellation is what is told then. */
  if (!g_cancellable_is_cancelled (cancellable))
    ids = tern_store_search_message_ids (store, search->account_id, search->query, &error);
  g_cancellable_disconnect (cancellable, handler);
  if (g_task_return_error_if_cancelled (task))
    {
      g_clear_pointer (&ids, g_array_unref);
      return;
    }
  if (ids == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  g_task_return_pointer (task, ids, (GDestroyNotify) g_array_unref);
}

void
tern_message_model_search_async (TernMessageModel    *self,
                                 gint64               account_id,
                                 const char          *query,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  Search *search;

  g_return_if_fail (TERN_IS_MESSAGE_MODEL (self));
  g_return_if_fail (query != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, tern_message_model_search_async);
  search = g_new0 (Search, 1);
  search->path = g_strdup (tern_store_get_path (self->store));
  search->query = g_strdup (query);
  search->account_id = account_id;
  search->serial = ++self->search_serial;
  self->search_pending = TRUE;
  g_task_set_task_data (task, search, search_free);
  g_task_run_in_thread (task, search_thread);
}

gboolean
tern_message_model_search_finish (TernMessageModel  *self,
                                  GAsyncResult      *result,
                                  GError           **error)
{
  Search *search;
  GArray *ids;
  gboolean was_searching;

  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  search = g_task_get_task_data (G_TASK (result));
  if (search->serial == self->search_serial)
    self->search_pending = FALSE;
  ids = g_task_propagate_pointer (G_TASK (result), error);
  if (ids == NULL)
    return FALSE;
  /* Only the newest search begun lands (another folder shown since: none). */
  if (search->serial != self->search_serial)
    {
      g_array_unref (ids);
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_CANCELLED, "A newer search replaced this one");
      return FALSE;
    }
  was_searching = self->query != NULL;
  g_free (self->query);
  self->query = g_strdup (search->query);
  self->fixed = FALSE;
  self->account_id = search->account_id;
  if (!was_searching)
    g_object_notify_by_pspec (G_OBJECT (self), properties [PROP_SEARCHING]);
  show_ids (self, ids);
  return TRUE;
}

gboolean
tern_message_model_get_search_pending (TernMessageModel *self)
{
  g_return_val_if_fail (TERN_IS_MESSAGE_MODEL (self), FALSE);

  return self->search_pending;
}

gboolean
tern_message_model_get_searching (TernMessageModel *self)
{
  g_return_val_if_fail (TERN_IS_MESSAGE_MODEL (self), FALSE);

  return self->query != NULL;
}

void
tern_message_model_add_ids (TernMessageModel *self,
                            GArray           *ids)
{
  g_autoptr(GHashTable) shown = NULL;
  guint old_len;

  g_return_if_fail (TERN_IS_MESSAGE_MODEL (self));
  g_return_if_fail (ids != NULL);

  shown = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
  for (guint i = 0; i < self->ids->len; i++)
    g_hash_table_add (shown, g_memdup2 (&g_array_index (self->ids, gint64, i), sizeof (gint64)));
  old_len = self->ids->len;
  for (guint i = 0; i < ids->len; i++)
    {
      gint64 id = g_array_index (ids, gint64, i);

      if (!g_hash_table_add (shown, g_memdup2 (&id, sizeof id)))
        continue;
      g_array_append_val (self->ids, id);
      g_ptr_array_add (self->items, NULL);
    }
  if (self->ids->len > old_len)
    {
      g_list_model_items_changed (G_LIST_MODEL (self), old_len, 0, self->ids->len - old_len);
      g_object_notify_by_pspec (G_OBJECT (self), properties [PROP_N_ITEMS]);
    }
}

void
tern_message_model_set_ids (TernMessageModel *self,
                            GArray           *ids)
{
  g_autoptr(GArray) copy = NULL;

  g_return_if_fail (TERN_IS_MESSAGE_MODEL (self));
  g_return_if_fail (ids != NULL);

  copy = g_array_sized_new (FALSE, FALSE, sizeof (gint64), ids->len);
  g_array_append_vals (copy, ids->data, ids->len);
  self->fixed = TRUE;
  g_clear_pointer (&self->folders, g_array_unref);
  if (self->query != NULL)
    {
      g_clear_pointer (&self->query, g_free);
      g_object_notify_by_pspec (G_OBJECT (self), properties [PROP_SEARCHING]);
    }
  if (self->folder_id != 0)
    {
      self->folder_id = 0;
      g_object_notify_by_pspec (G_OBJECT (self), properties [PROP_FOLDER_ID]);
    }
  apply_ids (self, copy);
  reload_envelopes (self);
}

gboolean
tern_message_model_refresh (TernMessageModel  *self,
                            GError           **error)
{
  g_autoptr(GArray) ids = NULL;

  g_return_val_if_fail (TERN_IS_MESSAGE_MODEL (self), FALSE);

  ids = query_ids (self, error);
  if (ids == NULL)
    return FALSE;
  apply_ids (self, ids);
  reload_envelopes (self);
  return TRUE;
}

guint
tern_message_model_find (TernMessageModel *self,
                         gint64            message_id)
{
  g_return_val_if_fail (TERN_IS_MESSAGE_MODEL (self), G_MAXUINT);

  for (guint i = 0; i < self->ids->len; i++)
    if (g_array_index (self->ids, gint64, i) == message_id)
      return i;
  return G_MAXUINT;
}

gint64
tern_message_model_get_id (TernMessageModel *self,
                           guint             position)
{
  g_return_val_if_fail (TERN_IS_MESSAGE_MODEL (self), 0);

  return position < self->ids->len ? g_array_index (self->ids, gint64, position) : 0;
}

guint
tern_message_model_get_n_loaded (TernMessageModel *self)
{
  g_return_val_if_fail (TERN_IS_MESSAGE_MODEL (self), 0);

  return self->n_loaded;
}

/* Positions (ascending) of the rows whose id is in ids. */
static GArray *
positions_of (TernMessageModel *self,
              GArray           *ids)
{
  GArray *out = g_array_new (FALSE, FALSE, sizeof (guint));
  g_autoptr(GHashTable) wanted = NULL;

  if (ids->len == 0)
    return out;
  wanted = g_hash_table_new (g_int64_hash, g_int64_equal);
  for (guint i = 0; i < ids->len; i++)
    g_hash_table_add (wanted, &g_array_index (ids, gint64, i));
  for (guint i = 0; i < self->ids->len; i++)
    if (g_hash_table_contains (wanted, &g_array_index (self->ids, gint64, i)))
      g_array_append_val (out, i);
  return out;
}

guint
tern_message_model_apply (TernMessageModel    *self,
                          const TernChangeSet *set)
{
  g_autoptr(GArray) removed = NULL;
  g_autoptr(GArray) changed = NULL;
  gboolean any_folder;
  guint touched = 0;

  g_return_val_if_fail (TERN_IS_MESSAGE_MODEL (self), 0);
  g_return_val_if_fail (set != NULL, 0);

  any_folder = self->query != NULL || self->fixed;
  if (set->reload && (set->folder_id == 0 || tern_message_model_shows_folder (self, set->folder_id) ||
                      any_folder))
    {
      guint before = self->ids->len;

      tern_message_model_refresh (self, NULL);
      return MAX (before, self->ids->len);
    }
  if (set->folder_id == 0 || (!any_folder && !tern_message_model_shows_folder (self, set->folder_id)))
    return 0;

  /* Removed: from the end, one items-changed per run. */
  removed = positions_of (self, set->removed);
  for (guint i = removed->len; i > 0;)
    {
      guint last = g_array_index (removed, guint, i - 1);
      guint first = last;

      i--;
      while (i > 0 && g_array_index (removed, guint, i - 1) == first - 1)
        {
          first--;
          i--;
        }
      for (guint k = first; k <= last; k++)
        {
          TernMessageItem *item = self->items->pdata[k];

          if (item != NULL && tern_message_item_get_loaded (item))
            self->n_loaded--;
        }
      g_array_remove_range (self->ids, first, last - first + 1);
      g_ptr_array_remove_range (self->items, first, last - first + 1);
      g_list_model_items_changed (G_LIST_MODEL (self), first, last - first + 1, 0);
      touched += last - first + 1;
    }
  if (removed->len > 0)
    g_object_notify_by_pspec (G_OBJECT (self), properties [PROP_N_ITEMS]);

  /* Changed: read again in place, where an item exists (one not made yet is read when it is
   * asked for). */
  changed = positions_of (self, set->changed);
  for (guint i = 0; i < changed->len; i++)
    {
      TernMessageItem *item = self->items->pdata[g_array_index (changed, guint, i)];

      if (item == NULL)
        continue;
      load_envelopes (self, &item, 1);
      touched++;
    }

  /* Added: their places follow from the folder's order (or a search's). */
  if (set->added->len > 0 && !self->fixed && self->query == NULL)
    {
      guint before = self->ids->len;

      tern_message_model_refresh (self, NULL);
      touched += self->ids->len - MIN (before, self->ids->len);
    }
  return touched;
}
