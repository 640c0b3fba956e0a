#!/usr/bin/env bash
# Screenshots of the demo, light, dark and narrow (360 px), under a private Xvfb: PNG files
# in the folder given (default: _build/screenshots) for anyone to look at. WebKit runs as
# users run it (compositing on). TERN_SCREENSHOTS_VARIANTS picks some of "light dark narrow
# narrow-dark"; TERN_SCREENSHOTS_WRAPPER runs the tool under gdb or valgrind.
#   bash tests/screenshots.sh [OUT_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."

build=${TERN_BUILD_DIR:-_build}
out=$(realpath -m "${1:-$build/screenshots}")
# The demo's mail is in Chinese and Japanese, with emoji: its fonts (as run-demo.sh).
bash scripts/install-deps.sh --demo >/dev/null
[ -f "$build/build.ninja" ] || meson setup "$build" --buildtype=debugoptimized >/dev/null
ninja -C "$build" >/dev/null

work=$(mktemp -d)
chmod o+x "$work"
server=""
cleanup () {
  [ -n "$server" ] && kill "$server" 2>/dev/null && wait "$server" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
mkdir -p "$out"

"$build/tests/fixture/tern-test-server" --dir "$work/server" --demo >"$work/server.env" 2>"$work/server.log" &
server=$!
for _ in $(seq 300); do
  grep -q READY "$work/server.env" 2>/dev/null && break
  kill -0 "$server" 2>/dev/null || { cat "$work/server.log"; exit 1; }
  sleep 0.1
done
# shellcheck disable=SC1090
source <(grep '^TERN_TEST_' "$work/server.env")

cli=("$build/app/tern-cli" --data-dir "$work/data")
"${cli[@]}" account add demo --email "$TERN_TEST_USER@example.org" --user "$TERN_TEST_USER" \
  --host "$TERN_TEST_HOST" --port "$TERN_TEST_IMAPS_PORT" \
  --password-command "echo secret" --ca-file "$TERN_TEST_CA_FILE" >/dev/null
# As run-demo.sh: alice's account too, so that All Inboxes shows.
"${cli[@]}" account add team --email "alice@example.org" --user alice \
  --host "$TERN_TEST_HOST" --port "$TERN_TEST_IMAPS_PORT" \
  --password-command "echo secret" --ca-file "$TERN_TEST_CA_FILE" >/dev/null

shoot () {
  GSETTINGS_SCHEMA_DIR="$build/data" GSETTINGS_BACKEND=memory GTK_A11Y=none NO_AT_BRIDGE=1 \
  WEBKIT_DISABLE_SANDBOX_THIS_IS_DANGEROUS=1 \
    xvfb-run -a -s "-screen 0 1400x900x24" dbus-run-session -- \
    ${TERN_SCREENSHOTS_WRAPPER:-} "$build/tests/tern-screenshots" --data-dir "$work/data" --out "$out" "$@"
}
for variant in ${TERN_SCREENSHOTS_VARIANTS:-light dark narrow}; do
  case $variant in
    light) shoot ;;
    dark) shoot --dark ;;
    narrow) shoot --prefix narrow- --width 360 --height 720 ;;
    narrow-dark) shoot --dark --prefix narrow-dark- --width 360 --height 720 ;;
  esac
done
echo "Screenshots in $out"
