/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "tern"

#include "config.h"

#include <glib/gi18n.h>
#include <locale.h>

#include "tern-application.h"
#include "tern-sync.h"

/* tern: the GNOME app. Everything but this file is in the tern-ui library. */

int
main (int   argc,
      char *argv[])
{
  g_autoptr(TernApplication) app = NULL;

  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, TERN_LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  tern_sync_global_init ();
  g_set_application_name (_("Tern"));

  app = tern_application_new ();
  return g_application_run (G_APPLICATION (app), argc, argv);
}
