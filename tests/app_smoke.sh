#!/usr/bin/env bash
# Loads the built app (dist/), served by ociscope-server --app beside its registry as
# scripts/run does (wasm gzip-compressed), in headless Chromium and checks what it rendered: the
# start page (connect), the reference tool (`ubuntu` parsed and normalized to
# docker.io/library/ubuntu), and the demo's multi-platform index opened by URL, both the
# in-page demo and the server's own registry on the same origin (pages of the tools bundle,
# which the catalog bundle loads and starts in their place). All with the server's
# Content-Security-Policy on: the app still renders a registry's catalog, and an inline script
# injected into another page of the same server does not run.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
source tests/harness/distribution.sh
[ -f dist/index.html ] || { echo "app_smoke: dist/ is missing: run trunk build first" >&2; exit 1; }

cargo build -q -p ociscope-server
port=$(free_port)
profile=$(mktemp -d)
# The app plus a page with an injected inline script (hard links: no copy of the wasm).
cp -al dist "$profile/app" 2>/dev/null || cp -r dist "$profile/app"
printf '<!DOCTYPE html><html><body data-probe="1"><script>document.body.dataset.ran = "yes";</script></body></html>\n' \
  > "$profile/app/probe.html"
target/debug/ociscope-server --listen "127.0.0.1:$port" --app "$profile/app" --demo \
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
expect_not() {
  if grep -qF -- "$1" <<<"$dom"; then
    failed=$((failed + 1)); echo "app_smoke: rendered page holds: $1" >&2; else passed=$((passed + 1)); fi
}
dom=$(dump "")
expect 'Connect to a registry'
expect 'href="?registry=demo:"'
# No --upstream: the start page lists no forwarded registries (and shows no error).
expect_not 'id="upstreams"'
expect_not 'error-box'
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
# So does the tools bundle the catalog bundle loads for every other page (web/src/bundle.rs).
dom=$(curl -s -o /dev/null -H 'Accept-Encoding: gzip' -w '%{http_code} %header{content-encoding}' "$origin/ociscope-tools_bg.wasm")
expect '200 gzip'
# The catalog of the server's registry, rendered under the policy.
dom=$(dump "?registry=$origin")
expect 'demo/hello'
# The hardening headers, and an injected inline script blocked (its hash is not allowed).
dom=$(curl -s -D - -o /dev/null "$origin/")
expect "script-src 'self' 'wasm-unsafe-eval' 'sha256-"
expect "frame-ancestors 'none'"
expect 'x-content-type-options: nosniff'
expect 'referrer-policy: no-referrer'
dom=$(dump "probe.html")
expect 'data-probe="1"'
expect_not 'data-ran'
echo "app smoke: $passed passed, $failed failed"
[ "$failed" = 0 ]
