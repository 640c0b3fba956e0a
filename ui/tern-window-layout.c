/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "tern-window"

#include "config.h"

#include "tern-message-row.h"
#include "tern-window-private.h"

/* The window's shape: narrow ("compact") by its width, the panes' widths, the preview line
 * under each subject. */

/* Below this width the message's secondary actions (Reply All, Forward, Move To, Star,
 * Read) go into its "More" menu, so that the window narrows to 360 px. The window's width
 * decides, not the leaflet's folding: folding depends on the panes' minimum widths, which
 * these buttons change, and a change made while the leaflet allocates its children left
 * the message pane without an allocation, drawn blank (issue 14). */
#define COMPACT_WIDTH 700
#define SIDEBAR_NARROW_WIDTH 220
#define LIST_NARROW_WIDTH 300

/* The widths the user gave the panes are their minimums when the window is wide; narrow
 * (folded, one pane at a time), the panes' own, so that it narrows to 360 px. */
void
_tern_window_apply_pane_widths (TernWindow *self)
{
  GSettings *settings = self->app != NULL ? tern_application_get_settings (self->app) : NULL;

  if (self->compact || settings == NULL)
    {
      gtk_widget_set_size_request (self->sidebar_pane, SIDEBAR_NARROW_WIDTH, -1);
      gtk_widget_set_size_request (self->list_pane, LIST_NARROW_WIDTH, -1);
    }
  else
    {
      gtk_widget_set_size_request (self->sidebar_pane, g_settings_get_int (settings, "sidebar-width"), -1);
      gtk_widget_set_size_request (self->list_pane, g_settings_get_int (settings, "list-width"), -1);
    }
}

static gboolean
set_compact_cb (gpointer data)
{
  TernWindow *self = data;
  gboolean compact = gtk_widget_get_width (GTK_WIDGET (self)) < COMPACT_WIDTH;

  self->compact_idle = 0;
  if (self->compact != compact)
    {
      self->compact = compact;
      _tern_window_apply_pane_widths (self);
      g_object_notify (G_OBJECT (self), "compact");
    }
  return G_SOURCE_REMOVE;
}

/* Before the window is shown, its default width decides (the first allocation would
 * otherwise be made wide enough for the wide header). */
void
_tern_window_default_width_cb (TernWindow *self)
{
  int width, height;

  if (gtk_widget_get_mapped (GTK_WIDGET (self)))
    return;
  gtk_window_get_default_size (GTK_WINDOW (self), &width, &height);
  if (width > 0 && (width < COMPACT_WIDTH) != self->compact)
    {
      self->compact = width < COMPACT_WIDTH;
      _tern_window_apply_pane_widths (self);
      g_object_notify (G_OBJECT (self), "compact");
    }
}

void
_tern_window_allocated (TernWindow *self,
                        int         width)
{
  /* Not while allocating: after it. */
  if ((width < COMPACT_WIDTH) != self->compact && self->compact_idle == 0)
    self->compact_idle = g_idle_add_full (G_PRIORITY_HIGH_IDLE, set_compact_cb, self, NULL);
}

static void
show_previews_in (GtkWidget *widget,
                  gboolean   show)
{
  if (TERN_IS_MESSAGE_ROW (widget))
    {
      tern_message_row_set_show_preview (TERN_MESSAGE_ROW (widget), show);
      return;
    }
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    show_previews_in (child, show);
}

/* A line under each subject with the start of its text (from the cache: nothing is fetched
 * for it), or not. */
void
_tern_window_set_show_previews (TernWindow *self,
                                gboolean    show)
{
  GtkListItemFactory *factory;

  show = !!show;
  if (self->show_previews == show)
    return;
  self->show_previews = show;
  factory = gtk_list_view_get_factory (self->message_list);
  if (factory != NULL)
    g_object_set_data (G_OBJECT (factory), "tern-show-preview", GINT_TO_POINTER (show));
  /* The rows already bound, too. */
  show_previews_in (GTK_WIDGET (self->message_list), show);
  g_object_notify (G_OBJECT (self), "show-previews");
}
