/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-ui-prefs"

#include "config.h"

#include <string.h>

#include "tern-application.h"
#include "tern-store.h"
#include "tern-test-cache.h"
#include "tern-test-server.h"
#include "tern-test-ui.h"
#include "test-ui-prefs-private.h"
#include "tern-window.h"

/*
 * Desktop notifications of new mail (part of test-ui-prefs): this process plays the desktop's
 * notification service (org.freedesktop.Notifications) on the test's own session bus, so what
 * the app sends is seen as the desktop sees it, and its buttons are pressed as the desktop
 * presses them (the ActionInvoked signal).
 */

/* The desktop's notification service. */

typedef struct
{
  guint32  id;
  char    *summary;
  char    *body;
  GStrv    actions;   /* key, label, key, label, ... */
} Shown;

GPtrArray *shown_notifications;  /* Shown */

static void
shown_free (Shown *n)
{
  g_free (n->summary);
  g_free (n->body);
  g_strfreev (n->actions);
  g_free (n);
}

static const char notifications_xml[] =
  "<node>"
  "  <interface name='org.freedesktop.Notifications'>"
  "    <method name='Notify'>"
  "      <arg type='s' direction='in'/><arg type='u' direction='in'/><arg type='s' direction='in'/>"
  "      <arg type='s' direction='in'/><arg type='s' direction='in'/><arg type='as' direction='in'/>"
  "      <arg type='a{sv}' direction='in'/><arg type='i' direction='in'/>"
  "      <arg type='u' direction='out'/>"
  "    </method>"
  "    <method name='CloseNotification'><arg type='u' direction='in'/></method>"
  "    <method name='GetCapabilities'><arg type='as' direction='out'/></method>"
  "    <method name='GetServerInformation'>"
  "      <arg type='s' direction='out'/><arg type='s' direction='out'/>"
  "      <arg type='s' direction='out'/><arg type='s' direction='out'/>"
  "    </method>"
  "    <signal name='NotificationClosed'><arg type='u'/><arg type='u'/></signal>"
  "    <signal name='ActionInvoked'><arg type='u'/><arg type='s'/></signal>"
  "  </interface>"
  "</node>";

static void
notifications_call_cb (GDBusConnection       *connection,
                       const char            *sender,
                       const char            *path,
                       const char            *interface,
                       const char            *method,
                       GVariant              *parameters,
                       GDBusMethodInvocation *invocation,
                       gpointer               user_data)
{
  if (g_str_equal (method, "Notify"))
    {
      Shown *n = g_new0 (Shown, 1);

      g_variant_get (parameters, "(&su&sss^as@a{sv}i)", NULL, NULL, NULL, &n->summary, &n->body,
                     &n->actions, NULL, NULL);
      g_ptr_array_add (shown_notifications, n);
      n->id = shown_notifications->len;
      g_dbus_method_invocation_return_value (invocation, g_variant_new ("(u)", n->id));
    }
  else if (g_str_equal (method, "GetCapabilities"))
    {
      const char *caps[] = { "body", "actions", NULL };

      g_dbus_method_invocation_return_value (invocation, g_variant_new ("(^as)", caps));
    }
  else if (g_str_equal (method, "GetServerInformation"))
    g_dbus_method_invocation_return_value (invocation, g_variant_new ("(ssss)", "test", "tern", "1", "1.2"));
  else
    g_dbus_method_invocation_return_value (invocation, NULL);
}

static GDBusConnection *session_bus;

/* Takes or gives up the service's name on the bus. */
void
own_notifications (gboolean own)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = NULL;
  guint32 result = 0;

  reply = g_dbus_connection_call_sync (session_bus, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                       "org.freedesktop.DBus", own ? "RequestName" : "ReleaseName",
                                       own ? g_variant_new ("(su)", "org.freedesktop.Notifications", 4)
                                           : g_variant_new ("(s)", "org.freedesktop.Notifications"),
                                       G_VARIANT_TYPE ("(u)"), G_DBUS_CALL_FLAGS_NONE, -1, NULL, &error);
  g_assert_no_error (error);
  g_variant_get (reply, "(u)", &result);
  /* DBUS_REQUEST_NAME_REPLY_PRIMARY_OWNER, DBUS_RELEASE_NAME_REPLY_RELEASED */
  g_assert_cmpuint (result, ==, 1);
}

void
start_notification_service (void)
{
  static const GDBusInterfaceVTable vtable = { notifications_call_cb, NULL, NULL, { 0 } };
  g_autoptr(GError) error = NULL;
  g_autoptr(GDBusNodeInfo) info = g_dbus_node_info_new_for_xml (notifications_xml, &error);

  /* Kept for the whole run: the session connection closes, and the name goes, with its
   * last reference. */
  session_bus = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, &error);
  g_assert_no_error (error);
  shown_notifications = g_ptr_array_new_with_free_func ((GDestroyNotify) shown_free);
  g_dbus_connection_register_object (session_bus, "/org/freedesktop/Notifications", info->interfaces[0],
                                     &vtable, NULL, NULL, &error);
  g_assert_no_error (error);
  own_notifications (TRUE);
}

void
clear_notifications (void)
{
  g_ptr_array_set_size (shown_notifications, 0);
}

/* The user presses the button labelled label of notification n, as the desktop tells it. */
static void
press_button (Shown      *n,
              const char *label)
{
  g_autoptr(GError) error = NULL;
  const char *key = NULL;

  for (guint i = 0; n->actions[i] != NULL && n->actions[i + 1] != NULL; i += 2)
    if (g_str_equal (n->actions[i + 1], label))
      key = n->actions[i];
  g_assert_nonnull (key);
  g_dbus_connection_emit_signal (session_bus, NULL, "/org/freedesktop/Notifications",
                                 "org.freedesktop.Notifications", "ActionInvoked",
                                 g_variant_new ("(us)", n->id, key), &error);
  g_assert_no_error (error);
}

static gboolean
has_button (Shown      *n,
            const char *label)
{
  for (guint i = 0; n->actions[i] != NULL && n->actions[i + 1] != NULL; i += 2)
    if (g_str_equal (n->actions[i + 1], label))
      return TRUE;
  return FALSE;
}

/* New mail in INBOX from another client: a notification when the window is not focused. */

static void
append (Fixture    *f,
        const char *subject)
{
  g_autofree char *text = g_strdup_printf ("From: Bob <bob@example.org>\r\nTo: alice@example.org\r\n"
                                           "Subject: %s\r\nMessage-ID: <%s@example.org>\r\n\r\nHello\r\n",
                                           subject, subject);

  tern_test_server_append_message (f->server, "alice", "INBOX", text);
}

static void
add_fixture_account (Fixture *f)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TernStore) store = tern_store_open (f->db_path, &error);

  g_assert_no_error (error);
  f->ids.account = tern_test_cache_add_server_account (store, f->server, "fixture", TRUE);
}

typedef struct
{
  Fixture *f;
  guint    n;
} Count;

static gboolean
n_messages_cb (gpointer data)
{
  Count *c = data;

  return g_list_model_get_n_items (G_LIST_MODEL (tern_window_get_message_model (c->f->window))) >= c->n;
}

static gboolean
window_active_cb (gpointer data)
{
  return gtk_window_is_active (GTK_WINDOW (data));
}

static gboolean
window_inactive_cb (gpointer data)
{
  return !gtk_window_is_active (GTK_WINDOW (data));
}

static void
new_mail_cb (TernAccountWorker *worker,
             guint              count,
             const char        *subject,
             GArray            *ids,
             Fixture           *f)
{
  f->new_mail++;
}

/* The workers said "new mail" new_mail_wanted times (once if unset). */
static gboolean
new_mail_heard_cb (gpointer data)
{
  Fixture *f = data;

  return f->new_mail >= MAX (f->new_mail_wanted, 1);
}

static gboolean
notified_cb (gpointer data)
{
  Fixture *f = data;

  return f->sent->len > 0 && shown_notifications->len > 0;
}

void
test_notification (Fixture       *f,
                   gconstpointer  data)
{
  Count count = { f, 2 };
  Shown *shown;

  append (f, "First");
  add_fixture_account (f);
  start_app (f, FALSE);
  {
    g_autoptr(GPtrArray) workers = tern_application_list_workers (f->app);

    g_signal_connect (workers->pdata[0], "new-mail", G_CALLBACK (new_mail_cb), f);
  }
  g_assert_true (tern_test_ui_wait_for (messages_listed_cb, f, 60));
  /* The first sync of what was there raises nothing (checked again after the next new
   * mail, which comes after it). */
  g_assert_cmpuint (f->sent->len, ==, 0);

  /* Focused: the new message shows in the list, and that is all. */
  gtk_window_present (GTK_WINDOW (f->window));
  g_assert_true (tern_test_ui_wait_for (window_active_cb, f->window, 10));
  append (f, "Seen-in-the-list");
  g_assert_true (tern_test_ui_wait_for (n_messages_cb, &count, 30));
  /* The worker said "new mail" (the window heard it and, focused, said nothing). */
  g_assert_true (tern_test_ui_wait_for (new_mail_heard_cb, f, 30));
  g_assert_cmpuint (f->sent->len, ==, 0);
  g_assert_cmpuint (shown_notifications->len, ==, 0);

  /* Another window has the focus: the desktop shows a notification. */
  f->other = gtk_window_new ();
  gtk_window_set_title (GTK_WINDOW (f->other), "Another application");
  gtk_window_present (GTK_WINDOW (f->other));
  g_assert_true (tern_test_ui_wait_for (window_inactive_cb, f->window, 10));
  count.n = 3;
  append (f, "Lunch-on-Friday");
  g_assert_true (tern_test_ui_wait_for (n_messages_cb, &count, 30));
  g_assert_true (tern_test_ui_wait_for (notified_cb, f, 10));
  g_assert_cmpuint (f->sent->len, ==, 1);
  g_assert_cmpstr (f->sent->pdata[0], ==, "new-mail");
  g_assert_cmpuint (shown_notifications->len, ==, 1);
  shown = shown_notifications->pdata[0];
  /* One message: who it is from, and what about. */
  g_assert_cmpstr (shown->summary, ==, "Bob");
  g_assert_cmpstr (shown->body, ==, "Lunch-on-Friday");
  g_assert_true (has_button (shown, "Mark as Read"));
  g_assert_true (has_button (shown, "Archive"));

  /* A session with no notification service: nothing is sent, and nothing warns (the test
   * runs with fatal warnings; GLib's own backend would warn). */
  own_notifications (FALSE);
  count.n = 4;
  f->new_mail_wanted = f->new_mail + 1;
  append (f, "Nobody-to-tell");
  g_assert_true (tern_test_ui_wait_for (n_messages_cb, &count, 30));
  /* The window heard of it, and had nobody to tell. */
  g_assert_true (tern_test_ui_wait_for (new_mail_heard_cb, f, 30));
  g_assert_cmpuint (f->sent->len, ==, 1);
  own_notifications (TRUE);
}

/* The buttons act without the window: "Mark as Read" on one message, "Archive" on a batch. */

typedef struct
{
  Fixture    *f;
  const char *subject;
  const char *flag;         /* must be in its flags; NULL: it must be in the special folder */
  const char *special_use;
} MessageState;

static gboolean
message_state_cb (gpointer data)
{
  MessageState *s = data;
  g_autoptr(GPtrArray) folders = tern_store_list_folders_uncounted (s->f->store, s->f->ids.account, NULL);

  for (guint i = 0; folders != NULL && i < folders->len; i++)
    {
      TernFolder *folder = folders->pdata[i];
      g_autoptr(GPtrArray) messages = tern_store_list_messages (s->f->store, folder->id, 0, NULL);

      for (guint j = 0; messages != NULL && j < messages->len; j++)
        {
          TernMessage *m = messages->pdata[j];

          if (g_strcmp0 (m->subject, s->subject) != 0)
            continue;
          if (s->flag != NULL)
            return m->flags != NULL && strstr (m->flags, s->flag) != NULL;
          return g_strcmp0 (folder->special_use, s->special_use) == 0;
        }
    }
  return FALSE;
}

typedef struct
{
  TernTestServer *server;
  const char     *mailbox;
  const char     *criteria;
} ServerCount;

static gboolean
server_has_cb (gpointer data)
{
  ServerCount *c = data;

  return tern_test_server_count_messages (c->server, "alice", c->mailbox, c->criteria) == 1;
}

static gboolean
n_shown_cb (gpointer data)
{
  return shown_notifications->len >= GPOINTER_TO_UINT (data);
}

void
test_notification_buttons (Fixture       *f,
                           gconstpointer  data)
{
  Count count = { f, 1 };
  MessageState state = { f, NULL, NULL, NULL };
  ServerCount on_server = { f->server, NULL, NULL };
  Shown *shown;

  append (f, "Already-there");
  add_fixture_account (f);
  start_app (f, FALSE);
  g_assert_true (tern_test_ui_wait_for (messages_listed_cb, f, 60));
  f->other = gtk_window_new ();
  gtk_window_set_title (GTK_WINDOW (f->other), "Another application");
  gtk_window_present (GTK_WINDOW (f->other));
  g_assert_true (tern_test_ui_wait_for (window_inactive_cb, f->window, 10));

  /* One message; "Mark as Read" reads it, in the cache and then on the server. */
  count.n = 2;
  append (f, "Read-me-later");
  g_assert_true (tern_test_ui_wait_for (n_messages_cb, &count, 30));
  g_assert_true (tern_test_ui_wait_for (n_shown_cb, GUINT_TO_POINTER (1), 10));
  shown = shown_notifications->pdata[0];
  g_assert_cmpstr (shown->summary, ==, "Bob");
  press_button (shown, "Mark as Read");
  state = (MessageState) { f, "Read-me-later", "\\Seen", NULL };
  g_assert_true (tern_test_ui_wait_for (message_state_cb, &state, 10));
  on_server = (ServerCount) { f->server, "INBOX", "HEADER Message-ID <Read-me-later@example.org> SEEN" };
  g_assert_true (tern_test_ui_wait_for (server_has_cb, &on_server, 30));

  /* Two at once: one notification for the batch, listing both; "Archive" files both. */
  clear_notifications ();
  append (f, "Invoice-March");
  append (f, "Invoice-April");
  count.n = 4;
  g_assert_true (tern_test_ui_wait_for (n_messages_cb, &count, 30));
  g_assert_true (tern_test_ui_wait_for (n_shown_cb, GUINT_TO_POINTER (1), 10));
  shown = shown_notifications->pdata[shown_notifications->len - 1];
  /* The sync may have brought them in one batch or two: a batch of two lists both. */
  if (strstr (shown->summary, "2 new messages") != NULL)
    {
      g_assert_nonnull (strstr (shown->body, "Bob: Invoice-March"));
      g_assert_nonnull (strstr (shown->body, "Bob: Invoice-April"));
    }
  else
    g_assert_cmpstr (shown->body, ==, "Invoice-April");
  press_button (shown, "Archive");
  state = (MessageState) { f, "Invoice-April", NULL, "\\Archive" };
  g_assert_true (tern_test_ui_wait_for (message_state_cb, &state, 10));
  on_server = (ServerCount) { f->server, "Archive", "HEADER Message-ID <Invoice-April@example.org>" };
  g_assert_true (tern_test_ui_wait_for (server_has_cb, &on_server, 30));
  if (strstr (shown->summary, "2 new messages") != NULL)
    {
      state.subject = "Invoice-March";
      g_assert_true (tern_test_ui_wait_for (message_state_cb, &state, 10));
    }
  /* All of it without the window: it still does not have the focus. */
  g_assert_false (gtk_window_is_active (GTK_WINDOW (f->window)));
}
