#!/usr/bin/env bash
# Checks that ctest runs every Catch2 test case: for each unit test binary, the number of ctest
# entries discovered for it must equal the number of test cases the binary lists. A test name
# that catch_discover_tests splits (Debian's Catch2 2.13.10 splits names at ';',
# catchorg/Catch2#2674) gives two entries whose filters match nothing: without this check they
# "pass" with "No tests ran" (each entry also runs with `--warn NoTests`, which fails it).
#   scripts/check-unit-discovery.sh BUILD_DIR
# Prints one line per binary and exits 1 on any mismatch.
set -euo pipefail
build="${1:?usage: check-unit-discovery.sh BUILD_DIR}"
status=0
total_cases=0
total_entries=0
shopt -s nullglob
binaries=("$build"/tests/unit_*)
if [ ${#binaries[@]} -eq 0 ]; then
  echo "check-unit-discovery: no unit test binaries under $build/tests" >&2
  exit 1
fi
entries_listing="$(ctest --test-dir "$build" -N -L unit)"
for bin in "${binaries[@]}"; do
  [ -x "$bin" ] || continue
  module="${bin##*/unit_}"
  cases=$("$bin" --list-test-names-only | grep -c . || true)
  entries=$(grep -cE "Test +#[0-9]+: unit\.${module}\." <<<"$entries_listing" || true)
  total_cases=$((total_cases + cases))
  total_entries=$((total_entries + entries))
  if [ "$cases" -ne "$entries" ]; then
    echo "unit_${module}: ${cases} test cases but ${entries} ctest entries (a name that discovery splits?)"
    status=1
  fi
done
if [ "$status" -eq 0 ]; then
  echo "check-unit-discovery: ${total_cases} Catch2 test cases, ${total_entries} ctest entries"
fi
exit $status
