/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "tern-accounts"

#include "config.h"

#include <json-glib/json-glib.h>
#include <libsecret/secret.h>
#include <string.h>
#include <sys/random.h>

#include "tern-accounts-private.h"
#include "tern-oauth2.h"

/* OAuth2 sign-in and tokens (see tern-oauth2.h). */

#define RENEW_MARGIN_S     60
#define MAX_REQUEST_BYTES  16384

G_DEFINE_QUARK (tern-oauth2-error-quark, tern_oauth2_error)

/* Client ids. */

/* Tern's own registrations with providers, by issuer. None yet: GNOME Online Accounts (with
 * GNOME's registrations) is the way to Google and Microsoft; a provider or a company may
 * publish a client id in its autoconfig document, or give one in $TERN_OAUTH2_CLIENTS. */
static const struct { const char *issuer; const char *client_id; const char *secret; } registrations[] = {
  { NULL, NULL, NULL },
};

char *
tern_oauth2_dup_client_id (const char  *issuer,
                           char       **secret_out)
{
  const char *env = g_getenv ("TERN_OAUTH2_CLIENTS");

  if (secret_out != NULL)
    *secret_out = NULL;
  if (issuer == NULL)
    return NULL;
  if (env != NULL)
    {
      g_auto(GStrv) entries = g_strsplit (env, ";", -1);

      for (guint i = 0; entries[i] != NULL; i++)
        {
          char *eq = strchr (entries[i], '=');
          char *colon;

          if (eq == NULL)
            continue;
          *eq = '\0';
          if (g_ascii_strcasecmp (g_strstrip (entries[i]), issuer) != 0)
            continue;
          colon = strchr (eq + 1, ':');
          if (colon != NULL)
            {
              *colon = '\0';
              if (secret_out != NULL)
                *secret_out = g_strdup (colon + 1);
            }
          return g_strdup (eq + 1);
        }
    }
  for (guint i = 0; i < G_N_ELEMENTS (registrations); i++)
    if (registrations[i].issuer != NULL && g_ascii_strcasecmp (registrations[i].issuer, issuer) == 0)
      {
        if (secret_out != NULL)
          *secret_out = g_strdup (registrations[i].secret);
        return g_strdup (registrations[i].client_id);
      }
  return NULL;
}

void
tern_oauth2_tokens_free (TernOAuth2Tokens *tokens)
{
  if (tokens == NULL)
    return;
  if (tokens->access_token != NULL)
    memset (tokens->access_token, 0, strlen (tokens->access_token));
  if (tokens->refresh_token != NULL)
    memset (tokens->refresh_token, 0, strlen (tokens->refresh_token));
  g_free (tokens->access_token);
  g_free (tokens->refresh_token);
  g_free (tokens);
}

static char *
random_token (gsize bytes)
{
  g_autofree guchar *data = g_malloc (bytes);
  char *text;

  if (getrandom (data, bytes, 0) != (ssize_t) bytes)
    for (gsize i = 0; i < bytes; i++)
      data[i] = (guchar) g_random_int_range (0, 256);
  /* base64url without padding (RFC 7636 §4.1). */
  text = g_base64_encode (data, bytes);
  for (char *p = text; *p != '\0'; p++)
    if (*p == '+')
      *p = '-';
    else if (*p == '/')
      *p = '_';
  if (strchr (text, '=') != NULL)
    *strchr (text, '=') = '\0';
  return text;
}

static char *
pkce_challenge (const char *verifier)
{
  guint8 digest[32];
  gsize length = sizeof digest;
  GChecksum *sha = g_checksum_new (G_CHECKSUM_SHA256);
  char *text;

  g_checksum_update (sha, (const guchar *) verifier, strlen (verifier));
  g_checksum_get_digest (sha, digest, &length);
  g_checksum_free (sha);
  text = g_base64_encode (digest, length);
  for (char *p = text; *p != '\0'; p++)
    if (*p == '+')
      *p = '-';
    else if (*p == '/')
      *p = '_';
  if (strchr (text, '=') != NULL)
    *strchr (text, '=') = '\0';
  return text;
}

/* Token endpoint. */

static TernOAuth2Tokens *
token_request (const TernAccount  *account,
               const char         *form,
               GCancellable       *cancellable,
               GError            **error)
{
  g_autoptr(GTlsDatabase) database = NULL;
  g_autoptr(TernHttpResponse) response = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(TernOAuth2Tokens) tokens = NULL;
  g_autoptr(GError) local_error = NULL;
  TernNetOptions options = { 0 };
  TernHttpRequest request = { 0 };
  JsonObject *object;
  gsize size = 0;
  const char *data;

  if (account->oauth2_token_url == NULL)
    {
      g_set_error (error, TERN_SYNC_ERROR, TERN_SYNC_ERROR_CONFIG,
                   "%s has no OAuth2 token address", account->name);
      return NULL;
    }
  if (account->ca_file != NULL)
    {
      database = g_tls_file_database_new (account->ca_file, error);
      if (database == NULL)
        return NULL;
    }
  options.tls_database = database;
  request.method = "POST";
  request.url = account->oauth2_token_url;
  request.accept = "application/json";
  request.body = form;
  request.max_size = MAX_REQUEST_BYTES * 4;
  response = _tern_http_request (&options, &request, cancellable, error);
  if (response == NULL)
    return NULL;

  data = g_bytes_get_data (response->body, &size);
  if (!json_parser_load_from_data (parser, data, (gssize) size, &local_error) ||
      json_parser_get_root (parser) == NULL || !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    {
      g_set_error (error, TERN_SYNC_ERROR, TERN_SYNC_ERROR_PROTOCOL,
                   "The sign-in service answered %u without a token", response->status);
      return NULL;
    }
  object = json_node_get_object (json_parser_get_root (parser));
  if (response->status != 200 || !json_object_has_member (object, "access_token"))
    {
      const char *code = json_object_get_string_member_with_default (object, "error", "");
      const char *text = json_object_get_string_member_with_default (object, "error_description", "");

      /* RFC 6749 §5.2: invalid_grant is a refresh token (or code) that no longer counts. */
      if (g_str_equal (code, "invalid_grant"))
        g_set_error (error, TERN_OAUTH2_ERROR, TERN_OAUTH2_ERROR_SIGN_IN,
                     "%s: sign in again (the provider no longer accepts Tern’s sign-in%s%s)",
                     account->name, *text ? ": " : "", text);
      else if (response->status >= 500)
        g_set_error (error, TERN_SYNC_ERROR, TERN_SYNC_ERROR_TRANSIENT,
                     "The sign-in service answered %u", response->status);
      else
        g_set_error (error, TERN_SYNC_ERROR, TERN_SYNC_ERROR_AUTH, "The sign-in service refused: %s%s%s",
                     *code ? code : "no token", *text ? ": " : "", text);
      return NULL;
    }
  tokens = g_new0 (TernOAuth2Tokens, 1);
  tokens->access_token = g_strdup (json_object_get_string_member_with_default (object, "access_token", ""));
  if (json_object_has_member (object, "refresh_token"))
    tokens->refresh_token = g_strdup (json_object_get_string_member_with_default (object, "refresh_token", ""));
  if (json_object_has_member (object, "expires_in"))
    tokens->expires_at = g_get_real_time () / G_USEC_PER_SEC +
                         json_object_get_int_member_with_default (object, "expires_in", 0);
  if (*tokens->access_token == '\0')
    {
      g_set_error_literal (error, TERN_SYNC_ERROR, TERN_SYNC_ERROR_PROTOCOL,
                           "The sign-in service sent an empty token");
      return NULL;
    }
  return g_steal_pointer (&tokens);
}

/* The flow. */

struct _TernOAuth2Flow
{
  TernAccount      *account;
  GSocketListener  *listener;
  guint16           port;
  char             *redirect_uri;
  char             *uri;
  char             *state;
  char             *verifier;
};

void
tern_oauth2_flow_free (TernOAuth2Flow *self)
{
  if (self == NULL)
    return;
  tern_account_free (self->account);
  if (self->listener != NULL)
    g_socket_listener_close (self->listener);
  g_clear_object (&self->listener);
  g_free (self->redirect_uri);
  g_free (self->uri);
  g_free (self->state);
  g_free (self->verifier);
  g_free (self);
}

TernOAuth2Flow *
tern_oauth2_flow_new (const TernAccount  *account,
                      const char         *login_hint,
                      GError            **error)
{
  g_autoptr(TernOAuth2Flow) self = g_new0 (TernOAuth2Flow, 1);
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) bound = NULL;
  g_autoptr(GString) uri = NULL;
  g_autofree char *challenge = NULL;
  g_autofree char *query = NULL;

  g_return_val_if_fail (account != NULL, NULL);

  if (account->oauth2_auth_url == NULL || account->oauth2_token_url == NULL ||
      account->oauth2_client_id == NULL)
    {
      g_set_error (error, TERN_SYNC_ERROR, TERN_SYNC_ERROR_CONFIG,
                   "Signing in to %s in a browser needs the provider’s addresses and a client id "
                   "for Tern there", account->oauth2_issuer ? account->oauth2_issuer : account->name);
      return NULL;
    }
  if (!g_str_has_prefix (account->oauth2_auth_url, "https://") ||
      !g_str_has_prefix (account->oauth2_token_url, "https://"))
    {
      g_set_error_literal (error, TERN_SYNC_ERROR, TERN_SYNC_ERROR_INSECURE,
                           "The provider’s sign-in addresses are not https: Tern does not use them");
      return NULL;
    }
  self->account = tern_account_copy (account);
  self->listener = g_socket_listener_new ();
  if (!g_socket_listener_add_address (self->listener, address, G_SOCKET_TYPE_STREAM,
                                      G_SOCKET_PROTOCOL_TCP, NULL, &bound, error))
    return NULL;
  self->port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
  self->redirect_uri = g_strdup_printf ("http://127.0.0.1:%u/", self->port);
  self->state = random_token (16);
  self->verifier = random_token (32);
  challenge = pkce_challenge (self->verifier);
  query = _tern_http_form ("response_type", "code",
                           "client_id", account->oauth2_client_id,
                           "redirect_uri", self->redirect_uri,
                           "scope", account->oauth2_scope,
                           "state", self->state,
                           "code_challenge", challenge,
                           "code_challenge_method", "S256",
                           "login_hint", login_hint,
                           NULL);
  uri = g_string_new (account->oauth2_auth_url);
  g_string_append_c (uri, strchr (account->oauth2_auth_url, '?') ? '&' : '?');
  g_string_append (uri, query);
  self->uri = g_string_free (g_steal_pointer (&uri), FALSE);
  return g_steal_pointer (&self);
}

const char *
tern_oauth2_flow_get_uri (TernOAuth2Flow *self)
{
  return self->uri;
}

const char *
tern_oauth2_flow_get_redirect_uri (TernOAuth2Flow *self)
{
  return self->redirect_uri;
}

static void
answer_browser (GSocketConnection *connection,
                gboolean           ok,
                const char        *text)
{
  g_autofree char *escaped = g_markup_escape_text (text, -1);
  g_autofree char *page = g_strdup_printf ("<!DOCTYPE html><html><head><meta charset=\"utf-8\">"
                                           "<title>Tern</title></head><body style=\"font-family: "
                                           "sans-serif; margin: 4em auto; max-width: 30em\">"
                                           "<h1>%s</h1><p>%s</p></body></html>",
                                           ok ? "Signed in" : "Not signed in", escaped);
  g_autofree char *reply = g_strdup_printf ("HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n"
                                            "Content-Length: %zu\r\nConnection: close\r\n"
                                            "Cache-Control: no-store\r\n\r\n%s", strlen (page), page);

  g_output_stream_write_all (g_io_stream_get_output_stream (G_IO_STREAM (connection)), reply,
                             strlen (reply), NULL, NULL, NULL);
  g_io_stream_close (G_IO_STREAM (connection), NULL, NULL);
}

/* Reads one request; TRUE with *params when it is the redirect (a query with state). */
static gboolean
read_redirect (GSocketConnection  *connection,
               GHashTable        **params_out,
               GCancellable       *cancellable)
{
  g_autoptr(GDataInputStream) in = g_data_input_stream_new (g_io_stream_get_input_stream (G_IO_STREAM (connection)));
  g_autofree char *line = NULL;
  g_auto(GStrv) parts = NULL;
  const char *query;

  g_filter_input_stream_set_close_base_stream (G_FILTER_INPUT_STREAM (in), FALSE);
  g_data_input_stream_set_newline_type (in, G_DATA_STREAM_NEWLINE_TYPE_LF);
  line = g_data_input_stream_read_line (in, NULL, cancellable, NULL);
  if (line == NULL || strlen (line) > MAX_REQUEST_BYTES)
    return FALSE;
  parts = g_strsplit (g_strstrip (line), " ", 3);
  if (g_strv_length (parts) < 2 || !g_str_equal (parts[0], "GET") ||
      (query = strchr (parts[1], '?')) == NULL)
    return FALSE;
  *params_out = g_uri_parse_params (query + 1, -1, "&", G_URI_PARAMS_NONE, NULL);
  return *params_out != NULL;
}

TernOAuth2Tokens *
tern_oauth2_flow_wait (TernOAuth2Flow  *self,
                       GCancellable    *cancellable,
                       GError         **error)
{
  g_autofree char *secret = NULL;
  g_autofree char *client_id = NULL;

  g_return_val_if_fail (self != NULL, NULL);

  for (;;)
    {
      g_autoptr(GSocketConnection) connection = NULL;
      g_autoptr(GHashTable) params = NULL;
      g_autoptr(GError) local_error = NULL;
      g_autofree char *form = NULL;
      const char *code, *state, *refusal;
      TernOAuth2Tokens *tokens;

      connection = g_socket_listener_accept (self->listener, NULL, cancellable, error);
      if (connection == NULL)
        return NULL;
      /* A browser that stalls must not hold the flow: the request comes at once or not. */
      g_socket_set_timeout (g_socket_connection_get_socket (connection), 10);
      if (!read_redirect (connection, &params, cancellable))
        {
          /* favicon.ico, a probe, a malformed request: not the redirect. */
          answer_browser (connection, FALSE, "Waiting for the sign-in to finish.");
          continue;
        }
      state = g_hash_table_lookup (params, "state");
      if (g_strcmp0 (state, self->state) != 0)
        {
          /* Not ours (RFC 6749 §10.12): someone else's redirect is ignored. */
          answer_browser (connection, FALSE, "This sign-in was not started by this Tern.");
          continue;
        }
      code = g_hash_table_lookup (params, "code");
      refusal = g_hash_table_lookup (params, "error");
      if (code == NULL)
        {
          answer_browser (connection, FALSE, "You can close this page and try again in Tern.");
          g_set_error (error, TERN_SYNC_ERROR, TERN_SYNC_ERROR_AUTH, "Not signed in: %s",
                       refusal ? refusal : "the provider sent no code");
          return NULL;
        }
      client_id = g_strdup (self->account->oauth2_client_id);
      g_free (tern_oauth2_dup_client_id (self->account->oauth2_issuer, &secret));
      form = _tern_http_form ("grant_type", "authorization_code",
                              "code", code,
                              "redirect_uri", self->redirect_uri,
                              "client_id", client_id,
                              "client_secret", secret,
                              "code_verifier", self->verifier,
                              NULL);
      tokens = token_request (self->account, form, cancellable, &local_error);
      memset (form, 0, strlen (form));
      answer_browser (connection, tokens != NULL,
                      tokens != NULL ? "You are signed in to Tern. You can close this page."
                                     : "Tern could not finish signing in. You can close this page.");
      if (tokens == NULL)
        {
          if (g_error_matches (local_error, TERN_OAUTH2_ERROR, TERN_OAUTH2_ERROR_SIGN_IN))
            g_set_error (error, TERN_SYNC_ERROR, TERN_SYNC_ERROR_AUTH, "%s", local_error->message);
          else
            g_propagate_error (error, g_steal_pointer (&local_error));
        }
      return tokens;
    }
}

typedef struct
{
  TernOAuth2Flow   *flow;
  TernOAuth2Tokens *tokens;
  GError           *error;
  GTask            *task;
} WaitRun;

static gboolean
wait_done_cb (gpointer data)
{
  WaitRun *w = data;

  if (w->tokens != NULL)
    g_task_return_pointer (w->task, w->tokens, (GDestroyNotify) tern_oauth2_tokens_free);
  else
    g_task_return_error (w->task, w->error);
  g_object_unref (w->task);
  g_free (w);
  return G_SOURCE_REMOVE;
}

static gpointer
wait_thread (gpointer data)
{
  WaitRun *w = data;
  GSource *source = g_idle_source_new ();

  w->tokens = tern_oauth2_flow_wait (w->flow, g_task_get_cancellable (w->task), &w->error);
  g_source_set_priority (source, G_PRIORITY_DEFAULT);
  g_source_set_callback (source, wait_done_cb, w, NULL);
  g_source_attach (source, g_task_get_context (w->task));
  g_source_unref (source);
  return NULL;
}

void
tern_oauth2_flow_wait_async (TernOAuth2Flow      *self,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  WaitRun *w = g_new0 (WaitRun, 1);

  w->flow = self;
  w->task = g_task_new (NULL, cancellable, callback, user_data);
  g_thread_unref (g_thread_new ("tern-oauth2", wait_thread, w));
}

TernOAuth2Tokens *
tern_oauth2_flow_wait_finish (GAsyncResult  *result,
                              GError       **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* Tokens kept. */

static const SecretSchema *
get_schema (void)
{
  static const SecretSchema schema = {
    "org.gnome.Tern.OAuth2", SECRET_SCHEMA_NONE,
    {
      { "account", SECRET_SCHEMA_ATTRIBUTE_STRING },
      { "issuer", SECRET_SCHEMA_ATTRIBUTE_STRING },
      { NULL, 0 },
    }
  };
  return &schema;
}

typedef struct
{
  char   *token;
  gint64  expires_at;
} Cached;

static GMutex      cache_lock;
static GHashTable *cache;   /* "account\nissuer" -> Cached */

static void
cached_free (gpointer data)
{
  Cached *c = data;

  memset (c->token, 0, strlen (c->token));
  g_free (c->token);
  g_free (c);
}

static char *
cache_key (const TernAccount *account)
{
  return g_strdup_printf ("%s\n%s", account->name, account->oauth2_issuer ? account->oauth2_issuer : "");
}

static void
remember (const TernAccount *account,
          const char        *token,
          gint64             expires_at)
{
  Cached *c = g_new0 (Cached, 1);

  c->token = g_strdup (token);
  c->expires_at = expires_at;
  g_mutex_lock (&cache_lock);
  if (cache == NULL)
    cache = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, cached_free);
  g_hash_table_replace (cache, cache_key (account), c);
  g_mutex_unlock (&cache_lock);
}

static gboolean
store_refresh_token (const TernAccount  *account,
                     const char         *refresh_token,
                     GError            **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autofree char *label = g_strdup_printf ("Tern sign-in for %s (%s)", account->name,
                                            account->oauth2_issuer ? account->oauth2_issuer : "OAuth2");

  if (!secret_password_store_sync (get_schema (), SECRET_COLLECTION_DEFAULT, label, refresh_token,
                                   NULL, &local_error,
                                   "account", account->name,
                                   "issuer", account->oauth2_issuer ? account->oauth2_issuer : "",
                                   NULL))
    {
      g_set_error (error, TERN_SYNC_ERROR, TERN_SYNC_ERROR_CONFIG,
                   "Cannot keep the sign-in in the keyring: %s", local_error->message);
      return FALSE;
    }
  return TRUE;
}

gboolean
tern_oauth2_save_tokens (const TernAccount       *account,
                         const TernOAuth2Tokens  *tokens,
                         GError                 **error)
{
  g_return_val_if_fail (account != NULL && tokens != NULL, FALSE);

  if (tokens->refresh_token != NULL && !store_refresh_token (account, tokens->refresh_token, error))
    return FALSE;
  remember (account, tokens->access_token, tokens->expires_at);
  return TRUE;
}

char *
tern_oauth2_dup_access_token (const TernAccount  *account,
                              gboolean            renew,
                              GError            **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autoptr(TernOAuth2Tokens) tokens = NULL;
  g_autofree char *key = cache_key (account);
  g_autofree char *refresh = NULL;
  g_autofree char *secret = NULL;
  g_autofree char *form = NULL;
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;
  char *token = NULL;
  char *stored;

  g_return_val_if_fail (account != NULL, NULL);

  g_mutex_lock (&cache_lock);
  if (!renew && cache != NULL)
    {
      Cached *c = g_hash_table_lookup (cache, key);

      if (c != NULL && (c->expires_at == 0 || c->expires_at - RENEW_MARGIN_S > now))
        token = g_strdup (c->token);
    }
  g_mutex_unlock (&cache_lock);
  if (token != NULL)
    return token;

  stored = secret_password_lookup_sync (get_schema (), NULL, &local_error,
                                        "account", account->name,
                                        "issuer", account->oauth2_issuer ? account->oauth2_issuer : "",
                                        NULL);
  if (local_error != NULL)
    {
      g_set_error (error, TERN_SYNC_ERROR, TERN_SYNC_ERROR_CONFIG,
                   "Cannot read the sign-in of %s from the keyring: %s", account->name,
                   local_error->message);
      return NULL;
    }
  if (stored == NULL)
    {
      g_set_error (error, TERN_OAUTH2_ERROR, TERN_OAUTH2_ERROR_SIGN_IN,
                   "%s: sign in again (Tern has no sign-in for it in the keyring)", account->name);
      return NULL;
    }
  refresh = g_strdup (stored);
  secret_password_free (stored);

  g_free (tern_oauth2_dup_client_id (account->oauth2_issuer, &secret));
  form = _tern_http_form ("grant_type", "refresh_token",
                          "refresh_token", refresh,
                          "client_id", account->oauth2_client_id,
                          "client_secret", secret,
                          NULL);
  tokens = token_request (account, form, NULL, error);
  memset (form, 0, strlen (form));
  memset (refresh, 0, strlen (refresh));
  if (tokens == NULL)
    return NULL;
  /* A provider that rotates refresh tokens sends a new one with each use. */
  if (tokens->refresh_token != NULL && !store_refresh_token (account, tokens->refresh_token, error))
    return NULL;
  remember (account, tokens->access_token, tokens->expires_at);
  return g_strdup (tokens->access_token);
}

gboolean
tern_oauth2_forget (const TernAccount  *account,
                    GError            **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autofree char *key = cache_key (account);

  g_mutex_lock (&cache_lock);
  if (cache != NULL)
    g_hash_table_remove (cache, key);
  g_mutex_unlock (&cache_lock);
  secret_password_clear_sync (get_schema (), NULL, &local_error, "account", account->name, NULL);
  if (local_error != NULL)
    {
      g_set_error (error, TERN_SYNC_ERROR, TERN_SYNC_ERROR_CONFIG,
                   "Cannot remove the sign-in from the keyring: %s", local_error->message);
      return FALSE;
    }
  return TRUE;
}
