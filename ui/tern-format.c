/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "tern-format"

#include "config.h"

#include <glib/gi18n.h>

#include "tern-format.h"

/**
 * tern_format_message_date:
 * @unix_time: a message's date, in seconds since the epoch
 *
 * The date a reader sees above a message's text and in a forwarded message's headers, in
 * local time: "Sunday, 22 November 2026, 15:33".
 *
 * Returns: (transfer full) (nullable): the text, or %NULL if the date cannot be shown.
 */
char *
tern_format_message_date (gint64 unix_time)
{
  g_autoptr(GDateTime) when = NULL;

  if (unix_time <= 0)
    return NULL;
  when = g_date_time_new_from_unix_local (unix_time);
  if (when == NULL)
    return NULL;
  /* Translators: a message's date above its text and in a forwarded message's headers, in
   * g_date_time_format()'s codes (seconds and "%c"'s C-locale order say nothing to a reader). */
  return g_date_time_format (when, _("%A, %-d %B %Y, %R"));
}
