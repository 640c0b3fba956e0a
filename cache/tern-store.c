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

#define LATEST_SCHEMA 6

struct _TernStore
{
  sqlite3    *db;
  char       *path;
  GHashTable *statements; /* SQL text (static string) -> sqlite3_stmt */
  gboolean    in_transaction;
  TernThreadCache threads;
};

G_DEFINE_QUARK (tern-store-error-quark, tern_store_error)

static gboolean
set_sqlite_error (TernStore   *self,
                  int          rc,
                  const char  *what,
                  GError     **error)
{
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
  char *msg = NULL;
  int rc = sqlite3_exec (self->db, sql, NULL, NULL, &msg);

  if (rc != SQLITE_OK)
    {
      g_set_error (error, TERN_STORE_ERROR, TERN_STORE_ERROR_FAILED,
                   "Cache update failed: %s", msg ? msg : sqlite3_errstr (rc));
      sqlite3_free (msg);
      return FALSE;
    }
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
  g_free (account);
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

/* Accounts. */

#define ACCOUNT_COLUMNS \
  "id, name, email, host, port, security, user, password_command, ca_file, " \
  "pinned_sha256, last_sync, last_attempt, last_error, delete_mode, offline_days, offline_max_size, " \
  "cache_limit"

static TernAccount *
account_from_row (sqlite3_stmt *stmt)
{
  TernAccount *account = g_new0 (TernAccount, 1);

  account->id = sqlite3_column_int64 (stmt, 0);
  account->name = dup_column (stmt, 1);
  account->email = dup_column (stmt, 2);
  account->host = dup_column (stmt, 3);
  account->port = (guint) sqlite3_column_int (stmt, 4);
  account->security = dup_column (stmt, 5);
  account->user = dup_column (stmt, 6);
  account->password_command = dup_column (stmt, 7);
  account->ca_file = dup_column (stmt, 8);
  account->pinned_sha256 = dup_column (stmt, 9);
  account->last_sync = sqlite3_column_int64 (stmt, 10);
  account->last_attempt = sqlite3_column_int64 (stmt, 11);
  account->last_error = dup_column (stmt, 12);
  account->delete_mode = dup_column (stmt, 13);
  account->offline_days = sqlite3_column_int64 (stmt, 14);
  account->offline_max_size = sqlite3_column_int64 (stmt, 15);
  account->cache_limit = sqlite3_column_int64 (stmt, 16);
  return account;
}

gboolean
tern_store_add_account (TernStore          *self,
                        const TernAccount  *account,
                        gint64             *id_out,
                        GError            **error)
{
  sqlite3_stmt *stmt;
  int rc;

  g_return_val_if_fail (account != NULL && account->name != NULL, FALSE);

  stmt = prepare (self,
                  "INSERT INTO account (name, email, host, port, security, user, "
                  "password_command, ca_file, pinned_sha256) VALUES (?,?,?,?,?,?,?,?,?)",
                  error);
  if (stmt == NULL)
    return FALSE;
  bind_text (stmt, 1, account->name);
  bind_text (stmt, 2, account->email);
  bind_text (stmt, 3, account->host);
  sqlite3_bind_int (stmt, 4, (int) account->port);
  bind_text (stmt, 5, account->security);
  bind_text (stmt, 6, account->user);
  bind_text (stmt, 7, account->password_command);
  bind_text (stmt, 8, account->ca_file);
  bind_text (stmt, 9, account->pinned_sha256);
  rc = sqlite3_step (stmt);
  sqlite3_reset (stmt);
  if (rc == SQLITE_CONSTRAINT_UNIQUE)
    {
      g_set_error (error, TERN_STORE_ERROR, TERN_STORE_ERROR_EXISTS,
                   "An account named “%s” exists already", account->name);
      return FALSE;
    }
  if (rc != SQLITE_DONE)
    return set_sqlite_error (self, rc, "adding an account", error);
  if (id_out)
    *id_out = sqlite3_last_insert_rowid (self->db);
  return TRUE;
}

static TernAccount *
get_account (TernStore   *self,
             const char  *sql,
             const char  *name,
             gint64       id,
             GError     **error)
{
  sqlite3_stmt *stmt = prepare (self, sql, error);
  TernAccount *account = NULL;
  int rc;

  if (stmt == NULL)
    return NULL;
  if (name != NULL)
    bind_text (stmt, 1, name);
  else
    sqlite3_bind_int64 (stmt, 1, id);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    account = account_from_row (stmt);
  else if (rc == SQLITE_DONE)
    {
      if (name != NULL)
        g_set_error (error, TERN_STORE_ERROR, TERN_STORE_ERROR_NOT_FOUND,
                     "No account named “%s”", name);
      else
        g_set_error (error, TERN_STORE_ERROR, TERN_STORE_ERROR_NOT_FOUND,
                     "No account with id %" G_GINT64_FORMAT, id);
    }
  else
    set_sqlite_error (self, rc, "reading an account", error);
  sqlite3_reset (stmt);
  return account;
}

TernAccount *
tern_store_get_account (TernStore   *self,
                        const char  *name,
                        GError     **error)
{
  g_return_val_if_fail (name != NULL, NULL);
  return get_account (self, "SELECT " ACCOUNT_COLUMNS " FROM account WHERE name = ?",
                      name, 0, error);
}

TernAccount *
tern_store_get_account_by_id (TernStore   *self,
                              gint64       id,
                              GError     **error)
{
  return get_account (self, "SELECT " ACCOUNT_COLUMNS " FROM account WHERE id = ?",
                      NULL, id, error);
}

GPtrArray *
tern_store_list_accounts (TernStore  *self,
                          GError    **error)
{
  sqlite3_stmt *stmt = prepare (self, "SELECT " ACCOUNT_COLUMNS " FROM account ORDER BY name",
                                error);

  if (stmt == NULL)
    return NULL;
  return _tern_store_collect (self, stmt, (TernRowFunc) account_from_row,
                              (GDestroyNotify) tern_account_free, "listing accounts", error);
}

gboolean
tern_store_remove_account (TernStore   *self,
                           const char  *name,
                           GError     **error)
{
  sqlite3_stmt *stmt = prepare (self, "DELETE FROM account WHERE name = ?", error);

  if (stmt == NULL)
    return FALSE;
  bind_text (stmt, 1, name);
  if (!step_done (self, stmt, "removing an account", error))
    return FALSE;
  if (sqlite3_changes (self->db) == 0)
    {
      g_set_error (error, TERN_STORE_ERROR, TERN_STORE_ERROR_NOT_FOUND,
                   "No account named “%s”", name);
      return FALSE;
    }
  return TRUE;
}

gboolean
tern_store_set_account_status (TernStore   *self,
                               gint64       account_id,
                               gboolean     success,
                               const char  *error_message,
                               GError     **error)
{
  sqlite3_stmt *stmt;
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;

  if (success)
    stmt = prepare (self, "UPDATE account SET last_sync = ?2, last_attempt = ?2, last_error = NULL "
                          "WHERE id = ?1", error);
  else
    stmt = prepare (self, "UPDATE account SET last_attempt = ?2, last_error = ?3 WHERE id = ?1",
                    error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, account_id);
  sqlite3_bind_int64 (stmt, 2, now);
  if (!success)
    bind_text (stmt, 3, error_message ? error_message : "failed");
  return step_done (self, stmt, "recording the account status", error);
}

gboolean
tern_store_set_account_delete_mode (TernStore   *self,
                                    gint64       account_id,
                                    const char  *mode,
                                    GError     **error)
{
  sqlite3_stmt *stmt = prepare (self, "UPDATE account SET delete_mode = ? WHERE id = ?", error);

  if (stmt == NULL)
    return FALSE;
  bind_text (stmt, 1, mode);
  sqlite3_bind_int64 (stmt, 2, account_id);
  return step_done (self, stmt, "setting the delete behaviour", error);
}

gboolean
tern_store_set_account_pin (TernStore   *self,
                            gint64       account_id,
                            const char  *pinned_sha256,
                            GError     **error)
{
  sqlite3_stmt *stmt = prepare (self, "UPDATE account SET pinned_sha256 = ? WHERE id = ?", error);

  if (stmt == NULL)
    return FALSE;
  bind_text (stmt, 1, pinned_sha256);
  sqlite3_bind_int64 (stmt, 2, account_id);
  return step_done (self, stmt, "pinning a certificate", error);
}

/* Folders. */

#define FOLDER_COLUMNS \
  "f.id, f.account_id, f.name, f.display_name, f.delimiter, f.attributes, f.special_use, " \
  "f.namespace, f.subscribed, f.selectable, f.myrights, f.uidvalidity, f.uidnext, " \
  "f.highestmodseq, f.server_exists, f.fill_uidvalidity, f.fill_uidnext, f.fill_modseq, " \
  "f.fill_low, f.flags_swept, f.last_sync, f.local_state, f.offline_days, f.offline_max_size, " \
  "f.offline_full"

/* What the user sees in a folder: messages there (unless a move takes them elsewhere) and
 * messages moved there that the server has not moved yet; not those being deleted. */
#define SHOWN_IN(folder) \
  "((m.folder_id = " folder " AND m.local_folder IS NULL) OR m.local_folder = " folder ") " \
  "AND m.hidden = 0 AND m.detached = 0"

#define FOLDER_COUNTS \
  "(SELECT count(*) FROM message m WHERE " SHOWN_IN ("f.id") "), " \
  "(SELECT count(*) FROM message m WHERE " SHOWN_IN ("f.id") " AND m.seen = 0)"

static TernFolder *
folder_from_row (sqlite3_stmt *stmt,
                 gboolean      with_counts)
{
  TernFolder *folder = g_new0 (TernFolder, 1);

  folder->id = sqlite3_column_int64 (stmt, 0);
  folder->account_id = sqlite3_column_int64 (stmt, 1);
  folder->name = dup_column (stmt, 2);
  folder->display_name = dup_column (stmt, 3);
  folder->delimiter = dup_column (stmt, 4);
  folder->attributes = dup_column (stmt, 5);
  folder->special_use = dup_column (stmt, 6);
  folder->namespace_kind = dup_column (stmt, 7);
  folder->subscribed = sqlite3_column_int (stmt, 8) != 0;
  folder->selectable = sqlite3_column_int (stmt, 9) != 0;
  folder->myrights = dup_column (stmt, 10);
  folder->uidvalidity = (guint32) sqlite3_column_int64 (stmt, 11);
  folder->uidnext = (guint32) sqlite3_column_int64 (stmt, 12);
  folder->highestmodseq = (guint64) sqlite3_column_int64 (stmt, 13);
  folder->server_exists = (guint32) sqlite3_column_int64 (stmt, 14);
  folder->fill_uidvalidity = (guint32) sqlite3_column_int64 (stmt, 15);
  folder->fill_uidnext = (guint32) sqlite3_column_int64 (stmt, 16);
  folder->fill_modseq = (guint64) sqlite3_column_int64 (stmt, 17);
  folder->fill_low = (guint32) sqlite3_column_int64 (stmt, 18);
  folder->flags_swept = sqlite3_column_int64 (stmt, 19);
  folder->last_sync = sqlite3_column_int64 (stmt, 20);
  folder->local_state = sqlite3_column_int (stmt, 21);
  folder->offline_days = sqlite3_column_int64 (stmt, 22);
  folder->offline_max_size = sqlite3_column_int64 (stmt, 23);
  folder->offline_full = sqlite3_column_int (stmt, 24) != 0;
  if (with_counts)
    {
      folder->total = (guint) sqlite3_column_int64 (stmt, 25);
      folder->unread = (guint) sqlite3_column_int64 (stmt, 26);
    }
  return folder;
}

static TernFolder *
folder_from_row_counted (sqlite3_stmt *stmt)
{
  return folder_from_row (stmt, TRUE);
}

static TernFolder *
folder_from_row_uncounted (sqlite3_stmt *stmt)
{
  return folder_from_row (stmt, FALSE);
}

static GPtrArray *
list_folders (TernStore   *self,
              const char  *sql,
              gboolean     with_counts,
              gint64       account_id,
              GError     **error)
{
  sqlite3_stmt *stmt = prepare (self, sql, error);

  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, account_id);
  return _tern_store_collect (self, stmt,
                              with_counts ? (TernRowFunc) folder_from_row_counted
                                          : (TernRowFunc) folder_from_row_uncounted,
                              (GDestroyNotify) tern_folder_free, "listing folders", error);
}

/* INBOX first, then special-use folders, then the rest by name. */
#define FOLDER_ORDER \
  "f.account_id = ? ORDER BY f.namespace <> 'personal', upper(f.name) <> 'INBOX', " \
  "f.special_use IS NULL, f.display_name"

GPtrArray *
tern_store_list_folders (TernStore  *self,
                         gint64      account_id,
                         GError    **error)
{
  return list_folders (self, "SELECT " FOLDER_COLUMNS ", " FOLDER_COUNTS " FROM folder f "
                       "WHERE f.local_state <> 2 AND " FOLDER_ORDER,
                       TRUE, account_id, error);
}

GPtrArray *
tern_store_list_folders_uncounted (TernStore  *self,
                                   gint64      account_id,
                                   GError    **error)
{
  return list_folders (self, "SELECT " FOLDER_COLUMNS " FROM folder f WHERE " FOLDER_ORDER,
                       FALSE, account_id, error);
}

static TernFolder *
get_one_folder (TernStore     *self,
                sqlite3_stmt  *stmt,
                const char    *missing,
                GError       **error)
{
  TernFolder *folder = NULL;
  int rc = sqlite3_step (stmt);

  if (rc == SQLITE_ROW)
    folder = folder_from_row (stmt, FALSE);
  else if (rc == SQLITE_DONE)
    g_set_error (error, TERN_STORE_ERROR, TERN_STORE_ERROR_NOT_FOUND, "No folder “%s”", missing);
  else
    set_sqlite_error (self, rc, "reading a folder", error);
  sqlite3_reset (stmt);
  return folder;
}

TernFolder *
tern_store_get_folder (TernStore   *self,
                       gint64       account_id,
                       const char  *name,
                       GError     **error)
{
  /* INBOX is case-insensitive; other names are matched exactly, by server or display name. */
  sqlite3_stmt *stmt = prepare (self,
                                "SELECT " FOLDER_COLUMNS " FROM folder f "
                                "WHERE f.account_id = ?1 AND (f.name = ?2 OR f.display_name = ?2 "
                                "OR (upper(?2) = 'INBOX' AND upper(f.name) = 'INBOX')) "
                                "ORDER BY f.name = ?2 DESC LIMIT 1",
                                error);

  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, account_id);
  bind_text (stmt, 2, name);
  return get_one_folder (self, stmt, name, error);
}

TernFolder *
tern_store_get_folder_by_id (TernStore   *self,
                             gint64       folder_id,
                             GError     **error)
{
  sqlite3_stmt *stmt = prepare (self,
                                "SELECT " FOLDER_COLUMNS " FROM folder f WHERE f.id = ?",
                                error);
  g_autofree char *missing = g_strdup_printf ("%" G_GINT64_FORMAT, folder_id);

  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, folder_id);
  return get_one_folder (self, stmt, missing, error);
}

gboolean
tern_store_upsert_folder (TernStore         *self,
                          const TernFolder  *folder,
                          gint64            *id_out,
                          GError           **error)
{
  sqlite3_stmt *stmt = prepare (self,
                                "INSERT INTO folder (account_id, name, display_name, delimiter, "
                                "attributes, special_use, namespace, subscribed, selectable, myrights) "
                                "VALUES (?,?,?,?,?,?,?,?,?,?) "
                                "ON CONFLICT (account_id, name) DO UPDATE SET "
                                "display_name = excluded.display_name, delimiter = excluded.delimiter, "
                                "attributes = excluded.attributes, special_use = excluded.special_use, "
                                "namespace = excluded.namespace, subscribed = excluded.subscribed, "
                                "selectable = excluded.selectable, "
                                "myrights = coalesce (excluded.myrights, myrights) "
                                "RETURNING id",
                                error);
  int rc;

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, folder->account_id);
  bind_text (stmt, 2, folder->name);
  bind_text (stmt, 3, folder->display_name ? folder->display_name : folder->name);
  bind_text (stmt, 4, folder->delimiter);
  bind_text (stmt, 5, folder->attributes ? folder->attributes : "");
  bind_text (stmt, 6, folder->special_use);
  bind_text (stmt, 7, folder->namespace_kind ? folder->namespace_kind : "personal");
  sqlite3_bind_int (stmt, 8, folder->subscribed);
  sqlite3_bind_int (stmt, 9, folder->selectable);
  bind_text (stmt, 10, folder->myrights);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW && id_out != NULL)
    *id_out = sqlite3_column_int64 (stmt, 0);
  sqlite3_reset (stmt);
  if (rc != SQLITE_ROW)
    return set_sqlite_error (self, rc, "storing a folder", error);
  return TRUE;
}

gboolean
tern_store_rename_folder (TernStore   *self,
                          gint64       folder_id,
                          const char  *name,
                          const char  *display_name,
                          GError     **error)
{
  sqlite3_stmt *stmt = prepare (self, "UPDATE folder SET name = ?, display_name = ? WHERE id = ?",
                                error);

  if (stmt == NULL)
    return FALSE;
  bind_text (stmt, 1, name);
  bind_text (stmt, 2, display_name ? display_name : name);
  sqlite3_bind_int64 (stmt, 3, folder_id);
  return step_done (self, stmt, "renaming a folder", error);
}

gboolean
tern_store_delete_folder (TernStore  *self,
                          gint64      folder_id,
                          GError    **error)
{
  sqlite3_stmt *stmt = prepare (self, "DELETE FROM folder WHERE id = ?", error);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, folder_id);
  return step_done (self, stmt, "deleting a folder", error);
}

gboolean
tern_store_set_folder_state (TernStore  *self,
                             gint64      folder_id,
                             guint32     uidvalidity,
                             guint32     uidnext,
                             guint64     highestmodseq,
                             guint32     server_exists,
                             GError    **error)
{
  /* A completed sync also ends any first sync in progress. */
  sqlite3_stmt *stmt = prepare (self,
                                "UPDATE folder SET uidvalidity = ?, uidnext = ?, highestmodseq = ?, "
                                "server_exists = ?, last_sync = ?, fill_uidvalidity = NULL, "
                                "fill_uidnext = NULL, fill_modseq = NULL, fill_low = NULL "
                                "WHERE id = ?",
                                error);

  if (stmt == NULL)
    return FALSE;
  bind_nonzero (stmt, 1, uidvalidity);
  bind_nonzero (stmt, 2, uidnext);
  bind_nonzero (stmt, 3, (gint64) highestmodseq);
  sqlite3_bind_int64 (stmt, 4, server_exists);
  sqlite3_bind_int64 (stmt, 5, g_get_real_time () / G_USEC_PER_SEC);
  sqlite3_bind_int64 (stmt, 6, folder_id);
  return step_done (self, stmt, "recording the folder state", error);
}

gboolean
tern_store_set_folder_fill (TernStore  *self,
                            gint64      folder_id,
                            guint32     fill_uidvalidity,
                            guint32     fill_uidnext,
                            guint64     fill_modseq,
                            guint32     fill_low,
                            GError    **error)
{
  sqlite3_stmt *stmt = prepare (self,
                                "UPDATE folder SET fill_uidvalidity = ?, fill_uidnext = ?, "
                                "fill_modseq = ?, fill_low = ? WHERE id = ?",
                                error);

  if (stmt == NULL)
    return FALSE;
  bind_nonzero (stmt, 1, fill_uidvalidity);
  bind_nonzero (stmt, 2, fill_uidnext);
  bind_nonzero (stmt, 3, (gint64) fill_modseq);
  bind_nonzero (stmt, 4, fill_low);
  sqlite3_bind_int64 (stmt, 5, folder_id);
  return step_done (self, stmt, "recording sync progress", error);
}

gboolean
tern_store_set_folder_local_state (TernStore  *self,
                                   gint64      folder_id,
                                   int         state,
                                   GError    **error)
{
  sqlite3_stmt *stmt = prepare (self, "UPDATE folder SET local_state = ? WHERE id = ?", error);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int (stmt, 1, state);
  sqlite3_bind_int64 (stmt, 2, folder_id);
  return step_done (self, stmt, "updating a folder", error);
}

gboolean
tern_store_set_folder_flags_swept (TernStore  *self,
                                   gint64      folder_id,
                                   gint64      when,
                                   GError    **error)
{
  sqlite3_stmt *stmt = prepare (self, "UPDATE folder SET flags_swept = ? WHERE id = ?", error);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, when);
  sqlite3_bind_int64 (stmt, 2, folder_id);
  return step_done (self, stmt, "recording a flag sweep", error);
}

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
      sqlite3_stmt *del = prepare (self, "DELETE FROM part WHERE message = ?", error);

      if (del == NULL)
        return FALSE;
      sqlite3_bind_int64 (del, 1, message_id);
      if (!step_done (self, del, "storing a message structure", error))
        return FALSE;
    }

  if (message->parts == NULL)
    return TRUE;

  stmt = prepare (self,
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
      bind_text (stmt, 2, part->section);
      bind_text (stmt, 3, part->type ? part->type : "application");
      bind_text (stmt, 4, part->subtype ? part->subtype : "octet-stream");
      bind_text (stmt, 5, part->charset);
      bind_text (stmt, 6, part->encoding);
      sqlite3_bind_int64 (stmt, 7, (gint64) part->size);
      bind_text (stmt, 8, part->disposition);
      bind_text (stmt, 9, part->filename);
      bind_text (stmt, 10, part->content_id);
      if (!step_done (self, stmt, "storing a message part", error))
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
  bind_nonzero (stmt, 2, message->uid);
  bind_nonzero (stmt, 3, (gint64) message->modseq);
  bind_text (stmt, 4, message->flags ? message->flags : "");
  sqlite3_bind_int (stmt, 5, tern_flags_contain (message->flags, "\\Seen"));
  sqlite3_bind_int (stmt, 6, tern_flags_contain (message->flags, "\\Flagged"));
  sqlite3_bind_int64 (stmt, 7, message->internaldate);
  sqlite3_bind_int64 (stmt, 8, (gint64) message->size);
  sqlite3_bind_int64 (stmt, 9, message->date ? message->date : message->internaldate);
  bind_text (stmt, 10, message->subject);
  bind_text (stmt, 11, message->from_name);
  bind_text (stmt, 12, message->from_addr);
  bind_text (stmt, 13, message->sender);
  bind_text (stmt, 14, message->reply_to);
  bind_text (stmt, 15, message->to_list);
  bind_text (stmt, 16, message->cc_list);
  bind_text (stmt, 17, message->bcc_list);
  bind_text (stmt, 18, message->message_id);
  bind_text (stmt, 19, message->in_reply_to);
  bind_text (stmt, 20, message->references);
  bind_nonzero (stmt, 21, thread_id);
}

gboolean
tern_store_upsert_message (TernStore          *self,
                           gint64              folder_id,
                           const TernMessage  *message,
                           gint64             *id_out,
                           GError            **error)
{
  sqlite3_stmt *stmt = prepare (self,
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
    return set_sqlite_error (self, rc, "storing a message", error);

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
  sqlite3_stmt *stmt = prepare (self,
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
    return set_sqlite_error (self, rc, "storing a message", error);
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
  sqlite3_stmt *stmt = prepare (self,
                                "UPDATE message SET flags = ?1, seen = ?2, flagged = ?3 "
                                "WHERE folder_id = ?4 AND uid = ?5 AND flags <> ?1",
                                error);
  gboolean differed;

  if (stmt == NULL)
    return FALSE;
  bind_text (stmt, 1, flags ? flags : "");
  sqlite3_bind_int (stmt, 2, tern_flags_contain (flags, "\\Seen"));
  sqlite3_bind_int (stmt, 3, tern_flags_contain (flags, "\\Flagged"));
  sqlite3_bind_int64 (stmt, 4, folder_id);
  sqlite3_bind_int64 (stmt, 5, uid);
  if (!step_done (self, stmt, "updating flags", error))
    return FALSE;
  differed = sqlite3_changes (self->db) > 0;

  if (modseq != 0)
    {
      stmt = prepare (self,
                      "UPDATE message SET modseq = ?1 WHERE folder_id = ?2 AND uid = ?3 "
                      "AND modseq IS NOT ?1",
                      error);
      if (stmt == NULL)
        return FALSE;
      sqlite3_bind_int64 (stmt, 1, (gint64) modseq);
      sqlite3_bind_int64 (stmt, 2, folder_id);
      sqlite3_bind_int64 (stmt, 3, uid);
      if (!step_done (self, stmt, "updating flags", error))
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
  sqlite3_stmt *stmt = prepare (self, "DELETE FROM message WHERE folder_id = ? AND uid = ?", error);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, folder_id);
  sqlite3_bind_int64 (stmt, 2, uid);
  return step_done (self, stmt, "removing a message", error);
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
  sqlite3_stmt *stmt = prepare (self,
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
      set_sqlite_error (self, rc, "listing UIDs", error);
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
  sqlite3_stmt *stmt = prepare (self,
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
                         dup_column (stmt, 1));
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      set_sqlite_error (self, rc, "reading flags", error);
      return NULL;
    }
  return g_steal_pointer (&map);
}

gboolean
tern_store_count_messages (TernStore  *self,
                           gint64      folder_id,
                           guint      *total_out,
                           guint      *unread_out,
                           GError    **error)
{
  sqlite3_stmt *stmt = prepare (self,
                                "SELECT count(*), coalesce (sum (seen = 0), 0) FROM message m "
                                "WHERE " SHOWN_IN ("?1"),
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
    return set_sqlite_error (self, rc, "counting messages", error);
  return TRUE;
}

guint
tern_store_count_uids (TernStore *self,
                       gint64     folder_id)
{
  /* Answered from the (folder_id, uid) index alone. */
  sqlite3_stmt *stmt = prepare (self,
                                "SELECT count(*) FROM message WHERE folder_id = ? AND uid IS NOT NULL",
                                NULL);

  if (stmt == NULL)
    return 0;
  sqlite3_bind_int64 (stmt, 1, folder_id);
  return (guint) _tern_store_step_int64 (stmt, 0);
}

#define MESSAGE_COLUMNS \
  "id, coalesce (local_folder, folder_id), uid, modseq, flags, internaldate, size, date, subject, " \
  "from_name, from_addr, sender, reply_to, to_list, cc_list, bcc_list, message_id, in_reply_to, refs, " \
  "thread_id"

static TernMessage *
message_from_row (sqlite3_stmt *stmt)
{
  TernMessage *message = tern_message_new ();

  message->id = sqlite3_column_int64 (stmt, 0);
  message->folder_id = sqlite3_column_int64 (stmt, 1);
  message->uid = (guint32) sqlite3_column_int64 (stmt, 2);
  message->modseq = (guint64) sqlite3_column_int64 (stmt, 3);
  message->flags = dup_column (stmt, 4);
  message->internaldate = sqlite3_column_int64 (stmt, 5);
  message->size = (guint64) sqlite3_column_int64 (stmt, 6);
  message->date = sqlite3_column_int64 (stmt, 7);
  message->subject = dup_column (stmt, 8);
  message->from_name = dup_column (stmt, 9);
  message->from_addr = dup_column (stmt, 10);
  message->sender = dup_column (stmt, 11);
  message->reply_to = dup_column (stmt, 12);
  message->to_list = dup_column (stmt, 13);
  message->cc_list = dup_column (stmt, 14);
  message->bcc_list = dup_column (stmt, 15);
  message->message_id = dup_column (stmt, 16);
  message->in_reply_to = dup_column (stmt, 17);
  message->references = dup_column (stmt, 18);
  message->thread_id = sqlite3_column_int64 (stmt, 19);
  return message;
}

GPtrArray *
tern_store_list_messages (TernStore  *self,
                          gint64      folder_id,
                          guint       limit,
                          GError    **error)
{
  sqlite3_stmt *stmt = prepare (self,
                                "SELECT " MESSAGE_COLUMNS " FROM message m "
                                "WHERE " SHOWN_IN ("?1") " "
                                "ORDER BY date DESC, uid DESC LIMIT ?2",
                                error);

  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, folder_id);
  sqlite3_bind_int64 (stmt, 2, limit > 0 ? (gint64) limit : -1);
  return _tern_store_collect (self, stmt, (TernRowFunc) message_from_row,
                              (GDestroyNotify) tern_message_free, "listing messages", error);
}

TernMessage *
tern_store_get_message (TernStore   *self,
                        gint64       message_id,
                        GError     **error)
{
  sqlite3_stmt *stmt = prepare (self, "SELECT " MESSAGE_COLUMNS " FROM message WHERE id = ?", error);
  sqlite3_stmt *parts;
  g_autoptr(TernMessage) message = NULL;
  int rc;

  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, message_id);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    message = message_from_row (stmt);
  sqlite3_reset (stmt);
  if (rc == SQLITE_DONE)
    {
      g_set_error (error, TERN_STORE_ERROR, TERN_STORE_ERROR_NOT_FOUND,
                   "No message with id %" G_GINT64_FORMAT, message_id);
      return NULL;
    }
  if (rc != SQLITE_ROW)
    {
      set_sqlite_error (self, rc, "reading a message", error);
      return NULL;
    }

  parts = prepare (self,
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

      part->section = dup_column (parts, 0);
      part->type = dup_column (parts, 1);
      part->subtype = dup_column (parts, 2);
      part->charset = dup_column (parts, 3);
      part->encoding = dup_column (parts, 4);
      part->size = (guint64) sqlite3_column_int64 (parts, 5);
      part->disposition = dup_column (parts, 6);
      part->filename = dup_column (parts, 7);
      part->content_id = dup_column (parts, 8);
      g_ptr_array_add (message->parts, part);
    }
  sqlite3_reset (parts);
  if (rc != SQLITE_DONE)
    {
      set_sqlite_error (self, rc, "reading a message structure", error);
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
  sqlite3_stmt *stmt = prepare (self,
                                "UPDATE message SET uid = NULL, detached = 1 "
                                "WHERE folder_id = ? AND uid IS NOT NULL",
                                error);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, folder_id);
  return step_done (self, stmt, "detaching messages", error);
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
  sqlite3_stmt *find = prepare (self,
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
  bind_text (find, 2, message_id);
  sqlite3_bind_int64 (find, 3, internaldate);
  sqlite3_bind_int64 (find, 4, (gint64) size);
  while ((rc = sqlite3_step (find)) == SQLITE_ROW && found < 2)
    ids[found++] = sqlite3_column_int64 (find, 0);
  sqlite3_reset (find);
  if (rc != SQLITE_DONE && rc != SQLITE_ROW)
    return set_sqlite_error (self, rc, "matching a message", error);
  if (found != 1)
    return TRUE;

  update = prepare (self,
                    "UPDATE message SET uid = ?, detached = 0, flags = ?, seen = ?, flagged = ?, "
                    "modseq = ? WHERE id = ?",
                    error);
  if (update == NULL)
    return FALSE;
  sqlite3_bind_int64 (update, 1, uid);
  bind_text (update, 2, flags ? flags : "");
  sqlite3_bind_int (update, 3, tern_flags_contain (flags, "\\Seen"));
  sqlite3_bind_int (update, 4, tern_flags_contain (flags, "\\Flagged"));
  bind_nonzero (update, 5, (gint64) modseq);
  sqlite3_bind_int64 (update, 6, ids[0]);
  if (!step_done (self, update, "re-attaching a message", error))
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
  sqlite3_stmt *stmt = prepare (self,
                                "DELETE FROM message WHERE folder_id = ? AND detached = 1",
                                error);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, folder_id);
  if (!step_done (self, stmt, "dropping unmatched messages", error))
    return FALSE;
  if (dropped_out)
    *dropped_out = (guint) sqlite3_changes (self->db);
  return TRUE;
}

guint
tern_store_count_detached (TernStore *self,
                           gint64     folder_id)
{
  sqlite3_stmt *stmt = prepare (self,
                                "SELECT count(*) FROM message WHERE folder_id = ? AND detached = 1",
                                NULL);

  if (stmt == NULL)
    return 0;
  sqlite3_bind_int64 (stmt, 1, folder_id);
  return (guint) _tern_store_step_int64 (stmt, 0);
}

/* Bodies. */

void
tern_body_free (TernBody *body)
{
  if (body == NULL)
    return;
  g_free (body->section);
  g_free (body->content_type);
  g_free (body->text);
  g_free (body);
}

TernBody *
tern_store_get_body (TernStore   *self,
                     gint64       message_id,
                     GError     **error)
{
  sqlite3_stmt *stmt = prepare (self,
                                "SELECT section, content_type, text, fetched, pinned FROM body "
                                "WHERE message = ?",
                                error);
  sqlite3_stmt *touch;
  TernBody *body = NULL;
  int rc;

  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, message_id);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    {
      body = g_new0 (TernBody, 1);
      body->message = message_id;
      body->section = dup_column (stmt, 0);
      body->content_type = dup_column (stmt, 1);
      body->text = dup_column (stmt, 2);
      body->fetched = sqlite3_column_int64 (stmt, 3);
      body->pinned = sqlite3_column_int (stmt, 4) != 0;
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    {
      set_sqlite_error (self, rc, "reading a message body", error);
      return NULL;
    }
  if (body == NULL)
    return NULL;

  /* Least-recently-used eviction needs to know; a read-only cache still reads. */
  touch = prepare (self, "UPDATE body SET accessed = ? WHERE message = ?", NULL);
  if (touch != NULL)
    {
      sqlite3_bind_int64 (touch, 1, g_get_real_time () / G_USEC_PER_SEC);
      sqlite3_bind_int64 (touch, 2, message_id);
      step_done (self, touch, "", NULL);
    }
  return body;
}

gboolean
tern_store_set_body (TernStore   *self,
                     gint64       message_id,
                     const char  *section,
                     const char  *content_type,
                     const char  *text,
                     GError     **error)
{
  sqlite3_stmt *stmt = prepare (self,
                                "INSERT INTO body (message, section, content_type, text, size, fetched, accessed) "
                                "VALUES (?1, ?2, ?3, ?4, length (CAST (?4 AS BLOB)), ?5, ?5) "
                                "ON CONFLICT (message) DO UPDATE SET section = excluded.section, "
                                "content_type = excluded.content_type, text = excluded.text, "
                                "size = excluded.size, fetched = excluded.fetched, accessed = excluded.accessed",
                                error);
  sqlite3_stmt *fts;
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, message_id);
  bind_text (stmt, 2, section);
  bind_text (stmt, 3, content_type ? content_type : "text/plain");
  bind_text (stmt, 4, text ? text : "");
  sqlite3_bind_int64 (stmt, 5, now);
  if (!step_done (self, stmt, "storing a message body", error))
    return FALSE;

  /* Searchable at once, if the headers are indexed already (else the batch indexer
   * picks the body up with them). */
  fts = prepare (self,
                 "UPDATE message_fts SET body = ?2 WHERE rowid = ?1",
                 error);
  if (fts == NULL)
    return FALSE;
  sqlite3_bind_int64 (fts, 1, message_id);
  bind_text (fts, 2, text);
  return step_done (self, fts, "indexing a message body", error);
}

gboolean
tern_store_set_body_pinned (TernStore   *self,
                            gint64       message_id,
                            gboolean     pinned,
                            GError     **error)
{
  sqlite3_stmt *stmt = prepare (self, "UPDATE body SET pinned = ? WHERE message = ?", error);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int (stmt, 1, pinned);
  sqlite3_bind_int64 (stmt, 2, message_id);
  return step_done (self, stmt, "pinning a message", error);
}

/* Search. */

gboolean
tern_store_index_pending (TernStore  *self,
                          guint       limit,
                          guint      *remaining_out,
                          GError    **error)
{
  sqlite3_stmt *mark;
  sqlite3_stmt *insert;
  sqlite3_stmt *count;
  gint64 up_to = 0, last = 0;
  gboolean own = !self->in_transaction;
  int rc;

  mark = prepare (self, "SELECT value FROM meta WHERE key = 'fts_indexed_up_to'", error);
  if (mark == NULL)
    return FALSE;
  if (sqlite3_step (mark) == SQLITE_ROW)
    up_to = sqlite3_column_int64 (mark, 0);
  sqlite3_reset (mark);

  if (own && !tern_store_begin (self, error))
    return FALSE;
  /* Message ids only grow: everything above the mark is new. */
  insert = prepare (self,
                    "INSERT INTO message_fts (rowid, subject, people, body) "
                    "SELECT m.id, m.subject, "
                    "  coalesce (m.from_name, '') || ' ' || coalesce (m.from_addr, '') || ' ' || "
                    "  coalesce (m.to_list, '') || ' ' || coalesce (m.cc_list, '') || ' ' || "
                    "  coalesce (m.bcc_list, ''), "
                    "  (SELECT b.text FROM body b WHERE b.message = m.id) "
                    "FROM message m WHERE m.id > ?1 ORDER BY m.id LIMIT ?2",
                    error);
  if (insert == NULL)
    goto fail;
  sqlite3_bind_int64 (insert, 1, up_to);
  sqlite3_bind_int64 (insert, 2, limit > 0 ? (gint64) limit : -1);
  if (!step_done (self, insert, "indexing messages", error))
    goto fail;

  mark = prepare (self,
                  "UPDATE meta SET value = coalesce ((SELECT max (rowid) FROM message_fts), value) "
                  "WHERE key = 'fts_indexed_up_to' RETURNING value",
                  error);
  if (mark == NULL)
    goto fail;
  rc = sqlite3_step (mark);
  if (rc == SQLITE_ROW)
    last = sqlite3_column_int64 (mark, 0);
  sqlite3_reset (mark);
  if (rc != SQLITE_ROW)
    {
      set_sqlite_error (self, rc, "indexing messages", error);
      goto fail;
    }
  if (own && !tern_store_commit (self, error))
    return FALSE;

  if (remaining_out != NULL)
    {
      count = prepare (self, "SELECT count(*) FROM message WHERE id > ?", error);
      if (count == NULL)
        return FALSE;
      sqlite3_bind_int64 (count, 1, last);
      *remaining_out = sqlite3_step (count) == SQLITE_ROW ? (guint) sqlite3_column_int64 (count, 0) : 0;
      sqlite3_reset (count);
    }
  return TRUE;

fail:
  if (own)
    tern_store_rollback (self);
  return FALSE;
}

/* Words of a user's query as an FTS5 query: each word quoted (so punctuation cannot make
 * a syntax error), a trailing * kept as a prefix search. */
static char *
fts_query (const char *query)
{
  g_auto(GStrv) words = g_strsplit_set (query, " \t\r\n", -1);
  GString *out = g_string_new (NULL);

  for (guint i = 0; words[i] != NULL; i++)
    {
      char *word = words[i];
      gboolean prefix = FALSE;
      gsize len = strlen (word);

      if (len > 0 && word[len - 1] == '*')
        {
          word[--len] = '\0';
          prefix = TRUE;
        }
      if (len == 0)
        continue;
      if (out->len > 0)
        g_string_append_c (out, ' ');
      g_string_append_c (out, '"');
      for (const char *p = word; *p != '\0'; p++)
        {
          if (*p == '"')
            g_string_append_c (out, '"');
          g_string_append_c (out, *p);
        }
      g_string_append_c (out, '"');
      if (prefix)
        g_string_append_c (out, '*');
    }
  return g_string_free (out, FALSE);
}

GPtrArray *
tern_store_search (TernStore   *self,
                   gint64       account_id,
                   const char  *query,
                   guint        limit,
                   GError     **error)
{
  g_autofree char *match = fts_query (query ? query : "");
  sqlite3_stmt *stmt;

  if (*match == '\0')
    return g_ptr_array_new_with_free_func ((GDestroyNotify) tern_message_free);
  if (!tern_store_index_pending (self, 0, NULL, error))
    return NULL;

  stmt = prepare (self,
                  "SELECT " MESSAGE_COLUMNS " FROM message m "
                  "WHERE m.id IN (SELECT rowid FROM message_fts WHERE message_fts MATCH ?1) "
                  "AND m.hidden = 0 AND m.detached = 0 "
                  "AND (?2 = 0 OR coalesce (m.local_folder, m.folder_id) IN "
                  "     (SELECT id FROM folder WHERE account_id = ?2)) "
                  "ORDER BY m.date DESC LIMIT ?3",
                  error);
  if (stmt == NULL)
    return NULL;
  bind_text (stmt, 1, match);
  sqlite3_bind_int64 (stmt, 2, account_id);
  sqlite3_bind_int64 (stmt, 3, limit > 0 ? (gint64) limit : -1);
  return _tern_store_collect (self, stmt, (TernRowFunc) message_from_row,
                              (GDestroyNotify) tern_message_free, "searching", error);
}

/* Part files. */

gboolean
tern_store_get_part_file (TernStore   *self,
                          gint64       message_id,
                          const char  *section,
                          char       **path_out,
                          guint64     *fetched_out,
                          gboolean    *complete_out)
{
  sqlite3_stmt *stmt = prepare (self,
                                "SELECT path, fetched, complete FROM part_file WHERE message = ? AND section = ?",
                                NULL);
  gboolean found;

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, message_id);
  bind_text (stmt, 2, section);
  found = sqlite3_step (stmt) == SQLITE_ROW;
  if (found)
    {
      if (path_out)
        *path_out = dup_column (stmt, 0);
      if (fetched_out)
        *fetched_out = (guint64) sqlite3_column_int64 (stmt, 1);
      if (complete_out)
        *complete_out = sqlite3_column_int (stmt, 2) != 0;
    }
  sqlite3_reset (stmt);
  return found;
}

gboolean
tern_store_set_part_file (TernStore   *self,
                          gint64       message_id,
                          const char  *section,
                          const char  *path,
                          guint64      fetched,
                          gboolean     complete,
                          GError     **error)
{
  sqlite3_stmt *stmt = prepare (self,
                                "INSERT INTO part_file (message, section, path, fetched, complete, accessed) "
                                "VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (message, section) DO UPDATE SET "
                                "path = excluded.path, fetched = excluded.fetched, "
                                "complete = excluded.complete, accessed = excluded.accessed",
                                error);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, message_id);
  bind_text (stmt, 2, section);
  bind_text (stmt, 3, path);
  sqlite3_bind_int64 (stmt, 4, (gint64) fetched);
  sqlite3_bind_int (stmt, 5, complete);
  sqlite3_bind_int64 (stmt, 6, g_get_real_time () / G_USEC_PER_SEC);
  return step_done (self, stmt, "recording a download", error);
}

gint64
tern_store_find_uid (TernStore *self,
                     gint64     folder_id,
                     guint32    uid)
{
  sqlite3_stmt *stmt = prepare (self, "SELECT id FROM message WHERE folder_id = ? AND uid = ?", NULL);

  if (stmt == NULL)
    return 0;
  sqlite3_bind_int64 (stmt, 1, folder_id);
  sqlite3_bind_int64 (stmt, 2, uid);
  return _tern_store_step_int64 (stmt, 0);
}

gboolean
tern_store_set_part_filename (TernStore   *self,
                              gint64       message_id,
                              const char  *section,
                              const char  *filename,
                              const char  *disposition,
                              GError     **error)
{
  sqlite3_stmt *stmt = prepare (self,
                                "UPDATE part SET filename = ?1, disposition = ?4 WHERE message = ?2 AND section = ?3",
                                error);

  if (stmt == NULL)
    return FALSE;
  bind_text (stmt, 1, filename);
  sqlite3_bind_int64 (stmt, 2, message_id);
  bind_text (stmt, 3, section);
  bind_text (stmt, 4, disposition);
  return step_done (self, stmt, "naming an attachment", error);
}

/* Offline availability. */

gboolean
tern_store_set_offline_policy (TernStore   *self,
                               gint64       account_id,
                               gint64       folder_id,
                               gint64       days,
                               gint64       max_size,
                               int          full,
                               gint64       cache_limit,
                               GError     **error)
{
  sqlite3_stmt *stmt;

  /* -1 leaves a setting as it is. */
  if (folder_id != 0)
    stmt = prepare (self,
                    "UPDATE folder SET offline_days = CASE WHEN ?2 < 0 THEN offline_days ELSE nullif (?2, 0) END, "
                    "offline_max_size = CASE WHEN ?3 < 0 THEN offline_max_size ELSE nullif (?3, 0) END, "
                    "offline_full = CASE WHEN ?4 < 0 THEN offline_full ELSE ?4 END WHERE id = ?1",
                    error);
  else
    stmt = prepare (self,
                    "UPDATE account SET offline_days = CASE WHEN ?2 < 0 THEN offline_days ELSE ?2 END, "
                    "offline_max_size = CASE WHEN ?3 < 0 THEN offline_max_size ELSE ?3 END, "
                    "cache_limit = CASE WHEN ?5 < 0 THEN cache_limit ELSE ?5 END WHERE id = ?1",
                    error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, folder_id != 0 ? folder_id : account_id);
  sqlite3_bind_int64 (stmt, 2, days);
  sqlite3_bind_int64 (stmt, 3, max_size);
  sqlite3_bind_int (stmt, 4, full);
  sqlite3_bind_int64 (stmt, 5, cache_limit);
  return step_done (self, stmt, "setting the offline policy", error);
}

GArray *
tern_store_list_prefetch (TernStore   *self,
                          gint64       folder_id,
                          GError     **error)
{
  sqlite3_stmt *stmt = prepare (self,
                                "SELECT m.id FROM message m JOIN folder f ON f.id = ?1 "
                                "JOIN account a ON a.id = f.account_id "
                                "WHERE m.folder_id = ?1 AND m.uid IS NOT NULL AND m.detached = 0 AND m.hidden = 0 "
                                "AND NOT EXISTS (SELECT 1 FROM body b WHERE b.message = m.id) "
                                "AND (f.offline_full OR "
                                "     (m.date >= ?2 - 86400 * coalesce (f.offline_days, a.offline_days) AND "
                                "      m.size <= coalesce (f.offline_max_size, a.offline_max_size))) "
                                "ORDER BY m.date DESC",
                                error);

  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, folder_id);
  sqlite3_bind_int64 (stmt, 2, g_get_real_time () / G_USEC_PER_SEC);
  return _tern_store_collect_ids (self, stmt, "choosing bodies to keep offline", error);
}

gboolean
tern_store_cache_usage (TernStore  *self,
                        gint64      account_id,
                        guint64    *bytes_out,
                        guint      *bodies_out,
                        guint      *parts_out,
                        GError    **error)
{
  sqlite3_stmt *stmt = prepare (self,
                                "SELECT "
                                "(SELECT coalesce (sum (b.size), 0) FROM body b JOIN message m ON m.id = b.message "
                                "  JOIN folder f ON f.id = m.folder_id WHERE f.account_id = ?1), "
                                "(SELECT count(*) FROM body b JOIN message m ON m.id = b.message "
                                "  JOIN folder f ON f.id = m.folder_id WHERE f.account_id = ?1), "
                                "(SELECT coalesce (sum (p.fetched), 0) FROM part_file p JOIN message m ON m.id = p.message "
                                "  JOIN folder f ON f.id = m.folder_id WHERE f.account_id = ?1), "
                                "(SELECT count(*) FROM part_file p JOIN message m ON m.id = p.message "
                                "  JOIN folder f ON f.id = m.folder_id WHERE f.account_id = ?1 AND p.complete)",
                                error);
  int rc;

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, account_id);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    {
      if (bytes_out)
        *bytes_out = (guint64) (sqlite3_column_int64 (stmt, 0) + sqlite3_column_int64 (stmt, 2));
      if (bodies_out)
        *bodies_out = (guint) sqlite3_column_int64 (stmt, 1);
      if (parts_out)
        *parts_out = (guint) sqlite3_column_int64 (stmt, 3);
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_ROW)
    return set_sqlite_error (self, rc, "measuring the cache", error);
  return TRUE;
}

gboolean
tern_store_evict (TernStore  *self,
                  gint64      account_id,
                  guint64     limit,
                  guint      *evicted_out,
                  GError    **error)
{
  /* Candidates, least recently used first: bodies and part files alike. */
  sqlite3_stmt *stmt = prepare (self,
                                "SELECT kind, message, section, path, bytes FROM ("
                                "  SELECT 0 AS kind, b.message, NULL AS section, NULL AS path, b.size AS bytes, "
                                "         b.accessed AS used FROM body b JOIN message m ON m.id = b.message "
                                "  JOIN folder f ON f.id = m.folder_id WHERE f.account_id = ?1 AND b.pinned = 0 "
                                "  AND f.offline_full = 0 AND NOT EXISTS (SELECT 1 FROM action a WHERE "
                                "      a.state = 'queued' AND (a.message = m.id OR a.new_message = m.id)) "
                                "  UNION ALL "
                                "  SELECT 1, p.message, p.section, p.path, p.fetched, coalesce (p.accessed, 0) "
                                "  FROM part_file p JOIN message m ON m.id = p.message "
                                "  JOIN folder f ON f.id = m.folder_id WHERE f.account_id = ?1 AND f.offline_full = 0"
                                ") ORDER BY used, message",
                                error);
  g_autoptr(GPtrArray) doomed = g_ptr_array_new_with_free_func (g_free);
  guint64 used = 0;
  guint evicted = 0;
  int rc;

  if (stmt == NULL || !tern_store_cache_usage (self, account_id, &used, NULL, NULL, error))
    return FALSE;
  if (used <= limit)
    {
      if (evicted_out)
        *evicted_out = 0;
      return TRUE;
    }

  sqlite3_bind_int64 (stmt, 1, account_id);
  if (!tern_store_begin (self, error))
    return FALSE;
  while (used > limit && (rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      int kind = sqlite3_column_int (stmt, 0);
      gint64 message = sqlite3_column_int64 (stmt, 1);
      sqlite3_stmt *del;

      if (kind == 0)
        {
          del = prepare (self, "DELETE FROM body WHERE message = ?", error);
          if (del == NULL)
            goto fail;
          sqlite3_bind_int64 (del, 1, message);
        }
      else
        {
          g_ptr_array_add (doomed, dup_column (stmt, 3));
          del = prepare (self, "DELETE FROM part_file WHERE message = ? AND section = ?", error);
          if (del == NULL)
            goto fail;
          sqlite3_bind_int64 (del, 1, message);
          bind_text (del, 2, (const char *) sqlite3_column_text (stmt, 2));
        }
      if (!step_done (self, del, "evicting", error))
        goto fail;
      used -= MIN (used, (guint64) sqlite3_column_int64 (stmt, 4));
      evicted++;
    }
  sqlite3_reset (stmt);
  if (!tern_store_commit (self, error))
    return FALSE;
  /* Files go only once the rows are gone for good. */
  for (guint i = 0; i < doomed->len; i++)
    if (doomed->pdata[i] != NULL)
      {
        g_autofree char *encoded = g_strconcat (doomed->pdata[i], ".enc", NULL);

        g_remove (doomed->pdata[i]);
        g_remove (encoded);
      }
  if (evicted_out)
    *evicted_out = evicted;
  return TRUE;

fail:
  sqlite3_reset (stmt);
  tern_store_rollback (self);
  return FALSE;
}

GArray *
tern_store_search_ids (TernStore   *self,
                       const char  *query,
                       GError     **error)
{
  g_autofree char *match = fts_query (query ? query : "");
  sqlite3_stmt *stmt;

  if (*match == '\0')
    return g_array_new (FALSE, FALSE, sizeof (gint64));
  if (!tern_store_index_pending (self, 0, NULL, error))
    return NULL;
  /* Newest first by id order, straight from the index: no row is read. */
  stmt = prepare (self, "SELECT rowid FROM message_fts WHERE message_fts MATCH ? ORDER BY rowid DESC", error);
  if (stmt == NULL)
    return NULL;
  bind_text (stmt, 1, match);
  return _tern_store_collect_ids (self, stmt, "searching", error);
}

/* Address completion. */

void
tern_address_free (TernAddress *address)
{
  if (address == NULL)
    return;
  g_free (address->name);
  g_free (address->address);
  g_free (address);
}

/* One "Name <a@b>" or "a@b" of a stored list; FALSE if it holds no usable address. */
static gboolean
split_address (const char  *text,
               char       **name_out,
               char       **address_out)
{
  g_autofree char *copy = g_strstrip (g_strdup (text));
  char *open = strrchr (copy, '<');
  char *name = NULL;
  char *address;

  if (open != NULL && strchr (open, '>') != NULL)
    {
      *strchr (open, '>') = '\0';
      address = g_strstrip (g_strdup (open + 1));
      *open = '\0';
      name = g_strstrip (g_strdup (copy));
      /* A quoted name loses its quotes and escapes. */
      if (name[0] == '"')
        {
          GString *plain = g_string_new (NULL);

          for (const char *p = name + 1; *p != '\0' && *p != '"'; p++)
            {
              if (*p == '\\' && p[1] != '\0')
                p++;
              g_string_append_c (plain, *p);
            }
          g_free (name);
          name = g_strstrip (g_string_free (plain, FALSE));
        }
      if (*name == '\0')
        g_clear_pointer (&name, g_free);
    }
  else
    address = g_strdup (copy);

  if (strchr (address, '@') == NULL || address[0] == '@' || strpbrk (address, " \t\"<>,") != NULL)
    {
      g_free (address);
      g_free (name);
      return FALSE;
    }
  *name_out = name;
  *address_out = address;
  return TRUE;
}

/* The addresses of a stored list. Names are neither quoted nor escaped by every writer, so a
 * comma does not always separate two people ("Doe, Jane <jane@example.org>"): a piece without
 * an address joins the next one. */
static void
each_address (const char *list,
              void      (*func) (const char *name, const char *address, gpointer data),
              gpointer    data)
{
  g_autoptr(GString) pending = g_string_new (NULL);
  const char *start = list;
  gboolean quoted = FALSE, angle = FALSE;

  if (list == NULL)
    return;
  for (const char *p = list;; p++)
    {
      if (*p == '"' && (p == list || p[-1] != '\\'))
        quoted = !quoted;
      else if (*p == '<' && !quoted)
        angle = TRUE;
      else if (*p == '>' && !quoted)
        angle = FALSE;

      if (*p == '\0' || (*p == ',' && !quoted && !angle))
        {
          if (pending->len > 0)
            g_string_append_c (pending, ',');
          g_string_append_len (pending, start, p - start);
          if (memchr (pending->str, '@', pending->len) != NULL)
            {
              g_autofree char *name = NULL;
              g_autofree char *address = NULL;

              if (split_address (pending->str, &name, &address))
                func (name, address, data);
              g_string_truncate (pending, 0);
            }
          if (*p == '\0')
            break;
          start = p + 1;
        }
    }
}

typedef struct
{
  const char *prefix;     /* casefolded */
  GHashTable *found;      /* casefolded address -> TernAddress */
  GHashTable *in_message; /* addresses already counted for this message */
  GHashTable *own;        /* the accounts' addresses, casefolded */
  gint64      date;
  gint64      now;
} Completion;

static gboolean
name_matches (const char *name,
              const char *prefix)
{
  g_autofree char *folded = NULL;

  if (name == NULL)
    return FALSE;
  folded = g_utf8_casefold (name, -1);
  if (g_str_has_prefix (folded, prefix))
    return TRUE;
  /* Any word of the name: "mart" finds "Zoë Martin". */
  for (const char *p = folded; *p != '\0'; p = g_utf8_next_char (p))
    if (!g_unichar_isalnum (g_utf8_get_char (p)) && g_str_has_prefix (g_utf8_next_char (p), prefix))
      return TRUE;
  return FALSE;
}

static void
completion_add (const char *name,
                const char *address,
                gpointer    data)
{
  Completion *c = data;
  g_autofree char *key = g_utf8_casefold (address, -1);
  TernAddress *a;
  double age_days;

  if (g_hash_table_contains (c->own, key) || g_hash_table_contains (c->in_message, key))
    return;
  if (!g_str_has_prefix (key, c->prefix) && !name_matches (name, c->prefix))
    return;
  g_hash_table_add (c->in_message, g_strdup (key));

  a = g_hash_table_lookup (c->found, key);
  if (a == NULL)
    {
      a = g_new0 (TernAddress, 1);
      a->address = g_strdup (address);
      a->last_seen = c->date;
      g_hash_table_insert (c->found, g_steal_pointer (&key), a);
    }
  /* Rows come newest first: the first name seen is the latest one. */
  if (a->name == NULL && name != NULL)
    a->name = g_strdup (name);
  a->count++;
  age_days = c->date > 0 ? MAX (0, (double) (c->now - c->date) / 86400.0) : 365.0;
  a->score += 1.0 / (1.0 + age_days / 30.0);
}

static int
compare_addresses (gconstpointer pa,
                   gconstpointer pb)
{
  const TernAddress *a = *(TernAddress * const *) pa;
  const TernAddress *b = *(TernAddress * const *) pb;

  if (a->score != b->score)
    return a->score > b->score ? -1 : 1;
  return g_ascii_strcasecmp (a->address, b->address);
}

/* Candidate rows: the newest messages that mention the prefix anywhere in their people. */
#define COMPLETION_ROWS 2000

GPtrArray *
tern_store_complete_addresses (TernStore   *self,
                               const char  *prefix,
                               guint        limit,
                               GError     **error)
{
  g_autoptr(GPtrArray) result = g_ptr_array_new_with_free_func ((GDestroyNotify) tern_address_free);
  g_autoptr(GHashTable) found = NULL;
  g_autoptr(GHashTable) in_message = NULL;
  g_autoptr(GHashTable) own = NULL;
  g_autofree char *folded = NULL;
  g_autoptr(GString) like = NULL;
  g_autofree char *trimmed = NULL;
  Completion c = { 0 };
  sqlite3_stmt *stmt;
  int rc;

  g_return_val_if_fail (self != NULL, NULL);

  trimmed = g_strstrip (g_strdup (prefix ? prefix : ""));
  if (*trimmed == '\0' || !g_utf8_validate (trimmed, -1, NULL))
    return g_steal_pointer (&result);
  folded = g_utf8_casefold (trimmed, -1);

  own = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  stmt = prepare (self, "SELECT email FROM account", error);
  if (stmt == NULL)
    return NULL;
  while (sqlite3_step (stmt) == SQLITE_ROW)
    if (sqlite3_column_text (stmt, 0) != NULL)
      g_hash_table_add (own, g_utf8_casefold ((const char *) sqlite3_column_text (stmt, 0), -1));
  sqlite3_reset (stmt);

  /* LIKE '%prefix%' with its wildcards escaped. LIKE folds the case of ASCII letters only:
   * any other character becomes "_" (one character), and the exact matching happens below. */
  like = g_string_new ("%");
  for (const char *p = trimmed; *p != '\0'; p = g_utf8_next_char (p))
    {
      if ((guchar) *p >= 0x80)
        {
          g_string_append_c (like, '_');
          continue;
        }
      if (*p == '%' || *p == '_' || *p == '\\')
        g_string_append_c (like, '\\');
      g_string_append_c (like, *p);
    }
  g_string_append_c (like, '%');

  stmt = prepare (self,
                  "SELECT from_name, from_addr, to_list, cc_list, date FROM message "
                  "WHERE hidden = 0 AND (from_addr LIKE ?1 ESCAPE '\\' OR from_name LIKE ?1 ESCAPE '\\' "
                  "OR to_list LIKE ?1 ESCAPE '\\' OR cc_list LIKE ?1 ESCAPE '\\') "
                  "ORDER BY date DESC LIMIT ?2",
                  error);
  if (stmt == NULL)
    return NULL;
  bind_text (stmt, 1, like->str);
  sqlite3_bind_int (stmt, 2, COMPLETION_ROWS);

  found = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  in_message = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  c.prefix = folded;
  c.found = found;
  c.in_message = in_message;
  c.own = own;
  c.now = g_get_real_time () / G_USEC_PER_SEC;
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      const char *from_name = (const char *) sqlite3_column_text (stmt, 0);
      const char *from_addr = (const char *) sqlite3_column_text (stmt, 1);

      g_hash_table_remove_all (in_message);
      c.date = sqlite3_column_int64 (stmt, 4);
      if (from_addr != NULL)
        {
          g_autofree char *name = NULL;
          g_autofree char *address = NULL;

          if (split_address (from_addr, &name, &address))
            completion_add (from_name && *from_name ? from_name : name, address, &c);
        }
      each_address ((const char *) sqlite3_column_text (stmt, 2), completion_add, &c);
      each_address ((const char *) sqlite3_column_text (stmt, 3), completion_add, &c);
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      set_sqlite_error (self, rc, "completing addresses", error);
      return NULL;
    }

  {
    GHashTableIter iter;
    gpointer value;

    g_hash_table_iter_init (&iter, found);
    while (g_hash_table_iter_next (&iter, NULL, &value))
      g_ptr_array_add (result, value);
  }
  g_ptr_array_sort (result, compare_addresses);
  if (limit > 0 && result->len > limit)
    g_ptr_array_set_size (result, limit);
  return g_steal_pointer (&result);
}
