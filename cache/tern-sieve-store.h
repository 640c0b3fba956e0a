/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "tern-store.h"

G_BEGIN_DECLS

/* Where an account's server-side rules live (ManageSieve) and Tern's script for them. */
typedef struct
{
  gint64    account_id;
  char     *host;       /* never NULL: the account's IMAP host unless set */
  guint     port;       /* 4190 unless set */
  gboolean  disabled;   /* the user turned rules off for this account */
  char     *script;     /* the script Tern last wrote, or NULL */
  gboolean  dirty;      /* script has not reached the server yet */
  char     *error;      /* why the last upload failed, or NULL */
  gint64    changed;    /* when script was last changed here (Unix time) */
} TernSieveSettings;

void               tern_sieve_settings_free   (TernSieveSettings *settings);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TernSieveSettings, tern_sieve_settings_free)

TernSieveSettings *tern_sieve_store_get       (TernStore   *store,
                                               gint64       account_id,
                                               GError     **error);
/* host NULL and port 0: the defaults. */
gboolean           tern_sieve_store_set_server (TernStore  *store,
                                               gint64       account_id,
                                               const char  *host,
                                               guint        port,
                                               gboolean     disabled,
                                               GError     **error);
/* A change made here: kept, and marked to be uploaded. */
gboolean           tern_sieve_store_set_script (TernStore  *store,
                                               gint64       account_id,
                                               const char  *script,
                                               GError     **error);
/* The server has script (the one Tern has, when it is unchanged since it was read): clean. */
gboolean           tern_sieve_store_mark_uploaded (TernStore  *store,
                                               gint64       account_id,
                                               const char  *script,
                                               GError     **error);
/* What the server holds, read from it (nothing pending here). */
gboolean           tern_sieve_store_set_server_script (TernStore *store,
                                               gint64       account_id,
                                               const char  *script,
                                               GError     **error);
gboolean           tern_sieve_store_set_error (TernStore   *store,
                                               gint64       account_id,
                                               const char  *message,
                                               GError     **error);
/* Accounts with a change not uploaded yet. */
GArray            *tern_sieve_store_list_dirty (TernStore  *store,
                                               GError     **error);

G_END_DECLS
