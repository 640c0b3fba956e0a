/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/*
 * The slow-link benchmark's parts (bench-slowlink.c runs them):
 *
 * - SlowLink (slowlink-link.c): a userspace link emulator. A TCP proxy that carries every byte
 *   between a client and the IMAP server over a modelled serial link: in each direction one
 *   shared transmitter of `bits_per_second` (every 1,448-byte segment also pays 40 bytes of
 *   TCP/IP headers) followed by `delay_ms` of propagation, and a TCP handshake of one round trip
 *   before a new connection's first byte. It counts what crosses it: payload bytes each way
 *   (TLS records: what a link would carry) and round trips (a connection's handshake, and each
 *   time the server starts answering after the client spoke).
 * - SlowNet (slowlink-link.c): a network namespace with a veth pair to this one, for running
 *   the client behind a link that can really go down (`ip link set ... down`): the client's own
 *   GNetworkMonitor then sees it. The proxy listens on the host side of the pair.
 * - Bare (slowlink-bare.c): a bare IMAP client over GIO TLS, with or without COMPRESS=DEFLATE
 *   (zlib), that does each operation with the fewest commands IMAP allows (pipelined): the floor.
 */

typedef struct
{
  guint64 up;           /* client to server, payload bytes */
  guint64 down;         /* server to client */
  guint   round_trips;
  guint   connections;
} SlowLinkCounters;

typedef struct _SlowLink SlowLink;

SlowLink   *slow_link_new          (const char       *listen_address,
                                    const char       *upstream_host,
                                    guint16           upstream_port,
                                    guint             bits_per_second,
                                    guint             delay_ms,
                                    GError          **error);
guint16     slow_link_get_port     (SlowLink         *self);
const char *slow_link_get_address  (SlowLink         *self);
void        slow_link_get_counters (SlowLink         *self,
                                    SlowLinkCounters *out);
void        slow_link_reset        (SlowLink         *self);
/* Cut: every connection is closed at once and new ones are refused until uncut. */
void        slow_link_cut          (SlowLink         *self,
                                    gboolean          cut);
void        slow_link_free         (SlowLink         *self);

typedef struct _SlowNet SlowNet;

/* NULL with an error where the machine does not allow it (not root, no netns). */
SlowNet    *slow_net_new           (GError          **error);
const char *slow_net_get_name      (SlowNet          *self);
/* The host side's address (where the proxy listens) and the client side's. */
const char *slow_net_get_host_address (SlowNet       *self);
/* Link down (the client's interface down: its routes go) or up (and its default route back,
 * as DHCP would). */
gboolean    slow_net_set_link      (SlowNet          *self,
                                    gboolean          up,
                                    GError          **error);
void        slow_net_free          (SlowNet          *self);

typedef struct _Bare Bare;

/* Connects over implicit TLS; the certificate must match pin_sha256 (hex) or verify against
 * ca_file. Logs in (LOGIN, ENABLE QRESYNC, and COMPRESS DEFLATE if `compress`, pipelined). */
Bare       *bare_connect           (const char       *host,
                                    guint16           port,
                                    const char       *ca_file,
                                    const char       *pin_sha256,
                                    const char       *user,
                                    const char       *password,
                                    gboolean          compress,
                                    GError          **error);
void        bare_free              (Bare             *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (Bare, bare_free)
/* Sends the command lines (no tag, no CRLF) at once, then reads every response through its
 * tagged line. All must succeed. *response_out (may be NULL) gets every line received (the
 * literals' bytes left out, their sizes kept in "{n}"). */
gboolean    bare_pipeline          (Bare             *self,
                                    char            **response_out,
                                    GError          **error,
                                    const char       *first_command,
                                    ...) G_GNUC_NULL_TERMINATED;
/* IDLE: sends it and waits for the continuation. */
gboolean    bare_idle              (Bare             *self,
                                    GError          **error);
/* Waits until a line containing `what` arrives (while idling). */
gboolean    bare_wait_for          (Bare             *self,
                                    const char       *what,
                                    char            **line_out,
                                    GError          **error);
/* DONE followed at once by the command lines; reads through every tagged line. */
gboolean    bare_done_pipeline     (Bare             *self,
                                    char            **response_out,
                                    GError          **error,
                                    const char       *first_command,
                                    ...) G_GNUC_NULL_TERMINATED;
/* Bytes of literals received so far (decompressed), to check a floor fetched what it should. */
guint64     bare_get_literal_bytes (Bare             *self);

G_END_DECLS
