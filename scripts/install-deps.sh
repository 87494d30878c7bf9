#!/usr/bin/env bash
# Installs the Debian bookworm packages ivs-server needs to build, test and benchmark.
# `install-deps.sh --fuzz` also installs clang 14 with libFuzzer and the sanitizer runtimes
# (only `make fuzz` needs them). Idempotent: packages already present are skipped. Uses sudo
# when not run as root.
set -euo pipefail

PACKAGES=(
  build-essential cmake ninja-build pkg-config git
  libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev
  libssl-dev nettle-dev libhiredis-dev libpq-dev libsqlite3-dev sqlite3 libjemalloc-dev
  libspdlog-dev libfmt-dev libgtest-dev libgmock-dev libbenchmark-dev
  redis-server postgresql postgresql-contrib
  curl ca-certificates python3 python3-yaml python3-jsonschema nodejs npm
  wrk nginx-light chromium systemd
)
if [ "${1:-}" = "--fuzz" ]; then
  PACKAGES+=(clang-14 libfuzzer-14-dev libclang-rt-14-dev)
fi

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
# Node and npm may come from elsewhere than Debian (they are on the base image); accept them.
if command -v node >/dev/null && command -v npm >/dev/null; then
  filtered=()
  for p in "${missing[@]}"; do [[ "$p" == nodejs || "$p" == npm ]] || filtered+=("$p"); done
  missing=("${filtered[@]}")
fi

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all packages present"
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
# The packaged services are started by the test harness on their own ports, not system-wide.
for svc in redis-server postgresql nginx; do
  $SUDO systemctl disable --now "$svc" >/dev/null 2>&1 || $SUDO service "$svc" stop >/dev/null 2>&1 || true
done
