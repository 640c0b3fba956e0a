/* SPDX-License-Identifier: GPL-3.0-or-later */
/* What the parts of bench-sync share: bench-sync.c (the runs of tern-cli, main),
 * bench-sync-floor.c (the bare client), bench-sync-changes.c (another client's changes and
 * the check of the cache), bench-sync-table.c (the table). */
#pragma once

#include <glib.h>

#include "tern-test-server.h"

#define USER           "alice"
#define PASSWORD       "secret"
#define ACCOUNT        "bench"
#define READ_SIZE      (256 * 1024)
#define RESYNC_REPEATS 5
#define FLAG_COMMANDS  4
#define SAMPLE_EXTRA   500

/* The item list of header_fetch_attrs() in sync/engine/tern-sync-fetch.c (with CONDSTORE). */
#define FETCH_ITEMS "(UID FLAGS INTERNALDATE RFC822.SIZE ENVELOPE BODYSTRUCTURE " \
                    "BODY.PEEK[HEADER.FIELDS (References)] MODSEQ)"

/* Targets. */
#define TARGET_TIME_RATIO   3.0
#define TARGET_RSS_MB       64.0
#define TARGET_RESYNC_BYTES 2048
#define TARGET_RESYNC_MS    100.0
#define TARGET_BYTES_SLACK  1.10

typedef struct
{
  double   seconds;
  guint64  bytes;          /* the FETCH response: command sent to tagged OK */
  guint    responses;      /* untagged FETCH responses */
} Floor;

typedef struct
{
  double   seconds;
  double   cpu_seconds;
  double   maxrss_mb;
  int      status;
  gboolean have_stats;
  guint64  read;
  guint64  written;
  guint    round_trips;
  guint    fetched;
  char    *stderr_text;
} CliRun;

typedef struct
{
  double   seconds;        /* median */
  double   min_seconds;
  guint64  read;
  guint64  written;
  guint    round_trips;
} FolderRun;

typedef struct
{
  guint    n;
  double   seed_seconds;
  Floor    cold;
  Floor    warm;
  CliRun   first;
  CliRun   again;
  FolderRun folder;
  guint    flagged;
  guint    expunged;
  guint    change_commands;
  CliRun   changed;
  gboolean verified;
  char    *verify_text;
  gboolean failed;
  char    *error_text;
} Result;

/* bench-sync.c */
double     now_seconds    (void);

/* bench-sync-floor.c */
gboolean   measure_floor  (TernTestServer  *server,
                           Floor           *floor_out,
                           GError         **error);

/* bench-sync-changes.c */
GArray    *change_mailbox (TernTestServer  *server,
                           Result          *r,
                           GError         **error);
gboolean   verify_cache   (TernTestServer  *server,
                           const char      *data_dir,
                           GArray          *flagged,
                           Result          *r,
                           GError         **error);

/* bench-sync-table.c */
void       print_table    (GPtrArray       *results);
