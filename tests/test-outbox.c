/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-outbox"

#include "config.h"

#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "tern-account-worker.h"
#include "tern-compose.h"
#include "tern-journal.h"
#include "tern-outbox-sync.h"
#include "tern-outbox.h"
#include "tern-store.h"
#include "tern-sync.h"
#include "tern-test-cache.h"
#include "tern-test-server.h"
#include "tern-test-time.h"

/*
 * The outbox against a real Dovecot (IMAP and submission) and the fixture's SMTP sink: a
 * message queued offline goes once the server is back, exactly once; a sender killed while
 * the server confirms leaves the message "unknown", never resent without the user; refusals
 * (recipient, size, password) leave it failed with the reason, ready to edit and retry; the
 * Sent copy, \Answered and $Forwarded reach the server through the journal; drafts travel
 * between two caches of one account, the newest version winning and none lost.
 */

typedef struct
{
  TernTestServer *server;
  char           *dir;
  TernStore      *store;
  TernAccount    *account;
  guint           counter;
} Fixture;

static TernAccount *
add_account (TernStore      *store,
             TernTestServer *server)
{
  g_autoptr(GError) error = NULL;
  TernAccount *stored;

  tern_test_cache_add_server_account (store, server, "alice", TRUE);
  stored = tern_store_get_account (store, "alice", &error);
  g_assert_no_error (error);
  tern_test_cache_set_server_smtp (store, server, stored->id);
  return stored;
}

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;

  f->server = tern_test_server_new (TERN_TEST_SERVER_SUBMISSION | GPOINTER_TO_UINT (data), &error);
  g_assert_no_error (error);
  f->dir = g_dir_make_tmp ("tern-outbox-XXXXXX", &error);
  g_assert_no_error (error);
  path = g_build_filename (f->dir, "tern.db", NULL);
  f->store = tern_store_open (path, &error);
  g_assert_no_error (error);
  f->account = add_account (f->store, f->server);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  g_autofree char *cmd = g_strdup_printf ("rm -rf '%s'", f->dir);

  tern_account_free (f->account);
  tern_store_free (f->store);
  tern_test_server_free (f->server);
  g_assert_cmpint (system (cmd), ==, 0);
  g_free (f->dir);
}

/* The IMAP side. */

static void
sync_cache (TernStore         *store,
            const TernAccount *account)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TernSync) sync = tern_sync_new (store, account);

  tern_sync_set_password (sync, "secret");
  g_assert_true (tern_sync_run (sync, NULL, &error));
  g_assert_no_error (error);
}

static void
replay (TernStore         *store,
        const TernAccount *account)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TernSync) sync = tern_sync_new (store, account);

  tern_sync_set_password (sync, "secret");
  g_assert_true (tern_sync_replay (sync, &error));
  g_assert_no_error (error);
}

static void
put (Fixture    *f,
     const char *mailbox,
     const char *message_id)
{
  g_autofree char *message = g_strdup_printf ("From: Bob <bob@example.org>\r\nTo: alice@example.org\r\n"
                                              "Subject: %s\r\nDate: Mon, 2 Feb 2026 10:00:00 +0000\r\n"
                                              "Message-ID: %s\r\n\r\nBody.\r\n",
                                              message_id, message_id);

  tern_test_server_append_message (f->server, "alice", mailbox, message);
}

/* How many messages in the mailbox match an IMAP SEARCH. */
static guint
server_count (Fixture    *f,
              const char *mailbox,
              const char *criteria)
{
  return tern_test_server_count_messages (f->server, "alice", mailbox, criteria);
}

/* Messages. */

static char *
write_message (Fixture    *f,
               const char *to,
               const char *subject,
               const char *extra_headers)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *name = g_strdup_printf ("m%u.eml", ++f->counter);
  char *path = g_build_filename (f->dir, name, NULL);
  g_autofree char *text = g_strdup_printf ("From: Alice <alice@example.org>\nTo: %s\nSubject: %s\n%s\n"
                                           "Hello,\nthis is %s.\n", to, subject,
                                           extra_headers ? extra_headers : "", subject);

  g_assert_true (g_file_set_contents (path, text, -1, &error));
  return path;
}

static gint64
enqueue (Fixture                 *f,
         const char              *to,
         const char              *subject,
         const char              *extra_headers,
         const TernOutboxOptions *options)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = write_message (f, to, subject, extra_headers);
  gint64 id = tern_outbox_enqueue_file (f->store, f->account, path, options, &error);

  g_assert_no_error (error);
  g_assert_cmpint (id, >, 0);
  return id;
}

static TernOutboxRun
run_sender (Fixture  *f,
            gboolean  now,
            const char *password)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TernOutboxSender) sender = tern_outbox_sender_new (f->store, f->account);
  TernOutboxRun run = { 0 };

  tern_outbox_sender_set_timeout (sender, 5);
  if (password != NULL)
    tern_outbox_sender_set_password (sender, password);
  g_assert_true (tern_outbox_sender_run (sender, now, &run, &error));
  g_assert_no_error (error);
  return run;
}

static TernOutboxItem *
item (Fixture *f,
      gint64   id)
{
  g_autoptr(GError) error = NULL;
  TernOutboxItem *it = tern_outbox_get (f->store, id, &error);

  g_assert_no_error (error);
  return it;
}

static void
assert_state (Fixture    *f,
              gint64      id,
              const char *state)
{
  g_autoptr(TernOutboxItem) it = item (f, id);

  g_assert_cmpstr (it->state, ==, state);
}

/* Tests. */

static void
test_send_and_file (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TernOutboxItem) reply = NULL;
  g_autoptr(TernComposer) draft = tern_composer_new ();
  g_autoptr(GBytes) draft_raw = NULL;
  TernOutboxOptions forward = { "<fwd@test>", 0 };
  TernOutboxOptions from_draft = { NULL, 0 };
  TernOutboxRun run;
  gint64 r, fw, d, draft_id;

  put (f, "INBOX", "<orig@test>");
  put (f, "INBOX", "<fwd@test>");
  sync_cache (f->store, f->account);

  /* A draft, saved to the server, then sent: it leaves Drafts. */
  g_assert_true (tern_composer_set_from (draft, "alice@example.org", &error));
  g_assert_true (tern_composer_set_to (draft, "dave@example.org", &error));
  tern_composer_set_subject (draft, "From a draft");
  tern_composer_set_message_id (draft, "<draft-send@example.org>");
  draft_raw = tern_composer_to_bytes (draft, &error);
  draft_id = tern_draft_save (f->store, f->account, draft_raw, 0, NULL, &error);
  g_assert_no_error (error);
  replay (f->store, f->account);
  g_assert_cmpuint (server_count (f, "Drafts", "HEADER Message-ID <draft-send@example.org>"), ==, 1);

  r = enqueue (f, "Bob <bob@example.org>", "Re: orig", "In-Reply-To: <orig@test>\n", NULL);
  fw = enqueue (f, "carol@example.org", "Fwd: fwd", NULL, &forward);
  from_draft.draft = draft_id;
  d = tern_outbox_enqueue_bytes (f->store, f->account, draft_raw, &from_draft, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (tern_outbox_count (f->store, f->account->id, TERN_OUTBOX_QUEUED), ==, 3);

  run = run_sender (f, FALSE, "secret");
  g_assert_cmpuint (run.sent, ==, 3);
  g_assert_cmpuint (run.followed_up, ==, 3);
  g_assert_cmpuint (run.failed + run.deferred + run.unknown, ==, 0);
  g_assert_cmpuint (tern_test_server_count_submitted (f->server), ==, 3);

  reply = item (f, r);
  g_assert_cmpstr (reply->state, ==, TERN_OUTBOX_SENT);
  g_assert_false (reply->follow_up);
  g_assert_cmpstr (reply->answers, ==, "<orig@test>");
  g_assert_false (g_file_test (reply->path, G_FILE_TEST_EXISTS));
  assert_state (f, fw, TERN_OUTBOX_SENT);
  assert_state (f, d, TERN_OUTBOX_SENT);
  /* Listed only on request once sent. */
  {
    g_autoptr(GPtrArray) pending = tern_outbox_list (f->store, f->account->id, FALSE, &error);
    g_autoptr(GPtrArray) all = tern_outbox_list (f->store, f->account->id, TRUE, &error);

    g_assert_cmpuint (pending->len, ==, 0);
    g_assert_cmpuint (all->len, ==, 3);
  }

  /* The journal takes them to the server: copies in Sent, the originals marked, the draft
   * gone. */
  replay (f->store, f->account);
  g_assert_cmpuint (server_count (f, "Sent", "ALL"), ==, 3);
  g_assert_cmpuint (server_count (f, "Sent", "HEADER Message-ID <draft-send@example.org> SEEN"), ==, 1);
  g_assert_cmpuint (server_count (f, "INBOX", "HEADER Message-ID <orig@test> ANSWERED"), ==, 1);
  g_assert_cmpuint (server_count (f, "INBOX", "HEADER Message-ID <fwd@test> KEYWORD $Forwarded"), ==, 1);
  g_assert_cmpuint (server_count (f, "INBOX", "HEADER Message-ID <fwd@test> ANSWERED"), ==, 0);
  g_assert_cmpuint (server_count (f, "Drafts", "ALL"), ==, 0);

  /* Nothing goes twice. */
  run = run_sender (f, TRUE, "secret");
  g_assert_cmpuint (run.sent, ==, 0);
  g_assert_cmpuint (tern_test_server_count_submitted (f->server), ==, 3);
}

/* Queued with the server away, kept across a quit, sent once it is back. */
static void
test_offline_then_reconnect (Fixture       *f,
                             gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = g_build_filename (f->dir, "tern.db", NULL);
  TernOutboxRun run;
  gint64 id;

  sync_cache (f->store, f->account);
  tern_test_server_stop (f->server);

  id = enqueue (f, "bob@example.org", "Written on a train", NULL, NULL);
  run = run_sender (f, FALSE, "secret");
  g_assert_cmpuint (run.deferred, ==, 1);
  g_assert_cmpuint (run.sent, ==, 0);
  {
    g_autoptr(TernOutboxItem) it = item (f, id);

    g_assert_cmpstr (it->state, ==, TERN_OUTBOX_QUEUED);
    g_assert_cmpstr (it->error_class, ==, "retry");
    g_assert_nonnull (it->error);
    g_assert_cmpuint (it->attempts, ==, 1);
    g_assert_cmpint (it->next_attempt, >, g_get_real_time () / G_USEC_PER_SEC);
  }

  /* Quit and start again: the outbox is still there. */
  tern_store_free (f->store);
  f->store = tern_store_open (path, &error);
  g_assert_no_error (error);
  assert_state (f, id, TERN_OUTBOX_QUEUED);

  g_assert_true (tern_test_server_start (f->server, &error));
  g_assert_no_error (error);
  /* Not due yet: an automatic run waits for the back-off ... */
  run = run_sender (f, FALSE, "secret");
  g_assert_cmpuint (run.sent, ==, 0);
  g_assert_cmpuint (tern_test_server_count_submitted (f->server), ==, 0);
  /* ... the user's "send now" does not. */
  run = run_sender (f, TRUE, "secret");
  g_assert_cmpuint (run.sent, ==, 1);
  g_assert_cmpuint (tern_test_server_count_submitted (f->server), ==, 1);
  assert_state (f, id, TERN_OUTBOX_SENT);
  replay (f->store, f->account);
  g_assert_cmpuint (server_count (f, "Sent", "SUBJECT \"Written on a train\""), ==, 1);

  run = run_sender (f, TRUE, "secret");
  g_assert_cmpuint (run.sent, ==, 0);
  g_assert_cmpuint (tern_test_server_count_submitted (f->server), ==, 1);
}

/* A sender that dies: before the end of the data, the message goes again by itself; after
 * it, never without the user. */
static void
test_crash_recovery (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  TernOutboxRun run;
  gint64 early, late, other;

  sync_cache (f->store, f->account);
  early = enqueue (f, "bob@example.org", "Died connecting", NULL, NULL);
  late = enqueue (f, "bob@example.org", "Died confirming", NULL, NULL);
  other = enqueue (f, "bob@example.org", "Died confirming too", NULL, NULL);
  g_assert_true (tern_outbox_begin_sending (f->store, early, &error));
  g_assert_true (tern_outbox_begin_sending (f->store, late, &error));
  g_assert_true (tern_outbox_mark_data_sent (f->store, late, &error));
  g_assert_true (tern_outbox_begin_sending (f->store, other, &error));
  g_assert_true (tern_outbox_mark_data_sent (f->store, other, &error));
  g_assert_no_error (error);

  run = run_sender (f, TRUE, "secret");
  g_assert_cmpuint (run.unknown, ==, 2);
  g_assert_cmpuint (run.sent, ==, 1);
  assert_state (f, early, TERN_OUTBOX_SENT);
  {
    g_autoptr(TernOutboxItem) it = item (f, late);

    g_assert_cmpstr (it->state, ==, TERN_OUTBOX_UNKNOWN);
    g_assert_nonnull (strstr (it->error, "may have been sent"));
  }
  g_assert_cmpuint (tern_test_server_count_submitted (f->server), ==, 1);

  /* Runs leave them alone. */
  run = run_sender (f, TRUE, "secret");
  g_assert_cmpuint (run.sent, ==, 0);
  assert_state (f, late, TERN_OUTBOX_UNKNOWN);

  /* The user: this one did not arrive (send again), that one did (file it). */
  g_assert_true (tern_outbox_retry (f->store, late, &error));
  g_assert_true (tern_outbox_mark_sent (f->store, other, &error));
  g_assert_no_error (error);
  run = run_sender (f, TRUE, "secret");
  g_assert_cmpuint (run.sent, ==, 1);
  g_assert_cmpuint (run.followed_up, ==, 2);
  g_assert_cmpuint (tern_test_server_count_submitted (f->server), ==, 2);
  replay (f->store, f->account);
  g_assert_cmpuint (server_count (f, "Sent", "ALL"), ==, 3);

  /* Wrong moves are refused. */
  g_assert_false (tern_outbox_retry (f->store, early, &error));
  g_assert_error (error, TERN_OUTBOX_ERROR, TERN_OUTBOX_ERROR_STATE);
}

static void
test_recipient_rejected (Fixture       *f,
                         gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *fixed = NULL;
  TernOutboxRun run;
  gint64 bad, good;

  sync_cache (f->store, f->account);
  tern_test_server_sink_reject (f->server, "nobody@example.org");
  bad = enqueue (f, "bob@example.org, nobody@example.org", "Typo", NULL, NULL);
  good = enqueue (f, "bob@example.org", "Fine", NULL, NULL);

  run = run_sender (f, TRUE, "secret");
  g_assert_cmpuint (run.failed, ==, 1);
  g_assert_cmpuint (run.sent, ==, 1);   /* the run went on with the next */
  assert_state (f, good, TERN_OUTBOX_SENT);
  {
    g_autoptr(TernOutboxItem) it = item (f, bad);

    g_assert_cmpstr (it->state, ==, TERN_OUTBOX_FAILED);
    g_assert_cmpstr (it->error_class, ==, "user");
    g_assert_nonnull (strstr (it->error, "nobody@example.org"));
    g_assert_true (g_file_test (it->path, G_FILE_TEST_EXISTS));
  }

  /* Edited and sent again. */
  fixed = write_message (f, "bob@example.org", "Typo fixed", NULL);
  g_assert_true (tern_outbox_requeue_file (f->store, bad, fixed, &error));
  g_assert_no_error (error);
  run = run_sender (f, TRUE, "secret");
  g_assert_cmpuint (run.sent, ==, 1);
  {
    g_autoptr(TernOutboxItem) it = item (f, bad);
    g_autofree char *from = NULL;
    g_auto(GStrv) rcpts = NULL;
    g_autoptr(GBytes) last = tern_test_server_dup_submitted (f->server, 1, &from, &rcpts);

    g_assert_cmpstr (it->state, ==, TERN_OUTBOX_SENT);
    g_assert_cmpstr (it->subject, ==, "Typo fixed");
    g_assert_cmpuint (g_strv_length (rcpts), ==, 1);
  }
  g_assert_cmpuint (tern_test_server_count_submitted (f->server), ==, 2);
}

static void
test_bad_credentials (Fixture       *f,
                      gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  TernOutboxRun run;
  gint64 first, second;

  sync_cache (f->store, f->account);
  first = enqueue (f, "bob@example.org", "One", NULL, NULL);
  second = enqueue (f, "bob@example.org", "Two", NULL, NULL);

  run = run_sender (f, TRUE, "wrong");
  g_assert_cmpuint (run.failed, ==, 1);
  {
    g_autoptr(TernOutboxItem) it = item (f, first);
    g_autoptr(TernOutboxItem) untouched = item (f, second);

    g_assert_cmpstr (it->state, ==, TERN_OUTBOX_FAILED);
    g_assert_nonnull (strstr (it->error, "user name or password"));
    /* The run stopped: the other would have failed the same way. */
    g_assert_cmpstr (untouched->state, ==, TERN_OUTBOX_QUEUED);
    g_assert_cmpuint (untouched->attempts, ==, 0);
  }
  g_assert_true (tern_outbox_retry (f->store, first, &error));
  g_assert_no_error (error);
  run = run_sender (f, TRUE, "secret");
  g_assert_cmpuint (run.sent, ==, 2);
}

static void
test_too_large (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GString) big = g_string_new ("X-Padding: start\n");
  TernOutboxRun run;
  gint64 id;

  sync_cache (f->store, f->account);
  g_assert_true (tern_test_server_set_submission_max_size (f->server, 10000, &error));
  g_assert_no_error (error);
  g_string_append (big, "\n");
  for (guint i = 0; i < 400; i++)
    g_string_append (big, "Line of a long message, long enough to be too large for the server.\n");
  {
    g_autofree char *path = g_build_filename (f->dir, "big.eml", NULL);
    g_autofree char *text = g_strdup_printf ("From: alice@example.org\nTo: bob@example.org\nSubject: Big\n%s", big->str);

    g_assert_true (g_file_set_contents (path, text, -1, &error));
    id = tern_outbox_enqueue_file (f->store, f->account, path, NULL, &error);
    g_assert_no_error (error);
  }
  run = run_sender (f, TRUE, "secret");
  g_assert_cmpuint (run.failed, ==, 1);
  {
    g_autoptr(TernOutboxItem) it = item (f, id);

    g_assert_cmpstr (it->state, ==, TERN_OUTBOX_FAILED);
    g_assert_nonnull (strstr (it->error, "too large"));
  }
  g_assert_cmpuint (tern_test_server_count_submitted (f->server), ==, 0);
}

/* Two processes never send one outbox at once. */
static void
test_one_sender (Fixture       *f,
                 gconstpointer  data)
{
  g_autofree char *dir = tern_outbox_dup_dir (f->store);
  g_autofree char *name = g_strdup_printf (".send-%" G_GINT64_FORMAT ".lock", f->account->id);
  g_autofree char *lock = g_build_filename (dir, name, NULL);
  TernOutboxRun run;
  int fd;

  sync_cache (f->store, f->account);
  enqueue (f, "bob@example.org", "Once", NULL, NULL);
  fd = open (lock, O_RDWR | O_CREAT, 0600);
  g_assert_cmpint (fd, >=, 0);
  g_assert_cmpint (flock (fd, LOCK_EX), ==, 0);
  run = run_sender (f, TRUE, "secret");
  g_assert_true (run.busy);
  g_assert_cmpuint (run.sent, ==, 0);
  close (fd);
  run = run_sender (f, TRUE, "secret");
  g_assert_false (run.busy);
  g_assert_cmpuint (run.sent, ==, 1);
}

static void
test_server_saves_sent (Fixture       *f,
                        gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TernSmtpSettings) smtp = tern_outbox_get_smtp (f->store, f->account->id, &error);
  TernOutboxRun run;

  sync_cache (f->store, f->account);
  smtp->server_saves_sent = TRUE;
  g_assert_true (tern_outbox_set_smtp (f->store, smtp, &error));
  enqueue (f, "bob@example.org", "Filed by the server", NULL, NULL);
  run = run_sender (f, TRUE, "secret");
  g_assert_cmpuint (run.sent, ==, 1);
  g_assert_cmpuint (run.followed_up, ==, 1);
  g_assert_cmpuint (tern_journal_count_queued (f->store, f->account->id, TERN_ACTION_APPEND), ==, 0);
}

/* A message without Message-ID, Date or From gets them; one without recipients is refused. */
static void
test_enqueue_checks (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bare = g_bytes_new_static ("To: bob@example.org\nSubject: Bare\n\nText\n", 40);
  g_autoptr(GBytes) nobody = g_bytes_new_static ("From: alice@example.org\nSubject: Nobody\n\nText\n", 46);
  g_autoptr(TernOutboxItem) it = NULL;
  g_autofree char *contents = NULL;
  gint64 id;

  id = tern_outbox_enqueue_bytes (f->store, f->account, bare, NULL, &error);
  g_assert_no_error (error);
  it = item (f, id);
  g_assert_true (g_str_has_prefix (it->message_id, "<") && g_str_has_suffix (it->message_id, "@example.org>"));
  g_assert_cmpstr (it->mail_from, ==, "alice@example.org");
  g_assert_true (g_file_get_contents (it->path, &contents, NULL, &error));
  g_assert_true (g_str_has_prefix (contents, "Message-ID: <"));
  g_assert_nonnull (strstr (contents, "\r\nDate: "));
  g_assert_nonnull (strstr (contents, "\r\nFrom: alice@example.org\r\nTo: bob@example.org\r\n"));
  g_assert_true (g_str_has_suffix (contents, "\r\n\r\nText\r\n"));

  g_assert_cmpint (tern_outbox_enqueue_bytes (f->store, f->account, nobody, NULL, &error), ==, 0);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);

  g_assert_true (tern_outbox_discard (f->store, id, &error));
  g_assert_false (g_file_test (it->path, G_FILE_TEST_EXISTS));
}

/* tern-cli. */

static char *
cli_path (void)
{
  const char *env = g_getenv ("TERN_CLI");

  return env ? g_strdup (env) : g_build_filename (TERN_BUILD_DIR, "app", "tern-cli", NULL);
}

static int
cli (Fixture     *f,
     char       **out,
     const char  *first,
     ...)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GError) error = NULL;
  g_autofree char *err = NULL;
  int status = 0;
  va_list ap;

  g_ptr_array_add (argv, cli_path ());
  g_ptr_array_add (argv, g_strdup ("--data-dir"));
  g_ptr_array_add (argv, g_strdup (f->dir));
  va_start (ap, first);
  for (const char *a = first; a != NULL; a = va_arg (ap, const char *))
    g_ptr_array_add (argv, g_strdup (a));
  va_end (ap);
  g_ptr_array_add (argv, NULL);
  g_assert_true (g_spawn_sync (NULL, (char **) argv->pdata, NULL, G_SPAWN_DEFAULT, NULL, NULL,
                               out, &err, &status, &error));
  g_assert_no_error (error);
  if (err && *err)
    g_test_message ("stderr: %s", err);
  return WIFEXITED (status) ? WEXITSTATUS (status) : -1;
}

/* kill -9 while the server confirms: "unknown", visible, never resent without the user. */
static void
test_cli_kill_during_submission (Fixture       *f,
                                 gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;
  g_autofree char *out = NULL;
  g_autofree char *cli_bin = cli_path ();
  g_autoptr(GPtrArray) list = NULL;
  TernOutboxItem *it;
  char id[32];
  GPid pid;
  int status;

  sync_cache (f->store, f->account);
  path = write_message (f, "bob@example.org", "Killed mid-way", NULL);
  tern_test_server_sink_hold (f->server, TRUE);
  {
    const char *argv[] = { cli_bin, "--data-dir", f->dir, "--timeout", "60", "send", "alice", path, NULL };

    g_assert_true (g_spawn_async (NULL, (char **) argv, NULL, G_SPAWN_DO_NOT_REAP_CHILD |
                                  G_SPAWN_STDOUT_TO_DEV_NULL | G_SPAWN_STDERR_TO_DEV_NULL,
                                  NULL, NULL, &pid, &error));
  }
  g_assert_true (tern_test_server_sink_wait_held (f->server, 20000));
  g_assert_cmpint (kill (pid, SIGKILL), ==, 0);
  g_assert_cmpint (waitpid (pid, &status, 0), ==, pid);
  g_spawn_close_pid (pid);
  g_assert_true (WIFSIGNALED (status));
  /* The server had the whole message: it was delivered, once. */
  tern_test_server_sink_hold (f->server, FALSE);
  g_assert_cmpuint (tern_test_server_count_submitted (f->server), ==, 1);

  /* The listing shows what it is. */
  g_assert_cmpint (cli (f, &out, "--json", "outbox", "alice", NULL), ==, 0);
  g_assert_nonnull (strstr (out, "\"state\":\"unknown\""));
  g_assert_nonnull (strstr (out, "may have been sent"));
  list = tern_outbox_list (f->store, f->account->id, FALSE, &error);
  g_assert_cmpuint (list->len, ==, 1);
  it = list->pdata[0];
  g_assert_cmpstr (it->state, ==, TERN_OUTBOX_UNKNOWN);
  g_snprintf (id, sizeof id, "%" G_GINT64_FORMAT, it->id);

  /* Sending what is queued does not send it again. */
  g_clear_pointer (&out, g_free);
  g_assert_cmpint (cli (f, &out, "outbox", "flush", "alice", NULL), ==, 1);
  g_assert_cmpuint (tern_test_server_count_submitted (f->server), ==, 1);

  /* The user says it went: it is filed in Sent, still sent once. */
  g_clear_pointer (&out, g_free);
  g_assert_cmpint (cli (f, &out, "outbox", "sent", id, NULL), ==, 0);
  g_assert_cmpuint (tern_test_server_count_submitted (f->server), ==, 1);
  g_assert_cmpuint (server_count (f, "Sent", "SUBJECT \"Killed mid-way\""), ==, 1);
  g_clear_pointer (&out, g_free);
  g_assert_cmpint (cli (f, &out, "outbox", "alice", NULL), ==, 0);
  g_assert_cmpstr (out, ==, "");
}

static void
test_cli_offline_queue (Fixture       *f,
                        gconstpointer  data)
{
  g_autofree char *path = NULL;
  g_autofree char *out = NULL;

  sync_cache (f->store, f->account);
  path = write_message (f, "bob@example.org", "Queued offline", NULL);
  g_assert_cmpint (cli (f, &out, "--offline", "send", "alice", path, NULL), ==, 0);
  g_assert_cmpstr (out, ==, "1\n");
  g_clear_pointer (&out, g_free);
  g_assert_cmpint (cli (f, &out, "--json", "outbox", NULL), ==, 0);
  g_assert_nonnull (strstr (out, "\"state\":\"queued\""));
  g_assert_nonnull (strstr (out, "\"subject\":\"Queued offline\""));
  g_assert_cmpuint (tern_test_server_count_submitted (f->server), ==, 0);

  /* Send now: with LOGIN this time, STARTTLS. */
  g_clear_pointer (&out, g_free);
  g_assert_cmpint (cli (f, &out, "smtp", "alice", "--security", "starttls", "--port", NULL), ==, 2);
  {
    g_autofree char *port = g_strdup_printf ("%u", tern_test_server_get_submission_port (f->server));

    g_clear_pointer (&out, g_free);
    g_assert_cmpint (cli (f, &out, "smtp", "alice", "--security", "starttls", "--port", port, NULL), ==, 0);
    g_assert_nonnull (strstr (out, "starttls"));
  }
  g_setenv ("TERN_SMTP_AUTH", "LOGIN", TRUE);
  g_clear_pointer (&out, g_free);
  g_assert_cmpint (cli (f, &out, "outbox", "flush", NULL), ==, 0);
  g_unsetenv ("TERN_SMTP_AUTH");
  g_assert_nonnull (strstr (out, "alice: 1 sent"));
  g_assert_cmpuint (tern_test_server_count_submitted (f->server), ==, 1);
  g_assert_cmpuint (server_count (f, "Sent", "SUBJECT \"Queued offline\""), ==, 1);
  g_clear_pointer (&out, g_free);
  g_assert_cmpint (cli (f, &out, "--json", "outbox", "--all", NULL), ==, 0);
  g_assert_nonnull (strstr (out, "\"state\":\"sent\""));
}

/* Drafts between two caches of one account. */

static GBytes *
draft_version (const char *subject,
               gint64      date)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TernComposer) c = tern_composer_new ();
  GBytes *raw;

  g_assert_true (tern_composer_set_from (c, "alice@example.org", &error));
  g_assert_true (tern_composer_set_to (c, "bob@example.org", &error));
  tern_composer_set_subject (c, subject);
  tern_composer_set_body (c, subject);
  tern_composer_set_message_id (c, "<the-draft@example.org>");
  tern_composer_set_date (c, date);
  raw = tern_composer_to_bytes (c, &error);
  g_assert_no_error (error);
  return raw;
}

static char *
current_subject (TernStore         *store,
                 const TernAccount *account,
                 guint             *copies_out,
                 gint64            *id_out)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) copies = NULL;
  g_autoptr(TernMessage) m = NULL;
  gint64 id = tern_draft_find_current (store, account, "<the-draft@example.org>", &copies, &error);

  g_assert_no_error (error);
  g_assert_cmpint (id, >, 0);
  m = tern_store_get_message (store, id, &error);
  g_assert_no_error (error);
  *copies_out = copies->len;
  if (id_out != NULL)
    *id_out = id;
  return g_strdup (m->subject);
}

static void
test_drafts_two_caches (Fixture       *f,
                        gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir_b = g_build_filename (f->dir, "b", NULL);
  g_autofree char *path_b = g_build_filename (dir_b, "tern.db", NULL);
  g_autoptr(TernStore) b = NULL;
  g_autoptr(TernAccount) account_b = NULL;
  gint64 t = 1770000000, id_a, id_b, current;
  guint copies = 0, others = 0;
  g_autofree char *subject = NULL;

  b = tern_store_open (path_b, &error);
  g_assert_no_error (error);
  account_b = add_account (b, f->server);

  /* A writes it; B sees it. */
  sync_cache (f->store, f->account);
  {
    g_autoptr(GBytes) v1 = draft_version ("Draft v1", t + 10);

    id_a = tern_draft_save (f->store, f->account, v1, 0, &others, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (others, ==, 0);
  }
  replay (f->store, f->account);
  g_assert_cmpuint (server_count (f, "Drafts", "HEADER Message-ID <the-draft@example.org> DRAFT"), ==, 1);
  sync_cache (b, account_b);
  subject = current_subject (b, account_b, &copies, &id_b);
  g_assert_cmpstr (subject, ==, "Draft v1");
  g_clear_pointer (&subject, g_free);

  /* B edits it: on the server the new version replaces the old. */
  {
    g_autoptr(GBytes) v2 = draft_version ("Draft v2", t + 20);

    id_b = tern_draft_save (b, account_b, v2, id_b, &others, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (others, ==, 0);
  }
  replay (b, account_b);
  g_assert_cmpuint (server_count (f, "Drafts", "HEADER Message-ID <the-draft@example.org>"), ==, 1);
  g_assert_cmpuint (server_count (f, "Drafts", "SUBJECT \"Draft v2\""), ==, 1);

  /* A picks the edit up. */
  sync_cache (f->store, f->account);
  subject = current_subject (f->store, f->account, &copies, &current);
  g_assert_cmpstr (subject, ==, "Draft v2");
  g_assert_cmpuint (copies, ==, 0);
  g_clear_pointer (&subject, g_free);

  /* Both edit it offline; the newest wins, the other is kept as a copy. */
  {
    g_autoptr(GBytes) v3 = draft_version ("Draft v3 from A", t + 30);
    g_autoptr(GBytes) v4 = draft_version ("Draft v4 from B", t + 40);

    g_assert_cmpint (tern_draft_save (f->store, f->account, v3, current, NULL, &error), >, 0);
    g_assert_no_error (error);
    g_assert_cmpint (tern_draft_save (b, account_b, v4, id_b, NULL, &error), >, 0);
    g_assert_no_error (error);
  }
  replay (f->store, f->account);
  {
    g_autoptr(TernSync) sync = tern_sync_new (b, account_b);

    /* B's deletion of v2 finds it gone (A replaced it): that is no error for the rest. */
    tern_sync_set_password (sync, "secret");
    tern_sync_replay (sync, NULL);
  }
  g_assert_cmpuint (server_count (f, "Drafts", "HEADER Message-ID <the-draft@example.org>"), ==, 2);
  sync_cache (f->store, f->account);
  sync_cache (b, account_b);
  subject = current_subject (f->store, f->account, &copies, NULL);
  g_assert_cmpstr (subject, ==, "Draft v4 from B");
  g_assert_cmpuint (copies, ==, 1);
  g_clear_pointer (&subject, g_free);
  subject = current_subject (b, account_b, &copies, NULL);
  g_assert_cmpstr (subject, ==, "Draft v4 from B");
  g_assert_cmpuint (copies, ==, 1);

  /* Saving again with the copy around says so. */
  {
    g_autoptr(GBytes) v5 = draft_version ("Draft v5", t + 50);
    gint64 newest = tern_draft_find_current (b, account_b, "<the-draft@example.org>", NULL, &error);

    g_assert_cmpint (tern_draft_save (b, account_b, v5, newest, &others, &error), >, 0);
    g_assert_cmpuint (others, ==, 1);
  }
  (void) id_a;
}

/* The app's account worker sends after a sync; stopping it (quitting the app) cancels a
 * submission the server is slow to confirm instead of waiting for the timeout. The message
 * is then of unknown outcome: never resent without the user. */
static void
test_worker_stop_cancels_submission (Fixture       *f,
                                     gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TernOutboxSender) sender = NULL;
  TernAccountWorker *worker;
  gint64 id, started;

  id = enqueue (f, "bob@example.org", "Slow server", NULL, NULL);
  tern_test_server_sink_hold (f->server, TRUE);
  worker = tern_account_worker_new (f->store, f->account->id);
  tern_account_worker_start (worker);
  g_assert_true (tern_test_server_sink_wait_held (f->server, 30000));

  started = g_get_monotonic_time ();
  tern_account_worker_stop (worker);
  /* Stopping cancels the submission that waits for the server, instead of waiting for the
   * server or the timeout. */
  g_assert_cmpint (g_get_monotonic_time () - started, <, TERN_TEST_SECONDS (5) * G_USEC_PER_SEC);
  g_object_unref (worker);
  tern_test_server_sink_hold (f->server, FALSE);

  sender = tern_outbox_sender_new (f->store, f->account);
  g_assert_true (tern_outbox_sender_recover (sender, NULL, &error));
  g_assert_no_error (error);
  assert_state (f, id, TERN_OUTBOX_UNKNOWN);
}

/* An account without Drafts and Sent: saving a draft offline creates Drafts through the
 * journal, sending creates Sent; each reaches the server once, with its message, once. */
static void
test_drafts_sent_created (Fixture       *f,
                          gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TernFolder) folder = NULL;
  TernOutboxOptions from_draft = { NULL, 0 };
  TernOutboxRun run;
  gint64 t = 1770000000, drafts, sent, id;

  put (f, "INBOX", "<orig-created@test>");
  sync_cache (f->store, f->account);
  g_assert_cmpint (tern_outbox_special_folder (f->store, f->account->id, "\\Drafts"), ==, 0);
  g_assert_cmpint (tern_outbox_special_folder (f->store, f->account->id, "\\Sent"), ==, 0);

  /* Offline: the folder is made here, the draft goes in it; saved again, the same folder. */
  tern_test_server_stop (f->server);
  {
    g_autoptr(GBytes) v1 = draft_version ("Draft v1", t + 10);
    g_autoptr(GBytes) v2 = draft_version ("Draft v2", t + 20);

    id = tern_draft_save (f->store, f->account, v1, 0, NULL, &error);
    g_assert_no_error (error);
    g_assert_cmpint (id, >, 0);
    drafts = tern_outbox_special_folder (f->store, f->account->id, "\\Drafts");
    g_assert_cmpint (drafts, >, 0);
    folder = tern_store_get_folder_by_id (f->store, drafts, &error);
    g_assert_cmpstr (folder->name, ==, "Drafts");
    g_assert_cmpint (folder->local_state, ==, 1);
    g_clear_pointer (&folder, tern_folder_free);
    id = tern_draft_save (f->store, f->account, v2, id, NULL, &error);
    g_assert_no_error (error);
    g_assert_cmpint (tern_outbox_special_folder (f->store, f->account->id, "\\Drafts"), ==, drafts);
    g_assert_cmpuint (tern_journal_count_queued (f->store, f->account->id,
                                                 TERN_ACTION_FOLDER_CREATE), ==, 1);
  }

  /* Online again: created on the server with the draft, once; the role stays with it. */
  g_assert_true (tern_test_server_start (f->server, &error));
  g_assert_no_error (error);
  replay (f->store, f->account);
  sync_cache (f->store, f->account);
  replay (f->store, f->account);
  g_assert_cmpuint (server_count (f, "Drafts", "HEADER Message-ID <the-draft@example.org>"), ==, 1);
  g_assert_cmpuint (server_count (f, "Drafts", "SUBJECT \"Draft v2\""), ==, 1);
  g_assert_cmpint (tern_outbox_special_folder (f->store, f->account->id, "\\Drafts"), ==, drafts);
  folder = tern_store_get_folder_by_id (f->store, drafts, &error);
  g_assert_cmpint (folder->local_state, ==, 0);
  g_clear_pointer (&folder, tern_folder_free);

  /* Sent: the copy after sending creates it. */
  from_draft.draft = id;
  enqueue (f, "bob@example.org", "Re: created", "In-Reply-To: <orig-created@test>\n", &from_draft);
  run = run_sender (f, TRUE, "secret");
  g_assert_cmpuint (run.sent, ==, 1);
  g_assert_cmpuint (run.followed_up, ==, 1);
  sent = tern_outbox_special_folder (f->store, f->account->id, "\\Sent");
  g_assert_cmpint (sent, >, 0);
  folder = tern_store_get_folder_by_id (f->store, sent, &error);
  g_assert_cmpstr (folder->name, ==, "Sent");
  replay (f->store, f->account);
  sync_cache (f->store, f->account);
  replay (f->store, f->account);
  g_assert_cmpuint (server_count (f, "Sent", "SUBJECT \"Re: created\""), ==, 1);
  g_assert_cmpuint (server_count (f, "Sent", "ALL"), ==, 1);
  g_assert_cmpuint (server_count (f, "Drafts", "ALL"), ==, 0);
  g_assert_cmpuint (server_count (f, "INBOX", "HEADER Message-ID <orig-created@test> ANSWERED"),
                    ==, 1);
  g_assert_cmpint (tern_outbox_special_folder (f->store, f->account->id, "\\Sent"), ==, sent);
  g_assert_cmpuint (tern_test_server_count_submitted (f->server), ==, 1);
}

/* A Drafts folder made here gives the role up when the server shows one of its own (a
 * "Brouillons" another client made, found by its name); the draft still reaches the server. */
static void
test_created_role_yields (Fixture       *f,
                          gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) v1 = draft_version ("Draft", 1770000000);
  g_autoptr(TernFolder) mine = NULL;
  g_autoptr(TernFolder) theirs = NULL;
  gint64 drafts;

  sync_cache (f->store, f->account);
  tern_test_server_stop (f->server);
  g_assert_cmpint (tern_draft_save (f->store, f->account, v1, 0, NULL, &error), >, 0);
  g_assert_no_error (error);
  drafts = tern_outbox_special_folder (f->store, f->account->id, "\\Drafts");
  g_assert_cmpint (drafts, >, 0);

  g_assert_true (tern_test_server_start (f->server, &error));
  g_assert_true (tern_test_server_create_mailbox (f->server, "alice", "Brouillons", &error));
  g_assert_no_error (error);
  {
    g_autoptr(TernSync) sync = tern_sync_new (f->store, f->account);

    /* The folder list alone, before the journal is replayed. */
    tern_sync_set_password (sync, "secret");
    g_assert_true (tern_sync_folders (sync, &error));
    g_assert_no_error (error);
  }
  theirs = tern_store_get_folder (f->store, f->account->id, "Brouillons", &error);
  g_assert_no_error (error);
  g_assert_cmpint (tern_outbox_special_folder (f->store, f->account->id, "\\Drafts"), ==,
                   theirs->id);
  mine = tern_store_get_folder_by_id (f->store, drafts, &error);
  g_assert_null (mine->special_use);
  g_assert_cmpint (mine->local_state, ==, 1);

  replay (f->store, f->account);
  g_assert_cmpuint (server_count (f, "Drafts", "HEADER Message-ID <the-draft@example.org>"), ==, 1);
}

/* Where all personal folders live under INBOX (Courier, Cyrus), so do the new ones. */
static void
test_created_under_inbox (Fixture       *f,
                          gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TernFolder) folder = NULL;
  g_autoptr(GBytes) v1 = draft_version ("Draft", 1770000000);
  const char *names[] = { "INBOX", "INBOX.Trash", "INBOX.Lists", "INBOX.Lists.GNOME" };
  gint64 drafts;

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      TernFolder row = { 0 };

      row.account_id = f->account->id;
      row.name = (char *) names[i];
      row.delimiter = (char *) ".";
      row.special_use = i == 0 ? (char *) "\\Inbox" : i == 1 ? (char *) "\\Trash" : NULL;
      row.selectable = TRUE;
      g_assert_true (tern_store_upsert_folder (f->store, &row, NULL, &error));
      g_assert_no_error (error);
    }
  g_assert_cmpint (tern_draft_save (f->store, f->account, v1, 0, NULL, &error), >, 0);
  g_assert_no_error (error);
  drafts = tern_outbox_special_folder (f->store, f->account->id, "\\Drafts");
  folder = tern_store_get_folder_by_id (f->store, drafts, &error);
  g_assert_cmpstr (folder->name, ==, "INBOX.Drafts");
  g_assert_cmpstr (folder->delimiter, ==, ".");
  g_clear_pointer (&folder, tern_folder_free);

  /* One top-level folder besides INBOX: new ones go to the top level. */
  {
    TernFolder row = { 0 };

    row.account_id = f->account->id;
    row.name = (char *) "Projects";
    row.delimiter = (char *) ".";
    row.selectable = TRUE;
    g_assert_true (tern_store_upsert_folder (f->store, &row, NULL, &error));
  }
  enqueue (f, "bob@example.org", "Filed at the top", NULL, NULL);
  g_assert_cmpuint (run_sender (f, TRUE, "secret").followed_up, ==, 1);
  folder = tern_store_get_folder_by_id (f->store,
                                        tern_outbox_special_folder (f->store, f->account->id, "\\Sent"),
                                        &error);
  g_assert_cmpstr (folder->name, ==, "Sent");
}

/* An unknown outcome whose message shows up in Sent (filed by the server or another client)
 * is settled as sent, with its follow-ups and no second copy; without such evidence it waits
 * for the user. Nothing is sent again. */
static void
test_unknown_settled (Fixture       *f,
                      gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  TernOutboxRun run = { 0 };
  gint64 lost, absent;

  put (f, "INBOX", "<orig-settle@test>");
  sync_cache (f->store, f->account);

  /* The server took it, its answer never came. */
  tern_test_server_sink_hold (f->server, TRUE);
  lost = enqueue (f, "bob@example.org", "Answer lost",
                  "In-Reply-To: <orig-settle@test>\nMessage-ID: <settle@example.org>\n", NULL);
  {
    g_autoptr(TernOutboxSender) sender = tern_outbox_sender_new (f->store, f->account);

    tern_outbox_sender_set_timeout (sender, 2);
    tern_outbox_sender_set_password (sender, "secret");
    g_assert_true (tern_outbox_sender_run (sender, TRUE, &run, &error));
    g_assert_no_error (error);
  }
  tern_test_server_sink_hold (f->server, FALSE);
  g_assert_cmpuint (run.unknown, ==, 1);
  assert_state (f, lost, TERN_OUTBOX_UNKNOWN);
  g_assert_cmpuint (tern_test_server_count_submitted (f->server), ==, 1);

  /* A sender that died once the data was out: unknown too, and never delivered. */
  absent = enqueue (f, "bob@example.org", "Never arrived", "Message-ID: <absent@example.org>\n",
                    NULL);
  g_assert_true (tern_outbox_begin_sending (f->store, absent, &error));
  g_assert_true (tern_outbox_mark_data_sent (f->store, absent, &error));
  g_assert_no_error (error);

  /* No evidence yet: both wait. */
  run = run_sender (f, TRUE, "secret");
  g_assert_cmpuint (run.settled, ==, 0);
  assert_state (f, lost, TERN_OUTBOX_UNKNOWN);
  assert_state (f, absent, TERN_OUTBOX_UNKNOWN);

  /* The copy the server filed in Sent, seen by a sync, settles the first. */
  put (f, "Sent", "<settle@example.org>");
  sync_cache (f->store, f->account);
  run = run_sender (f, TRUE, "secret");
  g_assert_cmpuint (run.settled, ==, 1);
  g_assert_cmpuint (run.sent, ==, 0);
  g_assert_cmpuint (run.followed_up, ==, 1);
  assert_state (f, lost, TERN_OUTBOX_SENT);
  assert_state (f, absent, TERN_OUTBOX_UNKNOWN);
  g_assert_cmpuint (tern_journal_count_queued (f->store, f->account->id, TERN_ACTION_APPEND),
                    ==, 0);
  replay (f->store, f->account);
  g_assert_cmpuint (server_count (f, "Sent", "HEADER Message-ID <settle@example.org>"), ==, 1);
  g_assert_cmpuint (server_count (f, "INBOX", "HEADER Message-ID <orig-settle@test> ANSWERED"),
                    ==, 1);

  /* Once settled, settled: nothing goes again, the other still waits. */
  run = run_sender (f, TRUE, "secret");
  g_assert_cmpuint (run.settled + run.sent, ==, 0);
  assert_state (f, absent, TERN_OUTBOX_UNKNOWN);
  g_assert_cmpuint (tern_test_server_count_submitted (f->server), ==, 1);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  tern_sync_global_init ();

#define ADD(path, func) \
  g_test_add ("/outbox/" path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)

  ADD ("send-and-file", test_send_and_file);
  ADD ("offline-then-reconnect", test_offline_then_reconnect);
  ADD ("crash-recovery", test_crash_recovery);
  ADD ("recipient-rejected", test_recipient_rejected);
  ADD ("bad-credentials", test_bad_credentials);
  ADD ("too-large", test_too_large);
  ADD ("one-sender", test_one_sender);
  ADD ("server-saves-sent", test_server_saves_sent);
  ADD ("enqueue-checks", test_enqueue_checks);
  ADD ("cli-kill-during-submission", test_cli_kill_during_submission);
  ADD ("cli-offline-queue", test_cli_offline_queue);
  ADD ("drafts-two-caches", test_drafts_two_caches);
  ADD ("worker-stop-cancels-submission", test_worker_stop_cancels_submission);
  ADD ("unknown-settled", test_unknown_settled);
  ADD ("created-under-inbox", test_created_under_inbox);
  g_test_add ("/outbox/drafts-sent-created", Fixture,
              GUINT_TO_POINTER (TERN_TEST_SERVER_NO_DRAFTS_SENT), fixture_set_up,
              test_drafts_sent_created, fixture_tear_down);
  g_test_add ("/outbox/created-role-yields", Fixture,
              GUINT_TO_POINTER (TERN_TEST_SERVER_NO_DRAFTS_SENT), fixture_set_up,
              test_created_role_yields, fixture_tear_down);
  return g_test_run ();
}
