/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "tern-compose"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>

#include "tern-compose-private.h"
#include "tern-mime.h"

/* mailto: links (RFC 6068). */

/* mailto: */

void
tern_mailto_free (TernMailto *mailto)
{
  if (mailto == NULL)
    return;
  g_free (mailto->to);
  g_free (mailto->cc);
  g_free (mailto->bcc);
  g_free (mailto->subject);
  g_free (mailto->body);
  g_free (mailto->in_reply_to);
  g_free (mailto);
}

/* %XX decoded (a "%" not followed by two hex digits stays as it is; "+" is a plus sign in
 * mailto:, RFC 6068 section 5), made valid UTF-8. */
static char *
percent_decode (const char *text,
                gssize      length)
{
  GString *out = g_string_new (NULL);
  const char *end = text + (length < 0 ? (gssize) strlen (text) : length);
  char *valid;

  for (const char *p = text; p < end; p++)
    {
      if (*p == '%' && end - p >= 3 && g_ascii_isxdigit (p[1]) && g_ascii_isxdigit (p[2]))
        {
          g_string_append_c (out, (char) (g_ascii_xdigit_value (p[1]) * 16 + g_ascii_xdigit_value (p[2])));
          p += 2;
        }
      else
        g_string_append_c (out, *p);
    }
  valid = g_utf8_make_valid (out->str, (gssize) out->len);
  g_string_free (out, TRUE);
  return valid;
}

/* A header field from a link: no line breaks (they would start another header), no other
 * control characters. */
static char *
one_line (char *text)
{
  for (char *p = text; *p != '\0'; p++)
    if ((guchar) *p < 0x20 || *p == 0x7f)
      *p = ' ';
  return g_strstrip (text);
}

static void
append_list (char       **slot,
             const char  *addresses)
{
  char *joined;

  if (*addresses == '\0')
    return;
  if (*slot == NULL)
    {
      *slot = g_strdup (addresses);
      return;
    }
  joined = g_strdup_printf ("%s, %s", *slot, addresses);
  g_free (*slot);
  *slot = joined;
}

TernMailto *
tern_compose_parse_mailto (const char  *uri,
                           GError     **error)
{
  g_autoptr(TernMailto) mailto = NULL;
  const char *rest, *query;

  if (uri == NULL || g_ascii_strncasecmp (uri, "mailto:", 7) != 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "Not a mailto: link: %s",
                   uri ? uri : "");
      return NULL;
    }
  mailto = g_new0 (TernMailto, 1);
  rest = uri + 7;
  query = strchr (rest, '?');

  {
    g_autofree char *to = percent_decode (rest, query ? query - rest : -1);

    append_list (&mailto->to, one_line (to));
  }

  if (query != NULL)
    {
      g_auto(GStrv) fields = g_strsplit (query + 1, "&", -1);

      for (guint i = 0; fields[i] != NULL; i++)
        {
          const char *eq = strchr (fields[i], '=');
          g_autofree char *name = NULL;
          g_autofree char *value = NULL;

          if (eq == NULL)
            continue;
          name = percent_decode (fields[i], eq - fields[i]);
          value = percent_decode (eq + 1, -1);
          if (g_ascii_strcasecmp (name, "body") == 0)
            {
              /* Line breaks are %0D%0A in a link; the composer wants LF. */
              GString *text = g_string_new (NULL);

              for (const char *p = value; *p != '\0'; p++)
                if (*p == '\r')
                  {
                    g_string_append_c (text, '\n');
                    if (p[1] == '\n')
                      p++;
                  }
                else
                  g_string_append_c (text, *p);
              g_free (mailto->body);
              mailto->body = g_string_free (text, FALSE);
            }
          else if (g_ascii_strcasecmp (name, "to") == 0)
            append_list (&mailto->to, one_line (value));
          else if (g_ascii_strcasecmp (name, "cc") == 0)
            append_list (&mailto->cc, one_line (value));
          else if (g_ascii_strcasecmp (name, "bcc") == 0)
            append_list (&mailto->bcc, one_line (value));
          else if (g_ascii_strcasecmp (name, "subject") == 0)
            {
              g_free (mailto->subject);
              mailto->subject = g_strdup (one_line (value));
            }
          else if (g_ascii_strcasecmp (name, "in-reply-to") == 0)
            {
              g_free (mailto->in_reply_to);
              mailto->in_reply_to = g_strdup (one_line (value));
            }
        }
    }
  return g_steal_pointer (&mailto);
}
