/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "tern-share-dialog"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "tern-dialog-frame.h"
#include "tern-mail-service.h"
#include "tern-share-dialog.h"
#include "tern-sync-acl.h"

/*
 * "Share Folder": the user's own rights in words, everyone else's (when the user may see
 * them: the 'a' right), and a form to share with someone by preset. A change is queued
 * through the mail service at once and shown as waiting until the server has it. Widgets
 * carry names for the tests.
 */

struct _TernShareDialog
{
  AdwWindow             parent_instance;

  AdwToastOverlay      *toasts;
  GtkStack             *stack;
  GtkLabel             *mine_label;
  AdwPreferencesGroup  *people_group;
  AdwPreferencesGroup  *share_group;
  GtkWidget            *user_row;
  AdwComboRow          *preset_row;
  GtkWidget            *share_button;
  GtkLabel             *hint_label;   /* what the server makes of the preset */
  GtkLabel             *error_label;
  GtkSwitch            *notify_switch;

  GPtrArray            *rows;
  GHashTable           *pending;      /* identifier -> rights ("" removed), queued here */
  GPtrArray            *acl;          /* TernImapAclEntry as read */
  GHashTable           *allowed;      /* identifier -> LISTRIGHTS as GStrv: [0] always, then groups */
  char                 *db_path;
  char                 *account_name;
  char                 *owner_user;   /* the account's login: its own entry is not offered */
  GCancellable         *cancellable;
  gboolean              loaded;
  gboolean              may_share;

  TernMailService      *service;
  TernStore            *store;        /* the service's */
  gint64                folder_id;
  char                 *folder_name;
  char                 *folder_display;
};

G_DEFINE_FINAL_TYPE (TernShareDialog, tern_share_dialog, ADW_TYPE_WINDOW)

static const char *preset_names[] = { "read", "triage", "full" };
static const char *preset_labels[] = { N_("Read"), N_("Read and triage"), N_("Full access"), NULL };

static void fill (TernShareDialog *self);
static void update_hint (TernShareDialog *self);

/* The rights to send for a preset (fitted to what LISTRIGHTS allows for identifier: rights
 * the server grants only together come along), or NULL when the server cannot grant them:
 * *reason_out says why. (transfer full) */
static char *
fit_for (TernShareDialog  *self,
         const char       *identifier,
         const char       *rights,
         char            **reason_out)
{
  GStrv allowed = NULL;
  g_autofree char *missing = NULL;
  g_autofree char *words = NULL;
  char *fitted;

  if (self->allowed != NULL && (allowed = g_hash_table_lookup (self->allowed, identifier)) == NULL)
    allowed = g_hash_table_lookup (self->allowed, "anyone");
  if (allowed == NULL)
    return g_strdup (rights);
  fitted = tern_acl_fit_rights (rights, allowed[0], (const char * const *) allowed + 1, &missing);
  if (fitted == NULL && reason_out != NULL)
    {
      words = tern_acl_describe_abilities (missing);
      *reason_out = words ? g_strdup_printf (_("The server does not let others %s in this folder"), words)
                          : g_strdup_printf (_("The server cannot grant the rights “%s” in this folder"), missing);
    }
  return fitted;
}

typedef struct
{
  char      *db_path;
  char      *account_name;
  char      *folder_name;
  char      *owner_user;
  GPtrArray *acl;
  char      *mine;
  GHashTable *allowed;
  GError    *error;
} Load;

static void
load_free (Load *load)
{
  g_free (load->db_path);
  g_free (load->account_name);
  g_free (load->folder_name);
  g_free (load->owner_user);
  g_clear_pointer (&load->acl, g_ptr_array_unref);
  g_clear_pointer (&load->allowed, g_hash_table_unref);
  g_free (load->mine);
  g_clear_error (&load->error);
  g_free (load);
}

static void
load_thread (GTask        *task,
             gpointer      source,
             gpointer      data,
             GCancellable *cancellable)
{
  Load *load = data;
  g_autoptr(TernStore) store = tern_store_open (load->db_path, &load->error);
  g_autoptr(TernAccount) account = NULL;
  g_autoptr(TernFolder) folder = NULL;
  g_autoptr(TernSync) sync = NULL;

  if (store == NULL || (account = tern_store_get_account (store, load->account_name, &load->error)) == NULL ||
      (folder = tern_store_get_folder (store, account->id, load->folder_name, &load->error)) == NULL)
    return;
  sync = tern_sync_new (store, account);
  tern_sync_set_timeout (sync, 20);
  load->acl = tern_sync_get_acl (sync, folder, &load->mine, &load->error);
  if (load->acl == NULL || strchr (load->mine, 'a') == NULL)
    return;

  /* What the server lets each person be given (RFC 4314 LISTRIGHTS); "anyone" stands for a
   * colleague not yet listed. Without an answer the server decides when the change is sent. */
  load->allowed = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) g_strfreev);
  for (guint i = 0; i <= load->acl->len; i++)
    {
      const char *identifier = i == load->acl->len ? "anyone"
                                                   : ((TernImapAclEntry *) load->acl->pdata[i])->identifier;
      g_autofree char *required = NULL;
      g_auto(GStrv) optional = NULL;
      g_autoptr(GStrvBuilder) answer = g_strv_builder_new ();

      if (identifier[0] == '-' || g_strcmp0 (identifier, load->owner_user) == 0 ||
          g_hash_table_contains (load->allowed, identifier) ||
          !tern_sync_list_rights (sync, folder, identifier, &required, &optional, NULL))
        continue;
      g_strv_builder_add (answer, required);
      g_strv_builder_addv (answer, (const char **) optional);
      g_hash_table_insert (load->allowed, g_strdup (identifier), g_strv_builder_end (answer));
    }
}

static void
load_done_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      data)
{
  TernShareDialog *self = TERN_SHARE_DIALOG (source);
  Load *load = g_task_get_task_data (G_TASK (result));
  g_autofree char *words = NULL;

  if (g_cancellable_is_cancelled (self->cancellable))
    return;
  self->loaded = TRUE;
  gtk_stack_set_visible_child_name (self->stack, "page");
  if (load->acl == NULL)
    {
      gtk_label_set_text (self->mine_label, load->error->message);
      gtk_widget_add_css_class (GTK_WIDGET (self->mine_label), "warning");
      gtk_widget_set_visible (GTK_WIDGET (self->people_group), FALSE);
      gtk_widget_set_visible (GTK_WIDGET (self->share_group), FALSE);
      return;
    }
  words = tern_acl_describe (_("You"), load->mine);
  gtk_label_set_text (self->mine_label, words);
  self->may_share = strchr (load->mine, 'a') != NULL;
  if (!self->may_share)
    {
      g_autofree char *title = g_strdup_printf (_("Access to “%s”"), self->folder_display);

      gtk_window_set_title (GTK_WINDOW (self), title);
    }
  self->acl = g_steal_pointer (&load->acl);
  self->allowed = g_steal_pointer (&load->allowed);
  fill (self);
  update_hint (self);
}

/* New-mail notifications: this machine's setting, not the server's. */
static void
notify_changed_cb (GtkSwitch       *sw,
                   GParamSpec      *pspec,
                   TernShareDialog *self)
{
  g_autoptr(GError) error = NULL;
  gboolean active = gtk_switch_get_active (sw);

  if (active == tern_store_get_folder_notify (self->store, self->folder_id))
    return;
  if (!tern_store_set_folder_notify (self->store, self->folder_id, active, &error))
    adw_toast_overlay_add_toast (self->toasts, adw_toast_new (error->message));
}

/* Changes, through the mail service. */

static void
queue_share (TernShareDialog *self,
             const char      *identifier,
             const char      *rights)
{
  g_autoptr(GError) error = NULL;

  if (!tern_mail_service_folder_share (self->service, self->folder_id, identifier, rights, &error))
    {
      adw_toast_overlay_add_toast (self->toasts, adw_toast_new (error->message));
      return;
    }
  g_hash_table_insert (self->pending, g_strdup (identifier), g_strdup (rights ? rights : ""));
  fill (self);
}

static void
share_cb (TernShareDialog *self)
{
  g_autofree char *user = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->user_row))));
  guint preset = adw_combo_row_get_selected (self->preset_row);

  gtk_label_set_text (self->error_label, "");
  if (*user == '\0' || strchr (user, ' ') != NULL || user[0] == '-')
    {
      gtk_label_set_text (self->error_label, _("Type the login name of a colleague on the same mail server, or “anyone”"));
      return;
    }
  if (g_strcmp0 (user, self->owner_user) == 0)
    {
      gtk_label_set_text (self->error_label, _("This is your own folder: you already have every right"));
      return;
    }
  {
    g_autofree char *reason = NULL;
    g_autofree char *rights = fit_for (self, user, tern_acl_preset_rights (preset_names[MIN (preset, 2u)]), &reason);

    if (rights == NULL)
      {
        gtk_label_set_text (self->error_label, reason);
        return;
      }
    queue_share (self, user, rights);
  }
  gtk_editable_set_text (GTK_EDITABLE (self->user_row), "");
}

/* The preset chosen for a new share: as the server can grant it to whom is typed, adapted, or
 * not at all (then Share is off, and the subtitle says why). */
static void
update_hint (TernShareDialog *self)
{
  g_autofree char *user = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->user_row))));
  guint preset = MIN (adw_combo_row_get_selected (self->preset_row), 2u);
  const char *rights = tern_acl_preset_rights (preset_names[preset]);
  g_autofree char *reason = NULL;
  g_autofree char *fitted = fit_for (self, *user ? user : "anyone", rights, &reason);
  g_autofree char *extra = fitted ? tern_acl_extra_rights (fitted, rights) : NULL;
  g_autofree char *subtitle = NULL;

  if (fitted == NULL)
    subtitle = g_strdup_printf (_("“%s” is not possible here. %s."), _(preset_labels[preset]), reason);
  else if (*extra != '\0')
    {
      g_autofree char *words = tern_acl_describe_abilities (extra);

      subtitle = words ? g_strdup_printf (_("The server grants this only together with more: they will also %s."), words)
                       : g_strdup_printf (_("The server adds rights it always grants here (“%s”)."), extra);
    }
  gtk_label_set_text (self->hint_label, subtitle ? subtitle : "");
  gtk_widget_set_visible (GTK_WIDGET (self->hint_label), subtitle != NULL);
  if (fitted == NULL)
    gtk_widget_add_css_class (GTK_WIDGET (self->hint_label), "warning");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self->hint_label), "warning");
  gtk_widget_set_sensitive (self->share_button, fitted != NULL);
  gtk_widget_set_tooltip_text (self->share_button, reason);
}

static void
remove_cb (GtkButton       *button,
           TernShareDialog *self)
{
  queue_share (self, g_object_get_data (G_OBJECT (button), "identifier"), NULL);
}

static void
preset_changed_cb (AdwComboRow     *row,
                   GParamSpec      *pspec,
                   TernShareDialog *self)
{
  const char *identifier = g_object_get_data (G_OBJECT (row), "identifier");
  guint preset = adw_combo_row_get_selected (row);
  g_autofree char *rights = NULL;
  g_autofree char *reason = NULL;

  if (identifier == NULL || preset >= G_N_ELEMENTS (preset_names) ||
      GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (row), "preset")) == preset)
    return;
  rights = fit_for (self, identifier, tern_acl_preset_rights (preset_names[preset]), &reason);
  if (rights == NULL)
    {
      /* Back to what they have, saying why. */
      adw_combo_row_set_selected (row, GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (row), "preset")));
      adw_toast_overlay_add_toast (self->toasts, adw_toast_new (reason));
      return;
    }
  g_object_set_data (G_OBJECT (row), "preset", GUINT_TO_POINTER (preset));
  if (!tern_mail_service_folder_share (self->service, self->folder_id, identifier, rights, NULL))
    return;
  /* The row is in the middle of a change: it stays, with new words. */
  {
    g_autofree char *words = tern_acl_describe (identifier, rights);
    g_autofree char *subtitle = g_strdup_printf (_("%s · waiting for the server"), words);

    adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
  }
  g_hash_table_insert (self->pending, g_strdup (identifier), g_strdup (rights));
}

/* The rights of a preset these are, or G_MAXUINT. */
static guint
preset_of (const char *rights)
{
  for (guint i = 0; i < G_N_ELEMENTS (preset_names); i++)
    {
      const char *preset = tern_acl_preset_rights (preset_names[i]);
      gboolean same = strlen (preset) > 0;

      /* Servers write the letters in their own order, and may add RFC 2086's c and d. */
      for (const char *p = "lrswipkxtea"; *p && same; p++)
        same = (strchr (preset, *p) != NULL) == (strchr (rights, *p) != NULL);
      if (same)
        return i;
    }
  return G_MAXUINT;
}

static void
add_person (TernShareDialog *self,
            const char      *identifier,
            const char      *rights,
            gboolean         waiting)
{
  gboolean me = g_strcmp0 (identifier, self->owner_user) == 0;
  g_autofree char *words = tern_acl_describe (me ? _("You") : identifier, rights);
  g_autofree char *title = me ? g_strdup_printf (_("You (%s)"), identifier) : g_strdup (identifier);
  g_autofree char *subtitle = NULL;
  GtkWidget *row;
  guint preset = preset_of (rights);

  subtitle = waiting ? g_strdup_printf (_("%s · waiting for the server"), words) : g_strdup (words);
  if (self->may_share && preset != G_MAXUINT && g_strcmp0 (identifier, self->owner_user) != 0)
    {
      g_autoptr(GtkStringList) labels = gtk_string_list_new (NULL);
      GtkWidget *remove = gtk_button_new_from_icon_name ("user-trash-symbolic");

      for (guint i = 0; preset_labels[i] != NULL; i++)
        gtk_string_list_append (labels, _(preset_labels[i]));
      row = adw_combo_row_new ();
      adw_combo_row_set_model (ADW_COMBO_ROW (row), G_LIST_MODEL (labels));
      adw_combo_row_set_selected (ADW_COMBO_ROW (row), preset);
      g_object_set_data (G_OBJECT (row), "preset", GUINT_TO_POINTER (preset));
      g_object_set_data_full (G_OBJECT (row), "identifier", g_strdup (identifier), g_free);
      g_signal_connect (row, "notify::selected", G_CALLBACK (preset_changed_cb), self);
      gtk_widget_set_valign (remove, GTK_ALIGN_CENTER);
      gtk_widget_add_css_class (remove, "flat");
      gtk_widget_set_tooltip_text (remove, _("Stop Sharing"));
      gtk_widget_set_name (remove, "person-remove");
      g_object_set_data_full (G_OBJECT (remove), "identifier", g_strdup (identifier), g_free);
      g_signal_connect (remove, "clicked", G_CALLBACK (remove_cb), self);
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), remove);
    }
  else if (self->may_share && g_strcmp0 (identifier, self->owner_user) != 0)
    {
      GtkWidget *remove = gtk_button_new_from_icon_name ("user-trash-symbolic");

      row = adw_action_row_new ();
      gtk_widget_set_valign (remove, GTK_ALIGN_CENTER);
      gtk_widget_add_css_class (remove, "flat");
      gtk_widget_set_tooltip_text (remove, _("Stop Sharing"));
      gtk_widget_set_name (remove, "person-remove");
      g_object_set_data_full (G_OBJECT (remove), "identifier", g_strdup (identifier), g_free);
      g_signal_connect (remove, "clicked", G_CALLBACK (remove_cb), self);
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), remove);
    }
  else
    row = adw_action_row_new ();
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
  gtk_widget_set_name (row, "person");
  adw_preferences_group_add (self->people_group, row);
  g_ptr_array_add (self->rows, row);
}

static void
fill (TernShareDialog *self)
{
  GHashTableIter iter;
  gpointer key, value;

  for (guint i = 0; i < self->rows->len; i++)
    adw_preferences_group_remove (self->people_group, self->rows->pdata[i]);
  g_ptr_array_set_size (self->rows, 0);
  gtk_widget_set_visible (GTK_WIDGET (self->share_group), self->may_share);
  if (!self->may_share)
    adw_preferences_group_set_description (self->people_group,
                                           _("Only someone who may share this folder sees who else can use it."));

  for (guint i = 0; self->acl != NULL && i < self->acl->len; i++)
    {
      TernImapAclEntry *e = self->acl->pdata[i];
      const char *queued = g_hash_table_lookup (self->pending, e->identifier);

      if (queued == NULL)
        add_person (self, e->identifier, e->rights, FALSE);
      else if (*queued != '\0')
        add_person (self, e->identifier, queued, TRUE);
    }
  g_hash_table_iter_init (&iter, self->pending);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      gboolean listed = FALSE;

      for (guint i = 0; self->acl != NULL && i < self->acl->len; i++)
        listed |= g_str_equal (((TernImapAclEntry *) self->acl->pdata[i])->identifier, key);
      if (!listed && *(const char *) value != '\0')
        add_person (self, key, value, TRUE);
    }
}

static void
tern_share_dialog_dispose (GObject *object)
{
  TernShareDialog *self = TERN_SHARE_DIALOG (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->service);
  G_OBJECT_CLASS (tern_share_dialog_parent_class)->dispose (object);
}

static void
tern_share_dialog_finalize (GObject *object)
{
  TernShareDialog *self = TERN_SHARE_DIALOG (object);

  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->rows, g_ptr_array_unref);
  g_clear_pointer (&self->pending, g_hash_table_unref);
  g_clear_pointer (&self->acl, g_ptr_array_unref);
  g_clear_pointer (&self->allowed, g_hash_table_unref);
  g_free (self->db_path);
  g_free (self->account_name);
  g_free (self->owner_user);
  g_free (self->folder_name);
  g_free (self->folder_display);
  G_OBJECT_CLASS (tern_share_dialog_parent_class)->finalize (object);
}

static void
tern_share_dialog_class_init (TernShareDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = tern_share_dialog_dispose;
  object_class->finalize = tern_share_dialog_finalize;
  gtk_widget_class_add_binding_action (GTK_WIDGET_CLASS (klass), GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
build (TernShareDialog *self)
{
  GtkWidget *page = adw_preferences_page_new ();
  GtkWidget *mine = GTK_WIDGET (adw_preferences_group_new ());
  g_autoptr(GtkStringList) labels = gtk_string_list_new (NULL);
  GtkWidget *button;

  self->stack = tern_dialog_frame_new (ADW_WINDOW (self), page, &self->toasts);

  self->mine_label = GTK_LABEL (gtk_label_new (NULL));
  gtk_label_set_wrap (self->mine_label, TRUE);
  gtk_label_set_xalign (self->mine_label, 0);
  gtk_widget_set_name (GTK_WIDGET (self->mine_label), "my-rights");
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (mine), GTK_WIDGET (self->mine_label));
  adw_preferences_page_add (ADW_PREFERENCES_PAGE (page), ADW_PREFERENCES_GROUP (mine));

  {
    GtkWidget *group = GTK_WIDGET (adw_preferences_group_new ());
    GtkWidget *row = adw_action_row_new ();

    adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), _("Notify of New Mail"));
    adw_action_row_set_subtitle (ADW_ACTION_ROW (row),
                                 _("A desktop notification when mail arrives in this folder while "
                                   "Tern is in the background"));
    self->notify_switch = GTK_SWITCH (gtk_switch_new ());
    gtk_widget_set_valign (GTK_WIDGET (self->notify_switch), GTK_ALIGN_CENTER);
    gtk_widget_set_name (GTK_WIDGET (self->notify_switch), "folder-notify");
    adw_action_row_add_suffix (ADW_ACTION_ROW (row), GTK_WIDGET (self->notify_switch));
    adw_action_row_set_activatable_widget (ADW_ACTION_ROW (row), GTK_WIDGET (self->notify_switch));
    adw_preferences_group_add (ADW_PREFERENCES_GROUP (group), row);
    adw_preferences_page_add (ADW_PREFERENCES_PAGE (page), ADW_PREFERENCES_GROUP (group));
  }

  self->people_group = ADW_PREFERENCES_GROUP (adw_preferences_group_new ());
  adw_preferences_group_set_title (self->people_group, _("People with Access"));
  adw_preferences_page_add (ADW_PREFERENCES_PAGE (page), self->people_group);

  self->share_group = ADW_PREFERENCES_GROUP (adw_preferences_group_new ());
  adw_preferences_group_set_title (self->share_group, _("Share with a Colleague"));
  adw_preferences_group_set_description (self->share_group,
                                         _("Someone with an account on the same mail server sees this folder "
                                           "under “Other users” in their mail program."));
  self->user_row = adw_entry_row_new ();
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->user_row), _("Login name"));
  gtk_widget_set_name (self->user_row, "share-user");
  adw_preferences_group_add (self->share_group, self->user_row);
  for (guint i = 0; preset_labels[i] != NULL; i++)
    gtk_string_list_append (labels, _(preset_labels[i]));
  self->preset_row = ADW_COMBO_ROW (adw_combo_row_new ());
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->preset_row), _("They can"));
  adw_action_row_set_subtitle (ADW_ACTION_ROW (self->preset_row),
                               _("Read: read and mark as read. Triage: also star, file and delete. "
                                 "Full: also manage its folders."));
  adw_combo_row_set_model (self->preset_row, G_LIST_MODEL (g_steal_pointer (&labels)));
  gtk_widget_set_name (GTK_WIDGET (self->preset_row), "share-preset");
  adw_preferences_group_add (self->share_group, GTK_WIDGET (self->preset_row));
  self->hint_label = GTK_LABEL (gtk_label_new (NULL));
  gtk_label_set_wrap (self->hint_label, TRUE);
  gtk_label_set_xalign (self->hint_label, 0);
  gtk_widget_set_margin_top (GTK_WIDGET (self->hint_label), 12);
  gtk_widget_set_visible (GTK_WIDGET (self->hint_label), FALSE);
  gtk_widget_set_name (GTK_WIDGET (self->hint_label), "share-hint");
  adw_preferences_group_add (self->share_group, GTK_WIDGET (self->hint_label));
  self->error_label = GTK_LABEL (gtk_label_new (NULL));
  gtk_label_set_wrap (self->error_label, TRUE);
  gtk_label_set_xalign (self->error_label, 0);
  gtk_widget_add_css_class (GTK_WIDGET (self->error_label), "error");
  gtk_widget_set_name (GTK_WIDGET (self->error_label), "share-error");
  adw_preferences_group_add (self->share_group, GTK_WIDGET (self->error_label));
  self->share_button = button = gtk_button_new_with_mnemonic (_("_Share"));
  gtk_widget_add_css_class (button, "suggested-action");
  gtk_widget_set_halign (button, GTK_ALIGN_END);
  gtk_widget_set_margin_top (button, 12);
  gtk_widget_set_name (button, "share");
  g_signal_connect_swapped (button, "clicked", G_CALLBACK (share_cb), self);
  adw_preferences_group_add (self->share_group, button);
  g_signal_connect_swapped (self->preset_row, "notify::selected", G_CALLBACK (update_hint), self);
  g_signal_connect_swapped (self->user_row, "changed", G_CALLBACK (update_hint), self);
  gtk_widget_set_visible (GTK_WIDGET (self->share_group), FALSE);
  adw_preferences_page_add (ADW_PREFERENCES_PAGE (page), self->share_group);
}

static void
tern_share_dialog_init (TernShareDialog *self)
{
  self->rows = g_ptr_array_new ();
  self->pending = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->cancellable = g_cancellable_new ();
  build (self);
}

TernShareDialog *
tern_share_dialog_new (GtkWindow       *parent,
                       TernMailService *service,
                       gint64           folder_id)
{
  TernShareDialog *self = g_object_new (TERN_TYPE_SHARE_DIALOG,
                                        "transient-for", parent,
                                        "modal", TRUE,
                                        "default-width", 560,
                                        "default-height", 640,
                                        NULL);
  TernStore *store = tern_mail_service_get_store (service);
  g_autoptr(TernFolder) folder = tern_store_get_folder_by_id (store, folder_id, NULL);
  g_autoptr(TernAccount) account = folder ? tern_store_get_account_by_id (store, folder->account_id, NULL) : NULL;
  g_autoptr(GTask) task = NULL;
  g_autofree char *title = NULL;
  Load *load;

  self->service = g_object_ref (service);
  self->store = store;
  self->folder_id = folder_id;
  self->folder_name = g_strdup (folder ? folder->name : "");
  self->folder_display = g_strdup (folder ? folder->display_name : "");
  self->db_path = g_strdup (tern_store_get_path (store));
  self->account_name = g_strdup (account ? account->name : "");
  self->owner_user = g_strdup (account ? account->user : "");
  title = g_strdup_printf (_("Share “%s”"), folder ? folder->display_name : "");
  gtk_window_set_title (GTK_WINDOW (self), title);
  gtk_switch_set_active (self->notify_switch, tern_store_get_folder_notify (store, folder_id));
  g_signal_connect (self->notify_switch, "notify::active", G_CALLBACK (notify_changed_cb), self);

  gtk_stack_set_visible_child_name (self->stack, "loading");
  load = g_new0 (Load, 1);
  load->db_path = g_strdup (self->db_path);
  load->account_name = g_strdup (self->account_name);
  load->folder_name = g_strdup (self->folder_name);
  load->owner_user = g_strdup (self->owner_user);
  task = g_task_new (self, self->cancellable, load_done_cb, NULL);
  g_task_set_task_data (task, load, (GDestroyNotify) load_free);
  g_task_run_in_thread (task, load_thread);
  return self;
}

gboolean
tern_share_dialog_is_loaded (TernShareDialog *self)
{
  g_return_val_if_fail (TERN_IS_SHARE_DIALOG (self), FALSE);

  return self->loaded;
}
