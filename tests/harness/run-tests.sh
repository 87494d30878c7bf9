#!/usr/bin/env bash
# Runs every test suite against real servers: starts one Redis and one PostgreSQL on free ports
# in a temporary directory, exports where they are, runs ctest, and stops them again.
# Tests that need to stop or restart a server start their own private one with the same scripts.
# Usage: run-tests.sh [BUILD_DIR] [ctest arguments...], e.g. run-tests.sh build -R Redis -L contract
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
build=${1:-build}
shift $(( $# > 0 ? 1 : 0 ))
[[ "$build" = /* ]] || build="$root/$build"

tmp=$(mktemp -d /tmp/ivs-test.XXXXXX)
chmod 755 "$tmp"
cleanup() {
  "$here/redis.sh" stop "$tmp/redis" || true
  "$here/pg.sh" stop "$tmp/pg" || true
  rm -rf "$tmp"
}
trap cleanup EXIT

redis_port=$("$here/free-port.sh")
pg_port=$("$here/free-port.sh")
"$here/redis.sh" start "$tmp/redis" "$redis_port"
"$here/pg.sh" start "$tmp/pg" "$pg_port"

export IVS_TEST_REQUIRE_SERVICES=1
export IVS_TEST_REDIS_HOST=127.0.0.1 IVS_TEST_REDIS_PORT=$redis_port
export IVS_TEST_PG_HOST=127.0.0.1 IVS_TEST_PG_PORT=$pg_port IVS_TEST_PG_USER=postgres IVS_TEST_PG_DB=ivs_test
export IVS_TEST_HARNESS_DIR=$here IVS_TEST_SOURCE_DIR=$root IVS_TEST_BINARY=$build/ivs-server
if [ -d "$root/../shared/specs" ]; then
  export IVS_TEST_SPECS_DIR=$(cd "$root/../shared/specs" && pwd)
fi
echo "test services: redis 127.0.0.1:$redis_port, postgresql 127.0.0.1:$pg_port"
cd "$build"
ctest --output-on-failure -j "$(nproc)" --timeout 600 "$@"
