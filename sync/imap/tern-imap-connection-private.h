/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <libetpan/libetpan.h>

#include "tern-imap-commands.h"
#include "tern-imap-connection.h"
#include "tern-imap-stream.h"

G_BEGIN_DECLS

/*
 * Inside sync/imap/ only (and the imap layer's own tests): the connection's state and the
 * helpers its files share (tern-imap-connection.c: errors, raw commands, capabilities, life
 * cycle; tern-imap-tls.c: connecting; tern-imap-auth.c: logging in; tern-imap-idle.c;
 * tern-imap-commands.c and tern-imap-messages.c: the command API). Owner thread only,
 * like the connection.
 */

#define DEFAULT_TIMEOUT_SECONDS 30
#define LOGOUT_TIMEOUT_SECONDS  3
#define STREAM_BUFFER_SIZE      8192
#define SCRAM_MIN_ITERATIONS    4096
#define SCRAM_MAX_ITERATIONS    1000000
#define SHA256_LEN              32
#define IDLE_MAX_LITERAL        (16 * 1024 * 1024) /* news before "+" is flags, not bodies */

struct _TernImapConnection
{
  /* Settings, copied. */
  char                 *host;
  char                 *user;
  char                 *ca_file;
  char                 *pinned_sha256; /* normalised: lowercase hex, no separators */
  guint16               port;
  TernImapSecurity      security;
  guint                 timeout_seconds;

  /* Owned. */
  mailimap             *session;
  GSocketConnection    *socket_connection;
  GTlsConnection       *tls_connection;
  GCancellable         *cancellable;
  GTlsCertificate      *peer_certificate;
  GError               *dead_error;      /* why the connection is unusable, or NULL */
  TernImapStreamState   stream_state;

  /* Where parsed FETCH responses go (tern_imap_connection_set_fetch_func()). */
  TernImapFetchFunc     fetch_func;
  gpointer              fetch_data;

  GTlsCertificateFlags  peer_errors;
  /* Mailboxes a NOTIFY "* STATUS" named while idling (server names; "" for one Tern could
   * not read), until tern_imap_connection_take_notified(). */
  GPtrArray            *notified;
  /* The last idle_done() read news of the selected mailbox (EXISTS, EXPUNGE, FETCH,
   * VANISHED). */
  gboolean              idle_news;
  char                 *preferred_mechanism; /* tried first at login, if offered */
  char                 *mechanism;           /* the one that logged in, or NULL */
  guint                 encrypted : 1;
  guint                 qresync_enabled : 1;
  guint                 idling : 1;
  guint                 closed : 1;
  guint                 mechanism_refused : 1; /* the last AUTHENTICATE/LOGIN got a NO */
  guint                 no_compress : 1;
};

/* A parsed FETCH response, valid for one call of a TernImapFetchFunc. */
struct _TernImapFetchItem
{
  struct mailimap_msg_att *msg_att;
};

/*
 * The libetpan session under the connection, for this layer's tests. Valid until
 * tern_imap_connection_free().
 *
 * check(): turns a libetpan return code into a GError. STREAM, PARSE, PROTOCOL (except
 * a tagged BAD), FATAL: the connection is dead (later calls fail at once, libetpan's
 * too, since the driver refuses I/O) and the error is the real cause (OFFLINE for a
 * timeout, TRANSIENT for a dropped connection, G_IO_ERROR_CANCELLED). A NO or BAD:
 * PERMANENT "<what> failed: <server text>", NO_SUCH_FOLDER for [TRYCREATE],
 * [NONEXISTENT] or a "mailbox doesn't exist" text (Dovecot 2.3 sends no code there).
 *
 * raw_command(): one command line without tag and CRLF; no synchronising literals.
 * The responses are parsed by libetpan into session->imap_response_info /
 * imap_selection_info (valid until the next command). A command starting with SELECT
 * or EXAMINE gets a fresh selection info and sets imap_state like libetpan's SELECT.
 */
mailimap   *tern_imap_connection_get_session      (TernImapConnection              *self);
gboolean    tern_imap_connection_check            (TernImapConnection              *self,
                                                   int                              r,
                                                   const char                      *what,
                                                   GError                         **error);
gboolean    tern_imap_connection_raw_command      (TernImapConnection              *self,
                                                   const char                      *command,
                                                   GError                         **error);

/* Errors and the dead state (tern-imap-connection.c). */
gboolean    _tern_imap_is_dead                    (TernImapConnection              *self);
void        _tern_imap_mark_dead                  (TernImapConnection              *self,
                                                   const GError                    *reason);
gboolean    _tern_imap_fail_dead                  (TernImapConnection              *self,
                                                   GError                         **error);
/* Hands local_error on (marking the connection dead first if fatal); returns FALSE. */
gboolean    _tern_imap_fail                       (TernImapConnection              *self,
                                                   gboolean                         fatal,
                                                   GError                          *local_error,
                                                   GError                         **error);
gboolean    _tern_imap_ensure_usable              (TernImapConnection              *self,
                                                   GError                         **error);
const char *_tern_imap_server_text                (TernImapConnection              *self);
gboolean    _tern_imap_last_line_is_tagged        (TernImapConnection              *self,
                                                   const char                      *status);
gboolean    _tern_imap_command_failed             (TernImapConnection              *self,
                                                   gboolean                         bad,
                                                   const char                      *what,
                                                   GError                         **error);
gboolean    _tern_imap_check_stream               (TernImapConnection              *self,
                                                   const char                      *what,
                                                   GError                         **error);

/* Raw commands through the libetpan stream (tern-imap-connection.c). */
gboolean    _tern_imap_write_data                 (TernImapConnection              *self,
                                                   const char                      *data,
                                                   gsize                            length,
                                                   const char                      *what,
                                                   GError                         **error);
gboolean    _tern_imap_write_str                  (TernImapConnection              *self,
                                                   const char                      *str,
                                                   const char                      *what,
                                                   GError                         **error);
gboolean    _tern_imap_flush                      (TernImapConnection              *self,
                                                   const char                      *what,
                                                   GError                         **error);
gboolean    _tern_imap_write_secret_line          (TernImapConnection              *self,
                                                   const char                      *line,
                                                   const char                      *what,
                                                   GError                         **error);
gboolean    _tern_imap_begin_command              (TernImapConnection              *self,
                                                   const char                      *what,
                                                   GError                         **error);
const char *_tern_imap_read_line                  (TernImapConnection              *self,
                                                   const char                      *what,
                                                   GError                         **error);
gboolean    _tern_imap_is_continuation            (const char                      *line);
/* tern-imap-notify.c: notes the mailbox of an untagged "* STATUS" line (NOTIFY). */
void        _tern_imap_note_status_line           (TernImapConnection              *self,
                                                   const char                      *line);
char       *_tern_imap_continuation_text          (const char                      *line);
gboolean    _tern_imap_parse_response             (TernImapConnection              *self,
                                                   const char                      *what,
                                                   int                             *status_out,
                                                   GError                         **error);
gboolean    _tern_imap_read_response              (TernImapConnection              *self,
                                                   const char                      *what,
                                                   int                             *status_out,
                                                   GError                         **error);
gboolean    _tern_imap_write_string               (TernImapConnection              *self,
                                                   const char                      *str,
                                                   gboolean                         secret,
                                                   const char                      *what,
                                                   gboolean                        *sent,
                                                   int                             *status_out,
                                                   GError                         **error);
void        _tern_imap_begin_select               (TernImapConnection              *self);
void        _tern_imap_end_select                 (TernImapConnection              *self,
                                                   gboolean                         selected);

/* Capabilities (tern-imap-connection.c). */
void        _tern_imap_forget_capabilities        (TernImapConnection              *self);
gboolean    _tern_imap_have_capabilities          (TernImapConnection              *self);
gboolean    _tern_imap_read_capabilities          (TernImapConnection              *self,
                                                   GError                         **error);
gboolean    _tern_imap_capability_in              (struct mailimap_capability_data *capabilities,
                                                   const char                      *name);

/* Certificates (tern-imap-connection.c, tern-imap-tls.c). */
char       *_tern_imap_certificate_sha256         (GTlsCertificate                 *certificate);
char       *_tern_imap_describe_certificate_flags (GTlsCertificateFlags             flags);

/* IDLE (tern-imap-idle.c). */
GSocket    *_tern_imap_get_socket                 (TernImapConnection              *self);
gssize      _tern_imap_literal_size               (const char                      *line);

/* UID SEARCH RETURN (ALL) criteria (RFC 4731), the ESEARCH answer read by hand (libetpan
 * cannot parse it), everything else handed to libetpan's parser (tern-imap-esearch.c).
 * Sorted UIDs. (transfer full) */
GArray     *_tern_imap_uid_esearch                (TernImapConnection              *self,
                                                   const char                      *criteria,
                                                   GError                         **error);

/* One LIST or LSUB line as the public type (tern-imap-commands.c). */
TernImapListEntry *_tern_imap_list_entry_new      (struct mailimap_mailbox_list    *mb);

/* Pipelined commands (tern-imap-messages.c): func (may be NULL) runs after each tagged
 * response, while the session's response info holds that command's results; ok says
 * whether it was OK. With a func, a NO or BAD is the func's business; without one, the
 * first fails the call (after every response is read). */
typedef void (*TernImapResponseFunc) (TernImapConnection *self,
                                      guint               index,
                                      gboolean            ok,
                                      gpointer            user_data);
gboolean    _tern_imap_pipeline                   (TernImapConnection              *self,
                                                   const char * const              *commands,
                                                   TernImapResponseFunc             func,
                                                   gpointer                         user_data,
                                                   GError                         **error);

/* SELECT, FETCH (tern-imap-commands.c). */
guint64     _tern_imap_find_highestmodseq         (TernImapConnection              *self);
/* Hands libetpan's per-message handler the fetch function (or takes it back). */
void        _tern_imap_install_fetch_func         (TernImapConnection              *self);
/* Appends a set as guint32 pairs (first, last), first <= last, "*" as G_MAXUINT32; creates
 * *pairs if NULL. */
void        _tern_imap_append_set                 (GArray                         **pairs,
                                                   struct mailimap_set             *set);

G_END_DECLS
