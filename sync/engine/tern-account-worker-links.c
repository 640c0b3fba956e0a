/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "tern-account-worker"

#include "config.h"

#include <gio/gunixfdlist.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "tern-account-worker-private.h"

/*
 * Links that come and go (#12). A connection whose link went away (a train leaving the
 * station, a laptop moving to another Wi-Fi) does not notice by itself: IDLE just waits,
 * silently dead, until a read times out many minutes later. So:
 *
 * - GNetworkMonitor::network-changed: unless the connection survives the change (see
 *   connection_survives() and kept_over_outage()), it is given up at once (a blocked read is
 *   cancelled, no LOGOUT over a link that may be gone) and, if the network is available, a
 *   new one is made right away, without waiting for a retry timer; while the network is not
 *   available nothing is tried.
 * - logind's PrepareForSleep(true): the connection is closed cleanly (LOGOUT) before
 *   suspend, under a delay inhibitor lock released once the worker says it is offline
 *   (logind waits at most InhibitDelayMaxSec); PrepareForSleep(false): reconnect on resume
 *   and take the lock again.
 * - GNetworkMonitor:network-metered pauses the background body prefetch unless allowed
 *   (tern_account_worker_set_prefetch_on_metered()).
 */

static void
push_flag (TernAccountWorker *self,
           CommandKind        kind,
           gboolean           flag)
{
  Command *cmd = _tern_worker_command_new (kind);

  cmd->flag = flag;
  _tern_worker_push (self, cmd);
}

/* Whether ip is one of this machine's addresses now. */
static gboolean
address_configured (const char *ip)
{
  g_autoptr(GInetAddress) wanted = g_inet_address_new_from_string (ip);
  struct ifaddrs *list = NULL;
  gboolean found = FALSE;

  if (wanted == NULL || getifaddrs (&list) != 0)
    return FALSE;
  for (struct ifaddrs *a = list; a != NULL && !found; a = a->ifa_next)
    {
      g_autoptr(GSocketAddress) address = NULL;
      gsize len;

      if (a->ifa_addr == NULL || (a->ifa_addr->sa_family != AF_INET && a->ifa_addr->sa_family != AF_INET6))
        continue;
      len = a->ifa_addr->sa_family == AF_INET ? sizeof (struct sockaddr_in) : sizeof (struct sockaddr_in6);
      address = g_socket_address_new_from_native (a->ifa_addr, len);
      found = G_IS_INET_SOCKET_ADDRESS (address) &&
              g_inet_address_equal (g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (address)), wanted);
    }
  freeifaddrs (list);
  return found;
}

/* Whether the connection (or the attempt at one) outlives a change of a network that stays
 * available. A link coming up brings a burst of changes (its address, its routes, then
 * IPv6's link-local address and routes a second or two later): giving up the connection at
 * each one made every reconnect after a drop cost two or three (8-9 s instead of ~3 s on a
 * 64 kbit/s, 500 ms link, bench-linkdrop). An attempt begun on this network goes on (it
 * fails fast if the server is unreachable, and then the next change starts one at once);
 * an established connection goes on while its own address is still this machine's. Its
 * wait for news is interrupted all the same: the server's answer to DONE shows the link
 * works, a dead one ends in the read timeout and a reconnect. Another network (the address
 * gone) gets a new connection at once, as before. */
static gboolean
connection_survives (TernAccountWorker *self)
{
  g_autofree char *local = NULL;

  if (self->state == TERN_ACCOUNT_STATE_CONNECTING)
    return self->connecting_since >= self->available_since;
  g_mutex_lock (&self->shared->lock);
  if (self->shared->sync != NULL)
    local = tern_sync_dup_local_address (self->shared->sync);
  g_mutex_unlock (&self->shared->lock);
  return local != NULL && address_configured (local);
}

/* Whether the connection is kept while there is no network at all: an established one whose
 * address is still this machine's (a cable pulled and put back, a Wi-Fi roam that keeps the
 * address, bench-linkdrop's interface set down and up). It goes on waiting in IDLE; what the
 * server sent meanwhile arrives once the link is back (TCP sends it again), and the news is
 * fetched as during any IDLE: new mail ~1.5 s after the link came back on a 500 ms link,
 * where a new connection costs TLS, the greeting, the login, ENABLE and the SELECT first
 * (3.5 s; #12 asks for 3 s). Meanwhile the state shown is OFFLINE and nothing new is tried.
 * When the network comes back, the wait is interrupted: the server's answer to DONE proves
 * the link, and a connection that died meanwhile ends in its read timeout and a reconnect.
 * Where the address went with the link (most Wi-Fi disconnects), it is given up as before. */
static gboolean
kept_over_outage (TernAccountWorker *self)
{
  g_autofree char *local = NULL;

  if (!self->link_down && self->state != TERN_ACCOUNT_STATE_ONLINE)
    return FALSE;
  g_mutex_lock (&self->shared->lock);
  if (self->shared->sync != NULL)
    local = tern_sync_dup_local_address (self->shared->sync);
  g_mutex_unlock (&self->shared->lock);
  return local != NULL && !self->address_gone && address_configured (local);
}

void
_tern_worker_links_set_address_gone (TernAccountWorker *self,
                                     gboolean           gone)
{
  self->address_gone = gone;
}

static void
set_link_down (TernAccountWorker *self,
               gboolean           down)
{
  self->link_down = down;
  g_atomic_int_set (&self->shared->link_down, down);
}

static void
network_changed_cb (GNetworkMonitor   *monitor,
                    gboolean           available,
                    TernAccountWorker *self)
{
  Command *cmd;
  gboolean keep;

  g_atomic_int_set (&self->shared->metered, g_network_monitor_get_network_metered (monitor));
  if (!available && kept_over_outage (self))
    {
      g_debug ("network changed: not available, the connection is kept for its return");
      self->network_down = TRUE;
      set_link_down (self, TRUE);
      _tern_worker_show_state (self, TERN_ACCOUNT_STATE_OFFLINE);
      return;
    }
  set_link_down (self, FALSE);
  if (available && self->network_down)
    self->available_since = g_get_monotonic_time ();
  self->network_down = !available;
  keep = available && connection_survives (self);
  g_debug ("network changed: %s%s%s", available ? "available" : "not available",
           g_network_monitor_get_network_metered (monitor) ? ", metered" : "",
           keep ? ", the connection goes on" : "");

  cmd = _tern_worker_command_new (CMD_NETWORK_CHANGED);
  cmd->flag = available;
  cmd->keep = keep;
  _tern_worker_push (self, cmd);

  /* Unblock a read on the old connection now: it may wait on a link that is gone. Only
   * once the command is queued: the worker, its read cancelled, looks at the queue before
   * anything else, and finds there that the network is gone. Cancelled first, it took the
   * failure for a dead connection and made a new one at once, with no network to make it
   * on (test-links /links/network-changed, 4 runs in 100 on a busy machine). */
  if (!keep)
    {
      g_mutex_lock (&self->shared->lock);
      if (self->shared->sync != NULL)
        tern_sync_cancel (self->shared->sync);
      g_mutex_unlock (&self->shared->lock);
    }
}

static void
release_inhibitor (TernAccountWorker *self)
{
  if (self->sleep_inhibitor >= 0)
    close (self->sleep_inhibitor);
  self->sleep_inhibitor = -1;
}

static void
inhibit_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(TernAccountWorker) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GUnixFDList) fds = NULL;
  g_autoptr(GVariant) reply = NULL;
  gint32 index = -1;

  reply = g_dbus_connection_call_with_unix_fd_list_finish (G_DBUS_CONNECTION (source), &fds, result, &error);
  if (reply == NULL)
    {
      g_debug ("no sleep inhibitor: %s", error->message);
      return;
    }
  g_variant_get (reply, "(h)", &index);
  if (fds == NULL || index < 0 || index >= g_unix_fd_list_get_length (fds))
    return;
  release_inhibitor (self);
  self->sleep_inhibitor = g_unix_fd_list_get (fds, index, NULL);
  /* Stopped meanwhile: the lock is not kept. */
  if (self->links_cancellable == NULL)
    release_inhibitor (self);
}

static void
take_inhibitor (TernAccountWorker *self)
{
  if (self->system_bus == NULL || self->sleep_inhibitor >= 0)
    return;
  g_dbus_connection_call_with_unix_fd_list (self->system_bus, "org.freedesktop.login1",
                                            "/org/freedesktop/login1", "org.freedesktop.login1.Manager",
                                            "Inhibit",
                                            g_variant_new ("(ssss)", "sleep", "Tern",
                                                           "Closing mail connections", "delay"),
                                            G_VARIANT_TYPE ("(h)"), G_DBUS_CALL_FLAGS_NONE, -1, NULL,
                                            self->links_cancellable, inhibit_cb, g_object_ref (self));
}

void
_tern_worker_sleep_changed (TernAccountWorker *self,
                            gboolean           sleeping)
{
  g_return_if_fail (TERN_IS_ACCOUNT_WORKER (self));

  g_debug ("%s", sleeping ? "going to sleep" : "woken up");
  self->going_to_sleep = sleeping;
  push_flag (self, CMD_SLEEP, sleeping);
  if (!sleeping)
    take_inhibitor (self);
}

void
_tern_worker_links_state (TernAccountWorker *self,
                          TernAccountState   state)
{
  /* The connection is closed: the machine may sleep. */
  if (self->going_to_sleep && state == TERN_ACCOUNT_STATE_OFFLINE)
    release_inhibitor (self);
}

static void
prepare_for_sleep_cb (GDBusConnection *connection,
                      const char      *sender,
                      const char      *path,
                      const char      *interface,
                      const char      *signal,
                      GVariant        *parameters,
                      gpointer         user_data)
{
  TernAccountWorker *self = user_data;
  gboolean sleeping = FALSE;

  if (!g_variant_is_of_type (parameters, G_VARIANT_TYPE ("(b)")))
    return;
  g_variant_get (parameters, "(b)", &sleeping);
  _tern_worker_sleep_changed (self, sleeping);
}

static void
system_bus_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TernAccountWorker) self = user_data;
  GDBusConnection *bus = g_bus_get_finish (result, &error);

  /* No system bus (a container, a test): no sleep notices, the rest works. */
  if (bus == NULL)
    {
      g_debug ("no system bus: %s", error->message);
      return;
    }
  if (self->links_cancellable == NULL || g_cancellable_is_cancelled (self->links_cancellable))
    {
      g_object_unref (bus);
      return;
    }
  self->system_bus = bus;
  self->sleep_subscription =
    g_dbus_connection_signal_subscribe (bus, "org.freedesktop.login1", "org.freedesktop.login1.Manager",
                                        "PrepareForSleep", "/org/freedesktop/login1", NULL,
                                        G_DBUS_SIGNAL_FLAGS_NONE, prepare_for_sleep_cb, self, NULL);
  take_inhibitor (self);
}

void
tern_account_worker_set_network_monitor (TernAccountWorker *self,
                                         GNetworkMonitor   *monitor)
{
  g_return_if_fail (TERN_IS_ACCOUNT_WORKER (self));
  g_return_if_fail (monitor == NULL || G_IS_NETWORK_MONITOR (monitor));

  if (self->monitor_handler != 0)
    g_clear_signal_handler (&self->monitor_handler, self->monitor);
  g_set_object (&self->monitor, monitor);
  if (self->monitor != NULL && self->links_cancellable != NULL)
    {
      self->monitor_handler = g_signal_connect (self->monitor, "network-changed",
                                                G_CALLBACK (network_changed_cb), self);
      g_atomic_int_set (&self->shared->metered, g_network_monitor_get_network_metered (self->monitor));
    }
}

void
tern_account_worker_set_prefetch_on_metered (TernAccountWorker *self,
                                             gboolean           allowed)
{
  g_return_if_fail (TERN_IS_ACCOUNT_WORKER (self));

  g_atomic_int_set (&self->shared->prefetch_metered, !!allowed);
}

void
_tern_worker_links_start (TernAccountWorker *self)
{
  if (self->links_cancellable != NULL)
    return;
  self->links_cancellable = g_cancellable_new ();
  tern_account_worker_set_network_monitor (self, self->monitor != NULL ? self->monitor
                                                                        : g_network_monitor_get_default ());
  g_bus_get (G_BUS_TYPE_SYSTEM, self->links_cancellable, system_bus_cb, g_object_ref (self));
}

void
_tern_worker_links_stop (TernAccountWorker *self)
{
  if (self->links_cancellable != NULL)
    g_cancellable_cancel (self->links_cancellable);
  g_clear_object (&self->links_cancellable);
  if (self->monitor_handler != 0)
    g_clear_signal_handler (&self->monitor_handler, self->monitor);
  if (self->sleep_subscription != 0)
    g_dbus_connection_signal_unsubscribe (self->system_bus, self->sleep_subscription);
  self->sleep_subscription = 0;
  g_clear_object (&self->system_bus);
  release_inhibitor (self);
  self->going_to_sleep = FALSE;
}
