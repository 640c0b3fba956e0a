/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "tern-fuzz"

#include "config.h"

#include <stdio.h>
#include <string.h>

#include "tern-fuzz.h"

/*
 * Defects the fuzzers found that are reported and not fixed yet (issue #17). An input that
 * would only find one of them again is skipped, so that a run (CI's 45 s, or an hour) can
 * find the next defect instead of stopping at a known one. Each filter errs on the side of
 * skipping too much. TERN_FUZZ_ALL=1 turns them off, e.g. to reproduce one:
 *
 *   TERN_FUZZ_ALL=1 _build-fuzz/tests/fuzz/fuzz-imap tests/fuzz/crashes/imap/...
 *
 * When a defect is fixed: delete its filter, move its files from crashes/ to regressions/
 * (the fuzz-*-replay tests then run them in every build).
 */

static gboolean
skip (const char *what)
{
  static int all = -1;

  if (all < 0)
    all = g_getenv ("TERN_FUZZ_ALL") != NULL;
  return !all;
}

/* "* OK [CAPABILITY atom...] text" or "* PREAUTH [...]": a greeting libetpan surely reads
 * with its capability list. */
static gboolean
clean_greeting (const guint8 *data,
                gsize         size)
{
  const char *line = (const char *) data;
  gsize i;

  if (size >= 17 && strncmp (line, "* OK [CAPABILITY ", 17) == 0)
    i = 17;
  else if (size >= 22 && strncmp (line, "* PREAUTH [CAPABILITY ", 22) == 0)
    i = 22;
  else
    return FALSE;
  if (i >= size || line[i] == ' ')
    return FALSE;
  for (; i < size && line[i] != ']'; i++)
    {
      guchar c = (guchar) line[i];

      if (c == ' ' && (line[i - 1] == ' ' || (i + 1 < size && line[i + 1] == ']')))
        return FALSE;
      if (c != ' ' && (c <= 0x20 || c >= 0x7f || strchr ("(){%*\\\"[", c) != NULL))
        return FALSE;
    }
  if (i >= size)
    return FALSE;
  for (; i < size && line[i] != '\r' && line[i] != '\n'; i++)
    if ((guchar) line[i] == 0 || (guchar) line[i] >= 0x80)
      return FALSE;
  return i + 1 < size && line[i] == '\r' && line[i + 1] == '\n';
}

gboolean
tern_fuzz_known_imap (const guint8 *data,
                      gsize         size)
{
  int depth = 0;

  /* #17 item 2 (crashes/imap/capability-*): unless the greeting gives the capability list,
   * Tern sends CAPABILITY, and a tagged OK with no "* CAPABILITY" before it makes libetpan's
   * mailimap_capability() read a NULL list (SIGSEGV). Only greetings libetpan surely reads
   * with their list are let through. */
  if (!clean_greeting (data, size))
    return skip ("capability");

  /* #17 item 3 (crashes/imap/nesting-*): libetpan's recursive parser overflows the stack on
   * deep nesting (a BODYSTRUCTURE thousands of levels deep). */
  for (gsize i = 0; i < size; i++)
    {
      if (data[i] == '(' && ++depth > 100)
        return skip ("nesting");
      if (data[i] == ')' && depth > 0)
        depth--;
    }
  return FALSE;
}

gboolean
tern_fuzz_known_mime (const guint8 *data,
                      gsize         size)
{
  /* None known. */
  return FALSE;
}
