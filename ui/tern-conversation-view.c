/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "tern-conversation-view"

#include "config.h"

#include <adwaita.h>
#include <glib/gi18n.h>

#include "tern-conversation-view.h"
#include "tern-format.h"
#include "tern-message-item.h"
#include "tern-message-row.h"

/*
 * A conversation as Geary shows it: a card a message, oldest first, in one scroller. The
 * list of messages is the conversation model's own (kept current on refresh): its changes
 * insert and remove cards where they happen, so a message arriving or read elsewhere keeps
 * the rest as they are (expanded, loaded, scrolled). A card's body is a TernMessageView in
 * its embedded mode, created the first time the card expands: the reading pane's body
 * loading, offline notice and remote-content blocking, not a copy of them.
 */

typedef struct
{
  TernConversationView *view;         /* unowned: the card lives in the view */
  TernMessageItem      *item;
  GtkWidget            *card;
  GtkWidget            *header;
  GtkWidget            *avatar;
  GtkWidget            *sender;
  GtkWidget            *snippet;
  GtkWidget            *date;
  GtkWidget            *actions;
  GtkWidget            *star;
  GtkWidget            *message_view;
  gboolean              expanded;
} Card;

struct _TernConversationView
{
  GtkWidget        parent_instance;

  /* Owned. */
  GListModel      *messages;
  GPtrArray       *cards;            /* Card */
  GArray          *unread_expanded;  /* ids */

  /* Borrowed. */
  TernApplication *app;
  Card            *scroll_to;        /* until the user scrolls */

  /* Children. */
  GtkWidget       *scroller;
  GtkWidget       *subject;
  GtkWidget       *cards_box;

  gint64           thread_id;
  guint            scroll_tick;
};

G_DEFINE_FINAL_TYPE (TernConversationView, tern_conversation_view, GTK_TYPE_WIDGET)

enum {
  MESSAGE_OPENED,
  N_SIGNALS
};

static guint signals [N_SIGNALS];

static void
card_free (Card *card)
{
  g_signal_handlers_disconnect_by_data (card->item, card);
  g_clear_object (&card->item);
  if (card->card != NULL && gtk_widget_get_parent (card->card) != NULL)
    gtk_box_remove (GTK_BOX (gtk_widget_get_parent (card->card)), card->card);
  g_free (card);
}

static void
card_update (Card *card)
{
  TernMessageItem *item = card->item;
  const char *sender = tern_message_item_get_sender (item);
  const char *preview = tern_message_item_get_preview (item);
  g_autofree char *date = tern_format_date (tern_message_item_get_date (item));
  g_autofree char *full_date = tern_format_message_date (tern_message_item_get_date (item));
  gboolean flagged = tern_message_item_get_flagged (item);

  if (sender == NULL || *sender == '\0')
    sender = _("(unknown sender)");
  gtk_label_set_text (GTK_LABEL (card->sender), sender);
  adw_avatar_set_text (ADW_AVATAR (card->avatar), sender);
  if (tern_message_item_get_unread (item))
    gtk_widget_add_css_class (card->sender, "unread");
  else
    gtk_widget_remove_css_class (card->sender, "unread");
  /* Collapsed: the start of the text; expanded: who it is from, the text follows. */
  if (card->expanded)
    gtk_label_set_text (GTK_LABEL (card->snippet), tern_message_item_get_sender_address (item));
  else
    gtk_label_set_text (GTK_LABEL (card->snippet), preview != NULL ? preview : "");
  /* Short, as in the list (an expanded message says it in full below). */
  gtk_label_set_text (GTK_LABEL (card->date), date != NULL ? date : "");
  gtk_widget_set_tooltip_text (card->date, full_date);
  gtk_widget_set_visible (card->actions, card->expanded);
  gtk_button_set_icon_name (GTK_BUTTON (card->star), flagged ? "starred-symbolic" : "non-starred-symbolic");
  gtk_widget_set_tooltip_text (card->star, flagged ? _("Unstar") : _("Star"));
  if (card->expanded)
    gtk_widget_add_css_class (card->card, "expanded");
  else
    gtk_widget_remove_css_class (card->card, "expanded");
}

static void
set_expanded (Card     *card,
              gboolean  expanded)
{
  TernConversationView *self = card->view;

  card->expanded = expanded;
  if (expanded && card->message_view == NULL)
    {
      card->message_view = g_object_new (TERN_TYPE_MESSAGE_VIEW, NULL);
      tern_message_view_set_embedded (TERN_MESSAGE_VIEW (card->message_view), TRUE);
      tern_message_view_set_application (TERN_MESSAGE_VIEW (card->message_view), self->app);
      gtk_box_append (GTK_BOX (card->card), card->message_view);
      tern_message_view_show (TERN_MESSAGE_VIEW (card->message_view), tern_message_item_get_id (card->item));
    }
  if (card->message_view != NULL)
    gtk_widget_set_visible (card->message_view, expanded);
  card_update (card);
}

static void
header_clicked_cb (GtkButton *button,
                   Card      *card)
{
  gboolean expand = !card->expanded;

  card->view->scroll_to = NULL;
  set_expanded (card, expand);
  if (expand)
    g_signal_emit (card->view, signals [MESSAGE_OPENED], 0, tern_message_item_get_id (card->item));
}

static GtkWidget *
action_button (const char *icon,
               const char *tooltip,
               const char *action,
               const char *name,
               gint64      id)
{
  GtkWidget *button = gtk_button_new_from_icon_name (icon);

  gtk_widget_set_tooltip_text (button, tooltip);
  gtk_widget_set_name (button, name);
  gtk_widget_add_css_class (button, "flat");
  gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
  gtk_actionable_set_action_name (GTK_ACTIONABLE (button), action);
  gtk_actionable_set_action_target (GTK_ACTIONABLE (button), "x", id);
  return button;
}

static Card *
card_new (TernConversationView *self,
          TernMessageItem      *item)
{
  Card *card = g_new0 (Card, 1);
  gint64 id = tern_message_item_get_id (item);
  GtkWidget *row, *box, *texts;

  card->view = self;
  card->item = g_object_ref (item);
  card->card = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  gtk_widget_add_css_class (card->card, "card");
  gtk_widget_add_css_class (card->card, "conversation-message");

  row = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 0);
  gtk_box_append (GTK_BOX (card->card), row);

  /* The line that expands and collapses: a button, for the pointer and the keyboard. */
  card->header = gtk_button_new ();
  gtk_widget_set_name (card->header, "message_header");
  gtk_widget_add_css_class (card->header, "flat");
  gtk_widget_add_css_class (card->header, "conversation-header");
  gtk_widget_set_hexpand (card->header, TRUE);
  g_signal_connect (card->header, "clicked", G_CALLBACK (header_clicked_cb), card);
  gtk_box_append (GTK_BOX (row), card->header);

  box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);
  gtk_button_set_child (GTK_BUTTON (card->header), box);
  card->avatar = adw_avatar_new (32, NULL, TRUE);
  gtk_box_append (GTK_BOX (box), card->avatar);
  texts = gtk_box_new (GTK_ORIENTATION_VERTICAL, 2);
  gtk_widget_set_hexpand (texts, TRUE);
  gtk_widget_set_valign (texts, GTK_ALIGN_CENTER);
  gtk_box_append (GTK_BOX (box), texts);
  card->sender = gtk_label_new (NULL);
  gtk_label_set_xalign (GTK_LABEL (card->sender), 0);
  gtk_label_set_ellipsize (GTK_LABEL (card->sender), PANGO_ELLIPSIZE_END);
  gtk_widget_add_css_class (card->sender, "sender");
  gtk_box_append (GTK_BOX (texts), card->sender);
  card->snippet = gtk_label_new (NULL);
  gtk_label_set_xalign (GTK_LABEL (card->snippet), 0);
  gtk_label_set_ellipsize (GTK_LABEL (card->snippet), PANGO_ELLIPSIZE_END);
  gtk_label_set_single_line_mode (GTK_LABEL (card->snippet), TRUE);
  gtk_widget_add_css_class (card->snippet, "dim-label");
  gtk_box_append (GTK_BOX (texts), card->snippet);
  card->date = gtk_label_new (NULL);
  gtk_widget_add_css_class (card->date, "dim-label");
  gtk_widget_add_css_class (card->date, "caption");
  gtk_widget_set_valign (card->date, GTK_ALIGN_CENTER);
  gtk_box_append (GTK_BOX (box), card->date);

  /* This message's own actions, shown while it is expanded. */
  card->actions = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 0);
  gtk_widget_set_margin_end (card->actions, 6);
  gtk_box_append (GTK_BOX (row), card->actions);
  gtk_box_append (GTK_BOX (card->actions), action_button ("mail-reply-sender-symbolic", _("Reply"),
                                                          "conversation.reply", "reply_button", id));
  gtk_box_append (GTK_BOX (card->actions), action_button ("mail-reply-all-symbolic", _("Reply All"),
                                                          "conversation.reply-all", "reply_all_button", id));
  gtk_box_append (GTK_BOX (card->actions), action_button ("mail-forward-symbolic", _("Forward"),
                                                          "conversation.forward", "forward_button", id));
  card->star = action_button ("non-starred-symbolic", _("Star"), "conversation.toggle-star", "star_button", id);
  gtk_box_append (GTK_BOX (card->actions), card->star);

  g_signal_connect_swapped (item, "notify", G_CALLBACK (card_update), card);
  return card;
}

/* Scrolled to the first unread message (or the newest) as the bodies load and the
 * conversation grows, until the user scrolls it. */
static void
apply_scroll (TernConversationView *self)
{
  GtkAdjustment *adj = gtk_scrolled_window_get_vadjustment (GTK_SCROLLED_WINDOW (self->scroller));
  GtkWidget *child = gtk_scrolled_window_get_child (GTK_SCROLLED_WINDOW (self->scroller));
  graphene_point_t point;

  if (self->scroll_to == NULL || child == NULL ||
      !gtk_widget_compute_point (self->scroll_to->card, child, &GRAPHENE_POINT_INIT (0, 0), &point))
    return;
  gtk_adjustment_set_value (adj, MAX (0, point.y - 12));
}

static gboolean
scroll_tick_cb (GtkWidget     *widget,
                GdkFrameClock *clock,
                gpointer       data)
{
  TernConversationView *self = TERN_CONVERSATION_VIEW (widget);

  self->scroll_tick = 0;
  apply_scroll (self);
  return G_SOURCE_REMOVE;
}

/* The adjustment changes while the viewport is allocated: the value is set on the next
 * frame, not in the middle of that. */
static void
adjustment_changed_cb (TernConversationView *self)
{
  if (self->scroll_to != NULL && self->scroll_tick == 0)
    self->scroll_tick = gtk_widget_add_tick_callback (GTK_WIDGET (self), scroll_tick_cb, NULL, NULL);
}

static void
insert_cards (TernConversationView *self,
              guint                 position,
              guint                 n,
              gboolean              first_show)
{
  for (guint i = position; i < position + n; i++)
    {
      g_autoptr(TernMessageItem) item = g_list_model_get_item (self->messages, i);
      guint count = g_list_model_get_n_items (self->messages);
      Card *card = card_new (self, item);
      GtkWidget *before = i > 0 ? ((Card *) self->cards->pdata[i - 1])->card : NULL;
      gboolean unread = tern_message_item_get_unread (item);

      g_ptr_array_insert (self->cards, (int) i, card);
      gtk_box_insert_child_after (GTK_BOX (self->cards_box), card->card, before);
      /* Unread messages open, and the newest: there is always something to read. */
      set_expanded (card, unread || (first_show && i == count - 1));
      if (unread)
        g_array_append_val (self->unread_expanded, ((gint64) { tern_message_item_get_id (item) }));
      if (first_show && self->scroll_to == NULL && (unread || i == count - 1))
        self->scroll_to = card;
    }
}

static void
items_changed_cb (TernConversationView *self,
                  guint                 position,
                  guint                 removed,
                  guint                 added)
{
  for (guint i = 0; i < removed; i++)
    {
      if (self->scroll_to == self->cards->pdata[position])
        self->scroll_to = NULL;
      g_ptr_array_remove_index (self->cards, position);
    }
  insert_cards (self, position, added, FALSE);
}

void
tern_conversation_view_show (TernConversationView *self,
                             gint64                thread_id,
                             GListModel           *messages,
                             const char           *subject)
{
  g_return_if_fail (TERN_IS_CONVERSATION_VIEW (self));

  gtk_label_set_text (GTK_LABEL (self->subject), subject != NULL && *subject != '\0' ? subject : _("(no subject)"));
  if (thread_id == self->thread_id && messages == self->messages)
    return;
  if (self->messages != NULL)
    g_signal_handlers_disconnect_by_data (self->messages, self);
  self->scroll_to = NULL;
  g_ptr_array_set_size (self->cards, 0);
  g_array_set_size (self->unread_expanded, 0);
  g_set_object (&self->messages, messages);
  self->thread_id = messages != NULL ? thread_id : 0;
  if (messages == NULL)
    return;
  g_signal_connect_swapped (messages, "items-changed", G_CALLBACK (items_changed_cb), self);
  insert_cards (self, 0, g_list_model_get_n_items (messages), TRUE);
  gtk_adjustment_set_value (gtk_scrolled_window_get_vadjustment (GTK_SCROLLED_WINDOW (self->scroller)), 0);
  apply_scroll (self);
}

gint64
tern_conversation_view_get_thread_id (TernConversationView *self)
{
  g_return_val_if_fail (TERN_IS_CONVERSATION_VIEW (self), 0);

  return self->thread_id;
}

GArray *
tern_conversation_view_dup_unread_expanded (TernConversationView *self)
{
  GArray *ids = g_array_new (FALSE, FALSE, sizeof (gint64));

  g_return_val_if_fail (TERN_IS_CONVERSATION_VIEW (self), ids);

  g_array_append_vals (ids, self->unread_expanded->data, self->unread_expanded->len);
  return ids;
}

gboolean
tern_conversation_view_focus (TernConversationView *self)
{
  g_return_val_if_fail (TERN_IS_CONVERSATION_VIEW (self), FALSE);

  for (guint i = 0; i < self->cards->len; i++)
    {
      Card *card = self->cards->pdata[i];

      if (card->expanded && card->message_view != NULL &&
          tern_message_view_focus_body (TERN_MESSAGE_VIEW (card->message_view)))
        return TRUE;
    }
  return self->cards->len > 0 && gtk_widget_grab_focus (((Card *) self->cards->pdata[0])->header);
}

void
tern_conversation_view_reload (TernConversationView *self)
{
  g_return_if_fail (TERN_IS_CONVERSATION_VIEW (self));

  for (guint i = 0; i < self->cards->len; i++)
    {
      Card *card = self->cards->pdata[i];

      if (card->message_view != NULL)
        tern_message_view_reload (TERN_MESSAGE_VIEW (card->message_view));
    }
}

static Card *
card_at (TernConversationView *self,
         guint                 index)
{
  return self->cards != NULL && index < self->cards->len ? self->cards->pdata[index] : NULL;
}

guint
tern_conversation_view_get_n_messages (TernConversationView *self)
{
  g_return_val_if_fail (TERN_IS_CONVERSATION_VIEW (self), 0);

  return self->cards->len;
}

gboolean
tern_conversation_view_get_expanded (TernConversationView *self,
                                     guint                 index)
{
  Card *card = card_at (self, index);

  return card != NULL && card->expanded;
}

gint64
tern_conversation_view_get_message_id (TernConversationView *self,
                                       guint                 index)
{
  Card *card = card_at (self, index);

  return card != NULL ? tern_message_item_get_id (card->item) : 0;
}

TernMessageView *
tern_conversation_view_get_message_view (TernConversationView *self,
                                         guint                 index)
{
  Card *card = card_at (self, index);

  return card != NULL && card->message_view != NULL ? TERN_MESSAGE_VIEW (card->message_view) : NULL;
}

GtkWidget *
tern_conversation_view_get_card (TernConversationView *self,
                                 guint                 index)
{
  Card *card = card_at (self, index);

  return card != NULL ? card->card : NULL;
}

GtkScrolledWindow *
tern_conversation_view_get_scroller (TernConversationView *self)
{
  g_return_val_if_fail (TERN_IS_CONVERSATION_VIEW (self), NULL);

  return GTK_SCROLLED_WINDOW (self->scroller);
}

void
tern_conversation_view_set_application (TernConversationView *self,
                                        TernApplication      *app)
{
  g_return_if_fail (TERN_IS_CONVERSATION_VIEW (self));

  self->app = app;
}

/* Actions on one message of the conversation (target: its id). */

static void
compose_action (GtkWidget  *widget,
                const char *action_name,
                GVariant   *param)
{
  TernConversationView *self = TERN_CONVERSATION_VIEW (widget);
  TernComposeMode mode = TERN_COMPOSE_REPLY;

  if (g_str_equal (action_name, "conversation.reply-all"))
    mode = TERN_COMPOSE_REPLY_ALL;
  else if (g_str_equal (action_name, "conversation.forward"))
    mode = TERN_COMPOSE_FORWARD;
  if (self->app != NULL)
    tern_application_compose (self->app, mode, 0, g_variant_get_int64 (param));
}

static void
star_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *param)
{
  TernConversationView *self = TERN_CONVERSATION_VIEW (widget);
  g_autoptr(GArray) ids = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr(GError) error = NULL;
  gint64 id = g_variant_get_int64 (param);
  gboolean flagged = FALSE;

  if (self->app == NULL)
    return;
  for (guint i = 0; i < self->cards->len; i++)
    if (tern_message_item_get_id (((Card *) self->cards->pdata[i])->item) == id)
      flagged = tern_message_item_get_flagged (((Card *) self->cards->pdata[i])->item);
  g_array_append_val (ids, id);
  if (tern_mail_service_set_flags (tern_application_get_mail_service (self->app), ids,
                                   flagged ? NULL : "\\Flagged", flagged ? "\\Flagged" : NULL, &error) == 0 &&
      error != NULL)
    g_debug ("Cannot star: %s", error->message);
}

/* The keyboard: Space and Page Down go down the whole conversation, whichever message has
 * the focus (a button keeps Space to press it). */
static gboolean
key_pressed_cb (TernConversationView *self,
                guint                 keyval,
                guint                 keycode,
                GdkModifierType       state)
{
  GtkAdjustment *adj = gtk_scrolled_window_get_vadjustment (GTK_SCROLLED_WINDOW (self->scroller));
  GtkWidget *focus = gtk_root_get_focus (gtk_widget_get_root (GTK_WIDGET (self)));
  double page = gtk_adjustment_get_page_size (adj) * 0.9;
  double delta;

  if ((state & (GDK_CONTROL_MASK | GDK_ALT_MASK)) != 0)
    return FALSE;
  if (keyval == GDK_KEY_space && !GTK_IS_BUTTON (focus))
    delta = (state & GDK_SHIFT_MASK) != 0 ? -page : page;
  else if (keyval == GDK_KEY_Page_Down || keyval == GDK_KEY_KP_Page_Down)
    delta = page;
  else if (keyval == GDK_KEY_Page_Up || keyval == GDK_KEY_KP_Page_Up)
    delta = -page;
  else
    return FALSE;
  self->scroll_to = NULL;
  gtk_adjustment_set_value (adj, gtk_adjustment_get_value (adj) + delta);
  return TRUE;
}

static void
user_scroll_begin_cb (TernConversationView *self)
{
  self->scroll_to = NULL;
}

static gboolean
user_scrolled_cb (GtkEventControllerScroll *controller,
                  double                    dx,
                  double                    dy,
                  TernConversationView     *self)
{
  self->scroll_to = NULL;
  return FALSE;
}

static void
tern_conversation_view_dispose (GObject *object)
{
  TernConversationView *self = TERN_CONVERSATION_VIEW (object);

  if (self->scroll_tick != 0)
    gtk_widget_remove_tick_callback (GTK_WIDGET (self), self->scroll_tick);
  self->scroll_tick = 0;
  if (self->messages != NULL)
    g_signal_handlers_disconnect_by_data (self->messages, self);
  g_clear_pointer (&self->cards, g_ptr_array_unref);
  g_clear_object (&self->messages);
  g_clear_pointer (&self->unread_expanded, g_array_unref);
  g_clear_pointer (&self->scroller, gtk_widget_unparent);

  G_OBJECT_CLASS (tern_conversation_view_parent_class)->dispose (object);
}

static void
tern_conversation_view_class_init (TernConversationViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = tern_conversation_view_dispose;

  signals [MESSAGE_OPENED] =
    g_signal_new ("message-opened", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, G_TYPE_INT64);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "ternconversationview");
  gtk_widget_class_install_action (widget_class, "conversation.reply", "x", compose_action);
  gtk_widget_class_install_action (widget_class, "conversation.reply-all", "x", compose_action);
  gtk_widget_class_install_action (widget_class, "conversation.forward", "x", compose_action);
  gtk_widget_class_install_action (widget_class, "conversation.toggle-star", "x", star_action);
}

static void
tern_conversation_view_init (TernConversationView *self)
{
  GtkWidget *clamp, *box;
  GtkEventController *keys, *scroll;

  self->cards = g_ptr_array_new_with_free_func ((GDestroyNotify) card_free);
  self->unread_expanded = g_array_new (FALSE, FALSE, sizeof (gint64));

  self->scroller = gtk_scrolled_window_new ();
  gtk_scrolled_window_set_policy (GTK_SCROLLED_WINDOW (self->scroller), GTK_POLICY_NEVER, GTK_POLICY_AUTOMATIC);
  gtk_widget_set_parent (self->scroller, GTK_WIDGET (self));
  clamp = adw_clamp_new ();
  adw_clamp_set_maximum_size (ADW_CLAMP (clamp), 1000);
  adw_clamp_set_tightening_threshold (ADW_CLAMP (clamp), 800);
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (self->scroller), clamp);
  box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 12);
  gtk_widget_set_margin_top (box, 12);
  gtk_widget_set_margin_bottom (box, 18);
  gtk_widget_set_margin_start (box, 12);
  gtk_widget_set_margin_end (box, 12);
  adw_clamp_set_child (ADW_CLAMP (clamp), box);

  self->subject = gtk_label_new (NULL);
  gtk_label_set_xalign (GTK_LABEL (self->subject), 0);
  gtk_label_set_wrap (GTK_LABEL (self->subject), TRUE);
  gtk_label_set_selectable (GTK_LABEL (self->subject), TRUE);
  gtk_widget_add_css_class (self->subject, "title-3");
  gtk_widget_set_margin_start (self->subject, 6);
  gtk_box_append (GTK_BOX (box), self->subject);
  self->cards_box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 8);
  gtk_box_append (GTK_BOX (box), self->cards_box);

  g_signal_connect_object (gtk_scrolled_window_get_vadjustment (GTK_SCROLLED_WINDOW (self->scroller)),
                           "changed", G_CALLBACK (adjustment_changed_cb), self, G_CONNECT_SWAPPED);
  keys = gtk_event_controller_key_new ();
  gtk_event_controller_set_propagation_phase (keys, GTK_PHASE_CAPTURE);
  g_signal_connect_swapped (keys, "key-pressed", G_CALLBACK (key_pressed_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self), keys);
  scroll = gtk_event_controller_scroll_new (GTK_EVENT_CONTROLLER_SCROLL_VERTICAL);
  gtk_event_controller_set_propagation_phase (scroll, GTK_PHASE_CAPTURE);
  g_signal_connect_swapped (scroll, "scroll-begin", G_CALLBACK (user_scroll_begin_cb), self);
  g_signal_connect (scroll, "scroll", G_CALLBACK (user_scrolled_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self), scroll);
}
