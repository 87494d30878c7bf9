#!/usr/bin/env bash
# Prints the one-core ES384 sign rates measured now, as one JSON object:
#   {"openssl": {...sign_per_s...}, "nettle": {...sign_per_s...} or {"error": ...}}
#   ecdsa/reference.sh [BUILD_DIR (build)] [seconds (3)]
# OpenSSL: `openssl speed -seconds N ecdsap384` (one process, one core). Nettle:
# BUILD_DIR/bench/ecdsa/nettle_sign_bench (ecdsa_sign on secp384r1, SHA-384, RAND_bytes nonces).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-build}
[[ "$build" = /* ]] || build="$root/$build"
seconds=${2:-3}
speed=$(openssl speed -seconds "$seconds" ecdsap384 2>/dev/null)
openssl_version=$(openssl version)
nettle_bin="$build/bench/ecdsa/nettle_sign_bench"
if [ -x "$nettle_bin" ]; then
  nettle=$("$nettle_bin" "$seconds")
else
  nettle='{"error":"nettle_sign_bench not built (install nettle-dev with scripts/install-deps.sh, then rebuild)"}'
fi
python3 - "$speed" "$openssl_version" "$nettle" "$seconds" <<'PY'
import json, re, sys
speed, version, nettle, seconds = sys.argv[1], sys.argv[2], json.loads(sys.argv[3]), float(sys.argv[4])
m = re.search(r"ecdsa \(nistp384\)\s+\S+\s+\S+\s+([0-9.]+)\s+([0-9.]+)", speed)
if not m:
    sys.exit("ecdsa reference: could not read `openssl speed ecdsap384`:\n" + speed)
openssl = {"library": version, "command": "openssl speed -seconds %g ecdsap384" % seconds, "threads": 1,
           "sign_per_s": float(m.group(1)), "verify_per_s": float(m.group(2))}
print(json.dumps({"openssl": openssl, "nettle": nettle}))
PY
