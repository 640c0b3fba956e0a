/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-composer"

#include "config.h"

#include <glib/gstdio.h>
#include <gmime/gmime.h>
#include <string.h>

#include "tern-application.h"
#include "tern-composer-window.h"
#include "tern-identities-dialog.h"
#include "tern-identity.h"
#include "tern-outbox-sync.h"
#include "tern-outbox.h"
#include "tern-preferences.h"
#include "tern-sync.h"
#include "tern-test-cache.h"
#include "tern-test-server.h"
#include "tern-test-ui.h"
#include "tern-window.h"

/*
 * The composer under Xvfb, driven through its widget API and actions as a user drives it
 * through the keyboard, against the Dovecot fixture with SMTP submission: what Send queues
 * reaches the fixture's sink once and parses back (GMime) as it was written; replies thread
 * and mark the original \Answered; drafts reach the server's Drafts folder, survive closing
 * the window and open again; offline, a message waits in the outbox, visibly, and goes once
 * the app is online again; mailto: links and address completion fill the fields.
 */

G_DEFINE_AUTOPTR_CLEANUP_FUNC (GMimeMessage, g_object_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (GMimeStream, g_object_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (GMimeParser, g_object_unref)

typedef struct
{
  char             *dir;
  char             *db_path;
  TernTestServer   *server;
  TernApplication  *app;
  TernWindow       *window;
  TernStore        *store;     /* the app's own, borrowed */
  gint64            account;
} Fixture;

/* The fixture: Dovecot with submission, an account whose SMTP settings point at it. */

static void
set_up (Fixture       *f,
        gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TernStore) store = NULL;

  f->server = tern_test_server_new (TERN_TEST_SERVER_SUBMISSION, &error);
  g_assert_no_error (error);
  f->dir = g_dir_make_tmp ("tern-composer-XXXXXX", &error);
  g_assert_no_error (error);
  f->db_path = g_build_filename (f->dir, "tern.db", NULL);

  store = tern_store_open (f->db_path, &error);
  g_assert_no_error (error);
  f->account = tern_test_cache_add_server_account (store, f->server, "fixture", TRUE);
  tern_test_cache_set_server_smtp (store, f->server, f->account);
}

static void
tear_down (Fixture       *f,
           gconstpointer  data)
{
  g_autofree char *cmd = g_strdup_printf ("rm -rf '%s'", f->dir);

  if (f->app != NULL)
    {
      GList *windows = g_list_copy (gtk_application_get_windows (GTK_APPLICATION (f->app)));

      for (GList *l = windows; l != NULL; l = l->next)
        gtk_window_destroy (l->data);
      g_list_free (windows);
    }
  tern_test_ui_stop_workers (f->app);
  tern_test_ui_drain ();
  g_clear_object (&f->app);
  g_clear_pointer (&f->server, tern_test_server_free);
  g_assert_cmpint (system (cmd), ==, 0);
  g_free (f->dir);
  g_free (f->db_path);
}

static gboolean
online_cb (gpointer data)
{
  Fixture *f = data;

  return tern_test_ui_worker_online (f->app) &&
         g_list_model_get_n_items (G_LIST_MODEL (tern_window_get_folder_model (f->window))) > 0;
}

static void
start_app (Fixture  *f,
           gboolean  offline)
{
  f->app = tern_test_ui_start_app (f->dir, offline, &f->window);
  f->store = tern_application_get_store (f->app);
  if (!offline)
    g_assert_true (tern_test_ui_wait_for (online_cb, f, 60));
  tern_test_ui_drain ();
}

static void
append (Fixture    *f,
        const char *mailbox,
        const char *text)
{
  tern_test_server_append_message (f->server, "alice", mailbox, text);
}

/* How many messages of the mailbox match an IMAP SEARCH, as the server sees it. */
static guint
server_count (Fixture    *f,
              const char *mailbox,
              const char *criteria)
{
  return tern_test_server_count_messages (f->server, "alice", mailbox, criteria);
}

typedef struct
{
  Fixture    *f;
  const char *mailbox;
  const char *criteria;
  guint       count;
  gint64      asked;
} ServerWait;

static gboolean
server_has_cb (gpointer data)
{
  ServerWait *w = data;
  gint64 now = g_get_monotonic_time ();

  /* Asking the server is slow: not more than every 50 ms, the main loop running between. */
  if (now - w->asked < 50000)
    return FALSE;
  w->asked = now;
  return server_count (w->f, w->mailbox, w->criteria) == w->count;
}

static gboolean
wait_server (Fixture    *f,
             const char *mailbox,
             const char *criteria,
             guint       count)
{
  ServerWait w = { f, mailbox, criteria, count };

  return tern_test_ui_wait_for (server_has_cb, &w, 30);
}

static TernComposerWindow *
find_composer (Fixture *f)
{
  for (GList *l = gtk_application_get_windows (GTK_APPLICATION (f->app)); l != NULL; l = l->next)
    if (TERN_IS_COMPOSER_WINDOW (l->data))
      return l->data;
  return NULL;
}

static guint
count_composers (Fixture *f)
{
  guint n = 0;

  for (GList *l = gtk_application_get_windows (GTK_APPLICATION (f->app)); l != NULL; l = l->next)
    n += TERN_IS_COMPOSER_WINDOW (l->data);
  return n;
}

static TernComposerWindow *
open_composer (Fixture    *f,
               const char *action)
{
  TernComposerWindow *composer;

  g_assert_cmpuint (count_composers (f), ==, 0);
  gtk_widget_activate_action (GTK_WIDGET (f->window), action, NULL);
  composer = find_composer (f);
  g_assert_nonnull (composer);
  tern_test_ui_drain ();
  return composer;
}

static AdwMessageDialog *
find_dialog (void)
{
  return (AdwMessageDialog *) tern_test_ui_find_toplevel (ADW_TYPE_MESSAGE_DIALOG);
}

static gboolean
not_busy_cb (gpointer data)
{
  return !tern_composer_window_get_busy (data);
}

typedef struct
{
  TernTestServer *server;
  guint           count;
} SinkWait;

static gboolean
submitted_cb (gpointer data)
{
  SinkWait *w = data;

  return tern_test_server_count_submitted (w->server) >= w->count;
}

static GMimeMessage *
submitted (Fixture *f,
           guint    index)
{
  g_autoptr(GBytes) raw = tern_test_server_dup_submitted (f->server, index, NULL, NULL);
  g_autoptr(GMimeStream) stream = NULL;
  g_autoptr(GMimeParser) parser = NULL;
  GMimeMessage *message;

  g_assert_nonnull (raw);
  stream = g_mime_stream_mem_new_with_buffer (g_bytes_get_data (raw, NULL), g_bytes_get_size (raw));
  parser = g_mime_parser_new_with_stream (stream);
  message = g_mime_parser_construct_message (parser, NULL);
  g_assert_nonnull (message);
  return message;
}

static char *
text_of (GMimeMessage *message)
{
  GMimeObject *body = g_mime_message_get_body (message);

  g_assert_true (GMIME_IS_TEXT_PART (body));
  return g_mime_text_part_get_text (GMIME_TEXT_PART (body));
}

static char *
write_attachment (Fixture *f,
                  gsize    size)
{
  g_autofree guint8 *data = g_malloc (size);
  char *path = g_build_filename (f->dir, "données.bin", NULL);

  for (gsize i = 0; i < size; i++)
    data[i] = (guint8) (i * 31 + 7);
  g_assert_true (g_file_set_contents (path, (char *) data, (gssize) size, NULL));
  return path;
}

static guint
outbox_count (Fixture    *f,
              const char *state)
{
  return tern_outbox_count (f->store, f->account, state);
}

static gboolean
all_sent_cb (gpointer data)
{
  Fixture *f = data;

  return outbox_count (f, TERN_OUTBOX_SENT) == 1;
}

static gboolean
one_queued_cb (gpointer data)
{
  return outbox_count (data, TERN_OUTBOX_QUEUED) == 1;
}

static gboolean
nothing_to_send_cb (gpointer data)
{
  return strstr (tern_status_area_get_text (data), "to send") == NULL;
}

static gboolean
save_settled_cb (gpointer data)
{
  return !tern_composer_window_get_save_pending (data);
}

static gboolean
no_composer_cb (gpointer data)
{
  return count_composers (data) == 0;
}

/* Tests. */

static void
test_send_new (Fixture       *f,
               gconstpointer  data)
{
  g_autofree char *path = write_attachment (f, 40000);
  g_autoptr(GMimeMessage) message = NULL;
  g_autofree char *text = NULL;
  TernComposerWindow *composer;
  SinkWait sink = { f->server, 1 };
  GMimePart *attachment = NULL;

  start_app (f, FALSE);
  composer = open_composer (f, "win.compose");
  g_assert_cmpint (tern_composer_window_get_account_id (composer), ==, f->account);

  tern_composer_window_set_to (composer, "Bob <bob@example.org>");
  tern_composer_window_set_cc (composer, "carol@example.org");
  tern_composer_window_set_subject (composer, "Quarterly numbers ✓");
  tern_composer_window_set_body (composer, "Hello Bob,\n\nthe numbers are attached.\n\nAlice\n");
  g_assert_true (tern_composer_window_add_attachment (composer, path, NULL));
  g_assert_cmpuint (tern_composer_window_get_n_attachments (composer), ==, 1);

  /* It mentions an attachment and has one: no question, it goes, and the window closes. */
  gtk_widget_activate_action (GTK_WIDGET (composer), "composer.send", NULL);
  g_assert_null (find_dialog ());
  g_assert_cmpuint (count_composers (f), ==, 0);

  g_assert_true (tern_test_ui_wait_for (submitted_cb, &sink, 30));
  /* Once: the outbox has settled it as sent, and submitted it that once. */
  g_assert_true (tern_test_ui_wait_for (all_sent_cb, f, 30));
  g_assert_cmpuint (tern_test_server_count_submitted (f->server), ==, 1);

  message = submitted (f, 0);
  g_assert_cmpstr (g_mime_message_get_subject (message), ==, "Quarterly numbers ✓");
  {
    g_autofree char *from = internet_address_list_to_string (g_mime_message_get_from (message), NULL, FALSE);
    g_autofree char *to = internet_address_list_to_string (g_mime_message_get_to (message), NULL, FALSE);
    g_autofree char *cc = internet_address_list_to_string (g_mime_message_get_cc (message), NULL, FALSE);

    g_assert_nonnull (strstr (from, "alice@example.org"));
    g_assert_cmpstr (to, ==, "Bob <bob@example.org>");
    g_assert_cmpstr (cc, ==, "carol@example.org");
  }
  text = text_of (message);
  g_assert_nonnull (strstr (text, "the numbers are attached."));
  {
    GMimePartIter *iter = g_mime_part_iter_new (GMIME_OBJECT (message));

    do
      {
        GMimeObject *part = g_mime_part_iter_get_current (iter);

        if (GMIME_IS_PART (part) && g_mime_part_is_attachment (GMIME_PART (part)))
          attachment = GMIME_PART (part);
      }
    while (g_mime_part_iter_next (iter));
    g_mime_part_iter_free (iter);
  }
  g_assert_nonnull (attachment);
  g_assert_cmpstr (g_mime_part_get_filename (attachment), ==, "données.bin");
  {
    g_autoptr(GMimeStream) out = g_mime_stream_mem_new ();
    GByteArray *bytes;
    g_autofree char *original = NULL;
    gsize length = 0;

    g_mime_data_wrapper_write_to_stream (g_mime_part_get_content (attachment), out);
    bytes = g_mime_stream_mem_get_byte_array (GMIME_STREAM_MEM (out));
    g_assert_true (g_file_get_contents (path, &original, &length, NULL));
    g_assert_cmpmem (bytes->data, bytes->len, original, length);
  }

  /* Sent once, its copy in Sent. */
  g_assert_cmpuint (outbox_count (f, TERN_OUTBOX_QUEUED), ==, 0);
  g_assert_true (wait_server (f, "Sent", "SUBJECT \"Quarterly numbers\"", 1));
}

static void
test_validation_and_warning (Fixture       *f,
                             gconstpointer  data)
{
  g_autofree char *path = write_attachment (f, 100);
  TernComposerWindow *composer;
  AdwMessageDialog *dialog;

  start_app (f, TRUE);
  composer = open_composer (f, "win.compose");

  /* No recipient: said under the fields, nothing queued, the window stays. */
  tern_composer_window_set_subject (composer, "Minutes");
  tern_composer_window_set_body (composer, "Hi,\nthe minutes are in the attachment.\n");
  gtk_widget_activate_action (GTK_WIDGET (composer), "composer.send", NULL);
  g_assert_nonnull (tern_composer_window_get_error (composer));
  g_assert_nonnull (strstr (tern_composer_window_get_error (composer), "recipient"));
  g_assert_cmpuint (outbox_count (f, TERN_OUTBOX_QUEUED), ==, 0);

  /* Not an address: named. Typing clears the error. */
  tern_composer_window_set_to (composer, "bob@example.org, carol");
  g_assert_null (tern_composer_window_get_error (composer));
  gtk_widget_activate_action (GTK_WIDGET (composer), "composer.send", NULL);
  g_assert_nonnull (strstr (tern_composer_window_get_error (composer), "“carol”"));
  tern_composer_window_set_to (composer, "bob@example.org");
  tern_composer_window_set_bcc (composer, "x@");
  gtk_widget_activate_action (GTK_WIDGET (composer), "composer.send", NULL);
  g_assert_nonnull (strstr (tern_composer_window_get_error (composer), "Bcc"));
  tern_composer_window_set_bcc (composer, "");
  g_assert_cmpuint (outbox_count (f, TERN_OUTBOX_QUEUED), ==, 0);

  /* The text mentions an attachment and there is none: asked first. */
  gtk_widget_activate_action (GTK_WIDGET (composer), "composer.send", NULL);
  dialog = find_dialog ();
  g_assert_nonnull (dialog);
  g_assert_null (tern_composer_window_get_error (composer));
  adw_message_dialog_response (dialog, "cancel");
  tern_test_ui_drain ();
  g_assert_cmpuint (outbox_count (f, TERN_OUTBOX_QUEUED), ==, 0);
  g_assert_cmpuint (count_composers (f), ==, 1);

  /* Attached: no question, queued (offline: it waits). */
  g_assert_true (tern_composer_window_add_attachment (composer, path, NULL));
  gtk_widget_activate_action (GTK_WIDGET (composer), "composer.send", NULL);
  g_assert_null (find_dialog ());
  g_assert_cmpuint (outbox_count (f, TERN_OUTBOX_QUEUED), ==, 1);
  g_assert_cmpuint (count_composers (f), ==, 0);

  /* "Send anyway" sends it as it is. */
  composer = open_composer (f, "win.compose");
  tern_composer_window_set_to (composer, "bob@example.org");
  tern_composer_window_set_body (composer, "Ci-joint le rapport, et la pièce jointe promise.\n");
  gtk_widget_activate_action (GTK_WIDGET (composer), "composer.send", NULL);
  dialog = find_dialog ();
  g_assert_nonnull (dialog);
  adw_message_dialog_response (dialog, "send");
  tern_test_ui_drain ();
  g_assert_cmpuint (outbox_count (f, TERN_OUTBOX_QUEUED), ==, 2);
  g_assert_cmpuint (count_composers (f), ==, 0);
}

static void
test_reply_and_forward (Fixture       *f,
                        gconstpointer  data)
{
  g_autoptr(GMimeMessage) reply = NULL;
  g_autoptr(GMimeMessage) forward = NULL;
  g_autofree char *body = NULL;
  g_autofree char *typed = NULL;
  g_autofree char *text = NULL;
  TernComposerWindow *composer;
  SinkWait sink = { f->server, 1 };
  gint64 original;

  append (f, "INBOX",
          "From: Bob Smith <bob@example.org>\r\n"
          "To: Alice <alice@example.org>, Carol <carol@example.org>\r\n"
          "Subject: Lunch plans\r\n"
          "Date: Mon, 02 Feb 2026 10:00:00 +0000\r\n"
          "Message-ID: <lunch@example.org>\r\n"
          "References: <root@example.org>\r\n"
          "In-Reply-To: <root@example.org>\r\n"
          "Content-Type: text/plain; charset=utf-8\r\n"
          "\r\n"
          "Shall we meet at noon?\r\n"
          "> Earlier words\r\n");
  start_app (f, FALSE);
  gtk_selection_model_select_item (tern_window_get_selection (f->window), 0, TRUE);
  tern_test_ui_drain ();
  original = tern_message_view_get_message_id (tern_window_get_message_view (f->window));
  g_assert_cmpint (original, >, 0);

  /* Reply: to the sender, "Re:", the original quoted under its attribution (fetched if the
   * view has not cached it yet). */
  composer = open_composer (f, "win.reply");
  g_assert_true (tern_test_ui_wait_for (not_busy_cb, composer, 30));
  g_assert_cmpstr (tern_composer_window_get_to (composer), ==, "Bob Smith <bob@example.org>");
  g_assert_cmpstr (tern_composer_window_get_cc (composer), ==, "");
  g_assert_cmpstr (tern_composer_window_get_subject (composer), ==, "Re: Lunch plans");
  body = tern_composer_window_dup_body (composer);
  g_assert_true (g_str_has_prefix (body, "\n\nOn "));
  g_assert_nonnull (strstr (body, "Bob Smith wrote:\n> Shall we meet at noon?\n>> Earlier words\n"));
  g_assert_null (tern_composer_window_get_notice (composer));
  typed = g_strconcat ("Yes, noon is fine.", body, NULL);
  tern_composer_window_set_body (composer, typed);
  gtk_widget_activate_action (GTK_WIDGET (composer), "composer.send", NULL);
  g_assert_cmpuint (count_composers (f), ==, 0);

  g_assert_true (tern_test_ui_wait_for (submitted_cb, &sink, 30));
  reply = submitted (f, 0);
  g_assert_cmpstr (g_mime_object_get_header (GMIME_OBJECT (reply), "In-Reply-To"), ==, "<lunch@example.org>");
  g_assert_cmpstr (g_mime_object_get_header (GMIME_OBJECT (reply), "References"), ==,
                   "<root@example.org> <lunch@example.org>");
  text = text_of (reply);
  g_assert_true (g_str_has_prefix (text, "Yes, noon is fine."));
  g_assert_nonnull (strstr (text, "> Shall we meet at noon?"));
  /* The original is marked answered on the server. */
  g_assert_true (wait_server (f, "INBOX", "ANSWERED", 1));

  /* Reply all: the other recipient in Cc, never the user. */
  composer = open_composer (f, "win.reply-all");
  g_assert_true (tern_test_ui_wait_for (not_busy_cb, composer, 30));
  g_assert_cmpstr (tern_composer_window_get_to (composer), ==, "Bob Smith <bob@example.org>");
  g_assert_cmpstr (tern_composer_window_get_cc (composer), ==, "Carol <carol@example.org>");
  gtk_window_destroy (GTK_WINDOW (composer));

  /* Forward as an attachment: the whole original, fetched from the server. */
  composer = open_composer (f, "win.forward-attached");
  g_assert_true (tern_test_ui_wait_for (not_busy_cb, composer, 30));
  g_assert_null (tern_composer_window_get_notice (composer));
  g_assert_cmpuint (tern_composer_window_get_n_attachments (composer), ==, 1);
  g_assert_cmpstr (tern_composer_window_get_subject (composer), ==, "Fwd: Lunch plans");
  tern_composer_window_set_to (composer, "dave@example.org");
  gtk_widget_activate_action (GTK_WIDGET (composer), "composer.send", NULL);
  sink.count = 2;
  g_assert_true (tern_test_ui_wait_for (submitted_cb, &sink, 30));
  forward = submitted (f, 1);
  {
    GMimeObject *mixed = g_mime_message_get_mime_part (forward);
    GMimeObject *part;
    GMimeMessage *inner;

    g_assert_true (GMIME_IS_MULTIPART (mixed));
    part = g_mime_multipart_get_part (GMIME_MULTIPART (mixed), 1);
    g_assert_true (GMIME_IS_MESSAGE_PART (part));
    inner = g_mime_message_part_get_message (GMIME_MESSAGE_PART (part));
    g_assert_cmpstr (g_mime_message_get_message_id (inner), ==, "lunch@example.org");
  }
  g_assert_true (wait_server (f, "INBOX", "KEYWORD $Forwarded", 1));

  /* Forward inline: the text under the forwarded message's headers. */
  composer = open_composer (f, "win.forward");
  g_assert_true (tern_test_ui_wait_for (not_busy_cb, composer, 30));
  g_clear_pointer (&body, g_free);
  body = tern_composer_window_dup_body (composer);
  g_assert_nonnull (strstr (body, "Subject: Lunch plans\n"));
  /* The message view's readable date, not %c's "Mon Feb  2 10:00:00 2026". */
  g_assert_nonnull (strstr (body, "Date: Monday, 2 February 2026, "));
  g_assert_nonnull (strstr (body, "From: Bob Smith <bob@example.org>\n"));
  g_assert_nonnull (strstr (body, "Shall we meet at noon?"));
  gtk_window_destroy (GTK_WINDOW (composer));
}

static void
test_reply_offline_uncached (Fixture       *f,
                             gconstpointer  data)
{
  TernComposerWindow *composer;
  g_autofree char *body = NULL;

  append (f, "INBOX", "From: bob@example.org\r\nSubject: Far away\r\nMessage-ID: <far@example.org>\r\n\r\nText.\r\n");
  start_app (f, FALSE);
  tern_application_set_work_offline (f->app, TRUE);
  /* The offline policy fetched its text after the sync: forget it again. */
  g_assert_true (tern_store_evict (f->store, f->account, 1, NULL, NULL));
  gtk_selection_model_select_item (tern_window_get_selection (f->window), 0, TRUE);
  tern_test_ui_drain ();

  /* Its text was never fetched: the composer opens without the quote and says why. */
  composer = open_composer (f, "win.reply");
  g_assert_false (tern_composer_window_get_busy (composer));
  g_assert_nonnull (tern_composer_window_get_notice (composer));
  g_assert_nonnull (strstr (tern_composer_window_get_notice (composer), "offline"));
  body = tern_composer_window_dup_body (composer);
  g_assert_cmpstr (body, ==, "");
  g_assert_cmpstr (tern_composer_window_get_to (composer), ==, "bob@example.org");
  gtk_window_destroy (GTK_WINDOW (composer));

  /* Nor can the whole of it be attached. */
  composer = open_composer (f, "win.forward-attached");
  g_assert_nonnull (strstr (tern_composer_window_get_notice (composer), "offline"));
  g_assert_cmpuint (tern_composer_window_get_n_attachments (composer), ==, 0);
  gtk_window_destroy (GTK_WINDOW (composer));
}

typedef struct
{
  TernComposerWindow *composer;
  gint64              other_than;
} DraftWait;

static gboolean
draft_saved_cb (gpointer data)
{
  DraftWait *w = data;
  gint64 id = tern_composer_window_get_draft_id (w->composer);

  return id != 0 && id != w->other_than;
}

static void
test_drafts (Fixture       *f,
             gconstpointer  data)
{
  TernComposerWindow *composer;
  DraftWait wait = { 0 };
  g_autofree char *path = NULL;
  g_autofree char *message_id = NULL;
  g_autofree char *criteria = NULL;
  g_autofree char *body = NULL;
  g_autoptr(TernMessage) draft = NULL;
  gint64 first, drafts_folder;

  start_app (f, FALSE);
  composer = open_composer (f, "win.compose");
  tern_composer_window_set_autosave_interval (composer, 200);
  message_id = g_strdup (tern_composer_window_get_message_id (composer));
  criteria = g_strdup_printf ("HEADER Message-ID \"%s\"", message_id);

  /* Nothing typed, nothing saved: once the autosave has looked, no draft. */
  g_assert_true (tern_test_ui_wait_for (save_settled_cb, composer, 10));
  g_assert_cmpint (tern_composer_window_get_draft_id (composer), ==, 0);

  /* Typing: saved a moment later, here and (through the journal) in the server's Drafts. */
  tern_composer_window_set_to (composer, "bob@example.org");
  tern_composer_window_set_subject (composer, "Plans for spring");
  tern_composer_window_set_body (composer, "First thoughts.\n");
  wait.composer = composer;
  g_assert_true (tern_test_ui_wait_for (draft_saved_cb, &wait, 10));
  first = tern_composer_window_get_draft_id (composer);
  path = tern_composer_window_dup_draft_path (composer);
  g_assert_true (g_file_test (path, G_FILE_TEST_IS_REGULAR));
  g_assert_true (wait_server (f, "Drafts", criteria, 1));

  /* More typing: a new version replaces the old one, on the server too. */
  tern_composer_window_set_body (composer, "First thoughts.\nSecond thoughts.\n");
  wait.other_than = first;
  g_assert_true (tern_test_ui_wait_for (draft_saved_cb, &wait, 10));
  g_assert_true (wait_server (f, "Drafts", "BODY \"Second thoughts\"", 1));
  g_assert_true (wait_server (f, "Drafts", criteria, 1));

  /* Closing right after typing keeps what was typed: no autosave was due yet. */
  tern_composer_window_set_autosave_interval (composer, 60000);
  tern_composer_window_set_body (composer, "First thoughts.\nSecond thoughts.\nThird, on closing.\n");
  gtk_window_close (GTK_WINDOW (composer));
  g_assert_true (tern_test_ui_wait_for (no_composer_cb, f, 10));
  g_assert_true (wait_server (f, "Drafts", "BODY \"Third, on closing\"", 1));
  g_assert_true (wait_server (f, "Drafts", criteria, 1));

  /* The draft in the Drafts folder opens again in a composer, as it was. */
  {
    g_autoptr(GPtrArray) messages = NULL;

    drafts_folder = tern_outbox_special_folder (f->store, f->account, "\\Drafts");
    g_assert_cmpint (drafts_folder, >, 0);
    messages = tern_store_list_messages (f->store, drafts_folder, 0, NULL);
    g_assert_cmpuint (messages->len, ==, 1);
    draft = tern_message_new ();
    draft->id = ((TernMessage *) messages->pdata[0])->id;
    g_assert_cmpstr (((TernMessage *) messages->pdata[0])->message_id, ==, message_id);
  }
  gtk_widget_activate_action (GTK_WIDGET (f->window), "win.select-folder", "x", drafts_folder);
  gtk_selection_model_select_item (tern_window_get_selection (f->window), 0, TRUE);
  tern_test_ui_drain ();
  g_assert_cmpint (tern_message_view_get_message_id (tern_window_get_message_view (f->window)), ==, draft->id);
  composer = open_composer (f, "win.edit-draft");
  g_assert_true (tern_test_ui_wait_for (not_busy_cb, composer, 30));
  g_assert_cmpstr (tern_composer_window_get_message_id (composer), ==, message_id);
  g_assert_cmpint (tern_composer_window_get_draft_id (composer), ==, draft->id);
  g_assert_cmpstr (tern_composer_window_get_to (composer), ==, "bob@example.org");
  g_assert_cmpstr (tern_composer_window_get_subject (composer), ==, "Plans for spring");
  body = tern_composer_window_dup_body (composer);
  g_assert_cmpstr (body, ==, "First thoughts.\nSecond thoughts.\nThird, on closing.\n");

  /* Sent: the draft leaves Drafts. */
  gtk_widget_activate_action (GTK_WIDGET (composer), "composer.send", NULL);
  g_assert_true (wait_server (f, "Drafts", criteria, 0));
  g_assert_cmpuint (tern_test_server_count_submitted (f->server), ==, 1);
}

/* A draft written on another machine: fetched whole from the server to be edited, its
 * attachment with it; the version saved here replaces it. */
static void
test_draft_from_server (Fixture       *f,
                        gconstpointer  data)
{
  TernComposerWindow *composer;
  DraftWait wait = { 0 };
  g_autofree char *body = NULL;
  gint64 drafts_folder;

  append (f, "Drafts",
          "From: alice@example.org\r\n"
          "To: Bob <bob@example.org>\r\n"
          "Subject: Started on the laptop\r\n"
          "Date: Mon, 02 Feb 2026 10:00:00 +0000\r\n"
          "Message-ID: <laptop-draft@example.org>\r\n"
          "MIME-Version: 1.0\r\n"
          "Content-Type: multipart/mixed; boundary=\"b\"\r\n"
          "\r\n"
          "--b\r\n"
          "Content-Type: text/plain; charset=utf-8; format=flowed\r\n"
          "\r\n"
          "Half a thought \r\n"
          "that goes on.\r\n"
          "--b\r\n"
          "Content-Type: application/pdf; name=\"plan.pdf\"\r\n"
          "Content-Disposition: attachment; filename=\"plan.pdf\"\r\n"
          "Content-Transfer-Encoding: base64\r\n"
          "\r\n"
          "JVBERi0xLjQKJcfsj6IKMSAwIG9iago8PD4+CmVuZG9iagp0cmFpbGVyCjw8Pj4KJSVFT0YK\r\n"
          "--b--\r\n");
  start_app (f, FALSE);
  /* What the offline policy may have fetched is its text only: the whole comes from the server. */
  g_assert_true (tern_store_evict (f->store, f->account, 1, NULL, NULL));
  drafts_folder = tern_outbox_special_folder (f->store, f->account, "\\Drafts");
  gtk_widget_activate_action (GTK_WIDGET (f->window), "win.select-folder", "x", drafts_folder);
  gtk_selection_model_select_item (tern_window_get_selection (f->window), 0, TRUE);
  tern_test_ui_drain ();

  composer = open_composer (f, "win.edit-draft");
  g_assert_true (tern_test_ui_wait_for (not_busy_cb, composer, 30));
  g_assert_null (tern_composer_window_get_notice (composer));
  g_assert_cmpstr (tern_composer_window_get_message_id (composer), ==, "<laptop-draft@example.org>");
  g_assert_cmpstr (tern_composer_window_get_to (composer), ==, "Bob <bob@example.org>");
  g_assert_cmpstr (tern_composer_window_get_subject (composer), ==, "Started on the laptop");
  body = tern_composer_window_dup_body (composer);
  g_assert_cmpstr (body, ==, "Half a thought that goes on.\n");
  g_assert_cmpuint (tern_composer_window_get_n_attachments (composer), ==, 1);

  tern_composer_window_set_autosave_interval (composer, 200);
  tern_composer_window_set_body (composer, "A whole thought now.\n");
  wait.composer = composer;
  wait.other_than = tern_composer_window_get_draft_id (composer);
  g_assert_true (tern_test_ui_wait_for (draft_saved_cb, &wait, 10));
  g_assert_true (wait_server (f, "Drafts", "BODY \"whole thought\"", 1));
  g_assert_true (wait_server (f, "Drafts", "HEADER Message-ID \"laptop-draft@example.org\"", 1));
  g_assert_true (wait_server (f, "Drafts", "HEADER Content-Type \"multipart/mixed\"", 1));
}

static void
test_offline_send (Fixture       *f,
                   gconstpointer  data)
{
  TernComposerWindow *composer;
  TernStatusArea *status;
  g_autofree char *listed = NULL;

  start_app (f, TRUE);
  composer = open_composer (f, "win.compose");
  tern_composer_window_set_to (composer, "bob@example.org");
  tern_composer_window_set_subject (composer, "Written on the train");
  tern_composer_window_set_body (composer, "No signal here.\n");
  gtk_widget_activate_action (GTK_WIDGET (composer), "composer.send", NULL);
  g_assert_cmpuint (count_composers (f), ==, 0);

  /* In the outbox, and the status line and its list say so (working offline, nothing can
   * have been submitted). */
  g_assert_true (tern_test_ui_wait_for (one_queued_cb, f, 10));
  g_assert_cmpuint (tern_test_server_count_submitted (f->server), ==, 0);
  status = tern_window_get_status_area (f->window);
  g_assert_nonnull (strstr (tern_status_area_get_text (status), "1 to send"));
  listed = tern_status_area_dup_actions (status);
  g_assert_nonnull (strstr (listed, "Written on the train"));

  /* Online again: sent, once. */
  tern_application_set_work_offline (f->app, FALSE);
  g_assert_true (tern_test_ui_wait_for (all_sent_cb, f, 60));
  g_assert_cmpuint (tern_test_server_count_submitted (f->server), ==, 1);
  g_assert_true (tern_test_ui_wait_for (nothing_to_send_cb, status, 30));
}

static void
test_mailto (Fixture       *f,
             gconstpointer  data)
{
  g_autoptr(GFile) link = g_file_new_for_uri ("mailto:bob@example.org,dave@example.org"
                                              "?cc=carol@example.org&subject=Hello%20there"
                                              "&body=Line%201%0D%0ALine%202");
  TernComposerWindow *composer;
  g_autofree char *body = NULL;

  start_app (f, TRUE);
  g_application_open (G_APPLICATION (f->app), &link, 1, "");
  composer = find_composer (f);
  g_assert_nonnull (composer);
  g_assert_cmpstr (tern_composer_window_get_to (composer), ==, "bob@example.org,dave@example.org");
  g_assert_cmpstr (tern_composer_window_get_cc (composer), ==, "carol@example.org");
  g_assert_cmpstr (tern_composer_window_get_subject (composer), ==, "Hello there");
  body = tern_composer_window_dup_body (composer);
  g_assert_cmpstr (body, ==, "Line 1\nLine 2");
}

static void
test_completion (Fixture       *f,
                 gconstpointer  data)
{
  TernComposerWindow *composer;
  g_auto(GStrv) suggestions = NULL;

  append (f, "INBOX", "From: Carol Jones <carol@example.org>\r\nTo: alice@example.org\r\nSubject: a\r\n\r\na\r\n");
  append (f, "INBOX", "From: Carl <carl@example.net>\r\nTo: alice@example.org\r\nSubject: b\r\n\r\nb\r\n");
  start_app (f, FALSE);
  composer = open_composer (f, "win.compose");

  /* The address being typed, after the ones already there. */
  tern_composer_window_set_to (composer, "bob@example.org, jon");
  suggestions = tern_composer_window_dup_suggestions (composer);
  g_assert_cmpuint (g_strv_length (suggestions), ==, 1);
  g_assert_cmpstr (suggestions[0], ==, "Carol Jones <carol@example.org>");
  g_clear_pointer (&suggestions, g_strfreev);

  tern_composer_window_set_cc (composer, "CAR");
  suggestions = tern_composer_window_dup_suggestions (composer);
  g_assert_cmpuint (g_strv_length (suggestions), ==, 2);
  g_assert_true (g_strv_contains ((const char * const *) suggestions, "Carl <carl@example.net>"));
  g_clear_pointer (&suggestions, g_strfreev);

  /* The user's own address is not offered. */
  tern_composer_window_set_cc (composer, "alic");
  suggestions = tern_composer_window_dup_suggestions (composer);
  g_assert_cmpuint (g_strv_length (suggestions), ==, 0);
}

static void
test_drop_files (Fixture       *f,
                 gconstpointer  data)
{
  g_autofree char *path = write_attachment (f, 2048);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  TernComposerWindow *composer;
  GtkDropTarget *target = NULL;
  g_autoptr(GListModel) controllers = NULL;
  GSList *files = g_slist_append (NULL, file);
  GValue value = G_VALUE_INIT;
  gboolean accepted = FALSE;

  start_app (f, TRUE);
  composer = open_composer (f, "win.compose");
  controllers = gtk_widget_observe_controllers (GTK_WIDGET (composer));
  for (guint i = 0; i < g_list_model_get_n_items (controllers); i++)
    {
      g_autoptr(GObject) c = g_list_model_get_item (controllers, i);

      if (GTK_IS_DROP_TARGET (c))
        target = GTK_DROP_TARGET (c);
    }
  g_assert_nonnull (target);
  g_value_init (&value, GDK_TYPE_FILE_LIST);
  g_value_take_boxed (&value, gdk_file_list_new_from_list (files));
  g_signal_emit_by_name (target, "drop", &value, 10.0, 10.0, &accepted);
  g_value_unset (&value);
  g_slist_free (files);
  g_assert_true (accepted);
  g_assert_cmpuint (tern_composer_window_get_n_attachments (composer), ==, 1);

  /* Removed again. */
  gtk_widget_activate_action (GTK_WIDGET (composer), "composer.remove-attachment", "u", 0);
  g_assert_cmpuint (tern_composer_window_get_n_attachments (composer), ==, 0);
}

/* Preferences: the account's outgoing server, stored where `tern-cli smtp` stores it. */
static void
test_outgoing_server_preferences (Fixture       *f,
                                  gconstpointer  data)
{
  TernPreferences *prefs;
  g_autoptr(TernSmtpSettings) s = NULL;
  GtkWidget *host, *port, *security, *saves;

  start_app (f, TRUE);
  prefs = tern_preferences_new (f->app);
  gtk_window_present (GTK_WINDOW (prefs));
  tern_test_ui_drain ();
  host = tern_test_ui_find_named (GTK_WIDGET (prefs), "smtp-host");
  port = tern_test_ui_find_named (GTK_WIDGET (prefs), "smtp-port");
  security = tern_test_ui_find_named (GTK_WIDGET (prefs), "smtp-security");
  saves = tern_test_ui_find_named (GTK_WIDGET (prefs), "smtp-server-saves-sent");
  g_assert_nonnull (host);
  g_assert_nonnull (port);
  g_assert_nonnull (security);
  g_assert_nonnull (saves);
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (host)), ==, tern_test_server_get_host (f->server));

  gtk_editable_set_text (GTK_EDITABLE (host), "smtp.example.org");
  g_signal_emit_by_name (host, "apply");
  adw_combo_row_set_selected (ADW_COMBO_ROW (security), 1);
  gtk_switch_set_active (GTK_SWITCH (saves), TRUE);
  s = tern_outbox_get_smtp (f->store, f->account, NULL);
  g_assert_cmpstr (s->host, ==, "smtp.example.org");
  g_assert_cmpstr (s->security, ==, "starttls");
  g_assert_cmpuint (s->port, ==, 587);
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (port)), ==, "587");
  g_assert_true (s->server_saves_sent);
  g_clear_pointer (&s, tern_smtp_settings_free);

  gtk_editable_set_text (GTK_EDITABLE (port), "2525");
  g_signal_emit_by_name (port, "apply");
  s = tern_outbox_get_smtp (f->store, f->account, NULL);
  g_assert_cmpuint (s->port, ==, 2525);
  gtk_window_destroy (GTK_WINDOW (prefs));
}

/* Preferences: an account's identities added, refused when duplicate, and removed. */
static void
test_identities_preferences (Fixture       *f,
                             gconstpointer  data)
{
  g_autoptr(GPtrArray) list = NULL;
  TernPreferences *prefs;
  GtkWidget *dialog = NULL;
  GListModel *toplevels = gtk_window_get_toplevels ();
  const TernIdentity *alias;

  start_app (f, TRUE);
  prefs = tern_preferences_new (f->app);
  gtk_window_present (GTK_WINDOW (prefs));
  tern_test_ui_drain ();
  g_signal_emit_by_name (tern_test_ui_find_named (GTK_WIDGET (prefs), "identities"), "clicked");
  tern_test_ui_drain ();
  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GObject) w = g_list_model_get_item (toplevels, i);

      if (TERN_IS_IDENTITIES_DIALOG (w))
        dialog = GTK_WIDGET (w);
    }
  g_assert_nonnull (dialog);

  for (int round = 0; round < 2; round++)
    {
      GtkWidget *signature;

      g_signal_emit_by_name (tern_test_ui_find_named (dialog, "identity-add"), "clicked");
      gtk_editable_set_text (GTK_EDITABLE (tern_test_ui_find_named (dialog, "identity-address")),
                             "sales@example.org");
      gtk_editable_set_text (GTK_EDITABLE (tern_test_ui_find_named (dialog, "identity-name")),
                             "Alice Sales");
      signature = tern_test_ui_find_named (dialog, "identity-signature");
      gtk_text_buffer_set_text (gtk_text_view_get_buffer (GTK_TEXT_VIEW (signature)), "Alice\n", -1);
      g_signal_emit_by_name (tern_test_ui_find_named (dialog, "identity-save"), "clicked");
    }
  /* The second time: refused, the editor still open. */
  g_assert_true (gtk_widget_is_visible (tern_test_ui_find_named (dialog, "identity-save")));
  list = tern_identity_list (f->store, f->account, NULL);
  g_assert_cmpuint (list->len, ==, 2);
  alias = list->pdata[1];
  g_assert_cmpstr (alias->address, ==, "sales@example.org");
  g_assert_cmpstr (alias->name, ==, "Alice Sales");
  g_assert_cmpstr (alias->signature, ==, "Alice");
  g_assert_null (alias->reply_to);
  g_clear_pointer (&list, g_ptr_array_unref);

  /* The default has no remove button: the first one is the alias's. */
  g_signal_emit_by_name (tern_test_ui_find_named (dialog, "identity-remove"), "clicked");
  list = tern_identity_list (f->store, f->account, NULL);
  g_assert_cmpuint (list->len, ==, 1);
  gtk_window_destroy (GTK_WINDOW (dialog));
  gtk_window_destroy (GTK_WINDOW (prefs));
}

/* Identities: a reply to a message sent to an alias goes from the alias, with its Reply-To and
 * its signature (above the quote, replaced when the identity changes); reply all leaves out
 * every address of the user's. */
static void
test_identities (Fixture       *f,
                 gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GMimeMessage) reply = NULL;
  g_autofree char *body = NULL;
  g_autofree char *typed = NULL;
  g_autofree char *text = NULL;
  g_autofree char *from = NULL;
  TernComposerWindow *composer;
  GtkDropDown *from_dropdown;
  SinkWait sink = { f->server, 1 };
  TernIdentity sales = { 0 };
  TernIdentity help = { 0 };

  append (f, "INBOX",
          "From: Bob Smith <bob@example.org>\r\n"
          "To: Sales <SALES@example.org>, Carol <carol@example.org>\r\n"
          "Cc: alice@example.org, help@example.org\r\n"
          "Subject: Prices\r\n"
          "Date: Mon, 02 Feb 2026 10:00:00 +0000\r\n"
          "Message-ID: <prices@example.org>\r\n"
          "Content-Type: text/plain; charset=utf-8\r\n"
          "\r\n"
          "How much?\r\n");
  start_app (f, FALSE);
  sales.account_id = help.account_id = f->account;
  sales.name = (char *) "Alice Sales";
  sales.address = (char *) "sales@example.org";
  sales.reply_to = (char *) "team@example.org";
  sales.signature = (char *) "Alice\nSales team";
  help.address = (char *) "help@example.org";
  g_assert_true (tern_identity_add (f->store, &sales, NULL, &error));
  g_assert_true (tern_identity_add (f->store, &help, NULL, &error));
  g_assert_no_error (error);
  gtk_selection_model_select_item (tern_window_get_selection (f->window), 0, TRUE);
  tern_test_ui_drain ();

  /* Reply: from the alias the message was sent to, its signature above the quote. */
  composer = open_composer (f, "win.reply");
  g_assert_true (tern_test_ui_wait_for (not_busy_cb, composer, 30));
  from_dropdown = GTK_DROP_DOWN (tern_test_ui_find_named (GTK_WIDGET (composer), "GtkDropDown"));
  g_assert_cmpuint (g_list_model_get_n_items (gtk_drop_down_get_model (from_dropdown)), ==, 3);
  g_assert_cmpuint (gtk_drop_down_get_selected (from_dropdown), ==, 1);
  g_assert_cmpstr (gtk_string_list_get_string (GTK_STRING_LIST (gtk_drop_down_get_model (from_dropdown)), 1), ==,
                   "Alice Sales <sales@example.org> — fixture");
  body = tern_composer_window_dup_body (composer);
  g_assert_true (g_str_has_prefix (body, "\n\n-- \nAlice\nSales team\n\nOn "));

  /* Another identity: its signature (none) instead; back again. */
  gtk_drop_down_set_selected (from_dropdown, 2);
  g_clear_pointer (&body, g_free);
  body = tern_composer_window_dup_body (composer);
  g_assert_true (g_str_has_prefix (body, "\n\nOn "));
  gtk_drop_down_set_selected (from_dropdown, 1);
  g_clear_pointer (&body, g_free);
  body = tern_composer_window_dup_body (composer);
  g_assert_true (g_str_has_prefix (body, "\n\n-- \nAlice\nSales team\n\nOn "));

  typed = g_strconcat ("About 10 euros.", body, NULL);
  tern_composer_window_set_body (composer, typed);
  gtk_widget_activate_action (GTK_WIDGET (composer), "composer.send", NULL);
  g_assert_true (tern_test_ui_wait_for (submitted_cb, &sink, 30));
  reply = submitted (f, 0);
  from = internet_address_list_to_string (g_mime_message_get_from (reply), NULL, FALSE);
  g_assert_cmpstr (from, ==, "Alice Sales <sales@example.org>");
  g_assert_cmpstr (g_mime_object_get_header (GMIME_OBJECT (reply), "Reply-To"), ==, "team@example.org");
  text = text_of (reply);
  g_assert_true (g_str_has_prefix (text, "About 10 euros.\r\n\r\n-- \r\nAlice\r\nSales team\r\n\r\nOn "));

  /* Reply all: none of the user's addresses. */
  composer = open_composer (f, "win.reply-all");
  g_assert_true (tern_test_ui_wait_for (not_busy_cb, composer, 30));
  g_assert_cmpstr (tern_composer_window_get_to (composer), ==, "Bob Smith <bob@example.org>");
  g_assert_cmpstr (tern_composer_window_get_cc (composer), ==, "Carol <carol@example.org>");
  gtk_window_destroy (GTK_WINDOW (composer));
}

int
main (int   argc,
      char *argv[])
{
  gtk_test_init (&argc, &argv, NULL);
  tern_sync_global_init ();
  g_mime_init ();
  g_setenv ("TERN_TEST_URI_LOG", "/dev/null", TRUE);

#define ADD(path, func) g_test_add ("/composer/" path, Fixture, NULL, set_up, func, tear_down)
  ADD ("send-new-with-attachment", test_send_new);
  ADD ("validation-and-attachment-warning", test_validation_and_warning);
  ADD ("reply-and-forward", test_reply_and_forward);
  ADD ("reply-offline-uncached", test_reply_offline_uncached);
  ADD ("drafts", test_drafts);
  ADD ("draft-from-server", test_draft_from_server);
  ADD ("offline-send", test_offline_send);
  ADD ("mailto", test_mailto);
  ADD ("completion", test_completion);
  ADD ("drop-files", test_drop_files);
  ADD ("outgoing-server-preferences", test_outgoing_server_preferences);
  ADD ("identities", test_identities);
  ADD ("identities-preferences", test_identities_preferences);
  return g_test_run ();
}
