/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "tern-message-view"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include <webkit/webkit.h>

#include <adwaita.h>

#include "tern-message-view-private.h"

static gboolean sender_allowed   (TernMessageView *self);
static void     fill_remote_menu (TernMessageView *self);

#define CSP_BLOCKED "default-src 'none'; style-src 'unsafe-inline' data:; img-src data: cid:; " \
                    "font-src data:; media-src data:"
#define CSP_REMOTE  "default-src 'none'; style-src 'unsafe-inline' data: http: https:; " \
                    "img-src data: cid: http: https:; font-src data: http: https:; media-src data:"

static WebKitUserContentFilter *block_filter;

static void dark_changed_cb (TernMessageView *self);
static void load_changed_cb (WebKitWebView *web_view, WebKitLoadEvent event, TernMessageView *self);
static void counted_matches_cb (WebKitFindController *find, guint count, TernMessageView *self);

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

void
_tern_message_view_ensure_filter (void)
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
  dir = g_build_filename (g_get_user_cache_dir (), TERN_DATA_NAME, "content-filters", NULL);
  store = webkit_user_content_filter_store_new (dir);
  rules = g_bytes_new_static (json, sizeof json - 1);
  webkit_user_content_filter_store_save (store, "tern-block-remote", rules, NULL,
                                         filter_ready_cb, NULL);
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
char *
_tern_message_view_with_csp (const char *html,
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
        _tern_message_view_open_uri (GTK_WIDGET (self), uri);
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
  /* In a conversation the message has a height of its own; the conversation scrolls around it. */
  gtk_widget_set_vexpand (self->web_view, !self->embedded);
  if (self->embedded)
    gtk_widget_set_size_request (self->web_view, -1, 480);
  g_signal_connect (self->web_view, "decide-policy", G_CALLBACK (decide_policy_cb), self);
  g_signal_connect (self->web_view, "load-changed", G_CALLBACK (load_changed_cb), self);
  g_signal_connect_object (adw_style_manager_get_default (), "notify::dark", G_CALLBACK (dark_changed_cb),
                           self, G_CONNECT_SWAPPED);
  g_signal_connect (webkit_web_view_get_find_controller (WEBKIT_WEB_VIEW (self->web_view)), "counted-matches",
                    G_CALLBACK (counted_matches_cb), self);
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
  /* Dark style: a message with no colours of its own is shown in the window's (one that
   * sets any keeps them all, on the light page it was made for). */
  if (self->html_dark)
    g_string_append (css, "html { color-scheme: dark; background: #1e1e1e; color: #ffffff; }\n"
                          "a:link { color: #78aeed; } a:visited { color: #c0bfbc; }\n");

  return webkit_user_style_sheet_new (css->str, WEBKIT_USER_CONTENT_INJECT_TOP_FRAME,
                                      WEBKIT_USER_STYLE_LEVEL_USER, NULL, NULL);
}

void
_tern_message_view_show_html (TernMessageView *self)
{
  WebKitUserContentManager *manager;
  g_autoptr(WebKitUserStyleSheet) style = NULL;
  g_autofree char *doc = NULL;

  ensure_web_view (self);
  if (!self->remote_allowed && sender_allowed (self))
    self->remote_allowed = TRUE;
  fill_remote_menu (self);
  self->html_dark = adw_style_manager_get_dark (adw_style_manager_get_default ()) &&
                    !_tern_message_view_html_has_colours (self->html);
  {
    GdkRGBA background = { 1, 1, 1, 1 };

    if (self->html_dark)
      gdk_rgba_parse (&background, "#1e1e1e");
    webkit_web_view_set_background_color (WEBKIT_WEB_VIEW (self->web_view), &background);
  }
  manager = webkit_web_view_get_user_content_manager (WEBKIT_WEB_VIEW (self->web_view));
  webkit_user_content_manager_remove_all_filters (manager);
  if (!self->remote_allowed && block_filter != NULL)
    webkit_user_content_manager_add_filter (manager, block_filter);
  /* Built again for each message: the UI font may have changed since. */
  style = dup_default_style (self);
  webkit_user_content_manager_remove_all_style_sheets (manager);
  webkit_user_content_manager_add_style_sheet (manager, style);

  doc = _tern_message_view_with_csp (self->html, self->remote_allowed);
  webkit_web_view_load_html (WEBKIT_WEB_VIEW (self->web_view), doc, NULL);
  self->n_highlights = 0;
  gtk_stack_set_visible_child_name (GTK_STACK (self->body_stack), "html");

  _tern_message_view_set_remote_blocked (self, !self->remote_allowed && has_remote_content (self->html));
}

/* The account of the message shown, 0 if unknown. */
static gint64
message_account (TernMessageView *self)
{
  TernStore *store = self->app != NULL ? tern_application_get_store (self->app) : NULL;
  g_autoptr(TernFolder) folder = NULL;

  if (store == NULL || self->message == NULL)
    return 0;
  folder = tern_store_get_folder_by_id (store, self->message->folder_id, NULL);
  return folder != NULL ? folder->account_id : 0;
}

/* The sender's address in lower case, and where its domain starts; NULL if there is none. */
static char *
sender_address (TernMessageView *self)
{
  const char *addr = self->message != NULL ? self->message->from_addr : NULL;
  const char *at = addr != NULL ? strrchr (addr, '@') : NULL;

  return at != NULL && at != addr && at[1] != '\0' ? g_ascii_strdown (addr, -1) : NULL;
}

/* The Load button's menu: always load for this sender, or for their domain. */
static void
fill_remote_menu (TernMessageView *self)
{
  g_autofree char *sender = sender_address (self);
  g_autofree char *for_sender = NULL;
  g_autofree char *for_domain = NULL;
  g_autoptr(GMenuItem) item = NULL;

  g_menu_remove_all (self->remote_menu);
  if (sender == NULL)
    return;
  /* TRANSLATORS: %s is an e-mail address */
  for_sender = g_strdup_printf (_("Always Load from %s"), sender);
  item = g_menu_item_new (for_sender, NULL);
  g_menu_item_set_action_and_target (item, "view.allow-remote", "s", "sender");
  g_menu_append_item (self->remote_menu, item);
  g_clear_object (&item);
  /* TRANSLATORS: %s is a domain, as in "Always Load from example.org" */
  for_domain = g_strdup_printf (_("Always Load from %s"), strrchr (sender, '@') + 1);
  item = g_menu_item_new (for_domain, NULL);
  g_menu_item_set_action_and_target (item, "view.allow-remote", "s", "domain");
  g_menu_append_item (self->remote_menu, item);
}

/* Whether the user allowed remote content for this message's sender or their domain. */
static gboolean
sender_allowed (TernMessageView *self)
{
  g_autofree char *sender = sender_address (self);
  gint64 account = message_account (self);

  return sender != NULL && account != 0 &&
         tern_store_remote_content_allowed (tern_application_get_store (self->app), account, sender);
}

void
_tern_message_view_allow_remote_action (GtkWidget  *widget,
                                        const char *action_name,
                                        GVariant   *param)
{
  TernMessageView *self = TERN_MESSAGE_VIEW (widget);
  g_autofree char *sender = sender_address (self);
  gint64 account = message_account (self);
  gboolean domain = g_strcmp0 (g_variant_get_string (param, NULL), "domain") == 0;
  g_autoptr(GError) error = NULL;

  if (sender == NULL || account == 0)
    return;
  if (!tern_store_allow_remote_content (tern_application_get_store (self->app), account,
                                        domain ? TERN_REMOTE_DOMAIN : TERN_REMOTE_SENDER,
                                        domain ? strrchr (sender, '@') + 1 : sender, &error))
    g_warning ("Cannot keep the remote content choice: %s", error->message);
  _tern_message_view_load_remote_action (widget, "view.load-remote", NULL);
}

void
_tern_message_view_load_remote_action (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *param)
{
  TernMessageView *self = TERN_MESSAGE_VIEW (widget);

  if (self->html == NULL || self->remote_allowed)
    return;
  self->remote_allowed = TRUE;
  _tern_message_view_show_html (self);
}

/* Whether a message sets colours of its own: CSS colours or backgrounds, or the old
 * attributes (bgcolor, <font color>, <body text link>). */
gboolean
_tern_message_view_html_has_colours (const char *html)
{
  static GRegex *colours;

  if (colours == NULL)
    colours = g_regex_new ("(?:[^-]\\bcolor\\s*:)|(?:background(?:-color|-image)?\\s*:)|"
                           "(?:\\b(?:bgcolor|color|text|link|vlink|alink)\\s*=)",
                           G_REGEX_CASELESS | G_REGEX_OPTIMIZE, 0, NULL);
  return html != NULL && g_regex_match (colours, html, 0, NULL);
}

gboolean
tern_message_view_get_html_dark (TernMessageView *self)
{
  g_return_val_if_fail (TERN_IS_MESSAGE_VIEW (self), FALSE);

  return self->state == TERN_MESSAGE_VIEW_HTML && self->html_dark;
}

/* The words searched for in HTML: WebKit's find, which marks every match, once the document
 * is loaded. Only the first word: WebKit finds one string at a time. */

static void
counted_matches_cb (WebKitFindController *find,
                    guint                 count,
                    TernMessageView      *self)
{
  self->n_highlights = count;
}

void
_tern_message_view_highlight_html (TernMessageView *self)
{
  WebKitFindController *find;
  g_auto(GStrv) words = _tern_message_view_highlight_words (self->highlight);

  if (self->web_view == NULL)
    return;
  find = webkit_web_view_get_find_controller (WEBKIT_WEB_VIEW (self->web_view));
  self->n_highlights = 0;
  if (words[0] == NULL)
    {
      webkit_find_controller_search_finish (find);
      return;
    }
  webkit_find_controller_search (find, words[0], WEBKIT_FIND_OPTIONS_CASE_INSENSITIVE |
                                 WEBKIT_FIND_OPTIONS_AT_WORD_STARTS | WEBKIT_FIND_OPTIONS_WRAP_AROUND,
                                 G_MAXUINT);
  webkit_find_controller_count_matches (find, words[0], WEBKIT_FIND_OPTIONS_CASE_INSENSITIVE |
                                        WEBKIT_FIND_OPTIONS_AT_WORD_STARTS, G_MAXUINT);
}

static void
load_changed_cb (WebKitWebView   *web_view,
                 WebKitLoadEvent  event,
                 TernMessageView *self)
{
  if (event == WEBKIT_LOAD_FINISHED && self->highlight != NULL)
    _tern_message_view_highlight_html (self);
}

/* The style changed: an HTML message shown follows it. */
static void
dark_changed_cb (TernMessageView *self)
{
  if (self->html != NULL && self->state == TERN_MESSAGE_VIEW_HTML)
    _tern_message_view_show_html (self);
}
