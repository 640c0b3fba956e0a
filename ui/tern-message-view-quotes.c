/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "tern-message-view"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "tern-message-view-private.h"

/*
 * A message in a conversation (embedded): its plain text as labels, as tall as they are
 * (the conversation scrolls, not each message), and the quoted text folded, as Geary does:
 * the messages above already show what a reply quotes. A block of "> " lines (with the
 * "On ..., X wrote:" line just before it) goes into a "Show Quoted Text" expander. The text
 * view keeps the text (what tests and search read); HTML keeps its own layout.
 */

static gboolean
is_quote_line (const char *line)
{
  while (*line == ' ' || *line == '\t')
    line++;
  return *line == '>';
}

static gboolean
is_attribution (const char *line)
{
  g_autofree char *stripped = g_strstrip (g_strdup (line));
  gsize len = strlen (stripped);

  return len > 0 && stripped[len - 1] == ':';
}

static gboolean
link_cb (GtkLabel        *label,
         const char      *uri,
         TernMessageView *self)
{
  _tern_message_view_open_uri (GTK_WIDGET (self), uri);
  return TRUE;
}

/* Lines first .. last - 1 as a label, links clickable. */
static GtkWidget *
text_label (TernMessageView *self,
            char           **lines,
            int              first,
            int              last)
{
  static GRegex *links;
  g_autofree char *text = NULL;
  g_autofree char *markup = NULL;
  g_autoptr(GString) out = g_string_new (NULL);
  g_autoptr(GMatchInfo) match = NULL;
  GtkWidget *label;
  int done = 0;

  if (links == NULL)
    links = g_regex_new ("\\b(?:https?://|mailto:|www\\.)[^\\s<>\"]*[^\\s<>\".,;:!?)\\]']",
                         G_REGEX_CASELESS | G_REGEX_OPTIMIZE, 0, NULL);
  {
    g_autoptr(GStrvBuilder) part = g_strv_builder_new ();

    for (int i = first; i < last; i++)
      g_strv_builder_add (part, lines[i]);
    {
      g_auto(GStrv) v = g_strv_builder_end (part);

      text = g_strjoinv ("\n", v);
    }
  }
  g_regex_match (links, text, 0, &match);
  while (g_match_info_matches (match))
    {
      int s, e;
      g_autofree char *uri = g_match_info_fetch (match, 0);
      g_autofree char *before = NULL;
      g_autofree char *target = NULL;
      g_autofree char *shown = NULL;

      g_match_info_fetch_pos (match, 0, &s, &e);
      before = g_markup_escape_text (text + done, s - done);
      target = g_markup_escape_text (g_str_has_prefix (uri, "www.") ? "https://" : "", -1);
      shown = g_markup_escape_text (uri, -1);
      g_string_append_printf (out, "%s<a href=\"%s%s\">%s</a>", before, target, shown, shown);
      done = e;
      g_match_info_next (match, NULL);
    }
  markup = g_markup_escape_text (text + done, -1);
  g_string_append (out, markup);

  label = gtk_label_new (NULL);
  gtk_label_set_markup (GTK_LABEL (label), out->str);
  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_label_set_wrap (GTK_LABEL (label), TRUE);
  gtk_label_set_wrap_mode (GTK_LABEL (label), PANGO_WRAP_WORD_CHAR);
  gtk_label_set_selectable (GTK_LABEL (label), TRUE);
  g_signal_connect (label, "activate-link", G_CALLBACK (link_cb), self);
  return label;
}

static void
expander_cb (GtkExpander *expander)
{
  gtk_expander_set_label (expander, gtk_expander_get_expanded (expander) ? _("Hide Quoted Text")
                                                                        : _("Show Quoted Text"));
}

void
_tern_message_view_fold_quotes (TernMessageView *self,
                                const char      *text)
{
  g_auto(GStrv) lines = NULL;
  GtkWidget *child;
  int n, done = 0;

  if (!self->embedded)
    return;
  while ((child = gtk_widget_get_first_child (self->plain_box)) != NULL)
    gtk_box_remove (GTK_BOX (self->plain_box), child);
  lines = g_strsplit (text != NULL ? text : "", "\n", -1);
  n = (int) g_strv_length (lines);
  /* No empty line at the foot. */
  while (n > 0 && g_strstrip (lines[n - 1])[0] == '\0')
    n--;

  for (int line = 0; line < n;)
    {
      int first = line, last;
      GtkWidget *expander;

      if (!is_quote_line (lines[line]))
        {
          line++;
          continue;
        }
      if (first > done && is_attribution (lines[first - 1]))
        first--;
      for (last = line + 1; last < n && is_quote_line (lines[last]); last++)
        ;
      if (first > done)
        gtk_box_append (GTK_BOX (self->plain_box), text_label (self, lines, done, first));
      expander = gtk_expander_new (_("Show Quoted Text"));
      gtk_widget_set_name (expander, "quote_button");
      gtk_widget_add_css_class (expander, "quoted-text");
      child = text_label (self, lines, first, last);
      gtk_widget_add_css_class (child, "dim-label");
      gtk_expander_set_child (GTK_EXPANDER (expander), child);
      g_signal_connect (expander, "notify::expanded", G_CALLBACK (expander_cb), NULL);
      gtk_box_append (GTK_BOX (self->plain_box), expander);
      done = line = last;
    }
  if (n > done)
    gtk_box_append (GTK_BOX (self->plain_box), text_label (self, lines, done, n));
}

void
tern_message_view_set_embedded (TernMessageView *self,
                                gboolean         embedded)
{
  g_return_if_fail (TERN_IS_MESSAGE_VIEW (self));

  self->embedded = !!embedded;
  /* The card above says who it is from (and when, in short). */
  gtk_widget_set_visible (self->subject, !self->embedded);
  gtk_widget_set_visible (self->from, !self->embedded);
  gtk_stack_set_vhomogeneous (GTK_STACK (self->stack), !self->embedded);
  gtk_stack_set_vhomogeneous (GTK_STACK (self->body_stack), !self->embedded);
  gtk_widget_set_vexpand (self->body_stack, !self->embedded);
  gtk_widget_set_vexpand (self->text_view, !self->embedded);
  /* The text as tall as it is, out of its scroller, as labels (a text view measures its
   * height only as its lines are laid out, after the conversation was). Once: embedded is
   * for good. */
  if (self->embedded && self->text_scroller != NULL)
    {
      GtkWidget *viewport = gtk_scrolled_window_get_child (GTK_SCROLLED_WINDOW (self->text_scroller));

      g_object_ref (self->text_box);
      gtk_viewport_set_child (GTK_VIEWPORT (viewport), NULL);
      gtk_stack_remove (GTK_STACK (self->body_stack), self->text_scroller);
      self->text_scroller = NULL;
      gtk_stack_add_named (GTK_STACK (self->body_stack), self->text_box, "text");
      g_object_unref (self->text_box);
      gtk_widget_set_visible (self->text_view, FALSE);
      self->plain_box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 12);
      gtk_widget_add_css_class (self->plain_box, "plain-text");
      gtk_widget_set_margin_start (self->plain_box, 18);
      gtk_widget_set_margin_end (self->plain_box, 18);
      gtk_widget_set_margin_top (self->plain_box, 12);
      gtk_widget_set_margin_bottom (self->plain_box, 12);
      gtk_box_prepend (GTK_BOX (self->text_box), self->plain_box);
    }
  if (self->embedded)
    {
      gtk_widget_set_margin_top (self->headers, 0);
      gtk_widget_add_css_class (GTK_WIDGET (self), "embedded");
    }
}

guint
tern_message_view_get_n_folded_quotes (TernMessageView *self)
{
  guint n = 0;

  g_return_val_if_fail (TERN_IS_MESSAGE_VIEW (self), 0);

  if (self->plain_box == NULL)
    return 0;
  for (GtkWidget *c = gtk_widget_get_first_child (self->plain_box); c != NULL; c = gtk_widget_get_next_sibling (c))
    n += GTK_IS_EXPANDER (c) && !gtk_expander_get_expanded (GTK_EXPANDER (c));
  return n;
}
