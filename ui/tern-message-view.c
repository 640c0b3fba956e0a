/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "tern-message-view"

#include "config.h"

#include <adwaita.h>
#include <glib/gi18n.h>
#include <webkit/webkit.h>

#include "tern-format.h"
#include "tern-message-row.h"
#include "tern-message-view.h"

/*
 * The reading pane. The body comes from the cache; if it is not there it is fetched
 * through the account's worker (that part only), and offline a notice says so plainly.
 * HTML is shown in a WebKitWebView with JavaScript off and remote content blocked twice
 * over: a Content-Security-Policy that allows only inline and data: resources, and a
 * WebKitUserContentFilter that blocks every http(s) load. "Load" lifts both for the
 * message shown. Links never navigate inside the view: they open in the browser.
 */

#define CSP_BLOCKED "default-src 'none'; style-src 'unsafe-inline' data:; img-src data: cid:; " \
                    "font-src data:; media-src data:"
#define CSP_REMOTE  "default-src 'none'; style-src 'unsafe-inline' data: http: https:; " \
                    "img-src data: cid: http: https:; font-src data: http: https:; media-src data:"

typedef struct
{
  TernMessageView *view;      /* unowned: the attachment lives in the view */
  guint            index;
  char            *section;
  char            *filename;
  char            *content_type;
  guint64          size;
  char            *path;      /* when downloaded */
  GCancellable    *cancellable;
  double           progress;
  guint            updates;
  GtkWidget       *card;
  GtkWidget       *bar;
  GtkWidget       *status;
  GtkWidget       *download;
  GtkWidget       *cancel;
  GtkWidget       *open;
  GtkWidget       *save;
} Attachment;

struct _TernMessageView
{
  GtkWidget             parent_instance;

  /* Owned. */
  GCancellable         *cancellable;     /* the body fetch of the message shown */
  GPtrArray            *attachments;     /* Attachment */
  char                 *html;
  TernMessage          *message;

  /* Borrowed. */
  TernApplication      *app;

  /* Children. */
  GtkWidget            *stack;
  GtkWidget            *empty_page;
  GtkWidget            *subject;
  GtkWidget            *from;
  GtkWidget            *to;
  GtkWidget            *date;
  GtkWidget            *remote_bar;
  GtkWidget            *draft_bar;
  GtkWidget            *attachments_strip;
  GtkWidget            *attachments_box;
  GtkWidget            *body_stack;
  GtkWidget            *text_view;
  GtkWidget            *web_view;
  GtkWidget            *notice;

  gint64                message_id;
  TernMessageViewState  state;
  gboolean              remote_blocked;
  gboolean              remote_allowed;
};

G_DEFINE_FINAL_TYPE (TernMessageView, tern_message_view, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_STATE,
  PROP_REMOTE_BLOCKED,
  N_PROPS
};

static GParamSpec *properties [N_PROPS];
static WebKitUserContentFilter *block_filter;

static void set_state (TernMessageView *self, TernMessageViewState state);
static void load_body (TernMessageView *self);

/* Opening links: never inside the app, but for mailto: links, which open a composer. */

static void
open_uri (GtkWidget  *widget,
          const char *uri)
{
  g_autoptr(GError) error = NULL;
  const char *log = g_getenv ("TERN_TEST_URI_LOG");

  if (g_ascii_strncasecmp (uri, "mailto:", 7) == 0 &&
      gtk_widget_activate_action (widget, "app.compose-mailto", "s", uri))
    return;

  if (log != NULL)
    {
      /* Tests record what would have opened instead of starting a browser. */
      g_autofree char *line = g_strdup_printf ("%s\n", uri);
      g_autoptr(GFile) file = g_file_new_for_path (log);
      g_autoptr(GFileOutputStream) out = g_file_append_to (file, G_FILE_CREATE_NONE, NULL, NULL);

      if (out != NULL)
        g_output_stream_write_all (G_OUTPUT_STREAM (out), line, strlen (line), NULL, NULL, NULL);
      return;
    }
  if (!g_app_info_launch_default_for_uri (uri, NULL, &error))
    g_debug ("Cannot open %s: %s", uri, error->message);
}

/* The content filter: compiled once per process into the cache folder. */

static void
filter_ready_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(GError) error = NULL;
  WebKitUserContentFilter *filter;

  filter = webkit_user_content_filter_store_save_finish (WEBKIT_USER_CONTENT_FILTER_STORE (source),
                                                         result, &error);
  if (filter == NULL)
    {
      g_debug ("Content filter not compiled: %s", error->message);
      return;
    }
  block_filter = filter;
}

static void
ensure_filter (void)
{
  static gboolean started;
  g_autofree char *dir = NULL;
  g_autoptr(WebKitUserContentFilterStore) store = NULL;
  g_autoptr(GBytes) rules = NULL;
  static const char json[] =
    "[{\"trigger\":{\"url-filter\":\"^https?:\"},\"action\":{\"type\":\"block\"}},"
    "{\"trigger\":{\"url-filter\":\"^wss?:\"},\"action\":{\"type\":\"block\"}},"
    "{\"trigger\":{\"url-filter\":\"^ftp:\"},\"action\":{\"type\":\"block\"}}]";

  if (started)
    return;
  started = TRUE;
  dir = g_build_filename (g_get_user_cache_dir (), "tern", "content-filters", NULL);
  store = webkit_user_content_filter_store_new (dir);
  rules = g_bytes_new_static (json, sizeof json - 1);
  webkit_user_content_filter_store_save (store, "tern-block-remote", rules, NULL,
                                         filter_ready_cb, NULL);
}

/* Attachments. */

static void
attachment_free (Attachment *a)
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

static void
download_action (GtkWidget  *widget,
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

static void
cancel_download_action (GtkWidget  *widget,
                        const char *action_name,
                        GVariant   *param)
{
  Attachment *a = get_attachment (TERN_MESSAGE_VIEW (widget), param);

  if (a != NULL && a->cancellable != NULL)
    g_cancellable_cancel (a->cancellable);
}

static void
open_attachment_action (GtkWidget  *widget,
                        const char *action_name,
                        GVariant   *param)
{
  Attachment *a = get_attachment (TERN_MESSAGE_VIEW (widget), param);
  g_autofree char *uri = NULL;

  if (a == NULL || a->path == NULL)
    return;
  uri = g_filename_to_uri (a->path, NULL, NULL);
  if (uri != NULL)
    open_uri (widget, uri);
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

static void
save_attachment_action (GtkWidget  *widget,
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

static void
build_attachments (TernMessageView *self)
{
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (self->attachments_box)) != NULL)
    gtk_box_remove (GTK_BOX (self->attachments_box), child);
  g_clear_pointer (&self->attachments, g_ptr_array_unref);
  self->attachments = g_ptr_array_new_with_free_func ((GDestroyNotify) attachment_free);

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

/* Plain text with clickable links. */

static void
set_plain_text (TernMessageView *self,
                const char      *text)
{
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (GTK_TEXT_VIEW (self->text_view));
  static GRegex *links;
  g_autoptr(GMatchInfo) match = NULL;
  GtkTextIter start, end;

  if (links == NULL)
    links = g_regex_new ("\\b(?:https?://|mailto:|www\\.)[^\\s<>\"]*[^\\s<>\".,;:!?)\\]']",
                         G_REGEX_CASELESS | G_REGEX_OPTIMIZE, 0, NULL);
  gtk_text_buffer_set_text (buffer, text ? text : "", -1);

  g_regex_match (links, text ? text : "", 0, &match);
  while (g_match_info_matches (match))
    {
      int s, e;
      g_autofree char *uri = g_match_info_fetch (match, 0);
      GtkTextTag *tag;

      g_match_info_fetch_pos (match, 0, &s, &e);
      tag = gtk_text_buffer_create_tag (buffer, NULL, "underline", PANGO_UNDERLINE_SINGLE,
                                        "foreground", "#1c71d8", NULL);
      g_object_set_data_full (G_OBJECT (tag), "uri",
                              g_str_has_prefix (uri, "www.") ? g_strconcat ("https://", uri, NULL)
                                                             : g_strdup (uri),
                              g_free);
      gtk_text_buffer_get_iter_at_offset (buffer, &start,
                                          (int) g_utf8_pointer_to_offset (text, text + s));
      gtk_text_buffer_get_iter_at_offset (buffer, &end,
                                          (int) g_utf8_pointer_to_offset (text, text + e));
      gtk_text_buffer_apply_tag (buffer, tag, &start, &end);
      g_match_info_next (match, NULL);
    }
}

static void
text_released_cb (GtkGestureClick *gesture,
                  int              n_press,
                  double           x,
                  double           y,
                  TernMessageView *self)
{
  GtkTextView *view = GTK_TEXT_VIEW (self->text_view);
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (view);
  GtkTextIter start, end, iter;
  int bx, by;
  GSList *tags;

  /* Not when the user selected text. */
  if (gtk_text_buffer_get_selection_bounds (buffer, &start, &end))
    return;
  gtk_text_view_window_to_buffer_coords (view, GTK_TEXT_WINDOW_WIDGET, (int) x, (int) y, &bx, &by);
  if (!gtk_text_view_get_iter_at_location (view, &iter, bx, by))
    return;
  tags = gtk_text_iter_get_tags (&iter);
  for (GSList *l = tags; l != NULL; l = l->next)
    {
      const char *uri = g_object_get_data (l->data, "uri");

      if (uri != NULL)
        {
          open_uri (GTK_WIDGET (self), uri);
          break;
        }
    }
  g_slist_free (tags);
}

/* HTML. */

static gboolean
has_remote_content (const char *html)
{
  static GRegex *remote;

  if (remote == NULL)
    remote = g_regex_new ("(?:\\b(?:src|background|poster|srcset)\\s*=\\s*[\"']?\\s*(?:https?:)?//)|"
                          "(?:url\\(\\s*[\"']?\\s*(?:https?:)?//)|(?:@import)|"
                          "(?:<link\\b[^>]*\\bhref\\s*=\\s*[\"']?\\s*(?:https?:)?//)",
                          G_REGEX_CASELESS | G_REGEX_OPTIMIZE, 0, NULL);
  return g_regex_match (remote, html, 0, NULL);
}

/* The document with our CSP first in its head. */
static char *
with_csp (const char *html,
          gboolean    allow_remote)
{
  g_autofree char *meta = g_strdup_printf ("<meta http-equiv=\"Content-Security-Policy\" "
                                           "content=\"%s\">",
                                           allow_remote ? CSP_REMOTE : CSP_BLOCKED);
  const char *head = NULL;
  const char *p;

  for (p = html; p != NULL && (p = strchr (p, '<')) != NULL; p++)
    if (g_ascii_strncasecmp (p, "<head", 5) == 0 && (p[5] == '>' || g_ascii_isspace (p[5])))
      {
        head = strchr (p, '>');
        break;
      }
  if (head != NULL)
    return g_strdup_printf ("%.*s%s%s", (int) (head + 1 - html), html, meta, head + 1);
  /* No head: a meta before anything else starts one, after a doctype if there is one. */
  if (g_ascii_strncasecmp (html, "<!doctype", 9) == 0 && (p = strchr (html, '>')) != NULL)
    return g_strdup_printf ("%.*s%s%s", (int) (p + 1 - html), html, meta, p + 1);
  return g_strconcat (meta, html, NULL);
}

static gboolean
decide_policy_cb (WebKitWebView            *web_view,
                  WebKitPolicyDecision     *decision,
                  WebKitPolicyDecisionType  type,
                  TernMessageView          *self)
{
  if (type == WEBKIT_POLICY_DECISION_TYPE_NAVIGATION_ACTION ||
      type == WEBKIT_POLICY_DECISION_TYPE_NEW_WINDOW_ACTION)
    {
      WebKitNavigationAction *action =
        webkit_navigation_policy_decision_get_navigation_action (WEBKIT_NAVIGATION_POLICY_DECISION (decision));
      WebKitURIRequest *request = webkit_navigation_action_get_request (action);
      const char *uri = webkit_uri_request_get_uri (request);

      /* Our own load_html() is the only navigation allowed inside the view. */
      if (type == WEBKIT_POLICY_DECISION_TYPE_NAVIGATION_ACTION &&
          webkit_navigation_action_get_navigation_type (action) == WEBKIT_NAVIGATION_TYPE_OTHER &&
          g_str_has_prefix (uri, "about:"))
        {
          webkit_policy_decision_use (decision);
          return TRUE;
        }
      webkit_policy_decision_ignore (decision);
      if (webkit_navigation_action_is_user_gesture (action) ||
          webkit_navigation_action_get_navigation_type (action) == WEBKIT_NAVIGATION_TYPE_LINK_CLICKED)
        open_uri (GTK_WIDGET (self), uri);
      return TRUE;
    }
  return FALSE;
}

static void
ensure_web_view (TernMessageView *self)
{
  WebKitSettings *settings;
  WebKitUserContentManager *manager;
  g_autoptr(WebKitNetworkSession) session = NULL;

  if (self->web_view != NULL)
    return;

  session = webkit_network_session_new_ephemeral ();
  manager = webkit_user_content_manager_new ();
  settings = webkit_settings_new ();
  webkit_settings_set_enable_javascript (settings, FALSE);
  webkit_settings_set_enable_javascript_markup (settings, FALSE);
  webkit_settings_set_javascript_can_open_windows_automatically (settings, FALSE);
  webkit_settings_set_enable_html5_local_storage (settings, FALSE);
  webkit_settings_set_enable_html5_database (settings, FALSE);
  webkit_settings_set_enable_page_cache (settings, FALSE);
  webkit_settings_set_enable_webaudio (settings, FALSE);
  webkit_settings_set_enable_webgl (settings, FALSE);
  webkit_settings_set_enable_media (settings, FALSE);
  webkit_settings_set_hardware_acceleration_policy (settings, WEBKIT_HARDWARE_ACCELERATION_POLICY_NEVER);

  self->web_view = g_object_new (WEBKIT_TYPE_WEB_VIEW,
                                 "network-session", session,
                                 "user-content-manager", manager,
                                 "settings", settings,
                                 NULL);
  g_object_unref (manager);
  g_object_unref (settings);
  gtk_widget_set_vexpand (self->web_view, TRUE);
  g_signal_connect (self->web_view, "decide-policy", G_CALLBACK (decide_policy_cb), self);
  gtk_stack_add_named (GTK_STACK (self->body_stack), self->web_view, "html");
}

/* A user style sheet that lines HTML up with the headers and plain-text messages: the text
 * view's margins instead of WebKit's 8 px, and the UI font instead of WebKit's. User
 * declarations lose to the message's own (the font sits on the root, so that a message's
 * html or body rule still wins over it), and need nothing the CSP would block. */
static WebKitUserStyleSheet *
dup_default_style (TernMessageView *self)
{
  GtkSettings *gtk_settings = gtk_widget_get_settings (GTK_WIDGET (self));
  g_autofree char *font_name = NULL;
  g_autoptr(PangoFontDescription) font = NULL;
  g_autoptr(GString) css = g_string_new ("body { margin: 12px 18px; }\n");

  g_object_get (gtk_settings, "gtk-font-name", &font_name, NULL);
  font = pango_font_description_from_string (font_name != NULL ? font_name : "Sans 10");
  g_string_append (css, "html { font-family: ");
  if (pango_font_description_get_family (font) != NULL)
    {
      g_autofree char *family = g_strescape (pango_font_description_get_family (font), NULL);

      g_string_append_printf (css, "\"%s\", ", family);
    }
  g_string_append (css, "sans-serif;");
  if (pango_font_description_get_size (font) > 0)
    {
      char size[G_ASCII_DTOSTR_BUF_SIZE];

      g_ascii_dtostr (size, sizeof size, (double) pango_font_description_get_size (font) / PANGO_SCALE);
      g_string_append_printf (css, " font-size: %s%s;", size,
                              pango_font_description_get_size_is_absolute (font) ? "px" : "pt");
    }
  g_string_append (css, " }\n");

  return webkit_user_style_sheet_new (css->str, WEBKIT_USER_CONTENT_INJECT_TOP_FRAME,
                                      WEBKIT_USER_STYLE_LEVEL_USER, NULL, NULL);
}

static void
show_html (TernMessageView *self)
{
  WebKitUserContentManager *manager;
  g_autoptr(WebKitUserStyleSheet) style = NULL;
  g_autofree char *doc = NULL;

  ensure_web_view (self);
  manager = webkit_web_view_get_user_content_manager (WEBKIT_WEB_VIEW (self->web_view));
  webkit_user_content_manager_remove_all_filters (manager);
  if (!self->remote_allowed && block_filter != NULL)
    webkit_user_content_manager_add_filter (manager, block_filter);
  /* Built again for each message: the UI font may have changed since. */
  style = dup_default_style (self);
  webkit_user_content_manager_remove_all_style_sheets (manager);
  webkit_user_content_manager_add_style_sheet (manager, style);

  doc = with_csp (self->html, self->remote_allowed);
  webkit_web_view_load_html (WEBKIT_WEB_VIEW (self->web_view), doc, NULL);
  gtk_stack_set_visible_child_name (GTK_STACK (self->body_stack), "html");

  self->remote_blocked = !self->remote_allowed && has_remote_content (self->html);
  gtk_widget_set_visible (self->remote_bar, self->remote_blocked);
  g_object_notify_by_pspec (G_OBJECT (self), properties [PROP_REMOTE_BLOCKED]);
}

static void
load_remote_action (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *param)
{
  TernMessageView *self = TERN_MESSAGE_VIEW (widget);

  if (self->html == NULL || self->remote_allowed)
    return;
  self->remote_allowed = TRUE;
  show_html (self);
}

/* The message. */

static void
set_state (TernMessageView      *self,
           TernMessageViewState  state)
{
  if (self->state != state)
    {
      self->state = state;
      g_object_notify_by_pspec (G_OBJECT (self), properties [PROP_STATE]);
    }
}

static void
show_notice (TernMessageView      *self,
             TernMessageViewState  state,
             const char           *icon,
             const char           *title,
             const char           *description)
{
  adw_status_page_set_icon_name (ADW_STATUS_PAGE (self->notice), icon);
  adw_status_page_set_title (ADW_STATUS_PAGE (self->notice), title);
  adw_status_page_set_description (ADW_STATUS_PAGE (self->notice), description);
  gtk_stack_set_visible_child_name (GTK_STACK (self->body_stack), "notice");
  set_state (self, state);
}

static void
show_body (TernMessageView *self,
           TernBody        *body)
{
  g_clear_pointer (&self->html, g_free);
  if (g_strcmp0 (body->content_type, "text/html") == 0)
    {
      self->html = g_strdup (body->text);
      show_html (self);
      set_state (self, TERN_MESSAGE_VIEW_HTML);
    }
  else
    {
      set_plain_text (self, body->text);
      gtk_stack_set_visible_child_name (GTK_STACK (self->body_stack), "text");
      self->remote_blocked = FALSE;
      gtk_widget_set_visible (self->remote_bar, FALSE);
      set_state (self, TERN_MESSAGE_VIEW_TEXT);
    }
}

static TernAccountWorker *
worker_for_message (TernMessageView *self)
{
  g_autoptr(TernFolder) folder = NULL;

  if (self->message == NULL)
    return NULL;
  folder = tern_store_get_folder_by_id (tern_application_get_store (self->app),
                                        self->message->folder_id, NULL);
  return folder ? tern_application_get_worker (self->app, folder->account_id) : NULL;
}

static void
show_offline_notice (TernMessageView *self)
{
  show_notice (self, TERN_MESSAGE_VIEW_NOT_AVAILABLE, "network-offline-symbolic",
               _("Not Available Offline"),
               _("This message has not been downloaded yet, and Tern is offline. "
                 "It will open once the connection is back."));
}

static void
text_fetched_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(TernMessageView) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(TernBody) body = NULL;

  if (!tern_account_worker_fetch_text_finish (TERN_ACCOUNT_WORKER (source), result, &error))
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) || self->message_id == 0)
        return;
      if (g_error_matches (error, TERN_SYNC_ERROR, TERN_SYNC_ERROR_OFFLINE) ||
          g_error_matches (error, TERN_SYNC_ERROR, TERN_SYNC_ERROR_TRANSIENT))
        show_offline_notice (self);
      else
        show_notice (self, TERN_MESSAGE_VIEW_ERROR, "dialog-error-symbolic",
                     _("The Message Could Not Be Loaded"), error->message);
      return;
    }
  if (self->message_id == 0)
    return;
  body = tern_store_get_body (tern_application_get_store (self->app), self->message_id, &error);
  if (body != NULL)
    show_body (self, body);
  else
    show_notice (self, TERN_MESSAGE_VIEW_ERROR, "dialog-error-symbolic",
                 _("The Message Could Not Be Loaded"),
                 error ? error->message : _("The server sent no text for it."));
}

static void
load_body (TernMessageView *self)
{
  TernStore *store = tern_application_get_store (self->app);
  g_autoptr(GError) error = NULL;
  g_autoptr(TernBody) body = NULL;
  TernAccountWorker *worker;

  body = tern_store_get_body (store, self->message_id, &error);
  if (body != NULL)
    {
      show_body (self, body);
      return;
    }

  worker = worker_for_message (self);
  if (worker == NULL || !tern_account_worker_get_reachable (worker))
    {
      show_offline_notice (self);
      return;
    }

  gtk_stack_set_visible_child_name (GTK_STACK (self->body_stack), "loading");
  set_state (self, TERN_MESSAGE_VIEW_LOADING);
  tern_account_worker_fetch_text_async (worker, self->message_id, self->cancellable,
                                        text_fetched_cb, g_object_ref (self));
}

static char *
format_people (const char *list)
{
  return g_strdup (list ? list : "");
}

void
tern_message_view_show (TernMessageView *self,
                        gint64           message_id)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *from = NULL;
  g_autofree char *to = NULL;
  g_autofree char *date = NULL;

  g_return_if_fail (TERN_IS_MESSAGE_VIEW (self));

  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->message, tern_message_free);
  g_clear_pointer (&self->html, g_free);
  self->message_id = message_id;
  self->remote_allowed = FALSE;
  self->remote_blocked = FALSE;
  gtk_widget_set_visible (self->remote_bar, FALSE);

  if (message_id == 0 || self->app == NULL)
    {
      adw_status_page_set_title (ADW_STATUS_PAGE (self->empty_page), _("No Message Selected"));
      gtk_stack_set_visible_child_name (GTK_STACK (self->stack), "empty");
      set_state (self, TERN_MESSAGE_VIEW_EMPTY);
      return;
    }

  self->message = tern_store_get_message (tern_application_get_store (self->app), message_id, &error);
  if (self->message == NULL)
    {
      self->message_id = 0;
      gtk_stack_set_visible_child_name (GTK_STACK (self->stack), "empty");
      set_state (self, TERN_MESSAGE_VIEW_EMPTY);
      return;
    }
  self->cancellable = g_cancellable_new ();

  gtk_label_set_text (GTK_LABEL (self->subject),
                      self->message->subject ? self->message->subject : _("(no subject)"));
  if (self->message->from_name != NULL && *self->message->from_name != '\0')
    from = g_strdup_printf ("%s <%s>", self->message->from_name,
                            self->message->from_addr ? self->message->from_addr : "");
  else
    from = g_strdup (self->message->from_addr ? self->message->from_addr : _("(unknown sender)"));
  gtk_label_set_text (GTK_LABEL (self->from), from);
  to = format_people (self->message->to_list);
  if (self->message->cc_list != NULL && *self->message->cc_list != '\0')
    {
      char *with_cc = *to != '\0'
                      ? g_strdup_printf (_("To: %s; Cc: %s"), to, self->message->cc_list)
                      : g_strdup_printf (_("Cc: %s"), self->message->cc_list);

      g_free (to);
      to = with_cc;
    }
  else if (*to != '\0')
    {
      char *labelled = g_strdup_printf (_("To: %s"), to);

      g_free (to);
      to = labelled;
    }
  gtk_label_set_text (GTK_LABEL (self->to), to);
  gtk_widget_set_visible (self->to, *to != '\0');
  date = tern_format_message_date (self->message->date);
  gtk_label_set_text (GTK_LABEL (self->date), date ? date : "");

  build_attachments (self);
  /* A draft opens again in a composer. */
  {
    g_autoptr(TernFolder) folder = tern_store_get_folder_by_id (tern_application_get_store (self->app),
                                                                self->message->folder_id, NULL);

    gtk_widget_set_visible (self->draft_bar, folder != NULL &&
                                             g_strcmp0 (folder->special_use, "\\Drafts") == 0);
  }
  gtk_stack_set_visible_child_name (GTK_STACK (self->stack), "message");
  load_body (self);
}

void
tern_message_view_show_several (TernMessageView *self,
                                guint            n)
{
  g_autofree char *title = NULL;

  g_return_if_fail (TERN_IS_MESSAGE_VIEW (self));

  tern_message_view_show (self, 0);
  title = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u Message Selected",
                                        "%u Messages Selected", n), n);
  adw_status_page_set_title (ADW_STATUS_PAGE (self->empty_page), title);
  set_state (self, TERN_MESSAGE_VIEW_SEVERAL);
}

void
tern_message_view_reload (TernMessageView *self)
{
  g_return_if_fail (TERN_IS_MESSAGE_VIEW (self));

  if (self->message_id == 0)
    return;
  /* Only a message still waiting for its text needs another look. */
  if (self->state == TERN_MESSAGE_VIEW_NOT_AVAILABLE || self->state == TERN_MESSAGE_VIEW_ERROR)
    load_body (self);
}

static void
retry_action (GtkWidget  *widget,
              const char *action_name,
              GVariant   *param)
{
  TernMessageView *self = TERN_MESSAGE_VIEW (widget);

  if (self->message_id != 0)
    load_body (self);
}

gint64
tern_message_view_get_message_id (TernMessageView *self)
{
  g_return_val_if_fail (TERN_IS_MESSAGE_VIEW (self), 0);

  return self->message_id;
}

TernMessageViewState
tern_message_view_get_state (TernMessageView *self)
{
  g_return_val_if_fail (TERN_IS_MESSAGE_VIEW (self), TERN_MESSAGE_VIEW_EMPTY);

  return self->state;
}

char *
tern_message_view_dup_text (TernMessageView *self)
{
  g_return_val_if_fail (TERN_IS_MESSAGE_VIEW (self), NULL);

  if (self->state == TERN_MESSAGE_VIEW_TEXT)
    {
      GtkTextBuffer *buffer = gtk_text_view_get_buffer (GTK_TEXT_VIEW (self->text_view));
      GtkTextIter start, end;

      gtk_text_buffer_get_bounds (buffer, &start, &end);
      return gtk_text_buffer_get_text (buffer, &start, &end, FALSE);
    }
  if (self->state == TERN_MESSAGE_VIEW_HTML)
    return g_strdup (self->html);
  return g_strdup_printf ("%s\n%s", adw_status_page_get_title (ADW_STATUS_PAGE (self->notice)),
                         adw_status_page_get_description (ADW_STATUS_PAGE (self->notice)));
}

gboolean
tern_message_view_get_remote_blocked (TernMessageView *self)
{
  g_return_val_if_fail (TERN_IS_MESSAGE_VIEW (self), FALSE);

  return self->remote_blocked;
}

guint
tern_message_view_get_n_attachments (TernMessageView *self)
{
  g_return_val_if_fail (TERN_IS_MESSAGE_VIEW (self), 0);

  return self->attachments ? self->attachments->len : 0;
}

double
tern_message_view_get_attachment_progress (TernMessageView *self,
                                           guint            index)
{
  g_return_val_if_fail (TERN_IS_MESSAGE_VIEW (self), -1);

  if (self->attachments == NULL || index >= self->attachments->len)
    return -1;
  return ((Attachment *) self->attachments->pdata[index])->progress;
}

guint
tern_message_view_get_attachment_updates (TernMessageView *self,
                                          guint            index)
{
  g_return_val_if_fail (TERN_IS_MESSAGE_VIEW (self), 0);

  if (self->attachments == NULL || index >= self->attachments->len)
    return 0;
  return ((Attachment *) self->attachments->pdata[index])->updates;
}

char *
tern_message_view_dup_attachment_path (TernMessageView *self,
                                       guint            index)
{
  g_return_val_if_fail (TERN_IS_MESSAGE_VIEW (self), NULL);

  if (self->attachments == NULL || index >= self->attachments->len)
    return NULL;
  return g_strdup (((Attachment *) self->attachments->pdata[index])->path);
}

GtkWidget *
tern_message_view_get_web_view (TernMessageView *self)
{
  g_return_val_if_fail (TERN_IS_MESSAGE_VIEW (self), NULL);

  return self->web_view;
}

void
tern_message_view_set_application (TernMessageView *self,
                                   TernApplication *app)
{
  g_return_if_fail (TERN_IS_MESSAGE_VIEW (self));

  self->app = app;
}

/* GObject. */

static void
tern_message_view_dispose (GObject *object)
{
  TernMessageView *self = TERN_MESSAGE_VIEW (object);

  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->attachments, g_ptr_array_unref);
  g_clear_pointer (&self->message, tern_message_free);
  g_clear_pointer (&self->html, g_free);
  g_clear_pointer (&self->stack, gtk_widget_unparent);

  G_OBJECT_CLASS (tern_message_view_parent_class)->dispose (object);
}

static void
tern_message_view_get_property (GObject    *object,
                                guint       prop_id,
                                GValue     *value,
                                GParamSpec *pspec)
{
  TernMessageView *self = TERN_MESSAGE_VIEW (object);

  switch (prop_id)
    {
    case PROP_STATE:
      g_value_set_int (value, self->state);
      break;
    case PROP_REMOTE_BLOCKED:
      g_value_set_boolean (value, self->remote_blocked);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tern_message_view_class_init (TernMessageViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = tern_message_view_dispose;
  object_class->get_property = tern_message_view_get_property;

  properties [PROP_STATE] =
    g_param_spec_int ("state", NULL, NULL, 0, TERN_MESSAGE_VIEW_ERROR, 0,
                      G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  properties [PROP_REMOTE_BLOCKED] =
    g_param_spec_boolean ("remote-blocked", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "ternmessageview");
  gtk_widget_class_install_action (widget_class, "view.load-remote", NULL, load_remote_action);
  gtk_widget_class_install_action (widget_class, "view.retry", NULL, retry_action);
  gtk_widget_class_install_action (widget_class, "view.download", "u", download_action);
  gtk_widget_class_install_action (widget_class, "view.cancel-download", "u", cancel_download_action);
  gtk_widget_class_install_action (widget_class, "view.open-attachment", "u", open_attachment_action);
  gtk_widget_class_install_action (widget_class, "view.save-attachment", "u", save_attachment_action);
}

static GtkWidget *
header_label (const char *css)
{
  GtkWidget *label = gtk_label_new (NULL);

  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_label_set_wrap (GTK_LABEL (label), TRUE);
  gtk_label_set_selectable (GTK_LABEL (label), TRUE);
  if (css != NULL)
    gtk_widget_add_css_class (label, css);
  return label;
}

static void
tern_message_view_init (TernMessageView *self)
{
  GtkWidget *page, *headers, *bar, *label, *button, *scroller, *spinner;
  GtkGesture *click;

  ensure_filter ();

  self->stack = gtk_stack_new ();
  gtk_widget_set_parent (self->stack, GTK_WIDGET (self));

  self->empty_page = adw_status_page_new ();
  adw_status_page_set_icon_name (ADW_STATUS_PAGE (self->empty_page), "mail-read-symbolic");
  adw_status_page_set_title (ADW_STATUS_PAGE (self->empty_page), _("No Message Selected"));
  gtk_stack_add_named (GTK_STACK (self->stack), self->empty_page, "empty");

  page = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  gtk_stack_add_named (GTK_STACK (self->stack), page, "message");

  headers = gtk_box_new (GTK_ORIENTATION_VERTICAL, 4);
  gtk_widget_set_margin_top (headers, 12);
  gtk_widget_set_margin_bottom (headers, 12);
  gtk_widget_set_margin_start (headers, 18);
  gtk_widget_set_margin_end (headers, 18);
  gtk_box_append (GTK_BOX (page), headers);
  self->subject = header_label ("title-3");
  gtk_box_append (GTK_BOX (headers), self->subject);
  self->from = header_label ("heading");
  gtk_box_append (GTK_BOX (headers), self->from);
  self->to = header_label ("dim-label");
  gtk_box_append (GTK_BOX (headers), self->to);
  self->date = header_label ("dim-label");
  gtk_widget_add_css_class (self->date, "caption");
  gtk_box_append (GTK_BOX (headers), self->date);

  /* The attachments strip: one card each, side by side, scrolling sideways. */
  self->attachments_strip = gtk_scrolled_window_new ();
  gtk_scrolled_window_set_policy (GTK_SCROLLED_WINDOW (self->attachments_strip),
                                  GTK_POLICY_AUTOMATIC, GTK_POLICY_NEVER);
  gtk_scrolled_window_set_propagate_natural_height (GTK_SCROLLED_WINDOW (self->attachments_strip), TRUE);
  self->attachments_box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  gtk_widget_set_margin_start (self->attachments_box, 12);
  gtk_widget_set_margin_end (self->attachments_box, 12);
  gtk_widget_set_margin_bottom (self->attachments_box, 8);
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (self->attachments_strip), self->attachments_box);
  gtk_widget_set_visible (self->attachments_strip, FALSE);
  gtk_box_append (GTK_BOX (page), self->attachments_strip);

  bar = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);
  gtk_widget_add_css_class (bar, "toolbar");
  gtk_widget_add_css_class (bar, "remote-content-bar");
  label = gtk_label_new (_("Remote content blocked"));
  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_widget_set_hexpand (label, TRUE);
  gtk_widget_set_margin_start (label, 12);
  gtk_box_append (GTK_BOX (bar), label);
  button = gtk_button_new_with_mnemonic (_("_Load"));
  gtk_actionable_set_action_name (GTK_ACTIONABLE (button), "view.load-remote");
  gtk_box_append (GTK_BOX (bar), button);
  gtk_widget_set_visible (bar, FALSE);
  self->remote_bar = bar;
  gtk_box_append (GTK_BOX (page), gtk_separator_new (GTK_ORIENTATION_HORIZONTAL));
  gtk_box_append (GTK_BOX (page), bar);

  bar = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);
  gtk_widget_add_css_class (bar, "toolbar");
  label = gtk_label_new (_("This message is a draft"));
  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_widget_set_hexpand (label, TRUE);
  gtk_widget_set_margin_start (label, 12);
  gtk_box_append (GTK_BOX (bar), label);
  button = gtk_button_new_with_mnemonic (_("_Edit Draft"));
  gtk_actionable_set_action_name (GTK_ACTIONABLE (button), "win.edit-draft");
  gtk_widget_add_css_class (button, "suggested-action");
  gtk_box_append (GTK_BOX (bar), button);
  gtk_widget_set_visible (bar, FALSE);
  self->draft_bar = bar;
  gtk_box_append (GTK_BOX (page), bar);

  self->body_stack = gtk_stack_new ();
  gtk_widget_set_vexpand (self->body_stack, TRUE);
  gtk_box_append (GTK_BOX (page), self->body_stack);

  scroller = gtk_scrolled_window_new ();
  self->text_view = gtk_text_view_new ();
  gtk_text_view_set_editable (GTK_TEXT_VIEW (self->text_view), FALSE);
  gtk_text_view_set_cursor_visible (GTK_TEXT_VIEW (self->text_view), FALSE);
  gtk_text_view_set_wrap_mode (GTK_TEXT_VIEW (self->text_view), GTK_WRAP_WORD_CHAR);
  gtk_text_view_set_left_margin (GTK_TEXT_VIEW (self->text_view), 18);
  gtk_text_view_set_right_margin (GTK_TEXT_VIEW (self->text_view), 18);
  gtk_text_view_set_top_margin (GTK_TEXT_VIEW (self->text_view), 12);
  gtk_text_view_set_bottom_margin (GTK_TEXT_VIEW (self->text_view), 12);
  click = gtk_gesture_click_new ();
  g_signal_connect (click, "released", G_CALLBACK (text_released_cb), self);
  gtk_widget_add_controller (self->text_view, GTK_EVENT_CONTROLLER (click));
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scroller), self->text_view);
  gtk_stack_add_named (GTK_STACK (self->body_stack), scroller, "text");

  spinner = gtk_spinner_new ();
  gtk_spinner_set_spinning (GTK_SPINNER (spinner), TRUE);
  gtk_widget_set_size_request (spinner, 32, 32);
  gtk_widget_set_halign (spinner, GTK_ALIGN_CENTER);
  gtk_widget_set_valign (spinner, GTK_ALIGN_CENTER);
  gtk_stack_add_named (GTK_STACK (self->body_stack), spinner, "loading");

  self->notice = adw_status_page_new ();
  button = gtk_button_new_with_mnemonic (_("_Try Again"));
  gtk_actionable_set_action_name (GTK_ACTIONABLE (button), "view.retry");
  gtk_widget_set_halign (button, GTK_ALIGN_CENTER);
  gtk_widget_add_css_class (button, "pill");
  adw_status_page_set_child (ADW_STATUS_PAGE (self->notice), button);
  gtk_stack_add_named (GTK_STACK (self->body_stack), self->notice, "notice");

  gtk_stack_set_visible_child_name (GTK_STACK (self->stack), "empty");
}
