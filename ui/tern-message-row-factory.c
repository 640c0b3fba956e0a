/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "tern-message-row"

#include "config.h"

#include <gtk/gtk.h>

#include "tern-message-row.h"

/* The list's factory: a disclosure triangle (a GtkTreeExpander, idle in a flat list) around
 * a row; the items are messages, or, grouped, GtkTreeListRows of conversations and their
 * messages. */

static void
factory_setup_cb (GtkSignalListItemFactory *factory,
                  GtkListItem              *list_item,
                  gpointer                  user_data)
{
  GtkWidget *expander = gtk_tree_expander_new ();
  GtkWidget *row = tern_message_row_new ();

  /* The expander gives its child its natural width only: the row takes the rest. */
  gtk_widget_set_hexpand (row, TRUE);
  gtk_tree_expander_set_child (GTK_TREE_EXPANDER (expander), row);
  gtk_list_item_set_child (list_item, expander);
  /* The window's context menu finds the row's item from the widget under the pointer. */
  g_object_set_data (G_OBJECT (expander), "tern-list-item", list_item);
}

/* The name of the account a folder is of, and its place among the accounts (its colour). */
static const char *
account_of (TernFolderModel *folders,
            gint64           folder_id,
            guint           *color)
{
  guint pos = tern_folder_model_find (folders, folder_id);
  guint n = g_list_model_get_n_items (G_LIST_MODEL (folders)), index = 0;
  gint64 account_id;

  if (pos == G_MAXUINT)
    return NULL;
  {
    g_autoptr(TernFolderItem) folder = g_list_model_get_item (G_LIST_MODEL (folders), pos);

    account_id = tern_folder_item_get_account_id (folder);
  }
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(TernFolderItem) row = g_list_model_get_item (G_LIST_MODEL (folders), i);

      if (tern_folder_item_get_kind (row) != TERN_FOLDER_ITEM_ACCOUNT)
        continue;
      if (tern_folder_item_get_account_id (row) == account_id)
        {
          *color = index;
          /* The model keeps its items: the label outlives this row's reference. */
          return tern_folder_item_get_label (row);
        }
      index++;
    }
  return NULL;
}

static void
factory_bind_cb (GtkSignalListItemFactory *factory,
                 GtkListItem              *list_item,
                 gpointer                  user_data)
{
  GtkTreeExpander *expander = GTK_TREE_EXPANDER (gtk_list_item_get_child (list_item));
  TernMessageRow *row = TERN_MESSAGE_ROW (gtk_tree_expander_get_child (expander));
  gpointer item = gtk_list_item_get_item (list_item);
  g_autoptr(GObject) inner = NULL;

  if (GTK_IS_TREE_LIST_ROW (item))
    {
      gtk_tree_expander_set_list_row (expander, item);
      inner = gtk_tree_list_row_get_item (item);
    }
  else
    {
      gtk_tree_expander_set_list_row (expander, NULL);
      inner = item != NULL ? g_object_ref (item) : NULL;
    }
  _tern_message_row_set_show_preview_quietly (row, GPOINTER_TO_INT (g_object_get_data (G_OBJECT (factory), "tern-show-preview")));
  tern_message_row_set_item (row, TERN_IS_MESSAGE_ITEM (inner) ? TERN_MESSAGE_ITEM (inner) : NULL);
  tern_message_row_set_conversation (row, TERN_IS_CONVERSATION_ITEM (inner)
                                          ? TERN_CONVERSATION_ITEM (inner) : NULL);
  {
    TernFolderModel *folders = g_object_get_data (G_OBJECT (factory), "tern-folders");
    const char *name = NULL;
    g_autoptr(TernFolderItem) folder = NULL;

    /* A conversation of results: the folder of its newest. */
    if (folders != NULL && inner != NULL &&
        GPOINTER_TO_INT (g_object_get_data (G_OBJECT (factory), "tern-show-folders")))
      {
        gint64 folder_id = TERN_IS_MESSAGE_ITEM (inner)
                           ? tern_message_item_get_folder_id (TERN_MESSAGE_ITEM (inner))
                           : tern_conversation_item_get_folder_id (TERN_CONVERSATION_ITEM (inner));
        guint pos = tern_folder_model_find (folders, folder_id);

        if (pos != G_MAXUINT)
          folder = g_list_model_get_item (G_LIST_MODEL (folders), pos);
        name = folder != NULL ? tern_folder_item_get_label (folder) : NULL;
      }
    tern_message_row_set_folder_name (row, name);
  }
  {
    TernFolderModel *folders = g_object_get_data (G_OBJECT (factory), "tern-folders");
    const char *account = NULL;
    guint color = 0;

    if (folders != NULL && inner != NULL &&
        GPOINTER_TO_INT (g_object_get_data (G_OBJECT (factory), "tern-show-accounts")))
      account = account_of (folders,
                            TERN_IS_MESSAGE_ITEM (inner)
                            ? tern_message_item_get_folder_id (TERN_MESSAGE_ITEM (inner))
                            : tern_conversation_item_get_folder_id (TERN_CONVERSATION_ITEM (inner)),
                            &color);
    tern_message_row_set_account (row, account, color);
  }
}

static void
factory_unbind_cb (GtkSignalListItemFactory *factory,
                   GtkListItem              *list_item,
                   gpointer                  user_data)
{
  GtkTreeExpander *expander = GTK_TREE_EXPANDER (gtk_list_item_get_child (list_item));
  TernMessageRow *row = TERN_MESSAGE_ROW (gtk_tree_expander_get_child (expander));

  gtk_tree_expander_set_list_row (expander, NULL);
  tern_message_row_set_item (row, NULL);
  tern_message_row_set_conversation (row, NULL);
}

void
tern_message_row_factory_set_folders (GtkListItemFactory *factory,
                                      TernFolderModel    *folders,
                                      gboolean            show)
{
  g_object_set_data_full (G_OBJECT (factory), "tern-folders",
                          folders ? g_object_ref (folders) : NULL, g_object_unref);
  g_object_set_data (G_OBJECT (factory), "tern-show-folders", GINT_TO_POINTER (!!show));
}

void
tern_message_row_factory_set_accounts (GtkListItemFactory *factory,
                                       TernFolderModel    *folders,
                                       gboolean            show)
{
  g_object_set_data_full (G_OBJECT (factory), "tern-folders",
                          folders ? g_object_ref (folders) : NULL, g_object_unref);
  g_object_set_data (G_OBJECT (factory), "tern-show-accounts", GINT_TO_POINTER (!!show));
}

GtkListItemFactory *
tern_message_row_factory_new (void)
{
  GtkListItemFactory *factory = gtk_signal_list_item_factory_new ();

  g_signal_connect (factory, "setup", G_CALLBACK (factory_setup_cb), NULL);
  g_signal_connect (factory, "bind", G_CALLBACK (factory_bind_cb), NULL);
  g_signal_connect (factory, "unbind", G_CALLBACK (factory_unbind_cb), NULL);
  return factory;
}
