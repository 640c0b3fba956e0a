/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-contacts"

#include "config.h"

#include <string.h>

#include "tern-contacts.h"
#include "tern-outbox-sync.h"
#include "tern-test-cache.h"

/*
 * The address book: recipients of what the user sends are collected when the message is
 * queued (RFC 2047 names decoded, addresses compared without case) and from the Sent folders
 * (the same message counted once); senders only of mail the user read that was written to
 * the user (not Junk, lists, automated senders); the user's edits stick; vCards go in and out;
 * the composer's completion puts the address book first and leaves deleted people out.
 */

typedef struct
{
  char        *dir;
  TernStore   *store;
  TernAccount  account;
  gint64       inbox;
  gint64       sent;
  gint64       junk;
  guint32      uid;
} Fixture;

static gint64
add_folder (Fixture    *f,
            const char *name,
            const char *special_use)
{
  g_autoptr(GError) error = NULL;
  TernFolder folder = {
    .account_id = f->account.id, .name = (char *) name, .delimiter = (char *) "/",
    .selectable = TRUE, .subscribed = TRUE, .special_use = (char *) special_use,
  };
  gint64 id = 0;

  g_assert_true (tern_store_upsert_folder (f->store, &folder, &id, &error));
  g_assert_no_error (error);
  return id;
}

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;

  f->account = (TernAccount) {
    .name = (char *) "work", .email = (char *) "Me@Example.org", .host = (char *) "imap.example.org",
    .port = 993, .security = (char *) "tls", .user = (char *) "me",
  };
  f->dir = g_dir_make_tmp ("tern-contacts-XXXXXX", &error);
  g_assert_no_error (error);
  path = g_build_filename (f->dir, "tern.db", NULL);
  f->store = tern_store_open (path, &error);
  g_assert_no_error (error);
  g_assert_true (tern_store_add_account (f->store, &f->account, &f->account.id, &error));
  f->inbox = add_folder (f, "INBOX", NULL);
  f->sent = add_folder (f, "Sent", "\\Sent");
  f->junk = add_folder (f, "Junk", "\\Junk");
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
add_message (Fixture    *f,
             gint64      folder,
             const char *message_id,
             const char *from_name,
             const char *from_addr,
             const char *to,
             const char *flags)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TernMessage) m = tern_message_new ();
  gint64 id = 0;

  m->uid = ++f->uid;
  m->flags = g_strdup (flags ? flags : "");
  m->date = g_get_real_time () / G_USEC_PER_SEC - 3600;
  m->internaldate = m->date;
  m->subject = g_strdup ("hello");
  m->from_name = g_strdup (from_name);
  m->from_addr = g_strdup (from_addr);
  m->to_list = g_strdup (to);
  m->message_id = g_strdup (message_id);
  g_assert_true (tern_store_upsert_message (f->store, folder, m, &id, &error));
  g_assert_no_error (error);
  return id;
}

static TernContact *
find (Fixture    *f,
      const char *address)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) all = tern_store_list_contacts (f->store, NULL, FALSE, 0, &error);

  g_assert_no_error (error);
  for (guint i = 0; i < all->len; i++)
    {
      TernContact *c = all->pdata[i];

      if (g_ascii_strcasecmp (c->address, address) == 0)
        return g_ptr_array_steal_index (all, i);
    }
  return NULL;
}

static void
scan_all (Fixture *f)
{
  g_autoptr(GError) error = NULL;
  guint remaining = 99;

  g_assert_true (tern_store_scan_sent (f->store, 1, &remaining, &error));
  g_assert_no_error (error);
  while (remaining > 0)
    {
      guint before = remaining;

      g_assert_true (tern_store_scan_sent (f->store, 1, &remaining, &error));
      g_assert_cmpuint (remaining, <, before);
    }
}

static void
test_sent (Fixture       *f,
           gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  static const char message[] =
    "From: Me <me@example.org>\r\n"
    "To: =?UTF-8?Q?Zo=C3=AB?=   Martin <Zoe@Example.org>, \"Doe, Jane\" <jane@example.org>\r\n"
    "Cc: bob@example.net\r\nBcc: ME@example.org\r\n"
    "Message-ID: <one@example.org>\r\nSubject: hi\r\n\r\nbody\r\n";
  g_autoptr(GBytes) raw = g_bytes_new_static (message, sizeof message - 1);
  g_autoptr(TernContact) zoe = NULL;
  g_autoptr(TernContact) jane = NULL;
  g_autoptr(TernContact) bob = NULL;
  g_autoptr(TernContact) me = NULL;
  g_autoptr(GPtrArray) ranked = NULL;

  g_assert_cmpint (tern_outbox_enqueue_bytes (f->store, &f->account, raw, NULL, &error), >, 0);
  g_assert_no_error (error);

  zoe = find (f, "zoe@example.org");
  jane = find (f, "jane@example.org");
  bob = find (f, "bob@example.net");
  me = find (f, "me@example.org");
  g_assert_nonnull (zoe);
  g_assert_cmpstr (zoe->name, ==, "Zoë Martin");
  g_assert_cmpuint (zoe->sent, ==, 1);
  g_assert_cmpuint (zoe->received, ==, 0);
  g_assert_cmpstr (jane->name, ==, "Doe, Jane");
  g_assert_null (bob->name);
  g_assert_null (me);

  /* Its copy in Sent counts no more; a message sent by another client there does, and an
   * address in another case is the same person. */
  add_message (f, f->sent, "<one@example.org>", "Me", "me@example.org",
               "Zoë Martin <Zoe@Example.org>, bob@example.net", "\\Seen");
  add_message (f, f->sent, "<two@example.org>", "Me", "me@example.org", "\"Zoë Martin\" <zoe@EXAMPLE.org>", "\\Seen");
  scan_all (f);
  scan_all (f);
  g_clear_pointer (&zoe, tern_contact_free);
  zoe = find (f, "zoe@example.org");
  g_assert_cmpuint (zoe->sent, ==, 2);
  g_clear_pointer (&bob, tern_contact_free);
  bob = find (f, "bob@example.net");
  g_assert_cmpuint (bob->sent, ==, 1);

  /* Ranked: Zoë (two messages) before Jane and Bob (one each). */
  ranked = tern_store_list_contacts (f->store, NULL, TRUE, 0, &error);
  g_assert_cmpuint (ranked->len, ==, 3);
  g_assert_cmpstr (((TernContact *) ranked->pdata[0])->address, ==, "Zoe@Example.org");
}

static void
test_read (Fixture       *f,
           gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  static const struct { const char *from; const char *to; gboolean junk_folder; const char *flags; gboolean collected; } cases[] = {
    { "Alice Smith <alice@example.com>", "me@example.org", FALSE, NULL, TRUE },
    { "List Poster <poster@example.com>", "dev@lists.example.com", FALSE, NULL, FALSE },  /* a list */
    { "Shop <noreply@shop.example>", "me@example.org", FALSE, NULL, FALSE },              /* automated */
    { "Spammer <spam@bad.example>", "me@example.org", TRUE, NULL, FALSE },                /* Junk folder */
    { "Spammer <spam2@bad.example>", "me@example.org", FALSE, "$Junk", FALSE },           /* marked junk */
    { "Carol <carol@example.com>", "\"Me\" <ME@example.org>, x@example.com", FALSE, NULL, TRUE },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *msgid = g_strdup_printf ("<r%u@example.com>", i);
      gint64 id = add_message (f, cases[i].junk_folder ? f->junk : f->inbox, msgid, NULL,
                               cases[i].from, cases[i].to, cases[i].flags);
      gboolean collected = !cases[i].collected;

      g_assert_true (tern_store_note_read (f->store, id, &collected, &error));
      g_assert_no_error (error);
      if (collected != cases[i].collected)
        g_error ("case %u (%s): collected %d", i, cases[i].from, collected);
      /* Read again (marked unread, then read): counted once. */
      g_assert_true (tern_store_note_read (f->store, id, &collected, &error));
      g_assert_false (collected);
    }
  {
    g_autoptr(TernContact) alice = find (f, "alice@example.com");

    g_assert_cmpstr (alice->name, ==, "Alice Smith");
    g_assert_cmpuint (alice->received, ==, 1);
    g_assert_cmpuint (alice->sent, ==, 0);
    g_assert_null (find (f, "poster@example.com"));
    g_assert_null (find (f, "noreply@shop.example"));
    g_assert_null (find (f, "spam@bad.example"));
    g_assert_null (find (f, "spam2@bad.example"));
  }
}

static void
test_edit (Fixture       *f,
           gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TernContact) c = NULL;
  g_autoptr(GPtrArray) found = NULL;
  const char *names[] = { "Old Name", NULL };
  const char *addresses[] = { "dora@example.com", NULL };
  gint64 id, inbox_msg;
  gboolean collected;

  id = tern_store_add_contact (f->store, "  Dora   Explorer ", "dora@example.com", &error);
  g_assert_no_error (error);
  g_assert_cmpint (id, >, 0);
  g_assert_cmpint (tern_store_add_contact (f->store, NULL, "DORA@example.com", &error), ==, 0);
  g_assert_error (error, TERN_STORE_ERROR, TERN_STORE_ERROR_EXISTS);
  g_clear_error (&error);
  g_assert_cmpint (tern_store_add_contact (f->store, "X", "not an address", &error), ==, 0);
  g_assert_error (error, TERN_STORE_ERROR, TERN_STORE_ERROR_INVALID);
  g_clear_error (&error);

  /* The user's name stays when mail to the address says otherwise. */
  g_assert_true (tern_store_set_contact_name (f->store, id, "Dora Márquez", &error));
  g_assert_true (tern_store_note_sent (f->store, "<e1@x>", names, addresses, 100, &error));
  c = tern_store_get_contact (f->store, id, &error);
  g_assert_cmpstr (c->name, ==, "Dora Márquez");
  g_assert_cmpuint (c->sent, ==, 1);
  g_clear_pointer (&c, tern_contact_free);

  /* Word-start search in the name, case folded, and address prefix. */
  found = tern_store_list_contacts (f->store, "MÁR", FALSE, 0, &error);
  g_assert_cmpuint (found->len, ==, 1);
  g_clear_pointer (&found, g_ptr_array_unref);
  found = tern_store_list_contacts (f->store, "ora", FALSE, 0, &error);
  g_assert_cmpuint (found->len, ==, 0);
  g_clear_pointer (&found, g_ptr_array_unref);

  /* Deleted: neither listed nor completed from the mail that names it, nor brought back by
   * reading; writing to it again brings it back. */
  inbox_msg = add_message (f, f->inbox, "<d1@example.com>", "Dora", "dora@example.com", "me@example.org", NULL);
  g_assert_true (tern_store_delete_contact (f->store, id, &error));
  g_assert_null (find (f, "dora@example.com"));
  found = tern_store_complete_addresses (f->store, "dor", 10, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (found->len, ==, 0);
  g_clear_pointer (&found, g_ptr_array_unref);
  g_assert_true (tern_store_note_read (f->store, inbox_msg, &collected, &error));
  g_assert_false (collected);
  g_assert_null (find (f, "dora@example.com"));
  g_assert_true (tern_store_note_sent (f->store, "<e2@x>", NULL, addresses, 200, &error));
  c = find (f, "dora@example.com");
  g_assert_nonnull (c);
}

static void
test_completion (Fixture       *f,
                 gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) found = NULL;
  const char *addresses[] = { "alan@example.com", NULL };

  /* Alice wrote often, the user wrote to Alan once: Alan, in the address book, comes first. */
  for (guint i = 0; i < 5; i++)
    {
      g_autofree char *msgid = g_strdup_printf ("<c%u@example.com>", i);

      add_message (f, f->inbox, msgid, "Alice", "alice@example.com", "someone@example.com", NULL);
    }
  g_assert_true (tern_store_note_sent (f->store, "<s@x>", NULL, addresses, g_get_real_time () / G_USEC_PER_SEC, &error));
  found = tern_store_complete_addresses (f->store, "al", 10, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (found->len, ==, 2);
  g_assert_cmpstr (((TernAddress *) found->pdata[0])->address, ==, "alan@example.com");
  g_assert_cmpstr (((TernAddress *) found->pdata[1])->address, ==, "alice@example.com");
}

static void
test_vcard (Fixture       *f,
            gconstpointer  data)
{
  static const char file[] =
    "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Erin Ng\r\nEMAIL:erin@example.org\r\nEMAIL:erin@work.example\r\nEND:VCARD\r\n"
    "BEGIN:VCARD\nVERSION:4.0\nFN:Frank\\, the Tank\nEMAIL:frank@example.org\nEND:VCARD\n";
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) cards = tern_vcard_parse (file, sizeof file - 1, NULL, &error);
  g_autoptr(GPtrArray) again = NULL;
  g_autoptr(TernContact) frank = NULL;
  g_autofree char *exported = NULL;
  guint added = 0, updated = 0, count = 0;
  const char *addresses[] = { "frank@example.org", NULL };
  const char *names[] = { "F.", NULL };

  g_assert_true (tern_store_note_sent (f->store, NULL, names, addresses, 1, &error));
  g_assert_true (tern_store_import_vcards (f->store, cards, &added, &updated, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (added, ==, 2);
  g_assert_cmpuint (updated, ==, 1);
  frank = find (f, "frank@example.org");
  g_assert_cmpstr (frank->name, ==, "Frank, the Tank");
  g_assert_cmpuint (frank->sent, ==, 1);
  /* Importing the same file again changes nothing. */
  g_assert_true (tern_store_import_vcards (f->store, cards, &added, &updated, &error));
  g_assert_cmpuint (added + updated, ==, 0);

  exported = tern_store_export_vcards (f->store, &count, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (count, ==, 3);
  again = tern_vcard_parse (exported, strlen (exported), NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (again->len, ==, 3);
  /* By name: Erin (twice), Frank. */
  g_assert_cmpstr (((TernVCard *) again->pdata[0])->name, ==, "Erin Ng");
  g_assert_cmpstr (((TernVCard *) again->pdata[2])->name, ==, "Frank, the Tank");
  g_assert_cmpstr (((TernVCard *) again->pdata[2])->emails[0], ==, "frank@example.org");
}

/* tern-cli contacts: import, list (with the Sent folders read first), export; a broken file
 * is an error and adds nothing. */
static void
test_cli (Fixture       *f,
          gconstpointer  data)
{
  g_autofree char *vcf = g_build_filename (f->dir, "in.vcf", NULL);
  g_autofree char *bad = g_build_filename (f->dir, "bad.vcf", NULL);
  g_autofree char *out = NULL;
  int status = -1;

  g_assert_true (g_file_set_contents (vcf, "BEGIN:VCARD\nVERSION:4.0\nFN:Gil\nEMAIL:gil@example.org\nEND:VCARD\n", -1, NULL));
  g_assert_true (g_file_set_contents (bad, "BEGIN:VCARD\nFN:Gil\n", -1, NULL));
  add_message (f, f->sent, "<cli@example.org>", "Me", "me@example.org", "Hal <hal@example.org>", "\\Seen");

  out = tern_test_cache_run_cli (f->dir, &status, "contacts", "import", bad, NULL);
  g_assert_true (WIFEXITED (status) && WEXITSTATUS (status) != 0);
  g_assert_nonnull (strstr (out, "has no END"));
  g_clear_pointer (&out, g_free);

  out = tern_test_cache_run_cli (f->dir, &status, "contacts", "import", vcf, NULL);
  g_assert_cmpint (status, ==, 0);
  g_assert_cmpstr (out, ==, "1 added, 0 updated, 0 cards without an address skipped\n");
  g_clear_pointer (&out, g_free);

  out = tern_test_cache_run_cli (f->dir, &status, "contacts", NULL);
  g_assert_cmpint (status, ==, 0);
  g_assert_cmpstr (out, ==, "Gil <gil@example.org>\tsent 0\treceived 0\nHal <hal@example.org>\tsent 1\treceived 0\n");
  g_clear_pointer (&out, g_free);

  out = tern_test_cache_run_cli (f->dir, &status, "contacts", "export", "-", NULL);
  g_assert_cmpint (status, ==, 0);
  g_assert_nonnull (strstr (out, "BEGIN:VCARD\r\nVERSION:4.0\r\nFN:Hal\r\nEMAIL:hal@example.org\r\nEND:VCARD\r\n"));
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
#define ADD(name, func) \
  g_test_add ("/contacts/" name, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("sent", test_sent);
  ADD ("read", test_read);
  ADD ("edit", test_edit);
  ADD ("completion", test_completion);
  ADD ("vcard", test_vcard);
  ADD ("cli", test_cli);
  return g_test_run ();
}
