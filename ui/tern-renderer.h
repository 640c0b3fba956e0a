/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/* What OpenGL the display offers ("llvmpipe (LLVM 15.0.6, 256 bits)"), or NULL without one.
 * (transfer full) */
char     *tern_renderer_dup_gl_name        (GdkDisplay *display);
/* Whether that OpenGL is a software rasterizer (Mesa's llvmpipe, softpipe, swrast). */
gboolean  tern_renderer_gl_is_software     (const char *gl_name);
/* Before the display's first window: the cairo renderer where OpenGL is software, unless
 * the user chose one (GSK_RENDERER). See tern-renderer.c. */
void      tern_renderer_choose             (GdkDisplay *display);

G_END_DECLS
