# The scale benchmark of scripts/bench.sh (sourced by it; uses its registry and measuring
# helpers): a registry of many repositories of tiny multi-arch images (scripts/scale-corpus),
# synced by ferry and by skopeo into an empty registry (cold) and again (no-op), `ferry plan`
# on the cold target, and the no-op request floor: the catalog, tag lists and manifest HEADs a
# no-op sync cannot avoid, sent by a bare keep-alive client (curl --parallel) with ferry's
# concurrency (8), and the cold floor: the target's ingest floor (scale_ingest_floor), in the
# same run. Both registries log requests: the tables give requests per image by kind, the
# CPU seconds each registry spent (from /proc/PID/stat), which on a small machine is where a
# cold sync's time goes, and the client's own CPU seconds (user + sys, /usr/bin/time).
#
# Environment:
#   BENCH_SCALE_SIZE    default (1,200 repositories of one image + one repository of 1,500
#                       tags = 2,700 images) or small (120 + 150 = 270 images)
#   BENCH_SCALE_REPOS, BENCH_SCALE_TAGS   override the size's counts
#   BENCH_SCALE_REPS    repetitions (default 1: a default-size run with skopeo takes minutes)
#   BENCH_SCALE_SKOPEO  0 = leave skopeo out (while iterating on ferry; the table says so)
#   BENCH_SCALE_BASELINE  another ferry binary (e.g. one built from main) measured the same way
#                       in the same run: its plan, cold and no-op rows are added to the tables
#   BENCH_SCALE_JOBS    ferry plan/sync --jobs N (default BENCH_JOBS, else the plan default 8);
#                       the floors' bare clients then run N at a time as well (default 8)

# Each size has its own pair of registries (the seeded source is kept between runs).
REGISTRY_PORT[bench-scale-src]=$((PORT_BASE + 41))
REGISTRY_PORT[bench-scale-dst]=$((PORT_BASE + 42))
REGISTRY_PORT[bench-scale-small-src]=$((PORT_BASE + 43))
REGISTRY_PORT[bench-scale-small-dst]=$((PORT_BASE + 44))
for name in bench-scale-src bench-scale-dst bench-scale-small-src bench-scale-small-dst; do
  REGISTRY_LOGS_REQUESTS[$name]=1
done

scale_size() {
  case "${BENCH_SCALE_SIZE:-default}" in
    default) SCALE_REPOS="${BENCH_SCALE_REPOS:-1200}" SCALE_TAGS="${BENCH_SCALE_TAGS:-1500}" SCALE_SRC=bench-scale-src ;;
    small) SCALE_REPOS="${BENCH_SCALE_REPOS:-120}" SCALE_TAGS="${BENCH_SCALE_TAGS:-150}" SCALE_SRC=bench-scale-small-src ;;
    *) die "BENCH_SCALE_SIZE must be default or small" ;;
  esac
  SCALE_DST="${SCALE_SRC%-src}-dst"
  SCALE_IMAGES=$((SCALE_REPOS + SCALE_TAGS))
  SCALE_SUMMARY="$BENCH_DIR/scale-$SCALE_REPOS-$SCALE_TAGS.json"
  SCALE_JOBS="${BENCH_SCALE_JOBS:-${BENCH_JOBS:-}}"
  SCALE_WORKERS="${SCALE_JOBS:-8}"
  [[ "$SCALE_WORKERS" =~ ^[1-9][0-9]*$ ]] || die "BENCH_SCALE_JOBS must be a positive number"
}

scale_src() { echo "127.0.0.1:${REGISTRY_PORT[$SCALE_SRC]}"; }
scale_dst() { echo "127.0.0.1:${REGISTRY_PORT[$SCALE_DST]}"; }

# Seeds bench-scale-src unless its storage holds this size's corpus from this generator.
scale_corpus_ready() {
  local marker want
  marker="$(registry_dir "$SCALE_SRC")/storage/.ferry-scale-corpus"
  want="$SCALE_REPOS $SCALE_TAGS $(awk '/^FORMAT = / { print $3 }' "$ROOT/scripts/scale-corpus")"
  [ -f "$marker" ] && [ -f "$SCALE_SUMMARY" ] && [ "$(cat "$marker")" = "$want" ] && return 0
  registry_wipe "$SCALE_SRC"
  log "seeding $SCALE_SRC: $SCALE_REPOS repositories + $SCALE_TAGS tags"
  "$PYTHON" "$ROOT/scripts/scale-corpus" seed --registry "$(scale_src)" --repos "$SCALE_REPOS" \
    --tags "$SCALE_TAGS" --summary "$SCALE_SUMMARY"
  echo "$want" >"$marker"
}

scale_write_inputs() {
  cat >"$SCRATCH/scale-plan.yaml" <<EOF
version: 1
registries:
  "$(scale_src)": {tls: disabled}
  "$(scale_dst)": {tls: disabled}
sync:
  - name: scale
    source: $(scale_src)/scale/*
    target: $(scale_dst)/
EOF
  {
    printf '%s:\n  tls-verify: false\n  images:\n' "$(scale_src)"
    "$PYTHON" -c 'import json, sys; [print(f"    {r}: []") for r in sorted(json.load(open(sys.argv[1]))["repositories"])]' \
      "$SCALE_SUMMARY"
  } >"$SCRATCH/scale-skopeo.yaml"
}

# Access-log requests of registry $1 after byte offset $2, by kind: prints "ALL k=v k=v …".
requests_by_kind() {
  local file
  file="$(registry_dir "$1")/registry.log"
  sleep 0.3  # the registry writes its access line just after answering
  tail -c +"$(($2 + 1))" "$file" | awk '
    /^[^ ]+ - [^ ]+ \[[^]]+\] "[A-Z]+ [^ ]+ HTTP/ {
      m = substr($6, 2); u = $7; all++
      if (u ~ /\/manifests\//) k = "manifest-" m
      else if (u ~ /\/blobs\/uploads\// && m == "POST") k = (u ~ /[?&]mount=/) ? "mount" : "upload-POST"
      else if (u ~ /\/blobs\/uploads\//) k = "upload-" m
      else if (u ~ /\/blobs\//) k = "blob-" m
      else if (u ~ /\/tags\/list/) k = "tag-list"
      else if (u ~ /_catalog/) k = "catalog"
      else if (u ~ /\/referrers\//) k = "referrers"
      else k = "other-" m
      n[k]++
    }
    END { printf "%d", all; for (k in n) printf " %s=%d", k, n[k]; printf "\n" }'
}

# One measured run: tool (ferry|baseline|skopeo), phase (cold|noop|plan); appends to scale.tsv:
# "tool phase secs kib src_total dst_total src_kinds dst_kinds registry_cpu src_cpu dst_cpu
# client_cpu" (kinds comma-joined; registry_cpu: CPU seconds both registries spent during the
# run, then the source's and the target's; client_cpu: the tool's own user + sys seconds).
scale_run() {
  local tool="$1" phase="$2" src_mark dst_mark secs kib client src dst src_kinds dst_kinds
  src_mark="$(log_size "$SCALE_SRC")"
  dst_mark="$(log_size "$SCALE_DST")"
  scale_cpu_mark
  if [ "$tool" != skopeo ]; then
    local verb=sync bin="$FERRY_BIN"
    [ "$phase" = plan ] && verb=plan
    [ "$tool" = baseline ] && bin="$BENCH_SCALE_BASELINE"
    read -r secs kib client < <(measure env -u REGISTRY_AUTH_FILE -u DOCKER_CONFIG HOME="$SCRATCH/ferry-home" \
      "$bin" "$verb" -c "$SCRATCH/scale-plan.yaml" --state "$SCRATCH/scale-state.json" \
      ${SCALE_JOBS:+--jobs "$SCALE_JOBS"} --report "$SCRATCH/scale-report-$phase.json")
  else
    read -r secs kib client < <(skopeo_measured "$phase" sync --src yaml --dest docker --all --preserve-digests \
      --dest-tls-verify=false "$SCRATCH/scale-skopeo.yaml" "$(scale_dst)/scale")
  fi
  local cpu
  cpu="$(scale_cpu_since)"
  read -r src src_kinds < <(requests_by_kind "$SCALE_SRC" "$src_mark")
  read -r dst dst_kinds < <(requests_by_kind "$SCALE_DST" "$dst_mark")
  log "scale $tool $phase: ${secs} s, peak RSS ${kib} KiB, CPU ${client} s, requests src $src ($src_kinds) dst $dst ($dst_kinds), registry CPU (both, source, target) ${cpu} s"
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$tool" "$phase" "$secs" "$kib" "$src" "$dst" \
    "$(tr ' ' , <<<"$src_kinds")" "$(tr ' ' , <<<"$dst_kinds")" "$(tr ' ' '\t' <<<"$cpu")" "$client" >>"$SCRATCH/scale.tsv"
}

# Marks both scale registries' CPU seconds so far (after any wipe: a wipe restarts the target).
scale_cpu_mark() {
  SCALE_SRC_CPU_MARK="$(registry_cpu "$SCALE_SRC")"
  SCALE_DST_CPU_MARK="$(registry_cpu "$SCALE_DST")"
}

# CPU seconds since scale_cpu_mark: prints "BOTH SOURCE TARGET".
scale_cpu_since() {
  local a b
  a="$(registry_cpu_since "$SCALE_SRC" "$SCALE_SRC_CPU_MARK")"
  b="$(registry_cpu_since "$SCALE_DST" "$SCALE_DST_CPU_MARK")"
  awk -v a="$a" -v b="$b" 'BEGIN { printf "%.1f %.1f %.1f\n", a + b, a, b }'
}

scale_verify() {
  "$PYTHON" "$ROOT/scripts/scale-corpus" verify --registry "$(scale_dst)" --summary "$SCALE_SUMMARY" ||
    die "$1 left the target incomplete"
}

# The no-op floor: the same catalog, tag-list and manifest HEAD requests as a no-op sync,
# sent by curl (libcurl's multi interface, keep-alive) SCALE_WORKERS (8) at a time, as ferry's
# image workers do. Appends "floor noop secs 0 requests 0 - - cpu src_cpu dst_cpu curl_cpu".
scale_floor() {
  local requests secs client cpu
  requests="$("$PYTHON" "$ROOT/scripts/scale-corpus" floor --source "$(scale_src)" --target "$(scale_dst)" \
    --summary "$SCALE_SUMMARY" --output "$SCRATCH/floor.curl")"
  scale_cpu_mark
  read -r secs _ client < <(measure curl --silent --show-error --fail --parallel --parallel-max "$SCALE_WORKERS" \
    -K "$SCRATCH/floor.curl")
  cpu="$(scale_cpu_since)"
  log "scale floor: ${secs} s for $requests requests, curl CPU ${client} s, registry CPU (both, source, target) ${cpu} s"
  printf 'floor\tnoop\t%s\t0\t%s\t0\t-\t-\t%s\t%s\n' "$secs" "$requests" "$(tr ' ' '\t' <<<"$cpu")" "$client" \
    >>"$SCRATCH/scale.tsv"
}

# The cold floor: the target registry's ingest floor, the writes a cold sync cannot avoid
# (the four shared layers uploaded once and mounted into every other repository, each
# config uploaded with POST + PUT, every manifest PUT) sent by the bare keep-alive client
# that seeds the source (scripts/scale-corpus seed), SCALE_WORKERS (8) at a time, into the
# wiped target. No source registry is read, so this is below what any registry-to-registry
# copy can reach. Appends "floor cold secs 0 0 dst_requests - kinds cpu src_cpu dst_cpu
# client_cpu" (client_cpu: the seeding client's user + sys seconds, Python).
scale_ingest_floor() {
  local dst_mark secs client dst dst_kinds cpu
  registry_wipe "$SCALE_DST"
  dst_mark="$(log_size "$SCALE_DST")"
  scale_cpu_mark
  read -r secs _ client < <(measure "$PYTHON" "$ROOT/scripts/scale-corpus" seed --registry "$(scale_dst)" \
    --repos "$SCALE_REPOS" --tags "$SCALE_TAGS" --summary "$SCRATCH/floor-summary.json" --workers "$SCALE_WORKERS")
  cpu="$(scale_cpu_since)"
  read -r dst dst_kinds < <(requests_by_kind "$SCALE_DST" "$dst_mark")
  log "scale ingest floor: ${secs} s for $dst requests, client CPU ${client} s, registry CPU (both, source, target) ${cpu} s"
  printf 'floor\tcold\t%s\t0\t0\t%s\t-\t%s\t%s\t%s\n' "$secs" "$dst" "$(tr ' ' , <<<"$dst_kinds")" \
    "$(tr ' ' '\t' <<<"$cpu")" "$client" >>"$SCRATCH/scale.tsv"
}

bench_scale() {
  scale_size
  registry_start "$SCALE_SRC"
  registry_start "$SCALE_DST"
  scale_corpus_ready
  scale_write_inputs
  local rep reps="${BENCH_SCALE_REPS:-1}" with_skopeo="${BENCH_SCALE_SKOPEO:-1}"
  : >"$SCRATCH/scale.tsv"
  for rep in $(seq "$reps"); do
    registry_wipe "$SCALE_DST"
    scale_run ferry plan
    scale_run ferry cold
    scale_verify ferry
    scale_run ferry noop
    scale_floor
    scale_ingest_floor
    if [ -n "${BENCH_SCALE_BASELINE:-}" ]; then
      registry_wipe "$SCALE_DST"
      rm -f "$SCRATCH/scale-state.json"
      scale_run baseline plan
      scale_run baseline cold
      scale_verify baseline
      scale_run baseline noop
    fi
    if [ "$with_skopeo" = 1 ]; then
      registry_wipe "$SCALE_DST"
      scale_run skopeo cold
      scale_verify skopeo
      scale_run skopeo noop
    fi
  done
  registry_stop "$SCALE_DST"
  registry_stop "$SCALE_SRC"
  scale_table "$reps" "$with_skopeo" | tee "$SCRATCH/scale.md"
  record_result "scale: $SCALE_REPOS repositories of one tiny 2-platform image + one repository of $SCALE_TAGS tags ($SCALE_IMAGES images), registry → empty registry, then a no-op rerun" \
    "$(printf '%s\n%s\n%s\n%s' \
      "ferry plan -c PLAN${SCALE_JOBS:+ --jobs $SCALE_JOBS}; ferry sync -c PLAN${SCALE_JOBS:+ --jobs $SCALE_JOBS} (twice)   # PLAN: source SRC/scale/*, target DST/ (tls: disabled)" \
      "skopeo sync --src yaml --dest docker --all --preserve-digests --dest-tls-verify=false SRC.yaml DST/scale" \
      "curl --parallel --parallel-max $SCALE_WORKERS -K FLOOR   # FLOOR (scripts/scale-corpus floor): catalog, tag lists, a manifest HEAD per image at SRC and DST" \
      "scripts/scale-corpus seed --registry DST --workers $SCALE_WORKERS   # the cold floor: the target's ingest floor, into the wiped DST")" \
    <"$SCRATCH/scale.md"
}

scale_median() { awk -v t="$1" -v p="$2" -v c="$3" '$1 == t && $2 == p { print $c }' "$SCRATCH/scale.tsv" | median; }

# A "k=v,k=v" column of the last tool+phase run, as "k v" lines.
scale_kinds() {
  awk -v t="$1" -v p="$2" -v c="$3" '$1 == t && $2 == p { last = $c } END { print last }' "$SCRATCH/scale.tsv" |
    tr , '\n' | tr = ' ' | grep -v '^-\?$' || true
}

scale_table() {
  local reps="$1" with_skopeo="$2" fc fn fp sc sn fl ic
  fc="$(scale_median ferry cold 3)" fn="$(scale_median ferry noop 3)" fp="$(scale_median ferry plan 3)"
  fl="$(scale_median floor noop 3)" ic="$(scale_median floor cold 3)"
  sc="–" sn="–"
  [ "$with_skopeo" = 1 ] && sc="$(scale_median skopeo cold 3)" sn="$(scale_median skopeo noop 3)"
  echo "| measure (median of $reps) | ferry | skopeo | floor | ferry / skopeo | ferry / floor | goal |"
  echo "|---|---:|---:|---:|---:|---:|---|"
  awk -v f="$fc" -v s="$sc" -v l="$ic" 'BEGIN { printf "| cold sync wall time (s) | %.2f | %s | %.2f | %s | %.2f | ≤ 15 s, ≤ 0.10 × skopeo |\n",
    f, s, l, (s + 0 > 0) ? sprintf("%.2f", f / s) : "–", f / l }'
  awk -v f="$fn" -v s="$sn" -v l="$fl" 'BEGIN { printf "| no-op resync wall time (s) | %.2f | %s | %.2f | %s | %.2f | ≤ 1.2 × floor |\n",
    f, s, l, (s + 0 > 0) ? sprintf("%.2f", f / s) : "–", f / l }'
  awk -v p="$fp" -v f="$fc" 'BEGIN { printf "| `ferry plan` on the cold target (s) | %.2f | – | – | – | – | ≤ cold sync (%.2f s) |\n", p, f }'
  local phase label
  for row in "cold:cold" "noop:no-op" "plan:plan"; do
    IFS=: read -r phase label <<<"$row"
    awk -v l="$label" -v n="$SCALE_IMAGES" \
      -v fs="$(scale_median ferry "$phase" 5)" -v fd="$(scale_median ferry "$phase" 6)" \
      -v ss="$( [ "$with_skopeo" = 1 ] && [ "$phase" != plan ] && scale_median skopeo "$phase" 5)" \
      -v sd="$( [ "$with_skopeo" = 1 ] && [ "$phase" != plan ] && scale_median skopeo "$phase" 6)" \
      -v fl="$(case "$phase" in noop) scale_median floor noop 5 ;; cold) scale_median floor cold 6 ;; esac)" 'BEGIN {
        f = (fs + fd) / n; s = (ss + sd) / n; x = fl / n
        printf "| %s: requests per image (source + target) | %.2f | %s | %s | %s | %s | |\n", l, f,
          (ss != "") ? sprintf("%.2f", s) : "–", (fl != "") ? sprintf("%.2f", x) : "–",
          (ss != "" && s > 0) ? sprintf("%.2f", f / s) : "–", (fl != "" && x > 0) ? sprintf("%.2f", f / x) : "–" }'
  done
  scale_cpu_rows 9 "CPU seconds of both registries" %.1f
  for phase in cold noop plan; do
    awk -v p="$phase" -v k="$(scale_median ferry "$phase" 4)" \
      -v s="$( [ "$with_skopeo" = 1 ] && [ "$phase" != plan ] && scale_median skopeo "$phase" 4)" 'BEGIN {
        printf "| %s: peak RSS (MiB) | %.1f | %s | – | %s | – | |\n", p, k / 1024,
          (s != "") ? sprintf("%.1f", s / 1024) : "–", (s != "") ? sprintf("%.2f", k / s) : "–" }'
  done
  scale_cpu_rows 10 "CPU seconds of the source registry" %.1f
  scale_cpu_rows 11 "CPU seconds of the target registry" %.1f
  scale_cpu_rows 12 "client CPU seconds (user + sys)" %.2f
  echo "
Floors: for the cold sync, the target's ingest floor (scripts/scale-corpus seed into the
wiped target: only the writes a cold sync cannot avoid, from a bare keep-alive client, $SCALE_WORKERS at a
time, no source read); for the no-op, the catalog, tag lists and manifest HEADs from curl.
The floor's client CPU is that client's (Python for the cold floor, curl for the no-op)."
  [ "$with_skopeo" = 1 ] || echo "
skopeo left out of this run (BENCH_SCALE_SKOPEO=0)."
  if [ -n "${BENCH_SCALE_BASELINE:-}" ]; then
    echo
    echo "Baseline ferry (BENCH_SCALE_BASELINE, $("$BENCH_SCALE_BASELINE" version 2>/dev/null | head -1)) in the same run:"
    echo
    echo "| run | baseline (s) | ferry (s) | ferry / baseline | baseline requests per image | ferry requests per image | baseline peak RSS (MiB) | baseline / ferry CPU user + sys (s) |"
    echo "|---|---:|---:|---:|---:|---:|---:|---:|"
    for phase in plan cold noop; do
      awk -v p="$phase" -v n="$SCALE_IMAGES" -v b="$(scale_median baseline "$phase" 3)" -v f="$(scale_median ferry "$phase" 3)" \
        -v br="$(( $(scale_median baseline "$phase" 5) + $(scale_median baseline "$phase" 6) ))" \
        -v fr="$(( $(scale_median ferry "$phase" 5) + $(scale_median ferry "$phase" 6) ))" \
        -v bk="$(scale_median baseline "$phase" 4)" \
        -v bc="$(scale_median baseline "$phase" 12)" -v fc="$(scale_median ferry "$phase" 12)" 'BEGIN {
          printf "| %s | %.2f | %.2f | %.2f | %.2f | %.2f | %.1f | %.2f / %.2f |\n", p, b, f, f / b, br / n, fr / n, bk / 1024, bc, fc }'
    done
  fi
  echo
  echo "Requests per image by kind (last run; source / target):"
  echo
  echo "| kind | ferry cold | ferry no-op | ferry plan | skopeo cold | skopeo no-op |"
  echo "|---|---:|---:|---:|---:|---:|"
  scale_kinds_table "$with_skopeo"
}

# Rows "PHASE: LABEL | ferry | skopeo | floor | ferry / skopeo | ferry / floor |" of tsv column
# $1 (registry or client CPU seconds; printf format $3) for the cold, no-op and plan runs
# ($with_skopeo from the caller). The cold floor reads no source: its source-registry cell stays empty.
scale_cpu_rows() {
  local col="$1" label="$2" fmt="$3" phase
  for phase in cold noop plan; do
    awk -v p="$phase" -v lb="$label" -v fmt="$fmt" -v f="$(scale_median ferry "$phase" "$col")" \
      -v l="$( [ "$phase" != plan ] && ! [ "$phase$col" = cold10 ] && scale_median floor "$phase" "$col")" \
      -v s="$( [ "$with_skopeo" = 1 ] && [ "$phase" != plan ] && scale_median skopeo "$phase" "$col")" 'BEGIN {
        printf "| %s: %s | " fmt " | %s | %s | %s | %s | |\n", p, lb, f,
          (s != "") ? sprintf(fmt, s) : "–", (l != "") ? sprintf(fmt, l) : "–",
          (s != "" && s > 0) ? sprintf("%.2f", f / s) : "–", (l != "" && l > 0) ? sprintf("%.2f", f / l) : "–" }'
  done
}

# Rows "kind | src/dst per image" for every kind seen in any run.
scale_kinds_table() {
  local with_skopeo="$1" dir tool phase
  : >"$SCRATCH/scale-kinds.txt"
  for tool in ferry skopeo; do
    [ "$tool" = skopeo ] && [ "$with_skopeo" != 1 ] && continue
    for phase in cold noop plan; do
      for dir in 7:src 8:dst; do
        scale_kinds "$tool" "$phase" "${dir%%:*}" | awk -v t="$tool-$phase" -v d="${dir#*:}" '{ print t, d, $1, $2 }'
      done
    done
  done >"$SCRATCH/scale-kinds.txt"
  awk -v n="$SCALE_IMAGES" '
    { v[$3, $1, $2] = $4; kinds[$3] = 1 }
    END {
      split("ferry-cold ferry-noop ferry-plan skopeo-cold skopeo-noop", cols, " ")
      for (k in kinds) {
        line = "| " k
        for (i = 1; i <= 5; i++) line = line sprintf(" | %.2f / %.2f", v[k, cols[i], "src"] / n, v[k, cols[i], "dst"] / n)
        print line " |"
      }
    }' "$SCRATCH/scale-kinds.txt" | sort
}
