#!/usr/bin/env python3
"""Explorer app benchmark (run by scripts/bench after the release builds; record the figures in
docs/benchmarks.md). Standard library only. Prints:

  (a) the size of the release app in dist/: the .wasm raw and gzip -9, the JS glue, index.html;
  (b) cold loads of a large catalog on loopback: ociscope-server --demo with N repositories serves
      the app (--app dist) and the registry on one 127.0.0.1 port; each run is a fresh headless
      Chromium (new profile, empty cache) opening /?registry=<that origin>. Timed in the page with
      performance.now() (ms since navigation start): app started (Trunk's
      TrunkApplicationStarted event), first `a.repo-link` row in the DOM, and `#catalog-summary`
      showing a repository count (first page loaded). Then "Load all" is clicked and the time to
      list every repository is measured too;
  (c) memory after the first rows: performance.memory.usedJSHeapSize and the wasm linear memory.

  (d) with --baseline OTHER_DIST: the same cold loads of both builds, interleaved, side by side.

Usage: python3 scripts/bench_app.py [--runs 5] [--repositories 10000] [--tags 100]
                                    [--server target/release/ociscope-server] [--dist dist]
                                    [--baseline OTHER_DIST]
"""

import argparse
import glob
import gzip
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests", "harness"))
from webdriver import ChromeDriver, chromium_version, free_port  # noqa: E402
from processes import stop, wait_http  # noqa: E402

# Installed before any of the page's scripts run (CDP Page.addScriptToEvaluateOnNewDocument), so
# nothing that happens early is missed. Marks land in window.__bench as performance.now() values.
PROBE = r"""
(() => {
  const b = window.__bench = {};
  const summaryRe = /^[1-9][0-9]* repositor/;
  addEventListener('TrunkApplicationStarted', (e) => {
    b.started = performance.now();
    window.__benchWasm = e.detail && e.detail.wasm;
  });
  const check = () => {
    if (b.firstRows === undefined && document.querySelector('a.repo-link')) {
      b.firstRows = performance.now();
      b.rowsInDom = document.querySelectorAll('a.repo-link').length;
      if (performance.memory) b.jsHeapUsed = performance.memory.usedJSHeapSize;
      const w = window.__benchWasm;
      if (w && w.memory) b.wasmMemory = w.memory.buffer.byteLength;
    }
    const s = document.getElementById('catalog-summary');
    if (s && b.summary === undefined) {
      const t = s.textContent.trim();
      if (summaryRe.test(t) && !t.includes('loading')) { b.summary = performance.now(); b.summaryText = t; }
    }
  };
  new MutationObserver(check).observe(document, {childList: true, subtree: true, characterData: true});
})();
"""

# Async script: waits until the probe has seen the first rows and the summary (polling, as the
# marks may already be there), then returns the marks and the catalog requests the page made.
WAIT_MARKS = r"""
const done = arguments[arguments.length - 1];
const t0 = Date.now();
const tick = () => {
  const b = window.__bench || {};
  if ((b.firstRows !== undefined && b.summary !== undefined) || Date.now() - t0 > 60000) {
    b.catalogRequests = performance.getEntriesByType('resource')
      .map((e) => e.name).filter((n) => n.includes('/v2/_catalog'));
    // Where the time went: the document, the wasm download, the ping and first catalog request.
    const nav = performance.getEntriesByType('navigation')[0];
    b.htmlEnd = nav ? nav.responseEnd : undefined;
    const res = performance.getEntriesByType('resource');
    const first = (f) => res.find(f);
    const w = first((e) => e.name.endsWith('.wasm'));
    if (w) { b.wasmStart = w.startTime; b.wasmEnd = w.responseEnd; }
    const ping = first((e) => /\/v2\/$/.test(e.name));
    if (ping) { b.pingStart = ping.startTime; b.pingEnd = ping.responseEnd; }
    const cat = first((e) => e.name.includes('/v2/_catalog'));
    if (cat) { b.catalogStart = cat.startTime; b.catalogEnd = cat.responseEnd; }
    b.toolsFetched = res.some((e) => e.name.includes('ociscope-tools'));
    b.bodyText = document.body ? document.body.innerText.slice(0, 400) : '';
    done(b);
  } else setTimeout(tick, 5);
};
tick();
"""

# Async script: clicks "Load all" and waits until the summary no longer says "more to load".
LOAD_ALL = r"""
const done = arguments[arguments.length - 1];
const button = document.querySelector('button.load-all');
if (!button) { done(null); return; }
const start = performance.now();
button.click();
const tick = () => {
  const t = document.getElementById('catalog-summary').textContent;
  if (!t.includes('more to load') && !t.includes('loading')) {
    done({ms: performance.now() - start, text: t.trim(),
          requests: performance.getEntriesByType('resource').filter((e) => e.name.includes('/v2/_catalog')).length,
          jsHeapUsed: performance.memory ? performance.memory.usedJSHeapSize : null,
          wasmMemory: window.__benchWasm ? window.__benchWasm.memory.buffer.byteLength : null});
  } else if (performance.now() - start > 120000) done({ms: null, text: t});
  else setTimeout(tick, 5);
};
tick();
"""


def kib(n):
    return f"{n / 1024:,.1f} KiB"


def mib(n):
    return f"{n / (1024 * 1024):,.1f} MiB"


def sizes(dist):
    """Prints the release app's sizes: each file, and what the first navigation (a catalog)
    loads, i.e. everything but the tools bundle (ociscope-tools*, loaded only for other pages;
    web/src/bundle.rs); exits if dist/ has no catalog bundle."""
    wasm = sorted(glob.glob(os.path.join(dist, "*.wasm")))
    if not [w for w in wasm if not os.path.basename(w).startswith("ociscope-tools")]:
        sys.exit(f"bench_app: no catalog bundle .wasm in {dist}/ (found {wasm}): run trunk build --release")
    js = sorted(glob.glob(os.path.join(dist, "*.js")) + glob.glob(os.path.join(dist, "snippets", "**", "*.js"), recursive=True))
    print("== (a) release app size (dist/)")
    rows = [("wasm", w) for w in wasm] + [("JS", p) for p in js]
    rows += [("index.html", os.path.join(dist, "index.html"))]
    rows += [("CSS", p) for p in glob.glob(os.path.join(dist, "*.css"))]
    first = [0, 0]
    for label, path in rows:
        data = open(path, "rb").read()
        gz = len(gzip.compress(data, compresslevel=9))
        name = os.path.relpath(path, dist)
        if not os.path.basename(path).startswith("ociscope-tools"):
            first[0] += len(data)
            first[1] += gz
        print(f"  {label:10} {name:58} {len(data):>10,} B ({kib(len(data))}), "
              f"gzip -9 {gz:>9,} B ({kib(gz)})")
    print(f"  first navigation (all but ociscope-tools*): {first[0]:,} B, gzip -9 {first[1]:,} B ({kib(first[1])})")


def count_repositories(origin):
    """Every repository in the registry's catalog, following Link pages."""
    url, total = origin + "/v2/_catalog?n=1000", 0
    while url:
        with urllib.request.urlopen(url, timeout=30) as r:
            total += len(json.load(r).get("repositories") or [])
            link = r.headers.get("Link")
        url = None
        if link and 'rel="next"' in link:
            url = urllib.parse.urljoin(origin, link.split(";")[0].strip().strip("<>"))
    return total


def cpu_model():
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--repositories", type=int, default=10000)
    ap.add_argument("--tags", type=int, default=100)
    ap.add_argument("--server", default="target/release/ociscope-server")
    ap.add_argument("--dist", default="dist")
    ap.add_argument("--baseline", help="another app build (a dist/ folder) to time in the same run: "
                    "served by a second server, its cold loads interleaved with --dist's (A B, B A, ...) "
                    "so the machine's load falls on both alike")
    ap.add_argument("--width", type=int, default=1280)
    ap.add_argument("--height", type=int, default=800)
    args = ap.parse_args()
    os.chdir(ROOT)

    sizes(args.dist)

    if not os.access(args.server, os.X_OK):
        sys.exit(f"bench_app: {args.server} missing: cargo build --release -p ociscope-server")
    port = free_port()
    origin = f"http://127.0.0.1:{port}"
    work = tempfile.mkdtemp(prefix="ociscope-bench-app-")
    log = os.path.join(work, "server.log")
    server = subprocess.Popen(
        [args.server, "--listen", f"127.0.0.1:{port}", "--demo",
         "--demo-repositories", str(args.repositories), "--demo-tags", str(args.tags),
         "--app", args.dist],
        stdout=open(log, "wb"), stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    driver = None
    try:
        wait_http(origin + "/v2/", server, log, who="bench_app")
        total = count_repositories(origin)
        url = f"{origin}/?registry={origin}"
        driver = ChromeDriver(log_path=os.path.join(work, "chromedriver.log"))
        print("\n== setup")
        print(f"  machine:      {os.cpu_count()} CPUs (nproc), {cpu_model()}, {platform.system()} {platform.release()}")
        print(f"  browser:      {chromium_version()} (headless=new, --no-sandbox --disable-gpu --enable-precise-memory-info, "
              f"{args.width}x{args.height}), chromedriver {os.environ.get('CHROMEDRIVER', '/usr/bin/chromedriver')}")
        print(f"  server:       {args.server} --demo --demo-repositories {args.repositories} "
              f"--demo-tags {args.tags} --app {args.dist}")
        print(f"  catalog:      {total} repositories ({args.repositories} generated + featured demo ones)")
        print(f"  page:         {url}")
        print(f"  runs:         {args.runs} cold (fresh browser profile each)")

        results = []
        for i in range(args.runs):
            with driver.session(args.width, args.height, args=["--enable-precise-memory-info"]) as s:
                s.cdp("Page.addScriptToEvaluateOnNewDocument", {"source": PROBE})
                s.navigate(url)
                marks = s.execute_async(WAIT_MARKS)
                if marks.get("firstRows") is None or marks.get("summary") is None:
                    sys.exit(f"bench_app: run {i + 1}: catalog did not render in 60 s; "
                             f"page text: {marks.get('bodyText')!r}")
                marks["loadAll"] = s.execute_async(LOAD_ALL)
            results.append(marks)
            if i == 0:
                pages = [urllib.parse.parse_qs(urllib.parse.urlparse(u).query).get("n", ["?"])[0]
                         for u in marks["catalogRequests"]]
                print(f"  page size:    n={pages[0] if pages else '?'} per /v2/_catalog request "
                      f"as the app asks (first requests: {marks['catalogRequests'][:2]})")
                print(f"  first view:   {marks['rowsInDom']} a.repo-link rows in the DOM; "
                      f"summary {marks['summaryText']!r}")
                print("\n== (b) cold load, ms since navigation start (performance.now())")
                print(f"  {'run':>3} {'app started':>12} {'first rows':>11} {'summary':>9} "
                      f"{'load all*':>9}  {'JS heap':>9} {'wasm mem':>9}")
            la = marks["loadAll"] or {}
            print(f"  {i + 1:>3} {marks.get('started') or float('nan'):>12.0f} {marks['firstRows']:>11.0f} "
                  f"{marks['summary']:>9.0f} {la.get('ms') or float('nan'):>9.0f}  "
                  f"{mib(marks.get('jsHeapUsed') or 0):>9} {mib(marks.get('wasmMemory') or 0):>9}")

        def med(key, sub=None):
            vals = [(r[key] or {}).get(sub) if sub else r.get(key) for r in results]
            vals = [v for v in vals if v is not None]
            return statistics.median(vals) if vals else float("nan")

        print(f"  med {med('started'):>12.0f} {med('firstRows'):>11.0f} {med('summary'):>9.0f} "
              f"{med('loadAll', 'ms'):>9.0f}  {mib(med('jsHeapUsed')):>9} {mib(med('wasmMemory')):>9}")
        print("\n  where the time went (medians, ms since navigation; Navigation and Resource Timing):")
        print(f"    index.html received {med('htmlEnd'):.0f}; wasm requested {med('wasmStart'):.0f}, received "
              f"{med('wasmEnd'):.0f}; app started (compiled, instantiated, mounted) {med('started'):.0f}; "
              f"GET /v2/ (ping) {med('pingStart'):.0f}-{med('pingEnd'):.0f}; first /v2/_catalog "
              f"{med('catalogStart'):.0f}-{med('catalogEnd'):.0f}; first rows {med('firstRows'):.0f}; "
              f"tools bundle fetched in {sum(1 for r in results if r.get('toolsFetched'))} of {len(results)} runs")
        last = results[-1]["loadAll"]
        if last:
            print(f"  * load all: ms from clicking 'Load all' (after the first rows) until the summary says "
                  f"{last['text']!r} ({last['requests']} /v2/_catalog requests in all); "
                  f"then JS heap {mib(last['jsHeapUsed'] or 0)}, wasm memory {mib(last['wasmMemory'] or 0)}")
        print("\n== (c) memory after the first rows (median): "
              f"performance.memory.usedJSHeapSize {mib(med('jsHeapUsed'))}, "
              f"wasm linear memory {mib(med('wasmMemory'))}")
        if args.baseline:
            baseline(args, driver, url, work)
    finally:
        if driver:
            driver.stop()
        stop(server)


def baseline(args, driver, url, work):
    """--baseline: cold loads of --dist and --baseline interleaved; prints both medians."""
    port = free_port()
    origin = f"http://127.0.0.1:{port}"
    log = os.path.join(work, "baseline.log")
    server = subprocess.Popen(
        [args.server, "--listen", f"127.0.0.1:{port}", "--demo",
         "--demo-repositories", str(args.repositories), "--demo-tags", str(args.tags),
         "--app", args.baseline],
        stdout=open(log, "wb"), stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    try:
        wait_http(origin + "/v2/", server, log, who="bench_app")
        urls = {args.dist: url, args.baseline: f"{origin}/?registry={origin}"}
        got = {args.dist: [], args.baseline: []}
        print(f"\n== (d) {args.dist} against {args.baseline}, {args.runs} cold loads each, interleaved "
              "(ms since navigation)")
        for i in range(args.runs):
            order = [args.dist, args.baseline] if i % 2 == 0 else [args.baseline, args.dist]
            for which in order:
                with driver.session(args.width, args.height, args=["--enable-precise-memory-info"]) as s:
                    s.cdp("Page.addScriptToEvaluateOnNewDocument", {"source": PROBE})
                    s.navigate(urls[which])
                    marks = s.execute_async(WAIT_MARKS)
                if marks.get("firstRows") is None:
                    sys.exit(f"bench_app: {which}: catalog did not render in 60 s")
                got[which].append(marks)
        print(f"  {'build':40} {'wasm received':>13} {'app started':>12} {'first catalog':>14} "
              f"{'first rows':>11}  first rows of each run")
        for which, rs in got.items():
            def m(key):
                vals = [r[key] for r in rs if r.get(key) is not None]
                return statistics.median(vals) if vals else float("nan")
            runs = " / ".join(f"{r['firstRows']:.0f}" for r in rs)
            print(f"  {which:40} {m('wasmEnd'):>13.0f} {m('started'):>12.0f} {m('catalogEnd'):>14.0f} "
                  f"{m('firstRows'):>11.0f}  {runs}")
    finally:
        stop(server)


if __name__ == "__main__":
    main()
