/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "tern-store"

#include "config.h"

#include <sqlite3.h>
#include <string.h>

#include "tern-contacts.h"
#include "tern-store-private.h"

/* The address book: collection from sent and read mail, the user's edits, vCards. */

void
tern_contact_free (TernContact *contact)
{
  if (contact == NULL)
    return;
  g_free (contact->name);
  g_free (contact->address);
  g_free (contact);
}

char *
tern_contact_normalize_name (const char *name,
                             const char *address)
{
  g_auto(GStrv) words = NULL;
  g_autoptr(GString) out = g_string_new (NULL);
  g_autofree char *valid = NULL;
  gsize len;

  if (name == NULL)
    return NULL;
  valid = g_utf8_make_valid (name, -1);
  words = g_strsplit_set (valid, " \t\r\n", -1);
  for (guint i = 0; words[i] != NULL; i++)
    if (*words[i] != '\0')
      g_string_append_printf (out, "%s%s", out->len ? " " : "", words[i]);
  /* 'Jane Doe' and "Jane Doe" as some writers leave them. */
  len = out->len;
  if (len >= 2 && ((out->str[0] == '"' && out->str[len - 1] == '"') ||
                   (out->str[0] == '\'' && out->str[len - 1] == '\'')))
    {
      g_string_truncate (out, len - 1);
      g_string_erase (out, 0, 1);
    }
  if (out->len == 0 || (address != NULL && g_ascii_strcasecmp (out->str, address) == 0))
    return NULL;
  return g_string_free (g_steal_pointer (&out), FALSE);
}

static gboolean
valid_address (const char *address)
{
  const char *at;

  if (address == NULL || !g_utf8_validate (address, -1, NULL))
    return FALSE;
  at = strchr (address, '@');
  return at != NULL && at != address && at[1] != '\0' && strchr (at + 1, '@') == NULL &&
         strpbrk (address, " \t\r\n\"<>,;:()[]\\") == NULL;
}

/* The user's own addresses (accounts and identities), casefolded. */
static GHashTable *
own_addresses (TernStore  *self,
               GError    **error)
{
  g_autoptr(GHashTable) own = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  sqlite3_stmt *stmt;
  int rc;

  stmt = _tern_store_prepare (self, "SELECT email FROM account UNION SELECT address FROM identity", error);
  if (stmt == NULL)
    return NULL;
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    if (sqlite3_column_text (stmt, 0) != NULL)
      g_hash_table_add (own, g_utf8_casefold ((const char *) sqlite3_column_text (stmt, 0), -1));
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      _tern_store_fail (self, rc, "reading the user's addresses", error);
      return NULL;
    }
  return g_steal_pointer (&own);
}

static gboolean
is_own (GHashTable *own,
        const char *address)
{
  g_autofree char *folded = g_utf8_casefold (address, -1);

  return g_hash_table_contains (own, folded);
}

/* Marks a message counted; FALSE in *fresh_out if it was before. */
static gboolean
count_once (TernStore   *self,
            const char  *key,
            gboolean    *fresh_out,
            GError     **error)
{
  sqlite3_stmt *stmt = _tern_store_prepare (self, "INSERT OR IGNORE INTO contact_counted (key) VALUES (?1)", error);

  if (stmt == NULL)
    return FALSE;
  _tern_store_bind_text (stmt, 1, key);
  if (!_tern_store_step_done (self, stmt, "counting a message for the address book", error))
    return FALSE;
  *fresh_out = sqlite3_changes (_tern_store_get_db (self)) > 0;
  return TRUE;
}

/* One more message sent to (sent) or read from (!sent) an address. */
static gboolean
bump (TernStore   *self,
      const char  *name,
      const char  *address,
      gboolean     sent,
      gint64       date,
      GError     **error)
{
  g_autofree char *clean = tern_contact_normalize_name (name, address);
  sqlite3_stmt *stmt;

  stmt = _tern_store_prepare (self,
                              "INSERT INTO contact (address, name, sent, received, last_used) "
                              "VALUES (?1, ?2, ?3, 1 - ?3, ?4) "
                              "ON CONFLICT (address) DO UPDATE SET "
                              "name = CASE WHEN name_set = 0 AND ?2 IS NOT NULL THEN ?2 ELSE name END, "
                              "sent = sent + ?3, received = received + 1 - ?3, "
                              "last_used = max (last_used, ?4), "
                              "hidden = CASE WHEN ?3 = 1 THEN 0 ELSE hidden END",
                              error);
  if (stmt == NULL)
    return FALSE;
  _tern_store_bind_text (stmt, 1, address);
  _tern_store_bind_text (stmt, 2, clean);
  sqlite3_bind_int (stmt, 3, sent ? 1 : 0);
  sqlite3_bind_int64 (stmt, 4, date);
  return _tern_store_step_done (self, stmt, "updating the address book", error);
}

/* Runs func in a transaction, or in the caller's. */
static gboolean
in_transaction (TernStore   *self,
                gboolean   (*func) (TernStore *self, gpointer data, GError **error),
                gpointer     data,
                GError     **error)
{
  if (_tern_store_in_transaction (self))
    return func (self, data, error);
  if (!tern_store_begin (self, error))
    return FALSE;
  if (!func (self, data, error))
    {
      tern_store_rollback (self);
      return FALSE;
    }
  return tern_store_commit (self, error);
}

typedef struct
{
  const char         *message_id;
  const char * const *names;
  const char * const *addresses;
  gint64              date;
} Sent;

static gboolean
note_sent (TernStore *self,
           gpointer   data,
           GError   **error)
{
  Sent *s = data;
  g_autoptr(GHashTable) own = own_addresses (self, error);

  if (own == NULL)
    return FALSE;
  if (s->message_id != NULL)
    {
      g_autofree char *key = g_strconcat ("s:", s->message_id, NULL);
      gboolean fresh = FALSE;

      if (!count_once (self, key, &fresh, error))
        return FALSE;
      if (!fresh)
        return TRUE;
    }
  for (guint i = 0; s->addresses[i] != NULL; i++)
    {
      const char *name = s->names != NULL ? s->names[i] : NULL;

      if (!valid_address (s->addresses[i]) || is_own (own, s->addresses[i]))
        continue;
      if (!bump (self, name, s->addresses[i], TRUE, s->date, error))
        return FALSE;
    }
  return TRUE;
}

gboolean
tern_store_note_sent (TernStore          *self,
                      const char         *message_id,
                      const char * const *names,
                      const char * const *addresses,
                      gint64              date,
                      GError            **error)
{
  Sent s = { message_id, names, addresses, date };

  g_return_val_if_fail (self != NULL && addresses != NULL, FALSE);

  return in_transaction (self, note_sent, &s, error);
}

/* Addresses that send mail no person wrote. */
static gboolean
automated (const char *address)
{
  static const char * const locals[] = {
    "noreply", "no-reply", "no_reply", "donotreply", "do-not-reply", "do_not_reply",
    "mailer-daemon", "postmaster", "notifications", "notification", "notify", "bounce",
    "bounces", "newsletter", "news", "info", "alerts", "auto-confirm", "calendar-notification",
  };
  const char *at = strchr (address, '@');
  g_autofree char *local = g_ascii_strdown (address, at ? at - address : -1);

  if (g_str_has_prefix (local, "bounce") || g_str_has_prefix (local, "noreply") ||
      g_str_has_prefix (local, "no-reply") || strstr (local, "+bounce") != NULL)
    return TRUE;
  for (guint i = 0; i < G_N_ELEMENTS (locals); i++)
    if (g_str_equal (local, locals[i]))
      return TRUE;
  return FALSE;
}

typedef struct
{
  GHashTable *own;
  gboolean    found;
} Addressed;

static void
addressed_cb (const char *name,
              const char *address,
              gpointer    data)
{
  Addressed *a = data;

  if (is_own (a->own, address))
    a->found = TRUE;
}

typedef struct
{
  gint64    id;
  gboolean  collected;
} Read;

static gboolean
note_read (TernStore *self,
           gpointer   data,
           GError   **error)
{
  Read *r = data;
  g_autoptr(GHashTable) own = NULL;
  g_autofree char *from_name = NULL;
  g_autofree char *from_addr = NULL;
  g_autofree char *flags = NULL;
  g_autofree char *to_list = NULL;
  g_autofree char *cc_list = NULL;
  g_autofree char *msgid = NULL;
  g_autofree char *name = NULL;
  g_autofree char *address = NULL;
  g_autofree char *key = NULL;
  Addressed addressed = { 0 };
  gint64 date;
  gboolean junk_folder, hidden, fresh = FALSE;
  sqlite3_stmt *stmt;
  int rc;

  stmt = _tern_store_prepare (self,
                              "SELECT m.from_name, m.from_addr, m.flags, m.to_list, m.cc_list, m.message_id, "
                              "m.date, f.special_use IN ('\\Junk', '\\Trash') "
                              "OR lower (f.name) IN ('junk', 'spam', 'trash', 'inbox/junk', 'inbox.junk', 'inbox.spam') "
                              "FROM message m JOIN folder f ON f.id = coalesce (m.local_folder, m.folder_id) "
                              "WHERE m.id = ?1",
                              error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, r->id);
  rc = sqlite3_step (stmt);
  if (rc != SQLITE_ROW)
    {
      sqlite3_reset (stmt);
      if (rc == SQLITE_DONE)
        {
          g_set_error (error, TERN_STORE_ERROR, TERN_STORE_ERROR_NOT_FOUND, "No message %" G_GINT64_FORMAT, r->id);
          return FALSE;
        }
      return _tern_store_fail (self, rc, "reading a message for the address book", error);
    }
  from_name = _tern_store_dup_column (stmt, 0);
  from_addr = _tern_store_dup_column (stmt, 1);
  flags = _tern_store_dup_column (stmt, 2);
  to_list = _tern_store_dup_column (stmt, 3);
  cc_list = _tern_store_dup_column (stmt, 4);
  msgid = _tern_store_dup_column (stmt, 5);
  date = sqlite3_column_int64 (stmt, 6);
  junk_folder = sqlite3_column_int (stmt, 7) != 0;
  sqlite3_reset (stmt);

  if (junk_folder || tern_flags_contain (flags, "$Junk") || tern_flags_contain (flags, "Junk"))
    return TRUE;
  if (from_addr == NULL || !_tern_store_split_address (from_addr, &name, &address))
    return TRUE;
  own = own_addresses (self, error);
  if (own == NULL)
    return FALSE;
  if (is_own (own, address) || automated (address))
    return TRUE;
  /* Written to the user, not to a list or to Bcc: the user is named in To or Cc. */
  addressed.own = own;
  _tern_store_each_address (to_list, addressed_cb, &addressed);
  _tern_store_each_address (cc_list, addressed_cb, &addressed);
  if (!addressed.found)
    return TRUE;

  stmt = _tern_store_prepare (self, "SELECT hidden FROM contact WHERE address = ?1", error);
  if (stmt == NULL)
    return FALSE;
  _tern_store_bind_text (stmt, 1, address);
  hidden = _tern_store_step_int64 (stmt, 0) != 0;
  if (hidden)
    return TRUE;

  key = msgid != NULL ? g_strconcat ("r:", msgid, NULL) : g_strdup_printf ("r#%" G_GINT64_FORMAT, r->id);
  if (!count_once (self, key, &fresh, error))
    return FALSE;
  if (!fresh)
    return TRUE;
  if (!bump (self, from_name != NULL && *from_name != '\0' ? from_name : name, address, FALSE, date, error))
    return FALSE;
  r->collected = TRUE;
  return TRUE;
}

gboolean
tern_store_note_read (TernStore  *self,
                      gint64      message_id,
                      gboolean   *collected_out,
                      GError    **error)
{
  Read r = { message_id, FALSE };

  g_return_val_if_fail (self != NULL, FALSE);

  if (!in_transaction (self, note_read, &r, error))
    return FALSE;
  if (collected_out != NULL)
    *collected_out = r.collected;
  return TRUE;
}

/* The scan of the Sent folders. */

typedef struct
{
  gint64  id;
  gint64  folder_id;
  gint64  date;
  char   *message_id;
  char   *lists[3];
} SentRow;

static void
sent_row_free (gpointer data)
{
  SentRow *row = data;

  g_free (row->message_id);
  for (guint i = 0; i < G_N_ELEMENTS (row->lists); i++)
    g_free (row->lists[i]);
  g_free (row);
}

static gpointer
sent_row_from_stmt (sqlite3_stmt *stmt)
{
  SentRow *row = g_new0 (SentRow, 1);

  row->id = sqlite3_column_int64 (stmt, 0);
  row->folder_id = sqlite3_column_int64 (stmt, 1);
  row->date = sqlite3_column_int64 (stmt, 2);
  row->message_id = _tern_store_dup_column (stmt, 3);
  for (guint i = 0; i < G_N_ELEMENTS (row->lists); i++)
    row->lists[i] = _tern_store_dup_column (stmt, 4 + i);
  return row;
}

typedef struct
{
  GPtrArray *names;
  GPtrArray *addresses;
} People;

static void
people_cb (const char *name,
           const char *address,
           gpointer    data)
{
  People *p = data;

  g_ptr_array_add (p->names, g_strdup (name));
  g_ptr_array_add (p->addresses, g_strdup (address));
}

typedef struct
{
  guint limit;
} Scan;

static gboolean
scan_sent (TernStore *self,
           gpointer   data,
           GError   **error)
{
  Scan *scan = data;
  g_autoptr(GPtrArray) rows = NULL;
  sqlite3_stmt *stmt;

  stmt = _tern_store_prepare (self,
                              "SELECT m.id, m.folder_id, m.date, m.message_id, m.to_list, m.cc_list, m.bcc_list "
                              "FROM message m JOIN folder f ON f.id = m.folder_id "
                              "LEFT JOIN contact_scan s ON s.folder_id = f.id "
                              "WHERE f.special_use = '\\Sent' AND m.id > coalesce (s.last_id, 0) "
                              "ORDER BY m.id LIMIT ?1",
                              error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int (stmt, 1, (int) MIN (scan->limit, G_MAXINT));
  rows = _tern_store_collect (self, stmt, sent_row_from_stmt, sent_row_free, "reading the Sent folders", error);
  if (rows == NULL)
    return FALSE;

  for (guint i = 0; i < rows->len; i++)
    {
      SentRow *row = rows->pdata[i];
      g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
      g_autoptr(GPtrArray) addresses = g_ptr_array_new_with_free_func (g_free);
      People people = { names, addresses };
      Sent s;

      for (guint j = 0; j < G_N_ELEMENTS (row->lists); j++)
        _tern_store_each_address (row->lists[j], people_cb, &people);
      g_ptr_array_add (names, NULL);
      g_ptr_array_add (addresses, NULL);
      s = (Sent) { row->message_id, (const char * const *) names->pdata,
                   (const char * const *) addresses->pdata, row->date };
      if (!note_sent (self, &s, error))
        return FALSE;

      stmt = _tern_store_prepare (self,
                                  "INSERT INTO contact_scan (folder_id, last_id) VALUES (?1, ?2) "
                                  "ON CONFLICT (folder_id) DO UPDATE SET last_id = max (last_id, ?2)",
                                  error);
      if (stmt == NULL)
        return FALSE;
      sqlite3_bind_int64 (stmt, 1, row->folder_id);
      sqlite3_bind_int64 (stmt, 2, row->id);
      if (!_tern_store_step_done (self, stmt, "recording the Sent folder scan", error))
        return FALSE;
    }
  return TRUE;
}

gboolean
tern_store_scan_sent (TernStore  *self,
                      guint       limit,
                      guint      *remaining_out,
                      GError    **error)
{
  Scan scan = { limit > 0 ? limit : 500 };
  sqlite3_stmt *stmt;

  g_return_val_if_fail (self != NULL, FALSE);

  if (!in_transaction (self, scan_sent, &scan, error))
    return FALSE;
  if (remaining_out != NULL)
    {
      stmt = _tern_store_prepare (self,
                                  "SELECT count (*) FROM message m JOIN folder f ON f.id = m.folder_id "
                                  "LEFT JOIN contact_scan s ON s.folder_id = f.id "
                                  "WHERE f.special_use = '\\Sent' AND m.id > coalesce (s.last_id, 0)",
                                  error);
      if (stmt == NULL)
        return FALSE;
      *remaining_out = (guint) _tern_store_step_int64 (stmt, 0);
    }
  return TRUE;
}

/* The address book. */

#define CONTACT_COLUMNS "id, name, address, sent, received, last_used, added"

static gpointer
contact_from_stmt (sqlite3_stmt *stmt)
{
  TernContact *c = g_new0 (TernContact, 1);

  c->id = sqlite3_column_int64 (stmt, 0);
  c->name = _tern_store_dup_column (stmt, 1);
  c->address = _tern_store_dup_column (stmt, 2);
  c->sent = (guint) sqlite3_column_int64 (stmt, 3);
  c->received = (guint) sqlite3_column_int64 (stmt, 4);
  c->last_used = sqlite3_column_int64 (stmt, 5);
  c->added = sqlite3_column_int (stmt, 6) != 0;
  return c;
}

/* The address, or a word of the name, starts with the (casefolded) query. */
static gboolean
contact_matches (const TernContact *c,
                 const char        *query)
{
  g_autofree char *address = g_utf8_casefold (c->address, -1);
  g_autofree char *name = NULL;

  if (g_str_has_prefix (address, query))
    return TRUE;
  if (c->name == NULL)
    return FALSE;
  name = g_utf8_casefold (c->name, -1);
  if (g_str_has_prefix (name, query))
    return TRUE;
  for (const char *p = name; *p != '\0'; p = g_utf8_next_char (p))
    if (!g_unichar_isalnum (g_utf8_get_char (p)) && g_str_has_prefix (g_utf8_next_char (p), query))
      return TRUE;
  return FALSE;
}

static int
compare_rank (gconstpointer pa,
              gconstpointer pb)
{
  const TernContact *a = *(TernContact * const *) pa;
  const TernContact *b = *(TernContact * const *) pb;

  if (a->score != b->score)
    return a->score > b->score ? -1 : 1;
  return g_ascii_strcasecmp (a->address, b->address);
}

static int
compare_name (gconstpointer pa,
              gconstpointer pb)
{
  const TernContact *a = *(TernContact * const *) pa;
  const TernContact *b = *(TernContact * const *) pb;
  g_autofree char *ka = g_utf8_collate_key (a->name ? a->name : a->address, -1);
  g_autofree char *kb = g_utf8_collate_key (b->name ? b->name : b->address, -1);
  int cmp = strcmp (ka, kb);

  return cmp != 0 ? cmp : g_ascii_strcasecmp (a->address, b->address);
}

GPtrArray *
tern_store_list_contacts (TernStore   *self,
                          const char  *query,
                          gboolean     by_rank,
                          guint        limit,
                          GError     **error)
{
  g_autoptr(GPtrArray) all = NULL;
  g_autoptr(GPtrArray) result = g_ptr_array_new_with_free_func ((GDestroyNotify) tern_contact_free);
  g_autofree char *trimmed = g_strstrip (g_strdup (query ? query : ""));
  g_autofree char *folded = g_utf8_validate (trimmed, -1, NULL) ? g_utf8_casefold (trimmed, -1) : NULL;
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;
  sqlite3_stmt *stmt;

  g_return_val_if_fail (self != NULL, NULL);

  if (folded == NULL)
    return g_steal_pointer (&result);
  stmt = _tern_store_prepare (self, "SELECT " CONTACT_COLUMNS " FROM contact WHERE hidden = 0", error);
  if (stmt == NULL)
    return NULL;
  /* An address book is thousands of rows at most: matching in C folds every script's case. */
  all = _tern_store_collect (self, stmt, contact_from_stmt, (GDestroyNotify) tern_contact_free,
                             "listing contacts", error);
  if (all == NULL)
    return NULL;
  for (guint i = 0; i < all->len; i++)
    {
      TernContact *c = all->pdata[i];
      double age_days;

      if (*folded != '\0' && !contact_matches (c, folded))
        continue;
      /* Writing to someone says more than reading them; a month-old use counts half. */
      age_days = c->last_used > 0 ? MAX (0, (double) (now - c->last_used) / 86400.0) : 365.0;
      c->score = (3.0 * c->sent + c->received + (c->added ? 1.0 : 0.0)) / (1.0 + age_days / 30.0);
      g_ptr_array_add (result, g_ptr_array_steal_index_fast (all, i));
      i--;
    }
  g_ptr_array_sort (result, by_rank ? compare_rank : compare_name);
  if (limit > 0 && result->len > limit)
    g_ptr_array_set_size (result, limit);
  return g_steal_pointer (&result);
}

TernContact *
tern_store_get_contact (TernStore  *self,
                        gint64      id,
                        GError    **error)
{
  g_autoptr(GPtrArray) rows = NULL;
  sqlite3_stmt *stmt;

  g_return_val_if_fail (self != NULL, NULL);

  stmt = _tern_store_prepare (self, "SELECT " CONTACT_COLUMNS " FROM contact WHERE id = ?1 AND hidden = 0", error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, id);
  rows = _tern_store_collect (self, stmt, contact_from_stmt, (GDestroyNotify) tern_contact_free,
                              "reading a contact", error);
  if (rows == NULL)
    return NULL;
  if (rows->len == 0)
    {
      g_set_error (error, TERN_STORE_ERROR, TERN_STORE_ERROR_NOT_FOUND, "No contact %" G_GINT64_FORMAT, id);
      return NULL;
    }
  return g_ptr_array_steal_index (rows, 0);
}

/* Adds or brings back an address the user gives (with its name, if any). *state_out: 0 added,
 * 1 brought back or renamed, 2 there already as it is. */
static gint64
put_contact (TernStore   *self,
             const char  *name,
             const char  *address,
             int         *state_out,
             GError     **error)
{
  g_autofree char *clean = tern_contact_normalize_name (name, address);
  g_autofree char *old_name = NULL;
  sqlite3_stmt *stmt;
  gint64 id;
  gboolean hidden;

  stmt = _tern_store_prepare (self, "SELECT id, hidden, name FROM contact WHERE address = ?1", error);
  if (stmt == NULL)
    return 0;
  _tern_store_bind_text (stmt, 1, address);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    {
      id = sqlite3_column_int64 (stmt, 0);
      hidden = sqlite3_column_int (stmt, 1) != 0;
      old_name = _tern_store_dup_column (stmt, 2);
      sqlite3_reset (stmt);
      *state_out = hidden || (clean != NULL && g_strcmp0 (clean, old_name) != 0) ? 1 : 2;
      stmt = _tern_store_prepare (self,
                                  "UPDATE contact SET hidden = 0, added = 1, "
                                  "name = coalesce (?2, name), name_set = name_set OR ?2 IS NOT NULL "
                                  "WHERE id = ?1",
                                  error);
      if (stmt == NULL)
        return 0;
      sqlite3_bind_int64 (stmt, 1, id);
      _tern_store_bind_text (stmt, 2, clean);
      return _tern_store_step_done (self, stmt, "updating a contact", error) ? id : 0;
    }
  sqlite3_reset (stmt);
  *state_out = 0;
  stmt = _tern_store_prepare (self,
                              "INSERT INTO contact (address, name, name_set, added) VALUES (?1, ?2, ?2 IS NOT NULL, 1)",
                              error);
  if (stmt == NULL)
    return 0;
  _tern_store_bind_text (stmt, 1, address);
  _tern_store_bind_text (stmt, 2, clean);
  if (!_tern_store_step_done (self, stmt, "adding a contact", error))
    return 0;
  return sqlite3_last_insert_rowid (_tern_store_get_db (self));
}

gint64
tern_store_add_contact (TernStore   *self,
                        const char  *name,
                        const char  *address,
                        GError     **error)
{
  g_autofree char *trimmed = g_strstrip (g_strdup (address ? address : ""));
  sqlite3_stmt *stmt;
  int state = 0;

  g_return_val_if_fail (self != NULL, 0);

  if (!valid_address (trimmed))
    {
      g_set_error (error, TERN_STORE_ERROR, TERN_STORE_ERROR_INVALID,
                   "“%s” is not an email address", trimmed);
      return 0;
    }
  stmt = _tern_store_prepare (self, "SELECT count (*) FROM contact WHERE address = ?1 AND hidden = 0", error);
  if (stmt == NULL)
    return 0;
  _tern_store_bind_text (stmt, 1, trimmed);
  if (_tern_store_step_int64 (stmt, 0) > 0)
    {
      g_set_error (error, TERN_STORE_ERROR, TERN_STORE_ERROR_EXISTS,
                   "%s is in the address book already", trimmed);
      return 0;
    }
  return put_contact (self, name, trimmed, &state, error);
}

gboolean
tern_store_set_contact_name (TernStore   *self,
                             gint64       id,
                             const char  *name,
                             GError     **error)
{
  g_autoptr(TernContact) contact = NULL;
  g_autofree char *clean = NULL;
  sqlite3_stmt *stmt;

  g_return_val_if_fail (self != NULL, FALSE);

  contact = tern_store_get_contact (self, id, error);
  if (contact == NULL)
    return FALSE;
  clean = tern_contact_normalize_name (name, contact->address);
  stmt = _tern_store_prepare (self, "UPDATE contact SET name = ?2, name_set = 1 WHERE id = ?1", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, id);
  _tern_store_bind_text (stmt, 2, clean);
  return _tern_store_step_done (self, stmt, "renaming a contact", error);
}

gboolean
tern_store_delete_contact (TernStore   *self,
                           gint64       id,
                           GError     **error)
{
  sqlite3_stmt *stmt;

  g_return_val_if_fail (self != NULL, FALSE);

  /* The row stays, hidden: reading mail from the address does not bring it back. */
  stmt = _tern_store_prepare (self, "UPDATE contact SET hidden = 1, added = 0 WHERE id = ?1", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, id);
  if (!_tern_store_step_done (self, stmt, "deleting a contact", error))
    return FALSE;
  if (sqlite3_changes (_tern_store_get_db (self)) == 0)
    {
      g_set_error (error, TERN_STORE_ERROR, TERN_STORE_ERROR_NOT_FOUND, "No contact %" G_GINT64_FORMAT, id);
      return FALSE;
    }
  return TRUE;
}

/* vCards. */

typedef struct
{
  GPtrArray *cards;
  guint      added;
  guint      updated;
} Import;

static gboolean
import_cards (TernStore *self,
              gpointer   data,
              GError   **error)
{
  Import *import = data;

  for (guint i = 0; i < import->cards->len; i++)
    {
      TernVCard *card = import->cards->pdata[i];

      for (guint j = 0; card->emails != NULL && card->emails[j] != NULL; j++)
        {
          int state = 0;

          if (!valid_address (card->emails[j]))
            continue;
          if (put_contact (self, card->name, card->emails[j], &state, error) == 0)
            return FALSE;
          if (state == 0)
            import->added++;
          else if (state == 1)
            import->updated++;
        }
    }
  return TRUE;
}

gboolean
tern_store_import_vcards (TernStore   *self,
                          GPtrArray   *cards,
                          guint       *added_out,
                          guint       *updated_out,
                          GError     **error)
{
  Import import = { cards, 0, 0 };

  g_return_val_if_fail (self != NULL && cards != NULL, FALSE);

  if (!in_transaction (self, import_cards, &import, error))
    return FALSE;
  if (added_out != NULL)
    *added_out = import.added;
  if (updated_out != NULL)
    *updated_out = import.updated;
  return TRUE;
}

char *
tern_store_export_vcards (TernStore   *self,
                          guint       *count_out,
                          GError     **error)
{
  g_autoptr(GPtrArray) contacts = tern_store_list_contacts (self, NULL, FALSE, 0, error);
  g_autoptr(GString) out = g_string_new (NULL);

  if (contacts == NULL)
    return NULL;
  for (guint i = 0; i < contacts->len; i++)
    {
      TernContact *c = contacts->pdata[i];
      const char *emails[] = { c->address, NULL };
      g_autofree char *card = tern_vcard_write (c->name, emails);

      g_string_append (out, card);
    }
  if (count_out != NULL)
    *count_out = contacts->len;
  return g_string_free (g_steal_pointer (&out), FALSE);
}
