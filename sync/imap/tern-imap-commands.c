/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "tern-imap-connection"

#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "tern-imap-connection-private.h"
#include "tern-imap-convert.h"
#include "tern-imap-utils.h"

/*
 * The command API (tern-imap-commands.h) over libetpan: each call is the libetpan command
 * or raw line the engine used to send itself, with the answer turned into GLib and cache
 * types here, so that nothing above this folder sees a clist or a mailimap struct.
 */

/* FETCH responses */

guint32
tern_imap_fetch_item_get_uid (const TernImapFetchItem *item)
{
  guint32 uid = 0;

  g_return_val_if_fail (item != NULL, 0);

  for (clistiter *it = clist_begin (item->msg_att->att_list); it != NULL; it = clist_next (it))
    {
      struct mailimap_msg_att_item *att = clist_content (it);

      if (att->att_type == MAILIMAP_MSG_ATT_ITEM_STATIC &&
          att->att_data.att_static->att_type == MAILIMAP_MSG_ATT_UID)
        uid = att->att_data.att_static->att_data.att_uid;
    }
  return uid;
}

gboolean
tern_imap_fetch_item_has_envelope (const TernImapFetchItem *item)
{
  g_return_val_if_fail (item != NULL, FALSE);

  for (clistiter *it = clist_begin (item->msg_att->att_list); it != NULL; it = clist_next (it))
    {
      struct mailimap_msg_att_item *att = clist_content (it);

      if (att->att_type == MAILIMAP_MSG_ATT_ITEM_STATIC &&
          att->att_data.att_static->att_type == MAILIMAP_MSG_ATT_ENVELOPE)
        return TRUE;
    }
  return FALSE;
}

char *
tern_imap_fetch_item_dup_flags (const TernImapFetchItem *item,
                                guint32                 *uid_out,
                                guint64                 *modseq_out)
{
  g_return_val_if_fail (item != NULL, NULL);
  g_return_val_if_fail (uid_out != NULL, NULL);

  return _tern_flags_from_msg_att (item->msg_att, uid_out, modseq_out);
}

TernMessage *
tern_imap_fetch_item_dup_message (const TernImapFetchItem *item)
{
  g_return_val_if_fail (item != NULL, NULL);

  return _tern_message_from_msg_att (item->msg_att);
}

gboolean
tern_imap_fetch_item_get_body_sections (const TernImapFetchItem *item,
                                        GByteArray              *out)
{
  gboolean seen = FALSE;

  g_return_val_if_fail (item != NULL, FALSE);

  for (clistiter *it = clist_begin (item->msg_att->att_list); it != NULL; it = clist_next (it))
    {
      struct mailimap_msg_att_item *att = clist_content (it);
      struct mailimap_msg_att_body_section *section;

      if (att->att_type != MAILIMAP_MSG_ATT_ITEM_STATIC ||
          att->att_data.att_static->att_type != MAILIMAP_MSG_ATT_BODY_SECTION)
        continue;
      section = att->att_data.att_static->att_data.att_body_section;
      seen = TRUE;
      if (out != NULL && section != NULL && section->sec_body_part != NULL)
        g_byte_array_append (out, (const guint8 *) section->sec_body_part,
                             (guint) section->sec_length);
    }
  return seen;
}

/* A BODY[...] section as the text a FETCH asked for it with: "" (the whole message),
 * "HEADER", "1.2", "2.MIME", "1.TEXT"; NULL for what Tern never asks (HEADER.FIELDS). */
static char *
section_to_text (struct mailimap_section *section)
{
  struct mailimap_section_spec *spec = section != NULL ? section->sec_spec : NULL;
  struct mailimap_section_msgtext *msgtext = NULL;
  GString *text;

  if (spec == NULL)
    return g_strdup ("");

  text = g_string_new (NULL);
  if (spec->sec_type == MAILIMAP_SECTION_SPEC_SECTION_MSGTEXT)
    msgtext = spec->sec_data.sec_msgtext;
  else if (spec->sec_data.sec_part != NULL)
    {
      for (clistiter *it = clist_begin (spec->sec_data.sec_part->sec_id); it != NULL; it = clist_next (it))
        g_string_append_printf (text, "%s%u", text->len > 0 ? "." : "", *(uint32_t *) clist_content (it));
      if (spec->sec_text != NULL)
        {
          if (spec->sec_text->sec_type == MAILIMAP_SECTION_TEXT_MIME)
            g_string_append (text, ".MIME");
          else
            msgtext = spec->sec_text->sec_msgtext;
          if (msgtext != NULL)
            g_string_append_c (text, '.');
        }
    }

  if (msgtext != NULL)
    {
      if (msgtext->sec_type == MAILIMAP_SECTION_MSGTEXT_HEADER)
        g_string_append (text, "HEADER");
      else if (msgtext->sec_type == MAILIMAP_SECTION_MSGTEXT_TEXT)
        g_string_append (text, "TEXT");
      else if (msgtext->sec_type == MAILIMAP_SECTION_MSGTEXT_HEADER_FIELDS)
        g_string_append (text, "HEADER.FIELDS"); /* the field list is left out */
      else if (msgtext->sec_type == MAILIMAP_SECTION_MSGTEXT_HEADER_FIELDS_NOT)
        g_string_append (text, "HEADER.FIELDS.NOT");
      else
        return (g_string_free (text, TRUE), NULL);
    }

  return g_string_free (text, FALSE);
}

void
tern_imap_fetch_item_foreach_body_section (const TernImapFetchItem *item,
                                           TernImapSectionFunc      func,
                                           gpointer                 user_data)
{
  g_return_if_fail (item != NULL);
  g_return_if_fail (func != NULL);

  for (clistiter *it = clist_begin (item->msg_att->att_list); it != NULL; it = clist_next (it))
    {
      struct mailimap_msg_att_item *att = clist_content (it);
      struct mailimap_msg_att_body_section *body;
      g_autofree char *section = NULL;

      if (att->att_type != MAILIMAP_MSG_ATT_ITEM_STATIC ||
          att->att_data.att_static->att_type != MAILIMAP_MSG_ATT_BODY_SECTION)
        continue;
      body = att->att_data.att_static->att_data.att_body_section;
      if (body == NULL || (section = section_to_text (body->sec_section)) == NULL)
        continue;
      func (section, (const guint8 *) body->sec_body_part,
            body->sec_body_part != NULL ? body->sec_length : 0, user_data);
    }
}

/* Called by libetpan for each FETCH response as soon as it is parsed, so a large response
 * is handed on message by message instead of being held whole. */
static void
msg_att_cb (struct mailimap_msg_att *msg_att,
            void                    *context)
{
  TernImapConnection *self = context;
  TernImapFetchItem item = { msg_att };

  if (self->fetch_func != NULL)
    self->fetch_func (&item, self->fetch_data);
}

static void
items_progress_cb (size_t  current,
                   size_t  maximum,
                   void   *context)
{
}

void
_tern_imap_install_fetch_func (TernImapConnection *self)
{
  if (self->session == NULL)
    return;
  if (self->fetch_func != NULL)
    {
      /* libetpan calls the per-message handler only while a progress callback is set. */
      mailimap_set_progress_callback (self->session, NULL, items_progress_cb, self);
      mailimap_set_msg_att_handler (self->session, msg_att_cb, self);
    }
  else
    {
      mailimap_set_msg_att_handler (self->session, NULL, NULL);
      mailimap_set_progress_callback (self->session, NULL, NULL, NULL);
    }
}

void
tern_imap_connection_set_fetch_func (TernImapConnection *self,
                                     TernImapFetchFunc   func,
                                     gpointer            user_data)
{
  g_return_if_fail (self != NULL);

  self->fetch_func = func;
  self->fetch_data = user_data;
  _tern_imap_install_fetch_func (self);
}

void
tern_imap_connection_foreach_fetch (TernImapConnection *self,
                                    TernImapFetchFunc   func,
                                    gpointer            user_data)
{
  struct mailimap_response_info *info;

  g_return_if_fail (self != NULL);
  g_return_if_fail (func != NULL);

  info = self->session != NULL ? self->session->imap_response_info : NULL;
  if (info == NULL || info->rsp_fetch_list == NULL)
    return;
  for (clistiter *it = clist_begin (info->rsp_fetch_list); it != NULL; it = clist_next (it))
    {
      TernImapFetchItem item = { clist_content (it) };

      func (&item, user_data);
    }
}

/* Sets as (first, last) pairs: first <= last, "*" (0) as G_MAXUINT32. */
void
_tern_imap_append_set (GArray              **pairs,
                       struct mailimap_set  *set)
{
  if (*pairs == NULL)
    *pairs = g_array_new (FALSE, FALSE, sizeof (guint32));
  for (clistiter *s = set ? clist_begin (set->set_list) : NULL; s != NULL; s = clist_next (s))
    {
      struct mailimap_set_item *item = clist_content (s);
      guint32 first = MIN (item->set_first, item->set_last);
      guint32 last = MAX (item->set_first, item->set_last);

      if (first == 0)
        first = last;
      if (last == 0)
        last = G_MAXUINT32;
      g_array_append_val (*pairs, first);
      g_array_append_val (*pairs, last);
    }
}

void
tern_imap_connection_collect_unsolicited (TernImapConnection  *self,
                                          TernImapUnsolicited *into)
{
  struct mailimap_response_info *info;

  g_return_if_fail (self != NULL);
  g_return_if_fail (into != NULL);

  info = self->session != NULL ? self->session->imap_response_info : NULL;
  if (info == NULL)
    return;

  for (clistiter *it = info->rsp_expunged ? clist_begin (info->rsp_expunged) : NULL;
       it != NULL; it = clist_next (it))
    {
      guint32 seq = *(uint32_t *) clist_content (it);

      if (into->expunged == NULL)
        into->expunged = g_array_new (FALSE, FALSE, sizeof (guint32));
      g_array_append_val (into->expunged, seq);
    }

  if (info->rsp_extension_list == NULL)
    return;
  /* With QRESYNC enabled expunges come as VANISHED here, not in rsp_expunged; libetpan's
   * own helper returns only the first one: walk the list. */
  for (clistiter *it = clist_begin (info->rsp_extension_list); it != NULL; it = clist_next (it))
    {
      struct mailimap_extension_data *ext = clist_content (it);

      if (ext->ext_extension == &mailimap_extension_qresync &&
          ext->ext_type == MAILIMAP_QRESYNC_TYPE_VANISHED && ext->ext_data != NULL)
        {
          struct mailimap_qresync_vanished *v = ext->ext_data;

          if (v->qr_known_uids == NULL)
            continue;
          _tern_imap_append_set (&into->vanished, v->qr_known_uids);
        }
      else if (ext->ext_extension == &mailimap_extension_condstore &&
               ext->ext_type == MAILIMAP_CONDSTORE_TYPE_RESP_TEXT_CODE && ext->ext_data != NULL)
        {
          struct mailimap_condstore_resptextcode *code = ext->ext_data;

          if (code->cs_type == MAILIMAP_CONDSTORE_RESPTEXTCODE_HIGHESTMODSEQ)
            into->highestmodseq = code->cs_data.cs_modseq_value;
          else if (code->cs_type == MAILIMAP_CONDSTORE_RESPTEXTCODE_NOMODSEQ)
            into->nomodseq = TRUE;
        }
    }
}

void
tern_imap_unsolicited_clear (TernImapUnsolicited *self)
{
  g_return_if_fail (self != NULL);

  g_clear_pointer (&self->expunged, g_array_unref);
  g_clear_pointer (&self->vanished, g_array_unref);
  self->highestmodseq = 0;
  self->nomodseq = FALSE;
}

/* Mailboxes */

guint64
_tern_imap_find_highestmodseq (TernImapConnection *self)
{
  struct mailimap_response_info *info = self->session->imap_response_info;
  guint64 modseq = 0;

  if (info == NULL || info->rsp_extension_list == NULL)
    return 0;

  for (clistiter *cur = clist_begin (info->rsp_extension_list); cur != NULL; cur = clist_next (cur))
    {
      struct mailimap_extension_data *data = clist_content (cur);
      struct mailimap_condstore_resptextcode *code;

      if (data->ext_extension->ext_id != MAILIMAP_EXTENSION_CONDSTORE ||
          data->ext_type != MAILIMAP_CONDSTORE_TYPE_RESP_TEXT_CODE)
        continue;

      code = data->ext_data;
      if (code->cs_type == MAILIMAP_CONDSTORE_RESPTEXTCODE_HIGHESTMODSEQ)
        modseq = code->cs_data.cs_modseq_value;
      else if (code->cs_type == MAILIMAP_CONDSTORE_RESPTEXTCODE_NOMODSEQ)
        modseq = 0;
    }

  return modseq;
}

guint64
tern_imap_connection_get_highestmodseq (TernImapConnection *self)
{
  g_return_val_if_fail (self != NULL, 0);

  if (self->session == NULL)
    return 0;

  return _tern_imap_find_highestmodseq (self);
}

gboolean
tern_imap_connection_select (TernImapConnection  *self,
                             const char          *mailbox,
                             gboolean             condstore,
                             guint64             *highestmodseq_out,
                             GError             **error)
{
  uint64_t modseq = 0;
  int r;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (mailbox != NULL, FALSE);

  if (highestmodseq_out != NULL)
    *highestmodseq_out = 0;

  if (!_tern_imap_ensure_usable (self, error))
    return FALSE;

  if (condstore)
    r = mailimap_select_condstore (self->session, mailbox, &modseq);
  else
    r = mailimap_select (self->session, mailbox);

  if (!tern_imap_connection_check (self, r, "SELECT", error))
    return FALSE;

  if (highestmodseq_out != NULL)
    *highestmodseq_out = condstore ? modseq : _tern_imap_find_highestmodseq (self);

  return TRUE;
}

static gboolean
valid_sequence_set (const char *set)
{
  if (*set == '\0')
    return FALSE;

  for (const char *p = set; *p != '\0'; p++)
    {
      /* RFC 7162: known-uids is a sequence set without "*". */
      if (!g_ascii_isdigit (*p) && *p != ':' && *p != ',')
        return FALSE;
    }

  return TRUE;
}

static gboolean
select_qresync (TernImapConnection   *self,
                const char           *mailbox,
                guint32               uidvalidity,
                guint64               modseq,
                const char           *known_uids,
                const char           *then,
                TernImapBetweenFunc   between,
                gpointer              user_data,
                gboolean             *then_ok,
                GError              **error)
{
  g_autofree char *parameters = NULL;
  int status = MAILIMAP_RESP_COND_STATE_NO;
  int then_status = MAILIMAP_RESP_COND_STATE_NO;
  gboolean sent, ok;
  int tag;

  if (then_ok != NULL)
    *then_ok = FALSE;
  if (!_tern_imap_ensure_usable (self, error))
    return FALSE;

  if (!self->qresync_enabled)
    {
      g_set_error (error, TERN_SYNC_ERROR, TERN_SYNC_ERROR_PROTOCOL,
                   "SELECT with QRESYNC needs ENABLE QRESYNC, which %s did not accept",
                   self->host);
      return FALSE;
    }

  parameters = g_strdup_printf (" (QRESYNC (%u %" G_GUINT64_FORMAT "%s%s))\r\n",
                                uidvalidity, modseq,
                                known_uids ? " " : "", known_uids ? known_uids : "");

  if (!_tern_imap_begin_command (self, "SELECT", error))
    return FALSE;
  tag = self->session->imap_tag;

  _tern_imap_begin_select (self);

  if (!_tern_imap_write_str (self, "SELECT ", "SELECT", error) ||
      !_tern_imap_write_string (self, mailbox, FALSE, "SELECT", &sent, &status, error))
    return FALSE;

  if (sent)
    {
      /* The second command goes in the same write. libetpan checks a tagged response
       * against the last tag sent: each response is read with its own command's tag. */
      if (!_tern_imap_write_str (self, parameters, "SELECT", error) ||
          (then != NULL &&
           (!_tern_imap_begin_command (self, "pipelined commands", error) ||
            !_tern_imap_write_str (self, then, "pipelined commands", error) ||
            !_tern_imap_write_str (self, "\r\n", "pipelined commands", error))) ||
          !_tern_imap_flush (self, "SELECT", error))
        return FALSE;
      self->session->imap_tag = tag;
      ok = _tern_imap_read_response (self, "SELECT", &status, error);
      if (then != NULL)
        self->session->imap_tag = tag + 1;
      if (!ok)
        return FALSE;
    }

  _tern_imap_end_select (self, status == MAILIMAP_RESP_COND_STATE_OK);

  if (sent && then != NULL)
    {
      if (between != NULL)
        between (self, status == MAILIMAP_RESP_COND_STATE_OK, user_data);
      if (!_tern_imap_read_response (self, "UID FETCH", &then_status, error))
        return FALSE;
      if (then_ok != NULL)
        *then_ok = then_status == MAILIMAP_RESP_COND_STATE_OK;
    }

  if (status != MAILIMAP_RESP_COND_STATE_OK)
    return _tern_imap_command_failed (self, status == MAILIMAP_RESP_COND_STATE_BAD, "SELECT", error);

  return TRUE;
}

gboolean
tern_imap_connection_select_qresync (TernImapConnection  *self,
                                     const char          *mailbox,
                                     guint32              uidvalidity,
                                     guint64              modseq,
                                     const char          *known_uids,
                                     GError             **error)
{
  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (mailbox != NULL, FALSE);
  g_return_val_if_fail (uidvalidity > 0, FALSE);
  g_return_val_if_fail (modseq > 0, FALSE);
  g_return_val_if_fail (known_uids == NULL || valid_sequence_set (known_uids), FALSE);

  return select_qresync (self, mailbox, uidvalidity, modseq, known_uids, NULL, NULL, NULL, NULL, error);
}

gboolean
tern_imap_connection_select_qresync_then (TernImapConnection   *self,
                                          const char           *mailbox,
                                          guint32               uidvalidity,
                                          guint64               modseq,
                                          const char           *then,
                                          TernImapBetweenFunc   between,
                                          gpointer              user_data,
                                          gboolean             *then_ok,
                                          GError              **error)
{
  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (mailbox != NULL, FALSE);
  g_return_val_if_fail (uidvalidity > 0, FALSE);
  g_return_val_if_fail (modseq > 0, FALSE);
  g_return_val_if_fail (then != NULL, FALSE);

  return select_qresync (self, mailbox, uidvalidity, modseq, NULL, then, between, user_data, then_ok, error);
}

gboolean
tern_imap_connection_is_qresync_enabled (TernImapConnection *self)
{
  g_return_val_if_fail (self != NULL, FALSE);

  return self->qresync_enabled;
}

gboolean
tern_imap_connection_get_mailbox (TernImapConnection *self,
                                  TernImapMailbox    *out)
{
  struct mailimap_selection_info *sel;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (out != NULL, FALSE);

  sel = self->session != NULL ? self->session->imap_selection_info : NULL;
  if (sel == NULL)
    return FALSE;
  out->uidvalidity = sel->sel_uidvalidity;
  out->uidnext = sel->sel_uidnext;
  out->exists = sel->sel_exists;
  out->highestmodseq = 0;
  return TRUE;
}

gboolean
tern_imap_connection_unselect (TernImapConnection  *self,
                               GError             **error)
{
  g_return_val_if_fail (self != NULL && self->session != NULL, FALSE);

  if (tern_imap_connection_has_capability (self, "UNSELECT"))
    {
      if (!tern_imap_connection_raw_command (self, "UNSELECT", error))
        return FALSE;
      self->session->imap_state = MAILIMAP_STATE_AUTHENTICATED;
      return TRUE;
    }
  /* Never CLOSE: it expunges. A read-only EXAMINE leaves the mailbox quietly. */
  return tern_imap_connection_check (self, mailimap_examine (self->session, "INBOX"), "EXAMINE", error);
}

static void read_status (struct mailimap_mailbox_data_status *status,
                         TernImapMailbox                     *out);

gboolean
tern_imap_connection_status (TernImapConnection  *self,
                             const char          *mailbox,
                             gboolean             highestmodseq,
                             TernImapMailbox     *out,
                             GError             **error)
{
  struct mailimap_status_att_list *atts;
  struct mailimap_mailbox_data_status *status = NULL;
  int r;

  g_return_val_if_fail (self != NULL && self->session != NULL, FALSE);
  g_return_val_if_fail (mailbox != NULL, FALSE);
  g_return_val_if_fail (out != NULL, FALSE);

  memset (out, 0, sizeof *out);
  atts = mailimap_status_att_list_new_empty ();
  mailimap_status_att_list_add (atts, MAILIMAP_STATUS_ATT_MESSAGES);
  mailimap_status_att_list_add (atts, MAILIMAP_STATUS_ATT_UIDNEXT);
  mailimap_status_att_list_add (atts, MAILIMAP_STATUS_ATT_UIDVALIDITY);
  if (highestmodseq)
    mailimap_status_att_list_add (atts, MAILIMAP_STATUS_ATT_HIGHESTMODSEQ);
  r = mailimap_status (self->session, mailbox, atts, &status);
  mailimap_status_att_list_free (atts);
  if (!tern_imap_connection_check (self, r, "STATUS", error))
    return FALSE;
  /* A tagged OK without its "* STATUS" line: libetpan reports success with no result. */
  if (status == NULL)
    {
      g_set_error (error, TERN_SYNC_ERROR, TERN_SYNC_ERROR_PROTOCOL,
                   "The server gave no STATUS for “%s”", mailbox);
      return FALSE;
    }

  read_status (status, out);
  mailimap_mailbox_data_status_free (status);
  return TRUE;
}

typedef struct
{
  TernImapMailbox *out;
  char           **rights;
} Many;

static void
status_response_cb (TernImapConnection *self,
                    guint               index,
                    gboolean            ok,
                    gpointer            user_data)
{
  Many *many = user_data;
  struct mailimap_response_info *info = self->session->imap_response_info;

  memset (&many->out[index], 0, sizeof many->out[index]);
  if (ok && info != NULL && info->rsp_status != NULL)
    read_status (info->rsp_status, &many->out[index]);
}

gboolean
tern_imap_connection_status_many (TernImapConnection  *self,
                                  const char * const  *mailboxes,
                                  gboolean             highestmodseq,
                                  TernImapMailbox     *out,
                                  GError             **error)
{
  g_autoptr(GPtrArray) commands = g_ptr_array_new_with_free_func (g_free);
  Many many = { out, NULL };

  g_return_val_if_fail (self != NULL && self->session != NULL, FALSE);
  g_return_val_if_fail (mailboxes != NULL && out != NULL, FALSE);

  for (guint i = 0; mailboxes[i] != NULL; i++)
    {
      g_autofree char *quoted = _tern_imap_quote (mailboxes[i]);

      g_ptr_array_add (commands, g_strdup_printf ("STATUS %s (MESSAGES UIDNEXT UIDVALIDITY%s)", quoted,
                                                  highestmodseq ? " HIGHESTMODSEQ" : ""));
    }
  g_ptr_array_add (commands, NULL);

  return _tern_imap_pipeline (self, (const char * const *) commands->pdata, status_response_cb, &many, error);
}

static void
read_status (struct mailimap_mailbox_data_status *status,
             TernImapMailbox                     *out)
{
  memset (out, 0, sizeof *out);
  for (clistiter *it = clist_begin (status->st_info_list); it != NULL; it = clist_next (it))
    {
      struct mailimap_status_info *info = clist_content (it);

      /* libetpan files HIGHESTMODSEQ under an extension record. */
      if (info->st_ext_data != NULL && info->st_ext_data->ext_extension == &mailimap_extension_condstore &&
          info->st_ext_data->ext_data != NULL)
        {
          out->highestmodseq =
            ((struct mailimap_condstore_status_info *) info->st_ext_data->ext_data)->cs_highestmodseq_value;
          continue;
        }
      switch (info->st_att)
        {
        case MAILIMAP_STATUS_ATT_MESSAGES: out->exists = info->st_value; break;
        case MAILIMAP_STATUS_ATT_UIDNEXT: out->uidnext = info->st_value; break;
        case MAILIMAP_STATUS_ATT_UIDVALIDITY: out->uidvalidity = info->st_value; break;
        default: break;
        }
    }
}

void
tern_imap_list_entry_free (TernImapListEntry *entry)
{
  if (entry == NULL)
    return;
  g_free (entry->name);
  g_strfreev (entry->attributes);
  g_free (entry);
}

TernImapListEntry *
_tern_imap_list_entry_new (struct mailimap_mailbox_list *mb)
{
  TernImapListEntry *entry = g_new0 (TernImapListEntry, 1);
  GPtrArray *attributes = g_ptr_array_new ();

  entry->name = g_strdup (mb->mb_name);
  entry->delimiter = mb->mb_delimiter;
  if (mb->mb_flag != NULL)
    {
      if (mb->mb_flag->mbf_type == MAILIMAP_MBX_LIST_FLAGS_SFLAG)
        {
          switch (mb->mb_flag->mbf_sflag)
            {
            case MAILIMAP_MBX_LIST_SFLAG_NOSELECT:
              g_ptr_array_add (attributes, g_strdup ("\\Noselect"));
              break;
            case MAILIMAP_MBX_LIST_SFLAG_MARKED:
              g_ptr_array_add (attributes, g_strdup ("\\Marked"));
              break;
            case MAILIMAP_MBX_LIST_SFLAG_UNMARKED:
              g_ptr_array_add (attributes, g_strdup ("\\Unmarked"));
              break;
            default:
              break;
            }
        }
      for (clistiter *it = clist_begin (mb->mb_flag->mbf_oflags); it != NULL; it = clist_next (it))
        {
          struct mailimap_mbx_list_oflag *of = clist_content (it);

          if (of->of_type == MAILIMAP_MBX_LIST_OFLAG_NOINFERIORS)
            g_ptr_array_add (attributes, g_strdup ("\\Noinferiors"));
          else if (of->of_flag_ext != NULL)
            g_ptr_array_add (attributes, g_strdup_printf ("\\%s", of->of_flag_ext));
        }
    }
  g_ptr_array_add (attributes, NULL);
  entry->attributes = (char **) g_ptr_array_free (attributes, FALSE);
  return entry;
}

GPtrArray *
tern_imap_connection_list (TernImapConnection  *self,
                           gboolean             lsub,
                           const char          *reference,
                           const char          *pattern,
                           GError             **error)
{
  clist *result = NULL;
  GPtrArray *entries;
  int r;

  g_return_val_if_fail (self != NULL && self->session != NULL, NULL);
  g_return_val_if_fail (reference != NULL && pattern != NULL, NULL);

  r = lsub ? mailimap_lsub (self->session, reference, pattern, &result)
           : mailimap_list (self->session, reference, pattern, &result);
  if (!tern_imap_connection_check (self, r, lsub ? "LSUB" : "LIST", error))
    return NULL;
  entries = g_ptr_array_new_with_free_func ((GDestroyNotify) tern_imap_list_entry_free);
  for (clistiter *it = clist_begin (result); it != NULL; it = clist_next (it))
    g_ptr_array_add (entries, _tern_imap_list_entry_new (clist_content (it)));
  mailimap_list_result_free (result);
  return entries;
}

typedef struct
{
  GPtrArray *lsub;
  GPtrArray *list;
} Lists;

static void
lists_response_cb (TernImapConnection *self,
                   guint               index,
                   gboolean            ok,
                   gpointer            user_data)
{
  Lists *lists = user_data;
  struct mailimap_response_info *info = self->session->imap_response_info;
  GPtrArray **out = index == 0 ? &lists->lsub : &lists->list;
  clist *result = info == NULL ? NULL : index == 0 ? info->rsp_mailbox_lsub : info->rsp_mailbox_list;

  if (!ok)
    return;
  *out = g_ptr_array_new_with_free_func ((GDestroyNotify) tern_imap_list_entry_free);
  for (clistiter *it = clist_begin (result); it != NULL; it = clist_next (it))
    g_ptr_array_add (*out, _tern_imap_list_entry_new (clist_content (it)));
}

gboolean
tern_imap_connection_list_both (TernImapConnection  *self,
                                const char          *pattern,
                                GPtrArray          **lsub_out,
                                GPtrArray          **list_out,
                                GError             **error)
{
  g_autofree char *quoted = NULL;
  g_autofree char *lsub = NULL;
  g_autofree char *list = NULL;
  const char *commands[3];
  Lists lists = { NULL, NULL };

  g_return_val_if_fail (self != NULL && self->session != NULL, FALSE);
  g_return_val_if_fail (pattern != NULL && lsub_out != NULL && list_out != NULL, FALSE);

  quoted = _tern_imap_quote (pattern);
  commands[0] = lsub = g_strdup_printf ("LSUB \"\" %s", quoted);
  commands[1] = list = g_strdup_printf ("LIST \"\" %s", quoted);
  commands[2] = NULL;
  if (!_tern_imap_pipeline (self, commands, lists_response_cb, &lists, error) ||
      lists.lsub == NULL || lists.list == NULL)
    {
      if (error != NULL && *error == NULL)
        g_set_error (error, TERN_SYNC_ERROR, TERN_SYNC_ERROR_PERMANENT, "%s failed: %s",
                     lists.lsub == NULL ? "LSUB" : "LIST", _tern_imap_server_text (self));
      g_clear_pointer (&lists.lsub, g_ptr_array_unref);
      g_clear_pointer (&lists.list, g_ptr_array_unref);
      return FALSE;
    }
  *lsub_out = lists.lsub;
  *list_out = lists.list;
  return TRUE;
}

static GPtrArray *
namespace_prefixes (struct mailimap_namespace_item *item)
{
  GPtrArray *out = g_ptr_array_new_with_free_func (g_free);

  if (item == NULL || item->ns_data_list == NULL)
    return out;
  for (clistiter *it = clist_begin (item->ns_data_list); it != NULL; it = clist_next (it))
    {
      struct mailimap_namespace_info *info = clist_content (it);

      g_ptr_array_add (out, g_strdup (info->ns_prefix));
    }
  return out;
}

gboolean
tern_imap_connection_namespace (TernImapConnection  *self,
                                GPtrArray          **personal_out,
                                GPtrArray          **other_out,
                                GPtrArray          **shared_out,
                                GError             **error)
{
  struct mailimap_namespace_data *ns = NULL;
  int r;

  g_return_val_if_fail (self != NULL && self->session != NULL, FALSE);

  r = mailimap_namespace (self->session, &ns);
  if (!tern_imap_connection_check (self, r, "NAMESPACE", error))
    return FALSE;
  if (personal_out != NULL)
    *personal_out = namespace_prefixes (ns ? ns->ns_personal : NULL);
  if (other_out != NULL)
    *other_out = namespace_prefixes (ns ? ns->ns_other : NULL);
  if (shared_out != NULL)
    *shared_out = namespace_prefixes (ns ? ns->ns_shared : NULL);
  if (ns != NULL)
    mailimap_namespace_data_free (ns);
  return TRUE;
}

/* MYRIGHTS sent raw: libetpan's mailimap_acl_myrights() refuses to run while a mailbox is
 * selected, and a worker nearly always has one selected. */
char *
tern_imap_connection_myrights (TernImapConnection  *self,
                               const char          *mailbox,
                               GError             **error)
{
  g_autofree char *quoted = NULL;
  g_autofree char *command = NULL;
  struct mailimap_response_info *info;

  g_return_val_if_fail (self != NULL && self->session != NULL, NULL);
  g_return_val_if_fail (mailbox != NULL, NULL);

  quoted = _tern_imap_quote (mailbox);
  command = g_strdup_printf ("MYRIGHTS %s", quoted);
  if (!tern_imap_connection_raw_command (self, command, error))
    return NULL;
  info = self->session->imap_response_info;
  for (clistiter *it = info ? clist_begin (info->rsp_extension_list) : NULL; it != NULL; it = clist_next (it))
    {
      struct mailimap_extension_data *ext = clist_content (it);

      if (ext->ext_extension->ext_id == MAILIMAP_EXTENSION_ACL &&
          ext->ext_type == MAILIMAP_ACL_TYPE_MYRIGHTS_DATA && ext->ext_data != NULL)
        return g_strdup (((struct mailimap_acl_myrights_data *) ext->ext_data)->rights);
    }
  g_set_error (error, TERN_SYNC_ERROR, TERN_SYNC_ERROR_PROTOCOL, "No MYRIGHTS data for %s", mailbox);
  return NULL;
}

static void
myrights_response_cb (TernImapConnection *self,
                      guint               index,
                      gboolean            ok,
                      gpointer            user_data)
{
  Many *many = user_data;
  struct mailimap_response_info *info = self->session->imap_response_info;

  for (clistiter *it = ok && info ? clist_begin (info->rsp_extension_list) : NULL; it != NULL; it = clist_next (it))
    {
      struct mailimap_extension_data *ext = clist_content (it);

      if (ext->ext_extension->ext_id == MAILIMAP_EXTENSION_ACL &&
          ext->ext_type == MAILIMAP_ACL_TYPE_MYRIGHTS_DATA && ext->ext_data != NULL)
        {
          g_free (many->rights[index]);
          many->rights[index] = g_strdup (((struct mailimap_acl_myrights_data *) ext->ext_data)->rights);
        }
    }
}

char **
tern_imap_connection_myrights_many (TernImapConnection  *self,
                                    const char * const  *mailboxes,
                                    GError             **error)
{
  g_autoptr(GPtrArray) commands = g_ptr_array_new_with_free_func (g_free);
  guint n;
  Many many = { NULL, NULL };

  g_return_val_if_fail (self != NULL && self->session != NULL, NULL);
  g_return_val_if_fail (mailboxes != NULL, NULL);

  n = g_strv_length ((char **) mailboxes);
  for (guint i = 0; i < n; i++)
    {
      g_autofree char *quoted = _tern_imap_quote (mailboxes[i]);

      g_ptr_array_add (commands, g_strdup_printf ("MYRIGHTS %s", quoted));
    }
  g_ptr_array_add (commands, NULL);

  /* n + 1 slots, all NULL: a folder without an answer keeps its NULL. */
  many.rights = g_new0 (char *, n + 1);
  if (!_tern_imap_pipeline (self, (const char * const *) commands->pdata, myrights_response_cb, &many, error))
    {
      for (guint i = 0; i < n; i++)
        g_free (many.rights[i]);
      g_free (many.rights);
      return NULL;
    }
  return many.rights;
}

gboolean
tern_imap_connection_create (TernImapConnection  *self,
                             const char          *mailbox,
                             GError             **error)
{
  g_return_val_if_fail (self != NULL && self->session != NULL, FALSE);
  g_return_val_if_fail (mailbox != NULL, FALSE);

  return tern_imap_connection_check (self, mailimap_create (self->session, mailbox), "CREATE", error);
}

gboolean
tern_imap_connection_create_special (TernImapConnection  *self,
                                     const char          *mailbox,
                                     const char          *special_use,
                                     GError             **error)
{
  g_autofree char *quoted = NULL;
  g_autofree char *command = NULL;

  g_return_val_if_fail (self != NULL && self->session != NULL, FALSE);
  g_return_val_if_fail (mailbox != NULL, FALSE);

  /* Only a flag of the form \Word goes on the wire. */
  if (special_use == NULL || special_use[0] != '\\' || special_use[1] == '\0' ||
      strspn (special_use + 1, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz") != strlen (special_use + 1) ||
      !tern_imap_connection_has_capability (self, "CREATE-SPECIAL-USE"))
    return tern_imap_connection_create (self, mailbox, error);
  quoted = _tern_imap_quote (mailbox);
  command = g_strdup_printf ("CREATE %s (USE (%s))", quoted, special_use);
  return tern_imap_connection_raw_command (self, command, error);
}

gboolean
tern_imap_connection_delete (TernImapConnection  *self,
                             const char          *mailbox,
                             GError             **error)
{
  g_return_val_if_fail (self != NULL && self->session != NULL, FALSE);
  g_return_val_if_fail (mailbox != NULL, FALSE);

  return tern_imap_connection_check (self, mailimap_delete (self->session, mailbox), "DELETE", error);
}

gboolean
tern_imap_connection_rename (TernImapConnection  *self,
                             const char          *mailbox,
                             const char          *new_name,
                             GError             **error)
{
  g_return_val_if_fail (self != NULL && self->session != NULL, FALSE);
  g_return_val_if_fail (mailbox != NULL && new_name != NULL, FALSE);

  return tern_imap_connection_check (self, mailimap_rename (self->session, mailbox, new_name),
                                     "RENAME", error);
}

gboolean
tern_imap_connection_subscribe (TernImapConnection  *self,
                                const char          *mailbox,
                                gboolean             subscribe,
                                GError             **error)
{
  int r;

  g_return_val_if_fail (self != NULL && self->session != NULL, FALSE);
  g_return_val_if_fail (mailbox != NULL, FALSE);

  r = subscribe ? mailimap_subscribe (self->session, mailbox)
                : mailimap_unsubscribe (self->session, mailbox);
  /* Both are reported as "SUBSCRIBE", as the journal's messages always said. */
  return tern_imap_connection_check (self, r, "SUBSCRIBE", error);
}

gboolean
tern_imap_connection_noop (TernImapConnection  *self,
                           GError             **error)
{
  g_return_val_if_fail (self != NULL && self->session != NULL, FALSE);

  return tern_imap_connection_check (self, mailimap_noop (self->session), "NOOP", error);
}
