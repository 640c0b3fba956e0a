/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <sqlite3.h>

#include "tern-identity.h"
#include "tern-test-cache.h"

typedef struct
{
  char      *dir;
  TernStore *store;
  gint64     account;
} Fixture;

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;
  TernAccount account = { .name = "work", .email = "me@example.org", .host = "h", .port = 993,
                          .security = "tls", .user = "me" };

  f->dir = g_dir_make_tmp ("tern-identities-XXXXXX", &error);
  g_assert_no_error (error);
  path = g_build_filename (f->dir, "cache.db", NULL);
  f->store = tern_store_open (path, &error);
  g_assert_no_error (error);
  g_assert_true (tern_store_add_account (f->store, &account, &f->account, &error));
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  g_autofree char *cmd = g_strdup_printf ("rm -rf '%s'", f->dir);

  tern_store_free (f->store);
  g_assert_cmpint (system (cmd), ==, 0);
  g_free (f->dir);
}

static gint64
add (Fixture    *f,
     const char *name,
     const char *address,
     const char *reply_to,
     const char *signature)
{
  g_autoptr(GError) error = NULL;
  TernIdentity identity = { .account_id = f->account, .name = (char *) name,
                            .address = (char *) address, .reply_to = (char *) reply_to,
                            .signature = (char *) signature };
  gint64 id = 0;

  g_assert_true (tern_identity_add (f->store, &identity, &id, &error));
  g_assert_no_error (error);
  g_assert_cmpint (id, >, 0);
  return id;
}

static void
test_crud (Fixture       *f,
           gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) list = NULL;
  g_autoptr(TernIdentity) found = NULL;
  g_auto(GStrv) all = NULL;
  TernIdentity *i;
  TernIdentity dup = { .account_id = f->account, .address = "Sales@Example.org" };
  gint64 sales, support;

  /* Only the account's own address at first. */
  list = tern_identity_list (f->store, f->account, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (list->len, ==, 1);
  i = list->pdata[0];
  g_assert_cmpint (i->id, ==, 0);
  g_assert_true (i->is_default);
  g_assert_cmpstr (i->address, ==, "me@example.org");
  g_clear_pointer (&list, g_ptr_array_unref);

  sales = add (f, "Sales", "sales@example.org", "team@example.org", "The sales team");
  support = add (f, NULL, "support@example.org", "", "");
  g_assert_false (tern_identity_add (f->store, &dup, NULL, &error));
  g_assert_error (error, TERN_STORE_ERROR, TERN_STORE_ERROR_EXISTS);
  g_clear_error (&error);

  /* In the order they were added, after the default; empty fields are NULL. */
  list = tern_identity_list (f->store, f->account, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (list->len, ==, 3);
  g_assert_cmpstr (((TernIdentity *) list->pdata[0])->address, ==, "me@example.org");
  i = list->pdata[1];
  g_assert_cmpint (i->id, ==, sales);
  g_assert_false (i->is_default);
  g_assert_cmpstr (i->name, ==, "Sales");
  g_assert_cmpstr (i->reply_to, ==, "team@example.org");
  g_assert_cmpstr (i->signature, ==, "The sales team");
  i = list->pdata[2];
  g_assert_cmpint (i->id, ==, support);
  g_assert_null (i->name);
  g_assert_null (i->reply_to);
  g_assert_null (i->signature);
  g_clear_pointer (&list, g_ptr_array_unref);

  /* Update, find (case-insensitive). */
  {
    TernIdentity changed = { .id = support, .account_id = f->account, .name = "Support",
                             .address = "help@example.org", .signature = "Help" };

    g_assert_true (tern_identity_update (f->store, &changed, &error));
    g_assert_no_error (error);
  }
  found = tern_identity_find (f->store, f->account, "HELP@example.org", &error);
  g_assert_no_error (error);
  g_assert_nonnull (found);
  g_assert_cmpstr (found->name, ==, "Support");
  g_assert_cmpstr (found->signature, ==, "Help");
  g_assert_null (tern_identity_find (f->store, f->account, "support@example.org", &error));
  g_assert_no_error (error);

  /* The default gets a signature: stored, still first and the default. */
  {
    TernIdentity mine = { .id = 0, .account_id = f->account, .name = "Me",
                          .address = "me@example.org", .signature = "Mine" };

    g_assert_true (tern_identity_update (f->store, &mine, &error));
    g_assert_no_error (error);
  }
  list = tern_identity_list (f->store, f->account, &error);
  g_assert_cmpuint (list->len, ==, 3);
  i = list->pdata[0];
  g_assert_cmpint (i->id, >, 0);
  g_assert_true (i->is_default);
  g_assert_cmpstr (i->signature, ==, "Mine");
  g_assert_cmpint (((TernIdentity *) list->pdata[1])->id, ==, sales);
  g_clear_pointer (&list, g_ptr_array_unref);

  all = tern_identity_dup_all_addresses (f->store);
  g_assert_cmpuint (g_strv_length (all), ==, 3);
  g_assert_cmpstr (all[2], ==, "help@example.org");

  /* Remove. */
  g_assert_true (tern_identity_remove (f->store, sales, &error));
  g_assert_no_error (error);
  g_assert_false (tern_identity_remove (f->store, sales, &error));
  g_assert_error (error, TERN_STORE_ERROR, TERN_STORE_ERROR_NOT_FOUND);
  g_clear_error (&error);
  list = tern_identity_list (f->store, f->account, &error);
  g_assert_cmpuint (list->len, ==, 2);
  g_clear_pointer (&list, g_ptr_array_unref);

  /* They go with their account. */
  g_assert_true (tern_store_remove_account (f->store, "work", &error));
  g_assert_no_error (error);
  list = tern_identity_list_all (f->store, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (list->len, ==, 0);
}

/* A schema 5 cache gets the identity table; its account keeps its default identity. */
static void
test_migrate (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("tern-identities-XXXXXX", &error);
  g_autofree char *path = g_build_filename (dir, "v5.db", NULL);
  g_autofree char *cmd = g_strdup_printf ("rm -rf '%s'", dir);
  g_autoptr(TernStore) store = NULL;
  g_autoptr(GPtrArray) list = NULL;
  TernIdentity alias = { .account_id = 1, .address = "alias@b" };
  sqlite3 *db = NULL;

  db = tern_test_cache_open_schema (path, 5);
  g_assert_cmpint (sqlite3_exec (db,
                                 "INSERT INTO account (id, name, email, host, port, security, user) "
                                 "VALUES (1, 'old', 'a@b', 'h', 993, 'tls', 'u');",
                                 NULL, NULL, NULL), ==, SQLITE_OK);
  sqlite3_close (db);

  store = tern_store_open (path, &error);
  g_assert_no_error (error);
  g_assert_cmpint (tern_store_get_schema_version (store), >=, 6);
  list = tern_identity_list (store, 1, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (list->len, ==, 1);
  g_assert_cmpstr (((TernIdentity *) list->pdata[0])->address, ==, "a@b");
  g_assert_true (tern_identity_add (store, &alias, NULL, &error));
  g_assert_no_error (error);
  g_clear_pointer (&store, tern_store_free);
  g_assert_cmpint (system (cmd), ==, 0);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add ("/identities/crud", Fixture, NULL, fixture_set_up, test_crud, fixture_tear_down);
  g_test_add_func ("/identities/migrate", test_migrate);
  return g_test_run ();
}
