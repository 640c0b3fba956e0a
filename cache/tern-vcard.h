/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* vCard files (.vcf) for the address book: read vCard 2.1, 3.0 and 4.0 (RFC 2426, RFC 6350),
 * written as 4.0. Only what an address book of mail addresses needs: the name (FN, else N)
 * and every EMAIL. Plain functions over bytes: any thread. */

#define TERN_VCARD_ERROR (tern_vcard_error_quark ())

typedef enum
{
  TERN_VCARD_ERROR_INVALID,  /* not a vCard file, or a card is cut short; the message says where */
} TernVCardError;

GQuark tern_vcard_error_quark (void);

typedef struct
{
  char  *name;    /* FN, else the parts of N; NULL if the card has neither */
  GStrv  emails;  /* at least one; as written (not lower-cased) */
} TernVCard;

void        tern_vcard_free  (TernVCard   *card);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TernVCard, tern_vcard_free)

/* The cards of a file, in order. Lines end in CRLF or LF; folded lines, escapes (\n \, \; \\),
 * quoted-printable and a CHARSET parameter (vCard 2.1) are undone. A card without an email
 * address is left out and counted in *skipped_out. Fails with TERN_VCARD_ERROR_INVALID, and
 * no cards, if the data is not UTF-8 (outside a 2.1 CHARSET), holds no card, or a card has no
 * END. (transfer full) array of TernVCard */
GPtrArray  *tern_vcard_parse (const char  *data,
                              gsize        length,
                              guint       *skipped_out,
                              GError     **error) G_GNUC_WARN_UNUSED_RESULT;

/* One vCard 4.0 for a name (NULL: the address stands in for FN, which 4.0 requires) and its
 * addresses: CRLF line ends, values escaped, lines folded at 75 octets. (transfer full) */
char       *tern_vcard_write (const char         *name,
                              const char * const *emails) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS
