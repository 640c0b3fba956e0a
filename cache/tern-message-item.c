/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "tern-message-item"

#include "config.h"

#include "tern-message-item.h"
#include "tern-model-private.h"
#include "tern-store.h"

struct _TernMessageItem
{
  GObject   parent_instance;

  gint64    id;
  gint64    folder_id;
  char     *subject;
  char     *sender;
  char     *sender_address;
  char     *flags;
  char     *preview;
  gint64    date;
  guint     loaded : 1;
  guint     unread : 1;
  guint     flagged : 1;
  guint     answered : 1;
  guint     has_attachment : 1;
};

G_DEFINE_FINAL_TYPE (TernMessageItem, tern_message_item, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_ID,
  PROP_LOADED,
  PROP_FOLDER_ID,
  PROP_SUBJECT,
  PROP_SENDER,
  PROP_SENDER_ADDRESS,
  PROP_DATE,
  PROP_FLAGS,
  PROP_UNREAD,
  PROP_FLAGGED,
  PROP_ANSWERED,
  PROP_HAS_ATTACHMENT,
  PROP_PREVIEW,
  N_PROPS
};

static GParamSpec *properties [N_PROPS];

static void
tern_message_item_finalize (GObject *object)
{
  TernMessageItem *self = TERN_MESSAGE_ITEM (object);

  g_free (self->subject);
  g_free (self->sender);
  g_free (self->sender_address);
  g_free (self->flags);
  g_free (self->preview);

  G_OBJECT_CLASS (tern_message_item_parent_class)->finalize (object);
}

static void
tern_message_item_get_property (GObject    *object,
                                guint       prop_id,
                                GValue     *value,
                                GParamSpec *pspec)
{
  TernMessageItem *self = TERN_MESSAGE_ITEM (object);

  switch (prop_id)
    {
    case PROP_ID:
      g_value_set_int64 (value, self->id);
      break;
    case PROP_LOADED:
      g_value_set_boolean (value, self->loaded);
      break;
    case PROP_FOLDER_ID:
      g_value_set_int64 (value, self->folder_id);
      break;
    case PROP_SUBJECT:
      g_value_set_string (value, self->subject);
      break;
    case PROP_SENDER:
      g_value_set_string (value, self->sender);
      break;
    case PROP_SENDER_ADDRESS:
      g_value_set_string (value, self->sender_address);
      break;
    case PROP_DATE:
      g_value_set_int64 (value, self->date);
      break;
    case PROP_FLAGS:
      g_value_set_string (value, self->flags);
      break;
    case PROP_UNREAD:
      g_value_set_boolean (value, self->unread);
      break;
    case PROP_FLAGGED:
      g_value_set_boolean (value, self->flagged);
      break;
    case PROP_ANSWERED:
      g_value_set_boolean (value, self->answered);
      break;
    case PROP_HAS_ATTACHMENT:
      g_value_set_boolean (value, self->has_attachment);
      break;
    case PROP_PREVIEW:
      g_value_set_string (value, self->preview);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tern_message_item_class_init (TernMessageItemClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  const GParamFlags flags = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY;

  object_class->finalize = tern_message_item_finalize;
  object_class->get_property = tern_message_item_get_property;

  properties [PROP_ID] = g_param_spec_int64 ("id", NULL, NULL, 0, G_MAXINT64, 0, flags);
  properties [PROP_LOADED] = g_param_spec_boolean ("loaded", NULL, NULL, FALSE, flags);
  properties [PROP_FOLDER_ID] = g_param_spec_int64 ("folder-id", NULL, NULL, 0, G_MAXINT64, 0, flags);
  properties [PROP_SUBJECT] = g_param_spec_string ("subject", NULL, NULL, NULL, flags);
  properties [PROP_SENDER] = g_param_spec_string ("sender", NULL, NULL, NULL, flags);
  properties [PROP_SENDER_ADDRESS] = g_param_spec_string ("sender-address", NULL, NULL, NULL, flags);
  properties [PROP_DATE] = g_param_spec_int64 ("date", NULL, NULL, G_MININT64, G_MAXINT64, 0, flags);
  properties [PROP_FLAGS] = g_param_spec_string ("flags", NULL, NULL, NULL, flags);
  properties [PROP_UNREAD] = g_param_spec_boolean ("unread", NULL, NULL, FALSE, flags);
  properties [PROP_FLAGGED] = g_param_spec_boolean ("flagged", NULL, NULL, FALSE, flags);
  properties [PROP_ANSWERED] = g_param_spec_boolean ("answered", NULL, NULL, FALSE, flags);
  properties [PROP_HAS_ATTACHMENT] = g_param_spec_boolean ("has-attachment", NULL, NULL, FALSE, flags);
  properties [PROP_PREVIEW] = g_param_spec_string ("preview", NULL, NULL, NULL, flags);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
tern_message_item_init (TernMessageItem *self)
{
}

TernMessageItem *
tern_message_item_new (gint64 id)
{
  TernMessageItem *self = g_object_new (TERN_TYPE_MESSAGE_ITEM, NULL);

  self->id = id;
  return self;
}

#define GETTER(type, name, field, fallback) \
  type \
  tern_message_item_get_##name (TernMessageItem *self) \
  { \
    g_return_val_if_fail (TERN_IS_MESSAGE_ITEM (self), fallback); \
    return self->field; \
  }

GETTER (gint64, id, id, 0)
GETTER (gboolean, loaded, loaded, FALSE)
GETTER (gint64, folder_id, folder_id, 0)
GETTER (const char *, subject, subject, NULL)
GETTER (const char *, sender, sender, NULL)
GETTER (const char *, sender_address, sender_address, NULL)
GETTER (gint64, date, date, 0)
GETTER (const char *, flags, flags, NULL)
GETTER (gboolean, unread, unread, FALSE)
GETTER (gboolean, flagged, flagged, FALSE)
GETTER (gboolean, answered, answered, FALSE)
GETTER (gboolean, has_attachment, has_attachment, FALSE)

#define SET_BIT(field, value, prop) \
  G_STMT_START { \
    gboolean v_ = !!(value); \
    if (self->field != v_) \
      { \
        self->field = v_; \
        g_object_notify_by_pspec (G_OBJECT (self), properties [prop]); \
      } \
  } G_STMT_END

void
_tern_message_item_set_envelope (TernMessageItem *self,
                                 gint64           folder_id,
                                 const char      *subject,
                                 const char      *from_name,
                                 const char      *from_addr,
                                 gint64           date,
                                 const char      *flags,
                                 gboolean         has_attachment)
{
  g_return_if_fail (TERN_IS_MESSAGE_ITEM (self));

  g_object_freeze_notify (G_OBJECT (self));
  _TERN_MODEL_SET_FIELD (self, folder_id, folder_id, properties [PROP_FOLDER_ID]);
  _tern_model_set_str (self, &self->subject, subject, properties [PROP_SUBJECT]);
  _tern_model_set_str (self, &self->sender,
                       from_name != NULL && *from_name != '\0' ? from_name : from_addr,
                       properties [PROP_SENDER]);
  _tern_model_set_str (self, &self->sender_address, from_addr, properties [PROP_SENDER_ADDRESS]);
  _TERN_MODEL_SET_FIELD (self, date, date, properties [PROP_DATE]);
  _tern_model_set_str (self, &self->flags, flags, properties [PROP_FLAGS]);
  SET_BIT (unread, !tern_flags_contain (flags, "\\Seen"), PROP_UNREAD);
  SET_BIT (flagged, tern_flags_contain (flags, "\\Flagged"), PROP_FLAGGED);
  SET_BIT (answered, tern_flags_contain (flags, "\\Answered"), PROP_ANSWERED);
  SET_BIT (has_attachment, has_attachment, PROP_HAS_ATTACHMENT);
  SET_BIT (loaded, TRUE, PROP_LOADED);
  g_object_thaw_notify (G_OBJECT (self));
}

const char *
tern_message_item_get_preview (TernMessageItem *self)
{
  g_return_val_if_fail (TERN_IS_MESSAGE_ITEM (self), NULL);

  return self->preview;
}

/* The start of the cached plain text as one line: quoted lines ("> ...", "On ... wrote:"
 * before them), signatures and blank lines skipped, white space collapsed. */
void
_tern_message_item_set_preview (TernMessageItem *self,
                                const char      *text)
{
  g_autoptr(GString) line = g_string_new (NULL);
  g_auto(GStrv) lines = NULL;

  g_return_if_fail (TERN_IS_MESSAGE_ITEM (self));

  if (text != NULL)
    lines = g_strsplit (text, "\n", -1);
  for (guint i = 0; lines != NULL && lines[i] != NULL && line->len < 160; i++)
    {
      const char *l = g_strstrip (lines[i]);

      if (g_str_equal (l, "--") || g_str_has_prefix (l, "-- "))
        break;
      if (*l == '\0' || *l == '>' ||
          (g_str_has_suffix (l, "wrote:") && lines[i + 1] != NULL && g_str_has_prefix (g_strchug (lines[i + 1]), ">")))
        continue;
      if (line->len > 0)
        g_string_append_c (line, ' ');
      for (const char *p = l; *p != '\0'; p = g_utf8_next_char (p))
        {
          gunichar c = g_utf8_get_char (p);

          if (g_unichar_isspace (c))
            {
              if (line->len > 0 && line->str[line->len - 1] != ' ')
                g_string_append_c (line, ' ');
            }
          else
            g_string_append_unichar (line, c);
        }
    }
  _tern_model_set_str (self, &self->preview, line->len > 0 ? line->str : NULL, properties [PROP_PREVIEW]);
}
