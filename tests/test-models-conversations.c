/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-models"

#include "config.h"

#include <glib/gstdio.h>
#include <string.h>

#include "tern-conversation-model.h"
#include "tern-journal.h"
#include "tern-message-model.h"
#include "test-models-private.h"

/* Threads and conversations over the cache, without a display (registered by test-models.c). */

static gint64
add_message (Fixture    *f,
             gint64      folder_id,
             guint       uid,
             const char *message_id,
             const char *in_reply_to,
             const char *references,
             const char *from,
             const char *subject,
             gint64      date,
             gboolean    seen)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TernMessage) m = tern_message_new ();
  gint64 id = 0;

  m->uid = uid;
  m->flags = g_strdup (seen ? "\\Seen" : "");
  m->date = 1800000000 + date * 60;
  m->internaldate = m->date;
  m->message_id = g_strdup (message_id);
  m->in_reply_to = g_strdup (in_reply_to);
  m->references = g_strdup (references);
  m->from_name = g_strdup (from);
  m->from_addr = g_strdup_printf ("%s@example.org", from);
  m->subject = g_strdup (subject);
  g_assert_true (tern_store_insert_message (f->store, folder_id, m, &id, &error));
  g_assert_no_error (error);
  return id;
}

static gint64
thread_of (Fixture *f,
           gint64   id)
{
  g_autoptr(TernMessage) m = tern_store_get_message (f->store, id, NULL);

  g_assert_nonnull (m);
  g_assert_cmpint (m->thread_id, >, 0);
  return m->thread_id;
}

static void
test_threads_build (Fixture       *f,
                    gconstpointer  data)
{
  gint64 a, b, c, d, e, x, y, z, other, sent, lone1, lone2;

  /* Out of order: the last reply first, then the root, then the middle one. */
  c = add_message (f, f->ids.receipts, 1, "<c@t>", "<b@t>", "<a@t> <b@t>", "Grace", "Re: Plan", 3, FALSE);
  a = add_message (f, f->ids.receipts, 2, "<a@t>", NULL, NULL, "Ada", "Plan", 1, TRUE);
  b = add_message (f, f->ids.receipts, 3, "<b@t>", "<a@t>", "<a@t>", "Alan", "Re: Plan", 2, TRUE);
  g_assert_cmpint (thread_of (f, a), ==, thread_of (f, c));
  g_assert_cmpint (thread_of (f, b), ==, thread_of (f, c));

  /* Two replies to a parent the cache never saw share a thread; In-Reply-To alone links. */
  d = add_message (f, f->ids.receipts, 4, "<d@t>", "<missing@t>", NULL, "Ken", "Re: Gone", 4, TRUE);
  e = add_message (f, f->ids.receipts, 5, "<e@t>", NULL, "<missing@t>", "Frances", "Re: Gone", 5, TRUE);
  g_assert_cmpint (thread_of (f, d), ==, thread_of (f, e));
  g_assert_cmpint (thread_of (f, d), !=, thread_of (f, a));

  /* Two threads, then a message naming both: one thread, the earlier messages moved too. */
  x = add_message (f, f->ids.receipts, 6, "<x@t>", NULL, NULL, "Ada", "X", 6, TRUE);
  y = add_message (f, f->ids.receipts, 7, "<y@t>", "<x-parent@t>", NULL, "Alan", "Y", 7, TRUE);
  g_assert_cmpint (thread_of (f, x), !=, thread_of (f, y));
  z = add_message (f, f->ids.receipts, 8, "<z@t>", "<y@t>", "<x@t> <y@t>", "Grace", "Re: X", 8, TRUE);
  g_assert_cmpint (thread_of (f, x), ==, thread_of (f, y));
  g_assert_cmpint (thread_of (f, z), ==, thread_of (f, x));
  g_assert_cmpint (thread_of (f, z), !=, thread_of (f, a));
  /* Ids the merged thread had still lead to the one thread, after a second merge as well. */
  {
    gint64 w, v, u;

    w = add_message (f, f->ids.receipts, 30, "<w@t>", "<x-parent@t>", NULL, "Ken", "W", 13, TRUE);
    g_assert_cmpint (thread_of (f, w), ==, thread_of (f, x));
    v = add_message (f, f->ids.receipts, 31, "<v@t>", NULL, NULL, "Ken", "V", 14, TRUE);
    u = add_message (f, f->ids.receipts, 32, "<u@t>", NULL, "<v@t> <y@t>", "Ken", "U", 15, TRUE);
    g_assert_cmpint (thread_of (f, v), ==, thread_of (f, x));
    g_assert_cmpint (thread_of (f, u), ==, thread_of (f, x));
    w = add_message (f, f->ids.receipts, 33, "<w2@t>", "<v@t>", NULL, "Ken", "W", 16, TRUE);
    g_assert_cmpint (thread_of (f, w), ==, thread_of (f, x));
    w = add_message (f, f->ids.receipts, 34, "<w3@t>", "<x-parent@t>", NULL, "Ken", "W", 17, TRUE);
    g_assert_cmpint (thread_of (f, w), ==, thread_of (f, x));
  }

  /* The same subject is no link. */
  other = add_message (f, f->ids.receipts, 9, "<o@t>", NULL, NULL, "Ken", "Re: Plan", 9, TRUE);
  g_assert_cmpint (thread_of (f, other), !=, thread_of (f, a));

  /* A reply filed in Sent is in the same thread: threads span the account's folders. */
  sent = add_message (f, f->ids.sent, 1, "<s@t>", "<c@t>", "<a@t> <b@t> <c@t>", "alice", "Re: Plan", 10, TRUE);
  g_assert_cmpint (thread_of (f, sent), ==, thread_of (f, a));

  /* Messages naming no id are alone. */
  lone1 = add_message (f, f->ids.receipts, 10, NULL, NULL, NULL, "Ken", "No id", 11, TRUE);
  lone2 = add_message (f, f->ids.receipts, 11, NULL, NULL, NULL, "Ken", "No id", 12, TRUE);
  g_assert_cmpint (thread_of (f, lone1), !=, thread_of (f, lone2));

  /* A copy made offline keeps its thread. */
  {
    g_autoptr(GError) error = NULL;
    gint64 copy = tern_journal_copy (f->store, a, f->ids.projects, &error);

    g_assert_no_error (error);
    g_assert_cmpint (thread_of (f, copy), ==, thread_of (f, a));
  }
}

/* Receipts: thread P (Ada 1, Alan 2, Grace 3 unread), thread G (Ken 4, Frances 5),
 * a lone message L (6), and alice's reply to P in Sent (7). */
typedef struct
{
  gint64 p1, p2, p3, g1, g2, l, sent;
} Threads;

static void
add_threads (Fixture *f,
             Threads *t)
{
  t->p1 = add_message (f, f->ids.receipts, 1, "<a@t>", NULL, NULL, "Ada", "Plan", 1, TRUE);
  t->p2 = add_message (f, f->ids.receipts, 2, "<b@t>", "<a@t>", "<a@t>", "Alan", "Re: Plan", 2, TRUE);
  t->p3 = add_message (f, f->ids.receipts, 3, "<c@t>", "<b@t>", "<a@t> <b@t>", "Grace", "Re: Plan", 3, FALSE);
  t->g1 = add_message (f, f->ids.receipts, 4, "<d@t>", "<missing@t>", NULL, "Ken", "Re: Gone", 4, FALSE);
  t->g2 = add_message (f, f->ids.receipts, 5, "<e@t>", "<d@t>", NULL, "Frances", "Re: Gone", 5, TRUE);
  t->l = add_message (f, f->ids.receipts, 6, "<l@t>", NULL, NULL, "Ada", "Lone", 6, TRUE);
  t->sent = add_message (f, f->ids.sent, 1, "<s@t>", "<c@t>", "<a@t> <b@t> <c@t>", "alice", "Re: Plan", 7, TRUE);
}

static TernConversationItem *
conversation_at (TernConversationModel *model,
                 guint                  position)
{
  TernConversationItem *item = g_list_model_get_item (G_LIST_MODEL (model), position);

  g_assert_nonnull (item);
  g_object_unref (item); /* the model keeps it */
  return item;
}

static void
test_conversations_order (Fixture       *f,
                          gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TernConversationModel) model = tern_conversation_model_new (f->store);
  g_autoptr(TernMessageModel) messages = NULL;
  g_autoptr(GArray) ids = NULL;
  TernConversationItem *item;
  Threads t;

  add_threads (f, &t);
  g_assert_true (tern_conversation_model_set_folder (model, f->ids.receipts, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (model)), ==, 3);
  g_assert_cmpuint (tern_conversation_model_get_n_loaded (model), ==, 0);
  g_assert_true (g_list_model_get_item_type (G_LIST_MODEL (model)) == TERN_TYPE_CONVERSATION_ITEM);

  /* Newest first: P (its newest is alice's reply in Sent), then the lone one, then G. */
  item = conversation_at (model, 0);
  g_assert_cmpint (tern_conversation_item_get_thread_id (item), ==, thread_of (f, t.p1));
  g_assert_true (tern_conversation_item_get_loaded (item));
  g_assert_cmpuint (tern_conversation_item_get_count (item), ==, 4);
  g_assert_cmpuint (tern_conversation_item_get_unread_count (item), ==, 1);
  g_assert_true (tern_conversation_item_get_unread (item));
  g_assert_cmpstr (tern_conversation_item_get_subject (item), ==, "Plan");
  g_assert_cmpstr (tern_conversation_item_get_participants (item), ==, "Ada, Alan, Grace, alice");
  /* Selecting it opens the newest message of the folder shown. */
  g_assert_cmpint (tern_conversation_item_get_newest_id (item), ==, t.p3);
  g_assert_cmpint (tern_conversation_item_get_date (item), ==, 1800000000 + 7 * 60);

  item = conversation_at (model, 1);
  g_assert_cmpint (tern_conversation_item_get_newest_id (item), ==, t.l);
  g_assert_cmpuint (tern_conversation_item_get_count (item), ==, 1);
  g_assert_false (tern_conversation_item_get_unread (item));
  item = conversation_at (model, 2);
  g_assert_cmpuint (tern_conversation_item_get_count (item), ==, 2);
  g_assert_cmpuint (tern_conversation_item_get_unread_count (item), ==, 1);
  g_assert_cmpstr (tern_conversation_item_get_subject (item), ==, "Re: Gone");
  g_assert_cmpstr (tern_conversation_item_get_participants (item), ==, "Ken, Frances");
  g_assert_cmpuint (tern_conversation_model_find (model, thread_of (f, t.g1)), ==, 2);
  g_assert_cmpuint (tern_conversation_model_find_message (model, t.sent), ==, 0);

  /* Expanding P: its messages oldest first, the Sent reply among them; a lone message has
   * nothing to expand. */
  messages = tern_conversation_model_dup_messages (model, thread_of (f, t.p1));
  g_assert_nonnull (messages);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (messages)), ==, 4);
  g_assert_cmpint (tern_message_model_get_id (messages, 0), ==, t.p1);
  g_assert_cmpint (tern_message_model_get_id (messages, 2), ==, t.p3);
  g_assert_cmpint (tern_message_model_get_id (messages, 3), ==, t.sent);
  g_assert_null (tern_conversation_model_dup_messages (model, thread_of (f, t.l)));
  ids = tern_conversation_model_dup_message_ids (model, thread_of (f, t.p1), TRUE);
  g_assert_cmpuint (ids->len, ==, 3);

  /* Sent shows the same conversation from its side: alice's reply alone. */
  g_assert_true (tern_conversation_model_set_folder (model, f->ids.sent, &error));
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (model)), ==, 1);
  g_assert_cmpuint (tern_conversation_item_get_count (conversation_at (model, 0)), ==, 1);
}

/* Search results grouped (#14 item 6): the conversations of exactly the messages found, of
 * any folder, newest first, each with only its messages found; more results (the server's)
 * change the rows minimally. */
static void
test_conversations_of_ids (Fixture       *f,
                           gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TernConversationModel) model = tern_conversation_model_new (f->store);
  g_autoptr(GArray) ids = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr(GArray) members = NULL;
  g_autoptr(TernConversationItem) plan = NULL;
  TernConversationItem *item;
  Threads t;

  add_threads (f, &t);
  g_assert_true (tern_conversation_model_set_folder (model, f->ids.receipts, &error));
  /* Found: two of P (one in Sent) and one of G. */
  g_array_append_val (ids, t.g1);
  g_array_append_val (ids, t.p1);
  g_array_append_val (ids, t.sent);
  g_assert_true (tern_conversation_model_set_ids (model, ids, &error));
  g_assert_no_error (error);
  g_assert_cmpint (tern_conversation_model_get_folder_id (model), ==, 0);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (model)), ==, 2);
  plan = g_list_model_get_item (G_LIST_MODEL (model), 0);
  g_assert_cmpint (tern_conversation_item_get_thread_id (plan), ==, thread_of (f, t.p1));
  g_assert_cmpuint (tern_conversation_item_get_count (plan), ==, 2);
  g_assert_cmpint (tern_conversation_item_get_newest_id (plan), ==, t.sent);
  g_assert_cmpint (tern_conversation_item_get_folder_id (plan), ==, f->ids.sent);
  g_assert_cmpstr (tern_conversation_item_get_participants (plan), ==, "Ada, alice");
  members = tern_conversation_model_dup_message_ids (model, thread_of (f, t.p1), FALSE);
  g_assert_cmpuint (members->len, ==, 2);
  g_assert_cmpint (g_array_index (members, gint64, 0), ==, t.p1);
  g_assert_cmpint (g_array_index (members, gint64, 1), ==, t.sent);
  item = conversation_at (model, 1);
  g_assert_cmpuint (tern_conversation_item_get_count (item), ==, 1);
  g_assert_cmpint (tern_conversation_item_get_folder_id (item), ==, f->ids.receipts);

  /* The server finds the lone message too: one row inserted, P kept as it was. */
  g_signal_connect (model, "items-changed", G_CALLBACK (items_changed_cb), f);
  g_array_append_val (ids, t.l);
  g_assert_true (tern_conversation_model_set_ids (model, ids, &error));
  g_assert_cmpuint (f->changes, ==, 1);
  g_assert_cmpuint (f->last_position, ==, 1);
  g_assert_cmpuint (f->last_removed, ==, 0);
  g_assert_cmpuint (f->last_added, ==, 1);
  g_assert_true (conversation_at (model, 0) == plan);

  /* Back to the folder: its conversations whole. */
  g_assert_true (tern_conversation_model_set_folder (model, f->ids.receipts, &error));
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (model)), ==, 3);
  g_assert_cmpuint (tern_conversation_item_get_count (conversation_at (model, 0)), ==, 4);
}

static TernChangeSet *
change_set (Fixture *f,
            gint64   folder_id,
            gint64   added,
            gint64   removed,
            gint64   changed)
{
  TernChangeSet *set = tern_change_set_new (f->ids.account, folder_id);

  if (added != 0)
    tern_change_set_add (set, added);
  if (removed != 0)
    tern_change_set_remove (set, removed);
  if (changed != 0)
    tern_change_set_change (set, changed);
  return set;
}

/* What a change set left must be what reading the folder again shows. */
static void
assert_same_as_read (Fixture               *f,
                     TernConversationModel *model)
{
  g_autoptr(TernConversationModel) fresh = tern_conversation_model_new (f->store);
  guint n = g_list_model_get_n_items (G_LIST_MODEL (model));

  g_assert_true (tern_conversation_model_set_folder (fresh, tern_conversation_model_get_folder_id (model), NULL));
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (fresh)), ==, n);
  for (guint i = 0; i < n; i++)
    {
      TernConversationItem *a = conversation_at (model, i);
      TernConversationItem *b = conversation_at (fresh, i);

      g_assert_cmpint (tern_conversation_item_get_thread_id (a), ==, tern_conversation_item_get_thread_id (b));
      g_assert_cmpuint (tern_conversation_item_get_count (a), ==, tern_conversation_item_get_count (b));
      g_assert_cmpuint (tern_conversation_item_get_unread_count (a), ==, tern_conversation_item_get_unread_count (b));
      g_assert_cmpint (tern_conversation_item_get_newest_id (a), ==, tern_conversation_item_get_newest_id (b));
    }
}

/* Change sets on conversations: only the rows of the messages named change, and the folder
 * is not read again. */
static void
test_conversations_apply (Fixture       *f,
                          gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TernConversationModel) model = tern_conversation_model_new (f->store);
  g_autoptr(TernConversationItem) plan = NULL;
  g_autoptr(TernConversationItem) gone = NULL;
  g_autoptr(TernConversationItem) lone = NULL;
  g_autoptr(TernMessageModel) expanded = NULL;
  g_autoptr(TernChangeSet) set = NULL;
  guint plan_notes = 0, lone_notes = 0, lone_unread, scans;
  gint64 reply, sent_reply;
  Threads t;

  add_threads (f, &t);
  g_assert_true (tern_conversation_model_set_folder (model, f->ids.receipts, &error));
  scans = tern_conversation_model_get_n_scans (model);
  g_signal_connect (model, "items-changed", G_CALLBACK (items_changed_cb), f);
  /* Newest first: Plan (with the Sent reply), Lone, Gone. */
  plan = g_list_model_get_item (G_LIST_MODEL (model), 0);
  lone = g_list_model_get_item (G_LIST_MODEL (model), 1);
  gone = g_list_model_get_item (G_LIST_MODEL (model), 2);
  g_assert_cmpint (tern_conversation_item_get_thread_id (plan), ==, thread_of (f, t.p1));
  g_assert_cmpint (tern_conversation_item_get_thread_id (lone), ==, thread_of (f, t.l));
  expanded = tern_conversation_model_dup_messages (model, tern_conversation_item_get_thread_id (plan));
  g_signal_connect (plan, "notify", G_CALLBACK (notify_cb), &plan_notes);
  g_signal_connect (lone, "notify", G_CALLBACK (notify_cb), &lone_notes);

  /* A flag change: no row comes or goes; that conversation's item alone says so. */
  g_assert_cmpuint (tern_conversation_item_get_unread_count (plan), ==, 1);
  g_assert_true (tern_journal_set_flags (f->store, t.p3, "\\Seen \\Flagged", NULL, &error));
  set = change_set (f, f->ids.receipts, 0, 0, t.p3);
  g_assert_cmpuint (tern_conversation_model_apply (model, set), ==, 1);
  g_assert_cmpuint (f->changes, ==, 0);
  g_assert_cmpuint (tern_conversation_item_get_unread_count (plan), ==, 0);
  g_assert_true (tern_conversation_item_get_flagged (plan));
  g_assert_cmpuint (plan_notes, >, 0);
  g_assert_cmpuint (lone_notes, ==, 0);
  g_assert_cmpuint (tern_conversation_model_get_n_scans (model), ==, scans);
  assert_same_as_read (f, model);
  g_clear_pointer (&set, tern_change_set_unref);

  /* A reply to the last conversation: that row moves to the top (one removal, one
   * insertion), the same item; the expanded one is not touched. */
  reply = add_message (f, f->ids.receipts, 20, "<r@t>", "<e@t>", "<missing@t> <d@t> <e@t>", "Ada",
                       "Re: Gone", 30, FALSE);
  set = change_set (f, f->ids.receipts, reply, 0, 0);
  tern_conversation_model_apply (model, set);
  g_assert_cmpuint (f->changes, ==, 2);
  g_assert_cmpuint (f->last_position, ==, 0);
  g_assert_cmpuint (f->last_removed, ==, 0);
  g_assert_cmpuint (f->last_added, ==, 1);
  g_assert_true (conversation_at (model, 0) == gone);
  g_assert_cmpuint (tern_conversation_item_get_count (gone), ==, 3);
  g_assert_cmpint (tern_conversation_item_get_newest_id (gone), ==, reply);
  g_assert_cmpuint (tern_conversation_model_get_n_scans (model), ==, scans);
  assert_same_as_read (f, model);
  g_clear_pointer (&set, tern_change_set_unref);

  /* A reply of the account's in Sent joins its conversation and moves it up (above Plan). */
  sent_reply = add_message (f, f->ids.sent, 2, "<s2@t>", "<l@t>", "<l@t>", "alice", "Re: Lone", 8, TRUE);
  set = change_set (f, f->ids.sent, sent_reply, 0, 0);
  tern_conversation_model_apply (model, set);
  g_assert_cmpuint (f->changes, ==, 4);
  g_assert_true (conversation_at (model, 1) == lone);
  g_assert_cmpuint (tern_conversation_item_get_count (lone), ==, 2);
  assert_same_as_read (f, model);
  g_clear_pointer (&set, tern_change_set_unref);

  /* That reply marked unread in Sent, then read again: the conversation's count follows in
   * place (no row moves), as a fresh read says. */
  lone_unread = tern_conversation_item_get_unread_count (lone);
  g_assert_true (tern_journal_set_flags (f->store, sent_reply, NULL, "\\Seen", &error));
  set = change_set (f, f->ids.sent, 0, 0, sent_reply);
  tern_conversation_model_apply (model, set);
  g_assert_cmpuint (f->changes, ==, 4);
  assert_same_as_read (f, model);
  g_assert_cmpuint (tern_conversation_item_get_unread_count (lone), ==, lone_unread + 1);
  g_clear_pointer (&set, tern_change_set_unref);
  g_assert_true (tern_journal_set_flags (f->store, sent_reply, "\\Seen", NULL, &error));
  set = change_set (f, f->ids.sent, 0, 0, sent_reply);
  tern_conversation_model_apply (model, set);
  g_assert_cmpuint (tern_conversation_item_get_unread_count (lone), ==, lone_unread);
  assert_same_as_read (f, model);
  g_clear_pointer (&set, tern_change_set_unref);

  /* Archived: its row leaves, nothing else moves. */
  g_assert_true (tern_journal_archive (f->store, t.l, &error));
  set = change_set (f, f->ids.receipts, 0, t.l, 0);
  tern_conversation_model_apply (model, set);
  g_assert_cmpuint (f->changes, ==, 5);
  g_assert_cmpuint (f->last_removed, ==, 1);
  g_assert_cmpuint (f->last_added, ==, 0);
  g_assert_cmpuint (tern_conversation_model_find (model, thread_of (f, t.l)), ==, G_MAXUINT);
  g_assert_cmpuint (tern_conversation_model_get_n_scans (model), ==, scans);
  assert_same_as_read (f, model);
  g_clear_pointer (&set, tern_change_set_unref);

  /* Another folder's set: nothing. */
  set = change_set (f, f->ids.inbox, 0, 0, t.p1);
  g_assert_cmpuint (tern_conversation_model_apply (model, set), ==, 0);
  g_assert_cmpuint (f->changes, ==, 5);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (expanded)), ==, 4);
}

/* A flag change in a folder of 10,000 messages (2,500 conversations): one row's item, no
 * items-changed, no reading of the folder. */
static void
test_conversations_apply_big (Fixture       *f,
                              gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TernConversationModel) model = tern_conversation_model_new (f->store);
  g_autoptr(TernConversationItem) item = NULL;
  g_autoptr(TernChangeSet) set = NULL;
  g_autoptr(TernMessage) newest = NULL;
  guint notes = 0, unread;
  gboolean seen;
  gint64 id;

  tern_test_cache_add_messages (f->store, f->ids.inbox, 201, 9800);
  g_assert_true (tern_conversation_model_set_folder (model, f->ids.inbox, &error));
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (model)), ==, 2500);
  g_assert_cmpuint (tern_conversation_model_get_n_scans (model), ==, 1);
  g_signal_connect (model, "items-changed", G_CALLBACK (items_changed_cb), f);
  item = g_list_model_get_item (G_LIST_MODEL (model), 1250);
  g_signal_connect (item, "notify::unread-count", G_CALLBACK (notify_cb), &notes);
  id = tern_conversation_item_get_newest_id (item);
  unread = tern_conversation_item_get_unread_count (item);
  newest = tern_store_get_message (f->store, id, &error);
  seen = strstr (newest->flags, "\\Seen") != NULL;

  g_assert_true (tern_journal_set_flags (f->store, id, seen ? NULL : "\\Seen", seen ? "\\Seen" : NULL, &error));
  g_assert_no_error (error);
  set = change_set (f, f->ids.inbox, 0, 0, id);
  g_assert_cmpuint (tern_conversation_model_apply (model, set), ==, 1);
  g_assert_cmpuint (f->changes, ==, 0);
  g_assert_cmpuint (notes, ==, 1);
  g_assert_cmpuint (tern_conversation_item_get_unread_count (item), ==, seen ? unread + 1 : unread - 1);
  g_assert_cmpuint (tern_conversation_model_get_n_scans (model), ==, 1);
}

static void
test_conversations_new_reply (Fixture       *f,
                              gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TernConversationModel) model = tern_conversation_model_new (f->store);
  g_autoptr(TernConversationItem) gone = NULL;
  g_autoptr(TernConversationItem) top = NULL;
  g_autoptr(TernMessageModel) expanded = NULL;
  guint count_notes = 0;
  gint64 reply;
  Threads t;

  add_threads (f, &t);
  g_assert_true (tern_conversation_model_set_folder (model, f->ids.receipts, &error));
  g_signal_connect (model, "items-changed", G_CALLBACK (items_changed_cb), f);
  gone = g_list_model_get_item (G_LIST_MODEL (model), 2);
  top = g_list_model_get_item (G_LIST_MODEL (model), 0);
  expanded = tern_conversation_model_dup_messages (model, tern_conversation_item_get_thread_id (gone));
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (expanded)), ==, 2);
  g_signal_connect (gone, "notify::count", G_CALLBACK (notify_cb), &count_notes);

  /* Nothing changed: no signal. */
  g_assert_true (tern_conversation_model_refresh (model, &error));
  g_assert_cmpuint (f->changes, ==, 0);

  /* A reply in the last conversation: that row leaves its place and comes in at the top,
   * the same item, updated; the rows between do not change. */
  reply = add_message (f, f->ids.receipts, 20, "<r@t>", "<e@t>", "<missing@t> <d@t> <e@t>", "Ada",
                       "Re: Gone", 30, FALSE);
  g_assert_true (tern_conversation_model_refresh (model, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (f->changes, ==, 2);
  g_assert_cmpuint (f->last_position, ==, 0);
  g_assert_cmpuint (f->last_removed, ==, 0);
  g_assert_cmpuint (f->last_added, ==, 1);
  g_assert_true (conversation_at (model, 0) == gone);
  g_assert_true (conversation_at (model, 1) == top);
  g_assert_cmpuint (tern_conversation_item_get_count (gone), ==, 3);
  g_assert_cmpuint (tern_conversation_item_get_unread_count (gone), ==, 2);
  g_assert_cmpint (tern_conversation_item_get_newest_id (gone), ==, reply);
  g_assert_cmpstr (tern_conversation_item_get_participants (gone), ==, "Ken, Frances, Ada");
  g_assert_cmpuint (count_notes, ==, 1);
  /* The expanded conversation shows it at its end. */
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (expanded)), ==, 3);
  g_assert_cmpint (tern_message_model_get_id (expanded, 2), ==, reply);

  /* Another reply to the conversation at the top: no row moves, the counts change. */
  add_message (f, f->ids.receipts, 21, "<r2@t>", "<r@t>", NULL, "Ken", "Re: Gone", 31, TRUE);
  g_assert_true (tern_conversation_model_refresh (model, &error));
  g_assert_cmpuint (f->changes, ==, 2);
  g_assert_cmpuint (tern_conversation_item_get_count (gone), ==, 4);

  /* Reading it: counts only. */
  g_assert_true (tern_journal_set_flags (f->store, reply, "\\Seen", NULL, &error));
  g_assert_true (tern_message_model_refresh (expanded, &error));
  g_assert_true (tern_conversation_model_refresh (model, &error));
  g_assert_cmpuint (f->changes, ==, 2);
  g_assert_cmpuint (tern_conversation_item_get_unread_count (gone), ==, 1);

  /* A new conversation: one row added at the top. */
  add_message (f, f->ids.receipts, 22, "<n@t>", NULL, NULL, "Alan", "New", 40, FALSE);
  g_assert_true (tern_conversation_model_refresh (model, &error));
  g_assert_cmpuint (f->changes, ==, 3);
  g_assert_cmpuint (f->last_position, ==, 0);
  g_assert_cmpuint (f->last_removed, ==, 0);
  g_assert_cmpuint (f->last_added, ==, 1);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (model)), ==, 4);

  /* The whole of a conversation archived: its row leaves, nothing else changes. */
  {
    g_autoptr(GArray) ids = tern_conversation_model_dup_message_ids (model, thread_of (f, t.l), TRUE);

    for (guint i = 0; i < ids->len; i++)
      g_assert_true (tern_journal_archive (f->store, g_array_index (ids, gint64, i), &error));
  }
  g_assert_true (tern_conversation_model_refresh (model, &error));
  g_assert_cmpuint (f->changes, ==, 4);
  g_assert_cmpuint (f->last_removed, ==, 1);
  g_assert_cmpuint (f->last_added, ==, 0);
  g_assert_cmpuint (tern_conversation_model_find (model, thread_of (f, t.l)), ==, G_MAXUINT);
}

/* One folder's counts again, alone (what a change set of a local action needs): its row
 * changes in place, no other row is touched, no rows come or go. */
void
test_models_add_conversations (void)
{
#define ADD(name, func) \
  g_test_add (name, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("/models/threads/build", test_threads_build);
  ADD ("/models/conversations/order", test_conversations_order);
  ADD ("/models/conversations/new-reply", test_conversations_new_reply);
  ADD ("/models/conversations/of-ids", test_conversations_of_ids);
  ADD ("/models/conversations/apply", test_conversations_apply);
  ADD ("/models/conversations/apply-big", test_conversations_apply_big);
#undef ADD
}
