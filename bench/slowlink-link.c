/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "bench-slowlink"

#include "config.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>
#include <unistd.h>

#include "slowlink.h"

/*
 * The link emulator (see slowlink.h). Each connection has two pipes (client to server, server
 * to client); a pipe's reader thread cuts what it receives into segments and gives each the
 * time it would arrive at the far end of the link; its writer thread hands each segment on at
 * that time. The transmitters are the link's, shared by every connection: two connections
 * through one 64 kbit/s link share its 64 kbit/s.
 */

#define SEGMENT        1448   /* payload of a full-size TCP segment on Ethernet with timestamps */
#define HEADER_BYTES   40     /* TCP/IP headers per segment, carried too */
#define READ_SIZE      (16 * 1448)

enum { UP, DOWN };

typedef struct
{
  gint64  arrival;   /* monotonic microseconds */
  gsize   length;
  guint8  data[];
} Segment;

typedef struct _Conn Conn;

typedef struct
{
  Conn     *conn;     /* borrowed: the conn outlives its threads */
  int       direction;
  GSocket  *from;     /* borrowed from conn */
  GSocket  *to;
  GMutex    lock;
  GCond     cond;
  GQueue    segments;
  gboolean  eof;
  gboolean  dead;
  GThread  *reader;
  GThread  *writer;
} Pipe;

struct _Conn
{
  SlowLink *link;
  GSocket  *client;
  GSocket  *server;
  gint64    opened;
  int       last_direction;
  Pipe      pipes[2];
};

struct _SlowLink
{
  GSocket      *listener;
  char         *address;
  guint16       port;
  char         *upstream_host;
  guint16       upstream_port;
  guint         bits_per_second;
  gint64        delay_us;
  GThread      *acceptor;
  GCancellable *stop;

  GMutex        lock;       /* everything below */
  gint64        free_at[2]; /* when each transmitter is free again */
  GPtrArray    *conns;
  gboolean      cut;
  SlowLinkCounters counters;
};

static void
segment_queue_clear (GQueue *queue)
{
  Segment *segment;

  while ((segment = g_queue_pop_head (queue)) != NULL)
    g_free (segment);
}

/* Reader: from the sending end into the link. */
static gpointer
pipe_reader (gpointer data)
{
  Pipe *pipe = data;
  Conn *conn = pipe->conn;
  SlowLink *link = conn->link;
  g_autofree guint8 *buffer = g_malloc (READ_SIZE);

  for (;;)
    {
      gssize n = g_socket_receive (pipe->from, (char *) buffer, READ_SIZE, NULL, NULL);

      if (n <= 0)
        break;
      for (gssize offset = 0; offset < n; offset += SEGMENT)
        {
          gsize length = MIN (SEGMENT, (gsize) (n - offset));
          Segment *segment = g_malloc (sizeof (Segment) + length);
          gint64 now = g_get_monotonic_time ();
          gint64 start;

          memcpy (segment->data, buffer + offset, length);
          segment->length = length;

          g_mutex_lock (&link->lock);
          /* The TCP handshake: the client's first byte leaves after SYN and SYN-ACK, the
           * server's after the client's ACK has reached it. */
          start = MAX (now, link->free_at[pipe->direction]);
          start = MAX (start, conn->opened + (pipe->direction == UP ? 2 : 3) * link->delay_us);
          link->free_at[pipe->direction] =
            start + (gint64) (length + HEADER_BYTES) * 8 * G_USEC_PER_SEC / link->bits_per_second;
          segment->arrival = link->free_at[pipe->direction] + link->delay_us;
          if (pipe->direction == UP)
            link->counters.up += length;
          else
            {
              link->counters.down += length;
              if (conn->last_direction == UP)
                link->counters.round_trips++;
            }
          conn->last_direction = pipe->direction;
          g_mutex_unlock (&link->lock);

          g_mutex_lock (&pipe->lock);
          if (pipe->dead)
            g_free (segment);
          else
            g_queue_push_tail (&pipe->segments, segment);
          g_cond_signal (&pipe->cond);
          g_mutex_unlock (&pipe->lock);
        }
    }

  g_mutex_lock (&pipe->lock);
  pipe->eof = TRUE;
  g_cond_signal (&pipe->cond);
  g_mutex_unlock (&pipe->lock);
  return NULL;
}

static gboolean
send_all (GSocket      *socket,
          const guint8 *data,
          gsize         length)
{
  while (length > 0)
    {
      gssize n = g_socket_send (socket, (const char *) data, length, NULL, NULL);

      if (n <= 0)
        return FALSE;
      data += n;
      length -= (gsize) n;
    }
  return TRUE;
}

/* Writer: from the link to the receiving end, each segment at its time. */
static gpointer
pipe_writer (gpointer data)
{
  Pipe *pipe = data;

  for (;;)
    {
      Segment *segment;

      g_mutex_lock (&pipe->lock);
      for (;;)
        {
          segment = g_queue_peek_head (&pipe->segments);
          if (pipe->dead || (segment == NULL && pipe->eof))
            break;
          if (segment == NULL)
            g_cond_wait (&pipe->cond, &pipe->lock);
          else if (g_get_monotonic_time () < segment->arrival)
            g_cond_wait_until (&pipe->cond, &pipe->lock, segment->arrival);
          else
            break;
        }
      if (pipe->dead || segment == NULL)
        {
          g_mutex_unlock (&pipe->lock);
          break;
        }
      g_queue_pop_head (&pipe->segments);
      g_mutex_unlock (&pipe->lock);

      if (!send_all (pipe->to, segment->data, segment->length))
        {
          g_free (segment);
          break;
        }
      g_free (segment);
    }

  /* Half-close: the far end sees the end of what was sent, as TCP would show it. */
  g_socket_shutdown (pipe->to, FALSE, TRUE, NULL);
  return NULL;
}

static void
pipe_init (Pipe    *pipe,
           Conn    *conn,
           int      direction,
           GSocket *from,
           GSocket *to)
{
  pipe->conn = conn;
  pipe->direction = direction;
  pipe->from = from;
  pipe->to = to;
  g_mutex_init (&pipe->lock);
  g_cond_init (&pipe->cond);
  g_queue_init (&pipe->segments);
}

static void
pipe_kill (Pipe *pipe)
{
  g_mutex_lock (&pipe->lock);
  pipe->dead = TRUE;
  segment_queue_clear (&pipe->segments);
  g_cond_signal (&pipe->cond);
  g_mutex_unlock (&pipe->lock);
}

static void
conn_kill (Conn *conn)
{
  pipe_kill (&conn->pipes[UP]);
  pipe_kill (&conn->pipes[DOWN]);
  /* Wakes both readers (a receive on a shut-down socket returns 0). */
  g_socket_shutdown (conn->client, TRUE, TRUE, NULL);
  g_socket_shutdown (conn->server, TRUE, TRUE, NULL);
}

/* One connection: its four threads, then the sockets are closed and it is forgotten. */
static gpointer
conn_thread (gpointer data)
{
  Conn *conn = data;
  SlowLink *link = conn->link;

  for (int d = UP; d <= DOWN; d++)
    {
      conn->pipes[d].reader = g_thread_new ("link-reader", pipe_reader, &conn->pipes[d]);
      conn->pipes[d].writer = g_thread_new ("link-writer", pipe_writer, &conn->pipes[d]);
    }
  for (int d = UP; d <= DOWN; d++)
    {
      g_thread_join (conn->pipes[d].reader);
      g_thread_join (conn->pipes[d].writer);
    }

  g_mutex_lock (&link->lock);
  g_ptr_array_remove (link->conns, conn);
  g_mutex_unlock (&link->lock);

  g_socket_close (conn->client, NULL);
  g_socket_close (conn->server, NULL);
  for (int d = UP; d <= DOWN; d++)
    {
      segment_queue_clear (&conn->pipes[d].segments);
      g_mutex_clear (&conn->pipes[d].lock);
      g_cond_clear (&conn->pipes[d].cond);
    }
  g_object_unref (conn->client);
  g_object_unref (conn->server);
  g_free (conn);
  return NULL;
}

static GSocket *
connect_upstream (SlowLink *link)
{
  g_autoptr(GInetAddress) address = g_inet_address_new_from_string (link->upstream_host);
  g_autoptr(GSocketAddress) target = g_inet_socket_address_new (address, link->upstream_port);
  g_autoptr(GSocket) socket = g_socket_new (g_inet_address_get_family (address), G_SOCKET_TYPE_STREAM,
                                            G_SOCKET_PROTOCOL_TCP, NULL);

  if (socket == NULL || !g_socket_connect (socket, target, NULL, NULL))
    return NULL;
  g_socket_set_option (socket, IPPROTO_TCP, TCP_NODELAY, 1, NULL);
  return g_steal_pointer (&socket);
}

static gpointer
accept_thread (gpointer data)
{
  SlowLink *link = data;

  for (;;)
    {
      g_autoptr(GSocket) client = g_socket_accept (link->listener, link->stop, NULL);
      g_autoptr(GSocket) server = NULL;
      Conn *conn;
      gboolean cut;

      if (client == NULL)
        break;
      g_mutex_lock (&link->lock);
      cut = link->cut;
      g_mutex_unlock (&link->lock);
      if (cut || (server = connect_upstream (link)) == NULL)
        {
          /* Refused: as a link that is down would leave a connection attempt unanswered, the
           * client sees it fail (at once here: its timeout is not what is measured). */
          g_socket_close (client, NULL);
          continue;
        }
      g_socket_set_option (client, IPPROTO_TCP, TCP_NODELAY, 1, NULL);

      conn = g_new0 (Conn, 1);
      conn->link = link;
      conn->client = g_steal_pointer (&client);
      conn->server = g_steal_pointer (&server);
      conn->opened = g_get_monotonic_time ();
      conn->last_direction = DOWN;
      pipe_init (&conn->pipes[UP], conn, UP, conn->client, conn->server);
      pipe_init (&conn->pipes[DOWN], conn, DOWN, conn->server, conn->client);

      g_mutex_lock (&link->lock);
      link->counters.connections++;
      link->counters.round_trips++;   /* the handshake */
      g_ptr_array_add (link->conns, conn);
      g_mutex_unlock (&link->lock);
      g_thread_unref (g_thread_new ("link-conn", conn_thread, conn));
    }
  return NULL;
}

SlowLink *
slow_link_new (const char  *listen_address,
               const char  *upstream_host,
               guint16      upstream_port,
               guint        bits_per_second,
               guint        delay_ms,
               GError     **error)
{
  g_autoptr(GInetAddress) address = g_inet_address_new_from_string (listen_address);
  g_autoptr(GSocketAddress) bind_address = NULL;
  g_autoptr(GSocketAddress) bound = NULL;
  SlowLink *self;
  GSocket *listener;

  if (address == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "Not an address: %s", listen_address);
      return NULL;
    }
  listener = g_socket_new (g_inet_address_get_family (address), G_SOCKET_TYPE_STREAM,
                           G_SOCKET_PROTOCOL_TCP, error);
  if (listener == NULL)
    return NULL;
  bind_address = g_inet_socket_address_new (address, 0);
  if (!g_socket_bind (listener, bind_address, TRUE, error) || !g_socket_listen (listener, error) ||
      (bound = g_socket_get_local_address (listener, error)) == NULL)
    {
      g_object_unref (listener);
      return NULL;
    }

  self = g_new0 (SlowLink, 1);
  self->listener = listener;
  self->address = g_strdup (listen_address);
  self->port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
  self->upstream_host = g_strdup (upstream_host);
  self->upstream_port = upstream_port;
  self->bits_per_second = bits_per_second;
  self->delay_us = (gint64) delay_ms * 1000;
  self->stop = g_cancellable_new ();
  self->conns = g_ptr_array_new ();
  g_mutex_init (&self->lock);
  self->acceptor = g_thread_new ("link-accept", accept_thread, self);
  return self;
}

guint16
slow_link_get_port (SlowLink *self)
{
  return self->port;
}

const char *
slow_link_get_address (SlowLink *self)
{
  return self->address;
}

void
slow_link_get_counters (SlowLink         *self,
                        SlowLinkCounters *out)
{
  g_mutex_lock (&self->lock);
  *out = self->counters;
  g_mutex_unlock (&self->lock);
}

void
slow_link_reset (SlowLink *self)
{
  g_mutex_lock (&self->lock);
  memset (&self->counters, 0, sizeof self->counters);
  g_mutex_unlock (&self->lock);
}

void
slow_link_cut (SlowLink *self,
               gboolean  cut)
{
  g_mutex_lock (&self->lock);
  self->cut = cut;
  if (cut)
    for (guint i = 0; i < self->conns->len; i++)
      conn_kill (self->conns->pdata[i]);
  g_mutex_unlock (&self->lock);
}

void
slow_link_free (SlowLink *self)
{
  if (self == NULL)
    return;
  g_cancellable_cancel (self->stop);
  g_thread_join (self->acceptor);
  slow_link_cut (self, TRUE);
  /* The connection threads forget themselves when their sockets are gone. */
  for (;;)
    {
      guint left;

      g_mutex_lock (&self->lock);
      left = self->conns->len;
      g_mutex_unlock (&self->lock);
      if (left == 0)
        break;
      g_usleep (10000);
    }
  g_socket_close (self->listener, NULL);
  g_object_unref (self->listener);
  g_object_unref (self->stop);
  g_ptr_array_unref (self->conns);
  g_mutex_clear (&self->lock);
  g_free (self->address);
  g_free (self->upstream_host);
  g_free (self);
}

/* The namespace. */

struct _SlowNet
{
  char *name;
  char *host_if;
  char *client_if;
  char *host_address;
  char *client_address;
};

static gboolean
run_ip (GError     **error,
        const char  *first,
        ...)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autofree char *err = NULL;
  va_list args;
  int status = 0;

  g_ptr_array_add (argv, (gpointer) "ip");
  va_start (args, first);
  for (const char *a = first; a != NULL; a = va_arg (args, const char *))
    g_ptr_array_add (argv, (gpointer) a);
  va_end (args);
  g_ptr_array_add (argv, NULL);

  if (!g_spawn_sync (NULL, (char **) argv->pdata, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_STDOUT_TO_DEV_NULL,
                     NULL, NULL, NULL, &err, &status, error))
    return FALSE;
  if (!g_spawn_check_wait_status (status, NULL))
    {
      g_autofree char *line = g_strjoinv (" ", (char **) argv->pdata);

      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "%s: %s", line, g_strstrip (err));
      return FALSE;
    }
  return TRUE;
}

/* Namespaces left by a run that was killed (theirs is "tern-slowlink-PID"): removed, with
 * their veth pairs, once that process is gone. */
static void
remove_stale_namespaces (void)
{
  g_autofree char *out = NULL;
  g_auto(GStrv) lines = NULL;
  const char *argv[] = { "ip", "netns", "list", NULL };

  if (!g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_STDERR_TO_DEV_NULL,
                     NULL, NULL, &out, NULL, NULL, NULL))
    return;
  lines = g_strsplit (out, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_autofree char *proc = NULL;
      g_autofree char *name = NULL;
      guint64 pid;

      if (!g_str_has_prefix (lines[i], "tern-slowlink-"))
        continue;
      name = g_strdup (lines[i]);
      name[strcspn (name, " ")] = '\0';
      pid = g_ascii_strtoull (name + strlen ("tern-slowlink-"), NULL, 10);
      proc = g_strdup_printf ("/proc/%" G_GUINT64_FORMAT, pid);
      if (pid != 0 && !g_file_test (proc, G_FILE_TEST_EXISTS))
        run_ip (NULL, "netns", "delete", name, NULL);
    }
}

SlowNet *
slow_net_new (GError **error)
{
  g_autofree char *host_cidr = NULL;
  g_autofree char *client_cidr = NULL;
  SlowNet *self = g_new0 (SlowNet, 1);
  guint n = (guint) getpid () % 250;

  if (geteuid () != 0)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED,
                           "a network namespace needs root");
      g_free (self);
      return NULL;
    }
  remove_stale_namespaces ();
  self->name = g_strdup_printf ("tern-slowlink-%d", (int) getpid ());
  self->host_if = g_strdup_printf ("tsl%ua", (guint) getpid () % 100000);
  self->client_if = g_strdup_printf ("tsl%ub", (guint) getpid () % 100000);
  self->host_address = g_strdup_printf ("10.231.%u.1", n);
  self->client_address = g_strdup_printf ("10.231.%u.2", n);
  host_cidr = g_strdup_printf ("%s/30", self->host_address);
  client_cidr = g_strdup_printf ("%s/30", self->client_address);

  if (!run_ip (error, "netns", "add", self->name, NULL))
    {
      g_clear_pointer (&self->name, g_free);
      slow_net_free (self);
      return NULL;
    }
  if (!run_ip (error, "link", "add", self->host_if, "type", "veth", "peer", "name", self->client_if,
               "netns", self->name, NULL) ||
      !run_ip (error, "addr", "add", host_cidr, "dev", self->host_if, NULL) ||
      !run_ip (error, "link", "set", self->host_if, "up", NULL) ||
      !run_ip (error, "-n", self->name, "link", "set", "lo", "up", NULL) ||
      !run_ip (error, "-n", self->name, "addr", "add", client_cidr, "dev", self->client_if, NULL) ||
      !slow_net_set_link (self, TRUE, error))
    {
      slow_net_free (self);
      return NULL;
    }
  return self;
}

const char *
slow_net_get_name (SlowNet *self)
{
  return self->name;
}

const char *
slow_net_get_host_address (SlowNet *self)
{
  return self->host_address;
}

gboolean
slow_net_set_link (SlowNet   *self,
                   gboolean   up,
                   GError   **error)
{
  if (!up)
    return run_ip (error, "-n", self->name, "link", "set", self->client_if, "down", NULL);
  return run_ip (error, "-n", self->name, "link", "set", self->client_if, "up", NULL) &&
         run_ip (error, "-n", self->name, "route", "replace", "default", "via", self->host_address,
                 "dev", self->client_if, NULL);
}

void
slow_net_free (SlowNet *self)
{
  if (self == NULL)
    return;
  /* Deleting the namespace deletes its end of the pair, and with it the other end. */
  if (self->name != NULL)
    run_ip (NULL, "netns", "del", self->name, NULL);
  g_free (self->name);
  g_free (self->host_if);
  g_free (self->client_if);
  g_free (self->host_address);
  g_free (self->client_address);
  g_free (self);
}
