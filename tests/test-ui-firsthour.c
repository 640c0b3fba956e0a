/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-ui-firsthour"

#include "config.h"

#include <gmime/gmime.h>
#include <string.h>

#include "tern-application.h"
#include "tern-composer-window.h"
#include "tern-message-row.h"
#include "tern-message-view.h"
#include "tern-outbox.h"
#include "tern-preferences.h"
#include "tern-status-area.h"
#include "tern-sync.h"
#include "tern-test-cache.h"
#include "tern-test-server.h"
#include "tern-test-ui.h"
#include "tern-window.h"

/*
 * The first hour in the app (#14), where it needs a real server: under Xvfb against Dovecot
 * with SMTP submission and the fixture's sink, one message of a short text and a 700 KB
 * attachment.
 *
 * Reading offline (item 3): the offline policy's size limit is on the text, so after the
 * sync its text is cached and shown offline, the attachment is not downloaded.
 *
 * Forwarding it while its attachment is not downloaded (item 4). Online, the composer
 * downloads it (its row shows the progress) and the message sent carries its bytes;
 * offline, the forward is queued with a reference to the original's part, and once online
 * the part is downloaded and the message the sink receives carries its bytes.
 *
 * Preview lines from the server (item 12): the account's switch in the preferences, then the
 * line of a message whose text was never downloaded.
 */

G_DEFINE_AUTOPTR_CLEANUP_FUNC (GMimeMessage, g_object_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (GMimeStream, g_object_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (GMimeParser, g_object_unref)

#define ATTACHMENT_SIZE (700 * 1024)

typedef struct
{
  char             *dir;
  TernTestServer   *server;
  TernApplication  *app;
  TernWindow       *window;
  TernStore        *store;     /* the app's own, borrowed */
  gint64            account;
  GBytes           *content;   /* the attachment's bytes */
  char             *opened_subtitle;
  char             *counted;   /* the first status line with a count */
} Fixture;

static void
set_up (Fixture       *f,
        gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TernStore) store = NULL;
  g_autofree char *db_path = NULL;
  g_autoptr(GString) raw = g_string_new (NULL);
  g_autofree char *b64 = NULL;
  guint8 *bytes = g_malloc (ATTACHMENT_SIZE);
  GRand *rand = g_rand_new_with_seed (14);

  f->server = tern_test_server_new (TERN_TEST_SERVER_SUBMISSION, &error);
  g_assert_no_error (error);
  f->dir = g_dir_make_tmp ("tern-firsthour-XXXXXX", &error);
  g_assert_no_error (error);
  db_path = g_build_filename (f->dir, "tern.db", NULL);
  store = tern_store_open (db_path, &error);
  g_assert_no_error (error);
  f->account = tern_test_cache_add_server_account (store, f->server, "fixture", TRUE);
  tern_test_cache_set_server_smtp (store, f->server, f->account);
  /* Texts of the last 30 days up to 256 KB are kept offline. */
  g_assert_true (tern_store_set_offline_policy (store, f->account, 0, 30, 256 * 1024, -1, -1, &error));

  /* The original: a short text and an attachment of random bytes. */
  for (gsize i = 0; i < ATTACHMENT_SIZE; i++)
    bytes[i] = (guint8) g_rand_int (rand);
  g_rand_free (rand);
  f->content = g_bytes_new_take (bytes, ATTACHMENT_SIZE);
  b64 = g_base64_encode (bytes, ATTACHMENT_SIZE);
  {
    g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
    g_autofree char *date = g_date_time_format (now, "Date: %a, %d %b %Y %H:%M:%S +0000\r\n");

    g_string_append (raw, date);
  }
  g_string_append (raw, "From: Bob <bob@example.org>\r\nTo: alice@example.org\r\nSubject: Quarterly figures\r\n"
                        "Message-ID: <figures@example.org>\r\nMIME-Version: 1.0\r\n"
                        "Content-Type: multipart/mixed; boundary=\"b\"\r\n\r\n--b\r\n"
                        "Content-Type: text/plain; charset=utf-8\r\n\r\n"
                        "The figures are attached.\r\n--b\r\n"
                        "Content-Type: application/octet-stream; name=\"figures.bin\"\r\n"
                        "Content-Disposition: attachment; filename=\"figures.bin\"\r\n"
                        "Content-Transfer-Encoding: base64\r\n\r\n");
  for (gsize i = 0, n = strlen (b64); i < n; i += 76)
    {
      g_string_append_len (raw, b64 + i, MIN (76, n - i));
      g_string_append (raw, "\r\n");
    }
  g_string_append (raw, "--b--\r\n");
  tern_test_server_append_message (f->server, "alice", "INBOX", raw->str);
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
  g_clear_pointer (&f->content, g_bytes_unref);
  g_free (f->opened_subtitle);
  g_free (f->counted);
  g_assert_cmpint (system (cmd), ==, 0);
  g_free (f->dir);
}

static gboolean
online_cb (gpointer data)
{
  Fixture *f = data;

  return tern_test_ui_worker_online (f->app) &&
         g_list_model_get_n_items (G_LIST_MODEL (tern_window_get_folder_model (f->window))) > 0;
}

static gboolean
has_text_cb (gpointer data)
{
  Fixture *f = data;
  gint64 id = tern_message_view_get_message_id (tern_window_get_message_view (f->window));
  g_autoptr(TernBody) body = id > 0 ? tern_store_get_body (f->store, id, NULL) : NULL;

  return body != NULL;
}

/* The app online, the original selected (its text fetched, its attachment not). */
static gint64
start_with_original (Fixture *f)
{
  gint64 id;

  f->app = tern_test_ui_start_app (f->dir, FALSE, &f->window);
  f->store = tern_application_get_store (f->app);
  g_assert_true (tern_test_ui_wait_for (online_cb, f, 60));
  tern_test_ui_drain ();
  gtk_selection_model_select_item (tern_window_get_selection (f->window), 0, TRUE);
  g_assert_true (tern_test_ui_wait_for (has_text_cb, f, 30));
  id = tern_message_view_get_message_id (tern_window_get_message_view (f->window));
  g_assert_false (tern_store_get_part_file (f->store, id, "2", NULL, NULL, NULL));
  return id;
}

static gboolean
prefetched_cb (gpointer data)
{
  Fixture *f = data;
  g_autoptr(TernFolder) inbox = tern_store_get_folder (f->store, f->account, "INBOX", NULL);
  g_autoptr(GPtrArray) list = inbox != NULL ? tern_store_list_messages (f->store, inbox->id, 0, NULL) : NULL;
  g_autoptr(TernBody) body = NULL;

  if (list == NULL || list->len != 1)
    return FALSE;
  body = tern_store_get_body (f->store, ((TernMessage *) list->pdata[0])->id, NULL);
  return body != NULL;
}

static gboolean
settled_cb (gpointer data)
{
  TernMessageViewState state = tern_message_view_get_state (data);

  return state != TERN_MESSAGE_VIEW_LOADING && state != TERN_MESSAGE_VIEW_EMPTY;
}

/* Item 3: synced online, never opened; offline its text shows, its attachment waits. */
static void
test_offline_text (Fixture       *f,
                   gconstpointer  data)
{
  TernMessageView *view;
  g_autofree char *text = NULL;
  gint64 id;

  f->app = tern_test_ui_start_app (f->dir, FALSE, &f->window);
  f->store = tern_application_get_store (f->app);
  g_assert_true (tern_test_ui_wait_for (online_cb, f, 60));
  g_assert_true (tern_test_ui_wait_for (prefetched_cb, f, 60));
  tern_application_set_work_offline (f->app, TRUE);

  view = tern_window_get_message_view (f->window);
  gtk_selection_model_select_item (tern_window_get_selection (f->window), 0, TRUE);
  g_assert_true (tern_test_ui_wait_for (settled_cb, view, 30));
  g_assert_cmpint (tern_message_view_get_state (view), ==, TERN_MESSAGE_VIEW_TEXT);
  text = tern_message_view_dup_text (view);
  g_assert_nonnull (strstr (text, "The figures are attached."));
  g_assert_cmpuint (tern_message_view_get_n_attachments (view), ==, 1);
  id = tern_message_view_get_message_id (view);
  g_assert_false (tern_store_get_part_file (f->store, id, "2", NULL, NULL, NULL));
}

static TernComposerWindow *
find_composer (Fixture *f)
{
  for (GList *l = gtk_application_get_windows (GTK_APPLICATION (f->app)); l != NULL; l = l->next)
    if (TERN_IS_COMPOSER_WINDOW (l->data))
      return l->data;
  return NULL;
}

static TernComposerWindow *
open_forward (Fixture *f)
{
  TernComposerWindow *composer;

  gtk_widget_activate_action (GTK_WIDGET (f->window), "win.forward", NULL);
  composer = find_composer (f);
  g_assert_nonnull (composer);
  g_assert_cmpuint (tern_composer_window_get_n_attachments (composer), ==, 1);
  /* What its row says at once (a download may be over by the next main loop turn). */
  g_free (f->opened_subtitle);
  f->opened_subtitle = g_strdup (tern_composer_window_get_attachment_subtitle (composer, 0));
  tern_test_ui_drain ();
  tern_composer_window_set_to (composer, "dave@example.org");
  return composer;
}

static gboolean
downloaded_cb (gpointer data)
{
  return tern_composer_window_get_n_missing_attachments (data) == 0;
}

static gboolean
submitted_cb (gpointer data)
{
  Fixture *f = data;

  return tern_test_server_count_submitted (f->server) >= 1;
}

/* The sink's message carries the original's attachment, byte for byte. */
static void
assert_submitted_with_attachment (Fixture *f)
{
  g_autoptr(GBytes) raw = tern_test_server_dup_submitted (f->server, 0, NULL, NULL);
  g_autoptr(GMimeStream) stream = NULL;
  g_autoptr(GMimeParser) parser = NULL;
  g_autoptr(GMimeMessage) message = NULL;
  g_autoptr(GMimeStream) decoded = g_mime_stream_mem_new ();
  GMimeObject *mixed;
  GMimeObject *part;
  GByteArray *array;

  g_assert_nonnull (raw);
  g_assert_null (g_strstr_len (g_bytes_get_data (raw, NULL), (gssize) g_bytes_get_size (raw),
                               "X-Tern-Original-Part"));
  stream = g_mime_stream_mem_new_with_buffer (g_bytes_get_data (raw, NULL), g_bytes_get_size (raw));
  parser = g_mime_parser_new_with_stream (stream);
  message = g_mime_parser_construct_message (parser, NULL);
  g_assert_nonnull (message);
  g_assert_cmpstr (g_mime_message_get_subject (message), ==, "Fwd: Quarterly figures");
  mixed = g_mime_message_get_mime_part (message);
  g_assert_true (GMIME_IS_MULTIPART (mixed));
  g_assert_cmpint (g_mime_multipart_get_count (GMIME_MULTIPART (mixed)), ==, 2);
  part = g_mime_multipart_get_part (GMIME_MULTIPART (mixed), 1);
  g_assert_true (GMIME_IS_PART (part));
  g_assert_cmpstr (g_mime_part_get_filename (GMIME_PART (part)), ==, "figures.bin");
  g_mime_data_wrapper_write_to_stream (g_mime_part_get_content (GMIME_PART (part)), decoded);
  array = g_mime_stream_mem_get_byte_array (GMIME_STREAM_MEM (decoded));
  g_assert_cmpuint (array->len, ==, ATTACHMENT_SIZE);
  g_assert_true (memcmp (array->data, g_bytes_get_data (f->content, NULL), ATTACHMENT_SIZE) == 0);
}

/* Online: the composer downloads the attachment, showing its progress, and sends it. */
static void
test_forward_online (Fixture       *f,
             gconstpointer  data)
{
  TernComposerWindow *composer;

  start_with_original (f);
  composer = open_forward (f);
  /* Nothing says it is left out; its row says it is downloading, then its size. */
  g_assert_null (tern_composer_window_get_notice (composer));
  g_assert_true (g_str_has_prefix (f->opened_subtitle, "Downloading"));
  g_assert_true (tern_test_ui_wait_for (downloaded_cb, composer, 60));
  g_assert_cmpuint (tern_composer_window_get_n_downloading (composer), ==, 0);
  g_assert_cmpstr (tern_composer_window_get_attachment_subtitle (composer, 0), ==, "716.8\u00a0kB");

  gtk_widget_activate_action (GTK_WIDGET (composer), "composer.send", NULL);
  g_assert_true (tern_test_ui_wait_for (submitted_cb, f, 60));
  assert_submitted_with_attachment (f);
}

static gboolean
sent_cb (gpointer data)
{
  Fixture *f = data;

  return tern_outbox_count (f->store, f->account, TERN_OUTBOX_SENT) == 1;
}

/* Offline: queued with a reference to the part; sent with it once online. */
static void
test_forward_offline (Fixture       *f,
              gconstpointer  data)
{
  TernComposerWindow *composer;

  start_with_original (f);
  tern_application_set_work_offline (f->app, TRUE);
  composer = open_forward (f);
  g_assert_cmpuint (tern_composer_window_get_n_missing_attachments (composer), ==, 1);
  g_assert_cmpuint (tern_composer_window_get_n_downloading (composer), ==, 0);
  g_assert_nonnull (tern_composer_window_get_notice (composer));
  g_assert_nonnull (strstr (tern_composer_window_get_notice (composer), "when the message is sent"));
  g_assert_nonnull (strstr (tern_composer_window_get_attachment_subtitle (composer, 0), "when the message is sent"));

  gtk_widget_activate_action (GTK_WIDGET (composer), "composer.send", NULL);
  g_assert_null (find_composer (f));
  g_assert_cmpuint (tern_outbox_count (f->store, f->account, TERN_OUTBOX_QUEUED), ==, 1);
  g_assert_cmpuint (tern_test_server_count_submitted (f->server), ==, 0);

  tern_application_set_work_offline (f->app, FALSE);
  if (!tern_test_ui_wait_for (sent_cb, f, 60))
    {
      g_autoptr(GPtrArray) items = tern_outbox_list (f->store, f->account, TRUE, NULL);

      for (guint i = 0; items != NULL && i < items->len; i++)
        {
          TernOutboxItem *item = items->pdata[i];

          g_test_message ("outbox %" G_GINT64_FORMAT ": %s, %s", item->id, item->state, item->error);
        }
      g_assert_not_reached ();
    }
  g_assert_cmpuint (tern_test_server_count_submitted (f->server), ==, 1);
  assert_submitted_with_attachment (f);
}

/* Item 12: preview lines from the server. */

static gboolean
listed_cb (gpointer data)
{
  Fixture *f = data;

  return online_cb (f) && g_list_model_get_n_items (G_LIST_MODEL (tern_window_get_message_model (f->window))) == 1;
}

/* The message row under root that shows message id, or NULL. */
static TernMessageRow *
find_row (GtkWidget *root,
           gint64     id)
{
  if (TERN_IS_MESSAGE_ROW (root) && tern_message_row_get_item (TERN_MESSAGE_ROW (root)) != NULL &&
      tern_message_item_get_id (tern_message_row_get_item (TERN_MESSAGE_ROW (root))) == id)
    return TERN_MESSAGE_ROW (root);
  for (GtkWidget *child = gtk_widget_get_first_child (root); child != NULL; child = gtk_widget_get_next_sibling (child))
    {
      TernMessageRow *found = find_row (child, id);

      if (found != NULL)
        return found;
    }
  return NULL;
}

static gboolean
previewed_cb (gpointer data)
{
  Fixture *f = data;
  gint64 id = tern_message_model_get_id (tern_window_get_message_model (f->window), 0);
  TernMessageRow *row = find_row (GTK_WIDGET (f->window), id);

  return row != NULL && g_strcmp0 (tern_message_row_get_preview (row), "The figures are attached.") == 0;
}

static gboolean
switch_shown_cb (gpointer data)
{
  GtkWidget *toggle = data;
  GtkWidget *revealer = gtk_widget_get_ancestor (toggle, GTK_TYPE_REVEALER);

  return gtk_widget_get_mapped (toggle) && revealer != NULL &&
         gtk_revealer_get_child_revealed (GTK_REVEALER (revealer));
}

static gboolean
switch_on_cb (gpointer data)
{
  return gtk_switch_get_active (data);
}

static GtkWindow *
preferences_window (void)
{
  for (GList *l = gtk_window_list_toplevels (); l != NULL; l = g_list_delete_link (l, l))
    if (TERN_IS_PREFERENCES (l->data) && gtk_widget_get_visible (l->data))
      {
        GtkWindow *found = l->data;

        g_list_free (l);
        return found;
      }
  return NULL;
}

static gboolean
preferences_shown_cb (gpointer data)
{
  return preferences_window () != NULL;
}

/* The account's switch, turned on by a click: the cache keeps it, the worker syncs and asks
 * Dovecot (it offers PREVIEW) for the line of the message, whose text is not downloaded (the
 * offline policy keeps no text here), and the list shows it. */
static void
test_server_previews (Fixture       *f,
                      gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TernAccount) account = NULL;
  GtkWindow *prefs;
  GtkWidget *toggle, *expander;
  gint64 id;

  {
    g_autofree char *db_path = g_build_filename (f->dir, "tern.db", NULL);
    TernStore *store = tern_store_open (db_path, &error);

    g_assert_no_error (error);
    g_assert_true (tern_store_set_offline_policy (store, f->account, 0, 30, 1, -1, -1, &error));
    tern_store_free (store);
  }
  f->app = tern_test_ui_start_app (f->dir, FALSE, &f->window);
  f->store = tern_application_get_store (f->app);
  g_assert_true (tern_test_ui_wait_for (listed_cb, f, 60));
  tern_test_ui_drain ();
  id = tern_message_model_get_id (tern_window_get_message_model (f->window), 0);
  g_assert_null (tern_store_dup_preview (f->store, id));
  g_assert_false (previewed_cb (f));
  /* The connection showed that the server offers PREVIEW. */
  g_assert_cmpint (tern_sync_server_offers_previews (f->store, f->account), ==, TERN_SYNC_OFFER_YES);

  g_action_group_activate_action (G_ACTION_GROUP (f->app), "preferences", NULL);
  g_assert_true (tern_test_ui_wait_for (preferences_shown_cb, NULL, 30));
  prefs = preferences_window ();
  toggle = tern_test_ui_find_named (GTK_WIDGET (prefs), "server-previews");
  g_assert_nonnull (toggle);
  g_assert_false (gtk_switch_get_active (GTK_SWITCH (toggle)));
  g_assert_true (gtk_widget_is_sensitive (toggle));
  expander = gtk_widget_get_ancestor (toggle, ADW_TYPE_EXPANDER_ROW);
  adw_expander_row_set_expanded (ADW_EXPANDER_ROW (expander), TRUE);
  g_assert_true (tern_test_ui_wait_for (switch_shown_cb, toggle, 10));
  g_assert_true (tern_test_ui_wait_frames (GTK_WIDGET (prefs), 2));
  g_assert_true (tern_test_ui_click (toggle, gtk_widget_get_width (toggle) / 2.0, gtk_widget_get_height (toggle) / 2.0));
  /* The switch turns at the end of its slide. */
  g_assert_true (tern_test_ui_wait_for (switch_on_cb, toggle, 10));
  account = tern_store_get_account_by_id (f->store, f->account, &error);
  g_assert_no_error (error);
  g_assert_true (account->server_previews);

  /* The line comes from the server, not from a text. */
  g_assert_true (tern_test_ui_wait_for (previewed_cb, f, 60));
  g_assert_null (tern_store_get_body (f->store, id, NULL));
}

/* Issue 13: a first sync says in the status area how far it has come, "n of N". */

static void
status_seen_cb (TernAccountWorker *worker,
                GParamSpec        *pspec,
                Fixture           *f)
{
  const char *text = tern_status_area_get_text (tern_window_get_status_area (f->window));

  if (f->counted == NULL && text != NULL && strstr (text, " of ") != NULL)
    f->counted = g_strdup (text);
}

static void
test_first_sync_count (Fixture       *f,
                       gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) workers = NULL;
  g_autofree char *total = g_strdup_printf ("%'u", 6001u);
  g_autofree char *of_total = g_strdup_printf (" of %s", total);

  /* 6,000 messages and the fixture's own: batches of 250, then 2,500. */
  g_assert_true (tern_test_server_seed (f->server, "alice", "INBOX", 6000, &error));
  g_assert_no_error (error);
  f->app = tern_test_ui_start_app (f->dir, FALSE, &f->window);
  f->store = tern_application_get_store (f->app);
  workers = tern_application_list_workers (f->app);
  g_assert_cmpuint (workers->len, ==, 1);
  /* After the status area's own handler: the line as it reads then. */
  g_signal_connect_after (workers->pdata[0], "notify", G_CALLBACK (status_seen_cb), f);
  g_assert_true (tern_test_ui_wait_for (online_cb, f, 120));
  g_signal_handlers_disconnect_by_func (workers->pdata[0], status_seen_cb, f);

  g_test_message ("status during the first sync: %s", f->counted ? f->counted : "(no count)");
  g_assert_nonnull (f->counted);
  g_assert_true (g_str_has_prefix (f->counted, "Syncing INBOX… "));
  g_assert_true (g_str_has_suffix (f->counted, of_total));
  g_assert_null (strstr (tern_status_area_get_text (tern_window_get_status_area (f->window)), " of "));
}

int
main (int    argc,
      char **argv)
{
  gtk_test_init (&argc, &argv, NULL);
  tern_sync_global_init ();
  g_mime_init ();
  g_setenv ("TERN_TEST_URI_LOG", "/dev/null", TRUE);

  g_test_add ("/ui-firsthour/offline-text", Fixture, NULL, set_up, test_offline_text, tear_down);
  g_test_add ("/ui-firsthour/forward-online", Fixture, NULL, set_up, test_forward_online, tear_down);
  g_test_add ("/ui-firsthour/forward-offline", Fixture, NULL, set_up, test_forward_offline, tear_down);
  g_test_add ("/ui-firsthour/server-previews", Fixture, NULL, set_up, test_server_previews, tear_down);
  g_test_add ("/ui-firsthour/first-sync-count", Fixture, NULL, set_up, test_first_sync_count, tear_down);

  return g_test_run ();
}
