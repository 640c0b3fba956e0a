/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "tern-store.h"

G_BEGIN_DECLS

/* Parses a whole message (RFC 5322 + MIME) with GMime into a cache record: envelope
 * fields, References, and the structure as parts (sections as IMAP numbers them).
 * A message GMime cannot parse at all is an error (G_IO_ERROR_INVALID_DATA). */
TernMessage *tern_mime_parse_message (GBytes  *raw,
                                      GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* Readable plain text from HTML, for a terminal: scripts and styles dropped, block
 * elements as line breaks, entities decoded. (transfer full) */
char        *tern_mime_html_to_text  (const char *html) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS
