/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/*
 * Rules as people make them ("mail from the CI goes to Builds, marked read"; a vacation reply)
 * and the Sieve script (RFC 5228) that carries them to the server. The script Tern writes
 * describes each rule in a comment as well as in Sieve, so Tern reads its own rules back; a
 * script that Tern did not write, or that was changed by hand, is not Tern's
 * (TERN_SIEVE_RULES_ERROR_FOREIGN) and is only shown and edited as text.
 */

#define TERN_SIEVE_RULES_ERROR (tern_sieve_rules_error_quark ())

typedef enum
{
  TERN_SIEVE_RULES_ERROR_FOREIGN,      /* not a script Tern wrote (or changed by hand) */
  TERN_SIEVE_RULES_ERROR_INVALID,      /* a rule that cannot be written (an empty name, a bad size) */
  TERN_SIEVE_RULES_ERROR_UNSUPPORTED,  /* the server lacks a Sieve extension the rules need */
} TernSieveRulesError;

GQuark tern_sieve_rules_error_quark (void);

typedef enum
{
  TERN_SIEVE_FIELD_FROM,       /* the From address */
  TERN_SIEVE_FIELD_TO,         /* To or Cc addresses */
  TERN_SIEVE_FIELD_SUBJECT,
  TERN_SIEVE_FIELD_LIST_ID,
  TERN_SIEVE_FIELD_SIZE,       /* with OVER or UNDER and a size ("100K", "2M") */
} TernSieveField;

typedef enum
{
  TERN_SIEVE_OP_CONTAINS,
  TERN_SIEVE_OP_NOT_CONTAINS,
  TERN_SIEVE_OP_IS,
  TERN_SIEVE_OP_OVER,
  TERN_SIEVE_OP_UNDER,
} TernSieveOp;

typedef enum
{
  TERN_SIEVE_ACTION_FILE_INTO,   /* arg: the folder (UTF-8, the server's hierarchy) */
  TERN_SIEVE_ACTION_MARK_READ,
  TERN_SIEVE_ACTION_FLAG,
  TERN_SIEVE_ACTION_FORWARD,     /* arg: an address; a copy stays */
  TERN_SIEVE_ACTION_TRASH,       /* arg: the Trash folder */
  TERN_SIEVE_ACTION_STOP,        /* no later rule applies */
} TernSieveActionKind;

typedef struct
{
  TernSieveField  field;
  TernSieveOp     op;
  char           *value;
} TernSieveCondition;

typedef struct
{
  TernSieveActionKind  kind;
  char                *arg;
} TernSieveAction;

typedef struct
{
  char      *name;
  gboolean   enabled;
  gboolean   match_any;    /* any condition (anyof) rather than all (allof) */
  GPtrArray *conditions;   /* TernSieveCondition; none: every message */
  GPtrArray *actions;      /* TernSieveAction, at least one */
} TernSieveRule;

typedef struct
{
  gboolean  enabled;
  char     *subject;
  char     *body;
  char     *start;          /* "YYYY-MM-DD" or NULL: from now */
  char     *end;            /* "YYYY-MM-DD" or NULL: until turned off */
  guint     days;           /* one reply per sender in this many days (1..30) */
  GStrv     addresses;      /* the user's own addresses (the account's and its aliases): mail
                             * sent to one of them is answered (RFC 5230 4.5), or NULL */
} TernSieveVacation;

typedef struct
{
  GPtrArray         *rules;     /* TernSieveRule, in order */
  TernSieveVacation *vacation;  /* NULL: none */
} TernSieveRules;

TernSieveRules *tern_sieve_rules_new          (void);
void            tern_sieve_rules_free         (TernSieveRules *rules);
TernSieveRule  *tern_sieve_rule_new           (const char     *name);
void            tern_sieve_rule_free          (TernSieveRule  *rule);
void            tern_sieve_rule_add_condition (TernSieveRule  *rule,
                                               TernSieveField  field,
                                               TernSieveOp     op,
                                               const char     *value);
void            tern_sieve_rule_add_action    (TernSieveRule       *rule,
                                               TernSieveActionKind  kind,
                                               const char          *arg);
void            tern_sieve_vacation_free      (TernSieveVacation *vacation);
TernSieveRule  *tern_sieve_rules_find         (TernSieveRules *rules,
                                               const char     *name);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TernSieveRules, tern_sieve_rules_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TernSieveRule, tern_sieve_rule_free)

/* The script, or NULL when a rule cannot be written (an empty name, no action, a bad size). */
char           *tern_sieve_rules_to_script    (const TernSieveRules  *rules,
                                               GError               **error);
/* The rules of a script Tern wrote; an empty script is no rules. */
TernSieveRules *tern_sieve_rules_from_script  (const char            *script,
                                               GError               **error);
/* The Sieve extensions the rules need ("fileinto", "imap4flags", ...). (transfer full) */
GStrv           tern_sieve_rules_dup_extensions (const TernSieveRules *rules);

/* A rule in words: "From contains “ci@example.org” → file into “Builds”, mark as read". */
char           *tern_sieve_rule_describe      (const TernSieveRule *rule);

G_END_DECLS
