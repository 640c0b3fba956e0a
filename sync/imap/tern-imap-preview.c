/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "tern-imap-connection"

#include "config.h"

#include <string.h>

#include "tern-imap-commands.h"
#include "tern-imap-connection-private.h"

/*
 * PREVIEW (RFC 8970): a server-made line of a message's text, a few hundred bytes, for a
 * message list on a slow link that cannot afford the texts. libetpan cannot parse the
 * PREVIEW item of a FETCH response (it would lose its place), so the response is read line
 * by line here as for ESEARCH (tern-imap-esearch.c): the FETCH lines that carry PREVIEW are
 * parsed, every other line is set aside and handed to libetpan's parser afterwards.
 */

/* The value after "PREVIEW " at p: NIL, a quoted string, or the size of a literal. */
static gboolean
parse_value (const char  *p,
             char       **text_out,
             gssize      *literal_out)
{
  *text_out = NULL;
  *literal_out = -1;
  if (g_ascii_strncasecmp (p, "NIL", 3) == 0)
    return TRUE;
  if (*p == '{')
    {
      char *end;
      guint64 n = g_ascii_strtoull (p + 1, &end, 10);

      if (end == p + 1 || (*end != '}' && *end != '+') || n > 64 * 1024)
        return FALSE;
      *literal_out = (gssize) n;
      return TRUE;
    }
  if (*p == '"')
    {
      GString *text = g_string_new (NULL);

      for (p++; *p != '\0' && *p != '"'; p++)
        {
          if (*p == '\\' && p[1] != '\0')
            p++;
          g_string_append_c (text, *p);
        }
      if (*p != '"')
        {
          g_string_free (text, TRUE);
          return FALSE;
        }
      *text_out = g_string_free (text, FALSE);
      return TRUE;
    }
  return FALSE;
}

/* "* n FETCH (... UID u ... PREVIEW value ...)": its UID and where its value starts. */
static const char *
preview_line (const char *line,
              guint32    *uid_out)
{
  const char *p = line;
  const char *uid, *preview;

  if (line[0] != '*' || line[1] != ' ')
    return NULL;
  for (p = line + 2; g_ascii_isdigit (*p); p++)
    ;
  if (p == line + 2 || g_ascii_strncasecmp (p, " FETCH (", strlen (" FETCH (")) != 0)
    return NULL;
  uid = strstr (p, "UID ");
  preview = strstr (p, "PREVIEW ");
  if (uid == NULL || preview == NULL)
    return NULL;
  *uid_out = (guint32) g_ascii_strtoull (uid + 4, NULL, 10);
  return *uid_out != 0 ? preview + strlen ("PREVIEW ") : NULL;
}

static gboolean
read_literal (TernImapConnection  *self,
              gssize               length,
              GByteArray          *into,
              GError             **error)
{
  mailstream *stream = self->session->imap_stream;
  g_autofree char *buffer = g_malloc (MAX (length, 1));
  gssize done = 0;

  while (done < length)
    {
      ssize_t n = mailstream_read (stream, buffer + done, length - done);

      if (n <= 0)
        return _tern_imap_check_stream (self, "UID FETCH PREVIEW", error), FALSE;
      done += n;
    }
  g_byte_array_append (into, (const guint8 *) buffer, length);
  return TRUE;
}

static void
keep (GHashTable *previews,
      guint32     uid,
      char       *text)
{
  if (text == NULL || !g_utf8_validate (text, -1, NULL))
    {
      g_free (text);
      return;
    }
  g_hash_table_insert (previews, GUINT_TO_POINTER (uid), text);
}

GHashTable *
tern_imap_uid_fetch_previews (TernImapConnection  *self,
                              const char          *uid_set,
                              GError             **error)
{
  g_autoptr(GHashTable) previews = g_hash_table_new_full (NULL, NULL, NULL, g_free);
  g_autoptr(GByteArray) aside = g_byte_array_new ();
  g_autofree char *tag = NULL;
  mailstream *stream;
  gboolean continued = FALSE;
  gboolean skip_rest = FALSE;   /* the line after a preview literal: its FETCH's end */
  int status;

  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (uid_set != NULL, NULL);

  if (!_tern_imap_begin_command (self, "UID FETCH", error) ||
      !_tern_imap_write_str (self, "UID FETCH ", "UID FETCH", error) ||
      !_tern_imap_write_str (self, uid_set, "UID FETCH", error) ||
      !_tern_imap_write_str (self, " (UID PREVIEW)\r\n", "UID FETCH", error) ||
      !_tern_imap_flush (self, "UID FETCH", error))
    return NULL;

  stream = self->session->imap_stream;
  tag = g_strdup_printf ("%d ", self->session->imap_tag);
  for (;;)
    {
      const char *line = _tern_imap_read_line (self, "UID FETCH", error);
      const char *value;
      guint32 uid = 0;
      gssize literal;

      if (line == NULL)
        return NULL;
      if (skip_rest)
        {
          skip_rest = FALSE;
          continued = FALSE;
          continue;
        }
      if (!continued && (value = preview_line (line, &uid)) != NULL)
        {
          char *text = NULL;

          if (!parse_value (value, &text, &literal))
            {
              GError *local_error = g_error_new (TERN_SYNC_ERROR, TERN_SYNC_ERROR_PROTOCOL,
                                                 "%s sent a PREVIEW that cannot be read", self->host);

              return _tern_imap_fail (self, TRUE, local_error, error), NULL;
            }
          if (literal >= 0)
            {
              g_autoptr(GByteArray) bytes = g_byte_array_new ();

              if (!read_literal (self, literal, bytes, error))
                return NULL;
              g_byte_array_append (bytes, (const guint8 *) "", 1);
              text = (char *) g_byte_array_free (g_steal_pointer (&bytes), FALSE);
              skip_rest = TRUE;
            }
          keep (previews, uid, text);
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
                                             "%s sent an oversized literal with previews", self->host);

          return _tern_imap_fail (self, TRUE, local_error, error), NULL;
        }
      if (literal >= 0)
        {
          if (!read_literal (self, literal, aside, error))
            return NULL;
          continued = TRUE;
        }
    }

  /* The rest of the response, news included, through libetpan as usual. */
  g_byte_array_append (aside, (const guint8 *) stream->read_buffer, stream->read_buffer_len);
  stream->read_buffer_len = 0;
  g_byte_array_set_size (self->stream_state.replay, 0);
  g_byte_array_append (self->stream_state.replay, aside->data, aside->len);
  if (!_tern_imap_read_response (self, "UID FETCH", &status, error))
    return NULL;
  if (status != MAILIMAP_RESP_COND_STATE_OK)
    return _tern_imap_command_failed (self, status == MAILIMAP_RESP_COND_STATE_BAD, "UID FETCH", error), NULL;
  return g_steal_pointer (&previews);
}
