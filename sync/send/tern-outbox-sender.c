/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "tern-outbox"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "tern-compose.h"
#include "tern-journal.h"
#include "tern-mime.h"
#include "tern-outbox-private.h"
#include "tern-password.h"
#include "tern-submit.h"

/* Sent rows are kept this long for the record. */
#define KEEP_SENT_SECONDS (7 * 24 * 3600)
#define MAX_BACKOFF 1800

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
      self->account->auth = g_strdup (account->auth);
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
      if (_tern_outbox_count_folders (self->store, self->account->id) == 0)
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
      sent_folder = tern_journal_ensure_special_folder (self->store, self->account->id,
                                                        "\\Sent", "Sent", &local_error);
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

static gboolean
lookup_password (TernOutboxSender  *self,
                 TernSmtpSettings  *smtp,
                 GError           **error)
{
  if (self->password != NULL)
    return TRUE;
  /* An account that signs in with OAuth2: an access token (in memory for this run). */
  if (tern_password_uses_token (self->account))
    self->password = tern_password_dup_token (self->store, self->account, FALSE, error);
  else
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

  /* A forward whose attachments are still to be downloaded (the engine fills them in when
   * connected, tern_sync_fill_outbox_parts()): not sent without them. */
  {
    g_autoptr(GPtrArray) references = tern_mime_list_part_references (item->path, NULL);

    if (references != NULL && references->len > 0)
      {
        result->deferred++;
        return tern_outbox_defer (self->store, item->id,
                                  "Waiting to download the attachments of the forwarded message",
                                  0, error);
      }
  }

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

  if (tern_password_uses_token (self->account))
    {
      settings.bearer = self->password;
      settings.password = NULL;
    }
  tern_submit_message (&settings, item->mail_from, (const char * const *) item->recipients, item->path,
                       handed_over_cb, &hand_over, self->cancellable, &outcome, &refused, &failure);
  /* A token refused (it expired since it was had): a new one, once. Nothing was sent. */
  if (outcome == TERN_SUBMIT_NOT_SENT && settings.bearer != NULL &&
      g_error_matches (failure, TERN_SYNC_ERROR, TERN_SYNC_ERROR_AUTH))
    {
      g_autoptr(GError) token_error = NULL;
      char *token = tern_password_dup_token (self->store, self->account, TRUE, &token_error);

      if (token != NULL)
        {
          memset (self->password, 0, strlen (self->password));
          g_free (self->password);
          self->password = token;
          settings.bearer = token;
          g_clear_error (&failure);
          g_clear_pointer (&refused, g_free);
          tern_submit_message (&settings, item->mail_from, (const char * const *) item->recipients,
                               item->path, handed_over_cb, &hand_over, self->cancellable, &outcome,
                               &refused, &failure);
        }
      else
        {
          g_clear_error (&failure);
          failure = g_steal_pointer (&token_error);
        }
    }

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
  /* A refusal that concerns the account (the run stops) rather than this message. */
  *stop_out = tern_failure_stops_run (failure);
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
  if (tern_failure_is_retryable (failure))
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
      if (!smtp->configured)
        {
          /* No outgoing server was chosen for the account: nothing goes through a guessed
           * one. The message stays queued, saying why, until one is set up. */
          result->no_server = TRUE;
          if (g_strcmp0 (item->error, TERN_OUTBOX_NO_SERVER_REASON) != 0)
            {
              result->deferred++;
              ok = tern_outbox_defer (self->store, item->id, TERN_OUTBOX_NO_SERVER_REASON, 0, error);
            }
          continue;
        }
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
