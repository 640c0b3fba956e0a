/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <stdlib.h>

#include "tern-mail-service.h"
#include "tern-message-model.h"
#include "tern-sync.h"
#include "tern-test-cache.h"
#include "tern-test-server.h"

/*
 * The mail service: one call and one transaction per action over a set of messages, typed
 * change sets applied by the list model to the rows they name, the undo stack (the most
 * recent first; a token whatever came after; unsent actions leave the queue, sent ones are
 * reversed), the queue count after an undo and after a replay, and what a worker brings
 * from the server (an IDLE expunge) as a change set.
 */

typedef struct
{
  char             *dir;
  TernStore        *store;
  TernTestCacheIds  ids;
  TernMailService  *service;
  GPtrArray        *sets;          /* TernChangeSet emitted */
  guint             queue_signals;
  TernMessageModel *model;
  guint             items_changed;
} Fixture;

static void
changed_cb (TernMailService *service,
            TernChangeSet   *set,
            Fixture         *f)
{
  g_ptr_array_add (f->sets, tern_change_set_ref (set));
}

static void
queue_cb (TernMailService *service,
          Fixture         *f)
{
  f->queue_signals++;
}

static void
items_changed_cb (GListModel *model,
                  guint       position,
                  guint       removed,
                  guint       added,
                  Fixture    *f)
{
  f->items_changed++;
}

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;

  f->dir = g_dir_make_tmp ("tern-service-XXXXXX", &error);
  g_assert_no_error (error);
  path = g_build_filename (f->dir, "tern.db", NULL);
  f->store = tern_test_cache_new (path, &f->ids);
  tern_test_cache_add_messages (f->store, f->ids.inbox, 1, 40);
  f->service = tern_mail_service_new (f->store);
  f->sets = g_ptr_array_new_with_free_func ((GDestroyNotify) tern_change_set_unref);
  g_signal_connect (f->service, "changed", G_CALLBACK (changed_cb), f);
  g_signal_connect (f->service, "queue-changed", G_CALLBACK (queue_cb), f);
  f->model = tern_message_model_new (f->store);
  g_assert_true (tern_message_model_set_folder (f->model, f->ids.inbox, NULL));
  g_signal_connect (f->model, "items-changed", G_CALLBACK (items_changed_cb), f);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  g_autofree char *cmd = g_strdup_printf ("rm -rf '%s'", f->dir);

  g_clear_object (&f->model);
  g_clear_object (&f->service);
  g_ptr_array_unref (f->sets);
  tern_store_free (f->store);
  g_assert_cmpint (system (cmd), ==, 0);
  g_free (f->dir);
}

static GArray *
ids_at (Fixture *f,
        ...)
{
  GArray *ids = g_array_new (FALSE, FALSE, sizeof (gint64));
  va_list ap;
  int pos;

  va_start (ap, f);
  while ((pos = va_arg (ap, int)) >= 0)
    {
      gint64 id = tern_message_model_get_id (f->model, (guint) pos);

      g_assert_cmpint (id, !=, 0);
      g_array_append_val (ids, id);
    }
  va_end (ap);
  return ids;
}

static gboolean
has_flag (Fixture    *f,
          gint64      id,
          const char *flag)
{
  g_autoptr(TernMessage) m = tern_store_get_message (f->store, id, NULL);

  g_assert_nonnull (m);
  return tern_flags_contain (m->flags, flag);
}

static gint64
shown_in (Fixture *f,
          gint64   id)
{
  g_autoptr(GArray) one = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr(GArray) where = NULL;

  g_array_append_val (one, id);
  where = tern_journal_where_shown (f->store, one);
  return g_array_index (where, TernShownIn, 0).folder_id;
}

static guint
apply_all (Fixture *f)
{
  guint touched = 0;

  for (guint i = 0; i < f->sets->len; i++)
    touched += tern_message_model_apply (f->model, f->sets->pdata[i]);
  return touched;
}

/* A message not flagged, at a position of the model. */
static guint
unflagged_position (Fixture *f)
{
  for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (f->model)); i++)
    if (!has_flag (f, tern_message_model_get_id (f->model, i), "\\Flagged"))
      return i;
  g_assert_not_reached ();
}

/* A flag change: one call, one changed id, one row touched in place. */
static void
test_flag_one_row (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  guint pos = unflagged_position (f);
  g_autoptr(GArray) ids = ids_at (f, (int) pos, -1);
  g_autoptr(TernMessageItem) item = g_list_model_get_item (G_LIST_MODEL (f->model), pos);
  TernChangeSet *set;
  guint token;

  g_assert_true (tern_message_item_get_loaded (item));
  g_assert_false (tern_message_item_get_flagged (item));

  token = tern_mail_service_set_flags (f->service, ids, "\\Flagged", NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (token, !=, 0);

  g_assert_cmpuint (f->sets->len, ==, 1);
  set = f->sets->pdata[0];
  g_assert_cmpint (set->folder_id, ==, f->ids.inbox);
  g_assert_cmpint (set->account_id, ==, f->ids.account);
  g_assert_cmpuint (set->changed->len, ==, 1);
  g_assert_cmpint (g_array_index (set->changed, gint64, 0), ==, g_array_index (ids, gint64, 0));
  g_assert_cmpuint (set->added->len, ==, 0);
  g_assert_cmpuint (set->removed->len, ==, 0);

  /* One row: read again in place, no items-changed (the selection stays). */
  g_assert_cmpuint (apply_all (f), ==, 1);
  g_assert_cmpuint (f->items_changed, ==, 0);
  g_assert_true (tern_message_item_get_flagged (item));
  g_assert_cmpuint (tern_mail_service_get_queued (f->service), ==, 1);
  g_assert_cmpuint (f->queue_signals, ==, 1);
}

/* A set of messages is one transaction: one bad id and nothing happens. */
static void
test_all_or_nothing (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) ids = ids_at (f, 0, 1, 2, -1);
  gint64 missing = 999999;

  g_array_append_val (ids, missing);
  g_assert_cmpuint (tern_mail_service_archive (f->service, ids, &error), ==, 0);
  g_assert_error (error, TERN_JOURNAL_ERROR, TERN_JOURNAL_ERROR_NOT_FOUND);
  g_assert_cmpint (shown_in (f, g_array_index (ids, gint64, 0)), ==, f->ids.inbox);
  g_assert_cmpuint (tern_mail_service_get_queued (f->service), ==, 0);
  g_assert_cmpuint (f->sets->len, ==, 0);
  g_assert_false (tern_mail_service_can_undo (f->service));
}

/* A move: removed from one folder, added to the other; the list loses exactly those rows. */
static void
test_move_rows (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) ids = ids_at (f, 3, 4, 9, -1);
  guint n = g_list_model_get_n_items (G_LIST_MODEL (f->model));
  gboolean inbox = FALSE, archive = FALSE;

  g_assert_cmpuint (tern_mail_service_archive (f->service, ids, &error), !=, 0);
  g_assert_no_error (error);
  for (guint i = 0; i < f->sets->len; i++)
    {
      TernChangeSet *set = f->sets->pdata[i];

      if (set->folder_id == f->ids.inbox)
        {
          inbox = TRUE;
          g_assert_cmpuint (set->removed->len, ==, 3);
          g_assert_cmpuint (set->added->len + set->changed->len, ==, 0);
        }
      else if (set->folder_id == f->ids.archive)
        {
          archive = TRUE;
          g_assert_cmpuint (set->added->len, ==, 3);
        }
    }
  g_assert_true (inbox && archive);
  g_assert_cmpuint (apply_all (f), ==, 3);
  /* Positions 3-4 are one run, 9 another. */
  g_assert_cmpuint (f->items_changed, ==, 2);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (f->model)), ==, n - 3);
  g_assert_cmpuint (tern_message_model_find (f->model, g_array_index (ids, gint64, 2)), ==, G_MAXUINT);
}

/* Ctrl+Z: the most recent first, again and again; the undone actions leave the queue. */
static void
test_undo_stack (Fixture       *f,
                 gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  guint pos = unflagged_position (f);
  g_autoptr(GArray) a = ids_at (f, (int) pos, -1);
  g_autoptr(GArray) b = ids_at (f, (int) (pos == 0 ? 1 : 0), -1);
  g_autoptr(GArray) c = NULL;
  gint64 ma = g_array_index (a, gint64, 0), mb = g_array_index (b, gint64, 0), mc;
  gboolean c_read;

  g_assert_cmpuint (tern_mail_service_set_flags (f->service, a, "\\Flagged", NULL, &error), !=, 0);
  g_assert_cmpuint (tern_mail_service_archive (f->service, b, &error), !=, 0);
  c = ids_at (f, 5, -1);
  mc = g_array_index (c, gint64, 0);
  c_read = has_flag (f, mc, "\\Seen");
  g_assert_cmpuint (tern_mail_service_set_flags (f->service, c, c_read ? NULL : "\\Seen",
                                                 c_read ? "\\Seen" : NULL, &error), !=, 0);
  g_assert_no_error (error);
  g_assert_cmpuint (tern_mail_service_get_queued (f->service), ==, 3);

  g_assert_true (tern_mail_service_undo_last (f->service, &error));
  g_assert_no_error (error);
  g_assert_cmpint (has_flag (f, mc, "\\Seen"), ==, c_read);
  g_assert_cmpint (shown_in (f, mb), ==, f->ids.archive);
  g_assert_cmpuint (tern_mail_service_get_queued (f->service), ==, 2);

  g_assert_true (tern_mail_service_undo_last (f->service, &error));
  g_assert_cmpint (shown_in (f, mb), ==, f->ids.inbox);
  g_assert_true (has_flag (f, ma, "\\Flagged"));
  g_assert_cmpuint (tern_mail_service_get_queued (f->service), ==, 1);

  g_assert_true (tern_mail_service_undo_last (f->service, &error));
  g_assert_false (has_flag (f, ma, "\\Flagged"));
  g_assert_cmpuint (tern_mail_service_get_queued (f->service), ==, 0);
  {
    g_autoptr(GPtrArray) left = tern_journal_list (f->store, f->ids.account, NULL);

    g_assert_cmpuint (left->len, ==, 0);
  }

  /* Nothing left: nothing happens. */
  g_assert_false (tern_mail_service_undo_last (f->service, &error));
  g_assert_no_error (error);
}

/* A toast's Undo: its action, whatever came after (a delete undone does not bring back a
 * message archived after it). */
static void
test_undo_token (Fixture       *f,
                 gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) deleted = ids_at (f, 0, -1);
  g_autoptr(GArray) archived = ids_at (f, 1, -1);
  guint del, arch;

  del = tern_mail_service_delete (f->service, deleted, &error);
  arch = tern_mail_service_archive (f->service, archived, &error);
  g_assert_no_error (error);
  g_assert_cmpint (shown_in (f, g_array_index (deleted, gint64, 0)), ==, f->ids.trash);

  g_assert_true (tern_mail_service_undo (f->service, del, &error));
  g_assert_no_error (error);
  g_assert_cmpint (shown_in (f, g_array_index (deleted, gint64, 0)), ==, f->ids.inbox);
  g_assert_cmpint (shown_in (f, g_array_index (archived, gint64, 0)), ==, f->ids.archive);
  g_assert_false (tern_mail_service_token_valid (f->service, del));
  g_assert_true (tern_mail_service_token_valid (f->service, arch));
  g_assert_cmpuint (tern_mail_service_get_queued (f->service), ==, 1);

  /* Ctrl+Z now takes back the archive. */
  g_assert_true (tern_mail_service_undo_last (f->service, &error));
  g_assert_cmpint (shown_in (f, g_array_index (archived, gint64, 0)), ==, f->ids.inbox);
  g_assert_cmpuint (tern_mail_service_get_queued (f->service), ==, 0);
}

/* An action the server has (or may have) done is answered by its reverse. */
static void
test_undo_sent (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) moved = ids_at (f, 2, -1);
  g_autoptr(GArray) flagged = NULL;
  g_autoptr(GPtrArray) queue = NULL;
  gint64 m = g_array_index (moved, gint64, 0);
  TernAction *first, *reverse;
  guint arch, star;
  guint pos;

  arch = tern_mail_service_archive (f->service, moved, &error);
  queue = tern_journal_list (f->store, f->ids.account, NULL);
  g_assert_cmpuint (queue->len, ==, 1);
  first = queue->pdata[0];
  /* The worker sent the MOVE; its outcome is not stored yet. */
  g_assert_true (tern_journal_mark_sent (f->store, first->id, NULL, &error));

  g_assert_true (tern_mail_service_undo (f->service, arch, &error));
  g_assert_no_error (error);
  g_clear_pointer (&queue, g_ptr_array_unref);
  queue = tern_journal_list (f->store, f->ids.account, NULL);
  g_assert_cmpuint (queue->len, ==, 2);
  reverse = queue->pdata[1];
  g_assert_cmpstr (reverse->kind, ==, TERN_ACTION_MOVE);
  g_assert_cmpint (reverse->message, ==, m);
  g_assert_cmpint (reverse->folder, ==, f->ids.archive);
  g_assert_cmpint (reverse->target, ==, f->ids.inbox);
  g_assert_cmpint (shown_in (f, m), ==, f->ids.inbox);

  /* Done and gone from the journal: reversed as well. */
  pos = unflagged_position (f);
  flagged = ids_at (f, (int) pos, -1);
  star = tern_mail_service_set_flags (f->service, flagged, "\\Flagged", NULL, &error);
  g_clear_pointer (&queue, g_ptr_array_unref);
  queue = tern_journal_list (f->store, f->ids.account, NULL);
  g_assert_true (tern_journal_mark_done (f->store, ((TernAction *) queue->pdata[queue->len - 1])->id, &error));
  g_assert_true (tern_mail_service_undo (f->service, star, &error));
  g_assert_no_error (error);
  g_assert_false (has_flag (f, g_array_index (flagged, gint64, 0), "\\Flagged"));
  g_clear_pointer (&queue, g_ptr_array_unref);
  queue = tern_journal_list (f->store, f->ids.account, NULL);
  reverse = queue->pdata[queue->len - 1];
  g_assert_cmpstr (reverse->kind, ==, TERN_ACTION_FLAGS);
  g_assert_cmpstr (reverse->remove_flags, ==, "\\Flagged");
}

/* With the server: the worker's replay empties the queue and says so; a message expunged by
 * another client during IDLE comes back as a change set that removes one row. */

/* What the status area shows: the worker's count, told by its events. */
static gboolean
queue_empty (gpointer data)
{
  return tern_account_worker_get_queued (data) == 0 && tern_account_worker_get_failed (data) == 0;
}

static gboolean
timeout_cb (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

/* Until cond holds, on the main loop; FALSE after a minute. */
static gboolean
wait_until (gboolean (*cond) (gpointer),
            gpointer   data)
{
  gboolean timed_out = FALSE;
  guint source = g_timeout_add_seconds (60, timeout_cb, &timed_out);

  while (!cond (data) && !timed_out)
    g_main_context_iteration (NULL, TRUE);
  if (!timed_out)
    g_source_remove (source);
  return cond (data);
}

static gboolean
removed_seen (gpointer data)
{
  Fixture *f = data;

  for (guint i = 0; i < f->sets->len; i++)
    if (((TernChangeSet *) f->sets->pdata[i])->removed->len > 0)
      return TRUE;
  return FALSE;
}

static gboolean
worker_online (gpointer data)
{
  return tern_account_worker_get_state (data) == TERN_ACCOUNT_STATE_ONLINE;
}

static void
test_online (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TernTestServer) server = tern_test_server_new (TERN_TEST_SERVER_FULL, &error);
  g_autoptr(TernAccount) account = NULL;
  g_autoptr(TernAccountWorker) worker = NULL;
  g_autoptr(TernTestClient) client = NULL;
  g_autoptr(GArray) ids = NULL;
  g_autofree char *path = NULL;
  Fixture fx = { 0 }, *f = &fx;
  gint64 expunged;
  guint n, changed_before, queue_before;


  g_assert_no_error (error);
  g_assert_true (tern_test_server_seed (server, "alice", "INBOX", 30, &error));
  f->dir = g_dir_make_tmp ("tern-service-XXXXXX", &error);
  path = g_build_filename (f->dir, "tern.db", NULL);
  f->store = tern_store_open (path, &error);
  g_assert_no_error (error);
  tern_test_cache_add_server_account (f->store, server, "alice", TRUE);
  account = tern_store_get_account (f->store, "alice", &error);
  {
    g_autoptr(TernSync) sync = tern_sync_new (f->store, account);

    tern_sync_set_password (sync, "secret");
    g_assert_true (tern_sync_run (sync, NULL, &error));
    g_assert_no_error (error);
  }
  f->service = tern_mail_service_new (f->store);
  f->sets = g_ptr_array_new_with_free_func ((GDestroyNotify) tern_change_set_unref);
  g_signal_connect (f->service, "changed", G_CALLBACK (changed_cb), f);
  g_signal_connect (f->service, "queue-changed", G_CALLBACK (queue_cb), f);
  {
    g_autoptr(TernFolder) inbox = tern_store_get_folder (f->store, account->id, "INBOX", &error);

    g_assert_no_error (error);
    f->model = tern_message_model_new (f->store);
    g_assert_true (tern_message_model_set_folder (f->model, inbox->id, NULL));
  }
  g_signal_connect (f->model, "items-changed", G_CALLBACK (items_changed_cb), f);

  worker = tern_account_worker_new (f->store, account->id);
  tern_account_worker_set_password (worker, "secret");
  tern_mail_service_add_worker (f->service, worker);
  tern_account_worker_start (worker);
  g_assert_true (wait_until (worker_online, worker));
  g_assert_true (tern_test_server_wait_command (server, "alice", "IDLE", 1, 30000));

  /* Two flags while the worker idles: the service wakes it, it replays them, and the count
   * follows with no other news from the server (the "3 waiting" that stayed). */
  ids = ids_at (f, 0, 1, -1);
  queue_before = f->queue_signals;
  g_assert_cmpuint (tern_mail_service_set_flags (f->service, ids, "\\Flagged", NULL, &error), !=, 0);
  g_assert_no_error (error);
  g_assert_cmpuint (tern_mail_service_get_queued (f->service), ==, 2);
  g_assert_cmpuint (f->queue_signals, ==, queue_before + 1);
  if (!wait_until (queue_empty, worker))
    {
      g_autoptr(GPtrArray) left = tern_journal_list (f->store, account->id, NULL);

      for (guint i = 0; i < left->len; i++)
        g_printerr ("left: %s %s sent %d attempts %u error %s\n", ((TernAction *) left->pdata[i])->kind,
                    ((TernAction *) left->pdata[i])->state, ((TernAction *) left->pdata[i])->sent,
                    ((TernAction *) left->pdata[i])->attempts, ((TernAction *) left->pdata[i])->error);
      g_assert_not_reached ();
    }
  g_assert_cmpuint (tern_mail_service_get_queued (f->service), ==, 0);
  g_assert_cmpuint (f->queue_signals, ==, queue_before + 2);
  g_assert_cmpuint (tern_test_server_count_messages (server, "alice", "INBOX", "FLAGGED"), >=, 2);

  /* In IDLE again, another client expunges the newest message. */
  g_assert_true (tern_test_server_wait_command (server, "alice", "IDLE", 2, 30000));
  expunged = tern_message_model_get_id (f->model, 0);
  n = g_list_model_get_n_items (G_LIST_MODEL (f->model));
  g_ptr_array_set_size (f->sets, 0);
  changed_before = f->items_changed;
  client = tern_test_client_new (server, "alice", "secret", &error);
  g_assert_no_error (error);
  {
    g_autoptr(TernMessage) m = tern_store_get_message (f->store, expunged, NULL);

    g_assert_true (tern_test_client_command (client, NULL, &error, "SELECT INBOX"));
    g_assert_true (tern_test_client_command (client, NULL, &error, "UID STORE %u +FLAGS (\\Deleted)", m->uid));
    g_assert_true (tern_test_client_command (client, NULL, &error, "UID EXPUNGE %u", m->uid));
    g_assert_no_error (error);
  }
  g_assert_true (wait_until (removed_seen, f));
  for (guint i = 0; i < f->sets->len; i++)
    {
      TernChangeSet *set = f->sets->pdata[i];

      if (set->removed->len > 0)
        {
          g_assert_cmpuint (set->removed->len, ==, 1);
          g_assert_cmpint (g_array_index (set->removed, gint64, 0), ==, expunged);
        }
    }
  apply_all (f);
  g_assert_cmpuint (f->items_changed - changed_before, ==, 1);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (f->model)), ==, n - 1);
  g_assert_cmpuint (tern_message_model_find (f->model, expunged), ==, G_MAXUINT);

  tern_account_worker_stop (worker);
  {
    g_autofree char *cmd = g_strdup_printf ("rm -rf '%s'", f->dir);

    g_clear_object (&f->model);
    g_clear_object (&f->service);
    g_clear_object (&worker);
    g_ptr_array_unref (f->sets);
    tern_store_free (f->store);
    g_assert_cmpint (system (cmd), ==, 0);
    g_free (f->dir);
  }
}

/* A first sync's rows, as the app's list gets them: fed only by the service's change sets. */
typedef struct
{
  TernStore         *store;
  TernAccountWorker *worker;
  TernMessageModel  *model;
  gint64             account_id;
  gint64             inbox;
  GArray            *rows;              /* guint: the list's rows at each of INBOX's change sets
                                         * before the worker was online */
  gboolean           online;
} FirstSync;

static void
first_sync_changed_cb (TernMailService *service,
                       TernChangeSet   *set,
                       FirstSync       *fs)
{
  if (fs->inbox == 0 && set->folders_changed)
    {
      /* The folders LIST brought: open INBOX, as the window does. */
      g_autoptr(TernFolder) inbox = tern_store_get_folder (fs->store, fs->account_id, "INBOX", NULL);

      if (inbox != NULL)
        {
          fs->inbox = inbox->id;
          g_assert_true (tern_message_model_set_folder (fs->model, inbox->id, NULL));
        }
    }
  if (fs->inbox != 0)
    tern_message_model_apply (fs->model, set);
  if (fs->inbox != 0 && set->folder_id == fs->inbox && !fs->online)
    {
      guint n = g_list_model_get_n_items (G_LIST_MODEL (fs->model));

      g_array_append_val (fs->rows, n);
    }
}

static void
first_sync_state_cb (TernAccountWorker *worker,
                     GParamSpec        *pspec,
                     FirstSync         *fs)
{
  if (tern_account_worker_get_state (worker) == TERN_ACCOUNT_STATE_ONLINE)
    fs->online = TRUE;
}

static gboolean
first_sync_online (gpointer data)
{
  return ((FirstSync *) data)->online;
}

/* Issue 13: during a first sync of a big folder the list has rows as each batch of headers
 * is stored (a change set per batch), not when the whole folder is in. 6,000 messages come
 * in a first batch of 250 (the newest: what the list shows first) and then batches of
 * 2,500: each batch's set finds the one before committed. */
static void
test_first_sync_rows (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TernTestServer) server = tern_test_server_new (TERN_TEST_SERVER_FULL, &error);
  g_autoptr(TernAccount) account = NULL;
  g_autoptr(TernAccountWorker) worker = NULL;
  g_autoptr(TernMailService) service = NULL;
  g_autoptr(TernMessageModel) model = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *path = NULL;
  g_autofree char *cmd = NULL;
  g_autoptr(GArray) rows = g_array_new (FALSE, FALSE, sizeof (guint));
  FirstSync fs = { 0 };

  fs.rows = rows;
  g_assert_no_error (error);
  g_assert_true (tern_test_server_seed (server, "alice", "INBOX", 6000, &error));
  g_assert_no_error (error);
  dir = g_dir_make_tmp ("tern-service-XXXXXX", &error);
  path = g_build_filename (dir, "tern.db", NULL);
  fs.store = tern_store_open (path, &error);
  g_assert_no_error (error);
  tern_test_cache_add_server_account (fs.store, server, "alice", TRUE);
  account = tern_store_get_account (fs.store, "alice", &error);
  fs.account_id = account->id;

  service = tern_mail_service_new (fs.store);
  model = tern_message_model_new (fs.store);
  fs.model = model;
  g_signal_connect (service, "changed", G_CALLBACK (first_sync_changed_cb), &fs);
  worker = tern_account_worker_new (fs.store, account->id);
  g_signal_connect (worker, "notify::state", G_CALLBACK (first_sync_state_cb), &fs);
  tern_account_worker_set_password (worker, "secret");
  tern_mail_service_add_worker (service, worker);
  tern_account_worker_start (worker);
  g_assert_true (wait_until (first_sync_online, &fs));

  /* A set for each of the four batches and one when all are in, all before the sync ended,
   * each when its batch is committed (the rows a set finds depend on how soon the main
   * loop takes it; the batches themselves: /sync/first-batch). */
  for (guint i = 0; i < rows->len; i++)
    g_test_message ("INBOX's rows at set %u: %u", i, g_array_index (rows, guint, i));
  g_assert_cmpuint (rows->len, >=, 5);
  g_assert_cmpuint (g_array_index (rows, guint, 0), <, 6000);
  for (guint i = 1; i < rows->len; i++)
    g_assert_cmpuint (g_array_index (rows, guint, i), >=, g_array_index (rows, guint, i - 1));
  g_assert_cmpuint (g_array_index (rows, guint, rows->len - 1), ==, 6000);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (model)), ==, 6000);

  tern_account_worker_stop (worker);
  g_clear_object (&model);
  g_clear_object (&service);
  g_clear_object (&worker);
  tern_store_free (fs.store);
  cmd = g_strdup_printf ("rm -rf '%s'", dir);
  g_assert_cmpint (system (cmd), ==, 0);
}

/* The status area's Discard and Retry go through the service: a discarded move puts the
 * message back, both folders are told, the queue count follows at once. */
static void
test_discard_and_retry (Fixture       *f,
                        gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) ids = ids_at (f, 0, 1, -1);
  g_autoptr(GPtrArray) actions = NULL;
  gint64 moved = g_array_index (ids, gint64, 0);
  gboolean inbox_told = FALSE, archive_told = FALSE;
  guint signals_before;

  g_assert_cmpuint (tern_mail_service_move (f->service, ids, f->ids.archive, &error), !=, 0);
  g_assert_no_error (error);
  g_assert_cmpint (shown_in (f, moved), ==, f->ids.archive);
  g_assert_cmpuint (tern_mail_service_get_queued (f->service), ==, 2);
  actions = tern_journal_list (f->store, f->ids.account, &error);
  g_assert_cmpuint (actions->len, ==, 2);

  g_ptr_array_set_size (f->sets, 0);
  signals_before = f->queue_signals;
  g_assert_true (tern_mail_service_discard_action (f->service, ((TernAction *) actions->pdata[0])->id, &error));
  g_assert_no_error (error);
  g_assert_cmpint (shown_in (f, moved), ==, f->ids.inbox);
  for (guint i = 0; i < f->sets->len; i++)
    {
      TernChangeSet *set = f->sets->pdata[i];

      inbox_told |= set->folder_id == f->ids.inbox;
      archive_told |= set->folder_id == f->ids.archive;
    }
  g_assert_true (inbox_told);
  g_assert_true (archive_told);
  g_assert_cmpuint (tern_mail_service_get_queued (f->service), ==, 1);
  g_assert_cmpuint (f->queue_signals, >, signals_before);

  /* Retry of a queued action: it stays queued, nothing is lost. */
  g_assert_true (tern_mail_service_retry_action (f->service, ((TernAction *) actions->pdata[1])->id, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (tern_mail_service_get_queued (f->service), ==, 1);
  g_assert_cmpint (shown_in (f, g_array_index (ids, gint64, 1)), ==, f->ids.archive);
}

/* Junk as Thunderbird does it: $Junk and a move to Junk, one undo token; Not Junk from Junk
 * sets $NotJunk, clears $Junk, and brings it back to INBOX. */
static void
test_junk (Fixture       *f,
           gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) ids = ids_at (f, 0, -1);
  gint64 id = g_array_index (ids, gint64, 0);
  guint token;

  token = tern_mail_service_junk (f->service, ids, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (token, !=, 0);
  g_assert_cmpint (shown_in (f, id), ==, f->ids.junk);
  g_assert_true (has_flag (f, id, "$Junk"));
  g_assert_false (has_flag (f, id, "$NotJunk"));
  /* Two actions (the keyword, the move), one token. */
  g_assert_cmpuint (tern_mail_service_get_queued (f->service), ==, 2);

  g_assert_cmpuint (tern_mail_service_not_junk (f->service, ids, &error), !=, 0);
  g_assert_no_error (error);
  g_assert_cmpint (shown_in (f, id), ==, f->ids.inbox);
  g_assert_true (has_flag (f, id, "$NotJunk"));
  g_assert_false (has_flag (f, id, "$Junk"));

  /* Undo, newest first: back in Junk; then the first: back in INBOX, neither keyword. */
  g_assert_true (tern_mail_service_undo_last (f->service, &error));
  g_assert_cmpint (shown_in (f, id), ==, f->ids.junk);
  g_assert_true (tern_mail_service_undo (f->service, token, &error));
  g_assert_no_error (error);
  g_assert_cmpint (shown_in (f, id), ==, f->ids.inbox);
  g_assert_false (has_flag (f, id, "$Junk"));
  g_assert_false (has_flag (f, id, "$NotJunk"));
  g_assert_cmpuint (tern_mail_service_get_queued (f->service), ==, 0);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  tern_sync_global_init ();

#define ADD(path, func) g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("/service/flags/one-row", test_flag_one_row);
  ADD ("/service/all-or-nothing", test_all_or_nothing);
  ADD ("/service/move/rows", test_move_rows);
  ADD ("/service/undo/stack", test_undo_stack);
  ADD ("/service/undo/token", test_undo_token);
  ADD ("/service/undo/sent", test_undo_sent);
  ADD ("/service/discard-and-retry", test_discard_and_retry);
  ADD ("/service/junk", test_junk);
#undef ADD
  g_test_add_func ("/service/online/replay-and-idle-expunge", test_online);
  g_test_add_func ("/service/online/first-sync-rows", test_first_sync_rows);
  return g_test_run ();
}
