#!/usr/bin/env bash
# CPU time the server spends per request: starts BUILD/ivs-server (embedded, or Redis mode with
# REDIS_PORT set), runs a fixed wrk load against GET /health or the heartbeat of one seated
# viewer, and divides the process's user+system CPU time over the run (/proc/<pid>/stat) by
# the requests wrk completed. Prints one JSON object.
#   bench/cpu/cpu_per_request.sh BUILD health|heartbeat [PERF_DATA]
# With PERF_DATA, the run is also sampled with `perf record -g` into that file.
# BENCH_DURATION (10s), BENCH_CONNECTIONS (32), BENCH_THREADS (1) as for every part.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
. "$here/lib.sh"
build=$1
what=$2
perf_data=${3:-}
[[ "$build" = /* ]] || build="$(pwd)/$build"
key=bench-admin-key-0123456789

port=$(bench_free_port)
env=(LOG_LEVEL=error REQUIRE_LIVE_PUBLISHER=false)
if [ -n "${REDIS_PORT:-}" ]; then
  env+=(REDIS_HOST=127.0.0.1 REDIS_PORT="$REDIS_PORT" REDIS_KEY_PREFIX="cpu-$port:"
        SESSION_SECRET=bench-session-secret-0123456789abcdef)
fi
bench_start_ivs_server "$build" "$port" "${env[@]}"
pid=$(pgrep -P "${_bench_pids[-1]}" -x ivs-server || echo "${_bench_pids[-1]}")

args=()
case "$what" in
  health) url="http://127.0.0.1:$port/health" ;;
  heartbeat)
    bodies="$(bench_tmpdir)/bodies.txt"
    python3 "$here/heartbeat/join.py" ivs "http://127.0.0.1:$port" "$key" 1 "$bodies" >&2
    url="http://127.0.0.1:$port"
    args=(-s "$here/heartbeat/heartbeat.lua")
    ;;
  *) bench_log "unknown load $what (health or heartbeat)"; exit 2 ;;
esac

cpu_ticks() { awk '{print $14 + $15}' "/proc/$pid/stat"; }
if [ -n "$perf_data" ]; then
  perf record ${PERF_RECORD_ARGS:--g -F 999} -p "$pid" -o "$perf_data" 2>/dev/null &
  perf_pid=$!
  sleep 0.5
fi
before=$(cpu_ticks)
wrk_out=$(BODIES_FILE=${bodies:-} API_KEY=$key bench_wrk "$url" "${args[@]}")
after=$(cpu_ticks)
if [ -n "$perf_data" ]; then kill -INT "$perf_pid"; wait "$perf_pid" || true; fi

python3 - "$wrk_out" "$before" "$after" "$(getconf CLK_TCK)" "$what" <<'PY'
import json, sys
wrk = json.loads(sys.argv[1])
ticks = int(sys.argv[3]) - int(sys.argv[2])
seconds = ticks / int(sys.argv[4])
n = wrk.get("requests") or 0
print(json.dumps({
    "load": sys.argv[5],
    "requests": n,
    "rps": wrk["rps"],
    "p99_ms": wrk["p99_ms"],
    "non_2xx": wrk["non_2xx"],
    "errors": wrk["errors"],
    "server_cpu_seconds": round(seconds, 2),
    "cpu_us_per_request": round(seconds * 1e6 / n, 2) if n else None,
}))
PY
