#!/usr/bin/env bash
# POST /api/viewer/heartbeat: ivs-server in Redis mode beside the Express + ioredis reference
# (the original server's heartbeat: GET session JSON, update, SETEX, behind helmet, cors, JSON
# body, express-rate-limit and the API-key check) on the same private Redis; plus ivs-server in
# embedded mode and the nginx fixed-response ceiling. Same wrk settings for all, one run.
set -euo pipefail
. "$(dirname "$0")/../lib.sh"
build=$1
here=$(cd "$(dirname "$0")/.." && pwd)
root=$(cd "$here/.." && pwd)
viewers=${BENCH_HEARTBEAT_VIEWERS:-500}
key=bench-admin-key-0123456789
script="$here/heartbeat/heartbeat.lua"

redis_dir=$(bench_tmpdir)
redis_port=$(bench_free_port)
"$root/tests/harness/redis.sh" start "$redis_dir" "$redis_port" >&2
trap '"$root/tests/harness/redis.sh" stop "$redis_dir" || true; bench_cleanup' EXIT

run_ivs() {  # run_ivs NAME [VAR=value...]: joins viewers, then measures heartbeats
  local name=$1 port bodies
  shift
  port=$(bench_free_port)
  bodies="$(bench_tmpdir)/bodies.txt"
  bench_start_ivs_server "$build" "$port" REQUIRE_LIVE_PUBLISHER=false STAGE_CAPACITY=1000 \
    SCALE_UP_THRESHOLD=900 "$@"
  python3 "$here/heartbeat/join.py" ivs "http://127.0.0.1:$port" "$key" "$viewers" "$bodies" >&2
  BODIES_FILE=$bodies API_KEY=$key bench_wrk "http://127.0.0.1:$port" -s "$script"
  bench_cleanup
  _bench_pids=()
}

redis_mode=$(run_ivs redis REDIS_HOST=127.0.0.1 REDIS_PORT="$redis_port" REDIS_KEY_PREFIX=bench: \
  SESSION_SECRET=bench-session-secret-0123456789abcdef)
embedded=$(run_ivs embedded)

# The reference server (npm packages installed on first use).
if [ ! -d "$here/reference/node_modules" ]; then
  (cd "$here/reference" && npm install --no-audit --no-fund --loglevel=error >&2)
fi
ref_port=$(bench_free_port)
ref_dir=$(bench_tmpdir)
(cd "$here/reference" && exec env PORT="$ref_port" REDIS_HOST=127.0.0.1 REDIS_PORT="$redis_port" \
   REDIS_KEY_PREFIX=ref: API_SECRET_KEY="$key" RATE_LIMIT_MAX_REQUESTS=100000000 \
   node server.js >"$ref_dir/server.log" 2>&1) &
_bench_pids+=($!)
bench_wait_http "http://127.0.0.1:$ref_port/health"
python3 "$here/heartbeat/join.py" reference "http://127.0.0.1:$ref_port" "$key" "$viewers" \
  "$ref_dir/bodies.txt" >&2
reference=$(BODIES_FILE="$ref_dir/bodies.txt" API_KEY=$key bench_wrk "http://127.0.0.1:$ref_port" -s "$script")
bench_cleanup
_bench_pids=()

nginx_port=$(bench_free_port)
bench_start_nginx "$nginx_port"
nginx=$(BODIES_FILE="$ref_dir/bodies.txt" API_KEY=$key bench_wrk "http://127.0.0.1:$nginx_port" -s "$script")

python3 - "$redis_mode" "$embedded" "$reference" "$nginx" "$viewers" \
  "$BENCH_THREADS" "$BENCH_CONNECTIONS" "$BENCH_DURATION" <<'PY'
import json, sys
redis_mode, embedded, reference, nginx = (json.loads(a) for a in sys.argv[1:5])
def ratio(a, b):
    return round(a["rps"] / b["rps"], 2) if b.get("rps") else None
print(json.dumps({
    "name": "heartbeat",
    "description": "POST /api/viewer/heartbeat over %s joined viewers, wrk -t%s -c%s -d%s --latency"
                   % tuple(sys.argv[5:9]),
    "ivs_server_redis": redis_mode,
    "ivs_server_embedded": embedded,
    "express_ioredis_reference": reference,
    "nginx_fixed_response": nginx,
    "ratio_redis_vs_reference_rps": ratio(redis_mode, reference),
    "ratio_embedded_vs_reference_rps": ratio(embedded, reference),
    "ratio_redis_vs_nginx_rps": ratio(redis_mode, nginx),
    "ratio_embedded_vs_nginx_rps": ratio(embedded, nginx),
}))
PY
