/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

#include "tern-cli-common.h"
#include "tern-mail-service.h"
#include "tern-store.h"

G_BEGIN_DECLS

/*
 * tern-cli's commands, by group: tern-cli-account.c (account), tern-cli-sync.c (sync,
 * status, watch), tern-cli-read.c (folders, list, show, fetch, search), tern-cli-actions.c
 * (offline actions, folders, append, pending), tern-cli-export.c (export,
 * offline-policy), tern-cli-outbox.c (send, outbox, draft, smtp, identity). tern-cli.c
 * parses the global options and dispatches; tern-cli-format.c holds what they share.
 * Each command gets argv with argv[0] the command and returns the exit status.
 */

typedef struct
{
  char      *data_dir;
  gboolean   json;
  gboolean   offline;
  gboolean   bodies;
  int        timeout;
  TernStore *store;
} Cli;

/* tern-cli-format.c */
void         tern_cli_json_key           (GString           *out,
                                          const char        *key,
                                          gboolean           first);
void         tern_cli_json_flags         (GString           *out,
                                          const char        *flags);
/* ISO 8601 in UTC, NULL for 0. (transfer full) */
char        *tern_cli_format_date        (gint64             unix_time);
/* "%Y-%m-%d %H:%M" local, "never" for 0. (transfer full) */
char        *tern_cli_format_local_date  (gint64             unix_time);
char        *tern_cli_format_from        (const TernMessage *m);
void         tern_cli_message_json       (GString           *out,
                                          const TernMessage *m);
/* Opens the cache into cli->store. */
gboolean     tern_cli_ensure_store       (Cli               *cli,
                                          GError           **error);

/* tern-cli-contacts.c */
int          cmd_contacts                (Cli               *cli,
                                          int                argc,
                                          char             **argv);

/* tern-cli-account.c */
int          cmd_account                 (Cli               *cli,
                                          int                argc,
                                          char             **argv);
int          cmd_account_set             (Cli               *cli,
                                          int                argc,
                                          char             **argv);

/* tern-cli-account-setup.c */
int          cmd_account_discover        (Cli               *cli,
                                          int                argc,
                                          char             **argv);
int          cmd_account_add             (Cli               *cli,
                                          int                argc,
                                          char             **argv);
int          cmd_account_edit            (Cli               *cli,
                                          int                argc,
                                          char             **argv);

/* tern-cli-sync.c */
int          cmd_sync                    (Cli               *cli,
                                          int                argc,
                                          char             **argv);
int          cmd_status                  (Cli               *cli,
                                          int                argc,
                                          char             **argv);
int          cmd_watch                   (Cli               *cli,
                                          int                argc,
                                          char             **argv);

/* tern-cli-read.c */
void         tern_cli_print_folders      (Cli               *cli,
                                          const TernAccount *account,
                                          GPtrArray         *folders,
                                          GString           *out,
                                          gboolean           with_account,
                                          gboolean          *first);
int          cmd_folders                 (Cli               *cli,
                                          int                argc,
                                          char             **argv);
int          cmd_list                    (Cli               *cli,
                                          int                argc,
                                          char             **argv);
int          cmd_show                    (Cli               *cli,
                                          int                argc,
                                          char             **argv);
int          cmd_fetch                   (Cli               *cli,
                                          int                argc,
                                          char             **argv);
int          cmd_search                  (Cli               *cli,
                                          int                argc,
                                          char             **argv);

/* tern-cli-actions.c */
/* One call of the mail service over every message named (account: the first one's). */
typedef guint (*MessageActionFunc) (Cli               *cli,
                                    TernMailService   *service,
                                    const TernAccount *account,
                                    GArray            *ids,
                                    gpointer           data,
                                    GError           **error);

TernAccount *tern_cli_account_of_message (Cli               *cli,
                                          gint64             message_id,
                                          GError           **error);
TernFolder  *tern_cli_folder_named       (Cli               *cli,
                                          const TernAccount *account,
                                          const char        *name,
                                          GError           **error);
/* Applies func to each message ID in argv[first..], all or nothing, then replays. */
int          message_action              (Cli               *cli,
                                          int                argc,
                                          char             **argv,
                                          int                first,
                                          MessageActionFunc  func,
                                          gpointer           data);
guint        archive_cb                  (Cli               *cli,
                                          TernMailService   *service,
                                          const TernAccount *account,
                                          GArray            *ids,
                                          gpointer           data,
                                          GError           **error);
int          cmd_flags                   (Cli               *cli,
                                          int                argc,
                                          char             **argv,
                                          const char        *add,
                                          const char        *remove);
int          cmd_tag                     (Cli               *cli,
                                          int                argc,
                                          char             **argv);
int          cmd_transfer                (Cli               *cli,
                                          int                argc,
                                          char             **argv,
                                          gboolean           copy);
int          cmd_delete                  (Cli               *cli,
                                          int                argc,
                                          char             **argv);
int          cmd_empty                   (Cli               *cli,
                                          int                argc,
                                          char             **argv,
                                          gboolean           only_deleted);
int          cmd_folder                  (Cli               *cli,
                                          int                argc,
                                          char             **argv);
int          cmd_append                  (Cli               *cli,
                                          int                argc,
                                          char             **argv);
int          cmd_pending                 (Cli               *cli,
                                          int                argc,
                                          char             **argv);

/* tern-cli-export.c */
int          cmd_export                  (Cli               *cli,
                                          int                argc,
                                          char             **argv);
/* tern-cli-rules.c */
int          cmd_rules                   (Cli               *cli,
                                          int                argc,
                                          char             **argv);

int          cmd_offline_policy          (Cli               *cli,
                                          int                argc,
                                          char             **argv);

G_END_DECLS
