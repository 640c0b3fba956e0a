/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "tern-folder-dialogs"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "tern-folder-dialogs.h"
#include "tern-move-popover.h"
#include "tern-share-dialog.h"

/* Manage Subscriptions. */

typedef struct
{
  TernMailService *service;   /* owned */
  GtkWidget       *list;
  GtkWidget       *search;
  GtkWidget       *error;
  gboolean         reverting;
} Subscriptions;

static void
subscriptions_free (gpointer data)
{
  Subscriptions *s = data;

  g_clear_object (&s->service);
  g_free (s);
}

static void
subscribe_switched_cb (GtkSwitch     *toggle,
                       GParamSpec    *pspec,
                       Subscriptions *s)
{
  g_autoptr(GError) error = NULL;
  gint64 folder_id = GPOINTER_TO_SIZE (g_object_get_data (G_OBJECT (toggle), "folder-id"));
  gboolean active = gtk_switch_get_active (toggle);

  if (s->reverting)
    return;
  if (tern_mail_service_folder_subscribe (s->service, folder_id, active, &error) == 0 && error != NULL)
    {
      /* Refused (the folder went meanwhile): the switch says what is. */
      gtk_label_set_text (GTK_LABEL (s->error), error->message);
      gtk_widget_set_visible (s->error, TRUE);
      s->reverting = TRUE;
      gtk_switch_set_active (toggle, !active);
      s->reverting = FALSE;
      return;
    }
  gtk_widget_set_visible (s->error, FALSE);
}

static int
compare_display (gconstpointer a,
                 gconstpointer b)
{
  const TernFolder *fa = *(TernFolder **) a;
  const TernFolder *fb = *(TernFolder **) b;

  /* INBOX first, then the hierarchy in order. */
  if (g_ascii_strcasecmp (fa->name, "INBOX") == 0)
    return -1;
  if (g_ascii_strcasecmp (fb->name, "INBOX") == 0)
    return 1;
  return g_utf8_collate (fa->display_name, fb->display_name);
}

static GtkWidget *
subscription_row (Subscriptions    *s,
                  const TernFolder *folder)
{
  GtkWidget *row = adw_action_row_new ();
  GtkWidget *toggle = gtk_switch_new ();
  const char *sep = folder->delimiter && *folder->delimiter ? folder->delimiter : NULL;
  const char *leaf = sep ? g_strrstr (folder->display_name, sep) : NULL;
  gboolean inbox = g_ascii_strcasecmp (folder->name, "INBOX") == 0;

  leaf = leaf != NULL ? leaf + strlen (sep) : folder->display_name;
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), inbox ? _("Inbox") : leaf);
  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  if (leaf != folder->display_name)
    adw_action_row_set_subtitle (ADW_ACTION_ROW (row), folder->display_name);
  gtk_widget_set_valign (toggle, GTK_ALIGN_CENTER);
  gtk_switch_set_active (GTK_SWITCH (toggle), folder->subscribed || inbox);
  /* INBOX is always there. */
  gtk_widget_set_sensitive (toggle, !inbox);
  gtk_widget_set_name (toggle, "subscribed");
  gtk_accessible_update_property (GTK_ACCESSIBLE (toggle), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  folder->display_name, -1);
  g_object_set_data (G_OBJECT (toggle), "folder-id", GSIZE_TO_POINTER ((gsize) folder->id));
  g_signal_connect (toggle, "notify::active", G_CALLBACK (subscribe_switched_cb), s);
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), toggle);
  adw_action_row_set_activatable_widget (ADW_ACTION_ROW (row), toggle);
  g_object_set_data_full (G_OBJECT (row), "path", g_strdup (folder->display_name), g_free);
  g_object_set_data_full (G_OBJECT (row), "name", g_strdup (folder->name), g_free);
  return row;
}

GtkWindow *
tern_subscriptions_dialog_new (GtkWindow       *parent,
                               TernMailService *service,
                               gint64           account_id)
{
  TernStore *store = tern_mail_service_get_store (service);
  g_autoptr(TernAccount) account = tern_store_get_account_by_id (store, account_id, NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) folders = tern_store_list_folders (store, account_id, &error);
  Subscriptions *s = g_new0 (Subscriptions, 1);
  GtkWidget *window = adw_window_new ();
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  GtkWidget *header = adw_header_bar_new ();
  GtkWidget *title = adw_window_title_new (_("Subscriptions"), account ? account->name : "");
  GtkWidget *scrolled = gtk_scrolled_window_new ();
  GtkWidget *clamp = adw_clamp_new ();
  GtkWidget *content = gtk_box_new (GTK_ORIENTATION_VERTICAL, 12);
  GtkWidget *intro = gtk_label_new (_("Subscribed folders show in the folder list and are kept in sync."));
  GtkWidget *placeholder = gtk_label_new (_("No folder matches"));

  s->service = g_object_ref (service);
  g_object_set_data_full (G_OBJECT (window), "tern-subscriptions", s, subscriptions_free);
  gtk_window_set_title (GTK_WINDOW (window), _("Subscriptions"));
  gtk_window_set_default_size (GTK_WINDOW (window), 460, 580);
  gtk_window_set_modal (GTK_WINDOW (window), parent != NULL);
  gtk_window_set_transient_for (GTK_WINDOW (window), parent);
  gtk_window_set_destroy_with_parent (GTK_WINDOW (window), TRUE);

  adw_header_bar_set_title_widget (ADW_HEADER_BAR (header), title);
  gtk_box_append (GTK_BOX (box), header);

  s->search = gtk_search_entry_new ();
  gtk_widget_set_name (s->search, "subscriptions-search");
  g_object_set (s->search, "placeholder-text", _("Search folders"), NULL);

  gtk_label_set_wrap (GTK_LABEL (intro), TRUE);
  gtk_label_set_xalign (GTK_LABEL (intro), 0);
  gtk_widget_add_css_class (intro, "dim-label");
  s->error = gtk_label_new (NULL);
  gtk_label_set_wrap (GTK_LABEL (s->error), TRUE);
  gtk_label_set_xalign (GTK_LABEL (s->error), 0);
  gtk_widget_add_css_class (s->error, "error");
  gtk_widget_set_name (s->error, "subscriptions-error");
  gtk_widget_set_visible (s->error, FALSE);

  s->list = gtk_list_box_new ();
  gtk_widget_set_name (s->list, "subscriptions-list");
  gtk_list_box_set_selection_mode (GTK_LIST_BOX (s->list), GTK_SELECTION_NONE);
  gtk_widget_add_css_class (s->list, "boxed-list");
  gtk_widget_add_css_class (placeholder, "dim-label");
  gtk_widget_set_margin_top (placeholder, 12);
  gtk_widget_set_margin_bottom (placeholder, 12);
  gtk_list_box_set_placeholder (GTK_LIST_BOX (s->list), placeholder);
  tern_folder_list_filter_by_entry (GTK_LIST_BOX (s->list), GTK_SEARCH_ENTRY (s->search));
  if (folders != NULL)
    {
      g_ptr_array_sort (folders, compare_display);
      for (guint i = 0; i < folders->len; i++)
        {
          const TernFolder *folder = folders->pdata[i];

          /* A folder whose deletion waits for the server is gone for the user. */
          if (folder->local_state == TERN_FOLDER_DELETED_HERE)
            continue;
          gtk_list_box_append (GTK_LIST_BOX (s->list), subscription_row (s, folder));
        }
    }
  else
    {
      gtk_label_set_text (GTK_LABEL (s->error), error->message);
      gtk_widget_set_visible (s->error, TRUE);
    }

  gtk_widget_set_margin_top (content, 12);
  gtk_widget_set_margin_bottom (content, 18);
  gtk_widget_set_margin_start (content, 12);
  gtk_widget_set_margin_end (content, 12);
  gtk_box_append (GTK_BOX (content), s->search);
  gtk_box_append (GTK_BOX (content), intro);
  gtk_box_append (GTK_BOX (content), s->error);
  gtk_box_append (GTK_BOX (content), s->list);
  adw_clamp_set_child (ADW_CLAMP (clamp), content);
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scrolled), clamp);
  gtk_scrolled_window_set_policy (GTK_SCROLLED_WINDOW (scrolled), GTK_POLICY_NEVER, GTK_POLICY_AUTOMATIC);
  gtk_widget_set_vexpand (scrolled, TRUE);
  gtk_box_append (GTK_BOX (box), scrolled);
  adw_window_set_content (ADW_WINDOW (window), box);
  gtk_window_present (GTK_WINDOW (window));
  gtk_widget_grab_focus (s->search);
  return GTK_WINDOW (window);
}

/* Folder Properties. */

typedef struct
{
  TernMailService *service;   /* owned */
  gint64           folder_id;
  gint64           account_id;
  GtkWidget       *window;
} Properties;

static void
properties_free (gpointer data)
{
  Properties *p = data;

  g_clear_object (&p->service);
  g_free (p);
}

static GtkWidget *
info_row (GtkWidget  *group,
          const char *name,
          const char *title,
          const char *value)
{
  GtkWidget *row = adw_action_row_new ();

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), value);
  gtk_widget_set_name (row, name);
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (group), row);
  return row;
}

static GtkWidget *
switch_row (GtkWidget  *group,
            const char *name,
            const char *title,
            const char *subtitle,
            gboolean    active)
{
  GtkWidget *row = adw_action_row_new ();
  GtkWidget *toggle = gtk_switch_new ();

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
  gtk_widget_set_valign (toggle, GTK_ALIGN_CENTER);
  gtk_switch_set_active (GTK_SWITCH (toggle), active);
  gtk_widget_set_name (toggle, name);
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), toggle);
  adw_action_row_set_activatable_widget (ADW_ACTION_ROW (row), toggle);
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (group), row);
  return toggle;
}

static void
offline_switched_cb (GtkSwitch  *toggle,
                     GParamSpec *pspec,
                     Properties *p)
{
  TernStore *store = tern_mail_service_get_store (p->service);
  g_autoptr(GError) error = NULL;
  TernAccountWorker *worker;

  if (!tern_store_set_offline_policy (store, p->account_id, p->folder_id, -1, -1,
                                      gtk_switch_get_active (toggle), -1, &error))
    {
      g_warning ("Cannot keep the folder offline: %s", error->message);
      return;
    }
  /* The worker fetches what the folder now wants kept. */
  worker = tern_mail_service_get_worker (p->service, p->account_id);
  if (worker != NULL)
    tern_account_worker_reload_account (worker);
}

static void
notify_switched_cb (GtkSwitch  *toggle,
                    GParamSpec *pspec,
                    Properties *p)
{
  g_autoptr(GError) error = NULL;

  if (!tern_store_set_folder_notify (tern_mail_service_get_store (p->service), p->folder_id,
                                     gtk_switch_get_active (toggle), &error))
    g_warning ("Cannot keep the notification setting: %s", error->message);
}

static void
share_clicked_cb (Properties *p)
{
  TernShareDialog *dialog = tern_share_dialog_new (GTK_WINDOW (p->window), p->service, p->folder_id);

  gtk_window_present (GTK_WINDOW (dialog));
}

static char *
count_text (guint n)
{
  return g_strdup_printf ("%u", n);
}

GtkWindow *
tern_folder_properties_new (GtkWindow       *parent,
                            TernMailService *service,
                            gint64           folder_id)
{
  TernStore *store = tern_mail_service_get_store (service);
  g_autoptr(TernFolder) folder = tern_store_get_folder_by_id (store, folder_id, NULL);
  g_autoptr(TernAccount) account = NULL;
  Properties *p;
  GtkWidget *window, *page, *group, *button, *row;
  guint total = 0, unread = 0, known = 0;
  guint64 bytes = 0;
  g_autofree char *total_text = NULL;
  g_autofree char *unread_text = NULL;
  g_autofree char *size_text = NULL;
  const char *sep, *leaf;
  gboolean inbox, personal;

  if (folder == NULL)
    return NULL;
  account = tern_store_get_account_by_id (store, folder->account_id, NULL);
  inbox = g_ascii_strcasecmp (folder->name, "INBOX") == 0;
  personal = folder->namespace_kind == NULL || g_strcmp0 (folder->namespace_kind, "personal") == 0;
  sep = folder->delimiter && *folder->delimiter ? folder->delimiter : NULL;
  leaf = sep ? g_strrstr (folder->display_name, sep) : NULL;
  leaf = leaf != NULL ? leaf + strlen (sep) : (inbox ? _("Inbox") : folder->display_name);

  p = g_new0 (Properties, 1);
  p->service = g_object_ref (service);
  p->folder_id = folder->id;
  p->account_id = folder->account_id;
  window = adw_preferences_window_new ();
  p->window = window;
  g_object_set_data_full (G_OBJECT (window), "tern-properties", p, properties_free);
  adw_preferences_window_set_search_enabled (ADW_PREFERENCES_WINDOW (window), FALSE);
  gtk_window_set_title (GTK_WINDOW (window), _("Folder Properties"));
  gtk_window_set_default_size (GTK_WINDOW (window), 480, 640);
  gtk_window_set_modal (GTK_WINDOW (window), parent != NULL);
  gtk_window_set_transient_for (GTK_WINDOW (window), parent);
  gtk_window_set_destroy_with_parent (GTK_WINDOW (window), TRUE);

  page = adw_preferences_page_new ();
  adw_preferences_window_add (ADW_PREFERENCES_WINDOW (window), ADW_PREFERENCES_PAGE (page));

  group = adw_preferences_group_new ();
  adw_preferences_page_add (ADW_PREFERENCES_PAGE (page), ADW_PREFERENCES_GROUP (group));
  info_row (group, "folder-name", _("Name"), leaf);
  info_row (group, "folder-path", _("Location"), folder->display_name);
  if (account != NULL)
    info_row (group, "folder-account", _("Account"), account->name);

  /* What the cache knows: the same counts the folder list shows. */
  tern_store_count_messages (store, folder->id, &total, &unread, NULL);
  tern_store_folder_size (store, folder->id, &bytes, &known, NULL);
  total_text = count_text (total);
  unread_text = count_text (unread);
  size_text = g_format_size (bytes);
  group = adw_preferences_group_new ();
  adw_preferences_group_set_title (ADW_PREFERENCES_GROUP (group), _("Contents"));
  adw_preferences_page_add (ADW_PREFERENCES_PAGE (page), ADW_PREFERENCES_GROUP (group));
  info_row (group, "folder-total", _("Messages"), total_text);
  info_row (group, "folder-unread", _("Unread"), unread_text);
  row = info_row (group, "folder-size", _("Size on Server"), size_text);
  if (known < total)
    adw_action_row_set_subtitle (ADW_ACTION_ROW (row), _("Not known until the folder is synchronised"));

  group = adw_preferences_group_new ();
  adw_preferences_group_set_title (ADW_PREFERENCES_GROUP (group), _("On This Computer"));
  adw_preferences_page_add (ADW_PREFERENCES_PAGE (page), ADW_PREFERENCES_GROUP (group));
  g_signal_connect (switch_row (group, "folder-offline", _("Make Available Offline"),
                                _("Keep every message and attachment, not only recent ones"),
                                folder->offline_full),
                    "notify::active", G_CALLBACK (offline_switched_cb), p);
  g_signal_connect (switch_row (group, "folder-notify", _("Notify of New Mail"),
                                _("A desktop notification when mail arrives in this folder"),
                                tern_store_get_folder_notify (store, folder->id)),
                    "notify::active", G_CALLBACK (notify_switched_cb), p);

  if (personal)
    {
      group = adw_preferences_group_new ();
      adw_preferences_group_set_title (ADW_PREFERENCES_GROUP (group), _("Sharing"));
      adw_preferences_page_add (ADW_PREFERENCES_PAGE (page), ADW_PREFERENCES_GROUP (group));
      row = adw_action_row_new ();
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), _("People With Access"));
      adw_action_row_set_subtitle (ADW_ACTION_ROW (row), _("Who can read or file mail in this folder"));
      button = gtk_button_new_with_mnemonic (_("_Share…"));
      gtk_widget_set_name (button, "folder-share");
      gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
      g_signal_connect_swapped (button, "clicked", G_CALLBACK (share_clicked_cb), p);
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), button);
      adw_action_row_set_activatable_widget (ADW_ACTION_ROW (row), button);
      adw_preferences_group_add (ADW_PREFERENCES_GROUP (group), row);
    }

  gtk_window_present (GTK_WINDOW (window));
  return GTK_WINDOW (window);
}
