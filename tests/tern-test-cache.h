/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <sqlite3.h>

#include "tern-store.h"
#include "tern-test-server.h"

G_BEGIN_DECLS

/*
 * A prepared cache for model and UI tests and the UI benchmark, written through the
 * store's own API: account "demo" (alice@example.org on 127.0.0.1:1, which nothing
 * listens on), folders INBOX, Drafts, Sent, Archive, Junk, Trash (special use), Projects,
 * Projects/2024, Receipts, and the shared folder "shared/bob/Team".
 */

typedef struct
{
  gint64 account;
  gint64 inbox;
  gint64 drafts;
  gint64 sent;
  gint64 archive;
  gint64 junk;
  gint64 trash;
  gint64 projects;
  gint64 projects_2024;
  gint64 receipts;
  gint64 team;
} TernTestCacheIds;

TernStore *tern_test_cache_new          (const char        *path,
                                         TernTestCacheIds  *ids);
/* n messages with UIDs first_uid.., newest last, one transaction; every third read, every
 * seventh flagged, every fifth with an attachment (part 2), every eleventh answered; UIDs
 * 4k+1 .. 4k+4 are one conversation (each answers the one before, with References). */
void       tern_test_cache_add_messages (TernStore         *store,
                                         gint64             folder_id,
                                         guint              first_uid,
                                         guint              n);
/* An account `name` for alice on the Dovecot fixture (implicit TLS, password by "echo
 * secret"), the fixture's CA trusted or not. Returns its id. */
gint64     tern_test_cache_add_server_account (TernStore      *store,
                                               TernTestServer *server,
                                               const char     *name,
                                               gboolean        trusted);
/* The account's outgoing server: the fixture's submission service, implicit TLS. */
void       tern_test_cache_set_server_smtp    (TernStore      *store,
                                               TernTestServer *server,
                                               gint64          account_id);
/* A database at path with the schema the cache's migrations 1 .. version (cache/sql/) give,
 * user_version set: an old cache to migrate. Close it with sqlite3_close(). */
sqlite3   *tern_test_cache_open_schema        (const char     *path,
                                               int             version);

/* Runs the built tern-cli on the cache in data_dir with the arguments (NULL-terminated);
 * returns what it printed (stdout, then stderr), its wait status in *status_out. */
char      *tern_test_cache_run_cli            (const char     *data_dir,
                                               int            *status_out,
                                               const char     *first,
                                               ...) G_GNUC_NULL_TERMINATED G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS
