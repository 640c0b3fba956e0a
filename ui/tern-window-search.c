/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "tern-window"

#include "config.h"

#include <glib/gi18n.h>

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
  _tern_window_update_list_title (self);
}

void
_tern_window_search_changed_cb (TernWindow *self)
{
  const char *text = gtk_editable_get_text (GTK_EDITABLE (self->search_entry));
  g_autofree char *query = fts_query (text);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) workers = NULL;

  if (self->search_cancellable != NULL)
    g_cancellable_cancel (self->search_cancellable);
  g_clear_object (&self->search_cancellable);

  self->selecting = TRUE;
  if (query == NULL)
    {
      if (tern_message_model_get_searching (self->message_model))
        _tern_window_load_folder (self);
      self->selecting = FALSE;
      _tern_window_update_list_title (self);
      return;
    }
  if (!tern_message_model_search (self->message_model, 0, query, &error))
    g_debug ("Search failed: %s", error->message);
  _tern_window_update_list_model (self);
  self->selecting = FALSE;
  gtk_selection_model_unselect_all (GTK_SELECTION_MODEL (self->message_selection));
  _tern_window_update_list_title (self);

  self->search_cancellable = g_cancellable_new ();
  workers = tern_application_list_workers (self->app);
  for (guint i = 0; i < workers->len; i++)
    {
      TernAccountState state = tern_account_worker_get_state (workers->pdata[i]);

      if (state == TERN_ACCOUNT_STATE_ONLINE || state == TERN_ACCOUNT_STATE_SYNCING)
        tern_account_worker_search_async (workers->pdata[i], text, self->search_cancellable,
                                          server_search_cb, g_object_ref (self));
    }
}

void
_tern_window_search_mode_cb (TernWindow *self)
{
  if (!gtk_search_bar_get_search_mode (self->search_bar) &&
      tern_message_model_get_searching (self->message_model))
    {
      gtk_editable_set_text (GTK_EDITABLE (self->search_entry), "");
      self->selecting = TRUE;
      _tern_window_load_folder (self);
      self->selecting = FALSE;
      _tern_window_update_list_title (self);
    }
}

/* Workers. */
