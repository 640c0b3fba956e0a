/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define TERN_SYNC_ERROR (tern_sync_error_quark ())

/*
 * The codes say what happens next, not what went wrong (tern_failure_classify() says it
 * for any error):
 *  - TRANSIENT: retry now (a dropped connection, a server hiccup).
 *  - OFFLINE: retry later (host unreachable, timeout, no network).
 *  - AUTH, CERTIFICATE, CONFIG, INSECURE: ask the user.
 *  - NO_SUCH_FOLDER, PERMANENT, PROTOCOL, GONE: give up on this operation and show it.
 * A cancelled operation uses G_IO_ERROR_CANCELLED and is never shown as an error.
 */
typedef enum
{
  TERN_SYNC_ERROR_TRANSIENT,
  TERN_SYNC_ERROR_OFFLINE,
  TERN_SYNC_ERROR_AUTH,
  TERN_SYNC_ERROR_CERTIFICATE,
  TERN_SYNC_ERROR_CONFIG,
  TERN_SYNC_ERROR_INSECURE,
  TERN_SYNC_ERROR_NO_SUCH_FOLDER,
  TERN_SYNC_ERROR_PERMANENT,
  TERN_SYNC_ERROR_PROTOCOL,
  TERN_SYNC_ERROR_GONE,           /* the message is no longer on the server */
} TernSyncError;

GQuark tern_sync_error_quark (void);

/*
 * What to do about a failure, whoever reports it (sync, replay, bodies, the outbox, the
 * account workers): the one place where errors are sorted.
 *  - RETRY_NOW: transient; the same operation again at once, on a new connection.
 *  - RETRY_LATER: offline, timed out, cancelled, or the local disk (full, I/O): kept, and
 *    tried again by itself later.
 *  - ASK_USER: the account cannot work until the user acts (password, certificate,
 *    settings, an insecure server); everything waits for it.
 *  - GIVE_UP: this operation cannot succeed as it is (the server said no, the message or
 *    folder is gone, the server broke the protocol); it is shown with its reason, the
 *    rest goes on.
 */
typedef enum
{
  TERN_FAILURE_RETRY_NOW,
  TERN_FAILURE_RETRY_LATER,
  TERN_FAILURE_ASK_USER,
  TERN_FAILURE_GIVE_UP,
} TernFailureClass;

TernFailureClass tern_failure_classify     (const GError *error);
/* A new connection may succeed: TRANSIENT or OFFLINE (RETRY_NOW, or RETRY_LATER from the
 * network; not a cancel, not the local disk). */
gboolean         tern_failure_is_retryable (const GError *error);
/* ASK_USER, or RETRY_LATER for a reason beyond one operation (offline, cancelled): the
 * account's run stops here rather than going on with the next item. */
gboolean         tern_failure_stops_run    (const GError *error);

G_END_DECLS
