#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
#
# The app benchmark (bench/bench-app.c) under a private Xvfb and D-Bus session:
#   bench/run-app.sh                  100,000 messages, flat and grouped, and a first sync
#   bench/run-app.sh --n 20000        another size
#   bench/run-app.sh --keep DIR       keep (and reuse) the prepared cache in DIR
#   bench/run-app.sh --no-sync        without the first sync
# Environment: BUILD_DIR (default _build-bench).
set -eu

here=$(cd "$(dirname "$0")" && pwd)
top=$(dirname "$here")
build=${BUILD_DIR:-$top/_build-bench}

if [ ! -f "$build/build.ninja" ]; then
  meson setup "$build" "$top" --buildtype=debugoptimized >/dev/null
fi
ninja -C "$build" bench/bench-app data/gschemas.compiled >/dev/null

export GSETTINGS_SCHEMA_DIR="$build/data"
export GSETTINGS_BACKEND=memory
export GTK_A11Y=none NO_AT_BRIDGE=1
export WEBKIT_DISABLE_SANDBOX_THIS_IS_DANGEROUS=1 WEBKIT_DISABLE_COMPOSITING_MODE=1
exec xvfb-run -a -s "-screen 0 1400x900x24" dbus-run-session -- "$build/bench/bench-app" "$@"
