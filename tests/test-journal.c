/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-journal"

#include "config.h"

#include <glib/gstdio.h>
#include <string.h>

#include "tern-journal.h"
#include "tern-store.h"
#include "tern-sync.h"
#include "tern-test-server.h"

/*
 * The offline journal against a real Dovecot: every action offline, then replayed, at each
 * capability level; chains of actions on things the server has not seen yet; conflicts
 * with another client; TRYCREATE; rights.
 */

typedef struct
{
  TernTestServer *server;
  char           *dir;
  TernStore      *store;
  TernAccount    *account;
  const char     *user;
} Fixture;

static void
open_cache (Fixture    *f,
            const char *user)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = g_build_filename (f->dir, "tern.db", NULL);
  TernAccount account = { 0 };

  f->user = user;
  f->store = tern_store_open (path, &error);
  g_assert_no_error (error);
  account.name = (char *) user;
  account.email = (char *) "someone@example.org";
  account.host = (char *) tern_test_server_get_host (f->server);
  account.port = tern_test_server_get_imaps_port (f->server);
  account.security = (char *) "tls";
  account.user = (char *) user;
  account.ca_file = (char *) tern_test_server_get_ca_file (f->server);
  g_assert_true (tern_store_add_account (f->store, &account, NULL, &error));
  g_assert_no_error (error);
  f->account = tern_store_get_account (f->store, user, &error);
  g_assert_no_error (error);
}

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  f->server = tern_test_server_new (GPOINTER_TO_UINT (data), &error);
  g_assert_no_error (error);
  f->dir = g_dir_make_tmp ("tern-journal-XXXXXX", &error);
  g_assert_no_error (error);
  open_cache (f, "alice");
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

/* Another client. */

static TernTestClient *
other (Fixture *f)
{
  g_autoptr(GError) error = NULL;
  TernTestClient *client = tern_test_client_new (f->server, "alice", "secret", &error);

  g_assert_no_error (error);
  return client;
}

static void
other_do (Fixture    *f,
          const char *select,
          const char *command)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TernTestClient) client = other (f);

  if (select != NULL)
    {
      g_assert_true (tern_test_client_command (client, NULL, &error, "SELECT \"%s\"", select));
      g_assert_no_error (error);
    }
  g_assert_true (tern_test_client_command (client, NULL, &error, "%s", command));
  g_assert_no_error (error);
}

static void
put (Fixture    *f,
     const char *mailbox,
     const char *name,
     const char *flags)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TernTestClient) client = other (f);
  g_autofree char *message = g_strdup_printf ("From: Bob <bob@example.org>\r\nTo: alice@example.org\r\n"
                                              "Subject: %s\r\nDate: Mon, 2 Feb 2026 10:00:00 +0000\r\n"
                                              "Message-ID: <%s@test>\r\n\r\nBody of %s.\r\n",
                                              name, name, name);

  tern_test_client_append (client, mailbox, flags, "02-Feb-2026 10:00:00 +0000", message,
                           strlen (message), &error);
  g_assert_no_error (error);
}

/* The server's truth for a mailbox: "<name>" -> canonical flags, one entry per message
 * ("name#2" for a second copy). */
static GHashTable *
server_state (Fixture    *f,
              const char *mailbox)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TernTestClient) client = other (f);
  g_autofree char *response = NULL;
  g_auto(GStrv) lines = NULL;
  GHashTable *state = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_autofree char *flags = NULL;

  g_assert_true (tern_test_client_command (client, NULL, &error, "EXAMINE \"%s\"", mailbox));
  g_assert_no_error (error);
  g_assert_true (tern_test_client_command (client, &response, &error,
                                           "UID FETCH 1:* (FLAGS BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)])"));
  g_assert_no_error (error);

  lines = g_strsplit (response, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      const char *line = lines[i];
      const char *at;

      if (g_str_has_prefix (line, "* ") && (at = strstr (line, "FLAGS (")) != NULL)
        {
          g_autofree char *raw = g_strndup (at + 7, strcspn (at + 7, ")"));

          g_free (flags);
          flags = tern_flags_canonicalize (raw);
        }
      else if (g_ascii_strncasecmp (line, "Message-ID: <", 13) == 0 && flags != NULL)
        {
          g_autofree char *name = g_strndup (line + 13, strcspn (line + 13, "@"));
          g_autofree char *key = g_strdup (name);

          for (guint n = 2; g_hash_table_contains (state, key); n++)
            {
              g_free (key);
              key = g_strdup_printf ("%s#%u", name, n);
            }
          g_hash_table_insert (state, g_steal_pointer (&key), g_steal_pointer (&flags));
        }
    }
  return state;
}

static const char *
server_flags_of (GHashTable *state,
                 const char *name)
{
  return g_hash_table_lookup (state, name);
}

/* A LIST/LSUB response names the mailbox (quoted or not). */
static gboolean
lists (const char *response,
       const char *name)
{
  g_auto(GStrv) lines = g_strsplit (response, "\n", -1);
  g_autofree char *quoted = g_strdup_printf ("\"%s\"", name);

  for (guint i = 0; lines[i] != NULL; i++)
    {
      const char *last = strrchr (lines[i], ' ');
      g_autofree char *word = last ? g_strstrip (g_strdup (last + 1)) : NULL;

      if (word != NULL && (strcmp (word, name) == 0 || strcmp (word, quoted) == 0))
        return TRUE;
      if (g_str_has_suffix (g_strstrip (lines[i]), quoted))
        return TRUE;
    }
  return FALSE;
}

static gint64
folder_id (Fixture    *f,
           const char *name)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TernFolder) folder = tern_store_get_folder (f->store, f->account->id, name, &error);

  g_assert_no_error (error);
  return folder->id;
}

/* Local id of the message called name (Message-ID <name@test>) shown in a folder, or 0. */
static gint64
local_id (Fixture    *f,
          const char *folder,
          const char *name)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) list = tern_store_list_messages (f->store, folder_id (f, folder), 0, &error);
  g_autofree char *mid = g_strdup_printf ("<%s@test>", name);

  g_assert_no_error (error);
  for (guint i = 0; i < list->len; i++)
    if (g_strcmp0 (((TernMessage *) list->pdata[i])->message_id, mid) == 0)
      return ((TernMessage *) list->pdata[i])->id;
  return 0;
}

static guint
shown_count (Fixture    *f,
             const char *folder)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) list = tern_store_list_messages (f->store, folder_id (f, folder), 0, &error);

  g_assert_no_error (error);
  return list->len;
}

static TernSync *
new_sync (Fixture *f)
{
  TernSync *sync = tern_sync_new (f->store, f->account);

  tern_sync_set_password (sync, "secret");
  tern_sync_set_timeout (sync, 10);
  return sync;
}

static void
sync_ok (Fixture *f)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TernSync) sync = new_sync (f);

  tern_sync_run (sync, NULL, &error);
  g_assert_no_error (error);
}

static guint
queued (Fixture *f)
{
  return tern_journal_count_queued (f->store, f->account->id, NULL);
}

/* The failed action of a kind, or NULL. */
static TernAction *
failed_action (Fixture    *f,
               const char *kind)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) list = tern_journal_list (f->store, f->account->id, &error);

  g_assert_no_error (error);
  for (guint i = 0; i < list->len; i++)
    {
      TernAction *a = list->pdata[i];

      if (g_strcmp0 (a->state, "failed") == 0 && g_strcmp0 (a->kind, kind) == 0)
        return g_ptr_array_steal_index (list, i);
    }
  return NULL;
}

/* The cache shows exactly what the server has: per folder, the same messages (by
 * Message-ID) with the same flags. */
static void
assert_cache_matches (Fixture    *f,
                      const char *mailbox)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GHashTable) server = server_state (f, mailbox);
  g_autoptr(GPtrArray) list = tern_store_list_messages (f->store, folder_id (f, mailbox), 0, &error);
  g_autoptr(GHashTable) cache = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  GHashTableIter iter;
  gpointer key, value;

  g_assert_no_error (error);
  for (guint i = 0; i < list->len; i++)
    {
      TernMessage *m = list->pdata[i];
      g_autofree char *name = g_strndup (m->message_id + 1, strcspn (m->message_id + 1, "@"));
      g_autofree char *k = g_strdup (name);

      g_assert_cmpuint (m->uid, !=, 0);
      for (guint n = 2; g_hash_table_contains (cache, k); n++)
        {
          g_free (k);
          k = g_strdup_printf ("%s#%u", name, n);
        }
      g_hash_table_insert (cache, g_steal_pointer (&k), g_strdup (m->flags));
    }
  g_hash_table_iter_init (&iter, server);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      const char *cached = g_hash_table_lookup (cache, key);

      if (cached == NULL)
        g_error ("%s: %s is on the server, not in the cache", mailbox, (char *) key);
      if (strcmp (cached, value) != 0)
        g_error ("%s: %s has “%s” on the server, “%s” in the cache", mailbox, (char *) key,
                 (char *) value, cached);
    }
  if (g_hash_table_size (cache) != g_hash_table_size (server))
    g_error ("%s: %u messages in the cache, %u on the server", mailbox,
             g_hash_table_size (cache), g_hash_table_size (server));
}

/* Every action, offline, then replayed. */
static void
test_actions (Fixture       *f,
              gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GHashTable) inbox = NULL;
  g_autoptr(GHashTable) archive = NULL;
  g_autoptr(GHashTable) sent = NULL;
  g_autoptr(GHashTable) trash = NULL;
  g_autoptr(GHashTable) made = NULL;
  gint64 m5, m7, appended, made_id;
  const char *eml = "From: Me <alice@example.org>\r\nSubject: Imported\r\n"
                    "Message-ID: <imported@test>\r\nDate: Tue, 3 Feb 2026 09:00:00 +0000\r\n"
                    "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nHello.\r\n";
  g_autoptr(GBytes) raw = g_bytes_new_static (eml, strlen (eml));
  g_autoptr(TernMessage) parsed = tern_message_new ();

  for (guint i = 1; i <= 9; i++)
    {
      g_autofree char *name = g_strdup_printf ("m%u", i);
      put (f, "INBOX", name, i == 3 ? "(\\Seen)" : NULL);
    }
  g_assert_true (tern_test_server_create_mailbox (f->server, "alice", "Old", &error));
  g_assert_true (tern_test_server_create_mailbox (f->server, "alice", "Doomed", &error));
  g_assert_true (tern_test_server_create_mailbox (f->server, "alice", "Subs", &error));
  g_assert_no_error (error);
  sync_ok (f);

  /* Offline: no connection at all from here to the replay. */
  g_assert_true (tern_journal_set_flags (f->store, local_id (f, "INBOX", "m1"), "\\Flagged", NULL, &error));
  g_assert_true (tern_journal_set_flags (f->store, local_id (f, "INBOX", "m2"), "\\Seen", NULL, &error));
  g_assert_true (tern_journal_set_flags (f->store, local_id (f, "INBOX", "m3"), NULL, "\\Seen", &error));
  g_assert_true (tern_journal_set_flags (f->store, local_id (f, "INBOX", "m4"), "$Work Urgent", NULL, &error));
  m5 = local_id (f, "INBOX", "m5");
  g_assert_true (tern_journal_move (f->store, m5, folder_id (f, "Archive"), &error));
  g_assert_cmpint (tern_journal_copy (f->store, local_id (f, "INBOX", "m6"), folder_id (f, "Sent"), &error), >, 0);
  m7 = local_id (f, "INBOX", "m7");
  g_assert_true (tern_journal_delete (f->store, m7, &error));
  g_assert_true (tern_journal_delete_permanently (f->store, local_id (f, "INBOX", "m8"), &error));
  g_assert_true (tern_journal_set_flags (f->store, local_id (f, "INBOX", "m9"), "\\Deleted", NULL, &error));
  g_assert_true (tern_journal_empty_folder (f->store, folder_id (f, "INBOX"), TRUE, &error));
  made_id = tern_journal_folder_create (f->store, f->account->id, "Made here", "Made here", "/", &error);
  g_assert_cmpint (made_id, >, 0);
  parsed->message_id = g_strdup ("<imported@test>");
  parsed->subject = g_strdup ("Imported");
  parsed->flags = g_strdup ("\\Seen");
  appended = tern_journal_append (f->store, made_id, parsed, raw, &error);
  g_assert_cmpint (appended, >, 0);
  g_assert_true (tern_journal_folder_rename (f->store, folder_id (f, "Old"), "New", "New", &error));
  g_assert_true (tern_journal_folder_delete (f->store, folder_id (f, "Doomed"), &error));
  {
    g_autoptr(TernFolder) subs = tern_store_get_folder (f->store, f->account->id, "Subs", &error);

    /* Dovecot auto-subscribes its special folders: use a plain one. */
    g_assert_true (tern_journal_folder_subscribe (f->store, subs->id, !subs->subscribed, &error));
  }
  g_assert_no_error (error);

  /* The cache shows it all at once. */
  g_assert_cmpuint (shown_count (f, "INBOX"), ==, 5);
  g_assert_cmpint (local_id (f, "Archive", "m5"), ==, m5);
  g_assert_cmpint (local_id (f, "Trash", "m7"), ==, m7);
  g_assert_cmpint (local_id (f, "Sent", "m6"), >, 0);
  g_assert_cmpint (local_id (f, "Made here", "imported"), ==, appended);
  g_assert_cmpint (queued (f), ==, 15);
  inbox = server_state (f, "INBOX");
  g_assert_cmpuint (g_hash_table_size (inbox), ==, 9);
  g_clear_pointer (&inbox, g_hash_table_unref);

  /* Back online. */
  sync_ok (f);
  g_assert_cmpint (queued (f), ==, 0);
  g_assert_null (failed_action (f, TERN_ACTION_MOVE));

  inbox = server_state (f, "INBOX");
  g_assert_cmpuint (g_hash_table_size (inbox), ==, 5);
  g_assert_cmpstr (server_flags_of (inbox, "m1"), ==, "\\Flagged");
  g_assert_cmpstr (server_flags_of (inbox, "m2"), ==, "\\Seen");
  g_assert_cmpstr (server_flags_of (inbox, "m3"), ==, "");
  g_assert_cmpstr (server_flags_of (inbox, "m4"), ==, "$Work Urgent");
  g_assert_cmpstr (server_flags_of (inbox, "m6"), ==, "");
  archive = server_state (f, "Archive");
  g_assert_nonnull (server_flags_of (archive, "m5"));
  sent = server_state (f, "Sent");
  g_assert_nonnull (server_flags_of (sent, "m6"));
  trash = server_state (f, "Trash");
  g_assert_nonnull (server_flags_of (trash, "m7"));
  g_assert_cmpuint (g_hash_table_size (trash), ==, 1);
  made = server_state (f, "Made here");
  g_assert_cmpstr (server_flags_of (made, "imported"), ==, "\\Seen");

  /* Local ids are stable across the replay: the moved and appended rows are the same. */
  g_assert_cmpint (local_id (f, "Archive", "m5"), ==, m5);
  g_assert_cmpint (local_id (f, "Trash", "m7"), ==, m7);
  g_assert_cmpint (local_id (f, "Made here", "imported"), ==, appended);

  {
    g_autoptr(TernFolder) renamed = tern_store_get_folder (f->store, f->account->id, "New", &error);
    g_autoptr(TernFolder) subs = tern_store_get_folder (f->store, f->account->id, "Subs", &error);

    g_assert_no_error (error);
    g_assert_true (subs->subscribed);
    g_assert_null (tern_store_get_folder (f->store, f->account->id, "Doomed", NULL));
    g_assert_null (tern_store_get_folder (f->store, f->account->id, "Old", NULL));
  }
  {
    g_autoptr(TernTestClient) client = other (f);
    g_autofree char *list = NULL;
    g_autofree char *lsub = NULL;

    g_assert_true (tern_test_client_command (client, &list, &error, "LIST \"\" \"*\""));
    g_assert_true (lists (list, "New"));
    g_assert_false (lists (list, "Old"));
    g_assert_false (lists (list, "Doomed"));
    g_assert_true (lists (list, "Made here"));
    g_assert_true (tern_test_client_command (client, &lsub, &error, "LSUB \"\" \"*\""));
    g_assert_true (lists (lsub, "Subs"));
  }

  assert_cache_matches (f, "INBOX");
  assert_cache_matches (f, "Archive");
  assert_cache_matches (f, "Sent");
  assert_cache_matches (f, "Trash");
  assert_cache_matches (f, "Made here");
}

/* Chains on things the server has not seen yet: every key is a local id. */
static void
test_chains (Fixture       *f,
             gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GHashTable) later = NULL;
  g_autoptr(GHashTable) inbox = NULL;
  g_autoptr(GHashTable) archive = NULL;
  g_autoptr(GHashTable) drafts = NULL;
  gint64 fresh, scratch, m1, m2, copy, draft;
  const char *eml = "From: Me <alice@example.org>\r\nSubject: Draft\r\nMessage-ID: <draft@test>\r\n\r\nWIP\r\n";
  g_autoptr(GBytes) raw = g_bytes_new_static (eml, strlen (eml));
  g_autoptr(TernMessage) parsed = tern_message_new ();

  put (f, "INBOX", "m1", NULL);
  put (f, "INBOX", "m2", NULL);
  put (f, "INBOX", "m3", NULL);
  sync_ok (f);
  m1 = local_id (f, "INBOX", "m1");
  m2 = local_id (f, "INBOX", "m2");

  /* Move m1 into a folder created offline, flag it there, then move it on. */
  fresh = tern_journal_folder_create (f->store, f->account->id, "Later", "Later", "/", &error);
  g_assert_no_error (error);
  g_assert_true (tern_journal_move (f->store, m1, fresh, &error));
  g_assert_true (tern_journal_set_flags (f->store, m1, "\\Flagged", NULL, &error));
  g_assert_true (tern_journal_move (f->store, m1, folder_id (f, "Archive"), &error));
  g_assert_true (tern_journal_set_flags (f->store, m1, "$Kept", NULL, &error));

  /* A folder created offline, mail moved into it, then the folder deleted. */
  scratch = tern_journal_folder_create (f->store, f->account->id, "Scratch", "Scratch", "/", &error);
  g_assert_true (tern_journal_move (f->store, m2, scratch, &error));
  g_assert_true (tern_journal_folder_delete (f->store, scratch, &error));

  /* A copy of m3, flagged, then moved. */
  copy = tern_journal_copy (f->store, local_id (f, "INBOX", "m3"), fresh, &error);
  g_assert_cmpint (copy, >, 0);
  g_assert_true (tern_journal_set_flags (f->store, copy, "\\Answered", NULL, &error));

  /* A draft saved offline, then moved and flagged before it was ever uploaded. */
  parsed->message_id = g_strdup ("<draft@test>");
  parsed->flags = g_strdup ("\\Draft");
  draft = tern_journal_append (f->store, folder_id (f, "INBOX"), parsed, raw, &error);
  g_assert_cmpint (draft, >, 0);
  g_assert_true (tern_journal_move (f->store, draft, folder_id (f, "Drafts"), &error));
  g_assert_true (tern_journal_set_flags (f->store, draft, "\\Seen", NULL, &error));
  g_assert_no_error (error);

  sync_ok (f);
  g_assert_cmpint (queued (f), ==, 0);
  {
    g_autoptr(GPtrArray) list = tern_journal_list (f->store, f->account->id, &error);
    g_assert_cmpuint (list->len, ==, 0);
  }

  later = server_state (f, "Later");
  g_assert_cmpuint (g_hash_table_size (later), ==, 1);
  g_assert_cmpstr (server_flags_of (later, "m3"), ==, "\\Answered");
  archive = server_state (f, "Archive");
  g_assert_cmpstr (server_flags_of (archive, "m1"), ==, "\\Flagged $Kept");
  inbox = server_state (f, "INBOX");
  g_assert_cmpuint (g_hash_table_size (inbox), ==, 1);
  g_assert_nonnull (server_flags_of (inbox, "m3"));
  drafts = server_state (f, "Drafts");
  g_assert_cmpstr (server_flags_of (drafts, "draft"), ==, "\\Seen \\Draft");

  g_assert_cmpint (local_id (f, "Archive", "m1"), ==, m1);
  g_assert_cmpint (local_id (f, "Later", "m3"), ==, copy);
  g_assert_cmpint (local_id (f, "Drafts", "draft"), ==, draft);
  assert_cache_matches (f, "INBOX");
  assert_cache_matches (f, "Archive");
  assert_cache_matches (f, "Later");
  assert_cache_matches (f, "Drafts");
}

/* Read then unread is one change; unrelated actions stay apart. */
static void
test_coalesce (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) list = NULL;
  gint64 m1;

  put (f, "INBOX", "m1", NULL);
  sync_ok (f);
  m1 = local_id (f, "INBOX", "m1");
  g_assert_true (tern_journal_set_flags (f->store, m1, "\\Seen", NULL, &error));
  g_assert_true (tern_journal_set_flags (f->store, m1, NULL, "\\Seen", &error));
  g_assert_true (tern_journal_set_flags (f->store, m1, "\\Flagged", NULL, &error));
  list = tern_journal_list (f->store, f->account->id, &error);
  g_assert_cmpuint (list->len, ==, 1);
  g_assert_cmpstr (((TernAction *) list->pdata[0])->add_flags, ==, "\\Flagged");
  g_assert_cmpstr (((TernAction *) list->pdata[0])->remove_flags, ==, "\\Seen");
  g_clear_pointer (&list, g_ptr_array_unref);

  g_assert_true (tern_journal_move (f->store, m1, folder_id (f, "Archive"), &error));
  g_assert_true (tern_journal_set_flags (f->store, m1, "\\Seen", NULL, &error));
  list = tern_journal_list (f->store, f->account->id, &error);
  g_assert_cmpuint (list->len, ==, 3);

  /* Invalid keywords are refused before anything is queued. */
  g_assert_false (tern_journal_set_flags (f->store, m1, "bad(word", NULL, &error));
  g_assert_error (error, TERN_JOURNAL_ERROR, TERN_JOURNAL_ERROR_INVALID);
}

/* Per flag: the user's change wins for the flags they touched, the server for the rest. */
static void
test_conflict_flags (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GHashTable) inbox = NULL;

  put (f, "INBOX", "m1", "(\\Flagged)");
  put (f, "INBOX", "m2", NULL);
  sync_ok (f);

  g_assert_true (tern_journal_set_flags (f->store, local_id (f, "INBOX", "m1"), "\\Seen", NULL, &error));
  g_assert_true (tern_journal_set_flags (f->store, local_id (f, "INBOX", "m2"), "$Mine", "\\Seen", &error));

  /* Meanwhile, elsewhere. */
  other_do (f, "INBOX", "UID STORE 1 -FLAGS (\\Flagged)");
  other_do (f, "INBOX", "UID STORE 1 +FLAGS ($Theirs)");
  other_do (f, "INBOX", "UID STORE 2 +FLAGS (\\Seen \\Answered)");

  sync_ok (f);
  inbox = server_state (f, "INBOX");
  g_assert_cmpstr (server_flags_of (inbox, "m1"), ==, "\\Seen $Theirs");
  g_assert_cmpstr (server_flags_of (inbox, "m2"), ==, "\\Answered $Mine");
  assert_cache_matches (f, "INBOX");
}

/* Expunged elsewhere while flagged or moved offline: dropped, visibly; nothing else changes. */
static void
test_conflict_expunged (Fixture       *f,
                        gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GHashTable) inbox = NULL;
  g_autoptr(GHashTable) archive = NULL;
  g_autoptr(TernAction) flags = NULL;
  g_autoptr(TernAction) move = NULL;

  put (f, "INBOX", "m1", NULL);
  put (f, "INBOX", "m2", NULL);
  put (f, "INBOX", "m3", NULL);
  sync_ok (f);

  g_assert_true (tern_journal_set_flags (f->store, local_id (f, "INBOX", "m1"), "\\Flagged", NULL, &error));
  g_assert_true (tern_journal_move (f->store, local_id (f, "INBOX", "m2"), folder_id (f, "Archive"), &error));
  g_assert_true (tern_journal_set_flags (f->store, local_id (f, "INBOX", "m3"), "\\Seen", NULL, &error));
  other_do (f, "INBOX", "UID STORE 1:2 +FLAGS.SILENT (\\Deleted)");
  other_do (f, "INBOX", "UID EXPUNGE 1:2");

  sync_ok (f);
  flags = failed_action (f, TERN_ACTION_FLAGS);
  move = failed_action (f, TERN_ACTION_MOVE);
  g_assert_nonnull (flags);
  g_assert_nonnull (move);
  g_assert_cmpstr (flags->error_class, ==, TERN_ACTION_PERMANENT);
  g_assert_cmpstr (move->error_class, ==, TERN_ACTION_PERMANENT);
  g_assert_nonnull (strstr (flags->error, "deleted on the server"));
  g_assert_cmpint (queued (f), ==, 0);

  inbox = server_state (f, "INBOX");
  archive = server_state (f, "Archive");
  g_assert_cmpuint (g_hash_table_size (inbox), ==, 1);
  g_assert_cmpstr (server_flags_of (inbox, "m3"), ==, "\\Seen");
  g_assert_cmpuint (g_hash_table_size (archive), ==, 0);
  assert_cache_matches (f, "INBOX");
  assert_cache_matches (f, "Archive");
}

/* A folder renamed elsewhere (same UIDVALIDITY): the actions follow it. */
static void
test_conflict_renamed (Fixture       *f,
                       gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GHashTable) renamed = NULL;

  g_assert_true (tern_test_server_create_mailbox (f->server, "alice", "Work", &error));
  put (f, "Work", "w1", NULL);
  put (f, "Work", "w2", NULL);
  sync_ok (f);

  g_assert_true (tern_journal_set_flags (f->store, local_id (f, "Work", "w1"), "\\Flagged", NULL, &error));
  g_assert_true (tern_journal_move (f->store, local_id (f, "Work", "w2"), folder_id (f, "Archive"), &error));
  other_do (f, NULL, "RENAME \"Work\" \"Work 2026\"");

  sync_ok (f);
  g_assert_cmpint (queued (f), ==, 0);
  g_assert_null (failed_action (f, TERN_ACTION_FLAGS));
  renamed = server_state (f, "Work 2026");
  g_assert_cmpstr (server_flags_of (renamed, "w1"), ==, "\\Flagged");
  g_assert_null (server_flags_of (renamed, "w2"));
  assert_cache_matches (f, "Work 2026");
  assert_cache_matches (f, "Archive");
}

/* UIDVALIDITY changed with actions pending: those on re-attached messages survive. */
static void
test_conflict_uidvalidity (Fixture       *f,
                           gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GHashTable) lists = NULL;
  g_autoptr(TernAction) failed = NULL;
  gint64 l1;

  g_assert_true (tern_test_server_create_mailbox (f->server, "alice", "Lists", &error));
  put (f, "Lists", "l1", NULL);
  put (f, "Lists", "l2", NULL);
  put (f, "Lists", "l3", NULL);
  sync_ok (f);
  l1 = local_id (f, "Lists", "l1");

  g_assert_true (tern_journal_set_flags (f->store, l1, "\\Flagged", NULL, &error));
  g_assert_true (tern_journal_set_flags (f->store, local_id (f, "Lists", "l2"), "\\Flagged", NULL, &error));
  other_do (f, "Lists", "UID STORE 2 +FLAGS.SILENT (\\Deleted)");
  other_do (f, "Lists", "UID EXPUNGE 2");
  g_assert_true (tern_test_server_change_uidvalidity (f->server, "alice", "Lists", NULL, &error));
  g_assert_no_error (error);

  sync_ok (f);
  lists = server_state (f, "Lists");
  g_assert_cmpstr (server_flags_of (lists, "l1"), ==, "\\Flagged");
  g_assert_cmpstr (server_flags_of (lists, "l3"), ==, "");
  failed = failed_action (f, TERN_ACTION_FLAGS);
  g_assert_nonnull (failed);
  g_assert_cmpint (local_id (f, "Lists", "l1"), ==, l1);
  assert_cache_matches (f, "Lists");
}

/* The target folder vanished (TRYCREATE): the move needs the user and is undone locally;
 * a message saved there is never dropped and goes up once the folder is back. */
static void
test_trycreate (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TernAction) move = NULL;
  g_autoptr(TernAction) append = NULL;
  g_autoptr(GHashTable) gone = NULL;
  const char *eml = "From: Me <alice@example.org>\r\nSubject: Note\r\nMessage-ID: <note@test>\r\n\r\nkeep me\r\n";
  g_autoptr(GBytes) raw = g_bytes_new_static (eml, strlen (eml));
  g_autoptr(TernMessage) parsed = tern_message_new ();
  gint64 m1, note;

  g_assert_true (tern_test_server_create_mailbox (f->server, "alice", "Gone", &error));
  put (f, "INBOX", "m1", NULL);
  sync_ok (f);
  m1 = local_id (f, "INBOX", "m1");

  g_assert_true (tern_journal_move (f->store, m1, folder_id (f, "Gone"), &error));
  parsed->message_id = g_strdup ("<note@test>");
  note = tern_journal_append (f->store, folder_id (f, "Gone"), parsed, raw, &error);
  g_assert_cmpint (note, >, 0);
  other_do (f, NULL, "DELETE \"Gone\"");

  sync_ok (f);
  move = failed_action (f, TERN_ACTION_MOVE);
  append = failed_action (f, TERN_ACTION_APPEND);
  g_assert_nonnull (move);
  g_assert_nonnull (append);
  g_assert_cmpstr (move->error_class, ==, TERN_ACTION_USER);
  g_assert_cmpstr (append->error_class, ==, TERN_ACTION_USER);
  /* Back where the server has it, and the note kept, not uploaded. */
  g_assert_cmpint (local_id (f, "INBOX", "m1"), ==, m1);
  g_assert_cmpint (local_id (f, "Gone", "note"), ==, note);
  {
    g_autoptr(TernMessage) m = tern_store_get_message (f->store, note, &error);
    g_autoptr(TernFolder) folder = tern_store_get_folder (f->store, f->account->id, "Gone", &error);

    g_assert_cmpuint (m->uid, ==, 0);
    g_assert_cmpint (folder->local_state, ==, 3);
  }

  /* The user recreates the folder and retries: uploaded once. */
  other_do (f, NULL, "CREATE \"Gone\"");
  g_assert_true (tern_journal_retry (f->store, append->id, &error));
  g_assert_true (tern_journal_discard (f->store, move->id, &error));
  sync_ok (f);
  g_assert_cmpint (queued (f), ==, 0);
  gone = server_state (f, "Gone");
  g_assert_cmpuint (g_hash_table_size (gone), ==, 1);
  g_assert_nonnull (server_flags_of (gone, "note"));
  g_assert_cmpint (local_id (f, "Gone", "note"), ==, note);
  assert_cache_matches (f, "Gone");
  assert_cache_matches (f, "INBOX");
}

/* Rights are checked before an action is accepted: bob may write to alice's Team folder
 * (lrwi) but not delete from it or mark it seen. */
static void
test_rights (Fixture       *f,
             gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TernFolder) team = NULL;
  g_autoptr(GPtrArray) list = NULL;
  gint64 id;

  put (f, "Team", "t1", NULL);
  tern_account_free (f->account);
  tern_store_free (f->store);
  {
    g_autofree char *path = g_build_filename (f->dir, "tern.db", NULL);
    g_unlink (path);
  }
  open_cache (f, "bob");
  sync_ok (f);

  team = tern_store_get_folder (f->store, f->account->id, "shared/alice/Team", &error);
  g_assert_no_error (error);
  g_assert_nonnull (team->myrights);
  list = tern_store_list_messages (f->store, team->id, 0, &error);
  g_assert_cmpuint (list->len, ==, 1);
  id = ((TernMessage *) list->pdata[0])->id;

  g_assert_false (tern_journal_delete (f->store, id, &error));
  g_assert_error (error, TERN_JOURNAL_ERROR, TERN_JOURNAL_ERROR_NOT_ALLOWED);
  g_clear_error (&error);
  g_assert_false (tern_journal_move (f->store, id, folder_id (f, "INBOX"), &error));
  g_assert_error (error, TERN_JOURNAL_ERROR, TERN_JOURNAL_ERROR_NOT_ALLOWED);
  g_clear_error (&error);
  g_assert_false (tern_journal_folder_delete (f->store, team->id, &error));
  g_assert_error (error, TERN_JOURNAL_ERROR, TERN_JOURNAL_ERROR_NOT_ALLOWED);
  g_clear_error (&error);
  g_assert_cmpint (queued (f), ==, 0);

  /* \Flagged needs only "w": allowed, and it reaches the server. */
  g_assert_true (tern_journal_set_flags (f->store, id, "\\Flagged", NULL, &error));
  g_assert_no_error (error);
  sync_ok (f);
  g_assert_cmpint (queued (f), ==, 0);
  g_assert_null (failed_action (f, TERN_ACTION_FLAGS));
}

/* Deleting with the account set to expunge (or without Trash): \Deleted + UID EXPUNGE. */
static void
test_delete_expunge_mode (Fixture       *f,
                          gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GHashTable) inbox = NULL;
  g_autoptr(GHashTable) trash = NULL;

  put (f, "INBOX", "m1", NULL);
  put (f, "INBOX", "m2", NULL);
  put (f, "INBOX", "keep", "(\\Deleted)"); /* marked by someone else: must survive */
  sync_ok (f);
  g_assert_true (tern_store_set_account_delete_mode (f->store, f->account->id, "expunge", &error));
  g_assert_true (tern_journal_delete (f->store, local_id (f, "INBOX", "m1"), &error));
  g_assert_cmpuint (shown_count (f, "INBOX"), ==, 2);

  sync_ok (f);
  inbox = server_state (f, "INBOX");
  trash = server_state (f, "Trash");
  /* Without UID EXPUNGE too: "keep", which another client only marked, is unmarked around
   * the EXPUNGE and marked again (#10.4); m1 is gone. */
  g_assert_null (server_flags_of (inbox, "m1"));
  g_assert_nonnull (server_flags_of (inbox, "m2"));
  g_assert_cmpstr (server_flags_of (inbox, "keep"), ==, "\\Deleted");
  g_assert_cmpuint (g_hash_table_size (trash), ==, 0);
  assert_cache_matches (f, "INBOX");
}

/* A move without MOVE and without UIDPLUS is COPY, \Deleted, EXPUNGE: another client's
 * \Deleted message in the source used to stop the EXPUNGE, and the move silently became a
 * copy (#10.4). It completes, and the other message is still only marked. */
static void
test_move_beside_foreign_deleted (Fixture       *f,
                                  gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GHashTable) inbox = NULL;
  g_autoptr(GHashTable) archive = NULL;

  put (f, "INBOX", "m1", "(\\Seen)");
  put (f, "INBOX", "m2", NULL);
  put (f, "INBOX", "keep", "(\\Deleted)");
  sync_ok (f);
  g_assert_true (tern_journal_move (f->store, local_id (f, "INBOX", "m1"), folder_id (f, "Archive"), &error));
  g_assert_no_error (error);
  sync_ok (f);
  g_assert_cmpuint (queued (f), ==, 0);
  inbox = server_state (f, "INBOX");
  archive = server_state (f, "Archive");
  g_assert_null (server_flags_of (inbox, "m1"));
  g_assert_cmpstr (server_flags_of (archive, "m1"), ==, "\\Seen");
  g_assert_cmpstr (server_flags_of (inbox, "keep"), ==, "\\Deleted");
  g_assert_nonnull (server_flags_of (inbox, "m2"));
  sync_ok (f);
  g_assert_cmpint (local_id (f, "INBOX", "m1"), ==, 0);
  g_assert_cmpint (local_id (f, "Archive", "m1"), >, 0);
  assert_cache_matches (f, "INBOX");
}

/* The journal survives a closed and reopened cache (a quit, a crash) unchanged. */
static void
test_durable (Fixture       *f,
              gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) list = NULL;
  g_autofree char *path = g_build_filename (f->dir, "tern.db", NULL);

  put (f, "INBOX", "m1", NULL);
  sync_ok (f);
  g_assert_true (tern_journal_set_flags (f->store, local_id (f, "INBOX", "m1"), "\\Flagged", NULL, &error));
  g_assert_true (tern_journal_move (f->store, local_id (f, "INBOX", "m1"), folder_id (f, "Archive"), &error));
  tern_store_free (f->store);
  f->store = tern_store_open (path, &error);
  g_assert_no_error (error);
  list = tern_journal_list (f->store, f->account->id, &error);
  g_assert_cmpuint (list->len, ==, 2);
  g_assert_cmpint (local_id (f, "Archive", "m1"), >, 0);
}

/* Issue 10, 5: a folder the server refuses to create (here a name too long for Dovecot)
 * and a move into it both fail; discarding the creation removes the local folder and the
 * failed move, and the message is back where the server has it. */
static void
test_discard_created_folder (Fixture       *f,
                             gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TernSync) sync = NULL;
  g_autoptr(TernAction) create = NULL;
  g_autoptr(TernAction) move = NULL;
  g_autoptr(GPtrArray) list = NULL;
  g_autofree char *name = g_strnfill (300, 'x');
  g_autoptr(TernFolder) kept = NULL;
  gint64 m1, refused, other_folder;

  put (f, "INBOX", "m1", NULL);
  sync_ok (f);
  m1 = local_id (f, "INBOX", "m1");

  refused = tern_journal_folder_create (f->store, f->account->id, name, name, "/", &error);
  g_assert_no_error (error);
  g_assert_true (tern_journal_move (f->store, m1, refused, &error));
  g_assert_no_error (error);
  /* One the server takes: untouched by the other's discard. */
  other_folder = tern_journal_folder_create (f->store, f->account->id, "Kept", "Kept", "/", &error);
  g_assert_cmpint (other_folder, >, 0);

  sync = new_sync (f);
  tern_sync_run (sync, NULL, NULL);
  create = failed_action (f, TERN_ACTION_FOLDER_CREATE);
  g_assert_nonnull (create);
  move = failed_action (f, TERN_ACTION_MOVE);
  g_assert_nonnull (move);
  /* The failed move was undone: m1 shows in INBOX again; the folder is still listed. */
  g_assert_cmpint (local_id (f, "INBOX", "m1"), ==, m1);
  {
    g_autoptr(TernFolder) lingering = tern_store_get_folder_by_id (f->store, refused, NULL);

    g_assert_nonnull (lingering);
  }

  g_assert_true (tern_journal_discard (f->store, create->id, &error));
  g_assert_no_error (error);
  {
    g_autoptr(TernFolder) gone = tern_store_get_folder_by_id (f->store, refused, NULL);

    g_assert_null (gone);
  }
  list = tern_journal_list (f->store, f->account->id, &error);
  g_assert_cmpuint (list->len, ==, 0);
  g_assert_cmpint (local_id (f, "INBOX", "m1"), ==, m1);
  kept = tern_store_get_folder_by_id (f->store, other_folder, NULL);
  g_assert_nonnull (kept);
  assert_cache_matches (f, "INBOX");
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

  add ("/journal/actions/full", TERN_TEST_SERVER_FULL, test_actions);
  add ("/journal/actions/no-move", TERN_TEST_SERVER_NO_MOVE, test_actions);
  add ("/journal/actions/no-uidplus", TERN_TEST_SERVER_NO_UIDPLUS, test_actions);
  add ("/journal/actions/no-condstore", TERN_TEST_SERVER_NO_CONDSTORE, test_actions);
  add ("/journal/actions/no-move-no-uidplus", TERN_TEST_SERVER_NO_MOVE | TERN_TEST_SERVER_NO_UIDPLUS,
       test_actions);
  add ("/journal/chains/full", TERN_TEST_SERVER_FULL, test_chains);
  add ("/journal/chains/no-uidplus", TERN_TEST_SERVER_NO_UIDPLUS, test_chains);
  add ("/journal/coalesce", TERN_TEST_SERVER_FULL, test_coalesce);
  add ("/journal/conflict/flags", TERN_TEST_SERVER_FULL, test_conflict_flags);
  add ("/journal/conflict/flags-no-condstore", TERN_TEST_SERVER_NO_CONDSTORE, test_conflict_flags);
  add ("/journal/conflict/expunged", TERN_TEST_SERVER_FULL, test_conflict_expunged);
  add ("/journal/conflict/expunged-no-move", TERN_TEST_SERVER_NO_MOVE, test_conflict_expunged);
  add ("/journal/conflict/renamed", TERN_TEST_SERVER_FULL, test_conflict_renamed);
  add ("/journal/conflict/uidvalidity", TERN_TEST_SERVER_FULL, test_conflict_uidvalidity);
  add ("/journal/trycreate", TERN_TEST_SERVER_FULL, test_trycreate);
  add ("/journal/rights", TERN_TEST_SERVER_FULL, test_rights);
  add ("/journal/delete-expunge-mode", TERN_TEST_SERVER_FULL, test_delete_expunge_mode);
  add ("/journal/delete-expunge-mode/no-uidplus", TERN_TEST_SERVER_NO_UIDPLUS, test_delete_expunge_mode);
  add ("/journal/durable", TERN_TEST_SERVER_FULL, test_durable);
  add ("/journal/discard-created-folder", TERN_TEST_SERVER_FULL, test_discard_created_folder);
  add ("/journal/move-beside-foreign-deleted/no-move-no-uidplus",
       TERN_TEST_SERVER_NO_MOVE | TERN_TEST_SERVER_NO_UIDPLUS, test_move_beside_foreign_deleted);

  return g_test_run ();
}
