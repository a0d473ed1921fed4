#!/usr/bin/env bash
# Installs the Debian 12 packages ferry needs to build, test and demo, and the npm package the
# Kubernetes examples are validated with (tests/k8s, from its package-lock.json). Idempotent: when
# everything is already installed it changes nothing and does not touch the network.
set -euo pipefail

packages=(
  build-essential cmake pkg-config
  libboost-dev libcurl4-openssl-dev libssl-dev libyaml-cpp-dev nlohmann-json3-dev
  libspdlog-dev libfmt-dev catch2 libcli11-dev libarchive-dev
  docker-registry skopeo apache2-utils openssl jq time curl python3 python3-yaml ca-certificates ccache
  clang-14 libclang-rt-14-dev  # libFuzzer targets (scripts/fuzz.sh)
  chromium                     # headless browser for the status-page test (test_status_page)
  umoci podman                 # the image tests: unpack ferry's image, pull it like an engine (test_image)
  dpkg-dev systemd             # dpkg-shlibdeps and systemd-analyze (scripts/package.sh, test_package)
)
# Node.js and npm (tests/k8s): Debian's, unless the machine already has them from elsewhere.
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  packages+=(nodejs npm)
fi
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

# tests/k8s/node_modules: kubernetes-models at the version package-lock.json pins.
install_npm() {
  if [ ! -f "$ROOT/tests/k8s/node_modules/kubernetes-models/package.json" ]; then
    echo "install-deps: npm ci in tests/k8s (kubernetes-models)"
    (cd "$ROOT/tests/k8s" && npm ci --no-audit --no-fund --loglevel=error)
  fi
}

missing=()
for p in "${packages[@]}"; do
  if ! dpkg -s "$p" 2>/dev/null | grep -q '^Status: install ok installed'; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages already installed"
  install_npm
  exit 0
fi

sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then
  sudo_cmd=(sudo)
fi

echo "install-deps: installing ${missing[*]}"
"${sudo_cmd[@]}" apt-get update
"${sudo_cmd[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y "${missing[@]}"
install_npm
