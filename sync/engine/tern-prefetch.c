/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "tern-sync"

#include "config.h"

#include <string.h>

#include "tern-bodies.h"
#include "tern-imap-utils.h"
#include "tern-sync-private.h"

/*
 * Offline availability in few round trips. Opening a message one at a time costs a FETCH
 * for its text and one for each attachment's headers; a folder of 1,700 messages made
 * available offline was 2,379 round trips. Here the messages of a folder are planned
 * first (which sections each needs: the text part, the .MIME headers of the other leaves,
 * and with "everything offline" the small attachments), grouped by that list of sections,
 * and each group is asked for in commands of many messages,
 *
 *   UID FETCH 4,7:90,102 (BODY.PEEK[1] BODY.PEEK[2.MIME])
 *
 * bounded by bytes, so a response never holds more than about BATCH_BYTES; the commands
 * of the groups go pipelined, up to PIPELINE_DEPTH before their answers are read. Each
 * message's response is stored as it is parsed (the fetch function), exactly as opening
 * it would have stored it. What cannot go in a batch goes one at a time as before: a
 * message not on the server yet (its blob), one with a move queued, inline images of
 * an HTML text, attachments above a chunk (resumable downloads).
 */

#define BATCH_BYTES      (4 * 1024 * 1024)
#define BATCH_MESSAGES   1000
#define SMALL_PART       (1024 * 1024) /* larger ones: resumable downloads in chunks */
#define MIME_HEADER_SIZE 300 /* an estimate of a part's own headers */
/* The parts of one message whose headers are read at most (a message of 10,000 parts, #17:
 * the rest keep BODYSTRUCTURE's names), which also bounds the command line (about 20 KB of
 * "BODY.PEEK[n.MIME]"; Dovecot takes 64 KB). */
#define MIME_HEADERS_MAX 1000
/* FETCHes sent before their answers are read. Their lines are short (a UID set and a few
 * sections), so a window never fills the server's input buffer. */
#define PIPELINE_DEPTH   32

typedef struct
{
  TernMessage    *m;
  const TernPart *text;     /* borrowed from m; NULL unless TERN_BODIES_PART */
  TernBodiesPlan  plan;
  GPtrArray      *sections; /* of char *: what one command asks for it */
  GPtrArray      *large;    /* of const TernPart * (borrowed): attachments fetched alone */
  char           *key;      /* the sections joined: messages with one key share commands */
  guint64         bytes;
  char           *html;     /* the HTML text kept, for its inline images */
  gboolean        seen;     /* its FETCH response came */
} Planned;

static void
planned_free (Planned *p)
{
  g_clear_pointer (&p->m, tern_message_free);
  g_clear_pointer (&p->sections, g_ptr_array_unref);
  g_clear_pointer (&p->large, g_ptr_array_unref);
  g_free (p->key);
  g_free (p->html);
  g_free (p);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Planned, planned_free)

static const TernPart *
find_part (TernMessage *m,
           const char  *section)
{
  for (guint i = 0; m->parts != NULL && i < m->parts->len; i++)
    {
      const TernPart *p = m->parts->pdata[i];

      if (g_strcmp0 (p->section, section) == 0)
        return p;
    }
  return NULL;
}

/* The bytes of the text a plan fetches: what the policy's size limit weighs. */
static guint64
planned_text_size (const Planned *p)
{
  switch (p->plan)
    {
    case TERN_BODIES_WHOLE:
      return p->m->size;
    case TERN_BODIES_PART:
      return p->text->size;
    case TERN_BODIES_NO_TEXT:
    default:
      return 0;
    }
}

static Planned *
plan_message (TernSync    *self,
              TernMessage *m,
              gboolean     full)
{
  Planned *p = g_new0 (Planned, 1);
  const TernPart *text = NULL;
  const TernPart *shown;

  p->m = m;
  p->sections = g_ptr_array_new_with_free_func (g_free);
  p->large = g_ptr_array_new ();
  p->plan = _tern_bodies_plan_text (m, &text);

  switch (p->plan)
    {
    case TERN_BODIES_WHOLE:
      g_ptr_array_add (p->sections, g_strdup (""));
      p->bytes += m->size;
      break;
    case TERN_BODIES_PART:
      p->text = text;
      g_ptr_array_add (p->sections, g_strdup (text->section));
      p->bytes += text->size;
      break;
    case TERN_BODIES_NO_TEXT:
    default:
      break;
    }

  /* The other leaves' headers, for their names (as opening the message reads them). */
  shown = p->plan == TERN_BODIES_PART ? text : NULL;
  if (p->plan != TERN_BODIES_WHOLE)
    for (guint i = 0, n = 0; m->parts != NULL && i < m->parts->len && n < MIME_HEADERS_MAX; i++)
      {
        const TernPart *part = m->parts->pdata[i];

        if (_tern_bodies_wants_mime (part, shown))
          {
            n++;
            g_ptr_array_add (p->sections, g_strdup_printf ("%s.MIME", part->section));
            p->bytes += MIME_HEADER_SIZE;
          }
      }

  /* Everything offline: the attachments too, small ones in the batch. */
  if (full)
    for (guint i = 0; m->parts != NULL && i < m->parts->len; i++)
      {
        const TernPart *part = m->parts->pdata[i];

        if (g_strcmp0 (part->type, "multipart") == 0 || *part->section == '\0' ||
            (g_strcmp0 (part->type, "text") == 0 && part->disposition == NULL) ||
            _tern_bodies_has_part_file (self, m->id, part->section))
          continue;
        if (part->size > 0 && part->size <= SMALL_PART)
          {
            g_ptr_array_add (p->sections, g_strdup (part->section));
            p->bytes += part->size;
          }
        else
          g_ptr_array_add (p->large, (gpointer) part);
      }

  g_ptr_array_add (p->sections, NULL);
  p->key = g_strjoinv (" ", (char **) p->sections->pdata);
  g_ptr_array_remove_index (p->sections, p->sections->len - 1);

  return p;
}

/* One command's messages, by UID. */
typedef struct
{
  TernSync   *self;
  GHashTable *by_uid;  /* guint32 -> Planned * (borrowed) */
  Planned    *current;
  GError     *error;
} Batch;

static void
section_cb (const char   *section,
            const guint8 *data,
            gsize         length,
            gpointer      user_data)
{
  Batch *batch = user_data;
  Planned *p = batch->current;
  const TernPart *part;

  if (batch->error != NULL)
    return;

  if (*section == '\0')
    {
      _tern_bodies_store_whole (batch->self, p->m, data, length, &batch->error);
      return;
    }
  if (p->text != NULL && strcmp (section, p->text->section) == 0)
    {
      g_autofree char *text = NULL;

      if (_tern_bodies_store_text (batch->self, p->m, p->text, data, length, &text, &batch->error) &&
          g_strcmp0 (p->text->subtype, "html") == 0)
        p->html = g_steal_pointer (&text);
      return;
    }
  if (g_str_has_suffix (section, ".MIME"))
    {
      g_autofree char *leaf = g_strndup (section, strlen (section) - strlen (".MIME"));

      part = find_part (p->m, leaf);
      if (part != NULL)
        _tern_bodies_refine_name (batch->self, p->m, part, data, length, &batch->error);
      return;
    }
  part = find_part (p->m, section);
  if (part != NULL)
    _tern_bodies_save_part (batch->self, p->m->id, part, data, length, &batch->error);
}

static void
batch_fetch_cb (const TernImapFetchItem *item,
                gpointer                 user_data)
{
  Batch *batch = user_data;
  guint32 uid = tern_imap_fetch_item_get_uid (item);
  Planned *p = g_hash_table_lookup (batch->by_uid, GUINT_TO_POINTER (uid));

  /* Untagged news about other messages (a flag change): as after any command. */
  if (p == NULL)
    {
      _tern_sync_fetch_cb (item, batch->self);
      return;
    }
  if (p->seen || batch->error != NULL)
    return;

  p->seen = TRUE;
  batch->current = p;
  tern_imap_fetch_item_foreach_body_section (item, section_cb, batch);
  batch->current = NULL;

  /* Without a text section in the answer (NO_TEXT), the body is the empty text. */
  if (batch->error == NULL && p->plan == TERN_BODIES_NO_TEXT)
    tern_store_set_body (batch->self->store, p->m->id, NULL, "text/plain", "", &batch->error);
}

static int
compare_planned_uid (gconstpointer a,
                     gconstpointer b)
{
  const Planned *pa = *(Planned * const *) a;
  const Planned *pb = *(Planned * const *) b;

  return pa->m->uid < pb->m->uid ? -1 : pa->m->uid > pb->m->uid;
}

/* The UID FETCH of one batch (one key, UIDs ascending); NULL when there is nothing to
 * ask (no text, no other leaf: the body is the empty text). */
static char *
batch_command (GPtrArray  *batch_messages,
               GHashTable *by_uid)
{
  g_autoptr(GArray) uids = g_array_new (FALSE, FALSE, sizeof (guint32));
  g_autoptr(GPtrArray) sections = g_ptr_array_new ();
  g_autofree char *set = NULL;
  Planned *first;

  g_ptr_array_sort (batch_messages, compare_planned_uid);
  first = batch_messages->pdata[0];
  if (first->sections->len == 0)
    return NULL;

  for (guint i = 0; i < batch_messages->len; i++)
    {
      Planned *p = batch_messages->pdata[i];

      g_array_append_val (uids, p->m->uid);
      g_hash_table_insert (by_uid, GUINT_TO_POINTER (p->m->uid), p);
    }
  set = tern_imap_uid_set_new (uids);

  /* Borrowed strings: this array frees none of them. */
  for (guint i = 0; i < first->sections->len; i++)
    g_ptr_array_add (sections, first->sections->pdata[i]);
  g_ptr_array_add (sections, NULL);

  return tern_imap_uid_fetch_sections_command (set, (const char * const *) sections->pdata);
}

/* What each message of a batch needs alone, once its FETCH is done. */
static gboolean
finish_batch (TernSync      *self,
              GPtrArray     *batch_messages,
              gboolean       asked,
              GCancellable  *cancellable,
              guint         *fetched,
              GError       **error)
{
  for (guint i = 0; i < batch_messages->len; i++)
    {
      Planned *p = batch_messages->pdata[i];

      if (!asked)
        {
          p->seen = TRUE;
          if (!tern_store_set_body (self->store, p->m->id, NULL, "text/plain", "", error))
            return FALSE;
        }
      /* No answer: expunged meanwhile, not a reason to stop. */
      if (!p->seen)
        continue;
      (*fetched)++;
      if (p->html != NULL && !_tern_bodies_fetch_inline_images (self, p->m, p->html, error))
        return FALSE;
      for (guint j = 0; j < p->large->len; j++)
        {
          const TernPart *part = p->large->pdata[j];

          if (!tern_sync_fetch_part (self, p->m->id, part->section, NULL, NULL, NULL, cancellable, error))
            return FALSE;
        }
    }
  return TRUE;
}

/*
 * Several batches' FETCHes pipelined (one round trip for the lot: they do not depend on
 * each other), each message stored as its response is parsed; then what each needs alone.
 */
static gboolean
fetch_window (TernSync      *self,
              GPtrArray     *batches,
              guint          first,
              guint          end,
              GCancellable  *cancellable,
              guint         *fetched,
              GError       **error)
{
  g_autoptr(GHashTable) by_uid = g_hash_table_new (NULL, NULL);
  g_autoptr(GPtrArray) commands = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GArray) asked = g_array_new (FALSE, FALSE, sizeof (gboolean));
  Batch batch = { self, by_uid, NULL, NULL };

  for (guint b = first; b < end; b++)
    {
      char *command = batch_command (batches->pdata[b], by_uid);
      gboolean has = command != NULL;

      g_array_append_val (asked, has);
      if (command != NULL)
        g_ptr_array_add (commands, command);
    }

  if (commands->len > 0)
    {
      gboolean ok;

      g_ptr_array_add (commands, NULL);
      self->fetch_mode = FETCH_NONE;
      tern_imap_connection_set_fetch_func (self->conn, batch_fetch_cb, &batch);
      ok = tern_imap_connection_pipeline (self->conn, (const char * const *) commands->pdata, error);
      tern_imap_connection_set_fetch_func (self->conn, _tern_sync_fetch_cb, self);
      if (ok && batch.error != NULL)
        {
          g_propagate_error (error, g_steal_pointer (&batch.error));
          ok = FALSE;
        }
      g_clear_error (&batch.error);
      if (!ok)
        return FALSE;
    }

  for (guint b = first; b < end; b++)
    if (!finish_batch (self, batches->pdata[b], g_array_index (asked, gboolean, b - first),
                       cancellable, fetched, error))
      return FALSE;
  return TRUE;
}

/* A message the batch cannot take: opened as the reader opens it. */
static gboolean
fetch_alone (TernSync      *self,
             TernFolder    *folder,
             gint64         id,
             GCancellable  *cancellable,
             guint         *fetched,
             GError       **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autoptr(TernMessage) m = NULL;

  if (!tern_sync_fetch_text (self, id, &local_error))
    {
      /* A message expunged meanwhile is not a reason to stop. */
      if (g_error_matches (local_error, TERN_SYNC_ERROR, TERN_SYNC_ERROR_PERMANENT))
        return TRUE;
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  (*fetched)++;

  if (!folder->offline_full)
    return TRUE;
  m = tern_store_get_message (self->store, id, NULL);
  for (guint j = 0; m != NULL && m->parts != NULL && j < m->parts->len; j++)
    {
      TernPart *p = m->parts->pdata[j];

      if (g_strcmp0 (p->type, "multipart") == 0 || *p->section == '\0' ||
          (g_strcmp0 (p->type, "text") == 0 && p->disposition == NULL))
        continue;
      if (!tern_sync_fetch_part (self, id, p->section, NULL, NULL, NULL, cancellable, error))
        return FALSE;
    }
  return TRUE;
}

static gboolean
prefetch_folder (TernSync      *self,
                 TernFolder    *folder,
                 GCancellable  *cancellable,
                 guint         *fetched,
                 GError       **error)
{
  g_autoptr(GArray) ids = tern_store_list_prefetch (self->store, folder->id, error);
  g_autoptr(GPtrArray) planned = g_ptr_array_new_with_free_func ((GDestroyNotify) planned_free);
  g_autoptr(GHashTable) groups = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
                                                        (GDestroyNotify) g_ptr_array_unref);
  g_autoptr(GPtrArray) keys = g_ptr_array_new ();
  g_autoptr(GPtrArray) batches = g_ptr_array_new_with_free_func ((GDestroyNotify) g_ptr_array_unref);
  const guint limit = BATCH_MESSAGES;
  gint64 max_size;

  if (ids == NULL)
    return FALSE;
  /* The limit is on the text (#14): a few KB of text carrying a 12 MB attachment is read
   * offline like any other; the attachment waits for a click. */
  max_size = tern_store_get_offline_max_size (self->store, folder->id, error);
  if (max_size < 0)
    return FALSE;

  for (guint i = 0; i < ids->len; i++)
    {
      gint64 id = g_array_index (ids, gint64, i);
      g_autoptr(TernMessage) m = NULL;
      g_autoptr(TernFolder) where = NULL;
      g_autoptr(GError) local_error = NULL;
      Planned *p;
      GPtrArray *group;

      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        return FALSE;
      if (!_tern_bodies_locate (self, id, &m, &where, &local_error))
        continue; /* gone from the cache meanwhile */

      /* Not on the server yet, or on its way to another folder: alone. */
      if (m->uid == 0 || where->id != folder->id)
        {
          if (!fetch_alone (self, folder, id, cancellable, fetched, error))
            return FALSE;
          continue;
        }

      p = plan_message (self, g_steal_pointer (&m), folder->offline_full);
      if (!folder->offline_full && planned_text_size (p) > (guint64) max_size)
        {
          planned_free (p);
          continue;
        }
      g_ptr_array_add (planned, p);
      group = g_hash_table_lookup (groups, p->key);
      if (group == NULL)
        {
          group = g_ptr_array_new ();
          g_hash_table_insert (groups, p->key, group);
          g_ptr_array_add (keys, p->key);
        }
      g_ptr_array_add (group, p);
    }

  if (planned->len == 0)
    return TRUE;
  if (!tern_sync_connect (self, error) || !_tern_sync_select (self, folder->name, error))
    return FALSE;

  /* The batches: a group at a time (newest first within the folder, the order of ids),
   * cut by messages and bytes. */
  for (guint k = 0; k < keys->len; k++)
    {
      GPtrArray *group = g_hash_table_lookup (groups, keys->pdata[k]);
      guint start = 0;

      while (start < group->len)
        {
          GPtrArray *batch = g_ptr_array_new ();
          guint64 bytes = 0;

          while (start < group->len && batch->len < limit &&
                 (batch->len == 0 || bytes + ((Planned *) group->pdata[start])->bytes <= BATCH_BYTES))
            {
              Planned *p = group->pdata[start++];

              bytes += p->bytes;
              g_ptr_array_add (batch, p);
            }
          g_ptr_array_add (batches, batch);
        }
    }

  g_debug ("prefetch %s: %u messages in %u groups, %u batches", folder->name, planned->len,
           keys->len, batches->len);

  /* Pipelined a window at a time. */
  for (guint b = 0; b < batches->len;)
    {
      guint end = MIN (b + PIPELINE_DEPTH, batches->len);

      if (g_cancellable_set_error_if_cancelled (cancellable, error) ||
          !fetch_window (self, batches, b, end, cancellable, fetched, error))
        return FALSE;
      b = end;
    }
  return TRUE;
}

gboolean
tern_sync_prefetch (TernSync      *self,
                    GCancellable  *cancellable,
                    guint         *fetched_out,
                    GError       **error)
{
  g_autoptr(GPtrArray) folders = NULL;
  g_autoptr(TernAccount) account = NULL;
  guint fetched = 0;

  folders = tern_store_list_folders_uncounted (self->store, self->account->id, error);
  if (folders == NULL)
    return FALSE;
  for (guint i = 0; i < folders->len; i++)
    {
      TernFolder *folder = folders->pdata[i];

      if (!folder->selectable || folder->local_state != TERN_FOLDER_ON_SERVER)
        continue;
      if (!prefetch_folder (self, folder, cancellable, &fetched, error))
        return FALSE;
    }

  /* Then keep the cache within its limit, least recently used first. */
  account = tern_store_get_account_by_id (self->store, self->account->id, error);
  if (account == NULL)
    return FALSE;
  if (account->cache_limit > 0 && !tern_store_evict (self->store, account->id, account->cache_limit, NULL, error))
    return FALSE;
  if (fetched_out != NULL)
    *fetched_out = fetched;
  return TRUE;
}

gboolean
_tern_prefetch_open (TernSync     *self,
                     TernMessage  *m,
                     GError      **error)
{
  g_autoptr(GPtrArray) batches = g_ptr_array_new_with_free_func ((GDestroyNotify) g_ptr_array_unref);
  g_autoptr(Planned) p = plan_message (self, m, FALSE);
  GPtrArray *batch = g_ptr_array_new ();
  guint fetched = 0;

  g_ptr_array_add (batch, p);
  g_ptr_array_add (batches, batch);
  if (!fetch_window (self, batches, 0, 1, NULL, &fetched, error))
    return FALSE;
  if (!p->seen)
    {
      g_set_error (error, TERN_SYNC_ERROR, TERN_SYNC_ERROR_PERMANENT,
                   "The message is no longer on the server");
      return FALSE;
    }
  return TRUE;
}
