/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "fuzz-vcard"

#include "config.h"

#include <string.h>

#include "tern-fuzz.h"
#include "tern-vcard.h"

/*
 * The address book's vCard reader (tern-vcard.h), fed any bytes as a .vcf file. Beyond not
 * crashing: it returns cards or an error, never both nor neither; every card has an address
 * and UTF-8 text; what the writer makes of a card reads back the same.
 */

int LLVMFuzzerInitialize (int    *argc,
                          char ***argv);
int LLVMFuzzerTestOneInput (const guint8 *data,
                            gsize         size);

int
LLVMFuzzerInitialize (int    *argc,
                      char ***argv)
{
  tern_fuzz_init ();
  return 0;
}

int
LLVMFuzzerTestOneInput (const guint8 *data,
                        gsize         size)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) cards = NULL;
  guint skipped = 0;

  cards = tern_vcard_parse ((const char *) data, size, &skipped, &error);
  tern_fuzz_check ((cards == NULL) == (error != NULL), "cards %p, error %p", (void *) cards, (void *) error);
  if (cards == NULL)
    {
      tern_fuzz_check (error->domain == TERN_VCARD_ERROR && g_utf8_validate (error->message, -1, NULL),
                       "error: %s", error->message);
      return 0;
    }
  for (guint i = 0; i < cards->len; i++)
    {
      const TernVCard *card = cards->pdata[i];
      g_autofree char *written = NULL;
      g_autoptr(GPtrArray) again = NULL;
      g_autoptr(GError) again_error = NULL;
      const TernVCard *back;

      tern_fuzz_check (card->emails != NULL && card->emails[0] != NULL, "card %u has no address", i);
      tern_fuzz_check (card->name == NULL || (g_utf8_validate (card->name, -1, NULL) && *card->name != '\0'),
                       "card %u: bad name", i);
      for (guint j = 0; card->emails[j] != NULL; j++)
        tern_fuzz_check (g_utf8_validate (card->emails[j], -1, NULL) && strchr (card->emails[j], '@') != NULL,
                         "card %u: bad address", i);

      written = tern_vcard_write (card->name, (const char * const *) card->emails);
      again = tern_vcard_parse (written, strlen (written), NULL, &again_error);
      tern_fuzz_check (again != NULL && again->len == 1, "card %u does not read back: %s", i,
                       again_error ? again_error->message : "not one card");
      back = again->pdata[0];
      tern_fuzz_check (g_strcmp0 (back->name, card->name ? card->name : card->emails[0]) == 0,
                       "card %u: name “%s” reads back as “%s”", i, card->name, back->name);
      tern_fuzz_check (g_strv_equal ((const char * const *) back->emails, (const char * const *) card->emails),
                       "card %u: addresses differ after writing", i);
    }
  return 0;
}
