/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-ui-message"

#include "config.h"

#include <string.h>
#include <webkit/webkit.h>

#include "tern-application.h"
#include "tern-message-item.h"
#include "tern-message-view.h"
#include "tern-preferences.h"
#include "tern-sync.h"
#include "tern-test-cache.h"
#include "tern-test-server.h"
#include "tern-test-ui.h"
#include "tern-window.h"

/*
 * The message view against the Dovecot fixture (#15). Save As: the message whole in an .eml
 * file. Printing: the message with its headers
 * goes to a PDF (GTK's print-to-file backend, through WebKit), read back with pdftotext;
 * remote content stays blocked there too. Remote content of HTML mail allowed per sender and
 * per domain, with a web server on loopback that counts requests: "Always Load from SENDER" loads
 * the message's images and every later message of that sender at once; "Always Load from
 * DOMAIN" does it for the whole domain; other senders stay blocked (no request at all); the
 * choices are kept per account in the cache, listed in Preferences and removable there.
 */

typedef struct
{
  char               *dir;
  char               *db_path;
  TernTestServer     *server;
  TernTestWebCounter  web;
  TernApplication    *app;
  TernWindow         *window;
  TernStore          *store;
  gint64              account;
} Fixture;

static void
append_html (Fixture    *f,
             const char *from,
             const char *subject)
{
  g_autofree char *text = g_strdup_printf ("From: %s\r\nTo: alice@example.org\r\nSubject: %s\r\n"
                                           "Message-ID: <%s@test>\r\nMIME-Version: 1.0\r\n"
                                           "Content-Type: text/html; charset=utf-8\r\n\r\n"
                                           "<html><body><h1>%s</h1>"
                                           "<img src=\"http://127.0.0.1:%u/%s.gif\"></body></html>\r\n",
                                           from, subject, subject, subject, f->web.port, subject);

  tern_test_server_append_message (f->server, "alice", "INBOX", text);
}

static gboolean
online_cb (gpointer data)
{
  Fixture *f = data;

  return tern_test_ui_worker_online (f->app) &&
         g_list_model_get_n_items (G_LIST_MODEL (tern_window_get_message_model (f->window))) >= 5;
}

static void
set_up (Fixture       *f,
        gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TernStore) store = NULL;

  f->server = tern_test_server_new (TERN_TEST_SERVER_FULL, &error);
  g_assert_no_error (error);
  f->dir = g_dir_make_tmp ("tern-ui-remote-XXXXXX", &error);
  g_assert_no_error (error);
  f->db_path = g_build_filename (f->dir, "tern.db", NULL);
  tern_test_web_counter_start (&f->web);
  append_html (f, "News <news@example.org>", "Newsletter");
  append_html (f, "Shop <shop@Example.ORG>", "Offers");
  append_html (f, "Prize <winner@elsewhere.net>", "Prize");
  append_html (f, "News <news@example.org>", "Digest");
  tern_test_server_append_message (f->server, "alice", "INBOX",
                                   "From: Carol <carol@example.net>\r\nTo: alice@example.org\r\n"
                                   "Subject: Plain-note\r\nMessage-ID: <plain@test>\r\n"
                                   "Date: Mon, 7 Dec 2026 09:30:00 +0000\r\n\r\n"
                                   "Remember the milk.\r\nAnd the bread.\r\n");
  store = tern_store_open (f->db_path, &error);
  g_assert_no_error (error);
  f->account = tern_test_cache_add_server_account (store, f->server, "fixture", TRUE);
  g_clear_pointer (&store, tern_store_free);
  f->app = tern_test_ui_start_app (f->dir, FALSE, &f->window);
  f->store = tern_application_get_store (f->app);
  g_assert_true (tern_test_ui_wait_for (online_cb, f, 60));
}

static void
tear_down (Fixture       *f,
           gconstpointer  data)
{
  g_autofree char *cmd = g_strdup_printf ("rm -rf '%s'", f->dir);

  tern_test_ui_close_app (&f->app);
  tern_test_web_counter_stop (&f->web);
  g_clear_pointer (&f->server, tern_test_server_free);
  g_assert_cmpint (system (cmd), ==, 0);
  g_free (f->dir);
  g_free (f->db_path);
}

static gboolean
view_ready_cb (gpointer data)
{
  TernMessageView *view = data;
  GtkWidget *web = tern_message_view_get_web_view (view);

  return tern_message_view_get_state (view) == TERN_MESSAGE_VIEW_HTML &&
         web != NULL && !webkit_web_view_is_loading (WEBKIT_WEB_VIEW (web));
}

static gboolean
view_text_cb (gpointer data)
{
  return tern_message_view_get_state (data) == TERN_MESSAGE_VIEW_TEXT;
}

/* Opens the message with this subject; returns the requests the web server had before. */
static guint
open_message (Fixture    *f,
              const char *subject)
{
  GListModel *model = G_LIST_MODEL (tern_window_get_message_model (f->window));
  TernMessageView *view = tern_window_get_message_view (f->window);
  guint before = f->web.requests;

  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    {
      g_autoptr(TernMessageItem) item = g_list_model_get_item (model, i);

      if (g_strcmp0 (tern_message_item_get_subject (item), subject) != 0)
        continue;
      gtk_selection_model_select_item (tern_window_get_selection (f->window), i, TRUE);
      tern_test_ui_drain ();
      g_assert_true (tern_test_ui_wait_for (g_str_has_prefix (subject, "Plain") ? view_text_cb : view_ready_cb,
                                            view, 30));
      return before;
    }
  g_assert_not_reached ();
}

typedef struct
{
  TernTestWebCounter *web;
  guint               more_than;
} Requests;

static gboolean
requests_cb (gpointer data)
{
  Requests *r = data;

  return r->web->requests > r->more_than;
}

/* The Load button's menu items, joined by "|". */
static char *
menu_labels (TernMessageView *view)
{
  GtkWidget *split = NULL;
  GMenuModel *menu;
  g_autoptr(GString) labels = g_string_new (NULL);

  for (GtkWidget *w = gtk_widget_get_first_child (GTK_WIDGET (view)); w != NULL && split == NULL;)
    {
      if (ADW_IS_SPLIT_BUTTON (w))
        split = w;
      else if (gtk_widget_get_first_child (w) != NULL)
        w = gtk_widget_get_first_child (w);
      else
        {
          while (w != NULL && gtk_widget_get_next_sibling (w) == NULL && w != GTK_WIDGET (view))
            w = gtk_widget_get_parent (w);
          w = w != NULL && w != GTK_WIDGET (view) ? gtk_widget_get_next_sibling (w) : NULL;
        }
    }
  g_assert_nonnull (split);
  menu = adw_split_button_get_menu_model (ADW_SPLIT_BUTTON (split));
  for (int i = 0; i < g_menu_model_get_n_items (menu); i++)
    {
      g_autofree char *label = NULL;

      g_assert_true (g_menu_model_get_item_attribute (menu, i, G_MENU_ATTRIBUTE_LABEL, "s", &label));
      g_string_append_printf (labels, "%s%s", labels->len > 0 ? "|" : "", label);
    }
  return g_string_free (g_steal_pointer (&labels), FALSE);
}

static char *
listed (Fixture        *f,
        TernRemoteKind  kind)
{
  g_auto(GStrv) values = tern_store_list_remote_content (f->store, f->account, kind, NULL);

  return g_strjoinv ("|", values);
}

static gboolean
toplevel_cb (gpointer data)
{
  return tern_test_ui_find_toplevel (GPOINTER_TO_SIZE (data)) != NULL;
}

/* The visible toplevel window named name. */
static GtkWindow *
named_window (const char *name)
{
  GListModel *toplevels = gtk_window_get_toplevels ();

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GtkWindow) w = g_list_model_get_item (toplevels, i);

      if (gtk_widget_get_visible (GTK_WIDGET (w)) && g_strcmp0 (gtk_widget_get_name (GTK_WIDGET (w)), name) == 0)
        return w;
    }
  return NULL;
}

static gboolean
named_window_cb (gpointer data)
{
  return named_window (data) != NULL;
}

static GtkWidget *
find_remove_button (GtkWidget  *root,
                    const char *value)
{
  for (GtkWidget *child = gtk_widget_get_first_child (root); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found;

      if (GTK_IS_BUTTON (child) && g_strcmp0 (gtk_widget_get_name (child), "remove-remote") == 0 &&
          g_strcmp0 (g_object_get_data (G_OBJECT (child), "value"), value) == 0)
        return child;
      if ((found = find_remove_button (child, value)) != NULL)
        return found;
    }
  return NULL;
}

static void
test_per_sender_and_domain (Fixture       *f,
                            gconstpointer  data)
{
  TernMessageView *view = tern_window_get_message_view (f->window);
  Requests more;
  g_autofree char *labels = NULL;
  char *s;
  guint before;

  /* Nothing allowed: blocked, no request. */
  before = open_message (f, "Newsletter");
  g_assert_true (tern_message_view_get_remote_blocked (view));
  g_assert_cmpuint (f->web.requests, ==, before);
  tern_test_ui_screenshots (GTK_WINDOW (f->window), "remote-bar", 1200, 700);
  labels = menu_labels (view);
  g_assert_cmpstr (labels, ==, "Always Load from news@example.org|Always Load from example.org");

  /* Always from this sender: loads now, and kept. */
  gtk_widget_activate_action (GTK_WIDGET (view), "view.allow-remote", "s", "sender");
  g_assert_false (tern_message_view_get_remote_blocked (view));
  more = (Requests) { &f->web, before };
  g_assert_true (tern_test_ui_wait_for (requests_cb, &more, 30));
  g_assert_cmpstr ((s = listed (f, TERN_REMOTE_SENDER)), ==, "news@example.org");
  g_free (s);

  /* The same sender's next message loads at once. */
  before = open_message (f, "Digest");
  g_assert_false (tern_message_view_get_remote_blocked (view));
  more = (Requests) { &f->web, before };
  g_assert_true (tern_test_ui_wait_for (requests_cb, &more, 30));

  /* Another sender of the domain does not, until the domain is allowed (whatever its case). */
  before = open_message (f, "Offers");
  g_assert_true (tern_message_view_get_remote_blocked (view));
  g_assert_cmpuint (f->web.requests, ==, before);
  gtk_widget_activate_action (GTK_WIDGET (view), "view.allow-remote", "s", "domain");
  g_assert_false (tern_message_view_get_remote_blocked (view));
  more = (Requests) { &f->web, before };
  g_assert_true (tern_test_ui_wait_for (requests_cb, &more, 30));
  g_assert_cmpstr ((s = listed (f, TERN_REMOTE_DOMAIN)), ==, "example.org");
  g_free (s);

  /* Anyone else stays blocked. */
  before = open_message (f, "Prize");
  g_assert_true (tern_message_view_get_remote_blocked (view));
  g_assert_cmpuint (f->web.requests, ==, before);

  /* Preferences list both; removing the domain blocks the shop again. */
  {
    GtkWindow *prefs;
    GtkWindow *dialog;
    GtkWidget *edit;
    GtkWidget *remove;

    g_action_group_activate_action (G_ACTION_GROUP (f->app), "preferences", NULL);
    g_assert_true (tern_test_ui_wait_for (toplevel_cb, GSIZE_TO_POINTER (TERN_TYPE_PREFERENCES), 10));
    prefs = tern_test_ui_find_toplevel (TERN_TYPE_PREFERENCES);
    edit = tern_test_ui_find_named (GTK_WIDGET (prefs), "remote-content");
    g_assert_nonnull (edit);
    g_signal_emit_by_name (edit, "clicked");
    g_assert_true (tern_test_ui_wait_for (named_window_cb, (gpointer) "remote-content", 10));
    dialog = named_window ("remote-content");
    g_assert_true (tern_test_ui_wait_frames (GTK_WIDGET (dialog), 2));
    tern_test_ui_screenshots (dialog, "remote-content", 460, 480);
    g_assert_nonnull (find_remove_button (GTK_WIDGET (dialog), "news@example.org"));
    remove = find_remove_button (GTK_WIDGET (dialog), "example.org");
    g_assert_nonnull (remove);
    g_assert_true (tern_test_ui_click (remove, gtk_widget_get_width (remove) / 2.0,
                                       gtk_widget_get_height (remove) / 2.0));
    g_assert_cmpstr ((s = listed (f, TERN_REMOTE_DOMAIN)), ==, "");
    g_free (s);
    g_assert_null (find_remove_button (GTK_WIDGET (dialog), "example.org"));
    gtk_window_destroy (dialog);
    gtk_window_destroy (prefs);
  }
  before = open_message (f, "Offers");
  g_assert_true (tern_message_view_get_remote_blocked (view));
  g_assert_cmpuint (f->web.requests, ==, before);
  before = open_message (f, "Newsletter");
  g_assert_false (tern_message_view_get_remote_blocked (view));
}

/* Printing. */

typedef struct
{
  gboolean  done;
  gboolean  ok;
  GError   *error;
} Printed;

static void
printed_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      data)
{
  Printed *p = data;

  p->ok = tern_message_view_print_finish (TERN_MESSAGE_VIEW (source), result, &p->error);
  p->done = TRUE;
}

static gboolean
printed_done_cb (gpointer data)
{
  return ((Printed *) data)->done;
}

/* Prints the message shown to a PDF in the test's folder; returns its text. */
static char *
print_to_text (Fixture    *f,
               const char *name)
{
  g_autoptr(GtkPrintSettings) settings = gtk_print_settings_new ();
  g_autofree char *pdf = g_strdup_printf ("%s/%s.pdf", f->dir, name);
  g_autofree char *uri = g_filename_to_uri (pdf, NULL, NULL);
  g_autofree char *cmd = g_strdup_printf ("pdftotext -layout '%s' -", pdf);
  g_autofree char *text = NULL;
  int status = 0;
  Printed p = { 0 };

  gtk_print_settings_set_printer (settings, "Print to File");
  gtk_print_settings_set (settings, GTK_PRINT_SETTINGS_OUTPUT_FILE_FORMAT, "pdf");
  gtk_print_settings_set (settings, GTK_PRINT_SETTINGS_OUTPUT_URI, uri);
  tern_message_view_print_async (tern_window_get_message_view (f->window), GTK_WINDOW (f->window),
                                 settings, printed_cb, &p);
  g_assert_true (tern_test_ui_wait_for (printed_done_cb, &p, 60));
  g_assert_no_error (p.error);
  g_assert_true (p.ok);
  g_assert_true (g_file_test (pdf, G_FILE_TEST_EXISTS));
  g_assert_true (g_spawn_command_line_sync (cmd, &text, NULL, &status, NULL));
  g_assert_cmpint (status, ==, 0);
  return g_steal_pointer (&text);
}

static void
test_print (Fixture       *f,
            gconstpointer  data)
{
  g_autofree char *plain = NULL;
  g_autofree char *html = NULL;
  g_autofree char *pdftotext = g_find_program_in_path ("pdftotext");
  guint before;

  if (pdftotext == NULL)
    {
      g_test_skip ("pdftotext (poppler-utils) is not installed");
      return;
    }
  /* A plain message: its headers, then its text. */
  open_message (f, "Plain-note");
  plain = print_to_text (f, "plain");
  g_assert_nonnull (strstr (plain, "Plain-note"));
  g_assert_nonnull (strstr (plain, "Carol <carol@example.net>"));
  g_assert_nonnull (strstr (plain, "alice@example.org"));
  g_assert_nonnull (strstr (plain, "Remember the milk."));
  g_assert_nonnull (strstr (plain, "And the bread."));
  g_assert_true (strstr (plain, "Plain-note") < strstr (plain, "Remember the milk."));

  /* An HTML message: its remote image stays blocked in print as on screen. */
  before = open_message (f, "Prize");
  html = print_to_text (f, "html");
  g_assert_nonnull (strstr (html, "Prize <winner@elsewhere.net>"));
  /* The message's own heading comes below the header block. */
  g_assert_nonnull (strstr (html, "Date:"));
  g_assert_nonnull (strstr (strstr (html, "Date:"), "Prize"));
  g_assert_cmpuint (f->web.requests, ==, before);
}

/* Save As: the message whole, as the server has it, in the file named. */

static gboolean
toast_cb (gpointer data)
{
  Fixture *f = data;

  return tern_window_get_last_toast (f->window) != NULL;
}

static void
test_save_as (Fixture       *f,
              gconstpointer  data)
{
  g_autofree char *path = g_build_filename (f->dir, "Plain-note.eml", NULL);
  g_autofree char *contents = NULL;

  open_message (f, "Plain-note");
  gtk_widget_activate_action (GTK_WIDGET (f->window), "win.save-message-to", "s", path);
  g_assert_true (tern_test_ui_wait_for (toast_cb, f, 30));
  g_assert_cmpstr (tern_window_get_last_toast (f->window), ==, "Message saved");
  g_assert_true (g_file_get_contents (path, &contents, NULL, NULL));
  g_assert_true (g_str_has_prefix (contents, "From: Carol <carol@example.net>\r\n"));
  g_assert_nonnull (strstr (contents, "Subject: Plain-note\r\n"));
  g_assert_nonnull (strstr (contents, "\r\n\r\nRemember the milk.\r\nAnd the bread.\r\n"));
}

int
main (int    argc,
      char **argv)
{
  gtk_test_init (&argc, &argv, NULL);
  tern_sync_global_init ();
  g_setenv ("TERN_TEST_URI_LOG", "/dev/null", TRUE);

  g_test_add ("/ui-message/remote-per-sender-and-domain", Fixture, NULL, set_up, test_per_sender_and_domain, tear_down);
  g_test_add ("/ui-message/print", Fixture, NULL, set_up, test_print, tear_down);
  g_test_add ("/ui-message/save-as", Fixture, NULL, set_up, test_save_as, tear_down);

  return g_test_run ();
}
