/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* A dictionary's language tag ("de_BE", "en", "pt-BR") in words, in the user's language
 * ("German (Belgium)"), from the ISO 639 and 3166 lists of iso-codes; the tag itself when
 * they are not installed or do not know it. (transfer full) */
char *tern_spell_language_name (const char *tag);

G_END_DECLS
