/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "tern-imap-connection"

#include "config.h"

#include <string.h>

#include "tern-imap-connection-private.h"

/* IDLE written by hand: libetpan's blocks when untagged data comes before "+" (upstream
 * #393) and does not see bytes already in its read buffer. */

/* IDLE */

GSocket *
_tern_imap_get_socket (TernImapConnection *self)
{
  return g_socket_connection_get_socket (self->socket_connection);
}

/* Size of the literal announced at the end of line ("... {123}\r\n"), or -1;
 * G_MAXSSIZE above IDLE_MAX_LITERAL. */
gssize
_tern_imap_literal_size (const char *line)
{
  gsize len = strlen (line);
  const char *open;
  guint64 size;

  while (len > 0 && (line[len - 1] == '\r' || line[len - 1] == '\n'))
    len--;
  if (len < 3 || line[len - 1] != '}')
    return -1;

  open = g_strrstr_len (line, len, "{");
  if (open == NULL || !g_ascii_isdigit (open[1]))
    return -1;

  size = g_ascii_strtoull (open + 1, NULL, 10);
  if (size > IDLE_MAX_LITERAL)
    return G_MAXSSIZE;

  return (gssize) size;
}

/* The literal announced at the end of line, read into `into`: 1 if there was one, 0 if
 * not, -1 on error (`when` says where, for an oversized one). */
static int
read_literal (TernImapConnection  *self,
              const char          *line,
              GByteArray          *into,
              const char          *when,
              GError             **error)
{
  mailstream *stream = self->session->imap_stream;
  gssize literal = _tern_imap_literal_size (line);
  g_autofree char *buffer = NULL;
  gssize done = 0;

  if (literal < 0)
    return 0;
  if (literal == G_MAXSSIZE)
    {
      _tern_imap_fail (self, TRUE,
                       g_error_new (TERN_SYNC_ERROR, TERN_SYNC_ERROR_PROTOCOL,
                                    "%s sent an oversized literal %s", self->host, when),
                       error);
      return -1;
    }
  buffer = g_malloc (MAX (literal, 1));
  while (done < literal)
    {
      ssize_t n = mailstream_read (stream, buffer + done, literal - done);

      if (n <= 0)
        {
          _tern_imap_check_stream (self, "IDLE", error);
          return -1;
        }
      done += n;
    }
  g_byte_array_append (into, (const guint8 *) buffer, literal);
  return 1;
}

gboolean
tern_imap_connection_idle_start (TernImapConnection  *self,
                                 GError             **error)
{
  g_autoptr(GByteArray) early = NULL;
  g_autofree char *tag = NULL;
  mailstream *stream;
  gboolean continued = FALSE;

  g_return_val_if_fail (self != NULL, FALSE);

  if (!_tern_imap_begin_command (self, "IDLE", error))
    return FALSE;

  stream = self->session->imap_stream;
  tag = g_strdup_printf ("%d ", self->session->imap_tag);
  early = g_byte_array_new ();
  g_byte_array_set_size (self->stream_state.replay, 0);

  if (!_tern_imap_write_str (self, "IDLE\r\n", "IDLE", error) || !_tern_imap_flush (self, "IDLE", error))
    return FALSE;

  /*
   * Read until the "+" continuation. Untagged data sent before it (libetpan's own
   * mailimap_idle blocks on that, upstream #393) is news: it is set aside and handed
   * back to the parser by idle_done(), ahead of what arrives later.
   */
  for (;;)
    {
      const char *line = _tern_imap_read_line (self, "IDLE", error);
      gssize literal;

      if (line == NULL)
        return FALSE;

      if (!continued && _tern_imap_is_continuation (line))
        break;

      if (!continued && g_str_has_prefix (line, tag))
        {
          int status;

          /* The server refused IDLE: parse the whole response, set-aside part first. */
          g_byte_array_append (early, (const guint8 *) line, strlen (line));
          g_byte_array_append (early, (const guint8 *) stream->read_buffer,
                               stream->read_buffer_len);
          stream->read_buffer_len = 0;
          g_byte_array_append (self->stream_state.replay, early->data, early->len);

          if (!_tern_imap_read_response (self, "IDLE", &status, error))
            return FALSE;
          return _tern_imap_command_failed (self, status == MAILIMAP_RESP_COND_STATE_BAD, "IDLE", error);
        }

      g_byte_array_append (early, (const guint8 *) line, strlen (line));
      continued = FALSE;

      literal = read_literal (self, line, early, "before IDLE", error);
      if (literal < 0)
        return FALSE;
      continued = literal > 0;
    }

  if (early->len > 0)
    {
      g_debug ("IDLE: %u bytes of untagged data before the continuation", early->len);
      g_byte_array_append (early, (const guint8 *) stream->read_buffer, stream->read_buffer_len);
      stream->read_buffer_len = 0;
      g_byte_array_append (self->stream_state.replay, early->data, early->len);
    }

  /* A GSocket source with a timeout fires when it expires and the next read then fails
   * with G_IO_ERROR_TIMED_OUT: while idling, silence is normal. */
  g_socket_set_timeout (_tern_imap_get_socket (self), 0);
  self->idling = TRUE;

  return TRUE;
}

typedef struct
{
  int      result;
  gboolean readable;
} IdleWait;

#define IDLE_PENDING 2

static gboolean
idle_timeout_cb (gpointer user_data)
{
  IdleWait *wait = user_data;

  wait->result = 0;
  return G_SOURCE_REMOVE;
}

static gboolean
idle_interrupt_cb (GCancellable *cancellable,
                   gpointer      user_data)
{
  IdleWait *wait = user_data;

  wait->result = -1;
  return G_SOURCE_REMOVE;
}

static gboolean
idle_dead_cb (GCancellable *cancellable,
              gpointer      user_data)
{
  IdleWait *wait = user_data;

  /* Let the caller go on to idle_done(), which reports the cancellation. */
  wait->result = 1;
  return G_SOURCE_REMOVE;
}

static gboolean
idle_readable_cb (GObject  *stream,
                  gpointer  user_data)
{
  IdleWait *wait = user_data;

  wait->readable = TRUE;
  return G_SOURCE_REMOVE;
}

static GSource *
attach_source (GSource      *source,
               GMainContext *context,
               GSourceFunc   callback,
               gpointer      user_data)
{
  g_source_set_callback (source, callback, user_data, NULL);
  g_source_attach (source, context);
  return source;
}

static void
destroy_source (GSource *source)
{
  g_source_destroy (source);
  g_source_unref (source);
}

int
tern_imap_connection_idle_wait (TernImapConnection *self,
                                guint               timeout_ms,
                                GCancellable       *interrupt)
{
  GMainContext *context;
  GSource *timeout_source, *dead_source, *interrupt_source = NULL;
  mailstream *stream;
  mailstream_low *low;
  GInputStream *input;
  IdleWait wait = { IDLE_PENDING, FALSE };

  g_return_val_if_fail (self != NULL, -1);
  g_return_val_if_fail (interrupt == NULL || G_IS_CANCELLABLE (interrupt), -1);

  /* Not idling or broken: "go on", and idle_done() reports what is wrong. */
  if (!self->idling || _tern_imap_is_dead (self) || self->session->imap_stream == NULL)
    return 1;

  stream = self->session->imap_stream;
  low = mailstream_get_low (stream);

  /* Data already here: set aside by idle_start(), or in libetpan's read buffer. */
  if (self->stream_state.replay->len > 0 || stream->read_buffer_len > 0 ||
      self->stream_state.ready->len > 0)
    return 1;

  /* With COMPRESS, compressed bytes may have arrived with the "+" that no poll on the
   * socket will report again: inflate them first. */
  if (_tern_imap_stream_has_pending (low))
    {
      guint8 chunk[8192];
      gssize n = _tern_imap_stream_read_nonblocking (low, chunk, sizeof chunk);

      /* Through the replay buffer, as below: the response filter sees them first. */
      if (n > 0)
        g_byte_array_append (self->stream_state.replay, chunk, n);
      if (n != 0)
        return 1;
    }

  if (interrupt != NULL && g_cancellable_is_cancelled (interrupt))
    return -1;

  input = _tern_imap_stream_get_input_stream (low);
  g_return_val_if_fail (G_IS_POLLABLE_INPUT_STREAM (input), 1);

  context = g_main_context_new ();
  timeout_source = attach_source (g_timeout_source_new (timeout_ms), context,
                                  idle_timeout_cb, &wait);
  dead_source = attach_source (g_cancellable_source_new (self->cancellable), context,
                               (GSourceFunc) idle_dead_cb, &wait);
  if (interrupt != NULL)
    interrupt_source = attach_source (g_cancellable_source_new (interrupt), context,
                                      (GSourceFunc) idle_interrupt_cb, &wait);

  while (wait.result == IDLE_PENDING)
    {
      GSource *readable_source;
      gssize n;

      wait.readable = FALSE;
      readable_source = attach_source (
        g_pollable_input_stream_create_source (G_POLLABLE_INPUT_STREAM (input), NULL),
        context, (GSourceFunc) idle_readable_cb, &wait);

      while (wait.result == IDLE_PENDING && !wait.readable)
        g_main_context_iteration (context, TRUE);

      destroy_source (readable_source);
      if (wait.result != IDLE_PENDING)
        break;

      /* Readable can mean a TLS record without application data (a TLS 1.3 session
       * ticket): only bytes for libetpan count. They are set aside with the others, where
       * idle_done() finds them; an EOF or an error is reported by idle_done(). */
      {
        guint8 chunk[8192];

        /* Through the replay buffer: the response filter sees them first. */
        n = _tern_imap_stream_read_nonblocking (low, chunk, sizeof chunk);
        if (n > 0)
          g_byte_array_append (self->stream_state.replay, chunk, n);
      }
      if (n != 0)
        wait.result = 1;
    }

  destroy_source (timeout_source);
  destroy_source (dead_source);
  if (interrupt_source != NULL)
    destroy_source (interrupt_source);
  g_main_context_unref (context);

  return wait.result;
}

/* What came while idling, up to IDLE's tagged answer: read here first (NOTIFY's "* STATUS"
 * lines name the mailboxes that changed, which libetpan would not keep), then handed back to
 * libetpan's parser whole. */
static gboolean
read_news (TernImapConnection  *self,
           GError             **error)
{
  mailstream *stream = self->session->imap_stream;
  g_autofree char *tag = g_strdup_printf ("%d ", self->session->imap_tag);
  g_autoptr(GByteArray) news = g_byte_array_new ();
  gboolean continued = FALSE;

  for (;;)
    {
      const char *line = _tern_imap_read_line (self, "IDLE", error);
      gssize literal;

      if (line == NULL)
        return FALSE;
      g_byte_array_append (news, (const guint8 *) line, strlen (line));
      /* A line after a literal goes on with the same response. */
      if (!continued && g_str_has_prefix (line, tag))
        break;
      if (!continued && g_str_has_prefix (line, "* STATUS "))
        _tern_imap_note_status_line (self, line);
      literal = read_literal (self, line, news, "during IDLE", error);
      if (literal < 0)
        return FALSE;
      continued = literal > 0;
    }
  g_byte_array_append (news, (const guint8 *) stream->read_buffer, stream->read_buffer_len);
  stream->read_buffer_len = 0;
  g_byte_array_append (self->stream_state.replay, news->data, news->len);
  return TRUE;
}

gboolean
tern_imap_connection_idle_done (TernImapConnection  *self,
                                GError             **error)
{
  int status;

  g_return_val_if_fail (self != NULL, FALSE);

  if (!self->idling)
    {
      g_set_error_literal (error, TERN_SYNC_ERROR, TERN_SYNC_ERROR_PERMANENT,
                           "DONE without IDLE");
      return FALSE;
    }

  self->idling = FALSE;

  if (!_tern_imap_ensure_usable (self, error))
    return FALSE;

  g_socket_set_timeout (_tern_imap_get_socket (self), self->stream_state.timeout_seconds);

  if (!_tern_imap_write_str (self, "DONE\r\n", "IDLE", error) ||
      !_tern_imap_flush (self, "IDLE", error) ||
      !read_news (self, error) ||
      !_tern_imap_read_response (self, "IDLE", &status, error))
    return FALSE;

  if (status != MAILIMAP_RESP_COND_STATE_OK)
    return _tern_imap_command_failed (self, status == MAILIMAP_RESP_COND_STATE_BAD, "IDLE", error);

  return TRUE;
}
