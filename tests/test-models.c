/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-models"

#include "config.h"

#include <glib/gstdio.h>
#include <string.h>

#include "tern-conversation-model.h"
#include "tern-folder-model.h"
#include "tern-journal.h"
#include "tern-message-model.h"
#include "test-models-private.h"

/* The list models over the cache, without a display. */

void
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

void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  g_autofree char *cmd = g_strdup_printf ("rm -rf '%s'", f->dir);

  tern_store_free (f->store);
  g_assert_cmpint (system (cmd), ==, 0);
  g_free (f->dir);
}

void
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

void
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

/* A unified inbox: two folders' messages merged by date, lazily, each folder's change sets
 * applied and another folder's ignored. */
static void
test_message_folders (Fixture       *f,
                      gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TernMessageModel) model = tern_message_model_new (f->store);
  g_autoptr(GArray) folders = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr(TernChangeSet) other = tern_change_set_new (f->ids.account, f->ids.archive);
  g_autoptr(TernChangeSet) added = tern_change_set_new (f->ids.account, f->ids.projects_2024);
  g_autoptr(GPtrArray) inbox = tern_store_list_messages (f->store, f->ids.inbox, 0, &error);
  g_autoptr(GPtrArray) projects = NULL;

  g_array_append_val (folders, f->ids.inbox);
  g_array_append_val (folders, f->ids.projects_2024);
  g_assert_true (tern_message_model_set_folders (model, folders, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (model)), ==, 210);
  g_assert_cmpuint (tern_message_model_get_n_loaded (model), ==, 0);
  g_assert_true (tern_message_model_shows_folder (model, f->ids.projects_2024));
  g_assert_false (tern_message_model_shows_folder (model, f->ids.archive));

  /* Newest first over both; at the same date, the folder listed first. */
  projects = tern_store_list_messages (f->store, f->ids.projects_2024, 0, &error);
  g_assert_cmpint (tern_message_model_get_id (model, 0), ==, ((TernMessage *) inbox->pdata[0])->id);
  g_assert_cmpint (tern_message_model_get_id (model, 190), ==, ((TernMessage *) inbox->pdata[190])->id);
  g_assert_cmpint (tern_message_model_get_id (model, 191), ==, ((TernMessage *) projects->pdata[0])->id);
  g_assert_cmpint (tern_message_model_get_id (model, 209), ==, ((TernMessage *) projects->pdata[9])->id);

  /* New mail in the second folder comes in at the top; another folder's set is not ours. */
  g_signal_connect (model, "items-changed", G_CALLBACK (items_changed_cb), f);
  g_assert_cmpuint (tern_message_model_apply (model, other), ==, 0);
  tern_test_cache_add_messages (f->store, f->ids.projects_2024, 500, 1);
  g_clear_pointer (&projects, g_ptr_array_unref);
  projects = tern_store_list_messages (f->store, f->ids.projects_2024, 1, &error);
  tern_change_set_add (added, ((TernMessage *) projects->pdata[0])->id);
  g_assert_cmpuint (tern_message_model_apply (model, added), ==, 1);
  g_assert_cmpuint (f->changes, ==, 1);
  g_assert_cmpuint (f->last_position, ==, 0);
  g_assert_cmpuint (f->last_added, ==, 1);
  g_assert_cmpint (tern_message_model_get_id (model, 0), ==, ((TernMessage *) projects->pdata[0])->id);
}

/* A second account: All Inboxes (both INBOXes, summed unread) first; All Drafts and All Sent
 * only where both have one; counts follow update_counts(). */
static void
test_folder_unified (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TernFolderModel) model = tern_folder_model_new (f->store);
  TernAccount account = { .name = (char *) "second", .email = (char *) "b@example.org",
                          .host = (char *) "localhost", .port = 993, .security = (char *) "tls",
                          .user = (char *) "b" };
  TernFolder inbox = { .name = (char *) "INBOX", .display_name = (char *) "INBOX",
                       .delimiter = (char *) "/", .selectable = TRUE, .subscribed = TRUE };
  TernFolderItem *unified;
  GArray *members;
  gint64 second = 0;
  guint unread_before;

  g_assert_true (tern_folder_model_refresh (model, &error));
  g_assert_cmpuint (tern_folder_model_find_unified (model, TERN_FOLDER_MODEL_ALL_INBOXES), ==, G_MAXUINT);

  g_assert_true (tern_store_add_account (f->store, &account, &second, &error));
  inbox.account_id = second;
  g_assert_true (tern_store_upsert_folder (f->store, &inbox, &inbox.id, &error));
  g_assert_no_error (error);
  tern_test_cache_add_messages (f->store, inbox.id, 1, 3);
  g_assert_true (tern_folder_model_refresh (model, &error));
  g_assert_cmpuint (tern_folder_model_find_unified (model, TERN_FOLDER_MODEL_ALL_INBOXES), ==, 0);
  /* The second account has no Drafts, Sent: nothing to gather. */
  g_assert_cmpuint (tern_folder_model_find_unified (model, TERN_FOLDER_MODEL_ALL_SENT), ==, G_MAXUINT);
  unified = folder_at (model, 0);
  g_assert_cmpint (tern_folder_item_get_kind (unified), ==, TERN_FOLDER_ITEM_UNIFIED);
  members = tern_folder_item_get_members (unified);
  g_assert_cmpuint (members->len, ==, 2);
  g_assert_cmpuint (tern_folder_item_get_unread (unified), ==,
                    tern_folder_item_get_unread (folder_at (model, tern_folder_model_find (model, f->ids.inbox))) +
                    tern_folder_item_get_unread (folder_at (model, tern_folder_model_find (model, inbox.id))));
  g_assert_cmpuint (tern_folder_item_get_unread (folder_at (model, tern_folder_model_find (model, inbox.id))), >, 0);

  /* One read in the second INBOX: its row and the unified one count again. */
  unread_before = tern_folder_item_get_unread (unified);
  {
    g_autoptr(GPtrArray) messages = tern_store_list_messages (f->store, inbox.id, 0, &error);
    gint64 unread_id = 0;

    for (guint i = 0; i < messages->len; i++)
      if (!tern_flags_contain (((TernMessage *) messages->pdata[i])->flags, "\\Seen"))
        unread_id = ((TernMessage *) messages->pdata[i])->id;
    g_assert_true (tern_journal_set_flags (f->store, unread_id, "\\Seen", NULL, &error));
  }
  g_assert_true (tern_folder_model_update_counts (model, inbox.id, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (tern_folder_item_get_unread (unified), ==, unread_before - 1);
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

/* Searching on a thread. */

typedef struct
{
  Fixture  *f;
  gboolean  done;
  gboolean  ok;
  GError   *error;
  guint     n_items;      /* the model's rows when it landed */
  gboolean  committed;    /* the main loop's idle had run when it landed */
} Search;

static void
search_done_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      data)
{
  Search *search = data;

  search->ok = tern_message_model_search_finish (TERN_MESSAGE_MODEL (source), result, &search->error);
  search->n_items = g_list_model_get_n_items (G_LIST_MODEL (source));
  search->done = TRUE;
}

static void
wait_search (Search *search)
{
  while (!search->done)
    g_main_context_iteration (NULL, TRUE);
}

/* A newer search replaces one still running: only the newest lands, cancelled or not. */
static void
test_message_search_async (Fixture       *f,
                           gconstpointer  data)
{
  g_autoptr(TernMessageModel) model = tern_message_model_new (f->store);
  g_autoptr(GCancellable) first = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  Search a = { f }, b = { f }, c = { f };

  g_assert_true (tern_message_model_set_folder (model, f->ids.inbox, &error));
  g_signal_connect (model, "items-changed", G_CALLBACK (items_changed_cb), f);

  /* Cancelled as the user types more: its query is interrupted, the newer one lands. */
  tern_message_model_search_async (model, 0, "things", first, search_done_cb, &a);
  g_assert_true (tern_message_model_get_search_pending (model));
  g_cancellable_cancel (first);
  tern_message_model_search_async (model, 0, "Lovelace", NULL, search_done_cb, &b);
  wait_search (&a);
  wait_search (&b);
  g_assert_false (a.ok);
  g_assert_error (a.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_true (b.ok);
  g_assert_no_error (b.error);
  g_assert_false (tern_message_model_get_search_pending (model));
  g_assert_true (tern_message_model_get_searching (model));
  /* Ada Lovelace: 28 of the 200 in INBOX, 1 of the 10 elsewhere; every row is new: the
   * old rows go in one items-changed, the new come in the next (GTK's list view would
   * otherwise ask for every new row looking for old widgets to reuse). */
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (model)), ==, 28 + 1);
  g_assert_cmpuint (f->changes, ==, 2);
  g_assert_cmpuint (f->last_position, ==, 0);
  g_assert_cmpuint (f->last_removed, ==, 0);
  g_assert_cmpuint (f->last_added, ==, 28 + 1);
  g_clear_error (&a.error);

  /* Not cancelled but begun again: the older results do not land either. */
  a = (Search) { f };
  tern_message_model_search_async (model, 0, "things", NULL, search_done_cb, &a);
  tern_message_model_search_async (model, 0, "Hopper", NULL, search_done_cb, &c);
  wait_search (&a);
  wait_search (&c);
  g_assert_false (a.ok);
  g_assert_error (a.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_true (c.ok);
  g_assert_cmpuint (c.n_items, ==, g_list_model_get_n_items (G_LIST_MODEL (model)));
  g_assert_cmpuint (f->changes, ==, 4);
  g_assert_true (tern_message_model_search (model, 0, "Hopper", &error));
  g_assert_cmpuint (c.n_items, ==, g_list_model_get_n_items (G_LIST_MODEL (model)));
  g_clear_error (&a.error);

  /* Another folder shown meanwhile: the search does not land. */
  a = (Search) { f };
  tern_message_model_search_async (model, 0, "things", NULL, search_done_cb, &a);
  g_assert_true (tern_message_model_set_folder (model, f->ids.projects_2024, &error));
  wait_search (&a);
  g_assert_false (a.ok);
  g_assert_false (tern_message_model_get_searching (model));
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (model)), ==, 10);
  g_clear_error (&a.error);
}

static gboolean
commit_cb (gpointer data)
{
  Search *search = data;
  g_autoptr(GError) error = NULL;

  g_assert_false (search->done);
  g_assert_true (tern_store_commit (search->f->store, &error));
  g_assert_no_error (error);
  search->committed = TRUE;
  return G_SOURCE_REMOVE;
}

static void
committed_done_cb (GObject      *source,
                   GAsyncResult *result,
                   gpointer      data)
{
  Search *search = data;

  /* The idle ran first. */
  g_assert_true (search->committed);
  search_done_cb (source, result, data);
}

/* The main loop turns while a search runs: here the search's thread waits for the write lock
 * the main thread holds (it indexes new messages first), and an idle of the main loop lets it
 * go. A search on the main thread's own connection would never have waited for the idle. */
static void
test_message_search_thread (Fixture       *f,
                            gconstpointer  data)
{
  g_autoptr(TernMessageModel) model = tern_message_model_new (f->store);
  g_autoptr(GError) error = NULL;
  Search search = { f };

  /* 300 more "things", not indexed yet. */
  tern_test_cache_add_messages (f->store, f->ids.inbox, 201, 300);
  g_assert_true (tern_store_begin (f->store, &error));
  tern_message_model_search_async (model, 0, "things", NULL, committed_done_cb, &search);
  g_idle_add (commit_cb, &search);
  wait_search (&search);
  g_assert_true (search.ok);
  g_assert_no_error (search.error);
  g_assert_true (search.committed);
  /* Every message says "about things": 500 in INBOX, 10 elsewhere. */
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (model)), ==, 500 + 10);
}

/* Conversations. */

static void
test_folder_update_counts (Fixture       *f,
                           gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TernFolderModel) model = tern_folder_model_new (f->store);
  g_autoptr(TernMessageModel) messages = tern_message_model_new (f->store);
  TernFolderItem *inbox, *projects_2024;
  guint unread, inbox_notified = 0, other_notified = 0;

  g_assert_true (tern_folder_model_refresh (model, &error));
  g_signal_connect (model, "items-changed", G_CALLBACK (items_changed_cb), f);
  inbox = folder_at (model, tern_folder_model_find (model, f->ids.inbox));
  projects_2024 = folder_at (model, tern_folder_model_find (model, f->ids.projects_2024));
  unread = tern_folder_item_get_unread (inbox);
  g_signal_connect (inbox, "notify::unread", G_CALLBACK (notify_cb), &inbox_notified);
  g_signal_connect (projects_2024, "notify", G_CALLBACK (notify_cb), &other_notified);

  g_assert_true (tern_message_model_set_folder (messages, f->ids.inbox, &error));
  g_assert_true (tern_journal_set_flags (f->store, tern_message_model_get_id (messages, 0), "\\Seen", NULL, &error));
  g_assert_true (tern_journal_move (f->store, tern_message_model_get_id (messages, 1), f->ids.projects_2024, &error));
  g_assert_no_error (error);

  g_assert_true (tern_folder_model_update_counts (model, f->ids.inbox, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (tern_folder_item_get_unread (inbox), ==, unread - 2);
  g_assert_cmpuint (tern_folder_item_get_total (inbox), ==, 199);
  g_assert_cmpuint (inbox_notified, ==, 1);
  g_assert_cmpuint (other_notified, ==, 0);
  g_assert_cmpuint (f->changes, ==, 0);

  g_assert_true (tern_folder_model_update_counts (model, f->ids.projects_2024, &error));
  g_assert_cmpuint (tern_folder_item_get_total (projects_2024), ==, 11);
  g_assert_cmpuint (f->changes, ==, 0);
  /* A folder without a row: nothing to do. */
  g_assert_true (tern_folder_model_update_counts (model, 999999, &error));
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
  ADD ("/models/folders/update-counts", test_folder_update_counts);
  ADD ("/models/messages/lazy", test_message_lazy);
  ADD ("/models/messages/refresh", test_message_refresh);
  ADD ("/models/messages/search", test_message_search);
  ADD ("/models/messages/folders", test_message_folders);
  ADD ("/models/folders/unified", test_folder_unified);
  ADD ("/models/messages/search-async", test_message_search_async);
  ADD ("/models/messages/search-thread", test_message_search_thread);

  test_models_add_conversations ();

  return g_test_run ();
}
