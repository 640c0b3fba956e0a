/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-interop"

#include "config.h"

#include <string.h>

#include "tern-journal.h"
#include "tern-store.h"
#include "tern-sync.h"
#include "tern-fake-imap.h"
#include "tern-test-server.h"

/*
 * Servers that behave in ways Dovecot does not (issue #10, #17): the scripted fake server
 * (tern-fake-imap) with one quirk at a time, over TLS with the fixture's certificate. Each
 * test is the reproducer of one defect: it fails without the engine's fix.
 */

#define MESSAGES 200

typedef struct
{
  TernTestServer *real;      /* only for its CA and certificate */
  TernFakeImap   *fake;
  char           *dir;
  char           *db_path;
  TernStore      *store;
  TernAccount    *account;
} Fixture;

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *key = NULL;
  TernAccount account = { 0 };

  f->real = tern_test_server_new (TERN_TEST_SERVER_FULL, &error);
  g_assert_no_error (error);
  key = g_build_filename (tern_test_server_get_dir (f->real), "server.key", NULL);
  f->fake = tern_fake_imap_new (tern_test_server_get_cert_file (f->real), key, &error);
  g_assert_no_error (error);
  tern_fake_imap_set_uidvalidity (f->fake, "INBOX", 7);
  tern_fake_imap_add_messages (f->fake, "INBOX", MESSAGES);

  f->dir = g_dir_make_tmp ("tern-interop-XXXXXX", &error);
  g_assert_no_error (error);
  f->db_path = g_build_filename (f->dir, "tern.db", NULL);
  f->store = tern_store_open (f->db_path, &error);
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
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  g_autofree char *cmd = g_strdup_printf ("rm -rf '%s'", f->dir);

  tern_fake_imap_free (f->fake);
  tern_account_free (f->account);
  tern_store_free (f->store);
  tern_test_server_free (f->real);
  g_assert_cmpint (system (cmd), ==, 0);
  g_free (f->db_path);
  g_free (f->dir);
}

static TernSync *
new_sync (Fixture *f)
{
  TernSync *sync = tern_sync_new (f->store, f->account);

  tern_sync_set_password (sync, "secret");
  tern_sync_set_timeout (sync, 5);
  return sync;
}

static void
run_sync (Fixture *f)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TernSync) sync = new_sync (f);

  if (!tern_sync_run (sync, NULL, &error))
    g_error ("sync failed: %s\n%s", error->message, tern_fake_imap_dup_log (f->fake));
}

static guint
cached_count (Fixture    *f,
              const char *name)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TernFolder) folder = tern_store_get_folder (f->store, f->account->id, name, &error);

  if (folder == NULL)
    return 0;
  return tern_store_count_uids (f->store, folder->id);
}

static gint64
message_id_of (Fixture    *f,
               const char *folder,
               guint32     uid)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TernFolder) row = tern_store_get_folder (f->store, f->account->id, folder, &error);
  g_autoptr(GPtrArray) list = NULL;

  g_assert_no_error (error);
  list = tern_store_list_messages (f->store, row->id, 0, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < list->len; i++)
    if (((TernMessage *) list->pdata[i])->uid == uid)
      return ((TernMessage *) list->pdata[i])->id;
  g_error ("no UID %u in %s", uid, folder);
  return 0;
}

static void
replay (Fixture *f)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TernSync) sync = new_sync (f);

  if (!tern_sync_replay (sync, &error))
    g_error ("replay failed: %s\n%s", error->message, tern_fake_imap_dup_log (f->fake));
}

static guint
count_actions (Fixture    *f,
               const char *state)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) list = tern_journal_list (f->store, f->account->id, &error);
  guint n = 0;

  g_assert_no_error (error);
  for (guint i = 0; i < list->len; i++)
    if (state == NULL || g_strcmp0 (((TernAction *) list->pdata[i])->state, state) == 0)
      n++;
  return n;
}

static char *
dup_trait (Fixture    *f,
           const char *name)
{
  return tern_store_dup_server_trait (f->store, f->account->id, name);
}

/* ------------------------------------------------------------------------------------------ */
/* Engine: QRESYNC only once ENABLE QRESYNC succeeded                                          */
/* ------------------------------------------------------------------------------------------ */

static gboolean
select_modseq_hook (TernFakeImapSession *session,
                    const char          *tag,
                    const char          *command,
                    gpointer             user_data)
{
  /* The fake has no CONDSTORE of its own: a HIGHESTMODSEQ is all the engine needs to try
   * QRESYNC at the next sync. The server then answers the SELECT itself. */
  tern_fake_imap_session_send (session, "* OK [HIGHESTMODSEQ 5] ok\r\n");
  return FALSE;
}

/* QRESYNC is advertised but ENABLE does not enable it (no "* ENABLED QRESYNC"): the engine
 * must not SELECT with QRESYNC parameters (the connection refuses them, and a server would
 * answer BAD). */
static void
test_qresync_not_enabled (Fixture       *f,
                          gconstpointer  data)
{
  tern_fake_imap_set_capabilities (f->fake, "IMAP4rev1 UIDPLUS ENABLE CONDSTORE QRESYNC");
  tern_fake_imap_set_hook (f->fake, "SELECT", select_modseq_hook, NULL);

  run_sync (f);
  g_assert_cmpuint (cached_count (f, "INBOX"), ==, MESSAGES);
  run_sync (f);
  g_assert_cmpuint (cached_count (f, "INBOX"), ==, MESSAGES);
  g_assert_true (tern_fake_imap_wait_log (f->fake, "ENABLE QRESYNC", 0));
}

/* ------------------------------------------------------------------------------------------ */
/* #10.1: the cache that empties itself                                                         */
/* ------------------------------------------------------------------------------------------ */

#define NEW_MESSAGE "From: bob@example.org\r\nTo: alice@example.org\r\nSubject: late\r\n" \
                    "Message-ID: <late@example.org>\r\nDate: Mon, 1 Jan 2024 10:00:00 +0000\r\n\r\nhi\r\n"

/* A server answers UID SEARCH UID n:* with an empty SEARCH (it reads the set as sequence
 * numbers). Believed, every cached message looks expunged. The answer disagrees with EXISTS:
 * it is checked by UID FETCH (UID), nothing is dropped, and the server is remembered. */
static void
test_search_uid_empty (Fixture       *f,
                       gconstpointer  data)
{
  g_autofree char *trait = NULL;
  g_autofree char *log = NULL;

  tern_fake_imap_set_capabilities (f->fake, "IMAP4rev1 UIDPLUS");
  run_sync (f);
  g_assert_cmpuint (cached_count (f, "INBOX"), ==, MESSAGES);
  g_assert_null ((trait = dup_trait (f, "uid-search")));

  /* From now on the server misreads UID sets; another client delivers one message and
   * expunges two. */
  tern_fake_imap_set_quirks (f->fake, TERN_FAKE_IMAP_QUIRK_SEARCH_UID_EMPTY);
  tern_fake_imap_add_message (f->fake, "INBOX", NEW_MESSAGE, NULL);
  g_assert_true (tern_fake_imap_expunge_uid (f->fake, "INBOX", 10));
  g_assert_true (tern_fake_imap_expunge_uid (f->fake, "INBOX", 11));
  run_sync (f);
  g_assert_cmpuint (cached_count (f, "INBOX"), ==, MESSAGES - 1);
  trait = dup_trait (f, "uid-search");
  g_assert_cmpstr (trait, ==, "untrusted");

  /* Remembered: the next syncs list UIDs by FETCH and converge, a new connection too. */
  tern_fake_imap_add_message (f->fake, "INBOX", NEW_MESSAGE, NULL);
  g_assert_true (tern_fake_imap_expunge_uid (f->fake, "INBOX", 12));
  run_sync (f);
  run_sync (f);
  g_assert_cmpuint (cached_count (f, "INBOX"), ==, MESSAGES - 1);
  g_assert_cmpuint (cached_count (f, "INBOX"), ==, tern_fake_imap_count_messages (f->fake, "INBOX"));
}

/* From the first sync on: an empty SEARCH for a folder of 200 fills nothing. */
static void
test_search_uid_empty_first_sync (Fixture       *f,
                                  gconstpointer  data)
{
  g_autofree char *trait = NULL;

  tern_fake_imap_set_capabilities (f->fake, "IMAP4rev1 UIDPLUS");
  tern_fake_imap_set_quirks (f->fake, TERN_FAKE_IMAP_QUIRK_SEARCH_UID_EMPTY);
  run_sync (f);
  g_assert_cmpuint (cached_count (f, "INBOX"), ==, MESSAGES);
  trait = dup_trait (f, "uid-search");
  g_assert_cmpstr (trait, ==, "untrusted");
  run_sync (f);
  g_assert_cmpuint (cached_count (f, "INBOX"), ==, MESSAGES);
}

/* ------------------------------------------------------------------------------------------ */
/* #10.2: SCRAM advertised but failing                                                          */
/* ------------------------------------------------------------------------------------------ */

/* AUTH=SCRAM-SHA-256 is advertised and fails: PLAIN (inside TLS) logs in, and is remembered so
 * the next connection starts with it. */
static void
test_scram_fails (Fixture       *f,
                  gconstpointer  data)
{
  g_autofree char *trait = NULL;

  tern_fake_imap_set_capabilities (f->fake, "IMAP4rev1 UIDPLUS");
  tern_fake_imap_set_auth_mechanisms (f->fake, "SCRAM-SHA-256 PLAIN");
  tern_fake_imap_set_quirks (f->fake, TERN_FAKE_IMAP_QUIRK_SCRAM_FAILS);

  run_sync (f);
  g_assert_cmpuint (cached_count (f, "INBOX"), ==, MESSAGES);
  g_assert_cmpuint (tern_fake_imap_count_commands (f->fake, "AUTHENTICATE SCRAM-SHA-256"), ==, 1);
  g_assert_cmpuint (tern_fake_imap_count_commands (f->fake, "AUTHENTICATE PLAIN"), ==, 1);
  trait = dup_trait (f, "auth-mechanism");
  g_assert_cmpstr (trait, ==, "PLAIN");

  run_sync (f);
  g_assert_cmpuint (tern_fake_imap_count_commands (f->fake, "AUTHENTICATE SCRAM-SHA-256"), ==, 1);
  g_assert_cmpuint (tern_fake_imap_count_commands (f->fake, "AUTHENTICATE PLAIN"), ==, 2);
}

/* A wrong password is still a clear AUTH error, after at most one try per mechanism. */
static void
test_scram_fails_wrong_password (Fixture       *f,
                                 gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TernSync) sync = new_sync (f);

  tern_fake_imap_set_capabilities (f->fake, "IMAP4rev1 UIDPLUS");
  tern_fake_imap_set_auth_mechanisms (f->fake, "SCRAM-SHA-256 PLAIN");
  tern_fake_imap_set_quirks (f->fake, TERN_FAKE_IMAP_QUIRK_SCRAM_FAILS);
  tern_sync_set_password (sync, "wrong");
  g_assert_false (tern_sync_run (sync, NULL, &error));
  g_assert_error (error, TERN_SYNC_ERROR, TERN_SYNC_ERROR_AUTH);
  g_assert_cmpuint (tern_fake_imap_count_commands (f->fake, "AUTHENTICATE"), ==, 2);
  g_assert_cmpuint (tern_fake_imap_count_connections (f->fake), ==, 1);
}

/* ------------------------------------------------------------------------------------------ */
/* #17.2: CAPABILITY answered without a list                                                    */
/* ------------------------------------------------------------------------------------------ */

/* No capability list anywhere (greeting, CAPABILITY, after login): libetpan used to read a
 * NULL list (SIGSEGV). Over implicit TLS it is a server with no extensions: LOGIN, then a
 * plain IMAP4rev1 sync. */
static void
test_capability_bare_ok (Fixture       *f,
                         gconstpointer  data)
{
  tern_fake_imap_set_quirks (f->fake, TERN_FAKE_IMAP_QUIRK_CAPABILITY_BARE_OK);
  run_sync (f);
  g_assert_cmpuint (cached_count (f, "INBOX"), ==, MESSAGES);
  g_assert_cmpuint (tern_fake_imap_count_commands (f->fake, "CAPABILITY"), >=, 1);
}

/* With STARTTLS, a missing list means STARTTLS is not offered: INSECURE, nothing sent. */
static void
test_capability_bare_ok_starttls (Fixture       *f,
                                  gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TernSync) sync = NULL;
  g_autoptr(TernAccount) account = NULL;

  tern_fake_imap_set_implicit_tls (f->fake, FALSE);
  tern_fake_imap_set_quirks (f->fake, TERN_FAKE_IMAP_QUIRK_CAPABILITY_BARE_OK);
  g_free (f->account->security);
  f->account->security = g_strdup ("starttls");
  sync = new_sync (f);
  g_assert_false (tern_sync_run (sync, NULL, &error));
  g_assert_error (error, TERN_SYNC_ERROR, TERN_SYNC_ERROR_INSECURE);
  g_assert_cmpuint (tern_fake_imap_count_commands (f->fake, "LOGIN"), ==, 0);
  g_assert_cmpuint (tern_fake_imap_count_commands (f->fake, "AUTHENTICATE"), ==, 0);
}

/* ------------------------------------------------------------------------------------------ */
/* #17: greetings libetpan cannot parse                                                         */
/* ------------------------------------------------------------------------------------------ */

/* A greeting whose response code holds a list ("* OK [PERMANENTFLAGS (\Seen)]",
 * "[BADCHARSET (...)]"), or a CAPABILITY code with thousands of "(" (found by fuzz-imap):
 * libetpan parses greetings without the parser context it dereferences for such lists
 * (SIGSEGV before login). Tern hands it the greeting without that code: the capabilities are
 * asked for, and the sync is a normal one. */
static void
test_greeting_code_list (Fixture       *f,
                         gconstpointer  data)
{
  g_autoptr(GString) deep = g_string_new ("* OK [CAPABILITY IMAP4rev1 MULT");
  const char *greetings[] = {
    "* OK [PERMANENTFLAGS (\\Answered \\Seen \\*)] Flags permitted.",
    "* OK [BADCHARSET (UTF-8 \"x y\")] ready",
    NULL,
  };

  for (guint i = 0; i < 3000; i++)
    g_string_append_c (deep, '(');
  g_string_append (deep, "] ready");
  greetings[2] = deep->str;

  for (guint i = 0; i < G_N_ELEMENTS (greetings); i++)
    {
      guint asked = tern_fake_imap_count_commands (f->fake, "CAPABILITY");

      g_test_message ("greeting %.60s", greetings[i]);
      tern_fake_imap_set_greeting (f->fake, greetings[i]);
      run_sync (f);
      g_assert_cmpuint (cached_count (f, "INBOX"), ==, MESSAGES);
      g_assert_cmpuint (tern_fake_imap_count_commands (f->fake, "CAPABILITY"), >, asked);
    }
}

static gboolean
bad_permanentflags_hook (TernFakeImapSession *session,
                         const char          *tag,
                         const char          *command,
                         gpointer             user_data)
{
  if (g_ascii_strncasecmp (command, "LSUB", 4) == 0)
    {
      /* The tagged answer too: libetpan parses its code the same way. */
      tern_fake_imap_session_send (session, "%s OK [PERMANENTFLAGS (())] done\r\n", tag);
      return TRUE;
    }
  tern_fake_imap_session_send (session, "* OK [PERMANENTFLAGS (\\)] odd\r\n"
                                        "* NO [PERMANENTFLAGS (\\Seen \\)] odder\r\n");
  return FALSE;
}

/* A PERMANENTFLAGS code whose first flag does not parse ("(\)", "(())", a NUL): libetpan frees
 * a NULL list, in any response, tagged or not (SIGSEGV, found by fuzz-imap). Tern hands it on
 * renamed, as a code libetpan skips: the sync goes on. */
static void
test_permanentflags_malformed (Fixture       *f,
                               gconstpointer  data)
{
  tern_fake_imap_set_hook (f->fake, "LSUB", bad_permanentflags_hook, NULL);
  tern_fake_imap_set_hook (f->fake, "LIST", bad_permanentflags_hook, NULL);
  run_sync (f);
  g_assert_cmpuint (cached_count (f, "INBOX"), ==, MESSAGES);
  g_assert_cmpuint (tern_fake_imap_count_commands (f->fake, "LSUB"), >=, 1);
}

/* Not an IMAP greeting at all: a clear error that names the greeting, no crash. */
static void
test_greeting_not_imap (Fixture       *f,
                        gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TernSync) sync = new_sync (f);

  tern_fake_imap_set_greeting (f->fake, "* HELLO [PERMANENTFLAGS (\\Seen)] (((((");
  g_assert_false (tern_sync_run (sync, NULL, &error));
  g_assert_nonnull (error);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, "greeting"));
  g_assert_cmpuint (cached_count (f, "INBOX"), ==, 0);
}

/* ------------------------------------------------------------------------------------------ */
/* #10.6: SELECT without UIDNEXT                                                                */
/* ------------------------------------------------------------------------------------------ */

static void
count_new_cb (const TernSyncChange *change,
              gpointer              user_data)
{
  if (change->kind == TERN_SYNC_CHANGE_NEW)
    (*(guint *) user_data)++;
}

/* SELECT says nothing of UIDNEXT: a resync fetches only what is new (one message, not the
 * folder again) and reports only it as new. */
static void
test_no_uidnext (Fixture       *f,
                 gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TernSync) sync = NULL;
  TernSyncStats stats = { 0 };
  guint news = 0;

  tern_fake_imap_set_capabilities (f->fake, "IMAP4rev1 UIDPLUS");
  tern_fake_imap_set_quirks (f->fake, TERN_FAKE_IMAP_QUIRK_NO_UIDNEXT);
  run_sync (f);
  g_assert_cmpuint (cached_count (f, "INBOX"), ==, MESSAGES);

  tern_fake_imap_add_message (f->fake, "INBOX", NEW_MESSAGE, NULL);
  sync = new_sync (f);
  tern_sync_set_change_func (sync, count_new_cb, &news);
  g_assert_true (tern_sync_run (sync, NULL, &error));
  g_assert_no_error (error);
  tern_sync_get_stats (sync, &stats);
  g_assert_cmpuint (cached_count (f, "INBOX"), ==, MESSAGES + 1);
  g_assert_cmpuint (stats.messages_fetched, ==, 1);
  g_assert_cmpuint (news, ==, 1);

  /* Nothing changed: nothing fetched, nothing new. */
  news = 0;
  g_assert_true (tern_sync_run (sync, NULL, &error));
  g_assert_no_error (error);
  tern_sync_get_stats (sync, &stats);
  g_assert_cmpuint (stats.messages_fetched, ==, 1);
  g_assert_cmpuint (news, ==, 0);
}

/* ------------------------------------------------------------------------------------------ */
/* #10.7: broken replies do not break the session                                               */
/* ------------------------------------------------------------------------------------------ */

/* EXPUNGE is answered with a malformed "* 57 EXPUNGED" as well: it is skipped (logged), the
 * session goes on, the deletion is done on one connection. */
static void
test_malformed_expunge (Fixture       *f,
                        gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  tern_fake_imap_set_capabilities (f->fake, "IMAP4rev1 UIDPLUS");
  tern_fake_imap_set_quirks (f->fake, TERN_FAKE_IMAP_QUIRK_MALFORMED_EXPUNGE);
  run_sync (f);
  g_assert_true (tern_journal_delete_permanently (f->store, message_id_of (f, "INBOX", 5), &error));
  g_assert_true (tern_journal_delete_permanently (f->store, message_id_of (f, "INBOX", 6), &error));
  g_assert_no_error (error);

  g_test_expect_message ("tern-imap-stream", G_LOG_LEVEL_MESSAGE, "*malformed*57 EXPUNGED*");
  replay (f);
  g_test_assert_expected_messages ();
  g_assert_true (tern_fake_imap_wait_log (f->fake, "* 57 EXPUNGED", 0));
  g_assert_cmpuint (count_actions (f, NULL), ==, 0);
  g_assert_cmpuint (tern_fake_imap_count_messages (f->fake, "INBOX"), ==, MESSAGES - 2);
  g_assert_cmpuint (tern_fake_imap_count_connections (f->fake), ==, 2);
  run_sync (f);
  g_assert_cmpuint (cached_count (f, "INBOX"), ==, MESSAGES - 2);
}

/* UID FETCH of a UID that no longer exists is answered BAD: the message is gone (another
 * client deleted it), not a failed action. */
static void
test_bad_fetch_gone_uid (Fixture       *f,
                         gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TernFolder) trash = NULL;
  g_autoptr(GPtrArray) list = NULL;

  tern_fake_imap_set_capabilities (f->fake, "IMAP4rev1 UIDPLUS");
  tern_fake_imap_set_quirks (f->fake, TERN_FAKE_IMAP_QUIRK_BAD_FETCH_GONE_UID);
  run_sync (f);
  g_assert_true (tern_journal_set_flags (f->store, message_id_of (f, "INBOX", 8), "\\Flagged", NULL, &error));
  trash = tern_store_get_folder (f->store, f->account->id, "Trash", &error);
  g_assert_true (tern_journal_move (f->store, message_id_of (f, "INBOX", 9), trash->id, &error));
  g_assert_no_error (error);
  g_assert_true (tern_fake_imap_expunge_uid (f->fake, "INBOX", 8));
  g_assert_true (tern_fake_imap_expunge_uid (f->fake, "INBOX", 9));

  replay (f);
  g_assert_true (tern_fake_imap_wait_log (f->fake, "BAD Invalid message set", 0));
  /* As for any message another client deleted: given up as gone (not shown as a failure
   * the user must look at), not refused by the server. */
  list = tern_journal_list (f->store, f->account->id, &error);
  g_assert_cmpuint (list->len, ==, 2);
  for (guint i = 0; i < list->len; i++)
    {
      TernAction *a = list->pdata[i];

      g_assert_cmpstr (a->error_class, ==, TERN_ACTION_PERMANENT);
      g_assert_cmpstr (a->error, ==, "The message was deleted on the server");
    }
}

/* ------------------------------------------------------------------------------------------ */
/* #17.3: a BODYSTRUCTURE nested 20,000 levels deep                                              */
/* ------------------------------------------------------------------------------------------ */

/* libetpan's recursive parser overflowed the stack on it. The response is skipped before
 * libetpan sees it and the messages are fetched whole and parsed with GMime: all there, with
 * their subjects and flags. */
static void
test_deep_bodystructure (Fixture       *f,
                         gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TernFolder) inbox = NULL;
  g_autoptr(GPtrArray) list = NULL;

  tern_fake_imap_set_capabilities (f->fake, "IMAP4rev1 UIDPLUS");
  tern_fake_imap_set_quirks (f->fake, TERN_FAKE_IMAP_QUIRK_DEEP_BODYSTRUCTURE);
  run_sync (f);
  g_assert_cmpuint (cached_count (f, "INBOX"), ==, MESSAGES);

  inbox = tern_store_get_folder (f->store, f->account->id, "INBOX", &error);
  list = tern_store_list_messages (f->store, inbox->id, 0, &error);
  for (guint i = 0; i < list->len; i++)
    {
      TernMessage *m = list->pdata[i];
      g_autofree char *subject = g_strdup_printf ("Message %u", m->uid);

      g_assert_cmpstr (m->subject, ==, subject);
      g_assert_cmpstr (m->flags, ==, m->uid % 2 ? "\\Seen" : "");
    }
}

/* The response filter reads a quoted string's escapes across reads: with the server's bytes
 * coming one at a time, a subject made of a quote and 150 parentheses is a string, not a
 * response nested 150 deep (it would be skipped and the message fetched whole again). */
static void
test_escape_across_reads (Fixture       *f,
                          gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GString) subject = g_string_new ("\"");
  g_autofree char *message = NULL;
  g_autoptr(TernMessage) cached = NULL;
  guint32 uid;

  for (guint i = 0; i < 150; i++)
    g_string_append_c (subject, '(');
  message = g_strdup_printf ("From: Bob <bob@example.org>\r\nTo: Alice <alice@example.org>\r\n"
                             "Subject: %s\r\nDate: Mon, 1 Jan 2024 11:00:00 +0000\r\n"
                             "Message-ID: <quote@example.org>\r\n\r\nQuoted.\r\n", subject->str);
  uid = tern_fake_imap_add_message (f->fake, "INBOX", message, NULL);
  tern_fake_imap_set_capabilities (f->fake, "IMAP4rev1 UIDPLUS");
  tern_fake_imap_set_quirks (f->fake, TERN_FAKE_IMAP_QUIRK_BYTE_AT_A_TIME);
  run_sync (f);
  g_assert_cmpuint (cached_count (f, "INBOX"), ==, MESSAGES + 1);
  cached = tern_store_get_message (f->store, message_id_of (f, "INBOX", uid), &error);
  g_assert_no_error (error);
  g_assert_cmpstr (cached->subject, ==, subject->str);
  /* Read from its ENVELOPE: never skipped, so never fetched whole. */
  {
    g_autofree char *log = tern_fake_imap_dup_log (f->fake);

    g_assert_null (strstr (log, "BODY.PEEK[]"));
  }
}

/* ------------------------------------------------------------------------------------------ */
/* #10.8: flags lost on copy                                                                    */
/* ------------------------------------------------------------------------------------------ */

/* The server makes copies (COPY and MOVE) without flags: after a move and a copy the messages
 * have their \Seen and \Flagged again; the server is remembered as one that drops them. */
static void
test_copy_drops_flags (Fixture       *f,
                       gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TernFolder) trash = NULL;
  g_autofree char *trait = NULL;
  g_autofree char *moved = NULL;
  g_autofree char *copied = NULL;
  gint64 id;

  tern_fake_imap_set_capabilities (f->fake, "IMAP4rev1 UIDPLUS MOVE");
  tern_fake_imap_set_quirks (f->fake, TERN_FAKE_IMAP_QUIRK_COPY_DROPS_FLAGS);
  run_sync (f);
  trash = tern_store_get_folder (f->store, f->account->id, "Trash", &error);
  g_assert_no_error (error);

  /* UID 3 is \Seen; flagged too, then moved. UID 5 (\Seen) copied. */
  id = message_id_of (f, "INBOX", 3);
  g_assert_true (tern_journal_set_flags (f->store, id, "\\Flagged", NULL, &error));
  g_assert_true (tern_journal_move (f->store, id, trash->id, &error));
  g_assert_cmpint (tern_journal_copy (f->store, message_id_of (f, "INBOX", 5), trash->id, &error), >, 0);
  g_assert_no_error (error);
  replay (f);
  g_assert_cmpuint (count_actions (f, NULL), ==, 0);

  moved = tern_fake_imap_dup_flags (f->fake, "Trash", 1);
  copied = tern_fake_imap_dup_flags (f->fake, "Trash", 2);
  g_assert_cmpstr (moved, ==, "\\Flagged \\Seen");
  g_assert_cmpstr (copied, ==, "\\Seen");
  trait = dup_trait (f, "copy-flags");
  g_assert_cmpstr (trait, ==, "dropped");

  run_sync (f);
  {
    g_autoptr(GPtrArray) list = tern_store_list_messages (f->store, trash->id, 0, &error);

    g_assert_cmpuint (list->len, ==, 2);
    for (guint i = 0; i < list->len; i++)
      g_assert_nonnull (strstr (((TernMessage *) list->pdata[i])->flags, "\\Seen"));
  }
}

/* A server that keeps them: checked once, then no extra command per copy. */
static void
test_copy_keeps_flags (Fixture       *f,
                       gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TernFolder) trash = NULL;
  g_autofree char *trait = NULL;
  guint stores, selects;

  tern_fake_imap_set_capabilities (f->fake, "IMAP4rev1 UIDPLUS MOVE");
  run_sync (f);
  trash = tern_store_get_folder (f->store, f->account->id, "Trash", &error);
  g_assert_true (tern_journal_move (f->store, message_id_of (f, "INBOX", 3), trash->id, &error));
  replay (f);
  trait = dup_trait (f, "copy-flags");
  g_assert_cmpstr (trait, ==, "kept");
  stores = tern_fake_imap_count_commands (f->fake, "UID STORE");
  selects = tern_fake_imap_count_commands (f->fake, "SELECT Trash");
  g_assert_true (tern_journal_move (f->store, message_id_of (f, "INBOX", 7), trash->id, &error));
  replay (f);
  g_assert_cmpuint (tern_fake_imap_count_commands (f->fake, "UID STORE"), ==, stores);
  g_assert_cmpuint (tern_fake_imap_count_commands (f->fake, "SELECT Trash"), ==, selects);
}

/* ------------------------------------------------------------------------------------------ */
/* #10.3: RFC 2086 rights                                                                       */
/* ------------------------------------------------------------------------------------------ */

/* MYRIGHTS "acdilrsw" (RFC 2086): moves and deletions are not refused offline ("needs t"),
 * and reach the server. */
static void
test_rfc2086_rights (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TernFolder) trash = NULL;

  tern_fake_imap_set_capabilities (f->fake, "IMAP4rev1 UIDPLUS MOVE ACL");
  tern_fake_imap_set_myrights (f->fake, "acdilrsw");
  run_sync (f);
  trash = tern_store_get_folder (f->store, f->account->id, "Trash", &error);
  g_assert_no_error (error);
  g_assert_nonnull (trash->myrights);

  g_assert_true (tern_journal_move (f->store, message_id_of (f, "INBOX", 3), trash->id, &error));
  g_assert_no_error (error);
  g_assert_true (tern_journal_delete_permanently (f->store, message_id_of (f, "INBOX", 4), &error));
  g_assert_no_error (error);
  replay (f);
  g_assert_cmpuint (count_actions (f, NULL), ==, 0);
  g_assert_cmpuint (tern_fake_imap_count_messages (f->fake, "INBOX"), ==, MESSAGES - 2);
  g_assert_cmpuint (tern_fake_imap_count_messages (f->fake, "Trash"), ==, 1);
}

/* Rights that really lack deletion ("lrs") still refuse offline. */
static void
test_rights_without_delete (Fixture       *f,
                            gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  tern_fake_imap_set_capabilities (f->fake, "IMAP4rev1 UIDPLUS MOVE ACL");
  tern_fake_imap_set_myrights (f->fake, "lrs");
  run_sync (f);
  g_assert_false (tern_journal_delete_permanently (f->store, message_id_of (f, "INBOX", 4), &error));
  g_assert_nonnull (error);
}

/* ------------------------------------------------------------------------------------------ */
/* #10.10: raw 8-bit header bytes                                                               */
/* ------------------------------------------------------------------------------------------ */

/* A message whose headers carry raw Latin-1 bytes (no encoded words) in a name, an address,
 * the Message-ID and References: everything the cache keeps (and show prints) is UTF-8, the
 * Latin-1 read as such. */
static void
test_latin1_headers (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TernMessage) m = NULL;
  guint32 uid;
  const char *fields[6];

  tern_fake_imap_set_capabilities (f->fake, "IMAP4rev1 UIDPLUS");
  uid = tern_fake_imap_add_message (f->fake, "INBOX",
                                    "From: J\xe9r\xf4me <j\xe9r@example.org>\r\n"
                                    "To: Ren\xe9" "e <ren\xe9" "e@example.org>\r\n"
                                    "Subject: Caf\xe9\r\n"
                                    "Message-ID: <caf\xe9@example.org>\r\n"
                                    "References: <cr\xe8me@example.org>\r\n"
                                    "Date: Mon, 1 Jan 2024 10:00:00 +0000\r\n\r\nhi\r\n", NULL);
  run_sync (f);
  m = tern_store_get_message (f->store, message_id_of (f, "INBOX", uid), &error);
  g_assert_no_error (error);
  fields[0] = m->from_name;
  fields[1] = m->from_addr;
  fields[2] = m->to_list;
  fields[3] = m->subject;
  fields[4] = m->message_id;
  fields[5] = m->references;
  for (guint i = 0; i < G_N_ELEMENTS (fields); i++)
    {
      g_assert_nonnull (fields[i]);
      g_assert_true (g_utf8_validate (fields[i], -1, NULL));
    }
  g_assert_cmpstr (m->to_list, ==, "Ren\u00e9e <ren\u00e9e@example.org>");
  g_assert_cmpstr (m->message_id, ==, "<caf\u00e9@example.org>");
}

/* ------------------------------------------------------------------------------------------ */
/* #17.4: partial fetches the server does not honour                                            */
/* ------------------------------------------------------------------------------------------ */

static guint32
add_big_message (Fixture *f,
                 gsize    body_size)
{
  GString *text = g_string_new ("From: bob@example.org\r\nTo: alice@example.org\r\n"
                                "Subject: big\r\nMessage-ID: <big@example.org>\r\n"
                                "Date: Mon, 1 Jan 2024 10:00:00 +0000\r\n\r\n");
  guint32 uid;

  while (text->len < body_size)
    g_string_append (text, "0123456789abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopqrstuv\r\n");
  uid = tern_fake_imap_add_message (f->fake, "INBOX", text->str, NULL);
  g_string_free (text, TRUE);
  return uid;
}

/* Export of a 600 KB message in 256 KB chunks from a server that returns more than asked,
 * or the first chunk whatever offset is asked: a clear error, and never more than the
 * message's size written (the export used to grow without end). */
static void
test_partial_broken (Fixture       *f,
                     gconstpointer  data)
{
  TernFakeImapQuirks quirk = GPOINTER_TO_UINT (data);
  g_autoptr(GError) error = NULL;
  g_autoptr(TernSync) sync = NULL;
  g_autoptr(GOutputStream) out = g_memory_output_stream_new_resizable ();
  g_autoptr(TernMessage) m = NULL;
  guint32 uid;

  tern_fake_imap_set_capabilities (f->fake, "IMAP4rev1 UIDPLUS");
  uid = add_big_message (f, 600 * 1024);
  run_sync (f);
  tern_fake_imap_set_quirks (f->fake, quirk);
  m = tern_store_get_message (f->store, message_id_of (f, "INBOX", uid), &error);
  g_assert_no_error (error);

  sync = new_sync (f);
  g_assert_false (tern_sync_export_message (sync, m->id, out, &error));
  g_assert_error (error, TERN_SYNC_ERROR, TERN_SYNC_ERROR_PROTOCOL);
  g_test_message ("%s", error->message);
  g_assert_cmpuint (g_memory_output_stream_get_data_size (G_MEMORY_OUTPUT_STREAM (out)), <=, m->size);
}

/* ------------------------------------------------------------------------------------------ */
/* Engine: an unsolicited flags-only FETCH during a header fetch                                */
/* ------------------------------------------------------------------------------------------ */

static gboolean
unsolicited_flags_hook (TernFakeImapSession *session,
                        const char          *tag,
                        const char          *command,
                        gpointer             user_data)
{
  /* Another client flags message 3 while Tern fetches headers (RFC 7162 servers add the
   * UID to such a FETCH). */
  if (strstr (command, "ENVELOPE") != NULL)
    tern_fake_imap_session_send (session, "* 3 FETCH (UID 3 FLAGS (\\Seen \\Flagged))\r\n");
  return FALSE;
}

/* It is a flag change of message 3, not a message 3 without envelope: the subject stays. */
static void
test_unsolicited_flags_in_header_fetch (Fixture       *f,
                                        gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TernMessage) m = NULL;

  tern_fake_imap_set_capabilities (f->fake, "IMAP4rev1 UIDPLUS");
  run_sync (f);
  tern_fake_imap_add_message (f->fake, "INBOX", NEW_MESSAGE, NULL);
  tern_fake_imap_set_hook (f->fake, "UID FETCH", unsolicited_flags_hook, NULL);
  run_sync (f);
  g_assert_cmpuint (cached_count (f, "INBOX"), ==, MESSAGES + 1);
  m = tern_store_get_message (f->store, message_id_of (f, "INBOX", 3), &error);
  g_assert_no_error (error);
  g_assert_cmpstr (m->subject, ==, "Message 3");
  g_assert_nonnull (strstr (m->flags, "\\Flagged"));
}

/* #17.6: a response injected after "OK Begin TLS" is refused as an injection, not as a
 * server that "refused STARTTLS: Begin TLS"; nothing is sent in the clear. */
static void
test_starttls_injection (Fixture       *f,
                         gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TernSync) sync = NULL;

  tern_fake_imap_set_implicit_tls (f->fake, FALSE);
  tern_fake_imap_set_capabilities (f->fake, "IMAP4rev1 UIDPLUS");
  tern_fake_imap_set_quirks (f->fake, TERN_FAKE_IMAP_QUIRK_STARTTLS_INJECTION);
  g_free (f->account->security);
  f->account->security = g_strdup ("starttls");
  sync = new_sync (f);
  g_assert_false (tern_sync_run (sync, NULL, &error));
  g_assert_error (error, TERN_SYNC_ERROR, TERN_SYNC_ERROR_INSECURE);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, "injection"));
  g_assert_null (strstr (error->message, "refused STARTTLS"));
  g_assert_cmpuint (tern_fake_imap_count_commands (f->fake, "AUTHENTICATE"), ==, 0);
  g_assert_cmpuint (tern_fake_imap_count_commands (f->fake, "LOGIN"), ==, 0);
}

/* #17.6: invalid UTF-8 in a BODYSTRUCTURE ("multi\xff2~\xffpart") is never stored as a
 * part's type, subtype or charset. */
static gboolean
bad_bodystructure_hook (TernFakeImapSession *session,
                        const char          *tag,
                        const char          *command,
                        gpointer             user_data)
{
  if (strstr (command, "BODYSTRUCTURE") == NULL)
    return FALSE;
  tern_fake_imap_session_send (session,
                               "* 1 FETCH (UID 1 FLAGS () INTERNALDATE \"01-Jan-2024 10:00:00 +0000\" "
                               "RFC822.SIZE 10 ENVELOPE (\"Mon, 1 Jan 2024 10:00:00 +0000\" \"odd\" "
                               "NIL NIL NIL NIL NIL NIL NIL \"<odd@x>\") BODYSTRUCTURE "
                               "(\"te\xffxt\" \"pl\xff" "ain\" (\"charset\" \"ut\xff-8\") NIL NIL "
                               "\"7bit\" 10 1 NIL NIL NIL NIL))\r\n"
                               "%s OK done\r\n", tag);
  return TRUE;
}

static void
test_bodystructure_not_utf8 (Fixture       *f,
                             gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TernMessage) m = NULL;

  tern_fake_imap_set_capabilities (f->fake, "IMAP4rev1 UIDPLUS");
  for (guint32 uid = 2; uid <= MESSAGES; uid++)
    g_assert_true (tern_fake_imap_expunge_uid (f->fake, "INBOX", uid));
  tern_fake_imap_set_hook (f->fake, "UID FETCH", bad_bodystructure_hook, NULL);
  run_sync (f);
  m = tern_store_get_message (f->store, message_id_of (f, "INBOX", 1), &error);
  g_assert_no_error (error);
  g_assert_nonnull (m->parts);
  g_assert_cmpuint (m->parts->len, >=, 1);
  for (guint i = 0; i < m->parts->len; i++)
    {
      TernPart *part = m->parts->pdata[i];

      g_assert_true (g_utf8_validate (part->type, -1, NULL));
      g_assert_true (g_utf8_validate (part->subtype, -1, NULL));
      g_assert_true (part->charset == NULL || g_utf8_validate (part->charset, -1, NULL));
    }
}

/* ------------------------------------------------------------------------------------------ */
/* #17.5: a message with many parts                                                             */
/* ------------------------------------------------------------------------------------------ */

#define MANY_PARTS 250

/* Opening a message of 250 attachments asks for their MIME headers with its text (one
 * command, not 250; at most 1,000 parts' headers), and the names GMime reads there are
 * kept. */
static void
test_many_parts (Fixture       *f,
                 gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GString) text = g_string_new ("From: bob@example.org\r\nTo: alice@example.org\r\n"
                                          "Subject: many\r\nMessage-ID: <many@example.org>\r\n"
                                          "Date: Mon, 1 Jan 2024 10:00:00 +0000\r\nMIME-Version: 1.0\r\n"
                                          "Content-Type: multipart/mixed; boundary=\"b\"\r\n\r\n"
                                          "--b\r\nContent-Type: text/plain\r\n\r\nSee attached.\r\n");
  g_autoptr(TernSync) sync = NULL;
  g_autoptr(TernMessage) m = NULL;
  guint32 uid;
  guint before, named = 0;

  for (guint i = 1; i <= MANY_PARTS; i++)
    g_string_append_printf (text, "--b\r\nContent-Type: application/octet-stream\r\n"
                            "Content-Disposition: attachment; filename*=UTF-8''r%%C3%%A9sum%%C3%%A9%u.bin\r\n"
                            "\r\nx\r\n", i);
  g_string_append (text, "--b--\r\n");
  tern_fake_imap_set_capabilities (f->fake, "IMAP4rev1 UIDPLUS");
  uid = tern_fake_imap_add_message (f->fake, "INBOX", text->str, NULL);
  run_sync (f);

  before = tern_fake_imap_count_commands (f->fake, "UID FETCH");
  sync = new_sync (f);
  g_assert_true (tern_sync_fetch_text (sync, message_id_of (f, "INBOX", uid), &error));
  g_assert_no_error (error);
  /* The text and the MIME headers: a handful of commands at most, never one per part. */
  g_assert_cmpuint (tern_fake_imap_count_commands (f->fake, "UID FETCH") - before, <=, 4);

  m = tern_store_get_message (f->store, message_id_of (f, "INBOX", uid), &error);
  g_assert_no_error (error);
  for (guint i = 0; i < m->parts->len; i++)
    {
      TernPart *part = m->parts->pdata[i];

      if (part->filename != NULL && g_str_has_prefix (part->filename, "r\u00e9sum\u00e9"))
        named++;
    }
  g_assert_cmpuint (named, ==, MANY_PARTS);
}

static gboolean
refuse_hook (TernFakeImapSession *session,
             const char          *tag,
             const char          *command,
             gpointer             user_data)
{
  tern_fake_imap_session_send (session, "%s NO %s refused\r\n", tag, (const char *) user_data);
  return TRUE;
}

/* A server that refuses ENABLE QRESYNC with NO is still logged in to, without QRESYNC. */
static void
test_qresync_enable_refused (Fixture       *f,
                             gconstpointer  data)
{
  tern_fake_imap_set_capabilities (f->fake, "IMAP4rev1 UIDPLUS ENABLE CONDSTORE QRESYNC");
  tern_fake_imap_set_hook (f->fake, "SELECT", select_modseq_hook, NULL);
  tern_fake_imap_set_hook (f->fake, "ENABLE", refuse_hook, (gpointer) "ENABLE");

  run_sync (f);
  run_sync (f);
  g_assert_cmpuint (cached_count (f, "INBOX"), ==, MESSAGES);
  g_assert_true (tern_fake_imap_wait_log (f->fake, "NO ENABLE refused", 0));
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)

  ADD ("/interop/qresync-not-enabled", test_qresync_not_enabled);
  ADD ("/interop/qresync-enable-refused", test_qresync_enable_refused);
  ADD ("/interop/search-uid-empty/resync", test_search_uid_empty);
  ADD ("/interop/scram-fails", test_scram_fails);
  ADD ("/interop/many-parts", test_many_parts);
  ADD ("/interop/bodystructure-not-utf8", test_bodystructure_not_utf8);
  ADD ("/interop/starttls-injection", test_starttls_injection);
  ADD ("/interop/unsolicited-flags-in-header-fetch", test_unsolicited_flags_in_header_fetch);
  g_test_add ("/interop/partial/overrun", Fixture, GUINT_TO_POINTER (TERN_FAKE_IMAP_QUIRK_PARTIAL_OVERRUN),
              fixture_set_up, test_partial_broken, fixture_tear_down);
  g_test_add ("/interop/partial/repeat", Fixture, GUINT_TO_POINTER (TERN_FAKE_IMAP_QUIRK_PARTIAL_REPEAT),
              fixture_set_up, test_partial_broken, fixture_tear_down);
  ADD ("/interop/latin1-headers", test_latin1_headers);
  ADD ("/interop/rights/rfc2086", test_rfc2086_rights);
  ADD ("/interop/rights/no-delete", test_rights_without_delete);
  ADD ("/interop/copy-drops-flags", test_copy_drops_flags);
  ADD ("/interop/copy-keeps-flags", test_copy_keeps_flags);
  ADD ("/interop/deep-bodystructure", test_deep_bodystructure);
  ADD ("/interop/escape-across-reads", test_escape_across_reads);
  ADD ("/interop/malformed-expunge", test_malformed_expunge);
  ADD ("/interop/bad-fetch-gone-uid", test_bad_fetch_gone_uid);
  ADD ("/interop/no-uidnext", test_no_uidnext);
  ADD ("/interop/capability-bare-ok/tls", test_capability_bare_ok);
  ADD ("/interop/capability-bare-ok/starttls", test_capability_bare_ok_starttls);
  ADD ("/interop/scram-fails/wrong-password", test_scram_fails_wrong_password);
  ADD ("/interop/greeting/code-list", test_greeting_code_list);
  ADD ("/interop/greeting/not-imap", test_greeting_not_imap);
  ADD ("/interop/permanentflags-malformed", test_permanentflags_malformed);
  ADD ("/interop/search-uid-empty/first-sync", test_search_uid_empty_first_sync);

  return g_test_run ();
}
