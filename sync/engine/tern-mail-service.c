/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "tern-mail-service"

#include "config.h"

#include "tern-mail-service.h"


/* One action of the user: the journal's actions it queued (copies, kept after the server
 * did them), the messages it named. */
typedef struct
{
  guint               token;
  TernMailActionKind  kind;
  GPtrArray          *actions;   /* TernAction */
} Entry;

struct _TernMailService
{
  GObject     parent_instance;

  TernStore  *store;             /* borrowed */
  GHashTable *workers;           /* account id -> TernAccountWorker (ref) */
  GPtrArray  *stack;             /* Entry, oldest first */
  guint       next_token;
  guint       queued;
  guint       failed;
};

G_DEFINE_FINAL_TYPE (TernMailService, tern_mail_service, G_TYPE_OBJECT)

enum
{
  SIGNAL_CHANGED,
  SIGNAL_QUEUE_CHANGED,
  SIGNAL_UNDO_CHANGED,
  N_SIGNALS
};

static guint signals [N_SIGNALS];

/* An undo stack deep enough for a triage session, not for ever. */
#define MAX_UNDO 100

static void
entry_free (Entry *e)
{
  g_ptr_array_unref (e->actions);
  g_free (e);
}

static void
tern_mail_service_dispose (GObject *object)
{
  TernMailService *self = TERN_MAIL_SERVICE (object);

  if (self->workers != NULL)
    {
      GHashTableIter iter;
      gpointer worker;

      g_hash_table_iter_init (&iter, self->workers);
      while (g_hash_table_iter_next (&iter, NULL, &worker))
        g_signal_handlers_disconnect_by_data (worker, self);
      g_clear_pointer (&self->workers, g_hash_table_unref);
    }
  g_clear_pointer (&self->stack, g_ptr_array_unref);

  G_OBJECT_CLASS (tern_mail_service_parent_class)->dispose (object);
}

static void
tern_mail_service_class_init (TernMailServiceClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = tern_mail_service_dispose;

  signals [SIGNAL_CHANGED] =
    g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, TERN_TYPE_CHANGE_SET | G_SIGNAL_TYPE_STATIC_SCOPE);
  signals [SIGNAL_QUEUE_CHANGED] =
    g_signal_new ("queue-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 0);
  signals [SIGNAL_UNDO_CHANGED] =
    g_signal_new ("undo-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 0);
}

static void
tern_mail_service_init (TernMailService *self)
{
  self->workers = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, g_object_unref);
  self->stack = g_ptr_array_new_with_free_func ((GDestroyNotify) entry_free);
  self->next_token = 1;
}

TernMailService *
tern_mail_service_new (TernStore *store)
{
  TernMailService *self;

  g_return_val_if_fail (store != NULL, NULL);

  self = g_object_new (TERN_TYPE_MAIL_SERVICE, NULL);
  self->store = store;
  self->queued = tern_mail_service_get_queued (self);
  self->failed = tern_mail_service_get_failed (self);
  return self;
}

TernStore *
tern_mail_service_get_store (TernMailService *self)
{
  g_return_val_if_fail (TERN_IS_MAIL_SERVICE (self), NULL);

  return self->store;
}

/* The queue. */

guint
tern_mail_service_get_queued (TernMailService *self)
{
  g_return_val_if_fail (TERN_IS_MAIL_SERVICE (self), 0);

  return tern_journal_count_state (self->store, 0, TERN_ACTION_STATE_QUEUED) +
         tern_journal_count_state (self->store, 0, TERN_ACTION_STATE_SENT);
}

guint
tern_mail_service_get_failed (TernMailService *self)
{
  g_return_val_if_fail (TERN_IS_MAIL_SERVICE (self), 0);

  return tern_journal_count_state (self->store, 0, TERN_ACTION_STATE_FAILED);
}

/* Emits queue-changed if the counts differ from what was told last. */
static void
recount (TernMailService *self)
{
  guint queued = tern_mail_service_get_queued (self);
  guint failed = tern_mail_service_get_failed (self);

  if (queued == self->queued && failed == self->failed)
    return;
  self->queued = queued;
  self->failed = failed;
  g_signal_emit (self, signals [SIGNAL_QUEUE_CHANGED], 0);
}

/* Workers. */

static void
worker_change_set_cb (TernAccountWorker *worker,
                      TernChangeSet     *set,
                      TernMailService   *self)
{
  g_signal_emit (self, signals [SIGNAL_CHANGED], 0, set);
}

static void
worker_queue_cb (TernAccountWorker *worker,
                 GParamSpec        *pspec,
                 TernMailService   *self)
{
  guint failed = self->failed;

  recount (self);
  /* A failed action's local effect was undone by the worker: its folders show the
   * server's truth again. */
  if (self->failed > failed)
    {
      g_autoptr(TernChangeSet) set = tern_change_set_new (tern_account_worker_get_account_id (worker), 0);

      set->reload = TRUE;
      set->counts_changed = TRUE;
      g_signal_emit (self, signals [SIGNAL_CHANGED], 0, set);
    }
}

void
tern_mail_service_add_worker (TernMailService   *self,
                              TernAccountWorker *worker)
{
  gint64 account_id;

  g_return_if_fail (TERN_IS_MAIL_SERVICE (self));
  g_return_if_fail (TERN_IS_ACCOUNT_WORKER (worker));

  account_id = tern_account_worker_get_account_id (worker);
  tern_mail_service_remove_worker (self, account_id);
  g_hash_table_insert (self->workers, g_memdup2 (&account_id, sizeof account_id), g_object_ref (worker));
  g_signal_connect (worker, "change-set", G_CALLBACK (worker_change_set_cb), self);
  g_signal_connect (worker, "notify::queued", G_CALLBACK (worker_queue_cb), self);
  g_signal_connect (worker, "notify::failed", G_CALLBACK (worker_queue_cb), self);
}

void
tern_mail_service_remove_worker (TernMailService *self,
                                 gint64           account_id)
{
  TernAccountWorker *worker;

  g_return_if_fail (TERN_IS_MAIL_SERVICE (self));

  worker = g_hash_table_lookup (self->workers, &account_id);
  if (worker == NULL)
    return;
  g_signal_handlers_disconnect_by_data (worker, self);
  g_hash_table_remove (self->workers, &account_id);
}

TernAccountWorker *
tern_mail_service_get_worker (TernMailService *self,
                              gint64           account_id)
{
  g_return_val_if_fail (TERN_IS_MAIL_SERVICE (self), NULL);

  return g_hash_table_lookup (self->workers, &account_id);
}

gboolean
tern_mail_service_set_server_previews (TernMailService  *self,
                                       gint64            account_id,
                                       gboolean          enabled,
                                       GError          **error)
{
  TernAccountWorker *worker;

  g_return_val_if_fail (TERN_IS_MAIL_SERVICE (self), FALSE);

  if (!tern_store_set_account_server_previews (self->store, account_id, enabled, error))
    return FALSE;
  /* The worker reads the setting after each sync: one now brings the lines at once. */
  worker = g_hash_table_lookup (self->workers, &account_id);
  if (enabled && worker != NULL)
    tern_account_worker_sync_now (worker);
  return TRUE;
}

static void
wake (TernMailService *self,
      gint64           account_id)
{
  TernAccountWorker *worker = g_hash_table_lookup (self->workers, &account_id);

  if (worker != NULL)
    tern_account_worker_local_change (worker);
}

/* Change sets: where the messages were shown before and after. */

static GArray *
messages_of (GPtrArray *actions,
             GArray    *also)
{
  GArray *ids = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr(GHashTable) seen = g_hash_table_new (g_int64_hash, g_int64_equal);

  for (guint i = 0; also != NULL && i < also->len; i++)
    if (g_hash_table_add (seen, &g_array_index (also, gint64, i)))
      g_array_append_val (ids, g_array_index (also, gint64, i));
  for (guint i = 0; actions != NULL && i < actions->len; i++)
    {
      TernAction *a = actions->pdata[i];
      gint64 *both[] = { &a->message, &a->new_message };

      for (guint k = 0; k < G_N_ELEMENTS (both); k++)
        if (*both[k] != 0 && g_hash_table_add (seen, both[k]))
          g_array_append_val (ids, *both[k]);
    }
  return ids;
}

static void
emit_diff (TernMailService *self,
           GArray          *before,
           GArray          *after)
{
  g_autoptr(TernChangeSets) sets = tern_change_sets_new ();
  g_autoptr(GPtrArray) out = NULL;

  for (guint i = 0; i < after->len; i++)
    {
      TernShownIn *b = &g_array_index (before, TernShownIn, i);
      TernShownIn *a = &g_array_index (after, TernShownIn, i);
      gint64 account = a->account_id != 0 ? a->account_id : b->account_id;

      if (b->folder_id != 0 && b->folder_id == a->folder_id)
        tern_change_set_change (tern_change_sets_get (sets, account, a->folder_id), a->message_id);
      else
        {
          if (b->folder_id != 0)
            tern_change_set_remove (tern_change_sets_get (sets, account, b->folder_id), b->message_id);
          if (a->folder_id != 0)
            tern_change_set_add (tern_change_sets_get (sets, account, a->folder_id), a->message_id);
        }
    }
  out = tern_change_sets_steal (sets);
  for (guint i = 0; i < out->len; i++)
    g_signal_emit (self, signals [SIGNAL_CHANGED], 0, out->pdata[i]);
}

static void
emit_folders (TernMailService *self,
              gint64           account_id)
{
  g_autoptr(TernChangeSet) set = tern_change_set_new (account_id, 0);

  set->folders_changed = TRUE;
  g_signal_emit (self, signals [SIGNAL_CHANGED], 0, set);
}

/* After the journal took actions (or gave them back): change sets, queue, workers. */
static void
after (TernMailService *self,
       GArray          *before,
       GArray          *ids,
       GPtrArray       *actions)
{
  g_autoptr(GHashTable) accounts = g_hash_table_new (g_int64_hash, g_int64_equal);
  gboolean folders = FALSE;

  if (ids != NULL)
    {
      g_autoptr(GArray) now = tern_journal_where_shown (self->store, ids);

      emit_diff (self, before, now);
    }
  for (guint i = 0; i < actions->len; i++)
    {
      TernAction *a = actions->pdata[i];

      g_hash_table_add (accounts, &a->account_id);
      if (g_str_has_prefix (a->kind, "folder-") || g_str_has_suffix (a->kind, "subscribe"))
        folders = TRUE;
    }
  {
    GHashTableIter iter;
    gpointer key;

    g_hash_table_iter_init (&iter, accounts);
    while (g_hash_table_iter_next (&iter, &key, NULL))
      {
        if (folders)
          emit_folders (self, *(gint64 *) key);
        wake (self, *(gint64 *) key);
      }
  }
  recount (self);
}

static guint
push (TernMailService    *self,
      TernMailActionKind  kind,
      GPtrArray          *actions)
{
  Entry *e;

  if (actions->len == 0)
    return 0;
  e = g_new0 (Entry, 1);
  e->token = self->next_token++;
  e->kind = kind;
  e->actions = g_ptr_array_ref (actions);
  g_ptr_array_add (self->stack, e);
  if (self->stack->len > MAX_UNDO)
    g_ptr_array_remove_index (self->stack, 0);
  g_signal_emit (self, signals [SIGNAL_UNDO_CHANGED], 0);
  return e->token;
}

static GPtrArray *
new_actions (void)
{
  return g_ptr_array_new_with_free_func ((GDestroyNotify) tern_action_free);
}

typedef gboolean (*ManyFunc) (TernMailService *self,
                              GArray          *ids,
                              gpointer         data,
                              GPtrArray       *queued,
                              GError         **error);

/* Where these messages are shown (TernShownIn) as seen in `snapshot` (0 if not in it: a
 * message the action made). */
static GArray *
shown_before (GArray *snapshot,
              GArray *ids)
{
  g_autoptr(GHashTable) index = g_hash_table_new (g_int64_hash, g_int64_equal);
  GArray *out = g_array_sized_new (FALSE, TRUE, sizeof (TernShownIn), ids->len);

  for (guint i = 0; i < snapshot->len; i++)
    g_hash_table_insert (index, &g_array_index (snapshot, TernShownIn, i).message_id,
                         &g_array_index (snapshot, TernShownIn, i));
  for (guint i = 0; i < ids->len; i++)
    {
      TernShownIn in = { g_array_index (ids, gint64, i), 0, 0 };
      TernShownIn *was = g_hash_table_lookup (index, &in.message_id);

      if (was != NULL)
        in = *was;
      g_array_append_val (out, in);
    }
  return out;
}

/* One message action: where they are, the transaction, what changed; pushed on the undo
 * stack unless kind is -1. */
static guint
message_action (TernMailService    *self,
                int                 kind,
                GArray             *ids,
                ManyFunc            func,
                gpointer            data,
                GError            **error)
{
  g_autoptr(GPtrArray) queued = new_actions ();
  g_autoptr(GArray) snapshot = NULL;
  g_autoptr(GArray) before = NULL;
  g_autoptr(GArray) touched = NULL;

  g_return_val_if_fail (TERN_IS_MAIL_SERVICE (self), 0);
  g_return_val_if_fail (ids != NULL, 0);

  if (ids->len == 0)
    return 0;
  snapshot = tern_journal_where_shown (self->store, ids);
  if (!func (self, ids, data, queued, error))
    return 0;
  /* Only what an action names changed (a message already as asked did not). */
  touched = messages_of (queued, NULL);
  before = shown_before (snapshot, touched);
  after (self, before, touched, queued);
  if (kind < 0)
    return queued->len > 0 ? G_MAXUINT : 0;
  return push (self, kind, queued);
}

static gboolean
flags_many (TernMailService *self, GArray *ids, gpointer data, GPtrArray *queued, GError **error)
{
  const char **d = data;

  return tern_journal_set_flags_many (self->store, ids, d[0], d[1], queued, error);
}

guint
tern_mail_service_set_flags (TernMailService  *self,
                             GArray           *message_ids,
                             const char       *add,
                             const char       *remove,
                             GError          **error)
{
  const char *d[] = { add, remove };

  return message_action (self, TERN_MAIL_ACTION_FLAGS, message_ids, flags_many, d, error);
}

guint
tern_mail_service_mark_folder_read (TernMailService  *self,
                                    gint64            folder_id,
                                    GError          **error)
{
  g_autoptr(GPtrArray) shown = NULL;
  g_autoptr(GArray) unread = g_array_new (FALSE, FALSE, sizeof (gint64));

  g_return_val_if_fail (TERN_IS_MAIL_SERVICE (self), 0);

  shown = tern_store_list_messages (self->store, folder_id, 0, error);
  if (shown == NULL)
    return 0;
  for (guint i = 0; i < shown->len; i++)
    {
      TernMessage *m = shown->pdata[i];

      if (!tern_flags_contain (m->flags, "\\Seen"))
        g_array_append_val (unread, m->id);
    }
  if (unread->len == 0)
    return 0;
  return tern_mail_service_set_flags (self, unread, "\\Seen", NULL, error);
}

gboolean
tern_mail_service_mark_read (TernMailService  *self,
                             GArray           *message_ids,
                             GError          **error)
{
  const char *d[] = { "\\Seen", NULL };
  g_autoptr(GError) local = NULL;

  message_action (self, -1, message_ids, flags_many, d, &local);
  if (local != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local));
      return FALSE;
    }
  return TRUE;
}

static gboolean
move_many (TernMailService *self, GArray *ids, gpointer data, GPtrArray *queued, GError **error)
{
  return tern_journal_move_many (self->store, ids, *(gint64 *) data, queued, error);
}

guint
tern_mail_service_move (TernMailService  *self,
                        GArray           *message_ids,
                        gint64            target_folder,
                        GError          **error)
{
  return message_action (self, TERN_MAIL_ACTION_MOVE, message_ids, move_many, &target_folder, error);
}

static gboolean
copy_many (TernMailService *self, GArray *ids, gpointer data, GPtrArray *queued, GError **error)
{
  return tern_journal_copy_many (self->store, ids, *(gint64 *) data, queued, error);
}

guint
tern_mail_service_copy (TernMailService  *self,
                        GArray           *message_ids,
                        gint64            target_folder,
                        GError          **error)
{
  return message_action (self, TERN_MAIL_ACTION_COPY, message_ids, copy_many, &target_folder, error);
}

static gboolean
special_many (TernMailService *self, GArray *ids, gpointer data, GPtrArray *queued, GError **error)
{
  return tern_journal_move_special_many (self->store, ids, data, queued, error);
}

guint
tern_mail_service_archive (TernMailService  *self,
                           GArray           *message_ids,
                           GError          **error)
{
  return message_action (self, TERN_MAIL_ACTION_ARCHIVE, message_ids, special_many, (gpointer) "\\Archive", error);
}

static gboolean
junk_many (TernMailService *self, GArray *ids, gpointer data, GPtrArray *queued, GError **error)
{
  return tern_journal_junk_many (self->store, ids, GPOINTER_TO_INT (data), queued, error);
}

guint
tern_mail_service_junk (TernMailService  *self,
                        GArray           *message_ids,
                        GError          **error)
{
  return message_action (self, TERN_MAIL_ACTION_JUNK, message_ids, junk_many, GINT_TO_POINTER (TRUE), error);
}

guint
tern_mail_service_not_junk (TernMailService  *self,
                            GArray           *message_ids,
                            GError          **error)
{
  return message_action (self, TERN_MAIL_ACTION_NOT_JUNK, message_ids, junk_many, GINT_TO_POINTER (FALSE), error);
}

static gboolean
delete_many (TernMailService *self, GArray *ids, gpointer data, GPtrArray *queued, GError **error)
{
  return tern_journal_delete_many (self->store, ids, GPOINTER_TO_INT (data), queued, error);
}

guint
tern_mail_service_delete (TernMailService  *self,
                          GArray           *message_ids,
                          GError          **error)
{
  return message_action (self, TERN_MAIL_ACTION_DELETE, message_ids, delete_many, GINT_TO_POINTER (FALSE), error);
}

guint
tern_mail_service_delete_permanently (TernMailService  *self,
                                      GArray           *message_ids,
                                      GError          **error)
{
  return message_action (self, TERN_MAIL_ACTION_DELETE_PERMANENTLY, message_ids, delete_many,
                         GINT_TO_POINTER (TRUE), error);
}

/* The actions queued after `last` (a call of the journal that queues one). */
static GPtrArray *
queued_since (TernMailService *self,
              gint64           last)
{
  g_autoptr(GError) error = NULL;
  GPtrArray *all = tern_journal_list_since (self->store, last, &error);

  if (all == NULL)
    {
      g_warning ("Reading the journal: %s", error->message);
      all = new_actions ();
    }
  return all;
}

guint
tern_mail_service_append (TernMailService    *self,
                          gint64              folder_id,
                          const TernMessage  *message,
                          GBytes             *raw,
                          gint64             *new_id,
                          GError            **error)
{
  gint64 last, id;
  g_autoptr(GPtrArray) queued = NULL;
  g_autoptr(GArray) ids = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr(GArray) before = NULL;

  g_return_val_if_fail (TERN_IS_MAIL_SERVICE (self), 0);

  last = tern_journal_last_id (self->store);
  id = tern_journal_append (self->store, folder_id, message, raw, error);
  if (new_id != NULL)
    *new_id = id;
  if (id == 0)
    return 0;
  queued = queued_since (self, last);
  g_array_append_val (ids, id);
  before = g_array_new (FALSE, TRUE, sizeof (TernShownIn));
  g_array_set_size (before, 1);
  g_array_index (before, TernShownIn, 0).message_id = id;
  after (self, before, ids, queued);
  return push (self, TERN_MAIL_ACTION_APPEND, queued);
}

guint
tern_mail_service_empty_folder (TernMailService  *self,
                                gint64            folder_id,
                                GError          **error)
{
  g_autoptr(GPtrArray) shown = NULL;
  g_autoptr(GArray) ids = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr(GArray) before = NULL;
  g_autoptr(GPtrArray) queued = NULL;
  gint64 last;

  g_return_val_if_fail (TERN_IS_MAIL_SERVICE (self), 0);

  if ((shown = tern_store_list_messages (self->store, folder_id, 0, error)) == NULL)
    return 0;
  for (guint i = 0; i < shown->len; i++)
    g_array_append_val (ids, ((TernMessage *) shown->pdata[i])->id);
  if (ids->len == 0)
    return 0;
  before = tern_journal_where_shown (self->store, ids);
  last = tern_journal_last_id (self->store);
  if (!tern_journal_empty_folder (self->store, folder_id, FALSE, error))
    return 0;
  queued = queued_since (self, last);
  after (self, before, ids, queued);
  return ids->len;
}

/* Folders. */

static guint
folder_done (TernMailService *self,
             gint64           last,
             gboolean         ok)
{
  g_autoptr(GPtrArray) queued = NULL;

  if (!ok)
    return 0;
  queued = queued_since (self, last);
  after (self, NULL, NULL, queued);
  return push (self, TERN_MAIL_ACTION_FOLDER, queued);
}

guint
tern_mail_service_folder_create (TernMailService  *self,
                                 gint64            account_id,
                                 const char       *name,
                                 const char       *display,
                                 const char       *delimiter,
                                 gint64           *folder_id,
                                 GError          **error)
{
  gint64 last = tern_journal_last_id (self->store);
  gint64 id = tern_journal_folder_create (self->store, account_id, name, display, delimiter, error);

  if (folder_id != NULL)
    *folder_id = id;
  return folder_done (self, last, id != 0);
}

guint
tern_mail_service_folder_rename (TernMailService  *self,
                                 gint64            folder_id,
                                 const char       *name,
                                 const char       *display,
                                 GError          **error)
{
  gint64 last = tern_journal_last_id (self->store);

  return folder_done (self, last, tern_journal_folder_rename (self->store, folder_id, name, display, error));
}

guint
tern_mail_service_folder_delete (TernMailService  *self,
                                 gint64            folder_id,
                                 GError          **error)
{
  gint64 last = tern_journal_last_id (self->store);

  return folder_done (self, last, tern_journal_folder_delete (self->store, folder_id, error));
}

guint
tern_mail_service_folder_subscribe (TernMailService  *self,
                                    gint64            folder_id,
                                    gboolean          subscribe,
                                    GError          **error)
{
  gint64 last = tern_journal_last_id (self->store);

  return folder_done (self, last, tern_journal_folder_subscribe (self->store, folder_id, subscribe, error));
}

/* A folder whose rows the journal changed in a way no set of ids says: read again. */
static void
emit_reload (TernMailService *self,
             gint64           account_id,
             gint64           folder_id)
{
  g_autoptr(TernChangeSet) set = tern_change_set_new (account_id, folder_id);

  set->reload = TRUE;
  set->counts_changed = TRUE;
  g_signal_emit (self, signals [SIGNAL_CHANGED], 0, set);
}

void
tern_mail_service_journal_changed (TernMailService *self,
                                   gint64           account_id,
                                   gint64           folder_id)
{
  g_return_if_fail (TERN_IS_MAIL_SERVICE (self));

  emit_reload (self, account_id, folder_id);
  wake (self, account_id);
  recount (self);
}

gboolean
tern_mail_service_folder_share (TernMailService  *self,
                                gint64            folder_id,
                                const char       *identifier,
                                const char       *rights,
                                GError          **error)
{
  g_autoptr(TernFolder) folder = NULL;

  g_return_val_if_fail (TERN_IS_MAIL_SERVICE (self), FALSE);
  g_return_val_if_fail (identifier != NULL, FALSE);

  if ((folder = tern_store_get_folder_by_id (self->store, folder_id, error)) == NULL)
    return FALSE;
  if (!tern_journal_folder_share (self->store, folder_id, identifier, rights, error))
    return FALSE;
  /* Nothing shown changes (no message, no count): only the queue and the worker. */
  wake (self, folder->account_id);
  recount (self);
  return TRUE;
}

static gboolean
retry_or_discard (TernMailService  *self,
                  gint64            action_id,
                  gboolean          discard,
                  GError          **error)
{
  g_autoptr(TernAction) a = tern_journal_get (self->store, action_id, error);
  gboolean ok;

  if (a == NULL)
    return FALSE;
  ok = discard ? tern_journal_discard (self->store, action_id, error)
               : tern_journal_retry (self->store, action_id, error);
  if (!ok)
    return FALSE;
  /* A discarded move or delete puts the message back: both its folders are told. */
  emit_reload (self, a->account_id, a->folder);
  if (a->target != 0 && a->target != a->folder)
    emit_reload (self, a->account_id, a->target);
  wake (self, a->account_id);
  recount (self);
  return TRUE;
}

gboolean
tern_mail_service_retry_action (TernMailService  *self,
                                gint64            action_id,
                                GError          **error)
{
  g_return_val_if_fail (TERN_IS_MAIL_SERVICE (self), FALSE);

  return retry_or_discard (self, action_id, FALSE, error);
}

gboolean
tern_mail_service_discard_action (TernMailService  *self,
                                  gint64            action_id,
                                  GError          **error)
{
  g_return_val_if_fail (TERN_IS_MAIL_SERVICE (self), FALSE);

  return retry_or_discard (self, action_id, TRUE, error);
}

/* Undo. */

static guint
find_entry (TernMailService *self,
            guint            token)
{
  for (guint i = 0; i < self->stack->len; i++)
    if (((Entry *) self->stack->pdata[i])->token == token)
      return i;
  return G_MAXUINT;
}

gboolean
tern_mail_service_undo (TernMailService  *self,
                        guint             token,
                        GError          **error)
{
  g_autoptr(GPtrArray) reverses = new_actions ();
  g_autoptr(GArray) ids = NULL;
  g_autoptr(GArray) before = NULL;
  g_autoptr(GPtrArray) all = NULL;
  guint pos;
  Entry *e;

  g_return_val_if_fail (TERN_IS_MAIL_SERVICE (self), FALSE);

  pos = find_entry (self, token);
  if (pos == G_MAXUINT)
    {
      g_set_error_literal (error, TERN_JOURNAL_ERROR, TERN_JOURNAL_ERROR_NOT_FOUND,
                           "There is nothing to undo");
      return FALSE;
    }
  e = self->stack->pdata[pos];
  ids = messages_of (e->actions, NULL);
  before = tern_journal_where_shown (self->store, ids);
  if (!tern_journal_undo_many (self->store, e->actions, reverses, error))
    return FALSE;

  /* Every account the action touched hears of it, reverses or not. */
  all = g_ptr_array_ref (e->actions);
  g_ptr_array_remove_index (self->stack, pos);
  after (self, before, ids, all);
  g_signal_emit (self, signals [SIGNAL_UNDO_CHANGED], 0);
  return TRUE;
}

gboolean
tern_mail_service_undo_last (TernMailService  *self,
                             GError          **error)
{
  g_return_val_if_fail (TERN_IS_MAIL_SERVICE (self), FALSE);

  if (self->stack->len == 0)
    return FALSE;
  return tern_mail_service_undo (self, ((Entry *) self->stack->pdata[self->stack->len - 1])->token, error);
}

gboolean
tern_mail_service_can_undo (TernMailService *self)
{
  g_return_val_if_fail (TERN_IS_MAIL_SERVICE (self), FALSE);

  return self->stack->len > 0;
}

gboolean
tern_mail_service_token_valid (TernMailService *self,
                               guint            token)
{
  g_return_val_if_fail (TERN_IS_MAIL_SERVICE (self), FALSE);

  return token != 0 && find_entry (self, token) != G_MAXUINT;
}

guint
tern_mail_service_get_token_count (TernMailService *self,
                                   guint            token)
{
  guint pos;

  g_return_val_if_fail (TERN_IS_MAIL_SERVICE (self), 0);

  pos = find_entry (self, token);
  if (pos == G_MAXUINT)
    return 0;
  /* Messages, not actions: junk is a keyword and a move for each. */
  {
    GPtrArray *actions = ((Entry *) self->stack->pdata[pos])->actions;
    g_autoptr(GHashTable) messages = g_hash_table_new (g_int64_hash, g_int64_equal);
    guint others = 0;

    for (guint i = 0; i < actions->len; i++)
      {
        TernAction *a = actions->pdata[i];

        if (a->message != 0)
          g_hash_table_add (messages, &a->message);
        else
          others++;
      }
    return g_hash_table_size (messages) + others;
  }
}
