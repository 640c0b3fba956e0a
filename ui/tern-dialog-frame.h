/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

/* The frame of a dialog that reads something first: a header bar, then a toast overlay over a
 * stack of a "loading" spinner and `page` (named "page"), set as window's content. Returns the
 * stack (borrowed); *toasts_out gets the overlay. */
GtkStack *tern_dialog_frame_new (AdwWindow        *window,
                                 GtkWidget        *page,
                                 AdwToastOverlay **toasts_out);

G_END_DECLS
