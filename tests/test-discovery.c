/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include "tern-account-discovery.h"
#include "tern-test-https.h"
#include "tern-test-server.h"

/*
 * Discovery from an address, each step against real parts: a local HTTPS server with the
 * fixture's test CA for autoconfig and the ISPDB, Dovecot (IMAP and submission) for SRV
 * targets and the guess, and a test GResolver answering SRV and MX (and nothing else: no
 * query leaves the machine). Names of example.test are put on loopback ports with
 * tern_account_discovery_add_connect_to(); certificates are still checked for those names.
 */

/* A resolver with a table. */

#define TEST_TYPE_RESOLVER (test_resolver_get_type ())
G_DECLARE_FINAL_TYPE (TestResolver, test_resolver, TEST, RESOLVER, GResolver)

struct _TestResolver
{
  GResolver   parent_instance;
  GMutex      lock;
  GHashTable *records;   /* "srv NAME" / "mx NAME" -> GPtrArray of GVariant */
  guint       lookups;
};

G_DEFINE_TYPE (TestResolver, test_resolver, G_TYPE_RESOLVER)

static GList *
lookup_by_name (GResolver     *resolver,
                const char    *hostname,
                GCancellable  *cancellable,
                GError       **error)
{
  GInetAddress *address = g_inet_address_new_from_string (hostname);

  if (address == NULL && g_str_equal (hostname, "localhost"))
    address = g_inet_address_new_from_string ("127.0.0.1");
  if (address == NULL)
    {
      g_set_error (error, G_RESOLVER_ERROR, G_RESOLVER_ERROR_NOT_FOUND, "No host %s here", hostname);
      return NULL;
    }
  return g_list_append (NULL, address);
}

static void
lookup_by_name_async (GResolver           *resolver,
                      const char          *hostname,
                      GCancellable        *cancellable,
                      GAsyncReadyCallback  callback,
                      gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (resolver, cancellable, callback, user_data);
  GError *error = NULL;
  GList *list = lookup_by_name (resolver, hostname, cancellable, &error);

  if (list != NULL)
    g_task_return_pointer (task, list, (GDestroyNotify) g_resolver_free_addresses);
  else
    g_task_return_error (task, error);
}

static GList *
lookup_by_name_finish (GResolver     *resolver,
                       GAsyncResult  *result,
                       GError       **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

static GList *
lookup_records (GResolver            *resolver,
                const char           *rrname,
                GResolverRecordType   type,
                GCancellable         *cancellable,
                GError              **error)
{
  TestResolver *self = TEST_RESOLVER (resolver);
  g_autofree char *key = g_strdup_printf ("%s %s", type == G_RESOLVER_RECORD_SRV ? "srv" :
                                          type == G_RESOLVER_RECORD_MX ? "mx" : "other", rrname);
  GPtrArray *found;
  GList *list = NULL;

  g_mutex_lock (&self->lock);
  self->lookups++;
  found = g_hash_table_lookup (self->records, key);
  for (guint i = 0; found != NULL && i < found->len; i++)
    list = g_list_append (list, g_variant_ref (found->pdata[i]));
  g_mutex_unlock (&self->lock);
  if (list == NULL)
    g_set_error (error, G_RESOLVER_ERROR, G_RESOLVER_ERROR_NOT_FOUND, "No record %s", key);
  return list;
}

static void
test_resolver_finalize (GObject *object)
{
  TestResolver *self = TEST_RESOLVER (object);

  g_hash_table_unref (self->records);
  g_mutex_clear (&self->lock);
  G_OBJECT_CLASS (test_resolver_parent_class)->finalize (object);
}

static void
test_resolver_class_init (TestResolverClass *klass)
{
  GResolverClass *resolver_class = G_RESOLVER_CLASS (klass);

  G_OBJECT_CLASS (klass)->finalize = test_resolver_finalize;
  resolver_class->lookup_by_name = lookup_by_name;
  resolver_class->lookup_by_name_async = lookup_by_name_async;
  resolver_class->lookup_by_name_finish = lookup_by_name_finish;
  resolver_class->lookup_records = lookup_records;
}

static void
test_resolver_init (TestResolver *self)
{
  g_mutex_init (&self->lock);
  self->records = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                         (GDestroyNotify) g_ptr_array_unref);
}

static void
resolver_add (TestResolver *self,
              const char   *key,
              GVariant     *record)
{
  GPtrArray *list;

  g_mutex_lock (&self->lock);
  list = g_hash_table_lookup (self->records, key);
  if (list == NULL)
    {
      list = g_ptr_array_new_with_free_func ((GDestroyNotify) g_variant_unref);
      g_hash_table_insert (self->records, g_strdup (key), list);
    }
  g_ptr_array_add (list, g_variant_ref_sink (record));
  g_mutex_unlock (&self->lock);
}

/* Shared by all tests: one Dovecot with submission, one HTTPS server, the resolver. */

static TernTestServer *server;
static TernTestHttps  *https;
static TestResolver   *resolver;

static TernAccountDiscovery *
new_discovery (void)
{
  g_autoptr(GError) error = NULL;
  TernAccountDiscovery *discovery = tern_account_discovery_new ();
  const char *web[] = { "autoconfig.example.test", "example.test", "ispdb.example.test" };

  g_assert_true (tern_account_discovery_set_ca_file (discovery,
                                                     tern_test_server_get_ca_file (server), &error));
  g_assert_no_error (error);
  tern_account_discovery_set_ispdb_url (discovery, "https://ispdb.example.test/v1.1/");
  for (guint i = 0; i < G_N_ELEMENTS (web); i++)
    tern_account_discovery_add_connect_to (discovery, web[i], 443, "127.0.0.1",
                                           tern_test_https_get_port (https));
  tern_account_discovery_set_timeout (discovery, 5);
  return discovery;
}

static void
put_imap (TernAccountDiscovery *discovery,
          const char           *host,
          guint16               port)
{
  tern_account_discovery_add_connect_to (discovery, host, port, "127.0.0.1",
                                         port == 993 ? tern_test_server_get_imaps_port (server)
                                                     : tern_test_server_get_imap_port (server));
}

static void
put_smtp (TernAccountDiscovery *discovery,
          const char           *host,
          guint16               port)
{
  tern_account_discovery_add_connect_to (discovery, host, port, "127.0.0.1",
                                         port == 465 ? tern_test_server_get_submissions_port (server)
                                                     : tern_test_server_get_submission_port (server));
}

static char *
config_xml (const char *domain,
            const char *imap_host,
            const char *imap_socket,
            guint       imap_port,
            const char *smtp_host,
            guint       smtp_port,
            const char *extra)
{
  return g_strdup_printf ("<?xml version=\"1.0\"?>\n"
                          "<clientConfig version=\"1.1\">\n"
                          " <emailProvider id=\"%s\">\n"
                          "  <domain>%s</domain>\n"
                          "  <displayName>Example Mail</displayName>\n"
                          "  <incomingServer type=\"pop3\"><hostname>pop.%s</hostname><port>995</port>"
                          "<socketType>SSL</socketType></incomingServer>\n"
                          "  <incomingServer type=\"imap\"><hostname>%s</hostname><port>%u</port>"
                          "<socketType>%s</socketType><username>%%EMAILLOCALPART%%</username>"
                          "<authentication>password-cleartext</authentication></incomingServer>\n"
                          "  <outgoingServer type=\"smtp\"><hostname>%s</hostname><port>%u</port>"
                          "<socketType>STARTTLS</socketType><username>%%EMAILADDRESS%%</username>"
                          "<authentication>password-cleartext</authentication></outgoingServer>\n"
                          " </emailProvider>\n%s"
                          "</clientConfig>\n",
                          domain, domain, domain, imap_host, imap_port, imap_socket, smtp_host,
                          smtp_port, extra ? extra : "");
}

static TernDiscoveryResult *
run (TernAccountDiscovery *discovery,
     const char           *email)
{
  g_autoptr(GError) error = NULL;
  TernDiscoveryResult *result = tern_account_discovery_run (discovery, email, NULL, &error);

  g_assert_no_error (error);
  g_assert_nonnull (result);
  for (guint i = 0; i < result->steps->len; i++)
    {
      TernDiscoveryStep *step = result->steps->pdata[i];

      g_test_message ("%s: %s%s", step->what, step->outcome, step->refused ? " (refused)" : "");
    }
  return result;
}

/* Whether a step about what (a substring) was refused, with why in its outcome. */
static gboolean
has_refusal (TernDiscoveryResult *result,
             const char          *what,
             const char          *why)
{
  for (guint i = 0; i < result->steps->len; i++)
    {
      TernDiscoveryStep *step = result->steps->pdata[i];

      if (step->refused && strstr (step->what, what) != NULL && strstr (step->outcome, why) != NULL)
        return TRUE;
    }
  return FALSE;
}

static void
reset (void)
{
  /* Each test sets the answers it wants; everything else is 404. */
  const char *paths[][2] = {
    { "autoconfig.example.test", "/mail/config-v1.1.xml" },
    { "example.test", "/.well-known/autoconfig/mail/config-v1.1.xml" },
    { "ispdb.example.test", "/v1.1/example.test" },
    { "ispdb.example.test", "/v1.1/bigmail.test" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (paths); i++)
    tern_test_https_set (https, paths[i][0], paths[i][1], 404, "text/plain", "no", -1, NULL);
}

/* 1. The domain's own autoconfig, asked with the address; the result as an account. */
static void
test_autoconfig (void)
{
  g_autoptr(TernAccountDiscovery) discovery = new_discovery ();
  g_autoptr(TernDiscoveryResult) result = NULL;
  g_autoptr(TernAccount) account = NULL;
  g_autofree char *xml = config_xml ("example.test", "imap.example.test", "SSL", 993,
                                     "smtp.example.test", 587, NULL);
  g_autofree char *last = NULL;

  reset ();
  tern_test_https_set (https, "autoconfig.example.test", "/mail/config-v1.1.xml", 200,
                       "text/xml; charset=utf-8", xml, -1, NULL);
  result = run (discovery, "bob@example.test");
  g_assert_nonnull (result->imap);
  g_assert_cmpstr (result->imap->host, ==, "imap.example.test");
  g_assert_cmpuint (result->imap->port, ==, 993);
  g_assert_cmpstr (result->imap->security, ==, "tls");
  g_assert_cmpint (result->imap->source, ==, TERN_DISCOVERY_AUTOCONFIG);
  g_assert_nonnull (result->smtp);
  g_assert_cmpstr (result->smtp->host, ==, "smtp.example.test");
  g_assert_cmpuint (result->smtp->port, ==, 587);
  g_assert_cmpstr (result->smtp->security, ==, "starttls");
  g_assert_cmpstr (result->provider, ==, "Example Mail");
  last = tern_test_https_dup_last (https, "autoconfig.example.test");
  g_assert_cmpstr (last, ==, "/mail/config-v1.1.xml?emailaddress=bob%40example.test");
  /* Found in the first place: nothing else was asked. */
  g_assert_cmpuint (tern_test_https_count (https, "ispdb.example.test", "/"), ==, 0);

  account = tern_discovery_result_to_account (result, "Work");
  g_assert_cmpstr (account->name, ==, "Work");
  g_assert_cmpstr (account->user, ==, "bob");   /* %EMAILLOCALPART% */
  g_assert_cmpstr (account->setup_source, ==, "autoconfig");
  g_assert_cmpstr (account->auth, ==, "password");
  {
    g_autofree char *smtp_user = tern_discovered_server_dup_user (result->smtp, "bob@example.test");

    g_assert_cmpstr (smtp_user, ==, "bob@example.test");
  }
}

/* 1b. The well-known place on the domain itself, when autoconfig.DOMAIN has nothing. */
static void
test_well_known (void)
{
  g_autoptr(TernAccountDiscovery) discovery = new_discovery ();
  g_autoptr(TernDiscoveryResult) result = NULL;
  g_autofree char *xml = config_xml ("example.test", "mail.example.test", "STARTTLS", 143,
                                     "mail.example.test", 587, NULL);

  reset ();
  tern_test_https_set (https, "example.test", "/.well-known/autoconfig/mail/config-v1.1.xml", 200,
                       "application/xml", xml, -1, NULL);
  result = run (discovery, "carol@example.test");
  g_assert_nonnull (result->imap);
  g_assert_cmpstr (result->imap->host, ==, "mail.example.test");
  g_assert_cmpstr (result->imap->security, ==, "starttls");
  g_assert_cmpint (result->imap->source, ==, TERN_DISCOVERY_AUTOCONFIG);
  g_assert_cmpstr (result->imap->source_detail, ==,
                   "https://example.test/.well-known/autoconfig/mail/config-v1.1.xml");
}

/* 2. The ISPDB, at the base URL given (here as $TERN_ISPDB_URL would). OAuth2 settings come
 * along; implicit TLS is chosen over STARTTLS whatever the order in the document. */
static void
test_ispdb (void)
{
  g_autoptr(TernAccountDiscovery) discovery = new_discovery ();
  g_autoptr(TernDiscoveryResult) result = NULL;
  g_autoptr(TernAccount) account = NULL;
  const char *xml =
    "<clientConfig version=\"1.1\"><emailProvider id=\"example.test\">"
    "<domain>other.test</domain><domain>example.test</domain>"
    "<incomingServer type=\"imap\"><hostname>imap.example.test</hostname><port>143</port>"
    "<socketType>STARTTLS</socketType><authentication>OAuth2</authentication>"
    "<authentication>password-cleartext</authentication></incomingServer>"
    "<incomingServer type=\"imap\"><hostname>imap.example.test</hostname><port>993</port>"
    "<socketType>SSL</socketType><authentication>OAuth2</authentication>"
    "<authentication>password-cleartext</authentication></incomingServer>"
    "<outgoingServer type=\"smtp\"><hostname>smtp.example.test</hostname><port>465</port>"
    "<socketType>SSL</socketType><authentication>OAuth2</authentication></outgoingServer>"
    "</emailProvider>"
    "<oAuth2><issuer>idp.example.test</issuer><scope>mail offline</scope>"
    "<authURL>https://idp.example.test/auth</authURL><tokenURL>https://idp.example.test/token</tokenURL>"
    "</oAuth2></clientConfig>";

  reset ();
  tern_account_discovery_set_ispdb_url (discovery, NULL);
  g_setenv ("TERN_ISPDB_URL", "https://ispdb.example.test/v1.1", TRUE);
  tern_test_https_set (https, "ispdb.example.test", "/v1.1/example.test", 200, "text/xml", xml, -1,
                       NULL);
  result = run (discovery, "dave@example.test");
  g_unsetenv ("TERN_ISPDB_URL");
  g_assert_nonnull (result->imap);
  g_assert_cmpint (result->imap->source, ==, TERN_DISCOVERY_ISPDB);
  g_assert_cmpuint (result->imap->port, ==, 993);
  g_assert_cmpstr (result->imap->security, ==, "tls");
  g_assert_cmpstr (result->imap->auth, ==, "oauth2");
  g_assert_cmpstr (result->smtp->auth, ==, "oauth2");
  g_assert_cmpstr (result->oauth2_token_url, ==, "https://idp.example.test/token");
  g_assert_cmpstr (result->oauth2_scope, ==, "mail offline");
  /* Both autoconfig places were asked first. */
  g_assert_cmpuint (tern_test_https_count (https, "autoconfig.example.test", "/mail/"), >, 0);
  g_assert_cmpuint (tern_test_https_count (https, "example.test", "/.well-known/"), >, 0);

  account = tern_discovery_result_to_account (result, NULL);
  g_assert_cmpstr (account->name, ==, "dave@example.test");
  g_assert_cmpstr (account->auth, ==, "oauth2");
  g_assert_cmpstr (account->oauth2_auth_url, ==, "https://idp.example.test/auth");
  g_assert_cmpstr (account->setup_source, ==, "ispdb");
}

/* 3. DNS SRV (RFC 6186), implicit TLS first (RFC 8314), each target probed on Dovecot. */
static void
test_srv (void)
{
  g_autoptr(TernAccountDiscovery) discovery = new_discovery ();
  g_autoptr(TernDiscoveryResult) result = NULL;

  reset ();
  /* _imaps: a dead target first (priority 0), then a working one. */
  resolver_add (resolver, "srv _imaps._tcp.srv.test",
                g_variant_new ("(qqqs)", 0, 0, 993, "dead.example.test."));
  resolver_add (resolver, "srv _imaps._tcp.srv.test",
                g_variant_new ("(qqqs)", 10, 0, 993, "mail.example.test."));
  resolver_add (resolver, "srv _submission._tcp.srv.test",
                g_variant_new ("(qqqs)", 0, 0, 587, "mail.example.test."));
  put_imap (discovery, "mail.example.test", 993);
  put_smtp (discovery, "mail.example.test", 587);
  result = run (discovery, "erin@srv.test");
  g_assert_nonnull (result->imap);
  g_assert_cmpstr (result->imap->host, ==, "mail.example.test");
  g_assert_cmpuint (result->imap->port, ==, 993);
  g_assert_cmpstr (result->imap->security, ==, "tls");
  g_assert_cmpint (result->imap->source, ==, TERN_DISCOVERY_SRV);
  g_assert_nonnull (result->smtp);
  g_assert_cmpuint (result->smtp->port, ==, 587);
  g_assert_cmpstr (result->smtp->security, ==, "starttls");
  g_assert_cmpint (result->smtp->source, ==, TERN_DISCOVERY_SRV);
  g_assert_cmpstr (result->smtp->source_detail, ==, "_submission._tcp.srv.test");
}

/* 4. The MX host's domain in the ISPDB (how hosted domains of big providers are found). */
static void
test_mx (void)
{
  g_autoptr(TernAccountDiscovery) discovery = new_discovery ();
  g_autoptr(TernDiscoveryResult) result = NULL;
  g_autofree char *xml = config_xml ("bigmail.test", "imap.bigmail.test", "SSL", 993,
                                     "smtp.bigmail.test", 587, NULL);

  reset ();
  resolver_add (resolver, "mx corp.test", g_variant_new ("(qs)", 20, "alt1.mx.bigmail.test."));
  resolver_add (resolver, "mx corp.test", g_variant_new ("(qs)", 10, "aspmx.l.bigmail.test."));
  tern_test_https_set (https, "ispdb.example.test", "/v1.1/bigmail.test", 200, "text/xml", xml, -1,
                       NULL);
  result = run (discovery, "frank@corp.test");
  g_assert_nonnull (result->imap);
  g_assert_cmpstr (result->imap->host, ==, "imap.bigmail.test");
  g_assert_cmpint (result->imap->source, ==, TERN_DISCOVERY_MX);
  g_assert_nonnull (result->smtp);
  g_assert_cmpstr (result->smtp->host, ==, "smtp.bigmail.test");
  g_assert_cmpstr (result->smtp->source_detail, ==, "https://ispdb.example.test/v1.1/bigmail.test");
}

/* 5. The guess, probed on Dovecot: imap.DOMAIN on 993; smtp.DOMAIN on 465. */
static void
test_guess (void)
{
  g_autoptr(TernAccountDiscovery) discovery = new_discovery ();
  g_autoptr(TernDiscoveryResult) result = NULL;

  reset ();
  put_imap (discovery, "imap.example.test", 993);
  put_smtp (discovery, "smtp.example.test", 465);
  result = run (discovery, "grace@example.test");
  g_assert_nonnull (result->imap);
  g_assert_cmpstr (result->imap->host, ==, "imap.example.test");
  g_assert_cmpuint (result->imap->port, ==, 993);
  g_assert_cmpstr (result->imap->security, ==, "tls");
  g_assert_cmpint (result->imap->source, ==, TERN_DISCOVERY_GUESS);
  g_assert_nonnull (result->smtp);
  g_assert_cmpstr (result->smtp->host, ==, "smtp.example.test");
  g_assert_cmpuint (result->smtp->port, ==, 465);
  g_assert_cmpstr (result->smtp->security, ==, "tls");
}

/* 5b. Only STARTTLS answers (mail.DOMAIN:143 and :587): found after the TLS ports failed. */
static void
test_guess_starttls (void)
{
  g_autoptr(TernAccountDiscovery) discovery = new_discovery ();
  g_autoptr(TernDiscoveryResult) result = NULL;

  reset ();
  put_imap (discovery, "mail.example.test", 143);
  put_smtp (discovery, "mail.example.test", 587);
  result = run (discovery, "heidi@example.test");
  g_assert_nonnull (result->imap);
  g_assert_cmpstr (result->imap->host, ==, "mail.example.test");
  g_assert_cmpuint (result->imap->port, ==, 143);
  g_assert_cmpstr (result->imap->security, ==, "starttls");
  g_assert_nonnull (result->smtp);
  g_assert_cmpuint (result->smtp->port, ==, 587);
  g_assert_cmpstr (result->smtp->security, ==, "starttls");
}

/* A server whose certificate is not for the name asked is refused, never used. */
static void
test_guess_wrong_certificate (void)
{
  g_autoptr(TernAccountDiscovery) discovery = new_discovery ();
  g_autoptr(TernDiscoveryResult) result = NULL;

  reset ();
  /* "imap.wrong.test" is not in the certificate (example.test names are). */
  put_imap (discovery, "imap.wrong.test", 993);
  result = run (discovery, "ivan@wrong.test");
  g_assert_null (result->imap);
  g_assert_true (has_refusal (result, "imap.wrong.test:993", "certificate"));
}

/* Hostile or wrong answers: each refused with its reason, discovery goes on. */
static void
test_hostile (void)
{
  g_autoptr(TernAccountDiscovery) discovery = new_discovery ();
  g_autoptr(TernDiscoveryResult) result = NULL;
  g_autoptr(GString) huge = g_string_new ("<clientConfig><emailProvider id=\"x\">");
  g_autofree char *other = config_xml ("evil.test", "imap.evil.test", "SSL", 993, "smtp.evil.test",
                                       465, NULL);
  g_autofree char *plain = config_xml ("example.test", "imap.example.test", "plain", 143,
                                       "smtp.example.test", 25, NULL);

  reset ();
  while (huge->len < 2 * 1024 * 1024)
    g_string_append (huge, "<domain>example.test</domain>");
  g_string_append (huge, "</emailProvider></clientConfig>");
  /* The first place redirects to another host; the second serves HTML; the ISPDB a
   * document for another domain. */
  tern_test_https_set (https, "autoconfig.example.test", "/mail/config-v1.1.xml", 302, "text/plain",
                       NULL, 0, "https://evil.test/config.xml");
  tern_test_https_set (https, "example.test", "/.well-known/autoconfig/mail/config-v1.1.xml", 200,
                       "text/html", "<html>hello</html>", -1, NULL);
  tern_test_https_set (https, "ispdb.example.test", "/v1.1/example.test", 200, "text/xml", other, -1,
                       NULL);
  result = run (discovery, "judy@example.test");
  g_assert_null (result->imap);
  g_assert_null (result->smtp);
  g_assert_true (has_refusal (result, "autoconfig.example.test", "redirects to another server"));
  g_assert_true (has_refusal (result, "/.well-known/", "not as XML"));
  g_assert_true (has_refusal (result, "ispdb.example.test", "for evil.test, not example.test"));
  g_clear_pointer (&result, tern_discovery_result_free);

  /* Too large; and only plaintext offered. */
  tern_test_https_set (https, "autoconfig.example.test", "/mail/config-v1.1.xml", 200, "text/xml",
                       huge->str, huge->len, NULL);
  tern_test_https_set (https, "example.test", "/.well-known/autoconfig/mail/config-v1.1.xml", 200,
                       "text/xml", plain, -1, NULL);
  result = run (discovery, "judy@example.test");
  g_assert_null (result->imap);
  g_assert_true (has_refusal (result, "autoconfig.example.test", "too large"));
  g_assert_true (has_refusal (result, "/.well-known/", "unencrypted"));
}

/* The web answers only with a certificate Tern trusts: without the test CA, refused. */
static void
test_untrusted_web (void)
{
  g_autoptr(TernAccountDiscovery) discovery = new_discovery ();
  g_autoptr(TernDiscoveryResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *xml = config_xml ("example.test", "imap.example.test", "SSL", 993,
                                     "smtp.example.test", 587, NULL);

  reset ();
  g_assert_true (tern_account_discovery_set_ca_file (discovery, NULL, &error));
  tern_test_https_set (https, "autoconfig.example.test", "/mail/config-v1.1.xml", 200, "text/xml",
                       xml, -1, NULL);
  result = run (discovery, "kim@example.test");
  g_assert_null (result->imap);
  g_assert_true (has_refusal (result, "autoconfig.example.test", "certificate"));
}

static void
test_not_an_address (void)
{
  g_autoptr(TernAccountDiscovery) discovery = new_discovery ();
  const char *bad[] = { "bob", "bob@", "@example.test", "bob@localhost", "bob@exa mple.test",
                        "bob@example.test/x" };

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(TernDiscoveryResult) result = tern_account_discovery_run (discovery, bad[i], NULL,
                                                                          &error);

      g_assert_null (result);
      g_assert_error (error, TERN_SYNC_ERROR, TERN_SYNC_ERROR_CONFIG);
    }
}

static void
async_cb (GObject      *source,
          GAsyncResult *res,
          gpointer      user_data)
{
  TernDiscoveryResult **out = user_data;
  g_autoptr(GError) error = NULL;

  *out = tern_account_discovery_run_finish (TERN_ACCOUNT_DISCOVERY (source), res, &error);
  g_assert_no_error (error);
}

/* The async form delivers on the caller's main context. */
static void
test_async (void)
{
  g_autoptr(TernAccountDiscovery) discovery = new_discovery ();
  g_autoptr(TernDiscoveryResult) result = NULL;
  g_autofree char *xml = config_xml ("example.test", "imap.example.test", "SSL", 993,
                                     "smtp.example.test", 587, NULL);

  reset ();
  tern_test_https_set (https, "autoconfig.example.test", "/mail/config-v1.1.xml", 200, "text/xml",
                       xml, -1, NULL);
  tern_account_discovery_run_async (discovery, "leo@example.test", NULL, async_cb, &result);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpstr (result->imap->host, ==, "imap.example.test");
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(GError) error = NULL;
  int status;

  g_test_init (&argc, &argv, NULL);

  server = tern_test_server_new (TERN_TEST_SERVER_SUBMISSION, &error);
  g_assert_no_error (error);
  https = tern_test_https_new (tern_test_server_get_cert_file (server),
                               tern_test_server_get_key_file (server), &error);
  g_assert_no_error (error);
  resolver = g_object_new (TEST_TYPE_RESOLVER, NULL);
  g_resolver_set_default (G_RESOLVER (resolver));
  g_unsetenv ("TERN_ISPDB_URL");

  g_test_add_func ("/discovery/autoconfig", test_autoconfig);
  g_test_add_func ("/discovery/well-known", test_well_known);
  g_test_add_func ("/discovery/ispdb", test_ispdb);
  g_test_add_func ("/discovery/srv", test_srv);
  g_test_add_func ("/discovery/mx", test_mx);
  g_test_add_func ("/discovery/guess", test_guess);
  g_test_add_func ("/discovery/guess-starttls", test_guess_starttls);
  g_test_add_func ("/discovery/guess-wrong-certificate", test_guess_wrong_certificate);
  g_test_add_func ("/discovery/hostile", test_hostile);
  g_test_add_func ("/discovery/untrusted-web", test_untrusted_web);
  g_test_add_func ("/discovery/not-an-address", test_not_an_address);
  g_test_add_func ("/discovery/async", test_async);
  status = g_test_run ();

  tern_test_https_free (https);
  tern_test_server_free (server);
  g_object_unref (resolver);
  return status;
}
