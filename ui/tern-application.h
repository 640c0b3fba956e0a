/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "tern-account-worker.h"
#include "tern-mail-service.h"
#include "tern-composer-window.h"
#include "tern-store.h"

G_BEGIN_DECLS

#define TERN_TYPE_APPLICATION (tern_application_get_type ())

G_DECLARE_FINAL_TYPE (TernApplication, tern_application, TERN, APPLICATION, AdwApplication)

TernApplication   *tern_application_new            (void);
/* The main thread's cache connection; NULL until startup. */
TernStore         *tern_application_get_store      (TernApplication *self);
/* Everything asked of the mail goes through it (NULL before the cache is open). */
TernMailService   *tern_application_get_mail_service (TernApplication *self);
GSettings         *tern_application_get_settings   (TernApplication *self);
/* Opens the cache in data_dir (tests and --data-dir); before the first window. */
gboolean           tern_application_open_cache     (TernApplication *self,
                                                    const char      *data_dir,
                                                    GError         **error);
TernAccountWorker *tern_application_get_worker     (TernApplication *self,
                                                    gint64           account_id);
/* Every account's worker, in account order. (transfer container) */
GPtrArray         *tern_application_list_workers   (TernApplication *self);
/* Creates and starts workers for accounts that have none (after an account was added). */
void               tern_application_reload_accounts (TernApplication *self);
gboolean           tern_application_get_work_offline (TernApplication *self);
void               tern_application_set_work_offline (TernApplication *self,
                                                    gboolean         work_offline);
/* Hands a desktop notification to the session's notification service and emits
 * "notification-sent"; FALSE (nothing sent) when the session has no such service. */
gboolean           tern_application_send_notification (TernApplication *self,
                                                    const char      *id,
                                                    GNotification   *notification);
/* Opens a composer (see tern-composer-window.h); NULL when there is no account to write
 * from. mailto: takes a link's fields (RFC 6068). */
TernComposerWindow *tern_application_compose       (TernApplication *self,
                                                    TernComposeMode  mode,
                                                    gint64           account_id,
                                                    gint64           message_id);
TernComposerWindow *tern_application_compose_mailto (TernApplication *self,
                                                    const char      *uri);
/* Opens an address in the default browser; with $TERN_TEST_URI_LOG set, appends it to that
 * file instead (tests fetch it themselves). */
void               tern_open_uri                   (const char      *uri);
/* Tests: do not start the worker threads at all. */
void               tern_application_set_start_workers (TernApplication *self,
                                                    gboolean         start);

G_END_DECLS
