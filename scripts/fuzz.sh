#!/usr/bin/env bash
# Builds the libFuzzer targets of tests/fuzz (clang-14, ASan + UBSan) in build-fuzz/ and runs
# each for FUZZ_SECONDS (default 20) on a copy of its seed corpus tests/fuzz/corpus/<target>/.
# Prints the executions per target. A crash (or a violated property, or a timeout) stops with
# a non-zero exit and leaves the reproducer in build-fuzz/artifacts/<target>/; replay it with
#   build-fuzz/fuzz_<target> build-fuzz/artifacts/<target>/crash-…
#   scripts/fuzz.sh                      # every target
#   FUZZ_SECONDS=60 scripts/fuzz.sh plan cron
# FUZZ_BUILD_DIR picks another build directory; FUZZ_JOBS the build parallelism (default 2).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
BUILD="${FUZZ_BUILD_DIR:-build-fuzz}"
SECONDS_PER_TARGET="${FUZZ_SECONDS:-20}"
ALL_TARGETS=(reference manifest challenge plan cron)
if [ $# -gt 0 ]; then targets=("$@"); else targets=("${ALL_TARGETS[@]}"); fi

CXX_FUZZ="${FUZZ_CXX:-clang++-14}"
if ! command -v "$CXX_FUZZ" >/dev/null 2>&1; then
  echo "fuzz.sh: $CXX_FUZZ missing; installing dependencies"
  bash scripts/install-deps.sh
fi

export CCACHE_NOHASHDIR=1
cmake -S tests/fuzz -B "$BUILD" -DCMAKE_CXX_COMPILER="$CXX_FUZZ" >/dev/null
build_targets=()
for t in "${targets[@]}"; do build_targets+=(--target "fuzz_$t"); done
cmake --build "$BUILD" -j"${FUZZ_JOBS:-2}" "${build_targets[@]}"

# UBSan must abort (not just print) for libFuzzer to keep the input.
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1}"

rc=0
passed=0
failed=0
summary=()
for t in "${targets[@]}"; do
  seeds="tests/fuzz/corpus/$t"
  work="$BUILD/corpus/$t"        # grows while fuzzing; the seeds in git stay as they are
  artifacts="$BUILD/artifacts/$t/"
  log="$BUILD/logs/$t.log"
  mkdir -p "$work" "$artifacts" "$(dirname "$log")"
  dict=()
  if [ -f "tests/fuzz/dict/$t.dict" ]; then dict=(-dict="tests/fuzz/dict/$t.dict"); fi
  echo "fuzz.sh: $t for ${SECONDS_PER_TARGET}s"
  if "$BUILD/fuzz_$t" -max_total_time="$SECONDS_PER_TARGET" -timeout=10 -rss_limit_mb=2048 \
       -print_final_stats=1 -artifact_prefix="$artifacts" "${dict[@]}" "$work" "$seeds" >"$log" 2>&1; then
    status=ok
    passed=$((passed + 1))
  else
    status=FAILED
    failed=$((failed + 1))
    rc=1
  fi
  execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || true)
  cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | grep -o '[0-9]*' || true)
  summary+=("$(printf '%-10s %-6s executions=%-10s coverage=%s' "$t" "$status" "${execs:-?}" "${cov:-?}")")
  if [ "$status" = FAILED ]; then
    echo "fuzz.sh: $t FAILED; log $log; reproducer(s):"
    ls -1 "$artifacts" | sed "s|^|  $artifacts|"
    grep -m1 -A25 -E 'ERROR: (AddressSanitizer|libFuzzer|LeakSanitizer)|runtime error|fuzz property violated' "$log" || tail -30 "$log"
  fi
done

printf '%s\n' "${summary[@]}"
echo "fuzz: $passed passed, $failed failed"
exit $rc
