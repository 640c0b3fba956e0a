/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "tern-store.h"
#include "tern-vcard.h"

G_BEGIN_DECLS

/* The address book (schema 14): one for all accounts, one row an address (compared without
 * case). Rows are collected from what the user does: every recipient of a message the user
 * sends (counted in `sent`), and the sender of a message the user reads when it was written to
 * the user directly (`received`; never Junk or Trash, a mailing list, a newsletter sent to
 * Bcc, or an automated sender such as noreply@). The user adds, renames, deletes, imports and
 * exports them. Every call is for the connection's own thread. */

typedef struct
{
  gint64    id;
  char     *name;       /* NULL when none is known */
  char     *address;
  guint     sent;       /* messages the user sent to it */
  guint     received;   /* messages from it the user read */
  gint64    last_used;  /* unix time of the newest of them, 0 if none */
  gboolean  added;      /* the user added or imported it */
  double    score;      /* the composer's rank: sent weighs more, recent counts more */
} TernContact;

void         tern_contact_free            (TernContact   *contact);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TernContact, tern_contact_free)

/* Collection. */

/* The recipients of a message the user sends (names[i] may be NULL or ""; addresses not the
 * user's own). message_id ("<...>"): the message counts once however often it is noted (when
 * queued and when found in a Sent folder); NULL: no such check. A deleted contact comes back.
 * Nests in the caller's transaction. */
gboolean     tern_store_note_sent         (TernStore          *self,
                                           const char         *message_id,
                                           const char * const *names,
                                           const char * const *addresses,
                                           gint64              date,
                                           GError            **error);
/* The user read a message: its sender is counted if the message is not in a Junk or Trash
 * folder nor marked $Junk, names one of the account's addresses in To or Cc, is not from an
 * automated sender (noreply, mailer-daemon, bounces, notifications) and was not counted
 * before. *collected_out says whether it was. */
gboolean     tern_store_note_read         (TernStore          *self,
                                           gint64              message_id,
                                           gboolean           *collected_out,
                                           GError            **error);
/* Counts the recipients of up to `limit` messages of the Sent folders not looked at yet
 * (messages sent by Tern are not counted twice); *remaining_out: how many are left. Meant
 * for a thread with its own connection: each batch is one short transaction. */
gboolean     tern_store_scan_sent         (TernStore          *self,
                                           guint               limit,
                                           guint              *remaining_out,
                                           GError            **error);

/* The address book. */

/* Contacts whose address, or a word of whose name, starts with query (case-insensitive;
 * NULL or "": all), without deleted ones. by_rank: best first (the composer), else by name
 * (the contacts page). limit 0: all. (transfer full) array of TernContact */
GPtrArray   *tern_store_list_contacts     (TernStore          *self,
                                           const char         *query,
                                           gboolean            by_rank,
                                           guint               limit,
                                           GError            **error) G_GNUC_WARN_UNUSED_RESULT;
TernContact *tern_store_get_contact       (TernStore          *self,
                                           gint64              id,
                                           GError            **error) G_GNUC_WARN_UNUSED_RESULT;
/* TERN_STORE_ERROR_INVALID for what is not an address, TERN_STORE_ERROR_EXISTS if the
 * address book has it already (a deleted one is brought back instead). */
gint64       tern_store_add_contact       (TernStore          *self,
                                           const char         *name,
                                           const char         *address,
                                           GError            **error);
/* name NULL or "": none. Collection keeps the name the user chose. */
gboolean     tern_store_set_contact_name  (TernStore          *self,
                                           gint64              id,
                                           const char         *name,
                                           GError            **error);
gboolean     tern_store_delete_contact    (TernStore          *self,
                                           gint64              id,
                                           GError            **error);

/* vCards: import adds each address of each card (one transaction; the card's name replaces
 * a collected one). Export writes every contact as one vCard 4.0. */
gboolean     tern_store_import_vcards     (TernStore          *self,
                                           GPtrArray          *cards,
                                           guint              *added_out,
                                           guint              *updated_out,
                                           GError            **error);
char        *tern_store_export_vcards     (TernStore          *self,
                                           guint              *count_out,
                                           GError            **error) G_GNUC_WARN_UNUSED_RESULT;

/* A name as the address book keeps it: whitespace collapsed, surrounding quotes gone, NULL
 * for nothing or for the address itself. (transfer full) */
char        *tern_contact_normalize_name  (const char         *name,
                                           const char         *address) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS
