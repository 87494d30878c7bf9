# Sourced by the SDK test scripts: starts `ivs-server emulator` on a free port in the background
# and exports EP (its endpoint) plus AWS client settings that point nowhere but at it.
# Usage: source emulator_env.sh <path to ivs-server>
set -euo pipefail
IVS_BIN=$(realpath "${1:?path to ivs-server}")
EMU_DIR=$(mktemp -d)
export IVS_EMULATOR_ACCESS_KEY_ID=test IVS_EMULATOR_SECRET_ACCESS_KEY=test
export IVS_EMULATOR_MAX_STAGES=50
(cd "$EMU_DIR" && exec "$IVS_BIN" emulator --port 0 --host 127.0.0.1 >"$EMU_DIR/out" 2>&1) &
EMU_PID=$!
emulator_stop() {
  kill "$EMU_PID" 2>/dev/null || true
  wait "$EMU_PID" 2>/dev/null || true
  rm -rf "$EMU_DIR"
}
trap emulator_stop EXIT
EP=""
for _ in $(seq 1 200); do
  EP=$(sed -n 's/^ivs emulator listening on \(http:[^ ]*\)$/\1/p' "$EMU_DIR/out" 2>/dev/null || true)
  [ -n "$EP" ] && break
  kill -0 "$EMU_PID" 2>/dev/null || { cat "$EMU_DIR/out" >&2; echo "emulator exited" >&2; exit 1; }
  sleep 0.05
done
[ -n "$EP" ] || { cat "$EMU_DIR/out" >&2; echo "emulator did not start within 10 s" >&2; exit 1; }
export EP
export AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_DEFAULT_REGION=us-east-1 AWS_REGION=us-east-1
export AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null AWS_EC2_METADATA_DISABLED=true
unset AWS_PROFILE AWS_SESSION_TOKEN AWS_DEFAULT_PROFILE || true
