/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The Rules window (issue #18) against Dovecot with Pigeonhole: a rule made in the window
 * files mail delivered afterwards, the vacation reply answers, rules made elsewhere are shown
 * as their script and replaced only on request, and with the server away the window shows the
 * rules kept here and keeps changes for later. TERN_SCREENSHOT_DIR: PNGs of the window (light,
 * dark, narrow) go there.
 */
#include "config.h"

#include <adwaita.h>
#include <string.h>

#include "tern-application.h"
#include "tern-rules-dialog.h"
#include "tern-sieve-store.h"
#include "tern-sieve-sync.h"
#include "tern-test-cache.h"
#include "tern-test-server.h"
#include "tern-test-ui.h"

typedef struct
{
  TernTestServer  *server;
  TernStore       *store;
  gint64           account_id;
  char            *dir;
  TernRulesDialog *dialog;
} Fixture;

static void
cli_sync (Fixture *f)
{
  g_autofree char *cli = g_build_filename (TERN_BUILD_DIR, "app", "tern-cli", NULL);
  const char *argv[] = { cli, "--data-dir", f->dir, "sync", "work", NULL };
  g_autoptr(GError) error = NULL;
  int status = -1;

  g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL, NULL, NULL,
                               &status, &error));
  g_assert_no_error (error);
  g_assert_true (g_spawn_check_wait_status (status, NULL));
}

static void
set_up (Fixture       *f,
        gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;

  f->server = tern_test_server_new (TERN_TEST_SERVER_SIEVE | TERN_TEST_SERVER_SUBMISSION, &error);
  g_assert_no_error (error);
  f->dir = g_dir_make_tmp ("tern-ui-rules-XXXXXX", &error);
  path = g_build_filename (f->dir, "tern.db", NULL);
  f->store = tern_store_open (path, &error);
  g_assert_no_error (error);
  f->account_id = tern_test_cache_add_server_account (f->store, f->server, "work", TRUE);
  g_assert_true (tern_sieve_store_set_server (f->store, f->account_id, NULL,
                                              tern_test_server_get_sieve_port (f->server), FALSE, &error));
  g_assert_true (tern_test_server_create_mailbox (f->server, "alice", "Builds", &error));
  g_assert_no_error (error);
  cli_sync (f);
}

static void
tear_down (Fixture       *f,
           gconstpointer  data)
{
  g_autofree char *cmd = g_strdup_printf ("rm -rf '%s'", f->dir);

  if (f->dialog != NULL)
    gtk_window_destroy (GTK_WINDOW (f->dialog));
  tern_test_ui_drain ();
  tern_store_free (f->store);
  tern_test_server_free (f->server);
  g_assert_cmpint (system (cmd), ==, 0);
  g_free (f->dir);
}

static gboolean
loaded (gpointer data)
{
  return tern_rules_dialog_is_loaded (data) && tern_rules_dialog_is_idle (data);
}

static gboolean
idle (gpointer data)
{
  return tern_rules_dialog_is_idle (data);
}

static void
open_dialog (Fixture *f)
{
  f->dialog = tern_rules_dialog_new (NULL, f->store, f->account_id);
  gtk_window_present (GTK_WINDOW (f->dialog));
  g_assert_true (tern_test_ui_wait_for (loaded, f->dialog, 30));
}

static GtkWidget *
named (Fixture    *f,
       const char *name)
{
  GtkWidget *widget = tern_test_ui_find_named (GTK_WIDGET (f->dialog), name);

  g_assert_nonnull (widget);
  return widget;
}

static void
click (Fixture    *f,
       const char *name)
{
  g_signal_emit_by_name (named (f, name), "clicked");
}

static GtkStack *
stack_of (Fixture    *f,
          const char *name)
{
  return GTK_STACK (gtk_widget_get_ancestor (named (f, name), GTK_TYPE_STACK));
}

static gboolean
settled (gpointer data)
{
  return !gtk_stack_get_transition_running (data);
}

static void
deliver (Fixture    *f,
         const char *from,
         const char *subject)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *message = g_strdup_printf ("From: <%s>\r\nTo: alice@example.org\r\nSubject: %s\r\n\r\nHi.\r\n",
                                              from, subject);

  g_assert_true (tern_test_server_deliver (f->server, "alice", from, message, &error));
  g_assert_no_error (error);
}

static void
screenshot (Fixture    *f,
            const char *name)
{
  g_autofree char *prefix = g_strdup_printf ("rules-%s", name);

  g_assert_true (tern_test_ui_wait_for (settled, stack_of (f, "rule-error"), 10));
  tern_test_ui_screenshots (GTK_WINDOW (f->dialog), prefix, 640, 820);
}

static void
test_add_rule (Fixture       *f,
               gconstpointer  data)
{
  AdwComboRow *file_into;
  GListModel *folders;
  guint builds = G_MAXUINT;

  open_dialog (f);
  g_assert_false (gtk_widget_get_visible (named (f, "rules-status")));
  click (f, "rules-add");
  gtk_editable_set_text (GTK_EDITABLE (named (f, "rule-name")), "CI builds");
  gtk_editable_set_text (GTK_EDITABLE (named (f, "condition-value")), "ci@example.org");
  file_into = ADW_COMBO_ROW (named (f, "file-into"));
  folders = adw_combo_row_get_model (file_into);
  for (guint i = 0; i < g_list_model_get_n_items (folders); i++)
    if (g_str_equal (gtk_string_list_get_string (GTK_STRING_LIST (folders), i), "Builds"))
      builds = i;
  g_assert_cmpuint (builds, !=, G_MAXUINT);
  adw_combo_row_set_selected (file_into, builds);
  gtk_switch_set_active (GTK_SWITCH (named (f, "mark-read")), TRUE);
  screenshot (f, "editor");
  click (f, "rule-save");
  g_assert_true (tern_test_ui_wait_for (idle, f->dialog, 30));
  g_assert_cmpstr (gtk_stack_get_visible_child_name (stack_of (f, "rule-error")), ==, "page");
  g_assert_cmpstr (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (named (f, "rule"))), ==, "CI builds");
  g_assert_false (gtk_widget_get_visible (named (f, "rules-status")));
  screenshot (f, "list");

  deliver (f, "ci@example.org", "build 7");
  g_assert_cmpuint (tern_test_server_count_messages (f->server, "alice", "Builds", "SEEN"), ==, 1);

  /* Off with its switch: the next build stays in the inbox. */
  gtk_switch_set_active (GTK_SWITCH (named (f, "rule-enabled")), FALSE);
  g_assert_true (tern_test_ui_wait_for (idle, f->dialog, 30));
  deliver (f, "ci@example.org", "build 8");
  g_assert_cmpuint (tern_test_server_count_messages (f->server, "alice", "INBOX", "FROM ci@example.org"), ==, 1);

  /* A rule without an action is not saved; the editor says why. */
  click (f, "rules-add");
  gtk_editable_set_text (GTK_EDITABLE (named (f, "rule-name")), "Nothing");
  gtk_editable_set_text (GTK_EDITABLE (named (f, "condition-value")), "x");
  click (f, "rule-save");
  g_assert_cmpstr (gtk_label_get_text (GTK_LABEL (named (f, "rule-error"))), !=, "");
  g_assert_cmpstr (gtk_stack_get_visible_child_name (stack_of (f, "rule-error")), ==, "editor");
}

static void
test_vacation (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GBytes) reply = NULL;

  open_dialog (f);
  gtk_switch_set_active (GTK_SWITCH (named (f, "vacation-switch")), TRUE);
  gtk_editable_set_text (GTK_EDITABLE (named (f, "vacation-subject")), "Out this week");
  gtk_text_buffer_set_text (gtk_text_view_get_buffer (GTK_TEXT_VIEW (named (f, "vacation-message"))),
                            "Back on Monday.", -1);
  click (f, "vacation-save");
  g_assert_true (tern_test_ui_wait_for (idle, f->dialog, 30));

  deliver (f, "bob@example.net", "hello");
  g_assert_cmpuint (tern_test_server_count_submitted (f->server), ==, 1);
  reply = tern_test_server_dup_submitted (f->server, 0, NULL, NULL);
  g_assert_nonnull (g_strstr_len (g_bytes_get_data (reply, NULL), g_bytes_get_size (reply), "Back on Monday."));
}

static void
test_foreign (Fixture       *f,
              gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TernAccount) account = tern_store_get_account_by_id (f->store, f->account_id, &error);
  g_autoptr(TernManageSieve) conn = tern_sieve_open (f->store, account, 20, NULL, &error);
  g_autoptr(GPtrArray) scripts = NULL;
  g_autofree char *text = NULL;
  GtkTextBuffer *buffer;
  GtkTextIter start, end;

  g_assert_no_error (error);
  g_assert_true (tern_managesieve_put_script (conn, "webmail", "keep;\r\n", &error));
  g_assert_true (tern_managesieve_set_active (conn, "webmail", &error));
  g_assert_no_error (error);

  open_dialog (f);
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (gtk_widget_get_ancestor (named (f, "script"),
                                                                              ADW_TYPE_PREFERENCES_GROUP))));
  g_assert_false (gtk_widget_get_mapped (named (f, "rules-add")));
  buffer = gtk_text_view_get_buffer (GTK_TEXT_VIEW (named (f, "script")));
  gtk_text_buffer_get_bounds (buffer, &start, &end);
  text = gtk_text_buffer_get_text (buffer, &start, &end, FALSE);
  g_assert_cmpstr (text, ==, "keep;\r\n");
  screenshot (f, "foreign");

  click (f, "replace");
  g_assert_true (tern_test_ui_wait_for (idle, f->dialog, 30));
  g_assert_true (gtk_widget_get_mapped (named (f, "rules-add")));
  scripts = tern_managesieve_list_scripts (conn, &error);
  for (guint i = 0; i < scripts->len; i++)
    {
      TernSieveScriptInfo *info = scripts->pdata[i];

      g_assert_true (info->active == g_str_equal (info->name, TERN_SIEVE_SCRIPT_NAME));
    }
}

static gboolean
uploaded_cb (gpointer data)
{
  Fixture *f = data;
  g_autoptr(TernSieveSettings) settings = tern_sieve_store_get (f->store, f->account_id, NULL);

  return settings != NULL && !settings->dirty;
}

static void
test_offline (Fixture       *f,
              gconstpointer  data)
{
  g_autoptr(TernSieveSettings) settings = NULL;
  g_autoptr(GError) error = NULL;

  tern_test_server_stop (f->server);
  open_dialog (f);
  g_assert_true (gtk_widget_get_visible (named (f, "rules-status")));
  g_assert_nonnull (strstr (gtk_label_get_text (GTK_LABEL (named (f, "rules-status"))), "cannot be reached"));
  click (f, "rules-add");
  gtk_editable_set_text (GTK_EDITABLE (named (f, "rule-name")), "Star the boss");
  gtk_editable_set_text (GTK_EDITABLE (named (f, "condition-value")), "boss@example.org");
  gtk_switch_set_active (GTK_SWITCH (named (f, "flag")), TRUE);
  click (f, "rule-save");
  g_assert_true (tern_test_ui_wait_for (idle, f->dialog, 60));
  g_assert_nonnull (strstr (gtk_label_get_text (GTK_LABEL (named (f, "rules-status"))), "Saved on this computer"));
  settings = tern_sieve_store_get (f->store, f->account_id, &error);
  g_assert_true (settings->dirty);
  g_assert_nonnull (strstr (settings->script, "Star the boss"));
  gtk_window_destroy (GTK_WINDOW (f->dialog));
  f->dialog = NULL;

  /* The server is back and the app connects: the rules go up by themselves. */
  g_assert_true (tern_test_server_start (f->server, &error));
  g_assert_no_error (error);
  {
    g_autoptr(TernStore) store = NULL;
    g_autoptr(TernAccount) account = NULL;
    g_autoptr(TernSieveState) state = NULL;
    TernWindow *window = NULL;
    TernApplication *app = tern_test_ui_start_app (f->dir, FALSE, &window);

    g_assert_true (tern_test_ui_wait_for (uploaded_cb, f, 60));
    account = tern_store_get_account_by_id (f->store, f->account_id, &error);
    g_assert_no_error (error);
    /* What the server has now (asked with the cache's copy out of the way: online only). */
    state = tern_sieve_load (f->store, account, FALSE, 20, &error);
    g_assert_no_error (error);
    g_assert_nonnull (state->script);
    g_assert_nonnull (strstr (state->script, "Star the boss"));
    tern_test_ui_close_app (&app);
  }
}

int
main (int   argc,
      char *argv[])
{
  gtk_test_init (&argc, &argv, NULL);
  adw_init ();

  g_test_add ("/ui-rules/add-rule", Fixture, NULL, set_up, test_add_rule, tear_down);
  g_test_add ("/ui-rules/vacation", Fixture, NULL, set_up, test_vacation, tear_down);
  g_test_add ("/ui-rules/foreign", Fixture, NULL, set_up, test_foreign, tear_down);
  g_test_add ("/ui-rules/offline", Fixture, NULL, set_up, test_offline, tear_down);

  return g_test_run ();
}
