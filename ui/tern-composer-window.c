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

G_DEFINE_FINAL_TYPE (TernComposerWindow, tern_composer_window, ADW_TYPE_APPLICATION_WINDOW)

static void
attachment_free (Attachment *a)
{
  g_free (a->path);
  g_free (a->filename);
  g_free (a->content_type);
  g_free (a->ref_section);
  g_free (a);
}

/* Small helpers. */

const char *
_tern_composer_window_entry_text (GtkEntry *entry)
{
  return gtk_editable_get_text (GTK_EDITABLE (entry));
}

void
_tern_composer_window_set_entry (TernComposerWindow *self,
           GtkEntry           *entry,
           const char         *text)
{
  gtk_editable_set_text (GTK_EDITABLE (entry), text ? text : "");
}

char *
_tern_composer_window_body_text (TernComposerWindow *self)
{
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (self->body_view);
  GtkTextIter start, end;

  gtk_text_buffer_get_bounds (buffer, &start, &end);
  return gtk_text_buffer_get_text (buffer, &start, &end, FALSE);
}

void
_tern_composer_window_set_notice (TernComposerWindow *self,
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
  gtk_widget_set_visible (self->setup_outgoing_button, FALSE);
  for (guint i = 0; i < G_N_ELEMENTS (entries); i++)
    gtk_widget_remove_css_class (GTK_WIDGET (entries[i]), "error");
}

void
_tern_composer_window_show_error (TernComposerWindow *self,
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

void
_tern_composer_window_toast (TernComposerWindow *self,
       const char         *text)
{
  adw_toast_overlay_add_toast (self->toasts, adw_toast_new (text));
}

/* The main windows show a new draft, or a message gone from Drafts, at once. */
void
_tern_composer_window_refresh_windows (TernComposerWindow *self)
{
  for (GList *l = gtk_application_get_windows (GTK_APPLICATION (self->app)); l != NULL; l = l->next)
    if (TERN_IS_WINDOW (l->data))
      tern_window_refresh (l->data);
}

gboolean
_tern_composer_window_worker_online (TernAccountWorker *worker)
{
  return worker != NULL && tern_account_worker_get_reachable (worker);
}

void
_tern_composer_window_set_busy (TernComposerWindow *self,
          gboolean            busy)
{
  if (busy)
    self->busy++;
  else if (self->busy > 0)
    self->busy--;
}

/* Accounts: the From list. */

const TernIdentity *
_tern_composer_window_current_identity (TernComposerWindow *self)
{
  guint pos = gtk_drop_down_get_selected (self->from_dropdown);

  if (pos == GTK_INVALID_LIST_POSITION || pos >= self->identities->len)
    return NULL;
  return self->identities->pdata[pos];
}

gint64
_tern_composer_window_account_id (TernComposerWindow *self)
{
  const TernIdentity *identity = _tern_composer_window_current_identity (self);

  return identity != NULL ? identity->account_id : 0;
}

TernAccount *
_tern_composer_window_current_account (TernComposerWindow *self)
{
  gint64 id = _tern_composer_window_account_id (self);

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
GStrv
_tern_composer_window_my_addresses (TernComposerWindow *self)
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
char *
_tern_composer_window_format_mailbox (const char *name,
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
char *
_tern_composer_window_from_address (const TernIdentity *identity)
{
  const char *real = g_get_real_name ();

  if (identity->name != NULL)
    real = identity->name;
  else if (real == NULL || *real == '\0' || g_str_equal (real, "Unknown"))
    real = NULL;
  return _tern_composer_window_format_mailbox (real, identity->address);
}

/* Signatures. */

char *
_tern_composer_window_signature_block (const TernIdentity *identity)
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
 * that; nothing for a draft opened again (_tern_composer_window_signature_block NULL). */
static void
update_signature (TernComposerWindow *self)
{
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (self->body_view);
  g_autofree char *block = NULL;
  g_autofree char *before = NULL;
  GtkTextIter start, limit;

  if (self->signature_block == NULL)
    return;
  block = _tern_composer_window_signature_block (_tern_composer_window_current_identity (self));
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
char *
_tern_composer_window_draft_key (TernComposerWindow *self)
{
  return tern_draft_file_key (self->message_id);
}

char *
_tern_composer_window_drafts_dir (TernComposerWindow *self)
{
  g_autofree char *outbox = tern_outbox_dup_dir (self->store);
  char *dir = g_build_filename (outbox, "drafts", NULL);

  g_mkdir_with_parents (dir, 0700);
  return dir;
}

const char *
_tern_composer_window_work_dir (TernComposerWindow *self)
{
  if (self->work_dir == NULL)
    {
      g_autofree char *dir = _tern_composer_window_drafts_dir (self);
      g_autofree char *key = _tern_composer_window_draft_key (self);
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

/* Changes and the title. */

void
_tern_composer_window_update_title (TernComposerWindow *self)
{
  const char *subject = _tern_composer_window_entry_text (self->subject_entry);
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

static gboolean
autosave_cb (gpointer data)
{
  TernComposerWindow *self = data;
  g_autoptr(GError) error = NULL;

  self->autosave_id = 0;
  if (self->dirty && !self->done && !_tern_composer_window_save_draft (self, &error))
    _tern_composer_window_set_notice (self, error->message);
  return G_SOURCE_REMOVE;
}

void
_tern_composer_window_mark_dirty (TernComposerWindow *self)
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
  _tern_composer_window_mark_dirty (self);
}

static void
address_changed_cb (GtkEntry           *entry,
                    TernComposerWindow *self)
{
  field_changed_cb (self);
  if (!self->loading)
    _tern_composer_window_update_suggestions (self, entry);
}

static void
subject_changed_cb (TernComposerWindow *self)
{
  _tern_composer_window_update_title (self);
  field_changed_cb (self);
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
    g_autoptr(TernAccount) a = _tern_composer_window_current_account (self);
    g_autoptr(TernComposer) c = tern_composer_new ();

    if (a != NULL)
      tern_composer_set_from (c, _tern_composer_window_current_identity (self)->address, NULL);
    self->message_id = g_strdup (tern_composer_get_message_id (c));
  }

  if (self->original_id != 0)
    _tern_composer_window_load_original (self, _tern_composer_window_account_id (self));
  _tern_composer_window_update_title (self);
  if (self->mode == TERN_COMPOSE_NEW || *_tern_composer_window_entry_text (self->to_entry) == '\0')
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
    _tern_composer_window_set_entry (self, self->to_entry, mailto->to);
  if (mailto->cc != NULL)
    _tern_composer_window_set_entry (self, self->cc_entry, mailto->cc);
  if (mailto->bcc != NULL)
    _tern_composer_window_set_entry (self, self->bcc_entry, mailto->bcc);
  if (mailto->cc != NULL || mailto->bcc != NULL)
    gtk_toggle_button_set_active (self->cc_button, TRUE);
  if (mailto->subject != NULL)
    _tern_composer_window_set_entry (self, self->subject_entry, mailto->subject);
  if (mailto->body != NULL)
    tern_composer_window_set_body (self, mailto->body);
  if (mailto->in_reply_to != NULL)
    {
      g_free (self->reply_id);
      self->reply_id = g_strdup (mailto->in_reply_to);
    }
  gtk_widget_grab_focus (GTK_WIDGET (*_tern_composer_window_entry_text (self->to_entry) ? GTK_WIDGET (self->body_view)
                                                                 : GTK_WIDGET (self->to_entry)));
}

void
tern_composer_window_set_to (TernComposerWindow *self,
                             const char         *addresses)
{
  g_return_if_fail (TERN_IS_COMPOSER_WINDOW (self));
  _tern_composer_window_set_entry (self, self->to_entry, addresses);
}

void
tern_composer_window_set_cc (TernComposerWindow *self,
                             const char         *addresses)
{
  g_return_if_fail (TERN_IS_COMPOSER_WINDOW (self));
  _tern_composer_window_set_entry (self, self->cc_entry, addresses);
}

void
tern_composer_window_set_bcc (TernComposerWindow *self,
                              const char         *addresses)
{
  g_return_if_fail (TERN_IS_COMPOSER_WINDOW (self));
  _tern_composer_window_set_entry (self, self->bcc_entry, addresses);
}

void
tern_composer_window_set_subject (TernComposerWindow *self,
                                  const char         *subject)
{
  g_return_if_fail (TERN_IS_COMPOSER_WINDOW (self));
  _tern_composer_window_set_entry (self, self->subject_entry, subject);
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
  return _tern_composer_window_entry_text (self->to_entry);
}

const char *
tern_composer_window_get_cc (TernComposerWindow *self)
{
  g_return_val_if_fail (TERN_IS_COMPOSER_WINDOW (self), NULL);
  return _tern_composer_window_entry_text (self->cc_entry);
}

const char *
tern_composer_window_get_bcc (TernComposerWindow *self)
{
  g_return_val_if_fail (TERN_IS_COMPOSER_WINDOW (self), NULL);
  return _tern_composer_window_entry_text (self->bcc_entry);
}

const char *
tern_composer_window_get_subject (TernComposerWindow *self)
{
  g_return_val_if_fail (TERN_IS_COMPOSER_WINDOW (self), NULL);
  return _tern_composer_window_entry_text (self->subject_entry);
}

char *
tern_composer_window_dup_body (TernComposerWindow *self)
{
  g_return_val_if_fail (TERN_IS_COMPOSER_WINDOW (self), NULL);
  return _tern_composer_window_body_text (self);
}

gint64
tern_composer_window_get_account_id (TernComposerWindow *self)
{
  g_return_val_if_fail (TERN_IS_COMPOSER_WINDOW (self), 0);
  return _tern_composer_window_account_id (self);
}

guint
tern_composer_window_get_n_attachments (TernComposerWindow *self)
{
  g_return_val_if_fail (TERN_IS_COMPOSER_WINDOW (self), 0);
  return self->attachments->len;
}

guint
tern_composer_window_get_n_missing_attachments (TernComposerWindow *self)
{
  guint n = 0;

  g_return_val_if_fail (TERN_IS_COMPOSER_WINDOW (self), 0);
  for (guint i = 0; i < self->attachments->len; i++)
    n += ((Attachment *) self->attachments->pdata[i])->path == NULL;
  return n;
}

guint
tern_composer_window_get_n_downloading (TernComposerWindow *self)
{
  guint n = 0;

  g_return_val_if_fail (TERN_IS_COMPOSER_WINDOW (self), 0);
  for (guint i = 0; i < self->attachments->len; i++)
    n += ((Attachment *) self->attachments->pdata[i])->downloading;
  return n;
}

const char *
tern_composer_window_get_attachment_subtitle (TernComposerWindow *self,
                                              guint               index)
{
  Attachment *a;

  g_return_val_if_fail (TERN_IS_COMPOSER_WINDOW (self), NULL);
  g_return_val_if_fail (index < self->attachments->len, NULL);
  a = self->attachments->pdata[index];
  return a->row != NULL ? adw_action_row_get_subtitle (ADW_ACTION_ROW (a->row)) : NULL;
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
tern_composer_window_get_save_pending (TernComposerWindow *self)
{
  g_return_val_if_fail (TERN_IS_COMPOSER_WINDOW (self), FALSE);

  return self->autosave_id != 0 || self->dirty;
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
  gtk_widget_class_bind_template_child (widget_class, TernComposerWindow, setup_outgoing_button);
  gtk_widget_class_bind_template_child (widget_class, TernComposerWindow, attachments_scroller);
  gtk_widget_class_bind_template_child (widget_class, TernComposerWindow, attachments_list);
  gtk_widget_class_bind_template_child (widget_class, TernComposerWindow, body_view);

  gtk_widget_class_install_action (widget_class, "composer.send", NULL, _tern_composer_window_send_action);
  gtk_widget_class_install_action (widget_class, "composer.setup-outgoing", NULL,
                                   _tern_composer_window_setup_outgoing_action);
  gtk_widget_class_install_action (widget_class, "composer.attach", NULL, _tern_composer_window_attach_action);
  gtk_widget_class_install_action (widget_class, "composer.remove-attachment", "u", _tern_composer_window_remove_attachment_action);
  gtk_widget_class_install_action (widget_class, "composer.show-cc-bcc", NULL, _tern_composer_window_show_cc_bcc_action);
  gtk_widget_class_install_action (widget_class, "composer.save-draft", NULL, _tern_composer_window_save_draft_action);
  gtk_widget_class_install_action (widget_class, "composer.discard", NULL, _tern_composer_window_discard_action);

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
      _tern_composer_window_setup_completion (self, addresses[i]);
    }
  g_signal_connect_swapped (self->subject_entry, "changed", G_CALLBACK (subject_changed_cb), self);
  g_signal_connect_swapped (gtk_text_view_get_buffer (self->body_view), "changed",
                            G_CALLBACK (field_changed_cb), self);
  g_signal_connect_swapped (self->from_dropdown, "notify::selected", G_CALLBACK (field_changed_cb), self);
  g_signal_connect_swapped (self->from_dropdown, "notify::selected", G_CALLBACK (from_changed_cb), self);
  g_signal_connect (self, "close-request", G_CALLBACK (_tern_composer_window_close_request_cb), NULL);

  /* Files dropped anywhere on the window are attached (before the text view takes them as
   * text). */
  drop = gtk_drop_target_new (GDK_TYPE_FILE_LIST, GDK_ACTION_COPY);
  gtk_event_controller_set_propagation_phase (GTK_EVENT_CONTROLLER (drop), GTK_PHASE_CAPTURE);
  g_signal_connect (drop, "drop", G_CALLBACK (_tern_composer_window_drop_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (drop));

  /* Ctrl+Return sends from any field: before the text view takes it as a line break. */
  keys = gtk_shortcut_controller_new ();
  gtk_event_controller_set_propagation_phase (keys, GTK_PHASE_CAPTURE);
  gtk_shortcut_controller_add_shortcut (GTK_SHORTCUT_CONTROLLER (keys),
                                        gtk_shortcut_new (gtk_shortcut_trigger_parse_string ("<Control>Return|<Control>KP_Enter"),
                                                          gtk_named_action_new ("composer.send")));
  gtk_widget_add_controller (GTK_WIDGET (self), keys);
}
