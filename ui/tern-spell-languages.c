/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "tern-spell"

#include "config.h"

#include "tern-spell-languages.h"

#include <glib/gi18n.h>
#include <json-glib/json-glib.h>
#include <string.h>

#define ISO_CODES_DIR "/usr/share/iso-codes/json"

/* Names by two-letter code, read once from iso-codes' JSON (its strings untranslated; the
 * translations are in the gettext domains named after the lists). */
static GHashTable *
read_names (const char *list,
            const char *key)
{
  GHashTable *names = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_autofree char *path = g_strdup_printf (ISO_CODES_DIR "/iso_%s.json", list);
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  JsonNode *root;
  JsonArray *entries;

  if (!json_parser_load_from_file (parser, path, &error))
    {
      g_debug ("language names: %s", error->message);
      return names;
    }
  root = json_parser_get_root (parser);
  if (!JSON_NODE_HOLDS_OBJECT (root) ||
      !json_object_has_member (json_node_get_object (root), list))
    return names;
  entries = json_object_get_array_member (json_node_get_object (root), list);
  for (guint i = 0; entries != NULL && i < json_array_get_length (entries); i++)
    {
      JsonObject *entry = json_array_get_object_element (entries, i);
      const char *code = entry ? json_object_get_string_member_with_default (entry, key, NULL) : NULL;
      const char *name = entry ? json_object_get_string_member_with_default (entry, "name", NULL) : NULL;

      if (code != NULL && name != NULL)
        g_hash_table_insert (names, g_ascii_strdown (code, -1), g_strdup (name));
    }
  return names;
}

static const char *
lookup (GHashTable **names,
        const char  *list,
        const char  *code)
{
  g_autofree char *down = g_ascii_strdown (code, -1);
  g_autofree char *domain = g_strdup_printf ("iso_%s", list);
  const char *name;

  if (*names == NULL)
    *names = read_names (list, strlen (code) == 3 ? "alpha_3" : "alpha_2");
  name = g_hash_table_lookup (*names, down);
  return name != NULL ? g_dgettext (domain, name) : NULL;
}

char *
tern_spell_language_name (const char *tag)
{
  static GHashTable *languages;
  static GHashTable *countries;
  g_auto(GStrv) parts = NULL;
  const char *language;
  const char *country;

  g_return_val_if_fail (tag != NULL, NULL);

  parts = g_strsplit_set (tag, "_-", 2);
  if (parts[0] == NULL || strlen (parts[0]) != 2)
    return g_strdup (tag);
  language = lookup (&languages, "639-2", parts[0]);
  if (language == NULL)
    return g_strdup (tag);
  if (parts[1] == NULL)
    return g_strdup (language);
  country = strlen (parts[1]) == 2 ? lookup (&countries, "3166-1", parts[1]) : NULL;
  /* TRANSLATORS: a spelling dictionary's language and country, e.g. "German (Belgium)" */
  return country != NULL ? g_strdup_printf (_("%s (%s)"), language, country)
                         : g_strdup_printf ("%s (%s)", language, parts[1]);
}
