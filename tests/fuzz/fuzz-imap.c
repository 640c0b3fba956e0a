/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "fuzz-imap"

#include "config.h"

#include <stdio.h>

#include "tern-fuzz.h"

/*
 * The IMAP response path as Tern drives it. The input is everything a server sends on one
 * connection (greeting first); the scripted server on loopback sends it at once and ends
 * the stream. Tern connects as it always does (TernImapConnection: GSocketClient, the GIO
 * stream driver under libetpan), libetpan parses, and TernSync turns LIST, STATUS, SELECT,
 * FETCH (headers, flags, body sections), VANISHED, EXPUNGE and SEARCH into cache rows:
 * tern_fuzz_imap_drive() has the steps. Seeds are Dovecot sessions recorded by
 * record-seeds (the same steps against the real server).
 *
 * The account uses no TLS, so the server must greet with PREAUTH: nothing of the login
 * exchange is reached here.
 */

static guint16 port;
static gboolean verbose;

int LLVMFuzzerInitialize (int    *argc,
                          char ***argv);
int LLVMFuzzerTestOneInput (const guint8 *data,
                            gsize         size);

int
LLVMFuzzerInitialize (int    *argc,
                      char ***argv)
{
  tern_fuzz_init ();
  port = tern_fuzz_server_start ();
  /* What a run did with each input: checks that a seed still replays command for command. */
  verbose = g_getenv ("TERN_FUZZ_VERBOSE") != NULL;
  return 0;
}

int
LLVMFuzzerTestOneInput (const guint8 *data,
                        gsize         size)
{
  TernFuzzStore *fs;

  if (tern_fuzz_known_imap (data, size))
    return 0;
  fs = tern_fuzz_store_new (port);

  tern_fuzz_server_script (data, size);
  tern_fuzz_imap_drive (fs);
  tern_fuzz_server_wait_done ();
  if (verbose)
    {
      g_autoptr(GPtrArray) folders = tern_store_list_folders (fs->store, fs->account->id, NULL);
      g_autoptr(GPtrArray) messages = tern_store_list_messages (fs->store, fs->inbox_id, 0, NULL);
      g_autoptr(TernBody) body = NULL;

      if (messages != NULL && messages->len > 0)
        body = tern_store_get_body (fs->store, ((TernMessage *) messages->pdata[0])->id, NULL);
      fprintf (stderr, "  %u connection(s), %u folders, %u messages in INBOX, "
               "first one's text: %s\n",
               tern_fuzz_server_get_connections (), folders ? folders->len : 0,
               messages ? messages->len : 0, body ? "stored" : "none");
    }
  tern_fuzz_store_free (fs);
  return 0;
}
