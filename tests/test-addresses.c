/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-addresses"

#include "config.h"

#include "tern-store.h"

/*
 * Address completion from the cache: who the user has seen in From, To and Cc, each address
 * once, matched by the start of the address or of a word of the name, the frequent and
 * recent first; the user's own addresses left out.
 */

typedef struct
{
  char      *dir;
  TernStore *store;
  gint64     folder;
  guint32    uid;
} Fixture;

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;
  gint64 account_id = 0;
  TernAccount account = {
    .name = (char *) "work", .email = (char *) "Me@Example.org", .host = (char *) "imap.example.org",
    .port = 993, .security = (char *) "tls", .user = (char *) "me",
  };
  TernFolder folder = {
    .name = (char *) "INBOX", .delimiter = (char *) "/", .selectable = TRUE, .subscribed = TRUE,
  };

  f->dir = g_dir_make_tmp ("tern-addresses-XXXXXX", &error);
  g_assert_no_error (error);
  path = g_build_filename (f->dir, "tern.db", NULL);
  f->store = tern_store_open (path, &error);
  g_assert_no_error (error);
  g_assert_true (tern_store_add_account (f->store, &account, &account_id, &error));
  folder.account_id = account_id;
  g_assert_true (tern_store_upsert_folder (f->store, &folder, &f->folder, &error));
  g_assert_no_error (error);
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

static void
add (Fixture    *f,
     gint64      days_ago,
     const char *from_name,
     const char *from_addr,
     const char *to,
     const char *cc)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TernMessage) m = tern_message_new ();

  m->uid = ++f->uid;
  m->flags = g_strdup ("");
  m->date = g_get_real_time () / G_USEC_PER_SEC - days_ago * 86400;
  m->internaldate = m->date;
  m->subject = g_strdup ("hello");
  m->from_name = g_strdup (from_name);
  m->from_addr = g_strdup (from_addr);
  m->to_list = g_strdup (to);
  m->cc_list = g_strdup (cc);
  g_assert_true (tern_store_upsert_message (f->store, f->folder, m, NULL, &error));
  g_assert_no_error (error);
}

static GPtrArray *
complete (Fixture    *f,
          const char *prefix)
{
  g_autoptr(GError) error = NULL;
  GPtrArray *list = tern_store_complete_addresses (f->store, prefix, 10, &error);

  g_assert_no_error (error);
  g_assert_nonnull (list);
  return list;
}

#define NTH(list, i) ((TernAddress *) (list)->pdata[i])

static void
test_complete (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GPtrArray) list = NULL;

  /* Carol writes often and lately; Carl once, long ago; Caroline is in Cc. */
  add (f, 1, "Carol Smith", "carol@example.org", "me@example.org", NULL);
  add (f, 2, "Carol S.", "carol@example.org", "Me <me@example.org>", "Dave <dave@example.org>");
  add (f, 3, NULL, "carol@example.org", "me@example.org", NULL);
  add (f, 400, "Carl Jones", "carl@example.net", "me@example.org", NULL);
  add (f, 10, "Bob", "bob@example.org",
       "Me <me@example.org>, \"Doe, Jane\" <jane@example.org>, Lee, Ann <ann@example.org>",
       "Caroline Zoë Martin <caroline@example.com>");

  list = complete (f, "car");
  g_assert_cmpuint (list->len, ==, 3);
  g_assert_cmpstr (NTH (list, 0)->address, ==, "carol@example.org");
  g_assert_cmpstr (NTH (list, 0)->name, ==, "Carol Smith");   /* the latest name */
  g_assert_cmpuint (NTH (list, 0)->count, ==, 3);
  g_assert_cmpstr (NTH (list, 1)->address, ==, "caroline@example.com");
  g_assert_cmpstr (NTH (list, 2)->address, ==, "carl@example.net");
  g_assert_cmpuint (NTH (list, 2)->count, ==, 1);
  g_clear_pointer (&list, g_ptr_array_unref);

  /* A word of the name, case and accents as typed. */
  list = complete (f, "ZOË");
  g_assert_cmpuint (list->len, ==, 1);
  g_assert_cmpstr (NTH (list, 0)->name, ==, "Caroline Zoë Martin");
  g_clear_pointer (&list, g_ptr_array_unref);
  list = complete (f, "mart");
  g_assert_cmpuint (list->len, ==, 1);
  g_clear_pointer (&list, g_ptr_array_unref);

  /* Names with commas, quoted or not. */
  list = complete (f, "jane");
  g_assert_cmpuint (list->len, ==, 1);
  g_assert_cmpstr (NTH (list, 0)->name, ==, "Doe, Jane");
  g_assert_cmpstr (NTH (list, 0)->address, ==, "jane@example.org");
  g_clear_pointer (&list, g_ptr_array_unref);
  list = complete (f, "ann");
  g_assert_cmpuint (list->len, ==, 1);
  g_assert_cmpstr (NTH (list, 0)->name, ==, "Lee, Ann");
  g_clear_pointer (&list, g_ptr_array_unref);

  /* The user's own address is never offered; a prefix inside a word does not match. */
  list = complete (f, "me");
  g_assert_cmpuint (list->len, ==, 0);
  g_clear_pointer (&list, g_ptr_array_unref);
  list = complete (f, "arol");
  g_assert_cmpuint (list->len, ==, 0);
  g_clear_pointer (&list, g_ptr_array_unref);

  /* The domain part of an address is not a prefix either; LIKE's wildcards are plain text. */
  list = complete (f, "example");
  g_assert_cmpuint (list->len, ==, 0);
  g_clear_pointer (&list, g_ptr_array_unref);
  list = complete (f, "%");
  g_assert_cmpuint (list->len, ==, 0);
  g_clear_pointer (&list, g_ptr_array_unref);
  list = complete (f, "  ");
  g_assert_cmpuint (list->len, ==, 0);
  g_clear_pointer (&list, g_ptr_array_unref);

  /* The limit keeps the best. */
  {
    g_autoptr(GError) error = NULL;

    list = tern_store_complete_addresses (f->store, "c", 1, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (list->len, ==, 1);
    g_assert_cmpstr (NTH (list, 0)->address, ==, "carol@example.org");
  }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add ("/addresses/complete", Fixture, NULL, fixture_set_up, test_complete, fixture_tear_down);

  return g_test_run ();
}
