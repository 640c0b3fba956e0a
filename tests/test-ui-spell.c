/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-ui-spell"

#include "config.h"

#include <glib/gstdio.h>
#include <string.h>

#include "tern-application.h"
#include "tern-composer-window.h"
#include "tern-spell-checker.h"
#include "tern-test-ui.h"

/*
 * Spell checking in the composer (#15), under Xvfb with the hunspell dictionaries Debian
 * ships (en_US and de_DE, from scripts/install-deps.sh): words typed with real key presses
 * are underlined once the cursor leaves them; quotes, the signature, links and addresses are
 * left alone; the context menu opened from the keyboard (Shift+F10) replaces a word with a
 * suggestion, adds one to the personal dictionary (kept for the next message) or ignores it
 * (this message only); the language is detected from the text; checking can be turned off.
 */

typedef struct
{
  char               *dir;
  TernApplication    *app;
  TernWindow         *window;
  TernComposerWindow *composer;
} Fixture;

static char *config_home;

static void
set_up (Fixture       *f,
        gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  f->dir = g_dir_make_tmp ("tern-spell-XXXXXX", &error);
  g_assert_no_error (error);
  f->app = tern_test_ui_start_app (f->dir, TRUE, &f->window);
}

static void
tear_down (Fixture       *f,
           gconstpointer  data)
{
  g_autofree char *cmd = g_strdup_printf ("rm -rf '%s'", f->dir);
  GSettings *settings = tern_application_get_settings (f->app);

  if (settings != NULL)
    g_settings_reset (settings, "spell-check");
  tern_test_ui_close_app (&f->app);
  g_assert_cmpint (system (cmd), ==, 0);
  g_free (f->dir);
}

static gboolean
have_dictionaries (void)
{
  g_auto(GStrv) languages = tern_spell_checker_list_languages ();

  if (g_strv_contains ((const char * const *) languages, "en_US") &&
      g_strv_contains ((const char * const *) languages, "de_DE"))
    return TRUE;
  g_test_skip ("the en_US and de_DE hunspell dictionaries are not installed");
  return FALSE;
}

static TernComposerWindow *
open_composer (Fixture *f)
{
  TernComposerWindow *composer = tern_composer_window_new (f->app, TERN_COMPOSE_NEW, 0, 0);

  gtk_window_present (GTK_WINDOW (composer));
  g_assert_true (tern_test_ui_wait_frames (GTK_WIDGET (composer), 1));
  return composer;
}

static GtkTextView *
body_view (TernComposerWindow *composer)
{
  return GTK_TEXT_VIEW (tern_test_ui_find_named (GTK_WIDGET (composer), "body_view"));
}

static gboolean
checked_cb (gpointer data)
{
  return !tern_spell_checker_is_checking (data);
}

/* The words underlined once every pending check has run, joined by "|". */
static char *
misspelt (TernComposerWindow *composer)
{
  TernSpellChecker *spell = tern_composer_window_get_spell_checker (composer);
  g_auto(GStrv) words = NULL;

  g_assert_true (tern_test_ui_wait_for (checked_cb, spell, 10));
  words = tern_spell_checker_dup_misspelt (spell);
  return g_strjoinv ("|", words);
}

static void
type_text (GtkWidget  *widget,
           const char *text)
{
  for (const char *p = text; *p != '\0'; p++)
    g_assert_true (tern_test_ui_press_key (widget, gdk_unicode_to_keyval ((guchar) *p), 0));
}

/* Puts the cursor inside the first occurrence of word. */
static void
cursor_into (GtkTextView *view,
             const char  *word)
{
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (view);
  GtkTextIter start, match;

  gtk_text_buffer_get_start_iter (buffer, &start);
  g_assert_true (gtk_text_iter_forward_search (&start, word, 0, &match, NULL, NULL));
  gtk_text_iter_forward_char (&match);
  gtk_text_buffer_place_cursor (buffer, &match);
}

static GtkWidget *
find_labelled (GtkWidget  *root,
               const char *text)
{
  for (GtkWidget *child = gtk_widget_get_first_child (root); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found;

      if (GTK_IS_LABEL (child) && gtk_widget_get_mapped (child) &&
          g_strcmp0 (gtk_label_get_text (GTK_LABEL (child)), text) == 0)
        return child;
      if ((found = find_labelled (child, text)) != NULL)
        return found;
    }
  return NULL;
}

typedef struct
{
  GtkWidget  *root;
  const char *text;
} Labelled;

static gboolean
labelled_shown_cb (gpointer data)
{
  Labelled *l = data;

  return find_labelled (l->root, l->text) != NULL;
}

/* Opens the text view's context menu from the keyboard (Shift+F10) and clicks its item. */
static void
menu_click (GtkTextView *view,
            const char  *item)
{
  Labelled l = { GTK_WIDGET (view), item };
  GtkWidget *label;

  /* The key's release goes to the menu that its press opened, which press_key() does not
   * watch: what tells that it arrived is the menu. */
  tern_test_ui_press_key (GTK_WIDGET (view), GDK_KEY_F10, GDK_SHIFT_MASK);
  g_assert_true (tern_test_ui_wait_for (labelled_shown_cb, &l, 10));
  label = find_labelled (GTK_WIDGET (view), item);
  g_assert_true (tern_test_ui_wait_frames (label, 2));
  g_assert_true (tern_test_ui_click (label, 2, gtk_widget_get_height (label) / 2.0));
  tern_test_ui_drain ();
}

static char *
body_text (GtkTextView *view)
{
  GtkTextIter start, end;

  gtk_text_buffer_get_bounds (gtk_text_view_get_buffer (view), &start, &end);
  return gtk_text_iter_get_slice (&start, &end);
}

static void
test_as_you_type (Fixture       *f,
                  gconstpointer  data)
{
  TernComposerWindow *composer;
  GtkTextView *view;
  char *words;

  if (!have_dictionaries ())
    return;
  composer = open_composer (f);
  view = body_view (composer);
  gtk_widget_activate_action (GTK_WIDGET (composer), "spelling.language", "s", "en_US");
  g_assert_cmpstr (tern_spell_checker_get_active_language (tern_composer_window_get_spell_checker (composer)), ==, "en_US");
  gtk_widget_grab_focus (GTK_WIDGET (view));

  /* The word being typed is not underlined until the cursor leaves it. */
  type_text (GTK_WIDGET (view), "ths is a tst");
  g_assert_cmpstr ((words = misspelt (composer)), ==, "ths");
  g_free (words);
  type_text (GTK_WIDGET (view), " ");
  g_assert_cmpstr ((words = misspelt (composer)), ==, "ths|tst");
  g_free (words);
  /* Mended by typing: the word is fine once left. */
  for (guint i = 0; i < 3; i++)
    g_assert_true (tern_test_ui_press_key (GTK_WIDGET (view), GDK_KEY_BackSpace, 0));
  g_assert_cmpstr ((words = misspelt (composer)), ==, "ths");
  g_free (words);
  type_text (GTK_WIDGET (view), "est ");
  g_assert_cmpstr ((words = misspelt (composer)), ==, "ths");
  g_free (words);

  /* Quotes, the signature, links, addresses and words with digits are not checked. */
  tern_composer_window_set_body (composer,
                                 "Wrng here, not at https://exmaple.org/pth or jdoe@exmpl.com or abc123.\n"
                                 "\n"
                                 "-- \n"
                                 "Jhon Smiht\n"
                                 "On Monday, Smiht wrote:\n"
                                 "> quotd txt\n");
  g_assert_cmpstr ((words = misspelt (composer)), ==, "Wrng");
  g_free (words);

  gtk_window_destroy (GTK_WINDOW (composer));
}

static void
test_suggestions (Fixture       *f,
                  gconstpointer  data)
{
  TernComposerWindow *composer;
  GtkTextView *view;
  g_autofree char *dic = NULL;
  g_autofree char *contents = NULL;
  char *words;

  if (!have_dictionaries ())
    return;
  composer = open_composer (f);
  view = body_view (composer);
  gtk_widget_activate_action (GTK_WIDGET (composer), "spelling.language", "s", "en_US");
  tern_composer_window_set_body (composer, "I recieved the Ternmail invoice, Qwzxv.\n");
  g_assert_cmpstr ((words = misspelt (composer)), ==, "recieved|Ternmail|Qwzxv");
  g_free (words);
  gtk_widget_grab_focus (GTK_WIDGET (view));
  tern_test_ui_screenshots (GTK_WINDOW (composer), "composer-spelling", 720, 520);

  /* A suggestion replaces the word. */
  cursor_into (view, "recieved");
  menu_click (view, "received");
  g_assert_cmpstr ((words = body_text (view)), ==, "I received the Ternmail invoice, Qwzxv.\n");
  g_free (words);
  g_assert_cmpstr ((words = misspelt (composer)), ==, "Ternmail|Qwzxv");
  g_free (words);

  /* Added to the dictionary: for good, in enchant's personal word list. */
  cursor_into (view, "Ternmail");
  menu_click (view, "Add to Dictionary");
  g_assert_cmpstr ((words = misspelt (composer)), ==, "Qwzxv");
  g_free (words);
  dic = g_build_filename (config_home, "enchant", "en_US.dic", NULL);
  g_assert_true (g_file_get_contents (dic, &contents, NULL, NULL));
  g_assert_nonnull (strstr (contents, "Ternmail"));

  /* Ignored: for this message only. */
  cursor_into (view, "Qwzxv");
  menu_click (view, "Ignore All");
  g_assert_cmpstr ((words = misspelt (composer)), ==, "");
  g_free (words);
  gtk_window_destroy (GTK_WINDOW (composer));

  composer = open_composer (f);
  gtk_widget_activate_action (GTK_WIDGET (composer), "spelling.language", "s", "en_US");
  tern_composer_window_set_body (composer, "Ternmail again, Qwzxv again.\n");
  g_assert_cmpstr ((words = misspelt (composer)), ==, "Qwzxv");
  g_free (words);
  gtk_window_destroy (GTK_WINDOW (composer));
}

typedef struct
{
  TernSpellChecker *spell;
  const char       *language;
} Active;

static gboolean
active_cb (gpointer data)
{
  Active *a = data;

  return !tern_spell_checker_is_checking (a->spell) &&
         g_strcmp0 (tern_spell_checker_get_active_language (a->spell), a->language) == 0;
}

static GtkMenuButton *
find_menu_button (GtkWidget *root)
{
  for (GtkWidget *child = gtk_widget_get_first_child (root); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkMenuButton *found;

      if (GTK_IS_MENU_BUTTON (child) && gtk_menu_button_get_menu_model (GTK_MENU_BUTTON (child)) != NULL)
        return GTK_MENU_BUTTON (child);
      if ((found = find_menu_button (child)) != NULL)
        return found;
    }
  return NULL;
}

/* The first item of the More menu's "Spelling Language" submenu. (transfer full) */
static char *
automatic_label (TernComposerWindow *composer)
{
  GMenuModel *menu = gtk_menu_button_get_menu_model (find_menu_button (GTK_WIDGET (composer)));

  for (int i = 0; i < g_menu_model_get_n_items (menu); i++)
    {
      g_autoptr(GMenuModel) section = g_menu_model_get_item_link (menu, i, G_MENU_LINK_SECTION);

      for (int j = 0; section != NULL && j < g_menu_model_get_n_items (section); j++)
        {
          g_autoptr(GMenuModel) submenu = g_menu_model_get_item_link (section, j, G_MENU_LINK_SUBMENU);
          char *label = NULL;

          if (submenu != NULL && g_menu_model_get_item_attribute (submenu, 0, G_MENU_ATTRIBUTE_LABEL, "s", &label))
            return label;
        }
    }
  return NULL;
}

static void
test_detect (Fixture       *f,
             gconstpointer  data)
{
  TernComposerWindow *composer;
  TernSpellChecker *spell;
  Active a;
  g_autofree char *label = NULL;
  char *words;

  if (!have_dictionaries ())
    return;
  composer = open_composer (f);
  spell = tern_composer_window_get_spell_checker (composer);
  g_assert_cmpstr (tern_spell_checker_get_language (spell), ==, "");

  tern_composer_window_set_body (composer, "Ich habe heute leider keine Zeit, weil ich noch arbeiten muss. Bis morgen!\n");
  a = (Active) { spell, "de_DE" };
  g_assert_true (tern_test_ui_wait_for (active_cb, &a, 10));
  g_assert_cmpstr ((words = misspelt (composer)), ==, "");
  g_free (words);
  /* The More menu says which language it found. */
  label = automatic_label (composer);
  g_assert_cmpstr (label, ==, "Automatic (German (Germany))");
  g_clear_pointer (&label, g_free);

  tern_composer_window_set_body (composer, "I have no time today, because I still have to work. See you tomorrow!\n");
  a = (Active) { spell, "en_US" };
  g_assert_true (tern_test_ui_wait_for (active_cb, &a, 10));
  g_assert_cmpstr ((words = misspelt (composer)), ==, "");
  g_free (words);

  /* Chosen, it stays whatever the text (German knows "I", "still" and "See"). */
  gtk_widget_activate_action (GTK_WIDGET (composer), "spelling.language", "s", "de_DE");
  g_assert_cmpstr ((words = misspelt (composer)), ==, "have|no|time|today|because|have|to|work|you|tomorrow");
  g_free (words);
  g_assert_cmpstr (tern_spell_checker_get_active_language (spell), ==, "de_DE");
  label = tern_spell_checker_dup_language_name ("de_DE");
  g_assert_cmpstr (label, ==, "German (Germany)");
  gtk_window_destroy (GTK_WINDOW (composer));
}

static void
test_off (Fixture       *f,
          gconstpointer  data)
{
  TernComposerWindow *composer;
  char *words;

  if (!have_dictionaries ())
    return;
  composer = open_composer (f);
  gtk_widget_activate_action (GTK_WIDGET (composer), "spelling.language", "s", "en_US");
  tern_composer_window_set_body (composer, "Wrng wrds.\n");
  g_assert_cmpstr ((words = misspelt (composer)), ==, "Wrng|wrds");
  g_free (words);
  gtk_widget_activate_action (GTK_WIDGET (composer), "spelling.check", NULL);
  g_assert_cmpstr ((words = misspelt (composer)), ==, "");
  g_free (words);
  g_assert_false (g_settings_get_boolean (tern_application_get_settings (f->app), "spell-check"));
  gtk_window_destroy (GTK_WINDOW (composer));

  /* The next message starts with it off too. */
  composer = open_composer (f);
  tern_composer_window_set_body (composer, "Wrng wrds.\n");
  g_assert_false (tern_spell_checker_get_enabled (tern_composer_window_get_spell_checker (composer)));
  g_assert_cmpstr ((words = misspelt (composer)), ==, "");
  g_free (words);
  gtk_widget_activate_action (GTK_WIDGET (composer), "spelling.check", NULL);
  gtk_widget_activate_action (GTK_WIDGET (composer), "spelling.language", "s", "en_US");
  g_assert_cmpstr ((words = misspelt (composer)), ==, "Wrng|wrds");
  g_free (words);
  gtk_window_destroy (GTK_WINDOW (composer));
}

int
main (int    argc,
      char **argv)
{
  g_autofree char *cmd = NULL;
  int ret;

  /* enchant keeps the personal word list under the user's config folder: the test's own. */
  config_home = g_dir_make_tmp ("tern-spell-config-XXXXXX", NULL);
  g_setenv ("XDG_CONFIG_HOME", config_home, TRUE);
  g_setenv ("LANGUAGE", "en_US", TRUE);
  tern_test_ui_init_with_bus (&argc, &argv);

  g_test_add ("/ui-spell/as-you-type", Fixture, NULL, set_up, test_as_you_type, tear_down);
  g_test_add ("/ui-spell/suggestions", Fixture, NULL, set_up, test_suggestions, tear_down);
  g_test_add ("/ui-spell/detect", Fixture, NULL, set_up, test_detect, tear_down);
  g_test_add ("/ui-spell/off", Fixture, NULL, set_up, test_off, tear_down);

  ret = g_test_run ();
  cmd = g_strdup_printf ("rm -rf '%s'", config_home);
  if (system (cmd) != 0)
    g_warning ("could not remove %s", config_home);
  g_free (config_home);
  return ret;
}
