/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "tern-message-view"

#include "config.h"

#include <glib/gi18n.h>
#include <glib/gstdio.h>

#include <adwaita.h>

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
  g_free (a->progress_text);
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
  g_autofree char *done_text = NULL;
  g_autofree char *total_text = NULL;
  g_autofree char *text = NULL;

  if (a == NULL)
    return;
  /* The server counts the encoded bytes (base64: a third more): say the file's own size. */
  done_text = g_format_size (total > 0 ? (guint64) ((double) done / (double) total * (double) a->size) : done);
  total_text = g_format_size (a->size);
  text = g_strdup_printf (_("%s of %s"), done_text, total_text);
  g_free (a->progress_text);
  a->progress_text = g_strdup (text);
  a->progress = total > 0 ? (double) done / (double) total : 0;
  a->updates++;
  gtk_label_set_text (GTK_LABEL (a->status), text);
  attachment_update (a);
}

/* Image attachments show below the text once here: scaled to the pane, a click opens them. */

#define INLINE_IMAGE_MAX_SIZE (10 * 1024 * 1024)

static gboolean
is_inline_image (Attachment *a)
{
  return g_str_has_prefix (a->content_type, "image/") && !g_str_equal (a->content_type, "image/svg+xml") &&
         a->size <= INLINE_IMAGE_MAX_SIZE;
}

static void
image_clicked_cb (GtkGestureClick *gesture,
                  int              n_press,
                  double           x,
                  double           y,
                  TernMessageView *self)
{
  GtkWidget *picture = gtk_event_controller_get_widget (GTK_EVENT_CONTROLLER (gesture));
  const char *uri = g_object_get_data (G_OBJECT (picture), "tern-uri");

  if (uri != NULL)
    _tern_message_view_open_uri (GTK_WIDGET (self), uri);
}

static void
show_inline_image (TernMessageView *self,
                   Attachment      *a)
{
  g_autoptr(GFile) file = NULL;
  GtkGesture *click;
  GtkWidget *picture;

  if (a->path == NULL || !is_inline_image (a) || a->inline_shown)
    return;
  file = g_file_new_for_path (a->path);
  picture = gtk_picture_new_for_file (file);
  gtk_picture_set_can_shrink (GTK_PICTURE (picture), TRUE);
  gtk_picture_set_content_fit (GTK_PICTURE (picture), GTK_CONTENT_FIT_CONTAIN);
  gtk_widget_set_halign (picture, GTK_ALIGN_START);
  gtk_widget_set_size_request (picture, -1, 240);
  gtk_widget_set_tooltip_text (picture, a->filename);
  gtk_widget_set_cursor_from_name (picture, "pointer");
  g_object_set_data_full (G_OBJECT (picture), "tern-uri", g_file_get_uri (file), g_free);
  click = gtk_gesture_click_new ();
  g_signal_connect (click, "released", G_CALLBACK (image_clicked_cb), self);
  gtk_widget_add_controller (picture, GTK_EVENT_CONTROLLER (click));
  gtk_box_append (GTK_BOX (self->images_box), picture);
  a->inline_shown = TRUE;
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
      GStatBuf st;

      /* Downloaded: the file's own size, no longer the estimate from the encoded one. */
      if (g_stat (path, &st) == 0)
        {
          a->size = (guint64) st.st_size;
          g_free (size);
          size = g_format_size (a->size);
          if (a->progress_text != NULL)
            {
              g_free (a->progress_text);
              a->progress_text = g_strdup_printf (_("%s of %s"), size, size);
            }
        }
      g_free (a->path);
      a->path = g_steal_pointer (&path);
      a->progress = 2;
      gtk_label_set_text (GTK_LABEL (a->status), size);
      show_inline_image (self, a);
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

typedef struct
{
  TernMessageView *view;
  char            *source;
  char            *name;
} SaveData;

static void
save_data_free (SaveData *d)
{
  g_object_unref (d->view);
  g_free (d->source);
  g_free (d->name);
  g_free (d);
}

static void
open_folder_cb (AdwToast  *toast,
                GtkWidget *view)
{
  const char *uri = g_object_get_data (G_OBJECT (toast), "tern-folder-uri");

  if (uri != NULL)
    _tern_message_view_open_uri (view, uri);
}

static void
save_toast (TernMessageView *self,
            const char      *text,
            GFile           *folder)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  AdwToastOverlay *overlay = root != NULL ? g_object_get_data (G_OBJECT (root), "tern-toasts") : NULL;
  AdwToast *toast = adw_toast_new (text);

  if (folder != NULL)
    {
      g_object_set_data_full (G_OBJECT (toast), "tern-folder-uri", g_file_get_uri (folder), g_free);
      adw_toast_set_button_label (toast, _("Open Folder"));
      g_signal_connect_object (toast, "button-clicked", G_CALLBACK (open_folder_cb), self, 0);
    }
  g_free (self->last_toast);
  self->last_toast = g_strdup (text);
  if (overlay != NULL)
    adw_toast_overlay_add_toast (overlay, toast);
  else
    g_object_unref (g_object_ref_sink (toast));
}

static void
save_response_cb (GtkNativeDialog *dialog,
                  int              response,
                  gpointer         user_data)
{
  SaveData *d = user_data;

  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) dest = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));
      g_autoptr(GFile) src = g_file_new_for_path (d->source);
      g_autoptr(GFile) folder = dest != NULL ? g_file_get_parent (dest) : NULL;
      g_autoptr(GError) error = NULL;

      if (dest != NULL && g_file_copy (src, dest, G_FILE_COPY_OVERWRITE, NULL, NULL, NULL, &error))
        {
          g_autofree char *text = g_strdup_printf (_("Saved “%s”"), d->name);

          save_toast (d->view, text, folder);
        }
      else
        {
          g_autofree char *text = g_strdup_printf (_("“%s” could not be saved: %s"), d->name,
                                                   error != NULL ? error->message : _("no file chosen"));

          save_toast (d->view, text, NULL);
        }
    }
  save_data_free (d);
  g_object_unref (dialog);
}

/* Where saved attachments go first: the Downloads folder (XDG), else home. */
static GFile *
downloads_folder (void)
{
  const char *dir = g_get_user_special_dir (G_USER_DIRECTORY_DOWNLOAD);
  g_autofree char *fallback = g_build_filename (g_get_home_dir (), "Downloads", NULL);

  if (dir != NULL && g_file_test (dir, G_FILE_TEST_IS_DIR))
    return g_file_new_for_path (dir);
  if (g_file_test (fallback, G_FILE_TEST_IS_DIR))
    return g_file_new_for_path (fallback);
  return g_file_new_for_path (g_get_home_dir ());
}

void
_tern_message_view_save_attachment_action (GtkWidget  *widget,
                                           const char *action_name,
                                           GVariant   *param)
{
  TernMessageView *self = TERN_MESSAGE_VIEW (widget);
  Attachment *a = get_attachment (self, param);
  GtkFileChooserNative *chooser;
  GtkRoot *root = gtk_widget_get_root (widget);
  g_autoptr(GFile) folder = downloads_folder ();
  SaveData *d;

  if (a == NULL || a->path == NULL)
    return;
  chooser = gtk_file_chooser_native_new (_("Save Attachment"), GTK_WINDOW (root),
                                         GTK_FILE_CHOOSER_ACTION_SAVE, _("_Save"), _("_Cancel"));
  gtk_file_chooser_set_current_folder (GTK_FILE_CHOOSER (chooser), folder, NULL);
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (chooser), a->filename);
  d = g_new0 (SaveData, 1);
  d->view = g_object_ref (self);
  d->source = g_strdup (a->path);
  d->name = g_strdup (a->filename);
  g_signal_connect (chooser, "response", G_CALLBACK (save_response_cb), d);
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

/* A message may carry thousands of parts: the strip lists this many, then "N More". */
#define LISTED_ATTACHMENTS 50

void
_tern_message_view_show_all_attachments_action (GtkWidget  *widget,
                                                const char *action_name,
                                                GVariant   *parameter)
{
  TernMessageView *self = TERN_MESSAGE_VIEW (widget);

  if (self->message == NULL)
    return;
  self->all_attachments_for = self->message->id;
  _tern_message_view_build_attachments (self);
}

static GtkWidget *
more_button (guint n)
{
  g_autofree char *label = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u More Attachment",
                                                         "%u More Attachments", n), n);
  GtkWidget *button = gtk_button_new_with_label (label);

  gtk_actionable_set_action_name (GTK_ACTIONABLE (button), "view.show-all-attachments");
  gtk_widget_set_tooltip_text (button, _("List every attachment of this message"));
  gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
  gtk_widget_add_css_class (button, "pill");
  gtk_widget_set_name (button, "more_attachments");
  return button;
}

void
_tern_message_view_build_attachments (TernMessageView *self)
{
  g_autoptr(GHashTable) listed_sections = g_hash_table_new (g_str_hash, g_str_equal);
  gboolean all = self->message != NULL && self->all_attachments_for == self->message->id;
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (self->attachments_box)) != NULL)
    gtk_box_remove (GTK_BOX (self->attachments_box), child);
  while ((child = gtk_widget_get_first_child (self->images_box)) != NULL)
    gtk_box_remove (GTK_BOX (self->images_box), child);
  g_clear_pointer (&self->attachments, g_ptr_array_unref);
  self->attachments = g_ptr_array_new_with_free_func ((GDestroyNotify) _tern_message_view_attachment_free);
  self->n_hidden_attachments = 0;

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
      /* A part is listed once, however the cache came to name it twice. */
      if (!g_hash_table_add (listed_sections, p->section))
        {
          g_debug ("part %s of message %" G_GINT64_FORMAT " is listed twice in the cache",
                   p->section, self->message->id);
          continue;
        }
      if (!all && self->attachments->len >= LISTED_ATTACHMENTS)
        {
          self->n_hidden_attachments++;
          continue;
        }
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
  if (self->n_hidden_attachments > 0)
    gtk_box_append (GTK_BOX (self->attachments_box), more_button (self->n_hidden_attachments));
  gtk_widget_set_visible (self->attachments_strip, self->attachments->len > 0);

  /* Images not here yet come by themselves when the account is online. */
  {
    g_autoptr(TernFolder) folder = tern_store_get_folder_by_id (tern_application_get_store (self->app),
                                                                self->message->folder_id, NULL);
    TernAccountWorker *worker = folder ? tern_application_get_worker (self->app, folder->account_id) : NULL;

    for (guint i = 0; worker != NULL && tern_account_worker_get_reachable (worker) &&
                      i < self->attachments->len; i++)
      {
        Attachment *a = self->attachments->pdata[i];

        if (a->path == NULL && is_inline_image (a))
          gtk_widget_activate_action (GTK_WIDGET (self), "view.download", "u", a->index);
      }
  }
}

