#!/usr/bin/env python3
"""Pushing a large tarball from the browser, side by side with skopeo in one run (record the
figures in docs/benchmarks.md). Not a test: it prints numbers, it never fails on them.

Setup: an OCI layout with one layer holding --mib MiB of random bytes (tar+gzip,
tests/harness/oci_layout.py) is pushed by skopeo into a local CNCF distribution (Debian's
docker-registry), then `skopeo copy docker://… oci-archive:FILE` and `… docker-archive:FILE`
make the two tarballs. Each tarball is pushed into a fresh distribution (nothing skipped)
two ways:

  app     the explorer's push-a-tarball page (release build in dist/, served by
          ociscope-server --app on another origin, so CORS) in headless Chromium: the file
          handed to the page's <input type=file> by chromedriver, read in place (TarStore over
          the File); time from the click on Push to the page saying it is tagged; page memory
          (JS heap + wasm linear memory, sampled every 100 ms, peak) printed with it;
  skopeo  `skopeo copy oci-archive:FILE docker://…` (or docker-archive:FILE) of the same file.

Usage: python3 scripts/bench_tarball.py [--mib 1024] [--runs 1]
                                        [--server target/release/ociscope-server] [--dist dist]
"""

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests", "harness"))
from webdriver import ChromeDriver, chromium_version, free_port  # noqa: E402
from processes import (  # noqa: E402
    require_built, start_distribution, start_server, stop, stop_distribution,
)

MIB = 1024 * 1024

# Installed before the page's scripts run: memory samples and the wasm instance.
PROBE = r"""
(() => {
  const b = window.__bench = {maxMemory: 0, maxJsHeap: 0, maxWasm: 0, samples: []};
  addEventListener('TrunkApplicationStarted', (e) => { window.__benchWasm = e.detail && e.detail.wasm; });
  setInterval(() => {
    const js = performance.memory ? performance.memory.usedJSHeapSize : 0;
    const w = window.__benchWasm && window.__benchWasm.memory ? window.__benchWasm.memory.buffer.byteLength : 0;
    b.maxJsHeap = Math.max(b.maxJsHeap, js);
    b.maxWasm = Math.max(b.maxWasm, w);
    b.maxMemory = Math.max(b.maxMemory, js + w);
    if (b.recording) b.samples.push([Math.round(performance.now()), js, w]);
  }, 100);
})();
"""


def skopeo(*args):
    subprocess.run(["skopeo", "--insecure-policy", *args], check=True, stdout=subprocess.DEVNULL)


def host(url):
    return url[len("http://"):]


def run_app(session, app_url, registry, file, repo):
    session.navigate(f"{app_url}/?tool=push-tarball&registry={registry}&repo={repo}")
    session.wait_for("#tarball-file", timeout=60)
    t = time.monotonic()
    session.send_keys("#tarball-file", file)
    session.wait_for("#tarball-progress", timeout=600, text="image(s) in the tarball")
    indexed = time.monotonic() - t
    session.execute("window.__bench.recording = true; window.__bench.maxMemory = 0;"
                    "window.__bench.maxJsHeap = 0; window.__bench.maxWasm = 0;")
    t0 = session.execute("const t = performance.now(); document.getElementById('tarball-push').click(); return t;")
    t1 = session.wait_for("#tarball-done, #tarball-error", timeout=1800)
    text = session.execute("const d = document.getElementById('tarball-done') || "
                           "document.getElementById('tarball-error'); return d.textContent")
    if not text.startswith("Pushed"):
        sys.exit(f"bench_tarball: the app failed: {text!r}")
    bench = session.execute("return window.__bench")
    return (t1 - t0) / 1000.0, indexed, bench, text


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--mib", type=int, default=1024)
    ap.add_argument("--runs", type=int, default=1)
    ap.add_argument("--server", default=os.path.join(ROOT, "target", "release", "ociscope-server"))
    ap.add_argument("--dist", default=os.path.join(ROOT, "dist"))
    args = ap.parse_args()
    require_built(args.server, args.dist, "bench_tarball")
    work = tempfile.mkdtemp(prefix="ociscope-bench-tarball-")
    procs, pids = [], []
    try:
        layout = os.path.join(work, "layout")
        subprocess.run([sys.executable, os.path.join(ROOT, "tests", "harness", "oci_layout.py"),
                        layout, "latest", str(args.mib)], check=True, stdout=subprocess.DEVNULL)
        source, pid = start_distribution(ROOT, os.path.join(work, "source"), free_port())
        pids.append(pid)
        skopeo("copy", "-q", "--dest-tls-verify=false", f"oci:{layout}:latest",
               f"docker://{host(source)}/bench/big:latest")
        shutil.rmtree(layout)
        tars = {}
        for kind in ("oci-archive", "docker-archive"):
            path = os.path.join(work, f"big-{kind}.tar")
            ref = f":bench/big:latest" if kind == "docker-archive" else ""
            skopeo("copy", "-q", "--src-tls-verify=false", f"docker://{host(source)}/bench/big:latest",
                   f"{kind}:{path}{ref}")
            tars[kind] = path
        stop_distribution(ROOT, pid)
        pids.remove(pid)
        shutil.rmtree(os.path.join(work, "source"), ignore_errors=True)

        app, app_url = start_server(args.server, ["--app", args.dist], work, "app", who="bench_tarball")
        procs.append(app)

        print(f"setup: {platform.node()} {os.cpu_count()} CPUs, {platform.platform()}; "
              f"{chromium_version()}; "
              f"{subprocess.run(['skopeo', '--version'], capture_output=True, text=True).stdout.strip()}; "
              f"docker-registry {subprocess.run(['docker-registry', '--version'], capture_output=True, text=True).stdout.split()[-1]}")
        for kind, path in tars.items():
            print(f"{kind}: {os.path.getsize(path) / MIB:.0f} MiB tar (skopeo copy docker://… {kind}: of an "
                  f"image whose layer is tar+gzip of {args.mib} MiB of random bytes)")
        print(f"app from {app_url} (another origin than each registry: CORS); every push into a fresh "
              f"distribution")
        results = {}
        with ChromeDriver() as driver:
            for i in range(1, args.runs + 1):
                for kind, path in tars.items():
                    size = os.path.getsize(path) / MIB
                    for tool in ("app", "skopeo"):
                        registry, pid = start_distribution(ROOT, os.path.join(work, f"{tool}-{kind}-{i}"),
                                                           free_port())
                        pids.append(pid)
                        if tool == "app":
                            with driver.session(args=["--enable-precise-memory-info"]) as s:
                                s.cdp("Page.addScriptToEvaluateOnNewDocument", {"source": PROBE})
                                secs, indexed, bench, text = run_app(s, app_url, registry, path, "bench/app")
                            samples = bench.get("samples", [])
                            quarter = max(1, len(samples) // 4)
                            early = max((j + w for _, j, w in samples[:quarter]), default=0)
                            late = max((j + w for _, j, w in samples[-quarter:]), default=0)
                            note = (f"; tar indexed in {indexed:.2f} s; page memory peak "
                                    f"{bench['maxMemory'] / MIB:.1f} MiB (JS heap "
                                    f"{bench['maxJsHeap'] / MIB:.1f} MiB, wasm {bench['maxWasm'] / MIB:.1f} MiB); "
                                    f"first-quarter peak {early / MIB:.1f} MiB, last-quarter peak "
                                    f"{late / MIB:.1f} MiB; {text.strip()[:120]}")
                        else:
                            t = time.monotonic()
                            skopeo("copy", "-q", "--dest-tls-verify=false", f"{kind}:{path}",
                                   f"docker://{host(registry)}/bench/skopeo:latest")
                            secs = time.monotonic() - t
                            note = ""
                        results.setdefault((kind, tool), []).append(secs)
                        print(f"run {i} {kind:14} {tool:6} {secs:8.2f} s {size / secs:7.1f} MiB/s{note}",
                              flush=True)
                        stop_distribution(ROOT, pid)
                        pids.remove(pid)
                        shutil.rmtree(os.path.join(work, f"{tool}-{kind}-{i}"), ignore_errors=True)
        print()
        print(f"median of {args.runs}:")
        for kind in tars:
            app_s = statistics.median(results[(kind, "app")])
            sk_s = statistics.median(results[(kind, "skopeo")])
            print(f"  {kind:14} app {app_s:7.2f} s, skopeo {sk_s:7.2f} s, app / skopeo = {app_s / sk_s:.2f}×")
    finally:
        for pid in pids:
            stop_distribution(ROOT, pid)
        for p in procs:
            stop(p)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
