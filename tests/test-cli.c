/* SPDX-License-Identifier: GPL-3.0-or-later */
#define _GNU_SOURCE
#define G_LOG_DOMAIN "test-cli"

#include "config.h"

#include <signal.h>
#include <string.h>

#include "tern-test-server.h"

/* tern-cli as a user runs it: a child process against a real Dovecot. */

typedef struct
{
  TernTestServer *server;
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

  f->cli = g_getenv ("TERN_CLI");
  g_assert_nonnull (f->cli);
  TernTestServerKind kind = GPOINTER_TO_UINT (data) >> 24;

  if (!tern_test_server_kind_available (kind, &error))
    {
      g_test_skip (error->message);
      return;
    }
  f->server = tern_test_server_new_kind (kind, GPOINTER_TO_UINT (data) & 0xffffff, &error);
  g_assert_no_error (error);
  g_assert_true (tern_test_server_seed (f->server, "alice", "INBOX", 40, &error));
  g_assert_no_error (error);
  f->dir = g_dir_make_tmp ("tern-cli-XXXXXX", &error);
  g_assert_no_error (error);
  f->data = g_build_filename (f->dir, "data", NULL);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  g_autofree char *cmd = NULL;

  if (f->dir == NULL)
    return;
  cmd = g_strdup_printf ("rm -rf '%s'", f->dir);
  if (f->server != NULL)
    tern_test_server_free (f->server);
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
  r->out = g_bytes_get_size (out) ? g_strndup (g_bytes_get_data (out, NULL), g_bytes_get_size (out)) : g_strdup ("");
  r->err = g_bytes_get_size (err) ? g_strndup (g_bytes_get_data (err, NULL), g_bytes_get_size (err)) : g_strdup ("");
  r->status = g_subprocess_get_if_exited (proc) ? g_subprocess_get_exit_status (proc) : -1;
}

static void
assert_ok (Result *r)
{
  if (r->status != 0)
    g_error ("tern-cli failed (%d): %s", r->status, r->err);
}

/* A failure is one clear line on stderr and a non-zero exit. */
static void
assert_fails_with (Result     *r,
                   const char *needle)
{
  g_autofree char *lower = g_utf8_strdown (r->err, -1);
  const char *newline = strchr (r->err, '\n');

  g_assert_cmpint (r->status, !=, 0);
  g_assert_true (g_str_has_prefix (r->err, "tern-cli: "));
  g_assert_nonnull (newline);
  g_assert_cmpstr (newline + 1, ==, "");
  if (strstr (lower, needle) == NULL)
    g_error ("expected “%s” in: %s", needle, r->err);
}

static void
add_account (Fixture    *f,
             const char *name,
             const char *password,
             gboolean    with_ca)
{
  g_auto(Result) r = { 0 };
  g_autofree char *port = g_strdup_printf ("%u", tern_test_server_get_imaps_port (f->server));
  g_autofree char *command = g_strdup_printf ("echo %s", password);

  if (with_ca)
    run (f, &r, NULL, "account", "add", name, "--email", "alice@example.org",
         "--host", tern_test_server_get_host (f->server), "--port", port, "--user", "alice",
         "--password-command", command, "--ca-file", tern_test_server_get_ca_file (f->server), NULL);
  else
    run (f, &r, NULL, "account", "add", name, "--email", "alice@example.org",
         "--host", tern_test_server_get_host (f->server), "--port", port, "--user", "alice",
         "--password-command", command, NULL);
  assert_ok (&r);
}

/* tern-cli sync, which must succeed. */
static void
sync_ok (Fixture *f)
{
  g_auto(Result) r = { 0 };

  run (f, &r, NULL, "sync", NULL);
  assert_ok (&r);
}

/* Online: the queue replayed, nothing left pending. */
static void
sync_until_nothing_pending (Fixture *f)
{
  g_auto(Result) r = { 0 };

  sync_ok (f);
  run (f, &r, NULL, "pending", NULL);
  assert_ok (&r);
  g_assert_cmpstr (r.out, ==, "");
}

static void
test_commands (Fixture       *f,
               gconstpointer  data)
{
  g_auto(Result) r = { 0 };
  g_autofree char *id = NULL;
  char *p;

  add_account (f, "work", "secret", TRUE);

  run (f, &r, NULL, "account", "list", NULL);
  assert_ok (&r);
  g_assert_nonnull (strstr (r.out, "work\talice@example.org"));
  result_clear (&r);

  run (f, &r, NULL, "sync", NULL);
  assert_ok (&r);
  result_clear (&r);

  /* Global options come before the command. */
  run (f, &r, NULL, "--json", "folders", "work", NULL);
  assert_ok (&r);
  g_assert_true (g_str_has_prefix (r.out, "[{\"name\":\"INBOX\""));
  g_assert_nonnull (strstr (r.out, "\"special_use\":\"\\\\Inbox\""));
  g_assert_nonnull (strstr (r.out, "\"special_use\":\"\\\\Sent\""));
  g_assert_nonnull (strstr (r.out, "\"total\":40"));
  g_assert_nonnull (strstr (r.out, "\"unread\":"));
  result_clear (&r);

  /* The table keeps its columns after a non-ASCII name (padded in characters, #10.10). */
  run (f, &r, NULL, "--offline", "folder", "create", "work", "Ünïcødé", NULL);
  assert_ok (&r);
  result_clear (&r);
  run (f, &r, NULL, "folders", "work", NULL);
  assert_ok (&r);
  {
    g_auto(GStrv) rows = g_strsplit (r.out, "\n", -1);
    glong inbox_column = -1, other_column = -1;

    for (guint i = 0; rows[i] != NULL; i++)
      {
        const char *dash = strstr (rows[i], " -");
        const char *in = strstr (rows[i], " \\Inbox");

        if (g_str_has_prefix (rows[i], "INBOX ") && in != NULL)
          inbox_column = g_utf8_pointer_to_offset (rows[i], in);
        if (g_str_has_prefix (rows[i], "Ünïcødé") && dash != NULL)
          other_column = g_utf8_pointer_to_offset (rows[i], dash);
      }
    g_assert_cmpint (inbox_column, >, 0);
    g_assert_cmpint (other_column, ==, inbox_column);
  }
  result_clear (&r);

  run (f, &r, NULL, "--json", "list", "work", "INBOX", "--limit", "3", NULL);
  assert_ok (&r);
  g_assert_true (g_str_has_prefix (r.out, "[{\"id\":"));
  g_assert_nonnull (strstr (r.out, "\"uid\":40,"));
  g_assert_nonnull (strstr (r.out, "\"flags\":["));
  g_assert_nonnull (strstr (r.out, "\"date\":\"20"));
  g_assert_nonnull (strstr (r.out, "\"from\":\""));
  g_assert_nonnull (strstr (r.out, "\"subject\":\""));
  /* Exactly three objects. */
  {
    guint objects = 0;

    for (p = r.out; (p = strstr (p, "{\"id\":")) != NULL; p++)
      objects++;
    g_assert_cmpuint (objects, ==, 3);
  }
  p = strstr (r.out, "{\"id\":") + 6;
  id = g_strndup (p, strspn (p, "0123456789"));
  result_clear (&r);

  run (f, &r, NULL, "show", id, NULL);
  assert_ok (&r);
  g_assert_nonnull (strstr (r.out, "Subject:"));
  g_assert_nonnull (strstr (r.out, "Structure:"));
  g_assert_nonnull (strstr (r.out, "text/"));
  result_clear (&r);

  run (f, &r, NULL, "--json", "show", id, NULL);
  assert_ok (&r);
  g_assert_nonnull (strstr (r.out, "\"parts\":[{\"section\":"));
  result_clear (&r);

  run (f, &r, NULL, "--json", "status", NULL);
  assert_ok (&r);
  g_assert_nonnull (strstr (r.out, "\"reachable\":true"));
  g_assert_nonnull (strstr (r.out, "\"last_sync\":\"20"));
  result_clear (&r);

  run (f, &r, NULL, "account", "remove", "work", NULL);
  assert_ok (&r);
  result_clear (&r);
  run (f, &r, NULL, "--json", "account", "list", NULL);
  assert_ok (&r);
  g_assert_cmpstr (r.out, ==, "[]\n");
}

static void
test_errors (Fixture       *f,
             gconstpointer  data)
{
  g_auto(Result) r = { 0 };

  add_account (f, "bad-password", "wrong", TRUE);
  run (f, &r, NULL, "sync", "bad-password", NULL);
  assert_fails_with (&r, "authentication failed");
  result_clear (&r);

  /* The fixture's CA is not among the system CAs. */
  add_account (f, "untrusted", "secret", FALSE);
  run (f, &r, NULL, "sync", "untrusted", NULL);
  assert_fails_with (&r, "certificate");
  g_assert_nonnull (strstr (r.err, "SHA-256"));
  result_clear (&r);

  /* Pinning the fingerprint the error showed makes it work. */
  {
    g_autofree char *sha = tern_test_server_dup_cert_sha256 (f->server);

    run (f, &r, NULL, "account", "pin", "untrusted", sha, NULL);
    assert_ok (&r);
    result_clear (&r);
    run (f, &r, NULL, "sync", "untrusted", NULL);
    assert_ok (&r);
    result_clear (&r);
  }

  run (f, &r, NULL, "account", "add", "nowhere", "--email", "a@b.invalid", "--host",
       "nonexistent.invalid", "--password-command", "echo x", NULL);
  assert_ok (&r);
  result_clear (&r);
  run (f, &r, NULL, "sync", "nowhere", NULL);
  assert_fails_with (&r, "unknown host");
  result_clear (&r);

  add_account (f, "work", "secret", TRUE);
  run (f, &r, NULL, "sync", "work", "--folder", "Nope", NULL);
  assert_fails_with (&r, "no folder");
  result_clear (&r);
  run (f, &r, NULL, "list", "work", "Nope", NULL);
  assert_fails_with (&r, "no folder");
  result_clear (&r);
  run (f, &r, NULL, "list", "ghost", "INBOX", NULL);
  assert_fails_with (&r, "no account");
  result_clear (&r);
  run (f, &r, NULL, "show", "999999", NULL);
  assert_fails_with (&r, "no message");
  result_clear (&r);
  run (f, &r, NULL, "account", "add", "work", "--email", "a@b", "--host", "h", NULL);
  assert_fails_with (&r, "exists already");
  result_clear (&r);

  run (f, &r, NULL, "frobnicate", NULL);
  g_assert_cmpint (r.status, ==, 2);
  result_clear (&r);

  /* Unreachable: status says so and the sync error is recorded. */
  tern_test_server_free (f->server);
  f->server = NULL;
  run (f, &r, NULL, "--json", "--timeout", "3", "status", "work", NULL);
  assert_ok (&r);
  g_assert_nonnull (strstr (r.out, "\"reachable\":false"));
}

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

  /* A private session bus and keyring: the password goes in with --password-stdin and
   * the sync reads it back from there (no password command). */
  script = g_strdup_printf ("export HOME='%s' XDG_DATA_HOME='%s/share' XDG_RUNTIME_DIR='%s/run'; "
                            "mkdir -p \"$XDG_RUNTIME_DIR\"; chmod 700 \"$XDG_RUNTIME_DIR\"; "
                            "eval $(printf x | gnome-keyring-daemon --unlock --components=secrets | sed 's/^/export /'); "
                            "printf 'secret\\n' | '%s' --data-dir '%s' account add kr --email a@example.org "
                            "--host %s --port %u --user alice --password-stdin --ca-file '%s' && "
                            "'%s' --data-dir '%s' sync kr && '%s' --data-dir '%s' --json folders kr",
                            home, home, home, f->cli, f->data, tern_test_server_get_host (f->server),
                            tern_test_server_get_imaps_port (f->server),
                            tern_test_server_get_ca_file (f->server), f->cli, f->data, f->cli, f->data);
  {
    const char *argv[] = { "dbus-run-session", "--", "sh", "-c", script, NULL };

    g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL,
                                 &out, &err, &status, &error));
  }
  g_assert_no_error (error);
  if (!g_spawn_check_wait_status (status, NULL))
    g_error ("keyring round trip failed: %s", err);
  g_assert_nonnull (strstr (out, "\"total\":40"));

  /* The cache holds no password. */
  for (guint i = 0; i < 2; i++)
    {
      g_autofree char *db = g_build_filename (f->data, i ? "tern.db-wal" : "tern.db", NULL);
      g_autofree char *contents = NULL;
      gsize len = 0;

      if (g_file_get_contents (db, &contents, &len, NULL))
        g_assert_null (memmem (contents, len, "secret", 6));
    }
}

/* Offline actions from the command line: queued with --offline, sent when online. */
static void
test_actions (Fixture       *f,
              gconstpointer  data)
{
  g_auto(Result) r = { 0 };
  g_autoptr(GError) error = NULL;
  g_autoptr(TernTestClient) client = NULL;
  g_autofree char *response = NULL;
  g_autofree char *eml = g_build_filename (f->dir, "note.eml", NULL);

  add_account (f, "work", "secret", TRUE);
  sync_ok (f);

  /* The newest message is id 40 (uid 40): flag it and move 39, offline. */
  run (f, &r, NULL, "--offline", "flag", "40", NULL);
  assert_ok (&r);
  result_clear (&r);
  run (f, &r, NULL, "--offline", "move", "39", "Archive", NULL);
  assert_ok (&r);
  result_clear (&r);
  run (f, &r, NULL, "--offline", "tag", "38", "+$Work", NULL);
  assert_ok (&r);
  result_clear (&r);
  run (f, &r, NULL, "--offline", "folder", "create", "work", "Zürich", NULL);
  assert_ok (&r);
  result_clear (&r);
  g_assert_true (g_file_set_contents (eml, "From: a@example.org\r\nSubject: Saved\r\n"
                                      "Message-ID: <saved@example.org>\r\n\r\nsaved\r\n", -1, NULL));
  run (f, &r, NULL, "--offline", "append", "work", "Zürich", eml, NULL);
  assert_ok (&r);
  result_clear (&r);

  run (f, &r, NULL, "--json", "pending", NULL);
  assert_ok (&r);
  g_assert_nonnull (strstr (r.out, "\"kind\":\"flags\""));
  g_assert_nonnull (strstr (r.out, "\"kind\":\"move\""));
  g_assert_nonnull (strstr (r.out, "\"kind\":\"append\""));
  g_assert_nonnull (strstr (r.out, "\"what\":\"Zürich\""));
  result_clear (&r);

  /* The cache shows the changes before the server has them. */
  run (f, &r, NULL, "--json", "list", "work", "Archive", NULL);
  assert_ok (&r);
  g_assert_nonnull (strstr (r.out, "\"id\":39,"));
  result_clear (&r);

  /* Online: replayed, nothing pending. */
  sync_until_nothing_pending (f);

  client = tern_test_client_new (f->server, "alice", "secret", &error);
  g_assert_no_error (error);
  g_assert_true (tern_test_client_command (client, NULL, &error, "SELECT INBOX"));
  g_assert_true (tern_test_client_command (client, &response, &error, "UID FETCH 38,40 (FLAGS)"));
  g_assert_no_error (error);
  g_assert_nonnull (strstr (response, "\\Flagged"));
  g_assert_nonnull (strstr (response, "$Work"));
  g_clear_pointer (&response, g_free);
  g_assert_true (tern_test_client_command (client, &response, &error, "STATUS \"Z&APw-rich\" (MESSAGES)"));
  g_assert_nonnull (strstr (response, "MESSAGES 1"));

  /* An action the server refuses: exit 1, one line, kept as failed for retry or discard. */
  g_assert_true (tern_test_client_command (client, NULL, &error, "DELETE \"Z&APw-rich\""));
  run (f, &r, NULL, "move", "37", "Zürich", NULL);
  g_assert_cmpint (r.status, ==, 1);
  g_assert_nonnull (strstr (r.err, "refused"));
  result_clear (&r);
  run (f, &r, NULL, "pending", NULL);
  assert_ok (&r);
  g_assert_nonnull (strstr (r.out, "failed\tmove"));
  {
    g_autofree char *id = g_strndup (r.out, strcspn (r.out, "\t"));

    result_clear (&r);
    run (f, &r, NULL, "pending", "discard", id, NULL);
    assert_ok (&r);
    result_clear (&r);
  }
  run (f, &r, NULL, "pending", NULL);
  g_assert_cmpstr (r.out, ==, "");
  result_clear (&r);

  /* Mistakes are refused before anything is queued. */
  run (f, &r, NULL, "--offline", "move", "36", "No such folder", NULL);
  assert_fails_with (&r, "no folder");
  result_clear (&r);
  run (f, &r, NULL, "--offline", "tag", "36", "+bad(word", NULL);
  assert_fails_with (&r, "cannot be set");
  result_clear (&r);

  /* A server that cannot be reached: the change is kept, and said to be. */
  tern_test_server_free (f->server);
  f->server = NULL;
  /* (A real change: one that changes nothing is not queued, or undone later.) */
  run (f, &r, NULL, "--timeout", "3", "tag", "36", "+$Later", NULL);
  assert_ok (&r);
  g_assert_nonnull (strstr (r.err, "stays queued"));
  result_clear (&r);
  run (f, &r, NULL, "pending", NULL);
  g_assert_nonnull (strstr (r.out, "queued\tflags"));
}

typedef struct
{
  GMainLoop *loop;
  GString   *seen;
  const char *wanted;
} WatchRead;

static void
watch_line_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  WatchRead *w = user_data;
  g_autofree char *line = g_data_input_stream_read_line_finish (G_DATA_INPUT_STREAM (source), result,
                                                                NULL, NULL);

  if (line == NULL)
    {
      g_main_loop_quit (w->loop);
      return;
    }
  g_string_append_printf (w->seen, "%s\n", line);
  if (strstr (line, w->wanted) != NULL)
    {
      g_main_loop_quit (w->loop);
      return;
    }
  g_data_input_stream_read_line_async (G_DATA_INPUT_STREAM (source), G_PRIORITY_DEFAULT, NULL,
                                       watch_line_cb, w);
}

static gboolean
quit_cb (gpointer data)
{
  g_main_loop_quit (data);
  return G_SOURCE_REMOVE;
}

/* watch prints another client's change as it arrives. */
static void
test_watch (Fixture       *f,
            gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocess) proc = NULL;
  g_autoptr(GDataInputStream) lines = NULL;
  g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  g_autoptr(TernTestClient) client = NULL;
  g_autoptr(GString) seen = g_string_new (NULL);
  const char *message = "From: b@example.org\r\nSubject: Live one\r\nMessage-ID: <live@x>\r\n\r\nhi\r\n";
  WatchRead w = { loop, seen, "new\tINBOX" };
  g_auto(Result) r = { 0 };
  g_autoptr(GSource) timeout = NULL;

  add_account (f, "work", "secret", TRUE);
  run (f, &r, NULL, "sync", NULL);
  assert_ok (&r);

  proc = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_SILENCE, &error,
                           f->cli, "--data-dir", f->data, "watch", "work", NULL);
  g_assert_no_error (error);
  lines = g_data_input_stream_new (g_subprocess_get_stdout_pipe (proc));

  /* Once it idles (the server has its IDLE), change the mailbox from elsewhere. */
  g_assert_true (tern_test_server_wait_command (f->server, "alice", "IDLE", 1, 20000));
  client = tern_test_client_new (f->server, "alice", "secret", &error);
  g_assert_no_error (error);
  tern_test_client_append (client, "INBOX", NULL, NULL, message, strlen (message), &error);
  g_assert_no_error (error);

  /* It prints the change by push: watch polls only every 60 s, and the wait gives up after
   * 20 s. */
  g_data_input_stream_read_line_async (lines, G_PRIORITY_DEFAULT, NULL, watch_line_cb, &w);
  timeout = g_timeout_source_new_seconds (20);
  g_source_set_callback (timeout, quit_cb, loop, NULL);
  g_source_attach (timeout, NULL);
  g_main_loop_run (loop);
  g_source_destroy (timeout);

  g_assert_nonnull (strstr (seen->str, "new\tINBOX\tuid=41"));
  g_assert_nonnull (strstr (seen->str, "Live one"));

  /* SIGTERM ends it cleanly. */
  g_subprocess_send_signal (proc, SIGTERM);
  g_assert_true (g_subprocess_wait (proc, NULL, &error));
  g_assert_true (g_subprocess_get_if_exited (proc));
  g_assert_cmpint (g_subprocess_get_exit_status (proc), ==, 0);
}

/* watch --poll S checks the other folders every S seconds (it was parsed and ignored: always
 * 60 s, #17). A message delivered to Team shows within the test's 20 s bound. */
static void
test_watch_poll (Fixture       *f,
                 gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocess) proc = NULL;
  g_autoptr(GDataInputStream) lines = NULL;
  g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  g_autoptr(TernTestClient) client = NULL;
  g_autoptr(GString) seen = g_string_new (NULL);
  const char *message = "From: b@example.org\r\nSubject: Polled one\r\nMessage-ID: <polled@x>\r\n\r\nhi\r\n";
  WatchRead w = { loop, seen, "new\tTeam" };
  g_auto(Result) r = { 0 };
  g_autoptr(GSource) timeout = NULL;

  add_account (f, "work", "secret", TRUE);
  run (f, &r, NULL, "sync", NULL);
  assert_ok (&r);

  proc = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_SILENCE, &error,
                           f->cli, "--data-dir", f->data, "watch", "--poll", "2", "work", NULL);
  g_assert_no_error (error);
  lines = g_data_input_stream_new (g_subprocess_get_stdout_pipe (proc));

  g_assert_true (tern_test_server_wait_command (f->server, "alice", "IDLE", 1, 20000));
  client = tern_test_client_new (f->server, "alice", "secret", &error);
  g_assert_no_error (error);
  tern_test_client_append (client, "Team", NULL, NULL, message, strlen (message), &error);
  g_assert_no_error (error);

  g_data_input_stream_read_line_async (lines, G_PRIORITY_DEFAULT, NULL, watch_line_cb, &w);
  timeout = g_timeout_source_new_seconds (20);
  g_source_set_callback (timeout, quit_cb, loop, NULL);
  g_source_attach (timeout, NULL);
  g_main_loop_run (loop);
  g_source_destroy (timeout);

  g_assert_nonnull (strstr (seen->str, "new\tTeam"));
  g_assert_nonnull (strstr (seen->str, "Polled one"));

  g_subprocess_send_signal (proc, SIGTERM);
  g_assert_true (g_subprocess_wait (proc, NULL, &error));
  g_assert_cmpint (g_subprocess_get_exit_status (proc), ==, 0);
}

/* identity list/add/remove: the account's own address first, aliases after it. */
static void
test_identities (Fixture       *f,
                 gconstpointer  data)
{
  g_auto(Result) r = { 0 };
  g_autofree char *sig = g_build_filename (f->dir, "sig.txt", NULL);

  add_account (f, "work", "secret", TRUE);
  g_assert_true (g_file_set_contents (sig, "Alice\nSales\n", -1, NULL));

  run (f, &r, NULL, "identity", "add", "work", "sales@example.org", "--name", "Alice Sales",
       "--reply-to", "team@example.org", "--signature-file", sig, NULL);
  assert_ok (&r);
  result_clear (&r);
  run (f, &r, NULL, "identity", "add", "work", "help@example.org", NULL);
  assert_ok (&r);
  result_clear (&r);
  run (f, &r, NULL, "identity", "add", "work", "SALES@example.org", NULL);
  assert_fails_with (&r, "already");
  result_clear (&r);

  run (f, &r, NULL, "--json", "identity", "list", "work", NULL);
  assert_ok (&r);
  g_assert_cmpstr (r.out, ==,
                   "[{\"address\":\"alice@example.org\",\"name\":null,\"reply_to\":null,\"signature\":null,\"default\":true},"
                   "{\"address\":\"sales@example.org\",\"name\":\"Alice Sales\",\"reply_to\":\"team@example.org\","
                   "\"signature\":\"Alice\\nSales\",\"default\":false},"
                   "{\"address\":\"help@example.org\",\"name\":null,\"reply_to\":null,\"signature\":null,\"default\":false}]\n");
  result_clear (&r);

  run (f, &r, NULL, "identity", "remove", "work", "sales@example.org", NULL);
  assert_ok (&r);
  g_assert_cmpstr (r.out, ==, "alice@example.org (default)\nhelp@example.org\n");
  result_clear (&r);
  run (f, &r, NULL, "identity", "remove", "work", "sales@example.org", NULL);
  assert_fails_with (&r, "no identity");
  result_clear (&r);
  run (f, &r, NULL, "identity", "list", "nowhere", NULL);
  assert_fails_with (&r, "nowhere");
}

/* Issue 10, 9: on an account without Trash, delete moves to a Trash made for it (CREATE
 * with USE (\Trash) where the server offers CREATE-SPECIAL-USE), never expunging silently;
 * only "delete --permanently" (explicit) expunges. */
static void
test_delete_without_trash (Fixture       *f,
                           gconstpointer  data)
{
  g_auto(Result) r = { 0 };
  g_autoptr(GError) error = NULL;
  g_autoptr(TernTestClient) client = NULL;
  g_autofree char *response = NULL;
  g_autofree char *trash = NULL;
  g_autofree char *status_trash = NULL;

  if (f->server == NULL)
    return;
  trash = tern_test_server_dup_mailbox_name (f->server, "Trash");
  status_trash = g_strdup_printf ("STATUS %s (MESSAGES)", trash);
  add_account (f, "work", "secret", TRUE);
  sync_ok (f);

  /* Offline: the message leaves INBOX for a Trash that exists only here so far. */
  run (f, &r, NULL, "--offline", "delete", "40", NULL);
  assert_ok (&r);
  result_clear (&r);
  run (f, &r, NULL, "--json", "list", "work", "Trash", NULL);
  assert_ok (&r);
  g_assert_nonnull (strstr (r.out, "\"id\":40,"));
  result_clear (&r);
  run (f, &r, NULL, "--json", "pending", NULL);
  assert_ok (&r);
  g_assert_nonnull (strstr (r.out, "\"kind\":\"folder-create\""));
  g_assert_nonnull (strstr (r.out, "\"kind\":\"move\""));
  g_assert_null (strstr (r.out, "\"kind\":\"expunge\""));
  result_clear (&r);

  sync_until_nothing_pending (f);

  client = tern_test_client_new (f->server, "alice", "secret", &error);
  g_assert_no_error (error);
  g_assert_true (tern_test_client_command (client, &response, &error, "CAPABILITY"));
  g_assert_no_error (error);
  g_test_message ("%s offers CREATE-SPECIAL-USE: %s", tern_test_server_kind_to_string (tern_test_server_get_kind (f->server)),
                  strstr (response, "CREATE-SPECIAL-USE") != NULL ? "yes" : "no");
  if (strstr (response, "CREATE-SPECIAL-USE") != NULL)
    {
      /* The server knows the folder's role too. */
      g_clear_pointer (&response, g_free);
      g_autofree char *list = g_strdup_printf ("LIST \"\" %s RETURN (SPECIAL-USE)", trash);

      g_assert_true (tern_test_client_command (client, &response, &error, "%s", list));
      g_assert_nonnull (strstr (response, "\\Trash"));
    }
  g_clear_pointer (&response, g_free);
  g_assert_true (tern_test_client_command (client, &response, &error, "%s", status_trash));
  g_assert_nonnull (strstr (response, "MESSAGES 1"));
  g_clear_pointer (&response, g_free);
  g_assert_true (tern_test_client_command (client, &response, &error, "STATUS INBOX (MESSAGES)"));
  g_assert_nonnull (strstr (response, "MESSAGES 39"));
  /* Nothing was expunged for good (Dovecot's rawlog shows every command). */
  if (tern_test_server_get_kind (f->server) == TERN_TEST_SERVER_DOVECOT)
    g_assert_cmpuint (tern_test_server_count_commands (f->server, "alice", "EXPUNGE"), ==, 0);
  g_clear_pointer (&response, g_free);

  /* A second delete uses that Trash (no second CREATE). */
  run (f, &r, NULL, "delete", "39", NULL);
  assert_ok (&r);
  result_clear (&r);
  if (tern_test_server_get_kind (f->server) == TERN_TEST_SERVER_DOVECOT)
    g_assert_cmpuint (tern_test_server_count_commands (f->server, "alice", "CREATE"), ==, 1);
  run (f, &r, NULL, "folders", NULL);
  assert_ok (&r);
  /* One Trash, with its role, holding both. */
  g_assert_nonnull (strstr (r.out, "\nTrash "));
  g_assert_null (strstr (strstr (r.out, "\nTrash ") + 1, "\nTrash "));
  g_assert_true (g_regex_match_simple ("\nTrash +\\\\Trash +[0-9]+ +2\n", r.out, 0, 0));
  result_clear (&r);
  g_assert_true (tern_test_client_command (client, &response, &error, "%s", status_trash));
  g_assert_nonnull (strstr (response, "MESSAGES 2"));
}

/* Issue 10, 10: show prints the text/plain part of a multipart/alternative (the HTML one
 * is what the app shows), fetched when it is not cached yet. */
static void
test_show_alternative (Fixture       *f,
                       gconstpointer  data)
{
  g_auto(Result) r = { 0 };
  const char *found, *id_at;
  g_autofree char *id = NULL;

  tern_test_server_append_message (f->server, "alice", "INBOX",
    "From: Carla <carla@example.org>\r\n"
    "To: alice@example.org\r\n"
    "Subject: Alternative\r\n"
    "Date: Mon, 02 Feb 2026 10:00:00 +0000\r\n"
    "Message-ID: <alternative@example.org>\r\n"
    "MIME-Version: 1.0\r\n"
    "Content-Type: multipart/alternative; boundary=\"alt\"\r\n"
    "\r\n"
    "--alt\r\n"
    "Content-Type: text/plain; charset=iso-8859-1\r\n"
    "Content-Transfer-Encoding: quoted-printable\r\n"
    "\r\n"
    "The plain words, caf=E9 included.\r\n"
    "--alt\r\n"
    "Content-Type: text/html; charset=utf-8\r\n"
    "\r\n"
    "<html><body><p>The <b>rich</b> rendering.</p></body></html>\r\n"
    "--alt--\r\n");
  add_account (f, "work", "secret", TRUE);
  sync_ok (f);
  run (f, &r, NULL, "--json", "list", "work", "INBOX", NULL);
  assert_ok (&r);
  found = strstr (r.out, "\"subject\":\"Alternative\"");
  g_assert_nonnull (found);
  for (id_at = found; id_at > r.out && !g_str_has_prefix (id_at, "\"id\":"); id_at--)
    ;
  g_assert_true (g_str_has_prefix (id_at, "\"id\":"));
  id = g_strndup (id_at + 5, strspn (id_at + 5, "0123456789"));
  result_clear (&r);

  run (f, &r, NULL, "show", id, NULL);
  assert_ok (&r);
  g_assert_nonnull (strstr (r.out, "The plain words, café included."));
  g_assert_null (strstr (r.out, "rich"));
  result_clear (&r);
  /* Offline, from the cache, the same. */
  run (f, &r, NULL, "--offline", "show", id, NULL);
  assert_ok (&r);
  g_assert_nonnull (strstr (r.out, "The plain words, café included."));
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add ("/cli/delete-without-trash/dovecot", Fixture, GUINT_TO_POINTER (TERN_TEST_SERVER_NO_TRASH),
              fixture_set_up, test_delete_without_trash, fixture_tear_down);
  g_test_add ("/cli/delete-without-trash/cyrus", Fixture,
              GUINT_TO_POINTER (TERN_TEST_SERVER_NO_TRASH | (TERN_TEST_SERVER_CYRUS << 24)),
              fixture_set_up, test_delete_without_trash, fixture_tear_down);
  g_test_add ("/cli/delete-without-trash/cyrus-classic", Fixture,
              GUINT_TO_POINTER (TERN_TEST_SERVER_NO_TRASH | (TERN_TEST_SERVER_CYRUS_CLASSIC << 24)),
              fixture_set_up, test_delete_without_trash, fixture_tear_down);
  g_test_add ("/cli/show-alternative", Fixture, GUINT_TO_POINTER (TERN_TEST_SERVER_FULL),
              fixture_set_up, test_show_alternative, fixture_tear_down);
  g_test_add ("/cli/commands", Fixture, GUINT_TO_POINTER (TERN_TEST_SERVER_FULL),
              fixture_set_up, test_commands, fixture_tear_down);
  g_test_add ("/cli/errors", Fixture, GUINT_TO_POINTER (TERN_TEST_SERVER_FULL),
              fixture_set_up, test_errors, fixture_tear_down);
  g_test_add ("/cli/actions", Fixture, GUINT_TO_POINTER (TERN_TEST_SERVER_FULL),
              fixture_set_up, test_actions, fixture_tear_down);
  g_test_add ("/cli/watch", Fixture, GUINT_TO_POINTER (TERN_TEST_SERVER_FULL),
              fixture_set_up, test_watch, fixture_tear_down);
  g_test_add ("/cli/watch-poll", Fixture, GUINT_TO_POINTER (TERN_TEST_SERVER_FULL),
              fixture_set_up, test_watch_poll, fixture_tear_down);
  g_test_add ("/cli/identities", Fixture, GUINT_TO_POINTER (TERN_TEST_SERVER_FULL),
              fixture_set_up, test_identities, fixture_tear_down);
  g_test_add ("/cli/keyring", Fixture, GUINT_TO_POINTER (TERN_TEST_SERVER_FULL),
              fixture_set_up, test_keyring, fixture_tear_down);

  return g_test_run ();
}
