/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "bench-slowlink"

#include "config.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>
#include <zlib.h>

#include "slowlink.h"

/*
 * The bare client (see slowlink.h): no parser beyond finding line ends, literals and tags.
 * With COMPRESS=DEFLATE it runs zlib itself (raw deflate, a sync flush after each write),
 * as RFC 4978 asks.
 */

#define READ_SIZE (64 * 1024)

struct _Bare
{
  GSocketConnection *connection;
  GIOStream         *tls;
  GInputStream      *input;    /* borrowed */
  GOutputStream     *output;   /* borrowed */
  char              *pin;

  gboolean           deflate;
  gboolean           inflate_full;   /* the last inflate filled its buffer: more may be pending */
  z_stream           zin;
  z_stream           zout;
  guint8            *raw;

  guint8            *buffer;
  gsize              length;
  gsize              position;
  guint              tag;
  guint              idle_tag;
  guint64            literal_bytes;
};

static gboolean
zlib_failed (int      r,
             GError **error)
{
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "zlib: %d", r);
  return FALSE;
}

static gboolean
fill (Bare    *self,
      GError **error)
{
  gssize n;

  if (!self->deflate)
    {
      n = g_input_stream_read (self->input, self->buffer, READ_SIZE, NULL, error);
      if (n < 0)
        return FALSE;
      if (n == 0)
        {
          g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED, "closed");
          return FALSE;
        }
      self->length = (gsize) n;
      self->position = 0;
      return TRUE;
    }

  for (;;)
    {
      int r;

      if (self->zin.avail_in == 0 && !self->inflate_full)
        {
          n = g_input_stream_read (self->input, self->raw, READ_SIZE, NULL, error);
          if (n < 0)
            return FALSE;
          if (n == 0)
            {
              g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED, "closed");
              return FALSE;
            }
          self->zin.next_in = self->raw;
          self->zin.avail_in = (uInt) n;
        }
      self->zin.next_out = self->buffer;
      self->zin.avail_out = READ_SIZE;
      r = inflate (&self->zin, Z_SYNC_FLUSH);
      if (r != Z_OK && r != Z_BUF_ERROR)
        return zlib_failed (r, error);
      self->inflate_full = self->zin.avail_out == 0;
      if (self->zin.avail_out < READ_SIZE)
        {
          self->length = READ_SIZE - self->zin.avail_out;
          self->position = 0;
          return TRUE;
        }
    }
}

static gboolean
write_all (Bare        *self,
           const char  *data,
           gsize        length,
           GError     **error)
{
  if (!self->deflate)
    return g_output_stream_write_all (self->output, data, length, NULL, NULL, error) &&
           g_output_stream_flush (self->output, NULL, error);

  self->zout.next_in = (Bytef *) data;
  self->zout.avail_in = (uInt) length;
  do
    {
      guint8 out[16384];
      int r;

      self->zout.next_out = out;
      self->zout.avail_out = sizeof out;
      r = deflate (&self->zout, Z_SYNC_FLUSH);
      if (r != Z_OK && r != Z_BUF_ERROR)
        return zlib_failed (r, error);
      if (!g_output_stream_write_all (self->output, out, sizeof out - self->zout.avail_out, NULL, NULL, error))
        return FALSE;
    }
  while (self->zout.avail_out == 0);
  return g_output_stream_flush (self->output, NULL, error);
}

/* One line (through LF) into `line`, appended. */
static gboolean
read_segment (Bare     *self,
              GString  *line,
              GError  **error)
{
  for (;;)
    {
      const guint8 *start;
      const guint8 *lf;
      gsize take;

      if (self->position == self->length && !fill (self, error))
        return FALSE;
      start = self->buffer + self->position;
      lf = memchr (start, '\n', self->length - self->position);
      take = lf != NULL ? (gsize) (lf - start) + 1 : self->length - self->position;
      g_string_append_len (line, (const char *) start, (gssize) take);
      self->position += take;
      if (lf != NULL)
        return TRUE;
    }
}

static gint64
literal_size (const char *line,
              gsize       len)
{
  gssize end = (gssize) len;
  gssize open;
  gint64 size = 0;

  while (end > 0 && (line[end - 1] == '\n' || line[end - 1] == '\r'))
    end--;
  if (end == 0 || line[end - 1] != '}')
    return -1;
  end--;
  for (open = end - 1; open >= 0 && g_ascii_isdigit (line[open]); open--)
    ;
  if (open < 0 || line[open] != '{' || open == end - 1)
    return -1;
  for (gssize i = open + 1; i < end; i++)
    size = size * 10 + (line[i] - '0');
  return size;
}

static gboolean
skip (Bare    *self,
      guint64  size,
      GError **error)
{
  self->literal_bytes += size;
  while (size > 0)
    {
      gsize take;

      if (self->position == self->length && !fill (self, error))
        return FALSE;
      take = (gsize) MIN ((guint64) (self->length - self->position), size);
      self->position += take;
      size -= take;
    }
  return TRUE;
}

/* One response line with its literals skipped, appended to `out`; *start_out its offset. */
static gboolean
read_response (Bare     *self,
               GString  *out,
               gsize    *start_out,
               GError  **error)
{
  *start_out = out->len;
  for (;;)
    {
      gsize before = out->len;
      gint64 size;

      if (!read_segment (self, out, error))
        return FALSE;
      size = literal_size (out->str + before, out->len - before);
      if (size < 0)
        return TRUE;
      if (!skip (self, (guint64) size, error))
        return FALSE;
    }
}

static gboolean
read_through_tag (Bare     *self,
                  guint     tag,
                  GString  *out,
                  GError  **error)
{
  g_autofree char *prefix = g_strdup_printf ("b%u ", tag);

  for (;;)
    {
      gsize start;

      if (!read_response (self, out, &start, error))
        return FALSE;
      if (g_str_has_prefix (out->str + start, prefix))
        {
          const char *status = out->str + start + strlen (prefix);

          if (!g_str_has_prefix (status, "OK"))
            {
              g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "%s", out->str + start);
              return FALSE;
            }
          return TRUE;
        }
    }
}

static gboolean
pipeline_valist (Bare        *self,
                 const char  *prefix,
                 char       **response_out,
                 GError     **error,
                 const char  *first,
                 va_list      args)
{
  g_autoptr(GString) out = g_string_new (prefix);
  g_autoptr(GString) in = g_string_new (NULL);
  guint first_tag = self->tag + 1;
  guint last_tag;

  for (const char *c = first; c != NULL; c = va_arg (args, const char *))
    g_string_append_printf (out, "b%u %s\r\n", ++self->tag, c);
  last_tag = self->tag;
  if (!write_all (self, out->str, out->len, error))
    return FALSE;
  if (self->idle_tag != 0)
    {
      guint idle = self->idle_tag;

      self->idle_tag = 0;
      if (!read_through_tag (self, idle, in, error))
        return FALSE;
    }
  for (guint t = first_tag; t <= last_tag; t++)
    if (!read_through_tag (self, t, in, error))
      return FALSE;
  if (response_out != NULL)
    *response_out = g_string_free (g_steal_pointer (&in), FALSE);
  return TRUE;
}

gboolean
bare_pipeline (Bare        *self,
               char       **response_out,
               GError     **error,
               const char  *first_command,
               ...)
{
  va_list args;
  gboolean ok;

  va_start (args, first_command);
  ok = pipeline_valist (self, "", response_out, error, first_command, args);
  va_end (args);
  return ok;
}

gboolean
bare_done_pipeline (Bare        *self,
                    char       **response_out,
                    GError     **error,
                    const char  *first_command,
                    ...)
{
  va_list args;
  gboolean ok;

  va_start (args, first_command);
  ok = pipeline_valist (self, "DONE\r\n", response_out, error, first_command, args);
  va_end (args);
  return ok;
}

gboolean
bare_idle (Bare    *self,
           GError **error)
{
  g_autofree char *command = g_strdup_printf ("b%u IDLE\r\n", ++self->tag);
  g_autoptr(GString) in = g_string_new (NULL);

  self->idle_tag = self->tag;
  if (!write_all (self, command, strlen (command), error))
    return FALSE;
  for (;;)
    {
      gsize start;

      if (!read_response (self, in, &start, error))
        return FALSE;
      if (in->str[start] == '+')
        return TRUE;
    }
}

gboolean
bare_wait_for (Bare        *self,
               const char  *what,
               char       **line_out,
               GError     **error)
{
  g_autoptr(GString) in = g_string_new (NULL);

  for (;;)
    {
      gsize start;

      if (!read_response (self, in, &start, error))
        return FALSE;
      if (strstr (in->str + start, what) != NULL)
        {
          if (line_out != NULL)
            *line_out = g_strdup (in->str + start);
          return TRUE;
        }
    }
}

guint64
bare_get_literal_bytes (Bare *self)
{
  return self->literal_bytes;
}

static gboolean
accept_certificate_cb (GTlsConnection       *connection,
                       GTlsCertificate      *certificate,
                       GTlsCertificateFlags  errors,
                       gpointer              user_data)
{
  Bare *self = user_data;
  g_autoptr(GByteArray) der = NULL;
  g_autofree char *sha = NULL;

  if (self->pin == NULL)
    return FALSE;
  g_object_get (certificate, "certificate", &der, NULL);
  sha = g_compute_checksum_for_data (G_CHECKSUM_SHA256, der->data, der->len);
  return g_ascii_strcasecmp (sha, self->pin) == 0;
}

/* Turns compression on: what the buffer holds after the tagged OK is already deflated. */
static gboolean
start_deflate (Bare    *self,
               GError **error)
{
  int r;

  if ((r = inflateInit2 (&self->zin, -15)) != Z_OK ||
      (r = deflateInit2 (&self->zout, Z_DEFAULT_COMPRESSION, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY)) != Z_OK)
    return zlib_failed (r, error);
  self->raw = g_malloc (READ_SIZE);
  memcpy (self->raw, self->buffer + self->position, self->length - self->position);
  self->zin.next_in = self->raw;
  self->zin.avail_in = (uInt) (self->length - self->position);
  self->length = self->position = 0;
  self->deflate = TRUE;
  return TRUE;
}

Bare *
bare_connect (const char  *host,
              guint16      port,
              const char  *ca_file,
              const char  *pin_sha256,
              const char  *user,
              const char  *password,
              gboolean     compress,
              GError     **error)
{
  g_autoptr(Bare) self = g_new0 (Bare, 1);
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GSocketConnectable) address = g_network_address_new (host, port);
  g_autoptr(GTlsDatabase) database = NULL;
  g_autoptr(GString) in = g_string_new (NULL);
  g_autofree char *login = NULL;
  gsize start;

  self->pin = g_strdup (pin_sha256);
  self->buffer = g_malloc (READ_SIZE);
  self->connection = g_socket_client_connect (client, address, NULL, error);
  if (self->connection == NULL)
    return NULL;
  g_socket_set_option (g_socket_connection_get_socket (self->connection), IPPROTO_TCP, TCP_NODELAY, 1, NULL);
  self->tls = g_tls_client_connection_new (G_IO_STREAM (self->connection), address, error);
  if (self->tls == NULL)
    return NULL;
  if (ca_file != NULL)
    {
      database = g_tls_file_database_new (ca_file, error);
      if (database == NULL)
        return NULL;
      g_tls_connection_set_database (G_TLS_CONNECTION (self->tls), database);
    }
  g_signal_connect (self->tls, "accept-certificate", G_CALLBACK (accept_certificate_cb), self);
  if (!g_tls_connection_handshake (G_TLS_CONNECTION (self->tls), NULL, error))
    return NULL;
  self->input = g_io_stream_get_input_stream (self->tls);
  self->output = g_io_stream_get_output_stream (self->tls);

  if (!read_response (self, in, &start, error))
    return NULL;

  login = g_strdup_printf ("LOGIN \"%s\" \"%s\"", user, password);
  if (compress)
    {
      if (!bare_pipeline (self, NULL, error, login, "ENABLE QRESYNC", "COMPRESS DEFLATE", NULL) ||
          !start_deflate (self, error))
        return NULL;
    }
  else if (!bare_pipeline (self, NULL, error, login, "ENABLE QRESYNC", NULL))
    return NULL;
  return g_steal_pointer (&self);
}

void
bare_free (Bare *self)
{
  if (self == NULL)
    return;
  if (self->tls != NULL)
    {
      if (self->idle_tag == 0)
        bare_pipeline (self, NULL, NULL, "LOGOUT", NULL);
      g_io_stream_close (self->tls, NULL, NULL);
    }
  if (self->raw != NULL)
    {
      inflateEnd (&self->zin);
      deflateEnd (&self->zout);
    }
  g_clear_object (&self->tls);
  g_clear_object (&self->connection);
  g_free (self->raw);
  g_free (self->buffer);
  g_free (self->pin);
  g_free (self);
}
