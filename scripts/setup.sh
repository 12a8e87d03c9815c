#!/usr/bin/env bash
# Prepares a Debian 12 machine for building, running and testing cfp:
# installs the Debian packages cfp needs (only those missing) and starts
# dockerd when no engine answers on the socket.  Idempotent; run as root.
#
# Usage: scripts/setup.sh
set -euo pipefail

readonly PACKAGES=(
  # build
  make gcc libc6-dev binutils meson ninja-build pkg-config clang-format
  # libraries (design.md, decision 3)
  libsqlite3-dev libsodium-dev libcurl4-openssl-dev libjansson-dev
  libfyaml-dev libcmocka-dev
  # the engine and the test image
  docker.io busybox-static
  # tests and benchmarks
  curl jq sqlite3 docker-compose iproute2 procps
  # the libFuzzer target of the admission policy
  clang libclang-rt-14-dev
)
readonly SOCKET=/var/run/docker.sock

say() { printf 'setup: %s\n' "$*"; }
die() { printf 'setup: error: %s\n' "$*" >&2; exit 1; }

missing_packages() {
  local p
  for p in "${PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null \
      | grep -q '^install ok installed$' || printf '%s\n' "$p"
  done
}

install_packages() {
  local missing
  mapfile -t missing < <(missing_packages)
  if ((${#missing[@]} == 0)); then
    say "all ${#PACKAGES[@]} packages are installed"
    return
  fi
  say "installing ${#missing[@]} packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q >/dev/null
  apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
}

engine_answers() {
  curl -sf --max-time 3 --unix-socket "$SOCKET" http://engine/_ping \
    >/dev/null 2>&1
}

# dockerd is started only when nothing answers: an engine someone else
# runs is never touched.
start_engine() {
  local i
  if engine_answers; then
    say "docker engine answers on $SOCKET"
    return
  fi
  command -v dockerd >/dev/null || die "dockerd not found (docker.io)"
  say "starting dockerd (log: /var/log/cfp-dockerd.log)"
  (setsid dockerd >/var/log/cfp-dockerd.log 2>&1 &)
  for ((i = 0; i < 60; i++)); do
    engine_answers && { say "docker engine is up"; return; }
    sleep 0.5
  done
  die "dockerd did not answer within 30 s; see /var/log/cfp-dockerd.log"
}

main() {
  [[ $(id -u) -eq 0 ]] || die "run as root (it installs packages and \
starts dockerd)"
  install_packages
  start_engine
}

main "$@"
