/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "tern-renderer"

#include "config.h"

#include <string.h>

#include <epoxy/gl.h>

#include "tern-renderer.h"

/*
 * GTK 4.8 draws with OpenGL wherever OpenGL works, software rasterizers included. On a
 * machine without a GPU driver (a virtual machine, a remote desktop, Xvfb) that is Mesa's
 * llvmpipe, and drawing the window then takes most of the CPU. In bench-app (a
 * 100,000-message INBOX under Xvfb, 2 cores) llvmpipe's threads had 75% of all CPU samples:
 * a scroll step cost 64 ms of CPU against 6.6 ms with the cairo renderer, a flag change took
 * 114 ms to show against 44 ms, and peak RSS was 317 MB against 236 MB. GTK 4.14 stopped
 * using its GPU renderers on llvmpipe for this reason; Tern does the same on the GTK it
 * runs on. A renderer the user chose (GSK_RENDERER) is kept.
 *
 * The choice goes to the display ("gsk-renderer", which GSK reads before GSK_RENDERER, as
 * GtkInspector uses it), not to the environment: setenv() once threads run is not safe.
 */

char *
tern_renderer_dup_gl_name (GdkDisplay *display)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GdkGLContext) context = NULL;
  const char *name;
  char *result;

  g_return_val_if_fail (GDK_IS_DISPLAY (display), NULL);

  context = gdk_display_create_gl_context (display, &error);
  if (context == NULL || !gdk_gl_context_realize (context, &error))
    {
      g_debug ("No OpenGL: %s", error != NULL ? error->message : "no context");
      return NULL;
    }
  gdk_gl_context_make_current (context);
  name = (const char *) glGetString (GL_RENDERER);
  result = g_strdup (name);
  gdk_gl_context_clear_current ();
  return result;
}

gboolean
tern_renderer_gl_is_software (const char *gl_name)
{
  static const char * const software[] = { "llvmpipe", "softpipe", "swrast", "Software Rasterizer" };

  for (guint i = 0; gl_name != NULL && i < G_N_ELEMENTS (software); i++)
    if (strstr (gl_name, software[i]) != NULL)
      return TRUE;
  return FALSE;
}

void
tern_renderer_choose (GdkDisplay *display)
{
  g_autofree char *gl_name = NULL;

  /* Without a display (no window will be made), with the user's own choice, or chosen
   * already (another application instance in this process, as in tests): nothing. */
  if (display == NULL || g_getenv ("GSK_RENDERER") != NULL ||
      g_object_get_data (G_OBJECT (display), "gsk-renderer") != NULL)
    return;
  gl_name = tern_renderer_dup_gl_name (display);
  g_debug ("OpenGL: %s", gl_name != NULL ? gl_name : "none");
  if (tern_renderer_gl_is_software (gl_name))
    g_object_set_data_full (G_OBJECT (display), "gsk-renderer", g_strdup ("cairo"), g_free);
}
