/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "tern-imap-connection"

#include "config.h"

#include <string.h>

#include "tern-imap-commands.h"
#include "tern-imap-connection-private.h"
#include "tern-imap-utils.h"

/*
 * LIST-STATUS (RFC 5819): LIST "" pattern RETURN (STATUS (...)) answers every mailbox's
 * STATUS with the LIST, so an unchanged resync needs no STATUS commands of its own. libetpan
 * keeps only the last "* STATUS" of a response, so those lines are read by hand here as
 * ESEARCH's are (tern-imap-esearch.c); every other line (the LIST lines, news, the tagged
 * one) is set aside and handed to libetpan's parser afterwards. A STATUS line whose mailbox
 * name comes as a literal goes to libetpan too: that mailbox simply has no answer here.
 */

/* The mailbox name at *p (quoted or atom), p moved past it; NULL if it is neither. */
static char *
parse_name (const char **p)
{
  const char *s = *p;
  GString *name = g_string_new (NULL);

  if (*s == '"')
    {
      for (s++; *s != '\0' && *s != '"'; s++)
        {
          if (*s == '\\' && s[1] != '\0')
            s++;
          g_string_append_c (name, *s);
        }
      if (*s != '"')
        return (g_string_free (name, TRUE), NULL);
      s++;
    }
  else
    {
      for (; *s != '\0' && *s != ' ' && *s != '(' && *s != '{' && *s != '\r' && *s != '\n'; s++)
        g_string_append_c (name, *s);
      if (name->len == 0)
        return (g_string_free (name, TRUE), NULL);
    }
  *p = s;
  return g_string_free (name, FALSE);
}

/* "* STATUS name (MESSAGES n UIDNEXT n UIDVALIDITY n HIGHESTMODSEQ n)": into statuses. */
static gboolean
parse_status (const char *line,
              GHashTable *statuses)
{
  const char *p = line + strlen ("* STATUS ");
  g_autofree char *name = parse_name (&p);
  g_autofree char *inner = NULL;
  g_auto(GStrv) words = NULL;
  TernImapMailbox *out;
  const char *end;

  if (name == NULL || *p != ' ' || p[1] != '(' || (end = strchr (p, ')')) == NULL)
    return FALSE;
  inner = g_strndup (p + 2, end - (p + 2));
  words = g_strsplit (inner, " ", -1);
  out = g_new0 (TernImapMailbox, 1);
  for (guint i = 0; words[i] != NULL && words[i + 1] != NULL; i += 2)
    {
      guint64 value = g_ascii_strtoull (words[i + 1], NULL, 10);

      if (g_ascii_strcasecmp (words[i], "MESSAGES") == 0)
        out->exists = (guint32) value;
      else if (g_ascii_strcasecmp (words[i], "UIDNEXT") == 0)
        out->uidnext = (guint32) value;
      else if (g_ascii_strcasecmp (words[i], "UIDVALIDITY") == 0)
        out->uidvalidity = (guint32) value;
      else if (g_ascii_strcasecmp (words[i], "HIGHESTMODSEQ") == 0)
        out->highestmodseq = value;
    }
  g_hash_table_replace (statuses, g_steal_pointer (&name), out);
  return TRUE;
}

/* Reads the response of the command whose tag is current, STATUS lines by hand. */
static gboolean
read_list_status (TernImapConnection  *self,
                  GHashTable          *statuses,
                  int                 *status_out,
                  GError             **error)
{
  g_autoptr(GByteArray) aside = g_byte_array_new ();
  g_autofree char *tag = g_strdup_printf ("%d ", self->session->imap_tag);
  mailstream *stream = self->session->imap_stream;
  gboolean continued = FALSE;

  for (;;)
    {
      const char *line = _tern_imap_read_line (self, "LIST", error);
      gssize literal;

      if (line == NULL)
        return FALSE;
      literal = _tern_imap_literal_size (line);
      if (!continued && literal < 0 && g_ascii_strncasecmp (line, "* STATUS ", strlen ("* STATUS ")) == 0 &&
          parse_status (line, statuses))
        continue;

      g_byte_array_append (aside, (const guint8 *) line, strlen (line));
      if (!continued && g_str_has_prefix (line, tag))
        break;
      continued = FALSE;
      if (literal == G_MAXSSIZE)
        {
          GError *local_error = g_error_new (TERN_SYNC_ERROR, TERN_SYNC_ERROR_PROTOCOL,
                                             "%s sent an oversized literal with a LIST", self->host);

          return _tern_imap_fail (self, TRUE, local_error, error);
        }
      if (literal >= 0)
        {
          g_autofree char *buffer = g_malloc (MAX (literal, 1));
          gssize done = 0;

          while (done < literal)
            {
              ssize_t n = mailstream_read (stream, buffer + done, literal - done);

              if (n <= 0)
                return _tern_imap_check_stream (self, "LIST", error);
              done += n;
            }
          g_byte_array_append (aside, (const guint8 *) buffer, literal);
          continued = TRUE;
        }
    }

  /* The rest, LIST lines included, through libetpan as usual. */
  g_byte_array_append (aside, (const guint8 *) stream->read_buffer, stream->read_buffer_len);
  stream->read_buffer_len = 0;
  g_byte_array_set_size (self->stream_state.replay, 0);
  g_byte_array_append (self->stream_state.replay, aside->data, aside->len);
  return _tern_imap_read_response (self, "LIST", status_out, error);
}

static GPtrArray *
take_list (TernImapConnection *self,
           gboolean            lsub)
{
  struct mailimap_response_info *info = self->session->imap_response_info;
  clist *result = info == NULL ? NULL : lsub ? info->rsp_mailbox_lsub : info->rsp_mailbox_list;
  GPtrArray *out = g_ptr_array_new_with_free_func ((GDestroyNotify) tern_imap_list_entry_free);

  for (clistiter *it = clist_begin (result); it != NULL; it = clist_next (it))
    g_ptr_array_add (out, _tern_imap_list_entry_new (clist_content (it)));
  return out;
}

gboolean
tern_imap_connection_list_both_status (TernImapConnection  *self,
                                       const char          *pattern,
                                       gboolean             highestmodseq,
                                       GPtrArray          **lsub_out,
                                       GPtrArray          **list_out,
                                       GHashTable         **statuses_out,
                                       GError             **error)
{
  g_autoptr(GHashTable) statuses = NULL;
  g_autoptr(GPtrArray) lsub = NULL;
  g_autoptr(GPtrArray) list = NULL;
  g_autofree char *quoted = NULL;
  g_autofree char *lsub_command = NULL;
  g_autofree char *list_command = NULL;
  int first_tag, status;
  gboolean ok;

  g_return_val_if_fail (self != NULL && self->session != NULL, FALSE);
  g_return_val_if_fail (pattern != NULL && lsub_out != NULL && list_out != NULL && statuses_out != NULL, FALSE);

  if (!tern_imap_connection_has_capability (self, "LIST-STATUS"))
    {
      if (!tern_imap_connection_list_both (self, pattern, lsub_out, list_out, error))
        return FALSE;
      *statuses_out = NULL;
      return TRUE;
    }

  quoted = _tern_imap_quote (pattern);
  lsub_command = g_strdup_printf ("LSUB \"\" %s\r\n", quoted);
  list_command = g_strdup_printf ("LIST \"\" %s RETURN (STATUS (MESSAGES UIDNEXT UIDVALIDITY%s))\r\n",
                                  quoted, highestmodseq ? " HIGHESTMODSEQ" : "");

  /* Both in one write: one round trip. */
  if (!_tern_imap_begin_command (self, "LSUB", error))
    return FALSE;
  first_tag = self->session->imap_tag;
  if (!_tern_imap_write_str (self, lsub_command, "LSUB", error) ||
      !_tern_imap_begin_command (self, "LIST", error) ||
      !_tern_imap_write_str (self, list_command, "LIST", error) ||
      !_tern_imap_flush (self, "LIST", error))
    return FALSE;

  /* libetpan checks a tagged line against the current tag: each answer with its own. */
  self->session->imap_tag = first_tag;
  ok = _tern_imap_read_response (self, "LSUB", &status, error);
  self->session->imap_tag = first_tag + 1;
  if (!ok)
    return FALSE;
  if (status == MAILIMAP_RESP_COND_STATE_OK)
    lsub = take_list (self, TRUE);
  else
    g_set_error (error, TERN_SYNC_ERROR, TERN_SYNC_ERROR_PERMANENT, "LSUB failed: %s",
                 _tern_imap_server_text (self));

  statuses = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  /* Read even after a NO to LSUB, so that the connection stays in step. */
  if (!read_list_status (self, statuses, &status, lsub == NULL ? NULL : error))
    return FALSE;
  if (lsub == NULL)
    return FALSE;
  if (status == MAILIMAP_RESP_COND_STATE_BAD)
    {
      /* Offered but not understood: the plain LIST, and the STATUS asked as before. */
      g_debug ("%s refused LIST-STATUS: %s", self->host, _tern_imap_server_text (self));
      *statuses_out = NULL;
      return tern_imap_connection_list_both (self, pattern, lsub_out, list_out, error);
    }
  if (status != MAILIMAP_RESP_COND_STATE_OK)
    return _tern_imap_command_failed (self, status == MAILIMAP_RESP_COND_STATE_BAD, "LIST", error);
  list = take_list (self, FALSE);

  *lsub_out = g_steal_pointer (&lsub);
  *list_out = g_steal_pointer (&list);
  *statuses_out = g_steal_pointer (&statuses);
  return TRUE;
}
