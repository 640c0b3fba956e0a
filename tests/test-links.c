/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-links"

#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "tern-account-worker-private.h"
#include "tern-store.h"
#include "tern-test-cache.h"
#include "tern-test-server.h"

/*
 * Links that come and go (#12), through the app's account worker against a real Dovecot:
 * a network change reconnects at once (a test monitor stands in for GNetworkMonitor),
 * logind's PrepareForSleep closes and reopens the connection, a metered network pauses
 * background prefetch.
 */

/* A GNetworkMonitor the test drives. */

#define TEST_TYPE_MONITOR (test_monitor_get_type ())
G_DECLARE_FINAL_TYPE (TestMonitor, test_monitor, TEST, MONITOR, GObject)

struct _TestMonitor
{
  GObject  parent_instance;
  gboolean available;
  gboolean metered;
};

enum { PROP_0, PROP_AVAILABLE, PROP_METERED, PROP_CONNECTIVITY };

static void test_monitor_network_iface_init (GNetworkMonitorInterface *iface);
static void test_monitor_initable_iface_init (GInitableIface *iface);

G_DEFINE_TYPE_WITH_CODE (TestMonitor, test_monitor, G_TYPE_OBJECT,
                         G_IMPLEMENT_INTERFACE (G_TYPE_INITABLE, test_monitor_initable_iface_init)
                         G_IMPLEMENT_INTERFACE (G_TYPE_NETWORK_MONITOR, test_monitor_network_iface_init))

static void
test_monitor_get_property (GObject    *object,
                           guint       prop_id,
                           GValue     *value,
                           GParamSpec *pspec)
{
  TestMonitor *self = TEST_MONITOR (object);

  switch (prop_id)
    {
    case PROP_AVAILABLE:
      g_value_set_boolean (value, self->available);
      break;
    case PROP_METERED:
      g_value_set_boolean (value, self->metered);
      break;
    case PROP_CONNECTIVITY:
      g_value_set_enum (value, self->available ? G_NETWORK_CONNECTIVITY_FULL : G_NETWORK_CONNECTIVITY_LOCAL);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static gboolean
test_monitor_can_reach (GNetworkMonitor     *monitor,
                        GSocketConnectable  *connectable,
                        GCancellable        *cancellable,
                        GError             **error)
{
  return TRUE;
}

static void
test_monitor_network_iface_init (GNetworkMonitorInterface *iface)
{
  iface->can_reach = test_monitor_can_reach;
}

static gboolean
test_monitor_init_initable (GInitable     *initable,
                            GCancellable  *cancellable,
                            GError       **error)
{
  return TRUE;
}

static void
test_monitor_initable_iface_init (GInitableIface *iface)
{
  iface->init = test_monitor_init_initable;
}

static void
test_monitor_class_init (TestMonitorClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = test_monitor_get_property;
  g_object_class_override_property (object_class, PROP_AVAILABLE, "network-available");
  g_object_class_override_property (object_class, PROP_METERED, "network-metered");
  g_object_class_override_property (object_class, PROP_CONNECTIVITY, "connectivity");
}

static void
test_monitor_init (TestMonitor *self)
{
  self->available = TRUE;
}

static void
test_monitor_change (TestMonitor *self,
                     gboolean     available,
                     gboolean     metered)
{
  self->available = available;
  self->metered = metered;
  g_signal_emit_by_name (self, "network-changed", available);
}

/* The fixture. */

typedef struct
{
  TernTestServer    *server;
  char              *dir;
  TernStore         *store;
  gint64             account_id;
  TestMonitor       *monitor;
  TernAccountWorker *worker;
} Fixture;

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;

  f->server = tern_test_server_new (TERN_TEST_SERVER_FULL, &error);
  g_assert_no_error (error);
  f->dir = g_dir_make_tmp ("tern-links-XXXXXX", &error);
  g_assert_no_error (error);
  path = g_build_filename (f->dir, "tern.db", NULL);
  f->store = tern_store_open (path, &error);
  g_assert_no_error (error);
  f->account_id = tern_test_cache_add_server_account (f->store, f->server, "test", TRUE);
  f->monitor = g_object_new (TEST_TYPE_MONITOR, NULL);
  f->worker = tern_account_worker_new (f->store, f->account_id);
  tern_account_worker_set_network_monitor (f->worker, G_NETWORK_MONITOR (f->monitor));
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  g_autofree char *cmd = g_strdup_printf ("rm -rf '%s'", f->dir);

  tern_account_worker_stop (f->worker);
  g_clear_object (&f->worker);
  /* The worker's wait for the system bus holds a reference until it ends. */
  while (g_main_context_iteration (NULL, FALSE));
  g_clear_object (&f->monitor);
  tern_store_free (f->store);
  tern_test_server_free (f->server);
  g_assert_cmpint (system (cmd), ==, 0);
  g_free (f->dir);
}

typedef gboolean (*Condition) (Fixture *f);

/* Runs the main loop until the condition holds (a generous guard against a hang). */
static void
wait_until (Fixture   *f,
            Condition  condition)
{
  gint64 deadline = g_get_monotonic_time () + 60 * G_USEC_PER_SEC;

  while (!condition (f))
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_main_context_iteration (NULL, TRUE);
    }
}

static gboolean
is_online (Fixture *f)
{
  return tern_account_worker_get_state (f->worker) == TERN_ACCOUNT_STATE_ONLINE;
}

static gboolean
is_offline (Fixture *f)
{
  return tern_account_worker_get_state (f->worker) == TERN_ACCOUNT_STATE_OFFLINE;
}

static gboolean
state_changed_cb (gpointer data)
{
  return G_SOURCE_CONTINUE;
}

static guint
inbox_count (Fixture *f)
{
  g_autoptr(TernFolder) inbox = tern_store_get_folder (f->store, f->account_id, "INBOX", NULL);

  return inbox != NULL ? tern_store_count_uids (f->store, inbox->id) : 0;
}

static gboolean
has_news (Fixture *f)
{
  return inbox_count (f) == 1;
}

static gboolean
second_session (Fixture *f)
{
  return tern_test_server_count_commands (f->server, "alice", "ENABLE") >= 2;
}

static gboolean
logged_out (Fixture *f)
{
  return tern_test_server_count_commands (f->server, "alice", "LOGOUT") >= 1;
}

static guint
enables (Fixture *f)
{
  return tern_test_server_count_commands (f->server, "alice", "ENABLE");
}

static gboolean
has_two (Fixture *f)
{
  return inbox_count (f) == 2;
}

static void
append (Fixture    *f,
        const char *id)
{
  g_autofree char *message = g_strdup_printf ("From: bob@example.org\r\nSubject: %s\r\n"
                                              "Message-ID: <%s@t>\r\n\r\nhi\r\n", id, id);

  tern_test_server_append_message (f->server, "alice", "INBOX", message);
}

/* The network going and coming back. With this end's address still the machine's (a cable
 * pulled and put back, a roam that keeps the address), the connection is kept through the
 * outage: the state shown is offline meanwhile, and when the network is back the news that
 * came meanwhile arrives on the same session (#12: a new connection cost 3.5 s before new mail
 * showed on a 500 ms link, bench-linkdrop). With the address gone, the connection is given up at
 * once and a new one is made when the network is back, without waiting for a timeout or a
 * retry timer. A change that leaves the address in place keeps the connection. */
static void
test_network_changed (Fixture       *f,
                      gconstpointer  data)
{
  /* The main loop wakes now and then to look at the server's rawlog. */
  guint tick = g_timeout_add (20, state_changed_cb, NULL);

  tern_account_worker_start (f->worker);
  wait_until (f, is_online);
  g_assert_cmpuint (enables (f), ==, 1);
  /* The worker idles on INBOX. */
  g_assert_true (tern_test_server_wait_command (f->server, "alice", "IDLE", 1, 30000));

  /* The network goes, the address stays: offline for the user, the session kept. Mail
   * arrives meanwhile; the network comes back: it is fetched on the same session. */
  test_monitor_change (f->monitor, FALSE, FALSE);
  wait_until (f, is_offline);
  append (f, "meanwhile");
  test_monitor_change (f->monitor, TRUE, FALSE);
  wait_until (f, has_news);
  wait_until (f, is_online);
  g_assert_cmpuint (enables (f), ==, 1);
  g_assert_true (tern_test_server_wait_command (f->server, "alice", "IDLE", 2, 30000));

  /* The network goes with the address: no connection, nothing tried. */
  _tern_worker_links_set_address_gone (f->worker, TRUE);
  test_monitor_change (f->monitor, FALSE, FALSE);
  wait_until (f, is_offline);

  /* It comes back: a new connection at once (the retry timer would wait 15 s). */
  _tern_worker_links_set_address_gone (f->worker, FALSE);
  test_monitor_change (f->monitor, TRUE, FALSE);
  wait_until (f, second_session);
  wait_until (f, is_online);
  g_assert_true (tern_test_server_wait_command (f->server, "alice", "IDLE", 3, 30000));

  /* Another change while connected, and this end's address is still the machine's (a route
   * added, IPv6 coming up on the same link): the connection goes on. Its wait for news is
   * ended (DONE, answered: the link works) and begins again on the same session. */
  test_monitor_change (f->monitor, TRUE, FALSE);
  g_assert_true (tern_test_server_wait_command (f->server, "alice", "IDLE", 4, 30000));
  g_assert_cmpuint (enables (f), ==, 2);

  /* New mail on that connection. */
  append (f, "back");
  wait_until (f, has_two);
  g_assert_cmpuint (enables (f), ==, 2);

  g_source_remove (tick);
}

/* Before suspend the connection is closed cleanly (LOGOUT); on resume it comes back. */
static void
test_sleep (Fixture       *f,
            gconstpointer  data)
{
  guint tick = g_timeout_add (20, state_changed_cb, NULL);

  tern_account_worker_start (f->worker);
  wait_until (f, is_online);
  g_assert_true (tern_test_server_wait_command (f->server, "alice", "IDLE", 1, 30000));

  _tern_worker_sleep_changed (f->worker, TRUE);
  wait_until (f, logged_out);
  wait_until (f, is_offline);

  _tern_worker_sleep_changed (f->worker, FALSE);
  wait_until (f, second_session);
  wait_until (f, is_online);

  g_source_remove (tick);
}

static guint
bodies (Fixture *f)
{
  guint n = 0;

  g_assert_true (tern_store_cache_usage (f->store, f->account_id, NULL, &n, NULL, NULL));
  return n;
}

static gboolean
has_bodies (Fixture *f)
{
  return bodies (f) > 0;
}

static gboolean
synced_twice (Fixture *f)
{
  return tern_test_server_count_commands (f->server, "alice", "LSUB") >= 2 && is_online (f);
}

/* A metered network: the background prefetch waits; allowed, it goes. */
static void
test_metered (Fixture       *f,
              gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  guint tick = g_timeout_add (20, state_changed_cb, NULL);

  tern_test_server_append_message (f->server, "alice", "INBOX",
                                   "From: bob@example.org\r\nSubject: recent\r\nMessage-ID: <recent@t>\r\n\r\nbody\r\n");
  g_assert_true (tern_store_set_offline_policy (f->store, f->account_id, 0, 36500, 1024 * 1024, -1, -1, &error));
  g_assert_no_error (error);
  f->monitor->metered = TRUE;

  /* A first sync: online (after the prefetch would have run), no body kept. */
  tern_account_worker_start (f->worker);
  wait_until (f, is_online);
  g_assert_cmpuint (inbox_count (f), ==, 1);
  g_assert_cmpuint (bodies (f), ==, 0);

  /* Allowed: the next sync keeps it. */
  tern_account_worker_set_prefetch_on_metered (f->worker, TRUE);
  tern_account_worker_sync_now (f->worker);
  wait_until (f, synced_twice);
  wait_until (f, has_bodies);

  g_source_remove (tick);
}

static gboolean
is_syncing (Fixture *f)
{
  return tern_account_worker_get_state (f->worker) == TERN_ACCOUNT_STATE_SYNCING;
}

static gboolean
all_bodies (Fixture *f)
{
  return inbox_count (f) == 2000 && bodies (f) == 2000;
}

/* The background prefetch, interrupted by a command (here a network change the connection
 * survives; in the app, the window saying which folder is open as it starts), goes on once the
 * command is handled: not only after the next sync, which may be a poll a minute away. */
static void
test_prefetch_resumes (Fixture       *f,
                       gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  guint tick = g_timeout_add (20, state_changed_cb, NULL);

  g_assert_true (tern_test_server_seed (f->server, "alice", "INBOX", 2000, &error));
  g_assert_no_error (error);
  g_assert_true (tern_store_set_offline_policy (f->store, f->account_id, 0, 36500, 1024 * 1024, -1, -1, &error));
  g_assert_no_error (error);

  tern_account_worker_start (f->worker);
  wait_until (f, is_syncing);
  test_monitor_change (f->monitor, TRUE, FALSE);
  wait_until (f, all_bodies);
  /* One sync did it all: no second one came to finish the prefetch. */
  g_assert_cmpuint (tern_test_server_count_commands (f->server, "alice", "LSUB"), ==, 1);
  g_assert_cmpuint (tern_test_server_count_commands (f->server, "alice", "ENABLE"), ==, 1);

  g_source_remove (tick);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add ("/links/network-changed", Fixture, NULL, fixture_set_up, test_network_changed, fixture_tear_down);
  g_test_add ("/links/sleep", Fixture, NULL, fixture_set_up, test_sleep, fixture_tear_down);
  g_test_add ("/links/metered", Fixture, NULL, fixture_set_up, test_metered, fixture_tear_down);
  g_test_add ("/links/prefetch-resumes", Fixture, NULL, fixture_set_up, test_prefetch_resumes, fixture_tear_down);

  return g_test_run ();
}
