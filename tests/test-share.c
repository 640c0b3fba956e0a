/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Sharing a folder with a colleague (issue #18, RFC 4314) against Dovecot's ACL plugin and
 * Cyrus (both layouts): alice shares "Projects" with bob through tern-cli (offline first: the
 * change waits in the journal), bob then sees it among other users' folders and can do exactly
 * what the preset allows; alice sees who has access, in words; unsharing takes it back.
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
  /* Courier's MYRIGHTS, in RFC 2086's letters. */
  g_autofree char *old = tern_acl_describe ("bob", "lrswipcda");

  g_assert_cmpstr (read, ==, "bob can read and mark as read");
  g_assert_cmpstr (triage, ==, "carol can read, mark as read, star and tag, file messages into it and delete messages");
  g_assert_cmpstr (lookup, ==, "anyone can see it, not read it");
  g_assert_cmpstr (letters, ==, "lrsi");
  g_assert_null (bad);
  g_assert_cmpstr (old, ==, "bob can read, mark as read, star and tag, file messages into it, delete messages, make folders in it and share it");
  g_assert_null (tern_acl_parse_rights (""));
  g_assert_null (tern_acl_preset_rights ("everything"));
}

static char *
fit (const char *wanted,
     const char *listrights,
     char      **missing_out)
{
  g_auto(GStrv) groups = g_strsplit (listrights, " ", -1);
  const char *required = g_str_equal (groups[0], "\"\"") ? "" : groups[0];

  return tern_acl_fit_rights (wanted, required, (const char * const *) groups + 1, missing_out);
}

/* LISTRIGHTS (RFC 4314 3.7) as servers answer it. */
static void
test_fit (void)
{
  g_autofree char *rfc_read = fit ("lrs", "la r swicdkxte", NULL);
  g_autofree char *rfc_lookup = fit ("lr", "la r swicdkxte", NULL);
  g_autofree char *dovecot = fit ("lrswite", "\"\" l r w s t p i e k x a c d", NULL);
  g_autofree char *cyrus_inbox = fit ("lrs", "p l r s w i k x t e c d a n 0 1 2 3 4 5 6 7 8 9", NULL);
  g_autofree char *rfc2086 = fit ("lrswipkxte", "\"\" l r s w i p c d a", NULL);
  g_autofree char *missing = NULL;
  g_autofree char *none = fit ("lrswite", "\"\" l r s", &missing);
  g_autofree char *extra = tern_acl_extra_rights (cyrus_inbox, "lrs");

  /* The RFC's own example: s comes only with w, i, c, d, k, x, t and e; l and a always. */
  g_assert_cmpstr (rfc_read, ==, "larswicdkxte");
  g_assert_cmpstr (rfc_lookup, ==, "lar");
  g_assert_cmpstr (dovecot, ==, "lrswite");
  g_assert_cmpstr (cyrus_inbox, ==, "plrs");
  g_assert_cmpstr (extra, ==, "p");
  g_assert_cmpstr (rfc2086, ==, "lrswipcd");
  g_assert_null (none);
  g_assert_cmpstr (missing, ==, "wite");
}

typedef struct
{
  TernTestServer *server;
  char           *dir;
  char           *bob_name;   /* how bob sees alice's Projects */
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
  g_autofree char *quoted = g_strdup_printf ("\"%s\"", f->bob_name);
  g_autoptr(GString) line = g_string_new (command);

  /* MBOX stands for the folder's name. */
  g_string_replace (line, "MBOX", quoted, 0);
  g_assert_no_error (error);
  if (!tern_test_client_command (bob, NULL, &error, "SELECT %s", quoted))
    return FALSE;
  return tern_test_client_command (bob, NULL, &error, "%s", line->str);
}

/* Whether bob's LIST shows the folder (under "Other Users" or "shared"). */
static gboolean
bob_lists (Fixture *f)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TernTestClient) bob = tern_test_client_new (f->server, "bob", "secret", &error);
  g_autofree char *response = NULL;
  g_autofree char *quoted = g_strdup_printf ("\"%s\"", f->bob_name);

  g_assert_no_error (error);
  g_assert_true (tern_test_client_command (bob, &response, &error, "LIST \"\" \"*\""));
  return strstr (response, quoted) != NULL || strstr (response, f->bob_name) != NULL;
}

/* alice shares "Projects" with bob (Dovecot: bob sees "shared/alice/Projects"; Cyrus: "Other
 * Users/alice/Projects", or "user.alice.Projects" in Debian's layout), each preset allowing
 * exactly what it says, whatever letters the server writes back (Cyrus adds its virtual c
 * and d). */
static void
test_share (gconstpointer data)
{
  TernTestServerKind kind = GPOINTER_TO_INT (data);
  g_autoptr(GError) error = NULL;
  g_autoptr(TernStore) store = NULL;
  g_autofree char *path = NULL;
  g_autofree char *out = NULL;
  g_autofree char *cmd = NULL;
  Fixture fx = { 0 };
  Fixture *f = &fx;
  int status = -1;

  if (!tern_test_server_kind_available (kind, &error))
    {
      g_test_skip (error->message);
      return;
    }
  f->server = tern_test_server_new_kind (kind, TERN_TEST_SERVER_FULL, &error);
  g_assert_no_error (error);
  f->bob_name = tern_test_server_dup_shared_name (f->server, "alice", "Projects");
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
  g_assert_false (bob_lists (f));

  /* Online: bob sees it among other users' folders, reads it and marks as read, but may not
   * delete, add or expunge. */
  CLI_OK (f, "sync", "work");
  g_assert_true (bob_lists (f));
  g_assert_cmpuint (tern_test_server_count_messages (f->server, "bob", f->bob_name, "ALL"), ==, 1);
  /* A flag one may not change is ignored, not refused (RFC 4314 4): look at the flags. */
  g_assert_true (bob_can (f, "STORE 1 +FLAGS (\\Seen \\Deleted \\Flagged)"));
  g_assert_cmpuint (tern_test_server_count_messages (f->server, "bob", f->bob_name, "SEEN"), ==, 1);
  g_assert_cmpuint (tern_test_server_count_messages (f->server, "alice", "Projects", "DELETED"), ==, 0);
  g_assert_cmpuint (tern_test_server_count_messages (f->server, "alice", "Projects", "FLAGGED"), ==, 0);
  g_assert_false (bob_can (f, "COPY 1 MBOX"));

  out = run_cli (f, &status, "folder", "rights", "work", "Projects", NULL);
  g_assert_true (g_spawn_check_wait_status (status, NULL));
  g_assert_nonnull (strstr (out, "bob can read and mark as read (lrs)"));
  g_assert_nonnull (strstr (out, "You can read, mark as read"));
  g_clear_pointer (&out, g_free);

  /* Triage: now he may delete, file into it and expunge; not make folders in it or share it. */
  CLI_OK (f, "folder", "share", "work", "Projects", "bob", "triage");
  g_assert_true (bob_can (f, "STORE 1 +FLAGS (\\Deleted)"));
  g_assert_cmpuint (tern_test_server_count_messages (f->server, "alice", "Projects", "DELETED"), ==, 1);
  g_assert_true (bob_can (f, "COPY 1 MBOX"));
  g_assert_cmpuint (tern_test_server_count_messages (f->server, "alice", "Projects", "ALL"), ==, 2);
  g_assert_true (bob_can (f, "EXPUNGE"));
  g_assert_cmpuint (tern_test_server_count_messages (f->server, "alice", "Projects", "ALL"), ==, 0); /* the copy kept \\Deleted */
  g_assert_false (bob_can (f, "SETACL MBOX bob lrswipkxtea"));
  out = run_cli (f, &status, "--json", "folder", "rights", "work", "Projects", NULL);
  /* The server writes the letters its own way (Dovecot: "eilrwtsd", Cyrus "lrswited"): the
   * words are the same. */
  g_assert_nonnull (strstr (out, "\"identifier\":\"bob\",\"rights\":"));
  g_assert_nonnull (strstr (out, "\"bob can read, mark as read, star and tag, file messages into it and delete messages\""));
  g_clear_pointer (&out, g_free);

  /* Full: he may make folders in it too, still not share it. */
  CLI_OK (f, "folder", "share", "work", "Projects", "bob", "full");
  out = run_cli (f, &status, "folder", "rights", "work", "Projects", NULL);
  g_assert_nonnull (strstr (out, "bob can read, mark as read, star and tag, file messages into it, delete messages, make folders in it and delete or rename it ("));
  g_clear_pointer (&out, g_free);
  g_assert_false (bob_can (f, "SETACL MBOX carol lr"));

  /* A right the server has (RFC 5257's n: Cyrus) or has not (Dovecot): LISTRIGHTS says, before
   * anything is queued. */
  out = run_cli (f, &status, "folder", "share", "work", "Projects", "bob", "lrsn", NULL);
  if (kind == TERN_TEST_SERVER_DOVECOT)
    {
      g_assert_cmpint (WEXITSTATUS (status), ==, 1);
      g_clear_pointer (&out, g_free);
      out = run_cli (f, &status, "pending", "work", NULL);
      g_assert_null (strstr (out, "lrsn"));
      g_assert_cmpuint (tern_test_server_count_commands (f->server, "alice", "LISTRIGHTS"), ==, 3);
    }
  else
    {
      g_assert_true (g_spawn_check_wait_status (status, NULL));
      g_clear_pointer (&out, g_free);
      out = run_cli (f, &status, "folder", "rights", "work", "Projects", NULL);
      g_assert_nonnull (strstr (out, "bob can read and mark as read (lrsn)"));
    }
  g_clear_pointer (&out, g_free);

  /* Cyrus lets anyone post to an INBOX (LISTRIGHTS INBOX bob: "p" always): the share says so
   * and the rights shown are what bob has. */
  if (kind != TERN_TEST_SERVER_DOVECOT)
    {
      out = run_cli (f, &status, "folder", "share", "work", "INBOX", "bob", "read", NULL);
      g_assert_true (g_spawn_check_wait_status (status, NULL));
      g_assert_nonnull (strstr (out, "The server adds p (rights it grants always, or only together with these): bob gets plrs"));
      g_clear_pointer (&out, g_free);
      out = run_cli (f, &status, "folder", "rights", "work", "INBOX", NULL);
      g_assert_nonnull (strstr (out, "bob can read and mark as read (lrsp)"));
      g_clear_pointer (&out, g_free);
      CLI_OK (f, "folder", "unshare", "work", "INBOX", "bob");
    }

  /* Bad rights are refused before anything is queued. */
  out = run_cli (f, &status, "folder", "share", "work", "Projects", "bob", "everything", NULL);
  g_assert_cmpint (WEXITSTATUS (status), ==, 2);
  g_clear_pointer (&out, g_free);

  /* Taken back. */
  CLI_OK (f, "folder", "unshare", "work", "Projects", "bob");
  g_assert_false (bob_can (f, "NOOP"));
  g_assert_false (bob_lists (f));
  out = run_cli (f, &status, "folder", "rights", "work", "Projects", NULL);
  g_assert_null (strstr (out, "bob can"));

  tern_test_server_free (f->server);
  g_assert_cmpint (system (cmd), ==, 0);
  g_free (f->dir);
  g_free (f->bob_name);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/share/words", test_words);
  g_test_add_func ("/share/fit", test_fit);
  g_test_add_data_func ("/share/dovecot", GINT_TO_POINTER (TERN_TEST_SERVER_DOVECOT), test_share);
  g_test_add_data_func ("/share/cyrus", GINT_TO_POINTER (TERN_TEST_SERVER_CYRUS), test_share);
  g_test_add_data_func ("/share/cyrus-classic", GINT_TO_POINTER (TERN_TEST_SERVER_CYRUS_CLASSIC), test_share);

  return g_test_run ();
}
