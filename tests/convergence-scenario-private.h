/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The convergence scenario's model, shared by its three files: convergence-scenario.c (the
 * model, the server snapshots and attaching a cache), convergence-scenario-actions.c (Tern's
 * offline actions and the other client's) and convergence-scenario-check.c (the oracle's
 * replay of the journal and the checks). */

#pragma once

#include "convergence-scenario.h"

G_BEGIN_DECLS

#define GONE (-1)

typedef struct
{
  guint32  uid;
  char    *mid;
  char    *flags;
} Snap;

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

char        *flags_apply       (const char *flags, const char *add, const char *remove);
char        *random_flags      (GRand *rand, double p);
const char  *random_flag       (GRand *rand);
Inst        *inst_new          (Scenario *self, const char *mid, int folder, const char *flags);
Inst        *inst_get          (Scenario *self, guint oid);
Local       *local_get         (Scenario *self, gint64 lid);
Local       *local_add         (Scenario *self, gint64 lid, guint oid, int folder, const char *flags, const char *mid);
const char  *folder_name       (Scenario *self, int folder);
gboolean     client_select     (Scenario *self, const char *folder, gboolean rw, guint *exists, GError **error);
gboolean     client_unselect   (Scenario *self, GError **error);
char        *message_text      (const char *mid, const char *subject);
gboolean     client_append     (Scenario *self, int folder, const char *mid, const char *flags, GError **error);
guint32      copyuid_dest      (const char *response);
GPtrArray   *server_snapshot   (Scenario *self, const char *folder, GError **error);
gboolean     compare_multisets (GPtrArray *expected, GPtrArray *actual, const char *what, GString *report);
GArray      *visible_lids      (Scenario *self, int folder);

G_END_DECLS
