/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "tern-cli"

#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tern-cli-private.h"
#include "tern-imap-utils.h"
#include "tern-journal.h"
#include "tern-mime.h"
#include "tern-sync.h"
#include "tern-sync-acl.h"

/* Offline actions on messages and folders, and the queue (pending). */

/* Offline actions: applied to the cache and queued at once, then replayed if the server
 * can be reached (unless --offline). */

TernAccount *
tern_cli_account_of_message (Cli         *cli,
                             gint64       message_id,
                             GError     **error)
{
  g_autoptr(TernMessage) m = tern_store_get_message (cli->store, message_id, error);
  g_autoptr(TernFolder) f = NULL;

  if (m == NULL || (f = tern_store_get_folder_by_id (cli->store, m->folder_id, error)) == NULL)
    return NULL;
  return tern_store_get_account_by_id (cli->store, f->account_id, error);
}

TernFolder *
tern_cli_folder_named (Cli               *cli,
                       const TernAccount *account,
                       const char        *name,
                       GError           **error)
{
  TernFolder *folder = tern_store_get_folder (cli->store, account->id, name, NULL);

  if (folder == NULL)
    {
      g_autofree char *encoded = _tern_utf7_encode (name);

      folder = tern_store_get_folder (cli->store, account->id, encoded, NULL);
    }
  if (folder == NULL || folder->local_state == TERN_FOLDER_DELETED_HERE)
    {
      g_clear_pointer (&folder, tern_folder_free);
      g_set_error (error, TERN_STORE_ERROR, TERN_STORE_ERROR_NOT_FOUND, "No folder “%s” in %s",
                   name, account->name);
    }
  return folder;
}

/* Sends what was queued (from action first_new on) unless offline. A server that cannot be
 * reached is not an error: the change is safe in the journal and goes out later. */
static int
replay_after (Cli               *cli,
              const TernAccount *account,
              gint64             first_new)
{
  g_autoptr(TernSync) sync = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) actions = NULL;
  int status = 0;

  if (cli->offline)
    return 0;
  sync = tern_sync_new (cli->store, account);
  if (cli->timeout > 0)
    tern_sync_set_timeout (sync, (guint) cli->timeout);
  if (!tern_sync_replay (sync, &error))
    {
      g_printerr ("tern-cli: %s: not sent yet (%s); it stays queued\n", account->name, error->message);
      return 0;
    }

  actions = tern_journal_list (cli->store, account->id, &error);
  for (guint i = 0; actions != NULL && i < actions->len; i++)
    {
      TernAction *a = actions->pdata[i];

      if (a->id > first_new && tern_action_get_state (a) == TERN_ACTION_STATE_FAILED)
        {
          g_printerr ("tern-cli: %s: the server refused action %" G_GINT64_FORMAT " (%s): %s\n",
                      account->name, a->id, a->kind, a->error);
          status = 1;
        }
    }
  return status;
}

/* Applies func to the message IDs in argv[first..], all or nothing (one call of the mail
 * service, one transaction), then replays. */
int
message_action (Cli               *cli,
                int                argc,
                char             **argv,
                int                first,
                MessageActionFunc  func,
                gpointer           data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TernAccount) account = NULL;
  g_autoptr(TernMailService) service = NULL;
  g_autoptr(GArray) ids = g_array_new (FALSE, FALSE, sizeof (gint64));
  gint64 before;

  if (argc <= first)
    return tern_cli_usage ("name at least one message ID");
  if (!tern_cli_ensure_store (cli, &error))
    return tern_cli_fail (g_steal_pointer (&error));

  for (int i = first; i < argc; i++)
    {
      gint64 id;
      g_autoptr(TernAccount) owner = NULL;

      if (!tern_cli_parse_id (argv[i], &id))
        return tern_cli_usage ("a message ID is a positive number (see “tern-cli list”)");
      if ((owner = tern_cli_account_of_message (cli, id, &error)) == NULL)
        return tern_cli_fail (g_steal_pointer (&error));
      if (account == NULL)
        account = g_steal_pointer (&owner);
      g_array_append_val (ids, id);
    }
  before = tern_journal_last_id (cli->store);
  service = tern_mail_service_new (cli->store);
  if (func (cli, service, account, ids, data, &error) == 0 && error != NULL)
    return tern_cli_fail (g_steal_pointer (&error));
  return replay_after (cli, account, before);
}

typedef struct
{
  const char *add;
  const char *remove;
} FlagChange;

static guint
flags_cb (Cli               *cli,
          TernMailService   *service,
          const TernAccount *account,
          GArray            *ids,
          gpointer           data,
          GError           **error)
{
  FlagChange *change = data;

  return tern_mail_service_set_flags (service, ids, change->add, change->remove, error);
}

int
cmd_flags (Cli        *cli,
           int         argc,
           char      **argv,
           const char *add,
           const char *remove)
{
  FlagChange change = { add, remove };

  return message_action (cli, argc, argv, 1, flags_cb, &change);
}

int
cmd_tag (Cli   *cli,
         int    argc,
         char **argv)
{
  g_autoptr(GString) add = g_string_new (NULL);
  g_autoptr(GString) remove = g_string_new (NULL);
  FlagChange change;
  char *rest[2];

  if (argc < 3)
    return tern_cli_usage ("tag takes a message ID and +keyword or -keyword");
  for (int i = 2; i < argc; i++)
    {
      GString *to = argv[i][0] == '+' ? add : argv[i][0] == '-' ? remove : NULL;

      if (to == NULL || argv[i][1] == '\0')
        return tern_cli_usage ("keywords are given as +keyword or -keyword");
      g_string_append_printf (to, "%s%s", to->len ? " " : "", argv[i] + 1);
    }
  change.add = add->str;
  change.remove = remove->str;
  rest[0] = argv[0];
  rest[1] = argv[1];
  return message_action (cli, 2, rest, 1, flags_cb, &change);
}

typedef struct
{
  const char *folder;
  gboolean    copy;
} Transfer;

static guint
transfer_cb (Cli               *cli,
             TernMailService   *service,
             const TernAccount *account,
             GArray            *ids,
             gpointer           data,
             GError           **error)
{
  Transfer *t = data;
  g_autoptr(TernFolder) target = tern_cli_folder_named (cli, account, t->folder, error);

  if (target == NULL)
    return 0;
  if (t->copy)
    return tern_mail_service_copy (service, ids, target->id, error);
  return tern_mail_service_move (service, ids, target->id, error);
}

int
cmd_transfer (Cli      *cli,
              int       argc,
              char    **argv,
              gboolean  copy)
{
  Transfer t;

  if (argc < 3)
    return tern_cli_usage (copy ? "copy takes message IDs and a FOLDER" : "move takes message IDs and a FOLDER");
  t.folder = argv[argc - 1];
  t.copy = copy;
  return message_action (cli, argc - 1, argv, 1, transfer_cb, &t);
}

static guint
delete_cb (Cli               *cli,
           TernMailService   *service,
           const TernAccount *account,
           GArray            *ids,
           gpointer           data,
           GError           **error)
{
  return GPOINTER_TO_INT (data) ? tern_mail_service_delete_permanently (service, ids, error)
                                : tern_mail_service_delete (service, ids, error);
}

int
cmd_delete (Cli   *cli,
            int    argc,
            char **argv)
{
  gboolean permanent = FALSE;
  GOptionEntry entries[] = {
    { "permanent", 0, 0, G_OPTION_ARG_NONE, &permanent, "Delete for good, not to Trash", NULL },
    { NULL }
  };
  g_autoptr(GError) error = NULL;

  if (!tern_cli_parse_options (entries, &argc, &argv, "ID…", &error))
    return tern_cli_usage (error->message);
  return message_action (cli, argc, argv, 1, delete_cb, GINT_TO_POINTER (permanent));
}

guint
archive_cb (Cli               *cli,
            TernMailService   *service,
            const TernAccount *account,
            GArray            *ids,
            gpointer           data,
            GError           **error)
{
  return tern_mail_service_archive (service, ids, error);
}

/* expunge / empty ACCOUNT FOLDER */
int
cmd_empty (Cli      *cli,
           int       argc,
           char    **argv,
           gboolean  only_deleted)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TernAccount) account = NULL;
  g_autoptr(TernFolder) folder = NULL;
  gint64 before;

  if (argc != 3)
    return tern_cli_usage ("takes ACCOUNT and FOLDER");
  if (!tern_cli_ensure_store (cli, &error) || (account = tern_store_get_account (cli->store, argv[1], &error)) == NULL ||
      (folder = tern_cli_folder_named (cli, account, argv[2], &error)) == NULL)
    return tern_cli_fail (g_steal_pointer (&error));
  before = tern_journal_last_id (cli->store);
  if (!tern_journal_empty_folder (cli->store, folder->id, only_deleted, &error))
    return tern_cli_fail (g_steal_pointer (&error));
  return replay_after (cli, account, before);
}

static const char *
account_delimiter (Cli               *cli,
                   const TernAccount *account)
{
  static char delimiter[2] = "/";
  g_autoptr(TernFolder) inbox = tern_store_get_folder (cli->store, account->id, "INBOX", NULL);

  if (inbox != NULL && inbox->delimiter != NULL && *inbox->delimiter != '\0')
    delimiter[0] = inbox->delimiter[0];
  return delimiter;
}

/* Online, the rights are fitted to what the server allows for that user (LISTRIGHTS): rights
 * it grants only together are added and said; rights it cannot grant refuse the share. When
 * the server cannot be asked, the change is queued as typed (the server decides at replay). */
static gboolean
fit_share (Cli                *cli,
           const TernAccount  *account,
           const TernFolder   *folder,
           const char         *identifier,
           char              **rights,
           GError            **error)
{
  g_autoptr(TernSync) sync = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autofree char *required = NULL;
  g_auto(GStrv) optional = NULL;
  g_autofree char *fitted = NULL;
  g_autofree char *missing = NULL;
  g_autofree char *extra = NULL;

  if (cli->offline)
    return TRUE;
  sync = tern_sync_new (cli->store, account);
  tern_sync_set_timeout (sync, (guint) cli->timeout);
  if (!tern_sync_list_rights (sync, folder, identifier, &required, &optional, &local_error))
    {
      g_printerr ("tern-cli: could not ask the server which rights it allows (%s)\n", local_error->message);
      return TRUE;
    }
  fitted = tern_acl_fit_rights (*rights, required, (const char * const *) optional, &missing);
  if (fitted == NULL)
    {
      g_autofree char *allowed = g_strjoinv (" ", optional);

      g_set_error (error, TERN_SYNC_ERROR, TERN_SYNC_ERROR_PERMANENT,
                   "The server cannot give %s the rights %s in %s (it allows: %s%s%s)", identifier, missing,
                   folder->display_name, required, *required ? " always, " : "",
                   *allowed ? allowed : "nothing more");
      return FALSE;
    }
  extra = tern_acl_extra_rights (fitted, *rights);
  if (*extra != '\0')
    printf ("The server adds %s (rights it grants always, or only together with these): %s gets %s\n", extra, identifier, fitted);
  g_free (*rights);
  *rights = g_steal_pointer (&fitted);
  return TRUE;
}

/* Who may do what in a folder: needs the server. */
static int
folder_rights (Cli               *cli,
               const TernAccount *account,
               int                argc,
               char             **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TernFolder) folder = NULL;
  g_autoptr(TernSync) sync = NULL;
  g_autoptr(GPtrArray) acl = NULL;
  g_autofree char *mine = NULL;
  g_autofree char *words = NULL;

  if (argc != 4)
    return tern_cli_usage ("folder rights takes ACCOUNT and FOLDER");
  if (cli->offline)
    return tern_cli_usage ("folder rights asks the server: not with --offline");
  if ((folder = tern_cli_folder_named (cli, account, argv[3], &error)) == NULL)
    return tern_cli_fail (g_steal_pointer (&error));
  sync = tern_sync_new (cli->store, account);
  tern_sync_set_timeout (sync, (guint) cli->timeout);
  acl = tern_sync_get_acl (sync, folder, &mine, &error);
  if (acl == NULL)
    return tern_cli_fail (g_steal_pointer (&error));
  if (cli->json)
    {
      g_autoptr(GString) out = g_string_new ("{\"myrights\":");

      tern_cli_json_string (out, mine);
      g_string_append (out, ",\"acl\":[");
      for (guint i = 0; i < acl->len; i++)
        {
          TernImapAclEntry *e = acl->pdata[i];
          g_autofree char *described = tern_acl_describe (e->identifier, e->rights);

          g_string_append (out, i > 0 ? ",{\"identifier\":" : "{\"identifier\":");
          tern_cli_json_string (out, e->identifier);
          g_string_append (out, ",\"rights\":");
          tern_cli_json_string (out, e->rights);
          g_string_append (out, ",\"description\":");
          tern_cli_json_string (out, described);
          g_string_append_c (out, '}');
        }
      g_string_append (out, "]}\n");
      fputs (out->str, stdout);
      return 0;
    }
  words = tern_acl_describe ("You", mine);
  printf ("%s (%s)\n", words, mine);
  if (acl->len == 0 && strchr (mine, 'a') == NULL)
    printf ("Only someone who may share this folder sees who else can use it.\n");
  for (guint i = 0; i < acl->len; i++)
    {
      TernImapAclEntry *e = acl->pdata[i];
      g_autofree char *described = tern_acl_describe (e->identifier, e->rights);

      printf ("%s (%s)\n", described, e->rights);
    }
  return 0;
}

/* Desktop notifications of new mail there: a setting of this machine's cache, not the
 * server's. Without on|off it says what is set. */
static int
folder_notify (Cli               *cli,
               const TernAccount *account,
               int                argc,
               char             **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TernFolder) folder = NULL;
  gboolean notify;

  if (argc != 4 && argc != 5)
    return tern_cli_usage ("folder notify takes ACCOUNT, FOLDER and on|off");
  if (argc == 5 && strcmp (argv[4], "on") != 0 && strcmp (argv[4], "off") != 0)
    return tern_cli_usage ("folder notify takes on or off");
  if ((folder = tern_cli_folder_named (cli, account, argv[3], &error)) == NULL)
    return tern_cli_fail (g_steal_pointer (&error));
  if (argc == 5 &&
      !tern_store_set_folder_notify (cli->store, folder->id, strcmp (argv[4], "on") == 0, &error))
    return tern_cli_fail (g_steal_pointer (&error));
  notify = tern_store_get_folder_notify (cli->store, folder->id);
  if (cli->json)
    {
      g_autoptr(GString) out = g_string_new ("{\"folder\":");

      tern_cli_json_string (out, folder->display_name);
      g_string_append_printf (out, ",\"notify\":%s}\n", notify ? "true" : "false");
      fputs (out->str, stdout);
    }
  else
    printf ("New mail in %s: %s\n", folder->display_name,
            notify ? "a desktop notification" : "no notification");
  return 0;
}

int
cmd_folder (Cli   *cli,
            int    argc,
            char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TernAccount) account = NULL;
  g_autoptr(TernFolder) folder = NULL;
  g_autoptr(TernMailService) service = NULL;
  const char *verb;
  gint64 before;
  gboolean ok;

  if (argc < 4)
    return tern_cli_usage ("folder create|rename|delete|subscribe|unsubscribe|share|unshare|rights|notify ACCOUNT NAME …");
  verb = argv[1];
  if (!tern_cli_ensure_store (cli, &error) || (account = tern_store_get_account (cli->store, argv[2], &error)) == NULL)
    return tern_cli_fail (g_steal_pointer (&error));
  before = tern_journal_last_id (cli->store);
  service = tern_mail_service_new (cli->store);

  if (strcmp (verb, "create") == 0)
    {
      g_autofree char *name = NULL;

      if (argc != 4)
        return tern_cli_usage ("folder create takes ACCOUNT and NAME");
      name = _tern_utf7_encode (argv[3]);
      ok = tern_mail_service_folder_create (service, account->id, name, argv[3],
                                            account_delimiter (cli, account), NULL, &error) != 0;
    }
  else if (strcmp (verb, "rename") == 0)
    {
      g_autofree char *name = NULL;

      if (argc != 5)
        return tern_cli_usage ("folder rename takes ACCOUNT, OLD and NEW");
      if ((folder = tern_cli_folder_named (cli, account, argv[3], &error)) == NULL)
        return tern_cli_fail (g_steal_pointer (&error));
      name = _tern_utf7_encode (argv[4]);
      ok = tern_mail_service_folder_rename (service, folder->id, name, argv[4], &error) != 0 || error == NULL;
    }
  else if (strcmp (verb, "delete") == 0 || strcmp (verb, "subscribe") == 0 ||
           strcmp (verb, "unsubscribe") == 0)
    {
      if (argc != 4)
        return tern_cli_usage ("takes ACCOUNT and NAME");
      if ((folder = tern_cli_folder_named (cli, account, argv[3], &error)) == NULL)
        return tern_cli_fail (g_steal_pointer (&error));
      if (strcmp (verb, "delete") == 0)
        ok = tern_mail_service_folder_delete (service, folder->id, &error) != 0 || error == NULL;
      else
        ok = tern_mail_service_folder_subscribe (service, folder->id, strcmp (verb, "subscribe") == 0,
                                                 &error) != 0 || error == NULL;
    }
  else if (strcmp (verb, "share") == 0 || strcmp (verb, "unshare") == 0)
    {
      g_autofree char *rights = NULL;
      gboolean share = strcmp (verb, "share") == 0;

      if (argc != (share ? 6 : 5))
        return tern_cli_usage (share ? "folder share takes ACCOUNT, FOLDER, USER and read|triage|full|RIGHTS"
                                     : "folder unshare takes ACCOUNT, FOLDER and USER");
      if (share && (rights = tern_acl_parse_rights (argv[5])) == NULL)
        return tern_cli_usage ("the rights are read, triage, full, or RFC 4314 letters (lrswipkxtea, c, d, n, 0-9)");
      if ((folder = tern_cli_folder_named (cli, account, argv[3], &error)) == NULL
          || (share && !fit_share (cli, account, folder, argv[4], &rights, &error)))
        return tern_cli_fail (g_steal_pointer (&error));
      ok = tern_mail_service_folder_share (service, folder->id, argv[4], rights, &error);
    }
  else if (strcmp (verb, "rights") == 0)
    return folder_rights (cli, account, argc, argv);
  else if (strcmp (verb, "notify") == 0)
    return folder_notify (cli, account, argc, argv);
  else
    return tern_cli_usage ("folder create|rename|delete|subscribe|unsubscribe|share|unshare|rights|notify ACCOUNT NAME …");

  if (!ok)
    return tern_cli_fail (g_steal_pointer (&error));
  return replay_after (cli, account, before);
}

int
cmd_append (Cli   *cli,
            int    argc,
            char **argv)
{
  g_autofree char *flags = NULL;
  GOptionEntry entries[] = {
    { "flags", 0, 0, G_OPTION_ARG_STRING, &flags, "Flags to store it with, e.g. \"\\\\Seen \\\\Draft\"", "F" },
    { NULL }
  };
  g_autoptr(GError) error = NULL;
  g_autoptr(TernAccount) account = NULL;
  g_autoptr(TernFolder) folder = NULL;
  g_autoptr(TernMessage) message = NULL;
  g_autoptr(GBytes) raw = NULL;
  g_autoptr(GMappedFile) file = NULL;
  g_autoptr(TernMailService) service = NULL;
  gint64 before, id = 0;

  if (!tern_cli_parse_options (entries, &argc, &argv, "ACCOUNT FOLDER FILE.eml", &error))
    return tern_cli_usage (error->message);
  if (argc != 4)
    return tern_cli_usage ("append takes ACCOUNT, FOLDER and FILE.eml");
  file = g_mapped_file_new (argv[3], FALSE, &error);
  if (file == NULL)
    return tern_cli_fail (g_steal_pointer (&error));
  raw = g_mapped_file_get_bytes (file);
  message = tern_mime_parse_message (raw, &error);
  if (message == NULL)
    {
      g_prefix_error (&error, "%s: ", argv[3]);
      return tern_cli_fail (g_steal_pointer (&error));
    }
  g_free (message->flags);
  message->flags = tern_flags_canonicalize (flags);
  message->internaldate = g_get_real_time () / G_USEC_PER_SEC;

  if (!tern_cli_ensure_store (cli, &error) || (account = tern_store_get_account (cli->store, argv[1], &error)) == NULL ||
      (folder = tern_cli_folder_named (cli, account, argv[2], &error)) == NULL)
    return tern_cli_fail (g_steal_pointer (&error));
  before = tern_journal_last_id (cli->store);
  service = tern_mail_service_new (cli->store);
  if (tern_mail_service_append (service, folder->id, message, raw, &id, &error) == 0)
    return tern_cli_fail (g_steal_pointer (&error));
  if (!cli->json)
    g_print ("%" G_GINT64_FORMAT "\n", id);
  return replay_after (cli, account, before);
}

int
cmd_pending (Cli   *cli,
             int    argc,
             char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) actions = NULL;
  g_autoptr(GString) out = g_string_new (NULL);
  g_autoptr(TernMailService) service = NULL;
  gint64 account_id = 0;

  if (!tern_cli_ensure_store (cli, &error))
    return tern_cli_fail (g_steal_pointer (&error));

  if (argc == 3 && (strcmp (argv[1], "retry") == 0 || strcmp (argv[1], "discard") == 0))
    {
      gint64 id;
      g_autoptr(TernAction) a = NULL;
      g_autoptr(TernAccount) account = NULL;

      if (!tern_cli_parse_id (argv[2], &id))
        return tern_cli_usage ("an action ID is a positive number (see “tern-cli pending”)");
      if ((a = tern_journal_get (cli->store, id, &error)) == NULL)
        return tern_cli_fail (g_steal_pointer (&error));
      service = tern_mail_service_new (cli->store);
      if (strcmp (argv[1], "discard") == 0)
        return tern_mail_service_discard_action (service, id, &error) ? 0 : tern_cli_fail (g_steal_pointer (&error));
      if (!tern_mail_service_retry_action (service, id, &error) ||
          (account = tern_store_get_account_by_id (cli->store, a->account_id, &error)) == NULL)
        return tern_cli_fail (g_steal_pointer (&error));
      return replay_after (cli, account, id - 1);
    }
  if (argc > 2)
    return tern_cli_usage ("pending [ACCOUNT] | pending retry|discard ID");
  if (argc == 2)
    {
      g_autoptr(TernAccount) account = tern_store_get_account (cli->store, argv[1], &error);

      if (account == NULL)
        return tern_cli_fail (g_steal_pointer (&error));
      account_id = account->id;
    }

  actions = tern_journal_list (cli->store, account_id, &error);
  if (actions == NULL)
    return tern_cli_fail (g_steal_pointer (&error));
  if (cli->json)
    g_string_append_c (out, '[');
  for (guint i = 0; i < actions->len; i++)
    {
      TernAction *a = actions->pdata[i];
      g_autofree char *what = NULL;

      if (a->message != 0)
        what = g_strdup_printf ("message %" G_GINT64_FORMAT, a->message);
      else if (a->name != NULL)
        what = _tern_utf7_decode (a->name);
      else
        what = g_strdup_printf ("folder %" G_GINT64_FORMAT, a->folder);

      if (cli->json)
        {
          if (i > 0)
            g_string_append_c (out, ',');
          g_string_append_c (out, '{');
          tern_cli_json_key (out, "id", TRUE);
          g_string_append_printf (out, "%" G_GINT64_FORMAT, a->id);
          tern_cli_json_key (out, "kind", FALSE);
          tern_cli_json_string (out, a->kind);
          tern_cli_json_key (out, "state", FALSE);
          tern_cli_json_string (out, a->state);
          tern_cli_json_key (out, "message", FALSE);
          if (a->message != 0)
            g_string_append_printf (out, "%" G_GINT64_FORMAT, a->message);
          else
            g_string_append (out, "null");
          tern_cli_json_key (out, "what", FALSE);
          tern_cli_json_string (out, what);
          tern_cli_json_key (out, "error_class", FALSE);
          tern_cli_json_string (out, a->error_class);
          tern_cli_json_key (out, "error", FALSE);
          tern_cli_json_string (out, a->error);
          tern_cli_json_key (out, "attempts", FALSE);
          g_string_append_printf (out, "%u", a->attempts);
          g_string_append_c (out, '}');
        }
      else
        {
          g_string_append_printf (out, "%" G_GINT64_FORMAT "\t%s\t%s\t%s", a->id, a->state, a->kind, what);
          if (a->add_flags && *a->add_flags)
            g_string_append_printf (out, " +%s", a->add_flags);
          if (a->remove_flags && *a->remove_flags)
            g_string_append_printf (out, " -%s", a->remove_flags);
          if (a->error != NULL)
            g_string_append_printf (out, "\t%s: %s", a->error_class ? a->error_class : "error", a->error);
          g_string_append_c (out, '\n');
        }
    }
  if (cli->json)
    g_string_append (out, "]\n");
  fputs (out->str, stdout);
  return 0;
}
