# The soak benchmark of scripts/bench.sh (sourced by it): `ferry cron` for BENCH_SOAK_MINUTES
# (default 10) against the token-auth registry of scripts/registry.sh (in $FERRY_WORK/bench/auth,
# as sync-auth uses it: port FERRY_PORT_BASE+54, token server +55), so every run needs bearer
# tokens, which the daemon's one client pool must reuse (the token server's TTL is 300 s).
# A schedule fires every 2 s and a Harbor-shaped webhook post arrives every second, both for
# the same small image (soak/app:1 -> soak/mirror:1, unchanged after the first run). Reported at
# the start (after a 10 s warm-up) and at the end: RSS, open descriptors, threads, the length
# of the redaction list (ferry_redaction_secrets), runs (scheduled and webhook) and tokens
# fetched (the token server's log). Goal (issue 25): flat — RSS growth at most 8 MiB over 10
# minutes, descriptors and threads unchanged.

SOAK_MINUTES="${BENCH_SOAK_MINUTES:-10}"
SOAK_LISTEN_PORT=$((PORT_BASE + 140))

# "rss_kib fds threads secrets runs webhook_runs tokens" of the daemon `pid` now.
soak_sample() {
  local pid="$1" metrics rss threads fds tokens
  metrics="$(curl -s "http://127.0.0.1:$SOAK_LISTEN_PORT/metrics")"
  rss="$(awk '/^VmRSS:/ { print $2 }' "/proc/$pid/status")"
  threads="$(awk '/^Threads:/ { print $2 }' "/proc/$pid/status")"
  fds="$(find "/proc/$pid/fd" -mindepth 1 -maxdepth 1 | wc -l)"
  tokens="$(grep -c '"status": 200' "$(auth_dir token)/token-server.log" || true)"
  awk -v rss="$rss" -v fds="$fds" -v threads="$threads" -v tokens="$tokens" '
    /^ferry_redaction_secrets / { secrets = $2 }
    /^ferry_sync_runs_total\{job="every2s"/ { runs += $2 }
    /^ferry_sync_runs_total\{job="webhook"/ { hooks += $2 }
    END { printf "%d %d %d %d %d %d %d\n", rss, fds, threads, secrets, runs, hooks, tokens }' <<<"$metrics"
}

bench_soak() {
  local host token_file pw plan pid poster start_sample end_sample
  auth_wipe token
  host="$(auth_host token)"
  pw="$SCRATCH/soak.pw"
  cut -d: -f2- "$(auth_dir token)/credentials" | tr -d '\n' >"$pw"
  # One small image, built as files (scripts/ocilayout.py), pushed with skopeo.
  ROOT="$ROOT" "$PYTHON" - "$SCRATCH/soak-layout" <<'PY'
import sys
sys.path.insert(0, __import__("os").path.join(__import__("os").environ["ROOT"], "scripts"))
import ocilayout
layout = ocilayout.Layout(sys.argv[1])
layer = layout.layer("soak", [("etc/soak.txt", 4096)])
layout.tag("1", layout.image("linux/amd64", [layer]))
layout.save()
PY
  skopeo copy -q --dest-tls-verify=false --dest-creds "$(cat "$(auth_dir token)/credentials")" \
    "oci:$SCRATCH/soak-layout:1" "docker://$host/soak/app:1" >&2
  token_file="$SCRATCH/soak-hook-token"
  echo "soak-hook-$RANDOM$RANDOM" >"$token_file"
  plan="$SCRATCH/soak-plan.yaml"
  cat >"$plan" <<EOF2
version: 1
registries:
  "$host": {tls: disabled, credentials: {username: ferry, password_file: $pw}}
webhooks: {token_file: $token_file}
sync:
  - name: soak
    source: $host/soak/app
    target: $host/soak/mirror
schedule:
  - name: every2s
    cron: "*/2 * * * * *"
    jobs: [soak]
EOF2
  env -u REGISTRY_AUTH_FILE -u DOCKER_CONFIG HOME="$SCRATCH/ferry-home" \
    "$FERRY_BIN" --log-level warn cron -c "$plan" --listen "127.0.0.1:$SOAK_LISTEN_PORT" 2>"$SCRATCH/soak.log" &
  pid=$!
  local payload
  payload="{\"type\":\"PUSH_ARTIFACT\",\"event_data\":{\"resources\":[{\"tag\":\"1\",\"resource_url\":\"$host/soak/app:1\"}],\"repository\":{\"repo_full_name\":\"soak/app\"}}}"
  (
    while kill -0 "$pid" 2>/dev/null; do
      curl -s -o /dev/null -X POST -H "Authorization: Bearer $(cat "$token_file")" \
        -H 'Content-Type: application/json' --data "$payload" "http://127.0.0.1:$SOAK_LISTEN_PORT/hooks/registry" || true
      sleep 1
    done
  ) &
  poster=$!
  sleep 10
  kill -0 "$pid" 2>/dev/null || die "ferry cron exited; see $SCRATCH/soak.log"
  start_sample="$(soak_sample "$pid")"
  log "soak: start: $start_sample (rss_kib fds threads secrets runs webhook_runs tokens); running ${SOAK_MINUTES} min"
  sleep $((SOAK_MINUTES * 60))
  kill -0 "$pid" 2>/dev/null || die "ferry cron exited; see $SCRATCH/soak.log"
  end_sample="$(soak_sample "$pid")"
  log "soak: end: $end_sample"
  local stop_start stop_ms
  stop_start="$(date +%s%N)"
  kill -TERM "$pid"
  wait "$pid" || true
  stop_ms=$(( ($(date +%s%N) - stop_start) / 1000000 ))
  kill "$poster" 2>/dev/null || true
  wait "$poster" 2>/dev/null || true
  auth_cleanup
  local failed
  failed="$(grep -c 'failed' "$SCRATCH/soak.log" || true)"
  {
    echo "| | RSS (MiB) | open fds | threads | redaction list | scheduled runs | webhook runs | tokens fetched |"
    echo "|---|---:|---:|---:|---:|---:|---:|---:|"
    for row in "start (after 10 s):$start_sample" "end (after ${SOAK_MINUTES} min more):$end_sample"; do
      read -r rss fds threads secrets runs hooks tokens <<<"${row#*:}"
      awk -v l="${row%%:*}" -v r="$rss" -v f="$fds" -v t="$threads" -v s="$secrets" -v n="$runs" -v h="$hooks" -v k="$tokens" \
        'BEGIN { printf "| %s | %.1f | %d | %d | %d | %d | %d | %d |\n", l, r / 1024, f, t, s, n, h, k }'
    done
    echo
    echo "SIGTERM at the end: exited in ${stop_ms} ms. Log lines at warn or above naming a failure: $failed."
  } | tee "$SCRATCH/soak.md"
  record_result "soak: ferry cron for ${SOAK_MINUTES} min, 2 s firings and a webhook post every second, token-auth registry" \
    "$(printf '%s\n%s' "BENCH_SOAK_MINUTES=$SOAK_MINUTES bash scripts/bench.sh soak" \
      "ferry --log-level warn cron -c PLAN --listen 127.0.0.1:PORT   # schedule */2 * * * * *, webhook posts every 1 s")" \
    <"$SCRATCH/soak.md"
}
