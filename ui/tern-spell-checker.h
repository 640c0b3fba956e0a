/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/* Spell checking as you type in a GtkTextView (enchant-2): misspelt words get a red wavy
 * underline once the cursor has left them; the text view's context menu (right click,
 * Shift+F10 or the Menu key) offers suggestions, "Add to Dictionary" (enchant's personal
 * word list, kept for every later message) and "Ignore All" (for this text only). Quoted
 * lines ("> ...") and the signature ("-- " up to the quoted original) are not checked, nor
 * words with digits, addresses and links.
 *
 * The language is chosen, or detected from the text: the installed dictionary that knows
 * most of its first few hundred words, the user's own language breaking ties. */

#define TERN_TYPE_SPELL_CHECKER (tern_spell_checker_get_type ())
G_DECLARE_FINAL_TYPE (TernSpellChecker, tern_spell_checker, TERN, SPELL_CHECKER, GObject)

/* Checks view's buffer from now on, until unreffed. (transfer full) */
TernSpellChecker *tern_spell_checker_new                 (GtkTextView      *view);

/* The language tags of the installed dictionaries ("de_DE", "en_US"), sorted; empty if
 * none. Read once a process. (transfer full) */
GStrv             tern_spell_checker_list_languages      (void);
/* A language tag in words, in the user's language ("German (Belgium)"); the tag itself when
 * the ISO code lists are missing. (transfer full) */
char             *tern_spell_checker_dup_language_name   (const char       *tag);

void              tern_spell_checker_set_enabled         (TernSpellChecker *self,
                                                          gboolean          enabled);
gboolean          tern_spell_checker_get_enabled         (TernSpellChecker *self);
/* tag: one of list_languages(); NULL or "": detect it from the text. */
void              tern_spell_checker_set_language        (TernSpellChecker *self,
                                                          const char       *tag);
/* What set_language() was given ("" when detecting). */
const char       *tern_spell_checker_get_language        (TernSpellChecker *self);
/* The dictionary in use (chosen or detected); NULL when none is installed. Notified as
 * "active-language". */
const char       *tern_spell_checker_get_active_language (TernSpellChecker *self);
/* Whether a check of the whole text is still under way (it runs in steps when idle). */
gboolean          tern_spell_checker_is_checking         (TernSpellChecker *self);
/* The words underlined now, in the text's order. (transfer full) */
GStrv             tern_spell_checker_dup_misspelt        (TernSpellChecker *self);

G_END_DECLS
