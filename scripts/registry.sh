#!/usr/bin/env bash
# Local docker-registry instances for tests and demos (no Docker engine needed).
#
#   registry.sh start|stop|reset|status NAME     NAME: src dst tls token
#   registry.sh start-all|stop-all|status
#
# Instances (all on 127.0.0.1, debug/metrics server on port+1000 at /metrics):
#   src    5101  plain HTTP, anonymous
#   dst    5102  plain HTTP, anonymous
#   tls    5103  HTTPS (CA in $WORK/pki/ca.crt; $WORK/pki/cert-dir/ holds only it, for skopeo
#                 --cert-dir), htpasswd basic auth ferry / ferry-secret-pw
#   token  5104  plain HTTP, token auth; token server on 5105, user ferry / token-secret-pw
#   hook   5106  plain HTTP, anonymous, notifying FERRY_NOTIFY_URL of every push (with
#                 "Authorization: Bearer $FERRY_NOTIFY_TOKEN"); not part of start-all. Both
#                 variables are required to start it; `reset hook` re-reads them.
#   nodelete 5107  plain HTTP, anonymous, storage deletes disabled (DELETE answers 405
#                 UNSUPPORTED); not part of start-all.
# Each instance lives in $WORK/registries/NAME: config.yml, storage/, access.log (Apache-style
# request lines, plus the registry's own log lines), registry.pid, credentials (user:password).
# WORK is ${FERRY_WORK:-<repo>/.work}. FERRY_PORT_BASE (default 5100) moves every port: src is
# base+1 … token server base+5, so several checkouts can run their tests side by side.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
WORK="${FERRY_WORK:-$ROOT/.work}"
PKI="$WORK/pki"
PYTHON="$(command -v /usr/bin/python3 || command -v python3)"
ALL=(src dst tls token)
EXTRA=(hook nodelete)

TLS_USER=ferry
TLS_PASSWORD=ferry-secret-pw
TOKEN_USER=ferry
TOKEN_PASSWORD=token-secret-pw
PORT_BASE="${FERRY_PORT_BASE:-5100}"
TOKEN_PORT=$((PORT_BASE + 5))
TOKEN_SERVICE=ferry-test
TOKEN_ISSUER=ferry-test-issuer

die() { echo "registry.sh: $*" >&2; exit 1; }

port_of() {
  case "$1" in
    src) echo $((PORT_BASE + 1)) ;; dst) echo $((PORT_BASE + 2)) ;;
    tls) echo $((PORT_BASE + 3)) ;; token) echo $((PORT_BASE + 4)) ;;
    hook) echo $((PORT_BASE + 6)) ;; nodelete) echo $((PORT_BASE + 7)) ;;
    *) die "unknown registry '$1' (known: ${ALL[*]} ${EXTRA[*]})" ;;
  esac
}

scheme_of() { if [ "$1" = tls ]; then echo https; else echo http; fi; }

# True when the pid file names a live process whose command line contains $2.
pid_alive() {
  local pidfile="$1" pattern="$2" pid
  [ -f "$pidfile" ] || return 1
  pid="$(cat "$pidfile")"
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q -- "$pattern"
}

kill_pidfile() {
  local pidfile="$1" pattern="$2" pid i
  if pid_alive "$pidfile" "$pattern"; then
    pid="$(cat "$pidfile")"
    kill "$pid" 2>/dev/null || true
    for i in $(seq 50); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    kill -0 "$pid" 2>/dev/null && kill -9 "$pid" 2>/dev/null || true
  fi
  rm -f "$pidfile"
}

port_busy() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

cert_fresh() { [ -f "$1" ] && openssl x509 -checkend 86400 -noout -in "$1" >/dev/null 2>&1; }

# A CA, a server certificate for 127.0.0.1/localhost signed by it, and a self-signed token signer.
ensure_pki() {
  mkdir -p "$PKI"
  if ! cert_fresh "$PKI/ca.crt" || ! cert_fresh "$PKI/server.crt" || [ ! -f "$PKI/server.key" ]; then
    openssl req -x509 -newkey rsa:2048 -nodes -sha256 -days 3650 -subj "/CN=ferry test CA" \
      -keyout "$PKI/ca.key" -out "$PKI/ca.crt" \
      -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
    openssl req -new -newkey rsa:2048 -nodes -sha256 -subj "/CN=127.0.0.1" \
      -keyout "$PKI/server.key" -out "$PKI/server.csr" 2>/dev/null
    printf '%s\n' "basicConstraints=CA:FALSE" "keyUsage=critical,digitalSignature,keyEncipherment" \
      "extendedKeyUsage=serverAuth" "subjectAltName=IP:127.0.0.1,DNS:localhost" >"$PKI/server.ext"
    openssl x509 -req -sha256 -days 3650 -in "$PKI/server.csr" -CA "$PKI/ca.crt" -CAkey "$PKI/ca.key" \
      -CAcreateserial -extfile "$PKI/server.ext" -out "$PKI/server.crt" 2>/dev/null
    rm -f "$PKI/server.csr"
  fi
  if ! cert_fresh "$PKI/token-signer.crt" || [ ! -f "$PKI/token-signer.key" ]; then
    openssl req -x509 -newkey rsa:2048 -nodes -sha256 -days 3650 -subj "/CN=ferry token signer" \
      -keyout "$PKI/token-signer.key" -out "$PKI/token-signer.crt" 2>/dev/null
  fi
  chmod 600 "$PKI"/*.key
  # skopeo's --cert-dir reads every *.key there as a client key: give it a directory with the CA only.
  mkdir -p "$PKI/cert-dir"
  cp "$PKI/ca.crt" "$PKI/cert-dir/ca.crt"
}

write_config() {
  local name="$1" dir="$2" port
  port="$(port_of "$name")"
  {
    cat <<EOF
version: 0.1
log:
  level: info
  formatter: text
  accesslog:
    disabled: false
storage:
  filesystem:
    rootdirectory: $dir/storage
  delete:
    enabled: $([ "$name" = nodelete ] && echo false || echo true)
  maintenance:
    uploadpurging:
      enabled: false
http:
  addr: 127.0.0.1:$port
  secret: ferry-test-$name-secret
  debug:
    addr: 127.0.0.1:$((port + 1000))
    prometheus:
      enabled: true
      path: /metrics
EOF
    case "$name" in
      tls)
        cat <<EOF
  tls:
    certificate: $PKI/server.crt
    key: $PKI/server.key
auth:
  htpasswd:
    realm: ferry-test
    path: $dir/htpasswd
EOF
        ;;
      token)
        cat <<EOF
auth:
  token:
    realm: http://127.0.0.1:$TOKEN_PORT/token
    service: $TOKEN_SERVICE
    issuer: $TOKEN_ISSUER
    rootcertbundle: $PKI/token-signer.crt
EOF
        ;;
      hook)
        # docker-registry's notifications block (distribution docs, "notifications"); blob
        # events are dropped at the source, manifests arrive one event per POST.
        cat <<EOF
notifications:
  endpoints:
    - name: ferry
      url: $FERRY_NOTIFY_URL
      headers:
        Authorization: [Bearer $FERRY_NOTIFY_TOKEN]
      timeout: 2s
      threshold: 3
      backoff: 1s
      ignoredmediatypes: [application/octet-stream]
EOF
        ;;
    esac
  } >"$dir/config.yml"
}

wait_ready() {
  local name="$1" port url code i curl_tls=()
  port="$(port_of "$name")"
  url="$(scheme_of "$name")://127.0.0.1:$port/v2/"
  [ "$name" = tls ] && curl_tls=(--cacert "$PKI/ca.crt")
  for i in $(seq 100); do
    code="$(curl -s -o /dev/null -w '%{http_code}' "${curl_tls[@]}" "$url" || true)"
    if [ "$code" = 200 ] || [ "$code" = 401 ]; then return 0; fi
    pid_alive "$WORK/registries/$name/registry.pid" docker-registry ||
      die "$name exited during start-up; see $WORK/registries/$name/access.log"
    sleep 0.1
  done
  die "$name did not answer on $url within 10 s"
}

start_token_server() {
  local dir="$1"
  pid_alive "$dir/token-server.pid" token_server.py && return 0
  port_busy "$TOKEN_PORT" && die "port $TOKEN_PORT is taken by another process"
  setsid "$PYTHON" "$ROOT/scripts/token_server.py" --listen "127.0.0.1:$TOKEN_PORT" \
    --key "$PKI/token-signer.key" --cert "$PKI/token-signer.crt" \
    --issuer "$TOKEN_ISSUER" --service "$TOKEN_SERVICE" \
    --credentials "$dir/credentials" --log "$dir/token-server.log" \
    </dev/null >>"$dir/token-server.log" 2>&1 &
  echo $! >"$dir/token-server.pid"
  local i
  for i in $(seq 100); do
    curl -s -o /dev/null "http://127.0.0.1:$TOKEN_PORT/healthz" && return 0
    pid_alive "$dir/token-server.pid" token_server.py || die "token server exited; see $dir/token-server.log"
    sleep 0.1
  done
  die "token server did not answer on port $TOKEN_PORT"
}

start() {
  local name="$1" port dir
  port="$(port_of "$name")"
  dir="$WORK/registries/$name"
  if pid_alive "$dir/registry.pid" docker-registry; then
    [ "$name" = token ] && start_token_server "$dir"
    return 0
  fi
  port_busy "$port" && die "port $port is taken by another process (not our $name registry)"
  if [ "$name" = hook ] && { [ -z "${FERRY_NOTIFY_URL:-}" ] || [ -z "${FERRY_NOTIFY_TOKEN:-}" ]; }; then
    die "hook needs FERRY_NOTIFY_URL and FERRY_NOTIFY_TOKEN"
  fi
  mkdir -p "$dir/storage"
  ensure_pki
  case "$name" in
    tls)
      htpasswd -Bbn "$TLS_USER" "$TLS_PASSWORD" >"$dir/htpasswd"
      echo "$TLS_USER:$TLS_PASSWORD" >"$dir/credentials" ;;
    token)
      echo "$TOKEN_USER:$TOKEN_PASSWORD" >"$dir/credentials"
      start_token_server "$dir" ;;
  esac
  write_config "$name" "$dir"
  setsid docker-registry serve "$dir/config.yml" </dev/null >>"$dir/access.log" 2>&1 &
  echo $! >"$dir/registry.pid"
  wait_ready "$name"
  echo "registry.sh: $name ready at $(scheme_of "$name")://127.0.0.1:$port"
}

stop() {
  local name="$1" dir
  port_of "$name" >/dev/null
  dir="$WORK/registries/$name"
  kill_pidfile "$dir/registry.pid" docker-registry
  [ "$name" = token ] && kill_pidfile "$dir/token-server.pid" token_server.py
  return 0
}

reset() {
  local name="$1"
  stop "$name"
  rm -rf "$WORK/registries/$name/storage"
  start "$name"
}

status() {
  local name="$1" dir port
  port="$(port_of "$name")"
  dir="$WORK/registries/$name"
  if pid_alive "$dir/registry.pid" docker-registry; then
    echo "$name running pid $(cat "$dir/registry.pid") $(scheme_of "$name")://127.0.0.1:$port"
  else
    echo "$name stopped"
    return 1
  fi
}

cmd="${1:-}"
case "$cmd" in
  start|stop|reset)
    [ $# -eq 2 ] || die "usage: registry.sh $cmd NAME"
    "$cmd" "$2" ;;
  status)
    if [ $# -eq 2 ]; then status "$2"; else
      rc=0
      for n in "${ALL[@]}"; do status "$n" || rc=1; done
      exit $rc
    fi ;;
  start-all) for n in "${ALL[@]}"; do start "$n"; done ;;
  stop-all) for n in "${ALL[@]}" "${EXTRA[@]}"; do stop "$n"; done ;;
  *) die "usage: registry.sh start|stop|reset|status NAME | start-all | stop-all | status" ;;
esac
