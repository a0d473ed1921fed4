#!/usr/bin/env bash
# Installs the Debian 12 packages ferry needs to build, test and demo. Idempotent: when every
# package is already installed it changes nothing and does not touch the network.
set -euo pipefail

packages=(
  build-essential cmake pkg-config
  libboost-dev libcurl4-openssl-dev libssl-dev libyaml-cpp-dev nlohmann-json3-dev
  libspdlog-dev libfmt-dev catch2 libcli11-dev libarchive-dev
  docker-registry skopeo apache2-utils openssl jq time curl python3 ca-certificates ccache
  clang-14 libclang-rt-14-dev  # libFuzzer targets (scripts/fuzz.sh)
  chromium                     # headless browser for the status-page test (test_status_page)
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg -s "$p" 2>/dev/null | grep -q '^Status: install ok installed'; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages already installed"
  exit 0
fi

sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then
  sudo_cmd=(sudo)
fi

echo "install-deps: installing ${missing[*]}"
"${sudo_cmd[@]}" apt-get update
"${sudo_cmd[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y "${missing[@]}"
