#!/usr/bin/env python3
"""Layer-listing benchmark, side by side in one run (not a CI step; record the figures in
docs/benchmarks.md). Standard library only, plus curl, GNU tar and Debian's docker-registry.

Generates tar+gzip layers of many files of mixed sizes (a fixed seed: the same bytes every run),
about --mib MiB compressed (default 200) and --big-mib MiB (default 1024), pushes each as a blob
(and a manifest naming it) into a fresh CNCF distribution on 127.0.0.1, then lists it two ways:

  app     the explorer's layer-files view (`?tool=files&blob=…`, release build in dist/) in
          headless Chromium, served by ociscope-server --app on another port (CORS, as people
          deploy it); timed from the start of the blob request (Resource Timing) to the view
          saying "done"; page memory = the largest JS heap (performance.memory) + wasm linear
          memory of every wasm instance in the page, sampled every 100 ms while it lists;
  native  `curl -s BLOB_URL | tar -tzv` (GNU tar, which runs gzip -d) on the same blob, timed by
          the wall clock; memory = the largest resident set of tar and gzip (/usr/bin/time).

Both count the archive's entries; the run fails when the app's count differs from tar's.

Usage: python3 scripts/bench_layer.py [--mib 200] [--big-mib 1024] [--runs 3]
                                      [--server target/release/ociscope-server] [--dist dist]
"""

import argparse
import gzip
import hashlib
import json
import os
import platform
import random
import re
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests", "harness"))
from webdriver import ChromeDriver, chromium_version, free_port  # noqa: E402
from processes import (  # noqa: E402
    require_built, start_distribution, start_server, stop, stop_distribution,
)

MIB = 1024 * 1024

# Installed before the page's scripts: memory samples over every wasm instance the page starts
# (Trunk's event for the first bundle, the app's own for the tools bundle it loads), and the
# moment the files summary says "done".
PROBE = r"""
(() => {
  const b = window.__bench = {maxJsHeap: 0, maxWasm: 0, maxMemory: 0, samples: 0};
  const instances = [];
  const add = (e) => { if (e.detail && e.detail.wasm) instances.push(e.detail.wasm); };
  addEventListener('TrunkApplicationStarted', add);
  addEventListener('ociscope-tools-started', add);
  const sample = () => {
    const js = performance.memory ? performance.memory.usedJSHeapSize : 0;
    let w = 0;
    for (const i of instances) if (i.memory) w += i.memory.buffer.byteLength;
    b.maxJsHeap = Math.max(b.maxJsHeap, js);
    b.maxWasm = Math.max(b.maxWasm, w);
    b.maxMemory = Math.max(b.maxMemory, js + w);
    b.samples++;
  };
  setInterval(sample, 100);
  new MutationObserver(() => {
    const s = document.getElementById('files-summary');
    if (s && b.done === undefined && /done in|failed/.test(s.textContent)) {
      b.done = performance.now();
      b.summary = s.textContent;
      sample();
    }
  }).observe(document, {childList: true, subtree: true, characterData: true});
})();
"""

WORDS = ("layer tar gzip registry manifest digest blob index config image file folder path "
         "usr lib share bin etc local opt var cache python node rust go java").split()


def text_pool(rng, size=4 * MIB):
    """Text like source code and configuration (compresses about 4:1), made once."""
    out, n = [], 0
    while n < size:
        line = " ".join(rng.choice(WORDS) for _ in range(rng.randint(3, 12))) + f" {rng.randint(0, 99999)}\n"
        out.append(line)
        n += len(line)
    return "".join(out).encode()


def text_bytes(rng, pool, n):
    """n bytes of text: a slice of the pool at a random offset (wrapping)."""
    at = rng.randrange(len(pool))
    out = pool[at:at + n]
    while len(out) < n:
        out += pool[:n - len(out)]
    return out


def file_size(rng):
    """A size from a mix like a distribution image's: many small files, a few large ones."""
    r = rng.random()
    if r < 0.80:
        return rng.randint(0, 4096)
    if r < 0.97:
        return rng.randint(4096, 64 * 1024)
    if r < 0.998:
        return rng.randint(64 * 1024, MIB)
    return rng.randint(MIB, 8 * MIB)


def make_layer(path, target_mib, seed):
    """Writes a tar+gzip layer (gzip level 6, as docker and skopeo write) of about target_mib
    MiB compressed: folders, regular files (text or random bytes, half each by size) and some
    symlinks. Returns (sha256 hex, size, uncompressed sha256 hex, entries, uncompressed size)."""
    rng = random.Random(seed)
    pool = text_pool(rng)
    entries = 0
    with open(path, "wb") as raw:
        with gzip.GzipFile(fileobj=raw, mode="wb", compresslevel=6, mtime=0) as gz:
            hasher = _Tee(gz)
            with tarfile.open(fileobj=hasher, mode="w|", format=tarfile.GNU_FORMAT) as tar:
                d = 0
                while raw.tell() < target_mib * MIB:
                    folder = f"usr/share/bench/d{d // 50}/s{d}"
                    info = tarfile.TarInfo(folder)
                    info.type, info.mode, info.mtime = tarfile.DIRTYPE, 0o755, 1700000000
                    tar.addfile(info)
                    entries += 1
                    for f in range(40):
                        n = file_size(rng)
                        info = tarfile.TarInfo(f"{folder}/f{f}.{'bin' if f % 2 else 'txt'}")
                        info.size, info.mode, info.mtime = n, 0o644, 1700000000 + f
                        data = rng.randbytes(n) if f % 2 else text_bytes(rng, pool, n)
                        tar.addfile(info, _Bytes(data))
                        entries += 1
                    info = tarfile.TarInfo(f"{folder}/link")
                    info.type, info.linkname, info.mtime = tarfile.SYMTYPE, "f0.txt", 1700000000
                    tar.addfile(info)
                    entries += 1
                    d += 1
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(4 * MIB), b""):
            digest.update(chunk)
    return digest.hexdigest(), os.path.getsize(path), hasher.sha.hexdigest(), entries, hasher.size


class _Tee:
    """A write-only file that hashes what passes through it (the layer's diff_id)."""

    def __init__(self, inner):
        self.inner, self.sha, self.size = inner, hashlib.sha256(), 0

    def write(self, b):
        self.sha.update(b)
        self.size += len(b)
        return self.inner.write(b)


class _Bytes:
    """A minimal reader over bytes for tarfile.addfile."""

    def __init__(self, data):
        self.data, self.pos = data, 0

    def read(self, n=-1):
        end = len(self.data) if n < 0 else self.pos + n
        out = self.data[self.pos:end]
        self.pos += len(out)
        return out


def push_blob(registry, repo, hexdigest, path=None, data=None):
    """A monolithic upload (POST, then one PUT of the whole blob)."""
    req = urllib.request.Request(f"{registry}/v2/{repo}/blobs/uploads/", method="POST", data=b"")
    with urllib.request.urlopen(req) as r:
        location = r.headers["Location"]
    if location.startswith("/"):
        location = registry + location
    sep = "&" if "?" in location else "?"
    size = os.path.getsize(path) if path else len(data)
    body = open(path, "rb") if path else data
    try:
        req = urllib.request.Request(f"{location}{sep}digest=sha256:{hexdigest}", method="PUT", data=body,
                                     headers={"Content-Type": "application/octet-stream",
                                              "Content-Length": str(size)})
        urllib.request.urlopen(req, timeout=600).close()
    finally:
        if path:
            body.close()


def push_image(registry, repo, layer_hex, layer_size, diff_hex):
    config = json.dumps({"architecture": "amd64", "os": "linux", "config": {},
                         "rootfs": {"type": "layers", "diff_ids": ["sha256:" + diff_hex]}}).encode()
    config_hex = hashlib.sha256(config).hexdigest()
    push_blob(registry, repo, config_hex, data=config)
    manifest = json.dumps({
        "schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": "sha256:" + config_hex,
                   "size": len(config)},
        "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "digest": "sha256:" + layer_hex,
                    "size": layer_size}],
    }).encode()
    req = urllib.request.Request(f"{registry}/v2/{repo}/manifests/latest", method="PUT", data=manifest,
                                 headers={"Content-Type": "application/vnd.oci.image.manifest.v1+json"})
    urllib.request.urlopen(req).close()


def run_native(registry, repo, hexdigest):
    """curl | tar -tzv: (seconds, entries, peak RSS KiB of tar and its gzip)."""
    script = ('set -o pipefail; curl -sSf "$1" | /usr/bin/time -f "%M" -o "$2" tar -tzvf - | wc -l')
    rss_file = tempfile.mktemp(prefix="ociscope-bench-rss-")
    t = time.monotonic()
    out = subprocess.run(["bash", "-c", script, "_", f"{registry}/v2/{repo}/blobs/sha256:{hexdigest}", rss_file],
                         capture_output=True, text=True, check=True)
    secs = time.monotonic() - t
    rss = int(open(rss_file).read().split()[-1])
    os.unlink(rss_file)
    return secs, int(out.stdout.strip()), rss


def run_app(session, app_url, registry, repo, hexdigest):
    """The layer-files view: (seconds, entries, bench marks)."""
    session.set_timeouts(script=900_000)
    session.navigate(f"{app_url}/?registry={registry}&repo={repo}&blob=sha256:{hexdigest}&tool=files")
    bench = session.execute_async(r"""
const done = arguments[arguments.length - 1];
const t0 = Date.now();
const tick = () => {
  const b = window.__bench || {};
  if (b.done !== undefined || Date.now() - t0 > 880000) {
    b.blob = performance.getEntriesByType('resource').filter(e => e.name.includes('/blobs/sha256:'))
      .map(e => [e.startTime, e.responseEnd, e.encodedBodySize]);
    done(b);
  } else setTimeout(tick, 50);
};
tick();
""")
    summary = bench.get("summary", "")
    if "done in" not in summary:
        sys.exit(f"bench_layer: the view did not finish: {summary!r}")
    m = re.match(r"\s*([\d,]+) entr", summary)
    entries = int(m.group(1).replace(",", "")) if m else -1
    start = min(s for s, _, _ in bench["blob"]) if bench.get("blob") else 0.0
    return (bench["done"] - start) / 1000.0, entries, bench


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--mib", type=int, default=200, help="compressed size of the timed layer")
    ap.add_argument("--big-mib", type=int, default=1024, help="compressed size of the memory layer (0: skip)")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--server", default=os.path.join(ROOT, "target", "release", "ociscope-server"))
    ap.add_argument("--dist", default=os.path.join(ROOT, "dist"))
    args = ap.parse_args()
    require_built(args.server, args.dist, "bench_layer")
    work = tempfile.mkdtemp(prefix="ociscope-bench-layer-")
    procs, pids = [], []
    try:
        app, app_url = start_server(args.server, ["--app", args.dist], work, "app", who="bench_layer")
        procs.append(app)
        registry, pid = start_distribution(ROOT, os.path.join(work, "registry"), free_port())
        pids.append(pid)
        tar_version = subprocess.run(["tar", "--version"], capture_output=True, text=True).stdout.splitlines()[0]
        curl_version = subprocess.run(["curl", "--version"], capture_output=True, text=True).stdout.split()[1]
        print(f"setup: {platform.node()} {os.cpu_count()} CPUs, {platform.platform()}; {chromium_version()} "
              f"(headless, --enable-precise-memory-info); app from {app_url} (release dist/, another origin "
              f"than the registry: CORS); registry: docker-registry (CNCF distribution) at {registry}; "
              f"native: curl {curl_version} | {tar_version} -tzv (gzip -d)")
        layers = [("timed", args.mib, args.runs)]
        if args.big_mib:
            layers.append(("memory", args.big_mib, 1))
        with ChromeDriver() as driver:
            for label, mib, runs in layers:
                path = os.path.join(work, f"layer-{mib}.tar.gz")
                t = time.monotonic()
                hexdigest, size, diff_hex, entries, raw_size = make_layer(path, mib, seed=mib)
                repo = f"bench/layer{mib}"
                push_blob(registry, repo, hexdigest, path=path)
                push_image(registry, repo, hexdigest, size, diff_hex)
                os.unlink(path)
                print(f"\nlayer ({label}): {size:,} B gzip (level 6), {raw_size:,} B of tar, {entries:,} entries "
                      f"(folders of 40 files: 80 % up to 4 KiB, 17 % up to 64 KiB, 2.8 % up to 1 MiB, 0.2 % up "
                      f"to 8 MiB; text and random bytes), sha256:{hexdigest[:16]}…; generated and pushed in "
                      f"{time.monotonic() - t:.0f} s")
                app_rows, native_rows = [], []
                for i in range(1, runs + 1):
                    with driver.session(args=["--enable-precise-memory-info"]) as s:
                        s.cdp("Page.addScriptToEvaluateOnNewDocument", {"source": PROBE})
                        secs, n, bench = run_app(s, app_url, registry, repo, hexdigest)
                    if n != entries:
                        sys.exit(f"bench_layer: the app listed {n} entries, the layer has {entries}")
                    app_rows.append((secs, bench))
                    nsecs, nn, rss = run_native(registry, repo, hexdigest)
                    if nn != entries:
                        sys.exit(f"bench_layer: tar listed {nn} entries, the layer has {entries}")
                    native_rows.append((nsecs, rss))
                    print(f"  run {i}: app {secs:.2f} s ({entries / secs:,.0f} files/s, {size / 1e6 / secs:.1f} MB/s "
                          f"compressed, {raw_size / 1e6 / secs:.1f} MB/s of tar), peak page memory "
                          f"{bench['maxMemory'] / MIB:.1f} MiB (JS heap {bench['maxJsHeap'] / MIB:.1f} + wasm "
                          f"{bench['maxWasm'] / MIB:.1f}, {bench['samples']} samples) | native {nsecs:.2f} s "
                          f"({entries / nsecs:,.0f} files/s, {size / 1e6 / nsecs:.1f} MB/s), tar+gzip peak RSS "
                          f"{rss / 1024:.1f} MiB")
                a = statistics.median(s for s, _ in app_rows)
                n = statistics.median(s for s, _ in native_rows)
                peak = max(b["maxMemory"] for _, b in app_rows)
                print(f"  median: app {a:.2f} s = {entries / a:,.0f} files/s, {size / 1e6 / a:.1f} MB/s; native "
                      f"{n:.2f} s = {entries / n:,.0f} files/s, {size / 1e6 / n:.1f} MB/s; app / native = "
                      f"{a / n:.2f}x; app peak page memory {peak / MIB:.1f} MiB")
    finally:
        for p in procs:
            stop(p)
        for pid in pids:
            stop_distribution(ROOT, pid)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
