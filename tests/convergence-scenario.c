/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "convergence-scenario"

#include "config.h"

#include <string.h>

#include <glib/gstdio.h>

#include "convergence-scenario-private.h"
#include "tern-mime.h"
#include "tern-sync.h"

/*
 * The oracle's merge rules, applied to the model's server state (after the other client's
 * actions) in the user's order, one journal action at a time:
 *
 *  - Identity. A message instance is one message in one folder. The other client's UID MOVE
 *    is, for Tern, an expunge plus a new message elsewhere (RFC 6851: new UID), so what Tern
 *    knew as "this message" is gone.
 *  - flags: the user's delta (+add -remove) is applied to the instance's current server
 *    flags: the user wins for the flags they touched, the server (other client) for the
 *    rest. If the instance is gone the action fails, class "permanent", and nothing changes.
 *  - move (also delete to Trash): the instance, with its current server flags, leaves its
 *    folder and appears once in the target. Gone: fails "permanent", nothing changes. A move
 *    to the folder the cache has it in already (A -> B -> A where A -> B failed) is a no-op.
 *  - copy: one more instance in the target, with the original's current server flags. Gone:
 *    fails "permanent"; the local copy is dropped, and later actions on the copy fail too
 *    ("permanent") except deletions, which are then done already.
 *  - expunge (delete in Trash, delete permanently): the instance goes if it is still there;
 *    deleting what is gone is no error and changes nothing.
 *  - empty: every message the folder showed goes, as by expunge, wherever the user's own
 *    earlier moves took it on the server (moved away and back: still in that folder).
 *  - append: exactly one new instance, with the flags it was saved with; flag changes made
 *    afterwards are later actions, and do not reach copies made before them.
 *  - Actions on a copy or an appended message apply to the instance the replay made.
 *  - Flag changes follow each other as in the journal: one right after another of the same
 *    message merges into it (so the journal's count of failed actions is predicted exactly).
 *
 * The cache after the final sync must show, per folder, exactly the server's messages (same
 * UIDs, flags and Message-IDs), no row without a UID (nothing failed that keeps one here),
 * and the journal must hold exactly the predicted failures, nothing queued.
 */

const ScenarioLevel scenario_levels[SCENARIO_N_LEVELS] = {
  { "qresync", TERN_TEST_SERVER_FULL },
  { "condstore", TERN_TEST_SERVER_NO_QRESYNC },
  { "plain", TERN_TEST_SERVER_NO_CONDSTORE },
  { "no-move", TERN_TEST_SERVER_NO_MOVE },
  { "no-uidplus", TERN_TEST_SERVER_NO_UIDPLUS },
  { "minimal", TERN_TEST_SERVER_NO_CONDSTORE | TERN_TEST_SERVER_NO_MOVE |
               TERN_TEST_SERVER_NO_UIDPLUS },
};


static void
inst_free (Inst *inst)
{
  g_free (inst->mid);
  g_free (inst->flags);
  g_free (inst);
}

static void
local_free (Local *local)
{
  g_free (local->flags);
  g_free (local->mid);
  g_free (local);
}

static void
act_free (Act *act)
{
  g_free (act->add);
  g_free (act->remove);
  g_free (act->flags);
  if (act->lids != NULL)
    g_array_unref (act->lids);
  g_free (act);
}

void
scenario_free (Scenario *self)
{
  if (self == NULL)
    return;
  g_rand_free (self->rand);
  g_free (self->tag);
  g_strfreev (self->folders);
  g_free (self->folder_ids);
  g_free (self->uidnext);
  g_free (self->selected);
  g_ptr_array_unref (self->insts);
  g_hash_table_unref (self->locals);
  g_ptr_array_unref (self->acts);
  g_ptr_array_unref (self->failures);
  g_string_free (self->log, TRUE);
  g_free (self);
}

const char *
scenario_get_log (Scenario *self)
{
  return self->log->str;
}

/* Flag sets. */

static gboolean
has_flag (GPtrArray  *list,
          const char *flag)
{
  for (guint i = 0; i < list->len; i++)
    if (g_ascii_strcasecmp (list->pdata[i], flag) == 0)
      return TRUE;
  return FALSE;
}

/* (flags + add) - remove, canonical. */
char *
flags_apply (const char *flags,
             const char *add,
             const char *remove)
{
  g_auto(GStrv) have = g_strsplit (flags ? flags : "", " ", -1);
  g_auto(GStrv) adds = g_strsplit (add ? add : "", " ", -1);
  g_auto(GStrv) removes = g_strsplit (remove ? remove : "", " ", -1);
  g_autoptr(GPtrArray) list = g_ptr_array_new ();
  g_autoptr(GPtrArray) gone = g_ptr_array_new ();
  g_autoptr(GString) out = g_string_new (NULL);

  for (guint i = 0; removes[i] != NULL; i++)
    if (*removes[i] != '\0')
      g_ptr_array_add (gone, removes[i]);
  for (guint i = 0; have[i] != NULL; i++)
    if (*have[i] != '\0' && !has_flag (list, have[i]))
      g_ptr_array_add (list, have[i]);
  for (guint i = 0; adds[i] != NULL; i++)
    if (*adds[i] != '\0' && !has_flag (list, adds[i]))
      g_ptr_array_add (list, adds[i]);
  for (guint i = 0; i < list->len; i++)
    if (!has_flag (gone, list->pdata[i]))
      g_string_append_printf (out, "%s%s", out->len ? " " : "", (char *) list->pdata[i]);
  return tern_flags_canonicalize (out->str);
}

char *
random_flags (GRand  *rand,
              double  p)
{
  g_autoptr(GString) out = g_string_new (NULL);

  for (guint i = 0; i < G_N_ELEMENTS (flag_pool); i++)
    if (g_rand_double (rand) < p)
      g_string_append_printf (out, "%s%s", out->len ? " " : "", flag_pool[i]);
  return tern_flags_canonicalize (out->str);
}

const char *
random_flag (GRand *rand)
{
  return flag_pool[g_rand_int_range (rand, 0, G_N_ELEMENTS (flag_pool))];
}

/* The model. */

Inst *
inst_new (Scenario   *self,
          const char *mid,
          int         folder,
          const char *flags)
{
  Inst *inst = g_new0 (Inst, 1);

  inst->oid = self->insts->len + 1;
  inst->mid = g_strdup (mid);
  inst->folder = folder;
  inst->flags = tern_flags_canonicalize (flags);
  if (folder >= 0)
    inst->uid = self->uidnext[folder]++;
  g_ptr_array_add (self->insts, inst);
  return inst;
}

Inst *
inst_get (Scenario *self,
          guint     oid)
{
  if (oid == 0 || oid > self->insts->len)
    return NULL;
  return self->insts->pdata[oid - 1];
}

Local *
local_get (Scenario *self,
           gint64    lid)
{
  return g_hash_table_lookup (self->locals, &lid);
}

Local *
local_add (Scenario   *self,
           gint64      lid,
           guint       oid,
           int         folder,
           const char *flags,
           const char *mid)
{
  Local *local = g_new0 (Local, 1);

  local->lid = lid;
  local->oid = oid;
  local->shown = folder;
  local->server = folder;
  local->flags = tern_flags_canonicalize (flags);
  local->mid = g_strdup (mid);
  g_hash_table_insert (self->locals, &local->lid, local);
  return local;
}

const char *
folder_name (Scenario *self,
             int       folder)
{
  return folder >= 0 ? self->folders[folder] : "(gone)";
}

/* The other client. */

gboolean
client_select (Scenario    *self,
               const char  *folder,
               gboolean     rw,
               guint       *exists,
               GError     **error)
{
  g_autofree char *response = NULL;
  const char *at;

  /* EXAMINE again for every read, so the counts are fresh. */
  if (exists == NULL && self->selected != NULL && strcmp (self->selected, folder) == 0 &&
      (self->selected_rw || !rw))
    return TRUE;
  g_clear_pointer (&self->selected, g_free);
  if (!tern_test_client_command (self->client, &response, error, "%s \"%s\"",
                                 rw ? "SELECT" : "EXAMINE", folder))
    return FALSE;
  self->selected = g_strdup (folder);
  self->selected_rw = rw;
  if (exists != NULL)
    {
      *exists = 0;
      for (at = response; (at = strstr (at, "* ")) != NULL; at += 2)
        {
          char *end = NULL;
          guint64 n = g_ascii_strtoull (at + 2, &end, 10);

          if (end != at + 2 && g_str_has_prefix (end, " EXISTS"))
            *exists = (guint) n;
        }
    }
  return TRUE;
}

gboolean
client_unselect (Scenario  *self,
                 GError   **error)
{
  if (self->selected == NULL)
    return TRUE;
  g_clear_pointer (&self->selected, g_free);
  if (strstr (tern_test_client_get_login_response (self->client), "UNSELECT") != NULL)
    return tern_test_client_command (self->client, NULL, error, "UNSELECT");

  /* Courier has no UNSELECT, and CLOSE would expunge: a failed EXAMINE deselects too
   * (RFC 3501 6.3.1). */
  {
    g_autoptr(GError) expected = NULL;

    if (tern_test_client_command (self->client, NULL, &expected,
                                  "EXAMINE \"tern-no-such-mailbox\""))
      return tern_test_client_command (self->client, NULL, error, "CLOSE");
  }
  return TRUE;
}

char *
message_text (const char *mid,
              const char *subject)
{
  return g_strdup_printf ("From: Sender <sender@example.org>\r\n"
                          "To: alice@example.org\r\n"
                          "Subject: %s\r\n"
                          "Date: Mon, 2 Feb 2026 10:00:00 +0000\r\n"
                          "Message-ID: %s\r\n"
                          "\r\n"
                          "%s\r\n",
                          subject, mid, subject);
}

gboolean
client_append (Scenario    *self,
               int          folder,
               const char  *mid,
               const char  *flags,
               GError     **error)
{
  g_autofree char *text = message_text (mid, mid);
  g_autofree char *list = *flags ? g_strdup_printf ("(%s)", flags) : NULL;
  Inst *inst;
  guint32 uid;

  uid = tern_test_client_append (self->client, self->folders[folder], list,
                                 "02-Feb-2026 10:00:00 +0000", text, strlen (text), error);
  if (error != NULL && *error != NULL)
    return FALSE;
  /* An APPEND to the selected mailbox: Courier announces no EXISTS for it until a NOOP
   * (RFC 3501 6.3.11 says it should), and until then a UID COPY of the new message in this
   * session copies nothing, OK and all. */
  if (self->selected != NULL && strcmp (self->selected, self->folders[folder]) == 0 &&
      !tern_test_client_command (self->client, NULL, error, "NOOP"))
    return FALSE;
  inst = inst_new (self, mid, folder, flags);
  if (uid != 0 && uid != inst->uid)
    {
      g_set_error (error, TERN_TEST_SERVER_ERROR, TERN_TEST_SERVER_ERROR_FAILED,
                   "APPEND to %s gave UID %u, the model expected %u", self->folders[folder], uid,
                   inst->uid);
      return FALSE;
    }
  return TRUE;
}

/* The destination UID of "[COPYUID v src dst]", or 0. */
guint32
copyuid_dest (const char *response)
{
  const char *at = response ? strstr (response, "[COPYUID ") : NULL;
  g_auto(GStrv) parts = NULL;
  g_autofree char *code = NULL;
  const char *end;

  if (at == NULL || (end = strchr (at, ']')) == NULL)
    return 0;
  code = g_strndup (at + 1, (gsize) (end - at - 1));
  parts = g_strsplit (code, " ", -1);
  if (g_strv_length (parts) != 4)
    return 0;
  return (guint32) g_ascii_strtoull (parts[3], NULL, 10);
}

/* The personal namespace's prefix from NAMESPACE ("" when there is none). */
static char *
personal_prefix (TernTestClient  *client,
                 GError         **error)
{
  g_autofree char *response = NULL;
  const char *at;

  if (!tern_test_client_command (client, &response, error, "NAMESPACE"))
    return NULL;
  at = strstr (response, "* NAMESPACE ((\"");
  if (at == NULL)
    return g_strdup ("");
  at += strlen ("* NAMESPACE ((\"");

  return g_strndup (at, strcspn (at, "\""));
}

Scenario *
scenario_new (TernTestClient     *client,
              const char         *tag,
              guint32             seed,
              const ScenarioSize *size,
              GError            **error)
{
  g_autoptr(Scenario) self = g_new0 (Scenario, 1);
  guint exists = 0;

  g_return_val_if_fail (size->n_folders >= 1 && size->n_folders <= 26, NULL);

  self->client = client;
  self->rand = g_rand_new_with_seed (seed);
  self->tag = g_strdup (tag);
  self->size = *size;
  self->n_folders = size->n_folders;
  self->folders = g_new0 (char *, self->n_folders + 2);
  /* In the personal namespace: "INBOX." on Courier and classic Cyrus. */
  {
    g_autofree char *prefix = personal_prefix (client, error);

    if (prefix == NULL)
      return NULL;
    for (guint i = 0; i < self->n_folders; i++)
      self->folders[i] = g_strdup_printf ("%s%s-%c", prefix, tag, 'A' + i);
    self->folders[self->n_folders] = g_strdup_printf ("%sTrash", prefix);
  }
  self->folder_ids = g_new0 (gint64, self->n_folders + 1);
  self->uidnext = g_new0 (guint32, self->n_folders + 1);
  self->insts = g_ptr_array_new_with_free_func ((GDestroyNotify) inst_free);
  self->locals = g_hash_table_new_full (g_int64_hash, g_int64_equal, NULL,
                                        (GDestroyNotify) local_free);
  self->acts = g_ptr_array_new_with_free_func ((GDestroyNotify) act_free);
  self->failures = g_ptr_array_new_with_free_func (g_free);
  self->log = g_string_new (NULL);

  /* Trash starts empty: the oracle predicts all of it. */
  if (!client_select (self, self->folders[self->n_folders], TRUE, &exists, error))
    return NULL;
  if (exists > 0 &&
      (!tern_test_client_command (client, NULL, error, "STORE 1:* +FLAGS.SILENT (\\Deleted)") ||
       !tern_test_client_command (client, NULL, error, "EXPUNGE")))
    return NULL;
  if (!client_unselect (self, error))
    return NULL;

  for (guint i = 0; i < self->n_folders; i++)
    {
      if (!tern_test_client_command (client, NULL, error, "CREATE \"%s\"", self->folders[i]))
        return NULL;
      self->uidnext[i] = 1;
    }
  for (guint i = 0; i < size->n_messages; i++)
    {
      g_autofree char *mid = g_strdup_printf ("<%s-%u@example.org>", tag, i);
      g_autofree char *flags = random_flags (self->rand, 0.3);
      int folder = g_rand_int_range (self->rand, 0, (gint32) self->n_folders);

      if (!client_append (self, folder, mid, flags, error))
        return NULL;
      g_string_append_printf (self->log, "start: %s %s [%s]\n", self->folders[folder], mid, flags);
    }
  return g_steal_pointer (&self);
}

/* The server's and the cache's views. */

static void
snap_free (Snap *snap)
{
  g_free (snap->mid);
  g_free (snap->flags);
  g_free (snap);
}

static char *
header_value (const char *segment,
              gsize       length,
              const char *name)
{
  g_autofree char *lower = g_ascii_strdown (segment, (gssize) length);
  g_autofree char *needle = g_ascii_strdown (name, -1);
  const char *at = strstr (lower, needle);
  const char *end;

  if (at == NULL)
    return NULL;
  at = segment + (at - lower) + strlen (name);
  end = strstr (at, "\r\n");
  if (end == NULL || end > segment + length)
    return NULL;
  return g_strstrip (g_strndup (at, (gsize) (end - at)));
}

/* Every message of a folder on the server: UID, Message-ID and flags. EXAMINEs the folder. */
static GPtrArray *
fetch_snapshot (TernTestClient  *client,
                const char      *folder,
                GError         **error)
{
  g_autoptr(GPtrArray) list = g_ptr_array_new_with_free_func ((GDestroyNotify) snap_free);
  g_autofree char *examine = NULL;
  g_autofree char *response = NULL;
  guint exists = 0;
  const char *at;

  if (!tern_test_client_command (client, &examine, error, "EXAMINE \"%s\"", folder))
    return NULL;
  for (at = examine; (at = strstr (at, "* ")) != NULL; at += 2)
    {
      char *end = NULL;
      guint64 n = g_ascii_strtoull (at + 2, &end, 10);

      if (end != at + 2 && g_str_has_prefix (end, " EXISTS"))
        exists = (guint) n;
    }
  if (exists == 0)
    return g_steal_pointer (&list);
  if (!tern_test_client_command (client, &response, error,
                                 "UID FETCH 1:* (UID FLAGS BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)])"))
    return NULL;

  for (at = strstr (response, " FETCH ("); at != NULL;)
    {
      const char *next = strstr (at + 1, " FETCH (");
      gsize length = next != NULL ? (gsize) (next - at) : strlen (at);
      g_autofree char *segment = g_strndup (at, length);
      const char *uid_at = strstr (segment, "UID ");
      const char *flags_at = strstr (segment, "FLAGS (");
      const char *close = flags_at ? strchr (flags_at, ')') : NULL;
      Snap *snap;

      if (uid_at == NULL || close == NULL)
        {
          g_set_error (error, TERN_TEST_SERVER_ERROR, TERN_TEST_SERVER_ERROR_FAILED,
                       "Cannot read a FETCH response: %s", segment);
          return NULL;
        }
      snap = g_new0 (Snap, 1);
      snap->uid = (guint32) g_ascii_strtoull (uid_at + 4, NULL, 10);
      {
        g_autofree char *raw = g_strndup (flags_at + 7, (gsize) (close - flags_at - 7));

        snap->flags = tern_flags_canonicalize (raw);
      }
      snap->mid = header_value (segment, length, "Message-ID:");
      if (snap->mid == NULL)
        snap->mid = g_strdup ("(none)");
      g_ptr_array_add (list, snap);
      at = next;
    }
  return g_steal_pointer (&list);
}

GPtrArray *
server_snapshot (Scenario    *self,
                 const char  *folder,
                 GError     **error)
{
  GPtrArray *list;

  g_clear_pointer (&self->selected, g_free);
  list = fetch_snapshot (self->client, folder, error);
  if (list != NULL)
    {
      self->selected = g_strdup (folder);
      self->selected_rw = FALSE;
    }
  return list;
}

static int
compare_strings (gconstpointer a,
                 gconstpointer b)
{
  return strcmp (*(char * const *) a, *(char * const *) b);
}

char *
scenario_dup_server_folder (TernTestClient  *client,
                            const char      *folder,
                            GError         **error)
{
  g_autoptr(GPtrArray) list = fetch_snapshot (client, folder, error);
  g_autoptr(GPtrArray) lines = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GString) out = g_string_new (NULL);

  if (list == NULL)
    return NULL;
  for (guint i = 0; i < list->len; i++)
    {
      Snap *snap = list->pdata[i];

      g_ptr_array_add (lines, g_strdup_printf ("%s [%s]", snap->mid, snap->flags));
    }
  g_ptr_array_sort (lines, compare_strings);
  for (guint i = 0; i < lines->len; i++)
    g_string_append_printf (out, "%s%s", i ? "\n" : "", (char *) lines->pdata[i]);
  return g_string_free (g_steal_pointer (&out), FALSE);
}

/* Multiset difference of two sorted string arrays, into report. */
gboolean
compare_multisets (GPtrArray  *expected,
                   GPtrArray  *actual,
                   const char *what,
                   GString    *report)
{
  guint i = 0, j = 0;
  gboolean same = TRUE;

  g_ptr_array_sort (expected, compare_strings);
  g_ptr_array_sort (actual, compare_strings);
  while (i < expected->len || j < actual->len)
    {
      int c = i >= expected->len ? 1 : j >= actual->len ? -1
              : strcmp (expected->pdata[i], actual->pdata[j]);

      if (c == 0)
        {
          i++;
          j++;
          continue;
        }
      same = FALSE;
      if (c < 0)
        g_string_append_printf (report, "  %s: missing   %s\n", what,
                                (char *) expected->pdata[i++]);
      else
        g_string_append_printf (report, "  %s: unexpected %s\n", what, (char *) actual->pdata[j++]);
    }
  return same;
}

gboolean
scenario_attach (Scenario   *self,
                 TernStore  *store,
                 gint64      account_id,
                 GString    *report,
                 GError    **error)
{
  gboolean ok = TRUE;

  self->account_id = account_id;
  for (guint i = 0; i <= self->n_folders; i++)
    {
      g_autoptr(TernFolder) folder = tern_store_get_folder (store, account_id, self->folders[i],
                                                           error);

      if (folder == NULL)
        return FALSE;
      self->folder_ids[i] = folder->id;
    }

  for (guint i = 0; i <= self->n_folders; i++)
    {
      g_autoptr(GPtrArray) messages = NULL;

      messages = tern_store_list_messages (store, self->folder_ids[i], 0, error);
      if (messages == NULL)
        return FALSE;
      for (guint j = 0; j < messages->len; j++)
        {
          TernMessage *m = messages->pdata[j];
          Inst *found = NULL;

          for (guint k = 0; k < self->insts->len && found == NULL; k++)
            {
              Inst *inst = self->insts->pdata[k];

              if (inst->folder == (int) i && g_strcmp0 (inst->mid, m->message_id) == 0)
                found = inst;
            }
          if (found == NULL || local_get (self, m->id) != NULL)
            {
              g_string_append_printf (report, "first sync: %s shows %s (uid %u), not the server\n",
                                      self->folders[i], m->message_id, m->uid);
              ok = FALSE;
              continue;
            }
          if (g_strcmp0 (found->flags, m->flags) != 0)
            {
              g_string_append_printf (report, "first sync: %s %s has [%s] here, [%s] there\n",
                                      self->folders[i], m->message_id, m->flags, found->flags);
              ok = FALSE;
            }
          if (m->uid != found->uid)
            {
              g_string_append_printf (report, "first sync: %s %s has UID %u here, %u there\n",
                                      self->folders[i], m->message_id, m->uid, found->uid);
              ok = FALSE;
            }
          local_add (self, m->id, found->oid, (int) i, m->flags, m->message_id);
        }
    }

  for (guint k = 0; k < self->insts->len; k++)
    {
      Inst *inst = self->insts->pdata[k];
      gboolean bound = FALSE;
      GHashTableIter iter;
      gpointer value;

      g_hash_table_iter_init (&iter, self->locals);
      while (!bound && g_hash_table_iter_next (&iter, NULL, &value))
        bound = ((Local *) value)->oid == inst->oid;
      if (inst->folder >= 0 && !bound)
        {
          g_string_append_printf (report, "first sync: %s %s is missing from the cache\n",
                                  self->folders[inst->folder], inst->mid);
          ok = FALSE;
        }
    }
  return ok;
}