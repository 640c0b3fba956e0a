/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

#include "tern-store.h"

G_BEGIN_DECLS

/*
 * What the fuzz targets share: a scratch folder, a fresh cache per input (copied from a
 * template made once, so an input's effects never leak into the next one), and a scripted
 * IMAP server on loopback that sends an input's bytes to whoever connects.
 *
 * Internal (underscore) functions of sync/ and cache/ are reached only through
 * tern-fuzz-internal.h.
 */

/* Aborts (a crash libFuzzer reports, with the message) when cond is false: a broken
 * promise of Tern's API is a finding like any crash. Unless known-crashes.txt lists it
 * (reported, not fixed yet): then it says so once and returns. */
#define tern_fuzz_check(cond, ...) \
  G_STMT_START { \
    if (G_UNLIKELY (!(cond))) \
      tern_fuzz_fail (G_STRLOC, #cond, __VA_ARGS__); \
  } G_STMT_END

void         tern_fuzz_fail       (const char *where,
                                      const char *cond,
                                      const char *format,
                                      ...) G_GNUC_PRINTF (3, 4);

/* Once per process: GLib criticals and warnings fatal, GMime and libetpan initialised. */
void         tern_fuzz_init          (void);

/* A folder for this process (on /dev/shm when it has one), removed at exit. */
const char  *tern_fuzz_tmpdir        (void);
/* Removes everything inside dir (not dir itself). */
void         tern_fuzz_empty_dir     (const char *dir);

/* A cache of its own with one account ("fuzz", user "fuzz", security "none" on
 * 127.0.0.1:port) and its INBOX. Free with tern_fuzz_store_free(), which also removes its
 * files. */
typedef struct
{
  TernStore   *store;
  TernAccount *account;
  gint64       inbox_id;
  char        *dir;
} TernFuzzStore;

TernFuzzStore *tern_fuzz_store_new   (guint16        port);
void           tern_fuzz_store_free  (TernFuzzStore *self);

/* A string of the bytes (NUL bytes cut it short, as they would for a C API). */
char        *tern_fuzz_strndup       (const guint8 *data,
                                      gsize         size) G_GNUC_WARN_UNUSED_RESULT;

/*
 * The scripted server. Listens on 127.0.0.1 from a thread of its own. The first connection
 * after tern_fuzz_server_script() gets the script's bytes at once and then end-of-stream
 * (the client's commands are read and dropped, so it never blocks writing); any later
 * connection is closed at once (a server that went away).
 * wait_done() waits until every accepted connection has been closed by the client: a
 * connection the client forgets to close is a finding (it aborts after 20 s).
 */
guint16      tern_fuzz_server_start  (void);
void         tern_fuzz_server_script (const guint8 *data,
                                      gsize         size);
void         tern_fuzz_server_wait_done (void);
guint        tern_fuzz_server_get_connections (void);

/* Runs Tern's IMAP engine against the account's server the way the app and tern-cli do:
 * connect, folder list, INBOX, STATUS of the others, text, an attachment and an export of
 * the first message, a server search, one IDLE. The seed recorder runs the same steps
 * against Dovecot, so that recorded sessions replay command for command. */
void         tern_fuzz_imap_drive    (TernFuzzStore *fs);

/* Inputs that would only find a defect already reported and not fixed yet (known-defects.c):
 * TRUE to skip them, unless TERN_FUZZ_ALL is set. */
gboolean     tern_fuzz_known_imap    (const guint8 *data,
                                      gsize         size);
gboolean     tern_fuzz_known_mime    (const guint8 *data,
                                      gsize         size);

G_END_DECLS
