/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-servers"

#include "config.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "tern-test-server.h"

/*
 * The fixture's Cyrus and Courier: each starts from its own folder, serves alice and bob over
 * implicit TLS and STARTTLS with the test CA, maps mailbox names onto its namespace, seeds,
 * adds users, changes a UIDVALIDITY, survives a restart, and leaves no process behind.
 */

static gboolean
skip_unless_available (TernTestServerKind kind)
{
  g_autoptr(GError) error = NULL;

  if (tern_test_server_kind_available (kind, &error))
    return FALSE;
  g_test_skip (error->message);
  return TRUE;
}

/* The plain port's greeting: STARTTLS offered, LOGIN refused before it. */
static char *
read_plain_greeting (TernTestServer *server)
{
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GSocketConnection) connection = NULL;
  g_autoptr(GDataInputStream) input = NULL;
  g_autoptr(GError) error = NULL;
  char *line;

  connection = g_socket_client_connect_to_host (client, tern_test_server_get_host (server),
                                                tern_test_server_get_imap_port (server),
                                                NULL, &error);
  g_assert_no_error (error);
  input = g_data_input_stream_new (g_io_stream_get_input_stream (G_IO_STREAM (connection)));
  line = g_data_input_stream_read_line (input, NULL, NULL, &error);
  g_assert_no_error (error);

  return line;
}

/* Processes of a process group that still run (zombies waiting for init do not count). */
static guint
count_live_in_group (GPid pgid)
{
  g_autoptr(GDir) proc = g_dir_open ("/proc", 0, NULL);
  const char *name;
  guint n = 0;

  while (proc != NULL && (name = g_dir_read_name (proc)) != NULL)
    {
      g_autofree char *path = g_build_filename ("/proc", name, "stat", NULL);
      g_autofree char *stat = NULL;
      const char *after;
      char state;
      int ppid, pgrp;

      if (!g_ascii_isdigit (name[0]) || !g_file_get_contents (path, &stat, NULL, NULL))
        continue;
      /* "pid (comm) S ppid pgrp ...": comm may hold spaces, so start after its ')'. */
      after = strrchr (stat, ')');
      if (after != NULL && sscanf (after + 1, " %c %d %d", &state, &ppid, &pgrp) == 3
          && pgrp == pgid && state != 'Z' && state != 'X')
        n++;
    }

  return n;
}

static void
test_server (gconstpointer data)
{
  TernTestServerKind kind = GPOINTER_TO_INT (data);
  g_autoptr(TernTestServer) server = NULL;
  g_autoptr(TernTestClient) client = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *response = NULL;
  g_autofree char *greeting = NULL;
  g_autofree char *work = NULL;
  g_autofree char *quoted = NULL;
  const char *prefix;
  guint32 uidvalidity = 0;
  GPid pid;

  if (skip_unless_available (kind))
    return;

  server = tern_test_server_new_kind (kind, TERN_TEST_SERVER_FULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (tern_test_server_get_kind (server), ==, kind);
  prefix = tern_test_server_get_personal_prefix (server);
  g_assert_cmpstr (prefix, ==, kind == TERN_TEST_SERVER_CYRUS ? "" : "INBOX.");

  greeting = read_plain_greeting (server);
  g_assert_nonnull (strstr (greeting, "STARTTLS"));
  g_assert_nonnull (strstr (greeting, "LOGINDISABLED"));

  /* NAMESPACE says what the fixture says. */
  client = tern_test_client_new (server, "alice", "secret", &error);
  g_assert_no_error (error);
  tern_test_client_command (client, &response, &error, "NAMESPACE");
  g_assert_no_error (error);
  if (*prefix == '\0')
    g_assert_nonnull (strstr (response, "* NAMESPACE ((\"\" \"/\"))"));
  else
    g_assert_nonnull (strstr (response, "* NAMESPACE ((\"INBOX.\" \".\"))"));
  g_clear_pointer (&response, g_free);

  /* Names map onto the namespace; seeding and counting go through them. */
  work = tern_test_server_dup_mailbox_name (server, "Work/2024");
  g_assert_cmpstr (work, ==, *prefix == '\0' ? "Work/2024" : "INBOX.Work.2024");
  tern_test_server_seed (server, "alice", "Work/2024", 5, &error);
  g_assert_no_error (error);
  tern_test_server_seed (server, "alice", "INBOX", 3, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (tern_test_server_count_messages (server, "alice", "Work/2024", "ALL"), ==, 5);
  g_assert_cmpuint (tern_test_server_count_messages (server, "alice", "INBOX", "ALL"), ==, 3);
  quoted = g_strdup_printf ("LIST \"\" \"*\"");
  tern_test_client_command (client, &response, &error, "%s", quoted);
  g_assert_no_error (error);
  g_assert_nonnull (strstr (response, work));
  g_clear_pointer (&response, g_free);

  /* Another client's APPEND comes back with its UID. */
  g_assert_cmpuint (tern_test_server_append_message (server, "alice", "INBOX",
                                                     "Subject: x\r\n\r\nx\r\n"), >, 0);

  /* A new UIDVALIDITY, the same messages. */
  {
    g_autofree char *status = NULL;
    g_autofree char *expected = NULL;

    tern_test_server_change_uidvalidity (server, "alice", "Work/2024", &uidvalidity, &error);
    g_assert_no_error (error);
    g_clear_pointer (&client, tern_test_client_free);
    client = tern_test_client_new (server, "alice", "secret", &error);
    g_assert_no_error (error);
    tern_test_client_command (client, &status, &error, "STATUS \"%s\" (UIDVALIDITY MESSAGES)",
                              work);
    g_assert_no_error (error);
    expected = g_strdup_printf ("UIDVALIDITY %u", uidvalidity);
    g_assert_nonnull (strstr (status, expected));
    g_assert_nonnull (strstr (status, "MESSAGES 5"));
  }

  /* A user added while it runs logs in. */
  tern_test_server_add_user (server, "carol", "other-secret", &error);
  g_assert_no_error (error);
  {
    g_autoptr(TernTestClient) carol = tern_test_client_new (server, "carol", "other-secret",
                                                            &error);

    g_assert_no_error (error);
  }

  /* A restart keeps the mail. */
  g_clear_pointer (&client, tern_test_client_free);
  tern_test_server_stop (server);
  g_assert_false (tern_test_server_is_running (server));
  tern_test_server_start (server, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (tern_test_server_count_messages (server, "alice", "Work/2024", "ALL"), ==, 5);

  /* Nothing of the server outlives it (its first process group: Courier's authdaemond). */
  pid = tern_test_server_get_pid (server);
  g_clear_pointer (&server, tern_test_server_free);
  g_assert_cmpuint (count_live_in_group (pid), ==, 0);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_data_func ("/servers/cyrus", GINT_TO_POINTER (TERN_TEST_SERVER_CYRUS), test_server);
  g_test_add_data_func ("/servers/cyrus-classic", GINT_TO_POINTER (TERN_TEST_SERVER_CYRUS_CLASSIC),
                        test_server);
  g_test_add_data_func ("/servers/courier", GINT_TO_POINTER (TERN_TEST_SERVER_COURIER),
                        test_server);

  return g_test_run ();
}
