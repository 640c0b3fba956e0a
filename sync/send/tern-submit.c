/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "tern-submit"

#include "config.h"

#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <curl/curl.h>
#include <gnutls/abstract.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

#include "tern-submit.h"

/* The most header text read to leave out Bcc: larger headers are not mail anyone sends. */
#define MAX_HEADER_BYTES (1024 * 1024)
#define READ_CHUNK 65536

void
tern_submit_global_init (void)
{
  static gsize done = 0;

  if (g_once_init_enter (&done))
    {
      curl_global_init (CURL_GLOBAL_DEFAULT);
      g_once_init_leave (&done, 1);
    }
}

/* The message: its header without Bcc, then the rest of the file as it is. */

typedef struct
{
  GBytes       *header;
  goffset       body_offset;
  guint64       total;       /* what goes on the wire before dot-stuffing */
} Prepared;

static gboolean
is_bcc_field (const char *line,
              gsize       length)
{
  static const char *const names[] = { "bcc", "resent-bcc" };

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      gsize n = strlen (names[i]);
      gsize j = n;

      if (length <= n || g_ascii_strncasecmp (line, names[i], n) != 0)
        continue;
      while (j < length && (line[j] == ' ' || line[j] == '\t'))
        j++;
      if (j < length && line[j] == ':')
        return TRUE;
    }
  return FALSE;
}

static gboolean
prepare_message (const char  *path,
                 Prepared    *out,
                 GError     **error)
{
  g_autoptr(GFile) file = path != NULL ? g_file_new_for_path (path) : NULL;
  g_autoptr(GFileInputStream) in = NULL;
  g_autoptr(GFileInfo) info = NULL;
  g_autoptr(GByteArray) head = g_byte_array_new ();
  g_autoptr(GString) kept = g_string_new (NULL);
  gssize header_end = -1;
  gboolean skipping = FALSE;
  guint64 file_size;
  gsize pos = 0;

  in = g_file_read (file, NULL, error);
  if (in == NULL)
    return FALSE;
  info = g_file_input_stream_query_info (in, G_FILE_ATTRIBUTE_STANDARD_SIZE, NULL, error);
  if (info == NULL)
    return FALSE;
  file_size = (guint64) g_file_info_get_size (info);

  /* Read until the empty line that ends the header. */
  while (header_end < 0 && head->len < MAX_HEADER_BYTES)
    {
      guint8 buffer[8192];
      gssize n = g_input_stream_read (G_INPUT_STREAM (in), buffer, sizeof buffer, NULL, error);
      gsize from = head->len >= 3 ? head->len - 3 : 0;

      if (n < 0)
        return FALSE;
      if (n == 0)
        break;
      g_byte_array_append (head, buffer, (guint) n);
      for (gsize i = from; i + 1 < head->len && header_end < 0; i++)
        {
          if (head->data[i] == '\n' && head->data[i + 1] == '\n')
            header_end = (gssize) i + 1;
          else if (i + 2 < head->len && head->data[i] == '\n' && head->data[i + 1] == '\r' &&
                   head->data[i + 2] == '\n')
            header_end = (gssize) i + 1;
        }
    }
  if (header_end < 0)
    header_end = (gssize) MIN (head->len, (guint) MAX_HEADER_BYTES);

  /* Field by field: a Bcc field goes, with its continuation lines. */
  while (pos < (gsize) header_end)
    {
      const char *line = (const char *) head->data + pos;
      const char *nl = memchr (line, '\n', header_end - pos);
      gsize length = nl ? (gsize) (nl - line) + 1 : header_end - pos;

      if (line[0] != ' ' && line[0] != '\t')
        skipping = is_bcc_field (line, length);
      if (!skipping)
        g_string_append_len (kept, line, length);
      pos += length;
    }

  out->body_offset = header_end;
  out->total = kept->len + (file_size - (guint64) header_end);
  out->header = g_string_free_to_bytes (g_steal_pointer (&kept));
  return TRUE;
}

/* One transfer. */

typedef struct
{
  const TernSubmitSettings  *settings;
  Prepared                   message;
  GInputStream              *body;
  gsize                      header_pos;
  guint64                    delivered;
  TernSubmitHandedOverFunc   handed_over;
  gpointer                   user_data;
  gboolean                   handed;
  GError                    *callback_error;
  GCancellable              *cancellable;
  gulong                     cancel_id;

  /* libcurl waits for the answer to the data without calling back, so a cancel from another
   * thread shuts the socket down instead; these keep that from touching a recycled fd. */
  GMutex                     sock_lock;
  curl_socket_t              sock;

  /* What the conversation shows: the command under way and the last final reply. */
  char                       stage[16];
  char                      *rcpt;
  gboolean                   quitting;
  int                        last_code;
  char                      *last_reply;
  int                        post_code;    /* the answer to the end of the data */
  char                      *post_reply;
} Transfer;

static size_t
read_cb (char   *buffer,
         size_t  size,
         size_t  nitems,
         void   *data)
{
  Transfer *t = data;
  gsize wanted = size * nitems;
  gsize filled = 0;

  /* The header first, from memory. */
  if (t->header_pos < g_bytes_get_size (t->message.header))
    {
      gsize left = g_bytes_get_size (t->message.header) - t->header_pos;

      filled = MIN (left, wanted);
      const char *header = g_bytes_get_data (t->message.header, NULL);

      memcpy (buffer, header + t->header_pos, filled);
      t->header_pos += filled;
    }
  while (filled < wanted && t->body != NULL)
    {
      gssize n = g_input_stream_read (t->body, buffer + filled, wanted - filled, NULL,
                                      t->callback_error ? NULL : &t->callback_error);

      if (n < 0)
        return CURL_READFUNC_ABORT;
      if (n == 0)
        {
          g_clear_object (&t->body);
          break;
        }
      filled += (gsize) n;
    }

  /* The end of the data is about to go: once libcurl has these bytes it can finish the
   * message without asking again, so the point of no return is now. */
  if (!t->handed && (filled == 0 || t->delivered + filled >= t->message.total))
    {
      t->handed = TRUE;
      if (t->handed_over != NULL && !t->handed_over (t->user_data, &t->callback_error))
        return CURL_READFUNC_ABORT;
    }
  t->delivered += filled;
  return filled;
}

static int
progress_cb (void       *data,
             curl_off_t  dltotal,
             curl_off_t  dlnow,
             curl_off_t  ultotal,
             curl_off_t  ulnow)
{
  Transfer *t = data;

  return g_cancellable_is_cancelled (t->cancellable) ? 1 : 0;
}

static curl_socket_t
open_socket_cb (void                 *data,
                curlsocktype          purpose,
                struct curl_sockaddr *address)
{
  Transfer *t = data;
  curl_socket_t fd;

  g_mutex_lock (&t->sock_lock);
  if (g_cancellable_is_cancelled (t->cancellable))
    fd = CURL_SOCKET_BAD;
  else
    fd = socket (address->family, address->socktype | SOCK_CLOEXEC, address->protocol);
  if (fd != CURL_SOCKET_BAD)
    t->sock = fd;
  g_mutex_unlock (&t->sock_lock);
  return fd;
}

static int
close_socket_cb (void          *data,
                 curl_socket_t  fd)
{
  Transfer *t = data;
  int rc;

  g_mutex_lock (&t->sock_lock);
  if (t->sock == fd)
    t->sock = CURL_SOCKET_BAD;
  rc = close (fd);
  g_mutex_unlock (&t->sock_lock);
  return rc;
}

static void
cancelled_cb (GCancellable *cancellable,
              gpointer      data)
{
  Transfer *t = data;

  g_mutex_lock (&t->sock_lock);
  if (t->sock != CURL_SOCKET_BAD)
    shutdown (t->sock, SHUT_RDWR);
  g_mutex_unlock (&t->sock_lock);
}

static void
note_sent_line (Transfer   *t,
                const char *line,
                gsize       length)
{
  static const char *const commands[] = {
    "EHLO", "HELO", "STARTTLS", "AUTH", "MAIL", "RCPT", "DATA", "QUIT", "RSET",
  };

  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    {
      gsize n = strlen (commands[i]);

      if (length >= n && g_ascii_strncasecmp (line, commands[i], n) == 0 &&
          (length == n || line[n] == ' ' || line[n] == '\r' || line[n] == '\n'))
        {
          /* QUIT follows a refusal: the stage stays the one refused. */
          if (g_str_equal (commands[i], "QUIT"))
            {
              t->quitting = TRUE;
              return;
            }
          g_strlcpy (t->stage, commands[i], sizeof t->stage);
          if (g_str_equal (commands[i], "RCPT"))
            {
              const char *open = memchr (line, '<', length);
              const char *close = open ? memchr (open, '>', length - (open - line)) : NULL;

              g_free (t->rcpt);
              t->rcpt = open && close ? g_strndup (open + 1, close - open - 1) : NULL;
            }
          return;
        }
    }
  /* Anything else (AUTH LOGIN's base64 lines) is never kept: it may be a password. */
}

static void
note_reply_line (Transfer   *t,
                 const char *line,
                 gsize       length)
{
  g_autofree char *text = NULL;
  int code;

  while (length > 0 && (line[length - 1] == '\r' || line[length - 1] == '\n'))
    length--;
  if (length < 3 ||
      !g_ascii_isdigit (line[0]) || !g_ascii_isdigit (line[1]) || !g_ascii_isdigit (line[2]))
    return;
  if (length > 3 && line[3] != ' ')
    return; /* "250-..." continues */
  if (t->quitting)
    return;

  code = (line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0');
  text = g_utf8_make_valid (line, (gssize) length);
  t->last_code = code;
  g_free (t->last_reply);
  t->last_reply = g_strdup (text);
  if (t->handed)
    {
      t->post_code = code;
      g_free (t->post_reply);
      t->post_reply = g_strdup (text);
    }
}

static int
debug_cb (CURL          *handle,
          curl_infotype  type,
          char          *data,
          size_t         size,
          void          *user_data)
{
  Transfer *t = user_data;
  const char *p = data;
  const char *end = data + size;

  if (type != CURLINFO_HEADER_IN && type != CURLINFO_HEADER_OUT)
    {
      /* libcurl's own narration (certificates included) only when asked for. */
      if (type == CURLINFO_TEXT && g_getenv ("TERN_SMTP_DEBUG") != NULL)
        g_debug ("curl: %.*s", (int) (size && data[size - 1] == '\n' ? size - 1 : size), data);
      return 0;
    }

  while (p < end)
    {
      const char *nl = memchr (p, '\n', end - p);
      gsize length = nl ? (gsize) (nl - p) + 1 : (gsize) (end - p);

      if (type == CURLINFO_HEADER_OUT)
        note_sent_line (t, p, length);
      else
        note_reply_line (t, p, length);
      p += length;
    }
  return 0;
}

/* Certificates. */

static gboolean
certificate_from_pem (const char          *pem,
                      char               **sha256_out,
                      char               **pubkey_pin_out)
{
  gnutls_x509_crt_t crt = NULL;
  gnutls_pubkey_t key = NULL;
  gnutls_datum_t in = { (unsigned char *) pem, (unsigned int) strlen (pem) };
  gnutls_datum_t der = { NULL, 0 };
  gnutls_datum_t spki = { NULL, 0 };
  gboolean ok = FALSE;

  if (gnutls_x509_crt_init (&crt) < 0)
    return FALSE;
  if (gnutls_x509_crt_import (crt, &in, GNUTLS_X509_FMT_PEM) >= 0 &&
      gnutls_x509_crt_export2 (crt, GNUTLS_X509_FMT_DER, &der) >= 0 &&
      gnutls_pubkey_init (&key) >= 0 &&
      gnutls_pubkey_import_x509 (key, crt, 0) >= 0 &&
      gnutls_pubkey_export2 (key, GNUTLS_X509_FMT_DER, &spki) >= 0)
    {
      g_autoptr(GChecksum) checksum = g_checksum_new (G_CHECKSUM_SHA256);
      guint8 digest[32];
      gsize digest_len = sizeof digest;
      g_autofree char *b64 = NULL;

      *sha256_out = g_compute_checksum_for_data (G_CHECKSUM_SHA256, der.data, der.size);
      g_checksum_update (checksum, spki.data, spki.size);
      g_checksum_get_digest (checksum, digest, &digest_len);
      b64 = g_base64_encode (digest, digest_len);
      *pubkey_pin_out = g_strdup_printf ("sha256//%s", b64);
      ok = TRUE;
    }
  gnutls_free (der.data);
  gnutls_free (spki.data);
  if (key != NULL)
    gnutls_pubkey_deinit (key);
  gnutls_x509_crt_deinit (crt);
  return ok;
}

/* The server's leaf certificate from CURLOPT_CERTINFO. */
static gboolean
peer_certificate (CURL   *curl,
                  char  **sha256_out,
                  char  **pubkey_pin_out)
{
  struct curl_certinfo *info = NULL;

  if (curl_easy_getinfo (curl, CURLINFO_CERTINFO, &info) != CURLE_OK || info == NULL ||
      info->num_of_certs < 1)
    return FALSE;
  for (struct curl_slist *field = info->certinfo[0]; field != NULL; field = field->next)
    if (g_str_has_prefix (field->data, "Cert:"))
      return certificate_from_pem (field->data + 5, sha256_out, pubkey_pin_out);
  return FALSE;
}

static char *
normalize_fingerprint (const char *fingerprint)
{
  GString *out = g_string_new (NULL);

  for (const char *p = fingerprint; *p != '\0'; p++)
    if (g_ascii_isxdigit (*p))
      g_string_append_c (out, g_ascii_tolower (*p));
  return g_string_free (out, FALSE);
}

static gboolean
is_pinned (const TernSubmitSettings *settings,
           const char               *sha256)
{
  for (guint i = 0; settings->pinned_sha256 != NULL && settings->pinned_sha256[i] != NULL; i++)
    {
      g_autofree char *pin = normalize_fingerprint (settings->pinned_sha256[i]);

      if (*pin != '\0' && g_str_equal (pin, sha256))
        return TRUE;
    }
  return FALSE;
}

/* Errors. */

static char *
server_said (Transfer *t)
{
  return t->last_reply ? g_strdup_printf (" (the server said: %s)", t->last_reply) : g_strdup ("");
}

static GError *
reply_error (Transfer   *t,
             int         code,
             const char *reply)
{
  const char *host = t->settings->host;
  int domain_code = code >= 500 ? TERN_SYNC_ERROR_PERMANENT : TERN_SYNC_ERROR_TRANSIENT;
  /* Enhanced status codes (RFC 3463) say what the basic code does not. */
  gboolean too_large = code == 552 ||
                       (reply != NULL && (strstr (reply, " 5.3.4") || strstr (reply, " 5.2.3") ||
                                          strstr (reply, " 4.3.4")));

  if (too_large)
    return g_error_new (TERN_SYNC_ERROR, TERN_SYNC_ERROR_PERMANENT,
                        "The message is too large for %s: %s", host, reply);
  if (g_str_equal (t->stage, "RCPT"))
    return g_error_new (TERN_SYNC_ERROR, domain_code,
                        "%s refused the recipient %s: %s", host, t->rcpt ? t->rcpt : "?", reply);
  if (g_str_equal (t->stage, "MAIL"))
    return g_error_new (TERN_SYNC_ERROR, domain_code,
                        "%s refused the sender address: %s", host, reply);
  if (g_str_equal (t->stage, "AUTH"))
    return g_error_new (TERN_SYNC_ERROR, code >= 500 ? TERN_SYNC_ERROR_AUTH : TERN_SYNC_ERROR_TRANSIENT,
                        "%s refused the login: %s", host, reply);
  return g_error_new (TERN_SYNC_ERROR, domain_code, "%s refused the message: %s", host, reply);
}

static GError *
transfer_error (Transfer   *t,
                CURLcode    rc,
                const char *errbuf)
{
  const TernSubmitSettings *s = t->settings;
  const char *detail = *errbuf ? errbuf : curl_easy_strerror (rc);

  switch (rc)
    {
    case CURLE_COULDNT_RESOLVE_HOST:
      return g_error_new (TERN_SYNC_ERROR, TERN_SYNC_ERROR_OFFLINE, "Cannot look up %s", s->host);
    case CURLE_COULDNT_CONNECT:
      return g_error_new (TERN_SYNC_ERROR, TERN_SYNC_ERROR_OFFLINE,
                          "Cannot connect to %s port %u: %s", s->host, s->port, detail);
    case CURLE_OPERATION_TIMEDOUT:
      return g_error_new (TERN_SYNC_ERROR, TERN_SYNC_ERROR_OFFLINE,
                          "%s port %u did not answer in time", s->host, s->port);
    case CURLE_USE_SSL_FAILED:
      return g_error_new (TERN_SYNC_ERROR, TERN_SYNC_ERROR_INSECURE,
                          "%s does not offer STARTTLS: the password would travel unencrypted", s->host);
    case CURLE_SSL_CONNECT_ERROR:
      return g_error_new (TERN_SYNC_ERROR, TERN_SYNC_ERROR_CONFIG,
                          "The TLS handshake with %s port %u failed (%s): check the port and security settings",
                          s->host, s->port, detail);
    case CURLE_LOGIN_DENIED:
      if (t->last_code >= 500 && g_str_equal (t->stage, "AUTH"))
        return g_error_new (TERN_SYNC_ERROR, TERN_SYNC_ERROR_AUTH,
                            "%s refused the user name or password: %s", s->host, t->last_reply);
      if (t->last_code >= 400 && t->last_code < 500)
        return g_error_new (TERN_SYNC_ERROR, TERN_SYNC_ERROR_TRANSIENT,
                            "%s cannot log in now: %s", s->host, t->last_reply);
      return g_error_new (TERN_SYNC_ERROR, TERN_SYNC_ERROR_CONFIG,
                          "Cannot log in to %s: %s (it must offer AUTH PLAIN or LOGIN)", s->host, detail);
    default:
      break;
    }

  if (t->last_code >= 400 && (g_str_equal (t->stage, "MAIL") || g_str_equal (t->stage, "RCPT") ||
                              g_str_equal (t->stage, "DATA") || g_str_equal (t->stage, "EHLO") ||
                              g_str_equal (t->stage, "AUTH")))
    return reply_error (t, t->last_code, t->last_reply);

  {
    g_autofree char *said = server_said (t);

    return g_error_new (TERN_SYNC_ERROR, TERN_SYNC_ERROR_TRANSIENT,
                        "The connection to %s was lost: %s%s", s->host, detail, said);
  }
}

/* The EHLO name: an address literal, so that the machine's own name does not travel. */
static char *
build_url (const TernSubmitSettings *settings)
{
  gboolean ipv6 = strchr (settings->host, ':') != NULL;

  return g_strdup_printf ("%s://%s%s%s:%u/%%5B127.0.0.1%%5D",
                          settings->security == TERN_SUBMIT_SECURITY_TLS ? "smtps" : "smtp",
                          ipv6 ? "[" : "", settings->host, ipv6 ? "]" : "", settings->port);
}

static char *
login_options (const char *mechanisms)
{
  g_auto(GStrv) names = g_strsplit_set (mechanisms ? mechanisms : "PLAIN LOGIN", " ,", -1);
  GString *out = g_string_new (NULL);

  for (guint i = 0; names[i] != NULL; i++)
    if (*names[i] != '\0')
      g_string_append_printf (out, "%sAUTH=%s", out->len ? ";" : "", names[i]);
  return g_string_free (out, FALSE);
}

static size_t
discard_cb (char   *data,
            size_t  size,
            size_t  n,
            void   *user_data)
{
  return size * n;
}

/* One attempt (path NULL: the check, nothing sent). pubkey_pin: NULL to verify the chain and name, else skip those and require this
 * public key. */
static CURLcode
perform (Transfer            *t,
         CURL                *curl,
         const char          *mail_from,
         const char * const  *recipients,
         const char          *path,
         const char          *pubkey_pin,
         char                *errbuf,
         GError             **error)
{
  const TernSubmitSettings *s = t->settings;
  g_autoptr(GFile) file = path != NULL ? g_file_new_for_path (path) : NULL;
  g_autoptr(GFileInputStream) in = NULL;
  g_autofree char *url = build_url (s);
  g_autofree char *options = login_options (s->auth_mechanisms);
  g_autofree char *from = mail_from != NULL ? g_strdup_printf ("<%s>", mail_from) : NULL;
  struct curl_slist *rcpts = NULL;
  guint timeout = s->timeout_seconds ? s->timeout_seconds : 30;
  CURLcode rc;

  if (path != NULL)
    {
      in = g_file_read (file, NULL, error);
      if (in == NULL || !g_seekable_seek (G_SEEKABLE (in), t->message.body_offset, G_SEEK_SET, NULL, error))
        return CURLE_READ_ERROR;
    }
  g_clear_object (&t->body);
  t->body = in != NULL ? G_INPUT_STREAM (g_steal_pointer (&in)) : NULL;
  t->header_pos = 0;
  t->delivered = 0;
  t->handed = FALSE;
  t->quitting = FALSE;
  t->last_code = t->post_code = 0;
  g_clear_pointer (&t->last_reply, g_free);
  g_clear_pointer (&t->post_reply, g_free);
  g_strlcpy (t->stage, "CONNECT", sizeof t->stage);

  for (guint i = 0; recipients != NULL && recipients[i] != NULL; i++)
    {
      g_autofree char *rcpt = g_strdup_printf ("<%s>", recipients[i]);

      rcpts = curl_slist_append (rcpts, rcpt);
    }

  curl_easy_reset (curl);
  curl_easy_setopt (curl, CURLOPT_URL, url);
  curl_easy_setopt (curl, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
  curl_easy_setopt (curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt (curl, CURLOPT_ERRORBUFFER, errbuf);
  curl_easy_setopt (curl, CURLOPT_USE_SSL, (long) CURLUSESSL_ALL);
  curl_easy_setopt (curl, CURLOPT_SSLVERSION, (long) CURL_SSLVERSION_TLSv1_2);
  curl_easy_setopt (curl, CURLOPT_CERTINFO, 1L);
  if (s->ca_file != NULL)
    {
      /* Instead of the system CAs, not as well. */
      curl_easy_setopt (curl, CURLOPT_CAINFO, s->ca_file);
      curl_easy_setopt (curl, CURLOPT_CAPATH, NULL);
    }
  if (pubkey_pin != NULL)
    {
      curl_easy_setopt (curl, CURLOPT_SSL_VERIFYPEER, 0L);
      curl_easy_setopt (curl, CURLOPT_SSL_VERIFYHOST, 0L);
      curl_easy_setopt (curl, CURLOPT_PINNEDPUBLICKEY, pubkey_pin);
    }
  else
    {
      curl_easy_setopt (curl, CURLOPT_SSL_VERIFYPEER, 1L);
      curl_easy_setopt (curl, CURLOPT_SSL_VERIFYHOST, 2L);
    }
  curl_easy_setopt (curl, CURLOPT_USERNAME, s->user);
  if (s->bearer != NULL)
    {
      /* RFC 7628 if the server offers it, else XOAUTH2; never a password. */
      curl_easy_setopt (curl, CURLOPT_XOAUTH2_BEARER, s->bearer);
      curl_easy_setopt (curl, CURLOPT_LOGIN_OPTIONS, "AUTH=OAUTHBEARER;AUTH=XOAUTH2");
    }
  else
    {
      curl_easy_setopt (curl, CURLOPT_PASSWORD, s->password ? s->password : "");
      curl_easy_setopt (curl, CURLOPT_LOGIN_OPTIONS, options);
    }
  if (path != NULL)
    {
      curl_easy_setopt (curl, CURLOPT_MAIL_FROM, from);
      curl_easy_setopt (curl, CURLOPT_MAIL_RCPT, rcpts);
      curl_easy_setopt (curl, CURLOPT_UPLOAD, 1L);
      curl_easy_setopt (curl, CURLOPT_READFUNCTION, read_cb);
      curl_easy_setopt (curl, CURLOPT_READDATA, t);
      curl_easy_setopt (curl, CURLOPT_INFILESIZE_LARGE, (curl_off_t) t->message.total);
    }
  else
    {
      /* The check: greeting, EHLO, TLS, AUTH, then a NOOP (no message, no recipient). */
      curl_easy_setopt (curl, CURLOPT_CUSTOMREQUEST, "NOOP");
      curl_easy_setopt (curl, CURLOPT_WRITEFUNCTION, discard_cb);
    }
  curl_easy_setopt (curl, CURLOPT_CONNECTTIMEOUT, (long) timeout);
  curl_easy_setopt (curl, CURLOPT_SERVER_RESPONSE_TIMEOUT, (long) timeout);
  curl_easy_setopt (curl, CURLOPT_LOW_SPEED_LIMIT, 1L);
  curl_easy_setopt (curl, CURLOPT_LOW_SPEED_TIME, (long) timeout);
  curl_easy_setopt (curl, CURLOPT_NOPROGRESS, 0L);
  curl_easy_setopt (curl, CURLOPT_XFERINFOFUNCTION, progress_cb);
  curl_easy_setopt (curl, CURLOPT_XFERINFODATA, t);
  curl_easy_setopt (curl, CURLOPT_OPENSOCKETFUNCTION, open_socket_cb);
  curl_easy_setopt (curl, CURLOPT_OPENSOCKETDATA, t);
  curl_easy_setopt (curl, CURLOPT_CLOSESOCKETFUNCTION, close_socket_cb);
  curl_easy_setopt (curl, CURLOPT_CLOSESOCKETDATA, t);
  curl_easy_setopt (curl, CURLOPT_VERBOSE, 1L);
  curl_easy_setopt (curl, CURLOPT_DEBUGFUNCTION, debug_cb);
  curl_easy_setopt (curl, CURLOPT_DEBUGDATA, t);

  errbuf[0] = '\0';
  rc = curl_easy_perform (curl);
  /* The handle keeps pointers to these until it is reset. */
  curl_easy_setopt (curl, CURLOPT_MAIL_RCPT, NULL);
  curl_slist_free_all (rcpts);
  g_clear_object (&t->body);
  return rc;
}

/* A transfer's start and end, what sending and checking share. */
static void
transfer_init (Transfer                  *t,
               const TernSubmitSettings  *settings,
               GCancellable              *cancellable)
{
  tern_submit_global_init ();
  t->settings = settings;
  t->cancellable = cancellable;
  g_mutex_init (&t->sock_lock);
  t->sock = CURL_SOCKET_BAD;
  if (cancellable != NULL)
    t->cancel_id = g_cancellable_connect (cancellable, G_CALLBACK (cancelled_cb), t, NULL);
}

static void
transfer_clear (Transfer *t,
                CURL     *curl)
{
  if (curl != NULL)
    curl_easy_cleanup (curl);
  /* After the handle is gone: no socket is left to shut down. */
  g_cancellable_disconnect (t->cancellable, t->cancel_id);
  g_mutex_clear (&t->sock_lock);
  g_clear_object (&t->body);
  g_clear_pointer (&t->message.header, g_bytes_unref);
  g_clear_error (&t->callback_error);
  g_free (t->rcpt);
  g_free (t->last_reply);
  g_free (t->post_reply);
}

/* perform(), and once more with the pinned key when the certificate libcurl refused is the
 * one the settings pin; else a certificate error (its SHA-256 to refused_sha256_out). */
static CURLcode
perform_trusted (Transfer            *t,
                 CURL                *curl,
                 const char          *mail_from,
                 const char * const  *recipients,
                 const char          *path,
                 char                *errbuf,
                 char               **refused_sha256_out,
                 GError             **error)
{
  CURLcode rc = perform (t, curl, mail_from, recipients, path, NULL, errbuf, error);
  g_autofree char *sha256 = NULL;
  g_autofree char *pubkey_pin = NULL;

  if (rc != CURLE_PEER_FAILED_VERIFICATION)
    return rc;
  /* libcurl keeps the certificate it refused: is it the pinned one? */
  if (peer_certificate (curl, &sha256, &pubkey_pin) && is_pinned (t->settings, sha256))
    {
      g_debug ("Accepting the pinned certificate of %s", t->settings->host);
      return perform (t, curl, mail_from, recipients, path, pubkey_pin, errbuf, error);
    }
  g_set_error (error, TERN_SYNC_ERROR, TERN_SYNC_ERROR_CERTIFICATE,
               "The certificate of %s does not verify (%s)%s", t->settings->host,
               *errbuf ? errbuf : "unknown reason",
               t->settings->pinned_sha256 && t->settings->pinned_sha256[0]
               ? "; it is not the pinned certificate" : "");
  if (refused_sha256_out != NULL)
    *refused_sha256_out = g_steal_pointer (&sha256);
  return rc;
}

gboolean
tern_submit_message (const TernSubmitSettings  *settings,
                     const char                *mail_from,
                     const char * const        *recipients,
                     const char                *path,
                     TernSubmitHandedOverFunc   handed_over,
                     gpointer                   user_data,
                     GCancellable              *cancellable,
                     TernSubmitOutcome         *outcome_out,
                     char                     **refused_sha256_out,
                     GError                   **error)
{
  Transfer t = { 0 };
  CURL *curl = NULL;
  char errbuf[CURL_ERROR_SIZE];
  CURLcode rc;
  GError *local_error = NULL;
  TernSubmitOutcome outcome = TERN_SUBMIT_NOT_SENT;

  g_return_val_if_fail (settings != NULL && settings->host != NULL, FALSE);
  g_return_val_if_fail (mail_from != NULL && recipients != NULL && path != NULL, FALSE);

  if (refused_sha256_out != NULL)
    *refused_sha256_out = NULL;
  if (outcome_out != NULL)
    *outcome_out = TERN_SUBMIT_NOT_SENT;
  if (recipients[0] == NULL)
    {
      g_set_error_literal (error, TERN_SYNC_ERROR, TERN_SYNC_ERROR_PERMANENT,
                           "The message has no recipients");
      return FALSE;
    }
  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return FALSE;

  if (!prepare_message (path, &t.message, error))
    return FALSE;
  t.handed_over = handed_over;
  t.user_data = user_data;
  transfer_init (&t, settings, cancellable);
  curl = curl_easy_init ();
  if (curl == NULL)
    {
      g_set_error_literal (error, TERN_SYNC_ERROR, TERN_SYNC_ERROR_TRANSIENT,
                           "libcurl could not start");
      goto out;
    }

  rc = perform_trusted (&t, curl, mail_from, recipients, path, errbuf, refused_sha256_out, &local_error);
  if (local_error != NULL)
    goto out;
  if (rc == CURLE_OK)
    {
      outcome = TERN_SUBMIT_SENT;
      goto out;
    }

  if (t.callback_error != NULL)
    {
      /* handed_over() or reading the file failed: the end of the data never went out. */
      local_error = g_steal_pointer (&t.callback_error);
      goto out;
    }
  if (g_cancellable_is_cancelled (cancellable))
    local_error = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED, "The operation was cancelled");
  else if (rc == CURLE_SSL_PINNEDPUBKEYNOTMATCH)
    local_error = g_error_new (TERN_SYNC_ERROR, TERN_SYNC_ERROR_CERTIFICATE,
                               "The certificate of %s changed between two connections", settings->host);
  else if (t.handed && t.post_code >= 400)
    local_error = reply_error (&t, t.post_code, t.post_reply);
  else
    local_error = transfer_error (&t, rc, errbuf);

  if (t.handed && t.post_code == 0)
    {
      /* The end of the data may have reached the server and its answer was lost. */
      g_autoptr(GError) cause = g_steal_pointer (&local_error);

      outcome = TERN_SUBMIT_UNKNOWN;
      if (g_error_matches (cause, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        local_error = g_steal_pointer (&cause);
      else
        local_error = g_error_new (TERN_SYNC_ERROR, cause->code == TERN_SYNC_ERROR_OFFLINE
                                                    ? TERN_SYNC_ERROR_OFFLINE : TERN_SYNC_ERROR_TRANSIENT,
                                   "No answer from %s after the message went out: it may or may not "
                                   "have been sent (%s)", settings->host, cause->message);
    }

out:
  transfer_clear (&t, curl);
  if (outcome_out != NULL)
    *outcome_out = outcome;
  if (local_error != NULL)
    {
      g_propagate_error (error, local_error);
      return FALSE;
    }
  return outcome == TERN_SUBMIT_SENT;
}

gboolean
tern_submit_check (const TernSubmitSettings  *settings,
                   GCancellable              *cancellable,
                   char                     **refused_sha256_out,
                   GError                   **error)
{
  Transfer t = { 0 };
  CURL *curl = NULL;
  char errbuf[CURL_ERROR_SIZE];
  CURLcode rc;
  GError *local_error = NULL;

  g_return_val_if_fail (settings != NULL && settings->host != NULL, FALSE);

  if (refused_sha256_out != NULL)
    *refused_sha256_out = NULL;
  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return FALSE;

  transfer_init (&t, settings, cancellable);
  curl = curl_easy_init ();
  if (curl == NULL)
    local_error = g_error_new_literal (TERN_SYNC_ERROR, TERN_SYNC_ERROR_TRANSIENT, "libcurl could not start");
  else if ((rc = perform_trusted (&t, curl, NULL, NULL, NULL, errbuf, refused_sha256_out, &local_error)) != CURLE_OK &&
           local_error == NULL)
    local_error = g_cancellable_is_cancelled (cancellable)
                  ? g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED, "The operation was cancelled")
                  : transfer_error (&t, rc, errbuf);
  transfer_clear (&t, curl);
  if (local_error != NULL)
    {
      g_propagate_error (error, local_error);
      return FALSE;
    }
  return TRUE;
}
