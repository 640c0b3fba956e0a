/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "tern-screenshots"

#include "config.h"

#include <string.h>
#include <webkit/webkit.h>

#include "tern-application.h"
#include "tern-composer-window.h"
#include "tern-contacts-window.h"
#include "tern-conversation-view.h"
#include "tern-message-window.h"
#include "tern-preferences.h"
#include "tern-sync.h"
#include "tern-test-ui.h"
#include "tern-window.h"

/*
 * Screenshots of the app on a cache (the demo's, by tests/screenshots.sh): the window as it
 * draws itself, saved as PNG files, so that anyone can look at what a user sees.
 *
 *   tern-screenshots --data-dir DIR --out DIR [--dark] [--width W] [--height H] [--prefix P]
 */

static char *out_dir;
static char *prefix;

static void
shot (gpointer    window,
      const char *name)
{
  g_autoptr(GdkTexture) texture = NULL;
  g_autofree char *file = g_strdup_printf ("%s%s.png", prefix, name);
  g_autofree char *path = g_build_filename (out_dir, file, NULL);

  tern_test_ui_wait_frames (GTK_WIDGET (window), 3);
  texture = tern_test_ui_render (GTK_WIDGET (window));
  if (texture == NULL || !gdk_texture_save_to_png (texture, path))
    g_printerr ("Cannot save %s\n", path);
  else
    g_print ("%s\n", path);
}

static gboolean
ready_cb (gpointer data)
{
  TernWindow *window = data;

  return g_list_model_get_n_items (G_LIST_MODEL (tern_window_get_message_model (window))) > 20;
}

static gboolean
settled_cb (gpointer data)
{
  TernMessageView *view = data;
  GtkWidget *web = tern_message_view_get_web_view (view);

  if (tern_message_view_get_state (view) == TERN_MESSAGE_VIEW_LOADING)
    return FALSE;
  return tern_message_view_get_state (view) != TERN_MESSAGE_VIEW_HTML ||
         (web != NULL && !webkit_web_view_is_loading (WEBKIT_WEB_VIEW (web)));
}

/* Selects the first message whose subject starts with subject; FALSE if none. */
static gboolean
open_message (TernWindow *window,
              const char *subject)
{
  GListModel *messages = G_LIST_MODEL (tern_window_get_message_model (window));

  for (guint i = 0; i < g_list_model_get_n_items (messages); i++)
    {
      g_autoptr(TernMessageItem) item = g_list_model_get_item (messages, i);

      if (g_str_has_prefix (tern_message_item_get_subject (item), subject))
        {
          gtk_selection_model_select_item (tern_window_get_selection (window), i, TRUE);
          /* Folded, as a click would: on to the message. */
          g_signal_emit_by_name (tern_test_ui_find_named (GTK_WIDGET (window), "message_list"), "activate", i);
          tern_test_ui_wait_for (settled_cb, tern_window_get_message_view (window), 30);
          return TRUE;
        }
    }
  g_printerr ("No message “%s”\n", subject);
  return FALSE;
}

static gboolean
online_cb (gpointer data)
{
  return tern_test_ui_worker_online (data);
}

/* The composer of a forward of the selected message, shot and closed. */
static void
forward (TernWindow *window,
         int         width,
         int         height,
         const char *name)
{
  GtkApplication *app = gtk_window_get_application (GTK_WINDOW (window));

  gtk_widget_activate_action (GTK_WIDGET (window), "win.forward", NULL);
  for (GList *l = gtk_application_get_windows (app); l != NULL; l = l->next)
    if (TERN_IS_COMPOSER_WINDOW (l->data))
      {
        GtkWindow *composer = l->data;

        gtk_window_set_default_size (composer, MIN (width, 900), MIN (height, 700));
        gtk_window_present (composer);
        shot (composer, name);
        gtk_window_destroy (composer);
        break;
      }
}

static gboolean
conversation_settled_cb (gpointer data)
{
  TernConversationView *view = data;

  for (guint i = 0; i < tern_conversation_view_get_n_messages (view); i++)
    {
      TernMessageView *message = tern_conversation_view_get_message_view (view, i);

      if (message != NULL && !settled_cb (message))
        return FALSE;
    }
  return tern_conversation_view_get_n_messages (view) > 0;
}

/* Grouped by conversation, the first conversation of several messages: stacked. Then its
 * newest message in a window of its own. Grouping is left off again. */
static void
conversation (TernWindow *window,
              int         width,
              int         height)
{
  GtkWidget *w = GTK_WIDGET (window);
  GListModel *rows = G_LIST_MODEL (tern_window_get_selection (window));
  TernConversationView *view = TERN_CONVERSATION_VIEW (tern_window_get_conversation_view (window));
  GtkApplication *app = gtk_window_get_application (GTK_WINDOW (window));

  g_object_set (window, "group-by-conversation", TRUE, NULL);
  for (guint i = 0; i < g_list_model_get_n_items (rows); i++)
    {
      g_autoptr(GtkTreeListRow) row = g_list_model_get_item (rows, i);
      gpointer item = gtk_tree_list_row_get_item (row);
      gboolean several = TERN_IS_CONVERSATION_ITEM (item) && tern_conversation_item_get_count (item) > 1;

      g_clear_object (&item);
      if (!several)
        continue;
      gtk_selection_model_select_item (tern_window_get_selection (window), i, TRUE);
      g_signal_emit_by_name (tern_test_ui_find_named (w, "message_list"), "activate", i);
      if (!tern_test_ui_wait_for (conversation_settled_cb, view, 30))
        g_printerr ("The conversation did not load\n");
      shot (window, "conversation");
      break;
    }
  gtk_widget_activate_action (w, "win.open-in-window", NULL);
  for (GList *l = gtk_application_get_windows (app); l != NULL; l = l->next)
    if (TERN_IS_MESSAGE_WINDOW (l->data))
      {
        GtkWindow *opened = l->data;

        gtk_window_set_default_size (opened, MIN (width, 800), MIN (height, 640));
        tern_test_ui_wait_for (settled_cb, tern_message_window_get_message_view (TERN_MESSAGE_WINDOW (opened)), 30);
        shot (opened, "message-window");
        gtk_window_destroy (opened);
        break;
      }
  g_object_set (window, "group-by-conversation", FALSE, NULL);
}

static gboolean
searched_cb (gpointer data)
{
  return tern_message_model_get_searching (tern_window_get_message_model (data)) &&
         g_list_model_get_n_items (G_LIST_MODEL (tern_window_get_selection (data))) > 0;
}

/* Search results grouped by conversation, the first one opened. */
static void
search_grouped (TernWindow *window,
                const char *text)
{
  GtkWidget *w = GTK_WIDGET (window);

  gtk_widget_activate_action (w, "win.group-by-conversation", NULL);
  gtk_widget_activate_action (w, "win.search", NULL);
  gtk_editable_set_text (GTK_EDITABLE (tern_test_ui_find_named (w, "search_entry")), text);
  if (!tern_test_ui_wait_for (searched_cb, window, 10))
    g_printerr ("No results for “%s”\n", text);
  /* The first conversation of several results, opened. */
  {
    GListModel *rows = G_LIST_MODEL (tern_window_get_selection (window));

    for (guint i = 0; i < g_list_model_get_n_items (rows); i++)
      {
        g_autoptr(GtkTreeListRow) row = g_list_model_get_item (rows, i);
        g_autoptr(GObject) item = gtk_tree_list_row_get_item (row);

        if (TERN_IS_CONVERSATION_ITEM (item) && tern_conversation_item_get_count (TERN_CONVERSATION_ITEM (item)) > 1)
          {
            gtk_selection_model_select_item (tern_window_get_selection (window), i, TRUE);
            gtk_widget_activate_action (w, "win.expand", NULL);
            tern_test_ui_wait_for (settled_cb, tern_window_get_message_view (window), 30);
            break;
          }
      }
  }
  /* Folded: the list, as the back button shows it. */
  if (adw_leaflet_get_folded (ADW_LEAFLET (tern_test_ui_find_named (w, "leaflet"))))
    gtk_widget_activate_action (w, "win.back", NULL);
  shot (window, "search-grouped");
  gtk_editable_set_text (GTK_EDITABLE (tern_test_ui_find_named (w, "search_entry")), "");
  gtk_widget_activate_action (w, "win.group-by-conversation", NULL);
}

static GtkWindow *
find_preferences (void)
{
  GtkWindow *found = NULL;

  for (GList *l = gtk_window_list_toplevels (); l != NULL; l = g_list_delete_link (l, l))
    if (found == NULL && TERN_IS_PREFERENCES (l->data) && gtk_widget_get_visible (l->data))
      found = l->data;
  return found;
}

static gboolean
preferences_cb (gpointer data)
{
  return find_preferences () != NULL;
}

/* The account's settings in the preferences, down to "Preview lines from the server". */
static void
preferences (TernApplication *app,
             int              width,
             int              height)
{
  GtkWindow *prefs;
  GtkWidget *row;

  g_action_group_activate_action (G_ACTION_GROUP (app), "preferences", NULL);
  if (!tern_test_ui_wait_for (preferences_cb, NULL, 10))
    {
      g_printerr ("No preferences window\n");
      return;
    }
  prefs = find_preferences ();
  gtk_window_set_default_size (prefs, MIN (width, 640), MIN (height, 620));
  row = tern_test_ui_find_named (GTK_WIDGET (prefs), "server-previews-row");
  if (row != NULL)
    {
      adw_expander_row_set_expanded (ADW_EXPANDER_ROW (gtk_widget_get_ancestor (row, ADW_TYPE_EXPANDER_ROW)), TRUE);
      tern_test_ui_wait_frames (GTK_WIDGET (prefs), 20);
      /* The page scrolls to what has the focus. */
      gtk_widget_grab_focus (row);
    }
  shot (prefs, "preferences-previews");
  gtk_window_destroy (prefs);
}

static gboolean
contacts_cb (gpointer data)
{
  return tern_test_ui_find_toplevel (TERN_TYPE_CONTACTS_WINDOW) != NULL;
}

/* The address book (main menu → Contacts): the demo's people, collected from its Sent folder. */
static void
contacts (TernApplication *app,
          int              width,
          int              height)
{
  GtkWindow *window;

  g_action_group_activate_action (G_ACTION_GROUP (app), "contacts", NULL);
  if (!tern_test_ui_wait_for (contacts_cb, NULL, 10))
    {
      g_printerr ("No contacts window\n");
      return;
    }
  window = tern_test_ui_find_toplevel (TERN_TYPE_CONTACTS_WINDOW);
  gtk_window_set_default_size (window, MIN (width, 560), MIN (height, 640));
  shot (window, "contacts");
  gtk_window_destroy (window);
}

int
main (int   argc,
      char *argv[])
{
  g_autofree char *data_dir = NULL;
  gboolean dark = FALSE;
  int width = 1200, height = 760;
  GOptionEntry entries[] = {
    { "data-dir", 0, 0, G_OPTION_ARG_FILENAME, &data_dir, "The cache", "DIR" },
    { "out", 0, 0, G_OPTION_ARG_FILENAME, &out_dir, "Where the PNG files go", "DIR" },
    { "prefix", 0, 0, G_OPTION_ARG_STRING, &prefix, "Before each file name", "P" },
    { "dark", 0, 0, G_OPTION_ARG_NONE, &dark, "Dark style", NULL },
    { "width", 0, 0, G_OPTION_ARG_INT, &width, "Window width", "W" },
    { "height", 0, 0, G_OPTION_ARG_INT, &height, "Window height", "H" },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new (NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(TernApplication) app = NULL;
  TernWindow *window;

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error) || data_dir == NULL || out_dir == NULL)
    {
      g_printerr ("%s\n", error ? error->message : "--data-dir and --out are needed");
      return 2;
    }
  if (prefix == NULL)
    prefix = g_strdup (dark ? "dark-" : "light-");
  gtk_init ();
  adw_init ();
  tern_sync_global_init ();
  g_setenv ("TERN_TEST_URI_LOG", "/dev/null", TRUE);
  adw_style_manager_set_color_scheme (adw_style_manager_get_default (),
                                      dark ? ADW_COLOR_SCHEME_FORCE_DARK : ADW_COLOR_SCHEME_FORCE_LIGHT);

  app = tern_test_ui_start_app (data_dir, FALSE, &window);
  gtk_window_set_default_size (GTK_WINDOW (window), width, height);
  gtk_window_present (GTK_WINDOW (window));
  /* Narrower once the narrow header is in (as when a user narrows it by dragging). */
  tern_test_ui_wait_frames (GTK_WIDGET (window), 2);
  gtk_window_set_default_size (GTK_WINDOW (window), width, height);
  if (!tern_test_ui_wait_for (ready_cb, window, 90))
    g_printerr ("The demo's INBOX did not fill\n");
  shot (window, "inbox");
  if (open_message (window, "This week in GNOME"))
    shot (window, "newsletter");
  if (open_message (window, "Q3 report"))
    shot (window, "report");
  if (open_message (window, "Q3 report"))
    {
      /* Forwarding it: offline its attachments come when it is sent; online they download. */
      tern_application_set_work_offline (TERN_APPLICATION (app), TRUE);
      forward (window, width, height, "forward-offline");
      tern_application_set_work_offline (TERN_APPLICATION (app), FALSE);
      if (!tern_test_ui_wait_for (online_cb, app, 30))
        g_printerr ("The demo account did not come online again\n");
      forward (window, width, height, "forward");
    }
  if (open_message (window, "Photo from the site visit"))
    shot (window, "photo");
  conversation (window, width, height);

  /* All Inboxes: each row tagged with its account, in the account's colour (chosen in the
   * sidebar, as a click does). */
  {
    GtkWidget *sidebar = tern_test_ui_find_named (GTK_WIDGET (window), "folder_list");
    guint pos = tern_folder_model_find_unified (tern_window_get_folder_model (window), TERN_FOLDER_MODEL_ALL_INBOXES);

    if (sidebar != NULL && pos != G_MAXUINT)
      {
        gtk_selection_model_select_item (gtk_list_view_get_model (GTK_LIST_VIEW (sidebar)), pos, TRUE);
        tern_test_ui_wait_frames (GTK_WIDGET (window), 3);
        shot (window, "all-inboxes");
      }
  }

  /* An empty folder (the demo's Junk). */
  {
    GListModel *folders = G_LIST_MODEL (tern_window_get_folder_model (window));

    for (guint i = 0; i < g_list_model_get_n_items (folders); i++)
      {
        g_autoptr(TernFolderItem) item = g_list_model_get_item (folders, i);

        if (g_strcmp0 (tern_folder_item_get_special_use (item), "\\Junk") == 0)
          {
            gtk_widget_activate_action (GTK_WIDGET (window), "win.select-folder", "x", tern_folder_item_get_id (item));
            shot (window, "junk");
            break;
          }
      }
  }

  search_grouped (window, "release");
  preferences (app, width, height);
  contacts (app, width, height);

  gtk_window_destroy (GTK_WINDOW (window));
  tern_test_ui_stop_workers (app);
  return 0;
}
