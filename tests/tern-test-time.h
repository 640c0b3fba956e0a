/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

/*
 * Time in the engine's tests.
 *
 * A test waits for a condition, never for a fixed time. The few wall-clock bounds left say
 * "at once, not after the timeout" (a cancel, a close without LOGOUT); each is far below the
 * timeout it stands against, and is multiplied by TERN_TEST_TIME_SCALE, which is larger in
 * a sanitizer build (ASan and UBSan make the code several times slower), so that it fails
 * only when the behaviour breaks. Speed itself is measured in bench/.
 */

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_UNDEFINED__)
#define TERN_TEST_TIME_SCALE 4
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(undefined_behavior_sanitizer)
#define TERN_TEST_TIME_SCALE 4
#endif
#endif
#ifndef TERN_TEST_TIME_SCALE
#define TERN_TEST_TIME_SCALE 1
#endif

/* Seconds, scaled: G_USEC_PER_SEC * TERN_TEST_SECONDS (2) is "2 s, or 8 s under ASan". */
#define TERN_TEST_SECONDS(s) ((s) * TERN_TEST_TIME_SCALE)

static inline pid_t
tern_test_gettid (void)
{
  return (pid_t) syscall (SYS_gettid);
}

/* TRUE once thread tid of this process sleeps in a system call (a blocking read or poll:
 * state S in /proc), FALSE after timeout_ms. For a test that must act (cancel, interrupt)
 * while another thread is blocked, instead of sleeping "long enough". The state is what is
 * polled, every millisecond. */
static inline gboolean
tern_test_wait_blocked (pid_t tid,
                        guint timeout_ms)
{
  g_autofree char *path = g_strdup_printf ("/proc/self/task/%d/stat", (int) tid);
  gint64 deadline = g_get_monotonic_time () + (gint64) timeout_ms * 1000;
  guint asleep = 0;

  while (g_get_monotonic_time () < deadline)
    {
      g_autofree char *stat = NULL;
      const char *end;

      /* "tid (comm) S ...": the state follows the last parenthesis. */
      if (g_file_get_contents (path, &stat, NULL, NULL) && (end = strrchr (stat, ')')) != NULL &&
          end[1] == ' ' && end[2] == 'S')
        {
          /* Twice in a row, a millisecond apart: settled in the call, not passing through. */
          if (++asleep == 2)
            return TRUE;
        }
      else
        asleep = 0;
      g_usleep (1000);
    }
  return FALSE;
}
