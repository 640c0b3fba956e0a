/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* tern-cli's commands for sending mail: send, outbox, draft, smtp, identity. argv[0] is the command,
 * as for the others; the global options are passed in. Returns the exit status. */
gboolean tern_cli_outbox_handles (const char  *command);
int      tern_cli_outbox_run     (const char  *command,
                                  const char  *data_dir,
                                  gboolean     json,
                                  gboolean     offline,
                                  int          timeout,
                                  int          argc,
                                  char       **argv);

G_END_DECLS
