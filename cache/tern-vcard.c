/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "tern-vcard"

#include "config.h"

#include <string.h>

#include "tern-vcard.h"

/* vCard reading and writing. A file is read in two passes: physical lines are joined into
 * logical ones (folding, quoted-printable soft breaks), then each logical line is split into
 * its name, parameters and value. Nothing here trusts the input: every index is checked, and
 * a file that is not what it claims gives an error and no cards rather than half of them. */

G_DEFINE_QUARK (tern-vcard-error-quark, tern_vcard_error)

void
tern_vcard_free (TernVCard *card)
{
  if (card == NULL)
    return;
  g_free (card->name);
  g_strfreev (card->emails);
  g_free (card);
}

typedef struct
{
  char  *text;
  guint  line;  /* the physical line it starts on, from 1 */
} Logical;

static void
logical_clear (gpointer data)
{
  g_free (((Logical *) data)->text);
}

/* Whether the name-and-parameters part of a line (up to its first ':') asks for
 * quoted-printable: "ENCODING=QUOTED-PRINTABLE", or a bare "QUOTED-PRINTABLE" (vCard 2.1). */
static gboolean
is_quoted_printable (const char *line)
{
  const char *colon = strchr (line, ':');
  g_autofree char *head = NULL;
  g_autofree char *upper = NULL;

  if (colon == NULL)
    return FALSE;
  head = g_strndup (line, colon - line);
  upper = g_ascii_strup (head, -1);
  return strstr (upper, "QUOTED-PRINTABLE") != NULL;
}

static GArray *
logical_lines (const char *data,
               gsize       length)
{
  GArray *lines = g_array_new (FALSE, TRUE, sizeof (Logical));
  GString *current = NULL;
  guint current_line = 0;
  gboolean soft_break = FALSE;
  gsize pos = 0;
  guint number = 0;

  g_array_set_clear_func (lines, logical_clear);
  while (pos < length)
    {
      const char *start = data + pos;
      const char *nl = memchr (start, '\n', length - pos);
      gsize len = nl ? (gsize) (nl - start) : length - pos;
      gsize next = pos + len + (nl ? 1 : 0);

      number++;
      if (len > 0 && start[len - 1] == '\r')
        len--;

      if (current != NULL && soft_break)
        {
          /* A quoted-printable line ending in '=' goes on in the next one as it is. */
          g_string_truncate (current, current->len - 1);
          g_string_append_len (current, start, len);
        }
      else if (current != NULL && len > 0 && (start[0] == ' ' || start[0] == '\t'))
        g_string_append_len (current, start + 1, len - 1);
      else
        {
          if (current != NULL)
            {
              Logical l = { g_string_free (current, FALSE), current_line };

              g_array_append_val (lines, l);
            }
          current = g_string_new_len (start, len);
          current_line = number;
        }
      soft_break = current->len > 0 && current->str[current->len - 1] == '=' &&
                   is_quoted_printable (current->str);
      pos = next;
    }
  if (current != NULL)
    {
      Logical l = { g_string_free (current, FALSE), current_line };

      g_array_append_val (lines, l);
    }
  return lines;
}

/* Splits "a;b;c" at separators outside double quotes. */
static GPtrArray *
split_outside_quotes (const char *text,
                      char        separator)
{
  GPtrArray *parts = g_ptr_array_new_with_free_func (g_free);
  gboolean quoted = FALSE;
  const char *start = text;

  for (const char *p = text;; p++)
    {
      if (*p == '"')
        quoted = !quoted;
      if (*p == '\0' || (*p == separator && !quoted))
        {
          g_ptr_array_add (parts, g_strndup (start, p - start));
          if (*p == '\0')
            break;
          start = p + 1;
        }
    }
  return parts;
}

/* Undoes the escapes of a text value; `separator` (';' or ',', or 0) splits it where it is not
 * escaped, each piece joined by `join`. */
static char *
unescape (const char *value,
          char        separator,
          const char *join)
{
  GString *out = g_string_new (NULL);

  for (const char *p = value; *p != '\0'; p++)
    {
      if (*p == '\\' && p[1] != '\0')
        {
          p++;
          if (*p == 'n' || *p == 'N')
            g_string_append_c (out, '\n');
          else
            g_string_append_c (out, *p);
        }
      else if (separator != 0 && *p == separator)
        g_string_append (out, join);
      else
        g_string_append_c (out, *p);
    }
  return g_string_free (out, FALSE);
}

static int
hex_value (char c)
{
  if (c >= '0' && c <= '9')
    return c - '0';
  c = g_ascii_toupper (c);
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

static char *
decode_quoted_printable (const char *value)
{
  GString *out = g_string_new (NULL);

  for (const char *p = value; *p != '\0'; p++)
    {
      int hi, lo;

      if (*p == '=' && (hi = hex_value (p[1])) >= 0 && (lo = hex_value (p[2])) >= 0)
        {
          g_string_append_c (out, (char) (hi * 16 + lo));
          p += 2;
        }
      else
        g_string_append_c (out, *p);
    }
  return g_string_free (out, FALSE);
}

typedef struct
{
  char      *fn;
  char      *n;
  GPtrArray *emails;
  guint      line;
} Card;

static void
card_clear (Card *card)
{
  g_clear_pointer (&card->fn, g_free);
  g_clear_pointer (&card->n, g_free);
  g_clear_pointer (&card->emails, g_ptr_array_unref);
}

/* A single line of text: runs of whitespace and control characters (newlines, form feeds,
 * backspaces) become one space, none at either end. */
static char *
one_line (const char *text)
{
  g_autoptr(GString) out = g_string_new (NULL);
  gboolean gap = FALSE;

  for (const char *p = text; *p != '\0'; p++)
    {
      if (*p == ' ' || g_ascii_iscntrl (*p))
        {
          gap = out->len > 0;
          continue;
        }
      if (gap)
        g_string_append_c (out, ' ');
      gap = FALSE;
      g_string_append_c (out, *p);
    }
  return g_string_free (g_steal_pointer (&out), FALSE);
}

/* "Family;Given;Additional;Prefix;Suffix" as a person writes it. */
static char *
name_from_n (const char *value)
{
  g_autoptr(GPtrArray) parts = g_ptr_array_new_with_free_func (g_free);
  static const int order[] = { 3, 1, 2, 0, 4 };
  g_autoptr(GString) out = g_string_new (NULL);
  const char *start = value;

  /* Split at unescaped ';' first, then undo the escapes of each part. */
  for (const char *p = value;; p++)
    {
      if (*p == '\\' && p[1] != '\0')
        {
          p++;
          continue;
        }
      if (*p == '\0' || *p == ';')
        {
          g_autofree char *piece = g_strndup (start, p - start);

          g_ptr_array_add (parts, unescape (piece, ',', " "));
          if (*p == '\0')
            break;
          start = p + 1;
        }
    }
  for (guint i = 0; i < G_N_ELEMENTS (order); i++)
    if ((guint) order[i] < parts->len)
      {
        g_autofree char *piece = one_line (parts->pdata[order[i]]);

        if (*piece != '\0')
          g_string_append_printf (out, "%s%s", out->len ? " " : "", piece);
      }
  return out->len > 0 ? g_string_free (g_steal_pointer (&out), FALSE) : NULL;
}

static gboolean
plausible_address (const char *address)
{
  const char *at = strchr (address, '@');

  for (const char *p = address; *p != '\0'; p++)
    if (g_ascii_iscntrl (*p))
      return FALSE;
  return at != NULL && at != address && at[1] != '\0' && strchr (at + 1, '@') == NULL &&
         strpbrk (address, " \"<>,;:()[]\\") == NULL;
}

/* The value of a property line as UTF-8: quoted-printable and CHARSET undone. */
static char *
property_value (GPtrArray   *params,
                const char  *raw,
                guint        line,
                GError     **error)
{
  g_autofree char *decoded = NULL;
  const char *charset = NULL;
  gboolean qp = FALSE;

  for (guint i = 0; i < params->len; i++)
    {
      const char *param = params->pdata[i];

      if (g_ascii_strcasecmp (param, "QUOTED-PRINTABLE") == 0 ||
          g_ascii_strcasecmp (param, "ENCODING=QUOTED-PRINTABLE") == 0)
        qp = TRUE;
      else if (g_ascii_strncasecmp (param, "CHARSET=", 8) == 0)
        charset = param + 8;
    }
  decoded = qp ? decode_quoted_printable (raw) : g_strdup (raw);
  if (charset != NULL && g_ascii_strcasecmp (charset, "UTF-8") != 0)
    {
      g_autoptr(GError) local = NULL;
      char *converted = g_convert (decoded, -1, "UTF-8", charset, NULL, NULL, &local);

      if (converted == NULL)
        {
          /* The set's name is the file's bytes, and GLib's message may quote them: the
           * error is UTF-8 whatever they are. */
          g_autofree char *name = g_utf8_make_valid (charset, -1);
          g_autofree char *why = g_utf8_make_valid (local->message, -1);

          g_set_error (error, TERN_VCARD_ERROR, TERN_VCARD_ERROR_INVALID,
                       "Line %u is not in its character set %s: %s", line, name, why);
          return NULL;
        }
      g_free (decoded);
      decoded = converted;
    }
  if (!g_utf8_validate (decoded, -1, NULL))
    {
      g_set_error (error, TERN_VCARD_ERROR, TERN_VCARD_ERROR_INVALID, "Line %u is not UTF-8 text", line);
      return NULL;
    }
  return g_steal_pointer (&decoded);
}

GPtrArray *
tern_vcard_parse (const char  *data,
                  gsize        length,
                  guint       *skipped_out,
                  GError     **error)
{
  g_autoptr(GPtrArray) cards = g_ptr_array_new_with_free_func ((GDestroyNotify) tern_vcard_free);
  g_autoptr(GArray) lines = NULL;
  Card card = { 0 };
  gboolean in_card = FALSE;
  guint skipped = 0;
  guint found = 0;

  g_return_val_if_fail (data != NULL || length == 0, NULL);

  if (skipped_out != NULL)
    *skipped_out = 0;
  /* A NUL is never part of a vCard: stop there rather than read past it. */
  if (data != NULL && memchr (data, '\0', length) != NULL)
    {
      g_set_error_literal (error, TERN_VCARD_ERROR, TERN_VCARD_ERROR_INVALID,
                           "This is not a vCard file (it holds binary data)");
      return NULL;
    }
  /* A byte order mark some writers put first. */
  if (length >= 3 && memcmp (data, "\xef\xbb\xbf", 3) == 0)
    {
      data += 3;
      length -= 3;
    }
  lines = logical_lines (data ? data : "", length);

  for (guint i = 0; i < lines->len; i++)
    {
      const Logical *l = &g_array_index (lines, Logical, i);
      g_autoptr(GPtrArray) head = NULL;
      g_autofree char *name = NULL;
      const char *colon;
      const char *dot;
      gboolean quoted = FALSE;

      if (*g_strstrip (l->text) == '\0')
        continue;
      /* The first ':' outside a quoted parameter value ends the name and parameters. */
      for (colon = l->text; *colon != '\0'; colon++)
        {
          if (*colon == '"')
            quoted = !quoted;
          else if (*colon == ':' && !quoted)
            break;
        }
      if (*colon != ':')
        {
          if (in_card)
            {
              g_set_error (error, TERN_VCARD_ERROR, TERN_VCARD_ERROR_INVALID,
                           "Line %u is not a vCard property (it has no \":\")", l->line);
              card_clear (&card);
              return NULL;
            }
          continue;
        }
      {
        g_autofree char *before = g_strndup (l->text, colon - l->text);

        head = split_outside_quotes (before, ';');
      }
      /* "item1.EMAIL": the group does not matter here. */
      dot = strrchr (head->pdata[0], '.');
      name = g_ascii_strup (dot ? dot + 1 : head->pdata[0], -1);
      g_free (g_ptr_array_steal_index (head, 0));

      if (g_str_equal (name, "BEGIN") && g_ascii_strcasecmp (g_strstrip ((char *) colon + 1), "VCARD") == 0)
        {
          if (in_card)
            {
              g_set_error (error, TERN_VCARD_ERROR, TERN_VCARD_ERROR_INVALID,
                           "The card that starts on line %u has no END before line %u",
                           card.line, l->line);
              card_clear (&card);
              return NULL;
            }
          in_card = TRUE;
          card.line = l->line;
          card.emails = g_ptr_array_new_with_free_func (g_free);
          found++;
          continue;
        }
      if (!in_card)
        continue;
      if (g_str_equal (name, "END"))
        {
          if (card.emails->len == 0)
            skipped++;
          else
            {
              TernVCard *out = g_new0 (TernVCard, 1);

              if (card.fn != NULL && *card.fn != '\0')
                out->name = g_steal_pointer (&card.fn);
              else
                out->name = g_steal_pointer (&card.n);
              g_ptr_array_add (card.emails, NULL);
              out->emails = (GStrv) g_ptr_array_free (g_steal_pointer (&card.emails), FALSE);
              g_ptr_array_add (cards, out);
            }
          card_clear (&card);
          in_card = FALSE;
          continue;
        }
      if (g_str_equal (name, "FN") || g_str_equal (name, "N") || g_str_equal (name, "EMAIL"))
        {
          g_autofree char *value = property_value (head, colon + 1, l->line, error);

          if (value == NULL)
            {
              card_clear (&card);
              return NULL;
            }
          if (g_str_equal (name, "FN") && card.fn == NULL)
            {
              g_autofree char *text = unescape (value, 0, NULL);

              card.fn = one_line (text);
            }
          else if (g_str_equal (name, "N") && card.n == NULL)
            card.n = name_from_n (value);
          else if (g_str_equal (name, "EMAIL"))
            {
              g_autofree char *text = unescape (value, 0, NULL);
              char *address = g_strstrip (text);

              /* vCard 4.0 allows a URI; some writers put "mailto:" in front. */
              if (g_ascii_strncasecmp (address, "mailto:", 7) == 0)
                address += 7;
              if (plausible_address (address))
                g_ptr_array_add (card.emails, g_strdup (address));
            }
        }
    }
  if (in_card)
    {
      g_set_error (error, TERN_VCARD_ERROR, TERN_VCARD_ERROR_INVALID,
                   "The card that starts on line %u has no END (the file is cut short)", card.line);
      card_clear (&card);
      return NULL;
    }
  if (found == 0)
    {
      g_set_error_literal (error, TERN_VCARD_ERROR, TERN_VCARD_ERROR_INVALID,
                           "This is not a vCard file (it has no BEGIN:VCARD)");
      return NULL;
    }
  if (skipped_out != NULL)
    *skipped_out = skipped;
  return g_steal_pointer (&cards);
}

/* Writing. */

static void
append_escaped (GString    *out,
                const char *text)
{
  for (const char *p = text; *p != '\0'; p++)
    {
      if (*p == '\\' || *p == ',' || *p == ';')
        g_string_append_c (out, '\\');
      if (*p == '\n')
        g_string_append (out, "\\n");
      else if (*p != '\r')
        g_string_append_c (out, *p);
    }
}

/* Appends one content line folded at 75 octets, never inside a UTF-8 character. */
static void
append_folded (GString    *out,
               const char *line)
{
  gsize len = strlen (line);
  gsize pos = 0;
  gsize room = 75;

  while (len - pos > room)
    {
      gsize cut = pos + room;

      while (cut > pos && ((guchar) line[cut] & 0xc0) == 0x80)
        cut--;
      g_string_append_len (out, line + pos, cut - pos);
      g_string_append (out, "\r\n ");
      pos = cut;
      room = 74;
    }
  g_string_append (out, line + pos);
  g_string_append (out, "\r\n");
}

char *
tern_vcard_write (const char         *name,
                  const char * const *emails)
{
  g_autoptr(GString) out = g_string_new ("BEGIN:VCARD\r\nVERSION:4.0\r\n");
  g_autoptr(GString) line = g_string_new ("FN:");

  g_return_val_if_fail (emails != NULL && emails[0] != NULL, NULL);

  append_escaped (line, name != NULL && *name != '\0' ? name : emails[0]);
  append_folded (out, line->str);
  for (guint i = 0; emails[i] != NULL; i++)
    {
      g_string_assign (line, "EMAIL:");
      append_escaped (line, emails[i]);
      append_folded (out, line->str);
    }
  g_string_append (out, "END:VCARD\r\n");
  return g_string_free (g_steal_pointer (&out), FALSE);
}
