#!/usr/bin/env bash
# Builds the given targets in build/, one build at a time (several people may share this tree).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
[ -f "$root/build/build.ninja" ] || (cd "$root" && cmake --preset release >/dev/null)
exec flock /tmp/ivs-build.lock ninja -C "$root/build" "$@"
