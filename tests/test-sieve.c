/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Server-side rules (issue #18): rules <-> Sieve, and against Dovecot with Pigeonhole: a rule
 * made in Tern files mail delivered afterwards, the vacation reply answers once per sender,
 * the server's syntax check reaches the user, rules made elsewhere are not replaced, changes
 * made offline wait and go up later, and the certificate is verified.
 */
#include "config.h"

#include <string.h>

#include "tern-password.h"
#include "tern-sieve-store.h"
#include "tern-sieve-sync.h"
#include "tern-test-cache.h"
#include "tern-test-idp.h"
#include "tern-test-server.h"

/* Rules and scripts */

static TernSieveRules *
every_kind_of_rule (void)
{
  TernSieveRules *rules = tern_sieve_rules_new ();
  TernSieveRule *rule = tern_sieve_rule_new ("Builds \"CI\" \\ nightly");

  tern_sieve_rule_add_condition (rule, TERN_SIEVE_FIELD_FROM, TERN_SIEVE_OP_CONTAINS, "ci@example.org");
  tern_sieve_rule_add_condition (rule, TERN_SIEVE_FIELD_SUBJECT, TERN_SIEVE_OP_CONTAINS, "build \"#42\"");
  tern_sieve_rule_add_action (rule, TERN_SIEVE_ACTION_FILE_INTO, "Projects/Builds");
  tern_sieve_rule_add_action (rule, TERN_SIEVE_ACTION_MARK_READ, NULL);
  tern_sieve_rule_add_action (rule, TERN_SIEVE_ACTION_STOP, NULL);
  g_ptr_array_add (rules->rules, rule);

  rule = tern_sieve_rule_new ("Big or listy");
  rule->match_any = TRUE;
  tern_sieve_rule_add_condition (rule, TERN_SIEVE_FIELD_SIZE, TERN_SIEVE_OP_OVER, "2M");
  tern_sieve_rule_add_condition (rule, TERN_SIEVE_FIELD_LIST_ID, TERN_SIEVE_OP_CONTAINS, "lists.example.org");
  tern_sieve_rule_add_condition (rule, TERN_SIEVE_FIELD_TO, TERN_SIEVE_OP_IS, "team@example.org");
  tern_sieve_rule_add_condition (rule, TERN_SIEVE_FIELD_FROM, TERN_SIEVE_OP_NOT_CONTAINS, "boss");
  tern_sieve_rule_add_action (rule, TERN_SIEVE_ACTION_FLAG, NULL);
  tern_sieve_rule_add_action (rule, TERN_SIEVE_ACTION_FORWARD, "me@example.net");
  g_ptr_array_add (rules->rules, rule);

  rule = tern_sieve_rule_new ("Old junk (off)");
  rule->enabled = FALSE;
  tern_sieve_rule_add_condition (rule, TERN_SIEVE_FIELD_SIZE, TERN_SIEVE_OP_UNDER, "10K");
  tern_sieve_rule_add_action (rule, TERN_SIEVE_ACTION_TRASH, "Trash");
  g_ptr_array_add (rules->rules, rule);

  rules->vacation = g_new0 (TernSieveVacation, 1);
  rules->vacation->enabled = TRUE;
  rules->vacation->subject = g_strdup ("Away \"until\" Monday");
  rules->vacation->body = g_strdup ("I am away.\nBack on the 24th.\n\\o/");
  rules->vacation->start = g_strdup ("2026-12-01");
  rules->vacation->end = g_strdup ("2026-12-24");
  rules->vacation->days = 3;
  rules->vacation->addresses = g_strsplit ("me@example.org,me@work.example", ",", -1);
  return rules;
}

static void
test_rules_round_trip (void)
{
  g_autoptr(TernSieveRules) rules = every_kind_of_rule ();
  g_autoptr(TernSieveRules) back = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *script = tern_sieve_rules_to_script (rules, &error);
  g_autofree char *again = NULL;
  g_auto(GStrv) extensions = tern_sieve_rules_dup_extensions (rules);
  TernSieveRule *rule;

  g_assert_no_error (error);
  /* Real Sieve for what runs; flags before fileinto (imap4flags applies them to the copy). */
  g_assert_nonnull (strstr (script, "require [\"fileinto\", \"imap4flags\", \"copy\", \"vacation\", \"date\", \"relational\"];"));
  g_assert_nonnull (strstr (script, "if allof (address :contains \"from\" \"ci@example.org\", "
                                    "header :contains \"subject\" \"build \\\"#42\\\"\") {\n"
                                    "  addflag \"\\\\Seen\";\n  fileinto \"Projects/Builds\";\n  stop;\n}"));
  g_assert_nonnull (strstr (script, "if anyof (size :over 2M, header :contains \"list-id\" \"lists.example.org\", "
                                    "address :is [\"to\", \"cc\"] \"team@example.org\", "
                                    "not address :contains \"from\" \"boss\") {"));
  g_assert_nonnull (strstr (script, "redirect :copy \"me@example.net\";"));
  g_assert_nonnull (strstr (script, "currentdate :value \"ge\" \"date\" \"2026-12-01\""));
  g_assert_nonnull (strstr (script, "vacation :days 3 :subject \"Away \\\"until\\\" Monday\" "
                                    ":addresses [\"me@example.org\", \"me@work.example\"] \"I am away.\nBack"));
  /* A rule that is off is kept, but does not run. */
  g_assert_null (strstr (script, "size :under"));
  g_assert_cmpuint (g_strv_length (extensions), ==, 6);

  back = tern_sieve_rules_from_script (script, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (back->rules->len, ==, 3);
  rule = back->rules->pdata[0];
  g_assert_cmpstr (rule->name, ==, "Builds \"CI\" \\ nightly");
  g_assert_cmpuint (rule->actions->len, ==, 3);
  g_assert_cmpstr (((TernSieveCondition *) rule->conditions->pdata[1])->value, ==, "build \"#42\"");
  rule = back->rules->pdata[2];
  g_assert_false (rule->enabled);
  g_assert_cmpint (((TernSieveAction *) rule->actions->pdata[0])->kind, ==, TERN_SIEVE_ACTION_TRASH);
  g_assert_cmpstr (back->vacation->body, ==, "I am away.\nBack on the 24th.\n\\o/");
  g_assert_cmpstr (back->vacation->end, ==, "2026-12-24");
  g_assert_cmpstr (back->vacation->addresses[1], ==, "me@work.example");
  again = tern_sieve_rules_to_script (back, &error);
  g_assert_cmpstr (again, ==, script);

  /* CRLF (as the server gives it back) reads the same. */
  {
    g_autofree char *crlf = NULL;
    g_auto(GStrv) lines = g_strsplit (script, "\n", -1);
    g_autoptr(TernSieveRules) from_crlf = NULL;

    crlf = g_strjoinv ("\r\n", lines);
    from_crlf = tern_sieve_rules_from_script (crlf, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (from_crlf->rules->len, ==, 3);
  }
}

static void
test_rules_foreign (void)
{
  g_autoptr(TernSieveRules) rules = every_kind_of_rule ();
  g_autoptr(GError) error = NULL;
  g_autofree char *script = tern_sieve_rules_to_script (rules, NULL);
  g_autofree char *edited = NULL;
  g_autoptr(TernSieveRules) empty = tern_sieve_rules_from_script ("  \r\n", &error);
  TernSieveRules *none;

  g_assert_no_error (error);
  g_assert_cmpuint (empty->rules->len, ==, 0);

  /* Another program's script. */
  none = tern_sieve_rules_from_script ("require \"fileinto\";\nif header :contains \"subject\" \"x\" { fileinto \"X\"; }\n",
                                       &error);
  g_assert_null (none);
  g_assert_error (error, TERN_SIEVE_RULES_ERROR, TERN_SIEVE_RULES_ERROR_FOREIGN);
  g_clear_error (&error);

  /* Tern's, changed by hand: the Sieve no longer says what the comments say. */
  edited = g_strconcat (script, "discard;\n", NULL);
  none = tern_sieve_rules_from_script (edited, &error);
  g_assert_null (none);
  g_assert_error (error, TERN_SIEVE_RULES_ERROR, TERN_SIEVE_RULES_ERROR_FOREIGN);
  g_clear_error (&error);
  g_free (edited);
  edited = g_strdup (script);
  *strstr (edited, "2026-12-24\"") = '3';
  none = tern_sieve_rules_from_script (edited, &error);
  g_assert_null (none);
  g_assert_error (error, TERN_SIEVE_RULES_ERROR, TERN_SIEVE_RULES_ERROR_FOREIGN);
  g_clear_error (&error);
}

static void
test_rules_invalid (void)
{
  g_autoptr(TernSieveRules) rules = tern_sieve_rules_new ();
  TernSieveRule *rule = tern_sieve_rule_new ("Nothing to do");
  g_autoptr(GError) error = NULL;
  char *script;

  tern_sieve_rule_add_condition (rule, TERN_SIEVE_FIELD_FROM, TERN_SIEVE_OP_CONTAINS, "x");
  g_ptr_array_add (rules->rules, rule);
  script = tern_sieve_rules_to_script (rules, &error);
  g_assert_null (script);
  g_assert_error (error, TERN_SIEVE_RULES_ERROR, TERN_SIEVE_RULES_ERROR_INVALID);
  g_clear_error (&error);

  /* A size the server would read otherwise: refused here. */
  tern_sieve_rule_add_action (rule, TERN_SIEVE_ACTION_FLAG, NULL);
  tern_sieve_rule_add_condition (rule, TERN_SIEVE_FIELD_SIZE, TERN_SIEVE_OP_OVER, "2 MB; discard");
  script = tern_sieve_rules_to_script (rules, &error);
  g_assert_null (script);
  g_assert_error (error, TERN_SIEVE_RULES_ERROR, TERN_SIEVE_RULES_ERROR_INVALID);
}

/* Against Dovecot */

typedef struct
{
  TernTestServer *server;
  TernStore      *store;
  TernAccount    *account;
  char           *dir;
} Fixture;

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;
  gint64 id;

  f->server = tern_test_server_new (TERN_TEST_SERVER_SIEVE | TERN_TEST_SERVER_SUBMISSION, &error);
  g_assert_no_error (error);
  f->dir = g_dir_make_tmp ("tern-sieve-XXXXXX", &error);
  g_assert_no_error (error);
  path = g_build_filename (f->dir, "tern.db", NULL);
  f->store = tern_store_open (path, &error);
  g_assert_no_error (error);
  id = tern_test_cache_add_server_account (f->store, f->server, "work", GPOINTER_TO_INT (data) == 0);
  g_assert_true (tern_sieve_store_set_server (f->store, id, NULL, tern_test_server_get_sieve_port (f->server),
                                              FALSE, &error));
  g_assert_no_error (error);
  f->account = tern_store_get_account (f->store, "work", &error);
  g_assert_no_error (error);
  g_assert_true (tern_test_server_create_mailbox (f->server, "alice", "Builds", &error));
  g_assert_no_error (error);
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

static TernManageSieve *
connect_raw (Fixture *f)
{
  g_autoptr(GError) error = NULL;
  TernManageSieve *conn = tern_sieve_open (f->store, f->account, 20, NULL, &error);

  g_assert_no_error (error);
  return conn;
}

static void
deliver (Fixture    *f,
         const char *from,
         const char *subject)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *message = g_strdup_printf ("From: <%s>\r\nTo: alice@example.org\r\nSubject: %s\r\n"
                                              "Message-ID: <%s.%s@example.net>\r\n\r\nHello.\r\n",
                                              from, subject, subject, from);

  g_assert_true (tern_test_server_deliver (f->server, "alice", from, message, &error));
  g_assert_no_error (error);
}

static TernSieveRules *
builds_rule (void)
{
  TernSieveRules *rules = tern_sieve_rules_new ();
  TernSieveRule *rule = tern_sieve_rule_new ("Builds");

  tern_sieve_rule_add_condition (rule, TERN_SIEVE_FIELD_FROM, TERN_SIEVE_OP_CONTAINS, "ci@example.org");
  tern_sieve_rule_add_action (rule, TERN_SIEVE_ACTION_MARK_READ, NULL);
  tern_sieve_rule_add_action (rule, TERN_SIEVE_ACTION_FILE_INTO, "Builds");
  g_ptr_array_add (rules->rules, rule);
  return rules;
}

static void
test_server_files_new_mail (Fixture       *f,
                            gconstpointer  data)
{
  g_autoptr(TernSieveRules) rules = builds_rule ();
  g_autoptr(TernSieveState) state = NULL;
  g_autoptr(TernSieveSettings) settings = NULL;
  g_autoptr(GError) error = NULL;
  gboolean queued = TRUE;

  g_assert_true (tern_sieve_save (f->store, f->account, rules, FALSE, FALSE, 20, &queued, &error));
  g_assert_no_error (error);
  g_assert_false (queued);
  settings = tern_sieve_store_get (f->store, f->account->id, &error);
  g_assert_false (settings->dirty);

  deliver (f, "ci@example.org", "build-1");
  deliver (f, "carol@example.net", "lunch");
  g_assert_cmpuint (tern_test_server_count_messages (f->server, "alice", "Builds", "ALL"), ==, 1);
  g_assert_cmpuint (tern_test_server_count_messages (f->server, "alice", "Builds", "SEEN FROM ci@example.org"), ==, 1);
  g_assert_cmpuint (tern_test_server_count_messages (f->server, "alice", "INBOX", "FROM carol@example.net UNSEEN"), ==, 1);
  g_assert_cmpuint (tern_test_server_count_messages (f->server, "alice", "INBOX", "FROM ci@example.org"), ==, 0);

  /* Read back from the server: Tern's rules, active under Tern's name. */
  state = tern_sieve_load (f->store, f->account, FALSE, 20, &error);
  g_assert_no_error (error);
  g_assert_true (state->from_server);
  g_assert_cmpstr (state->active_name, ==, TERN_SIEVE_SCRIPT_NAME);
  g_assert_nonnull (state->rules);
  g_assert_cmpuint (state->rules->rules->len, ==, 1);
  g_assert_cmpstr (((TernSieveRule *) state->rules->rules->pdata[0])->name, ==, "Builds");

  /* Turned off: new mail from the CI stays in INBOX. */
  ((TernSieveRule *) state->rules->rules->pdata[0])->enabled = FALSE;
  g_assert_true (tern_sieve_save (f->store, f->account, state->rules, FALSE, FALSE, 20, &queued, &error));
  g_assert_no_error (error);
  deliver (f, "ci@example.org", "build-2");
  g_assert_cmpuint (tern_test_server_count_messages (f->server, "alice", "Builds", "ALL"), ==, 1);
  g_assert_cmpuint (tern_test_server_count_messages (f->server, "alice", "INBOX", "FROM ci@example.org"), ==, 1);
}

static void
test_server_vacation (Fixture       *f,
                      gconstpointer  data)
{
  g_autoptr(TernSieveRules) rules = tern_sieve_rules_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) reply = NULL;
  g_auto(GStrv) rcpts = NULL;
  g_autofree char *mail_from = NULL;
  gboolean queued = TRUE;
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  g_autoptr(GDateTime) yesterday = g_date_time_add_days (now, -1);
  g_autoptr(GDateTime) next_week = g_date_time_add_days (now, 7);

  rules->vacation = g_new0 (TernSieveVacation, 1);
  rules->vacation->enabled = TRUE;
  rules->vacation->subject = g_strdup ("Away this week");
  rules->vacation->body = g_strdup ("I am away until Monday.\nUrgent: call the desk.");
  rules->vacation->start = g_date_time_format (yesterday, "%Y-%m-%d");
  rules->vacation->end = g_date_time_format (next_week, "%Y-%m-%d");
  rules->vacation->days = 7;
  /* Mail to the user's own address is answered; the envelope says only "alice". */
  rules->vacation->addresses = g_strsplit ("alice@example.org,alice@work.example", ",", -1);
  g_assert_true (tern_sieve_save (f->store, f->account, rules, FALSE, FALSE, 20, &queued, &error));
  g_assert_no_error (error);

  /* Pigeonhole sends the reply before it answers the delivery: counts are final here. */
  deliver (f, "bob@example.net", "one");
  g_assert_cmpuint (tern_test_server_count_submitted (f->server), ==, 1);
  deliver (f, "bob@example.net", "two");
  g_assert_cmpuint (tern_test_server_count_submitted (f->server), ==, 1);
  deliver (f, "carol@example.net", "three");
  g_assert_cmpuint (tern_test_server_count_submitted (f->server), ==, 2);

  reply = tern_test_server_dup_submitted (f->server, 0, &mail_from, &rcpts);
  g_assert_nonnull (reply);
  g_assert_cmpstr (rcpts[0], ==, "bob@example.net");
  g_assert_nonnull (g_strstr_len (g_bytes_get_data (reply, NULL), g_bytes_get_size (reply), "Subject: Away this week"));
  g_assert_nonnull (g_strstr_len (g_bytes_get_data (reply, NULL), g_bytes_get_size (reply), "Urgent: call the desk."));
  /* Every message still arrived. */
  g_assert_cmpuint (tern_test_server_count_messages (f->server, "alice", "INBOX", "ALL"), ==, 3);
}

static void
test_server_syntax_error (Fixture       *f,
                          gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TernManageSieve) conn = NULL;
  g_autoptr(GPtrArray) scripts = NULL;

  g_assert_false (tern_sieve_put_raw (f->store, f->account, "require \"fileinto\";\nif header :is \"x\" {\n", 20, &error));
  g_assert_error (error, TERN_SYNC_ERROR, TERN_SYNC_ERROR_PERMANENT);
  /* The server's own words, with where the mistake is. */
  g_assert_nonnull (strstr (error->message, "The server refused the rules: "));
  g_assert_nonnull (strstr (error->message, "line"));
  g_test_message ("%s", error->message);
  g_clear_error (&error);

  conn = connect_raw (f);
  scripts = tern_managesieve_list_scripts (conn, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (scripts->len, ==, 0);
}

static void
test_server_foreign_kept (Fixture       *f,
                          gconstpointer  data)
{
  g_autoptr(TernSieveRules) rules = builds_rule ();
  g_autoptr(TernManageSieve) conn = connect_raw (f);
  g_autoptr(TernSieveState) state = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *theirs = NULL;
  const char *roundcube = "require [\"fileinto\"];\r\nif header :contains \"subject\" \"[spam]\" { fileinto \"Junk\"; }\r\n";
  gboolean queued = FALSE;

  g_assert_true (tern_managesieve_put_script (conn, "roundcube", roundcube, &error));
  g_assert_true (tern_managesieve_set_active (conn, "roundcube", &error));
  g_assert_no_error (error);

  state = tern_sieve_load (f->store, f->account, FALSE, 20, &error);
  g_assert_no_error (error);
  g_assert_null (state->rules);
  g_assert_cmpstr (state->active_name, ==, "roundcube");
  g_assert_cmpstr (state->script, ==, roundcube);

  g_assert_false (tern_sieve_save (f->store, f->account, rules, FALSE, FALSE, 20, &queued, &error));
  g_assert_error (error, TERN_SYNC_ERROR, TERN_SYNC_ERROR_PERMANENT);
  g_assert_nonnull (strstr (error->message, "roundcube"));
  g_clear_error (&error);
  theirs = tern_managesieve_get_script (conn, "roundcube", &error);
  g_assert_cmpstr (theirs, ==, roundcube);
  deliver (f, "x@example.net", "[spam]");
  g_assert_cmpuint (tern_test_server_count_messages (f->server, "alice", "Junk", "ALL"), ==, 1);

  /* With the user's word. */
  g_assert_true (tern_sieve_push (f->store, f->account, TRUE, 20, &error));
  g_assert_no_error (error);
  g_clear_pointer (&state, tern_sieve_state_free);
  state = tern_sieve_load (f->store, f->account, FALSE, 20, &error);
  g_assert_cmpstr (state->active_name, ==, TERN_SIEVE_SCRIPT_NAME);
  g_assert_nonnull (state->rules);
}

static void
test_server_offline_queue (Fixture       *f,
                           gconstpointer  data)
{
  g_autoptr(TernSieveRules) rules = builds_rule ();
  g_autoptr(TernSieveSettings) settings = NULL;
  g_autoptr(TernSieveState) state = NULL;
  g_autoptr(GError) error = NULL;
  gboolean queued = FALSE;

  /* Offline: kept here, nothing on the server. */
  g_assert_true (tern_sieve_save (f->store, f->account, rules, TRUE, FALSE, 20, &queued, &error));
  g_assert_true (queued);
  state = tern_sieve_load (f->store, f->account, TRUE, 20, &error);
  g_assert_no_error (error);
  g_assert_true (state->pending);
  g_assert_cmpuint (state->rules->rules->len, ==, 1);
  deliver (f, "ci@example.org", "before");
  g_assert_cmpuint (tern_test_server_count_messages (f->server, "alice", "Builds", "ALL"), ==, 0);

  /* The server away: still kept, with no error for the user to act on. */
  tern_test_server_stop (f->server);
  g_assert_true (tern_sieve_push (f->store, f->account, FALSE, 5, &error) == FALSE);
  g_assert_error (error, TERN_SYNC_ERROR, TERN_SYNC_ERROR_OFFLINE);
  g_clear_error (&error);
  g_assert_true (tern_sieve_save (f->store, f->account, rules, FALSE, FALSE, 5, &queued, &error));
  g_assert_no_error (error);
  g_assert_true (queued);
  settings = tern_sieve_store_get (f->store, f->account->id, &error);
  g_assert_true (settings->dirty);
  g_assert_nonnull (settings->error);

  /* Back: uploaded, and it acts. */
  g_assert_true (tern_test_server_start (f->server, &error));
  g_assert_no_error (error);
  g_assert_true (tern_sieve_push (f->store, f->account, FALSE, 20, &error));
  g_assert_no_error (error);
  g_clear_pointer (&settings, tern_sieve_settings_free);
  settings = tern_sieve_store_get (f->store, f->account->id, &error);
  g_assert_false (settings->dirty);
  g_assert_null (settings->error);
  deliver (f, "ci@example.org", "after");
  g_assert_cmpuint (tern_test_server_count_messages (f->server, "alice", "Builds", "ALL"), ==, 1);
}

static void
test_server_certificate (Fixture       *f,
                         gconstpointer  data)
{
  g_autoptr(TernSieveRules) rules = builds_rule ();
  g_autoptr(GError) error = NULL;
  g_autoptr(TernManageSieve) conn = tern_sieve_open (f->store, f->account, 20, NULL, &error);
  g_autofree char *pin = NULL;

  /* The test CA is not trusted for this account: no login, nothing sent. */
  g_assert_null (conn);
  g_assert_error (error, TERN_SYNC_ERROR, TERN_SYNC_ERROR_CERTIFICATE);
  g_clear_error (&error);

  /* A pin the user accepted for the IMAP server holds for ManageSieve on the same host. */
  pin = tern_test_server_dup_cert_sha256 (f->server);
  g_assert_true (tern_store_set_account_pin (f->store, f->account->id, pin, &error));
  g_assert_no_error (error);
  tern_account_free (f->account);
  f->account = tern_store_get_account (f->store, "work", &error);
  conn = tern_sieve_open (f->store, f->account, 20, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (conn);
}

/* tern-cli */

#define run_cli(f, status_out, ...) tern_test_cache_run_cli ((f)->dir, (status_out), __VA_ARGS__)

static void
test_cli (Fixture       *f,
          gconstpointer  data)
{
  g_autofree char *out = NULL;
  int status = -1;

  out = run_cli (f, &status, "sync", "work", NULL);
  g_assert_true (g_spawn_check_wait_status (status, NULL));
  g_free (out);
  out = run_cli (f, &status, "rules", "work", "add", "Builds", "--from", "ci@example.org",
                 "--file-into", "Builds", "--flag", NULL);
  g_assert_true (g_spawn_check_wait_status (status, NULL));
  g_assert_nonnull (strstr (out, "Saved on the server."));
  g_free (out);
  out = run_cli (f, &status, "rules", "work", "add", "Nowhere", "--file-into", "No such folder", NULL);
  g_assert_false (g_spawn_check_wait_status (status, NULL));
  g_assert_nonnull (strstr (out, "No folder “No such folder”"));
  g_free (out);

  deliver (f, "ci@example.org", "build-9");
  g_assert_cmpuint (tern_test_server_count_messages (f->server, "alice", "Builds", "FLAGGED"), ==, 1);

  out = run_cli (f, &status, "--json", "rules", "work", NULL);
  g_assert_true (g_spawn_check_wait_status (status, NULL));
  g_assert_nonnull (strstr (out, "\"name\":\"Builds\",\"enabled\":true"));
  g_assert_nonnull (strstr (out, "From contains “ci@example.org” → star, file into “Builds”"));
  g_free (out);

  /* Offline: kept, then uploaded by the next sync. */
  out = run_cli (f, &status, "--offline", "rules", "work", "disable", "Builds", NULL);
  g_assert_true (g_spawn_check_wait_status (status, NULL));
  g_assert_nonnull (strstr (out, "go to the server when it can be reached"));
  g_free (out);
  out = run_cli (f, &status, "sync", "work", NULL);
  g_assert_true (g_spawn_check_wait_status (status, NULL));
  deliver (f, "ci@example.org", "build-10");
  g_assert_cmpuint (tern_test_server_count_messages (f->server, "alice", "INBOX", "FROM ci@example.org"), ==, 1);
}

/* OAuth2 (#18): an account that signs in with a token uses it for ManageSieve too. Tokens come
 * from the accounts layer's function, here one that hands out the test provider's access
 * tokens and keeps the last until asked to renew it (as tern-credentials does); Dovecot's
 * oauth2 passdb checks each by introspection. */
static TernTestIdp *idp;
static char *last_token;
static guint renewals;

static char *
idp_token (TernStore          *store,
           const TernAccount  *account,
           gboolean            renew,
           GError            **error)
{
  if (renew)
    renewals++;
  if (renew || last_token == NULL)
    {
      g_free (last_token);
      last_token = tern_test_idp_issue_access_token (idp);
    }
  return g_strdup (last_token);
}

static void
test_server_oauth2 (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TernTestServer) server = NULL;
  g_autoptr(TernStore) store = NULL;
  g_autoptr(TernSieveRules) rules = builds_rule ();
  g_autoptr(TernSieveState) state = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *path = NULL;
  g_autofree char *introspection = NULL;
  g_autofree char *log = NULL;
  g_autofree char *cmd = NULL;
  TernAccount account = { 0 };
  gboolean queued = TRUE;

  idp = tern_test_idp_new ("alice", &error);
  g_assert_no_error (error);
  introspection = tern_test_idp_dup_introspection_url (idp);
  g_setenv (TERN_TEST_IDP_ENV, introspection, TRUE);
  server = tern_test_server_new (TERN_TEST_SERVER_SIEVE | TERN_TEST_SERVER_OAUTH2, &error);
  g_assert_no_error (error);
  g_assert_true (tern_test_server_create_mailbox (server, "alice", "Builds", &error));
  dir = g_dir_make_tmp ("tern-sieve-oauth2-XXXXXX", &error);
  cmd = g_strdup_printf ("rm -rf '%s'", dir);
  path = g_build_filename (dir, "tern.db", NULL);
  store = tern_store_open (path, &error);
  g_assert_no_error (error);

  /* The password would work too (PLAIN is offered): it must not be used. */
  account.name = (char *) "oa";
  account.email = (char *) "alice@example.org";
  account.host = (char *) tern_test_server_get_host (server);
  account.port = tern_test_server_get_imaps_port (server);
  account.security = (char *) "tls";
  account.user = (char *) "alice";
  account.password_command = (char *) "echo secret";
  account.ca_file = (char *) tern_test_server_get_ca_file (server);
  account.auth = (char *) "oauth2";
  g_assert_true (tern_store_add_account (store, &account, &account.id, &error));
  g_assert_true (tern_sieve_store_set_server (store, account.id, NULL, tern_test_server_get_sieve_port (server),
                                              FALSE, &error));
  g_assert_no_error (error);
  tern_password_set_token_func (idp_token);

  /* Saved and listed with the token; the rule acts on new mail. */
  g_assert_true (tern_sieve_save (store, &account, rules, FALSE, FALSE, 20, &queued, &error));
  g_assert_no_error (error);
  g_assert_false (queued);
  g_assert_true (tern_test_server_deliver (server, "alice", "ci@example.org",
                                           "From: ci@example.org\r\nSubject: build\r\n\r\nok\r\n", &error));
  g_assert_cmpuint (tern_test_server_count_messages (server, "alice", "Builds", "ALL"), ==, 1);
  g_assert_true (tern_test_server_wait_log (server, "managesieve-login: Info: Login: user=<alice>, method=OAUTHBEARER", 1, 10000));
  g_assert_cmpuint (tern_test_idp_count (idp, "introspect-active"), >=, 1);
  g_assert_cmpuint (renewals, ==, 0);

  /* The token expired: refused, renewed once, and the rules read. */
  tern_test_idp_expire_access_tokens (idp);
  state = tern_sieve_load (store, &account, FALSE, 20, &error);
  g_assert_no_error (error);
  g_assert_true (state->from_server);
  g_assert_cmpuint (state->rules->rules->len, ==, 1);
  g_assert_cmpuint (renewals, ==, 1);
  g_assert_cmpuint (tern_test_idp_count (idp, "introspect-inactive"), >=, 1);

  /* Never the password: every rules login was with the token (the second one's line logged,
   * the first's before it). */
  g_assert_true (tern_test_server_wait_log (server, "managesieve-login: Info: Login: user=<alice>, method=OAUTHBEARER", 2, 10000));
  g_assert_true (g_file_get_contents (tern_test_server_get_log_file (server), &log, NULL, NULL));
  g_assert_null (strstr (log, "managesieve-login: Info: Login: user=<alice>, method=PLAIN"));

  tern_password_set_token_func (NULL);
  g_clear_pointer (&last_token, g_free);
  g_clear_pointer (&idp, tern_test_idp_free);
  g_assert_cmpint (system (cmd), ==, 0);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/sieve/rules/round-trip", test_rules_round_trip);
  g_test_add_func ("/sieve/rules/foreign", test_rules_foreign);
  g_test_add_func ("/sieve/rules/invalid", test_rules_invalid);
  g_test_add ("/sieve/server/files-new-mail", Fixture, NULL, fixture_set_up, test_server_files_new_mail, fixture_tear_down);
  g_test_add ("/sieve/server/vacation", Fixture, NULL, fixture_set_up, test_server_vacation, fixture_tear_down);
  g_test_add ("/sieve/server/syntax-error", Fixture, NULL, fixture_set_up, test_server_syntax_error, fixture_tear_down);
  g_test_add ("/sieve/server/foreign-kept", Fixture, NULL, fixture_set_up, test_server_foreign_kept, fixture_tear_down);
  g_test_add ("/sieve/server/offline-queue", Fixture, NULL, fixture_set_up, test_server_offline_queue, fixture_tear_down);
  g_test_add ("/sieve/server/certificate", Fixture, GINT_TO_POINTER (1), fixture_set_up, test_server_certificate,
              fixture_tear_down);
  g_test_add ("/sieve/cli", Fixture, NULL, fixture_set_up, test_cli, fixture_tear_down);
  g_test_add_func ("/sieve/server/oauth2", test_server_oauth2);

  return g_test_run ();
}
