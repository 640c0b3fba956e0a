/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "tern-store.h"

G_BEGIN_DECLS

/*
 * Everything Tern does with GMime goes through sync/mime/ (this header and tern-compose.h):
 * no other folder includes GMime. Thread-safe once tern_mime_init() has run.
 */

/* GMime's global set-up; call it on the main thread before any worker parses MIME
 * (g_mime_init() is not thread-safe). */
void         tern_mime_init          (void);

/* Parses a whole message (RFC 5322 + MIME) with GMime into a cache record: envelope
 * fields, References, and the structure as parts (sections as IMAP numbers them).
 * A message GMime cannot parse at all is an error (G_IO_ERROR_INVALID_DATA). */
TernMessage *tern_mime_parse_message (GBytes  *raw,
                                      GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* Readable plain text from HTML, for a terminal: scripts and styles dropped, block
 * elements as line breaks, entities decoded. (transfer full) */
char        *tern_mime_html_to_text  (const char *html) G_GNUC_WARN_UNUSED_RESULT;

/* Header fields as ENVELOPE and BODYSTRUCTURE carry them: RFC 2047 words decoded, valid
 * UTF-8 (plain ASCII is copied as it is). (transfer full) */
char        *_tern_mime_decode_text  (const char *text) G_GNUC_WARN_UNUSED_RESULT;
char        *_tern_mime_decode_phrase (const char *text) G_GNUC_WARN_UNUSED_RESULT;
/* An RFC 5322 date as Unix time, 0 if unreadable. The usual form is parsed directly,
 * anything else by GMime. */
gint64       _tern_parse_date        (const char *text);
gboolean     _tern_parse_date_fast   (const char *text,
                                      gint64     *out);

/* A body part's bytes as fetched (transfer-encoded) to UTF-8 text, the charset converted
 * (an unknown one: the bytes made valid). (transfer full) */
char        *tern_mime_decode_body   (const guint8 *data,
                                      gsize         length,
                                      const char   *encoding,
                                      const char   *charset) G_GNUC_WARN_UNUSED_RESULT;
/* Decodes the transfer encoding of file `from` into `to` (written to "to.tmp", then
 * renamed), streaming. */
gboolean     tern_mime_decode_file   (const char   *from,
                                      const char   *to,
                                      const char   *encoding,
                                      GError      **error);
/* The text of a whole message whose body is a single text part, as GMime decodes it (not
 * checked for UTF-8); NULL if the body is not a text part. *html_out: it is text/html.
 * (transfer full) */
char        *tern_mime_dup_body_text (const guint8 *data,
                                      gsize         length,
                                      gboolean     *html_out) G_GNUC_WARN_UNUSED_RESULT;
/* A part's own header (BODY[n.MIME] and an empty line): its file name (the disposition's
 * filename, else the type's name; RFC 2231 and 2047 decoded, not checked for UTF-8) and its
 * disposition, each NULL if absent. FALSE if GMime cannot read it. */
gboolean     tern_mime_read_part_header (const guint8 *data,
                                      gsize         length,
                                      char        **filename_out,
                                      char        **disposition_out);

/* The envelope of a message to send, read from its header alone. */
typedef struct
{
  char      *message_id;   /* "<...>", or NULL */
  char      *subject;      /* valid UTF-8, or NULL */
  char      *from;         /* the first usable From address, or NULL */
  GPtrArray *recipients;   /* addresses in To, Cc and Bcc (groups opened), each once */
  GPtrArray *recipient_names; /* the display name of each of them (decoded), or NULL */
  char      *in_reply_to;  /* the Message-IDs of In-Reply-To, "<a> <b>", or NULL */
  gboolean   has_date;
  gboolean   has_from;     /* a From header with at least one address */
} TernMimeEnvelope;

void         tern_mime_envelope_free (TernMimeEnvelope *envelope);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TernMimeEnvelope, tern_mime_envelope_free)

/* G_IO_ERROR_INVALID_DATA for what is not a message. (transfer full) */
TernMimeEnvelope *tern_mime_read_envelope (const char *data,
                                      gsize         length,
                                      GError      **error) G_GNUC_WARN_UNUSED_RESULT;
/* A new Message-ID for the domain, without angle brackets. (transfer full) */
char        *tern_mime_make_message_id (const char *domain) G_GNUC_WARN_UNUSED_RESULT;
/* An RFC 5322 Date header value. (transfer full) */
char        *tern_mime_format_date   (GDateTime    *date) G_GNUC_WARN_UNUSED_RESULT;
/* "Name <address>" as a person types it in an address field (UTF-8, not encoded), the name
 * quoted and escaped where RFC 5322 needs it ("Doe, Jane"); the address alone without a
 * name. (transfer full) */
char        *tern_mime_format_mailbox (const char  *name,
                                      const char  *address) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS
