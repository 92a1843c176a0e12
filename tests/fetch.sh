#!/usr/bin/env bash
# Tests the Fetch transport (crates/fetch) in headless Chromium, a dedicated Web Worker and Node
# against live registries, all on 127.0.0.1 with free ports, stopped by PID on exit:
#   - CNCF distribution with CORS open to any origin (the spec suite, 64 MiB upload, listings…);
#   - distribution behind htpasswd basic auth, CORS for the test page's origin only;
#   - the same distribution behind a path prefix (tests/harness/prefix_proxy.py);
#   - ociscope-server: plain (referrers API), bearer tokens, basic auth, injected faults,
#     real registries' upload quirks;
#   - a registry-like server without CORS headers (tests/harness/no_cors.py), a closed port.
# skopeo pushes an image the tests read, and copies out the image the Chromium test pushes.
# Addresses reach the tests at compile time (OCISCOPE_FETCH_* read with option_env!). The test
# page is served at a fixed origin (WASM_BINDGEN_TEST_ADDRESS) so registries can name it in CORS.
# Prints the suite reports, listing counts and upload speeds; exits nonzero on any failure.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
source tests/harness/distribution.sh

work=$(mktemp -d "${TMPDIR:-/tmp}/ociscope-fetch.XXXXXX")
pids=()
cleanup() {
  local pid
  for pid in "${pids[@]}"; do stop_pid "$pid"; done
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# A free port not handed out before in this run (ports are bound later, by other programs).
used_ports=" "
port() {
  local p
  while :; do
    p=$(free_port)
    case "$used_ports" in *" $p "*) continue ;; esac
    used_ports+="$p "
    echo "$p"
    return
  done
}

# wait_http URL PID LOG: waits until URL answers any HTTP status.
wait_http() {
  local url=$1 pid=$2 log=$3 i
  for i in $(seq 1 200); do
    case "$(curl -s -o /dev/null -w '%{http_code}' "$url" || true)" in
      000) ;;
      *) return 0 ;;
    esac
    if ! kill -0 "$pid" 2>/dev/null; then
      echo "$url: the server exited; its log:" >&2; cat "$log" >&2; return 1
    fi
    sleep 0.1
  done
  echo "$url did not answer; log:" >&2; cat "$log" >&2; return 1
}

run_id=$(date +%s)-$$
page_port=$(port)
page_origin="http://127.0.0.1:$page_port"

start_registries() {
  start_distribution "$work/distribution" "$(port)"
  pids+=("$DISTRIBUTION_PID")
  distribution=$DISTRIBUTION_URL

  start_htpasswd_distribution "$work/htpasswd" "$(port)" "$page_origin"
  pids+=("$DISTRIBUTION_PID")
  htpasswd=$DISTRIBUTION_URL

  local p
  p=$(port)
  python3 tests/harness/prefix_proxy.py "$p" /mirror "$distribution" > "$work/prefix.log" 2>&1 &
  pids+=($!)
  prefixed="http://127.0.0.1:$p/mirror"
  wait_http "$prefixed/v2/" "$!" "$work/prefix.log"

  p=$(port)
  python3 tests/harness/no_cors.py "$p" > "$work/no_cors.log" 2>&1 &
  pids+=($!)
  no_cors="http://127.0.0.1:$p"
  wait_http "$no_cors/v2/" "$!" "$work/no_cors.log"
}

# start_server NAME ARGS…: an ociscope-server; sets SERVER_URL.
start_server() {
  local name=$1 p
  shift
  p=$(port)
  "$server_bin" --listen "127.0.0.1:$p" "$@" > "$work/$name.log" 2>&1 &
  pids+=($!)
  SERVER_URL="http://127.0.0.1:$p"
  wait_http "$SERVER_URL/v2/" "$!" "$work/$name.log"
}

start_servers() {
  local user=$SUITE_USER
  start_server plain
  server=$SERVER_URL
  start_server bearer --token-auth --basic-auth "$user"
  bearer=$SERVER_URL
  start_server basic --basic-auth "$user"
  basic=$SERVER_URL
  # 429 (Retry-After: 1) on every method but OPTIONS (a preflight answered 429 fails in a
  # browser before the client sees it), 503 on reads, resets mid-PATCH, and blob bodies
  # truncated under */t/ and altered under */c/.
  start_server faults --seed 5 \
    --fault 'truncate:GET /v2/*/t/blobs/sha256:*:1' \
    --fault 'corrupt:GET /v2/*/c/blobs/sha256:*:1' \
    --fault 'reset:PATCH /v2/*/blobs/uploads/*:0.15' \
    --fault '429:GET /v2/*:0.08' --fault '429:HEAD /v2/*:0.08' --fault '429:POST /v2/*:0.1' \
    --fault '429:PATCH /v2/*:0.1' --fault '429:PUT /v2/*:0.1' \
    --fault '503:GET /v2/*:0.1'
  faults=$SERVER_URL
  # Real registries' upload quirks at once: GHCR's 4 MiB request limit, an S3-style chunk
  # minimum, ECR's 201 for PATCH, a Range that lags behind, 500 for an empty final PUT.
  start_server quirks --quirk max-request=4MiB --quirk chunk-min=3MiB --quirk patch-201 \
    --quirk stale-range --quirk empty-put-500
  quirks=$SERVER_URL
}

skopeo_in() {
  local repo="skopeo-$run_id/in" tag=v1
  python3 tests/harness/oci_layout.py "$work/layout-in" "$tag" > /dev/null
  skopeo --insecure-policy copy -q --dest-tls-verify=false --digestfile "$work/in.digest" \
    "oci:$work/layout-in:$tag" "docker://${distribution#http://}/$repo:$tag"
  skopeo_in_ref="$repo:$tag@$(cat "$work/in.digest")"
  echo "skopeo pushed $skopeo_in_ref" >&2
}

# Copies out what the Chromium test pushed and checks the manifest digest and every blob.
skopeo_out() {
  local line ref digest
  line=$(grep -ao 'skopeo-out: [^ ]*' "$work/browser.out" | tail -1 || true)
  if [ -z "$line" ]; then
    echo "skopeo-out: the Chromium test printed no pushed image" >&2
    return 1
  fi
  ref=${line#skopeo-out: }
  digest=${ref#*@}
  skopeo --insecure-policy copy -q --src-tls-verify=false \
    "docker://${distribution#http://}/${ref%@*}" "oci:$work/layout-out:out" || return 1
  python3 - "$work/layout-out" "$digest" <<'PY'
import hashlib, json, os, sys
out, want = sys.argv[1], sys.argv[2]
index = json.load(open(os.path.join(out, "index.json")))
got = index["manifests"][0]["digest"]
assert got == want, f"skopeo copied out {got}, the test pushed {want}"
blobs = os.path.join(out, "blobs", "sha256")
for name in os.listdir(blobs):
    data = open(os.path.join(blobs, name), "rb").read()
    assert hashlib.sha256(data).hexdigest() == name, f"blob {name} does not match its digest"
manifest = json.load(open(os.path.join(blobs, want.split(":")[1])))
print(f"skopeo copied out {want}: manifest and {len(os.listdir(blobs))} blobs verified, "
      f"{len(manifest['layers'])} layer(s)")
PY
}

# Reads the index the Chromium test copied with skopeo (digest equal, every platform copied
# out and verified), and times skopeo copying the same index between the same registries.
skopeo_copy_check() {
  local line ref digest raw start end
  line=$(grep -ao 'copy-out: [^ ]*' "$work/browser.out" | tail -1 || true)
  if [ -z "$line" ]; then
    echo "copy-out: the Chromium copy test printed no copy" >&2
    return 1
  fi
  ref=${line#copy-out: }
  digest=${ref#*@}
  raw=$(skopeo inspect --raw --tls-verify=false "docker://${distribution#http://}/${ref%@*}") || return 1
  [ "sha256:$(printf '%s' "$raw" | sha256sum | cut -d' ' -f1)" = "$digest" ] ||
    { echo "skopeo inspect --raw: not the index ociscope copied ($digest)" >&2; return 1; }
  skopeo --insecure-policy copy -q --all --src-tls-verify=false \
    "docker://${distribution#http://}/${ref%@*}" "oci:$work/layout-copy:copy" || return 1
  echo "skopeo read the Chromium copy ${ref%@*}: inspect --raw digest $digest, copied out --all"
  start=$(date +%s.%N)
  skopeo copy -q --all --src-tls-verify=false --dest-tls-verify=false \
    "docker://${server#http://}/demo/hello:latest" \
    "docker://${distribution#http://}/skopeo-$run_id/hello:latest" || return 1
  end=$(date +%s.%N)
  echo "skopeo copy --all ociscope-server -> distribution, demo index: $(python3 -c "print(f'{$end - $start:.2f}')") s"
}

# run_tests NAME ARGS…: one wasm test target; output kept for the summary.
failures=()
run_tests() {
  local name=$1
  shift
  printf '\n\033[1m==> wasm tests: %s\033[0m\n' "$name" >&2
  local start=$SECONDS
  # sha2 optimized even in this debug build, so the upload speeds measure the transport
  # rather than unoptimized hashing.
  if cargo --config 'profile.dev.package.sha2.opt-level=3' \
    test --target wasm32-unknown-unknown -p ociscope-fetch --test "$name" "$@" \
    -- --nocapture 2>&1 | tee "$work/$name.out"; then
    printf '\033[1m<== %s: ok (%ss)\033[0m\n' "$name" "$((SECONDS - start))" >&2
  else
    printf '\033[1m<== %s: FAILED (%ss)\033[0m\n' "$name" "$((SECONDS - start))" >&2
    failures+=("$name")
  fi
}

step "build ociscope-server" cargo build -q -p ociscope-server
server_bin="${CARGO_TARGET_DIR:-target}/debug/ociscope-server"
step "start registries" start_registries
step "start ociscope-server instances" start_servers
step "skopeo copy an image in" skopeo_in
closed="http://127.0.0.1:$(port)"

export OCISCOPE_FETCH_DISTRIBUTION=$distribution OCISCOPE_FETCH_HTPASSWD=$htpasswd \
  OCISCOPE_FETCH_PREFIXED=$prefixed OCISCOPE_FETCH_NO_CORS=$no_cors \
  OCISCOPE_FETCH_CLOSED=$closed OCISCOPE_FETCH_SERVER=$server OCISCOPE_FETCH_BEARER=$bearer \
  OCISCOPE_FETCH_BASIC=$basic OCISCOPE_FETCH_FAULTS=$faults OCISCOPE_FETCH_QUIRKS=$quirks \
  OCISCOPE_FETCH_PAGE_ORIGIN=$page_origin OCISCOPE_FETCH_SKOPEO_IN=$skopeo_in_ref \
  OCISCOPE_FETCH_SKOPEO_OUT="skopeo-$run_id/out:v1"
# The runner serves the test page here, so the htpasswd registry's CORS can name its origin.
export WASM_BINDGEN_TEST_ADDRESS=127.0.0.1:$page_port
# Without cross-origin isolation (the runner's default adds COEP), so the transport's no-cors
# probe can tell a CORS refusal from an unreachable registry, as in an ordinary page.
export WASM_BINDGEN_TEST_NO_ORIGIN_ISOLATION=1
export WASM_BINDGEN_TEST_TIMEOUT=${WASM_BINDGEN_TEST_TIMEOUT_FETCH:-900}

run_tests browser
run_tests node
run_tests worker
printf '\n\033[1m==> skopeo copy the pushed image out\033[0m\n' >&2
if ! skopeo_out > "$work/skopeo-out.out" 2>&1; then
  failures+=(skopeo-out)
fi
cat "$work/skopeo-out.out" >&2
printf '\n\033[1m==> skopeo reads the copy Chromium made\033[0m\n' >&2
if ! skopeo_copy_check > "$work/skopeo-copy.out" 2>&1; then
  failures+=(skopeo-copy)
fi
cat "$work/skopeo-copy.out" >&2

printf '\n\033[1mfetch transport summary\033[0m\n' >&2
for name in browser node worker skopeo-out skopeo-copy; do
  [ -f "$work/$name.out" ] || continue
  grep -ahE 'spec suite:|repositories listed|MiB chunked upload|answers \(|refused:|skopeo|AssertionError|round trip|referrers found|chromium copy|^test result:' \
    "$work/$name.out" | sed "s/^/  $name: /" >&2 || true
done
if [ "${#failures[@]}" -gt 0 ]; then
  echo "fetch transport tests FAILED: ${failures[*]}" >&2
  exit 1
fi
echo "fetch transport tests passed (${SECONDS}s)" >&2
