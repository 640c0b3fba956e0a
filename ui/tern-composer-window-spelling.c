/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "tern-composer"

#include "config.h"

#include <glib/gi18n.h>

#include "tern-composer-window-private.h"
#include "tern-spell-checker.h"

/* Spell checking in the composer: the message text is checked as it is typed (on unless
 * turned off in the More menu or in GSettings' spell-check), in the language chosen for this
 * message in the More menu's "Spelling Language" or, by default, the one detected from the
 * text (spell-language sets another default). */

static void
fill_languages (TernComposerWindow *self)
{
  g_auto(GStrv) tags = tern_spell_checker_list_languages ();
  const char *active = tern_spell_checker_get_active_language (self->spell);
  g_autofree char *active_name = active != NULL ? tern_spell_checker_dup_language_name (active) : NULL;
  g_autofree char *automatic = NULL;
  g_autoptr(GMenuItem) item = NULL;

  g_menu_remove_all (self->spelling_languages);
  /* TRANSLATORS: the spelling language detected from the text, e.g. "Automatic (German (Germany))" */
  automatic = active_name != NULL && *tern_spell_checker_get_language (self->spell) == '\0'
              ? g_strdup_printf (_("Automatic (%s)"), active_name) : g_strdup (_("Automatic"));
  item = g_menu_item_new (automatic, NULL);
  g_menu_item_set_action_and_target (item, "spelling.language", "s", "");
  g_menu_append_item (self->spelling_languages, item);
  for (guint i = 0; tags[i] != NULL; i++)
    {
      g_autofree char *name = tern_spell_checker_dup_language_name (tags[i]);
      g_autoptr(GMenuItem) language = g_menu_item_new (name, NULL);

      g_menu_item_set_action_and_target (language, "spelling.language", "s", tags[i]);
      g_menu_append_item (self->spelling_languages, language);
    }
}

static void
check_changed_cb (GSimpleAction *action,
                  GVariant      *state,
                  gpointer       data)
{
  TernComposerWindow *self = data;
  GSettings *settings = tern_application_get_settings (self->app);

  g_simple_action_set_state (action, state);
  tern_spell_checker_set_enabled (self->spell, g_variant_get_boolean (state));
  /* As Thunderbird does: turned off or on here, it stays so for the next message. */
  if (settings != NULL)
    g_settings_set_boolean (settings, "spell-check", g_variant_get_boolean (state));
}

static void
language_changed_cb (GSimpleAction *action,
                     GVariant      *state,
                     gpointer       data)
{
  TernComposerWindow *self = data;

  g_simple_action_set_state (action, state);
  tern_spell_checker_set_language (self->spell, g_variant_get_string (state, NULL));
  fill_languages (self);
}

void
_tern_composer_window_setup_spelling (TernComposerWindow *self)
{
  GSettings *settings = self->app != NULL ? tern_application_get_settings (self->app) : NULL;
  gboolean enabled = settings == NULL || g_settings_get_boolean (settings, "spell-check");
  g_autofree char *language = settings != NULL ? g_settings_get_string (settings, "spell-language") : g_strdup ("");
  g_auto(GStrv) installed = tern_spell_checker_list_languages ();
  g_autoptr(GSimpleActionGroup) actions = g_simple_action_group_new ();
  g_autoptr(GMenu) section = g_menu_new ();
  const GActionEntry entries[] = {
    { "check", NULL, NULL, "true", check_changed_cb },
    { "language", NULL, "s", "''", language_changed_cb },
  };
  GAction *action;

  /* A default language no longer installed: detect it. */
  if (!g_strv_contains ((const char * const *) installed, language))
    g_clear_pointer (&language, g_free);
  self->spell = tern_spell_checker_new (self->body_view);
  tern_spell_checker_set_enabled (self->spell, enabled);
  if (language != NULL)
    tern_spell_checker_set_language (self->spell, language);

  g_action_map_add_action_entries (G_ACTION_MAP (actions), entries, G_N_ELEMENTS (entries), self);
  action = g_action_map_lookup_action (G_ACTION_MAP (actions), "check");
  g_simple_action_set_state (G_SIMPLE_ACTION (action), g_variant_new_boolean (enabled));
  action = g_action_map_lookup_action (G_ACTION_MAP (actions), "language");
  g_simple_action_set_state (G_SIMPLE_ACTION (action), g_variant_new_string (language != NULL ? language : ""));
  /* No dictionary at all: the items say so by being insensitive. */
  g_simple_action_set_enabled (G_SIMPLE_ACTION (action), installed[0] != NULL);
  action = g_action_map_lookup_action (G_ACTION_MAP (actions), "check");
  g_simple_action_set_enabled (G_SIMPLE_ACTION (action), installed[0] != NULL);
  gtk_widget_insert_action_group (GTK_WIDGET (self), "spelling", G_ACTION_GROUP (actions));

  self->spelling_languages = g_menu_new ();
  fill_languages (self);
  g_menu_append (section, _("Check _Spelling"), "spelling.check");
  g_menu_append_submenu (section, _("Spelling _Language"), G_MENU_MODEL (self->spelling_languages));
  g_menu_insert_section (self->composer_menu, 1, NULL, G_MENU_MODEL (section));
  g_signal_connect_object (self->spell, "notify::active-language", G_CALLBACK (fill_languages), self,
                           G_CONNECT_SWAPPED);
}

TernSpellChecker *
tern_composer_window_get_spell_checker (TernComposerWindow *self)
{
  g_return_val_if_fail (TERN_IS_COMPOSER_WINDOW (self), NULL);
  return self->spell;
}
