#!/usr/bin/env bash
# Loads the built app (dist/), served by ociscope-server --app beside its registry as
# scripts/run does (wasm gzip-compressed), in headless Chromium and checks what it rendered: the
# start page (connect), the reference tool (`ubuntu` parsed and normalized to
# docker.io/library/ubuntu), and the demo's multi-platform index opened by URL, both the
# in-page demo and the server's own registry on the same origin.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
source tests/harness/distribution.sh
[ -f dist/index.html ] || { echo "app_smoke: dist/ is missing: run trunk build first" >&2; exit 1; }

cargo build -q -p ociscope-server
port=$(free_port)
profile=$(mktemp -d)
target/debug/ociscope-server --listen "127.0.0.1:$port" --app dist --demo \
  --demo-repositories 20 --demo-tags 20 >"$profile/server.log" 2>&1 &
server=$!
trap 'stop_pid $server; rm -rf "$profile"' EXIT
for _ in $(seq 1 300); do curl -sf "http://127.0.0.1:$port/v2/" >/dev/null && break; sleep 0.1; done

# The DOM Chromium rendered for the page at query string $1.
dump() {
  chromium --headless --no-sandbox --disable-gpu --disable-background-networking \
    --disable-component-update --disable-sync --disable-quic --no-first-run \
    --user-data-dir="$profile" --virtual-time-budget=20000 --dump-dom "http://127.0.0.1:$port/$1" 2>/dev/null
}

passed=0 failed=0
expect() {
  if grep -qF -- "$1" <<<"$dom"; then passed=$((passed + 1)); else
    failed=$((failed + 1)); echo "app_smoke: rendered page lacks: $1" >&2; fi
}
dom=$(dump "")
expect 'Connect to a registry'
expect 'href="?registry=demo:"'
dom=$(dump "?tool=parse")
expect '<table id="ref-result">'
expect '<code>docker.io/library/ubuntu</code>'
expect '<code>ubuntu</code>'
expect '<code>docker.io/library/ubuntu:latest</code>'
dom=$(dump "?registry=demo:&repo=demo/hello&ref=latest")
expect '<table id="platforms">'
expect 'docker pull demo/hello:latest'
expect 'linux'
expect 'arm64'
origin="http://127.0.0.1:$port"
dom=$(dump "?registry=$origin&repo=demo/hello&ref=latest")
expect '<table id="platforms">'
expect "docker pull 127.0.0.1:$port/demo/hello:latest"
# The wasm goes out gzip-compressed to a client that asks (Chromium does).
wasm=$(grep -o 'ociscope-web-[0-9a-f]*_bg.wasm' dist/index.html | head -n1)
dom=$(curl -s -o /dev/null -H 'Accept-Encoding: gzip' -w '%{http_code} %header{content-encoding}' "$origin/$wasm")
expect '200 gzip'
echo "app smoke: $passed passed, $failed failed"
[ "$failed" = 0 ]
