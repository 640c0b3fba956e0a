/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "tern-sync"

#include "config.h"

#include "tern-sync-error.h"

G_DEFINE_QUARK (tern-sync-error-quark, tern_sync_error)
