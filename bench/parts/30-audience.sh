#!/usr/bin/env bash
# Audience: (a) memory per tracked viewer with 1,000,000 sessions in the memory hot store
# (RSS delta / sessions, beside a plain std::map of the same sessions); (b) a 10,000-join burst
# of POST /api/token/viewer, 32 at a time, against build/ivs-server in embedded mode, beside
# GET /health through the same client, then /api/stats to check that no stage is over capacity.
# AUDIENCE_BENCH_SESSIONS / AUDIENCE_BENCH_JOINS override the sizes.
set -euo pipefail
. "$(dirname "$0")/../lib.sh"
build=$1
bench_bin="$build/bench/audience/audience_bench"
[ -x "$bench_bin" ] || { bench_log "$bench_bin not built"; exit 1; }

sessions=${AUDIENCE_BENCH_SESSIONS:-1000000}
joins=${AUDIENCE_BENCH_JOINS:-10000}
capacity=500
bench_log "audience: memory with $sessions sessions"
memory=$("$bench_bin" memory "$sessions")

port=$(bench_free_port)
key=bench-admin-key-0123456789
# 10,000 viewers need 20 stages of 500; the autoscaler creates them while the burst runs.
bench_start_ivs_server "$build" "$port" REQUIRE_LIVE_PUBLISHER=false STAGE_CAPACITY=$capacity \
  SCALE_UP_THRESHOLD=450 SCALE_DOWN_THRESHOLD=5 MAX_STAGES=30 SPARE_STAGES=2 \
  FANOUT_MODE=mediaserver SEAT_WAIT_SECONDS=30
bench_log "audience: $joins joins, 32 at a time"
burst=$("$bench_bin" burst "$port" "$key" "$joins" 32)

python3 - "$memory" "$burst" "$capacity" <<'PY'
import json, sys
memory, burst, capacity = json.loads(sys.argv[1]), json.loads(sys.argv[2]), int(sys.argv[3])
burst["stage_capacity"] = capacity
burst["over_capacity"] = burst.get("max_stage_viewers", 0) > capacity
burst["counts_agree"] = burst.get("total_viewers") == burst.get("sum_of_stage_counts")
print(json.dumps({
    "name": "audience",
    "description": "memory per tracked viewer (memory hot store) and a viewer-join burst over HTTP",
    "memory": memory,
    "join_burst": burst,
}))
PY
