/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-ui-contacts"

#include "config.h"

#include <glib/gstdio.h>
#include <string.h>

#include "tern-application.h"
#include "tern-composer-window.h"
#include "tern-contacts-window.h"
#include "tern-contacts.h"
#include "tern-test-ui.h"

/*
 * The address book in the app (#15), under Xvfb with real key presses: typing "ali" in To
 * pops up the address book's suggestion, Down and Enter put it in, quoted, Tab takes the best
 * one; a name edited on the Contacts page (main menu) is kept, Write Message opens a composer
 * to the contact, Delete removes it from the suggestions too; a vCard file imported there is
 * suggested by the composer at once; the Sent folder's people are collected at start, a
 * message opened adds its sender.
 */

typedef struct
{
  char            *dir;
  TernApplication *app;
  TernWindow      *window;
  TernStore       *store;  /* the app's, borrowed */
} Fixture;

/* INBOX with an unread message written to the user, Sent with one the user sent elsewhere. */
static void
add_mail (TernStore *store,
          gint64     account_id)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TernMessage) received = tern_message_new ();
  g_autoptr(TernMessage) sent = tern_message_new ();
  TernFolder inbox = { .account_id = account_id, .name = (char *) "INBOX", .delimiter = (char *) "/",
                       .selectable = TRUE, .subscribed = TRUE };
  TernFolder sent_folder = { .account_id = account_id, .name = (char *) "Sent", .delimiter = (char *) "/",
                             .selectable = TRUE, .subscribed = TRUE, .special_use = (char *) "\\Sent" };
  gint64 inbox_id = 0, sent_id = 0;

  g_assert_true (tern_store_upsert_folder (store, &inbox, &inbox_id, &error));
  g_assert_true (tern_store_upsert_folder (store, &sent_folder, &sent_id, &error));
  received->uid = 1;
  received->flags = g_strdup ("");
  received->date = received->internaldate = g_get_real_time () / G_USEC_PER_SEC - 60;
  received->subject = g_strdup ("Lunch?");
  received->from_name = g_strdup ("Carol Reader");
  received->from_addr = g_strdup ("carol@example.com");
  received->to_list = g_strdup ("me@example.org");
  received->message_id = g_strdup ("<lunch@example.com>");
  g_assert_true (tern_store_upsert_message (store, inbox_id, received, NULL, &error));
  sent->uid = 1;
  sent->flags = g_strdup ("\\Seen");
  sent->date = sent->internaldate = g_get_real_time () / G_USEC_PER_SEC - 120;
  sent->subject = g_strdup ("Report");
  sent->from_addr = g_strdup ("me@example.org");
  sent->to_list = g_strdup ("Dan Sent <dan@example.com>");
  sent->message_id = g_strdup ("<report@example.org>");
  g_assert_true (tern_store_upsert_message (store, sent_id, sent, NULL, &error));
  g_assert_no_error (error);
}

static void
set_up (Fixture       *f,
        gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TernStore) store = NULL;
  g_autofree char *path = NULL;
  TernAccount account = {
    .name = (char *) "work", .email = (char *) "me@example.org", .host = (char *) "imap.invalid",
    .port = 993, .security = (char *) "tls", .user = (char *) "me",
  };
  const char *names[] = { "Liddell, Alice", "Bob Alison", NULL };
  const char *addresses[] = { "alice@example.org", "bob@example.net", NULL };

  f->dir = g_dir_make_tmp ("tern-ui-contacts-XXXXXX", &error);
  g_assert_no_error (error);
  path = g_build_filename (f->dir, "tern.db", NULL);
  store = tern_store_open (path, &error);
  g_assert_no_error (error);
  g_assert_true (tern_store_add_account (store, &account, &account.id, &error));
  /* Alice was written to three times, Bob twice: Alice first. */
  g_assert_true (tern_store_note_sent (store, "<1@x>", names, addresses, g_get_real_time () / G_USEC_PER_SEC, &error));
  g_assert_true (tern_store_note_sent (store, "<2@x>", names, addresses, g_get_real_time () / G_USEC_PER_SEC, &error));
  g_assert_true (tern_store_note_sent (store, "<3@x>", names, (const char *[]) { "alice@example.org", NULL },
                                       g_get_real_time () / G_USEC_PER_SEC, &error));
  if (data != NULL)
    add_mail (store, account.id);
  g_clear_pointer (&store, tern_store_free);

  f->app = tern_test_ui_start_app (f->dir, TRUE, &f->window);
  f->store = tern_application_get_store (f->app);
}

static void
tear_down (Fixture       *f,
           gconstpointer  data)
{
  g_autofree char *cmd = g_strdup_printf ("rm -rf '%s'", f->dir);

  tern_test_ui_close_app (&f->app);
  g_assert_cmpint (system (cmd), ==, 0);
  g_free (f->dir);
}

static TernComposerWindow *
open_composer (Fixture *f)
{
  TernComposerWindow *composer = tern_composer_window_new (f->app, TERN_COMPOSE_NEW, 0, 0);

  gtk_window_present (GTK_WINDOW (composer));
  g_assert_true (tern_test_ui_wait_frames (GTK_WIDGET (composer), 1));
  return composer;
}

static void
type_text (GtkWidget  *widget,
           const char *text)
{
  /* Capitals with Shift held, as a user types them. */
  for (const char *p = text; *p != '\0'; p++)
    g_assert_true (tern_test_ui_press_key (widget, gdk_unicode_to_keyval (g_ascii_tolower (*p)),
                                           g_ascii_isupper (*p) ? GDK_SHIFT_MASK : 0));
}

/* A popover of the entry (the completion's list) is on screen. */
static gboolean
popup_shown_cb (gpointer data)
{
  for (GtkWidget *child = gtk_widget_get_first_child (data); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    if (GTK_IS_POPOVER (child) && gtk_widget_get_mapped (child))
      return TRUE;
  return FALSE;
}

typedef struct
{
  GtkEditable *editable;
  const char  *text;
} TextWait;

static gboolean
text_is_cb (gpointer data)
{
  TextWait *w = data;

  return g_strcmp0 (gtk_editable_get_text (w->editable), w->text) == 0;
}

static void
test_composer_keyboard (Fixture       *f,
                        gconstpointer  data)
{
  TernComposerWindow *composer = open_composer (f);
  GtkWidget *to = tern_test_ui_find_named (GTK_WIDGET (composer), "to_entry");
  g_auto(GStrv) suggestions = NULL;
  TextWait wait = { GTK_EDITABLE (to), "\"Liddell, Alice\" <alice@example.org>, " };

  gtk_widget_grab_focus (to);
  type_text (to, "ali");
  /* "ali" starts Alice's address and a word of Bob Alison's name: Alice, written to more,
   * first; the name quoted as RFC 5322 wants it. */
  suggestions = tern_composer_window_dup_suggestions (composer);
  g_assert_cmpuint (g_strv_length (suggestions), ==, 2);
  g_assert_cmpstr (suggestions[0], ==, "\"Liddell, Alice\" <alice@example.org>");
  g_assert_cmpstr (suggestions[1], ==, "Bob Alison <bob@example.net>");
  g_assert_true (tern_test_ui_wait_for (popup_shown_cb, to, 10));

  g_assert_true (tern_test_ui_press_key (to, GDK_KEY_Down, 0));
  g_assert_true (tern_test_ui_press_key (to, GDK_KEY_Return, 0));
  g_assert_true (tern_test_ui_wait_for (text_is_cb, &wait, 10));
  g_assert_cmpstr (tern_composer_window_get_to (composer), ==, "\"Liddell, Alice\" <alice@example.org>, ");

  /* Tab takes the best suggestion after what is there; the focus stays in To. */
  type_text (to, "bo");
  wait.text = "\"Liddell, Alice\" <alice@example.org>, Bob Alison <bob@example.net>, ";
  g_assert_true (tern_test_ui_press_key (to, GDK_KEY_Tab, 0));
  g_assert_true (tern_test_ui_wait_for (text_is_cb, &wait, 10));
  g_assert_true (gtk_widget_has_focus (gtk_widget_get_first_child (to)) || gtk_widget_has_focus (to));
  gtk_window_destroy (GTK_WINDOW (composer));
}

static gboolean
contacts_shown_cb (gpointer data)
{
  return tern_test_ui_find_toplevel (TERN_TYPE_CONTACTS_WINDOW) != NULL;
}

static TernContactsWindow *
open_contacts (Fixture *f)
{
  GtkWindow *window;

  g_action_group_activate_action (G_ACTION_GROUP (f->app), "contacts", NULL);
  g_assert_true (tern_test_ui_wait_for (contacts_shown_cb, NULL, 10));
  window = tern_test_ui_find_toplevel (TERN_TYPE_CONTACTS_WINDOW);
  g_assert_true (tern_test_ui_wait_frames (GTK_WIDGET (window), 1));
  return TERN_CONTACTS_WINDOW (window);
}

typedef struct
{
  TernStore  *store;
  const char *address;
  const char *name;
} NameWait;

static gboolean
name_stored_cb (gpointer data)
{
  NameWait *w = data;
  g_autoptr(GPtrArray) found = tern_store_list_contacts (w->store, w->address, FALSE, 1, NULL);

  return found != NULL && found->len == 1 &&
         g_strcmp0 (((TernContact *) found->pdata[0])->name, w->name) == 0;
}

/* The search (it waits for a pause in typing) has left one contact. */
static gboolean
one_shown_cb (gpointer data)
{
  g_auto(GStrv) shown = tern_contacts_window_dup_shown (data);

  return g_strv_length (shown) == 1;
}

static void
test_edit_persists (Fixture       *f,
                    gconstpointer  data)
{
  TernContactsWindow *contacts = open_contacts (f);
  g_auto(GStrv) shown = tern_contacts_window_dup_shown (contacts);
  GtkWidget *row = tern_test_ui_find_named (GTK_WIDGET (contacts), "alice@example.org");
  GtkWidget *search = tern_test_ui_find_named (GTK_WIDGET (contacts), "search");
  NameWait wait = { f->store, "alice@example.org", "Alice L" };
  TextWait text = { NULL, "Alice L" };
  TernComposerWindow *composer;
  g_auto(GStrv) suggestions = NULL;

  tern_test_ui_screenshots (GTK_WINDOW (contacts), "contacts", 560, 520);
  /* By name: Bob Alison, then "Liddell, Alice". */
  g_assert_cmpstrv (shown, ((const char *[]) { "bob@example.net", "alice@example.org", NULL }));
  g_assert_nonnull (row);

  /* The user selects the name, types another and presses Enter. */
  gtk_widget_grab_focus (row);
  g_assert_true (tern_test_ui_press_key (row, GDK_KEY_a, GDK_CONTROL_MASK));
  type_text (row, "Alice L");
  g_assert_true (tern_test_ui_press_key (row, GDK_KEY_Return, 0));
  g_assert_true (tern_test_ui_wait_for (name_stored_cb, &wait, 10));

  /* Searching by a word of the new name; the page opened again shows it. */
  gtk_editable_set_text (GTK_EDITABLE (search), "l");
  g_assert_true (tern_test_ui_wait_for (one_shown_cb, contacts, 10));
  g_clear_pointer (&shown, g_strfreev);
  shown = tern_contacts_window_dup_shown (contacts);
  g_assert_cmpstrv (shown, ((const char *[]) { "alice@example.org", NULL }));
  gtk_window_destroy (GTK_WINDOW (contacts));
  tern_test_ui_drain ();
  contacts = open_contacts (f);
  text.editable = GTK_EDITABLE (tern_test_ui_find_named (GTK_WIDGET (contacts), "alice@example.org"));
  g_assert_true (text_is_cb (&text));
  g_clear_pointer (&shown, g_strfreev);
  shown = tern_contacts_window_dup_shown (contacts);
  g_assert_cmpstrv (shown, ((const char *[]) { "alice@example.org", "bob@example.net", NULL }));

  /* Write Message: a composer to the contact, with the name. */
  row = tern_test_ui_find_named (GTK_WIDGET (contacts), "alice@example.org");
  g_signal_emit_by_name (tern_test_ui_find_named (row, "write"), "clicked");
  composer = TERN_COMPOSER_WINDOW (tern_test_ui_find_toplevel (TERN_TYPE_COMPOSER_WINDOW));
  g_assert_nonnull (composer);
  g_assert_cmpstr (tern_composer_window_get_to (composer), ==, "Alice L <alice@example.org>");
  gtk_window_destroy (GTK_WINDOW (composer));

  /* Delete: gone from the page and from the composer's suggestions. */
  row = tern_test_ui_find_named (GTK_WIDGET (contacts), "bob@example.net");
  g_signal_emit_by_name (tern_test_ui_find_named (row, "delete"), "clicked");
  g_clear_pointer (&shown, g_strfreev);
  shown = tern_contacts_window_dup_shown (contacts);
  g_assert_cmpstrv (shown, ((const char *[]) { "alice@example.org", NULL }));
  composer = open_composer (f);
  tern_composer_window_set_to (composer, "bo");
  suggestions = tern_composer_window_dup_suggestions (composer);
  g_assert_cmpuint (g_strv_length (suggestions), ==, 0);
  gtk_window_destroy (GTK_WINDOW (composer));
  gtk_window_destroy (GTK_WINDOW (contacts));
}

static void
test_import_suggests (Fixture       *f,
                      gconstpointer  data)
{
  static const char vcf[] =
    "BEGIN:VCARD\r\nVERSION:3.0\r\nN:Ng;Erin;;;\r\nFN:Erin Ng\r\nEMAIL;TYPE=WORK:erin@w\r\n ork.example\r\nEND:VCARD\r\n";
  g_autofree char *path = g_build_filename (f->dir, "people.vcf", NULL);
  g_autofree char *bad_path = g_build_filename (f->dir, "bad.vcf", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GFile) bad = g_file_new_for_path (bad_path);
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) shown = NULL;
  g_auto(GStrv) suggestions = NULL;
  TernContactsWindow *contacts = open_contacts (f);
  TernComposerWindow *composer;

  g_assert_true (g_file_set_contents (path, vcf, -1, &error));
  g_assert_true (g_file_set_contents (bad_path, "BEGIN:VCARD\nFN:Cut short\n", -1, &error));

  /* A broken file: an error that says why, nothing added. */
  g_assert_false (tern_contacts_window_import_file (contacts, bad, &error));
  g_assert_error (error, TERN_VCARD_ERROR, TERN_VCARD_ERROR_INVALID);
  g_clear_error (&error);
  shown = tern_contacts_window_dup_shown (contacts);
  g_assert_cmpuint (g_strv_length (shown), ==, 2);
  g_clear_pointer (&shown, g_strfreev);

  g_assert_true (tern_contacts_window_import_file (contacts, file, &error));
  g_assert_no_error (error);
  shown = tern_contacts_window_dup_shown (contacts);
  g_assert_true (g_strv_contains ((const char * const *) shown, "erin@work.example"));

  composer = open_composer (f);
  tern_composer_window_set_cc (composer, "eri");
  suggestions = tern_composer_window_dup_suggestions (composer);
  g_assert_cmpstrv (suggestions, ((const char *[]) { "Erin Ng <erin@work.example>", NULL }));
  gtk_window_destroy (GTK_WINDOW (composer));
  gtk_window_destroy (GTK_WINDOW (contacts));
}

typedef struct
{
  TernStore  *store;
  const char *address;
  guint       sent;
  guint       received;
} CountWait;

static gboolean
counted_cb (gpointer data)
{
  CountWait *w = data;
  g_autoptr(GPtrArray) found = tern_store_list_contacts (w->store, w->address, FALSE, 1, NULL);

  return found != NULL && found->len == 1 && ((TernContact *) found->pdata[0])->sent == w->sent &&
         ((TernContact *) found->pdata[0])->received == w->received;
}

/* What the Sent folder held before the app started is read on a thread; the message the
 * user opens adds its sender. */
static void
test_collected (Fixture       *f,
                gconstpointer  data)
{
  CountWait dan = { f->store, "dan@example.com", 1, 0 };
  CountWait carol = { f->store, "carol@example.com", 0, 1 };
  g_autoptr(GPtrArray) none = tern_store_list_contacts (f->store, "carol", FALSE, 0, NULL);

  g_assert_true (tern_test_ui_wait_for (counted_cb, &dan, 30));
  g_assert_cmpuint (none->len, ==, 0);
  gtk_window_present (GTK_WINDOW (f->window));
  g_assert_true (tern_test_ui_wait_frames (GTK_WIDGET (f->window), 2));
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (tern_window_get_selection (f->window))), ==, 1);
  gtk_selection_model_select_item (tern_window_get_selection (f->window), 0, TRUE);
  g_assert_true (tern_test_ui_wait_for (counted_cb, &carol, 10));
}

int
main (int   argc,
      char *argv[])
{
  tern_test_ui_init_with_bus (&argc, &argv);

#define ADD(path, func) g_test_add ("/ui-contacts/" path, Fixture, NULL, set_up, func, tear_down)
  ADD ("composer-keyboard", test_composer_keyboard);
  ADD ("edit-persists", test_edit_persists);
  ADD ("import-suggests", test_import_suggests);
  g_test_add ("/ui-contacts/collected", Fixture, "mail", set_up, test_collected, tear_down);
  return g_test_run ();
}
