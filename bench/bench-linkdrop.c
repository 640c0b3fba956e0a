/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "bench-linkdrop"

#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "slowlink.h"
#include "tern-account-worker-private.h"
#include "tern-store.h"
#include "tern-test-server.h"

/*
 * A link that goes and comes back (#12): how long after the link is back does new mail that
 * arrived while it was down reach Tern's cache, and the main thread (the worker's new-mail
 * signal, which the window's list and the notification follow)? Target: under 3 s.
 *
 * The app's account worker runs in a child process inside a network namespace joined to
 * this one by a veth pair (`ip netns exec`), following the real GNetworkMonitor of that
 * namespace (netlink), as it does on a laptop. Its connection crosses the slow link
 * emulator (64 kbit/s, 250 ms each way by default) to the Dovecot fixture. Each round: the
 * worker is online and idling; the client side's interface goes down (its routes go); a
 * message is appended on the server; the interface comes back up with its default route
 * (as DHCP would); the time until the child has the message in its cache is measured.
 *
 *   bench-linkdrop [--rounds N] [--kbit K] [--delay MS] [--reconnect]
 *
 * --reconnect: the worker takes its connection's address for gone with the link (as when
 * Wi-Fi drops its address), so each round measures a new connection (TLS, login, ENABLE,
 * the SELECT) instead of the kept one.
 *
 * Needs root and network namespaces (it says so and exits 77 where it cannot).
 */

#define USER     "alice"
#define PASSWORD "secret"

/* The child: the worker, reporting on stdout ("online", "count N"). */

typedef struct
{
  TernStore         *store;
  gint64             account_id;
  TernAccountWorker *worker;
  guint              last_count;
  guint              told;       /* messages the worker's new-mail signal named */
  int                last_state;
  gint64             last_line;
} Child;

static guint
inbox_count (Child *c)
{
  g_autoptr(TernFolder) inbox = tern_store_get_folder (c->store, c->account_id, "INBOX", NULL);

  return inbox != NULL ? tern_store_count_uids (c->store, inbox->id) : 0;
}

static gboolean
child_tick_cb (gpointer data)
{
  Child *c = data;
  int state = (int) tern_account_worker_get_state (c->worker);
  guint count = inbox_count (c);
  gint64 now = g_get_monotonic_time ();

  if (state != c->last_state)
    {
      printf ("%s %d\n", state == TERN_ACCOUNT_STATE_ONLINE ? "online" : "offline", state);
      c->last_state = state;
      c->last_line = now;
    }
  if (count != c->last_count)
    {
      printf ("count %u\n", count);
      c->last_count = count;
      c->last_line = now;
    }
  /* A line now and then, so that the parent's deadlines are kept. */
  if (now - c->last_line > G_USEC_PER_SEC)
    {
      printf ("tick\n");
      c->last_line = now;
    }
  fflush (stdout);
  return G_SOURCE_CONTINUE;
}

/* What the app's window hears: the worker told the main thread of new mail (the list and
 * the notification follow from it). */
static void
child_new_mail_cb (TernAccountWorker *worker,
                   guint              count,
                   const char        *subject,
                   GArray            *ids,
                   Child             *c)
{
  c->told += count;
  printf ("told %u\n", c->told);
  fflush (stdout);
}

static void
child_network_changed_cb (GNetworkMonitor *monitor,
                          gboolean         available,
                          gpointer         data)
{
  printf ("network %s\n", available ? "available" : "not available");
  fflush (stdout);
}

static int
run_child (const char *db_path,
           gint64      account_id,
           gboolean    reconnect)
{
  g_autoptr(GError) error = NULL;
  Child c = { 0 };

  c.store = tern_store_open (db_path, &error);
  if (c.store == NULL)
    {
      g_printerr ("child: %s\n", error->message);
      return 1;
    }
  c.account_id = account_id;
  c.last_count = inbox_count (&c);
  c.last_state = -1;
  printf ("count %u\n", c.last_count);
  c.worker = tern_account_worker_new (c.store, account_id);
  tern_account_worker_set_password (c.worker, PASSWORD);
  tern_account_worker_set_network_monitor (c.worker, g_network_monitor_get_default ());
  _tern_worker_links_set_address_gone (c.worker, reconnect);
  g_signal_connect (c.worker, "new-mail", G_CALLBACK (child_new_mail_cb), &c);
  g_signal_connect (g_network_monitor_get_default (), "network-changed",
                    G_CALLBACK (child_network_changed_cb), NULL);
  tern_account_worker_start (c.worker);
  /* The cache is what the app's list reads: polled often enough not to matter here. */
  g_timeout_add (10, child_tick_cb, &c);
  for (;;)
    g_main_context_iteration (NULL, TRUE);
  return 0;
}

/* The parent. */

typedef struct
{
  GDataInputStream *out;
  gboolean          online;
  int               state;
  guint             count;
  guint             told;
  gint64            since;
} Watch;

/* Reads the child's lines until the condition holds or the deadline passes. want_online: 1,
 * 0, or -1 for either; want_told: messages the new-mail signal named. */
static gboolean
watch_until_told (Watch    *w,
                  int       want_online,
                  guint     want_count,
                  guint     want_told,
                  double    seconds)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) (seconds * G_USEC_PER_SEC);

  while (!((want_online < 0 || w->online == want_online) && w->count >= want_count &&
           w->told >= want_told))
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *line = NULL;

      if (g_get_monotonic_time () > deadline)
        return FALSE;
      line = g_data_input_stream_read_line (w->out, NULL, NULL, &error);
      if (line == NULL)
        {
          g_printerr ("the worker's process ended%s%s\n", error ? ": " : "", error ? error->message : "");
          return FALSE;
        }
      if (g_getenv ("BENCH_VERBOSE") != NULL)
        g_print ("  %.3f worker: %s\n", (g_get_monotonic_time () - w->since) / (double) G_USEC_PER_SEC, line);
      if (g_str_has_prefix (line, "online"))
        w->online = TRUE;
      else if (g_str_has_prefix (line, "offline"))
        {
          w->online = FALSE;
          w->state = (int) g_ascii_strtoll (line + 8, NULL, 10);
        }
      else if (g_str_has_prefix (line, "count "))
        w->count = (guint) g_ascii_strtoull (line + 6, NULL, 10);
      else if (g_str_has_prefix (line, "told "))
        w->told = (guint) g_ascii_strtoull (line + 5, NULL, 10);
    }
  return TRUE;
}

static gboolean
watch_until (Watch    *w,
             gboolean  want_online,
             guint     want_count,
             double    seconds)
{
  return watch_until_told (w, want_online, want_count, 0, seconds);
}

static int
compare_doubles (gconstpointer a,
                 gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return x < y ? -1 : x > y;
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GOptionContext) options = g_option_context_new ("- new mail after a link drop");
  g_autoptr(GArray) times = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GSubprocess) child = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *db_path = NULL;
  g_autofree char *account_arg = NULL;
  g_autofree char *self_path = NULL;
  g_autofree char *pin = NULL;
  TernTestServer *server;
  TernAccount account = { 0 };
  TernStore *store;
  SlowLink *link;
  SlowNet *net;
  Watch w = { 0 };
  gint64 account_id = 0;
  int rounds = 5, kbit = 64, delay = 250;
  gboolean reconnect = FALSE;
  char *child_db = NULL;
  gint64 child_account = 0;
  const GOptionEntry entries[] = {
    { "rounds", 0, 0, G_OPTION_ARG_INT, &rounds, "Link drops (5)", "N" },
    { "kbit", 0, 0, G_OPTION_ARG_INT, &kbit, "Link speed in kbit/s (64)", "K" },
    { "delay", 0, 0, G_OPTION_ARG_INT, &delay, "Delay each way in ms (250)", "MS" },
    { "reconnect", 0, 0, G_OPTION_ARG_NONE, &reconnect, "A new connection each time (the address goes with the link)", NULL },
    { "child", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_FILENAME, &child_db, NULL, NULL },
    { "account", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_INT64, &child_account, NULL, NULL },
    { NULL }
  };

  g_option_context_add_main_entries (options, entries, NULL);
  if (!g_option_context_parse (options, &argc, &argv, &error))
    {
      g_printerr ("%s\n", error->message);
      return 2;
    }
  if (child_db != NULL)
    return run_child (child_db, child_account, reconnect);

  net = slow_net_new (&error);
  if (net == NULL)
    {
      g_print ("bench-linkdrop: skipped, no network namespace here (%s)\n", error->message);
      return 77;
    }

  server = tern_test_server_new (TERN_TEST_SERVER_FULL, &error);
  g_assert_no_error (error);
  link = slow_link_new (slow_net_get_host_address (net), tern_test_server_get_host (server),
                        tern_test_server_get_imaps_port (server), (guint) kbit * 1000,
                        (guint) delay, &error);
  g_assert_no_error (error);

  dir = g_dir_make_tmp ("tern-linkdrop-XXXXXX", &error);
  g_assert_no_error (error);
  db_path = g_build_filename (dir, "tern.db", NULL);
  store = tern_store_open (db_path, &error);
  g_assert_no_error (error);
  account.name = (char *) "bench";
  account.email = (char *) "alice@example.org";
  account.host = (char *) slow_link_get_address (link);
  account.port = slow_link_get_port (link);
  account.security = (char *) "tls";
  account.user = (char *) USER;
  /* The fixture's certificate names 127.0.0.1 and localhost, not the namespace's address:
   * pinned, as a user may pin one. */
  pin = tern_test_server_dup_cert_sha256 (server);
  account.pinned_sha256 = pin;
  g_assert_true (tern_store_add_account (store, &account, &account_id, &error));
  g_assert_no_error (error);
  tern_store_free (store);

  self_path = g_file_read_link ("/proc/self/exe", &error);
  g_assert_no_error (error);
  account_arg = g_strdup_printf ("%" G_GINT64_FORMAT, account_id);
  child = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error, "ip", "netns", "exec",
                            slow_net_get_name (net), self_path, "--child", db_path,
                            "--account", account_arg, reconnect ? "--reconnect" : NULL, NULL);
  g_assert_no_error (error);
  w.out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (child));

  g_print ("Link: %d kbit/s and %d ms each way (userspace delaying proxy), the client in a network\n"
           "namespace (%s) whose interface goes down and up; Dovecot; the app's account worker\n"
           "following that namespace's GNetworkMonitor; %s.\n\n", kbit, delay, slow_net_get_name (net),
           reconnect ? "a new connection after each drop (--reconnect)"
                     : "the connection's address stays, so it is kept through the drop");

  if (!watch_until (&w, TRUE, 0, 120))
    g_error ("the worker never came online (state %d)", w.state);

  for (int i = 0; i < rounds; i++)
    {
      g_autofree char *message = NULL;
      gint64 up;
      double seconds;

      /* Idling on INBOX before the drop (the worker says online once its sync is done). */
      g_assert_true (tern_test_server_wait_command (server, USER, "IDLE", (guint) i + 1, 60000));
      g_assert_true (slow_net_set_link (net, FALSE, &error));
      if (!watch_until (&w, FALSE, w.count, 60))
        g_error ("round %d: the worker did not notice the link going down", i + 1);

      message = g_strdup_printf ("From: bob@example.org\r\nSubject: while away %d\r\n"
                                 "Message-ID: <linkdrop-%d@bench>\r\n\r\nhello\r\n", i, i);
      tern_test_server_append_message (server, USER, "INBOX", message);

      up = w.since = g_get_monotonic_time ();
      g_assert_true (slow_net_set_link (net, TRUE, &error));
      /* In the cache and told to the main thread (where the window's list and the
       * notification take it from), whether or not the rest of the sync is done. */
      if (!watch_until_told (&w, -1, (guint) i + 1, w.told + 1, 120))
        g_error ("round %d: the new message never arrived", i + 1);
      seconds = (g_get_monotonic_time () - up) / (double) G_USEC_PER_SEC;
      if (!watch_until (&w, TRUE, (guint) i + 1, 120))
        g_error ("round %d: the worker did not finish its sync", i + 1);
      g_array_append_val (times, seconds);
      g_print ("round %d: new mail in the cache %.2f s after the link came back\n", i + 1, seconds);
    }

  g_array_sort (times, compare_doubles);
  g_print ("\nnew mail after the link came back: median %.2f s, worst %.2f s (target < 3 s)\n",
           g_array_index (times, double, times->len / 2), g_array_index (times, double, times->len - 1));

  if (g_getenv ("BENCH_KEEP") != NULL)
    {
      g_print ("BENCH_KEEP: the server's folder (rawlogs) is %s; press Enter to end\n",
               tern_test_server_get_dir (server));
      (void) getchar ();
    }
  g_subprocess_force_exit (child);
  g_subprocess_wait (child, NULL, NULL);
  g_clear_object (&w.out);
  slow_link_free (link);
  slow_net_free (net);
  tern_test_server_free (server);
  {
    g_autofree char *cmd = g_strdup_printf ("rm -rf '%s'", dir);

    if (system (cmd) != 0)
      g_printerr ("could not remove %s\n", dir);
  }
  return 0;
}
