/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Formatting shared by the message view and the composer. Main thread only. */

G_GNUC_WARN_UNUSED_RESULT
char *tern_format_message_date (gint64 unix_time);

G_END_DECLS
