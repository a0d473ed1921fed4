#!/usr/bin/env bash
# Builds ferry and its tests with AddressSanitizer + UndefinedBehaviorSanitizer (the
# FERRY_SANITIZE CMake option) in build-asan/ and runs the unit and integration suites against
# that build through scripts/test.sh (which starts and stops the test registries).
#   scripts/sanitize.sh                 # everything
#   scripts/sanitize.sh -L unit         # extra arguments go to both ctest calls
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
FERRY_BUILD_DIR="$BUILD" exec bash scripts/test.sh "$@"
