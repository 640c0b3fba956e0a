/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "tern-mime"

#include "config.h"

#include <gmime/gmime.h>
#include <stdlib.h>
#include <string.h>

#include "tern-mime.h"

/* Header fields and dates as the IMAP layer meets them in ENVELOPE and BODYSTRUCTURE. */

static void
ensure_gmime (void)
{
  static gsize initialized = 0;

  if (g_once_init_enter (&initialized))
    {
      g_mime_init ();
      g_once_init_leave (&initialized, 1);
    }
}

/* RFC 2047 words in headers; invalid bytes never reach the cache as non-UTF-8. */
static gboolean
is_plain (const char *text)
{
  for (const char *p = text; *p != '\0'; p++)
    if ((guchar) *p >= 0x80 || (p[0] == '=' && p[1] == '?'))
      return FALSE;
  return TRUE;
}

/* Raw 8-bit bytes in a header (RFC 5322 forbids them, old clients send Latin-1): read as
 * Windows-1252 (a superset of Latin-1's printable range) when they are not UTF-8, so that
 * "Ren\xe9e" is "Renée" and not a replacement character. NULL if text is valid UTF-8. */
static char *
eight_bit_to_utf8 (const char *text)
{
  char *converted;

  if (g_utf8_validate (text, -1, NULL))
    return NULL;
  converted = g_convert (text, -1, "UTF-8", "WINDOWS-1252", NULL, NULL, NULL);
  if (converted == NULL)
    converted = g_convert (text, -1, "UTF-8", "ISO-8859-1", NULL, NULL, NULL);
  return converted;
}

char *
_tern_mime_decode_text (const char *text)
{
  g_autofree char *utf8 = NULL;
  char *decoded;

  if (text == NULL)
    return NULL;
  /* Most headers are plain ASCII with no encoded words: nothing to decode. */
  if (is_plain (text))
    return g_strdup (text);
  if ((utf8 = eight_bit_to_utf8 (text)) != NULL)
    text = utf8;
  ensure_gmime ();
  decoded = g_mime_utils_header_decode_text (NULL, text);
  if (decoded != NULL && !g_utf8_validate (decoded, -1, NULL))
    {
      char *valid = g_utf8_make_valid (decoded, -1);

      g_free (decoded);
      decoded = valid;
    }
  return decoded;
}

char *
_tern_mime_decode_phrase (const char *text)
{
  g_autofree char *utf8 = NULL;
  char *decoded;

  if (text == NULL)
    return NULL;
  if (is_plain (text) && strchr (text, '"') == NULL && strchr (text, '\\') == NULL)
    return g_strdup (text);
  if ((utf8 = eight_bit_to_utf8 (text)) != NULL)
    text = utf8;
  ensure_gmime ();
  decoded = g_mime_utils_header_decode_phrase (NULL, text);
  if (decoded != NULL && !g_utf8_validate (decoded, -1, NULL))
    {
      char *valid = g_utf8_make_valid (decoded, -1);

      g_free (decoded);
      decoded = valid;
    }
  return decoded;
}

/* Days from 1970-01-01 to a civil date (proleptic Gregorian). */
static gint64
days_from_civil (gint64 y,
                 guint  m,
                 guint  d)
{
  gint64 era;
  guint yoe, doy, doe;

  y -= m <= 2;
  era = (y >= 0 ? y : y - 399) / 400;
  yoe = (guint) (y - era * 400);
  doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + (gint64) doe - 719468;
}

/* The usual form, "Mon, 2 Feb 2026 10:00:00 +0100" (day name optional), without GMime;
 * anything else falls back to GMime's lenient parser. */
gboolean
_tern_parse_date_fast (const char *text,
                       gint64     *out)
{
  static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
  const char *p = text;
  guint day, month = 0, year, hour, min, sec = 0;
  int sign, zone;
  char *end;

  while (*p == ' ')
    p++;
  if (g_ascii_isalpha (p[0]))
    {
      p = strchr (p, ',');
      if (p == NULL)
        return FALSE;
      p++;
      while (*p == ' ')
        p++;
    }
  day = (guint) strtoul (p, &end, 10);
  if (end == p || *end != ' ' || day < 1 || day > 31)
    return FALSE;
  p = end + 1;
  for (guint i = 0; i < 12; i++)
    if (g_ascii_strncasecmp (p, months + i * 3, 3) == 0)
      month = i + 1;
  if (month == 0 || p[3] != ' ')
    return FALSE;
  p += 4;
  year = (guint) strtoul (p, &end, 10);
  if (end - p != 4 || *end != ' ')
    return FALSE;
  p = end + 1;
  hour = (guint) strtoul (p, &end, 10);
  if (end == p || *end != ':')
    return FALSE;
  p = end + 1;
  min = (guint) strtoul (p, &end, 10);
  if (end == p)
    return FALSE;
  p = end;
  if (*p == ':')
    {
      sec = (guint) strtoul (p + 1, &end, 10);
      p = end;
    }
  if (*p != ' ' || (p[1] != '+' && p[1] != '-') || !g_ascii_isdigit (p[2]))
    return FALSE;
  sign = p[1] == '-' ? -1 : 1;
  zone = (int) strtol (p + 2, &end, 10);
  if (end - (p + 2) != 4 || hour > 23 || min > 59 || sec > 60)
    return FALSE;

  *out = days_from_civil (year, month, day) * 86400 + hour * 3600 + min * 60 + sec
         - sign * ((zone / 100) * 3600 + (zone % 100) * 60);
  return TRUE;
}

gint64
_tern_parse_date (const char *text)
{
  g_autoptr(GDateTime) date = NULL;
  gint64 value;

  if (text == NULL)
    return 0;
  if (_tern_parse_date_fast (text, &value))
    return value;
  ensure_gmime ();
  date = g_mime_utils_header_decode_date (text);
  return date ? g_date_time_to_unix (date) : 0;
}
