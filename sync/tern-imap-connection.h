/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>
#include <libetpan/libetpan.h>

#include "tern-sync-error.h"

G_BEGIN_DECLS

typedef enum
{
  TERN_IMAP_SECURITY_TLS,      /* implicit TLS (port 993) */
  TERN_IMAP_SECURITY_STARTTLS, /* plain connect, then STARTTLS (port 143) */
  TERN_IMAP_SECURITY_NONE,     /* never sends a password */
} TernImapSecurity;

/* Plain settings; tern_imap_connection_new() copies every string. */
typedef struct
{
  const char       *host;
  guint16           port;
  TernImapSecurity  security;
  const char       *user;
  const char       *ca_file;       /* PEM trust anchors used instead of the system CAs, or NULL */
  const char       *pinned_sha256; /* hex SHA-256 of a DER leaf certificate the user accepted, or NULL */
  guint             timeout_seconds; /* per-read inactivity timeout; 0 = 30 s */
} TernImapSettings;

/*
 * One IMAP connection, owned by one thread. Every call blocks, except
 * tern_imap_connection_cancel(), which may be called from any thread.
 */
typedef struct _TernImapConnection TernImapConnection;

TernImapConnection *tern_imap_connection_new              (const TernImapSettings *settings);
void                tern_imap_connection_free             (TernImapConnection     *self);

gboolean            tern_imap_connection_connect          (TernImapConnection     *self,
                                                           GError                **error);
gboolean            tern_imap_connection_login            (TernImapConnection     *self,
                                                           const char             *password,
                                                           GError                **error);
void                tern_imap_connection_cancel           (TernImapConnection     *self);
void                tern_imap_connection_close            (TernImapConnection     *self);

mailimap           *tern_imap_connection_get_session      (TernImapConnection     *self);
gboolean            tern_imap_connection_is_encrypted     (TernImapConnection     *self);
gboolean            tern_imap_connection_has_capability   (TernImapConnection     *self,
                                                           const char             *name);
char               *tern_imap_connection_dup_peer_sha256  (TernImapConnection     *self) G_GNUC_WARN_UNUSED_RESULT;
char               *tern_imap_connection_dup_peer_description (TernImapConnection *self) G_GNUC_WARN_UNUSED_RESULT;

gboolean            tern_imap_connection_check            (TernImapConnection     *self,
                                                           int                     r,
                                                           const char             *what,
                                                           GError                **error);
gboolean            tern_imap_connection_raw_command      (TernImapConnection     *self,
                                                           const char             *command,
                                                           GError                **error);

gboolean            tern_imap_connection_idle_start       (TernImapConnection     *self,
                                                           GError                **error);
int                 tern_imap_connection_idle_wait        (TernImapConnection     *self,
                                                           guint                   timeout_ms,
                                                           GCancellable           *interrupt);
gboolean            tern_imap_connection_idle_done        (TernImapConnection     *self,
                                                           GError                **error);

guint64             tern_imap_connection_get_bytes_read    (TernImapConnection    *self);
guint64             tern_imap_connection_get_bytes_written (TernImapConnection    *self);
guint               tern_imap_connection_get_round_trips   (TernImapConnection    *self);

/*
 * Additions to the fixed API above.
 *
 * select(): SELECT through libetpan (with "(CONDSTORE)" if condstore is TRUE). On
 * success *highestmodseq_out (may be NULL) gets HIGHESTMODSEQ, 0 for NOMODSEQ or none.
 * The selection info is in session->imap_selection_info.
 *
 * select_qresync(): SELECT mailbox (QRESYNC (uidvalidity modseq [known_uids])), sent
 * raw because libetpan's mailimap_select_qresync drops the outer parentheses. mailbox
 * is already modified-UTF-7; known_uids is an IMAP sequence set ("1:100,205") or NULL.
 * Needs is_qresync_enabled(). Results as after any command: VANISHED (EARLIER) and
 * FETCH in session->imap_response_info, the rest in session->imap_selection_info.
 *
 * get_highestmodseq(): HIGHESTMODSEQ from the last response (SELECT, or a tagged OK
 * code), 0 if it carried none or said NOMODSEQ.
 */
gboolean            tern_imap_connection_select            (TernImapConnection    *self,
                                                            const char            *mailbox,
                                                            gboolean               condstore,
                                                            guint64               *highestmodseq_out,
                                                            GError               **error);
gboolean            tern_imap_connection_select_qresync    (TernImapConnection    *self,
                                                            const char            *mailbox,
                                                            guint32                uidvalidity,
                                                            guint64                modseq,
                                                            const char            *known_uids,
                                                            GError               **error);
gboolean            tern_imap_connection_is_qresync_enabled (TernImapConnection   *self);
guint64             tern_imap_connection_get_highestmodseq (TernImapConnection    *self);

G_END_DECLS
