/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>
#include <libetpan/libetpan.h>

G_BEGIN_DECLS

/*
 * A libetpan mailstream_low driver over a GIO stream (a GSocketConnection or a
 * GTlsConnection on top of one). libetpan's own socket and TLS drivers verify no
 * certificate and cannot be cancelled; this one inherits GIO's verification, the
 * GSocket timeout and a GCancellable.
 *
 * Internal to sync/: only TernImapConnection uses it.
 */

/*
 * State shared by every driver of one connection (the plain one and, after STARTTLS,
 * the TLS one). The connection owns it; drivers keep a borrowed pointer, so it must
 * outlive the mailstream. Owner thread only, except `dead` and `cancellable`.
 */
typedef struct
{
  GCancellable *cancellable;     /* owned by the connection; cancelled from any thread */
  GError       *error;           /* the first read/write failure as a TERN_SYNC_ERROR, or NULL */
  GByteArray   *replay;          /* bytes the driver returns before reading the network */
  guint64       bytes_read;
  guint64       bytes_written;
  guint64       bytes_inflated;  /* with COMPRESS: what the bytes read became */
  guint64       bytes_deflated;  /* with COMPRESS: what the bytes written were */
  guint         round_trips;     /* reads that followed a write: one per command/continuation */
  guint         timeout_seconds; /* only for error messages; the GSocket enforces it */
  gboolean      wrote_since_read;
  gboolean      abort_on_close;  /* close the socket without a TLS close_notify */
  gint          dead;            /* atomic: once set, reads and writes fail at once */

  /* The response filter (see tern-imap-stream.c): bytes read and not yet judged (the
   * response being read, from its first byte), bytes judged and not yet handed to libetpan,
   * and where the scan of `pending` stands. */
  GByteArray   *pending;
  GByteArray   *ready;
  gsize         scan_pos;
  guint64       literal_left;
  guint         depth;
  guint         max_depth;
  gboolean      in_quote;
  gboolean      quote_escape;   /* a backslash in a quoted string: the next byte is taken as is */
  gboolean      first_line_done;
  gboolean      drop;
  gboolean      greeting_done;  /* the first response has been handed on (rewritten) */
  guint         skipped_malformed; /* untagged responses skipped: malformed */
  guint         skipped_deep;      /* untagged responses skipped: nested too deep */
  GArray       *skipped_deep_uids; /* guint32: the UIDs of the FETCH responses among them */
} TernImapStreamState;

/* A response nested deeper than this (parentheses) is skipped before libetpan's recursive
 * parser sees it (it overflows the stack at some thousands of levels, #17). */
#define TERN_IMAP_MAX_NESTING 100

void            _tern_imap_stream_state_init          (TernImapStreamState *state,
                                                       GCancellable        *cancellable,
                                                       guint                timeout_seconds);
void            _tern_imap_stream_state_clear         (TernImapStreamState *state);

/* Returns a new driver (transfer full: free it with mailstream_low_free(), or let
 * mailstream_close() do it). It takes a reference on io_stream and socket. */
mailstream_low *_tern_imap_stream_new                 (GIOStream           *io_stream,
                                                       GSocket             *socket,
                                                       TernImapStreamState *state);
gboolean        _tern_imap_stream_is_ours             (mailstream_low      *low);
GInputStream   *_tern_imap_stream_get_input_stream    (mailstream_low      *low);

/* Reads whatever is available without blocking. Returns the byte count, 0 if nothing
 * is available, -1 on EOF or error (remembered in the state). */
gssize          _tern_imap_stream_read_nonblocking    (mailstream_low      *low,
                                                       void                *buffer,
                                                       gsize                count);

/* Bytes read from the network that libetpan has not been handed yet (the response filter
 * holds them until a response is complete). */
gsize           _tern_imap_stream_buffered            (TernImapStreamState *state);
/*
 * COMPRESS=DEFLATE: from now on writes are deflated (a sync flush each) and reads
 * inflated. already_read: bytes the server sent after its tagged OK that libetpan read
 * already (compressed; at most 32 KiB). has_pending(): compressed input not yet handed
 * to libetpan (a poll on the socket does not see it).
 */
gboolean        _tern_imap_stream_start_deflate       (mailstream_low      *low,
                                                       const void          *already_read,
                                                       gsize                length,
                                                       GError             **error);
gboolean        _tern_imap_stream_is_deflating        (mailstream_low      *low);
gboolean        _tern_imap_stream_has_pending         (mailstream_low      *low);

/* Turns a GIO failure into the TERN_SYNC_ERROR that says what to do next
 * (timeout: OFFLINE; cancelled: G_IO_ERROR_CANCELLED; the rest: TRANSIENT). */
GError         *_tern_imap_stream_map_error           (const GError        *error,
                                                       guint                timeout_seconds);

G_END_DECLS
