/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The helpers test-imap-connection.c (the connection against the fixture's servers) and
 * test-imap-connection-fake.c (a scripted fake server, cancellation) share. */
#pragma once

#include "tern-imap-connection-private.h"
#include "tern-test-server.h"

#define USER     "alice"
#define PASSWORD "secret"

/* Starts the server of these flags into *server the first time. */
TernTestServer     *get_server         (TernTestServer      **server,
                                        TernTestServerFlags   flags);
TernImapSettings    settings_for       (TernTestServer       *server,
                                        TernImapSecurity      security,
                                        const char           *user,
                                        gboolean              with_ca);
TernImapConnection *open_logged_in     (TernTestServer       *server,
                                        TernImapSecurity      security,
                                        const char           *user);
gdouble             seconds_since      (gint64                start);
gboolean            fetch_list_has_uid (mailimap             *session,
                                        guint32               uid);
