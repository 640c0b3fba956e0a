/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "tern-rules-dialog"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "tern-dialog-frame.h"
#include "tern-rules-dialog.h"
#include "tern-sieve-sync.h"

/*
 * The Rules window of an account: the vacation reply, the list of rules (a switch and a
 * remove button each, click to edit) and an editor below it. Every change is saved at once,
 * as a whole, on a thread (ManageSieve): on the server, or kept here for it when it cannot be
 * reached. Rules made by another program are shown as their script, editable as text, and
 * replaced by Tern's only when the user asks. Widgets carry names for the tests.
 */

struct _TernRulesDialog
{
  AdwWindow             parent_instance;

  /* Widgets. */
  AdwToastOverlay      *toasts;
  GtkStack             *stack;
  GtkLabel             *status_label;
  AdwPreferencesGroup  *vacation_group;
  GtkSwitch            *vacation_switch;
  GtkWidget            *vacation_subject;
  GtkWidget            *vacation_from;
  GtkWidget            *vacation_until;
  GtkSpinButton        *vacation_days;
  GtkTextView          *vacation_message;
  AdwPreferencesGroup  *rules_group;
  AdwPreferencesGroup  *editor;
  GtkWidget            *name_row;
  AdwComboRow          *match_row;
  GtkBox               *conditions_box;
  AdwComboRow          *file_into_row;
  GtkSwitch            *mark_read_switch;
  GtkSwitch            *flag_switch;
  GtkWidget            *forward_row;
  GtkSwitch            *stop_switch;
  GtkLabel             *editor_error;
  AdwPreferencesGroup  *foreign_group;
  GtkTextView          *script_view;

  /* Owned. */
  char                 *db_path;
  char                 *account_name;
  TernSieveRules       *rules;        /* NULL while loading, or when the rules are not Tern's */
  GPtrArray            *rule_rows;
  GPtrArray            *folders;      /* display names; [0] is "do not file" */
  GCancellable         *cancellable;
  int                   editing;      /* index of the rule in the editor, -1 a new one */
  gboolean              loaded;
  guint                 busy;

  /* Borrowed. */
  TernStore            *store;
  gint64                account_id;
};

G_DEFINE_FINAL_TYPE (TernRulesDialog, tern_rules_dialog, ADW_TYPE_WINDOW)

static const char *field_labels[] = { N_("From"), N_("To or Cc"), N_("Subject"), N_("List-Id"), N_("Size"), NULL };
static const char *op_labels[] = { N_("contains"), N_("does not contain"), N_("is"), N_("is over"), N_("is under"), NULL };

static void fill (TernRulesDialog *self);

static void
toast (TernRulesDialog *self,
       const char      *text)
{
  adw_toast_overlay_add_toast (self->toasts, adw_toast_new (text));
}

/* Work on a thread, with a cache connection of its own. */

typedef enum
{
  JOB_LOAD,
  JOB_SAVE,
  JOB_REPLACE,
  JOB_RAW,
} JobKind;

typedef struct
{
  JobKind          kind;
  char            *db_path;
  char            *account_name;
  TernSieveRules  *rules;      /* JOB_SAVE, JOB_REPLACE: what to save (a copy via its script) */
  char            *script;     /* JOB_RAW */
  /* Results. */
  TernSieveState  *state;
  gboolean         offline;    /* the server could not be reached: the cache's copy */
  gboolean         queued;
  GError          *error;
} Job;

static void
job_free (Job *job)
{
  g_free (job->db_path);
  g_free (job->account_name);
  tern_sieve_rules_free (job->rules);
  g_free (job->script);
  tern_sieve_state_free (job->state);
  g_clear_error (&job->error);
  g_free (job);
}

static gboolean
unreachable (const GError *error)
{
  return g_error_matches (error, TERN_SYNC_ERROR, TERN_SYNC_ERROR_OFFLINE) ||
         g_error_matches (error, TERN_SYNC_ERROR, TERN_SYNC_ERROR_TRANSIENT);
}

static void
job_thread (GTask        *task,
            gpointer      source,
            gpointer      data,
            GCancellable *cancellable)
{
  Job *job = data;
  g_autoptr(TernStore) store = tern_store_open (job->db_path, &job->error);
  g_autoptr(TernAccount) account = NULL;

  if (store == NULL || (account = tern_store_get_account (store, job->account_name, &job->error)) == NULL)
    return;
  switch (job->kind)
    {
    case JOB_LOAD:
      job->state = tern_sieve_load (store, account, FALSE, 20, &job->error);
      if (job->state == NULL && unreachable (job->error))
        {
          g_clear_error (&job->error);
          job->offline = TRUE;
          job->state = tern_sieve_load (store, account, TRUE, 20, &job->error);
        }
      break;
    case JOB_SAVE:
    case JOB_REPLACE:
      tern_sieve_save (store, account, job->rules, FALSE, job->kind == JOB_REPLACE, 20, &job->queued, &job->error);
      break;
    case JOB_RAW:
      tern_sieve_put_raw (store, account, job->script, 20, &job->error);
      break;
    default:
      g_assert_not_reached ();
    }
}

static void job_done_cb (GObject *source, GAsyncResult *result, gpointer data);

static void
run_job (TernRulesDialog *self,
         Job             *job)
{
  g_autoptr(GTask) task = g_task_new (self, self->cancellable, job_done_cb, NULL);

  job->db_path = g_strdup (self->db_path);
  job->account_name = g_strdup (self->account_name);
  g_task_set_task_data (task, job, (GDestroyNotify) job_free);
  self->busy++;
  gtk_widget_set_sensitive (GTK_WIDGET (self->stack), FALSE);
  g_task_run_in_thread (task, job_thread);
}

static TernSieveRules *
copy_rules (const TernSieveRules *rules)
{
  g_autofree char *script = tern_sieve_rules_to_script (rules, NULL);

  return script ? tern_sieve_rules_from_script (script, NULL) : NULL;
}

/* Saves the rules as they are now in self->rules. */
static void
save (TernRulesDialog *self,
      JobKind          kind)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *script = tern_sieve_rules_to_script (self->rules, &error);
  Job *job;

  if (script == NULL)
    {
      toast (self, error->message);
      return;
    }
  job = g_new0 (Job, 1);
  job->kind = kind;
  job->rules = tern_sieve_rules_from_script (script, NULL);
  run_job (self, job);
}

static void
set_status (TernRulesDialog *self,
            const char      *text)
{
  gtk_label_set_text (self->status_label, text ? text : "");
  gtk_widget_set_visible (GTK_WIDGET (self->status_label), text != NULL && *text != '\0');
}

static void
job_done_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      data)
{
  TernRulesDialog *self = TERN_RULES_DIALOG (source);
  Job *job = g_task_get_task_data (G_TASK (result));

  if (g_cancellable_is_cancelled (self->cancellable))
    return;
  self->busy--;
  gtk_widget_set_sensitive (GTK_WIDGET (self->stack), TRUE);
  if (job->kind == JOB_LOAD)
    {
      self->loaded = TRUE;
      gtk_stack_set_visible_child_name (self->stack, "page");
      if (job->state == NULL)
        {
          set_status (self, job->error->message);
          gtk_widget_set_visible (GTK_WIDGET (self->rules_group), FALSE);
          gtk_widget_set_visible (GTK_WIDGET (self->vacation_group), FALSE);
          return;
        }
      g_clear_pointer (&self->rules, tern_sieve_rules_free);
      self->rules = g_steal_pointer (&job->state->rules);
      if (self->rules == NULL)
        gtk_text_buffer_set_text (gtk_text_view_get_buffer (self->script_view),
                                  job->state->script ? job->state->script : "", -1);
      if (job->offline)
        set_status (self, _("The server cannot be reached: these are the rules kept on this computer. "
                            "Changes go to the server when it can be reached."));
      else if (job->state->pending)
        set_status (self, job->state->error ? job->state->error
                                            : _("Changes made here have not reached the server yet."));
      else
        set_status (self, NULL);
      fill (self);
      return;
    }

  if (job->error != NULL)
    {
      /* Kept here all the same when the server refused: say why. */
      set_status (self, job->error->message);
      toast (self, job->kind == JOB_RAW ? _("The server refused the script") : _("The server refused the rules"));
      return;
    }
  if (job->kind == JOB_RAW)
    {
      toast (self, _("Script saved on the server"));
      return;
    }
  if (job->kind == JOB_REPLACE)
    fill (self);
  set_status (self, job->queued ? _("Saved on this computer: the rules go to the server when it can be reached.")
                                : NULL);
  toast (self, job->queued ? _("Saved; waiting for the server") : _("Saved on the server"));
}

/* The rule editor. */

static GtkWidget *
dropdown (const char * const *labels,
          guint               selected,
          const char         *name)
{
  g_autoptr(GtkStringList) list = gtk_string_list_new (NULL);
  GtkWidget *widget;

  for (guint i = 0; labels[i] != NULL; i++)
    gtk_string_list_append (list, _(labels[i]));
  widget = gtk_drop_down_new (G_LIST_MODEL (g_steal_pointer (&list)), NULL);
  gtk_drop_down_set_selected (GTK_DROP_DOWN (widget), selected);
  gtk_widget_set_name (widget, name);
  gtk_widget_set_valign (widget, GTK_ALIGN_CENTER);
  return widget;
}

static void
remove_condition_cb (GtkButton       *button,
                     TernRulesDialog *self)
{
  gtk_box_remove (self->conditions_box, g_object_get_data (G_OBJECT (button), "condition"));
}

static void
add_condition (TernRulesDialog          *self,
               const TernSieveCondition *condition)
{
  /* [field] [test] … [remove] above the text: narrow windows keep room to type. */
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
  GtkWidget *line = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  GtkWidget *entry = gtk_entry_new ();
  GtkWidget *remove = gtk_button_new_from_icon_name ("list-remove-symbolic");

  gtk_widget_set_name (box, "condition");
  gtk_widget_set_margin_bottom (box, 6);
  gtk_box_append (GTK_BOX (line), dropdown (field_labels, condition ? condition->field : 0, "condition-field"));
  gtk_box_append (GTK_BOX (line), dropdown (op_labels, condition ? condition->op : 0, "condition-op"));
  gtk_widget_set_tooltip_text (remove, _("Remove Condition"));
  gtk_widget_add_css_class (remove, "flat");
  gtk_widget_set_hexpand (remove, TRUE);
  gtk_widget_set_halign (remove, GTK_ALIGN_END);
  g_object_set_data (G_OBJECT (remove), "condition", box);
  g_signal_connect (remove, "clicked", G_CALLBACK (remove_condition_cb), self);
  gtk_box_append (GTK_BOX (line), remove);
  gtk_box_append (GTK_BOX (box), line);
  gtk_widget_set_name (entry, "condition-value");
  gtk_accessible_update_property (GTK_ACCESSIBLE (entry), GTK_ACCESSIBLE_PROPERTY_LABEL, _("Text or size"), -1);
  gtk_entry_set_placeholder_text (GTK_ENTRY (entry), _("Text, or a size such as 2M"));
  gtk_editable_set_text (GTK_EDITABLE (entry), condition ? condition->value : "");
  gtk_box_append (GTK_BOX (box), entry);
  gtk_box_append (self->conditions_box, box);
}

static void
add_condition_cb (TernRulesDialog *self)
{
  add_condition (self, NULL);
}

static const TernSieveAction *
find_action (const TernSieveRule *rule,
             TernSieveActionKind  kind)
{
  for (guint i = 0; rule != NULL && i < rule->actions->len; i++)
    if (((TernSieveAction *) rule->actions->pdata[i])->kind == kind)
      return rule->actions->pdata[i];
  return NULL;
}

static void
edit (TernRulesDialog     *self,
      int                  index)
{
  const TernSieveRule *rule = index >= 0 ? self->rules->rules->pdata[index] : NULL;
  const TernSieveAction *file = find_action (rule, TERN_SIEVE_ACTION_FILE_INTO);
  const TernSieveAction *forward = find_action (rule, TERN_SIEVE_ACTION_FORWARD);
  GtkWidget *child;
  guint folder = 0;

  self->editing = index;
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->conditions_box))) != NULL)
    gtk_box_remove (self->conditions_box, child);
  gtk_editable_set_text (GTK_EDITABLE (self->name_row), rule ? rule->name : "");
  adw_combo_row_set_selected (self->match_row, rule && rule->match_any ? 1 : 0);
  for (guint i = 0; rule != NULL && i < rule->conditions->len; i++)
    add_condition (self, rule->conditions->pdata[i]);
  if (rule == NULL || rule->conditions->len == 0)
    add_condition (self, NULL);
  if (file == NULL)
    file = find_action (rule, TERN_SIEVE_ACTION_TRASH);
  for (guint i = 1; file != NULL && i < self->folders->len; i++)
    if (g_str_equal (self->folders->pdata[i], file->arg))
      folder = i;
  adw_combo_row_set_selected (self->file_into_row, folder);
  gtk_switch_set_active (self->mark_read_switch, find_action (rule, TERN_SIEVE_ACTION_MARK_READ) != NULL);
  gtk_switch_set_active (self->flag_switch, find_action (rule, TERN_SIEVE_ACTION_FLAG) != NULL);
  gtk_editable_set_text (GTK_EDITABLE (self->forward_row), forward ? forward->arg : "");
  gtk_switch_set_active (self->stop_switch, find_action (rule, TERN_SIEVE_ACTION_STOP) != NULL);
  gtk_label_set_text (self->editor_error, "");
  adw_preferences_group_set_title (self->editor, rule ? _("Edit Rule") : _("New Rule"));
  gtk_stack_set_visible_child_name (self->stack, "editor");
  gtk_widget_grab_focus (self->name_row);
}

static void
add_rule_cb (TernRulesDialog *self)
{
  edit (self, -1);
}

/* Hides the editor, the focus out of it first (GTK 4.8 warns when a focused entry goes). */
static void
close_editor (TernRulesDialog *self)
{
  gtk_window_set_focus (GTK_WINDOW (self), NULL);
  gtk_stack_set_visible_child_name (self->stack, "page");
}

static void
cancel_edit_cb (TernRulesDialog *self)
{
  close_editor (self);
}

static TernSieveRule *
rule_from_editor (TernRulesDialog *self)
{
  TernSieveRule *rule = tern_sieve_rule_new (gtk_editable_get_text (GTK_EDITABLE (self->name_row)));
  const char *forward = gtk_editable_get_text (GTK_EDITABLE (self->forward_row));
  guint folder = adw_combo_row_get_selected (self->file_into_row);

  rule->match_any = adw_combo_row_get_selected (self->match_row) == 1;
  for (GtkWidget *box = gtk_widget_get_first_child (GTK_WIDGET (self->conditions_box)); box != NULL;
       box = gtk_widget_get_next_sibling (box))
    {
      GtkWidget *line = gtk_widget_get_first_child (box);
      GtkWidget *field = gtk_widget_get_first_child (line);
      GtkWidget *op = gtk_widget_get_next_sibling (field);
      GtkWidget *value = gtk_widget_get_next_sibling (line);
      const char *text = gtk_editable_get_text (GTK_EDITABLE (value));

      if (*text == '\0')
        continue;
      tern_sieve_rule_add_condition (rule, gtk_drop_down_get_selected (GTK_DROP_DOWN (field)),
                                     gtk_drop_down_get_selected (GTK_DROP_DOWN (op)), text);
    }
  if (gtk_switch_get_active (self->mark_read_switch))
    tern_sieve_rule_add_action (rule, TERN_SIEVE_ACTION_MARK_READ, NULL);
  if (gtk_switch_get_active (self->flag_switch))
    tern_sieve_rule_add_action (rule, TERN_SIEVE_ACTION_FLAG, NULL);
  if (*forward != '\0')
    tern_sieve_rule_add_action (rule, TERN_SIEVE_ACTION_FORWARD, forward);
  if (folder > 0 && folder < self->folders->len)
    tern_sieve_rule_add_action (rule, TERN_SIEVE_ACTION_FILE_INTO, self->folders->pdata[folder]);
  if (gtk_switch_get_active (self->stop_switch))
    tern_sieve_rule_add_action (rule, TERN_SIEVE_ACTION_STOP, NULL);
  return rule;
}

static void
save_rule_cb (TernRulesDialog *self)
{
  g_autoptr(TernSieveRules) before = copy_rules (self->rules);
  g_autoptr(GError) error = NULL;
  g_autofree char *script = NULL;
  TernSieveRule *rule = rule_from_editor (self);

  if (self->editing >= 0 && (guint) self->editing < self->rules->rules->len)
    {
      g_ptr_array_remove_index (self->rules->rules, (guint) self->editing);
      g_ptr_array_insert (self->rules->rules, self->editing, rule);
    }
  else
    g_ptr_array_add (self->rules->rules, rule);
  script = tern_sieve_rules_to_script (self->rules, &error);
  if (script == NULL)
    {
      /* Not saved: the list stays as it was, the editor shows why. */
      tern_sieve_rules_free (self->rules);
      self->rules = g_steal_pointer (&before);
      gtk_label_set_text (self->editor_error, error->message);
      return;
    }
  close_editor (self);
  fill (self);
  save (self, JOB_SAVE);
}

/* The list. */

static void
rule_toggled_cb (GtkSwitch       *toggle,
                 GParamSpec      *pspec,
                 TernRulesDialog *self)
{
  TernSieveRule *rule = g_object_get_data (G_OBJECT (toggle), "rule");

  if (rule == NULL || rule->enabled == gtk_switch_get_active (toggle))
    return;
  rule->enabled = gtk_switch_get_active (toggle);
  /* The row stays (the switch is in the middle of changing): only its words change. */
  {
    g_autofree char *words = tern_sieve_rule_describe (rule);

    adw_action_row_set_subtitle (g_object_get_data (G_OBJECT (toggle), "row"), words);
  }
  save (self, JOB_SAVE);
}

static void
rule_removed_cb (GtkButton       *button,
                 TernRulesDialog *self)
{
  g_ptr_array_remove (self->rules->rules, g_object_get_data (G_OBJECT (button), "rule"));
  fill (self);
  save (self, JOB_SAVE);
}

static void
rule_activated_cb (AdwActionRow    *row,
                   TernRulesDialog *self)
{
  guint index;

  if (g_ptr_array_find (self->rules->rules, g_object_get_data (G_OBJECT (row), "rule"), &index))
    edit (self, (int) index);
}

static void
fill (TernRulesDialog *self)
{
  gboolean foreign = self->rules == NULL;
  TernSieveVacation *v;

  for (guint i = 0; i < self->rule_rows->len; i++)
    adw_preferences_group_remove (self->rules_group, self->rule_rows->pdata[i]);
  g_ptr_array_set_size (self->rule_rows, 0);
  gtk_widget_set_visible (GTK_WIDGET (self->foreign_group), foreign);
  gtk_widget_set_visible (GTK_WIDGET (self->rules_group), !foreign);
  gtk_widget_set_visible (GTK_WIDGET (self->vacation_group), !foreign);
  if (foreign)
    return;

  for (guint i = 0; i < self->rules->rules->len; i++)
    {
      TernSieveRule *rule = self->rules->rules->pdata[i];
      g_autofree char *words = tern_sieve_rule_describe (rule);
      GtkWidget *row = adw_action_row_new ();
      GtkWidget *toggle = gtk_switch_new ();
      GtkWidget *remove = gtk_button_new_from_icon_name ("user-trash-symbolic");

      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), rule->name);
      adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
      adw_action_row_set_subtitle (ADW_ACTION_ROW (row), words);
      gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row), TRUE);
      g_object_set_data (G_OBJECT (row), "rule", rule);
      g_signal_connect (row, "activated", G_CALLBACK (rule_activated_cb), self);
      gtk_widget_set_name (row, "rule");
      gtk_switch_set_active (GTK_SWITCH (toggle), rule->enabled);
      gtk_widget_set_valign (toggle, GTK_ALIGN_CENTER);
      gtk_widget_set_name (toggle, "rule-enabled");
      gtk_accessible_update_property (GTK_ACCESSIBLE (toggle), GTK_ACCESSIBLE_PROPERTY_LABEL, _("Rule On"), -1);
      g_object_set_data (G_OBJECT (toggle), "rule", rule);
      g_object_set_data (G_OBJECT (toggle), "row", row);
      g_signal_connect (toggle, "notify::active", G_CALLBACK (rule_toggled_cb), self);
      gtk_widget_set_valign (remove, GTK_ALIGN_CENTER);
      gtk_widget_add_css_class (remove, "flat");
      gtk_widget_set_tooltip_text (remove, _("Remove Rule"));
      gtk_widget_set_name (remove, "rule-remove");
      g_object_set_data (G_OBJECT (remove), "rule", rule);
      g_signal_connect (remove, "clicked", G_CALLBACK (rule_removed_cb), self);
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), toggle);
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), remove);
      adw_preferences_group_add (self->rules_group, row);
      g_ptr_array_add (self->rule_rows, row);
    }
  if (self->rules->rules->len == 0)
    {
      GtkWidget *row = adw_action_row_new ();

      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), _("No rules yet"));
      adw_action_row_set_subtitle (ADW_ACTION_ROW (row),
                                   _("File mail from a list into a folder, star what your team sends…"));
      gtk_widget_add_css_class (row, "dim-label");
      adw_preferences_group_add (self->rules_group, row);
      g_ptr_array_add (self->rule_rows, row);
    }

  v = self->rules->vacation;
  gtk_switch_set_active (self->vacation_switch, v != NULL && v->enabled);
  gtk_editable_set_text (GTK_EDITABLE (self->vacation_subject), v && v->subject ? v->subject : "");
  gtk_editable_set_text (GTK_EDITABLE (self->vacation_from), v && v->start ? v->start : "");
  gtk_editable_set_text (GTK_EDITABLE (self->vacation_until), v && v->end ? v->end : "");
  gtk_spin_button_set_value (self->vacation_days, v && v->days ? v->days : 7);
  gtk_text_buffer_set_text (gtk_text_view_get_buffer (self->vacation_message), v && v->body ? v->body : "", -1);
}

/* The vacation reply. */

static char *
text_of (GtkTextView *view)
{
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (view);
  GtkTextIter start, end;

  gtk_text_buffer_get_bounds (buffer, &start, &end);
  return gtk_text_buffer_get_text (buffer, &start, &end, FALSE);
}

static char *
date_or_null (GtkWidget *row)
{
  const char *text = gtk_editable_get_text (GTK_EDITABLE (row));

  return *text != '\0' ? g_strstrip (g_strdup (text)) : NULL;
}

static void
save_vacation_cb (TernRulesDialog *self)
{
  g_autoptr(TernAccount) account = tern_store_get_account_by_id (self->store, self->account_id, NULL);
  g_autoptr(GStrvBuilder) addresses = g_strv_builder_new ();
  TernSieveVacation *v = g_new0 (TernSieveVacation, 1);

  v->enabled = gtk_switch_get_active (self->vacation_switch);
  v->subject = g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->vacation_subject)));
  v->body = text_of (self->vacation_message);
  v->start = date_or_null (self->vacation_from);
  v->end = date_or_null (self->vacation_until);
  v->days = (guint) gtk_spin_button_get_value_as_int (self->vacation_days);
  if (*v->subject == '\0')
    {
      g_free (v->subject);
      v->subject = g_strdup (_("Away from my mail"));
    }
  /* Mail to the user's own address is answered, whatever the envelope says. */
  if (account != NULL)
    g_strv_builder_add (addresses, account->email);
  v->addresses = g_strv_builder_end (addresses);
  tern_sieve_vacation_free (self->rules->vacation);
  self->rules->vacation = v;
  save (self, JOB_SAVE);
}

/* Rules made elsewhere. */

static void
save_script_cb (TernRulesDialog *self)
{
  Job *job = g_new0 (Job, 1);

  job->kind = JOB_RAW;
  job->script = text_of (self->script_view);
  run_job (self, job);
}

static void
replace_cb (TernRulesDialog *self)
{
  self->rules = tern_sieve_rules_new ();
  save (self, JOB_REPLACE);
}

/* Building. */

static GtkWidget *
switch_row (AdwPreferencesGroup *group,
            const char          *title,
            const char          *name,
            GtkSwitch          **switch_out)
{
  GtkWidget *row = adw_action_row_new ();
  GtkWidget *toggle = gtk_switch_new ();

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  gtk_widget_set_valign (toggle, GTK_ALIGN_CENTER);
  gtk_widget_set_name (toggle, name);
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), toggle);
  adw_action_row_set_activatable_widget (ADW_ACTION_ROW (row), toggle);
  adw_preferences_group_add (group, row);
  *switch_out = GTK_SWITCH (toggle);
  return row;
}

static GtkWidget *
entry_row (AdwPreferencesGroup *group,
           const char          *title,
           const char          *name)
{
  GtkWidget *row = adw_entry_row_new ();

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  gtk_widget_set_name (row, name);
  adw_preferences_group_add (group, row);
  return row;
}

static GtkTextView *
text_area (AdwPreferencesGroup *group,
           const char          *label,
           const char          *name)
{
  GtkWidget *frame = gtk_frame_new (NULL);
  GtkWidget *view = gtk_text_view_new ();
  GtkWidget *title = gtk_label_new (label);

  gtk_label_set_xalign (GTK_LABEL (title), 0);
  gtk_widget_add_css_class (title, "heading");
  gtk_widget_set_margin_top (title, 18);
  adw_preferences_group_add (group, title);

  gtk_text_view_set_wrap_mode (GTK_TEXT_VIEW (view), GTK_WRAP_WORD_CHAR);
  gtk_text_view_set_left_margin (GTK_TEXT_VIEW (view), 12);
  gtk_text_view_set_right_margin (GTK_TEXT_VIEW (view), 12);
  gtk_text_view_set_top_margin (GTK_TEXT_VIEW (view), 8);
  gtk_text_view_set_bottom_margin (GTK_TEXT_VIEW (view), 8);
  gtk_widget_set_size_request (view, -1, 96);
  gtk_widget_set_name (view, name);
  gtk_accessible_update_property (GTK_ACCESSIBLE (view), GTK_ACCESSIBLE_PROPERTY_LABEL, label, -1);
  gtk_frame_set_child (GTK_FRAME (frame), view);
  gtk_widget_set_margin_top (frame, 6);
  adw_preferences_group_add (group, frame);
  return GTK_TEXT_VIEW (view);
}

static GtkWidget *
button (const char *label,
        const char *name,
        gboolean    suggested)
{
  GtkWidget *widget = gtk_button_new_with_mnemonic (label);

  gtk_widget_set_name (widget, name);
  gtk_widget_set_valign (widget, GTK_ALIGN_CENTER);
  if (suggested)
    gtk_widget_add_css_class (widget, "suggested-action");
  return widget;
}

static void
build (TernRulesDialog *self)
{
  GtkWidget *page = adw_preferences_page_new ();
  GtkWidget *intro = GTK_WIDGET (adw_preferences_group_new ());
  GtkWidget *buttons, *widget, *row;
  AdwPreferencesGroup *conditions_group, *actions_group;
  const char *matches[] = { _("All conditions"), _("Any condition"), NULL };

  self->stack = tern_dialog_frame_new (ADW_WINDOW (self), page, &self->toasts);
  gtk_stack_set_transition_type (self->stack, GTK_STACK_TRANSITION_TYPE_SLIDE_LEFT_RIGHT);

  adw_preferences_group_set_description (ADW_PREFERENCES_GROUP (intro),
                                         _("Your mail server applies these rules to new mail as it arrives, "
                                           "for every device and while this computer is off."));
  self->status_label = GTK_LABEL (gtk_label_new (NULL));
  gtk_label_set_wrap (self->status_label, TRUE);
  gtk_label_set_xalign (self->status_label, 0);
  gtk_widget_add_css_class (GTK_WIDGET (self->status_label), "warning");
  gtk_widget_set_name (GTK_WIDGET (self->status_label), "rules-status");
  gtk_widget_set_visible (GTK_WIDGET (self->status_label), FALSE);
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (intro), GTK_WIDGET (self->status_label));
  adw_preferences_page_add (ADW_PREFERENCES_PAGE (page), ADW_PREFERENCES_GROUP (intro));

  /* Vacation. */
  self->vacation_group = ADW_PREFERENCES_GROUP (adw_preferences_group_new ());
  adw_preferences_group_set_title (self->vacation_group, _("Vacation Reply"));
  adw_preferences_group_set_description (self->vacation_group,
                                         _("One reply to each sender, while you are away"));
  widget = button (_("_Save Reply"), "vacation-save", FALSE);
  g_signal_connect_swapped (widget, "clicked", G_CALLBACK (save_vacation_cb), self);
  adw_preferences_group_set_header_suffix (self->vacation_group, widget);
  switch_row (self->vacation_group, _("Send a vacation reply"), "vacation-switch", &self->vacation_switch);
  self->vacation_subject = entry_row (self->vacation_group, _("Subject"), "vacation-subject");
  self->vacation_from = entry_row (self->vacation_group, _("First day (YYYY-MM-DD, optional)"), "vacation-from");
  self->vacation_until = entry_row (self->vacation_group, _("Last day (YYYY-MM-DD, optional)"), "vacation-until");
  row = adw_action_row_new ();
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), _("Days between replies to one sender"));
  self->vacation_days = GTK_SPIN_BUTTON (gtk_spin_button_new_with_range (1, 30, 1));
  gtk_widget_set_valign (GTK_WIDGET (self->vacation_days), GTK_ALIGN_CENTER);
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), GTK_WIDGET (self->vacation_days));
  adw_preferences_group_add (self->vacation_group, row);
  self->vacation_message = text_area (self->vacation_group, _("Message"), "vacation-message");
  adw_preferences_page_add (ADW_PREFERENCES_PAGE (page), self->vacation_group);

  /* Rules. */
  self->rules_group = ADW_PREFERENCES_GROUP (adw_preferences_group_new ());
  adw_preferences_group_set_title (self->rules_group, _("Rules"));
  widget = button (_("_Add Rule"), "rules-add", FALSE);
  g_signal_connect_swapped (widget, "clicked", G_CALLBACK (add_rule_cb), self);
  adw_preferences_group_set_header_suffix (self->rules_group, widget);
  adw_preferences_page_add (ADW_PREFERENCES_PAGE (page), self->rules_group);

  /* The editor. */
  self->editor = ADW_PREFERENCES_GROUP (adw_preferences_group_new ());
  self->name_row = entry_row (self->editor, _("Name"), "rule-name");
  self->match_row = ADW_COMBO_ROW (adw_combo_row_new ());
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->match_row), _("Applies when it matches"));
  adw_combo_row_set_model (self->match_row, G_LIST_MODEL (gtk_string_list_new (matches)));
  adw_preferences_group_add (self->editor, GTK_WIDGET (self->match_row));
  conditions_group = ADW_PREFERENCES_GROUP (adw_preferences_group_new ());
  adw_preferences_group_set_title (conditions_group, _("Conditions"));
  adw_preferences_group_set_description (conditions_group, _("Leave them empty for every new message"));
  actions_group = ADW_PREFERENCES_GROUP (adw_preferences_group_new ());
  adw_preferences_group_set_title (actions_group, _("Actions"));
  self->conditions_box = GTK_BOX (gtk_box_new (GTK_ORIENTATION_VERTICAL, 6));
  gtk_widget_set_margin_top (GTK_WIDGET (self->conditions_box), 12);
  adw_preferences_group_add (conditions_group, GTK_WIDGET (self->conditions_box));
  widget = button (_("Add _Condition"), "condition-add", FALSE);
  gtk_widget_set_halign (widget, GTK_ALIGN_START);
  gtk_widget_set_margin_top (widget, 6);
  gtk_widget_set_margin_bottom (widget, 12);
  g_signal_connect_swapped (widget, "clicked", G_CALLBACK (add_condition_cb), self);
  adw_preferences_group_add (conditions_group, widget);
  self->file_into_row = ADW_COMBO_ROW (adw_combo_row_new ());
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->file_into_row), _("File into"));
  gtk_widget_set_name (GTK_WIDGET (self->file_into_row), "file-into");
  adw_preferences_group_add (actions_group, GTK_WIDGET (self->file_into_row));
  switch_row (actions_group, _("Mark as read"), "mark-read", &self->mark_read_switch);
  switch_row (actions_group, _("Star"), "flag", &self->flag_switch);
  self->forward_row = entry_row (actions_group, _("Forward a copy to"), "forward");
  switch_row (actions_group, _("Stop here (later rules do not apply)"), "stop", &self->stop_switch);
  self->editor_error = GTK_LABEL (gtk_label_new (NULL));
  gtk_label_set_wrap (self->editor_error, TRUE);
  gtk_label_set_xalign (self->editor_error, 0);
  gtk_widget_add_css_class (GTK_WIDGET (self->editor_error), "error");
  gtk_widget_set_name (GTK_WIDGET (self->editor_error), "rule-error");
  adw_preferences_group_add (actions_group, GTK_WIDGET (self->editor_error));
  buttons = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);
  gtk_widget_set_halign (buttons, GTK_ALIGN_END);
  gtk_widget_set_margin_top (buttons, 12);
  widget = button (_("_Cancel"), "rule-cancel", FALSE);
  g_signal_connect_swapped (widget, "clicked", G_CALLBACK (cancel_edit_cb), self);
  gtk_box_append (GTK_BOX (buttons), widget);
  widget = button (_("_Save Rule"), "rule-save", TRUE);
  g_signal_connect_swapped (widget, "clicked", G_CALLBACK (save_rule_cb), self);
  gtk_box_append (GTK_BOX (buttons), widget);
  adw_preferences_group_add (actions_group, buttons);
  /* A page of its own, as a subpage: the list stays where it was. */
  widget = adw_preferences_page_new ();
  adw_preferences_page_add (ADW_PREFERENCES_PAGE (widget), self->editor);
  adw_preferences_page_add (ADW_PREFERENCES_PAGE (widget), conditions_group);
  adw_preferences_page_add (ADW_PREFERENCES_PAGE (widget), actions_group);
  gtk_stack_add_named (self->stack, widget, "editor");

  /* Rules made elsewhere. */
  self->foreign_group = ADW_PREFERENCES_GROUP (adw_preferences_group_new ());
  adw_preferences_group_set_title (self->foreign_group, _("Rules Made Elsewhere"));
  adw_preferences_group_set_description (self->foreign_group,
                                         _("Another program made the rules on your server. Edit them as a "
                                           "Sieve script here, or replace them with rules made in Tern."));
  self->script_view = text_area (self->foreign_group, _("Sieve Script"), "script");
  gtk_text_view_set_monospace (self->script_view, TRUE);
  buttons = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);
  gtk_widget_set_halign (buttons, GTK_ALIGN_END);
  gtk_widget_set_margin_top (buttons, 12);
  widget = button (_("_Replace with Tern's Rules"), "replace", FALSE);
  gtk_widget_add_css_class (widget, "destructive-action");
  g_signal_connect_swapped (widget, "clicked", G_CALLBACK (replace_cb), self);
  gtk_box_append (GTK_BOX (buttons), widget);
  widget = button (_("Save _Script"), "script-save", TRUE);
  g_signal_connect_swapped (widget, "clicked", G_CALLBACK (save_script_cb), self);
  gtk_box_append (GTK_BOX (buttons), widget);
  adw_preferences_group_add (self->foreign_group, buttons);
  gtk_widget_set_visible (GTK_WIDGET (self->foreign_group), FALSE);
  adw_preferences_page_add (ADW_PREFERENCES_PAGE (page), self->foreign_group);

}

static void
tern_rules_dialog_dispose (GObject *object)
{
  TernRulesDialog *self = TERN_RULES_DIALOG (object);

  g_cancellable_cancel (self->cancellable);
  G_OBJECT_CLASS (tern_rules_dialog_parent_class)->dispose (object);
}

static void
tern_rules_dialog_finalize (GObject *object)
{
  TernRulesDialog *self = TERN_RULES_DIALOG (object);

  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->rules, tern_sieve_rules_free);
  g_clear_pointer (&self->rule_rows, g_ptr_array_unref);
  g_clear_pointer (&self->folders, g_ptr_array_unref);
  g_free (self->db_path);
  g_free (self->account_name);
  G_OBJECT_CLASS (tern_rules_dialog_parent_class)->finalize (object);
}

static void
tern_rules_dialog_class_init (TernRulesDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = tern_rules_dialog_dispose;
  object_class->finalize = tern_rules_dialog_finalize;
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
tern_rules_dialog_init (TernRulesDialog *self)
{
  self->rule_rows = g_ptr_array_new ();
  self->folders = g_ptr_array_new_with_free_func (g_free);
  self->cancellable = g_cancellable_new ();
  self->editing = -1;
  build (self);
}

TernRulesDialog *
tern_rules_dialog_new (GtkWindow  *parent,
                       TernStore  *store,
                       gint64      account_id)
{
  TernRulesDialog *self = g_object_new (TERN_TYPE_RULES_DIALOG,
                                        "transient-for", parent,
                                        "modal", TRUE,
                                        "default-width", 640,
                                        "default-height", 720,
                                        NULL);
  g_autoptr(TernAccount) account = tern_store_get_account_by_id (store, account_id, NULL);
  g_autoptr(GPtrArray) folders = account ? tern_store_list_folders_uncounted (store, account_id, NULL) : NULL;
  g_autoptr(GtkStringList) names = gtk_string_list_new (NULL);
  g_autofree char *title = NULL;
  Job *job;

  self->store = store;
  self->account_id = account_id;
  self->db_path = g_strdup (tern_store_get_path (store));
  self->account_name = g_strdup (account ? account->name : "");
  title = g_strdup_printf (_("Rules of %s"), self->account_name);
  gtk_window_set_title (GTK_WINDOW (self), title);

  /* Where a rule can file mail: the account's folders as the server names them. */
  g_ptr_array_add (self->folders, g_strdup (""));
  gtk_string_list_append (names, _("Keep in Inbox"));
  for (guint i = 0; folders != NULL && i < folders->len; i++)
    {
      TernFolder *f = folders->pdata[i];

      if (!f->selectable || f->local_state != TERN_FOLDER_ON_SERVER || g_strcmp0 (f->special_use, "\\Inbox") == 0)
        continue;
      g_ptr_array_add (self->folders, g_strdup (f->display_name));
      gtk_string_list_append (names, f->display_name);
    }
  adw_combo_row_set_model (self->file_into_row, G_LIST_MODEL (names));

  gtk_stack_set_visible_child_name (self->stack, "loading");
  job = g_new0 (Job, 1);
  job->kind = JOB_LOAD;
  run_job (self, job);
  return self;
}

gboolean
tern_rules_dialog_is_loaded (TernRulesDialog *self)
{
  g_return_val_if_fail (TERN_IS_RULES_DIALOG (self), FALSE);

  return self->loaded;
}

gboolean
tern_rules_dialog_is_idle (TernRulesDialog *self)
{
  g_return_val_if_fail (TERN_IS_RULES_DIALOG (self), FALSE);

  return self->busy == 0;
}
