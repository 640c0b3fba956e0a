#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Profiles one first sync of N messages (default 100,000) with perf, against a warm test
# Dovecot, and prints where the client's time goes; then the same for an unchanged resync:
#   bench/profile-first-sync.sh [N]
# Leaves perf.data in $OUT (default /tmp/tern-profile). Needs perf; cpu-clock sampling is used
# because hardware counters are often missing in VMs.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
top=$(dirname "$here")
build=${BUILD_DIR:-$top/_build-bench}
n=${1:-100000}
out=${OUT:-/tmp/tern-profile}
cli=$build/app/tern-cli

if [ ! -f "$build/build.ninja" ]; then
  meson setup "$build" "$top" >/dev/null
fi
ninja -C "$build" app/tern-cli tests/fixture/tern-test-server >/dev/null

rm -rf "$out"
mkdir -p "$out"
fifo=$out/server.out
mkfifo "$fifo"
"$build/tests/fixture/tern-test-server" --seed "$n" >"$fifo" 2>"$out/server.err" &
server=$!
trap 'kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true' EXIT INT TERM

while read -r line; do
  case $line in
    READY) break ;;
    TERN_TEST_*=*) eval "export $line" ;;
  esac
done <"$fifo"
# Keep the fifo drained.
cat "$fifo" >/dev/null &

add_account () {
  "$cli" --data-dir "$1" account add bench --email alice@example.com --host "$TERN_TEST_HOST" \
    --port "$TERN_TEST_IMAPS_PORT" --user alice --password-command 'echo secret' \
    --ca-file "$TERN_TEST_CA_FILE" >/dev/null
}

# A throw-away first sync makes Dovecot build its index and cache, as the benchmark's floor does.
add_account "$out/warm"
"$cli" --data-dir "$out/warm" sync
rm -rf "$out/warm"

add_account "$out/data"
TERN_CLI_STATS=1 perf record -F 1999 --call-graph dwarf,16384 -o "$out/perf.data" -- \
  "$cli" --data-dir "$out/data" sync 2>&1 | grep -v '^\[ perf'

echo
echo "== first sync: by category (bench/perf-categories.py) =="
perf script -i "$out/perf.data" -F comm,period,ip,sym,dso 2>/dev/null | "$here/perf-categories.py"
echo
echo "== first sync: by DSO (self time) =="
perf report -i "$out/perf.data" --no-children --sort dso --stdio -g none 2>/dev/null | grep -v '^#' | grep -v '^$' | head -20
echo
echo "== first sync: top symbols (self time) =="
perf report -i "$out/perf.data" --no-children --sort dso,symbol --stdio -g none 2>/dev/null | grep -v '^#' | grep -v '^$' | head -30
echo
echo "== first sync: engine and store functions (inclusive) =="
perf report -i "$out/perf.data" --children --sort symbol --stdio -g none 2>/dev/null |
  grep -E '\] (_?tern_|fetch_headers|first_sync|insert_parts|fill_envelope|format_address|msg_att_cb|mailimap_parse_response|low_read|sqlite3_step|g_mime_)' | head -30

echo
echo "== unchanged resync (tern-cli sync again) =="
TERN_CLI_STATS=1 perf record -F 9999 --call-graph dwarf,16384 -o "$out/perf-resync.data" -- \
  "$cli" --data-dir "$out/data" sync 2>&1 | grep -v '^\[ perf'
perf report -i "$out/perf-resync.data" --children --sort symbol --stdio -g none --comms tern-cli 2>/dev/null |
  grep -E '\] (main|_?tern_|run_once|sync_one|resync|status_folder|sqlite3_step|sqlite3_prepare_v2|_dl_start|g_tls_connection_handshake|mailimap_)' | head -30

echo
echo "== resync after 1% flagged and 0.5% expunged (doveadm as the other client) =="
conf=$TERN_TEST_DIR/dovecot.conf
seq 1 "$n" | shuf --random-source=/dev/zero >"$out/uids"
flag=$(head -n $((n / 100)) "$out/uids" | paste -sd, -)
gone=$(sed -n "$((n / 100 + 1)),$((n / 100 + n / 200))p" "$out/uids" | paste -sd, -)
doveadm -c "$conf" flags add -u alice '\Flagged' mailbox INBOX uid "$flag"
doveadm -c "$conf" expunge -u alice mailbox INBOX uid "$gone"
TERN_CLI_STATS=1 perf record -F 9999 --call-graph dwarf,16384 -o "$out/perf-changed.data" -- \
  "$cli" --data-dir "$out/data" sync 2>&1 | grep -v '^\[ perf'
perf report -i "$out/perf-changed.data" --children --sort symbol --stdio -g none --comms tern-cli 2>/dev/null |
  grep -E '\] (main|_?tern_|run_once|sync_one|resync|select_folder|harvest|apply_vanished|count_matches|commit_state|status_folder|msg_att_cb|sqlite3_step|mailimap_parse_response)' | head -30
