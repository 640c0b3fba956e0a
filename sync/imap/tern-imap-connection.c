/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "tern-imap-connection"

#include "config.h"

#include <string.h>
#include <sys/random.h>

#include "tern-imap-connection.h"
#include "tern-imap-stream.h"

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

  GTlsCertificateFlags  peer_errors;
  guint                 encrypted : 1;
  guint                 qresync_enabled : 1;
  guint                 idling : 1;
  guint                 closed : 1;
};

/* Settings and certificates */

static char *
normalize_fingerprint (const char *fingerprint)
{
  GString *out;

  if (fingerprint == NULL || *fingerprint == '\0')
    return NULL;

  out = g_string_new (NULL);
  for (const char *p = fingerprint; *p != '\0'; p++)
    {
      if (g_ascii_isxdigit (*p))
        g_string_append_c (out, g_ascii_tolower (*p));
    }

  return g_string_free (out, FALSE);
}

static char *
certificate_sha256 (GTlsCertificate *certificate)
{
  g_autoptr(GByteArray) der = NULL;

  g_object_get (certificate, "certificate", &der, NULL);
  if (der == NULL)
    return NULL;

  return g_compute_checksum_for_data (G_CHECKSUM_SHA256, der->data, der->len);
}

static char *
describe_certificate_flags (GTlsCertificateFlags flags)
{
  static const struct
  {
    GTlsCertificateFlags  flag;
    const char           *text;
  } reasons[] = {
    { G_TLS_CERTIFICATE_UNKNOWN_CA, "is signed by an unknown authority" },
    { G_TLS_CERTIFICATE_BAD_IDENTITY, "does not match the server name" },
    { G_TLS_CERTIFICATE_NOT_ACTIVATED, "is not valid yet" },
    { G_TLS_CERTIFICATE_EXPIRED, "has expired" },
    { G_TLS_CERTIFICATE_REVOKED, "has been revoked" },
    { G_TLS_CERTIFICATE_INSECURE, "uses an insecure algorithm" },
    { G_TLS_CERTIFICATE_GENERIC_ERROR, "could not be verified" },
  };
  GString *out = g_string_new (NULL);

  for (guint i = 0; i < G_N_ELEMENTS (reasons); i++)
    {
      if (flags & reasons[i].flag)
        {
          if (out->len > 0)
            g_string_append (out, ", ");
          g_string_append (out, reasons[i].text);
        }
    }

  if (out->len == 0)
    g_string_append (out, "was refused");

  return g_string_free (out, FALSE);
}

static gboolean
accept_certificate_cb (GTlsConnection       *connection,
                       GTlsCertificate      *peer_certificate,
                       GTlsCertificateFlags  errors,
                       gpointer              user_data)
{
  TernImapConnection *self = user_data;
  g_autofree char *sha256 = NULL;

  /* Kept so that a UI can show the refused certificate and let the user pin it. */
  g_set_object (&self->peer_certificate, peer_certificate);
  self->peer_errors = errors;

  if (self->pinned_sha256 == NULL)
    return FALSE;

  sha256 = certificate_sha256 (peer_certificate);
  if (sha256 != NULL && g_str_equal (sha256, self->pinned_sha256))
    {
      g_debug ("Accepting the pinned certificate of %s despite %#x", self->host, errors);
      self->peer_errors = 0;
      return TRUE;
    }

  return FALSE;
}

/* Errors and the dead state */

static gboolean
is_dead (TernImapConnection *self)
{
  return self->dead_error != NULL || self->closed ||
         g_atomic_int_get (&self->stream_state.dead) ||
         g_cancellable_is_cancelled (self->cancellable);
}

static void
mark_dead (TernImapConnection *self,
           const GError       *reason)
{
  if (self->dead_error == NULL)
    self->dead_error = g_error_copy (reason);
  g_atomic_int_set (&self->stream_state.dead, 1);
}

static gboolean
fail_dead (TernImapConnection  *self,
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

static gboolean
fail (TernImapConnection  *self,
      gboolean             fatal,
      GError              *local_error,
      GError             **error)
{
  if (fatal)
    mark_dead (self, local_error);
  g_propagate_error (error, local_error);
  return FALSE;
}

static gboolean
ensure_usable (TernImapConnection  *self,
               GError             **error)
{
  if (is_dead (self))
    return fail_dead (self, error);

  if (self->session == NULL || self->session->imap_stream == NULL)
    {
      g_set_error_literal (error, TERN_SYNC_ERROR, TERN_SYNC_ERROR_TRANSIENT,
                           "The connection is not open");
      return FALSE;
    }

  return TRUE;
}

static const char *
server_text (TernImapConnection *self)
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
static gboolean
last_line_is_tagged (TernImapConnection *self,
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

static gboolean
command_failed (TernImapConnection  *self,
                gboolean             bad,
                const char          *what,
                GError             **error)
{
  int code = response_says_no_such_folder (self) ? TERN_SYNC_ERROR_NO_SUCH_FOLDER
                                                 : TERN_SYNC_ERROR_PERMANENT;

  g_set_error (error, TERN_SYNC_ERROR, code, "%s %s: %s", what,
               bad ? "was rejected by the server" : "failed", server_text (self));
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
      if (!is_dead (self) && self->session != NULL && last_line_is_tagged (self, "BAD"))
        return command_failed (self, TRUE, what, error);
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
                                   what, server_text (self));
      else if (r == MAILIMAP_ERROR_PARSE)
        local_error = g_error_new (TERN_SYNC_ERROR, TERN_SYNC_ERROR_TRANSIENT,
                                   "Could not understand the server's reply to %s", what);
      else
        local_error = g_error_new (TERN_SYNC_ERROR, TERN_SYNC_ERROR_TRANSIENT,
                                   "The connection was lost during %s", what);
      mark_dead (self, local_error);
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;

    case MAILIMAP_ERROR_BAD_STATE:
      if (is_dead (self))
        return fail_dead (self, error);
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
                   "%s failed: %s", what, server_text (self));
      return FALSE;

    default:
      /* The server answered NO. */
      return command_failed (self, FALSE, what, error);
    }
}

/* Raw commands through the libetpan stream */

static gboolean
check_stream (TernImapConnection  *self,
              const char          *what,
              GError             **error)
{
  return tern_imap_connection_check (self, MAILIMAP_ERROR_STREAM, what, error);
}

static gboolean
write_data (TernImapConnection  *self,
            const char          *data,
            gsize                length,
            const char          *what,
            GError             **error)
{
  if (length == 0)
    return TRUE;

  if (mailstream_write (self->session->imap_stream, data, length) != (ssize_t) length)
    return check_stream (self, what, error);

  return TRUE;
}

static gboolean
write_str (TernImapConnection  *self,
           const char          *str,
           const char          *what,
           GError             **error)
{
  return write_data (self, str, strlen (str), what, error);
}

static gboolean
flush (TernImapConnection  *self,
       const char          *what,
       GError             **error)
{
  if (mailstream_flush (self->session->imap_stream) == -1)
    return check_stream (self, what, error);

  return TRUE;
}

/* Writes a secret line (a password or a SASL response): loggers see it as private. */
static gboolean
write_secret_line (TernImapConnection  *self,
                   const char          *line,
                   const char          *what,
                   GError             **error)
{
  gboolean ok;

  mailstream_set_privacy (self->session->imap_stream, 0);
  ok = write_str (self, line, what, error) &&
       write_str (self, "\r\n", what, error) &&
       flush (self, what, error);
  mailstream_set_privacy (self->session->imap_stream, 1);

  return ok;
}

static gboolean
begin_command (TernImapConnection  *self,
               const char          *what,
               GError             **error)
{
  if (!ensure_usable (self, error))
    return FALSE;

  if (self->idling)
    {
      g_set_error (error, TERN_SYNC_ERROR, TERN_SYNC_ERROR_PERMANENT,
                   "%s is not possible while idling", what);
      return FALSE;
    }

  return tern_imap_connection_check (self, mailimap_send_current_tag (self->session), what, error);
}

static const char *
read_line (TernImapConnection  *self,
           const char          *what,
           GError             **error)
{
  const char *line = mailimap_read_line (self->session);

  if (line == NULL)
    check_stream (self, what, error);

  return line;
}

static gboolean
is_continuation (const char *line)
{
  return line[0] == '+';
}

/* The text after "+ " without the line end, as a new string. */
static char *
continuation_text (const char *line)
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
static gboolean
parse_response (TernImapConnection  *self,
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

  if (r == MAILIMAP_ERROR_PROTOCOL && last_line_is_tagged (self, "BAD"))
    {
      *status_out = MAILIMAP_RESP_COND_STATE_BAD;
      return TRUE;
    }

  return tern_imap_connection_check (self, r, what, error);
}

static gboolean
read_response (TernImapConnection  *self,
               const char          *what,
               int                 *status_out,
               GError             **error)
{
  return read_line (self, what, error) != NULL &&
         parse_response (self, what, status_out, error);
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
static gboolean
write_string (TernImapConnection  *self,
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
      ok = write_data (self, quoted->str, quoted->len, what, error);
      if (secret)
        mailstream_set_privacy (self->session->imap_stream, 1);
      g_string_free (quoted, TRUE);
      return ok;
    }

  header = g_strdup_printf ("{%zu}\r\n", strlen (str));
  if (!write_str (self, header, what, error) || !flush (self, what, error))
    return FALSE;

  line = read_line (self, what, error);
  if (line == NULL)
    return FALSE;
  if (!is_continuation (line))
    {
      *sent = FALSE;
      return parse_response (self, what, status_out, error);
    }

  if (secret)
    mailstream_set_privacy (self->session->imap_stream, 0);
  ok = write_str (self, str, what, error);
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

static void
begin_select (TernImapConnection *self)
{
  /* libetpan stores FLAGS, EXISTS, UIDVALIDITY... only if a selection info exists. */
  g_clear_pointer (&self->session->imap_selection_info, mailimap_selection_info_free);
  self->session->imap_selection_info = mailimap_selection_info_new ();
}

static void
end_select (TernImapConnection *self,
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

  if (!begin_command (self, what, error))
    return FALSE;

  if (select)
    begin_select (self);

  if (!write_str (self, command, what, error) ||
      !write_str (self, "\r\n", what, error) ||
      !flush (self, what, error) ||
      !read_response (self, what, &status, error))
    return FALSE;

  if (select)
    end_select (self, status == MAILIMAP_RESP_COND_STATE_OK);

  if (status != MAILIMAP_RESP_COND_STATE_OK)
    return command_failed (self, status == MAILIMAP_RESP_COND_STATE_BAD, what, error);

  return TRUE;
}

/* Capabilities */

static void
forget_capabilities (TernImapConnection *self)
{
  struct mailimap_connection_info *info = self->session->imap_connection_info;

  if (info == NULL)
    self->session->imap_connection_info = mailimap_connection_info_new ();
  else
    g_clear_pointer (&info->imap_capability, mailimap_capability_data_free);
}

static gboolean
have_capabilities (TernImapConnection *self)
{
  return self->session->imap_connection_info != NULL &&
         self->session->imap_connection_info->imap_capability != NULL;
}

static gboolean
read_capabilities (TernImapConnection  *self,
                   GError             **error)
{
  struct mailimap_capability_data *capabilities = NULL;
  int r;

  if (!ensure_usable (self, error))
    return FALSE;

  r = mailimap_capability (self->session, &capabilities);
  if (!tern_imap_connection_check (self, r, "CAPABILITY", error))
    return FALSE;

  /* libetpan hands back a copy; the session keeps its own. */
  mailimap_capability_data_free (capabilities);
  return TRUE;
}

static gboolean
capability_in (struct mailimap_capability_data *capabilities,
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

  if (self->session == NULL || !have_capabilities (self))
    return FALSE;

  return capability_in (self->session->imap_connection_info->imap_capability, name);
}

/* Connecting */

static gboolean
set_connect_error (TernImapConnection  *self,
                   GError              *local_error,
                   GError             **error)
{
  GError *mapped;

  if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    mapped = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED, "The operation was cancelled");
  else if (g_error_matches (local_error, G_RESOLVER_ERROR, G_RESOLVER_ERROR_NOT_FOUND))
    mapped = g_error_new (TERN_SYNC_ERROR, TERN_SYNC_ERROR_CONFIG,
                          "Unknown host %s: check the server name", self->host);
  else if (local_error->domain == G_RESOLVER_ERROR)
    mapped = g_error_new (TERN_SYNC_ERROR, TERN_SYNC_ERROR_OFFLINE,
                          "Cannot look up %s: %s", self->host, local_error->message);
  else if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED))
    mapped = g_error_new (TERN_SYNC_ERROR, TERN_SYNC_ERROR_OFFLINE,
                          "%s refused the connection on port %u", self->host, self->port);
  else if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT))
    mapped = g_error_new (TERN_SYNC_ERROR, TERN_SYNC_ERROR_OFFLINE,
                          "Connecting to %s port %u timed out after %u s",
                          self->host, self->port, self->timeout_seconds);
  else
    mapped = g_error_new (TERN_SYNC_ERROR, TERN_SYNC_ERROR_OFFLINE,
                          "Cannot connect to %s port %u: %s",
                          self->host, self->port, local_error->message);

  g_error_free (local_error);
  return fail (self, TRUE, mapped, error);
}

static gboolean
set_handshake_error (TernImapConnection  *self,
                     GError              *local_error,
                     GError             **error)
{
  GError *mapped;

  if (self->peer_errors != 0 ||
      g_error_matches (local_error, G_TLS_ERROR, G_TLS_ERROR_BAD_CERTIFICATE))
    {
      g_autofree char *reasons = describe_certificate_flags (self->peer_errors);
      g_autofree char *subject = NULL;
      g_autofree char *issuer = NULL;

      if (self->peer_certificate != NULL)
        {
          subject = g_tls_certificate_get_subject_name (self->peer_certificate);
          issuer = g_tls_certificate_get_issuer_name (self->peer_certificate);
        }

      mapped = g_error_new (TERN_SYNC_ERROR, TERN_SYNC_ERROR_CERTIFICATE,
                            "The certificate of %s %s (subject: %s; issuer: %s)%s",
                            self->host, reasons,
                            subject ? subject : "unknown", issuer ? issuer : "unknown",
                            self->pinned_sha256 ? "; it is not the pinned certificate" : "");
    }
  else if (g_error_matches (local_error, G_TLS_ERROR, G_TLS_ERROR_NOT_TLS))
    {
      mapped = g_error_new (TERN_SYNC_ERROR, TERN_SYNC_ERROR_CONFIG,
                            "%s port %u does not speak TLS: check the port and security settings",
                            self->host, self->port);
    }
  else if (g_error_matches (local_error, G_TLS_ERROR, G_TLS_ERROR_HANDSHAKE) ||
           g_error_matches (local_error, G_TLS_ERROR, G_TLS_ERROR_INAPPROPRIATE_FALLBACK))
    {
      mapped = g_error_new (TERN_SYNC_ERROR, TERN_SYNC_ERROR_CONFIG,
                            "The TLS handshake with %s failed: %s",
                            self->host, local_error->message);
    }
  else
    {
      mapped = _tern_imap_stream_map_error (local_error, self->timeout_seconds);
    }

  g_error_free (local_error);
  return fail (self, TRUE, mapped, error);
}

static gboolean
start_tls (TernImapConnection  *self,
           GError             **error)
{
  g_autoptr(GSocketConnectable) identity = NULL;
  g_autoptr(GIOStream) tls = NULL;
  GError *local_error = NULL;
  GTlsProtocolVersion version;
  gulong handler;
  gboolean ok;

  identity = g_network_address_new (self->host, self->port);
  tls = g_tls_client_connection_new (G_IO_STREAM (self->socket_connection), identity,
                                     &local_error);
  if (tls == NULL)
    {
      GError *mapped = g_error_new (TERN_SYNC_ERROR, TERN_SYNC_ERROR_CONFIG,
                                    "TLS is not available: %s", local_error->message);

      g_error_free (local_error);
      return fail (self, TRUE, mapped, error);
    }

  if (self->ca_file != NULL)
    {
      g_autoptr(GTlsDatabase) database = g_tls_file_database_new (self->ca_file, &local_error);

      if (database == NULL)
        {
          GError *mapped = g_error_new (TERN_SYNC_ERROR, TERN_SYNC_ERROR_CONFIG,
                                        "Cannot load the certificate authorities in %s: %s",
                                        self->ca_file, local_error->message);

          g_error_free (local_error);
          return fail (self, TRUE, mapped, error);
        }
      g_tls_connection_set_database (G_TLS_CONNECTION (tls), database);
    }

  /* glib-networking runs a synchronous handshake in a pool thread but emits
   * accept-certificate in this one (it iterates a private context meanwhile), so the
   * handler may touch self. */
  self->peer_errors = 0;
  handler = g_signal_connect (tls, "accept-certificate", G_CALLBACK (accept_certificate_cb), self);
  ok = g_tls_connection_handshake (G_TLS_CONNECTION (tls), self->cancellable, &local_error);
  g_signal_handler_disconnect (tls, handler);

  if (!ok)
    return set_handshake_error (self, local_error, error);

  /* GIO 2.74 has no way to ask for a minimum protocol version: check the outcome. */
  version = g_tls_connection_get_protocol_version (G_TLS_CONNECTION (tls));
  if (version == G_TLS_PROTOCOL_VERSION_SSL_3_0 ||
      version == G_TLS_PROTOCOL_VERSION_TLS_1_0 ||
      version == G_TLS_PROTOCOL_VERSION_TLS_1_1)
    {
      GError *mapped = g_error_new (TERN_SYNC_ERROR, TERN_SYNC_ERROR_INSECURE,
                                    "%s only offers an obsolete TLS version (%s); "
                                    "TLS 1.2 or newer is required",
                                    self->host,
                                    version == G_TLS_PROTOCOL_VERSION_SSL_3_0 ? "SSL 3.0" :
                                    version == G_TLS_PROTOCOL_VERSION_TLS_1_0 ? "TLS 1.0" :
                                    "TLS 1.1");

      self->stream_state.abort_on_close = TRUE;
      return fail (self, TRUE, mapped, error);
    }

  if (self->peer_certificate == NULL)
    self->peer_certificate =
      g_object_ref (g_tls_connection_get_peer_certificate (G_TLS_CONNECTION (tls)));

  self->tls_connection = G_TLS_CONNECTION (g_steal_pointer (&tls));
  self->encrypted = TRUE;
  return TRUE;
}

static gboolean
switch_to_tls (TernImapConnection  *self,
               GError             **error)
{
  mailstream *stream = self->session->imap_stream;
  mailstream_low *plain_low = mailstream_get_low (stream);
  mailstream_low *tls_low;
  GSocket *socket = g_socket_connection_get_socket (self->socket_connection);

  /* A man in the middle can append commands or responses to the plaintext part
   * (CVE-2011-0411 and relatives): anything already buffered is an attack. */
  if (stream->read_buffer_len > 0)
    {
      GError *local_error = g_error_new_literal (TERN_SYNC_ERROR, TERN_SYNC_ERROR_INSECURE,
                                                 "The server sent data after agreeing to "
                                                 "STARTTLS: possible injection attack");

      return fail (self, TRUE, local_error, error);
    }

  if (!start_tls (self, error))
    return FALSE;

  tls_low = _tern_imap_stream_new (G_IO_STREAM (self->tls_connection), socket,
                                   &self->stream_state);
  /* Keep the tracing libetpan installed on the plain driver. */
  mailstream_low_set_logger (tls_low, plain_low->logger, plain_low->logger_context);
  mailstream_low_set_privacy (tls_low, plain_low->privacy);
  mailstream_set_low (stream, tls_low);
  /* Freeing (not closing) the plain driver drops its reference to the socket
   * connection; the TLS connection still holds one, so the socket stays open. */
  mailstream_low_free (plain_low);

  return TRUE;
}

gboolean
tern_imap_connection_connect (TernImapConnection  *self,
                              GError             **error)
{
  g_autoptr(GSocketClient) client = NULL;
  g_autoptr(GSocketConnectable) address = NULL;
  GError *local_error = NULL;
  GIOStream *io_stream;
  GSocket *socket;
  mailstream_low *low;
  mailstream *stream;
  int r;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (self->session == NULL && self->socket_connection == NULL, FALSE);

  if (is_dead (self))
    return fail_dead (self, error);

  client = g_socket_client_new ();
  g_socket_client_set_timeout (client, self->timeout_seconds);
  address = g_network_address_new (self->host, self->port);
  self->socket_connection = g_socket_client_connect (client, address, self->cancellable,
                                                     &local_error);
  if (self->socket_connection == NULL)
    return set_connect_error (self, local_error, error);

  socket = g_socket_connection_get_socket (self->socket_connection);
  g_socket_set_timeout (socket, self->timeout_seconds);
  g_socket_set_keepalive (socket, TRUE);

  if (self->security == TERN_IMAP_SECURITY_TLS)
    {
      if (!start_tls (self, error))
        return FALSE;
      io_stream = G_IO_STREAM (self->tls_connection);
    }
  else
    {
      io_stream = G_IO_STREAM (self->socket_connection);
    }

  low = _tern_imap_stream_new (io_stream, socket, &self->stream_state);
  stream = mailstream_new (low, STREAM_BUFFER_SIZE);
  self->session = mailimap_new (0, NULL);
  mailimap_set_timeout (self->session, self->timeout_seconds);

  r = mailimap_connect (self->session, stream);
  if (r == MAILIMAP_ERROR_DONT_ACCEPT_CONNECTION && self->stream_state.error == NULL)
    {
      /* A greeting BYE ("too many connections", maintenance): try again later. */
      local_error = g_error_new (TERN_SYNC_ERROR, TERN_SYNC_ERROR_OFFLINE,
                                 "%s refused the session: %s", self->host, server_text (self));
      return fail (self, TRUE, local_error, error);
    }
  if (!tern_imap_connection_check (self, r, "the greeting", error))
    return FALSE;

  if (self->security == TERN_IMAP_SECURITY_STARTTLS)
    {
      if (r == MAILIMAP_NO_ERROR_AUTHENTICATED)
        {
          /* PREAUTH leaves no way to start TLS: refuse instead of going on in the clear. */
          local_error = g_error_new (TERN_SYNC_ERROR, TERN_SYNC_ERROR_INSECURE,
                                     "%s logged in before STARTTLS (PREAUTH): refusing to "
                                     "continue without encryption", self->host);
          return fail (self, TRUE, local_error, error);
        }

      if (!have_capabilities (self) && !read_capabilities (self, error))
        return FALSE;

      if (!tern_imap_connection_has_capability (self, "STARTTLS"))
        {
          local_error = g_error_new (TERN_SYNC_ERROR, TERN_SYNC_ERROR_INSECURE,
                                     "%s does not offer STARTTLS: use implicit TLS (port 993) "
                                     "or another server", self->host);
          return fail (self, TRUE, local_error, error);
        }

      r = mailimap_starttls (self->session);
      if (r == MAILIMAP_ERROR_SSL)
        {
          /* libetpan's own check for data after the tagged OK (CVE-2020-15953). */
          local_error = g_error_new (TERN_SYNC_ERROR, TERN_SYNC_ERROR_INSECURE,
                                     "%s sent data after agreeing to STARTTLS: possible "
                                     "injection attack", self->host);
          return fail (self, TRUE, local_error, error);
        }
      if (!tern_imap_connection_check (self, r, "STARTTLS", &local_error))
        {
          if (!is_dead (self))
            {
              /* The server said NO or BAD: do not go on in the clear. */
              g_clear_error (&local_error);
              local_error = g_error_new (TERN_SYNC_ERROR, TERN_SYNC_ERROR_INSECURE,
                                         "%s refused STARTTLS: %s", self->host,
                                         server_text (self));
              return fail (self, TRUE, local_error, error);
            }
          g_propagate_error (error, local_error);
          return FALSE;
        }

      if (!switch_to_tls (self, error))
        return FALSE;

      /* The list sent in the clear may have been forged and is stale anyway. */
      forget_capabilities (self);
    }

  if (!have_capabilities (self) && !read_capabilities (self, error))
    return FALSE;

  return TRUE;
}

/* Authentication */

static char *
sasl_name (const char *user)
{
  GString *out = g_string_new (NULL);

  for (const char *p = user; *p != '\0'; p++)
    {
      if (*p == '=')
        g_string_append (out, "=3D");
      else if (*p == ',')
        g_string_append (out, "=2C");
      else
        g_string_append_c (out, *p);
    }

  return g_string_free (out, FALSE);
}

static void
hmac_sha256 (const guchar *key,
             gsize         key_len,
             const void   *data,
             gsize         data_len,
             guchar        out[SHA256_LEN])
{
  GHmac *hmac = g_hmac_new (G_CHECKSUM_SHA256, key, key_len);
  gsize len = SHA256_LEN;

  g_hmac_update (hmac, data, data_len);
  g_hmac_get_digest (hmac, out, &len);
  g_hmac_unref (hmac);
}

/* PBKDF2-HMAC-SHA-256 with one output block: Hi() of RFC 5802. */
static void
scram_hi (const char   *password,
          const guchar *salt,
          gsize         salt_len,
          guint         iterations,
          guchar        out[SHA256_LEN])
{
  GHmac *keyed = g_hmac_new (G_CHECKSUM_SHA256, (const guchar *) password, strlen (password));
  static const guchar block_one[4] = { 0, 0, 0, 1 };
  guchar u[SHA256_LEN];
  gsize len = SHA256_LEN;
  GHmac *hmac;

  hmac = g_hmac_copy (keyed);
  g_hmac_update (hmac, salt, salt_len);
  g_hmac_update (hmac, block_one, sizeof block_one);
  g_hmac_get_digest (hmac, u, &len);
  g_hmac_unref (hmac);
  memcpy (out, u, SHA256_LEN);

  for (guint i = 1; i < iterations; i++)
    {
      hmac = g_hmac_copy (keyed);
      g_hmac_update (hmac, u, SHA256_LEN);
      len = SHA256_LEN;
      g_hmac_get_digest (hmac, u, &len);
      g_hmac_unref (hmac);
      for (guint j = 0; j < SHA256_LEN; j++)
        out[j] ^= u[j];
    }

  g_hmac_unref (keyed);
  memset (u, 0, sizeof u);
}

static char *
make_nonce (void)
{
  guchar bytes[18];

  if (getrandom (bytes, sizeof bytes, 0) != (ssize_t) sizeof bytes)
    {
      for (guint i = 0; i < sizeof bytes; i++)
        bytes[i] = g_random_int_range (0, 256);
    }

  /* 18 bytes give 24 base64 characters without padding, none of them ','. */
  return g_base64_encode (bytes, sizeof bytes);
}

static const char *
scram_attribute (char        **attributes,
                 char          name)
{
  for (guint i = 0; attributes[i] != NULL; i++)
    {
      if (attributes[i][0] == name && attributes[i][1] == '=')
        return attributes[i] + 2;
    }

  return NULL;
}

static gboolean
auth_failed (TernImapConnection  *self,
             const char          *mechanism,
             GError             **error)
{
  struct mailimap_response_info *info = self->session->imap_response_info;

  /* [UNAVAILABLE] says the server cannot check passwords now: retry later. */
  if (info != NULL && info->rsp_atom != NULL &&
      g_ascii_strcasecmp (info->rsp_atom, "UNAVAILABLE") == 0)
    g_set_error (error, TERN_SYNC_ERROR, TERN_SYNC_ERROR_OFFLINE,
                 "%s cannot log in now: %s", self->host, server_text (self));
  else
    g_set_error (error, TERN_SYNC_ERROR, TERN_SYNC_ERROR_AUTH,
                 "Login as %s failed (%s): %s", self->user, mechanism, server_text (self));
  return FALSE;
}

/* Reads the server's reply to an AUTHENTICATE step: a continuation (its text in
 * *challenge) or the tagged end (its status in *status_out, *challenge = NULL). */
static gboolean
read_auth_step (TernImapConnection  *self,
                char               **challenge,
                int                 *status_out,
                GError             **error)
{
  const char *line = read_line (self, "AUTHENTICATE", error);

  *challenge = NULL;
  if (line == NULL)
    return FALSE;

  if (is_continuation (line))
    {
      *challenge = continuation_text (line);
      return TRUE;
    }

  return parse_response (self, "AUTHENTICATE", status_out, error);
}

/* Cancels a SASL exchange ("*") and consumes the tagged reply. */
static gboolean
abort_auth (TernImapConnection  *self,
            GError              *reason,
            GError             **error)
{
  int status;

  if (write_str (self, "*\r\n", "AUTHENTICATE", NULL) && flush (self, "AUTHENTICATE", NULL))
    read_response (self, "AUTHENTICATE", &status, NULL);

  g_propagate_error (error, reason);
  return FALSE;
}

static gboolean
login_scram (TernImapConnection               *self,
             const char                       *password,
             struct mailimap_capability_data  *capabilities,
             GError                          **error)
{
  g_autofree char *nonce = make_nonce ();
  g_autofree char *user = sasl_name (self->user);
  g_autofree char *client_first_bare = g_strdup_printf ("n=%s,r=%s", user, nonce);
  g_autofree char *client_first = g_strconcat ("n,,", client_first_bare, NULL);
  g_autofree char *client_first_b64 = g_base64_encode ((const guchar *) client_first,
                                                      strlen (client_first));
  g_autofree char *challenge = NULL;
  g_autofree char *server_first = NULL;
  g_autofree guchar *salt = NULL;
  g_autofree char *without_proof = NULL;
  g_autofree char *auth_message = NULL;
  g_autofree char *client_final = NULL;
  g_autofree char *client_final_b64 = NULL;
  g_autofree char *server_final = NULL;
  g_autofree char *expected = NULL;
  g_autofree char *proof_b64 = NULL;
  g_autofree char *signature_b64 = NULL;
  g_auto(GStrv) attributes = NULL;
  guchar salted[SHA256_LEN], client_key[SHA256_LEN], stored_key[SHA256_LEN];
  guchar client_signature[SHA256_LEN], proof[SHA256_LEN];
  guchar server_key[SHA256_LEN], server_signature[SHA256_LEN];
  const char *server_nonce, *salt_b64, *iterations_str;
  guint64 iterations = 0;
  gsize salt_len = 0, len = SHA256_LEN;
  gboolean sasl_ir = capability_in (capabilities, "SASL-IR");
  gboolean verified = FALSE;
  int status = MAILIMAP_RESP_COND_STATE_NO;
  GChecksum *sha;
  gsize decoded_len;
  guchar *decoded;

  if (!begin_command (self, "AUTHENTICATE", error))
    return FALSE;

  if (sasl_ir)
    {
      g_autofree char *line = g_strconcat ("AUTHENTICATE SCRAM-SHA-256 ", client_first_b64, NULL);

      if (!write_secret_line (self, line, "AUTHENTICATE", error))
        return FALSE;
    }
  else
    {
      if (!write_str (self, "AUTHENTICATE SCRAM-SHA-256\r\n", "AUTHENTICATE", error) ||
          !flush (self, "AUTHENTICATE", error) ||
          !read_auth_step (self, &challenge, &status, error))
        return FALSE;
      if (challenge == NULL)
        return auth_failed (self, "SCRAM-SHA-256", error);
      g_clear_pointer (&challenge, g_free);
      if (!write_secret_line (self, client_first_b64, "AUTHENTICATE", error))
        return FALSE;
    }

  /* server-first-message: r=<client nonce + server nonce>,s=<salt>,i=<iterations> */
  if (!read_auth_step (self, &challenge, &status, error))
    return FALSE;
  if (challenge == NULL)
    return auth_failed (self, "SCRAM-SHA-256", error);

  decoded = g_base64_decode (challenge, &decoded_len);
  server_first = g_strndup ((const char *) decoded, decoded_len);
  g_free (decoded);
  attributes = g_strsplit (server_first, ",", -1);
  server_nonce = scram_attribute (attributes, 'r');
  salt_b64 = scram_attribute (attributes, 's');
  iterations_str = scram_attribute (attributes, 'i');
  if (iterations_str != NULL)
    g_ascii_string_to_unsigned (iterations_str, 10, 1, G_MAXUINT32, &iterations, NULL);

  if (server_nonce == NULL || !g_str_has_prefix (server_nonce, nonce) ||
      strlen (server_nonce) == strlen (nonce) || salt_b64 == NULL ||
      scram_attribute (attributes, 'm') != NULL)
    return abort_auth (self, g_error_new (TERN_SYNC_ERROR, TERN_SYNC_ERROR_AUTH,
                                          "Login as %s failed: invalid SCRAM challenge from %s",
                                          self->user, self->host), error);

  if (iterations < SCRAM_MIN_ITERATIONS || iterations > SCRAM_MAX_ITERATIONS)
    return abort_auth (self, g_error_new (TERN_SYNC_ERROR, TERN_SYNC_ERROR_AUTH,
                                          "Login as %s refused: %s asks for %" G_GUINT64_FORMAT
                                          " SCRAM iterations (allowed: %u to %u)",
                                          self->user, self->host, iterations,
                                          SCRAM_MIN_ITERATIONS, SCRAM_MAX_ITERATIONS), error);

  salt = g_base64_decode (salt_b64, &salt_len);

  /* Dovecot 2.3 derives its SCRAM keys from the password bytes as stored, without
   * SASLprep; doing the same keeps non-ASCII passwords working with it. */
  scram_hi (password, salt, salt_len, (guint) iterations, salted);
  hmac_sha256 (salted, SHA256_LEN, "Client Key", 10, client_key);
  sha = g_checksum_new (G_CHECKSUM_SHA256);
  g_checksum_update (sha, client_key, SHA256_LEN);
  g_checksum_get_digest (sha, stored_key, &len);
  g_checksum_free (sha);

  without_proof = g_strdup_printf ("c=biws,r=%s", server_nonce);
  auth_message = g_strdup_printf ("%s,%s,%s", client_first_bare, server_first, without_proof);
  hmac_sha256 (stored_key, SHA256_LEN, auth_message, strlen (auth_message), client_signature);
  for (guint i = 0; i < SHA256_LEN; i++)
    proof[i] = client_key[i] ^ client_signature[i];
  hmac_sha256 (salted, SHA256_LEN, "Server Key", 10, server_key);
  hmac_sha256 (server_key, SHA256_LEN, auth_message, strlen (auth_message), server_signature);

  proof_b64 = g_base64_encode (proof, SHA256_LEN);
  signature_b64 = g_base64_encode (server_signature, SHA256_LEN);
  expected = g_strconcat ("v=", signature_b64, NULL);
  client_final = g_strdup_printf ("%s,p=%s", without_proof, proof_b64);
  client_final_b64 = g_base64_encode ((const guchar *) client_final, strlen (client_final));

  memset (salted, 0, sizeof salted);
  memset (client_key, 0, sizeof client_key);
  memset (server_key, 0, sizeof server_key);

  g_clear_pointer (&challenge, g_free);
  if (!write_secret_line (self, client_final_b64, "AUTHENTICATE", error) ||
      !read_auth_step (self, &challenge, &status, error))
    return FALSE;

  if (challenge != NULL)
    {
      /* server-final-message: v=<server signature> proves the server knows the key. */
      decoded = g_base64_decode (challenge, &decoded_len);
      server_final = g_strndup ((const char *) decoded, decoded_len);
      g_free (decoded);

      if (!g_str_equal (server_final, expected))
        return abort_auth (self, g_error_new (TERN_SYNC_ERROR, TERN_SYNC_ERROR_AUTH,
                                              "Login as %s failed: %s could not prove that it "
                                              "knows the password (%s)", self->user,
                                              self->host, server_final), error);
      verified = TRUE;

      if (!write_str (self, "\r\n", "AUTHENTICATE", error) ||
          !flush (self, "AUTHENTICATE", error) ||
          !read_response (self, "AUTHENTICATE", &status, error))
        return FALSE;
    }

  if (status != MAILIMAP_RESP_COND_STATE_OK)
    return auth_failed (self, "SCRAM-SHA-256", error);

  if (!verified)
    {
      GError *local_error = g_error_new (TERN_SYNC_ERROR, TERN_SYNC_ERROR_AUTH,
                                         "%s accepted the login without proving that it "
                                         "knows the password", self->host);

      return fail (self, TRUE, local_error, error);
    }

  return TRUE;
}

static gboolean
login_plain (TernImapConnection               *self,
             const char                       *password,
             struct mailimap_capability_data  *capabilities,
             GError                          **error)
{
  gsize user_len = strlen (self->user);
  gsize password_len = strlen (password);
  gsize len = 1 + user_len + 1 + password_len;
  g_autofree guchar *message = g_malloc (len);
  g_autofree char *encoded = NULL;
  g_autofree char *challenge = NULL;
  int status = MAILIMAP_RESP_COND_STATE_NO;
  gboolean ok;

  /* authzid (empty) NUL authcid NUL password */
  message[0] = '\0';
  memcpy (message + 1, self->user, user_len);
  message[1 + user_len] = '\0';
  memcpy (message + 2 + user_len, password, password_len);
  encoded = g_base64_encode (message, len);
  memset (message, 0, len);

  if (!begin_command (self, "AUTHENTICATE", error))
    return FALSE;

  if (capability_in (capabilities, "SASL-IR"))
    {
      g_autofree char *line = g_strconcat ("AUTHENTICATE PLAIN ", encoded, NULL);

      ok = write_secret_line (self, line, "AUTHENTICATE", error) &&
           read_response (self, "AUTHENTICATE", &status, error);
      memset (line, 0, strlen (line));
    }
  else
    {
      ok = write_str (self, "AUTHENTICATE PLAIN\r\n", "AUTHENTICATE", error) &&
           flush (self, "AUTHENTICATE", error) &&
           read_auth_step (self, &challenge, &status, error);
      if (ok && challenge != NULL)
        ok = write_secret_line (self, encoded, "AUTHENTICATE", error) &&
             read_response (self, "AUTHENTICATE", &status, error);
    }
  memset (encoded, 0, strlen (encoded));

  if (!ok)
    return FALSE;
  if (status != MAILIMAP_RESP_COND_STATE_OK)
    return auth_failed (self, "PLAIN", error);

  return TRUE;
}

static gboolean
login_login (TernImapConnection  *self,
             const char          *password,
             GError             **error)
{
  int status = MAILIMAP_RESP_COND_STATE_NO;
  gboolean sent;

  if (!begin_command (self, "LOGIN", error) ||
      !write_str (self, "LOGIN ", "LOGIN", error) ||
      !write_string (self, self->user, FALSE, "LOGIN", &sent, &status, error))
    return FALSE;

  if (sent)
    {
      if (!write_str (self, " ", "LOGIN", error) ||
          !write_string (self, password, TRUE, "LOGIN", &sent, &status, error))
        return FALSE;
    }

  if (sent)
    {
      if (!write_str (self, "\r\n", "LOGIN", error) ||
          !flush (self, "LOGIN", error) ||
          !read_response (self, "LOGIN", &status, error))
        return FALSE;
    }

  if (status != MAILIMAP_RESP_COND_STATE_OK)
    return auth_failed (self, "LOGIN", error);

  return TRUE;
}

static gboolean
enable_qresync (TernImapConnection  *self,
                GError             **error)
{
  struct mailimap_capability_data *wanted;
  struct mailimap_capability_data *enabled = NULL;
  clist *list = clist_new ();
  int r;

  clist_append (list, mailimap_capability_new (MAILIMAP_CAPABILITY_NAME, NULL, strdup ("QRESYNC")));
  wanted = mailimap_capability_data_new (list);

  r = mailimap_enable (self->session, wanted, &enabled);
  mailimap_capability_data_free (wanted);
  if (!tern_imap_connection_check (self, r, "ENABLE QRESYNC", error))
    return FALSE;

  for (clistiter *cur = enabled ? clist_begin (enabled->cap_list) : NULL;
       cur != NULL;
       cur = clist_next (cur))
    {
      struct mailimap_capability *capability = clist_content (cur);

      if (capability->cap_type == MAILIMAP_CAPABILITY_NAME &&
          g_ascii_strcasecmp (capability->cap_data.cap_name, "QRESYNC") == 0)
        self->qresync_enabled = TRUE;
    }

  if (enabled != NULL)
    mailimap_capability_data_free (enabled);

  return TRUE;
}

gboolean
tern_imap_connection_login (TernImapConnection  *self,
                            const char          *password,
                            GError             **error)
{
  struct mailimap_capability_data *saved;
  gboolean ok;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (password != NULL, FALSE);

  if (!ensure_usable (self, error))
    return FALSE;

  if (self->session->imap_state == MAILIMAP_STATE_AUTHENTICATED ||
      self->session->imap_state == MAILIMAP_STATE_SELECTED)
    return TRUE; /* PREAUTH */

  /* Checked before anything is written: no mechanism is safe in the clear, and the
   * server cannot be trusted to have said LOGINDISABLED (a forged list can hide it). */
  if (!self->encrypted)
    {
      g_set_error (error, TERN_SYNC_ERROR, TERN_SYNC_ERROR_INSECURE,
                   "Refusing to send the password for %s to %s over an unencrypted "
                   "connection: use TLS or STARTTLS", self->user, self->host);
      return FALSE;
    }

  if (!tern_imap_connection_has_capability (self, "AUTH=SCRAM-SHA-256") &&
      !tern_imap_connection_has_capability (self, "AUTH=PLAIN") &&
      tern_imap_connection_has_capability (self, "LOGINDISABLED"))
    {
      g_set_error (error, TERN_SYNC_ERROR, TERN_SYNC_ERROR_INSECURE,
                   "%s does not allow logging in on this connection (LOGINDISABLED)",
                   self->host);
      return FALSE;
    }

  /* Set the list aside: whatever arrives with the tagged OK replaces it. */
  if (self->session->imap_connection_info == NULL)
    self->session->imap_connection_info = mailimap_connection_info_new ();
  saved = self->session->imap_connection_info->imap_capability;
  self->session->imap_connection_info->imap_capability = NULL;

  if (capability_in (saved, "AUTH=SCRAM-SHA-256"))
    ok = login_scram (self, password, saved, error);
  else if (capability_in (saved, "AUTH=PLAIN"))
    ok = login_plain (self, password, saved, error);
  else
    ok = login_login (self, password, error);

  if (!ok)
    {
      /* A failed login leaves the old list valid: keep it for a retry. */
      if (self->session->imap_connection_info != NULL && !have_capabilities (self))
        self->session->imap_connection_info->imap_capability = saved;
      else
        mailimap_capability_data_free (saved);
      return FALSE;
    }

  mailimap_capability_data_free (saved);

  self->session->imap_state = MAILIMAP_STATE_AUTHENTICATED;

  /* The tagged OK usually carries [CAPABILITY ...]; if not, the list must be re-read:
   * the one from before the login lacks QRESYNC, MOVE, etc. */
  if (!have_capabilities (self) && !read_capabilities (self, error))
    return FALSE;

  if (tern_imap_connection_has_capability (self, "QRESYNC") && !enable_qresync (self, error))
    return FALSE;

  return TRUE;
}

/* SELECT */

static guint64
find_highestmodseq (TernImapConnection *self)
{
  struct mailimap_response_info *info = self->session->imap_response_info;
  guint64 modseq = 0;

  if (info == NULL || info->rsp_extension_list == NULL)
    return 0;

  for (clistiter *cur = clist_begin (info->rsp_extension_list); cur != NULL; cur = clist_next (cur))
    {
      struct mailimap_extension_data *data = clist_content (cur);
      struct mailimap_condstore_resptextcode *code;

      if (data->ext_extension->ext_id != MAILIMAP_EXTENSION_CONDSTORE ||
          data->ext_type != MAILIMAP_CONDSTORE_TYPE_RESP_TEXT_CODE)
        continue;

      code = data->ext_data;
      if (code->cs_type == MAILIMAP_CONDSTORE_RESPTEXTCODE_HIGHESTMODSEQ)
        modseq = code->cs_data.cs_modseq_value;
      else if (code->cs_type == MAILIMAP_CONDSTORE_RESPTEXTCODE_NOMODSEQ)
        modseq = 0;
    }

  return modseq;
}

guint64
tern_imap_connection_get_highestmodseq (TernImapConnection *self)
{
  g_return_val_if_fail (self != NULL, 0);

  if (self->session == NULL)
    return 0;

  return find_highestmodseq (self);
}

gboolean
tern_imap_connection_select (TernImapConnection  *self,
                             const char          *mailbox,
                             gboolean             condstore,
                             guint64             *highestmodseq_out,
                             GError             **error)
{
  uint64_t modseq = 0;
  int r;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (mailbox != NULL, FALSE);

  if (highestmodseq_out != NULL)
    *highestmodseq_out = 0;

  if (!ensure_usable (self, error))
    return FALSE;

  if (condstore)
    r = mailimap_select_condstore (self->session, mailbox, &modseq);
  else
    r = mailimap_select (self->session, mailbox);

  if (!tern_imap_connection_check (self, r, "SELECT", error))
    return FALSE;

  if (highestmodseq_out != NULL)
    *highestmodseq_out = condstore ? modseq : find_highestmodseq (self);

  return TRUE;
}

static gboolean
valid_sequence_set (const char *set)
{
  if (*set == '\0')
    return FALSE;

  for (const char *p = set; *p != '\0'; p++)
    {
      /* RFC 7162: known-uids is a sequence set without "*". */
      if (!g_ascii_isdigit (*p) && *p != ':' && *p != ',')
        return FALSE;
    }

  return TRUE;
}

gboolean
tern_imap_connection_select_qresync (TernImapConnection  *self,
                                     const char          *mailbox,
                                     guint32              uidvalidity,
                                     guint64              modseq,
                                     const char          *known_uids,
                                     GError             **error)
{
  g_autofree char *parameters = NULL;
  int status = MAILIMAP_RESP_COND_STATE_NO;
  gboolean sent;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (mailbox != NULL, FALSE);
  g_return_val_if_fail (uidvalidity > 0, FALSE);
  g_return_val_if_fail (modseq > 0, FALSE);
  g_return_val_if_fail (known_uids == NULL || valid_sequence_set (known_uids), FALSE);

  if (!ensure_usable (self, error))
    return FALSE;

  if (!self->qresync_enabled)
    {
      g_set_error (error, TERN_SYNC_ERROR, TERN_SYNC_ERROR_PROTOCOL,
                   "SELECT with QRESYNC needs ENABLE QRESYNC, which %s did not accept",
                   self->host);
      return FALSE;
    }

  parameters = g_strdup_printf (" (QRESYNC (%u %" G_GUINT64_FORMAT "%s%s))\r\n",
                                uidvalidity, modseq,
                                known_uids ? " " : "", known_uids ? known_uids : "");

  if (!begin_command (self, "SELECT", error))
    return FALSE;

  begin_select (self);

  if (!write_str (self, "SELECT ", "SELECT", error) ||
      !write_string (self, mailbox, FALSE, "SELECT", &sent, &status, error))
    return FALSE;

  if (sent &&
      (!write_str (self, parameters, "SELECT", error) ||
       !flush (self, "SELECT", error) ||
       !read_response (self, "SELECT", &status, error)))
    return FALSE;

  end_select (self, status == MAILIMAP_RESP_COND_STATE_OK);

  if (status != MAILIMAP_RESP_COND_STATE_OK)
    return command_failed (self, status == MAILIMAP_RESP_COND_STATE_BAD, "SELECT", error);

  return TRUE;
}

gboolean
tern_imap_connection_is_qresync_enabled (TernImapConnection *self)
{
  g_return_val_if_fail (self != NULL, FALSE);

  return self->qresync_enabled;
}

/* IDLE */

static GSocket *
get_socket (TernImapConnection *self)
{
  return g_socket_connection_get_socket (self->socket_connection);
}

/* Size of the literal announced at the end of line ("... {123}\r\n"), or -1. */
static gssize
literal_size (const char *line)
{
  gsize len = strlen (line);
  const char *open;
  guint64 size;

  while (len > 0 && (line[len - 1] == '\r' || line[len - 1] == '\n'))
    len--;
  if (len < 3 || line[len - 1] != '}')
    return -1;

  open = g_strrstr_len (line, len, "{");
  if (open == NULL || !g_ascii_isdigit (open[1]))
    return -1;

  size = g_ascii_strtoull (open + 1, NULL, 10);
  if (size > IDLE_MAX_LITERAL)
    return G_MAXSSIZE;

  return (gssize) size;
}

gboolean
tern_imap_connection_idle_start (TernImapConnection  *self,
                                 GError             **error)
{
  g_autoptr(GByteArray) early = NULL;
  g_autofree char *tag = NULL;
  mailstream *stream;
  gboolean continued = FALSE;

  g_return_val_if_fail (self != NULL, FALSE);

  if (!begin_command (self, "IDLE", error))
    return FALSE;

  stream = self->session->imap_stream;
  tag = g_strdup_printf ("%d ", self->session->imap_tag);
  early = g_byte_array_new ();
  g_byte_array_set_size (self->stream_state.replay, 0);

  if (!write_str (self, "IDLE\r\n", "IDLE", error) || !flush (self, "IDLE", error))
    return FALSE;

  /*
   * Read until the "+" continuation. Untagged data sent before it (libetpan's own
   * mailimap_idle blocks on that, upstream #393) is news: it is set aside and handed
   * back to the parser by idle_done(), ahead of what arrives later.
   */
  for (;;)
    {
      const char *line = read_line (self, "IDLE", error);
      gssize literal;

      if (line == NULL)
        return FALSE;

      if (!continued && is_continuation (line))
        break;

      if (!continued && g_str_has_prefix (line, tag))
        {
          int status;

          /* The server refused IDLE: parse the whole response, set-aside part first. */
          g_byte_array_append (early, (const guint8 *) line, strlen (line));
          g_byte_array_append (early, (const guint8 *) stream->read_buffer,
                               stream->read_buffer_len);
          stream->read_buffer_len = 0;
          g_byte_array_append (self->stream_state.replay, early->data, early->len);

          if (!read_response (self, "IDLE", &status, error))
            return FALSE;
          return command_failed (self, status == MAILIMAP_RESP_COND_STATE_BAD, "IDLE", error);
        }

      g_byte_array_append (early, (const guint8 *) line, strlen (line));
      continued = FALSE;

      literal = literal_size (line);
      if (literal == G_MAXSSIZE)
        {
          GError *local_error = g_error_new (TERN_SYNC_ERROR, TERN_SYNC_ERROR_PROTOCOL,
                                             "%s sent an oversized literal before IDLE",
                                             self->host);

          return fail (self, TRUE, local_error, error);
        }
      if (literal >= 0)
        {
          g_autofree char *buffer = g_malloc (MAX (literal, 1));
          gssize done = 0;

          while (done < literal)
            {
              ssize_t n = mailstream_read (stream, buffer + done, literal - done);

              if (n <= 0)
                return check_stream (self, "IDLE", error);
              done += n;
            }
          g_byte_array_append (early, (const guint8 *) buffer, literal);
          continued = TRUE;
        }
    }

  if (early->len > 0)
    {
      g_debug ("IDLE: %u bytes of untagged data before the continuation", early->len);
      g_byte_array_append (early, (const guint8 *) stream->read_buffer, stream->read_buffer_len);
      stream->read_buffer_len = 0;
      g_byte_array_append (self->stream_state.replay, early->data, early->len);
    }

  /* A GSocket source with a timeout fires when it expires and the next read then fails
   * with G_IO_ERROR_TIMED_OUT: while idling, silence is normal. */
  g_socket_set_timeout (get_socket (self), 0);
  self->idling = TRUE;

  return TRUE;
}

typedef struct
{
  int      result;
  gboolean readable;
} IdleWait;

#define IDLE_PENDING 2

static gboolean
idle_timeout_cb (gpointer user_data)
{
  IdleWait *wait = user_data;

  wait->result = 0;
  return G_SOURCE_REMOVE;
}

static gboolean
idle_interrupt_cb (GCancellable *cancellable,
                   gpointer      user_data)
{
  IdleWait *wait = user_data;

  wait->result = -1;
  return G_SOURCE_REMOVE;
}

static gboolean
idle_dead_cb (GCancellable *cancellable,
              gpointer      user_data)
{
  IdleWait *wait = user_data;

  /* Let the caller go on to idle_done(), which reports the cancellation. */
  wait->result = 1;
  return G_SOURCE_REMOVE;
}

static gboolean
idle_readable_cb (GObject  *stream,
                  gpointer  user_data)
{
  IdleWait *wait = user_data;

  wait->readable = TRUE;
  return G_SOURCE_REMOVE;
}

static GSource *
attach_source (GSource      *source,
               GMainContext *context,
               GSourceFunc   callback,
               gpointer      user_data)
{
  g_source_set_callback (source, callback, user_data, NULL);
  g_source_attach (source, context);
  return source;
}

static void
destroy_source (GSource *source)
{
  g_source_destroy (source);
  g_source_unref (source);
}

int
tern_imap_connection_idle_wait (TernImapConnection *self,
                                guint               timeout_ms,
                                GCancellable       *interrupt)
{
  GMainContext *context;
  GSource *timeout_source, *dead_source, *interrupt_source = NULL;
  mailstream *stream;
  mailstream_low *low;
  GInputStream *input;
  IdleWait wait = { IDLE_PENDING, FALSE };

  g_return_val_if_fail (self != NULL, -1);
  g_return_val_if_fail (interrupt == NULL || G_IS_CANCELLABLE (interrupt), -1);

  /* Not idling or broken: "go on", and idle_done() reports what is wrong. */
  if (!self->idling || is_dead (self) || self->session->imap_stream == NULL)
    return 1;

  stream = self->session->imap_stream;
  low = mailstream_get_low (stream);

  /* Data already here: set aside by idle_start(), or in libetpan's read buffer. */
  if (self->stream_state.replay->len > 0 || stream->read_buffer_len > 0)
    return 1;

  if (interrupt != NULL && g_cancellable_is_cancelled (interrupt))
    return -1;

  input = _tern_imap_stream_get_input_stream (low);
  g_return_val_if_fail (G_IS_POLLABLE_INPUT_STREAM (input), 1);

  context = g_main_context_new ();
  timeout_source = attach_source (g_timeout_source_new (timeout_ms), context,
                                  idle_timeout_cb, &wait);
  dead_source = attach_source (g_cancellable_source_new (self->cancellable), context,
                               (GSourceFunc) idle_dead_cb, &wait);
  if (interrupt != NULL)
    interrupt_source = attach_source (g_cancellable_source_new (interrupt), context,
                                      (GSourceFunc) idle_interrupt_cb, &wait);

  while (wait.result == IDLE_PENDING)
    {
      GSource *readable_source;
      gssize n;

      wait.readable = FALSE;
      readable_source = attach_source (
        g_pollable_input_stream_create_source (G_POLLABLE_INPUT_STREAM (input), NULL),
        context, (GSourceFunc) idle_readable_cb, &wait);

      while (wait.result == IDLE_PENDING && !wait.readable)
        g_main_context_iteration (context, TRUE);

      destroy_source (readable_source);
      if (wait.result != IDLE_PENDING)
        break;

      /* Readable can mean a TLS record without application data (a TLS 1.3 session
       * ticket): only bytes for libetpan count. They go into its read buffer, where
       * idle_done() finds them; an EOF or an error is reported by idle_done(). */
      n = _tern_imap_stream_read_nonblocking (low, stream->read_buffer + stream->read_buffer_len,
                                              stream->buffer_max_size - stream->read_buffer_len);
      if (n > 0)
        stream->read_buffer_len += n;
      if (n != 0)
        wait.result = 1;
    }

  destroy_source (timeout_source);
  destroy_source (dead_source);
  if (interrupt_source != NULL)
    destroy_source (interrupt_source);
  g_main_context_unref (context);

  return wait.result;
}

gboolean
tern_imap_connection_idle_done (TernImapConnection  *self,
                                GError             **error)
{
  int status;

  g_return_val_if_fail (self != NULL, FALSE);

  if (!self->idling)
    {
      g_set_error_literal (error, TERN_SYNC_ERROR, TERN_SYNC_ERROR_PERMANENT,
                           "DONE without IDLE");
      return FALSE;
    }

  self->idling = FALSE;

  if (!ensure_usable (self, error))
    return FALSE;

  g_socket_set_timeout (get_socket (self), self->stream_state.timeout_seconds);

  if (!write_str (self, "DONE\r\n", "IDLE", error) ||
      !flush (self, "IDLE", error) ||
      !read_response (self, "IDLE", &status, error))
    return FALSE;

  if (status != MAILIMAP_RESP_COND_STATE_OK)
    return command_failed (self, status == MAILIMAP_RESP_COND_STATE_BAD, "IDLE", error);

  return TRUE;
}

/* Life cycle */

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
  self->pinned_sha256 = normalize_fingerprint (settings->pinned_sha256);
  self->security = settings->security;
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
      if (self->idling && !is_dead (self))
        {
          /* End IDLE politely, but do not wait long for it. */
          g_socket_set_timeout (get_socket (self),
                                MIN (self->timeout_seconds, LOGOUT_TIMEOUT_SECONDS));
          self->stream_state.timeout_seconds = MIN (self->timeout_seconds, LOGOUT_TIMEOUT_SECONDS);
          tern_imap_connection_idle_done (self, NULL);
        }

      if (is_dead (self) || self->idling)
        {
          /* mailimap_logout() on a dead connection would wait a full timeout. */
          self->stream_state.abort_on_close = TRUE;
          mailstream_close (self->session->imap_stream);
          self->session->imap_stream = NULL;
          self->session->imap_state = MAILIMAP_STATE_DISCONNECTED;
        }
      else
        {
          g_socket_set_timeout (get_socket (self),
                                MIN (self->timeout_seconds, LOGOUT_TIMEOUT_SECONDS));
          self->stream_state.timeout_seconds = MIN (self->timeout_seconds, LOGOUT_TIMEOUT_SECONDS);
          /* Closes the stream whatever the answer. */
          mailimap_logout (self->session);
        }
    }
  else if (self->socket_connection != NULL)
    {
      /* Failed before libetpan took the stream over (certificate refused, ...). */
      g_socket_close (get_socket (self), NULL);
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
  g_free (self->user);
  g_free (self->ca_file);
  g_free (self->pinned_sha256);
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

char *
tern_imap_connection_dup_peer_sha256 (TernImapConnection *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  if (self->peer_certificate == NULL)
    return NULL;

  return certificate_sha256 (self->peer_certificate);
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
  sha256 = certificate_sha256 (self->peer_certificate);
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
      g_autofree char *reasons = describe_certificate_flags (self->peer_errors);

      g_string_append_printf (out, "\nProblem: it %s", reasons);
    }

  return g_string_free (out, FALSE);
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
