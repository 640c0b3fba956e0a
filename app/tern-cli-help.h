/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Adds --version to tern-cli's global options. */
void     tern_cli_help_add_options (GOptionContext  *context);
/* After the global options are parsed: handles --version, `help` and `help COMMAND`.
 * Returns TRUE when it did, with the exit status in *status. */
gboolean tern_cli_help_run         (int              argc,
                                    char           **argv,
                                    int             *status);

G_END_DECLS
