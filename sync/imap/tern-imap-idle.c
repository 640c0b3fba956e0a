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
  int    result;
  guint  readable;   /* a bit per connection */
} IdleWait;

typedef struct
{
  IdleWait *wait;
  guint     bit;
} IdleWatch;

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
  IdleWatch *watch = user_data;

  /* Let the caller go on to idle_done(), which reports the cancellation. */
  watch->wait->readable |= watch->bit;
  watch->wait->result = 1;
  return G_SOURCE_REMOVE;
}

static gboolean
idle_readable_cb (GObject  *stream,
                  gpointer  user_data)
{
  IdleWatch *watch = user_data;

  watch->wait->readable |= watch->bit;
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
  if (source == NULL)
    return;
  g_source_destroy (source);
  g_source_unref (source);
}

/* Bytes for libetpan that arrived since the last look, without blocking, set aside where
 * idle_done() finds them (through the replay buffer: the response filter sees them first).
 * Readable can mean a TLS record without application data (a TLS 1.3 session ticket): only
 * bytes count. TRUE when there is something (or an EOF or an error, which idle_done()
 * reports). */
static gboolean
read_pending (TernImapConnection *self)
{
  mailstream_low *low = mailstream_get_low (self->session->imap_stream);
  guint8 chunk[8192];
  gssize n = _tern_imap_stream_read_nonblocking (low, chunk, sizeof chunk);

  if (n > 0)
    g_byte_array_append (self->stream_state.replay, chunk, n);
  return n != 0;
}

/* Something to read already, before any wait: news set aside by idle_start(), bytes in
 * libetpan's read buffer or, with COMPRESS, compressed bytes that arrived with the "+" that
 * no poll on the socket will report again. Also TRUE for a connection that is not idling or
 * is broken: "go on", and idle_done() reports what is wrong. */
static gboolean
idle_ready_now (TernImapConnection *self)
{
  mailstream *stream;

  if (!self->idling || _tern_imap_is_dead (self) || self->session->imap_stream == NULL)
    return TRUE;
  stream = self->session->imap_stream;
  if (self->stream_state.replay->len > 0 || stream->read_buffer_len > 0 ||
      self->stream_state.ready->len > 0)
    return TRUE;
  return _tern_imap_stream_has_pending (mailstream_get_low (stream)) && read_pending (self);
}

int
tern_imap_connection_idle_wait_any (TernImapConnection **conns,
                                    guint                n_conns,
                                    guint                timeout_ms,
                                    GCancellable        *interrupt,
                                    guint               *ready_out)
{
  g_autofree IdleWatch *watches = NULL;
  g_autofree GSource **readable_sources = NULL;
  g_autofree GSource **dead_sources = NULL;
  GMainContext *context;
  GSource *timeout_source, *interrupt_source = NULL;
  IdleWait wait = { IDLE_PENDING, 0 };
  guint ready = 0;

  g_return_val_if_fail (conns != NULL && n_conns > 0 && n_conns <= 32, -1);
  g_return_val_if_fail (interrupt == NULL || G_IS_CANCELLABLE (interrupt), -1);

  for (guint i = 0; i < n_conns; i++)
    if (idle_ready_now (conns[i]))
      ready |= 1u << i;
  if (ready != 0)
    {
      if (ready_out != NULL)
        *ready_out = ready;
      return 1;
    }

  if (interrupt != NULL && g_cancellable_is_cancelled (interrupt))
    return -1;

  for (guint i = 0; i < n_conns; i++)
    g_return_val_if_fail (G_IS_POLLABLE_INPUT_STREAM (
      _tern_imap_stream_get_input_stream (mailstream_get_low (conns[i]->session->imap_stream))), 1);

  context = g_main_context_new ();
  watches = g_new0 (IdleWatch, n_conns);
  readable_sources = g_new0 (GSource *, n_conns);
  dead_sources = g_new0 (GSource *, n_conns);
  timeout_source = attach_source (g_timeout_source_new (timeout_ms), context,
                                  idle_timeout_cb, &wait);
  if (interrupt != NULL)
    interrupt_source = attach_source (g_cancellable_source_new (interrupt), context,
                                      (GSourceFunc) idle_interrupt_cb, &wait);
  for (guint i = 0; i < n_conns; i++)
    {
      watches[i].wait = &wait;
      watches[i].bit = 1u << i;
      dead_sources[i] = attach_source (g_cancellable_source_new (conns[i]->cancellable), context,
                                       (GSourceFunc) idle_dead_cb, &watches[i]);
    }

  while (wait.result == IDLE_PENDING)
    {
      for (guint i = 0; i < n_conns; i++)
        if (readable_sources[i] == NULL)
          {
            GInputStream *input = _tern_imap_stream_get_input_stream (
              mailstream_get_low (conns[i]->session->imap_stream));

            readable_sources[i] = attach_source (
              g_pollable_input_stream_create_source (G_POLLABLE_INPUT_STREAM (input), NULL),
              context, (GSourceFunc) idle_readable_cb, &watches[i]);
          }

      wait.readable = 0;
      while (wait.result == IDLE_PENDING && wait.readable == 0)
        g_main_context_iteration (context, TRUE);
      if (wait.result != IDLE_PENDING)
        {
          ready |= wait.readable;
          break;
        }

      for (guint i = 0; i < n_conns; i++)
        if (wait.readable & (1u << i))
          {
            g_clear_pointer (&readable_sources[i], destroy_source);
            if (read_pending (conns[i]))
              ready |= 1u << i;
          }
      if (ready != 0)
        wait.result = 1;
    }

  destroy_source (timeout_source);
  destroy_source (interrupt_source);
  for (guint i = 0; i < n_conns; i++)
    {
      destroy_source (readable_sources[i]);
      destroy_source (dead_sources[i]);
    }
  g_main_context_unref (context);

  if (ready_out != NULL)
    *ready_out = wait.result == 1 ? ready : 0;
  return wait.result;
}

int
tern_imap_connection_idle_wait (TernImapConnection *self,
                                guint               timeout_ms,
                                GCancellable       *interrupt)
{
  g_return_val_if_fail (self != NULL, -1);

  return tern_imap_connection_idle_wait_any (&self, 1, timeout_ms, interrupt, NULL);
}

/* An untagged response about the selected mailbox's messages: "* 12 EXISTS", "* 3 EXPUNGE",
 * "* 4 FETCH (...)", "* VANISHED ..." (not "* OK Still here" or "* 5 RECENT"). */
static gboolean
is_mailbox_news (const char *line)
{
  const char *p = line + 2;

  if (!g_str_has_prefix (line, "* "))
    return FALSE;
  if (g_ascii_strncasecmp (p, "VANISHED", 8) == 0)
    return TRUE;
  if (!g_ascii_isdigit (*p))
    return FALSE;
  while (g_ascii_isdigit (*p))
    p++;
  return g_ascii_strncasecmp (p, " EXISTS", 7) == 0 || g_ascii_strncasecmp (p, " EXPUNGE", 8) == 0 ||
         g_ascii_strncasecmp (p, " FETCH", 6) == 0;
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
      else if (!continued && is_mailbox_news (line))
        self->idle_news = TRUE;
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
  self->idle_news = FALSE;

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

gboolean
tern_imap_connection_had_idle_news (TernImapConnection *self)
{
  g_return_val_if_fail (self != NULL, FALSE);

  return self->idle_news;
}
