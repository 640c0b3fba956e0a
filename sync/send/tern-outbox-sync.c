/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "tern-outbox"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include <glib/gstdio.h>
#include <gmime/gmime.h>

#include "tern-journal.h"
#include "tern-mime.h"
#include "tern-outbox-sync.h"
#include "tern-password.h"
#include "tern-submit.h"

/* GMime 3.2 declares no autoptr cleanups. */
G_DEFINE_AUTOPTR_CLEANUP_FUNC (GMimeStream, g_object_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (GMimeParser, g_object_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (GMimeMessage, g_object_unref)

/* Sent rows are kept this long for the record. */
#define KEEP_SENT_SECONDS (7 * 24 * 3600)
#define MAX_HEADER_BYTES (1024 * 1024)
#define MAX_BACKOFF 1800

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

/* Where the header ends (after its empty line), or the whole length if it does not. */
static gsize
header_length (const char *data,
               gsize       length)
{
  gsize limit = MIN (length, (gsize) MAX_HEADER_BYTES);

  if (limit >= 1 && data[0] == '\n')
    return 1;
  if (limit >= 2 && data[0] == '\r' && data[1] == '\n')
    return 2;
  for (gsize i = 0; i + 1 < limit; i++)
    {
      if (data[i] != '\n')
        continue;
      if (data[i + 1] == '\n')
        return i + 2;
      if (i + 2 < limit && data[i + 1] == '\r' && data[i + 2] == '\n')
        return i + 3;
    }
  return limit;
}

static void
add_mailboxes (GPtrArray           *out,
               GHashTable          *seen,
               InternetAddressList *list)
{
  for (int i = 0; list != NULL && i < internet_address_list_length (list); i++)
    {
      InternetAddress *a = internet_address_list_get_address (list, i);
      const char *addr;

      if (INTERNET_ADDRESS_IS_GROUP (a))
        {
          add_mailboxes (out, seen, internet_address_group_get_members (INTERNET_ADDRESS_GROUP (a)));
          continue;
        }
      addr = internet_address_mailbox_get_addr (INTERNET_ADDRESS_MAILBOX (a));
      if (addr == NULL || strchr (addr, '@') == NULL || strpbrk (addr, "<>\r\n ") != NULL)
        continue;
      if (g_hash_table_add (seen, g_ascii_strdown (addr, -1)))
        g_ptr_array_add (out, g_strdup (addr));
    }
}

/* The envelope from the header alone (the body may be large and does not matter). */
static gboolean
read_envelope (const char         *data,
               gsize               length,
               const TernAccount  *account,
               Envelope           *env,
               GError            **error)
{
  gsize head = header_length (data, length);
  g_autoptr(GMimeStream) stream = NULL;
  g_autoptr(GMimeParser) parser = NULL;
  g_autoptr(GMimeMessage) mime = NULL;
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  InternetAddressList *from;
  const char *value;

  g_mime_init ();
  stream = g_mime_stream_mem_new_with_buffer (data, head);
  parser = g_mime_parser_new_with_stream (stream);
  mime = g_mime_parser_construct_message (parser, NULL);
  if (mime == NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "Not a mail message");
      return FALSE;
    }

  value = g_mime_message_get_message_id (mime);
  env->message_id = value && *value ? g_strdup_printf ("<%s>", value) : NULL;
  value = g_mime_message_get_subject (mime);
  env->subject = value ? g_utf8_make_valid (value, -1) : NULL;
  env->has_date = g_mime_object_get_header (GMIME_OBJECT (mime), "Date") != NULL;

  from = g_mime_message_get_from (mime);
  env->has_from = from != NULL && internet_address_list_length (from) > 0;
  if (env->has_from)
    {
      g_autoptr(GPtrArray) addrs = g_ptr_array_new_with_free_func (g_free);
      g_autoptr(GHashTable) none = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

      add_mailboxes (addrs, none, from);
      env->mail_from = addrs->len > 0 ? g_strdup (addrs->pdata[0]) : NULL;
    }
  if (env->mail_from == NULL)
    env->mail_from = g_strdup (account->email);

  env->recipients = g_ptr_array_new_with_free_func (g_free);
  add_mailboxes (env->recipients, seen, g_mime_message_get_to (mime));
  add_mailboxes (env->recipients, seen, g_mime_message_get_cc (mime));
  add_mailboxes (env->recipients, seen, g_mime_message_get_bcc (mime));
  if (env->recipients->len == 0)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                           "The message has no recipient in To, Cc or Bcc");
      return FALSE;
    }

  value = g_mime_object_get_header (GMIME_OBJECT (mime), "In-Reply-To");
  if (value != NULL)
    {
      g_autoptr(GString) ids = g_string_new (NULL);
      const char *p = value;

      while ((p = strchr (p, '<')) != NULL)
        {
          const char *end = strchr (p, '>');

          if (end == NULL)
            break;
          g_string_append_printf (ids, "%s%.*s", ids->len ? " " : "", (int) (end - p + 1), p);
          p = end + 1;
        }
      env->answers = ids->len ? g_strdup (ids->str) : NULL;
    }
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
      g_autofree char *id = g_mime_utils_generate_message_id (at ? at + 1 : "tern.invalid");

      env.message_id = g_strdup_printf ("<%s>", id);
      g_string_append_printf (prefix, "Message-ID: %s\r\n", env.message_id);
    }
  if (!env.has_date)
    {
      g_autoptr(GDateTime) now = g_date_time_new_now_local ();
      g_autofree char *date = g_mime_utils_header_format_date (now);

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
          f->local_state != 2 && f->local_state != 3)
        return f->id;
    }
  return 0;
}

static guint
count_folders (TernStore *store,
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

      if (g_ascii_strcasecmp (f->name, "INBOX") == 0 || f->local_state == 2 ||
          f->local_state == 3 || g_strcmp0 (f->namespace_kind, "other") == 0 ||
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
static gint64
ensure_special_folder (TernStore   *store,
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

/* The sender. */

struct _TernOutboxSender
{
  TernStore    *store;
  TernAccount  *account;
  char         *password;
  guint         timeout;
  char         *mechanisms;
  GCancellable *cancellable;
  char         *refused_sha256;
  int           lock_fd;
};

TernOutboxSender *
tern_outbox_sender_new (TernStore         *store,
                        const TernAccount *account)
{
  TernOutboxSender *self;

  g_return_val_if_fail (store != NULL && account != NULL, NULL);

  self = g_new0 (TernOutboxSender, 1);
  self->store = store;
  self->account = tern_store_get_account_by_id (store, account->id, NULL);
  if (self->account == NULL)
    {
      /* A record the caller made up (tests): copy what is used. */
      self->account = g_new0 (TernAccount, 1);
      self->account->id = account->id;
      self->account->name = g_strdup (account->name);
      self->account->email = g_strdup (account->email);
      self->account->host = g_strdup (account->host);
      self->account->user = g_strdup (account->user);
      self->account->password_command = g_strdup (account->password_command);
      self->account->ca_file = g_strdup (account->ca_file);
      self->account->pinned_sha256 = g_strdup (account->pinned_sha256);
    }
  self->cancellable = g_cancellable_new ();
  self->lock_fd = -1;
  return self;
}

void
tern_outbox_sender_free (TernOutboxSender *self)
{
  if (self == NULL)
    return;
  if (self->lock_fd >= 0)
    close (self->lock_fd);
  tern_account_free (self->account);
  if (self->password != NULL)
    memset (self->password, 0, strlen (self->password));
  g_free (self->password);
  g_free (self->mechanisms);
  g_object_unref (self->cancellable);
  g_free (self->refused_sha256);
  g_free (self);
}

void
tern_outbox_sender_set_password (TernOutboxSender *self,
                                 const char       *password)
{
  g_return_if_fail (self != NULL);

  g_free (self->password);
  self->password = g_strdup (password);
}

void
tern_outbox_sender_set_timeout (TernOutboxSender *self,
                                guint             seconds)
{
  g_return_if_fail (self != NULL);
  self->timeout = seconds;
}

void
tern_outbox_sender_set_auth_mechanisms (TernOutboxSender *self,
                                        const char       *mechanisms)
{
  g_return_if_fail (self != NULL);

  g_free (self->mechanisms);
  self->mechanisms = g_strdup (mechanisms);
}

void
tern_outbox_sender_cancel (TernOutboxSender *self)
{
  g_return_if_fail (self != NULL);
  g_cancellable_cancel (self->cancellable);
}

char *
tern_outbox_sender_dup_refused_sha256 (TernOutboxSender *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return g_strdup (self->refused_sha256);
}

/* One sender per account across processes: an flock() on a file beside the messages. The
 * kernel drops it when its holder dies, however it dies. */
static gboolean
take_lock (TernOutboxSender  *self,
           gboolean          *busy,
           GError           **error)
{
  g_autofree char *dir = tern_outbox_dup_dir (self->store);
  g_autofree char *name = g_strdup_printf (".send-%" G_GINT64_FORMAT ".lock", self->account->id);
  g_autofree char *path = g_build_filename (dir, name, NULL);
  int fd = open (path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);

  *busy = FALSE;
  if (fd < 0)
    {
      int saved = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                   "Cannot open %s: %s", path, g_strerror (saved));
      return FALSE;
    }
  if (flock (fd, LOCK_EX | LOCK_NB) != 0)
    {
      close (fd);
      *busy = TRUE;
      return TRUE;
    }
  self->lock_fd = fd;
  return TRUE;
}

static void
drop_lock (TernOutboxSender *self)
{
  if (self->lock_fd >= 0)
    close (self->lock_fd);
  self->lock_fd = -1;
}

static gboolean
ignorable (const GError *error)
{
  /* The original is gone, being deleted or read-only: the flag is a nicety. */
  return error->domain == TERN_JOURNAL_ERROR ||
         g_error_matches (error, TERN_STORE_ERROR, TERN_STORE_ERROR_NOT_FOUND);
}

static gboolean
flag_messages (TernOutboxSender  *self,
               const char        *message_ids,
               const char        *flag,
               GError           **error)
{
  g_auto(GStrv) ids = g_strsplit (message_ids ? message_ids : "", " ", -1);

  for (guint i = 0; ids[i] != NULL; i++)
    {
      g_autoptr(GArray) found = NULL;

      if (*ids[i] == '\0')
        continue;
      found = tern_outbox_find_message_ids (self->store, self->account->id, ids[i], error);
      if (found == NULL)
        return FALSE;
      for (guint j = 0; j < found->len; j++)
        {
          g_autoptr(GError) local_error = NULL;

          gint64 id = g_array_index (found, gint64, j);

          if (!tern_journal_set_flags (self->store, id, flag, NULL, &local_error))
            {
              if (!ignorable (local_error))
                {
                  g_propagate_error (error, g_steal_pointer (&local_error));
                  return FALSE;
                }
              g_debug ("Not marking message %" G_GINT64_FORMAT " %s: %s",
                       id, flag, local_error->message);
            }
        }
    }
  return TRUE;
}

/* After the server took a message: its Sent copy, the flags on the originals and the draft's
 * removal go in the journal in one transaction, which also clears follow_up. FALSE without
 * error: not possible yet (the folder list was never synced), tried again next run. */
static gboolean
follow_up (TernOutboxSender  *self,
           TernOutboxItem    *item,
           GError           **error)
{
  g_autoptr(TernSmtpSettings) smtp = tern_outbox_get_smtp (self->store, self->account->id, error);
  g_autoptr(GMappedFile) file = NULL;
  g_autoptr(GBytes) raw = NULL;
  gint64 sent_folder = 0;

  if (smtp == NULL)
    return FALSE;
  if (!smtp->server_saves_sent)
    {
      if (count_folders (self->store, self->account->id) == 0)
        return FALSE; /* no folder list yet: the Sent copy waits for a sync */
      file = g_mapped_file_new (item->path, FALSE, error);
      if (file == NULL)
        return FALSE;
      raw = g_mapped_file_get_bytes (file);
    }

  if (!tern_store_begin (self->store, error))
    return FALSE;
  if (raw != NULL)
    {
      g_autoptr(GArray) copies = NULL;
      g_autoptr(GError) local_error = NULL;

      /* An account without Sent gets one. */
      sent_folder = ensure_special_folder (self->store, self->account->id, "\\Sent", "Sent",
                                           &local_error);
      if (sent_folder == 0)
        {
          /* As below: a folder that cannot be made leaves the message without a copy. */
          if (local_error == NULL || local_error->domain != TERN_JOURNAL_ERROR)
            {
              if (local_error != NULL)
                g_propagate_error (error, g_steal_pointer (&local_error));
              goto rollback;
            }
          g_debug ("No Sent copy of %s: %s", item->message_id, local_error->message);
          g_clear_pointer (&raw, g_bytes_unref);
        }
      /* A copy there already (filed by the server or another client: how an unknown outcome
       * is settled) is not appended twice. */
      if (sent_folder != 0 && item->message_id != NULL)
        {
          copies = tern_outbox_find_in_folder (self->store, sent_folder, item->message_id, error);
          if (copies == NULL)
            goto rollback;
          if (copies->len > 0)
            g_clear_pointer (&raw, g_bytes_unref);
        }
    }
  if (raw != NULL)
    {
      g_autoptr(TernMessage) message = tern_mime_parse_message (raw, error);
      g_autoptr(GError) local_error = NULL;

      if (message == NULL)
        goto rollback;
      g_free (message->flags);
      message->flags = g_strdup ("\\Seen");
      message->internaldate = item->sent ? item->sent : g_get_real_time () / G_USEC_PER_SEC;
      /* A Sent folder the user may not write to gets no copy; the message went all the same,
       * and the follow-up must not stay stuck on it. */
      if (tern_journal_append (self->store, sent_folder, message, raw, &local_error) == 0)
        {
          if (local_error->domain != TERN_JOURNAL_ERROR)
            {
              g_propagate_error (error, g_steal_pointer (&local_error));
              goto rollback;
            }
          g_debug ("No Sent copy of %s: %s", item->message_id, local_error->message);
        }
    }
  if (!flag_messages (self, item->answers, "\\Answered", error) ||
      !flag_messages (self, item->forwards, "$Forwarded", error))
    goto rollback;
  if (item->draft != 0)
    {
      g_autoptr(GError) local_error = NULL;

      if (!tern_journal_delete_permanently (self->store, item->draft, &local_error) &&
          !ignorable (local_error))
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          goto rollback;
        }
    }
  if (!tern_outbox_set_followed_up (self->store, item->id, error) ||
      !tern_store_commit (self->store, error))
    goto rollback;

  /* The journal has its own copy now. */
  g_clear_pointer (&raw, g_bytes_unref);
  g_clear_pointer (&file, g_mapped_file_unref);
  if (g_unlink (item->path) != 0 && errno != ENOENT)
    g_debug ("Cannot remove %s: %s", item->path, g_strerror (errno));
  return TRUE;

rollback:
  tern_store_rollback (self->store);
  return FALSE;
}

static gboolean
follow_up_all (TernOutboxSender  *self,
               TernOutboxRun     *result,
               GError           **error)
{
  g_autoptr(GPtrArray) items = tern_outbox_list (self->store, self->account->id, TRUE, error);

  if (items == NULL)
    return FALSE;
  for (guint i = 0; i < items->len; i++)
    {
      TernOutboxItem *item = items->pdata[i];
      g_autoptr(GError) local_error = NULL;

      if (g_strcmp0 (item->state, TERN_OUTBOX_SENT) != 0 || !item->follow_up)
        continue;
      if (follow_up (self, item, &local_error))
        result->followed_up++;
      else if (local_error != NULL)
        {
          /* The message went out; only its copy and flags wait: tried again next run. */
          g_debug ("Cannot file the sent message %" G_GINT64_FORMAT " yet: %s", item->id,
                   local_error->message);
        }
    }
  return TRUE;
}

/* Whether a message with this Message-ID is in the folder on the server, as the last sync saw
 * it (a copy only queued here does not count). */
static gboolean
on_server_in (TernStore   *store,
              gint64       folder_id,
              const char  *message_id,
              GError     **error)
{
  g_autoptr(GArray) ids = tern_outbox_find_in_folder (store, folder_id, message_id, error);

  for (guint i = 0; ids != NULL && i < ids->len; i++)
    {
      gint64 where = 0;
      guint32 uid = 0;

      if (tern_journal_locate (store, g_array_index (ids, gint64, i), &where, &uid, NULL) &&
          where == folder_id && uid != 0)
        return TRUE;
    }
  return FALSE;
}

/* Unknown outcomes with evidence: a copy of the message in Sent on the server means the
 * submission server took it. Such a message is marked sent and followed up (no second copy:
 * follow_up() sees the one there). Nothing is sent. */
static gboolean
settle_unknown (TernOutboxSender  *self,
                TernOutboxRun     *result,
                GError           **error)
{
  g_autoptr(GPtrArray) items = NULL;
  gint64 sent_folder = tern_outbox_special_folder (self->store, self->account->id, "\\Sent");

  if (sent_folder == 0 ||
      tern_outbox_count (self->store, self->account->id, TERN_OUTBOX_UNKNOWN) == 0)
    return TRUE;
  items = tern_outbox_list (self->store, self->account->id, FALSE, error);
  if (items == NULL)
    return FALSE;
  for (guint i = 0; i < items->len; i++)
    {
      TernOutboxItem *item = items->pdata[i];
      g_autoptr(TernOutboxItem) sent = NULL;
      g_autoptr(GError) local_error = NULL;

      if (g_strcmp0 (item->state, TERN_OUTBOX_UNKNOWN) != 0 || item->message_id == NULL)
        continue;
      if (!on_server_in (self->store, sent_folder, item->message_id, &local_error))
        {
          if (local_error != NULL)
            {
              g_propagate_error (error, g_steal_pointer (&local_error));
              return FALSE;
            }
          continue;
        }
      g_debug ("%s is in Sent: outbox message %" G_GINT64_FORMAT " was sent", item->message_id,
               item->id);
      if (!tern_outbox_mark_sent (self->store, item->id, error) ||
          (sent = tern_outbox_get (self->store, item->id, error)) == NULL)
        return FALSE;
      result->settled++;
      if (follow_up (self, sent, &local_error))
        result->followed_up++;
      else if (local_error != NULL)
        g_debug ("Filing sent message %" G_GINT64_FORMAT " later: %s", item->id,
                 local_error->message);
    }
  return TRUE;
}

typedef struct
{
  TernOutboxSender *self;
  gint64            id;
} HandOver;

static gboolean
handed_over_cb (gpointer   user_data,
                GError   **error)
{
  HandOver *h = user_data;

  return tern_outbox_mark_data_sent (h->self->store, h->id, error);
}

static guint
backoff (guint attempts)
{
  guint delay = 30;

  for (guint i = 1; i < attempts && delay < MAX_BACKOFF; i++)
    delay *= 2;
  return MIN (delay, MAX_BACKOFF);
}

/* Whether a refusal concerns the account (the run stops) rather than this message. */
static gboolean
stops_run (const GError *error)
{
  return g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) ||
         (error->domain == TERN_SYNC_ERROR &&
          (error->code == TERN_SYNC_ERROR_OFFLINE || error->code == TERN_SYNC_ERROR_AUTH ||
           error->code == TERN_SYNC_ERROR_CERTIFICATE || error->code == TERN_SYNC_ERROR_CONFIG ||
           error->code == TERN_SYNC_ERROR_INSECURE));
}

static gboolean
lookup_password (TernOutboxSender  *self,
                 TernSmtpSettings  *smtp,
                 GError           **error)
{
  if (self->password != NULL)
    return TRUE;
  self->password = tern_password_lookup_smtp (self->account, smtp->host, smtp->user, error);
  return self->password != NULL;
}

/* Sends one message and records what happened. *stop_out: the run should end here. */
static gboolean
send_one (TernOutboxSender  *self,
          TernOutboxItem    *item,
          TernSmtpSettings  *smtp,
          TernOutboxRun     *result,
          gboolean          *stop_out,
          GError           **error)
{
  g_autoptr(GError) failure = NULL;
  g_autofree char *refused = NULL;
  const char *pins[3] = { NULL, NULL, NULL };
  TernSubmitSettings settings = { 0 };
  TernSubmitOutcome outcome = TERN_SUBMIT_NOT_SENT;
  HandOver hand_over = { self, item->id };
  guint n_pins = 0;

  *stop_out = FALSE;

  if (!lookup_password (self, smtp, &failure))
    {
      /* No password: nothing was tried. The message waits, with the reason. */
      *stop_out = TRUE;
      result->deferred++;
      return tern_outbox_defer (self->store, item->id, failure->message, backoff (item->attempts + 1), error);
    }

  if (smtp->pinned_sha256 != NULL)
    pins[n_pins++] = smtp->pinned_sha256;
  if (self->account->pinned_sha256 != NULL && g_ascii_strcasecmp (smtp->host, self->account->host) == 0)
    pins[n_pins++] = self->account->pinned_sha256;

  settings.host = smtp->host;
  settings.port = (guint16) smtp->port;
  settings.security = g_strcmp0 (smtp->security, "starttls") == 0 ? TERN_SUBMIT_SECURITY_STARTTLS
                                                                   : TERN_SUBMIT_SECURITY_TLS;
  settings.user = smtp->user;
  settings.password = self->password;
  settings.ca_file = self->account->ca_file;
  settings.pinned_sha256 = pins;
  settings.auth_mechanisms = self->mechanisms;
  settings.timeout_seconds = self->timeout;

  /* "sending" is committed before any connection is made. */
  if (!tern_outbox_begin_sending (self->store, item->id, error))
    return FALSE;

  tern_submit_message (&settings, item->mail_from, (const char * const *) item->recipients, item->path,
                       handed_over_cb, &hand_over, self->cancellable, &outcome, &refused, &failure);

  switch (outcome)
    {
    case TERN_SUBMIT_SENT:
      {
        g_autoptr(TernOutboxItem) sent = NULL;
        g_autoptr(GError) follow_error = NULL;

        /* First of all, and on its own: the server has it. */
        result->sent++;
        if (!tern_outbox_set_sent (self->store, item->id, error) ||
            (sent = tern_outbox_get (self->store, item->id, error)) == NULL)
          return FALSE;
        if (follow_up (self, sent, &follow_error))
          result->followed_up++;
        else if (follow_error != NULL)
          g_debug ("Filing sent message %" G_GINT64_FORMAT " later: %s", item->id, follow_error->message);
        return TRUE;
      }

    case TERN_SUBMIT_UNKNOWN:
      result->unknown++;
      *stop_out = g_error_matches (failure, G_IO_ERROR, G_IO_ERROR_CANCELLED);
      return tern_outbox_fail (self->store, item->id, TERN_OUTBOX_UNKNOWN,
                               g_error_matches (failure, G_IO_ERROR, G_IO_ERROR_CANCELLED)
                               ? "Stopped while the server was confirming this message: it may have "
                                 "been sent. Retry to send it again, or mark it as sent"
                               : failure->message,
                               error);

    case TERN_SUBMIT_NOT_SENT:
    default:
      break;
    }

  g_assert (failure != NULL);
  *stop_out = stops_run (failure);
  if (refused != NULL)
    {
      g_free (self->refused_sha256);
      self->refused_sha256 = g_steal_pointer (&refused);
    }
  if (g_error_matches (failure, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      result->deferred++;
      return tern_outbox_defer (self->store, item->id, "Stopped before it was sent", 0, error);
    }
  if (failure->domain == TERN_SYNC_ERROR &&
      (failure->code == TERN_SYNC_ERROR_OFFLINE || failure->code == TERN_SYNC_ERROR_TRANSIENT))
    {
      result->deferred++;
      return tern_outbox_defer (self->store, item->id, failure->message, backoff (item->attempts + 1), error);
    }
  result->failed++;
  return tern_outbox_fail (self->store, item->id, TERN_OUTBOX_FAILED, failure->message, error);
}

gboolean
tern_outbox_sender_run (TernOutboxSender  *self,
                        gboolean           now,
                        TernOutboxRun     *result,
                        GError           **error)
{
  g_autoptr(TernSmtpSettings) smtp = NULL;
  TernOutboxRun local = { 0 };
  gint64 after = 0;
  gboolean busy = FALSE;
  gboolean ok = TRUE;

  g_return_val_if_fail (self != NULL, FALSE);

  if (result == NULL)
    result = &local;
  memset (result, 0, sizeof *result);

  if (!take_lock (self, &busy, error))
    return FALSE;
  if (busy)
    {
      result->busy = TRUE;
      return TRUE;
    }

  smtp = tern_outbox_get_smtp (self->store, self->account->id, error);
  ok = smtp != NULL &&
       tern_outbox_recover (self->store, self->account->id, &result->unknown, error) &&
       settle_unknown (self, result, error) &&
       follow_up_all (self, result, error);

  while (ok && !g_cancellable_is_cancelled (self->cancellable))
    {
      g_autoptr(TernOutboxItem) item = NULL;
      g_autoptr(GError) local_error = NULL;
      gboolean stop = FALSE;

      item = tern_outbox_next_due (self->store, self->account->id, after,
                                   now ? 0 : g_get_real_time () / G_USEC_PER_SEC, &local_error);
      if (item == NULL)
        {
          if (local_error != NULL)
            {
              g_propagate_error (error, g_steal_pointer (&local_error));
              ok = FALSE;
            }
          break;
        }
      after = item->id;
      if (!send_one (self, item, smtp, result, &stop, error))
        {
          ok = FALSE;
          break;
        }
      if (stop)
        break;
    }

  if (ok)
    {
      g_autoptr(GError) prune_error = NULL;

      if (!tern_outbox_prune (self->store, KEEP_SENT_SECONDS, &prune_error))
        g_debug ("Cannot prune the outbox: %s", prune_error->message);
    }
  drop_lock (self);
  return ok;
}

gboolean
tern_outbox_sender_recover (TernOutboxSender  *self,
                            gboolean          *busy_out,
                            GError           **error)
{
  TernOutboxRun run = { 0 };
  gboolean busy = FALSE;
  gboolean ok;

  g_return_val_if_fail (self != NULL, FALSE);

  if (busy_out != NULL)
    *busy_out = FALSE;
  if (!take_lock (self, &busy, error))
    return FALSE;
  if (busy)
    {
      if (busy_out != NULL)
        *busy_out = TRUE;
      return TRUE;
    }
  ok = tern_outbox_recover (self->store, self->account->id, NULL, error) &&
       settle_unknown (self, &run, error);
  drop_lock (self);
  return ok;
}

/* Drafts. */

gint64
tern_draft_save (TernStore         *store,
                 const TernAccount *account,
                 GBytes            *raw,
                 gint64             replaces,
                 guint             *others_out,
                 GError           **error)
{
  g_autoptr(TernMessage) message = NULL;
  g_autoptr(GArray) before = NULL;
  gint64 drafts, id;
  gboolean replaced_visible = FALSE;
  guint others = 0;

  g_return_val_if_fail (store != NULL && account != NULL && raw != NULL, 0);

  if (others_out != NULL)
    *others_out = 0;
  drafts = tern_outbox_special_folder (store, account->id, "\\Drafts");
  if (drafts == 0 && count_folders (store, account->id) == 0)
    {
      g_set_error (error, TERN_JOURNAL_ERROR, TERN_JOURNAL_ERROR_INVALID,
                   "%s has no Drafts folder (sync the folder list first)", account->name);
      return 0;
    }
  message = tern_mime_parse_message (raw, error);
  if (message == NULL)
    return 0;
  if (message->message_id == NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                           "A draft needs a Message-ID (it stays the same from version to version)");
      return 0;
    }
  g_free (message->flags);
  message->flags = tern_flags_canonicalize ("\\Seen \\Draft");
  message->internaldate = g_get_real_time () / G_USEC_PER_SEC;

  if (!tern_store_begin (store, error))
    return 0;
  /* An account without Drafts gets one, in the same transaction as the draft. */
  if (drafts == 0 &&
      (drafts = ensure_special_folder (store, account->id, "\\Drafts", "Drafts", error)) == 0)
    goto fail;
  before = tern_outbox_find_in_folder (store, drafts, message->message_id, error);
  if (before == NULL)
    goto fail;
  for (guint i = 0; i < before->len; i++)
    {
      if (g_array_index (before, gint64, i) == replaces)
        replaced_visible = TRUE;
      else
        others++;
    }

  id = tern_journal_append (store, drafts, message, raw, error);
  /* The old version goes only after the new one, in journal order: on the server the new one
   * is stored before the old one is expunged. */
  if (id != 0 && replaces != 0 && replaced_visible &&
      !tern_journal_delete_permanently (store, replaces, error))
    id = 0;
  if (id == 0 || !tern_store_commit (store, error))
    goto fail;
  if (others_out != NULL)
    *others_out = others;
  return id;

fail:
  tern_store_rollback (store);
  return 0;
}

gint64
tern_draft_find_current (TernStore          *store,
                         const TernAccount  *account,
                         const char         *message_id,
                         GArray            **copies_out,
                         GError            **error)
{
  g_autoptr(GArray) ids = NULL;
  gint64 drafts, current = 0;

  g_return_val_if_fail (store != NULL && account != NULL && message_id != NULL, 0);

  if (copies_out != NULL)
    *copies_out = g_array_new (FALSE, FALSE, sizeof (gint64));
  drafts = tern_outbox_special_folder (store, account->id, "\\Drafts");
  if (drafts == 0)
    return 0;
  ids = tern_outbox_find_in_folder (store, drafts, message_id, error);
  if (ids == NULL || ids->len == 0)
    return 0;
  current = g_array_index (ids, gint64, 0);
  if (copies_out != NULL)
    g_array_append_vals (*copies_out, &g_array_index (ids, gint64, 1), ids->len - 1);
  return current;
}
