/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-faults"

#include "config.h"

#include <string.h>

#include "tern-store.h"
#include "tern-sync.h"
#include "tern-fake-imap.h"
#include "tern-test-server.h"
#include "tern-test-time.h"

/*
 * Faults a real server will not produce on demand: the fake IMAP server (tern-fake-imap) over
 * TLS (with the fixture's certificate) serves one folder of 100 messages and, in the middle of
 * a UID FETCH (at the message with UID 50), stalls, cuts the connection or sends a
 * malformed response.
 */

#define MESSAGES 100
#define FAULT_AT 50

typedef struct
{
  TernTestServer *real;      /* only for its CA and certificate */
  TernFakeImap   *fake;
  char           *dir;
  TernStore      *store;
  TernAccount    *account;
} Fixture;

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;
  g_autofree char *key = NULL;
  TernAccount account = { 0 };

  f->real = tern_test_server_new (TERN_TEST_SERVER_FULL, &error);
  g_assert_no_error (error);
  key = g_build_filename (tern_test_server_get_dir (f->real), "server.key", NULL);
  f->fake = tern_fake_imap_new (tern_test_server_get_cert_file (f->real), key, &error);
  g_assert_no_error (error);
  tern_fake_imap_set_capabilities (f->fake, "IMAP4rev1");
  tern_fake_imap_set_uidvalidity (f->fake, "INBOX", 7);
  tern_fake_imap_add_messages (f->fake, "INBOX", MESSAGES);

  f->dir = g_dir_make_tmp ("tern-faults-XXXXXX", &error);
  g_assert_no_error (error);
  path = g_build_filename (f->dir, "tern.db", NULL);
  f->store = tern_store_open (path, &error);
  g_assert_no_error (error);

  account.name = (char *) "fake";
  account.email = (char *) "alice@example.org";
  account.host = (char *) "127.0.0.1";
  account.port = tern_fake_imap_get_port (f->fake);
  account.security = (char *) "tls";
  account.user = (char *) "alice";
  account.ca_file = (char *) tern_test_server_get_ca_file (f->real);
  g_assert_true (tern_store_add_account (f->store, &account, &account.id, &error));
  f->account = tern_store_get_account (f->store, "fake", &error);
  g_assert_no_error (error);
}

static void
start_fake (Fixture           *f,
            TernFakeImapFault  fault,
            gint               faults)
{
  tern_fake_imap_set_fault (f->fake, fault, FAULT_AT, faults);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  g_autofree char *cmd = g_strdup_printf ("rm -rf '%s'", f->dir);

  tern_fake_imap_free (f->fake);
  tern_account_free (f->account);
  tern_store_free (f->store);
  tern_test_server_free (f->real);
  g_assert_cmpint (system (cmd), ==, 0);
  g_free (f->dir);
}

static TernSync *
new_sync (Fixture *f)
{
  TernSync *sync = tern_sync_new (f->store, f->account);

  tern_sync_set_password (sync, "secret");
  tern_sync_set_timeout (sync, 1);
  tern_sync_set_chunk_size (sync, 20);
  return sync;
}

static guint
cached_count (Fixture *f)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TernFolder) inbox = tern_store_get_folder (f->store, f->account->id, "INBOX", &error);

  if (inbox == NULL)
    return 0;
  return tern_store_count_uids (f->store, inbox->id);
}

/* The fault hits every connection: a clear error within bounded time, and the batches
 * committed before it are still there; once the server behaves, the sync completes. */
static void
test_fault_always (Fixture       *f,
                   gconstpointer  data)
{
  TernFakeImapFault fault = GPOINTER_TO_INT (data);
  g_autoptr(GError) error = NULL;
  g_autoptr(TernSync) sync = new_sync (f);
  g_autoptr(TernFolder) inbox = NULL;
  gint64 start = g_get_monotonic_time ();
  guint kept;

  start_fake (f, fault, -1);
  g_assert_false (tern_sync_run (sync, NULL, &error));
  g_assert_nonnull (error);
  g_test_message ("error after %" G_GINT64_FORMAT " ms: %s",
                  (g_get_monotonic_time () - start) / 1000, error->message);
  if (fault == TERN_FAKE_IMAP_FAULT_STALL)
    g_assert_error (error, TERN_SYNC_ERROR, TERN_SYNC_ERROR_OFFLINE);
  else
    g_assert_error (error, TERN_SYNC_ERROR, TERN_SYNC_ERROR_TRANSIENT);
  g_assert_cmpint (g_get_monotonic_time () - start, <, TERN_TEST_SECONDS (15) * G_USEC_PER_SEC);
  /* Dropped and retried with backoff. */
  g_assert_cmpuint (tern_fake_imap_count_connections (f->fake), ==, 3);

  /* Newest first, 20 a batch: the two batches before the fault were kept. */
  kept = cached_count (f);
  g_assert_cmpuint (kept, ==, 40);
  inbox = tern_store_get_folder (f->store, f->account->id, "INBOX", &error);
  g_assert_cmpuint (inbox->fill_low, ==, 61);
  g_assert_cmpuint (inbox->uidvalidity, ==, 0);
  {
    g_autoptr(TernAccount) account = tern_store_get_account (f->store, "fake", &error);
    g_assert_nonnull (account->last_error);
  }

  /* The server behaves again. */
  tern_fake_imap_set_fault (f->fake, TERN_FAKE_IMAP_FAULT_NONE, 0, 0);
  g_clear_error (&error);
  g_assert_true (tern_sync_run (sync, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (cached_count (f), ==, MESSAGES);
}

/* The fault hits once: the engine drops the connection, reconnects and finishes. */
static void
test_fault_once (Fixture       *f,
                 gconstpointer  data)
{
  TernFakeImapFault fault = GPOINTER_TO_INT (data);
  g_autoptr(GError) error = NULL;
  g_autoptr(TernSync) sync = new_sync (f);
  g_autoptr(GPtrArray) messages = NULL;
  g_autoptr(TernFolder) inbox = NULL;

  start_fake (f, fault, 1);
  g_assert_true (tern_sync_run (sync, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (tern_fake_imap_count_connections (f->fake), ==, 2);
  g_assert_cmpuint (cached_count (f), ==, MESSAGES);

  inbox = tern_store_get_folder (f->store, f->account->id, "INBOX", &error);
  messages = tern_store_list_messages (f->store, inbox->id, 0, &error);
  for (guint i = 0; i < messages->len; i++)
    {
      TernMessage *m = messages->pdata[i];
      g_autofree char *subject = g_strdup_printf ("Message %u", m->uid);

      g_assert_cmpstr (m->subject, ==, subject);
      g_assert_cmpstr (m->flags, ==, m->uid % 2 ? "\\Seen" : "");
    }
  /* It offers no PREVIEW: remembered for the preferences (#14 item 12). */
  g_assert_cmpint (tern_sync_server_offers_previews (f->store, f->account->id), ==, TERN_SYNC_OFFER_NO);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add ("/faults/stall/always", Fixture, GINT_TO_POINTER (TERN_FAKE_IMAP_FAULT_STALL),
              fixture_set_up, test_fault_always, fixture_tear_down);
  g_test_add ("/faults/cut/always", Fixture, GINT_TO_POINTER (TERN_FAKE_IMAP_FAULT_CUT),
              fixture_set_up, test_fault_always, fixture_tear_down);
  g_test_add ("/faults/malformed/always", Fixture, GINT_TO_POINTER (TERN_FAKE_IMAP_FAULT_MALFORMED),
              fixture_set_up, test_fault_always, fixture_tear_down);
  g_test_add ("/faults/stall/once", Fixture, GINT_TO_POINTER (TERN_FAKE_IMAP_FAULT_STALL),
              fixture_set_up, test_fault_once, fixture_tear_down);
  g_test_add ("/faults/cut/once", Fixture, GINT_TO_POINTER (TERN_FAKE_IMAP_FAULT_CUT),
              fixture_set_up, test_fault_once, fixture_tear_down);
  g_test_add ("/faults/malformed/once", Fixture, GINT_TO_POINTER (TERN_FAKE_IMAP_FAULT_MALFORMED),
              fixture_set_up, test_fault_once, fixture_tear_down);

  return g_test_run ();
}
