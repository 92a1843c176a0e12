#!/usr/bin/env bash
# Builds and tests the npm package of crates/js (ociscope-js), all on 127.0.0.1:
#   1. the Rust-side tests in Node (wasm-pack test --node) and headless Chromium (--chrome);
#   2. one release wasm-pack build per target (nodejs, web, bundler; one shared cargo target
#      dir, so rustc runs once) assembled into crates/js/pkg with the hand-written
#      crates/js/package.json, then `npm pack`; prints the .wasm size raw and gzip;
#   3. consumers of the packed tarball, each in a fresh folder outside the workspace (tests/npm
#      copied there, `npm ci` from its committed lock, the tarball installed with --no-save):
#      a Node ESM round trip (`node --test`) against ociscope-server --demo, an ociscope-server
#      that corrupts blob bodies, and CNCF distribution, and with credentials and without them
#      against ociscope-server with bearer tokens and distribution with htpasswd (auth.test.mjs);
#      a TypeScript check (`tsc --strict --noEmit`) that must accept the
#      correct use and refuse the deliberate wrong one; a Vite-built page (web build, `init()`)
#      that also runs a module Web Worker, in headless Chromium through playwright-core, against
#      the same registries (the auth ones with and without credentials) and a server without
#      CORS headers (tests/harness/no_cors.py).
# Registries are stopped by PID on exit. Exits nonzero on any failure.
set -euo pipefail
shopt -s inherit_errexit
cd "$(dirname "$0")/.."
source scripts/env.sh
source tests/harness/distribution.sh
root=$PWD
crate=$root/crates/js
pkg=$crate/pkg

work=$(mktemp -d "${TMPDIR:-/tmp}/ociscope-npm.XXXXXX")
pids=()
cleanup() {
  local pid
  for pid in "${pids[@]}"; do stop_pid "$pid"; done
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

say() { printf 'npm.sh: %s\n' "$*" >&2; }

# --- 1. Rust-side tests in Node and Chromium ---------------------------------------------------------------
say "wasm-pack test --node"
wasm-pack --log-level warn test --node --mode no-install "$crate"
say "wasm-pack test --headless --chrome (the same tests in Chromium)"
WASM_BINDGEN_USE_BROWSER=1 wasm-pack --log-level warn test --headless --chrome --mode no-install "$crate"

# --- 2. The package -----------------------------------------------------------------------------
rm -rf "$pkg"
for target in nodejs web bundler; do
  dir=${target/nodejs/node}
  say "wasm-pack build --release --target $target"
  wasm-pack --log-level warn build --mode no-install --release --no-pack --target "$target" \
    --out-dir "pkg/$dir" "$crate"
  # wasm-pack's own .gitignore ("*") would make npm pack leave the build out.
  rm -f "$pkg/$dir/.gitignore" "$pkg/$dir/package.json"
  # OciError is re-exported from js/glue.js (wasm-bindgen `reexport`), which declares it
  # `let OciError: unknown` beside the class declaration crates/js/src/error.rs writes; the
  # placeholder goes (and must be there, so a wasm-bindgen that changes this is noticed).
  grep -qx 'export let OciError: unknown;' "$pkg/$dir/ociscope_js.d.ts" ||
    { say "$dir/ociscope_js.d.ts: no OciError placeholder to replace"; exit 1; }
  sed -i '/^export let OciError: unknown;$/d' "$pkg/$dir/ociscope_js.d.ts"
done
# The nodejs build is CommonJS inside a "type": "module" package: a nested package.json says
# so, and its snippets (ES modules in the source, js/glue.js) are rewritten as CommonJS so
# `require` works on every Node >= 20 (not only those with require(esm)).
echo '{ "type": "commonjs" }' > "$pkg/node/package.json"
find "$pkg/node/snippets" -name '*.js' -print0 | xargs -0 -n1 node -e '
const fs = require("fs");
const file = process.argv[1];
let text = fs.readFileSync(file, "utf8");
const names = [];
text = text.replace(/^export (class|function|const) (\w+)/gm, (_, kind, name) => {
  names.push(name);
  return `${kind} ${name}`;
});
if (/^\s*(import|export)\b/m.test(text)) throw new Error(`${file}: imports or exports left over`);
fs.writeFileSync(file, `${text}\nmodule.exports = { ${names.join(", ")} };\n`);
'
cp "$crate/package.json" "$crate/README.md" "$pkg/"
tarball=$(cd "$pkg" && npm pack --silent --pack-destination "$work")
tarball=$work/$tarball
say "packed $(basename "$tarball"): $(stat -c %s "$tarball") bytes, $(tar tzf "$tarball" | wc -l) files"
for dir in node web bundler; do
  wasm=$pkg/$dir/ociscope_js_bg.wasm
  say "wasm ($dir): $(stat -c %s "$wasm") bytes raw, $(gzip -9 -c "$wasm" | wc -c) bytes gzip"
done

# --- 3. Registries and consumers ----------------------------------------------------------------
cargo build -q -p ociscope-server
# start_server NAME ARGS…: an ociscope-server on a free port; sets SERVER_URL from what it
# prints ("listening on http://…").
start_server() {
  local name=$1 pid i
  shift
  "$root/target/debug/ociscope-server" --listen "127.0.0.1:$(free_port)" "$@" \
    > "$work/$name.out" 2> "$work/$name.log" &
  pid=$!
  pids+=("$pid")
  for i in $(seq 1 300); do
    grep -q '^listening on ' "$work/$name.out" 2>/dev/null && break
    if ! kill -0 "$pid" 2>/dev/null; then
      say "ociscope-server ($name) exited; its log:"; cat "$work/$name.log" >&2; return 1
    fi
    sleep 0.1
  done
  SERVER_URL=$(sed -n 's/^listening on //p' "$work/$name.out" | head -1)
  [ -n "$SERVER_URL" ] || { say "ociscope-server ($name) did not say where it listens"; return 1; }
}
start_server demo --demo
server=$SERVER_URL
# Every blob body read under */c/ arrives with its first byte altered; half the upload chunks
# (PATCH) under */r/ lose their connection (seeded, so the same each run).
start_server faults --seed 7 --fault 'corrupt:GET /v2/*/c/blobs/sha256:*:1' \
  --fault 'reset:PATCH /v2/*/r/blobs/uploads/*:0.5'
faults=$SERVER_URL
# Auth: bearer tokens from ociscope-server's /token for SUITE_USER (every right), reader (pull)
# and anonymous (pull, under open/*); CNCF distribution behind htpasswd (Basic).
start_server bearer --token-auth --basic-auth "$SUITE_USER" --basic-auth reader:reader-secret \
  --grant "${SUITE_USER%%:*}:*:*" --grant 'reader:*:pull' --grant 'anonymous:open/*:pull'
bearer=$SERVER_URL
# The page's port is chosen now: the htpasswd registry's CORS names its origin (with
# credentials, distribution's CORS must name the origin, as in tests/fetch.sh).
page_port=$(free_port)
start_htpasswd_distribution "$work/htpasswd" "$(free_port)" "http://127.0.0.1:$page_port"
pids+=("$DISTRIBUTION_PID")
htpasswd=$DISTRIBUTION_URL
start_distribution "$work/distribution" "$(free_port)"
pids+=("$DISTRIBUTION_PID")
say "registries: ociscope-server $server (faults: $faults, bearer: $bearer), distribution $DISTRIBUTION_URL (htpasswd: $htpasswd)"
auth_env=(OCISCOPE_BEARER="$bearer" OCISCOPE_HTPASSWD="$htpasswd" OCISCOPE_USER="$SUITE_USER")

# consumer NAME: a fresh copy of tests/npm outside the workspace, with the tarball installed.
consumer() {
  local dir=$work/$1
  mkdir -p "$dir"
  cp -r "$root/tests/npm/." "$dir/"
  rm -rf "$dir/node_modules"
  (cd "$dir" && npm ci --silent --no-audit --no-fund) >&2
  (cd "$dir" && npm install --silent --no-save --no-audit --no-fund "$tarball") >&2
  echo "$dir"
}

say "Node ESM consumer (node --test)"
dir=$(consumer node)
(cd "$dir/node" && env "${auth_env[@]}" OCISCOPE_SERVER=$server OCISCOPE_FAULTS=$faults \
  OCISCOPE_DISTRIBUTION=$DISTRIBUTION_URL OCISCOPE_RUN="$(date +%s)-$$" \
  node --test --test-reporter=spec roundtrip.test.mjs auth.test.mjs)

say "TypeScript consumer (tsc --strict --noEmit)"
dir=$(consumer ts)
(cd "$dir/ts" && "$dir/node_modules/.bin/tsc" --version && "$dir/node_modules/.bin/tsc" --strict --noEmit -p tsconfig.json)
say "good.ts: accepted"
if (cd "$dir/ts" && "$dir/node_modules/.bin/tsc" --strict --noEmit -p tsconfig.bad.json) > "$work/bad.txt" 2>&1; then
  say "bad.ts compiled, but its wrong use must not"; exit 1
fi
cat "$work/bad.txt" >&2
grep -q 'bad.ts(5,' "$work/bad.txt" || { say "bad.ts failed, but not at the deliberate wrong use (line 5)"; exit 1; }
[ "$(grep -c 'error TS' "$work/bad.txt")" = 1 ] || { say "bad.ts: expected exactly one error"; exit 1; }
say "bad.ts: refused at the wrong use, as it must be"
say "Vite page and module Web Worker in headless Chromium"
dir=$(consumer browser)
nocors_port=$(free_port)
python3 "$root/tests/harness/no_cors.py" "$nocors_port" > "$work/no_cors.log" 2>&1 &
pids+=($!)
(cd "$dir/browser" && "$dir/node_modules/.bin/vite" build --outDir dist >&2)
(cd "$dir/browser" && exec "$dir/node_modules/.bin/vite" preview --host 127.0.0.1 --port "$page_port" \
  --strictPort --outDir dist) > "$work/preview.log" 2>&1 &
pids+=($!)
for i in $(seq 1 100); do
  curl -sf -o /dev/null "http://127.0.0.1:$page_port/" && curl -s -o /dev/null "http://127.0.0.1:$nocors_port/v2/" && break
  sleep 0.1
done
(cd "$dir/browser" && node run.mjs "http://127.0.0.1:$page_port/?server=$server&distribution=$DISTRIBUTION_URL&nocors=http://127.0.0.1:$nocors_port&bearer=$bearer&htpasswd=$htpasswd&user=$SUITE_USER&run=$(date +%s)-$$")
say "all npm package checks passed"
