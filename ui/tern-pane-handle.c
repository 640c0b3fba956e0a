/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "tern-pane-handle"

#include "config.h"

#include <adwaita.h>

#include "tern-pane-handle.h"

/*
 * A thin separator between two panes of the window's leaflet that the user drags, like
 * GtkPaned's handle: GtkPaned itself cannot be used, the leaflet must see the panes as its
 * own children to fold them into one column on a narrow window. The handle only sets the
 * pane's width-request; the leaflet lays the panes out as before.
 */

#define SPARE_WIDTH 16

struct _TernPaneHandle
{
  GtkWidget   parent_instance;

  /* Owned. */
  GtkWidget  *separator;
  GSettings  *settings;
  char       *key;

  /* Borrowed: the pane (a weak pointer), the drag gesture (the widget owns it). */
  GtkWidget  *pane;
  GtkGesture *drag;

  int         min_width;
  int         max_width;
  int         start_width;
};

G_DEFINE_FINAL_TYPE (TernPaneHandle, tern_pane_handle, GTK_TYPE_WIDGET)

/* The largest width the pane can take without the leaflet folding (it folds when its
 * pages' minimum widths do not fit): what the leaflet has, less what its other pages need. */
static int
width_that_fits (TernPaneHandle *self)
{
  GtkWidget *parent = gtk_widget_get_parent (self->pane);
  int others = 0;

  if (parent == NULL || gtk_widget_get_width (parent) <= 0)
    return G_MAXINT;
  for (GtkWidget *child = gtk_widget_get_first_child (parent); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      int minimum = 0;

      /* The leaflet's own children (shadows) are not pages. */
      if (child == self->pane || !gtk_widget_get_visible (child) ||
          (ADW_IS_LEAFLET (parent) && adw_leaflet_get_page (ADW_LEAFLET (parent), child) == NULL))
        continue;
      gtk_widget_measure (child, GTK_ORIENTATION_HORIZONTAL, -1, &minimum, NULL, NULL, NULL);
      others += minimum;
    }
  /* A little room to spare, for rounding and for a pane whose minimum grows by a pixel. */
  return gtk_widget_get_width (parent) - others - SPARE_WIDTH;
}

static int
clamp_width (TernPaneHandle *self,
             int             width)
{
  int upper = MIN (self->max_width, width_that_fits (self));

  /* Never shrink the pane against the user's will because the window is full. */
  upper = MAX (upper, MIN (self->start_width, self->max_width));
  return CLAMP (width, self->min_width, MAX (upper, self->min_width));
}

static void
set_width (TernPaneHandle *self,
           double          offset_x)
{
  int width;

  if (gtk_widget_get_direction (GTK_WIDGET (self)) == GTK_TEXT_DIR_RTL)
    offset_x = -offset_x;
  width = clamp_width (self, self->start_width + (int) offset_x);
  gtk_widget_set_size_request (self->pane, width, -1);
}

static void
drag_begin_cb (GtkGestureDrag *gesture,
               double          x,
               double          y,
               TernPaneHandle *self)
{
  int request = -1;

  if (self->pane == NULL)
    {
      gtk_gesture_set_state (GTK_GESTURE (gesture), GTK_EVENT_SEQUENCE_DENIED);
      return;
    }
  gtk_gesture_set_state (GTK_GESTURE (gesture), GTK_EVENT_SEQUENCE_CLAIMED);
  gtk_widget_get_size_request (self->pane, &request, NULL);
  /* What the user sees is where the drag starts. */
  self->start_width = gtk_widget_get_width (self->pane) > 0 ? gtk_widget_get_width (self->pane) : request;
}

static void
drag_update_cb (GtkGestureDrag *gesture,
                double          offset_x,
                double          offset_y,
                TernPaneHandle *self)
{
  if (self->pane != NULL)
    set_width (self, offset_x);
}

static void
drag_end_cb (GtkGestureDrag *gesture,
             double          offset_x,
             double          offset_y,
             TernPaneHandle *self)
{
  int width = -1;

  if (self->pane == NULL)
    return;
  set_width (self, offset_x);
  gtk_widget_get_size_request (self->pane, &width, NULL);
  if (self->settings != NULL && width > 0)
    g_settings_set_int (self->settings, self->key, width);
}

void
tern_pane_handle_set_pane (TernPaneHandle *self,
                           GtkWidget      *pane,
                           GSettings      *settings,
                           const char     *key)
{
  g_return_if_fail (TERN_IS_PANE_HANDLE (self));
  g_return_if_fail (pane == NULL || GTK_IS_WIDGET (pane));
  g_return_if_fail (settings == NULL || key != NULL);

  if (self->pane != NULL)
    g_object_remove_weak_pointer (G_OBJECT (self->pane), (gpointer *) &self->pane);
  self->pane = pane;
  if (self->pane != NULL)
    {
      g_object_add_weak_pointer (G_OBJECT (self->pane), (gpointer *) &self->pane);
      /* The pane is as wide as the user made it: the space left goes to the panes that
       * expand, not to this one because something inside it (a search entry) expands. */
      gtk_widget_set_hexpand (self->pane, FALSE);
    }
  g_set_object (&self->settings, settings);
  g_free (self->key);
  self->key = g_strdup (key);

  self->min_width = 120;
  self->max_width = 1200;
  if (settings != NULL)
    {
      g_autoptr(GSettingsSchema) schema = NULL;
      g_autoptr(GSettingsSchemaKey) schema_key = NULL;
      g_autoptr(GVariant) range = NULL;
      g_autoptr(GVariant) limits = NULL;
      const char *type = NULL;

      g_object_get (settings, "settings-schema", &schema, NULL);
      schema_key = g_settings_schema_get_key (schema, key);
      range = g_settings_schema_key_get_range (schema_key);
      g_variant_get (range, "(&sv)", &type, &limits);
      if (g_str_equal (type, "range"))
        g_variant_get (limits, "(ii)", &self->min_width, &self->max_width);
    }
}

GtkWidget *
tern_pane_handle_get_pane (TernPaneHandle *self)
{
  g_return_val_if_fail (TERN_IS_PANE_HANDLE (self), NULL);

  return self->pane;
}

GtkGesture *
tern_pane_handle_get_gesture (TernPaneHandle *self)
{
  g_return_val_if_fail (TERN_IS_PANE_HANDLE (self), NULL);

  return self->drag;
}

static void
tern_pane_handle_dispose (GObject *object)
{
  TernPaneHandle *self = TERN_PANE_HANDLE (object);

  tern_pane_handle_set_pane (self, NULL, NULL, NULL);
  g_clear_pointer (&self->separator, gtk_widget_unparent);

  G_OBJECT_CLASS (tern_pane_handle_parent_class)->dispose (object);
}

static void
tern_pane_handle_finalize (GObject *object)
{
  TernPaneHandle *self = TERN_PANE_HANDLE (object);

  g_clear_object (&self->settings);
  g_free (self->key);

  G_OBJECT_CLASS (tern_pane_handle_parent_class)->finalize (object);
}

static void
tern_pane_handle_class_init (TernPaneHandleClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = tern_pane_handle_dispose;
  object_class->finalize = tern_pane_handle_finalize;

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "panehandle");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_SEPARATOR);
}

static void
tern_pane_handle_init (TernPaneHandle *self)
{
  GtkEventController *drag = GTK_EVENT_CONTROLLER (gtk_gesture_drag_new ());

  self->separator = gtk_separator_new (GTK_ORIENTATION_VERTICAL);
  gtk_widget_set_halign (self->separator, GTK_ALIGN_CENTER);
  gtk_widget_set_parent (self->separator, GTK_WIDGET (self));
  gtk_widget_set_cursor_from_name (GTK_WIDGET (self), "col-resize");
  gtk_accessible_update_property (GTK_ACCESSIBLE (self),
                                  GTK_ACCESSIBLE_PROPERTY_ORIENTATION, GTK_ORIENTATION_VERTICAL,
                                  -1);

  self->drag = GTK_GESTURE (drag);
  gtk_gesture_single_set_button (GTK_GESTURE_SINGLE (drag), GDK_BUTTON_PRIMARY);
  gtk_event_controller_set_propagation_phase (drag, GTK_PHASE_CAPTURE);
  g_signal_connect (drag, "drag-begin", G_CALLBACK (drag_begin_cb), self);
  g_signal_connect (drag, "drag-update", G_CALLBACK (drag_update_cb), self);
  g_signal_connect (drag, "drag-end", G_CALLBACK (drag_end_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self), drag);
}

GtkWidget *
tern_pane_handle_new (void)
{
  return g_object_new (TERN_TYPE_PANE_HANDLE, NULL);
}
