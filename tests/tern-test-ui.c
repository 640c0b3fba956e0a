/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "tern-test-ui"

#include "config.h"

#include "tern-test-ui.h"

gboolean
tern_test_ui_wait_for (gboolean (*cond) (gpointer),
                       gpointer   data,
                       guint      seconds)
{
  gint64 end = g_get_monotonic_time () + (gint64) seconds * G_USEC_PER_SEC;

  while (!cond (data))
    {
      if (g_get_monotonic_time () > end)
        return FALSE;
      g_main_context_iteration (NULL, FALSE);
      g_usleep (2000);
    }
  return TRUE;
}

static gboolean
true_after_cb (gpointer data)
{
  return g_get_monotonic_time () >= *(gint64 *) data;
}

void
tern_test_ui_spin (guint ms)
{
  gint64 until = g_get_monotonic_time () + (gint64) ms * 1000;

  tern_test_ui_wait_for (true_after_cb, &until, 60);
}

TernApplication *
tern_test_ui_start_app (const char  *dir,
                        gboolean     offline,
                        TernWindow **window_out)
{
  static guint serial;
  g_autoptr(GError) error = NULL;
  g_autofree char *app_id = g_strdup_printf ("org.gnome.Tern.Test%u", ++serial);
  TernApplication *app = tern_application_new ();

  g_application_set_application_id (G_APPLICATION (app), app_id);
  g_application_set_flags (G_APPLICATION (app),
                           g_application_get_flags (G_APPLICATION (app)) | G_APPLICATION_NON_UNIQUE);
  g_assert_true (tern_application_open_cache (app, dir, &error));
  g_assert_no_error (error);
  g_assert_true (g_application_register (G_APPLICATION (app), NULL, &error));
  g_assert_no_error (error);
  tern_application_set_work_offline (app, offline);
  g_application_activate (G_APPLICATION (app));
  *window_out = TERN_WINDOW (gtk_application_get_active_window (GTK_APPLICATION (app)));
  g_assert_nonnull (*window_out);
  return app;
}

void
tern_test_ui_stop_workers (TernApplication *app)
{
  g_autoptr(GPtrArray) workers = NULL;

  if (app == NULL)
    return;
  workers = tern_application_list_workers (app);
  for (guint i = 0; i < workers->len; i++)
    tern_account_worker_stop (workers->pdata[i]);
}

gboolean
tern_test_ui_worker_online (TernApplication *app)
{
  g_autoptr(GPtrArray) workers = tern_application_list_workers (app);

  return workers->len > 0 && tern_account_worker_get_state (workers->pdata[0]) == TERN_ACCOUNT_STATE_ONLINE;
}

GtkWidget *
tern_test_ui_find_named (GtkWidget  *root,
                         const char *name)
{
  /* A widget's name, or its id in the .ui file. */
  if (g_strcmp0 (gtk_widget_get_name (root), name) == 0 ||
      g_strcmp0 (gtk_buildable_get_buildable_id (GTK_BUILDABLE (root)), name) == 0)
    return root;
  for (GtkWidget *child = gtk_widget_get_first_child (root); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = tern_test_ui_find_named (child, name);

      if (found != NULL)
        return found;
    }
  return NULL;
}

GtkWindow *
tern_test_ui_find_toplevel (GType type)
{
  GListModel *toplevels = gtk_window_get_toplevels ();

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GObject) w = g_list_model_get_item (toplevels, i);

      if (G_TYPE_CHECK_INSTANCE_TYPE (w, type) && gtk_widget_get_visible (GTK_WIDGET (w)))
        return GTK_WINDOW (w);
    }
  return NULL;
}
