/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "tern-message-window"

#include "config.h"

#include <glib/gi18n.h>

#include "tern-message-window.h"

struct _TernMessageWindow
{
  AdwWindow        parent_instance;

  /* Borrowed. */
  TernApplication *app;

  /* Children. */
  GtkWidget       *title;
  GtkWidget       *message_view;

  gint64           message_id;
};

G_DEFINE_FINAL_TYPE (TernMessageWindow, tern_message_window, ADW_TYPE_WINDOW)

static void
compose_action (GtkWidget  *widget,
                const char *action_name,
                GVariant   *param)
{
  TernMessageWindow *self = TERN_MESSAGE_WINDOW (widget);
  TernComposeMode mode = TERN_COMPOSE_REPLY;

  if (g_str_equal (action_name, "message.reply-all"))
    mode = TERN_COMPOSE_REPLY_ALL;
  else if (g_str_equal (action_name, "message.forward"))
    mode = TERN_COMPOSE_FORWARD;
  else if (g_str_equal (action_name, "message.forward-attached"))
    mode = TERN_COMPOSE_FORWARD_ATTACHED;
  tern_application_compose (self->app, mode, 0, self->message_id);
}

static void
close_action (GtkWidget  *widget,
              const char *action_name,
              GVariant   *param)
{
  gtk_window_close (GTK_WINDOW (widget));
}

static void
tern_message_window_class_init (TernMessageWindowClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  gtk_widget_class_install_action (widget_class, "message.reply", NULL, compose_action);
  gtk_widget_class_install_action (widget_class, "message.reply-all", NULL, compose_action);
  gtk_widget_class_install_action (widget_class, "message.forward", NULL, compose_action);
  gtk_widget_class_install_action (widget_class, "message.forward-attached", NULL, compose_action);
  gtk_widget_class_install_action (widget_class, "message.close", NULL, close_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_r, GDK_CONTROL_MASK, "message.reply", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_r, GDK_CONTROL_MASK | GDK_SHIFT_MASK,
                                       "message.reply-all", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_l, GDK_CONTROL_MASK, "message.forward", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_w, GDK_CONTROL_MASK, "message.close", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "message.close", NULL);
}

static GtkWidget *
header_button (const char *icon,
               const char *tooltip,
               const char *action,
               const char *name)
{
  GtkWidget *button = gtk_button_new_from_icon_name (icon);

  gtk_widget_set_tooltip_text (button, tooltip);
  gtk_actionable_set_action_name (GTK_ACTIONABLE (button), action);
  gtk_widget_set_name (button, name);
  return button;
}

static void
tern_message_window_init (TernMessageWindow *self)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  GtkWidget *header = adw_header_bar_new ();
  GMenu *forward_menu = g_menu_new ();
  GtkWidget *forward;

  gtk_window_set_default_size (GTK_WINDOW (self), 800, 640);
  adw_window_set_content (ADW_WINDOW (self), box);
  self->title = adw_window_title_new (NULL, NULL);
  adw_header_bar_set_title_widget (ADW_HEADER_BAR (header), self->title);
  adw_header_bar_pack_start (ADW_HEADER_BAR (header),
                             header_button ("mail-reply-sender-symbolic", _("Reply (Ctrl+R)"),
                                            "message.reply", "reply_button"));
  adw_header_bar_pack_start (ADW_HEADER_BAR (header),
                             header_button ("mail-reply-all-symbolic", _("Reply All (Ctrl+Shift+R)"),
                                            "message.reply-all", "reply_all_button"));
  g_menu_append (forward_menu, _("_Forward"), "message.forward");
  g_menu_append (forward_menu, _("Forward as _Attachment"), "message.forward-attached");
  forward = adw_split_button_new ();
  adw_split_button_set_icon_name (ADW_SPLIT_BUTTON (forward), "mail-forward-symbolic");
  adw_split_button_set_menu_model (ADW_SPLIT_BUTTON (forward), G_MENU_MODEL (forward_menu));
  gtk_actionable_set_action_name (GTK_ACTIONABLE (forward), "message.forward");
  gtk_widget_set_tooltip_text (forward, _("Forward (Ctrl+L)"));
  gtk_widget_set_name (forward, "forward_button");
  g_object_unref (forward_menu);
  adw_header_bar_pack_start (ADW_HEADER_BAR (header), forward);
  gtk_box_append (GTK_BOX (box), header);

  self->message_view = g_object_new (TERN_TYPE_MESSAGE_VIEW, NULL);
  gtk_widget_set_vexpand (self->message_view, TRUE);
  gtk_box_append (GTK_BOX (box), self->message_view);
}

TernMessageWindow *
tern_message_window_new (TernApplication *app,
                         gint64           message_id)
{
  TernMessageWindow *self;
  g_autoptr(TernMessage) message = NULL;

  g_return_val_if_fail (TERN_IS_APPLICATION (app), NULL);

  self = g_object_new (TERN_TYPE_MESSAGE_WINDOW, "application", app, NULL);
  self->app = app;
  self->message_id = message_id;
  message = tern_store_get_message (tern_application_get_store (app), message_id, NULL);
  gtk_window_set_title (GTK_WINDOW (self), message != NULL && message->subject != NULL && *message->subject != '\0'
                                           ? message->subject : _("(no subject)"));
  adw_window_title_set_title (ADW_WINDOW_TITLE (self->title), gtk_window_get_title (GTK_WINDOW (self)));
  tern_message_view_set_application (TERN_MESSAGE_VIEW (self->message_view), app);
  tern_message_view_show (TERN_MESSAGE_VIEW (self->message_view), message_id);
  return self;
}

gint64
tern_message_window_get_message_id (TernMessageWindow *self)
{
  g_return_val_if_fail (TERN_IS_MESSAGE_WINDOW (self), 0);

  return self->message_id;
}

TernMessageView *
tern_message_window_get_message_view (TernMessageWindow *self)
{
  g_return_val_if_fail (TERN_IS_MESSAGE_WINDOW (self), NULL);

  return TERN_MESSAGE_VIEW (self->message_view);
}
