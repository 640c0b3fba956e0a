/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "tern-imap-connection"

#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "tern-imap-connection-private.h"

/* The command API, continued (tern-imap-commands.c): the messages of the selected mailbox. */

/* Searching */

static GArray *
uid_search (TernImapConnection          *self,
            const char                  *charset,
            struct mailimap_search_key  *key,
            GError                     **error)
{
  clist *result = NULL;
  GArray *uids;
  int r;

  r = mailimap_uid_search (self->session, charset, key, &result);
  mailimap_search_key_free (key);
  if (!tern_imap_connection_check (self, r, "UID SEARCH", error))
    return NULL;
  uids = g_array_new (FALSE, FALSE, sizeof (guint32));
  for (clistiter *it = clist_begin (result); it != NULL; it = clist_next (it))
    g_array_append_val (uids, *(uint32_t *) clist_content (it));
  mailimap_search_result_free (result);
  return uids;
}

GArray *
tern_imap_connection_uid_search_range (TernImapConnection  *self,
                                       guint32              first,
                                       guint32              last,
                                       GError             **error)
{
  g_return_val_if_fail (self != NULL && self->session != NULL, NULL);

  /* ESEARCH: the answer is a set of runs, not every UID spelled out. */
  if (tern_imap_connection_has_capability (self, "ESEARCH"))
    {
      g_autofree char *criteria = last != 0 ? g_strdup_printf ("UID %u:%u", first, last)
                                            : g_strdup_printf ("UID %u:*", first);

      return _tern_imap_uid_esearch (self, criteria, error);
    }
  return uid_search (self, NULL, mailimap_search_key_new_uid (mailimap_set_new_interval (first, last)),
                     error);
}

GArray *
tern_imap_connection_uid_search_header (TernImapConnection  *self,
                                        const char          *name,
                                        const char          *value,
                                        GError             **error)
{
  g_return_val_if_fail (self != NULL && self->session != NULL, NULL);
  g_return_val_if_fail (name != NULL && value != NULL, NULL);

  return uid_search (self, NULL, mailimap_search_key_new_header (strdup (name), strdup (value)), error);
}

GArray *
tern_imap_connection_uid_search_text (TernImapConnection  *self,
                                      const char * const  *words,
                                      GError             **error)
{
  struct mailimap_search_key *key;

  g_return_val_if_fail (self != NULL && self->session != NULL, NULL);
  g_return_val_if_fail (words != NULL, NULL);

  key = mailimap_search_key_new_multiple_empty ();
  for (guint w = 0; words[w] != NULL; w++)
    if (*words[w] != '\0')
      mailimap_search_key_multiple_add (key, mailimap_search_key_new_text (strdup (words[w])));
  return uid_search (self, "UTF-8", key, error);
}

GArray *
tern_imap_connection_uid_search_deleted (TernImapConnection  *self,
                                         GError             **error)
{
  struct mailimap_response_info *info;
  GArray *uids;

  g_return_val_if_fail (self != NULL && self->session != NULL, NULL);

  if (!tern_imap_connection_raw_command (self, "UID SEARCH DELETED", error))
    return NULL;
  uids = g_array_new (FALSE, FALSE, sizeof (guint32));
  info = self->session->imap_response_info;
  for (clistiter *it = info ? clist_begin (info->rsp_search_result) : NULL; it != NULL; it = clist_next (it))
    g_array_append_val (uids, *(uint32_t *) clist_content (it));
  return uids;
}

/* Fetching */

static struct mailimap_fetch_type *
fetch_type_new (TernImapFetchAttrs attrs)
{
  struct mailimap_fetch_type *ft = mailimap_fetch_type_new_fetch_att_list_empty ();

  if (attrs & TERN_IMAP_FETCH_UID)
    mailimap_fetch_type_new_fetch_att_list_add (ft, mailimap_fetch_att_new_uid ());
  if (attrs & TERN_IMAP_FETCH_FLAGS)
    mailimap_fetch_type_new_fetch_att_list_add (ft, mailimap_fetch_att_new_flags ());
  if (attrs & TERN_IMAP_FETCH_INTERNALDATE)
    mailimap_fetch_type_new_fetch_att_list_add (ft, mailimap_fetch_att_new_internaldate ());
  if (attrs & TERN_IMAP_FETCH_SIZE)
    mailimap_fetch_type_new_fetch_att_list_add (ft, mailimap_fetch_att_new_rfc822_size ());
  if (attrs & TERN_IMAP_FETCH_ENVELOPE)
    mailimap_fetch_type_new_fetch_att_list_add (ft, mailimap_fetch_att_new_envelope ());
  if (attrs & TERN_IMAP_FETCH_BODYSTRUCTURE)
    mailimap_fetch_type_new_fetch_att_list_add (ft, mailimap_fetch_att_new_bodystructure ());
  if (attrs & TERN_IMAP_FETCH_REFERENCES)
    {
      clist *headers = clist_new ();

      clist_append (headers, strdup ("References"));
      mailimap_fetch_type_new_fetch_att_list_add (
        ft, mailimap_fetch_att_new_body_peek_section (
              mailimap_section_new_header_fields (mailimap_header_list_new (headers))));
    }
  if (attrs & TERN_IMAP_FETCH_MODSEQ)
    mailimap_fetch_type_new_fetch_att_list_add (ft, mailimap_fetch_att_new_modseq ());
  return ft;
}

/* The same items as text, for commands sent raw. */
static char *
fetch_items_text (TernImapFetchAttrs attrs)
{
  static const struct { TernImapFetchAttrs attr; const char *text; } items[] = {
    { TERN_IMAP_FETCH_UID, "UID" },
    { TERN_IMAP_FETCH_FLAGS, "FLAGS" },
    { TERN_IMAP_FETCH_INTERNALDATE, "INTERNALDATE" },
    { TERN_IMAP_FETCH_SIZE, "RFC822.SIZE" },
    { TERN_IMAP_FETCH_ENVELOPE, "ENVELOPE" },
    { TERN_IMAP_FETCH_BODYSTRUCTURE, "BODYSTRUCTURE" },
    { TERN_IMAP_FETCH_REFERENCES, "BODY.PEEK[HEADER.FIELDS (References)]" },
    { TERN_IMAP_FETCH_MODSEQ, "MODSEQ" },
  };
  GString *out = g_string_new (NULL);

  for (guint i = 0; i < G_N_ELEMENTS (items); i++)
    if (attrs & items[i].attr)
      g_string_append_printf (out, "%s%s", out->len > 0 ? " " : "", items[i].text);
  return g_string_free (out, FALSE);
}

gboolean
tern_imap_connection_uid_fetch (TernImapConnection  *self,
                                guint32              first,
                                guint32              last,
                                TernImapFetchAttrs   attrs,
                                GError             **error)
{
  struct mailimap_set *set;
  struct mailimap_fetch_type *ft;
  clist *result = NULL;
  int r;

  g_return_val_if_fail (self != NULL && self->session != NULL, FALSE);

  set = mailimap_set_new_interval (first, last);
  ft = fetch_type_new (attrs);
  r = mailimap_uid_fetch (self->session, set, ft, &result);
  mailimap_set_free (set);
  mailimap_fetch_type_free (ft);
  /* The fetch function consumed the responses; anything left is freed here. */
  if (result != NULL)
    mailimap_fetch_list_free (result);

  if (r == MAILIMAP_ERROR_FETCH && clist_count (self->session->imap_response_info->rsp_fetch_list) == 0)
    r = MAILIMAP_NO_ERROR; /* an empty result is not an error */
  return tern_imap_connection_check (self, r, "UID FETCH", error);
}

gboolean
tern_imap_connection_uid_fetch_changedsince (TernImapConnection  *self,
                                             guint32              first,
                                             guint32              last,
                                             TernImapFetchAttrs   attrs,
                                             guint64              modseq,
                                             GError             **error)
{
  struct mailimap_set *set;
  struct mailimap_fetch_type *ft;
  clist *result = NULL;
  int r;

  g_return_val_if_fail (self != NULL && self->session != NULL, FALSE);

  set = mailimap_set_new_interval (first, last);
  ft = fetch_type_new (attrs);
  r = mailimap_uid_fetch_changedsince (self->session, set, ft, modseq, &result);
  mailimap_set_free (set);
  mailimap_fetch_type_free (ft);
  if (result != NULL)
    mailimap_fetch_list_free (result);
  if (r == MAILIMAP_ERROR_FETCH)
    r = MAILIMAP_NO_ERROR;
  return tern_imap_connection_check (self, r, "UID FETCH CHANGEDSINCE", error);
}

char *
tern_imap_uid_fetch_new_command (guint32             from_uid,
                                 TernImapFetchAttrs  attrs,
                                 guint64             changedsince)
{
  g_autofree char *items = fetch_items_text (attrs);

  return g_strdup_printf ("UID FETCH %u:* (%s) (CHANGEDSINCE %" G_GUINT64_FORMAT ")",
                          MAX (from_uid, 1), items, changedsince);
}

gboolean
tern_imap_connection_uid_fetch_set (TernImapConnection  *self,
                                    const char          *uid_set,
                                    TernImapFetchAttrs   attrs,
                                    GError             **error)
{
  g_autofree char *items = NULL;
  g_autofree char *command = NULL;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (uid_set != NULL, FALSE);

  items = fetch_items_text (attrs);
  command = g_strdup_printf ("UID FETCH %s (%s)", uid_set, items);
  return tern_imap_connection_raw_command (self, command, error);
}

gboolean
tern_imap_connection_uid_fetch_section (TernImapConnection  *self,
                                        guint32              uid,
                                        const char          *section,
                                        guint64              offset,
                                        guint64              length,
                                        GError             **error)
{
  g_autofree char *command = NULL;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (section != NULL, FALSE);

  if (length > 0)
    command = g_strdup_printf ("UID FETCH %u (BODY.PEEK[%s]<%" G_GUINT64_FORMAT ".%" G_GUINT64_FORMAT ">)",
                               uid, section, offset, length);
  else
    command = g_strdup_printf ("UID FETCH %u (BODY.PEEK[%s])", uid, section);
  return tern_imap_connection_raw_command (self, command, error);
}

gboolean
_tern_imap_pipeline (TernImapConnection   *self,
                     const char * const   *commands,
                     TernImapResponseFunc  func,
                     gpointer              user_data,
                     GError              **error)
{
  GError *first_error = NULL;
  guint n;
  int first_tag = 0;

  n = g_strv_length ((char **) commands);
  if (n == 0)
    return TRUE;

  /* All the commands in one write: one round trip for all of them. */
  for (guint i = 0; i < n; i++)
    {
      if (!_tern_imap_begin_command (self, "pipelined commands", error))
        return FALSE;
      if (i == 0)
        first_tag = self->session->imap_tag;
      if (!_tern_imap_write_str (self, commands[i], "pipelined commands", error) ||
          !_tern_imap_write_str (self, "\r\n", "pipelined commands", error))
        return FALSE;
    }
  if (!_tern_imap_flush (self, "pipelined commands", error))
    return FALSE;

  /* libetpan checks a tagged response against the last tag it sent: each response is
   * read with its own command's tag current. Every response is read, even after a NO,
   * so the connection stays in step. */
  for (guint i = 0; i < n; i++)
    {
      g_autofree char *what = NULL;
      gboolean ok;
      int status;

      self->session->imap_tag = first_tag + (int) i;
      what = g_strndup (commands[i], strcspn (commands[i], "("));
      g_strchomp (what);
      ok = _tern_imap_read_response (self, what, &status, error);
      self->session->imap_tag = first_tag + (int) n - 1;
      if (!ok)
        {
          g_clear_error (&first_error);
          return FALSE;
        }
      if (func != NULL)
        func (self, i, status == MAILIMAP_RESP_COND_STATE_OK, user_data);
      else if (status != MAILIMAP_RESP_COND_STATE_OK && first_error == NULL)
        _tern_imap_command_failed (self, status == MAILIMAP_RESP_COND_STATE_BAD, what, &first_error);
    }

  if (first_error != NULL)
    {
      g_propagate_error (error, first_error);
      return FALSE;
    }
  return TRUE;
}

gboolean
tern_imap_connection_pipeline (TernImapConnection  *self,
                               const char * const  *commands,
                               GError             **error)
{
  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (commands != NULL && commands[0] != NULL, FALSE);

  if (commands[1] == NULL)
    return tern_imap_connection_raw_command (self, commands[0], error);
  return _tern_imap_pipeline (self, commands, NULL, NULL, error);
}

char *
tern_imap_uid_fetch_sections_command (const char         *uid_set,
                                      const char * const *sections)
{
  GString *command;

  g_return_val_if_fail (uid_set != NULL && *uid_set != '\0', NULL);
  g_return_val_if_fail (sections != NULL && sections[0] != NULL, NULL);

  command = g_string_new (NULL);
  g_string_append_printf (command, "UID FETCH %s (", uid_set);
  for (guint i = 0; sections[i] != NULL; i++)
    g_string_append_printf (command, "%sBODY.PEEK[%s]", i > 0 ? " " : "", sections[i]);
  g_string_append_c (command, ')');

  return g_string_free (command, FALSE);
}

gboolean
tern_imap_connection_uid_fetch_sections (TernImapConnection  *self,
                                         const char          *uid_set,
                                         const char * const  *sections,
                                         GError             **error)
{
  g_autofree char *command = NULL;

  g_return_val_if_fail (self != NULL, FALSE);

  command = tern_imap_uid_fetch_sections_command (uid_set, sections);
  g_return_val_if_fail (command != NULL, FALSE);

  return tern_imap_connection_raw_command (self, command, error);
}

/* Changing messages */

/* The [MODIFIED set] code of the last tagged response, or NULL. */
static GArray *
find_modified (TernImapConnection *self)
{
  struct mailimap_response_info *info = self->session->imap_response_info;

  for (clistiter *it = info ? clist_begin (info->rsp_extension_list) : NULL; it != NULL; it = clist_next (it))
    {
      struct mailimap_extension_data *ext = clist_content (it);

      if (ext->ext_extension == &mailimap_extension_condstore &&
          ext->ext_type == MAILIMAP_CONDSTORE_TYPE_RESP_TEXT_CODE && ext->ext_data != NULL &&
          ((struct mailimap_condstore_resptextcode *) ext->ext_data)->cs_type ==
            MAILIMAP_CONDSTORE_RESPTEXTCODE_MODIFIED)
        {
          struct mailimap_condstore_resptextcode *code = ext->ext_data;
          GArray *pairs = g_array_new (FALSE, FALSE, sizeof (guint32));

          _tern_imap_append_set (&pairs, code->cs_data.cs_modified_set);
          return pairs;
        }
    }
  return NULL;
}

gboolean
tern_imap_connection_uid_store (TernImapConnection  *self,
                                const char          *uid_set,
                                gboolean             add,
                                const char          *flags,
                                guint64              unchanged_since,
                                GArray             **modified_out,
                                GError             **error)
{
  return tern_imap_connection_uid_store_full (self, uid_set, add, flags, unchanged_since, TRUE,
                                              modified_out, error);
}

gboolean
tern_imap_connection_uid_store_full (TernImapConnection  *self,
                                     const char          *uid_set,
                                     gboolean             add,
                                     const char          *flags,
                                     guint64              unchanged_since,
                                     gboolean             silent,
                                     GArray             **modified_out,
                                     GError             **error)
{
  g_autofree char *command = NULL;
  char sign = add ? '+' : '-';
  const char *suffix = silent ? ".SILENT" : "";

  g_return_val_if_fail (self != NULL && self->session != NULL, FALSE);
  g_return_val_if_fail (uid_set != NULL && flags != NULL, FALSE);

  if (modified_out != NULL)
    *modified_out = NULL;
  /* Sent raw: libetpan's UNCHANGEDSINCE form is malformed (no space). MODIFIED comes as a
   * response code while the command still succeeds. */
  if (unchanged_since != 0)
    command = g_strdup_printf ("UID STORE %s (UNCHANGEDSINCE %" G_GUINT64_FORMAT ") %cFLAGS%s (%s)",
                               uid_set, unchanged_since, sign, suffix, flags);
  else
    command = g_strdup_printf ("UID STORE %s %cFLAGS%s (%s)", uid_set, sign, suffix, flags);
  if (!tern_imap_connection_raw_command (self, command, error))
    return FALSE;
  if (modified_out != NULL && unchanged_since != 0)
    *modified_out = find_modified (self);
  return TRUE;
}

gboolean
tern_imap_connection_uid_expunge (TernImapConnection  *self,
                                  const char          *uid_set,
                                  GError             **error)
{
  g_autofree char *command = NULL;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (uid_set != NULL, FALSE);

  command = g_strdup_printf ("UID EXPUNGE %s", uid_set);
  return tern_imap_connection_raw_command (self, command, error);
}

gboolean
tern_imap_connection_expunge (TernImapConnection  *self,
                              GError             **error)
{
  g_return_val_if_fail (self != NULL && self->session != NULL, FALSE);

  return tern_imap_connection_check (self, mailimap_expunge (self->session), "EXPUNGE", error);
}

/* Expands a set into UIDs, at most limit of them. */
static GArray *
expand_set (struct mailimap_set *set,
            guint                limit)
{
  GArray *uids = g_array_new (FALSE, FALSE, sizeof (guint32));

  for (clistiter *s = set ? clist_begin (set->set_list) : NULL; s != NULL; s = clist_next (s))
    {
      struct mailimap_set_item *item = clist_content (s);

      for (guint64 u = item->set_first; u <= item->set_last && uids->len <= limit; u++)
        {
          guint32 uid = (guint32) u;

          g_array_append_val (uids, uid);
        }
    }
  return uids;
}

gboolean
tern_imap_connection_uid_copy (TernImapConnection  *self,
                               GArray              *uids,
                               const char          *mailbox,
                               gboolean             move,
                               GArray             **new_uids_out,
                               GError             **error)
{
  struct mailimap_set *set;
  struct mailimap_set *src = NULL, *dest = NULL;
  uint32_t uidvalidity = 0;
  gboolean uidplus;
  int r;

  g_return_val_if_fail (self != NULL && self->session != NULL, FALSE);
  g_return_val_if_fail (uids != NULL && uids->len > 0, FALSE);
  g_return_val_if_fail (mailbox != NULL, FALSE);

  if (uids->len == 1)
    set = mailimap_set_new_single (g_array_index (uids, guint32, 0));
  else
    {
      set = mailimap_set_new_empty ();
      for (guint i = 0; i < uids->len; i++)
        mailimap_set_add_single (set, g_array_index (uids, guint32, i));
    }

  uidplus = tern_imap_connection_has_capability (self, "UIDPLUS");
  if (move)
    r = uidplus ? mailimap_uidplus_uid_move (self->session, set, mailbox, &uidvalidity, &src, &dest)
                : mailimap_uid_move (self->session, set, mailbox);
  else
    r = uidplus ? mailimap_uidplus_uid_copy (self->session, set, mailbox, &uidvalidity, &src, &dest)
                : mailimap_uid_copy (self->session, set, mailbox);
  mailimap_set_free (set);

  if (new_uids_out != NULL)
    {
      GArray *mapped = g_array_new (FALSE, TRUE, sizeof (guint32));

      g_array_set_size (mapped, uids->len);
      if (dest != NULL && clist_begin (dest->set_list) != NULL)
        {
          if (uids->len == 1)
            {
              /* COPYUID's first target UID, whatever the source part says. */
              g_array_index (mapped, guint32, 0) =
                ((struct mailimap_set_item *) clist_content (clist_begin (dest->set_list)))->set_first;
            }
          else
            {
              g_autoptr(GArray) from = expand_set (src, uids->len);
              g_autoptr(GArray) to = expand_set (dest, uids->len);

              /* RFC 4315: the two sets list the UIDs in the same order. */
              if (from->len == to->len)
                for (guint i = 0; i < uids->len; i++)
                  for (guint j = 0; j < from->len; j++)
                    if (g_array_index (from, guint32, j) == g_array_index (uids, guint32, i))
                      {
                        g_array_index (mapped, guint32, i) = g_array_index (to, guint32, j);
                        break;
                      }
            }
        }
      *new_uids_out = mapped;
    }
  g_clear_pointer (&src, mailimap_set_free);
  g_clear_pointer (&dest, mailimap_set_free);

  if (!tern_imap_connection_check (self, r, move ? "UID MOVE" : "UID COPY", error))
    {
      if (new_uids_out != NULL)
        g_clear_pointer (new_uids_out, g_array_unref);
      return FALSE;
    }
  return TRUE;
}

static struct mailimap_flag_list *
flag_list_new (const char *flags)
{
  struct mailimap_flag_list *list = mailimap_flag_list_new_empty ();
  g_auto(GStrv) parts = g_strsplit (flags ? flags : "", " ", -1);

  for (guint i = 0; parts[i] != NULL; i++)
    {
      const char *f = parts[i];
      struct mailimap_flag *flag = NULL;

      if (*f == '\0')
        continue;
      if (g_ascii_strcasecmp (f, "\\Seen") == 0)
        flag = mailimap_flag_new_seen ();
      else if (g_ascii_strcasecmp (f, "\\Answered") == 0)
        flag = mailimap_flag_new_answered ();
      else if (g_ascii_strcasecmp (f, "\\Flagged") == 0)
        flag = mailimap_flag_new_flagged ();
      else if (g_ascii_strcasecmp (f, "\\Draft") == 0)
        flag = mailimap_flag_new_draft ();
      else if (g_ascii_strcasecmp (f, "\\Deleted") == 0)
        flag = mailimap_flag_new_deleted ();
      else if (*f != '\\')
        flag = mailimap_flag_new_flag_keyword (strdup (f));
      if (flag != NULL)
        mailimap_flag_list_add (list, flag);
    }
  return list;
}

static struct mailimap_date_time *
date_time_new (gint64 unix_time)
{
  g_autoptr(GDateTime) dt = NULL;

  if (unix_time == 0)
    return NULL;
  dt = g_date_time_new_from_unix_utc (unix_time);
  return mailimap_date_time_new (g_date_time_get_day_of_month (dt), g_date_time_get_month (dt),
                                 g_date_time_get_year (dt), g_date_time_get_hour (dt),
                                 g_date_time_get_minute (dt), g_date_time_get_second (dt), 0);
}

gboolean
tern_imap_connection_append (TernImapConnection  *self,
                             const char          *mailbox,
                             const char          *flags,
                             gint64               internaldate,
                             GBytes              *message,
                             guint32             *new_uid_out,
                             GError             **error)
{
  struct mailimap_flag_list *flag_list;
  struct mailimap_date_time *date;
  uint32_t uidvalidity = 0, new_uid = 0;
  int r;

  g_return_val_if_fail (self != NULL && self->session != NULL, FALSE);
  g_return_val_if_fail (mailbox != NULL, FALSE);
  g_return_val_if_fail (message != NULL, FALSE);

  flag_list = flag_list_new (flags);
  date = date_time_new (internaldate);
  if (tern_imap_connection_has_capability (self, "UIDPLUS"))
    r = mailimap_uidplus_append (self->session, mailbox, flag_list, date,
                                 g_bytes_get_data (message, NULL), g_bytes_get_size (message),
                                 &uidvalidity, &new_uid);
  else
    r = mailimap_append (self->session, mailbox, flag_list, date,
                         g_bytes_get_data (message, NULL), g_bytes_get_size (message));
  mailimap_flag_list_free (flag_list);
  if (date != NULL)
    mailimap_date_time_free (date);
  if (new_uid_out != NULL)
    *new_uid_out = new_uid;
  return tern_imap_connection_check (self, r, "APPEND", error);
}
