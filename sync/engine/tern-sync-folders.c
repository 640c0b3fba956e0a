/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "tern-sync"

#include "config.h"

#include <string.h>

#include "tern-imap-commands.h"
#include "tern-imap-connection.h"
#include "tern-journal.h"
#include "tern-imap-utils.h"
#include "tern-sync-private.h"

/* The folder list: LIST, LSUB, NAMESPACE, MYRIGHTS; roles by SPECIAL-USE or by name. */

/* Folders. */

static const char *
special_use_from_flag (const char *flag)
{
  static const char * const uses[] = {
    "All", "Archive", "Drafts", "Flagged", "Junk", "Sent", "Trash", "Important",
  };

  for (guint i = 0; i < G_N_ELEMENTS (uses); i++)
    if (g_ascii_strcasecmp (flag, uses[i]) == 0)
      return uses[i];
  return NULL;
}

/* Servers without SPECIAL-USE (RFC 6154) still have their Sent, Drafts and Trash, by name:
 * where no folder of the account carries a role, the personal folder whose last name part is
 * a well-known name for it takes it (the names other clients create, in a few languages),
 * shallowest first, then in the order of the list. */
static void
guess_special_uses (GHashTable *listed)
{
  static const struct { const char *use; const char *names; } roles[] = {
    { "\\Sent", "Sent|Sent Items|Sent Messages|Sent Mail|Gesendet|Gesendete Objekte|Gesendete Elemente|"
                 "Envoy\xc3\xa9s|\xc3\x89l\xc3\xa9ments envoy\xc3\xa9s|Enviados|Elementos enviados|"
                 "Posta inviata|Inviati|Verzonden|Verzonden items" },
    { "\\Drafts", "Drafts|Draft|Entw\xc3\xbcrfe|Brouillons|Borradores|Bozze|Concepten" },
    { "\\Trash", "Trash|Deleted Items|Deleted Messages|Deleted|Bin|Papierkorb|Gel\xc3\xb6schte Elemente|"
                  "Corbeille|\xc3\x89l\xc3\xa9ments supprim\xc3\xa9s|Papelera|Cestino|Prullenbak" },
    { "\\Junk", "Junk|Spam|Junk E-mail|Junk Email|Bulk Mail|Courrier ind\xc3\xa9sirable|Spamverdacht" },
    { "\\Archive", "Archive|Archives|Archiv|Archief|Archivio" },
  };
  GHashTableIter iter;
  gpointer value;

  for (guint r = 0; r < G_N_ELEMENTS (roles); r++)
    {
      g_auto(GStrv) names = g_strsplit (roles[r].names, "|", -1);
      TernFolder *best = NULL;
      guint best_rank = G_MAXUINT;
      guint best_depth = G_MAXUINT;
      gboolean taken = FALSE;

      g_hash_table_iter_init (&iter, listed);
      while (g_hash_table_iter_next (&iter, NULL, &value) && !taken)
        taken = g_strcmp0 (((TernFolder *) value)->special_use, roles[r].use) == 0;
      if (taken)
        continue;

      g_hash_table_iter_init (&iter, listed);
      while (g_hash_table_iter_next (&iter, NULL, &value))
        {
          TernFolder *folder = value;
          const char *display = folder->display_name ? folder->display_name : folder->name;
          const char *leaf = display;
          guint depth = 0;

          if (folder->special_use != NULL || !folder->selectable ||
              g_strcmp0 (folder->namespace_kind, "personal") != 0)
            continue;
          if (folder->delimiter != NULL && *folder->delimiter != '\0')
            for (const char *p = strchr (display, *folder->delimiter); p != NULL;
                 p = strchr (p + 1, *folder->delimiter))
              {
                leaf = p + 1;
                depth++;
              }
          /* "INBOX.Sent" on servers whose folders all live under INBOX counts as top level. */
          if (depth > 0 && g_ascii_strncasecmp (display, "INBOX", 5) == 0 && display[5] == *folder->delimiter)
            depth--;
          for (guint n = 0; names[n] != NULL; n++)
            {
              g_autofree char *a = g_utf8_casefold (leaf, -1);
              g_autofree char *b = g_utf8_casefold (names[n], -1);

              if (strcmp (a, b) == 0 &&
                  (depth < best_depth || (depth == best_depth && n < best_rank) ||
                   (depth == best_depth && n == best_rank && strcmp (folder->name, best->name) < 0)))
                {
                  best = folder;
                  best_depth = depth;
                  best_rank = n;
                }
            }
        }
      if (best != NULL)
        best->special_use = g_strdup (roles[r].use);
    }
}

static const char *
namespace_of (const char *name,
              GPtrArray  *other,
              GPtrArray  *shared)
{
  for (guint i = 0; other && i < other->len; i++)
    if (*(char *) other->pdata[i] && g_str_has_prefix (name, other->pdata[i]))
      return "other";
  for (guint i = 0; shared && i < shared->len; i++)
    if (*(char *) shared->pdata[i] && g_str_has_prefix (name, shared->pdata[i]))
      return "shared";
  return "personal";
}

static TernFolder *
folder_from_list (TernSync          *self,
                  TernImapListEntry *mb,
                  GHashTable        *subscribed,
                  GPtrArray         *other,
                  GPtrArray         *shared)
{
  TernFolder *folder = g_new0 (TernFolder, 1);
  g_autoptr(GString) attributes = g_string_new (NULL);
  gboolean selectable = TRUE;
  gboolean is_inbox = g_ascii_strcasecmp (mb->name, "INBOX") == 0;

  folder->account_id = self->account->id;
  folder->name = g_strdup (is_inbox ? "INBOX" : mb->name);
  folder->display_name = _tern_utf7_decode (folder->name);
  if (mb->delimiter != '\0')
    folder->delimiter = g_strndup (&mb->delimiter, 1);

  for (guint i = 0; mb->attributes != NULL && mb->attributes[i] != NULL; i++)
    {
      const char *attribute = mb->attributes[i];
      const char *use;

      g_string_append_printf (attributes, "%s ", attribute);
      if (g_ascii_strcasecmp (attribute, "\\NonExistent") == 0 ||
          g_ascii_strcasecmp (attribute, "\\Noselect") == 0)
        selectable = FALSE;
      use = special_use_from_flag (attribute + 1);
      if (use != NULL && folder->special_use == NULL)
        folder->special_use = g_strdup_printf ("\\%s", use);
    }
  if (is_inbox)
    {
      g_free (folder->special_use);
      folder->special_use = g_strdup ("\\Inbox");
    }
  if (attributes->len > 0)
    g_string_truncate (attributes, attributes->len - 1);
  folder->attributes = g_strdup (attributes->str);
  folder->selectable = selectable;
  folder->subscribed = is_inbox || g_hash_table_contains (subscribed, folder->name);
  folder->namespace_kind = g_strdup (namespace_of (folder->name, other, shared));
  return folder;
}

/*
 * Rights as RFC 4314 letters. An RFC 2086 server (Courier: "acdilrsw") has no k, x, t or e:
 * its "c" (create) and "d" (delete) were split by RFC 4314 (section 2.1.1) into k and x,
 * and t, e and x. Read literally, "acdilrsw" refuses every move and deletion ("needs t").
 * Which of the split rights an old "c" or "d" grants is ambiguous (x may come with either),
 * so all of them are granted here: the server decides, and its NO is shown with the action,
 * rather than Tern refusing offline what the server would have done.
 */
static char *
rfc4314_rights (const char *rights)
{
  GString *out;

  if (strpbrk (rights, "kxte") != NULL)
    return g_strdup (rights);
  out = g_string_new (rights);
  if (strchr (rights, 'c') != NULL)
    g_string_append (out, "kx");
  if (strchr (rights, 'd') != NULL)
    g_string_append (out, "tex");
  return g_string_free (out, FALSE);
}

gboolean
tern_sync_folders (TernSync  *self,
                   GError   **error)
{
  g_autoptr(GPtrArray) other = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) shared = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GHashTable) subscribed = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GHashTable) listed = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
                                                        (GDestroyNotify) tern_folder_free);
  g_autoptr(GPtrArray) cached = NULL;
  g_autoptr(GPtrArray) added = g_ptr_array_new ();
  g_autoptr(GPtrArray) gone = g_ptr_array_new ();
  g_autoptr(GPtrArray) list = NULL;
  g_autoptr(GPtrArray) lsub = NULL;
  g_autofree char *personal_prefix = NULL;
  GHashTableIter iter;
  gpointer value;

  if (!tern_sync_connect (self, error))
    return FALSE;
  personal_prefix = tern_store_dup_server_trait (self->store, self->account->id, TERN_TRAIT_PERSONAL_NS);

  /* With CONDSTORE, LIST-STATUS (where offered) answers every folder's STATUS with the
   * LIST: an unchanged resync then asks no STATUS of its own. */
  g_clear_pointer (&self->listed_status, g_hash_table_unref);
  if (self->condstore ? !tern_imap_connection_list_both_status (self->conn, "*", TRUE, &lsub, &list,
                                                                &self->listed_status, error)
                      : !tern_imap_connection_list_both (self->conn, "*", &lsub, &list, error))
    return FALSE;
  for (guint i = 0; i < lsub->len; i++)
    {
      TernImapListEntry *mb = lsub->pdata[i];

      g_hash_table_add (subscribed, g_strdup (mb->name));
    }
  g_clear_pointer (&lsub, g_ptr_array_unref);

  for (guint i = 0; i < list->len; i++)
    {
      TernFolder *folder = folder_from_list (self, list->pdata[i], subscribed, other, shared);

      g_hash_table_replace (listed, folder->name, folder);
    }
  g_clear_pointer (&list, g_ptr_array_unref);

  cached = tern_store_list_folders_uncounted (self->store, self->account->id, error);
  if (cached == NULL)
    return FALSE;
  for (guint i = 0; i < cached->len; i++)
    {
      TernFolder *folder = cached->pdata[i];
      TernFolder *now = g_hash_table_lookup (listed, folder->name);

      if (now == NULL)
        {
          /* Not gone: created here and not uploaded yet, or with queued folder actions. */
          if (folder->local_state == TERN_FOLDER_CREATED_HERE || tern_journal_folder_busy (self->store, folder->id))
            continue;
          g_ptr_array_add (gone, folder);
        }
      else if (folder->myrights != NULL && now->myrights == NULL)
        now->myrights = g_strdup (folder->myrights);
    }
  g_hash_table_iter_init (&iter, listed);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      TernFolder *folder = value;
      gboolean known = FALSE;

      for (guint i = 0; i < cached->len && !known; i++)
        known = strcmp (((TernFolder *) cached->pdata[i])->name, folder->name) == 0;
      if (!known)
        g_ptr_array_add (added, folder);
    }

  /* NAMESPACE only matters for folders not seen before: an unchanged account skips it. */
  if ((added->len > 0 || cached->len == 0) &&
      tern_imap_connection_has_capability (self->conn, "NAMESPACE"))
    {
      g_autoptr(GPtrArray) ns_personal = NULL;
      g_autoptr(GPtrArray) ns_other = NULL;
      g_autoptr(GPtrArray) ns_shared = NULL;
      const char *personal;

      if (!tern_imap_connection_namespace (self->conn, &ns_personal, &ns_other, &ns_shared, error))
        return FALSE;
      personal = ns_personal->len > 0 ? ns_personal->pdata[0] : "";
      if (g_strcmp0 (personal_prefix, personal) != 0)
        {
          g_free (personal_prefix);
          personal_prefix = g_strdup (personal);
          if (!tern_store_set_server_trait (self->store, self->account->id, TERN_TRAIT_PERSONAL_NS,
                                            personal_prefix, error))
            return FALSE;
        }
      for (guint i = 0; i < ns_other->len; i++)
        g_ptr_array_add (other, g_strdup (ns_other->pdata[i]));
      for (guint i = 0; i < ns_shared->len; i++)
        g_ptr_array_add (shared, g_strdup (ns_shared->pdata[i]));
      g_hash_table_iter_init (&iter, listed);
      while (g_hash_table_iter_next (&iter, NULL, &value))
        {
          TernFolder *folder = value;

          g_free (folder->namespace_kind);
          folder->namespace_kind = g_strdup (namespace_of (folder->name, other, shared));
        }
    }
  else
    for (guint i = 0; i < cached->len; i++)
      {
        TernFolder *old = cached->pdata[i];
        TernFolder *now = g_hash_table_lookup (listed, old->name);

        if (now != NULL)
          {
            g_free (now->namespace_kind);
            now->namespace_kind = g_strdup (old->namespace_kind);
          }
      }

  /* Names are shown without the personal namespace's prefix: "INBOX.Work" on a server whose
   * folders all live under INBOX. is "Work", as on every other server. */
  if (personal_prefix != NULL && *personal_prefix != '\0')
    {
      gsize skip = strlen (personal_prefix);

      g_hash_table_iter_init (&iter, listed);
      while (g_hash_table_iter_next (&iter, NULL, &value))
        {
          TernFolder *folder = value;

          if (g_strcmp0 (folder->namespace_kind, "personal") == 0 &&
              g_str_has_prefix (folder->name, personal_prefix) && folder->name[skip] != '\0')
            {
              g_free (folder->display_name);
              folder->display_name = _tern_utf7_decode (folder->name + skip);
            }
        }
    }

  guess_special_uses (listed);

  /* A folder gone under one name and new under another with the same UIDVALIDITY was
   * renamed: keep its messages. */
  if (gone->len > 0 && added->len > 0 &&
      tern_journal_count_queued (self->store, self->account->id, TERN_ACTION_FOLDER_RENAME) == 0)
    for (guint i = 0; i < added->len; i++)
      {
        TernFolder *folder = added->pdata[i];
        MailboxState status;
        g_autoptr(GError) status_error = NULL;

        if (!folder->selectable)
          continue;
        if (!_tern_sync_status_folder (self, folder, &status, &status_error))
          {
            /* No STATUS data for it: it is taken as new, the old one as gone. */
            if (g_error_matches (status_error, TERN_SYNC_ERROR, TERN_SYNC_ERROR_PROTOCOL))
              continue;
            g_propagate_error (error, g_steal_pointer (&status_error));
            return FALSE;
          }
        for (guint j = 0; j < gone->len; j++)
          {
            TernFolder *old = gone->pdata[j];

            if (old->uidvalidity != 0 && old->uidvalidity == status.uidvalidity)
              {
                TernSyncChange change = { TERN_SYNC_CHANGE_FOLDER_RENAMED, folder->display_name,
                                          old->display_name, 0, 0, NULL, NULL };

                if (!tern_store_rename_folder (self->store, old->id, folder->name,
                                               folder->display_name, error))
                  return FALSE;
                if (self->change_func)
                  self->change_func (&change, self->change_data);
                g_ptr_array_remove_index (gone, j);
                g_ptr_array_remove_index (added, i);
                i--;
                break;
              }
          }
      }

  if (!tern_store_begin (self->store, error))
    return FALSE;
  for (guint i = 0; i < gone->len; i++)
    {
      TernFolder *folder = gone->pdata[i];

      /* Messages written here and not uploaded are never dropped: the folder stays, local. */
      if (tern_journal_count_local_only (self->store, folder->id) > 0)
        {
          if (!tern_store_set_folder_local_state (self->store, folder->id, TERN_FOLDER_KEPT_LOCALLY, error))
            goto fail;
          g_ptr_array_remove_index (gone, i--);
          continue;
        }
      if (!tern_store_delete_folder (self->store, folder->id, error))
        goto fail;
    }
  /* A folder created here for a role it lacked (Drafts, Sent) gives the role up once the
   * server shows a folder of its own with it. */
  for (guint i = 0; i < cached->len; i++)
    {
      TernFolder *folder = cached->pdata[i];
      gboolean taken = FALSE;

      if (folder->local_state != TERN_FOLDER_CREATED_HERE || folder->special_use == NULL ||
          g_hash_table_contains (listed, folder->name))
        continue;
      g_hash_table_iter_init (&iter, listed);
      while (!taken && g_hash_table_iter_next (&iter, NULL, &value))
        taken = g_strcmp0 (((TernFolder *) value)->special_use, folder->special_use) == 0;
      if (taken)
        {
          g_clear_pointer (&folder->special_use, g_free);
          if (!tern_store_upsert_folder (self->store, folder, NULL, error))
            goto fail;
        }
    }
  g_hash_table_iter_init (&iter, listed);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      gint64 id = 0;

      if (!tern_store_upsert_folder (self->store, value, &id, error))
        goto fail;
      /* On the server (again). */
      for (guint i = 0; i < cached->len; i++)
        if (((TernFolder *) cached->pdata[i])->id == id && ((TernFolder *) cached->pdata[i])->local_state == TERN_FOLDER_KEPT_LOCALLY &&
            !tern_store_set_folder_local_state (self->store, id, TERN_FOLDER_ON_SERVER, error))
          goto fail;
    }
  if (!tern_store_commit (self->store, error))
    goto fail;

  for (guint i = 0; i < gone->len; i++)
    _tern_sync_emit_change (self, TERN_SYNC_CHANGE_FOLDER_REMOVED, 0,
                            ((TernFolder *) gone->pdata[i])->display_name, 0, 0, NULL, NULL);
  for (guint i = 0; i < added->len; i++)
    _tern_sync_emit_change (self, TERN_SYNC_CHANGE_FOLDER_ADDED, 0,
                            ((TernFolder *) added->pdata[i])->display_name, 0, 0, NULL, NULL);
  /* The folders are in the cache: shown now, not with the first rows of INBOX (a first sync
   * of 100,000 messages showed its folders ~300 ms later, with them; bench-app, #13). */
  if (gone->len > 0 || added->len > 0)
    _tern_sync_emit_change (self, TERN_SYNC_CHANGE_COMMITTED, 0, NULL, 0, 0, NULL, NULL);

  /* MYRIGHTS once per folder: rights rarely change and the unchanged sync stays small.
   * All the folders that lack them in one pipelined round trip. */
  if (tern_imap_connection_has_capability (self->conn, "ACL"))
    {
      g_autoptr(GPtrArray) wanting = g_ptr_array_new ();
      g_autoptr(GPtrArray) names = g_ptr_array_new ();
      g_autoptr(GError) store_error = NULL;
      char **rights;

      g_hash_table_iter_init (&iter, listed);
      while (g_hash_table_iter_next (&iter, NULL, &value))
        {
          TernFolder *folder = value;

          if (folder->myrights != NULL || !folder->selectable)
            continue;
          g_ptr_array_add (wanting, folder);
          g_ptr_array_add (names, folder->name);
        }
      g_ptr_array_add (names, NULL);

      /* A NO for one folder leaves its rights unknown; a broken connection fails. */
      rights = wanting->len > 0 ? tern_imap_connection_myrights_many (self->conn,
                                                                      (const char * const *) names->pdata,
                                                                      error)
                                : g_new0 (char *, 1);
      if (rights == NULL)
        return FALSE;
      for (guint i = 0; i < wanting->len; i++)
        {
          TernFolder *folder = wanting->pdata[i];

          if (rights[i] == NULL)
            continue;
          /* RFC 2086 letters read as RFC 4314 2.1.1 says. */
          folder->myrights = rfc4314_rights (rights[i]);
          if (!tern_store_upsert_folder (self->store, folder, NULL, &store_error))
            break;
        }
      for (guint i = 0; i < wanting->len; i++)
        g_free (rights[i]);
      g_free (rights);
      if (store_error != NULL)
        {
          g_propagate_error (error, g_steal_pointer (&store_error));
          return FALSE;
        }
    }

  return TRUE;

fail:
  tern_store_rollback (self->store);
  return FALSE;
}
