/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "tern-window"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "tern-window-private.h"

/* What the message toolbar shows: the rights of the open folder (what they forbid is
 * insensitive, and says why), the state of the message shown. */

/* Another user's folder may be shared without some rights (RFC 4314 MYRIGHTS): what they
 * forbid is insensitive, and says why in words. */

gboolean
_tern_window_folder_allows (TernWindow *self,
                            char        right)
{
  if (self->rights == NULL)
    return TRUE;
  /* RFC 2086's "d" stood for "t" and "e". */
  if ((right == 't' || right == 'e') && strchr (self->rights, 'd') != NULL)
    return TRUE;
  return strchr (self->rights, right) != NULL;
}

void
_tern_window_load_rights (TernWindow *self)
{
  g_autoptr(TernFolder) folder = self->folder_id != 0 ? tern_store_get_folder_by_id (self->store, self->folder_id, NULL)
                                                      : NULL;
  guint pos = tern_folder_model_find (self->folder_model, self->folder_id);
  g_autoptr(TernFolderItem) item = pos != G_MAXUINT ? g_list_model_get_item (G_LIST_MODEL (self->folder_model), pos) : NULL;

  g_clear_pointer (&self->rights, g_free);
  g_clear_pointer (&self->owner, g_free);
  /* Only what the server said; a folder of one's own that never said is all one's. */
  if (folder != NULL && folder->myrights != NULL && *folder->myrights != '\0')
    self->rights = g_strdup (folder->myrights);
  if (item != NULL && tern_folder_item_get_owner (item) != NULL)
    self->owner = g_strdup (tern_folder_item_get_owner (item));
}

/* "alice shares this folder read-only", or the shared folder's equivalent. */
static char *
dup_read_only_reason (TernWindow *self)
{
  if (self->owner != NULL)
    return g_strdup_printf (_("%s shares this folder read-only"), self->owner);
  return g_strdup (_("This shared folder is read-only"));
}

typedef struct
{
  const char *action;
  const char *rights;   /* all needed */
  const char *tooltip;  /* the button's own, when allowed */
} RightsNeed;

static const RightsNeed rights_needs[] = {
  { "win.toggle-read", "s", NULL },
  { "win.mark-read", "s", NULL },
  { "win.mark-unread", "s", NULL },
  { "win.toggle-star", "w", NULL },
  { "win.archive", "te", N_("Archive (A)") },
  { "win.delete", "te", N_("Delete (Delete)") },
  { "win.junk", "te", N_("Mark as Junk (Ctrl+J)") },
  { "win.not-junk", "te", NULL },
  { "win.move-to", "te", NULL },
  { "win.open-move", "te", N_("Move To… (V)") },
};

gboolean
_tern_window_allows_all (TernWindow *self,
                         const char *rights)
{
  for (const char *r = rights; *r != '\0'; r++)
    if (!_tern_window_folder_allows (self, *r))
      return FALSE;
  return TRUE;
}

/* The toolbar's button for an action, if it has one. */
static GtkWidget *
find_action_button (GtkWidget  *root,
                    const char *action)
{
  if (GTK_IS_ACTIONABLE (root) && g_strcmp0 (gtk_actionable_get_action_name (GTK_ACTIONABLE (root)), action) == 0)
    return root;
  for (GtkWidget *child = gtk_widget_get_first_child (root); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_action_button (child, action);

      if (found != NULL)
        return found;
    }
  return NULL;
}

void
_tern_window_update_read_only (TernWindow *self)
{
  gboolean can_seen = _tern_window_folder_allows (self, 's');
  g_autofree char *reason = dup_read_only_reason (self);

  gtk_widget_set_visible (self->read_only_bar, !can_seen && !tern_message_model_get_searching (self->message_model));
  if (!can_seen)
    {
      g_autofree char *text = g_strdup_printf (_("%s: messages you read here stay unread, for you and for them."),
                                               reason);

      gtk_label_set_text (self->read_only_label, text);
    }
}

/* The star and read buttons show the state of the message shown: pressed when it is
 * starred, or unread; their tooltips say what a click does. */
void
_tern_window_update_state_buttons (TernWindow *self)
{
  gint64 id = tern_message_view_get_message_id (self->message_view);
  g_autoptr(TernMessage) m = id != 0 ? tern_store_get_message (self->store, id, NULL) : NULL;
  gboolean flagged = m != NULL && tern_flags_contain (m->flags, "\\Flagged");
  gboolean unread = m != NULL && !tern_flags_contain (m->flags, "\\Seen");

  gtk_toggle_button_set_active (self->star_button, flagged);
  gtk_button_set_icon_name (GTK_BUTTON (self->star_button), flagged ? "starred-symbolic" : "non-starred-symbolic");
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->star_button), flagged ? _("Unstar (S)") : _("Star (S)"));
  gtk_toggle_button_set_active (self->unread_button, unread);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->unread_button),
                               unread ? _("Mark as Read (M)") : _("Mark as Unread (M)"));
  if (!tern_message_model_get_searching (self->message_model))
    {
      g_autofree char *reason = dup_read_only_reason (self);

      if (!_tern_window_folder_allows (self, 'w'))
        gtk_widget_set_tooltip_text (GTK_WIDGET (self->star_button), reason);
      if (!_tern_window_folder_allows (self, 's'))
        gtk_widget_set_tooltip_text (GTK_WIDGET (self->unread_button), reason);
    }
}

void
_tern_window_apply_rights (TernWindow *self)
{
  /* Search results come from many folders: the rights of the one open do not apply. */
  if (!tern_message_model_get_searching (self->message_model))
    for (guint i = 0; i < G_N_ELEMENTS (rights_needs); i++)
      {
        gboolean allowed = _tern_window_allows_all (self, rights_needs[i].rights);
        GtkWidget *button = find_action_button (GTK_WIDGET (self->view_pane), rights_needs[i].action);

        if (!allowed)
          gtk_widget_action_set_enabled (GTK_WIDGET (self), rights_needs[i].action, FALSE);
        if (button != NULL && rights_needs[i].tooltip != NULL)
          {
            g_autofree char *reason = allowed ? NULL : dup_read_only_reason (self);

            gtk_widget_set_tooltip_text (button, allowed ? _(rights_needs[i].tooltip) : reason);
          }
      }
}

/* In Junk the junk button says the opposite: "Not Junk" takes messages back to INBOX. */
void
_tern_window_update_junk_button (TernWindow *self)
{
  guint position = tern_folder_model_find (self->folder_model, self->folder_id);
  g_autoptr(TernFolderItem) item = position != G_MAXUINT
                                   ? g_list_model_get_item (G_LIST_MODEL (self->folder_model), position) : NULL;
  gboolean in_junk = item != NULL && !tern_message_model_get_searching (self->message_model) &&
                     g_strcmp0 (tern_folder_item_get_special_use (item), "\\Junk") == 0;

  gtk_button_set_icon_name (self->junk_button, in_junk ? "mail-mark-notjunk-symbolic" : "mail-mark-junk-symbolic");
  gtk_actionable_set_action_name (GTK_ACTIONABLE (self->junk_button), in_junk ? "win.not-junk" : "win.junk");
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->junk_button),
                               in_junk ? _("Not Junk (Ctrl+Shift+J)") : _("Mark as Junk (Ctrl+J)"));
}

/* "Try the Demo" takes a few seconds to start its server: the button says so, with a
 * spinner, while the app's demo action is off. */
void
_tern_window_update_demo_button (TernWindow *self)
{
  gboolean starting = !g_action_group_get_action_enabled (G_ACTION_GROUP (self->app), "demo") &&
                      g_strcmp0 (gtk_stack_get_visible_child_name (self->main_stack), "welcome") == 0;

  if (starting)
    {
      GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 8);
      GtkWidget *spinner = gtk_spinner_new ();

      gtk_spinner_start (GTK_SPINNER (spinner));
      gtk_box_append (GTK_BOX (box), spinner);
      gtk_box_append (GTK_BOX (box), gtk_label_new (_("Starting the Demo…")));
      gtk_widget_set_halign (box, GTK_ALIGN_CENTER);
      gtk_button_set_child (self->demo_button, box);
    }
  else if (gtk_button_get_label (self->demo_button) == NULL)
    gtk_button_set_label (self->demo_button, _("_Try the Demo"));
}
