# The WAN benchmark of scripts/bench.sh (sourced by it; uses its measuring helpers): a sync
# across a real distance. A delay proxy (scripts/delay_proxy.py: every byte in both directions
# held RTT/2, a new connection's first bytes 1.5 × RTT, order and throughput kept) stands in
# front of the source and in front of the target; ferry (and skopeo) sync through both, cold
# (empty target) and again (no-op), at each round-trip time, over plain HTTP and over TLS.
#
# Registries come from scripts/registry.sh with a work area and port base of their own:
#   $FERRY_WORK/bench/wan/a, FERRY_PORT_BASE+60: src (+61, plain source), dst (+62, plain
#     target), tls (+63, TLS + htpasswd source)
#   $FERRY_WORK/bench/wan/b, FERRY_PORT_BASE+70: tls (+73, TLS + htpasswd target)
# (each TLS registry has its own CA; docker-registry offers HTTP/2 over TLS). The proxies listen
# on free ports (port 0). The plain source is seeded by scripts/make-corpus and
# scripts/scale-corpus, the TLS source by ferry from the plain one on loopback (no proxy); both
# are kept between runs.
#
# Corpora:
#   multi  make-corpus --profile wan: bench/wan-0 … wan-3, 5 tags each = 20 multi-arch tags,
#          3 platforms, ~100 MiB unique (BENCH_WAN_SIZE=small: wan-small, 2 × 2 tags, ~6 MiB)
#   tiny   scale-corpus: BENCH_WAN_TINY_REPOS repositories of one image (default 300; small 20)
#          + one repository of BENCH_WAN_TINY_TAGS tags (default 300; small 20), every image a
#          two-platform index of tiny layers
#
# Per run: wall time; the round trips on the critical path (wall ÷ RTT: an upper bound, CPU
# time included); requests (access-log lines of the source and the target registries);
# connections opened (the proxies' logs); TLS handshakes (connections to a TLS port: each is
# one handshake, full or resumed); peak RSS.
#
# Environment:
#   BENCH_WAN_SIZE        default | small
#   BENCH_WAN_CORPORA     default "multi tiny"
#   BENCH_WAN_RTTS        round-trip times in ms, default "50 100"
#   BENCH_WAN_LINKS       default "http tls"
#   BENCH_WAN_SKOPEO      corpora skopeo runs on: default "multi" (a skopeo run of the tiny
#                         corpus takes ~13 minutes at 50 ms), "multi tiny", or "none"
#   BENCH_WAN_BASELINE    another ferry binary (e.g. built from main), measured the same way in
#                         the same run, interleaved with FERRY_BIN
#   BENCH_WAN_JOBS        ferry sync --jobs N (default: the plan default)

WAN_WORK="$BENCH_DIR/wan"
WAN_A_BASE=$((PORT_BASE + 60))
WAN_B_BASE=$((PORT_BASE + 70))
WAN_STARTED=()
WAN_PROXIES=()

wan_registry() {  # a|b, then registry.sh's arguments
  local side="$1"
  shift
  local base="$WAN_A_BASE"
  [ "$side" = b ] && base="$WAN_B_BASE"
  FERRY_WORK="$WAN_WORK/$side" FERRY_PORT_BASE="$base" bash "$ROOT/scripts/registry.sh" "$@" >&2
}
wan_dir() { echo "$WAN_WORK/$1/registries/$2"; }  # side, name
wan_up() {  # side name: started unless running; stopped at exit
  wan_registry "$1" start "$2"
  [[ " ${WAN_STARTED[*]} " == *" $1:$2 "* ]] || WAN_STARTED+=("$1:$2")
}

wan_cleanup() {
  local entry pid
  for pid in "${WAN_PROXIES[@]}"; do kill "$pid" 2>/dev/null || true; done
  WAN_PROXIES=()
  for entry in "${WAN_STARTED[@]}"; do wan_registry "${entry%%:*}" stop "${entry#*:}"; done
  WAN_STARTED=()
}

wan_sizes() {
  case "${BENCH_WAN_SIZE:-default}" in
    default) WAN_PROFILE=wan WAN_TINY_REPOS="${BENCH_WAN_TINY_REPOS:-300}" WAN_TINY_TAGS="${BENCH_WAN_TINY_TAGS:-300}" ;;
    small) WAN_PROFILE=wan-small WAN_TINY_REPOS="${BENCH_WAN_TINY_REPOS:-20}" WAN_TINY_TAGS="${BENCH_WAN_TINY_TAGS:-20}" ;;
    *) die "BENCH_WAN_SIZE must be default or small" ;;
  esac
  WAN_MULTI_SUMMARY="$BENCH_DIR/wan-$WAN_PROFILE.json"
  WAN_TINY_SUMMARY="$BENCH_DIR/wan-tiny-$WAN_TINY_REPOS-$WAN_TINY_TAGS.json"
}

# host:port of a registry of registry.sh: side, name.
wan_host() {
  local base="$WAN_A_BASE"
  [ "$1" = b ] && base="$WAN_B_BASE"
  case "$2" in src) echo "127.0.0.1:$((base + 1))" ;; dst) echo "127.0.0.1:$((base + 2))" ;; tls) echo "127.0.0.1:$((base + 3))" ;; esac
}

# Seeds the plain source with both corpora (unless its marker says so), then the TLS source
# from it with ferry on loopback.
wan_corpus_ready() {
  local marker want tls_marker
  wan_up a src
  marker="$(wan_dir a src)/storage/.ferry-wan-corpus"
  want="$WAN_PROFILE $WAN_TINY_REPOS $WAN_TINY_TAGS $(awk '/^FORMAT = / { print $3 }' "$ROOT/scripts/scale-corpus")"
  if ! { [ -f "$marker" ] && [ "$(cat "$marker")" = "$want" ] && [ -f "$WAN_MULTI_SUMMARY" ] && [ -f "$WAN_TINY_SUMMARY" ]; }; then
    wan_registry a reset src
    log "seeding the WAN source: make-corpus --profile $WAN_PROFILE, scale-corpus $WAN_TINY_REPOS + $WAN_TINY_TAGS"
    "$PYTHON" "$ROOT/scripts/make-corpus" --profile "$WAN_PROFILE" --prefix bench --registry "$(wan_host a src)" \
      --summary "$WAN_MULTI_SUMMARY" >&2
    "$PYTHON" "$ROOT/scripts/scale-corpus" seed --registry "$(wan_host a src)" --repos "$WAN_TINY_REPOS" \
      --tags "$WAN_TINY_TAGS" --summary "$WAN_TINY_SUMMARY"
    echo "$want" >"$marker"
  fi
  [[ " ${BENCH_WAN_LINKS:-http tls} " == *" tls "* ]] || return 0
  wan_up a tls
  tls_marker="$(wan_dir a tls)/storage/.ferry-wan-corpus"
  [ -f "$tls_marker" ] && [ "$(cat "$tls_marker")" = "$want" ] && return 0
  wan_registry a reset tls
  log "seeding the TLS source from the plain one (ferry, loopback)"
  cut -d: -f2- "$(wan_dir a tls)/credentials" | tr -d '\n' >"$SCRATCH/wan-seed.pw"
  chmod 600 "$SCRATCH/wan-seed.pw"
  cat >"$SCRATCH/wan-seed.yaml" <<EOF
version: 1
registries:
  "$(wan_host a src)": {tls: disabled}
  "$(wan_host a tls)": {tls: verify, ca_file: $WAN_WORK/a/pki/ca.crt, credentials: {username: ferry, password_file: $SCRATCH/wan-seed.pw}}
sync:
  - name: multi
    source: $(wan_host a src)/bench/*
    target: $(wan_host a tls)/
  - name: tiny
    source: $(wan_host a src)/scale/*
    target: $(wan_host a tls)/
EOF
  env -u REGISTRY_AUTH_FILE -u DOCKER_CONFIG HOME="$SCRATCH/ferry-home" "$FERRY_BIN" sync -c "$SCRATCH/wan-seed.yaml" \
    --state "$SCRATCH/wan-seed-state.json" >&2
  echo "$want" >"$tls_marker"
}

# Starts a delay proxy in front of $1 (host:port) at $2 ms; sets WAN_PORT to its port. $3 names
# its log.
wan_proxy() {
  local upstream="$1" rtt="$2" name="$3" i
  rm -f "$SCRATCH/proxy-$name.port"
  : >"$SCRATCH/proxy-$name.log"
  "$PYTHON" "$ROOT/scripts/delay_proxy.py" --upstream "$upstream" --rtt-ms "$rtt" \
    --port-file "$SCRATCH/proxy-$name.port" --log "$SCRATCH/proxy-$name.log" </dev/null >&2 &
  WAN_PROXIES+=($!)
  for i in $(seq 100); do
    [ -s "$SCRATCH/proxy-$name.port" ] && { WAN_PORT="$(cat "$SCRATCH/proxy-$name.port")"; return 0; }
    sleep 0.05
  done
  die "delay proxy for $upstream did not start"
}

wan_stop_proxies() {
  local pid
  for pid in "${WAN_PROXIES[@]}"; do kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done
  WAN_PROXIES=()
}

# Access-log request lines of a log file after byte offset $2.
wan_requests_after() {
  sleep 0.3  # the registry writes its access line just after answering
  tail -c +"$(($2 + 1))" "$1" | grep -cE '^[^ ]+ - [^ ]+ \[[^]]+\] "[A-Z]+ [^ ]+ HTTP' || true
}
wan_opens_after() { tail -c +"$(($2 + 1))" "$1" | grep -c '^open ' || true; }
wan_size() { stat -c %s "$1" 2>/dev/null || echo 0; }

# Every tag of corpus $1 at host $2 (directly, not through a proxy) with its source digest.
# $3 = CA file for HTTPS (empty: plain HTTP), $4 = credentials file (user:password).
wan_verify() {
  local summary="$WAN_MULTI_SUMMARY"
  [ "$1" = tiny ] && summary="$WAN_TINY_SUMMARY"
  "$PYTHON" - "$summary" "$2" "${3:-}" "${4:-}" <<'EOF'
import base64, concurrent.futures, json, ssl, sys, urllib.request
summary, host, ca, creds = sys.argv[1:5]
repos = json.load(open(summary))["repositories"]
want = {}
for repo, entry in repos.items():
    tags = entry.get("tags", entry)  # make-corpus: {"tags": {tag: descriptor}}; scale-corpus: {tag: digest}
    for tag, d in tags.items():
        want[(repo, tag)] = d["digest"] if isinstance(d, dict) else d
ctx = ssl.create_default_context(cafile=ca) if ca else None
headers = {"Accept": ", ".join(["application/vnd.oci.image.index.v1+json", "application/vnd.oci.image.manifest.v1+json",
                               "application/vnd.docker.distribution.manifest.list.v2+json",
                               "application/vnd.docker.distribution.manifest.v2+json"])}
if creds:
    headers["Authorization"] = "Basic " + base64.b64encode(open(creds).read().strip().encode()).decode()
scheme = "https" if ca else "http"
def check(key):
    repo, tag = key
    req = urllib.request.Request(f"{scheme}://{host}/v2/{repo}/manifests/{tag}", method="HEAD", headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=30, context=ctx) as r:
            got = r.headers.get("Docker-Content-Digest")
    except Exception as e:
        got = str(e)
    return None if got == want[key] else f"{repo}:{tag}: {got}"
with concurrent.futures.ThreadPoolExecutor(16) as pool:
    bad = [b for b in pool.map(check, want) if b]
if bad:
    sys.exit(f"{len(bad)} of {len(want)} tags wrong or missing at {host}, e.g.\n" + "\n".join(bad[:10]))
EOF
}

# Writes the ferry plan and the skopeo YAML of corpus $1 for proxies $2 (source) and $3 (target)
# on link $4.
wan_write_inputs() {
  local corpus="$1" src="$2" dst="$3" link="$4" prefix=bench summary="$WAN_MULTI_SUMMARY"
  [ "$corpus" = tiny ] && prefix=scale summary="$WAN_TINY_SUMMARY"
  local src_opts='{tls: disabled}' dst_opts='{tls: disabled}'
  if [ "$link" = tls ]; then
    cut -d: -f2- "$(wan_dir a tls)/credentials" | tr -d '\n' >"$SCRATCH/wan-src.pw"
    cut -d: -f2- "$(wan_dir b tls)/credentials" | tr -d '\n' >"$SCRATCH/wan-dst.pw"
    chmod 600 "$SCRATCH/wan-src.pw" "$SCRATCH/wan-dst.pw"
    src_opts="{tls: verify, ca_file: $WAN_WORK/a/pki/ca.crt, credentials: {username: ferry, password_file: $SCRATCH/wan-src.pw}}"
    dst_opts="{tls: verify, ca_file: $WAN_WORK/b/pki/ca.crt, credentials: {username: ferry, password_file: $SCRATCH/wan-dst.pw}}"
  fi
  printf 'version: 1\nregistries:\n  "%s": %s\n  "%s": %s\nsync:\n  - name: wan\n    source: %s/%s/*\n    target: %s/\n' \
    "$src" "$src_opts" "$dst" "$dst_opts" "$src" "$prefix" "$dst" >"$SCRATCH/wan-plan.yaml"
  {
    printf '%s:\n' "$src"
    if [ "$link" = tls ]; then
      printf '  cert-dir: %s\n  credentials:\n    username: ferry\n    password: %s\n' \
        "$WAN_WORK/a/pki/cert-dir" "$(cat "$SCRATCH/wan-src.pw")"
    else
      printf '  tls-verify: false\n'
    fi
    printf '  images:\n'
    "$PYTHON" -c 'import json, sys; [print(f"    {r}: []") for r in sorted(json.load(open(sys.argv[1]))["repositories"])]' \
      "$summary"
  } >"$SCRATCH/wan-skopeo.yaml"
}

# One measured run; appends to wan.tsv: corpus link rtt tool phase secs kib requests conns
# handshakes.
wan_run() {
  local corpus="$1" link="$2" rtt="$3" tool="$4" phase="$5" src_log dst_log
  local src_mark dst_mark psrc_mark pdst_mark secs kib cpu requests conns handshakes=0 prefix=bench
  [ "$corpus" = tiny ] && prefix=scale
  if [ "$link" = tls ]; then src_log="$(wan_dir a tls)/access.log" dst_log="$(wan_dir b tls)/access.log"
  else src_log="$(wan_dir a src)/access.log" dst_log="$(wan_dir a dst)/access.log"; fi
  src_mark="$(wan_size "$src_log")" dst_mark="$(wan_size "$dst_log")"
  psrc_mark="$(wan_size "$SCRATCH/proxy-src.log")" pdst_mark="$(wan_size "$SCRATCH/proxy-dst.log")"
  if [ "$tool" = skopeo ]; then
    local dflags=(--dest-tls-verify=false)
    [ "$link" = tls ] && dflags=(--dest-cert-dir="$WAN_WORK/b/pki/cert-dir" --dest-creds="$(cat "$(wan_dir b tls)/credentials")")
    read -r secs kib cpu < <(skopeo_measured "$phase" sync --src yaml --dest docker --all --preserve-digests \
      "${dflags[@]}" "$SCRATCH/wan-skopeo.yaml" "$WAN_DST/$prefix")
  else
    local bin="$FERRY_BIN"
    [ "$tool" = baseline ] && bin="$BENCH_WAN_BASELINE"
    read -r secs kib cpu < <(measure env -u REGISTRY_AUTH_FILE -u DOCKER_CONFIG HOME="$SCRATCH/ferry-home" \
      "$bin" sync -c "$SCRATCH/wan-plan.yaml" --state "$SCRATCH/wan-state-$tool.json" \
      ${BENCH_WAN_JOBS:+--jobs "$BENCH_WAN_JOBS"})
  fi
  requests=$(($(wan_requests_after "$src_log" "$src_mark") + $(wan_requests_after "$dst_log" "$dst_mark")))
  conns=$(($(wan_opens_after "$SCRATCH/proxy-src.log" "$psrc_mark") + $(wan_opens_after "$SCRATCH/proxy-dst.log" "$pdst_mark")))
  [ "$link" = tls ] && handshakes="$conns"
  log "wan $corpus $link ${rtt}ms $tool $phase: ${secs} s, $requests requests, $conns connections, $handshakes TLS handshakes, peak RSS ${kib} KiB"
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$corpus" "$link" "$rtt" "$tool" "$phase" "$secs" "$kib" \
    "$requests" "$conns" "$handshakes" >>"$SCRATCH/wan.tsv"
}

wan_reset_target() {
  if [ "$1" = tls ]; then wan_registry b reset tls; else wan_registry a reset dst; fi
}

bench_wan() {
  wan_sizes
  local corpora="${BENCH_WAN_CORPORA:-multi tiny}" rtts="${BENCH_WAN_RTTS:-50 100}" links="${BENCH_WAN_LINKS:-http tls}"
  local skopeo_on="${BENCH_WAN_SKOPEO:-multi}" corpus link rtt tool tools src dst sport dport
  [ -n "${BENCH_WAN_BASELINE:-}" ] && { [ -x "$BENCH_WAN_BASELINE" ] || die "BENCH_WAN_BASELINE is not executable"; }
  wan_corpus_ready
  : >"$SCRATCH/wan.tsv"
  for link in $links; do
    if [ "$link" = tls ]; then src="$(wan_host a tls)"; dst="$(wan_host b tls)"; wan_up b tls
    else src="$(wan_host a src)"; dst="$(wan_host a dst)"; wan_up a dst; fi
    for rtt in $rtts; do
      wan_proxy "$src" "$rtt" src
      sport="$WAN_PORT"
      wan_proxy "$dst" "$rtt" dst
      dport="$WAN_PORT"
      WAN_DST="127.0.0.1:$dport"
      for corpus in $corpora; do
        wan_write_inputs "$corpus" "127.0.0.1:$sport" "$WAN_DST" "$link"
        tools="ferry${BENCH_WAN_BASELINE:+ baseline}"
        [[ " $skopeo_on " == *" $corpus "* ]] && tools="$tools skopeo"
        for tool in $tools; do
          wan_reset_target "$link"
          rm -f "$SCRATCH/wan-state-$tool.json"
          wan_run "$corpus" "$link" "$rtt" "$tool" cold
          local ca="" creds=""
          [ "$link" = tls ] && ca="$WAN_WORK/b/pki/ca.crt" creds="$(wan_dir b tls)/credentials"
          wan_verify "$corpus" "$dst" "$ca" "$creds" || die "$tool: the target differs from the source"
          wan_run "$corpus" "$link" "$rtt" "$tool" noop
        done
      done
      wan_stop_proxies
    done
  done
  wan_cleanup
  wan_table | tee "$SCRATCH/wan.md"
  record_result "wan: sync through a delay proxy (corpora: $corpora; RTT ms: $rtts; links: $links)" \
    "$(printf '%s\n%s\n%s' \
      "ferry sync -c PLAN${BENCH_WAN_JOBS:+ --jobs $BENCH_WAN_JOBS}   # PLAN: source PROXY_SRC/bench/* (multi) or PROXY_SRC/scale/* (tiny), target PROXY_DST/" \
      "skopeo sync --src yaml --dest docker --all --preserve-digests DEST_FLAGS SRC.yaml PROXY_DST/bench|scale" \
      "python3 scripts/delay_proxy.py --upstream REGISTRY --rtt-ms RTT   # one in front of the source, one in front of the target")" \
    <"$SCRATCH/wan.md"
}

wan_table() {
  local multi tiny
  read -r multi tiny < <("$PYTHON" - "$WAN_MULTI_SUMMARY" "$WAN_TINY_SUMMARY" <<'EOF'
import json, sys
m, t = (json.load(open(p)) for p in sys.argv[1:3])
tags = sum(len(e["tags"]) for e in m["repositories"].values())
print(f"{tags}_tags_in_{len(m['repositories'])}_repositories,_{m['unique_bytes'] // 1048576}_MiB_unique",
      f"{t['images']}_images_in_{len(t['repositories'])}_repositories")
EOF
)
  multi="${multi//_/ }" tiny="${tiny//_/ }"
  echo "Corpora: multi = $multi (make-corpus --profile $WAN_PROFILE); tiny = $tiny (scale-corpus)."
  echo "One run each. Round trips = wall time ÷ RTT (an upper bound on the round trips on the critical path: CPU time counts too)."
  echo "Requests: access-log lines at the source + the target. Connections: opened through the two proxies. TLS handshakes: connections to a TLS port."
  echo
  echo "| corpus | link | RTT (ms) | tool | phase | wall (s) | round trips | requests | connections | TLS handshakes | peak RSS (MiB) |"
  echo "|---|---|---:|---|---|---:|---:|---:|---:|---:|---:|"
  awk -F'\t' '{ printf "| %s | %s | %s | %s | %s | %.2f | %.0f | %d | %d | %d | %.1f |\n", $1, $2, $3, $4, $5, $6, $6 * 1000 / $3, $8, $9, $10, $7 / 1024 }' \
    "$SCRATCH/wan.tsv"
}
