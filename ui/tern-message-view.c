/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "tern-message-view"

#include "config.h"

#include <adwaita.h>
#include <glib/gi18n.h>
#include <webkit/webkit.h>

#include "tern-format.h"
#include "tern-message-row.h"
#include "tern-message-view-private.h"

/*
 * The reading pane. The body comes from the cache; if it is not there it is fetched
 * through the account's worker (that part only), and offline a notice says so plainly.
 * HTML is shown in a WebKitWebView with JavaScript off and remote content blocked twice
 * over: a Content-Security-Policy that allows only inline and data: resources, and a
 * WebKitUserContentFilter that blocks every http(s) load. "Load" lifts both for the
 * message shown. Links never navigate inside the view: they open in the browser.
 */

G_DEFINE_FINAL_TYPE (TernMessageView, tern_message_view, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_STATE,
  PROP_REMOTE_BLOCKED,
  N_PROPS
};

static GParamSpec *properties [N_PROPS];

static void load_body (TernMessageView *self);

void
_tern_message_view_set_remote_blocked (TernMessageView *self,
                                       gboolean         blocked)
{
  self->remote_blocked = blocked;
  gtk_widget_set_visible (self->remote_bar, blocked);
  g_object_notify_by_pspec (G_OBJECT (self), properties [PROP_REMOTE_BLOCKED]);
}

/* Opening links: never inside the app, but for mailto: links, which open a composer. */

void
_tern_message_view_open_uri (GtkWidget  *widget,
          const char *uri)
{
  if (g_ascii_strncasecmp (uri, "mailto:", 7) == 0 &&
      gtk_widget_activate_action (widget, "app.compose-mailto", "s", uri))
    return;

  tern_open_uri (uri);
}

/* The words searched for, marked where they start a word (as the search matched them). */

GStrv
_tern_message_view_highlight_words (const char *text)
{
  g_autoptr(GStrvBuilder) words = g_strv_builder_new ();
  g_autoptr(GString) word = g_string_new (NULL);

  for (const char *p = text != NULL ? text : ""; ; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (c != 0 && g_unichar_isalnum (c))
        {
          g_string_append_unichar (word, g_unichar_tolower (c));
          continue;
        }
      if (g_utf8_strlen (word->str, -1) >= 2)
        g_strv_builder_add (words, word->str);
      g_string_truncate (word, 0);
      if (c == 0)
        break;
    }
  return g_strv_builder_end (words);
}

static void
highlight_text (TernMessageView *self)
{
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (GTK_TEXT_VIEW (self->text_view));
  g_auto(GStrv) words = _tern_message_view_highlight_words (self->highlight);
  GtkTextTag *tag = gtk_text_tag_table_lookup (gtk_text_buffer_get_tag_table (buffer), "search-match");
  GtkTextIter start, end;

  if (tag == NULL)
    tag = gtk_text_buffer_create_tag (buffer, "search-match", "background", "#f8e45c",
                                      "foreground", "#000000", NULL);
  gtk_text_buffer_get_bounds (buffer, &start, &end);
  gtk_text_buffer_remove_tag (buffer, tag, &start, &end);
  self->n_highlights = 0;
  for (guint i = 0; words[i] != NULL; i++)
    {
      GtkTextIter from = start, match_start, match_end;

      while (gtk_text_iter_forward_search (&from, words[i], GTK_TEXT_SEARCH_CASE_INSENSITIVE, &match_start,
                                           &match_end, NULL))
        {
          if (gtk_text_iter_starts_word (&match_start))
            {
              gtk_text_buffer_apply_tag (buffer, tag, &match_start, &match_end);
              self->n_highlights++;
            }
          from = match_end;
        }
    }
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
      /* A link goes to the next line whole rather than break after "https://" (one longer
       * than a line still breaks: the view wraps by characters then). */
      tag = gtk_text_buffer_create_tag (buffer, NULL, "underline", PANGO_UNDERLINE_SINGLE,
                                        "foreground", "#1c71d8", "allow-breaks", FALSE, NULL);
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
  _tern_message_view_fold_quotes (self, text);
  highlight_text (self);
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
          _tern_message_view_open_uri (GTK_WIDGET (self), uri);
          break;
        }
    }
  g_slist_free (tags);
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
  gtk_button_set_label (GTK_BUTTON (self->notice_button), _("_Try Again"));
  gtk_actionable_set_action_name (GTK_ACTIONABLE (self->notice_button), "view.retry");
  gtk_stack_set_visible_child_name (GTK_STACK (self->body_stack), "notice");
  set_state (self, state);
}

static void
show_body (TernMessageView *self,
           TernBody        *body)
{
  g_clear_pointer (&self->html, g_free);
  self->n_highlights = 0;
  if (g_strcmp0 (body->content_type, "text/html") == 0)
    {
      self->html = g_strdup (body->text);
      _tern_message_view_show_html (self);
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
  /* Working offline by choice, "Try Again" could do nothing: offer to go online. */
  gboolean by_choice = self->app != NULL && tern_application_get_work_offline (self->app);

  show_notice (self, TERN_MESSAGE_VIEW_NOT_AVAILABLE, "network-offline-symbolic",
               _("Not Available Offline"),
               by_choice ? _("This message has not been downloaded yet, and Tern is set to work "
                             "offline. Go online to read it.")
                         : _("This message has not been downloaded yet, and Tern is offline. "
                             "It will open once the connection is back."));
  gtk_button_set_label (GTK_BUTTON (self->notice_button), by_choice ? _("_Go Online") : _("_Try Again"));
  gtk_actionable_set_action_name (GTK_ACTIONABLE (self->notice_button), by_choice ? "view.go-online" : "view.retry");
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

  _tern_message_view_build_attachments (self);
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
tern_message_view_set_highlight (TernMessageView *self,
                                 const char      *text)
{
  g_return_if_fail (TERN_IS_MESSAGE_VIEW (self));

  if (g_strcmp0 (self->highlight, text) == 0)
    return;
  g_free (self->highlight);
  self->highlight = text != NULL && *text != '\0' ? g_strdup (text) : NULL;
  if (self->state == TERN_MESSAGE_VIEW_TEXT)
    highlight_text (self);
  else if (self->state == TERN_MESSAGE_VIEW_HTML)
    _tern_message_view_highlight_html (self);
}

guint
tern_message_view_get_n_highlights (TernMessageView *self)
{
  g_return_val_if_fail (TERN_IS_MESSAGE_VIEW (self), 0);

  return self->n_highlights;
}

void
tern_message_view_set_placeholder (TernMessageView *self,
                                   gboolean         shown)
{
  g_return_if_fail (TERN_IS_MESSAGE_VIEW (self));

  /* An empty folder already says so in the list: the pane beside it stays blank rather than
   * say "No Message Selected" under the same icon. */
  gtk_widget_set_opacity (self->empty_page, shown ? 1.0 : 0.0);
}

gboolean
tern_message_view_get_placeholder (TernMessageView *self)
{
  g_return_val_if_fail (TERN_IS_MESSAGE_VIEW (self), FALSE);

  return gtk_widget_get_opacity (self->empty_page) > 0;
}

gboolean
tern_message_view_focus_body (TernMessageView *self)
{
  g_return_val_if_fail (TERN_IS_MESSAGE_VIEW (self), FALSE);

  if (self->state == TERN_MESSAGE_VIEW_HTML && self->web_view != NULL)
    return gtk_widget_grab_focus (self->web_view);
  if (self->state == TERN_MESSAGE_VIEW_TEXT && self->plain_box != NULL)
    return gtk_widget_child_focus (self->plain_box, GTK_DIR_TAB_FORWARD);
  if (self->state == TERN_MESSAGE_VIEW_TEXT)
    return gtk_widget_grab_focus (self->text_view);
  return FALSE;
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
go_online_action (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *param)
{
  TernMessageView *self = TERN_MESSAGE_VIEW (widget);

  if (self->app == NULL)
    return;
  /* The window reloads the message when the account's state changes. */
  tern_application_set_work_offline (self->app, FALSE);
  if (self->message_id != 0)
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

/* Attachments not listed yet ("N More Attachments" shows them). */
guint
tern_message_view_get_n_hidden_attachments (TernMessageView *self)
{
  g_return_val_if_fail (TERN_IS_MESSAGE_VIEW (self), 0);

  return self->n_hidden_attachments;
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

char *
tern_message_view_dup_attachment_progress_text (TernMessageView *self,
                                                guint            index)
{
  g_return_val_if_fail (TERN_IS_MESSAGE_VIEW (self), NULL);

  if (self->attachments == NULL || index >= self->attachments->len)
    return NULL;
  return g_strdup (((Attachment *) self->attachments->pdata[index])->progress_text);
}

guint
tern_message_view_get_n_inline_images (TernMessageView *self)
{
  guint n = 0;

  g_return_val_if_fail (TERN_IS_MESSAGE_VIEW (self), 0);

  for (GtkWidget *c = gtk_widget_get_first_child (self->images_box); c != NULL; c = gtk_widget_get_next_sibling (c))
    n++;
  return n;
}

const char *
tern_message_view_get_last_toast (TernMessageView *self)
{
  g_return_val_if_fail (TERN_IS_MESSAGE_VIEW (self), NULL);

  return self->last_toast;
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
  g_clear_pointer (&self->highlight, g_free);
  g_clear_pointer (&self->last_toast, g_free);
  g_clear_object (&self->remote_menu);
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
  gtk_widget_class_install_action (widget_class, "view.load-remote", NULL, _tern_message_view_load_remote_action);
  gtk_widget_class_install_action (widget_class, "view.allow-remote", "s", _tern_message_view_allow_remote_action);
  gtk_widget_class_install_action (widget_class, "view.retry", NULL, retry_action);
  gtk_widget_class_install_action (widget_class, "view.go-online", NULL, go_online_action);
  gtk_widget_class_install_action (widget_class, "view.download", "u", _tern_message_view_download_action);
  gtk_widget_class_install_action (widget_class, "view.cancel-download", "u", _tern_message_view_cancel_download_action);
  gtk_widget_class_install_action (widget_class, "view.open-attachment", "u", _tern_message_view_open_attachment_action);
  gtk_widget_class_install_action (widget_class, "view.save-attachment", "u", _tern_message_view_save_attachment_action);
  gtk_widget_class_install_action (widget_class, "view.show-all-attachments", NULL,
                                   _tern_message_view_show_all_attachments_action);
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

  _tern_message_view_ensure_filter ();

  self->stack = gtk_stack_new ();
  gtk_widget_set_parent (self->stack, GTK_WIDGET (self));

  self->empty_page = adw_status_page_new ();
  adw_status_page_set_icon_name (ADW_STATUS_PAGE (self->empty_page), "mail-read-symbolic");
  adw_status_page_set_title (ADW_STATUS_PAGE (self->empty_page), _("No Message Selected"));
  gtk_stack_add_named (GTK_STACK (self->stack), self->empty_page, "empty");

  page = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  gtk_stack_add_named (GTK_STACK (self->stack), page, "message");

  headers = self->headers = gtk_box_new (GTK_ORIENTATION_VERTICAL, 4);
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
  /* Load this once; the arrow: always for this sender, or their domain. */
  self->remote_menu = g_menu_new ();
  button = adw_split_button_new ();
  adw_split_button_set_label (ADW_SPLIT_BUTTON (button), _("_Load"));
  adw_split_button_set_use_underline (ADW_SPLIT_BUTTON (button), TRUE);
  adw_split_button_set_menu_model (ADW_SPLIT_BUTTON (button), G_MENU_MODEL (self->remote_menu));
  gtk_widget_set_tooltip_text (button, _("Load Remote Content of This Message"));
  gtk_actionable_set_action_name (GTK_ACTIONABLE (button), "view.load-remote");
  gtk_widget_set_margin_end (button, 6);
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

  scroller = self->text_scroller = gtk_scrolled_window_new ();
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
  /* Image attachments below the text, scaled to the pane. */
  self->images_box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 12);
  gtk_widget_set_margin_start (self->images_box, 18);
  gtk_widget_set_margin_end (self->images_box, 18);
  gtk_widget_set_margin_bottom (self->images_box, 12);
  label = self->text_box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  /* The text's background down to the foot of the pane, however short the text. */
  gtk_widget_set_vexpand (self->text_view, TRUE);
  gtk_box_append (GTK_BOX (label), self->text_view);
  gtk_box_append (GTK_BOX (label), self->images_box);
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scroller), label);
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
  gtk_widget_set_name (button, "notice_button");
  self->notice_button = button;
  gtk_widget_set_halign (button, GTK_ALIGN_CENTER);
  gtk_widget_add_css_class (button, "pill");
  adw_status_page_set_child (ADW_STATUS_PAGE (self->notice), button);
  gtk_stack_add_named (GTK_STACK (self->body_stack), self->notice, "notice");

  gtk_stack_set_visible_child_name (GTK_STACK (self->stack), "empty");
}
