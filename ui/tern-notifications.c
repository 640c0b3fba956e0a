/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "tern-app"

#include "config.h"

#include "tern-notifications.h"

#include <glib/gi18n.h>

#include "tern-mail-service.h"

/* Lines of "Sender: Subject" a notification of several messages lists. */
#define LISTED 3

static char *
sender_of (const TernMessage *m)
{
  if (m->from_name != NULL && *m->from_name != '\0')
    return g_strdup (m->from_name);
  if (m->from_addr != NULL && *m->from_addr != '\0')
    return g_strdup (m->from_addr);
  return g_strdup (_("Unknown sender"));
}

static const char *
subject_of (const TernMessage *m)
{
  return m->subject != NULL && *m->subject != '\0' ? m->subject : _("(No Subject)");
}

/* Whether every message's account has an Archive folder. */
static gboolean
can_archive (TernStore *store,
             GPtrArray *messages)
{
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);

  for (guint i = 0; i < messages->len; i++)
    {
      TernMessage *m = messages->pdata[i];
      g_autoptr(TernFolder) folder = tern_store_get_folder_by_id (store, m->folder_id, NULL);
      g_autoptr(GPtrArray) folders = NULL;
      gboolean found = FALSE;

      if (folder == NULL)
        return FALSE;
      if (g_hash_table_contains (seen, &folder->account_id))
        continue;
      folders = tern_store_list_folders_uncounted (store, folder->account_id, NULL);
      for (guint j = 0; folders != NULL && j < folders->len && !found; j++)
        found = g_strcmp0 (((TernFolder *) folders->pdata[j])->special_use, "\\Archive") == 0;
      if (!found)
        return FALSE;
      g_hash_table_add (seen, g_memdup2 (&folder->account_id, sizeof (gint64)));
    }
  return TRUE;
}

void
tern_notifications_new_mail (TernApplication *app,
                             guint            count,
                             const char      *subject,
                             GArray          *ids)
{
  TernStore *store = tern_application_get_store (app);
  g_autoptr(GPtrArray) messages = g_ptr_array_new_with_free_func ((GDestroyNotify) tern_message_free);
  g_autoptr(GNotification) notification = NULL;
  g_autofree char *title = NULL;
  g_autoptr(GString) body = g_string_new (NULL);
  GVariant *target;

  /* The newest first: those are the ones listed. */
  for (guint i = ids != NULL ? ids->len : 0; i > 0 && store != NULL; i--)
    {
      TernMessage *m = tern_store_get_message (store, g_array_index (ids, gint64, i - 1), NULL);

      if (m != NULL)
        g_ptr_array_add (messages, m);
    }
  if (messages->len == 1)
    {
      TernMessage *m = messages->pdata[0];

      title = sender_of (m);
      g_string_append (body, subject_of (m));
    }
  else
    {
      title = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u new message", "%u new messages", count), count);
      for (guint i = 0; i < messages->len && i < LISTED; i++)
        {
          TernMessage *m = messages->pdata[i];
          g_autofree char *sender = sender_of (m);

          if (body->len > 0)
            g_string_append_c (body, '\n');
          /* TRANSLATORS: one line of a new-mail notification: "sender: subject" */
          g_string_append_printf (body, _("%s: %s"), sender, subject_of (m));
        }
      if (messages->len > LISTED)
        {
          guint more = messages->len - LISTED;

          g_string_append_c (body, '\n');
          g_string_append_printf (body, g_dngettext (GETTEXT_PACKAGE, "and %u more", "and %u more", more), more);
        }
      if (messages->len == 0 && subject != NULL)
        g_string_append (body, subject);
    }
  notification = g_notification_new (title);
  if (body->len > 0)
    g_notification_set_body (notification, body->str);
  /* No default action: clicking it activates the application, which presents the window.
   * The buttons act on the messages named, wherever the window is. */
  if (messages->len > 0)
    {
      g_autoptr(GArray) named = g_array_new (FALSE, FALSE, sizeof (gint64));

      for (guint i = 0; i < messages->len; i++)
        g_array_append_val (named, ((TernMessage *) messages->pdata[i])->id);
      target = g_variant_new_fixed_array (G_VARIANT_TYPE_INT64, named->data, named->len, sizeof (gint64));
      g_variant_ref_sink (target);
      g_notification_add_button_with_target_value (notification, _("Mark as Read"),
                                                   "app.notification-mark-read", target);
      if (can_archive (store, messages))
        g_notification_add_button_with_target_value (notification, _("Archive"),
                                                     "app.notification-archive", target);
      g_variant_unref (target);
    }
  tern_application_send_notification (app, "new-mail", notification);
}

static GArray *
ids_of (GVariant *parameter)
{
  gsize n = 0;
  const gint64 *ids = g_variant_get_fixed_array (parameter, &n, sizeof (gint64));
  GArray *array = g_array_sized_new (FALSE, FALSE, sizeof (gint64), (guint) n);

  g_array_append_vals (array, ids, (guint) n);
  return array;
}

/* A button's action failed: the user pressed it in the desktop's notification, so that is
 * where the reason goes. */
static void
tell_failure (TernApplication *app,
              const char      *what,
              const GError    *error)
{
  g_autoptr(GNotification) notification = g_notification_new (what);

  g_notification_set_body (notification, error->message);
  tern_application_send_notification (app, "action-failed", notification);
}

static void
mark_read_cb (GSimpleAction *action,
              GVariant      *parameter,
              gpointer       data)
{
  TernApplication *app = data;
  g_autoptr(GArray) ids = ids_of (parameter);
  g_autoptr(GError) error = NULL;

  g_application_withdraw_notification (G_APPLICATION (app), "new-mail");
  if (!tern_mail_service_mark_read (tern_application_get_mail_service (app), ids, &error))
    tell_failure (app, _("Could not mark the messages as read"), error);
}

static void
archive_cb (GSimpleAction *action,
            GVariant      *parameter,
            gpointer       data)
{
  TernApplication *app = data;
  g_autoptr(GArray) ids = ids_of (parameter);
  g_autoptr(GError) error = NULL;

  g_application_withdraw_notification (G_APPLICATION (app), "new-mail");
  if (tern_mail_service_archive (tern_application_get_mail_service (app), ids, &error) == 0 && error != NULL)
    tell_failure (app, _("Could not archive the messages"), error);
}

void
tern_notifications_add_actions (TernApplication *app)
{
  static const GActionEntry entries[] = {
    { "notification-mark-read", mark_read_cb, "ax", NULL, NULL, { 0 } },
    { "notification-archive", archive_cb, "ax", NULL, NULL, { 0 } },
  };

  g_action_map_add_action_entries (G_ACTION_MAP (app), entries, G_N_ELEMENTS (entries), app);
}
