/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-cli-accounts"

#include "config.h"

#include <string.h>

#include "tern-accounts-private.h"
#include "tern-test-https.h"
#include "tern-test-idp.h"
#include "tern-test-server.h"

/*
 * tern-cli account discover/add/edit/remove as a user runs them: a child process against a
 * real Dovecot (IMAP and submission), with the provider's autoconfig served by a local HTTPS
 * server. $TERN_DISCOVERY_CONNECT_TO puts autoconfig.example.test:443 on that server; the
 * document names the Dovecot ports on localhost. No query leaves the machine: discovery stops
 * at the first place, which answers.
 */

typedef struct
{
  TernTestServer *server;
  TernTestHttps  *https;
  TernTestIdp    *idp;
  char           *dir;
  char           *data;
  const char     *cli;
} Fixture;

typedef struct
{
  char *out;
  char *err;
  int   status;
} Result;

static void
result_clear (Result *r)
{
  g_clear_pointer (&r->out, g_free);
  g_clear_pointer (&r->err, g_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Result, result_clear)

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *xml = NULL;
  g_autofree char *connect_to = NULL;

  f->cli = g_getenv ("TERN_CLI");
  g_assert_nonnull (f->cli);
  if (GPOINTER_TO_UINT (data) & TERN_TEST_SERVER_OAUTH2)
    {
      g_autofree char *introspection = NULL;

      f->idp = tern_test_idp_new ("alice", &error);
      g_assert_no_error (error);
      introspection = tern_test_idp_dup_introspection_url (f->idp);
      g_setenv (TERN_TEST_IDP_ENV, introspection, TRUE);
    }
  f->server = tern_test_server_new (TERN_TEST_SERVER_SUBMISSION | GPOINTER_TO_UINT (data), &error);
  g_assert_no_error (error);
  if (f->idp != NULL)
    g_assert_true (tern_test_idp_start_web (f->idp, tern_test_server_get_cert_file (f->server),
                                            tern_test_server_get_key_file (f->server), &error));
  g_assert_true (tern_test_server_seed (f->server, "alice", "INBOX", 12, &error));
  g_assert_no_error (error);
  f->https = tern_test_https_new (tern_test_server_get_cert_file (f->server),
                                  tern_test_server_get_key_file (f->server), &error);
  g_assert_no_error (error);
  f->dir = g_dir_make_tmp ("tern-cli-accounts-XXXXXX", &error);
  g_assert_no_error (error);
  f->data = g_build_filename (f->dir, "data", NULL);

  xml = g_strdup_printf ("<clientConfig version=\"1.1\"><emailProvider id=\"example.test\">"
                         "<domain>example.test</domain><displayName>Example Mail</displayName>"
                         "<incomingServer type=\"imap\"><hostname>localhost</hostname><port>%u</port>"
                         "<socketType>SSL</socketType><username>%%EMAILLOCALPART%%</username>"
                         "<authentication>password-cleartext</authentication></incomingServer>"
                         "<outgoingServer type=\"smtp\"><hostname>localhost</hostname><port>%u</port>"
                         "<socketType>STARTTLS</socketType><username>%%EMAILLOCALPART%%</username>"
                         "<authentication>password-cleartext</authentication></outgoingServer>"
                         "</emailProvider></clientConfig>",
                         tern_test_server_get_imaps_port (f->server),
                         tern_test_server_get_submission_port (f->server));
  tern_test_https_set (f->https, "autoconfig.example.test", "/mail/config-v1.1.xml", 200, "text/xml",
                       xml, -1, NULL);
  connect_to = g_strdup_printf ("autoconfig.example.test:443=127.0.0.1:%u",
                                tern_test_https_get_port (f->https));
  g_setenv ("TERN_DISCOVERY_CONNECT_TO", connect_to, TRUE);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  g_autofree char *cmd = g_strdup_printf ("rm -rf '%s'", f->dir);

  g_unsetenv ("TERN_DISCOVERY_CONNECT_TO");
  tern_test_https_free (f->https);
  tern_test_server_free (f->server);
  g_clear_pointer (&f->idp, tern_test_idp_free);
  g_assert_cmpint (system (cmd), ==, 0);
  g_free (f->data);
  g_free (f->dir);
}

/* Runs tern-cli --data-dir DATA args... (NULL-terminated). */
static void
run (Fixture    *f,
     Result     *r,
     const char *stdin_text,
     ...)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GSubprocess) proc = NULL;
  g_autoptr(GBytes) in = NULL, out = NULL, err = NULL;
  const char *arg;
  va_list ap;

  g_ptr_array_add (argv, (char *) f->cli);
  g_ptr_array_add (argv, (char *) "--data-dir");
  g_ptr_array_add (argv, f->data);
  va_start (ap, stdin_text);
  while ((arg = va_arg (ap, const char *)) != NULL)
    g_ptr_array_add (argv, (char *) arg);
  va_end (ap);
  g_ptr_array_add (argv, NULL);

  launcher = g_subprocess_launcher_new ((stdin_text ? G_SUBPROCESS_FLAGS_STDIN_PIPE : 0) |
                                        G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE);
  proc = g_subprocess_launcher_spawnv (launcher, (const char * const *) argv->pdata, &error);
  g_assert_no_error (error);
  if (stdin_text != NULL)
    in = g_bytes_new (stdin_text, strlen (stdin_text));
  g_assert_true (g_subprocess_communicate (proc, in, NULL, &out, &err, &error));
  g_assert_no_error (error);
  r->out = g_strndup (g_bytes_get_data (out, NULL), g_bytes_get_size (out));
  r->err = g_strndup (g_bytes_get_data (err, NULL), g_bytes_get_size (err));
  r->status = g_subprocess_get_if_exited (proc) ? g_subprocess_get_exit_status (proc) : -1;
}

static void
assert_ok (Result *r)
{
  if (r->status != 0)
    g_error ("tern-cli failed (%d): %s%s", r->status, r->out, r->err);
}

static void
assert_has (const char *haystack,
            const char *needle)
{
  if (strstr (haystack, needle) == NULL)
    g_error ("expected “%s” in: %s", needle, haystack);
}

/* discover, then add from the address alone: IMAP and submission set up, the name used. */
static void
test_add_from_address (Fixture       *f,
                       gconstpointer  data)
{
  g_auto(Result) r = { 0 };
  g_autofree char *imaps = g_strdup_printf ("\"port\":%u", tern_test_server_get_imaps_port (f->server));
  g_autofree char *submission = g_strdup_printf ("\"port\":%u",
                                                 tern_test_server_get_submission_port (f->server));
  const char *ca = tern_test_server_get_ca_file (f->server);

  run (f, &r, NULL, "--json", "account", "discover", "alice@example.test", "--ca-file", ca, NULL);
  assert_ok (&r);
  assert_has (r.out, "\"imap\":{\"host\":\"localhost\"");
  assert_has (r.out, imaps);
  assert_has (r.out, "\"user\":\"alice\"");
  assert_has (r.out, "\"source\":\"autoconfig\"");
  assert_has (r.out, "\"smtp\":{\"host\":\"localhost\"");
  assert_has (r.out, submission);
  assert_has (r.out, "\"security\":\"starttls\"");
  assert_has (r.out, "\"provider\":\"Example Mail\"");
  result_clear (&r);

  run (f, &r, NULL, "account", "discover", "alice@example.test", "--ca-file", ca, NULL);
  assert_ok (&r);
  assert_has (r.out, "found in the provider's own settings: "
                     "https://autoconfig.example.test/mail/config-v1.1.xml?emailaddress=alice%40example.test");
  result_clear (&r);

  run (f, &r, NULL, "account", "add", "work", "--email", "alice@example.test", "--full-name",
       "Alice Liddell", "--password-command", "echo secret", "--ca-file", ca, NULL);
  assert_ok (&r);
  assert_has (r.out, "Added work (alice@localhost:");
  assert_has (r.out, "found in the provider's own settings");
  result_clear (&r);

  /* It works: a sync over what was found. */
  run (f, &r, NULL, "--json", "sync", "work", NULL);
  assert_ok (&r);
  result_clear (&r);
  run (f, &r, NULL, "--json", "folders", "work", NULL);
  assert_ok (&r);
  assert_has (r.out, "\"total\":12");
  result_clear (&r);

  /* Sending was set up with it: the submission server found, and the name for From. */
  run (f, &r, NULL, "--json", "smtp", "work", NULL);
  assert_ok (&r);
  assert_has (r.out, "\"host\":\"localhost\"");
  assert_has (r.out, submission);
  assert_has (r.out, "\"security\":\"starttls\"");
  assert_has (r.out, "\"user\":\"alice\"");
  result_clear (&r);
  run (f, &r, NULL, "--json", "identity", "list", "work", NULL);
  assert_ok (&r);
  assert_has (r.out, "Alice Liddell");
  result_clear (&r);
}

/* edit (servers, security, name, the person's name) and remove (with what is lost). */
static void
write_draft (const char *dir,
             const char *name,
             const char *from,
             const char *message_id)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = g_build_filename (dir, name, NULL);
  g_autofree char *text = g_strdup_printf ("From: %s\r\nTo: bob@example.test\r\nSubject: draft\r\n"
                                           "Message-ID: %s\r\n\r\nNot finished\r\n", from, message_id);

  g_assert_true (g_file_set_contents (path, text, -1, &error));
  g_assert_no_error (error);
}

static void
test_edit_remove (Fixture       *f,
                  gconstpointer  data)
{
  g_auto(Result) r = { 0 };
  g_autofree char *message_id = NULL, *drafts = NULL, *files = NULL, *path = NULL;
  g_autofree char *imaps = g_strdup_printf ("%u", tern_test_server_get_imaps_port (f->server));
  g_autofree char *imap = g_strdup_printf ("%u", tern_test_server_get_imap_port (f->server));
  g_autofree char *submissions = g_strdup_printf ("%u", tern_test_server_get_submissions_port (f->server));
  const char *ca = tern_test_server_get_ca_file (f->server);

  /* A wrong port first (plain IMAP spoken over TLS fails), then fixed by edit. */
  run (f, &r, NULL, "account", "add", "work", "--email", "alice@example.test", "--host", "localhost",
       "--port", imap, "--user", "alice", "--password-command", "echo secret", "--ca-file", ca, NULL);
  assert_ok (&r);
  result_clear (&r);
  run (f, &r, NULL, "--timeout", "5", "sync", "work", NULL);
  g_assert_cmpint (r.status, !=, 0);
  result_clear (&r);

  run (f, &r, NULL, "account", "edit", "work", "--security", "starttls", "--name", "office",
       "--full-name", "Alice L.", "--smtp-port", submissions, "--smtp-security", "tls", NULL);
  assert_ok (&r);
  assert_has (r.out, "Changed office (alice@localhost:");
  result_clear (&r);
  run (f, &r, NULL, "--json", "account", "list", NULL);
  assert_ok (&r);
  assert_has (r.out, "\"name\":\"office\"");
  assert_has (r.out, "\"security\":\"starttls\"");
  g_assert_null (strstr (r.out, "\"name\":\"work\""));
  result_clear (&r);
  /* Preview lines from the server (Dovecot offers PREVIEW): kept, and the sync asks for them. */
  run (f, &r, NULL, "account", "set", "office", "--server-previews", "maybe", NULL);
  g_assert_cmpint (r.status, ==, 2);
  result_clear (&r);
  run (f, &r, NULL, "account", "set", "office", "--server-previews", "yes", NULL);
  assert_ok (&r);
  result_clear (&r);
  run (f, &r, NULL, "sync", "office", NULL);
  assert_ok (&r);
  result_clear (&r);
  run (f, &r, NULL, "--json", "account", "list", NULL);
  assert_ok (&r);
  assert_has (r.out, "\"server_previews\":true");
  result_clear (&r);
  run (f, &r, NULL, "--json", "smtp", "office", NULL);
  assert_ok (&r);
  assert_has (r.out, "\"security\":\"tls\"");
  assert_has (r.out, submissions);
  result_clear (&r);
  run (f, &r, NULL, "--json", "identity", "list", "office", NULL);
  assert_ok (&r);
  assert_has (r.out, "Alice L.");
  result_clear (&r);

  /* Back to implicit TLS: the port follows the security when it was the usual one. */
  run (f, &r, NULL, "account", "edit", "office", "--security", "tls", "--port", imaps, NULL);
  assert_ok (&r);
  result_clear (&r);
  run (f, &r, NULL, "--json", "sync", "office", "--bodies", NULL);
  assert_ok (&r);
  result_clear (&r);

  /* Renaming onto another account is refused. */
  run (f, &r, NULL, "account", "add", "home", "--email", "a@example.test", "--host", "localhost",
       NULL);
  assert_ok (&r);
  result_clear (&r);
  run (f, &r, NULL, "account", "edit", "office", "--name", "home", NULL);
  g_assert_cmpint (r.status, ==, 1);
  assert_has (r.err, "exists");
  result_clear (&r);

  /* Remove: says what is lost; the cache and its files go. */
  /* A change that changes something (message 1 may be read already: that is no change). */
  run (f, &r, NULL, "--offline", "tag", "1", "+$Kept", NULL);
  assert_ok (&r);
  result_clear (&r);
  /* Drafts kept on this computer: one with the Message-ID of a message of the account, one
   * never saved to the server but from its address (with its attachments' folder), and one of
   * the other account, which stays. */
  run (f, &r, NULL, "--json", "list", "office", "INBOX", "--limit", "1", NULL);
  assert_ok (&r);
  assert_has (r.out, "\"message_id\":\"");
  message_id = g_strndup (strstr (r.out, "\"message_id\":\"") + strlen ("\"message_id\":\""),
                          strcspn (strstr (r.out, "\"message_id\":\"") + strlen ("\"message_id\":\""), "\""));
  result_clear (&r);
  drafts = g_build_filename (f->data, "outbox", "drafts", NULL);
  files = g_build_filename (drafts, "local.files", NULL);
  g_assert_cmpint (g_mkdir_with_parents (files, 0700), ==, 0);
  write_draft (drafts, "synced.eml", "someone@else.test", message_id);
  write_draft (drafts, "local.eml", "alice@example.test", "<local@example.test>");
  write_draft (files, "notes.txt", "alice@example.test", "<not-a-draft@example.test>");
  write_draft (drafts, "home.eml", "a@example.test", "<home@example.test>");

  run (f, &r, NULL, "account", "remove", "office", NULL);
  assert_ok (&r);
  assert_has (r.out, "Removed office: 12 cached messages, 1 changes not yet on the server");
  assert_has (r.out, "2 drafts kept on this computer");
  result_clear (&r);
  g_assert_false (g_file_test (files, G_FILE_TEST_EXISTS));
  path = g_build_filename (drafts, "synced.eml", NULL);
  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
  g_free (path);
  path = g_build_filename (drafts, "local.eml", NULL);
  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
  g_free (path);
  path = g_build_filename (drafts, "home.eml", NULL);
  g_assert_true (g_file_test (path, G_FILE_TEST_EXISTS));
  run (f, &r, NULL, "--json", "folders", "office", NULL);
  g_assert_cmpint (r.status, !=, 0);
  result_clear (&r);
  run (f, &r, NULL, "--json", "account", "list", NULL);
  assert_ok (&r);
  g_assert_null (strstr (r.out, "office"));
  assert_has (r.out, "\"name\":\"home\"");
}

/* An account added with its IMAP server only has no outgoing server: a message sent waits in
 * the outbox saying so, nothing is submitted through a guessed server (the IMAP host on 465);
 * once one is set, the same message goes. */
static void
test_no_outgoing_server (Fixture       *f,
                         gconstpointer  data)
{
  g_auto(Result) r = { 0 };
  g_autoptr(GError) error = NULL;
  g_autofree char *imaps = g_strdup_printf ("%u", tern_test_server_get_imaps_port (f->server));
  g_autofree char *submissions = g_strdup_printf ("%u", tern_test_server_get_submissions_port (f->server));
  g_autofree char *eml = g_build_filename (f->dir, "message.eml", NULL);
  const char *ca = tern_test_server_get_ca_file (f->server);

  g_assert_true (g_file_set_contents (eml, "From: alice@example.test\r\nTo: bob@example.test\r\n"
                                      "Subject: waits\r\nMessage-ID: <waits@example.test>\r\n\r\n"
                                      "Hello\r\n", -1, &error));
  run (f, &r, NULL, "account", "add", "work", "--email", "alice@example.test", "--host", "localhost",
       "--port", imaps, "--user", "alice", "--password-command", "echo secret", "--ca-file", ca, NULL);
  assert_ok (&r);
  assert_has (r.out, "no outgoing server");
  result_clear (&r);
  run (f, &r, NULL, "--json", "smtp", "work", NULL);
  assert_ok (&r);
  assert_has (r.out, "\"configured\":false");
  result_clear (&r);

  run (f, &r, NULL, "send", "work", eml, NULL);
  assert_ok (&r);
  assert_has (r.err, "No outgoing server is set up for this account");
  assert_has (r.err, "tern-cli smtp work --host HOST");
  result_clear (&r);
  run (f, &r, NULL, "--json", "outbox", "work", NULL);
  assert_ok (&r);
  assert_has (r.out, "\"state\":\"queued\"");
  assert_has (r.out, "No outgoing server is set up for this account");
  result_clear (&r);
  /* The sender ran to its end above: nothing reached the submission server. */
  g_assert_cmpuint (tern_test_server_count_submitted (f->server), ==, 0);

  run (f, &r, NULL, "smtp", "work", "--host", "localhost", "--port", submissions, "--security", "tls", NULL);
  assert_ok (&r);
  result_clear (&r);
  run (f, &r, NULL, "outbox", "flush", "work", NULL);
  assert_ok (&r);
  result_clear (&r);
  g_assert_cmpuint (tern_test_server_count_submitted (f->server), ==, 1);
}

/* The keyring follows an edit and is emptied by remove (a private bus and keyring). */
static void
test_keyring (Fixture       *f,
              gconstpointer  data)
{
  g_autofree char *script = NULL;
  g_autofree char *out = NULL, *err = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *home = g_build_filename (f->dir, "home", NULL);
  int status = 0;

  if (!tern_test_have_keyring_tools ())
    {
      g_test_skip ("needs dbus-run-session and gnome-keyring-daemon");
      return;
    }

  script = g_strdup_printf ("set -e; export HOME='%s' XDG_DATA_HOME='%s/share' XDG_RUNTIME_DIR='%s/run'; "
                            "mkdir -p \"$XDG_RUNTIME_DIR\"; chmod 700 \"$XDG_RUNTIME_DIR\"; "
                            "eval $(printf x | gnome-keyring-daemon --unlock --components=secrets | sed 's/^/export /'); "
                            "cli() { '%s' --data-dir '%s' \"$@\"; }; "
                            "printf 'secret\\n' | cli account add kr --email alice@example.test "
                            "--password-stdin --ca-file '%s'; "
                            "cli account edit kr --name kr2; "
                            "cli sync kr2; echo SYNCED-AFTER-RENAME; "
                            "cli account remove kr2; "
                            "cli account add kr2 --email alice@example.test --host localhost --port %u "
                            "--user alice --ca-file '%s'; "
                            "if cli sync kr2 2>&1; then echo STILL-THERE; else echo GONE; fi",
                            home, home, home, f->cli, f->data, tern_test_server_get_ca_file (f->server),
                            tern_test_server_get_imaps_port (f->server),
                            tern_test_server_get_ca_file (f->server));
  {
    const char *argv[] = { "dbus-run-session", "--", "sh", "-c", script, NULL };

    g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL,
                                 &out, &err, &status, &error));
  }
  g_assert_no_error (error);
  if (!g_spawn_check_wait_status (status, NULL))
    g_error ("keyring round trip failed: %s%s", out, err);
  assert_has (out, "SYNCED-AFTER-RENAME");
  assert_has (out, "No password stored for kr2");
  assert_has (out, "GONE");
}

/* The browser's part of signing in: the authorization address, then the redirect to
 * tern-cli's loopback port. */
static void
browse (Fixture    *f,
        const char *uri)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GTlsDatabase) ca = g_tls_file_database_new (tern_test_server_get_ca_file (f->server), &error);
  g_autoptr(TernHttpResponse) response = NULL;
  g_autoptr(GUri) redirect = NULL;
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GSocketConnection) connection = NULL;
  g_autoptr(GDataInputStream) in = NULL;
  g_autofree char *request = NULL;
  g_autofree char *status = NULL;
  TernNetOptions options = { .tls_database = ca, .timeout_seconds = 10 };
  TernHttpRequest get = { .url = uri };

  response = _tern_http_request (&options, &get, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (response->status, ==, 302);
  redirect = g_uri_parse (response->location, G_URI_FLAGS_ENCODED, &error);
  g_assert_no_error (error);
  connection = g_socket_client_connect_to_host (client, "127.0.0.1", g_uri_get_port (redirect), NULL,
                                                &error);
  g_assert_no_error (error);
  request = g_strdup_printf ("GET %s?%s HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", g_uri_get_path (redirect),
                             g_uri_get_query (redirect));
  g_assert_true (g_output_stream_write_all (g_io_stream_get_output_stream (G_IO_STREAM (connection)),
                                            request, strlen (request), NULL, NULL, &error));
  in = g_data_input_stream_new (g_io_stream_get_input_stream (G_IO_STREAM (connection)));
  status = g_data_input_stream_read_line (in, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_str_has_prefix (status, "HTTP/1.1 200"));
}

/* account add --oauth2: the address to open is printed, the browser comes back, the sign-in
 * is kept in the keyring and sync signs in to Dovecot with the token; remove forgets it. */
static void
test_oauth2 (Fixture       *f,
             gconstpointer  data)
{
  g_autofree char *home = g_build_filename (f->dir, "home", NULL);
  g_autofree char *auth_url = tern_test_idp_dup_auth_url (f->idp);
  g_autofree char *token_url = tern_test_idp_dup_token_url (f->idp);
  g_autofree char *script = NULL;
  g_autoptr(GSubprocess) proc = NULL;
  g_autoptr(GDataInputStream) in = NULL;
  g_autoptr(GString) all = g_string_new (NULL);
  g_autoptr(GError) error = NULL;
  gboolean browsed = FALSE;
  char *line;

  if (!tern_test_have_keyring_tools ())
    {
      g_test_skip ("needs dbus-run-session and gnome-keyring-daemon");
      return;
    }
  script = g_strdup_printf ("set -e; export HOME='%s' XDG_DATA_HOME='%s/share' XDG_RUNTIME_DIR='%s/run'; "
                            "mkdir -p \"$XDG_RUNTIME_DIR\"; chmod 700 \"$XDG_RUNTIME_DIR\"; "
                            "eval $(printf x | env -u G_DEBUG -u MALLOC_CHECK_ gnome-keyring-daemon --unlock "
                            "--components=secrets | sed 's/^/export /'); "
                            "cli() { '%s' --data-dir '%s' \"$@\"; }; "
                            "cli account add oa --email alice@example.org --host localhost --port %u "
                            "--user alice --ca-file '%s' --oauth2 --oauth2-client-id tern-test "
                            "--oauth2-auth-url '%s' --oauth2-token-url '%s' --oauth2-scope mail; "
                            "cli --json sync oa; cli --json folders oa; cli account remove oa; echo DONE",
                            home, home, home, f->cli, f->data, tern_test_server_get_imaps_port (f->server),
                            tern_test_server_get_ca_file (f->server), auth_url, token_url);
  proc = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_MERGE, &error,
                           "dbus-run-session", "--", "sh", "-c", script, NULL);
  g_assert_no_error (error);
  in = g_data_input_stream_new (g_subprocess_get_stdout_pipe (proc));
  while ((line = g_data_input_stream_read_line (in, NULL, NULL, &error)) != NULL)
    {
      g_string_append_printf (all, "%s\n", line);
      if (!browsed && g_str_has_prefix (line, auth_url))
        {
          g_assert_nonnull (strstr (line, "code_challenge_method=S256"));
          browse (f, line);
          browsed = TRUE;
        }
      g_free (line);
    }
  g_assert_no_error (error);
  g_assert_true (g_subprocess_wait (proc, NULL, &error));
  if (!g_subprocess_get_successful (proc))
    g_error ("tern-cli with OAuth2 failed: %s", all->str);
  g_assert_true (browsed);
  assert_has (all->str, "To sign in, open this address in your browser:");
  assert_has (all->str, "Signed in.");
  assert_has (all->str, "\"total\":12");
  assert_has (all->str, "Removed oa");
  assert_has (all->str, "DONE");
  g_assert_cmpuint (tern_test_idp_count (f->idp, "introspect-active"), >=, 1);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add ("/cli-accounts/add-from-address", Fixture, NULL, fixture_set_up,
              test_add_from_address, fixture_tear_down);
  g_test_add ("/cli-accounts/edit-remove", Fixture, NULL, fixture_set_up, test_edit_remove,
              fixture_tear_down);
  g_test_add ("/cli-accounts/no-outgoing-server", Fixture, NULL, fixture_set_up, test_no_outgoing_server,
              fixture_tear_down);
  g_test_add ("/cli-accounts/keyring", Fixture, NULL, fixture_set_up, test_keyring,
              fixture_tear_down);
  g_test_add ("/cli-accounts/oauth2", Fixture, GUINT_TO_POINTER (TERN_TEST_SERVER_OAUTH2),
              fixture_set_up, test_oauth2, fixture_tear_down);
  return g_test_run ();
}
