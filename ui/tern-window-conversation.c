/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "tern-window"

#include "config.h"

#include <glib/gi18n.h>

#include "tern-message-window.h"
#include "tern-window-private.h"

/*
 * The reading pane's two faces: grouped by conversation, a conversation of several messages
 * selected alone shows them all stacked (TernConversationView, over the conversation model's
 * own list of its messages: no query a message); anything else shows the message view. And
 * "Open in New Window" (the More and context menus, a double click on a row).
 */

/* The conversation selected alone. (transfer full) */
static TernConversationItem *
selected_conversation_item (TernWindow *self)
{
  g_autoptr(GtkBitset) set = NULL;
  g_autoptr(GtkTreeListRow) row = NULL;
  gpointer item;

  if (!_tern_window_showing_conversations (self))
    return NULL;
  set = gtk_selection_model_get_selection (GTK_SELECTION_MODEL (self->message_selection));
  if (gtk_bitset_get_size (set) != 1)
    return NULL;
  row = gtk_tree_list_model_get_row (_tern_window_tree (self), gtk_bitset_get_nth (set, 0));
  item = row != NULL ? gtk_tree_list_row_get_item (row) : NULL;
  if (item != NULL && !TERN_IS_CONVERSATION_ITEM (item))
    g_clear_object (&item);
  return item;
}

gboolean
_tern_window_show_conversation (TernWindow *self)
{
  g_autoptr(TernConversationItem) item = selected_conversation_item (self);
  g_autoptr(TernMessageModel) messages = NULL;
  gint64 thread;

  if (item == NULL || tern_conversation_item_get_count (item) < 2)
    {
      gtk_stack_set_visible_child_name (self->view_stack, "message");
      tern_conversation_view_show (self->conversation_view, 0, NULL, NULL);
      return FALSE;
    }
  thread = tern_conversation_item_get_thread_id (item);
  if (tern_conversation_view_get_thread_id (self->conversation_view) != thread)
    {
      g_autoptr(GArray) unread = NULL;

      messages = tern_conversation_model_dup_messages (_tern_window_conversations (self), thread);
      if (messages == NULL)
        {
          gtk_stack_set_visible_child_name (self->view_stack, "message");
          tern_conversation_view_show (self->conversation_view, 0, NULL, NULL);
          return FALSE;
        }
      tern_conversation_view_show (self->conversation_view, thread, G_LIST_MODEL (messages),
                                   tern_conversation_item_get_subject (item));
      /* What it opened expanded is read, as one message selected is. */
      unread = tern_conversation_view_dup_unread_expanded (self->conversation_view);
      _tern_window_mark_read (self, unread);
    }
  gtk_stack_set_visible_child_name (self->view_stack, "conversation");
  return TRUE;
}

void
_tern_window_reload_view (TernWindow *self)
{
  tern_message_view_reload (self->message_view);
  tern_conversation_view_reload (self->conversation_view);
}

static void
message_opened_cb (TernWindow *self,
                   gint64      message_id)
{
  g_autoptr(GArray) ids = g_array_new (FALSE, FALSE, sizeof (gint64));

  g_array_append_val (ids, message_id);
  _tern_window_mark_read (self, ids);
}

void
_tern_window_setup_conversation_view (TernWindow *self)
{
  tern_conversation_view_set_application (self->conversation_view, self->app);
  g_signal_connect_object (self->conversation_view, "message-opened", G_CALLBACK (message_opened_cb), self,
                           G_CONNECT_SWAPPED);
}

void
_tern_window_message_activated_cb (TernWindow *self,
                                   guint       position)
{
  if (adw_leaflet_get_folded (self->leaflet))
    adw_leaflet_set_visible_child (self->leaflet, self->view_pane);
}

/* Open in New Window: the message shown (a conversation's newest). */
static void
open_in_window_action (GtkWidget  *widget,
                       const char *action_name,
                       GVariant   *param)
{
  TernWindow *self = TERN_WINDOW (widget);
  gint64 id = tern_message_view_get_message_id (self->message_view);

  if (id == 0)
    return;
  gtk_window_present (GTK_WINDOW (tern_message_window_new (self->app, id)));
}

static gboolean
open_later_cb (gpointer data)
{
  TernWindow *self = data;

  gtk_widget_activate_action (GTK_WIDGET (self), "win.open-in-window", NULL);
  return G_SOURCE_REMOVE;
}

void
_tern_window_open_in_window_later (TernWindow *self)
{
  /* After the list has taken the clicks as a selection. */
  g_idle_add_full (G_PRIORITY_DEFAULT_IDLE, open_later_cb, g_object_ref (self), g_object_unref);
}

void
_tern_window_class_add_conversation_actions (GtkWidgetClass *widget_class)
{
  gtk_widget_class_install_action (widget_class, "win.open-in-window", NULL, open_in_window_action);
}
