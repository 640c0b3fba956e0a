/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

#include "tern-store.h"

G_BEGIN_DECLS

#define EXIT_USAGE 2

/* Prints "tern-cli: MESSAGE" and frees error; returns 1. */
int      tern_cli_fail        (GError     *error);
/* Prints the mistake and where help is; returns EXIT_USAGE. */
int      tern_cli_usage       (const char *message);
/* A JSON string (or null) appended to out. */
void     tern_cli_json_string (GString    *out,
                               const char *s);
gboolean tern_cli_parse_id    (const char *text,
                               gint64     *id);

gboolean   tern_cli_parse_options (GOptionEntry  *entries,
                                   int           *argc,
                                   char        ***argv,
                                   const char    *parameter,
                                   GError       **error);
/* The cache in data_dir (tern.db). */
TernStore *tern_cli_open_store    (const char    *data_dir,
                                   GError       **error);

G_END_DECLS
