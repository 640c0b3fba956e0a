/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "tern-sync"

#include "config.h"

#include <glib/gstdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tern-bodies.h"
#include "tern-journal.h"
#include "tern-mime.h"
#include "tern-sync-private.h"

/*
 * Bodies and parts on demand. Opening a message fetches only the part display needs, with
 * BODY.PEEK[section] (the message stays unread on the server until the user's own \Seen
 * goes through the journal); an attachment comes in chunks of BODY.PEEK[section]<off.len>
 * appended to a file of encoded bytes, so an interrupted download resumes where it
 * stopped and memory stays flat; it is decoded (transfer encoding) to its final file only
 * when every byte is there, and checked against the size BODYSTRUCTURE gave.
 */

#define CHUNK (256 * 1024)
/* Inline images (cid:) of an HTML text come with it only up to this size each. */
#define INLINE_LIMIT (256 * 1024)
/* Above this a message without a usable structure is not fetched whole just to show it. */
#define WHOLE_MESSAGE_LIMIT (512 * 1024)

static const TernPart *
find_part (TernMessage *m,
           const char  *section)
{
  for (guint i = 0; m->parts != NULL && i < m->parts->len; i++)
    {
      const TernPart *p = m->parts->pdata[i];

      if (g_strcmp0 (p->section, section) == 0)
        return p;
    }
  return NULL;
}

static char *
parent_section (const char *section)
{
  const char *dot = strrchr (section, '.');

  return dot ? g_strndup (section, (gsize) (dot - section)) : g_strdup ("");
}

static gboolean
is_attachment (const TernPart *p)
{
  return g_strcmp0 (p->disposition, "attachment") == 0;
}

/* Inside an attached message (message/rfc822 between it and the root)? */
static gboolean
inside_attached_message (TernMessage *m,
                         const char  *section)
{
  g_autofree char *up = parent_section (section);

  while (*up != '\0')
    {
      const TernPart *p = find_part (m, up);
      char *next;

      if (p != NULL && g_strcmp0 (p->type, "message") == 0)
        return TRUE;
      next = parent_section (up);
      g_free (up);
      up = next;
    }
  return FALSE;
}

const TernPart *
_tern_bodies_pick_text (TernMessage *m,
                        gboolean     prefer_html)
{
  const TernPart *first = NULL;

  for (guint i = 0; m->parts != NULL && i < m->parts->len; i++)
    {
      const TernPart *p = m->parts->pdata[i];

      if (g_strcmp0 (p->type, "text") == 0 &&
          (g_strcmp0 (p->subtype, "plain") == 0 || g_strcmp0 (p->subtype, "html") == 0) &&
          !is_attachment (p) && !inside_attached_message (m, p->section))
        {
          first = p;
          break;
        }
    }
  if (first == NULL)
    return NULL;

  /* In a multipart/alternative, the preferred rendering among the siblings. */
  {
    g_autofree char *parent = parent_section (first->section);
    const TernPart *container = find_part (m, parent);
    const char *want = prefer_html ? "html" : "plain";

    if (container != NULL && g_strcmp0 (container->type, "multipart") == 0 &&
        g_strcmp0 (container->subtype, "alternative") == 0)
      for (guint i = 0; i < m->parts->len; i++)
        {
          const TernPart *p = m->parts->pdata[i];
          g_autofree char *pp = parent_section (p->section);

          if (g_strcmp0 (pp, parent) == 0 && g_strcmp0 (p->type, "text") == 0 &&
              g_strcmp0 (p->subtype, want) == 0)
            return p;
        }
  }
  return first;
}

const TernPart *
tern_sync_pick_text_part (const TernMessage *message,
                          gboolean           prefer_html)
{
  g_return_val_if_fail (message != NULL, NULL);

  /* The picker only reads the message. */
  return _tern_bodies_pick_text ((TernMessage *) message, prefer_html);
}

/* One FETCH of a section (or a range of it): the bytes as sent (transfer-encoded). */
static GByteArray *
fetch_section (TernSync    *self,
               guint32      uid,
               const char  *section,
               guint64      offset,
               guint64      length,
               GError     **error)
{
  GByteArray *data;

  g_clear_pointer (&self->section_data, g_byte_array_unref);
  self->section_data = g_byte_array_new ();
  self->section_uid = uid;
  self->section_seen = FALSE;
  self->section_repeated = FALSE;
  self->fetch_mode = FETCH_SECTION;
  if (!tern_imap_connection_uid_fetch_section (self->conn, uid, section, offset, length, error))
    {
      self->fetch_mode = FETCH_NONE;
      g_clear_pointer (&self->section_data, g_byte_array_unref);
      return NULL;
    }
  self->fetch_mode = FETCH_NONE;
  if (!self->section_seen)
    {
      g_clear_pointer (&self->section_data, g_byte_array_unref);
      g_set_error (error, TERN_SYNC_ERROR, TERN_SYNC_ERROR_GONE,
                   "The message is no longer on the server");
      return NULL;
    }
  data = g_steal_pointer (&self->section_data);
  /* A server that sends more than was asked, or the section twice, is not believed: a
   * chunked loop built on it would never end (#17). */
  if (self->section_repeated || (length > 0 && data->len > length))
    {
      g_set_error (error, TERN_SYNC_ERROR, TERN_SYNC_ERROR_PROTOCOL,
                   "The server sent %u bytes of %s for at most %" G_GUINT64_FORMAT
                   " at offset %" G_GUINT64_FORMAT "%s: not what was asked", data->len,
                   *section != '\0' ? section : "the message", length, offset,
                   self->section_repeated ? ", in more than one response" : "");
      g_byte_array_unref (data);
      return NULL;
    }
  return data;
}

gboolean
_tern_bodies_locate (TernSync      *self,
                     gint64         message_id,
                     TernMessage  **message,
                     TernFolder   **folder,
                     GError       **error)
{
  gint64 folder_id = 0;
  guint32 uid = 0;

  if (!tern_journal_locate (self->store, message_id, &folder_id, &uid, error))
    return FALSE;
  *message = tern_store_get_message (self->store, message_id, error);
  if (*message == NULL)
    return FALSE;
  (*message)->folder_id = folder_id;
  (*message)->uid = uid;
  *folder = tern_store_get_folder_by_id (self->store, folder_id, error);
  return *folder != NULL;
}

/* Text of a message only this cache has (a draft not uploaded yet): from its blob. */
gboolean
_tern_bodies_text_from_blob (TernSync     *self,
                             TernMessage  *m,
                             GError      **error)
{
  g_autoptr(GBytes) raw = tern_journal_dup_raw (self->store, m->id, error);
  g_autofree char *text = NULL;
  gboolean html = FALSE;

  if (raw == NULL)
    return FALSE;
  text = tern_mime_dup_body_text (g_bytes_get_data (raw, NULL), g_bytes_get_size (raw), &html);
  return tern_store_set_body (self->store, m->id, NULL, html ? "text/html" : "text/plain",
                              text ? text : "", error);
}

/* The leaves whose own headers (BODY.PEEK[n.MIME]) are read for their names: every leaf
 * but the text shown, and attached messages: servers disagree most about exactly these
 * (unquoted names, broken nested bodies). A few hundred bytes per attachment. */
gboolean
_tern_bodies_wants_mime (const TernPart *p,
                         const TernPart *shown)
{
  return g_strcmp0 (p->type, "multipart") != 0 && *p->section != '\0' && p != shown;
}

/* Attachment names as GMime reads them from the part's own headers: lenient where a
 * server's BODYSTRUCTURE is strict (an unquoted name with spaces), RFC 2231 and 2047
 * decoded. */
gboolean
_tern_bodies_refine_name (TernSync        *self,
                          TernMessage     *m,
                          const TernPart  *p,
                          const guint8    *headers,
                          gsize            length,
                          GError         **error)
{
  g_autoptr(GByteArray) copy = g_byte_array_sized_new (length + 2);
  g_autofree char *name = NULL;
  g_autofree char *disposition = NULL;

  g_byte_array_append (copy, headers, length);
  g_byte_array_append (copy, (const guint8 *) "\r\n", 2);
  if (!tern_mime_read_part_header (copy->data, copy->len, &name, &disposition))
    return TRUE;
  if ((name != NULL && g_strcmp0 (name, p->filename) != 0) ||
      (disposition != NULL && g_ascii_strcasecmp (disposition, p->disposition ? p->disposition : "") != 0))
    {
      g_autofree char *valid = name ? g_utf8_make_valid (name, -1) : g_strdup (p->filename);
      g_autofree char *lower = disposition ? g_ascii_strdown (disposition, -1) : g_strdup (p->disposition);

      if (!tern_store_set_part_filename (self->store, m->id, p->section, valid, lower, error))
        return FALSE;
    }
  return TRUE;
}

/* The text of a whole message (small messages only), parsed here with GMime. */
gboolean
_tern_bodies_store_whole (TernSync      *self,
                          TernMessage   *m,
                          const guint8  *data,
                          gsize          length,
                          GError       **error)
{
  g_autofree char *raw = NULL;
  g_autofree char *text = NULL;
  gboolean html = FALSE;

  raw = tern_mime_dup_body_text (data, length, &html);
  text = raw ? g_utf8_make_valid (raw, -1) : NULL;
  return tern_store_set_body (self->store, m->id, NULL, html ? "text/html" : "text/plain",
                              text ? text : "", error);
}

/* The text part's bytes as sent, decoded and kept; *text_out (may be NULL) gets the text. */
gboolean
_tern_bodies_store_text (TernSync        *self,
                         TernMessage     *m,
                         const TernPart  *part,
                         const guint8    *data,
                         gsize            length,
                         char           **text_out,
                         GError         **error)
{
  g_autofree char *text = tern_mime_decode_body (data, length, part->encoding, part->charset);
  g_autofree char *type = g_strdup_printf ("text/%s", part->subtype);

  if (!tern_store_set_body (self->store, m->id, part->section, type, text, error))
    return FALSE;
  if (text_out != NULL)
    *text_out = g_steal_pointer (&text);
  return TRUE;
}

/* What fetch_text() needs of a message: the whole message ("", no usable structure), the
 * text part, or nothing (only attachments). */
TernBodiesPlan
_tern_bodies_plan_text (TernMessage     *m,
                        const TernPart **part_out)
{
  const TernPart *part = _tern_bodies_pick_text (m, TRUE);

  *part_out = part;
  if ((part == NULL || part->size == 0) && m->size <= WHOLE_MESSAGE_LIMIT)
    return TERN_BODIES_WHOLE;
  if (part == NULL)
    return TERN_BODIES_NO_TEXT;
  return TERN_BODIES_PART;
}

/* The images an HTML text shows by cid:, small ones only: the rest wait for a click. */
gboolean
_tern_bodies_fetch_inline_images (TernSync     *self,
                     TernMessage  *m,
                     const char   *html,
                     GError      **error)
{
  for (guint i = 0; m->parts != NULL && i < m->parts->len; i++)
    {
      TernPart *p = m->parts->pdata[i];
      g_autofree char *reference = NULL;
      gsize len;

      if (p->content_id == NULL || p->size > INLINE_LIMIT || g_strcmp0 (p->type, "multipart") == 0)
        continue;
      /* content_id is "<x@y>"; the HTML says "cid:x@y". */
      len = strlen (p->content_id);
      reference = g_strdup_printf ("cid:%.*s", (int) (len >= 2 && p->content_id[0] == '<' ? len - 2 : len),
                                   p->content_id + (p->content_id[0] == '<'));
      if (strstr (html, reference) == NULL)
        continue;
      if (!tern_sync_fetch_part (self, m->id, p->section, NULL, NULL, NULL, NULL, error))
        return FALSE;
    }
  return TRUE;
}

gboolean
tern_sync_fetch_text (TernSync  *self,
                      gint64     message_id,
                      GError   **error)
{
  g_autoptr(TernMessage) m = NULL;
  g_autoptr(TernFolder) folder = NULL;

  if (!_tern_bodies_locate (self, message_id, &m, &folder, error))
    return FALSE;
  if (m->uid == 0)
    return _tern_bodies_text_from_blob (self, m, error);
  if (!tern_sync_connect (self, error) || !_tern_sync_select (self, folder->name, error))
    return FALSE;

  /* The text and the other parts' own headers in one FETCH (tern-prefetch.c). */
  return _tern_prefetch_open (self, g_steal_pointer (&m), error);
}

/* Parts to files. */

static char *
parts_dir (TernSync *self,
           gint64    message_id)
{
  g_autofree char *dir = g_path_get_dirname (tern_store_get_path (self->store));
  g_autofree char *id = g_strdup_printf ("%" G_GINT64_FORMAT, message_id);

  return g_build_filename (dir, "parts", id, NULL);
}

static gboolean
copy_file (const char  *from,
           const char  *to,
           GError     **error)
{
  g_autoptr(GFile) src = g_file_new_for_path (from);
  g_autoptr(GFile) dst = g_file_new_for_path (to);

  return g_file_copy (src, dst, G_FILE_COPY_OVERWRITE, NULL, NULL, NULL, error);
}

/* A part that came whole (a batched prefetch): kept as fetch_part() keeps it, decoded,
 * complete. */
gboolean
_tern_bodies_save_part (TernSync        *self,
                        gint64           message_id,
                        const TernPart  *part,
                        const guint8    *data,
                        gsize            length,
                        GError         **error)
{
  g_autofree char *dir = parts_dir (self, message_id);
  g_autofree char *safe = g_strdelimit (g_strdup (part->section), "/", '_');
  g_autofree char *encoded_path = g_strdup_printf ("%s/%s.enc", dir, safe);
  g_autofree char *decoded_path = g_strdup_printf ("%s/%s", dir, safe);

  /* Never shown as complete unless every byte BODYSTRUCTURE announced is here. */
  if (length != part->size)
    {
      g_set_error (error, TERN_SYNC_ERROR, TERN_SYNC_ERROR_PROTOCOL,
                   "The server sent %" G_GSIZE_FORMAT " of %" G_GUINT64_FORMAT " bytes of part %s",
                   length, (guint64) part->size, part->section);
      return FALSE;
    }
  if (g_mkdir_with_parents (dir, 0700) != 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "Cannot create %s", dir);
      return FALSE;
    }
  {
    /* Under the same lock as a chunked download of the part (its .enc file), and never
     * through that file: a download may be appending to it. */
    g_autofree char *batch_path = g_strdup_printf ("%s/%s.batch", dir, safe);
    FILE *lock = g_fopen (encoded_path, "ab");
    gboolean complete = FALSE;
    gboolean ok;

    if (lock == NULL || flock (fileno (lock), LOCK_EX) != 0)
      {
        if (lock != NULL)
          fclose (lock);
        g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "Cannot lock %s", encoded_path);
        return FALSE;
      }
    if (tern_store_get_part_file (self->store, message_id, part->section, NULL, NULL, &complete) &&
        complete && g_file_test (decoded_path, G_FILE_TEST_EXISTS))
      {
        fclose (lock);
        return TRUE;
      }
    ok = g_file_set_contents (batch_path, (const char *) data, length, error) &&
         tern_mime_decode_file (batch_path, decoded_path, part->encoding, error) &&
         tern_store_set_part_file (self->store, message_id, part->section, decoded_path, length, TRUE, error);
    g_unlink (batch_path);
    /* A download that stopped half-way has nothing left to resume. */
    if (ok)
      g_unlink (encoded_path);
    fclose (lock);
    return ok;
  }
}

/* Whether the decoded file of a part is here already. */
gboolean
_tern_bodies_has_part_file (TernSync   *self,
                            gint64      message_id,
                            const char *section)
{
  g_autofree char *path = tern_sync_dup_part_path (self, message_id, section);

  return path != NULL;
}

gboolean
tern_sync_fetch_part (TernSync              *self,
                      gint64                 message_id,
                      const char            *section,
                      const char            *dest_path,
                      TernSyncPartProgress   progress,
                      gpointer               user_data,
                      GCancellable          *cancellable,
                      GError               **error)
{
  g_autoptr(TernMessage) m = NULL;
  g_autoptr(TernFolder) folder = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *encoded_path = NULL;
  g_autofree char *decoded_path = NULL;
  g_autofree char *safe = NULL;
  const TernPart *part;
  guint64 total, fetched = 0;
  FILE *encoded = NULL;

  if (!_tern_bodies_locate (self, message_id, &m, &folder, error))
    return FALSE;
  part = find_part (m, section);
  if (part == NULL)
    {
      g_set_error (error, TERN_SYNC_ERROR, TERN_SYNC_ERROR_PERMANENT, "Message %" G_GINT64_FORMAT
                   " has no part %s", message_id, section);
      return FALSE;
    }
  total = part->size;

  dir = parts_dir (self, message_id);
  safe = g_strdelimit (g_strdup (section), "/", '_');
  encoded_path = g_strdup_printf ("%s/%s.enc", dir, safe);
  decoded_path = g_strdup_printf ("%s/%s", dir, safe);

  {
    gboolean complete = FALSE;

    if (tern_store_get_part_file (self->store, message_id, section, NULL, NULL, &complete) &&
        complete && g_file_test (decoded_path, G_FILE_TEST_EXISTS))
      goto done; /* complete already: readable offline */
  }
  if (g_mkdir_with_parents (dir, 0700) != 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "Cannot create %s", dir);
      return FALSE;
    }

  encoded = g_fopen (encoded_path, "ab");
  if (encoded == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "Cannot write %s", encoded_path);
      return FALSE;
    }
  /* One download of a part at a time (another thread or process may be fetching the same
   * one, the app and tern-cli say): two appending to one file would double its chunks. */
  if (flock (fileno (encoded), LOCK_EX) != 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "Cannot lock %s", encoded_path);
      goto fail;
    }
  {
    gboolean complete = FALSE;
    struct stat st;

    /* Finished by the other while this one waited. */
    if (tern_store_get_part_file (self->store, message_id, section, NULL, NULL, &complete) &&
        complete && g_file_test (decoded_path, G_FILE_TEST_EXISTS))
      {
        fclose (encoded);
        goto done;
      }
    /* Resume where the last attempt stopped: the encoded bytes on disk are the truth. */
    fetched = fstat (fileno (encoded), &st) == 0 ? (guint64) st.st_size : 0;
    if (fetched > total)
      {
        if (ftruncate (fileno (encoded), 0) != 0)
          {
            g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "Cannot write %s", encoded_path);
            goto fail;
          }
        fetched = 0;
      }
  }
  if (!tern_store_set_part_file (self->store, message_id, section, decoded_path, fetched, FALSE, error))
    goto fail;

  if (m->uid == 0)
    {
      g_set_error (error, TERN_SYNC_ERROR, TERN_SYNC_ERROR_PERMANENT,
                   "The message is not on the server yet");
      goto fail;
    }
  if (!tern_sync_connect (self, error) || !_tern_sync_select (self, folder->name, error))
    goto fail;

  if (progress != NULL)
    progress (fetched, total, user_data);
  while (fetched < total)
    {
      g_autoptr(GByteArray) chunk = NULL;

      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        goto fail;
      chunk = fetch_section (self, m->uid, section, fetched, MIN (CHUNK, total - fetched), error);
      if (chunk == NULL)
        goto fail;
      if (chunk->len == 0)
        break; /* the server has no more: checked below */
      if (fwrite (chunk->data, 1, chunk->len, encoded) != chunk->len || fflush (encoded) != 0)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_NO_SPACE, "Cannot write %s (disk full?)", encoded_path);
          goto fail;
        }
      fetched += chunk->len;
      tern_store_set_part_file (self->store, message_id, section, decoded_path, fetched, FALSE, NULL);
      if (progress != NULL)
        progress (fetched, total, user_data);
    }
  /* Never shown as complete unless every byte BODYSTRUCTURE announced is here. */
  if (fetched != total)
    {
      g_set_error (error, TERN_SYNC_ERROR, TERN_SYNC_ERROR_PROTOCOL,
                   "The server sent %" G_GUINT64_FORMAT " of %" G_GUINT64_FORMAT " bytes of part %s",
                   fetched, total, section);
      goto fail;
    }
  /* Decoded and marked complete with the lock still held (released by fclose). */
  if (!tern_mime_decode_file (encoded_path, decoded_path, part->encoding, error))
    goto fail;
  g_unlink (encoded_path);
  if (!tern_store_set_part_file (self->store, message_id, section, decoded_path, fetched, TRUE, error))
    goto fail;
  fclose (encoded);
  encoded = NULL;

done:
  if (dest_path != NULL && g_strcmp0 (dest_path, decoded_path) != 0)
    return copy_file (decoded_path, dest_path, error);
  return TRUE;

fail:
  if (encoded != NULL)
    fclose (encoded);
  return FALSE;
}

char *
tern_sync_dup_part_path (TernSync   *self,
                         gint64      message_id,
                         const char *section)
{
  g_autofree char *path = NULL;
  gboolean complete = FALSE;

  if (!tern_store_get_part_file (self->store, message_id, section, &path, NULL, &complete) ||
      !complete || !g_file_test (path, G_FILE_TEST_EXISTS))
    return NULL;
  return g_steal_pointer (&path);
}

/* Server-side search, for messages whose bodies are not cached: UID SEARCH TEXT in every
 * folder on the server; the local ids of the hits the cache knows. */
GArray *
tern_sync_server_search (TernSync    *self,
                         const char  *query,
                         GError     **error)
{
  g_autoptr(GPtrArray) folders = NULL;
  g_auto(GStrv) words = g_strsplit_set (query, " \t", -1);
  g_autoptr(GArray) ids = g_array_new (FALSE, FALSE, sizeof (gint64));

  /* Words go out without "*" (a space instead). */
  for (guint w = 0; words[w] != NULL; w++)
    g_strdelimit (words[w], "*", ' ');

  if (!tern_sync_connect (self, error))
    return NULL;
  folders = tern_store_list_folders_uncounted (self->store, self->account->id, error);
  if (folders == NULL)
    return NULL;

  for (guint i = 0; i < folders->len; i++)
    {
      TernFolder *folder = folders->pdata[i];
      g_autoptr(GArray) uids = NULL;

      if (!folder->selectable || folder->local_state != TERN_FOLDER_ON_SERVER)
        continue;
      if (!_tern_sync_select (self, folder->name, error))
        return NULL;
      uids = tern_imap_connection_uid_search_text (self->conn, (const char * const *) words, error);
      if (uids == NULL)
        return NULL;
      for (guint u = 0; u < uids->len; u++)
        {
          gint64 id = tern_store_find_uid (self->store, folder->id, g_array_index (uids, guint32, u));

          if (id != 0)
            g_array_append_val (ids, id);
        }
    }
  return g_steal_pointer (&ids);
}

/* Export. */

gboolean
tern_sync_export_message (TernSync       *self,
                          gint64          message_id,
                          GOutputStream  *out,
                          GError        **error)
{
  g_autoptr(TernMessage) m = NULL;
  g_autoptr(TernFolder) folder = NULL;
  guint64 offset = 0;

  if (!_tern_bodies_locate (self, message_id, &m, &folder, error))
    return FALSE;
  if (m->uid == 0)
    {
      /* Only this cache has it: its stored text. */
      g_autoptr(GBytes) raw = tern_journal_dup_raw (self->store, message_id, error);

      return raw != NULL && g_output_stream_write_all (out, g_bytes_get_data (raw, NULL),
                                                       g_bytes_get_size (raw), NULL, NULL, error);
    }
  if (!tern_sync_connect (self, error) || !_tern_sync_select (self, folder->name, error))
    return FALSE;

  /* Streamed in chunks: a huge message never sits in memory whole. */
  for (;;)
    {
      g_autoptr(GByteArray) chunk = fetch_section (self, m->uid, "", offset, CHUNK, error);

      if (chunk == NULL)
        return FALSE;
      /* Never past the size the server gave (RFC822.SIZE): a server that repeats the
       * same chunk whatever offset is asked would otherwise fill the disk. */
      if (offset + chunk->len > (m->size > 0 ? m->size : G_MAXUINT32))
        {
          g_set_error (error, TERN_SYNC_ERROR, TERN_SYNC_ERROR_PROTOCOL,
                       "The server sent more than the %" G_GUINT64_FORMAT " bytes of message %"
                       G_GINT64_FORMAT " it announced", m->size, message_id);
          return FALSE;
        }
      if (chunk->len > 0 && !g_output_stream_write_all (out, chunk->data, chunk->len, NULL, NULL, error))
        return FALSE;
      offset += chunk->len;
      if (chunk->len < CHUNK)
        break;
    }
  return TRUE;
}

