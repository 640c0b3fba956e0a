/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "tern-accounts"

#include "config.h"

#include <string.h>

#include "tern-discovery-private.h"

/*
 * Probing a server: it answers on that port, over TLS whose certificate verifies for its
 * name (implicit, or after STARTTLS), with the protocol's greeting. Nothing is sent but
 * STARTTLS (and EHLO before it, and LOGOUT/QUIT at the end): no user name, no password.
 */

#define MAX_LINES 64

static char *
probe_read_line (GDataInputStream  *in,
                 const char        *host,
                 GCancellable      *cancellable,
                 GError           **error)
{
  GError *local_error = NULL;
  gsize length = 0;
  char *line = g_data_input_stream_read_line (in, &length, cancellable, &local_error);

  if (line == NULL)
    {
      if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_propagate_error (error, local_error);
      else
        {
          g_set_error (error, TERN_SYNC_ERROR, TERN_SYNC_ERROR_OFFLINE, "%s did not answer%s%s",
                       host, local_error ? ": " : "", local_error ? local_error->message : "");
          g_clear_error (&local_error);
        }
      return NULL;
    }
  if (length > 0 && line[length - 1] == '\r')
    line[length - 1] = '\0';
  return line;
}

static gboolean
probe_write (GIOStream     *stream,
             const char    *text,
             const char    *host,
             GCancellable  *cancellable,
             GError       **error)
{
  GError *local_error = NULL;

  if (!g_output_stream_write_all (g_io_stream_get_output_stream (stream), text, strlen (text), NULL,
                                  cancellable, &local_error))
    {
      if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_propagate_error (error, local_error);
      else
        {
          g_set_error (error, TERN_SYNC_ERROR, TERN_SYNC_ERROR_OFFLINE, "%s: %s", host,
                       local_error->message);
          g_error_free (local_error);
        }
      return FALSE;
    }
  return TRUE;
}

static GDataInputStream *
lines_of (GIOStream *stream)
{
  GDataInputStream *in = g_data_input_stream_new (g_io_stream_get_input_stream (stream));

  g_filter_input_stream_set_close_base_stream (G_FILTER_INPUT_STREAM (in), FALSE);
  g_data_input_stream_set_newline_type (in, G_DATA_STREAM_NEWLINE_TYPE_LF);
  return in;
}

static GError *
not_this (const char *host,
          guint16     port,
          const char *kind,
          const char *line)
{
  return g_error_new (TERN_SYNC_ERROR, TERN_SYNC_ERROR_PROTOCOL,
                      "%s:%u is not an %s server (it said “%.60s”)", host, port, kind, line);
}

/* IMAP: "* OK" (or PREAUTH, BYE is a refusal). With STARTTLS: the greeting in the clear,
 * "a STARTTLS", its tagged OK, then TLS. */
static gboolean
probe_imap (const TernNetOptions  *options,
            GIOStream             *plain,
            const char            *host,
            guint16                port,
            gboolean               starttls,
            GCancellable          *cancellable,
            GError               **error)
{
  g_autoptr(GIOStream) tls = NULL;
  g_autoptr(GDataInputStream) in = NULL;
  g_autofree char *greeting = NULL;

  if (!starttls)
    {
      tls = _tern_net_start_tls (options, plain, host, port, cancellable, error);
      if (tls == NULL)
        return FALSE;
      in = lines_of (tls);
      greeting = probe_read_line (in, host, cancellable, error);
      if (greeting == NULL)
        return FALSE;
      if (!g_str_has_prefix (greeting, "* OK") && !g_str_has_prefix (greeting, "* PREAUTH"))
        {
          g_propagate_error (error, not_this (host, port, "IMAP", greeting));
          return FALSE;
        }
      probe_write (tls, "z LOGOUT\r\n", host, cancellable, NULL);
      return TRUE;
    }

  in = lines_of (plain);
  greeting = probe_read_line (in, host, cancellable, error);
  if (greeting == NULL)
    return FALSE;
  if (!g_str_has_prefix (greeting, "* OK"))
    {
      g_propagate_error (error, not_this (host, port, "IMAP", greeting));
      return FALSE;
    }
  if (!probe_write (plain, "a STARTTLS\r\n", host, cancellable, error))
    return FALSE;
  for (guint i = 0;; i++)
    {
      g_autofree char *line = probe_read_line (in, host, cancellable, error);

      if (line == NULL)
        return FALSE;
      if (g_str_has_prefix (line, "a OK"))
        break;
      if (g_str_has_prefix (line, "a ") || i == MAX_LINES)
        {
          g_set_error (error, TERN_SYNC_ERROR, TERN_SYNC_ERROR_INSECURE,
                       "%s:%u does not offer STARTTLS (it said “%.60s”)", host, port, line);
          return FALSE;
        }
    }
  /* Anything sent before the handshake could be an injection: not a server to use. */
  if (g_buffered_input_stream_get_available (G_BUFFERED_INPUT_STREAM (in)) > 0)
    {
      g_set_error (error, TERN_SYNC_ERROR, TERN_SYNC_ERROR_INSECURE,
                   "%s:%u sent data after agreeing to STARTTLS", host, port);
      return FALSE;
    }
  tls = _tern_net_start_tls (options, plain, host, port, cancellable, error);
  if (tls == NULL)
    return FALSE;
  probe_write (tls, "z LOGOUT\r\n", host, cancellable, NULL);
  return TRUE;
}

/* One SMTP reply (multi-line: "250-..." then "250 ..."); its code, the lines in *text. */
static guint
smtp_reply (GDataInputStream  *in,
            const char        *host,
            GString           *text,
            GCancellable      *cancellable,
            GError           **error)
{
  for (guint i = 0; i < MAX_LINES; i++)
    {
      g_autofree char *line = probe_read_line (in, host, cancellable, error);

      if (line == NULL)
        return 0;
      if (strlen (line) < 3 || !g_ascii_isdigit (line[0]) || !g_ascii_isdigit (line[1]) ||
          !g_ascii_isdigit (line[2]))
        break;
      if (text != NULL)
        g_string_append_printf (text, "%s\n", line + MIN (strlen (line), 4));
      if (line[3] != '-')
        return (guint) g_ascii_strtoull (line, NULL, 10);
    }
  g_set_error (error, TERN_SYNC_ERROR, TERN_SYNC_ERROR_PROTOCOL, "%s does not speak SMTP", host);
  return 0;
}

static gboolean
probe_smtp (const TernNetOptions  *options,
            GIOStream             *plain,
            const char            *host,
            guint16                port,
            gboolean               starttls,
            GCancellable          *cancellable,
            GError               **error)
{
  g_autoptr(GIOStream) tls = NULL;
  g_autoptr(GDataInputStream) in = NULL;
  g_autoptr(GString) ehlo = g_string_new (NULL);
  guint code;

  if (!starttls)
    {
      tls = _tern_net_start_tls (options, plain, host, port, cancellable, error);
      if (tls == NULL)
        return FALSE;
      in = lines_of (tls);
      code = smtp_reply (in, host, NULL, cancellable, error);
      if (code == 0)
        return FALSE;
      if (code != 220)
        {
          g_set_error (error, TERN_SYNC_ERROR, TERN_SYNC_ERROR_PROTOCOL,
                       "%s:%u does not accept mail now (%u)", host, port, code);
          return FALSE;
        }
      probe_write (tls, "QUIT\r\n", host, cancellable, NULL);
      return TRUE;
    }

  in = lines_of (plain);
  if ((code = smtp_reply (in, host, NULL, cancellable, error)) == 0)
    return FALSE;
  if (code != 220)
    {
      g_set_error (error, TERN_SYNC_ERROR, TERN_SYNC_ERROR_PROTOCOL,
                   "%s:%u does not accept mail now (%u)", host, port, code);
      return FALSE;
    }
  if (!probe_write (plain, "EHLO [127.0.0.1]\r\n", host, cancellable, error) ||
      (code = smtp_reply (in, host, ehlo, cancellable, error)) == 0)
    return FALSE;
  if (code != 250 || strstr (ehlo->str, "STARTTLS") == NULL)
    {
      g_set_error (error, TERN_SYNC_ERROR, TERN_SYNC_ERROR_INSECURE,
                   "%s:%u does not offer STARTTLS", host, port);
      return FALSE;
    }
  if (!probe_write (plain, "STARTTLS\r\n", host, cancellable, error) ||
      (code = smtp_reply (in, host, NULL, cancellable, error)) == 0)
    return FALSE;
  if (code != 220 || g_buffered_input_stream_get_available (G_BUFFERED_INPUT_STREAM (in)) > 0)
    {
      g_set_error (error, TERN_SYNC_ERROR, TERN_SYNC_ERROR_INSECURE,
                   "%s:%u refused STARTTLS", host, port);
      return FALSE;
    }
  tls = _tern_net_start_tls (options, plain, host, port, cancellable, error);
  if (tls == NULL)
    return FALSE;
  probe_write (tls, "QUIT\r\n", host, cancellable, NULL);
  return TRUE;
}

gboolean
_tern_discovery_probe (const TernNetOptions  *options,
                       const char            *kind,
                       const char            *host,
                       guint16                port,
                       gboolean               starttls,
                       GCancellable          *cancellable,
                       GError               **error)
{
  g_autoptr(GSocketConnection) connection = NULL;
  gboolean ok;

  connection = _tern_net_connect (options, host, port, cancellable, error);
  if (connection == NULL)
    return FALSE;
  if (g_str_equal (kind, "imap"))
    ok = probe_imap (options, G_IO_STREAM (connection), host, port, starttls, cancellable, error);
  else
    ok = probe_smtp (options, G_IO_STREAM (connection), host, port, starttls, cancellable, error);
  g_io_stream_close (G_IO_STREAM (connection), NULL, NULL);
  return ok;
}
