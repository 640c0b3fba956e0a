/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "tern-window"

#include "config.h"

#include <glib/gi18n.h>

#include "tern-window-private.h"

/* Each account's worker hears which folder is open (0: none of its folders): without
 * NOTIFY it keeps a second connection idling there. */
/* The folder of a unified row that is the account's, or 0. */
static gint64
unified_folder_of (TernWindow *self,
                   gint64      account_id)
{
  GArray *members = _tern_window_unified_members (self);

  for (guint i = 0; members != NULL && i < members->len; i++)
    {
      gint64 folder_id = g_array_index (members, gint64, i);
      guint pos = tern_folder_model_find (self->folder_model, folder_id);
      g_autoptr(TernFolderItem) item = NULL;

      if (pos == G_MAXUINT)
        continue;
      item = g_list_model_get_item (G_LIST_MODEL (self->folder_model), pos);
      if (tern_folder_item_get_account_id (item) == account_id)
        return folder_id;
    }
  return 0;
}

static void
tell_workers (TernWindow *self)
{
  g_autoptr(GPtrArray) workers = self->app != NULL ? tern_application_list_workers (self->app) : NULL;

  for (guint i = 0; workers != NULL && i < workers->len; i++)
    {
      TernAccountWorker *worker = workers->pdata[i];
      gint64 account_id = tern_account_worker_get_account_id (worker);

      /* A unified folder is open in every account it gathers. */
      if (self->unified_id != 0)
        tern_account_worker_set_open_folder (worker, unified_folder_of (self, account_id));
      else
        tern_account_worker_set_open_folder (worker, account_id == self->account_id ? self->folder_id : 0);
    }
}

GArray *
_tern_window_unified_members (TernWindow *self)
{
  guint pos;
  g_autoptr(TernFolderItem) item = NULL;

  if (self->unified_id == 0)
    return NULL;
  pos = tern_folder_model_find_unified (self->folder_model, self->unified_id);
  if (pos == G_MAXUINT)
    return NULL;
  item = g_list_model_get_item (G_LIST_MODEL (self->folder_model), pos);
  /* The model keeps its rows: the array outlives this reference. */
  return tern_folder_item_get_members (item);
}

gboolean
_tern_window_nothing_open (TernWindow *self)
{
  return self->folder_id == 0 && self->unified_id == 0;
}

gint64
_tern_window_selection_account (TernWindow *self)
{
  g_autoptr(GArray) ids = NULL;
  g_autoptr(TernMessage) message = NULL;
  g_autoptr(TernFolder) folder = NULL;

  if (self->unified_id == 0)
    return self->account_id;
  ids = _tern_window_selected_ids (self, NULL);
  if (ids->len == 0 ||
      (message = tern_store_get_message (self->store, g_array_index (ids, gint64, 0), NULL)) == NULL ||
      (folder = tern_store_get_folder_by_id (self->store, message->folder_id, NULL)) == NULL)
    return 0;
  return folder->account_id;
}

static void
show_folder (TernWindow *self,
             gint64      folder_id,
             gint64      account_id,
             gint64      unified_id)
{
  self->unified_id = unified_id;
  self->folder_id = folder_id;
  self->account_id = account_id;
  tell_workers (self);
  _tern_window_load_rights (self);
  if (gtk_search_bar_get_search_mode (self->search_bar))
    gtk_search_bar_set_search_mode (self->search_bar, FALSE);
  /* Before the rows go: a selection whose rows are replaced makes GtkMultiSelection look
   * for them among all the new ones. */
  gtk_selection_model_unselect_all (GTK_SELECTION_MODEL (self->message_selection));
  self->selecting = TRUE;
  _tern_window_load_folder (self);
  self->selecting = FALSE;
  tern_message_view_show (self->message_view, 0);
  _tern_window_update_message_actions (self);
  _tern_window_update_list_title (self);
}

void
_tern_window_folder_selection_changed_cb (TernWindow *self)
{
  TernFolderItem *item = gtk_single_selection_get_selected_item (self->folder_selection);

  if (item != NULL && tern_folder_item_get_kind (item) == TERN_FOLDER_ITEM_UNIFIED)
    {
      if (tern_folder_item_get_id (item) != self->unified_id ||
          tern_message_model_get_searching (self->message_model))
        {
          /* A folder the user opened stays open. */
          self->auto_opened = self->auto_opening;
          show_folder (self, 0, 0, tern_folder_item_get_id (item));
        }
      return;
    }
  if (item == NULL || tern_folder_item_get_kind (item) != TERN_FOLDER_ITEM_FOLDER ||
      !tern_folder_item_get_selectable (item))
    return;
  if (tern_folder_item_get_id (item) == self->folder_id && self->unified_id == 0 &&
      !tern_message_model_get_searching (self->message_model))
    return;
  self->auto_opened = self->auto_opening;
  show_folder (self, tern_folder_item_get_id (item), tern_folder_item_get_account_id (item), 0);
}

gboolean
_tern_window_select_unified (TernWindow *self,
                             gint64      unified_id)
{
  guint pos = tern_folder_model_find_unified (self->folder_model, unified_id);

  if (pos == G_MAXUINT)
    return FALSE;
  gtk_single_selection_set_selected (self->folder_selection, pos);
  _tern_window_folder_selection_changed_cb (self);
  return TRUE;
}

void
_tern_window_folder_activated_cb (TernWindow *self,
                     guint       position)
{
  if (adw_leaflet_get_folded (self->leaflet))
    adw_leaflet_set_visible_child (self->leaflet, self->list_pane);
}

gboolean
_tern_window_select_folder (TernWindow *self,
               gint64      folder_id)
{
  guint pos = tern_folder_model_find (self->folder_model, folder_id);

  if (pos == G_MAXUINT)
    return FALSE;
  gtk_single_selection_set_selected (self->folder_selection, pos);
  _tern_window_folder_selection_changed_cb (self);
  return TRUE;
}

/* The INBOX of the first account in the sidebar (its first folder if it has no INBOX), or of
 * any account when any_account is TRUE; 0 while that account has no folders yet. */
static gint64
first_inbox (TernWindow *self,
             gboolean    any_account)
{
  GListModel *model = G_LIST_MODEL (self->folder_model);
  guint n = g_list_model_get_n_items (model);
  gint64 account = 0;
  gint64 first = 0;

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(TernFolderItem) item = g_list_model_get_item (model, i);
      TernFolderItemKind kind = tern_folder_item_get_kind (item);

      if (kind == TERN_FOLDER_ITEM_ACCOUNT && account == 0)
        account = tern_folder_item_get_id (item);
      if (kind != TERN_FOLDER_ITEM_FOLDER || !tern_folder_item_get_selectable (item) ||
          (!any_account && tern_folder_item_get_account_id (item) != account))
        continue;
      if (g_ascii_strcasecmp (tern_folder_item_get_path (item), "INBOX") == 0)
        return tern_folder_item_get_id (item);
      if (first == 0)
        first = tern_folder_item_get_id (item);
    }
  return first;
}

/* Opens the first account's INBOX when the user has opened nothing yet. Until then an account
 * synced before the first one shows its INBOX meanwhile; when the first account's folders
 * arrive, its INBOX takes over, as long as the user has not chosen a folder. */
void
_tern_window_select_first_inbox (TernWindow *self)
{
  gint64 wanted;

  if (!_tern_window_nothing_open (self) && !self->auto_opened)
    return;
  wanted = first_inbox (self, FALSE);
  if (wanted == 0 && (_tern_window_nothing_open (self) ||
                      tern_folder_model_find (self->folder_model, self->folder_id) == G_MAXUINT))
    wanted = first_inbox (self, TRUE);
  if (wanted == 0 || (wanted == self->folder_id && self->unified_id == 0))
    return;
  self->auto_opening = TRUE;
  _tern_window_select_folder (self, wanted);
  self->auto_opening = FALSE;
}

/* Triage. */

static void
folder_setup_cb (GtkSignalListItemFactory *factory,
                 GtkListItem              *list_item,
                 gpointer                  user_data)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 8);
  GtkWidget *icon = gtk_image_new ();
  GtkWidget *label = gtk_label_new (NULL);
  GtkWidget *count = gtk_label_new (NULL);

  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_END);
  gtk_widget_set_hexpand (label, TRUE);
  gtk_widget_add_css_class (count, "dim-label");
  gtk_widget_add_css_class (count, "numeric");
  gtk_box_append (GTK_BOX (box), icon);
  gtk_box_append (GTK_BOX (box), label);
  gtk_box_append (GTK_BOX (box), count);
  gtk_list_item_set_child (list_item, box);
  /* The context menu and drops find the row's item from the widget under the pointer. */
  g_object_set_data (G_OBJECT (box), "tern-list-item", list_item);
}

static gboolean
count_transform (GBinding     *binding,
                 const GValue *from,
                 GValue       *to,
                 gpointer      user_data)
{
  guint n = g_value_get_uint (from);

  g_value_take_string (to, n > 0 ? g_strdup_printf ("%u", n) : g_strdup (""));
  return TRUE;
}

static void
folder_bind_cb (GtkSignalListItemFactory *factory,
                GtkListItem              *list_item,
                gpointer                  user_data)
{
  TernFolderItem *item = gtk_list_item_get_item (list_item);
  GtkWidget *box = gtk_list_item_get_child (list_item);
  GtkWidget *icon = gtk_widget_get_first_child (box);
  GtkWidget *label = gtk_widget_get_next_sibling (icon);
  GtkWidget *count = gtk_widget_get_next_sibling (label);
  TernFolderItemKind kind = tern_folder_item_get_kind (item);
  GBinding *binding;

  /* A unified folder opens as a folder does. */
  if (kind == TERN_FOLDER_ITEM_UNIFIED)
    kind = TERN_FOLDER_ITEM_FOLDER;
  /* A folder that holds no messages (another user's name over their folders, a \Noselect
   * parent) reads as a heading over its children, not as a folder that opens nothing. */
  if (kind == TERN_FOLDER_ITEM_FOLDER && !tern_folder_item_get_selectable (item))
    kind = TERN_FOLDER_ITEM_HEADING;

  gtk_label_set_text (GTK_LABEL (label), tern_folder_item_get_label (item));
  gtk_widget_set_margin_start (box, 12 * (int) tern_folder_item_get_depth (item) +
                                    (kind == TERN_FOLDER_ITEM_FOLDER ? 6 : 0));
  gtk_image_set_from_icon_name (GTK_IMAGE (icon), tern_folder_item_get_icon_name (item));
  gtk_widget_set_visible (icon, kind != TERN_FOLDER_ITEM_HEADING);
  gtk_widget_remove_css_class (label, "heading");
  gtk_widget_remove_css_class (label, "dim-label");
  gtk_widget_remove_css_class (label, "caption-heading");
  if (kind == TERN_FOLDER_ITEM_ACCOUNT)
    gtk_widget_add_css_class (label, "heading");
  else if (kind == TERN_FOLDER_ITEM_HEADING)
    {
      gtk_widget_add_css_class (label, "dim-label");
      gtk_widget_add_css_class (label, "caption-heading");
    }
  gtk_widget_set_opacity (box, tern_folder_item_get_local_state (item) == 1 ? 0.7 : 1.0);
  gtk_list_item_set_selectable (list_item, kind == TERN_FOLDER_ITEM_FOLDER &&
                                           tern_folder_item_get_selectable (item));
  gtk_list_item_set_activatable (list_item, kind == TERN_FOLDER_ITEM_FOLDER);
  g_object_set_data (G_OBJECT (box), "tern-heading", GINT_TO_POINTER (kind == TERN_FOLDER_ITEM_HEADING));
  binding = g_object_bind_property_full (item, "unread", count, "label", G_BINDING_SYNC_CREATE,
                                         count_transform, NULL, NULL, NULL);
  g_object_set_data (G_OBJECT (list_item), "binding", binding);
}

static void
folder_unbind_cb (GtkSignalListItemFactory *factory,
                  GtkListItem              *list_item,
                  gpointer                  user_data)
{
  GBinding *binding = g_object_get_data (G_OBJECT (list_item), "binding");

  if (binding != NULL)
    g_binding_unbind (binding);
  g_object_set_data (G_OBJECT (list_item), "binding", NULL);
}

/* Conversations: the menu's toggle, expanding and collapsing. */

GtkListItemFactory *
_tern_window_folder_factory_new (void)
{
  GtkListItemFactory *factory = gtk_signal_list_item_factory_new ();

  g_signal_connect (factory, "setup", G_CALLBACK (folder_setup_cb), NULL);
  g_signal_connect (factory, "bind", G_CALLBACK (folder_bind_cb), NULL);
  g_signal_connect (factory, "unbind", G_CALLBACK (folder_unbind_cb), NULL);
  return factory;
}
