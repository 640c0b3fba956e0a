/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-service-server"

#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "tern-journal.h"
#include "tern-mail-service.h"
#include "tern-store.h"
#include "tern-sync.h"
#include "tern-test-server.h"

/*
 * The mail service's set-wide actions against a real Dovecot. Mark all as read: a folder
 * of 1,000 unread messages becomes read by one call (one transaction, one undo token), one
 * undo brings them back, and the replay sends the change as ONE UID STORE over the set
 * (counted in Dovecot's rawlog), as it sends the undo of a change the server already has.
 * Empty Trash: one action, one UID EXPUNGE. Folders by display name: created under a
 * parent (modified UTF-7 on the server), moved under another, as the app asks.
 */

#define N_MESSAGES 1000

typedef struct
{
  TernTestServer  *server;
  char            *dir;
  TernStore       *store;
  TernAccount     *account;
  TernMailService *service;
} Fixture;

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TernTestClient) client = NULL;
  g_autofree char *path = NULL;
  TernAccount account = { 0 };

  f->server = tern_test_server_new (GPOINTER_TO_UINT (data), &error);
  g_assert_no_error (error);
  g_assert_true (tern_test_server_seed (f->server, "alice", "INBOX", N_MESSAGES, &error));
  g_assert_no_error (error);
  /* Every one unread, whatever the seed made of them. */
  client = tern_test_client_new (f->server, "alice", "secret", &error);
  g_assert_no_error (error);
  g_assert_true (tern_test_client_command (client, NULL, &error, "SELECT INBOX"));
  g_assert_true (tern_test_client_command (client, NULL, &error, "STORE 1:* -FLAGS.SILENT (\\Seen)"));
  g_assert_no_error (error);

  f->dir = g_dir_make_tmp ("tern-service-server-XXXXXX", &error);
  g_assert_no_error (error);
  path = g_build_filename (f->dir, "tern.db", NULL);
  f->store = tern_store_open (path, &error);
  g_assert_no_error (error);
  account.name = (char *) "alice";
  account.email = (char *) "alice@example.org";
  account.host = (char *) tern_test_server_get_host (f->server);
  account.port = tern_test_server_get_imaps_port (f->server);
  account.security = (char *) "tls";
  account.user = (char *) "alice";
  account.ca_file = (char *) tern_test_server_get_ca_file (f->server);
  g_assert_true (tern_store_add_account (f->store, &account, NULL, &error));
  g_assert_no_error (error);
  f->account = tern_store_get_account (f->store, "alice", &error);
  g_assert_no_error (error);
  f->service = tern_mail_service_new (f->store);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  g_autofree char *cmd = g_strdup_printf ("rm -rf '%s'", f->dir);

  g_clear_object (&f->service);
  tern_account_free (f->account);
  tern_store_free (f->store);
  tern_test_server_free (f->server);
  g_assert_cmpint (system (cmd), ==, 0);
  g_free (f->dir);
}

static TernSync *
new_sync (Fixture *f)
{
  TernSync *sync = tern_sync_new (f->store, f->account);

  tern_sync_set_password (sync, "secret");
  tern_sync_set_timeout (sync, 30);
  return sync;
}

static void
sync_all (Fixture *f)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TernSync) sync = new_sync (f);

  g_assert_true (tern_sync_run (sync, NULL, &error));
  g_assert_no_error (error);
}

static void
replay (Fixture *f)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TernSync) sync = new_sync (f);

  g_assert_true (tern_sync_replay (sync, &error));
  g_assert_no_error (error);
}

static gint64
inbox (Fixture *f)
{
  g_autoptr(TernFolder) folder = tern_store_get_folder (f->store, f->account->id, "INBOX", NULL);

  g_assert_nonnull (folder);
  return folder->id;
}

static guint
unread_in_cache (Fixture *f)
{
  g_autoptr(GError) error = NULL;
  guint total = 0, unread = 0;

  g_assert_true (tern_store_count_messages (f->store, inbox (f), &total, &unread, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (total, ==, N_MESSAGES);
  return unread;
}

/* How many messages the server has unread, by SEARCH UNSEEN from another client. */
static guint
unread_on_server (Fixture *f)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TernTestClient) client = tern_test_client_new (f->server, "alice", "secret", &error);
  g_autofree char *response = NULL;
  g_auto(GStrv) lines = NULL;
  guint n = 0;

  g_assert_no_error (error);
  g_assert_true (tern_test_client_command (client, NULL, &error, "EXAMINE INBOX"));
  g_assert_true (tern_test_client_command (client, &response, &error, "SEARCH UNSEEN"));
  g_assert_no_error (error);
  lines = g_strsplit (response, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    if (g_str_has_prefix (lines[i], "* SEARCH"))
      {
        g_auto(GStrv) words = g_strsplit (g_strstrip (lines[i]), " ", -1);

        n += g_strv_length (words) - 2;
      }
  return n;
}

static guint
stores_sent (Fixture *f)
{
  return tern_test_server_count_commands (f->server, "alice", "UID STORE");
}

static void
test_folder (Fixture       *f,
             gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  guint token, stores;

  sync_all (f);
  g_assert_cmpuint (unread_in_cache (f), ==, N_MESSAGES);

  /* One call: every message read, one undo token that stands for all of them. */
  token = tern_mail_service_mark_folder_read (f->service, inbox (f), &error);
  g_assert_no_error (error);
  g_assert_cmpuint (token, !=, 0);
  g_assert_cmpuint (tern_mail_service_get_token_count (f->service, token), ==, N_MESSAGES);
  g_assert_cmpuint (unread_in_cache (f), ==, 0);
  /* Nothing left to mark: no action. */
  g_assert_cmpuint (tern_mail_service_mark_folder_read (f->service, inbox (f), &error), ==, 0);
  g_assert_no_error (error);

  /* One undo brings them all back, and nothing is left for the server. */
  g_assert_true (tern_mail_service_undo_last (f->service, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (unread_in_cache (f), ==, N_MESSAGES);
  g_assert_false (tern_mail_service_can_undo (f->service));
  g_assert_cmpuint (tern_mail_service_get_queued (f->service), ==, 0);

  /* Again, and replayed: one UID STORE for the thousand. */
  token = tern_mail_service_mark_folder_read (f->service, inbox (f), &error);
  g_assert_no_error (error);
  g_assert_cmpuint (token, !=, 0);
  stores = stores_sent (f);
  replay (f);
  g_assert_cmpuint (stores_sent (f) - stores, ==, 1);
  g_assert_cmpuint (tern_mail_service_get_queued (f->service), ==, 0);
  g_assert_cmpuint (unread_on_server (f), ==, 0);
  g_assert_cmpuint (unread_in_cache (f), ==, 0);

  /* Undone once the server has it: the reverse goes as one UID STORE too. */
  g_assert_true (tern_mail_service_undo (f->service, token, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (unread_in_cache (f), ==, N_MESSAGES);
  stores = stores_sent (f);
  replay (f);
  g_assert_cmpuint (stores_sent (f) - stores, ==, 1);
  g_assert_cmpuint (unread_on_server (f), ==, N_MESSAGES);
  g_assert_cmpuint (unread_in_cache (f), ==, N_MESSAGES);
}

/* A conversation (any set of messages): one call over the set, one STORE. */
static void
test_set (Fixture       *f,
          gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) list = NULL;
  g_autoptr(GArray) ids = g_array_new (FALSE, FALSE, sizeof (gint64));
  guint token, stores;

  sync_all (f);
  list = tern_store_list_messages (f->store, inbox (f), 10, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < list->len; i++)
    g_array_append_val (ids, ((TernMessage *) list->pdata[i])->id);
  token = tern_mail_service_set_flags (f->service, ids, "\\Seen", NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (tern_mail_service_get_token_count (f->service, token), ==, 10);
  stores = stores_sent (f);
  replay (f);
  g_assert_cmpuint (stores_sent (f) - stores, ==, 1);
  g_assert_cmpuint (unread_on_server (f), ==, N_MESSAGES - 10);
}

static gint64
folder_id (Fixture    *f,
           const char *name)
{
  g_autoptr(TernFolder) folder = tern_store_get_folder (f->store, f->account->id, name, NULL);

  return folder != NULL ? folder->id : 0;
}

/* What another client sees: the response to a command after selecting mailbox (or not). */
static char *
server_says (Fixture    *f,
             const char *mailbox,
             const char *command)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TernTestClient) client = tern_test_client_new (f->server, "alice", "secret", &error);
  char *response = NULL;

  g_assert_no_error (error);
  if (mailbox != NULL)
    {
      g_autofree char *examine = NULL;

      g_assert_true (tern_test_client_command (client, &examine, &error, "EXAMINE \"%s\"", mailbox));
      g_assert_no_error (error);
      if (g_strcmp0 (command, "EXAMINE") == 0)
        return g_steal_pointer (&examine);
    }
  g_assert_true (tern_test_client_command (client, &response, &error, "%s", command));
  g_assert_no_error (error);
  return response;
}

/* Empty Trash: every message gone for good by one action, replayed as one UID EXPUNGE. */
static void
test_empty_trash (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *examine = NULL;
  gint64 trash;
  guint expunges;

  g_assert_true (tern_test_server_seed (f->server, "alice", "Trash", 50, &error));
  g_assert_no_error (error);
  sync_all (f);
  trash = folder_id (f, "Trash");
  g_assert_cmpint (trash, !=, 0);

  g_assert_cmpuint (tern_mail_service_empty_folder (f->service, trash, &error), ==, 50);
  g_assert_no_error (error);
  g_assert_cmpuint (tern_mail_service_get_queued (f->service), ==, 1);
  g_assert_false (tern_mail_service_can_undo (f->service));
  /* Empty already: nothing to do, no error. */
  g_assert_cmpuint (tern_mail_service_empty_folder (f->service, trash, &error), ==, 0);
  g_assert_no_error (error);

  expunges = tern_test_server_count_commands (f->server, "alice", "UID EXPUNGE");
  replay (f);
  g_assert_cmpuint (tern_test_server_count_commands (f->server, "alice", "UID EXPUNGE") - expunges, ==, 1);
  g_assert_cmpuint (tern_mail_service_get_queued (f->service), ==, 0);
  examine = server_says (f, "Trash", "EXAMINE");
  g_assert_nonnull (strstr (examine, "* 0 EXISTS"));
}

/* A folder named in UTF-8 under a parent, then moved under another: offline, replayed. */
static void
test_folders (Fixture       *f,
              gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *list = NULL;
  g_autoptr(TernFolder) inbox = NULL;
  g_autofree char *ideas_name = NULL;
  gint64 top = 0, ideas = 0;
  char delim;

  sync_all (f);
  inbox = tern_store_get_folder (f->store, f->account->id, "INBOX", NULL);
  delim = inbox->delimiter != NULL && *inbox->delimiter != '\0' ? inbox->delimiter[0] : '/';

  g_assert_cmpuint (tern_mail_service_folder_create_child (f->service, f->account->id, 0, "Projets", &top, &error), !=, 0);
  g_assert_no_error (error);
  g_assert_cmpuint (tern_mail_service_folder_create_child (f->service, 0, top, " Idées ", &ideas, &error), !=, 0);
  g_assert_no_error (error);
  ideas_name = g_strdup_printf ("Projets%cId&AOk-es", delim);
  g_assert_cmpint (folder_id (f, ideas_name), ==, ideas);
  /* A name with the delimiter, or none: refused, nothing queued. */
  {
    char bad[] = { 'a', delim, 'b', '\0' };

    g_assert_cmpuint (tern_mail_service_folder_create_child (f->service, 0, top, bad, NULL, &error), ==, 0);
    g_assert_error (error, TERN_JOURNAL_ERROR, TERN_JOURNAL_ERROR_INVALID);
    g_clear_error (&error);
    g_assert_cmpuint (tern_mail_service_folder_create_child (f->service, 0, top, "  ", NULL, &error), ==, 0);
    g_assert_error (error, TERN_JOURNAL_ERROR, TERN_JOURNAL_ERROR_INVALID);
    g_clear_error (&error);
  }
  /* Not into itself. */
  g_assert_cmpuint (tern_mail_service_folder_rename_to (f->service, top, ideas, "Projets", &error), ==, 0);
  g_assert_error (error, TERN_JOURNAL_ERROR, TERN_JOURNAL_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_cmpuint (tern_mail_service_get_queued (f->service), ==, 2);

  replay (f);
  g_assert_cmpuint (tern_mail_service_get_queued (f->service), ==, 0);
  list = server_says (f, NULL, "LIST \"\" \"*\"");
  g_assert_nonnull (strstr (list, ideas_name));

  /* Moved to the top, keeping its name. */
  g_assert_cmpuint (tern_mail_service_folder_rename_to (f->service, ideas, 0, "Idées", &error), !=, 0);
  g_assert_no_error (error);
  g_assert_cmpint (folder_id (f, "Id&AOk-es"), ==, ideas);
  replay (f);
  g_free (list);
  list = server_says (f, NULL, "LIST \"\" \"*\"");
  g_assert_nonnull (strstr (list, "Id&AOk-es"));
  g_assert_null (strstr (list, ideas_name));
}

static void
add (const char          *name,
     TernTestServerFlags  flags,
     void               (*func) (Fixture *, gconstpointer))
{
  g_test_add (name, Fixture, GUINT_TO_POINTER (flags), fixture_set_up, func, fixture_tear_down);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  add ("/mark-read/folder", TERN_TEST_SERVER_FULL, test_folder);
  add ("/mark-read/folder/no-condstore", TERN_TEST_SERVER_NO_CONDSTORE, test_folder);
  add ("/mark-read/set", TERN_TEST_SERVER_FULL, test_set);
  add ("/empty-trash", TERN_TEST_SERVER_FULL, test_empty_trash);
  add ("/folders", TERN_TEST_SERVER_FULL, test_folders);

  return g_test_run ();
}
