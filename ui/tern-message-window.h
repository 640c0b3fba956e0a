/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "tern-application.h"
#include "tern-message-view.h"

G_BEGIN_DECLS

/*
 * TernMessageWindow: one message in a window of its own ("Open in New Window", a double
 * click on a message), as Thunderbird opens one: its headers and body in the reading pane's
 * TernMessageView (the same loading, offline notice and remote-content blocking), Reply,
 * Reply All and Forward in the header bar. Main thread only.
 */

#define TERN_TYPE_MESSAGE_WINDOW (tern_message_window_get_type ())

G_DECLARE_FINAL_TYPE (TernMessageWindow, tern_message_window, TERN, MESSAGE_WINDOW, AdwWindow)

TernMessageWindow *tern_message_window_new              (TernApplication   *app,
                                                         gint64             message_id);
gint64             tern_message_window_get_message_id   (TernMessageWindow *self);
TernMessageView   *tern_message_window_get_message_view (TernMessageWindow *self);

G_END_DECLS
