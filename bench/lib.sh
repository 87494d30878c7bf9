#!/usr/bin/env bash
# Helpers shared by the benchmark parts (bench/parts/*.sh). Source it:
#   . "$(dirname "$0")/../lib.sh"
# Every helper that starts a process registers it for cleanup on exit.

BENCH_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
BENCH_DURATION=${BENCH_DURATION:-10s}
BENCH_CONNECTIONS=${BENCH_CONNECTIONS:-32}
BENCH_THREADS=${BENCH_THREADS:-1}
_bench_pids=()
_bench_dirs=()

bench_cleanup() {
  local pid
  for pid in "${_bench_pids[@]}"; do
    if kill -0 "$pid" 2>/dev/null; then
      kill -TERM "$pid" 2>/dev/null || true
      for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
      kill -KILL "$pid" 2>/dev/null || true
    fi
  done
  local d
  for d in "${_bench_dirs[@]}"; do rm -rf "$d"; done
}
trap bench_cleanup EXIT

# Progress for humans goes to stderr; stdout carries only the part's JSON.
bench_log() { echo "bench: $*" >&2; }

bench_tmpdir() {
  local d
  d=$(mktemp -d /tmp/ivs-bench.XXXXXX)
  _bench_dirs+=("$d")
  echo "$d"
}

bench_free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

# bench_wait_http URL [timeout_seconds]: polls until the URL answers 2xx.
bench_wait_http() {
  local url=$1 timeout=${2:-20} i
  for i in $(seq 1 $((timeout * 20))); do
    curl -fsS -o /dev/null --max-time 1 "$url" 2>/dev/null && return 0
    sleep 0.05
  done
  bench_log "no answer from $url within ${timeout}s"
  return 1
}

# bench_start_ivs_server BUILD_DIR PORT [VAR=value...]: starts build/ivs-server in embedded mode
# on PORT (LOG_LEVEL=warn, a temporary DATA_DIR) and waits until /health answers.
bench_start_ivs_server() {
  local build=$1 port=$2
  shift 2
  local dir
  dir=$(bench_tmpdir)
  (cd "$dir" && exec env API_HOST=127.0.0.1 API_PORT="$port" DATA_DIR="$dir/data" LOG_LEVEL=warn \
      API_SECRET_KEY=bench-admin-key-0123456789 RATE_LIMIT_MAX_REQUESTS=100000000 "$@" \
      "$build/ivs-server" >"$dir/server.log" 2>&1) &
  _bench_pids+=($!)
  bench_wait_http "http://127.0.0.1:$port/health"
}

# bench_start_nginx PORT: nginx-light answering every request with a fixed JSON body.
bench_start_nginx() {
  local port=$1 dir user_line=""
  dir=$(bench_tmpdir)
  [ "$(id -u)" -eq 0 ] && user_line="user root;"
  cat >"$dir/nginx.conf" <<CONF
$user_line
worker_processes auto;
daemon off;
pid $dir/nginx.pid;
error_log $dir/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path $dir/body;
  proxy_temp_path $dir/proxy;
  fastcgi_temp_path $dir/fastcgi;
  uwsgi_temp_path $dir/uwsgi;
  scgi_temp_path $dir/scgi;
  keepalive_requests 1000000;
  server {
    listen 127.0.0.1:$port;
    location / {
      default_type application/json;
      return 200 '{"status":"ok"}';
    }
  }
}
CONF
  nginx -c "$dir/nginx.conf" -p "$dir" >"$dir/stdout.log" 2>&1 &
  _bench_pids+=($!)
  bench_wait_http "http://127.0.0.1:$port/"
}

# bench_wrk URL [extra wrk args...]: runs wrk with latency statistics and prints
# {"rps":..,"p50_ms":..,"p90_ms":..,"p99_ms":..,"requests":..,"errors":..,"non_2xx":..}.
bench_wrk() {
  local url=$1
  shift
  bench_log "wrk -t$BENCH_THREADS -c$BENCH_CONNECTIONS -d$BENCH_DURATION --latency $* $url"
  wrk -t"$BENCH_THREADS" -c"$BENCH_CONNECTIONS" -d"$BENCH_DURATION" --latency "$@" "$url" |
    python3 "$BENCH_ROOT/parse_wrk.py"
}
