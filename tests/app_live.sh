#!/usr/bin/env bash
# The app's browser tests (web/: unit tests, in-page UI tests and live-registry UI tests) in
# headless Chromium. Starts on 127.0.0.1, each on a free port, and stops by PID on exit:
#   - ociscope-server --demo (CORS, referrers API), the registry most views are checked on;
#   - ociscope-server --demo --basic-auth live:secret (sign-in from the error page);
#   - CNCF distribution (Debian's docker-registry) with CORS, filled by the test itself;
#   - a plain static file server that sends no CORS headers (the explained CORS error).
# Their addresses reach web/tests/live.rs at compile time as OCISCOPE_LIVE_* variables.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
source tests/harness/distribution.sh

cargo build -q -p ociscope-server
server_bin=target/debug/ociscope-server
work=$(mktemp -d)
pids=()
cleanup() {
  local pid
  for pid in "${pids[@]}"; do stop_pid "$pid"; done
  rm -rf "$work"
}
trap cleanup EXIT

# wait_http URL LOG: waits until URL answers (any status), or fails showing LOG.
wait_http() {
  local i
  for i in $(seq 1 900); do
    curl -s -o /dev/null "$1" && return 0
    sleep 0.1
  done
  echo "app_live: $1 did not come up; log:" >&2
  cat "$2" >&2
  return 1
}

demo_port=$(free_port)
"$server_bin" --listen "127.0.0.1:$demo_port" --demo >"$work/demo.log" 2>&1 &
pids+=($!)
auth_port=$(free_port)
"$server_bin" --listen "127.0.0.1:$auth_port" --demo --demo-repositories 10 --demo-tags 10 \
  --basic-auth live:secret >"$work/auth.log" 2>&1 &
pids+=($!)
dist_port=$(free_port)
start_distribution "$work/distribution" "$dist_port"
pids+=("$DISTRIBUTION_PID")
plain_port=$(free_port)
mkdir -p "$work/plain"
python3 -m http.server "$plain_port" --bind 127.0.0.1 --directory "$work/plain" \
  >"$work/plain.log" 2>&1 &
pids+=($!)

wait_http "http://127.0.0.1:$demo_port/v2/" "$work/demo.log"
wait_http "http://127.0.0.1:$auth_port/v2/" "$work/auth.log"
wait_http "http://127.0.0.1:$plain_port/" "$work/plain.log"

export OCISCOPE_LIVE_SERVER="http://127.0.0.1:$demo_port"
export OCISCOPE_LIVE_AUTH="http://127.0.0.1:$auth_port"
export OCISCOPE_LIVE_DISTRIBUTION="$DISTRIBUTION_URL"
export OCISCOPE_LIVE_NO_CORS="http://127.0.0.1:$plain_port"
cargo test --target wasm32-unknown-unknown -p ociscope-web
