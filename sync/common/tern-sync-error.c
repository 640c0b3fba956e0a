/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "tern-sync"

#include "config.h"

#include <gio/gio.h>

#include "tern-sync-error.h"

G_DEFINE_QUARK (tern-sync-error-quark, tern_sync_error)

TernFailureClass
tern_failure_classify (const GError *error)
{
  g_return_val_if_fail (error != NULL, TERN_FAILURE_GIVE_UP);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return TERN_FAILURE_RETRY_LATER;

  if (error->domain == TERN_SYNC_ERROR)
    switch ((TernSyncError) error->code)
      {
      case TERN_SYNC_ERROR_TRANSIENT:
        return TERN_FAILURE_RETRY_NOW;
      case TERN_SYNC_ERROR_OFFLINE:
        return TERN_FAILURE_RETRY_LATER;
      case TERN_SYNC_ERROR_AUTH:
      case TERN_SYNC_ERROR_CERTIFICATE:
      case TERN_SYNC_ERROR_CONFIG:
      case TERN_SYNC_ERROR_INSECURE:
        return TERN_FAILURE_ASK_USER;
      case TERN_SYNC_ERROR_NO_SUCH_FOLDER:
      case TERN_SYNC_ERROR_PERMANENT:
      case TERN_SYNC_ERROR_PROTOCOL:
      case TERN_SYNC_ERROR_GONE:
      default:
        return TERN_FAILURE_GIVE_UP;
      }

  /* The cache or a local file failed (disk full, I/O): nothing the server or the user's
   * action did; the work is kept and tried again. */
  return TERN_FAILURE_RETRY_LATER;
}

gboolean
tern_failure_is_retryable (const GError *error)
{
  return error != NULL && error->domain == TERN_SYNC_ERROR &&
         (tern_failure_classify (error) == TERN_FAILURE_RETRY_NOW ||
          tern_failure_classify (error) == TERN_FAILURE_RETRY_LATER);
}

gboolean
tern_failure_stops_run (const GError *error)
{
  if (error == NULL)
    return FALSE;
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) ||
      g_error_matches (error, TERN_SYNC_ERROR, TERN_SYNC_ERROR_OFFLINE))
    return TRUE;
  return tern_failure_classify (error) == TERN_FAILURE_ASK_USER;
}
