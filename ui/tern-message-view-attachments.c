/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "tern-message-view"

#include "config.h"

#include <glib/gi18n.h>

#include "tern-message-view-private.h"

/* Attachments. */

void
_tern_message_view_attachment_free (Attachment *a)
{
  if (a->cancellable != NULL)
    g_cancellable_cancel (a->cancellable);
  g_clear_object (&a->cancellable);
  g_free (a->section);
  g_free (a->filename);
  g_free (a->content_type);
  g_free (a->path);
  g_free (a);
}

static void
attachment_update (Attachment *a)
{
  gboolean downloading = a->cancellable != NULL;
  gboolean done = a->path != NULL;

  gtk_widget_set_visible (a->bar, downloading);
  gtk_widget_set_visible (a->download, !downloading && !done);
  gtk_widget_set_visible (a->cancel, downloading);
  gtk_widget_set_visible (a->open, done);
  gtk_widget_set_visible (a->save, done);
  if (downloading)
    gtk_progress_bar_set_fraction (GTK_PROGRESS_BAR (a->bar), MAX (a->progress, 0));
}

static Attachment *
find_attachment (TernMessageView *self,
                 GCancellable    *cancellable)
{
  for (guint i = 0; cancellable != NULL && self->attachments != NULL && i < self->attachments->len; i++)
    {
      Attachment *a = self->attachments->pdata[i];

      if (a->cancellable == cancellable)
        return a;
    }
  return NULL;
}

/* What a download's progress callback holds: the view and the download's cancellable, by
 * which it finds its attachment (gone if the user moved on to another message). */
typedef struct
{
  TernMessageView *view;
  GCancellable    *cancellable;
} ProgressTarget;

static void
progress_target_free (ProgressTarget *t)
{
  g_object_unref (t->view);
  g_object_unref (t->cancellable);
  g_free (t);
}

static void
part_progress_cb (guint64  done,
                  guint64  total,
                  gpointer user_data)
{
  ProgressTarget *t = user_data;
  Attachment *a = find_attachment (t->view, t->cancellable);
  g_autofree char *done_text = g_format_size (done);
  g_autofree char *total_text = g_format_size (total);
  g_autofree char *text = g_strdup_printf (_("%s of %s"), done_text, total_text);

  if (a == NULL)
    return;
  a->progress = total > 0 ? (double) done / (double) total : 0;
  a->updates++;
  gtk_label_set_text (GTK_LABEL (a->status), text);
  attachment_update (a);
}

static void
set_attachment_done (TernMessageView *self,
                     Attachment      *a)
{
  TernStore *store = tern_application_get_store (self->app);
  g_autofree char *path = NULL;
  g_autofree char *size = g_format_size (a->size);
  gboolean complete = FALSE;

  if (tern_store_get_part_file (store, self->message_id, a->section, &path, NULL, &complete) &&
      complete && path != NULL && g_file_test (path, G_FILE_TEST_EXISTS))
    {
      g_free (a->path);
      a->path = g_steal_pointer (&path);
      a->progress = 2;
      gtk_label_set_text (GTK_LABEL (a->status), size);
    }
}

static void
part_fetched_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TernMessageView) self = user_data;
  gboolean ok = tern_account_worker_fetch_part_finish (TERN_ACCOUNT_WORKER (source), result, &error);
  Attachment *a = NULL;

  /* The message may have changed meanwhile: find the attachment by its cancellable. */
  a = find_attachment (self, g_task_get_cancellable (G_TASK (result)));
  if (a == NULL)
    return;

  g_clear_object (&a->cancellable);
  if (ok)
    set_attachment_done (self, a);
  else if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      a->progress = -1;
      gtk_label_set_text (GTK_LABEL (a->status), _("Cancelled"));
    }
  else
    {
      a->progress = -1;
      if (g_error_matches (error, TERN_SYNC_ERROR, TERN_SYNC_ERROR_OFFLINE))
        gtk_label_set_text (GTK_LABEL (a->status), _("Not available offline"));
      else
        gtk_label_set_text (GTK_LABEL (a->status), error->message);
    }
  attachment_update (a);
}

static Attachment *
get_attachment (TernMessageView *self,
                GVariant        *param)
{
  guint index = g_variant_get_uint32 (param);

  if (self->attachments == NULL || index >= self->attachments->len)
    return NULL;
  return self->attachments->pdata[index];
}

void
_tern_message_view_download_action (GtkWidget  *widget,
                 const char *action_name,
                 GVariant   *param)
{
  TernMessageView *self = TERN_MESSAGE_VIEW (widget);
  Attachment *a = get_attachment (self, param);
  TernAccountWorker *worker;
  g_autoptr(TernFolder) folder = NULL;

  if (a == NULL || a->cancellable != NULL || a->path != NULL || self->message == NULL)
    return;
  folder = tern_store_get_folder_by_id (tern_application_get_store (self->app),
                                        self->message->folder_id, NULL);
  worker = folder ? tern_application_get_worker (self->app, folder->account_id) : NULL;
  if (worker == NULL)
    return;
  a->cancellable = g_cancellable_new ();
  a->progress = 0;
  a->updates = 0;
  gtk_label_set_text (GTK_LABEL (a->status), _("Starting…"));
  attachment_update (a);
  {
    ProgressTarget *t = g_new0 (ProgressTarget, 1);

    t->view = g_object_ref (self);
    t->cancellable = g_object_ref (a->cancellable);
    tern_account_worker_fetch_part_async (worker, self->message_id, a->section, NULL,
                                          part_progress_cb, t,
                                          (GDestroyNotify) progress_target_free,
                                          a->cancellable, part_fetched_cb, g_object_ref (self));
  }
}

void
_tern_message_view_cancel_download_action (GtkWidget  *widget,
                        const char *action_name,
                        GVariant   *param)
{
  Attachment *a = get_attachment (TERN_MESSAGE_VIEW (widget), param);

  if (a != NULL && a->cancellable != NULL)
    g_cancellable_cancel (a->cancellable);
}

void
_tern_message_view_open_attachment_action (GtkWidget  *widget,
                        const char *action_name,
                        GVariant   *param)
{
  Attachment *a = get_attachment (TERN_MESSAGE_VIEW (widget), param);
  g_autofree char *uri = NULL;

  if (a == NULL || a->path == NULL)
    return;
  uri = g_filename_to_uri (a->path, NULL, NULL);
  if (uri != NULL)
    _tern_message_view_open_uri (widget, uri);
}

static void
save_response_cb (GtkNativeDialog *dialog,
                  int              response,
                  gpointer         user_data)
{
  char *source = user_data;

  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) dest = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));
      g_autoptr(GFile) src = g_file_new_for_path (source);
      g_autoptr(GError) error = NULL;

      if (!g_file_copy (src, dest, G_FILE_COPY_OVERWRITE, NULL, NULL, NULL, &error))
        g_debug ("Cannot save: %s", error->message);
    }
  g_free (source);
  g_object_unref (dialog);
}

void
_tern_message_view_save_attachment_action (GtkWidget  *widget,
                        const char *action_name,
                        GVariant   *param)
{
  Attachment *a = get_attachment (TERN_MESSAGE_VIEW (widget), param);
  GtkFileChooserNative *chooser;
  GtkRoot *root = gtk_widget_get_root (widget);

  if (a == NULL || a->path == NULL)
    return;
  chooser = gtk_file_chooser_native_new (_("Save Attachment"), GTK_WINDOW (root),
                                         GTK_FILE_CHOOSER_ACTION_SAVE, _("_Save"), _("_Cancel"));
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (chooser), a->filename);
  g_signal_connect (chooser, "response", G_CALLBACK (save_response_cb), g_strdup (a->path));
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}

static GtkWidget *
small_button (const char *icon,
              const char *tooltip,
              const char *action,
              guint       index)
{
  GtkWidget *button = gtk_button_new_from_icon_name (icon);

  gtk_widget_set_tooltip_text (button, tooltip);
  gtk_actionable_set_action_name (GTK_ACTIONABLE (button), action);
  gtk_actionable_set_action_target_value (GTK_ACTIONABLE (button), g_variant_new_uint32 (index));
  gtk_widget_add_css_class (button, "flat");
  gtk_widget_add_css_class (button, "circular");
  gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
  return button;
}

static gboolean
is_attachment (const TernPart *p)
{
  if (g_strcmp0 (p->type, "multipart") == 0 || g_strcmp0 (p->type, "message") == 0)
    return FALSE;
  if (p->disposition != NULL && g_ascii_strcasecmp (p->disposition, "attachment") == 0)
    return TRUE;
  return p->filename != NULL && g_strcmp0 (p->type, "text") != 0 &&
         (p->disposition == NULL || g_ascii_strcasecmp (p->disposition, "inline") != 0 ||
          p->content_id == NULL);
}

void
_tern_message_view_build_attachments (TernMessageView *self)
{
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (self->attachments_box)) != NULL)
    gtk_box_remove (GTK_BOX (self->attachments_box), child);
  g_clear_pointer (&self->attachments, g_ptr_array_unref);
  self->attachments = g_ptr_array_new_with_free_func ((GDestroyNotify) _tern_message_view_attachment_free);

  for (guint i = 0; self->message->parts != NULL && i < self->message->parts->len; i++)
    {
      const TernPart *p = self->message->parts->pdata[i];
      Attachment *a;
      g_autofree char *mime = NULL;
      g_autofree char *size = NULL;
      g_autoptr(GIcon) icon = NULL;
      GtkWidget *box, *labels, *name;

      if (!is_attachment (p))
        continue;
      a = g_new0 (Attachment, 1);
      a->view = self;
      a->index = self->attachments->len;
      a->section = g_strdup (p->section);
      a->filename = g_strdup (p->filename ? p->filename : _("attachment"));
      /* BODYSTRUCTURE gives the encoded size: base64 lines of 76 carry 57 bytes in 78. */
      a->size = p->encoding != NULL && g_ascii_strcasecmp (p->encoding, "base64") == 0
                ? p->size / 78 * 57 : p->size;
      a->progress = -1;
      mime = g_strdup_printf ("%s/%s", p->type ? p->type : "application",
                              p->subtype ? p->subtype : "octet-stream");
      a->content_type = g_ascii_strdown (mime, -1);
      size = g_format_size (a->size);

      box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 8);
      gtk_widget_add_css_class (box, "card");
      gtk_widget_set_size_request (box, 240, -1);
      icon = g_content_type_get_symbolic_icon (a->content_type);
      child = gtk_image_new_from_gicon (icon);
      gtk_image_set_icon_size (GTK_IMAGE (child), GTK_ICON_SIZE_LARGE);
      gtk_widget_set_margin_start (child, 8);
      gtk_box_append (GTK_BOX (box), child);

      labels = gtk_box_new (GTK_ORIENTATION_VERTICAL, 2);
      gtk_widget_set_hexpand (labels, TRUE);
      gtk_widget_set_margin_top (labels, 6);
      gtk_widget_set_margin_bottom (labels, 6);
      gtk_box_append (GTK_BOX (box), labels);
      name = gtk_label_new (a->filename);
      gtk_label_set_xalign (GTK_LABEL (name), 0);
      gtk_label_set_ellipsize (GTK_LABEL (name), PANGO_ELLIPSIZE_MIDDLE);
      gtk_label_set_max_width_chars (GTK_LABEL (name), 24);
      gtk_box_append (GTK_BOX (labels), name);
      a->status = gtk_label_new (size);
      gtk_label_set_xalign (GTK_LABEL (a->status), 0);
      gtk_widget_add_css_class (a->status, "dim-label");
      gtk_widget_add_css_class (a->status, "caption");
      gtk_box_append (GTK_BOX (labels), a->status);
      a->bar = gtk_progress_bar_new ();
      gtk_box_append (GTK_BOX (labels), a->bar);

      a->download = small_button ("folder-download-symbolic", _("Download"), "view.download", a->index);
      a->cancel = small_button ("process-stop-symbolic", _("Cancel Download"), "view.cancel-download", a->index);
      a->open = small_button ("document-open-symbolic", _("Open"), "view.open-attachment", a->index);
      a->save = small_button ("document-save-symbolic", _("Save…"), "view.save-attachment", a->index);
      gtk_widget_set_margin_end (a->save, 6);
      gtk_widget_set_margin_end (a->download, 6);
      gtk_widget_set_margin_end (a->cancel, 6);
      gtk_box_append (GTK_BOX (box), a->download);
      gtk_box_append (GTK_BOX (box), a->cancel);
      gtk_box_append (GTK_BOX (box), a->open);
      gtk_box_append (GTK_BOX (box), a->save);
      a->card = box;
      gtk_box_append (GTK_BOX (self->attachments_box), box);
      g_ptr_array_add (self->attachments, a);
      set_attachment_done (self, a);
      attachment_update (a);
    }
  gtk_widget_set_visible (self->attachments_strip, self->attachments->len > 0);
}

