/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "tern-compose"

#include "config.h"

#include <fcntl.h>
#include <glib/gstdio.h>
#include <string.h>

#include "tern-compose-private.h"

/*
 * Forwarded attachments not downloaded yet (#14 item 4). Forwarding offline, the composer
 * writes an empty part that names the original's part (TERN_PART_REFERENCE_HEADER); before
 * the outbox sends the message, the engine downloads the part and this file writes the
 * message again with the part's bytes in.
 */

void
tern_part_reference_free (TernPartReference *reference)
{
  if (reference == NULL)
    return;
  g_free (reference->section);
  g_free (reference->filename);
  g_free (reference);
}

static GMimeMessage *
parse_file (const char  *path,
            GError     **error)
{
  g_autoptr(GMimeStream) stream = g_mime_stream_fs_open (path, O_RDONLY, 0, error);
  g_autoptr(GMimeParser) parser = NULL;
  GMimeMessage *message;

  if (stream == NULL)
    return NULL;
  parser = g_mime_parser_new_with_stream (stream);
  message = g_mime_parser_construct_message (parser, NULL);
  if (message == NULL)
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "%s is not a message", path);
  return message;
}

/* The parts holding a reference (borrowed from message), and their references. */
static void
collect (GMimeMessage *message,
         GPtrArray    *parts,
         GPtrArray    *references)
{
  GMimePartIter *iter = g_mime_part_iter_new (GMIME_OBJECT (message));

  if (!g_mime_part_iter_is_valid (iter))
    {
      g_mime_part_iter_free (iter);
      return;
    }
  do
    {
      GMimeObject *object = g_mime_part_iter_get_current (iter);
      const char *value = g_mime_object_get_header (object, TERN_PART_REFERENCE_HEADER);
      g_auto(GStrv) fields = NULL;
      TernPartReference *reference;

      if (value == NULL || !GMIME_IS_PART (object))
        continue;
      fields = g_strsplit (value, " ", 2);
      if (g_strv_length (fields) != 2 || g_ascii_strtoll (fields[0], NULL, 10) <= 0)
        continue;
      reference = g_new0 (TernPartReference, 1);
      reference->message_id = g_ascii_strtoll (fields[0], NULL, 10);
      reference->section = g_strstrip (g_strdup (fields[1]));
      reference->filename = g_strdup (g_mime_part_get_filename (GMIME_PART (object)));
      g_ptr_array_add (parts, object);
      g_ptr_array_add (references, reference);
    }
  while (g_mime_part_iter_next (iter));
  g_mime_part_iter_free (iter);
}

/* Cheap: most messages never held a reference; only those with the marker are parsed. */
static gboolean
has_marker (const char  *path,
            gboolean    *marker_out,
            GError     **error)
{
  g_autoptr(GMappedFile) file = g_mapped_file_new (path, FALSE, error);
  const char *data;
  gsize length;

  if (file == NULL)
    return FALSE;
  data = g_mapped_file_get_contents (file);
  length = g_mapped_file_get_length (file);
  *marker_out = FALSE;
  for (const char *p = data, *end = data + length; p != NULL && p < end;)
    {
      const char *nl = memchr (p, '\n', (gsize) (end - p));

      if (nl == NULL)
        break;
      p = nl + 1;
      if ((gsize) (end - p) > strlen (TERN_PART_REFERENCE_HEADER ":") &&
          g_ascii_strncasecmp (p, TERN_PART_REFERENCE_HEADER ":", strlen (TERN_PART_REFERENCE_HEADER ":")) == 0)
        {
          *marker_out = TRUE;
          break;
        }
    }
  return TRUE;
}

GPtrArray *
tern_mime_list_part_references (const char  *path,
                                GError     **error)
{
  g_autoptr(GPtrArray) references = g_ptr_array_new_with_free_func ((GDestroyNotify) tern_part_reference_free);
  g_autoptr(GPtrArray) parts = g_ptr_array_new ();
  g_autoptr(GMimeMessage) message = NULL;
  gboolean marker = FALSE;

  g_return_val_if_fail (path != NULL, NULL);

  if (!has_marker (path, &marker, error))
    return NULL;
  if (!marker)
    return g_steal_pointer (&references);
  if ((message = parse_file (path, error)) == NULL)
    return NULL;
  collect (message, parts, references);
  return g_steal_pointer (&references);
}

gboolean
tern_mime_fill_part_references (const char           *path,
                                const char           *dest_path,
                                TernPartResolveFunc   resolve,
                                gpointer              user_data,
                                GError              **error)
{
  g_autoptr(GPtrArray) references = g_ptr_array_new_with_free_func ((GDestroyNotify) tern_part_reference_free);
  g_autoptr(GPtrArray) parts = g_ptr_array_new ();
  g_autoptr(GMimeMessage) message = NULL;
  g_autoptr(GMimeStream) out = NULL;
  GMimeFormatOptions *options;
  gssize written;

  g_return_val_if_fail (path != NULL && dest_path != NULL && resolve != NULL, FALSE);

  if ((message = parse_file (path, error)) == NULL)
    return FALSE;
  collect (message, parts, references);
  for (guint i = 0; i < parts->len; i++)
    {
      GMimePart *part = parts->pdata[i];
      g_autofree char *file = resolve (references->pdata[i], user_data, error);
      g_autoptr(GMimeStream) stream = NULL;
      g_autoptr(GMimeDataWrapper) wrapper = NULL;

      if (file == NULL)
        return FALSE;
      stream = g_mime_stream_fs_open (file, O_RDONLY, 0, error);
      if (stream == NULL)
        {
          g_prefix_error (error, "Cannot attach %s: ", file);
          return FALSE;
        }
      wrapper = g_mime_data_wrapper_new_with_stream (stream, GMIME_CONTENT_ENCODING_DEFAULT);
      g_mime_part_set_content (part, wrapper);
      g_mime_part_set_content_encoding (part, GMIME_CONTENT_ENCODING_BASE64);
      g_mime_object_remove_header (GMIME_OBJECT (part), TERN_PART_REFERENCE_HEADER);
    }

  /* GMime's file stream syncs the file on flush. */
  out = g_mime_stream_fs_open (dest_path, O_WRONLY | O_CREAT | O_TRUNC, 0600, error);
  if (out == NULL)
    return FALSE;
  options = _tern_compose_format_options ();
  written = g_mime_object_write_to_stream (GMIME_OBJECT (message), options, out);
  g_mime_format_options_free (options);
  if (written < 0 || g_mime_stream_flush (out) != 0)
    {
      g_mime_stream_close (out);
      g_unlink (dest_path);
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "Cannot write %s", dest_path);
      return FALSE;
    }
  return g_mime_stream_close (out) == 0;
}
