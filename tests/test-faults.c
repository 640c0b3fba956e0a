/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-faults"

#include "config.h"

#include <string.h>

#include "tern-store.h"
#include "tern-sync.h"
#include "tern-test-server.h"
#include "tern-test-time.h"

/*
 * Faults a real server will not produce on demand: a scripted IMAP server over TLS (with
 * the fixture's certificate) that serves one folder of 100 messages and, in the middle of
 * a UID FETCH (at the message with UID 50), stalls, cuts the connection or sends a
 * malformed response.
 */

#define MESSAGES 100
#define FAULT_AT 50

typedef enum
{
  FAULT_NONE,
  FAULT_STALL,
  FAULT_CUT,
  FAULT_MALFORMED,
} Fault;

typedef struct
{
  GSocketListener *listener;
  GTlsCertificate *certificate;
  guint16          port;
  Fault            fault;
  gint             faults_left;   /* faulty connections still to serve; -1 = always */
  gint             connections;
  GCancellable    *cancellable;
  GThread         *thread;
} FakeServer;

typedef struct
{
  TernTestServer *real;      /* only for its CA and certificate */
  FakeServer      fake;
  char           *dir;
  TernStore      *store;
  TernAccount    *account;
} Fixture;

static gboolean
send_text (GOutputStream *out,
           const char    *text)
{
  return g_output_stream_write_all (out, text, strlen (text), NULL, NULL, NULL);
}

static char *
fetch_response (guint uid)
{
  return g_strdup_printf ("* %u FETCH (UID %u FLAGS (%s) INTERNALDATE \"01-Jan-2024 10:%02u:00 +0000\" "
                          "RFC822.SIZE %u ENVELOPE (\"Mon, 1 Jan 2024 10:%02u:00 +0000\" \"Message %u\" "
                          "((\"Bob\" NIL \"bob\" \"example.org\")) ((\"Bob\" NIL \"bob\" \"example.org\")) "
                          "((\"Bob\" NIL \"bob\" \"example.org\")) ((\"Alice\" NIL \"alice\" \"example.org\")) "
                          "NIL NIL NIL \"<m%u@example.org>\") BODYSTRUCTURE (\"text\" \"plain\" "
                          "(\"charset\" \"utf-8\") NIL NIL \"7bit\" 10 1 NIL NIL NIL NIL) "
                          "BODY[HEADER.FIELDS (REFERENCES)] {2}\r\n\r\n)\r\n",
                          uid, uid, uid % 2 ? "\\Seen" : "", uid % 60, 500 + uid, uid % 60, uid, uid);
}

/* Serves one connection; returns when the client leaves or the fault ends it. */
static void
serve (FakeServer        *self,
       GIOStream         *stream,
       gboolean           faulty)
{
  GDataInputStream *in = g_data_input_stream_new (g_io_stream_get_input_stream (stream));
  GOutputStream *out = g_io_stream_get_output_stream (stream);
  char *line;

  g_data_input_stream_set_newline_type (in, G_DATA_STREAM_NEWLINE_TYPE_CR_LF);
  send_text (out, "* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] Fake server ready\r\n");

  while ((line = g_data_input_stream_read_line (in, NULL, self->cancellable, NULL)) != NULL)
    {
      g_autofree char *owned = line;
      g_auto(GStrv) words = g_strsplit (line, " ", 4);
      g_autofree char *upper = NULL;
      const char *tag;

      if (words[0] == NULL || words[1] == NULL)
        continue;
      tag = words[0];
      upper = g_ascii_strup (words[1], -1);

      if (strcmp (upper, "CAPABILITY") == 0)
        {
          send_text (out, "* CAPABILITY IMAP4rev1 AUTH=PLAIN\r\n");
        }
      else if (strcmp (upper, "AUTHENTICATE") == 0 && words[3] == NULL)
        {
          g_autofree char *response = NULL;

          send_text (out, "+ \r\n");
          response = g_data_input_stream_read_line (in, NULL, self->cancellable, NULL);
          if (response == NULL)
            break;
        }
      else if (strcmp (upper, "LOGOUT") == 0)
        {
          send_text (out, "* BYE bye\r\n");
          g_autofree char *ok = g_strdup_printf ("%s OK done\r\n", tag);
          send_text (out, ok);
          break;
        }
      else if (strcmp (upper, "LSUB") == 0)
        send_text (out, "* LSUB () \"/\" INBOX\r\n");
      else if (strcmp (upper, "LIST") == 0)
        send_text (out, "* LIST (\\HasNoChildren) \"/\" INBOX\r\n");
      else if (strcmp (upper, "SELECT") == 0 || strcmp (upper, "EXAMINE") == 0)
        {
          g_autofree char *exists = g_strdup_printf ("* %u EXISTS\r\n", MESSAGES);

          send_text (out, "* FLAGS (\\Seen \\Answered \\Flagged \\Deleted \\Draft)\r\n");
          send_text (out, exists);
          send_text (out, "* OK [UIDVALIDITY 7] ok\r\n");
          g_autofree char *next = g_strdup_printf ("* OK [UIDNEXT %u] ok\r\n", MESSAGES + 1);
          send_text (out, next);
        }
      else if (strcmp (upper, "UID") == 0 && words[2] != NULL &&
               g_ascii_strcasecmp (words[2], "SEARCH") == 0)
        {
          GString *result = g_string_new ("* SEARCH");

          for (guint uid = 1; uid <= MESSAGES; uid++)
            g_string_append_printf (result, " %u", uid);
          g_string_append (result, "\r\n");
          send_text (out, result->str);
          g_string_free (result, TRUE);
        }
      else if (strcmp (upper, "UID") == 0 && words[2] != NULL &&
               g_ascii_strcasecmp (words[2], "FETCH") == 0 && words[3] != NULL)
        {
          guint lo = (guint) g_ascii_strtoull (words[3], NULL, 10);
          const char *colon = strchr (words[3], ':');
          guint hi = colon ? (guint) g_ascii_strtoull (colon + 1, NULL, 10) : lo;
          gboolean headers = strstr (words[3], "ENVELOPE") != NULL;

          if (colon && colon[1] == '*')
            hi = MESSAGES;
          for (guint uid = lo; uid <= MIN (hi, MESSAGES); uid++)
            {
              g_autofree char *response = NULL;

              if (faulty && headers && uid == FAULT_AT)
                {
                  switch (self->fault)
                    {
                    case FAULT_STALL:
                      /* Say nothing more until the client gives up. */
                      while (!g_cancellable_is_cancelled (self->cancellable) &&
                             g_input_stream_read (G_INPUT_STREAM (in), (char[64]) { 0 }, 64,
                                                  self->cancellable, NULL) > 0)
                        ;
                      goto out;
                    case FAULT_CUT:
                      send_text (out, "* 51 FETCH (UID 51 FLAGS (\\Seen) INTERNALDATE \"01-Jan-20");
                      goto out;
                    case FAULT_MALFORMED:
                      send_text (out, "* 51 FETCH (UID 51 ENVELOPE ((((( \"\r\n");
                      break;
                    case FAULT_NONE:
                    default:
                      break;
                    }
                }
              response = headers ? fetch_response (uid)
                                 : g_strdup_printf ("* %u FETCH (UID %u FLAGS (%s))\r\n", uid, uid,
                                                    uid % 2 ? "\\Seen" : "");
              if (!send_text (out, response))
                goto out;
            }
        }
      else if (strcmp (upper, "NOOP") != 0 && strcmp (upper, "STATUS") != 0)
        {
          g_autofree char *bad = g_strdup_printf ("%s BAD unknown command\r\n", tag);
          send_text (out, bad);
          continue;
        }

      if (strcmp (upper, "STATUS") == 0)
        {
          g_autofree char *status = g_strdup_printf ("* STATUS INBOX (MESSAGES %u UIDNEXT %u UIDVALIDITY 7)\r\n",
                                                     MESSAGES, MESSAGES + 1);
          send_text (out, status);
        }
      {
        g_autofree char *ok = g_strdup_printf ("%s OK done\r\n", tag);
        send_text (out, ok);
      }
    }

out:
  g_object_unref (in);
}

static gpointer
fake_thread (gpointer data)
{
  FakeServer *self = data;

  for (;;)
    {
      g_autoptr(GSocketConnection) connection = NULL;
      g_autoptr(GIOStream) tls = NULL;
      gboolean faulty;

      connection = g_socket_listener_accept (self->listener, NULL, self->cancellable, NULL);
      if (connection == NULL)
        break;
      tls = g_tls_server_connection_new (G_IO_STREAM (connection), self->certificate, NULL);
      if (tls == NULL || !g_tls_connection_handshake (G_TLS_CONNECTION (tls), self->cancellable, NULL))
        continue;
      g_atomic_int_inc (&self->connections);
      faulty = self->faults_left != 0;
      if (self->faults_left > 0)
        self->faults_left--;
      serve (self, tls, faulty);
      g_io_stream_close (tls, NULL, NULL);
    }
  return NULL;
}

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;
  g_autofree char *key = NULL;
  TernAccount account = { 0 };

  f->real = tern_test_server_new (TERN_TEST_SERVER_FULL, &error);
  g_assert_no_error (error);
  key = g_build_filename (tern_test_server_get_dir (f->real), "server.key", NULL);
  f->fake.certificate = g_tls_certificate_new_from_files (tern_test_server_get_cert_file (f->real),
                                                          key, &error);
  g_assert_no_error (error);
  f->fake.listener = g_socket_listener_new ();
  {
    g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
    g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, 0);
    g_autoptr(GSocketAddress) effective = NULL;

    g_assert_true (g_socket_listener_add_address (f->fake.listener, address, G_SOCKET_TYPE_STREAM,
                                                  G_SOCKET_PROTOCOL_TCP, NULL, &effective, &error));
    g_assert_no_error (error);
    f->fake.port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (effective));
  }
  f->fake.cancellable = g_cancellable_new ();

  f->dir = g_dir_make_tmp ("tern-faults-XXXXXX", &error);
  g_assert_no_error (error);
  path = g_build_filename (f->dir, "tern.db", NULL);
  f->store = tern_store_open (path, &error);
  g_assert_no_error (error);

  account.name = (char *) "fake";
  account.email = (char *) "alice@example.org";
  account.host = (char *) "127.0.0.1";
  account.port = f->fake.port;
  account.security = (char *) "tls";
  account.user = (char *) "alice";
  account.ca_file = (char *) tern_test_server_get_ca_file (f->real);
  g_assert_true (tern_store_add_account (f->store, &account, &account.id, &error));
  f->account = tern_store_get_account (f->store, "fake", &error);
  g_assert_no_error (error);
}

static void
start_fake (Fixture *f,
            Fault    fault,
            gint     faults)
{
  f->fake.fault = fault;
  f->fake.faults_left = faults;
  f->fake.thread = g_thread_new ("fake-imap", fake_thread, &f->fake);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  g_autofree char *cmd = g_strdup_printf ("rm -rf '%s'", f->dir);

  g_cancellable_cancel (f->fake.cancellable);
  g_socket_listener_close (f->fake.listener);
  if (f->fake.thread != NULL)
    g_thread_join (f->fake.thread);
  g_object_unref (f->fake.listener);
  g_object_unref (f->fake.certificate);
  g_object_unref (f->fake.cancellable);
  tern_account_free (f->account);
  tern_store_free (f->store);
  tern_test_server_free (f->real);
  g_assert_cmpint (system (cmd), ==, 0);
  g_free (f->dir);
}

static TernSync *
new_sync (Fixture *f)
{
  TernSync *sync = tern_sync_new (f->store, f->account);

  tern_sync_set_password (sync, "secret");
  tern_sync_set_timeout (sync, 1);
  tern_sync_set_chunk_size (sync, 20);
  return sync;
}

static guint
cached_count (Fixture *f)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TernFolder) inbox = tern_store_get_folder (f->store, f->account->id, "INBOX", &error);

  if (inbox == NULL)
    return 0;
  return tern_store_count_uids (f->store, inbox->id);
}

/* The fault hits every connection: a clear error within bounded time, and the batches
 * committed before it are still there; once the server behaves, the sync completes. */
static void
test_fault_always (Fixture       *f,
                   gconstpointer  data)
{
  Fault fault = GPOINTER_TO_INT (data);
  g_autoptr(GError) error = NULL;
  g_autoptr(TernSync) sync = new_sync (f);
  g_autoptr(TernFolder) inbox = NULL;
  gint64 start = g_get_monotonic_time ();
  guint kept;

  start_fake (f, fault, -1);
  g_assert_false (tern_sync_run (sync, NULL, &error));
  g_assert_nonnull (error);
  g_test_message ("error after %" G_GINT64_FORMAT " ms: %s",
                  (g_get_monotonic_time () - start) / 1000, error->message);
  if (fault == FAULT_STALL)
    g_assert_error (error, TERN_SYNC_ERROR, TERN_SYNC_ERROR_OFFLINE);
  else
    g_assert_error (error, TERN_SYNC_ERROR, TERN_SYNC_ERROR_TRANSIENT);
  g_assert_cmpint (g_get_monotonic_time () - start, <, TERN_TEST_SECONDS (15) * G_USEC_PER_SEC);
  /* Dropped and retried with backoff. */
  g_assert_cmpint (g_atomic_int_get (&f->fake.connections), ==, 3);

  /* Newest first, 20 a batch: the two batches before the fault were kept. */
  kept = cached_count (f);
  g_assert_cmpuint (kept, ==, 40);
  inbox = tern_store_get_folder (f->store, f->account->id, "INBOX", &error);
  g_assert_cmpuint (inbox->fill_low, ==, 61);
  g_assert_cmpuint (inbox->uidvalidity, ==, 0);
  {
    g_autoptr(TernAccount) account = tern_store_get_account (f->store, "fake", &error);
    g_assert_nonnull (account->last_error);
  }

  /* The server behaves again. */
  f->fake.faults_left = 0;
  g_clear_error (&error);
  g_assert_true (tern_sync_run (sync, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (cached_count (f), ==, MESSAGES);
}

/* The fault hits once: the engine drops the connection, reconnects and finishes. */
static void
test_fault_once (Fixture       *f,
                 gconstpointer  data)
{
  Fault fault = GPOINTER_TO_INT (data);
  g_autoptr(GError) error = NULL;
  g_autoptr(TernSync) sync = new_sync (f);
  g_autoptr(GPtrArray) messages = NULL;
  g_autoptr(TernFolder) inbox = NULL;

  start_fake (f, fault, 1);
  g_assert_true (tern_sync_run (sync, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpint (g_atomic_int_get (&f->fake.connections), ==, 2);
  g_assert_cmpuint (cached_count (f), ==, MESSAGES);

  inbox = tern_store_get_folder (f->store, f->account->id, "INBOX", &error);
  messages = tern_store_list_messages (f->store, inbox->id, 0, &error);
  for (guint i = 0; i < messages->len; i++)
    {
      TernMessage *m = messages->pdata[i];
      g_autofree char *subject = g_strdup_printf ("Message %u", m->uid);

      g_assert_cmpstr (m->subject, ==, subject);
      g_assert_cmpstr (m->flags, ==, m->uid % 2 ? "\\Seen" : "");
    }
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add ("/faults/stall/always", Fixture, GINT_TO_POINTER (FAULT_STALL),
              fixture_set_up, test_fault_always, fixture_tear_down);
  g_test_add ("/faults/cut/always", Fixture, GINT_TO_POINTER (FAULT_CUT),
              fixture_set_up, test_fault_always, fixture_tear_down);
  g_test_add ("/faults/malformed/always", Fixture, GINT_TO_POINTER (FAULT_MALFORMED),
              fixture_set_up, test_fault_always, fixture_tear_down);
  g_test_add ("/faults/stall/once", Fixture, GINT_TO_POINTER (FAULT_STALL),
              fixture_set_up, test_fault_once, fixture_tear_down);
  g_test_add ("/faults/cut/once", Fixture, GINT_TO_POINTER (FAULT_CUT),
              fixture_set_up, test_fault_once, fixture_tear_down);
  g_test_add ("/faults/malformed/once", Fixture, GINT_TO_POINTER (FAULT_MALFORMED),
              fixture_set_up, test_fault_once, fixture_tear_down);

  return g_test_run ();
}
