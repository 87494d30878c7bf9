#!/usr/bin/env bash
# Fresh-join burst: 10,000 viewers never seen before join 64 at a time (embedded mode, stages of 50
# created by the autoscaler as the burst needs them, within IVS's stage TPS). Joins/s, p50/p99,
# stages at the end and answers by status, beside GET /health through the same client and the
# one-core `openssl speed ecdsap384` sign rate measured in the same run.
# BENCH_BURST_JOINS (10000), BENCH_BURST_CONCURRENCY (64) tune it.
set -euo pipefail
. "$(dirname "$0")/../lib.sh"
build=$1
here=$(cd "$(dirname "$0")/.." && pwd)
joins=${BENCH_BURST_JOINS:-10000}
concurrency=${BENCH_BURST_CONCURRENCY:-64}
key=bench-admin-key-0123456789
burst_bin="$build/bench/audience/audience_bench"
[ -x "$burst_bin" ] || { bench_log "$burst_bin not built"; exit 1; }

ref=$("$here/ecdsa/reference.sh" "$build" "${BENCH_ECDSA_SECONDS:-3}")
port=$(bench_free_port)
bench_start_ivs_server "$build" "$port" LOG_LEVEL=error REQUIRE_LIVE_PUBLISHER=false \
  STAGE_CAPACITY=50 MAX_STAGES=250 FANOUT_MODE=mediaserver
bench_log "join-burst: $joins fresh viewers, $concurrency at a time"
burst=$("$burst_bin" burst "$port" "$key" "$joins" "$concurrency")

python3 - "$ref" "$burst" "$joins" "$concurrency" <<'PY'
import json, sys
ref, burst = json.loads(sys.argv[1]), json.loads(sys.argv[2])
j = burst["joins"]
ossl = ref["openssl"]["sign_per_s"]
non_200 = {k: v for k, v in j.get("statuses", {}).items() if k != "200"}
print(json.dumps({
    "name": "join-burst",
    "description": "POST /api/token/viewer for %s fresh viewers, %s at a time (embedded, STAGE_CAPACITY=50, "
                   "MAX_STAGES=250)" % (sys.argv[3], sys.argv[4]),
    "joins": {"rps": round(j["rps"], 1), "p50_ms": round(j["p50_ms"], 3), "p99_ms": round(j["p99_ms"], 3),
              "ok": j["ok"], "seconds": round(j["seconds"], 2)},
    "non_200_by_status": non_200,
    "stages_at_end": burst.get("stages"),
    "viewers_at_end": burst.get("total_viewers"),
    "max_stage_viewers": burst.get("max_stage_viewers"),
    "health_same_client": {k: round(v, 3) if isinstance(v, float) else v
                           for k, v in burst["health_reference"].items() if k in ("rps", "p50_ms", "p99_ms")},
    "openssl_ecdsap384_one_core": ref["openssl"],
    "ratio_joins_vs_openssl_sign": round(j["rps"] / ossl, 2) if ossl else None,
}))
PY
