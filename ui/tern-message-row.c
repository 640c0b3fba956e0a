/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "tern-message-row"

#include "config.h"

#include <adwaita.h>
#include <glib/gi18n.h>

#include "tern-message-row.h"

/* One message in the list: sender and date on the first line, subject and marks below. A
 * conversation shows the same way, with who wrote in it, the subject of its first message and
 * a badge with how many messages it has. */

struct _TernMessageRow
{
  GtkWidget        parent_instance;

  /* Owned. */
  TernMessageItem *item;
  TernConversationItem *conversation;
  gboolean         show_preview;

  /* Children. */
  GtkWidget       *box;
  GtkWidget       *unread_dot;
  GtkWidget       *sender;
  GtkWidget       *date;
  GtkWidget       *subject;
  GtkWidget       *flagged;
  GtkWidget       *answered;
  GtkWidget       *attachment;
  GtkWidget       *count;
  GtkWidget       *folder;
  GtkWidget       *account;
  GtkWidget       *preview;
};

G_DEFINE_FINAL_TYPE (TernMessageRow, tern_message_row, GTK_TYPE_WIDGET)

char *
tern_format_date (gint64 unix_time)
{
  g_autoptr(GDateTime) when = NULL;
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  GTimeSpan ago;

  if (unix_time <= 0)
    return g_strdup ("");
  when = g_date_time_new_from_unix_local (unix_time);
  if (when == NULL)
    return g_strdup ("");
  ago = g_date_time_difference (now, when);
  if (g_date_time_get_year (when) == g_date_time_get_year (now) &&
      g_date_time_get_day_of_year (when) == g_date_time_get_day_of_year (now))
    return g_date_time_format (when, "%R");
  if (ago >= 0 && ago < 6 * G_TIME_SPAN_DAY)
    return g_date_time_format (when, "%a");
  if (g_date_time_get_year (when) == g_date_time_get_year (now))
    return g_date_time_format (when, "%e %b");
  return g_date_time_format (when, "%x");
}

static void
update (TernMessageRow *self)
{
  TernMessageItem *item = self->item;
  TernConversationItem *conversation = self->conversation;
  g_autofree char *date = NULL;
  const char *sender, *subject;
  gboolean unread, flagged, answered, attachment;
  guint count = 0;

  if (conversation != NULL && tern_conversation_item_get_loaded (conversation))
    {
      count = tern_conversation_item_get_count (conversation);
      unread = tern_conversation_item_get_unread (conversation);
      sender = tern_conversation_item_get_participants (conversation);
      subject = tern_conversation_item_get_subject (conversation);
      date = tern_format_date (tern_conversation_item_get_date (conversation));
      flagged = tern_conversation_item_get_flagged (conversation);
      answered = FALSE;
      attachment = tern_conversation_item_get_has_attachment (conversation);
    }
  else if (item != NULL && tern_message_item_get_loaded (item))
    {
      unread = tern_message_item_get_unread (item);
      sender = tern_message_item_get_sender (item);
      subject = tern_message_item_get_subject (item);
      date = tern_format_date (tern_message_item_get_date (item));
      flagged = tern_message_item_get_flagged (item);
      answered = tern_message_item_get_answered (item);
      attachment = tern_message_item_get_has_attachment (item);
    }
  else
    {
      gtk_label_set_text (GTK_LABEL (self->sender), "");
      gtk_label_set_text (GTK_LABEL (self->subject), "");
      gtk_label_set_text (GTK_LABEL (self->date), "");
      gtk_widget_set_visible (self->count, FALSE);
      return;
    }

  gtk_label_set_text (GTK_LABEL (self->sender), sender && *sender ? sender : _("(unknown sender)"));
  gtk_label_set_text (GTK_LABEL (self->subject), subject ? subject : _("(no subject)"));
  gtk_label_set_text (GTK_LABEL (self->date), date);
  if (count > 1)
    {
      g_autofree char *text = g_strdup_printf ("%u", count);

      gtk_label_set_text (GTK_LABEL (self->count), text);
    }
  gtk_widget_set_visible (self->count, count > 1);
  gtk_widget_set_opacity (self->unread_dot, unread ? 1.0 : 0.0);
  /* Read: the sender not bold, the subject a little lighter (Adwaita's dim-label, at 55%,
   * read as disabled text). */
  if (unread)
    {
      gtk_widget_add_css_class (self->sender, "unread");
      gtk_widget_remove_css_class (self->subject, "read");
    }
  else
    {
      gtk_widget_remove_css_class (self->sender, "unread");
      gtk_widget_add_css_class (self->subject, "read");
    }
  gtk_widget_set_visible (self->flagged, flagged);
  {
    const char *preview = self->show_preview && item != NULL && conversation == NULL
                          ? tern_message_item_get_preview (item) : NULL;

    gtk_label_set_text (GTK_LABEL (self->preview), preview ? preview : "");
    gtk_widget_set_visible (self->preview, preview != NULL);
  }
  gtk_widget_set_visible (self->answered, answered);
  gtk_widget_set_visible (self->attachment, attachment);
}

static void
item_notify_cb (TernMessageRow *self)
{
  update (self);
}

void
tern_message_row_set_item (TernMessageRow  *self,
                           TernMessageItem *item)
{
  g_return_if_fail (TERN_IS_MESSAGE_ROW (self));

  if (self->item == item)
    return;
  if (self->item != NULL)
    g_signal_handlers_disconnect_by_func (self->item, item_notify_cb, self);
  g_set_object (&self->item, item);
  if (item != NULL)
    g_signal_connect_object (item, "notify", G_CALLBACK (item_notify_cb), self, G_CONNECT_SWAPPED);
  update (self);
}

void
tern_message_row_set_conversation (TernMessageRow       *self,
                                   TernConversationItem *conversation)
{
  g_return_if_fail (TERN_IS_MESSAGE_ROW (self));

  if (self->conversation == conversation)
    return;
  if (self->conversation != NULL)
    g_signal_handlers_disconnect_by_func (self->conversation, item_notify_cb, self);
  g_set_object (&self->conversation, conversation);
  if (conversation != NULL)
    g_signal_connect_object (conversation, "notify", G_CALLBACK (item_notify_cb), self,
                             G_CONNECT_SWAPPED);
  update (self);
}

TernConversationItem *
tern_message_row_get_conversation (TernMessageRow *self)
{
  g_return_val_if_fail (TERN_IS_MESSAGE_ROW (self), NULL);

  return self->conversation;
}

TernMessageItem *
tern_message_row_get_item (TernMessageRow *self)
{
  g_return_val_if_fail (TERN_IS_MESSAGE_ROW (self), NULL);

  return self->item;
}

/* GTK 4.8 asks the display where the pointer is (a round trip to the X server) whenever a
 * visible widget's tooltip is set: ~40 rows a folder switch, several tooltips each. Set
 * while the widget is hidden, it asks nothing; the tooltip shows on hover all the same. */
static void
set_tooltip (GtkWidget  *widget,
             const char *text)
{
  gboolean visible = gtk_widget_get_visible (widget);
  const char *old = gtk_widget_get_tooltip_text (widget);

  if (g_strcmp0 (old, text) == 0)
    return;
  gtk_widget_set_visible (widget, FALSE);
  gtk_widget_set_tooltip_text (widget, text);
  gtk_widget_set_visible (widget, visible);
}

static GtkWidget *
mark (const char *icon,
      const char *tooltip)
{
  GtkWidget *image = gtk_image_new_from_icon_name (icon);

  gtk_widget_set_visible (image, FALSE);
  set_tooltip (image, tooltip);
  gtk_widget_add_css_class (image, "dim-label");
  return image;
}

static void
tern_message_row_dispose (GObject *object)
{
  TernMessageRow *self = TERN_MESSAGE_ROW (object);

  tern_message_row_set_item (self, NULL);
  tern_message_row_set_conversation (self, NULL);
  g_clear_pointer (&self->box, gtk_widget_unparent);

  G_OBJECT_CLASS (tern_message_row_parent_class)->dispose (object);
}

/* GTK 4.8's list view makes, measures and allocates 200 rows each time its rows are all
 * replaced (a folder switch, a search, the first rows at launch), however few show. Measuring
 * a row's height lays out the text of each of its labels: about 100 ms of a 100,000-message
 * folder switch (bench-app). A row's height never depends on its text: each line is one
 * ellipsized line of a fixed line-height (style.css). It depends on which of its parts show,
 * the weight of the sender and the font, so it is measured once for each such shape and
 * given as it is after; a change of theme (high contrast, another GTK theme) forgets them. */
static GHashTable *row_heights;   /* shape (gint64 *) -> height */

static void
forget_heights (void)
{
  if (row_heights != NULL)
    g_hash_table_remove_all (row_heights);
}

static void
remember_height (gint64 shape,
                 int    height)
{
  if (row_heights == NULL)
    {
      row_heights = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
      g_signal_connect (adw_style_manager_get_default (), "notify::high-contrast", G_CALLBACK (forget_heights),
                        NULL);
      g_signal_connect (gtk_settings_get_default (), "notify::gtk-theme-name", G_CALLBACK (forget_heights), NULL);
    }
  g_hash_table_insert (row_heights, g_memdup2 (&shape, sizeof shape), GINT_TO_POINTER (MAX (height, 1)));
}

static gint64
row_shape (TernMessageRow *self)
{
  GtkWidget *parts[] = { self->unread_dot, self->count, self->folder, self->account, self->answered,
                         self->attachment, self->flagged, self->preview };
  PangoContext *context = gtk_widget_get_pango_context (GTK_WIDGET (self));
  const PangoFontDescription *font = pango_context_get_font_description (context);
  guint mask = gtk_widget_has_css_class (self->sender, "unread") ? 1 : 0;
  guint font_key = (font != NULL ? pango_font_description_hash (font) : 0) ^
                   (guint) (pango_cairo_context_get_resolution (context) * 16);

  for (guint i = 0; i < G_N_ELEMENTS (parts); i++)
    if (gtk_widget_get_visible (parts[i]))
      mask |= 2u << i;
  return (gint64) font_key << 16 | mask;
}

static void
tern_message_row_measure (GtkWidget      *widget,
                          GtkOrientation  orientation,
                          int             for_size,
                          int            *minimum,
                          int            *natural,
                          int            *minimum_baseline,
                          int            *natural_baseline)
{
  TernMessageRow *self = TERN_MESSAGE_ROW (widget);
  gint64 shape;
  gpointer known;

  if (orientation == GTK_ORIENTATION_HORIZONTAL)
    {
      gtk_widget_measure (self->box, orientation, for_size, minimum, natural, minimum_baseline,
                          natural_baseline);
      return;
    }
  shape = row_shape (self);
  if (row_heights != NULL && (known = g_hash_table_lookup (row_heights, &shape)) != NULL)
    {
      *minimum = *natural = GPOINTER_TO_INT (known);
      return;
    }
  gtk_widget_measure (self->box, orientation, for_size, minimum, natural, NULL, NULL);
  /* An empty row (not bound yet) is not a shape rows are seen in. */
  if (self->item == NULL && self->conversation == NULL)
    return;
  remember_height (shape, *natural);
}

static void
tern_message_row_size_allocate (GtkWidget *widget,
                                int        width,
                                int        height,
                                int        baseline)
{
  gtk_widget_allocate (TERN_MESSAGE_ROW (widget)->box, width, height, baseline, NULL);
}

static GtkSizeRequestMode
tern_message_row_get_request_mode (GtkWidget *widget)
{
  return GTK_SIZE_REQUEST_CONSTANT_SIZE;
}

static void
tern_message_row_class_init (TernMessageRowClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  G_OBJECT_CLASS (klass)->dispose = tern_message_row_dispose;
  widget_class->measure = tern_message_row_measure;
  widget_class->size_allocate = tern_message_row_size_allocate;
  widget_class->get_request_mode = tern_message_row_get_request_mode;
  gtk_widget_class_set_css_name (widget_class, "ternmessagerow");
}

static void
tern_message_row_init (TernMessageRow *self)
{
  GtkWidget *lines, *top, *bottom;

  self->box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 8);
  gtk_widget_set_margin_top (self->box, 6);
  gtk_widget_set_margin_bottom (self->box, 6);
  gtk_widget_set_margin_start (self->box, 4);
  gtk_widget_set_margin_end (self->box, 8);
  gtk_widget_set_parent (self->box, GTK_WIDGET (self));

  self->unread_dot = gtk_image_new_from_icon_name ("media-record-symbolic");
  gtk_image_set_pixel_size (GTK_IMAGE (self->unread_dot), 8);
  gtk_widget_add_css_class (self->unread_dot, "accent");
  gtk_widget_set_valign (self->unread_dot, GTK_ALIGN_CENTER);
  set_tooltip (self->unread_dot, _("Unread"));
  gtk_box_append (GTK_BOX (self->box), self->unread_dot);

  lines = gtk_box_new (GTK_ORIENTATION_VERTICAL, 2);
  gtk_widget_set_hexpand (lines, TRUE);
  gtk_box_append (GTK_BOX (self->box), lines);

  top = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  gtk_box_append (GTK_BOX (lines), top);
  self->sender = gtk_label_new (NULL);
  gtk_label_set_xalign (GTK_LABEL (self->sender), 0);
  gtk_label_set_ellipsize (GTK_LABEL (self->sender), PANGO_ELLIPSIZE_END);
  gtk_widget_set_hexpand (self->sender, TRUE);
  gtk_box_append (GTK_BOX (top), self->sender);
  self->count = gtk_label_new (NULL);
  gtk_widget_add_css_class (self->count, "conversation-count");
  gtk_widget_add_css_class (self->count, "caption");
  gtk_widget_add_css_class (self->count, "numeric");
  gtk_widget_set_valign (self->count, GTK_ALIGN_CENTER);
  gtk_widget_set_visible (self->count, FALSE);
  set_tooltip (self->count, _("Messages in this conversation"));
  gtk_box_append (GTK_BOX (top), self->count);
  self->date = gtk_label_new (NULL);
  gtk_widget_add_css_class (self->date, "dim-label");
  gtk_widget_add_css_class (self->date, "caption");
  gtk_widget_add_css_class (self->date, "numeric");
  gtk_box_append (GTK_BOX (top), self->date);

  bottom = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 4);
  gtk_box_append (GTK_BOX (lines), bottom);
  self->subject = gtk_label_new (NULL);
  gtk_label_set_xalign (GTK_LABEL (self->subject), 0);
  gtk_label_set_ellipsize (GTK_LABEL (self->subject), PANGO_ELLIPSIZE_END);
  gtk_widget_set_hexpand (self->subject, TRUE);
  gtk_box_append (GTK_BOX (bottom), self->subject);
  /* In search results: the folder the message is in. */
  self->folder = gtk_label_new (NULL);
  gtk_widget_add_css_class (self->folder, "dim-label");
  gtk_widget_add_css_class (self->folder, "caption");
  gtk_label_set_ellipsize (GTK_LABEL (self->folder), PANGO_ELLIPSIZE_END);
  gtk_label_set_max_width_chars (GTK_LABEL (self->folder), 16);
  gtk_widget_set_visible (self->folder, FALSE);
  gtk_box_append (GTK_BOX (bottom), self->folder);
  /* In a unified folder (All Inboxes): whose account the message is of, in its colour. */
  self->account = gtk_label_new (NULL);
  gtk_widget_add_css_class (self->account, "account-tag");
  gtk_widget_add_css_class (self->account, "caption");
  gtk_label_set_ellipsize (GTK_LABEL (self->account), PANGO_ELLIPSIZE_END);
  gtk_label_set_max_width_chars (GTK_LABEL (self->account), 14);
  gtk_widget_set_valign (self->account, GTK_ALIGN_CENTER);
  gtk_widget_set_visible (self->account, FALSE);
  gtk_box_append (GTK_BOX (bottom), self->account);
  self->answered = mark ("mail-replied-symbolic", _("Answered"));
  gtk_box_append (GTK_BOX (bottom), self->answered);
  self->attachment = mark ("mail-attachment-symbolic", _("Has attachments"));
  gtk_box_append (GTK_BOX (bottom), self->attachment);
  self->preview = gtk_label_new (NULL);
  gtk_label_set_xalign (GTK_LABEL (self->preview), 0);
  gtk_label_set_ellipsize (GTK_LABEL (self->preview), PANGO_ELLIPSIZE_END);
  gtk_label_set_single_line_mode (GTK_LABEL (self->preview), TRUE);
  gtk_widget_add_css_class (self->preview, "dim-label");
  gtk_widget_add_css_class (self->preview, "caption");
  gtk_widget_set_visible (self->preview, FALSE);
  gtk_box_append (GTK_BOX (lines), self->preview);
  self->flagged = mark ("starred-symbolic", _("Starred"));
  gtk_widget_remove_css_class (self->flagged, "dim-label");
  gtk_widget_add_css_class (self->flagged, "warning");
  gtk_box_append (GTK_BOX (bottom), self->flagged);
}

void
tern_message_row_set_folder_name (TernMessageRow *self,
                                  const char     *name)
{
  g_return_if_fail (TERN_IS_MESSAGE_ROW (self));

  gtk_label_set_text (GTK_LABEL (self->folder), name ? name : "");
  gtk_widget_set_visible (self->folder, name != NULL);
}

void
tern_message_row_set_account (TernMessageRow *self,
                              const char     *name,
                              guint           color)
{
  g_autofree char *klass = NULL;

  g_return_if_fail (TERN_IS_MESSAGE_ROW (self));

  for (guint i = 0; i < 6; i++)
    {
      g_autofree char *old = g_strdup_printf ("account-color-%u", i);

      gtk_widget_remove_css_class (self->account, old);
    }
  klass = g_strdup_printf ("account-color-%u", color % 6);
  gtk_widget_add_css_class (self->account, klass);
  gtk_label_set_text (GTK_LABEL (self->account), name ? name : "");
  set_tooltip (self->account, name);
  gtk_widget_set_visible (self->account, name != NULL);
}

const char *
tern_message_row_get_account (TernMessageRow *self)
{
  g_return_val_if_fail (TERN_IS_MESSAGE_ROW (self), NULL);

  return gtk_widget_get_visible (self->account) ? gtk_label_get_text (GTK_LABEL (self->account)) : NULL;
}

void
tern_message_row_set_show_preview (TernMessageRow *self,
                                   gboolean        show)
{
  g_return_if_fail (TERN_IS_MESSAGE_ROW (self));

  self->show_preview = !!show;
  update (self);
}

const char *
tern_message_row_get_preview (TernMessageRow *self)
{
  g_return_val_if_fail (TERN_IS_MESSAGE_ROW (self), NULL);

  return gtk_widget_get_visible (self->preview) ? gtk_label_get_text (GTK_LABEL (self->preview)) : NULL;
}

const char *
tern_message_row_get_folder_name (TernMessageRow *self)
{
  g_return_val_if_fail (TERN_IS_MESSAGE_ROW (self), NULL);

  return gtk_widget_get_visible (self->folder) ? gtk_label_get_text (GTK_LABEL (self->folder)) : NULL;
}

GtkWidget *
tern_message_row_new (void)
{
  return g_object_new (TERN_TYPE_MESSAGE_ROW, NULL);
}

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
  row->show_preview = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (factory), "tern-show-preview"));
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
