/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* A quoted string as Sieve scripts and ManageSieve commands both write it: only " and \ are
 * escaped (tern-sieve-rules.c). */
void _tern_sieve_append_quoted (GString    *out,
                                const char *text);

G_END_DECLS
