/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "tern-imap-connection"

#include "config.h"

#include <string.h>

#include "tern-imap-connection-private.h"

/*
 * ESEARCH (RFC 4731). A plain UID SEARCH answers with every UID spelled out (589 KB for
 * 100,000 messages); UID SEARCH RETURN (ALL) answers with a sequence set ("1:100000", or a
 * few runs): a few bytes. libetpan cannot parse "* ESEARCH" (it loses its place), so the
 * response is read line by line here: the ESEARCH line is parsed, every other line (EXISTS,
 * FETCH, VANISHED, with their literals) and the tagged one are set aside and then handed to
 * libetpan's parser through the driver's replay buffer, as IDLE does with early news.
 */

/* Appends the UIDs of a sequence set ("1:3,7,9:12") to uids; FALSE if it is not one. */
static gboolean
parse_set (const char *text,
           GArray     *uids)
{
  const char *p = text;

  while (*p != '\0')
    {
      char *end;
      guint64 first, last;

      first = g_ascii_strtoull (p, &end, 10);
      if (end == p || first == 0 || first > G_MAXUINT32)
        return FALSE;
      last = first;
      p = end;
      if (*p == ':')
        {
          p++;
          last = g_ascii_strtoull (p, &end, 10);
          if (end == p || last == 0 || last > G_MAXUINT32)
            return FALSE;
          p = end;
        }
      if (last < first)
        {
          guint64 swap = first;

          first = last;
          last = swap;
        }
      /* A set far larger than any mailbox is a broken answer, not an allocation. */
      if (uids->len + (last - first) > 10000000)
        return FALSE;
      for (guint64 uid = first; uid <= last; uid++)
        {
          guint32 value = (guint32) uid;

          g_array_append_val (uids, value);
        }
      if (*p == ',')
        p++;
      else if (*p != '\0')
        return FALSE;
    }
  return TRUE;
}

static int
compare_uid (gconstpointer a,
             gconstpointer b)
{
  guint32 x = *(const guint32 *) a, y = *(const guint32 *) b;

  return x < y ? -1 : x > y;
}

/* "* ESEARCH [(TAG "x")] [UID] [ALL set] ..." */
static gboolean
parse_esearch (const char *line,
               GArray     *uids)
{
  g_autofree char *copy = g_strchomp (g_strdup (line + strlen ("* ESEARCH")));
  g_auto(GStrv) words = g_strsplit (copy, " ", -1);

  for (guint i = 0; words[i] != NULL; i++)
    if (g_ascii_strcasecmp (words[i], "ALL") == 0)
      return words[i + 1] != NULL && parse_set (words[i + 1], uids);
  return TRUE; /* nothing matched */
}

GArray *
_tern_imap_uid_esearch (TernImapConnection  *self,
                        const char          *criteria,
                        GError             **error)
{
  g_autoptr(GArray) uids = g_array_new (FALSE, FALSE, sizeof (guint32));
  g_autoptr(GByteArray) aside = g_byte_array_new ();
  g_autofree char *tag = NULL;
  mailstream *stream;
  gboolean continued = FALSE;
  gboolean parsed = TRUE;
  int status;

  if (!_tern_imap_begin_command (self, "UID SEARCH", error) ||
      !_tern_imap_write_str (self, "UID SEARCH RETURN (ALL) ", "UID SEARCH", error) ||
      !_tern_imap_write_str (self, criteria, "UID SEARCH", error) ||
      !_tern_imap_write_str (self, "\r\n", "UID SEARCH", error) ||
      !_tern_imap_flush (self, "UID SEARCH", error))
    return NULL;

  stream = self->session->imap_stream;
  tag = g_strdup_printf ("%d ", self->session->imap_tag);
  for (;;)
    {
      const char *line = _tern_imap_read_line (self, "UID SEARCH", error);
      gssize literal;

      if (line == NULL)
        return NULL;
      if (!continued && g_ascii_strncasecmp (line, "* ESEARCH", strlen ("* ESEARCH")) == 0)
        {
          parsed = parse_esearch (line, uids) && parsed;
          continue;
        }

      g_byte_array_append (aside, (const guint8 *) line, strlen (line));
      if (!continued && g_str_has_prefix (line, tag))
        break;
      continued = FALSE;

      literal = _tern_imap_literal_size (line);
      if (literal == G_MAXSSIZE)
        {
          GError *local_error = g_error_new (TERN_SYNC_ERROR, TERN_SYNC_ERROR_PROTOCOL,
                                             "%s sent an oversized literal with a search", self->host);

          return _tern_imap_fail (self, TRUE, local_error, error), NULL;
        }
      if (literal >= 0)
        {
          g_autofree char *buffer = g_malloc (MAX (literal, 1));
          gssize done = 0;

          while (done < literal)
            {
              ssize_t n = mailstream_read (stream, buffer + done, literal - done);

              if (n <= 0)
                return _tern_imap_check_stream (self, "UID SEARCH", error), NULL;
              done += n;
            }
          g_byte_array_append (aside, (const guint8 *) buffer, literal);
          continued = TRUE;
        }
    }

  /* The rest of the response, news included, through libetpan as usual. */
  g_byte_array_append (aside, (const guint8 *) stream->read_buffer, stream->read_buffer_len);
  stream->read_buffer_len = 0;
  g_byte_array_set_size (self->stream_state.replay, 0);
  g_byte_array_append (self->stream_state.replay, aside->data, aside->len);
  if (!_tern_imap_read_response (self, "UID SEARCH", &status, error))
    return NULL;
  if (status != MAILIMAP_RESP_COND_STATE_OK)
    return _tern_imap_command_failed (self, status == MAILIMAP_RESP_COND_STATE_BAD, "UID SEARCH", error), NULL;

  if (!parsed)
    {
      GError *local_error = g_error_new (TERN_SYNC_ERROR, TERN_SYNC_ERROR_PROTOCOL,
                                         "%s sent an ESEARCH answer that is not a UID set", self->host);

      return _tern_imap_fail (self, FALSE, local_error, error), NULL;
    }

  g_array_sort (uids, compare_uid);
  return g_steal_pointer (&uids);
}
