#!/usr/bin/env bash
# Forwarder benchmark, side by side in one run: curl pushing (one monolithic PUT) and pulling a
# blob of random bytes (256 MiB by default) directly to CNCF distribution and through
# `ociscope-server --upstream dist=…` (release build), and 500 manifest HEADs on one keep-alive
# curl connection each way (request overhead: with the pool, the forwarder reuses its upstream
# connections). Every run pushes into a new repository. Prints each run, medians and the ratio.
# Usage: bash scripts/bench_forward.sh [RUNS] [MIB] (defaults 3, 256). All on 127.0.0.1.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
source tests/harness/distribution.sh
runs=${1:-3}
mib=${2:-256}

cargo build -q --release -p ociscope-server
server=target/release/ociscope-server
work=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do stop_pid "$p"; done
  rm -rf "$work"
}
trap cleanup EXIT

start_distribution "$work/dist" "$(free_port)" > /dev/null
pids+=("$DISTRIBUTION_PID")
dist=$DISTRIBUTION_URL
"$server" --listen 127.0.0.1:0 --upstream "dist=$dist" > "$work/server.out" 2> "$work/server.log" &
pids+=($!)
until grep -q '^listening on ' "$work/server.out"; do
  kill -0 "${pids[-1]}" 2>/dev/null || { cat "$work/server.log" >&2; exit 1; }
  sleep 0.05
done
fwd="$(sed -n 's/^listening on //p' "$work/server.out")/upstream/dist"

head -c "$((mib * 1048576))" /dev/urandom > "$work/blob"
digest="sha256:$(sha256sum "$work/blob" | cut -d' ' -f1)"
echo "setup: $(nproc) vCPU, load $(cut -d' ' -f1 /proc/loadavg); CNCF distribution $(docker-registry --version 2>/dev/null | awk '{print $3}') (filesystem, $dist);"
echo "       ociscope-server release build forwarding it at $fwd; curl $(curl --version | awk 'NR==1{print $2}'); blob $mib MiB random, $digest"

# push BASE REPO: POST an upload, PUT the whole file; prints seconds.
push() {
  local location
  location=$(curl -sS -o /dev/null -w '%header{location}' -X POST "$1/v2/$2/blobs/uploads/")
  case $location in /*) location="${1%%/upstream/*}$location" ;; esac
  local sep='?'; [[ $location == *\?* ]] && sep='&'
  curl -sS -o /dev/null -w '%{http_code} %{time_total}\n' -T "$work/blob" \
    -H 'Content-Type: application/octet-stream' "$location${sep}digest=$digest" |
    awk '$1 != 201 { print "push answered " $1 > "/dev/stderr"; exit 1 } { print $2 }'
}
# pull BASE REPO: GET the blob, check its digest; prints seconds.
pull() {
  curl -sS -o "$work/pulled" -w '%{http_code} %{time_total}\n' "$1/v2/$2/blobs/$digest" |
    awk '$1 != 200 { print "pull answered " $1 > "/dev/stderr"; exit 1 } { print $2 }'
  [ "sha256:$(sha256sum "$work/pulled" | cut -d' ' -f1)" = "$digest" ] || { echo "pulled blob differs" >&2; exit 1; }
}
# heads BASE REPO N: N HEADs of a manifest on one keep-alive connection; prints seconds.
heads() {
  local i
  for i in $(seq 1 "$3"); do
    printf 'url = "%s"\nhead\noutput = "/dev/null"\n' "$1/v2/$2/manifests/v1"
  done > "$work/heads.cfg"
  local start end
  start=$(date +%s.%N)
  curl -sS -f -K "$work/heads.cfg" -H 'Accept: application/vnd.oci.image.manifest.v1+json' > /dev/null
  end=$(date +%s.%N)
  awk -v a="$start" -v b="$end" 'BEGIN { printf "%.3f\n", b - a }'
}
median() { sort -g | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }

# A manifest for the HEAD runs (the blob as its config: distribution only checks it exists).
config_size=$(stat -c %s "$work/blob")
push "$dist" bench/head > /dev/null
printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/octet-stream","digest":"%s","size":%s},"layers":[]}' \
  "$digest" "$config_size" > "$work/manifest.json"
curl -sS -f -o /dev/null -X PUT -H 'Content-Type: application/vnd.oci.image.manifest.v1+json' \
  --data-binary "@$work/manifest.json" "$dist/v2/bench/head/manifests/v1"

declare -A results
for run in $(seq 1 "$runs"); do
  for via in direct forwarder; do
    base=$dist; [ "$via" = forwarder ] && base=$fwd
    p=$(push "$base" "bench/$via-$run")
    g=$(pull "$base" "bench/$via-$run")
    h=$(heads "$base" bench/head 500)
    printf 'run %s %-9s push %6.3f s  pull %6.3f s  500 HEADs %6.3f s\n' "$run" "$via" "$p" "$g" "$h"
    results[$via-push]+="$p "; results[$via-pull]+="$g "; results[$via-head]+="$h "
  done
done

echo
printf '%-28s %-12s %-12s %s\n' "$mib MiB blob / 500 HEADs" direct forwarder "forwarder/direct"
for what in push pull head; do
  d=$(tr ' ' '\n' <<< "${results[direct-$what]}" | grep . | median)
  f=$(tr ' ' '\n' <<< "${results[forwarder-$what]}" | grep . | median)
  if [ "$what" = head ]; then
    printf '%-28s %-12s %-12s %.2fx\n' "500 manifest HEADs (median)" "$(printf '%.3f s' "$d")" "$(printf '%.3f s' "$f")" "$(awk -v f="$f" -v d="$d" 'BEGIN { print f / d }')"
  else
    printf '%-28s %-12s %-12s %.2fx  (%.0f vs %.0f MiB/s)\n' "$what (median)" \
      "$(printf '%.3f s' "$d")" "$(printf '%.3f s' "$f")" \
      "$(awk -v f="$f" -v d="$d" 'BEGIN { print f / d }')" \
      "$(awk -v m="$mib" -v d="$d" 'BEGIN { print m / d }')" "$(awk -v m="$mib" -v f="$f" 'BEGIN { print m / f }')"
  fi
done
