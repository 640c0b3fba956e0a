/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "tern-application.h"
#include "tern-window.h"

G_BEGIN_DECLS

/* What the app's tests (under Xvfb) share. */

/* Runs the main context until cond (data) holds; FALSE if it does not within `seconds`. */
gboolean         tern_test_ui_wait_for  (gboolean  (*cond) (gpointer),
                                         gpointer    data,
                                         guint       seconds);
/* Runs the main context for ms milliseconds. */
void             tern_test_ui_spin      (guint       ms);
/* The app on the cache in dir, registered on the session bus under an id of its own (so
 * tests never meet a running Tern), work-offline as asked, its main window open.
 * (transfer full) */
TernApplication *tern_test_ui_start_app (const char *dir,
                                         gboolean    offline,
                                         TernWindow **window_out);
/* Stops every account worker of app (which may be NULL). */
void             tern_test_ui_stop_workers (TernApplication *app);
/* Whether app has an account worker and the first one is online. */
gboolean         tern_test_ui_worker_online (TernApplication *app);
/* The first widget, depth first from root (included), whose name or id in its .ui file is
 * name; NULL if none. */
GtkWidget       *tern_test_ui_find_named    (GtkWidget  *root,
                                             const char *name);
/* A visible toplevel window of type, or NULL. */
GtkWindow       *tern_test_ui_find_toplevel (GType       type);

G_END_DECLS
