#!/usr/bin/env python3
"""Browser upload benchmark, side by side in one run (record the figures in docs/benchmarks.md).

Pushes one blob of about --mib MiB (an image layer: tar+gzip of random bytes) to CNCF distribution (Debian's docker-registry, a
fresh one on a new 127.0.0.1 port for every push, so nothing is skipped or mounted) three ways:

  app     the explorer's upload page (release build in dist/) in headless Chromium, served by
          ociscope-server --app on another port, so the registry is another origin and every
          request goes through CORS as people deploy it; the file is handed to the page's
          <input type=file> by chromedriver, the time runs from the click on Upload to the
          page saying it is tagged (the blob and the artifact manifest);
  skopeo  `skopeo copy oci:DIR docker://…` of the OCI layout whose single layer is that blob
          (already compressed, so skopeo sends it as it is);
  curl    a monolithic upload: POST, then one PUT of the whole file (the floor).

For every push it prints the CPU seconds each process spent (from /proc: the registry, the
client, and for the app Chromium's processes by type: the page's renderer, the network service,
the browser process), so a run shows whether the cores were the limit.

For the app it also prints where the time went (from the page's Resource Timing entries of the
upload requests: time inside requests versus between them: preflights, and the commit waiting
for the page's hash of the file),
the long tasks on the main thread during the upload (PerformanceObserver 'longtask'), and page
memory (the largest JS heap + wasm linear memory sampled every 100 ms during the upload).

Usage: python3 scripts/bench_upload.py [--mib 512] [--runs 3] [--server target/release/ociscope-server]
                                       [--dist dist]
"""

import argparse
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests", "harness"))
from webdriver import ChromeDriver, chromium_version, free_port  # noqa: E402
from processes import (  # noqa: E402
    require_built, start_distribution as start_dist, start_server, stop, stop_distribution,
)

MIB = 1024 * 1024

# Installed before the page's scripts run: long tasks, memory samples, and the wasm instance.
PROBE = r"""
(() => {
  const b = window.__bench = {longTasks: [], maxMemory: 0, maxJsHeap: 0, maxWasm: 0};
  performance.setResourceTimingBufferSize(100000);
  // The catalog bundle (Trunk's event) and the tools bundle it starts for the upload page.
  const instances = window.__benchWasm = [];
  const add = (e) => { if (e.detail && e.detail.wasm) instances.push(e.detail.wasm); };
  addEventListener('TrunkApplicationStarted', add);
  addEventListener('ociscope-tools-started', add);
  try {
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) b.longTasks.push([e.startTime, e.duration]);
    }).observe({type: 'longtask', buffered: true});
  } catch (e) { b.longTaskError = String(e); }
  setInterval(() => {
    const js = performance.memory ? performance.memory.usedJSHeapSize : 0;
    let w = 0;
    for (const i of instances) if (i.memory) w += i.memory.buffer.byteLength;
    b.maxJsHeap = Math.max(b.maxJsHeap, js);
    b.maxWasm = Math.max(b.maxWasm, w);
    b.maxMemory = Math.max(b.maxMemory, js + w);
  }, 100);
})();
"""

# Per-request figures of the upload, from Resource Timing.
TIMELINE = r"""
const [t0] = arguments;
const rs = performance.getEntriesByType('resource')
  .filter(e => e.name.includes('/blobs/') && e.startTime >= t0)
  .map(e => [e.startTime, e.responseEnd, e.transferSize, e.initiatorType]);
return rs;
"""


TICK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid):
    """utime + stime of one live process, in seconds (0 once it is gone)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / TICK
    except (OSError, IndexError, ValueError):
        return 0.0


def descendants(pid):
    """pid and every live process under it."""
    children = {}
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                with open(f"/proc/{d}/stat") as f:
                    ppid = int(f.read().rsplit(")", 1)[1].split()[1])
                children.setdefault(ppid, []).append(int(d))
            except (OSError, IndexError, ValueError):
                pass
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(children.get(p, []))
    return out


def chromium_kind(pid):
    """What a Chromium process does, from its command line."""
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            # Chromium rewrites its processes' titles: the arguments may be one space-separated
            # string.
            args = f.read().decode(errors="replace").replace("\0", " ").split()
    except OSError:
        return None
    name = os.path.basename(args[0]) if args else ""
    if "chrom" not in name or name == "chromedriver":
        return None
    kind = next((a.split("=", 1)[1] for a in args if a.startswith("--type=")), "browser")
    sub = next((a.split("=", 1)[1] for a in args if a.startswith("--utility-sub-type=")), "")
    if kind == "utility" and "network" in sub.lower():
        return "network"
    return kind


def chromium_cpu(driver_pid):
    """CPU seconds of the live Chromium processes under chromedriver, by kind."""
    out = {}
    for p in descendants(driver_pid):
        kind = chromium_kind(p)
        if kind:
            out[kind] = out.get(kind, 0.0) + cpu_seconds(p)
    return out


def children_cpu():
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def start_distribution(work, label):
    """A fresh CNCF distribution with CORS open to any origin: (url, pid)."""
    return start_dist(ROOT, os.path.join(work, label), free_port())


def stop_pid(pid):
    stop_distribution(ROOT, pid)


def make_layout(layout, mib):
    """An OCI layout (tests/harness/oci_layout.py) whose single layer holds mib MiB of random
    bytes: returns (the layer blob's path, its sha256 hex, its size)."""
    subprocess.run([sys.executable, os.path.join(ROOT, "tests", "harness", "oci_layout.py"),
                    layout, "latest", str(mib)], check=True, stdout=subprocess.DEVNULL)
    blobs = os.path.join(layout, "blobs", "sha256")
    hexdigest = max(os.listdir(blobs), key=lambda d: os.path.getsize(os.path.join(blobs, d)))
    path = os.path.join(blobs, hexdigest)
    return path, hexdigest, os.path.getsize(path)


def blob_there(registry, repo, hexdigest):
    req = urllib.request.Request(f"{registry}/v2/{repo}/blobs/sha256:{hexdigest}", method="HEAD")
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status == 200
    except OSError:
        return False


def run_skopeo(layout, registry):
    t = time.monotonic()
    subprocess.run(["skopeo", "--insecure-policy", "copy", "-q", "--dest-tls-verify=false",
                    f"oci:{layout}:latest", f"docker://{registry[len('http://'):]}/bench/skopeo:latest"],
                   check=True)
    return time.monotonic() - t


def run_curl(file, hexdigest, registry):
    t = time.monotonic()
    out = subprocess.run(["curl", "-sS", "-o", "/dev/null", "-D", "-", "-X", "POST",
                          f"{registry}/v2/bench/curl/blobs/uploads/"],
                         capture_output=True, text=True, check=True).stdout
    location = next(line.split(":", 1)[1].strip() for line in out.splitlines()
                    if line.lower().startswith("location:"))
    if location.startswith("/"):
        location = registry + location
    sep = "&" if "?" in location else "?"
    # -T streams the file (--data-binary @file would read it all into memory first).
    subprocess.run(["curl", "-sS", "-f", "-o", "/dev/null", "-T", file, "-H",
                    "Content-Type: application/octet-stream",
                    f"{location}{sep}digest=sha256:{hexdigest}"], check=True)
    return time.monotonic() - t


def run_app(session, app_url, registry, file, hexdigest, repo, driver_pid):
    session.navigate(f"{app_url}/?tool=upload&registry={registry}")
    session.wait_for("#upload-file", timeout=60)
    session.send_keys("#upload-file", file)
    session.send_keys("#upload-repo", repo)
    before = chromium_cpu(driver_pid)
    t0 = session.execute("const t = performance.now(); document.getElementById('upload-start').click(); return t;")
    t1 = session.wait_for("#upload-done", timeout=600, text="tagged")
    after = chromium_cpu(driver_pid)
    cpu = {k: v - before.get(k, 0.0) for k, v in after.items()}
    text = session.execute("return document.getElementById('upload-done').textContent")
    if hexdigest not in text:
        sys.exit(f"bench_upload: the page finished with another digest: {text!r}")
    bench = session.execute("return window.__bench")
    timeline = session.execute(TIMELINE, t0)
    return (t1 - t0) / 1000.0, bench, timeline, t0, cpu


def describe_timeline(timeline, t0, t1):
    """Time inside upload requests (their union) versus between them, in seconds."""
    spans = sorted((s, e) for s, e, *_ in timeline)
    busy, end = 0.0, t0
    for s, e in spans:
        if e <= end:
            continue
        busy += e - max(s, end)
        end = e
    total = t1 - t0
    return len(spans), busy / 1000.0, (total - busy) / 1000.0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--mib", type=int, default=512)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--server", default=os.path.join(ROOT, "target", "release", "ociscope-server"))
    ap.add_argument("--dist", default=os.path.join(ROOT, "dist"))
    args = ap.parse_args()
    require_built(args.server, args.dist, "bench_upload")

    work = tempfile.mkdtemp(prefix="ociscope-bench-upload-")
    procs, pids = [], []
    try:
        layout = os.path.join(work, "layout")
        file, hexdigest, size = make_layout(layout, args.mib)
        app, app_url = start_server(args.server, ["--app", args.dist], work, "app", who="bench_upload")
        procs.append(app)

        print(f"setup: {platform.node()} {os.cpu_count()} CPUs, {platform.platform()}; "
              f"{chromium_version()}; {subprocess.run(['skopeo', '--version'], capture_output=True, text=True).stdout.strip()}; "
              f"docker-registry {subprocess.run(['docker-registry', '--version'], capture_output=True, text=True).stdout.split()[-1]}")
        print(f"file: the single layer of an OCI layout (tar+gzip of {args.mib} MiB of random bytes, "
              f"{size} B, sha256:{hexdigest[:16]}…): pushed as that image by skopeo, as a file by the "
              f"app and curl; app from {app_url} "
              f"(another origin than each registry: CORS); every push into a fresh registry")
        results = {"app": [], "skopeo": [], "curl": []}
        details = []
        with ChromeDriver() as driver:
            for i in range(1, args.runs + 1):
                for tool in ("app", "skopeo", "curl"):
                    registry, pid = start_distribution(work, f"{tool}-{i}")
                    pids.append(pid)
                    registry_cpu0, client_cpu0 = cpu_seconds(pid), children_cpu()
                    client_cpu = {}
                    if tool == "app":
                        with driver.session(args=["--enable-precise-memory-info"]) as s:
                            s.cdp("Page.addScriptToEvaluateOnNewDocument", {"source": PROBE})
                            secs, bench, timeline, t0, client_cpu = run_app(
                                s, app_url, registry, file, hexdigest, "bench/app", driver.proc.pid)
                        n, busy, idle = describe_timeline(timeline, t0, t0 + secs * 1000)
                        # Only the upload's: the page's start (compiling the bundles) is not it.
                        long_tasks = [d for start, d in bench.get("longTasks", []) if start >= t0]
                        details.append((i, n, busy, idle, long_tasks, bench))
                        repo = "bench/app"
                    elif tool == "skopeo":
                        secs = run_skopeo(layout, registry)
                        repo = "bench/skopeo"
                        client_cpu = {"skopeo": children_cpu() - client_cpu0}
                    else:
                        secs = run_curl(file, hexdigest, registry)
                        repo = "bench/curl"
                        client_cpu = {"curl": children_cpu() - client_cpu0}
                    registry_cpu = cpu_seconds(pid) - registry_cpu0
                    if not blob_there(registry, repo, hexdigest):
                        sys.exit(f"bench_upload: {tool} run {i}: the registry does not hold the blob")
                    results[tool].append(secs)
                    cpus = ", ".join(f"{k} {v:.2f}" for k, v in sorted(client_cpu.items(), key=lambda kv: -kv[1])
                                     if v >= 0.005)
                    total = registry_cpu + sum(client_cpu.values())
                    print(f"run {i} {tool:6} {secs:7.3f} s  {args.mib / secs:7.1f} MiB/s   CPU s: registry "
                          f"{registry_cpu:.2f}, {cpus}; total {total:.2f} of {secs * os.cpu_count():.2f} "
                          f"({total / secs:.2f} cores busy)")
                    stop_pid(pid)
                    pids.remove(pid)
        print()
        for i, n, busy, idle, long_tasks, bench in details:
            print(f"app run {i}: {n} upload requests; {busy:.3f} s inside requests, {idle:.3f} s between "
                  f"them (preflights; the commit waiting for the hash); long tasks during the upload: "
                  f"{len(long_tasks)}"
                  f"{' (longest %.0f ms)' % max(long_tasks) if long_tasks else ''}; page memory peak "
                  f"{bench['maxMemory'] / MIB:.1f} MiB (JS heap {bench['maxJsHeap'] / MIB:.1f} MiB, "
                  f"wasm {bench['maxWasm'] / MIB:.1f} MiB)")
        med = {k: statistics.median(v) for k, v in results.items()}
        print()
        print(f"median of {args.runs}, {args.mib} MiB:")
        for k in ("app", "skopeo", "curl"):
            print(f"  {k:6} {med[k]:7.3f} s  {args.mib / med[k]:7.1f} MiB/s")
        print(f"  app / skopeo = {med['app'] / med['skopeo']:.2f}×; app / curl = {med['app'] / med['curl']:.2f}×")
    finally:
        for pid in pids:
            stop_pid(pid)
        for p in procs:
            stop(p)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
