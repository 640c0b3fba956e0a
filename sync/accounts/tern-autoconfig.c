/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "tern-accounts"

#include "config.h"

#include <string.h>

#include "tern-autoconfig.h"
#include "tern-sync-error.h"

/*
 * The parser is GMarkup: it knows no DTD and no entities beyond XML's five, so an external
 * entity or an entity bomb is a parse error, not a fetch or a gigabyte. Depth and element
 * counts are capped, and only the elements Tern reads are kept.
 */

#define MAX_DEPTH      16
#define MAX_ELEMENTS   2000
#define MAX_SERVERS    32
#define MAX_TEXT       4096

typedef struct
{
  TernAutoconfig       *config;
  TernAutoconfigServer *server;     /* inside <incomingServer> or <outgoingServer> */
  GString              *text;
  guint                 depth;
  guint                 elements;
  gboolean              seen_root;
  gboolean              in_provider;
  gboolean              in_oauth2;
} Parser;

static void
server_free (gpointer data)
{
  TernAutoconfigServer *server = data;

  g_free (server->type);
  g_free (server->hostname);
  g_free (server->socket_type);
  g_free (server->username);
  g_ptr_array_unref (server->authentication);
  g_free (server);
}

void
_tern_autoconfig_free (TernAutoconfig *config)
{
  if (config == NULL)
    return;
  g_ptr_array_unref (config->domains);
  g_ptr_array_unref (config->incoming);
  g_ptr_array_unref (config->outgoing);
  g_free (config->display_name);
  g_free (config->oauth2_issuer);
  g_free (config->oauth2_scope);
  g_free (config->oauth2_auth_url);
  g_free (config->oauth2_token_url);
  g_free (config->oauth2_client_id);
  g_free (config);
}

static void
start_element_cb (GMarkupParseContext  *context,
                  const char           *element,
                  const char          **names,
                  const char          **values,
                  gpointer              user_data,
                  GError              **error)
{
  Parser *p = user_data;

  g_string_truncate (p->text, 0);
  if (++p->depth > MAX_DEPTH || ++p->elements > MAX_ELEMENTS)
    {
      g_set_error_literal (error, TERN_SYNC_ERROR, TERN_SYNC_ERROR_PROTOCOL,
                           "The settings document is nested too deeply or too long");
      return;
    }
  if (p->depth == 1)
    {
      if (!g_str_equal (element, "clientConfig"))
        g_set_error (error, TERN_SYNC_ERROR, TERN_SYNC_ERROR_PROTOCOL,
                     "Not a mail settings document (<%s> instead of <clientConfig>)", element);
      p->seen_root = TRUE;
      return;
    }
  if (p->depth == 2 && g_str_equal (element, "emailProvider"))
    p->in_provider = TRUE;
  else if (p->depth == 2 && g_str_equal (element, "oAuth2"))
    p->in_oauth2 = TRUE;
  else if (p->depth == 3 && p->in_provider &&
           (g_str_equal (element, "incomingServer") || g_str_equal (element, "outgoingServer")))
    {
      GPtrArray *list = element[0] == 'i' ? p->config->incoming : p->config->outgoing;
      const char *type = NULL;

      g_markup_collect_attributes (element, names, values, NULL, G_MARKUP_COLLECT_STRING |
                                   G_MARKUP_COLLECT_OPTIONAL, "type", &type, G_MARKUP_COLLECT_INVALID);
      if (list->len >= MAX_SERVERS)
        return;
      p->server = g_new0 (TernAutoconfigServer, 1);
      p->server->type = g_ascii_strdown (type ? type : "", -1);
      p->server->authentication = g_ptr_array_new_with_free_func (g_free);
      g_ptr_array_add (list, p->server);
    }
}

static char *
take_text (Parser *p)
{
  return g_strstrip (g_strndup (p->text->str, MIN (p->text->len, MAX_TEXT)));
}

static void
replace (char **slot,
         char  *value)
{
  g_free (*slot);
  *slot = value;
}

static void
end_element_cb (GMarkupParseContext  *context,
                const char           *element,
                gpointer              user_data,
                GError              **error)
{
  Parser *p = user_data;

  if (p->depth == 3 && p->in_provider)
    {
      if (g_str_equal (element, "domain"))
        {
          char *domain = take_text (p);

          if (*domain != '\0' && p->config->domains->len < MAX_SERVERS)
            g_ptr_array_add (p->config->domains, g_ascii_strdown (domain, -1));
          g_free (domain);
        }
      else if (g_str_equal (element, "displayName"))
        replace (&p->config->display_name, take_text (p));
      else if (g_str_equal (element, "incomingServer") || g_str_equal (element, "outgoingServer"))
        p->server = NULL;
    }
  else if (p->depth == 4 && p->server != NULL)
    {
      if (g_str_equal (element, "hostname"))
        replace (&p->server->hostname, take_text (p));
      else if (g_str_equal (element, "port"))
        {
          g_autofree char *text = take_text (p);
          guint64 port = 0;

          if (g_ascii_string_to_unsigned (text, 10, 1, 65535, &port, NULL))
            p->server->port = (guint) port;
        }
      else if (g_str_equal (element, "socketType"))
        replace (&p->server->socket_type, take_text (p));
      else if (g_str_equal (element, "username"))
        replace (&p->server->username, take_text (p));
      else if (g_str_equal (element, "authentication") && p->server->authentication->len < 16)
        g_ptr_array_add (p->server->authentication, take_text (p));
    }
  else if (p->depth == 3 && p->in_oauth2)
    {
      if (g_str_equal (element, "issuer"))
        replace (&p->config->oauth2_issuer, take_text (p));
      else if (g_str_equal (element, "scope"))
        replace (&p->config->oauth2_scope, take_text (p));
      else if (g_str_equal (element, "authURL"))
        replace (&p->config->oauth2_auth_url, take_text (p));
      else if (g_str_equal (element, "tokenURL"))
        replace (&p->config->oauth2_token_url, take_text (p));
      else if (g_str_equal (element, "clientId"))
        replace (&p->config->oauth2_client_id, take_text (p));
    }
  else if (p->depth == 2)
    {
      if (g_str_equal (element, "emailProvider"))
        p->in_provider = FALSE;
      else if (g_str_equal (element, "oAuth2"))
        p->in_oauth2 = FALSE;
    }

  g_string_truncate (p->text, 0);
  p->depth--;
}

static void
text_cb (GMarkupParseContext  *context,
         const char           *text,
         gsize                 length,
         gpointer              user_data,
         GError              **error)
{
  Parser *p = user_data;

  if (p->text->len < MAX_TEXT)
    g_string_append_len (p->text, text, MIN (length, MAX_TEXT - p->text->len));
}

TernAutoconfig *
_tern_autoconfig_parse (const char  *data,
                        gsize        length,
                        GError     **error)
{
  static const GMarkupParser parser = { start_element_cb, end_element_cb, text_cb, NULL, NULL };
  g_autoptr(TernAutoconfig) config = g_new0 (TernAutoconfig, 1);
  g_autoptr(GMarkupParseContext) context = NULL;
  g_autoptr(GString) text = g_string_new (NULL);
  Parser p = { 0 };

  config->domains = g_ptr_array_new_with_free_func (g_free);
  config->incoming = g_ptr_array_new_with_free_func (server_free);
  config->outgoing = g_ptr_array_new_with_free_func (server_free);
  p.config = config;
  p.text = text;

  /* GMarkup wants UTF-8; an encoding declaration saying otherwise is not honoured. */
  if (!g_utf8_validate_len (data, length, NULL))
    {
      g_set_error_literal (error, TERN_SYNC_ERROR, TERN_SYNC_ERROR_PROTOCOL,
                           "The settings document is not UTF-8 text");
      return NULL;
    }
  context = g_markup_parse_context_new (&parser, G_MARKUP_PREFIX_ERROR_POSITION, &p, NULL);
  if (!g_markup_parse_context_parse (context, data, length, error) ||
      !g_markup_parse_context_end_parse (context, error))
    return NULL;
  if (!p.seen_root)
    {
      g_set_error_literal (error, TERN_SYNC_ERROR, TERN_SYNC_ERROR_PROTOCOL,
                           "The settings document is empty");
      return NULL;
    }
  return g_steal_pointer (&config);
}

gboolean
_tern_autoconfig_has_domain (const TernAutoconfig *config,
                             const char           *domain)
{
  for (guint i = 0; i < config->domains->len; i++)
    if (g_ascii_strcasecmp (config->domains->pdata[i], domain) == 0)
      return TRUE;
  return FALSE;
}

static gboolean
has_auth (const TernAutoconfigServer *server,
          const char                 *name)
{
  for (guint i = 0; i < server->authentication->len; i++)
    if (g_ascii_strcasecmp (server->authentication->pdata[i], name) == 0)
      return TRUE;
  return FALSE;
}

/* How the server lets Tern sign in: 2 OAuth2, 1 a password, 0 nothing Tern has. */
static int
sign_in (const TernAutoconfigServer *server,
         gboolean                    oauth2_ok)
{
  if (oauth2_ok && has_auth (server, "OAuth2"))
    return 2;
  /* Over TLS a password in the clear is as safe as the connection; no element means one. */
  if (server->authentication->len == 0 || has_auth (server, "password-cleartext") ||
      has_auth (server, "password-encrypted") || has_auth (server, "plain"))
    return 1;
  return 0;
}

static gboolean
is_socket (const TernAutoconfigServer *server,
           const char                 *type)
{
  return server->socket_type != NULL && g_ascii_strcasecmp (server->socket_type, type) == 0;
}

const TernAutoconfigServer *
_tern_autoconfig_choose (const TernAutoconfig  *config,
                         const char            *type,
                         gboolean               oauth2_ok,
                         gboolean              *use_oauth2_out,
                         char                 **refused_out)
{
  GPtrArray *list = g_str_equal (type, "smtp") ? config->outgoing : config->incoming;
  static const char *const order[] = { "SSL", "STARTTLS" };
  gboolean oauth2 = oauth2_ok && config->oauth2_auth_url != NULL && config->oauth2_token_url != NULL;
  const TernAutoconfigServer *plain = NULL;
  const TernAutoconfigServer *unusable = NULL;

  if (use_oauth2_out != NULL)
    *use_oauth2_out = FALSE;
  if (refused_out != NULL)
    *refused_out = NULL;

  for (guint pass = 0; pass < G_N_ELEMENTS (order); pass++)
    for (guint i = 0; i < list->len; i++)
      {
        const TernAutoconfigServer *server = list->pdata[i];
        int how;

        if (g_strcmp0 (server->type, type) != 0 || server->hostname == NULL ||
            *server->hostname == '\0' || server->port == 0)
          continue;
        if (!is_socket (server, order[pass]))
          {
            if (is_socket (server, "plain"))
              plain = server;
            continue;
          }
        how = sign_in (server, oauth2);
        if (how == 0)
          {
            unusable = server;
            continue;
          }
        if (use_oauth2_out != NULL)
          *use_oauth2_out = how == 2;
        return server;
      }

  if (refused_out != NULL)
    {
      if (unusable != NULL)
        *refused_out = g_strdup_printf ("%s:%u asks for a way of signing in Tern does not have",
                                        unusable->hostname, unusable->port);
      else if (plain != NULL)
        *refused_out = g_strdup_printf ("only an unencrypted connection is offered (%s:%u), "
                                        "which Tern never uses", plain->hostname, plain->port);
    }
  return NULL;
}
