/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "tern-mime"

#include "config.h"

#include <unistd.h>

#include <fcntl.h>
#include <gmime/gmime.h>
#include <glib/gstdio.h>
#include <string.h>

#include "tern-mime.h"

/* Bodies and parts as the engine fetches them: decoding, and the little parsing a reader
 * needs (the text of a message, the names of a part). */

G_DEFINE_AUTOPTR_CLEANUP_FUNC (GMimeStream, g_object_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (GMimeFilter, g_object_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (GMimeParser, g_object_unref)

void
tern_mime_init (void)
{
  g_mime_init ();
}

/* Transfer encoding, then charset, to UTF-8. */
char *
tern_mime_decode_body (const guint8 *data,
                       gsize         length,
                       const char   *encoding,
                       const char   *charset)
{
  g_autoptr(GMimeStream) out = g_mime_stream_mem_new ();
  g_autoptr(GMimeStream) filtered = g_mime_stream_filter_new (out);
  GByteArray *bytes;
  GMimeContentEncoding enc = g_mime_content_encoding_from_string (encoding ? encoding : "7bit");
  char *text;

  g_mime_init ();
  if (data == NULL || length == 0)
    return g_strdup ("");
  if (enc == GMIME_CONTENT_ENCODING_BASE64 || enc == GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE ||
      enc == GMIME_CONTENT_ENCODING_UUENCODE)
    {
      g_autoptr(GMimeFilter) decoder = g_mime_filter_basic_new (enc, FALSE);
      g_mime_stream_filter_add (GMIME_STREAM_FILTER (filtered), decoder);
    }
  if (charset != NULL && g_ascii_strcasecmp (charset, "utf-8") != 0 &&
      g_ascii_strcasecmp (charset, "us-ascii") != 0)
    {
      g_autoptr(GMimeFilter) convert = g_mime_filter_charset_new (charset, "UTF-8");

      /* An unknown charset: keep the bytes, made valid below. */
      if (convert != NULL)
        g_mime_stream_filter_add (GMIME_STREAM_FILTER (filtered), convert);
    }
  g_mime_stream_write (filtered, (const char *) data, length);
  g_mime_stream_flush (filtered);
  bytes = g_mime_stream_mem_get_byte_array (GMIME_STREAM_MEM (out));
  /* A part that decodes to nothing (base64 of only padding, say) has no data at all. */
  if (bytes->len == 0)
    return g_strdup ("");
  text = g_utf8_make_valid ((const char *) bytes->data, (gssize) bytes->len);
  return text;
}

/* Decodes the transfer encoding of a file into another, streaming. */
gboolean
tern_mime_decode_file (const char  *from,
                       const char  *to,
                       const char  *encoding,
                       GError     **error)
{
  GMimeContentEncoding enc = g_mime_content_encoding_from_string (encoding ? encoding : "7bit");
  g_autoptr(GMimeStream) in = NULL;
  g_autoptr(GMimeStream) out = NULL;
  g_autoptr(GMimeStream) filtered = NULL;
  /* A name of its own: another thread may be decoding the same part. */
  g_autofree char *tmp = g_strdup_printf ("%s.%d-%p.tmp", to, (int) getpid (), (void *) g_thread_self ());
  gint64 written;

  g_mime_init ();
  in = g_mime_stream_fs_open (from, O_RDONLY, 0, NULL);
  out = g_mime_stream_fs_open (tmp, O_WRONLY | O_CREAT | O_TRUNC, 0600, NULL);
  if (in == NULL || out == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "Cannot write %s", to);
      return FALSE;
    }
  filtered = g_mime_stream_filter_new (out);
  if (enc == GMIME_CONTENT_ENCODING_BASE64 || enc == GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE ||
      enc == GMIME_CONTENT_ENCODING_UUENCODE)
    {
      g_autoptr(GMimeFilter) decoder = g_mime_filter_basic_new (enc, FALSE);
      g_mime_stream_filter_add (GMIME_STREAM_FILTER (filtered), decoder);
    }
  written = g_mime_stream_write_to_stream (in, filtered);
  if (written < 0 || g_mime_stream_flush (filtered) < 0 || g_mime_stream_flush (out) < 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NO_SPACE, "Cannot write %s (disk full?)", to);
      g_unlink (tmp);
      return FALSE;
    }
  g_clear_object (&filtered);
  g_clear_object (&out);
  if (g_rename (tmp, to) != 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "Cannot write %s", to);
      return FALSE;
    }
  return TRUE;
}

char *
tern_mime_dup_body_text (const guint8 *data,
                         gsize         length,
                         gboolean     *html_out)
{
  g_autoptr(GMimeStream) stream = NULL;
  g_autoptr(GMimeParser) parser = NULL;
  GMimeMessage *mime;
  GMimeObject *body;
  char *text = NULL;

  *html_out = FALSE;
  /* GMime asserts on an empty buffer. */
  if (data == NULL || length == 0)
    return NULL;
  stream = g_mime_stream_mem_new_with_buffer ((const char *) data, length);
  parser = g_mime_parser_new_with_stream (stream);
  mime = g_mime_parser_construct_message (parser, NULL);
  body = mime ? g_mime_message_get_body (mime) : NULL;
  if (body != NULL && GMIME_IS_TEXT_PART (body))
    {
      g_autofree char *raw = g_mime_text_part_get_text (GMIME_TEXT_PART (body));

      /* 8-bit text without a charset comes back as it was: made valid for the cache. */
      text = raw ? g_utf8_make_valid (raw, -1) : NULL;
      *html_out = g_mime_content_type_is_type (g_mime_object_get_content_type (body), "text", "html");
    }
  g_clear_object (&mime);
  return text;
}

gboolean
tern_mime_read_part_header (const guint8  *data,
                            gsize          length,
                            char         **filename_out,
                            char         **disposition_out)
{
  g_autoptr(GMimeStream) stream = NULL;
  g_autoptr(GMimeParser) parser = NULL;
  GMimeObject *object;
  const char *name;

  *filename_out = NULL;
  *disposition_out = NULL;
  if (data == NULL || length == 0)
    return FALSE;
  stream = g_mime_stream_mem_new_with_buffer ((const char *) data, length);
  parser = g_mime_parser_new_with_stream (stream);
  object = g_mime_parser_construct_part (parser, NULL);
  if (object == NULL)
    return FALSE;
  name = g_mime_object_get_content_disposition_parameter (object, "filename");
  if (name == NULL)
    name = g_mime_object_get_content_type_parameter (object, "name");
  *filename_out = name ? g_utf8_make_valid (name, -1) : NULL;
  if (g_mime_object_get_content_disposition (object) != NULL)
    *disposition_out =
      g_strdup (g_mime_content_disposition_get_disposition (g_mime_object_get_content_disposition (object)));
  g_object_unref (object);
  return TRUE;
}
