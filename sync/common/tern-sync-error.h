/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define TERN_SYNC_ERROR (tern_sync_error_quark ())

/*
 * The codes say what happens next, not what went wrong:
 *  - TRANSIENT: retry now (a dropped connection, a server hiccup).
 *  - OFFLINE: retry later (host unreachable, timeout, no network).
 *  - AUTH, CERTIFICATE, CONFIG, INSECURE: ask the user.
 *  - NO_SUCH_FOLDER, PERMANENT, PROTOCOL: give up on this operation and show it.
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
} TernSyncError;

GQuark tern_sync_error_quark (void);

G_END_DECLS
