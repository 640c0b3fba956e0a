/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-ui-folders"

#include "config.h"

#include <string.h>

#include "tern-application.h"
#include "tern-journal.h"
#include "tern-sync.h"
#include "tern-test-cache.h"
#include "tern-test-ui.h"
#include "tern-window.h"

/*
 * Day one for a Thunderbird or Geary user (issue 15), offline on a prepared cache, through
 * real keys and clicks: mark all as read (one action, one undo), the context menus of
 * folders and messages (right-click, Menu, Shift+F10), Empty Trash asking first, and
 * folder management (new, rename, move, delete, unsubscribe) queued in the journal.
 */

typedef struct
{
  char             *dir;
  TernTestCacheIds  ids;
  TernApplication  *app;
  TernWindow       *window;
  TernStore        *store;     /* the app's own, borrowed */
} Fixture;

static void
set_up (Fixture       *f,
        gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *db = NULL;
  TernStore *store;

  f->dir = g_dir_make_tmp ("tern-ui-XXXXXX", &error);
  g_assert_no_error (error);
  db = g_build_filename (f->dir, "tern.db", NULL);
  store = tern_test_cache_new (db, &f->ids);
  tern_test_cache_add_messages (store, f->ids.inbox, 1, 40);
  tern_test_cache_add_messages (store, f->ids.trash, 1, 6);
  tern_store_free (store);
  f->app = tern_test_ui_start_app (f->dir, TRUE, &f->window);
  f->store = tern_application_get_store (f->app);
  gtk_window_set_default_size (GTK_WINDOW (f->window), 1300, 800);
  gtk_window_present (GTK_WINDOW (f->window));
  g_assert_true (tern_test_ui_wait_frames (GTK_WIDGET (f->window), 2));
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

static guint
unread (Fixture *f,
        gint64   folder)
{
  guint total = 0, n = 0;

  g_assert_true (tern_store_count_messages (f->store, folder, &total, &n, NULL));
  return n;
}

static guint
total (Fixture *f,
       gint64   folder)
{
  g_autoptr(GPtrArray) shown = tern_store_list_messages (f->store, folder, 0, NULL);

  g_assert_nonnull (shown);
  return shown->len;
}

static guint
queued (Fixture    *f,
        const char *kind)
{
  return tern_journal_count_queued (f->store, f->ids.account, kind);
}

/* The row widget of list showing item position pos (scrolled into view first). */
static GtkWidget *
row_at (GtkWidget *list,
        guint      pos)
{
  gtk_widget_activate_action (list, "list.scroll-to-item", "u", pos);
  tern_test_ui_drain ();
  for (GtkWidget *row = gtk_widget_get_first_child (list); row != NULL; row = gtk_widget_get_next_sibling (row))
    {
      GtkWidget *child = gtk_widget_get_first_child (row);
      GtkListItem *item = child != NULL ? g_object_get_data (G_OBJECT (child), "tern-list-item") : NULL;

      if (item != NULL && gtk_list_item_get_position (item) == pos && gtk_widget_get_mapped (child))
        return child;
    }
  return NULL;
}

static GtkWidget *
folder_row (Fixture *f,
            gint64   folder)
{
  GtkWidget *list = tern_test_ui_find_named (GTK_WIDGET (f->window), "folder_list");
  guint pos = tern_folder_model_find (tern_window_get_folder_model (f->window), folder);
  GtkWidget *row;

  g_assert_cmpuint (pos, !=, G_MAXUINT);
  row = row_at (list, pos);
  g_assert_nonnull (row);
  return row;
}

static gboolean
mapped_cb (gpointer data)
{
  return gtk_widget_get_mapped (GTK_WIDGET (data));
}

static gboolean
unmapped_cb (gpointer data)
{
  return !gtk_widget_get_mapped (GTK_WIDGET (data));
}

/* The first widget under root of type whose label is text. */
static GtkWidget *
find_labelled (GtkWidget  *root,
               GType       type,
               const char *text)
{
  if (G_TYPE_CHECK_INSTANCE_TYPE (root, type))
    {
      const char *label = GTK_IS_LABEL (root) ? gtk_label_get_label (GTK_LABEL (root))
                        : GTK_IS_BUTTON (root) ? gtk_button_get_label (GTK_BUTTON (root)) : NULL;

      if (g_strcmp0 (label, text) == 0 && gtk_widget_get_mapped (root))
        return root;
    }
  for (GtkWidget *c = gtk_widget_get_first_child (root); c != NULL; c = gtk_widget_get_next_sibling (c))
    {
      GtkWidget *found = find_labelled (c, type, text);

      if (found != NULL)
        return found;
    }
  return NULL;
}

/* The menu's item labelled text clicked, as a user does. */
static void
click_menu_item (GtkWidget  *menu,
                 const char *text)
{
  GtkWidget *label;
  GtkWidget *item;

  /* Laid out first: a menu just mapped has no sizes yet. */
  g_assert_true (tern_test_ui_wait_frames (menu, 2));
  label = find_labelled (menu, GTK_TYPE_LABEL, text);
  g_assert_nonnull (label);
  item = gtk_widget_get_parent (label);
  g_assert_true (tern_test_ui_click (item, gtk_widget_get_width (item) / 2.0,
                                     gtk_widget_get_height (item) / 2.0));
  tern_test_ui_drain ();
}

/* When $TERN_SCREENSHOT_DIR is set: a popover (which the window's screenshots leave out)
 * as NAME-light.png and NAME-dark.png. */
static void
popover_screenshots (GtkWidget  *popover,
                     const char *name)
{
  const char *dir = g_getenv ("TERN_SCREENSHOT_DIR");
  AdwStyleManager *style = adw_style_manager_get_default ();
  AdwColorScheme scheme = adw_style_manager_get_color_scheme (style);

  if (dir == NULL)
    return;
  for (int dark = 0; dark < 2; dark++)
    {
      g_autofree char *file = g_strdup_printf ("%s-%s.png", name, dark ? "dark" : "light");
      g_autofree char *path = g_build_filename (dir, file, NULL);
      g_autoptr(GdkTexture) texture = NULL;

      adw_style_manager_set_color_scheme (style, dark ? ADW_COLOR_SCHEME_FORCE_DARK : ADW_COLOR_SCHEME_FORCE_LIGHT);
      g_assert_true (tern_test_ui_wait_frames (popover, 2));
      texture = tern_test_ui_render (popover);
      g_assert_true (gdk_texture_save_to_png (texture, path));
    }
  adw_style_manager_set_color_scheme (style, scheme);
  g_assert_true (tern_test_ui_wait_frames (popover, 1));
}

static gboolean
dialog_shown_cb (gpointer data)
{
  return tern_test_ui_find_toplevel (ADW_TYPE_MESSAGE_DIALOG) != NULL;
}

static AdwMessageDialog *
wait_dialog (void)
{
  g_assert_true (tern_test_ui_wait_for (dialog_shown_cb, NULL, 5));
  g_assert_true (tern_test_ui_wait_frames (GTK_WIDGET (tern_test_ui_find_toplevel (ADW_TYPE_MESSAGE_DIALOG)), 2));
  return ADW_MESSAGE_DIALOG (tern_test_ui_find_toplevel (ADW_TYPE_MESSAGE_DIALOG));
}

static gboolean
dialog_gone_cb (gpointer data)
{
  return tern_test_ui_find_toplevel (ADW_TYPE_MESSAGE_DIALOG) == NULL;
}

/* The dialog's button labelled text clicked. */
static void
click_response (AdwMessageDialog *dialog,
                const char       *text)
{
  GtkWidget *button = find_labelled (GTK_WIDGET (dialog), GTK_TYPE_BUTTON, text);

  g_assert_nonnull (button);
  g_assert_true (tern_test_ui_click (button, gtk_widget_get_width (button) / 2.0,
                                     gtk_widget_get_height (button) / 2.0));
  g_assert_true (tern_test_ui_wait_for (dialog_gone_cb, NULL, 5));
  tern_test_ui_drain ();
}

/* Mark all as read: one key, every message of the folder read, one toast whose Undo (and
 * Ctrl+Z) brings them all back. */
static void
test_mark_all_read (Fixture       *f,
                    gconstpointer  data)
{
  GtkWidget *w = GTK_WIDGET (f->window);
  guint before = unread (f, f->ids.inbox);
  g_autofree char *text = g_strdup_printf ("%u messages marked as read", before);

  g_assert_cmpuint (before, >, 1);
  g_assert_cmpint (tern_window_get_folder_id (f->window), ==, f->ids.inbox);
  g_assert_true (tern_test_ui_press_key (w, GDK_KEY_k, GDK_CONTROL_MASK));
  tern_test_ui_drain ();
  g_assert_cmpuint (unread (f, f->ids.inbox), ==, 0);
  g_assert_cmpstr (tern_window_get_last_toast (f->window), ==, text);
  g_assert_cmpuint (queued (f, TERN_ACTION_FLAGS), ==, before);

  /* One undo brings all of them back (and the queue empties: nothing reached a server). */
  g_assert_true (tern_test_ui_press_key (w, GDK_KEY_z, GDK_CONTROL_MASK));
  tern_test_ui_drain ();
  g_assert_cmpuint (unread (f, f->ids.inbox), ==, before);
  g_assert_cmpuint (queued (f, NULL), ==, 0);

  /* Thunderbird's Shift+C does the same. */
  g_assert_true (tern_test_ui_press_key (w, GDK_KEY_C, GDK_SHIFT_MASK));
  tern_test_ui_drain ();
  g_assert_cmpuint (unread (f, f->ids.inbox), ==, 0);
}

/* A conversation read by R, in the flat list too: the selected message's whole thread. */
static void
test_mark_conversation_read (Fixture       *f,
                             gconstpointer  data)
{
  GtkWidget *w = GTK_WIDGET (f->window);
  TernMessageModel *model = tern_window_get_message_model (f->window);
  g_autoptr(TernMessage) first = NULL;
  g_autoptr(GPtrArray) shown = tern_store_list_messages (f->store, f->ids.inbox, 0, NULL);
  guint in_thread = 0, before = unread (f, f->ids.inbox), thread_unread = 0;

  g_object_set (f->window, "group-by-conversation", FALSE, NULL);
  gtk_selection_model_select_item (tern_window_get_selection (f->window), 0, TRUE);
  first = tern_store_get_message (f->store, tern_message_model_get_id (model, 0), NULL);
  g_assert_nonnull (first);
  for (guint i = 0; i < shown->len; i++)
    {
      TernMessage *m = shown->pdata[i];

      if (m->thread_id == first->thread_id)
        {
          in_thread++;
          thread_unread += !tern_flags_contain (m->flags, "\\Seen");
        }
    }
  g_assert_cmpuint (in_thread, >, 1);
  g_assert_cmpuint (thread_unread, >, 0);
  g_assert_true (tern_test_ui_wait_frames (w, 1));
  g_assert_true (tern_test_ui_press_key (w, GDK_KEY_r, 0));
  tern_test_ui_drain ();
  g_assert_cmpuint (unread (f, f->ids.inbox), ==, before - thread_unread);
}

/* Right-click on a message: the row joins the selection and the menu offers the window's
 * actions; the Menu key opens it on the focused row. */
static void
test_message_menu (Fixture       *f,
                   gconstpointer  data)
{
  GtkWidget *w = GTK_WIDGET (f->window);
  GtkWidget *list = tern_test_ui_find_named (w, "message_list");
  GtkWidget *menu = tern_test_ui_find_named (w, "message_context_menu");
  GtkSelectionModel *selection = tern_window_get_selection (f->window);
  GtkWidget *row;
  guint before = total (f, f->ids.inbox);

  g_assert_nonnull (menu);
  row = row_at (list, 2);
  g_assert_nonnull (row);
  g_assert_true (tern_test_ui_click_button (row, 3, 40, gtk_widget_get_height (row) / 2.0));
  g_assert_true (tern_test_ui_wait_for (mapped_cb, menu, 5));
  g_assert_true (gtk_selection_model_is_selected (selection, 2));
  g_assert_nonnull (find_labelled (menu, GTK_TYPE_LABEL, "Reply _All"));
  g_assert_nonnull (find_labelled (menu, GTK_TYPE_LABEL, "Mark as _Junk"));
  popover_screenshots (menu, "message-context-menu");
  click_menu_item (menu, "Arc_hive");
  g_assert_true (tern_test_ui_wait_for (unmapped_cb, menu, 5));
  g_assert_cmpuint (total (f, f->ids.inbox), ==, before - 1);
  g_assert_cmpstr (tern_window_get_last_toast (f->window), ==, "1 message archived");

  /* The keyboard: the Menu key on the focused row. */
  row = row_at (list, 0);
  g_assert_true (gtk_widget_grab_focus (gtk_widget_get_parent (row)));
  /* The menu takes the key's release: what counts is that it opens. */
  tern_test_ui_press_key (w, GDK_KEY_Menu, 0);
  g_assert_true (tern_test_ui_wait_for (mapped_cb, menu, 5));
  tern_test_ui_press_key (menu, GDK_KEY_Escape, 0);
  g_assert_true (tern_test_ui_wait_for (unmapped_cb, menu, 5));
}

/* The folder menu: Shift+F10 on the focused folder, right-click on another folder (acting
 * on that one, not the open one); mark all as read from it. */
static void
test_folder_menu (Fixture       *f,
                  gconstpointer  data)
{
  GtkWidget *w = GTK_WIDGET (f->window);
  GtkWidget *menu = tern_test_ui_find_named (w, "folder_context_menu");
  GtkWidget *row;

  g_assert_nonnull (menu);
  row = folder_row (f, f->ids.inbox);
  g_assert_true (gtk_widget_grab_focus (gtk_widget_get_parent (row)));
  tern_test_ui_press_key (w, GDK_KEY_F10, GDK_SHIFT_MASK);
  g_assert_true (tern_test_ui_wait_for (mapped_cb, menu, 5));
  /* INBOX is not renamed nor deleted. */
  g_assert_nonnull (find_labelled (menu, GTK_TYPE_LABEL, "Mark All as _Read"));
  g_assert_null (find_labelled (menu, GTK_TYPE_LABEL, "_Delete…"));
  click_menu_item (menu, "Mark All as _Read");
  g_assert_cmpuint (unread (f, f->ids.inbox), ==, 0);

  row = folder_row (f, f->ids.projects);
  g_assert_true (tern_test_ui_click_button (row, 3, 30, gtk_widget_get_height (row) / 2.0));
  g_assert_true (tern_test_ui_wait_for (mapped_cb, menu, 5));
  g_assert_nonnull (find_labelled (menu, GTK_TYPE_LABEL, "_Delete…"));
  g_assert_nonnull (find_labelled (menu, GTK_TYPE_LABEL, "Re_name…"));
  popover_screenshots (menu, "folder-context-menu");
  tern_test_ui_press_key (menu, GDK_KEY_Escape, 0);
  g_assert_true (tern_test_ui_wait_for (unmapped_cb, menu, 5));
  /* The open folder stayed open. */
  g_assert_cmpint (tern_window_get_folder_id (f->window), ==, f->ids.inbox);
}

/* Empty Trash asks first, says how many, then deletes them for good as one action. */
static void
test_empty_trash (Fixture       *f,
                  gconstpointer  data)
{
  GtkWidget *w = GTK_WIDGET (f->window);
  GtkWidget *menu = tern_test_ui_find_named (w, "folder_context_menu");
  GtkWidget *row = folder_row (f, f->ids.trash);
  AdwMessageDialog *dialog;

  g_assert_cmpuint (total (f, f->ids.trash), ==, 6);
  g_assert_true (tern_test_ui_click_button (row, 3, 30, gtk_widget_get_height (row) / 2.0));
  g_assert_true (tern_test_ui_wait_for (mapped_cb, menu, 5));
  popover_screenshots (menu, "trash-context-menu");
  click_menu_item (menu, "_Empty Trash…");
  dialog = wait_dialog ();
  g_assert_cmpstr (adw_message_dialog_get_heading (dialog), ==, "Empty Trash?");
  g_assert_nonnull (strstr (adw_message_dialog_get_body (dialog), "All 6 messages"));
  g_assert_cmpint (adw_message_dialog_get_response_appearance (dialog, "empty"), ==, ADW_RESPONSE_DESTRUCTIVE);
  g_assert_cmpstr (adw_message_dialog_get_default_response (dialog), ==, "cancel");
  tern_test_ui_screenshots (GTK_WINDOW (dialog), "empty-trash-dialog", 400, 300);

  /* Cancel changes nothing. */
  click_response (dialog, "_Cancel");
  g_assert_cmpuint (total (f, f->ids.trash), ==, 6);
  g_assert_cmpuint (queued (f, NULL), ==, 0);

  gtk_widget_activate_action (w, "win.empty-folder", "x", f->ids.trash);
  dialog = wait_dialog ();
  click_response (dialog, "_Empty Trash");
  g_assert_cmpuint (total (f, f->ids.trash), ==, 0);
  g_assert_cmpuint (queued (f, NULL), ==, 1);
  g_assert_cmpuint (queued (f, TERN_ACTION_EXPUNGE_UIDS), ==, 1);
  g_assert_cmpstr (tern_window_get_last_toast (f->window), ==, "6 messages deleted permanently");
}

static gint64
folder_named (Fixture    *f,
              const char *name)
{
  g_autoptr(TernFolder) folder = tern_store_get_folder (f->store, f->ids.account, name, NULL);

  return folder != NULL ? folder->id : 0;
}

static void
type_name (AdwMessageDialog *dialog,
           const char       *text)
{
  GtkWidget *entry = adw_message_dialog_get_extra_child (dialog);

  g_assert_true (GTK_IS_ENTRY (entry));
  gtk_editable_set_text (GTK_EDITABLE (entry), text);
  /* Enter in the entry answers the dialog (which closes before the key's release). */
  tern_test_ui_press_key (entry, GDK_KEY_Return, 0);
  g_assert_true (tern_test_ui_wait_for (dialog_gone_cb, NULL, 5));
  tern_test_ui_drain ();
}

/* New, rename, move, delete, unsubscribe: each queued in the journal, offline. */
static void
test_manage (Fixture       *f,
             gconstpointer  data)
{
  GtkWidget *w = GTK_WIDGET (f->window);
  AdwMessageDialog *dialog;
  GtkWidget *entry;
  gint64 ideas, moved;

  gtk_widget_activate_action (w, "win.new-folder", "x", f->ids.projects);
  dialog = wait_dialog ();
  entry = adw_message_dialog_get_extra_child (dialog);
  /* No name, or one with the delimiter: the dialog does not answer. */
  g_assert_false (adw_message_dialog_get_response_enabled (dialog, "create"));
  gtk_editable_set_text (GTK_EDITABLE (entry), "a/b");
  g_assert_false (adw_message_dialog_get_response_enabled (dialog, "create"));
  tern_test_ui_screenshots (GTK_WINDOW (dialog), "new-folder-dialog", 400, 300);
  type_name (dialog, "Idées");
  ideas = folder_named (f, "Projects/Id&AOk-es");
  g_assert_cmpint (ideas, !=, 0);
  g_assert_cmpuint (queued (f, TERN_ACTION_FOLDER_CREATE), ==, 1);
  g_assert_cmpint (tern_window_get_folder_id (f->window), ==, ideas);
  g_assert_cmpuint (tern_folder_model_find (tern_window_get_folder_model (f->window), ideas), !=, G_MAXUINT);

  gtk_widget_activate_action (w, "win.rename-folder", "x", ideas);
  dialog = wait_dialog ();
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (adw_message_dialog_get_extra_child (dialog))), ==, "Idées");
  type_name (dialog, "Plans");
  g_assert_cmpint (folder_named (f, "Projects/Plans"), ==, ideas);

  /* Move To… : under Receipts. */
  gtk_widget_activate_action (w, "win.move-folder", "x", ideas);
  dialog = wait_dialog ();
  {
    GtkDropDown *down = GTK_DROP_DOWN (adw_message_dialog_get_extra_child (dialog));
    GListModel *names = gtk_drop_down_get_model (down);

    for (guint i = 0; i < g_list_model_get_n_items (names); i++)
      if (g_strcmp0 (gtk_string_list_get_string (GTK_STRING_LIST (names), i), "Receipts") == 0)
        gtk_drop_down_set_selected (down, i);
    /* Not into itself. */
    for (guint i = 0; i < g_list_model_get_n_items (names); i++)
      g_assert_cmpstr (gtk_string_list_get_string (GTK_STRING_LIST (names), i), !=, "Projects/Plans");
  }
  click_response (dialog, "_Move");
  moved = folder_named (f, "Receipts/Plans");
  g_assert_cmpint (moved, ==, ideas);
  g_assert_cmpuint (queued (f, TERN_ACTION_FOLDER_RENAME), ==, 2);

  gtk_widget_activate_action (w, "win.unsubscribe-folder", "x", f->ids.projects_2024);
  tern_test_ui_drain ();
  g_assert_cmpuint (queued (f, TERN_ACTION_UNSUBSCRIBE), ==, 1);

  gtk_widget_activate_action (w, "win.delete-folder", "x", moved);
  dialog = wait_dialog ();
  g_assert_cmpint (adw_message_dialog_get_response_appearance (dialog, "delete"), ==, ADW_RESPONSE_DESTRUCTIVE);
  g_assert_cmpstr (adw_message_dialog_get_default_response (dialog), ==, "cancel");
  tern_test_ui_screenshots (GTK_WINDOW (dialog), "delete-folder-dialog", 400, 300);
  click_response (dialog, "_Delete");
  /* Gone from the list at once; the cache keeps the row until the server has deleted it. */
  g_assert_cmpuint (queued (f, TERN_ACTION_FOLDER_DELETE), ==, 1);
  g_assert_cmpuint (tern_folder_model_find (tern_window_get_folder_model (f->window), moved), ==, G_MAXUINT);
}

static gboolean
folder_exists_cb (gpointer data)
{
  Fixture *f = data;

  return folder_named (f, "Projects/Receipts") != 0;
}

/* A folder dragged onto another in the sidebar moves inside it (a real drag). */
static void
test_drag_folder (Fixture       *f,
                  gconstpointer  data)
{
  gboolean moved = FALSE;

  /* A synthesized drag is lost now and then when the sidebar is laid out again under it
   * (seen twice in ~10 runs under load): a second one, on rows found again, must land. */
  for (guint attempt = 0; attempt < 2 && !moved; attempt++)
    {
      GtkWidget *from, *to;

      g_assert_true (tern_test_ui_wait_frames (GTK_WIDGET (f->window), 2));
      from = folder_row (f, f->ids.receipts);
      to = folder_row (f, f->ids.projects);
      tern_test_ui_drag (from, 30, gtk_widget_get_height (from) / 2.0, to, 40, gtk_widget_get_height (to) / 2.0);
      moved = tern_test_ui_wait_for (folder_exists_cb, f, 10);
    }
  g_assert_true (moved);
  g_assert_cmpint (folder_named (f, "Projects/Receipts"), ==, f->ids.receipts);
  g_assert_cmpuint (queued (f, TERN_ACTION_FOLDER_RENAME), ==, 1);
  g_assert_cmpstr (tern_window_get_last_toast (f->window), ==, "“Receipts” moved into “Projects”");
}

int
main (int   argc,
      char *argv[])
{
  gtk_test_init (&argc, &argv, NULL);
  tern_sync_global_init ();
  g_setenv ("TERN_TEST_URI_LOG", "/dev/null", TRUE);

  g_test_add ("/ui-folders/mark-all-read", Fixture, NULL, set_up, test_mark_all_read, tear_down);
  g_test_add ("/ui-folders/mark-conversation-read", Fixture, NULL, set_up, test_mark_conversation_read, tear_down);
  g_test_add ("/ui-folders/message-menu", Fixture, NULL, set_up, test_message_menu, tear_down);
  g_test_add ("/ui-folders/folder-menu", Fixture, NULL, set_up, test_folder_menu, tear_down);
  g_test_add ("/ui-folders/empty-trash", Fixture, NULL, set_up, test_empty_trash, tear_down);
  g_test_add ("/ui-folders/manage", Fixture, NULL, set_up, test_manage, tear_down);
  g_test_add ("/ui-folders/drag-folder", Fixture, NULL, set_up, test_drag_folder, tear_down);

  return g_test_run ();
}
