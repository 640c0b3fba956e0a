/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "tern-cli"

#include "config.h"

#include <stdio.h>

#include "tern-cli-common.h"

/* What every tern-cli command shares: one-line errors, JSON strings, ids. */

int
tern_cli_fail (GError *error)
{
  g_printerr ("tern-cli: %s\n", error->message);
  g_error_free (error);
  return 1;
}

int
tern_cli_usage (const char *message)
{
  g_printerr ("tern-cli: %s\nTry “tern-cli --help”.\n", message);
  return EXIT_USAGE;
}

void
tern_cli_json_string (GString    *out,
                      const char *s)
{
  if (s == NULL)
    {
      g_string_append (out, "null");
      return;
    }
  g_string_append_c (out, '"');
  for (const char *p = s; *p != '\0'; p++)
    {
      guchar c = (guchar) *p;

      switch (c)
        {
        case '"': g_string_append (out, "\\\""); break;
        case '\\': g_string_append (out, "\\\\"); break;
        case '\n': g_string_append (out, "\\n"); break;
        case '\r': g_string_append (out, "\\r"); break;
        case '\t': g_string_append (out, "\\t"); break;
        default:
          if (c < 0x20)
            g_string_append_printf (out, "\\u%04x", c);
          else
            g_string_append_c (out, (char) c);
        }
    }
  g_string_append_c (out, '"');
}

gboolean
tern_cli_parse_id (const char *text,
                   gint64     *id)
{
  char *end = NULL;

  *id = g_ascii_strtoll (text, &end, 10);
  return end != text && *end == '\0' && *id > 0;
}

gboolean
tern_cli_parse_options (GOptionEntry  *entries,
                        int           *argc,
                        char        ***argv,
                        const char    *parameter,
                        GError       **error)
{
  g_autoptr(GOptionContext) context = g_option_context_new (parameter);

  g_option_context_add_main_entries (context, entries, NULL);
  g_option_context_set_help_enabled (context, TRUE);
  return g_option_context_parse (context, argc, argv, error);
}

TernStore *
tern_cli_open_store (const char  *data_dir,
                     GError     **error)
{
  g_autofree char *path = g_build_filename (data_dir, "tern.db", NULL);

  return tern_store_open (path, error);
}
