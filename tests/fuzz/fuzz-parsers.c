/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "fuzz-parsers"

#include "config.h"

#include <string.h>

#include "tern-compose.h"
#include "tern-fuzz-internal.h"
#include "tern-fuzz.h"

/*
 * Tern's own small parsers, each fed the text the network or another program hands it:
 * modified UTF-7 folder names, dates (header dates and INTERNALDATE fields), Message-ID /
 * In-Reply-To / References lists, address lists (typed, stored, and completed from the
 * cache), mailto: links, IMAP quoting, flag lists, format=flowed text.
 *
 * The first byte picks the parser; the rest is its input (fields split at newlines where a
 * parser takes several). Beyond not crashing, each checks what its header promises.
 */

enum
{
  PARSER_UTF7,
  PARSER_DATE,
  PARSER_DATE_TIME,
  PARSER_REFERENCES,
  PARSER_ADDRESSES,
  PARSER_MAILTO,
  PARSER_QUOTE,
  PARSER_FLAGS,
  PARSER_FLOWED,
  N_PARSERS
};

static TernFuzzStore *fs;

int LLVMFuzzerInitialize (int    *argc,
                          char ***argv);
int LLVMFuzzerTestOneInput (const guint8 *data,
                            gsize         size);

int
LLVMFuzzerInitialize (int    *argc,
                      char ***argv)
{
  tern_fuzz_init ();
  fs = tern_fuzz_store_new (143);
  return 0;
}

static void
check_utf7 (const char *text)
{
  g_autofree char *decoded = _tern_utf7_decode (text);
  g_autofree char *encoded = NULL;
  g_autofree char *again = NULL;

  /* A name from LIST becomes UTF-8 for display; any UTF-8 name the user types must come
   * back unchanged from the server's spelling of it. */
  tern_fuzz_check (decoded == NULL || g_utf8_validate (decoded, -1, NULL), "%s", text);
  if (!g_utf8_validate (text, -1, NULL))
    return;
  encoded = _tern_utf7_encode (text);
  tern_fuzz_check (encoded != NULL, "encode failed for valid UTF-8");
  for (const char *p = encoded; *p != '\0'; p++)
    tern_fuzz_check ((guchar) *p >= 0x20 && (guchar) *p < 0x7f, "not 7-bit: %s", encoded);
  again = _tern_utf7_decode (encoded);
  tern_fuzz_check (g_strcmp0 (again, text) == 0, "round trip: \"%s\" -> \"%s\" -> \"%s\"",
                   text, encoded, again ? again : "(null)");
}

static void
check_date (const char *text)
{
  gint64 fast = 0;
  gint64 parsed = _tern_parse_date (text);

  if (_tern_parse_date_fast (text, &fast))
    tern_fuzz_check (fast == parsed, "fast %" G_GINT64_FORMAT " != %" G_GINT64_FORMAT " for %s",
                     fast, parsed, text);
}

static void
check_date_time (const guint8 *data,
                 gsize         size)
{
  guint8 b[12] = { 0 };
  struct mailimap_date_time *dt;
  int zone;

  /* INTERNALDATE fields as libetpan hands them over: any int a server's digits make. */
  memcpy (b, data, MIN (size, sizeof b));
  zone = (gint16) (b[9] | b[10] << 8);
  dt = mailimap_date_time_new (b[0], b[1], (gint16) (b[2] | b[3] << 8), b[4], b[5], b[6],
                               zone * (b[11] & 1 ? 1 : 100));
  _tern_date_time_to_unix (dt);
  mailimap_date_time_free (dt);
}

static void
check_references (const char *text)
{
  g_auto(GStrv) fields = g_strsplit (text, "\n", 3);
  const char *message_id = fields[0];
  const char *in_reply_to = message_id ? fields[1] : NULL;
  const char *references = in_reply_to ? fields[2] : NULL;
  gboolean has_own = FALSE;
  g_autoptr(GPtrArray) ids = _tern_threads_collect_ids (message_id, in_reply_to, references,
                                                        &has_own);

  tern_fuzz_check (!has_own || ids->len > 0, "has_own with no ids");
  for (guint i = 0; i < ids->len; i++)
    {
      tern_fuzz_check (*(const char *) ids->pdata[i] != '\0', "empty id");
      for (guint j = 0; j < i; j++)
        tern_fuzz_check (strcmp (ids->pdata[i], ids->pdata[j]) != 0, "%s twice",
                         (char *) ids->pdata[i]);
    }
}

static void
check_addresses (const char *text)
{
  g_auto(GStrv) fields = g_strsplit (text, "\n", 2);
  const char *list = fields[0] ? fields[0] : "";
  const char *prefix = fields[0] && fields[1] ? fields[1] : "a";
  g_autofree char *invalid = NULL;
  g_autofree char *to = NULL;
  g_autofree char *cc = NULL;
  g_autoptr(GPtrArray) found = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(TernMessage) message = tern_message_new ();
  const char *mine[] = { "fuzz@example.org", NULL };
  guint count = 0;
  gint64 id = 0;

  if (tern_compose_check_addresses (list, &count, &invalid))
    tern_fuzz_check (invalid == NULL, "valid list, yet invalid \"%s\"", invalid);
  else
    tern_fuzz_check (invalid != NULL, "invalid list, no entry named");

  /* The same text as a message's From, To and Cc, as a server's ENVELOPE might give once
   * made valid UTF-8 (the cache holds nothing else). */
  if (!g_utf8_validate (list, -1, NULL))
    return;
  message->uid = 1;
  message->flags = g_strdup ("");
  message->from_addr = g_strdup (list);
  message->to_list = g_strdup (list);
  message->cc_list = g_strdup (list);
  message->date = 1700000000;
  tern_compose_reply_recipients (message, mine, TRUE, &to, &cc);
  tern_fuzz_check (to == NULL || g_utf8_validate (to, -1, NULL), "reply to not UTF-8");

  if (!tern_store_upsert_message (fs->store, fs->inbox_id, message, &id, &error))
    tern_fuzz_fail (G_STRLOC, "upsert", "%s", error->message);
  found = tern_store_complete_addresses (fs->store, prefix, 10, &error);
  tern_fuzz_check (found != NULL, "completion failed: %s", error ? error->message : "");
  for (guint i = 0; i < found->len; i++)
    {
      TernAddress *a = found->pdata[i];

      tern_fuzz_check (a->address != NULL && strchr (a->address, '@') != NULL, "address without @");
    }
  if (!tern_store_expunge_uid (fs->store, fs->inbox_id, 1, &error))
    tern_fuzz_fail (G_STRLOC, "expunge", "%s", error->message);
}

static void
check_header_field (const char *name,
                    const char *value)
{
  if (value == NULL)
    return;
  tern_fuzz_check (g_utf8_validate (value, -1, NULL), "%s not UTF-8", name);
  tern_fuzz_check (strpbrk (value, "\r\n") == NULL, "line break in %s: %s", name, value);
}

static void
check_mailto (const char *text)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *uri = g_ascii_strncasecmp (text, "mailto:", 7) == 0
                         ? g_strdup (text) : g_strconcat ("mailto:", text, NULL);
  g_autoptr(TernMailto) mailto = tern_compose_parse_mailto (uri, &error);

  tern_fuzz_check (mailto != NULL, "%s", error->message);
  check_header_field ("to", mailto->to);
  check_header_field ("cc", mailto->cc);
  check_header_field ("bcc", mailto->bcc);
  check_header_field ("subject", mailto->subject);
  check_header_field ("in-reply-to", mailto->in_reply_to);
  tern_fuzz_check (mailto->body == NULL || g_utf8_validate (mailto->body, -1, NULL),
                   "body not UTF-8");
  tern_fuzz_check (mailto->body == NULL || strchr (mailto->body, '\r') == NULL, "CR in body");
}

static void
check_quote (const char *text)
{
  g_autofree char *quoted = _tern_imap_quote (text);
  gsize len = strlen (quoted);

  /* It goes on a command line: one quoted string, nothing that ends the line. */
  tern_fuzz_check (len >= 2 && quoted[0] == '"' && quoted[len - 1] == '"', "%s", quoted);
  tern_fuzz_check (strpbrk (quoted, "\r\n") == NULL, "line break in %s", quoted);
  for (gsize i = 1; i + 1 < len; i++)
    {
      if (quoted[i] == '\\')
        {
          tern_fuzz_check (quoted[i + 1] == '"' || quoted[i + 1] == '\\', "lone backslash: %s",
                           quoted);
          i++;
        }
      else
        tern_fuzz_check (quoted[i] != '"', "unescaped quote: %s", quoted);
    }
}

static void
check_flags (const char *text)
{
  g_autofree char *canonical = tern_flags_canonicalize (text);
  g_autofree char *again = canonical ? tern_flags_canonicalize (canonical) : NULL;

  tern_fuzz_check (g_strcmp0 (canonical, again) == 0, "not idempotent: %s -> %s", canonical, again);
}

static void
check_flowed (const char *text)
{
  g_autofree char *unflowed = NULL;
  g_autofree char *flowed = NULL;

  if (!g_utf8_validate (text, -1, NULL))
    return;
  unflowed = tern_compose_unflow_text (text, text[0] & 1);
  flowed = tern_compose_flow_text (text);
  tern_fuzz_check (unflowed != NULL && flowed != NULL, "NULL");
}

int
LLVMFuzzerTestOneInput (const guint8 *data,
                        gsize         size)
{
  g_autofree char *text = NULL;

  if (size < 1)
    return 0;
  text = tern_fuzz_strndup (data + 1, size - 1);

  switch (data[0] % N_PARSERS)
    {
    case PARSER_UTF7: check_utf7 (text); break;
    case PARSER_DATE: check_date (text); break;
    case PARSER_DATE_TIME: check_date_time (data + 1, size - 1); break;
    case PARSER_REFERENCES: check_references (text); break;
    case PARSER_ADDRESSES: check_addresses (text); break;
    case PARSER_MAILTO: check_mailto (text); break;
    case PARSER_QUOTE: check_quote (text); break;
    case PARSER_FLAGS: check_flags (text); break;
    case PARSER_FLOWED: check_flowed (text); break;
    default: g_assert_not_reached ();
    }
  return 0;
}
