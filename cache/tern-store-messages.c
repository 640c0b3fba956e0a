/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "tern-store"

#include "config.h"

#include <glib/gstdio.h>
#include <sqlite3.h>
#include <string.h>

#include "tern-store-private.h"

/* Messages: headers, flags, UIDs; re-attaching after a UIDVALIDITY change. */

/* Messages. */

static gboolean
insert_parts (TernStore          *self,
              gint64              message_id,
              const TernMessage  *message,
              gboolean            replace,
              GError            **error)
{
  sqlite3_stmt *stmt;

  if (replace)
    {
      sqlite3_stmt *del = _tern_store_prepare (self, "DELETE FROM part WHERE message = ?", error);

      if (del == NULL)
        return FALSE;
      sqlite3_bind_int64 (del, 1, message_id);
      if (!_tern_store_step_done (self, del, "storing a message structure", error))
        return FALSE;
    }

  if (message->parts == NULL)
    return TRUE;

  stmt = _tern_store_prepare (self,
                              "INSERT OR REPLACE INTO part (message, section, type, subtype, charset, encoding, "
                              "size, disposition, filename, content_id) VALUES (?,?,?,?,?,?,?,?,?,?)",
                              error);
  if (stmt == NULL)
    return FALSE;
  for (guint i = 0; i < message->parts->len; i++)
    {
      const TernPart *part = g_ptr_array_index (message->parts, i);

      sqlite3_reset (stmt);
      sqlite3_bind_int64 (stmt, 1, message_id);
      _tern_store_bind_text (stmt, 2, part->section);
      _tern_store_bind_text (stmt, 3, part->type ? part->type : "application");
      _tern_store_bind_text (stmt, 4, part->subtype ? part->subtype : "octet-stream");
      _tern_store_bind_text (stmt, 5, part->charset);
      _tern_store_bind_text (stmt, 6, part->encoding);
      sqlite3_bind_int64 (stmt, 7, (gint64) part->size);
      _tern_store_bind_text (stmt, 8, part->disposition);
      _tern_store_bind_text (stmt, 9, part->filename);
      _tern_store_bind_text (stmt, 10, part->content_id);
      if (!_tern_store_step_done (self, stmt, "storing a message part", error))
        return FALSE;
    }
  return TRUE;
}

static void
bind_message (sqlite3_stmt      *stmt,
              gint64             folder_id,
              const TernMessage *message,
              gint64             thread_id)
{
  sqlite3_bind_int64 (stmt, 1, folder_id);
  _tern_store_bind_nonzero (stmt, 2, message->uid);
  _tern_store_bind_nonzero (stmt, 3, (gint64) message->modseq);
  _tern_store_bind_text (stmt, 4, message->flags ? message->flags : "");
  sqlite3_bind_int (stmt, 5, tern_flags_contain (message->flags, "\\Seen"));
  sqlite3_bind_int (stmt, 6, tern_flags_contain (message->flags, "\\Flagged"));
  sqlite3_bind_int64 (stmt, 7, message->internaldate);
  sqlite3_bind_int64 (stmt, 8, (gint64) message->size);
  sqlite3_bind_int64 (stmt, 9, message->date ? message->date : message->internaldate);
  _tern_store_bind_text (stmt, 10, message->subject);
  _tern_store_bind_text (stmt, 11, message->from_name);
  _tern_store_bind_text (stmt, 12, message->from_addr);
  _tern_store_bind_text (stmt, 13, message->sender);
  _tern_store_bind_text (stmt, 14, message->reply_to);
  _tern_store_bind_text (stmt, 15, message->to_list);
  _tern_store_bind_text (stmt, 16, message->cc_list);
  _tern_store_bind_text (stmt, 17, message->bcc_list);
  _tern_store_bind_text (stmt, 18, message->message_id);
  _tern_store_bind_text (stmt, 19, message->in_reply_to);
  _tern_store_bind_text (stmt, 20, message->references);
  _tern_store_bind_nonzero (stmt, 21, thread_id);
}

gboolean
tern_store_upsert_message (TernStore          *self,
                           gint64              folder_id,
                           const TernMessage  *message,
                           gint64             *id_out,
                           GError            **error)
{
  sqlite3_stmt *stmt = _tern_store_prepare (self,
                                            "INSERT INTO message (folder_id, uid, modseq, flags, seen, flagged, "
                                            "internaldate, size, date, subject, from_name, from_addr, sender, "
                                            "reply_to, to_list, cc_list, bcc_list, message_id, in_reply_to, refs, "
                                            "thread_id) "
                                            "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?) "
                                            "ON CONFLICT (folder_id, uid) WHERE uid IS NOT NULL DO UPDATE SET "
                                            "modseq = excluded.modseq, flags = excluded.flags, "
                                            "seen = excluded.seen, flagged = excluded.flagged, "
                                            "internaldate = excluded.internaldate, size = excluded.size, "
                                            "date = excluded.date, subject = excluded.subject, "
                                            "from_name = excluded.from_name, from_addr = excluded.from_addr, "
                                            "sender = excluded.sender, reply_to = excluded.reply_to, "
                                            "to_list = excluded.to_list, cc_list = excluded.cc_list, "
                                            "bcc_list = excluded.bcc_list, message_id = excluded.message_id, "
                                            "in_reply_to = excluded.in_reply_to, refs = excluded.refs, "
                                            "thread_id = coalesce (message.thread_id, excluded.thread_id) "
                                            "RETURNING id",
                                            error);
  gint64 id = 0, thread_id;
  int rc;

  if (stmt == NULL)
    return FALSE;
  if (!_tern_threads_assign (self, folder_id, message->message_id, message->in_reply_to,
                             message->references, &thread_id, error))
    return FALSE;
  bind_message (stmt, folder_id, message, thread_id);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    id = sqlite3_column_int64 (stmt, 0);
  sqlite3_reset (stmt);
  if (rc != SQLITE_ROW)
    return _tern_store_fail (self, rc, "storing a message", error);

  if (!insert_parts (self, id, message, TRUE, error))
    return FALSE;
  if (id_out)
    *id_out = id;
  return TRUE;
}

gboolean
tern_store_insert_message (TernStore          *self,
                           gint64              folder_id,
                           const TernMessage  *message,
                           gint64             *id_out,
                           GError            **error)
{
  sqlite3_stmt *stmt = _tern_store_prepare (self,
                                            "INSERT INTO message (folder_id, uid, modseq, flags, seen, flagged, "
                                            "internaldate, size, date, subject, from_name, from_addr, sender, "
                                            "reply_to, to_list, cc_list, bcc_list, message_id, in_reply_to, refs, "
                                            "thread_id) "
                                            "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                                            error);
  gint64 id, thread_id;
  int rc;

  if (stmt == NULL)
    return FALSE;
  if (!_tern_threads_assign (self, folder_id, message->message_id, message->in_reply_to,
                             message->references, &thread_id, error))
    return FALSE;
  bind_message (stmt, folder_id, message, thread_id);
  rc = sqlite3_step (stmt);
  sqlite3_reset (stmt);
  if (rc == SQLITE_CONSTRAINT_UNIQUE)
    return tern_store_upsert_message (self, folder_id, message, id_out, error);
  if (rc != SQLITE_DONE)
    return _tern_store_fail (self, rc, "storing a message", error);
  id = sqlite3_last_insert_rowid (self->db);
  if (!insert_parts (self, id, message, FALSE, error))
    return FALSE;
  if (id_out)
    *id_out = id;
  return TRUE;
}

gboolean
tern_store_update_flags (TernStore   *self,
                         gint64       folder_id,
                         guint32      uid,
                         const char  *flags,
                         guint64      modseq,
                         gboolean    *changed,
                         GError     **error)
{
  /* Only a real difference counts as a change: sweeps re-read every flag. */
  sqlite3_stmt *stmt = _tern_store_prepare (self,
                                            "UPDATE message SET flags = ?1, seen = ?2, flagged = ?3 "
                                            "WHERE folder_id = ?4 AND uid = ?5 AND flags <> ?1",
                                            error);
  gboolean differed;

  if (stmt == NULL)
    return FALSE;
  _tern_store_bind_text (stmt, 1, flags ? flags : "");
  sqlite3_bind_int (stmt, 2, tern_flags_contain (flags, "\\Seen"));
  sqlite3_bind_int (stmt, 3, tern_flags_contain (flags, "\\Flagged"));
  sqlite3_bind_int64 (stmt, 4, folder_id);
  sqlite3_bind_int64 (stmt, 5, uid);
  if (!_tern_store_step_done (self, stmt, "updating flags", error))
    return FALSE;
  differed = sqlite3_changes (self->db) > 0;

  if (modseq != 0)
    {
      stmt = _tern_store_prepare (self,
                                  "UPDATE message SET modseq = ?1 WHERE folder_id = ?2 AND uid = ?3 "
                                  "AND modseq IS NOT ?1",
                                  error);
      if (stmt == NULL)
        return FALSE;
      sqlite3_bind_int64 (stmt, 1, (gint64) modseq);
      sqlite3_bind_int64 (stmt, 2, folder_id);
      sqlite3_bind_int64 (stmt, 3, uid);
      if (!_tern_store_step_done (self, stmt, "updating flags", error))
        return FALSE;
    }

  if (changed)
    *changed = differed;
  return TRUE;
}

gboolean
tern_store_expunge_uid (TernStore  *self,
                        gint64      folder_id,
                        guint32     uid,
                        GError    **error)
{
  sqlite3_stmt *stmt = _tern_store_prepare (self, "DELETE FROM message WHERE folder_id = ? AND uid = ?", error);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, folder_id);
  sqlite3_bind_int64 (stmt, 2, uid);
  return _tern_store_step_done (self, stmt, "removing a message", error);
}

static int
compare_uid (gconstpointer a,
             gconstpointer b)
{
  guint32 ua = *(const guint32 *) a;
  guint32 ub = *(const guint32 *) b;

  return ua < ub ? -1 : ua > ub;
}

gboolean
tern_store_expunge_missing (TernStore  *self,
                            gint64      folder_id,
                            guint32     first,
                            guint32     last,
                            GArray     *keep,
                            guint      *removed_out,
                            GError    **error)
{
  g_autoptr(GArray) cached = tern_store_list_uids (self, folder_id, error);
  guint removed = 0;

  if (cached == NULL)
    return FALSE;

  for (guint i = 0; i < cached->len; i++)
    {
      guint32 uid = g_array_index (cached, guint32, i);
      guint index;

      if (uid < first || uid > last)
        continue;
      if (keep != NULL && keep->len > 0 &&
          g_array_binary_search (keep, &uid, compare_uid, &index))
        continue;
      if (!tern_store_expunge_uid (self, folder_id, uid, error))
        return FALSE;
      removed++;
    }

  if (removed_out)
    *removed_out = removed;
  return TRUE;
}

GArray *
tern_store_list_uids (TernStore  *self,
                      gint64      folder_id,
                      GError    **error)
{
  sqlite3_stmt *stmt = _tern_store_prepare (self,
                                            "SELECT uid FROM message WHERE folder_id = ? AND uid IS NOT NULL "
                                            "ORDER BY uid",
                                            error);
  g_autoptr(GArray) uids = NULL;
  int rc;

  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, folder_id);
  uids = g_array_new (FALSE, FALSE, sizeof (guint32));
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      guint32 uid = (guint32) sqlite3_column_int64 (stmt, 0);
      g_array_append_val (uids, uid);
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      _tern_store_fail (self, rc, "listing UIDs", error);
      return NULL;
    }
  return g_steal_pointer (&uids);
}

GHashTable *
tern_store_dup_flags_map (TernStore  *self,
                          gint64      folder_id,
                          guint32     min_uid,
                          GError    **error)
{
  sqlite3_stmt *stmt = _tern_store_prepare (self,
                                            "SELECT uid, flags FROM message WHERE folder_id = ? AND uid >= ?",
                                            error);
  g_autoptr(GHashTable) map = NULL;
  int rc;

  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, folder_id);
  sqlite3_bind_int64 (stmt, 2, min_uid);
  map = g_hash_table_new_full (g_direct_hash, g_direct_equal, NULL, g_free);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_hash_table_insert (map, GUINT_TO_POINTER ((guint) sqlite3_column_int64 (stmt, 0)),
                         _tern_store_dup_column (stmt, 1));
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      _tern_store_fail (self, rc, "reading flags", error);
      return NULL;
    }
  return g_steal_pointer (&map);
}

gboolean
tern_store_get_flag_states (TernStore     *self,
                            const gint64  *ids,
                            guint          n,
                            guint64       *modseqs,
                            char         **flags,
                            GError       **error)
{
  sqlite3_stmt *stmt = _tern_store_prepare (self, "SELECT modseq, flags FROM message WHERE id = ?", error);

  if (stmt == NULL)
    return FALSE;
  for (guint i = 0; i < n; i++)
    {
      int rc;

      modseqs[i] = 0;
      flags[i] = NULL;
      if (ids[i] == 0)
        continue;
      sqlite3_bind_int64 (stmt, 1, ids[i]);
      rc = sqlite3_step (stmt);
      if (rc == SQLITE_ROW)
        {
          const char *text = (const char *) sqlite3_column_text (stmt, 1);

          modseqs[i] = (guint64) sqlite3_column_int64 (stmt, 0);
          flags[i] = g_strdup (text != NULL ? text : "");
        }
      sqlite3_reset (stmt);
      if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        {
          for (guint j = 0; j <= i; j++)
            g_clear_pointer (&flags[j], g_free);
          return _tern_store_fail (self, rc, "reading flags", error);
        }
    }
  return TRUE;
}

gboolean
tern_store_count_messages (TernStore  *self,
                           gint64      folder_id,
                           guint      *total_out,
                           guint      *unread_out,
                           GError    **error)
{
  sqlite3_stmt *stmt = _tern_store_prepare (self,
                                            "SELECT " SHOWN_COUNT ("?1", "") ", "
                                            SHOWN_COUNT ("?1", " AND m.seen = 0"),
                                            error);
  int rc;

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, folder_id);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    {
      if (total_out)
        *total_out = (guint) sqlite3_column_int64 (stmt, 0);
      if (unread_out)
        *unread_out = (guint) sqlite3_column_int64 (stmt, 1);
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_ROW)
    return _tern_store_fail (self, rc, "counting messages", error);
  return TRUE;
}

gboolean
tern_store_folder_size (TernStore  *self,
                        gint64      folder_id,
                        guint64    *bytes_out,
                        guint      *known_out,
                        GError    **error)
{
  sqlite3_stmt *stmt = _tern_store_prepare (self,
                                            "SELECT coalesce (sum (m.size), 0), count (m.size) FROM message m "
                                            "WHERE " SHOWN_IN ("?1"),
                                            error);
  int rc;

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, folder_id);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    {
      if (bytes_out)
        *bytes_out = (guint64) sqlite3_column_int64 (stmt, 0);
      if (known_out)
        *known_out = (guint) sqlite3_column_int64 (stmt, 1);
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_ROW)
    return _tern_store_fail (self, rc, "adding up sizes", error);
  return TRUE;
}

guint
tern_store_count_uids (TernStore *self,
                       gint64     folder_id)
{
  /* Answered from the (folder_id, uid) index alone. */
  sqlite3_stmt *stmt = _tern_store_prepare (self,
                                            "SELECT count(*) FROM message WHERE folder_id = ? AND uid IS NOT NULL",
                                            NULL);

  if (stmt == NULL)
    return 0;
  sqlite3_bind_int64 (stmt, 1, folder_id);
  return (guint) _tern_store_step_int64 (stmt, 0);
}

TernMessage *
_tern_store_message_from_row (sqlite3_stmt *stmt)
{
  TernMessage *message = tern_message_new ();

  message->id = sqlite3_column_int64 (stmt, 0);
  message->folder_id = sqlite3_column_int64 (stmt, 1);
  message->uid = (guint32) sqlite3_column_int64 (stmt, 2);
  message->modseq = (guint64) sqlite3_column_int64 (stmt, 3);
  message->flags = _tern_store_dup_column (stmt, 4);
  message->internaldate = sqlite3_column_int64 (stmt, 5);
  message->size = (guint64) sqlite3_column_int64 (stmt, 6);
  message->date = sqlite3_column_int64 (stmt, 7);
  message->subject = _tern_store_dup_column (stmt, 8);
  message->from_name = _tern_store_dup_column (stmt, 9);
  message->from_addr = _tern_store_dup_column (stmt, 10);
  message->sender = _tern_store_dup_column (stmt, 11);
  message->reply_to = _tern_store_dup_column (stmt, 12);
  message->to_list = _tern_store_dup_column (stmt, 13);
  message->cc_list = _tern_store_dup_column (stmt, 14);
  message->bcc_list = _tern_store_dup_column (stmt, 15);
  message->message_id = _tern_store_dup_column (stmt, 16);
  message->in_reply_to = _tern_store_dup_column (stmt, 17);
  message->references = _tern_store_dup_column (stmt, 18);
  message->thread_id = sqlite3_column_int64 (stmt, 19);
  return message;
}

GPtrArray *
tern_store_list_messages (TernStore  *self,
                          gint64      folder_id,
                          guint       limit,
                          GError    **error)
{
  sqlite3_stmt *stmt = _tern_store_prepare (self,
                                            "SELECT " MESSAGE_COLUMNS " FROM message m "
                                            "WHERE " SHOWN_IN ("?1") " "
                                            "ORDER BY date DESC, uid DESC LIMIT ?2",
                                            error);

  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, folder_id);
  sqlite3_bind_int64 (stmt, 2, limit > 0 ? (gint64) limit : -1);
  return _tern_store_collect (self, stmt, (TernRowFunc) _tern_store_message_from_row,
                              (GDestroyNotify) tern_message_free, "listing messages", error);
}

TernMessage *
tern_store_get_message (TernStore   *self,
                        gint64       message_id,
                        GError     **error)
{
  sqlite3_stmt *stmt = _tern_store_prepare (self, "SELECT " MESSAGE_COLUMNS " FROM message WHERE id = ?", error);
  sqlite3_stmt *parts;
  g_autoptr(TernMessage) message = NULL;
  int rc;

  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, message_id);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    message = _tern_store_message_from_row (stmt);
  sqlite3_reset (stmt);
  if (rc == SQLITE_DONE)
    {
      g_set_error (error, TERN_STORE_ERROR, TERN_STORE_ERROR_NOT_FOUND,
                   "No message with id %" G_GINT64_FORMAT, message_id);
      return NULL;
    }
  if (rc != SQLITE_ROW)
    {
      _tern_store_fail (self, rc, "reading a message", error);
      return NULL;
    }

  parts = _tern_store_prepare (self,
                               "SELECT section, type, subtype, charset, encoding, size, disposition, filename, "
                               "content_id FROM part WHERE message = ? ORDER BY rowid",
                               error);
  if (parts == NULL)
    return NULL;
  sqlite3_bind_int64 (parts, 1, message_id);
  message->parts = g_ptr_array_new_with_free_func ((GDestroyNotify) tern_part_free);
  while ((rc = sqlite3_step (parts)) == SQLITE_ROW)
    {
      TernPart *part = g_new0 (TernPart, 1);

      part->section = _tern_store_dup_column (parts, 0);
      part->type = _tern_store_dup_column (parts, 1);
      part->subtype = _tern_store_dup_column (parts, 2);
      part->charset = _tern_store_dup_column (parts, 3);
      part->encoding = _tern_store_dup_column (parts, 4);
      part->size = (guint64) sqlite3_column_int64 (parts, 5);
      part->disposition = _tern_store_dup_column (parts, 6);
      part->filename = _tern_store_dup_column (parts, 7);
      part->content_id = _tern_store_dup_column (parts, 8);
      g_ptr_array_add (message->parts, part);
    }
  sqlite3_reset (parts);
  if (rc != SQLITE_DONE)
    {
      _tern_store_fail (self, rc, "reading a message structure", error);
      return NULL;
    }
  return g_steal_pointer (&message);
}

/* UIDVALIDITY changes. */

gboolean
tern_store_detach_folder (TernStore  *self,
                          gint64      folder_id,
                          GError    **error)
{
  sqlite3_stmt *stmt = _tern_store_prepare (self,
                                            "UPDATE message SET uid = NULL, detached = 1 "
                                            "WHERE folder_id = ? AND uid IS NOT NULL",
                                            error);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, folder_id);
  return _tern_store_step_done (self, stmt, "detaching messages", error);
}

gboolean
tern_store_reattach_message (TernStore   *self,
                             gint64       folder_id,
                             guint32      uid,
                             const char  *message_id,
                             gint64       internaldate,
                             guint64      size,
                             const char  *flags,
                             guint64      modseq,
                             gboolean    *attached,
                             GError     **error)
{
  /* Only an unambiguous match is taken: two cached copies of one message
   * (same Message-ID, date and size) are both re-fetched instead. */
  sqlite3_stmt *find = _tern_store_prepare (self,
                                            "SELECT id FROM message WHERE folder_id = ? AND detached = 1 "
                                            "AND message_id = ? AND internaldate = ? AND size = ? LIMIT 2",
                                            error);
  sqlite3_stmt *update;
  gint64 ids[2] = { 0, 0 };
  guint found = 0;
  int rc;

  *attached = FALSE;
  if (find == NULL)
    return FALSE;
  if (message_id == NULL || *message_id == '\0')
    return TRUE;

  sqlite3_bind_int64 (find, 1, folder_id);
  _tern_store_bind_text (find, 2, message_id);
  sqlite3_bind_int64 (find, 3, internaldate);
  sqlite3_bind_int64 (find, 4, (gint64) size);
  while ((rc = sqlite3_step (find)) == SQLITE_ROW && found < 2)
    ids[found++] = sqlite3_column_int64 (find, 0);
  sqlite3_reset (find);
  if (rc != SQLITE_DONE && rc != SQLITE_ROW)
    return _tern_store_fail (self, rc, "matching a message", error);
  if (found != 1)
    return TRUE;

  update = _tern_store_prepare (self,
                                "UPDATE message SET uid = ?, detached = 0, flags = ?, seen = ?, flagged = ?, "
                                "modseq = ? WHERE id = ?",
                                error);
  if (update == NULL)
    return FALSE;
  sqlite3_bind_int64 (update, 1, uid);
  _tern_store_bind_text (update, 2, flags ? flags : "");
  sqlite3_bind_int (update, 3, tern_flags_contain (flags, "\\Seen"));
  sqlite3_bind_int (update, 4, tern_flags_contain (flags, "\\Flagged"));
  _tern_store_bind_nonzero (update, 5, (gint64) modseq);
  sqlite3_bind_int64 (update, 6, ids[0]);
  if (!_tern_store_step_done (self, update, "re-attaching a message", error))
    return FALSE;
  *attached = TRUE;
  return TRUE;
}

gboolean
tern_store_drop_detached (TernStore  *self,
                          gint64      folder_id,
                          guint      *dropped_out,
                          GError    **error)
{
  sqlite3_stmt *stmt = _tern_store_prepare (self,
                                            "DELETE FROM message WHERE folder_id = ? AND detached = 1",
                                            error);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, folder_id);
  if (!_tern_store_step_done (self, stmt, "dropping unmatched messages", error))
    return FALSE;
  if (dropped_out)
    *dropped_out = (guint) sqlite3_changes (self->db);
  return TRUE;
}

guint
tern_store_count_detached (TernStore *self,
                           gint64     folder_id)
{
  sqlite3_stmt *stmt = _tern_store_prepare (self,
                                            "SELECT count(*) FROM message WHERE folder_id = ? AND detached = 1",
                                            NULL);

  if (stmt == NULL)
    return 0;
  sqlite3_bind_int64 (stmt, 1, folder_id);
  return (guint) _tern_store_step_int64 (stmt, 0);
}
