/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-slowlink"

#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "tern-imap-commands.h"
#include "tern-imap-connection.h"
#include "tern-store.h"
#include "tern-sync.h"
#include "tern-test-cache.h"
#include "tern-test-server.h"

/*
 * Slow links (#12), against a real Dovecot: what a slow link pays in round trips and
 * bytes. Round-trip counts are deterministic and asserted; times live in bench/.
 */

#define FOLDER "Offline"

typedef struct
{
  TernTestServer *server;
  char           *dir;
} Fixture;

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  f->server = tern_test_server_new (GPOINTER_TO_UINT (data), &error);
  g_assert_no_error (error);
  f->dir = g_dir_make_tmp ("tern-slowlink-XXXXXX", &error);
  g_assert_no_error (error);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  g_autofree char *cmd = g_strdup_printf ("rm -rf '%s'", f->dir);

  tern_test_server_free (f->server);
  g_assert_cmpint (system (cmd), ==, 0);
  g_free (f->dir);
}

/* A cache of its own (its own parts folder) with the fixture's account "test". */
static TernStore *
open_store (Fixture     *f,
            const char  *name,
            TernAccount **account_out)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_build_filename (f->dir, name, NULL);
  g_autofree char *path = g_build_filename (dir, "tern.db", NULL);
  TernStore *store;

  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  store = tern_store_open (path, &error);
  g_assert_no_error (error);
  tern_test_cache_add_server_account (store, f->server, "test", TRUE);
  *account_out = tern_store_get_account (store, "test", &error);
  g_assert_no_error (error);
  return store;
}

static TernSync *
new_sync (TernStore   *store,
          TernAccount *account)
{
  TernSync *sync = tern_sync_new (store, account);

  tern_sync_set_password (sync, "secret");
  tern_sync_set_timeout (sync, 20);
  return sync;
}

static guint
round_trips (TernSync *sync)
{
  TernSyncStats stats;

  tern_sync_get_stats (sync, &stats);
  return stats.round_trips;
}

/* Messages the batch must treat as opening them would: an alternative with an inline
 * image, an attachment name only the part's own headers spell right (RFC 2231), a large
 * attachment (a resumable download of its own), a message with nothing but an attachment. */
static void
append_special (Fixture *f)
{
  g_autofree char *big = NULL;
  g_autoptr(GString) b64 = g_string_new (NULL);
  const char *messages[] = {
    "From: Bob <bob@example.org>\r\nSubject: inline image\r\nMessage-ID: <inline@t>\r\n"
    "Date: Mon, 1 Jan 2024 10:00:00 +0000\r\nMIME-Version: 1.0\r\n"
    "Content-Type: multipart/related; boundary=\"r\"\r\n\r\n--r\r\n"
    "Content-Type: multipart/alternative; boundary=\"a\"\r\n\r\n--a\r\n"
    "Content-Type: text/plain; charset=utf-8\r\n\r\nsee the logo\r\n--a\r\n"
    "Content-Type: text/html; charset=utf-8\r\n\r\n<p>see <img src=\"cid:logo@t\"></p>\r\n--a--\r\n--r\r\n"
    "Content-Type: image/png\r\nContent-ID: <logo@t>\r\nContent-Transfer-Encoding: base64\r\n\r\n"
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==\r\n--r--\r\n",
    "From: Bob <bob@example.org>\r\nSubject: rfc2231\r\nMessage-ID: <rfc2231@t>\r\n"
    "Date: Mon, 1 Jan 2024 11:00:00 +0000\r\nMIME-Version: 1.0\r\n"
    "Content-Type: multipart/mixed; boundary=\"m\"\r\n\r\n--m\r\n"
    "Content-Type: text/plain; charset=iso-8859-1\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n"
    "Gr=FC=DFe\r\n--m\r\n"
    "Content-Type: application/pdf\r\n"
    "Content-Disposition: attachment; filename*0*=utf-8''Gr%C3%BC%C3%9Fe; filename*1*=%20aus%20K%C3%B6ln.pdf\r\n"
    "Content-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQKJeLjz9MK\r\n--m--\r\n",
    "From: Bob <bob@example.org>\r\nSubject: only an attachment\r\nMessage-ID: <only@t>\r\n"
    "Date: Mon, 1 Jan 2024 12:00:00 +0000\r\nMIME-Version: 1.0\r\n"
    "Content-Type: multipart/mixed; boundary=\"o\"\r\n\r\n--o\r\n"
    "Content-Type: application/zip; name=\"a.zip\"\r\nContent-Disposition: attachment; filename=\"a.zip\"\r\n"
    "Content-Transfer-Encoding: base64\r\n\r\nUEsFBgAAAAAAAAAAAAAAAAAAAAAAAA==\r\n--o--\r\n",
  };

  for (guint i = 0; i < G_N_ELEMENTS (messages); i++)
    tern_test_server_append_message (f->server, "alice", FOLDER, messages[i]);

  for (guint i = 0; i < 6000; i++)
    g_string_append (b64, "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWZnaGlqa2xtbm9wcXJzdHV2d3h5ejAx\r\n");
  big = g_strdup_printf ("From: Bob <bob@example.org>\r\nSubject: large attachment\r\nMessage-ID: <large@t>\r\n"
                         "Date: Mon, 1 Jan 2024 13:00:00 +0000\r\nMIME-Version: 1.0\r\n"
                         "Content-Type: multipart/mixed; boundary=\"l\"\r\n\r\n--l\r\n"
                         "Content-Type: text/plain\r\n\r\nthe big file\r\n--l\r\n"
                         "Content-Type: application/octet-stream; name=\"big.bin\"\r\n"
                         "Content-Disposition: attachment; filename=\"big.bin\"\r\n"
                         "Content-Transfer-Encoding: base64\r\n\r\n%s--l--\r\n", b64->str);
  tern_test_server_append_message (f->server, "alice", FOLDER, big);
}

/* Everything a reader would find offline about a message, as one comparable text. */
static char *
describe_offline (TernStore *store,
                  gint64     id)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TernMessage) m = tern_store_get_message (store, id, &error);
  g_autoptr(TernBody) body = tern_store_get_body (store, id, &error);
  GString *out = g_string_new (NULL);

  g_assert_nonnull (m);
  g_string_append_printf (out, "%s|", m->message_id);
  if (body != NULL)
    g_string_append_printf (out, "body %s %s [%s]|", body->section ? body->section : "-",
                            body->content_type, body->text);
  else
    g_string_append (out, "no body|");
  for (guint i = 0; m->parts != NULL && i < m->parts->len; i++)
    {
      TernPart *p = m->parts->pdata[i];
      g_autofree char *path = NULL;
      g_autofree char *contents = NULL;
      gsize length = 0;
      gboolean complete = FALSE;

      g_string_append_printf (out, "part %s %s/%s %s %s", p->section, p->type, p->subtype,
                              p->filename ? p->filename : "-", p->disposition ? p->disposition : "-");
      if (tern_store_get_part_file (store, id, p->section, &path, NULL, &complete) && complete)
        {
          g_autofree char *sum = NULL;

          g_assert_true (g_file_get_contents (path, &contents, &length, NULL));
          sum = g_compute_checksum_for_data (G_CHECKSUM_SHA256, (const guchar *) contents, length);
          g_string_append_printf (out, " file %s", sum);
        }
      g_string_append_c (out, '|');
    }
  return g_string_free (out, FALSE);
}

static int
compare_strings (gconstpointer a,
                 gconstpointer b)
{
  return strcmp (*(const char * const *) a, *(const char * const *) b);
}

static GPtrArray *
describe_folder (TernStore   *store,
                 TernAccount *account)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TernFolder) folder = tern_store_get_folder (store, account->id, FOLDER, &error);
  g_autoptr(GPtrArray) list = tern_store_list_messages (store, folder->id, 0, &error);
  GPtrArray *out = g_ptr_array_new_with_free_func (g_free);

  g_assert_no_error (error);
  for (guint i = 0; i < list->len; i++)
    g_ptr_array_add (out, describe_offline (store, ((TernMessage *) list->pdata[i])->id));
  g_ptr_array_sort (out, compare_strings);
  return out;
}

/* Makes FOLDER available offline (everything, attachments too) in a fresh cache, by a
 * prefetch or by opening each message and attachment as a reader does; returns the round
 * trips that took and what the cache holds afterwards. */
static GPtrArray *
make_available_offline (Fixture    *f,
                        const char *name,
                        gboolean    one_at_a_time,
                        guint      *trips_out,
                        guint      *fetched_out)
{
  g_autoptr(GError) error = NULL;
  TernAccount *account = NULL;
  TernStore *store = open_store (f, name, &account);
  g_autoptr(TernSync) sync = new_sync (store, account);
  g_autoptr(TernFolder) folder = NULL;
  GPtrArray *described;
  guint before;

  tern_sync_run (sync, NULL, &error);
  g_assert_no_error (error);
  folder = tern_store_get_folder (store, account->id, FOLDER, &error);
  g_assert_no_error (error);
  g_assert_true (tern_store_set_offline_policy (store, account->id, folder->id, -1, -1, 1, -1, &error));
  g_assert_no_error (error);

  before = round_trips (sync);
  if (one_at_a_time)
    {
      /* As the reader opens them: the text, then each attachment. */
      g_autoptr(GArray) ids = tern_store_list_prefetch (store, folder->id, &error);

      g_assert_no_error (error);
      for (guint i = 0; i < ids->len; i++)
        {
          gint64 id = g_array_index (ids, gint64, i);
          g_autoptr(TernMessage) m = NULL;

          g_assert_true (tern_sync_fetch_text (sync, id, &error));
          g_assert_no_error (error);
          m = tern_store_get_message (store, id, &error);
          for (guint j = 0; m->parts != NULL && j < m->parts->len; j++)
            {
              TernPart *p = m->parts->pdata[j];

              if (g_strcmp0 (p->type, "multipart") == 0 || *p->section == '\0' ||
                  (g_strcmp0 (p->type, "text") == 0 && p->disposition == NULL))
                continue;
              g_assert_true (tern_sync_fetch_part (sync, id, p->section, NULL, NULL, NULL, NULL, &error));
              g_assert_no_error (error);
            }
        }
      *fetched_out = ids->len;
    }
  else
    {
      g_assert_true (tern_sync_prefetch (sync, NULL, fetched_out, &error));
      g_assert_no_error (error);
    }
  *trips_out = round_trips (sync) - before;

  described = describe_folder (store, account);
  g_clear_pointer (&sync, tern_sync_free);
  tern_account_free (account);
  tern_store_free (store);
  return described;
}

/* Batched prefetch keeps byte for byte what asking one message at a time keeps (bodies,
 * attachment names, attachment files), in at most one round trip per 200 messages. */
static void
test_batched_prefetch (Fixture       *f,
                       gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) one = NULL;
  g_autoptr(GPtrArray) batched = NULL;
  guint one_trips = 0, batched_trips = 0, one_fetched = 0, batched_fetched = 0;
  const guint n = 1200;

  g_assert_true (tern_test_server_create_mailbox (f->server, "alice", FOLDER, &error));
  g_assert_no_error (error);
  g_assert_true (tern_test_server_seed (f->server, "alice", FOLDER, n, &error));
  g_assert_no_error (error);
  append_special (f);

  one = make_available_offline (f, "one", TRUE, &one_trips, &one_fetched);
  batched = make_available_offline (f, "batched", FALSE, &batched_trips, &batched_fetched);
  g_test_message ("%u messages: %u round trips one at a time, %u batched", batched_fetched,
                  one_trips, batched_trips);

  g_assert_cmpuint (batched_fetched, ==, n + 4);
  g_assert_cmpuint (one_fetched, ==, batched_fetched);
  g_assert_cmpuint (one->len, ==, batched->len);
  for (guint i = 0; i < one->len; i++)
    if (strcmp (one->pdata[i], batched->pdata[i]) != 0)
      {
        g_test_message ("one at a time: %.2000s", (char *) one->pdata[i]);
        g_test_message ("batched:       %.2000s", (char *) batched->pdata[i]);
        g_test_fail ();
        return;
      }

  /* At most one round trip per 200 messages (#12's target), attachments and the inline
   * image included; one at a time, at least one per message. */
  g_assert_cmpuint (batched_trips, <=, (n + 4 + 199) / 200);
  g_assert_cmpuint (one_trips, >=, n);
}

static gint64
find_message (TernStore   *store,
              TernAccount *account,
              const char  *message_id)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TernFolder) folder = tern_store_get_folder (store, account->id, FOLDER, &error);
  g_autoptr(GPtrArray) list = tern_store_list_messages (store, folder->id, 0, &error);

  for (guint i = 0; i < list->len; i++)
    if (g_strcmp0 (((TernMessage *) list->pdata[i])->message_id, message_id) == 0)
      return ((TernMessage *) list->pdata[i])->id;
  g_assert_not_reached ();
}

/* Opening a message on an open connection is one round trip: its text and the other
 * parts' own headers (for their names) in one FETCH, not one FETCH each. */
static void
test_open_message (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TernSync) sync = NULL;
  g_autoptr(TernBody) body = NULL;
  g_autoptr(TernMessage) m = NULL;
  TernAccount *account = NULL;
  TernStore *store;
  gint64 first, id;
  guint before;

  g_assert_true (tern_test_server_create_mailbox (f->server, "alice", FOLDER, &error));
  g_assert_no_error (error);
  append_special (f);
  store = open_store (f, "open", &account);
  sync = new_sync (store, account);
  tern_sync_run (sync, NULL, &error);
  g_assert_no_error (error);

  /* The folder selected by a first message; then the one with an attachment. */
  first = find_message (store, account, "<only@t>");
  g_assert_true (tern_sync_fetch_text (sync, first, &error));
  g_assert_no_error (error);

  id = find_message (store, account, "<inline@t>");
  before = round_trips (sync);
  g_assert_true (tern_sync_fetch_text (sync, id, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (round_trips (sync) - before, ==, 1 + 1 /* the small inline image */);

  id = find_message (store, account, "<rfc2231@t>");
  before = round_trips (sync);
  g_assert_true (tern_sync_fetch_text (sync, id, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (round_trips (sync) - before, ==, 1);
  body = tern_store_get_body (store, id, &error);
  g_assert_nonnull (body);
  g_assert_cmpstr (body->text, ==, "Grüße");
  m = tern_store_get_message (store, id, &error);
  g_assert_cmpstr (((TernPart *) m->parts->pdata[2])->filename, ==, "Grüße aus Köln.pdf");

  g_clear_pointer (&sync, tern_sync_free);
  tern_account_free (account);
  tern_store_free (store);
}

static void
first_progress_cb (const char *folder,
                   guint       done,
                   guint       total,
                   gpointer    user_data)
{
  char **first = user_data;

  if (*first == NULL)
    *first = g_strdup (folder);
}

typedef struct
{
  TernTestServer *server;
  guint           lists;   /* LIST commands the server had seen when the first news came */
  gboolean        seen;
  guint           count;   /* new messages reported */
} NewsBeforeList;

static void
news_before_list_cb (const TernSyncChange *change,
                     gpointer              user_data)
{
  NewsBeforeList *n = user_data;

  if (change->kind != TERN_SYNC_CHANGE_NEW)
    return;
  n->count++;
  if (n->seen)
    return;
  n->seen = TRUE;
  n->lists = tern_test_server_count_commands (n->server, "alice", "LIST");
}

/* What a sync costs in round trips (#12: an unchanged resync was 10 sequential commands,
 * five of them STATUS, and a first sync selected every folder twice, INBOX last). The
 * fixture has INBOX, Archive, Drafts, Junk, Sent, Trash and the shared Team. */
static void
test_sync_round_trips (Fixture       *f,
                       gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TernSync) sync = NULL;
  g_autofree char *first_folder = NULL;
  TernAccount *account = NULL;
  TernStore *store;
  guint before, first, resync, selects, statuses, lists;
  NewsBeforeList news = { 0 };

  g_assert_true (tern_test_server_seed (f->server, "alice", "INBOX", 300, &error));
  g_assert_no_error (error);
  store = open_store (f, "trips", &account);
  sync = new_sync (store, account);
  tern_sync_set_progress_func (sync, first_progress_cb, &first_folder);

  before = round_trips (sync);
  tern_sync_run (sync, NULL, &error);
  g_assert_no_error (error);
  first = round_trips (sync) - before;
  /* Each of the seven folders selected once, INBOX too (its fill ends in step). */
  selects = tern_test_server_count_commands (f->server, "alice", "SELECT");

  statuses = tern_test_server_count_commands (f->server, "alice", "STATUS");
  before = round_trips (sync);
  tern_sync_run (sync, NULL, &error);
  g_assert_no_error (error);
  resync = round_trips (sync) - before;
  /* LIST-STATUS answered every folder's STATUS with the LIST. */
  g_assert_cmpuint (tern_test_server_count_commands (f->server, "alice", "STATUS"), ==, statuses);
  g_test_message ("first sync %u round trips, unchanged resync %u", first, resync);

  /* INBOX's headers come first. */
  g_assert_cmpstr (first_folder, ==, "INBOX");

  /* Log in (LOGIN, ENABLE: 2; the greeting follows no command), LSUB + LIST pipelined, NAMESPACE,
   * every MYRIGHTS pipelined, INBOX (SELECT, UID SEARCH, UID FETCH: 3; nothing changed
   * during the fill, so no second SELECT), one SELECT for each of the six empty folders. */
  g_assert_cmpuint (selects, ==, 7);
  g_assert_cmpuint (first, <=, 2 + 1 + 1 + 1 + 3 + 6);
  /* The SELECT (QRESYNC) of INBOX, then LSUB + LIST-STATUS pipelined (every other folder's
   * STATUS with the LIST). */
  g_assert_cmpuint (resync, <=, 2);

  /* A resync with news: the SELECT (QRESYNC) of INBOX and the UID FETCH of the new messages'
   * headers from the UIDNEXT it had, pipelined (one round trip; 5 before: a UID SEARCH, the
   * SELECT and the FETCH one after the other), then LSUB + LIST-STATUS for the other
   * folders. INBOX's news come before the LIST (it was LIST first: a round trip more before
   * new mail shows after a reconnect). */
  tern_test_server_append_message (f->server, "alice", "INBOX",
                                   "From: bob@example.org\r\nSubject: news\r\nMessage-ID: <trips-news@t>\r\n\r\nhi\r\n");
  tern_test_server_append_message (f->server, "alice", "INBOX",
                                   "From: bob@example.org\r\nSubject: more\r\nMessage-ID: <trips-more@t>\r\n\r\nhi\r\n");
  news.server = f->server;
  lists = tern_test_server_count_commands (f->server, "alice", "LIST");
  tern_sync_set_change_func (sync, news_before_list_cb, &news);
  before = round_trips (sync);
  tern_sync_run (sync, NULL, &error);
  g_assert_no_error (error);
  tern_sync_set_change_func (sync, NULL, NULL);
  g_test_message ("resync with two new messages %u round trips", round_trips (sync) - before);
  g_assert_cmpuint (round_trips (sync) - before, ==, 2);
  g_assert_cmpuint (news.count, ==, 2);
  g_assert_true (news.seen);
  g_assert_cmpuint (news.lists, ==, lists);
  g_assert_cmpuint (tern_test_server_count_commands (f->server, "alice", "LIST"), ==, lists + 1);
  {
    g_autoptr(TernFolder) inbox = tern_store_get_folder (store, account->id, "INBOX", &error);

    g_assert_no_error (error);
    g_assert_cmpuint (tern_store_count_uids (store, inbox->id), ==, 302);
  }

  /* Nothing new: "UID FETCH 303:*" matches the last message, and CHANGEDSINCE leaves it out;
   * no message is reported (or stored) as new again. */
  memset (&news, 0, sizeof news);
  news.server = f->server;
  tern_sync_set_change_func (sync, news_before_list_cb, &news);
  before = round_trips (sync);
  tern_sync_run (sync, NULL, &error);
  g_assert_no_error (error);
  tern_sync_set_change_func (sync, NULL, NULL);
  g_assert_cmpuint (news.count, ==, 0);
  g_assert_cmpuint (round_trips (sync) - before, ==, 2);

  g_clear_pointer (&sync, tern_sync_free);
  tern_account_free (account);
  tern_store_free (store);
}

static void
count_new_cb (const TernSyncChange *change,
              gpointer              user_data)
{
  if (change->kind == TERN_SYNC_CHANGE_NEW && g_strcmp0 (change->subject, "news") == 0)
    (*(guint *) user_data)++;
}

/* New mail during IDLE: DONE and one FETCH of what EXISTS announced (#12: it was DONE, a
 * QRESYNC re-SELECT, a UID SEARCH, then the FETCH). */
static void
test_idle_new_mail (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TernSync) sync = NULL;
  g_autoptr(TernFolder) inbox = NULL;
  TernAccount *account = NULL;
  TernStore *store;
  guint before, news = 0;

  g_assert_true (tern_test_server_seed (f->server, "alice", "INBOX", 20, &error));
  g_assert_no_error (error);
  store = open_store (f, "idle", &account);
  sync = new_sync (store, account);
  tern_sync_run (sync, NULL, &error);
  g_assert_no_error (error);
  tern_sync_set_change_func (sync, count_new_cb, &news);

  /* A first short wait selects INBOX for IDLE. */
  g_assert_cmpint (tern_sync_wait_for_changes (sync, 10, NULL, &error), ==, 0);
  g_assert_no_error (error);

  tern_test_server_append_message (f->server, "alice", "INBOX",
                                   "From: bob@example.org\r\nSubject: news\r\nMessage-ID: <news@t>\r\n\r\nhi\r\n");
  before = round_trips (sync);
  g_assert_cmpint (tern_sync_wait_for_changes (sync, 30000, NULL, &error), ==, 0);
  g_assert_no_error (error);
  g_test_message ("new mail in %u round trips", round_trips (sync) - before);

  g_assert_cmpuint (news, ==, 1);
  inbox = tern_store_get_folder (store, account->id, "INBOX", &error);
  g_assert_cmpuint (inbox->server_exists, ==, 21);
  g_assert_cmpuint (tern_store_count_uids (store, inbox->id), ==, 21);
  /* IDLE (its "+"), DONE, the UID FETCH (4 before the resync stopped asking UID SEARCH for
   * what lies below the UIDNEXT it knows). */
  g_assert_cmpuint (round_trips (sync) - before, ==, 3);

  /* The cache is in step: a full resync finds nothing to do. */
  tern_sync_run (sync, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (news, ==, 1);
  g_assert_cmpuint (tern_store_count_uids (store, inbox->id), ==, 21);

  g_clear_pointer (&sync, tern_sync_free);
  tern_account_free (account);
  tern_store_free (store);
}

/* UID SEARCH with ESEARCH: a set of runs instead of every UID (#12: 589 KB at 100,000
 * messages); news in the same response (EXISTS) still reaches the connection's state. */
static void
test_esearch (Fixture       *f,
              gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) uids = NULL;
  TernImapSettings settings = {
    .host = tern_test_server_get_host (f->server),
    .port = tern_test_server_get_imaps_port (f->server),
    .security = TERN_IMAP_SECURITY_TLS,
    .user = "alice",
    .ca_file = tern_test_server_get_ca_file (f->server),
    .timeout_seconds = 20,
  };
  TernImapConnection *conn = tern_imap_connection_new (&settings);
  TernImapMailbox mailbox;
  guint64 before;

  g_assert_true (tern_test_server_seed (f->server, "alice", "INBOX", 3000, &error));
  g_assert_no_error (error);
  g_assert_true (tern_imap_connection_connect (conn, &error));
  g_assert_true (tern_imap_connection_login (conn, "secret", &error));
  g_assert_no_error (error);
  g_assert_true (tern_imap_connection_has_capability (conn, "ESEARCH"));
  g_assert_true (tern_imap_connection_select (conn, "INBOX", TRUE, NULL, &error));
  g_assert_no_error (error);

  /* Another client's message: its EXISTS comes with the search's answer (libetpan parses
   * everything but the ESEARCH line). */
  tern_test_server_append_message (f->server, "alice", "INBOX",
                                   "Subject: late\r\nMessage-ID: <late@t>\r\n\r\nlate\r\n");
  uids = tern_imap_connection_uid_search_range (conn, 1, 0, &error);
  g_assert_no_error (error);
  g_assert_true (tern_imap_connection_get_mailbox (conn, &mailbox));
  g_assert_cmpuint (mailbox.exists, ==, 3001);
  g_clear_pointer (&uids, g_array_unref);

  before = tern_imap_connection_get_bytes_read (conn);
  uids = tern_imap_connection_uid_search_range (conn, 1, 0, &error);
  g_assert_no_error (error);
  g_test_message ("3,001 UIDs in %" G_GUINT64_FORMAT " bytes",
                  tern_imap_connection_get_bytes_read (conn) - before);
  g_assert_cmpuint (uids->len, ==, 3001);
  for (guint i = 0; i < uids->len; i++)
    g_assert_cmpuint (g_array_index (uids, guint32, i), ==, i + 1);
  /* Spelled out, 3,001 UIDs are 14 KB; as runs, a line (TLS records included). */
  g_assert_cmpuint (tern_imap_connection_get_bytes_read (conn) - before, <, 400);

  /* No match: an empty set. And the connection is in step. */
  g_clear_pointer (&uids, g_array_unref);
  uids = tern_imap_connection_uid_search_range (conn, 5000, 6000, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (uids->len, ==, 0);
  g_assert_true (tern_imap_connection_noop (conn, &error));
  g_assert_no_error (error);

  tern_imap_connection_close (conn);
  tern_imap_connection_free (conn);
}

/* #14 item 12: preview lines from the server (PREVIEW, RFC 8970) instead of the texts. A
 * preview with a quote in it, one long enough for the server to send a literal, one message
 * whose text is cached already (not asked for); afterwards the connection is in step (a
 * sync, then the preview of a newer message alone). */
static void
test_server_previews (Fixture       *f,
                      gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TernAccount) account = NULL;
  g_autoptr(TernStore) store = open_store (f, "previews", &account);
  g_autoptr(TernSync) sync = NULL;
  g_autoptr(TernFolder) inbox = NULL;
  g_autoptr(GPtrArray) list = NULL;
  g_autofree char *long_text = NULL;
  g_autofree char *long_message = NULL;
  gint64 quoted = 0, lengthy = 0, read = 0;
  guint kept = 0;

  tern_test_server_append_message (f->server, "alice", "INBOX",
                                   "Subject: quoted\r\nMessage-ID: <q@t>\r\n\r\nShe said \"hello\" to me.\r\n");
  long_text = g_strnfill (300, 'w');
  long_message = g_strdup_printf ("Subject: lengthy\r\nMessage-ID: <l@t>\r\n\r\nÜber %s\r\n", long_text);
  tern_test_server_append_message (f->server, "alice", "INBOX", long_message);
  tern_test_server_append_message (f->server, "alice", "INBOX",
                                   "Subject: read\r\nMessage-ID: <r@t>\r\n\r\nAlready here.\r\n");
  sync = new_sync (store, account);
  g_assert_cmpint (tern_sync_server_offers_previews (store, account->id), ==, TERN_SYNC_OFFER_UNKNOWN);
  g_assert_true (tern_sync_run (sync, NULL, &error));
  g_assert_no_error (error);
  /* Remembered for the preferences, which say so while offline. */
  g_assert_cmpint (tern_sync_server_offers_previews (store, account->id), ==, TERN_SYNC_OFFER_YES);
  inbox = tern_store_get_folder (store, account->id, "INBOX", &error);
  list = tern_store_list_messages (store, inbox->id, 0, &error);
  g_assert_cmpuint (list->len, ==, 3);
  for (guint i = 0; i < list->len; i++)
    {
      TernMessage *m = list->pdata[i];

      if (g_strcmp0 (m->subject, "quoted") == 0)
        quoted = m->id;
      else if (g_strcmp0 (m->subject, "lengthy") == 0)
        lengthy = m->id;
      else
        read = m->id;
    }
  g_assert_true (tern_store_set_body (store, read, "1", "text/plain", "Already here.", &error));

  g_assert_true (tern_sync_fetch_previews (sync, &kept, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (kept, ==, 2);
  {
    g_autofree char *a = tern_store_dup_preview (store, quoted);
    g_autofree char *b = tern_store_dup_preview (store, lengthy);
    g_autofree char *c = tern_store_dup_preview (store, read);

    g_assert_cmpstr (a, ==, "She said \"hello\" to me.");
    g_assert_nonnull (b);
    g_assert_true (g_str_has_prefix (b, "Über www"));
    g_assert_null (c);
  }

  /* Nothing left to ask; the connection answers in step. */
  kept = 99;
  g_assert_true (tern_sync_fetch_previews (sync, &kept, &error));
  g_assert_cmpuint (kept, ==, 0);
  tern_test_server_append_message (f->server, "alice", "INBOX", "Subject: late\r\nMessage-ID: <late@t>\r\n\r\nLate.\r\n");
  g_assert_true (tern_sync_run (sync, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (tern_sync_fetch_previews (sync, &kept, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (kept, ==, 1);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  tern_sync_global_init ();

  g_test_add ("/slowlink/batched-prefetch", Fixture, GUINT_TO_POINTER (TERN_TEST_SERVER_NO_RAWLOG),
              fixture_set_up, test_batched_prefetch, fixture_tear_down);

  g_test_add ("/slowlink/open-message", Fixture, GUINT_TO_POINTER (TERN_TEST_SERVER_FULL),
              fixture_set_up, test_open_message, fixture_tear_down);

  g_test_add ("/slowlink/sync-round-trips", Fixture, GUINT_TO_POINTER (TERN_TEST_SERVER_FULL),
              fixture_set_up, test_sync_round_trips, fixture_tear_down);

  g_test_add ("/slowlink/idle-new-mail", Fixture, GUINT_TO_POINTER (TERN_TEST_SERVER_FULL),
              fixture_set_up, test_idle_new_mail, fixture_tear_down);

  g_test_add ("/slowlink/esearch", Fixture, GUINT_TO_POINTER (TERN_TEST_SERVER_FULL),
              fixture_set_up, test_esearch, fixture_tear_down);

  g_test_add ("/slowlink/server-previews", Fixture, GUINT_TO_POINTER (TERN_TEST_SERVER_FULL),
              fixture_set_up, test_server_previews, fixture_tear_down);

  return g_test_run ();
}
