/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "tern-imap"

#include "config.h"

#include <string.h>

#include "tern-imap-utils.h"

/* Modified UTF-7 (RFC 3501, 5.1.3). */

char *
_tern_utf7_decode (const char *name)
{
  GString *out = g_string_new (NULL);
  const char *p = name;

  while (*p != '\0')
    {
      if (*p != '&')
        {
          g_string_append_c (out, *p++);
          continue;
        }
      p++;
      if (*p == '-')
        {
          g_string_append_c (out, '&');
          p++;
          continue;
        }

      {
        const char *end = strchr (p, '-');
        g_autofree char *b64 = NULL;
        g_autofree guchar *utf16 = NULL;
        g_autofree char *utf8 = NULL;
        gsize len = 0, n;

        if (end == NULL)
          end = p + strlen (p);
        n = (gsize) (end - p);
        b64 = g_malloc0 (n + 4);
        for (gsize i = 0; i < n; i++)
          b64[i] = p[i] == ',' ? '/' : p[i];
        while (n % 4 != 0)
          b64[n++] = '=';
        utf16 = g_base64_decode (b64, &len);
        utf8 = g_convert ((const char *) utf16, (gssize) len, "UTF-8", "UTF-16BE", NULL, NULL, NULL);
        if (utf8 != NULL)
          g_string_append (out, utf8);
        else
          g_string_append_len (out, p - 1, end - p + 1 + (*end == '-'));
        p = *end == '-' ? end + 1 : end;
      }
    }

  if (!g_utf8_validate (out->str, (gssize) out->len, NULL))
    {
      char *valid = g_utf8_make_valid (out->str, (gssize) out->len);

      g_string_free (out, TRUE);
      return valid;
    }
  return g_string_free (out, FALSE);
}

char *
_tern_utf7_encode (const char *utf8)
{
  GString *out = g_string_new (NULL);
  const char *p = utf8;

  while (*p != '\0')
    {
      gunichar c = g_utf8_get_char (p);

      if (c >= 0x20 && c <= 0x7e)
        {
          if (c == '&')
            g_string_append (out, "&-");
          else
            g_string_append_c (out, (char) c);
          p = g_utf8_next_char (p);
          continue;
        }

      {
        const char *start = p;
        g_autofree char *utf16 = NULL;
        g_autofree char *b64 = NULL;
        gsize len = 0;

        while (*p != '\0')
          {
            gunichar d = g_utf8_get_char (p);

            if (d >= 0x20 && d <= 0x7e)
              break;
            p = g_utf8_next_char (p);
          }
        utf16 = g_convert (start, p - start, "UTF-16BE", "UTF-8", NULL, &len, NULL);
        if (utf16 == NULL)
          continue;
        b64 = g_base64_encode ((const guchar *) utf16, len);
        g_string_append_c (out, '&');
        for (char *q = b64; *q != '\0' && *q != '='; q++)
          g_string_append_c (out, *q == '/' ? ',' : *q);
        g_string_append_c (out, '-');
      }
    }
  return g_string_free (out, FALSE);
}

char *
_tern_imap_quote (const char *text)
{
  GString *out = g_string_new ("\"");

  for (const char *p = text; *p != '\0'; p++)
    {
      if (*p == '"' || *p == '\\')
        g_string_append_c (out, '\\');
      if (*p == '\r' || *p == '\n')
        continue;
      g_string_append_c (out, *p);
    }
  g_string_append_c (out, '"');
  return g_string_free (out, FALSE);
}

/* UID sets. */

char *
tern_imap_uid_set_new (GArray *uids)
{
  GString *out = g_string_new (NULL);

  g_return_val_if_fail (uids != NULL, NULL);

  for (guint i = 0; i < uids->len;)
    {
      guint32 first = g_array_index (uids, guint32, i);
      guint j = i;

      while (j + 1 < uids->len && g_array_index (uids, guint32, j + 1) == g_array_index (uids, guint32, j) + 1)
        j++;
      if (out->len > 0)
        g_string_append_c (out, ',');
      if (j > i)
        g_string_append_printf (out, "%u:%u", first, g_array_index (uids, guint32, j));
      else
        g_string_append_printf (out, "%u", first);
      i = j + 1;
    }
  return g_string_free (out, FALSE);
}
