/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-compose"

#include "config.h"

#include <string.h>

#include <glib/gstdio.h>
#include <gmime/gmime.h>

#include "tern-compose.h"

G_DEFINE_AUTOPTR_CLEANUP_FUNC (GMimeMessage, g_object_unref)

/*
 * Composition without a server: what GMime builds parses back (with GMime) to the same
 * headers, text and attachments; the wire form follows the RFCs (CRLF, folding, RFC 2047
 * headers, RFC 2231 file names, transfer encodings, format=flowed).
 */

static const char *long_subject =
  "Ünïcödé subject that is long enough to need folding because it goes on past seventy-eight columns — ✓";

static const char *body_text =
  "Hello Jane,\n"
  "\n"
  "This first paragraph is one long line that a user typed without pressing return, with some "
  "accents (é, ü, ñ) and a euro sign (€) so that the text is not ASCII and has to be encoded.\n"
  "From here on, a line that starts with From, which mbox would mangle.\n"
  " An indented line.\n"
  "Trailing spaces at the end of this line go   \n"
  "\n"
  "> A quoted line from an earlier message that is also long enough to be wrapped inside its quote depth.\n"
  ">> Deeper.\n"
  "\n"
  "-- \n"
  "Zoë\n";

static GMimeMessage *
parse (GBytes *raw)
{
  GMimeStream *stream = g_mime_stream_mem_new_with_buffer (g_bytes_get_data (raw, NULL), g_bytes_get_size (raw));
  GMimeParser *parser = g_mime_parser_new_with_stream (stream);
  GMimeMessage *message = g_mime_parser_construct_message (parser, NULL);

  g_object_unref (parser);
  g_object_unref (stream);
  g_assert_nonnull (message);
  return message;
}

/* g_mime_content_type_get_mime_type() returns a new string: keep it for the assertion. */
static const char *
mime_type (GMimeObject *object)
{
  static char *last = NULL;

  g_free (last);
  last = g_mime_content_type_get_mime_type (g_mime_object_get_content_type (object));
  return last;
}

static GBytes *
decoded_content (GMimePart *part)
{
  GMimeDataWrapper *wrapper = g_mime_part_get_content (part);
  GMimeStream *out = g_mime_stream_mem_new ();
  GByteArray *array;
  GBytes *bytes;

  g_mime_data_wrapper_write_to_stream (wrapper, out);
  array = g_mime_stream_mem_get_byte_array (GMIME_STREAM_MEM (out));
  bytes = g_bytes_new (array->data, array->len);
  g_object_unref (out);
  return bytes;
}

/* What the text becomes after flowing and unflowing: trailing spaces go (a hard break
 * cannot keep them), and a quote gets its space after the quote marks. */
static char *
expected_text (const char *text)
{
  g_auto(GStrv) lines = g_strsplit (text, "\n", -1);
  GString *out = g_string_new (NULL);

  for (guint i = 0; lines[i] != NULL; i++)
    {
      if (lines[i + 1] == NULL && *lines[i] == '\0')
        break;
      if (g_str_equal (lines[i], "-- "))
        g_string_append (out, "-- \n");
      else if (lines[i][0] == '>')
        {
          const char *p = lines[i];
          g_autofree char *rest = NULL;

          while (*p == '>')
            g_string_append_c (out, *p++);
          if (*p == ' ')
            p++;
          rest = g_strchomp (g_strdup (p));
          g_string_append_printf (out, " %s\n", rest);
        }
      else
        g_string_append_printf (out, "%s\n", g_strchomp (lines[i]));
    }
  return g_string_free (out, FALSE);
}

static void
assert_wire_form (GBytes *raw)
{
  gsize length = 0;
  const char *data = g_bytes_get_data (raw, &length);
  gsize line_start = 0;
  gboolean in_header = TRUE;

  for (gsize i = 0; i < length; i++)
    {
      if (data[i] != '\n')
        continue;
      /* Every line ends in CRLF, none is longer than RFC 5322 allows, and header lines are
       * folded at 78 columns. */
      g_assert_true (i > 0 && data[i - 1] == '\r');
      g_assert_cmpuint (i - 1 - line_start, <=, 998);
      if (in_header)
        {
          if (i - 1 == line_start)
            in_header = FALSE;
          else
            g_assert_cmpuint (i - 1 - line_start, <=, 78);
        }
      line_start = i + 1;
    }
  g_assert_cmpuint (line_start, ==, length);
}

static void
test_compose_parse_back (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TernComposer) composer = tern_composer_new ();
  g_autofree char *dir = g_dir_make_tmp ("tern-compose-XXXXXX", &error);
  g_autofree char *pdf = g_build_filename (dir, "cv.bin", NULL);
  g_autofree char *notes = g_build_filename (dir, "notes.txt", NULL);
  g_autoptr(GByteArray) random = g_byte_array_new ();
  g_autoptr(GBytes) random_bytes = NULL;
  g_autoptr(GBytes) inline_bytes = g_bytes_new_static ("col1,col2\n1,2\n", 14);
  g_autoptr(GBytes) original = NULL;
  g_autoptr(GBytes) raw = NULL;
  g_autoptr(GMimeMessage) parsed = NULL;
  g_autofree char *cmd = g_strdup_printf ("rm -rf '%s'", dir);
  const char *original_text =
    "From: Bob <bob@example.org>\r\nTo: zoe@example.org\r\nSubject: The original\r\n"
    "Message-ID: <orig@example.org>\r\nDate: Mon, 2 Feb 2026 10:00:00 +0000\r\n\r\nOriginal body.\r\n";
  const char *references = "<a@x> <b@x>";
  InternetAddressList *list;
  InternetAddress *address;
  GMimeMultipart *mixed;
  GMimeObject *object;
  const char *raw_text;
  GRand *rng = g_rand_new_with_seed (42);

  g_assert_no_error (error);
  for (guint i = 0; i < 100000; i++)
    {
      guint8 b = (guint8) g_rand_int_range (rng, 0, 256);

      g_byte_array_append (random, &b, 1);
    }
  g_rand_free (rng);
  random_bytes = g_bytes_new (random->data, random->len);
  g_assert_true (g_file_set_contents (pdf, (const char *) random->data, random->len, &error));
  g_assert_true (g_file_set_contents (notes, "Plain notes\nline two\n", -1, &error));
  original = g_bytes_new_static (original_text, strlen (original_text));

  g_assert_true (tern_composer_set_from (composer, "Zoë Ünïcode <zoe@example.org>", &error));
  g_assert_true (tern_composer_set_to (composer, "\"Doe, Jane\" <jane@example.org>, bob@example.org", &error));
  g_assert_true (tern_composer_set_cc (composer, "Ça Va <cava@example.org>", &error));
  g_assert_true (tern_composer_set_bcc (composer, "hidden@example.org", &error));
  g_assert_no_error (error);
  g_assert_true (tern_composer_set_to (composer, "", NULL));   /* clears it */
  g_assert_true (tern_composer_set_to (composer, "\"Doe, Jane\" <jane@example.org>, bob@example.org", &error));
  g_assert_false (tern_composer_set_from (composer, "a@example.org, b@example.org", &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_assert_true (tern_composer_set_from (composer, "Zoë Ünïcode <zoe@example.org>", &error));
  tern_composer_set_subject (composer, long_subject);
  tern_composer_set_body (composer, body_text);
  tern_composer_set_reply (composer, "orig@example.org", references, NULL);
  g_assert_true (tern_composer_add_attachment (composer, pdf, "résumé – été 2026.pdf", "application/pdf", &error));
  g_assert_true (tern_composer_add_attachment (composer, notes, NULL, NULL, &error));
  g_assert_no_error (error);
  tern_composer_add_attachment_bytes (composer, inline_bytes, "data.csv", "text/csv");
  tern_composer_attach_message (composer, original, "The original.eml");
  tern_composer_set_date (composer, 1770000000);

  raw = tern_composer_to_bytes (composer, &error);
  g_assert_no_error (error);
  assert_wire_form (raw);
  raw_text = g_bytes_get_data (raw, NULL);
  /* RFC 2047 in headers, RFC 2231 in parameters. */
  g_assert_nonnull (g_strstr_len (raw_text, -1, "Subject: =?"));
  g_assert_nonnull (g_strstr_len (raw_text, -1, "filename*=UTF-8''r%C3%A9sum%C3%A9"));
  g_assert_nonnull (g_strstr_len (raw_text, -1, "From: =?UTF-8?"));
  g_assert_nonnull (g_strstr_len (raw_text, -1, "MIME-Version: 1.0"));

  parsed = parse (raw);
  g_assert_cmpstr (g_mime_message_get_subject (parsed), ==, long_subject);
  g_assert_cmpstr (g_mime_message_get_message_id (parsed), !=, NULL);
  {
    g_autofree char *id = g_strdup_printf ("<%s>", g_mime_message_get_message_id (parsed));

    g_assert_cmpstr (id, ==, tern_composer_get_message_id (composer));
    g_assert_true (g_str_has_suffix (id, "@example.org>"));
  }
  g_assert_cmpint (g_date_time_to_unix (g_mime_message_get_date (parsed)), ==, 1770000000);
  g_assert_cmpstr (g_mime_object_get_header (GMIME_OBJECT (parsed), "In-Reply-To"), ==, "<orig@example.org>");
  g_assert_cmpstr (g_mime_object_get_header (GMIME_OBJECT (parsed), "References"), ==, "<a@x> <b@x> <orig@example.org>");

  list = g_mime_message_get_from (parsed);
  g_assert_cmpint (internet_address_list_length (list), ==, 1);
  address = internet_address_list_get_address (list, 0);
  g_assert_cmpstr (internet_address_get_name (address), ==, "Zoë Ünïcode");
  g_assert_cmpstr (internet_address_mailbox_get_addr (INTERNET_ADDRESS_MAILBOX (address)), ==, "zoe@example.org");
  list = g_mime_message_get_to (parsed);
  g_assert_cmpint (internet_address_list_length (list), ==, 2);
  g_assert_cmpstr (internet_address_get_name (internet_address_list_get_address (list, 0)), ==, "Doe, Jane");
  g_assert_cmpstr (internet_address_mailbox_get_addr (INTERNET_ADDRESS_MAILBOX (internet_address_list_get_address (list, 1))),
                   ==, "bob@example.org");
  list = g_mime_message_get_cc (parsed);
  g_assert_cmpstr (internet_address_get_name (internet_address_list_get_address (list, 0)), ==, "Ça Va");
  list = g_mime_message_get_bcc (parsed);
  g_assert_cmpint (internet_address_list_length (list), ==, 1);

  /* multipart/mixed: the text, then the attachments in order. */
  object = g_mime_message_get_mime_part (parsed);
  g_assert_true (GMIME_IS_MULTIPART (object));
  g_assert_cmpstr (mime_type (object), ==, "multipart/mixed");
  mixed = GMIME_MULTIPART (object);
  g_assert_cmpint (g_mime_multipart_get_count (mixed), ==, 5);

  {
    GMimeObject *text = g_mime_multipart_get_part (mixed, 0);
    GMimeContentType *type = g_mime_object_get_content_type (text);
    g_autofree char *decoded = NULL;
    g_autofree char *unflowed = NULL;
    g_autofree char *expected = expected_text (body_text);

    g_assert_true (GMIME_IS_TEXT_PART (text));
    g_assert_cmpstr (g_mime_content_type_get_parameter (type, "format"), ==, "flowed");
    g_assert_cmpstr (g_mime_content_type_get_parameter (type, "charset"), ==, "utf-8");
    g_assert_cmpint (g_mime_part_get_content_encoding (GMIME_PART (text)), ==, GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE);
    decoded = g_mime_text_part_get_text (GMIME_TEXT_PART (text));
    /* Flowed lines fit in 78 columns but for unbreakable words. */
    {
      g_auto(GStrv) lines = g_strsplit (decoded, "\n", -1);

      for (guint i = 0; lines[i] != NULL; i++)
        g_assert_cmpuint (g_utf8_strlen (g_strchomp (lines[i]), -1), <=, 78);
    }
    g_assert_nonnull (strstr (decoded, "\n From here on"));   /* space-stuffed */
    unflowed = tern_compose_unflow_text (decoded, FALSE);
    g_assert_cmpstr (unflowed, ==, expected);
  }
  {
    GMimePart *part = GMIME_PART (g_mime_multipart_get_part (mixed, 1));
    g_autoptr(GBytes) content = decoded_content (part);

    g_assert_cmpstr (g_mime_part_get_filename (part), ==, "résumé – été 2026.pdf");
    g_assert_cmpstr (mime_type (GMIME_OBJECT (part)), ==, "application/pdf");
    g_assert_cmpint (g_mime_part_get_content_encoding (part), ==, GMIME_CONTENT_ENCODING_BASE64);
    g_assert_true (g_bytes_equal (content, random_bytes));
    g_assert_cmpstr (g_mime_object_get_disposition (GMIME_OBJECT (part)), ==, "attachment");
  }
  {
    GMimePart *part = GMIME_PART (g_mime_multipart_get_part (mixed, 2));
    g_autoptr(GBytes) content = decoded_content (part);

    g_assert_cmpstr (g_mime_part_get_filename (part), ==, "notes.txt");
    g_assert_cmpstr (mime_type (GMIME_OBJECT (part)), ==, "text/plain");
    g_assert_cmpint (g_mime_part_get_content_encoding (part), <=, GMIME_CONTENT_ENCODING_7BIT); /* none said: 7bit */
    /* CRLF on the wire, the same text once decoded with the line ends of the platform. */
    g_assert_nonnull (g_strstr_len (g_bytes_get_data (content, NULL), g_bytes_get_size (content), "Plain notes"));
  }
  {
    GMimePart *part = GMIME_PART (g_mime_multipart_get_part (mixed, 3));

    g_assert_cmpstr (g_mime_part_get_filename (part), ==, "data.csv");
  }
  {
    GMimeObject *forwarded = g_mime_multipart_get_part (mixed, 4);
    GMimeMessage *inner;

    g_assert_true (GMIME_IS_MESSAGE_PART (forwarded));
    inner = g_mime_message_part_get_message (GMIME_MESSAGE_PART (forwarded));
    g_assert_cmpstr (g_mime_message_get_subject (inner), ==, "The original");
    g_assert_cmpstr (g_mime_message_get_message_id (inner), ==, "orig@example.org");
  }

  g_assert_cmpint (system (cmd), ==, 0);
}

/* A short ASCII message: one text/plain part in 7bit, written to a file. */
static void
test_compose_plain_file (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TernComposer) composer = tern_composer_new ();
  g_autofree char *dir = g_dir_make_tmp ("tern-compose-XXXXXX", &error);
  g_autofree char *path = g_build_filename (dir, "out.eml", NULL);
  g_autofree char *contents = NULL;
  g_autofree char *cmd = g_strdup_printf ("rm -rf '%s'", dir);
  g_autoptr(GBytes) raw = NULL;
  g_autoptr(GMimeMessage) parsed = NULL;
  gsize length;
  GStatBuf st;

  g_assert_true (tern_composer_set_from (composer, "alice@example.org", &error));
  g_assert_true (tern_composer_set_to (composer, "bob@example.org", &error));
  tern_composer_set_subject (composer, "Plain");
  tern_composer_set_body (composer, "Short.\r\nTwo lines.");
  tern_composer_set_message_id (composer, "draft-1@example.org");
  g_assert_cmpstr (tern_composer_get_message_id (composer), ==, "<draft-1@example.org>");
  g_assert_true (tern_composer_write_to_file (composer, path, &error));
  g_assert_no_error (error);
  g_assert_cmpint (g_stat (path, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0600);
  g_assert_true (g_file_get_contents (path, &contents, &length, &error));
  raw = g_bytes_new (contents, length);
  assert_wire_form (raw);
  parsed = parse (raw);
  g_assert_cmpstr (g_mime_message_get_message_id (parsed), ==, "draft-1@example.org");
  g_assert_true (GMIME_IS_TEXT_PART (g_mime_message_get_mime_part (parsed)));
  g_assert_cmpint (g_mime_part_get_content_encoding (GMIME_PART (g_mime_message_get_mime_part (parsed))), <=,
                   GMIME_CONTENT_ENCODING_7BIT);
  g_assert_nonnull (strstr (contents, "\r\n\r\nShort.\r\nTwo lines.\r\n"));

  /* No From: no message. */
  {
    g_autoptr(TernComposer) empty = tern_composer_new ();
    g_autoptr(GBytes) none = tern_composer_to_bytes (empty, &error);

    g_assert_null (none);
    g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
  }
  g_assert_cmpint (system (cmd), ==, 0);
}

static void
test_flowed (void)
{
  const char *para = "word word word word word word word word word word word word word word word "
                     "word word word word word word word word word word word word word word end";
  g_autofree char *flowed = tern_compose_flow_text (para);
  g_autofree char *back = tern_compose_unflow_text (flowed, FALSE);
  g_autofree char *expected = g_strdup_printf ("%s\n", para);
  g_auto(GStrv) lines = g_strsplit (flowed, "\n", -1);
  g_autofree char *quoted = tern_compose_flow_text ("> aaa bbb ccc ddd eee fff ggg hhh iii jjj kkk lll mmm nnn ooo ppp qqq rrr sss ttt uuu vvv www\n");
  g_autofree char *long_word = NULL;
  g_autofree char *url = g_strnfill (120, 'x');

  g_assert_cmpstr (back, ==, expected);
  g_assert_cmpuint (g_strv_length (lines), ==, 3);
  g_assert_true (g_str_has_suffix (lines[0], " "));      /* soft break */
  g_assert_false (g_str_has_suffix (lines[1], " "));     /* hard break */
  g_assert_cmpuint (strlen (lines[0]), <=, 78);

  /* Each wrapped line of a quote keeps its quote marks. */
  {
    g_auto(GStrv) q = g_strsplit (quoted, "\n", -1);

    g_assert_cmpuint (g_strv_length (q), ==, 3);
    g_assert_true (g_str_has_prefix (q[0], "> ") && g_str_has_prefix (q[1], "> "));
  }

  /* A word longer than a line is not broken. */
  long_word = tern_compose_flow_text (url);
  g_assert_cmpuint (strlen (long_word), ==, 121);

  /* Stuffing and the signature separator. */
  {
    g_autofree char *s = tern_compose_flow_text ("From me\n-- \nsig\n");

    g_assert_cmpstr (s, ==, " From me\n-- \nsig\n");
  }
  /* DelSp=yes removes the space of soft breaks. */
  {
    g_autofree char *d = tern_compose_unflow_text ("abc \ndef\n", TRUE);

    g_assert_cmpstr (d, ==, "abcdef\n");
  }
}

/* A reply to all of m with cc_list as its Cc: the Cc the reply gets is expected. */
static void
assert_reply_cc (TernMessage  *m,
                 const char  **mine,
                 const char   *cc_list,
                 const char   *expected)
{
  g_autofree char *to = NULL;
  g_autofree char *cc = NULL;

  g_free (m->cc_list);
  m->cc_list = g_strdup (cc_list);
  tern_compose_reply_recipients (m, mine, TRUE, &to, &cc);
  g_assert_cmpstr (cc, ==, expected);
}

static void
test_reply_helpers (void)
{
  g_autoptr(TernMessage) m = tern_message_new ();
  const char *mine[] = { "alice@example.org", NULL };
  g_autofree char *to = NULL;
  g_autofree char *cc = NULL;
  g_autofree char *re = tern_compose_reply_subject ("Lunch");
  g_autofree char *re2 = tern_compose_reply_subject ("RE: Lunch");
  g_autofree char *fwd = tern_compose_forward_subject ("Lunch");
  g_autofree char *fwd2 = tern_compose_forward_subject ("Fw: Lunch");
  g_autofree char *quote = NULL;

  g_assert_cmpstr (re, ==, "Re: Lunch");
  g_assert_cmpstr (re2, ==, "RE: Lunch");
  g_assert_cmpstr (fwd, ==, "Fwd: Lunch");
  g_assert_cmpstr (fwd2, ==, "Fw: Lunch");

  m->from_name = g_strdup ("Bob");
  m->from_addr = g_strdup ("bob@example.org");
  m->to_list = g_strdup ("Alice <alice@example.org>, Carol <carol@example.org>");
  m->cc_list = g_strdup ("dave@example.org, ALICE@example.org, bob@example.org");

  tern_compose_reply_recipients (m, mine, FALSE, &to, &cc);
  g_assert_cmpstr (to, ==, "Bob <bob@example.org>");
  g_assert_null (cc);
  g_clear_pointer (&to, g_free);

  tern_compose_reply_recipients (m, mine, TRUE, &to, &cc);
  g_assert_cmpstr (to, ==, "Bob <bob@example.org>");
  g_assert_cmpstr (cc, ==, "Carol <carol@example.org>, dave@example.org");
  g_clear_pointer (&to, g_free);
  g_clear_pointer (&cc, g_free);

  /* Reply-To wins over From. */
  m->reply_to = g_strdup ("list@example.org");
  tern_compose_reply_recipients (m, mine, FALSE, &to, &cc);
  g_assert_cmpstr (to, ==, "list@example.org");
  g_clear_pointer (&to, g_free);

  /* A reply to one's own message goes to its recipients. */
  g_free (m->from_addr);
  m->from_addr = g_strdup ("alice@example.org");
  g_clear_pointer (&m->reply_to, g_free);
  tern_compose_reply_recipients (m, mine, TRUE, &to, &cc);
  g_assert_cmpstr (to, ==, "Alice <alice@example.org>, Carol <carol@example.org>");
  g_assert_cmpstr (cc, ==, "dave@example.org, bob@example.org");

  m->date = 1770000000;
  quote = tern_compose_quote (m, "line one\n> older\n\nline three\n");
  g_assert_true (g_str_has_prefix (quote, "On "));
  g_assert_nonnull (strstr (quote, "Bob wrote:\n> line one\n>> older\n>\n> line three\n"));

  /* A header whose comment never closes (GMime 3.2.13 leaks on it; fuzz-parsers): the
   * addresses in it still count, the comment closed at the end. */
  assert_reply_cc (m, mine, "dave@example.org, erin@example.org (Erin ((\\",
                   "dave@example.org, \"Erin (( ))\" <erin@example.org>");
  /* A quote that does not close before a comment that does not either (fuzz-parsers, after
   * an hour): where GMime sees the comment start is not where the quote ends here. */
  assert_reply_cc (m, mine, "fern@example.org, Gil\"s <gil@example.org (note, hal@example.org",
                   "fern@example.org, Gil s <gil@example.org>");
  /* A parenthesis inside a quoted name that closes is text: nothing is mended. */
  assert_reply_cc (m, mine, "\"Smith :-(\" <smith@example.org>, ivy@example.org",
                   "\"Smith :-(\" <smith@example.org>, ivy@example.org");
}

static void
test_references_trimmed (void)
{
  g_autoptr(GString) refs = g_string_new (NULL);
  g_autoptr(TernComposer) composer = tern_composer_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) raw = NULL;
  g_autoptr(GMimeMessage) parsed = NULL;
  g_auto(GStrv) ids = NULL;

  for (guint i = 0; i < 30; i++)
    g_string_append_printf (refs, "%s<r%u@x>", i ? " " : "", i);
  g_assert_true (tern_composer_set_from (composer, "a@example.org", &error));
  g_assert_true (tern_composer_set_to (composer, "b@example.org", &error));
  tern_composer_set_reply (composer, "<last@x>", refs->str, NULL);
  raw = tern_composer_to_bytes (composer, &error);
  g_assert_no_error (error);
  assert_wire_form (raw);
  parsed = parse (raw);
  ids = g_strsplit_set (g_mime_object_get_header (GMIME_OBJECT (parsed), "References"), " \t\r\n", -1);
  {
    g_autoptr(GPtrArray) kept = g_ptr_array_new ();

    for (guint i = 0; ids[i] != NULL; i++)
      if (*ids[i] != '\0')
        g_ptr_array_add (kept, ids[i]);
    g_assert_cmpuint (kept->len, ==, 20);
    g_assert_cmpstr (kept->pdata[0], ==, "<r0@x>");        /* the thread's root stays */
    g_assert_cmpstr (kept->pdata[1], ==, "<r12@x>");      /* 31 ids: r1 to r11 dropped */
    g_assert_cmpstr (kept->pdata[19], ==, "<last@x>");
  }

  /* Without References, the original's In-Reply-To stands in. */
  {
    g_autoptr(TernComposer) c2 = tern_composer_new ();
    g_autoptr(GBytes) r2 = NULL;
    g_autoptr(GMimeMessage) p2 = NULL;

    g_assert_true (tern_composer_set_from (c2, "a@example.org", &error));
    g_assert_true (tern_composer_set_to (c2, "b@example.org", &error));
    tern_composer_set_reply (c2, "<m2@x>", NULL, "<m1@x>");
    r2 = tern_composer_to_bytes (c2, &error);
    p2 = parse (r2);
    g_assert_cmpstr (g_mime_object_get_header (GMIME_OBJECT (p2), "References"), ==, "<m1@x> <m2@x>");
  }
}

/* A forwarded original with 8-bit bodies goes out 7-bit clean (libcurl cannot declare
 * BODY=8BITMIME), and its text reads back unchanged; one with raw 8-bit header bytes cannot be
 * re-encoded and stays 8bit, which RFC 2046 allows for message/rfc822. */
static void
test_forward_8bit_original (void)
{
  static const char original_text[] =
    "From: Zoe <zoe@example.org>\r\n"
    "To: bob@example.org\r\n"
    "Subject: caf\xc3\xa9\r\n"   /* raw UTF-8 in a header: only the second pass keeps it */
    "Message-ID: <orig8@example.org>\r\n"
    "MIME-Version: 1.0\r\n"
    "Content-Type: text/plain; charset=utf-8\r\n"
    "Content-Transfer-Encoding: 8bit\r\n"
    "\r\n"
    "Gr\xc3\xbc\xc3\x9f aus K\xc3\xb6ln, \xe2\x82\xac 12.\r\n";
  g_autoptr(GError) error = NULL;

  for (guint pass = 0; pass < 2; pass++)
    {
      g_autoptr(TernComposer) composer = tern_composer_new ();
      g_autofree char *source = NULL;
      g_autoptr(GBytes) original = NULL;
      g_autoptr(GBytes) raw = NULL;
      g_autoptr(GMimeMessage) parsed = NULL;
      GMimeObject *attached = NULL;
      GMimeMessage *inner;
      g_autofree char *text = NULL;
      gsize length;
      const guint8 *data;
      gboolean clean = TRUE;

      if (pass == 0)
        {
          g_autoptr(GRegex) subject = g_regex_new ("Subject: [^\r]*", 0, 0, NULL);

          source = g_regex_replace_literal (subject, original_text, -1, 0, "Subject: cafe", 0, NULL);
        }
      else
        source = g_strdup (original_text);
      original = g_bytes_new (source, strlen (source));
      g_assert_true (tern_composer_set_from (composer, "a@example.org", &error));
      g_assert_true (tern_composer_set_to (composer, "b@example.org", &error));
      tern_composer_set_body (composer, "See below.\n");
      tern_composer_attach_message (composer, original, NULL);
      raw = tern_composer_to_bytes (composer, &error);
      g_assert_no_error (error);
      assert_wire_form (raw);

      data = g_bytes_get_data (raw, &length);
      for (gsize i = 0; i < length; i++)
        if (data[i] >= 0x80)
          clean = FALSE;
      g_assert_true (clean == (pass == 0));

      parsed = parse (raw);
      g_assert_true (GMIME_IS_MULTIPART (g_mime_message_get_mime_part (parsed)));
      attached = g_mime_multipart_get_part (GMIME_MULTIPART (g_mime_message_get_mime_part (parsed)), 1);
      g_assert_cmpstr (mime_type (attached), ==, "message/rfc822");
      g_assert_cmpstr (g_mime_object_get_header (attached, "Content-Transfer-Encoding"), ==,
                       pass == 0 ? "7bit" : "8bit");
      inner = g_mime_message_part_get_message (GMIME_MESSAGE_PART (attached));
      g_assert_nonnull (inner);
      g_assert_cmpstr (g_mime_message_get_message_id (inner), ==, "orig8@example.org");
      text = g_mime_text_part_get_text (GMIME_TEXT_PART (g_mime_message_get_body (inner)));
      g_assert_cmpstr (text, ==, "Gr\xc3\xbc\xc3\x9f aus K\xc3\xb6ln, \xe2\x82\xac 12.\r\n");
    }
}

static void
test_mailto (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TernMailto) m = NULL;

  /* RFC 6068's examples, and several addresses in the path and in to= fields. */
  m = tern_compose_parse_mailto ("mailto:chris@example.com", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (m->to, ==, "chris@example.com");
  g_assert_null (m->cc);
  g_assert_null (m->subject);
  g_assert_null (m->body);
  g_clear_pointer (&m, tern_mailto_free);

  m = tern_compose_parse_mailto ("mailto:infobot@example.com?subject=current-issue", &error);
  g_assert_cmpstr (m->subject, ==, "current-issue");
  g_clear_pointer (&m, tern_mailto_free);

  m = tern_compose_parse_mailto ("MAILTO:joe@example.com,bob@example.com?to=ann@example.com&CC=bob@example.org"
                                 "&bcc=eve@example.org&cc=x@example.org"
                                 "&body=send%20current-issue%0D%0Asend%20index&subject=hi%2C%20there+now"
                                 "&in-reply-to=%3C3469A91.D10AF4C@example.com%3E"
                                 "&X-Evil=1&attach=/etc/passwd", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (m->to, ==, "joe@example.com,bob@example.com, ann@example.com");
  g_assert_cmpstr (m->cc, ==, "bob@example.org, x@example.org");
  g_assert_cmpstr (m->bcc, ==, "eve@example.org");
  g_assert_cmpstr (m->body, ==, "send current-issue\nsend index");
  /* "+" is a plus sign in mailto:, not a space. */
  g_assert_cmpstr (m->subject, ==, "hi, there+now");
  g_assert_cmpstr (m->in_reply_to, ==, "<3469A91.D10AF4C@example.com>");
  g_clear_pointer (&m, tern_mailto_free);

  /* Percent-encoded UTF-8 and a name with its address; a line break in a header field does
   * not start another header; a bad escape stays as it is; invalid UTF-8 is mended. */
  m = tern_compose_parse_mailto ("mailto:%22Zo%C3%AB%20Martin%22%20%3Czoe@example.org%3E"
                                 "?subject=Caf%C3%A9%0D%0ABcc:%20spy@example.org%20100%&body=%FF", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (m->to, ==, "\"Zoë Martin\" <zoe@example.org>");
  g_assert_cmpstr (m->subject, ==, "Café  Bcc: spy@example.org 100%");
  g_assert_null (m->bcc);
  g_assert_true (g_utf8_validate (m->body, -1, NULL));
  g_clear_pointer (&m, tern_mailto_free);

  /* No address at all, only fields. */
  m = tern_compose_parse_mailto ("mailto:?to=&subject=x", &error);
  g_assert_null (m->to);
  g_assert_cmpstr (m->subject, ==, "x");
  g_clear_pointer (&m, tern_mailto_free);

  m = tern_compose_parse_mailto ("https://example.org/", &error);
  g_assert_null (m);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
}

static void
test_check_addresses (void)
{
  guint n = 99;
  char *bad = NULL;

  g_assert_true (tern_compose_check_addresses ("", &n, &bad));
  g_assert_cmpuint (n, ==, 0);
  g_assert_null (bad);
  g_assert_true (tern_compose_check_addresses ("  ", &n, NULL));
  g_assert_true (tern_compose_check_addresses ("a@example.org", &n, NULL));
  g_assert_cmpuint (n, ==, 1);
  g_assert_true (tern_compose_check_addresses ("Zoë Martin <zoe@example.org>, \"Doe, Jane\" <jane@example.org>, "
                                               "bob@example.org, ", &n, NULL));
  g_assert_cmpuint (n, ==, 3);
  g_assert_true (tern_compose_check_addresses ("Team: a@example.org, b@example.org;", &n, NULL));
  g_assert_cmpuint (n, ==, 2);

  g_assert_false (tern_compose_check_addresses ("a@example.org, bob", &n, &bad));
  g_assert_cmpstr (bad, ==, "bob");
  g_clear_pointer (&bad, g_free);
  g_assert_false (tern_compose_check_addresses ("bob@", &n, &bad));
  g_assert_nonnull (bad);
  g_clear_pointer (&bad, g_free);
  g_assert_false (tern_compose_check_addresses ("@example.org", &n, &bad));
  g_clear_pointer (&bad, g_free);
  g_assert_false (tern_compose_check_addresses ("Bob <bob at example.org>", &n, &bad));
  g_clear_pointer (&bad, g_free);
  /* A comment or quote that does not close names where it opens; closed ones are fine. */
  g_assert_false (tern_compose_check_addresses ("a@example.org, b@[]((((x", &n, &bad));
  g_assert_cmpstr (bad, ==, "((((x");
  g_clear_pointer (&bad, g_free);
  g_assert_false (tern_compose_check_addresses ("\"Doe, Jane <jane@example.org>", &n, &bad));
  g_assert_cmpstr (bad, ==, "\"Doe, Jane <jane@example.org>");
  g_clear_pointer (&bad, g_free);
  g_assert_true (tern_compose_check_addresses ("jane@example.org (Jane \\) (Doe)), \"x\\\"(\" <x@example.org>",
                                               &n, &bad));
  g_assert_cmpuint (n, ==, 2);
  g_assert_null (bad);
  /* A parenthesis inside a quoted name is text. */
  g_assert_true (tern_compose_check_addresses ("\"Smith :-(\" <smith@example.org>", &n, &bad));
  g_assert_cmpuint (n, ==, 1);
  g_assert_null (bad);
}

static void
test_mentions_attachment (void)
{
  g_assert_true (tern_compose_mentions_attachment ("Hi,\nthe report is attached.\n"));
  g_assert_true (tern_compose_mentions_attachment ("See the ATTACHMENT"));
  g_assert_true (tern_compose_mentions_attachment ("Please find enclosed the contract"));
  g_assert_true (tern_compose_mentions_attachment ("Im Anhang die Zahlen"));
  g_assert_true (tern_compose_mentions_attachment ("Voici la pièce jointe"));
  g_assert_true (tern_compose_mentions_attachment ("Te envío el adjunto"));
  g_assert_true (tern_compose_mentions_attachment ("In allegato il file"));
  g_assert_true (tern_compose_mentions_attachment ("Zie bijlage"));
  g_assert_false (tern_compose_mentions_attachment ("Hi,\nsee you tomorrow.\n"));
  g_assert_false (tern_compose_mentions_attachment (NULL));
  /* Inside a word, or only in the quoted original, it does not count. */
  g_assert_false (tern_compose_mentions_attachment ("We reattached nothing; a detachment"));
  g_assert_false (tern_compose_mentions_attachment ("Thanks!\n\nOn Monday, Bob wrote:\n> the file is attached\n"));
}

static void
test_parse_for_editing (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TernComposer) c = tern_composer_new ();
  g_autoptr(GBytes) raw = NULL;
  g_autoptr(GBytes) forwarded = NULL;
  g_autoptr(GBytes) data = NULL;
  g_autoptr(TernComposeParsed) parsed = NULL;
  g_autofree char *dir = g_dir_make_tmp ("tern-parse-XXXXXX", &error);
  g_autofree char *cmd = NULL;
  g_autofree char *expected = expected_text (body_text);
  TernComposeFile *file;
  guint8 bytes[3000];

  for (guint i = 0; i < sizeof bytes; i++)
    bytes[i] = (guint8) (i * 7);
  data = g_bytes_new (bytes, sizeof bytes);
  forwarded = g_bytes_new_static ("From: a@example.org\r\nSubject: Old news\r\n\r\nOld.\r\n", 48);
  g_assert_true (tern_composer_set_from (c, "Zoë <zoe@example.org>", &error));
  g_assert_true (tern_composer_set_to (c, "\"Doe, Jane\" <jane@example.org>, bob@example.org", &error));
  g_assert_true (tern_composer_set_cc (c, "carol@example.org", &error));
  g_assert_true (tern_composer_set_bcc (c, "dave@example.org", &error));
  tern_composer_set_subject (c, long_subject);
  tern_composer_set_body (c, body_text);
  tern_composer_set_message_id (c, "draft-1@example.org");
  tern_composer_set_reply (c, "<orig@example.org>", "<root@example.org>", NULL);
  tern_composer_add_attachment_bytes (c, data, "../../données.bin", "application/octet-stream");
  tern_composer_attach_message (c, forwarded, "Old news.eml");
  raw = tern_composer_to_bytes (c, &error);
  g_assert_no_error (error);

  parsed = tern_compose_parse_message (raw, dir, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (parsed->from, ==, "Zoë <zoe@example.org>");
  g_assert_cmpstr (parsed->to, ==, "\"Doe, Jane\" <jane@example.org>, bob@example.org");
  g_assert_cmpstr (parsed->cc, ==, "carol@example.org");
  g_assert_cmpstr (parsed->bcc, ==, "dave@example.org");
  g_assert_cmpstr (parsed->subject, ==, long_subject);
  g_assert_cmpstr (parsed->body, ==, expected);
  g_assert_cmpstr (parsed->message_id, ==, "<draft-1@example.org>");
  g_assert_cmpstr (parsed->in_reply_to, ==, "<orig@example.org>");
  g_assert_cmpstr (parsed->references, ==, "<root@example.org> <orig@example.org>");

  g_assert_cmpuint (parsed->attachments->len, ==, 2);
  file = parsed->attachments->pdata[0];
  g_assert_cmpstr (file->filename, ==, "../../données.bin");
  g_assert_cmpstr (file->content_type, ==, "application/octet-stream");
  g_assert_cmpuint (file->size, ==, sizeof bytes);
  /* Written inside the folder, whatever the name says. */
  g_assert_true (g_str_has_prefix (file->path, dir));
  g_assert_null (strstr (file->path + strlen (dir), ".."));
  {
    g_autofree char *contents = NULL;
    gsize length = 0;

    g_assert_true (g_file_get_contents (file->path, &contents, &length, NULL));
    g_assert_cmpmem (contents, length, bytes, sizeof bytes);
  }
  file = parsed->attachments->pdata[1];
  g_assert_cmpstr (file->filename, ==, "Old news.eml");
  g_assert_cmpstr (file->content_type, ==, "message/rfc822");
  {
    g_autofree char *contents = NULL;

    g_assert_true (g_file_get_contents (file->path, &contents, NULL, NULL));
    g_assert_nonnull (strstr (contents, "Subject: Old news"));
  }

  /* Not a message at all. */
  {
    g_autoptr(GBytes) junk = g_bytes_new_static ("", 0);
    g_autoptr(TernComposeParsed) none = tern_compose_parse_message (junk, dir, NULL);

    /* GMime makes an empty message of nothing: no fields, no text. */
    if (none != NULL)
      g_assert_null (none->to);
  }
  cmd = g_strdup_printf ("rm -rf '%s'", dir);
  g_assert_cmpint (system (cmd), ==, 0);
}

/* #14 item 4: a forward written offline names the original's part; filled in later, the
 * message carries the part's bytes and no trace of the reference. */
static char *
resolve_cb (const TernPartReference  *reference,
            gpointer                  user_data,
            GError                  **error)
{
  g_assert_cmpint (reference->message_id, ==, 42);
  g_assert_cmpstr (reference->section, ==, "2");
  return g_strdup (user_data);
}

static char *
refuse_cb (const TernPartReference  *reference,
           gpointer                  user_data,
           GError                  **error)
{
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "gone");
  return NULL;
}

static void
test_part_references (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TernComposer) c = tern_composer_new ();
  g_autofree char *dir = g_dir_make_tmp ("tern-refs-XXXXXX", &error);
  g_autofree char *queued = g_build_filename (dir, "queued.eml", NULL);
  g_autofree char *filled = g_build_filename (dir, "filled.eml", NULL);
  g_autofree char *part = g_build_filename (dir, "part.bin", NULL);
  g_autofree char *plain = g_build_filename (dir, "plain.eml", NULL);
  g_autoptr(GPtrArray) references = NULL;
  g_autoptr(GMimeMessage) message = NULL;
  g_autofree char *text = NULL;
  guint8 bytes[3000];
  gsize length;

  for (guint i = 0; i < sizeof bytes; i++)
    bytes[i] = (guint8) (i * 7 + 3);
  g_assert_true (g_file_set_contents (part, (const char *) bytes, sizeof bytes, &error));
  g_assert_true (tern_composer_set_from (c, "alice@example.org", &error));
  g_assert_true (tern_composer_set_to (c, "dave@example.org", &error));
  tern_composer_set_subject (c, "Fwd: figures");
  tern_composer_set_body (c, "See below.\n");
  tern_composer_add_part_reference (c, 42, "2", "figures.bin", "application/octet-stream");
  g_assert_true (tern_composer_write_to_file (c, queued, &error));

  references = tern_mime_list_part_references (queued, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (references->len, ==, 1);
  g_assert_cmpint (((TernPartReference *) references->pdata[0])->message_id, ==, 42);
  g_assert_cmpstr (((TernPartReference *) references->pdata[0])->filename, ==, "figures.bin");

  /* A resolver that fails: nothing is written. */
  g_assert_false (tern_mime_fill_part_references (queued, filled, refuse_cb, NULL, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_false (g_file_test (filled, G_FILE_TEST_EXISTS));

  g_assert_true (tern_mime_fill_part_references (queued, filled, resolve_cb, part, &error));
  g_assert_no_error (error);
  g_clear_pointer (&references, g_ptr_array_unref);
  references = tern_mime_list_part_references (filled, &error);
  g_assert_cmpuint (references->len, ==, 0);
  g_assert_true (g_file_get_contents (filled, &text, &length, &error));
  g_assert_null (strstr (text, "X-Tern-Original-Part"));
  {
    g_autoptr(GBytes) raw = g_bytes_new (text, length);
    GMimeObject *mixed;
    GMimeObject *attached;
    GMimeStream *decoded = g_mime_stream_mem_new ();
    GByteArray *array;

    message = parse (raw);
    mixed = g_mime_message_get_mime_part (message);
    g_assert_true (GMIME_IS_MULTIPART (mixed));
    attached = g_mime_multipart_get_part (GMIME_MULTIPART (mixed), 1);
    g_assert_cmpstr (g_mime_part_get_filename (GMIME_PART (attached)), ==, "figures.bin");
    g_mime_data_wrapper_write_to_stream (g_mime_part_get_content (GMIME_PART (attached)), decoded);
    array = g_mime_stream_mem_get_byte_array (GMIME_STREAM_MEM (decoded));
    g_assert_cmpuint (array->len, ==, sizeof bytes);
    g_assert_true (memcmp (array->data, bytes, sizeof bytes) == 0);
    g_object_unref (decoded);
  }

  /* A message that never held one: none, without parsing it. */
  g_assert_true (g_file_set_contents (plain, "From: a@example.org\r\nSubject: x\r\n\r\nx\r\n", -1, &error));
  g_clear_pointer (&references, g_ptr_array_unref);
  references = tern_mime_list_part_references (plain, &error);
  g_assert_cmpuint (references->len, ==, 0);

  g_unlink (queued);
  g_unlink (filled);
  g_unlink (part);
  g_unlink (plain);
  g_rmdir (dir);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_mime_init ();

  g_test_add_func ("/compose/parse-back", test_compose_parse_back);
  g_test_add_func ("/compose/plain-file", test_compose_plain_file);
  g_test_add_func ("/compose/flowed", test_flowed);
  g_test_add_func ("/compose/reply-helpers", test_reply_helpers);
  g_test_add_func ("/compose/references-trimmed", test_references_trimmed);
  g_test_add_func ("/compose/forward-8bit-original", test_forward_8bit_original);
  g_test_add_func ("/compose/mailto", test_mailto);
  g_test_add_func ("/compose/check-addresses", test_check_addresses);
  g_test_add_func ("/compose/mentions-attachment", test_mentions_attachment);
  g_test_add_func ("/compose/parse-for-editing", test_parse_for_editing);
  g_test_add_func ("/compose/part-references", test_part_references);
  return g_test_run ();
}
