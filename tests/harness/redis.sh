#!/usr/bin/env bash
# A throw-away Redis server for tests.   redis.sh start DIR PORT | stop DIR
set -euo pipefail
cmd=$1; dir=$2; port=${3:-}
case "$cmd" in
  start)
    mkdir -p "$dir"
    redis-server --port "$port" --bind 127.0.0.1 --dir "$dir" --save "" --appendonly no \
      --daemonize yes --pidfile "$dir/redis.pid" --logfile "$dir/redis.log" >/dev/null
    for _ in $(seq 1 200); do
      redis-cli -p "$port" ping >/dev/null 2>&1 && exit 0
      sleep 0.05
    done
    echo "redis.sh: server on $port did not answer" >&2; exit 1
    ;;
  stop)
    if [ -f "$dir/redis.pid" ]; then
      pid=$(cat "$dir/redis.pid"); kill "$pid" 2>/dev/null || true
      for _ in $(seq 1 200); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
      rm -f "$dir/redis.pid"
    fi
    ;;
  *) echo "usage: redis.sh start|stop DIR [PORT]" >&2; exit 2 ;;
esac
