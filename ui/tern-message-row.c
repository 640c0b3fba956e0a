/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "tern-message-row"

#include "config.h"

#include <adwaita.h>
#include <glib/gi18n.h>

#include "tern-message-row.h"

/* One message in the list: sender and date on the first line, subject and marks below, and
 * under them, where the cache has the text and the user asked for it, the start of the
 * message. A conversation shows the same way, with who wrote in it, the subject of its first
 * message and a badge with how many messages it has.
 *
 * The row lays out and draws its text and marks itself, one widget with no children. GTK
 * 4.8's list view makes, measures, allocates and draws 200 rows each time its rows are all
 * replaced (a folder switch, a search, the first rows at launch), however few show. With a
 * box of fifteen labels and images per row, allocating and drawing them was most of a
 * 100,000-message folder switch (~90 of 160 ms, bench-app) and of each scroll step. The
 * looks are Adwaita's, as the labels had them: the row's own font for sender and subject,
 * .caption (9 pt) for the rest, .dim-label's opacity, a line height of 1.4 em. */

typedef enum
{
  TEXT_SENDER,
  TEXT_COUNT,
  TEXT_DATE,
  TEXT_SUBJECT,
  TEXT_FOLDER,
  TEXT_ACCOUNT,
  TEXT_PREVIEW,
  N_TEXTS
} Text;

typedef enum
{
  MARK_UNREAD,
  MARK_COUNT,
  MARK_FOLDER,
  MARK_ACCOUNT,
  MARK_ANSWERED,
  MARK_ATTACHMENT,
  MARK_FLAGGED,
  N_MARKS
} Mark;

/* Where each part goes in a row of a given size, left to right (mirrored when drawn right
 * to left); an empty rect for a part that does not show. */
typedef struct
{
  graphene_rect_t text[N_TEXTS];
  graphene_rect_t mark[N_MARKS];
} Geometry;

/* The heights of a line of text in the row's fonts, for one font and resolution. */
typedef struct
{
  int body;
  int bold;
  int caption;
  int caption_char;   /* a caption character's approximate width */
} Metrics;

#define MARGIN_TOP      6
#define MARGIN_BOTTOM   6
#define MARGIN_START    4
#define MARGIN_END      8
#define DOT_SIZE        8
#define ICON_SIZE      16
#define LINE_SPACING    2
#define CAPTION_POINTS  9
#define LINE_HEIGHT   1.4
#define FOLDER_CHARS   16
#define ACCOUNT_CHARS  14

struct _TernMessageRow
{
  GtkWidget        parent_instance;

  /* Owned. */
  TernMessageItem *item;
  TernConversationItem *conversation;
  gboolean         show_preview;
  guint            account_color;

  /* What it shows (update ()). */
  char            *texts[N_TEXTS];
  gboolean         marks[N_MARKS];

  /* Laid out when first drawn; dropped when their text or the style changes. */
  PangoLayout     *layouts[N_TEXTS];
  int              natural[N_TEXTS];   /* a layout's width unellipsized, -1 until asked */
  guint            font_key;   /* of the font they were laid out in */
};

G_DEFINE_FINAL_TYPE (TernMessageRow, tern_message_row, GTK_TYPE_WIDGET)

char *
tern_format_date (gint64 unix_time)
{
  g_autoptr(GDateTime) when = NULL;
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  GTimeSpan ago;

  if (unix_time <= 0)
    return g_strdup ("");
  when = g_date_time_new_from_unix_local (unix_time);
  if (when == NULL)
    return g_strdup ("");
  ago = g_date_time_difference (now, when);
  if (g_date_time_get_year (when) == g_date_time_get_year (now) &&
      g_date_time_get_day_of_year (when) == g_date_time_get_day_of_year (now))
    return g_date_time_format (when, "%R");
  if (ago >= 0 && ago < 6 * G_TIME_SPAN_DAY)
    return g_date_time_format (when, "%a");
  if (g_date_time_get_year (when) == g_date_time_get_year (now))
    return g_date_time_format (when, "%e %b");
  return g_date_time_format (when, "%x");
}

static const char *const mark_icons[N_MARKS] = {
  [MARK_UNREAD] = "media-record-symbolic",
  [MARK_ANSWERED] = "mail-replied-symbolic",
  [MARK_ATTACHMENT] = "mail-attachment-symbolic",
  [MARK_FLAGGED] = "starred-symbolic",
};

static gboolean
is_caption (Text text)
{
  return text != TEXT_SENDER && text != TEXT_SUBJECT;
}

/* The fonts' line heights, measured once per font and resolution; a change of theme (high
 * contrast, another GTK theme) forgets them. */
static GHashTable *metrics_cache;   /* font key (guint) -> Metrics */

static void
forget_metrics (void)
{
  if (metrics_cache != NULL)
    g_hash_table_remove_all (metrics_cache);
}

static PangoFontDescription *
caption_font (PangoContext *context)
{
  PangoFontDescription *font = pango_font_description_copy (pango_context_get_font_description (context));

  pango_font_description_set_size (font, CAPTION_POINTS * PANGO_SCALE);
  pango_font_description_set_weight (font, PANGO_WEIGHT_NORMAL);
  return font;
}

static PangoAttrList *
line_attributes (gboolean bold,
                 gboolean numeric)
{
  PangoAttrList *attrs = pango_attr_list_new ();

  pango_attr_list_insert (attrs, pango_attr_line_height_new (LINE_HEIGHT));
  if (bold)
    pango_attr_list_insert (attrs, pango_attr_weight_new (PANGO_WEIGHT_BOLD));
  if (numeric)
    pango_attr_list_insert (attrs, pango_attr_font_features_new ("tnum"));
  return attrs;
}

static int
line_height (GtkWidget                  *widget,
             const PangoFontDescription *font,
             gboolean                    bold)
{
  g_autoptr(PangoLayout) layout = gtk_widget_create_pango_layout (widget, "Ág");
  g_autoptr(PangoAttrList) attrs = line_attributes (bold, FALSE);
  int height;

  if (font != NULL)
    pango_layout_set_font_description (layout, font);
  pango_layout_set_attributes (layout, attrs);
  pango_layout_get_pixel_size (layout, NULL, &height);
  return height;
}

static guint font_key (GtkWidget *widget);

static const Metrics *
get_metrics (TernMessageRow *self)
{
  GtkWidget *widget = GTK_WIDGET (self);
  PangoContext *context = gtk_widget_get_pango_context (widget);
  guint key = font_key (widget);
  Metrics *metrics;

  if (metrics_cache == NULL)
    {
      metrics_cache = g_hash_table_new_full (NULL, NULL, NULL, g_free);
      g_signal_connect (adw_style_manager_get_default (), "notify::high-contrast", G_CALLBACK (forget_metrics),
                        NULL);
      g_signal_connect (gtk_settings_get_default (), "notify::gtk-theme-name", G_CALLBACK (forget_metrics), NULL);
    }
  metrics = g_hash_table_lookup (metrics_cache, GUINT_TO_POINTER (key));
  if (metrics == NULL)
    {
      g_autoptr(PangoFontDescription) caption = caption_font (context);
      PangoFontMetrics *caption_metrics = pango_context_get_metrics (context, caption, NULL);

      metrics = g_new0 (Metrics, 1);
      metrics->body = line_height (widget, NULL, FALSE);
      metrics->bold = line_height (widget, NULL, TRUE);
      metrics->caption = line_height (widget, caption, FALSE);
      metrics->caption_char = PANGO_PIXELS (pango_font_metrics_get_approximate_char_width (caption_metrics));
      pango_font_metrics_unref (caption_metrics);
      g_hash_table_insert (metrics_cache, GUINT_TO_POINTER (key), metrics);
    }
  return metrics;
}

static void
drop_layouts (TernMessageRow *self)
{
  for (guint i = 0; i < N_TEXTS; i++)
    g_clear_object (&self->layouts[i]);
}

static PangoLayout *
get_layout (TernMessageRow *self,
            Text            text)
{
  if (self->layouts[text] == NULL)
    {
      PangoLayout *layout = gtk_widget_create_pango_layout (GTK_WIDGET (self), self->texts[text]);
      g_autoptr(PangoAttrList) attrs = line_attributes (text == TEXT_SENDER && self->marks[MARK_UNREAD],
                                                        text == TEXT_DATE || text == TEXT_COUNT);

      if (is_caption (text))
        {
          g_autoptr(PangoFontDescription) caption = caption_font (gtk_widget_get_pango_context (GTK_WIDGET (self)));

          pango_layout_set_font_description (layout, caption);
        }
      pango_layout_set_attributes (layout, attrs);
      pango_layout_set_ellipsize (layout, PANGO_ELLIPSIZE_END);
      /* A line break in a subject or a name shows as a mark, never as a second line. */
      pango_layout_set_single_paragraph_mode (layout, TRUE);
      self->layouts[text] = layout;
      self->natural[text] = -1;
    }
  return self->layouts[text];
}

/* Measured once a layout: each drawing places the date, the count and the tags by it, and
 * laying the text out again unellipsized there, then ellipsized to draw it, did it twice a
 * frame. */
static int
text_width (TernMessageRow *self,
            Text            text)
{
  PangoLayout *layout = get_layout (self, text);

  if (self->natural[text] < 0)
    {
      int width = pango_layout_get_width (layout);

      pango_layout_set_width (layout, -1);
      pango_layout_get_pixel_size (layout, &self->natural[text], NULL);
      pango_layout_set_width (layout, width);
    }
  return self->natural[text];
}

static gboolean
shows (TernMessageRow *self,
       Text            text)
{
  return self->texts[text] != NULL;
}

static int
top_height (TernMessageRow *self,
            const Metrics  *m)
{
  return MAX (self->marks[MARK_UNREAD] ? m->bold : m->body, m->caption);
}

static int
bottom_height (TernMessageRow *self,
               const Metrics  *m)
{
  return MAX (m->body, MAX (m->caption, ICON_SIZE));
}

static int
row_height (TernMessageRow *self)
{
  const Metrics *m = get_metrics (self);
  int height = MARGIN_TOP + top_height (self, m) + LINE_SPACING + bottom_height (self, m) + MARGIN_BOTTOM;

  if (shows (self, TEXT_PREVIEW))
    height += LINE_SPACING + m->caption;
  return height;
}

/* Places a part of width `width` at the right end of a line, left of `*right`. */
static void
place_right (graphene_rect_t *rect,
             float           *right,
             float            width,
             float            y,
             float            height,
             float            spacing)
{
  *right -= width;
  graphene_rect_init (rect, *right, y, width, height);
  *right -= spacing;
}

static void
place (TernMessageRow *self,
       int             width,
       int             height,
       Geometry       *g)
{
  const Metrics *m = get_metrics (self);
  float left = MARGIN_START + DOT_SIZE + 8, right = width - MARGIN_END;
  float top = MARGIN_TOP, top_h = top_height (self, m);
  float bottom = top + top_h + LINE_SPACING, bottom_h = bottom_height (self, m);
  float cap = (right - left) / 4;   /* the folder and the account take at most a quarter each */

  memset (g, 0, sizeof *g);
  graphene_rect_init (&g->mark[MARK_UNREAD], MARGIN_START, (height - DOT_SIZE) / 2.0f, DOT_SIZE, DOT_SIZE);

  /* First line: the sender, then the count, then the date at the end. */
  place_right (&g->text[TEXT_DATE], &right, text_width (self, TEXT_DATE), top, top_h, 6);
  if (self->marks[MARK_COUNT])
    {
      place_right (&g->mark[MARK_COUNT], &right, MAX (text_width (self, TEXT_COUNT), 10) + 12, top + (top_h - m->caption) / 2,
                   m->caption, 6);
      g->text[TEXT_COUNT] = g->mark[MARK_COUNT];
    }
  graphene_rect_init (&g->text[TEXT_SENDER], left, top, MAX (right - left, 0), top_h);

  /* Second line: the subject, then (each where it shows) the folder, the account, the marks. */
  right = width - MARGIN_END;
  if (self->marks[MARK_FLAGGED])
    place_right (&g->mark[MARK_FLAGGED], &right, ICON_SIZE, bottom + (bottom_h - ICON_SIZE) / 2, ICON_SIZE, 4);
  if (self->marks[MARK_ATTACHMENT])
    place_right (&g->mark[MARK_ATTACHMENT], &right, ICON_SIZE, bottom + (bottom_h - ICON_SIZE) / 2, ICON_SIZE, 4);
  if (self->marks[MARK_ANSWERED])
    place_right (&g->mark[MARK_ANSWERED], &right, ICON_SIZE, bottom + (bottom_h - ICON_SIZE) / 2, ICON_SIZE, 4);
  if (shows (self, TEXT_ACCOUNT))
    {
      float w = MIN (text_width (self, TEXT_ACCOUNT), ACCOUNT_CHARS * m->caption_char) + 12;

      place_right (&g->mark[MARK_ACCOUNT], &right, MIN (w, cap), bottom + (bottom_h - m->caption) / 2, m->caption, 4);
      graphene_rect_inset_r (&g->mark[MARK_ACCOUNT], 6, 0, &g->text[TEXT_ACCOUNT]);
    }
  if (shows (self, TEXT_FOLDER))
    {
      float w = MIN (text_width (self, TEXT_FOLDER), FOLDER_CHARS * m->caption_char);

      place_right (&g->text[TEXT_FOLDER], &right, MIN (w, cap), bottom, bottom_h, 4);
      g->mark[MARK_FOLDER] = g->text[TEXT_FOLDER];
    }
  graphene_rect_init (&g->text[TEXT_SUBJECT], left, bottom, MAX (right + 4 - left, 0), bottom_h);

  if (shows (self, TEXT_PREVIEW))
    graphene_rect_init (&g->text[TEXT_PREVIEW], left, bottom + bottom_h + LINE_SPACING, width - MARGIN_END - left,
                        m->caption);
}

static void
mirror (const graphene_rect_t *rect,
        int                    width,
        gboolean               rtl,
        graphene_rect_t       *out)
{
  *out = *rect;
  if (rtl)
    out->origin.x = width - rect->origin.x - rect->size.width;
}

static GdkRGBA
style_color (GtkWidget  *widget,
             const char *name,
             float       alpha)
{
  GtkStyleContext *context = gtk_widget_get_style_context (widget);
  GdkRGBA color;

G_GNUC_BEGIN_IGNORE_DEPRECATIONS
  if (name == NULL || !gtk_style_context_lookup_color (context, name, &color))
    gtk_style_context_get_color (context, &color);
G_GNUC_END_IGNORE_DEPRECATIONS
  color.alpha *= alpha;
  return color;
}

static void
draw_text (TernMessageRow        *self,
           GtkSnapshot           *snapshot,
           Text                   text,
           const graphene_rect_t *rect,
           const GdkRGBA         *color)
{
  PangoLayout *layout;
  int w, h;

  if (!shows (self, text) || rect->size.width <= 0)
    return;
  layout = get_layout (self, text);
  pango_layout_set_width (layout, (int) rect->size.width * PANGO_SCALE);
  pango_layout_get_pixel_size (layout, &w, &h);
  gtk_snapshot_save (snapshot);
  gtk_snapshot_translate (snapshot, &GRAPHENE_POINT_INIT (gtk_widget_get_direction (GTK_WIDGET (self)) == GTK_TEXT_DIR_RTL
                                                          ? rect->origin.x + rect->size.width - w : rect->origin.x,
                                                          rect->origin.y + (rect->size.height - h) / 2));
  gtk_snapshot_append_layout (snapshot, layout, color);
  gtk_snapshot_restore (snapshot);
}

/* A symbolic icon in one colour. */
static void
draw_icon (TernMessageRow        *self,
           GtkSnapshot           *snapshot,
           Mark                   mark,
           const graphene_rect_t *rect,
           const GdkRGBA         *color)
{
  GtkWidget *widget = GTK_WIDGET (self);
  int size = (int) rect->size.width;
  g_autoptr(GtkIconPaintable) icon = gtk_icon_theme_lookup_icon (gtk_icon_theme_get_for_display (gtk_widget_get_display (widget)),
                                                                 mark_icons[mark], NULL, size,
                                                                 gtk_widget_get_scale_factor (widget),
                                                                 gtk_widget_get_direction (widget), 0);

  gtk_snapshot_save (snapshot);
  gtk_snapshot_translate (snapshot, &rect->origin);
  gtk_symbolic_paintable_snapshot_symbolic (GTK_SYMBOLIC_PAINTABLE (icon), snapshot, size, size, color, 1);
  gtk_snapshot_restore (snapshot);
}

static void
draw_pill (GtkSnapshot           *snapshot,
           const graphene_rect_t *rect,
           float                  radius,
           const GdkRGBA         *color)
{
  GskRoundedRect clip;

  gsk_rounded_rect_init_from_rect (&clip, rect, MIN (radius, rect->size.height / 2));
  gtk_snapshot_push_rounded_clip (snapshot, &clip);
  gtk_snapshot_append_color (snapshot, color, rect);
  gtk_snapshot_pop (snapshot);
}

static void
tern_message_row_snapshot (GtkWidget   *widget,
                           GtkSnapshot *snapshot)
{
  static const char *const account_colors[] = { "blue_3", "green_3", "orange_3", "purple_3", "red_3", "yellow_3" };
  static const float account_alphas[] = { 0.25f, 0.25f, 0.3f, 0.25f, 0.25f, 0.35f };
  TernMessageRow *self = TERN_MESSAGE_ROW (widget);
  int width = gtk_widget_get_width (widget);
  gboolean rtl = gtk_widget_get_direction (widget) == GTK_TEXT_DIR_RTL;
  float dim = adw_style_manager_get_high_contrast (adw_style_manager_get_default ()) ? 0.9f : 0.55f;
  GdkRGBA fg = style_color (widget, NULL, 1), dimmed = style_color (widget, NULL, dim);
  Geometry g;
  graphene_rect_t r;

  if (self->texts[TEXT_DATE] == NULL)
    return;
  place (self, width, gtk_widget_get_height (widget), &g);

  if (self->marks[MARK_UNREAD])
    {
      GdkRGBA accent = style_color (widget, "accent_color", 1);

      mirror (&g.mark[MARK_UNREAD], width, rtl, &r);
      draw_icon (self, snapshot, MARK_UNREAD, &r, &accent);
    }
  mirror (&g.text[TEXT_SENDER], width, rtl, &r);
  draw_text (self, snapshot, TEXT_SENDER, &r, &fg);
  if (self->marks[MARK_COUNT])
    {
      GdkRGBA badge = style_color (widget, "window_fg_color", 0.1f);

      mirror (&g.mark[MARK_COUNT], width, rtl, &r);
      draw_pill (snapshot, &r, 9, &badge);
      {
        float w = text_width (self, TEXT_COUNT);

        graphene_rect_init (&r, r.origin.x + (r.size.width - w) / 2, r.origin.y, w, r.size.height);
      }
      draw_text (self, snapshot, TEXT_COUNT, &r, &fg);
    }
  mirror (&g.text[TEXT_DATE], width, rtl, &r);
  draw_text (self, snapshot, TEXT_DATE, &r, &dimmed);

  {
    /* Read: the subject a little lighter (dim-label, at 55%, read as disabled text). */
    GdkRGBA subject = style_color (widget, NULL, self->marks[MARK_UNREAD] ? 1 : 0.8f);

    mirror (&g.text[TEXT_SUBJECT], width, rtl, &r);
    draw_text (self, snapshot, TEXT_SUBJECT, &r, &subject);
  }
  mirror (&g.text[TEXT_FOLDER], width, rtl, &r);
  draw_text (self, snapshot, TEXT_FOLDER, &r, &dimmed);
  if (shows (self, TEXT_ACCOUNT))
    {
      guint c = self->account_color % G_N_ELEMENTS (account_colors);
      GdkRGBA tag = style_color (widget, account_colors[c], account_alphas[c]);

      mirror (&g.mark[MARK_ACCOUNT], width, rtl, &r);
      draw_pill (snapshot, &r, 6, &tag);
      mirror (&g.text[TEXT_ACCOUNT], width, rtl, &r);
      draw_text (self, snapshot, TEXT_ACCOUNT, &r, &fg);
    }
  for (Mark mark = MARK_ANSWERED; mark <= MARK_FLAGGED; mark++)
    if (self->marks[mark])
      {
        GdkRGBA color = mark == MARK_FLAGGED ? style_color (widget, "warning_color", 1) : dimmed;

        mirror (&g.mark[mark], width, rtl, &r);
        draw_icon (self, snapshot, mark, &r, &color);
      }
  mirror (&g.text[TEXT_PREVIEW], width, rtl, &r);
  draw_text (self, snapshot, TEXT_PREVIEW, &r, &dimmed);
}

/* The marks say what they mean under the pointer; an ellipsized sender or subject shows whole. */
static gboolean
tern_message_row_query_tooltip (GtkWidget  *widget,
                                int         x,
                                int         y,
                                gboolean    keyboard,
                                GtkTooltip *tooltip)
{
  TernMessageRow *self = TERN_MESSAGE_ROW (widget);
  const char *mark_tips[N_MARKS] = {
    [MARK_UNREAD] = _("Unread"),
    [MARK_COUNT] = _("Messages in this conversation"),
    [MARK_FOLDER] = self->texts[TEXT_FOLDER],
    [MARK_ACCOUNT] = self->texts[TEXT_ACCOUNT],
    [MARK_ANSWERED] = _("Answered"),
    [MARK_ATTACHMENT] = _("Has attachments"),
    [MARK_FLAGGED] = _("Starred"),
  };
  const Text texts[] = { TEXT_SENDER, TEXT_SUBJECT, TEXT_PREVIEW };
  int width = gtk_widget_get_width (widget);
  gboolean rtl = gtk_widget_get_direction (widget) == GTK_TEXT_DIR_RTL;
  graphene_point_t at = GRAPHENE_POINT_INIT (x, y);
  Geometry g;
  graphene_rect_t r;

  if (keyboard || self->texts[TEXT_DATE] == NULL)
    return FALSE;
  place (self, width, gtk_widget_get_height (widget), &g);
  for (Mark mark = 0; mark < N_MARKS; mark++)
    {
      gboolean showing = mark == MARK_FOLDER ? shows (self, TEXT_FOLDER)
                         : mark == MARK_ACCOUNT ? shows (self, TEXT_ACCOUNT) : self->marks[mark];

      mirror (&g.mark[mark], width, rtl, &r);
      if (showing && graphene_rect_contains_point (&r, &at))
        {
          gtk_tooltip_set_text (tooltip, mark_tips[mark]);
          return TRUE;
        }
    }
  for (guint i = 0; i < G_N_ELEMENTS (texts); i++)
    {
      mirror (&g.text[texts[i]], width, rtl, &r);
      if (shows (self, texts[i]) && graphene_rect_contains_point (&r, &at) &&
          pango_layout_is_ellipsized (get_layout (self, texts[i])))
        {
          gtk_tooltip_set_text (tooltip, self->texts[texts[i]]);
          return TRUE;
        }
    }
  return FALSE;
}

static void
set_text (TernMessageRow *self,
          Text            text,
          const char     *value)
{
  if (g_strcmp0 (self->texts[text], value) == 0)
    return;
  g_free (self->texts[text]);
  self->texts[text] = g_strdup (value);
  g_clear_object (&self->layouts[text]);
}

/* What the row shows changed: drawn again, and measured again where its height may differ. */
static void
changed (TernMessageRow *self,
         int             old_height)
{
  if (row_height (self) != old_height)
    gtk_widget_queue_resize (GTK_WIDGET (self));
  else
    gtk_widget_queue_draw (GTK_WIDGET (self));
}

static void
tell_accessible (TernMessageRow *self)
{
  g_autoptr(GString) text = g_string_new (NULL);

  if (self->texts[TEXT_DATE] == NULL)
    {
      gtk_accessible_reset_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_LABEL);
      return;
    }
  if (self->marks[MARK_UNREAD])
    g_string_append_printf (text, "%s, ", _("Unread"));
  if (self->marks[MARK_FLAGGED])
    g_string_append_printf (text, "%s, ", _("Starred"));
  g_string_append_printf (text, "%s, %s, %s", self->texts[TEXT_SENDER], self->texts[TEXT_SUBJECT],
                          self->texts[TEXT_DATE]);
  if (self->marks[MARK_COUNT])
    g_string_append_printf (text, ", %s", self->texts[TEXT_COUNT]);
  if (self->marks[MARK_ANSWERED])
    g_string_append_printf (text, ", %s", _("Answered"));
  if (self->marks[MARK_ATTACHMENT])
    g_string_append_printf (text, ", %s", _("Has attachments"));
  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_LABEL, text->str, -1);
}

static void
update (TernMessageRow *self)
{
  TernMessageItem *item = self->item;
  TernConversationItem *conversation = self->conversation;
  g_autofree char *date = NULL;
  g_autofree char *count_text = NULL;
  const char *sender = NULL, *subject = NULL, *preview = NULL;
  gboolean unread = FALSE, flagged = FALSE, answered = FALSE, attachment = FALSE;
  guint count = 0;
  int old_height = self->texts[TEXT_DATE] != NULL ? row_height (self) : -1;

  if (conversation != NULL && tern_conversation_item_get_loaded (conversation))
    {
      count = tern_conversation_item_get_count (conversation);
      unread = tern_conversation_item_get_unread (conversation);
      sender = tern_conversation_item_get_participants (conversation);
      subject = tern_conversation_item_get_subject (conversation);
      date = tern_format_date (tern_conversation_item_get_date (conversation));
      flagged = tern_conversation_item_get_flagged (conversation);
      attachment = tern_conversation_item_get_has_attachment (conversation);
    }
  else if (item != NULL && tern_message_item_get_loaded (item))
    {
      unread = tern_message_item_get_unread (item);
      sender = tern_message_item_get_sender (item);
      subject = tern_message_item_get_subject (item);
      date = tern_format_date (tern_message_item_get_date (item));
      flagged = tern_message_item_get_flagged (item);
      answered = tern_message_item_get_answered (item);
      attachment = tern_message_item_get_has_attachment (item);
      if (self->show_preview && conversation == NULL)
        preview = tern_message_item_get_preview (item);
    }

  if (date != NULL)
    {
      sender = sender && *sender ? sender : _("(unknown sender)");
      subject = subject ? subject : _("(no subject)");
    }
  if (count > 1)
    count_text = g_strdup_printf ("%u", count);
  /* Bold or not, the sender is laid out again. */
  if (self->marks[MARK_UNREAD] != unread)
    g_clear_object (&self->layouts[TEXT_SENDER]);
  set_text (self, TEXT_SENDER, sender);
  set_text (self, TEXT_SUBJECT, subject);
  set_text (self, TEXT_DATE, date);
  set_text (self, TEXT_COUNT, count_text);
  set_text (self, TEXT_PREVIEW, preview);
  self->marks[MARK_UNREAD] = unread;
  self->marks[MARK_COUNT] = count > 1;
  self->marks[MARK_FLAGGED] = flagged;
  self->marks[MARK_ANSWERED] = answered;
  self->marks[MARK_ATTACHMENT] = attachment;
  tell_accessible (self);
  changed (self, old_height);
}

static void
item_notify_cb (TernMessageRow *self)
{
  update (self);
}

void
tern_message_row_set_item (TernMessageRow  *self,
                           TernMessageItem *item)
{
  g_return_if_fail (TERN_IS_MESSAGE_ROW (self));

  if (self->item == item)
    return;
  if (self->item != NULL)
    g_signal_handlers_disconnect_by_func (self->item, item_notify_cb, self);
  g_set_object (&self->item, item);
  if (item != NULL)
    g_signal_connect_object (item, "notify", G_CALLBACK (item_notify_cb), self, G_CONNECT_SWAPPED);
  update (self);
}

void
tern_message_row_set_conversation (TernMessageRow       *self,
                                   TernConversationItem *conversation)
{
  g_return_if_fail (TERN_IS_MESSAGE_ROW (self));

  if (self->conversation == conversation)
    return;
  if (self->conversation != NULL)
    g_signal_handlers_disconnect_by_func (self->conversation, item_notify_cb, self);
  g_set_object (&self->conversation, conversation);
  if (conversation != NULL)
    g_signal_connect_object (conversation, "notify", G_CALLBACK (item_notify_cb), self,
                             G_CONNECT_SWAPPED);
  update (self);
}

TernConversationItem *
tern_message_row_get_conversation (TernMessageRow *self)
{
  g_return_val_if_fail (TERN_IS_MESSAGE_ROW (self), NULL);

  return self->conversation;
}

TernMessageItem *
tern_message_row_get_item (TernMessageRow *self)
{
  g_return_val_if_fail (TERN_IS_MESSAGE_ROW (self), NULL);

  return self->item;
}

static void
tern_message_row_dispose (GObject *object)
{
  TernMessageRow *self = TERN_MESSAGE_ROW (object);

  tern_message_row_set_item (self, NULL);
  tern_message_row_set_conversation (self, NULL);
  drop_layouts (self);

  G_OBJECT_CLASS (tern_message_row_parent_class)->dispose (object);
}

static void
tern_message_row_finalize (GObject *object)
{
  TernMessageRow *self = TERN_MESSAGE_ROW (object);

  for (guint i = 0; i < N_TEXTS; i++)
    g_free (self->texts[i]);

  G_OBJECT_CLASS (tern_message_row_parent_class)->finalize (object);
}

static void
tern_message_row_measure (GtkWidget      *widget,
                          GtkOrientation  orientation,
                          int             for_size,
                          int            *minimum,
                          int            *natural,
                          int            *minimum_baseline,
                          int            *natural_baseline)
{
  TernMessageRow *self = TERN_MESSAGE_ROW (widget);

  if (orientation == GTK_ORIENTATION_VERTICAL)
    {
      *minimum = *natural = row_height (self);
      return;
    }
  /* Narrow enough for a phone's width (the text ellipsizes); as wide as a sender and a
   * date want when there is room. */
  *minimum = MARGIN_START + DOT_SIZE + 8 + 8 * get_metrics (self)->caption_char + MARGIN_END;
  *natural = *minimum + (shows (self, TEXT_SENDER) ? text_width (self, TEXT_SENDER) : 0) +
             (shows (self, TEXT_DATE) ? 6 + text_width (self, TEXT_DATE) : 0);
}

static guint
font_key (GtkWidget *widget)
{
  PangoContext *context = gtk_widget_get_pango_context (widget);
  const PangoFontDescription *font = pango_context_get_font_description (context);

  return (font != NULL ? pango_font_description_hash (font) : 0) ^
         (guint) (pango_cairo_context_get_resolution (context) * 16);
}

/* A new font (a theme, the text size, the resolution): the text is laid out again. A change
 * of state alone (hover, selection) only draws it again, in its new colours. */
static void
tern_message_row_css_changed (GtkWidget         *widget,
                              GtkCssStyleChange *change)
{
  TernMessageRow *self = TERN_MESSAGE_ROW (widget);
  guint key;

  GTK_WIDGET_CLASS (tern_message_row_parent_class)->css_changed (widget, change);
  key = font_key (widget);
  if (key != self->font_key)
    {
      self->font_key = key;
      drop_layouts (self);
      gtk_widget_queue_resize (widget);
    }
}

static GtkSizeRequestMode
tern_message_row_get_request_mode (GtkWidget *widget)
{
  return GTK_SIZE_REQUEST_CONSTANT_SIZE;
}

static void
tern_message_row_class_init (TernMessageRowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = tern_message_row_dispose;
  object_class->finalize = tern_message_row_finalize;
  widget_class->measure = tern_message_row_measure;
  widget_class->snapshot = tern_message_row_snapshot;
  widget_class->query_tooltip = tern_message_row_query_tooltip;
  widget_class->css_changed = tern_message_row_css_changed;
  widget_class->get_request_mode = tern_message_row_get_request_mode;
  gtk_widget_class_set_css_name (widget_class, "ternmessagerow");
  /* What a screen reader reads of a row: one label naming all it shows (tell_accessible ()),
   * as the labels it was made of were read. */
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_LABEL);
}

static void
tern_message_row_init (TernMessageRow *self)
{
  gtk_widget_set_has_tooltip (GTK_WIDGET (self), TRUE);
}

void
tern_message_row_set_folder_name (TernMessageRow *self,
                                  const char     *name)
{
  int old_height;

  g_return_if_fail (TERN_IS_MESSAGE_ROW (self));

  old_height = row_height (self);
  set_text (self, TEXT_FOLDER, name);
  changed (self, old_height);
}

void
tern_message_row_set_account (TernMessageRow *self,
                              const char     *name,
                              guint           color)
{
  int old_height;

  g_return_if_fail (TERN_IS_MESSAGE_ROW (self));

  old_height = row_height (self);
  self->account_color = color;
  set_text (self, TEXT_ACCOUNT, name);
  changed (self, old_height);
}

const char *
tern_message_row_get_account (TernMessageRow *self)
{
  g_return_val_if_fail (TERN_IS_MESSAGE_ROW (self), NULL);

  return self->texts[TEXT_ACCOUNT];
}

/* For the factory: whether the next item set shows its preview, without a change now. */
void
_tern_message_row_set_show_preview_quietly (TernMessageRow *self,
                                            gboolean        show)
{
  self->show_preview = !!show;
}

void
tern_message_row_set_show_preview (TernMessageRow *self,
                                   gboolean        show)
{
  g_return_if_fail (TERN_IS_MESSAGE_ROW (self));

  self->show_preview = !!show;
  update (self);
}

const char *
tern_message_row_get_preview (TernMessageRow *self)
{
  g_return_val_if_fail (TERN_IS_MESSAGE_ROW (self), NULL);

  return self->texts[TEXT_PREVIEW];
}

const char *
tern_message_row_get_folder_name (TernMessageRow *self)
{
  g_return_val_if_fail (TERN_IS_MESSAGE_ROW (self), NULL);

  return self->texts[TEXT_FOLDER];
}

GtkWidget *
tern_message_row_new (void)
{
  return g_object_new (TERN_TYPE_MESSAGE_ROW, NULL);
}
