/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "tern-window"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "tern-contacts.h"
#include "tern-journal.h"
#include "tern-message-row.h"
#include "tern-move-popover.h"
#include "tern-notifications.h"
#include "tern-pane-handle.h"
#include "tern-sign-in-bar.h"
#include "tern-window-private.h"

/*
 * The main window: folders, messages, the message. Every triage action is a widget action
 * (win.*) with its key, so menus, buttons, keys and tests all go the same way: the journal
 * applies it to the cache at once and queues it; the models re-read and emit only what
 * changed; the account's worker is told to replay.
 */

G_DEFINE_FINAL_TYPE (TernWindow, tern_window, ADW_TYPE_APPLICATION_WINDOW)

enum {
  PROP_0,
  PROP_GROUP_BY_CONVERSATION,
  PROP_SHOW_PREVIEWS,
  PROP_COMPACT,
  N_PROPS
};

static GParamSpec *properties [N_PROPS];



void
_tern_window_toast (TernWindow *self,
       const char *text,
       guint       undo_token)
{
  AdwToast *t = adw_toast_new (text);

  if (undo_token != 0)
    {
      adw_toast_set_button_label (t, _("_Undo"));
      adw_toast_set_action_name (t, "win.undo-action");
      adw_toast_set_action_target_value (t, g_variant_new_uint32 (undo_token));
    }
  adw_toast_set_timeout (t, 4);
  g_free (self->last_toast);
  self->last_toast = g_strdup (text);
  adw_toast_overlay_add_toast (self->toasts, t);
}

/* Reading the cache again. */

void
_tern_window_refresh_folders (TernWindow *self)
{
  g_autoptr(GError) error = NULL;

  if (!tern_folder_model_refresh (self->folder_model, &error))
    g_debug ("Cannot read folders: %s", error->message);
}

void
tern_window_refresh (TernWindow *self)
{
  g_return_if_fail (TERN_IS_WINDOW (self));

  _tern_window_refresh_folders (self);
  _tern_window_load_rights (self);
  _tern_window_refresh_messages (self);
  tern_status_area_update (self->status_area);
}

/* The selection. */

/* The messages of the selected rows: a conversation's row stands for all its messages
 * (folder_only: those in the folder shown, without the account's replies in Sent). */
GArray *
_tern_window_collect_ids (TernWindow *self,
             guint      *first_out,
             gboolean    folder_only)
{
  g_autoptr(GtkBitset) set = gtk_selection_model_get_selection (GTK_SELECTION_MODEL (self->message_selection));
  g_autoptr(GHashTable) seen = g_hash_table_new (g_int64_hash, g_int64_equal);
  GArray *ids = g_array_new (FALSE, FALSE, sizeof (gint64));
  gboolean grouped = _tern_window_showing_conversations (self);
  GtkBitsetIter iter;
  guint pos;

  if (first_out != NULL)
    *first_out = G_MAXUINT;
  if (gtk_bitset_iter_init_first (&iter, set, &pos))
    {
      if (first_out != NULL)
        *first_out = pos;
      do
        {
          g_autoptr(GtkTreeListRow) row = NULL;
          g_autoptr(GObject) item = NULL;
          gint64 id;

          if (!grouped)
            {
              id = tern_message_model_get_id (self->message_model, pos);
              g_array_append_val (ids, id);
              continue;
            }
          row = gtk_tree_list_model_get_row (_tern_window_tree (self), pos);
          item = row != NULL ? gtk_tree_list_row_get_item (row) : NULL;
          if (TERN_IS_CONVERSATION_ITEM (item))
            {
              g_autoptr(GArray) members = NULL;

              members = tern_conversation_model_dup_message_ids (_tern_window_conversations (self),
                                                                 tern_conversation_item_get_thread_id (TERN_CONVERSATION_ITEM (item)),
                                                                 folder_only);
              g_array_append_vals (ids, members->data, members->len);
            }
          else if (TERN_IS_MESSAGE_ITEM (item))
            {
              id = tern_message_item_get_id (TERN_MESSAGE_ITEM (item));
              g_array_append_val (ids, id);
            }
        }
      while (gtk_bitset_iter_next (&iter, &pos));
    }

  /* A conversation and some of its messages may both be selected. */
  if (grouped)
    for (guint i = 0; i < ids->len;)
      {
        if (g_hash_table_add (seen, &g_array_index (ids, gint64, i)))
          i++;
        else
          g_array_remove_index (ids, i);
      }
  return ids;
}

GArray *
_tern_window_selected_ids (TernWindow *self,
              guint      *first_out)
{
  return _tern_window_collect_ids (self, first_out, FALSE);
}

/* The conversation selected alone, if that is what is selected: its newest message. */
gint64
_tern_window_selected_conversation (TernWindow *self)
{
  g_autoptr(GtkBitset) set = NULL;
  g_autoptr(GtkTreeListRow) row = NULL;
  g_autoptr(GObject) item = NULL;

  if (!_tern_window_showing_conversations (self))
    return 0;
  set = gtk_selection_model_get_selection (GTK_SELECTION_MODEL (self->message_selection));
  if (gtk_bitset_get_size (set) != 1)
    return 0;
  row = gtk_tree_list_model_get_row (_tern_window_tree (self), gtk_bitset_get_nth (set, 0));
  item = row != NULL ? gtk_tree_list_row_get_item (row) : NULL;
  return TERN_IS_CONVERSATION_ITEM (item)
         ? tern_conversation_item_get_newest_id (TERN_CONVERSATION_ITEM (item)) : 0;
}

void
_tern_window_select_position (TernWindow *self,
                 guint       position)
{
  guint n = g_list_model_get_n_items (_tern_window_shown_model (self));

  if (n == 0)
    {
      gtk_selection_model_unselect_all (GTK_SELECTION_MODEL (self->message_selection));
      return;
    }
  position = MIN (position, n - 1);
  gtk_selection_model_select_item (GTK_SELECTION_MODEL (self->message_selection), position, TRUE);
}

void
_tern_window_tell_workers (TernWindow *self)
{
  g_autoptr(GPtrArray) workers = tern_application_list_workers (self->app);

  for (guint i = 0; i < workers->len; i++)
    tern_account_worker_local_change (workers->pdata[i]);
}

void
_tern_window_mark_read (TernWindow *self,
                        GArray     *ids)
{
  g_autoptr(GArray) unread = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr(GError) error = NULL;

  /* A folder shared without "s" keeps it unread (the bar over the list says so). */
  if (!tern_message_model_get_searching (self->message_model) && !_tern_window_folder_allows (self, 's'))
    return;
  for (guint i = 0; i < ids->len; i++)
    {
      g_autoptr(TernMessage) m = tern_store_get_message (self->store, g_array_index (ids, gint64, i), NULL);

      if (m != NULL && !tern_flags_contain (m->flags, "\\Seen"))
        g_array_append_val (unread, m->id);
    }
  /* Reading is not an action to undo: Ctrl+Z keeps to what the user did. */
  if (unread->len > 0 && !tern_mail_service_mark_read (self->service, unread, &error))
    {
      g_debug ("Cannot mark read: %s", error->message);
      return;
    }
  /* Opened by the user: their senders may belong in the address book (tern-contacts.h). */
  for (guint i = 0; i < unread->len; i++)
    if (!tern_store_note_read (self->store, g_array_index (unread, gint64, i), NULL, &error))
      {
        g_debug ("The address book missed a sender: %s", error->message);
        g_clear_error (&error);
      }
}

static void
mark_read (TernWindow *self,
           gint64      message_id)
{
  g_autoptr(GArray) ids = g_array_new (FALSE, FALSE, sizeof (gint64));

  g_array_append_val (ids, message_id);
  _tern_window_mark_read (self, ids);
}

/* Actions on messages are insensitive with nothing to act on: the flags and moves need a
 * selected row, writing a reply or a forward needs the message shown. */
static const char * const selection_actions[] = {
  "win.toggle-read", "win.mark-read", "win.mark-unread", "win.toggle-star",
  "win.archive", "win.delete", "win.move-to", "win.open-move", "win.junk", "win.not-junk",
};
static const char * const shown_message_actions[] = {
  "win.reply", "win.reply-all", "win.forward", "win.forward-attached", "win.edit-draft",
};

void
_tern_window_update_message_actions (TernWindow *self)
{
  g_autoptr(GtkBitset) set = NULL;
  gboolean any_selected;
  gboolean shown;

  if (self->message_selection == NULL)
    return;
  set = gtk_selection_model_get_selection (GTK_SELECTION_MODEL (self->message_selection));
  any_selected = !gtk_bitset_is_empty (set);
  shown = tern_message_view_get_message_id (self->message_view) != 0;

  for (guint i = 0; i < G_N_ELEMENTS (selection_actions); i++)
    gtk_widget_action_set_enabled (GTK_WIDGET (self), selection_actions[i], any_selected);
  _tern_window_update_junk_button (self);
  _tern_window_apply_rights (self);
  for (guint i = 0; i < G_N_ELEMENTS (shown_message_actions); i++)
    gtk_widget_action_set_enabled (GTK_WIDGET (self), shown_message_actions[i], shown);
  /* The Move To button opens a popover, not an action; the Forward split button's arrow
   * would still open a menu of insensitive items. */
  gtk_widget_set_sensitive (GTK_WIDGET (self->move_button), any_selected && _tern_window_allows_all (self, "te"));
  gtk_widget_set_sensitive (GTK_WIDGET (self->forward_button), shown);
  _tern_window_update_state_buttons (self);
}

void
_tern_window_update_view (TernWindow *self)
{
  g_autoptr(GArray) ids = NULL;
  gint64 newest = _tern_window_selected_conversation (self);

  /* Selecting a conversation opens its messages stacked (the message view keeps its newest,
   * which the header bar's actions act on); one of a single message opens that. */
  if (newest != 0)
    {
      gboolean stacked = _tern_window_show_conversation (self);

      if (tern_message_view_get_message_id (self->message_view) != newest)
        {
          tern_message_view_show (self->message_view, newest);
          if (!stacked)
            mark_read (self, newest);
        }
      _tern_window_update_message_actions (self);
      return;
    }
  _tern_window_show_conversation (self);

  ids = _tern_window_selected_ids (self, NULL);
  if (ids->len == 1)
    {
      gint64 id = g_array_index (ids, gint64, 0);

      if (tern_message_view_get_message_id (self->message_view) != id)
        {
          tern_message_view_show (self->message_view, id);
          mark_read (self, id);
        }
    }
  else if (ids->len > 1)
    tern_message_view_show_several (self->message_view, ids->len);
  else
    tern_message_view_show (self->message_view, 0);
  _tern_window_update_message_actions (self);
}

static void
message_selection_changed_cb (TernWindow *self)
{
  if (self->selecting)
    {
      _tern_window_update_message_actions (self);
      return;
    }
  _tern_window_update_view (self);
}

/* What the mail service says changed: the rows it names, the counts, nothing else. */
void
_tern_window_apply_change_set (TernWindow    *self,
                               TernChangeSet *set)
{
  gboolean shown = set->folder_id == self->folder_id || tern_message_model_get_searching (self->message_model) ||
                   (set->folder_id == 0 && set->reload) ||
                   tern_message_model_shows_folder (self->message_model, set->folder_id);
  gint64 viewed = tern_message_view_get_message_id (self->message_view);

  /* A local change to a folder's messages counts that folder again alone; the whole list is
   * read when folders changed or a worker brings a folder's news (its state may follow). */
  if (set->folders_changed || set->folder_id == 0 || set->reload)
    _tern_window_refresh_folders (self);
  else if (set->counts_changed)
    {
      g_autoptr(GError) error = NULL;

      if (!tern_folder_model_update_counts (self->folder_model, set->folder_id, &error))
        g_debug ("Cannot count folder %" G_GINT64_FORMAT ": %s", set->folder_id, error->message);
    }
  if (set->folders_changed)
    _tern_window_select_first_inbox (self);
  if (!shown)
    return;

  self->selecting = TRUE;
  tern_message_model_apply (self->message_model, set);
  /* The conversations of the messages named (a row stands for several). */
  if (_tern_window_showing_conversations (self) &&
      (set->added->len > 0 || set->removed->len > 0 || set->changed->len > 0 || set->reload))
    _tern_window_apply_conversations (self, set);
  self->selecting = FALSE;
  _tern_window_update_list_title (self);
  _tern_window_update_state_buttons (self);
  if (viewed != 0 && (set->reload || tern_change_set_contains (set->changed, viewed)))
    _tern_window_reload_view (self);
  if (viewed != 0 && tern_change_set_contains (set->removed, viewed))
    _tern_window_update_view (self);
}

/* Folders. */

static void
worker_changed_cb (TernWindow *self,
                   gboolean    folders_changed)
{
  tern_window_refresh (self);
  /* A first sync brings the folders: open INBOX. */
  _tern_window_select_first_inbox (self);
  _tern_window_reload_view (self);
}

static void
worker_state_cb (TernWindow *self)
{
  /* A message waiting for a connection opens when there is one. */
  _tern_window_reload_view (self);
}

static void
new_mail_cb (TernWindow *self,
             guint       count,
             const char *subject,
             GArray     *ids)
{
  if (gtk_window_is_active (GTK_WINDOW (self)))
    return;
  tern_notifications_new_mail (self->app, count, subject, ids);
}

static void
trust_response_cb (AdwMessageDialog *dialog,
                   const char       *response,
                   TernWindow       *self)
{
  gint64 account = GPOINTER_TO_SIZE (g_object_get_data (G_OBJECT (dialog), "account-id"));

  if (g_strcmp0 (response, "trust") == 0 && self->trust_sha256 != NULL)
    {
      g_autoptr(GError) error = NULL;
      TernAccountWorker *worker = tern_application_get_worker (self->app, account);

      if (!tern_store_set_account_pin (self->store, account, self->trust_sha256, &error))
        _tern_window_toast (self, error->message, FALSE);
      else if (worker != NULL)
        tern_account_worker_reload_account (worker);
    }
  g_clear_pointer (&self->trust_sha256, g_free);
  self->trust_dialog = NULL;
}

static void
certificate_refused_cb (TernAccountWorker *worker,
                        const char        *sha256,
                        const char        *description,
                        TernWindow        *self)
{
  gint64 account_id = tern_account_worker_get_account_id (worker);
  g_autoptr(TernAccount) account = tern_store_get_account_by_id (self->store, account_id, NULL);
  g_autofree char *body = NULL;
  GtkWidget *dialog;

  if (self->trust_dialog != NULL)
    return;
  body = g_strdup_printf (_("The certificate of %s could not be verified. Someone may be "
                            "pretending to be your mail server. Trust it only if you know that "
                            "this is the right certificate.\n\n%s\n\nSHA-256 fingerprint:\n%s"),
                          account ? account->host : "?", description ? description : "",
                          sha256 ? sha256 : "");
  dialog = adw_message_dialog_new (GTK_WINDOW (self), _("Untrusted Certificate"), body);
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog),
                                    "cancel", _("_Cancel"),
                                    "trust", _("_Trust This Certificate"),
                                    NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "trust",
                                              ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  g_object_set_data (G_OBJECT (dialog), "account-id", GSIZE_TO_POINTER ((gsize) account_id));
  g_signal_connect (dialog, "response", G_CALLBACK (trust_response_cb), self);
  self->trust_dialog = ADW_MESSAGE_DIALOG (dialog);
  self->trust_sha256 = g_strdup (sha256);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
accounts_changed_cb (TernWindow *self)
{
  g_autoptr(GPtrArray) workers = tern_application_list_workers (self->app);

  for (guint i = 0; i < workers->len; i++)
    {
      GObject *worker = workers->pdata[i];

      if (g_ptr_array_find (self->watched, worker, NULL))
        continue;
      g_signal_connect_object (worker, "changed", G_CALLBACK (worker_changed_cb), self, G_CONNECT_SWAPPED);
      g_signal_connect_object (worker, "notify::state", G_CALLBACK (worker_state_cb), self, G_CONNECT_SWAPPED);
      g_signal_connect_object (worker, "new-mail", G_CALLBACK (new_mail_cb), self, G_CONNECT_SWAPPED);
      g_signal_connect_object (worker, "certificate-refused", G_CALLBACK (certificate_refused_cb), self, 0);
      g_ptr_array_add (self->watched, worker);
      g_object_weak_ref (worker, (GWeakNotify) (void (*) (void)) g_ptr_array_remove_fast, self->watched);
    }

  _tern_window_refresh_folders (self);
  gtk_stack_set_visible_child_name (self->main_stack, workers->len > 0 ? "mail" : "welcome");
  if (workers->len > 0)
    _tern_window_select_first_inbox (self);
  tern_status_area_update (self->status_area);
}

/* List items. */

void
_tern_window_set_grouped (TernWindow *self,
             gboolean    grouped)
{
  grouped = !!grouped;
  if (self->grouped == grouped)
    return;
  self->grouped = grouped;
  /* Search results are grouped or not; the folder follows when search ends. */
  if (self->conversation_model != NULL)
    {
      self->selecting = TRUE;
      if (tern_message_model_get_searching (self->message_model))
        {
          _tern_window_group_results (self);
          _tern_window_update_list_model (self);
        }
      else
        _tern_window_load_folder (self);
      self->selecting = FALSE;
      gtk_selection_model_unselect_all (GTK_SELECTION_MODEL (self->message_selection));
      _tern_window_update_view (self);
      _tern_window_update_list_title (self);
    }
  g_object_notify_by_pspec (G_OBJECT (self), properties [PROP_GROUP_BY_CONVERSATION]);
}


static void
tern_window_get_property (GObject    *object,
                          guint       prop_id,
                          GValue     *value,
                          GParamSpec *pspec)
{
  TernWindow *self = TERN_WINDOW (object);

  switch (prop_id)
    {
    case PROP_GROUP_BY_CONVERSATION:
      g_value_set_boolean (value, self->grouped);
      break;
    case PROP_SHOW_PREVIEWS:
      g_value_set_boolean (value, self->show_previews);
      break;
    case PROP_COMPACT:
      g_value_set_boolean (value, self->compact);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tern_window_set_property (GObject      *object,
                          guint         prop_id,
                          const GValue *value,
                          GParamSpec   *pspec)
{
  TernWindow *self = TERN_WINDOW (object);

  switch (prop_id)
    {
    case PROP_GROUP_BY_CONVERSATION:
      _tern_window_set_grouped (self, g_value_get_boolean (value));
      break;
    case PROP_SHOW_PREVIEWS:
      _tern_window_set_show_previews (self, g_value_get_boolean (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

/* Window state. */


static void
tern_window_size_allocate (GtkWidget *widget,
                           int        width,
                           int        height,
                           int        baseline)
{
  GTK_WIDGET_CLASS (tern_window_parent_class)->size_allocate (widget, width, height, baseline);
  _tern_window_allocated (TERN_WINDOW (widget), width);
}

static gboolean
close_request_cb (TernWindow *self)
{
  GSettings *settings = tern_application_get_settings (self->app);
  int width, height;

  if (settings != NULL)
    {
      gtk_window_get_default_size (GTK_WINDOW (self), &width, &height);
      g_settings_set (settings, "window-size", "(ii)", width, height);
      g_settings_set_boolean (settings, "window-maximized", gtk_window_is_maximized (GTK_WINDOW (self)));
    }
  return FALSE;
}

static void
tern_window_dispose (GObject *object)
{
  TernWindow *self = TERN_WINDOW (object);

  if (self->search_cancellable != NULL)
    g_cancellable_cancel (self->search_cancellable);
  g_clear_object (&self->search_cancellable);
  g_clear_handle_id (&self->compact_idle, g_source_remove);
  g_clear_handle_id (&self->navigate_idle, g_source_remove);
  for (guint i = 0; self->watched != NULL && i < self->watched->len; i++)
    g_object_weak_unref (self->watched->pdata[i], (GWeakNotify) (void (*) (void)) g_ptr_array_remove_fast,
                         self->watched);
  g_clear_pointer (&self->watched, g_ptr_array_unref);
  _tern_window_dispose_context_menus (self);
  gtk_widget_dispose_template (GTK_WIDGET (self), TERN_TYPE_WINDOW);
  g_clear_object (&self->folder_selection);
  g_clear_object (&self->message_selection);
  g_clear_object (&self->folder_model);
  g_clear_object (&self->message_model);
  g_clear_object (&self->conversation_tree);
  g_clear_object (&self->conversation_model);
  g_clear_object (&self->search_tree);
  g_clear_object (&self->search_conversations);

  G_OBJECT_CLASS (tern_window_parent_class)->dispose (object);
}

static void
tern_window_finalize (GObject *object)
{
  TernWindow *self = TERN_WINDOW (object);

  g_free (self->rights);
  g_free (self->last_toast);
  g_free (self->owner);
  g_free (self->trust_sha256);

  G_OBJECT_CLASS (tern_window_parent_class)->finalize (object);
}

static void
tern_window_class_init (TernWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = tern_window_dispose;
  object_class->finalize = tern_window_finalize;
  object_class->get_property = tern_window_get_property;
  object_class->set_property = tern_window_set_property;
  widget_class->size_allocate = tern_window_size_allocate;

  properties [PROP_COMPACT] =
    g_param_spec_boolean ("compact", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  properties [PROP_SHOW_PREVIEWS] =
    g_param_spec_boolean ("show-previews", NULL, NULL, TRUE,
                          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  properties [PROP_GROUP_BY_CONVERSATION] =
    g_param_spec_boolean ("group-by-conversation", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  g_type_ensure (TERN_TYPE_STATUS_AREA);
  g_type_ensure (TERN_TYPE_MESSAGE_VIEW);
  g_type_ensure (TERN_TYPE_CONVERSATION_VIEW);
  g_type_ensure (TERN_TYPE_PANE_HANDLE);

  gtk_widget_class_set_template_from_resource (widget_class, "/org/gnome/Tern/ui/tern-window.ui");
  gtk_widget_class_bind_template_child (widget_class, TernWindow, toasts);
  gtk_widget_class_bind_template_child (widget_class, TernWindow, welcome_page);
  gtk_widget_class_bind_template_child (widget_class, TernWindow, main_stack);
  gtk_widget_class_bind_template_child (widget_class, TernWindow, leaflet);
  gtk_widget_class_bind_template_child (widget_class, TernWindow, sidebar_pane);
  gtk_widget_class_bind_template_child (widget_class, TernWindow, sidebar_handle);
  gtk_widget_class_bind_template_child (widget_class, TernWindow, list_pane);
  gtk_widget_class_bind_template_child (widget_class, TernWindow, list_handle);
  gtk_widget_class_bind_template_child (widget_class, TernWindow, view_pane);
  gtk_widget_class_bind_template_child (widget_class, TernWindow, folder_list);
  gtk_widget_class_bind_template_child (widget_class, TernWindow, status_area);
  gtk_widget_class_bind_template_child (widget_class, TernWindow, list_title);
  gtk_widget_class_bind_template_child (widget_class, TernWindow, search_button);
  gtk_widget_class_bind_template_child (widget_class, TernWindow, search_bar);
  gtk_widget_class_bind_template_child (widget_class, TernWindow, search_entry);
  gtk_widget_class_bind_template_child (widget_class, TernWindow, list_stack);
  gtk_widget_class_bind_template_child (widget_class, TernWindow, message_list);
  gtk_widget_class_bind_template_child (widget_class, TernWindow, forward_button);
  gtk_widget_class_bind_template_child (widget_class, TernWindow, junk_button);
  gtk_widget_class_bind_template_child (widget_class, TernWindow, empty_page);
  gtk_widget_class_bind_template_child (widget_class, TernWindow, message_view);
  gtk_widget_class_bind_template_child (widget_class, TernWindow, view_stack);
  gtk_widget_class_bind_template_child (widget_class, TernWindow, conversation_view);
  gtk_widget_class_bind_template_child (widget_class, TernWindow, move_button);
  gtk_widget_class_bind_template_child (widget_class, TernWindow, star_button);
  gtk_widget_class_bind_template_child (widget_class, TernWindow, unread_button);
  gtk_widget_class_bind_template_child (widget_class, TernWindow, read_only_bar);
  gtk_widget_class_bind_template_child (widget_class, TernWindow, demo_button);
  gtk_widget_class_bind_template_child (widget_class, TernWindow, read_only_label);

  gtk_widget_class_bind_template_callback_full (widget_class, "search_changed_cb",
                                                G_CALLBACK (_tern_window_search_changed_cb));

  _tern_window_class_add_actions (widget_class);
  _tern_window_class_add_conversation_actions (widget_class);
  _tern_window_class_add_share_action (widget_class);
  _tern_window_class_add_folder_dialog_actions (widget_class);
}

static void
tern_window_init (TernWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  /* A development build shows its own icon and GNOME's striped header bars. */
  adw_status_page_set_icon_name (self->welcome_page, APP_ID);
  if (DEVELOPMENT_BUILD)
    gtk_widget_add_css_class (GTK_WIDGET (self), "devel");
  self->show_previews = TRUE;
  self->watched = g_ptr_array_new ();

  self->move_popover = tern_move_popover_new ();
  gtk_menu_button_set_popover (self->move_button, self->move_popover);
  g_signal_connect_swapped (self->move_popover, "show", G_CALLBACK (_tern_window_move_popover_show_cb), self);
  g_signal_connect_swapped (self->search_bar, "notify::search-mode-enabled",
                            G_CALLBACK (_tern_window_search_mode_cb), self);
  gtk_search_bar_set_key_capture_widget (self->search_bar, NULL);
  g_signal_connect (self, "close-request", G_CALLBACK (close_request_cb), NULL);
  g_signal_connect (self, "notify::default-width", G_CALLBACK (_tern_window_default_width_cb), NULL);
  g_object_set_data (G_OBJECT (self), "tern-toasts", self->toasts);
}

static void
restore_state (TernWindow *self)
{
  GSettings *settings = tern_application_get_settings (self->app);
  int width, height;

  /* The borders between the panes resize them, and keep their widths. */
  tern_pane_handle_set_pane (self->sidebar_handle, self->sidebar_pane, settings, "sidebar-width");
  tern_pane_handle_set_pane (self->list_handle, self->list_pane, settings, "list-width");
  if (settings == NULL)
    return;
  g_settings_get (settings, "window-size", "(ii)", &width, &height);
  if (width > 0 && height > 0)
    gtk_window_set_default_size (GTK_WINDOW (self), width, height);
  if (g_settings_get_boolean (settings, "window-maximized"))
    gtk_window_maximize (GTK_WINDOW (self));
  _tern_window_apply_pane_widths (self);
}

TernWindow *
tern_window_new (TernApplication *app)
{
  TernWindow *self;
  GtkListItemFactory *factory;

  g_return_val_if_fail (TERN_IS_APPLICATION (app), NULL);

  self = g_object_new (TERN_TYPE_WINDOW, "application", app, NULL);
  self->app = app;
  self->store = tern_application_get_store (app);
  self->service = tern_application_get_mail_service (app);
  restore_state (self);

  /* Filled once, by accounts_changed_cb() at the end: counting a 100,000-message folder
   * takes ~25 ms. */
  self->folder_model = tern_folder_model_new (self->store);
  self->folder_selection = gtk_single_selection_new (g_object_ref (G_LIST_MODEL (self->folder_model)));
  gtk_single_selection_set_autoselect (self->folder_selection, FALSE);
  gtk_single_selection_set_can_unselect (self->folder_selection, TRUE);
  gtk_single_selection_set_selected (self->folder_selection, GTK_INVALID_LIST_POSITION);
  factory = _tern_window_folder_factory_new ();
  gtk_list_view_set_factory (self->folder_list, factory);
  g_object_unref (factory);
  gtk_list_view_set_model (self->folder_list, GTK_SELECTION_MODEL (self->folder_selection));
  g_signal_connect_swapped (self->folder_selection, "selection-changed",
                            G_CALLBACK (_tern_window_folder_selection_changed_cb), self);
  g_signal_connect_swapped (self->folder_list, "activate", G_CALLBACK (_tern_window_folder_activated_cb), self);

  self->message_model = tern_message_model_new (self->store);
  self->message_selection = gtk_multi_selection_new (g_object_ref (G_LIST_MODEL (self->message_model)));
  self->conversation_model = tern_conversation_model_new (self->store);
  self->conversation_tree = _tern_window_tree_new (self->conversation_model);
  self->search_conversations = tern_conversation_model_new (self->store);
  self->search_tree = _tern_window_tree_new (self->search_conversations);
  factory = tern_message_row_factory_new ();
  g_object_set_data (G_OBJECT (factory), "tern-show-preview", GINT_TO_POINTER (self->show_previews));
  gtk_list_view_set_factory (self->message_list, factory);
  g_object_unref (factory);
  gtk_list_view_set_model (self->message_list, GTK_SELECTION_MODEL (self->message_selection));
  g_signal_connect_swapped (self->message_selection, "selection-changed",
                            G_CALLBACK (message_selection_changed_cb), self);
  /* Rows going away take their selection with them without "selection-changed". */
  g_signal_connect_swapped (self->message_selection, "items-changed",
                            G_CALLBACK (_tern_window_update_message_actions), self);
  _tern_window_update_message_actions (self);
  g_signal_connect_swapped (self->message_list, "activate", G_CALLBACK (_tern_window_message_activated_cb), self);
  _tern_window_add_click_navigation (self, GTK_WIDGET (self->message_list));
  _tern_window_add_click_navigation (self, GTK_WIDGET (self->folder_list));
  _tern_window_setup_context_menus (self);
  {
    /* Right and Left open and fold a conversation (before the list view moves on them). */
    GtkEventController *keys = gtk_event_controller_key_new ();

    gtk_event_controller_set_propagation_phase (keys, GTK_PHASE_CAPTURE);
    g_signal_connect_swapped (keys, "key-pressed", G_CALLBACK (_tern_window_list_key_pressed_cb), self);
    gtk_widget_add_controller (GTK_WIDGET (self->message_list), keys);
    /* Tab leaves the folder list too. */
    keys = gtk_event_controller_key_new ();
    gtk_event_controller_set_propagation_phase (keys, GTK_PHASE_CAPTURE);
    g_signal_connect_swapped (keys, "key-pressed", G_CALLBACK (_tern_window_list_key_pressed_cb), self);
    gtk_widget_add_controller (GTK_WIDGET (self->folder_list), keys);
  }
  if (tern_application_get_settings (app) != NULL)
    {
      g_settings_bind (tern_application_get_settings (app), "group-by-conversation", self,
                       "group-by-conversation", G_SETTINGS_BIND_DEFAULT);
      g_settings_bind (tern_application_get_settings (app), "show-previews", self,
                       "show-previews", G_SETTINGS_BIND_DEFAULT);
    }

  tern_message_view_set_application (self->message_view, app);
  _tern_window_setup_conversation_view (self);
  tern_status_area_set_application (self->status_area, app);
  /* "Sign in again", above the list, while an account needs it. */
  gtk_box_insert_child_after (GTK_BOX (self->list_pane), tern_sign_in_bar_new (app), GTK_WIDGET (self->search_bar));
  g_signal_connect_object (app, "accounts-changed", G_CALLBACK (accounts_changed_cb), self,
                           G_CONNECT_SWAPPED);
  if (self->service != NULL)
    g_signal_connect_object (self->service, "changed", G_CALLBACK (_tern_window_apply_change_set), self,
                             G_CONNECT_SWAPPED);
  g_signal_connect_object (app, "action-enabled-changed::demo", G_CALLBACK (_tern_window_update_demo_button),
                           self, G_CONNECT_SWAPPED);
  accounts_changed_cb (self);
  return self;
}

TernFolderModel *
tern_window_get_folder_model (TernWindow *self)
{
  g_return_val_if_fail (TERN_IS_WINDOW (self), NULL);
  return self->folder_model;
}

TernConversationModel *
tern_window_get_conversation_model (TernWindow *self)
{
  g_return_val_if_fail (TERN_IS_WINDOW (self), NULL);
  return self->conversation_model;
}

TernMessageModel *
tern_window_get_message_model (TernWindow *self)
{
  g_return_val_if_fail (TERN_IS_WINDOW (self), NULL);
  return self->message_model;
}

TernMessageView *
tern_window_get_message_view (TernWindow *self)
{
  g_return_val_if_fail (TERN_IS_WINDOW (self), NULL);
  return self->message_view;
}

GtkWidget *
tern_window_get_conversation_view (TernWindow *self)
{
  g_return_val_if_fail (TERN_IS_WINDOW (self), NULL);
  return GTK_WIDGET (self->conversation_view);
}

TernStatusArea *
tern_window_get_status_area (TernWindow *self)
{
  g_return_val_if_fail (TERN_IS_WINDOW (self), NULL);
  return self->status_area;
}

GtkSelectionModel *
tern_window_get_selection (TernWindow *self)
{
  g_return_val_if_fail (TERN_IS_WINDOW (self), NULL);
  return GTK_SELECTION_MODEL (self->message_selection);
}

gint64
tern_window_get_folder_id (TernWindow *self)
{
  g_return_val_if_fail (TERN_IS_WINDOW (self), 0);
  return self->folder_id;
}

gint64
tern_window_get_unified_id (TernWindow *self)
{
  g_return_val_if_fail (TERN_IS_WINDOW (self), 0);
  return self->unified_id;
}

const char *
tern_window_get_last_toast (TernWindow *self)
{
  g_return_val_if_fail (TERN_IS_WINDOW (self), NULL);
  return self->last_toast;
}

const char *
tern_window_get_page (TernWindow *self)
{
  g_return_val_if_fail (TERN_IS_WINDOW (self), NULL);
  return gtk_stack_get_visible_child_name (self->main_stack);
}
