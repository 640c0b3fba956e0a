/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "fuzz-mime"

#include "config.h"

#include <string.h>

#include "tern-compose.h"
#include "tern-fuzz-internal.h"
#include "tern-fuzz.h"
#include "tern-journal.h"
#include "tern-mime.h"
#include "tern-sync.h"

/*
 * A whole message, as a file the user imports or a draft Tern keeps, through everything
 * Tern does with it: GMime's parse into a cache record (envelope, References, structure),
 * the store's insert (threads, address index), the text shown (picked, decoded, HTML to
 * text), the search index, a reply's quote and recipients, an export, and taking it apart
 * for editing (attachments named and written to files).
 *
 * Beyond not crashing: what reaches the cache or the screen is valid UTF-8, attachments
 * land inside their folder, an export gives back the very bytes.
 */

int LLVMFuzzerInitialize (int    *argc,
                          char ***argv);
int LLVMFuzzerTestOneInput (const guint8 *data,
                            gsize         size);

int
LLVMFuzzerInitialize (int    *argc,
                      char ***argv)
{
  tern_fuzz_init ();
  return 0;
}

static void
check_utf8 (const char *what,
            const char *text)
{
  tern_fuzz_check (text == NULL || g_utf8_validate (text, -1, NULL), "%s is not UTF-8", what);
}

static void
check_record (const TernMessage *m)
{
  check_utf8 ("subject", m->subject);
  check_utf8 ("from name", m->from_name);
  check_utf8 ("from address", m->from_addr);
  check_utf8 ("to", m->to_list);
  check_utf8 ("cc", m->cc_list);
  check_utf8 ("reply-to", m->reply_to);
  check_utf8 ("message-id", m->message_id);
  check_utf8 ("references", m->references);
  for (guint i = 0; m->parts != NULL && i < m->parts->len; i++)
    {
      const TernPart *p = m->parts->pdata[i];

      tern_fuzz_check (p->section != NULL, "part without section");
      check_utf8 ("part type", p->type);
      check_utf8 ("part subtype", p->subtype);
      check_utf8 ("part filename", p->filename);
      check_utf8 ("part charset", p->charset);
    }
}

/* The text a reader shows, as tern_sync_fetch_text() stores it and the message view reads it. */
static void
check_text (TernFuzzStore *fs,
            TernSync      *sync,
            gint64         id,
            const guint8  *data,
            gsize          size)
{
  g_autoptr(TernMessage) stored = tern_store_get_message (fs->store, id, NULL);
  g_autoptr(TernBody) body = NULL;
  const guint8 *text_start;
  const TernPart *part;

  tern_fuzz_check (stored != NULL, "appended message %" G_GINT64_FORMAT " not found", id);
  check_record (stored);

  tern_sync_fetch_text (sync, id, NULL);
  body = tern_store_get_body (fs->store, id, NULL);
  if (body != NULL)
    check_utf8 ("body", body->text);
  /* What is made of the text (the HTML read as text, a reply's quote) only if the text was
   * valid (a known defect, when not: its consequences are no news). */
  if (body != NULL && g_utf8_validate (body->text, -1, NULL))
    {
      if (g_strcmp0 (body->content_type, "text/html") == 0)
        {
          g_autofree char *plain = tern_mime_html_to_text (body->text);

          check_utf8 ("html as text", plain);
        }
      {
        g_autofree char *quoted = tern_compose_quote (stored, body->text);

        check_utf8 ("quote", quoted);
      }
    }

  /* A part's bytes come from the server still transfer-encoded, in the part's charset: the
   * message's body after its header stands in for them. */
  text_start = data + size;
  for (gsize i = 0; i + 1 < size; i++)
    if (data[i] == '\n' &&
        (data[i + 1] == '\n' || (data[i + 1] == '\r' && i + 2 < size && data[i + 2] == '\n')))
      {
        text_start = data + i + (data[i + 1] == '\n' ? 2 : 3);
        break;
      }
  for (int prefer_html = 0; prefer_html < 2; prefer_html++)
    {
      part = _tern_bodies_pick_text (stored, prefer_html);
      if (part != NULL)
        {
          g_autofree char *decoded = _tern_bodies_decode (text_start,
                                                          (gsize) (data + size - text_start),
                                                          part->encoding, part->charset);

          check_utf8 ("decoded part", decoded);
        }
    }

  {
    g_autofree char *to = NULL;
    g_autofree char *cc = NULL;
    const char *mine[] = { "fuzz@example.org", NULL };

    tern_compose_reply_recipients (stored, mine, TRUE, &to, &cc);
    check_utf8 ("reply to", to);
    check_utf8 ("reply cc", cc);
  }
}

static void
check_search (TernFuzzStore     *fs,
              const TernMessage *m)
{
  g_autoptr(GArray) ids = NULL;
  g_autofree char *word = NULL;
  guint remaining = 0;

  tern_store_index_pending (fs->store, 0, &remaining, NULL);
  if (m->subject == NULL)
    return;
  word = g_strdup (m->subject);
  g_strdelimit (word, " \t", '\0');
  ids = tern_store_search_ids (fs->store, word, NULL);
}

static void
check_export (TernSync     *sync,
              gint64        id,
              const guint8 *data,
              gsize         size)
{
  g_autoptr(GOutputStream) out = g_memory_output_stream_new_resizable ();
  g_autoptr(GError) error = NULL;

  if (!tern_sync_export_message (sync, id, out, &error))
    tern_fuzz_fail (G_STRLOC, "export", "%s", error->message);
  g_output_stream_close (out, NULL, NULL);
  tern_fuzz_check (g_memory_output_stream_get_data_size (G_MEMORY_OUTPUT_STREAM (out)) == size &&
                   memcmp (g_memory_output_stream_get_data (G_MEMORY_OUTPUT_STREAM (out)), data,
                           size) == 0,
                   "the export differs from the message");
}

/* Taking a draft apart to edit it again: attachments become files named after the parts. */
static void
check_edit (TernFuzzStore *fs,
            GBytes        *raw)
{
  g_autofree char *dir = g_build_filename (fs->dir, "attachments", NULL);
  g_autofree char *prefix = g_strconcat (dir, G_DIR_SEPARATOR_S, NULL);
  g_autoptr(TernComposeParsed) parsed = tern_compose_parse_message (raw, dir, NULL);

  if (parsed == NULL)
    return;
  check_utf8 ("edit body", parsed->body);
  check_utf8 ("edit subject", parsed->subject);
  for (guint i = 0; parsed->attachments != NULL && i < parsed->attachments->len; i++)
    {
      TernComposeFile *file = parsed->attachments->pdata[i];
      g_autofree char *base = NULL;

      tern_fuzz_check (file->path != NULL && g_str_has_prefix (file->path, prefix),
                       "attachment outside its folder: %s", file->path);
      base = g_path_get_basename (file->path);
      tern_fuzz_check (strcmp (file->path + strlen (prefix), base) == 0 && strcmp (base, "..") != 0,
                       "attachment outside its folder: %s", file->path);
      tern_fuzz_check (g_file_test (file->path, G_FILE_TEST_IS_REGULAR), "no file %s", file->path);
      check_utf8 ("attachment name", file->filename);
    }
}

int
LLVMFuzzerTestOneInput (const guint8 *data,
                        gsize         size)
{
  g_autoptr(GBytes) raw = g_bytes_new (data, size);
  g_autoptr(TernMessage) message = NULL;
  TernFuzzStore *fs;
  TernSync *sync;
  gint64 id;

  if (tern_fuzz_known_mime (data, size))
    return 0;
  message = tern_mime_parse_message (raw, NULL);
  if (message == NULL)
    return 0;
  check_record (message);

  fs = tern_fuzz_store_new (143);
  /* Never connects: every message here is one only this cache has (UID 0). */
  sync = tern_sync_new (fs->store, fs->account);
  id = tern_journal_append (fs->store, fs->inbox_id, message, raw, NULL);
  if (id != 0)
    {
      check_text (fs, sync, id, data, size);
      check_search (fs, message);
      check_export (sync, id, data, size);
    }
  check_edit (fs, raw);

  tern_sync_free (sync);
  tern_fuzz_store_free (fs);
  return 0;
}
