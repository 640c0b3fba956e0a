/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "tern-message-view"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>
#include <webkit/webkit.h>

#include "tern-format.h"
#include "tern-message-view-private.h"

/* Printing the message shown: its headers (subject, from, to, cc, date) above its text or
 * HTML, laid out by a WebKitWebView of its own (JavaScript off, remote content as the view
 * has it) and printed by WebKit, through GTK's print dialog or straight to given settings. */

typedef struct
{
  GtkWindow        *parent;
  GtkPrintSettings *settings;
  GtkWidget        *web_view;   /* owned (floating ref sunk) */
  WebKitPrintOperation *operation; /* kept until the task goes */
} PrintJob;

static void
print_job_free (PrintJob *job)
{
  g_clear_object (&job->parent);
  g_clear_object (&job->settings);
  g_clear_object (&job->operation);
  g_clear_object (&job->web_view);
  g_free (job);
}

static void
append_header (GString    *html,
               const char *name,
               const char *value)
{
  g_autofree char *escaped = NULL;

  if (value == NULL || *value == '\0')
    return;
  escaped = g_markup_escape_text (value, -1);
  g_string_append_printf (html, "<tr><th>%s</th><td>%s</td></tr>", name, escaped);
}

static char *
mailbox (const char *name,
         const char *addr)
{
  if (name != NULL && *name != '\0' && addr != NULL && *addr != '\0')
    return g_strdup_printf ("%s <%s>", name, addr);
  return g_strdup (name != NULL && *name != '\0' ? name : addr);
}

/* The header block, as HTML. */
static char *
headers_html (TernMessageView *self)
{
  const TernMessage *m = self->message;
  GString *html = g_string_new ("<div style=\"font-family: sans-serif; border-bottom: 1px solid #999; "
                                "margin-bottom: 1em; padding-bottom: 0.5em; color: #000; background: #fff\">");
  g_autofree char *subject = g_markup_escape_text (m->subject != NULL && *m->subject != '\0'
                                                   ? m->subject : _("(No Subject)"), -1);
  g_autofree char *from = mailbox (m->from_name, m->from_addr);
  g_autofree char *date = m->date > 0 ? tern_format_message_date (m->date) : NULL;

  g_string_append_printf (html, "<h2 style=\"margin: 0 0 0.3em 0\">%s</h2>"
                          "<table style=\"font-size: 0.9em; border-spacing: 0.6em 0.1em; margin-left: -0.6em\">",
                          subject);
  append_header (html, _("From:"), from);
  append_header (html, _("To:"), m->to_list);
  append_header (html, _("Cc:"), m->cc_list);
  append_header (html, _("Date:"), date);
  g_string_append (html, "</table></div>");
  return g_string_free (html, FALSE);
}

/* The whole page: the headers, then the message's HTML (after its <body ...>) or its text. */
static char *
page_html (TernMessageView *self)
{
  g_autofree char *headers = headers_html (self);
  g_autofree char *doc = NULL;

  if (self->html != NULL)
    {
      const char *body = NULL;

      for (const char *p = self->html; (p = strchr (p, '<')) != NULL; p++)
        if (g_ascii_strncasecmp (p, "<body", 5) == 0 && (p[5] == '>' || g_ascii_isspace (p[5])))
          {
            body = strchr (p, '>');
            break;
          }
      if (body != NULL)
        doc = g_strdup_printf ("%.*s%s%s", (int) (body + 1 - self->html), self->html, headers, body + 1);
      else
        doc = g_strconcat ("<html><body>", headers, self->html, "</body></html>", NULL);
    }
  else
    {
      g_autofree char *text = tern_message_view_dup_text (self);
      g_autofree char *escaped = g_markup_escape_text (text != NULL ? text : "", -1);

      doc = g_strdup_printf ("<html><head><meta charset=\"utf-8\"></head><body>%s"
                             "<pre style=\"white-space: pre-wrap; font-family: sans-serif\">%s</pre>"
                             "</body></html>", headers, escaped);
    }
  return _tern_message_view_with_csp (doc, self->remote_allowed);
}

static void
finished_cb (WebKitPrintOperation *operation,
             GTask                *task)
{
  if (!g_task_had_error (task) && !g_task_get_completed (task))
    g_task_return_boolean (task, TRUE);
  g_object_unref (task);
}

static void
failed_cb (WebKitPrintOperation *operation,
           GError               *error,
           GTask                *task)
{
  g_task_return_new_error (task, error->domain, error->code, _("Printing failed: %s"), error->message);
}

static void
load_changed_cb (WebKitWebView   *web_view,
                 WebKitLoadEvent  event,
                 GTask           *task)
{
  PrintJob *job = g_task_get_task_data (task);
  WebKitPrintOperation *operation;

  if (event != WEBKIT_LOAD_FINISHED)
    return;
  g_signal_handlers_disconnect_by_func (web_view, load_changed_cb, task);
  operation = job->operation = webkit_print_operation_new (web_view);
  g_signal_connect (operation, "failed", G_CALLBACK (failed_cb), task);
  g_signal_connect (operation, "finished", G_CALLBACK (finished_cb), g_object_ref (task));
  if (job->settings != NULL)
    {
      webkit_print_operation_set_print_settings (operation, job->settings);
      webkit_print_operation_print (operation);
    }
  else if (webkit_print_operation_run_dialog (operation, job->parent) == WEBKIT_PRINT_OPERATION_RESPONSE_CANCEL)
    {
      /* Cancelled: nothing printed, and nothing more to wait for. */
      g_signal_handlers_disconnect_by_func (operation, finished_cb, task);
      g_task_return_boolean (task, FALSE);
      g_object_unref (task);
    }
  g_object_unref (task);
}

void
tern_message_view_print_async (TernMessageView     *self,
                               GtkWindow           *parent,
                               GtkPrintSettings    *settings,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autofree char *page = NULL;
  PrintJob *job;
  WebKitSettings *web_settings;

  g_return_if_fail (TERN_IS_MESSAGE_VIEW (self));

  task = g_task_new (self, NULL, callback, user_data);
  g_task_set_source_tag (task, tern_message_view_print_async);
  if (self->message == NULL ||
      (self->state != TERN_MESSAGE_VIEW_TEXT && self->state != TERN_MESSAGE_VIEW_HTML))
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, _("No message to print"));
      return;
    }
  job = g_new0 (PrintJob, 1);
  job->parent = parent != NULL ? g_object_ref (parent) : NULL;
  job->settings = settings != NULL ? g_object_ref (settings) : NULL;
  job->web_view = g_object_ref_sink (webkit_web_view_new ());
  g_task_set_task_data (task, job, (GDestroyNotify) print_job_free);

  web_settings = webkit_web_view_get_settings (WEBKIT_WEB_VIEW (job->web_view));
  webkit_settings_set_enable_javascript (web_settings, FALSE);
  webkit_settings_set_enable_javascript_markup (web_settings, FALSE);
  webkit_settings_set_auto_load_images (web_settings, TRUE);
  page = page_html (self);
  g_signal_connect (job->web_view, "load-changed", G_CALLBACK (load_changed_cb), g_object_ref (task));
  webkit_web_view_load_html (WEBKIT_WEB_VIEW (job->web_view), page, NULL);
}

gboolean
tern_message_view_print_finish (TernMessageView  *self,
                                GAsyncResult     *result,
                                GError          **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}
