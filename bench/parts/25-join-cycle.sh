#!/usr/bin/env bash
# Viewer re-join cycle: 2,000 viewers seated, then wrk re-joins them in a cycle (each request signs
# a new ES384 participant token), in embedded and Redis mode, with each token signer (the default,
# Nettle, and TOKEN_SIGNING_LIBRARY=openssl), beside the one-core ES384 sign rates of OpenSSL and
# Nettle measured in the same run. Seating only: REQUIRE_LIVE_PUBLISHER=false; FANOUT_MODE=mediaserver,
# since replication mode allows only the master plus 5 stages (300 seats of 50).
# BENCH_JOIN_VIEWERS (2000) and BENCH_ECDSA_SECONDS (3) tune it; wrk settings as every part.
set -euo pipefail
. "$(dirname "$0")/../lib.sh"
build=$1
here=$(cd "$(dirname "$0")/.." && pwd)
root=$(cd "$here/.." && pwd)
viewers=${BENCH_JOIN_VIEWERS:-2000}
key=bench-admin-key-0123456789
prefix=pj

redis_dir=$(bench_tmpdir)
redis_port=$(bench_free_port)
"$root/tests/harness/redis.sh" start "$redis_dir" "$redis_port" >&2
trap '"$root/tests/harness/redis.sh" stop "$redis_dir" || true; bench_cleanup' EXIT

bench_log "join-cycle: ES384 references"
ref=$("$here/ecdsa/reference.sh" "$build" "${BENCH_ECDSA_SECONDS:-3}")

run_mode() {  # run_mode [VAR=value...]: seats the viewers, re-joins them under wrk; prints JSON
  local port seat wrk stats
  port=$(bench_free_port)
  bench_start_ivs_server "$build" "$port" LOG_LEVEL=error REQUIRE_LIVE_PUBLISHER=false \
    STAGE_CAPACITY=50 MAX_STAGES=60 FANOUT_MODE=mediaserver "$@"
  seat=$(python3 "$here/join/seat.py" "http://127.0.0.1:$port" "$key" "$viewers" "$prefix")
  bench_log "join-cycle: seated $seat"
  wrk=$(API_KEY=$key JOIN_PREFIX=$prefix JOIN_COUNT=$viewers \
        bench_wrk "http://127.0.0.1:$port/api/token/viewer" -s "$here/join/rejoin.lua")
  stats=$(curl -fsS -H "x-api-key: $key" "http://127.0.0.1:$port/api/stats")
  bench_cleanup
  _bench_pids=()
  python3 - "$seat" "$wrk" "$stats" <<'PY'
import json, sys
seat, wrk, stats = (json.loads(a) for a in sys.argv[1:4])
wrk["seating"] = seat
wrk["viewers_after"] = stats["data"].get("totalViewers")
print(json.dumps(wrk))
PY
}

redis_env=(REDIS_HOST=127.0.0.1 REDIS_PORT="$redis_port" SESSION_SECRET=bench-session-secret-0123456789abcdef)
embedded=$(run_mode TOKEN_SIGNING_LIBRARY=nettle)
embedded_openssl=$(run_mode TOKEN_SIGNING_LIBRARY=openssl)
redis_mode=$(run_mode "${redis_env[@]}" REDIS_KEY_PREFIX=bench-join: TOKEN_SIGNING_LIBRARY=nettle)
redis_openssl=$(run_mode "${redis_env[@]}" REDIS_KEY_PREFIX=bench-join-ossl: TOKEN_SIGNING_LIBRARY=openssl)

python3 - "$ref" "$embedded" "$redis_mode" "$embedded_openssl" "$redis_openssl" "$viewers" \
  "$BENCH_THREADS" "$BENCH_CONNECTIONS" "$BENCH_DURATION" <<'PY'
import json, sys
ref, emb, red, emb_ossl, red_ossl = (json.loads(a) for a in sys.argv[1:6])
ossl = ref["openssl"]["sign_per_s"]
nettle = ref["nettle"].get("sign_per_s")
def ratio(a, b):
    return round(a / b, 2) if a and b else None
for m in (emb, red, emb_ossl, red_ossl):
    m["ratio_vs_openssl_one_core_sign"] = ratio(m["rps"], ossl)
    m["ratio_vs_nettle_one_core_sign"] = ratio(m["rps"], nettle)
print(json.dumps({
    "name": "join-cycle",
    "description": "POST /api/token/viewer re-joining %s seated viewers in a cycle (a new ES384 token each), "
                   "wrk -t%s -c%s -d%s --latency; Nettle signer (default) and OpenSSL signer" % tuple(sys.argv[6:10]),
    "ivs_server_embedded": emb,
    "ivs_server_redis": red,
    "ivs_server_embedded_openssl_signer": emb_ossl,
    "ivs_server_redis_openssl_signer": red_ossl,
    "openssl_ecdsap384_one_core": ref["openssl"],
    "nettle_es384_one_core": ref["nettle"],
    "ratio_embedded_vs_openssl_sign": emb["ratio_vs_openssl_one_core_sign"],
    "ratio_redis_vs_openssl_sign": red["ratio_vs_openssl_one_core_sign"],
    "ratio_embedded_nettle_vs_openssl_signer": ratio(emb["rps"], emb_ossl["rps"]),
    "ratio_redis_nettle_vs_openssl_signer": ratio(red["rps"], red_ossl["rps"]),
}))
PY
