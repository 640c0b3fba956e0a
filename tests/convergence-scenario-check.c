/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "convergence-scenario"

#include "config.h"

#include <string.h>

#include <glib/gstdio.h>

#include "convergence-scenario-private.h"
#include "tern-mime.h"
#include "tern-sync.h"

/*
 * The oracle: the journal replayed over the model's server state by the merge rules
 * (convergence-scenario.c), then the server and the cache compared with what it predicts.
 */


static char *
local_line (gint64      lid,
            const char *mid,
            const char *flags)
{
  return g_strdup_printf ("lid %" G_GINT64_FORMAT " %s [%s]", lid, mid, flags ? flags : "");
}

gboolean
scenario_check_local (Scenario   *self,
                      TernStore  *store,
                      GString    *report,
                      GError    **error)
{
  gboolean ok = TRUE;

  for (guint i = 0; i <= self->n_folders; i++)
    {
      g_autoptr(GPtrArray) messages = NULL;
      g_autoptr(GPtrArray) expected = g_ptr_array_new_with_free_func (g_free);
      g_autoptr(GPtrArray) actual = g_ptr_array_new_with_free_func (g_free);
      g_autoptr(GArray) lids = visible_lids (self, (int) i);
      g_autofree char *what = g_strdup_printf ("offline view of %s", self->folders[i]);

      messages = tern_store_list_messages (store, self->folder_ids[i], 0, error);
      if (messages == NULL)
        return FALSE;
      for (guint j = 0; j < lids->len; j++)
        {
          Local *local = local_get (self, g_array_index (lids, gint64, j));

          g_ptr_array_add (expected, local_line (local->lid, local->mid, local->flags));
        }
      for (guint j = 0; j < messages->len; j++)
        {
          TernMessage *m = messages->pdata[j];

          g_ptr_array_add (actual, local_line (m->id, m->message_id, m->flags));
        }
      ok = compare_multisets (expected, actual, what, report) && ok;
    }
  return ok;
}

static gboolean
inst_present (Inst *inst)
{
  return inst != NULL && inst->folder != GONE;
}

static Inst *
resolve (Scenario *self,
         gint64    lid)
{
  Local *local = local_get (self, lid);

  return local != NULL ? inst_get (self, local->oid) : NULL;
}

static void
expect_failure (Scenario   *self,
                const char *kind,
                gint64      lid)
{
  Local *local = local_get (self, lid);

  g_ptr_array_add (self->failures, g_strdup_printf ("%s lid %" G_GINT64_FORMAT " %s: %s", kind, lid,
                                                    local ? local->mid : "?",
                                                    TERN_ACTION_PERMANENT));
  g_string_append_printf (self->log, "oracle: %s lid %" G_GINT64_FORMAT " fails\n", kind, lid);
}

static void
model_expunge (Scenario *self,
               gint64    lid)
{
  Inst *inst = resolve (self, lid);

  if (inst_present (inst))
    inst->folder = GONE;
}

void
scenario_replay_model (Scenario *self)
{
  g_return_if_fail (!self->replayed);
  self->replayed = TRUE;

  for (guint i = 0; i < self->acts->len; i++)
    {
      Act *act = self->acts->pdata[i];
      Inst *inst = NULL;

      if (act->kind != ACT_APPEND && act->kind != ACT_EXPUNGE_UIDS)
        inst = resolve (self, act->lid);

      switch (act->kind)
        {
        case ACT_FLAGS:
          if (!inst_present (inst))
            expect_failure (self, TERN_ACTION_FLAGS, act->lid);
          else
            {
              char *flags = flags_apply (inst->flags, act->add, act->remove);

              g_free (inst->flags);
              inst->flags = flags;
            }
          break;

        case ACT_MOVE:
          /* A move to where the cache has the message on the server is done already (the
           * second half of A -> B -> A after the first half failed). */
          if (inst != NULL && local_get (self, act->lid)->server == act->target)
            break;
          if (!inst_present (inst))
            expect_failure (self, TERN_ACTION_MOVE, act->lid);
          else
            {
              inst->folder = act->target;
              inst->uid = self->uidnext[act->target]++;
              local_get (self, act->lid)->server = act->target;
            }
          break;

        case ACT_COPY:
          if (!inst_present (inst))
            expect_failure (self, TERN_ACTION_COPY, act->lid);
          else
            {
              Inst *copy = inst_new (self, inst->mid, act->target, inst->flags);

              local_get (self, act->new_lid)->oid = copy->oid;
            }
          break;

        case ACT_EXPUNGE:
          model_expunge (self, act->lid);
          break;

        case ACT_EXPUNGE_UIDS:
          for (guint j = 0; j < act->lids->len; j++)
            model_expunge (self, g_array_index (act->lids, gint64, j));
          break;

        case ACT_APPEND:
          {
            Local *local = local_get (self, act->lid);

            local->oid = inst_new (self, local->mid, act->target, act->flags)->oid;
          }
          break;

        default:
          g_assert_not_reached ();
        }
    }
}

guint
scenario_count_expected_failures (Scenario *self)
{
  return self->failures->len;
}

static char *
snap_line (const char *mid,
           const char *flags)
{
  return g_strdup_printf ("%s [%s]", mid, flags ? flags : "");
}

/* Server == oracle, for one folder. */
static gboolean
check_server_folder (Scenario   *self,
                     guint       index,
                     GPtrArray  *server,
                     GString    *report)
{
  g_autoptr(GPtrArray) expected = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) actual = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *what = g_strdup_printf ("server %s", self->folders[index]);

  for (guint i = 0; i < self->insts->len; i++)
    {
      Inst *inst = self->insts->pdata[i];

      if (inst->folder == (int) index)
        g_ptr_array_add (expected, snap_line (inst->mid, inst->flags));
    }
  for (guint i = 0; i < server->len; i++)
    {
      Snap *snap = server->pdata[i];

      g_ptr_array_add (actual, snap_line (snap->mid, snap->flags));
    }
  return compare_multisets (expected, actual, what, report);
}

/* Cache == server, for one folder, by UID. */
static gboolean
check_cache_folder (Scenario   *self,
                    TernStore  *store,
                    guint       index,
                    GPtrArray  *server,
                    GString    *report,
                    GError    **error)
{
  g_autoptr(GPtrArray) messages = NULL;
  g_autoptr(GHashTable) attached = NULL;
  g_autoptr(GPtrArray) expected = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) actual = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *what = g_strdup_printf ("cache %s", self->folders[index]);
  guint local_only;
  gboolean ok;

  messages = tern_store_list_messages (store, self->folder_ids[index], 0, error);
  if (messages == NULL)
    return FALSE;
  attached = tern_store_dup_flags_map (store, self->folder_ids[index], 0, error);
  if (attached == NULL)
    return FALSE;

  for (guint i = 0; i < server->len; i++)
    {
      Snap *snap = server->pdata[i];

      g_ptr_array_add (expected, g_strdup_printf ("uid %u %s [%s]", snap->uid, snap->mid,
                                                  snap->flags));
    }
  for (guint i = 0; i < messages->len; i++)
    {
      TernMessage *m = messages->pdata[i];

      g_ptr_array_add (actual, g_strdup_printf ("uid %u %s [%s]", m->uid, m->message_id, m->flags));
    }
  ok = compare_multisets (expected, actual, what, report);

  /* Rows the server has that the user does not see (hidden, moved away locally). */
  if (g_hash_table_size (attached) != server->len)
    {
      g_string_append_printf (report, "  %s: %u rows have a UID, the server has %u messages\n",
                              what, g_hash_table_size (attached), server->len);
      ok = FALSE;
    }
  local_only = tern_journal_count_local_only (store, self->folder_ids[index]);
  if (local_only > 0)
    {
      g_string_append_printf (report, "  %s: %u messages only in the cache\n", what, local_only);
      ok = FALSE;
    }
  return ok;
}

static gboolean
check_journal (Scenario   *self,
               TernStore  *store,
               GString    *report,
               GError    **error)
{
  g_autoptr(GPtrArray) actions = tern_journal_list (store, self->account_id, error);
  g_autoptr(GPtrArray) expected = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) actual = g_ptr_array_new_with_free_func (g_free);
  gboolean ok = TRUE;

  if (actions == NULL)
    return FALSE;
  for (guint i = 0; i < self->failures->len; i++)
    g_ptr_array_add (expected, g_strdup (self->failures->pdata[i]));
  for (guint i = 0; i < actions->len; i++)
    {
      TernAction *a = actions->pdata[i];
      Local *local = local_get (self, a->message);

      if (g_strcmp0 (a->state, "failed") != 0)
        {
          g_string_append_printf (report,
                                  "  journal: action %" G_GINT64_FORMAT " (%s, lid %"
                                  G_GINT64_FORMAT ") is still %s%s%s\n", a->id, a->kind, a->message,
                                  a->state, a->error ? ": " : "", a->error ? a->error : "");
          ok = FALSE;
          continue;
        }
      g_ptr_array_add (actual, g_strdup_printf ("%s lid %" G_GINT64_FORMAT " %s: %s", a->kind,
                                                a->message, local ? local->mid : "?",
                                                a->error_class));
      g_string_append_printf (self->log, "journal: %s lid %" G_GINT64_FORMAT " failed (%s): %s\n",
                              a->kind, a->message, a->error_class, a->error);
    }
  return compare_multisets (expected, actual, "failed actions", report) && ok;
}

gboolean
scenario_check (Scenario   *self,
                TernStore  *store,
                GString    *report,
                GError    **error)
{
  gboolean ok = TRUE;

  g_return_val_if_fail (self->replayed, FALSE);

  for (guint i = 0; i <= self->n_folders; i++)
    {
      g_autoptr(GPtrArray) server = server_snapshot (self, self->folders[i], error);

      if (server == NULL)
        return FALSE;
      ok = check_server_folder (self, i, server, report) && ok;
      if (!check_cache_folder (self, store, i, server, report, error))
        {
          if (error != NULL && *error != NULL)
            return FALSE;
          ok = FALSE;
        }
    }
  if (!check_journal (self, store, report, error))
    {
      if (error != NULL && *error != NULL)
        return FALSE;
      ok = FALSE;
    }
  if (!client_unselect (self, error))
    return FALSE;
  return ok;
}

gboolean
scenario_cleanup (Scenario  *self,
                  GError   **error)
{
  guint exists = 0;

  if (!client_unselect (self, error))
    return FALSE;
  for (guint i = 0; i < self->n_folders; i++)
    if (!tern_test_client_command (self->client, NULL, error, "DELETE \"%s\"", self->folders[i]))
      return FALSE;
  if (!client_select (self, self->folders[self->n_folders], TRUE, &exists, error))
    return FALSE;
  if (exists > 0 &&
      (!tern_test_client_command (self->client, NULL, error,
                                  "STORE 1:* +FLAGS.SILENT (\\Deleted)") ||
       !tern_test_client_command (self->client, NULL, error, "EXPUNGE")))
    return FALSE;
  return client_unselect (self, error);
}

TernAccount *
scenario_add_account (TernTestServer  *server,
                      TernStore       *store,
                      const char      *password_command,
                      GError         **error)
{
  TernAccount settings = { 0 };
  gint64 id = 0;

  settings.name = (char *) "test";
  settings.email = (char *) "alice@example.org";
  settings.host = (char *) tern_test_server_get_host (server);
  settings.port = tern_test_server_get_imaps_port (server);
  settings.security = (char *) "tls";
  settings.user = (char *) "alice";
  settings.password_command = (char *) password_command;
  settings.ca_file = (char *) tern_test_server_get_ca_file (server);
  if (!tern_store_add_account (store, &settings, &id, error))
    return NULL;
  return tern_store_get_account_by_id (store, id, error);
}

/* The convergence run. */

struct _ConvergenceContext
{
  guint           level;
  gboolean        borrowed;   /* the server is the caller's */
  TernTestServer *server;
  TernTestClient *client;
  char           *dir;
};

ConvergenceContext *
convergence_context_new (guint    level,
                         GError **error)
{
  g_autoptr(ConvergenceContext) self = g_new0 (ConvergenceContext, 1);

  g_return_val_if_fail (level < SCENARIO_N_LEVELS, NULL);

  self->level = level;
  self->server = tern_test_server_new (scenario_levels[level].flags, error);
  if (self->server == NULL)
    return NULL;
  self->client = tern_test_client_new (self->server, "alice", "secret", error);
  if (self->client == NULL)
    return NULL;
  self->dir = g_dir_make_tmp ("tern-convergence-XXXXXX", error);
  if (self->dir == NULL)
    return NULL;
  return g_steal_pointer (&self);
}

ConvergenceContext *
convergence_context_new_on_server (TernTestServer  *server,
                                   GError         **error)
{
  g_autoptr(ConvergenceContext) self = g_new0 (ConvergenceContext, 1);

  self->borrowed = TRUE;
  self->server = server;
  self->client = tern_test_client_new (self->server, "alice", "secret", error);
  if (self->client == NULL)
    return NULL;
  self->dir = g_dir_make_tmp ("tern-convergence-XXXXXX", error);
  if (self->dir == NULL)
    return NULL;
  return g_steal_pointer (&self);
}

void
convergence_context_free (ConvergenceContext *self)
{
  if (self == NULL)
    return;
  tern_test_client_free (self->client);
  if (!self->borrowed)
    tern_test_server_free (self->server);
  if (self->dir != NULL)
    {
      /* What a failed seed left behind. */
      g_autoptr(GDir) dir = g_dir_open (self->dir, 0, NULL);
      const char *name;

      while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
        {
          g_autofree char *path = g_build_filename (self->dir, name, NULL);

          g_unlink (path);
        }
      g_rmdir (self->dir);
    }
  g_free (self->dir);
  g_free (self);
}

/* TERN_REPLAY_BATCH per seed. */
static const char *const batch_limits[] = { "1", "2", "3", "" };

static void
remove_cache (const char *path)
{
  static const char * const suffixes[] = { "", "-wal", "-shm", "-journal" };

  for (guint i = 0; i < G_N_ELEMENTS (suffixes); i++)
    {
      g_autofree char *file = g_strconcat (path, suffixes[i], NULL);

      g_unlink (file);
    }
}

gboolean
convergence_run_seed (ConvergenceContext  *self,
                      guint32              seed,
                      char               **divergence,
                      GError             **error)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (seed ^ 0x9e3779b9u);
  g_autofree char *tag = g_strdup_printf ("cv%u", seed);
  g_autofree char *name = g_strdup_printf ("%s.db", tag);
  g_autofree char *path = g_build_filename (self->dir, name, NULL);
  g_autoptr(GString) report = g_string_new (NULL);
  g_autoptr(Scenario) scenario = NULL;
  g_autoptr(TernStore) store = NULL;
  g_autoptr(TernAccount) account = NULL;
  g_autoptr(TernSync) sync = NULL;
  g_autoptr(GError) sync_error = NULL;
  ScenarioSize size = { 0 };
  /* TERN_CONVERGENCE_BATCH=N forces one cap on every seed (to tell a batching fault from an
   * older one). */
  const char *forced = g_getenv ("TERN_CONVERGENCE_BATCH");
  const char *batch = forced != NULL ? forced : batch_limits[seed % G_N_ELEMENTS (batch_limits)];
  gboolean ok = FALSE;

  *divergence = NULL;
  size.n_folders = (guint) g_rand_int_range (rand, 2, 4);
  size.n_messages = (guint) g_rand_int_range (rand, 8, 13);
  size.n_tern = (guint) g_rand_int_range (rand, 3, 11);
  size.n_other = (guint) g_rand_int_range (rand, 2, 9);
  size.append = TRUE;
  size.empty = TRUE;

  remove_cache (path);
  scenario = scenario_new (self->client, tag, seed, &size, error);
  if (scenario == NULL)
    return FALSE;
  store = tern_store_open (path, error);
  if (store == NULL || (account = scenario_add_account (self->server, store, NULL, error)) == NULL)
    return FALSE;

  sync = tern_sync_new (store, account);
  tern_sync_set_password (sync, "secret");
  tern_sync_set_timeout (sync, 10);

  if (!tern_sync_run (sync, NULL, &sync_error))
    g_string_append_printf (report, "the first sync failed: %s\n", sync_error->message);
  else if (scenario_attach (scenario, store, account->id, report, error))
    {
      /* Offline: the connection goes, Tern acts on its cache, another client on the server. */
      tern_sync_disconnect (sync);
      if (scenario_tern_actions (scenario, store, size.n_tern, report, error) &&
          scenario_other_actions (scenario, size.n_other, error))
        {
          scenario_check_local (scenario, store, report, error);
          if (error == NULL || *error == NULL)
            {
              /* Random batch boundaries (#12): batches of at most 1, 2 or 3 actions, or of
               * as many as commute. */
              g_setenv ("TERN_REPLAY_BATCH", batch, TRUE);
              if (!tern_sync_run (sync, NULL, &sync_error))
                g_string_append_printf (report, "the sync after going online failed: %s\n",
                                        sync_error->message);
              else
                {
                  scenario_replay_model (scenario);
                  scenario_check (scenario, store, report, error);
                }
            }
        }
    }
  g_unsetenv ("TERN_REPLAY_BATCH");
  if (error == NULL || *error == NULL)
    ok = TRUE;
  else
    {
      /* The harness itself failed (a server did not do what the model expects): what led
       * there tells whether the model or the server is wrong. */
      char *message = g_strdup_printf ("%s\n--- what happened:\n%s", (*error)->message,
                                       scenario_get_log (scenario));

      g_free ((*error)->message);
      (*error)->message = message;
    }

  g_clear_pointer (&sync, tern_sync_free);
  g_clear_pointer (&store, tern_store_free);
  remove_cache (path);
  if (ok && !scenario_cleanup (scenario, error))
    ok = FALSE;
  if (ok && report->len > 0)
    *divergence = g_strdup_printf ("seed %u (level %s, %u folders, %u messages, %u Tern actions, "
                                   "%u other, replay batches of %s):\n%s--- what happened:\n%s",
                                   seed, scenario_levels[self->level].name, size.n_folders,
                                   size.n_messages, size.n_tern, size.n_other,
                                   *batch != '\0' ? batch : "any size",
                                   report->str,
                                   scenario_get_log (scenario));
  return ok;
}
