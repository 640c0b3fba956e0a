/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-ui-prefs"

#include "config.h"

#include <string.h>

#include "tern-outbox.h"
#include "tern-pane-handle.h"
#include "tern-password.h"
#include "tern-preferences.h"
#include "tern-submit.h"
#include "tern-test-ui.h"
#include "test-ui-prefs-private.h"

/* The window around the preferences: "Try the Demo", the add-account form's validation, and
 * the resizable panes (part of test-ui-prefs). */

/* "Try the demo": the demo server starts, and its account's folders are listed. */

static gboolean
demo_listed_cb (gpointer data)
{
  Fixture *f = data;
  TernFolderModel *folders = tern_window_get_folder_model (f->window);
  gboolean team = FALSE, launch = FALSE;

  if (!messages_listed_cb (f))
    return FALSE;
  for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (folders)); i++)
    {
      g_autoptr(TernFolderItem) item = g_list_model_get_item (G_LIST_MODEL (folders), i);

      team |= g_strcmp0 (tern_folder_item_get_label (item), "Team") == 0;
      launch |= g_strcmp0 (tern_folder_item_get_label (item), "Launch") == 0;
    }
  return team && launch;
}

static gboolean
bob_inbox_synced_cb (gpointer data)
{
  Fixture *f = data;
  g_autoptr(TernAccount) account = tern_store_get_account (f->store, "demo", NULL);
  g_autoptr(TernFolder) inbox = account ? tern_store_get_folder (f->store, account->id, "INBOX", NULL) : NULL;

  return inbox != NULL && tern_store_count_uids (f->store, inbox->id) >= 200;
}

/* Unread messages of a sidebar row, G_MAXUINT while it is not listed. */
static guint
row_unread (TernFolderModel *folders,
            guint            pos)
{
  g_autoptr(TernFolderItem) item = NULL;

  if (pos == G_MAXUINT)
    return G_MAXUINT;
  item = g_list_model_get_item (G_LIST_MODEL (folders), pos);
  return tern_folder_item_get_unread (item);
}

static guint
inbox_unread (Fixture    *f,
              const char *account_name)
{
  g_autoptr(TernAccount) account = tern_store_get_account (f->store, account_name, NULL);
  g_autoptr(TernFolder) inbox = account ? tern_store_get_folder (f->store, account->id, "INBOX", NULL) : NULL;
  TernFolderModel *folders = tern_window_get_folder_model (f->window);

  return inbox != NULL ? row_unread (folders, tern_folder_model_find (folders, inbox->id)) : G_MAXUINT;
}

/* The demo's two accounts: All Inboxes is listed, with both inboxes' unread mail. */
static gboolean
all_inboxes_listed_cb (gpointer data)
{
  Fixture *f = data;
  TernFolderModel *folders = tern_window_get_folder_model (f->window);
  guint all = row_unread (folders, tern_folder_model_find_unified (folders, TERN_FOLDER_MODEL_ALL_INBOXES));
  guint bob = inbox_unread (f, "demo");
  guint alice = inbox_unread (f, "team");

  return all != G_MAXUINT && bob != G_MAXUINT && alice != G_MAXUINT && alice > 0 && bob > 0 &&
         all == alice + bob;
}

static gboolean
demo_replaced_cb (gpointer data)
{
  Fixture *f = data;
  g_autoptr(TernAccount) account = tern_store_get_account (f->store, "demo", NULL);

  return account != NULL && g_strcmp0 (account->ca_file, f->demo_ca_file) != 0;
}

static gboolean
demo_disabled_cb (gpointer data)
{
  Fixture *f = data;

  return !g_action_group_get_action_enabled (G_ACTION_GROUP (f->app), "demo");
}

static gboolean
status_error_cb (gpointer data)
{
  return gtk_widget_has_css_class (data, "error");
}

/* Issue 14, 12: "Add Account" on an incomplete form says what is missing under the form,
 * beside the buttons, and marks the fields (a toast covered the Add button). */
void
test_add_account_validation (Fixture       *f,
                             gconstpointer  data)
{
  GtkWindow *prefs;
  GtkWidget *status;

  start_app (f, FALSE);
  prefs = open_add_account (f);
  status = need_named (GTK_WIDGET (prefs), "test-status");
  gtk_editable_set_text (GTK_EDITABLE (need_named (GTK_WIDGET (prefs), "email")), "");
  gtk_editable_set_text (GTK_EDITABLE (need_named (GTK_WIDGET (prefs), "host")), "");
  /* A button activated from the keyboard clicks a moment later. */
  gtk_widget_activate (need_named (GTK_WIDGET (prefs), "add-button"));
  g_assert_true (tern_test_ui_wait_for (status_error_cb, status, 5));
  g_assert_cmpstr (gtk_label_get_text (GTK_LABEL (status)), ==, "An email address and a server are needed");
  g_assert_true (gtk_widget_has_css_class (status, "error"));
  g_assert_true (gtk_widget_has_css_class (need_named (GTK_WIDGET (prefs), "email"), "error"));
  g_assert_true (gtk_widget_has_css_class (need_named (GTK_WIDGET (prefs), "host"), "error"));
  gtk_window_destroy (prefs);
}

void
test_demo (Fixture       *f,
           gconstpointer  data)
{
  g_autoptr(TernAccount) account = NULL;
  GtkWidget *demo;

  start_app (f, FALSE);
  g_assert_cmpstr (tern_window_get_page (f->window), ==, "welcome");
  demo = need_named (GTK_WIDGET (f->window), "demo_button");
  gtk_widget_activate (demo);
  /* One demo at a time. */
  g_assert_true (tern_test_ui_wait_for (demo_disabled_cb, f, 5));
  /* Its server takes seconds to start: the button says so, with a spinner. */
  {
    GtkWidget *spinner = gtk_widget_get_first_child (gtk_button_get_child (GTK_BUTTON (demo)));

    g_assert_true (GTK_IS_SPINNER (spinner));
    g_assert_true (gtk_spinner_get_spinning (GTK_SPINNER (spinner)));
  }
  if (!tern_test_ui_wait_for (demo_listed_cb, f, 60))
    g_error ("The demo's folders and messages were not listed");
  g_assert_cmpstr (tern_window_get_page (f->window), ==, "mail");
  account = tern_store_get_account (f->store, "demo", NULL);
  g_assert_nonnull (account);
  g_assert_cmpstr (account->user, ==, "bob");
  /* INBOX of the demo mailbox: a few hundred messages (whichever folder the window opened
   * first: with two accounts it may be alice's). */
  if (!tern_test_ui_wait_for (bob_inbox_synced_cb, f, 60))
    g_error ("The demo's INBOX was not synced");
  /* And alice's account beside it (she shares her Team folder with bob): with two accounts
   * the sidebar has All Inboxes, which has her mail too. */
  {
    g_autoptr(TernAccount) team = tern_store_get_account (f->store, "team", NULL);

    g_assert_nonnull (team);
    g_assert_cmpstr (team->user, ==, "alice");
    if (!tern_test_ui_wait_for (all_inboxes_listed_cb, f, 60))
      g_error ("All Inboxes was not listed, or not with alice's mail");
  }

  /* The demo can send: its outgoing server was set up with it (the demo server's submission
   * port, not a guess), and takes a message with the account's password. */
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(TernSmtpSettings) smtp = tern_outbox_get_smtp (f->store, account->id, &error);
    g_autofree char *password = NULL;
    g_autofree char *path = g_build_filename (f->dir, "demo-send.eml", NULL);
    const char *recipients[] = { "alice@example.org", NULL };
    TernSubmitSettings s = { 0 };
    TernSubmitOutcome outcome = TERN_SUBMIT_NOT_SENT;

    g_assert_no_error (error);
    g_assert_true (smtp->configured);
    g_assert_cmpstr (smtp->host, ==, account->host);
    g_assert_cmpuint (smtp->port, !=, 465);
    g_assert_cmpstr (smtp->security, ==, "tls");
    password = tern_password_lookup_smtp (account, smtp->host, smtp->user, &error);
    g_assert_no_error (error);
    g_assert_true (g_file_set_contents (path, "From: bob@example.org\r\nTo: alice@example.org\r\n"
                                        "Subject: From the demo\r\nMessage-ID: <demo-send@example.org>\r\n"
                                        "\r\nHello.\r\n", -1, &error));
    s.host = smtp->host;
    s.port = (guint16) smtp->port;
    s.security = TERN_SUBMIT_SECURITY_TLS;
    s.user = smtp->user;
    s.password = password;
    s.ca_file = account->ca_file;
    s.timeout_seconds = 30;
    g_assert_true (tern_submit_message (&s, "bob@example.org", recipients, path, NULL, NULL, NULL,
                                        &outcome, NULL, &error));
    g_assert_no_error (error);
    g_assert_cmpint (outcome, ==, TERN_SUBMIT_SENT);
  }

  /* Tern quits (its demo server stops with it) and starts again: the demo account gets a new
   * server instead of staying offline. */
  {
    g_autoptr(TernAccount) again = NULL;
    g_autofree char *ca_file = g_strdup (account->ca_file);
    GListModel *toplevels = gtk_window_get_toplevels ();

    tern_test_ui_stop_workers (f->app);
    while (g_list_model_get_n_items (toplevels) > 0)
      {
        g_autoptr(GtkWindow) w = g_list_model_get_item (toplevels, 0);

        gtk_window_destroy (w);
      }
    f->window = NULL;
    tern_test_ui_drain ();
    g_clear_object (&f->app);

    start_app (f, FALSE);
    g_assert_true (tern_test_ui_wait_for (demo_disabled_cb, f, 5));
    /* A fresh server, in a folder of its own, replaces the account. */
    f->demo_ca_file = ca_file;
    if (!tern_test_ui_wait_for (demo_replaced_cb, f, 60) || !tern_test_ui_wait_for (worker_online_cb, f, 60) ||
        !tern_test_ui_wait_for (demo_listed_cb, f, 60))
      g_error ("The demo did not come back after a restart");
    again = tern_store_get_account (f->store, "demo", NULL);
    g_assert_nonnull (again);
    g_assert_cmpstr (again->ca_file, !=, ca_file);
  }
}

/* The borders between the panes: dragged, kept within bounds, saved and restored. */

static void
drag (TernPaneHandle *handle,
      double          dx)
{
  GtkGesture *gesture = tern_pane_handle_get_gesture (handle);

  g_signal_emit_by_name (gesture, "drag-begin", 2.0, 100.0);
  g_signal_emit_by_name (gesture, "drag-update", dx / 2, 0.0);
  g_signal_emit_by_name (gesture, "drag-update", dx, 0.0);
  g_signal_emit_by_name (gesture, "drag-end", dx, 0.0);
  /* Laid out again at the new widths. */
  g_assert_true (tern_test_ui_wait_frames (GTK_WIDGET (handle), 2));
}

static gboolean
folded_cb (gpointer data)
{
  return adw_leaflet_get_folded (ADW_LEAFLET (data));
}

static gboolean
compact_cb (gpointer data)
{
  gboolean compact = FALSE;

  g_object_get (data, "compact", &compact, NULL);
  return compact;
}

static gboolean
unfolded_cb (gpointer data)
{
  return !adw_leaflet_get_folded (ADW_LEAFLET (data));
}

void
test_panes (Fixture       *f,
            gconstpointer  data)
{
  TernPaneHandle *sidebar_handle, *list_handle;
  GtkWidget *sidebar, *list;
  GSettings *settings;
  int request = 0, before;
  TernStore *store;

  store = tern_test_cache_new (f->db_path, &f->ids);
  tern_test_cache_add_messages (store, f->ids.inbox, 1, 50);
  tern_store_free (store);
  start_app (f, TRUE);
  settings = tern_application_get_settings (f->app);
  /* As wide as the test's screen (1400): room to make panes wider without folding. */
  gtk_window_set_default_size (GTK_WINDOW (f->window), 1400, 860);
  gtk_window_present (GTK_WINDOW (f->window));
  g_assert_true (tern_test_ui_wait_frames (GTK_WIDGET (f->window), 2));

  sidebar_handle = TERN_PANE_HANDLE (need_named (GTK_WIDGET (f->window), "sidebar_handle"));
  list_handle = TERN_PANE_HANDLE (need_named (GTK_WIDGET (f->window), "list_handle"));
  g_assert_nonnull (sidebar_handle);
  g_assert_nonnull (list_handle);
  sidebar = tern_pane_handle_get_pane (sidebar_handle);
  list = tern_pane_handle_get_pane (list_handle);
  g_assert_nonnull (sidebar);
  g_assert_nonnull (list);
  g_assert_true (sidebar == need_named (GTK_WIDGET (f->window), "sidebar_pane"));
  g_assert_true (list == need_named (GTK_WIDGET (f->window), "list_pane"));
  g_assert_cmpstr (gdk_cursor_get_name (gtk_widget_get_cursor (GTK_WIDGET (sidebar_handle))), ==, "col-resize");
  g_assert_true (gtk_widget_get_mapped (GTK_WIDGET (sidebar_handle)));
  g_assert_cmpint (gtk_widget_get_width (GTK_WIDGET (sidebar_handle)), >=, 3);

  /* The settings' widths are what the window opened with. */
  g_assert_cmpint (gtk_widget_get_width (sidebar), ==, g_settings_get_int (settings, "sidebar-width"));
  g_assert_cmpint (gtk_widget_get_width (list), ==, g_settings_get_int (settings, "list-width"));

  /* Wider sidebar. */
  before = gtk_widget_get_width (sidebar);
  drag (sidebar_handle, 60);
  gtk_widget_get_size_request (sidebar, &request, NULL);
  g_assert_cmpint (request, ==, before + 60);
  g_assert_cmpint (gtk_widget_get_width (sidebar), ==, before + 60);
  g_assert_cmpint (g_settings_get_int (settings, "sidebar-width"), ==, before + 60);

  /* Not narrower than the schema allows. */
  drag (sidebar_handle, -1000);
  gtk_widget_get_size_request (sidebar, &request, NULL);
  g_assert_cmpint (request, ==, 160);
  /* (Or what the folder pane's contents need at the least.) */
  g_assert_cmpint (gtk_widget_get_width (sidebar), <=, 170);
  g_assert_cmpint (g_settings_get_int (settings, "sidebar-width"), ==, 160);

  /* The list, wider by 80. */
  before = gtk_widget_get_width (list);
  drag (list_handle, 80);
  g_assert_cmpint (gtk_widget_get_width (list), ==, before + 80);
  g_assert_cmpint (g_settings_get_int (settings, "list-width"), ==, before + 80);

  /* Dragged far to the right: the panes stay side by side (the window does not fold). */
  drag (list_handle, 3000);
  g_assert_false (adw_leaflet_get_folded (ADW_LEAFLET (gtk_widget_get_parent (list))));
  g_assert_cmpint (g_settings_get_int (settings, "list-width"), <=, 900);

  /* A new window opens with the saved widths. */
  {
    int sidebar_width = g_settings_get_int (settings, "sidebar-width");
    int list_width = g_settings_get_int (settings, "list-width");
    TernWindow *window;

    gtk_window_destroy (GTK_WINDOW (f->window));
    window = tern_window_new (f->app);
    f->window = window;
    gtk_window_set_default_size (GTK_WINDOW (window), 1400, 860);
    gtk_window_present (GTK_WINDOW (window));
    g_assert_true (tern_test_ui_wait_frames (GTK_WIDGET (window), 2));
    sidebar_handle = TERN_PANE_HANDLE (need_named (GTK_WIDGET (window), "sidebar_handle"));
    list_handle = TERN_PANE_HANDLE (need_named (GTK_WIDGET (window), "list_handle"));
    gtk_widget_get_size_request (tern_pane_handle_get_pane (sidebar_handle), &request, NULL);
    g_assert_cmpint (request, ==, sidebar_width);
    g_assert_cmpint (gtk_widget_get_width (tern_pane_handle_get_pane (sidebar_handle)), <=, 170);
    g_assert_cmpint (gtk_widget_get_width (tern_pane_handle_get_pane (list_handle)), ==, list_width);
    g_assert_false (adw_leaflet_get_folded (ADW_LEAFLET (need_named (GTK_WIDGET (window), "leaflet"))));

    /* A narrow window still folds into one pane at a time, and unfolds when wide again (a
     * folded window's headers have back and window buttons: with a list as wide as it can
     * be, it would need more room than it had to unfold). */
    drag (list_handle, -150);
    gtk_window_set_default_size (GTK_WINDOW (window), 480, 700);
    g_assert_true (tern_test_ui_wait_for (folded_cb, need_named (GTK_WIDGET (window), "leaflet"), 10));
    /* Narrow, the message view's header bar puts its less used actions in a menu, so it no
     * longer holds the window wider than the HIG's 360 px. */
    {
      int minimum = 0;

      g_assert_true (tern_test_ui_wait_for (compact_cb, window, 10));
      gtk_widget_measure (need_named (GTK_WIDGET (window), "leaflet"), GTK_ORIENTATION_HORIZONTAL, -1,
                          &minimum, NULL, NULL, NULL);
      g_assert_cmpint (minimum, <=, 360);
    }
    gtk_window_set_default_size (GTK_WINDOW (window), 1400, 860);
    g_assert_true (tern_test_ui_wait_for (unfolded_cb, need_named (GTK_WIDGET (window), "leaflet"), 10));
  }
}

