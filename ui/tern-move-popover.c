/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "tern-move-popover"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "tern-move-popover.h"

struct _TernMovePopover
{
  GtkPopover  parent_instance;

  GtkWidget  *entry;
  GtkWidget  *list;
};

G_DEFINE_FINAL_TYPE (TernMovePopover, tern_move_popover, GTK_TYPE_POPOVER)

static gboolean
path_filter_cb (GtkListBoxRow *row,
                gpointer       user_data)
{
  const char *text = gtk_editable_get_text (GTK_EDITABLE (user_data));
  const char *path = g_object_get_data (G_OBJECT (row), "path");
  g_autofree char *needle = NULL;
  g_autofree char *hay = NULL;

  if (text == NULL || *text == '\0')
    return TRUE;
  needle = g_utf8_casefold (text, -1);
  hay = g_utf8_casefold (path ? path : "", -1);
  return strstr (hay, needle) != NULL;
}

void
tern_folder_list_filter_by_entry (GtkListBox     *list,
                                  GtkSearchEntry *entry)
{
  g_return_if_fail (GTK_IS_LIST_BOX (list));
  g_return_if_fail (GTK_IS_SEARCH_ENTRY (entry));

  gtk_list_box_set_filter_func (list, path_filter_cb, entry, NULL);
  g_signal_connect_object (entry, "search-changed", G_CALLBACK (gtk_list_box_invalidate_filter),
                           list, G_CONNECT_SWAPPED);
}

static void
row_activated_cb (TernMovePopover *self,
                  GtkListBoxRow   *row)
{
  gint64 id = *(gint64 *) g_object_get_data (G_OBJECT (row), "folder-id");

  gtk_popover_popdown (GTK_POPOVER (self));
  gtk_widget_activate_action (GTK_WIDGET (self), "win.move-to", "x", id);
}

/* Enter in the entry moves to the first folder shown. */
static void
activate_cb (TernMovePopover *self)
{
  for (GtkWidget *row = gtk_widget_get_first_child (self->list); row != NULL;
       row = gtk_widget_get_next_sibling (row))
    if (gtk_widget_get_child_visible (row) && GTK_IS_LIST_BOX_ROW (row))
      {
        row_activated_cb (self, GTK_LIST_BOX_ROW (row));
        return;
      }
}

void
tern_move_popover_set_folders (TernMovePopover *self,
                               TernFolderModel *model,
                               gint64           account_id,
                               gint64           current_folder)
{
  GtkWidget *child;
  guint n;
  int last;  /* the indent of the row shown last, -1 for none */
  const char *heading = NULL;  /* the namespace heading the rows are under, if any */

  g_return_if_fail (TERN_IS_MOVE_POPOVER (self));

  while ((child = gtk_widget_get_first_child (self->list)) != NULL)
    gtk_list_box_remove (GTK_LIST_BOX (self->list), child);
  gtk_editable_set_text (GTK_EDITABLE (self->entry), "");

  n = g_list_model_get_n_items (G_LIST_MODEL (model));
  last = -1;
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(TernFolderItem) item = g_list_model_get_item (G_LIST_MODEL (model), i);
      int depth = (int) tern_folder_item_get_depth (item);
      GtkWidget *row, *box, *label;
      gint64 id;
      int indent;

      if (tern_folder_item_get_account_id (item) == account_id)
        {
          if (tern_folder_item_get_kind (item) == TERN_FOLDER_ITEM_HEADING)
            heading = tern_folder_item_get_label (item);
          else if (tern_folder_item_get_kind (item) == TERN_FOLDER_ITEM_ACCOUNT)
            heading = NULL;
        }
      if (tern_folder_item_get_kind (item) != TERN_FOLDER_ITEM_FOLDER ||
          tern_folder_item_get_account_id (item) != account_id ||
          !tern_folder_item_get_selectable (item) ||
          tern_folder_item_get_id (item) == current_folder)
        {
          /* Its children must not look like children of the row shown before it (another
           * user's "Team" under "Receipts" when the heading and "alice" are left out). */
          last = MIN (last, depth - 1);
          continue;
        }
      indent = MIN (depth, last + 1);
      last = indent;
      id = tern_folder_item_get_id (item);
      row = gtk_list_box_row_new ();
      box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 8);
      gtk_widget_set_margin_start (box, 6 + 12 * indent);
      gtk_widget_set_margin_top (box, 4);
      gtk_widget_set_margin_bottom (box, 4);
      gtk_box_append (GTK_BOX (box), gtk_image_new_from_icon_name (tern_folder_item_get_icon_name (item)));
      label = gtk_label_new (tern_folder_item_get_label (item));
      gtk_label_set_xalign (GTK_LABEL (label), 0);
      gtk_box_append (GTK_BOX (box), label);
      if (heading != NULL)
        {
          /* Another user's "Team" next to a personal "Team". */
          const char *owner = tern_folder_item_get_owner (item);
          /* Translators: after another user's or a shared folder's name in the Move To
           * list, its owner ("Team — alice") or its namespace ("Team — Shared folders"). */
          g_autofree char *text = g_strdup_printf (_("— %s"), owner != NULL ? owner : heading);
          GtkWidget *suffix = gtk_label_new (text);

          gtk_widget_add_css_class (suffix, "dim-label");
          gtk_label_set_xalign (GTK_LABEL (suffix), 0);
          gtk_label_set_ellipsize (GTK_LABEL (suffix), PANGO_ELLIPSIZE_END);
          gtk_widget_set_hexpand (suffix, TRUE);
          gtk_box_append (GTK_BOX (box), suffix);
        }
      gtk_list_box_row_set_child (GTK_LIST_BOX_ROW (row), box);
      g_object_set_data_full (G_OBJECT (row), "path", g_strdup (tern_folder_item_get_path (item)), g_free);
      g_object_set_data_full (G_OBJECT (row), "folder-id", g_memdup2 (&id, sizeof id), g_free);
      gtk_list_box_append (GTK_LIST_BOX (self->list), row);
    }
}

static void
tern_move_popover_class_init (TernMovePopoverClass *klass)
{
}

static void
tern_move_popover_init (TernMovePopover *self)
{
  GtkWidget *box, *scroller;

  box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
  self->entry = gtk_search_entry_new ();
  g_object_set (self->entry, "placeholder-text", _("Move to folder…"), NULL);
  g_signal_connect_swapped (self->entry, "activate", G_CALLBACK (activate_cb), self);
  gtk_box_append (GTK_BOX (box), self->entry);

  scroller = gtk_scrolled_window_new ();
  gtk_scrolled_window_set_policy (GTK_SCROLLED_WINDOW (scroller), GTK_POLICY_NEVER, GTK_POLICY_AUTOMATIC);
  gtk_scrolled_window_set_propagate_natural_height (GTK_SCROLLED_WINDOW (scroller), TRUE);
  gtk_scrolled_window_set_max_content_height (GTK_SCROLLED_WINDOW (scroller), 360);
  self->list = gtk_list_box_new ();
  gtk_widget_add_css_class (self->list, "navigation-sidebar");
  tern_folder_list_filter_by_entry (GTK_LIST_BOX (self->list), GTK_SEARCH_ENTRY (self->entry));
  g_signal_connect_swapped (self->list, "row-activated", G_CALLBACK (row_activated_cb), self);
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scroller), self->list);
  gtk_box_append (GTK_BOX (box), scroller);

  gtk_widget_set_size_request (box, 260, -1);
  gtk_popover_set_child (GTK_POPOVER (self), box);
  gtk_popover_set_default_widget (GTK_POPOVER (self), NULL);
}

GtkWidget *
tern_move_popover_new (void)
{
  return g_object_new (TERN_TYPE_MOVE_POPOVER, NULL);
}
