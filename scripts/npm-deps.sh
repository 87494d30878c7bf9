#!/usr/bin/env bash
# Installs the npm packages used by the SDK, browser and benchmark suites (tests only; the
# server itself needs none). Idempotent: skipped when package-lock.json is already satisfied.
set -euo pipefail
cd "$(dirname "$0")/.."
for dir in tests/sdk tests/browser bench/reference; do
  [ -f "$dir/package.json" ] || continue
  if [ -d "$dir/node_modules" ] && [ "$dir/node_modules/.package-lock.json" -nt "$dir/package.json" ]; then
    continue
  fi
  echo "npm-deps: installing $dir"
  (cd "$dir" && npm install --no-audit --no-fund --loglevel=error)
done
