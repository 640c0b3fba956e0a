/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-imap-connection"

#include "config.h"

#include "test-imap-connection-common.h"

/* What test-imap-connection.c and test-imap-connection-fake.c share. */

TernTestServer *
get_server (TernTestServer      **server,
            TernTestServerFlags   flags)
{
  if (*server == NULL)
    {
      g_autoptr(GError) error = NULL;

      *server = tern_test_server_new (flags, &error);
      g_assert_no_error (error);
      g_assert_nonnull (*server);
    }

  return *server;
}

TernImapSettings
settings_for (TernTestServer   *server,
              TernImapSecurity  security,
              const char       *user,
              gboolean          with_ca)
{
  TernImapSettings settings = {
    .host = tern_test_server_get_host (server),
    .port = security == TERN_IMAP_SECURITY_TLS ? tern_test_server_get_imaps_port (server)
                                               : tern_test_server_get_imap_port (server),
    .security = security,
    .user = user,
    .ca_file = with_ca ? tern_test_server_get_ca_file (server) : NULL,
    .timeout_seconds = 10,
  };

  return settings;
}

TernImapConnection *
open_logged_in (TernTestServer   *server,
                TernImapSecurity  security,
                const char       *user)
{
  TernImapSettings settings = settings_for (server, security, user, TRUE);
  g_autoptr(GError) error = NULL;
  TernImapConnection *conn = tern_imap_connection_new (&settings);

  tern_imap_connection_connect (conn, &error);
  g_assert_no_error (error);
  tern_imap_connection_login (conn, PASSWORD, &error);
  g_assert_no_error (error);

  return conn;
}

gdouble
seconds_since (gint64 start)
{
  return (g_get_monotonic_time () - start) / (gdouble) G_USEC_PER_SEC;
}

gboolean
fetch_list_has_uid (mailimap *session,
                    guint32   uid)
{
  struct mailimap_response_info *info = session->imap_response_info;

  for (clistiter *cur = clist_begin (info->rsp_fetch_list); cur != NULL; cur = clist_next (cur))
    {
      struct mailimap_msg_att *att = clist_content (cur);

      for (clistiter *item = clist_begin (att->att_list); item != NULL; item = clist_next (item))
        {
          struct mailimap_msg_att_item *att_item = clist_content (item);

          if (att_item->att_type == MAILIMAP_MSG_ATT_ITEM_STATIC &&
              att_item->att_data.att_static->att_type == MAILIMAP_MSG_ATT_UID &&
              att_item->att_data.att_static->att_data.att_uid == uid)
            return TRUE;
        }
    }

  return FALSE;
}
