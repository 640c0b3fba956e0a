/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-vcard"

#include "config.h"

#include <string.h>

#include "tern-vcard.h"

/*
 * The vCard reader and writer of the address book: 2.1, 3.0 and 4.0 cards with folded lines,
 * escapes, several addresses, no FN, CRLF or LF, UTF-8 and quoted-printable; bad input gives
 * an error and no cards; what is written reads back the same.
 */

static GPtrArray *
parse_ok (const char *text,
          guint       expect_skipped)
{
  g_autoptr(GError) error = NULL;
  guint skipped = 99;
  GPtrArray *cards = tern_vcard_parse (text, strlen (text), &skipped, &error);

  g_assert_no_error (error);
  g_assert_nonnull (cards);
  g_assert_cmpuint (skipped, ==, expect_skipped);
  return cards;
}

#define CARD(cards, i) ((TernVCard *) (cards)->pdata[i])

static void
test_versions (void)
{
  g_autoptr(GPtrArray) cards = NULL;

  /* 3.0 with CRLF, a group prefix, several EMAILs with parameters. */
  cards = parse_ok ("BEGIN:VCARD\r\nVERSION:3.0\r\nN:Doe;Jane;;Dr.;\r\nFN:Jane Doe\r\n"
                    "item1.EMAIL;TYPE=INTERNET,pref:jane@example.org\r\n"
                    "EMAIL;type=\"work;home\":Jane.Doe@Work.example\r\nTEL:+1 555\r\nEND:VCARD\r\n", 0);
  g_assert_cmpuint (cards->len, ==, 1);
  g_assert_cmpstr (CARD (cards, 0)->name, ==, "Jane Doe");
  g_assert_cmpuint (g_strv_length (CARD (cards, 0)->emails), ==, 2);
  g_assert_cmpstr (CARD (cards, 0)->emails[0], ==, "jane@example.org");
  g_assert_cmpstr (CARD (cards, 0)->emails[1], ==, "Jane.Doe@Work.example");
  g_clear_pointer (&cards, g_ptr_array_unref);

  /* 4.0 with LF only, lower-case names, no FN: the name comes from N. Two cards. */
  cards = parse_ok ("begin:vcard\nversion:4.0\nn:Martin;Zoë;Anne,Marie;;Jr.\nemail:zoe@example.org\nend:vcard\n"
                    "BEGIN:VCARD\nVERSION:4.0\nFN:Bob\nEMAIL;PREF=1:mailto:bob@example.net\nEND:VCARD", 0);
  g_assert_cmpuint (cards->len, ==, 2);
  g_assert_cmpstr (CARD (cards, 0)->name, ==, "Zoë Anne Marie Martin Jr.");
  g_assert_cmpstr (CARD (cards, 1)->name, ==, "Bob");
  g_assert_cmpstr (CARD (cards, 1)->emails[0], ==, "bob@example.net");
  g_clear_pointer (&cards, g_ptr_array_unref);

  /* 2.1: quoted-printable with a soft line break and a Latin-1 CHARSET; a card without an
   * address is skipped and counted; no name at all is NULL. */
  cards = parse_ok ("BEGIN:VCARD\r\nVERSION:2.1\r\nFN;ENCODING=QUOTED-PRINTABLE;CHARSET=ISO-8859-1:Fran=E7ois =\r\nL=E9ger\r\n"
                    "EMAIL;INTERNET:francois@example.fr\r\nEND:VCARD\r\n"
                    "BEGIN:VCARD\r\nVERSION:2.1\r\nFN:Only A Phone\r\nTEL:123\r\nEND:VCARD\r\n"
                    "BEGIN:VCARD\r\nVERSION:2.1\r\nEMAIL:anon@example.com\r\nEND:VCARD\r\n", 1);
  g_assert_cmpuint (cards->len, ==, 2);
  g_assert_cmpstr (CARD (cards, 0)->name, ==, "François Léger");
  g_assert_null (CARD (cards, 1)->name);
  g_assert_cmpstr (CARD (cards, 1)->emails[0], ==, "anon@example.com");
}

static void
test_folding_escapes (void)
{
  g_autoptr(GPtrArray) cards = NULL;

  /* A long FN folded over three lines (space and tab), escapes of , ; \ and a newline; a
   * UTF-8 character cut by the folding; a byte order mark first. */
  cards = parse_ok ("\xef\xbb\xbf" "BEGIN:VCARD\r\nVERSION:4.0\r\nFN:Doe\\, Jane\\; \\\\the\r\n  one\\nand on"
                    "ly \xc3\r\n \xa9lan\r\n\tx\r\nEMAIL:ja\r\n ne@example.org\r\nEND:VCARD\r\n", 0);
  g_assert_cmpuint (cards->len, ==, 1);
  g_assert_cmpstr (CARD (cards, 0)->name, ==, "Doe, Jane; \\the one and only élanx");
  g_assert_cmpstr (CARD (cards, 0)->emails[0], ==, "jane@example.org");
}

static void
test_bad_input (void)
{
  static const struct { const char *text; const char *message; } cases[] = {
    { "", "no BEGIN:VCARD" },
    { "hello world\n", "no BEGIN:VCARD" },
    { "BEGIN:VCARD\r\nFN:Cut\r\nEMAIL:cut@example.org\r\n", "line 1 has no END" },
    { "BEGIN:VCARD\nFN:A\nBEGIN:VCARD\nEND:VCARD\n", "no END before line 3" },
    { "BEGIN:VCARD\nFN:\xff\xfe\nEMAIL:a@b.c\nEND:VCARD\n", "Line 2 is not UTF-8" },
    { "BEGIN:VCARD\nFN:A\nno colon here\nEND:VCARD\n", "Line 3 is not a vCard property" },
    { "BEGIN:VCARD\nFN;CHARSET=NO-SUCH-SET:x\nEND:VCARD\n", "character set" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GPtrArray) cards = tern_vcard_parse (cases[i].text, strlen (cases[i].text), NULL, &error);

      g_assert_null (cards);
      g_assert_error (error, TERN_VCARD_ERROR, TERN_VCARD_ERROR_INVALID);
      if (strstr (error->message, cases[i].message) == NULL)
        g_error ("case %u: “%s” does not say “%s”", i, error->message, cases[i].message);
    }

  /* A NUL inside: an error, never a read past it. */
  {
    static const char nul[] = "BEGIN:VCARD\nFN:a\0b\nEND:VCARD\n";
    g_autoptr(GError) error = NULL;
    g_autoptr(GPtrArray) cards = tern_vcard_parse (nul, sizeof nul - 1, NULL, &error);

    g_assert_null (cards);
    g_assert_error (error, TERN_VCARD_ERROR, TERN_VCARD_ERROR_INVALID);
  }
}

/* A character set whose name is not UTF-8 (a fuzz-vcard find): the error is, all the same. */
static void
test_bad_charset_name (void)
{
  const char *text = "BEGIN:VCARD\r\nVERSION:2.1\r\n"
                     "FN;ENCODING=QUOTED-PRINTABLE;CHARSET=\xb7\xb5O-8859-1:Fran=E7ois\r\n"
                     "EMAIL:fr@example.org\r\nEND:VCARD\r\n";
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) cards = tern_vcard_parse (text, strlen (text), NULL, &error);

  g_assert_null (cards);
  g_assert_error (error, TERN_VCARD_ERROR, TERN_VCARD_ERROR_INVALID);
  g_assert_true (g_utf8_validate (error->message, -1, NULL));
}

static void
test_round_trip (void)
{
  const char *emails[] = { "zoe@example.org", "z.martin@work.example", NULL };
  const char *long_name = "Zoë Martin-Łukasiewicz, Ph.D.; «the longest name in the address book so far»";
  g_autofree char *card = tern_vcard_write (long_name, emails);
  g_autofree char *plain = tern_vcard_write (NULL, (const char *[]) { "x@example.org", NULL });
  g_autoptr(GPtrArray) cards = NULL;
  g_auto(GStrv) lines = g_strsplit (card, "\r\n", -1);

  g_assert_true (g_str_has_prefix (card, "BEGIN:VCARD\r\nVERSION:4.0\r\n"));
  g_assert_true (g_str_has_suffix (card, "END:VCARD\r\n"));
  /* Folded at 75 octets, never inside a character. */
  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_assert_cmpuint (strlen (lines[i]), <=, 75);
      g_assert_true (g_utf8_validate (lines[i], -1, NULL));
    }
  g_assert_nonnull (strstr (card, "\r\n "));
  g_assert_nonnull (strstr (card, "Martin-Łukasiewicz\\, Ph.D.\\;"));

  cards = parse_ok (card, 0);
  g_assert_cmpuint (cards->len, ==, 1);
  g_assert_cmpstr (CARD (cards, 0)->name, ==, long_name);
  g_assert_cmpstrv (CARD (cards, 0)->emails, emails);
  g_clear_pointer (&cards, g_ptr_array_unref);

  /* FN is required in 4.0: without a name the address stands in. */
  g_assert_nonnull (strstr (plain, "\r\nFN:x@example.org\r\n"));
}

/* Control characters in a name (an N whose parts hold a backspace, a form feed at the end)
 * read as spaces and collapse, so the name reads back the same after a write (fuzz-vcard). */
static void
test_control_characters (void)
{
  const char *text = "BEGIN:VCARD\r\nVERSION:3.0\r\n"
                     "N:Doe\x14\\\\\x08;Jane\x0c;;Dr.\x0c\r\n"
                     "EMAIL:jane@example.org\r\nEND:VCARD\r\n";
  g_autoptr(GPtrArray) cards = parse_ok (text, 0);
  g_autoptr(GPtrArray) again = NULL;
  g_autofree char *written = NULL;

  g_assert_cmpuint (cards->len, ==, 1);
  g_assert_cmpstr (CARD (cards, 0)->name, ==, "Dr. Jane Doe \\");
  written = tern_vcard_write (CARD (cards, 0)->name, (const char * const *) CARD (cards, 0)->emails);
  again = parse_ok (written, 0);
  g_assert_cmpstr (CARD (again, 0)->name, ==, CARD (cards, 0)->name);
  g_clear_pointer (&cards, g_ptr_array_unref);

  /* An address with a control character in it is no address: the card has none left. */
  cards = parse_ok ("BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Zoe\r\nEMAIL:zo\x1b" "e@example.org\r\n"
                    "EMAIL:zoe@example.org\r\nEND:VCARD\r\n", 0);
  g_assert_cmpuint (cards->len, ==, 1);
  g_assert_cmpstrv (CARD (cards, 0)->emails, ((const char *[]) { "zoe@example.org", NULL }));
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/vcard/versions", test_versions);
  g_test_add_func ("/vcard/folding-escapes", test_folding_escapes);
  g_test_add_func ("/vcard/bad-input", test_bad_input);
  g_test_add_func ("/vcard/round-trip", test_round_trip);
  g_test_add_func ("/vcard/control-characters", test_control_characters);
  g_test_add_func ("/vcard/bad-charset-name", test_bad_charset_name);
  return g_test_run ();
}
