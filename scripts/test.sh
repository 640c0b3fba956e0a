#!/usr/bin/env bash
# One command for a fresh Debian 12 machine: install what is needed, build, run the whole
# test suite. Ends with "N passed, N failed" on a line of its own; exits non-zero on failure.
set -uo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-deps.sh || exit 1

build=${TERN_BUILD_DIR:-_build-test}
asan=${TERN_ASAN_BUILD_DIR:-_build-asan}
status=0

run_suite () {
  local dir=$1 suites=$2; shift 2
  rm -f "$dir"/meson-logs/testlog*.json
  if [ ! -f "$dir/build.ninja" ]; then
    meson setup "$dir" "$@" >/dev/null || { echo "meson setup of $dir failed"; return 1; }
  fi
  ninja -C "$dir" || return 1
  local rc=0
  # Sanitizers make the engine several times slower: its time limits scale with it.
  meson test -C "$dir" --print-errorlogs --num-processes 2 --suite engine \
    --timeout-multiplier "${TIMEOUT_MULTIPLIER:-1}" $TEST_ARGS || rc=1
  if [ "$suites" = "engine+ui" ]; then
    # The app's suite needs a display and a session bus: a private Xvfb and dbus-daemon.
    GTK_A11Y=none NO_AT_BRIDGE=1 GSETTINGS_BACKEND=memory \
      xvfb-run -a -s "-screen 0 1400x900x24" dbus-run-session -- \
      meson test -C "$dir" --print-errorlogs --num-processes 1 --suite ui \
        --logbase testlog-ui $TEST_ARGS || rc=1
    # The README's first command as root and as another user, and an installed Tern (built
    # for a temporary prefix; each test starts its own Xvfb and D-Bus session as needed).
    meson test -C "$dir" --print-errorlogs --num-processes 2 --suite install \
      --logbase testlog-install $TEST_ARGS || rc=1
  fi
  return $rc
}

TEST_ARGS="$*"
run_suite "$build" engine+ui --buildtype=debugoptimized || status=1
logs=("$build/meson-logs/testlog.json" "$build/meson-logs/testlog-ui.json"
      "$build/meson-logs/testlog-install.json")

# The engine suite built with AddressSanitizer and UndefinedBehaviorSanitizer (the UI suite
# runs WebKit's processes, too slow under ASan for the time budget).
if [ -z "${TERN_SKIP_ASAN:-}" ]; then
  export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0:abort_on_error=1}
  export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
  TIMEOUT_MULTIPLIER=3 run_suite "$asan" engine --buildtype=debug -Db_sanitize=address,undefined \
    -Db_lundef=false || status=1
  logs+=("$asan/meson-logs/testlog.json")
fi

# The fuzz targets (tests/fuzz/README.md), 45 s each: a crash not listed as known fails.
fuzz_results=""
if [ -z "${TERN_SKIP_FUZZ:-}" ]; then
  fuzz_results=$(mktemp)
  TERN_FUZZ_RESULTS=$fuzz_results bash tests/fuzz/run.sh -t "${TERN_FUZZ_SECONDS:-45}" || status=1
fi

python3 - "$fuzz_results" "${logs[@]}" <<'PY'
import json, os, sys
passed = failed = skipped = 0
fuzz_failed = []
if sys.argv[1]:
    # One line per fuzz target: "NAME OK", "NAME FAIL" or "NAME SKIP".
    with open(sys.argv[1]) as f:
        for line in f:
            r = line.split()[-1] if line.strip() else ""
            passed += r == "OK"
            failed += r == "FAIL"
            if r == "FAIL":
                fuzz_failed.append(line.split()[0])
            skipped += r == "SKIP"
failures = []
for path in sys.argv[2:]:
    if not os.path.exists(path):
        failed += 1
        failures.append((path, "(no log: the build or the run did not get that far)", ""))
        continue
    with open(path) as f:
        for line in f:
            line = line.strip()
            if not line:
                continue
            t = json.loads(line)
            r = t["result"]
            if r in ("OK", "EXPECTEDFAIL"):
                passed += 1
            elif r == "SKIP":
                skipped += 1
            else:
                failed += 1
                failures.append((path, f"{t['name']}: {r} after {t.get('duration', 0):.0f} s",
                                 t.get("stdout") or ""))
# Whoever reads only the end of the output (a CI log) learns what failed and why.
for path, what, out in failures:
    print(f"FAILED {what} ({path})")
    tail = [l for l in out.splitlines() if l.strip()][-25:]
    for l in tail:
        print(f"    {l[:300]}")
for name in fuzz_failed:
    print(f"FAILED {name}: a new crash (its reproducer and log: tests/fuzz/README.md)")
print(f"{passed} passed, {failed} failed, {skipped} skipped")
PY
[ -n "$fuzz_results" ] && rm -f "$fuzz_results"
exit $status
