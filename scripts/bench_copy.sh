#!/usr/bin/env bash
# Copy benchmark, side by side in one run: the demo's 5-platform index (every platform, as
# `skopeo copy --all` does) from ociscope-server --demo to a fresh CNCF distribution, with
# ociscope-tools' copy_image (native HTTP client, release build) and with skopeo; ociscope
# again with the image's referrers (signatures, SBOM), which skopeo does not copy; and an image
# whose one layer holds 64 MiB of random bytes (bandwidth rather than round trips).
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
python3 tests/harness/oci_layout.py "$work/big" latest 64 > /dev/null
skopeo --insecure-policy copy -q --dest-tls-verify=false "oci:$work/big:latest" "docker://${src#http://}/bench/big:latest"
big=$(du -sb "$work/big/blobs" | cut -f1)
echo "source: bench/big:latest, one layer of 64 MiB random bytes ($((big / 1048576)) MiB of blobs)"

# fresh TOOL N: starts a new, empty registry; sets DISTRIBUTION_URL and DISTRIBUTION_PID.
fresh() {
  start_distribution "$work/dist-$1-$2" "$(free_port)" > /dev/null
  pids+=("$DISTRIBUTION_PID")
}
declare -A times
for i in $(seq 1 "$runs"); do
  for tool in skopeo ociscope ociscope+referrers skopeo-64MiB ociscope-64MiB; do
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
      skopeo-64MiB)
        skopeo copy -q --src-tls-verify=false --dest-tls-verify=false \
          "docker://${src#http://}/bench/big:latest" "docker://${dst#http://}/copy/big:latest" ;;
      ociscope-64MiB) "$copy" "$src" bench/big:latest "$dst" copy/big:latest > "$work/out" ;;
    esac
    end=$(date +%s.%N)
    secs=$(python3 -c "print(f'{$end - $start:.3f}')")
    times[$tool]="${times[$tool]:-} $secs"
    # Both ends hold the same top manifest: the copy is byte-exact.
    case $tool in *64MiB) from=bench/big to=copy/big ;; *) from=demo/hello to=copy/hello ;; esac
    accept='Accept: application/vnd.oci.image.index.v1+json, application/vnd.oci.image.manifest.v1+json'
    want=$(curl -s -o /dev/null -w '%header{docker-content-digest}' -H "$accept" "$src/v2/$from/manifests/latest")
    got=$(curl -s -o /dev/null -w '%header{docker-content-digest}' -H "$accept" "$dst/v2/$to/manifests/latest")
    [ "$want" = "$got" ] || { echo "$tool run $i: index $got, expected $want" >&2; exit 1; }
    extra=""
    case $tool in skopeo*) ;; *) extra=" $(cat "$work/out")" ;; esac
    echo "run $i $tool: $secs s$extra"
    kill "$DISTRIBUTION_PID" 2>/dev/null || true
  done
done
python3 - "$big" "${times[skopeo]}" "${times[ociscope]}" "${times[ociscope+referrers]}" \
  "${times[skopeo-64MiB]}" "${times[ociscope-64MiB]}" <<'PY'
import statistics, sys
big = int(sys.argv[1])
med = [statistics.median(float(x) for x in arg.split()) for arg in sys.argv[2:]]
rows = [("demo index: skopeo copy --all", med[0], med[0], None),
        ("demo index: ociscope copy_image", med[1], med[0], None),
        ("demo index: ociscope + referrers", med[2], med[0], None),
        ("64 MiB image: skopeo copy", med[3], med[3], big),
        ("64 MiB image: ociscope copy_image", med[4], med[3], big)]
print(f"\n{'copy':36} {'median s':>9} {'vs skopeo':>10} {'MiB/s':>8}")
for name, m, base, size in rows:
    rate = f"{size / m / 1048576:8.1f}" if size else f"{'':8}"
    print(f"{name:36} {m:9.3f} {m / base:9.2f}x {rate}")
PY
