/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "tern-store"

#include "config.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <sqlite3.h>
#include <string.h>

#include "tern-cache-resources.h"
#include "tern-store-private.h"

/*
 * The cache is one SQLite file in WAL mode. Each batch the sync engine writes is one
 * transaction, so a process killed at any point leaves the last committed batch and
 * nothing half-written. Schema changes are numbered SQL files under sql/, applied in
 * order and recorded in PRAGMA user_version.
 */

#define LATEST_SCHEMA TERN_STORE_SCHEMA_LATEST

G_DEFINE_QUARK (tern-store-error-quark, tern_store_error)

/* A full disk comes back as SQLITE_FULL, or as an I/O error whose errno says so (a write
 * of the WAL or the journal). */
static gboolean
disk_full (TernStore *self,
           int        rc)
{
  int code = self->db ? sqlite3_extended_errcode (self->db) : rc;

  return (rc & 0xff) == SQLITE_FULL || (code & 0xff) == SQLITE_FULL ||
         ((code & 0xff) == SQLITE_IOERR && self->db != NULL && sqlite3_system_errno (self->db) == ENOSPC);
}

static gboolean
set_sqlite_error (TernStore   *self,
                  int          rc,
                  const char  *what,
                  GError     **error)
{
  if (disk_full (self, rc))
    {
      g_set_error (error, TERN_STORE_ERROR, TERN_STORE_ERROR_NO_SPACE,
                   "Cache %s failed: the disk is full; free some space and try again "
                   "(nothing was changed)", what);
      return FALSE;
    }
  g_set_error (error, TERN_STORE_ERROR, TERN_STORE_ERROR_FAILED,
               "Cache %s failed: %s", what,
               self->db ? sqlite3_errmsg (self->db) : sqlite3_errstr (rc));
  return FALSE;
}

static sqlite3_stmt *
prepare (TernStore   *self,
         const char  *sql,
         GError     **error)
{
  sqlite3_stmt *stmt = g_hash_table_lookup (self->statements, sql);

  if (stmt == NULL)
    {
      int rc = sqlite3_prepare_v3 (self->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt, NULL);

      if (rc != SQLITE_OK)
        {
          set_sqlite_error (self, rc, "query preparation", error);
          return NULL;
        }
      g_hash_table_insert (self->statements, (gpointer) sql, stmt);
    }
  else
    {
      sqlite3_reset (stmt);
      sqlite3_clear_bindings (stmt);
    }

  return stmt;
}

static void
bind_text (sqlite3_stmt *stmt,
           int           idx,
           const char   *text)
{
  if (text != NULL)
    sqlite3_bind_text (stmt, idx, text, -1, SQLITE_STATIC);
  else
    sqlite3_bind_null (stmt, idx);
}

static void
bind_nonzero (sqlite3_stmt *stmt,
              int           idx,
              gint64        value)
{
  if (value != 0)
    sqlite3_bind_int64 (stmt, idx, value);
  else
    sqlite3_bind_null (stmt, idx);
}

static char *
dup_column (sqlite3_stmt *stmt,
            int           col)
{
  const unsigned char *text = sqlite3_column_text (stmt, col);

  return text ? g_strdup ((const char *) text) : NULL;
}

/* Runs a statement that returns no rows; resets it afterwards. */
static gboolean
step_done (TernStore     *self,
           sqlite3_stmt  *stmt,
           const char    *what,
           GError       **error)
{
  int rc = sqlite3_step (stmt);

  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE && rc != SQLITE_ROW)
    return set_sqlite_error (self, rc, what, error);
  return TRUE;
}

static gboolean
exec (TernStore   *self,
      const char  *sql,
      GError     **error)
{
  int rc = sqlite3_exec (self->db, sql, NULL, NULL, NULL);

  if (rc != SQLITE_OK)
    return set_sqlite_error (self, rc, "update", error);
  return TRUE;
}

sqlite3_stmt *
_tern_store_prepare (TernStore   *self,
                     const char  *sql,
                     GError     **error)
{
  return prepare (self, sql, error);
}

gboolean
_tern_store_step_done (TernStore     *self,
                       sqlite3_stmt  *stmt,
                       const char    *what,
                       GError       **error)
{
  return step_done (self, stmt, what, error);
}

gboolean
_tern_store_fail (TernStore   *self,
                  int          rc,
                  const char  *what,
                  GError     **error)
{
  return set_sqlite_error (self, rc, what, error);
}

GArray *
_tern_store_collect_ids (TernStore     *self,
                         sqlite3_stmt  *stmt,
                         const char    *what,
                         GError       **error)
{
  g_autoptr(GArray) ids = g_array_new (FALSE, FALSE, sizeof (gint64));
  int rc;

  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      gint64 id = sqlite3_column_int64 (stmt, 0);

      g_array_append_val (ids, id);
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      set_sqlite_error (self, rc, what, error);
      return NULL;
    }
  return g_steal_pointer (&ids);
}

GPtrArray *
_tern_store_collect (TernStore      *self,
                     sqlite3_stmt   *stmt,
                     TernRowFunc     from_row,
                     GDestroyNotify  free_func,
                     const char     *what,
                     GError        **error)
{
  g_autoptr(GPtrArray) list = g_ptr_array_new_with_free_func (free_func);
  int rc;

  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_ptr_array_add (list, from_row (stmt));
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      set_sqlite_error (self, rc, what, error);
      return NULL;
    }
  return g_steal_pointer (&list);
}

sqlite3 *
_tern_store_get_db (TernStore *self)
{
  return self->db;
}

gboolean
_tern_store_in_transaction (TernStore *self)
{
  return self->in_transaction;
}

void
_tern_store_bind_text (sqlite3_stmt *stmt,
                       int           idx,
                       const char   *text)
{
  bind_text (stmt, idx, text);
}

void
_tern_store_bind_nonzero (sqlite3_stmt *stmt,
                          int           idx,
                          gint64        value)
{
  bind_nonzero (stmt, idx, value);
}

char *
_tern_store_dup_column (sqlite3_stmt *stmt,
                        int           col)
{
  return dup_column (stmt, col);
}

gint64
_tern_store_step_int64 (sqlite3_stmt *stmt,
                        gint64        fallback)
{
  gint64 value = fallback;

  if (sqlite3_step (stmt) == SQLITE_ROW)
    value = sqlite3_column_int64 (stmt, 0);
  sqlite3_reset (stmt);
  return value;
}

/* Flags. */

static const char * const system_flags[] = {
  "\\Seen", "\\Answered", "\\Flagged", "\\Deleted", "\\Draft",
};

static int
system_flag_rank (const char *flag)
{
  for (guint i = 0; i < G_N_ELEMENTS (system_flags); i++)
    if (g_ascii_strcasecmp (flag, system_flags[i]) == 0)
      return (int) i;
  return -1;
}

static int
compare_flags (gconstpointer a,
               gconstpointer b)
{
  const char *fa = *(const char * const *) a;
  const char *fb = *(const char * const *) b;
  int ra = system_flag_rank (fa);
  int rb = system_flag_rank (fb);

  if (ra >= 0 || rb >= 0)
    {
      if (ra < 0)
        return 1;
      if (rb < 0)
        return -1;
      return ra - rb;
    }
  return strcmp (fa, fb);
}

char *
tern_flags_canonicalize (const char *flags)
{
  g_autoptr(GPtrArray) list = g_ptr_array_new ();
  g_auto(GStrv) parts = NULL;
  GString *out = g_string_new (NULL);

  if (flags == NULL)
    return g_string_free (out, FALSE);

  parts = g_strsplit_set (flags, " ()", -1);
  for (guint i = 0; parts[i] != NULL; i++)
    {
      char *flag = parts[i];
      int rank;

      if (*flag == '\0' || g_ascii_strcasecmp (flag, "\\Recent") == 0)
        continue;
      /* System flags are case-insensitive: store them in their usual spelling. */
      rank = system_flag_rank (flag);
      if (rank >= 0)
        {
          g_free (parts[i]);
          parts[i] = flag = g_strdup (system_flags[rank]);
        }
      g_ptr_array_add (list, flag);
    }

  g_ptr_array_sort (list, compare_flags);
  for (guint i = 0; i < list->len; i++)
    {
      const char *flag = g_ptr_array_index (list, i);

      if (i > 0 && compare_flags (&list->pdata[i - 1], &list->pdata[i]) == 0)
        continue;
      if (out->len > 0)
        g_string_append_c (out, ' ');
      g_string_append (out, flag);
    }

  return g_string_free (out, FALSE);
}

gboolean
tern_flags_contain (const char *flags,
                    const char *flag)
{
  gsize len;
  const char *p;

  if (flags == NULL || flag == NULL)
    return FALSE;
  len = strlen (flag);
  for (p = flags; *p != '\0';)
    {
      const char *end = strchr (p, ' ');
      gsize n = end ? (gsize) (end - p) : strlen (p);

      if (n == len && g_ascii_strncasecmp (p, flag, len) == 0)
        return TRUE;
      if (end == NULL)
        break;
      p = end + 1;
    }
  return FALSE;
}

/* Records. */

void
tern_account_free (TernAccount *account)
{
  if (account == NULL)
    return;
  g_free (account->name);
  g_free (account->email);
  g_free (account->host);
  g_free (account->security);
  g_free (account->user);
  g_free (account->password_command);
  g_free (account->ca_file);
  g_free (account->pinned_sha256);
  g_free (account->last_error);
  g_free (account->delete_mode);
  g_free (account->auth);
  g_free (account->oauth2_issuer);
  g_free (account->oauth2_client_id);
  g_free (account->oauth2_auth_url);
  g_free (account->oauth2_token_url);
  g_free (account->oauth2_scope);
  g_free (account->goa_id);
  g_free (account->auth_state);
  g_free (account->setup_source);
  g_free (account);
}

TernAccount *
tern_account_copy (const TernAccount *account)
{
  TernAccount *c;

  g_return_val_if_fail (account != NULL, NULL);

  c = g_memdup2 (account, sizeof *account);
  c->name = g_strdup (account->name);
  c->email = g_strdup (account->email);
  c->host = g_strdup (account->host);
  c->security = g_strdup (account->security);
  c->user = g_strdup (account->user);
  c->password_command = g_strdup (account->password_command);
  c->ca_file = g_strdup (account->ca_file);
  c->pinned_sha256 = g_strdup (account->pinned_sha256);
  c->last_error = g_strdup (account->last_error);
  c->delete_mode = g_strdup (account->delete_mode);
  c->auth = g_strdup (account->auth);
  c->oauth2_issuer = g_strdup (account->oauth2_issuer);
  c->oauth2_client_id = g_strdup (account->oauth2_client_id);
  c->oauth2_auth_url = g_strdup (account->oauth2_auth_url);
  c->oauth2_token_url = g_strdup (account->oauth2_token_url);
  c->oauth2_scope = g_strdup (account->oauth2_scope);
  c->goa_id = g_strdup (account->goa_id);
  c->auth_state = g_strdup (account->auth_state);
  c->setup_source = g_strdup (account->setup_source);
  return c;
}

void
tern_folder_free (TernFolder *folder)
{
  if (folder == NULL)
    return;
  g_free (folder->name);
  g_free (folder->display_name);
  g_free (folder->delimiter);
  g_free (folder->attributes);
  g_free (folder->special_use);
  g_free (folder->namespace_kind);
  g_free (folder->myrights);
  g_free (folder);
}

void
tern_part_free (TernPart *part)
{
  if (part == NULL)
    return;
  g_free (part->section);
  g_free (part->type);
  g_free (part->subtype);
  g_free (part->charset);
  g_free (part->encoding);
  g_free (part->disposition);
  g_free (part->filename);
  g_free (part->content_id);
  g_free (part);
}

TernMessage *
tern_message_new (void)
{
  return g_new0 (TernMessage, 1);
}

void
tern_message_free (TernMessage *message)
{
  if (message == NULL)
    return;
  g_free (message->flags);
  g_free (message->subject);
  g_free (message->from_name);
  g_free (message->from_addr);
  g_free (message->sender);
  g_free (message->reply_to);
  g_free (message->to_list);
  g_free (message->cc_list);
  g_free (message->bcc_list);
  g_free (message->message_id);
  g_free (message->in_reply_to);
  g_free (message->references);
  g_clear_pointer (&message->parts, g_ptr_array_unref);
  g_free (message);
}

/* Opening and migrations. */

static int
get_user_version (TernStore *self)
{
  sqlite3_stmt *stmt = NULL;
  int version = -1;

  if (sqlite3_prepare_v2 (self->db, "PRAGMA user_version", -1, &stmt, NULL) == SQLITE_OK &&
      sqlite3_step (stmt) == SQLITE_ROW)
    version = sqlite3_column_int (stmt, 0);
  sqlite3_finalize (stmt);
  return version;
}

static gboolean
migrate (TernStore  *self,
         GError    **error)
{
  int version = get_user_version (self);

  if (version < 0)
    return set_sqlite_error (self, SQLITE_ERROR, "schema check", error);
  if (version > LATEST_SCHEMA)
    {
      g_set_error (error, TERN_STORE_ERROR, TERN_STORE_ERROR_VERSION,
                   "The cache %s was written by a newer version of Tern (schema %d)",
                   self->path, version);
      return FALSE;
    }

  for (int v = version + 1; v <= LATEST_SCHEMA; v++)
    {
      g_autofree char *resource = g_strdup_printf ("/org/gnome/Tern/cache/sql/version-%03d.sql", v);
      g_autofree char *pragma = g_strdup_printf ("PRAGMA user_version = %d", v);
      g_autoptr(GBytes) bytes = NULL;
      g_autofree char *sql = NULL;

      /* Looked up in our own resource: a static library does not run its constructor. */
      bytes = g_resource_lookup_data (tern_cache_get_resource (), resource,
                                      G_RESOURCE_LOOKUP_FLAGS_NONE, error);
      if (bytes == NULL)
        return FALSE;
      sql = g_strndup (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));

      if (!exec (self, "BEGIN IMMEDIATE", error))
        return FALSE;
      /* Schema 5 threads the messages already cached. */
      if (!exec (self, sql, error) || (v == 5 && !_tern_threads_backfill (self, error)) ||
          !exec (self, pragma, error))
        {
          exec (self, "ROLLBACK", NULL);
          return FALSE;
        }
      if (!exec (self, "COMMIT", error))
        return FALSE;
    }

  return TRUE;
}

static void
finalize_statement (gpointer data)
{
  sqlite3_finalize (data);
}

TernStore *
tern_store_open (const char  *path,
                 GError     **error)
{
  g_autoptr(TernStore) self = NULL;
  g_autofree char *dir = NULL;
  int rc;

  g_return_val_if_fail (path != NULL, NULL);

  dir = g_path_get_dirname (path);
  if (g_mkdir_with_parents (dir, 0700) != 0)
    {
      int saved = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                   "Cannot create %s: %s", dir, g_strerror (saved));
      return NULL;
    }

  self = g_new0 (TernStore, 1);
  self->path = g_strdup (path);
  self->statements = g_hash_table_new_full (g_direct_hash, g_direct_equal, NULL, finalize_statement);

  rc = sqlite3_open_v2 (path, &self->db,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                        NULL);
  if (rc != SQLITE_OK)
    {
      g_set_error (error, TERN_STORE_ERROR, TERN_STORE_ERROR_FAILED,
                   "Cannot open the cache %s: %s", path,
                   self->db ? sqlite3_errmsg (self->db) : sqlite3_errstr (rc));
      return NULL;
    }

  sqlite3_busy_timeout (self->db, 10000);
  sqlite3_extended_result_codes (self->db, 1);

  /* WAL with synchronous=NORMAL survives a killed process with every committed
   * transaction intact; only a power loss may lose the newest ones. */
  if (!exec (self, "PRAGMA journal_mode = WAL", error) ||
      !exec (self, "PRAGMA synchronous = NORMAL", error) ||
      !exec (self, "PRAGMA foreign_keys = ON", error) ||
      !exec (self, "PRAGMA temp_store = MEMORY", error) ||
      !exec (self, "PRAGMA cache_size = -16384", error))
    return NULL;

  if (!migrate (self, error))
    return NULL;

  return g_steal_pointer (&self);
}

void
tern_store_free (TernStore *self)
{
  if (self == NULL)
    return;
  _tern_thread_cache_reset (&self->threads);
  g_clear_pointer (&self->statements, g_hash_table_unref);
  if (self->db != NULL)
    sqlite3_close (self->db);
  g_free (self->path);
  g_free (self);
}

const char *
tern_store_get_path (TernStore *self)
{
  return self->path;
}

void
tern_store_set_checkpoint_interval (TernStore *self,
                                    int        pages)
{
  sqlite3_wal_autocheckpoint (self->db, pages);
}

int
tern_store_get_schema_version (TernStore *self)
{
  return get_user_version (self);
}

gboolean
tern_store_begin (TernStore  *self,
                  GError    **error)
{
  g_return_val_if_fail (!self->in_transaction, FALSE);

  if (!exec (self, "BEGIN IMMEDIATE", error))
    return FALSE;
  self->in_transaction = TRUE;
  _tern_thread_cache_reset (&self->threads);
  return TRUE;
}

gboolean
tern_store_commit (TernStore  *self,
                   GError    **error)
{
  g_return_val_if_fail (self->in_transaction, FALSE);

  if (!exec (self, "COMMIT", error))
    {
      tern_store_rollback (self);
      return FALSE;
    }
  self->in_transaction = FALSE;
  _tern_thread_cache_reset (&self->threads);
  return TRUE;
}

void
tern_store_rollback (TernStore *self)
{
  if (!self->in_transaction)
    return;
  exec (self, "ROLLBACK", NULL);
  self->in_transaction = FALSE;
  _tern_thread_cache_reset (&self->threads);
}

TernThreadCache *
_tern_store_get_thread_cache (TernStore *self)
{
  return self->in_transaction ? &self->threads : NULL;
}
