#!/usr/bin/env bash
# GET /health on ivs-server (embedded mode) beside nginx-light returning a fixed JSON body,
# both measured with the same wrk settings in the same run.
set -euo pipefail
. "$(dirname "$0")/../lib.sh"
build=$1

ivs_port=$(bench_free_port)
bench_start_ivs_server "$build" "$ivs_port"
ivs=$(bench_wrk "http://127.0.0.1:$ivs_port/health")
bench_cleanup
_bench_pids=()

nginx_port=$(bench_free_port)
bench_start_nginx "$nginx_port"
ref=$(bench_wrk "http://127.0.0.1:$nginx_port/health")

python3 - "$ivs" "$ref" "$BENCH_THREADS" "$BENCH_CONNECTIONS" "$BENCH_DURATION" <<'PY'
import json, sys
ivs, ref = json.loads(sys.argv[1]), json.loads(sys.argv[2])
print(json.dumps({
    "name": "health",
    "description": "GET /health, wrk -t%s -c%s -d%s --latency" % tuple(sys.argv[3:6]),
    "ivs_server": ivs,
    "nginx_reference": ref,
    "ratio_rps": round(ivs["rps"] / ref["rps"], 3) if ref["rps"] else None,
}))
PY
