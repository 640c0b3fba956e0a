/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "tern-imap-stream"

#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "tern-imap-stream.h"
#include "tern-sync-error.h"

/*
 * libetpan reads and writes through a small table of functions (mailstream_low_driver).
 * This one forwards to a GIOStream with blocking calls. The GSocket carries the
 * inactivity timeout, so a stalled server fails the read with G_IO_ERROR_TIMED_OUT;
 * the connection's GCancellable unblocks a read from another thread.
 *
 * Two libetpan rules shape it: a read must return -1 on EOF (1.9.4 can spin on a
 * 0-byte read inside a literal), and the error codes libetpan hands back say nothing,
 * so the real reason is remembered in the shared state for tern_imap_connection_check().
 *
 * COMPRESS=DEFLATE (RFC 4978) lives here too, under libetpan (Debian's libetpan has no
 * zlib, and its own compress call kills the session): once started, every write is
 * deflated and sync-flushed at once (libetpan writes a command, a continuation or IDLE's
 * DONE and then flushes, so nothing ever waits in the deflater), every read inflates.
 * The counters count what crosses the wire: compressed bytes.
 */

#define RAW_SIZE (32 * 1024)

typedef struct
{
  GIOStream           *io_stream;
  GSocket             *socket;
  GInputStream        *input;  /* borrowed from io_stream */
  GOutputStream       *output; /* borrowed from io_stream */
  TernImapStreamState *state;  /* borrowed */

  /* COMPRESS=DEFLATE, once started. */
  gboolean             deflating;
  gboolean             inflate_full; /* the last inflate filled the caller's buffer: more may wait */
  z_stream             zin;
  z_stream             zout;
  guint8              *raw;          /* compressed bytes read from the network */
} LowData;

static struct mailstream_low_driver tern_driver;

void
_tern_imap_stream_state_init (TernImapStreamState *state,
                              GCancellable        *cancellable,
                              guint                timeout_seconds)
{
  memset (state, 0, sizeof *state);
  state->cancellable = cancellable;
  state->timeout_seconds = timeout_seconds;
  state->replay = g_byte_array_new ();
}

void
_tern_imap_stream_state_clear (TernImapStreamState *state)
{
  g_clear_error (&state->error);
  g_clear_pointer (&state->replay, g_byte_array_unref);
}

GError *
_tern_imap_stream_map_error (const GError *error,
                             guint         timeout_seconds)
{
  if (error->domain == TERN_SYNC_ERROR)
    return g_error_copy (error);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED, "The operation was cancelled");

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT))
    return g_error_new (TERN_SYNC_ERROR, TERN_SYNC_ERROR_OFFLINE,
                        "The server stopped responding (nothing received for %u s)",
                        timeout_seconds);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NETWORK_UNREACHABLE) ||
      g_error_matches (error, G_IO_ERROR, G_IO_ERROR_HOST_UNREACHABLE))
    return g_error_new (TERN_SYNC_ERROR, TERN_SYNC_ERROR_OFFLINE,
                        "The network is unreachable: %s", error->message);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED) ||
      g_error_matches (error, G_IO_ERROR, G_IO_ERROR_BROKEN_PIPE) ||
      g_error_matches (error, G_TLS_ERROR, G_TLS_ERROR_EOF))
    return g_error_new_literal (TERN_SYNC_ERROR, TERN_SYNC_ERROR_TRANSIENT,
                                "The server closed the connection");

  return g_error_new (TERN_SYNC_ERROR, TERN_SYNC_ERROR_TRANSIENT,
                      "The connection failed: %s", error->message);
}

static void
remember_error (TernImapStreamState *state,
                GError              *error)
{
  /* The first failure is the reason; later ones are consequences of it. */
  if (state->error == NULL)
    state->error = _tern_imap_stream_map_error (error, state->timeout_seconds);
  g_error_free (error);
}

static gboolean
is_dead (TernImapStreamState *state)
{
  if (g_atomic_int_get (&state->dead) || g_cancellable_is_cancelled (state->cancellable))
    {
      if (state->error == NULL)
        {
          if (g_cancellable_is_cancelled (state->cancellable))
            state->error = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED,
                                                "The operation was cancelled");
          else
            state->error = g_error_new_literal (TERN_SYNC_ERROR, TERN_SYNC_ERROR_TRANSIENT,
                                                "The connection is closed");
        }
      return TRUE;
    }

  return FALSE;
}

static void
count_read (TernImapStreamState *state,
            gsize                n)
{
  state->bytes_read += n;
  if (state->wrote_since_read)
    {
      state->wrote_since_read = FALSE;
      state->round_trips++;
    }
}

static ssize_t
zlib_failed (TernImapStreamState *state,
             const char          *what,
             int                  r,
             const char          *message)
{
  if (state->error == NULL)
    state->error = g_error_new (TERN_SYNC_ERROR, TERN_SYNC_ERROR_PROTOCOL,
                                "The compressed stream is broken (%s: %s)",
                                what, message != NULL ? message : zError (r));
  return -1;
}

/*
 * Reads compressed bytes from the network (blocking or not) until inflating them gives
 * at least one byte for the caller. Returns the byte count, 0 only when not blocking and
 * nothing is available yet, -1 on EOF or error.
 */
static ssize_t
inflate_read (LowData *data,
              void    *buffer,
              size_t   count,
              gboolean blocking)
{
  TernImapStreamState *state = data->state;

  for (;;)
    {
      gsize produced;
      int r;

      if (data->zin.avail_in == 0 && !data->inflate_full)
        {
          GError *error = NULL;
          gssize n;

          if (blocking)
            n = g_input_stream_read (data->input, data->raw, RAW_SIZE, state->cancellable, &error);
          else
            n = g_pollable_input_stream_read_nonblocking (G_POLLABLE_INPUT_STREAM (data->input),
                                                          data->raw, RAW_SIZE,
                                                          state->cancellable, &error);
          if (n < 0 && !blocking && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
            {
              g_error_free (error);
              return 0;
            }
          if (n <= 0)
            {
              if (n == 0)
                error = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED,
                                             "The server closed the connection");
              remember_error (state, error);
              return -1;
            }
          count_read (state, n);
          data->zin.next_in = data->raw;
          data->zin.avail_in = (uInt) n;
        }

      data->zin.next_out = buffer;
      data->zin.avail_out = (uInt) MIN (count, G_MAXUINT32);
      r = inflate (&data->zin, Z_SYNC_FLUSH);
      if (r == Z_STREAM_END)
        return zlib_failed (state, "inflate", r, "the server ended the deflate stream");
      if (r != Z_OK && r != Z_BUF_ERROR)
        return zlib_failed (state, "inflate", r, data->zin.msg);

      produced = MIN (count, G_MAXUINT32) - data->zin.avail_out;
      data->inflate_full = data->zin.avail_out == 0;
      state->bytes_inflated += produced;
      if (produced > 0)
        return produced;
    }
}

static ssize_t
deflate_write (LowData    *data,
               const void *buffer,
               size_t      count)
{
  TernImapStreamState *state = data->state;
  guint8 out[16 * 1024];

  data->zout.next_in = (Bytef *) buffer;
  data->zout.avail_in = (uInt) count;

  /* A sync flush on every write: the server must see the whole command now. */
  do
    {
      GError *error = NULL;
      gsize length, written = 0;
      int r;

      data->zout.next_out = out;
      data->zout.avail_out = sizeof out;
      r = deflate (&data->zout, Z_SYNC_FLUSH);
      if (r != Z_OK && r != Z_BUF_ERROR)
        return zlib_failed (state, "deflate", r, data->zout.msg);

      length = sizeof out - data->zout.avail_out;
      if (length > 0 &&
          !g_output_stream_write_all (data->output, out, length, &written,
                                      state->cancellable, &error))
        {
          state->bytes_written += written;
          remember_error (state, error);
          return -1;
        }
      state->bytes_written += written;
    }
  while (data->zout.avail_out == 0 || data->zout.avail_in > 0);

  state->bytes_deflated += count;
  state->wrote_since_read = TRUE;
  return count;
}

static ssize_t
low_read (mailstream_low *low,
          void           *buffer,
          size_t          count)
{
  LowData *data = low->data;
  TernImapStreamState *state = data->state;
  GError *error = NULL;
  gssize n;

  if (count == 0)
    return 0;

  if (is_dead (state))
    return -1;

  /* Bytes set aside by the IDLE code come before anything from the network. */
  if (state->replay != NULL && state->replay->len > 0)
    {
      n = MIN (count, state->replay->len);
      memcpy (buffer, state->replay->data, n);
      g_byte_array_remove_range (state->replay, 0, n);
      return n;
    }

  if (data->deflating)
    return inflate_read (data, buffer, count, TRUE);

  n = g_input_stream_read (data->input, buffer, count, state->cancellable, &error);
  if (n > 0)
    {
      count_read (state, n);
      return n;
    }

  if (n == 0)
    error = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED,
                                 "The server closed the connection");
  remember_error (state, error);
  return -1;
}

static ssize_t
low_write (mailstream_low *low,
           const void     *buffer,
           size_t          count)
{
  LowData *data = low->data;
  TernImapStreamState *state = data->state;
  GError *error = NULL;
  gssize n;

  if (count == 0)
    return 0;

  if (is_dead (state))
    return -1;

  if (data->deflating)
    return deflate_write (data, buffer, count);

  n = g_output_stream_write (data->output, buffer, count, state->cancellable, &error);
  if (n < 0)
    {
      remember_error (state, error);
      return -1;
    }

  state->bytes_written += n;
  state->wrote_since_read = TRUE;
  return n;
}

gssize
_tern_imap_stream_read_nonblocking (mailstream_low *low,
                                    void           *buffer,
                                    gsize           count)
{
  LowData *data;
  TernImapStreamState *state;
  GError *error = NULL;
  gssize n;

  g_return_val_if_fail (_tern_imap_stream_is_ours (low), -1);

  data = low->data;
  state = data->state;

  if (is_dead (state))
    return -1;

  if (!G_IS_POLLABLE_INPUT_STREAM (data->input) ||
      !g_pollable_input_stream_can_poll (G_POLLABLE_INPUT_STREAM (data->input)))
    return 0;

  if (data->deflating)
    return inflate_read (data, buffer, count, FALSE);

  n = g_pollable_input_stream_read_nonblocking (G_POLLABLE_INPUT_STREAM (data->input),
                                                buffer, count, state->cancellable, &error);
  if (n > 0)
    {
      count_read (state, n);
      return n;
    }

  if (n < 0 && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
    {
      g_error_free (error);
      return 0;
    }

  if (n == 0)
    error = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED,
                                 "The server closed the connection");
  remember_error (state, error);
  return -1;
}

static int
low_close (mailstream_low *low)
{
  LowData *data = low->data;

  if (data->io_stream == NULL)
    return 0;

  /* A dead or cancelled connection must not block on a TLS close_notify. */
  if (data->state->abort_on_close || g_atomic_int_get (&data->state->dead) ||
      g_cancellable_is_cancelled (data->state->cancellable))
    g_socket_close (data->socket, NULL);
  else
    g_io_stream_close (data->io_stream, NULL, NULL);

  return 0;
}

static int
low_get_fd (mailstream_low *low)
{
  LowData *data = low->data;

  return g_socket_get_fd (data->socket);
}

static void
low_free (mailstream_low *low)
{
  LowData *data = low->data;

  /* Dropping a reference never closes the socket while another driver (the TLS one
   * after STARTTLS) still holds the same GSocketConnection. */
  g_clear_object (&data->io_stream);
  g_clear_object (&data->socket);
  if (data->raw != NULL)
    {
      inflateEnd (&data->zin);
      deflateEnd (&data->zout);
      g_free (data->raw);
    }
  g_free (data);
  low->data = NULL;
  free (low);
}

static void
low_cancel (mailstream_low *low)
{
  LowData *data = low->data;

  g_atomic_int_set (&data->state->dead, 1);
  g_cancellable_cancel (data->state->cancellable);
}

static struct mailstream_cancel *
low_get_cancel (mailstream_low *low)
{
  /* libetpan's select()-based idle helpers are not used with this driver. */
  return NULL;
}

static carray *
low_get_certificate_chain (mailstream_low *low)
{
  LowData *data = low->data;
  GTlsCertificate *certificate;
  carray *chain;

  if (!G_IS_TLS_CONNECTION (data->io_stream))
    return NULL;

  certificate = g_tls_connection_get_peer_certificate (G_TLS_CONNECTION (data->io_stream));
  if (certificate == NULL)
    return NULL;

  chain = carray_new (4);
  for (; certificate != NULL; certificate = g_tls_certificate_get_issuer (certificate))
    {
      g_autoptr(GByteArray) der = NULL;
      MMAPString *str;

      g_object_get (certificate, "certificate", &der, NULL);
      if (der == NULL)
        continue;
      str = mmap_string_new_len ((const char *) der->data, der->len);
      if (str != NULL)
        carray_add (chain, str, NULL);
    }

  return chain;
}

static int
low_setup_idle (mailstream_low *low)
{
  return -1;
}

static struct mailstream_low_driver tern_driver = {
  .mailstream_read = low_read,
  .mailstream_write = low_write,
  .mailstream_close = low_close,
  .mailstream_get_fd = low_get_fd,
  .mailstream_free = low_free,
  .mailstream_cancel = low_cancel,
  .mailstream_get_cancel = low_get_cancel,
  .mailstream_get_certificate_chain = low_get_certificate_chain,
  .mailstream_setup_idle = low_setup_idle,
  .mailstream_unsetup_idle = low_setup_idle,
  .mailstream_interrupt_idle = low_setup_idle,
};

mailstream_low *
_tern_imap_stream_new (GIOStream           *io_stream,
                       GSocket             *socket,
                       TernImapStreamState *state)
{
  mailstream_low *low;
  LowData *data;

  g_return_val_if_fail (G_IS_IO_STREAM (io_stream), NULL);
  g_return_val_if_fail (G_IS_SOCKET (socket), NULL);
  g_return_val_if_fail (state != NULL, NULL);

  data = g_new0 (LowData, 1);
  data->io_stream = g_object_ref (io_stream);
  data->socket = g_object_ref (socket);
  data->input = g_io_stream_get_input_stream (io_stream);
  data->output = g_io_stream_get_output_stream (io_stream);
  data->state = state;

  low = mailstream_low_new (data, &tern_driver);
  if (low == NULL)
    {
      g_object_unref (data->io_stream);
      g_object_unref (data->socket);
      g_free (data);
    }

  return low;
}

gboolean
_tern_imap_stream_is_ours (mailstream_low *low)
{
  return low != NULL && low->driver == &tern_driver;
}

GInputStream *
_tern_imap_stream_get_input_stream (mailstream_low *low)
{
  g_return_val_if_fail (_tern_imap_stream_is_ours (low), NULL);

  return ((LowData *) low->data)->input;
}

gboolean
_tern_imap_stream_start_deflate (mailstream_low  *low,
                                 const void      *already_read,
                                 gsize            length,
                                 GError         **error)
{
  LowData *data;
  int r;

  g_return_val_if_fail (_tern_imap_stream_is_ours (low), FALSE);
  g_return_val_if_fail (length <= RAW_SIZE, FALSE);

  data = low->data;
  g_return_val_if_fail (!data->deflating, FALSE);

  /* Raw deflate (no zlib header), 32 KiB window, as RFC 4978 says. */
  r = inflateInit2 (&data->zin, -15);
  if (r != Z_OK)
    {
      g_set_error (error, TERN_SYNC_ERROR, TERN_SYNC_ERROR_TRANSIENT,
                   "Could not start decompression: %s", zError (r));
      return FALSE;
    }
  r = deflateInit2 (&data->zout, Z_DEFAULT_COMPRESSION, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY);
  if (r != Z_OK)
    {
      inflateEnd (&data->zin);
      g_set_error (error, TERN_SYNC_ERROR, TERN_SYNC_ERROR_TRANSIENT,
                   "Could not start compression: %s", zError (r));
      return FALSE;
    }

  data->raw = g_malloc (RAW_SIZE);
  if (length > 0)
    memcpy (data->raw, already_read, length);
  data->zin.next_in = data->raw;
  data->zin.avail_in = (uInt) length;
  data->deflating = TRUE;

  return TRUE;
}

gboolean
_tern_imap_stream_is_deflating (mailstream_low *low)
{
  g_return_val_if_fail (_tern_imap_stream_is_ours (low), FALSE);

  return ((LowData *) low->data)->deflating;
}

gboolean
_tern_imap_stream_has_pending (mailstream_low *low)
{
  LowData *data;

  g_return_val_if_fail (_tern_imap_stream_is_ours (low), FALSE);

  data = low->data;
  return data->deflating && (data->zin.avail_in > 0 || data->inflate_full);
}
