/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "tern-store.h"
#include "tern-sync-error.h"

G_BEGIN_DECLS

/*
 * Finding an address's incoming (IMAP) and outgoing (submission) servers, in Thunderbird's
 * order, every step over verified TLS:
 *
 *  1. the domain's own autoconfig: https://autoconfig.DOMAIN/mail/config-v1.1.xml?emailaddress=
 *     ADDRESS, then https://DOMAIN/.well-known/autoconfig/mail/config-v1.1.xml;
 *  2. the ISPDB (Thunderbird's database format): ISPDB_URL/DOMAIN;
 *  3. DNS SRV records (RFC 6186, RFC 8314): _imaps._tcp, _imap._tcp, _submissions._tcp,
 *     _submission._tcp, each target probed over TLS;
 *  4. the MX host's domain in the ISPDB (Google Workspace, Microsoft 365 domains);
 *  5. a guess: imap.DOMAIN, mail.DOMAIN, DOMAIN on 993 (TLS) then 143 (STARTTLS), and
 *     smtp.DOMAIN, mail.DOMAIN, DOMAIN on 465 (TLS) then 587 (STARTTLS), each probed.
 *
 * A settings document must be served as XML over https without a redirect to another host,
 * be at most 1 MiB and name the domain; anything else is refused with its reason (in the
 * steps). Settings that offer only unencrypted connections are refused, never used. Steps
 * stop as soon as both servers are known.
 *
 * Names are resolved by the default GResolver (g_resolver_get_default()), so a test can
 * answer SRV, MX and host names itself.
 */

typedef enum
{
  TERN_DISCOVERY_NONE,
  TERN_DISCOVERY_AUTOCONFIG,   /* the provider's own settings */
  TERN_DISCOVERY_ISPDB,
  TERN_DISCOVERY_SRV,
  TERN_DISCOVERY_MX,           /* the ISPDB entry of the MX host's domain */
  TERN_DISCOVERY_GUESS,
} TernDiscoverySource;

typedef struct
{
  char                *host;
  guint                port;
  char                *security;   /* "tls" or "starttls" */
  char                *user_form;  /* "%EMAILADDRESS%", "%EMAILLOCALPART%" or a fixed name */
  char                *auth;       /* "password" or "oauth2" */
  TernDiscoverySource  source;
  char                *source_detail; /* the URL or DNS name it came from */
} TernDiscoveredServer;

typedef struct
{
  TernDiscoverySource  source;
  char                *what;      /* "https://autoconfig.example.org/...", "_imaps._tcp.example.org" */
  char                *outcome;   /* what happened: "found", "not found", or why it was refused */
  gboolean             refused;   /* an answer came, and was not used (hostile, plaintext, ...) */
} TernDiscoveryStep;

typedef struct
{
  char                 *email;
  TernDiscoveredServer *imap;     /* NULL: not found */
  TernDiscoveredServer *smtp;     /* NULL: not found */
  char                 *provider; /* the provider's name, if a settings document gave one */
  char                 *oauth2_issuer;   /* when imap->auth is "oauth2" */
  char                 *oauth2_auth_url;
  char                 *oauth2_token_url;
  char                 *oauth2_scope;
  char                 *oauth2_client_id; /* NULL unless the document names one */
  GPtrArray            *steps;    /* of TernDiscoveryStep, in order */
} TernDiscoveryResult;

void                 tern_discovery_result_free (TernDiscoveryResult *result);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TernDiscoveryResult, tern_discovery_result_free)

/* "autoconfig", "ispdb", "srv", "mx", "guess" (as TernAccount.setup_source has them). */
const char          *tern_discovery_source_to_string (TernDiscoverySource source);
/* The user name for email: %EMAILADDRESS%, %EMAILLOCALPART%, %EMAILDOMAIN% filled in.
 * (transfer full) */
char                *tern_discovered_server_dup_user (const TernDiscoveredServer *server,
                                                      const char                 *email) G_GNUC_WARN_UNUSED_RESULT;
/* An account record (name, email, IMAP host, port, security, user, auth and OAuth2 fields,
 * setup_source) from what was found; NULL if no IMAP server was. (transfer full) */
TernAccount         *tern_discovery_result_to_account (const TernDiscoveryResult *result,
                                                       const char                *name) G_GNUC_WARN_UNUSED_RESULT;

#define TERN_TYPE_ACCOUNT_DISCOVERY (tern_account_discovery_get_type ())
G_DECLARE_FINAL_TYPE (TernAccountDiscovery, tern_account_discovery, TERN, ACCOUNT_DISCOVERY, GObject)

/* The default ISPDB (Thunderbird's public one), unless $TERN_ISPDB_URL says otherwise. */
#define TERN_DISCOVERY_DEFAULT_ISPDB "https://autoconfig.thunderbird.net/v1.1"

TernAccountDiscovery *tern_account_discovery_new            (void);
/* The ISPDB's base URL (https). NULL: $TERN_ISPDB_URL, else the default. */
void                  tern_account_discovery_set_ispdb_url   (TernAccountDiscovery  *self,
                                                              const char            *url);
const char           *tern_account_discovery_get_ispdb_url   (TernAccountDiscovery  *self);
/* Trust anchors instead of the system CAs (tests, a company's own CA). */
gboolean              tern_account_discovery_set_ca_file     (TernAccountDiscovery  *self,
                                                              const char            *ca_file,
                                                              GError               **error);
/* Connect to to_host:to_port whenever host:port is asked for (names and certificates are
 * still those of host): how a test puts imap.example.org:993 on a loopback port. A new
 * discovery starts with the pairs of $TERN_DISCOVERY_CONNECT_TO ("host:port=to:port,..."). */
void                  tern_account_discovery_add_connect_to  (TernAccountDiscovery  *self,
                                                              const char            *host,
                                                              guint16                port,
                                                              const char            *to_host,
                                                              guint16                to_port);
/* Per connection; default 10 s. */
void                  tern_account_discovery_set_timeout     (TernAccountDiscovery  *self,
                                                              guint                  seconds);

/* Blocking, any thread (the settings above must not change meanwhile). An error only for an
 * address that is not one (TERN_SYNC_ERROR_CONFIG) or a cancel; finding nothing is a result
 * with imap NULL and the steps saying why. */
TernDiscoveryResult  *tern_account_discovery_run            (TernAccountDiscovery  *self,
                                                              const char            *email,
                                                              GCancellable          *cancellable,
                                                              GError               **error) G_GNUC_WARN_UNUSED_RESULT;
/* The same on a thread of its own; main thread. */
void                  tern_account_discovery_run_async      (TernAccountDiscovery  *self,
                                                              const char            *email,
                                                              GCancellable          *cancellable,
                                                              GAsyncReadyCallback    callback,
                                                              gpointer               user_data);
TernDiscoveryResult  *tern_account_discovery_run_finish     (TernAccountDiscovery  *self,
                                                              GAsyncResult          *result,
                                                              GError               **error) G_GNUC_WARN_UNUSED_RESULT;

/* Probes one server: a TCP connection, TLS verified (implicit, or after STARTTLS), and the
 * protocol's greeting. kind: "imap" or "smtp"; security "tls" or "starttls". Blocking. */
gboolean              tern_account_discovery_probe          (TernAccountDiscovery  *self,
                                                              const char            *kind,
                                                              const char            *host,
                                                              guint16                port,
                                                              const char            *security,
                                                              GCancellable          *cancellable,
                                                              GError               **error);

G_END_DECLS
