/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "tern-window"

#include "config.h"

#include <glib/gi18n.h>

#include "tern-journal.h"
#include "tern-move-popover.h"
#include "tern-window-private.h"

/* The window's actions: triage, undo, moving about, writing, conversations, and their keys. */

static gboolean
apply_flags (TernWindow *self,
             GArray     *ids,
             const char *flag,
             int         set)  /* 1 add, 0 remove, -1 toggle by the first message */
{
  g_autoptr(GError) error = NULL;
  guint token;

  if (set < 0 && ids->len > 0 && _tern_window_showing_conversations (self))
    {
      /* A conversation: set it on all when any lacks it (one unread: "read" reads them all). */
      set = 0;
      for (guint i = 0; i < ids->len && !set; i++)
        {
          g_autoptr(TernMessage) m = tern_store_get_message (self->store, g_array_index (ids, gint64, i), NULL);

          set = m != NULL && !tern_flags_contain (m->flags, flag);
        }
    }
  else if (set < 0 && ids->len > 0)
    {
      g_autoptr(TernMessage) first = tern_store_get_message (self->store, g_array_index (ids, gint64, 0), NULL);

      set = first != NULL && !tern_flags_contain (first->flags, flag);
    }

  /* One call, one transaction; messages already as asked are left alone. */
  token = tern_mail_service_set_flags (self->service, ids, set ? flag : NULL, set ? NULL : flag, &error);
  if (error != NULL)
    _tern_window_toast (self, error->message, 0);
  return token != 0;
}

static void
flag_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *param)
{
  TernWindow *self = TERN_WINDOW (widget);
  g_autoptr(GArray) ids = _tern_window_selected_ids (self, NULL);

  if (ids->len == 0)
    return;
  if (g_str_equal (action_name, "win.toggle-read"))
    apply_flags (self, ids, "\\Seen", -1);
  else if (g_str_equal (action_name, "win.mark-read"))
    apply_flags (self, ids, "\\Seen", 1);
  else if (g_str_equal (action_name, "win.mark-unread"))
    apply_flags (self, ids, "\\Seen", 0);
  else if (g_str_equal (action_name, "win.toggle-star"))
    apply_flags (self, ids, "\\Flagged", -1);
}

typedef enum
{
  MOVE_TO,
  MOVE_ARCHIVE,
  MOVE_DELETE,
  MOVE_JUNK,
  MOVE_NOT_JUNK,
} MoveKind;

static void
move_messages (TernWindow *self,
               MoveKind    kind,
               gint64      target)
{
  g_autoptr(GArray) ids = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;
  guint first, token, done;
  gboolean undoable = TRUE;

  /* A conversation's replies stay filed in Sent. */
  ids = _tern_window_collect_ids (self, &first, TRUE);
  if (ids->len == 0)
    return;

  if (kind == MOVE_DELETE)
    {
      /* Undo can only bring back what went to Trash. */
      for (guint i = 0; i < ids->len && undoable; i++)
        {
          g_autoptr(TernMessage) m = tern_store_get_message (self->store, g_array_index (ids, gint64, i), NULL);
          g_autoptr(TernFolder) folder = m ? tern_store_get_folder_by_id (self->store, m->folder_id, NULL) : NULL;
          g_autoptr(TernAccount) account = folder ? tern_store_get_account_by_id (self->store, folder->account_id, NULL) : NULL;
          TernFolderItem *trash = folder ? tern_folder_model_get_special (self->folder_model, folder->account_id, "\\Trash") : NULL;

          if (account == NULL || g_strcmp0 (account->delete_mode, "trash") != 0 || trash == NULL ||
              tern_folder_item_get_id (trash) == m->folder_id)
            undoable = FALSE;
        }
    }

  /* The rows leave through the service's change sets; the selection moves to the row that
   * takes the first one's place. */
  self->selecting = TRUE;
  if (kind == MOVE_DELETE)
    token = tern_mail_service_delete (self->service, ids, &error);
  else if (kind == MOVE_ARCHIVE)
    token = tern_mail_service_archive (self->service, ids, &error);
  else if (kind == MOVE_JUNK)
    token = tern_mail_service_junk (self->service, ids, &error);
  else if (kind == MOVE_NOT_JUNK)
    token = tern_mail_service_not_junk (self->service, ids, &error);
  else
    token = tern_mail_service_move (self->service, ids, target, &error);
  self->selecting = FALSE;
  done = token != 0 ? tern_mail_service_get_token_count (self->service, token) : 0;
  if (done > 0 && first != G_MAXUINT)
    _tern_window_select_position (self, first);
  _tern_window_update_view (self);

  if (error != NULL)
    {
      _tern_window_toast (self, error->message, 0);
      return;
    }
  if (done == 0)
    return;
  if (kind == MOVE_DELETE)
    text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u message deleted",
                                         "%u messages deleted", done), done);
  else if (kind == MOVE_ARCHIVE)
    text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u message archived",
                                         "%u messages archived", done), done);
  else if (kind == MOVE_JUNK)
    text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u message marked as junk",
                                         "%u messages marked as junk", done), done);
  else if (kind == MOVE_NOT_JUNK)
    text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u message marked as not junk",
                                         "%u messages marked as not junk", done), done);
  else
    text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u message moved",
                                         "%u messages moved", done), done);
  _tern_window_toast (self, text, undoable ? token : 0);
}

static void
archive_action (GtkWidget  *widget,
                const char *action_name,
                GVariant   *param)
{
  move_messages (TERN_WINDOW (widget), MOVE_ARCHIVE, 0);
}

static void
junk_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *param)
{
  move_messages (TERN_WINDOW (widget), g_str_equal (action_name, "win.junk") ? MOVE_JUNK : MOVE_NOT_JUNK, 0);
}

static void
delete_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *param)
{
  move_messages (TERN_WINDOW (widget), MOVE_DELETE, 0);
}

static void
move_to_action (GtkWidget  *widget,
                const char *action_name,
                GVariant   *param)
{
  move_messages (TERN_WINDOW (widget), MOVE_TO, g_variant_get_int64 (param));
}

static void
open_move_action (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *param)
{
  TernWindow *self = TERN_WINDOW (widget);

  gtk_menu_button_popup (self->move_button);
}

void
_tern_window_move_popover_show_cb (TernWindow *self)
{
  /* In a unified folder: the folders of the selected message's account. */
  tern_move_popover_set_folders (TERN_MOVE_POPOVER (self->move_popover), self->folder_model,
                                 _tern_window_selection_account (self), self->folder_id);
}

/* Ctrl+Z: the most recent action still standing, again and again. */
static void
undo_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *param)
{
  TernWindow *self = TERN_WINDOW (widget);
  g_autoptr(GError) error = NULL;

  /* Nothing to undo: nothing happens (a toast would give the user nothing to do). Undone
   * shows in the list itself; only a failure is worth a toast. */
  if (!tern_mail_service_undo_last (self->service, &error) && error != NULL)
    _tern_window_toast (self, error->message, 0);
}

/* A toast's Undo: that toast's action, whatever came after it. */
static void
undo_token_action (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *param)
{
  TernWindow *self = TERN_WINDOW (widget);
  g_autoptr(GError) error = NULL;
  guint token = g_variant_get_uint32 (param);

  if (!tern_mail_service_token_valid (self->service, token))
    return;
  if (!tern_mail_service_undo (self->service, token, &error))
    _tern_window_toast (self, error->message, 0);
}

static void
step_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *param)
{
  TernWindow *self = TERN_WINDOW (widget);
  guint first;
  g_autoptr(GArray) ids = _tern_window_selected_ids (self, &first);
  int delta = g_str_equal (action_name, "win.next") ? 1 : -1;
  guint n = g_list_model_get_n_items (_tern_window_shown_model (self));

  if (n == 0)
    return;
  if (first == G_MAXUINT)
    first = delta > 0 ? 0 : n - 1;
  else if (delta < 0 && first == 0)
    return;
  else
    first = (guint) ((int) first + delta);
  if (first < n)
    {
      _tern_window_select_position (self, first);
      gtk_widget_activate_action (GTK_WIDGET (self->message_list), "list.scroll-to-item", "u", first);
    }
}

static void
sync_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *param)
{
  TernWindow *self = TERN_WINDOW (widget);
  g_autoptr(GPtrArray) workers = tern_application_list_workers (self->app);

  if (tern_application_get_work_offline (self->app))
    {
      AdwToast *toast = adw_toast_new (_("Tern is working offline"));

      adw_toast_set_button_label (toast, _("_Go Online"));
      adw_toast_set_action_name (toast, "app.work-offline");
      adw_toast_set_timeout (toast, 4);
      g_free (self->last_toast);
      self->last_toast = g_strdup (adw_toast_get_title (toast));
      adw_toast_overlay_add_toast (self->toasts, toast);
      return;
    }
  for (guint i = 0; i < workers->len; i++)
    tern_account_worker_sync_now (workers->pdata[i]);
}

static void
search_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *param)
{
  TernWindow *self = TERN_WINDOW (widget);

  gtk_search_bar_set_search_mode (self->search_bar, TRUE);
  gtk_widget_grab_focus (GTK_WIDGET (self->search_entry));
}

static void
back_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *param)
{
  TernWindow *self = TERN_WINDOW (widget);

  adw_leaflet_navigate (self->leaflet, ADW_NAVIGATION_DIRECTION_BACK);
}

static void
select_folder_action (GtkWidget  *widget,
                      const char *action_name,
                      GVariant   *param)
{
  _tern_window_select_folder (TERN_WINDOW (widget), g_variant_get_int64 (param));
}

/* Writing: a new message from the folder's account; a reply, a forward or a draft opened
 * again from the message shown. */

static void
compose_action (GtkWidget  *widget,
                const char *action_name,
                GVariant   *param)
{
  TernWindow *self = TERN_WINDOW (widget);
  gint64 message_id = tern_message_view_get_message_id (self->message_view);
  TernComposeMode mode = TERN_COMPOSE_NEW;

  if (g_str_equal (action_name, "win.reply"))
    mode = TERN_COMPOSE_REPLY;
  else if (g_str_equal (action_name, "win.reply-all"))
    mode = TERN_COMPOSE_REPLY_ALL;
  else if (g_str_equal (action_name, "win.forward"))
    mode = TERN_COMPOSE_FORWARD;
  else if (g_str_equal (action_name, "win.forward-attached"))
    mode = TERN_COMPOSE_FORWARD_ATTACHED;
  else if (g_str_equal (action_name, "win.edit-draft"))
    mode = TERN_COMPOSE_EDIT_DRAFT;

  /* The action is insensitive then. */
  if (mode != TERN_COMPOSE_NEW && message_id == 0)
    return;
  if (tern_application_compose (self->app, mode, mode == TERN_COMPOSE_NEW ? self->account_id : 0,
                                mode == TERN_COMPOSE_NEW ? 0 : message_id) == NULL)
    _tern_window_toast (self, _("Add an account to write mail"), FALSE);
}

/* Search: the cache at once, the servers' answers added as they come. */

static GtkTreeListRow *
selected_row (TernWindow *self)
{
  g_autoptr(GtkBitset) set = NULL;

  if (!_tern_window_showing_conversations (self))
    return NULL;
  set = gtk_selection_model_get_selection (GTK_SELECTION_MODEL (self->message_selection));
  if (gtk_bitset_is_empty (set))
    return NULL;
  return gtk_tree_list_model_get_row (_tern_window_tree (self), gtk_bitset_get_minimum (set));
}

static void
expand_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *param)
{
  TernWindow *self = TERN_WINDOW (widget);
  g_autoptr(GtkTreeListRow) row = selected_row (self);
  g_autoptr(GtkTreeListRow) parent = NULL;

  if (row == NULL)
    return;
  if (g_str_equal (action_name, "win.expand"))
    {
      if (gtk_tree_list_row_is_expandable (row))
        gtk_tree_list_row_set_expanded (row, TRUE);
    }
  else if (gtk_tree_list_row_get_expanded (row))
    gtk_tree_list_row_set_expanded (row, FALSE);
  else if ((parent = gtk_tree_list_row_get_parent (row)) != NULL)
    {
      /* On a message of a conversation: back to the conversation, folded. */
      gtk_tree_list_row_set_expanded (parent, FALSE);
      _tern_window_select_position (self, gtk_tree_list_row_get_position (parent));
    }
}

/* Folded, a click (or a tap) on a list goes on to what it opens. */

static gboolean
navigate_cb (gpointer data)
{
  TernWindow *self = data;
  GtkWidget *pane = g_object_get_data (G_OBJECT (self), "tern-navigate-to");

  self->navigate_idle = 0;
  if (pane == self->view_pane && tern_message_view_get_message_id (self->message_view) == 0)
    return G_SOURCE_REMOVE;
  if (adw_leaflet_get_folded (self->leaflet))
    adw_leaflet_set_visible_child (self->leaflet, pane);
  return G_SOURCE_REMOVE;
}

void
_tern_window_navigate_after_click (TernWindow *self,
                                   GtkWidget  *pane)
{
  /* After the list has taken the click as a selection. */
  g_object_set_data (G_OBJECT (self), "tern-navigate-to", pane);
  if (self->navigate_idle == 0 && adw_leaflet_get_folded (self->leaflet))
    self->navigate_idle = g_idle_add (navigate_cb, self);
}

static void
list_pressed_cb (GtkGestureClick *gesture,
                  int              n_press,
                  double           x,
                  double           y,
                  TernWindow      *self)
{
  GtkWidget *list = gtk_event_controller_get_widget (GTK_EVENT_CONTROLLER (gesture));
  GdkModifierType state = gtk_event_controller_get_current_event_state (GTK_EVENT_CONTROLLER (gesture));

  /* Ctrl and Shift add to the selection: no navigation then. */
  if ((state & (GDK_CONTROL_MASK | GDK_SHIFT_MASK)) != 0)
    return;
  /* A double click on a message opens it in a window of its own (folded, the first click
   * already went on to the message). */
  if (n_press == 2 && list == GTK_WIDGET (self->message_list) && !adw_leaflet_get_folded (self->leaflet))
    {
      _tern_window_open_in_window_later (self);
      return;
    }
  _tern_window_navigate_after_click (self, list == GTK_WIDGET (self->folder_list) ? self->list_pane
                                                                                 : self->view_pane);
}

void
_tern_window_add_click_navigation (TernWindow *self,
                                   GtkWidget  *list)
{
  GtkGesture *click = gtk_gesture_click_new ();

  gtk_gesture_single_set_button (GTK_GESTURE_SINGLE (click), GDK_BUTTON_PRIMARY);
  gtk_event_controller_set_propagation_phase (GTK_EVENT_CONTROLLER (click), GTK_PHASE_CAPTURE);
  /* "pressed": the row's own gesture claims the click, and an ancestor's sees no release. */
  g_signal_connect (click, "pressed", G_CALLBACK (list_pressed_cb), self);
  gtk_widget_add_controller (list, GTK_EVENT_CONTROLLER (click));
}

/* The keyboard between the panes: F6 and Shift+F6 go round the folder list, the message
 * list and the message (as in GNOME's apps and Thunderbird); Tab leaves a list for the
 * next pane instead of walking its rows. Folded, the pane reached is shown. */

enum { PANE_FOLDERS, PANE_MESSAGES, PANE_MESSAGE, N_PANES };

static GtkWidget *
pane_widget (TernWindow *self,
             int         pane)
{
  return pane == PANE_FOLDERS ? self->sidebar_pane : pane == PANE_MESSAGES ? self->list_pane : self->view_pane;
}

static int
focused_pane (TernWindow *self)
{
  GtkWidget *focus = gtk_root_get_focus (GTK_ROOT (self));

  for (int pane = 0; focus != NULL && pane < N_PANES; pane++)
    if (gtk_widget_is_ancestor (focus, pane_widget (self, pane)))
      return pane;
  return -1;
}

static gboolean
focus_pane (TernWindow *self,
            int         pane)
{
  gboolean ok;

  if (adw_leaflet_get_folded (self->leaflet))
    adw_leaflet_set_visible_child (self->leaflet, pane_widget (self, pane));
  if (pane == PANE_FOLDERS)
    ok = gtk_widget_grab_focus (GTK_WIDGET (self->folder_list));
  else if (pane == PANE_MESSAGES)
    ok = gtk_widget_get_mapped (GTK_WIDGET (self->message_list)) &&
         gtk_widget_grab_focus (GTK_WIDGET (self->message_list));
  else if (g_strcmp0 (gtk_stack_get_visible_child_name (self->view_stack), "conversation") == 0)
    ok = tern_conversation_view_focus (self->conversation_view);
  else
    ok = tern_message_view_focus_body (self->message_view);
  return ok;
}

static void
cycle_pane_action (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *param)
{
  TernWindow *self = TERN_WINDOW (widget);
  int delta = g_str_equal (action_name, "win.next-pane") ? 1 : -1;
  int pane = focused_pane (self);

  if (pane < 0)
    pane = delta > 0 ? N_PANES - 1 : 0;
  /* A pane with nothing to focus (no message shown, an empty folder) is passed over. */
  for (int i = 0; i < N_PANES; i++)
    {
      pane = (pane + delta + N_PANES) % N_PANES;
      if (focus_pane (self, pane))
        return;
    }
}

gboolean
_tern_window_list_key_pressed_cb (TernWindow      *self,
                                  guint            keyval,
                                  guint            keycode,
                                  GdkModifierType  state)
{
  if ((keyval == GDK_KEY_Tab || keyval == GDK_KEY_KP_Tab || keyval == GDK_KEY_ISO_Left_Tab) &&
      (state & (GDK_ALT_MASK | GDK_CONTROL_MASK)) == 0)
    {
      gboolean back = keyval == GDK_KEY_ISO_Left_Tab || (state & GDK_SHIFT_MASK) != 0;

      return gtk_widget_activate_action (GTK_WIDGET (self), back ? "win.previous-pane" : "win.next-pane", NULL);
    }
  if (!_tern_window_showing_conversations (self) ||
      (state & (GDK_ALT_MASK | GDK_CONTROL_MASK | GDK_SHIFT_MASK)) != 0)
    return FALSE;
  if (keyval == GDK_KEY_Right || keyval == GDK_KEY_KP_Right)
    return gtk_widget_activate_action (GTK_WIDGET (self), "win.expand", NULL);
  if (keyval == GDK_KEY_Left || keyval == GDK_KEY_KP_Left)
    return gtk_widget_activate_action (GTK_WIDGET (self), "win.collapse", NULL);
  return FALSE;
}

/* Print: the message shown, with its headers, through the print dialog. */
static void
printed_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      data)
{
  g_autoptr(TernWindow) self = data;
  g_autoptr(GError) error = NULL;

  if (!tern_message_view_print_finish (TERN_MESSAGE_VIEW (source), result, &error) && error != NULL)
    _tern_window_toast (self, error->message, 0);
}

static void
print_action (GtkWidget  *widget,
              const char *action_name,
              GVariant   *parameter)
{
  TernWindow *self = TERN_WINDOW (widget);

  tern_message_view_print_async (tern_window_get_message_view (self), GTK_WINDOW (self), NULL,
                                 printed_cb, g_object_ref (self));
}

void
_tern_window_class_add_actions (GtkWidgetClass *widget_class)
{
  _tern_window_class_add_folder_actions (widget_class);
  gtk_widget_class_install_action (widget_class, "win.toggle-read", NULL, flag_action);
  gtk_widget_class_install_action (widget_class, "win.mark-read", NULL, flag_action);
  gtk_widget_class_install_action (widget_class, "win.mark-unread", NULL, flag_action);
  gtk_widget_class_install_action (widget_class, "win.toggle-star", NULL, flag_action);
  gtk_widget_class_install_action (widget_class, "win.archive", NULL, archive_action);
  gtk_widget_class_install_action (widget_class, "win.delete", NULL, delete_action);
  gtk_widget_class_install_action (widget_class, "win.junk", NULL, junk_action);
  gtk_widget_class_install_action (widget_class, "win.print", NULL, print_action);
  _tern_window_class_add_export_actions (widget_class);
  gtk_widget_class_install_action (widget_class, "win.not-junk", NULL, junk_action);
  gtk_widget_class_install_action (widget_class, "win.move-to", "x", move_to_action);
  gtk_widget_class_install_action (widget_class, "win.open-move", NULL, open_move_action);
  gtk_widget_class_install_action (widget_class, "win.undo", NULL, undo_action);
  gtk_widget_class_install_action (widget_class, "win.undo-action", "u", undo_token_action);
  gtk_widget_class_install_action (widget_class, "win.next", NULL, step_action);
  gtk_widget_class_install_action (widget_class, "win.previous", NULL, step_action);
  gtk_widget_class_install_action (widget_class, "win.sync", NULL, sync_action);
  gtk_widget_class_install_action (widget_class, "win.search", NULL, search_action);
  gtk_widget_class_install_action (widget_class, "win.back", NULL, back_action);
  gtk_widget_class_install_action (widget_class, "win.select-folder", "x", select_folder_action);
  gtk_widget_class_install_action (widget_class, "win.compose", NULL, compose_action);
  gtk_widget_class_install_action (widget_class, "win.reply", NULL, compose_action);
  gtk_widget_class_install_action (widget_class, "win.reply-all", NULL, compose_action);
  gtk_widget_class_install_action (widget_class, "win.forward", NULL, compose_action);
  gtk_widget_class_install_action (widget_class, "win.forward-attached", NULL, compose_action);
  gtk_widget_class_install_action (widget_class, "win.edit-draft", NULL, compose_action);
  gtk_widget_class_install_property_action (widget_class, "win.show-previews", "show-previews");
  gtk_widget_class_install_property_action (widget_class, "win.group-by-conversation",
                                            "group-by-conversation");
  gtk_widget_class_install_action (widget_class, "win.expand", NULL, expand_action);
  gtk_widget_class_install_action (widget_class, "win.next-pane", NULL, cycle_pane_action);
  gtk_widget_class_install_action (widget_class, "win.previous-pane", NULL, cycle_pane_action);
  gtk_widget_class_install_action (widget_class, "win.collapse", NULL, expand_action);

  /* GNOME (Geary) and Thunderbird keys; the shortcuts window lists them. */
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_m, 0, "win.toggle-read", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_i, GDK_CONTROL_MASK, "win.mark-read", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_u, GDK_CONTROL_MASK, "win.mark-unread", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_s, 0, "win.toggle-star", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_a, 0, "win.archive", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_j, GDK_CONTROL_MASK, "win.junk", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_j, GDK_CONTROL_MASK | GDK_SHIFT_MASK, "win.not-junk", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Delete, 0, "win.delete", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_KP_Delete, 0, "win.delete", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_v, 0, "win.open-move", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_m, GDK_CONTROL_MASK | GDK_SHIFT_MASK, "win.open-move", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_z, GDK_CONTROL_MASK, "win.undo", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_f, GDK_CONTROL_MASK, "win.search", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_slash, 0, "win.search", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_F5, 0, "win.sync", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_p, GDK_CONTROL_MASK, "win.print", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_j, 0, "win.next", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_f, 0, "win.next", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_k, 0, "win.previous", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_b, 0, "win.previous", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Left, GDK_ALT_MASK, "win.back", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_n, GDK_CONTROL_MASK, "win.compose", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_r, GDK_CONTROL_MASK, "win.reply", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_r, GDK_CONTROL_MASK | GDK_SHIFT_MASK, "win.reply-all", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_l, GDK_CONTROL_MASK, "win.forward", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_F6, 0, "win.next-pane", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_F6, GDK_SHIFT_MASK, "win.previous-pane", NULL);
}
