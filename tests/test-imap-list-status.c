/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-imap-list-status"

#include "config.h"

#include <string.h>

#include "tern-fake-imap.h"
#include "tern-imap-commands.h"
#include "tern-imap-connection.h"
#include "tern-test-server.h"

/*
 * LIST-STATUS (RFC 5819), read by hand (libetpan keeps only the last "* STATUS" of a
 * response): the real Dovecot answers every folder's STATUS with the LIST; a scripted
 * server sends what Dovecot does not on demand: names quoted with escapes, a name as a
 * literal (its STATUS goes to libetpan and is simply missing), a BAD to the syntax (the
 * plain LIST then). The connection stays in step afterwards. (Round trips: tests/test-slowlink.c.)
 */

static TernImapConnection *
connect_to (const char *host,
            guint16     port,
            const char *ca_file)
{
  g_autoptr(GError) error = NULL;
  TernImapSettings settings = {
    .host = host,
    .port = port,
    .security = TERN_IMAP_SECURITY_TLS,
    .user = "alice",
    .ca_file = ca_file,
    .timeout_seconds = 20,
  };
  TernImapConnection *conn = tern_imap_connection_new (&settings);

  g_assert_true (tern_imap_connection_connect (conn, &error));
  g_assert_no_error (error);
  g_assert_true (tern_imap_connection_login (conn, "secret", &error));
  g_assert_no_error (error);
  return conn;
}

static gboolean
has_entry (GPtrArray  *entries,
           const char *name)
{
  for (guint i = 0; i < entries->len; i++)
    if (g_strcmp0 (((TernImapListEntry *) entries->pdata[i])->name, name) == 0)
      return TRUE;
  return FALSE;
}

static void
test_dovecot (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TernTestServer) server = tern_test_server_new (TERN_TEST_SERVER_FULL | TERN_TEST_SERVER_NO_RAWLOG, &error);
  g_autoptr(GPtrArray) lsub = NULL;
  g_autoptr(GPtrArray) list = NULL;
  g_autoptr(GHashTable) statuses = NULL;
  TernImapConnection *conn;
  TernImapMailbox *inbox, *work, alone;

  g_assert_no_error (error);
  g_assert_true (tern_test_server_seed (server, "alice", "INBOX", 5, &error));
  g_assert_true (tern_test_server_create_mailbox (server, "alice", "Work \"Q\"", &error));
  g_assert_true (tern_test_server_seed (server, "alice", "Work \"Q\"", 2, &error));
  g_assert_no_error (error);
  conn = connect_to (tern_test_server_get_host (server), tern_test_server_get_imaps_port (server),
                     tern_test_server_get_ca_file (server));
  g_assert_true (tern_imap_connection_has_capability (conn, "LIST-STATUS"));

  g_assert_true (tern_imap_connection_list_both_status (conn, "*", TRUE, &lsub, &list, &statuses, &error));
  g_assert_no_error (error);
  g_assert_nonnull (statuses);
  g_assert_true (has_entry (list, "INBOX"));
  g_assert_true (has_entry (list, "Work \"Q\""));
  g_assert_cmpuint (g_hash_table_size (statuses), ==, list->len);

  /* The same answers as STATUS gives. */
  inbox = g_hash_table_lookup (statuses, "INBOX");
  g_assert_nonnull (inbox);
  g_assert_true (tern_imap_connection_status (conn, "INBOX", TRUE, &alone, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (inbox->exists, ==, 5);
  g_assert_cmpuint (inbox->uidnext, ==, alone.uidnext);
  g_assert_cmpuint (inbox->uidvalidity, ==, alone.uidvalidity);
  g_assert_cmpuint (inbox->highestmodseq, ==, alone.highestmodseq);
  g_assert_cmpuint (inbox->highestmodseq, !=, 0);
  work = g_hash_table_lookup (statuses, "Work \"Q\"");
  g_assert_nonnull (work);
  g_assert_cmpuint (work->exists, ==, 2);

  tern_imap_connection_close (conn);
  tern_imap_connection_free (conn);
}

static gboolean
list_hook (TernFakeImapSession *session,
           const char          *tag,
           const char          *command,
           gpointer             user_data)
{
  if (strstr (command, "RETURN") == NULL)
    return FALSE;
  tern_fake_imap_session_send (session,
                               "* LIST (\\HasNoChildren) \"/\" INBOX\r\n"
                               "* STATUS INBOX (MESSAGES 3 UIDNEXT 4 UIDVALIDITY 7 HIGHESTMODSEQ 20)\r\n"
                               "* LIST () \"/\" \"Say \\\"hi\\\"\"\r\n"
                               "* STATUS \"Say \\\"hi\\\"\" (MESSAGES 1 UIDNEXT 9 UIDVALIDITY 7 HIGHESTMODSEQ 5)\r\n"
                               "* LIST () \"/\" {6}\r\nOdd (x\r\n"
                               "* STATUS {6}\r\nOdd (x (MESSAGES 0 UIDNEXT 1 UIDVALIDITY 7 HIGHESTMODSEQ 1)\r\n"
                               "* LIST (\\Noselect) \"/\" Archive\r\n"
                               "%s OK LIST done\r\n", tag);
  return TRUE;
}

static gboolean
bad_list_hook (TernFakeImapSession *session,
               const char          *tag,
               const char          *command,
               gpointer             user_data)
{
  if (strstr (command, "RETURN") == NULL)
    return FALSE;
  tern_fake_imap_session_send (session, "%s BAD Unknown LIST option\r\n", tag);
  return TRUE;
}

static void
test_scripted (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TernTestServer) real = tern_test_server_new (TERN_TEST_SERVER_FULL | TERN_TEST_SERVER_NO_RAWLOG, &error);
  g_autoptr(TernFakeImap) fake = NULL;
  g_autoptr(GPtrArray) lsub = NULL;
  g_autoptr(GPtrArray) list = NULL;
  g_autoptr(GHashTable) statuses = NULL;
  g_autofree char *key = NULL;
  TernImapConnection *conn;
  TernImapMailbox *inbox, *quoted;

  g_assert_no_error (error);
  key = g_build_filename (tern_test_server_get_dir (real), "server.key", NULL);
  fake = tern_fake_imap_new (tern_test_server_get_cert_file (real), key, &error);
  g_assert_no_error (error);
  tern_fake_imap_set_capabilities (fake, "IMAP4rev1 UIDPLUS IDLE NAMESPACE CONDSTORE LIST-STATUS");
  tern_fake_imap_set_hook (fake, "LIST", list_hook, NULL);
  conn = connect_to ("127.0.0.1", tern_fake_imap_get_port (fake), tern_test_server_get_ca_file (real));

  g_assert_true (tern_imap_connection_list_both_status (conn, "*", TRUE, &lsub, &list, &statuses, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (list->len, ==, 4);
  g_assert_true (has_entry (list, "INBOX"));
  g_assert_true (has_entry (list, "Say \"hi\""));
  g_assert_true (has_entry (list, "Odd (x"));
  g_assert_true (has_entry (list, "Archive"));

  /* Quoted and atom names parsed by hand; the literal one is left out, nothing else. */
  g_assert_cmpuint (g_hash_table_size (statuses), ==, 2);
  inbox = g_hash_table_lookup (statuses, "INBOX");
  g_assert_nonnull (inbox);
  g_assert_cmpuint (inbox->exists, ==, 3);
  g_assert_cmpuint (inbox->uidnext, ==, 4);
  g_assert_cmpuint (inbox->uidvalidity, ==, 7);
  g_assert_cmpuint (inbox->highestmodseq, ==, 20);
  quoted = g_hash_table_lookup (statuses, "Say \"hi\"");
  g_assert_nonnull (quoted);
  g_assert_cmpuint (quoted->uidnext, ==, 9);
  g_assert_cmpuint (quoted->highestmodseq, ==, 5);

  /* In step: the next command's answer is its own. */
  g_assert_true (tern_imap_connection_noop (conn, &error));
  g_assert_no_error (error);
  g_clear_pointer (&lsub, g_ptr_array_unref);
  g_clear_pointer (&list, g_ptr_array_unref);
  g_clear_pointer (&statuses, g_hash_table_unref);
  g_assert_true (tern_imap_connection_list_both_status (conn, "*", TRUE, &lsub, &list, &statuses, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (list->len, ==, 4);

  /* A server that offers it and then refuses the syntax: the plain LIST instead. */
  tern_fake_imap_set_hook (fake, "LIST", bad_list_hook, NULL);
  g_clear_pointer (&lsub, g_ptr_array_unref);
  g_clear_pointer (&list, g_ptr_array_unref);
  g_clear_pointer (&statuses, g_hash_table_unref);
  g_assert_true (tern_imap_connection_list_both_status (conn, "*", TRUE, &lsub, &list, &statuses, &error));
  g_assert_no_error (error);
  g_assert_null (statuses);
  g_assert_true (has_entry (list, "INBOX"));

  tern_fake_imap_set_hook (fake, "LIST", NULL, NULL);
  tern_imap_connection_close (conn);
  tern_imap_connection_free (conn);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/imap-list-status/dovecot", test_dovecot);
  g_test_add_func ("/imap-list-status/scripted", test_scripted);

  return g_test_run ();
}
