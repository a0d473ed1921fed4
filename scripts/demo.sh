#!/usr/bin/env bash
# A tour of ferry on local registries: builds, starts `src` (127.0.0.1:5101) and `dst`
# (127.0.0.1:5102), seeds the small image corpus into src, inspects it, then plans and syncs
# with config.example.yaml (twice: the second run must copy nothing).
# The registries stay up afterwards; stop them with: bash scripts/registry.sh stop-all
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
BUILD="${FERRY_BUILD_DIR:-build}"
FERRY="$BUILD/ferry"
SRC=127.0.0.1:5101
DST=127.0.0.1:5102

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
run() { printf '$ %s\n' "$*"; "$@"; }

step "dependencies and build"
bash scripts/install-deps.sh
cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$BUILD" -j2 --target ferry

step "local registries"
bash scripts/registry.sh start src
bash scripts/registry.sh reset dst   # a fresh target, so the first sync really copies
rm -f .config.example.yaml.state.json

step "seed the small corpus into $SRC"
/usr/bin/python3 scripts/make-corpus --profile small --registry "$SRC"

step "look at it"
run "$FERRY" --insecure-registry "$SRC" inspect "docker://$SRC/corpus/alpine:3.20"
run "$FERRY" --insecure-registry "$SRC" inspect --platform linux/arm64/v8 "docker://$SRC/corpus/app:latest"
run "$FERRY" --insecure-registry "$SRC" tags "$SRC/corpus/app"
run "$FERRY" --insecure-registry "$SRC" catalog "$SRC"

# ---- sync steps: plan the diff, sync, and sync again (the second run finds nothing to do) ----
if [ -f config.example.yaml ]; then
  step "plan (writes nothing)"
  run "$FERRY" plan -c config.example.yaml
  step "sync"
  run "$FERRY" sync -c config.example.yaml
  step "sync again: nothing left to copy"
  run "$FERRY" sync -c config.example.yaml
  step "what landed in $DST"
  run "$FERRY" --insecure-registry "$DST" catalog "$DST"
else
  echo "(config.example.yaml not written yet: skipping plan and sync)"
fi
