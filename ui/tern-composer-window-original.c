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
    return _tern_composer_window_format_mailbox (m->from_name, m->from_addr ? m->from_addr : "");
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
  g_autofree char *typed = _tern_composer_window_body_text (self);
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

  _tern_composer_window_set_busy (self, FALSE);
  if (!tern_account_worker_fetch_text_finish (TERN_ACCOUNT_WORKER (source), result, &error))
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        _tern_composer_window_set_notice (self, _("The original text could not be fetched, so it is not quoted."));
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
  if (!_tern_composer_window_worker_online (worker))
    {
      _tern_composer_window_set_notice (self, _("The original text is not available offline, so it is not quoted."));
      return;
    }
  _tern_composer_window_set_busy (self, TRUE);
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

  _tern_composer_window_set_busy (e->self, FALSE);
  if (!tern_account_worker_export_finish (TERN_ACCOUNT_WORKER (source), result, &error))
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        _tern_composer_window_set_notice (e->self, _("The original message could not be fetched, so it is not attached."));
      return;
    }
  e->self->loading = TRUE;
  _tern_composer_window_add_file (e->self, e->path, e->filename, "message/rfc822", NULL);
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
  g_autofree char *path = g_build_filename (_tern_composer_window_work_dir (self), "original.eml", NULL);
  g_autoptr(GBytes) raw = tern_journal_dup_raw (self->store, self->original_id, NULL);
  TernAccountWorker *worker;
  Export *e;

  if (raw != NULL)
    {
      g_autoptr(GError) error = NULL;

      if (g_file_set_contents_full (path, g_bytes_get_data (raw, NULL), (gssize) g_bytes_get_size (raw),
                                    G_FILE_SET_CONTENTS_NONE, 0600, &error))
        _tern_composer_window_add_file (self, path, filename, "message/rfc822", NULL);
      else
        _tern_composer_window_set_notice (self, error->message);
      return;
    }
  worker = tern_application_get_worker (self->app, account);
  if (!_tern_composer_window_worker_online (worker))
    {
      _tern_composer_window_set_notice (self, _("The original message is not available offline, so it cannot be attached. "
                          "Forward it when online, or forward its text."));
      return;
    }
  _tern_composer_window_set_busy (self, TRUE);
  e = g_new0 (Export, 1);
  e->self = g_object_ref (self);
  e->path = g_steal_pointer (&path);
  e->filename = g_steal_pointer (&filename);
  tern_account_worker_export_async (worker, self->original_id, e->path, self->cancellable,
                                    original_exported_cb, e);
}

/* A forwarded attachment downloading: the composer may be gone, or the attachment removed,
 * by the time it is done. */
typedef struct
{
  GWeakRef    self;
  Attachment *a;       /* only used while it is still in the window's list */
} PartFetch;

static void
part_fetch_clear (gpointer data)
{
  PartFetch *pf = data;

  g_weak_ref_clear (&pf->self);
}

/* Shared by the progress callback and the completion: progress may still be pending. */
static void
part_fetch_unref (gpointer data)
{
  g_rc_box_release_full (data, part_fetch_clear);
}

static Attachment *
fetched_attachment (TernComposerWindow *self,
                    PartFetch          *pf)
{
  guint index;

  if (self == NULL || !g_ptr_array_find (self->attachments, pf->a, &index))
    return NULL;
  return pf->a;
}

static void
part_progress_cb (guint64  done,
                  guint64  total,
                  gpointer user_data)
{
  PartFetch *pf = user_data;
  g_autoptr(TernComposerWindow) self = g_weak_ref_get (&pf->self);
  Attachment *a = fetched_attachment (self, pf);

  if (a == NULL)
    return;
  a->done = done;
  if (total > 0)
    a->ref_encoded = total;
  _tern_composer_window_update_attachment_row (self, a);
}

static void
part_fetched_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  PartFetch *pf = user_data;
  g_autoptr(TernComposerWindow) self = g_weak_ref_get (&pf->self);
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;
  Attachment *a;
  gboolean complete = FALSE;
  gboolean ok = tern_account_worker_fetch_part_finish (TERN_ACCOUNT_WORKER (source), result, &error);

  a = fetched_attachment (self, pf);
  if (a != NULL)
    {
      a->downloading = FALSE;
      if (ok && tern_store_get_part_file (self->store, a->ref_message, a->ref_section, &path, NULL, &complete) &&
          complete && path != NULL && g_file_test (path, G_FILE_TEST_IS_REGULAR))
        {
          GStatBuf st;

          a->path = g_steal_pointer (&path);
          if (g_stat (a->path, &st) == 0)
            a->size = (guint64) st.st_size;
        }
      else if (error != NULL && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_debug ("Forwarded attachment %s: %s", a->filename, error->message);
      /* Not downloaded now: the engine fetches it before the message is sent. */
      _tern_composer_window_update_attachment_row (self, a);
    }
  part_fetch_unref (pf);
}

/* A forward keeps the original's attachments: those this cache has downloaded as they are;
 * the others are downloaded now when online (with their progress in the list), and in any
 * case before the message is sent (#14 item 4). */
static void
add_original_attachments (TernComposerWindow *self,
                          const TernMessage  *original,
                          gint64              account)
{
  TernAccountWorker *worker = tern_application_get_worker (self->app, account);
  gboolean online = _tern_composer_window_worker_online (worker);
  guint missing = 0;

  for (guint i = 0; original->parts != NULL && i < original->parts->len; i++)
    {
      const TernPart *p = original->parts->pdata[i];
      g_autofree char *path = NULL;
      g_autofree char *type = NULL;
      gboolean complete = FALSE;
      gboolean attachment = (p->disposition != NULL && g_ascii_strcasecmp (p->disposition, "attachment") == 0) ||
                            (p->filename != NULL && g_strcmp0 (p->type, "multipart") != 0);
      Attachment *a;

      if (!attachment)
        continue;
      type = g_strdup_printf ("%s/%s", p->type ? p->type : "application",
                              p->subtype ? p->subtype : "octet-stream");
      if (tern_store_get_part_file (self->store, original->id, p->section, &path, NULL, &complete) &&
          complete && path != NULL && g_file_test (path, G_FILE_TEST_IS_REGULAR))
        {
          _tern_composer_window_add_file (self, path, p->filename ? p->filename : _("attachment"), type, NULL);
          continue;
        }

      a = g_new0 (Attachment, 1);
      a->filename = g_strdup (p->filename ? p->filename : _("attachment"));
      a->content_type = g_steal_pointer (&type);
      a->ref_message = original->id;
      a->ref_section = g_strdup (p->section);
      a->ref_encoded = (guint64) MAX (p->size, 0);
      /* BODYSTRUCTURE gives the encoded size: base64 lines of 76 carry 57 bytes in 78. */
      a->size = p->encoding != NULL && g_ascii_strcasecmp (p->encoding, "base64") == 0
                ? a->ref_encoded / 78 * 57 : a->ref_encoded;
      g_ptr_array_add (self->attachments, a);
      missing++;
      if (online)
        {
          PartFetch *pf = g_rc_box_new0 (PartFetch);

          g_weak_ref_init (&pf->self, self);
          pf->a = a;
          a->downloading = TRUE;
          tern_account_worker_fetch_part_async (worker, original->id, p->section, NULL,
                                                part_progress_cb, g_rc_box_acquire (pf), part_fetch_unref,
                                                self->cancellable, part_fetched_cb, pf);
        }
    }
  _tern_composer_window_rebuild_attachments (self);
  if (missing > 0 && !online)
    {
      g_autofree char *text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                                            "%u attachment of the original is not downloaded yet. It is downloaded and included when the message is sent.",
                                                            "%u attachments of the original are not downloaded yet. They are downloaded and included when the message is sent.",
                                                            missing), missing);

      _tern_composer_window_set_notice (self, text);
    }
}

/* A draft opened again: its fields, text and attachments. */
static void
apply_parsed (TernComposerWindow      *self,
              const TernComposeParsed *parsed)
{
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (self->body_view);

  self->loading = TRUE;
  _tern_composer_window_set_entry (self, self->to_entry, parsed->to);
  _tern_composer_window_set_entry (self, self->cc_entry, parsed->cc);
  _tern_composer_window_set_entry (self, self->bcc_entry, parsed->bcc);
  _tern_composer_window_set_entry (self, self->subject_entry, parsed->subject);
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
      self->reply_references = _tern_composer_window_references_before (parsed->references, parsed->in_reply_to);
    }
  if ((parsed->cc && *parsed->cc) || (parsed->bcc && *parsed->bcc))
    gtk_toggle_button_set_active (self->cc_button, TRUE);
  for (guint i = 0; i < parsed->attachments->len; i++)
    {
      const TernComposeFile *f = parsed->attachments->pdata[i];

      _tern_composer_window_add_file (self, f->path, f->filename, f->content_type, NULL);
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
  _tern_composer_window_update_title (self);
}

static gboolean
load_draft_raw (TernComposerWindow  *self,
                GBytes              *raw,
                GError             **error)
{
  g_autoptr(TernComposeParsed) parsed = tern_compose_parse_message (raw, _tern_composer_window_work_dir (self), error);

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
  _tern_composer_window_set_entry (self, self->to_entry, m->to_list);
  _tern_composer_window_set_entry (self, self->cc_entry, m->cc_list);
  _tern_composer_window_set_entry (self, self->bcc_entry, m->bcc_list);
  _tern_composer_window_set_entry (self, self->subject_entry, m->subject);
  gtk_text_buffer_set_text (buffer, text ? text : "", -1);
  if (m->in_reply_to != NULL)
    {
      self->reply_id = g_strdup (m->in_reply_to);
      self->reply_references = _tern_composer_window_references_before (m->references, m->in_reply_to);
    }
  self->loading = FALSE;
  self->replace_draft = FALSE;
  if (text == NULL)
    _tern_composer_window_set_notice (self, _("The text of this draft is not available offline. What you write is saved "
                        "as a new version; the one on the server is kept."));
  else if (m->parts != NULL && m->parts->len > 1)
    _tern_composer_window_set_notice (self, _("The attachments of this draft are not available offline. What you write "
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
  g_autofree char *path = g_build_filename (_tern_composer_window_work_dir (self), "draft.eml", NULL);
  g_autoptr(GMappedFile) file = NULL;

  _tern_composer_window_set_busy (self, FALSE);
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
  if (!_tern_composer_window_worker_online (worker))
    {
      load_draft_envelope (self, m);
      return;
    }
  {
    g_autofree char *path = g_build_filename (_tern_composer_window_work_dir (self), "draft.eml", NULL);

    /* Nothing to edit until it is here: what the user typed would be overwritten. */
    gtk_widget_set_sensitive (self->fields, FALSE);
    gtk_widget_set_sensitive (GTK_WIDGET (self->body_view), FALSE);
    _tern_composer_window_set_busy (self, TRUE);
    tern_account_worker_export_async (worker, m->id, path, self->cancellable, draft_exported_cb,
                                      g_object_ref (self));
  }
}

void
_tern_composer_window_load_original (TernComposerWindow *self,
               gint64              account)
{
  g_autoptr(TernMessage) original = tern_store_get_message (self->store, self->original_id, NULL);
  g_autofree char *subject = NULL;

  if (original == NULL)
    {
      _tern_composer_window_set_notice (self, _("The original message is no longer in the cache."));
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
      g_auto(GStrv) mine = _tern_composer_window_my_addresses (self);
      g_autofree char *to = NULL;
      g_autofree char *cc = NULL;

      tern_compose_reply_recipients (original, (const char * const *) mine,
                                     self->mode == TERN_COMPOSE_REPLY_ALL, &to, &cc);
      _tern_composer_window_set_entry (self, self->to_entry, to);
      _tern_composer_window_set_entry (self, self->cc_entry, cc);
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
  _tern_composer_window_set_entry (self, self->subject_entry, subject);
  self->loading = FALSE;

  if (self->mode == TERN_COMPOSE_FORWARD_ATTACHED)
    attach_original (self, original, account);
  else
    {
      if (self->mode == TERN_COMPOSE_FORWARD)
        {
          self->loading = TRUE;
          add_original_attachments (self, original, account);
          self->loading = FALSE;
        }
      add_original_text (self, account);
    }
  _tern_composer_window_update_title (self);
}

