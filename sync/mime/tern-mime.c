/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "tern-sync"

#include "config.h"

#include <gmime/gmime.h>
#include <string.h>

#include "tern-mime.h"

/* GMime 3.2 declares no autoptr cleanups. */
G_DEFINE_AUTOPTR_CLEANUP_FUNC (GMimeStream, g_object_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (GMimeParser, g_object_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (GMimeMessage, g_object_unref)

static char *
valid_utf8 (const char *text)
{
  if (text == NULL)
    return NULL;
  return g_utf8_make_valid (text, -1);
}

static char *
list_string (InternetAddressList *list)
{
  g_autofree char *text = NULL;

  if (list == NULL || internet_address_list_length (list) == 0)
    return NULL;
  text = internet_address_list_to_string (list, NULL, FALSE);
  return valid_utf8 (text);
}

static void
add_part (GPtrArray    *parts,
          const char   *section,
          GMimeObject  *object)
{
  GMimeContentType *ct = g_mime_object_get_content_type (object);
  TernPart *part = g_new0 (TernPart, 1);
  const char *charset = ct ? g_mime_content_type_get_parameter (ct, "charset") : NULL;

  part->section = g_strdup (section);
  part->type = g_ascii_strdown (ct && g_mime_content_type_get_media_type (ct)
                                  ? g_mime_content_type_get_media_type (ct) : "text", -1);
  part->subtype = g_ascii_strdown (ct && g_mime_content_type_get_media_subtype (ct)
                                     ? g_mime_content_type_get_media_subtype (ct) : "plain", -1);
  part->charset = charset ? g_ascii_strdown (charset, -1) : NULL;
  if (GMIME_IS_PART (object))
    {
      GMimePart *leaf = GMIME_PART (object);
      GMimeDataWrapper *content = g_mime_part_get_content (leaf);
      const char *filename = g_mime_part_get_filename (leaf);
      const char *cid = g_mime_part_get_content_id (leaf);

      part->encoding = g_ascii_strdown (g_mime_content_encoding_to_string (g_mime_part_get_content_encoding (leaf))
                                          ?: "7bit", -1);
      if (content != NULL)
        {
          GMimeStream *stream = g_mime_data_wrapper_get_stream (content);
          gint64 length = stream ? g_mime_stream_length (stream) : -1;

          part->size = length > 0 ? (guint64) length : 0;
        }
      part->filename = valid_utf8 (filename);
      part->content_id = cid ? g_strdup_printf ("<%s>", cid) : NULL;
    }
  if (g_mime_object_get_content_disposition (object) != NULL)
    part->disposition = g_ascii_strdown (g_mime_content_disposition_get_disposition (
                                           g_mime_object_get_content_disposition (object)) ?: "", -1);
  g_ptr_array_add (parts, part);
}

static char *
child (const char *parent,
       guint       index)
{
  return *parent ? g_strdup_printf ("%s.%u", parent, index) : g_strdup_printf ("%u", index);
}

/* Sections as IMAP numbers them: a single-part body is "1", multipart children 1..n,
 * an attached message's parts below its own section. */
static void
walk (GMimeObject *object,
      const char  *section,
      gboolean     container,
      GPtrArray   *parts)
{
  if (GMIME_IS_MULTIPART (object))
    {
      GMimeMultipart *multi = GMIME_MULTIPART (object);
      int n = g_mime_multipart_get_count (multi);

      if (container)
        add_part (parts, section, object);
      for (int i = 0; i < n; i++)
        {
          g_autofree char *sub = child (section, (guint) i + 1);

          walk (g_mime_multipart_get_part (multi, i), sub, TRUE, parts);
        }
      return;
    }
  if (GMIME_IS_MESSAGE_PART (object))
    {
      GMimeMessage *inner = g_mime_message_part_get_message (GMIME_MESSAGE_PART (object));
      g_autofree char *own = *section ? g_strdup (section) : g_strdup ("1");

      add_part (parts, own, object);
      if (inner != NULL && g_mime_message_get_mime_part (inner) != NULL)
        {
          GMimeObject *body = g_mime_message_get_mime_part (inner);

          /* The attached message's multipart body shares its number. */
          if (GMIME_IS_MULTIPART (body))
            walk (body, own, FALSE, parts);
          else
            {
              g_autofree char *sub = child (own, 1);
              walk (body, sub, TRUE, parts);
            }
        }
      return;
    }
  {
    g_autofree char *own = *section ? g_strdup (section) : g_strdup ("1");
    add_part (parts, own, object);
  }
}

TernMessage *
tern_mime_parse_message (GBytes  *raw,
                         GError **error)
{
  g_autoptr(GMimeStream) stream = NULL;
  g_autoptr(GMimeParser) parser = NULL;
  g_autoptr(GMimeMessage) mime = NULL;
  g_autoptr(TernMessage) message = NULL;
  InternetAddressList *from;
  GDateTime *date;
  const char *value;

  g_mime_init ();
  if (g_bytes_get_size (raw) == 0)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "The message is empty");
      return NULL;
    }
  stream = g_mime_stream_mem_new_with_buffer (g_bytes_get_data (raw, NULL), g_bytes_get_size (raw));
  parser = g_mime_parser_new_with_stream (stream);
  mime = g_mime_parser_construct_message (parser, NULL);
  if (mime == NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "Not a mail message");
      return NULL;
    }

  message = tern_message_new ();
  message->size = g_bytes_get_size (raw);
  message->flags = g_strdup ("");
  message->subject = valid_utf8 (g_mime_message_get_subject (mime));
  message->message_id = (value = g_mime_message_get_message_id (mime)) ? g_strdup_printf ("<%s>", value) : NULL;
  date = g_mime_message_get_date (mime);
  message->date = date ? g_date_time_to_unix (date) : 0;
  message->internaldate = message->date;
  from = g_mime_message_get_from (mime);
  if (from != NULL && internet_address_list_length (from) > 0)
    {
      InternetAddress *first = internet_address_list_get_address (from, 0);

      message->from_name = valid_utf8 (internet_address_get_name (first));
      if (INTERNET_ADDRESS_IS_MAILBOX (first))
        message->from_addr = valid_utf8 (internet_address_mailbox_get_addr (INTERNET_ADDRESS_MAILBOX (first)));
    }
  message->to_list = list_string (g_mime_message_get_to (mime));
  message->cc_list = list_string (g_mime_message_get_cc (mime));
  message->bcc_list = list_string (g_mime_message_get_bcc (mime));
  message->reply_to = list_string (g_mime_message_get_reply_to (mime));
  value = g_mime_object_get_header (GMIME_OBJECT (mime), "In-Reply-To");
  message->in_reply_to = value ? g_strstrip (valid_utf8 (value)) : NULL;
  value = g_mime_object_get_header (GMIME_OBJECT (mime), "References");
  if (value != NULL)
    {
      g_autofree char *refs = valid_utf8 (value);
      g_auto(GStrv) words = g_strsplit_set (refs, " \t\r\n", -1);
      g_autoptr(GString) out = g_string_new (NULL);

      for (guint i = 0; words[i] != NULL; i++)
        if (*words[i] != '\0')
          g_string_append_printf (out, "%s%s", out->len ? " " : "", words[i]);
      message->references = out->len ? g_strdup (out->str) : NULL;
    }

  message->parts = g_ptr_array_new_with_free_func ((GDestroyNotify) tern_part_free);
  if (g_mime_message_get_mime_part (mime) != NULL)
    walk (g_mime_message_get_mime_part (mime), "", TRUE, message->parts);
  return g_steal_pointer (&message);
}

static const struct
{
  const char *name;
  const char *text;
} entities[] = {
  { "amp", "&" }, { "lt", "<" }, { "gt", ">" }, { "quot", "\"" }, { "apos", "'" },
  { "nbsp", " " }, { "copy", "©" }, { "reg", "®" }, { "mdash", "—" }, { "ndash", "–" },
  { "hellip", "…" }, { "rsquo", "’" }, { "lsquo", "‘" }, { "rdquo", "”" }, { "ldquo", "“" },
  { "euro", "€" },
};

char *
tern_mime_html_to_text (const char *html)
{
  GString *out = g_string_new (NULL);
  const char *p = html;

  while (p != NULL && *p != '\0')
    {
      if (*p == '<')
        {
          const char *end = strchr (p, '>');
          g_autofree char *tag = NULL;
          char *name;

          if (end == NULL)
            break;
          tag = g_ascii_strdown (p + 1, end - p - 1);
          name = tag + (tag[0] == '/');
          name[strcspn (name, " \t\r\n/")] = '\0';
          if (tag[0] != '/' && (strcmp (name, "script") == 0 || strcmp (name, "style") == 0))
            {
              g_autofree char *close = g_strdup_printf ("</%s", name);
              const char *skip = strstr (end, close);

              /* Case-insensitive enough for mail. */
              if (skip == NULL)
                {
                  g_autofree char *upper = g_ascii_strup (close, -1);
                  skip = strstr (end, upper);
                }
              p = skip ? strchr (skip, '>') : NULL;
              p = p ? p + 1 : NULL;
              continue;
            }
          if (strcmp (name, "br") == 0 || strcmp (name, "p") == 0 || strcmp (name, "div") == 0 ||
              strcmp (name, "tr") == 0 || strcmp (name, "li") == 0 || strcmp (name, "h1") == 0 ||
              strcmp (name, "h2") == 0 || strcmp (name, "h3") == 0 || strcmp (name, "table") == 0)
            {
              if (out->len > 0 && out->str[out->len - 1] != '\n')
                g_string_append_c (out, '\n');
            }
          p = end + 1;
          continue;
        }
      if (*p == '&')
        {
          const char *semi = strchr (p, ';');
          gboolean done = FALSE;

          if (semi != NULL && semi - p < 10)
            {
              if (p[1] == '#')
                {
                  gunichar c = (gunichar) (p[2] == 'x' || p[2] == 'X' ? g_ascii_strtoull (p + 3, NULL, 16)
                                                                      : g_ascii_strtoull (p + 2, NULL, 10));

                  if (g_unichar_validate (c) && c != 0)
                    {
                      g_string_append_unichar (out, c);
                      done = TRUE;
                    }
                }
              else
                for (guint i = 0; i < G_N_ELEMENTS (entities) && !done; i++)
                  if ((gsize) (semi - p - 1) == strlen (entities[i].name) &&
                      strncmp (p + 1, entities[i].name, semi - p - 1) == 0)
                    {
                      g_string_append (out, entities[i].text);
                      done = TRUE;
                    }
            }
          if (done)
            {
              p = semi + 1;
              continue;
            }
        }
      if (*p == '\r' || *p == '\n' || *p == '\t')
        {
          if (out->len > 0 && out->str[out->len - 1] != ' ' && out->str[out->len - 1] != '\n')
            g_string_append_c (out, ' ');
          p++;
          continue;
        }
      g_string_append_c (out, *p++);
    }
  return g_string_free (out, FALSE);
}

/* The envelope of a message to send. */

#define MAX_HEADER_BYTES (1024 * 1024)

void
tern_mime_envelope_free (TernMimeEnvelope *envelope)
{
  if (envelope == NULL)
    return;
  g_free (envelope->message_id);
  g_free (envelope->subject);
  g_free (envelope->from);
  g_clear_pointer (&envelope->recipients, g_ptr_array_unref);
  g_clear_pointer (&envelope->recipient_names, g_ptr_array_unref);
  g_free (envelope->in_reply_to);
  g_free (envelope);
}

/* Where the header ends (after its empty line), or the whole length if it does not. */
static gsize
header_length (const char *data,
               gsize       length)
{
  gsize limit = MIN (length, (gsize) MAX_HEADER_BYTES);

  if (limit >= 1 && data[0] == '\n')
    return 1;
  if (limit >= 2 && data[0] == '\r' && data[1] == '\n')
    return 2;
  for (gsize i = 0; i + 1 < limit; i++)
    {
      if (data[i] != '\n')
        continue;
      if (data[i + 1] == '\n')
        return i + 2;
      if (i + 2 < limit && data[i + 1] == '\r' && data[i + 2] == '\n')
        return i + 3;
    }
  return limit;
}

static void
add_mailboxes (GPtrArray           *out,
               GPtrArray           *names,
               GHashTable          *seen,
               InternetAddressList *list)
{
  for (int i = 0; list != NULL && i < internet_address_list_length (list); i++)
    {
      InternetAddress *a = internet_address_list_get_address (list, i);
      const char *addr;

      if (INTERNET_ADDRESS_IS_GROUP (a))
        {
          add_mailboxes (out, names, seen, internet_address_group_get_members (INTERNET_ADDRESS_GROUP (a)));
          continue;
        }
      addr = internet_address_mailbox_get_addr (INTERNET_ADDRESS_MAILBOX (a));
      if (addr == NULL || strchr (addr, '@') == NULL || strpbrk (addr, "<>\r\n ") != NULL)
        continue;
      if (g_hash_table_add (seen, g_ascii_strdown (addr, -1)))
        {
          g_ptr_array_add (out, g_strdup (addr));
          /* GMime has undone RFC 2047 encoded words in the name. */
          if (names != NULL)
            g_ptr_array_add (names, g_strdup (internet_address_get_name (a)));
        }
    }
}

/* From the header alone: the body may be large and does not matter. */
TernMimeEnvelope *
tern_mime_read_envelope (const char  *data,
                         gsize        length,
                         GError     **error)
{
  gsize head = header_length (data, length);
  g_autoptr(GMimeStream) stream = NULL;
  g_autoptr(GMimeParser) parser = NULL;
  g_autoptr(GMimeMessage) mime = NULL;
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  TernMimeEnvelope *env;
  InternetAddressList *from;
  const char *value;

  g_mime_init ();
  stream = g_mime_stream_mem_new_with_buffer (data, head);
  parser = g_mime_parser_new_with_stream (stream);
  mime = g_mime_parser_construct_message (parser, NULL);
  if (mime == NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "Not a mail message");
      return NULL;
    }

  env = g_new0 (TernMimeEnvelope, 1);
  value = g_mime_message_get_message_id (mime);
  env->message_id = value && *value ? g_strdup_printf ("<%s>", value) : NULL;
  value = g_mime_message_get_subject (mime);
  env->subject = value ? g_utf8_make_valid (value, -1) : NULL;
  env->has_date = g_mime_object_get_header (GMIME_OBJECT (mime), "Date") != NULL;

  from = g_mime_message_get_from (mime);
  env->has_from = from != NULL && internet_address_list_length (from) > 0;
  if (env->has_from)
    {
      g_autoptr(GPtrArray) addrs = g_ptr_array_new_with_free_func (g_free);
      g_autoptr(GHashTable) none = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

      add_mailboxes (addrs, NULL, none, from);
      env->from = addrs->len > 0 ? g_strdup (addrs->pdata[0]) : NULL;
    }

  env->recipients = g_ptr_array_new_with_free_func (g_free);
  env->recipient_names = g_ptr_array_new_with_free_func (g_free);
  add_mailboxes (env->recipients, env->recipient_names, seen, g_mime_message_get_to (mime));
  add_mailboxes (env->recipients, env->recipient_names, seen, g_mime_message_get_cc (mime));
  add_mailboxes (env->recipients, env->recipient_names, seen, g_mime_message_get_bcc (mime));

  value = g_mime_object_get_header (GMIME_OBJECT (mime), "In-Reply-To");
  if (value != NULL)
    {
      g_autoptr(GString) ids = g_string_new (NULL);
      const char *p = value;

      while ((p = strchr (p, '<')) != NULL)
        {
          const char *end = strchr (p, '>');

          if (end == NULL)
            break;
          g_string_append_printf (ids, "%s%.*s", ids->len ? " " : "", (int) (end - p + 1), p);
          p = end + 1;
        }
      env->in_reply_to = ids->len ? g_strdup (ids->str) : NULL;
    }
  return env;
}

char *
tern_mime_make_message_id (const char *domain)
{
  g_mime_init ();
  return g_mime_utils_generate_message_id (domain);
}

char *
tern_mime_format_date (GDateTime *date)
{
  g_mime_init ();
  return g_mime_utils_header_format_date (date);
}

char *
tern_mime_format_mailbox (const char *name,
                          const char *address)
{
  InternetAddress *mailbox;
  char *text;

  g_return_val_if_fail (address != NULL, NULL);

  if (name == NULL || *name == '\0')
    return g_strdup (address);
  g_mime_init ();
  mailbox = internet_address_mailbox_new (name, address);
  text = internet_address_to_string (mailbox, NULL, FALSE);
  g_object_unref (mailbox);
  return text;
}
