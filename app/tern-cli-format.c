/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "tern-cli"

#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tern-cli-private.h"

/* What the commands share: JSON and dates as tern-cli prints them, the cache. */

/* JSON output. */

void
tern_cli_json_key (GString    *out,
                   const char *key,
                   gboolean    first)
{
  if (!first)
    g_string_append_c (out, ',');
  tern_cli_json_string (out, key);
  g_string_append_c (out, ':');
}

void
tern_cli_json_flags (GString    *out,
                     const char *flags)
{
  g_auto(GStrv) list = g_strsplit (flags ? flags : "", " ", -1);
  gboolean first = TRUE;

  g_string_append_c (out, '[');
  for (guint i = 0; list[i] != NULL; i++)
    {
      if (*list[i] == '\0')
        continue;
      if (!first)
        g_string_append_c (out, ',');
      tern_cli_json_string (out, list[i]);
      first = FALSE;
    }
  g_string_append_c (out, ']');
}

char *
tern_cli_format_date (gint64 unix_time)
{
  g_autoptr(GDateTime) dt = NULL;

  if (unix_time == 0)
    return NULL;
  dt = g_date_time_new_from_unix_utc (unix_time);
  return dt ? g_date_time_format_iso8601 (dt) : NULL;
}

char *
tern_cli_format_local_date (gint64 unix_time)
{
  g_autoptr(GDateTime) dt = NULL;

  if (unix_time == 0)
    return g_strdup ("never");
  dt = g_date_time_new_from_unix_local (unix_time);
  return g_date_time_format (dt, "%Y-%m-%d %H:%M");
}

char *
tern_cli_format_from (const TernMessage *m)
{
  if (m->from_name != NULL && *m->from_name != '\0')
    return g_strdup_printf ("%s <%s>", m->from_name, m->from_addr ? m->from_addr : "");
  return g_strdup (m->from_addr ? m->from_addr : "");
}

void
tern_cli_message_json (GString           *out,
                       const TernMessage *m)
{
  g_autofree char *date = tern_cli_format_date (m->date);
  g_autofree char *from = tern_cli_format_from (m);

  g_string_append_c (out, '{');
  tern_cli_json_key (out, "id", TRUE);
  g_string_append_printf (out, "%" G_GINT64_FORMAT, m->id);
  tern_cli_json_key (out, "uid", FALSE);
  g_string_append_printf (out, "%u", m->uid);
  tern_cli_json_key (out, "flags", FALSE);
  tern_cli_json_flags (out, m->flags);
  tern_cli_json_key (out, "date", FALSE);
  tern_cli_json_string (out, date);
  tern_cli_json_key (out, "from", FALSE);
  tern_cli_json_string (out, from);
  tern_cli_json_key (out, "subject", FALSE);
  tern_cli_json_string (out, m->subject);
  tern_cli_json_key (out, "size", FALSE);
  g_string_append_printf (out, "%" G_GUINT64_FORMAT, m->size);
  tern_cli_json_key (out, "message_id", FALSE);
  tern_cli_json_string (out, m->message_id);
  g_string_append_c (out, '}');
}

/* Common helpers. */

gboolean
tern_cli_ensure_store (Cli     *cli,
                       GError **error)
{
  cli->store = tern_cli_open_store (cli->data_dir, error);
  return cli->store != NULL;
}
