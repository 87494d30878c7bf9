#!/usr/bin/env bash
# WebSocket fan-out: WS_FANOUT_CLIENTS (5000) clients subscribed to stats on build/ivs-server
# (embedded mode); WS_FANOUT_JOINS (7) viewer joins; time from each join to the first and the
# last client receiving the new total (p50/p99), and the server's RSS with the clients connected.
set -euo pipefail
. "$(dirname "$0")/../lib.sh"
build=$1
[[ "$build" = /* ]] || build="$PWD/$build"
bench_bin="$build/bench/ws/ws_fanout"
[ -x "$bench_bin" ] || { bench_log "$bench_bin not built"; exit 1; }
clients=${WS_FANOUT_CLIENTS:-5000}
joins=${WS_FANOUT_JOINS:-7}
# Both ends hold one descriptor per client: raise the limit as far as allowed.
hard=$(ulimit -Hn)
want=$((clients * 2 + 1024))
if [ "$hard" = unlimited ] || [ "$hard" -ge "$want" ]; then ulimit -n "$want"; else ulimit -n "$hard"; fi
port=$(bench_free_port)
bench_start_ivs_server "$build" "$port" REQUIRE_LIVE_PUBLISHER=false \
  WS_MAX_CONNECTIONS=$((clients + 100)) WS_QUEUE_LIMIT=64
pid=${_bench_pids[${#_bench_pids[@]}-1]}
bench_log "ws fan-out: $clients clients, $joins joins (server pid ${pid:-unknown})"
"$bench_bin" "$port" bench-admin-key-0123456789 "$clients" "$joins" "${pid:-0}"
