/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/*
 * Thunderbird's autoconfig format (config-v1.1.xml), as a domain's own server or an ISPDB
 * serves it: the domains it is for, its IMAP and SMTP servers, and its OAuth2 provider.
 * Internal to sync/accounts/ (and its fuzz target).
 */

typedef struct
{
  char      *type;           /* "imap", "pop3", "smtp", ... */
  char      *hostname;
  guint      port;           /* 0 if missing or not a port */
  char      *socket_type;    /* "SSL", "STARTTLS", "plain" as written */
  char      *username;       /* "%EMAILADDRESS%", "%EMAILLOCALPART%", a fixed name, or NULL */
  GPtrArray *authentication; /* of char*: "password-cleartext", "OAuth2", ... */
} TernAutoconfigServer;

typedef struct
{
  GPtrArray *domains;        /* of char*, lower case */
  GPtrArray *incoming;       /* of TernAutoconfigServer */
  GPtrArray *outgoing;
  char      *display_name;
  char      *oauth2_issuer;
  char      *oauth2_scope;
  char      *oauth2_auth_url;
  char      *oauth2_token_url;
  char      *oauth2_client_id; /* not in Thunderbird's format: a company's own config may add it */
} TernAutoconfig;

void            _tern_autoconfig_free  (TernAutoconfig *config);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TernAutoconfig, _tern_autoconfig_free)

/* NULL with an error (G_MARKUP_ERROR, or TERN_SYNC_ERROR_PROTOCOL: not a clientConfig, too
 * deep, too many elements) for anything else. */
TernAutoconfig *_tern_autoconfig_parse (const char  *data,
                                        gsize        length,
                                        GError     **error) G_GNUC_WARN_UNUSED_RESULT;

/* The server of type ("imap" or "smtp") Tern would use: the first with implicit TLS, else
 * the first with STARTTLS, with a way to sign in Tern has (OAuth2 first when the config
 * names a provider and oauth2_ok, else a password). NULL if there is none; *refused_out
 * (may be NULL) then says why, e.g. that only unencrypted connections are offered. */
const TernAutoconfigServer *_tern_autoconfig_choose (const TernAutoconfig  *config,
                                                     const char            *type,
                                                     gboolean               oauth2_ok,
                                                     gboolean              *use_oauth2_out,
                                                     char                 **refused_out);

/* Whether the config names domain (case-insensitive). */
gboolean        _tern_autoconfig_has_domain (const TernAutoconfig *config,
                                             const char           *domain);

G_END_DECLS
