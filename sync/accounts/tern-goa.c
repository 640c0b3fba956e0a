/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "tern-accounts"

#include "config.h"

#define GOA_API_IS_SUBJECT_TO_CHANGE
#include <goa/goa.h>
#include <string.h>

#include "tern-goa.h"

/* GNOME Online Accounts (see tern-goa.h). */

#define GOA_NAME       "org.gnome.OnlineAccounts"
#define GOA_PATH       "/org/gnome/OnlineAccounts/Accounts/"
#define GOA_IFACE_ACCOUNT    "org.gnome.OnlineAccounts.Account"
#define GOA_IFACE_OAUTH2     "org.gnome.OnlineAccounts.OAuth2Based"
#define CALL_TIMEOUT   (30 * 1000)

G_DEFINE_QUARK (tern-goa-error-quark, tern_goa_error)

void
tern_goa_account_free (TernGoaAccount *account)
{
  if (account == NULL)
    return;
  g_free (account->id);
  g_free (account->provider_name);
  g_free (account->identity);
  g_free (account->email);
  g_free (account->name);
  g_free (account->imap_host);
  g_free (account->imap_security);
  g_free (account->imap_user);
  g_free (account->smtp_host);
  g_free (account->smtp_security);
  g_free (account->smtp_user);
  g_free (account);
}

gboolean
tern_goa_account_is_usable (const TernGoaAccount *account)
{
  return account->mail_enabled && account->oauth2 && account->imap_host != NULL &&
         account->imap_security != NULL;
}

TernAccount *
tern_goa_account_to_account (const TernGoaAccount *goa,
                             const char           *name)
{
  TernAccount *account = g_new0 (TernAccount, 1);

  account->name = g_strdup (name != NULL ? name : goa->email);
  account->email = g_strdup (goa->email);
  account->host = g_strdup (goa->imap_host);
  account->port = goa->imap_port;
  account->security = g_strdup (goa->imap_security);
  account->user = g_strdup (goa->imap_user ? goa->imap_user : goa->email);
  account->delete_mode = g_strdup ("trash");
  account->auth = g_strdup ("goa");
  account->goa_id = g_strdup (goa->id);
  account->setup_source = g_strdup ("goa");
  return account;
}

/* GOA writes "host" or "host:port". */
static void
split_host (const char  *value,
            guint        default_port,
            char       **host_out,
            guint       *port_out)
{
  const char *colon = value ? strrchr (value, ':') : NULL;
  guint64 port = 0;

  *host_out = NULL;
  *port_out = default_port;
  if (value == NULL || *value == '\0')
    return;
  if (colon != NULL && strchr (value, ':') == colon &&
      g_ascii_string_to_unsigned (colon + 1, 10, 1, 65535, &port, NULL))
    {
      *host_out = g_strndup (value, colon - value);
      *port_out = (guint) port;
    }
  else
    *host_out = g_strdup (value);
}

static TernGoaAccount *
account_from_object (GoaObject *object)
{
  g_autoptr(GoaAccount) account = goa_object_get_account (object);
  g_autoptr(GoaMail) mail = goa_object_get_mail (object);
  g_autoptr(GoaOAuth2Based) oauth2 = goa_object_get_oauth2_based (object);
  TernGoaAccount *out;

  if (account == NULL || (mail == NULL && !goa_account_get_mail_disabled (account)))
    return NULL;   /* not a mail account at all */
  out = g_new0 (TernGoaAccount, 1);
  out->id = g_strdup (goa_account_get_id (account));
  out->provider_name = g_strdup (goa_account_get_provider_name (account));
  out->identity = g_strdup (goa_account_get_presentation_identity (account));
  out->mail_enabled = !goa_account_get_mail_disabled (account) && mail != NULL;
  out->attention_needed = goa_account_get_attention_needed (account);
  out->oauth2 = oauth2 != NULL;
  if (mail != NULL)
    {
      gboolean imap_ssl = goa_mail_get_imap_use_ssl (mail);
      gboolean imap_tls = goa_mail_get_imap_use_tls (mail);
      gboolean smtp_ssl = goa_mail_get_smtp_use_ssl (mail);
      gboolean smtp_tls = goa_mail_get_smtp_use_tls (mail);

      out->email = g_strdup (goa_mail_get_email_address (mail));
      out->name = g_strdup (goa_mail_get_name (mail));
      if (goa_mail_get_imap_supported (mail))
        {
          split_host (goa_mail_get_imap_host (mail), imap_ssl ? 993 : 143, &out->imap_host,
                      &out->imap_port);
          out->imap_security = imap_ssl ? g_strdup ("tls") : imap_tls ? g_strdup ("starttls") : NULL;
          out->imap_user = g_strdup (goa_mail_get_imap_user_name (mail));
        }
      if (goa_mail_get_smtp_supported (mail))
        {
          split_host (goa_mail_get_smtp_host (mail), smtp_ssl ? 465 : 587, &out->smtp_host,
                      &out->smtp_port);
          out->smtp_security = smtp_ssl ? g_strdup ("tls") : smtp_tls ? g_strdup ("starttls") : NULL;
          out->smtp_user = g_strdup (goa_mail_get_smtp_user_name (mail));
        }
    }
  if (out->email == NULL || *out->email == '\0')
    {
      g_free (out->email);
      out->email = g_strdup (out->identity);
    }
  return out;
}

struct _TernGoaAccounts
{
  GObject    parent_instance;

  GoaClient *client;   /* NULL: no service */
};

G_DEFINE_FINAL_TYPE (TernGoaAccounts, tern_goa_accounts, G_TYPE_OBJECT)

enum
{
  SIGNAL_CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
tern_goa_accounts_dispose (GObject *object)
{
  TernGoaAccounts *self = TERN_GOA_ACCOUNTS (object);

  if (self->client != NULL)
    g_signal_handlers_disconnect_by_data (self->client, self);
  g_clear_object (&self->client);

  G_OBJECT_CLASS (tern_goa_accounts_parent_class)->dispose (object);
}

static void
tern_goa_accounts_class_init (TernGoaAccountsClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = tern_goa_accounts_dispose;

  signals[SIGNAL_CHANGED] = g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                          0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
tern_goa_accounts_init (TernGoaAccounts *self)
{
}

static void
client_changed_cb (GoaClient       *client,
                   GoaObject       *object,
                   TernGoaAccounts *self)
{
  g_signal_emit (self, signals[SIGNAL_CHANGED], 0);
}

static TernGoaAccounts *
accounts_for_client (GoaClient *client)
{
  TernGoaAccounts *self = g_object_new (TERN_TYPE_GOA_ACCOUNTS, NULL);

  self->client = client;
  if (client != NULL)
    {
      g_signal_connect (client, "account-added", G_CALLBACK (client_changed_cb), self);
      g_signal_connect (client, "account-removed", G_CALLBACK (client_changed_cb), self);
      g_signal_connect (client, "account-changed", G_CALLBACK (client_changed_cb), self);
    }
  return self;
}

static void
client_ready_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;
  GoaClient *client = goa_client_new_finish (result, &error);

  if (client == NULL && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  if (client == NULL)
    g_debug ("No GNOME Online Accounts: %s", error->message);
  g_task_return_pointer (task, accounts_for_client (client), g_object_unref);
}

void
tern_goa_accounts_new_async (GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  GTask *task = g_task_new (NULL, cancellable, callback, user_data);

  goa_client_new (cancellable, client_ready_cb, task);
}

TernGoaAccounts *
tern_goa_accounts_new_finish (GAsyncResult  *result,
                              GError       **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

TernGoaAccounts *
tern_goa_accounts_new_sync (GCancellable  *cancellable,
                            GError       **error)
{
  g_autoptr(GError) local_error = NULL;
  GoaClient *client = goa_client_new_sync (cancellable, &local_error);

  if (client == NULL && g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }
  return accounts_for_client (client);
}

GPtrArray *
tern_goa_accounts_list (TernGoaAccounts *self)
{
  GPtrArray *out = g_ptr_array_new_with_free_func ((GDestroyNotify) tern_goa_account_free);
  GList *objects;

  g_return_val_if_fail (TERN_IS_GOA_ACCOUNTS (self), out);

  if (self->client == NULL)
    return out;
  objects = goa_client_get_accounts (self->client);
  for (GList *l = objects; l != NULL; l = l->next)
    {
      TernGoaAccount *account = account_from_object (l->data);

      if (account != NULL)
        g_ptr_array_add (out, account);
    }
  g_list_free_full (objects, g_object_unref);
  return out;
}

TernGoaAccount *
tern_goa_accounts_lookup (TernGoaAccounts *self,
                          const char      *id)
{
  g_autoptr(GoaObject) object = NULL;

  g_return_val_if_fail (TERN_IS_GOA_ACCOUNTS (self), NULL);

  if (self->client == NULL || id == NULL)
    return NULL;
  object = goa_client_lookup_by_id (self->client, id);
  return object != NULL ? account_from_object (object) : NULL;
}

/* Tokens, from any thread. */

static GVariant *
get_property (GDBusConnection  *bus,
              const char       *path,
              const char       *name,
              GError          **error)
{
  g_autoptr(GVariant) reply = g_dbus_connection_call_sync (bus, GOA_NAME, path,
                                                           "org.freedesktop.DBus.Properties", "Get",
                                                           g_variant_new ("(ss)", GOA_IFACE_ACCOUNT, name),
                                                           G_VARIANT_TYPE ("(v)"), G_DBUS_CALL_FLAGS_NONE,
                                                           CALL_TIMEOUT, NULL, error);
  GVariant *value = NULL;

  if (reply != NULL)
    g_variant_get (reply, "(v)", &value);
  return value;
}

char *
tern_goa_dup_access_token (const char  *goa_id,
                           gboolean     renew,
                           GError     **error)
{
  g_autoptr(GDBusConnection) bus = NULL;
  g_autoptr(GVariant) disabled = NULL;
  g_autoptr(GVariant) attention = NULL;
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autofree char *path = NULL;
  g_autofree char *escaped = NULL;
  char *token = NULL;

  g_return_val_if_fail (goa_id != NULL, NULL);

  bus = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, &local_error);
  if (bus == NULL)
    {
      g_set_error (error, TERN_GOA_ERROR, TERN_GOA_ERROR_FAILED,
                   "GNOME Online Accounts cannot be reached: %s", local_error->message);
      return NULL;
    }
  /* GOA's object paths use the id as it is (ids are made of [a-z0-9_]). */
  escaped = g_strcanon (g_strdup (goa_id), "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_", '_');
  path = g_strconcat (GOA_PATH, escaped, NULL);

  disabled = get_property (bus, path, "MailDisabled", &local_error);
  if (disabled == NULL)
    {
      /* No such object (or no such interface on it): the account is gone. */
      if (g_error_matches (local_error, G_DBUS_ERROR, G_DBUS_ERROR_UNKNOWN_OBJECT) ||
          g_error_matches (local_error, G_DBUS_ERROR, G_DBUS_ERROR_UNKNOWN_METHOD) ||
          g_error_matches (local_error, G_DBUS_ERROR, G_DBUS_ERROR_UNKNOWN_INTERFACE) ||
          g_error_matches (local_error, G_DBUS_ERROR, G_DBUS_ERROR_INVALID_ARGS))
        g_set_error (error, TERN_GOA_ERROR, TERN_GOA_ERROR_REMOVED,
                     "The account was removed from Online Accounts in Settings");
      else
        g_set_error (error, TERN_GOA_ERROR, TERN_GOA_ERROR_FAILED,
                     "GNOME Online Accounts did not answer: %s", local_error->message);
      return NULL;
    }
  if (g_variant_is_of_type (disabled, G_VARIANT_TYPE_BOOLEAN) && g_variant_get_boolean (disabled))
    {
      g_set_error (error, TERN_GOA_ERROR, TERN_GOA_ERROR_MAIL_OFF,
                   "Mail is turned off for this account in Online Accounts in Settings");
      return NULL;
    }

  if (renew)
    {
      g_autoptr(GVariant) ensured = g_dbus_connection_call_sync (bus, GOA_NAME, path, GOA_IFACE_ACCOUNT,
                                                                 "EnsureCredentials", NULL,
                                                                 G_VARIANT_TYPE ("(i)"),
                                                                 G_DBUS_CALL_FLAGS_NONE, CALL_TIMEOUT,
                                                                 NULL, &local_error);

      if (ensured == NULL)
        {
          g_set_error (error, TERN_GOA_ERROR, TERN_GOA_ERROR_SIGN_IN,
                       "Sign in again in Online Accounts in Settings (%s)", local_error->message);
          return NULL;
        }
    }
  attention = get_property (bus, path, "AttentionNeeded", NULL);
  if (attention != NULL && g_variant_is_of_type (attention, G_VARIANT_TYPE_BOOLEAN) &&
      g_variant_get_boolean (attention))
    {
      g_set_error (error, TERN_GOA_ERROR, TERN_GOA_ERROR_SIGN_IN,
                   "Sign in again in Online Accounts in Settings");
      return NULL;
    }

  reply = g_dbus_connection_call_sync (bus, GOA_NAME, path, GOA_IFACE_OAUTH2, "GetAccessToken", NULL,
                                       G_VARIANT_TYPE ("(si)"), G_DBUS_CALL_FLAGS_NONE, CALL_TIMEOUT,
                                       NULL, &local_error);
  if (reply == NULL)
    {
      g_set_error (error, TERN_GOA_ERROR, TERN_GOA_ERROR_SIGN_IN,
                   "Online Accounts has no access for Tern: %s", local_error->message);
      return NULL;
    }
  g_variant_get (reply, "(si)", &token, NULL);
  return token;
}
