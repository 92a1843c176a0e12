#!/usr/bin/env bash
# Copy benchmark, side by side in one run: the demo's 5-platform index (every platform, as
# `skopeo copy --all` does) from ociscope-server --demo to a fresh CNCF distribution, with
# ociscope-tools' copy_image (native HTTP client, release build) and with skopeo; then ociscope
# again with the image's referrers (signatures, SBOM), which skopeo does not copy.
# Every run copies into a new registry on a new port (nothing is there to skip or mount, and
# skopeo's blob-info cache has no entry for it). Prints each run, then medians and ratios.
# Usage: bash scripts/bench_copy.sh [RUNS] (default 5). Everything listens on 127.0.0.1.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
source tests/harness/distribution.sh
runs=${1:-5}

cargo build -q --release -p ociscope-server
cargo build -q --release -p ociscope-tools --example copy
server=target/release/ociscope-server
copy=target/release/examples/copy
work=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

port=$(free_port)
"$server" --listen "127.0.0.1:$port" --demo > "$work/server.log" 2>&1 &
pids+=($!)
src="http://127.0.0.1:$port"
for _ in $(seq 1 600); do curl -sf "$src/v2/" > /dev/null && break; sleep 0.1; done
size=$(curl -s -H 'Accept: application/vnd.oci.image.index.v1+json' "$src/v2/demo/hello/manifests/latest" |
  python3 -c 'import json,sys; print(len(json.load(sys.stdin)["manifests"]))')
echo "source: ociscope-server --demo at $src, demo/hello:latest (an index of $size manifests)"

# fresh TOOL N: starts a new, empty registry; sets DISTRIBUTION_URL and DISTRIBUTION_PID.
fresh() {
  start_distribution "$work/dist-$1-$2" "$(free_port)" > /dev/null
  pids+=("$DISTRIBUTION_PID")
}
declare -A times
for i in $(seq 1 "$runs"); do
  for tool in skopeo ociscope ociscope+referrers; do
    fresh "$tool" "$i"
    dst=$DISTRIBUTION_URL
    start=$(date +%s.%N)
    case $tool in
      skopeo)
        skopeo copy -q --all --src-tls-verify=false --dest-tls-verify=false \
          "docker://${src#http://}/demo/hello:latest" "docker://${dst#http://}/copy/hello:latest" ;;
      ociscope) "$copy" "$src" demo/hello:latest "$dst" copy/hello:latest > "$work/out" ;;
      ociscope+referrers)
        "$copy" "$src" demo/hello:latest "$dst" copy/hello:latest --referrers > "$work/out" ;;
    esac
    end=$(date +%s.%N)
    secs=$(python3 -c "print(f'{$end - $start:.3f}')")
    times[$tool]="${times[$tool]:-} $secs"
    # Both ends hold the same index: the copy is byte-exact.
    want=$(curl -s -o /dev/null -w '%header{docker-content-digest}' -H 'Accept: application/vnd.oci.image.index.v1+json' "$src/v2/demo/hello/manifests/latest")
    got=$(curl -s -o /dev/null -w '%header{docker-content-digest}' -H 'Accept: application/vnd.oci.image.index.v1+json' "$dst/v2/copy/hello/manifests/latest")
    [ "$want" = "$got" ] || { echo "$tool run $i: index $got, expected $want" >&2; exit 1; }
    extra=""
    [ "$tool" = skopeo ] || extra=" $(cat "$work/out")"
    echo "run $i $tool: $secs s$extra"
    kill "$DISTRIBUTION_PID" 2>/dev/null || true
  done
done
python3 - "${times[skopeo]}" "${times[ociscope]}" "${times[ociscope+referrers]}" <<'PY'
import statistics, sys
names = ["skopeo copy --all", "ociscope copy_image", "ociscope copy_image + referrers"]
med = [statistics.median(float(x) for x in arg.split()) for arg in sys.argv[1:]]
print(f"\n{'tool':34} {'median s':>9} {'vs skopeo':>10}")
for n, m in zip(names, med):
    print(f"{n:34} {m:9.3f} {m / med[0]:9.2f}x")
PY
