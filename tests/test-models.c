/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-models"

#include "config.h"

#include <glib/gstdio.h>

#include "tern-folder-model.h"
#include "tern-journal.h"
#include "tern-message-model.h"
#include "tern-test-cache.h"

/* The list models over the cache, without a display. */

typedef struct
{
  char             *dir;
  TernStore        *store;
  TernTestCacheIds  ids;
  guint             changes;
  guint             last_position;
  guint             last_removed;
  guint             last_added;
} Fixture;

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;

  f->dir = g_dir_make_tmp ("tern-models-XXXXXX", &error);
  g_assert_no_error (error);
  path = g_build_filename (f->dir, "tern.db", NULL);
  f->store = tern_test_cache_new (path, &f->ids);
  tern_test_cache_add_messages (f->store, f->ids.inbox, 1, 200);
  tern_test_cache_add_messages (f->store, f->ids.projects_2024, 1, 10);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  g_autofree char *cmd = g_strdup_printf ("rm -rf '%s'", f->dir);

  tern_store_free (f->store);
  g_assert_cmpint (system (cmd), ==, 0);
  g_free (f->dir);
}

static void
items_changed_cb (GListModel *model,
                  guint       position,
                  guint       removed,
                  guint       added,
                  Fixture    *f)
{
  f->changes++;
  f->last_position = position;
  f->last_removed = removed;
  f->last_added = added;
}

static TernFolderItem *
folder_at (TernFolderModel *model,
           guint            position)
{
  TernFolderItem *item = g_list_model_get_item (G_LIST_MODEL (model), position);

  g_object_unref (item); /* the model keeps it */
  return item;
}

static void
test_folder_order (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TernFolderModel) model = tern_folder_model_new (f->store);
  const char *expected[] = { "demo", "Inbox", "Drafts", "Sent", "Archive", "Junk", "Trash",
                             "Projects", "2024", "Receipts", "Shared folders", "Team" };
  guint depths[] = { 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 1 };

  g_assert_true (tern_folder_model_refresh (model, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (model)), ==, G_N_ELEMENTS (expected));
  for (guint i = 0; i < G_N_ELEMENTS (expected); i++)
    {
      TernFolderItem *item = folder_at (model, i);

      g_assert_cmpstr (tern_folder_item_get_label (item), ==, expected[i]);
      g_assert_cmpuint (tern_folder_item_get_depth (item), ==, depths[i]);
    }
  g_assert_cmpint (tern_folder_item_get_kind (folder_at (model, 0)), ==, TERN_FOLDER_ITEM_ACCOUNT);
  g_assert_cmpint (tern_folder_item_get_kind (folder_at (model, 10)), ==, TERN_FOLDER_ITEM_HEADING);
  g_assert_cmpstr (tern_folder_item_get_icon_name (folder_at (model, 6)), ==, "user-trash-symbolic");
  g_assert_cmpstr (tern_folder_item_get_path (folder_at (model, 8)), ==, "Projects/2024");
  /* 200 messages, every third read. */
  g_assert_cmpuint (tern_folder_item_get_unread (folder_at (model, 1)), ==, 200 - 66);
  g_assert_cmpuint (tern_folder_item_get_total (folder_at (model, 1)), ==, 200);
  g_assert_true (tern_folder_model_get_special (model, f->ids.account, "\\Trash") == folder_at (model, 6));
  g_assert_cmpuint (tern_folder_model_find (model, f->ids.team), ==, 11);
}

static void
test_folder_refresh (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TernFolderModel) model = tern_folder_model_new (f->store);
  g_autoptr(TernMessageModel) messages = tern_message_model_new (f->store);
  TernFolderItem *inbox;
  gint64 id;
  guint unread;

  g_assert_true (tern_folder_model_refresh (model, &error));
  g_signal_connect (model, "items-changed", G_CALLBACK (items_changed_cb), f);
  inbox = folder_at (model, 1);
  unread = tern_folder_item_get_unread (inbox);

  /* A count changes: the row is updated in place, no rows come or go. */
  g_assert_true (tern_message_model_set_folder (messages, f->ids.inbox, &error));
  id = tern_message_model_get_id (messages, 0); /* uid 200: unread */
  g_assert_true (tern_journal_set_flags (f->store, id, "\\Seen", NULL, &error));
  g_assert_no_error (error);
  g_assert_true (tern_folder_model_refresh (model, &error));
  g_assert_cmpuint (f->changes, ==, 0);
  g_assert_true (folder_at (model, 1) == inbox);
  g_assert_cmpuint (tern_folder_item_get_unread (inbox), ==, unread - 1);

  /* A folder created offline: one row added, in its place. */
  g_assert_cmpint (tern_journal_folder_create (f->store, f->ids.account, "Projects/2025",
                                               "Projects/2025", "/", &error), >, 0);
  g_assert_no_error (error);
  g_assert_true (tern_folder_model_refresh (model, &error));
  g_assert_cmpuint (f->changes, ==, 1);
  g_assert_cmpuint (f->last_position, ==, 9);
  g_assert_cmpuint (f->last_removed, ==, 0);
  g_assert_cmpuint (f->last_added, ==, 1);
  g_assert_cmpstr (tern_folder_item_get_label (folder_at (model, 9)), ==, "2025");
  g_assert_cmpint (tern_folder_item_get_local_state (folder_at (model, 9)), ==, 1);
}

static void
test_message_lazy (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TernMessageModel) model = tern_message_model_new (f->store);
  g_autoptr(TernMessageItem) first = NULL;
  g_autoptr(TernMessageItem) item = NULL;

  g_assert_true (tern_message_model_set_folder (model, f->ids.inbox, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (model)), ==, 200);
  g_assert_cmpuint (tern_message_model_get_n_loaded (model), ==, 0);

  first = g_list_model_get_item (G_LIST_MODEL (model), 0);
  g_assert_true (tern_message_item_get_loaded (first));
  g_assert_cmpuint (tern_message_model_get_n_loaded (model), <=, 64);
  g_assert_cmpuint (tern_message_model_get_n_loaded (model), >, 1);
  /* Newest first: uid 200 (unread, flagged? 200 % 7 != 0; attachment: 200 % 5 == 0). */
  g_assert_cmpstr (tern_message_item_get_subject (first), ==, "Message 200 about things");
  g_assert_true (tern_message_item_get_unread (first));
  g_assert_false (tern_message_item_get_flagged (first));
  g_assert_true (tern_message_item_get_has_attachment (first));
  g_assert_cmpstr (tern_message_item_get_sender (first), ==, "Barbara Liskov"); /* names[200 % 7] */

  item = g_list_model_get_item (G_LIST_MODEL (model), 200 - 196); /* uid 196 = 7 * 28 */
  g_assert_true (tern_message_item_get_flagged (item));
  g_assert_false (tern_message_item_get_answered (item));
  g_assert_null (g_list_model_get_item (G_LIST_MODEL (model), 200));
  g_assert_true (g_list_model_get_item_type (G_LIST_MODEL (model)) == TERN_TYPE_MESSAGE_ITEM);

  /* The far end loads its own batch. */
  g_clear_object (&item);
  item = g_list_model_get_item (G_LIST_MODEL (model), 199);
  g_assert_cmpstr (tern_message_item_get_subject (item), ==, "Message 1 about things");
  g_assert_cmpuint (tern_message_model_get_n_loaded (model), <=, 128);
}

static void
notify_cb (GObject    *object,
           GParamSpec *pspec,
           guint      *count)
{
  (*count)++;
}

static void
test_message_refresh (Fixture       *f,
                      gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TernMessageModel) model = tern_message_model_new (f->store);
  g_autoptr(TernMessageModel) archive = tern_message_model_new (f->store);
  g_autoptr(TernMessageItem) held = NULL;
  guint unread_notes = 0;
  gint64 id;

  g_assert_true (tern_message_model_set_folder (model, f->ids.inbox, &error));
  g_assert_true (tern_message_model_set_folder (archive, f->ids.archive, &error));
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (archive)), ==, 0);
  g_signal_connect (model, "items-changed", G_CALLBACK (items_changed_cb), f);

  /* Flags: the held item changes in place. */
  held = g_list_model_get_item (G_LIST_MODEL (model), 0);
  g_signal_connect (held, "notify::unread", G_CALLBACK (notify_cb), &unread_notes);
  g_assert_true (tern_journal_set_flags (f->store, tern_message_item_get_id (held), "\\Seen",
                                         NULL, &error));
  g_assert_true (tern_message_model_refresh (model, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (f->changes, ==, 0);
  g_assert_cmpuint (unread_notes, ==, 1);
  g_assert_false (tern_message_item_get_unread (held));

  /* Archive the third row: one row leaves, at its place; it shows in Archive. */
  id = tern_message_model_get_id (model, 2);
  g_assert_true (tern_journal_archive (f->store, id, &error));
  g_assert_no_error (error);
  g_assert_true (tern_message_model_refresh (model, &error));
  g_assert_cmpuint (f->changes, ==, 1);
  g_assert_cmpuint (f->last_position, ==, 2);
  g_assert_cmpuint (f->last_removed, ==, 1);
  g_assert_cmpuint (f->last_added, ==, 0);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (model)), ==, 199);
  g_assert_true (tern_message_model_refresh (archive, &error));
  g_assert_cmpuint (tern_message_model_find (archive, id), ==, 0);

  /* Delete the first: to Trash. */
  g_assert_true (tern_journal_delete (f->store, tern_message_item_get_id (held), &error));
  g_assert_true (tern_message_model_refresh (model, &error));
  g_assert_cmpuint (f->changes, ==, 2);
  g_assert_cmpuint (f->last_position, ==, 0);
  g_assert_cmpuint (f->last_removed, ==, 1);
  g_assert_cmpuint (tern_message_model_find (model, tern_message_item_get_id (held)), ==, G_MAXUINT);

  /* A message arriving at the top: one row added at 0. */
  tern_test_cache_add_messages (f->store, f->ids.inbox, 500, 1);
  g_assert_true (tern_message_model_refresh (model, &error));
  g_assert_cmpuint (f->changes, ==, 3);
  g_assert_cmpuint (f->last_position, ==, 0);
  g_assert_cmpuint (f->last_removed, ==, 0);
  g_assert_cmpuint (f->last_added, ==, 1);
}

static void
test_message_search (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TernMessageModel) model = tern_message_model_new (f->store);
  g_autoptr(GArray) extra = g_array_new (FALSE, FALSE, sizeof (gint64));
  guint n;

  g_assert_true (tern_message_model_search (model, f->ids.account, "Lovelace", &error));
  g_assert_no_error (error);
  g_assert_true (tern_message_model_get_searching (model));
  /* Ada Lovelace is names[uid % 7 == 0]: 28 of the 200 in INBOX, 1 of the 10 elsewhere. */
  n = g_list_model_get_n_items (G_LIST_MODEL (model));
  g_assert_cmpuint (n, ==, 28 + 1);

  /* Server results add what is not shown yet. */
  {
    gint64 shown = tern_message_model_get_id (model, 0);

    g_array_append_val (extra, shown);
  }
  {
    g_autoptr(TernMessageModel) inbox = tern_message_model_new (f->store);
    gint64 other;

    g_assert_true (tern_message_model_set_folder (inbox, f->ids.inbox, &error));
    other = tern_message_model_get_id (inbox, 1); /* uid 199: Grace Hopper */
    g_array_append_val (extra, other);
  }
  tern_message_model_add_ids (model, extra);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (model)), ==, n + 1);

  g_assert_true (tern_message_model_set_folder (model, f->ids.projects_2024, &error));
  g_assert_false (tern_message_model_get_searching (model));
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (model)), ==, 10);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

#define ADD(name, func) \
  g_test_add (name, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("/models/folders/order", test_folder_order);
  ADD ("/models/folders/refresh", test_folder_refresh);
  ADD ("/models/messages/lazy", test_message_lazy);
  ADD ("/models/messages/refresh", test_message_refresh);
  ADD ("/models/messages/search", test_message_search);

  return g_test_run ();
}
