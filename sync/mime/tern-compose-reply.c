/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "tern-compose"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>

#include "tern-compose-private.h"
#include "tern-mime.h"

/* Replies and forwards: subjects, quoting, recipients; and checking what the user typed. */

/* Helpers for replies and forwards. */

static gboolean
has_prefix_word (const char *subject,
                 const char *const *prefixes)
{
  while (subject != NULL && g_ascii_isspace (*subject))
    subject++;
  for (guint i = 0; subject != NULL && prefixes[i] != NULL; i++)
    if (g_ascii_strncasecmp (subject, prefixes[i], strlen (prefixes[i])) == 0)
      return TRUE;
  return FALSE;
}

char *
tern_compose_reply_subject (const char *subject)
{
  static const char *const prefixes[] = { "re:", NULL };

  if (has_prefix_word (subject, prefixes))
    return g_strstrip (g_strdup (subject));
  return g_strdup_printf ("Re: %s", subject ? subject : "");
}

char *
tern_compose_forward_subject (const char *subject)
{
  static const char *const prefixes[] = { "fwd:", "fw:", NULL };

  if (has_prefix_word (subject, prefixes))
    return g_strstrip (g_strdup (subject));
  return g_strdup_printf ("Fwd: %s", subject ? subject : "");
}

char *
tern_compose_quote (const TernMessage *original,
                    const char        *text)
{
  GString *out = g_string_new (NULL);
  g_auto(GStrv) lines = NULL;
  const char *who;

  g_return_val_if_fail (original != NULL, NULL);

  who = original->from_name && *original->from_name ? original->from_name
        : original->from_addr ? original->from_addr : "someone";
  if (original->date != 0)
    {
      g_autoptr(GDateTime) dt = g_date_time_new_from_unix_local (original->date);
      g_autofree char *when = g_date_time_format (dt, "%a, %-d %b %Y at %H:%M");

      g_string_append_printf (out, "On %s, %s wrote:\n", when, who);
    }
  else
    g_string_append_printf (out, "%s wrote:\n", who);

  lines = g_strsplit (text ? text : "", "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      char *line = lines[i];
      gsize length = strlen (line);

      if (lines[i + 1] == NULL && length == 0)
        break;
      if (length > 0 && line[length - 1] == '\r')
        line[length - 1] = '\0';
      if (line[0] == '>')
        g_string_append_printf (out, ">%s\n", line);
      else if (line[0] == '\0')
        g_string_append (out, ">\n");
      else
        g_string_append_printf (out, "> %s\n", line);
    }
  return g_string_free (out, FALSE);
}

typedef struct
{
  GPtrArray  *addresses;   /* of InternetAddress, owned */
  GHashTable *seen;        /* lowercase address */
} Recipients;

static gboolean
is_mine (const char          *addr,
         const char * const  *mine)
{
  for (guint i = 0; mine != NULL && mine[i] != NULL; i++)
    if (g_ascii_strcasecmp (addr, mine[i]) == 0)
      return TRUE;
  return FALSE;
}

static void
add_recipients (Recipients          *r,
                InternetAddressList *list,
                const char * const  *mine,
                gboolean             skip_mine)
{
  for (int i = 0; list != NULL && i < internet_address_list_length (list); i++)
    {
      InternetAddress *a = internet_address_list_get_address (list, i);
      const char *addr;
      char *key;

      if (INTERNET_ADDRESS_IS_GROUP (a))
        {
          add_recipients (r, internet_address_group_get_members (INTERNET_ADDRESS_GROUP (a)),
                          mine, skip_mine);
          continue;
        }
      addr = internet_address_mailbox_get_addr (INTERNET_ADDRESS_MAILBOX (a));
      if (addr == NULL || *addr == '\0' || (skip_mine && is_mine (addr, mine)))
        continue;
      key = g_ascii_strdown (addr, -1);
      if (g_hash_table_contains (r->seen, key))
        {
          g_free (key);
          continue;
        }
      g_hash_table_add (r->seen, key);
      g_ptr_array_add (r->addresses, g_object_ref (a));
    }
}

static char *
recipients_string (GPtrArray *addresses)
{
  g_autoptr(InternetAddressList) list = internet_address_list_new ();

  if (addresses->len == 0)
    return NULL;
  for (guint i = 0; i < addresses->len; i++)
    internet_address_list_add (list, addresses->pdata[i]);
  return internet_address_list_to_string (list, NULL, FALSE);
}

void
tern_compose_reply_recipients (const TernMessage   *original,
                               const char * const  *my_addresses,
                               gboolean             reply_all,
                               char               **to_out,
                               char               **cc_out)
{
  g_autoptr(InternetAddressList) reply_to = NULL;
  g_autoptr(InternetAddressList) from = NULL;
  g_autoptr(InternetAddressList) to = NULL;
  g_autoptr(InternetAddressList) cc = NULL;
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GPtrArray) to_list = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GPtrArray) cc_list = g_ptr_array_new_with_free_func (g_object_unref);
  Recipients r_to = { to_list, seen };
  Recipients r_cc = { cc_list, seen };
  gboolean from_me;

  g_return_if_fail (original != NULL && to_out != NULL && cc_out != NULL);

  g_mime_init ();
  reply_to = _tern_address_list_parse (original->reply_to);
  if (original->from_addr != NULL)
    {
      g_autoptr(InternetAddress) a = internet_address_mailbox_new (original->from_name,
                                                                   original->from_addr);

      from = internet_address_list_new ();
      internet_address_list_add (from, a);
    }
  to = _tern_address_list_parse (original->to_list);
  cc = _tern_address_list_parse (original->cc_list);
  from_me = original->from_addr != NULL && is_mine (original->from_addr, my_addresses);

  if (from_me)
    {
      /* A reply to one's own message continues the conversation with its recipients. */
      add_recipients (&r_to, to, my_addresses, FALSE);
      if (reply_all)
        add_recipients (&r_cc, cc, my_addresses, TRUE);
    }
  else
    {
      add_recipients (&r_to, reply_to != NULL ? reply_to : from, my_addresses, TRUE);
      if (to_list->len == 0)
        add_recipients (&r_to, from, my_addresses, FALSE);
      if (reply_all)
        {
          add_recipients (&r_cc, to, my_addresses, TRUE);
          add_recipients (&r_cc, cc, my_addresses, TRUE);
        }
    }

  *to_out = recipients_string (to_list);
  *cc_out = recipients_string (cc_list);
}

/* Checking what the user typed. */

static gboolean
is_address (const char *addr)
{
  const char *at = addr ? strrchr (addr, '@') : NULL;

  if (at == NULL || at == addr || at[1] == '\0' || at[1] == '.')
    return FALSE;
  for (const char *p = addr; *p != '\0'; p++)
    if (g_ascii_isspace (*p) || *p == ',' || *p == '<' || *p == '>' || *p == '"' ||
        *p == '(' || *p == ')' || *p == ';' || *p == '\\' || (*p == '@' && p != at))
      return FALSE;
  return TRUE;
}

static gboolean
check_list (InternetAddressList  *list,
            guint                *count,
            char                **invalid_out)
{
  for (int i = 0; list != NULL && i < internet_address_list_length (list); i++)
    {
      InternetAddress *a = internet_address_list_get_address (list, i);

      if (INTERNET_ADDRESS_IS_GROUP (a))
        {
          if (!check_list (internet_address_group_get_members (INTERNET_ADDRESS_GROUP (a)), count,
                           invalid_out))
            return FALSE;
          continue;
        }
      if (!is_address (internet_address_mailbox_get_addr (INTERNET_ADDRESS_MAILBOX (a))))
        {
          if (invalid_out != NULL)
            *invalid_out = internet_address_to_string (a, NULL, FALSE);
          return FALSE;
        }
      (*count)++;
    }
  return TRUE;
}

/* Where a comment or a quoted string opens that does not close, or NULL; *closing_out (if
 * not NULL) gets what would close them. Such a list is never valid, and GMime 3.2.13 leaks in
 * internet_address_list_parse() on an unclosed comment (jstedfast/gmime issue 159), so
 * Tern's parses of address lists go through _tern_address_list_parse(). */
static const char *
unclosed (const char  *text,
          char       **closing_out)
{
  const char *open = NULL;
  guint depth = 0;
  gboolean quoted = FALSE;
  gboolean escaped = FALSE;

  for (const char *p = text; *p != '\0'; p++)
    {
      if (escaped)
        escaped = FALSE;
      else if (*p == '\\' && (quoted || depth > 0))
        escaped = TRUE;
      else if (quoted)
        quoted = *p != '"';
      else if (*p == '"' && depth == 0)
        {
          quoted = TRUE;
          open = p;
        }
      else if (*p == '(')
        {
          if (depth++ == 0)
            open = p;
        }
      else if (*p == ')' && depth > 0)
        depth--;
    }
  if (closing_out != NULL)
    {
      /* A trailing backslash would escape what closes: a space goes first. */
      GString *closing = g_string_new (escaped ? " " : "");

      if (quoted)
        g_string_append_c (closing, '"');
      for (guint i = 0; i < depth; i++)
        g_string_append_c (closing, ')');
      *closing_out = g_string_free (closing, FALSE);
    }
  return quoted || depth > 0 ? open : NULL;
}

/* How many parentheses stay open when quotes are not read as quotes, counted with and without
 * backslash escapes (the larger). */
static guint
open_parens (const char *text)
{
  guint plain = 0, escaped = 0;
  gboolean escape = FALSE;

  for (const char *p = text; *p != '\0'; p++)
    {
      if (*p == '(')
        plain++;
      else if (*p == ')' && plain > 0)
        plain--;
      if (escape)
        escape = FALSE;
      else if (*p == '\\')
        escape = TRUE;
      else if (*p == '(')
        escaped++;
      else if (*p == ')' && escaped > 0)
        escaped--;
    }
  return MAX (plain, escaped);
}

InternetAddressList *
_tern_address_list_parse (const char *text)
{
  g_autofree char *plain = NULL;
  g_autofree char *closing = NULL;
  g_autofree char *closed = NULL;

  if (text == NULL || *text == '\0')
    return NULL;
  g_mime_init ();
  if (unclosed (text, NULL) == NULL)
    {
      guint open = open_parens (text);
      GString *ended;

      if (open == 0)
        return internet_address_list_parse (NULL, text);
      /* Closed as this scan reads it, but not if a quote is not taken for one (fuzz-parsers:
       * `\U"…(((((…"`): parentheses added at the end keep any comment from staying open
       * in GMime's reading; after the last address they are nothing. */
      ended = g_string_new (text);
      g_string_append_c (ended, ' ');
      for (guint i = 0; i < open; i++)
        g_string_append_c (ended, ')');
      closed = g_string_free (ended, FALSE);
      return internet_address_list_parse (NULL, closed);
    }

  /* A header from a server, a draft or a link whose comments or quotes do not close: its
   * quotes and backslashes are read as spaces, so that GMime cannot see a comment start where
   * this scan sees a quoted string (fuzz-parsers), and the comments left open are closed at
   * the end, as a reader would: the addresses in it still count. A list whose quotes and
   * comments all close ("Smith :-(" <s@example.org>) is GMime's as it is. */
  plain = g_strdup (text);
  for (char *p = plain; *p != '\0'; p++)
    if (*p == '"' || *p == '\\')
      *p = ' ';
  unclosed (plain, &closing);
  closed = g_strconcat (plain, closing, NULL);
  return internet_address_list_parse (NULL, closed);
}

gboolean
tern_compose_check_addresses (const char  *text,
                              guint       *count_out,
                              char       **invalid_out)
{
  g_autoptr(InternetAddressList) list = NULL;
  g_autofree char *trimmed = g_strstrip (g_strdup (text ? text : ""));
  guint count = 0;

  if (count_out != NULL)
    *count_out = 0;
  if (invalid_out != NULL)
    *invalid_out = NULL;
  /* "a@b.org, " while typing: the empty entries do not count. */
  while (*trimmed != '\0' && (trimmed[strlen (trimmed) - 1] == ',' ||
                              trimmed[strlen (trimmed) - 1] == ';'))
    {
      trimmed[strlen (trimmed) - 1] = '\0';
      g_strchomp (trimmed);
    }
  if (*trimmed == '\0')
    return TRUE;

  if (unclosed (trimmed, NULL) != NULL)
    {
      if (invalid_out != NULL)
        *invalid_out = g_strdup (unclosed (trimmed, NULL));
      return FALSE;
    }
  list = _tern_address_list_parse (trimmed);
  if (list == NULL || internet_address_list_length (list) == 0)
    {
      if (invalid_out != NULL)
        *invalid_out = g_steal_pointer (&trimmed);
      return FALSE;
    }
  if (!check_list (list, &count, invalid_out))
    return FALSE;
  if (count_out != NULL)
    *count_out = count;
  return TRUE;
}


/* "It is attached" without an attachment. */

gboolean
tern_compose_mentions_attachment (const char *text)
{
  /* Matched at the start of a word, case-insensitively. */
  static const char *const stems[] = {
    "attach",                                   /* attach, attached, attachment */
    "enclosed", "enclosing", "enclosure",
    "anhang", "angehängt", "anbei",             /* German */
    "pièce jointe", "pièces jointes", "ci-joint", "joint à", /* French */
    "adjunt",                                   /* Spanish: adjunto, adjunta, adjuntamos */
    "allegato", "allegati", "allegata",         /* Italian */
    "bijlage", "bijgevoegd",                    /* Dutch */
    "anexo", "anexado",                         /* Portuguese */
    "bifoga", "vedlagt", "vedhæft", "liite",    /* Swedish, Norwegian, Danish, Finnish */
    "załącz",                                   /* Polish */
    NULL
  };
  g_auto(GStrv) lines = NULL;

  if (text == NULL)
    return FALSE;
  lines = g_strsplit (text, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      const char *line = lines[i];
      g_autofree char *folded = NULL;

      while (*line == ' ' || *line == '\t')
        line++;
      if (*line == '>')
        continue;
      folded = g_utf8_casefold (line, -1);
      for (guint s = 0; stems[s] != NULL; s++)
        {
          g_autofree char *stem = g_utf8_casefold (stems[s], -1);
          const char *hit = folded;

          while ((hit = strstr (hit, stem)) != NULL)
            {
              if (hit == folded || !g_unichar_isalnum (g_utf8_get_char (g_utf8_prev_char (hit))))
                return TRUE;
              hit++;
            }
        }
    }
  return FALSE;
}
