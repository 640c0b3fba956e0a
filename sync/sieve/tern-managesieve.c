/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "tern-sieve"

#include "config.h"

#include <string.h>

#include "tern-certificate.h"
#include "tern-managesieve.h"
#include "tern-sieve-private.h"

#define DEFAULT_PORT 4190
#define DEFAULT_TIMEOUT_SECONDS 30
/* A script or a line longer than this is a broken or hostile server. */
#define MAX_LITERAL (4 * 1024 * 1024)
#define MAX_LINE_TOKENS 4096

struct _TernManageSieve
{
  char              *host;
  guint16            port;
  char              *pinned_sha256;
  GCancellable      *cancellable;
  GSocketConnection *tcp;
  GIOStream         *stream;      /* the TLS connection once STARTTLS is done */
  GDataInputStream  *in;
  GOutputStream     *out;
  GStrv              extensions;
  char              *implementation;
  char              *sasl;
  gboolean           starttls;
  const char        *challenge_reply; /* during AUTHENTICATE: the answer to a server's challenge */
  GTlsCertificateFlags peer_errors;
  GTlsCertificate   *peer_certificate;
};

typedef enum
{
  TOKEN_ATOM,
  TOKEN_STRING,
  TOKEN_CODE,
} TokenKind;

typedef struct
{
  TokenKind  kind;
  char      *text;
} Token;

static void
token_free (Token *token)
{
  g_free (token->text);
  g_free (token);
}

static void
add_token (GPtrArray  *tokens,
           TokenKind   kind,
           char       *text)
{
  Token *token = g_new0 (Token, 1);

  token->kind = kind;
  token->text = text;
  g_ptr_array_add (tokens, token);
}

void
tern_sieve_script_info_free (TernSieveScriptInfo *info)
{
  if (info == NULL)
    return;
  g_free (info->name);
  g_free (info);
}

/* Errors */

static gboolean
protocol_error (GError     **error,
                const char  *what)
{
  g_set_error (error, TERN_SYNC_ERROR, TERN_SYNC_ERROR_PROTOCOL,
               "The rules server sent something that is not ManageSieve (%s)", what);
  return FALSE;
}

static gboolean
io_error (TernManageSieve  *self,
          GError           *local_error,
          GError          **error)
{
  if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    g_propagate_error (error, local_error);
  else
    {
      g_set_error (error, TERN_SYNC_ERROR, TERN_SYNC_ERROR_OFFLINE,
                   "The connection to the rules server %s was lost: %s", self->host, local_error->message);
      g_error_free (local_error);
    }
  return FALSE;
}

/* Reading responses */

static gboolean
read_physical_line (TernManageSieve  *self,
                    char            **line_out,
                    GError          **error)
{
  GError *local_error = NULL;
  gsize length = 0;
  char *line = g_data_input_stream_read_line (self->in, &length, self->cancellable, &local_error);

  if (line == NULL)
    {
      if (local_error != NULL)
        return io_error (self, local_error, error);
      g_set_error (error, TERN_SYNC_ERROR, TERN_SYNC_ERROR_OFFLINE,
                   "The rules server %s closed the connection", self->host);
      return FALSE;
    }
  if (length > 0 && line[length - 1] == '\r')
    line[length - 1] = '\0';
  *line_out = line;
  return TRUE;
}

static gboolean
read_literal (TernManageSieve  *self,
              gsize             size,
              char            **text_out,
              GError          **error)
{
  g_autofree char *data = NULL;
  GError *local_error = NULL;
  gsize got = 0;

  if (size > MAX_LITERAL)
    return protocol_error (error, "a string of more than 4 MB");
  data = g_malloc (size + 1);
  if (!g_input_stream_read_all (G_INPUT_STREAM (self->in), data, size, &got, self->cancellable, &local_error))
    return io_error (self, local_error, error);
  if (got != size)
    {
      g_set_error (error, TERN_SYNC_ERROR, TERN_SYNC_ERROR_OFFLINE,
                   "The rules server %s closed the connection", self->host);
      return FALSE;
    }
  data[size] = '\0';
  if (memchr (data, '\0', size) != NULL || !g_utf8_validate (data, size, NULL))
    return protocol_error (error, "a string that is not UTF-8 text");
  *text_out = g_steal_pointer (&data);
  return TRUE;
}

/* One response line as tokens: atoms, strings (quoted or literal, unescaped) and response
 * codes (the text inside the parentheses, as sent). */
static GPtrArray *
read_tokens (TernManageSieve  *self,
             GError          **error)
{
  g_autoptr(GPtrArray) tokens = g_ptr_array_new_with_free_func ((GDestroyNotify) token_free);
  g_autofree char *line = NULL;
  const char *p;

  if (!read_physical_line (self, &line, error))
    return NULL;
  p = line;
  while (*p != '\0')
    {
      if (tokens->len > MAX_LINE_TOKENS)
        {
          protocol_error (error, "a response line without end");
          return NULL;
        }
      if (*p == ' ')
        p++;
      else if (*p == '"')
        {
          GString *s = g_string_new (NULL);

          for (p++; *p != '\0' && *p != '"'; p++)
            {
              if (*p == '\\' && p[1] != '\0')
                p++;
              g_string_append_c (s, *p);
            }
          if (*p != '"')
            {
              g_string_free (s, TRUE);
              protocol_error (error, "a quoted string without end");
              return NULL;
            }
          p++;
          add_token (tokens, TOKEN_STRING, g_string_free (s, FALSE));
        }
      else if (*p == '(')
        {
          const char *start = ++p;
          gboolean quoted = FALSE;

          for (; *p != '\0' && (quoted || *p != ')'); p++)
            if (*p == '"' && p[-1] != '\\')
              quoted = !quoted;
          if (*p != ')')
            {
              protocol_error (error, "a response code without end");
              return NULL;
            }
          add_token (tokens, TOKEN_CODE, g_strndup (start, (gsize) (p - start)));
          p++;
        }
      else if (*p == '{')
        {
          char *end = NULL;
          guint64 size = g_ascii_strtoull (p + 1, &end, 10);
          char *text = NULL;

          if (end != p + 1 && *end == '+')
            end++;
          if (end == p + 1 || *end != '}' || end[1] != '\0')
            {
              protocol_error (error, "a malformed literal");
              return NULL;
            }
          if (!read_literal (self, (gsize) size, &text, error))
            return NULL;
          add_token (tokens, TOKEN_STRING, text);
          /* The line goes on after the literal. */
          g_free (line);
          line = NULL;
          if (!read_physical_line (self, &line, error))
            return NULL;
          p = line;
        }
      else
        {
          const char *start = p;

          while (*p != '\0' && *p != ' ' && *p != '"' && *p != '(' && *p != '{')
            p++;
          add_token (tokens, TOKEN_ATOM, g_strndup (start, (gsize) (p - start)));
        }
    }
  return g_steal_pointer (&tokens);
}

static const char *
token_text (GPtrArray *tokens,
            guint      index,
            TokenKind  kind)
{
  Token *token;

  if (index >= tokens->len)
    return NULL;
  token = tokens->pdata[index];
  return token->kind == kind ? token->text : NULL;
}

static gboolean send_command (TernManageSieve  *self,
                              const char       *command,
                              GError          **error);

/* Reads lines until OK, NO or BYE. Other lines go to data (token arrays) when it is given. On
 * NO the error carries the server's text (a script's syntax errors, say). */
static gboolean
read_response (TernManageSieve  *self,
               GPtrArray        *data,
               const char       *command,
               GError          **error)
{
  for (;;)
    {
      g_autoptr(GPtrArray) tokens = read_tokens (self, error);
      const char *first;
      const char *text = NULL;
      const char *code = NULL;

      if (tokens == NULL)
        return FALSE;
      if (tokens->len == 0)
        continue;
      /* A SASL challenge (a string alone): with a token, the server's reason for refusing
       * it, answered so that it ends with NO (RFC 7628 3.2.3). */
      if (self->challenge_reply != NULL && token_text (tokens, 0, TOKEN_STRING) != NULL)
        {
          g_autofree char *reply = g_strdup_printf ("\"%s\"\r\n", self->challenge_reply);

          if (!send_command (self, reply, error))
            return FALSE;
          continue;
        }
      first = token_text (tokens, 0, TOKEN_ATOM);
      if (first == NULL || (g_ascii_strcasecmp (first, "OK") != 0 && g_ascii_strcasecmp (first, "NO") != 0 &&
                            g_ascii_strcasecmp (first, "BYE") != 0))
        {
          if (data != NULL)
            g_ptr_array_add (data, g_steal_pointer (&tokens));
          continue;
        }
      for (guint i = 1; i < tokens->len; i++)
        {
          Token *token = tokens->pdata[i];

          if (token->kind == TOKEN_CODE && code == NULL)
            code = token->text;
          else if (token->kind == TOKEN_STRING && text == NULL)
            text = token->text;
        }
      if (g_ascii_strcasecmp (first, "OK") == 0)
        return TRUE;
      if (g_ascii_strcasecmp (first, "BYE") == 0)
        {
          g_set_error (error, TERN_SYNC_ERROR, TERN_SYNC_ERROR_TRANSIENT,
                       "The rules server %s ended the session: %s", self->host, text ? text : "no reason given");
          return FALSE;
        }
      g_set_error (error, TERN_SYNC_ERROR, TERN_SYNC_ERROR_PERMANENT, "%s", text ? text : command);
      /* Keep the code for the callers that care (AUTH failures). */
      if (code != NULL && g_ascii_strncasecmp (code, "AUTH", 4) == 0 && error != NULL && *error != NULL)
        (*error)->code = TERN_SYNC_ERROR_AUTH;
      return FALSE;
    }
}

static gboolean
send_command (TernManageSieve  *self,
              const char       *command,
              GError          **error)
{
  GError *local_error = NULL;

  if (!g_output_stream_write_all (self->out, command, strlen (command), NULL, self->cancellable, &local_error) ||
      !g_output_stream_flush (self->out, self->cancellable, &local_error))
    return io_error (self, local_error, error);
  return TRUE;
}

/* A literal for what may hold line breaks (names go quoted: _tern_sieve_append_quoted()). */
static void
append_literal (GString    *out,
                const char *text)
{
  g_string_append_printf (out, "{%" G_GSIZE_FORMAT "+}\r\n%s", strlen (text), text);
}

/* Capabilities: "NAME" ["value"] lines. */
static gboolean
read_capabilities (TernManageSieve  *self,
                   GError          **error)
{
  g_autoptr(GPtrArray) lines = g_ptr_array_new_with_free_func ((GDestroyNotify) g_ptr_array_unref);

  if (!read_response (self, lines, "the greeting", error))
    return FALSE;
  g_clear_pointer (&self->extensions, g_strfreev);
  g_clear_pointer (&self->implementation, g_free);
  g_clear_pointer (&self->sasl, g_free);
  self->starttls = FALSE;
  for (guint i = 0; i < lines->len; i++)
    {
      GPtrArray *tokens = lines->pdata[i];
      const char *name = token_text (tokens, 0, TOKEN_STRING);
      const char *value = token_text (tokens, 1, TOKEN_STRING);

      if (name == NULL)
        return protocol_error (error, "a capability that is not a string");
      if (g_ascii_strcasecmp (name, "SIEVE") == 0 && value != NULL)
        self->extensions = g_strsplit (value, " ", -1);
      else if (g_ascii_strcasecmp (name, "IMPLEMENTATION") == 0 && value != NULL)
        self->implementation = g_strdup (value);
      else if (g_ascii_strcasecmp (name, "SASL") == 0 && value != NULL)
        self->sasl = g_strdup (value);
      else if (g_ascii_strcasecmp (name, "STARTTLS") == 0)
        self->starttls = TRUE;
    }
  return TRUE;
}

/* TLS */

static gboolean
accept_certificate_cb (GTlsConnection       *connection,
                       GTlsCertificate      *peer_certificate,
                       GTlsCertificateFlags  errors,
                       gpointer              user_data)
{
  TernManageSieve *self = user_data;
  g_autofree char *sha256 = NULL;

  g_set_object (&self->peer_certificate, peer_certificate);
  self->peer_errors = errors;
  if (self->pinned_sha256 == NULL)
    return FALSE;
  sha256 = tern_certificate_dup_sha256 (peer_certificate);
  return sha256 != NULL && g_str_equal (sha256, self->pinned_sha256);
}


static gboolean
start_tls (TernManageSieve               *self,
           const TernManageSieveSettings *settings,
           GError                       **error)
{
  g_autoptr(GSocketConnectable) identity = g_network_address_new (self->host, self->port);
  g_autoptr(GIOStream) tls = NULL;
  GError *local_error = NULL;

  if (!self->starttls)
    {
      g_set_error (error, TERN_SYNC_ERROR, TERN_SYNC_ERROR_INSECURE,
                   "The rules server %s does not offer STARTTLS: Tern does not send a password unencrypted",
                   self->host);
      return FALSE;
    }
  if (!send_command (self, "STARTTLS\r\n", error) || !read_response (self, NULL, "STARTTLS", error))
    return FALSE;

  tls = g_tls_client_connection_new (G_IO_STREAM (self->tcp), identity, &local_error);
  if (tls == NULL)
    {
      g_set_error (error, TERN_SYNC_ERROR, TERN_SYNC_ERROR_CONFIG, "TLS is not available: %s", local_error->message);
      g_error_free (local_error);
      return FALSE;
    }
  if (settings->ca_file != NULL)
    {
      g_autoptr(GTlsDatabase) database = g_tls_file_database_new (settings->ca_file, &local_error);

      if (database == NULL)
        {
          g_set_error (error, TERN_SYNC_ERROR, TERN_SYNC_ERROR_CONFIG,
                       "Cannot read the certificate authority %s: %s", settings->ca_file, local_error->message);
          g_error_free (local_error);
          return FALSE;
        }
      g_tls_connection_set_database (G_TLS_CONNECTION (tls), database);
    }
  g_signal_connect (tls, "accept-certificate", G_CALLBACK (accept_certificate_cb), self);
  if (!g_tls_connection_handshake (G_TLS_CONNECTION (tls), self->cancellable, &local_error))
    {
      if (self->peer_errors != 0 || g_error_matches (local_error, G_TLS_ERROR, G_TLS_ERROR_BAD_CERTIFICATE))
        g_set_error (error, TERN_SYNC_ERROR, TERN_SYNC_ERROR_CERTIFICATE,
                     "The certificate of the rules server %s was refused (%s)", self->host, local_error->message);
      else
        g_set_error (error, TERN_SYNC_ERROR, TERN_SYNC_ERROR_CONFIG,
                     "The TLS handshake with the rules server %s failed: %s", self->host, local_error->message);
      g_error_free (local_error);
      return FALSE;
    }

  g_clear_object (&self->in);
  self->stream = g_steal_pointer (&tls);
  self->in = g_data_input_stream_new (g_io_stream_get_input_stream (self->stream));
  g_data_input_stream_set_newline_type (self->in, G_DATA_STREAM_NEWLINE_TYPE_LF);
  self->out = g_io_stream_get_output_stream (self->stream);
  /* RFC 5804 2.2: the server says its capabilities again, now inside TLS. */
  return read_capabilities (self, error);
}

static gboolean
offers (TernManageSieve *self,
        const char      *mechanism)
{
  g_auto(GStrv) mechanisms = g_strsplit (self->sasl ? self->sasl : "", " ", -1);

  for (guint i = 0; mechanisms[i] != NULL; i++)
    if (g_ascii_strcasecmp (mechanisms[i], mechanism) == 0)
      return TRUE;
  return FALSE;
}

/* PLAIN with a password; with a token OAUTHBEARER (RFC 7628) or XOAUTH2, as IMAP does: one
 * initial response holding the user and the token, never the password. */
static gboolean
authenticate (TernManageSieve               *self,
              const TernManageSieveSettings *settings,
              GError                       **error)
{
  g_autoptr(GString) command = g_string_new ("AUTHENTICATE ");
  g_autoptr(GByteArray) message = g_byte_array_new ();
  g_autofree char *encoded = NULL;
  g_autoptr(GError) local_error = NULL;
  const char *mechanism = NULL;
  gboolean ok;

  if (settings->token != NULL)
    mechanism = offers (self, "OAUTHBEARER") ? "OAUTHBEARER" : offers (self, "XOAUTH2") ? "XOAUTH2" : NULL;
  else if (offers (self, "PLAIN"))
    mechanism = "PLAIN";
  if (mechanism == NULL)
    {
      g_set_error (error, TERN_SYNC_ERROR, TERN_SYNC_ERROR_CONFIG,
                   settings->token != NULL
                     ? "The rules server %s does not offer signing in with a token (OAUTHBEARER or XOAUTH2; it offers: %s)"
                     : "The rules server %s offers no login Tern knows (it offers: %s)",
                   self->host, self->sasl ? self->sasl : "none");
      return FALSE;
    }
  if (g_str_equal (mechanism, "PLAIN"))
    {
      g_byte_array_append (message, (const guint8 *) "", 1);
      g_byte_array_append (message, (const guint8 *) settings->user, strlen (settings->user));
      g_byte_array_append (message, (const guint8 *) "", 1);
      g_byte_array_append (message, (const guint8 *) settings->password, strlen (settings->password));
    }
  else
    {
      g_autofree char *text = g_str_equal (mechanism, "OAUTHBEARER")
        ? g_strdup_printf ("n,a=%s,\001host=%s\001port=%u\001auth=Bearer %s\001\001",
                           settings->user, self->host, self->port, settings->token)
        : g_strdup_printf ("user=%s\001auth=Bearer %s\001\001", settings->user, settings->token);

      g_byte_array_append (message, (const guint8 *) text, strlen (text));
      memset (text, 0, strlen (text));
      self->challenge_reply = g_str_equal (mechanism, "OAUTHBEARER") ? "AQ==" : "";
    }
  encoded = g_base64_encode (message->data, message->len);
  memset (message->data, 0, message->len);
  _tern_sieve_append_quoted (command, mechanism);
  g_string_append_c (command, ' ');
  _tern_sieve_append_quoted (command, encoded);
  g_string_append (command, "\r\n");
  memset (encoded, 0, strlen (encoded));
  ok = send_command (self, command->str, error) && read_response (self, NULL, "AUTHENTICATE", &local_error);
  memset (command->str, 0, command->len);
  self->challenge_reply = NULL;
  if (!ok && local_error != NULL)
    {
      if (g_error_matches (local_error, TERN_SYNC_ERROR, TERN_SYNC_ERROR_PERMANENT) ||
          g_error_matches (local_error, TERN_SYNC_ERROR, TERN_SYNC_ERROR_AUTH))
        g_set_error (error, TERN_SYNC_ERROR, TERN_SYNC_ERROR_AUTH,
                     "The rules server %s refused the login of %s: %s", self->host, settings->user,
                     local_error->message);
      else
        g_propagate_error (error, g_steal_pointer (&local_error));
    }
  return ok;
}

TernManageSieve *
tern_managesieve_connect (const TernManageSieveSettings  *settings,
                          GCancellable                   *cancellable,
                          GError                        **error)
{
  g_autoptr(TernManageSieve) self = g_new0 (TernManageSieve, 1);
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  GError *local_error = NULL;

  g_return_val_if_fail (settings != NULL && settings->host != NULL, NULL);
  g_return_val_if_fail (settings->user != NULL && (settings->password != NULL || settings->token != NULL), NULL);

  self->host = g_strdup (settings->host);
  self->port = settings->port ? settings->port : DEFAULT_PORT;
  self->pinned_sha256 = tern_certificate_normalize_fingerprint (settings->pinned_sha256);
  self->cancellable = cancellable ? g_object_ref (cancellable) : NULL;
  g_socket_client_set_timeout (client, settings->timeout_seconds ? settings->timeout_seconds
                                                                 : DEFAULT_TIMEOUT_SECONDS);
  self->tcp = g_socket_client_connect_to_host (client, self->host, self->port, cancellable, &local_error);
  if (self->tcp == NULL)
    {
      if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_propagate_error (error, local_error);
      else
        {
          g_set_error (error, TERN_SYNC_ERROR, TERN_SYNC_ERROR_OFFLINE,
                       "Cannot connect to the rules server %s port %u: %s", self->host, self->port,
                       local_error->message);
          g_error_free (local_error);
        }
      return NULL;
    }
  self->in = g_data_input_stream_new (g_io_stream_get_input_stream (G_IO_STREAM (self->tcp)));
  /* Replaced by one over TLS after STARTTLS: the socket stays open under it. */
  g_filter_input_stream_set_close_base_stream (G_FILTER_INPUT_STREAM (self->in), FALSE);
  g_data_input_stream_set_newline_type (self->in, G_DATA_STREAM_NEWLINE_TYPE_LF);
  self->out = g_io_stream_get_output_stream (G_IO_STREAM (self->tcp));

  if (!read_capabilities (self, error) || !start_tls (self, settings, error) || !authenticate (self, settings, error))
    return NULL;
  return g_steal_pointer (&self);
}

void
tern_managesieve_free (TernManageSieve *self)
{
  if (self == NULL)
    return;
  if (self->stream != NULL)
    {
      /* A polite goodbye; its answer does not matter. */
      if (send_command (self, "LOGOUT\r\n", NULL))
        read_response (self, NULL, "LOGOUT", NULL);
      g_io_stream_close (self->stream, NULL, NULL);
    }
  g_clear_object (&self->in);
  g_clear_object (&self->stream);
  g_clear_object (&self->tcp);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->peer_certificate);
  g_strfreev (self->extensions);
  g_free (self->implementation);
  g_free (self->sasl);
  g_free (self->pinned_sha256);
  g_free (self->host);
  g_free (self);
}

gboolean
tern_managesieve_has_extension (TernManageSieve *self,
                                const char      *extension)
{
  g_return_val_if_fail (self != NULL && extension != NULL, FALSE);

  for (guint i = 0; self->extensions != NULL && self->extensions[i] != NULL; i++)
    if (g_ascii_strcasecmp (self->extensions[i], extension) == 0)
      return TRUE;
  return FALSE;
}

const char *
tern_managesieve_get_implementation (TernManageSieve *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return self->implementation;
}

GPtrArray *
tern_managesieve_list_scripts (TernManageSieve  *self,
                               GError          **error)
{
  g_autoptr(GPtrArray) lines = g_ptr_array_new_with_free_func ((GDestroyNotify) g_ptr_array_unref);
  g_autoptr(GPtrArray) scripts = g_ptr_array_new_with_free_func ((GDestroyNotify) tern_sieve_script_info_free);

  g_return_val_if_fail (self != NULL, NULL);

  if (!send_command (self, "LISTSCRIPTS\r\n", error) || !read_response (self, lines, "LISTSCRIPTS", error))
    return NULL;
  for (guint i = 0; i < lines->len; i++)
    {
      GPtrArray *tokens = lines->pdata[i];
      const char *name = token_text (tokens, 0, TOKEN_STRING);
      const char *active = token_text (tokens, 1, TOKEN_ATOM);
      TernSieveScriptInfo *info;

      if (name == NULL)
        {
          protocol_error (error, "a script listed without a name");
          return NULL;
        }
      info = g_new0 (TernSieveScriptInfo, 1);
      info->name = g_strdup (name);
      info->active = active != NULL && g_ascii_strcasecmp (active, "ACTIVE") == 0;
      g_ptr_array_add (scripts, info);
    }
  return g_steal_pointer (&scripts);
}

char *
tern_managesieve_get_script (TernManageSieve  *self,
                             const char       *name,
                             GError          **error)
{
  g_autoptr(GPtrArray) lines = g_ptr_array_new_with_free_func ((GDestroyNotify) g_ptr_array_unref);
  g_autoptr(GString) command = g_string_new ("GETSCRIPT ");
  const char *script;

  g_return_val_if_fail (self != NULL && name != NULL, NULL);

  _tern_sieve_append_quoted (command, name);
  g_string_append (command, "\r\n");
  if (!send_command (self, command->str, error) || !read_response (self, lines, "GETSCRIPT", error))
    return NULL;
  script = lines->len > 0 ? token_text (lines->pdata[0], 0, TOKEN_STRING) : NULL;
  if (script == NULL)
    {
      protocol_error (error, "GETSCRIPT without the script");
      return NULL;
    }
  return g_strdup (script);
}

gboolean
tern_managesieve_put_script (TernManageSieve  *self,
                             const char       *name,
                             const char       *script,
                             GError          **error)
{
  g_autoptr(GString) command = g_string_new ("PUTSCRIPT ");
  g_autoptr(GError) local_error = NULL;

  g_return_val_if_fail (self != NULL && name != NULL && script != NULL, FALSE);

  _tern_sieve_append_quoted (command, name);
  g_string_append_c (command, ' ');
  append_literal (command, script);
  g_string_append (command, "\r\n");
  if (!send_command (self, command->str, error))
    return FALSE;
  if (!read_response (self, NULL, "PUTSCRIPT", &local_error))
    {
      if (g_error_matches (local_error, TERN_SYNC_ERROR, TERN_SYNC_ERROR_PERMANENT))
        g_prefix_error (&local_error, "The server refused the rules: ");
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  return TRUE;
}

static gboolean
simple_command (TernManageSieve  *self,
                const char       *verb,
                const char       *name,
                GError          **error)
{
  g_autoptr(GString) command = g_string_new (verb);

  g_string_append_c (command, ' ');
  _tern_sieve_append_quoted (command, name);
  g_string_append (command, "\r\n");
  return send_command (self, command->str, error) && read_response (self, NULL, verb, error);
}

gboolean
tern_managesieve_set_active (TernManageSieve  *self,
                             const char       *name,
                             GError          **error)
{
  g_return_val_if_fail (self != NULL, FALSE);

  return simple_command (self, "SETACTIVE", name ? name : "", error);
}

gboolean
tern_managesieve_delete_script (TernManageSieve  *self,
                                const char       *name,
                                GError          **error)
{
  g_return_val_if_fail (self != NULL && name != NULL, FALSE);

  return simple_command (self, "DELETESCRIPT", name, error);
}
