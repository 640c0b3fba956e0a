/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-convert"

#include "config.h"

#include <gmime/gmime.h>
#include <string.h>

#include "tern-imap-utils.h"
#include "tern-mime.h"

static gint64
gmime_date (const char *text)
{
  g_autoptr(GDateTime) date = g_mime_utils_header_decode_date (text);

  return date ? g_date_time_to_unix (date) : 0;
}

/* The fast path agrees with GMime wherever it answers, and declines what it cannot read. */
static void
check_date (const char *text)
{
  gint64 fast = 0;

  if (_tern_parse_date_fast (text, &fast))
    {
      if (fast != gmime_date (text))
        g_error ("“%s”: fast %" G_GINT64_FORMAT " GMime %" G_GINT64_FORMAT, text, fast, gmime_date (text));
    }
  g_assert_cmpint (_tern_parse_date (text), ==, gmime_date (text));
}

static void
test_dates (void)
{
  const char *dates[] = {
    "Mon, 2 Feb 2026 10:00:00 +0000",
    "Tue, 24 Nov 2026 03:01:59 -0800",
    "2 Feb 2026 10:00:00 +0130",
    "Sun, 29 Feb 2032 23:59:59 +1400",
    "Fri, 01 Jan 1971 00:00 +0000",
    "Wed, 31 Dec 1969 23:00:00 -0100",
    "Thu, 1 Jan 1970 00:00:00 GMT",
    "Thu, 13 Feb 2003 09:36:52 -0500 (EST)",
    "13 Feb 03 09:36:52 -0500",
    "garbage",
    "",
    "Mon, 32 Jan 2026 10:00:00 +0000",
    "Mon,  2 Feb 2026 10:00:00 +0000",
  };

  for (guint i = 0; i < G_N_ELEMENTS (dates); i++)
    check_date (dates[i]);
}

/* Every Date header in the shared corpus, when it is there. */
static void
test_corpus_dates (void)
{
  const char *dir = g_getenv ("TERN_CORPUS_DIR");
  g_autoptr(GDir) listing = NULL;
  const char *name;
  guint checked = 0, messages = 0;

  if (dir == NULL || (listing = g_dir_open (dir, 0, NULL)) == NULL)
    {
      g_test_skip ("no corpus");
      return;
    }
  while ((name = g_dir_read_name (listing)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);
      g_autofree char *contents = NULL;
      char *date;

      if (!g_str_has_suffix (name, ".eml") || !g_file_get_contents (path, &contents, NULL, NULL))
        continue;
      messages++;
      date = strstr (contents, "\nDate: ");
      if (date == NULL)
        continue;
      date += 7;
      date[strcspn (date, "\r\n")] = '\0';
      if (!g_utf8_validate (date, -1, NULL))
        continue;
      check_date (date);
      checked++;
    }
  g_test_message ("%u corpus dates agree (of %u messages)", checked, messages);
  /* A corpus that is there was read: most of its messages carry a Date the parsers agree on
   * (a reader that silently found nothing, or a folder of something else, fails here). */
  g_assert_cmpuint (messages, >, 0);
  g_assert_cmpuint (checked, >=, messages / 2);
}

static void
test_utf7 (void)
{
  const char *names[] = { "INBOX", "Entwürfe", "日本語", "A&B", "Café/Menü", "~peter/mail/台北/日本語" };

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autofree char *encoded = _tern_utf7_encode (names[i]);
      g_autofree char *decoded = _tern_utf7_decode (encoded);

      g_assert_cmpstr (decoded, ==, names[i]);
      for (const char *p = encoded; *p; p++)
        g_assert_true ((guchar) *p < 0x80);
    }
  {
    g_autofree char *rfc = _tern_utf7_decode ("~peter/mail/&U,BTFw-/&ZeVnLIqe-");
    g_assert_cmpstr (rfc, ==, "~peter/mail/台北/日本語");
  }
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_mime_init ();

  g_test_add_func ("/convert/dates", test_dates);
  g_test_add_func ("/convert/corpus-dates", test_corpus_dates);
  g_test_add_func ("/convert/utf7", test_utf7);

  return g_test_run ();
}
