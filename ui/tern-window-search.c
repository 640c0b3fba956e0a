/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "tern-window"

#include "config.h"

#include <glib/gi18n.h>

#include "tern-message-row.h"
#include "tern-window-private.h"

static char *
fts_query (const char *text)
{
  g_autoptr(GString) q = g_string_new (NULL);
  const char *p = text;
  gboolean in_word = FALSE;

  for (; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (g_unichar_isalnum (c))
        {
          if (!in_word && q->len > 0)
            g_string_append_c (q, ' ');
          g_string_append_unichar (q, c);
          in_word = TRUE;
        }
      else
        in_word = FALSE;
    }
  if (q->len == 0)
    return NULL;
  /* The word being typed is a prefix. */
  g_string_append_c (q, '*');
  return g_string_free (g_steal_pointer (&q), FALSE);
}

static void
server_search_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(TernWindow) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) ids = tern_account_worker_search_finish (TERN_ACCOUNT_WORKER (source), result, &error);

  if (ids == NULL || !tern_message_model_get_searching (self->message_model))
    return;
  tern_message_model_add_ids (self->message_model, ids);
  _tern_window_group_results (self);
  _tern_window_update_list_title (self);
}

/* The message selected alone (a conversation folded: the newest of it), or 0. */
static gint64
selected_message (TernWindow *self)
{
  gint64 newest = _tern_window_selected_conversation (self);
  g_autoptr(GArray) ids = NULL;

  if (newest != 0)
    return newest;
  ids = _tern_window_selected_ids (self, NULL);
  return ids->len == 1 ? g_array_index (ids, gint64, 0) : 0;
}

/* Back from search: the folder as it was, its conversations opened as they were (the tree
 * is kept while search shows its results) and the message that was selected. */
static void
leave_search (TernWindow *self)
{
  gint64 selected = self->before_search;
  guint pos = G_MAXUINT;

  self->before_search = 0;
  tern_message_row_factory_set_folders (gtk_list_view_get_factory (self->message_list), self->folder_model, FALSE);
  self->selecting = TRUE;
  tern_conversation_model_set_folder (self->search_conversations, 0, NULL);
  if (self->grouped && self->unified_id == 0 &&
      tern_conversation_model_get_folder_id (self->conversation_model) == self->folder_id)
    {
      /* The conversations never left (what was expanded is still); the flat model lets go
       * of the results. */
      tern_message_model_set_folder (self->message_model, 0, NULL);
      _tern_window_update_list_model (self);
      /* What changed meanwhile (a conversation moved up keeps its expansion). */
      _tern_window_refresh_messages (self);
    }
  else
    _tern_window_load_folder (self);
  self->selecting = FALSE;
  _tern_window_update_list_title (self);

  if (selected != 0 && !self->grouped)
    pos = tern_message_model_find (self->message_model, selected);
  else if (selected != 0)
    {
      GListModel *rows = _tern_window_shown_model (self);

      for (guint i = 0; i < g_list_model_get_n_items (rows) && pos == G_MAXUINT; i++)
        {
          g_autoptr(GtkTreeListRow) row = g_list_model_get_item (rows, i);
          g_autoptr(GObject) item = gtk_tree_list_row_get_item (row);

          if ((TERN_IS_MESSAGE_ITEM (item) && tern_message_item_get_id (TERN_MESSAGE_ITEM (item)) == selected) ||
              (TERN_IS_CONVERSATION_ITEM (item) && !gtk_tree_list_row_get_expanded (row) &&
               tern_conversation_item_get_newest_id (TERN_CONVERSATION_ITEM (item)) == selected))
            pos = i;
        }
    }
  if (pos != G_MAXUINT)
    {
      _tern_window_select_position (self, pos);
      gtk_widget_activate_action (GTK_WIDGET (self->message_list), "list.scroll-to-item", "u", pos);
    }
  else
    {
      gtk_selection_model_unselect_all (GTK_SELECTION_MODEL (self->message_selection));
      _tern_window_update_view (self);
    }
  tern_message_view_set_highlight (self->message_view, NULL);
}

typedef struct
{
  TernWindow   *window;
  GCancellable *cancellable;
} LocalSearch;

static void
local_search_free (LocalSearch *search)
{
  g_object_unref (search->window);
  g_object_unref (search->cancellable);
  g_free (search);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (LocalSearch, local_search_free)

/* The local results, from the search's thread: shown, then the servers asked for more. */
static void
local_search_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(LocalSearch) search = user_data;
  TernWindow *self = search->window;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) workers = NULL;
  gboolean was_searching;
  gint64 before;
  const char *text;

  /* Replaced by newer words, left, or the window closed: nothing lands, no widget is
   * touched. */
  if (g_cancellable_is_cancelled (search->cancellable))
    {
      tern_message_model_search_finish (TERN_MESSAGE_MODEL (source), result, NULL);
      return;
    }
  was_searching = tern_message_model_get_searching (self->message_model);
  before = was_searching ? 0 : selected_message (self);
  /* Result rows say their folder: the factory knows before the rows come. */
  tern_message_row_factory_set_folders (gtk_list_view_get_factory (self->message_list), self->folder_model, TRUE);
  self->selecting = TRUE;
  if (!tern_message_model_search_finish (self->message_model, result, &error))
    {
      /* A newer search, another folder or leaving search took over: nothing lands. */
      self->selecting = FALSE;
      if (!tern_message_model_get_searching (self->message_model))
        tern_message_row_factory_set_folders (gtk_list_view_get_factory (self->message_list), self->folder_model, FALSE);
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_debug ("Search failed: %s", error->message);
      return;
    }
  if (!was_searching)
    self->before_search = before;
  text = gtk_editable_get_text (GTK_EDITABLE (self->search_entry));
  _tern_window_group_results (self);
  _tern_window_update_list_model (self);
  self->selecting = FALSE;
  gtk_selection_model_unselect_all (GTK_SELECTION_MODEL (self->message_selection));
  _tern_window_update_list_title (self);
  /* The words searched for are marked in the message opened from the results. */
  tern_message_view_set_highlight (self->message_view, text);

  if (self->search_cancellable == NULL || self->app == NULL)
    return;
  workers = tern_application_list_workers (self->app);
  for (guint i = 0; i < workers->len; i++)
    {
      TernAccountState state = tern_account_worker_get_state (workers->pdata[i]);

      if (state == TERN_ACCOUNT_STATE_ONLINE || state == TERN_ACCOUNT_STATE_SYNCING)
        tern_account_worker_search_async (workers->pdata[i], text, self->search_cancellable,
                                          server_search_cb, g_object_ref (self));
    }
}

/* Each change of the words: the search before is cancelled (its query interrupted on its
 * thread), and this one runs on a thread of its own; the list keeps what it shows until
 * the results come. */
void
_tern_window_search_changed_cb (TernWindow *self)
{
  const char *text = gtk_editable_get_text (GTK_EDITABLE (self->search_entry));
  g_autofree char *query = fts_query (text);
  LocalSearch *search;

  if (self->search_cancellable != NULL)
    g_cancellable_cancel (self->search_cancellable);
  g_clear_object (&self->search_cancellable);

  if (query == NULL)
    {
      if (tern_message_model_get_searching (self->message_model))
        leave_search (self);
      _tern_window_update_list_title (self);
      return;
    }
  self->search_cancellable = g_cancellable_new ();
  search = g_new0 (LocalSearch, 1);
  search->window = g_object_ref (self);
  search->cancellable = g_object_ref (self->search_cancellable);
  tern_message_model_search_async (self->message_model, 0, query, self->search_cancellable,
                                   local_search_cb, search);
}

void
_tern_window_search_mode_cb (TernWindow *self)
{
  if (!gtk_search_bar_get_search_mode (self->search_bar) &&
      tern_message_model_get_searching (self->message_model))
    {
      /* Clearing the entry leaves search (search_changed_cb). */
      gtk_editable_set_text (GTK_EDITABLE (self->search_entry), "");
      if (tern_message_model_get_searching (self->message_model))
        leave_search (self);
    }
}
