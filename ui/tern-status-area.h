/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

#include "tern-application.h"

G_BEGIN_DECLS

#define TERN_TYPE_STATUS_AREA (tern_status_area_get_type ())

G_DECLARE_FINAL_TYPE (TernStatusArea, tern_status_area, TERN, STATUS_AREA, GtkWidget)

void        tern_status_area_set_application (TernStatusArea  *self,
                                              TernApplication *app);
/* Re-reads the workers' states and the journal. */
void        tern_status_area_update          (TernStatusArea  *self);
/* What the status line says ("Offline · 2 waiting"), for tests. */
const char *tern_status_area_get_text        (TernStatusArea  *self);
/* The popover's list of actions, one line each ("Move · subject · reason"), for tests. */
char       *tern_status_area_dup_actions     (TernStatusArea  *self) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS
