#!/usr/bin/env bash
# Builds ferry and its tests with AddressSanitizer + UndefinedBehaviorSanitizer (the
# FERRY_SANITIZE CMake option) in build-asan/ and runs tests against that build.
#   scripts/sanitize.sh                 # unit and integration suites (through scripts/test.sh,
#                                       # which starts and stops the test registries)
#   scripts/sanitize.sh unit            # the unit tests only: builds just their targets (CI)
#   scripts/sanitize.sh -R foundation   # extra arguments go to both ctest calls
#   SANITIZE_BUILD_ONLY=1 scripts/sanitize.sh   # configure and build, run nothing
# Any sanitizer report aborts the process that made it, so the test that ran it fails.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
BUILD="${FERRY_ASAN_BUILD_DIR:-build-asan}"
export CCACHE_NOHASHDIR=1

# The option lives in the cache; test.sh's own configure step keeps it.
cmake -S . -B "$BUILD" -DFERRY_SANITIZE=ON -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_FLAGS_RELEASE="-O1 -DNDEBUG"
if [ -n "${SANITIZE_BUILD_ONLY:-}" ]; then
  cmake --build "$BUILD" -j2
  exit 0
fi

# g++'s UBSan recovers by default: halt_on_error turns every report into a failure.
# Leak checking stays on (ASan's default) except where ptrace forbids it (LSan then aborts).
export ASAN_OPTIONS="${ASAN_OPTIONS:-abort_on_error=1:detect_stack_use_after_return=1:strict_string_checks=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"

if [ "${1:-}" = unit ]; then
  shift
  mapfile -t unit_targets < <(cmake --build "$BUILD" --target help | sed -n 's/^\.\.\. \(unit_[a-z_]*\)$/\1/p')
  if [ ${#unit_targets[@]} -eq 0 ]; then
    echo "sanitize.sh: no unit test targets found in $BUILD" >&2
    exit 1
  fi
  targets=()
  for t in "${unit_targets[@]}"; do targets+=(--target "$t"); done
  cmake --build "$BUILD" -j2 "${targets[@]}"
  exec ctest --test-dir "$BUILD" --output-on-failure -L unit -j2 "$@"
fi
FERRY_BUILD_DIR="$BUILD" exec bash scripts/test.sh "$@"
