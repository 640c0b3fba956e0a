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
/* Runs the main context until nothing is pending (what an action queued for later: idle
 * callbacks, redraws, the results workers posted); at most 5 s if workers keep posting. */
void             tern_test_ui_drain     (void);
/* The app on the cache in dir, registered on the session bus under an id of its own (so
 * tests never meet a running Tern), work-offline as asked, its main window open.
 * (transfer full) */
TernApplication *tern_test_ui_start_app (const char *dir,
                                         gboolean    offline,
                                         TernWindow **window_out);
/* Stops every account worker of app (which may be NULL). */
void             tern_test_ui_stop_workers (TernApplication *app);
/* Every window closed (the app's, preferences, dialogs), app's workers stopped, what they
 * posted drained, and *app cleared. */
void             tern_test_ui_close_app    (TernApplication **app);
/* For a test's main(): a session bus of its own (GTestDBus, which unsets DISPLAY: it is kept),
 * then GTK and the engine initialised. The bus is never unreffed: that waits for the last
 * connection to go. */
GTestDBus       *tern_test_ui_init_with_bus (int    *argc,
                                             char ***argv);
/* Whether app has an account worker and the first one is online. */
gboolean         tern_test_ui_worker_online (TernApplication *app);
/* The first widget, depth first from root (included), whose name or id in its .ui file is
 * name; NULL if none. */
GtkWidget       *tern_test_ui_find_named    (GtkWidget  *root,
                                             const char *name);
/* A visible toplevel window of type, or NULL. */
GtkWindow       *tern_test_ui_find_toplevel (GType       type);

/* Runs the main context until widget's window has painted n more frames (a draw is queued
 * for each); FALSE if that takes more than 10 s. */
gboolean         tern_test_ui_wait_frames   (GtkWidget  *widget,
                                             guint       n);
/* widget drawn into a texture, as its window draws it (GTK's snapshot warnings are fatal in
 * the tests). (transfer full) */
GdkTexture      *tern_test_ui_render        (GtkWidget  *widget);
/* Whether widget draws something: its texture is not one colour. */
gboolean         tern_test_ui_drawn         (GtkWidget  *widget);

/* A key pressed and released (with mods held) as a user does, through the X server (XTest):
 * the window gets the input focus first. FALSE if the app did not get it within 5 s. */
gboolean         tern_test_ui_press_key     (GtkWidget       *widget,
                                             guint            keyval,
                                             GdkModifierType  mods);
/* The primary button clicked at (x, y) in widget's coordinates, through the X server. */
gboolean         tern_test_ui_click         (GtkWidget       *widget,
                                             double           x,
                                             double           y);

/* A double click of the primary button at (x, y), through the X server; returns once GTK has
 * seen the second release. */
gboolean         tern_test_ui_double_click  (GtkWidget       *widget,
                                             double           x,
                                             double           y);

/* The same with another button (3: the secondary, for a context menu). */
gboolean         tern_test_ui_click_button  (GtkWidget       *widget,
                                             guint            button,
                                             double           x,
                                             double           y);

/* A drag with the primary button from (fx, fy) in from to (tx, ty) in to, through the X
 * server, in steps; returns once GTK has seen the release. */
void             tern_test_ui_drag          (GtkWidget       *from,
                                             double           fx,
                                             double           fy,
                                             GtkWidget       *to,
                                             double           tx,
                                             double           ty);

/* When $TERN_SCREENSHOT_DIR is set: PNGs of window there, named NAME-light.png, NAME-dark.png
 * (width wide) and NAME-narrow.png (360 px), each after it has painted. */
void             tern_test_ui_screenshots   (GtkWindow  *window,
                                             const char *name,
                                             int         width,
                                             int         height);

/* A web server on loopback (an ephemeral port) that answers every request with an empty
 * GIF and counts them: where remote content of HTML mail would go. */
typedef struct
{
  GSocketService *service;
  guint16         port;
  guint           requests;
} TernTestWebCounter;

void             tern_test_web_counter_start (TernTestWebCounter *counter);
void             tern_test_web_counter_stop  (TernTestWebCounter *counter);
/* For tern_test_ui_wait_for(): whether the counter (data) saw a request. */
gboolean         tern_test_web_counter_requested_cb (gpointer data);

/* A gnome-keyring-daemon on the session bus (the test's own), unlocked, in a home of its
 * own, for libsecret; stopped and its home removed by stop_keyring(). */
void             tern_test_ui_start_keyring (void);
void             tern_test_ui_stop_keyring  (void);

G_END_DECLS
