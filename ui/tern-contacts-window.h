/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "tern-application.h"

G_BEGIN_DECLS

#define TERN_TYPE_CONTACTS_WINDOW (tern_contacts_window_get_type ())

G_DECLARE_FINAL_TYPE (TernContactsWindow, tern_contacts_window, TERN, CONTACTS_WINDOW, AdwWindow)

/* The address book (app.contacts in the main menu): the people Tern collected and the user
 * added, searchable; a name is edited in place (Enter or the apply button keeps it); Add,
 * Delete, Write Message; Import and Export vCard in the window's menu. Main thread only. */
TernContactsWindow *tern_contacts_window_new         (TernApplication    *app);
/* What the Import and Export choosers do with the file chosen: the result is a toast;
 * FALSE and the error (also shown) when it fails. */
gboolean            tern_contacts_window_import_file (TernContactsWindow *self,
                                                      GFile              *file,
                                                      GError            **error);
gboolean            tern_contacts_window_export_file (TernContactsWindow *self,
                                                      GFile              *file,
                                                      GError            **error);
/* The addresses listed now, in order. (transfer full) */
GStrv               tern_contacts_window_dup_shown   (TernContactsWindow *self);

/* Counts the recipients of the Sent folders' messages not looked at yet, on a thread of its
 * own with its own connection to the cache at path (so the window never waits for it).
 * stop: asks it to end after the batch it is on and waits for that (before the cache's files
 * go away). */
typedef struct _TernContactsCollect TernContactsCollect;

TernContactsCollect *tern_contacts_collect_sent_start (const char         *path);
void                tern_contacts_collect_sent_stop  (TernContactsCollect *collect);

G_END_DECLS
