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

/* Kept for the next defect found: return skip ("what") from a filter below. */
G_GNUC_UNUSED static gboolean
skip (const char *what)
{
  static int all = -1;

  if (all < 0)
    all = g_getenv ("TERN_FUZZ_ALL") != NULL;
  return !all;
}

gboolean
tern_fuzz_known_imap (const guint8 *data,
                      gsize         size)
{
  /* None left: #17 items 2 and 3 (capability-missing-list, nesting-bodystructure) are
   * fixed and their reproducers are in regressions/imap/. */
  return FALSE;
}

gboolean
tern_fuzz_known_mime (const guint8 *data,
                      gsize         size)
{
  /* None known. */
  return FALSE;
}
