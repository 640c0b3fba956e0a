/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "tern-conversation-item"

#include "config.h"

#include "tern-conversation-item.h"
#include "tern-model-private.h"

struct _TernConversationItem
{
  GObject   parent_instance;

  gint64    thread_id;
  gint64    newest_id;
  gint64    folder_id;
  gint64    date;
  guint     count;
  guint     unread_count;
  char     *subject;
  char     *participants;
  guint     loaded : 1;
  guint     flagged : 1;
  guint     has_attachment : 1;
};

G_DEFINE_FINAL_TYPE (TernConversationItem, tern_conversation_item, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_THREAD_ID,
  PROP_LOADED,
  PROP_NEWEST_ID,
  PROP_DATE,
  PROP_COUNT,
  PROP_UNREAD_COUNT,
  PROP_UNREAD,
  PROP_SUBJECT,
  PROP_PARTICIPANTS,
  PROP_FLAGGED,
  PROP_HAS_ATTACHMENT,
  N_PROPS
};

static GParamSpec *properties [N_PROPS];

static void
tern_conversation_item_finalize (GObject *object)
{
  TernConversationItem *self = TERN_CONVERSATION_ITEM (object);

  g_free (self->subject);
  g_free (self->participants);

  G_OBJECT_CLASS (tern_conversation_item_parent_class)->finalize (object);
}

static void
tern_conversation_item_get_property (GObject    *object,
                                     guint       prop_id,
                                     GValue     *value,
                                     GParamSpec *pspec)
{
  TernConversationItem *self = TERN_CONVERSATION_ITEM (object);

  switch (prop_id)
    {
    case PROP_THREAD_ID:
      g_value_set_int64 (value, self->thread_id);
      break;
    case PROP_LOADED:
      g_value_set_boolean (value, self->loaded);
      break;
    case PROP_NEWEST_ID:
      g_value_set_int64 (value, self->newest_id);
      break;
    case PROP_DATE:
      g_value_set_int64 (value, self->date);
      break;
    case PROP_COUNT:
      g_value_set_uint (value, self->count);
      break;
    case PROP_UNREAD_COUNT:
      g_value_set_uint (value, self->unread_count);
      break;
    case PROP_UNREAD:
      g_value_set_boolean (value, self->unread_count > 0);
      break;
    case PROP_SUBJECT:
      g_value_set_string (value, self->subject);
      break;
    case PROP_PARTICIPANTS:
      g_value_set_string (value, self->participants);
      break;
    case PROP_FLAGGED:
      g_value_set_boolean (value, self->flagged);
      break;
    case PROP_HAS_ATTACHMENT:
      g_value_set_boolean (value, self->has_attachment);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tern_conversation_item_class_init (TernConversationItemClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  const GParamFlags flags = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY;

  object_class->finalize = tern_conversation_item_finalize;
  object_class->get_property = tern_conversation_item_get_property;

  properties [PROP_THREAD_ID] = g_param_spec_int64 ("thread-id", NULL, NULL, G_MININT64, G_MAXINT64, 0, flags);
  properties [PROP_LOADED] = g_param_spec_boolean ("loaded", NULL, NULL, FALSE, flags);
  properties [PROP_NEWEST_ID] = g_param_spec_int64 ("newest-id", NULL, NULL, 0, G_MAXINT64, 0, flags);
  properties [PROP_DATE] = g_param_spec_int64 ("date", NULL, NULL, G_MININT64, G_MAXINT64, 0, flags);
  properties [PROP_COUNT] = g_param_spec_uint ("count", NULL, NULL, 0, G_MAXUINT, 0, flags);
  properties [PROP_UNREAD_COUNT] = g_param_spec_uint ("unread-count", NULL, NULL, 0, G_MAXUINT, 0, flags);
  properties [PROP_UNREAD] = g_param_spec_boolean ("unread", NULL, NULL, FALSE, flags);
  properties [PROP_SUBJECT] = g_param_spec_string ("subject", NULL, NULL, NULL, flags);
  properties [PROP_PARTICIPANTS] = g_param_spec_string ("participants", NULL, NULL, NULL, flags);
  properties [PROP_FLAGGED] = g_param_spec_boolean ("flagged", NULL, NULL, FALSE, flags);
  properties [PROP_HAS_ATTACHMENT] = g_param_spec_boolean ("has-attachment", NULL, NULL, FALSE, flags);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
tern_conversation_item_init (TernConversationItem *self)
{
}

TernConversationItem *
tern_conversation_item_new (gint64 thread_id)
{
  TernConversationItem *self = g_object_new (TERN_TYPE_CONVERSATION_ITEM, NULL);

  self->thread_id = thread_id;
  return self;
}

#define GETTER(type, name, expr, fallback) \
  type \
  tern_conversation_item_get_##name (TernConversationItem *self) \
  { \
    g_return_val_if_fail (TERN_IS_CONVERSATION_ITEM (self), fallback); \
    return expr; \
  }

GETTER (gint64, thread_id, self->thread_id, 0)
GETTER (gboolean, loaded, self->loaded, FALSE)
GETTER (gint64, newest_id, self->newest_id, 0)
GETTER (gint64, folder_id, self->folder_id, 0)
GETTER (gint64, date, self->date, 0)
GETTER (guint, count, self->count, 0)
GETTER (guint, unread_count, self->unread_count, 0)
GETTER (gboolean, unread, self->unread_count > 0, FALSE)
GETTER (const char *, subject, self->subject, NULL)
GETTER (const char *, participants, self->participants, NULL)
GETTER (gboolean, flagged, self->flagged, FALSE)
GETTER (gboolean, has_attachment, self->has_attachment, FALSE)

#define SET(field, value, prop) \
  _TERN_MODEL_SET_FIELD (self, field, value, properties [prop])

void
_tern_conversation_item_set_counts (TernConversationItem *self,
                                    gint64                newest_id,
                                    gint64                date,
                                    guint                 count,
                                    guint                 unread)
{
  gboolean was_unread;

  g_return_if_fail (TERN_IS_CONVERSATION_ITEM (self));

  was_unread = self->unread_count > 0;
  g_object_freeze_notify (G_OBJECT (self));
  SET (newest_id, newest_id, PROP_NEWEST_ID);
  SET (date, date, PROP_DATE);
  SET (count, count, PROP_COUNT);
  SET (unread_count, unread, PROP_UNREAD_COUNT);
  if (was_unread != (unread > 0))
    g_object_notify_by_pspec (G_OBJECT (self), properties [PROP_UNREAD]);
  g_object_thaw_notify (G_OBJECT (self));
}

void
_tern_conversation_item_set_folder_id (TernConversationItem *self,
                                       gint64                folder_id)
{
  g_return_if_fail (TERN_IS_CONVERSATION_ITEM (self));

  self->folder_id = folder_id;
}

void
_tern_conversation_item_set_envelope (TernConversationItem *self,
                                      const char           *subject,
                                      const char           *participants,
                                      gboolean              flagged,
                                      gboolean              has_attachment)
{
  g_return_if_fail (TERN_IS_CONVERSATION_ITEM (self));

  g_object_freeze_notify (G_OBJECT (self));
  _tern_model_set_str (self, &self->subject, subject, properties [PROP_SUBJECT]);
  _tern_model_set_str (self, &self->participants, participants, properties [PROP_PARTICIPANTS]);
  SET (flagged, !!flagged, PROP_FLAGGED);
  SET (has_attachment, !!has_attachment, PROP_HAS_ATTACHMENT);
  SET (loaded, TRUE, PROP_LOADED);
  g_object_thaw_notify (G_OBJECT (self));
}
