/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "convergence-scenario"

#include "config.h"

#include <string.h>

#include <glib/gstdio.h>

#include "convergence-scenario.h"
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

#define GONE (-1)

/* Flags both sides play with. \Deleted is left out: the other client never leaves it set, so
 * EXPUNGE without UIDPLUS never takes more than it should. */
static const char * const flag_pool[] = { "\\Seen", "\\Flagged", "\\Answered", "$Work", "$Later" };

typedef struct
{
  guint    oid;
  char    *mid;
  int      folder;      /* index, or GONE */
  guint32  uid;         /* in a message folder (the other client addresses it by UID) */
  char    *flags;       /* canonical */
} Inst;

typedef struct
{
  gint64   lid;         /* the cache's message id */
  guint    oid;         /* the server instance the row stands for; 0 while there is none */
  int      shown;       /* the folder the user sees it in; GONE once deleted */
  int      server;      /* the folder the cache has it in on the server (copies: the target) */
  char    *flags;       /* the flags the user sees */
  char    *mid;
} Local;

typedef enum
{
  ACT_FLAGS,
  ACT_MOVE,
  ACT_COPY,
  ACT_EXPUNGE,
  ACT_EXPUNGE_UIDS,
  ACT_APPEND,
} ActKind;

typedef struct
{
  ActKind  kind;
  gint64   lid;
  gint64   new_lid;     /* copy: the copy's row */
  int      target;      /* move, copy, append; expunge-uids: the folder */
  char    *add;
  char    *remove;
  char    *flags;       /* append: the flags it was saved with */
  GArray  *lids;        /* expunge-uids: the rows (gint64) */
} Act;

struct _Scenario
{
  TernTestClient *client;
  GRand          *rand;
  char           *tag;
  ScenarioSize    size;
  guint           n_folders;   /* message folders; Trash has index n_folders */
  char          **folders;
  gint64         *folder_ids;
  guint32        *uidnext;
  char           *selected;    /* the other client's selected mailbox */
  gboolean        selected_rw;
  gint64          account_id;
  GPtrArray      *insts;       /* of Inst, index oid - 1 */
  GHashTable     *locals;      /* lid -> Local */
  GPtrArray      *acts;        /* of Act, in the user's order */
  GPtrArray      *failures;    /* "kind lid class", predicted */
  GString        *log;
  guint           appended;
  gboolean        replayed;
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
static char *
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

static char *
random_flags (GRand  *rand,
              double  p)
{
  g_autoptr(GString) out = g_string_new (NULL);

  for (guint i = 0; i < G_N_ELEMENTS (flag_pool); i++)
    if (g_rand_double (rand) < p)
      g_string_append_printf (out, "%s%s", out->len ? " " : "", flag_pool[i]);
  return tern_flags_canonicalize (out->str);
}

static const char *
random_flag (GRand *rand)
{
  return flag_pool[g_rand_int_range (rand, 0, G_N_ELEMENTS (flag_pool))];
}

/* The model. */

static Inst *
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

static Inst *
inst_get (Scenario *self,
          guint     oid)
{
  if (oid == 0 || oid > self->insts->len)
    return NULL;
  return self->insts->pdata[oid - 1];
}

static Local *
local_get (Scenario *self,
           gint64    lid)
{
  return g_hash_table_lookup (self->locals, &lid);
}

static Local *
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

static const char *
folder_name (Scenario *self,
             int       folder)
{
  return folder >= 0 ? self->folders[folder] : "(gone)";
}

/* The other client. */

static gboolean
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

static gboolean
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

static char *
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

static gboolean
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
static guint32
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

typedef struct
{
  guint32  uid;
  char    *mid;
  char    *flags;
} Snap;

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

static GPtrArray *
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
static gboolean
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
static GArray *
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
  g_string_append_printf (self->log, "other: %s %s %s uid %u to %s uid %u\n",
                          move ? "move   " : "copy   ", inst->mid, self->folders[inst->folder],
                          inst->uid, self->folders[target], copy->uid);
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

/* Checks. */

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
