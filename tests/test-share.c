/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Sharing a folder with a colleague (issue #18, RFC 4314) against Dovecot's ACL plugin: alice
 * shares "Projects" with bob through tern-cli (offline first: the change waits in the journal),
 * bob then sees it under "shared/alice/" and can do exactly what the preset allows; alice sees
 * who has access, in words; unsharing takes it back.
 */
#include "config.h"

#include <string.h>

#include "tern-sync-acl.h"
#include "tern-test-cache.h"
#include "tern-test-server.h"

static void
test_words (void)
{
  g_autofree char *read = tern_acl_describe ("bob", tern_acl_preset_rights ("read"));
  g_autofree char *triage = tern_acl_describe ("carol", tern_acl_preset_rights ("triage"));
  g_autofree char *lookup = tern_acl_describe ("anyone", "l");
  g_autofree char *letters = tern_acl_parse_rights ("lrsi");
  g_autofree char *bad = tern_acl_parse_rights ("lrz");

  g_assert_cmpstr (read, ==, "bob can read and mark as read");
  g_assert_cmpstr (triage, ==, "carol can read, mark as read, star and tag, file messages into it and delete messages");
  g_assert_cmpstr (lookup, ==, "anyone can see it, not read it");
  g_assert_cmpstr (letters, ==, "lrsi");
  g_assert_null (bad);
  g_assert_null (tern_acl_parse_rights (""));
  g_assert_null (tern_acl_preset_rights ("everything"));
}

typedef struct
{
  TernTestServer *server;
  char           *dir;
} Fixture;

#define run_cli(f, status_out, ...) tern_test_cache_run_cli ((f)->dir, (status_out), __VA_ARGS__)

#define CLI_OK(f, ...) \
  G_STMT_START { \
    int status_ = -1; \
    g_autofree char *out_ = run_cli (f, &status_, __VA_ARGS__, NULL); \
    g_assert_true (g_spawn_check_wait_status (status_, NULL)); \
  } G_STMT_END

/* What bob's own client gets for a command in alice's shared folder. */
static gboolean
bob_can (Fixture    *f,
         const char *command)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TernTestClient) bob = tern_test_client_new (f->server, "bob", "secret", &error);

  g_assert_no_error (error);
  if (!tern_test_client_command (bob, NULL, &error, "SELECT \"shared/alice/Projects\""))
    return FALSE;
  return tern_test_client_command (bob, NULL, &error, "%s", command);
}

static void
test_share (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TernStore) store = NULL;
  g_autofree char *path = NULL;
  g_autofree char *out = NULL;
  g_autofree char *cmd = NULL;
  Fixture fx = { 0 };
  Fixture *f = &fx;
  int status = -1;

  f->server = tern_test_server_new (TERN_TEST_SERVER_FULL, &error);
  g_assert_no_error (error);
  f->dir = g_dir_make_tmp ("tern-share-XXXXXX", &error);
  cmd = g_strdup_printf ("rm -rf '%s'", f->dir);
  path = g_build_filename (f->dir, "tern.db", NULL);
  store = tern_store_open (path, &error);
  g_assert_no_error (error);
  tern_test_cache_add_server_account (store, f->server, "work", TRUE);
  g_clear_pointer (&store, tern_store_free);
  g_assert_true (tern_test_server_create_mailbox (f->server, "alice", "Projects", &error));
  g_assert_no_error (error);
  tern_test_server_append_message (f->server, "alice", "Projects",
                                   "From: carol@example.org\r\nSubject: plan\r\nMessage-ID: <plan@x>\r\n\r\nThe plan.\r\n");
  CLI_OK (f, "sync", "work");

  /* Offline: waits in the journal; bob has nothing yet. */
  CLI_OK (f, "--offline", "folder", "share", "work", "Projects", "bob", "read");
  out = run_cli (f, &status, "pending", "work", NULL);
  g_assert_nonnull (strstr (out, "setacl"));
  g_clear_pointer (&out, g_free);
  g_assert_false (bob_can (f, "NOOP"));

  /* Online: bob reads it and marks as read, but may not delete. */
  CLI_OK (f, "sync", "work");
  g_assert_cmpuint (tern_test_server_count_messages (f->server, "bob", "shared/alice/Projects", "ALL"), ==, 1);
  /* A flag one may not change is ignored, not refused (RFC 4314 4): look at the flags. */
  g_assert_true (bob_can (f, "STORE 1 +FLAGS (\\Seen \\Deleted)"));
  g_assert_cmpuint (tern_test_server_count_messages (f->server, "bob", "shared/alice/Projects", "SEEN"), ==, 1);
  g_assert_cmpuint (tern_test_server_count_messages (f->server, "alice", "Projects", "DELETED"), ==, 0);

  out = run_cli (f, &status, "folder", "rights", "work", "Projects", NULL);
  g_assert_true (g_spawn_check_wait_status (status, NULL));
  g_assert_nonnull (strstr (out, "bob can read and mark as read (lrs)"));
  g_assert_nonnull (strstr (out, "You can read, mark as read"));
  g_clear_pointer (&out, g_free);

  /* Triage: now he may delete. */
  CLI_OK (f, "folder", "share", "work", "Projects", "bob", "triage");
  g_assert_true (bob_can (f, "STORE 1 +FLAGS (\\Deleted)"));
  g_assert_cmpuint (tern_test_server_count_messages (f->server, "alice", "Projects", "DELETED"), ==, 1);
  out = run_cli (f, &status, "--json", "folder", "rights", "work", "Projects", NULL);
  /* The server writes the letters its own way (Dovecot: "eilrwtsd"): the words are the same. */
  g_assert_nonnull (strstr (out, "\"identifier\":\"bob\",\"rights\":"));
  g_assert_nonnull (strstr (out, "\"bob can read, mark as read, star and tag, file messages into it and delete messages\""));
  g_clear_pointer (&out, g_free);

  /* Bad rights are refused before anything is queued. */
  out = run_cli (f, &status, "folder", "share", "work", "Projects", "bob", "everything", NULL);
  g_assert_cmpint (WEXITSTATUS (status), ==, 2);
  g_clear_pointer (&out, g_free);

  /* Taken back. */
  CLI_OK (f, "folder", "unshare", "work", "Projects", "bob");
  g_assert_false (bob_can (f, "NOOP"));
  out = run_cli (f, &status, "folder", "rights", "work", "Projects", NULL);
  g_assert_null (strstr (out, "bob can"));

  tern_test_server_free (f->server);
  g_assert_cmpint (system (cmd), ==, 0);
  g_free (f->dir);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/share/words", test_words);
  g_test_add_func ("/share/dovecot", test_share);

  return g_test_run ();
}
