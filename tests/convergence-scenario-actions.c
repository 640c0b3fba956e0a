/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "convergence-scenario"

#include "config.h"

#include <string.h>

#include <glib/gstdio.h>

#include "convergence-scenario-private.h"
#include "tern-mime.h"
#include "tern-sync.h"

/*
 * Tern's offline actions (through the journal, as the app does them) and the other client's
 * (straight IMAP), each recorded in the model for the oracle.
 */

/* Tern's offline actions. */

static int
compare_lids (gconstpointer a,
              gconstpointer b)
{
  gint64 x = *(const gint64 *) a;
  gint64 y = *(const gint64 *) b;

  return x < y ? -1 : x > y;
}

/* What the user sees, in a stable order. */
GArray *
visible_lids (Scenario *self,
              int       folder)
{
  GArray *lids = g_array_new (FALSE, FALSE, sizeof (gint64));
  GHashTableIter iter;
  gpointer value;

  g_hash_table_iter_init (&iter, self->locals);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      Local *local = value;

      if (local->shown != GONE && (folder == GONE || local->shown == folder))
        g_array_append_val (lids, local->lid);
    }
  g_array_sort (lids, compare_lids);
  return lids;
}

static Act *
act_add (Scenario *self,
         ActKind   kind,
         gint64    lid,
         int       target)
{
  Act *act = g_new0 (Act, 1);

  act->kind = kind;
  act->lid = lid;
  act->target = target;
  g_ptr_array_add (self->acts, act);
  return act;
}

static int
other_folder (Scenario *self,
              int       not_this)
{
  int folder;

  do
    folder = g_rand_int_range (self->rand, 0, (gint32) self->n_folders);
  while (folder == not_this && self->n_folders > 1);
  return folder;
}

static gboolean
journal_refused (Scenario    *self,
                 const char  *what,
                 GError      *local_error,
                 GString     *report)
{
  g_string_append_printf (report, "the journal refused %s: %s\n", what, local_error->message);
  g_error_free (local_error);
  return FALSE;
}

static gboolean tern_flags_apply (Scenario   *self,
                                  TernStore  *store,
                                  Local      *local,
                                  const char *add,
                                  const char *remove,
                                  GString    *report);

static gboolean
tern_flags (Scenario   *self,
            TernStore  *store,
            Local      *local,
            GArray     *also,
            GString    *report)
{
  static const char * const ops[][2] = {
    { "\\Seen", "" }, { "", "\\Seen" }, { "\\Flagged", "" }, { "", "\\Flagged" },
    { "$Work", "" }, { "", "$Work" }, { "$Later", "" }, { "", "$Later" }, { "\\Answered", "" },
  };
  guint op = (guint) g_rand_int_range (self->rand, 0, G_N_ELEMENTS (ops) + 1);
  g_autofree char *add = NULL;
  g_autofree char *remove = NULL;

  if (op < G_N_ELEMENTS (ops))
    {
      add = g_strdup (ops[op][0]);
      remove = g_strdup (ops[op][1]);
    }
  else
    {
      const char *a = random_flag (self->rand);
      const char *r;

      do
        r = random_flag (self->rand);
      while (r == a);
      add = g_strdup (a);
      remove = g_strdup (r);
    }

  /* The same change on the other selected messages too, each its own action (as the mail
   * service queues a selection): a batch for the replay. */
  if (!tern_flags_apply (self, store, local, add, remove, report))
    return FALSE;
  for (guint i = 0; also != NULL && i < also->len; i++)
    if (!tern_flags_apply (self, store, local_get (self, g_array_index (also, gint64, i)), add, remove, report))
      return FALSE;
  return TRUE;
}

static gboolean
tern_flags_apply (Scenario   *self,
                  TernStore  *store,
                  Local      *local,
                  const char *add_flags,
                  const char *remove_flags,
                  GString    *report)
{
  GError *local_error = NULL;
  g_autofree char *add = g_strdup (add_flags);
  g_autofree char *remove = g_strdup (remove_flags);
  Act *act;

  g_string_append_printf (self->log,
                          "tern:  flags   lid %" G_GINT64_FORMAT " %s in %s: +[%s] -[%s]\n",
                          local->lid, local->mid, folder_name (self, local->shown), add, remove);
  if (!tern_journal_set_flags (store, local->lid, add, remove, &local_error))
    return journal_refused (self, "a flag change", local_error, report);
  {
    char *flags = flags_apply (local->flags, add, remove);

    g_free (local->flags);
    local->flags = flags;
  }
  /* Like the journal, a change right after another of the same message merges into it:
   * (A1 - R2) + A2 and (R1 - A2) + R2. */
  act = self->acts->len > 0 ? self->acts->pdata[self->acts->len - 1] : NULL;
  if (act != NULL && act->kind == ACT_FLAGS && act->lid == local->lid)
    {
      char *merged_add = flags_apply (act->add, add, remove);
      char *merged_remove = flags_apply (act->remove, remove, add);

      g_free (act->add);
      g_free (act->remove);
      act->add = merged_add;
      act->remove = merged_remove;
      return TRUE;
    }
  act = act_add (self, ACT_FLAGS, local->lid, GONE);
  act->add = g_steal_pointer (&add);
  act->remove = g_steal_pointer (&remove);
  return TRUE;
}

/* Up to two more of lids besides lids[pick] (a selection of several messages). */
static GArray *
pick_more (Scenario *self,
           GArray   *lids,
           guint     pick)
{
  GArray *more = g_array_new (FALSE, FALSE, sizeof (gint64));
  guint n = (guint) g_rand_int_range (self->rand, 0, 3);

  for (guint i = 1; i <= n && i < lids->len; i++)
    g_array_append_val (more, g_array_index (lids, gint64, (pick + i) % lids->len));
  return more;
}

static gboolean
tern_move (Scenario   *self,
           TernStore  *store,
           Local      *local,
           int         target,
           GString    *report)
{
  GError *local_error = NULL;
  gboolean trash = target == (int) self->n_folders;

  g_string_append_printf (self->log, "tern:  %s lid %" G_GINT64_FORMAT " %s from %s to %s\n",
                          trash ? "delete " : "move   ", local->lid, local->mid,
                          folder_name (self, local->shown), folder_name (self, target));
  if (!(trash ? tern_journal_delete (store, local->lid, &local_error)
              : tern_journal_move (store, local->lid, self->folder_ids[target], &local_error)))
    return journal_refused (self, trash ? "a delete" : "a move", local_error, report);
  local->shown = target;
  act_add (self, ACT_MOVE, local->lid, target);
  return TRUE;
}

static gboolean
tern_copy (Scenario   *self,
           TernStore  *store,
           Local      *local,
           int         target,
           GString    *report)
{
  GError *local_error = NULL;
  gint64 copy;
  Act *act;

  g_string_append_printf (self->log, "tern:  copy    lid %" G_GINT64_FORMAT " %s from %s to %s",
                          local->lid, local->mid, folder_name (self, local->shown),
                          folder_name (self, target));
  copy = tern_journal_copy (store, local->lid, self->folder_ids[target], &local_error);
  if (copy == 0)
    {
      g_string_append_c (self->log, '\n');
      return journal_refused (self, "a copy", local_error, report);
    }
  g_string_append_printf (self->log, " (copy: lid %" G_GINT64_FORMAT ")\n", copy);
  local_add (self, copy, 0, target, local->flags, local->mid);
  act = act_add (self, ACT_COPY, local->lid, target);
  act->new_lid = copy;
  return TRUE;
}

static gboolean
tern_expunge (Scenario   *self,
              TernStore  *store,
              Local      *local,
              gboolean    permanently,
              GString    *report)
{
  GError *local_error = NULL;

  g_string_append_printf (self->log, "tern:  %s lid %" G_GINT64_FORMAT " %s in %s\n",
                          permanently ? "delete-permanently" : "delete (in Trash)", local->lid,
                          local->mid, folder_name (self, local->shown));
  if (!(permanently ? tern_journal_delete_permanently (store, local->lid, &local_error)
                    : tern_journal_delete (store, local->lid, &local_error)))
    return journal_refused (self, "a delete", local_error, report);
  local->shown = GONE;
  act_add (self, ACT_EXPUNGE, local->lid, GONE);
  return TRUE;
}

static gboolean
tern_append (Scenario   *self,
             TernStore  *store,
             int         folder,
             GString    *report,
             GError    **error)
{
  GError *local_error = NULL;
  g_autofree char *mid = g_strdup_printf ("<%s-t%u@tern.example>", self->tag, self->appended++);
  g_autofree char *text = message_text (mid, mid);
  g_autofree char *flags = random_flags (self->rand, 0.25);
  g_autoptr(GBytes) raw = g_bytes_new (text, strlen (text));
  g_autoptr(TernMessage) message = tern_mime_parse_message (raw, error);
  gint64 lid;
  Act *act;

  if (message == NULL)
    return FALSE;
  g_free (message->flags);
  message->flags = g_strdup (flags);
  message->internaldate = 1770026400; /* 2 Feb 2026 10:00 UTC */
  g_string_append_printf (self->log, "tern:  append  %s to %s [%s]", mid,
                          folder_name (self, folder), flags);
  lid = tern_journal_append (store, self->folder_ids[folder], message, raw, &local_error);
  if (lid == 0)
    {
      g_string_append_c (self->log, '\n');
      return journal_refused (self, "an append", local_error, report);
    }
  g_string_append_printf (self->log, " (lid %" G_GINT64_FORMAT ")\n", lid);
  local_add (self, lid, 0, folder, flags, mid);
  act = act_add (self, ACT_APPEND, lid, folder);
  act->flags = g_steal_pointer (&flags);
  return TRUE;
}

/* tern_journal_empty_folder: what is on the server in the folder goes in one UID set, what
 * was moved or copied in goes one by one. */
static gboolean
tern_empty (Scenario   *self,
            TernStore  *store,
            int         folder,
            GString    *report)
{
  g_autoptr(GArray) lids = visible_lids (self, folder);
  GError *local_error = NULL;
  Act *group = NULL;

  g_string_append_printf (self->log, "tern:  empty   %s (%u messages)\n",
                          folder_name (self, folder), lids->len);
  if (!tern_journal_empty_folder (store, self->folder_ids[folder], FALSE, &local_error))
    return journal_refused (self, "emptying a folder", local_error, report);

  for (guint i = 0; i < lids->len; i++)
    {
      Local *local = local_get (self, g_array_index (lids, gint64, i));

      if (local->oid != 0 && local->server == folder)
        {
          if (group == NULL)
            {
              group = act_add (self, ACT_EXPUNGE_UIDS, 0, folder);
              group->lids = g_array_new (FALSE, FALSE, sizeof (gint64));
            }
          g_array_append_val (group->lids, local->lid);
        }
    }
  for (guint i = 0; i < lids->len; i++)
    {
      Local *local = local_get (self, g_array_index (lids, gint64, i));

      if (!(local->oid != 0 && local->server == folder))
        act_add (self, ACT_EXPUNGE, local->lid, GONE);
      local->shown = GONE;
    }
  return TRUE;
}

gboolean
scenario_tern_actions (Scenario   *self,
                       TernStore  *store,
                       guint       n,
                       GString    *report,
                       GError    **error)
{
  int trash = (int) self->n_folders;

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(GArray) lids = visible_lids (self, GONE);
      int r = g_rand_int_range (self->rand, 0, 100);
      Local *local;
      guint pick;

      if (lids->len == 0 || (self->size.append && r >= 87 && r < 95))
        {
          if (!self->size.append)
            return TRUE;
          int folder = g_rand_int_range (self->rand, 0, (gint32) self->n_folders);

          if (!tern_append (self, store, folder, report, error))
            return FALSE;
          continue;
        }
      if (self->size.empty && r >= 95)
        {
          int folder = trash;

          if (g_rand_boolean (self->rand))
            folder = g_rand_int_range (self->rand, 0, (gint32) self->n_folders);

          if (!tern_empty (self, store, folder, report))
            return FALSE;
          continue;
        }

      pick = (guint) g_rand_int_range (self->rand, 0, (gint32) lids->len);
      local = local_get (self, g_array_index (lids, gint64, pick));
      if (r < 40 || r >= 87)
        {
          g_autoptr(GArray) also = pick_more (self, lids, pick);

          if (!tern_flags (self, store, local, r < 40 ? also : NULL, report))
            return FALSE;
        }
      else if (r < 55 && self->n_folders > 1)
        {
          g_autoptr(GArray) also = pick_more (self, lids, pick);
          int target = other_folder (self, local->shown);

          /* Several selected messages moved together: a batch for the replay. */
          if (!tern_move (self, store, local, target, report))
            return FALSE;
          for (guint j = 0; j < also->len; j++)
            {
              Local *more = local_get (self, g_array_index (also, gint64, j));

              if (more->shown != target && !tern_move (self, store, more, target, report))
                return FALSE;
            }
        }
      else if (r < 65 && self->n_folders > 1)
        {
          if (!tern_copy (self, store, local, other_folder (self, local->shown), report))
            return FALSE;
        }
      else if (r < 80)
        {
          if (local->shown == trash)
            {
              if (!tern_expunge (self, store, local, FALSE, report))
                return FALSE;
            }
          else if (!tern_move (self, store, local, trash, report))
            return FALSE;
        }
      else if (!tern_expunge (self, store, local, TRUE, report))
        return FALSE;
    }
  return TRUE;
}

/* The other client's actions. */

static GPtrArray *
present_insts (Scenario *self)
{
  GPtrArray *list = g_ptr_array_new ();

  for (guint i = 0; i < self->insts->len; i++)
    {
      Inst *inst = self->insts->pdata[i];

      if (inst->folder >= 0 && inst->folder < (int) self->n_folders)
        g_ptr_array_add (list, inst);
    }
  return list;
}

static gboolean
other_transfer (Scenario    *self,
                Inst        *inst,
                int          target,
                gboolean     move,
                GError     **error)
{
  g_autofree char *response = NULL;
  g_autoptr(GError) local_error = NULL;
  guint32 dest;
  Inst *copy;

  if (!client_select (self, self->folders[inst->folder], TRUE, NULL, error))
    return FALSE;
  if (!tern_test_client_command (self->client, &response, move ? &local_error : error,
                                 "UID %s %u \"%s\"", move ? "MOVE" : "COPY", inst->uid,
                                 self->folders[target]))
    {
      /* A server without MOVE (Courier refuses it): COPY, \Deleted and UID EXPUNGE of that one
       * message (every such server here has UIDPLUS). */
      if (local_error == NULL
          || local_error->domain != TERN_TEST_SERVER_ERROR
          || (local_error->code != TERN_TEST_SERVER_ERROR_NO
              && local_error->code != TERN_TEST_SERVER_ERROR_BAD))
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }
      g_clear_error (&local_error);
      if (!client_select (self, self->folders[inst->folder], TRUE, NULL, error)
          || !tern_test_client_command (self->client, &response, error, "UID COPY %u \"%s\"",
                                        inst->uid, self->folders[target])
          || !tern_test_client_command (self->client, NULL, error,
                                        "UID STORE %u +FLAGS.SILENT (\\Deleted)", inst->uid)
          || !tern_test_client_command (self->client, NULL, error, "UID EXPUNGE %u", inst->uid))
        return FALSE;
    }
  copy = inst_new (self, inst->mid, target, inst->flags);
  dest = copyuid_dest (response);
  g_string_append_printf (self->log, "other: %s %s %s uid %u to %s uid %u (COPYUID: %u)\n",
                          move ? "move   " : "copy   ", inst->mid, self->folders[inst->folder],
                          inst->uid, self->folders[target], copy->uid, dest);
  if (dest != 0 && dest != copy->uid)
    {
      g_set_error (error, TERN_TEST_SERVER_ERROR, TERN_TEST_SERVER_ERROR_FAILED,
                   "%s to %s gave UID %u, the model expected %u", move ? "MOVE" : "COPY",
                   self->folders[target], dest, copy->uid);
      return FALSE;
    }
  if (move)
    inst->folder = GONE;
  return TRUE;
}

static gboolean
other_action (Scenario  *self,
              GError   **error)
{
  g_autoptr(GPtrArray) present = present_insts (self);
  int r = g_rand_int_range (self->rand, 0, 100);
  Inst *inst;

  if (present->len == 0 || r >= 85)
    {
      g_autofree char *mid = g_strdup_printf ("<%s-o%u@other.example>", self->tag,
                                              self->insts->len);
      g_autofree char *flags = random_flags (self->rand, 0.3);
      int folder = g_rand_int_range (self->rand, 0, (gint32) self->n_folders);

      g_string_append_printf (self->log, "other: append  %s to %s [%s]\n", mid,
                              self->folders[folder], flags);
      return client_append (self, folder, mid, flags, error);
    }

  inst = present->pdata[g_rand_int_range (self->rand, 0, (gint32) present->len)];
  if (r < 40)
    {
      gboolean add = g_rand_boolean (self->rand);
      g_autofree char *flags = g_strdup (random_flag (self->rand));
      char *next;

      if (g_rand_boolean (self->rand))
        {
          const char *second = random_flag (self->rand);

          if (g_ascii_strcasecmp (second, flags) != 0)
            {
              char *both = g_strdup_printf ("%s %s", flags, second);

              g_free (flags);
              flags = both;
            }
        }
      g_string_append_printf (self->log, "other: store   %s %s uid %u %cFLAGS (%s)\n", inst->mid,
                              self->folders[inst->folder], inst->uid, add ? '+' : '-', flags);
      if (!client_select (self, self->folders[inst->folder], TRUE, NULL, error) ||
          !tern_test_client_command (self->client, NULL, error, "UID STORE %u %cFLAGS.SILENT (%s)",
                                     inst->uid, add ? '+' : '-', flags))
        return FALSE;
      next = add ? flags_apply (inst->flags, flags, NULL) : flags_apply (inst->flags, NULL, flags);
      g_free (inst->flags);
      inst->flags = next;
      return TRUE;
    }
  if (r < 55 && self->n_folders > 1)
    return other_transfer (self, inst, other_folder (self, inst->folder), TRUE, error);
  if (r < 65 && self->n_folders > 1)
    return other_transfer (self, inst, other_folder (self, inst->folder), FALSE, error);

  g_string_append_printf (self->log, "other: expunge %s %s uid %u\n", inst->mid,
                          self->folders[inst->folder], inst->uid);
  if (!client_select (self, self->folders[inst->folder], TRUE, NULL, error) ||
      !tern_test_client_command (self->client, NULL, error,
                                 "UID STORE %u +FLAGS.SILENT (\\Deleted)", inst->uid) ||
      !tern_test_client_command (self->client, NULL, error, "UID EXPUNGE %u", inst->uid))
    return FALSE;
  inst->folder = GONE;
  return TRUE;
}

gboolean
scenario_other_actions (Scenario  *self,
                        guint      n,
                        GError   **error)
{
  for (guint i = 0; i < n; i++)
    if (!other_action (self, error))
      return FALSE;
  return client_unselect (self, error);
}
