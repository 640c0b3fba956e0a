/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "tern-window"

#include "config.h"

#include <glib/gi18n.h>

#include "tern-message-row.h"
#include "tern-window-private.h"

/*
 * The message list's models: a folder's messages (TernMessageModel), or, grouped, its
 * conversations (TernConversationModel in a GtkTreeListModel that expands them); search
 * results in the message model, and, grouped, in conversations of their own, so that the
 * folder's tree (what was expanded) waits unchanged until search ends.
 */

gboolean
_tern_window_showing_conversations (TernWindow *self)
{
  return self->grouped;
}

/* The conversations shown, when grouped: the folder's or the search results'. */
TernConversationModel *
_tern_window_conversations (TernWindow *self)
{
  return tern_message_model_get_searching (self->message_model) ? self->search_conversations
                                                                : self->conversation_model;
}

GtkTreeListModel *
_tern_window_tree (TernWindow *self)
{
  return tern_message_model_get_searching (self->message_model) ? self->search_tree : self->conversation_tree;
}

GListModel *
_tern_window_shown_model (TernWindow *self)
{
  return self->grouped ? G_LIST_MODEL (_tern_window_tree (self)) : G_LIST_MODEL (self->message_model);
}

void
_tern_window_update_list_model (TernWindow *self)
{
  GtkListItemFactory *factory = gtk_list_view_get_factory (self->message_list);

  /* Search results come from every folder: each says which. */
  if (factory != NULL)
    {
      tern_message_row_factory_set_folders (factory, self->folder_model,
                                            tern_message_model_get_searching (self->message_model));
      /* A unified folder's rows (and what search finds from there) say whose they are. */
      tern_message_row_factory_set_accounts (factory, self->folder_model, self->unified_id != 0);
    }
  if (gtk_multi_selection_get_model (self->message_selection) != _tern_window_shown_model (self))
    gtk_multi_selection_set_model (self->message_selection, _tern_window_shown_model (self));
}

/* A unified folder, grouped: the conversations of the messages its flat model shows. */
static gboolean
group_unified (TernWindow  *self,
               GError     **error)
{
  g_autoptr(GArray) ids = g_array_new (FALSE, FALSE, sizeof (gint64));
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->message_model));

  for (guint i = 0; i < n; i++)
    {
      gint64 id = tern_message_model_get_id (self->message_model, i);

      g_array_append_val (ids, id);
    }
  return tern_conversation_model_set_ids (self->conversation_model, ids, error);
}

/* The open folder into the model that shows it (the other one lets go of its rows). */
void
_tern_window_load_folder (TernWindow *self)
{
  g_autoptr(GError) error = NULL;
  GtkListItemFactory *factory = gtk_list_view_get_factory (self->message_list);
  gboolean ok;

  /* Before the rows are bound: they say whose they are in a unified folder. */
  if (factory != NULL)
    tern_message_row_factory_set_accounts (factory, self->folder_model, self->unified_id != 0);
  if (self->unified_id != 0)
    {
      /* The flat model merges the accounts' folders; grouped, their conversations are those
       * of its messages (as search results are). */
      ok = tern_message_model_set_folders (self->message_model, _tern_window_unified_members (self), &error);
      if (ok && self->grouped)
        ok = group_unified (self, &error);
      else if (!self->grouped)
        tern_conversation_model_set_folder (self->conversation_model, 0, NULL);
    }
  else if (self->grouped)
    {
      tern_message_model_set_folder (self->message_model, 0, NULL);
      ok = tern_conversation_model_set_folder (self->conversation_model, self->folder_id, &error);
    }
  else
    {
      tern_conversation_model_set_folder (self->conversation_model, 0, NULL);
      ok = tern_message_model_set_folder (self->message_model, self->folder_id, &error);
    }
  if (!ok)
    g_debug ("Cannot open folder: %s", error->message);
  _tern_window_update_list_model (self);
}

/* Search results grouped by conversation (or let go of, not grouped): the messages the
 * message model found, minimal changes when more come. */
void
_tern_window_group_results (TernWindow *self)
{
  g_autoptr(GArray) ids = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr(GError) error = NULL;
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->message_model));

  if (!self->grouped || !tern_message_model_get_searching (self->message_model))
    {
      tern_conversation_model_set_folder (self->search_conversations, 0, NULL);
      return;
    }
  for (guint i = 0; i < n; i++)
    {
      gint64 id = tern_message_model_get_id (self->message_model, i);

      g_array_append_val (ids, id);
    }
  if (!tern_conversation_model_set_ids (self->search_conversations, ids, &error))
    g_debug ("Cannot group the results: %s", error->message);
}

static GListModel *
create_conversation_cb (gpointer item,
                        gpointer user_data)
{
  TernConversationModel *conversations = user_data;

  if (!TERN_IS_CONVERSATION_ITEM (item))
    return NULL;
  return (GListModel *) tern_conversation_model_dup_messages (conversations,
                                                              tern_conversation_item_get_thread_id (item));
}

/* A tree of conversations (borrowed: it must outlive the tree) expanding into their messages.
 * (transfer full) */
GtkTreeListModel *
_tern_window_tree_new (TernConversationModel *conversations)
{
  return gtk_tree_list_model_new (g_object_ref (G_LIST_MODEL (conversations)), FALSE, FALSE,
                                  create_conversation_cb, conversations, NULL);
}

void
_tern_window_update_list_title (TernWindow *self)
{
  guint n = g_list_model_get_n_items (self->grouped ? G_LIST_MODEL (_tern_window_conversations (self))
                                                    : G_LIST_MODEL (self->message_model));
  g_autofree char *subtitle = NULL;
  guint pos;

  if (tern_message_model_get_searching (self->message_model))
    {
      guint found = g_list_model_get_n_items (G_LIST_MODEL (self->message_model));

      adw_window_title_set_title (self->list_title, _("Search"));
      if (self->grouped && found > 0)
        {
          g_autofree char *results = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u result", "%u results",
                                                                   found), found);

          /* TRANSLATORS: "3 results in 2 conversations" */
          subtitle = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%s in %u conversation",
                                                   "%s in %u conversations", n), results, n);
        }
      else
        subtitle = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u result", "%u results", found), found);
    }
  else
    {
      pos = self->unified_id != 0 ? tern_folder_model_find_unified (self->folder_model, self->unified_id)
                                  : tern_folder_model_find (self->folder_model, self->folder_id);
      if (pos != G_MAXUINT)
        {
          g_autoptr(TernFolderItem) item = g_list_model_get_item (G_LIST_MODEL (self->folder_model), pos);
          guint unread = tern_folder_item_get_unread (item);

          adw_window_title_set_title (self->list_title, tern_folder_item_get_label (item));
          if (self->grouped && unread > 0)
            subtitle = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u conversation, %u unread",
                                                     "%u conversations, %u unread", n), n, unread);
          else if (self->grouped)
            subtitle = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u conversation",
                                                     "%u conversations", n), n);
          else if (unread > 0)
            subtitle = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u message, %u unread",
                                                     "%u messages, %u unread", n), n, unread);
          else
            subtitle = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u message", "%u messages", n), n);
        }
      else
        adw_window_title_set_title (self->list_title, "");
    }
  adw_window_title_set_subtitle (self->list_title, subtitle ? subtitle : "");
  if (tern_message_model_get_searching (self->message_model))
    {
      g_autofree char *description = g_strdup_printf (_("No message in any folder matches “%s”."),
                                                      gtk_editable_get_text (GTK_EDITABLE (self->search_entry)));

      adw_status_page_set_icon_name (self->empty_page, "edit-find-symbolic");
      adw_status_page_set_title (self->empty_page, _("No Results"));
      adw_status_page_set_description (self->empty_page, description);
    }
  else
    {
      adw_status_page_set_icon_name (self->empty_page, "mail-read-symbolic");
      adw_status_page_set_title (self->empty_page, _("No Messages"));
      adw_status_page_set_description (self->empty_page, NULL);
    }
  gtk_stack_set_visible_child_name (self->list_stack, n > 0 ? "list" : "empty");
  tern_message_view_set_placeholder (self->message_view, n > 0);
  _tern_window_update_read_only (self);
}

/* The conversations expanded in the list. The conversation view holds its conversation's
 * messages too, which the model counts as expanded: that is not the list's row expanded,
 * unless it was. */
static GArray *
list_expanded (TernWindow            *self,
               TernConversationModel *conversations)
{
  GArray *expanded = tern_conversation_model_dup_expanded (conversations);
  gint64 stacked = tern_conversation_view_get_thread_id (self->conversation_view);
  guint stacked_pos = stacked != 0 ? tern_conversation_model_find (conversations, stacked) : G_MAXUINT;
  g_autoptr(GtkTreeListRow) stacked_row = NULL;

  if (stacked_pos != G_MAXUINT)
    stacked_row = gtk_tree_list_model_get_child_row (_tern_window_tree (self), stacked_pos);
  if (stacked != 0 && (stacked_row == NULL || !gtk_tree_list_row_get_expanded (stacked_row)))
    for (guint i = 0; i < expanded->len; i++)
      if (g_array_index (expanded, gint64, i) == stacked)
        g_array_remove_index (expanded, i--);
  return expanded;
}

/* A conversation a change moved comes back as a new row: expand it again. */
static void
expand_again (TernWindow            *self,
              TernConversationModel *conversations,
              GArray                *expanded)
{
  for (guint i = 0; i < expanded->len; i++)
    {
      guint pos = tern_conversation_model_find (conversations, g_array_index (expanded, gint64, i));
      g_autoptr(GtkTreeListRow) row = NULL;

      if (pos != G_MAXUINT)
        row = gtk_tree_list_model_get_child_row (_tern_window_tree (self), pos);
      if (row != NULL && !gtk_tree_list_row_get_expanded (row))
        gtk_tree_list_row_set_expanded (row, TRUE);
    }
}

/* A change set on the conversations shown: only the rows it touches (search results read
 * again are grouped again from the flat model, which took the set already). */
void
_tern_window_apply_conversations (TernWindow    *self,
                                  TernChangeSet *set)
{
  TernConversationModel *conversations;
  g_autoptr(GArray) expanded = NULL;

  if (!self->grouped)
    return;
  conversations = _tern_window_conversations (self);
  expanded = list_expanded (self, conversations);
  if (tern_message_model_get_searching (self->message_model) && set->reload)
    _tern_window_group_results (self);
  else
    tern_conversation_model_apply (conversations, set);
  expand_again (self, conversations, expanded);
}

void
_tern_window_refresh_messages (TernWindow *self)
{
  g_autoptr(GError) error = NULL;

  if (!tern_message_model_refresh (self->message_model, &error))
    g_debug ("Cannot read messages: %s", error->message);
  if (self->grouped)
    {
      TernConversationModel *conversations = _tern_window_conversations (self);
      g_autoptr(GArray) expanded = list_expanded (self, conversations);

      g_clear_error (&error);
      if (tern_message_model_get_searching (self->message_model))
        _tern_window_group_results (self);
      else if (self->unified_id != 0)
        {
          if (!group_unified (self, &error))
            g_debug ("Cannot read conversations: %s", error->message);
        }
      else if (!tern_conversation_model_refresh (conversations, &error))
        g_debug ("Cannot read conversations: %s", error->message);
      expand_again (self, conversations, expanded);
    }
  _tern_window_update_list_title (self);
  _tern_window_update_state_buttons (self);
}
