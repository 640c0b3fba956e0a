/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "tern-imap-convert"

#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "tern-imap-convert.h"
#include "tern-mime.h"

gint64
_tern_date_time_to_unix (struct mailimap_date_time *dt)
{
  g_autoptr(GTimeZone) tz = NULL;
  g_autoptr(GDateTime) date = NULL;
  int zone;

  if (dt == NULL)
    return 0;
  /* dt_zone is +-HHMM as a number. */
  zone = dt->dt_zone;
  tz = g_time_zone_new_offset ((zone / 100) * 3600 + (zone % 100) * 60);
  date = g_date_time_new (tz, dt->dt_year, dt->dt_month, dt->dt_day,
                          dt->dt_hour, dt->dt_min, dt->dt_sec);
  return date ? g_date_time_to_unix (date) : 0;
}

/* A field that should be ASCII (an address, a Message-ID) but may carry raw 8-bit bytes
 * (Latin-1 from an old client): decoded as header text is (GMime's fallback charsets), so
 * that the cache holds UTF-8 and `show` prints valid UTF-8. */
static char *
utf8_field (const char *raw)
{
  if (raw == NULL || g_utf8_validate (raw, -1, NULL))
    return g_strdup (raw);
  return _tern_mime_decode_text (raw);
}

static char *
format_address (struct mailimap_address *addr)
{
  g_autofree char *name = _tern_mime_decode_phrase (addr->ad_personal_name);
  g_autofree char *email = NULL;
  g_autofree char *joined = NULL;

  if (addr->ad_mailbox_name == NULL)
    return NULL; /* group syntax markers */
  if (addr->ad_host_name != NULL)
    joined = g_strdup_printf ("%s@%s", addr->ad_mailbox_name, addr->ad_host_name);
  else
    joined = g_strdup (addr->ad_mailbox_name);
  email = utf8_field (joined);

  if (name != NULL && *name != '\0')
    return g_strdup_printf ("%s <%s>", name, email);
  return g_steal_pointer (&email);
}

static char *
format_address_list (clist *list)
{
  GString *out;

  if (list == NULL)
    return NULL;
  out = g_string_new (NULL);
  for (clistiter *it = clist_begin (list); it != NULL; it = clist_next (it))
    {
      g_autofree char *one = format_address (clist_content (it));

      if (one == NULL)
        continue;
      if (out->len > 0)
        g_string_append (out, ", ");
      g_string_append (out, one);
    }
  if (out->len == 0)
    {
      g_string_free (out, TRUE);
      return NULL;
    }
  return g_string_free (out, FALSE);
}

static void
fill_envelope (TernMessage              *message,
               struct mailimap_envelope *env)
{
  if (env == NULL)
    return;

  message->subject = _tern_mime_decode_text (env->env_subject);
  message->message_id = utf8_field (env->env_message_id);
  message->in_reply_to = utf8_field (env->env_in_reply_to);

  if (env->env_date != NULL)
    message->date = _tern_parse_date (env->env_date);

  if (env->env_from != NULL && env->env_from->frm_list != NULL &&
      clist_begin (env->env_from->frm_list) != NULL)
    {
      struct mailimap_address *addr = clist_content (clist_begin (env->env_from->frm_list));

      g_autofree char *joined = NULL;

      message->from_name = _tern_mime_decode_phrase (addr->ad_personal_name);
      if (addr->ad_mailbox_name != NULL && addr->ad_host_name != NULL)
        joined = g_strdup_printf ("%s@%s", addr->ad_mailbox_name, addr->ad_host_name);
      else
        joined = g_strdup (addr->ad_mailbox_name);
      message->from_addr = utf8_field (joined);
    }
  if (env->env_sender != NULL)
    message->sender = format_address_list (env->env_sender->snd_list);
  if (env->env_reply_to != NULL)
    message->reply_to = format_address_list (env->env_reply_to->rt_list);
  if (env->env_to != NULL)
    message->to_list = format_address_list (env->env_to->to_list);
  if (env->env_cc != NULL)
    message->cc_list = format_address_list (env->env_cc->cc_list);
  if (env->env_bcc != NULL)
    message->bcc_list = format_address_list (env->env_bcc->bcc_list);
}

/* "References: <a> <b>\r\n\r\n" -> "<a> <b>" */
static char *
parse_references (const char *header,
                  gsize       length)
{
  g_autofree char *copy = g_strndup (header, length);
  const char *colon = strchr (copy, ':');
  GString *out;
  const char *p;

  if (colon == NULL)
    return NULL;
  out = g_string_new (NULL);
  for (p = colon + 1; *p != '\0'; p++)
    {
      if (*p == '\r' || *p == '\n' || *p == '\t' || *p == ' ')
        {
          if (out->len > 0 && out->str[out->len - 1] != ' ')
            g_string_append_c (out, ' ');
          continue;
        }
      g_string_append_c (out, *p);
    }
  while (out->len > 0 && out->str[out->len - 1] == ' ')
    g_string_truncate (out, out->len - 1);
  if (out->len == 0)
    {
      g_string_free (out, TRUE);
      return NULL;
    }
  if (!g_utf8_validate (out->str, (gssize) out->len, NULL))
    {
      g_autofree char *raw = g_string_free (out, FALSE);

      return utf8_field (raw);
    }
  return g_string_free (out, FALSE);
}

static void
append_flag (GString    *out,
             const char *flag)
{
  if (out->len > 0)
    g_string_append_c (out, ' ');
  g_string_append (out, flag);
}

static char *
flags_from_dynamic (struct mailimap_msg_att_dynamic *dyn)
{
  static const char * const names[] = { "\\Seen", "\\Answered", "\\Flagged", "\\Deleted", "\\Draft" };
  g_autoptr(GString) out = g_string_new (NULL);
  guint system = 0;
  gboolean keywords = FALSE;

  /* System flags are gathered as bits and written in canonical order; only a message
   * with keywords needs the general canonicalisation. */
  if (dyn != NULL && dyn->att_list != NULL)
    for (clistiter *it = clist_begin (dyn->att_list); it != NULL; it = clist_next (it))
      {
        struct mailimap_flag_fetch *ff = clist_content (it);
        struct mailimap_flag *flag;

        if (ff->fl_type != MAILIMAP_FLAG_FETCH_OTHER || ff->fl_flag == NULL)
          continue;
        flag = ff->fl_flag;
        switch (flag->fl_type)
          {
          case MAILIMAP_FLAG_SEEN: system |= 1 << 0; break;
          case MAILIMAP_FLAG_ANSWERED: system |= 1 << 1; break;
          case MAILIMAP_FLAG_FLAGGED: system |= 1 << 2; break;
          case MAILIMAP_FLAG_DELETED: system |= 1 << 3; break;
          case MAILIMAP_FLAG_DRAFT: system |= 1 << 4; break;
          case MAILIMAP_FLAG_KEYWORD:
            if (flag->fl_data.fl_keyword != NULL)
              {
                append_flag (out, flag->fl_data.fl_keyword);
                keywords = TRUE;
              }
            break;
          case MAILIMAP_FLAG_EXTENSION:
            if (flag->fl_data.fl_extension != NULL)
              {
                g_autofree char *ext = g_strdup_printf ("\\%s", flag->fl_data.fl_extension);
                append_flag (out, ext);
                keywords = TRUE;
              }
            break;
          default:
            break;
          }
      }

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    if (system & (1u << i))
      append_flag (out, names[i]);
  if (keywords)
    return tern_flags_canonicalize (out->str);
  return g_strdup (out->str);
}

static guint64
modseq_from_extension (struct mailimap_extension_data *ext)
{
  if (ext != NULL && ext->ext_extension == &mailimap_extension_condstore &&
      ext->ext_type == MAILIMAP_CONDSTORE_TYPE_FETCH_DATA && ext->ext_data != NULL)
    {
      struct mailimap_condstore_fetch_mod_resp *resp = ext->ext_data;

      return resp->cs_modseq_value;
    }
  return 0;
}

char *
_tern_flags_from_msg_att (struct mailimap_msg_att *msg_att,
                          guint32                 *uid_out,
                          guint64                 *modseq_out)
{
  char *flags = NULL;

  *uid_out = 0;
  if (modseq_out)
    *modseq_out = 0;
  for (clistiter *it = clist_begin (msg_att->att_list); it != NULL; it = clist_next (it))
    {
      struct mailimap_msg_att_item *item = clist_content (it);

      if (item->att_type == MAILIMAP_MSG_ATT_ITEM_DYNAMIC)
        {
          g_free (flags);
          flags = flags_from_dynamic (item->att_data.att_dyn);
        }
      else if (item->att_type == MAILIMAP_MSG_ATT_ITEM_STATIC &&
               item->att_data.att_static->att_type == MAILIMAP_MSG_ATT_UID)
        *uid_out = item->att_data.att_static->att_data.att_uid;
      else if (item->att_type == MAILIMAP_MSG_ATT_ITEM_EXTENSION && modseq_out)
        *modseq_out = modseq_from_extension (item->att_data.att_extension_data);
    }
  return flags;
}

TernMessage *
_tern_message_from_msg_att (struct mailimap_msg_att *msg_att)
{
  TernMessage *message = tern_message_new ();

  for (clistiter *it = clist_begin (msg_att->att_list); it != NULL; it = clist_next (it))
    {
      struct mailimap_msg_att_item *item = clist_content (it);
      struct mailimap_msg_att_static *st;

      switch (item->att_type)
        {
        case MAILIMAP_MSG_ATT_ITEM_DYNAMIC:
          g_free (message->flags);
          message->flags = flags_from_dynamic (item->att_data.att_dyn);
          break;

        case MAILIMAP_MSG_ATT_ITEM_EXTENSION:
          message->modseq = modseq_from_extension (item->att_data.att_extension_data);
          break;

        case MAILIMAP_MSG_ATT_ITEM_STATIC:
          st = item->att_data.att_static;
          switch (st->att_type)
            {
            case MAILIMAP_MSG_ATT_UID:
              message->uid = st->att_data.att_uid;
              break;
            case MAILIMAP_MSG_ATT_ENVELOPE:
              fill_envelope (message, st->att_data.att_env);
              break;
            case MAILIMAP_MSG_ATT_INTERNALDATE:
              message->internaldate = _tern_date_time_to_unix (st->att_data.att_internal_date);
              break;
            case MAILIMAP_MSG_ATT_RFC822_SIZE:
              message->size = st->att_data.att_rfc822_size;
              break;
            case MAILIMAP_MSG_ATT_BODYSTRUCTURE:
              g_clear_pointer (&message->parts, g_ptr_array_unref);
              message->parts = _tern_parts_from_body (st->att_data.att_bodystructure);
              break;
            case MAILIMAP_MSG_ATT_BODY_SECTION:
              if (st->att_data.att_body_section != NULL &&
                  st->att_data.att_body_section->sec_body_part != NULL)
                message->references = parse_references (st->att_data.att_body_section->sec_body_part,
                                                        st->att_data.att_body_section->sec_length);
              break;
            default:
              break;
            }
          break;

        default:
          break;
        }
    }

  if (message->flags == NULL)
    message->flags = g_strdup ("");
  return message;
}

/* BODYSTRUCTURE. */

static const char *
param_get (struct mailimap_body_fld_param *params,
           const char                     *name)
{
  if (params == NULL || params->pa_list == NULL)
    return NULL;
  for (clistiter *it = clist_begin (params->pa_list); it != NULL; it = clist_next (it))
    {
      struct mailimap_single_body_fld_param *p = clist_content (it);

      if (p->pa_name != NULL && g_ascii_strcasecmp (p->pa_name, name) == 0)
        return p->pa_value;
    }
  return NULL;
}

static char *
percent_decode_charset (const char *charset,
                        const char *encoded)
{
  g_autoptr(GString) raw = g_string_new (NULL);
  char *utf8;

  for (const char *p = encoded; *p != '\0'; p++)
    {
      if (*p == '%' && g_ascii_isxdigit (p[1]) && g_ascii_isxdigit (p[2]))
        {
          g_string_append_c (raw, (char) (g_ascii_xdigit_value (p[1]) * 16 + g_ascii_xdigit_value (p[2])));
          p += 2;
        }
      else
        g_string_append_c (raw, *p);
    }

  if (charset == NULL || *charset == '\0' || g_ascii_strcasecmp (charset, "utf-8") == 0 ||
      g_ascii_strcasecmp (charset, "us-ascii") == 0)
    utf8 = g_strndup (raw->str, raw->len);
  else
    utf8 = g_convert_with_fallback (raw->str, (gssize) raw->len, "UTF-8", charset, "?", NULL, NULL, NULL);
  if (utf8 == NULL || !g_utf8_validate (utf8, -1, NULL))
    {
      g_free (utf8);
      utf8 = g_utf8_make_valid (raw->str, (gssize) raw->len);
    }
  return utf8;
}

/* A parameter value with RFC 2231 (name*, name*0*, name*1 ...) and RFC 2047 decoding. */
static char *
param_get_decoded (struct mailimap_body_fld_param *params,
                   const char                     *name)
{
  g_autofree char *star = g_strdup_printf ("%s*", name);
  const char *value;
  g_autoptr(GString) joined = NULL;
  g_autofree char *charset = NULL;
  gboolean encoded = FALSE;

  if ((value = param_get (params, star)) != NULL)
    {
      const char *q1 = strchr (value, '\'');
      const char *q2 = q1 ? strchr (q1 + 1, '\'') : NULL;

      if (q1 != NULL && q2 != NULL)
        {
          g_autofree char *cs = g_strndup (value, (gsize) (q1 - value));
          return percent_decode_charset (cs, q2 + 1);
        }
      return percent_decode_charset (NULL, value);
    }

  /* Continuations: name*0, name*0*, name*1, ... */
  for (guint i = 0; i < 100; i++)
    {
      g_autofree char *plain_key = g_strdup_printf ("%s*%u", name, i);
      g_autofree char *enc_key = g_strdup_printf ("%s*%u*", name, i);
      const char *segment;
      gboolean seg_encoded = FALSE;

      if ((segment = param_get (params, enc_key)) != NULL)
        seg_encoded = TRUE;
      else if ((segment = param_get (params, plain_key)) == NULL)
        break;

      if (joined == NULL)
        joined = g_string_new (NULL);
      if (seg_encoded && i == 0)
        {
          const char *q1 = strchr (segment, '\'');
          const char *q2 = q1 ? strchr (q1 + 1, '\'') : NULL;

          if (q1 != NULL && q2 != NULL)
            {
              charset = g_strndup (segment, (gsize) (q1 - segment));
              segment = q2 + 1;
            }
        }
      if (seg_encoded)
        encoded = TRUE;
      g_string_append (joined, segment);
    }
  if (joined != NULL)
    return encoded ? percent_decode_charset (charset, joined->str) : _tern_mime_decode_text (joined->str);

  value = param_get (params, name);
  return value ? _tern_mime_decode_text (value) : NULL;
}

static const char *
encoding_name (struct mailimap_body_fld_enc *enc)
{
  if (enc == NULL)
    return NULL;
  switch (enc->enc_type)
    {
    case MAILIMAP_BODY_FLD_ENC_7BIT: return "7bit";
    case MAILIMAP_BODY_FLD_ENC_8BIT: return "8bit";
    case MAILIMAP_BODY_FLD_ENC_BINARY: return "binary";
    case MAILIMAP_BODY_FLD_ENC_BASE64: return "base64";
    case MAILIMAP_BODY_FLD_ENC_QUOTED_PRINTABLE: return "quoted-printable";
    default: return enc->enc_value;
    }
}

static const char *
media_basic_type (struct mailimap_media_basic *media)
{
  switch (media->med_type)
    {
    case MAILIMAP_MEDIA_BASIC_APPLICATION: return "application";
    case MAILIMAP_MEDIA_BASIC_AUDIO: return "audio";
    case MAILIMAP_MEDIA_BASIC_IMAGE: return "image";
    case MAILIMAP_MEDIA_BASIC_MESSAGE: return "message";
    case MAILIMAP_MEDIA_BASIC_VIDEO: return "video";
    default: return media->med_basic_type ? media->med_basic_type : "application";
    }
}

/* A MIME token (type, subtype, charset, encoding, disposition) as the cache keeps it:
 * lower case, and valid UTF-8 whatever the server sent (tokens are ASCII; a server that
 * sends bytes like "multi\xff2~\xffpart" gets U+FFFD, never invalid text in the cache). */
static char *
token_down (const char *token)
{
  g_autofree char *valid = NULL;

  if (token == NULL)
    return NULL;
  if (!g_utf8_validate (token, -1, NULL))
    token = valid = g_utf8_make_valid (token, -1);
  return g_ascii_strdown (token, -1);
}

static TernPart *
part_new (const char                  *section,
          const char                  *type,
          const char                  *subtype,
          struct mailimap_body_fields *fields,
          struct mailimap_body_fld_dsp *dsp)
{
  TernPart *part = g_new0 (TernPart, 1);

  part->section = g_strdup (section);
  part->type = token_down (type);
  part->subtype = token_down (subtype ? subtype : "");
  if (fields != NULL)
    {
      const char *charset = param_get (fields->bd_parameter, "charset");

      part->charset = token_down (charset);
      part->encoding = token_down (encoding_name (fields->bd_encoding) ?: "7bit");
      part->size = fields->bd_size;
      part->content_id = fields->bd_id != NULL ? g_utf8_make_valid (fields->bd_id, -1) : NULL;
      part->filename = param_get_decoded (fields->bd_parameter, "name");
    }
  if (dsp != NULL)
    {
      g_autofree char *filename = param_get_decoded (dsp->dsp_attributes, "filename");

      part->disposition = token_down (dsp->dsp_type);
      if (filename != NULL)
        {
          g_free (part->filename);
          part->filename = g_steal_pointer (&filename);
        }
    }
  return part;
}

static void
walk_body (struct mailimap_body *body,
           const char           *section,
           gboolean              container,
           GPtrArray            *parts);

static char *
child_section (const char *parent,
               guint       index)
{
  if (parent == NULL || *parent == '\0')
    return g_strdup_printf ("%u", index);
  return g_strdup_printf ("%s.%u", parent, index);
}

static void
walk_1part (struct mailimap_body_type_1part *one,
            const char                      *section,
            GPtrArray                       *parts)
{
  struct mailimap_body_fld_dsp *dsp = one->bd_ext_1part ? one->bd_ext_1part->bd_disposition : NULL;
  /* A single-part message's only part is section 1. */
  g_autofree char *own = (section == NULL || *section == '\0') ? g_strdup ("1") : g_strdup (section);

  switch (one->bd_type)
    {
    case MAILIMAP_BODY_TYPE_1PART_TEXT:
      g_ptr_array_add (parts, part_new (own, "text", one->bd_data.bd_type_text->bd_media_text,
                                        one->bd_data.bd_type_text->bd_fields, dsp));
      break;

    case MAILIMAP_BODY_TYPE_1PART_BASIC:
      g_ptr_array_add (parts, part_new (own, media_basic_type (one->bd_data.bd_type_basic->bd_media_basic),
                                        one->bd_data.bd_type_basic->bd_media_basic->med_subtype,
                                        one->bd_data.bd_type_basic->bd_fields, dsp));
      break;

    case MAILIMAP_BODY_TYPE_1PART_MSG:
      {
        struct mailimap_body_type_msg *msg = one->bd_data.bd_type_msg;

        g_ptr_array_add (parts, part_new (own, "message", "rfc822", msg->bd_fields, dsp));
        /* The parts of an attached message are numbered below its section; a
         * single-part attached message's body is own.1. */
        if (msg->bd_body != NULL)
          {
            /* A multipart body shares the message part's number: its children are own.1,
             * own.2; it gets no row of its own (that would replace the message part's). */
            if (msg->bd_body->bd_type == MAILIMAP_BODY_MPART)
              walk_body (msg->bd_body, own, FALSE, parts);
            else
              {
                g_autofree char *inner = child_section (own, 1);
                walk_body (msg->bd_body, inner, TRUE, parts);
              }
          }
      }
      break;

    default:
      break;
    }
}

static void
walk_body (struct mailimap_body *body,
           const char           *section,
           gboolean              container,
           GPtrArray            *parts)
{
  if (body == NULL)
    return;

  if (body->bd_type == MAILIMAP_BODY_1PART)
    {
      if (body->bd_data.bd_body_1part != NULL)
        walk_1part (body->bd_data.bd_body_1part, section, parts);
      return;
    }

  if (body->bd_type == MAILIMAP_BODY_MPART && body->bd_data.bd_body_mpart != NULL)
    {
      struct mailimap_body_type_mpart *mp = body->bd_data.bd_body_mpart;
      struct mailimap_body_fld_dsp *dsp = mp->bd_ext_mpart ? mp->bd_ext_mpart->bd_disposition : NULL;
      guint index = 0;

      if (container)
        g_ptr_array_add (parts, part_new (section ? section : "", "multipart", mp->bd_media_subtype,
                                          NULL, dsp));
      for (clistiter *it = clist_begin (mp->bd_list); it != NULL; it = clist_next (it))
        {
          g_autofree char *child = child_section (section, ++index);

          walk_body (clist_content (it), child, TRUE, parts);
        }
    }
}

GPtrArray *
_tern_parts_from_body (struct mailimap_body *body)
{
  GPtrArray *parts = g_ptr_array_new_with_free_func ((GDestroyNotify) tern_part_free);

  walk_body (body, "", TRUE, parts);
  return parts;
}
