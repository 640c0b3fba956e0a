/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "tern-compose"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>

#include <gmime/gmime.h>

#include "tern-compose.h"
#include "tern-mime.h"

/* GMime 3.2 declares no autoptr cleanups. */
G_DEFINE_AUTOPTR_CLEANUP_FUNC (GMimeStream, g_object_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (GMimeMessage, g_object_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (GMimeObject, g_object_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (GMimeMultipart, g_object_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (GMimeParser, g_object_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (GMimeContentType, g_object_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (GMimeDataWrapper, g_object_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (InternetAddressList, g_object_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (InternetAddress, g_object_unref)

#define FLOW_WIDTH 78
/* RFC 5322 section 3.6.4: keep References short enough by dropping from the middle. */
#define MAX_REFERENCES 20

typedef struct
{
  char   *path;          /* a file ... */
  GBytes *data;          /* ... or bytes */
  char   *filename;
  char   *content_type;
  gboolean message;      /* message/rfc822 */
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
      list = internet_address_list_parse (NULL, text);
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

/* format=flowed. */

static guint
quote_depth (const char  *line,
             const char **rest)
{
  guint depth = 0;

  while (line[depth] == '>')
    depth++;
  *rest = line + depth;
  return depth;
}

static void
append_flowed_line (GString    *out,
                    guint       depth,
                    const char *content,
                    gboolean    soft)
{
  for (guint i = 0; i < depth; i++)
    g_string_append_c (out, '>');
  /* Space-stuffing (RFC 3676 4.4): after quote marks always (it reads better and keeps a
   * line starting with ">" in the text from deepening the quote); otherwise when the line
   * starts with a space or "From ". */
  if (depth > 0 || content[0] == ' ' || g_str_has_prefix (content, "From "))
    g_string_append_c (out, ' ');
  g_string_append (out, content);
  if (soft && !g_str_has_suffix (content, " "))
    g_string_append_c (out, ' ');
  g_string_append_c (out, '\n');
}

char *
tern_compose_flow_text (const char *text)
{
  g_auto(GStrv) lines = NULL;
  GString *out = g_string_new (NULL);
  g_autofree char *normalized = NULL;

  if (text == NULL)
    return g_string_free (out, FALSE);

  normalized = g_strdup (text);
  /* CRLF and lone CR become LF. */
  {
    char *w = normalized;

    for (const char *r = normalized; *r != '\0'; r++)
      {
        if (*r == '\r')
          {
            *w++ = '\n';
            if (r[1] == '\n')
              r++;
          }
        else
          *w++ = *r;
      }
    *w = '\0';
  }

  lines = g_strsplit (normalized, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      const char *rest;
      guint depth;
      g_autofree char *content = NULL;
      gsize prefix;
      const char *p;

      /* The last element after a final newline is empty: no extra line for it. */
      if (lines[i + 1] == NULL && *lines[i] == '\0')
        break;
      if (g_str_equal (lines[i], "-- "))
        {
          g_string_append (out, "-- \n");
          continue;
        }

      depth = quote_depth (lines[i], &rest);
      if (depth > 0 && *rest == ' ')
        rest++;
      /* Trailing spaces would turn a hard break into a soft one. */
      content = g_strdup (rest);
      g_strchomp (content);
      prefix = depth + (depth > 0 ? 1 : 0);

      /* Greedy wrap at spaces, the space staying at the end of the line (DelSp=no). */
      p = content;
      while (g_utf8_strlen (p, -1) + prefix > FLOW_WIDTH)
        {
          const char *best = NULL;
          const char *first = NULL;
          const char *cut;
          gsize column = prefix;

          /* The last space that still fits (it ends the line), else the first one. */
          for (const char *q = p; *q != '\0'; q = g_utf8_next_char (q))
            {
              column++;
              if (*q != ' ' || q == p)
                continue;
              if (first == NULL)
                first = q;
              if (column > FLOW_WIDTH)
                break;
              best = q;
            }
          cut = best ? best : first;
          if (cut == NULL)
            break; /* one long word: it stays whole */
          {
            g_autofree char *piece = g_strndup (p, cut - p + 1);

            append_flowed_line (out, depth, piece, TRUE);
          }
          p = cut + 1;
        }
      append_flowed_line (out, depth, p, FALSE);
    }
  return g_string_free (out, FALSE);
}

char *
tern_compose_unflow_text (const char *flowed,
                          gboolean    delsp)
{
  g_auto(GStrv) lines = NULL;
  GString *out = g_string_new (NULL);
  GString *paragraph = NULL;
  guint paragraph_depth = 0;

  if (flowed == NULL)
    return g_string_free (out, FALSE);

  lines = g_strsplit (flowed, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      char *line = lines[i];
      const char *rest;
      guint depth;
      gsize length = strlen (line);
      gboolean soft;

      if (length > 0 && line[length - 1] == '\r')
        line[--length] = '\0';
      if (lines[i + 1] == NULL && length == 0)
        break;

      depth = quote_depth (line, &rest);
      if (*rest == ' ')
        rest++;   /* stuffing */
      soft = g_str_has_suffix (rest, " ") && !g_str_equal (rest, "-- ");

      /* A soft break followed by a line of another depth ends the paragraph anyway. */
      if (paragraph != NULL && depth != paragraph_depth)
        {
          g_string_append_len (out, paragraph->str, paragraph->len);
          g_string_append_c (out, '\n');
          g_string_free (paragraph, TRUE);
          paragraph = NULL;
        }
      if (paragraph == NULL)
        {
          paragraph = g_string_new (NULL);
          paragraph_depth = depth;
          for (guint d = 0; d < depth; d++)
            g_string_append_c (paragraph, '>');
          if (depth > 0)
            g_string_append_c (paragraph, ' ');
        }
      g_string_append (paragraph, rest);
      if (soft && delsp)
        g_string_truncate (paragraph, paragraph->len - 1);
      if (!soft)
        {
          g_string_append_len (out, paragraph->str, paragraph->len);
          g_string_append_c (out, '\n');
          g_string_free (paragraph, TRUE);
          paragraph = NULL;
        }
    }
  if (paragraph != NULL)
    {
      g_string_append_len (out, paragraph->str, paragraph->len);
      g_string_append_c (out, '\n');
      g_string_free (paragraph, TRUE);
    }
  return g_string_free (out, FALSE);
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
  g_autoptr(GMimeStream) in = g_mime_stream_mem_new_with_buffer (g_bytes_get_data (raw, NULL),
                                                                   g_bytes_get_size (raw));
  g_autoptr(GMimeParser) parser = g_mime_parser_new_with_stream (in);
  g_autoptr(GMimeMessage) message = g_mime_parser_construct_message (parser, NULL);
  g_autoptr(GMimeStream) out = NULL;
  g_autoptr(GBytes) bytes = NULL;
  GByteArray *array;

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

  if (a->path != NULL)
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
      stream = g_mime_stream_mem_new_with_buffer (g_bytes_get_data (a->data, NULL),
                                                  g_bytes_get_size (a->data));
    }
  else
    stream = g_mime_stream_mem_new_with_buffer (g_bytes_get_data (a->data, NULL),
                                                g_bytes_get_size (a->data));

  part = g_mime_part_new_with_type (g_mime_content_type_get_media_type (type),
                                    g_mime_content_type_get_media_subtype (type));
  wrapper = g_mime_data_wrapper_new_with_stream (stream, GMIME_CONTENT_ENCODING_DEFAULT);
  g_mime_part_set_content (part, wrapper);
  g_mime_object_set_disposition (GMIME_OBJECT (part), GMIME_DISPOSITION_ATTACHMENT);
  g_mime_part_set_filename (part, a->filename);
  if (a->message)
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

static GMimeFormatOptions *
format_options (void)
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
  options = format_options ();
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

/* Helpers for replies and forwards. */

static gboolean
has_prefix_word (const char *subject,
                 const char *const *prefixes)
{
  while (subject != NULL && g_ascii_isspace (*subject))
    subject++;
  for (guint i = 0; subject != NULL && prefixes[i] != NULL; i++)
    if (g_ascii_strncasecmp (subject, prefixes[i], strlen (prefixes[i])) == 0)
      return TRUE;
  return FALSE;
}

char *
tern_compose_reply_subject (const char *subject)
{
  static const char *const prefixes[] = { "re:", NULL };

  if (has_prefix_word (subject, prefixes))
    return g_strstrip (g_strdup (subject));
  return g_strdup_printf ("Re: %s", subject ? subject : "");
}

char *
tern_compose_forward_subject (const char *subject)
{
  static const char *const prefixes[] = { "fwd:", "fw:", NULL };

  if (has_prefix_word (subject, prefixes))
    return g_strstrip (g_strdup (subject));
  return g_strdup_printf ("Fwd: %s", subject ? subject : "");
}

char *
tern_compose_quote (const TernMessage *original,
                    const char        *text)
{
  GString *out = g_string_new (NULL);
  g_auto(GStrv) lines = NULL;
  const char *who;

  g_return_val_if_fail (original != NULL, NULL);

  who = original->from_name && *original->from_name ? original->from_name
        : original->from_addr ? original->from_addr : "someone";
  if (original->date != 0)
    {
      g_autoptr(GDateTime) dt = g_date_time_new_from_unix_local (original->date);
      g_autofree char *when = g_date_time_format (dt, "%a, %-d %b %Y at %H:%M");

      g_string_append_printf (out, "On %s, %s wrote:\n", when, who);
    }
  else
    g_string_append_printf (out, "%s wrote:\n", who);

  lines = g_strsplit (text ? text : "", "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      char *line = lines[i];
      gsize length = strlen (line);

      if (lines[i + 1] == NULL && length == 0)
        break;
      if (length > 0 && line[length - 1] == '\r')
        line[length - 1] = '\0';
      if (line[0] == '>')
        g_string_append_printf (out, ">%s\n", line);
      else if (line[0] == '\0')
        g_string_append (out, ">\n");
      else
        g_string_append_printf (out, "> %s\n", line);
    }
  return g_string_free (out, FALSE);
}

typedef struct
{
  GPtrArray  *addresses;   /* of InternetAddress, owned */
  GHashTable *seen;        /* lowercase address */
} Recipients;

static gboolean
is_mine (const char          *addr,
         const char * const  *mine)
{
  for (guint i = 0; mine != NULL && mine[i] != NULL; i++)
    if (g_ascii_strcasecmp (addr, mine[i]) == 0)
      return TRUE;
  return FALSE;
}

static void
add_recipients (Recipients          *r,
                InternetAddressList *list,
                const char * const  *mine,
                gboolean             skip_mine)
{
  for (int i = 0; list != NULL && i < internet_address_list_length (list); i++)
    {
      InternetAddress *a = internet_address_list_get_address (list, i);
      const char *addr;
      char *key;

      if (INTERNET_ADDRESS_IS_GROUP (a))
        {
          add_recipients (r, internet_address_group_get_members (INTERNET_ADDRESS_GROUP (a)),
                          mine, skip_mine);
          continue;
        }
      addr = internet_address_mailbox_get_addr (INTERNET_ADDRESS_MAILBOX (a));
      if (addr == NULL || *addr == '\0' || (skip_mine && is_mine (addr, mine)))
        continue;
      key = g_ascii_strdown (addr, -1);
      if (g_hash_table_contains (r->seen, key))
        {
          g_free (key);
          continue;
        }
      g_hash_table_add (r->seen, key);
      g_ptr_array_add (r->addresses, g_object_ref (a));
    }
}

static char *
recipients_string (GPtrArray *addresses)
{
  g_autoptr(InternetAddressList) list = internet_address_list_new ();

  if (addresses->len == 0)
    return NULL;
  for (guint i = 0; i < addresses->len; i++)
    internet_address_list_add (list, addresses->pdata[i]);
  return internet_address_list_to_string (list, NULL, FALSE);
}

static InternetAddressList *
parse_or_null (const char *text)
{
  return text && *text ? internet_address_list_parse (NULL, text) : NULL;
}

void
tern_compose_reply_recipients (const TernMessage   *original,
                               const char * const  *my_addresses,
                               gboolean             reply_all,
                               char               **to_out,
                               char               **cc_out)
{
  g_autoptr(InternetAddressList) reply_to = NULL;
  g_autoptr(InternetAddressList) from = NULL;
  g_autoptr(InternetAddressList) to = NULL;
  g_autoptr(InternetAddressList) cc = NULL;
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GPtrArray) to_list = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GPtrArray) cc_list = g_ptr_array_new_with_free_func (g_object_unref);
  Recipients r_to = { to_list, seen };
  Recipients r_cc = { cc_list, seen };
  gboolean from_me;

  g_return_if_fail (original != NULL && to_out != NULL && cc_out != NULL);

  g_mime_init ();
  reply_to = parse_or_null (original->reply_to);
  if (original->from_addr != NULL)
    {
      g_autoptr(InternetAddress) a = internet_address_mailbox_new (original->from_name,
                                                                   original->from_addr);

      from = internet_address_list_new ();
      internet_address_list_add (from, a);
    }
  to = parse_or_null (original->to_list);
  cc = parse_or_null (original->cc_list);
  from_me = original->from_addr != NULL && is_mine (original->from_addr, my_addresses);

  if (from_me)
    {
      /* A reply to one's own message continues the conversation with its recipients. */
      add_recipients (&r_to, to, my_addresses, FALSE);
      if (reply_all)
        add_recipients (&r_cc, cc, my_addresses, TRUE);
    }
  else
    {
      add_recipients (&r_to, reply_to != NULL ? reply_to : from, my_addresses, TRUE);
      if (to_list->len == 0)
        add_recipients (&r_to, from, my_addresses, FALSE);
      if (reply_all)
        {
          add_recipients (&r_cc, to, my_addresses, TRUE);
          add_recipients (&r_cc, cc, my_addresses, TRUE);
        }
    }

  *to_out = recipients_string (to_list);
  *cc_out = recipients_string (cc_list);
}

/* Checking what the user typed. */

static gboolean
is_address (const char *addr)
{
  const char *at = addr ? strrchr (addr, '@') : NULL;

  if (at == NULL || at == addr || at[1] == '\0' || at[1] == '.')
    return FALSE;
  for (const char *p = addr; *p != '\0'; p++)
    if (g_ascii_isspace (*p) || *p == ',' || *p == '<' || *p == '>' || *p == '"' ||
        *p == '(' || *p == ')' || *p == ';' || *p == '\\' || (*p == '@' && p != at))
      return FALSE;
  return TRUE;
}

static gboolean
check_list (InternetAddressList  *list,
            guint                *count,
            char                **invalid_out)
{
  for (int i = 0; list != NULL && i < internet_address_list_length (list); i++)
    {
      InternetAddress *a = internet_address_list_get_address (list, i);

      if (INTERNET_ADDRESS_IS_GROUP (a))
        {
          if (!check_list (internet_address_group_get_members (INTERNET_ADDRESS_GROUP (a)), count,
                           invalid_out))
            return FALSE;
          continue;
        }
      if (!is_address (internet_address_mailbox_get_addr (INTERNET_ADDRESS_MAILBOX (a))))
        {
          if (invalid_out != NULL)
            *invalid_out = internet_address_to_string (a, NULL, FALSE);
          return FALSE;
        }
      (*count)++;
    }
  return TRUE;
}

gboolean
tern_compose_check_addresses (const char  *text,
                              guint       *count_out,
                              char       **invalid_out)
{
  g_autoptr(InternetAddressList) list = NULL;
  g_autofree char *trimmed = g_strstrip (g_strdup (text ? text : ""));
  guint count = 0;

  if (count_out != NULL)
    *count_out = 0;
  if (invalid_out != NULL)
    *invalid_out = NULL;
  /* "a@b.org, " while typing: the empty entries do not count. */
  while (*trimmed != '\0' && (trimmed[strlen (trimmed) - 1] == ',' ||
                              trimmed[strlen (trimmed) - 1] == ';'))
    {
      trimmed[strlen (trimmed) - 1] = '\0';
      g_strchomp (trimmed);
    }
  if (*trimmed == '\0')
    return TRUE;

  g_mime_init ();
  list = internet_address_list_parse (NULL, trimmed);
  if (list == NULL || internet_address_list_length (list) == 0)
    {
      if (invalid_out != NULL)
        *invalid_out = g_steal_pointer (&trimmed);
      return FALSE;
    }
  if (!check_list (list, &count, invalid_out))
    return FALSE;
  if (count_out != NULL)
    *count_out = count;
  return TRUE;
}

/* mailto: */

void
tern_mailto_free (TernMailto *mailto)
{
  if (mailto == NULL)
    return;
  g_free (mailto->to);
  g_free (mailto->cc);
  g_free (mailto->bcc);
  g_free (mailto->subject);
  g_free (mailto->body);
  g_free (mailto->in_reply_to);
  g_free (mailto);
}

/* %XX decoded (a "%" not followed by two hex digits stays as it is; "+" is a plus sign in
 * mailto:, RFC 6068 section 5), made valid UTF-8. */
static char *
percent_decode (const char *text,
                gssize      length)
{
  GString *out = g_string_new (NULL);
  const char *end = text + (length < 0 ? (gssize) strlen (text) : length);
  char *valid;

  for (const char *p = text; p < end; p++)
    {
      if (*p == '%' && end - p >= 3 && g_ascii_isxdigit (p[1]) && g_ascii_isxdigit (p[2]))
        {
          g_string_append_c (out, (char) (g_ascii_xdigit_value (p[1]) * 16 + g_ascii_xdigit_value (p[2])));
          p += 2;
        }
      else
        g_string_append_c (out, *p);
    }
  valid = g_utf8_make_valid (out->str, (gssize) out->len);
  g_string_free (out, TRUE);
  return valid;
}

/* A header field from a link: no line breaks (they would start another header), no other
 * control characters. */
static char *
one_line (char *text)
{
  for (char *p = text; *p != '\0'; p++)
    if ((guchar) *p < 0x20 || *p == 0x7f)
      *p = ' ';
  return g_strstrip (text);
}

static void
append_list (char       **slot,
             const char  *addresses)
{
  char *joined;

  if (*addresses == '\0')
    return;
  if (*slot == NULL)
    {
      *slot = g_strdup (addresses);
      return;
    }
  joined = g_strdup_printf ("%s, %s", *slot, addresses);
  g_free (*slot);
  *slot = joined;
}

TernMailto *
tern_compose_parse_mailto (const char  *uri,
                           GError     **error)
{
  g_autoptr(TernMailto) mailto = NULL;
  const char *rest, *query;

  if (uri == NULL || g_ascii_strncasecmp (uri, "mailto:", 7) != 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "Not a mailto: link: %s",
                   uri ? uri : "");
      return NULL;
    }
  mailto = g_new0 (TernMailto, 1);
  rest = uri + 7;
  query = strchr (rest, '?');

  {
    g_autofree char *to = percent_decode (rest, query ? query - rest : -1);

    append_list (&mailto->to, one_line (to));
  }

  if (query != NULL)
    {
      g_auto(GStrv) fields = g_strsplit (query + 1, "&", -1);

      for (guint i = 0; fields[i] != NULL; i++)
        {
          const char *eq = strchr (fields[i], '=');
          g_autofree char *name = NULL;
          g_autofree char *value = NULL;

          if (eq == NULL)
            continue;
          name = percent_decode (fields[i], eq - fields[i]);
          value = percent_decode (eq + 1, -1);
          if (g_ascii_strcasecmp (name, "body") == 0)
            {
              /* Line breaks are %0D%0A in a link; the composer wants LF. */
              GString *text = g_string_new (NULL);

              for (const char *p = value; *p != '\0'; p++)
                if (*p == '\r')
                  {
                    g_string_append_c (text, '\n');
                    if (p[1] == '\n')
                      p++;
                  }
                else
                  g_string_append_c (text, *p);
              g_free (mailto->body);
              mailto->body = g_string_free (text, FALSE);
            }
          else if (g_ascii_strcasecmp (name, "to") == 0)
            append_list (&mailto->to, one_line (value));
          else if (g_ascii_strcasecmp (name, "cc") == 0)
            append_list (&mailto->cc, one_line (value));
          else if (g_ascii_strcasecmp (name, "bcc") == 0)
            append_list (&mailto->bcc, one_line (value));
          else if (g_ascii_strcasecmp (name, "subject") == 0)
            {
              g_free (mailto->subject);
              mailto->subject = g_strdup (one_line (value));
            }
          else if (g_ascii_strcasecmp (name, "in-reply-to") == 0)
            {
              g_free (mailto->in_reply_to);
              mailto->in_reply_to = g_strdup (one_line (value));
            }
        }
    }
  return g_steal_pointer (&mailto);
}

/* Taking a message apart for editing. */

static void
compose_file_free (TernComposeFile *file)
{
  g_free (file->path);
  g_free (file->filename);
  g_free (file->content_type);
  g_free (file);
}

void
tern_compose_parsed_free (TernComposeParsed *parsed)
{
  if (parsed == NULL)
    return;
  g_free (parsed->from);
  g_free (parsed->to);
  g_free (parsed->cc);
  g_free (parsed->bcc);
  g_free (parsed->subject);
  g_free (parsed->body);
  g_free (parsed->message_id);
  g_free (parsed->in_reply_to);
  g_free (parsed->references);
  g_clear_pointer (&parsed->attachments, g_ptr_array_unref);
  g_free (parsed);
}

static char *
list_text (InternetAddressList *list)
{
  if (list == NULL || internet_address_list_length (list) == 0)
    return NULL;
  return internet_address_list_to_string (list, NULL, FALSE);
}

static char *
header_text (GMimeObject *object,
             const char  *name)
{
  const char *value = g_mime_object_get_header (object, name);

  return value ? g_strstrip (g_strdup (value)) : NULL;
}

/* A file name that stays inside the folder. */
static char *
safe_name (const char *filename,
           guint       index)
{
  g_autofree char *base = g_path_get_basename (filename && *filename ? filename : "attachment");
  GString *out = g_string_new (NULL);

  g_string_append_printf (out, "%u-", index);
  for (const char *p = base; *p != '\0'; p++)
    g_string_append_c (out, *p == '/' || *p == '\\' || (guchar) *p < 0x20 ? '_' : *p);
  if (g_str_equal (base, ".") || g_str_equal (base, ".."))
    g_string_append (out, "attachment");
  return g_string_free (out, FALSE);
}

typedef struct
{
  GMimeObject  *text;       /* the part the body came from */
  GMimeObject  *html;
} Bodies;

static void
find_bodies (GMimeObject *parent,
             GMimeObject *part,
             gpointer     data)
{
  Bodies *b = data;
  GMimeContentType *type = g_mime_object_get_content_type (part);
  GMimeContentDisposition *disposition = g_mime_object_get_content_disposition (part);

  if (!GMIME_IS_TEXT_PART (part) ||
      (disposition != NULL && g_strcmp0 (g_mime_content_disposition_get_disposition (disposition),
                                         GMIME_DISPOSITION_ATTACHMENT) == 0))
    return;
  if (b->text == NULL && g_mime_content_type_is_type (type, "text", "plain"))
    b->text = part;
  else if (b->html == NULL && g_mime_content_type_is_type (type, "text", "html"))
    b->html = part;
}

typedef struct
{
  GPtrArray   *files;
  const char  *dir;
  Bodies      *bodies;
  GError     **error;
  gboolean     failed;
} Extract;

static gboolean
write_file (const char   *path,
            GMimeObject  *object,
            gboolean      decoded,
            guint64      *size_out,
            GError      **error)
{
  g_autoptr(GMimeStream) out = g_mime_stream_fs_open (path, O_WRONLY | O_CREAT | O_TRUNC, 0600, error);
  gssize written;

  if (out == NULL)
    return FALSE;
  if (decoded)
    written = g_mime_data_wrapper_write_to_stream (g_mime_part_get_content (GMIME_PART (object)), out);
  else
    {
      GMimeFormatOptions *options = format_options ();

      written = g_mime_object_write_to_stream (object, options, out);
      g_mime_format_options_free (options);
    }
  if (written < 0 || g_mime_stream_flush (out) != 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "Cannot write %s", path);
      return FALSE;
    }
  *size_out = (guint64) g_mime_stream_length (out);
  return TRUE;
}

static void
extract_part (GMimeObject *parent,
              GMimeObject *part,
              gpointer     data)
{
  Extract *x = data;
  TernComposeFile *file;
  g_autofree char *name = NULL;
  gboolean message;

  if (x->failed || part == x->bodies->text || part == x->bodies->html || GMIME_IS_MULTIPART (part))
    return;
  message = GMIME_IS_MESSAGE_PART (part);
  if (!message && !GMIME_IS_PART (part))
    return;
  file = g_new0 (TernComposeFile, 1);
  if (message)
    {
      GMimeMessage *inner = g_mime_message_part_get_message (GMIME_MESSAGE_PART (part));
      const char *subject = inner ? g_mime_message_get_subject (inner) : NULL;
      const char *filename = g_mime_object_get_content_disposition_parameter (part, "filename");

      file->filename = g_strdup (filename ? filename
                                 : subject && *subject ? subject : "forwarded message.eml");
      if (filename == NULL && !g_str_has_suffix (file->filename, ".eml"))
        {
          char *with = g_strconcat (file->filename, ".eml", NULL);

          g_free (file->filename);
          file->filename = with;
        }
      file->content_type = g_strdup ("message/rfc822");
    }
  else
    {
      const char *filename = g_mime_part_get_filename (GMIME_PART (part));

      file->filename = g_strdup (filename ? filename : "attachment");
      file->content_type = g_mime_content_type_get_mime_type (g_mime_object_get_content_type (part));
    }
  name = safe_name (file->filename, x->files->len + 1);
  file->path = g_build_filename (x->dir, name, NULL);
  if (!write_file (file->path, message ? GMIME_OBJECT (g_mime_message_part_get_message (GMIME_MESSAGE_PART (part)))
                                       : part,
                   !message, &file->size, x->error))
    {
      compose_file_free (file);
      x->failed = TRUE;
      return;
    }
  g_ptr_array_add (x->files, file);
}

/* Parts in order, but not inside a forwarded message: GMime's foreach walks into those. */
static void
walk_parts (GMimeObject *object,
            GMimeObject *parent,
            void       (*func) (GMimeObject *, GMimeObject *, gpointer),
            gpointer     data)
{
  if (GMIME_IS_MULTIPART (object))
    {
      GMimeMultipart *multipart = GMIME_MULTIPART (object);

      for (int i = 0; i < g_mime_multipart_get_count (multipart); i++)
        walk_parts (g_mime_multipart_get_part (multipart, i), object, func, data);
      return;
    }
  func (parent, object, data);
}

static char *
part_text (GMimeObject *part)
{
  g_autofree char *text = g_mime_text_part_get_text (GMIME_TEXT_PART (part));
  GMimeContentType *type = g_mime_object_get_content_type (part);
  const char *format = g_mime_content_type_get_parameter (type, "format");
  const char *delsp = g_mime_content_type_get_parameter (type, "delsp");
  char *valid;

  if (text == NULL)
    return g_strdup ("");
  valid = g_utf8_make_valid (text, -1);
  if (format != NULL && g_ascii_strcasecmp (format, "flowed") == 0)
    {
      char *unflowed = tern_compose_unflow_text (valid, delsp && g_ascii_strcasecmp (delsp, "yes") == 0);

      g_free (valid);
      return unflowed;
    }
  return valid;
}

TernComposeParsed *
tern_compose_parse_message (GBytes      *raw,
                            const char  *attachment_dir,
                            GError     **error)
{
  g_autoptr(GMimeStream) stream = NULL;
  g_autoptr(GMimeParser) parser = NULL;
  g_autoptr(GMimeMessage) message = NULL;
  g_autoptr(TernComposeParsed) parsed = NULL;
  GMimeObject *body;
  Bodies bodies = { 0 };

  g_return_val_if_fail (raw != NULL && attachment_dir != NULL, NULL);

  g_mime_init ();
  stream = g_mime_stream_mem_new_with_buffer (g_bytes_get_data (raw, NULL), g_bytes_get_size (raw));
  parser = g_mime_parser_new_with_stream (stream);
  message = g_mime_parser_construct_message (parser, NULL);
  if (message == NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "The message cannot be read");
      return NULL;
    }

  parsed = g_new0 (TernComposeParsed, 1);
  parsed->attachments = g_ptr_array_new_with_free_func ((GDestroyNotify) compose_file_free);
  parsed->from = list_text (g_mime_message_get_from (message));
  parsed->to = list_text (g_mime_message_get_to (message));
  parsed->cc = list_text (g_mime_message_get_cc (message));
  parsed->bcc = list_text (g_mime_message_get_bcc (message));
  parsed->subject = g_strdup (g_mime_message_get_subject (message));
  if (g_mime_message_get_message_id (message) != NULL)
    parsed->message_id = g_strdup_printf ("<%s>", g_mime_message_get_message_id (message));
  parsed->in_reply_to = header_text (GMIME_OBJECT (message), "In-Reply-To");
  parsed->references = header_text (GMIME_OBJECT (message), "References");

  body = g_mime_message_get_mime_part (message);
  if (body != NULL)
    walk_parts (body, NULL, find_bodies, &bodies);
  if (bodies.text != NULL)
    parsed->body = part_text (bodies.text);
  else if (bodies.html != NULL)
    {
      g_autofree char *html = part_text (bodies.html);

      parsed->body = tern_mime_html_to_text (html);
    }
  else
    parsed->body = g_strdup ("");

  if (body != NULL)
    {
      Extract x = { parsed->attachments, attachment_dir, &bodies, error, FALSE };

      if (g_mkdir_with_parents (attachment_dir, 0700) != 0)
        {
          g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errno), "Cannot create %s: %s",
                       attachment_dir, g_strerror (errno));
          return NULL;
        }
      walk_parts (body, NULL, extract_part, &x);
      if (x.failed)
        return NULL;
    }
  return g_steal_pointer (&parsed);
}

/* "It is attached" without an attachment. */

gboolean
tern_compose_mentions_attachment (const char *text)
{
  /* Matched at the start of a word, case-insensitively. */
  static const char *const stems[] = {
    "attach",                                   /* attach, attached, attachment */
    "enclosed", "enclosing", "enclosure",
    "anhang", "angehängt", "anbei",             /* German */
    "pièce jointe", "pièces jointes", "ci-joint", "joint à", /* French */
    "adjunt",                                   /* Spanish: adjunto, adjunta, adjuntamos */
    "allegato", "allegati", "allegata",         /* Italian */
    "bijlage", "bijgevoegd",                    /* Dutch */
    "anexo", "anexado",                         /* Portuguese */
    "bifoga", "vedlagt", "vedhæft", "liite",    /* Swedish, Norwegian, Danish, Finnish */
    "załącz",                                   /* Polish */
    NULL
  };
  g_auto(GStrv) lines = NULL;

  if (text == NULL)
    return FALSE;
  lines = g_strsplit (text, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      const char *line = lines[i];
      g_autofree char *folded = NULL;

      while (*line == ' ' || *line == '\t')
        line++;
      if (*line == '>')
        continue;
      folded = g_utf8_casefold (line, -1);
      for (guint s = 0; stems[s] != NULL; s++)
        {
          g_autofree char *stem = g_utf8_casefold (stems[s], -1);
          const char *hit = folded;

          while ((hit = strstr (hit, stem)) != NULL)
            {
              if (hit == folded || !g_unichar_isalnum (g_utf8_get_char (g_utf8_prev_char (hit))))
                return TRUE;
              hit++;
            }
        }
    }
  return FALSE;
}
