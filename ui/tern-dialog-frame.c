/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "tern-dialog-frame.h"

GtkStack *
tern_dialog_frame_new (AdwWindow        *window,
                       GtkWidget        *page,
                       AdwToastOverlay **toasts_out)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  GtkWidget *loading = gtk_spinner_new ();
  AdwToastOverlay *toasts = ADW_TOAST_OVERLAY (adw_toast_overlay_new ());
  GtkStack *stack = GTK_STACK (gtk_stack_new ());

  gtk_box_append (GTK_BOX (box), adw_header_bar_new ());
  gtk_widget_set_vexpand (GTK_WIDGET (toasts), TRUE);
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (toasts));
  adw_toast_overlay_set_child (toasts, GTK_WIDGET (stack));
  gtk_spinner_start (GTK_SPINNER (loading));
  gtk_widget_set_size_request (loading, 32, 32);
  gtk_widget_set_halign (loading, GTK_ALIGN_CENTER);
  gtk_widget_set_valign (loading, GTK_ALIGN_CENTER);
  gtk_stack_add_named (stack, loading, "loading");
  gtk_stack_add_named (stack, page, "page");
  adw_window_set_content (window, box);
  *toasts_out = toasts;
  return stack;
}
