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
 *
 * connect(): TCP (the settings' timeout is the connect timeout and, on the GSocket,
 * the per-read inactivity timeout), TLS verified against the system CAs or ca_file
 * (hostname included; a pinned SHA-256 accepts that one certificate anyway; TLS >= 1.2),
 * the greeting, STARTTLS if asked for (refused with INSECURE if not offered), and a
 * capability list read inside TLS. One connect per object: make a new one to reconnect.
 * Errors: CONFIG (unknown host, not TLS), OFFLINE (refused, unreachable, timeout),
 * CERTIFICATE (dup_peer_sha256() / dup_peer_description() then describe the refused
 * certificate), INSECURE, G_IO_ERROR_CANCELLED.
 *
 * login(): SCRAM-SHA-256 if offered (the server's signature is verified), else
 * AUTHENTICATE PLAIN, else LOGIN; never on an unencrypted connection (INSECURE,
 * nothing sent). Wrong password: AUTH with the server's text; the connection stays
 * usable. Then the capability list is re-read and QRESYNC enabled if offered. TRUE
 * at once after a PREAUTH greeting.
 *
 * check(): turns a libetpan return code into a GError. STREAM, PARSE, PROTOCOL (except
 * a tagged BAD), FATAL: the connection is dead (later calls fail at once, libetpan's
 * too, since the driver refuses I/O) and the error is the real cause (OFFLINE for a
 * timeout, TRANSIENT for a dropped connection, G_IO_ERROR_CANCELLED). A NO or BAD:
 * PERMANENT "<what> failed: <server text>", NO_SUCH_FOLDER for [TRYCREATE],
 * [NONEXISTENT] or a "mailbox doesn't exist" text (Dovecot 2.3 sends no code there).
 *
 * raw_command(): one command line without tag and CRLF; no synchronising literals.
 * The responses are parsed by libetpan into session->imap_response_info /
 * imap_selection_info (valid until the next command). A command starting with SELECT
 * or EXAMINE gets a fresh selection info and sets imap_state like libetpan's SELECT.
 *
 * IDLE: idle_start() sends IDLE and waits for "+" (news sent before it is kept);
 * idle_wait() returns 1 when there is something to read (also when the connection
 * died or was cancelled: idle_done() then reports it), 0 after timeout_ms, -1 when
 * interrupt is cancelled (may be done from another thread); idle_done() sends DONE and
 * parses everything through the tagged OK (EXISTS in imap_selection_info; FETCH,
 * EXPUNGE, VANISHED in imap_response_info). No other command may be sent in between.
 *
 * close(): LOGOUT (3 s at most), or just closes the socket if the connection is dead.
 * free() closes first if needed. Counters count this connection's bytes and the reads
 * that followed a write (round trips).
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
 * success *modseq_out (may be NULL) gets HIGHESTMODSEQ, 0 for NOMODSEQ or none.
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
                                                            guint64               *modseq_out,
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
