/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "bench-sync"

#include "config.h"

#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "bench-sync-private.h"

/* The table. */

static char *
thousands (guint64 v)
{
  g_autofree char *digits = g_strdup_printf ("%" G_GUINT64_FORMAT, v);
  GString *out = g_string_new (NULL);
  gsize len = strlen (digits);

  for (gsize i = 0; i < len; i++)
    {
      if (i > 0 && (len - i) % 3 == 0)
        g_string_append_c (out, ',');
      g_string_append_c (out, digits[i]);
    }
  return g_string_free (out, FALSE);
}

static char *
bytes_text (guint64 v)
{
  g_autofree char *exact = thousands (v);

  if (v < 10 * 1024)
    return g_strdup_printf ("%s B", exact);
  if (v < 10 * 1024 * 1024)
    return g_strdup_printf ("%.1f KiB", v / 1024.0);
  return g_strdup_printf ("%.1f MiB", v / (1024.0 * 1024.0));
}

static char *
time_text (double seconds)
{
  if (seconds < 1.0)
    return g_strdup_printf ("%.1f ms", seconds * 1000.0);
  return g_strdup_printf ("%.2f s", seconds);
}

typedef char *(*CellFunc) (const Result *r);

static GPtrArray *results_for_table;

static void
row (const char *label,
     CellFunc    cell)
{
  g_print ("  %-46s", label);
  for (guint i = 0; i < results_for_table->len; i++)
    {
      const Result *r = results_for_table->pdata[i];
      g_autofree char *text = r->failed ? g_strdup ("-") : cell (r);

      g_print (" %22s", text);
    }
  g_print ("\n");
}

static void
heading (const char *text)
{
  g_print ("%s\n", text);
}

static double
floor_per_message (const Result *r)
{
  return r->warm.bytes / (double) MAX (r->n, 1);
}

static double
first_per_message (const Result *r)
{
  return r->first.read / (double) MAX (r->n, 1);
}

static double
first_ratio (const Result *r)
{
  return r->first.seconds / MAX (r->warm.seconds, 1e-6);
}

static char *
c_seed (const Result *r)
{
  return time_text (r->seed_seconds);
}

static char *
c_cold_time (const Result *r)
{
  return time_text (r->cold.seconds);
}

static char *
c_cold_bytes (const Result *r)
{
  return bytes_text (r->cold.bytes);
}

static char *
c_warm_time (const Result *r)
{
  return time_text (r->warm.seconds);
}

static char *
c_warm_bytes (const Result *r)
{
  return bytes_text (r->warm.bytes);
}

static char *
c_warm_exact (const Result *r)
{
  return thousands (r->warm.bytes);
}

static char *
c_warm_per (const Result *r)
{
  return g_strdup_printf ("%.1f B", floor_per_message (r));
}

static char *
c_warm_rate (const Result *r)
{
  return g_strdup_printf ("%.0f msg/s", r->n / MAX (r->warm.seconds, 1e-6));
}

static char *
c_warm_responses (const Result *r)
{
  return thousands (r->warm.responses);
}

static char *
c_first_time (const Result *r)
{
  return time_text (r->first.seconds);
}

static char *
c_first_ratio (const Result *r)
{
  return g_strdup_printf ("%.2fx", first_ratio (r));
}

static char *
c_first_cpu (const Result *r)
{
  return time_text (r->first.cpu_seconds);
}

static char *
c_first_rss (const Result *r)
{
  return g_strdup_printf ("%.1f MB", r->first.maxrss_mb);
}

static char *
c_first_read (const Result *r)
{
  return bytes_text (r->first.read);
}

static char *
c_first_read_exact (const Result *r)
{
  return thousands (r->first.read);
}

static char *
c_first_written (const Result *r)
{
  return bytes_text (r->first.written);
}

static char *
c_first_per (const Result *r)
{
  return g_strdup_printf ("%.1f B (%+.1f%%)", first_per_message (r),
                          100.0 * (first_per_message (r) / MAX (floor_per_message (r), 1e-9) - 1.0));
}

static char *
c_first_rt (const Result *r)
{
  return thousands (r->first.round_trips);
}

static char *
c_first_fetched (const Result *r)
{
  return thousands (r->first.fetched);
}

static char *
c_first_rate (const Result *r)
{
  return g_strdup_printf ("%.0f msg/s", r->n / MAX (r->first.seconds, 1e-6));
}

static char *
c_again_time (const Result *r)
{
  return time_text (r->again.seconds);
}

static char *
c_again_read (const Result *r)
{
  return bytes_text (r->again.read);
}

static char *
c_again_written (const Result *r)
{
  return bytes_text (r->again.written);
}

static char *
c_again_rt (const Result *r)
{
  return thousands (r->again.round_trips);
}

static char *
c_again_rss (const Result *r)
{
  return g_strdup_printf ("%.1f MB", r->again.maxrss_mb);
}

static char *
c_folder_time (const Result *r)
{
  g_autofree char *median = time_text (r->folder.seconds);
  g_autofree char *best = time_text (r->folder.min_seconds);

  return g_strdup_printf ("%s (min %s)", median, best);
}

static char *
c_folder_read (const Result *r)
{
  return bytes_text (r->folder.read);
}

static char *
c_folder_written (const Result *r)
{
  return bytes_text (r->folder.written);
}

static char *
c_folder_rt (const Result *r)
{
  return thousands (r->folder.round_trips);
}

static char *
c_changes (const Result *r)
{
  return g_strdup_printf ("%u / %u in %u cmds", r->flagged, r->expunged, r->change_commands);
}

static char *
c_changed_time (const Result *r)
{
  return time_text (r->changed.seconds);
}

static char *
c_changed_read (const Result *r)
{
  return bytes_text (r->changed.read);
}

static char *
c_changed_written (const Result *r)
{
  return bytes_text (r->changed.written);
}

static char *
c_changed_rt (const Result *r)
{
  return thousands (r->changed.round_trips);
}

static char *
c_changed_rss (const Result *r)
{
  return g_strdup_printf ("%.1f MB", r->changed.maxrss_mb);
}

static char *
c_verified (const Result *r)
{
  return g_strdup (r->verified ? "PASS" : "FAIL");
}

static char *
verdict (gboolean    met,
         const char *figure)
{
  return g_strdup_printf ("%s %s", figure, met ? "MET" : "MISSED");
}

static char *
t_ratio (const Result *r)
{
  g_autofree char *figure = g_strdup_printf ("%.2fx", first_ratio (r));

  return verdict (first_ratio (r) <= TARGET_TIME_RATIO, figure);
}

static char *
t_rss (const Result *r)
{
  g_autofree char *figure = g_strdup_printf ("%.1f MB", r->first.maxrss_mb);

  return verdict (r->first.maxrss_mb < TARGET_RSS_MB, figure);
}

static char *
t_folder_bytes (const Result *r)
{
  g_autofree char *figure = bytes_text (r->folder.read);

  return verdict (r->folder.read < TARGET_RESYNC_BYTES, figure);
}

static char *
t_folder_time (const Result *r)
{
  g_autofree char *figure = time_text (r->folder.seconds);

  return verdict (r->folder.seconds * 1000.0 < TARGET_RESYNC_MS, figure);
}

static char *
t_again_bytes (const Result *r)
{
  g_autofree char *figure = bytes_text (r->again.read);

  return verdict (r->again.read < TARGET_RESYNC_BYTES, figure);
}

static char *
t_again_time (const Result *r)
{
  g_autofree char *figure = time_text (r->again.seconds);

  return verdict (r->again.seconds * 1000.0 < TARGET_RESYNC_MS, figure);
}

static char *
t_per (const Result *r)
{
  g_autofree char *figure = g_strdup_printf ("%.1f/%.1f B", first_per_message (r),
                                             floor_per_message (r) * TARGET_BYTES_SLACK);

  return verdict (first_per_message (r) <= floor_per_message (r) * TARGET_BYTES_SLACK, figure);
}

void
print_table (GPtrArray *results)
{
  struct utsname un;

  results_for_table = results;
  uname (&un);

  g_print ("\nTern sync benchmark: %s %s, %ld CPUs; Dovecot in the fixture's temp dir, cache in %s\n",
           un.sysname, un.release, sysconf (_SC_NPROCESSORS_ONLN), g_get_tmp_dir ());
  g_print ("  %-46s", "");
  for (guint i = 0; i < results->len; i++)
    {
      const Result *r = results->pdata[i];
      g_autofree char *n = thousands (r->n);
      g_autofree char *label = g_strdup_printf ("N = %s", n);

      g_print (" %22s", label);
    }
  g_print ("\n");
  row ("seeding (fixture, not measured)", c_seed);

  heading ("1. Floor: bare GIO TLS client, one UID FETCH 1:* to /dev/null");
  row ("cold server (Dovecot builds index): wall", c_cold_time);
  row ("cold server: bytes (includes \\Recent)", c_cold_bytes);
  row ("warm server: wall  = FLOOR TIME", c_warm_time);
  row ("warm server: bytes received", c_warm_bytes);
  row ("warm server: bytes received (exact)", c_warm_exact);
  row ("warm server: bytes / message = FLOOR B/MSG", c_warm_per);
  row ("warm server: rate", c_warm_rate);
  row ("untagged FETCH responses", c_warm_responses);

  heading ("2. First sync: tern-cli sync into a fresh data dir");
  row ("wall (process start to exit)", c_first_time);
  row ("wall / floor time", c_first_ratio);
  row ("rate", c_first_rate);
  row ("client CPU (user + sys)", c_first_cpu);
  row ("peak RSS (ru_maxrss)", c_first_rss);
  row ("bytes read", c_first_read);
  row ("bytes read (exact)", c_first_read_exact);
  row ("bytes written", c_first_written);
  row ("bytes read / message (vs floor)", c_first_per);
  row ("round trips", c_first_rt);
  row ("messages fetched", c_first_fetched);

  heading ("3. Unchanged resync");
  row ("tern-cli sync (whole account): wall", c_again_time);
  row ("tern-cli sync: bytes read", c_again_read);
  row ("tern-cli sync: bytes written", c_again_written);
  row ("tern-cli sync: round trips", c_again_rt);
  row ("tern-cli sync: peak RSS", c_again_rss);
  row ("tern_sync_folder INBOX (in-process): wall", c_folder_time);
  row ("tern_sync_folder INBOX: bytes read", c_folder_read);
  row ("tern_sync_folder INBOX: bytes written", c_folder_written);
  row ("tern_sync_folder INBOX: round trips", c_folder_rt);

  heading ("4. Resync after another client flagged 1% and expunged 0.5%");
  row ("changes (flagged / expunged)", c_changes);
  row ("tern-cli sync: wall", c_changed_time);
  row ("tern-cli sync: bytes read", c_changed_read);
  row ("tern-cli sync: bytes written", c_changed_written);
  row ("tern-cli sync: round trips", c_changed_rt);
  row ("tern-cli sync: peak RSS", c_changed_rss);
  row ("cache agrees with server (count, UIDs, flags)", c_verified);
  for (guint i = 0; i < results->len; i++)
    {
      const Result *r = results->pdata[i];

      g_print ("    N=%u: %s\n", r->n, r->failed ? r->error_text : r->verify_text);
    }

  heading ("Targets (stated for N = 100,000; shown for every N)");
  row ("first sync <= 3x floor time", t_ratio);
  row ("first sync peak RSS < 64 MB", t_rss);
  row ("first sync B/msg <= floor B/msg + 10%", t_per);
  row ("unchanged resync of INBOX < 2 KB down", t_folder_bytes);
  row ("unchanged resync of INBOX < 100 ms", t_folder_time);
  row ("  whole account (tern-cli) < 2 KB down", t_again_bytes);
  row ("  whole account (tern-cli) < 100 ms", t_again_time);
  row ("resync after changes: cache agrees", c_verified);
  g_print ("\n");
}
