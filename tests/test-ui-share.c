/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * "Share Folder…" (issue #18) against Dovecot's ACL plugin: alice shares "Projects" with bob
 * from the window (the change is queued in the journal and replayed), bob then reads it with
 * his own client; the window shows who has access in words, and someone without the right to
 * share sees only their own rights; presets are fitted to what the server's LISTRIGHTS allows
 * (a scripted server, as no real one refuses rights to a colleague). TERN_SCREENSHOT_DIR: PNGs
 * (light, dark, narrow).
 */
#include "config.h"

#include <adwaita.h>
#include <string.h>

#include "tern-fake-imap.h"
#include "tern-journal.h"
#include "tern-share-dialog.h"
#include "tern-sync.h"
#include "tern-test-cache.h"
#include "tern-test-server.h"
#include "tern-test-ui.h"

typedef struct
{
  TernTestServer  *server;
  TernStore       *store;
  TernMailService *service;
  guint            queue_changes;   /* the service's queue-changed signals */
  char            *dir;
  TernShareDialog *dialog;
} Fixture;

static void
cli (Fixture    *f,
     const char *command)
{
  g_autofree char *exe = g_build_filename (TERN_BUILD_DIR, "app", "tern-cli", NULL);
  const char *argv[] = { exe, "--data-dir", f->dir, command, "work", NULL };
  g_autoptr(GError) error = NULL;
  int status = -1;

  g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL, NULL, NULL,
                               &status, &error));
  g_assert_no_error (error);
  g_assert_true (g_spawn_check_wait_status (status, NULL));
}

static void
count_queue_change (Fixture *f)
{
  f->queue_changes++;
}

static void
set_up (Fixture       *f,
        gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;

  f->server = tern_test_server_new (TERN_TEST_SERVER_FULL, &error);
  g_assert_no_error (error);
  f->dir = g_dir_make_tmp ("tern-ui-share-XXXXXX", &error);
  path = g_build_filename (f->dir, "tern.db", NULL);
  f->store = tern_store_open (path, &error);
  g_assert_no_error (error);
  tern_test_cache_add_server_account (f->store, f->server, "work", TRUE);
  f->service = tern_mail_service_new (f->store);
  g_signal_connect_swapped (f->service, "queue-changed", G_CALLBACK (count_queue_change), f);
  g_assert_true (tern_test_server_create_mailbox (f->server, "alice", "Projects", &error));
  g_assert_no_error (error);
  tern_test_server_append_message (f->server, "alice", "Projects", "Subject: plan\r\n\r\nThe plan.\r\n");
  cli (f, "sync");
}

static void
tear_down (Fixture       *f,
           gconstpointer  data)
{
  g_autofree char *cmd = g_strdup_printf ("rm -rf '%s'", f->dir);

  if (f->dialog != NULL)
    gtk_window_destroy (GTK_WINDOW (f->dialog));
  tern_test_ui_drain ();
  g_clear_object (&f->service);
  tern_store_free (f->store);
  tern_test_server_free (f->server);
  g_assert_cmpint (system (cmd), ==, 0);
  g_free (f->dir);
}

static gboolean
loaded (gpointer data)
{
  return tern_share_dialog_is_loaded (data);
}

static gint64
folder_id (Fixture    *f,
           const char *name)
{
  g_autoptr(TernAccount) account = tern_store_get_account (f->store, "work", NULL);
  g_autoptr(TernFolder) folder = tern_store_get_folder (f->store, account->id, name, NULL);

  g_assert_nonnull (folder);
  return folder->id;
}

static void
open_dialog (Fixture    *f,
             const char *folder)
{
  if (f->dialog != NULL)
    gtk_window_destroy (GTK_WINDOW (f->dialog));
  f->dialog = tern_share_dialog_new (NULL, f->service, folder_id (f, folder));
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

/* The subtitle of the person row titled identifier, or NULL. */
static const char *
person (Fixture    *f,
        const char *identifier)
{
  GtkWidget *row = named (f, "person");

  for (; row != NULL; row = gtk_widget_get_next_sibling (row))
    if (ADW_IS_ACTION_ROW (row) &&
        g_strcmp0 (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (row)), identifier) == 0)
      return adw_action_row_get_subtitle (ADW_ACTION_ROW (row));
  return NULL;
}

static void
screenshot (Fixture    *f,
            const char *name)
{
  g_autofree char *prefix = g_strdup_printf ("share-%s", name);

  tern_test_ui_screenshots (GTK_WINDOW (f->dialog), prefix, 560, 640);
}

static void
test_share (Fixture       *f,
            gconstpointer  data)
{
  open_dialog (f, "Projects");
  /* Not INBOX: no notifications unless chosen. */
  g_assert_false (gtk_switch_get_active (GTK_SWITCH (named (f, "folder-notify"))));
  g_assert_nonnull (strstr (gtk_label_get_text (GTK_LABEL (named (f, "my-rights"))), "You can read"));
  g_assert_true (gtk_widget_get_visible (named (f, "share")));

  /* Not to oneself; the form says why. */
  gtk_editable_set_text (GTK_EDITABLE (named (f, "share-user")), "alice");
  g_signal_emit_by_name (named (f, "share"), "clicked");
  g_assert_cmpstr (gtk_label_get_text (GTK_LABEL (named (f, "share-error"))), !=, "");
  g_assert_cmpuint (tern_journal_count_queued (f->store, 1, TERN_ACTION_SETACL), ==, 0);

  gtk_editable_set_text (GTK_EDITABLE (named (f, "share-user")), "bob");
  adw_combo_row_set_selected (ADW_COMBO_ROW (named (f, "share-preset")), 0);
  g_signal_emit_by_name (named (f, "share"), "clicked");
  g_assert_cmpuint (tern_journal_count_queued (f->store, 1, TERN_ACTION_SETACL), ==, 1);
  /* Through the mail service: the status area's count follows at once. */
  g_assert_cmpuint (f->queue_changes, ==, 1);
  g_assert_cmpuint (tern_mail_service_get_queued (f->service), ==, 1);
  g_assert_nonnull (person (f, "bob"));
  g_assert_nonnull (strstr (person (f, "bob"), "bob can read and mark as read · waiting for the server"));
  screenshot (f, "owner");

  /* The worker's part, here by tern-cli: bob then reads it with his own client. */
  cli (f, "sync");
  g_assert_cmpuint (tern_test_server_count_messages (f->server, "bob", "shared/alice/Projects", "ALL"), ==, 1);

  open_dialog (f, "Projects");
  g_assert_cmpstr (person (f, "bob"), ==, "bob can read and mark as read");

  /* Taken back. */
  g_signal_emit_by_name (named (f, "person-remove"), "clicked");
  g_assert_cmpuint (tern_journal_count_queued (f->store, 1, TERN_ACTION_DELETEACL), ==, 1);
  g_assert_null (person (f, "bob"));
  cli (f, "sync");
  open_dialog (f, "Projects");
  g_assert_null (person (f, "bob"));
}

/* A server that grants l, r and i each alone, s only with w, and nothing else (Dovecot and
 * Cyrus let a colleague be given every right: only a scripted server answers LISTRIGHTS so). */
static gboolean
listrights_hook (TernFakeImapSession *session,
                 const char          *tag,
                 const char          *command,
                 gpointer             data)
{
  const char *identifier = strrchr (command, ' ');

  tern_fake_imap_session_send (session, "* LISTRIGHTS \"Projects\" %s \"\" l r sw i\r\n%s OK done\r\n",
                               identifier + 1, tag);
  return TRUE;
}

/* bob already reads it. */
static gboolean
getacl_hook (TernFakeImapSession *session,
             const char          *tag,
             const char          *command,
             gpointer             data)
{
  tern_fake_imap_session_send (session, "* ACL \"Projects\" alice lrswipkxtea bob lrs\r\n%s OK done\r\n", tag);
  return TRUE;
}

static void
test_listrights (Fixture       *f,
                 gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *key = g_build_filename (tern_test_server_get_dir (f->server), "server.key", NULL);
  g_autoptr(TernFakeImap) fake = tern_fake_imap_new (tern_test_server_get_cert_file (f->server), key, &error);
  g_autoptr(TernAccount) account = NULL;
  g_autoptr(TernFolder) folder = NULL;
  TernAccount settings = { 0 };
  GtkWidget *preset_row;
  GtkWidget *share;

  g_assert_no_error (error);
  tern_fake_imap_add_folder (fake, "Projects", NULL);
  tern_fake_imap_set_hook (fake, "LISTRIGHTS", listrights_hook, NULL);
  tern_fake_imap_set_hook (fake, "GETACL", getacl_hook, NULL);
  settings.name = (char *) "fake";
  settings.email = (char *) "alice@example.org";
  settings.host = (char *) "127.0.0.1";
  settings.port = tern_fake_imap_get_port (fake);
  settings.security = (char *) "tls";
  settings.user = (char *) "alice";
  settings.password_command = (char *) "echo secret";
  settings.ca_file = (char *) tern_test_server_get_ca_file (f->server);
  g_assert_true (tern_store_add_account (f->store, &settings, NULL, &error));
  g_assert_no_error (error);
  {
    g_autofree char *exe = g_build_filename (TERN_BUILD_DIR, "app", "tern-cli", NULL);
    const char *argv[] = { exe, "--data-dir", f->dir, "sync", "fake", NULL };
    int status = -1;

    g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL, NULL, NULL,
                                 &status, &error));
    g_assert_true (g_spawn_check_wait_status (status, NULL));
  }
  account = tern_store_get_account (f->store, "fake", &error);
  folder = tern_store_get_folder (f->store, account->id, "Projects", &error);
  g_assert_nonnull (folder);
  f->dialog = tern_share_dialog_new (NULL, f->service, folder->id);
  gtk_window_present (GTK_WINDOW (f->dialog));
  g_assert_true (tern_test_ui_wait_for (loaded, f->dialog, 30));
  /* Asked for bob and for anyone (a colleague not listed yet), not for alice herself. */
  g_assert_cmpuint (tern_fake_imap_count_commands (fake, "LISTRIGHTS"), ==, 2);
  preset_row = named (f, "share-preset");
  share = named (f, "share");

  /* Triage needs t and e, which this server does not grant: Share is off, and says why. */
  adw_combo_row_set_selected (ADW_COMBO_ROW (preset_row), 1);
  g_assert_false (gtk_widget_get_sensitive (share));
  g_assert_cmpstr (gtk_label_get_text (GTK_LABEL (named (f, "share-hint"))), ==,
                   "“Read and triage” is not possible here. The server does not let others delete messages in this folder.");
  adw_combo_row_set_selected (ADW_COMBO_ROW (preset_row), 2);
  g_assert_false (gtk_widget_get_sensitive (share));
  g_assert_nonnull (strstr (gtk_label_get_text (GTK_LABEL (named (f, "share-hint"))),
                            "delete messages, make folders in it and delete or rename it"));
  gtk_editable_set_text (GTK_EDITABLE (named (f, "share-user")), "bob");
  screenshot (f, "not-granted");

  /* bob's own row: triage is refused there too, and the row stays as it was. */
  {
    GtkWidget *row = named (f, "person");

    while (row != NULL && g_strcmp0 (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (row)), "bob") != 0)
      row = gtk_widget_get_next_sibling (row);
    g_assert_true (ADW_IS_COMBO_ROW (row));
    adw_combo_row_set_selected (ADW_COMBO_ROW (row), 1);
    g_assert_cmpuint (adw_combo_row_get_selected (ADW_COMBO_ROW (row)), ==, 0);
    g_assert_cmpuint (tern_journal_count_queued (f->store, account->id, TERN_ACTION_SETACL), ==, 0);
  }

  /* Read for carol: s comes only with w (RFC 4314: granted together): said, and queued so. */
  gtk_editable_set_text (GTK_EDITABLE (named (f, "share-user")), "carol");
  adw_combo_row_set_selected (ADW_COMBO_ROW (preset_row), 0);
  g_assert_true (gtk_widget_get_sensitive (share));
  g_assert_cmpstr (gtk_label_get_text (GTK_LABEL (named (f, "share-hint"))), ==,
                   "The server grants this only together with more: they will also star and tag.");
  g_signal_emit_by_name (share, "clicked");
  g_assert_cmpuint (tern_journal_count_queued (f->store, account->id, TERN_ACTION_SETACL), ==, 1);
  g_assert_cmpstr (person (f, "carol"), ==, "carol can read, mark as read and star and tag · waiting for the server");
}

static void
test_not_owner (Fixture       *f,
                gconstpointer  data)
{
  /* alice's Team is shared with bob (lrwi): as bob, no sharing. */
  g_autoptr(GError) error = NULL;
  g_autoptr(TernAccount) alice = tern_store_get_account (f->store, "work", &error);
  TernAccount bob = *alice;

  bob.name = (char *) "bob";
  bob.user = (char *) "bob";
  bob.email = (char *) "bob@example.org";
  g_assert_true (tern_store_remove_account (f->store, "work", &error));
  g_assert_true (tern_store_add_account (f->store, &bob, NULL, &error));
  g_assert_no_error (error);
  {
    g_autofree char *exe = g_build_filename (TERN_BUILD_DIR, "app", "tern-cli", NULL);
    const char *argv[] = { exe, "--data-dir", f->dir, "sync", "bob", NULL };
    int status = -1;

    g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL, NULL, NULL,
                                 &status, &error));
    g_assert_true (g_spawn_check_wait_status (status, NULL));
  }
  {
    g_autoptr(TernAccount) account = tern_store_get_account (f->store, "bob", NULL);
    g_autoptr(TernFolder) team = tern_store_get_folder (f->store, account->id, "shared/alice/Team", NULL);

    g_assert_nonnull (team);
    f->dialog = tern_share_dialog_new (NULL, f->service, team->id);
    gtk_window_present (GTK_WINDOW (f->dialog));
    g_assert_true (tern_test_ui_wait_for (loaded, f->dialog, 30));
  }
  g_assert_nonnull (strstr (gtk_label_get_text (GTK_LABEL (named (f, "my-rights"))), "You can read"));
  g_assert_null (strstr (gtk_label_get_text (GTK_LABEL (named (f, "my-rights"))), "share it"));
  g_assert_false (gtk_widget_get_visible (GTK_WIDGET (gtk_widget_get_ancestor (named (f, "share"),
                                                                               ADW_TYPE_PREFERENCES_GROUP))));

  /* New mail in a shared folder raises notifications only once chosen (#18). */
  {
    g_autoptr(TernAccount) account = tern_store_get_account (f->store, "bob", NULL);
    g_autoptr(TernFolder) team = tern_store_get_folder (f->store, account->id, "shared/alice/Team", NULL);

    g_assert_false (gtk_switch_get_active (GTK_SWITCH (named (f, "folder-notify"))));
    g_assert_false (tern_store_get_folder_notify (f->store, team->id));
    gtk_switch_set_active (GTK_SWITCH (named (f, "folder-notify")), TRUE);
    g_assert_true (tern_store_get_folder_notify (f->store, team->id));
    screenshot (f, "reader");

    /* Shown as chosen the next time. */
    gtk_window_destroy (GTK_WINDOW (f->dialog));
    f->dialog = tern_share_dialog_new (NULL, f->service, team->id);
    gtk_window_present (GTK_WINDOW (f->dialog));
    g_assert_true (gtk_switch_get_active (GTK_SWITCH (named (f, "folder-notify"))));
  }
}

int
main (int   argc,
      char *argv[])
{
  gtk_test_init (&argc, &argv, NULL);
  adw_init ();
  tern_sync_global_init ();

  g_test_add ("/ui-share/share", Fixture, NULL, set_up, test_share, tear_down);
  g_test_add ("/ui-share/not-owner", Fixture, NULL, set_up, test_not_owner, tear_down);
  g_test_add ("/ui-share/listrights", Fixture, NULL, set_up, test_listrights, tear_down);

  return g_test_run ();
}
