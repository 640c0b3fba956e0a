/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "tern-compose"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>

#include "tern-compose-private.h"
#include "tern-mime.h"

/* format=flowed (RFC 3676): what the composer sends and how a flowed text reads again. */

#define FLOW_WIDTH 78

/* format=flowed. */

static guint
quote_depth (const char  *line,
             const char **rest)
{
  guint depth = 0;

  while (line[depth] == '>')
    depth++;
  *rest = line + depth;
  return depth;
}

static void
append_flowed_line (GString    *out,
                    guint       depth,
                    const char *content,
                    gboolean    soft)
{
  for (guint i = 0; i < depth; i++)
    g_string_append_c (out, '>');
  /* Space-stuffing (RFC 3676 4.4): after quote marks always (it reads better and keeps a
   * line starting with ">" in the text from deepening the quote); otherwise when the line
   * starts with a space or "From ". */
  if (depth > 0 || content[0] == ' ' || g_str_has_prefix (content, "From "))
    g_string_append_c (out, ' ');
  g_string_append (out, content);
  if (soft && !g_str_has_suffix (content, " "))
    g_string_append_c (out, ' ');
  g_string_append_c (out, '\n');
}

char *
tern_compose_flow_text (const char *text)
{
  g_auto(GStrv) lines = NULL;
  GString *out = g_string_new (NULL);
  g_autofree char *normalized = NULL;

  if (text == NULL)
    return g_string_free (out, FALSE);

  normalized = g_strdup (text);
  /* CRLF and lone CR become LF. */
  {
    char *w = normalized;

    for (const char *r = normalized; *r != '\0'; r++)
      {
        if (*r == '\r')
          {
            *w++ = '\n';
            if (r[1] == '\n')
              r++;
          }
        else
          *w++ = *r;
      }
    *w = '\0';
  }

  lines = g_strsplit (normalized, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      const char *rest;
      guint depth;
      g_autofree char *content = NULL;
      gsize prefix;
      const char *p;

      /* The last element after a final newline is empty: no extra line for it. */
      if (lines[i + 1] == NULL && *lines[i] == '\0')
        break;
      if (g_str_equal (lines[i], "-- "))
        {
          g_string_append (out, "-- \n");
          continue;
        }

      depth = quote_depth (lines[i], &rest);
      if (depth > 0 && *rest == ' ')
        rest++;
      /* Trailing spaces would turn a hard break into a soft one. */
      content = g_strdup (rest);
      g_strchomp (content);
      prefix = depth + (depth > 0 ? 1 : 0);

      /* Greedy wrap at spaces, the space staying at the end of the line (DelSp=no). */
      p = content;
      while (g_utf8_strlen (p, -1) + prefix > FLOW_WIDTH)
        {
          const char *best = NULL;
          const char *first = NULL;
          const char *cut;
          gsize column = prefix;

          /* The last space that still fits (it ends the line), else the first one. */
          for (const char *q = p; *q != '\0'; q = g_utf8_next_char (q))
            {
              column++;
              if (*q != ' ' || q == p)
                continue;
              if (first == NULL)
                first = q;
              if (column > FLOW_WIDTH)
                break;
              best = q;
            }
          cut = best ? best : first;
          if (cut == NULL)
            break; /* one long word: it stays whole */
          {
            g_autofree char *piece = g_strndup (p, cut - p + 1);

            append_flowed_line (out, depth, piece, TRUE);
          }
          p = cut + 1;
        }
      append_flowed_line (out, depth, p, FALSE);
    }
  return g_string_free (out, FALSE);
}

char *
tern_compose_unflow_text (const char *flowed,
                          gboolean    delsp)
{
  g_auto(GStrv) lines = NULL;
  GString *out = g_string_new (NULL);
  GString *paragraph = NULL;
  guint paragraph_depth = 0;

  if (flowed == NULL)
    return g_string_free (out, FALSE);

  lines = g_strsplit (flowed, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      char *line = lines[i];
      const char *rest;
      guint depth;
      gsize length = strlen (line);
      gboolean soft;

      if (length > 0 && line[length - 1] == '\r')
        line[--length] = '\0';
      if (lines[i + 1] == NULL && length == 0)
        break;

      depth = quote_depth (line, &rest);
      if (*rest == ' ')
        rest++;   /* stuffing */
      soft = g_str_has_suffix (rest, " ") && !g_str_equal (rest, "-- ");

      /* A soft break followed by a line of another depth ends the paragraph anyway. */
      if (paragraph != NULL && depth != paragraph_depth)
        {
          g_string_append_len (out, paragraph->str, paragraph->len);
          g_string_append_c (out, '\n');
          g_string_free (paragraph, TRUE);
          paragraph = NULL;
        }
      if (paragraph == NULL)
        {
          paragraph = g_string_new (NULL);
          paragraph_depth = depth;
          for (guint d = 0; d < depth; d++)
            g_string_append_c (paragraph, '>');
          if (depth > 0)
            g_string_append_c (paragraph, ' ');
        }
      g_string_append (paragraph, rest);
      if (soft && delsp)
        g_string_truncate (paragraph, paragraph->len - 1);
      if (!soft)
        {
          g_string_append_len (out, paragraph->str, paragraph->len);
          g_string_append_c (out, '\n');
          g_string_free (paragraph, TRUE);
          paragraph = NULL;
        }
    }
  if (paragraph != NULL)
    {
      g_string_append_len (out, paragraph->str, paragraph->len);
      g_string_append_c (out, '\n');
      g_string_free (paragraph, TRUE);
    }
  return g_string_free (out, FALSE);
}
