/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "tern-cli"

#include "config.h"

#include <stdio.h>
#include <string.h>

#include "tern-cli-private.h"
#include "tern-contacts.h"
#include "tern-mime.h"

/* tern-cli contacts: the address book the app keeps (tern-contacts.h). */

static void
json_string (GString    *out,
             const char *text)
{
  if (text == NULL)
    {
      g_string_append (out, "null");
      return;
    }
  g_string_append_c (out, '"');
  for (const char *p = text; *p != '\0'; p++)
    {
      if (*p == '"' || *p == '\\')
        g_string_append_printf (out, "\\%c", *p);
      else if ((guchar) *p < 0x20)
        g_string_append_printf (out, "\\u%04x", *p);
      else
        g_string_append_c (out, *p);
    }
  g_string_append_c (out, '"');
}

static int
list (Cli        *cli,
      const char *query)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) contacts = NULL;
  g_autoptr(GString) out = g_string_new (cli->json ? "[" : "");
  guint remaining = 1;

  /* What the Sent folders hold and the app has not read yet (the app does it at start). */
  while (remaining > 0)
    if (!tern_store_scan_sent (cli->store, 500, &remaining, &error))
      return tern_cli_fail (g_steal_pointer (&error));
  contacts = tern_store_list_contacts (cli->store, query, query != NULL, 0, &error);
  if (contacts == NULL)
    return tern_cli_fail (g_steal_pointer (&error));
  for (guint i = 0; i < contacts->len; i++)
    {
      const TernContact *c = contacts->pdata[i];

      if (cli->json)
        {
          g_string_append (out, i ? ",{" : "{");
          tern_cli_json_key (out, "name", TRUE);
          json_string (out, c->name);
          tern_cli_json_key (out, "address", FALSE);
          json_string (out, c->address);
          g_string_append_printf (out, ",\"sent\":%u,\"received\":%u,\"added\":%s}", c->sent, c->received,
                                  c->added ? "true" : "false");
        }
      else
        {
          g_autofree char *mailbox = tern_mime_format_mailbox (c->name, c->address);

          g_string_append_printf (out, "%s\tsent %u\treceived %u\n", mailbox, c->sent, c->received);
        }
    }
  if (cli->json)
    g_string_append (out, "]\n");
  fputs (out->str, stdout);
  return 0;
}

int
cmd_contacts (Cli   *cli,
              int    argc,
              char **argv)
{
  g_autoptr(GError) error = NULL;
  GOptionEntry entries[] = { { NULL } };
  const char *sub;

  if (!tern_cli_parse_options (entries, &argc, &argv, "[list [QUERY]] | import FILE.vcf | export FILE.vcf", &error))
    return tern_cli_usage (error->message);
  sub = argc > 1 ? argv[1] : "list";
  if (!tern_cli_ensure_store (cli, &error))
    return tern_cli_fail (g_steal_pointer (&error));

  if (g_str_equal (sub, "list") && argc <= 3)
    return list (cli, argc == 3 ? argv[2] : NULL);
  if (g_str_equal (sub, "import") && argc == 3)
    {
      g_autoptr(GPtrArray) cards = NULL;
      g_autofree char *data = NULL;
      gsize length = 0;
      guint skipped = 0, added = 0, updated = 0;

      if (!g_file_get_contents (argv[2], &data, &length, &error) ||
          (cards = tern_vcard_parse (data, length, &skipped, &error)) == NULL ||
          !tern_store_import_vcards (cli->store, cards, &added, &updated, &error))
        {
          g_prefix_error (&error, "%s: ", argv[2]);
          return tern_cli_fail (g_steal_pointer (&error));
        }
      g_print ("%u added, %u updated, %u cards without an address skipped\n", added, updated, skipped);
      return 0;
    }
  if (g_str_equal (sub, "export") && argc == 3)
    {
      g_autofree char *data = tern_store_export_vcards (cli->store, NULL, &error);

      if (data == NULL)
        return tern_cli_fail (g_steal_pointer (&error));
      if (g_str_equal (argv[2], "-"))
        fputs (data, stdout);
      else if (!g_file_set_contents (argv[2], data, -1, &error))
        return tern_cli_fail (g_steal_pointer (&error));
      return 0;
    }
  return tern_cli_usage ("contacts takes [list [QUERY]], import FILE.vcf or export FILE.vcf");
}
