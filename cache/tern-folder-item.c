/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "tern-folder-item"

#include "config.h"

#include "tern-folder-item.h"
#include "tern-store.h"
#include "tern-model-private.h"

struct _TernFolderItem
{
  GObject             parent_instance;

  TernFolderItemKind  kind;
  gint64              id;
  gint64              account_id;
  char               *label;
  char               *path;
  char               *special_use;
  char               *owner;
  GArray             *members;   /* gint64 folder ids, of a unified row */
  guint               depth;
  guint               unread;
  guint               total;
  gboolean            selectable;
  int                 local_state;
};

G_DEFINE_FINAL_TYPE (TernFolderItem, tern_folder_item, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_LABEL,
  PROP_PATH,
  PROP_SPECIAL_USE,
  PROP_ICON_NAME,
  PROP_DEPTH,
  PROP_UNREAD,
  PROP_TOTAL,
  PROP_SELECTABLE,
  PROP_LOCAL_STATE,
  N_PROPS
};

static GParamSpec *properties [N_PROPS];

static void
tern_folder_item_finalize (GObject *object)
{
  TernFolderItem *self = TERN_FOLDER_ITEM (object);

  g_free (self->label);
  g_free (self->path);
  g_free (self->special_use);
  g_free (self->owner);
  g_clear_pointer (&self->members, g_array_unref);

  G_OBJECT_CLASS (tern_folder_item_parent_class)->finalize (object);
}

static void
tern_folder_item_get_property (GObject    *object,
                               guint       prop_id,
                               GValue     *value,
                               GParamSpec *pspec)
{
  TernFolderItem *self = TERN_FOLDER_ITEM (object);

  switch (prop_id)
    {
    case PROP_LABEL:
      g_value_set_string (value, self->label);
      break;
    case PROP_PATH:
      g_value_set_string (value, self->path);
      break;
    case PROP_SPECIAL_USE:
      g_value_set_string (value, self->special_use);
      break;
    case PROP_ICON_NAME:
      g_value_set_string (value, tern_folder_item_get_icon_name (self));
      break;
    case PROP_DEPTH:
      g_value_set_uint (value, self->depth);
      break;
    case PROP_UNREAD:
      g_value_set_uint (value, self->unread);
      break;
    case PROP_TOTAL:
      g_value_set_uint (value, self->total);
      break;
    case PROP_SELECTABLE:
      g_value_set_boolean (value, self->selectable);
      break;
    case PROP_LOCAL_STATE:
      g_value_set_int (value, self->local_state);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tern_folder_item_class_init (TernFolderItemClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  const GParamFlags flags = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY;

  object_class->finalize = tern_folder_item_finalize;
  object_class->get_property = tern_folder_item_get_property;

  properties [PROP_LABEL] = g_param_spec_string ("label", NULL, NULL, NULL, flags);
  properties [PROP_PATH] = g_param_spec_string ("path", NULL, NULL, NULL, flags);
  properties [PROP_SPECIAL_USE] = g_param_spec_string ("special-use", NULL, NULL, NULL, flags);
  properties [PROP_ICON_NAME] = g_param_spec_string ("icon-name", NULL, NULL, NULL, flags);
  properties [PROP_DEPTH] = g_param_spec_uint ("depth", NULL, NULL, 0, G_MAXUINT, 0, flags);
  properties [PROP_UNREAD] = g_param_spec_uint ("unread", NULL, NULL, 0, G_MAXUINT, 0, flags);
  properties [PROP_TOTAL] = g_param_spec_uint ("total", NULL, NULL, 0, G_MAXUINT, 0, flags);
  properties [PROP_SELECTABLE] = g_param_spec_boolean ("selectable", NULL, NULL, FALSE, flags);
  properties [PROP_LOCAL_STATE] = g_param_spec_int ("local-state", NULL, NULL, 0, 3, 0, flags);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
tern_folder_item_init (TernFolderItem *self)
{
}

TernFolderItem *
_tern_folder_item_new (TernFolderItemKind kind,
                       gint64             id,
                       gint64             account_id)
{
  TernFolderItem *self = g_object_new (TERN_TYPE_FOLDER_ITEM, NULL);

  self->kind = kind;
  self->id = id;
  self->account_id = account_id;
  return self;
}

#define SET_FIELD(field, value, prop) \
  _TERN_MODEL_SET_FIELD (self, field, value, properties [prop])

void
_tern_folder_item_update (TernFolderItem *self,
                          const char     *label,
                          const char     *path,
                          const char     *special_use,
                          guint           depth,
                          guint           unread,
                          guint           total,
                          gboolean        selectable,
                          int             local_state)
{
  g_return_if_fail (TERN_IS_FOLDER_ITEM (self));

  g_object_freeze_notify (G_OBJECT (self));
  _tern_model_set_str (self, &self->label, label, properties [PROP_LABEL]);
  _tern_model_set_str (self, &self->path, path, properties [PROP_PATH]);
  if (_tern_model_set_str (self, &self->special_use, special_use, properties [PROP_SPECIAL_USE]))
    g_object_notify_by_pspec (G_OBJECT (self), properties [PROP_ICON_NAME]);
  SET_FIELD (depth, depth, PROP_DEPTH);
  SET_FIELD (unread, unread, PROP_UNREAD);
  SET_FIELD (total, total, PROP_TOTAL);
  SET_FIELD (selectable, !!selectable, PROP_SELECTABLE);
  SET_FIELD (local_state, local_state, PROP_LOCAL_STATE);
  g_object_thaw_notify (G_OBJECT (self));
}

void
_tern_folder_item_set_counts (TernFolderItem *self,
                              guint           unread,
                              guint           total)
{
  g_return_if_fail (TERN_IS_FOLDER_ITEM (self));

  g_object_freeze_notify (G_OBJECT (self));
  SET_FIELD (unread, unread, PROP_UNREAD);
  SET_FIELD (total, total, PROP_TOTAL);
  g_object_thaw_notify (G_OBJECT (self));
}

/* Set before the item is shown, with its path: no notification. */
void
_tern_folder_item_set_owner (TernFolderItem *self,
                             const char     *owner)
{
  g_return_if_fail (TERN_IS_FOLDER_ITEM (self));

  g_free (self->owner);
  self->owner = g_strdup (owner);
}

void
_tern_folder_item_set_members (TernFolderItem *self,
                               GArray         *folder_ids)
{
  g_return_if_fail (TERN_IS_FOLDER_ITEM (self));

  g_clear_pointer (&self->members, g_array_unref);
  if (folder_ids != NULL)
    {
      self->members = g_array_sized_new (FALSE, FALSE, sizeof (gint64), folder_ids->len);
      g_array_append_vals (self->members, folder_ids->data, folder_ids->len);
    }
}

GArray *
tern_folder_item_get_members (TernFolderItem *self)
{
  g_return_val_if_fail (TERN_IS_FOLDER_ITEM (self), NULL);
  return self->members;
}

const char *
tern_folder_item_get_owner (TernFolderItem *self)
{
  g_return_val_if_fail (TERN_IS_FOLDER_ITEM (self), NULL);
  return self->owner;
}

TernFolderItemKind
tern_folder_item_get_kind (TernFolderItem *self)
{
  g_return_val_if_fail (TERN_IS_FOLDER_ITEM (self), TERN_FOLDER_ITEM_FOLDER);
  return self->kind;
}

gint64
tern_folder_item_get_id (TernFolderItem *self)
{
  g_return_val_if_fail (TERN_IS_FOLDER_ITEM (self), 0);
  return self->id;
}

gint64
tern_folder_item_get_account_id (TernFolderItem *self)
{
  g_return_val_if_fail (TERN_IS_FOLDER_ITEM (self), 0);
  return self->account_id;
}

const char *
tern_folder_item_get_label (TernFolderItem *self)
{
  g_return_val_if_fail (TERN_IS_FOLDER_ITEM (self), NULL);
  return self->label;
}

const char *
tern_folder_item_get_path (TernFolderItem *self)
{
  g_return_val_if_fail (TERN_IS_FOLDER_ITEM (self), NULL);
  return self->path;
}

const char *
tern_folder_item_get_special_use (TernFolderItem *self)
{
  g_return_val_if_fail (TERN_IS_FOLDER_ITEM (self), NULL);
  return self->special_use;
}

const char *
tern_folder_item_get_icon_name (TernFolderItem *self)
{
  static const struct { const char *use; const char *icon; } icons[] = {
    { "\\Inbox", "mail-unread-symbolic" },
    { "\\Drafts", "document-edit-symbolic" },
    { "\\Sent", "mail-send-symbolic" },
    { "\\Archive", "package-x-generic-symbolic" },
    { "\\All", "folder-saved-search-symbolic" },
    { "\\Flagged", "starred-symbolic" },
    { "\\Junk", "mail-mark-junk-symbolic" },
    { "\\Trash", "user-trash-symbolic" },
  };

  g_return_val_if_fail (TERN_IS_FOLDER_ITEM (self), NULL);

  if (self->kind == TERN_FOLDER_ITEM_ACCOUNT)
    return "avatar-default-symbolic";
  if (self->kind == TERN_FOLDER_ITEM_HEADING)
    return NULL;
  for (guint i = 0; self->special_use != NULL && i < G_N_ELEMENTS (icons); i++)
    if (g_ascii_strcasecmp (self->special_use, icons[i].use) == 0)
      return icons[i].icon;
  return self->local_state == TERN_FOLDER_CREATED_HERE ? "folder-new-symbolic" : "folder-symbolic";
}

guint
tern_folder_item_get_depth (TernFolderItem *self)
{
  g_return_val_if_fail (TERN_IS_FOLDER_ITEM (self), 0);
  return self->depth;
}

guint
tern_folder_item_get_unread (TernFolderItem *self)
{
  g_return_val_if_fail (TERN_IS_FOLDER_ITEM (self), 0);
  return self->unread;
}

guint
tern_folder_item_get_total (TernFolderItem *self)
{
  g_return_val_if_fail (TERN_IS_FOLDER_ITEM (self), 0);
  return self->total;
}

gboolean
tern_folder_item_get_selectable (TernFolderItem *self)
{
  g_return_val_if_fail (TERN_IS_FOLDER_ITEM (self), FALSE);
  return self->selectable;
}

int
tern_folder_item_get_local_state (TernFolderItem *self)
{
  g_return_val_if_fail (TERN_IS_FOLDER_ITEM (self), 0);
  return self->local_state;
}
