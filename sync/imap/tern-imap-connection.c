/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "tern-imap-connection"

#include "config.h"

#include <string.h>

#include "tern-certificate.h"
#include "tern-imap-connection-private.h"

/*
 * One IMAP connection: libetpan speaks the protocol, GIO carries the bytes (see
 * tern-imap-stream.c), so certificates are verified, the connection can be cancelled
 * from another thread, and every failure becomes a TERN_SYNC_ERROR that says what to
 * do next.
 *
 * libetpan is used through its public API only. Where it is wrong (IDLE, SELECT with
 * QRESYNC, authentication with a verified server signature) the commands are written
 * here as raw lines and the responses still go through mailimap_parse_response(), so
 * their results land in session->imap_response_info / imap_selection_info like those
 * of any libetpan call.
 *
 * The type is implemented by several files (tern-imap-connection-private.h): this one
 * (errors, raw commands, capabilities, life cycle), tern-imap-tls.c (connecting),
 * tern-imap-auth.c (logging in), tern-imap-idle.c and tern-imap-commands.c.
 */

/* Settings and certificates */

char *
_tern_imap_certificate_sha256 (GTlsCertificate *certificate)
{
  return tern_certificate_dup_sha256 (certificate);
}

/* Errors and the dead state */

gboolean
_tern_imap_is_dead (TernImapConnection *self)
{
  return self->dead_error != NULL || self->closed ||
         g_atomic_int_get (&self->stream_state.dead) ||
         g_cancellable_is_cancelled (self->cancellable);
}

void
_tern_imap_mark_dead (TernImapConnection *self,
                      const GError       *reason)
{
  if (self->dead_error == NULL)
    self->dead_error = g_error_copy (reason);
  g_atomic_int_set (&self->stream_state.dead, 1);
}

gboolean
_tern_imap_fail_dead (TernImapConnection  *self,
                      GError             **error)
{
  if (g_cancellable_is_cancelled (self->cancellable))
    g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_CANCELLED, "The operation was cancelled");
  else if (self->dead_error != NULL)
    g_propagate_error (error, g_error_copy (self->dead_error));
  else if (self->stream_state.error != NULL)
    g_propagate_error (error, g_error_copy (self->stream_state.error));
  else
    g_set_error_literal (error, TERN_SYNC_ERROR, TERN_SYNC_ERROR_TRANSIENT,
                         "The connection is closed");
  return FALSE;
}

gboolean
_tern_imap_fail (TernImapConnection  *self,
                 gboolean             fatal,
                 GError              *local_error,
                 GError             **error)
{
  if (fatal)
    _tern_imap_mark_dead (self, local_error);
  g_propagate_error (error, local_error);
  return FALSE;
}

gboolean
_tern_imap_ensure_usable (TernImapConnection  *self,
                          GError             **error)
{
  if (_tern_imap_is_dead (self))
    return _tern_imap_fail_dead (self, error);

  if (self->session == NULL || self->session->imap_stream == NULL)
    {
      g_set_error_literal (error, TERN_SYNC_ERROR, TERN_SYNC_ERROR_TRANSIENT,
                           "The connection is not open");
      return FALSE;
    }

  return TRUE;
}

const char *
_tern_imap_server_text (TernImapConnection *self)
{
  if (self->session != NULL && self->session->imap_response != NULL &&
      *self->session->imap_response != '\0')
    return self->session->imap_response;
  return "no reason given";
}

static char *
dup_last_line (TernImapConnection *self)
{
  MMAPString *buffer = self->session->imap_stream_buffer;
  gsize end, start;

  if (buffer == NULL || buffer->str == NULL)
    return g_strdup ("");

  end = buffer->len;
  while (end > 0 && (buffer->str[end - 1] == '\n' || buffer->str[end - 1] == '\r'))
    end--;
  start = end;
  while (start > 0 && buffer->str[start - 1] != '\n')
    start--;

  return g_strndup (buffer->str + start, end - start);
}

/* TRUE if the last line read is "<current tag> <status> ...". */
gboolean
_tern_imap_last_line_is_tagged (TernImapConnection *self,
                                const char         *status)
{
  g_autofree char *line = dup_last_line (self);
  g_autofree char *prefix = g_strdup_printf ("%d %s", self->session->imap_tag, status);
  gsize len = strlen (prefix);

  return g_ascii_strncasecmp (line, prefix, len) == 0 &&
         (line[len] == ' ' || line[len] == '\0');
}

static gboolean
response_says_no_such_folder (TernImapConnection *self)
{
  static const char * const missing[] = {
    "doesn't exist", "does not exist", "not found", "no such", "unknown", "could not be found",
  };
  struct mailimap_response_info *info;
  g_autofree char *line = NULL;
  g_autofree char *lower = NULL;

  if (self->session == NULL)
    return FALSE;

  info = self->session->imap_response_info;
  if (info != NULL && info->rsp_trycreate)
    return TRUE;
  if (info != NULL && info->rsp_atom != NULL &&
      g_ascii_strcasecmp (info->rsp_atom, "NONEXISTENT") == 0)
    return TRUE;

  line = dup_last_line (self);
  lower = g_ascii_strdown (line, -1);
  if (strstr (lower, "[trycreate]") != NULL || strstr (lower, "[nonexistent]") != NULL)
    return TRUE;

  /* Dovecot 2.3 answers SELECT and STATUS of a missing mailbox with a bare
   * "NO Mailbox doesn't exist: name", without [NONEXISTENT]; others word it similarly. */
  if (strstr (lower, "mailbox") == NULL && strstr (lower, "folder") == NULL)
    return FALSE;
  for (guint i = 0; i < G_N_ELEMENTS (missing); i++)
    {
      if (strstr (lower, missing[i]) != NULL)
        return TRUE;
    }

  return FALSE;
}

gboolean
_tern_imap_command_failed (TernImapConnection  *self,
                           gboolean             bad,
                           const char          *what,
                           GError             **error)
{
  int code = response_says_no_such_folder (self) ? TERN_SYNC_ERROR_NO_SUCH_FOLDER
                                                 : TERN_SYNC_ERROR_PERMANENT;

  g_set_error (error, TERN_SYNC_ERROR, code, "%s %s: %s", what,
               bad ? "was rejected by the server" : "failed", _tern_imap_server_text (self));
  return FALSE;
}

gboolean
tern_imap_connection_check (TernImapConnection  *self,
                            int                  r,
                            const char          *what,
                            GError             **error)
{
  g_autoptr(GError) local_error = NULL;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (what != NULL, FALSE);

  switch (r)
    {
    case MAILIMAP_NO_ERROR:
    case MAILIMAP_NO_ERROR_AUTHENTICATED:
    case MAILIMAP_NO_ERROR_NON_AUTHENTICATED:
      return TRUE;

    case MAILIMAP_ERROR_PROTOCOL:
      /* libetpan reports a tagged BAD like a desynchronised stream. A BAD leaves the
       * connection in step, so it is only this command that failed. */
      if (!_tern_imap_is_dead (self) && self->session != NULL && _tern_imap_last_line_is_tagged (self, "BAD"))
        return _tern_imap_command_failed (self, TRUE, what, error);
      G_GNUC_FALLTHROUGH;
    case MAILIMAP_ERROR_STREAM:
    case MAILIMAP_ERROR_PARSE:
    case MAILIMAP_ERROR_FATAL:
    case MAILIMAP_ERROR_DONT_ACCEPT_CONNECTION:
    case MAILIMAP_ERROR_SSL:
    case MAILIMAP_ERROR_NEEDS_MORE_DATA:
      /* After these libetpan no longer knows where a response starts: the connection
       * is dropped and every later call fails at once. */
      if (g_cancellable_is_cancelled (self->cancellable))
        local_error = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED,
                                           "The operation was cancelled");
      else if (self->dead_error != NULL)
        local_error = g_error_copy (self->dead_error);
      else if (self->stream_state.error != NULL)
        local_error = g_error_copy (self->stream_state.error);
      else if (r == MAILIMAP_ERROR_FATAL || r == MAILIMAP_ERROR_DONT_ACCEPT_CONNECTION)
        local_error = g_error_new (TERN_SYNC_ERROR, TERN_SYNC_ERROR_TRANSIENT,
                                   "The server closed the connection during %s: %s",
                                   what, _tern_imap_server_text (self));
      else if (r == MAILIMAP_ERROR_PARSE)
        local_error = g_error_new (TERN_SYNC_ERROR, TERN_SYNC_ERROR_TRANSIENT,
                                   "Could not understand the server's reply to %s", what);
      else
        local_error = g_error_new (TERN_SYNC_ERROR, TERN_SYNC_ERROR_TRANSIENT,
                                   "The connection was lost during %s", what);
      _tern_imap_mark_dead (self, local_error);
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;

    case MAILIMAP_ERROR_BAD_STATE:
      if (_tern_imap_is_dead (self))
        return _tern_imap_fail_dead (self, error);
      g_set_error (error, TERN_SYNC_ERROR, TERN_SYNC_ERROR_PERMANENT,
                   "%s is not possible in the current connection state", what);
      return FALSE;

    case MAILIMAP_ERROR_MEMORY:
      g_set_error (error, TERN_SYNC_ERROR, TERN_SYNC_ERROR_TRANSIENT,
                   "%s failed: out of memory", what);
      return FALSE;

    case MAILIMAP_ERROR_INVAL:
    case MAILIMAP_ERROR_EXTENSION:
      g_set_error (error, TERN_SYNC_ERROR, TERN_SYNC_ERROR_PERMANENT,
                   "%s failed: invalid request", what);
      return FALSE;

    case MAILIMAP_ERROR_LOGIN:
      g_set_error (error, TERN_SYNC_ERROR, TERN_SYNC_ERROR_AUTH,
                   "%s failed: %s", what, _tern_imap_server_text (self));
      return FALSE;

    default:
      /* The server answered NO. */
      return _tern_imap_command_failed (self, FALSE, what, error);
    }
}

/* Raw commands through the libetpan stream */

gboolean
_tern_imap_check_stream (TernImapConnection  *self,
                         const char          *what,
                         GError             **error)
{
  return tern_imap_connection_check (self, MAILIMAP_ERROR_STREAM, what, error);
}

gboolean
_tern_imap_write_data (TernImapConnection  *self,
                       const char          *data,
                       gsize                length,
                       const char          *what,
                       GError             **error)
{
  if (length == 0)
    return TRUE;

  if (mailstream_write (self->session->imap_stream, data, length) != (ssize_t) length)
    return _tern_imap_check_stream (self, what, error);

  return TRUE;
}

gboolean
_tern_imap_write_str (TernImapConnection  *self,
                      const char          *str,
                      const char          *what,
                      GError             **error)
{
  return _tern_imap_write_data (self, str, strlen (str), what, error);
}

gboolean
_tern_imap_flush (TernImapConnection  *self,
                  const char          *what,
                  GError             **error)
{
  if (mailstream_flush (self->session->imap_stream) == -1)
    return _tern_imap_check_stream (self, what, error);

  return TRUE;
}

/* Writes a secret line (a password or a SASL response): loggers see it as private. */
gboolean
_tern_imap_write_secret_line (TernImapConnection  *self,
                              const char          *line,
                              const char          *what,
                              GError             **error)
{
  gboolean ok;

  mailstream_set_privacy (self->session->imap_stream, 0);
  ok = _tern_imap_write_str (self, line, what, error) &&
       _tern_imap_write_str (self, "\r\n", what, error) &&
       _tern_imap_flush (self, what, error);
  mailstream_set_privacy (self->session->imap_stream, 1);

  return ok;
}

gboolean
_tern_imap_begin_command (TernImapConnection  *self,
                          const char          *what,
                          GError             **error)
{
  if (!_tern_imap_ensure_usable (self, error))
    return FALSE;

  if (self->idling)
    {
      g_set_error (error, TERN_SYNC_ERROR, TERN_SYNC_ERROR_PERMANENT,
                   "%s is not possible while idling", what);
      return FALSE;
    }

  return tern_imap_connection_check (self, mailimap_send_current_tag (self->session), what, error);
}

const char *
_tern_imap_read_line (TernImapConnection  *self,
                      const char          *what,
                      GError             **error)
{
  const char *line = mailimap_read_line (self->session);

  if (line == NULL)
    _tern_imap_check_stream (self, what, error);

  return line;
}

gboolean
_tern_imap_is_continuation (const char *line)
{
  return line[0] == '+';
}

/* The text after "+ " without the line end, as a new string. */
char *
_tern_imap_continuation_text (const char *line)
{
  const char *p = line + 1;
  gsize len;

  if (*p == ' ')
    p++;
  len = strlen (p);
  while (len > 0 && (p[len - 1] == '\r' || p[len - 1] == '\n'))
    len--;

  return g_strndup (p, len);
}

/*
 * Parses the response whose first line mailimap_read_line() just read, through the
 * tagged line; the results land in the session. *status_out gets
 * MAILIMAP_RESP_COND_STATE_OK, _NO or _BAD.
 */
gboolean
_tern_imap_parse_response (TernImapConnection  *self,
                           const char          *what,
                           int                 *status_out,
                           GError             **error)
{
  struct mailimap_response *response = NULL;
  int r;

  r = mailimap_parse_response (self->session, &response);
  if (r == MAILIMAP_NO_ERROR)
    {
      *status_out = response->rsp_resp_done->rsp_data.rsp_tagged->rsp_cond_state->rsp_type;
      mailimap_response_free (response);
      return TRUE;
    }

  if (r == MAILIMAP_ERROR_PROTOCOL && _tern_imap_last_line_is_tagged (self, "BAD"))
    {
      *status_out = MAILIMAP_RESP_COND_STATE_BAD;
      return TRUE;
    }

  return tern_imap_connection_check (self, r, what, error);
}

gboolean
_tern_imap_read_response (TernImapConnection  *self,
                          const char          *what,
                          int                 *status_out,
                          GError             **error)
{
  return _tern_imap_read_line (self, what, error) != NULL &&
         _tern_imap_parse_response (self, what, status_out, error);
}

static gboolean
can_quote (const char *str)
{
  gsize len = 0;

  for (const guchar *p = (const guchar *) str; *p != '\0'; p++, len++)
    {
      if (*p == '\r' || *p == '\n' || *p >= 0x80)
        return FALSE;
    }

  return len < 1024;
}

/*
 * Sends str as an IMAP string: quoted when possible, else as a synchronising literal
 * (waits for the server's continuation). If the server refuses the literal, the
 * command is over: *sent is FALSE, *status_out has the tagged status, TRUE is returned.
 */
gboolean
_tern_imap_write_string (TernImapConnection  *self,
                         const char          *str,
                         gboolean             secret,
                         const char          *what,
                         gboolean            *sent,
                         int                 *status_out,
                         GError             **error)
{
  g_autofree char *header = NULL;
  const char *line;
  gboolean ok;

  *sent = TRUE;

  if (can_quote (str))
    {
      GString *quoted = g_string_sized_new (strlen (str) + 2);

      g_string_append_c (quoted, '"');
      for (const char *p = str; *p != '\0'; p++)
        {
          if (*p == '"' || *p == '\\')
            g_string_append_c (quoted, '\\');
          g_string_append_c (quoted, *p);
        }
      g_string_append_c (quoted, '"');

      if (secret)
        mailstream_set_privacy (self->session->imap_stream, 0);
      ok = _tern_imap_write_data (self, quoted->str, quoted->len, what, error);
      if (secret)
        mailstream_set_privacy (self->session->imap_stream, 1);
      g_string_free (quoted, TRUE);
      return ok;
    }

  header = g_strdup_printf ("{%zu}\r\n", strlen (str));
  if (!_tern_imap_write_str (self, header, what, error) || !_tern_imap_flush (self, what, error))
    return FALSE;

  line = _tern_imap_read_line (self, what, error);
  if (line == NULL)
    return FALSE;
  if (!_tern_imap_is_continuation (line))
    {
      *sent = FALSE;
      return _tern_imap_parse_response (self, what, status_out, error);
    }

  if (secret)
    mailstream_set_privacy (self->session->imap_stream, 0);
  ok = _tern_imap_write_str (self, str, what, error);
  if (secret)
    mailstream_set_privacy (self->session->imap_stream, 1);

  return ok;
}

static gboolean
is_select_command (const char *command)
{
  return g_ascii_strncasecmp (command, "SELECT ", 7) == 0 ||
         g_ascii_strncasecmp (command, "EXAMINE ", 8) == 0;
}

void
_tern_imap_begin_select (TernImapConnection *self)
{
  /* libetpan stores FLAGS, EXISTS, UIDVALIDITY... only if a selection info exists. */
  g_clear_pointer (&self->session->imap_selection_info, mailimap_selection_info_free);
  self->session->imap_selection_info = mailimap_selection_info_new ();
}

void
_tern_imap_end_select (TernImapConnection *self,
                       gboolean            selected)
{
  if (selected)
    {
      self->session->imap_state = MAILIMAP_STATE_SELECTED;
    }
  else
    {
      /* A failed SELECT leaves no mailbox selected (RFC 3501, 6.3.1). */
      g_clear_pointer (&self->session->imap_selection_info, mailimap_selection_info_free);
      self->session->imap_state = MAILIMAP_STATE_AUTHENTICATED;
    }
}

static char *
command_name (const char *command)
{
  g_auto(GStrv) words = g_strsplit (command, " ", 3);

  if (words[0] == NULL)
    return g_strdup ("command");
  if (g_ascii_strcasecmp (words[0], "UID") == 0 && words[1] != NULL)
    return g_ascii_strup (command, strlen (words[0]) + 1 + strlen (words[1]));

  return g_ascii_strup (words[0], -1);
}

gboolean
tern_imap_connection_raw_command (TernImapConnection  *self,
                                  const char          *command,
                                  GError             **error)
{
  g_autofree char *what = NULL;
  gboolean select;
  int status;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (command != NULL, FALSE);

  what = command_name (command);
  select = is_select_command (command);

  if (!_tern_imap_begin_command (self, what, error))
    return FALSE;

  if (select)
    _tern_imap_begin_select (self);

  if (!_tern_imap_write_str (self, command, what, error) ||
      !_tern_imap_write_str (self, "\r\n", what, error) ||
      !_tern_imap_flush (self, what, error) ||
      !_tern_imap_read_response (self, what, &status, error))
    return FALSE;

  if (select)
    _tern_imap_end_select (self, status == MAILIMAP_RESP_COND_STATE_OK);

  if (status != MAILIMAP_RESP_COND_STATE_OK)
    return _tern_imap_command_failed (self, status == MAILIMAP_RESP_COND_STATE_BAD, what, error);

  return TRUE;
}

/* Capabilities */

void
_tern_imap_forget_capabilities (TernImapConnection *self)
{
  struct mailimap_connection_info *info = self->session->imap_connection_info;

  if (info == NULL)
    self->session->imap_connection_info = mailimap_connection_info_new ();
  else
    g_clear_pointer (&info->imap_capability, mailimap_capability_data_free);
}

gboolean
_tern_imap_have_capabilities (TernImapConnection *self)
{
  return self->session->imap_connection_info != NULL &&
         self->session->imap_connection_info->imap_capability != NULL;
}

gboolean
_tern_imap_read_capabilities (TernImapConnection  *self,
                              GError             **error)
{
  if (!_tern_imap_ensure_usable (self, error))
    return FALSE;

  /* Not libetpan's mailimap_capability(): a tagged OK without "* CAPABILITY" before it
   * leaves the session's list NULL, which it then dereferences (#17). The untagged list
   * still goes through libetpan's parser into the session. */
  _tern_imap_forget_capabilities (self);
  if (!tern_imap_connection_raw_command (self, "CAPABILITY", error))
    return FALSE;

  /* No list at all is no capability: STARTTLS is then "not offered", nothing is assumed. */
  if (self->session->imap_connection_info == NULL)
    self->session->imap_connection_info = mailimap_connection_info_new ();
  if (self->session->imap_connection_info->imap_capability == NULL)
    {
      g_debug ("%s answered CAPABILITY without a capability list", self->host);
      self->session->imap_connection_info->imap_capability = mailimap_capability_data_new (clist_new ());
    }
  return TRUE;
}

gboolean
_tern_imap_capability_in (struct mailimap_capability_data *capabilities,
                          const char                      *name)
{
  gboolean auth;

  if (capabilities == NULL)
    return FALSE;

  auth = g_ascii_strncasecmp (name, "AUTH=", 5) == 0;

  for (clistiter *cur = clist_begin (capabilities->cap_list); cur != NULL; cur = clist_next (cur))
    {
      struct mailimap_capability *capability = clist_content (cur);

      if (auth && capability->cap_type == MAILIMAP_CAPABILITY_AUTH_TYPE &&
          g_ascii_strcasecmp (capability->cap_data.cap_auth_type, name + 5) == 0)
        return TRUE;
      if (!auth && capability->cap_type == MAILIMAP_CAPABILITY_NAME &&
          g_ascii_strcasecmp (capability->cap_data.cap_name, name) == 0)
        return TRUE;
    }

  return FALSE;
}

gboolean
tern_imap_connection_has_capability (TernImapConnection *self,
                                     const char         *name)
{
  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (name != NULL, FALSE);

  if (self->session == NULL || !_tern_imap_have_capabilities (self))
    return FALSE;

  return _tern_imap_capability_in (self->session->imap_connection_info->imap_capability, name);
}

/* Life cycle */

void
tern_imap_global_init (void)
{
  static gsize done = 0;

  /* libetpan's globals must be set before any worker starts. */
  if (g_once_init_enter (&done))
    {
      mailstream_network_delay.tv_sec = 30;
      mailstream_network_delay.tv_usec = 0;
      g_once_init_leave (&done, 1);
    }
}

TernImapConnection *
tern_imap_connection_new (const TernImapSettings *settings)
{
  TernImapConnection *self;

  g_return_val_if_fail (settings != NULL, NULL);
  g_return_val_if_fail (settings->host != NULL && *settings->host != '\0', NULL);
  g_return_val_if_fail (settings->user != NULL, NULL);

  self = g_new0 (TernImapConnection, 1);
  self->host = g_strdup (settings->host);
  self->user = g_strdup (settings->user);
  self->ca_file = (settings->ca_file && *settings->ca_file) ? g_strdup (settings->ca_file) : NULL;
  self->pinned_sha256 = tern_certificate_normalize_fingerprint (settings->pinned_sha256);
  self->security = settings->security;
  self->no_compress = !!settings->no_compress;
  self->port = settings->port;
  if (self->port == 0)
    self->port = settings->security == TERN_IMAP_SECURITY_TLS ? 993 : 143;
  self->timeout_seconds = settings->timeout_seconds ? settings->timeout_seconds
                                                    : DEFAULT_TIMEOUT_SECONDS;
  self->cancellable = g_cancellable_new ();
  _tern_imap_stream_state_init (&self->stream_state, self->cancellable, self->timeout_seconds);

  return self;
}

void
tern_imap_connection_cancel (TernImapConnection *self)
{
  g_return_if_fail (self != NULL);

  /* Only thread-safe operations here: the owner thread may be inside a read. */
  g_atomic_int_set (&self->stream_state.dead, 1);
  g_cancellable_cancel (self->cancellable);
}

void
tern_imap_connection_close (TernImapConnection *self)
{
  g_return_if_fail (self != NULL);

  if (self->closed)
    return;

  if (self->session != NULL && self->session->imap_stream != NULL)
    {
      if (self->idling && !_tern_imap_is_dead (self))
        {
          /* End IDLE politely, but do not wait long for it. */
          g_socket_set_timeout (_tern_imap_get_socket (self),
                                MIN (self->timeout_seconds, LOGOUT_TIMEOUT_SECONDS));
          self->stream_state.timeout_seconds = MIN (self->timeout_seconds, LOGOUT_TIMEOUT_SECONDS);
          tern_imap_connection_idle_done (self, NULL);
        }

      if (_tern_imap_is_dead (self) || self->idling)
        {
          /* mailimap_logout() on a dead connection would wait a full timeout. */
          self->stream_state.abort_on_close = TRUE;
          mailstream_close (self->session->imap_stream);
          self->session->imap_stream = NULL;
          self->session->imap_state = MAILIMAP_STATE_DISCONNECTED;
        }
      else
        {
          g_socket_set_timeout (_tern_imap_get_socket (self),
                                MIN (self->timeout_seconds, LOGOUT_TIMEOUT_SECONDS));
          self->stream_state.timeout_seconds = MIN (self->timeout_seconds, LOGOUT_TIMEOUT_SECONDS);
          /* Closes the stream whatever the answer. */
          mailimap_logout (self->session);
        }
    }
  else if (self->socket_connection != NULL)
    {
      /* Failed before libetpan took the stream over (certificate refused, ...). */
      g_socket_close (_tern_imap_get_socket (self), NULL);
    }

  g_clear_object (&self->tls_connection);
  g_clear_object (&self->socket_connection);
  self->idling = FALSE;
  self->closed = TRUE;
  g_atomic_int_set (&self->stream_state.dead, 1);
}

void
tern_imap_connection_free (TernImapConnection *self)
{
  if (self == NULL)
    return;

  tern_imap_connection_close (self);

  g_clear_pointer (&self->session, mailimap_free);
  _tern_imap_stream_state_clear (&self->stream_state);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->peer_certificate);
  g_clear_error (&self->dead_error);
  g_free (self->host);
  g_free (self->preferred_mechanism);
  g_free (self->mechanism);
  g_free (self->user);
  g_free (self->ca_file);
  g_free (self->pinned_sha256);
  g_clear_pointer (&self->notified, g_ptr_array_unref);
  g_free (self);
}

/* Accessors */

mailimap *
tern_imap_connection_get_session (TernImapConnection *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return self->session;
}

gboolean
tern_imap_connection_is_encrypted (TernImapConnection *self)
{
  g_return_val_if_fail (self != NULL, FALSE);

  return self->encrypted;
}

gboolean
tern_imap_connection_is_compressed (TernImapConnection *self)
{
  g_return_val_if_fail (self != NULL, FALSE);

  return self->session != NULL && self->session->imap_stream != NULL &&
         _tern_imap_stream_is_deflating (mailstream_get_low (self->session->imap_stream));
}

char *
tern_imap_connection_dup_peer_sha256 (TernImapConnection *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  if (self->peer_certificate == NULL)
    return NULL;

  return _tern_imap_certificate_sha256 (self->peer_certificate);
}

char *
tern_imap_connection_dup_local_address (TernImapConnection *self)
{
  g_autoptr(GSocketAddress) address = NULL;

  g_return_val_if_fail (self != NULL, NULL);

  if (self->socket_connection == NULL)
    return NULL;
  address = g_socket_connection_get_local_address (self->socket_connection, NULL);
  if (!G_IS_INET_SOCKET_ADDRESS (address))
    return NULL;

  return g_inet_address_to_string (g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (address)));
}

static char *
format_date (GDateTime *date)
{
  return date ? g_date_time_format (date, "%Y-%m-%d") : g_strdup ("?");
}

char *
tern_imap_connection_dup_peer_description (TernImapConnection *self)
{
  g_autofree char *subject = NULL;
  g_autofree char *issuer = NULL;
  g_autofree char *sha256 = NULL;
  g_autofree char *from = NULL;
  g_autofree char *until = NULL;
  g_autoptr(GDateTime) not_before = NULL;
  g_autoptr(GDateTime) not_after = NULL;
  g_autoptr(GPtrArray) dns_names = NULL;
  g_autoptr(GPtrArray) ip_addresses = NULL;
  GString *out;

  g_return_val_if_fail (self != NULL, NULL);

  if (self->peer_certificate == NULL)
    return NULL;

  subject = g_tls_certificate_get_subject_name (self->peer_certificate);
  issuer = g_tls_certificate_get_issuer_name (self->peer_certificate);
  not_before = g_tls_certificate_get_not_valid_before (self->peer_certificate);
  not_after = g_tls_certificate_get_not_valid_after (self->peer_certificate);
  dns_names = g_tls_certificate_get_dns_names (self->peer_certificate);
  ip_addresses = g_tls_certificate_get_ip_addresses (self->peer_certificate);
  sha256 = _tern_imap_certificate_sha256 (self->peer_certificate);
  from = format_date (not_before);
  until = format_date (not_after);

  out = g_string_new (NULL);
  g_string_append_printf (out, "Subject: %s\n", subject ? subject : "?");
  if ((dns_names != NULL && dns_names->len > 0) ||
      (ip_addresses != NULL && ip_addresses->len > 0))
    {
      g_string_append (out, "Names:");
      for (guint i = 0; dns_names != NULL && i < dns_names->len; i++)
        {
          gsize len;
          const char *name = g_bytes_get_data (g_ptr_array_index (dns_names, i), &len);

          g_string_append_printf (out, " %.*s", (int) len, name);
        }
      for (guint i = 0; ip_addresses != NULL && i < ip_addresses->len; i++)
        {
          g_autofree char *address = g_inet_address_to_string (g_ptr_array_index (ip_addresses, i));

          g_string_append_printf (out, " %s", address);
        }
      g_string_append_c (out, '\n');
    }
  g_string_append_printf (out, "Issuer: %s\n", issuer ? issuer : "?");
  g_string_append_printf (out, "Valid: %s to %s\n", from, until);
  g_string_append_printf (out, "SHA-256: %s", sha256 ? sha256 : "?");
  if (self->peer_errors != 0)
    {
      g_autofree char *reasons = _tern_imap_describe_certificate_flags (self->peer_errors);

      g_string_append_printf (out, "\nProblem: it %s", reasons);
    }

  return g_string_free (out, FALSE);
}

GArray *
tern_imap_connection_take_skipped_uids (TernImapConnection *self)
{
  GArray *uids;

  g_return_val_if_fail (self != NULL, NULL);

  if (self->stream_state.skipped_deep_uids == NULL || self->stream_state.skipped_deep_uids->len == 0)
    return NULL;
  uids = g_steal_pointer (&self->stream_state.skipped_deep_uids);
  self->stream_state.skipped_deep_uids = g_array_new (FALSE, FALSE, sizeof (guint32));
  return uids;
}

guint64
tern_imap_connection_get_bytes_read (TernImapConnection *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return self->stream_state.bytes_read;
}

guint64
tern_imap_connection_get_bytes_written (TernImapConnection *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return self->stream_state.bytes_written;
}

guint
tern_imap_connection_get_round_trips (TernImapConnection *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return self->stream_state.round_trips;
}
