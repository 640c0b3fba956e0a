#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Builds Tern in its own build dir and runs the sync benchmark:
#   bench/run.sh                 N = 10,000 and 100,000
#   bench/run.sh 5000 50000      other sizes
#   bench/run.sh --keep 10000    keep the cache data dirs (for a profile or a look)
# Environment: BUILD_DIR (default _build-bench), TMPDIR (where the caches go; Dovecot goes to
# /dev/shm when it has room, or TERN_TEST_TMPDIR).
set -eu

here=$(cd "$(dirname "$0")" && pwd)
top=$(dirname "$here")
build=${BUILD_DIR:-$top/_build-bench}

if [ ! -f "$build/build.ninja" ]; then
  meson setup "$build" "$top" >/dev/null
fi
ninja -C "$build" bench/bench-sync app/tern-cli >/dev/null

if [ $# -eq 0 ]; then
  set -- 10000 100000
fi
exec "$build/bench/bench-sync" --cli "$build/app/tern-cli" "$@"
