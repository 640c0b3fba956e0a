/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "tern-sync-error.h"

G_BEGIN_DECLS

/*
 * Message submission (RFC 6409) with libcurl: one message, one connection.
 *
 * - TLS: implicit (smtps, port 465) or STARTTLS (587, refused with INSECURE if the server
 *   does not offer it); TLS >= 1.2; the certificate chain and host name are verified against
 *   ca_file (instead of the system CAs) or the system CAs. A certificate that does not verify
 *   is still accepted if the SHA-256 of its DER form is one of pinned_sha256, as for IMAP.
 *   libcurl with GnuTLS has no certificate callback (CURLOPT_SSL_CTX_FUNCTION is OpenSSL,
 *   wolfSSL and mbedTLS only) and CURLOPT_PINNEDPUBLICKEY pins a public key, not a
 *   certificate. So after a verification failure the server's certificate is fetched on a
 *   connection that sends nothing (CONNECT_ONLY, no credentials, CURLOPT_CERTINFO); if its
 *   fingerprint is pinned, the message goes on a second connection without chain and name
 *   checks but with CURLOPT_PINNEDPUBLICKEY set to that certificate's public key: the
 *   password only ever goes to the holder of the pinned certificate's key.
 * - AUTH PLAIN or LOGIN only (CURLOPT_LOGIN_OPTIONS), never before TLS. (XOAUTH2 would be
 *   CURLOPT_XOAUTH2_BEARER with "AUTH=XOAUTH2".)
 * - The message is streamed from its file (CURLOPT_READFUNCTION) in CRLF form, without its
 *   Bcc header; SIZE is announced, so a server with a limit refuses before any data travels.
 *   libcurl does the dot-stuffing.
 *
 * Outcome: SENT (250 after the data), NOT_SENT (refused or failed before the server could
 * have accepted it; error set) or UNKNOWN (the end of the data went out and no answer came:
 * the server may have the message; error set). handed_over is called from within the
 * transfer just before the end of the data can go out; if it returns FALSE the transfer is
 * aborted and nothing was sent.
 *
 * Errors (TERN_SYNC_ERROR): OFFLINE (cannot connect, timeout), TRANSIENT (a 4xx answer, a
 * dropped connection), AUTH (wrong password: the server's text), CERTIFICATE
 * (refused_sha256_out gets the fingerprint), INSECURE, CONFIG (not TLS on that port, no
 * usable AUTH mechanism), PERMANENT (a 5xx answer: recipient refused, message too large...);
 * G_IO_ERROR_CANCELLED.
 *
 * Blocking; any thread. The cancellable may be cancelled from another thread.
 */

typedef enum
{
  TERN_SUBMIT_SECURITY_TLS,       /* implicit TLS */
  TERN_SUBMIT_SECURITY_STARTTLS,
} TernSubmitSecurity;

typedef enum
{
  TERN_SUBMIT_SENT,
  TERN_SUBMIT_NOT_SENT,
  TERN_SUBMIT_UNKNOWN,
} TernSubmitOutcome;

typedef struct
{
  const char          *host;
  guint16              port;
  TernSubmitSecurity   security;
  const char          *user;
  const char          *password;
  const char          *ca_file;          /* PEM trust anchors instead of the system CAs, or NULL */
  const char * const  *pinned_sha256;    /* NULL-terminated hex fingerprints, or NULL */
  const char          *auth_mechanisms;  /* "PLAIN LOGIN" if NULL; e.g. "LOGIN" alone */
  const char          *bearer;           /* an OAuth2 access token: OAUTHBEARER or XOAUTH2
                                          * instead of the password (and auth_mechanisms) */
  guint                timeout_seconds;  /* connect and inactivity timeout; 0 = 30 s */
} TernSubmitSettings;

typedef gboolean (*TernSubmitHandedOverFunc) (gpointer   user_data,
                                              GError   **error);

void     tern_submit_global_init (void);

gboolean tern_submit_message     (const TernSubmitSettings  *settings,
                                  const char                *mail_from,
                                  const char * const        *recipients,
                                  const char                *path,
                                  TernSubmitHandedOverFunc   handed_over,
                                  gpointer                   user_data,
                                  GCancellable              *cancellable,
                                  TernSubmitOutcome         *outcome_out,
                                  char                     **refused_sha256_out,
                                  GError                   **error);

/* Whether the server takes these settings, sending nothing: the connection, TLS (verified or
 * pinned), EHLO and AUTH, then a NOOP. The errors of tern_submit_message(). Blocking. */
gboolean tern_submit_check       (const TernSubmitSettings  *settings,
                                  GCancellable              *cancellable,
                                  char                     **refused_sha256_out,
                                  GError                   **error);

G_END_DECLS
