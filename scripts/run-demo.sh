#!/usr/bin/env bash
# One command for a fresh Debian 12 machine: install what is needed, build, start the
# built-in demo server (a private Dovecot on loopback with a realistic mailbox: folders,
# conversations, HTML newsletters, large attachments, several languages, a shared team
# folder) and open Tern on it. Without a display (no $DISPLAY or $WAYLAND_DISPLAY, or
# TERN_DEMO_CLI=1) it shows the same mailbox through tern-cli instead.
set -euo pipefail
cd "$(dirname "$0")/.."

gui=""
if [ -z "${TERN_DEMO_CLI:-}" ] && { [ -n "${DISPLAY:-}" ] || [ -n "${WAYLAND_DISPLAY:-}" ]; }; then
  gui=1
fi

# The app shows the demo's mail in Chinese, Japanese and with emoji: its fonts come too.
bash scripts/install-deps.sh ${gui:+--demo}

build=${TERN_BUILD_DIR:-_build}
[ -f "$build/build.ninja" ] || meson setup "$build" --buildtype=debugoptimized >/dev/null
ninja -C "$build" >/dev/null

# The demo's cache and the server's log live here; any user's home will do, even one of mode
# 0700 (root's, for one).
demo=${TERN_DEMO_DIR:-${XDG_DATA_HOME:-$HOME/.local/share}/tern-demo}
rm -rf "$demo"
mkdir -p "$demo"
cli=("$build/app/tern-cli" --data-dir "$demo/data")

# The server (the one "Try the Demo" in the app starts too) keeps its mail in a temporary
# folder of its own that Dovecot's mail user can enter (as root that user is "nobody", which
# cannot go through a 0700 home), and removes it when it stops.
"$build/tests/fixture/tern-demo-server" --demo --flags submission >"$demo/server.env" 2>"$demo/server.log" &
server=$!
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null || true' EXIT

for _ in $(seq 300); do
  grep -q READY "$demo/server.env" 2>/dev/null && break
  kill -0 $server 2>/dev/null || { cat "$demo/server.log"; exit 1; }
  sleep 0.1
done
# shellcheck disable=SC1090
source <(grep '^TERN_TEST_' "$demo/server.env")

"${cli[@]}" account add demo --email "$TERN_TEST_USER@example.org" --user "$TERN_TEST_USER" \
  --host "$TERN_TEST_HOST" --port "$TERN_TEST_IMAPS_PORT" \
  --smtp-host "$TERN_TEST_HOST" --smtp-port "$TERN_TEST_SUBMISSIONS_PORT" --smtp-security tls \
  --password-command "echo secret" --ca-file "$TERN_TEST_CA_FILE"

# A second account, alice's (she shares her Team folder with the demo's user): with two
# accounts the app shows All Inboxes, as for anyone with a mailbox of their own and a team's.
"${cli[@]}" account add team --email "alice@example.org" --user alice \
  --host "$TERN_TEST_HOST" --port "$TERN_TEST_IMAPS_PORT" \
  --smtp-host "$TERN_TEST_HOST" --smtp-port "$TERN_TEST_SUBMISSIONS_PORT" --smtp-security tls \
  --password-command "echo secret" --ca-file "$TERN_TEST_CA_FILE"

echo "The demo server is at $TERN_TEST_HOST:$TERN_TEST_IMAPS_PORT (users $TERN_TEST_USER and alice, password secret)."

if [ -n "$gui" ]; then
  # The app syncs by itself. `meson devenv` gives it what an installed Tern has in its prefix:
  # the settings schema (compiled in the build folder) and the demo server.
  meson devenv -C "$build" "$(realpath "$build")/app/tern" --data-dir "$demo/data"
  exit 0
fi

"${cli[@]}" sync
"${cli[@]}" folders
echo
"${cli[@]}" list demo INBOX --limit 10
echo
echo "No display: this was tern-cli. With a display, the same command opens the Tern app."
echo "Try: ${cli[*]} status | show ID | watch demo"
if [ -t 0 ]; then
  echo "Press Enter to stop the demo server."
  read -r _
fi
