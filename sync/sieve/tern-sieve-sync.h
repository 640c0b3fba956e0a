/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "tern-managesieve.h"
#include "tern-sieve-rules.h"
#include "tern-sieve-store.h"

G_BEGIN_DECLS

/*
 * An account's rules between the cache and its ManageSieve server. A change is kept in the
 * cache first (tern-sieve-store.h) and uploaded when the server can be reached, so rules can
 * be edited offline; Tern writes only its own script ("tern") and never replaces rules made
 * elsewhere unless told to (replace_foreign).
 */

#define TERN_SIEVE_SCRIPT_NAME "tern"

typedef struct
{
  TernSieveRules *rules;        /* Tern's rules; NULL when the active script is not Tern's */
  char           *script;       /* the active script as text (any author), or NULL: none */
  char           *active_name;  /* the active script's name on the server, or NULL */
  gboolean        pending;      /* a change made here has not reached the server yet */
  gboolean        from_server;  /* read from the server just now (else the cache's copy) */
  char           *error;        /* why the last upload failed, or NULL */
  char           *implementation; /* the server's name for itself, when it was asked */
} TernSieveState;

void              tern_sieve_state_free (TernSieveState *state);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TernSieveState, tern_sieve_state_free)

/* Connects with the account's settings, password (keyring or command) and certificate pin. */
TernManageSieve  *tern_sieve_open       (TernStore          *store,
                                         const TernAccount  *account,
                                         guint               timeout_seconds,
                                         GCancellable       *cancellable,
                                         GError            **error);
/* The rules: a pending change from the cache, else the server's (unless offline), else the
 * cache's last copy. */
TernSieveState   *tern_sieve_load       (TernStore          *store,
                                         const TernAccount  *account,
                                         gboolean            offline,
                                         guint               timeout_seconds,
                                         GError            **error);
/* Keeps rules as the account's, then uploads them unless offline. *queued_out is TRUE when
 * they wait in the cache for the server (offline, or it could not be reached); a server that
 * refuses them fails with its reason and they stay pending. */
gboolean          tern_sieve_save       (TernStore             *store,
                                         const TernAccount     *account,
                                         const TernSieveRules  *rules,
                                         gboolean               offline,
                                         gboolean               replace_foreign,
                                         guint                  timeout_seconds,
                                         gboolean              *queued_out,
                                         GError               **error);
/* Uploads a pending change, if any. */
gboolean          tern_sieve_push       (TernStore          *store,
                                         const TernAccount  *account,
                                         gboolean            replace_foreign,
                                         guint               timeout_seconds,
                                         GError            **error);
/* Replaces the active script (or Tern's, when none is active) with text written by hand:
 * online only; the server's syntax check decides. */
gboolean          tern_sieve_put_raw    (TernStore          *store,
                                         const TernAccount  *account,
                                         const char         *script,
                                         guint               timeout_seconds,
                                         GError            **error);

G_END_DECLS
