/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "tern-accounts"

#include "config.h"

#include <string.h>

#include "tern-autoconfig.h"
#include "tern-discovery-private.h"

/* Finding an address's servers (see tern-account-discovery.h). */

#define DEFAULT_TIMEOUT 10
#define MAX_DOCUMENT    (1024 * 1024)
#define MAX_REDIRECTS   3

struct _TernAccountDiscovery
{
  GObject        parent_instance;

  char          *ispdb_url;
  GTlsDatabase  *tls_database;
  GHashTable    *connect_to;
  guint          timeout;
};

G_DEFINE_FINAL_TYPE (TernAccountDiscovery, tern_account_discovery, G_TYPE_OBJECT)

/* One run: what it knows so far. */
typedef struct
{
  TernNetOptions        options;
  const char           *ispdb_url;
  char                 *email;
  char                 *local_part;
  char                 *domain;
  TernDiscoveryResult  *result;
  GCancellable         *cancellable;
} Run;

/* Results. */

static void
server_free (TernDiscoveredServer *server)
{
  if (server == NULL)
    return;
  g_free (server->host);
  g_free (server->security);
  g_free (server->user_form);
  g_free (server->auth);
  g_free (server->source_detail);
  g_free (server);
}

static void
step_free (gpointer data)
{
  TernDiscoveryStep *step = data;

  g_free (step->what);
  g_free (step->outcome);
  g_free (step);
}

void
tern_discovery_result_free (TernDiscoveryResult *result)
{
  if (result == NULL)
    return;
  g_free (result->email);
  server_free (result->imap);
  server_free (result->smtp);
  g_free (result->provider);
  g_free (result->oauth2_issuer);
  g_free (result->oauth2_auth_url);
  g_free (result->oauth2_token_url);
  g_free (result->oauth2_scope);
  g_free (result->oauth2_client_id);
  g_ptr_array_unref (result->steps);
  g_free (result);
}

const char *
tern_discovery_source_to_string (TernDiscoverySource source)
{
  switch (source)
    {
    case TERN_DISCOVERY_AUTOCONFIG:
      return "autoconfig";
    case TERN_DISCOVERY_ISPDB:
      return "ispdb";
    case TERN_DISCOVERY_SRV:
      return "srv";
    case TERN_DISCOVERY_MX:
      return "mx";
    case TERN_DISCOVERY_GUESS:
      return "guess";
    case TERN_DISCOVERY_NONE:
    default:
      return "none";
    }
}

char *
tern_discovered_server_dup_user (const TernDiscoveredServer *server,
                                 const char                 *email)
{
  const char *at = strrchr (email, '@');
  g_autofree char *local = at ? g_strndup (email, at - email) : g_strdup (email);
  const char *domain = at ? at + 1 : "";
  GString *out = g_string_new (NULL);
  const char *form = server->user_form ? server->user_form : "%EMAILADDRESS%";

  for (const char *p = form; *p != '\0';)
    {
      if (g_str_has_prefix (p, "%EMAILADDRESS%"))
        {
          g_string_append (out, email);
          p += strlen ("%EMAILADDRESS%");
        }
      else if (g_str_has_prefix (p, "%EMAILLOCALPART%"))
        {
          g_string_append (out, local);
          p += strlen ("%EMAILLOCALPART%");
        }
      else if (g_str_has_prefix (p, "%EMAILDOMAIN%"))
        {
          g_string_append (out, domain);
          p += strlen ("%EMAILDOMAIN%");
        }
      else
        g_string_append_c (out, *p++);
    }
  return g_string_free (out, FALSE);
}

TernAccount *
tern_discovery_result_to_account (const TernDiscoveryResult *result,
                                  const char                *name)
{
  TernAccount *account;

  g_return_val_if_fail (result != NULL, NULL);

  if (result->imap == NULL)
    return NULL;
  account = g_new0 (TernAccount, 1);
  account->name = g_strdup (name != NULL ? name : result->email);
  account->email = g_strdup (result->email);
  account->host = g_strdup (result->imap->host);
  account->port = result->imap->port;
  account->security = g_strdup (result->imap->security);
  account->user = tern_discovered_server_dup_user (result->imap, result->email);
  account->delete_mode = g_strdup ("trash");
  account->auth = g_strdup (result->imap->auth);
  if (g_strcmp0 (result->imap->auth, "oauth2") == 0)
    {
      account->oauth2_issuer = g_strdup (result->oauth2_issuer);
      account->oauth2_client_id = g_strdup (result->oauth2_client_id);
      account->oauth2_auth_url = g_strdup (result->oauth2_auth_url);
      account->oauth2_token_url = g_strdup (result->oauth2_token_url);
      account->oauth2_scope = g_strdup (result->oauth2_scope);
    }
  account->setup_source = g_strdup (tern_discovery_source_to_string (result->imap->source));
  return account;
}

static void
add_step (Run                 *run,
          TernDiscoverySource  source,
          const char          *what,
          gboolean             refused,
          const char          *format,
          ...) G_GNUC_PRINTF (5, 6);

static void
add_step (Run                 *run,
          TernDiscoverySource  source,
          const char          *what,
          gboolean             refused,
          const char          *format,
          ...)
{
  TernDiscoveryStep *step = g_new0 (TernDiscoveryStep, 1);
  va_list args;

  step->source = source;
  step->what = g_strdup (what);
  va_start (args, format);
  step->outcome = g_strdup_vprintf (format, args);
  va_end (args);
  step->refused = refused;
  g_debug ("%s: %s", step->what, step->outcome);
  g_ptr_array_add (run->result->steps, step);
}

static gboolean
done (Run *run)
{
  return run->result->imap != NULL && run->result->smtp != NULL;
}

static gboolean
cancelled (Run     *run,
           GError **error)
{
  return g_cancellable_set_error_if_cancelled (run->cancellable, error);
}

/* Settings documents. */

static gboolean
is_xml_type (const char *type)
{
  return type != NULL && (g_str_equal (type, "text/xml") || g_str_equal (type, "application/xml") ||
                          g_str_has_suffix (type, "+xml"));
}

static char *
host_of (const char *url)
{
  g_autoptr(GUri) uri = g_uri_parse (url, G_URI_FLAGS_ENCODED, NULL);

  return uri != NULL && g_uri_get_host (uri) ? g_ascii_strdown (g_uri_get_host (uri), -1) : NULL;
}

/* GETs a settings document: https, the same host through redirects, XML, at most 1 MiB.
 * NULL with *why set (a step's outcome) if there is none or it is refused. */
static GBytes *
fetch_document (Run         *run,
                const char  *url,
                gboolean    *refused_out,
                char       **why,
                GError     **error)
{
  g_autofree char *current = g_strdup (url);
  g_autofree char *first_host = host_of (url);

  *refused_out = FALSE;
  for (guint hops = 0;; hops++)
    {
      TernHttpRequest request = { 0 };
      g_autoptr(TernHttpResponse) response = NULL;
      g_autoptr(GError) local_error = NULL;

      request.url = current;
      request.accept = "application/xml, text/xml";
      request.max_size = MAX_DOCUMENT;
      response = _tern_http_request (&run->options, &request, run->cancellable, &local_error);
      if (response == NULL)
        {
          if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
            {
              g_propagate_error (error, g_steal_pointer (&local_error));
              return NULL;
            }
          /* A certificate that does not verify, a document too large: an answer refused. */
          *refused_out = local_error->domain == TERN_SYNC_ERROR &&
                         (local_error->code == TERN_SYNC_ERROR_CERTIFICATE ||
                          local_error->code == TERN_SYNC_ERROR_INSECURE ||
                          local_error->code == TERN_SYNC_ERROR_PROTOCOL);
          *why = g_strdup (local_error->message);
          return NULL;
        }
      if (response->status >= 300 && response->status < 400 && response->location != NULL)
        {
          g_autofree char *next_host = host_of (response->location);

          if (hops == MAX_REDIRECTS)
            {
              *refused_out = TRUE;
              *why = g_strdup ("refused: too many redirects");
              return NULL;
            }
          if (!g_str_has_prefix (response->location, "https://") ||
              g_strcmp0 (next_host, first_host) != 0)
            {
              *refused_out = TRUE;
              *why = g_strdup_printf ("refused: it redirects to another server (%s), which does "
                                      "not speak for %s", response->location, run->domain);
              return NULL;
            }
          g_free (current);
          current = g_strdup (response->location);
          continue;
        }
      if (response->status == 404 || response->status == 410)
        {
          *why = g_strdup ("not found");
          return NULL;
        }
      if (response->status != 200)
        {
          *why = g_strdup_printf ("the server answered %u", response->status);
          return NULL;
        }
      if (!is_xml_type (response->content_type))
        {
          *refused_out = TRUE;
          *why = g_strdup_printf ("refused: served as %s, not as XML",
                                  response->content_type ? response->content_type : "an unknown type");
          return NULL;
        }
      return g_bytes_ref (response->body);
    }
}

static TernDiscoveredServer *
server_from_config (const TernAutoconfigServer *chosen,
                    gboolean                    oauth2,
                    TernDiscoverySource         source,
                    const char                 *detail)
{
  TernDiscoveredServer *server = g_new0 (TernDiscoveredServer, 1);

  server->host = g_ascii_strdown (chosen->hostname, -1);
  server->port = chosen->port;
  server->security = g_strdup (g_ascii_strcasecmp (chosen->socket_type, "SSL") == 0 ? "tls"
                                                                                      : "starttls");
  server->user_form = g_strdup (chosen->username ? chosen->username : "%EMAILADDRESS%");
  server->auth = g_strdup (oauth2 ? "oauth2" : "password");
  server->source = source;
  server->source_detail = g_strdup (detail);
  return server;
}

/* Takes what a document offers for the servers still missing. FALSE (with the step's outcome
 * recorded) if it offers nothing usable. */
static gboolean
use_document (Run                 *run,
              TernDiscoverySource  source,
              const char          *url,
              GBytes              *document,
              const char          *domain)
{
  g_autoptr(GError) local_error = NULL;
  g_autoptr(TernAutoconfig) config = NULL;
  g_autofree char *imap_refused = NULL;
  g_autofree char *smtp_refused = NULL;
  const TernAutoconfigServer *imap = NULL, *smtp = NULL;
  gboolean imap_oauth2 = FALSE, smtp_oauth2 = FALSE;
  gsize size;
  const char *data = g_bytes_get_data (document, &size);

  config = _tern_autoconfig_parse (data, size, &local_error);
  if (config == NULL)
    {
      add_step (run, source, url, TRUE, "refused: %s", local_error->message);
      return FALSE;
    }
  if (!_tern_autoconfig_has_domain (config, domain))
    {
      add_step (run, source, url, TRUE, "refused: these settings are for %s, not %s",
                config->domains->len > 0 ? (char *) config->domains->pdata[0] : "no domain", domain);
      return FALSE;
    }
  if (run->result->imap == NULL)
    imap = _tern_autoconfig_choose (config, "imap", TRUE, &imap_oauth2, &imap_refused);
  if (run->result->smtp == NULL)
    smtp = _tern_autoconfig_choose (config, "smtp", TRUE, &smtp_oauth2, &smtp_refused);
  if (imap == NULL && smtp == NULL)
    {
      if (imap_refused != NULL || smtp_refused != NULL)
        add_step (run, source, url, TRUE, "refused: %s", imap_refused ? imap_refused : smtp_refused);
      else
        add_step (run, source, url, FALSE, "no IMAP or submission server in it");
      return FALSE;
    }
  if (imap != NULL)
    {
      run->result->imap = server_from_config (imap, imap_oauth2, source, url);
      if (imap_oauth2)
        {
          g_free (run->result->oauth2_issuer);
          run->result->oauth2_issuer = g_strdup (config->oauth2_issuer);
          run->result->oauth2_auth_url = g_strdup (config->oauth2_auth_url);
          run->result->oauth2_token_url = g_strdup (config->oauth2_token_url);
          run->result->oauth2_scope = g_strdup (config->oauth2_scope);
          run->result->oauth2_client_id = g_strdup (config->oauth2_client_id);
        }
    }
  if (smtp != NULL)
    run->result->smtp = server_from_config (smtp, smtp_oauth2 && imap_oauth2, source, url);
  if (run->result->provider == NULL && config->display_name != NULL)
    run->result->provider = g_strdup (config->display_name);
  add_step (run, source, url, FALSE, "found%s%s%s%s", imap ? " IMAP " : "",
            imap ? imap->hostname : "", smtp ? " submission " : "", smtp ? smtp->hostname : "");
  if (imap_refused != NULL && imap == NULL)
    add_step (run, source, url, TRUE, "IMAP refused: %s", imap_refused);
  return TRUE;
}

static gboolean
try_document (Run                 *run,
              TernDiscoverySource  source,
              const char          *url,
              const char          *domain,
              GError             **error)
{
  g_autoptr(GBytes) document = NULL;
  g_autofree char *why = NULL;
  gboolean refused = FALSE;

  document = fetch_document (run, url, &refused, &why, error);
  if (document == NULL)
    {
      if (why != NULL)
        add_step (run, source, url, refused, "%s", why);
      return FALSE;
    }
  return use_document (run, source, url, document, domain);
}

static gboolean
step_autoconfig (Run     *run,
                 GError **error)
{
  g_autofree char *address = g_uri_escape_string (run->email, NULL, FALSE);
  g_autofree char *first = g_strdup_printf ("https://autoconfig.%s/mail/config-v1.1.xml?emailaddress=%s",
                                            run->domain, address);
  g_autofree char *second = g_strdup_printf ("https://%s/.well-known/autoconfig/mail/config-v1.1.xml",
                                             run->domain);

  try_document (run, TERN_DISCOVERY_AUTOCONFIG, first, run->domain, error);
  if (cancelled (run, error) || done (run))
    return !cancelled (run, error);
  try_document (run, TERN_DISCOVERY_AUTOCONFIG, second, run->domain, error);
  return !cancelled (run, error);
}

static gboolean
step_ispdb (Run                 *run,
            TernDiscoverySource  source,
            const char          *domain,
            GError             **error)
{
  gboolean slash = g_str_has_suffix (run->ispdb_url, "/");
  g_autofree char *url = g_strdup_printf ("%s%s%s", run->ispdb_url, slash ? "" : "/", domain);

  /* The ISPDB entry names the domain asked for (for MX: the MX host's domain). */
  try_document (run, source, url, domain, error);
  return !cancelled (run, error);
}

/* DNS. */

typedef struct
{
  guint16  priority;
  guint16  weight;
  guint16  port;
  char    *target;
} Srv;

static int
compare_srv (gconstpointer a,
             gconstpointer b)
{
  const Srv *x = a, *y = b;

  if (x->priority != y->priority)
    return x->priority < y->priority ? -1 : 1;
  return x->weight > y->weight ? -1 : x->weight < y->weight;
}

static gboolean
step_srv_one (Run         *run,
              const char  *service,
              const char  *kind,
              gboolean     starttls,
              GError     **error)
{
  g_autofree char *name = g_strdup_printf ("_%s._tcp.%s", service, run->domain);
  g_autoptr(GResolver) resolver = g_resolver_get_default ();
  g_autoptr(GError) local_error = NULL;
  g_autoptr(GArray) targets = g_array_new (FALSE, TRUE, sizeof (Srv));
  GList *records;

  records = g_resolver_lookup_records (resolver, name, G_RESOLVER_RECORD_SRV, run->cancellable,
                                       &local_error);
  if (cancelled (run, error))
    return FALSE;
  if (records == NULL)
    {
      add_step (run, TERN_DISCOVERY_SRV, name, FALSE, "no record");
      return FALSE;
    }
  for (GList *l = records; l != NULL; l = l->next)
    {
      Srv srv = { 0 };
      const char *target = NULL;

      g_variant_get (l->data, "(qqq&s)", &srv.priority, &srv.weight, &srv.port, &target);
      srv.target = g_strdup (target);
      g_array_append_val (targets, srv);
    }
  g_list_free_full (records, (GDestroyNotify) g_variant_unref);
  g_array_sort (targets, compare_srv);

  for (guint i = 0; i < targets->len; i++)
    {
      Srv *srv = &g_array_index (targets, Srv, i);
      g_autofree char *host = NULL;
      g_autoptr(GError) probe_error = NULL;
      TernDiscoveredServer *server;

      /* RFC 6186: a target of "." says the service is not offered. */
      if (g_str_equal (srv->target, ".") || *srv->target == '\0' || srv->port == 0)
        {
          add_step (run, TERN_DISCOVERY_SRV, name, FALSE, "the domain says it offers no %s here",
                    service);
          break;
        }
      host = g_ascii_strdown (srv->target, -1);
      if (g_str_has_suffix (host, "."))
        host[strlen (host) - 1] = '\0';
      if (!_tern_discovery_probe (&run->options, kind, host, srv->port, starttls, run->cancellable,
                                  &probe_error))
        {
          if (cancelled (run, error))
            break;
          add_step (run, TERN_DISCOVERY_SRV, name, probe_error->code == TERN_SYNC_ERROR_CERTIFICATE ||
                    probe_error->code == TERN_SYNC_ERROR_INSECURE, "%s:%u: %s", host, srv->port,
                    probe_error->message);
          continue;
        }
      server = g_new0 (TernDiscoveredServer, 1);
      server->host = g_steal_pointer (&host);
      server->port = srv->port;
      server->security = g_strdup (starttls ? "starttls" : "tls");
      server->user_form = g_strdup ("%EMAILADDRESS%");
      server->auth = g_strdup ("password");
      server->source = TERN_DISCOVERY_SRV;
      server->source_detail = g_strdup (name);
      add_step (run, TERN_DISCOVERY_SRV, name, FALSE, "found %s:%u", server->host, server->port);
      if (g_str_equal (kind, "imap"))
        run->result->imap = server;
      else
        run->result->smtp = server;
      break;
    }
  for (guint i = 0; i < targets->len; i++)
    g_free (g_array_index (targets, Srv, i).target);
  return TRUE;
}

static gboolean
step_srv (Run     *run,
          GError **error)
{
  /* RFC 8314: implicit TLS first. */
  if (run->result->imap == NULL)
    {
      step_srv_one (run, "imaps", "imap", FALSE, error);
      if (run->result->imap == NULL && !cancelled (run, error))
        step_srv_one (run, "imap", "imap", TRUE, error);
    }
  if (run->result->smtp == NULL && !cancelled (run, error))
    {
      step_srv_one (run, "submissions", "smtp", FALSE, error);
      if (run->result->smtp == NULL && !cancelled (run, error))
        step_srv_one (run, "submission", "smtp", TRUE, error);
    }
  return !cancelled (run, error);
}

/* The domain a host belongs to: its last two labels (three under a two-letter second level
 * such as co.uk). Good enough for the mail hosts of the large providers. */
static char *
base_domain (const char *host)
{
  g_auto(GStrv) labels = g_strsplit (host, ".", -1);
  guint n = g_strv_length (labels);
  guint keep = 2;

  if (n >= 3 && strlen (labels[n - 1]) == 2 && strlen (labels[n - 2]) <= 3)
    keep = 3;
  if (n <= keep)
    return g_strdup (host);
  return g_strjoinv (".", labels + n - keep);
}

static gboolean
step_mx (Run     *run,
         GError **error)
{
  g_autoptr(GResolver) resolver = g_resolver_get_default ();
  g_autoptr(GError) local_error = NULL;
  g_autofree char *best = NULL;
  g_autofree char *base = NULL;
  g_autofree char *what = g_strdup_printf ("MX %s", run->domain);
  guint16 best_preference = G_MAXUINT16;
  GList *records;

  records = g_resolver_lookup_records (resolver, run->domain, G_RESOLVER_RECORD_MX, run->cancellable,
                                       &local_error);
  if (cancelled (run, error))
    return FALSE;
  for (GList *l = records; l != NULL; l = l->next)
    {
      guint16 preference = 0;
      const char *host = NULL;

      g_variant_get (l->data, "(q&s)", &preference, &host);
      if (best == NULL || preference < best_preference)
        {
          g_free (best);
          best = g_ascii_strdown (host, -1);
          best_preference = preference;
        }
    }
  g_list_free_full (records, (GDestroyNotify) g_variant_unref);
  if (best == NULL)
    {
      add_step (run, TERN_DISCOVERY_MX, what, FALSE, "no record");
      return TRUE;
    }
  if (g_str_has_suffix (best, "."))
    best[strlen (best) - 1] = '\0';
  base = base_domain (best);
  if (g_ascii_strcasecmp (base, run->domain) == 0)
    {
      add_step (run, TERN_DISCOVERY_MX, what, FALSE, "%s is the domain itself", best);
      return TRUE;
    }
  add_step (run, TERN_DISCOVERY_MX, what, FALSE, "mail goes to %s (%s)", best, base);
  return step_ispdb (run, TERN_DISCOVERY_MX, base, error);
}

static gboolean
step_guess (Run     *run,
            GError **error)
{
  static const struct { const char *kind; const char *prefix; guint16 port; gboolean starttls; } tries[] = {
    { "imap", "imap.", 993, FALSE }, { "imap", "imap.", 143, TRUE },
    { "imap", "mail.", 993, FALSE }, { "imap", "mail.", 143, TRUE },
    { "imap", "", 993, FALSE }, { "imap", "", 143, TRUE },
    { "smtp", "smtp.", 465, FALSE }, { "smtp", "smtp.", 587, TRUE },
    { "smtp", "mail.", 465, FALSE }, { "smtp", "mail.", 587, TRUE },
    { "smtp", "", 465, FALSE }, { "smtp", "", 587, TRUE },
  };

  for (guint i = 0; i < G_N_ELEMENTS (tries); i++)
    {
      gboolean imap = g_str_equal (tries[i].kind, "imap");
      g_autofree char *host = g_strconcat (tries[i].prefix, run->domain, NULL);
      g_autofree char *what = g_strdup_printf ("%s:%u", host, tries[i].port);
      g_autoptr(GError) probe_error = NULL;
      TernDiscoveredServer *server;

      if ((imap ? run->result->imap : run->result->smtp) != NULL)
        continue;
      if (!_tern_discovery_probe (&run->options, tries[i].kind, host, tries[i].port,
                                  tries[i].starttls, run->cancellable, &probe_error))
        {
          if (cancelled (run, error))
            return FALSE;
          add_step (run, TERN_DISCOVERY_GUESS, what,
                    probe_error->code == TERN_SYNC_ERROR_CERTIFICATE ||
                    probe_error->code == TERN_SYNC_ERROR_INSECURE, "%s", probe_error->message);
          continue;
        }
      server = g_new0 (TernDiscoveredServer, 1);
      server->host = g_steal_pointer (&host);
      server->port = tries[i].port;
      server->security = g_strdup (tries[i].starttls ? "starttls" : "tls");
      server->user_form = g_strdup ("%EMAILADDRESS%");
      server->auth = g_strdup ("password");
      server->source = TERN_DISCOVERY_GUESS;
      server->source_detail = g_strdup (what);
      add_step (run, TERN_DISCOVERY_GUESS, what, FALSE, "answers over TLS");
      if (imap)
        run->result->imap = server;
      else
        run->result->smtp = server;
    }
  return TRUE;
}

/* The object. */

static void
tern_account_discovery_finalize (GObject *object)
{
  TernAccountDiscovery *self = TERN_ACCOUNT_DISCOVERY (object);

  g_free (self->ispdb_url);
  g_clear_object (&self->tls_database);
  g_clear_pointer (&self->connect_to, g_hash_table_unref);

  G_OBJECT_CLASS (tern_account_discovery_parent_class)->finalize (object);
}

static void
tern_account_discovery_class_init (TernAccountDiscoveryClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = tern_account_discovery_finalize;
}

static void
tern_account_discovery_init (TernAccountDiscovery *self)
{
  const char *env = g_getenv ("TERN_DISCOVERY_CONNECT_TO");

  self->timeout = DEFAULT_TIMEOUT;
  self->connect_to = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);

  /* "host:port=to_host:to_port,...": as curl's --connect-to, for tests of tern-cli and for
   * networks where a name's server is reached elsewhere. Certificates are still checked for
   * the name asked. */
  if (env != NULL)
    {
      g_auto(GStrv) entries = g_strsplit (env, ",", -1);

      for (guint i = 0; entries[i] != NULL; i++)
        {
          char *eq = strchr (entries[i], '=');

          if (eq == NULL || eq == entries[i] || eq[1] == '\0')
            continue;
          *eq = '\0';
          g_hash_table_replace (self->connect_to, g_ascii_strdown (g_strstrip (entries[i]), -1),
                                g_strdup (g_strstrip (eq + 1)));
        }
    }
}

TernAccountDiscovery *
tern_account_discovery_new (void)
{
  return g_object_new (TERN_TYPE_ACCOUNT_DISCOVERY, NULL);
}

void
tern_account_discovery_set_ispdb_url (TernAccountDiscovery *self,
                                      const char           *url)
{
  g_return_if_fail (TERN_IS_ACCOUNT_DISCOVERY (self));

  g_free (self->ispdb_url);
  self->ispdb_url = url != NULL ? g_strdup (url) : NULL;
  /* "https://host/v1.1/" and "https://host/v1.1" name the same database. */
  if (self->ispdb_url != NULL && g_str_has_suffix (self->ispdb_url, "/"))
    self->ispdb_url[strlen (self->ispdb_url) - 1] = '\0';
}

const char *
tern_account_discovery_get_ispdb_url (TernAccountDiscovery *self)
{
  const char *env = g_getenv ("TERN_ISPDB_URL");

  g_return_val_if_fail (TERN_IS_ACCOUNT_DISCOVERY (self), NULL);

  if (self->ispdb_url != NULL)
    return self->ispdb_url;
  if (env != NULL && *env != '\0')
    return env;
  return TERN_DISCOVERY_DEFAULT_ISPDB;
}

gboolean
tern_account_discovery_set_ca_file (TernAccountDiscovery  *self,
                                    const char            *ca_file,
                                    GError               **error)
{
  g_return_val_if_fail (TERN_IS_ACCOUNT_DISCOVERY (self), FALSE);

  g_clear_object (&self->tls_database);
  if (ca_file == NULL)
    return TRUE;
  self->tls_database = g_tls_file_database_new (ca_file, error);
  return self->tls_database != NULL;
}

void
tern_account_discovery_add_connect_to (TernAccountDiscovery *self,
                                       const char           *host,
                                       guint16               port,
                                       const char           *to_host,
                                       guint16               to_port)
{
  g_return_if_fail (TERN_IS_ACCOUNT_DISCOVERY (self));

  g_hash_table_replace (self->connect_to, g_strdup_printf ("%s:%u", host, port),
                        g_strdup_printf ("%s:%u", to_host, to_port));
}

void
tern_account_discovery_set_timeout (TernAccountDiscovery *self,
                                    guint                 seconds)
{
  g_return_if_fail (TERN_IS_ACCOUNT_DISCOVERY (self));

  self->timeout = seconds ? seconds : DEFAULT_TIMEOUT;
}

static void
fill_options (TernAccountDiscovery *self,
              TernNetOptions       *options)
{
  options->tls_database = self->tls_database;
  options->connect_to = self->connect_to;
  options->timeout_seconds = self->timeout;
}

gboolean
tern_account_discovery_probe (TernAccountDiscovery  *self,
                              const char            *kind,
                              const char            *host,
                              guint16                port,
                              const char            *security,
                              GCancellable          *cancellable,
                              GError               **error)
{
  TernNetOptions options = { 0 };

  g_return_val_if_fail (TERN_IS_ACCOUNT_DISCOVERY (self), FALSE);

  fill_options (self, &options);
  return _tern_discovery_probe (&options, kind, host, port, g_strcmp0 (security, "starttls") == 0,
                                cancellable, error);
}

TernDiscoveryResult *
tern_account_discovery_run (TernAccountDiscovery  *self,
                            const char            *email,
                            GCancellable          *cancellable,
                            GError               **error)
{
  g_autoptr(TernDiscoveryResult) result = NULL;
  g_autofree char *domain = NULL;
  const char *at;
  Run run = { 0 };

  g_return_val_if_fail (TERN_IS_ACCOUNT_DISCOVERY (self), NULL);
  g_return_val_if_fail (email != NULL, NULL);

  at = strrchr (email, '@');
  if (at == NULL || at == email || at[1] == '\0' || strchr (at, '.') == NULL ||
      strpbrk (email, " \t\r\n/\\?#") != NULL)
    {
      g_set_error (error, TERN_SYNC_ERROR, TERN_SYNC_ERROR_CONFIG,
                   "“%s” is not an email address", email);
      return NULL;
    }
  domain = g_hostname_to_ascii (at + 1);
  if (domain == NULL)
    {
      g_set_error (error, TERN_SYNC_ERROR, TERN_SYNC_ERROR_CONFIG,
                   "“%s” is not a valid domain", at + 1);
      return NULL;
    }

  result = g_new0 (TernDiscoveryResult, 1);
  result->email = g_strdup (email);
  result->steps = g_ptr_array_new_with_free_func (step_free);
  fill_options (self, &run.options);
  run.ispdb_url = tern_account_discovery_get_ispdb_url (self);
  run.email = result->email;
  run.domain = g_ascii_strdown (domain, -1);
  run.result = result;
  run.cancellable = cancellable;

  if (step_autoconfig (&run, error) &&
      (done (&run) || step_ispdb (&run, TERN_DISCOVERY_ISPDB, run.domain, error)) &&
      (done (&run) || step_srv (&run, error)) &&
      (done (&run) || step_mx (&run, error)) &&
      (done (&run) || step_guess (&run, error)))
    {
      g_free (run.domain);
      return g_steal_pointer (&result);
    }
  g_free (run.domain);
  if (error != NULL && *error == NULL)
    g_cancellable_set_error_if_cancelled (cancellable, error);
  return NULL;
}

/* Async: a thread of its own for the blocking run; the outer task keeps self on the main
 * thread, the thread sees only its own reference. */

typedef struct
{
  TernAccountDiscovery *discovery;
  char                 *email;
  TernDiscoveryResult  *result;
  GError               *error;
  GTask                *task;
} AsyncRun;

static gboolean
async_done_cb (gpointer data)
{
  AsyncRun *a = data;

  if (a->result != NULL)
    g_task_return_pointer (a->task, g_steal_pointer (&a->result),
                           (GDestroyNotify) tern_discovery_result_free);
  else
    g_task_return_error (a->task, g_steal_pointer (&a->error));
  g_object_unref (a->task);
  g_object_unref (a->discovery);
  g_free (a->email);
  g_free (a);
  return G_SOURCE_REMOVE;
}

static gpointer
async_thread (gpointer data)
{
  AsyncRun *a = data;
  GMainContext *context = g_task_get_context (a->task);

  a->result = tern_account_discovery_run (a->discovery, a->email, g_task_get_cancellable (a->task),
                                          &a->error);
  /* Back on the caller's context, always queued (never run right here). */
  {
    GSource *source = g_idle_source_new ();

    /* Default priority: an idle one would wait behind a running animation (the spinner that
     * says discovery runs). */
    g_source_set_priority (source, G_PRIORITY_DEFAULT);
    g_source_set_callback (source, async_done_cb, a, NULL);
    g_source_set_name (source, "[tern] discovery done");
    g_source_attach (source, context);
    g_source_unref (source);
  }
  return NULL;
}

void
tern_account_discovery_run_async (TernAccountDiscovery *self,
                                  const char           *email,
                                  GCancellable         *cancellable,
                                  GAsyncReadyCallback   callback,
                                  gpointer              user_data)
{
  AsyncRun *a;

  g_return_if_fail (TERN_IS_ACCOUNT_DISCOVERY (self));
  g_return_if_fail (email != NULL);

  a = g_new0 (AsyncRun, 1);
  a->discovery = g_object_ref (self);
  a->email = g_strdup (email);
  a->task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (a->task, tern_account_discovery_run_async);
  /* The thread's reference to the discovery is dropped on the main context (async_done_cb). */
  g_thread_unref (g_thread_new ("tern-discovery", async_thread, a));
}

TernDiscoveryResult *
tern_account_discovery_run_finish (TernAccountDiscovery  *self,
                                   GAsyncResult          *result,
                                   GError               **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}
