/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-matrix"

#include "config.h"

#include <string.h>

#include "convergence-scenario.h"
#include "tern-test-server.h"
#include "tern-test-trace.h"

/*
 * The server matrix: the core of what the sync, journal and bodies suites check, run as a user
 * runs it (tern-cli in a child process) against every server the fixture has: Dovecot at each
 * capability level, Cyrus in both layouts and Courier. Each case gets a user of its own on the
 * server (so cases do not see each other's mail) and a fresh cache; the account points at a
 * tracing proxy, so a failure prints the IMAP conversation.
 *
 * Cases that fail on a server until an engine fix of issue #10 lands are listed in
 * expected_failures[] below, with the #10 item that fixes them: such a case is reported as
 * TODO (meson: expected failure); when it passes, the test fails until its entry is removed.
 *
 *   TERN_MATRIX_SERVERS=cyrus,courier   only these servers (names as in servers[]); under
 *                                        AddressSanitizer (ASAN_OPTIONS set, as scripts/test.sh
 *                                        does) the default is dovecot,cyrus,courier: every
 *                                        tern-cli runs several times slower there
 *   TERN_MATRIX_TRACE_DIR=DIR            write every case's trace to DIR/SERVER-CASE.log
 *   TERN_MATRIX_SEED_BASE=S              convergence seeds S, S+1, ... (default 4242)
 *   TERN_MATRIX_SEEDS=N                  convergence seeds per server (default 2 on Cyrus and
 *                                        Courier, 1 on Dovecot, whose levels test-convergence
 *                                        runs with 34 seeds each)
 */

typedef struct
{
  const char          *name;
  TernTestServerKind   kind;
  TernTestServerFlags  flags;
} MatrixServer;

static const MatrixServer servers[] = {
  { "dovecot", TERN_TEST_SERVER_DOVECOT, TERN_TEST_SERVER_FULL },
  { "dovecot-condstore", TERN_TEST_SERVER_DOVECOT, TERN_TEST_SERVER_NO_QRESYNC },
  { "dovecot-plain", TERN_TEST_SERVER_DOVECOT, TERN_TEST_SERVER_NO_CONDSTORE },
  { "dovecot-no-move", TERN_TEST_SERVER_DOVECOT, TERN_TEST_SERVER_NO_MOVE },
  { "dovecot-no-uidplus", TERN_TEST_SERVER_DOVECOT, TERN_TEST_SERVER_NO_UIDPLUS },
  { "dovecot-minimal", TERN_TEST_SERVER_DOVECOT,
    TERN_TEST_SERVER_NO_CONDSTORE | TERN_TEST_SERVER_NO_MOVE | TERN_TEST_SERVER_NO_UIDPLUS
    | TERN_TEST_SERVER_NO_IDLE },
  { "cyrus", TERN_TEST_SERVER_CYRUS, TERN_TEST_SERVER_FULL },
  { "cyrus-classic", TERN_TEST_SERVER_CYRUS_CLASSIC, TERN_TEST_SERVER_FULL },
  { "courier", TERN_TEST_SERVER_COURIER, TERN_TEST_SERVER_FULL },
};

/*
 * THE EXPECTED FAILURES: server x case -> the #10 item whose engine fix makes it pass.
 * Phase 2 removes an entry with the fix that makes its case pass (the test fails on an entry
 * whose case passes). "*" matches every server. `symptom` must be in the case's report: a
 * failure for another reason is a real failure.
 */
typedef struct
{
  const char *server;
  const char *test_case;
  const char *symptom;
  const char *item;
} ExpectedFailure;

static const ExpectedFailure expected_failures[] = {
  /* None left: every #10 item the matrix showed is fixed. A new row goes above this end. */
  { NULL, NULL, NULL, NULL },
};

typedef struct
{
  const MatrixServer *server;
  const char         *test_case;
} CaseData;

/* One server at a time: started by its first case, kept for the cases after it. */
static TernTestServer *current_server;
static const MatrixServer *current_kind;

typedef struct
{
  TernTestServer *server;
  TernTestTrace  *trace;
  const char     *cli;
  char           *dir;
  char           *data;
  char           *user;
  GString        *report;
} Ctx;

typedef gboolean (*CaseFunc) (Ctx *ctx);

#define CHECK(ctx, cond, ...) \
  G_STMT_START { \
    if (!(cond)) \
      { \
        g_string_append_printf ((ctx)->report, "%s:%d: ", __FILE__, __LINE__); \
        g_string_append_printf ((ctx)->report, __VA_ARGS__); \
        g_string_append_c ((ctx)->report, '\n'); \
        return FALSE; \
      } \
  } G_STMT_END

/* ------------------------------------------------------------------------------------------ */
/* Running tern-cli                                                                            */
/* ------------------------------------------------------------------------------------------ */

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

static gboolean
cli_v (Ctx          *ctx,
       Result       *r,
       const char   *first,
       va_list       ap)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GSubprocess) proc = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autofree char *line = NULL;

  g_ptr_array_add (argv, (char *) ctx->cli);
  g_ptr_array_add (argv, (char *) "--data-dir");
  g_ptr_array_add (argv, ctx->data);
  for (const char *arg = first; arg != NULL; arg = va_arg (ap, const char *))
    g_ptr_array_add (argv, (char *) arg);
  g_ptr_array_add (argv, NULL);

  gint64 start = g_get_monotonic_time ();

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE
                                        | G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_subprocess_launcher_setenv (launcher, "TERN_CLI_STATS", "1", TRUE);
  proc = g_subprocess_launcher_spawnv (launcher, (const char * const *) argv->pdata, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_communicate_utf8 (proc, NULL, NULL, &out, &err, &error));
  g_assert_no_error (error);
  r->out = g_steal_pointer (&out);
  r->err = g_steal_pointer (&err);
  r->status = g_subprocess_get_if_exited (proc) ? g_subprocess_get_exit_status (proc) : -1;

  line = g_strjoinv (" ", (char **) argv->pdata + 3);
  g_string_append_printf (ctx->report, "$ tern-cli %s -> %d (%.0f ms)%s%s", line, r->status,
                          (g_get_monotonic_time () - start) / 1000.0,
                          *r->err != '\0' ? "\n  stderr: " : "", r->err);
  if (*r->err == '\0' || r->err[strlen (r->err) - 1] != '\n')
    g_string_append_c (ctx->report, '\n');

  return r->status == 0;
}

/* Runs tern-cli ARGS... NULL; TRUE if it exited 0. */
static gboolean G_GNUC_NULL_TERMINATED
cli (Ctx        *ctx,
     Result     *r,
     const char *first,
     ...)
{
  va_list ap;
  gboolean ok;

  va_start (ap, first);
  ok = cli_v (ctx, r, first, ap);
  va_end (ap);

  return ok;
}


/* ------------------------------------------------------------------------------------------ */
/* Reading tern-cli's --json output (flat objects; enough for the fields used here)           */
/* ------------------------------------------------------------------------------------------ */

/* The objects of a JSON array of flat objects, each as its text. */
static GPtrArray *
json_objects (const char *json)
{
  GPtrArray *objects = g_ptr_array_new_with_free_func (g_free);
  const char *p = json;

  while ((p = strchr (p, '{')) != NULL)
    {
      const char *end = p + 1;
      gboolean in_string = FALSE;

      for (; *end != '\0'; end++)
        {
          if (in_string && *end == '\\' && end[1] != '\0')
            end++;
          else if (*end == '"')
            in_string = !in_string;
          else if (!in_string && *end == '}')
            break;
        }
      g_ptr_array_add (objects, g_strndup (p, (gsize) (end - p + 1)));
      p = *end != '\0' ? end + 1 : end;
    }

  return objects;
}

/* The value of "key" in a flat object: a string unescaped, a number or array as written. */
static char *
json_get (const char *object,
          const char *key)
{
  g_autofree char *needle = g_strdup_printf ("\"%s\":", key);
  const char *p = strstr (object, needle);
  GString *out;

  if (p == NULL)
    return NULL;
  p += strlen (needle);
  out = g_string_new (NULL);
  if (*p == '"')
    {
      for (p++; *p != '\0' && *p != '"'; p++)
        {
          if (*p == '\\' && p[1] != '\0')
            p++;
          g_string_append_c (out, *p);
        }
    }
  else if (*p == '[')
    {
      for (; *p != '\0' && *p != ']'; p++)
        {
          if (*p == '\\' && p[1] != '\0')
            p++;
          g_string_append_c (out, *p);
        }
      g_string_append_c (out, ']');
    }
  else
    {
      for (; *p != '\0' && *p != ',' && *p != '}'; p++)
        g_string_append_c (out, *p);
    }

  return g_string_free (out, FALSE);
}

static int
compare_strings (gconstpointer a,
                 gconstpointer b)
{
  return g_strcmp0 (*(const char * const *) a, *(const char * const *) b);
}

/* "[\"\\Seen\",\"kw\"]" or "\\Seen \\Flagged" -> "\\Flagged \\Seen" (sorted, no \\Recent). */
static char *
canonical_flags (const char *text)
{
  g_autofree char *copy = g_strdup (text);
  g_auto(GStrv) words = NULL;
  g_autoptr(GPtrArray) kept = g_ptr_array_new ();

  g_strdelimit (copy, "[]\",()", ' ');
  words = g_strsplit_set (copy, " ", -1);
  for (guint i = 0; words[i] != NULL; i++)
    if (*words[i] != '\0' && g_ascii_strcasecmp (words[i], "\\Recent") != 0)
      g_ptr_array_add (kept, words[i]);
  g_ptr_array_sort (kept, compare_strings);
  g_ptr_array_add (kept, NULL);

  return g_strjoinv (" ", (char **) kept->pdata);
}

/* ------------------------------------------------------------------------------------------ */
/* The server's side, read by another client                                                  */
/* ------------------------------------------------------------------------------------------ */

static TernTestClient *
other_client (Ctx *ctx)
{
  g_autoptr(GError) error = NULL;
  TernTestClient *client = tern_test_client_new (ctx->server, ctx->user, "secret", &error);

  g_assert_no_error (error);
  return client;
}

/* UID -> canonical flags of a mailbox (the neutral name, mapped). */
static GHashTable *
server_flags (Ctx        *ctx,
              const char *mailbox)
{
  g_autoptr(TernTestClient) client = other_client (ctx);
  g_autoptr(GError) error = NULL;
  g_autofree char *name = tern_test_server_dup_mailbox_name (ctx->server, mailbox);
  g_autofree char *response = NULL;
  g_auto(GStrv) lines = NULL;
  GHashTable *map = g_hash_table_new_full (g_direct_hash, g_direct_equal, NULL, g_free);

  if (!tern_test_client_command (client, NULL, &error, "EXAMINE \"%s\"", name)
      || !tern_test_client_command (client, &response, &error, "UID FETCH 1:* (UID FLAGS)"))
    {
      g_hash_table_insert (map, GUINT_TO_POINTER (0), g_strdup (error->message));
      return map;
    }

  lines = g_strsplit (response, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      const char *uid_at = strstr (lines[i], "UID ");
      const char *flags_at = strstr (lines[i], "FLAGS (");
      g_autofree char *raw = NULL;

      if (!g_str_has_prefix (lines[i], "* ") || uid_at == NULL || flags_at == NULL)
        continue;
      raw = g_strndup (flags_at + 7, (gsize) (strchr (flags_at, ')') - flags_at - 7));
      g_hash_table_insert (map, GUINT_TO_POINTER ((guint) g_ascii_strtoull (uid_at + 4, NULL, 10)),
                           canonical_flags (raw));
    }

  return map;
}

/* How many messages of a mailbox match an IMAP SEARCH, e.g. "HEADER Message-ID <x>". */
static guint
server_count (Ctx        *ctx,
              const char *mailbox,
              const char *criteria)
{
  g_autoptr(TernTestClient) client = other_client (ctx);
  g_autoptr(GError) error = NULL;
  g_autofree char *name = tern_test_server_dup_mailbox_name (ctx->server, mailbox);
  guint n = tern_test_client_count (client, name, criteria, &error);

  return error != NULL ? G_MAXUINT : n;
}

/* The cache's view of a folder (display name as tern-cli takes it): UID -> canonical flags. */
static GHashTable *
cache_flags (Ctx        *ctx,
             const char *folder)
{
  g_auto(Result) r = { 0 };
  g_autoptr(GPtrArray) objects = NULL;
  GHashTable *map = g_hash_table_new_full (g_direct_hash, g_direct_equal, NULL, g_free);

  if (!cli (ctx, &r, "--json", "list", "matrix", folder, "--limit", "100000", NULL))
    return map;
  objects = json_objects (r.out);
  for (guint i = 0; i < objects->len; i++)
    {
      g_autofree char *uid = json_get (objects->pdata[i], "uid");
      g_autofree char *flags = json_get (objects->pdata[i], "flags");

      g_hash_table_insert (map, GUINT_TO_POINTER ((guint) g_ascii_strtoull (uid, NULL, 10)),
                           canonical_flags (flags != NULL ? flags : ""));
    }

  return map;
}

/* The cache shows exactly the server's messages and flags. */
static gboolean
in_step (Ctx        *ctx,
         const char *folder,
         const char *cli_folder)
{
  g_autoptr(GHashTable) server = server_flags (ctx, folder);
  g_autoptr(GHashTable) cache = cache_flags (ctx, cli_folder);
  GHashTableIter iter;
  gpointer key, value;

  g_hash_table_iter_init (&iter, server);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      const char *cached = g_hash_table_lookup (cache, key);

      CHECK (ctx, cached != NULL, "%s: UID %u is on the server but not in the cache", folder,
             GPOINTER_TO_UINT (key));
      CHECK (ctx, g_str_equal (cached, value), "%s: UID %u: server flags \"%s\", cache \"%s\"",
             folder, GPOINTER_TO_UINT (key), (char *) value, cached);
    }
  CHECK (ctx, g_hash_table_size (cache) == g_hash_table_size (server),
         "%s: %u messages in the cache, %u on the server", folder, g_hash_table_size (cache),
         g_hash_table_size (server));

  return TRUE;
}

/* The "fetched=N" of tern-cli's stats line. */
static guint
stats_fetched (const Result *r)
{
  const char *p = strstr (r->err, "fetched=");

  return p != NULL ? (guint) g_ascii_strtoull (p + strlen ("fetched="), NULL, 10) : G_MAXUINT;
}

static guint32
append (Ctx        *ctx,
        const char *mailbox,
        const char *message_id,
        const char *subject,
        const char *body)
{
  g_autoptr(TernTestClient) client = other_client (ctx);
  g_autoptr(GError) error = NULL;
  g_autofree char *name = tern_test_server_dup_mailbox_name (ctx->server, mailbox);
  g_autofree char *message = g_strdup_printf ("From: Bob <bob@example.org>\r\n"
                                              "To: alice@example.org\r\n"
                                              "Subject: %s\r\n"
                                              "Date: Mon, 2 Feb 2026 10:00:00 +0000\r\n"
                                              "Message-ID: %s\r\n"
                                              "Content-Type: text/plain; charset=utf-8\r\n"
                                              "\r\n"
                                              "%s\r\n", subject, message_id, body);
  guint32 uid = tern_test_client_append (client, name, NULL, NULL, message, strlen (message),
                                         &error);

  g_assert_no_error (error);
  return uid;
}

/* The name tern-cli shows for a mailbox of the server (neutral name mapped), from `folders`;
 * NULL if it is not there. */
static char *
folder_arg (Ctx        *ctx,
            const char *mailbox)
{
  g_auto(Result) r = { 0 };
  g_autoptr(GPtrArray) objects = NULL;
  g_autofree char *server_name = tern_test_server_dup_mailbox_name (ctx->server, mailbox);

  if (!cli (ctx, &r, "--json", "folders", "matrix", NULL))
    return NULL;
  objects = json_objects (r.out);
  for (guint i = 0; i < objects->len; i++)
    {
      g_autofree char *name = json_get (objects->pdata[i], "server_name");

      if (g_strcmp0 (name, server_name) == 0)
        return json_get (objects->pdata[i], "name");
    }

  return NULL;
}

/* The cached messages of a folder: "message_id" -> "id". */
static GHashTable *
cache_ids (Ctx        *ctx,
           const char *folder)
{
  g_auto(Result) r = { 0 };
  g_autoptr(GPtrArray) objects = NULL;
  GHashTable *map = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);

  if (!cli (ctx, &r, "--json", "list", "matrix", folder, "--limit", "100000", NULL))
    return map;
  objects = json_objects (r.out);
  for (guint i = 0; i < objects->len; i++)
    g_hash_table_insert (map, json_get (objects->pdata[i], "message_id"),
                         json_get (objects->pdata[i], "id"));

  return map;
}

static guint
count_message_id (Ctx        *ctx,
                  const char *mailbox,
                  const char *message_id)
{
  g_autofree char *criteria = g_strdup_printf ("HEADER Message-ID \"%s\"", message_id);

  return server_count (ctx, mailbox, criteria);
}

/* ------------------------------------------------------------------------------------------ */
/* The cases                                                                                  */
/* ------------------------------------------------------------------------------------------ */

#define INBOX_N 12
#define WORK_N 6

/* A first sync mirrors the folders (names without the namespace prefix) and messages. */
static gboolean
case_first_sync (Ctx *ctx)
{
  g_auto(Result) r = { 0 };
  g_autofree char *work = NULL;

  CHECK (ctx, cli (ctx, &r, "sync", "matrix", NULL), "sync failed");
  work = folder_arg (ctx, "Work");
  CHECK (ctx, work != NULL, "Work is not in `folders`");
  if (!in_step (ctx, "INBOX", "INBOX") || !in_step (ctx, "Work", work))
    return FALSE;
  CHECK (ctx, g_str_equal (work, "Work"), "the folder Work is shown as \"%s\"", work);

  return TRUE;
}

/* Another client's flags, expunge and append reach the cache; an unchanged resync fetches
 * nothing. */
static gboolean
case_resync (Ctx *ctx)
{
  g_auto(Result) r = { 0 };
  g_auto(Result) again = { 0 };
  g_autoptr(TernTestClient) client = other_client (ctx);
  g_autoptr(GError) error = NULL;
  gboolean uidplus;

  CHECK (ctx, cli (ctx, &r, "sync", "matrix", NULL), "first sync failed");
  uidplus = strstr (tern_test_client_get_login_response (client), "UIDPLUS") != NULL;
  CHECK (ctx, tern_test_client_command (client, NULL, &error, "SELECT INBOX")
              && tern_test_client_command (client, NULL, &error, "UID STORE 1 +FLAGS (\\Flagged)")
              && tern_test_client_command (client, NULL, &error, "UID STORE 2 -FLAGS (\\Seen)")
              && tern_test_client_command (client, NULL, &error, "UID STORE 4 +FLAGS (\\Seen)")
              && tern_test_client_command (client, NULL, &error, "UID STORE 3 +FLAGS (\\Deleted)")
              && tern_test_client_command (client, NULL, &error, uidplus ? "UID EXPUNGE 3"
                                                                          : "EXPUNGE"),
         "the other client failed: %s", error->message);
  append (ctx, "INBOX", "<matrix-resync@example.org>", "Another client's message", "Hello.");

  result_clear (&r);
  CHECK (ctx, cli (ctx, &r, "sync", "matrix", NULL), "resync failed");
  if (!in_step (ctx, "INBOX", "INBOX"))
    return FALSE;

  CHECK (ctx, cli (ctx, &again, "sync", "matrix", NULL), "third sync failed");
  CHECK (ctx, stats_fetched (&again) == 0,
         "a resync with nothing new fetched %u messages' headers again", stats_fetched (&again));

  return TRUE;
}

/* Every offline action is replayed: flag, read, keyword, move, copy, delete to Trash, folder
 * create + move into it. Nothing stays pending; server and cache agree. */
static gboolean
case_offline_actions (Ctx *ctx)
{
  g_auto(Result) r = { 0 };
  g_autoptr(GHashTable) ids = NULL;
  g_autoptr(GList) keys = NULL;
  g_autofree char *work = NULL;
  g_autofree char *trash = NULL;
  const char *m[6];
  const char *id[6];
  guint i = 0;

  CHECK (ctx, cli (ctx, &r, "sync", "matrix", NULL), "first sync failed");
  work = folder_arg (ctx, "Work");
  trash = folder_arg (ctx, "Trash");
  CHECK (ctx, work != NULL && trash != NULL, "Work or Trash missing in `folders`");
  ids = cache_ids (ctx, "INBOX");
  keys = g_list_sort (g_hash_table_get_keys (ids), (GCompareFunc) g_strcmp0);
  for (GList *l = keys; l != NULL && i < 6; l = l->next, i++)
    {
      m[i] = l->data;
      id[i] = g_hash_table_lookup (ids, m[i]);
    }
  CHECK (ctx, i == 6, "only %u messages cached in INBOX", i);

#define OFFLINE(...) \
  G_STMT_START { \
    g_auto(Result) o = { 0 }; \
    CHECK (ctx, cli (ctx, &o, "--offline", __VA_ARGS__, NULL), "an offline action failed"); \
  } G_STMT_END

  OFFLINE ("flag", id[0]);
  OFFLINE ("tag", id[0], "+matrixkw");
  OFFLINE ("unread", id[1]);
  OFFLINE ("read", id[1]);
  OFFLINE ("move", id[2], work);
  OFFLINE ("delete", id[3]);
  OFFLINE ("folder", "create", "matrix", "Projects");
  OFFLINE ("move", id[4], "Projects");
  OFFLINE ("copy", id[5], work);
#undef OFFLINE

  result_clear (&r);
  CHECK (ctx, cli (ctx, &r, "sync", "matrix", NULL), "the replaying sync failed");
  result_clear (&r);
  cli (ctx, &r, "--json", "pending", "matrix", NULL);
  CHECK (ctx, g_strcmp0 (g_strstrip (r.out), "[]") == 0, "still pending: %s", r.out);

  {
    g_autofree char *flagged = g_strdup_printf ("HEADER Message-ID \"%s\" FLAGGED KEYWORD matrixkw",
                                                m[0]);
    g_autofree char *seen = g_strdup_printf ("HEADER Message-ID \"%s\" SEEN", m[1]);

    CHECK (ctx, server_count (ctx, "INBOX", flagged) == 1, "%s not \\Flagged + matrixkw", m[0]);
    CHECK (ctx, server_count (ctx, "INBOX", seen) == 1, "%s not \\Seen", m[1]);
  }
  CHECK (ctx, count_message_id (ctx, "INBOX", m[2]) == 0 && count_message_id (ctx, "Work", m[2]) == 1,
         "the move of %s to Work did not happen", m[2]);
  CHECK (ctx, count_message_id (ctx, "INBOX", m[3]) == 0 && count_message_id (ctx, "Trash", m[3]) == 1,
         "the delete of %s to Trash did not happen", m[3]);
  CHECK (ctx, count_message_id (ctx, "Projects", m[4]) == 1 && count_message_id (ctx, "INBOX", m[4]) == 0,
         "the move of %s into the new Projects did not happen", m[4]);
  CHECK (ctx, count_message_id (ctx, "INBOX", m[5]) == 1 && count_message_id (ctx, "Work", m[5]) == 1,
         "the copy of %s to Work did not happen", m[5]);

  result_clear (&r);
  CHECK (ctx, cli (ctx, &r, "sync", "matrix", NULL), "the sync after the replay failed");
  return in_step (ctx, "INBOX", "INBOX") && in_step (ctx, "Work", work)
         && in_step (ctx, "Trash", trash);
}

/* The server gives Work a new UIDVALIDITY: the cache follows with the new UIDs. */
static gboolean
case_uidvalidity (Ctx *ctx)
{
  g_auto(Result) r = { 0 };
  g_autoptr(GError) error = NULL;
  g_autofree char *work = NULL;
  guint32 uidvalidity = 0;

  CHECK (ctx, cli (ctx, &r, "sync", "matrix", NULL), "first sync failed");
  work = folder_arg (ctx, "Work");
  CHECK (ctx, work != NULL, "Work missing in `folders`");
  CHECK (ctx, tern_test_server_change_uidvalidity (ctx->server, ctx->user, "Work", &uidvalidity,
                                                   &error),
         "the fixture could not change UIDVALIDITY: %s", error->message);
  result_clear (&r);
  CHECK (ctx, cli (ctx, &r, "sync", "matrix", NULL), "the sync after the change failed");

  return in_step (ctx, "Work", work);
}

/* A word only in a body that is not cached is found by the server's search. */
static gboolean
case_search (Ctx *ctx)
{
  g_auto(Result) r = { 0 };
  g_autoptr(GPtrArray) objects = NULL;
  gboolean found = FALSE;

  append (ctx, "INBOX", "<matrix-search@example.org>", "Quarterly figures",
          "The shipment of Zanzibar quartz arrives on Monday.");
  CHECK (ctx, cli (ctx, &r, "sync", "matrix", NULL), "first sync failed");
  result_clear (&r);
  CHECK (ctx, cli (ctx, &r, "--json", "search", "matrix", "Zanzibar", NULL), "search failed");
  objects = json_objects (r.out);
  for (guint i = 0; i < objects->len; i++)
    {
      g_autofree char *subject = json_get (objects->pdata[i], "subject");

      found |= g_strcmp0 (subject, "Quarterly figures") == 0;
    }
  CHECK (ctx, found, "the server's search did not find the new message: %s", r.out);

  return TRUE;
}

/* `export --mbox` writes a file Python's mailbox.mbox reads back, every message of INBOX. */
static gboolean
case_mbox_export (Ctx *ctx)
{
  g_auto(Result) r = { 0 };
  g_autofree char *out = g_build_filename (ctx->dir, "inbox.mbox", NULL);
  g_autofree char *py_out = NULL;
  g_autofree char *py_err = NULL;
  g_autoptr(GError) error = NULL;
  int status = 0;
  const char *argv[] = {
    "python3", "-c",
    "import mailbox, sys\n"
    "box = mailbox.mbox(sys.argv[1], create=False)\n"
    "print(len([m['Message-ID'] for m in box]))\n",
    out, NULL
  };

  CHECK (ctx, cli (ctx, &r, "sync", "matrix", NULL), "first sync failed");
  result_clear (&r);
  CHECK (ctx, cli (ctx, &r, "export", "matrix", "INBOX", "--mbox", out, NULL), "export failed");
  g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, &py_out, &py_err,
                &status, &error);
  g_assert_no_error (error);
  CHECK (ctx, g_spawn_check_wait_status (status, NULL),
         "Python's mailbox.mbox cannot read the export: %s", py_err);
  CHECK (ctx, (guint) g_ascii_strtoull (py_out, NULL, 10) == INBOX_N,
         "mailbox.mbox read %s messages, not %d", g_strstrip (py_out), INBOX_N);

  return TRUE;
}

/* The randomized offline scenario of test-convergence (alice's account, through the engine,
 * not the trace proxy), a few fixed seeds per server (TERN_MATRIX_SEED_BASE moves them). */
static gboolean
case_convergence (Ctx *ctx)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ConvergenceContext) context = convergence_context_new_on_server (ctx->server, &error);
  const char *env = g_getenv ("TERN_MATRIX_SEEDS");
  guint n = env != NULL ? (guint) g_ascii_strtoull (env, NULL, 10)
             : tern_test_server_get_kind (ctx->server) == TERN_TEST_SERVER_DOVECOT ? 1 : 2;
  const char *base_env = g_getenv ("TERN_MATRIX_SEED_BASE");
  /* Fixed seeds: an expected failure must fail the same way every run. */
  guint32 base = base_env != NULL ? (guint32) g_ascii_strtoull (base_env, NULL, 10) : 4242;
  gboolean ok = TRUE;

  CHECK (ctx, context != NULL, "the convergence harness failed: %s", error->message);
  for (guint i = 0; i < n; i++)
    {
      g_autofree char *divergence = NULL;

      CHECK (ctx, convergence_run_seed (context, base + i, &divergence, &error),
             "seed %u: the harness failed: %s", base + i, error->message);
      if (divergence != NULL)
        {
          g_string_append_printf (ctx->report, "DIVERGENCE at %s\n", divergence);
          ok = FALSE;
        }
    }

  return ok;
}

static const struct
{
  const char *name;
  CaseFunc    func;
} cases[] = {
  { "first-sync", case_first_sync },
  { "resync", case_resync },
  { "offline-actions", case_offline_actions },
  { "uidvalidity", case_uidvalidity },
  { "search", case_search },
  { "mbox-export", case_mbox_export },
  { "convergence", case_convergence },
};

/* ------------------------------------------------------------------------------------------ */
/* The harness                                                                                */
/* ------------------------------------------------------------------------------------------ */

static const ExpectedFailure *
expected_failure (const char *server,
                  const char *test_case)
{
  for (guint i = 0; expected_failures[i].server != NULL; i++)
    if ((g_str_equal (expected_failures[i].server, "*")
         || g_str_equal (expected_failures[i].server, server))
        && g_str_equal (expected_failures[i].test_case, test_case))
      return &expected_failures[i];

  return NULL;
}

static const char *
user_name (const MatrixServer *server,
           const char         *test_case)
{
  /* "m" + the case's index: short, and valid for every server's user names. */
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    if (g_str_equal (cases[i].name, test_case))
      return (const char *[]) { "m0", "m1", "m2", "m3", "m4", "m5", "m6", "m7" }[i];

  g_assert_not_reached ();
}

static TernTestServer *
server_for (const MatrixServer *server)
{
  g_autoptr(GError) error = NULL;

  if (current_kind == server)
    return current_server;

  g_clear_pointer (&current_server, tern_test_server_free);
  current_kind = server;
  current_server = tern_test_server_new_kind (server->kind, server->flags, &error);
  g_assert_no_error (error);

  /* A user per case, made while the server is stopped: Dovecot's passwd-file is re-read at
   * most once a second, so adding users to a running one waits up to a second each. */
  tern_test_server_stop (current_server);
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      tern_test_server_add_user (current_server, user_name (server, cases[i].name), "secret",
                                 &error);
      g_assert_no_error (error);
    }
  tern_test_server_start (current_server, &error);
  g_assert_no_error (error);

  return current_server;
}

static void
save_trace (const CaseData *data,
            const char     *trace)
{
  const char *dir = g_getenv ("TERN_MATRIX_TRACE_DIR");
  g_autofree char *name = NULL;
  g_autofree char *path = NULL;

  if (dir == NULL || *dir == '\0')
    return;
  g_mkdir_with_parents (dir, 0755);
  name = g_strdup_printf ("%s-%s.log", data->server->name, data->test_case);
  path = g_build_filename (dir, name, NULL);
  g_file_set_contents (path, trace, -1, NULL);
}

static void
test_case (gconstpointer user_data)
{
  const CaseData *data = user_data;
  g_autoptr(GError) error = NULL;
  g_auto(Result) r = { 0 };
  g_autofree char *port = NULL;
  g_autofree char *trace = NULL;
  const ExpectedFailure *expected = expected_failure (data->server->name, data->test_case);
  Ctx ctx = { 0 };
  gboolean ok = FALSE;

  if (!tern_test_server_kind_available (data->server->kind, &error))
    {
      g_test_skip (error->message);
      return;
    }

  ctx.server = server_for (data->server);
  ctx.cli = g_getenv ("TERN_CLI");
  g_assert_nonnull (ctx.cli);
  ctx.report = g_string_new (NULL);
  ctx.user = g_strdup (user_name (data->server, data->test_case));
  tern_test_server_seed (ctx.server, ctx.user, "INBOX", INBOX_N, &error);
  g_assert_no_error (error);
  tern_test_server_seed (ctx.server, ctx.user, "Work", WORK_N, &error);
  g_assert_no_error (error);
  ctx.trace = tern_test_trace_new (ctx.server, &error);
  g_assert_no_error (error);
  ctx.dir = g_dir_make_tmp ("tern-matrix-XXXXXX", &error);
  g_assert_no_error (error);
  ctx.data = g_build_filename (ctx.dir, "data", NULL);

  port = g_strdup_printf ("%u", tern_test_trace_get_port (ctx.trace));
  if (cli (&ctx, &r, "account", "add", "matrix", "--email", "alice@example.org",
           "--host", "127.0.0.1", "--port", port, "--user", ctx.user,
           "--password-command", "echo secret",
           "--ca-file", tern_test_server_get_ca_file (ctx.server), NULL) &&
      /* The trace stays readable: COMPRESS has its own tests (test-imap-compress). */
      cli (&ctx, &r, "account", "set", "matrix", "--compress", "no", NULL))
    {
      for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
        if (g_str_equal (cases[i].name, data->test_case))
          ok = cases[i].func (&ctx);
    }

  trace = tern_test_trace_steal (ctx.trace);
  save_trace (data, trace);
  if (!ok)
    {
      gsize len = strlen (trace);
      const char *tail = len > 4000 ? trace + len - 4000 : trace;

      g_test_message ("%s / %s:\n%s--- IMAP trace (tail) ---\n%s", data->server->name,
                      data->test_case, ctx.report->str, tail);
    }

  if (ok && expected != NULL)
    g_test_fail_printf ("%s / %s passes: remove its entry (%s) from expected_failures[]",
                        data->server->name, data->test_case, expected->item);
  else if (!ok && expected != NULL && strstr (ctx.report->str, expected->symptom) != NULL)
    g_test_incomplete (expected->item);
  else if (!ok && expected != NULL)
    g_test_fail_printf ("%s / %s failed, but not with the expected \"%s\" (%s)",
                        data->server->name, data->test_case, expected->symptom, expected->item);
  else if (!ok)
    g_test_fail_printf ("%s / %s failed (see above)", data->server->name, data->test_case);

  {
    g_autofree char *cmd = g_strdup_printf ("rm -rf '%s'", ctx.dir);

    g_assert_cmpint (system (cmd), ==, 0);
  }
  tern_test_trace_free (ctx.trace);
  g_string_free (ctx.report, TRUE);
  g_free (ctx.user);
  g_free (ctx.data);
  g_free (ctx.dir);
}

int
main (int   argc,
      char *argv[])
{
  const char *only = g_getenv ("TERN_MATRIX_SERVERS");

  if (only == NULL && g_getenv ("ASAN_OPTIONS") != NULL)
    only = "dovecot,cyrus,courier";
  g_auto(GStrv) wanted = only != NULL && *only != '\0' ? g_strsplit (only, ",", -1) : NULL;
  int status;

  g_test_init (&argc, &argv, NULL);

  for (guint s = 0; s < G_N_ELEMENTS (servers); s++)
    {
      if (wanted != NULL && !g_strv_contains ((const char * const *) wanted, servers[s].name))
        continue;
      for (guint c = 0; c < G_N_ELEMENTS (cases); c++)
        {
          CaseData *data = g_new0 (CaseData, 1);
          g_autofree char *path = g_strdup_printf ("/matrix/%s/%s", servers[s].name,
                                                   cases[c].name);

          data->server = &servers[s];
          data->test_case = cases[c].name;
          g_test_add_data_func_full (path, data, test_case, g_free);
        }
    }

  status = g_test_run ();
  g_clear_pointer (&current_server, tern_test_server_free);

  return status;
}
