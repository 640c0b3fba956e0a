/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "bench-sync"

#include "config.h"

#include <string.h>

#include "bench-sync-private.h"

/* The bare client. */

typedef struct
{
  GIOStream     *tls;
  GInputStream  *input;    /* borrowed */
  GOutputStream *output;   /* borrowed */
  guint8        *buffer;
  gsize          length;
  gsize          position;
  guint64        received;
  GString       *scratch;
  guint          tag;
} Bare;

static void
bare_free (Bare *self)
{
  if (self == NULL)
    return;
  if (self->tls != NULL)
    g_io_stream_close (self->tls, NULL, NULL);
  g_clear_object (&self->tls);
  g_free (self->buffer);
  if (self->scratch != NULL)
    g_string_free (self->scratch, TRUE);
  g_free (self);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC (Bare, bare_free)

static gboolean
bare_fill (Bare    *self,
           GError **error)
{
  gssize n = g_input_stream_read (self->input, self->buffer, READ_SIZE, NULL, error);

  if (n < 0)
    return FALSE;
  if (n == 0)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED,
                           "The server closed the connection");
      return FALSE;
    }
  self->length = (gsize) n;
  self->position = 0;
  self->received += (guint64) n;
  return TRUE;
}

/* Appends bytes up to and including the next LF to `line`. */
static gboolean
bare_read_segment (Bare     *self,
                   GString  *line,
                   GError  **error)
{
  g_string_truncate (line, 0);
  for (;;)
    {
      const guint8 *start;
      const guint8 *lf;
      gsize take;

      if (self->position == self->length && !bare_fill (self, error))
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

/* The size of the literal a line segment announces at its end ("{123}\r\n"), or -1. */
static gint64
literal_size (const GString *line)
{
  gssize end = (gssize) line->len;
  gssize open;
  gint64 size = 0;

  while (end > 0 && (line->str[end - 1] == '\n' || line->str[end - 1] == '\r'))
    end--;
  if (end == 0 || line->str[end - 1] != '}')
    return -1;
  end--;
  if (end > 0 && line->str[end - 1] == '+')
    end--;
  for (open = end - 1; open >= 0 && g_ascii_isdigit (line->str[open]); open--)
    ;
  if (open < 0 || line->str[open] != '{' || open == end - 1)
    return -1;
  for (gssize i = open + 1; i < end; i++)
    size = size * 10 + (line->str[i] - '0');
  return size;
}

static gboolean
bare_skip (Bare    *self,
           guint64  size,
           GError **error)
{
  while (size > 0)
    {
      gsize take;

      if (self->position == self->length && !bare_fill (self, error))
        return FALSE;
      take = (gsize) MIN ((guint64) (self->length - self->position), size);
      self->position += take;
      size -= take;
    }
  return TRUE;
}

/* Reads one response: its first line into `head`, the literals and the rest skipped. */
static gboolean
bare_read_response (Bare     *self,
                    GString  *head,
                    GError  **error)
{
  GString *line = head;

  for (;;)
    {
      gint64 size;

      if (!bare_read_segment (self, line, error))
        return FALSE;
      size = literal_size (line);
      if (size < 0)
        return TRUE;
      if (!bare_skip (self, (guint64) size, error))
        return FALSE;
      line = self->scratch;
    }
}

static gboolean
bare_send (Bare        *self,
           const char  *command,
           char       **tag_out,
           GError     **error)
{
  g_autofree char *line = g_strdup_printf ("b%u %s\r\n", ++self->tag, command);

  *tag_out = g_strdup_printf ("b%u ", self->tag);
  return g_output_stream_write_all (self->output, line, strlen (line), NULL, NULL, error) &&
         g_output_stream_flush (self->output, NULL, error);
}

/* Sends a command and reads through its tagged reply; counts untagged FETCH responses. */
static gboolean
bare_command (Bare        *self,
              const char  *command,
              guint       *fetches,
              GError     **error)
{
  g_autoptr(GString) head = g_string_sized_new (1024);
  g_autofree char *tag = NULL;

  if (!bare_send (self, command, &tag, error))
    return FALSE;
  for (;;)
    {
      if (!bare_read_response (self, head, error))
        return FALSE;
      if (g_str_has_prefix (head->str, tag))
        break;
      if (fetches != NULL && head->str[0] == '*' && strstr (head->str, " FETCH ") != NULL)
        (*fetches)++;
    }
  if (!g_str_has_prefix (head->str + strlen (tag), "OK"))
    {
      g_strchomp (head->str);
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "%s: %s", command, head->str);
      return FALSE;
    }
  return TRUE;
}

static Bare *
bare_connect (TernTestServer  *server,
              GError         **error)
{
  g_autoptr(Bare) self = g_new0 (Bare, 1);
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GSocketConnectable) address = NULL;
  g_autoptr(GSocketConnection) connection = NULL;
  g_autoptr(GTlsDatabase) database = NULL;
  g_autoptr(GString) head = g_string_new (NULL);

  address = g_network_address_new (tern_test_server_get_host (server),
                                   tern_test_server_get_imaps_port (server));
  connection = g_socket_client_connect (client, address, NULL, error);
  if (connection == NULL)
    return NULL;
  database = g_tls_file_database_new (tern_test_server_get_ca_file (server), error);
  if (database == NULL)
    return NULL;
  self->tls = g_tls_client_connection_new (G_IO_STREAM (connection), address, error);
  if (self->tls == NULL)
    return NULL;
  g_tls_connection_set_database (G_TLS_CONNECTION (self->tls), database);
  if (!g_tls_connection_handshake (G_TLS_CONNECTION (self->tls), NULL, error))
    return NULL;
  self->input = g_io_stream_get_input_stream (self->tls);
  self->output = g_io_stream_get_output_stream (self->tls);
  self->buffer = g_malloc (READ_SIZE);
  self->scratch = g_string_sized_new (1024);

  if (!bare_read_response (self, head, error))
    return NULL;
  if (!g_str_has_prefix (head->str, "* OK"))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "Unexpected greeting: %s", head->str);
      return NULL;
    }
  return g_steal_pointer (&self);
}

/* The floor: login, ENABLE QRESYNC and SELECT like the engine, then one UID FETCH 1:*. */
gboolean
measure_floor (TernTestServer  *server,
               Floor           *floor_out,
               GError         **error)
{
  g_autoptr(Bare) bare = bare_connect (server, error);
  double start;
  guint64 before;

  if (bare == NULL ||
      !bare_command (bare, "LOGIN " USER " " PASSWORD, NULL, error) ||
      !bare_command (bare, "ENABLE QRESYNC", NULL, error) ||
      !bare_command (bare, "SELECT INBOX", NULL, error))
    return FALSE;

  memset (floor_out, 0, sizeof *floor_out);
  before = bare->received;
  start = now_seconds ();
  if (!bare_command (bare, "UID FETCH 1:* " FETCH_ITEMS, &floor_out->responses, error))
    return FALSE;
  floor_out->seconds = now_seconds () - start;
  floor_out->bytes = bare->received - before;
  bare_command (bare, "LOGOUT", NULL, NULL);
  return TRUE;
}
