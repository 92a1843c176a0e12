#!/usr/bin/env bash
# Loads the built app (dist/) in headless Chromium and checks what it rendered: the start page
# (connect), the reference tool (`ubuntu` parsed and normalized to docker.io/library/ubuntu),
# and the demo registry's multi-platform index opened by URL.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
source tests/harness/distribution.sh
[ -f dist/index.html ] || { echo "app_smoke: dist/ is missing: run trunk build first" >&2; exit 1; }

port=$(free_port)
python3 -m http.server "$port" --bind 127.0.0.1 --directory dist >/dev/null 2>&1 &
server=$!
profile=$(mktemp -d)
trap 'stop_pid $server; rm -rf "$profile"' EXIT
for _ in $(seq 1 50); do curl -sf "http://127.0.0.1:$port/" >/dev/null && break; sleep 0.1; done

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
echo "app smoke: $passed passed, $failed failed"
[ "$failed" = 0 ]
