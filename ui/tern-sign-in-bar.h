/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

#include "tern-application.h"

G_BEGIN_DECLS

#define TERN_TYPE_SIGN_IN_BAR (tern_sign_in_bar_get_type ())

G_DECLARE_FINAL_TYPE (TernSignInBar, tern_sign_in_bar, TERN, SIGN_IN_BAR, GtkWidget)

/* A bar that shows while an account needs the user to sign in again (a revoked OAuth2 sign-in,
 * an Online Accounts account removed or with mail turned off), with the way to do it. */
GtkWidget *tern_sign_in_bar_new         (TernApplication *app);
/* The account the bar speaks of, 0 when it is hidden. */
gint64     tern_sign_in_bar_get_account (TernSignInBar   *self);

G_END_DECLS
