/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "tern-compose"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>

#include "tern-compose-private.h"
#include "tern-mime.h"

/* Taking a message apart to edit it again (a draft). */

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

/* Header text as GMime gives it may carry raw 8-bit bytes of no charset: made valid UTF-8
 * (the composer's fields and the cache take nothing else). Takes text. */
static char *
valid_text (char *text)
{
  char *valid;

  if (text == NULL || g_utf8_validate (text, -1, NULL))
    return text;
  valid = g_utf8_make_valid (text, -1);
  g_free (text);
  return valid;
}

static char *
list_text (InternetAddressList *list)
{
  if (list == NULL || internet_address_list_length (list) == 0)
    return NULL;
  return valid_text (internet_address_list_to_string (list, NULL, FALSE));
}

static char *
header_text (GMimeObject *object,
             const char  *name)
{
  const char *value = g_mime_object_get_header (object, name);

  return value ? valid_text (g_strstrip (g_strdup (value))) : NULL;
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
  /* A part whose headers run into the next boundary, or a forwarded message without a
   * body: an empty file, not a draft that cannot be opened. */
  if (object == NULL || (decoded && g_mime_part_get_content (GMIME_PART (object)) == NULL))
    written = 0;
  else if (decoded)
    written = g_mime_data_wrapper_write_to_stream (g_mime_part_get_content (GMIME_PART (object)), out);
  else
    {
      GMimeFormatOptions *options = _tern_compose_format_options ();

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

      file->filename = g_utf8_make_valid (filename ? filename
                                          : subject && *subject ? subject : "forwarded message.eml", -1);
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

      file->filename = g_utf8_make_valid (filename ? filename : "attachment", -1);
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
  if (g_bytes_get_size (raw) == 0)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "The message is empty");
      return NULL;
    }
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
  parsed->subject = valid_text (g_strdup (g_mime_message_get_subject (message)));
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
