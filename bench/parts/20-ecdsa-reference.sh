#!/usr/bin/env bash
# ES384 (ECDSA P-384 over SHA-384) signatures per second on one core: `openssl speed ecdsap384`
# beside Nettle's ecdsa_sign (bench/ecdsa/nettle_sign_bench), measured back to back. Every viewer
# join signs one such token, so these bound what one core can issue.
# BENCH_ECDSA_SECONDS (3) sets each measurement's length.
set -euo pipefail
. "$(dirname "$0")/../lib.sh"
build=$1
here=$(cd "$(dirname "$0")/.." && pwd)
seconds=${BENCH_ECDSA_SECONDS:-3}
bench_log "ecdsa-reference: openssl speed and nettle_sign_bench, ${seconds}s each"
ref=$("$here/ecdsa/reference.sh" "$build" "$seconds")

python3 - "$ref" <<'PY'
import json, sys
ref = json.loads(sys.argv[1])
o, n = ref["openssl"], ref["nettle"]
print(json.dumps({
    "name": "ecdsa-reference",
    "description": "ES384 sign/s on one core: OpenSSL (openssl speed ecdsap384) and Nettle (ecdsa_sign, secp384r1)",
    "openssl_ecdsap384": o,
    "nettle_es384": n,
    "ratio_nettle_vs_openssl_sign": round(n["sign_per_s"] / o["sign_per_s"], 2) if "sign_per_s" in n else None,
}))
PY
