/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "tern-spell"

#include "config.h"

#include "tern-spell-checker.h"

#include <enchant.h>
#include <glib/gi18n.h>
#include <string.h>

#include "tern-spell-languages.h"

/* Lines are checked as they change (a keystroke costs its own line); a text set or pasted
 * as a whole, or a change of language, is checked when idle, STEP_LINES at a time. */
#define STEP_LINES       200
#define LARGE_CHANGE     2000   /* characters inserted at once: checked when idle */
#define DETECT_WORDS     300    /* words language detection looks at */
#define DETECT_MIN_WORDS 3
#define DETECT_DELAY_MS  400
#define MAX_SUGGESTIONS  5

struct _TernSpellChecker
{
  GObject             parent_instance;

  GtkTextView        *view;
  GtkTextBuffer      *buffer;
  GtkTextTag         *tag;
  GtkTextMark        *last_cursor;   /* where the cursor was: its word is checked once left */
  GtkTextMark        *check_from;    /* where the idle check goes on */
  GtkTextMark        *menu_start;    /* the word the context menu is for */
  GtkTextMark        *menu_end;
  GSimpleActionGroup *actions;
  GtkGesture         *right_click;

  gboolean            enabled;
  char               *language;      /* chosen; "" to detect */
  char               *active;        /* in use; NULL if no dictionary */
  EnchantDict        *dict;          /* active's, borrowed from the broker's cache */
  char               *menu_word;
  GHashTable         *ignored;       /* "Ignore All": words of this text only */
  guint               idle_id;
  guint               detect_id;
};

enum { PROP_0, PROP_ACTIVE_LANGUAGE, N_PROPS };
static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (TernSpellChecker, tern_spell_checker, G_TYPE_OBJECT)

/* One broker for the process, and its dictionaries by tag (kept: requesting one loads it). */

static EnchantBroker *broker;
static GHashTable *dicts;

static EnchantBroker *
get_broker (void)
{
  if (broker == NULL)
    {
      broker = enchant_broker_init ();
      dicts = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
    }
  return broker;
}

static EnchantDict *
get_dict (const char *tag)
{
  EnchantDict *dict;

  if (tag == NULL || get_broker () == NULL)
    return NULL;
  if (g_hash_table_lookup_extended (dicts, tag, NULL, (gpointer *) &dict))
    return dict;
  dict = enchant_broker_dict_exists (broker, tag) ? enchant_broker_request_dict (broker, tag) : NULL;
  if (dict == NULL)
    g_debug ("no dictionary for %s: %s", tag, enchant_broker_get_error (broker));
  g_hash_table_insert (dicts, g_strdup (tag), dict);
  return dict;
}

static void
describe_dict_cb (const char *lang_tag,
                  const char *provider_name,
                  const char *provider_desc,
                  const char *provider_file,
                  void       *user_data)
{
  GPtrArray *tags = user_data;

  for (guint i = 0; i < tags->len; i++)
    if (g_str_equal (tags->pdata[i], lang_tag))
      return;
  g_ptr_array_add (tags, g_strdup (lang_tag));
}

static int
compare_strings (gconstpointer a,
                 gconstpointer b)
{
  return strcmp (*(const char **) a, *(const char **) b);
}

GStrv
tern_spell_checker_list_languages (void)
{
  /* Listed once a process: enchant reads its providers' folders each time, and language
   * detection asks after every pause in typing. */
  static GStrv installed;

  if (installed == NULL)
    {
      GPtrArray *tags = g_ptr_array_new ();

      if (get_broker () != NULL)
        enchant_broker_list_dicts (broker, describe_dict_cb, tags);
      g_ptr_array_sort (tags, compare_strings);
      g_ptr_array_add (tags, NULL);
      installed = (GStrv) g_ptr_array_free (tags, FALSE);
    }
  return g_strdupv (installed);
}

char *
tern_spell_checker_dup_language_name (const char *tag)
{
  return tern_spell_language_name (tag);
}

/* The language the user reads in, as a dictionary: their locale's ("de_AT" for de_AT.UTF-8),
 * else one of its language ("de_DE" for de_CH), else en_US, else the first there is. */
static char *
default_language (GStrv installed)
{
  const char * const *names = g_get_language_names ();

  if (installed == NULL || installed[0] == NULL)
    return NULL;
  for (guint i = 0; names[i] != NULL; i++)
    {
      g_autofree char *tag = g_strdup (names[i]);
      char *cut = strpbrk (tag, ".@");

      if (cut != NULL)
        *cut = '\0';
      if (g_str_equal (tag, "C") || g_str_equal (tag, "POSIX"))
        continue;
      if (g_strv_contains ((const char * const *) installed, tag))
        return g_steal_pointer (&tag);
      for (guint j = 0; installed[j] != NULL; j++)
        if (g_str_has_prefix (installed[j], tag) && installed[j][strlen (tag)] == '_')
          return g_strdup (installed[j]);
    }
  if (g_strv_contains ((const char * const *) installed, "en_US"))
    return g_strdup ("en_US");
  return g_strdup (installed[0]);
}

/* Words. */

static gboolean
line_is_quoted (const GtkTextIter *line_start)
{
  return gtk_text_iter_get_char (line_start) == '>';
}

static gboolean
line_is_signature_separator (const GtkTextIter *line_start)
{
  GtkTextIter end = *line_start;
  g_autofree char *text = NULL;

  if (gtk_text_iter_get_char (line_start) != '-')
    return FALSE;
  if (!gtk_text_iter_ends_line (&end))
    gtk_text_iter_forward_to_line_end (&end);
  text = gtk_text_iter_get_slice (line_start, &end);
  return g_str_equal (text, "-- ");
}

/* Whether the line at line_start is in the signature: below a "-- " line, and above the
 * first quoted line after it (where a reply's original starts). */
static gboolean
line_in_signature (const GtkTextIter *line_start)
{
  GtkTextIter iter = *line_start;

  do
    {
      if (line_is_quoted (&iter))
        return FALSE;
      if (line_is_signature_separator (&iter))
        return TRUE;
    }
  while (gtk_text_iter_backward_line (&iter));
  return FALSE;
}

/* Whether the word [start, end) is one to leave alone: a single letter, one with a digit, or
 * part of an address, a link or a file name. */
static gboolean
skip_word (const char        *word,
           const GtkTextIter *start,
           const GtkTextIter *end)
{
  GtkTextIter a = *start;
  GtkTextIter b = *end;
  g_autofree char *token = NULL;

  if (g_utf8_strlen (word, -1) < 2)
    return TRUE;
  for (const char *p = word; *p != '\0'; p = g_utf8_next_char (p))
    if (g_unichar_isdigit (g_utf8_get_char (p)))
      return TRUE;
  /* The whole run of non-space characters around it. */
  while (!gtk_text_iter_starts_line (&a))
    {
      gtk_text_iter_backward_char (&a);
      if (g_unichar_isspace (gtk_text_iter_get_char (&a)))
        {
          gtk_text_iter_forward_char (&a);
          break;
        }
    }
  while (!gtk_text_iter_ends_line (&b) && !g_unichar_isspace (gtk_text_iter_get_char (&b)))
    gtk_text_iter_forward_char (&b);
  token = gtk_text_iter_get_slice (&a, &b);
  return strchr (token, '@') != NULL || strstr (token, "://") != NULL ||
         g_str_has_prefix (token, "www.") || strchr (token, '/') != NULL ||
         strchr (token, '\\') != NULL || strchr (token, '_') != NULL;
}

/* The word as the dictionary spells it: a typographic apostrophe as "'". */
static char *
dictionary_form (const char *word)
{
  GString *s = g_string_new (NULL);

  for (const char *p = word; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      g_string_append_unichar (s, c == 0x2019 ? '\'' : c);
    }
  return g_string_free (s, FALSE);
}

static gboolean
word_is_known (EnchantDict *dict,
               const char  *word)
{
  g_autofree char *form = dictionary_form (word);

  return enchant_dict_check (dict, form, -1) == 0;
}

typedef void (*WordFunc) (const GtkTextIter *start,
                          const GtkTextIter *end,
                          gpointer           data);

/* Calls func for each word in [start, end), start moved back to its word's start. */
static void
foreach_word (const GtkTextIter *start,
              const GtkTextIter *end,
              WordFunc           func,
              gpointer           data)
{
  GtkTextIter iter = *start;

  if (gtk_text_iter_inside_word (&iter) && !gtk_text_iter_starts_word (&iter))
    gtk_text_iter_backward_word_start (&iter);
  else if (!gtk_text_iter_starts_word (&iter))
    {
      if (!gtk_text_iter_forward_word_end (&iter))
        return;
      gtk_text_iter_backward_word_start (&iter);
    }
  while (gtk_text_iter_compare (&iter, end) < 0)
    {
      GtkTextIter word_end = iter;

      if (!gtk_text_iter_forward_word_end (&word_end) &&
          gtk_text_iter_compare (&word_end, &iter) <= 0)
        break;
      func (&iter, &word_end, data);
      iter = word_end;
      if (!gtk_text_iter_forward_word_end (&iter))
        break;
      gtk_text_iter_backward_word_start (&iter);
      if (gtk_text_iter_compare (&iter, &word_end) < 0)
        break;
    }
}

/* Checking. */

typedef struct
{
  TernSpellChecker *self;
  gboolean          typing;   /* the word at the cursor is being typed: not yet */
  GtkTextIter       cursor;
} CheckLine;

static void
check_word_cb (const GtkTextIter *start,
               const GtkTextIter *end,
               gpointer           data)
{
  CheckLine *check = data;
  g_autofree char *word = gtk_text_iter_get_slice (start, end);

  if (check->typing && gtk_text_iter_compare (start, &check->cursor) < 0 &&
      gtk_text_iter_compare (&check->cursor, end) <= 0)
    return;
  if (skip_word (word, start, end) || g_hash_table_contains (check->self->ignored, word) ||
      word_is_known (check->self->dict, word))
    return;
  gtk_text_buffer_apply_tag (check->self->buffer, check->self->tag, start, end);
}

/* Checks the line at line_start (moved to the line's start), in_signature telling whether it
 * is below the signature separator. Returns whether the next line is. */
static gboolean
check_line (TernSpellChecker *self,
            GtkTextIter      *line_start,
            gboolean          in_signature,
            gboolean          typing)
{
  GtkTextIter end = *line_start;
  CheckLine check = { self, typing, };

  gtk_text_iter_set_line_offset (line_start, 0);
  end = *line_start;
  if (!gtk_text_iter_ends_line (&end))
    gtk_text_iter_forward_to_line_end (&end);
  gtk_text_buffer_remove_tag (self->buffer, self->tag, line_start, &end);
  if (line_is_quoted (line_start))
    return FALSE;
  if (line_is_signature_separator (line_start))
    return TRUE;
  if (in_signature || self->dict == NULL || !self->enabled)
    return in_signature;
  gtk_text_buffer_get_iter_at_mark (self->buffer, &check.cursor, gtk_text_buffer_get_insert (self->buffer));
  foreach_word (line_start, &end, check_word_cb, &check);
  return FALSE;
}

/* Checks the lines from start's to end's. */
static void
check_lines (TernSpellChecker  *self,
             const GtkTextIter *start,
             const GtkTextIter *end,
             gboolean           typing)
{
  GtkTextIter line = *start;
  gboolean in_signature;

  gtk_text_iter_set_line_offset (&line, 0);
  in_signature = line_in_signature (&line) && !line_is_signature_separator (&line);
  for (;;)
    {
      in_signature = check_line (self, &line, in_signature, typing);
      if (gtk_text_iter_get_line (&line) >= gtk_text_iter_get_line (end) ||
          !gtk_text_iter_forward_line (&line))
        break;
    }
}

static gboolean
check_step_cb (gpointer data)
{
  TernSpellChecker *self = data;
  GtkTextIter line, end;

  gtk_text_buffer_get_iter_at_mark (self->buffer, &line, self->check_from);
  end = line;
  gtk_text_iter_forward_lines (&end, STEP_LINES - 1);
  check_lines (self, &line, &end, FALSE);
  if (!gtk_text_iter_forward_line (&end))
    {
      self->idle_id = 0;
      return G_SOURCE_REMOVE;
    }
  gtk_text_buffer_move_mark (self->buffer, self->check_from, &end);
  return G_SOURCE_CONTINUE;
}

/* Checks the whole text again, from the line at from, when idle. */
static void
check_later (TernSpellChecker  *self,
             const GtkTextIter *from)
{
  GtkTextIter start;

  if (self->idle_id != 0)
    {
      gtk_text_buffer_get_iter_at_mark (self->buffer, &start, self->check_from);
      if (gtk_text_iter_compare (&start, from) <= 0)
        return;
    }
  start = *from;
  gtk_text_iter_set_line_offset (&start, 0);
  gtk_text_buffer_move_mark (self->buffer, self->check_from, &start);
  if (self->idle_id == 0)
    self->idle_id = g_idle_add_full (G_PRIORITY_LOW, check_step_cb, self, NULL);
}

static void
check_all (TernSpellChecker *self)
{
  GtkTextIter start, end;

  gtk_text_buffer_get_bounds (self->buffer, &start, &end);
  if (!self->enabled || self->dict == NULL)
    {
      g_clear_handle_id (&self->idle_id, g_source_remove);
      gtk_text_buffer_remove_tag (self->buffer, self->tag, &start, &end);
      return;
    }
  check_later (self, &start);
}

/* Language. */

typedef struct
{
  GPtrArray *words;
  gboolean   in_signature;
} Sample;

static void
sample_word_cb (const GtkTextIter *start,
                const GtkTextIter *end,
                gpointer           data)
{
  Sample *sample = data;
  g_autofree char *word = gtk_text_iter_get_slice (start, end);

  if (sample->words->len < DETECT_WORDS && !skip_word (word, start, end))
    g_ptr_array_add (sample->words, g_steal_pointer (&word));
}

/* Up to DETECT_WORDS words of what the user wrote (no quote, no signature). */
static GPtrArray *
sample_words (TernSpellChecker *self)
{
  Sample sample = { g_ptr_array_new_with_free_func (g_free), FALSE };
  GtkTextIter line;

  gtk_text_buffer_get_start_iter (self->buffer, &line);
  do
    {
      GtkTextIter end = line;

      if (line_is_quoted (&line))
        {
          sample.in_signature = FALSE;
          continue;
        }
      if (line_is_signature_separator (&line))
        sample.in_signature = TRUE;
      if (sample.in_signature)
        continue;
      if (!gtk_text_iter_ends_line (&end))
        gtk_text_iter_forward_to_line_end (&end);
      foreach_word (&line, &end, sample_word_cb, &sample);
    }
  while (sample.words->len < DETECT_WORDS && gtk_text_iter_forward_line (&line));
  return sample.words;
}

static void
set_active (TernSpellChecker *self,
            const char       *tag)
{
  if (g_strcmp0 (tag, self->active) == 0)
    return;
  g_free (self->active);
  self->active = g_strdup (tag);
  self->dict = get_dict (tag);
  check_all (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ACTIVE_LANGUAGE]);
}

/* The dictionary that knows most of the sample's words; ties go to the one in use, then to
 * the user's language, then to a language's main variant (de_DE before de_AT). */
static void
detect_language (TernSpellChecker *self)
{
  g_auto(GStrv) installed = tern_spell_checker_list_languages ();
  g_autofree char *fallback = default_language (installed);
  g_autoptr(GPtrArray) words = NULL;
  const char *best = NULL;
  int best_score = -1;
  int best_rank = -1;

  if (installed[0] == NULL)
    {
      set_active (self, NULL);
      return;
    }
  words = sample_words (self);
  if (words->len < DETECT_MIN_WORDS)
    {
      set_active (self, self->active != NULL ? self->active : fallback);
      return;
    }
  for (guint i = 0; installed[i] != NULL; i++)
    {
      EnchantDict *dict = get_dict (installed[i]);
      const char *country = strchr (installed[i], '_');
      int score = 0;
      int rank;

      if (dict == NULL)
        continue;
      for (guint j = 0; j < words->len; j++)
        score += word_is_known (dict, words->pdata[j]);
      rank = g_strcmp0 (installed[i], self->active) == 0 ? 3 :
             g_strcmp0 (installed[i], fallback) == 0 ? 2 :
             country != NULL && g_ascii_strncasecmp (installed[i], country + 1, country - installed[i]) == 0 ? 1 : 0;
      if (score > best_score || (score == best_score && rank > best_rank))
        {
          best = installed[i];
          best_score = score;
          best_rank = rank;
        }
    }
  set_active (self, best != NULL ? best : fallback);
}

static gboolean
detect_cb (gpointer data)
{
  TernSpellChecker *self = data;

  self->detect_id = 0;
  detect_language (self);
  return G_SOURCE_REMOVE;
}

static void
detect_later (TernSpellChecker *self)
{
  if (*self->language != '\0' || !self->enabled)
    return;
  g_clear_handle_id (&self->detect_id, g_source_remove);
  self->detect_id = g_timeout_add (DETECT_DELAY_MS, detect_cb, self);
}

/* The context menu. */

/* The word at iter, as [start, end); FALSE if there is none. */
static gboolean
word_at (const GtkTextIter *iter,
         GtkTextIter       *start,
         GtkTextIter       *end)
{
  *start = *iter;
  if (!gtk_text_iter_inside_word (start) && !gtk_text_iter_ends_word (start))
    return FALSE;
  if (!gtk_text_iter_starts_word (start))
    gtk_text_iter_backward_word_start (start);
  *end = *start;
  gtk_text_iter_forward_word_end (end);
  return gtk_text_iter_compare (start, iter) <= 0 && gtk_text_iter_compare (iter, end) <= 0;
}

/* The extra items of the text view's context menu for the word at iter: suggestions, "Add to
 * Dictionary" and "Ignore All" if it is underlined, else none. */
static void
update_menu (TernSpellChecker  *self,
             const GtkTextIter *iter)
{
  GtkTextIter start, end;
  g_autofree char *word = NULL;
  g_autoptr(GMenu) menu = NULL;
  g_autoptr(GMenu) suggestions = NULL;
  g_autoptr(GMenu) dictionary = NULL;
  g_autofree char *form = NULL;
  char **list;
  size_t n = 0;

  if (!word_at (iter, &start, &end) || !gtk_text_iter_has_tag (&start, self->tag) || self->dict == NULL)
    {
      if (self->menu_word != NULL)
        {
          g_clear_pointer (&self->menu_word, g_free);
          gtk_text_view_set_extra_menu (self->view, NULL);
        }
      return;
    }
  word = gtk_text_iter_get_slice (&start, &end);
  if (g_strcmp0 (word, self->menu_word) == 0)
    {
      GtkTextIter at;

      gtk_text_buffer_get_iter_at_mark (self->buffer, &at, self->menu_start);
      if (gtk_text_iter_equal (&at, &start))
        return;
    }
  gtk_text_buffer_move_mark (self->buffer, self->menu_start, &start);
  gtk_text_buffer_move_mark (self->buffer, self->menu_end, &end);
  g_free (self->menu_word);
  self->menu_word = g_strdup (word);

  menu = g_menu_new ();
  suggestions = g_menu_new ();
  form = dictionary_form (word);
  list = enchant_dict_suggest (self->dict, form, -1, &n);
  for (size_t i = 0; i < n && i < MAX_SUGGESTIONS; i++)
    {
      g_autoptr(GMenuItem) item = g_menu_item_new (list[i], NULL);

      g_menu_item_set_action_and_target (item, "spell.replace", "s", list[i]);
      g_menu_append_item (suggestions, item);
    }
  if (list != NULL)
    enchant_dict_free_string_list (self->dict, list);
  if (n == 0)
    g_menu_append (suggestions, _("No Suggestions"), "spell.none");
  g_menu_append_section (menu, NULL, G_MENU_MODEL (suggestions));
  dictionary = g_menu_new ();
  g_menu_append (dictionary, _("_Add to Dictionary"), "spell.add");
  g_menu_append (dictionary, _("_Ignore All"), "spell.ignore");
  g_menu_append_section (menu, NULL, G_MENU_MODEL (dictionary));
  gtk_text_view_set_extra_menu (self->view, G_MENU_MODEL (menu));
}

static void
right_click_cb (GtkGestureClick  *gesture,
                int               n_press,
                double            x,
                double            y,
                TernSpellChecker *self)
{
  GtkTextIter iter;
  int bx, by;

  gtk_text_view_window_to_buffer_coords (self->view, GTK_TEXT_WINDOW_WIDGET, (int) x, (int) y, &bx, &by);
  if (gtk_text_view_get_iter_at_location (self->view, &iter, bx, by))
    update_menu (self, &iter);
}

/* Whether the text between the menu's marks is still the word the menu was built for. */
static gboolean
menu_word_bounds (TernSpellChecker *self,
                  GtkTextIter      *start,
                  GtkTextIter      *end)
{
  g_autofree char *now = NULL;

  if (self->menu_word == NULL)
    return FALSE;
  gtk_text_buffer_get_iter_at_mark (self->buffer, start, self->menu_start);
  gtk_text_buffer_get_iter_at_mark (self->buffer, end, self->menu_end);
  now = gtk_text_iter_get_slice (start, end);
  return g_str_equal (now, self->menu_word);
}

static void
replace_cb (GSimpleAction *action,
            GVariant      *parameter,
            gpointer       data)
{
  TernSpellChecker *self = data;
  GtkTextIter start, end;

  if (!menu_word_bounds (self, &start, &end))
    return;
  gtk_text_buffer_begin_user_action (self->buffer);
  gtk_text_buffer_delete (self->buffer, &start, &end);
  gtk_text_buffer_insert (self->buffer, &start, g_variant_get_string (parameter, NULL), -1);
  gtk_text_buffer_end_user_action (self->buffer);
  /* A word chosen is not one being typed. */
  check_lines (self, &start, &start, FALSE);
}

static void
learn (TernSpellChecker *self,
       gboolean          for_good)
{
  GtkTextIter start, end;
  g_autofree char *form = NULL;

  if (!menu_word_bounds (self, &start, &end) || self->dict == NULL)
    return;
  form = dictionary_form (self->menu_word);
  /* The broker's dictionaries serve every composer: a word ignored stays with this text. */
  if (for_good)
    enchant_dict_add (self->dict, form, -1);
  else
    g_hash_table_add (self->ignored, g_strdup (self->menu_word));
  g_clear_pointer (&self->menu_word, g_free);
  gtk_text_view_set_extra_menu (self->view, NULL);
  check_all (self);
}

static void
add_cb (GSimpleAction *action,
        GVariant      *parameter,
        gpointer       data)
{
  learn (data, TRUE);
}

static void
ignore_cb (GSimpleAction *action,
           GVariant      *parameter,
           gpointer       data)
{
  learn (data, FALSE);
}

/* Changes. */

static void
insert_text_after_cb (GtkTextBuffer    *buffer,
                      GtkTextIter      *location,
                      const char       *text,
                      int               len,
                      TernSpellChecker *self)
{
  GtkTextIter start = *location;

  if (!self->enabled || self->dict == NULL)
    {
      detect_later (self);
      return;
    }
  gtk_text_iter_backward_chars (&start, g_utf8_strlen (text, len));
  if (len > LARGE_CHANGE)
    check_later (self, &start);
  else
    check_lines (self, &start, location, TRUE);
  detect_later (self);
}

static void
delete_range_after_cb (GtkTextBuffer    *buffer,
                       GtkTextIter      *start,
                       GtkTextIter      *end,
                       TernSpellChecker *self)
{
  if (self->enabled && self->dict != NULL)
    check_lines (self, start, end, TRUE);
  detect_later (self);
}

static void
cursor_moved_cb (TernSpellChecker *self)
{
  GtkTextIter cursor, before;

  gtk_text_buffer_get_iter_at_mark (self->buffer, &cursor, gtk_text_buffer_get_insert (self->buffer));
  gtk_text_buffer_get_iter_at_mark (self->buffer, &before, self->last_cursor);
  if (gtk_text_iter_equal (&cursor, &before))
    return;
  gtk_text_buffer_move_mark (self->buffer, self->last_cursor, &cursor);
  /* The word left behind is checked now that nobody types it. */
  if (self->enabled && self->dict != NULL)
    check_lines (self, &before, &before, FALSE);
  update_menu (self, &cursor);
}

/* The object. */

TernSpellChecker *
tern_spell_checker_new (GtkTextView *view)
{
  TernSpellChecker *self;
  GtkTextIter start;
  static const GActionEntry entries[] = {
    { "replace", replace_cb, "s" },
    { "add", add_cb },
    { "ignore", ignore_cb },
  };

  g_return_val_if_fail (GTK_IS_TEXT_VIEW (view), NULL);

  self = g_object_new (TERN_TYPE_SPELL_CHECKER, NULL);
  self->view = g_object_ref (view);
  self->buffer = g_object_ref (gtk_text_view_get_buffer (view));
  self->tag = gtk_text_buffer_create_tag (self->buffer, NULL,
                                          "underline", PANGO_UNDERLINE_ERROR,
                                          NULL);
  gtk_text_buffer_get_start_iter (self->buffer, &start);
  self->last_cursor = gtk_text_buffer_create_mark (self->buffer, NULL, &start, FALSE);
  self->check_from = gtk_text_buffer_create_mark (self->buffer, NULL, &start, TRUE);
  self->menu_start = gtk_text_buffer_create_mark (self->buffer, NULL, &start, TRUE);
  self->menu_end = gtk_text_buffer_create_mark (self->buffer, NULL, &start, FALSE);

  self->actions = g_simple_action_group_new ();
  g_action_map_add_action_entries (G_ACTION_MAP (self->actions), entries, G_N_ELEMENTS (entries), self);
  gtk_widget_insert_action_group (GTK_WIDGET (view), "spell", G_ACTION_GROUP (self->actions));

  /* Before the text view's own gesture opens its menu: the menu is for the word clicked. */
  self->right_click = gtk_gesture_click_new ();
  gtk_gesture_single_set_button (GTK_GESTURE_SINGLE (self->right_click), GDK_BUTTON_SECONDARY);
  gtk_event_controller_set_propagation_phase (GTK_EVENT_CONTROLLER (self->right_click), GTK_PHASE_CAPTURE);
  g_signal_connect (self->right_click, "pressed", G_CALLBACK (right_click_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (view), GTK_EVENT_CONTROLLER (g_object_ref (self->right_click)));

  g_signal_connect_after (self->buffer, "insert-text", G_CALLBACK (insert_text_after_cb), self);
  g_signal_connect_after (self->buffer, "delete-range", G_CALLBACK (delete_range_after_cb), self);
  g_signal_connect_swapped (self->buffer, "notify::cursor-position", G_CALLBACK (cursor_moved_cb), self);

  detect_language (self);
  return self;
}

void
tern_spell_checker_set_enabled (TernSpellChecker *self,
                                gboolean          enabled)
{
  g_return_if_fail (TERN_IS_SPELL_CHECKER (self));

  if (self->enabled == !!enabled)
    return;
  self->enabled = !!enabled;
  if (!self->enabled)
    {
      g_clear_pointer (&self->menu_word, g_free);
      gtk_text_view_set_extra_menu (self->view, NULL);
    }
  else if (*self->language == '\0')
    detect_language (self);
  check_all (self);
}

gboolean
tern_spell_checker_get_enabled (TernSpellChecker *self)
{
  g_return_val_if_fail (TERN_IS_SPELL_CHECKER (self), FALSE);
  return self->enabled;
}

void
tern_spell_checker_set_language (TernSpellChecker *self,
                                 const char       *tag)
{
  g_return_if_fail (TERN_IS_SPELL_CHECKER (self));

  if (tag == NULL)
    tag = "";
  g_free (self->language);
  self->language = g_strdup (tag);
  g_clear_handle_id (&self->detect_id, g_source_remove);
  if (*tag == '\0')
    detect_language (self);
  else
    set_active (self, tag);
}

const char *
tern_spell_checker_get_language (TernSpellChecker *self)
{
  g_return_val_if_fail (TERN_IS_SPELL_CHECKER (self), NULL);
  return self->language;
}

const char *
tern_spell_checker_get_active_language (TernSpellChecker *self)
{
  g_return_val_if_fail (TERN_IS_SPELL_CHECKER (self), NULL);
  return self->active;
}

gboolean
tern_spell_checker_is_checking (TernSpellChecker *self)
{
  g_return_val_if_fail (TERN_IS_SPELL_CHECKER (self), FALSE);
  return self->idle_id != 0 || self->detect_id != 0;
}

GStrv
tern_spell_checker_dup_misspelt (TernSpellChecker *self)
{
  GPtrArray *words = g_ptr_array_new ();
  GtkTextIter iter;

  g_return_val_if_fail (TERN_IS_SPELL_CHECKER (self), NULL);

  gtk_text_buffer_get_start_iter (self->buffer, &iter);
  while (gtk_text_iter_starts_tag (&iter, self->tag) ||
         gtk_text_iter_forward_to_tag_toggle (&iter, self->tag))
    {
      GtkTextIter end = iter;

      if (!gtk_text_iter_starts_tag (&iter, self->tag))
        continue;
      gtk_text_iter_forward_to_tag_toggle (&end, self->tag);
      g_ptr_array_add (words, gtk_text_iter_get_slice (&iter, &end));
      iter = end;
    }
  g_ptr_array_add (words, NULL);
  return (GStrv) g_ptr_array_free (words, FALSE);
}

static void
tern_spell_checker_dispose (GObject *object)
{
  TernSpellChecker *self = TERN_SPELL_CHECKER (object);

  g_clear_handle_id (&self->idle_id, g_source_remove);
  g_clear_handle_id (&self->detect_id, g_source_remove);
  if (self->buffer != NULL)
    {
      GtkTextIter start, end;

      g_signal_handlers_disconnect_by_data (self->buffer, self);
      gtk_text_buffer_get_bounds (self->buffer, &start, &end);
      gtk_text_buffer_remove_tag (self->buffer, self->tag, &start, &end);
      gtk_text_tag_table_remove (gtk_text_buffer_get_tag_table (self->buffer), self->tag);
      gtk_text_buffer_delete_mark (self->buffer, self->last_cursor);
      gtk_text_buffer_delete_mark (self->buffer, self->check_from);
      gtk_text_buffer_delete_mark (self->buffer, self->menu_start);
      gtk_text_buffer_delete_mark (self->buffer, self->menu_end);
      g_clear_object (&self->buffer);
    }
  if (self->view != NULL)
    {
      gtk_widget_insert_action_group (GTK_WIDGET (self->view), "spell", NULL);
      gtk_widget_remove_controller (GTK_WIDGET (self->view), GTK_EVENT_CONTROLLER (self->right_click));
      if (self->menu_word != NULL)
        gtk_text_view_set_extra_menu (self->view, NULL);
      g_clear_object (&self->view);
    }
  g_clear_object (&self->right_click);
  g_clear_object (&self->actions);
  G_OBJECT_CLASS (tern_spell_checker_parent_class)->dispose (object);
}

static void
tern_spell_checker_finalize (GObject *object)
{
  TernSpellChecker *self = TERN_SPELL_CHECKER (object);

  g_free (self->language);
  g_free (self->active);
  g_free (self->menu_word);
  g_hash_table_unref (self->ignored);
  G_OBJECT_CLASS (tern_spell_checker_parent_class)->finalize (object);
}

static void
tern_spell_checker_get_property (GObject    *object,
                                 guint       prop_id,
                                 GValue     *value,
                                 GParamSpec *pspec)
{
  TernSpellChecker *self = TERN_SPELL_CHECKER (object);

  switch (prop_id)
    {
    case PROP_ACTIVE_LANGUAGE:
      g_value_set_string (value, self->active);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tern_spell_checker_class_init (TernSpellCheckerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = tern_spell_checker_dispose;
  object_class->finalize = tern_spell_checker_finalize;
  object_class->get_property = tern_spell_checker_get_property;

  properties[PROP_ACTIVE_LANGUAGE] =
    g_param_spec_string ("active-language", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
tern_spell_checker_init (TernSpellChecker *self)
{
  self->enabled = TRUE;
  self->language = g_strdup ("");
  self->ignored = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
}
