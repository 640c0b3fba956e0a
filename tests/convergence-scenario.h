/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "tern-journal.h"
#include "tern-store.h"
#include "tern-test-server.h"

G_BEGIN_DECLS

/*
 * Randomized offline scenarios and their oracle, shared by test-convergence, test-replay-crash
 * and bench-soak.
 *
 * A Scenario owns a few fresh folders on a fixture server ("<tag>-A", "<tag>-B", ..., in the
 * personal namespace NAMESPACE gives: "INBOX.<tag>-A" on Courier) plus the account's Trash,
 * filled with messages whose Message-IDs are unique to the scenario. Next to the real server and cache it keeps a pure model (the oracle), tracking every message
 * instance by Message-ID (a copy shares its original's Message-ID: instances are compared as
 * multisets of (Message-ID, flags) per folder):
 *
 *  - Tern's offline actions (the journal API, applied to the cache) are recorded in the
 *    user's order, and the model's local view (what each folder shows) is updated with them;
 *  - another client's actions are sent to the server at once and applied to the model's
 *    server state;
 *  - scenario_replay_model() then applies Tern's actions to the model's server state with
 *    the merge rules (see convergence-scenario.c), predicting the server after the replay
 *    and the actions that must fail, with their error class;
 *  - scenario_check() compares the server (per folder, read by the other client), the cache
 *    (per folder, by UID) and the journal with that prediction.
 *
 * Each step that finds a divergence appends a description to `report` and returns FALSE;
 * GError is for the harness failing (the fixture, a command the other client needed).
 * Everything runs on the thread that created the server.
 */

typedef struct
{
  const char          *name;
  TernTestServerFlags  flags;
} ScenarioLevel;

/* The capability levels; a convergence seed runs at scenario_levels[seed % SCENARIO_N_LEVELS]. */
#define SCENARIO_N_LEVELS 6
extern const ScenarioLevel scenario_levels[SCENARIO_N_LEVELS];

typedef struct _Scenario Scenario;

/* How big a scenario is. */
typedef struct
{
  guint n_folders;      /* message folders, besides Trash (2 or 3) */
  guint n_messages;     /* spread over them at random */
  guint n_tern;         /* offline actions by Tern */
  guint n_other;        /* actions by the other client */
  gboolean append;      /* Tern may append new messages */
  gboolean empty;       /* Tern may empty a folder */
} ScenarioSize;

/* Creates the folders and messages on the server through `client` (Trash is emptied first).
 * `tag` names them and must be unique on this server; all randomness comes from `seed`. */
Scenario   *scenario_new               (TernTestClient     *client,
                                        const char         *tag,
                                        guint32             seed,
                                        const ScenarioSize *size,
                                        GError            **error);
void        scenario_free              (Scenario           *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (Scenario, scenario_free)

/* After the first sync: binds each cached message to its model instance and checks that the
 * cache shows exactly what the server has. */
gboolean    scenario_attach            (Scenario           *self,
                                        TernStore          *store,
                                        gint64              account_id,
                                        GString            *report,
                                        GError            **error);
/* n random offline actions through the journal API. */
gboolean    scenario_tern_actions      (Scenario           *self,
                                        TernStore          *store,
                                        guint               n,
                                        GString            *report,
                                        GError            **error);
/* n random actions by the other client (STORE +-FLAGS, UID MOVE, UID COPY, EXPUNGE, APPEND). */
gboolean    scenario_other_actions     (Scenario           *self,
                                        guint               n,
                                        GError            **error);
/* Before the replay: the cache shows the model's local view (per folder, by local id). */
gboolean    scenario_check_local       (Scenario           *self,
                                        TernStore          *store,
                                        GString            *report,
                                        GError            **error);
/* The oracle: what the replay must do to the server. Call once, before scenario_check(). */
void        scenario_replay_model      (Scenario           *self);
guint       scenario_count_expected_failures (Scenario     *self);
/* After the final sync: server == oracle, cache == server, journal == expected failures. */
gboolean    scenario_check             (Scenario           *self,
                                        TernStore          *store,
                                        GString            *report,
                                        GError            **error);
/* Deletes the scenario's folders and empties Trash on the server. */
gboolean    scenario_cleanup           (Scenario           *self,
                                        GError            **error);
/* What happened, one line per action, for a divergence report. */
const char *scenario_get_log           (Scenario           *self);

/* Adds alice's account on the fixture to a cache, as `tern-cli account add` would (the
 * password from password_command, or NULL: give it to TernSync). (transfer full) */
TernAccount *scenario_add_account      (TernTestServer     *server,
                                        TernStore          *store,
                                        const char         *password_command,
                                        GError            **error) G_GNUC_WARN_UNUSED_RESULT;

/* For small hand-made cases: "Message-ID [flags]" of every message in a folder on the server,
 * sorted, one a line (EXAMINEs the folder). */
char       *scenario_dup_server_folder (TernTestClient     *client,
                                        const char         *folder,
                                        GError            **error) G_GNUC_WARN_UNUSED_RESULT;

/* The convergence run: one Dovecot per capability level, reused across seeds; each seed gets
 * fresh folders, a fresh cache and one TernSync. */
typedef struct _ConvergenceContext ConvergenceContext;

ConvergenceContext *convergence_context_new  (guint          level,
                                              GError       **error);
/* Seeds on a server of the caller's (any kind; kept by the caller), at level 0's name. */
ConvergenceContext *convergence_context_new_on_server (TernTestServer *server,
                                                       GError        **error);
void                convergence_context_free (ConvergenceContext *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ConvergenceContext, convergence_context_free)

/* Runs one seed (at its context's level). Returns FALSE with error if the harness failed;
 * otherwise TRUE, with *divergence NULL if Tern converged to the oracle, else a report. */
gboolean            convergence_run_seed     (ConvergenceContext *self,
                                              guint32             seed,
                                              char              **divergence,
                                              GError            **error);

G_END_DECLS
