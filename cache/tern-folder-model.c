/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "tern-folder-model"

#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>

#include "tern-folder-model.h"

struct _TernFolderModel
{
  GObject     parent_instance;

  /* Owned. */
  GPtrArray  *items;   /* TernFolderItem */

  /* Borrowed. */
  TernStore  *store;
};

static void list_model_iface_init (GListModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (TernFolderModel, tern_folder_model, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL, list_model_iface_init))

/* The order special-use folders are shown in. */
static const char *special_order[] = {
  "\\Inbox", "\\Drafts", "\\Sent", "\\Archive", "\\All", "\\Flagged", "\\Junk", "\\Trash",
};

static int
special_rank (const TernFolder *f)
{
  if (g_ascii_strcasecmp (f->name, "INBOX") == 0)
    return 0;
  for (guint i = 0; f->special_use != NULL && i < G_N_ELEMENTS (special_order); i++)
    if (g_ascii_strcasecmp (f->special_use, special_order[i]) == 0)
      return (int) i;
  return -1;
}

static int
compare_special (gconstpointer a,
                 gconstpointer b)
{
  return special_rank (*(TernFolder **) a) - special_rank (*(TernFolder **) b);
}

/* Hierarchy order: by path components, so "A/B" comes right after "A" and before "A B". */
static int
compare_path (gconstpointer a,
              gconstpointer b)
{
  const TernFolder *fa = *(TernFolder **) a;
  const TernFolder *fb = *(TernFolder **) b;
  const char *sep = fa->delimiter && *fa->delimiter ? fa->delimiter : "/";
  g_auto(GStrv) pa = g_strsplit (fa->display_name, sep, -1);
  g_auto(GStrv) pb = g_strsplit (fb->display_name, sep, -1);

  for (guint i = 0; pa[i] != NULL || pb[i] != NULL; i++)
    {
      int r;

      if (pa[i] == NULL)
        return -1;
      if (pb[i] == NULL)
        return 1;
      r = g_utf8_collate (pa[i], pb[i]);
      if (r != 0)
        return r;
    }
  return 0;
}

static guint
count_depth (const TernFolder *f,
             const char      **leaf)
{
  const char *sep = f->delimiter && *f->delimiter ? f->delimiter : NULL;
  const char *p = f->display_name;
  guint depth = 0;

  *leaf = p;
  if (sep == NULL)
    return 0;
  while ((p = strstr (p, sep)) != NULL)
    {
      p += strlen (sep);
      *leaf = p;
      depth++;
    }
  return depth;
}

static void
add_folders (GPtrArray  *rows,
             GPtrArray  *folders,
             gboolean    hierarchy,
             guint       strip)
{
  for (guint i = 0; i < folders->len; i++)
    {
      const TernFolder *f = folders->pdata[i];
      TernFolderItem *item = _tern_folder_item_new (TERN_FOLDER_ITEM_FOLDER, f->id, f->account_id);
      const char *leaf;
      guint depth = count_depth (f, &leaf);

      if (!hierarchy)
        {
          depth = 0;
          leaf = g_ascii_strcasecmp (f->name, "INBOX") == 0 ? "Inbox" : leaf;
        }
      else
        depth = depth > strip ? depth - strip : 0;
      _tern_folder_item_update (item, leaf, f->display_name, f->special_use, depth, f->unread,
                                f->total, f->selectable, f->local_state);
      /* Another namespace's "shared/alice/Team": the component after the prefix is whose it is. */
      if (strip > 0 && f->delimiter != NULL && *f->delimiter != '\0')
        {
          g_auto(GStrv) parts = g_strsplit (f->display_name, f->delimiter, -1);

          if (g_strv_length (parts) > strip + 1 && *parts[strip] != '\0')
            _tern_folder_item_set_owner (item, parts[strip]);
        }
      g_ptr_array_add (rows, item);
    }
}

/* "shared", the root of other users' folders as a server lists it: the heading stands for
 * it. A non-selectable personal folder that only parents another namespace's folders. */
static gboolean
is_namespace_root (const TernFolder *f,
                   GPtrArray        *folders)
{
  gsize len = strlen (f->name);

  if (f->selectable || g_strcmp0 (f->namespace_kind, "personal") != 0 || f->delimiter == NULL)
    return FALSE;
  for (guint i = 0; i < folders->len; i++)
    {
      const TernFolder *g = folders->pdata[i];

      if (g_strcmp0 (g->namespace_kind, "personal") != 0 &&
          strncmp (g->name, f->name, len) == 0 && strncmp (g->name + len, f->delimiter, strlen (f->delimiter)) == 0)
        return TRUE;
    }
  return FALSE;
}

static void
add_heading (GPtrArray  *rows,
             gint64      account_id,
             gint64      code,
             const char *label)
{
  TernFolderItem *item = _tern_folder_item_new (TERN_FOLDER_ITEM_HEADING, code, account_id);

  _tern_folder_item_update (item, label, label, NULL, 0, 0, 0, FALSE, 0);
  g_ptr_array_add (rows, item);
}

/* The unified rows: which special folder each gathers, and from how many accounts on. */
static const struct
{
  gint64      id;
  const char *use;
  const char *label;
  guint       min_members;
} unified_rows[] = {
  { TERN_FOLDER_MODEL_ALL_INBOXES, "\\Inbox", N_("All Inboxes"), 1 },
  { TERN_FOLDER_MODEL_ALL_DRAFTS, "\\Drafts", N_("All Drafts"), 2 },
  { TERN_FOLDER_MODEL_ALL_SENT, "\\Sent", N_("All Sent"), 2 },
};

/* Which unified row a folder of the special list belongs to, or -1. */
static int
unified_index (const TernFolder *f)
{
  int rank = special_rank (f);

  for (guint i = 0; rank >= 0 && i < G_N_ELEMENTS (unified_rows); i++)
    if (g_ascii_strcasecmp (special_order[rank], unified_rows[i].use) == 0)
      return (int) i;
  return -1;
}

static void
add_unified_rows (GPtrArray *rows,
                  GArray   **members,
                  guint     *unread,
                  guint     *total)
{
  guint at = 0;

  for (guint i = 0; i < G_N_ELEMENTS (unified_rows); i++)
    {
      TernFolderItem *item;
      const char *label = g_dgettext ("tern", unified_rows[i].label);

      if (members[i]->len < unified_rows[i].min_members)
        continue;
      item = _tern_folder_item_new (TERN_FOLDER_ITEM_UNIFIED, unified_rows[i].id, 0);
      _tern_folder_item_update (item, label, label, unified_rows[i].use, 0, unread[i], total[i], TRUE, 0);
      _tern_folder_item_set_members (item, members[i]);
      g_ptr_array_insert (rows, (int) at++, item);
    }
}

static GPtrArray *
build_rows (TernFolderModel  *self,
            GError          **error)
{
  g_autoptr(GPtrArray) accounts = tern_store_list_accounts (self->store, error);
  g_autoptr(GPtrArray) rows = NULL;
  GArray *members[G_N_ELEMENTS (unified_rows)];
  guint unread[G_N_ELEMENTS (unified_rows)] = { 0 }, total[G_N_ELEMENTS (unified_rows)] = { 0 };

  if (accounts == NULL)
    return NULL;
  rows = g_ptr_array_new_with_free_func (g_object_unref);
  for (guint i = 0; i < G_N_ELEMENTS (unified_rows); i++)
    members[i] = g_array_new (FALSE, FALSE, sizeof (gint64));

  for (guint a = 0; a < accounts->len; a++)
    {
      const TernAccount *account = accounts->pdata[a];
      g_autoptr(GPtrArray) folders = tern_store_list_folders (self->store, account->id, error);
      g_autoptr(GPtrArray) special = g_ptr_array_new ();
      g_autoptr(GPtrArray) personal = g_ptr_array_new ();
      g_autoptr(GPtrArray) shared = g_ptr_array_new ();
      g_autoptr(GPtrArray) other = g_ptr_array_new ();
      TernFolderItem *item;

      if (folders == NULL)
        {
          for (guint i = 0; i < G_N_ELEMENTS (unified_rows); i++)
            g_array_unref (members[i]);
          return NULL;
        }

      item = _tern_folder_item_new (TERN_FOLDER_ITEM_ACCOUNT, account->id, account->id);
      _tern_folder_item_update (item, account->name, account->email, NULL, 0, 0, 0, FALSE, 0);
      g_ptr_array_add (rows, item);

      for (guint i = 0; i < folders->len; i++)
        {
          TernFolder *f = folders->pdata[i];

          if (is_namespace_root (f, folders))
            continue;
          if (g_strcmp0 (f->namespace_kind, "shared") == 0)
            g_ptr_array_add (shared, f);
          else if (g_strcmp0 (f->namespace_kind, "other") == 0)
            g_ptr_array_add (other, f);
          else if (special_rank (f) >= 0)
            g_ptr_array_add (special, f);
          else
            g_ptr_array_add (personal, f);
        }
      g_ptr_array_sort (special, compare_special);
      /* The first of each kind (a second "Sent" by name stays out). */
      for (guint i = 0; i < special->len; i++)
        {
          const TernFolder *f = special->pdata[i];
          int u = unified_index (f);

          if (u < 0 || !f->selectable || (i > 0 && unified_index (special->pdata[i - 1]) == u))
            continue;
          g_array_append_val (members[u], f->id);
          unread[u] += f->unread;
          total[u] += f->total;
        }
      g_ptr_array_sort (personal, compare_path);
      g_ptr_array_sort (shared, compare_path);
      g_ptr_array_sort (other, compare_path);

      add_folders (rows, special, FALSE, 0);
      add_folders (rows, personal, TRUE, 0);
      if (shared->len > 0)
        {
          /* "shared/alice/Team": the namespace prefix is the heading; the owner, a row. */
          add_heading (rows, account->id, -1, g_dgettext ("tern", "Shared folders"));
          add_folders (rows, shared, TRUE, 1);
        }
      if (other->len > 0)
        {
          add_heading (rows, account->id, -2, g_dgettext ("tern", "Other users"));
          add_folders (rows, other, TRUE, 1);
        }
    }

  /* One account: its own Inbox is the only one, a unified row would say it twice. */
  if (accounts->len >= 2)
    add_unified_rows (rows, members, unread, total);
  for (guint i = 0; i < G_N_ELEMENTS (unified_rows); i++)
    g_array_unref (members[i]);

  return g_steal_pointer (&rows);
}

static gboolean
same_row (TernFolderItem *a,
          TernFolderItem *b)
{
  return tern_folder_item_get_kind (a) == tern_folder_item_get_kind (b) &&
         tern_folder_item_get_id (a) == tern_folder_item_get_id (b) &&
         tern_folder_item_get_account_id (a) == tern_folder_item_get_account_id (b);
}

static void
copy_into (TernFolderItem *dest,
           TernFolderItem *src)
{
  _tern_folder_item_update (dest,
                            tern_folder_item_get_label (src),
                            tern_folder_item_get_path (src),
                            tern_folder_item_get_special_use (src),
                            tern_folder_item_get_depth (src),
                            tern_folder_item_get_unread (src),
                            tern_folder_item_get_total (src),
                            tern_folder_item_get_selectable (src),
                            tern_folder_item_get_local_state (src));
  _tern_folder_item_set_owner (dest, tern_folder_item_get_owner (src));
  _tern_folder_item_set_members (dest, tern_folder_item_get_members (src));
}

gboolean
tern_folder_model_refresh (TernFolderModel  *self,
                           GError          **error)
{
  g_autoptr(GPtrArray) rows = NULL;
  guint old_len, new_len, prefix = 0, suffix = 0;

  g_return_val_if_fail (TERN_IS_FOLDER_MODEL (self), FALSE);

  rows = build_rows (self, error);
  if (rows == NULL)
    return FALSE;

  old_len = self->items->len;
  new_len = rows->len;
  while (prefix < old_len && prefix < new_len &&
         same_row (self->items->pdata[prefix], rows->pdata[prefix]))
    prefix++;
  while (suffix < old_len - prefix && suffix < new_len - prefix &&
         same_row (self->items->pdata[old_len - 1 - suffix], rows->pdata[new_len - 1 - suffix]))
    suffix++;

  /* Rows that stay keep their objects (and so the selection); they are updated in place. */
  for (guint i = 0; i < prefix; i++)
    {
      copy_into (self->items->pdata[i], rows->pdata[i]);
      g_object_unref (rows->pdata[i]);
      rows->pdata[i] = g_object_ref (self->items->pdata[i]);
    }
  for (guint i = 0; i < suffix; i++)
    {
      guint o = old_len - 1 - i, n = new_len - 1 - i;

      copy_into (self->items->pdata[o], rows->pdata[n]);
      g_object_unref (rows->pdata[n]);
      rows->pdata[n] = g_object_ref (self->items->pdata[o]);
    }

  g_ptr_array_unref (self->items);
  self->items = g_steal_pointer (&rows);
  if (prefix != old_len || prefix != new_len)
    g_list_model_items_changed (G_LIST_MODEL (self), prefix, old_len - prefix - suffix,
                                new_len - prefix - suffix);
  return TRUE;
}

static GType
tern_folder_model_get_item_type (GListModel *model)
{
  return TERN_TYPE_FOLDER_ITEM;
}

static guint
tern_folder_model_get_n_items (GListModel *model)
{
  return TERN_FOLDER_MODEL (model)->items->len;
}

static gpointer
tern_folder_model_get_item (GListModel *model,
                            guint       position)
{
  TernFolderModel *self = TERN_FOLDER_MODEL (model);

  if (position >= self->items->len)
    return NULL;
  return g_object_ref (self->items->pdata[position]);
}

static void
list_model_iface_init (GListModelInterface *iface)
{
  iface->get_item_type = tern_folder_model_get_item_type;
  iface->get_n_items = tern_folder_model_get_n_items;
  iface->get_item = tern_folder_model_get_item;
}

static void
tern_folder_model_finalize (GObject *object)
{
  TernFolderModel *self = TERN_FOLDER_MODEL (object);

  g_clear_pointer (&self->items, g_ptr_array_unref);

  G_OBJECT_CLASS (tern_folder_model_parent_class)->finalize (object);
}

static void
tern_folder_model_class_init (TernFolderModelClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = tern_folder_model_finalize;
}

static void
tern_folder_model_init (TernFolderModel *self)
{
  self->items = g_ptr_array_new_with_free_func (g_object_unref);
}

TernFolderModel *
tern_folder_model_new (TernStore *store)
{
  TernFolderModel *self;

  g_return_val_if_fail (store != NULL, NULL);

  self = g_object_new (TERN_TYPE_FOLDER_MODEL, NULL);
  self->store = store;
  return self;
}

guint
tern_folder_model_find (TernFolderModel *self,
                        gint64           folder_id)
{
  g_return_val_if_fail (TERN_IS_FOLDER_MODEL (self), G_MAXUINT);

  for (guint i = 0; i < self->items->len; i++)
    {
      TernFolderItem *item = self->items->pdata[i];

      if (tern_folder_item_get_kind (item) == TERN_FOLDER_ITEM_FOLDER &&
          tern_folder_item_get_id (item) == folder_id)
        return i;
    }
  return G_MAXUINT;
}

gboolean
tern_folder_model_update_counts (TernFolderModel  *self,
                                 gint64            folder_id,
                                 GError          **error)
{
  guint position, total = 0, unread = 0;

  g_return_val_if_fail (TERN_IS_FOLDER_MODEL (self), FALSE);

  position = tern_folder_model_find (self, folder_id);
  if (position == G_MAXUINT)
    return TRUE;
  if (!tern_store_count_messages (self->store, folder_id, &total, &unread, error))
    return FALSE;
  _tern_folder_item_set_counts (self->items->pdata[position], unread, total);

  /* The unified rows it is in: the sums of their folders' rows. */
  for (guint i = 0; i < self->items->len; i++)
    {
      TernFolderItem *item = self->items->pdata[i];
      GArray *members = tern_folder_item_get_members (item);
      guint sum_unread = 0, sum_total = 0;
      gboolean in = FALSE;

      if (tern_folder_item_get_kind (item) != TERN_FOLDER_ITEM_UNIFIED || members == NULL)
        continue;
      for (guint m = 0; m < members->len; m++)
        in |= g_array_index (members, gint64, m) == folder_id;
      if (!in)
        continue;
      for (guint m = 0; m < members->len; m++)
        {
          guint at = tern_folder_model_find (self, g_array_index (members, gint64, m));

          if (at == G_MAXUINT)
            continue;
          sum_unread += tern_folder_item_get_unread (self->items->pdata[at]);
          sum_total += tern_folder_item_get_total (self->items->pdata[at]);
        }
      _tern_folder_item_set_counts (item, sum_unread, sum_total);
    }
  return TRUE;
}

guint
tern_folder_model_find_unified (TernFolderModel *self,
                                gint64           unified_id)
{
  g_return_val_if_fail (TERN_IS_FOLDER_MODEL (self), G_MAXUINT);

  for (guint i = 0; i < self->items->len; i++)
    {
      TernFolderItem *item = self->items->pdata[i];

      if (tern_folder_item_get_kind (item) == TERN_FOLDER_ITEM_UNIFIED &&
          tern_folder_item_get_id (item) == unified_id)
        return i;
    }
  return G_MAXUINT;
}

TernFolderItem *
tern_folder_model_get_special (TernFolderModel *self,
                               gint64           account_id,
                               const char      *special_use)
{
  g_return_val_if_fail (TERN_IS_FOLDER_MODEL (self), NULL);

  for (guint i = 0; i < self->items->len; i++)
    {
      TernFolderItem *item = self->items->pdata[i];
      const char *use = tern_folder_item_get_special_use (item);

      if (tern_folder_item_get_kind (item) == TERN_FOLDER_ITEM_FOLDER &&
          tern_folder_item_get_account_id (item) == account_id &&
          ((use != NULL && g_ascii_strcasecmp (use, special_use) == 0) ||
           (g_ascii_strcasecmp (special_use, "\\Inbox") == 0 &&
            tern_folder_item_get_depth (item) == 0 &&
            g_ascii_strcasecmp (tern_folder_item_get_path (item), "INBOX") == 0)))
        return item;
    }
  return NULL;
}
