#!/usr/bin/env bash
# Runs every benchmark part (bench/parts/*.sh, in name order) against BUILD_DIR's ivs-server.
# Each part prints one JSON object on stdout (progress goes to stderr). The results are written
# to bench/results/<UTC timestamp>.json and bench/results/latest.json, then summarised.
#   ./bench/run.sh build            # every part
#   ./bench/run.sh build health     # only parts whose file name contains "health"
# BENCH_DURATION (10s), BENCH_CONNECTIONS (32), BENCH_THREADS (1) tune the wrk runs.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
build=${1:-build}
filter=${2:-}
[[ "$build" = /* ]] || build="$root/$build"

if [ ! -x "$build/ivs-server" ]; then
  echo "bench: $build/ivs-server not found; run \`make build\` first" >&2
  exit 1
fi
for tool in wrk nginx python3 curl; do
  command -v "$tool" >/dev/null || { echo "bench: $tool is missing (make deps)" >&2; exit 1; }
done

mkdir -p "$here/results"
stamp=$(date -u +%Y%m%dT%H%M%SZ)
parts_file=$(mktemp /tmp/ivs-bench-parts.XXXXXX)
trap 'rm -f "$parts_file"' EXIT

failed=0
for part in "$here"/parts/*.sh; do
  [ -e "$part" ] || continue
  name=$(basename "$part")
  if [ -n "$filter" ] && [[ "$name" != *"$filter"* ]]; then continue; fi
  echo "bench: running $name" >&2
  if out=$(bash "$part" "$build") && python3 -c 'import json,sys; json.loads(sys.argv[1])' "$out" 2>/dev/null; then
    printf '%s\n' "$out" >>"$parts_file"
  else
    echo "bench: $name failed" >&2
    printf '{"name":"%s","error":"part failed"}\n' "${name%.sh}" >>"$parts_file"
    failed=1
  fi
done

python3 - "$parts_file" "$here/results/$stamp.json" "$stamp" "$build" <<'PY'
import json, os, platform, subprocess, sys

parts_file, out_path, stamp, build = sys.argv[1:5]
parts = [json.loads(line) for line in open(parts_file) if line.strip()]
try:
    version = subprocess.run([os.path.join(build, "ivs-server"), "--version"],
                             capture_output=True, text=True, timeout=5).stdout.strip()
except Exception:
    version = "unknown"
doc = {
    "timestamp": stamp,
    "version": version,
    "host": {"cpus": os.cpu_count(), "kernel": platform.release(), "machine": platform.machine()},
    "parts": parts,
}
with open(out_path, "w") as f:
    json.dump(doc, f, indent=2)
    f.write("\n")
with open(os.path.join(os.path.dirname(out_path), "latest.json"), "w") as f:
    json.dump(doc, f, indent=2)
    f.write("\n")


def fmt(figures):
    if not isinstance(figures, dict) or "rps" not in figures:
        return json.dumps(figures)
    return "%10.0f req/s   p50 %7.3f ms   p99 %7.3f ms%s" % (
        figures["rps"] or 0, figures.get("p50_ms") or 0, figures.get("p99_ms") or 0,
        "   errors %d" % (figures.get("errors", 0) + figures.get("non_2xx", 0))
        if figures.get("errors") or figures.get("non_2xx") else "")


print("ivs-server benchmarks %s (%s, %d cpus)" % (stamp, version, os.cpu_count()))
for p in parts:
    print("\n[%s] %s" % (p.get("name"), p.get("description", "")))
    if "error" in p:
        print("  FAILED: %s" % p["error"])
        continue
    for key, value in p.items():
        if key in ("name", "description"):
            continue
        if isinstance(value, dict):
            print("  %-18s %s" % (key, fmt(value)))
        else:
            print("  %-18s %s" % (key, value))
print("\nwritten: %s and latest.json" % out_path)
PY
exit $failed
