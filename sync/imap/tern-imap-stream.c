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

#define STREAM_CHUNK 16384

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
  state->pending = g_byte_array_new ();
  state->ready = g_byte_array_new ();
  state->skipped_deep_uids = g_array_new (FALSE, FALSE, sizeof (guint32));
}

void
_tern_imap_stream_state_clear (TernImapStreamState *state)
{
  g_clear_error (&state->error);
  g_clear_pointer (&state->replay, g_byte_array_unref);
  g_clear_pointer (&state->pending, g_byte_array_unref);
  g_clear_pointer (&state->ready, g_byte_array_unref);
  g_clear_pointer (&state->skipped_deep_uids, g_array_unref);
}

gsize
_tern_imap_stream_buffered (TernImapStreamState *state)
{
  return state->pending->len + state->ready->len;
}

/*
 * The response filter. libetpan loses its place for good on a response it cannot parse (the
 * whole connection is then dropped), and its parser recurses once per parenthesis. So every
 * response is read whole (its literals included) before libetpan sees any of it, and an
 * untagged one is skipped (and logged) when it is
 *  - malformed in a way libetpan cannot survive: "* <number> <word>" where the word is none
 *    of EXISTS, RECENT, EXPUNGE, FETCH (a server answering EXPUNGE with "* 57 EXPUNGED");
 *  - nested deeper than TERN_IMAP_MAX_NESTING (a BODYSTRUCTURE 20,000 levels deep).
 * What the skipped responses said is lost: the engine resynchronises (counts are compared
 * after every command, and a FETCH skipped for its depth is fetched another way). Tagged
 * responses and continuations pass as soon as their line is complete.
 */

static gboolean
malformed_untagged (const guint8 *line,
                    gsize         len)
{
  static const char * const numbered[] = { "EXISTS", "RECENT", "EXPUNGE", "FETCH" };
  gsize i = 2, start;

  if (len < 2 || line[0] != '*' || line[1] != ' ' || !g_ascii_isdigit (line[2]))
    return FALSE;
  while (i < len && g_ascii_isdigit (line[i]))
    i++;
  if (i >= len || line[i] != ' ')
    return TRUE;
  start = ++i;
  while (i < len && g_ascii_isalpha (line[i]))
    i++;
  for (guint k = 0; k < G_N_ELEMENTS (numbered); k++)
    if (i - start == strlen (numbered[k]) &&
        g_ascii_strncasecmp ((const char *) line + start, numbered[k], i - start) == 0 &&
        (i == len || line[i] == ' ' || line[i] == '\r'))
      return FALSE;
  return TRUE;
}

/* The n of a line that ends in "{n}" or "{n+}" (before its CRLF at `end`), or -1. */
static gint64
line_literal (const guint8 *data,
              gsize         start,
              gsize         end)
{
  gsize i;
  guint64 n = 0, scale = 1;

  if (end < start + 3 || data[end - 1] != '}')
    return -1;
  i = end - 2;
  if (data[i] == '+')
    i--;
  if (!g_ascii_isdigit (data[i]))
    return -1;
  while (i > start && g_ascii_isdigit (data[i]))
    {
      if (scale > G_GUINT64_CONSTANT (1000000000000))
        return -1;
      n += (guint64) (data[i] - '0') * scale;
      scale *= 10;
      i--;
    }
  return data[i] == '{' ? (gint64) n : -1;
}

/* The UID of a FETCH response ("UID n" at its top level), 0 if it has none. */
static guint32
response_uid (const guint8 *data,
              gsize         len)
{
  guint depth = 0;

  for (gsize i = 0; i + 5 < len && data[i] != '\r'; i++)
    {
      if (data[i] == '(')
        depth++;
      else if (data[i] == ')' && depth > 0)
        depth--;
      else if (depth == 1 && (data[i - 1] == '(' || data[i - 1] == ' ') &&
               g_ascii_strncasecmp ((const char *) data + i, "UID ", 4) == 0)
        return (guint32) g_ascii_strtoull ((const char *) data + i + 4, NULL, 10);
    }
  return 0;
}

/* An ATOM-CHAR (RFC 3501): no atom-specials, no controls, no 8-bit. */
static gboolean
is_atom_char (guint8 c)
{
  return c > 0x20 && c < 0x7f && strchr ("(){%*\"\\]", c) == NULL;
}

/* Whether p (what follows "[PERMANENTFLAGS ") is a plain list of flags and its "]":
 * "(\Seen $Label \*)]", "()]". */
static gboolean
permanentflags_plain (const guint8 *p,
                      gsize         len)
{
  gsize i = 1;

  if (len < 3 || p[0] != '(')
    return FALSE;
  if (p[1] == ')')
    return p[2] == ']';
  for (;;)
    {
      gsize start = i;

      if (i < len && p[i] == '\\')
        i++;
      if (i < len && p[i] == '*' && i == start + 1)
        i++;
      else
        while (i < len && is_atom_char (p[i]))
          i++;
      if (i == start || (i == start + 1 && p[start] == '\\') || i >= len)
        return FALSE;
      if (p[i] == ')')
        return i + 1 < len && p[i + 1] == ']';
      if (p[i] != ' ')
        return FALSE;
      i++;
    }
}

/*
 * Appends a response (tagged or not) for libetpan. libetpan frees a NULL list when the first
 * flag of a PERMANENTFLAGS code does not parse ("[PERMANENTFLAGS (\)]", "(())", a NUL), in
 * any response, tagged ones too: SIGSEGV (#17, found by fuzz-imap). Such a code is renamed
 * (XPERMANENTFLAGS) on its way: libetpan reads it as a code it does not know and skips it;
 * Tern does not use PERMANENTFLAGS.
 */
static void
append_response (GByteArray   *out,
                 const guint8 *data,
                 gsize         len)
{
  static const char code[] = "[PERMANENTFLAGS ";
  gsize code_len = strlen (code);
  gsize eol = 0;

  while (eol < len && data[eol] != '\n')
    eol++;
  for (gsize i = 0; i + code_len <= eol; i++)
    {
      if (data[i] != '[' || g_ascii_strncasecmp ((const char *) data + i, code, code_len) != 0)
        continue;
      if (permanentflags_plain (data + i + code_len, eol - i - code_len))
        break;
      g_byte_array_append (out, data, i + 1);
      g_byte_array_append (out, (const guint8 *) "X", 1);
      g_byte_array_append (out, data + i + 1, len - i - 1);
      return;
    }
  g_byte_array_append (out, data, len);
}

/* A response code that libetpan parses safely in a greeting: ALERT, or CAPABILITY and plain
 * atoms. */
static gboolean
greeting_code_is_plain (const guint8 *code,
                        gsize         len)
{
  static const char capability[] = "CAPABILITY ";
  gsize prefix = strlen (capability);

  if (len == 5 && g_ascii_strncasecmp ((const char *) code, "ALERT", 5) == 0)
    return TRUE;
  if (len <= prefix || g_ascii_strncasecmp ((const char *) code, capability, prefix) != 0)
    return FALSE;
  for (gsize i = prefix; i < len; i++)
    if (code[i] != ' ' && !is_atom_char (code[i]))
      return FALSE;
  return TRUE;
}

/*
 * The greeting is handed on rewritten. libetpan parses it without the parser context that
 * it dereferences for a list of flags or strings in a response code: "* OK [PERMANENTFLAGS
 * (\Seen)]" or "[BADCHARSET (x)]" in a greeting is a NULL dereference (#17, found by
 * fuzz-imap). Nor can a greeting be skipped like other responses: libetpan would take the
 * next response for it. So only its first line is kept: the status word, a plain code (see
 * above; any other one is dropped, and the capabilities are then asked for), and the text
 * without control bytes or a literal at its end. A greeting that is none of OK, PREAUTH and
 * BYE still fails libetpan's parse, as it should.
 */
static void
append_greeting (GByteArray   *out,
                 const guint8 *data,
                 gsize         len)
{
  gsize eol = 0, i = 2, word;

  while (eol < len && data[eol] != '\r' && data[eol] != '\n')
    eol++;
  g_byte_array_append (out, (const guint8 *) "* ", 2);
  word = i;
  while (i < eol && g_ascii_isalpha (data[i]))
    i++;
  g_byte_array_append (out, data + word, i - word);
  if (i < eol && data[i] == ' ')
    i++;
  if (i < eol && data[i] == '[')
    {
      gsize code = i + 1, end = code;

      while (end < eol && data[end] != ']')
        end++;
      if (end < eol && greeting_code_is_plain (data + code, end - code))
        {
          g_byte_array_append (out, (const guint8 *) " ", 1);
          g_byte_array_append (out, data + i, end + 1 - i);
        }
      i = MIN (end + 1, eol);
      if (i < eol && data[i] == ' ')
        i++;
    }

  /* A literal's "{n}" at the end goes; its bytes are past eol already. */
  if (line_literal (data, i, eol) >= 0)
    while (eol > i && data[--eol] != '{')
      ;
  g_byte_array_append (out, (const guint8 *) " ", 1);
  for (; i < eol; i++)
    {
      guint8 c = data[i] < 0x20 || data[i] == 0x7f ? ' ' : data[i];

      g_byte_array_append (out, &c, 1);
    }
  g_byte_array_append (out, (const guint8 *) "\r\n", 2);
}

static void
scan_reset (TernImapStreamState *state)
{
  state->scan_pos = 0;
  state->literal_left = 0;
  state->depth = 0;
  state->max_depth = 0;
  state->in_quote = FALSE;
  state->quote_escape = FALSE;
  state->first_line_done = FALSE;
  state->drop = FALSE;
}

/* Moves every complete response of `pending` to `ready` (or skips it). */
static void
scan_pending (TernImapStreamState *state)
{
  GByteArray *buf = state->pending;

  while (state->scan_pos < buf->len)
    {
      gsize pos = state->scan_pos;
      guint8 c;

      if (state->literal_left > 0)
        {
          gsize n = MIN (state->literal_left, buf->len - pos);

          state->scan_pos += n;
          state->literal_left -= n;
          continue;
        }

      c = buf->data[pos];
      state->scan_pos++;
      if (buf->data[0] != '*')
        {
          /* Tagged lines and continuations: passed whole lines, not judged. */
          if (c == '\n')
            {
              gint64 literal = line_literal (buf->data, 0, pos > 0 ? pos - 1 : 0);

              if (literal >= 0)
                {
                  state->literal_left = (guint64) literal;
                  continue;
                }
              append_response (state->ready, buf->data, state->scan_pos);
              g_byte_array_remove_range (buf, 0, state->scan_pos);
              scan_reset (state);
              state->greeting_done = TRUE;
            }
          continue;
        }

      if (state->in_quote)
        {
          /* The escaped byte may come in the next read: the state says it is one. */
          if (state->quote_escape)
            state->quote_escape = FALSE;
          else if (c == '\\')
            state->quote_escape = TRUE;
          else if (c == '"')
            state->in_quote = FALSE;
          if (c != '\n')
            continue;
          state->in_quote = FALSE;
          state->quote_escape = FALSE;
        }
      if (c == '"')
        state->in_quote = TRUE;
      else if (c == '(' && ++state->depth > state->max_depth)
        state->max_depth = state->depth;
      else if (c == ')' && state->depth > 0)
        state->depth--;

      if (c != '\n' || pos == 0 || buf->data[pos - 1] != '\r')
        continue;

      /* The end of a line. */
      if (!state->first_line_done)
        {
          state->first_line_done = TRUE;
          state->drop = malformed_untagged (buf->data, pos - 1);
        }
      {
        /* "{n}" fits in the last 24 bytes. */
        gint64 literal = line_literal (buf->data, pos > 24 ? pos - 24 : 0, pos - 1);

        if (literal >= 0)
          {
            state->literal_left = (guint64) literal;
            continue;
          }
      }

      /* The response is complete. */
      if (!state->greeting_done)
        {
          state->greeting_done = TRUE;
          append_greeting (state->ready, buf->data, state->scan_pos);
        }
      else if (state->drop || state->max_depth > TERN_IMAP_MAX_NESTING)
        {
          g_autofree char *head = g_strndup ((const char *) buf->data, MIN (state->scan_pos - 2, 60));

          if (state->drop)
            {
              state->skipped_malformed++;
              g_message ("Skipped a malformed response from the server: %s", head);
            }
          else
            {
              guint32 uid = response_uid (buf->data, state->scan_pos);

              state->skipped_deep++;
              if (uid != 0)
                g_array_append_val (state->skipped_deep_uids, uid);
              g_message ("Skipped a response nested %u levels deep (at most %u are read): %.40s...",
                         state->max_depth, TERN_IMAP_MAX_NESTING, head);
            }
        }
      else
        append_response (state->ready, buf->data, state->scan_pos);
      g_byte_array_remove_range (buf, 0, state->scan_pos);
      scan_reset (state);
    }
}

static gssize
take_ready (TernImapStreamState *state,
            void                *buffer,
            gsize                count)
{
  gsize n = MIN (count, state->ready->len);

  memcpy (buffer, state->ready->data, n);
  g_byte_array_remove_range (state->ready, 0, n);
  return (gssize) n;
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

  while (state->ready->len == 0)
    {
      guint8 chunk[STREAM_CHUNK];

      /* Bytes set aside by the IDLE code come before anything from the network. */
      if (state->replay != NULL && state->replay->len > 0)
        {
          n = MIN (sizeof chunk, state->replay->len);
          g_byte_array_append (state->pending, state->replay->data, n);
          g_byte_array_remove_range (state->replay, 0, n);
          scan_pending (state);
          continue;
        }

      /* COMPRESS: the network's bytes inflated (counted as they came off the wire). */
      if (data->deflating)
        {
          n = inflate_read (data, chunk, sizeof chunk, TRUE);
          if (n <= 0)
            break;
          g_byte_array_append (state->pending, chunk, n);
          scan_pending (state);
          continue;
        }

      n = g_input_stream_read (data->input, chunk, sizeof chunk, state->cancellable, &error);
      if (n <= 0)
        break;
      count_read (state, n);
      g_byte_array_append (state->pending, chunk, n);
      scan_pending (state);
    }
  if (state->ready->len > 0)
    {
      g_clear_error (&error);
      return take_ready (state, buffer, count);
    }

  if (n == 0)
    error = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED,
                                 "The server closed the connection");
  /* inflate_read() has remembered its own. */
  if (error != NULL)
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
  /* Whatever the response filter holds past the tagged OK is compressed too (a server
   * says nothing there until spoken to, but nothing may be lost if it does). */
  {
    TernImapStreamState *state = data->state;
    gsize held = state->ready->len + state->pending->len;

    if (length + held > RAW_SIZE)
      {
        g_set_error (error, TERN_SYNC_ERROR, TERN_SYNC_ERROR_PROTOCOL,
                     "The server sent too much right after accepting COMPRESS");
        return FALSE;
      }
    memcpy (data->raw + length, state->ready->data, state->ready->len);
    memcpy (data->raw + length + state->ready->len, state->pending->data, state->pending->len);
    g_byte_array_set_size (state->ready, 0);
    g_byte_array_set_size (state->pending, 0);
    scan_reset (state);
    length += held;
  }
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
