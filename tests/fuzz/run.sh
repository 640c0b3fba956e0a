#!/usr/bin/env bash
# Builds the libFuzzer targets (clang, ASan+UBSan, build dir _build-fuzz) and runs each for a
# bounded time. Fails on any crash, leak, timeout or broken check, printing the reproducer.
#
#   tests/fuzz/run.sh [-t SECONDS] [-j JOBS] [TARGET...]    default: 45 s each, 1 job, every target
#
# Targets: imap, mime, parsers, vcard. Inputs found (new coverage) go to $TERN_FUZZ_CORPUS/TARGET
# (default: a temp dir, removed afterwards); crashes to $TERN_FUZZ_OUT (default
# _build-fuzz/fuzz-out). Skips with a message (exit 0) when clang or libFuzzer is missing.
set -uo pipefail
cd "$(dirname "$0")/../.."
top=$PWD

seconds=45
jobs=1
while getopts "t:j:" opt; do
  case "$opt" in
    t) seconds=$OPTARG ;;
    j) jobs=$OPTARG ;;
    *) exit 2 ;;
  esac
done
shift $((OPTIND - 1))
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(imap mime parsers vcard)

if ! command -v clang >/dev/null 2>&1 ||
   ! echo 'int LLVMFuzzerTestOneInput(const char *d, unsigned long n) { return 0; }' |
     clang -x c -fsanitize=fuzzer -o /dev/null - 2>/dev/null; then
  echo "fuzz: clang with libFuzzer (clang, libclang-rt-14-dev) not installed: skipped"
  for target in "${targets[@]}"; do echo "fuzz-$target SKIP"; done >>"${TERN_FUZZ_RESULTS:-/dev/null}"
  exit 0
fi

build=${TERN_FUZZ_BUILD_DIR:-_build-fuzz}
if [ ! -f "$build/build.ninja" ]; then
  CC=clang meson setup "$build" -Dfuzzing=true -Db_sanitize=address,undefined -Db_lundef=false \
    --buildtype=debugoptimized >/dev/null || build_failed=1
fi
[ -n "${build_failed:-}" ] || ninja -C "$build" >/dev/null || { ninja -C "$build"; build_failed=1; }
if [ -n "${build_failed:-}" ]; then
  echo "fuzz: the build in $build failed"
  for target in "${targets[@]}"; do echo "fuzz-$target FAIL"; done >>"${TERN_FUZZ_RESULTS:-/dev/null}"
  exit 1
fi

out=${TERN_FUZZ_OUT:-$top/$build/fuzz-out}
mkdir -p "$out"
corpus_root=${TERN_FUZZ_CORPUS:-}
tmp=$(mktemp -d)
# The targets' scratch caches (in memory when /dev/shm is there); a crashed input's are left
# behind by its process, so the whole folder goes at the end.
scratch=$(mktemp -d -p /dev/shm tern-fuzz-run-XXXXXX 2>/dev/null || mktemp -d)
export TERN_FUZZ_TMPDIR=$scratch
trap 'rm -rf "$tmp" "$scratch"' EXIT
[ -n "$corpus_root" ] || corpus_root=$tmp

# A small quarantine and no malloc fill: the IMAP target frees and allocates a cache per input;
# with ASan's defaults page faults take most of the time.
export ASAN_OPTIONS=${TERN_FUZZ_ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1:allocator_may_return_null=1:quarantine_size_mb=16:max_malloc_fill_size=0}
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
export LSAN_OPTIONS=suppressions=$top/tests/fuzz/lsan.supp:print_suppressions=0
export G_DEBUG=gc-friendly

results=${TERN_FUZZ_RESULTS:-/dev/null}
status=0
for target in "${targets[@]}"; do
  exe=$build/tests/fuzz/fuzz-$target
  [ -x "$exe" ] || { echo "fuzz: no target $target"; echo "fuzz-$target FAIL" >>"$results"; status=1; continue; }
  corpus=$corpus_root/$target
  mkdir -p "$corpus"
  dirs=("$corpus" "tests/fuzz/seeds/$target")
  [ -d "tests/fuzz/regressions/$target" ] && dirs+=("tests/fuzz/regressions/$target")
  max_len=65536
  if [ "$target" = mime ]; then
    max_len=262144
    # Real-world messages, read from the shared corpora (never copied into the project).
    [ -d ../shared/corpora/public ] && dirs+=(../shared/corpora/public)
  fi
  [ "$target" = parsers ] && max_len=4096
  log=$out/fuzz-$target.log
  rm -f "$out/$target-"*
  echo "fuzz-$target: ${seconds} s (log: $log)"
  # Fork mode: a crash ends one job, not the run, so that a defect already reported does not
  # hide the next one. Every reproducer is then named (classify.py) and looked up in
  # known-crashes.txt.
  "$exe" -fork="$jobs" -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1 \
    -max_total_time="$seconds" -timeout=25 -rss_limit_mb=2560 -max_len=$max_len \
    -print_final_stats=1 -artifact_prefix="$out/$target-" "${dirs[@]}" >"$log" 2>&1
  rc=$?
  before=$status
  status=0
  grep -E "^#[0-9]+: cov|^INFO: fuzzed for" "$log" | tail -1
  declare -A seen=()
  for f in $(ls -tr "$out/$target-"* 2>/dev/null | grep -E -- "-(crash|leak|timeout|oom)-[0-9a-f]+$"); do
    report=$f.log
    # The slow unwinder: a leak's stack then goes through GLib (built without frame pointers)
    # to the Tern code that allocated.
    ASAN_OPTIONS=$ASAN_OPTIONS:fast_unwind_on_malloc=0 \
      "$exe" -timeout=25 -rss_limit_mb=2560 "$f" >"$report" 2>&1
    sig=$(python3 tests/fuzz/classify.py <"$report")
    if [ "$sig" = unknown ]; then
      case "$f" in
        *-timeout-*|*-oom-*)
          # A busy machine makes slow inputs; a real hang or leak of memory happens again.
          echo "fuzz-$target: $(basename "$f") did not happen again when run alone: not counted"
          continue ;;
      esac
      sig="crash that did not happen again when run alone ($(basename "$f"))"
    fi
    [ -n "${seen[$sig]:-}" ] && continue
    seen[$sig]=1
    if grep -qxF -- "$sig" <(grep -v '^#' tests/fuzz/known-crashes.txt); then
      echo "fuzz-$target: known, not fixed yet: $sig ($f)"
      continue
    fi
    status=1
    echo "fuzz-$target: FAILED: $sig"
    grep -E -A40 "ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer)|runtime error|check failed|CRITICAL|WARNING" "$report" |
      grep -v "in fuzzer::\|in __libc_start\|in _start\|in main " | head -50
    echo "reproducer: $f ($(stat -c %s "$f") bytes); run it with: $exe $f"
    echo "  base64: $(head -c 600 "$f" | base64 -w0)"
  done
  unset seen
  if [ $rc -ne 0 ] && [ $status -eq 0 ]; then
    echo "fuzz-$target: libFuzzer exited with $rc:"; tail -20 "$log"; status=1
  fi
  if [ $status -eq 0 ]; then
    echo "fuzz-$target OK" >>"$results"
  else
    echo "fuzz-$target FAIL" >>"$results"
  fi
  [ $before -eq 0 ] || status=1
done
exit $status
