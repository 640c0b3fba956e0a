/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "tern-sync-error.h"

G_BEGIN_DECLS

/*
 * What the files of sync/accounts/ share: connections (the name resolved by the default
 * GResolver, TLS verified against the system CAs or a given database, TLS 1.2 at least), a
 * small HTTPS client for autoconfig, the ISPDB and OAuth2 token endpoints, and the
 * "connect to" map tests use to reach a name's well-known port on a loopback port.
 * Everything blocks; any thread.
 */

typedef struct
{
  GTlsDatabase *tls_database;   /* NULL: the system's */
  GHashTable   *connect_to;     /* "host:port" -> "host:port" (tests), or NULL */
  guint         timeout_seconds;
} TernNetOptions;

/* A TCP connection to host:port (or where options->connect_to sends it). Errors:
 * TERN_SYNC_ERROR_OFFLINE (no such host, refused, unreachable, timeout). */
GSocketConnection *_tern_net_connect    (const TernNetOptions  *options,
                                         const char            *host,
                                         guint16                port,
                                         GCancellable          *cancellable,
                                         GError               **error);
/* TLS over base, the certificate verified for host (the name asked for, whatever
 * connect_to did). Errors: TERN_SYNC_ERROR_CERTIFICATE, _INSECURE (TLS < 1.2), _OFFLINE. */
GIOStream         *_tern_net_start_tls  (const TernNetOptions  *options,
                                         GIOStream             *base,
                                         const char            *host,
                                         guint16                port,
                                         GCancellable          *cancellable,
                                         GError               **error);

typedef struct
{
  const char   *method;          /* "GET" (NULL) or "POST" */
  const char   *url;             /* https only */
  const char   *accept;          /* Accept header, or NULL */
  const char   *content_type;    /* of body */
  const char   *body;            /* POST body, or NULL */
  const char   *authorization;   /* Authorization header value, or NULL */
  gsize         max_size;        /* of the response body; 0: 1 MiB */
} TernHttpRequest;

typedef struct
{
  guint   status;
  char   *content_type;          /* lower case, without parameters; NULL if none */
  char   *location;              /* of a redirect, resolved against the URL; NULL if none */
  GBytes *body;
} TernHttpResponse;

void              _tern_http_response_free (TernHttpResponse *response);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TernHttpResponse, _tern_http_response_free)

/* One request, no redirect followed. Errors: TERN_SYNC_ERROR_CONFIG (not an https URL),
 * _OFFLINE, _CERTIFICATE, _PROTOCOL (not HTTP, a body over max_size). */
TernHttpResponse *_tern_http_request       (const TernNetOptions   *options,
                                            const TernHttpRequest  *request,
                                            GCancellable           *cancellable,
                                            GError                **error);

/* application/x-www-form-urlencoded from name, value pairs (NULL-terminated). */
char             *_tern_http_form          (const char *first_name,
                                            ...) G_GNUC_NULL_TERMINATED G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS
