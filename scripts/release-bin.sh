#!/usr/bin/env bash
# Prints the path of a Release build of ferry, brought up to date: the one in $FERRY_BUILD_DIR
# (an existing CMake build directory, which must be of type Release: tests pass theirs so
# nothing is compiled twice), else build-release/ (configured here with CMake's Release flags).
# Used by scripts/image.sh and scripts/package.sh. Build output goes to stderr.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
die() { echo "release-bin.sh: $*" >&2; exit 1; }

BUILD="${FERRY_BUILD_DIR:-$ROOT/build-release}"
if [ -n "${FERRY_BUILD_DIR:-}" ]; then
  [ -f "$BUILD/CMakeCache.txt" ] || die "FERRY_BUILD_DIR=$BUILD is not a CMake build directory"
else
  cmake -S "$ROOT" -B "$BUILD" -DCMAKE_BUILD_TYPE=Release >&2
fi
build_type="$(sed -n 's/^CMAKE_BUILD_TYPE:[A-Z]*=//p' "$BUILD/CMakeCache.txt")"
[ "$build_type" = Release ] || die "$BUILD is a '$build_type' build; a release takes a Release build"
cmake --build "$BUILD" -j2 --target ferry >&2
[ -x "$BUILD/ferry" ] || die "$BUILD/ferry was not built"
echo "$BUILD/ferry"
