/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "tern-outbox"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "tern-contacts.h"
#include "tern-journal.h"
#include "tern-mime.h"
#include "tern-outbox-private.h"


/* Queueing. */

typedef struct
{
  char       *message_id;  /* "<...>" */
  char       *subject;
  char       *mail_from;
  GPtrArray  *recipients;
  GPtrArray  *recipient_names;
  char       *answers;
  gboolean    has_date;
  gboolean    has_from;
} Envelope;

static void
envelope_clear (Envelope *env)
{
  g_free (env->message_id);
  g_free (env->subject);
  g_free (env->mail_from);
  g_clear_pointer (&env->recipients, g_ptr_array_unref);
  g_clear_pointer (&env->recipient_names, g_ptr_array_unref);
  g_free (env->answers);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Envelope, envelope_clear)

/* The envelope from the header alone (the body may be large and does not matter). */
static gboolean
read_envelope (const char         *data,
               gsize               length,
               const TernAccount  *account,
               Envelope           *env,
               GError            **error)
{
  g_autoptr(TernMimeEnvelope) mime = tern_mime_read_envelope (data, length, error);

  if (mime == NULL)
    return FALSE;
  env->message_id = g_steal_pointer (&mime->message_id);
  env->subject = g_steal_pointer (&mime->subject);
  env->has_date = mime->has_date;
  env->has_from = mime->has_from;
  env->mail_from = env->has_from ? g_steal_pointer (&mime->from) : NULL;
  if (env->mail_from == NULL)
    env->mail_from = g_strdup (account->email);
  env->recipients = g_steal_pointer (&mime->recipients);
  env->recipient_names = g_steal_pointer (&mime->recipient_names);
  if (env->recipients->len == 0)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                           "The message has no recipient in To, Cc or Bcc");
      return FALSE;
    }
  env->answers = g_steal_pointer (&mime->in_reply_to);
  return TRUE;
}

static gboolean
write_all (int           fd,
           const char   *data,
           gsize         length,
           GError      **error)
{
  while (length > 0)
    {
      gssize n = write (fd, data, length);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          int saved = errno;

          g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                       "Cannot write to the outbox: %s", g_strerror (saved));
          return FALSE;
        }
      data += n;
      length -= (gsize) n;
    }
  return TRUE;
}

/* Writes prefix + data with bare LFs made CRLF, ending in CRLF, and syncs the file and its
 * folder: when this returns the message survives a power cut. */
static gboolean
write_outbox_file (const char  *path,
                   const char  *prefix,
                   const char  *data,
                   gsize        length,
                   guint64     *size_out,
                   GError     **error)
{
  g_autofree char *dir = g_path_get_dirname (path);
  GString *chunk = g_string_sized_new (65536 + 1024);
  guint64 size = 0;
  gboolean ok;
  int fd, dir_fd;

  fd = open (path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0)
    {
      int saved = errno;

      g_string_free (chunk, TRUE);
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                   "Cannot create %s: %s", path, g_strerror (saved));
      return FALSE;
    }

  ok = write_all (fd, prefix, strlen (prefix), error);
  size += strlen (prefix);
  for (gsize i = 0; ok && i < length; i++)
    {
      if (data[i] == '\n' && (i == 0 || data[i - 1] != '\r'))
        g_string_append_c (chunk, '\r');
      g_string_append_c (chunk, data[i]);
      if (chunk->len >= 65536)
        {
          ok = write_all (fd, chunk->str, chunk->len, error);
          size += chunk->len;
          g_string_truncate (chunk, 0);
        }
    }
  if (ok && length > 0 && data[length - 1] != '\n')
    g_string_append (chunk, "\r\n");
  if (ok && chunk->len > 0)
    {
      ok = write_all (fd, chunk->str, chunk->len, error);
      size += chunk->len;
    }
  g_string_free (chunk, TRUE);

  if (ok && fsync (fd) != 0)
    {
      int saved = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                   "Cannot sync %s: %s", path, g_strerror (saved));
      ok = FALSE;
    }
  close (fd);
  if (!ok)
    {
      g_unlink (path);
      return FALSE;
    }
  dir_fd = open (dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd >= 0)
    {
      fsync (dir_fd);
      close (dir_fd);
    }
  *size_out = size;
  return TRUE;
}

/* The outbox file for a message: envelope read, missing headers added. */
static gboolean
store_message (TernStore          *store,
               const TernAccount  *account,
               const char         *data,
               gsize               length,
               TernOutboxItem     *item,
               GPtrArray         **names_out,
               GError            **error)
{
  g_auto(Envelope) env = { 0 };
  g_autoptr(GString) prefix = g_string_new (NULL);
  g_autofree char *dir = NULL;
  g_autofree char *uuid = NULL;

  if (!read_envelope (data, length, account, &env, error))
    return FALSE;

  if (env.message_id == NULL)
    {
      const char *at = strrchr (env.mail_from, '@');
      g_autofree char *id = tern_mime_make_message_id (at ? at + 1 : "tern.invalid");

      env.message_id = g_strdup_printf ("<%s>", id);
      g_string_append_printf (prefix, "Message-ID: %s\r\n", env.message_id);
    }
  if (!env.has_date)
    {
      g_autoptr(GDateTime) now = g_date_time_new_now_local ();
      g_autofree char *date = tern_mime_format_date (now);

      g_string_append_printf (prefix, "Date: %s\r\n", date);
    }
  if (!env.has_from)
    g_string_append_printf (prefix, "From: %s\r\n", account->email);

  dir = tern_outbox_dup_dir (store);
  uuid = g_uuid_string_random ();
  item->path = g_strdup_printf ("%s/%s.eml", dir, uuid);
  if (!write_outbox_file (item->path, prefix->str, data, length, &item->size, error))
    return FALSE;

  item->account_id = account->id;
  item->message_id = g_steal_pointer (&env.message_id);
  item->subject = g_steal_pointer (&env.subject);
  item->mail_from = g_steal_pointer (&env.mail_from);
  g_ptr_array_add (env.recipients, NULL);
  item->recipients = (char **) g_ptr_array_free (g_steal_pointer (&env.recipients), FALSE);
  *names_out = g_steal_pointer (&env.recipient_names);
  item->answers = g_steal_pointer (&env.answers);
  return TRUE;
}

static gint64
enqueue (TernStore                *store,
         const TernAccount        *account,
         const char               *data,
         gsize                     length,
         const TernOutboxOptions  *options,
         GError                  **error)
{
  g_autoptr(TernOutboxItem) item = g_new0 (TernOutboxItem, 1);
  g_autoptr(GPtrArray) names = NULL;
  g_autoptr(GError) local_error = NULL;
  gint64 id;

  g_return_val_if_fail (store != NULL && account != NULL, 0);

  if (!store_message (store, account, data, length, item, &names, error))
    return 0;
  if (options != NULL)
    {
      item->forwards = g_strdup (options->forwards);
      item->draft = options->draft;
    }
  id = tern_outbox_add (store, item, error);
  if (id == 0)
    {
      g_unlink (item->path);
      return 0;
    }
  /* The address book learns the recipients once the message is queued: what the user sent
   * is suggested at once, even offline. Its failure does not undo the sending. */
  g_ptr_array_add (names, NULL);
  if (!tern_store_note_sent (store, item->message_id, (const char * const *) names->pdata,
                             (const char * const *) item->recipients, g_get_real_time () / G_USEC_PER_SEC,
                             &local_error))
    g_debug ("The address book missed a message: %s", local_error->message);
  return id;
}

gint64
tern_outbox_enqueue_bytes (TernStore                *store,
                           const TernAccount        *account,
                           GBytes                   *raw,
                           const TernOutboxOptions  *options,
                           GError                  **error)
{
  gsize length = 0;
  const char *data = g_bytes_get_data (raw, &length);

  return enqueue (store, account, data, length, options, error);
}

gint64
tern_outbox_enqueue_file (TernStore                *store,
                          const TernAccount        *account,
                          const char               *path,
                          const TernOutboxOptions  *options,
                          GError                  **error)
{
  g_autoptr(GMappedFile) file = g_mapped_file_new (path, FALSE, error);

  if (file == NULL)
    return 0;
  return enqueue (store, account, g_mapped_file_get_contents (file), g_mapped_file_get_length (file),
                  options, error);
}

gboolean
tern_outbox_requeue_file (TernStore   *store,
                          gint64       id,
                          const char  *path,
                          GError     **error)
{
  g_autoptr(TernOutboxItem) old = tern_outbox_get (store, id, error);
  g_autoptr(TernOutboxItem) item = NULL;
  g_autoptr(TernAccount) account = NULL;
  g_autoptr(GMappedFile) file = NULL;
  g_autoptr(GPtrArray) names = NULL;

  if (old == NULL || (account = tern_store_get_account_by_id (store, old->account_id, error)) == NULL)
    return FALSE;
  file = g_mapped_file_new (path, FALSE, error);
  if (file == NULL)
    return FALSE;
  item = g_new0 (TernOutboxItem, 1);
  if (!store_message (store, account, g_mapped_file_get_contents (file), g_mapped_file_get_length (file),
                      item, &names, error))
    return FALSE;
  item->forwards = g_strdup (old->forwards);
  item->draft = old->draft;
  if (!tern_outbox_replace (store, id, item, error))
    {
      g_unlink (item->path);
      return FALSE;
    }
  return TRUE;
}

/* Folders. */

gint64
tern_outbox_special_folder (TernStore   *store,
                            gint64       account_id,
                            const char  *special_use)
{
  g_autoptr(GPtrArray) folders = tern_store_list_folders_uncounted (store, account_id, NULL);

  for (guint i = 0; folders != NULL && i < folders->len; i++)
    {
      TernFolder *f = folders->pdata[i];

      /* Not one deleted here (2) or gone from the server (3). */
      if (f->special_use != NULL && g_ascii_strcasecmp (f->special_use, special_use) == 0 &&
          f->local_state != TERN_FOLDER_DELETED_HERE && f->local_state != TERN_FOLDER_KEPT_LOCALLY)
        return f->id;
    }
  return 0;
}

guint
_tern_outbox_count_folders (TernStore *store,
                            gint64     account_id)
{
  g_autoptr(GPtrArray) folders = tern_store_list_folders_uncounted (store, account_id, NULL);

  return folders ? folders->len : 0;
}

