/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-replay-append"

#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "tern-journal.h"
#include "tern-mime.h"
#include "tern-store.h"
#include "tern-sync.h"
#include "tern-test-cache.h"
#include "tern-test-server.h"

/*
 * A message saved offline into a folder and flagged afterwards, on every server of the
 * fixture. The replay selects the target before its APPEND (it looks for an earlier upload
 * first), and Courier does not announce a message appended to the selected mailbox: until
 * a NOOP, a UID FETCH of the new UID finds nothing, and the flag changes queued after the
 * append failed as if the message had been deleted (the server matrix's convergence seed
 * 4242 on Courier). One flag change on one message (one action) and one on two (a batch).
 */

static const TernTestServerKind kinds[] = {
  TERN_TEST_SERVER_DOVECOT,
  TERN_TEST_SERVER_CYRUS,
  TERN_TEST_SERVER_COURIER,
};

static gint64
append_offline (TernStore  *store,
                gint64      folder_id,
                const char *message_id)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *text = g_strdup_printf ("From: Sender <sender@example.org>\r\n"
                                           "To: alice@example.org\r\n"
                                           "Subject: Saved offline %s\r\n"
                                           "Date: Mon, 2 Feb 2026 10:00:00 +0000\r\n"
                                           "Message-ID: %s\r\n"
                                           "\r\n"
                                           "Written on the train.\r\n",
                                           message_id, message_id);
  g_autoptr(GBytes) raw = g_bytes_new (text, strlen (text));
  g_autoptr(TernMessage) message = tern_mime_parse_message (raw, &error);
  gint64 id;

  g_assert_no_error (error);
  g_free (message->flags);
  message->flags = g_strdup ("\\Seen");
  message->internaldate = 1770026400;
  id = tern_journal_append (store, folder_id, message, raw, &error);
  g_assert_no_error (error);
  g_assert_cmpint (id, !=, 0);
  return id;
}

static void
test_append_then_flag (gconstpointer data)
{
  TernTestServerKind kind = GPOINTER_TO_INT (data);
  g_autoptr(GError) error = NULL;
  g_autoptr(TernTestServer) server = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *path = NULL;
  g_autofree char *cmd = NULL;
  g_autoptr(TernSync) sync = NULL;
  g_autoptr(TernFolder) inbox = NULL;
  g_autoptr(GArray) both = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr(GArray) one = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr(GPtrArray) queued = g_ptr_array_new_with_free_func ((GDestroyNotify) tern_action_free);
  TernSyncStats before, after;
  TernAccount *account;
  TernStore *store;
  gint64 first, second;

  if (!tern_test_server_kind_available (kind, &error))
    {
      g_test_skip (error->message);
      return;
    }
  server = tern_test_server_new_kind (kind, TERN_TEST_SERVER_FULL, &error);
  g_assert_no_error (error);
  g_assert_true (tern_test_server_seed (server, "alice", "INBOX", 2, &error));
  g_assert_no_error (error);

  dir = g_dir_make_tmp ("tern-replay-append-XXXXXX", &error);
  g_assert_no_error (error);
  path = g_build_filename (dir, "tern.db", NULL);
  store = tern_store_open (path, &error);
  g_assert_no_error (error);
  tern_test_cache_add_server_account (store, server, "test", TRUE);
  account = tern_store_get_account (store, "test", &error);
  g_assert_no_error (error);
  sync = tern_sync_new (store, account);
  tern_sync_set_password (sync, "secret");
  tern_sync_set_timeout (sync, 30);
  tern_sync_run (sync, NULL, &error);
  g_assert_no_error (error);
  inbox = tern_store_get_folder (store, account->id, "INBOX", &error);
  g_assert_no_error (error);

  /* Offline: two messages saved into INBOX, both flagged (a batch), the first unread (one). */
  first = append_offline (store, inbox->id, "<first-offline@tern.example>");
  second = append_offline (store, inbox->id, "<second-offline@tern.example>");
  g_array_append_val (both, first);
  g_array_append_val (both, second);
  g_array_append_val (one, first);
  g_assert_true (tern_journal_set_flags_many (store, both, "\\Flagged", NULL, queued, &error));
  g_assert_no_error (error);
  g_assert_true (tern_journal_set_flags_many (store, one, NULL, "\\Seen", queued, &error));
  g_assert_no_error (error);

  tern_sync_get_stats (sync, &before);
  g_assert_true (tern_sync_replay (sync, &error));
  g_assert_no_error (error);
  tern_sync_get_stats (sync, &after);

  /* Every action went through, none failed. */
  g_assert_cmpuint (after.actions_failed, ==, before.actions_failed);
  g_assert_cmpuint (after.actions_replayed - before.actions_replayed, >=, 4);
  g_assert_cmpuint (tern_journal_count_queued (store, account->id, NULL), ==, 0);
  g_assert_cmpuint (tern_test_server_count_messages (server, "alice", "INBOX", "ALL"), ==, 4);
  g_assert_cmpuint (tern_test_server_count_messages (server, "alice", "INBOX", "FLAGGED"), ==, 2);
  g_assert_cmpuint (tern_test_server_count_messages (server, "alice", "INBOX", "FLAGGED UNSEEN"), ==, 1);

  /* And the cache agrees after a sync. */
  tern_sync_run (sync, NULL, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < both->len; i++)
    {
      g_autoptr(TernMessage) message = tern_store_get_message (store, g_array_index (both, gint64, i), &error);
      gint64 folder_id = 0;
      guint32 uid = 0;

      g_assert_no_error (error);
      g_assert_nonnull (strstr (message->flags, "\\Flagged"));
      g_assert_true ((strstr (message->flags, "\\Seen") == NULL) == (i == 0));
      g_assert_true (tern_journal_locate (store, message->id, &folder_id, &uid, &error));
      g_assert_cmpint (folder_id, ==, inbox->id);
      g_assert_cmpuint (uid, !=, 0);
    }

  g_clear_pointer (&sync, tern_sync_free);
  tern_account_free (account);
  tern_store_free (store);
  cmd = g_strdup_printf ("rm -rf '%s'", dir);
  g_assert_cmpint (system (cmd), ==, 0);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  tern_sync_global_init ();

  for (guint i = 0; i < G_N_ELEMENTS (kinds); i++)
    {
      g_autofree char *name = g_strdup_printf ("/replay-append/then-flag/%s",
                                               tern_test_server_kind_to_string (kinds[i]));

      g_test_add_data_func (name, GINT_TO_POINTER (kinds[i]), test_append_then_flag);
    }

  return g_test_run ();
}
