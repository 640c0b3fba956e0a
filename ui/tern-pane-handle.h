/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define TERN_TYPE_PANE_HANDLE (tern_pane_handle_get_type ())

G_DECLARE_FINAL_TYPE (TernPaneHandle, tern_pane_handle, TERN, PANE_HANDLE, GtkWidget)

/*
 * The border between two panes, dragged to resize the pane before it (its start side).
 * Dragging sets the pane's width-request, kept within the settings key's range and so that
 * the panes after it keep their own minimum width; the width is saved to the key when the
 * drag ends. Main thread only.
 */
GtkWidget  *tern_pane_handle_new         (void);
/* pane: the widget resized (borrowed: it outlives the handle in the same window);
 * settings/key: where the width is kept (an "i" key with a range), or NULL. */
void        tern_pane_handle_set_pane    (TernPaneHandle *self,
                                          GtkWidget      *pane,
                                          GSettings      *settings,
                                          const char     *key);
GtkWidget  *tern_pane_handle_get_pane    (TernPaneHandle *self);
/* The drag gesture (tests drive it through its signals). */
GtkGesture *tern_pane_handle_get_gesture (TernPaneHandle *self);

G_END_DECLS
