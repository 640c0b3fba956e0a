/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

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
  gboolean          no_compress;     /* never COMPRESS=DEFLATE, even where offered */
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
 * AUTHENTICATE PLAIN, else LOGIN (unless LOGINDISABLED); when the server says NO to
 * one, the next (a server may advertise SCRAM and fail it); never on an unencrypted
 * connection (INSECURE, nothing sent). set_preferred_mechanism() puts one (that worked
 * before) first; get_mechanism() says which one logged in. Wrong password: AUTH with
 * the server's text; the connection stays usable. Then the capability list is re-read
 * and QRESYNC enabled if offered (a refused ENABLE leaves it off). After a PREAUTH
 * greeting: only the ENABLE.
 *
 * IDLE: idle_start() sends IDLE and waits for "+" (news sent before it is kept);
 * idle_wait() returns 1 when there is something to read (also when the connection
 * died or was cancelled: idle_done() then reports it), 0 after timeout_ms, -1 when
 * interrupt is cancelled (may be done from another thread); idle_done() sends DONE and
 * parses everything through the tagged OK (FETCH responses go to the fetch function,
 * EXISTS, EXPUNGE and VANISHED are read with tern-imap-commands.h as after any command).
 * No other command may be sent in between. idle_wait_any() waits on several idling
 * connections at once (at most 32): the same results, and *ready_out gets a bit (1 << i) for
 * each connection with something to read. had_idle_news(): the last idle_done() read news
 * of the selected mailbox (EXISTS, EXPUNGE, FETCH, VANISHED; not a keepalive "* OK").
 *
 * close(): LOGOUT (3 s at most), or just closes the socket if the connection is dead.
 * free() closes first if needed. Counters count this connection's bytes on the wire
 * (compressed, with COMPRESS) and the reads that followed a write (round trips).
 */
typedef struct _TernImapConnection TernImapConnection;

/* Process-wide set-up (libetpan's globals); once, before any connection is made. Any thread. */
void                tern_imap_global_init                 (void);

TernImapConnection *tern_imap_connection_new              (const TernImapSettings *settings);
void                tern_imap_connection_free             (TernImapConnection     *self);

gboolean            tern_imap_connection_connect          (TernImapConnection     *self,
                                                           GError                **error);
gboolean            tern_imap_connection_login            (TernImapConnection     *self,
                                                           const char             *password,
                                                           GError                **error);
void                tern_imap_connection_set_preferred_mechanism (TernImapConnection *self,
                                                           const char             *mechanism);
const char         *tern_imap_connection_get_mechanism    (TernImapConnection     *self);
/* The same with an OAuth2 access token: AUTHENTICATE OAUTHBEARER (RFC 7628) if offered,
 * else XOAUTH2. A refused token: AUTH, the connection stays usable (ask for a new token and
 * try once more). CONFIG if the server offers neither. */
gboolean            tern_imap_connection_login_bearer     (TernImapConnection     *self,
                                                           const char             *token,
                                                           GError                **error);
void                tern_imap_connection_cancel           (TernImapConnection     *self);
void                tern_imap_connection_close            (TernImapConnection     *self);

gboolean            tern_imap_connection_is_encrypted     (TernImapConnection     *self);
gboolean            tern_imap_connection_is_compressed    (TernImapConnection     *self);
gboolean            tern_imap_connection_has_capability   (TernImapConnection     *self,
                                                           const char             *name);
char               *tern_imap_connection_dup_peer_sha256  (TernImapConnection     *self) G_GNUC_WARN_UNUSED_RESULT;
/* This end's IP address ("10.0.0.2"), once connected; NULL otherwise. */
char               *tern_imap_connection_dup_local_address (TernImapConnection   *self) G_GNUC_WARN_UNUSED_RESULT;
char               *tern_imap_connection_dup_peer_description (TernImapConnection *self) G_GNUC_WARN_UNUSED_RESULT;

gboolean            tern_imap_connection_idle_start       (TernImapConnection     *self,
                                                           GError                **error);
int                 tern_imap_connection_idle_wait        (TernImapConnection     *self,
                                                           guint                   timeout_ms,
                                                           GCancellable           *interrupt);
int                 tern_imap_connection_idle_wait_any    (TernImapConnection    **conns,
                                                           guint                   n_conns,
                                                           guint                   timeout_ms,
                                                           GCancellable           *interrupt,
                                                           guint                  *ready_out);
gboolean            tern_imap_connection_idle_done        (TernImapConnection     *self,
                                                           GError                **error);
gboolean            tern_imap_connection_had_idle_news    (TernImapConnection     *self);

/* The UIDs of the FETCH responses skipped since the last call because they were nested too
 * deep for the parser (a BODYSTRUCTURE thousands of levels deep): fetch those messages
 * another way. (transfer full) GArray of guint32, or NULL if there were none. */
GArray             *tern_imap_connection_take_skipped_uids (TernImapConnection    *self);
guint64             tern_imap_connection_get_bytes_read    (TernImapConnection    *self);
guint64             tern_imap_connection_get_bytes_written (TernImapConnection    *self);
guint               tern_imap_connection_get_round_trips   (TernImapConnection    *self);

/*
 * NOTIFY (RFC 5465): notify_set() asks for news of the selected mailbox and of every personal
 * and subscribed one (new mail, expunges, flag changes); the server then reports the others
 * with "* STATUS" lines, which IDLE notes. take_notified() hands over the mailboxes noted since
 * the last call (server names; "" stands for one that could not be read: check them all), or
 * NULL for none.
 */
gboolean            tern_imap_connection_notify_set       (TernImapConnection     *self,
                                                           GError                **error);
GStrv               tern_imap_connection_take_notified    (TernImapConnection     *self);

G_END_DECLS
