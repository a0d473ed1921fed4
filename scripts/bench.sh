#!/usr/bin/env bash
# ferry benchmarks, each next to a reference tool, on dedicated local registries that tests
# never touch.
#
#   scripts/bench.sh [BENCH...]      BENCH: copy | sync | sync-auth | htpasswd | export | scale | latency | soak | wan | all
#                                    (all = copy sync export latency; scale, sync-auth, htpasswd, soak and wan
#                                    run when named)
#
# Environment:
#   FERRY_BIN        ferry binary (default: build/ferry)
#   BENCH_REPS       repetitions per tool (default 3; the table shows medians)
#   BENCH_COPY_MIB   layer size of the copy benchmark (default 1024)
#   BENCH_JOBS       ferry --jobs for the sync and scale benchmarks (default: the plan default, 8)
#   BENCH_SYNC_JOBS  ferry sync --jobs for the sync benchmark (default: BENCH_JOBS)
#   BENCH_SYNC_PROFILE  corpus of the sync, export and sync-auth benchmarks: bench (default,
#                    12 repositories, ≥ 1 GiB) or small (scripts/make-corpus's small profile
#                    without its 1,050-tag repository, ~2 MB: to check the script, not to measure)
#   BENCH_LATENCY_REPS  pushes timed by the latency benchmark (default 10)
#   BENCH_NO_APPEND  set to 1 to print the table without appending it to BENCHMARKS.md
#   FERRY_WORK       work area (default .work); benchmark registries live in $FERRY_WORK/bench
#   FERRY_PORT_BASE  moves every benchmark port (default 5100), as for scripts/registry.sh
#   (scale: BENCH_SCALE_* in scripts/bench-scale.sh; sync-auth: scripts/bench-auth.sh;
#   soak: BENCH_SOAK_MINUTES, default 10, in scripts/bench-soak.sh)
#   wan: BENCH_WAN_* in scripts/bench-wan.sh)
#
# Every run of ferry or skopeo is timed by /usr/bin/time -v (measure): wall time, peak RSS and
# the tool's own CPU seconds (user + sys). Registry CPU seconds come from /proc/PID/stat
# (utime + stime) of each registry before and after a run, source and target apart.
#
# Registries (started on demand, stopped on exit when this script started them), ports
# relative to FERRY_PORT_BASE (B):
#   bench-src B+21  holds the benchmark images (kept between runs)
#   bench-dst B+22  copy target, wiped before every timed run
#   bench-sync-src B+31  holds the bench corpus for the sync benchmark (kept)
#   bench-sync-dst B+32  sync target, wiped before every cold run; both log requests
#   bench-scale-src B+41, bench-scale-dst B+42: the scale benchmark (scripts/bench-scale.sh)
#   B+50…B+55 (debug B+1053, B+1054): TLS and token registries of sync-auth (scripts/registry.sh)
#   bench-hook-src B+131, bench-hook-dst B+132 (ferry listens on B+133): latency benchmark
#   (scripts/bench-latency.sh); the soak benchmark's ferry cron listens on B+140 and uses the
#   token registry of sync-auth (scripts/bench-soak.sh)
#   B+60…B+63 and B+70…B+73 (debug +1000): the wan benchmark's registries (scripts/registry.sh in
#   $FERRY_WORK/bench/wan/a and …/b; scripts/bench-wan.sh); its delay proxies take free ports
#
# Adding a benchmark: write bench_NAME (print its table to stdout, call record_result for
# BENCHMARKS.md) and add NAME to BENCHES.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
WORK="${FERRY_WORK:-$ROOT/.work}"
BENCH_DIR="$WORK/bench"
FERRY_BIN="${FERRY_BIN:-$ROOT/build/ferry}"
REPS="${BENCH_REPS:-3}"
COPY_MIB="${BENCH_COPY_MIB:-1024}"
PYTHON="$(command -v /usr/bin/python3 || command -v python3)"
RESULTS="$ROOT/BENCHMARKS.md"
BENCHES=(copy sync export latency)
PORT_BASE="${FERRY_PORT_BASE:-5100}"

declare -A REGISTRY_PORT=([bench-src]=$((PORT_BASE + 21)) [bench-dst]=$((PORT_BASE + 22)))
declare -A REGISTRY_LOGS_REQUESTS=()  # name → 1: access log on (request counting)
declare -A REGISTRY_NOTIFY=()  # name → URL the registry notifies of pushes
STARTED=()

die() { echo "bench.sh: $*" >&2; exit 1; }
log() { echo "bench.sh: $*" >&2; }

# ---------------------------------------------------------------------------- registries

registry_dir() { echo "$BENCH_DIR/registries/$1"; }

registry_alive() {
  local pidfile pid
  pidfile="$(registry_dir "$1")/registry.pid"
  [ -f "$pidfile" ] || return 1
  pid="$(cat "$pidfile")"
  kill -0 "$pid" 2>/dev/null && tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q docker-registry
}

registry_start() {
  local name="$1" dir port i
  registry_alive "$name" && return 0
  dir="$(registry_dir "$name")"
  port="${REGISTRY_PORT[$name]}"
  (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && die "port $port is taken (wanted for $name)"
  mkdir -p "$dir/storage"
  local accesslog_off=true
  [ -n "${REGISTRY_LOGS_REQUESTS[$name]:-}" ] && accesslog_off=false
  cat >"$dir/config.yml" <<EOF
version: 0.1
log: {level: warn, formatter: text, accesslog: {disabled: $accesslog_off}}
storage:
  filesystem: {rootdirectory: $dir/storage}
  delete: {enabled: true}
  maintenance: {uploadpurging: {enabled: false}}
http: {addr: "127.0.0.1:$port", secret: ferry-$name-secret}
EOF
  [ -n "${REGISTRY_NOTIFY[$name]:-}" ] && registry_notify_config "${REGISTRY_NOTIFY[$name]}" >>"$dir/config.yml"
  setsid docker-registry serve "$dir/config.yml" </dev/null >>"$dir/registry.log" 2>&1 &
  echo $! >"$dir/registry.pid"
  STARTED+=("$name")
  for i in $(seq 100); do
    [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/v2/" || true)" = 200 ] && return 0
    registry_alive "$name" || die "$name exited during start-up; see $dir/registry.log"
    sleep 0.1
  done
  die "$name did not answer on port $port"
}

registry_stop() {
  local name="$1" pid i
  registry_alive "$name" || return 0
  pid="$(cat "$(registry_dir "$name")/registry.pid")"
  kill "$pid" 2>/dev/null || true
  for i in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -0 "$pid" 2>/dev/null && kill -9 "$pid" 2>/dev/null || true
  rm -f "$(registry_dir "$name")/registry.pid"
}

# A target registry with empty storage: no blob of an earlier run can be skipped or mounted.
registry_wipe() {
  registry_stop "$1"
  rm -rf "$(registry_dir "$1")/storage"
  registry_start "$1"
}

cleanup() {
  local name
  for name in "${STARTED[@]}"; do registry_stop "$name"; done
  auth_cleanup
  wan_cleanup
  [ -n "${SCRATCH:-}" ] && rm -rf "$SCRATCH"
}

# ---------------------------------------------------------------------------- measuring

# Runs a command under /usr/bin/time -v; prints "SECONDS PEAK_KIB CPU_SECONDS" (fails if the
# command does). CPU_SECONDS is the command's own user + system time (getrusage of the child,
# as wait4 reports it to /usr/bin/time; children it waited for included), PEAK_KIB its maximum
# resident set size. Commands run through `env`, which execs them: the figures are the tool's.
measure() {
  local out="$SCRATCH/time.txt"
  if ! /usr/bin/time -v -o "$out" "$@" >"$SCRATCH/cmd.out" 2>"$SCRATCH/cmd.err"; then
    cat "$SCRATCH/cmd.err" >&2
    die "failed: $*"
  fi
  awk -F': ' '
    /Elapsed \(wall clock\)/ { n = split($2, p, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + p[i] }
    /Maximum resident set size/ { kib = $2 }
    /User time \(seconds\)/ { cpu += $2 }
    /System time \(seconds\)/ { cpu += $2 }
    END { printf "%.2f %d %.2f\n", s, kib, cpu }' "$out"
}

# CPU seconds (user + system) registry $1 has used since it started.
registry_cpu() { pid_cpu "$(cat "$(registry_dir "$1")/registry.pid")"; }

# CPU seconds (utime + stime, /proc/PID/stat) process $1 has used so far.
pid_cpu() {
  awk -v hz="$(getconf CLK_TCK)" '{ printf "%.2f\n", ($14 + $15) / hz }' "/proc/$1/stat"
}

# CPU seconds registry $1 has used since registry_cpu printed $2 (same process: take the mark
# after a wipe, which restarts the registry).
registry_cpu_since() {
  awk -v a="$2" -v b="$(registry_cpu "$1")" 'BEGIN { printf "%.1f\n", b - a }'
}

median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

# skopeo with a private HOME/XDG area, so its blob-info cache (which would make it try mounts or
# skips from earlier runs) starts empty for every run.
skopeo_fresh() {
  local home="$SCRATCH/skopeo-home"
  rm -rf "$home" && mkdir -p "$home"
  env -u REGISTRY_AUTH_FILE -u DOCKER_CONFIG -u XDG_RUNTIME_DIR HOME="$home" XDG_DATA_HOME="$home/data" \
    _CONTAINERS_ROOTLESS_UID="$(id -u | sed 's/^0$/1000/')" skopeo "$@"
}

# skopeo under measure, with the run's private HOME: emptied before a cold run (its blob-info
# cache starts empty), kept for the no-op run after it. $1 = phase (cold|noop), then skopeo's
# arguments. Prints "SECONDS PEAK_KIB".
skopeo_measured() {
  local phase="$1"
  shift
  [ "$phase" = cold ] && rm -rf "$SCRATCH/skopeo-home" && mkdir -p "$SCRATCH/skopeo-home"
  measure env -u REGISTRY_AUTH_FILE -u DOCKER_CONFIG -u XDG_RUNTIME_DIR \
    HOME="$SCRATCH/skopeo-home" XDG_DATA_HOME="$SCRATCH/skopeo-home/data" \
    _CONTAINERS_ROOTLESS_UID="$(id -u | sed 's/^0$/1000/')" skopeo "$@"
}

machine_facts() {
  local cpu kernel
  cpu="$(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo)"
  kernel="$(uname -r)"
  echo "- $(date -u '+%Y-%m-%d %H:%M UTC'), git $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '?')"
  echo "- CPU: ${cpu:-unknown} × $(nproc) (online), RAM $(awk '/MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo), kernel $kernel"
  echo "- $(docker-registry --version 2>/dev/null | head -1), $(skopeo --version), $("$FERRY_BIN" version 2>/dev/null | head -1 || echo ferry)"
  echo "- registries on loopback, storage on $(df -T "$BENCH_DIR" | awk 'NR == 2 { print $2 }'); load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "- run as: \`$INVOCATION\`"
}

# Appends a section (title, machine facts, commands, table from stdin) to BENCHMARKS.md.
record_result() {
  local title="$1" commands="$2" table
  table="$(cat)"
  [ "${BENCH_NO_APPEND:-0}" = 1 ] && return 0
  if [ ! -f "$RESULTS" ]; then
    printf '# ferry benchmarks\n\nAppended by `scripts/bench.sh`; newest last. Medians of %s runs unless noted.\n' "$REPS" >"$RESULTS"
  fi
  {
    printf '\n## %s\n\n' "$title"
    machine_facts
    printf '\nCommands:\n```\n%s\n```\n\n%s\n' "$commands" "$table"
  } >>"$RESULTS"
  log "appended to $RESULTS"
}

# ---------------------------------------------------------------------------- copy

# Pushes the single-layer image to bench-src once (kept between runs); prints REPO:TAG.
copy_image_ready() {
  local repo="bench/blob-${COPY_MIB}mib" summary="$BENCH_DIR/single-blob-${COPY_MIB}.json"
  local src="127.0.0.1:${REGISTRY_PORT[bench-src]}"
  if [ -f "$summary" ] && skopeo_fresh inspect --raw --tls-verify=false "docker://$src/$repo:1.0" >/dev/null 2>&1; then
    echo "$repo:1.0"
    return 0
  fi
  log "building and pushing a ${COPY_MIB} MiB single-layer image to bench-src (once)"
  "$PYTHON" "$ROOT/scripts/make-corpus" --registry "$src" --single-blob-mib "$COPY_MIB" \
    --summary "$summary" >&2
  echo "$repo:1.0"
}

bench_copy() {
  registry_start bench-src
  registry_start bench-dst
  local image src dst rep tool secs kib cpu target
  image="$(copy_image_ready)"
  src="127.0.0.1:${REGISTRY_PORT[bench-src]}"
  dst="127.0.0.1:${REGISTRY_PORT[bench-dst]}"
  local bytes
  bytes="$("$PYTHON" -c 'import json,sys; print(json.load(open(sys.argv[1]))["unique_bytes"])' \
    "$BENCH_DIR/single-blob-${COPY_MIB}.json")"
  : >"$SCRATCH/copy.tsv"
  for rep in $(seq "$REPS"); do
    for tool in ferry skopeo; do
      registry_wipe bench-dst
      target="$dst/bench/copy-$tool-$rep:1.0"
      if [ "$tool" = ferry ]; then
        read -r secs kib cpu < <(measure env -u REGISTRY_AUTH_FILE -u DOCKER_CONFIG HOME="$SCRATCH/ferry-home" \
          "$FERRY_BIN" --insecure-registry "$src" --insecure-registry "$dst" copy "docker://$src/$image" "docker://$target")
      else
        read -r secs kib cpu < <(skopeo_measured cold copy --preserve-digests --src-tls-verify=false --dest-tls-verify=false \
          "docker://$src/$image" "docker://$target")
      fi
      [ "$(skopeo_fresh inspect --raw --tls-verify=false "docker://$target" | sha256sum | cut -d' ' -f1)" = \
        "$(skopeo_fresh inspect --raw --tls-verify=false "docker://$src/$image" | sha256sum | cut -d' ' -f1)" ] ||
        die "$tool: digest at $target differs from the source"
      log "copy rep $rep $tool: ${secs} s, peak RSS ${kib} KiB, CPU ${cpu} s"
      printf '%s\t%s\t%s\t%s\n' "$tool" "$secs" "$kib" "$cpu" >>"$SCRATCH/copy.tsv"
    done
  done
  registry_wipe bench-dst
  copy_table "$bytes" | tee "$SCRATCH/copy.md"
  record_result "copy: ${COPY_MIB} MiB single-layer image, registry → registry" \
    "$(printf '%s\n%s' \
      "ferry --insecure-registry SRC --insecure-registry DST copy docker://SRC/$image docker://DST/bench/copy-ferry-N:1.0" \
      "skopeo copy --preserve-digests --src-tls-verify=false --dest-tls-verify=false docker://SRC/$image docker://DST/bench/copy-skopeo-N:1.0")" \
    <"$SCRATCH/copy.md"
}

# The median table of copy.tsv (tool, seconds, peak KiB, CPU seconds) for `bytes` copied per run.
copy_table() {
  local bytes="$1" tool secs kib cpu
  echo "| tool | wall time (s) | throughput (MiB/s) | peak RSS (MiB) | runs | CPU user + sys (s) |"
  echo "|---|---:|---:|---:|---:|---:|"
  for tool in ferry skopeo; do
    secs="$(awk -v t="$tool" '$1 == t { print $2 }' "$SCRATCH/copy.tsv" | median)"
    kib="$(awk -v t="$tool" '$1 == t { print $3 }' "$SCRATCH/copy.tsv" | median)"
    cpu="$(awk -v t="$tool" '$1 == t { print $4 }' "$SCRATCH/copy.tsv" | median)"
    awk -v t="$tool" -v s="$secs" -v k="$kib" -v c="$cpu" -v b="$bytes" -v n="$REPS" \
      'BEGIN { printf "| %s | %.2f | %.1f | %.1f | %d | %.2f |\n", t, s, b / 1048576 / s, k / 1024, n, c }'
  done
}

# ---------------------------------------------------------------------------- sync

# ferry sync vs skopeo sync: the bench corpus (scripts/make-corpus --profile bench --no-many-tags:
# bench/svc-00 … svc-11, two tags each, 3 platforms, 3 shared base images, ≥ 1 GiB unique) from
# bench-sync-src into an empty bench-sync-dst (cold), then the same command again (no-op).
# Both registries log every request, so the table also counts requests per registry.
# skopeo runs without --scoped: with a host:port source, --scoped makes destinations like
# DST/127.0.0.1:5201/bench/svc-00, which are no valid references. Without it skopeo keeps the
# last path component, so its destination DST/bench gives DST/bench/svc-NN, as ferry's does.
REGISTRY_PORT[bench-sync-src]=$((PORT_BASE + 31))
REGISTRY_PORT[bench-sync-dst]=$((PORT_BASE + 32))
REGISTRY_LOGS_REQUESTS[bench-sync-src]=1
REGISTRY_LOGS_REQUESTS[bench-sync-dst]=1
SYNC_PROFILE="${BENCH_SYNC_PROFILE:-bench}"
case "$SYNC_PROFILE" in bench | small) ;; *) die "BENCH_SYNC_PROFILE must be bench or small" ;; esac
SYNC_SUMMARY="$BENCH_DIR/sync-corpus.json"
[ "$SYNC_PROFILE" = bench ] || SYNC_SUMMARY="$BENCH_DIR/sync-corpus-$SYNC_PROFILE.json"
SYNC_JOBS="${BENCH_SYNC_JOBS:-${BENCH_JOBS:-}}"

# Pushes the corpus to bench-sync-src unless its storage already holds this summary's corpus
# (another corpus there is wiped first: the plan takes every repository under bench/).
sync_corpus_ready() {
  local marker
  marker="$(registry_dir bench-sync-src)/storage/.ferry-bench-corpus"
  if [ -f "$SYNC_SUMMARY" ] && [ -f "$marker" ] && [ "$(cat "$marker")" = "$(sha256sum <"$SYNC_SUMMARY")" ]; then
    return 0
  fi
  [ -f "$marker" ] && registry_wipe bench-sync-src
  log "pushing the $SYNC_PROFILE corpus to bench-sync-src (builds .work/corpus/$SYNC_PROFILE first if needed)"
  "$PYTHON" "$ROOT/scripts/make-corpus" --profile "$SYNC_PROFILE" --prefix bench --no-many-tags \
    --registry "127.0.0.1:${REGISTRY_PORT[bench-sync-src]}" --summary "$SYNC_SUMMARY" >&2
  sha256sum <"$SYNC_SUMMARY" >"$marker"
}

# "N repositories, M tags, P platforms, X MiB unique" of the sync corpus.
sync_corpus_facts() {
  "$PYTHON" - "$SYNC_SUMMARY" <<'EOF'
import json, sys
s = json.load(open(sys.argv[1]))
repos = s["repositories"].values()
tags = [t for r in repos for t in r["tags"].values()]
platforms = max((len(t.get("manifests", [t])) for t in tags), default=0)
print(f"{len(s['repositories'])} repositories, {len(tags)} tags, {platforms} platforms, "
      f"{s['unique_bytes'] // 1048576} MiB unique")
EOF
}

log_size() { stat -c %s "$(registry_dir "$1")/registry.log" 2>/dev/null || echo 0; }

# Counts the access-log requests of registry $1 after byte offset $2: prints "ALL MANIFEST_PUTS".
requests_after() {
  local file
  file="$(registry_dir "$1")/registry.log"
  sleep 0.3  # the registry writes its access line just after answering
  tail -c +"$(($2 + 1))" "$file" | awk '
    /^[^ ]+ - [^ ]+ \[[^]]+\] "[A-Z]+ [^ ]+ HTTP/ { all++; if ($6 == "\"PUT" && $7 ~ /\/manifests\//) puts++ }
    END { printf "%d %d\n", all, puts }'
}

# Checks that every tag of the corpus is at bench-sync-dst with its source digest.
sync_verify() {
  "$PYTHON" - "$SYNC_SUMMARY" "127.0.0.1:${REGISTRY_PORT[bench-sync-dst]}" "$1" <<'EOF'
import json, sys, urllib.request
summary, host, tool = sys.argv[1], sys.argv[2], sys.argv[3]
bad = []
for repo, entry in json.load(open(summary))["repositories"].items():
    for tag, desc in entry["tags"].items():
        req = urllib.request.Request(f"http://{host}/v2/{repo}/manifests/{tag}", method="HEAD",
                                     headers={"Accept": desc["mediaType"]})
        try:
            with urllib.request.urlopen(req, timeout=30) as r:
                got = r.headers.get("Docker-Content-Digest")
        except Exception as e:
            got = str(e)
        if got != desc["digest"]:
            bad.append(f"{repo}:{tag}: {got}")
if bad:
    sys.exit(f"{tool}: wrong or missing at the target:\n" + "\n".join(bad))
EOF
}

# The target registry's floors: the corpus's unique blobs uploaded (POST + PUT, 8 at a time,
# no client-side checks, no digest computed) by a bare keep-alive client into the wiped target.
# $1 = disk: read straight from the layout (in the page cache): the ingest floor, below any
# registry-to-registry copy. $1 = registry: each blob streamed from a GET at bench-sync-src
# into its PUT: the copy floor, the same transfers a sync must make and nothing else.
# Prints "seconds registry_cpu_seconds source_cpu target_cpu client_cpu" (registry CPU: both
# registries, then each, during the uploads; client CPU: the uploading client's user + sys
# seconds over the same span, from getrusage).
sync_floor() {
  local source="$1" src_mark dst_mark secs client src_cpu dst_cpu
  registry_wipe bench-sync-dst
  src_mark="$(registry_cpu bench-sync-src)"
  dst_mark="$(registry_cpu bench-sync-dst)"
  read -r secs client < <("$PYTHON" - "$SYNC_SUMMARY" "127.0.0.1:${REGISTRY_PORT[bench-sync-dst]}" \
    "$( [ "$source" = registry ] && echo "127.0.0.1:${REGISTRY_PORT[bench-sync-src]}")" <<'EOF'
import concurrent.futures, http.client, json, os, resource, sys, threading, time
summary, host, source = json.load(open(sys.argv[1])), sys.argv[2], sys.argv[3]
holder = {}  # digest -> a source repository that has it
for repo, r in summary["repositories"].items():
    for t in r["tags"].values():
        for m in t.get("manifests", [t]):  # an index's children, or a single manifest
            for d in [m["config"], *(l["digest"] for l in m["layers"])]:
                holder.setdefault(d, repo)
path = lambda digest: os.path.join(summary["layout"], "blobs", *digest.split(":"))
local = threading.local()  # one keep-alive connection per worker and host
def conn(h):
    if not hasattr(local, h):
        setattr(local, h, http.client.HTTPConnection(h, blocksize=1 << 20))
    return getattr(local, h)
def upload(digest):
    c = conn(host)
    c.request("POST", "/v2/floor/blobs/uploads/", headers={"Content-Length": "0"})
    r = c.getresponse(); r.read()
    loc = r.getheader("Location").split(host, 1)[-1]
    size = os.path.getsize(path(digest))
    if source:
        s = conn(source)
        s.request("GET", f"/v2/{holder[digest]}/blobs/{digest}")
        body = s.getresponse()
        if body.status != 200:
            sys.exit(f"GET of {digest}: HTTP {body.status}")
    else:
        body = open(path(digest), "rb")
    c.request("PUT", f"{loc}&digest={digest}", body=body, headers={
        "Content-Length": str(size), "Content-Type": "application/octet-stream"})
    r = c.getresponse(); r.read()
    body.read(); body.close()
    if r.status != 201:
        sys.exit(f"upload of {digest}: HTTP {r.status}")
for d in holder:  # into the page cache, so the disk does not count
    with open(path(d), "rb") as f:
        while f.read(1 << 24):
            pass
cpu = lambda: (lambda u: u.ru_utime + u.ru_stime)(resource.getrusage(resource.RUSAGE_SELF))
started, cpu_started = time.time(), cpu()
with concurrent.futures.ThreadPoolExecutor(8) as pool:
    list(pool.map(upload, sorted(holder)))
print(f"{time.time() - started:.2f} {cpu() - cpu_started:.2f}")
EOF
)
  src_cpu="$(registry_cpu_since bench-sync-src "$src_mark")"
  dst_cpu="$(registry_cpu_since bench-sync-dst "$dst_mark")"
  echo "$secs $(awk -v a="$src_cpu" -v b="$dst_cpu" 'BEGIN { printf "%.1f", a + b }') $src_cpu $dst_cpu $client"
}

sync_write_inputs() {
  local src="127.0.0.1:${REGISTRY_PORT[bench-sync-src]}" dst="127.0.0.1:${REGISTRY_PORT[bench-sync-dst]}"
  cat >"$SCRATCH/sync-plan.yaml" <<EOF
version: 1
registries:
  "$src": {tls: disabled}
  "$dst": {tls: disabled}
sync:
  - name: bench
    source: $src/bench/*
    target: $dst/
EOF
  {
    printf '%s:\n  tls-verify: false\n  images:\n' "$src"
    "$PYTHON" -c 'import json, sys; [print(f"    {r}: []") for r in json.load(open(sys.argv[1]))["repositories"]]' \
      "$SYNC_SUMMARY"
  } >"$SCRATCH/sync-skopeo.yaml"
}

# Runs one sync with `tool` (ferry|skopeo) and appends "tool phase secs kib src_req dst_req puts
# registry_cpu src_cpu dst_cpu client_cpu" (registry CPU: both, source, target; client CPU: the
# tool's own user + sys seconds).
sync_run() {
  local tool="$1" phase="$2" dst="127.0.0.1:${REGISTRY_PORT[bench-sync-dst]}"
  local src_mark dst_mark secs kib src_req dst_req puts _ src_cpu_mark dst_cpu_mark src_cpu dst_cpu cpu client
  src_mark="$(log_size bench-sync-src)"
  dst_mark="$(log_size bench-sync-dst)"
  src_cpu_mark="$(registry_cpu bench-sync-src)"
  dst_cpu_mark="$(registry_cpu bench-sync-dst)"
  if [ "$tool" = ferry ]; then
    read -r secs kib client < <(measure env -u REGISTRY_AUTH_FILE -u DOCKER_CONFIG HOME="$SCRATCH/ferry-home" \
      "$FERRY_BIN" sync -c "$SCRATCH/sync-plan.yaml" --state "$SCRATCH/sync-state.json" \
      ${SYNC_JOBS:+--jobs "$SYNC_JOBS"} --report "$SCRATCH/sync-report-$phase.json")
  else
    read -r secs kib client < <(skopeo_measured "$phase" sync --src yaml --dest docker --all --preserve-digests \
      --dest-tls-verify=false "$SCRATCH/sync-skopeo.yaml" "$dst/bench")
  fi
  src_cpu="$(registry_cpu_since bench-sync-src "$src_cpu_mark")"
  dst_cpu="$(registry_cpu_since bench-sync-dst "$dst_cpu_mark")"
  read -r src_req _ < <(requests_after bench-sync-src "$src_mark")
  read -r dst_req puts < <(requests_after bench-sync-dst "$dst_mark")
  cpu="$(awk -v a="$src_cpu" -v b="$dst_cpu" 'BEGIN { printf "%.1f", a + b }')"
  log "sync $tool $phase: ${secs} s, peak RSS ${kib} KiB, CPU ${client} s, requests src $src_req dst $dst_req, manifest PUTs $puts, registry CPU ${cpu} s (source $src_cpu, target $dst_cpu)"
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$tool" "$phase" "$secs" "$kib" "$src_req" "$dst_req" "$puts" "$cpu" \
    "$src_cpu" "$dst_cpu" "$client" >>"$SCRATCH/sync.tsv"
}

bench_sync() {
  registry_start bench-sync-src
  sync_corpus_ready
  sync_write_inputs
  local rep tool bytes ingest copy
  : >"$SCRATCH/sync.tsv"
  for rep in $(seq "$REPS"); do
    for tool in ferry skopeo; do
      registry_wipe bench-sync-dst
      sync_run "$tool" cold
      sync_verify "$tool"
      sync_run "$tool" noop
    done
  done
  ingest="$(sync_floor disk)"
  log "target registry ingest floor (seconds, registry CPU seconds: both, source, target; client CPU seconds): $ingest"
  copy="$(sync_floor registry)"
  log "registry-to-registry copy floor (seconds, registry CPU seconds: both, source, target; client CPU seconds): $copy"
  registry_stop bench-sync-dst
  registry_stop bench-sync-src
  bytes="$("$PYTHON" -c 'import json,sys; print(json.load(open(sys.argv[1]))["unique_bytes"])' "$SYNC_SUMMARY")"
  sync_table "$bytes" "$ingest" "$copy" | tee "$SCRATCH/sync.md"
  record_result "sync: $SYNC_PROFILE corpus ($(sync_corpus_facts)), registry → empty registry, then a no-op rerun" \
    "$(printf '%s\n%s' \
      "ferry sync -c PLAN${SYNC_JOBS:+ --jobs $SYNC_JOBS}   # PLAN: source SRC/bench/*, target DST/ (tls: disabled for both)" \
      "skopeo sync --src yaml --dest docker --all --preserve-digests --dest-tls-verify=false SRC.yaml DST/bench   # SRC.yaml: tls-verify: false, the corpus's repositories")" \
    <"$SCRATCH/sync.md"
}

# Median of column `col` (3 secs, 4 KiB, 5 src requests, 6 dst requests, 7 PUTs, 8 registry
# CPU seconds, 9 source registry CPU, 10 target registry CPU, 11 the tool's CPU) for tool+phase.
sync_median() { awk -v t="$1" -v p="$2" -v c="$3" '$1 == t && $2 == p { print $c }' "$SCRATCH/sync.tsv" | median; }

# One table row: label, phase, tsv column, divisor, printf format of the values, target.
sync_row() {
  local label="$1" phase="$2" col="$3" div="$4" fmt="$5" target="$6" f s
  f="$(sync_median ferry "$phase" "$col")"
  s="$(sync_median skopeo "$phase" "$col")"
  awk -v l="$label" -v f="$f" -v s="$s" -v d="$div" -v fmt="$fmt" -v t="$target" 'BEGIN {
    printf "| %s | " fmt " | " fmt " | %s | %s |\n", l, f / d, s / d, (s > 0) ? sprintf("%.2f", f / s) : "–", t }'
}

sync_table() {
  local bytes="$1" ingest="$2" copy="$3" secs f c
  echo "| measure (median of $REPS) | ferry | skopeo | ferry / skopeo | target |"
  echo "|---|---:|---:|---:|---|"
  sync_row "cold sync wall time (s)" cold 3 1 %.2f "≤ 0.40"
  sync_row "no-op resync wall time (s)" noop 3 1 %.2f "≤ 0.15"
  sync_row "cold: requests to the target" cold 6 1 %d ""
  sync_row "cold: requests to the source" cold 5 1 %d ""
  sync_row "no-op: requests to the target" noop 6 1 %d ""
  sync_row "no-op: requests to the source" noop 5 1 %d ""
  sync_row "no-op: manifest PUTs" noop 7 1 %d "ferry: 0"
  sync_row "cold: CPU seconds of both registries" cold 8 1 %.1f ""
  sync_row "cold: peak RSS (MiB)" cold 4 1024 %.1f ""
  sync_row "no-op: peak RSS (MiB)" noop 4 1024 %.1f ""
  sync_row "cold: CPU seconds of the source registry" cold 9 1 %.1f ""
  sync_row "cold: CPU seconds of the target registry" cold 10 1 %.1f ""
  sync_row "no-op: CPU seconds of both registries" noop 8 1 %.1f ""
  sync_row "cold: client CPU seconds (user + sys)" cold 11 1 %.2f ""
  sync_row "no-op: client CPU seconds (user + sys)" noop 11 1 %.2f ""
  secs="$(sync_median ferry cold 3)"
  echo
  echo "ferry cold throughput: $(awk -v b="$bytes" -v s="$secs" 'BEGIN { printf "%.0f", b / 1048576 / s }') MiB/s of unique blob bytes."
  echo
  echo "Floors (the corpus's unique blobs, POST + PUT 8 at a time from a bare keep-alive client, one run):"
  echo
  echo "| floor | seconds | registry CPU seconds | ferry cold / floor | source / target registry CPU seconds | client CPU seconds |"
  echo "|---|---:|---:|---:|---:|---:|"
  local label src dst client
  for row in "ingest: read from the layout on disk (page cache), no source registry|$ingest" \
    "copy: each blob streamed from a GET at the source into its PUT|$copy"; do
    label="${row%%|*}"
    read -r f c src dst client <<<"${row#*|}"
    awk -v l="$label" -v f="$f" -v c="$c" -v s="$secs" -v a="$src" -v b="$dst" -v k="$client" \
      'BEGIN { printf "| %s | %.2f | %.1f | %.2f | %.1f / %.1f | %.2f |\n", l, f, c, s / f, a, b, k }'
  done
}

# ---------------------------------------------------------------------------- export

# ferry export of the bench corpus into one OCI layout directory vs skopeo sync --dest dir
# (one directory per image, blobs repeated): wall time, peak RSS, bytes on disk and CPU seconds.
bench_export() {
  registry_start bench-sync-src
  sync_corpus_ready
  sync_write_inputs
  local rep tool out secs kib cpu bytes unique
  : >"$SCRATCH/export.tsv"
  for rep in $(seq "$REPS"); do
    for tool in ferry skopeo; do
      out="$SCRATCH/export-$tool"
      rm -rf "$out"
      if [ "$tool" = ferry ]; then
        read -r secs kib cpu < <(measure env -u REGISTRY_AUTH_FILE -u DOCKER_CONFIG HOME="$SCRATCH/ferry-home" \
          "$FERRY_BIN" export -c "$SCRATCH/sync-plan.yaml" "$out")
      else
        mkdir -p "$out"
        read -r secs kib cpu < <(skopeo_measured cold sync --src yaml --dest dir --all --preserve-digests \
          "$SCRATCH/sync-skopeo.yaml" "$out")
      fi
      bytes="$(du -sb "$out" | cut -f1)"
      log "export $tool: ${secs} s, peak RSS ${kib} KiB, CPU ${cpu} s, ${bytes} bytes on disk"
      printf '%s\t%s\t%s\t%s\t%s\n' "$tool" "$secs" "$kib" "$bytes" "$cpu" >>"$SCRATCH/export.tsv"
    done
  done
  registry_stop bench-sync-src
  unique="$("$PYTHON" -c 'import json,sys; print(json.load(open(sys.argv[1]))["unique_bytes"])' "$SYNC_SUMMARY")"
  export_table "$unique" | tee "$SCRATCH/export.md"
  record_result "export: $SYNC_PROFILE corpus (registry → one directory), $((unique / 1048576)) MiB unique" \
    "$(printf '%s\n%s' "ferry export -c PLAN DIR" \
      "skopeo sync --src yaml --dest dir --all --preserve-digests SRC.yaml DIR")" <"$SCRATCH/export.md"
}

export_median() { awk -v t="$1" -v c="$2" '$1 == t { print $c }' "$SCRATCH/export.tsv" | median; }

export_table() {
  local unique="$1" f s col label div fmt
  echo "| measure (median of $REPS) | ferry | skopeo | ferry / skopeo |"
  echo "|---|---:|---:|---:|"
  for row in "wall time (s):2:1:%.2f" "peak RSS (MiB):3:1024:%.1f" "bytes on disk (MiB):4:1048576:%.1f" \
    "CPU user + sys (s):5:1:%.2f"; do
    IFS=: read -r label col div fmt <<<"$row"
    f="$(export_median ferry "$col")"
    s="$(export_median skopeo "$col")"
    awk -v l="$label" -v f="$f" -v s="$s" -v d="$div" -v fmt="$fmt" 'BEGIN {
      printf "| %s | " fmt " | " fmt " | %s |\n", l, f / d, s / d, (s > 0) ? sprintf("%.2f", f / s) : "–" }'
  done
  f="$(export_median ferry 4)"
  awk -v b="$unique" -v f="$f" 'BEGIN { printf "\nferry bundle size / unique blob bytes: %.3f\n", f / b }'
}

# ---------------------------------------------------------------------------- more benchmarks

source "$ROOT/scripts/bench-scale.sh"
source "$ROOT/scripts/bench-auth.sh"
# shellcheck source=scripts/bench-wan.sh
source "$ROOT/scripts/bench-wan.sh"

# shellcheck source=scripts/bench-latency.sh
source "$ROOT/scripts/bench-latency.sh"
# shellcheck source=scripts/bench-soak.sh
source "$ROOT/scripts/bench-soak.sh"

# ---------------------------------------------------------------------------- main

main() {
  local wanted=("$@") name
  # The command line that reproduces this run, with every BENCH_* setting and FERRY_BIN:
  # machine_facts writes it into each section of BENCHMARKS.md.
  INVOCATION="$(env | grep -E '^(BENCH_[A-Z_]+|FERRY_BIN)=' | sort | tr '\n' ' ')bash scripts/bench.sh $*"
  [ ${#wanted[@]} -eq 0 ] && wanted=(all)
  [ "${wanted[0]}" = all ] && wanted=("${BENCHES[@]}")
  for name in "${wanted[@]}"; do
    declare -F "bench_${name//-/_}" >/dev/null || die "unknown benchmark '$name' (known: ${BENCHES[*]} scale sync-auth htpasswd soak wan all)"
  done
  [ -x "$FERRY_BIN" ] || die "ferry binary not found at $FERRY_BIN (set FERRY_BIN)"
  for tool in docker-registry skopeo curl /usr/bin/time; do
    command -v "$tool" >/dev/null || die "$tool is missing (scripts/install-deps.sh)"
  done
  mkdir -p "$BENCH_DIR/tmp"
  SCRATCH="$(mktemp -d "$BENCH_DIR/tmp/run.XXXXXX")"
  mkdir -p "$SCRATCH/ferry-home"
  trap cleanup EXIT
  for name in "${wanted[@]}"; do
    log "benchmark: $name"
    "bench_${name//-/_}"
  done
}

main "$@"
