/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "tern-composer-window"

#include "config.h"

#include <errno.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>

#include "tern-composer-window-private.h"
#include "tern-format.h"
#include "tern-identity.h"
#include "tern-journal.h"
#include "tern-mime.h"
#include "tern-outbox-sync.h"
#include "tern-outbox.h"
#include "tern-preferences.h"
#include "tern-window.h"

/* Attachments, address completion, building the message, drafts, sending. */

/* Attachments. */

/* The row's subtitle: the size, or how a forwarded attachment not downloaded comes. */
void
_tern_composer_window_update_attachment_row (TernComposerWindow *self,
                                             Attachment         *a)
{
  g_autofree char *size = g_format_size (a->size);
  g_autofree char *text = NULL;

  if (a->row == NULL)
    return;
  if (a->path == NULL && a->downloading)
    {
      /* The server counts encoded bytes: say the share of the file's own size. */
      guint64 done = a->ref_encoded > 0 ? (guint64) ((double) a->done / (double) a->ref_encoded * (double) a->size) : 0;
      g_autofree char *done_text = g_format_size (MIN (done, a->size));

      text = g_strdup_printf (_("Downloading… %s of %s"), done_text, size);
    }
  else if (a->path == NULL)
    text = g_strdup_printf (_("%s, downloaded when the message is sent"), size);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (a->row), text != NULL ? text : size);
}

void
_tern_composer_window_rebuild_attachments (TernComposerWindow *self)
{
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->attachments_list))) != NULL)
    gtk_list_box_remove (self->attachments_list, child);

  for (guint i = 0; i < self->attachments->len; i++)
    {
      Attachment *a = self->attachments->pdata[i];
      g_autofree char *guessed = NULL;
      g_autoptr(GIcon) icon = NULL;
      GtkWidget *row = adw_action_row_new ();
      GtkWidget *remove = gtk_button_new_from_icon_name ("edit-delete-symbolic");

      if (a->content_type != NULL)
        guessed = g_content_type_from_mime_type (a->content_type);
      else
        guessed = g_content_type_guess (a->filename, NULL, 0, NULL);
      icon = g_content_type_get_symbolic_icon (guessed);
      adw_action_row_add_prefix (ADW_ACTION_ROW (row), gtk_image_new_from_gicon (icon));
      adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), a->filename);
      a->row = row;
      _tern_composer_window_update_attachment_row (self, a);
      gtk_widget_set_valign (remove, GTK_ALIGN_CENTER);
      gtk_widget_add_css_class (remove, "flat");
      gtk_widget_set_tooltip_text (remove, _("Remove Attachment"));
      gtk_actionable_set_action_name (GTK_ACTIONABLE (remove), "composer.remove-attachment");
      gtk_actionable_set_action_target_value (GTK_ACTIONABLE (remove), g_variant_new_uint32 (i));
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), remove);
      gtk_list_box_append (self->attachments_list, row);
    }
  gtk_widget_set_visible (self->attachments_scroller, self->attachments->len > 0);
}

gboolean
_tern_composer_window_add_file (TernComposerWindow  *self,
          const char          *path,
          const char          *filename,
          const char          *content_type,
          GError             **error)
{
  GStatBuf st;
  Attachment *a;

  if (g_stat (path, &st) != 0 || !S_ISREG (st.st_mode))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_REGULAR_FILE,
                   _("“%s” is not a file that can be attached"), path);
      return FALSE;
    }
  a = g_new0 (Attachment, 1);
  a->path = g_strdup (path);
  a->filename = filename ? g_strdup (filename) : g_path_get_basename (path);
  a->content_type = g_strdup (content_type);
  a->size = (guint64) st.st_size;
  g_ptr_array_add (self->attachments, a);
  _tern_composer_window_rebuild_attachments (self);
  if (!self->loading)
    _tern_composer_window_mark_dirty (self);
  return TRUE;
}

gboolean
tern_composer_window_add_attachment (TernComposerWindow  *self,
                                     const char          *path,
                                     GError             **error)
{
  g_return_val_if_fail (TERN_IS_COMPOSER_WINDOW (self), FALSE);
  g_return_val_if_fail (path != NULL, FALSE);

  return _tern_composer_window_add_file (self, path, NULL, NULL, error);
}

static void
add_files (TernComposerWindow *self,
           GSList             *files)
{
  for (GSList *l = files; l != NULL; l = l->next)
    {
      g_autofree char *path = g_file_get_path (l->data);
      g_autoptr(GError) error = NULL;

      if (path == NULL)
        _tern_composer_window_toast (self, _("Only files on this computer can be attached"));
      else if (!_tern_composer_window_add_file (self, path, NULL, NULL, &error))
        _tern_composer_window_toast (self, error->message);
    }
}

static void
chooser_response_cb (GtkNativeDialog    *dialog,
                     int                 response,
                     TernComposerWindow *self)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GListModel) files = gtk_file_chooser_get_files (GTK_FILE_CHOOSER (dialog));
      GSList *list = NULL;

      for (guint i = g_list_model_get_n_items (files); i > 0; i--)
        list = g_slist_prepend (list, g_list_model_get_item (files, i - 1));
      add_files (self, list);
      g_slist_free_full (list, g_object_unref);
    }
  g_object_unref (dialog);
}

void
_tern_composer_window_attach_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *param)
{
  TernComposerWindow *self = TERN_COMPOSER_WINDOW (widget);
  GtkFileChooserNative *chooser;

  chooser = gtk_file_chooser_native_new (_("Attach Files"), GTK_WINDOW (self),
                                         GTK_FILE_CHOOSER_ACTION_OPEN, _("_Attach"), _("_Cancel"));
  gtk_file_chooser_set_select_multiple (GTK_FILE_CHOOSER (chooser), TRUE);
  g_signal_connect (chooser, "response", G_CALLBACK (chooser_response_cb), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}

void
_tern_composer_window_remove_attachment_action (GtkWidget  *widget,
                          const char *action_name,
                          GVariant   *param)
{
  TernComposerWindow *self = TERN_COMPOSER_WINDOW (widget);
  guint index = g_variant_get_uint32 (param);

  if (index >= self->attachments->len)
    return;
  g_ptr_array_remove_index (self->attachments, index);
  _tern_composer_window_rebuild_attachments (self);
  _tern_composer_window_mark_dirty (self);
}

gboolean
_tern_composer_window_drop_cb (GtkDropTarget      *target,
         const GValue       *value,
         double              x,
         double              y,
         TernComposerWindow *self)
{
  GSList *files;

  if (!G_VALUE_HOLDS (value, GDK_TYPE_FILE_LIST))
    return FALSE;
  files = gdk_file_list_get_files (g_value_get_boxed (value));
  add_files (self, files);
  g_slist_free (files);
  return TRUE;
}

/* Address completion: the last address of the field being typed. */

/* Where the address being typed starts: after the last separator outside quotes. */
static const char *
last_address (const char *text)
{
  const char *start = text;
  gboolean quoted = FALSE;

  for (const char *p = text; *p != '\0'; p++)
    {
      if (*p == '"')
        quoted = !quoted;
      else if (!quoted && (*p == ',' || *p == ';'))
        start = p + 1;
    }
  while (*start == ' ')
    start++;
  return start;
}

void
_tern_composer_window_update_suggestions (TernComposerWindow *self,
                    GtkEntry           *entry)
{
  GtkEntryCompletion *completion = gtk_entry_get_completion (entry);
  GtkListStore *model = GTK_LIST_STORE (gtk_entry_completion_get_model (completion));
  g_autoptr(GPtrArray) found = NULL;
  g_autoptr(GError) error = NULL;
  const char *prefix = last_address (_tern_composer_window_entry_text (entry));

  self->completing = entry;
  gtk_list_store_clear (model);
  if (*prefix == '\0' || strchr (prefix, '<') != NULL)
    return;
  found = tern_store_complete_addresses (self->store, prefix, SUGGESTIONS, &error);
  if (found == NULL)
    {
      g_debug ("Address completion: %s", error->message);
      return;
    }
  for (guint i = 0; i < found->len; i++)
    {
      const TernAddress *a = found->pdata[i];
      g_autofree char *text = tern_mime_format_mailbox (a->name, a->address);
      GtkTreeIter iter;

      gtk_list_store_append (model, &iter);
      gtk_list_store_set (model, &iter, 0, text, -1);
    }
}

/* Every row the model holds matches: the cache chose them. */
static gboolean
match_all_cb (GtkEntryCompletion *completion,
              const char         *key,
              GtkTreeIter        *iter,
              gpointer            user_data)
{
  return TRUE;
}

static gboolean
match_selected_cb (GtkEntryCompletion *completion,
                   GtkTreeModel       *model,
                   GtkTreeIter        *iter,
                   TernComposerWindow *self)
{
  GtkEntry *entry = GTK_ENTRY (gtk_entry_completion_get_entry (completion));
  const char *text = _tern_composer_window_entry_text (entry);
  g_autofree char *chosen = NULL;
  g_autofree char *result = NULL;
  const char *start = last_address (text);

  gtk_tree_model_get (model, iter, 0, &chosen, -1);
  result = g_strdup_printf ("%.*s%s%s, ", (int) (start - text),
                            text, start > text && start[-1] != ' ' ? " " : "", chosen);
  gtk_editable_set_text (GTK_EDITABLE (entry), result);
  gtk_editable_set_position (GTK_EDITABLE (entry), -1);
  return TRUE;
}

/* Tab takes the best suggestion (as in Thunderbird) while there is one for what is being
 * typed; otherwise it moves on to the next field as usual. */
static gboolean
tab_pressed_cb (GtkEventControllerKey *controller,
                guint                  keyval,
                guint                  keycode,
                GdkModifierType        state,
                TernComposerWindow    *self)
{
  GtkEntry *entry = GTK_ENTRY (gtk_event_controller_get_widget (GTK_EVENT_CONTROLLER (controller)));
  GtkEntryCompletion *completion = gtk_entry_get_completion (entry);
  GtkTreeModel *model = gtk_entry_completion_get_model (completion);
  const char *prefix = last_address (_tern_composer_window_entry_text (entry));
  GtkTreeIter iter;

  if ((keyval != GDK_KEY_Tab && keyval != GDK_KEY_KP_Tab) ||
      (state & (GDK_CONTROL_MASK | GDK_SHIFT_MASK | GDK_ALT_MASK)) != 0)
    return FALSE;
  if (self->completing != entry || *prefix == '\0' || strchr (prefix, '<') != NULL ||
      !gtk_tree_model_get_iter_first (model, &iter))
    return FALSE;
  match_selected_cb (completion, model, &iter, self);
  return TRUE;
}

void
_tern_composer_window_setup_completion (TernComposerWindow *self,
                  GtkEntry           *entry)
{
  g_autoptr(GtkEntryCompletion) completion = gtk_entry_completion_new ();
  g_autoptr(GtkListStore) model = gtk_list_store_new (1, G_TYPE_STRING);
  GtkEventController *keys = gtk_event_controller_key_new ();

  gtk_entry_completion_set_model (completion, GTK_TREE_MODEL (model));
  gtk_entry_completion_set_text_column (completion, 0);
  gtk_entry_completion_set_match_func (completion, match_all_cb, NULL, NULL);
  gtk_entry_completion_set_minimum_key_length (completion, 1);
  gtk_entry_completion_set_inline_completion (completion, FALSE);
  gtk_entry_completion_set_popup_single_match (completion, TRUE);
  g_signal_connect (completion, "match-selected", G_CALLBACK (match_selected_cb), self);
  gtk_entry_set_completion (entry, completion);
  /* Before the completion's own keys (which let Tab move on). */
  gtk_event_controller_set_propagation_phase (keys, GTK_PHASE_CAPTURE);
  g_signal_connect (keys, "key-pressed", G_CALLBACK (tab_pressed_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (entry), keys);
}

GStrv
tern_composer_window_dup_suggestions (TernComposerWindow *self)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();

  g_return_val_if_fail (TERN_IS_COMPOSER_WINDOW (self), NULL);

  if (self->completing != NULL)
    {
      GtkTreeModel *model = gtk_entry_completion_get_model (gtk_entry_get_completion (self->completing));
      GtkTreeIter iter;
      gboolean valid = gtk_tree_model_get_iter_first (model, &iter);

      while (valid)
        {
          g_autofree char *text = NULL;

          gtk_tree_model_get (model, &iter, 0, &text, -1);
          g_strv_builder_add (builder, text);
          valid = gtk_tree_model_iter_next (model, &iter);
        }
    }
  return g_strv_builder_end (builder);
}

/* Building the message. */

/* References without the last id when that is the In-Reply-To one: what the original's
 * References were, for tern_composer_set_reply() to add it again. */
char *
_tern_composer_window_references_before (const char *references,
                   const char *in_reply_to)
{
  g_autofree char *refs = g_strstrip (g_strdup (references ? references : ""));

  if (in_reply_to != NULL && g_str_has_suffix (refs, in_reply_to))
    refs[strlen (refs) - strlen (in_reply_to)] = '\0';
  g_strstrip (refs);
  return *refs ? g_steal_pointer (&refs) : NULL;
}

static TernComposer *
build (TernComposerWindow  *self,
       const TernAccount   *account,
       gboolean             draft,
       GError             **error)
{
  g_autoptr(TernComposer) c = tern_composer_new ();
  const TernIdentity *identity = _tern_composer_window_current_identity (self);
  g_autofree char *from = NULL;
  g_autofree char *body = _tern_composer_window_body_text (self);
  struct { GtkEntry *entry; gboolean (*set) (TernComposer *, const char *, GError **); } lists[] = {
    { self->to_entry, tern_composer_set_to },
    { self->cc_entry, tern_composer_set_cc },
    { self->bcc_entry, tern_composer_set_bcc },
  };

  g_assert (identity != NULL && identity->account_id == account->id);
  from = _tern_composer_window_from_address (identity);
  if (!tern_composer_set_from (c, from, error))
    return NULL;
  if (identity->reply_to != NULL && !tern_composer_set_reply_to (c, identity->reply_to, error))
    return NULL;
  for (guint i = 0; i < G_N_ELEMENTS (lists); i++)
    {
      g_autoptr(GError) local_error = NULL;

      /* A draft keeps what can be kept of a field still being typed. */
      if (!lists[i].set (c, _tern_composer_window_entry_text (lists[i].entry), &local_error) && !draft)
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return NULL;
        }
    }
  tern_composer_set_subject (c, _tern_composer_window_entry_text (self->subject_entry));
  tern_composer_set_body (c, body);
  tern_composer_set_message_id (c, self->message_id);
  if (self->reply_id != NULL)
    tern_composer_set_reply (c, self->reply_id, self->reply_references, self->reply_in_reply_to);
  for (guint i = 0; i < self->attachments->len; i++)
    {
      Attachment *a = self->attachments->pdata[i];

      if (a->path == NULL)
        {
          /* A forwarded attachment not downloaded: the engine fetches it before the
           * message goes. A draft (on the server, read by other clients) goes without. */
          if (!draft)
            tern_composer_add_part_reference (c, a->ref_message, a->ref_section, a->filename, a->content_type);
        }
      else if (g_strcmp0 (a->content_type, "message/rfc822") == 0)
        {
          g_autoptr(GMappedFile) file = g_mapped_file_new (a->path, FALSE, error);
          g_autoptr(GBytes) raw = NULL;

          if (file == NULL)
            return NULL;
          raw = g_mapped_file_get_bytes (file);
          tern_composer_attach_message (c, raw, a->filename);
        }
      else if (!tern_composer_add_attachment (c, a->path, a->filename, a->content_type, error))
        return NULL;
    }
  return g_steal_pointer (&c);
}

/* Drafts. */

char *
tern_composer_window_dup_draft_path (TernComposerWindow *self)
{
  g_autofree char *dir = NULL;
  g_autofree char *key = NULL;
  g_autofree char *name = NULL;

  g_return_val_if_fail (TERN_IS_COMPOSER_WINDOW (self), NULL);

  dir = _tern_composer_window_drafts_dir (self);
  key = _tern_composer_window_draft_key (self);
  name = g_strconcat (key, ".eml", NULL);
  return g_build_filename (dir, name, NULL);
}

static gboolean
is_empty (TernComposerWindow *self)
{
  g_autofree char *body = _tern_composer_window_body_text (self);

  /* The identity's signature alone, as inserted, is nothing written. */
  if (self->signature_block != NULL && *self->signature_block != '\0' &&
      g_str_has_suffix (body, self->signature_block))
    body[strlen (body) - strlen (self->signature_block)] = '\0';
  return *_tern_composer_window_entry_text (self->to_entry) == '\0' && *_tern_composer_window_entry_text (self->cc_entry) == '\0' &&
         *_tern_composer_window_entry_text (self->bcc_entry) == '\0' && *_tern_composer_window_entry_text (self->subject_entry) == '\0' &&
         *g_strstrip (body) == '\0' && self->attachments->len == 0;
}

static void
tell_worker (TernComposerWindow *self,
             gint64              account)
{
  TernMailService *service = tern_application_get_mail_service (self->app);

  /* The draft went through the journal: the service wakes the account's worker and tells
   * the queue's count and the change (Drafts is re-read where it is shown). */
  if (service != NULL)
    tern_mail_service_journal_changed (service, account, 0);
}

/* Keeps what the user wrote: on this computer, then a new version in Drafts (through the
 * journal, so offline too). TRUE once it is safe somewhere; a Drafts folder that cannot be
 * used is said in the notice. */
gboolean
_tern_composer_window_save_draft (TernComposerWindow  *self,
            GError             **error)
{
  g_autoptr(TernAccount) account = _tern_composer_window_current_account (self);
  g_autoptr(TernComposer) c = NULL;
  g_autoptr(GBytes) raw = NULL;
  g_autoptr(GError) server_error = NULL;
  g_autofree char *path = NULL;
  guint others = 0;
  gint64 id;

  g_clear_handle_id (&self->autosave_id, g_source_remove);
  if (self->draft_id == 0 && is_empty (self))
    {
      self->dirty = FALSE;
      return TRUE;
    }
  if (account == NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, _("There is no account to keep the draft in"));
      return FALSE;
    }
  if ((c = build (self, account, TRUE, error)) == NULL || (raw = tern_composer_to_bytes (c, error)) == NULL)
    return FALSE;

  path = tern_composer_window_dup_draft_path (self);
  if (!g_file_set_contents_full (path, g_bytes_get_data (raw, NULL), (gssize) g_bytes_get_size (raw),
                                 G_FILE_SET_CONTENTS_CONSISTENT, 0600, error))
    return FALSE;
  self->dirty = FALSE;

  /* From another account now: the draft moves there. */
  if (self->draft_id != 0 && self->draft_account_id != account->id)
    {
      if (tern_journal_delete_permanently (self->store, self->draft_id, NULL))
        tell_worker (self, self->draft_account_id);
      self->draft_id = 0;
    }
  id = tern_draft_save (self->store, account, raw, self->replace_draft ? self->draft_id : 0,
                        &others, &server_error);
  if (id == 0)
    {
      g_autofree char *text = g_strdup_printf (_("The draft is kept on this computer only: %s"),
                                               server_error->message);

      _tern_composer_window_set_notice (self, text);
      return TRUE;
    }
  self->draft_id = id;
  self->draft_account_id = account->id;
  self->replace_draft = TRUE;
  if (others > 0)
    _tern_composer_window_set_notice (self, _("This draft was also changed elsewhere: that version is kept in Drafts as a copy."));
  tell_worker (self, account->id);
  _tern_composer_window_refresh_windows (self);
  return TRUE;
}

void
_tern_composer_window_save_draft_action (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *param)
{
  TernComposerWindow *self = TERN_COMPOSER_WINDOW (widget);
  g_autoptr(GError) error = NULL;

  if (!_tern_composer_window_save_draft (self, &error))
    _tern_composer_window_toast (self, error->message);
  else if (self->draft_id != 0)
    _tern_composer_window_toast (self, _("Draft saved"));
}

static void
finish (TernComposerWindow *self)
{
  g_autofree char *path = tern_composer_window_dup_draft_path (self);

  self->done = TRUE;
  self->dirty = FALSE;
  g_clear_handle_id (&self->autosave_id, g_source_remove);
  g_unlink (path);
}

static gboolean
destroy_later_cb (gpointer data)
{
  gtk_window_destroy (GTK_WINDOW (data));
  return G_SOURCE_REMOVE;
}

/* From a dialog's response: the dialog (whose parent this is) finishes first. */
static void
destroy_later (TernComposerWindow *self)
{
  g_idle_add_full (G_PRIORITY_DEFAULT, destroy_later_cb, g_object_ref (self), g_object_unref);
}

static void
discard_response_cb (AdwMessageDialog   *dialog,
                     const char         *response,
                     TernComposerWindow *self)
{
  if (g_strcmp0 (response, "discard") != 0)
    return;
  finish (self);
  if (self->draft_id != 0 && tern_journal_delete_permanently (self->store, self->draft_id, NULL))
    {
      tell_worker (self, self->draft_account_id);
      _tern_composer_window_refresh_windows (self);
    }
  destroy_later (self);
}

void
_tern_composer_window_discard_action (GtkWidget  *widget,
                const char *action_name,
                GVariant   *param)
{
  TernComposerWindow *self = TERN_COMPOSER_WINDOW (widget);
  GtkWidget *dialog;

  dialog = adw_message_dialog_new (GTK_WINDOW (self), _("Discard This Draft?"),
                                   _("The message and its saved draft will be deleted."));
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog), "cancel", _("_Cancel"),
                                    "discard", _("_Discard"), NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "discard",
                                              ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  g_signal_connect (dialog, "response", G_CALLBACK (discard_response_cb), self);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
close_anyway_cb (AdwMessageDialog   *dialog,
                 const char         *response,
                 TernComposerWindow *self)
{
  if (g_strcmp0 (response, "close") != 0)
    return;
  finish (self);
  destroy_later (self);
}

/* Closing keeps the draft; the window closes only once it is safe somewhere. */
gboolean
_tern_composer_window_close_request_cb (TernComposerWindow *self)
{
  g_autoptr(GError) error = NULL;
  GtkWidget *dialog;

  if (self->done || !self->dirty)
    return FALSE;
  if (_tern_composer_window_save_draft (self, &error))
    return FALSE;

  dialog = adw_message_dialog_new (GTK_WINDOW (self), _("The Draft Cannot Be Saved"), error->message);
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog), "cancel", _("_Keep Editing"),
                                    "close", _("_Close Without Saving"), NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "close",
                                              ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  g_signal_connect (dialog, "response", G_CALLBACK (close_anyway_cb), self);
  gtk_window_present (GTK_WINDOW (dialog));
  return TRUE;
}

/* Sending. */

/* Every recipient an address, and at least one. */
static gboolean
validate (TernComposerWindow *self)
{
  struct { GtkEntry *entry; const char *name; } fields[] = {
    { self->to_entry, N_("To") },
    { self->cc_entry, N_("Cc") },
    { self->bcc_entry, N_("Bcc") },
  };
  guint total = 0;

  for (guint i = 0; i < G_N_ELEMENTS (fields); i++)
    {
      g_autofree char *bad = NULL;
      guint n = 0;

      if (!tern_compose_check_addresses (_tern_composer_window_entry_text (fields[i].entry), &n, &bad))
        {
          g_autofree char *text = g_strdup_printf (_("“%s” in %s is not an email address"),
                                                   bad ? bad : "", _(fields[i].name));

          if (fields[i].entry != self->to_entry)
            gtk_toggle_button_set_active (self->cc_button, TRUE);
          _tern_composer_window_show_error (self, fields[i].entry, text);
          return FALSE;
        }
      total += n;
    }
  if (total == 0)
    {
      _tern_composer_window_show_error (self, self->to_entry, _("Add at least one recipient"));
      return FALSE;
    }
  return TRUE;
}

/* Whether the account has an outgoing server set up. If not, Send says so here, with the
 * button that opens its settings; the message stays in this window (and in its draft), and
 * nothing is queued to go through a guessed server. */
static gboolean
check_outgoing (TernComposerWindow *self,
                const TernAccount  *account)
{
  g_autoptr(TernSmtpSettings) smtp = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;

  smtp = tern_outbox_get_smtp (self->store, account->id, &error);
  if (smtp == NULL)
    {
      _tern_composer_window_show_error (self, NULL, error->message);
      return FALSE;
    }
  if (smtp->configured)
    return TRUE;
  text = g_strdup_printf (_("Not sent: “%s” has no outgoing server. Set one up, then send again."),
                          account->name);
  _tern_composer_window_show_error (self, NULL, text);
  gtk_widget_set_visible (self->setup_outgoing_button, TRUE);
  gtk_widget_grab_focus (self->setup_outgoing_button);
  return FALSE;
}

void
_tern_composer_window_setup_outgoing_action (GtkWidget  *widget,
                                             const char *action_name,
                                             GVariant   *param)
{
  TernComposerWindow *self = TERN_COMPOSER_WINDOW (widget);
  g_autoptr(TernAccount) account = _tern_composer_window_current_account (self);
  TernPreferences *prefs;

  if (account == NULL)
    return;
  prefs = tern_preferences_new (self->app);
  gtk_window_set_transient_for (GTK_WINDOW (prefs), GTK_WINDOW (self));
  tern_preferences_show_outgoing (prefs, account->id);
  gtk_window_present (GTK_WINDOW (prefs));
}

static void
really_send (TernComposerWindow *self)
{
  g_autoptr(TernAccount) account = _tern_composer_window_current_account (self);
  g_autoptr(TernComposer) c = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;
  TernOutboxOptions options = { 0 };
  TernAccountWorker *worker;
  gint64 id;

  if (account == NULL)
    {
      _tern_composer_window_show_error (self, NULL, _("There is no account to send from"));
      return;
    }
  if (!check_outgoing (self, account))
    return;
  if ((c = build (self, account, FALSE, &error)) == NULL)
    {
      _tern_composer_window_show_error (self, NULL, error->message);
      return;
    }
  path = g_build_filename (_tern_composer_window_work_dir (self), "outgoing.eml", NULL);
  if (!tern_composer_write_to_file (c, path, &error))
    {
      _tern_composer_window_show_error (self, NULL, error->message);
      return;
    }
  options.forwards = self->forwards;
  /* The draft goes from Drafts once the message is sent (one in another account now). */
  if (self->draft_id != 0 && self->draft_account_id != account->id &&
      tern_journal_delete_permanently (self->store, self->draft_id, NULL))
    tell_worker (self, self->draft_account_id);
  else
    options.draft = self->draft_id;
  id = tern_outbox_enqueue_file (self->store, account, path, &options, &error);
  g_unlink (path);
  if (id == 0)
    {
      _tern_composer_window_show_error (self, NULL, error->message);
      return;
    }

  finish (self);
  worker = tern_application_get_worker (self->app, account->id);
  if (worker != NULL)
    tern_account_worker_send_now (worker);
  _tern_composer_window_refresh_windows (self);
  gtk_window_destroy (GTK_WINDOW (self));
}

static gboolean
send_later_cb (gpointer data)
{
  TernComposerWindow *self = data;

  if (!self->done && gtk_widget_get_realized (GTK_WIDGET (self)))
    really_send (self);
  return G_SOURCE_REMOVE;
}

static void
mention_response_cb (AdwMessageDialog   *dialog,
                     const char         *response,
                     TernComposerWindow *self)
{
  /* Sending closes this window, the dialog's parent: once the dialog is done. */
  if (g_strcmp0 (response, "send") == 0)
    g_idle_add_full (G_PRIORITY_DEFAULT, send_later_cb, g_object_ref (self), g_object_unref);
  else if (g_strcmp0 (response, "attach") == 0)
    gtk_widget_activate_action (GTK_WIDGET (self), "composer.attach", NULL);
}

void
_tern_composer_window_send_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *param)
{
  TernComposerWindow *self = TERN_COMPOSER_WINDOW (widget);
  g_autoptr(TernAccount) account = NULL;
  g_autofree char *body = NULL;
  g_autofree char *text = NULL;

  if (self->done)
    return;
  if (self->busy > 0)
    {
      _tern_composer_window_show_error (self, NULL, _("The original message is still being fetched: send it in a moment"));
      return;
    }
  if (!validate (self))
    return;
  /* Before any question about the message: it could not go anyway. */
  account = _tern_composer_window_current_account (self);
  if (account != NULL && !check_outgoing (self, account))
    return;

  body = _tern_composer_window_body_text (self);
  text = g_strdup_printf ("%s\n%s", _tern_composer_window_entry_text (self->subject_entry), body);
  if (self->attachments->len == 0 && tern_compose_mentions_attachment (text))
    {
      GtkWidget *dialog = adw_message_dialog_new (GTK_WINDOW (self), _("Send Without an Attachment?"),
                                                  _("The message mentions an attachment, but no file is attached."));

      adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog),
                                        "cancel", _("_Cancel"),
                                        "attach", _("_Attach a File"),
                                        "send", _("_Send Anyway"), NULL);
      adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "attach",
                                                  ADW_RESPONSE_SUGGESTED);
      adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "attach");
      adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
      g_signal_connect (dialog, "response", G_CALLBACK (mention_response_cb), self);
      gtk_window_present (GTK_WINDOW (dialog));
      return;
    }
  really_send (self);
}

void
_tern_composer_window_show_cc_bcc_action (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *param)
{
  TernComposerWindow *self = TERN_COMPOSER_WINDOW (widget);

  gtk_toggle_button_set_active (self->cc_button, TRUE);
  gtk_widget_grab_focus (GTK_WIDGET (self->cc_entry));
}
