/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "tern-test-ui"

#include "config.h"

#include <gdk/x11/gdkx.h>
#include <X11/extensions/XTest.h>

#include <glib/gstdio.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include "tern-sync.h"
#include "tern-test-ui.h"

gboolean
tern_test_ui_wait_for (gboolean (*cond) (gpointer),
                       gpointer   data,
                       guint      seconds)
{
  gint64 end = g_get_monotonic_time () + (gint64) seconds * G_USEC_PER_SEC;

  while (!cond (data))
    {
      if (g_get_monotonic_time () > end)
        return FALSE;
      g_main_context_iteration (NULL, FALSE);
      g_usleep (2000);
    }
  return TRUE;
}

void
tern_test_ui_drain (void)
{
  gint64 end = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;

  while (g_main_context_pending (NULL) && g_get_monotonic_time () < end)
    g_main_context_iteration (NULL, FALSE);
}

TernApplication *
tern_test_ui_start_app (const char  *dir,
                        gboolean     offline,
                        TernWindow **window_out)
{
  static guint serial;
  g_autoptr(GError) error = NULL;
  g_autofree char *app_id = g_strdup_printf ("org.gnome.Tern.Test%u", ++serial);
  TernApplication *app = tern_application_new ();

  g_application_set_application_id (G_APPLICATION (app), app_id);
  g_application_set_flags (G_APPLICATION (app),
                           g_application_get_flags (G_APPLICATION (app)) | G_APPLICATION_NON_UNIQUE);
  g_assert_true (tern_application_open_cache (app, dir, &error));
  g_assert_no_error (error);
  g_assert_true (g_application_register (G_APPLICATION (app), NULL, &error));
  g_assert_no_error (error);
  tern_application_set_work_offline (app, offline);
  g_application_activate (G_APPLICATION (app));
  *window_out = TERN_WINDOW (gtk_application_get_active_window (GTK_APPLICATION (app)));
  g_assert_nonnull (*window_out);
  return app;
}

void
tern_test_ui_stop_workers (TernApplication *app)
{
  g_autoptr(GPtrArray) workers = NULL;

  if (app == NULL)
    return;
  workers = tern_application_list_workers (app);
  for (guint i = 0; i < workers->len; i++)
    tern_account_worker_stop (workers->pdata[i]);
}

void
tern_test_ui_close_app (TernApplication **app)
{
  GListModel *toplevels = gtk_window_get_toplevels ();

  while (g_list_model_get_n_items (toplevels) > 0)
    {
      g_autoptr(GtkWindow) w = g_list_model_get_item (toplevels, 0);

      gtk_window_destroy (w);
    }
  tern_test_ui_stop_workers (*app);
  tern_test_ui_drain ();
  g_clear_object (app);
}

GTestDBus *
tern_test_ui_init_with_bus (int    *argc,
                            char ***argv)
{
  g_autofree char *display = g_strdup (g_getenv ("DISPLAY"));
  GTestDBus *bus = g_test_dbus_new (G_TEST_DBUS_NONE);

  g_test_dbus_up (bus);
  if (display != NULL)
    g_setenv ("DISPLAY", display, TRUE);
  gtk_test_init (argc, argv, NULL);
  tern_sync_global_init ();
  return bus;
}

gboolean
tern_test_ui_worker_online (TernApplication *app)
{
  g_autoptr(GPtrArray) workers = tern_application_list_workers (app);

  return workers->len > 0 && tern_account_worker_get_state (workers->pdata[0]) == TERN_ACCOUNT_STATE_ONLINE;
}

GtkWidget *
tern_test_ui_find_named (GtkWidget  *root,
                         const char *name)
{
  /* A widget's name, or its id in the .ui file. */
  if (g_strcmp0 (gtk_widget_get_name (root), name) == 0 ||
      g_strcmp0 (gtk_buildable_get_buildable_id (GTK_BUILDABLE (root)), name) == 0)
    return root;
  for (GtkWidget *child = gtk_widget_get_first_child (root); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = tern_test_ui_find_named (child, name);

      if (found != NULL)
        return found;
    }
  return NULL;
}

GtkWindow *
tern_test_ui_find_toplevel (GType type)
{
  GListModel *toplevels = gtk_window_get_toplevels ();

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GObject) w = g_list_model_get_item (toplevels, i);

      if (G_TYPE_CHECK_INSTANCE_TYPE (w, type) && gtk_widget_get_visible (GTK_WIDGET (w)))
        return GTK_WINDOW (w);
    }
  return NULL;
}

static void
after_paint_cb (GdkFrameClock *clock,
                guint         *count)
{
  (*count)++;
}

typedef struct
{
  GtkWidget *widget;
  guint      count;
  guint      wanted;
  guint      queued;
} FrameWait;

static gboolean
frames_done_cb (gpointer data)
{
  FrameWait *w = data;

  if (w->count >= w->wanted)
    return TRUE;
  /* One queued draw for each frame still wanted. */
  if (w->queued <= w->count)
    {
      gtk_widget_queue_draw (w->widget);
      w->queued = w->count + 1;
    }
  return FALSE;
}

gboolean
tern_test_ui_wait_frames (GtkWidget *widget,
                          guint      n)
{
  GdkFrameClock *clock = gtk_widget_get_frame_clock (widget);
  FrameWait w = { gtk_widget_get_ancestor (widget, GTK_TYPE_WINDOW), 0, n, 0 };
  gulong id;
  gboolean ok;

  g_assert_nonnull (clock);
  g_assert_nonnull (w.widget);
  id = g_signal_connect (clock, "after-paint", G_CALLBACK (after_paint_cb), &w.count);
  ok = tern_test_ui_wait_for (frames_done_cb, &w, 10);
  g_signal_handler_disconnect (clock, id);
  return ok;
}

GdkTexture *
tern_test_ui_render (GtkWidget *widget)
{
  g_autoptr(GdkPaintable) paintable = gtk_widget_paintable_new (widget);
  GtkSnapshot *snapshot = gtk_snapshot_new ();
  g_autoptr(GskRenderNode) node = NULL;
  GskRenderer *renderer = gtk_native_get_renderer (gtk_widget_get_native (widget));
  int width = gtk_widget_get_width (widget);
  int height = gtk_widget_get_height (widget);

  g_assert_cmpint (width, >, 0);
  g_assert_cmpint (height, >, 0);
  gdk_paintable_snapshot (paintable, snapshot, width, height);
  node = gtk_snapshot_free_to_node (snapshot);
  if (node == NULL)
    return NULL;
  return gsk_renderer_render_texture (renderer, node, &GRAPHENE_RECT_INIT (0, 0, width, height));
}

gboolean
tern_test_ui_drawn (GtkWidget *widget)
{
  g_autoptr(GdkTexture) texture = tern_test_ui_render (widget);
  g_autofree guint32 *pixels = NULL;
  int width, height;

  if (texture == NULL)
    return FALSE;
  width = gdk_texture_get_width (texture);
  height = gdk_texture_get_height (texture);
  pixels = g_new (guint32, (gsize) width * height);
  gdk_texture_download (texture, (guchar *) pixels, (gsize) width * 4);
  for (gsize i = 1; i < (gsize) width * height; i++)
    if (pixels[i] != pixels[0])
      return TRUE;
  return FALSE;
}

/* Real input: X events made by the XTest extension of the Xvfb the tests run on, so that
 * they reach the app as a user's keys and clicks do, through GDK and GTK's controllers. */

static Display *
xdisplay (GtkWidget *widget)
{
  GdkDisplay *display = gtk_widget_get_display (widget);

  g_assert_true (GDK_IS_X11_DISPLAY (display));
  return gdk_x11_display_get_xdisplay (display);
}

static Window
xwindow (GtkWidget *widget)
{
  return gdk_x11_surface_get_xid (gtk_native_get_surface (gtk_widget_get_native (widget)));
}

typedef struct
{
  guint    keyval;
  gboolean seen;
} KeySeen;

static void
key_released_cb (GtkEventControllerKey *controller,
                 guint                  keyval,
                 guint                  keycode,
                 GdkModifierType        state,
                 KeySeen               *seen)
{
  if (gdk_keyval_to_lower (keyval) == gdk_keyval_to_lower (seen->keyval) ||
      (seen->keyval == GDK_KEY_Tab && keyval == GDK_KEY_ISO_Left_Tab))
    seen->seen = TRUE;
}

static gboolean
seen_cb (gpointer data)
{
  return *(gboolean *) data;
}

static gboolean
window_active_cb (gpointer data)
{
  return gtk_window_is_active (GTK_WINDOW (data));
}

static void
fake_modifiers (Display         *dpy,
                GdkModifierType  mods,
                gboolean         press)
{
  if (mods & GDK_SHIFT_MASK)
    XTestFakeKeyEvent (dpy, XKeysymToKeycode (dpy, GDK_KEY_Shift_L), press, CurrentTime);
  if (mods & GDK_CONTROL_MASK)
    XTestFakeKeyEvent (dpy, XKeysymToKeycode (dpy, GDK_KEY_Control_L), press, CurrentTime);
  if (mods & GDK_ALT_MASK)
    XTestFakeKeyEvent (dpy, XKeysymToKeycode (dpy, GDK_KEY_Alt_L), press, CurrentTime);
}

gboolean
tern_test_ui_press_key (GtkWidget       *widget,
                        guint            keyval,
                        GdkModifierType  mods)
{
  Display *dpy = xdisplay (widget);
  GtkWidget *root = GTK_WIDGET (gtk_widget_get_root (widget));
  GtkEventController *keys = gtk_event_controller_key_new ();
  KeySeen seen = { keyval, FALSE };
  gboolean ok;

  /* No window manager gives the window the input focus; the key waits until it has it. */
  XSetInputFocus (dpy, xwindow (widget), RevertToParent, CurrentTime);
  XSync (dpy, False);
  g_assert_true (tern_test_ui_wait_for (window_active_cb, root, 5));
  gtk_event_controller_set_propagation_phase (keys, GTK_PHASE_CAPTURE);
  g_signal_connect (keys, "key-released", G_CALLBACK (key_released_cb), &seen);
  gtk_widget_add_controller (root, keys);

  fake_modifiers (dpy, mods, TRUE);
  XTestFakeKeyEvent (dpy, XKeysymToKeycode (dpy, keyval), True, CurrentTime);
  XTestFakeKeyEvent (dpy, XKeysymToKeycode (dpy, keyval), False, CurrentTime);
  fake_modifiers (dpy, mods, FALSE);
  XSync (dpy, False);
  /* The key may close the window (Return in a dialog), and free the controller with it. */
  g_object_ref (keys);
  ok = tern_test_ui_wait_for (seen_cb, &seen.seen, 5);
  if (gtk_event_controller_get_widget (keys) != NULL)
    gtk_widget_remove_controller (gtk_event_controller_get_widget (keys), keys);
  g_object_unref (keys);
  return ok;
}

static void
root_point (GtkWidget *widget,
            double     x,
            double     y,
            int       *rx,
            int       *ry)
{
  Display *dpy = xdisplay (widget);
  GtkNative *native = gtk_widget_get_native (widget);
  graphene_point_t in_native;
  double tx, ty;
  Window child;

  g_assert_true (gtk_widget_compute_point (widget, GTK_WIDGET (native), &GRAPHENE_POINT_INIT (x, y), &in_native));
  gtk_native_get_surface_transform (native, &tx, &ty);
  XTranslateCoordinates (dpy, xwindow (widget), DefaultRootWindow (dpy),
                         (int) (in_native.x + tx), (int) (in_native.y + ty), rx, ry, &child);
}

/* A click of `button`, seen once the window got it: the n_press-th release of the first
 * button, or the press of another (a secondary click may open a popover on press, which
 * takes the release). */
typedef struct
{
  int      presses;
  gboolean seen;
} ClickWatch;

static void
click_seen_cb (GtkGestureClick *gesture,
               int              n_press,
               double           x,
               double           y,
               ClickWatch      *w)
{
  if (n_press >= w->presses)
    w->seen = TRUE;
}

/* `presses` clicks at (x, y) of widget, sent to the X server at once: it stamps them a moment
 * apart, well within the double-click time whatever the load. */
static gboolean
click_times (GtkWidget *widget,
             guint      button,
             int        presses,
             double     x,
             double     y)
{
  Display *dpy = xdisplay (widget);
  GtkNative *native = gtk_widget_get_native (widget);
  GtkGesture *watch = gtk_gesture_click_new ();
  ClickWatch w = { presses, FALSE };
  gboolean ok;
  int rx, ry;

  root_point (widget, x, y, &rx, &ry);
  gtk_event_controller_set_propagation_phase (GTK_EVENT_CONTROLLER (watch), GTK_PHASE_CAPTURE);
  gtk_gesture_single_set_button (GTK_GESTURE_SINGLE (watch), button);
  g_signal_connect (watch, button == 1 ? "released" : "pressed", G_CALLBACK (click_seen_cb), &w);
  gtk_widget_add_controller (GTK_WIDGET (native), GTK_EVENT_CONTROLLER (watch));

  XTestFakeMotionEvent (dpy, -1, rx, ry, CurrentTime);
  for (int i = 0; i < presses; i++)
    {
      XTestFakeButtonEvent (dpy, button, True, CurrentTime);
      XTestFakeButtonEvent (dpy, button, False, CurrentTime);
    }
  XSync (dpy, False);
  /* The click may close the window (and free the controller with it). */
  g_object_ref (watch);
  ok = tern_test_ui_wait_for (seen_cb, &w.seen, 5);
  if (gtk_event_controller_get_widget (GTK_EVENT_CONTROLLER (watch)) != NULL)
    gtk_widget_remove_controller (gtk_event_controller_get_widget (GTK_EVENT_CONTROLLER (watch)),
                                  GTK_EVENT_CONTROLLER (watch));
  g_object_unref (watch);
  return ok;
}

gboolean
tern_test_ui_click (GtkWidget *widget,
                    double     x,
                    double     y)
{
  return click_times (widget, 1, 1, x, y);
}

gboolean
tern_test_ui_click_button (GtkWidget *widget,
                           guint      button,
                           double     x,
                           double     y)
{
  return click_times (widget, button, 1, x, y);
}

gboolean
tern_test_ui_double_click (GtkWidget *widget,
                           double     x,
                           double     y)
{
  return click_times (widget, 1, 2, x, y);
}

void
tern_test_ui_drag (GtkWidget *from,
                   double     fx,
                   double     fy,
                   GtkWidget *to,
                   double     tx,
                   double     ty)
{
  Display *dpy = xdisplay (from);
  int x0, y0, x1, y1;

  root_point (from, fx, fy, &x0, &y0);
  root_point (to, tx, ty, &x1, &y1);
  XTestFakeMotionEvent (dpy, -1, x0, y0, CurrentTime);
  XTestFakeButtonEvent (dpy, 1, True, CurrentTime);
  XSync (dpy, False);
  tern_test_ui_drain ();
  /* In steps, past the drag threshold, as a hand moves; GTK sees each one. */
  for (int i = 1; i <= 12; i++)
    {
      XTestFakeMotionEvent (dpy, -1, x0 + (x1 - x0) * i / 12, y0 + (y1 - y0) * i / 12, CurrentTime);
      XSync (dpy, False);
      tern_test_ui_drain ();
    }
  /* A few moves over the target, each after a frame: the drag's XDND position and status
   * messages go round before the drop. */
  for (int i = 0; i < 3; i++)
    {
      XTestFakeMotionEvent (dpy, -1, x1 + 1 + i, y1, CurrentTime);
      XSync (dpy, False);
      tern_test_ui_drain ();
      g_assert_true (tern_test_ui_wait_frames (to, 1));
    }
  XTestFakeButtonEvent (dpy, 1, False, CurrentTime);
  XSync (dpy, False);
  tern_test_ui_drain ();
}

void
tern_test_ui_screenshots (GtkWindow  *window,
                          const char *name,
                          int         width,
                          int         height)
{
  const char *dir = g_getenv ("TERN_SCREENSHOT_DIR");
  static const struct { const char *variant; gboolean narrow; gboolean dark; } variants[] = {
    { "light", FALSE, FALSE }, { "dark", FALSE, TRUE }, { "narrow", TRUE, FALSE },
  };

  if (dir == NULL)
    return;
  for (guint i = 0; i < G_N_ELEMENTS (variants); i++)
    {
      g_autofree char *path = g_strdup_printf ("%s/%s-%s.png", dir, name, variants[i].variant);
      g_autoptr(GdkTexture) texture = NULL;

      adw_style_manager_set_color_scheme (adw_style_manager_get_default (),
                                          variants[i].dark ? ADW_COLOR_SCHEME_FORCE_DARK
                                                           : ADW_COLOR_SCHEME_FORCE_LIGHT);
      gtk_window_set_default_size (window, variants[i].narrow ? 360 : width, height);
      g_assert_true (tern_test_ui_wait_frames (GTK_WIDGET (window), 3));
      texture = tern_test_ui_render (GTK_WIDGET (window));
      g_assert_true (gdk_texture_save_to_png (texture, path));
    }
  adw_style_manager_set_color_scheme (adw_style_manager_get_default (), ADW_COLOR_SCHEME_DEFAULT);
}

static GPid  keyring_pid;
static char *keyring_home;

static void
keyring_appeared_cb (GDBusConnection *connection,
                     const char      *name,
                     const char      *owner,
                     gpointer         data)
{
  *(gboolean *) data = TRUE;
}

static gboolean
flag_cb (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

void
tern_test_ui_start_keyring (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *run = NULL;
  g_auto(GStrv) env = g_get_environ ();
  const char *argv[] = { "gnome-keyring-daemon", "--foreground", "--components=secrets", "--unlock", NULL };
  int in_fd = -1;

  keyring_home = g_dir_make_tmp ("tern-keyring-XXXXXX", &error);
  g_assert_no_error (error);
  run = g_build_filename (keyring_home, "run", NULL);
  g_assert_cmpint (g_mkdir (run, 0700), ==, 0);
  env = g_environ_setenv (env, "HOME", keyring_home, TRUE);
  env = g_environ_setenv (env, "XDG_DATA_HOME", keyring_home, TRUE);
  env = g_environ_setenv (env, "XDG_RUNTIME_DIR", run, TRUE);
  /* The tests' fatal warnings and malloc checks are not for the daemon. */
  env = g_environ_unsetenv (env, "G_DEBUG");
  env = g_environ_unsetenv (env, "MALLOC_CHECK_");
  env = g_environ_unsetenv (env, "MALLOC_PERTURB_");
  g_assert_true (g_spawn_async_with_pipes (NULL, (char **) argv, env,
                                           G_SPAWN_SEARCH_PATH | G_SPAWN_STDOUT_TO_DEV_NULL |
                                           G_SPAWN_STDERR_TO_DEV_NULL,
                                           NULL, NULL, &keyring_pid, &in_fd, NULL, NULL, &error));
  g_assert_no_error (error);
  /* --unlock reads the new login keyring's password from standard input. */
  g_assert_cmpint (write (in_fd, "x", 1), ==, 1);
  close (in_fd);

  /* Up once its name is on the bus: watched, not polled. */
  {
    g_autoptr(GDBusConnection) bus = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, &error);
    gboolean state[2] = { FALSE, FALSE };   /* appeared, timed out */
    guint watch, timeout;

    g_assert_no_error (error);
    watch = g_bus_watch_name_on_connection (bus, "org.freedesktop.secrets", G_BUS_NAME_WATCHER_FLAGS_NONE,
                                            keyring_appeared_cb, NULL, state, NULL);
    timeout = g_timeout_add_seconds (20, flag_cb, &state[1]);
    while (!state[0] && !state[1])
      g_main_context_iteration (NULL, TRUE);
    g_bus_unwatch_name (watch);
    if (!state[0])
      g_error ("gnome-keyring-daemon did not come up on the test bus");
    g_source_remove (timeout);
  }
}

void
tern_test_ui_stop_keyring (void)
{
  if (keyring_pid > 0)
    {
      kill (keyring_pid, SIGTERM);
      g_spawn_close_pid (keyring_pid);
      keyring_pid = 0;
    }
  if (keyring_home != NULL)
    {
      g_autofree char *cmd = g_strdup_printf ("rm -rf '%s'", keyring_home);

      if (system (cmd) != 0)
        g_printerr ("Cannot remove %s\n", keyring_home);
      g_clear_pointer (&keyring_home, g_free);
    }
}

/* A web server that counts requests. */

static gboolean
web_incoming_cb (GSocketService     *service,
                 GSocketConnection  *connection,
                 GObject            *source,
                 TernTestWebCounter *counter)
{
  static const char reply[] = "HTTP/1.0 200 OK\r\nContent-Type: image/gif\r\nContent-Length: 0\r\n"
                              "Connection: close\r\n\r\n";
  GInputStream *in = g_io_stream_get_input_stream (G_IO_STREAM (connection));
  GOutputStream *out = g_io_stream_get_output_stream (G_IO_STREAM (connection));
  char buffer[4096];

  counter->requests++;
  g_input_stream_read (in, buffer, sizeof buffer, NULL, NULL);
  g_output_stream_write_all (out, reply, sizeof reply - 1, NULL, NULL, NULL);
  g_io_stream_close (G_IO_STREAM (connection), NULL, NULL);
  return TRUE;
}

void
tern_test_web_counter_start (TernTestWebCounter *counter)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) effective = NULL;

  counter->service = g_socket_service_new ();
  g_assert_true (g_socket_listener_add_address (G_SOCKET_LISTENER (counter->service), address,
                                                G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP,
                                                NULL, &effective, &error));
  g_assert_no_error (error);
  counter->port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (effective));
  g_signal_connect (counter->service, "incoming", G_CALLBACK (web_incoming_cb), counter);
  g_socket_service_start (counter->service);
}

void
tern_test_web_counter_stop (TernTestWebCounter *counter)
{
  g_socket_service_stop (counter->service);
  g_socket_listener_close (G_SOCKET_LISTENER (counter->service));
  g_clear_object (&counter->service);
}

gboolean
tern_test_web_counter_requested_cb (gpointer data)
{
  return ((TernTestWebCounter *) data)->requests > 0;
}
