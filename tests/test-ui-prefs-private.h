/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "tern-application.h"
#include "tern-test-cache.h"
#include "tern-test-server.h"
#include "tern-window.h"

/* What test-ui-prefs.c and test-ui-prefs-window.c (one test program) share. */

#define PASSWORD "kw9-Fj3p-tern"

typedef struct
{
  char             *dir;
  char             *db_path;
  TernTestCacheIds  ids;
  TernTestServer   *server;
  TernApplication  *app;
  TernWindow       *window;
  TernStore        *store;     /* the app's own, borrowed */
  GPtrArray        *sent;      /* ids of the notifications the app sent */
  guint             new_mail;  /* "new-mail" signals of the workers */
  guint             new_mail_wanted;
  GtkWidget        *other;     /* another window that takes the focus */
  const char       *demo_ca_file; /* the demo server's before a restart, borrowed */
} Fixture;

GtkWidget *need_named         (GtkWidget     *root,
                               const char    *name);
void       start_app          (Fixture       *f,
                               gboolean       offline);
GtkWindow *open_add_account   (Fixture       *f);
gboolean   worker_online_cb   (gpointer       data);
gboolean   messages_listed_cb (gpointer       data);
void       set_up             (Fixture       *f,
                               gconstpointer  data);
void       tear_down          (Fixture       *f,
                               gconstpointer  data);

/* test-ui-prefs-window.c: the demo, the add-account form's validation, the panes. */
void       test_add_account_validation (Fixture       *f,
                                        gconstpointer  data);
void       test_demo                   (Fixture       *f,
                                        gconstpointer  data);
void       test_panes                  (Fixture       *f,
                                        gconstpointer  data);
