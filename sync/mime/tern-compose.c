/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "tern-compose"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>

#include "tern-compose-private.h"
#include "tern-mime.h"

/*
 * TernComposer, the message builder. The helpers of tern-compose.h live beside it:
 * tern-compose-flowed.c, tern-compose-reply.c, tern-mailto.c and tern-compose-parse.c.
 */

/* RFC 5322 section 3.6.4: keep References short enough by dropping from the middle. */
#define MAX_REFERENCES 20

typedef struct
{
  char   *path;          /* a file ... */
  GBytes *data;          /* ... or bytes */
  char   *filename;
  char   *content_type;
  gboolean message;      /* message/rfc822 */
  char   *reference;     /* "ID SECTION": a part of a cached message, filled in later */
} Attachment;

struct _TernComposer
{
  InternetAddressList *from;
  InternetAddressList *to;
  InternetAddressList *cc;
  InternetAddressList *bcc;
  InternetAddressList *reply_to;
  char                *subject;
  char                *body;
  GPtrArray           *attachments;
  char                *in_reply_to;
  char                *references;
  char                *message_id;   /* "<...>" */
  gint64               date;
  GPtrArray           *extra_headers; /* name, value, name, value... */
};

static void
attachment_free (gpointer data)
{
  Attachment *a = data;

  g_free (a->path);
  g_clear_pointer (&a->data, g_bytes_unref);
  g_free (a->filename);
  g_free (a->content_type);
  g_free (a->reference);
  g_free (a);
}

TernComposer *
tern_composer_new (void)
{
  TernComposer *self = g_new0 (TernComposer, 1);

  g_mime_init ();
  self->attachments = g_ptr_array_new_with_free_func (attachment_free);
  self->extra_headers = g_ptr_array_new_with_free_func (g_free);
  return self;
}

void
tern_composer_free (TernComposer *self)
{
  if (self == NULL)
    return;
  g_clear_object (&self->from);
  g_clear_object (&self->to);
  g_clear_object (&self->cc);
  g_clear_object (&self->bcc);
  g_clear_object (&self->reply_to);
  g_free (self->subject);
  g_free (self->body);
  g_ptr_array_unref (self->attachments);
  g_free (self->in_reply_to);
  g_free (self->references);
  g_free (self->message_id);
  g_ptr_array_unref (self->extra_headers);
  g_free (self);
}

/* Addresses. */

static guint
count_mailboxes (InternetAddressList *list)
{
  guint n = 0;

  for (int i = 0; list != NULL && i < internet_address_list_length (list); i++)
    {
      InternetAddress *a = internet_address_list_get_address (list, i);

      if (INTERNET_ADDRESS_IS_GROUP (a))
        n += count_mailboxes (internet_address_group_get_members (INTERNET_ADDRESS_GROUP (a)));
      else
        n++;
    }
  return n;
}

/* Names are encoded (RFC 2047) as UTF-8, not in the smallest charset that holds them. */
static void
use_utf8 (InternetAddressList *list)
{
  for (int i = 0; list != NULL && i < internet_address_list_length (list); i++)
    {
      InternetAddress *a = internet_address_list_get_address (list, i);

      internet_address_set_charset (a, "utf-8");
      if (INTERNET_ADDRESS_IS_GROUP (a))
        use_utf8 (internet_address_group_get_members (INTERNET_ADDRESS_GROUP (a)));
    }
}

static gboolean
set_list (InternetAddressList **slot,
          const char           *text,
          const char           *what,
          GError              **error)
{
  InternetAddressList *list = NULL;

  if (text != NULL && *text != '\0')
    {
      list = _tern_address_list_parse (text);
      if (list == NULL || count_mailboxes (list) == 0)
        {
          g_clear_object (&list);
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                       "No address in the %s field: “%s”", what, text);
          return FALSE;
        }
      use_utf8 (list);
    }
  g_clear_object (slot);
  *slot = list;
  return TRUE;
}

gboolean
tern_composer_set_from (TernComposer  *self,
                        const char    *address,
                        GError       **error)
{
  g_return_val_if_fail (self != NULL, FALSE);

  if (!set_list (&self->from, address, "From", error))
    return FALSE;
  if (self->from != NULL && count_mailboxes (self->from) != 1)
    {
      g_clear_object (&self->from);
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "The From field takes one address: “%s”", address);
      return FALSE;
    }
  return TRUE;
}

gboolean
tern_composer_set_to (TernComposer  *self,
                      const char    *addresses,
                      GError       **error)
{
  g_return_val_if_fail (self != NULL, FALSE);
  return set_list (&self->to, addresses, "To", error);
}

gboolean
tern_composer_set_cc (TernComposer  *self,
                      const char    *addresses,
                      GError       **error)
{
  g_return_val_if_fail (self != NULL, FALSE);
  return set_list (&self->cc, addresses, "Cc", error);
}

gboolean
tern_composer_set_bcc (TernComposer  *self,
                       const char    *addresses,
                       GError       **error)
{
  g_return_val_if_fail (self != NULL, FALSE);
  return set_list (&self->bcc, addresses, "Bcc", error);
}

gboolean
tern_composer_set_reply_to (TernComposer  *self,
                            const char    *addresses,
                            GError       **error)
{
  g_return_val_if_fail (self != NULL, FALSE);
  return set_list (&self->reply_to, addresses, "Reply-To", error);
}

void
tern_composer_set_subject (TernComposer *self,
                           const char   *subject)
{
  g_return_if_fail (self != NULL);

  g_free (self->subject);
  self->subject = g_strdup (subject);
}

void
tern_composer_set_body (TernComposer *self,
                        const char   *text)
{
  g_return_if_fail (self != NULL);

  g_free (self->body);
  self->body = g_strdup (text);
}

/* Attachments. */

static char *
guess_type (const char   *filename,
            const guchar *data,
            gsize         length)
{
  g_autofree char *content_type = g_content_type_guess (filename, data, length, NULL);
  char *mime = content_type ? g_content_type_get_mime_type (content_type) : NULL;

  return mime ? mime : g_strdup ("application/octet-stream");
}

gboolean
tern_composer_add_attachment (TernComposer  *self,
                              const char    *path,
                              const char    *filename,
                              const char    *content_type,
                              GError       **error)
{
  Attachment *a;

  g_return_val_if_fail (self != NULL && path != NULL, FALSE);

  if (!g_file_test (path, G_FILE_TEST_IS_REGULAR))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "Cannot attach %s: no such file", path);
      return FALSE;
    }
  a = g_new0 (Attachment, 1);
  a->path = g_strdup (path);
  a->filename = filename ? g_strdup (filename) : g_path_get_basename (path);
  if (content_type != NULL)
    a->content_type = g_strdup (content_type);
  else
    {
      guchar head[4096];
      gsize n = 0;
      FILE *f = fopen (path, "rb");

      if (f != NULL)
        {
          n = fread (head, 1, sizeof head, f);
          fclose (f);
        }
      a->content_type = guess_type (a->filename, head, n);
    }
  g_ptr_array_add (self->attachments, a);
  return TRUE;
}

void
tern_composer_add_attachment_bytes (TernComposer *self,
                                    GBytes       *data,
                                    const char   *filename,
                                    const char   *content_type)
{
  Attachment *a;

  g_return_if_fail (self != NULL && data != NULL && filename != NULL);

  a = g_new0 (Attachment, 1);
  a->data = g_bytes_ref (data);
  a->filename = g_strdup (filename);
  a->content_type = content_type ? g_strdup (content_type)
                                 : guess_type (filename, g_bytes_get_data (data, NULL),
                                               MIN (g_bytes_get_size (data), 4096));
  g_ptr_array_add (self->attachments, a);
}

void
tern_composer_attach_message (TernComposer *self,
                              GBytes       *raw,
                              const char   *filename)
{
  Attachment *a;

  g_return_if_fail (self != NULL && raw != NULL);

  a = g_new0 (Attachment, 1);
  a->data = g_bytes_ref (raw);
  a->filename = g_strdup (filename ? filename : "forwarded message.eml");
  a->content_type = g_strdup ("message/rfc822");
  a->message = TRUE;
  g_ptr_array_add (self->attachments, a);
}

void
tern_composer_add_part_reference (TernComposer *self,
                                  gint64        message_id,
                                  const char   *section,
                                  const char   *filename,
                                  const char   *content_type)
{
  Attachment *a;

  g_return_if_fail (self != NULL && message_id > 0 && section != NULL && *section != '\0');

  a = g_new0 (Attachment, 1);
  a->reference = g_strdup_printf ("%" G_GINT64_FORMAT " %s", message_id, section);
  a->filename = g_strdup (filename ? filename : "attachment");
  a->content_type = g_strdup (content_type ? content_type : "application/octet-stream");
  g_ptr_array_add (self->attachments, a);
}

/* Identity and threading. */

static char *
bracketed (const char *id)
{
  g_autofree char *s = g_strstrip (g_strdup (id));

  if (*s == '\0')
    return NULL;
  if (s[0] == '<')
    return g_steal_pointer (&s);
  return g_strdup_printf ("<%s>", s);
}

/* Message-IDs in a header value, in order. */
static GPtrArray *
split_ids (const char *value)
{
  GPtrArray *ids = g_ptr_array_new_with_free_func (g_free);
  const char *p = value;

  while (p != NULL && (p = strchr (p, '<')) != NULL)
    {
      const char *end = strchr (p, '>');

      if (end == NULL)
        break;
      g_ptr_array_add (ids, g_strndup (p, end - p + 1));
      p = end + 1;
    }
  return ids;
}

void
tern_composer_set_reply (TernComposer *self,
                         const char   *original_message_id,
                         const char   *original_references,
                         const char   *original_in_reply_to)
{
  g_autoptr(GPtrArray) ids = NULL;
  g_autofree char *own = NULL;
  GString *refs;

  g_return_if_fail (self != NULL);

  g_clear_pointer (&self->in_reply_to, g_free);
  g_clear_pointer (&self->references, g_free);
  own = original_message_id ? bracketed (original_message_id) : NULL;
  if (own == NULL)
    return;

  ids = split_ids (original_references);
  if (ids->len == 0)
    {
      /* RFC 5322 3.6.4: without References, a single In-Reply-To id stands in. */
      g_autoptr(GPtrArray) parent = split_ids (original_in_reply_to);

      if (parent->len == 1)
        g_ptr_array_add (ids, g_strdup (parent->pdata[0]));
    }
  g_ptr_array_add (ids, g_strdup (own));
  while (ids->len > MAX_REFERENCES)
    g_ptr_array_remove_index (ids, 1);

  refs = g_string_new (NULL);
  for (guint i = 0; i < ids->len; i++)
    g_string_append_printf (refs, "%s%s", i ? " " : "", (char *) ids->pdata[i]);
  self->in_reply_to = g_steal_pointer (&own);
  self->references = g_string_free (refs, FALSE);
}

void
tern_composer_set_message_id (TernComposer *self,
                              const char   *message_id)
{
  g_return_if_fail (self != NULL);

  g_free (self->message_id);
  self->message_id = message_id ? bracketed (message_id) : NULL;
}

static const char *
from_domain (TernComposer *self)
{
  if (self->from != NULL && internet_address_list_length (self->from) > 0)
    {
      InternetAddress *a = internet_address_list_get_address (self->from, 0);

      if (INTERNET_ADDRESS_IS_MAILBOX (a))
        {
          const char *addr = internet_address_mailbox_get_addr (INTERNET_ADDRESS_MAILBOX (a));
          const char *at = addr ? strrchr (addr, '@') : NULL;

          if (at != NULL && at[1] != '\0')
            return at + 1;
        }
    }
  return "tern.invalid";
}

const char *
tern_composer_get_message_id (TernComposer *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  if (self->message_id == NULL)
    {
      g_autofree char *id = g_mime_utils_generate_message_id (from_domain (self));

      self->message_id = g_strdup_printf ("<%s>", id);
    }
  return self->message_id;
}

void
tern_composer_set_date (TernComposer *self,
                        gint64        unix_time)
{
  g_return_if_fail (self != NULL);
  self->date = unix_time;
}

void
tern_composer_set_header (TernComposer *self,
                          const char   *name,
                          const char   *value)
{
  g_return_if_fail (self != NULL && name != NULL);

  for (guint i = 0; i + 1 < self->extra_headers->len; i += 2)
    if (g_ascii_strcasecmp (self->extra_headers->pdata[i], name) == 0)
      {
        g_ptr_array_remove_range (self->extra_headers, i, 2);
        break;
      }
  if (value != NULL)
    {
      g_ptr_array_add (self->extra_headers, g_strdup (name));
      g_ptr_array_add (self->extra_headers, g_strdup (value));
    }
}

/* Building the message. */

/* 7bit where the content allows, else quoted-printable or base64, whichever is smaller. */
static GMimeContentEncoding
best_encoding (GMimePart *part)
{
  return g_mime_part_get_best_content_encoding (part, GMIME_ENCODING_CONSTRAINT_7BIT);
}

static GMimeObject *
build_text_part (const char *body)
{
  g_autofree char *valid = g_utf8_make_valid (body ? body : "", -1);
  g_autofree char *flowed = tern_compose_flow_text (valid);
  GMimeTextPart *text = g_mime_text_part_new_with_subtype ("plain");
  g_autoptr(GMimeStream) stream = g_mime_stream_mem_new_with_buffer (flowed, strlen (flowed));
  g_autoptr(GMimeDataWrapper) wrapper = NULL;

  /* Not g_mime_text_part_set_text(): it would convert the text to the smallest charset
   * that holds it (ISO-8859-1 for most Western text). Tern writes UTF-8. */
  wrapper = g_mime_data_wrapper_new_with_stream (stream, GMIME_CONTENT_ENCODING_DEFAULT);
  g_mime_part_set_content (GMIME_PART (text), wrapper);
  g_mime_object_set_content_type_parameter (GMIME_OBJECT (text), "charset", "utf-8");
  g_mime_object_set_content_type_parameter (GMIME_OBJECT (text), "format", "flowed");
  g_mime_part_set_content_encoding (GMIME_PART (text), best_encoding (GMIME_PART (text)));
  return GMIME_OBJECT (text);
}

static gboolean
is_7bit_clean (GBytes *bytes)
{
  gsize length = 0;
  const guint8 *data = g_bytes_get_data (bytes, &length);
  gsize line = 0;

  for (gsize i = 0; i < length; i++)
    {
      if (data[i] >= 0x80 || data[i] == 0)
        return FALSE;
      line = data[i] == '\n' ? 0 : line + 1;
      if (line > 998)
        return FALSE;
    }
  return TRUE;
}

/* A forwarded original with 8-bit bodies, re-encoded so that the whole message is 7-bit:
 * libcurl cannot announce BODY=8BITMIME (RFC 6152) in MAIL FROM, and a submission server
 * may refuse or mangle undeclared 8-bit data. Returns NULL when that is not possible (raw
 * 8-bit header bytes, which no transfer encoding covers); the caller then sends it as 8bit. */
static GBytes *
seven_bit_message (GBytes *raw)
{
  g_autoptr(GMimeStream) in = NULL;
  g_autoptr(GMimeParser) parser = NULL;
  g_autoptr(GMimeMessage) message = NULL;
  g_autoptr(GMimeStream) out = NULL;
  g_autoptr(GBytes) bytes = NULL;
  GByteArray *array;

  if (g_bytes_get_size (raw) == 0)
    return NULL;
  in = g_mime_stream_mem_new_with_buffer (g_bytes_get_data (raw, NULL), g_bytes_get_size (raw));
  parser = g_mime_parser_new_with_stream (in);
  message = g_mime_parser_construct_message (parser, NULL);
  if (message == NULL)
    return NULL;
  g_mime_object_encode (GMIME_OBJECT (message), GMIME_ENCODING_CONSTRAINT_7BIT);
  out = g_mime_stream_mem_new ();
  if (g_mime_object_write_to_stream (GMIME_OBJECT (message), NULL, out) < 0)
    return NULL;
  array = g_mime_stream_mem_get_byte_array (GMIME_STREAM_MEM (out));
  bytes = g_bytes_new (array->data, array->len);
  if (!is_7bit_clean (bytes))
    return NULL;
  return g_steal_pointer (&bytes);
}

static GMimeObject *
build_attachment (Attachment  *a,
                  GError     **error)
{
  g_autoptr(GMimeContentType) type = g_mime_content_type_parse (NULL, a->content_type);
  g_autoptr(GMimeStream) stream = NULL;
  g_autoptr(GMimeDataWrapper) wrapper = NULL;
  GMimePart *part;

  if (a->reference != NULL)
    stream = g_mime_stream_mem_new ();
  else if (a->path != NULL)
    {
      stream = g_mime_stream_fs_open (a->path, O_RDONLY, 0, error);
      if (stream == NULL)
        {
          g_prefix_error (error, "Cannot attach %s: ", a->path);
          return NULL;
        }
    }
  else if (a->message && !is_7bit_clean (a->data))
    {
      g_autoptr(GBytes) clean = seven_bit_message (a->data);

      if (clean != NULL)
        {
          g_bytes_unref (a->data);
          a->data = g_steal_pointer (&clean);
        }
    }
  /* An empty file is a valid attachment; GMime asserts on a buffer without data. */
  if (stream == NULL && g_bytes_get_size (a->data) == 0)
    stream = g_mime_stream_mem_new ();
  else if (stream == NULL)
    stream = g_mime_stream_mem_new_with_buffer (g_bytes_get_data (a->data, NULL),
                                                g_bytes_get_size (a->data));

  part = g_mime_part_new_with_type (g_mime_content_type_get_media_type (type),
                                    g_mime_content_type_get_media_subtype (type));
  wrapper = g_mime_data_wrapper_new_with_stream (stream, GMIME_CONTENT_ENCODING_DEFAULT);
  g_mime_part_set_content (part, wrapper);
  g_mime_object_set_disposition (GMIME_OBJECT (part), GMIME_DISPOSITION_ATTACHMENT);
  g_mime_part_set_filename (part, a->filename);
  if (a->reference != NULL)
    {
      /* Empty until tern_mime_fill_part_references() puts the original's bytes in. */
      g_mime_object_set_header (GMIME_OBJECT (part), TERN_PART_REFERENCE_HEADER, a->reference, NULL);
      g_mime_part_set_content_encoding (part, GMIME_CONTENT_ENCODING_BASE64);
    }
  else if (a->message)
    /* RFC 2046 5.2.1: message/rfc822 is 7bit, 8bit or binary, never base64. An 8-bit original
     * was re-encoded above where it could be (libcurl cannot declare BODY=8BITMIME). */
    g_mime_part_set_content_encoding (part, is_7bit_clean (a->data) ? GMIME_CONTENT_ENCODING_7BIT
                                                                    : GMIME_CONTENT_ENCODING_8BIT);
  else if (g_str_equal (g_mime_content_type_get_media_type (type), "text"))
    g_mime_part_set_content_encoding (part, best_encoding (part));
  else
    g_mime_part_set_content_encoding (part, GMIME_CONTENT_ENCODING_BASE64);
  return GMIME_OBJECT (part);
}

static void
add_addresses (GMimeMessage         *message,
               GMimeAddressType      type,
               InternetAddressList  *list)
{
  if (list != NULL)
    internet_address_list_append (g_mime_message_get_addresses (message, type), list);
}

static GMimeMessage *
build_message (TernComposer  *self,
               GError       **error)
{
  g_autoptr(GMimeMessage) message = g_mime_message_new (TRUE);
  g_autoptr(GDateTime) date = NULL;
  g_autoptr(GMimeObject) text = NULL;
  const char *id;

  if (self->from == NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                           "The message has no From address");
      return NULL;
    }

  add_addresses (message, GMIME_ADDRESS_TYPE_FROM, self->from);
  add_addresses (message, GMIME_ADDRESS_TYPE_REPLY_TO, self->reply_to);
  add_addresses (message, GMIME_ADDRESS_TYPE_TO, self->to);
  add_addresses (message, GMIME_ADDRESS_TYPE_CC, self->cc);
  add_addresses (message, GMIME_ADDRESS_TYPE_BCC, self->bcc);
  g_mime_message_set_subject (message, self->subject ? self->subject : "", "utf-8");
  date = self->date ? g_date_time_new_from_unix_local (self->date) : g_date_time_new_now_local ();
  g_mime_message_set_date (message, date);
  id = tern_composer_get_message_id (self);
  {
    g_autofree char *bare = g_strndup (id + 1, strlen (id) - 2);

    g_mime_message_set_message_id (message, bare);
  }
  if (self->in_reply_to != NULL)
    g_mime_object_set_header (GMIME_OBJECT (message), "In-Reply-To", self->in_reply_to, NULL);
  if (self->references != NULL)
    g_mime_object_set_header (GMIME_OBJECT (message), "References", self->references, NULL);
  for (guint i = 0; i + 1 < self->extra_headers->len; i += 2)
    g_mime_object_set_header (GMIME_OBJECT (message), self->extra_headers->pdata[i],
                              self->extra_headers->pdata[i + 1], "utf-8");

  text = build_text_part (self->body);
  if (self->attachments->len == 0)
    g_mime_message_set_mime_part (message, text);
  else
    {
      g_autoptr(GMimeMultipart) mixed = g_mime_multipart_new_with_subtype ("mixed");

      g_mime_multipart_add (mixed, text);
      for (guint i = 0; i < self->attachments->len; i++)
        {
          g_autoptr(GMimeObject) part = build_attachment (self->attachments->pdata[i], error);

          if (part == NULL)
            return NULL;
          g_mime_multipart_add (mixed, part);
        }
      g_mime_message_set_mime_part (message, GMIME_OBJECT (mixed));
    }
  return g_steal_pointer (&message);
}

GMimeFormatOptions *
_tern_compose_format_options (void)
{
  GMimeFormatOptions *options = g_mime_format_options_new ();

  g_mime_format_options_set_newline_format (options, GMIME_NEWLINE_FORMAT_DOS);
  g_mime_format_options_set_param_encoding_method (options, GMIME_PARAM_ENCODING_METHOD_RFC2231);
  return options;
}

static gboolean
write_message (TernComposer  *self,
               GMimeStream   *stream,
               GError       **error)
{
  g_autoptr(GMimeMessage) message = build_message (self, error);
  GMimeFormatOptions *options;
  gssize written;

  if (message == NULL)
    return FALSE;
  options = _tern_compose_format_options ();
  written = g_mime_object_write_to_stream (GMIME_OBJECT (message), options, stream);
  g_mime_format_options_free (options);
  if (written < 0 || g_mime_stream_flush (stream) != 0)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_FAILED, "Cannot write the message");
      return FALSE;
    }
  return TRUE;
}

gboolean
tern_composer_write_to_file (TernComposer  *self,
                             const char    *path,
                             GError       **error)
{
  g_autoptr(GMimeStream) stream = NULL;

  g_return_val_if_fail (self != NULL && path != NULL, FALSE);

  /* GMime's file stream syncs the file on flush. */
  stream = g_mime_stream_fs_open (path, O_WRONLY | O_CREAT | O_TRUNC, 0600, error);
  if (stream == NULL)
    return FALSE;
  if (!write_message (self, stream, error))
    {
      g_mime_stream_close (stream);
      unlink (path);
      return FALSE;
    }
  return g_mime_stream_close (stream) == 0;
}

GBytes *
tern_composer_to_bytes (TernComposer  *self,
                        GError       **error)
{
  g_autoptr(GMimeStream) stream = g_mime_stream_mem_new ();
  GByteArray *array;

  g_return_val_if_fail (self != NULL, NULL);

  if (!write_message (self, stream, error))
    return NULL;
  array = g_mime_stream_mem_get_byte_array (GMIME_STREAM_MEM (stream));
  return g_bytes_new (array->data, array->len);
}
