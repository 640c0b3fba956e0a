/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-bodies"

#include "config.h"

#include <gmime/gmime.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "tern-journal.h"
#include "tern-store.h"
#include "tern-sync.h"
#include "tern-test-cache.h"
#include "tern-test-server.h"

/* Bodies and attachments on demand, against a real Dovecot. */

typedef struct
{
  TernTestServer *server;
  char           *dir;
  TernStore      *store;
  TernAccount    *account;
} Fixture;

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;

  f->server = tern_test_server_new (TERN_TEST_SERVER_FULL, &error);
  g_assert_no_error (error);
  f->dir = g_dir_make_tmp ("tern-bodies-XXXXXX", &error);
  g_assert_no_error (error);
  path = g_build_filename (f->dir, "tern.db", NULL);
  f->store = tern_store_open (path, &error);
  g_assert_no_error (error);
  tern_test_cache_add_server_account (f->store, f->server, "test", TRUE);
  f->account = tern_store_get_account (f->store, "test", &error);
  g_assert_no_error (error);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  g_autofree char *cmd = g_strdup_printf ("rm -rf '%s'", f->dir);

  tern_account_free (f->account);
  tern_store_free (f->store);
  tern_test_server_free (f->server);
  g_assert_cmpint (system (cmd), ==, 0);
  g_free (f->dir);
}

static TernSync *
new_sync (Fixture *f)
{
  TernSync *sync = tern_sync_new (f->store, f->account);

  tern_sync_set_password (sync, "secret");
  tern_sync_set_timeout (sync, 20);
  return sync;
}

static void
sync_ok (Fixture *f)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TernSync) sync = new_sync (f);

  tern_sync_run (sync, NULL, &error);
  g_assert_no_error (error);
}

static void
append_raw (Fixture     *f,
            const char  *mailbox,
            const char  *data,
            gsize        length)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TernTestClient) client = tern_test_client_new (f->server, "alice", "secret", &error);

  g_assert_no_error (error);
  tern_test_client_append (client, mailbox, NULL, NULL, data, length, &error);
  g_assert_no_error (error);
}

/* A message with a short text and one large base64 attachment of `size` random bytes. */
static char *
message_with_attachment (gsize       size,
                         GBytes    **content_out,
                         gsize      *length_out)
{
  g_autoptr(GString) out = g_string_new (NULL);
  guint8 *bytes = g_malloc (size);
  g_autofree char *b64 = NULL;
  GRand *rand = g_rand_new_with_seed (42);

  for (gsize i = 0; i < size; i++)
    bytes[i] = (guint8) g_rand_int (rand);
  g_rand_free (rand);
  b64 = g_base64_encode (bytes, size);

  g_string_append (out, "From: Bob <bob@example.org>\r\nTo: alice@example.org\r\nSubject: The big one\r\n"
                        "Message-ID: <big@test>\r\nMIME-Version: 1.0\r\n"
                        "Content-Type: multipart/mixed; boundary=\"b\"\r\n\r\n--b\r\n"
                        "Content-Type: text/plain; charset=utf-8\r\n\r\n"
                        "Here is the file you asked for. Grüße!\r\n--b\r\n"
                        "Content-Type: application/octet-stream; name=\"data.bin\"\r\n"
                        "Content-Disposition: attachment; filename=\"data.bin\"\r\n"
                        "Content-Transfer-Encoding: base64\r\n\r\n");
  for (gsize i = 0, n = strlen (b64); i < n; i += 76)
    {
      g_string_append_len (out, b64 + i, MIN (76, n - i));
      g_string_append (out, "\r\n");
    }
  g_string_append (out, "--b--\r\n");
  *content_out = g_bytes_new_take (bytes, size);
  *length_out = out->len;
  return g_string_free (g_steal_pointer (&out), FALSE);
}

static gint64
only_message (Fixture *f)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TernFolder) inbox = tern_store_get_folder (f->store, f->account->id, "INBOX", &error);
  g_autoptr(GPtrArray) list = tern_store_list_messages (f->store, inbox->id, 0, &error);

  g_assert_no_error (error);
  g_assert_cmpuint (list->len, ==, 1);
  return ((TernMessage *) list->pdata[0])->id;
}

/* Opening a message with a 5 MB attachment costs its text part and little more. */
static void
test_lazy_text (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) content = NULL;
  g_autoptr(TernSync) sync = NULL;
  g_autoptr(TernBody) body = NULL;
  g_autofree char *raw = NULL;
  TernSyncStats before, after;
  gsize length;
  gint64 id;

  raw = message_with_attachment (5 * 1024 * 1024, &content, &length);
  append_raw (f, "INBOX", raw, length);
  sync_ok (f);
  id = only_message (f);

  /* Nothing cached yet: not available offline. */
  g_assert_null (tern_store_get_body (f->store, id, &error));
  g_assert_no_error (error);

  sync = new_sync (f);
  g_assert_true (tern_sync_connect (sync, &error));
  tern_sync_get_stats (sync, &before);
  g_assert_true (tern_sync_fetch_text (sync, id, &error));
  g_assert_no_error (error);
  tern_sync_get_stats (sync, &after);
  g_test_message ("opening cost %" G_GUINT64_FORMAT " bytes", after.bytes_read - before.bytes_read);
  g_assert_cmpuint (after.bytes_read - before.bytes_read, <, 40 + 2048);

  body = tern_store_get_body (f->store, id, &error);
  g_assert_nonnull (body);
  g_assert_cmpstr (body->content_type, ==, "text/plain");
  g_assert_nonnull (strstr (body->text, "Grüße"));
  g_assert_null (tern_sync_dup_part_path (sync, id, "2"));

  /* Readable offline from now on: a new store, no connection. */
  {
    g_autofree char *path = g_build_filename (f->dir, "tern.db", NULL);
    g_autoptr(TernStore) again = tern_store_open (path, &error);
    g_autoptr(TernBody) cached = tern_store_get_body (again, id, &error);

    g_assert_nonnull (cached);
    g_assert_cmpstr (cached->text, ==, body->text);
  }
}

typedef struct
{
  TernSync *sync;
  guint64   cancel_at;
  guint64   first_seen;
  guint64   last;
  gboolean  cancelled;
} Progress;

static void
progress_cb (guint64  done,
             guint64  total,
             gpointer user_data)
{
  Progress *p = user_data;

  if (p->first_seen == G_MAXUINT64)
    p->first_seen = done;
  g_assert_cmpuint (done, >=, p->last);
  p->last = done;
  /* A dropped link mid-download. */
  if (p->cancel_at != 0 && done >= p->cancel_at && !p->cancelled)
    {
      p->cancelled = TRUE;
      tern_sync_cancel (p->sync);
    }
}

/* Interrupted at 1 MB, the download resumes there; the file is exact. */
static void
test_resume (Fixture       *f,
             gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) content = NULL;
  g_autoptr(TernSync) first = new_sync (f);
  g_autoptr(TernSync) second = new_sync (f);
  g_autofree char *raw = NULL;
  g_autofree char *out = g_build_filename (f->dir, "data.bin", NULL);
  g_autofree char *got = NULL;
  Progress p1 = { first, 1024 * 1024, G_MAXUINT64, 0, FALSE };
  Progress p2 = { second, 0, G_MAXUINT64, 0, FALSE };
  TernSyncStats stats;
  gsize length, got_length;
  gint64 id;

  raw = message_with_attachment (4 * 1024 * 1024, &content, &length);
  append_raw (f, "INBOX", raw, length);
  sync_ok (f);
  id = only_message (f);

  g_assert_false (tern_sync_fetch_part (first, id, "2", out, progress_cb, &p1, NULL, &error));
  g_assert_nonnull (error);
  g_test_message ("interrupted: %s", error->message);
  g_clear_error (&error);
  g_assert_false (g_file_test (out, G_FILE_TEST_EXISTS));
  g_assert_null (tern_sync_dup_part_path (first, id, "2"));

  g_assert_true (tern_sync_fetch_part (second, id, "2", out, progress_cb, &p2, NULL, &error));
  g_assert_no_error (error);
  /* It went on from where the first stopped, not from 0. */
  g_assert_cmpuint (p2.first_seen, >=, 1024 * 1024);
  tern_sync_get_stats (second, &stats);
  g_assert_cmpuint (stats.bytes_read, <, p2.last - p2.first_seen + 64 * 1024);

  g_assert_true (g_file_get_contents (out, &got, &got_length, &error));
  g_assert_cmpuint (got_length, ==, g_bytes_get_size (content));
  g_assert_true (memcmp (got, g_bytes_get_data (content, NULL), got_length) == 0);

  /* Complete now: available offline without the server. */
  {
    g_autofree char *cached = tern_sync_dup_part_path (second, id, "2");
    g_assert_nonnull (cached);
  }
}

/* Memory does not grow with the attachment: a 50 MB download in a child process, whose
 * own peak (VmHWM) tern-cli reports with TERN_CLI_STATS. */
static long
peak_rss_kb (const char **argv)
{
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) env = g_environ_setenv (g_get_environ (), "TERN_CLI_STATS", "1", TRUE);
  g_autofree char *err = NULL;
  const char *at;
  int status = 0;

  g_assert_true (g_spawn_sync (NULL, (char **) argv, env, G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL,
                               NULL, &err, &status, &error));
  g_assert_no_error (error);
  if (!g_spawn_check_wait_status (status, NULL))
    g_error ("tern-cli failed: %s", err);
  at = strstr (err, "peak_rss_kb=");
  g_assert_nonnull (at);
  return strtol (at + 12, NULL, 10);
}

static void
test_flat_memory (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) content = NULL;
  g_autofree char *raw = NULL;
  g_autofree char *out = g_build_filename (f->dir, "big.bin", NULL);
  g_autofree char *small = g_build_filename (f->dir, "small.txt", NULL);
  g_autofree char *id_text = NULL;
  const char *cli = g_getenv ("TERN_CLI");
  long base, big;
  gsize length;
  gint64 id;

  if (cli == NULL)
    {
      g_test_skip ("TERN_CLI not set");
      return;
    }
#ifdef __SANITIZE_ADDRESS__
  /* AddressSanitizer keeps freed memory in quarantine: peak RSS says nothing there. */
  g_test_skip ("memory figures mean nothing under AddressSanitizer");
  return;
#endif
  raw = message_with_attachment (50 * 1024 * 1024, &content, &length);
  append_raw (f, "INBOX", raw, length);
  g_clear_pointer (&raw, g_free);
  sync_ok (f);
  id = only_message (f);
  id_text = g_strdup_printf ("%" G_GINT64_FORMAT, id);

  {
    const char *argv[] = { cli, "--data-dir", f->dir, "fetch", id_text, "--part", "1", "--out", small, NULL };
    base = peak_rss_kb (argv);
  }
  {
    const char *argv[] = { cli, "--data-dir", f->dir, "fetch", id_text, "--part", "2", "--out", out, NULL };
    big = peak_rss_kb (argv);
  }
  g_test_message ("peak RSS: %ld KiB for a tiny part, %ld KiB for 50 MB", base, big);
  g_assert_cmpint (big - base, <, 10 * 1024);

  {
    g_autoptr(GFile) file = g_file_new_for_path (out);
    g_autoptr(GFileInfo) info = g_file_query_info (file, G_FILE_ATTRIBUTE_STANDARD_SIZE, 0, NULL, &error);

    g_assert_no_error (error);
    g_assert_cmpuint (g_file_info_get_size (info), ==, g_bytes_get_size (content));
  }
}

/* Search: headers of everything, bodies once cached; offline. */
static void
test_search (Fixture       *f,
             gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) hits = NULL;
  g_autoptr(TernSync) sync = NULL;
  g_autoptr(GArray) server = NULL;
  const char *one = "From: Carol <carol@example.org>\r\nSubject: Quarterly figures\r\nMessage-ID: <s1@test>\r\n\r\n"
                    "The zeppelin budget is attached.\r\n";
  const char *two = "From: Dave <dave@example.org>\r\nSubject: Lunch\r\nMessage-ID: <s2@test>\r\n\r\n"
                    "Shall we try the new Café Übersee?\r\n";
  gint64 first_id;

  append_raw (f, "INBOX", one, strlen (one));
  append_raw (f, "INBOX", two, strlen (two));
  sync_ok (f);

  hits = tern_store_search (f->store, 0, "quarterly", 0, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (hits->len, ==, 1);
  first_id = ((TernMessage *) hits->pdata[0])->id;
  g_clear_pointer (&hits, g_ptr_array_unref);
  hits = tern_store_search (f->store, 0, "carol", 0, &error);
  g_assert_cmpuint (hits->len, ==, 1);
  g_clear_pointer (&hits, g_ptr_array_unref);
  hits = tern_store_search (f->store, 0, "lun*", 0, &error);
  g_assert_cmpuint (hits->len, ==, 1);
  g_clear_pointer (&hits, g_ptr_array_unref);

  /* A word only in a body: not found locally until the body is cached... */
  hits = tern_store_search (f->store, 0, "zeppelin", 0, &error);
  g_assert_cmpuint (hits->len, ==, 0);
  g_clear_pointer (&hits, g_ptr_array_unref);
  /* ...but the server finds it. */
  sync = new_sync (f);
  server = tern_sync_server_search (sync, "zeppelin", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (server->len, ==, 1);
  g_assert_cmpint (g_array_index (server, gint64, 0), ==, first_id);

  g_assert_true (tern_sync_fetch_text (sync, first_id, &error));
  hits = tern_store_search (f->store, 0, "zeppelin", 0, &error);
  g_assert_cmpuint (hits->len, ==, 1);
  g_clear_pointer (&hits, g_ptr_array_unref);

  /* Diacritics and case folded; punctuation cannot break the query. */
  g_assert_true (tern_sync_fetch_text (sync, first_id + 1, &error));
  hits = tern_store_search (f->store, 0, "cafe UBERSEE", 0, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (hits->len, ==, 1);
  g_clear_pointer (&hits, g_ptr_array_unref);
  hits = tern_store_search (f->store, 0, "\"unbalanced (quote AND", 0, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (hits->len, ==, 0);
  g_clear_pointer (&hits, g_ptr_array_unref);

  /* The list's search takes ids only: the same messages in the same order, of the account
   * asked for. */
  {
    g_autoptr(GArray) ids = NULL;
    g_autoptr(GArray) none = NULL;

    hits = tern_store_search (f->store, f->account->id, "e*", 0, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (hits->len, ==, 2);
    ids = tern_store_search_message_ids (f->store, f->account->id, "e*", &error);
    g_assert_no_error (error);
    g_assert_cmpuint (ids->len, ==, hits->len);
    for (guint i = 0; i < ids->len; i++)
      g_assert_cmpint (g_array_index (ids, gint64, i), ==, ((TernMessage *) hits->pdata[i])->id);
    none = tern_store_search_message_ids (f->store, f->account->id + 1, "e*", &error);
    g_assert_no_error (error);
    g_assert_cmpuint (none->len, ==, 0);
  }
}

/* Every message of the shared corpus: appended, synced, opened. No crash, no warning;
 * the text where GMime finds text; attachments named as GMime names them. */
/* Attachments as a reader lists them: any part, attached messages included and descended
 * into, with disposition "attachment" and a file name. */
static void
collect_attachment_names (GMimeObject *object,
                          GPtrArray   *names)
{
  GMimeContentDisposition *disposition = g_mime_object_get_content_disposition (object);

  if (GMIME_IS_MULTIPART (object))
    {
      /* A multipart sent as an attachment (a digest file) is one too. */
      if (disposition != NULL && g_mime_content_disposition_is_attachment (disposition))
        {
          const char *name = g_mime_object_get_content_disposition_parameter (object, "filename");

          if (name != NULL)
            g_ptr_array_add (names, g_utf8_make_valid (name, -1));
        }
      for (int i = 0; i < g_mime_multipart_get_count (GMIME_MULTIPART (object)); i++)
        collect_attachment_names (g_mime_multipart_get_part (GMIME_MULTIPART (object), i), names);
      return;
    }
  if (disposition != NULL && g_mime_content_disposition_is_attachment (disposition))
    {
      const char *name = g_mime_object_get_content_disposition_parameter (object, "filename");

      if (name == NULL)
        name = g_mime_object_get_content_type_parameter (object, "name");
      if (name != NULL)
        g_ptr_array_add (names, g_utf8_make_valid (name, -1));
    }
  if (GMIME_IS_MESSAGE_PART (object))
    {
      GMimeMessage *inner = g_mime_message_part_get_message (GMIME_MESSAGE_PART (object));

      if (inner != NULL && g_mime_message_get_mime_part (inner) != NULL)
        collect_attachment_names (g_mime_message_get_mime_part (inner), names);
    }
}

static gint
compare_strings (gconstpointer a,
                 gconstpointer b)
{
  return g_strcmp0 (*(const char * const *) a, *(const char * const *) b);
}

static char *
gmime_attachment_names (const char *data,
                        gsize       length)
{
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  GMimeStream *stream = g_mime_stream_mem_new_with_buffer (data, length);
  GMimeParser *parser = g_mime_parser_new_with_stream (stream);
  GMimeMessage *mime = g_mime_parser_construct_message (parser, NULL);

  if (mime != NULL && g_mime_message_get_mime_part (mime) != NULL)
    collect_attachment_names (g_mime_message_get_mime_part (mime), names);
  g_clear_object (&mime);
  g_object_unref (parser);
  g_object_unref (stream);
  g_ptr_array_sort (names, compare_strings);
  g_ptr_array_add (names, NULL);
  return g_strjoinv ("|", (char **) names->pdata);
}

/* GMime finds displayable text: its chosen body is a text part with something in it. */
static gboolean
gmime_has_text (const char *data,
                gsize       length)
{
  GMimeStream *stream = g_mime_stream_mem_new_with_buffer (data, length);
  GMimeParser *parser = g_mime_parser_new_with_stream (stream);
  GMimeMessage *mime = g_mime_parser_construct_message (parser, NULL);
  GMimeObject *body = mime ? g_mime_message_get_body (mime) : NULL;
  gboolean found = FALSE;

  if (body != NULL && GMIME_IS_TEXT_PART (body))
    {
      g_autofree char *text = g_mime_text_part_get_text (GMIME_TEXT_PART (body));

      found = text != NULL && *g_strstrip (text) != '\0';
    }
  g_clear_object (&mime);
  g_object_unref (parser);
  g_object_unref (stream);
  return found;
}

static char *
cached_attachment_names (TernMessage *m)
{
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);

  for (guint j = 0; m->parts != NULL && j < m->parts->len; j++)
    {
      TernPart *p = m->parts->pdata[j];

      if (p->filename != NULL && g_strcmp0 (p->disposition, "attachment") == 0)
        g_ptr_array_add (names, g_strdup (p->filename));
    }
  g_ptr_array_sort (names, compare_strings);
  g_ptr_array_add (names, NULL);
  return g_strjoinv ("|", (char **) names->pdata);
}

static void
test_corpus (Fixture       *f,
             gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  const char *dir = g_getenv ("TERN_CORPUS_DIR");
  g_autoptr(GDir) listing = NULL;
  g_autoptr(GPtrArray) files = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GHashTable) file_of_uid = g_hash_table_new (g_direct_hash, g_direct_equal);
  g_autoptr(GHashTable) garbage = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  guint skipped = 0, text_missing = 0;
  g_autoptr(TernTestClient) client = NULL;
  g_autoptr(TernSync) sync = NULL;
  g_autoptr(TernFolder) folder = NULL;
  g_autoptr(GPtrArray) messages = NULL;
  guint with_text = 0, compared = 0, differ = 0;
  const char *name;

  if (dir == NULL || (listing = g_dir_open (dir, 0, NULL)) == NULL)
    {
      g_test_skip ("the shared corpus is not here");
      return;
    }
  while ((name = g_dir_read_name (listing)) != NULL)
    if (g_str_has_suffix (name, ".eml"))
      g_ptr_array_add (files, g_build_filename (dir, name, NULL));
  g_ptr_array_sort (files, compare_strings);

  /* Files that do not start with a header line: GMime reads no headers there, so its view
   * of their parts says nothing about ours (MANIFEST.txt marks them). */
  {
    g_autofree char *manifest_path = g_build_filename (dir, "MANIFEST.txt", NULL);
    g_autofree char *manifest = NULL;

    if (g_file_get_contents (manifest_path, &manifest, NULL, NULL))
      {
        g_auto(GStrv) lines = g_strsplit (manifest, "\n", -1);

        for (guint i = 0; lines[i] != NULL; i++)
          {
            g_auto(GStrv) cols = g_strsplit (lines[i], "\t", -1);

            if (g_strv_length (cols) >= 6 && strstr (cols[5], "leading-garbage") != NULL)
              g_hash_table_add (garbage, g_build_filename (dir, cols[0], NULL));
          }
      }
  }

  g_assert_true (tern_test_server_create_mailbox (f->server, "alice", "Corpus", &error));
  g_assert_no_error (error);
  client = tern_test_client_new (f->server, "alice", "secret", &error);
  g_assert_no_error (error);
  for (guint i = 0; i < files->len; i++)
    {
      g_autofree char *contents = NULL;
      gsize length;
      guint32 uid;

      g_assert_true (g_file_get_contents (files->pdata[i], &contents, &length, NULL));
      uid = tern_test_client_append (client, "Corpus", NULL, NULL, contents, length, &error);
      if (error != NULL)
        {
          /* Dovecot refuses a few outright: not ours to judge. */
          g_test_message ("server refused %s: %s", (char *) files->pdata[i], error->message);
          g_clear_error (&error);
          continue;
        }
      g_hash_table_insert (file_of_uid, GUINT_TO_POINTER (uid), GUINT_TO_POINTER (i + 1));
    }

  sync_ok (f);
  sync = new_sync (f);
  folder = tern_store_get_folder (f->store, f->account->id, "Corpus", &error);
  messages = tern_store_list_messages (f->store, folder->id, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (messages->len, ==, g_hash_table_size (file_of_uid));
  g_assert_cmpuint (messages->len, >, files->len * 9 / 10);

  for (guint i = 0; i < messages->len; i++)
    {
      TernMessage *m = messages->pdata[i];
      g_autoptr(TernMessage) full = NULL;
      g_autoptr(TernBody) body = NULL;
      guint index = GPOINTER_TO_UINT (g_hash_table_lookup (file_of_uid, GUINT_TO_POINTER (m->uid)));
      g_autofree char *contents = NULL;
      g_autofree char *ours = NULL;
      g_autofree char *theirs = NULL;
      gsize length;

      g_assert_no_error (error);
      g_assert_cmpuint (index, >, 0);
      if (!tern_sync_fetch_text (sync, m->id, &error))
        g_error ("%s: %s", (char *) files->pdata[index - 1], error->message);
      body = tern_store_get_body (f->store, m->id, &error);
      g_assert_nonnull (body);
      g_assert_true (g_utf8_validate (body->text, -1, NULL));
      if (*body->text != '\0')
        with_text++;
      /* After opening: names as the part headers give them. */
      full = tern_store_get_message (f->store, m->id, &error);
      g_assert_no_error (error);

      g_assert_true (g_file_get_contents (files->pdata[index - 1], &contents, &length, NULL));
      if (g_hash_table_contains (garbage, files->pdata[index - 1]))
        {
          skipped++;
          continue;
        }
      if (gmime_has_text (contents, length) && *body->text == '\0')
        {
          text_missing++;
          g_test_message ("%s: GMime finds text, the cache has none", (char *) files->pdata[index - 1]);
        }
      ours = cached_attachment_names (full);
      theirs = gmime_attachment_names (contents, length);
      compared++;
      if (g_strcmp0 (ours, theirs) != 0)
        {
          differ++;
          g_test_message ("%s: attachments “%s” here, “%s” by GMime", (char *) files->pdata[index - 1],
                          ours, theirs);
        }
    }

  g_test_message ("%u messages opened, %u with text, %u compared with GMime (%u not: leading garbage), "
                  "%u differ, %u lack text GMime finds",
                  messages->len, with_text, compared, skipped, differ, text_missing);
  g_assert_cmpuint (differ, ==, 0);
  g_assert_cmpuint (text_missing, ==, 0);
  /* It compared something: most messages have text, and GMime's view was asked for. */
  g_assert_cmpuint (compared, >, messages->len / 2);
  g_assert_cmpuint (with_text, >, messages->len / 2);
}

static void
put_dated (Fixture    *f,
           const char *name,
           gint64      age_days,
           gsize       padding)
{
  g_autoptr(GDateTime) when = g_date_time_add_days (g_date_time_new_now_utc (), (gint) -age_days);
  g_autofree char *date = g_date_time_format (when, "%a, %d %b %Y %H:%M:%S +0000");
  g_autofree char *pad = g_strnfill (padding, 'x');
  g_autofree char *message = g_strdup_printf ("From: a@example.org\r\nSubject: %s\r\nDate: %s\r\n"
                                              "Message-ID: <%s@test>\r\n\r\nBody of %s. %s\r\n",
                                              name, date, name, name, pad);

  append_raw (f, "INBOX", message, strlen (message));
}

static gint64
id_of (Fixture    *f,
       const char *name)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) hits = tern_store_search (f->store, f->account->id, name, 0, &error);

  g_assert_no_error (error);
  g_assert_cmpuint (hits->len, ==, 1);
  return ((TernMessage *) hits->pdata[0])->id;
}

/* Offline availability: newer than N days and smaller than S; then LRU eviction under a
 * cache limit, never of a pinned body or one the journal still needs. */
static void
test_offline_policy (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TernSync) sync = NULL;
  g_autoptr(TernBody) body = NULL;
  guint fetched = 0, bodies = 0;
  guint64 bytes = 0;
  gint64 recent, pinned, queued;

  put_dated (f, "recent", 2, 100);
  put_dated (f, "old", 90, 100);
  put_dated (f, "large", 2, 400 * 1024);
  put_dated (f, "recent2", 3, 20 * 1024);
  put_dated (f, "recent3", 4, 20 * 1024);
  sync_ok (f);
  g_assert_true (tern_store_set_offline_policy (f->store, f->account->id, 0, 30, 256 * 1024, -1, -1, &error));

  sync = new_sync (f);
  g_assert_true (tern_sync_prefetch (sync, NULL, &fetched, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (fetched, ==, 3);
  recent = id_of (f, "recent");
  body = tern_store_get_body (f->store, recent, &error);
  g_assert_nonnull (body);
  g_clear_pointer (&body, tern_body_free);
  g_assert_null (tern_store_get_body (f->store, id_of (f, "old"), &error));
  g_assert_null (tern_store_get_body (f->store, id_of (f, "large"), &error));

  /* The whole folder on request. */
  {
    g_autoptr(TernFolder) inbox = tern_store_get_folder (f->store, f->account->id, "INBOX", &error);

    g_assert_true (tern_store_set_offline_policy (f->store, f->account->id, inbox->id, -1, -1, 1, -1, &error));
    g_assert_true (tern_sync_prefetch (sync, NULL, &fetched, &error));
    g_assert_cmpuint (fetched, ==, 2);
    g_assert_true (tern_store_cache_usage (f->store, f->account->id, &bytes, &bodies, NULL, &error));
    g_assert_cmpuint (bodies, ==, 5);
    g_assert_true (tern_store_set_offline_policy (f->store, f->account->id, inbox->id, -1, -1, 0, -1, &error));
  }

  /* A limit of 100 KB: the large body goes first... unless pinned; one with a queued action
   * stays too. */
  pinned = id_of (f, "large");
  g_assert_true (tern_store_set_body_pinned (f->store, pinned, TRUE, &error));
  queued = id_of (f, "recent2");
  g_assert_true (tern_journal_set_flags (f->store, queued, "\\Flagged", NULL, &error));
  g_assert_true (tern_store_evict (f->store, f->account->id, 100 * 1024, NULL, &error));
  g_assert_no_error (error);
  body = tern_store_get_body (f->store, pinned, &error);
  g_assert_nonnull (body);
  g_clear_pointer (&body, tern_body_free);
  body = tern_store_get_body (f->store, queued, &error);
  g_assert_nonnull (body);
  g_clear_pointer (&body, tern_body_free);
  g_assert_true (tern_store_cache_usage (f->store, f->account->id, &bytes, &bodies, NULL, &error));
  g_assert_cmpuint (bodies, <, 5);

  /* Unpinned and under a limit it cannot keep: evicted, least recently used first. */
  g_assert_true (tern_store_set_body_pinned (f->store, pinned, FALSE, &error));
  g_assert_true (tern_store_evict (f->store, f->account->id, 100 * 1024, NULL, &error));
  g_assert_null (tern_store_get_body (f->store, pinned, &error));
  g_assert_true (tern_store_cache_usage (f->store, f->account->id, &bytes, NULL, NULL, &error));
  g_assert_cmpuint (bytes, <=, 100 * 1024);
}

/* Issue 14, 3: the policy's size limit is on the text. A few bytes of text carrying an
 * attachment larger than the limit are kept offline; the attachment is not. */
static void
test_offline_policy_text (Fixture       *f,
                          gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TernSync) sync = NULL;
  g_autoptr(TernBody) body = NULL;
  g_autoptr(GBytes) content = NULL;
  g_autofree char *big = message_with_attachment (600 * 1024, &content, &(gsize) { 0 });
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  g_autofree char *date = g_date_time_format (now, "Date: %a, %d %b %Y %H:%M:%S +0000\r\nSubject:");
  g_auto(GStrv) halves = g_strsplit (big, "Subject:", 2);
  g_autofree char *dated = g_strjoinv (date, halves);
  guint fetched = 0;
  gint64 id;

  append_raw (f, "INBOX", dated, strlen (dated));
  put_dated (f, "longtext", 1, 300 * 1024);
  sync_ok (f);
  g_assert_true (tern_store_set_offline_policy (f->store, f->account->id, 0, 30, 256 * 1024, -1, -1, &error));

  sync = new_sync (f);
  g_assert_true (tern_sync_prefetch (sync, NULL, &fetched, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (fetched, ==, 1);
  id = id_of (f, "big");
  body = tern_store_get_body (f->store, id, &error);
  g_assert_no_error (error);
  g_assert_nonnull (body);
  g_assert_nonnull (strstr (body->text, "Here is the file you asked for."));
  g_assert_false (tern_store_get_part_file (f->store, id, "2", NULL, NULL, NULL));
  /* A text over the limit stays on the server. */
  g_assert_null (tern_store_get_body (f->store, id_of (f, "longtext"), &error));
}

/* Export a folder as Maildir and as mbox; re-importing the Maildir into another folder gives
 * identical messages. */
static void
test_export (Fixture       *f,
             gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) content = NULL;
  g_autofree char *big = NULL;
  g_autofree char *maildir = g_build_filename (f->dir, "export", NULL);
  g_autofree char *mbox = g_build_filename (f->dir, "export.mbox", NULL);
  g_autofree char *eml = g_build_filename (f->dir, "one.eml", NULL);
  g_autofree char *mbox_text = NULL;
  const char *cli = g_getenv ("TERN_CLI");
  gsize length;

  if (cli == NULL)
    {
      g_test_skip ("TERN_CLI not set");
      return;
    }
  put_dated (f, "first", 1, 10);
  put_dated (f, "second", 2, 10);
  {
    const char *tricky = "From: a@example.org\r\nSubject: mbox trap\r\nMessage-ID: <trap@test>\r\n\r\n"
                         "From the start of a line.\r\n>From quoted.\r\n";
    append_raw (f, "INBOX", tricky, strlen (tricky));
  }
  big = message_with_attachment (600 * 1024, &content, &length);
  append_raw (f, "INBOX", big, length);
  sync_ok (f);
  g_assert_true (tern_test_server_create_mailbox (f->server, "alice", "Restored", &error));

  {
    const char *argv[] = { cli, "--data-dir", f->dir, "export", "test", "INBOX", "--maildir", maildir, NULL };
    int status = 0;

    g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL,
                                 NULL, NULL, &status, &error));
    g_assert_true (g_spawn_check_wait_status (status, NULL));
  }
  {
    const char *argv[] = { cli, "--data-dir", f->dir, "export", "test", "INBOX", "--mbox", mbox, NULL };
    int status = 0;

    g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL,
                                 NULL, NULL, &status, &error));
    g_assert_true (g_spawn_check_wait_status (status, NULL));
  }
  g_assert_true (g_file_get_contents (mbox, &mbox_text, NULL, &error));
  g_assert_nonnull (strstr (mbox_text, "\n>From the start of a line.\n>>From quoted.\n"));
  g_assert_null (strstr (mbox_text, "\r\n"));

  /* Re-import every exported file and compare the server's copies byte for byte. */
  {
    g_autofree char *cur = g_build_filename (maildir, "cur", NULL);
    g_autoptr(GDir) dir = g_dir_open (cur, 0, &error);
    g_autoptr(TernTestClient) client = tern_test_client_new (f->server, "alice", "secret", &error);
    g_autofree char *a = NULL;
    g_autofree char *b = NULL;
    const char *name;
    guint n = 0;

    g_assert_no_error (error);
    while ((name = g_dir_read_name (dir)) != NULL)
      {
        g_autofree char *path = g_build_filename (cur, name, NULL);
        g_autofree char *text = NULL;
        gsize len;

        g_assert_true (g_file_get_contents (path, &text, &len, &error));
        tern_test_client_append (client, "Restored", NULL, NULL, text, len, &error);
        g_assert_no_error (error);
        n++;
      }
    g_assert_cmpuint (n, ==, 4);
    g_assert_true (tern_test_client_command (client, NULL, &error, "EXAMINE INBOX"));
    g_assert_true (tern_test_client_command (client, &a, &error, "FETCH 1:* (RFC822.SIZE BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)])"));
    g_assert_true (tern_test_client_command (client, NULL, &error, "EXAMINE Restored"));
    g_assert_true (tern_test_client_command (client, &b, &error, "FETCH 1:* (RFC822.SIZE BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)])"));
    g_assert_no_error (error);
    /* Same sizes and Message-IDs, as sets. */
    {
      g_auto(GStrv) la = g_strsplit (a, "\n", -1);
      g_auto(GStrv) lb = g_strsplit (b, "\n", -1);
      g_autoptr(GPtrArray) sa = g_ptr_array_new_with_free_func (g_free);
      g_autoptr(GPtrArray) sb = g_ptr_array_new_with_free_func (g_free);
      GStrv lists[] = { la, lb };
      GPtrArray *sets[] = { sa, sb };

      for (guint k = 0; k < 2; k++)
        for (guint i = 0; lists[k][i] != NULL; i++)
          {
            const char *size = strstr (lists[k][i], "RFC822.SIZE ");

            if (size != NULL)
              g_ptr_array_add (sets[k], g_strdup_printf ("%" G_GUINT64_FORMAT, g_ascii_strtoull (size + 12, NULL, 10)));
            else if (g_ascii_strncasecmp (lists[k][i], "Message-ID:", 11) == 0)
              g_ptr_array_add (sets[k], g_strstrip (g_strdup (lists[k][i])));
          }
      g_ptr_array_sort (sa, compare_strings);
      g_ptr_array_sort (sb, compare_strings);
      g_assert_cmpuint (sa->len, ==, 8);
      g_assert_cmpuint (sb->len, ==, sa->len);
      for (guint i = 0; i < sa->len; i++)
        g_assert_cmpstr (sa->pdata[i], ==, sb->pdata[i]);
    }
  }

  /* One message as .eml. */
  {
    g_autofree char *id = g_strdup_printf ("%" G_GINT64_FORMAT, id_of (f, "trap"));
    const char *argv[] = { cli, "--data-dir", f->dir, "export", id, eml, NULL };
    g_autofree char *text = NULL;
    int status = 0;

    g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL,
                                 NULL, NULL, &status, &error));
    g_assert_true (g_spawn_check_wait_status (status, NULL));
    g_assert_true (g_file_get_contents (eml, &text, NULL, &error));
    g_assert_true (g_str_has_prefix (text, "From: a@example.org\r\nSubject: mbox trap"));
  }
}

/* An HTML text brings its small cid: images along; a big one waits for a click. */
static void
test_inline_images (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TernSync) sync = NULL;
  g_autoptr(GString) raw = g_string_new (NULL);
  g_autofree char *small = NULL, *large = NULL;
  g_autofree char *pad = g_strnfill (600 * 1024, 'A');
  gint64 id;

  small = g_base64_encode ((const guchar *) "tiny-png-bytes", 14);
  large = g_base64_encode ((const guchar *) pad, strlen (pad));
  g_string_append (raw, "From: news@example.org\r\nSubject: Newsletter\r\nMessage-ID: <news@test>\r\n"
                        "MIME-Version: 1.0\r\nContent-Type: multipart/related; boundary=r\r\n\r\n"
                        "--r\r\nContent-Type: text/html; charset=utf-8\r\n\r\n"
                        "<html><body><img src=\"cid:logo@news\"><img src=\"cid:hero@news\"></body></html>\r\n"
                        "--r\r\nContent-Type: image/png\r\nContent-ID: <logo@news>\r\n"
                        "Content-Transfer-Encoding: base64\r\n\r\n");
  g_string_append_printf (raw, "%s\r\n--r\r\nContent-Type: image/png\r\nContent-ID: <hero@news>\r\n"
                               "Content-Transfer-Encoding: base64\r\n\r\n%s\r\n--r--\r\n", small, large);
  append_raw (f, "INBOX", raw->str, raw->len);
  sync_ok (f);
  id = only_message (f);

  sync = new_sync (f);
  g_assert_true (tern_sync_fetch_text (sync, id, &error));
  g_assert_no_error (error);
  {
    g_autofree char *logo = tern_sync_dup_part_path (sync, id, "2");
    g_autofree char *hero = tern_sync_dup_part_path (sync, id, "3");
    g_autofree char *bytes = NULL;

    g_assert_nonnull (logo);
    g_assert_true (g_file_get_contents (logo, &bytes, NULL, NULL));
    g_assert_cmpstr (bytes, ==, "tiny-png-bytes");
    g_assert_null (hero);
  }
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_mime_init ();

  g_test_add ("/bodies/lazy-text", Fixture, NULL, fixture_set_up, test_lazy_text, fixture_tear_down);
  g_test_add ("/bodies/resume", Fixture, NULL, fixture_set_up, test_resume, fixture_tear_down);
  g_test_add ("/bodies/flat-memory", Fixture, NULL, fixture_set_up, test_flat_memory, fixture_tear_down);
  g_test_add ("/bodies/search", Fixture, NULL, fixture_set_up, test_search, fixture_tear_down);
  g_test_add ("/bodies/offline-policy", Fixture, NULL, fixture_set_up, test_offline_policy, fixture_tear_down);
  g_test_add ("/bodies/offline-policy-text", Fixture, NULL, fixture_set_up, test_offline_policy_text, fixture_tear_down);
  g_test_add ("/bodies/export", Fixture, NULL, fixture_set_up, test_export, fixture_tear_down);
  g_test_add ("/bodies/inline-images", Fixture, NULL, fixture_set_up, test_inline_images, fixture_tear_down);
  g_test_add ("/bodies/corpus", Fixture, NULL, fixture_set_up, test_corpus, fixture_tear_down);

  return g_test_run ();
}
