#!/usr/bin/env bash
# Fresh-join burst: 10,000 viewers never seen before join 64 at a time (embedded mode, stages of 50
# created by the autoscaler as the burst needs them, within IVS's stage TPS). Joins/s, p50/p99,
# stages at the end and answers by status, beside GET /health through the same client and the
# one-core `openssl speed ecdsap384` sign rate measured in the same run; once with the default
# token signer (Nettle), once with TOKEN_SIGNING_LIBRARY=openssl.
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
tmp=$(mktemp -d /tmp/ivs-bench-burst.XXXXXX)
trap 'rm -rf "$tmp"; bench_cleanup' EXIT
run_burst() {  # run_burst LIBRARY: a fresh server, the burst; prints the audience_bench JSON
  local port
  port=$(bench_free_port)
  bench_start_ivs_server "$build" "$port" LOG_LEVEL=error REQUIRE_LIVE_PUBLISHER=false \
    STAGE_CAPACITY=50 MAX_STAGES=250 FANOUT_MODE=mediaserver TOKEN_SIGNING_LIBRARY="$1"
  bench_log "join-burst ($1 signer): $joins fresh viewers, $concurrency at a time"
  "$burst_bin" burst "$port" "$key" "$joins" "$concurrency" >"$tmp/burst.json"
  # The server's own account of the burst: stages created, and how long joins that found every
  # stage full waited for the next one.
  curl -s -H "x-api-key: $key" "http://127.0.0.1:$port/metrics" >"$tmp/metrics.txt" || true
  python3 - "$tmp/burst.json" "$tmp/metrics.txt" <<'PY'
import json, re, sys
burst = json.load(open(sys.argv[1]))
text = open(sys.argv[2]).read()
def metric(name, labels=""):
    m = re.search(r"^%s%s\s+([0-9.eE+-]+)$" % (re.escape(name), re.escape(labels)), text, re.M)
    return float(m.group(1)) if m else None
burst["stages_created"] = metric("ivs_calls_total", '{operation="CreateStage",outcome="success"}')
burst["seat_wait"] = {"episodes": metric("ivs_seat_wait_episodes_total"),
                      "last_seconds": metric("ivs_seat_wait_last_seconds"),
                      "max_seconds": metric("ivs_seat_wait_max_seconds")}
print(json.dumps(burst))
PY
  bench_cleanup
  _bench_pids=()
}
burst=$(run_burst nettle)
burst_openssl=$(run_burst openssl)

python3 - "$ref" "$burst" "$burst_openssl" "$joins" "$concurrency" <<'PY'
import json, sys
ref, burst, burst_ossl = (json.loads(a) for a in sys.argv[1:4])
ossl = ref["openssl"]["sign_per_s"]

def joins(b):
    j = b["joins"]
    return {"rps": round(j["rps"], 1), "p50_ms": round(j["p50_ms"], 3), "p99_ms": round(j["p99_ms"], 3),
            "ok": j["ok"], "seconds": round(j["seconds"], 2),
            "ratio_vs_openssl_one_core_sign": round(j["rps"] / ossl, 2) if ossl else None}

def non_200(b):
    return {k: v for k, v in b["joins"].get("statuses", {}).items() if k != "200"}

print(json.dumps({
    "name": "join-burst",
    "description": "POST /api/token/viewer for %s fresh viewers, %s at a time (embedded, STAGE_CAPACITY=50, "
                   "MAX_STAGES=250); Nettle signer (default) and OpenSSL signer" % (sys.argv[4], sys.argv[5]),
    "joins": joins(burst),
    "joins_openssl_signer": joins(burst_ossl),
    "non_200_by_status": non_200(burst),
    "non_200_by_status_openssl_signer": non_200(burst_ossl),
    "stages_at_end": burst.get("stages"),
    "stages_created": burst.get("stages_created"),
    "first_refused_seat_to_next_stage_s": burst.get("seat_wait"),
    "viewers_at_end": burst.get("total_viewers"),
    "max_stage_viewers": burst.get("max_stage_viewers"),
    "health_same_client": {k: round(v, 3) if isinstance(v, float) else v
                           for k, v in burst["health_reference"].items() if k in ("rps", "p50_ms", "p99_ms")},
    "openssl_ecdsap384_one_core": ref["openssl"],
    "nettle_es384_one_core": ref["nettle"],
    "ratio_joins_vs_openssl_sign": joins(burst)["ratio_vs_openssl_one_core_sign"],
}))
PY
