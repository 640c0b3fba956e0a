/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "tern-cli"

#include "config.h"

#include <stdio.h>
#include <string.h>

#include "tern-cli-private.h"
#include "tern-identity.h"
#include "tern-sieve-sync.h"

/* `rules`: an account's server-side rules (ManageSieve), which run for every device and while
 * this one is off. Changes are kept in the cache first and uploaded when the server can be
 * reached (--offline: later, by `rules ACCOUNT upload` or the next `sync`). */

static int
print_state (Cli                  *cli,
             const TernAccount    *account,
             const TernSieveState *state)
{
  g_autoptr(GString) out = g_string_new (NULL);

  if (cli->json)
    {
      g_string_append (out, "{\"account\":");
      tern_cli_json_string (out, account->name);
      g_string_append_printf (out, ",\"pending\":%s,\"tern\":%s,\"active\":",
                              state->pending ? "true" : "false",
                              state->rules != NULL ? "true" : "false");
      tern_cli_json_string (out, state->active_name);
      g_string_append (out, ",\"error\":");
      tern_cli_json_string (out, state->error);
      g_string_append (out, ",\"rules\":[");
      for (guint i = 0; state->rules != NULL && i < state->rules->rules->len; i++)
        {
          TernSieveRule *rule = state->rules->rules->pdata[i];
          g_autofree char *words = tern_sieve_rule_describe (rule);

          g_string_append (out, i > 0 ? ",{\"name\":" : "{\"name\":");
          tern_cli_json_string (out, rule->name);
          g_string_append_printf (out, ",\"enabled\":%s,\"description\":", rule->enabled ? "true" : "false");
          tern_cli_json_string (out, words);
          g_string_append_c (out, '}');
        }
      g_string_append (out, "],\"vacation\":");
      if (state->rules != NULL && state->rules->vacation != NULL)
        {
          TernSieveVacation *v = state->rules->vacation;

          g_string_append_printf (out, "{\"enabled\":%s,\"days\":%u,\"start\":", v->enabled ? "true" : "false", v->days);
          tern_cli_json_string (out, v->start);
          g_string_append (out, ",\"end\":");
          tern_cli_json_string (out, v->end);
          g_string_append (out, ",\"subject\":");
          tern_cli_json_string (out, v->subject);
          g_string_append (out, ",\"body\":");
          tern_cli_json_string (out, v->body);
          g_string_append_c (out, '}');
        }
      else
        g_string_append (out, "null");
      g_string_append (out, "}\n");
      fputs (out->str, stdout);
      return 0;
    }

  if (state->rules == NULL)
    {
      printf ("The active rules on the server (script “%s”) were not made in Tern.\n"
              "Show them with `tern-cli rules %s script`; `add` replaces them only with --replace.\n",
              state->active_name, account->name);
      return 0;
    }
  if (state->rules->rules->len == 0 && state->rules->vacation == NULL)
    printf ("No rules.\n");
  for (guint i = 0; i < state->rules->rules->len; i++)
    {
      TernSieveRule *rule = state->rules->rules->pdata[i];
      g_autofree char *words = tern_sieve_rule_describe (rule);

      printf ("%s\t%s\n", rule->name, words);
    }
  if (state->rules->vacation != NULL)
    {
      TernSieveVacation *v = state->rules->vacation;

      printf ("Vacation reply: %s, “%s”%s%s%s%s (one reply per sender every %u days)\n",
              v->enabled ? "on" : "off", v->subject ? v->subject : "",
              v->start ? " from " : "", v->start ? v->start : "",
              v->end ? " until " : "", v->end ? v->end : "", v->days);
    }
  if (state->pending)
    printf ("Not on the server yet%s%s\n", state->error ? ": " : ".", state->error ? state->error : "");
  return 0;
}

static void
add_conditions (TernSieveRule  *rule,
                TernSieveField  field,
                char          **values,
                TernSieveOp     op)
{
  for (guint i = 0; values != NULL && values[i] != NULL; i++)
    tern_sieve_rule_add_condition (rule, field, op, values[i]);
}

static int
cmd_rules_add (Cli               *cli,
               const TernAccount *account,
               TernSieveRules    *rules,
               int                argc,
               char             **argv,
               gboolean          *changed)
{
  g_auto(GStrv) from = NULL, to = NULL, subject = NULL, list_id = NULL, not_from = NULL;
  g_autofree char *over = NULL, *under = NULL, *file_into = NULL, *forward = NULL;
  gboolean any = FALSE, mark_read = FALSE, flag = FALSE, trash = FALSE, stop = FALSE, off = FALSE;
  GOptionEntry entries[] = {
    { "from", 0, 0, G_OPTION_ARG_STRING_ARRAY, &from, "From contains TEXT", "TEXT" },
    { "not-from", 0, 0, G_OPTION_ARG_STRING_ARRAY, &not_from, "From does not contain TEXT", "TEXT" },
    { "to", 0, 0, G_OPTION_ARG_STRING_ARRAY, &to, "To or Cc contains TEXT", "TEXT" },
    { "subject", 0, 0, G_OPTION_ARG_STRING_ARRAY, &subject, "Subject contains TEXT", "TEXT" },
    { "list-id", 0, 0, G_OPTION_ARG_STRING_ARRAY, &list_id, "List-Id contains TEXT", "TEXT" },
    { "larger-than", 0, 0, G_OPTION_ARG_STRING, &over, "Larger than SIZE (100K, 2M)", "SIZE" },
    { "smaller-than", 0, 0, G_OPTION_ARG_STRING, &under, "Smaller than SIZE", "SIZE" },
    { "any", 0, 0, G_OPTION_ARG_NONE, &any, "Any condition is enough (default: all)", NULL },
    { "file-into", 0, 0, G_OPTION_ARG_STRING, &file_into, "File into FOLDER", "FOLDER" },
    { "mark-read", 0, 0, G_OPTION_ARG_NONE, &mark_read, "Mark as read", NULL },
    { "flag", 0, 0, G_OPTION_ARG_NONE, &flag, "Star", NULL },
    { "forward", 0, 0, G_OPTION_ARG_STRING, &forward, "Forward a copy to ADDRESS", "ADDRESS" },
    { "trash", 0, 0, G_OPTION_ARG_NONE, &trash, "Move to Trash", NULL },
    { "stop", 0, 0, G_OPTION_ARG_NONE, &stop, "No later rule applies", NULL },
    { "off", 0, 0, G_OPTION_ARG_NONE, &off, "Keep the rule, turned off", NULL },
    { NULL }
  };
  g_autoptr(GError) error = NULL;
  g_autoptr(TernSieveRule) rule = NULL;
  TernSieveRule *existing;

  if (!tern_cli_parse_options (entries, &argc, &argv, "ACCOUNT add NAME", &error))
    return tern_cli_usage (error->message);
  if (argc != 2 || *argv[1] == '\0')
    return tern_cli_usage ("rules ACCOUNT add takes one NAME");
  rule = tern_sieve_rule_new (argv[1]);
  rule->match_any = any;
  rule->enabled = !off;
  add_conditions (rule, TERN_SIEVE_FIELD_FROM, from, TERN_SIEVE_OP_CONTAINS);
  add_conditions (rule, TERN_SIEVE_FIELD_FROM, not_from, TERN_SIEVE_OP_NOT_CONTAINS);
  add_conditions (rule, TERN_SIEVE_FIELD_TO, to, TERN_SIEVE_OP_CONTAINS);
  add_conditions (rule, TERN_SIEVE_FIELD_SUBJECT, subject, TERN_SIEVE_OP_CONTAINS);
  add_conditions (rule, TERN_SIEVE_FIELD_LIST_ID, list_id, TERN_SIEVE_OP_CONTAINS);
  if (over != NULL)
    tern_sieve_rule_add_condition (rule, TERN_SIEVE_FIELD_SIZE, TERN_SIEVE_OP_OVER, over);
  if (under != NULL)
    tern_sieve_rule_add_condition (rule, TERN_SIEVE_FIELD_SIZE, TERN_SIEVE_OP_UNDER, under);
  if (mark_read)
    tern_sieve_rule_add_action (rule, TERN_SIEVE_ACTION_MARK_READ, NULL);
  if (flag)
    tern_sieve_rule_add_action (rule, TERN_SIEVE_ACTION_FLAG, NULL);
  if (forward != NULL)
    tern_sieve_rule_add_action (rule, TERN_SIEVE_ACTION_FORWARD, forward);
  if (file_into != NULL || trash)
    {
      g_autoptr(TernFolder) folder = NULL;

      if (file_into != NULL)
        folder = tern_cli_folder_named (cli, account, file_into, &error);
      else
        {
          g_autoptr(GPtrArray) folders = tern_store_list_folders_uncounted (cli->store, account->id, &error);

          for (guint i = 0; folders != NULL && i < folders->len && folder == NULL; i++)
            if (g_strcmp0 (((TernFolder *) folders->pdata[i])->special_use, "\\Trash") == 0)
              folder = tern_store_get_folder (cli->store, account->id,
                                              ((TernFolder *) folders->pdata[i])->name, &error);
          if (folder == NULL && error == NULL)
            g_set_error (&error, TERN_STORE_ERROR, TERN_STORE_ERROR_NOT_FOUND, "%s has no Trash folder",
                         account->name);
        }
      if (folder == NULL)
        return tern_cli_fail (g_steal_pointer (&error));
      /* Sieve names folders in UTF-8 with the server's hierarchy (RFC 5228 4.1). */
      tern_sieve_rule_add_action (rule, file_into ? TERN_SIEVE_ACTION_FILE_INTO : TERN_SIEVE_ACTION_TRASH,
                                  folder->display_name);
    }
  if (stop)
    tern_sieve_rule_add_action (rule, TERN_SIEVE_ACTION_STOP, NULL);

  existing = tern_sieve_rules_find (rules, rule->name);
  if (existing != NULL)
    {
      guint index;

      /* The same name replaces the rule in its place. */
      g_ptr_array_find (rules->rules, existing, &index);
      g_ptr_array_remove_index (rules->rules, index);
      g_ptr_array_insert (rules->rules, (int) index, g_steal_pointer (&rule));
    }
  else
    g_ptr_array_add (rules->rules, g_steal_pointer (&rule));
  *changed = TRUE;
  return 0;
}

static int
cmd_rules_vacation (Cli               *cli,
                    const TernAccount *account,
                    TernSieveRules  *rules,
                    int              argc,
                    char           **argv,
                    gboolean        *changed)
{
  g_autofree char *subject = NULL, *message = NULL, *message_file = NULL, *start = NULL, *end = NULL;
  gboolean off = FALSE;
  int days = 7;
  GOptionEntry entries[] = {
    { "subject", 0, 0, G_OPTION_ARG_STRING, &subject, "Subject of the reply", "TEXT" },
    { "message", 0, 0, G_OPTION_ARG_STRING, &message, "The reply", "TEXT" },
    { "message-file", 0, 0, G_OPTION_ARG_FILENAME, &message_file, "The reply, from a file", "FILE" },
    { "from", 0, 0, G_OPTION_ARG_STRING, &start, "First day (YYYY-MM-DD)", "DATE" },
    { "until", 0, 0, G_OPTION_ARG_STRING, &end, "Last day (YYYY-MM-DD)", "DATE" },
    { "days", 0, 0, G_OPTION_ARG_INT, &days, "One reply per sender in N days (default 7)", "N" },
    { "off", 0, 0, G_OPTION_ARG_NONE, &off, "Turn the vacation reply off", NULL },
    { NULL }
  };
  g_autoptr(GError) error = NULL;
  TernSieveVacation *v;

  if (!tern_cli_parse_options (entries, &argc, &argv, "ACCOUNT vacation", &error))
    return tern_cli_usage (error->message);
  if (argc != 1)
    return tern_cli_usage ("rules ACCOUNT vacation takes options only");
  if (off)
    {
      if (rules->vacation != NULL)
        rules->vacation->enabled = FALSE;
      *changed = TRUE;
      return 0;
    }
  if (message_file != NULL && !g_file_get_contents (message_file, &message, NULL, &error))
    return tern_cli_fail (g_steal_pointer (&error));
  if (message == NULL)
    return tern_cli_usage ("rules ACCOUNT vacation needs --message or --message-file (or --off)");
  tern_sieve_vacation_free (rules->vacation);
  v = rules->vacation = g_new0 (TernSieveVacation, 1);
  v->enabled = TRUE;
  v->subject = g_strdup (subject ? subject : "Away from my mail");
  v->body = g_strdup (message);
  v->start = g_strdup (start);
  v->end = g_strdup (end);
  v->days = days > 0 ? (guint) days : 0;
  /* Mail to any of the user's addresses is answered, whatever the envelope says. */
  {
    g_autoptr(GPtrArray) identities = tern_identity_list (cli->store, account->id, NULL);
    g_autoptr(GStrvBuilder) addresses = g_strv_builder_new ();

    g_strv_builder_add (addresses, account->email);
    for (guint i = 0; identities != NULL && i < identities->len; i++)
      if (g_ascii_strcasecmp (((TernIdentity *) identities->pdata[i])->address, account->email) != 0)
        g_strv_builder_add (addresses, ((TernIdentity *) identities->pdata[i])->address);
    v->addresses = g_strv_builder_end (addresses);
  }
  *changed = TRUE;
  return 0;
}

static int
save (Cli               *cli,
      const TernAccount *account,
      TernSieveRules    *rules,
      gboolean           replace)
{
  g_autoptr(GError) error = NULL;
  gboolean queued = FALSE;

  if (!tern_sieve_save (cli->store, account, rules, cli->offline, replace, cli->timeout, &queued, &error))
    return tern_cli_fail (g_steal_pointer (&error));
  if (queued)
    printf ("Saved here; the rules go to the server when it can be reached.\n");
  else
    printf ("Saved on the server.\n");
  return 0;
}

int
cmd_rules (Cli    *cli,
           int     argc,
           char  **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TernAccount) account = NULL;
  g_autoptr(TernSieveState) state = NULL;
  g_autoptr(TernSieveRules) empty = NULL;
  const char *verb = argc >= 3 ? argv[2] : "list";
  gboolean changed = FALSE;
  gboolean replace = FALSE;
  TernSieveRules *rules;
  int status = 0;

  if (argc < 2 || g_str_has_prefix (argv[1], "-"))
    return tern_cli_usage ("rules takes an ACCOUNT");
  /* --replace anywhere after the verb: allowed to replace rules made elsewhere. */
  for (int i = 3; i < argc; i++)
    if (g_str_equal (argv[i], "--replace"))
      {
        replace = TRUE;
        memmove (&argv[i], &argv[i + 1], sizeof (char *) * (size_t) (argc - i));
        argc--;
        break;
      }
  if (!tern_cli_ensure_store (cli, &error) ||
      (account = tern_store_get_account (cli->store, argv[1], &error)) == NULL)
    return tern_cli_fail (g_steal_pointer (&error));

  if (g_str_equal (verb, "server"))
    {
      guint64 port = 0;

      if (argc != 5 || !g_ascii_string_to_unsigned (argv[4], 10, 1, 65535, &port, NULL))
        return tern_cli_usage ("rules ACCOUNT server HOST PORT");
      if (!tern_sieve_store_set_server (cli->store, account->id, argv[3], (guint) port, FALSE, &error))
        return tern_cli_fail (g_steal_pointer (&error));
      return 0;
    }
  if (g_str_equal (verb, "upload"))
    {
      if (!tern_sieve_push (cli->store, account, replace, cli->timeout, &error))
        return tern_cli_fail (g_steal_pointer (&error));
      return 0;
    }
  if (g_str_equal (verb, "set-script"))
    {
      g_autofree char *script = NULL;

      if (argc != 4)
        return tern_cli_usage ("rules ACCOUNT set-script FILE");
      if (!g_file_get_contents (argv[3], &script, NULL, &error) ||
          !tern_sieve_put_raw (cli->store, account, script, cli->timeout, &error))
        return tern_cli_fail (g_steal_pointer (&error));
      return 0;
    }

  state = tern_sieve_load (cli->store, account, cli->offline, cli->timeout, &error);
  if (state == NULL)
    return tern_cli_fail (g_steal_pointer (&error));
  if (g_str_equal (verb, "list"))
    return print_state (cli, account, state);
  if (g_str_equal (verb, "script"))
    {
      fputs (state->script ? state->script : "", stdout);
      return 0;
    }

  /* Editing: Tern's rules, or none; rules made elsewhere only with --replace. */
  if (state->rules == NULL && !replace)
    {
      g_printerr ("tern-cli: the active rules on the server (script “%s”) were not made in Tern; "
                  "--replace replaces them with Tern's\n", state->active_name);
      return 1;
    }
  rules = state->rules ? state->rules : (empty = tern_sieve_rules_new ());
  if (g_str_equal (verb, "add"))
    status = cmd_rules_add (cli, account, rules, argc - 2, argv + 2, &changed);
  else if (g_str_equal (verb, "vacation"))
    status = cmd_rules_vacation (cli, account, rules, argc - 2, argv + 2, &changed);
  else if (g_str_equal (verb, "remove") || g_str_equal (verb, "enable") || g_str_equal (verb, "disable"))
    {
      TernSieveRule *rule = argc == 4 ? tern_sieve_rules_find (rules, argv[3]) : NULL;

      if (argc != 4)
        return tern_cli_usage ("rules ACCOUNT remove|enable|disable NAME");
      if (rule == NULL)
        {
          g_printerr ("tern-cli: no rule “%s” in %s\n", argv[3], account->name);
          return 1;
        }
      if (g_str_equal (verb, "remove"))
        g_ptr_array_remove (rules->rules, rule);
      else
        rule->enabled = g_str_equal (verb, "enable");
      changed = TRUE;
    }
  else
    {
      g_autofree char *message = g_strdup_printf ("unknown rules command “%s”", verb);

      return tern_cli_usage (message);
    }
  if (status != 0 || !changed)
    return status;
  return save (cli, account, rules, replace);
}
