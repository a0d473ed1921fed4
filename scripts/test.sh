#!/usr/bin/env bash
# Builds ferry (build/), starts the local test registries, runs the unit tests (2 at a time)
# then the integration tests (one at a time), and stops the registries it started.
# Extra arguments go to both ctest calls, e.g. scripts/test.sh -R foundation
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
BUILD="${FERRY_BUILD_DIR:-build-tests}"

for tool in cmake g++ pkg-config docker-registry skopeo htpasswd openssl jq curl /usr/bin/python3 \
            umoci podman dpkg-shlibdeps systemd-analyze node tests/k8s/node_modules/kubernetes-models; do
  if ! command -v "$tool" >/dev/null 2>&1 && [ ! -e "$tool" ]; then
    echo "test.sh: $tool missing; installing dependencies"
    bash scripts/install-deps.sh
    break
  fi
done

# Tests want a quick compile more than fast code (timings stay out of tests): -O1, no debug info.
cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_FLAGS_RELEASE="-O1 -DNDEBUG"
cmake --build "$BUILD" -j2

# Stop only the registries this script started; ones already running are left as they were.
started=()
cleanup() {
  for name in "${started[@]}"; do bash scripts/registry.sh stop "$name" || true; done
}
trap cleanup EXIT
for name in src dst tls token; do
  if ! bash scripts/registry.sh status "$name" >/dev/null 2>&1; then
    bash scripts/registry.sh start "$name"
    started+=("$name")
  fi
done

rc=0
ctest --test-dir "$BUILD" --output-on-failure -L unit -j2 "$@" || rc=1
ctest --test-dir "$BUILD" --output-on-failure -L integration "$@" || rc=1
exit $rc
