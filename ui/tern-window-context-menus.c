/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "tern-window"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "tern-window-private.h"

/*
 * Context menus on the folder list and the message list: a right-click (or a long press on
 * a touchscreen), the Menu key or Shift+F10 on the focused row. Each is a GtkPopoverMenu
 * over a GMenuModel of the window's own actions: a folder's items carry the folder's id as
 * their target (the menu acts on the folder clicked, which need not be the open one); a
 * message's act on the selection, the row clicked joining it as in Files and Geary.
 *
 * A folder dragged onto another folder (or its account) moves under it.
 */

#define FOLDER_DRAG_PREFIX "tern-folder:"

/* The list item of a row widget (the list's own row, or the child the factory made). */
static GtkListItem *
item_of (GtkWidget *w)
{
  GtkListItem *item = g_object_get_data (G_OBJECT (w), "tern-list-item");
  GtkWidget *child = item == NULL ? gtk_widget_get_first_child (w) : NULL;

  return item != NULL ? item : child != NULL ? g_object_get_data (G_OBJECT (child), "tern-list-item") : NULL;
}

/* The list's row (its item's child) under (x, y) in list coordinates, or NULL. */
static GtkListItem *
list_item_at (GtkWidget *list,
              double     x,
              double     y)
{
  GtkWidget *w = gtk_widget_pick (list, x, y, GTK_PICK_DEFAULT);

  for (; w != NULL && w != list; w = gtk_widget_get_parent (w))
    {
      GtkListItem *item = g_object_get_data (G_OBJECT (w), "tern-list-item");

      if (item != NULL)
        return item;
    }
  return NULL;
}

/* The row holding the focus in list, and where it is drawn (list coordinates). */
static GtkListItem *
focused_list_item (GtkWidget       *list,
                   graphene_rect_t *bounds)
{
  GtkWidget *w = gtk_root_get_focus (gtk_widget_get_root (list));

  for (; w != NULL && w != list; w = gtk_widget_get_parent (w))
    {
      GtkListItem *item = item_of (w);

      if (item != NULL)
        {
          if (!gtk_widget_compute_bounds (w, list, bounds))
            graphene_rect_init (bounds, 0, 0, 1, 1);
          return item;
        }
    }
  return NULL;
}

static void
add_item (GMenu      *section,
          const char *label,
          const char *action,
          gint64      target)
{
  g_autoptr(GMenuItem) item = g_menu_item_new (label, NULL);

  if (target != G_MININT64)
    g_menu_item_set_action_and_target_value (item, action, g_variant_new_int64 (target));
  else
    g_menu_item_set_action_and_target_value (item, action, NULL);
  /* Delete, not the keypad's Delete that is bound too. */
  if (g_str_equal (action, "win.delete"))
    g_menu_item_set_attribute (item, "accel", "s", "Delete");
  g_menu_append_item (section, item);
}

static GMenu *
add_section (GMenu *menu)
{
  GMenu *section = g_menu_new ();

  g_menu_append_section (menu, NULL, G_MENU_MODEL (section));
  g_object_unref (section);
  return section;
}

/* Folders. */

static GMenuModel *
folder_menu_model (TernWindow     *self,
                   TernFolderItem *item)
{
  GMenu *menu = g_menu_new ();
  GMenu *section;
  g_autoptr(TernFolder) folder = NULL;
  const char *use;
  gboolean inbox, special, personal;
  gint64 id = tern_folder_item_get_id (item);

  if (tern_folder_item_get_kind (item) == TERN_FOLDER_ITEM_ACCOUNT)
    {
      section = add_section (menu);
      add_item (section, _("_New Folder…"), "win.new-folder", -tern_folder_item_get_account_id (item));
      add_item (section, _("_Subscribe to Folders…"), "win.manage-subscriptions",
                -tern_folder_item_get_account_id (item));
      return G_MENU_MODEL (menu);
    }
  folder = tern_store_get_folder_by_id (self->store, id, NULL);
  if (folder == NULL)
    return G_MENU_MODEL (menu);
  use = tern_folder_item_get_special_use (item);
  inbox = g_strcmp0 (use, "\\Inbox") == 0 || g_ascii_strcasecmp (folder->name, "INBOX") == 0;
  special = use != NULL && *use != '\0';
  personal = g_strcmp0 (folder->namespace_kind, "personal") == 0 || folder->namespace_kind == NULL;

  if (tern_folder_item_get_selectable (item))
    {
      section = add_section (menu);
      add_item (section, _("Mark All as _Read"), "win.mark-folder-read", id);
    }

  section = add_section (menu);
  add_item (section, _("_New Folder…"), "win.new-folder", id);
  if (personal && !inbox && !special)
    {
      add_item (section, _("Re_name…"), "win.rename-folder", id);
      add_item (section, _("_Move To…"), "win.move-folder", id);
      add_item (section, _("_Delete…"), "win.delete-folder", id);
    }

  if (g_strcmp0 (use, "\\Trash") == 0 || g_strcmp0 (use, "\\Junk") == 0)
    {
      section = add_section (menu);
      add_item (section, g_strcmp0 (use, "\\Trash") == 0 ? _("_Empty Trash…") : _("_Empty Junk…"),
                "win.empty-folder", id);
    }

  section = add_section (menu);
  if (tern_folder_item_get_selectable (item))
    add_item (section, folder->offline_full ? _("Keep Only _Recent Messages Offline")
                                            : _("Make Available _Offline"),
              "win.folder-offline", id);
  if (!inbox)
    add_item (section, _("_Unsubscribe"), "win.unsubscribe-folder", id);
  add_item (section, _("Subscribe to _Folders…"), "win.manage-subscriptions", id);
  if (personal)
    add_item (section, _("_Share…"), "win.folder-share", id);

  section = add_section (menu);
  add_item (section, _("_Properties"), "win.folder-properties", id);
  return G_MENU_MODEL (menu);
}

static gboolean
popup_idle_cb (gpointer data)
{
  GtkWidget *menu = data;

  if (gtk_widget_get_parent (menu) != NULL)
    gtk_popover_popup (GTK_POPOVER (menu));
  return G_SOURCE_REMOVE;
}

static void
popup_at (GtkWidget  *menu,
          GMenuModel *model,
          double      x,
          double      y)
{
  GdkRectangle rect = { (int) x, (int) y, 1, 1 };

  gtk_popover_menu_set_menu_model (GTK_POPOVER_MENU (menu), model);
  gtk_popover_set_pointing_to (GTK_POPOVER (menu), &rect);
  /* A new model shows its section separators from an idle; the list (no menu button) does
   * not present its popover again when that makes it taller, so it pops up after them and
   * is measured with them. */
  g_idle_add_full (G_PRIORITY_LOW, popup_idle_cb, g_object_ref (menu), g_object_unref);
}

static gboolean
folder_menu_popup (TernWindow  *self,
                   GtkListItem *list_item,
                   double       x,
                   double       y)
{
  TernFolderItem *item = gtk_list_item_get_item (list_item);
  g_autoptr(GMenuModel) model = NULL;

  if (item == NULL || tern_folder_item_get_kind (item) == TERN_FOLDER_ITEM_HEADING)
    return FALSE;
  model = folder_menu_model (self, item);
  if (g_menu_model_get_n_items (model) == 0)
    return FALSE;
  popup_at (self->folder_menu, model, x, y);
  return TRUE;
}

/* Messages. */

static GMenuModel *
message_menu_model (TernWindow *self)
{
  GMenu *menu = g_menu_new ();
  GMenu *section;
  g_autoptr(GArray) ids = _tern_window_selected_ids (self, NULL);
  gboolean any_unread = FALSE, all_flagged = ids->len > 0;
  TernFolderItem *junk = tern_folder_model_get_special (self->folder_model, self->account_id, "\\Junk");
  gboolean in_junk = junk != NULL && tern_folder_item_get_id (junk) == self->folder_id;

  for (guint i = 0; i < ids->len; i++)
    {
      g_autoptr(TernMessage) m = tern_store_get_message (self->store, g_array_index (ids, gint64, i), NULL);

      if (m == NULL)
        continue;
      any_unread |= !tern_flags_contain (m->flags, "\\Seen");
      all_flagged &= tern_flags_contain (m->flags, "\\Flagged");
    }

  section = add_section (menu);
  add_item (section, _("_Reply"), "win.reply", G_MININT64);
  add_item (section, _("Reply _All"), "win.reply-all", G_MININT64);
  add_item (section, _("_Forward"), "win.forward", G_MININT64);
  add_item (section, _("Forward as A_ttachment"), "win.forward-attached", G_MININT64);

  section = add_section (menu);
  add_item (section, any_unread ? _("Mark as _Read") : _("Mark as _Unread"),
            any_unread ? "win.mark-read" : "win.mark-unread", G_MININT64);
  add_item (section, _("Mark _Conversation as Read"), "win.mark-conversation-read", G_MININT64);
  add_item (section, all_flagged ? _("Un_star") : _("_Star"), "win.toggle-star", G_MININT64);

  section = add_section (menu);
  add_item (section, _("_Move To…"), "win.open-move", G_MININT64);
  add_item (section, _("Arc_hive"), "win.archive", G_MININT64);
  add_item (section, in_junk ? _("Mark as _Not Junk") : _("Mark as _Junk"),
            in_junk ? "win.not-junk" : "win.junk", G_MININT64);
  add_item (section, _("_Delete"), "win.delete", G_MININT64);

  section = add_section (menu);
  add_item (section, _("Open in New _Window"), "win.open-in-window", G_MININT64);
  add_item (section, _("_Save As…"), "win.save-message", G_MININT64);
  add_item (section, _("_Print…"), "win.print", G_MININT64);
  return G_MENU_MODEL (menu);
}

static gboolean
message_menu_popup (TernWindow  *self,
                    GtkListItem *list_item,
                    double       x,
                    double       y)
{
  GtkSelectionModel *selection = GTK_SELECTION_MODEL (self->message_selection);
  g_autoptr(GMenuModel) model = NULL;

  /* The row clicked is what the menu acts on: alone, unless it is part of the selection. */
  if (list_item != NULL && gtk_list_item_get_position (list_item) != GTK_INVALID_LIST_POSITION &&
      !gtk_selection_model_is_selected (selection, gtk_list_item_get_position (list_item)))
    gtk_selection_model_select_item (selection, gtk_list_item_get_position (list_item), TRUE);
  model = message_menu_model (self);
  {
    g_autoptr(GArray) ids = _tern_window_selected_ids (self, NULL);

    if (ids->len == 0)
      return FALSE;
  }
  popup_at (self->message_menu, model, x, y);
  return TRUE;
}

/* Pointer and keys. */

static void
secondary_pressed_cb (GtkGestureClick *gesture,
                      int              n_press,
                      double           x,
                      double           y,
                      TernWindow      *self)
{
  GtkWidget *list = gtk_event_controller_get_widget (GTK_EVENT_CONTROLLER (gesture));
  GtkListItem *item = list_item_at (list, x, y);
  gboolean shown;

  if (item == NULL)
    return;
  shown = list == GTK_WIDGET (self->folder_list) ? folder_menu_popup (self, item, x, y)
                                                 : message_menu_popup (self, item, x, y);
  if (shown)
    gtk_gesture_set_state (GTK_GESTURE (gesture), GTK_EVENT_SEQUENCE_CLAIMED);
}

static void
long_pressed_cb (GtkGestureLongPress *gesture,
                 double               x,
                 double               y,
                 TernWindow          *self)
{
  GtkWidget *list = gtk_event_controller_get_widget (GTK_EVENT_CONTROLLER (gesture));
  GtkListItem *item = list_item_at (list, x, y);

  if (item == NULL)
    return;
  if (list == GTK_WIDGET (self->folder_list))
    folder_menu_popup (self, item, x, y);
  else
    message_menu_popup (self, item, x, y);
}

static gboolean
menu_key_cb (GtkEventControllerKey *keys,
             guint                  keyval,
             guint                  keycode,
             GdkModifierType        state,
             TernWindow            *self)
{
  GtkWidget *list = gtk_event_controller_get_widget (GTK_EVENT_CONTROLLER (keys));
  graphene_rect_t bounds;
  GtkListItem *item;
  double x, y;

  if (!(keyval == GDK_KEY_Menu ||
        (keyval == GDK_KEY_F10 && (state & gtk_accelerator_get_default_mod_mask ()) == GDK_SHIFT_MASK)))
    return FALSE;
  item = focused_list_item (list, &bounds);
  if (item == NULL)
    graphene_rect_init (&bounds, 0, 0, gtk_widget_get_width (list), 1);
  /* Under the row's start, as GTK's own text widgets place theirs. */
  x = bounds.origin.x + MIN (bounds.size.width / 4, 48);
  y = bounds.origin.y + bounds.size.height / 2;
  if (list == GTK_WIDGET (self->folder_list))
    return item != NULL && folder_menu_popup (self, item, x, y);
  return message_menu_popup (self, item, x, y);
}

/* A folder dragged onto another. */

static TernFolderItem *
folder_item_at (TernWindow *self,
                double      x,
                double      y)
{
  GtkListItem *item = list_item_at (GTK_WIDGET (self->folder_list), x, y);

  return item != NULL ? gtk_list_item_get_item (item) : NULL;
}

static GdkContentProvider *
drag_prepare_cb (GtkDragSource *source,
                 double         x,
                 double         y,
                 TernWindow    *self)
{
  TernFolderItem *item = folder_item_at (self, x, y);
  g_autoptr(TernFolder) folder = NULL;
  g_autofree char *text = NULL;

  if (item == NULL || tern_folder_item_get_kind (item) != TERN_FOLDER_ITEM_FOLDER)
    return NULL;
  folder = tern_store_get_folder_by_id (self->store, tern_folder_item_get_id (item), NULL);
  /* INBOX, special folders and other people's stay where they are. */
  if (folder == NULL || g_ascii_strcasecmp (folder->name, "INBOX") == 0 ||
      (folder->special_use != NULL && *folder->special_use != '\0') ||
      (folder->namespace_kind != NULL && g_strcmp0 (folder->namespace_kind, "personal") != 0))
    return NULL;
  text = g_strdup_printf (FOLDER_DRAG_PREFIX "%" G_GINT64_FORMAT, folder->id);
  return gdk_content_provider_new_typed (G_TYPE_STRING, text);
}

static gboolean
drop_cb (GtkDropTarget *target,
         const GValue  *value,
         double         x,
         double         y,
         TernWindow    *self)
{
  const char *text = g_value_get_string (value);
  TernFolderItem *onto = folder_item_at (self, x, y);
  gint64 id, parent;

  if (text == NULL || !g_str_has_prefix (text, FOLDER_DRAG_PREFIX) || onto == NULL)
    return FALSE;
  id = g_ascii_strtoll (text + strlen (FOLDER_DRAG_PREFIX), NULL, 10);
  if (tern_folder_item_get_kind (onto) == TERN_FOLDER_ITEM_ACCOUNT)
    parent = 0;
  else if (tern_folder_item_get_kind (onto) == TERN_FOLDER_ITEM_FOLDER)
    parent = tern_folder_item_get_id (onto);
  else
    return FALSE;
  if (parent == id)
    return FALSE;
  return _tern_window_move_folder (self, id, parent);
}

static void
add_menu_controllers (TernWindow *self,
                      GtkWidget  *list)
{
  GtkGesture *click = gtk_gesture_click_new ();
  GtkGesture *press = gtk_gesture_long_press_new ();
  GtkEventController *keys = gtk_event_controller_key_new ();

  gtk_gesture_single_set_button (GTK_GESTURE_SINGLE (click), GDK_BUTTON_SECONDARY);
  g_signal_connect (click, "pressed", G_CALLBACK (secondary_pressed_cb), self);
  gtk_widget_add_controller (list, GTK_EVENT_CONTROLLER (click));
  gtk_gesture_single_set_touch_only (GTK_GESTURE_SINGLE (press), TRUE);
  g_signal_connect (press, "pressed", G_CALLBACK (long_pressed_cb), self);
  gtk_widget_add_controller (list, GTK_EVENT_CONTROLLER (press));
  g_signal_connect (keys, "key-pressed", G_CALLBACK (menu_key_cb), self);
  gtk_widget_add_controller (list, keys);
}

static GtkWidget *
new_menu (GtkWidget  *parent,
          const char *name)
{
  GtkWidget *menu = gtk_popover_menu_new_from_model (NULL);

  gtk_widget_set_name (menu, name);
  gtk_popover_set_has_arrow (GTK_POPOVER (menu), FALSE);
  gtk_widget_set_halign (menu, GTK_ALIGN_START);
  gtk_widget_set_parent (menu, parent);
  return menu;
}

void
_tern_window_setup_context_menus (TernWindow *self)
{
  GtkDragSource *source = gtk_drag_source_new ();
  GtkDropTarget *target = gtk_drop_target_new (G_TYPE_STRING, GDK_ACTION_MOVE);

  self->folder_menu = new_menu (GTK_WIDGET (self->folder_list), "folder_context_menu");
  self->message_menu = new_menu (GTK_WIDGET (self->message_list), "message_context_menu");
  add_menu_controllers (self, GTK_WIDGET (self->folder_list));
  add_menu_controllers (self, GTK_WIDGET (self->message_list));

  gtk_drag_source_set_actions (source, GDK_ACTION_MOVE);
  g_signal_connect (source, "prepare", G_CALLBACK (drag_prepare_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self->folder_list), GTK_EVENT_CONTROLLER (source));
  g_signal_connect (target, "drop", G_CALLBACK (drop_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self->folder_list), GTK_EVENT_CONTROLLER (target));
}

void
_tern_window_dispose_context_menus (TernWindow *self)
{
  g_clear_pointer (&self->folder_menu, gtk_widget_unparent);
  g_clear_pointer (&self->message_menu, gtk_widget_unparent);
}
