#!/usr/bin/env bash
# A throw-away PostgreSQL 15 server for tests, run as the `postgres` user (PostgreSQL refuses
# root).   pg.sh start DIR PORT | stop DIR | restart DIR PORT
# Database "ivs_test", user "postgres", trust authentication on 127.0.0.1 only.
set -euo pipefail
cmd=$1; dir=$2; port=${3:-}
bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
as_pg() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
case "$cmd" in
  start|restart)
    [ -n "$port" ] || { echo "pg.sh: port required" >&2; exit 2; }
    if [ ! -f "$dir/data/PG_VERSION" ]; then
      mkdir -p "$dir"
      [ "$(id -u)" -eq 0 ] && chown postgres: "$dir"
      as_pg "$bin/initdb" -D "$dir/data" -A trust -U postgres --no-sync -E UTF8 >"$dir/initdb.log" 2>&1
    fi
    if [ "$cmd" = restart ]; then as_pg "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true; fi
    as_pg "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 30 \
      -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200" start >/dev/null
    as_pg "$bin/psql" -h 127.0.0.1 -p "$port" -U postgres -tAc \
      "SELECT 1 FROM pg_database WHERE datname='ivs_test'" | grep -q 1 ||
      as_pg "$bin/createdb" -h 127.0.0.1 -p "$port" -U postgres ivs_test
    ;;
  stop)
    as_pg "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
    ;;
  *) echo "usage: pg.sh start|stop|restart DIR [PORT]" >&2; exit 2 ;;
esac
