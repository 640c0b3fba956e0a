/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "tern-outbox"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include <glib/gstdio.h>

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
  gint64 id;

  g_return_val_if_fail (store != NULL && account != NULL, 0);

  if (!store_message (store, account, data, length, item, error))
    return 0;
  if (options != NULL)
    {
      item->forwards = g_strdup (options->forwards);
      item->draft = options->draft;
    }
  id = tern_outbox_add (store, item, error);
  if (id == 0)
    g_unlink (item->path);
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

  if (old == NULL || (account = tern_store_get_account_by_id (store, old->account_id, error)) == NULL)
    return FALSE;
  file = g_mapped_file_new (path, FALSE, error);
  if (file == NULL)
    return FALSE;
  item = g_new0 (TernOutboxItem, 1);
  if (!store_message (store, account, g_mapped_file_get_contents (file), g_mapped_file_get_length (file),
                      item, error))
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

/* Where an account keeps a folder it creates: top level, or under "INBOX<delimiter>" when
 * every personal folder besides INBOX is there (Courier and Cyrus style). (transfer full) */
static char *
dup_new_folder_name (GPtrArray   *folders,
                     const char  *leaf,
                     char       **delimiter_out)
{
  const char *delimiter = NULL;
  g_autofree char *prefix = NULL;
  guint personal = 0, inside = 0;

  for (guint i = 0; i < folders->len; i++)
    {
      TernFolder *f = folders->pdata[i];

      if (f->delimiter == NULL || *f->delimiter == '\0')
        continue;
      if (g_ascii_strcasecmp (f->name, "INBOX") == 0)
        {
          delimiter = f->delimiter;
          break;
        }
      if (delimiter == NULL)
        delimiter = f->delimiter;
    }
  *delimiter_out = g_strdup (delimiter);
  if (delimiter == NULL)
    return g_strdup (leaf);

  prefix = g_strconcat ("INBOX", delimiter, NULL);
  for (guint i = 0; i < folders->len; i++)
    {
      TernFolder *f = folders->pdata[i];

      if (g_ascii_strcasecmp (f->name, "INBOX") == 0 || f->local_state == TERN_FOLDER_DELETED_HERE ||
          f->local_state == TERN_FOLDER_KEPT_LOCALLY || g_strcmp0 (f->namespace_kind, "other") == 0 ||
          g_strcmp0 (f->namespace_kind, "shared") == 0)
        continue;
      personal++;
      if (g_ascii_strncasecmp (f->name, prefix, strlen (prefix)) == 0)
        inside++;
    }
  if (personal > 0 && inside == personal)
    return g_strconcat (prefix, leaf, NULL);
  return g_strdup (leaf);
}

/* The account's folder with this special use; where the folder list is known and has none,
 * a folder of that name is created through the journal (so offline too; replayed as CREATE)
 * and takes the role here, so that it is found next time (a later LIST that shows the
 * server's own roles wins). Returns 0 with no error if the folder list was never synced.
 * Nests in the caller's transaction. */
gint64
_tern_outbox_ensure_special_folder (TernStore   *store,
                                    gint64       account_id,
                                    const char  *special_use,
                                    const char  *leaf,
                                    GError     **error)
{
  g_autoptr(GPtrArray) folders = NULL;
  g_autoptr(TernFolder) folder = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autofree char *delimiter = NULL;
  g_autofree char *name = NULL;
  gint64 id = tern_outbox_special_folder (store, account_id, special_use);

  if (id != 0)
    return id;
  folders = tern_store_list_folders_uncounted (store, account_id, error);
  if (folders == NULL || folders->len == 0)
    return 0;

  name = dup_new_folder_name (folders, leaf, &delimiter);
  id = tern_journal_folder_create (store, account_id, name, name, delimiter, &local_error);
  if (id == 0 && g_error_matches (local_error, TERN_JOURNAL_ERROR, TERN_JOURNAL_ERROR_EXISTS))
    {
      /* A folder of that name without the role (not selectable, say, or created here by
       * another thread a moment ago): it takes the role if it can hold messages. */
      folder = tern_store_get_folder (store, account_id, name, NULL);
      if (folder != NULL && folder->selectable && folder->local_state != 2 &&
          folder->local_state != 3)
        id = folder->id;
    }
  if (id == 0)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return 0;
    }
  if (folder == NULL && (folder = tern_store_get_folder_by_id (store, id, error)) == NULL)
    return 0;
  g_free (folder->special_use);
  folder->special_use = g_strdup (special_use);
  if (!tern_store_upsert_folder (store, folder, NULL, error))
    return 0;
  g_debug ("Created %s as the %s folder of account %" G_GINT64_FORMAT, name, special_use,
           account_id);
  return id;
}
