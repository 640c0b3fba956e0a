/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "tern-composer-window"

#include "config.h"

#include <errno.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>

#include "tern-composer-window.h"
#include "tern-format.h"
#include "tern-identity.h"
#include "tern-journal.h"
#include "tern-mime.h"
#include "tern-outbox-sync.h"
#include "tern-outbox.h"
#include "tern-window.h"

/*
 * Writing a message: new, reply, reply all, forward (quoted or as an attachment) or a draft
 * opened again. Nothing here waits for the network:
 *  - what the user writes is kept as a draft a few seconds after each change and when the
 *    window closes: a file on this computer (<cache>/outbox/drafts/) and a new version in
 *    the account's Drafts folder through the journal (tern_draft_save() replaces the one
 *    before), so a draft survives a crash, works offline and reaches the server later;
 *  - Send checks the recipients, builds the message with TernComposer, queues it in the
 *    durable outbox, closes the window at once and asks the account's worker to send it
 *    (when connected; otherwise it goes when the account is). The outbox marks the original
 *    \Answered (from In-Reply-To) or $Forwarded, and deletes the draft, once it is sent.
 * What the original needs from the server (its text to quote, the whole of it to forward as
 * an attachment, a draft's text) comes from the cache, or through the worker when online;
 * offline, the window says what is missing.
 */

#define AUTOSAVE_MS  5000
#define SUGGESTIONS  8

typedef struct
{
  char    *path;
  char    *filename;
  char    *content_type;   /* NULL: TernComposer guesses it when the message is built */
  guint64  size;
} Attachment;

struct _TernComposerWindow
{
  AdwApplicationWindow  parent_instance;

  /* Template widgets. */
  AdwToastOverlay      *toasts;
  AdwWindowTitle       *window_title;
  GtkRevealer          *notice_revealer;
  GtkLabel             *notice_label;
  GtkWidget            *fields;
  GtkDropDown          *from_dropdown;
  GtkEntry             *to_entry;
  GtkEntry             *cc_entry;
  GtkEntry             *bcc_entry;
  GtkToggleButton      *cc_button;
  GtkEntry             *subject_entry;
  GtkLabel             *error_label;
  GtkWidget            *attachments_scroller;
  GtkListBox           *attachments_list;
  GtkTextView          *body_view;

  /* Owned. */
  GPtrArray            *attachments;      /* Attachment */
  GPtrArray            *identities;       /* TernIdentity, in the From list's order */
  char                 *signature_block;  /* the signature as inserted ("" if none) */
  GCancellable         *cancellable;      /* fetches of the original */
  GtkTextMark          *quote_mark;       /* where the original's text starts */
  char                 *message_id;       /* "<...>", the same for every draft version */
  char                 *reply_id;         /* the original's Message-ID, References, In-Reply-To */
  char                 *reply_references;
  char                 *reply_in_reply_to;
  char                 *forwards;         /* the Message-ID of the message forwarded */
  char                 *work_dir;         /* files of this message: attachments of a draft... */
  char                 *error;
  char                 *notice;
  GtkEntry             *completing;       /* the address field suggestions are for */

  /* Borrowed. */
  TernApplication      *app;
  TernStore            *store;

  TernComposeMode       mode;
  gint64                original_id;
  gint64                draft_id;         /* the version in Drafts, 0 if none */
  gint64                draft_account_id;
  gboolean              replace_draft;    /* FALSE: a draft opened but not read whole, whose
                                           * earlier version must be kept as a copy */
  guint                 autosave_ms;
  guint                 autosave_id;
  guint                 busy;
  gboolean              dirty;
  gboolean              loading;          /* the window fills its fields: not a change */
  gboolean              done;             /* sent or discarded: nothing left to save */
};

G_DEFINE_FINAL_TYPE (TernComposerWindow, tern_composer_window, ADW_TYPE_APPLICATION_WINDOW)

static void mark_dirty (TernComposerWindow *self);

static void
attachment_free (Attachment *a)
{
  g_free (a->path);
  g_free (a->filename);
  g_free (a->content_type);
  g_free (a);
}

/* Small helpers. */

static const char *
entry_text (GtkEntry *entry)
{
  return gtk_editable_get_text (GTK_EDITABLE (entry));
}

static void
set_entry (TernComposerWindow *self,
           GtkEntry           *entry,
           const char         *text)
{
  gtk_editable_set_text (GTK_EDITABLE (entry), text ? text : "");
}

static char *
body_text (TernComposerWindow *self)
{
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (self->body_view);
  GtkTextIter start, end;

  gtk_text_buffer_get_bounds (buffer, &start, &end);
  return gtk_text_buffer_get_text (buffer, &start, &end, FALSE);
}

static void
set_notice (TernComposerWindow *self,
            const char         *text)
{
  g_free (self->notice);
  self->notice = g_strdup (text);
  gtk_label_set_text (self->notice_label, text ? text : "");
  gtk_revealer_set_reveal_child (self->notice_revealer, text != NULL);
}

static void
clear_error (TernComposerWindow *self)
{
  GtkEntry *entries[] = { self->to_entry, self->cc_entry, self->bcc_entry };

  g_clear_pointer (&self->error, g_free);
  gtk_widget_set_visible (GTK_WIDGET (self->error_label), FALSE);
  for (guint i = 0; i < G_N_ELEMENTS (entries); i++)
    gtk_widget_remove_css_class (GTK_WIDGET (entries[i]), "error");
}

static void
show_error (TernComposerWindow *self,
            GtkEntry           *entry,
            const char         *text)
{
  clear_error (self);
  self->error = g_strdup (text);
  gtk_label_set_text (self->error_label, text);
  gtk_widget_set_visible (GTK_WIDGET (self->error_label), TRUE);
  if (entry != NULL)
    {
      gtk_widget_add_css_class (GTK_WIDGET (entry), "error");
      gtk_widget_grab_focus (GTK_WIDGET (entry));
    }
}

static void
toast (TernComposerWindow *self,
       const char         *text)
{
  adw_toast_overlay_add_toast (self->toasts, adw_toast_new (text));
}

/* The main windows show a new draft, or a message gone from Drafts, at once. */
static void
refresh_windows (TernComposerWindow *self)
{
  for (GList *l = gtk_application_get_windows (GTK_APPLICATION (self->app)); l != NULL; l = l->next)
    if (TERN_IS_WINDOW (l->data))
      tern_window_refresh (l->data);
}

static gboolean
worker_online (TernAccountWorker *worker)
{
  return worker != NULL && tern_account_worker_get_reachable (worker);
}

static void
set_busy (TernComposerWindow *self,
          gboolean            busy)
{
  if (busy)
    self->busy++;
  else if (self->busy > 0)
    self->busy--;
}

/* Accounts: the From list. */

static const TernIdentity *
current_identity (TernComposerWindow *self)
{
  guint pos = gtk_drop_down_get_selected (self->from_dropdown);

  if (pos == GTK_INVALID_LIST_POSITION || pos >= self->identities->len)
    return NULL;
  return self->identities->pdata[pos];
}

static gint64
account_id (TernComposerWindow *self)
{
  const TernIdentity *identity = current_identity (self);

  return identity != NULL ? identity->account_id : 0;
}

static TernAccount *
current_account (TernComposerWindow *self)
{
  gint64 id = account_id (self);

  return id != 0 ? tern_store_get_account_by_id (self->store, id, NULL) : NULL;
}

/* The identity of the account with that address; the account's default one for NULL. */
static gboolean
select_identity (TernComposerWindow *self,
                 gint64              account,
                 const char         *address)
{
  for (guint i = 0; i < self->identities->len; i++)
    {
      const TernIdentity *identity = self->identities->pdata[i];

      if ((account == 0 || identity->account_id == account) &&
          (address == NULL ? identity->is_default
                           : g_ascii_strcasecmp (identity->address, address) == 0))
        {
          gtk_drop_down_set_selected (self->from_dropdown, i);
          return TRUE;
        }
    }
  return FALSE;
}

static void
select_account (TernComposerWindow *self,
                gint64              id)
{
  select_identity (self, id, NULL);
}

static void
fill_accounts (TernComposerWindow *self)
{
  g_autoptr(GPtrArray) accounts = tern_store_list_accounts (self->store, NULL);
  g_autoptr(GtkStringList) names = gtk_string_list_new (NULL);

  g_ptr_array_set_size (self->identities, 0);
  for (guint i = 0; accounts != NULL && i < accounts->len; i++)
    {
      const TernAccount *a = accounts->pdata[i];
      g_autoptr(GPtrArray) identities = tern_identity_list (self->store, a->id, NULL);

      for (guint j = 0; identities != NULL && j < identities->len; j++)
        {
          TernIdentity *identity = identities->pdata[j];
          g_autofree char *mailbox = identity->name != NULL
                                     ? g_strdup_printf ("%s <%s>", identity->name, identity->address)
                                     : g_strdup (identity->address);
          g_autofree char *label = g_strcmp0 (a->name, identity->address) == 0
                                   ? g_strdup (mailbox)
                                   : g_strdup_printf ("%s — %s", mailbox, a->name);

          gtk_string_list_append (names, label);
          g_ptr_array_add (self->identities, g_steal_pointer (&identities->pdata[j]));
        }
    }
  gtk_drop_down_set_model (self->from_dropdown, G_LIST_MODEL (names));
}

/* The user's own addresses, every identity's: never replied to. (transfer full) */
static GStrv
my_addresses (TernComposerWindow *self)
{
  return tern_identity_dup_all_addresses (self->store);
}

/* Whether address appears as an address in a header's text (case-insensitive). */
static gboolean
header_names (const char *header,
              const char *address)
{
  g_autofree char *hay = NULL;
  g_autofree char *needle = NULL;
  const char *p;
  const char *word = "abcdefghijklmnopqrstuvwxyz0123456789.!#$%&'*+/=?^_`{|}~-";

  if (header == NULL || address == NULL || *address == '\0')
    return FALSE;
  hay = g_ascii_strdown (header, -1);
  needle = g_ascii_strdown (address, -1);
  for (p = strstr (hay, needle); p != NULL; p = strstr (p + 1, needle))
    {
      char after = p[strlen (needle)];

      if ((p == hay || strchr (word, p[-1]) == NULL) && (after == '\0' || strchr (word, after) == NULL))
        return TRUE;
    }
  return FALSE;
}

/* A reply or forward goes from the identity the original was sent to (To before Cc): one of
 * its account's, else one of another account's; else the account's default. */
static void
select_identity_for (TernComposerWindow *self,
                     const TernMessage  *original,
                     gint64              account)
{
  const char *headers[] = { original->to_list, original->cc_list };

  for (int pass = 0; pass < 2; pass++)
    for (guint h = 0; h < G_N_ELEMENTS (headers); h++)
      for (guint i = 0; i < self->identities->len; i++)
        {
          const TernIdentity *identity = self->identities->pdata[i];

          if ((pass == 0) != (identity->account_id == account))
            continue;
          if (header_names (headers[h], identity->address))
            {
              gtk_drop_down_set_selected (self->from_dropdown, i);
              return;
            }
        }
}

/* "Name <address>" with the name quoted if it needs to be. */
static char *
format_mailbox (const char *name,
                const char *address)
{
  GString *out;

  if (name == NULL || *name == '\0')
    return g_strdup (address);
  out = g_string_new (NULL);
  if (strpbrk (name, "()<>[]:;@\\,.\"") != NULL)
    {
      g_string_append_c (out, '"');
      for (const char *p = name; *p != '\0'; p++)
        {
          if (*p == '"' || *p == '\\')
            g_string_append_c (out, '\\');
          g_string_append_c (out, *p);
        }
      g_string_append_c (out, '"');
    }
  else
    g_string_append (out, name);
  g_string_append_printf (out, " <%s>", address);
  return g_string_free (out, FALSE);
}

/* The From address: the identity's name, else the user's (as the session knows it), and its
 * address. */
static char *
from_address (const TernIdentity *identity)
{
  const char *real = g_get_real_name ();

  if (identity->name != NULL)
    real = identity->name;
  else if (real == NULL || *real == '\0' || g_str_equal (real, "Unknown"))
    real = NULL;
  return format_mailbox (real, identity->address);
}

/* Signatures. */

static char *
signature_block (const TernIdentity *identity)
{
  if (identity == NULL || identity->signature == NULL || *identity->signature == '\0')
    return g_strdup ("");
  return g_strconcat ("\n\n-- \n", identity->signature, NULL);
}

/* Where a signature goes: above the original's text, or at the end. */
static void
signature_limit (TernComposerWindow *self,
                 GtkTextIter        *iter)
{
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (self->body_view);

  if (self->quote_mark != NULL)
    gtk_text_buffer_get_iter_at_mark (buffer, iter, self->quote_mark);
  else
    gtk_text_buffer_get_end_iter (buffer, iter);
}

/* The identity's signature in place of the one inserted before, unless the user changed
 * that; nothing for a draft opened again (signature_block NULL). */
static void
update_signature (TernComposerWindow *self)
{
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (self->body_view);
  g_autofree char *block = NULL;
  g_autofree char *before = NULL;
  GtkTextIter start, limit;

  if (self->signature_block == NULL)
    return;
  block = signature_block (current_identity (self));
  if (g_str_equal (block, self->signature_block))
    return;

  signature_limit (self, &limit);
  gtk_text_buffer_get_start_iter (buffer, &start);
  before = gtk_text_buffer_get_text (buffer, &start, &limit, FALSE);
  if (*self->signature_block != '\0')
    {
      const char *found = g_str_has_suffix (before, self->signature_block)
                          ? before + strlen (before) - strlen (self->signature_block) : NULL;
      GtkTextIter from;

      /* Edited: the user's now. */
      if (found == NULL)
        {
          g_clear_pointer (&self->signature_block, g_free);
          return;
        }
      gtk_text_buffer_get_iter_at_offset (buffer, &from, (int) g_utf8_pointer_to_offset (before, found));
      gtk_text_buffer_delete (buffer, &from, &limit);
      signature_limit (self, &limit);
    }
  if (*block != '\0')
    {
      GtkTextIter cursor;
      int offset;

      gtk_text_buffer_get_iter_at_mark (buffer, &cursor, gtk_text_buffer_get_insert (buffer));
      offset = gtk_text_iter_get_offset (&cursor);
      gtk_text_buffer_insert (buffer, &limit, block, -1);
      /* The cursor stays where the user writes, above it. */
      gtk_text_buffer_get_iter_at_offset (buffer, &cursor, offset);
      gtk_text_buffer_place_cursor (buffer, &cursor);
    }
  g_free (self->signature_block);
  self->signature_block = g_steal_pointer (&block);
}

static void
from_changed_cb (TernComposerWindow *self)
{
  update_signature (self);
}

/* Where this message's files go: <cache>/outbox/drafts/<Message-ID>.eml and a folder beside. */
static char *
draft_key (TernComposerWindow *self)
{
  GString *key = g_string_new (NULL);

  for (const char *p = self->message_id; p != NULL && *p != '\0'; p++)
    if (g_ascii_isalnum (*p) || *p == '.' || *p == '-' || *p == '_' || *p == '@')
      g_string_append_c (key, *p);
    else if (*p != '<' && *p != '>')
      g_string_append_c (key, '_');
  return g_string_free (key, FALSE);
}

static char *
drafts_dir (TernComposerWindow *self)
{
  g_autofree char *outbox = tern_outbox_dup_dir (self->store);
  char *dir = g_build_filename (outbox, "drafts", NULL);

  g_mkdir_with_parents (dir, 0700);
  return dir;
}

static const char *
work_dir (TernComposerWindow *self)
{
  if (self->work_dir == NULL)
    {
      g_autofree char *dir = drafts_dir (self);
      g_autofree char *key = draft_key (self);
      g_autofree char *name = g_strconcat (key, ".files", NULL);

      self->work_dir = g_build_filename (dir, name, NULL);
      g_mkdir_with_parents (self->work_dir, 0700);
    }
  return self->work_dir;
}

static void
remove_work_dir (TernComposerWindow *self)
{
  g_autoptr(GDir) dir = NULL;
  const char *name;

  if (self->work_dir == NULL || (dir = g_dir_open (self->work_dir, 0, NULL)) == NULL)
    return;
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = g_build_filename (self->work_dir, name, NULL);

      g_unlink (path);
    }
  g_rmdir (self->work_dir);
}

/* Attachments. */

static void
rebuild_attachments (TernComposerWindow *self)
{
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->attachments_list))) != NULL)
    gtk_list_box_remove (self->attachments_list, child);

  for (guint i = 0; i < self->attachments->len; i++)
    {
      Attachment *a = self->attachments->pdata[i];
      g_autofree char *size = g_format_size (a->size);
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
      adw_action_row_set_subtitle (ADW_ACTION_ROW (row), size);
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

static gboolean
add_file (TernComposerWindow  *self,
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
  rebuild_attachments (self);
  if (!self->loading)
    mark_dirty (self);
  return TRUE;
}

gboolean
tern_composer_window_add_attachment (TernComposerWindow  *self,
                                     const char          *path,
                                     GError             **error)
{
  g_return_val_if_fail (TERN_IS_COMPOSER_WINDOW (self), FALSE);
  g_return_val_if_fail (path != NULL, FALSE);

  return add_file (self, path, NULL, NULL, error);
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
        toast (self, _("Only files on this computer can be attached"));
      else if (!add_file (self, path, NULL, NULL, &error))
        toast (self, error->message);
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

static void
attach_action (GtkWidget  *widget,
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

static void
remove_attachment_action (GtkWidget  *widget,
                          const char *action_name,
                          GVariant   *param)
{
  TernComposerWindow *self = TERN_COMPOSER_WINDOW (widget);
  guint index = g_variant_get_uint32 (param);

  if (index >= self->attachments->len)
    return;
  g_ptr_array_remove_index (self->attachments, index);
  rebuild_attachments (self);
  mark_dirty (self);
}

static gboolean
drop_cb (GtkDropTarget      *target,
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

static void
update_suggestions (TernComposerWindow *self,
                    GtkEntry           *entry)
{
  GtkEntryCompletion *completion = gtk_entry_get_completion (entry);
  GtkListStore *model = GTK_LIST_STORE (gtk_entry_completion_get_model (completion));
  g_autoptr(GPtrArray) found = NULL;
  g_autoptr(GError) error = NULL;
  const char *prefix = last_address (entry_text (entry));

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
      g_autofree char *text = format_mailbox (a->name, a->address);
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
  const char *text = entry_text (entry);
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

static void
setup_completion (TernComposerWindow *self,
                  GtkEntry           *entry)
{
  g_autoptr(GtkEntryCompletion) completion = gtk_entry_completion_new ();
  g_autoptr(GtkListStore) model = gtk_list_store_new (1, G_TYPE_STRING);

  gtk_entry_completion_set_model (completion, GTK_TREE_MODEL (model));
  gtk_entry_completion_set_text_column (completion, 0);
  gtk_entry_completion_set_match_func (completion, match_all_cb, NULL, NULL);
  gtk_entry_completion_set_minimum_key_length (completion, 1);
  gtk_entry_completion_set_inline_completion (completion, FALSE);
  gtk_entry_completion_set_popup_single_match (completion, TRUE);
  g_signal_connect (completion, "match-selected", G_CALLBACK (match_selected_cb), self);
  gtk_entry_set_completion (entry, completion);
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

/* Changes and the title. */

static void
update_title (TernComposerWindow *self)
{
  const char *subject = entry_text (self->subject_entry);
  const char *title;

  switch (self->mode)
    {
    case TERN_COMPOSE_REPLY:
    case TERN_COMPOSE_REPLY_ALL:
      title = _("Reply");
      break;
    case TERN_COMPOSE_FORWARD:
    case TERN_COMPOSE_FORWARD_ATTACHED:
      title = _("Forward");
      break;
    case TERN_COMPOSE_EDIT_DRAFT:
      title = _("Draft");
      break;
    case TERN_COMPOSE_NEW:
    default:
      title = _("New Message");
      break;
    }
  adw_window_title_set_title (self->window_title, *subject ? subject : title);
  adw_window_title_set_subtitle (self->window_title, *subject ? title : "");
  gtk_window_set_title (GTK_WINDOW (self), *subject ? subject : title);
}

static gboolean save_draft (TernComposerWindow *self, GError **error);

static gboolean
autosave_cb (gpointer data)
{
  TernComposerWindow *self = data;
  g_autoptr(GError) error = NULL;

  self->autosave_id = 0;
  if (self->dirty && !self->done && !save_draft (self, &error))
    set_notice (self, error->message);
  return G_SOURCE_REMOVE;
}

static void
mark_dirty (TernComposerWindow *self)
{
  if (self->loading || self->done)
    return;
  self->dirty = TRUE;
  if (self->autosave_id == 0)
    self->autosave_id = g_timeout_add_full (G_PRIORITY_DEFAULT, self->autosave_ms, autosave_cb, self, NULL);
}

static void
field_changed_cb (TernComposerWindow *self)
{
  if (self->loading)
    return;
  if (self->error != NULL)
    clear_error (self);
  mark_dirty (self);
}

static void
address_changed_cb (GtkEntry           *entry,
                    TernComposerWindow *self)
{
  field_changed_cb (self);
  if (!self->loading)
    update_suggestions (self, entry);
}

static void
subject_changed_cb (TernComposerWindow *self)
{
  update_title (self);
  field_changed_cb (self);
}

/* Building the message. */

/* References without the last id when that is the In-Reply-To one: what the original's
 * References were, for tern_composer_set_reply() to add it again. */
static char *
references_before (const char *references,
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
  const TernIdentity *identity = current_identity (self);
  g_autofree char *from = NULL;
  g_autofree char *body = body_text (self);
  struct { GtkEntry *entry; gboolean (*set) (TernComposer *, const char *, GError **); } lists[] = {
    { self->to_entry, tern_composer_set_to },
    { self->cc_entry, tern_composer_set_cc },
    { self->bcc_entry, tern_composer_set_bcc },
  };

  g_assert (identity != NULL && identity->account_id == account->id);
  from = from_address (identity);
  if (!tern_composer_set_from (c, from, error))
    return NULL;
  if (identity->reply_to != NULL && !tern_composer_set_reply_to (c, identity->reply_to, error))
    return NULL;
  for (guint i = 0; i < G_N_ELEMENTS (lists); i++)
    {
      g_autoptr(GError) local_error = NULL;

      /* A draft keeps what can be kept of a field still being typed. */
      if (!lists[i].set (c, entry_text (lists[i].entry), &local_error) && !draft)
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return NULL;
        }
    }
  tern_composer_set_subject (c, entry_text (self->subject_entry));
  tern_composer_set_body (c, body);
  tern_composer_set_message_id (c, self->message_id);
  if (self->reply_id != NULL)
    tern_composer_set_reply (c, self->reply_id, self->reply_references, self->reply_in_reply_to);
  for (guint i = 0; i < self->attachments->len; i++)
    {
      Attachment *a = self->attachments->pdata[i];

      if (g_strcmp0 (a->content_type, "message/rfc822") == 0)
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

  dir = drafts_dir (self);
  key = draft_key (self);
  name = g_strconcat (key, ".eml", NULL);
  return g_build_filename (dir, name, NULL);
}

static gboolean
is_empty (TernComposerWindow *self)
{
  g_autofree char *body = body_text (self);

  /* The identity's signature alone, as inserted, is nothing written. */
  if (self->signature_block != NULL && *self->signature_block != '\0' &&
      g_str_has_suffix (body, self->signature_block))
    body[strlen (body) - strlen (self->signature_block)] = '\0';
  return *entry_text (self->to_entry) == '\0' && *entry_text (self->cc_entry) == '\0' &&
         *entry_text (self->bcc_entry) == '\0' && *entry_text (self->subject_entry) == '\0' &&
         *g_strstrip (body) == '\0' && self->attachments->len == 0;
}

static void
tell_worker (TernComposerWindow *self,
             gint64              account)
{
  TernAccountWorker *worker = tern_application_get_worker (self->app, account);

  if (worker != NULL)
    tern_account_worker_local_change (worker);
}

/* Keeps what the user wrote: on this computer, then a new version in Drafts (through the
 * journal, so offline too). TRUE once it is safe somewhere; a Drafts folder that cannot be
 * used is said in the notice. */
static gboolean
save_draft (TernComposerWindow  *self,
            GError             **error)
{
  g_autoptr(TernAccount) account = current_account (self);
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

      set_notice (self, text);
      return TRUE;
    }
  self->draft_id = id;
  self->draft_account_id = account->id;
  self->replace_draft = TRUE;
  if (others > 0)
    set_notice (self, _("This draft was also changed elsewhere: that version is kept in Drafts as a copy."));
  tell_worker (self, account->id);
  refresh_windows (self);
  return TRUE;
}

static void
save_draft_action (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *param)
{
  TernComposerWindow *self = TERN_COMPOSER_WINDOW (widget);
  g_autoptr(GError) error = NULL;

  if (!save_draft (self, &error))
    toast (self, error->message);
  else if (self->draft_id != 0)
    toast (self, _("Draft saved"));
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
      refresh_windows (self);
    }
  destroy_later (self);
}

static void
discard_action (GtkWidget  *widget,
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
static gboolean
close_request_cb (TernComposerWindow *self)
{
  g_autoptr(GError) error = NULL;
  GtkWidget *dialog;

  if (self->done || !self->dirty)
    return FALSE;
  if (save_draft (self, &error))
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

      if (!tern_compose_check_addresses (entry_text (fields[i].entry), &n, &bad))
        {
          g_autofree char *text = g_strdup_printf (_("“%s” in %s is not an email address"),
                                                   bad ? bad : "", _(fields[i].name));

          if (fields[i].entry != self->to_entry)
            gtk_toggle_button_set_active (self->cc_button, TRUE);
          show_error (self, fields[i].entry, text);
          return FALSE;
        }
      total += n;
    }
  if (total == 0)
    {
      show_error (self, self->to_entry, _("Add at least one recipient"));
      return FALSE;
    }
  return TRUE;
}

static void
really_send (TernComposerWindow *self)
{
  g_autoptr(TernAccount) account = current_account (self);
  g_autoptr(TernComposer) c = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;
  TernOutboxOptions options = { 0 };
  TernAccountWorker *worker;
  gint64 id;

  if (account == NULL)
    {
      show_error (self, NULL, _("There is no account to send from"));
      return;
    }
  if ((c = build (self, account, FALSE, &error)) == NULL)
    {
      show_error (self, NULL, error->message);
      return;
    }
  path = g_build_filename (work_dir (self), "outgoing.eml", NULL);
  if (!tern_composer_write_to_file (c, path, &error))
    {
      show_error (self, NULL, error->message);
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
      show_error (self, NULL, error->message);
      return;
    }

  finish (self);
  worker = tern_application_get_worker (self->app, account->id);
  if (worker != NULL)
    tern_account_worker_send_now (worker);
  refresh_windows (self);
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

static void
send_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *param)
{
  TernComposerWindow *self = TERN_COMPOSER_WINDOW (widget);
  g_autofree char *body = NULL;
  g_autofree char *text = NULL;

  if (self->done)
    return;
  if (self->busy > 0)
    {
      show_error (self, NULL, _("The original message is still being fetched: send it in a moment"));
      return;
    }
  if (!validate (self))
    return;

  body = body_text (self);
  text = g_strdup_printf ("%s\n%s", entry_text (self->subject_entry), body);
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

static void
show_cc_bcc_action (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *param)
{
  TernComposerWindow *self = TERN_COMPOSER_WINDOW (widget);

  gtk_toggle_button_set_active (self->cc_button, TRUE);
  gtk_widget_grab_focus (GTK_WIDGET (self->cc_entry));
}

/* The original: its text, its whole self, a draft. */

/* The cached text of a message as plain text, or NULL if it is not cached. */
static char *
cached_text (TernComposerWindow *self,
             gint64              message_id)
{
  g_autoptr(TernBody) body = tern_store_get_body (self->store, message_id, NULL);

  if (body == NULL)
    return NULL;
  if (g_strcmp0 (body->content_type, "text/html") == 0)
    return tern_mime_html_to_text (body->text);
  return g_strdup (body->text);
}

static char *
describe_sender (const TernMessage *m)
{
  if (m->from_name != NULL && *m->from_name != '\0')
    return format_mailbox (m->from_name, m->from_addr ? m->from_addr : "");
  return g_strdup (m->from_addr ? m->from_addr : "");
}

/* What goes into the body for the original's text: a quote under "On DATE, NAME wrote:", or
 * the forwarded message's headers and text. */
static char *
original_block (TernComposerWindow *self,
                const TernMessage  *original,
                const char         *text)
{
  GString *out;
  g_autofree char *from = NULL;

  if (self->mode != TERN_COMPOSE_FORWARD)
    return tern_compose_quote (original, text);

  from = describe_sender (original);
  out = g_string_new (_("-------- Forwarded Message --------"));
  g_string_append_c (out, '\n');
  g_string_append_printf (out, _("Subject: %s\n"), original->subject ? original->subject : "");
  if (original->date != 0)
    {
      g_autofree char *date = tern_format_message_date (original->date);

      if (date != NULL)
        g_string_append_printf (out, _("Date: %s\n"), date);
    }
  g_string_append_printf (out, _("From: %s\n"), from);
  if (original->to_list != NULL)
    g_string_append_printf (out, _("To: %s\n"), original->to_list);
  if (original->cc_list != NULL)
    g_string_append_printf (out, _("Cc: %s\n"), original->cc_list);
  g_string_append_c (out, '\n');
  g_string_append (out, text);
  return g_string_free (out, FALSE);
}

static void
insert_original (TernComposerWindow *self,
                 const char         *text)
{
  g_autoptr(TernMessage) original = tern_store_get_message (self->store, self->original_id, NULL);
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (self->body_view);
  g_autofree char *block = NULL;
  g_autofree char *typed = body_text (self);
  GtkTextIter end, start;
  int offset;

  if (original == NULL)
    return;
  block = original_block (self, original, text);
  self->loading = TRUE;
  gtk_text_buffer_get_end_iter (buffer, &end);
  offset = gtk_text_iter_get_offset (&end);
  /* The reply goes above the quote: an empty line for it, the cursor on it. */
  gtk_text_buffer_insert (buffer, &end, "\n\n", -1);
  gtk_text_buffer_insert (buffer, &end, block, -1);
  /* A signature inserted later goes here: text inserted at the mark goes before it. */
  if (self->quote_mark == NULL)
    {
      gtk_text_buffer_get_iter_at_offset (buffer, &start, offset);
      self->quote_mark = g_object_ref (gtk_text_buffer_create_mark (buffer, NULL, &start, FALSE));
    }
  if (*typed == '\0' || g_strcmp0 (typed, self->signature_block) == 0)
    {
      gtk_text_buffer_get_start_iter (buffer, &start);
      gtk_text_buffer_place_cursor (buffer, &start);
    }
  self->loading = FALSE;
}

static void
text_fetched_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(TernComposerWindow) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;

  set_busy (self, FALSE);
  if (!tern_account_worker_fetch_text_finish (TERN_ACCOUNT_WORKER (source), result, &error))
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        set_notice (self, _("The original text could not be fetched, so it is not quoted."));
      return;
    }
  text = cached_text (self, self->original_id);
  insert_original (self, text ? text : "");
}

static void
add_original_text (TernComposerWindow *self,
                   gint64              account)
{
  g_autofree char *text = cached_text (self, self->original_id);
  TernAccountWorker *worker;

  if (text != NULL)
    {
      insert_original (self, text);
      return;
    }
  worker = tern_application_get_worker (self->app, account);
  if (!worker_online (worker))
    {
      set_notice (self, _("The original text is not available offline, so it is not quoted."));
      return;
    }
  set_busy (self, TRUE);
  tern_account_worker_fetch_text_async (worker, self->original_id, self->cancellable,
                                        text_fetched_cb, g_object_ref (self));
}

static char *
eml_name (const char *subject)
{
  g_autofree char *base = g_strdup (subject && *subject ? subject : _("Forwarded message"));

  g_strdelimit (base, "/\\:", '-');
  return g_strconcat (base, ".eml", NULL);
}

typedef struct
{
  TernComposerWindow *self;
  char               *path;
  char               *filename;
} Export;

static void
export_free (Export *e)
{
  g_object_unref (e->self);
  g_free (e->path);
  g_free (e->filename);
  g_free (e);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Export, export_free)

static void
original_exported_cb (GObject      *source,
                      GAsyncResult *result,
                      gpointer      user_data)
{
  g_autoptr(Export) e = user_data;
  g_autoptr(GError) error = NULL;

  set_busy (e->self, FALSE);
  if (!tern_account_worker_export_finish (TERN_ACCOUNT_WORKER (source), result, &error))
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        set_notice (e->self, _("The original message could not be fetched, so it is not attached."));
      return;
    }
  e->self->loading = TRUE;
  add_file (e->self, e->path, e->filename, "message/rfc822", NULL);
  e->self->loading = FALSE;
}

/* Forward as attachment: the whole original, from the cache if it has it (a message saved
 * here), else from the server. */
static void
attach_original (TernComposerWindow *self,
                 const TernMessage  *original,
                 gint64              account)
{
  g_autofree char *filename = eml_name (original->subject);
  g_autofree char *path = g_build_filename (work_dir (self), "original.eml", NULL);
  g_autoptr(GBytes) raw = tern_journal_dup_raw (self->store, self->original_id, NULL);
  TernAccountWorker *worker;
  Export *e;

  if (raw != NULL)
    {
      g_autoptr(GError) error = NULL;

      if (g_file_set_contents_full (path, g_bytes_get_data (raw, NULL), (gssize) g_bytes_get_size (raw),
                                    G_FILE_SET_CONTENTS_NONE, 0600, &error))
        add_file (self, path, filename, "message/rfc822", NULL);
      else
        set_notice (self, error->message);
      return;
    }
  worker = tern_application_get_worker (self->app, account);
  if (!worker_online (worker))
    {
      set_notice (self, _("The original message is not available offline, so it cannot be attached. "
                          "Forward it when online, or forward its text."));
      return;
    }
  set_busy (self, TRUE);
  e = g_new0 (Export, 1);
  e->self = g_object_ref (self);
  e->path = g_steal_pointer (&path);
  e->filename = g_steal_pointer (&filename);
  tern_account_worker_export_async (worker, self->original_id, e->path, self->cancellable,
                                    original_exported_cb, e);
}

/* A forward keeps the original's attachments this cache has downloaded. */
static void
add_original_attachments (TernComposerWindow *self,
                          const TernMessage  *original)
{
  guint missing = 0;

  for (guint i = 0; original->parts != NULL && i < original->parts->len; i++)
    {
      const TernPart *p = original->parts->pdata[i];
      g_autofree char *path = NULL;
      g_autofree char *type = NULL;
      gboolean complete = FALSE;
      gboolean attachment = (p->disposition != NULL && g_ascii_strcasecmp (p->disposition, "attachment") == 0) ||
                            (p->filename != NULL && g_strcmp0 (p->type, "multipart") != 0);

      if (!attachment)
        continue;
      if (tern_store_get_part_file (self->store, original->id, p->section, &path, NULL, &complete) &&
          complete && path != NULL && g_file_test (path, G_FILE_TEST_IS_REGULAR))
        {
          type = g_strdup_printf ("%s/%s", p->type ? p->type : "application",
                                  p->subtype ? p->subtype : "octet-stream");
          add_file (self, path, p->filename ? p->filename : _("attachment"), type, NULL);
        }
      else
        missing++;
    }
  if (missing > 0)
    {
      g_autofree char *text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                                            "%u attachment of the original is not downloaded, so it is not included. Forward as an attachment to include everything.",
                                                            "%u attachments of the original are not downloaded, so they are not included. Forward as an attachment to include everything.",
                                                            missing), missing);

      set_notice (self, text);
    }
}

/* A draft opened again: its fields, text and attachments. */
static void
apply_parsed (TernComposerWindow      *self,
              const TernComposeParsed *parsed)
{
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (self->body_view);

  self->loading = TRUE;
  set_entry (self, self->to_entry, parsed->to);
  set_entry (self, self->cc_entry, parsed->cc);
  set_entry (self, self->bcc_entry, parsed->bcc);
  set_entry (self, self->subject_entry, parsed->subject);
  gtk_text_buffer_set_text (buffer, parsed->body ? parsed->body : "", -1);
  if (parsed->message_id != NULL)
    {
      g_free (self->message_id);
      self->message_id = g_strdup (parsed->message_id);
    }
  if (parsed->in_reply_to != NULL)
    {
      g_free (self->reply_id);
      self->reply_id = g_strdup (parsed->in_reply_to);
      g_free (self->reply_references);
      self->reply_references = references_before (parsed->references, parsed->in_reply_to);
    }
  if ((parsed->cc && *parsed->cc) || (parsed->bcc && *parsed->bcc))
    gtk_toggle_button_set_active (self->cc_button, TRUE);
  for (guint i = 0; i < parsed->attachments->len; i++)
    {
      const TernComposeFile *f = parsed->attachments->pdata[i];

      add_file (self, f->path, f->filename, f->content_type, NULL);
    }
  /* The From address says which account it belongs to. */
  if (parsed->from != NULL)
    {
      for (guint i = 0; i < self->identities->len; i++)
        {
          const TernIdentity *identity = self->identities->pdata[i];
          g_autofree char *needle = g_strdup_printf ("<%s>", identity->address);

          if (g_ascii_strcasecmp (parsed->from, identity->address) == 0 ||
              strstr (parsed->from, needle) != NULL)
            {
              gtk_drop_down_set_selected (self->from_dropdown, i);
              break;
            }
        }
    }
  self->loading = FALSE;
  update_title (self);
}

static gboolean
load_draft_raw (TernComposerWindow  *self,
                GBytes              *raw,
                GError             **error)
{
  g_autoptr(TernComposeParsed) parsed = tern_compose_parse_message (raw, work_dir (self), error);

  if (parsed == NULL)
    return FALSE;
  apply_parsed (self, parsed);
  self->replace_draft = TRUE;
  return TRUE;
}

/* Offline and not stored here whole: what the cache knows (the envelope and the text if it
 * was read). Saving it then keeps the version on the server as a copy: nothing is lost. */
static void
load_draft_envelope (TernComposerWindow *self,
                     const TernMessage  *m)
{
  g_autofree char *text = cached_text (self, m->id);
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (self->body_view);

  self->loading = TRUE;
  set_entry (self, self->to_entry, m->to_list);
  set_entry (self, self->cc_entry, m->cc_list);
  set_entry (self, self->bcc_entry, m->bcc_list);
  set_entry (self, self->subject_entry, m->subject);
  gtk_text_buffer_set_text (buffer, text ? text : "", -1);
  if (m->in_reply_to != NULL)
    {
      self->reply_id = g_strdup (m->in_reply_to);
      self->reply_references = references_before (m->references, m->in_reply_to);
    }
  self->loading = FALSE;
  self->replace_draft = FALSE;
  if (text == NULL)
    set_notice (self, _("The text of this draft is not available offline. What you write is saved "
                        "as a new version; the one on the server is kept."));
  else if (m->parts != NULL && m->parts->len > 1)
    set_notice (self, _("The attachments of this draft are not available offline. What you write "
                        "is saved as a new version; the one on the server is kept."));
}

static void
draft_exported_cb (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(TernComposerWindow) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(TernMessage) m = tern_store_get_message (self->store, self->original_id, NULL);
  g_autofree char *path = g_build_filename (work_dir (self), "draft.eml", NULL);
  g_autoptr(GMappedFile) file = NULL;

  set_busy (self, FALSE);
  if (!tern_account_worker_export_finish (TERN_ACCOUNT_WORKER (source), result, &error) &&
      g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;   /* the window is gone */
  gtk_widget_set_sensitive (self->fields, TRUE);
  gtk_widget_set_sensitive (GTK_WIDGET (self->body_view), TRUE);
  if (error == NULL && (file = g_mapped_file_new (path, FALSE, &error)) != NULL)
    {
      g_autoptr(GBytes) raw = g_mapped_file_get_bytes (file);

      if (load_draft_raw (self, raw, &error))
        {
          g_unlink (path);
          return;
        }
    }
  if (m != NULL)
    load_draft_envelope (self, m);
}

static void
load_draft (TernComposerWindow *self,
            const TernMessage  *m,
            gint64              account)
{
  g_autoptr(GBytes) raw = tern_journal_dup_raw (self->store, m->id, NULL);
  TernAccountWorker *worker = tern_application_get_worker (self->app, account);

  self->draft_id = m->id;
  self->draft_account_id = account;
  if (m->message_id != NULL)
    {
      g_free (self->message_id);
      self->message_id = g_strdup (m->message_id);
    }
  if (raw != NULL && load_draft_raw (self, raw, NULL))
    return;
  if (!worker_online (worker))
    {
      load_draft_envelope (self, m);
      return;
    }
  {
    g_autofree char *path = g_build_filename (work_dir (self), "draft.eml", NULL);

    /* Nothing to edit until it is here: what the user typed would be overwritten. */
    gtk_widget_set_sensitive (self->fields, FALSE);
    gtk_widget_set_sensitive (GTK_WIDGET (self->body_view), FALSE);
    set_busy (self, TRUE);
    tern_account_worker_export_async (worker, m->id, path, self->cancellable, draft_exported_cb,
                                      g_object_ref (self));
  }
}

static void
load_original (TernComposerWindow *self,
               gint64              account)
{
  g_autoptr(TernMessage) original = tern_store_get_message (self->store, self->original_id, NULL);
  g_autofree char *subject = NULL;

  if (original == NULL)
    {
      set_notice (self, _("The original message is no longer in the cache."));
      return;
    }

  if (self->mode == TERN_COMPOSE_EDIT_DRAFT)
    {
      load_draft (self, original, account);
      return;
    }

  self->loading = TRUE;
  if (self->mode == TERN_COMPOSE_REPLY || self->mode == TERN_COMPOSE_REPLY_ALL)
    {
      g_auto(GStrv) mine = my_addresses (self);
      g_autofree char *to = NULL;
      g_autofree char *cc = NULL;

      tern_compose_reply_recipients (original, (const char * const *) mine,
                                     self->mode == TERN_COMPOSE_REPLY_ALL, &to, &cc);
      set_entry (self, self->to_entry, to);
      set_entry (self, self->cc_entry, cc);
      if (cc != NULL)
        gtk_toggle_button_set_active (self->cc_button, TRUE);
      subject = tern_compose_reply_subject (original->subject);
      self->reply_id = g_strdup (original->message_id);
      self->reply_references = g_strdup (original->references);
      self->reply_in_reply_to = g_strdup (original->in_reply_to);
    }
  else
    {
      subject = tern_compose_forward_subject (original->subject);
      self->forwards = g_strdup (original->message_id);
    }
  set_entry (self, self->subject_entry, subject);
  self->loading = FALSE;

  if (self->mode == TERN_COMPOSE_FORWARD_ATTACHED)
    attach_original (self, original, account);
  else
    {
      if (self->mode == TERN_COMPOSE_FORWARD)
        {
          self->loading = TRUE;
          add_original_attachments (self, original);
          self->loading = FALSE;
        }
      add_original_text (self, account);
    }
  update_title (self);
}

/* Public API. */

TernComposerWindow *
tern_composer_window_new (TernApplication *app,
                          TernComposeMode  mode,
                          gint64           account,
                          gint64           message_id)
{
  TernComposerWindow *self;
  GtkTextIter start;

  g_return_val_if_fail (TERN_IS_APPLICATION (app), NULL);

  self = g_object_new (TERN_TYPE_COMPOSER_WINDOW, "application", app, NULL);
  self->app = app;
  self->store = tern_application_get_store (app);
  self->mode = message_id != 0 ? mode : TERN_COMPOSE_NEW;
  self->original_id = message_id;

  fill_accounts (self);
  if (account == 0 && message_id != 0)
    {
      g_autoptr(TernMessage) m = tern_store_get_message (self->store, message_id, NULL);
      g_autoptr(TernFolder) folder = m ? tern_store_get_folder_by_id (self->store, m->folder_id, NULL) : NULL;

      account = folder ? folder->account_id : 0;
    }
  self->loading = TRUE;
  if (account != 0)
    select_account (self, account);
  if (self->original_id != 0 && self->mode != TERN_COMPOSE_EDIT_DRAFT)
    {
      g_autoptr(TernMessage) original = tern_store_get_message (self->store, self->original_id, NULL);

      if (original != NULL)
        select_identity_for (self, original, account);
    }
  /* The identity's signature, below the text (above the original's, which comes after). */
  if (self->mode != TERN_COMPOSE_EDIT_DRAFT)
    {
      self->signature_block = g_strdup ("");
      update_signature (self);
      gtk_text_buffer_get_start_iter (gtk_text_view_get_buffer (self->body_view), &start);
      gtk_text_buffer_place_cursor (gtk_text_view_get_buffer (self->body_view), &start);
    }
  self->loading = FALSE;

  /* One Message-ID for every version of the draft and for the message sent. */
  {
    g_autoptr(TernAccount) a = current_account (self);
    g_autoptr(TernComposer) c = tern_composer_new ();

    if (a != NULL)
      tern_composer_set_from (c, current_identity (self)->address, NULL);
    self->message_id = g_strdup (tern_composer_get_message_id (c));
  }

  if (self->original_id != 0)
    load_original (self, account_id (self));
  update_title (self);
  if (self->mode == TERN_COMPOSE_NEW || *entry_text (self->to_entry) == '\0')
    gtk_widget_grab_focus (GTK_WIDGET (self->to_entry));
  else
    gtk_widget_grab_focus (GTK_WIDGET (self->body_view));
  return self;
}

void
tern_composer_window_apply_mailto (TernComposerWindow *self,
                                   const TernMailto   *mailto)
{
  g_return_if_fail (TERN_IS_COMPOSER_WINDOW (self));
  g_return_if_fail (mailto != NULL);

  /* Filled as if typed: a link's message is a draft like any other. */
  if (mailto->to != NULL)
    set_entry (self, self->to_entry, mailto->to);
  if (mailto->cc != NULL)
    set_entry (self, self->cc_entry, mailto->cc);
  if (mailto->bcc != NULL)
    set_entry (self, self->bcc_entry, mailto->bcc);
  if (mailto->cc != NULL || mailto->bcc != NULL)
    gtk_toggle_button_set_active (self->cc_button, TRUE);
  if (mailto->subject != NULL)
    set_entry (self, self->subject_entry, mailto->subject);
  if (mailto->body != NULL)
    tern_composer_window_set_body (self, mailto->body);
  if (mailto->in_reply_to != NULL)
    {
      g_free (self->reply_id);
      self->reply_id = g_strdup (mailto->in_reply_to);
    }
  gtk_widget_grab_focus (GTK_WIDGET (*entry_text (self->to_entry) ? GTK_WIDGET (self->body_view)
                                                                 : GTK_WIDGET (self->to_entry)));
}

void
tern_composer_window_set_to (TernComposerWindow *self,
                             const char         *addresses)
{
  g_return_if_fail (TERN_IS_COMPOSER_WINDOW (self));
  set_entry (self, self->to_entry, addresses);
}

void
tern_composer_window_set_cc (TernComposerWindow *self,
                             const char         *addresses)
{
  g_return_if_fail (TERN_IS_COMPOSER_WINDOW (self));
  set_entry (self, self->cc_entry, addresses);
}

void
tern_composer_window_set_bcc (TernComposerWindow *self,
                              const char         *addresses)
{
  g_return_if_fail (TERN_IS_COMPOSER_WINDOW (self));
  set_entry (self, self->bcc_entry, addresses);
}

void
tern_composer_window_set_subject (TernComposerWindow *self,
                                  const char         *subject)
{
  g_return_if_fail (TERN_IS_COMPOSER_WINDOW (self));
  set_entry (self, self->subject_entry, subject);
}

void
tern_composer_window_set_body (TernComposerWindow *self,
                               const char         *text)
{
  g_return_if_fail (TERN_IS_COMPOSER_WINDOW (self));
  gtk_text_buffer_set_text (gtk_text_view_get_buffer (self->body_view), text ? text : "", -1);
}

const char *
tern_composer_window_get_to (TernComposerWindow *self)
{
  g_return_val_if_fail (TERN_IS_COMPOSER_WINDOW (self), NULL);
  return entry_text (self->to_entry);
}

const char *
tern_composer_window_get_cc (TernComposerWindow *self)
{
  g_return_val_if_fail (TERN_IS_COMPOSER_WINDOW (self), NULL);
  return entry_text (self->cc_entry);
}

const char *
tern_composer_window_get_bcc (TernComposerWindow *self)
{
  g_return_val_if_fail (TERN_IS_COMPOSER_WINDOW (self), NULL);
  return entry_text (self->bcc_entry);
}

const char *
tern_composer_window_get_subject (TernComposerWindow *self)
{
  g_return_val_if_fail (TERN_IS_COMPOSER_WINDOW (self), NULL);
  return entry_text (self->subject_entry);
}

char *
tern_composer_window_dup_body (TernComposerWindow *self)
{
  g_return_val_if_fail (TERN_IS_COMPOSER_WINDOW (self), NULL);
  return body_text (self);
}

gint64
tern_composer_window_get_account_id (TernComposerWindow *self)
{
  g_return_val_if_fail (TERN_IS_COMPOSER_WINDOW (self), 0);
  return account_id (self);
}

guint
tern_composer_window_get_n_attachments (TernComposerWindow *self)
{
  g_return_val_if_fail (TERN_IS_COMPOSER_WINDOW (self), 0);
  return self->attachments->len;
}

const char *
tern_composer_window_get_error (TernComposerWindow *self)
{
  g_return_val_if_fail (TERN_IS_COMPOSER_WINDOW (self), NULL);
  return self->error;
}

const char *
tern_composer_window_get_notice (TernComposerWindow *self)
{
  g_return_val_if_fail (TERN_IS_COMPOSER_WINDOW (self), NULL);
  return self->notice;
}

gboolean
tern_composer_window_get_busy (TernComposerWindow *self)
{
  g_return_val_if_fail (TERN_IS_COMPOSER_WINDOW (self), FALSE);
  return self->busy > 0;
}

const char *
tern_composer_window_get_message_id (TernComposerWindow *self)
{
  g_return_val_if_fail (TERN_IS_COMPOSER_WINDOW (self), NULL);
  return self->message_id;
}

gint64
tern_composer_window_get_draft_id (TernComposerWindow *self)
{
  g_return_val_if_fail (TERN_IS_COMPOSER_WINDOW (self), 0);
  return self->draft_id;
}

void
tern_composer_window_set_autosave_interval (TernComposerWindow *self,
                                            guint               ms)
{
  g_return_if_fail (TERN_IS_COMPOSER_WINDOW (self));
  self->autosave_ms = MAX (ms, 1);
}

/* GObject. */

static void
tern_composer_window_dispose (GObject *object)
{
  TernComposerWindow *self = TERN_COMPOSER_WINDOW (object);

  g_clear_handle_id (&self->autosave_id, g_source_remove);
  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  /* The files made for this message: the outbox or the draft holds what is needed now. A draft
   * kept in Drafts needs no copy here either; one that could only be kept here stays. */
  if (self->draft_id != 0 && !self->dirty && self->message_id != NULL && self->store != NULL)
    {
      g_autofree char *path = tern_composer_window_dup_draft_path (self);

      g_unlink (path);
    }
  remove_work_dir (self);
  gtk_widget_dispose_template (GTK_WIDGET (self), TERN_TYPE_COMPOSER_WINDOW);

  G_OBJECT_CLASS (tern_composer_window_parent_class)->dispose (object);
}

static void
tern_composer_window_finalize (GObject *object)
{
  TernComposerWindow *self = TERN_COMPOSER_WINDOW (object);

  g_clear_pointer (&self->attachments, g_ptr_array_unref);
  g_clear_pointer (&self->identities, g_ptr_array_unref);
  g_clear_pointer (&self->signature_block, g_free);
  g_clear_object (&self->quote_mark);
  g_free (self->message_id);
  g_free (self->reply_id);
  g_free (self->reply_references);
  g_free (self->reply_in_reply_to);
  g_free (self->forwards);
  g_free (self->work_dir);
  g_free (self->error);
  g_free (self->notice);

  G_OBJECT_CLASS (tern_composer_window_parent_class)->finalize (object);
}

static void
tern_composer_window_class_init (TernComposerWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = tern_composer_window_dispose;
  object_class->finalize = tern_composer_window_finalize;

  gtk_widget_class_set_template_from_resource (widget_class, "/org/gnome/Tern/ui/tern-composer-window.ui");
  gtk_widget_class_bind_template_child (widget_class, TernComposerWindow, toasts);
  gtk_widget_class_bind_template_child (widget_class, TernComposerWindow, window_title);
  gtk_widget_class_bind_template_child (widget_class, TernComposerWindow, notice_revealer);
  gtk_widget_class_bind_template_child (widget_class, TernComposerWindow, notice_label);
  gtk_widget_class_bind_template_child (widget_class, TernComposerWindow, fields);
  gtk_widget_class_bind_template_child (widget_class, TernComposerWindow, from_dropdown);
  gtk_widget_class_bind_template_child (widget_class, TernComposerWindow, to_entry);
  gtk_widget_class_bind_template_child (widget_class, TernComposerWindow, cc_entry);
  gtk_widget_class_bind_template_child (widget_class, TernComposerWindow, bcc_entry);
  gtk_widget_class_bind_template_child (widget_class, TernComposerWindow, cc_button);
  gtk_widget_class_bind_template_child (widget_class, TernComposerWindow, subject_entry);
  gtk_widget_class_bind_template_child (widget_class, TernComposerWindow, error_label);
  gtk_widget_class_bind_template_child (widget_class, TernComposerWindow, attachments_scroller);
  gtk_widget_class_bind_template_child (widget_class, TernComposerWindow, attachments_list);
  gtk_widget_class_bind_template_child (widget_class, TernComposerWindow, body_view);

  gtk_widget_class_install_action (widget_class, "composer.send", NULL, send_action);
  gtk_widget_class_install_action (widget_class, "composer.attach", NULL, attach_action);
  gtk_widget_class_install_action (widget_class, "composer.remove-attachment", "u", remove_attachment_action);
  gtk_widget_class_install_action (widget_class, "composer.show-cc-bcc", NULL, show_cc_bcc_action);
  gtk_widget_class_install_action (widget_class, "composer.save-draft", NULL, save_draft_action);
  gtk_widget_class_install_action (widget_class, "composer.discard", NULL, discard_action);

  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_a, GDK_CONTROL_MASK | GDK_SHIFT_MASK, "composer.attach", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_s, GDK_CONTROL_MASK, "composer.save-draft", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_w, GDK_CONTROL_MASK, "window.close", NULL);
}

static void
tern_composer_window_init (TernComposerWindow *self)
{
  GtkDropTarget *drop;
  GtkEventController *keys;
  GtkEntry *addresses[3];

  gtk_widget_init_template (GTK_WIDGET (self));
  self->attachments = g_ptr_array_new_with_free_func ((GDestroyNotify) attachment_free);
  self->identities = g_ptr_array_new_with_free_func ((GDestroyNotify) tern_identity_free);
  self->cancellable = g_cancellable_new ();
  self->autosave_ms = AUTOSAVE_MS;
  self->replace_draft = TRUE;

  addresses[0] = self->to_entry;
  addresses[1] = self->cc_entry;
  addresses[2] = self->bcc_entry;
  for (guint i = 0; i < G_N_ELEMENTS (addresses); i++)
    {
      /* Suggestions are filled before the completion looks at them. */
      g_signal_connect (addresses[i], "changed", G_CALLBACK (address_changed_cb), self);
      setup_completion (self, addresses[i]);
    }
  g_signal_connect_swapped (self->subject_entry, "changed", G_CALLBACK (subject_changed_cb), self);
  g_signal_connect_swapped (gtk_text_view_get_buffer (self->body_view), "changed",
                            G_CALLBACK (field_changed_cb), self);
  g_signal_connect_swapped (self->from_dropdown, "notify::selected", G_CALLBACK (field_changed_cb), self);
  g_signal_connect_swapped (self->from_dropdown, "notify::selected", G_CALLBACK (from_changed_cb), self);
  g_signal_connect (self, "close-request", G_CALLBACK (close_request_cb), NULL);

  /* Files dropped anywhere on the window are attached (before the text view takes them as
   * text). */
  drop = gtk_drop_target_new (GDK_TYPE_FILE_LIST, GDK_ACTION_COPY);
  gtk_event_controller_set_propagation_phase (GTK_EVENT_CONTROLLER (drop), GTK_PHASE_CAPTURE);
  g_signal_connect (drop, "drop", G_CALLBACK (drop_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (drop));

  /* Ctrl+Return sends from any field: before the text view takes it as a line break. */
  keys = gtk_shortcut_controller_new ();
  gtk_event_controller_set_propagation_phase (keys, GTK_PHASE_CAPTURE);
  gtk_shortcut_controller_add_shortcut (GTK_SHORTCUT_CONTROLLER (keys),
                                        gtk_shortcut_new (gtk_shortcut_trigger_parse_string ("<Control>Return|<Control>KP_Enter"),
                                                          gtk_named_action_new ("composer.send")));
  gtk_widget_add_controller (GTK_WIDGET (self), keys);
}
