/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "tern-accounts"

#include "config.h"

#include <string.h>

#include "tern-accounts-private.h"

/* Connections and a small HTTPS client (see tern-accounts-private.h). */

#define DEFAULT_TIMEOUT     15
#define DEFAULT_MAX_BODY    (1024 * 1024)
#define MAX_HEADER_LINE     8192
#define MAX_HEADER_LINES    100

static GError *
map_connect_error (GError     *error,
                   const char *host,
                   guint16     port)
{
  GError *mapped;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return error;
  mapped = g_error_new (TERN_SYNC_ERROR, TERN_SYNC_ERROR_OFFLINE, "Cannot connect to %s:%u: %s",
                        host, port, error->message);
  g_error_free (error);
  return mapped;
}

GSocketConnection *
_tern_net_connect (const TernNetOptions  *options,
                   const char            *host,
                   guint16                port,
                   GCancellable          *cancellable,
                   GError               **error)
{
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GSocketConnectable) address = NULL;
  g_autofree char *key = g_strdup_printf ("%s:%u", host, port);
  const char *target = options->connect_to ? g_hash_table_lookup (options->connect_to, key) : NULL;
  GSocketConnection *connection;
  GError *local_error = NULL;

  g_socket_client_set_timeout (client, options->timeout_seconds ? options->timeout_seconds
                                                                : DEFAULT_TIMEOUT);
  if (target != NULL)
    address = g_network_address_parse (target, port, &local_error);
  else
    address = g_network_address_new (host, port);
  if (address == NULL)
    {
      g_propagate_error (error, map_connect_error (local_error, host, port));
      return NULL;
    }
  connection = g_socket_client_connect (client, address, cancellable, &local_error);
  if (connection == NULL)
    {
      g_propagate_error (error, map_connect_error (local_error, host, port));
      return NULL;
    }
  return connection;
}

static gboolean
accept_nothing_cb (GTlsConnection       *connection,
                   GTlsCertificate      *peer,
                   GTlsCertificateFlags  errors,
                   gpointer              user_data)
{
  GTlsCertificateFlags *seen = user_data;

  *seen = errors;
  return FALSE;
}

static char *
describe_certificate_errors (GTlsCertificateFlags flags)
{
  if (flags & G_TLS_CERTIFICATE_BAD_IDENTITY)
    return g_strdup ("it is not for this server name");
  if (flags & G_TLS_CERTIFICATE_UNKNOWN_CA)
    return g_strdup ("it is not signed by a known certificate authority");
  if (flags & G_TLS_CERTIFICATE_EXPIRED)
    return g_strdup ("it has expired");
  if (flags & G_TLS_CERTIFICATE_NOT_ACTIVATED)
    return g_strdup ("it is not valid yet");
  if (flags & G_TLS_CERTIFICATE_REVOKED)
    return g_strdup ("it has been revoked");
  if (flags & G_TLS_CERTIFICATE_INSECURE)
    return g_strdup ("it uses an insecure algorithm");
  return g_strdup ("it does not verify");
}

GIOStream *
_tern_net_start_tls (const TernNetOptions  *options,
                     GIOStream             *base,
                     const char            *host,
                     guint16                port,
                     GCancellable          *cancellable,
                     GError               **error)
{
  g_autoptr(GSocketConnectable) identity = g_network_address_new (host, port);
  g_autoptr(GIOStream) tls = NULL;
  GTlsCertificateFlags seen = 0;
  GTlsProtocolVersion version;
  GError *local_error = NULL;
  gulong handler;

  tls = g_tls_client_connection_new (base, identity, &local_error);
  if (tls == NULL)
    {
      g_set_error (error, TERN_SYNC_ERROR, TERN_SYNC_ERROR_CONFIG, "TLS is not available: %s",
                   local_error->message);
      g_error_free (local_error);
      return NULL;
    }
  if (options->tls_database != NULL)
    g_tls_connection_set_database (G_TLS_CONNECTION (tls), options->tls_database);
  handler = g_signal_connect (tls, "accept-certificate", G_CALLBACK (accept_nothing_cb), &seen);
  if (!g_tls_connection_handshake (G_TLS_CONNECTION (tls), cancellable, &local_error))
    {
      g_signal_handler_disconnect (tls, handler);
      if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_propagate_error (error, local_error);
      else if (g_error_matches (local_error, G_TLS_ERROR, G_TLS_ERROR_BAD_CERTIFICATE) || seen != 0)
        {
          g_autofree char *why = describe_certificate_errors (seen);

          g_set_error (error, TERN_SYNC_ERROR, TERN_SYNC_ERROR_CERTIFICATE,
                       "The certificate of %s was refused: %s", host, why);
          g_error_free (local_error);
        }
      else
        {
          g_set_error (error, TERN_SYNC_ERROR, TERN_SYNC_ERROR_OFFLINE,
                       "No TLS connection with %s:%u: %s", host, port, local_error->message);
          g_error_free (local_error);
        }
      return NULL;
    }
  g_signal_handler_disconnect (tls, handler);

  /* GIO 2.74 cannot ask for a minimum version: check what was agreed. */
  version = g_tls_connection_get_protocol_version (G_TLS_CONNECTION (tls));
  if (version == G_TLS_PROTOCOL_VERSION_SSL_3_0 || version == G_TLS_PROTOCOL_VERSION_TLS_1_0 ||
      version == G_TLS_PROTOCOL_VERSION_TLS_1_1)
    {
      g_set_error (error, TERN_SYNC_ERROR, TERN_SYNC_ERROR_INSECURE,
                   "%s only offers an obsolete TLS version; TLS 1.2 or newer is required", host);
      return NULL;
    }
  return g_steal_pointer (&tls);
}

/* HTTP. */

void
_tern_http_response_free (TernHttpResponse *response)
{
  if (response == NULL)
    return;
  g_free (response->content_type);
  g_free (response->location);
  g_clear_pointer (&response->body, g_bytes_unref);
  g_free (response);
}

char *
_tern_http_form (const char *first_name,
                 ...)
{
  GString *out = g_string_new (NULL);
  va_list args;

  va_start (args, first_name);
  for (const char *name = first_name; name != NULL; name = va_arg (args, const char *))
    {
      const char *value = va_arg (args, const char *);
      g_autofree char *escaped_name = NULL;
      g_autofree char *escaped_value = NULL;

      if (value == NULL)
        continue;
      escaped_name = g_uri_escape_string (name, NULL, FALSE);
      escaped_value = g_uri_escape_string (value, NULL, FALSE);
      g_string_append_printf (out, "%s%s=%s", out->len ? "&" : "", escaped_name, escaped_value);
    }
  va_end (args);
  return g_string_free (out, FALSE);
}

static GError *
protocol_error (const char *url,
                const char *what)
{
  return g_error_new (TERN_SYNC_ERROR, TERN_SYNC_ERROR_PROTOCOL, "%s: %s", url, what);
}

/* One header line without its CRLF; NULL at EOF or error. */
static char *
read_line (GDataInputStream  *in,
           const char        *url,
           GCancellable      *cancellable,
           GError           **error)
{
  gsize length = 0;
  GError *local_error = NULL;
  char *line = g_data_input_stream_read_line (in, &length, cancellable, &local_error);

  if (line == NULL)
    {
      if (local_error != NULL)
        {
          if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
            g_propagate_error (error, local_error);
          else
            {
              g_set_error (error, TERN_SYNC_ERROR, TERN_SYNC_ERROR_OFFLINE, "%s: %s", url,
                           local_error->message);
              g_error_free (local_error);
            }
        }
      else
        g_propagate_error (error, protocol_error (url, "the connection closed early"));
      return NULL;
    }
  if (length > MAX_HEADER_LINE)
    {
      g_free (line);
      g_propagate_error (error, protocol_error (url, "a header line is too long"));
      return NULL;
    }
  if (length > 0 && line[length - 1] == '\r')
    line[length - 1] = '\0';
  return line;
}

static gboolean
read_exactly (GInputStream  *in,
              GByteArray    *body,
              gsize          count,
              gsize          max_size,
              const char    *url,
              GCancellable  *cancellable,
              GError       **error)
{
  guint8 buffer[16384];

  while (count > 0)
    {
      gssize n;
      GError *local_error = NULL;

      if (body->len + MIN (count, sizeof buffer) > max_size)
        {
          g_propagate_error (error, protocol_error (url, "the answer is too large"));
          return FALSE;
        }
      n = g_input_stream_read (in, buffer, MIN (count, sizeof buffer), cancellable, &local_error);
      if (n < 0)
        {
          if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
            g_propagate_error (error, local_error);
          else
            {
              g_set_error (error, TERN_SYNC_ERROR, TERN_SYNC_ERROR_OFFLINE, "%s: %s", url,
                           local_error->message);
              g_error_free (local_error);
            }
          return FALSE;
        }
      if (n == 0)
        {
          if (count == G_MAXSIZE)
            return TRUE;   /* "until the end" */
          g_propagate_error (error, protocol_error (url, "the connection closed early"));
          return FALSE;
        }
      g_byte_array_append (body, buffer, n);
      if (count != G_MAXSIZE)
        count -= n;
    }
  return TRUE;
}

static gboolean
read_chunked (GDataInputStream  *in,
              GByteArray        *body,
              gsize              max_size,
              const char        *url,
              GCancellable      *cancellable,
              GError           **error)
{
  for (;;)
    {
      g_autofree char *line = read_line (in, url, cancellable, error);
      guint64 size = 0;
      char *end = NULL;

      if (line == NULL)
        return FALSE;
      size = g_ascii_strtoull (line, &end, 16);
      if (end == line || size > max_size)
        {
          g_propagate_error (error, protocol_error (url, "a malformed or too large chunk"));
          return FALSE;
        }
      if (size == 0)
        {
          /* Trailers up to the empty line. */
          for (guint i = 0; i < MAX_HEADER_LINES; i++)
            {
              g_autofree char *trailer = read_line (in, url, cancellable, error);

              if (trailer == NULL)
                return FALSE;
              if (*trailer == '\0')
                return TRUE;
            }
          g_propagate_error (error, protocol_error (url, "too many trailers"));
          return FALSE;
        }
      if (!read_exactly (G_INPUT_STREAM (in), body, size, max_size, url, cancellable, error))
        return FALSE;
      g_clear_pointer (&line, g_free);
      line = read_line (in, url, cancellable, error);
      if (line == NULL)
        return FALSE;
    }
}

TernHttpResponse *
_tern_http_request (const TernNetOptions   *options,
                    const TernHttpRequest  *request,
                    GCancellable           *cancellable,
                    GError                **error)
{
  g_autoptr(GUri) uri = NULL;
  g_autoptr(GSocketConnection) connection = NULL;
  g_autoptr(GIOStream) tls = NULL;
  g_autoptr(GDataInputStream) in = NULL;
  g_autoptr(TernHttpResponse) response = g_new0 (TernHttpResponse, 1);
  g_autoptr(GByteArray) body = g_byte_array_new ();
  g_autoptr(GString) head = g_string_new (NULL);
  g_autofree char *status_line = NULL;
  const char *host;
  const char *path;
  gsize max_size = request->max_size ? request->max_size : DEFAULT_MAX_BODY;
  gint64 content_length = -1;
  gboolean chunked = FALSE;
  guint16 port;
  GError *local_error = NULL;

  uri = g_uri_parse (request->url, G_URI_FLAGS_ENCODED, NULL);
  if (uri == NULL || g_strcmp0 (g_uri_get_scheme (uri), "https") != 0 || g_uri_get_host (uri) == NULL)
    {
      g_set_error (error, TERN_SYNC_ERROR, TERN_SYNC_ERROR_CONFIG,
                   "“%s” is not an https address: Tern asks only over TLS", request->url);
      return NULL;
    }
  host = g_uri_get_host (uri);
  port = g_uri_get_port (uri) > 0 ? (guint16) g_uri_get_port (uri) : 443;
  path = *g_uri_get_path (uri) != '\0' ? g_uri_get_path (uri) : "/";

  connection = _tern_net_connect (options, host, port, cancellable, error);
  if (connection == NULL)
    return NULL;
  tls = _tern_net_start_tls (options, G_IO_STREAM (connection), host, port, cancellable, error);
  if (tls == NULL)
    return NULL;

  g_string_append_printf (head, "%s %s%s%s HTTP/1.1\r\n", request->method ? request->method : "GET",
                          path, g_uri_get_query (uri) ? "?" : "",
                          g_uri_get_query (uri) ? g_uri_get_query (uri) : "");
  if (port == 443)
    g_string_append_printf (head, "Host: %s\r\n", host);
  else
    g_string_append_printf (head, "Host: %s:%u\r\n", host, port);
  g_string_append (head, "User-Agent: Tern/" PACKAGE_VERSION "\r\nConnection: close\r\n");
  if (request->accept != NULL)
    g_string_append_printf (head, "Accept: %s\r\n", request->accept);
  if (request->authorization != NULL)
    g_string_append_printf (head, "Authorization: %s\r\n", request->authorization);
  if (request->body != NULL)
    g_string_append_printf (head, "Content-Type: %s\r\nContent-Length: %zu\r\n",
                            request->content_type ? request->content_type
                                                  : "application/x-www-form-urlencoded",
                            strlen (request->body));
  g_string_append (head, "\r\n");
  if (request->body != NULL)
    g_string_append (head, request->body);

  if (!g_output_stream_write_all (g_io_stream_get_output_stream (tls), head->str, head->len, NULL,
                                  cancellable, &local_error) ||
      !g_output_stream_flush (g_io_stream_get_output_stream (tls), cancellable, &local_error))
    {
      if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_propagate_error (error, local_error);
      else
        {
          g_set_error (error, TERN_SYNC_ERROR, TERN_SYNC_ERROR_OFFLINE, "%s: %s", request->url,
                       local_error->message);
          g_error_free (local_error);
        }
      return NULL;
    }
  /* The body (a form with secrets in it) is not kept longer than needed. */
  memset (head->str, 0, head->len);

  in = g_data_input_stream_new (g_io_stream_get_input_stream (tls));
  g_data_input_stream_set_newline_type (in, G_DATA_STREAM_NEWLINE_TYPE_LF);
  status_line = read_line (in, request->url, cancellable, error);
  if (status_line == NULL)
    return NULL;
  if (!g_str_has_prefix (status_line, "HTTP/1.") || strlen (status_line) < 12 ||
      !g_ascii_isdigit (status_line[9]))
    {
      g_propagate_error (error, protocol_error (request->url, "the server does not speak HTTP"));
      return NULL;
    }
  response->status = (guint) g_ascii_strtoull (status_line + 9, NULL, 10);

  for (guint i = 0;; i++)
    {
      g_autofree char *line = NULL;
      char *colon;
      const char *value;

      if (i == MAX_HEADER_LINES)
        {
          g_propagate_error (error, protocol_error (request->url, "too many header lines"));
          return NULL;
        }
      line = read_line (in, request->url, cancellable, error);
      if (line == NULL)
        return NULL;
      if (*line == '\0')
        break;
      colon = strchr (line, ':');
      if (colon == NULL)
        continue;
      *colon = '\0';
      value = colon + 1 + strspn (colon + 1, " \t");
      if (g_ascii_strcasecmp (line, "Content-Type") == 0)
        {
          g_free (response->content_type);
          response->content_type = g_ascii_strdown (value, strcspn (value, "; \t"));
        }
      else if (g_ascii_strcasecmp (line, "Content-Length") == 0)
        content_length = (gint64) g_ascii_strtoll (value, NULL, 10);
      else if (g_ascii_strcasecmp (line, "Transfer-Encoding") == 0)
        chunked = g_ascii_strncasecmp (value, "chunked", 7) == 0;
      else if (g_ascii_strcasecmp (line, "Location") == 0)
        {
          g_autoptr(GUri) resolved = g_uri_parse_relative (uri, value, G_URI_FLAGS_ENCODED, NULL);

          g_free (response->location);
          response->location = resolved ? g_uri_to_string (resolved) : g_strdup (value);
        }
    }

  if (chunked)
    {
      if (!read_chunked (in, body, max_size, request->url, cancellable, error))
        return NULL;
    }
  else if (content_length >= 0)
    {
      if ((guint64) content_length > max_size)
        {
          g_propagate_error (error, protocol_error (request->url, "the answer is too large"));
          return NULL;
        }
      if (!read_exactly (G_INPUT_STREAM (in), body, (gsize) content_length, max_size, request->url,
                         cancellable, error))
        return NULL;
    }
  else if (!read_exactly (G_INPUT_STREAM (in), body, G_MAXSIZE, max_size, request->url, cancellable,
                          error))
    return NULL;

  response->body = g_byte_array_free_to_bytes (g_steal_pointer (&body));
  g_io_stream_close (tls, NULL, NULL);
  return g_steal_pointer (&response);
}
