#!/usr/bin/env bash
# History write throughput: sessions/s (start + end event each) sustained through the durable
# event sink into SQLite and into PostgreSQL 15 (a private server in a temporary directory),
# beside the same sessions applied straight to each store in 500-session batches.
# HISTORY_BENCH_SESSIONS (20000) sets the size.
set -euo pipefail
. "$(dirname "$0")/../lib.sh"
build=$1
bench_bin="$build/bench/history/history_bench"
[ -x "$bench_bin" ] || { bench_log "$bench_bin not built"; exit 1; }
harness="$BENCH_ROOT/../tests/harness"

dir=$(bench_tmpdir)
chmod 755 "$dir"
pg_port=$(bench_free_port)
"$harness/pg.sh" start "$dir/pg" "$pg_port" >&2
trap '"$harness/pg.sh" stop "$dir/pg" >&2 || true; bench_cleanup' EXIT

"$bench_bin" --sessions "${HISTORY_BENCH_SESSIONS:-20000}" --data-dir "$dir/data" \
  --pg "127.0.0.1:$pg_port/ivs_test"
