/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "fuzz-autoconfig"

#include "config.h"

#include "tern-fuzz.h"

/*
 * The account autoconfig XML parser (Thunderbird's config-v1.1 format, issue #11), fed a
 * document as a provider or the network would serve it. A place held until the parser
 * lands: then call it here on (data, size), check that what it returns names only
 * security settings Tern accepts (never a plain-text login it would use), add its seeds
 * under seeds/autoconfig/, and add 'fuzz-autoconfig' to the targets in meson.build.
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
  return 0;
}
