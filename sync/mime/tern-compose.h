/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "tern-store.h"

G_BEGIN_DECLS

/*
 * Writing messages with GMime: UTF-8 throughout; headers RFC 2047-encoded where they are not
 * ASCII and folded at 78 columns; the text as text/plain; format=flowed (RFC 3676) in 7bit,
 * quoted-printable or base64, whichever GMime finds best; attachments in multipart/mixed, with
 * RFC 2231 file names, streamed from their files when the message is written; a forwarded
 * message as message/rfc822; Message-ID, Date, In-Reply-To and References. Lines end in CRLF.
 *
 * Address lists are UTF-8 text as a user types them: "Zoë Martin <zoe@example.org>,
 * bob@example.org, \"Doe, Jane\" <jane@example.org>".
 *
 * A TernComposer is a plain builder: one thread, no signals.
 */

typedef struct _TernComposer TernComposer;

TernComposer *tern_composer_new             (void);
void          tern_composer_free            (TernComposer  *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TernComposer, tern_composer_free)

/* FALSE with G_IO_ERROR_INVALID_ARGUMENT if the text holds no address (or, for From, not one). */
gboolean      tern_composer_set_from        (TernComposer  *self,
                                             const char    *address,
                                             GError       **error);
gboolean      tern_composer_set_to          (TernComposer  *self,
                                             const char    *addresses,
                                             GError       **error);
gboolean      tern_composer_set_cc          (TernComposer  *self,
                                             const char    *addresses,
                                             GError       **error);
gboolean      tern_composer_set_bcc         (TernComposer  *self,
                                             const char    *addresses,
                                             GError       **error);
gboolean      tern_composer_set_reply_to    (TernComposer  *self,
                                             const char    *addresses,
                                             GError       **error);
void          tern_composer_set_subject     (TernComposer  *self,
                                             const char    *subject);
/* The text as typed (LF or CRLF line ends, UTF-8); sent format=flowed. */
void          tern_composer_set_body        (TernComposer  *self,
                                             const char    *text);
/* A file attached as it is when the message is written. filename NULL: the file's own name;
 * content_type NULL: guessed from the name and content. */
gboolean      tern_composer_add_attachment  (TernComposer  *self,
                                             const char    *path,
                                             const char    *filename,
                                             const char    *content_type,
                                             GError       **error);
void          tern_composer_add_attachment_bytes (TernComposer *self,
                                             GBytes        *data,
                                             const char    *filename,
                                             const char    *content_type);
/* Forward as attachment: the whole original message as a message/rfc822 part. */
void          tern_composer_attach_message  (TernComposer  *self,
                                             GBytes        *raw,
                                             const char    *filename);
/* A forwarded attachment this cache has not downloaded: an empty part that names the
 * original (its local message id and MIME section) in a TERN_PART_REFERENCE_HEADER header.
 * Such a message is not sent as it is: tern_mime_fill_part_references() writes it with the
 * part's bytes once they are downloaded. */
#define TERN_PART_REFERENCE_HEADER "X-Tern-Original-Part"
void          tern_composer_add_part_reference (TernComposer *self,
                                             gint64         message_id,
                                             const char    *section,
                                             const char    *filename,
                                             const char    *content_type);
typedef struct
{
  gint64  message_id;
  char   *section;
  char   *filename;
} TernPartReference;
void          tern_part_reference_free      (TernPartReference *reference);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TernPartReference, tern_part_reference_free)
/* The references a message written by TernComposer still holds, in order; an empty array
 * for a message without any (the usual case, answered without parsing when the marker is
 * nowhere in it). NULL with error when the message cannot be read. (transfer full) */
GPtrArray    *tern_mime_list_part_references (const char   *path,
                                             GError       **error) G_GNUC_WARN_UNUSED_RESULT;
/* Returns the decoded file of a referenced part, or NULL with error. (transfer full) */
typedef char *(*TernPartResolveFunc)         (const TernPartReference *reference,
                                             gpointer       user_data,
                                             GError       **error);
/* Writes the message at `path` to `dest_path` (CRLF, mode 0600, synced) with each
 * referenced part's content read from the file `resolve` gives, base64-encoded, and its
 * reference header removed. */
gboolean      tern_mime_fill_part_references (const char   *path,
                                             const char    *dest_path,
                                             TernPartResolveFunc resolve,
                                             gpointer       user_data,
                                             GError       **error);
/* A reply: In-Reply-To the original's Message-ID; References its References (or In-Reply-To)
 * and its Message-ID, the oldest and the newest kept when they are many. */
void          tern_composer_set_reply       (TernComposer  *self,
                                             const char    *original_message_id,
                                             const char    *original_references,
                                             const char    *original_in_reply_to);
/* Drafts keep one Message-ID across versions. Unset: a new one is made from the From
 * domain. With or without angle brackets. */
void          tern_composer_set_message_id  (TernComposer  *self,
                                             const char    *message_id);
/* "<...>": the one set, or the one the message gets (made now if needed). */
const char   *tern_composer_get_message_id  (TernComposer  *self);
/* 0 (the default): when the message is written. */
void          tern_composer_set_date        (TernComposer  *self,
                                             gint64         unix_time);
/* Any other header (e.g. "X-Mailer"); NULL value removes it. Encoded like the others. */
void          tern_composer_set_header      (TernComposer  *self,
                                             const char    *name,
                                             const char    *value);

/* The message, CRLF line ends, to a new file (mode 0600, synced to disk). Attachments are
 * read from their files as it is written, so memory does not grow with them. */
gboolean      tern_composer_write_to_file   (TernComposer  *self,
                                             const char    *path,
                                             GError       **error);
GBytes       *tern_composer_to_bytes        (TernComposer  *self,
                                             GError       **error) G_GNUC_WARN_UNUSED_RESULT;

/* Helpers for a composer window. */

/* format=flowed (RFC 3676, DelSp=no) text for what the user typed: long lines wrapped at 78
 * columns with trailing-space soft breaks, quoted lines (">") wrapped inside their quote
 * depth, space-stuffing, the "-- " signature separator kept. LF line ends. (transfer full) */
char         *tern_compose_flow_text        (const char    *text) G_GNUC_WARN_UNUSED_RESULT;
/* The reverse, for reading or editing a flowed text again. (transfer full) */
char         *tern_compose_unflow_text      (const char    *flowed,
                                             gboolean       delsp) G_GNUC_WARN_UNUSED_RESULT;
/* "Re: " or "Fwd: " in front of a subject that does not have it already. (transfer full) */
char         *tern_compose_reply_subject    (const char    *subject) G_GNUC_WARN_UNUSED_RESULT;
char         *tern_compose_forward_subject  (const char    *subject) G_GNUC_WARN_UNUSED_RESULT;
/* The original text quoted ("> ", deeper for what it quoted already) under an attribution
 * line "On <date>, <name> wrote:". (transfer full) */
char         *tern_compose_quote            (const TernMessage *original,
                                             const char    *text) G_GNUC_WARN_UNUSED_RESULT;
/* Who a reply goes to. my_addresses: the user's own addresses (never replied to, unless
 * the original came from the user: then it goes to the original recipients). Reply: the
 * Reply-To, else the From. Reply all: the same, and everyone in To and Cc in Cc. Each
 * address once; results are address lists as above, NULL for none. */
void          tern_compose_reply_recipients (const TernMessage   *original,
                                             const char * const  *my_addresses,
                                             gboolean             reply_all,
                                             char               **to_out,
                                             char               **cc_out);

/* An address list as the user typed it: TRUE if every entry is an address (local@domain);
 * *count_out (may be NULL) gets how many there are (0 for blank text). FALSE otherwise, with
 * the first entry that is not an address in *invalid_out (may be NULL). */
gboolean      tern_compose_check_addresses  (const char    *text,
                                             guint         *count_out,
                                             char         **invalid_out);

/* A mailto: URI (RFC 6068), decoded: address lists ("a@b, c@d"; NULL for none), the
 * subject and the body (LF line ends), each valid UTF-8 with no line breaks in the header
 * fields. Other header fields are ignored: a link never sets anything else. */
typedef struct
{
  char *to;
  char *cc;
  char *bcc;
  char *subject;
  char *body;
  char *in_reply_to;
} TernMailto;

void          tern_mailto_free              (TernMailto    *mailto);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TernMailto, tern_mailto_free)

/* G_IO_ERROR_INVALID_ARGUMENT for a URI that is not mailto:. (transfer full) */
TernMailto   *tern_compose_parse_mailto     (const char    *uri,
                                             GError       **error) G_GNUC_WARN_UNUSED_RESULT;

/* A message taken apart to be edited again (a draft): its fields as a user would type them,
 * the text (unflowed; from the HTML when there is no plain text), and its attachments
 * written out as files. */
typedef struct
{
  char    *path;
  char    *filename;
  char    *content_type;   /* "message/rfc822" for a forwarded message */
  guint64  size;
} TernComposeFile;

typedef struct
{
  char      *from;
  char      *to;
  char      *cc;
  char      *bcc;
  char      *subject;
  char      *body;
  char      *message_id;   /* "<...>" */
  char      *in_reply_to;
  char      *references;
  GPtrArray *attachments;  /* TernComposeFile */
} TernComposeParsed;

void          tern_compose_parsed_free      (TernComposeParsed *parsed);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TernComposeParsed, tern_compose_parsed_free)

/* Attachments go into files in attachment_dir (created if needed). G_IO_ERROR_INVALID_DATA for
 * what GMime cannot parse. (transfer full) */
TernComposeParsed *tern_compose_parse_message (GBytes      *raw,
                                             const char    *attachment_dir,
                                             GError       **error) G_GNUC_WARN_UNUSED_RESULT;

/* TRUE if the text says something is attached (attach, attached, attachment, enclosed; and
 * Anhang, pièce jointe, adjunto, allegato, bijlage and a few more), quoted lines ("> ...")
 * left out: a reply to a message that had an attachment does not count. */
gboolean      tern_compose_mentions_attachment (const char *text);

G_END_DECLS
