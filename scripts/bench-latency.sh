# Sourced by scripts/bench.sh: the "latency" benchmark (push-to-target latency through a
# webhook). A source registry notifies `ferry cron` of every push (its `notifications:` block);
# the time measured is from the end of a `skopeo copy` to the source (the manifest PUT has been
# answered) until the tag is readable at the target (a HEAD of the manifest answers 200),
# polled every 20 ms. One fresh tag per repetition; median of BENCH_LATENCY_REPS (default 10).
#
#   bench-hook-src 127.0.0.1:$((PORT_BASE + 131))  notifies http://127.0.0.1:$((PORT_BASE + 133))/hooks/registry
#   bench-hook-dst 127.0.0.1:$((PORT_BASE + 132))  the target, wiped before the benchmark
#   ferry cron --listen 127.0.0.1:$((PORT_BASE + 133))

REGISTRY_PORT[bench-hook-src]=$((PORT_BASE + 131))
REGISTRY_PORT[bench-hook-dst]=$((PORT_BASE + 132))
LATENCY_LISTEN=$((PORT_BASE + 133))
LATENCY_REPS="${BENCH_LATENCY_REPS:-10}"
LATENCY_TOKEN="bench-hook-token"
REGISTRY_NOTIFY[bench-hook-src]="http://127.0.0.1:$LATENCY_LISTEN/hooks/registry"

# The notifications block for a registry config (docker-registry's documented keys).
registry_notify_config() {
  cat <<EOF2
notifications:
  endpoints:
    - name: ferry
      url: $1
      headers: {Authorization: [Bearer $LATENCY_TOKEN]}
      timeout: 2s
      threshold: 3
      backoff: 1s
      ignoredmediatypes: [application/octet-stream]
EOF2
}

now() { date +%s.%N; }

# Waits until HOST/REPO:TAG answers a manifest HEAD with 200 (at most 60 s).
wait_readable() {
  local url="http://$1/v2/$2/manifests/$3" deadline
  deadline=$(($(date +%s) + 60))
  until [ "$(curl -s -o /dev/null -w '%{http_code}' -I -H 'Accept: application/vnd.oci.image.index.v1+json' "$url")" = 200 ]; do
    [ "$(date +%s)" -lt "$deadline" ] || die "$1/$2:$3 not readable at the target after 60 s"
    sleep 0.02
  done
}

bench_latency() {
  local src="127.0.0.1:${REGISTRY_PORT[bench-hook-src]}" dst="127.0.0.1:${REGISTRY_PORT[bench-hook-dst]}"
  local layout="$SCRATCH/latency-layout" plan="$SCRATCH/latency-plan.yaml" pid i tag t0 t1
  registry_wipe bench-hook-src
  registry_wipe bench-hook-dst
  "$PYTHON" "$ROOT/scripts/make-corpus" --profile small --layout-only "$layout" >&2
  printf '%s\n' "$LATENCY_TOKEN" >"$SCRATCH/latency-token"
  cat >"$plan" <<EOF2
version: 1
registries:
  "$src": {tls: disabled}
  "$dst": {tls: disabled}
webhooks: {path: /hooks/registry, token_file: $SCRATCH/latency-token}
sync:
  - name: app
    source: $src/latency/app
    target: $dst/latency/app
EOF2
  HOME="$SCRATCH/ferry-home" "$FERRY_BIN" cron -c "$plan" --listen "127.0.0.1:$LATENCY_LISTEN" \
    >"$SCRATCH/latency-cron.log" 2>&1 &
  pid=$!
  for i in $(seq 100); do
    curl -s -o /dev/null "http://127.0.0.1:$LATENCY_LISTEN/healthz" && break
    sleep 0.1
  done
  : >"$SCRATCH/latency.txt"
  for i in $(seq "$LATENCY_REPS"); do
    tag="r$i-$(date +%s%N)"
    skopeo_fresh copy --all --preserve-digests --dest-tls-verify=false "oci:$layout:alpine/3.19" \
      "docker://$src/latency/app:$tag" >/dev/null
    t0="$(now)"
    wait_readable "$dst" latency/app "$tag"
    t1="$(now)"
    awk -v a="$t1" -v b="$t0" 'BEGIN { printf "%.3f\n", a - b }' >>"$SCRATCH/latency.txt"
  done
  kill "$pid" && wait "$pid" || true
  latency_table | tee /dev/stderr | record_result "push-to-target latency (webhook)" \
"ferry cron -c plan.yaml --listen 127.0.0.1:$LATENCY_LISTEN   # plan: webhooks + one repository entry
skopeo copy --all --preserve-digests oci:LAYOUT:alpine/3.19 docker://SRC/latency/app:NEW-TAG   # x $LATENCY_REPS
# timed: end of the push -> manifest HEAD 200 at the target (3-platform alpine index, ~1 MiB)"
}

latency_table() {
  local median_s min_s max_s
  median_s="$(median <"$SCRATCH/latency.txt")"
  min_s="$(sort -n "$SCRATCH/latency.txt" | head -1)"
  max_s="$(sort -n "$SCRATCH/latency.txt" | tail -1)"
  printf '| measure | median | min | max | runs |\n|---|---|---|---|---|\n'
  printf '| source push → readable at target (webhook) | %.2f s | %.2f s | %.2f s | %s |\n' \
    "$median_s" "$min_s" "$max_s" "$LATENCY_REPS"
}
