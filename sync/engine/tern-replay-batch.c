/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "tern-sync"

#include "config.h"

#include <string.h>

#include "tern-imap-utils.h"
#include "tern-journal.h"
#include "tern-replay-private.h"

/*
 * Batched replay (#12): queued actions that commute go to the server together.
 *
 *  - Flag changes with the same delta on messages of one folder: one UID STORE per sign over
 *    the set, guarded by UNCHANGEDSINCE the newest MODSEQ cached of them where CONDSTORE is
 *    offered (then .SILENT, its MODSEQs stored); the MODIFIED set gets the same delta again, unguarded (the
 *    user wins for the flags they touched). No FETCH: the STORE's answer names the messages
 *    it reached; any other goes to the one-action path.
 *  - Moves and copies from one folder to one target: one UID MOVE (or UID COPY, and for a
 *    move \Deleted + UID EXPUNGE) of the set, COPYUID mapping it to the new UIDs; the
 *    messages keep their cached rows (headers, structure, bodies) under the new UIDs.
 *  - Permanent deletions in one folder: one \Deleted + UID EXPUNGE of the set.
 *
 * An action joins a batch only if no action between them (left out of the batch) concerns
 * the same message, and no folder or share action lies between: dependent actions keep
 * their order (a move, then a flag on the moved message). Each batch is claimed (marked
 * `sent`, tern_journal_claim_many()) in one transaction before its command goes out; an
 * undo that comes later is answered by the reverse, one that came earlier took the action
 * out and it is not sent. A kill after the claim resumes each action of the batch on its
 * own, through the recovery of the one-action path (a move's note "<N" is the target's
 * UIDNEXT before the batch: a Message-ID hit below it is not the moved message).
 *
 * Anything the batch cannot settle (a message not found where the cache has it, a command
 * that failed other than for a retry later) is left to the one-action path, which knows
 * every case.
 */

#define DEFAULT_LIMIT 2000

typedef enum
{
  BATCH_NONE,
  BATCH_FLAGS,
  BATCH_MOVE,
  BATCH_COPY,
  BATCH_EXPUNGE,
} BatchKind;

guint
_tern_replay_batch_limit (void)
{
  const char *env = g_getenv ("TERN_REPLAY_BATCH");
  guint64 n;

  if (env == NULL || *env == '\0')
    return DEFAULT_LIMIT;
  n = g_ascii_strtoull (env, NULL, 10);
  return n == 0 ? 1 : (guint) MIN (n, 100000);
}

static BatchKind
batch_kind (const TernAction *a)
{
  if (g_strcmp0 (a->kind, TERN_ACTION_FLAGS) == 0)
    return BATCH_FLAGS;
  /* One that went out before is resumed on its own (its recovery looks for it first). */
  if (g_strcmp0 (a->kind, TERN_ACTION_MOVE) == 0 && !a->sent)
    return BATCH_MOVE;
  if (g_strcmp0 (a->kind, TERN_ACTION_COPY) == 0 && !a->sent)
    return BATCH_COPY;
  if (g_strcmp0 (a->kind, TERN_ACTION_EXPUNGE) == 0)
    return BATCH_EXPUNGE;
  return BATCH_NONE;
}

/* Actions on messages only commute with each other; anything else ends a batch. */
static gboolean
is_message_action (const TernAction *a)
{
  return g_strcmp0 (a->kind, TERN_ACTION_FLAGS) == 0 || g_strcmp0 (a->kind, TERN_ACTION_MOVE) == 0 ||
         g_strcmp0 (a->kind, TERN_ACTION_COPY) == 0 || g_strcmp0 (a->kind, TERN_ACTION_EXPUNGE) == 0 ||
         g_strcmp0 (a->kind, TERN_ACTION_APPEND) == 0;
}

static gboolean
same_key (const TernAction *a,
          const TernAction *b)
{
  switch (batch_kind (a))
    {
    case BATCH_FLAGS:
      return g_strcmp0 (a->add_flags, b->add_flags) == 0 && g_strcmp0 (a->remove_flags, b->remove_flags) == 0;
    case BATCH_MOVE:
    case BATCH_COPY:
      return a->target == b->target;
    case BATCH_EXPUNGE:
      return TRUE;
    case BATCH_NONE:
    default:
      return FALSE;
    }
}

static void
block (GHashTable       *blocked,
       const TernAction *a)
{
  if (a->message != 0)
    g_hash_table_add (blocked, g_memdup2 (&a->message, sizeof (gint64)));
  if (a->new_message != 0)
    g_hash_table_add (blocked, g_memdup2 (&a->new_message, sizeof (gint64)));
}

GPtrArray *
_tern_replay_collect_batch (TernSync   *self,
                            GPtrArray  *window,
                            guint       start,
                            gboolean   *taken,
                            guint       limit)
{
  TernAction *first = window->pdata[start];
  GPtrArray *batch = g_ptr_array_new ();
  g_autoptr(GHashTable) blocked = NULL;
  g_autoptr(GHashTable) in_batch = NULL;
  BatchKind kind = batch_kind (first);
  gint64 folder_id = 0;
  guint32 uid = 0;

  g_ptr_array_add (batch, first);
  taken[start] = TRUE;
  if (kind == BATCH_NONE || limit <= 1 ||
      !tern_journal_locate (self->store, first->message, &folder_id, &uid, NULL) || uid == 0)
    return batch;

  blocked = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
  in_batch = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
  block (in_batch, first);
  for (guint j = start + 1; j < window->len && batch->len < limit; j++)
    {
      TernAction *b = window->pdata[j];
      gint64 b_folder = 0;
      guint32 b_uid = 0;

      if (taken[j])
        continue;
      if (!is_message_action (b))
        break;
      if (batch_kind (b) == kind && same_key (first, b) &&
          !g_hash_table_contains (blocked, &b->message) && !g_hash_table_contains (in_batch, &b->message) &&
          (b->new_message == 0 || !g_hash_table_contains (blocked, &b->new_message)) &&
          tern_journal_locate (self->store, b->message, &b_folder, &b_uid, NULL) &&
          b_folder == folder_id && b_uid != 0)
        {
          g_ptr_array_add (batch, b);
          taken[j] = TRUE;
          block (in_batch, b);
        }
      else
        block (blocked, b);
    }
  return batch;
}

/* Where each action's message is on the server now (after a SELECT that may have followed a
 * UIDVALIDITY change), and the claim. Actions whose message is not where the batch is go to
 * the one-action path (left); those an undo took back meanwhile are dropped (uid 0). */
static gboolean
locate_and_claim (TernSync   *self,
                  GPtrArray  *batch,
                  gint64      folder_id,
                  const char *note,
                  guint32    *uids,
                  gboolean   *left,
                  GError    **error)
{
  g_autofree gboolean *claimed = g_new0 (gboolean, batch->len);

  for (guint i = 0; i < batch->len; i++)
    {
      TernAction *a = batch->pdata[i];
      gint64 now_folder = 0;

      if (!tern_journal_locate (self->store, a->message, &now_folder, &uids[i], NULL) ||
          now_folder != folder_id || uids[i] == 0)
        {
          left[i] = TRUE;
          uids[i] = 0;
        }
    }
  if (!tern_journal_claim_many (self->store, batch, note, claimed, error))
    return FALSE;
  for (guint i = 0; i < batch->len; i++)
    if (!claimed[i])
      {
        g_debug ("action %" G_GINT64_FORMAT " taken back before it was sent", ((TernAction *) batch->pdata[i])->id);
        left[i] = FALSE;
        uids[i] = 0;
      }
  return TRUE;
}

/* The sorted set of the non-zero uids. */
static char *
uid_set (const guint32 *uids,
         guint          n,
         GArray       **sorted_out)
{
  GArray *sorted = g_array_new (FALSE, FALSE, sizeof (guint32));
  char *set;

  for (guint i = 0; i < n; i++)
    if (uids[i] != 0)
      g_array_append_val (sorted, uids[i]);
  g_array_sort (sorted, _tern_sync_compare_uid);
  set = sorted->len > 0 ? tern_imap_uid_set_new (sorted) : NULL;
  if (sorted_out != NULL)
    *sorted_out = sorted;
  else
    g_array_unref (sorted);
  return set;
}

/* uid -> index + 1 in self->collected */
static GHashTable *
index_collected (TernSync *self)
{
  GHashTable *index = g_hash_table_new (NULL, NULL);

  for (guint i = 0; i < self->collected->len; i++)
    g_hash_table_insert (index, GUINT_TO_POINTER (g_array_index (self->collected, Collected, i).uid),
                         GUINT_TO_POINTER (i + 1));
  return index;
}

static const Collected *
lookup_collected (TernSync   *self,
                  GHashTable *index,
                  guint32     uid)
{
  guint i = GPOINTER_TO_UINT (g_hash_table_lookup (index, GUINT_TO_POINTER (uid)));

  return i == 0 ? NULL : &g_array_index (self->collected, Collected, i - 1);
}

/* The UIDs of the MODIFIED pairs (first, last) that are in the set. */
static void
add_modified (GArray *pairs,
              GArray *into)
{
  for (guint i = 0; pairs != NULL && i + 1 < pairs->len; i += 2)
    for (guint32 u = g_array_index (pairs, guint32, i); u != 0 && u <= g_array_index (pairs, guint32, i + 1); u++)
      g_array_append_val (into, u);
}

static gboolean
flags_batch (TernSync    *self,
             GPtrArray   *batch,
             gboolean    *left,
             GError     **error)
{
  TernAction *first = batch->pdata[0];
  g_autoptr(TernFolder) folder = NULL;
  g_autofree guint32 *uids = g_new0 (guint32, batch->len);
  g_autoptr(GArray) modified = g_array_new (FALSE, FALSE, sizeof (guint32));
  g_autoptr(GHashTable) index = NULL;
  g_autoptr(GPtrArray) local_flags = g_ptr_array_new_full (batch->len, g_free);
  g_autofree char *set = NULL;
  guint64 unchanged_since;
  gboolean ok = TRUE;
  gint64 folder_id = 0;
  guint done = 0;

  if (!tern_journal_locate (self->store, first->message, &folder_id, NULL, error) ||
      (folder = _tern_replay_server_folder (self, folder_id, error)) == NULL ||
      !_tern_replay_select_for_uids (self, &folder, error))
    return FALSE;
  if (!locate_and_claim (self, batch, folder->id, NULL, uids, left, error))
    return FALSE;
  set = uid_set (uids, batch->len, NULL);
  if (set == NULL)
    return TRUE;

  /* Guarded by the newest MODSEQ the cache has seen of these messages (RFC 4549): one
   * another client changed since comes back as MODIFIED. A message the cache has no MODSEQ
   * of does not raise it; if the server's is newer, it comes back MODIFIED like the rest.
   * Nothing is fetched before or after: the STORE's own answer says which messages it
   * reached (with CONDSTORE, .SILENT still answers each changed message's UID and MODSEQ;
   * without, the FLAGS of each). A message it did not name (gone, or already as asked) goes
   * to the one-action path, which asks. */
  unchanged_since = 0;
  g_ptr_array_set_size (local_flags, batch->len);
  if (self->condstore)
    {
      g_autofree gint64 *ids = g_new0 (gint64, batch->len);
      g_autofree guint64 *modseqs = g_new0 (guint64, batch->len);

      for (guint i = 0; i < batch->len; i++)
        ids[i] = uids[i] != 0 ? ((TernAction *) batch->pdata[i])->message : 0;
      if (!tern_store_get_flag_states (self->store, ids, batch->len, modseqs, (char **) local_flags->pdata,
                                       error))
        return FALSE;
      for (guint i = 0; i < batch->len; i++)
        unchanged_since = MAX (unchanged_since, modseqs[i]);
    }
  _tern_sync_clear_collected (self);
  self->fetch_mode = FETCH_COLLECT;
  for (guint sign = 0; sign < 2 && ok; sign++)
    {
      const char *flags = sign == 0 ? first->add_flags : first->remove_flags;
      g_autoptr(GArray) not_modified = NULL;

      if (flags == NULL || *flags == '\0')
        continue;
      ok = tern_imap_connection_uid_store_full (self->conn, set, sign == 0, flags, unchanged_since,
                                                unchanged_since != 0, &not_modified, error);
      if (ok && unchanged_since != 0)
        add_modified (not_modified, modified);
    }
  if (ok && modified->len > 0)
    {
      g_autofree char *modified_set = NULL;

      /* Someone changed these meanwhile: the same delta again, the user wins for the flags
       * they touched; the other client's changes to other flags stay. */
      g_array_sort (modified, _tern_sync_compare_uid);
      modified_set = tern_imap_uid_set_new (modified);
      g_debug ("%u messages changed meanwhile: the delta again", modified->len);
      ok = (first->add_flags == NULL || *first->add_flags == '\0' ||
            tern_imap_connection_uid_store_full (self->conn, modified_set, TRUE, first->add_flags, 0, FALSE,
                                                 NULL, error)) &&
           (first->remove_flags == NULL || *first->remove_flags == '\0' ||
            tern_imap_connection_uid_store_full (self->conn, modified_set, FALSE, first->remove_flags, 0,
                                                 FALSE, NULL, error));
    }
  self->fetch_mode = FETCH_NONE;
  if (!ok)
    return FALSE;

  /* The server's flags where it gave them, the user's later queued changes on top; the next
   * resync (CHANGEDSINCE) brings the rest. */
  index = index_collected (self);
  if (!tern_store_begin (self->store, error))
    return FALSE;
  for (guint i = 0; i < batch->len; i++)
    {
      const Collected *c;
      g_autofree char *flags = NULL;

      if (uids[i] == 0)
        continue;
      c = lookup_collected (self, index, uids[i]);
      if (c == NULL)
        {
          left[i] = TRUE;
          continue;
        }
      if (!tern_journal_mark_done (self->store, ((TernAction *) batch->pdata[i])->id, error))
        goto rollback;
      done++;
      if (c->flags == NULL)
        {
          /* .SILENT: the new MODSEQ alone; the row keeps the flags it shows. */
          if (c->modseq != 0 && local_flags->pdata[i] != NULL &&
              !tern_store_update_flags (self->store, folder->id, c->uid, local_flags->pdata[i], c->modseq, NULL,
                                        error))
            goto rollback;
          continue;
        }
      flags = tern_journal_apply_pending_flags (self->store, folder->id, c->uid, c->flags);
      if (!tern_store_update_flags (self->store, folder->id, c->uid, flags, c->modseq, NULL, error))
        goto rollback;
    }
  if (!tern_store_commit (self->store, error))
    goto rollback;
  self->stats.actions_replayed += done;
  return TRUE;

rollback:
  tern_store_rollback (self->store);
  return FALSE;
}

/* Copies that lost their flags on the way get them again (see restore_flags() in
 * tern-replay-transfer.c): one STORE per distinct set of flags. */
static gboolean
restore_flags_many (TernSync    *self,
                    TernFolder  *target,
                    guint32     *new_uids,
                    char       **source_flags,
                    guint        n,
                    GError     **error)
{
  g_autofree char *trait = tern_store_dup_server_trait (self->store, self->account->id, TERN_TRAIT_COPY_FLAGS);
  g_autoptr(GHashTable) groups = NULL;
  GHashTableIter iter;
  gpointer key, value;
  gboolean any = FALSE;

  if (g_strcmp0 (trait, "kept") == 0)
    return TRUE;
  groups = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) g_array_unref);
  for (guint i = 0; i < n; i++)
    {
      char *wanted = _tern_replay_copyable_flags (source_flags[i]);
      GArray *group;

      if (new_uids[i] == 0 || wanted[0] == '\0')
        {
          g_free (wanted);
          continue;
        }
      group = g_hash_table_lookup (groups, wanted);
      if (group == NULL)
        {
          group = g_array_new (FALSE, FALSE, sizeof (guint32));
          g_hash_table_insert (groups, wanted, group);
        }
      else
        g_free (wanted);
      g_array_append_val (group, new_uids[i]);
      any = TRUE;
    }
  if (!any)
    return TRUE;
  if (!_tern_sync_select (self, target->name, error))
    return FALSE;
  if (trait == NULL)
    {
      g_autofree char *wanted = NULL;
      g_autofree char *probe = NULL;
      gboolean kept = TRUE;
      gboolean seen = FALSE;
      guint i = 0;

      /* Whether the server kept them: asked of one copy (a server keeps flags on COPY for
       * every message or for none), not of the whole set. */
      while (i < n && (new_uids[i] == 0 || *(wanted = _tern_replay_copyable_flags (source_flags[i])) == '\0'))
        {
          g_clear_pointer (&wanted, g_free);
          i++;
        }
      g_assert (i < n);
      probe = g_strdup_printf ("%u", new_uids[i]);
      if (!_tern_sync_collect_flags (self, probe, error))
        return FALSE;
      for (guint k = 0; k < self->collected->len; k++)
        {
          const Collected *c = &g_array_index (self->collected, Collected, k);

          if (c->uid != new_uids[i])
            continue;
          seen = TRUE;
          kept = kept && _tern_replay_has_every_flag (c->flags, wanted);
        }
      /* Not there (expunged meanwhile): no verdict; the flags are stored again this time. */
      if (seen && !tern_store_set_server_trait (self->store, self->account->id, TERN_TRAIT_COPY_FLAGS,
                                                kept ? "kept" : "dropped", error))
        return FALSE;
      if (seen && kept)
        return TRUE;
      if (seen)
        g_message ("%s drops flags on COPY/MOVE: they are stored again after each one", self->account->host);
    }
  g_hash_table_iter_init (&iter, groups);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      GArray *group = value;
      g_autofree char *group_set = NULL;

      g_array_sort (group, _tern_sync_compare_uid);
      group_set = tern_imap_uid_set_new (group);
      if (!tern_imap_connection_uid_store (self->conn, group_set, TRUE, key, 0, NULL, error))
        return FALSE;
    }
  return TRUE;
}

/* "<a@b>", " a@b " -> "a@b": Message-IDs compared as the server and the cache spell them. */
static char *
normalize_message_id (const char *text,
                      gsize       length)
{
  g_autofree char *copy = g_strndup (text, length);
  char *start = g_strstrip (copy);
  gsize n;

  if (*start == '<')
    start++;
  n = strlen (start);
  if (n > 0 && start[n - 1] == '>')
    start[--n] = '\0';
  return g_strdup (start);
}

typedef struct
{
  GHashTable *hits;   /* normalized Message-ID -> GArray of UIDs */
  guint32     uid;
  guint       seen;   /* messages in the answer */
  guint32     max_uid;
} IdsFetch;

static void
ids_section_cb (const char   *section,
                const guint8 *data,
                gsize         length,
                gpointer      user_data)
{
  IdsFetch *fetch = user_data;
  g_autofree char *text = NULL;
  const char *colon;
  g_autofree char *id = NULL;
  GArray *uids;

  if (data == NULL || length == 0 || fetch->uid == 0)
    return;
  /* "Message-ID: <x@y>" (perhaps folded), then the empty line. */
  text = g_strndup ((const char *) data, length);
  colon = strchr (text, ':');
  if (colon == NULL)
    return;
  for (char *p = (char *) colon + 1; *p != '\0'; p++)
    if (*p == '\r' || *p == '\n' || *p == '\t')
      *p = ' ';
  id = normalize_message_id (colon + 1, strlen (colon + 1));
  if (*id == '\0')
    return;
  uids = g_hash_table_lookup (fetch->hits, id);
  if (uids == NULL)
    {
      uids = g_array_new (FALSE, FALSE, sizeof (guint32));
      g_hash_table_insert (fetch->hits, g_steal_pointer (&id), uids);
    }
  g_array_append_val (uids, fetch->uid);
}

static void
ids_fetch_cb (const TernImapFetchItem *item,
              gpointer                 user_data)
{
  IdsFetch *fetch = user_data;

  fetch->uid = tern_imap_fetch_item_get_uid (item);
  if (fetch->uid == 0)
    return;
  fetch->seen++;
  fetch->max_uid = MAX (fetch->max_uid, fetch->uid);
  tern_imap_fetch_item_foreach_body_section (item, ids_section_cb, fetch);
  fetch->uid = 0;
}

/*
 * Without COPYUID: the new UIDs by Message-ID, for the whole batch in one FETCH of the
 * Message-ID header of everything from the target's UIDNEXT before the batch on. A message
 * takes the one hit with its Message-ID that the cache does not know; none or several (two
 * copies of one message in the batch): no UID, the sync brings it.
 */
static gboolean
map_by_message_id (TernSync    *self,
                   TernFolder  *target,
                   guint32      floor,
                   GPtrArray   *batch,
                   guint32     *uids,
                   guint32     *new_uids,
                   gboolean    *only_ours,
                   GError     **error)
{
  const char *sections[] = { "HEADER.FIELDS (MESSAGE-ID)", NULL };
  g_autofree char *set = g_strdup_printf ("%u:*", MAX (floor, 1));
  g_autoptr(GHashTable) wanted = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autofree char **ids = g_new0 (char *, batch->len + 1);
  IdsFetch fetch = { 0 };
  gboolean ok = FALSE;
  guint mapped = 0, asked = 0;

  for (guint i = 0; i < batch->len; i++)
    {
      g_autoptr(TernMessage) m = NULL;

      if (uids[i] == 0 || new_uids[i] != 0)
        continue;
      m = tern_store_get_message (self->store, ((TernAction *) batch->pdata[i])->message, NULL);
      if (m == NULL || m->message_id == NULL || *m->message_id == '\0')
        continue;
      ids[i] = normalize_message_id (m->message_id, strlen (m->message_id));
      g_hash_table_insert (wanted, g_strdup (ids[i]),
                           GUINT_TO_POINTER (GPOINTER_TO_UINT (g_hash_table_lookup (wanted, ids[i])) + 1));
    }
  if (g_hash_table_size (wanted) == 0)
    {
      ok = TRUE;
      goto out;
    }
  if (!_tern_sync_select (self, target->name, error))
    goto out;

  fetch.hits = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) g_array_unref);
  tern_imap_connection_set_fetch_func (self->conn, ids_fetch_cb, &fetch);
  ok = tern_imap_connection_uid_fetch_sections (self->conn, set, sections, error);
  tern_imap_connection_set_fetch_func (self->conn, _tern_sync_fetch_cb, self);
  if (!ok)
    goto out;

  for (guint i = 0; i < batch->len; i++)
    {
      GArray *hits;
      guint32 found = 0;
      guint n = 0;

      if (ids[i] == NULL || GPOINTER_TO_UINT (g_hash_table_lookup (wanted, ids[i])) != 1)
        continue;
      hits = g_hash_table_lookup (fetch.hits, ids[i]);
      for (guint j = 0; hits != NULL && j < hits->len; j++)
        {
          guint32 uid = g_array_index (hits, guint32, j);

          if (uid >= floor && tern_store_find_uid (self->store, target->id, uid) == 0)
            {
              found = uid;
              n++;
            }
        }
      if (n == 1)
        {
          new_uids[i] = found;
          mapped++;
        }
      else
        g_debug ("no single new UID for %s in %s: %u candidates", ids[i], target->name, n);
    }
  g_debug ("%u Message-IDs from UID %u on in %s", g_hash_table_size (fetch.hits), floor, target->name);
  /* Nothing but the batch arrived since UIDNEXT was read: the UIDs floor..max are ours. */
  for (guint i = 0; i < batch->len; i++)
    if (uids[i] != 0)
      asked++;
  *only_ours = mapped == asked && fetch.seen == asked && fetch.max_uid - floor + 1 == asked;
  ok = TRUE;

out:
  g_clear_pointer (&fetch.hits, g_hash_table_unref);
  for (guint i = 0; i < batch->len; i++)
    g_free (ids[i]);
  return ok;
}

static gboolean
transfer_batch (TernSync    *self,
                GPtrArray   *batch,
                gboolean     move,
                gboolean    *left,
                GError     **error)
{
  TernAction *first = batch->pdata[0];
  g_autoptr(TernFolder) folder = NULL;
  g_autoptr(TernFolder) target = NULL;
  g_autofree guint32 *uids = g_new0 (guint32, batch->len);
  g_autofree guint32 *new_uids = g_new0 (guint32, batch->len);
  g_autofree char **source_flags = g_new0 (char *, batch->len + 1);
  g_autoptr(GHashTable) index = NULL;
  g_autoptr(GArray) present = g_array_new (FALSE, FALSE, sizeof (guint32));
  g_autoptr(GArray) mapped = NULL;
  g_autofree char *set = NULL;
  g_autofree char *present_set = NULL;
  g_autofree char *note = NULL;
  TernImapMailbox before = { 0 };
  gboolean have_move = tern_imap_connection_has_capability (self->conn, "MOVE");
  gboolean contiguous = TRUE;
  guint32 max_new = 0;
  gint64 folder_id = 0;
  guint done = 0;
  gboolean ok = FALSE;

  if (!tern_journal_locate (self->store, first->message, &folder_id, NULL, error) ||
      (folder = _tern_replay_server_folder (self, folder_id, error)) == NULL ||
      (target = _tern_replay_server_folder (self, first->target, error)) == NULL)
    return FALSE;
  if (folder->id == target->id)
    {
      /* Nothing to send: the one-action path ends them. */
      for (guint i = 0; i < batch->len; i++)
        left[i] = TRUE;
      return TRUE;
    }
  if (!move)
    for (guint i = 0; i < batch->len; i++)
      {
        g_autoptr(TernMessage) copy = tern_store_get_message (self->store, ((TernAction *) batch->pdata[i])->new_message, NULL);

        if (copy == NULL)
          left[i] = TRUE; /* the copy was discarded here meanwhile */
      }

  /* The target's UIDNEXT before anything goes out: a kill after the command leaves the
   * one-action path this floor (a Message-ID hit below it is older than the batch). */
  if (!tern_imap_connection_status (self->conn, target->name, FALSE, &before, error))
    goto out;
  note = g_strdup_printf ("<%u", before.uidnext);
  if (!_tern_replay_select_for_uids (self, &folder, error))
    goto out;
  {
    g_autofree gboolean *was_left = g_memdup2 (left, sizeof (gboolean) * batch->len);
    g_autoptr(GPtrArray) claimable = g_ptr_array_new ();

    /* Left ones are not claimed here (the one-action path does). */
    for (guint i = 0; i < batch->len; i++)
      if (!was_left[i])
        g_ptr_array_add (claimable, batch->pdata[i]);
    {
      g_autofree guint32 *sub_uids = g_new0 (guint32, claimable->len + 1);
      g_autofree gboolean *sub_left = g_new0 (gboolean, claimable->len + 1);

      if (!locate_and_claim (self, claimable, folder->id, note, sub_uids, sub_left, error))
        goto out;
      for (guint i = 0, k = 0; i < batch->len; i++)
        if (!was_left[i])
          {
            uids[i] = sub_uids[k];
            left[i] = sub_left[k];
            k++;
          }
    }
  }
  set = uid_set (uids, batch->len, NULL);
  if (set == NULL)
    {
      ok = TRUE;
      goto out;
    }
  if (!_tern_sync_collect_flags (self, set, error))
    goto out;
  index = index_collected (self);
  for (guint i = 0; i < batch->len; i++)
    {
      const Collected *c = uids[i] != 0 ? lookup_collected (self, index, uids[i]) : NULL;

      if (uids[i] != 0 && c == NULL)
        {
          left[i] = TRUE; /* not in the source: the one-action path looks for it */
          uids[i] = 0;
        }
      if (c == NULL)
        continue;
      source_flags[i] = g_strdup (c->flags);
      g_array_append_val (present, uids[i]);
    }
  if (present->len == 0)
    {
      ok = TRUE;
      goto out;
    }

  if (!tern_imap_connection_uid_copy (self->conn, present, target->name, move && have_move, &mapped, error))
    goto out;
  if (move && !have_move)
    {
      /* A COPY that failed left the originals untouched (no \Deleted). */
      g_array_sort (present, _tern_sync_compare_uid);
      present_set = tern_imap_uid_set_new (present);
      if (!_tern_replay_expunge_set (self, present_set, error))
        goto out;
    }
  for (guint i = 0, k = 0; i < batch->len; i++)
    if (uids[i] != 0)
      {
        new_uids[i] = g_array_index (mapped, guint32, k++);
        max_new = MAX (max_new, new_uids[i]);
      }
  for (guint i = 0; i < batch->len; i++)
    if (uids[i] != 0 && new_uids[i] == 0)
      contiguous = FALSE;
  if (!contiguous)
    {
      if (!map_by_message_id (self, target, before.uidnext, batch, uids, new_uids, &contiguous, error))
        goto out;
      for (guint i = 0; i < batch->len; i++)
        max_new = MAX (max_new, new_uids[i]);
    }
  if (!restore_flags_many (self, target, new_uids, source_flags, batch->len, error))
    goto out;

  /* The new UIDs, exactly UIDNEXT.. on: nothing else arrived, and if the cache knew the
   * target up to that UIDNEXT it knows it now up to the new one (the moved messages are not
   * fetched again, only their flags and MODSEQ on the next resync). */
  if (contiguous && max_new != 0 && max_new - before.uidnext + 1 != present->len)
    contiguous = FALSE;

  if (!tern_store_begin (self->store, error))
    goto out;
  for (guint i = 0; i < batch->len; i++)
    {
      TernAction *a = batch->pdata[i];
      gint64 message_id = move ? a->message : a->new_message;

      if (uids[i] == 0)
        continue;
      if (!(new_uids[i] != 0 ? tern_journal_attach_uid (self->store, message_id, target->id, new_uids[i], error)
                             : tern_journal_forget_message (self->store, message_id, error)) ||
          !tern_journal_mark_done (self->store, a->id, error))
        goto rollback;
      done++;
    }
  if (contiguous && max_new != 0 && target->uidvalidity != 0 && target->uidvalidity == before.uidvalidity &&
      target->uidnext == before.uidnext &&
      !tern_store_set_folder_state (self->store, target->id, target->uidvalidity, max_new + 1,
                                    target->highestmodseq, target->server_exists + present->len, error))
    goto rollback;
  if (!tern_store_commit (self->store, error))
    goto rollback;
  self->stats.actions_replayed += done;
  ok = TRUE;
  goto out;

rollback:
  tern_store_rollback (self->store);
out:
  for (guint i = 0; i < batch->len; i++)
    g_free (source_flags[i]);
  return ok;
}

static gboolean
expunge_batch (TernSync    *self,
               GPtrArray   *batch,
               gboolean    *left,
               GError     **error)
{
  TernAction *first = batch->pdata[0];
  g_autoptr(TernFolder) folder = NULL;
  g_autofree guint32 *uids = g_new0 (guint32, batch->len);
  g_autoptr(GArray) present = g_array_new (FALSE, FALSE, sizeof (guint32));
  g_autoptr(GHashTable) index = NULL;
  g_autofree char *set = NULL;
  gint64 folder_id = 0;
  guint done = 0;

  if (!tern_journal_locate (self->store, first->message, &folder_id, NULL, error) ||
      (folder = _tern_replay_server_folder (self, folder_id, error)) == NULL ||
      !_tern_replay_select_for_uids (self, &folder, error))
    return FALSE;
  if (!locate_and_claim (self, batch, folder->id, NULL, uids, left, error))
    return FALSE;
  set = uid_set (uids, batch->len, NULL);
  if (set == NULL)
    return TRUE;
  if (!_tern_sync_collect_flags (self, set, error))
    return FALSE;
  index = index_collected (self);
  for (guint i = 0; i < batch->len; i++)
    if (uids[i] != 0 && lookup_collected (self, index, uids[i]) != NULL)
      g_array_append_val (present, uids[i]);
  if (present->len > 0)
    {
      g_autofree char *present_set = NULL;

      g_array_sort (present, _tern_sync_compare_uid);
      present_set = tern_imap_uid_set_new (present);
      if (!_tern_replay_expunge_set (self, present_set, error))
        return FALSE;
    }
  /* Deleting what is gone already is not an error. */
  if (!tern_store_begin (self->store, error))
    return FALSE;
  for (guint i = 0; i < batch->len; i++)
    {
      TernAction *a = batch->pdata[i];

      if (uids[i] == 0)
        continue;
      if (!tern_journal_forget_message (self->store, a->message, error) ||
          !tern_journal_mark_done (self->store, a->id, error))
        {
          tern_store_rollback (self->store);
          return FALSE;
        }
      done++;
    }
  if (!tern_store_commit (self->store, error))
    {
      tern_store_rollback (self->store);
      return FALSE;
    }
  self->stats.actions_replayed += done;
  return TRUE;
}

gboolean
_tern_replay_batch (TernSync    *self,
                    GPtrArray   *batch,
                    gboolean    *left,
                    GError     **error)
{
  switch (batch_kind (batch->pdata[0]))
    {
    case BATCH_FLAGS:
      return flags_batch (self, batch, left, error);
    case BATCH_MOVE:
      return transfer_batch (self, batch, TRUE, left, error);
    case BATCH_COPY:
      return transfer_batch (self, batch, FALSE, left, error);
    case BATCH_EXPUNGE:
      return expunge_batch (self, batch, left, error);
    case BATCH_NONE:
    default:
      for (guint i = 0; i < batch->len; i++)
        left[i] = TRUE;
      return TRUE;
    }
}

