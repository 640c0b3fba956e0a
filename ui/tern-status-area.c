/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "tern-status-area"

#include "config.h"

#include <adwaita.h>
#include <glib/gi18n.h>

#include "tern-journal.h"
#include "tern-mail-service.h"
#include "tern-outbox.h"
#include "tern-status-area.h"
#include "tern-window.h"

/*
 * Being offline, visibly: a line at the foot of the sidebar says online / offline /
 * syncing (with progress) and how many actions wait for the server and messages wait to be
 * sent. Its popover lists them, with the reason of any that failed, and lets the user retry
 * or discard those.
 */

struct _TernStatusArea
{
  GtkWidget        parent_instance;

  /* Borrowed. */
  TernApplication *app;

  /* Children. */
  GtkWidget       *button;
  GtkWidget       *icon;
  GtkWidget       *label;
  GtkWidget       *progress;
  GtkWidget       *popover;
  GtkWidget       *accounts_box;
  GtkWidget       *actions_box;
  GtkWidget       *empty_label;
  GtkWidget       *actions_title;

  GPtrArray       *watched;
  char            *shown;     /* what the popover's rows say: rebuilt only when it changes */   /* TernAccountWorker we listen to (weak) */
  char            *text;
};

G_DEFINE_FINAL_TYPE (TernStatusArea, tern_status_area, GTK_TYPE_WIDGET)

#define POPOVER_WIDTH   360
#define MAX_LIST_HEIGHT 560

/* The account's state in words: the enum's nick is for code, not for people. */
static const char *
describe_state (TernAccountState state)
{
  switch (state)
    {
    case TERN_ACCOUNT_STATE_OFFLINE:
      return _("Offline");
    case TERN_ACCOUNT_STATE_CONNECTING:
      return _("Connecting…");
    case TERN_ACCOUNT_STATE_SYNCING:
      return _("Syncing…");
    case TERN_ACCOUNT_STATE_ONLINE:
      return _("Online");
    case TERN_ACCOUNT_STATE_NEEDS_USER:
      return _("Needs attention");
    default:
      return "";
    }
}

static const char *
describe_kind (const char *kind)
{
  if (g_strcmp0 (kind, TERN_ACTION_FLAGS) == 0)
    return _("Change flags");
  if (g_strcmp0 (kind, TERN_ACTION_MOVE) == 0)
    return _("Move");
  if (g_strcmp0 (kind, TERN_ACTION_COPY) == 0)
    return _("Copy");
  if (g_strcmp0 (kind, TERN_ACTION_EXPUNGE) == 0 || g_strcmp0 (kind, TERN_ACTION_EXPUNGE_UIDS) == 0)
    return _("Delete permanently");
  if (g_strcmp0 (kind, TERN_ACTION_APPEND) == 0)
    return _("Upload");
  if (g_strcmp0 (kind, TERN_ACTION_FOLDER_CREATE) == 0)
    return _("Create folder");
  if (g_strcmp0 (kind, TERN_ACTION_FOLDER_RENAME) == 0)
    return _("Rename folder");
  if (g_strcmp0 (kind, TERN_ACTION_FOLDER_DELETE) == 0)
    return _("Delete folder");
  if (g_strcmp0 (kind, TERN_ACTION_SUBSCRIBE) == 0)
    return _("Subscribe");
  if (g_strcmp0 (kind, TERN_ACTION_UNSUBSCRIBE) == 0)
    return _("Unsubscribe");
  if (g_strcmp0 (kind, TERN_ACTION_SETACL) == 0)
    return _("Share folder");
  if (g_strcmp0 (kind, TERN_ACTION_DELETEACL) == 0)
    return _("Stop sharing folder");
  return kind;
}

/* One flag added or removed, in the words of the window's buttons; NULL for a flag the
 * window does not set. */
static const char *
describe_flag (const char *flag,
               gboolean    add)
{
  if (g_strcmp0 (flag, "\\Seen") == 0)
    return add ? _("Mark as read") : _("Mark as unread");
  if (g_strcmp0 (flag, "\\Flagged") == 0)
    return add ? _("Star") : _("Unstar");
  if (g_strcmp0 (flag, "\\Answered") == 0 && add)
    return _("Mark as answered");
  if (g_strcmp0 (flag, "$Forwarded") == 0 && add)
    return _("Mark as forwarded");
  return NULL;
}

/* A flag change in words ("Mark as read, Star"); NULL when one of its flags has no words,
 * and the change is then shown with its IMAP flags. */
static char *
describe_flags (const TernAction *a)
{
  const char *lists[2] = { a->add_flags, a->remove_flags };
  g_autoptr(GString) s = g_string_new (NULL);

  if (g_strcmp0 (a->kind, TERN_ACTION_FLAGS) != 0)
    return NULL;
  for (guint i = 0; i < G_N_ELEMENTS (lists); i++)
    {
      g_auto(GStrv) flags = g_strsplit (lists[i] ? lists[i] : "", " ", -1);

      for (guint j = 0; flags[j] != NULL; j++)
        {
          const char *words;

          if (*flags[j] == '\0')
            continue;
          if ((words = describe_flag (flags[j], i == 0)) == NULL)
            return NULL;
          if (s->len > 0)
            g_string_append (s, ", ");
          g_string_append (s, words);
        }
    }
  return s->len > 0 ? g_string_free (g_steal_pointer (&s), FALSE) : NULL;
}

static char *
describe_action (TernStore        *store,
                 const TernAction *a)
{
  g_autoptr(TernMessage) m = NULL;
  g_autofree char *words = describe_flags (a);
  GString *s = g_string_new (words ? words : describe_kind (a->kind));

  if (g_strcmp0 (a->kind, TERN_ACTION_FLAGS) == 0 && words == NULL)
    {
      if (a->add_flags && *a->add_flags)
        g_string_append_printf (s, " +%s", a->add_flags);
      if (a->remove_flags && *a->remove_flags)
        g_string_append_printf (s, " −%s", a->remove_flags);
    }
  else if ((g_strcmp0 (a->kind, TERN_ACTION_MOVE) == 0 || g_strcmp0 (a->kind, TERN_ACTION_COPY) == 0)
           && a->target != 0)
    {
      g_autoptr(TernFolder) target = tern_store_get_folder_by_id (store, a->target, NULL);

      if (target != NULL)
        {
          g_string_truncate (s, 0);
          g_string_append_printf (s,
                                  g_strcmp0 (a->kind, TERN_ACTION_MOVE) == 0
                                  ? _("Move to %s") : _("Copy to %s"),
                                  target->display_name ? target->display_name : target->name);
        }
    }
  if (a->message != 0 && (m = tern_store_get_message (store, a->message, NULL)) != NULL)
    g_string_append_printf (s, " · %s", m->subject ? m->subject : _("(no subject)"));
  else if (a->name != NULL)
    g_string_append_printf (s, " · %s", a->new_name ? a->new_name : a->name);
  return g_string_free (s, FALSE);
}

static void
retry_clicked_cb (GtkButton      *button,
                  TernStatusArea *self)
{
  gint64 id = *(gint64 *) g_object_get_data (G_OBJECT (button), "action-id");
  gint64 account = *(gint64 *) g_object_get_data (G_OBJECT (button), "account-id");
  gboolean discard = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (button), "discard"));
  TernMailService *service = tern_application_get_mail_service (self->app);
  g_autoptr(GError) error = NULL;

  /* Through the mail service: the folders it touched get their change sets (a discarded
   * change was undone in the cache), the queue count follows, the worker is woken. */
  if (discard ? !tern_mail_service_discard_action (service, id, &error)
              : !tern_mail_service_retry_action (service, id, &error))
    g_debug ("Cannot change action %" G_GINT64_FORMAT " of account %" G_GINT64_FORMAT ": %s",
             id, account, error->message);
  tern_status_area_update (self);
}

static GtkWidget *
action_button (TernStatusArea   *self,
               const TernAction *a,
               const char       *label,
               gboolean          discard)
{
  GtkWidget *button = gtk_button_new_with_mnemonic (label);

  gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
  g_object_set_data_full (G_OBJECT (button), "action-id", g_memdup2 (&a->id, sizeof a->id), g_free);
  g_object_set_data_full (G_OBJECT (button), "account-id",
                          g_memdup2 (&a->account_id, sizeof a->account_id), g_free);
  g_object_set_data (G_OBJECT (button), "discard", GINT_TO_POINTER (discard));
  g_signal_connect (button, "clicked", G_CALLBACK (retry_clicked_cb), self);
  if (discard)
    gtk_widget_add_css_class (button, "destructive-action");
  return button;
}

/* The outbox: a message refused, or whose outcome is unknown, waits for the user. */

static void
outbox_clicked_cb (GtkButton      *button,
                   TernStatusArea *self)
{
  gint64 id = *(gint64 *) g_object_get_data (G_OBJECT (button), "outbox-id");
  gint64 account = *(gint64 *) g_object_get_data (G_OBJECT (button), "account-id");
  const char *what = g_object_get_data (G_OBJECT (button), "what");
  TernStore *store = tern_application_get_store (self->app);
  TernAccountWorker *worker = tern_application_get_worker (self->app, account);
  g_autoptr(GError) error = NULL;
  gboolean ok;

  if (g_str_equal (what, "discard"))
    ok = tern_outbox_discard (store, id, &error);
  else if (g_str_equal (what, "sent"))
    ok = tern_outbox_mark_sent (store, id, &error);
  else
    ok = tern_outbox_retry (store, id, &error);
  if (!ok)
    g_debug ("Cannot change outbox message %" G_GINT64_FORMAT ": %s", id, error->message);
  if (worker != NULL)
    tern_account_worker_send_now (worker);
  tern_status_area_update (self);
}

static GtkWidget *
outbox_button (TernStatusArea       *self,
               const TernOutboxItem *item,
               const char           *label,
               const char           *what)
{
  GtkWidget *button = gtk_button_new_with_mnemonic (label);

  gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
  g_object_set_data_full (G_OBJECT (button), "outbox-id", g_memdup2 (&item->id, sizeof item->id), g_free);
  g_object_set_data_full (G_OBJECT (button), "account-id",
                          g_memdup2 (&item->account_id, sizeof item->account_id), g_free);
  g_object_set_data (G_OBJECT (button), "what", (gpointer) what);
  g_signal_connect (button, "clicked", G_CALLBACK (outbox_clicked_cb), self);
  if (g_str_equal (what, "discard"))
    gtk_widget_add_css_class (button, "destructive-action");
  return button;
}

static guint
add_outbox_rows (TernStatusArea *self,
                 gint64          account_id)
{
  g_autoptr(GPtrArray) items = tern_outbox_list (tern_application_get_store (self->app), account_id,
                                                 FALSE, NULL);
  guint shown = 0;

  for (guint i = 0; items != NULL && i < items->len; i++)
    {
      const TernOutboxItem *item = items->pdata[i];
      g_autofree char *title = g_strdup_printf (_("Send · %s"), item->subject && *item->subject
                                                                ? item->subject : _("(no subject)"));
      g_autofree char *why = NULL;
      GtkWidget *row = adw_action_row_new ();

      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
      adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
      if (g_str_equal (item->state, TERN_OUTBOX_FAILED))
        {
          why = g_strdup_printf (_("Not sent: %s"), item->error ? item->error : "");
          adw_action_row_add_suffix (ADW_ACTION_ROW (row), outbox_button (self, item, _("_Retry"), "retry"));
          adw_action_row_add_suffix (ADW_ACTION_ROW (row), outbox_button (self, item, _("_Discard"), "discard"));
        }
      else if (g_str_equal (item->state, TERN_OUTBOX_UNKNOWN))
        {
          why = g_strdup_printf (_("May or may not have been sent: %s"), item->error ? item->error : "");
          adw_action_row_add_suffix (ADW_ACTION_ROW (row), outbox_button (self, item, _("It _Was Sent"), "sent"));
          adw_action_row_add_suffix (ADW_ACTION_ROW (row), outbox_button (self, item, _("Send _Again"), "retry"));
        }
      else if (g_str_equal (item->state, TERN_OUTBOX_SENDING))
        why = g_strdup (_("Sending…"));
      else
        why = g_strdup (item->error ? item->error : _("Waiting to be sent"));
      adw_action_row_set_subtitle (ADW_ACTION_ROW (row), why);
      gtk_box_append (GTK_BOX (self->actions_box), row);
      shown++;
    }
  return shown;
}

static void
clear_box (GtkWidget *box)
{
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (box)) != NULL)
    gtk_box_remove (GTK_BOX (box), child);
}

/* What the popover would show, in one string: the rows are rebuilt only when it changes, so
 * that the popover does not jump on each update. */
static char *
dup_signature (TernStatusArea *self)
{
  TernStore *store = tern_application_get_store (self->app);
  g_autoptr(GPtrArray) workers = tern_application_list_workers (self->app);
  GString *s = g_string_new (NULL);

  for (guint i = 0; i < workers->len; i++)
    {
      TernAccountWorker *worker = workers->pdata[i];
      gint64 account_id = tern_account_worker_get_account_id (worker);
      g_autoptr(GPtrArray) actions = tern_journal_list (store, account_id, NULL);
      g_autoptr(GPtrArray) items = tern_outbox_list (store, account_id, FALSE, NULL);

      g_string_append_printf (s, "a%" G_GINT64_FORMAT ":%d:%s;", account_id,
                              (int) tern_account_worker_get_state (worker),
                              tern_account_worker_get_last_error (worker) ? tern_account_worker_get_last_error (worker) : "");
      for (guint j = 0; actions != NULL && j < actions->len; j++)
        {
          const TernAction *a = actions->pdata[j];

          g_string_append_printf (s, "j%" G_GINT64_FORMAT ":%s:%s:%s:%s;", a->id, a->state, a->error ? a->error : "",
                                  a->add_flags ? a->add_flags : "", a->remove_flags ? a->remove_flags : "");
        }
      for (guint j = 0; items != NULL && j < items->len; j++)
        {
          const TernOutboxItem *item = items->pdata[j];

          g_string_append_printf (s, "o%s:%s;", item->state, item->error ? item->error : "");
        }
    }
  return g_string_free (s, FALSE);
}

static void
fill_popover (TernStatusArea *self)
{
  TernStore *store = tern_application_get_store (self->app);
  g_autoptr(GPtrArray) workers = tern_application_list_workers (self->app);
  guint shown = 0;
  g_autofree char *signature = dup_signature (self);

  if (g_strcmp0 (signature, self->shown) == 0)
    return;
  g_free (self->shown);
  self->shown = g_steal_pointer (&signature);
  clear_box (self->accounts_box);
  clear_box (self->actions_box);

  for (guint i = 0; i < workers->len; i++)
    {
      TernAccountWorker *worker = workers->pdata[i];
      gint64 account_id = tern_account_worker_get_account_id (worker);
      g_autoptr(TernAccount) account = tern_store_get_account_by_id (store, account_id, NULL);
      g_autoptr(GPtrArray) actions = tern_journal_list (store, account_id, NULL);
      GtkWidget *row = adw_action_row_new ();
      const char *error = tern_account_worker_get_last_error (worker);
      const char *state = describe_state (tern_account_worker_get_state (worker));

      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), account ? account->name : "?");
      adw_action_row_set_subtitle (ADW_ACTION_ROW (row), error ? error : state);
      gtk_box_append (GTK_BOX (self->accounts_box), row);

      for (guint j = 0; actions != NULL && j < actions->len; j++)
        {
          const TernAction *a = actions->pdata[j];
          g_autofree char *title = describe_action (store, a);
          GtkWidget *arow = adw_action_row_new ();
          gboolean failed = tern_action_get_state (a) == TERN_ACTION_STATE_FAILED;

          adw_preferences_row_set_title (ADW_PREFERENCES_ROW (arow), title);
          adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (arow), FALSE);
          if (failed)
            {
              g_autofree char *why = g_strdup_printf (_("Failed: %s"), a->error ? a->error : "");

              adw_action_row_set_subtitle (ADW_ACTION_ROW (arow), why);
              adw_action_row_add_suffix (ADW_ACTION_ROW (arow), action_button (self, a, _("_Retry"), FALSE));
              adw_action_row_add_suffix (ADW_ACTION_ROW (arow), action_button (self, a, _("_Discard"), TRUE));
            }
          else
            {
              g_autofree char *why = a->error ? g_strdup_printf (_("Will try again: %s"), a->error) : NULL;
              GtkWidget *cancel = action_button (self, a, _("_Cancel"), TRUE);

              adw_action_row_set_subtitle (ADW_ACTION_ROW (arow), why ? why : _("Waiting for the server"));
              /* Cancelling one change undoes it here; the others still go. */
              gtk_widget_set_tooltip_text (cancel, _("Undo this change here instead of sending it"));
              gtk_widget_remove_css_class (cancel, "destructive-action");
              gtk_widget_add_css_class (cancel, "flat");
              adw_action_row_add_suffix (ADW_ACTION_ROW (arow), cancel);
            }
          gtk_box_append (GTK_BOX (self->actions_box), arow);
          shown++;
        }
      shown += add_outbox_rows (self, account_id);
    }
  gtk_widget_set_visible (self->empty_label, shown == 0);
  /* No heading over nothing. */
  gtk_widget_set_visible (self->actions_title, shown > 0);
  /* As tall as its rows, up to about ten (a popover's scrolled window otherwise settles on
   * the height of one). */
  {
    GtkWidget *scroller = gtk_widget_get_parent (gtk_widget_get_parent (self->actions_box));
    int height = 0;

    for (GtkWidget *row = gtk_widget_get_first_child (self->actions_box); row != NULL;
         row = gtk_widget_get_next_sibling (row))
      {
        int natural = 0;

        gtk_widget_measure (row, GTK_ORIENTATION_VERTICAL, POPOVER_WIDTH - 12, NULL, &natural, NULL, NULL);
        height += natural;
      }
    gtk_scrolled_window_set_min_content_height (GTK_SCROLLED_WINDOW (scroller), MIN (height, MAX_LIST_HEIGHT));
  }
}

static void
popover_show_cb (TernStatusArea *self)
{
  if (self->app != NULL)
    {
      /* Built again on opening: nothing stale from the last time. */
      g_clear_pointer (&self->shown, g_free);
      fill_popover (self);
    }
}

void
tern_status_area_update (TernStatusArea *self)
{
  g_autoptr(GPtrArray) workers = NULL;
  guint queued = 0, failed = 0, online = 0, syncing = 0, needs_user = 0, to_send = 0;
  double progress = -1;
  const char *folder = NULL;
  guint done = 0, total = 0;
  const char *icon;
  GString *text;

  g_return_if_fail (TERN_IS_STATUS_AREA (self));

  if (self->app == NULL)
    return;
  workers = tern_application_list_workers (self->app);
  for (guint i = 0; i < workers->len; i++)
    {
      TernAccountWorker *w = workers->pdata[i];

      queued += tern_account_worker_get_queued (w);
      failed += tern_account_worker_get_failed (w) + tern_account_worker_get_outbox_failed (w);
      to_send += tern_account_worker_get_outbox_waiting (w);
      switch (tern_account_worker_get_state (w))
        {
        case TERN_ACCOUNT_STATE_ONLINE:
          online++;
          break;
        case TERN_ACCOUNT_STATE_SYNCING:
        case TERN_ACCOUNT_STATE_CONNECTING:
          syncing++;
          if (tern_account_worker_get_progress (w) >= 0)
            {
              progress = tern_account_worker_get_progress (w);
              folder = tern_account_worker_get_status_text (w);
              tern_account_worker_get_progress_counts (w, &done, &total);
            }
          break;
        case TERN_ACCOUNT_STATE_NEEDS_USER:
          needs_user++;
          break;
        case TERN_ACCOUNT_STATE_OFFLINE:
        default:
          break;
        }
    }

  text = g_string_new (NULL);
  if (tern_application_get_work_offline (self->app))
    {
      g_string_append (text, _("Working offline"));
      icon = "network-offline-symbolic";
    }
  else if (syncing > 0)
    {
      /* A first sync of a big folder says how far it has come: "Syncing INBOX… 2,750 of
       * 100,000" (#13), in the user's digit grouping. */
      if (folder != NULL && total > 0 && done < total)
        {
          g_autofree char *d = g_strdup_printf ("%'u", done);
          g_autofree char *t = g_strdup_printf ("%'u", total);

          /* Translators: a folder's name, then how many of its messages are in so far */
          g_string_append_printf (text, _("Syncing %s… %s of %s"), folder, d, t);
        }
      else if (folder != NULL)
        g_string_append_printf (text, _("Syncing %s…"), folder);
      else
        g_string_append (text, _("Syncing…"));
      icon = "emblem-synchronizing-symbolic";
    }
  else if (needs_user > 0)
    {
      g_string_append (text, _("Needs attention"));
      icon = "dialog-warning-symbolic";
    }
  else if (online > 0)
    {
      g_string_append (text, _("Online"));
      icon = "network-idle-symbolic";
    }
  else
    {
      g_string_append (text, _("Offline"));
      icon = "network-offline-symbolic";
    }
  if (queued > 0)
    g_string_append_printf (text, g_dngettext (GETTEXT_PACKAGE, " · %u waiting", " · %u waiting",
                                               queued), queued);
  if (to_send > 0)
    g_string_append_printf (text, g_dngettext (GETTEXT_PACKAGE, " · %u to send", " · %u to send",
                                               to_send), to_send);
  if (failed > 0)
    g_string_append_printf (text, g_dngettext (GETTEXT_PACKAGE, " · %u failed", " · %u failed",
                                               failed), failed);

  g_free (self->text);
  self->text = g_string_free (text, FALSE);
  gtk_label_set_text (GTK_LABEL (self->label), self->text);
  gtk_image_set_from_icon_name (GTK_IMAGE (self->icon), icon);
  gtk_widget_set_visible (self->progress, syncing > 0 && progress >= 0);
  if (progress >= 0)
    gtk_progress_bar_set_fraction (GTK_PROGRESS_BAR (self->progress), progress);
  if (gtk_widget_get_visible (self->popover))
    fill_popover (self);
}

static void
worker_notify_cb (TernStatusArea *self)
{
  tern_status_area_update (self);
}

static void
accounts_changed_cb (TernStatusArea *self)
{
  g_autoptr(GPtrArray) workers = tern_application_list_workers (self->app);

  for (guint i = 0; i < workers->len; i++)
    {
      if (g_ptr_array_find (self->watched, workers->pdata[i], NULL))
        continue;
      g_signal_connect_object (workers->pdata[i], "notify", G_CALLBACK (worker_notify_cb), self,
                               G_CONNECT_SWAPPED);
      g_ptr_array_add (self->watched, workers->pdata[i]);
      g_object_weak_ref (workers->pdata[i], (GWeakNotify) (void (*) (void)) g_ptr_array_remove_fast,
                         self->watched);
    }
  tern_status_area_update (self);
}

void
tern_status_area_set_application (TernStatusArea  *self,
                                  TernApplication *app)
{
  g_return_if_fail (TERN_IS_STATUS_AREA (self));

  self->app = app;
  g_signal_connect_object (app, "accounts-changed", G_CALLBACK (accounts_changed_cb), self,
                           G_CONNECT_SWAPPED);
  /* Every action, undo and replay moves the count: the service says when. */
  if (tern_application_get_mail_service (app) != NULL)
    g_signal_connect_object (tern_application_get_mail_service (app), "queue-changed",
                             G_CALLBACK (worker_notify_cb), self, G_CONNECT_SWAPPED);
  accounts_changed_cb (self);
}

const char *
tern_status_area_get_text (TernStatusArea *self)
{
  g_return_val_if_fail (TERN_IS_STATUS_AREA (self), NULL);

  return self->text;
}

char *
tern_status_area_dup_actions (TernStatusArea *self)
{
  GString *s = g_string_new (NULL);

  g_return_val_if_fail (TERN_IS_STATUS_AREA (self), NULL);

  fill_popover (self);
  for (GtkWidget *row = gtk_widget_get_first_child (self->actions_box); row != NULL;
       row = gtk_widget_get_next_sibling (row))
    g_string_append_printf (s, "%s · %s\n",
                            adw_preferences_row_get_title (ADW_PREFERENCES_ROW (row)),
                            adw_action_row_get_subtitle (ADW_ACTION_ROW (row)));
  return g_string_free (s, FALSE);
}

static void
tern_status_area_dispose (GObject *object)
{
  TernStatusArea *self = TERN_STATUS_AREA (object);

  for (guint i = 0; self->watched != NULL && i < self->watched->len; i++)
    g_object_weak_unref (self->watched->pdata[i], (GWeakNotify) (void (*) (void)) g_ptr_array_remove_fast,
                         self->watched);
  g_clear_pointer (&self->watched, g_ptr_array_unref);
  g_clear_pointer (&self->button, gtk_widget_unparent);
  g_clear_pointer (&self->text, g_free);

  g_clear_pointer (&self->shown, g_free);
  G_OBJECT_CLASS (tern_status_area_parent_class)->dispose (object);
}

static void
tern_status_area_class_init (TernStatusAreaClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  G_OBJECT_CLASS (klass)->dispose = tern_status_area_dispose;
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "ternstatusarea");
}

static void
tern_status_area_init (TernStatusArea *self)
{
  GtkWidget *box, *lines, *content, *title, *scroller, *sync, *offline;

  self->watched = g_ptr_array_new ();

  self->button = gtk_menu_button_new ();
  gtk_widget_add_css_class (self->button, "flat");
  gtk_widget_set_margin_start (self->button, 6);
  gtk_widget_set_margin_end (self->button, 6);
  gtk_widget_set_margin_top (self->button, 6);
  gtk_widget_set_margin_bottom (self->button, 6);
  gtk_widget_set_tooltip_text (self->button, _("Connection and Waiting Actions"));
  gtk_widget_set_parent (self->button, GTK_WIDGET (self));

  box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 8);
  self->icon = gtk_image_new_from_icon_name ("network-offline-symbolic");
  gtk_box_append (GTK_BOX (box), self->icon);
  lines = gtk_box_new (GTK_ORIENTATION_VERTICAL, 2);
  gtk_widget_set_hexpand (lines, TRUE);
  /* Centred on the icon: the button is taller than a caption line. */
  gtk_widget_set_valign (lines, GTK_ALIGN_CENTER);
  gtk_box_append (GTK_BOX (box), lines);
  self->label = gtk_label_new (NULL);
  gtk_label_set_xalign (GTK_LABEL (self->label), 0);
  gtk_label_set_ellipsize (GTK_LABEL (self->label), PANGO_ELLIPSIZE_END);
  gtk_widget_add_css_class (self->label, "caption");
  gtk_box_append (GTK_BOX (lines), self->label);
  self->progress = gtk_progress_bar_new ();
  gtk_widget_set_visible (self->progress, FALSE);
  gtk_box_append (GTK_BOX (lines), self->progress);
  gtk_menu_button_set_child (GTK_MENU_BUTTON (self->button), box);

  self->popover = gtk_popover_new ();
  gtk_widget_set_size_request (self->popover, POPOVER_WIDTH, -1);
  content = gtk_box_new (GTK_ORIENTATION_VERTICAL, 8);
  gtk_widget_set_margin_top (content, 6);
  gtk_widget_set_margin_bottom (content, 6);
  gtk_widget_set_margin_start (content, 6);
  gtk_widget_set_margin_end (content, 6);

  offline = gtk_check_button_new_with_mnemonic (_("_Work offline"));
  gtk_actionable_set_action_name (GTK_ACTIONABLE (offline), "app.work-offline");
  gtk_box_append (GTK_BOX (content), offline);
  sync = gtk_button_new_with_mnemonic (_("_Sync Now"));
  gtk_actionable_set_action_name (GTK_ACTIONABLE (sync), "win.sync");
  gtk_box_append (GTK_BOX (content), sync);

  self->accounts_box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  gtk_widget_add_css_class (self->accounts_box, "boxed-list");
  gtk_box_append (GTK_BOX (content), self->accounts_box);

  title = gtk_label_new (_("Waiting for the Server"));
  gtk_label_set_xalign (GTK_LABEL (title), 0);
  gtk_widget_add_css_class (title, "heading");
  gtk_widget_set_name (title, "actions_title");
  gtk_widget_set_visible (title, FALSE);
  self->actions_title = title;
  gtk_box_append (GTK_BOX (content), title);
  self->empty_label = gtk_label_new (_("Nothing is waiting: every change has reached the server."));
  gtk_label_set_wrap (GTK_LABEL (self->empty_label), TRUE);
  gtk_label_set_xalign (GTK_LABEL (self->empty_label), 0);
  gtk_widget_add_css_class (self->empty_label, "dim-label");
  gtk_box_append (GTK_BOX (content), self->empty_label);
  scroller = gtk_scrolled_window_new ();
  gtk_scrolled_window_set_propagate_natural_height (GTK_SCROLLED_WINDOW (scroller), TRUE);
  /* About ten rows, then it scrolls. */
  gtk_scrolled_window_set_max_content_height (GTK_SCROLLED_WINDOW (scroller), MAX_LIST_HEIGHT);
  gtk_widget_set_name (scroller, "actions_scroller");
  gtk_scrolled_window_set_policy (GTK_SCROLLED_WINDOW (scroller), GTK_POLICY_NEVER, GTK_POLICY_AUTOMATIC);
  self->actions_box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  gtk_widget_add_css_class (self->actions_box, "boxed-list");
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scroller), self->actions_box);
  gtk_box_append (GTK_BOX (content), scroller);

  gtk_popover_set_child (GTK_POPOVER (self->popover), content);
  gtk_menu_button_set_popover (GTK_MENU_BUTTON (self->button), self->popover);
  g_signal_connect_swapped (self->popover, "show", G_CALLBACK (popover_show_cb), self);
}
