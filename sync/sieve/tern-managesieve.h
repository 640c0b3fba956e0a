/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "tern-sync-error.h"

G_BEGIN_DECLS

/*
 * A ManageSieve client (RFC 5804): the server-side rules of an account. Blocking, one thread
 * at a time. Always STARTTLS with the certificate verified (or the pinned one) before
 * authenticating; a server that does not offer STARTTLS is refused (TERN_SYNC_ERROR_INSECURE).
 * With a password: AUTHENTICATE PLAIN; with an OAuth2 token: OAUTHBEARER or XOAUTH2 (a refused
 * token is AUTH, as a refused password).
 * Errors are in the TERN_SYNC_ERROR domain: OFFLINE (no connection), CERTIFICATE, AUTH,
 * INSECURE, PERMANENT (the server said NO: its words are the message), PROTOCOL.
 */

typedef struct _TernManageSieve TernManageSieve;

typedef struct
{
  const char *host;
  guint16     port;             /* 0: 4190 */
  const char *user;
  const char *password;          /* or NULL with a token */
  const char *token;             /* an OAuth2 access token: OAUTHBEARER (RFC 7628), else XOAUTH2 */
  const char *ca_file;          /* NULL: the system's trust store */
  const char *pinned_sha256;    /* a certificate the user accepted, or NULL */
  guint       timeout_seconds;  /* 0: 30 */
} TernManageSieveSettings;

typedef struct
{
  char     *name;
  gboolean  active;
} TernSieveScriptInfo;

void              tern_sieve_script_info_free     (TernSieveScriptInfo *info);

TernManageSieve  *tern_managesieve_connect        (const TernManageSieveSettings *settings,
                                                   GCancellable                  *cancellable,
                                                   GError                       **error);
/* Sends LOGOUT and closes. */
void              tern_managesieve_free           (TernManageSieve *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TernManageSieve, tern_managesieve_free)

/* The server's Sieve extensions ("fileinto", "vacation", ...). */
gboolean          tern_managesieve_has_extension  (TernManageSieve  *self,
                                                   const char       *extension);
const char       *tern_managesieve_get_implementation (TernManageSieve *self);

/* TernSieveScriptInfo, in the server's order. */
GPtrArray        *tern_managesieve_list_scripts   (TernManageSieve  *self,
                                                   GError          **error);
char             *tern_managesieve_get_script     (TernManageSieve  *self,
                                                   const char       *name,
                                                   GError          **error);
/* The server checks the script; a refused one fails with the server's own explanation. */
gboolean          tern_managesieve_put_script     (TernManageSieve  *self,
                                                   const char       *name,
                                                   const char       *script,
                                                   GError          **error);
/* name NULL: no script active. */
gboolean          tern_managesieve_set_active     (TernManageSieve  *self,
                                                   const char       *name,
                                                   GError          **error);
gboolean          tern_managesieve_delete_script  (TernManageSieve  *self,
                                                   const char       *name,
                                                   GError          **error);

G_END_DECLS
