/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "tern-imap-connection"

#include "config.h"

#include <string.h>

#include "tern-imap-connection-private.h"

/* Connecting: TCP, TLS verified by GIO (or a pinned certificate), the greeting,
 * STARTTLS, and the capability list read inside TLS. */

/* Certificates */

char *
_tern_imap_describe_certificate_flags (GTlsCertificateFlags flags)
{
  static const struct
  {
    GTlsCertificateFlags  flag;
    const char           *text;
  } reasons[] = {
    { G_TLS_CERTIFICATE_UNKNOWN_CA, "is signed by an unknown authority" },
    { G_TLS_CERTIFICATE_BAD_IDENTITY, "does not match the server name" },
    { G_TLS_CERTIFICATE_NOT_ACTIVATED, "is not valid yet" },
    { G_TLS_CERTIFICATE_EXPIRED, "has expired" },
    { G_TLS_CERTIFICATE_REVOKED, "has been revoked" },
    { G_TLS_CERTIFICATE_INSECURE, "uses an insecure algorithm" },
    { G_TLS_CERTIFICATE_GENERIC_ERROR, "could not be verified" },
  };
  GString *out = g_string_new (NULL);

  for (guint i = 0; i < G_N_ELEMENTS (reasons); i++)
    {
      if (flags & reasons[i].flag)
        {
          if (out->len > 0)
            g_string_append (out, ", ");
          g_string_append (out, reasons[i].text);
        }
    }

  if (out->len == 0)
    g_string_append (out, "was refused");

  return g_string_free (out, FALSE);
}

static gboolean
accept_certificate_cb (GTlsConnection       *connection,
                       GTlsCertificate      *peer_certificate,
                       GTlsCertificateFlags  errors,
                       gpointer              user_data)
{
  TernImapConnection *self = user_data;
  g_autofree char *sha256 = NULL;

  /* Kept so that a UI can show the refused certificate and let the user pin it. */
  g_set_object (&self->peer_certificate, peer_certificate);
  self->peer_errors = errors;

  if (self->pinned_sha256 == NULL)
    return FALSE;

  sha256 = _tern_imap_certificate_sha256 (peer_certificate);
  if (sha256 != NULL && g_str_equal (sha256, self->pinned_sha256))
    {
      g_debug ("Accepting the pinned certificate of %s despite %#x", self->host, errors);
      self->peer_errors = 0;
      return TRUE;
    }

  return FALSE;
}

/* Connecting */

static gboolean
set_connect_error (TernImapConnection  *self,
                   GError              *local_error,
                   GError             **error)
{
  GError *mapped;

  if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    mapped = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED, "The operation was cancelled");
  else if (g_error_matches (local_error, G_RESOLVER_ERROR, G_RESOLVER_ERROR_NOT_FOUND))
    mapped = g_error_new (TERN_SYNC_ERROR, TERN_SYNC_ERROR_CONFIG,
                          "Unknown host %s: check the server name", self->host);
  else if (local_error->domain == G_RESOLVER_ERROR)
    mapped = g_error_new (TERN_SYNC_ERROR, TERN_SYNC_ERROR_OFFLINE,
                          "Cannot look up %s: %s", self->host, local_error->message);
  else if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED))
    mapped = g_error_new (TERN_SYNC_ERROR, TERN_SYNC_ERROR_OFFLINE,
                          "%s refused the connection on port %u", self->host, self->port);
  else if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT))
    mapped = g_error_new (TERN_SYNC_ERROR, TERN_SYNC_ERROR_OFFLINE,
                          "Connecting to %s port %u timed out after %u s",
                          self->host, self->port, self->timeout_seconds);
  else
    mapped = g_error_new (TERN_SYNC_ERROR, TERN_SYNC_ERROR_OFFLINE,
                          "Cannot connect to %s port %u: %s",
                          self->host, self->port, local_error->message);

  g_error_free (local_error);
  return _tern_imap_fail (self, TRUE, mapped, error);
}

static gboolean
set_handshake_error (TernImapConnection  *self,
                     gboolean             after_starttls,
                     GError              *local_error,
                     GError             **error)
{
  GError *mapped;

  if (after_starttls && self->peer_errors == 0 &&
      (g_error_matches (local_error, G_TLS_ERROR, G_TLS_ERROR_NOT_TLS) ||
       g_error_matches (local_error, G_TLS_ERROR, G_TLS_ERROR_MISC) ||
       g_error_matches (local_error, G_TLS_ERROR, G_TLS_ERROR_HANDSHAKE)))
    {
      /* Plaintext where the TLS handshake should start: a response injected after "OK
       * Begin TLS" (arriving too late for the check before the handshake), or a broken
       * server. Said as such, never as a refused STARTTLS. */
      mapped = g_error_new (TERN_SYNC_ERROR, TERN_SYNC_ERROR_INSECURE,
                            "%s sent data that is not TLS after agreeing to STARTTLS: possible "
                            "injection attack (%s)", self->host, local_error->message);
    }
  else if (self->peer_errors != 0 ||
      g_error_matches (local_error, G_TLS_ERROR, G_TLS_ERROR_BAD_CERTIFICATE))
    {
      g_autofree char *reasons = _tern_imap_describe_certificate_flags (self->peer_errors);
      g_autofree char *subject = NULL;
      g_autofree char *issuer = NULL;

      if (self->peer_certificate != NULL)
        {
          subject = g_tls_certificate_get_subject_name (self->peer_certificate);
          issuer = g_tls_certificate_get_issuer_name (self->peer_certificate);
        }

      mapped = g_error_new (TERN_SYNC_ERROR, TERN_SYNC_ERROR_CERTIFICATE,
                            "The certificate of %s %s (subject: %s; issuer: %s)%s",
                            self->host, reasons,
                            subject ? subject : "unknown", issuer ? issuer : "unknown",
                            self->pinned_sha256 ? "; it is not the pinned certificate" : "");
    }
  else if (g_error_matches (local_error, G_TLS_ERROR, G_TLS_ERROR_NOT_TLS))
    {
      mapped = g_error_new (TERN_SYNC_ERROR, TERN_SYNC_ERROR_CONFIG,
                            "%s port %u does not speak TLS: check the port and security settings",
                            self->host, self->port);
    }
  else if (g_error_matches (local_error, G_TLS_ERROR, G_TLS_ERROR_HANDSHAKE) ||
           g_error_matches (local_error, G_TLS_ERROR, G_TLS_ERROR_INAPPROPRIATE_FALLBACK))
    {
      mapped = g_error_new (TERN_SYNC_ERROR, TERN_SYNC_ERROR_CONFIG,
                            "The TLS handshake with %s failed: %s",
                            self->host, local_error->message);
    }
  else
    {
      mapped = _tern_imap_stream_map_error (local_error, self->timeout_seconds);
    }

  g_error_free (local_error);
  return _tern_imap_fail (self, TRUE, mapped, error);
}

static gboolean
start_tls (TernImapConnection  *self,
           gboolean             after_starttls,
           GError             **error)
{
  g_autoptr(GSocketConnectable) identity = NULL;
  g_autoptr(GIOStream) tls = NULL;
  GError *local_error = NULL;
  GTlsProtocolVersion version;
  gulong handler;
  gboolean ok;

  identity = g_network_address_new (self->host, self->port);
  tls = g_tls_client_connection_new (G_IO_STREAM (self->socket_connection), identity,
                                     &local_error);
  if (tls == NULL)
    {
      GError *mapped = g_error_new (TERN_SYNC_ERROR, TERN_SYNC_ERROR_CONFIG,
                                    "TLS is not available: %s", local_error->message);

      g_error_free (local_error);
      return _tern_imap_fail (self, TRUE, mapped, error);
    }

  if (self->ca_file != NULL)
    {
      g_autoptr(GTlsDatabase) database = g_tls_file_database_new (self->ca_file, &local_error);

      if (database == NULL)
        {
          GError *mapped = g_error_new (TERN_SYNC_ERROR, TERN_SYNC_ERROR_CONFIG,
                                        "Cannot load the certificate authorities in %s: %s",
                                        self->ca_file, local_error->message);

          g_error_free (local_error);
          return _tern_imap_fail (self, TRUE, mapped, error);
        }
      g_tls_connection_set_database (G_TLS_CONNECTION (tls), database);
    }

  /* glib-networking runs a synchronous handshake in a pool thread but emits
   * accept-certificate in this one (it iterates a private context meanwhile), so the
   * handler may touch self. */
  self->peer_errors = 0;
  handler = g_signal_connect (tls, "accept-certificate", G_CALLBACK (accept_certificate_cb), self);
  ok = g_tls_connection_handshake (G_TLS_CONNECTION (tls), self->cancellable, &local_error);
  g_signal_handler_disconnect (tls, handler);

  if (!ok)
    return set_handshake_error (self, after_starttls, local_error, error);

  /* GIO 2.74 has no way to ask for a minimum protocol version: check the outcome. */
  version = g_tls_connection_get_protocol_version (G_TLS_CONNECTION (tls));
  if (version == G_TLS_PROTOCOL_VERSION_SSL_3_0 ||
      version == G_TLS_PROTOCOL_VERSION_TLS_1_0 ||
      version == G_TLS_PROTOCOL_VERSION_TLS_1_1)
    {
      GError *mapped = g_error_new (TERN_SYNC_ERROR, TERN_SYNC_ERROR_INSECURE,
                                    "%s only offers an obsolete TLS version (%s); "
                                    "TLS 1.2 or newer is required",
                                    self->host,
                                    version == G_TLS_PROTOCOL_VERSION_SSL_3_0 ? "SSL 3.0" :
                                    version == G_TLS_PROTOCOL_VERSION_TLS_1_0 ? "TLS 1.0" :
                                    "TLS 1.1");

      self->stream_state.abort_on_close = TRUE;
      return _tern_imap_fail (self, TRUE, mapped, error);
    }

  if (self->peer_certificate == NULL)
    self->peer_certificate =
      g_object_ref (g_tls_connection_get_peer_certificate (G_TLS_CONNECTION (tls)));

  self->tls_connection = G_TLS_CONNECTION (g_steal_pointer (&tls));
  self->encrypted = TRUE;
  return TRUE;
}

static gboolean
switch_to_tls (TernImapConnection  *self,
               GError             **error)
{
  mailstream *stream = self->session->imap_stream;
  mailstream_low *plain_low = mailstream_get_low (stream);
  mailstream_low *tls_low;
  GSocket *socket = g_socket_connection_get_socket (self->socket_connection);

  /* A man in the middle can append commands or responses to the plaintext part
   * (CVE-2011-0411 and relatives): anything already buffered is an attack. */
  if (stream->read_buffer_len > 0 || _tern_imap_stream_buffered (&self->stream_state) > 0)
    {
      GError *local_error = g_error_new (TERN_SYNC_ERROR, TERN_SYNC_ERROR_INSECURE,
                                         "%s sent data after agreeing to STARTTLS: possible "
                                         "injection attack", self->host);

      return _tern_imap_fail (self, TRUE, local_error, error);
    }

  if (!start_tls (self, TRUE, error))
    return FALSE;

  tls_low = _tern_imap_stream_new (G_IO_STREAM (self->tls_connection), socket,
                                   &self->stream_state);
  /* Keep the tracing libetpan installed on the plain driver. */
  mailstream_low_set_logger (tls_low, plain_low->logger, plain_low->logger_context);
  mailstream_low_set_privacy (tls_low, plain_low->privacy);
  mailstream_set_low (stream, tls_low);
  /* Freeing (not closing) the plain driver drops its reference to the socket
   * connection; the TLS connection still holds one, so the socket stays open. */
  mailstream_low_free (plain_low);

  return TRUE;
}

gboolean
tern_imap_connection_connect (TernImapConnection  *self,
                              GError             **error)
{
  g_autoptr(GSocketClient) client = NULL;
  g_autoptr(GSocketConnectable) address = NULL;
  GError *local_error = NULL;
  GIOStream *io_stream;
  GSocket *socket;
  mailstream_low *low;
  mailstream *stream;
  int r;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (self->session == NULL && self->socket_connection == NULL, FALSE);

  if (_tern_imap_is_dead (self))
    return _tern_imap_fail_dead (self, error);

  client = g_socket_client_new ();
  g_socket_client_set_timeout (client, self->timeout_seconds);
  address = g_network_address_new (self->host, self->port);
  self->socket_connection = g_socket_client_connect (client, address, self->cancellable,
                                                     &local_error);
  if (self->socket_connection == NULL)
    return set_connect_error (self, local_error, error);

  socket = g_socket_connection_get_socket (self->socket_connection);
  g_socket_set_timeout (socket, self->timeout_seconds);
  g_socket_set_keepalive (socket, TRUE);

  if (self->security == TERN_IMAP_SECURITY_TLS)
    {
      if (!start_tls (self, FALSE, error))
        return FALSE;
      io_stream = G_IO_STREAM (self->tls_connection);
    }
  else
    {
      io_stream = G_IO_STREAM (self->socket_connection);
    }

  low = _tern_imap_stream_new (io_stream, socket, &self->stream_state);
  stream = mailstream_new (low, STREAM_BUFFER_SIZE);
  self->session = mailimap_new (0, NULL);
  mailimap_set_timeout (self->session, self->timeout_seconds);
  _tern_imap_install_fetch_func (self);

  r = mailimap_connect (self->session, stream);
  if (r == MAILIMAP_ERROR_DONT_ACCEPT_CONNECTION && self->stream_state.error == NULL)
    {
      /* A greeting BYE ("too many connections", maintenance): try again later. */
      local_error = g_error_new (TERN_SYNC_ERROR, TERN_SYNC_ERROR_OFFLINE,
                                 "%s refused the session: %s", self->host, _tern_imap_server_text (self));
      return _tern_imap_fail (self, TRUE, local_error, error);
    }
  if (!tern_imap_connection_check (self, r, "the greeting", error))
    return FALSE;

  if (self->security == TERN_IMAP_SECURITY_STARTTLS)
    {
      if (r == MAILIMAP_NO_ERROR_AUTHENTICATED)
        {
          /* PREAUTH leaves no way to start TLS: refuse instead of going on in the clear. */
          local_error = g_error_new (TERN_SYNC_ERROR, TERN_SYNC_ERROR_INSECURE,
                                     "%s logged in before STARTTLS (PREAUTH): refusing to "
                                     "continue without encryption", self->host);
          return _tern_imap_fail (self, TRUE, local_error, error);
        }

      if (!_tern_imap_have_capabilities (self) && !_tern_imap_read_capabilities (self, error))
        return FALSE;

      if (!tern_imap_connection_has_capability (self, "STARTTLS"))
        {
          local_error = g_error_new (TERN_SYNC_ERROR, TERN_SYNC_ERROR_INSECURE,
                                     "%s does not offer STARTTLS: use implicit TLS (port 993) "
                                     "or another server", self->host);
          return _tern_imap_fail (self, TRUE, local_error, error);
        }

      r = mailimap_starttls (self->session);
      if (r == MAILIMAP_ERROR_SSL)
        {
          /* libetpan's own check for data after the tagged OK (CVE-2020-15953). */
          local_error = g_error_new (TERN_SYNC_ERROR, TERN_SYNC_ERROR_INSECURE,
                                     "%s sent data after agreeing to STARTTLS: possible "
                                     "injection attack", self->host);
          return _tern_imap_fail (self, TRUE, local_error, error);
        }
      if (!tern_imap_connection_check (self, r, "STARTTLS", &local_error))
        {
          if (!_tern_imap_is_dead (self))
            {
              /* The server said NO or BAD: do not go on in the clear. */
              g_clear_error (&local_error);
              local_error = g_error_new (TERN_SYNC_ERROR, TERN_SYNC_ERROR_INSECURE,
                                         "%s refused STARTTLS: %s", self->host,
                                         _tern_imap_server_text (self));
              return _tern_imap_fail (self, TRUE, local_error, error);
            }
          g_propagate_error (error, local_error);
          return FALSE;
        }

      if (!switch_to_tls (self, error))
        return FALSE;

      /* The list sent in the clear may have been forged and is stale anyway. */
      _tern_imap_forget_capabilities (self);
    }

  if (!_tern_imap_have_capabilities (self) && !_tern_imap_read_capabilities (self, error))
    return FALSE;

  return TRUE;
}
