/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "tern-store.h"

G_BEGIN_DECLS

/*
 * Identities: the addresses a user writes from. Every account has a default identity, its
 * own email; aliases are stored rows with an address, and optionally a name, a Reply-To and
 * a signature. A stored row with the account's own address gives the default identity those.
 *
 * Same thread rules as TernStore: one thread per store.
 */

typedef struct
{
  gint64    id;          /* 0: the account's own address, with nothing stored for it */
  gint64    account_id;
  char     *name;        /* NULL: none (the composer uses the session's real name) */
  char     *address;
  char     *reply_to;    /* NULL: none */
  char     *signature;   /* NULL: none; without the "-- " line */
  gboolean  is_default;  /* the account's own address */
} TernIdentity;

void          tern_identity_free (TernIdentity *identity);
TernIdentity *tern_identity_copy (const TernIdentity *identity) G_GNUC_WARN_UNUSED_RESULT;
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TernIdentity, tern_identity_free)

/* The account's identities, the default first, then the others in position order.
 * (transfer full) (element-type TernIdentity) */
GPtrArray    *tern_identity_list       (TernStore           *store,
                                        gint64               account_id,
                                        GError             **error) G_GNUC_WARN_UNUSED_RESULT;
/* Every account's identities, accounts in their listing order. (transfer full) */
GPtrArray    *tern_identity_list_all   (TernStore           *store,
                                        GError             **error) G_GNUC_WARN_UNUSED_RESULT;
/* The account's identity with that address (case-insensitive), or NULL (no error) if none. */
TernIdentity *tern_identity_find       (TernStore           *store,
                                        gint64               account_id,
                                        const char          *address,
                                        GError             **error) G_GNUC_WARN_UNUSED_RESULT;
/* Adds one after the others (identity->id and is_default are ignored). TERN_STORE_ERROR_EXISTS
 * if the account has one with that address stored already; NOT_FOUND without the account. */
gboolean      tern_identity_add        (TernStore           *store,
                                        const TernIdentity  *identity,
                                        gint64              *id_out,
                                        GError             **error);
/* Stores the fields of identity->id (an id of 0 stores the default one). */
gboolean      tern_identity_update     (TernStore           *store,
                                        const TernIdentity  *identity,
                                        GError             **error);
/* NOT_FOUND if there is no such stored identity. */
gboolean      tern_identity_remove     (TernStore           *store,
                                        gint64               id,
                                        GError             **error);
/* Every address of every identity of every account (the user's own addresses).
 * (transfer full) */
GStrv         tern_identity_dup_all_addresses (TernStore    *store) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS
