/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "tern-test-cache"

#include "config.h"

#include "tern-test-cache.h"

#include "tern-outbox.h"

static gint64
add_folder (TernStore  *store,
            gint64      account,
            const char *name,
            const char *special_use,
            const char *namespace_kind)
{
  g_autoptr(GError) error = NULL;
  TernFolder folder = { 0 };
  gint64 id = 0;

  folder.account_id = account;
  folder.name = (char *) name;
  folder.display_name = (char *) name;
  folder.delimiter = (char *) "/";
  folder.attributes = (char *) "";
  folder.special_use = (char *) special_use;
  folder.namespace_kind = (char *) namespace_kind;
  folder.subscribed = TRUE;
  folder.selectable = TRUE;
  g_assert_true (tern_store_upsert_folder (store, &folder, &id, &error));
  g_assert_no_error (error);
  return id;
}

TernStore *
tern_test_cache_new (const char       *path,
                     TernTestCacheIds *ids)
{
  g_autoptr(GError) error = NULL;
  TernStore *store = tern_store_open (path, &error);
  TernAccount account = { 0 };

  g_assert_no_error (error);
  account.name = (char *) "demo";
  account.email = (char *) "alice@example.org";
  account.host = (char *) "127.0.0.1";
  account.port = 1;
  account.security = (char *) "tls";
  account.user = (char *) "alice";
  account.password_command = (char *) "echo secret";
  g_assert_true (tern_store_add_account (store, &account, &ids->account, &error));
  g_assert_no_error (error);

  ids->inbox = add_folder (store, ids->account, "INBOX", "\\Inbox", "personal");
  ids->drafts = add_folder (store, ids->account, "Drafts", "\\Drafts", "personal");
  ids->sent = add_folder (store, ids->account, "Sent", "\\Sent", "personal");
  ids->archive = add_folder (store, ids->account, "Archive", "\\Archive", "personal");
  ids->junk = add_folder (store, ids->account, "Junk", "\\Junk", "personal");
  ids->trash = add_folder (store, ids->account, "Trash", "\\Trash", "personal");
  ids->projects = add_folder (store, ids->account, "Projects", NULL, "personal");
  ids->projects_2024 = add_folder (store, ids->account, "Projects/2024", NULL, "personal");
  ids->receipts = add_folder (store, ids->account, "Receipts", NULL, "personal");
  ids->team = add_folder (store, ids->account, "shared/bob/Team", NULL, "shared");
  return store;
}

void
tern_test_cache_add_messages (TernStore *store,
                              gint64     folder_id,
                              guint      first_uid,
                              guint      n)
{
  g_autoptr(GError) error = NULL;
  static const char *names[] = { "Ada Lovelace", "Grace Hopper", "Alan Turing", "Edsger Dijkstra",
                                 "Barbara Liskov", "Ken Thompson", "Frances Allen" };
  gint64 base = 1700000000;

  g_assert_true (tern_store_begin (store, &error));
  for (guint i = 0; i < n; i++)
    {
      guint uid = first_uid + i;
      g_autoptr(TernMessage) m = tern_message_new ();
      g_autofree char *flags = NULL;
      GString *f = g_string_new (NULL);

      if (uid % 3 == 0)
        g_string_append (f, "\\Seen ");
      if (uid % 7 == 0)
        g_string_append (f, "\\Flagged ");
      if (uid % 11 == 0)
        g_string_append (f, "\\Answered ");
      flags = g_string_free (f, FALSE);
      m->uid = uid;
      m->flags = tern_flags_canonicalize (flags);
      m->date = base + (gint64) uid * 60;
      m->internaldate = m->date;
      m->size = 2000 + uid;
      m->subject = g_strdup_printf ("Message %u about things", uid);
      m->from_name = g_strdup (names[uid % G_N_ELEMENTS (names)]);
      m->from_addr = g_strdup_printf ("person%u@example.org", (guint) (uid % G_N_ELEMENTS (names)));
      m->to_list = g_strdup ("alice@example.org");
      m->message_id = g_strdup_printf ("<m%u.%" G_GINT64_FORMAT "@example.org>", uid, folder_id);
      /* Conversations of four: each message answers the one before it. */
      if ((uid - 1) % 4 != 0)
        {
          GString *refs = g_string_new (NULL);

          for (guint r = uid - (uid - 1) % 4; r < uid; r++)
            g_string_append_printf (refs, "%s<m%u.%" G_GINT64_FORMAT "@example.org>",
                                    refs->len > 0 ? " " : "", r, folder_id);
          m->in_reply_to = g_strdup_printf ("<m%u.%" G_GINT64_FORMAT "@example.org>", uid - 1, folder_id);
          m->references = g_string_free (refs, FALSE);
        }
      m->parts = g_ptr_array_new_with_free_func ((GDestroyNotify) tern_part_free);
      {
        TernPart *p = g_new0 (TernPart, 1);

        p->section = g_strdup ("1");
        p->type = g_strdup ("text");
        p->subtype = g_strdup ("plain");
        p->charset = g_strdup ("utf-8");
        p->size = 1000;
        g_ptr_array_add (m->parts, p);
      }
      if (uid % 5 == 0)
        {
          TernPart *p = g_new0 (TernPart, 1);

          p->section = g_strdup ("2");
          p->type = g_strdup ("application");
          p->subtype = g_strdup ("pdf");
          p->encoding = g_strdup ("base64");
          p->size = 40000;
          p->disposition = g_strdup ("attachment");
          p->filename = g_strdup_printf ("report-%u.pdf", uid);
          g_ptr_array_add (m->parts, p);
        }
      g_assert_true (tern_store_insert_message (store, folder_id, m, NULL, &error));
      g_assert_no_error (error);
    }
  g_assert_true (tern_store_commit (store, &error));
  g_assert_no_error (error);
}

gint64
tern_test_cache_add_server_account (TernStore      *store,
                                    TernTestServer *server,
                                    const char     *name,
                                    gboolean        trusted)
{
  g_autoptr(GError) error = NULL;
  TernAccount account = { 0 };
  gint64 id = 0;

  account.name = (char *) name;
  account.email = (char *) "alice@example.org";
  account.host = (char *) tern_test_server_get_host (server);
  account.port = tern_test_server_get_imaps_port (server);
  account.security = (char *) "tls";
  account.user = (char *) "alice";
  account.password_command = (char *) "echo secret";
  account.ca_file = trusted ? (char *) tern_test_server_get_ca_file (server) : NULL;
  g_assert_true (tern_store_add_account (store, &account, &id, &error));
  g_assert_no_error (error);
  return id;
}

void
tern_test_cache_set_server_smtp (TernStore      *store,
                                 TernTestServer *server,
                                 gint64          account_id)
{
  g_autoptr(GError) error = NULL;
  TernSmtpSettings smtp = { 0 };

  smtp.account_id = account_id;
  smtp.port = tern_test_server_get_submissions_port (server);
  smtp.security = (char *) "tls";
  g_assert_true (tern_outbox_set_smtp (store, &smtp, &error));
  g_assert_no_error (error);
}

sqlite3 *
tern_test_cache_open_schema (const char *path,
                             int         version)
{
  sqlite3 *db = NULL;

  g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
  for (int v = 1; v <= version; v++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *file = g_strdup_printf ("%s/cache/sql/version-%03d.sql", TERN_SOURCE_DIR, v);
      g_autofree char *sql = NULL;
      g_autofree char *pragma = g_strdup_printf ("PRAGMA user_version = %d", v);

      g_assert_true (g_file_get_contents (file, &sql, NULL, &error));
      g_assert_cmpint (sqlite3_exec (db, sql, NULL, NULL, NULL), ==, SQLITE_OK);
      g_assert_cmpint (sqlite3_exec (db, pragma, NULL, NULL, NULL), ==, SQLITE_OK);
    }
  return db;
}

char *
tern_test_cache_run_cli (const char *data_dir,
                         int        *status_out,
                         const char *first,
                         ...)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autofree char *cli = g_build_filename (TERN_BUILD_DIR, "app", "tern-cli", NULL);
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autoptr(GError) error = NULL;
  va_list ap;

  g_ptr_array_add (argv, cli);
  g_ptr_array_add (argv, (char *) "--data-dir");
  g_ptr_array_add (argv, (char *) data_dir);
  va_start (ap, first);
  for (const char *arg = first; arg != NULL; arg = va_arg (ap, const char *))
    g_ptr_array_add (argv, (char *) arg);
  va_end (ap);
  g_ptr_array_add (argv, NULL);
  g_assert_true (g_spawn_sync (NULL, (char **) argv->pdata, NULL, G_SPAWN_DEFAULT, NULL, NULL,
                               &out, &err, status_out, &error));
  g_assert_no_error (error);
  g_test_message ("tern-cli %s: %s%s", first, out, err);
  return g_strconcat (out, err, NULL);
}
