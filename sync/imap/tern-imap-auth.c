/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "tern-imap-connection"

#include "config.h"

#include <string.h>
#include <sys/random.h>

#include "tern-imap-connection-private.h"

/* Logging in: SCRAM-SHA-256 (the server's signature verified), AUTHENTICATE PLAIN or
 * LOGIN, never in the clear; then ENABLE QRESYNC. */

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
                 "%s cannot log in now: %s", self->host, _tern_imap_server_text (self));
  else
    {
      /* The server said no to this mechanism: another one may still work. */
      self->mechanism_refused = TRUE;
      g_set_error (error, TERN_SYNC_ERROR, TERN_SYNC_ERROR_AUTH,
                   "Login as %s failed (%s): %s", self->user, mechanism, _tern_imap_server_text (self));
    }
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
  const char *line = _tern_imap_read_line (self, "AUTHENTICATE", error);

  *challenge = NULL;
  if (line == NULL)
    return FALSE;

  if (_tern_imap_is_continuation (line))
    {
      *challenge = _tern_imap_continuation_text (line);
      return TRUE;
    }

  return _tern_imap_parse_response (self, "AUTHENTICATE", status_out, error);
}

/* Cancels a SASL exchange ("*") and consumes the tagged reply. */
static gboolean
abort_auth (TernImapConnection  *self,
            GError              *reason,
            GError             **error)
{
  int status;

  if (_tern_imap_write_str (self, "*\r\n", "AUTHENTICATE", NULL) && _tern_imap_flush (self, "AUTHENTICATE", NULL))
    _tern_imap_read_response (self, "AUTHENTICATE", &status, NULL);

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
  gboolean sasl_ir = _tern_imap_capability_in (capabilities, "SASL-IR");
  gboolean verified = FALSE;
  int status = MAILIMAP_RESP_COND_STATE_NO;
  GChecksum *sha;
  gsize decoded_len;
  guchar *decoded;

  if (!_tern_imap_begin_command (self, "AUTHENTICATE", error))
    return FALSE;

  if (sasl_ir)
    {
      g_autofree char *line = g_strconcat ("AUTHENTICATE SCRAM-SHA-256 ", client_first_b64, NULL);

      if (!_tern_imap_write_secret_line (self, line, "AUTHENTICATE", error))
        return FALSE;
    }
  else
    {
      if (!_tern_imap_write_str (self, "AUTHENTICATE SCRAM-SHA-256\r\n", "AUTHENTICATE", error) ||
          !_tern_imap_flush (self, "AUTHENTICATE", error) ||
          !read_auth_step (self, &challenge, &status, error))
        return FALSE;
      if (challenge == NULL)
        return auth_failed (self, "SCRAM-SHA-256", error);
      g_clear_pointer (&challenge, g_free);
      if (!_tern_imap_write_secret_line (self, client_first_b64, "AUTHENTICATE", error))
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
  if (!_tern_imap_write_secret_line (self, client_final_b64, "AUTHENTICATE", error) ||
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

      if (!_tern_imap_write_str (self, "\r\n", "AUTHENTICATE", error) ||
          !_tern_imap_flush (self, "AUTHENTICATE", error) ||
          !_tern_imap_read_response (self, "AUTHENTICATE", &status, error))
        return FALSE;
    }

  if (status != MAILIMAP_RESP_COND_STATE_OK)
    return auth_failed (self, "SCRAM-SHA-256", error);

  if (!verified)
    {
      GError *local_error = g_error_new (TERN_SYNC_ERROR, TERN_SYNC_ERROR_AUTH,
                                         "%s accepted the login without proving that it "
                                         "knows the password", self->host);

      return _tern_imap_fail (self, TRUE, local_error, error);
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

  if (!_tern_imap_begin_command (self, "AUTHENTICATE", error))
    return FALSE;

  if (_tern_imap_capability_in (capabilities, "SASL-IR"))
    {
      g_autofree char *line = g_strconcat ("AUTHENTICATE PLAIN ", encoded, NULL);

      ok = _tern_imap_write_secret_line (self, line, "AUTHENTICATE", error) &&
           _tern_imap_read_response (self, "AUTHENTICATE", &status, error);
      memset (line, 0, strlen (line));
    }
  else
    {
      ok = _tern_imap_write_str (self, "AUTHENTICATE PLAIN\r\n", "AUTHENTICATE", error) &&
           _tern_imap_flush (self, "AUTHENTICATE", error) &&
           read_auth_step (self, &challenge, &status, error);
      if (ok && challenge != NULL)
        ok = _tern_imap_write_secret_line (self, encoded, "AUTHENTICATE", error) &&
             _tern_imap_read_response (self, "AUTHENTICATE", &status, error);
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

  if (!_tern_imap_begin_command (self, "LOGIN", error) ||
      !_tern_imap_write_str (self, "LOGIN ", "LOGIN", error) ||
      !_tern_imap_write_string (self, self->user, FALSE, "LOGIN", &sent, &status, error))
    return FALSE;

  if (sent)
    {
      if (!_tern_imap_write_str (self, " ", "LOGIN", error) ||
          !_tern_imap_write_string (self, password, TRUE, "LOGIN", &sent, &status, error))
        return FALSE;
    }

  if (sent)
    {
      if (!_tern_imap_write_str (self, "\r\n", "LOGIN", error) ||
          !_tern_imap_flush (self, "LOGIN", error) ||
          !_tern_imap_read_response (self, "LOGIN", &status, error))
        return FALSE;
    }

  if (status != MAILIMAP_RESP_COND_STATE_OK)
    return auth_failed (self, "LOGIN", error);

  return TRUE;
}

/*
 * COMPRESS DEFLATE (RFC 4978). The server starts deflating right after its tagged OK;
 * whatever libetpan read past that line is already compressed and goes to the driver.
 * A NO (compression already active, or refused) leaves the connection as it was.
 */
/* After COMPRESS's tagged OK: deflate from now on. What libetpan already read past that OK
 * is compressed, and goes to the inflater first. */
static gboolean
begin_deflate (TernImapConnection  *self,
               GError             **error)
{
  GError *local_error = NULL;
  mailstream *stream = self->session->imap_stream;

  if (!_tern_imap_stream_start_deflate (mailstream_get_low (stream), stream->read_buffer,
                                        stream->read_buffer_len, &local_error))
    return _tern_imap_fail (self, TRUE, local_error, error);
  stream->read_buffer_len = 0;
  return TRUE;
}

static gboolean
start_compress (TernImapConnection  *self,
                GError             **error)
{
  int status;

  if (!_tern_imap_begin_command (self, "COMPRESS", error) ||
      !_tern_imap_write_str (self, "COMPRESS DEFLATE\r\n", "COMPRESS", error) ||
      !_tern_imap_flush (self, "COMPRESS", error) ||
      !_tern_imap_read_response (self, "COMPRESS", &status, error))
    return FALSE;

  if (status != MAILIMAP_RESP_COND_STATE_OK)
    {
      g_debug ("%s refused COMPRESS DEFLATE: %s", self->host, _tern_imap_server_text (self));
      return TRUE;
    }
  return begin_deflate (self, error);
}

static gboolean
enable_qresync (TernImapConnection  *self,
                GError             **error)
{
  struct mailimap_capability_data *wanted;
  struct mailimap_capability_data *enabled = NULL;
  g_autoptr(GError) local_error = NULL;
  clist *list = clist_new ();
  int r;

  clist_append (list, mailimap_capability_new (MAILIMAP_CAPABILITY_NAME, NULL, strdup ("QRESYNC")));
  wanted = mailimap_capability_data_new (list);

  r = mailimap_enable (self->session, wanted, &enabled);
  mailimap_capability_data_free (wanted);
  if (!tern_imap_connection_check (self, r, "ENABLE QRESYNC", &local_error))
    {
      /* A refused ENABLE (NO or BAD) is not a failed login: the session goes on without
       * QRESYNC. A connection lost on the way is. */
      if (_tern_imap_is_dead (self) || !g_error_matches (local_error, TERN_SYNC_ERROR,
                                                         TERN_SYNC_ERROR_PERMANENT))
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }
      g_debug ("%s refused ENABLE QRESYNC: %s", self->host, local_error->message);
      return TRUE;
    }

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

/* ENABLE QRESYNC and COMPRESS DEFLATE in one round trip (#12: one less after every login,
 * on a 500 ms link half a second less until new mail shows). Both go before compression
 * starts, COMPRESS last: RFC 4978 lets nothing follow it until its answer. A refusal of
 * either is not a failed login; the session goes on without it. */
typedef struct
{
  gboolean enabled;
  gboolean compress;
} EnableCompress;

static void
enable_compress_cb (TernImapConnection *self,
                    guint               index,
                    gboolean            ok,
                    gpointer            user_data)
{
  EnableCompress *ec = user_data;
  clist *extensions = self->session->imap_response_info != NULL
                      ? self->session->imap_response_info->rsp_extension_list : NULL;

  if (index == 1)
    {
      ec->compress = ok;
      if (!ok)
        g_debug ("%s refused COMPRESS DEFLATE: %s", self->host, _tern_imap_server_text (self));
      return;
    }
  if (!ok)
    {
      g_debug ("%s refused ENABLE QRESYNC: %s", self->host, _tern_imap_server_text (self));
      return;
    }
  /* "* ENABLED QRESYNC": libetpan's ENABLE extension parsed it into a capability list. */
  for (clistiter *cur = extensions ? clist_begin (extensions) : NULL; cur != NULL; cur = clist_next (cur))
    {
      struct mailimap_extension_data *data = clist_content (cur);
      struct mailimap_capability_data *enabled = data->ext_data;

      if (data->ext_extension->ext_id != MAILIMAP_EXTENSION_ENABLE || enabled == NULL)
        continue;
      ec->enabled = ec->enabled || _tern_imap_capability_in (enabled, "QRESYNC");
    }
}

static gboolean
enable_and_compress (TernImapConnection  *self,
                     GError             **error)
{
  static const char * const commands[] = { "ENABLE QRESYNC", "COMPRESS DEFLATE", NULL };
  EnableCompress ec = { FALSE, FALSE };

  if (!_tern_imap_pipeline (self, commands, enable_compress_cb, &ec, error))
    return FALSE;
  self->qresync_enabled = ec.enabled;
  return !ec.compress || begin_deflate (self, error);
}

/* What every login checks first: never in the clear. FALSE with error, or TRUE with
 * *done set after a PREAUTH greeting. */
static gboolean
login_allowed (TernImapConnection  *self,
               gboolean            *done,
               GError             **error)
{
  *done = FALSE;
  if (!_tern_imap_ensure_usable (self, error))
    return FALSE;

  if (self->session->imap_state == MAILIMAP_STATE_AUTHENTICATED ||
      self->session->imap_state == MAILIMAP_STATE_SELECTED)
    {
      /* PREAUTH: no login, but QRESYNC must still be enabled before it is used. */
      if (!self->qresync_enabled && tern_imap_connection_has_capability (self, "QRESYNC") &&
          !enable_qresync (self, error))
        return FALSE;
      *done = TRUE;
      return TRUE;
    }

  /* Checked before anything is written: no mechanism is safe in the clear, and the
   * server cannot be trusted to have said LOGINDISABLED (a forged list can hide it). */
  if (!self->encrypted)
    {
      g_set_error (error, TERN_SYNC_ERROR, TERN_SYNC_ERROR_INSECURE,
                   "Refusing to send the password for %s to %s over an unencrypted "
                   "connection: use TLS or STARTTLS", self->user, self->host);
      return FALSE;
    }
  return TRUE;
}

/* After a login: the capabilities it announced (or read anew), COMPRESS started and QRESYNC
 * enabled where offered. */
static gboolean
login_finish (TernImapConnection               *self,
              gboolean                          ok,
              struct mailimap_capability_data  *saved,
              GError                          **error)
{
  gboolean compress, qresync;

  if (!ok)
    {
      /* A failed login leaves the old list valid: keep it for a retry. */
      if (self->session->imap_connection_info != NULL && !_tern_imap_have_capabilities (self))
        self->session->imap_connection_info->imap_capability = saved;
      else
        mailimap_capability_data_free (saved);
      return FALSE;
    }

  mailimap_capability_data_free (saved);

  self->session->imap_state = MAILIMAP_STATE_AUTHENTICATED;

  /* The tagged OK usually carries [CAPABILITY ...]; if not, the list must be re-read:
   * the one from before the login lacks QRESYNC, MOVE, etc. */
  if (!_tern_imap_have_capabilities (self) && !_tern_imap_read_capabilities (self, error))
    return FALSE;

  compress = !self->no_compress && tern_imap_connection_has_capability (self, "COMPRESS=DEFLATE");
  qresync = tern_imap_connection_has_capability (self, "QRESYNC");
  if (compress && qresync)
    return enable_and_compress (self, error);
  if (compress && !start_compress (self, error))
    return FALSE;
  if (qresync && !enable_qresync (self, error))
    return FALSE;

  return TRUE;
}

/* Sets the capability list aside: whatever arrives with the tagged OK replaces it. */
static struct mailimap_capability_data *
set_capabilities_aside (TernImapConnection *self)
{
  struct mailimap_capability_data *saved;

  if (self->session->imap_connection_info == NULL)
    self->session->imap_connection_info = mailimap_connection_info_new ();
  saved = self->session->imap_connection_info->imap_capability;
  self->session->imap_connection_info->imap_capability = NULL;
  return saved;
}

gboolean
tern_imap_connection_login (TernImapConnection  *self,
                            const char          *password,
                            GError             **error)
{
  struct mailimap_capability_data *saved;
  const char *mechanisms[3];
  guint n;
  gboolean ok, done;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (password != NULL, FALSE);

  if (!login_allowed (self, &done, error) || done)
    return done;

  if (!tern_imap_connection_has_capability (self, "AUTH=SCRAM-SHA-256") &&
      !tern_imap_connection_has_capability (self, "AUTH=PLAIN") &&
      tern_imap_connection_has_capability (self, "LOGINDISABLED"))
    {
      g_set_error (error, TERN_SYNC_ERROR, TERN_SYNC_ERROR_INSECURE,
                   "%s does not allow logging in on this connection (LOGINDISABLED)",
                   self->host);
      return FALSE;
    }

  saved = set_capabilities_aside (self);

  /* Every mechanism the server offers, strongest first, the one that worked last time
   * (set_preferred_mechanism()) before the others: a server that advertises SCRAM and
   * fails it still takes PLAIN. Only after the server said NO to a mechanism (not after
   * a SCRAM server that could not prove it knows the password); all of them inside TLS
   * (checked above), so the fallback is never weaker over plaintext. */
  n = 0;
  if (_tern_imap_capability_in (saved, "AUTH=SCRAM-SHA-256"))
    mechanisms[n++] = "SCRAM-SHA-256";
  if (_tern_imap_capability_in (saved, "AUTH=PLAIN"))
    mechanisms[n++] = "PLAIN";
  /* LOGIN only where no SASL mechanism is offered: a wrong password costs as few
   * failed attempts as possible (servers lock accounts after a few). */
  if (n == 0)
    mechanisms[n++] = "LOGIN";
  for (guint i = 1; i < n && self->preferred_mechanism != NULL; i++)
    if (g_str_equal (mechanisms[i], self->preferred_mechanism))
      {
        const char *first = mechanisms[i];

        memmove (mechanisms + 1, mechanisms, i * sizeof mechanisms[0]);
        mechanisms[0] = first;
      }

  ok = FALSE;
  for (guint i = 0; i < n && !ok; i++)
    {
      g_autoptr(GError) local_error = NULL;

      self->mechanism_refused = FALSE;
      if (self->session->imap_connection_info->imap_capability != NULL)
        {
          mailimap_capability_data_free (self->session->imap_connection_info->imap_capability);
          self->session->imap_connection_info->imap_capability = NULL;
        }
      if (g_str_equal (mechanisms[i], "SCRAM-SHA-256"))
        ok = login_scram (self, password, saved, &local_error);
      else if (g_str_equal (mechanisms[i], "PLAIN"))
        ok = login_plain (self, password, saved, &local_error);
      else
        ok = login_login (self, password, &local_error);
      if (ok)
        {
          g_free (self->mechanism);
          self->mechanism = g_strdup (mechanisms[i]);
          break;
        }
      if (!self->mechanism_refused || i + 1 == n || _tern_imap_is_dead (self))
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          break;
        }
      g_debug ("%s: %s; trying %s", self->host, local_error->message, mechanisms[i + 1]);
    }

  return login_finish (self, ok, saved, error);
}

/* OAUTHBEARER (RFC 7628) or XOAUTH2: one message with the user and the token. A refusal comes
 * as a continuation with the reason (JSON); the client answers it (OAUTHBEARER: %x01, XOAUTH2:
 * an empty line) and the server ends with NO. */
static gboolean
login_bearer (TernImapConnection               *self,
              const char                       *token,
              struct mailimap_capability_data  *capabilities,
              GError                          **error)
{
  gboolean oauthbearer = _tern_imap_capability_in (capabilities, "AUTH=OAUTHBEARER");
  const char *mechanism = oauthbearer ? "OAUTHBEARER" : "XOAUTH2";
  g_autofree char *message = NULL;
  g_autofree char *encoded = NULL;
  g_autofree char *challenge = NULL;
  g_autofree char *line = NULL;
  int status = MAILIMAP_RESP_COND_STATE_NO;
  gboolean ok;

  if (oauthbearer)
    message = g_strdup_printf ("n,a=%s,\001host=%s\001port=%u\001auth=Bearer %s\001\001",
                               self->user, self->host, self->port, token);
  else
    message = g_strdup_printf ("user=%s\001auth=Bearer %s\001\001", self->user, token);
  encoded = g_base64_encode ((const guchar *) message, strlen (message));
  memset (message, 0, strlen (message));

  if (!_tern_imap_begin_command (self, "AUTHENTICATE", error))
    return FALSE;
  if (_tern_imap_capability_in (capabilities, "SASL-IR"))
    {
      line = g_strdup_printf ("AUTHENTICATE %s %s", mechanism, encoded);
      ok = _tern_imap_write_secret_line (self, line, "AUTHENTICATE", error) &&
           read_auth_step (self, &challenge, &status, error);
    }
  else
    {
      line = g_strdup_printf ("AUTHENTICATE %s\r\n", mechanism);
      ok = _tern_imap_write_str (self, line, "AUTHENTICATE", error) &&
           _tern_imap_flush (self, "AUTHENTICATE", error) &&
           read_auth_step (self, &challenge, &status, error);
      if (ok && challenge != NULL)
        {
          g_clear_pointer (&challenge, g_free);
          ok = _tern_imap_write_secret_line (self, encoded, "AUTHENTICATE", error) &&
               read_auth_step (self, &challenge, &status, error);
        }
    }
  memset (line, 0, strlen (line));
  memset (encoded, 0, strlen (encoded));
  /* The server's reason for refusing: answered, then the tagged NO. */
  if (ok && challenge != NULL)
    ok = _tern_imap_write_secret_line (self, oauthbearer ? "AQ==" : "", "AUTHENTICATE", error) &&
         _tern_imap_read_response (self, "AUTHENTICATE", &status, error);
  if (!ok)
    return FALSE;
  if (status != MAILIMAP_RESP_COND_STATE_OK)
    return auth_failed (self, mechanism, error);
  return TRUE;
}

gboolean
tern_imap_connection_login_bearer (TernImapConnection  *self,
                                   const char          *token,
                                   GError             **error)
{
  struct mailimap_capability_data *saved;
  gboolean ok, done;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (token != NULL, FALSE);

  if (!login_allowed (self, &done, error) || done)
    return done;
  if (!tern_imap_connection_has_capability (self, "AUTH=OAUTHBEARER") &&
      !tern_imap_connection_has_capability (self, "AUTH=XOAUTH2"))
    {
      g_set_error (error, TERN_SYNC_ERROR, TERN_SYNC_ERROR_CONFIG,
                   "%s does not offer signing in with a token (OAUTHBEARER or XOAUTH2)",
                   self->host);
      return FALSE;
    }
  saved = set_capabilities_aside (self);
  ok = login_bearer (self, token, saved, error);
  return login_finish (self, ok, saved, error);
}

void
tern_imap_connection_set_preferred_mechanism (TernImapConnection *self,
                                              const char         *mechanism)
{
  g_return_if_fail (self != NULL);

  g_free (self->preferred_mechanism);
  self->preferred_mechanism = g_strdup (mechanism);
}

const char *
tern_imap_connection_get_mechanism (TernImapConnection *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return self->mechanism;
}
