/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "tern-store"

#include "config.h"

#include <glib/gstdio.h>
#include <sqlite3.h>
#include <string.h>

#include "tern-contacts.h"
#include "tern-store-private.h"

/* Address completion from the people in the cache. */

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
gboolean
_tern_store_split_address (const char  *text,
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
void
_tern_store_each_address (const char *list,
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

              if (_tern_store_split_address (pending->str, &name, &address))
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

/* key (casefolded, consumed): an address the message scan must not return. */
static void
mark_taken (GHashTable *found,
            char       *key)
{
  TernAddress *a = g_hash_table_lookup (found, key);

  if (a != NULL)
    {
      a->count = 0;
      g_free (key);
      return;
    }
  a = g_new0 (TernAddress, 1);
  a->address = g_strdup (key);
  g_hash_table_insert (found, key, a);
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

/* Appends the matching contacts, best first, and marks the addresses of the contact table
 * (deleted ones too) in `found` as taken: count 0 there means "leave out". */
static gboolean
add_contacts (TernStore   *self,
              const char  *prefix,
              GHashTable  *own,
              GHashTable  *found,
              GPtrArray   *result,
              GError     **error)
{
  g_autoptr(GPtrArray) contacts = tern_store_list_contacts (self, prefix, TRUE, 0, error);
  sqlite3_stmt *stmt;

  if (contacts == NULL)
    return FALSE;
  for (guint i = 0; i < contacts->len; i++)
    {
      const TernContact *c = contacts->pdata[i];
      g_autofree char *key = g_utf8_casefold (c->address, -1);
      TernAddress *a;

      if (g_hash_table_contains (own, key))
        continue;
      a = g_new0 (TernAddress, 1);
      a->name = g_strdup (c->name);
      a->address = g_strdup (c->address);
      a->count = c->sent + c->received;
      a->last_seen = c->last_used;
      a->score = c->score;
      g_ptr_array_add (result, a);
      mark_taken (found, g_steal_pointer (&key));
    }
  stmt = _tern_store_prepare (self, "SELECT address FROM contact WHERE hidden = 1", error);
  if (stmt == NULL)
    return FALSE;
  while (sqlite3_step (stmt) == SQLITE_ROW)
    mark_taken (found, g_utf8_casefold ((const char *) sqlite3_column_text (stmt, 0), -1));
  sqlite3_reset (stmt);
  return TRUE;
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
  stmt = _tern_store_prepare (self, "SELECT email FROM account", error);
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

  stmt = _tern_store_prepare (self,
                              "SELECT from_name, from_addr, to_list, cc_list, date FROM message "
                              "WHERE hidden = 0 AND (from_addr LIKE ?1 ESCAPE '\\' OR from_name LIKE ?1 ESCAPE '\\' "
                              "OR to_list LIKE ?1 ESCAPE '\\' OR cc_list LIKE ?1 ESCAPE '\\') "
                              "ORDER BY date DESC LIMIT ?2",
                              error);
  if (stmt == NULL)
    return NULL;
  _tern_store_bind_text (stmt, 1, like->str);
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

          if (_tern_store_split_address (from_addr, &name, &address))
            completion_add (from_name && *from_name ? from_name : name, address, &c);
        }
      _tern_store_each_address ((const char *) sqlite3_column_text (stmt, 2), completion_add, &c);
      _tern_store_each_address ((const char *) sqlite3_column_text (stmt, 3), completion_add, &c);
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      _tern_store_fail (self, rc, "completing addresses", error);
      return NULL;
    }

  /* The address book first (the people the user writes to, those the user added), then
   * the rest of the cache; not the addresses the user deleted from the address book. */
  {
    g_autoptr(GPtrArray) seen = g_ptr_array_new_with_free_func ((GDestroyNotify) tern_address_free);
    GHashTableIter iter;
    gpointer value;
    gboolean ok = add_contacts (self, trimmed, own, found, result, error);

    g_hash_table_iter_init (&iter, found);
    while (g_hash_table_iter_next (&iter, NULL, &value))
      g_ptr_array_add (seen, value);
    if (!ok)
      return NULL;
    g_ptr_array_sort (seen, compare_addresses);
    for (guint i = 0; i < seen->len; i++)
      {
        TernAddress *a = seen->pdata[i];

        if (a->count > 0)
          g_ptr_array_add (result, g_steal_pointer (&seen->pdata[i]));
      }
  }
  if (limit > 0 && result->len > limit)
    g_ptr_array_set_size (result, limit);
  return g_steal_pointer (&result);
}
