/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "tern-sync"

#include "config.h"

#include <string.h>

#include "tern-replay-private.h"
#include "tern-sync-acl.h"
#include "tern-sync-private.h"

/* RFC 4314's letters, RFC 2086's c and d, RFC 5257's n, and the digits RFC 4314 leaves to
 * servers. */
#define ALL_RIGHTS "lrswipkxteacdn0123456789"

static const struct
{
  const char *name;
  const char *rights;
} presets[] = {
  { "read", "lrs" },
  { "triage", "lrswite" },
  { "full", "lrswipkxte" },
};

const char *
tern_acl_preset_rights (const char *preset)
{
  for (guint i = 0; i < G_N_ELEMENTS (presets); i++)
    if (g_strcmp0 (preset, presets[i].name) == 0)
      return presets[i].rights;
  return NULL;
}

char *
tern_acl_parse_rights (const char *text)
{
  const char *preset = tern_acl_preset_rights (text);

  if (preset != NULL)
    return g_strdup (preset);
  if (text == NULL || *text == '\0')
    return NULL;
  for (const char *p = text; *p != '\0'; p++)
    if (strchr (ALL_RIGHTS, *p) == NULL)
      return NULL;
  return g_strdup (text);
}

/* RFC 2086's c and d, still written by servers that know no other (Courier) and alongside the
 * new letters by others (Cyrus): RFC 4314 2.1.1 has c stand for k (and x) and d for t (and e). */
static gboolean
has_right (const char *rights,
           char        letter)
{
  if (rights == NULL)
    return FALSE;
  if (strchr (rights, letter) != NULL)
    return TRUE;
  return (letter == 'k' && strchr (rights, 'c') != NULL) || (letter == 't' && strchr (rights, 'd') != NULL);
}

char *
tern_acl_describe_abilities (const char *rights)
{
  static const struct { char letter; const char *words; } abilities[] = {
    { 'r', "read" },
    { 's', "mark as read" },
    { 'w', "star and tag" },
    { 'i', "file messages into it" },
    { 't', "delete messages" },
    { 'k', "make folders in it" },
    { 'x', "delete or rename it" },
    { 'a', "share it" },
  };
  g_autoptr(GPtrArray) can = g_ptr_array_new ();
  GString *out;

  for (guint i = 0; i < G_N_ELEMENTS (abilities); i++)
    if (has_right (rights, abilities[i].letter))
      g_ptr_array_add (can, (gpointer) abilities[i].words);
  if (can->len == 0)
    return NULL;
  out = g_string_new (NULL);
  for (guint i = 0; i < can->len; i++)
    {
      if (i > 0)
        g_string_append (out, i + 1 == can->len ? " and " : ", ");
      g_string_append (out, can->pdata[i]);
    }
  return g_string_free (out, FALSE);
}

char *
tern_acl_describe (const char *identifier,
                   const char *rights)
{
  g_autofree char *can = tern_acl_describe_abilities (rights);
  const char *who = g_strcmp0 (identifier, "anyone") == 0 ? "anyone" : identifier;

  if (can == NULL)
    return g_strdup_printf ("%s %s", who,
                            rights && strchr (rights, 'l') ? "can see it, not read it" : "has no access");
  return g_strdup_printf ("%s can %s", who, can);
}

static const char *
group_of (const char * const *optional,
          char                letter)
{
  for (guint i = 0; optional != NULL && optional[i] != NULL; i++)
    if (strchr (optional[i], letter) != NULL)
      return optional[i];
  return NULL;
}

static void
add_letters (GString    *out,
             const char *letters)
{
  for (const char *p = letters; p != NULL && *p != '\0'; p++)
    if (strchr (out->str, *p) == NULL)
      g_string_append_c (out, *p);
}

char *
tern_acl_fit_rights (const char         *wanted,
                     const char         *required,
                     const char * const *optional,
                     char              **missing_out)
{
  g_autoptr(GString) out = g_string_new (NULL);
  g_autoptr(GString) missing = g_string_new (NULL);

  g_return_val_if_fail (wanted != NULL, NULL);

  add_letters (out, required);
  for (const char *p = wanted; *p != '\0'; p++)
    {
      const char *group = group_of (optional, *p);
      char old = (*p == 'k' || *p == 'x') ? 'c' : (*p == 't' || *p == 'e') ? 'd' : '\0';

      if (strchr (out->str, *p) != NULL)
        continue;
      if (group == NULL && old != '\0')
        {
          /* A server that knows only RFC 2086's letter for it. */
          if (strchr (out->str, old) != NULL)
            continue;
          group = group_of (optional, old);
        }
      if (group == NULL)
        g_string_append_c (missing, *p);
      else
        add_letters (out, group);
    }
  if (missing->len > 0)
    {
      if (missing_out != NULL)
        *missing_out = g_string_free (g_steal_pointer (&missing), FALSE);
      return NULL;
    }
  return g_string_free (g_steal_pointer (&out), FALSE);
}

char *
tern_acl_extra_rights (const char *rights,
                       const char *wanted)
{
  GString *out = g_string_new (NULL);

  for (const char *p = rights; p != NULL && *p != '\0'; p++)
    if (strchr (wanted ? wanted : "", *p) == NULL && strchr (out->str, *p) == NULL)
      g_string_append_c (out, *p);
  return g_string_free (out, FALSE);
}

gboolean
tern_sync_list_rights (TernSync          *self,
                       const TernFolder  *folder,
                       const char        *identifier,
                       char             **required_out,
                       GStrv             *optional_out,
                       GError           **error)
{
  g_return_val_if_fail (self != NULL && folder != NULL && identifier != NULL, FALSE);

  if (!tern_sync_is_connected (self) && !tern_sync_connect (self, error))
    return FALSE;
  return tern_imap_connection_listrights (self->conn, folder->name, identifier, required_out, optional_out, error);
}

GPtrArray *
tern_sync_get_acl (TernSync          *self,
                   const TernFolder  *folder,
                   char             **myrights_out,
                   GError           **error)
{
  g_autofree char *mine = NULL;

  g_return_val_if_fail (self != NULL && folder != NULL, NULL);

  if (!tern_sync_is_connected (self) && !tern_sync_connect (self, error))
    return NULL;
  mine = tern_imap_connection_myrights (self->conn, folder->name, error);
  if (mine == NULL)
    return NULL;
  if (myrights_out != NULL)
    *myrights_out = g_strdup (mine);
  if (strchr (mine, 'a') == NULL)
    return g_ptr_array_new_with_free_func ((GDestroyNotify) tern_imap_acl_entry_free);
  return tern_imap_connection_getacl (self->conn, folder->name, error);
}

gboolean
_tern_replay_share (TernSync    *self,
                    TernAction  *a,
                    GError     **error)
{
  gboolean ok;

  /* SETACL and DELETEACL set a state: sending one again after a lost answer is harmless. */
  if (g_strcmp0 (a->kind, TERN_ACTION_SETACL) == 0)
    ok = tern_imap_connection_setacl (self->conn, a->name, a->new_name, a->add_flags ? a->add_flags : "", error);
  else
    ok = tern_imap_connection_deleteacl (self->conn, a->name, a->new_name, error);
  return ok && _tern_replay_finish (self, a, error);
}
