/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "tern-sieve"

#include "config.h"

#include <stdio.h>
#include <string.h>

#include "tern-sieve-private.h"
#include "tern-sieve-rules.h"

G_DEFINE_QUARK (tern-sieve-rules-error-quark, tern_sieve_rules_error)

#define HEADER "# Tern rules, version 1. Made in Tern: change them there (a copy changed by hand is kept as it is)."

static const char * const field_names[] = { "from", "to", "subject", "list-id", "size" };
static const char * const op_names[] = { "contains", "not-contains", "is", "over", "under" };
static const char * const action_names[] = { "fileinto", "mark-read", "flag", "forward", "trash", "stop" };

/* Construction */

TernSieveRules *
tern_sieve_rules_new (void)
{
  TernSieveRules *rules = g_new0 (TernSieveRules, 1);

  rules->rules = g_ptr_array_new_with_free_func ((GDestroyNotify) tern_sieve_rule_free);
  return rules;
}

void
tern_sieve_vacation_free (TernSieveVacation *vacation)
{
  if (vacation == NULL)
    return;
  g_free (vacation->subject);
  g_free (vacation->body);
  g_free (vacation->start);
  g_free (vacation->end);
  g_strfreev (vacation->addresses);
  g_free (vacation);
}

void
tern_sieve_rules_free (TernSieveRules *rules)
{
  if (rules == NULL)
    return;
  g_ptr_array_unref (rules->rules);
  tern_sieve_vacation_free (rules->vacation);
  g_free (rules);
}

static void
condition_free (TernSieveCondition *condition)
{
  g_free (condition->value);
  g_free (condition);
}

static void
action_free (TernSieveAction *action)
{
  g_free (action->arg);
  g_free (action);
}

TernSieveRule *
tern_sieve_rule_new (const char *name)
{
  TernSieveRule *rule = g_new0 (TernSieveRule, 1);

  rule->name = g_strdup (name);
  rule->enabled = TRUE;
  rule->conditions = g_ptr_array_new_with_free_func ((GDestroyNotify) condition_free);
  rule->actions = g_ptr_array_new_with_free_func ((GDestroyNotify) action_free);
  return rule;
}

void
tern_sieve_rule_free (TernSieveRule *rule)
{
  if (rule == NULL)
    return;
  g_free (rule->name);
  g_ptr_array_unref (rule->conditions);
  g_ptr_array_unref (rule->actions);
  g_free (rule);
}

void
tern_sieve_rule_add_condition (TernSieveRule  *rule,
                               TernSieveField  field,
                               TernSieveOp     op,
                               const char     *value)
{
  TernSieveCondition *condition = g_new0 (TernSieveCondition, 1);

  condition->field = field;
  condition->op = op;
  condition->value = g_strdup (value ? value : "");
  g_ptr_array_add (rule->conditions, condition);
}

void
tern_sieve_rule_add_action (TernSieveRule       *rule,
                            TernSieveActionKind  kind,
                            const char          *arg)
{
  TernSieveAction *action = g_new0 (TernSieveAction, 1);

  action->kind = kind;
  action->arg = g_strdup (arg);
  g_ptr_array_add (rule->actions, action);
}

TernSieveRule *
tern_sieve_rules_find (TernSieveRules *rules,
                       const char     *name)
{
  for (guint i = 0; i < rules->rules->len; i++)
    {
      TernSieveRule *rule = rules->rules->pdata[i];

      if (g_strcmp0 (rule->name, name) == 0)
        return rule;
    }
  return NULL;
}

static gboolean
action_has_arg (TernSieveActionKind kind)
{
  return kind == TERN_SIEVE_ACTION_FILE_INTO || kind == TERN_SIEVE_ACTION_FORWARD ||
         kind == TERN_SIEVE_ACTION_TRASH;
}

/* Writing */

/* A Sieve quoted string (RFC 5228 2.4.2): only " and \ are escaped; line breaks may stay.
 * ManageSieve's quoted strings are the same (RFC 5804 4). */
void
_tern_sieve_append_quoted (GString    *out,
                           const char *text)
{
  g_string_append_c (out, '"');
  for (const char *p = text; *p != '\0'; p++)
    {
      if (*p == '"' || *p == '\\')
        g_string_append_c (out, '\\');
      g_string_append_c (out, *p);
    }
  g_string_append_c (out, '"');
}

/* A string in Tern's comments: one line, so line breaks are written as \n. */
static void
append_comment_string (GString    *out,
                       const char *text)
{
  g_string_append_c (out, '"');
  for (const char *p = text; *p != '\0'; p++)
    {
      if (*p == '"' || *p == '\\')
        g_string_append_printf (out, "\\%c", *p);
      else if (*p == '\n')
        g_string_append (out, "\\n");
      else if (*p != '\r')
        g_string_append_c (out, *p);
    }
  g_string_append_c (out, '"');
}

static gboolean
valid_size (const char *value)
{
  const char *p = value;

  if (!g_ascii_isdigit (*p))
    return FALSE;
  while (g_ascii_isdigit (*p))
    p++;
  if (*p == 'K' || *p == 'M' || *p == 'G' || *p == 'k' || *p == 'm' || *p == 'g')
    p++;
  return *p == '\0' && strlen (value) <= 12;
}

static gboolean
valid_date (const char *value)
{
  g_autoptr(GDateTime) date = NULL;
  int y, m, d;

  if (value == NULL)
    return TRUE;
  if (strlen (value) != 10 || sscanf (value, "%4d-%2d-%2d", &y, &m, &d) != 3)
    return FALSE;
  date = g_date_time_new_utc (y, m, d, 0, 0, 0);
  return date != NULL;
}

static gboolean
check_rule (const TernSieveRule  *rule,
            GError              **error)
{
  if (rule->name == NULL || *rule->name == '\0')
    {
      g_set_error_literal (error, TERN_SIEVE_RULES_ERROR, TERN_SIEVE_RULES_ERROR_INVALID, "A rule needs a name");
      return FALSE;
    }
  if (rule->actions->len == 0)
    {
      g_set_error (error, TERN_SIEVE_RULES_ERROR, TERN_SIEVE_RULES_ERROR_INVALID,
                   "The rule “%s” does nothing: give it an action", rule->name);
      return FALSE;
    }
  for (guint i = 0; i < rule->conditions->len; i++)
    {
      TernSieveCondition *c = rule->conditions->pdata[i];
      gboolean size_op = c->op == TERN_SIEVE_OP_OVER || c->op == TERN_SIEVE_OP_UNDER;

      if ((c->field == TERN_SIEVE_FIELD_SIZE) != size_op ||
          (c->field == TERN_SIEVE_FIELD_SIZE && !valid_size (c->value)))
        {
          g_set_error (error, TERN_SIEVE_RULES_ERROR, TERN_SIEVE_RULES_ERROR_INVALID,
                       "The rule “%s” has a size condition Tern cannot write (“%s”): use a number with K, M or G",
                       rule->name, c->value);
          return FALSE;
        }
      if (c->field != TERN_SIEVE_FIELD_SIZE && *c->value == '\0')
        {
          g_set_error (error, TERN_SIEVE_RULES_ERROR, TERN_SIEVE_RULES_ERROR_INVALID,
                       "The rule “%s” has a condition without text", rule->name);
          return FALSE;
        }
    }
  for (guint i = 0; i < rule->actions->len; i++)
    {
      TernSieveAction *a = rule->actions->pdata[i];

      if (action_has_arg (a->kind) && (a->arg == NULL || *a->arg == '\0'))
        {
          g_set_error (error, TERN_SIEVE_RULES_ERROR, TERN_SIEVE_RULES_ERROR_INVALID,
                       "The rule “%s” needs a folder or an address for “%s”", rule->name,
                       action_names[a->kind]);
          return FALSE;
        }
    }
  return TRUE;
}

static void
append_condition (GString                  *out,
                  const TernSieveCondition *c)
{
  const char *match = c->op == TERN_SIEVE_OP_IS ? ":is" : ":contains";

  if (c->op == TERN_SIEVE_OP_NOT_CONTAINS)
    g_string_append (out, "not ");
  switch (c->field)
    {
    case TERN_SIEVE_FIELD_FROM:
      g_string_append_printf (out, "address %s \"from\" ", match);
      break;
    case TERN_SIEVE_FIELD_TO:
      g_string_append_printf (out, "address %s [\"to\", \"cc\"] ", match);
      break;
    case TERN_SIEVE_FIELD_SUBJECT:
      g_string_append_printf (out, "header %s \"subject\" ", match);
      break;
    case TERN_SIEVE_FIELD_LIST_ID:
      g_string_append_printf (out, "header %s \"list-id\" ", match);
      break;
    case TERN_SIEVE_FIELD_SIZE:
      g_string_append_printf (out, "size %s %s", c->op == TERN_SIEVE_OP_OVER ? ":over" : ":under", c->value);
      return;
    default:
      g_assert_not_reached ();
    }
  _tern_sieve_append_quoted (out, c->value);
}

/* Flags before filing (imap4flags applies the flags set so far to the copy filed), then
 * redirect and fileinto, then stop. */
static int
action_rank (TernSieveActionKind kind)
{
  switch (kind)
    {
    case TERN_SIEVE_ACTION_MARK_READ:
    case TERN_SIEVE_ACTION_FLAG:
      return 0;
    case TERN_SIEVE_ACTION_FORWARD:
      return 1;
    case TERN_SIEVE_ACTION_FILE_INTO:
    case TERN_SIEVE_ACTION_TRASH:
      return 2;
    case TERN_SIEVE_ACTION_STOP:
    default:
      return 3;
    }
}

static void
append_rule (GString             *out,
             const TernSieveRule *rule)
{
  g_string_append (out, "# rule ");
  append_comment_string (out, rule->name);
  g_string_append_printf (out, " %s %s\n", rule->enabled ? "on" : "off", rule->match_any ? "any" : "all");
  for (guint i = 0; i < rule->conditions->len; i++)
    {
      TernSieveCondition *c = rule->conditions->pdata[i];

      g_string_append_printf (out, "#  if %s %s ", field_names[c->field], op_names[c->op]);
      append_comment_string (out, c->value);
      g_string_append_c (out, '\n');
    }
  for (guint i = 0; i < rule->actions->len; i++)
    {
      TernSieveAction *a = rule->actions->pdata[i];

      g_string_append_printf (out, "#  do %s", action_names[a->kind]);
      if (action_has_arg (a->kind))
        {
          g_string_append_c (out, ' ');
          append_comment_string (out, a->arg);
        }
      g_string_append_c (out, '\n');
    }
  if (!rule->enabled)
    {
      g_string_append_c (out, '\n');
      return;
    }

  if (rule->conditions->len == 0)
    g_string_append (out, "if true {\n");
  else if (rule->conditions->len == 1)
    {
      g_string_append (out, "if ");
      append_condition (out, rule->conditions->pdata[0]);
      g_string_append (out, " {\n");
    }
  else
    {
      g_string_append (out, rule->match_any ? "if anyof (" : "if allof (");
      for (guint i = 0; i < rule->conditions->len; i++)
        {
          if (i > 0)
            g_string_append (out, ", ");
          append_condition (out, rule->conditions->pdata[i]);
        }
      g_string_append (out, ") {\n");
    }
  for (int rank = 0; rank <= 3; rank++)
    for (guint i = 0; i < rule->actions->len; i++)
      {
        TernSieveAction *a = rule->actions->pdata[i];

        if (action_rank (a->kind) != rank)
          continue;
        switch (a->kind)
          {
          case TERN_SIEVE_ACTION_MARK_READ:
            g_string_append (out, "  addflag \"\\\\Seen\";\n");
            break;
          case TERN_SIEVE_ACTION_FLAG:
            g_string_append (out, "  addflag \"\\\\Flagged\";\n");
            break;
          case TERN_SIEVE_ACTION_FORWARD:
            g_string_append (out, "  redirect :copy ");
            _tern_sieve_append_quoted (out, a->arg);
            g_string_append (out, ";\n");
            break;
          case TERN_SIEVE_ACTION_FILE_INTO:
          case TERN_SIEVE_ACTION_TRASH:
            g_string_append (out, "  fileinto ");
            _tern_sieve_append_quoted (out, a->arg);
            g_string_append (out, ";\n");
            break;
          case TERN_SIEVE_ACTION_STOP:
            g_string_append (out, "  stop;\n");
            break;
          default:
            g_assert_not_reached ();
          }
      }
  g_string_append (out, "}\n\n");
}

static void
append_vacation (GString                 *out,
                 const TernSieveVacation *v)
{
  g_string_append_printf (out, "# vacation %s days=%u", v->enabled ? "on" : "off", v->days);
  if (v->start != NULL)
    g_string_append_printf (out, " start=%s", v->start);
  if (v->end != NULL)
    g_string_append_printf (out, " end=%s", v->end);
  if (v->addresses != NULL && v->addresses[0] != NULL)
    {
      g_autofree char *joined = g_strjoinv (",", v->addresses);

      g_string_append (out, " addresses=");
      append_comment_string (out, joined);
    }
  g_string_append (out, " subject=");
  append_comment_string (out, v->subject ? v->subject : "");
  g_string_append (out, " body=");
  append_comment_string (out, v->body ? v->body : "");
  g_string_append_c (out, '\n');
  if (!v->enabled)
    {
      g_string_append_c (out, '\n');
      return;
    }
  if (v->start != NULL || v->end != NULL)
    {
      g_string_append (out, "if allof (");
      if (v->start != NULL)
        g_string_append_printf (out, "currentdate :value \"ge\" \"date\" \"%s\"%s", v->start,
                                v->end != NULL ? ", " : "");
      if (v->end != NULL)
        g_string_append_printf (out, "currentdate :value \"le\" \"date\" \"%s\"", v->end);
      g_string_append (out, ") {\n  ");
    }
  g_string_append_printf (out, "vacation :days %u :subject ", v->days);
  _tern_sieve_append_quoted (out, v->subject ? v->subject : "");
  if (v->addresses != NULL && v->addresses[0] != NULL)
    {
      g_string_append (out, " :addresses [");
      for (guint i = 0; v->addresses[i] != NULL; i++)
        {
          if (i > 0)
            g_string_append (out, ", ");
          _tern_sieve_append_quoted (out, v->addresses[i]);
        }
      g_string_append_c (out, ']');
    }
  g_string_append_c (out, ' ');
  _tern_sieve_append_quoted (out, v->body ? v->body : "");
  g_string_append (out, ";\n");
  if (v->start != NULL || v->end != NULL)
    g_string_append (out, "}\n");
  g_string_append_c (out, '\n');
}

GStrv
tern_sieve_rules_dup_extensions (const TernSieveRules *rules)
{
  gboolean fileinto = FALSE, flags = FALSE, copy = FALSE, vacation = FALSE, dates = FALSE;
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();

  for (guint i = 0; i < rules->rules->len; i++)
    {
      TernSieveRule *rule = rules->rules->pdata[i];

      if (!rule->enabled)
        continue;
      for (guint j = 0; j < rule->actions->len; j++)
        {
          TernSieveAction *a = rule->actions->pdata[j];

          fileinto |= a->kind == TERN_SIEVE_ACTION_FILE_INTO || a->kind == TERN_SIEVE_ACTION_TRASH;
          flags |= a->kind == TERN_SIEVE_ACTION_MARK_READ || a->kind == TERN_SIEVE_ACTION_FLAG;
          copy |= a->kind == TERN_SIEVE_ACTION_FORWARD;
        }
    }
  if (rules->vacation != NULL && rules->vacation->enabled)
    {
      vacation = TRUE;
      dates = rules->vacation->start != NULL || rules->vacation->end != NULL;
    }
  if (fileinto)
    g_strv_builder_add (builder, "fileinto");
  if (flags)
    g_strv_builder_add (builder, "imap4flags");
  if (copy)
    g_strv_builder_add (builder, "copy");
  if (vacation)
    g_strv_builder_add (builder, "vacation");
  if (dates)
    {
      g_strv_builder_add (builder, "date");
      g_strv_builder_add (builder, "relational");
    }
  return g_strv_builder_end (builder);
}

char *
tern_sieve_rules_to_script (const TernSieveRules  *rules,
                            GError               **error)
{
  g_autoptr(GString) out = g_string_new (HEADER "\n");
  g_auto(GStrv) extensions = NULL;

  for (guint i = 0; i < rules->rules->len; i++)
    {
      TernSieveRule *rule = rules->rules->pdata[i];

      if (!check_rule (rule, error))
        return NULL;
      for (guint j = 0; j < i; j++)
        if (g_str_equal (((TernSieveRule *) rules->rules->pdata[j])->name, rule->name))
          {
            g_set_error (error, TERN_SIEVE_RULES_ERROR, TERN_SIEVE_RULES_ERROR_INVALID,
                         "Two rules are named “%s”", rule->name);
            return NULL;
          }
    }
  if (rules->vacation != NULL)
    {
      const TernSieveVacation *v = rules->vacation;

      if (!valid_date (v->start) || !valid_date (v->end) || v->days < 1 || v->days > 30 ||
          (v->enabled && (v->body == NULL || *v->body == '\0')))
        {
          g_set_error_literal (error, TERN_SIEVE_RULES_ERROR, TERN_SIEVE_RULES_ERROR_INVALID,
                               "The vacation reply needs a message, dates as YYYY-MM-DD and 1 to 30 days between replies");
          return NULL;
        }
    }

  extensions = tern_sieve_rules_dup_extensions (rules);
  if (extensions[0] != NULL)
    {
      g_string_append (out, "require [");
      for (guint i = 0; extensions[i] != NULL; i++)
        g_string_append_printf (out, "%s\"%s\"", i > 0 ? ", " : "", extensions[i]);
      g_string_append (out, "];\n");
    }
  g_string_append_c (out, '\n');
  if (rules->vacation != NULL)
    append_vacation (out, rules->vacation);
  for (guint i = 0; i < rules->rules->len; i++)
    append_rule (out, rules->rules->pdata[i]);
  return g_string_free (g_steal_pointer (&out), FALSE);
}

/* Reading Tern's comments back */

/* Words and comment strings of one comment line. */
static GStrv
split_comment (const char *line)
{
  g_autoptr(GStrvBuilder) words = g_strv_builder_new ();
  const char *p = line;

  while (*p != '\0')
    {
      GString *word;

      if (*p == ' ')
        {
          p++;
          continue;
        }
      word = g_string_new (NULL);
      while (*p != '\0' && *p != ' ')
        {
          if (*p == '"')
            {
              for (p++; *p != '\0' && *p != '"'; p++)
                {
                  if (*p == '\\' && p[1] != '\0')
                    {
                      p++;
                      g_string_append_c (word, *p == 'n' ? '\n' : *p);
                    }
                  else
                    g_string_append_c (word, *p);
                }
              if (*p == '"')
                p++;
            }
          else
            g_string_append_c (word, *p++);
        }
      g_strv_builder_add (words, word->str);
      g_string_free (word, TRUE);
    }
  return g_strv_builder_end (words);
}

static int
name_index (const char * const *names,
            guint               n,
            const char         *name)
{
  for (guint i = 0; i < n; i++)
    if (g_strcmp0 (names[i], name) == 0)
      return (int) i;
  return -1;
}

static gboolean
foreign (GError     **error,
         const char  *why)
{
  g_set_error (error, TERN_SIEVE_RULES_ERROR, TERN_SIEVE_RULES_ERROR_FOREIGN,
               "These rules were not made in Tern (%s): they can be edited as a script", why);
  return FALSE;
}

static gboolean
parse_vacation (TernSieveRules  *rules,
                char           **words,
                GError         **error)
{
  TernSieveVacation *v = g_new0 (TernSieveVacation, 1);

  tern_sieve_vacation_free (rules->vacation);
  rules->vacation = v;
  v->enabled = g_strcmp0 (words[1], "on") == 0;
  for (guint i = 2; words[1] != NULL && words[i] != NULL; i++)
    {
      char *eq = strchr (words[i], '=');

      if (eq == NULL)
        return foreign (error, "a vacation line Tern does not know");
      *eq = '\0';
      if (g_str_equal (words[i], "days"))
        v->days = (guint) g_ascii_strtoull (eq + 1, NULL, 10);
      else if (g_str_equal (words[i], "start"))
        v->start = g_strdup (eq + 1);
      else if (g_str_equal (words[i], "end"))
        v->end = g_strdup (eq + 1);
      else if (g_str_equal (words[i], "subject"))
        v->subject = g_strdup (eq + 1);
      else if (g_str_equal (words[i], "addresses"))
        v->addresses = g_strsplit (eq + 1, ",", -1);
      else if (g_str_equal (words[i], "body"))
        v->body = g_strdup (eq + 1);
      else
        return foreign (error, "a vacation line Tern does not know");
    }
  return TRUE;
}

static char *
normalize_script (const char *script)
{
  GString *out = g_string_new (NULL);

  for (const char *p = script; *p != '\0'; p++)
    if (*p != '\r')
      g_string_append_c (out, *p);
  while (out->len > 0 && g_ascii_isspace (out->str[out->len - 1]))
    g_string_truncate (out, out->len - 1);
  return g_string_free (out, FALSE);
}

TernSieveRules *
tern_sieve_rules_from_script (const char  *script,
                              GError     **error)
{
  g_autoptr(TernSieveRules) rules = tern_sieve_rules_new ();
  g_autofree char *normal = normalize_script (script ? script : "");
  g_auto(GStrv) lines = NULL;
  g_autofree char *again = NULL;
  g_autofree char *again_normal = NULL;
  TernSieveRule *rule = NULL;

  if (*normal == '\0')
    {
      /* Nothing on the server yet. */
      return g_steal_pointer (&rules);
    }
  if (!g_str_has_prefix (normal, HEADER))
    {
      foreign (error, "they do not start with Tern's heading");
      return NULL;
    }
  lines = g_strsplit (normal, "\n", -1);
  for (guint i = 1; lines[i] != NULL; i++)
    {
      g_auto(GStrv) words = NULL;

      if (!g_str_has_prefix (lines[i], "#"))
        continue;
      words = split_comment (lines[i] + 1);
      if (words[0] == NULL)
        continue;
      if (g_str_equal (words[0], "vacation"))
        {
          if (!parse_vacation (rules, words, error))
            return NULL;
        }
      else if (g_str_equal (words[0], "rule") && words[1] != NULL && words[2] != NULL && words[3] != NULL)
        {
          rule = tern_sieve_rule_new (words[1]);
          rule->enabled = g_str_equal (words[2], "on");
          rule->match_any = g_str_equal (words[3], "any");
          g_ptr_array_add (rules->rules, rule);
        }
      else if (g_str_equal (words[0], "if") && rule != NULL && words[1] && words[2] && words[3])
        {
          int field = name_index (field_names, G_N_ELEMENTS (field_names), words[1]);
          int op = name_index (op_names, G_N_ELEMENTS (op_names), words[2]);

          if (field < 0 || op < 0)
            {
              foreign (error, "a condition Tern does not know");
              return NULL;
            }
          tern_sieve_rule_add_condition (rule, field, op, words[3]);
        }
      else if (g_str_equal (words[0], "do") && rule != NULL && words[1] != NULL)
        {
          int kind = name_index (action_names, G_N_ELEMENTS (action_names), words[1]);

          if (kind < 0 || (action_has_arg (kind) && words[2] == NULL))
            {
              foreign (error, "an action Tern does not know");
              return NULL;
            }
          tern_sieve_rule_add_action (rule, kind, action_has_arg (kind) ? words[2] : NULL);
        }
      else
        {
          foreign (error, "a comment Tern did not write");
          return NULL;
        }
    }

  /* Whatever the comments say, the Sieve is what runs: it must be exactly what Tern writes
   * for them, or someone changed it by hand. */
  again = tern_sieve_rules_to_script (rules, NULL);
  again_normal = again ? normalize_script (again) : NULL;
  if (again_normal == NULL || !g_str_equal (again_normal, normal))
    {
      foreign (error, "they were changed by hand");
      return NULL;
    }
  return g_steal_pointer (&rules);
}

/* In words */

char *
tern_sieve_rule_describe (const TernSieveRule *rule)
{
  static const char * const fields[] = { "From", "To or Cc", "Subject", "List-Id", "Size" };
  static const char * const ops[] = { "contains", "does not contain", "is", "is over", "is under" };
  GString *out = g_string_new (NULL);

  if (rule->conditions->len == 0)
    g_string_append (out, "Every message");
  for (guint i = 0; i < rule->conditions->len; i++)
    {
      TernSieveCondition *c = rule->conditions->pdata[i];

      if (i > 0)
        g_string_append (out, rule->match_any ? " or " : " and ");
      if (c->field == TERN_SIEVE_FIELD_SIZE)
        g_string_append_printf (out, "%s %s %s", fields[c->field], ops[c->op], c->value);
      else
        g_string_append_printf (out, "%s %s “%s”", fields[c->field], ops[c->op], c->value);
    }
  g_string_append (out, " →");
  for (guint i = 0; i < rule->actions->len; i++)
    {
      TernSieveAction *a = rule->actions->pdata[i];

      g_string_append (out, i > 0 ? ", " : " ");
      switch (a->kind)
        {
        case TERN_SIEVE_ACTION_FILE_INTO: g_string_append_printf (out, "file into “%s”", a->arg); break;
        case TERN_SIEVE_ACTION_MARK_READ: g_string_append (out, "mark as read"); break;
        case TERN_SIEVE_ACTION_FLAG: g_string_append (out, "star"); break;
        case TERN_SIEVE_ACTION_FORWARD: g_string_append_printf (out, "forward to %s", a->arg); break;
        case TERN_SIEVE_ACTION_TRASH: g_string_append_printf (out, "move to “%s”", a->arg); break;
        case TERN_SIEVE_ACTION_STOP: g_string_append (out, "stop"); break;
        default: break;
        }
    }
  if (!rule->enabled)
    g_string_append (out, " (off)");
  return g_string_free (out, FALSE);
}
