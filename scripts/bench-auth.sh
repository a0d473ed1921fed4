# The sync-auth benchmark of scripts/bench.sh (sourced by it): the medium sync benchmark's
# corpus (bench-sync-src, plain HTTP) synced by ferry and skopeo into three empty targets in
# the same run — the plain-HTTP bench-sync-dst, an HTTPS + htpasswd registry and a token-auth
# registry (both from scripts/registry.sh, in $FERRY_WORK/bench/auth, ports FERRY_PORT_BASE+53
# and +54, token server +55) — cold, then a no-op rerun. Counts per run: requests at the
# target (access log), token requests (the token server's log), and ferry's new connections
# (TLS handshakes on the HTTPS target; from ferry's debug log, which marks a request that
# opened a connection). skopeo's connections are not counted (no log of them).
#
# Environment: BENCH_AUTH_REPS (default BENCH_REPS), BENCH_AUTH_SKOPEO=0 leaves skopeo out,
# BENCH_AUTH_KINDS (default "plain tls token") picks the targets.
#
# The htpasswd benchmark (bench_htpasswd, at the end) measures what Basic auth costs that
# registry, without ferry: BENCH_HTPASSWD_REQUESTS (default 800) `GET /v2/` from curl.

AUTH_WORK="$BENCH_DIR/auth"
AUTH_PORT_BASE=$((PORT_BASE + 50))
AUTH_STARTED=()

auth_registry() { FERRY_WORK="$AUTH_WORK" FERRY_PORT_BASE="$AUTH_PORT_BASE" bash "$ROOT/scripts/registry.sh" "$@" >&2; }
auth_dir() { echo "$AUTH_WORK/registries/$1"; }
auth_host() {
  case "$1" in
    plain) echo "127.0.0.1:${REGISTRY_PORT[bench-sync-dst]}" ;;
    tls) echo "127.0.0.1:$((AUTH_PORT_BASE + 3))" ;;
    token) echo "127.0.0.1:$((AUTH_PORT_BASE + 4))" ;;
  esac
}
auth_log() {
  case "$1" in
    plain) echo "$(registry_dir bench-sync-dst)/registry.log" ;;
    *) echo "$(auth_dir "$1")/access.log" ;;
  esac
}
auth_size() { stat -c %s "$1" 2>/dev/null || echo 0; }

# An empty target of kind plain|tls|token.
auth_wipe() {
  if [ "$1" = plain ]; then registry_wipe bench-sync-dst; else
    auth_registry reset "$1"
    [[ " ${AUTH_STARTED[*]} " == *" $1 "* ]] || AUTH_STARTED+=("$1")
  fi
}

auth_cleanup() {
  local name
  for name in "${AUTH_STARTED[@]}"; do auth_registry stop "$name"; done
  AUTH_STARTED=()
}

auth_write_inputs() {
  local kind="$1" src="127.0.0.1:${REGISTRY_PORT[bench-sync-src]}" dst pw
  dst="$(auth_host "$kind")"
  pw="$SCRATCH/auth-$kind.pw"
  {
    printf 'version: 1\nregistries:\n  "%s": {tls: disabled}\n' "$src"
    case "$kind" in
      plain) printf '  "%s": {tls: disabled}\n' "$dst" ;;
      tls) printf '  "%s": {tls: verify, ca_file: %s, credentials: {username: ferry, password_file: %s}}\n' \
        "$dst" "$AUTH_WORK/pki/ca.crt" "$pw" ;;
      token) printf '  "%s": {tls: disabled, credentials: {username: ferry, password_file: %s}}\n' "$dst" "$pw" ;;
    esac
    printf 'sync:\n  - name: bench\n    source: %s/bench/*\n    target: %s/\n' "$src" "$dst"
  } >"$SCRATCH/auth-$kind.yaml"
  [ "$kind" = plain ] || cut -d: -f2- "$(auth_dir "$kind")/credentials" | tr -d '\n' >"$pw"
}

# skopeo's destination flags for a target kind.
auth_skopeo_flags() {
  case "$1" in
    plain) echo "--dest-tls-verify=false" ;;
    tls) echo "--dest-cert-dir=$AUTH_WORK/pki/cert-dir --dest-creds=$(cat "$(auth_dir tls)/credentials")" ;;
    token) echo "--dest-tls-verify=false --dest-creds=$(cat "$(auth_dir token)/credentials")" ;;
  esac
}

# One run: appends "tool kind phase secs kib dst_requests tokens connections cpu" to auth.tsv
# (cpu: the tool's own user + sys seconds).
auth_run() {
  local tool="$1" kind="$2" phase="$3" log mark tok_log tok_mark secs kib cpu requests tokens conns=-
  log="$(auth_log "$kind")"
  tok_log="$(auth_dir token)/token-server.log"
  mark="$(auth_size "$log")" tok_mark="$(auth_size "$tok_log")"
  if [ "$tool" = ferry ]; then
    read -r secs kib cpu < <(measure env -u REGISTRY_AUTH_FILE -u DOCKER_CONFIG HOME="$SCRATCH/ferry-home" \
      "$FERRY_BIN" --log-level debug sync -c "$SCRATCH/auth-$kind.yaml" --state "$SCRATCH/auth-state.json")
    conns="$(grep -c "//$(auth_host "$kind")/.* new-connection" "$SCRATCH/cmd.err" || true)"
  else
    # shellcheck disable=SC2046  # the flags are words
    read -r secs kib cpu < <(skopeo_measured "$phase" sync --src yaml --dest docker --all --preserve-digests \
      $(auth_skopeo_flags "$kind") "$SCRATCH/sync-skopeo.yaml" "$(auth_host "$kind")/bench")
  fi
  sleep 0.3
  requests="$(tail -c +"$((mark + 1))" "$log" | grep -cE '^[^ ]+ - [^ ]+ \[[^]]+\] "[A-Z]+ [^ ]+ HTTP' || true)"
  tokens=0
  [ "$kind" = token ] && tokens="$(tail -c +"$((tok_mark + 1))" "$tok_log" | grep -c '"status": 200' || true)"
  log "sync-auth $tool $kind $phase: ${secs} s, peak RSS ${kib} KiB, CPU ${cpu} s, target requests $requests, tokens $tokens, new connections $conns"
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$tool" "$kind" "$phase" "$secs" "$kib" "$requests" "$tokens" "$conns" \
    "$cpu" >>"$SCRATCH/auth.tsv"
}

bench_sync_auth() {
  registry_start bench-sync-src
  sync_corpus_ready
  sync_write_inputs
  local rep kind tool reps="${BENCH_AUTH_REPS:-$REPS}" tools=(ferry skopeo) kinds
  read -r -a kinds <<<"${BENCH_AUTH_KINDS:-plain tls token}"
  [ "${BENCH_AUTH_SKOPEO:-1}" = 1 ] || tools=(ferry)
  : >"$SCRATCH/auth.tsv"
  for kind in "${kinds[@]}"; do [ "$kind" = plain ] || auth_wipe "$kind"; done
  for kind in "${kinds[@]}"; do auth_write_inputs "$kind"; done
  for rep in $(seq "$reps"); do
    for kind in "${kinds[@]}"; do
      for tool in "${tools[@]}"; do
        auth_wipe "$kind"
        auth_run "$tool" "$kind" cold
        auth_run "$tool" "$kind" noop
      done
    done
  done
  auth_cleanup
  registry_stop bench-sync-dst
  registry_stop bench-sync-src
  auth_table "$reps" "${kinds[@]}" | tee "$SCRATCH/auth.md"
  record_result "sync-auth: bench corpus into a plain-HTTP, an HTTPS+htpasswd and a token-auth target, cold then no-op" \
    "$(printf '%s\n%s' \
      "ferry --log-level debug sync -c PLAN   # source SRC/bench/* (plain HTTP), target DST/ with the target's tls and credentials" \
      "skopeo sync --src yaml --dest docker --all --preserve-digests [--dest-cert-dir CA] [--dest-creds U:P] SRC.yaml DST/bench")" \
    <"$SCRATCH/auth.md"
}

auth_median() { awk -v t="$1" -v k="$2" -v p="$3" -v c="$4" '$1 == t && $2 == k && $3 == p { print $c }' "$SCRATCH/auth.tsv" | median; }

auth_table() {
  local reps="$1" kind phase plain_cold
  shift
  plain_cold="$(auth_median ferry plain cold 4)"
  echo "| target | run | ferry (s) | skopeo (s) | ferry / skopeo | ferry / ferry plain | ferry requests | skopeo requests | tokens ferry / skopeo | ferry new connections | ferry peak RSS (MiB) | ferry CPU user + sys (s) |"
  echo "|---|---|---:|---:|---:|---:|---:|---:|---|---:|---:|---:|"
  for kind in "$@"; do
    for phase in cold noop; do
      awk -v k="$kind" -v p="$phase" -v base="$plain_cold" -v basen="$(auth_median ferry plain noop 4)" \
        -v f="$(auth_median ferry "$kind" "$phase" 4)" -v s="$(auth_median skopeo "$kind" "$phase" 4)" \
        -v fr="$(auth_median ferry "$kind" "$phase" 6)" -v sr="$(auth_median skopeo "$kind" "$phase" 6)" \
        -v ft="$(auth_median ferry "$kind" "$phase" 7)" -v st="$(auth_median skopeo "$kind" "$phase" 7)" \
        -v fc="$(auth_median ferry "$kind" "$phase" 8)" -v fk="$(auth_median ferry "$kind" "$phase" 5)" \
        -v fu="$(auth_median ferry "$kind" "$phase" 9)" 'BEGIN {
          b = (p == "cold") ? base : basen
          printf "| %s | %s | %.2f | %s | %s | %s | %d | %s | %s / %s | %s | %.1f | %.2f |\n", k, p, f,
            (s + 0 > 0) ? sprintf("%.2f", s) : "–", (s + 0 > 0) ? sprintf("%.2f", f / s) : "–",
            (b + 0 > 0) ? sprintf("%.2f", f / b) : "–", fr, (sr + 0 > 0) ? sr : "–",
            (k == "token") ? ft : "–", (k == "token" && sr + 0 > 0) ? st : "–", fc, fk / 1024, fu }'
    done
  done
  echo
  echo "Medians of $reps runs. Goal: ferry over TLS+htpasswd and over token auth within 1.2 × its plain-HTTP time;"
  echo "one token per repository scope, one connection per host and worker."
}

# ---------------------------------------------------------------------------- htpasswd

# The registry's price of Basic auth: BENCH_HTPASSWD_REQUESTS (default 800) `GET /v2/` over
# TLS to the HTTPS + htpasswd target, from curl (--parallel, 8 at a time, keep-alive), without
# credentials (every answer 401) and with them (every answer 200), BENCH_REPS times each.
# The registry's CPU seconds (/proc/PID/stat) per batch; the difference per request is the
# bcrypt check docker-registry runs on every Basic-authenticated request (TESTING.md).
bench_htpasswd() {
  local n="${BENCH_HTPASSWD_REQUESTS:-800}" cfg="$SCRATCH/htpasswd.curl" pid mode a codes want
  local creds=()
  auth_wipe tls
  pid="$(cat "$(auth_dir tls)/registry.pid")"
  for _ in $(seq "$n"); do printf 'url = "https://%s/v2/"\noutput = "/dev/null"\n' "$(auth_host tls)"; done >"$cfg"
  : >"$SCRATCH/htpasswd.tsv"
  for _ in $(seq "$REPS"); do
    for mode in anonymous basic; do
      creds=() want=401
      [ "$mode" = basic ] && creds=(--user "$(cat "$(auth_dir tls)/credentials")") want=200
      a="$(pid_cpu "$pid")"
      codes="$(curl --silent --no-progress-meter --parallel --parallel-max 8 --cacert "$AUTH_WORK/pki/ca.crt" \
        "${creds[@]}" --write-out '%{http_code}\n' --config "$cfg" | sort | uniq -c | awk '{ printf "%s:%s ", $2, $1 }')"
      [ "$codes" = "$want:$n " ] || die "htpasswd $mode: expected $n answers $want, got $codes"
      a="$(awk -v a="$a" -v b="$(pid_cpu "$pid")" 'BEGIN { printf "%.2f", b - a }')"
      log "htpasswd $mode: $n requests, registry CPU $a s"
      printf '%s\t%s\n' "$mode" "$a" >>"$SCRATCH/htpasswd.tsv"
    done
  done
  auth_cleanup
  htpasswd_table "$n" | tee "$SCRATCH/htpasswd.md"
  record_result "htpasswd: registry CPU of Basic auth, $n GET /v2/ over TLS" \
    "curl --parallel --parallel-max 8 --cacert CA [--user U:P] --config URLS   # URLS: $n x https://DST/v2/; registry CPU from /proc/PID/stat before and after" \
    <"$SCRATCH/htpasswd.md"
}

htpasswd_table() {
  local n="$1" anon basic
  anon="$(awk '$1 == "anonymous" { print $2 }' "$SCRATCH/htpasswd.tsv" | median)"
  basic="$(awk '$1 == "basic" { print $2 }' "$SCRATCH/htpasswd.tsv" | median)"
  echo "| requests | registry CPU (s), no credentials (401) | registry CPU (s), Basic credentials (200) | difference per request (ms) |"
  echo "|---:|---:|---:|---:|"
  awk -v n="$n" -v a="$anon" -v b="$basic" 'BEGIN { printf "| %d | %.2f | %.2f | %.2f |\n", n, a, b, (b - a) * 1000 / n }'
  echo
  echo "Medians of $REPS batches."
}
