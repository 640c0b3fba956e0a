/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-store"

#define _GNU_SOURCE
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <sched.h>
#include <sqlite3.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

#include "tern-journal.h"

#include "tern-store.h"
#include "tern-test-cache.h"

typedef struct
{
  char      *dir;
  char      *path;
  TernStore *store;
  gint64     account_id;
} Fixture;

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  TernAccount account = {
    .name = (char *) "work", .email = (char *) "a@example.org", .host = (char *) "imap.example.org",
    .port = 993, .security = (char *) "tls", .user = (char *) "a",
  };

  f->dir = g_dir_make_tmp ("tern-store-XXXXXX", &error);
  g_assert_no_error (error);
  f->path = g_build_filename (f->dir, "sub", "tern.db", NULL);
  f->store = tern_store_open (f->path, &error);
  g_assert_no_error (error);
  g_assert_true (tern_store_add_account (f->store, &account, &f->account_id, &error));
  g_assert_no_error (error);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  g_autofree char *cmd = g_strdup_printf ("rm -rf '%s'", f->dir);

  tern_store_free (f->store);
  g_assert_cmpint (system (cmd), ==, 0);
  g_free (f->path);
  g_free (f->dir);
}

static gint64
add_folder (Fixture    *f,
            const char *name,
            const char *special_use)
{
  g_autoptr(GError) error = NULL;
  TernFolder folder = {
    .account_id = f->account_id, .name = (char *) name, .special_use = (char *) special_use,
    .delimiter = (char *) "/", .selectable = TRUE, .subscribed = TRUE,
  };
  gint64 id = 0;

  g_assert_true (tern_store_upsert_folder (f->store, &folder, &id, &error));
  g_assert_no_error (error);
  g_assert_cmpint (id, >, 0);
  return id;
}

static gint64
add_message (Fixture    *f,
             gint64      folder_id,
             guint32     uid,
             const char *flags,
             const char *message_id,
             gint64      date)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TernMessage) m = tern_message_new ();
  gint64 id = 0;
  TernPart *part = g_new0 (TernPart, 1);

  m->uid = uid;
  m->flags = tern_flags_canonicalize (flags);
  m->message_id = g_strdup (message_id);
  m->internaldate = date;
  m->date = date;
  m->size = 1000 + uid;
  m->subject = g_strdup_printf ("Message %u", uid);
  m->parts = g_ptr_array_new_with_free_func ((GDestroyNotify) tern_part_free);
  part->section = g_strdup ("1");
  part->type = g_strdup ("text");
  part->subtype = g_strdup ("plain");
  part->size = 42;
  g_ptr_array_add (m->parts, part);
  g_assert_true (tern_store_upsert_message (f->store, folder_id, m, &id, &error));
  g_assert_no_error (error);
  return id;
}

static void
test_flags (void)
{
  g_autofree char *a = tern_flags_canonicalize ("$Label1 \\flagged \\Recent \\Seen $Label1 Junk");
  g_autofree char *b = tern_flags_canonicalize ("(\\Seen \\Answered)");
  g_autofree char *c = tern_flags_canonicalize ("");

  g_assert_cmpstr (a, ==, "\\Seen \\Flagged $Label1 Junk");
  g_assert_cmpstr (b, ==, "\\Seen \\Answered");
  g_assert_cmpstr (c, ==, "");
  g_assert_true (tern_flags_contain (a, "\\seen"));
  g_assert_true (tern_flags_contain (a, "Junk"));
  g_assert_false (tern_flags_contain (a, "Jun"));
  g_assert_false (tern_flags_contain (a, "\\Answered"));
}

static void
test_accounts (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TernAccount) got = NULL;
  g_autoptr(GPtrArray) list = NULL;
  TernAccount dup = { .name = (char *) "work", .email = (char *) "x", .host = (char *) "h",
                      .port = 1, .security = (char *) "tls", .user = (char *) "u" };

  g_assert_false (tern_store_add_account (f->store, &dup, NULL, &error));
  g_assert_error (error, TERN_STORE_ERROR, TERN_STORE_ERROR_EXISTS);
  g_clear_error (&error);

  got = tern_store_get_account (f->store, "work", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (got->host, ==, "imap.example.org");
  g_assert_cmpuint (got->port, ==, 993);
  g_assert_null (got->password_command);

  g_assert_true (tern_store_set_account_status (f->store, got->id, FALSE, "offline", &error));
  g_clear_pointer (&got, tern_account_free);
  got = tern_store_get_account (f->store, "work", &error);
  g_assert_cmpstr (got->last_error, ==, "offline");
  g_assert_cmpint (got->last_sync, ==, 0);

  list = tern_store_list_accounts (f->store, &error);
  g_assert_cmpuint (list->len, ==, 1);

  g_assert_null (tern_store_get_account (f->store, "nope", &error));
  g_assert_error (error, TERN_STORE_ERROR, TERN_STORE_ERROR_NOT_FOUND);
  g_clear_error (&error);

  add_folder (f, "INBOX", "\\Inbox");
  g_assert_true (tern_store_remove_account (f->store, "work", &error));
  g_assert_no_error (error);
  list = (g_ptr_array_unref (list), tern_store_list_accounts (f->store, &error));
  g_assert_cmpuint (list->len, ==, 0);
  g_assert_false (tern_store_remove_account (f->store, "work", &error));
  g_assert_error (error, TERN_STORE_ERROR, TERN_STORE_ERROR_NOT_FOUND);
}

static void
test_update_account (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TernAccount) got = NULL;
  g_autoptr(TernAccount) copy = NULL;
  TernAccount other = { .name = (char *) "home", .email = (char *) "me@home.example",
                        .host = (char *) "imap.home.example", .port = 993,
                        .security = (char *) "tls", .user = (char *) "me" };

  got = tern_store_get_account (f->store, "work", &error);
  g_assert_no_error (error);
  /* Accounts from before schema 10 sign in with a password; nothing says where from. */
  g_assert_cmpstr (got->auth, ==, "password");
  g_assert_null (got->setup_source);
  g_assert_true (tern_store_set_account_delete_mode (f->store, got->id, "expunge", &error));

  copy = tern_account_copy (got);
  g_free (copy->host);
  copy->host = g_strdup ("mail.example.org");
  copy->port = 143;
  g_free (copy->security);
  copy->security = g_strdup ("starttls");
  g_free (copy->name);
  copy->name = g_strdup ("office");
  copy->auth = (g_free (copy->auth), g_strdup ("oauth2"));
  copy->oauth2_token_url = g_strdup ("https://idp.example.org/token");
  copy->setup_source = g_strdup ("autoconfig");
  g_assert_true (tern_store_update_account (f->store, copy, &error));
  g_assert_no_error (error);

  g_clear_pointer (&got, tern_account_free);
  got = tern_store_get_account (f->store, "office", &error);
  g_assert_no_error (error);
  g_assert_cmpint (got->id, ==, copy->id);
  g_assert_cmpstr (got->host, ==, "mail.example.org");
  g_assert_cmpuint (got->port, ==, 143);
  g_assert_cmpstr (got->security, ==, "starttls");
  g_assert_cmpstr (got->auth, ==, "oauth2");
  g_assert_cmpstr (got->oauth2_token_url, ==, "https://idp.example.org/token");
  g_assert_cmpstr (got->setup_source, ==, "autoconfig");
  /* What the user did not edit here stays. */
  g_assert_cmpstr (got->delete_mode, ==, "expunge");
  g_assert_null (tern_store_get_account (f->store, "work", &error));
  g_clear_error (&error);

  /* Another account's name, an unknown id and an unknown way to sign in are refused. */
  g_assert_true (tern_store_add_account (f->store, &other, &other.id, &error));
  copy->name = (g_free (copy->name), g_strdup ("home"));
  g_assert_false (tern_store_update_account (f->store, copy, &error));
  g_assert_error (error, TERN_STORE_ERROR, TERN_STORE_ERROR_EXISTS);
  g_clear_error (&error);
  copy->name = (g_free (copy->name), g_strdup ("office"));
  copy->id = 9999;
  g_assert_false (tern_store_update_account (f->store, copy, &error));
  g_assert_error (error, TERN_STORE_ERROR, TERN_STORE_ERROR_NOT_FOUND);
  g_clear_error (&error);
  copy->id = got->id;
  copy->auth = (g_free (copy->auth), g_strdup ("kerberos"));
  g_assert_false (tern_store_update_account (f->store, copy, &error));
  g_assert_nonnull (error);
  g_clear_error (&error);

  g_assert_true (tern_store_set_account_auth_state (f->store, got->id, "sign-in", &error));
  g_clear_pointer (&got, tern_account_free);
  got = tern_store_get_account (f->store, "office", &error);
  g_assert_cmpstr (got->auth_state, ==, "sign-in");
  g_assert_true (tern_store_set_account_auth_state (f->store, got->id, NULL, &error));
  g_clear_pointer (&got, tern_account_free);
  got = tern_store_get_account (f->store, "office", &error);
  g_assert_null (got->auth_state);
}

/* Removing an account takes its cache with it: rows and the files of downloaded parts. What
 * would be lost is counted first. */
static void
test_remove_account_files (Fixture       *f,
                           gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *parts = g_build_filename (f->dir, "sub", "parts", NULL);
  g_autofree char *part_dir = NULL;
  g_autofree char *part_path = NULL;
  TernAccountData counted = { 0 };
  gint64 inbox = add_folder (f, "INBOX", "\\Inbox");
  gint64 message = add_message (f, inbox, 1, "", "<a@x>", 1000);

  add_message (f, inbox, 2, "", "<b@x>", 2000);
  part_dir = g_strdup_printf ("%s/%" G_GINT64_FORMAT, parts, message);
  part_path = g_build_filename (part_dir, "2", NULL);
  g_assert_cmpint (g_mkdir_with_parents (part_dir, 0700), ==, 0);
  g_assert_true (g_file_set_contents (part_path, "attachment", -1, &error));
  g_assert_true (tern_store_set_part_file (f->store, message, "2", part_path, 10, TRUE, &error));
  g_assert_no_error (error);

  g_assert_true (tern_store_count_account_data (f->store, f->account_id, &counted, &error));
  g_assert_cmpuint (counted.messages, ==, 2);
  g_assert_cmpuint (counted.pending_actions, ==, 0);
  g_assert_cmpuint (counted.unsent, ==, 0);

  g_assert_true (tern_store_remove_account (f->store, "work", &error));
  g_assert_no_error (error);
  g_assert_false (g_file_test (part_path, G_FILE_TEST_EXISTS));
  g_assert_false (g_file_test (part_dir, G_FILE_TEST_EXISTS));
  /* The folder of all parts stays (other accounts use it). */
  g_assert_true (g_file_test (parts, G_FILE_TEST_IS_DIR));
}

static void
test_folders (Fixture       *f,
              gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) list = NULL;
  g_autoptr(TernFolder) inbox = NULL;
  gint64 a = add_folder (f, "Zeta", NULL);
  gint64 inbox_id = add_folder (f, "INBOX", "\\Inbox");
  gint64 sent = add_folder (f, "Sent", "\\Sent");

  g_assert_cmpint (add_folder (f, "Zeta", NULL), ==, a);

  add_message (f, inbox_id, 1, "\\Seen", "<1@x>", 100);
  add_message (f, inbox_id, 2, "", "<2@x>", 200);
  add_message (f, inbox_id, 3, "\\Flagged", "<3@x>", 300);

  list = tern_store_list_folders (f->store, f->account_id, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (list->len, ==, 3);
  g_assert_cmpstr (((TernFolder *) list->pdata[0])->name, ==, "INBOX");
  g_assert_cmpint (((TernFolder *) list->pdata[1])->id, ==, sent);
  g_assert_cmpstr (((TernFolder *) list->pdata[2])->name, ==, "Zeta");
  g_assert_cmpuint (((TernFolder *) list->pdata[0])->total, ==, 3);
  g_assert_cmpuint (((TernFolder *) list->pdata[0])->unread, ==, 2);

  inbox = tern_store_get_folder (f->store, f->account_id, "inbox", &error);
  g_assert_no_error (error);
  g_assert_cmpint (inbox->id, ==, inbox_id);
  g_assert_cmpuint (inbox->uidvalidity, ==, 0);

  g_assert_true (tern_store_set_folder_fill (f->store, inbox_id, 7, 100, 55, 50, &error));
  g_clear_pointer (&inbox, tern_folder_free);
  inbox = tern_store_get_folder_by_id (f->store, inbox_id, &error);
  g_assert_cmpuint (inbox->fill_uidvalidity, ==, 7);
  g_assert_cmpuint (inbox->fill_low, ==, 50);
  g_assert_cmpuint (inbox->fill_modseq, ==, 55);

  /* Completing a sync records the state and ends the fill. */
  g_assert_true (tern_store_set_folder_state (f->store, inbox_id, 7, 101, G_GUINT64_CONSTANT (1) << 40, 3, &error));
  g_clear_pointer (&inbox, tern_folder_free);
  inbox = tern_store_get_folder_by_id (f->store, inbox_id, &error);
  g_assert_cmpuint (inbox->uidvalidity, ==, 7);
  g_assert_cmpuint (inbox->uidnext, ==, 101);
  g_assert_cmpuint (inbox->highestmodseq, ==, G_GUINT64_CONSTANT (1) << 40);
  g_assert_cmpuint (inbox->fill_low, ==, 0);

  g_assert_true (tern_store_rename_folder (f->store, a, "Eta", NULL, &error));
  g_assert_null (tern_store_get_folder (f->store, f->account_id, "Zeta", &error));
  g_assert_error (error, TERN_STORE_ERROR, TERN_STORE_ERROR_NOT_FOUND);
  g_clear_error (&error);

  g_assert_true (tern_store_delete_folder (f->store, inbox_id, &error));
  g_assert_null (tern_store_get_message (f->store, 1, &error));
  g_assert_error (error, TERN_STORE_ERROR, TERN_STORE_ERROR_NOT_FOUND);
}

/* New-mail notifications per folder (#18): INBOX by default, any other folder (a shared
 * "Support") once chosen; the choice sticks and goes with the folder. */
static void
test_folder_notify (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  gint64 inbox = add_folder (f, "INBOX", "\\Inbox");
  gint64 support = add_folder (f, "shared/alice/Support", NULL);
  gint64 archive = add_folder (f, "Archive", "\\Archive");

  g_assert_true (tern_store_get_folder_notify (f->store, inbox));
  g_assert_false (tern_store_get_folder_notify (f->store, support));
  g_assert_false (tern_store_get_folder_notify (f->store, archive));

  g_assert_true (tern_store_set_folder_notify (f->store, support, TRUE, &error));
  g_assert_true (tern_store_set_folder_notify (f->store, inbox, FALSE, &error));
  g_assert_no_error (error);
  g_assert_true (tern_store_get_folder_notify (f->store, support));
  g_assert_false (tern_store_get_folder_notify (f->store, inbox));
  g_assert_false (tern_store_get_folder_notify (f->store, archive));
  g_assert_true (tern_store_set_folder_notify (f->store, support, FALSE, &error));
  g_assert_false (tern_store_get_folder_notify (f->store, support));

  g_assert_false (tern_store_set_folder_notify (f->store, 9999, TRUE, &error));
  g_assert_error (error, TERN_STORE_ERROR, TERN_STORE_ERROR_NOT_FOUND);
  g_clear_error (&error);

  /* The choice goes with the folder. */
  g_assert_true (tern_store_set_folder_notify (f->store, archive, TRUE, &error));
  g_assert_true (tern_store_delete_folder (f->store, archive, &error));
  g_assert_no_error (error);
  g_assert_false (tern_store_get_folder_notify (f->store, archive));
}

static void
test_messages (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  gint64 folder = add_folder (f, "INBOX", "\\Inbox");
  gint64 id1 = add_message (f, folder, 10, "", "<a@x>", 1000);
  g_autoptr(GPtrArray) list = NULL;
  g_autoptr(GArray) uids = NULL;
  g_autoptr(GArray) keep = g_array_new (FALSE, FALSE, sizeof (guint32));
  g_autoptr(TernMessage) m = NULL;
  gboolean changed = FALSE;
  guint removed = 0, total = 0, unread = 0;
  guint32 k;

  add_message (f, folder, 11, "\\Seen", "<b@x>", 3000);
  add_message (f, folder, 12, "", "<c@x>", 2000);
  /* The same UID again updates in place: the local id is stable. */
  g_assert_cmpint (add_message (f, folder, 10, "\\Seen", "<a@x>", 1000), ==, id1);

  list = tern_store_list_messages (f->store, folder, 2, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (list->len, ==, 2);
  g_assert_cmpuint (((TernMessage *) list->pdata[0])->uid, ==, 11);
  g_assert_cmpuint (((TernMessage *) list->pdata[1])->uid, ==, 12);

  g_assert_true (tern_store_update_flags (f->store, folder, 12, "\\Seen \\Flagged", 99, &changed, &error));
  g_assert_true (changed);
  g_assert_true (tern_store_update_flags (f->store, folder, 999, "\\Seen", 99, &changed, &error));
  g_assert_false (changed);
  /* The same flags again are no change. */
  g_assert_true (tern_store_update_flags (f->store, folder, 12, "\\Seen \\Flagged", 100, &changed, &error));
  g_assert_false (changed);
  {
    /* MODSEQ and flags of a set at once (batched flag replay): 0 skipped, an unknown id NULL. */
    gint64 ids[] = { id1, 0, id1 + 2, 999999 };
    guint64 modseqs[G_N_ELEMENTS (ids)];
    char *flags[G_N_ELEMENTS (ids)];

    g_assert_true (tern_store_get_flag_states (f->store, ids, G_N_ELEMENTS (ids), modseqs, flags, &error));
    g_assert_no_error (error);
    g_assert_cmpstr (flags[0], ==, "\\Seen");
    g_assert_cmpuint (modseqs[0], ==, 0);
    g_assert_null (flags[1]);
    g_assert_cmpstr (flags[2], ==, "\\Seen \\Flagged");
    g_assert_cmpuint (modseqs[2], ==, 100);
    g_assert_null (flags[3]);
    for (guint i = 0; i < G_N_ELEMENTS (ids); i++)
      g_free (flags[i]);
  }

  m = tern_store_get_message (f->store, id1, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (m->flags, ==, "\\Seen");
  g_assert_cmpuint (m->parts->len, ==, 1);
  g_assert_cmpstr (((TernPart *) m->parts->pdata[0])->subtype, ==, "plain");

  k = 11;
  g_array_append_val (keep, k);
  g_assert_true (tern_store_expunge_missing (f->store, folder, 1, 11, keep, &removed, &error));
  g_assert_cmpuint (removed, ==, 1);
  uids = tern_store_list_uids (f->store, folder, &error);
  g_assert_cmpuint (uids->len, ==, 2);
  g_assert_cmpuint (g_array_index (uids, guint32, 0), ==, 11);
  g_assert_cmpuint (g_array_index (uids, guint32, 1), ==, 12);

  g_assert_true (tern_store_count_messages (f->store, folder, &total, &unread, &error));
  g_assert_cmpuint (total, ==, 2);
  g_assert_cmpuint (unread, ==, 0);
}

static void
test_reattach (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  gint64 folder = add_folder (f, "INBOX", "\\Inbox");
  gint64 a = add_message (f, folder, 1, "", "<a@x>", 100);
  gint64 b = add_message (f, folder, 2, "", "<b@x>", 200);
  g_autoptr(TernMessage) m = NULL;
  gboolean attached;
  guint dropped = 0;

  add_message (f, folder, 3, "", "<dup@x>", 300);
  add_message (f, folder, 4, "", "<gone@x>", 400);

  g_assert_true (tern_store_detach_folder (f->store, folder, &error));
  g_assert_cmpuint (tern_store_count_detached (f->store, folder), ==, 4);

  g_assert_true (tern_store_reattach_message (f->store, folder, 50, "<b@x>", 200, 1002, "\\Seen", 7,
                                              &attached, &error));
  g_assert_true (attached);
  /* Size does not match: not the same message. */
  g_assert_true (tern_store_reattach_message (f->store, folder, 51, "<a@x>", 100, 9999, "", 7,
                                              &attached, &error));
  g_assert_false (attached);
  g_assert_true (tern_store_reattach_message (f->store, folder, 52, "<a@x>", 100, 1001, "", 7,
                                              &attached, &error));
  g_assert_true (attached);

  g_assert_true (tern_store_drop_detached (f->store, folder, &dropped, &error));
  g_assert_cmpuint (dropped, ==, 2);

  m = tern_store_get_message (f->store, b, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (m->uid, ==, 50);
  g_assert_cmpstr (m->flags, ==, "\\Seen");
  g_clear_pointer (&m, tern_message_free);
  m = tern_store_get_message (f->store, a, &error);
  g_assert_cmpuint (m->uid, ==, 52);
}

static void
test_transactions (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  gint64 folder = add_folder (f, "INBOX", "\\Inbox");
  guint total = 99;

  g_assert_true (tern_store_begin (f->store, &error));
  add_message (f, folder, 1, "", "<a@x>", 100);
  tern_store_rollback (f->store);
  g_assert_true (tern_store_count_messages (f->store, folder, &total, NULL, &error));
  g_assert_cmpuint (total, ==, 0);

  g_assert_true (tern_store_begin (f->store, &error));
  add_message (f, folder, 1, "", "<a@x>", 100);
  g_assert_true (tern_store_commit (f->store, &error));
  g_assert_true (tern_store_count_messages (f->store, folder, &total, NULL, &error));
  g_assert_cmpuint (total, ==, 1);
}

/* Every older schema, with data in it, opens and migrates to the latest without loss. */
static void
test_migrate_old (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("tern-store-XXXXXX", &error);
  g_autofree char *cmd = g_strdup_printf ("rm -rf '%s'", dir);
  const int latest = TERN_STORE_SCHEMA_LATEST;

  for (int version = 1; version < latest; version++)
    {
      g_autofree char *path = g_strdup_printf ("%s/v%d.db", dir, version);
      g_autoptr(TernStore) store = NULL;
      g_autoptr(TernAccount) account = NULL;
      g_autoptr(GPtrArray) folders = NULL;
      g_autoptr(GPtrArray) messages = NULL;
      sqlite3 *db = NULL;

      db = tern_test_cache_open_schema (path, version);
      g_assert_cmpint (sqlite3_exec (db,
                                     "INSERT INTO account (id, name, email, host, port, security, user) "
                                     "VALUES (1, 'old', 'a@b', 'h', 993, 'tls', 'u');"
                                     "INSERT INTO folder (id, account_id, name, display_name, uidvalidity) "
                                     "VALUES (1, 1, 'INBOX', 'INBOX', 5);"
                                     "INSERT INTO message (id, folder_id, uid, flags, seen, subject, date) "
                                     "VALUES (7, 1, 3, '\\Seen', 1, 'kept', 100);",
                                     NULL, NULL, NULL), ==, SQLITE_OK);
      sqlite3_close (db);

      store = tern_store_open (path, &error);
      g_assert_no_error (error);
      g_assert_cmpint (tern_store_get_schema_version (store), ==, latest);
      account = tern_store_get_account (store, "old", &error);
      g_assert_no_error (error);
      folders = tern_store_list_folders (store, account->id, &error);
      g_assert_cmpuint (folders->len, ==, 1);
      g_assert_cmpuint (((TernFolder *) folders->pdata[0])->uidvalidity, ==, 5);
      messages = tern_store_list_messages (store, 1, 0, &error);
      g_assert_no_error (error);
      g_assert_cmpuint (messages->len, ==, 1);
      g_assert_cmpint (((TernMessage *) messages->pdata[0])->id, ==, 7);
      g_assert_cmpstr (((TernMessage *) messages->pdata[0])->subject, ==, "kept");
    }
  g_assert_cmpint (system (cmd), ==, 0);
}

static gint64
thread_of (TernStore *store,
           gint64     id)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TernMessage) m = tern_store_get_message (store, id, &error);

  g_assert_no_error (error);
  g_assert_cmpint (m->thread_id, >, 0);
  return m->thread_id;
}

/* A schema 4 cache gets its conversations when it is migrated. */
static void
test_migrate_threads (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("tern-store-XXXXXX", &error);
  g_autofree char *path = g_build_filename (dir, "v4.db", NULL);
  g_autofree char *cmd = g_strdup_printf ("rm -rf '%s'", dir);
  g_autoptr(TernStore) store = NULL;
  g_autoptr(TernMessage) m = tern_message_new ();
  gint64 late = 0;
  sqlite3 *db = NULL;

  db = tern_test_cache_open_schema (path, 4);
  /* 1 <- 2 <- 3 (3 names only 2's parent 1 and an unknown id); 4 alone; 5 and 6 answer a
   * parent that is not cached; 7 has no ids; 8 is in another account with 1's id. */
  g_assert_cmpint (sqlite3_exec (db,
                                 "INSERT INTO account (id, name, email, host, port, security, user) "
                                 "VALUES (1, 'old', 'a@b', 'h', 993, 'tls', 'u'), "
                                 "(2, 'other', 'a@b', 'h', 993, 'tls', 'u');"
                                 "INSERT INTO folder (id, account_id, name, display_name) "
                                 "VALUES (1, 1, 'INBOX', 'INBOX'), (2, 1, 'Sent', 'Sent'), "
                                 "(3, 2, 'INBOX', 'INBOX');"
                                 "INSERT INTO message (id, folder_id, uid, message_id, in_reply_to, refs) VALUES "
                                 "(1, 1, 1, '<a@x>', NULL, NULL), "
                                 "(2, 2, 1, '<b@x>', '<a@x>', NULL), "
                                 "(3, 1, 2, '<c@x>', NULL, '<zz@x> <a@x>'), "
                                 "(4, 1, 3, '<d@x>', NULL, NULL), "
                                 "(5, 1, 4, '<e@x>', '<p@x>', '<p@x>'), "
                                 "(6, 1, 5, '<f@x>', '<p@x>', NULL), "
                                 "(7, 1, 6, NULL, NULL, NULL), "
                                 "(8, 3, 1, '<a@x>', NULL, NULL);",
                                 NULL, NULL, NULL), ==, SQLITE_OK);
  sqlite3_close (db);

  store = tern_store_open (path, &error);
  g_assert_no_error (error);
  g_assert_cmpint (thread_of (store, 1), ==, thread_of (store, 2));
  g_assert_cmpint (thread_of (store, 1), ==, thread_of (store, 3));
  g_assert_cmpint (thread_of (store, 4), !=, thread_of (store, 1));
  g_assert_cmpint (thread_of (store, 5), ==, thread_of (store, 6));
  g_assert_cmpint (thread_of (store, 5), !=, thread_of (store, 1));
  g_assert_cmpint (thread_of (store, 7), !=, thread_of (store, 1));
  g_assert_cmpint (thread_of (store, 7), !=, thread_of (store, 4));
  g_assert_cmpint (thread_of (store, 8), !=, thread_of (store, 1));

  /* A message stored after the migration continues the threads the backfill made. */
  m->uid = 9;
  m->message_id = g_strdup ("<g@x>");
  m->references = g_strdup ("<p@x> <f@x>");
  g_assert_true (tern_store_insert_message (store, 1, m, &late, &error));
  g_assert_no_error (error);
  g_assert_cmpint (thread_of (store, late), ==, thread_of (store, 6));
  g_clear_pointer (&m, tern_message_free);
  m = tern_message_new ();
  m->uid = 10;
  g_assert_true (tern_store_insert_message (store, 1, m, &late, &error));
  g_assert_cmpint (thread_of (store, late), !=, thread_of (store, 7));
  g_assert_cmpint (thread_of (store, late), !=, thread_of (store, 1));

  g_assert_cmpint (system (cmd), ==, 0);
}

static void
test_schema_versions (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("tern-store-XXXXXX", &error);
  g_autofree char *path = g_build_filename (dir, "old.db", NULL);
  g_autofree char *cmd = g_strdup_printf ("rm -rf '%s'", dir);
  TernStore *store;
  sqlite3 *db = NULL;

  /* An empty file (schema 0) is migrated to the latest schema. */
  g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
  sqlite3_close (db);
  store = tern_store_open (path, &error);
  g_assert_no_error (error);
  g_assert_cmpint (tern_store_get_schema_version (store), ==, TERN_STORE_SCHEMA_LATEST);
  tern_store_free (store);

  /* Re-opening is a no-op. */
  store = tern_store_open (path, &error);
  g_assert_no_error (error);
  tern_store_free (store);

  /* A file from a newer Tern is refused, not damaged. */
  g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (db, "PRAGMA user_version = 99", NULL, NULL, NULL), ==, SQLITE_OK);
  sqlite3_close (db);
  store = tern_store_open (path, &error);
  g_assert_null (store);
  g_assert_error (error, TERN_STORE_ERROR, TERN_STORE_ERROR_VERSION);

  g_assert_cmpint (system (cmd), ==, 0);
}

/* Schema 9: an account of an older cache compresses where offered; the setting turns it
 * off and on. */
static void
test_migrate_compress (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("tern-store-XXXXXX", &error);
  g_autofree char *path = g_build_filename (dir, "old.db", NULL);
  g_autofree char *cmd = g_strdup_printf ("rm -rf '%s'", dir);
  g_autoptr(TernAccount) account = NULL;
  TernStore *store;
  sqlite3 *db;

  db = tern_test_cache_open_schema (path, 6);
  g_assert_cmpint (sqlite3_exec (db,
                                 "INSERT INTO account (id, name, email, host, port, security, user) "
                                 "VALUES (1, 'old', 'a@b', 'h', 993, 'tls', 'u');",
                                 NULL, NULL, NULL), ==, SQLITE_OK);
  sqlite3_close (db);

  store = tern_store_open (path, &error);
  g_assert_no_error (error);
  account = tern_store_get_account (store, "old", &error);
  g_assert_no_error (error);
  g_assert_false (account->no_compress);
  g_clear_pointer (&account, tern_account_free);

  g_assert_true (tern_store_set_account_compress (store, 1, FALSE, &error));
  g_assert_no_error (error);
  account = tern_store_get_account_by_id (store, 1, &error);
  g_assert_true (account->no_compress);
  g_clear_pointer (&account, tern_account_free);
  g_assert_true (tern_store_set_account_compress (store, 1, TRUE, &error));
  account = tern_store_get_account_by_id (store, 1, &error);
  g_assert_false (account->no_compress);

  tern_store_free (store);
  g_assert_cmpint (system (cmd), ==, 0);
}

/* Issue 17, 6: an offline action on a full disk says "the disk is full" (not "disk I/O
 * error") and changes nothing; once there is space again, the same action works.
 * A real full file system: a 4 MiB tmpfs in a mount namespace of the test's own. */
static void
disk_full_child (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("tern-full-XXXXXX", &error);
  g_autofree char *filler = NULL;
  Fixture fx = { 0 };
  Fixture *f = &fx;
  g_autoptr(TernMessage) after = NULL;
  TernAccount account = {
    .name = (char *) "work", .email = (char *) "a@example.org", .host = (char *) "imap.example.org",
    .port = 993, .security = (char *) "tls", .user = (char *) "a",
  };
  gint64 inbox, first = 0;
  int fd;

  g_assert_no_error (error);
  if (unshare (CLONE_NEWNS) != 0 || mount (NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0 ||
      mount ("tern-test", dir, "tmpfs", 0, "size=4m") != 0)
    {
      g_test_skip_printf ("no private tmpfs here: %s", g_strerror (errno));
      return;
    }
  f->dir = g_strdup (dir);
  f->path = g_build_filename (dir, "tern.db", NULL);
  f->store = tern_store_open (f->path, &error);
  g_assert_no_error (error);
  g_assert_true (tern_store_add_account (f->store, &account, &f->account_id, &error));
  inbox = add_folder (f, "INBOX", NULL);
  for (guint uid = 1; uid <= 50; uid++)
    {
      g_autofree char *mid = g_strdup_printf ("<%u@full>", uid);
      gint64 id = add_message (f, inbox, uid, "", mid, 1000 + uid);

      if (first == 0)
        first = id;
    }

  /* Fill what is left of the file system. */
  filler = g_build_filename (dir, "filler", NULL);
  fd = g_open (filler, O_WRONLY | O_CREAT, 0600);
  g_assert_cmpint (fd, >=, 0);
  {
    char block[4096] = { 0 };

    while (write (fd, block, sizeof block) > 0)
      ;
    g_assert_cmpint (errno, ==, ENOSPC);
  }
  close (fd);

  g_assert_false (tern_journal_set_flags (f->store, first, "\\Seen", NULL, &error));
  g_assert_error (error, TERN_STORE_ERROR, TERN_STORE_ERROR_NO_SPACE);
  g_assert_nonnull (strstr (error->message, "the disk is full"));
  g_assert_null (strstr (error->message, "I/O"));
  g_clear_error (&error);

  /* Nothing changed and nothing was lost. */
  after = tern_store_get_message (f->store, first, &error);
  g_assert_no_error (error);
  g_assert_nonnull (after);
  g_assert_false (tern_flags_contain (after->flags, "\\Seen"));
  g_assert_cmpuint (tern_journal_count_queued (f->store, f->account_id, NULL), ==, 0);

  /* Space again: the same action goes through. */
  g_assert_cmpint (g_unlink (filler), ==, 0);
  g_assert_true (tern_journal_set_flags (f->store, first, "\\Seen", NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (tern_journal_count_queued (f->store, f->account_id, NULL), ==, 1);
  g_clear_pointer (&f->store, tern_store_free);
  umount (dir);
  g_rmdir (dir);
  g_free (f->path);
  g_free (f->dir);
}

static void
test_disk_full (void)
{
  if (g_test_subprocess ())
    {
      disk_full_child ();
      return;
    }
  if (getuid () != 0)
    {
      g_test_skip ("a private tmpfs needs root");
      return;
    }
  g_test_trap_subprocess (NULL, 60 * G_USEC_PER_SEC, G_TEST_SUBPROCESS_INHERIT_STDOUT |
                          G_TEST_SUBPROCESS_INHERIT_STDERR);
  g_test_trap_assert_passed ();
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/store/flags", test_flags);
  g_test_add_func ("/store/disk-full", test_disk_full);
  g_test_add_func ("/store/schema-versions", test_schema_versions);
  g_test_add_func ("/store/migrate-old", test_migrate_old);
  g_test_add_func ("/store/migrate-threads", test_migrate_threads);
  g_test_add_func ("/store/migrate-compress", test_migrate_compress);
  g_test_add ("/store/accounts", Fixture, NULL, fixture_set_up, test_accounts, fixture_tear_down);
  g_test_add ("/store/update-account", Fixture, NULL, fixture_set_up, test_update_account,
              fixture_tear_down);
  g_test_add ("/store/remove-account-files", Fixture, NULL, fixture_set_up,
              test_remove_account_files, fixture_tear_down);
  g_test_add ("/store/folders", Fixture, NULL, fixture_set_up, test_folders, fixture_tear_down);
  g_test_add ("/store/folder-notify", Fixture, NULL, fixture_set_up, test_folder_notify, fixture_tear_down);
  g_test_add ("/store/messages", Fixture, NULL, fixture_set_up, test_messages, fixture_tear_down);
  g_test_add ("/store/reattach", Fixture, NULL, fixture_set_up, test_reattach, fixture_tear_down);
  g_test_add ("/store/transactions", Fixture, NULL, fixture_set_up, test_transactions, fixture_tear_down);

  return g_test_run ();
}
