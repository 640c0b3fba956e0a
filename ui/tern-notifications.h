/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "tern-application.h"

G_BEGIN_DECLS

/* New-mail notifications: one per batch a sync brings (in the folders that notify), with the
 * sender and subject, and "Mark as Read" and "Archive" buttons that act through the mail
 * service without opening a window (app.notification-mark-read and app.notification-archive,
 * their target the messages' ids). */

/* The buttons' actions, on app. */
void tern_notifications_add_actions (TernApplication *app);
/* Tells the desktop of count new messages, ids (gint64; may be NULL: then subject, the last
 * one's, is all there is to say). */
void tern_notifications_new_mail    (TernApplication *app,
                                     guint            count,
                                     const char      *subject,
                                     GArray          *ids);

G_END_DECLS
