#!/usr/bin/env python3
"""Takes the README screenshots of the explorer app (docs/screenshots/*.png, 1280x800 viewport).

Starts target/release/ociscope-server --demo --app dist on a free 127.0.0.1 port, opens each
view in headless Chromium through chromedriver (tests/harness/webdriver.py), waits until the view
has finished loading (no "Loading …" left, the view's own rows present), and saves a PNG. The
dark-theme shot runs Chromium with --force-dark-mode (prefers-color-scheme: dark). Stops
everything it started by PID. Standard library only.

Usage: python3 scripts/screenshots.py [--registry demo:] [--out docs/screenshots]
  --registry demo:   use the in-page demo registry instead of the server over HTTP
"""

import argparse
import os
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests", "harness"))
from webdriver import ChromeDriver, free_port  # noqa: E402
from processes import stop, wait_http  # noqa: E402

WIDTH, HEIGHT = 1280, 800

# Polls until `ready` (a JS expression) is true and nothing shows "Loading …"; then waits two
# animation frames and for web fonts, so the screenshot shows the painted view.
WAIT_READY = r"""
const [ready, timeout, done] = arguments;
const t0 = Date.now();
const check = new Function('return (' + ready + ')');
const tick = () => {
  let ok = false;
  try { ok = check() && !document.querySelector('.loading'); } catch (e) { ok = false; }
  if (ok) {
    document.fonts.ready.then(() => requestAnimationFrame(() => requestAnimationFrame(() => done(true))));
  } else if (Date.now() - t0 > timeout) {
    done(document.body ? document.body.innerText.slice(0, 800) : '(no body)');
  } else setTimeout(tick, 50);
};
tick();
"""

# Ready conditions of the views.
CATALOG_READY = ("document.querySelector('a.repo-link') && "
                 "/^[1-9][0-9]* repositor/.test(document.getElementById('catalog-summary').textContent.trim())")
TAGS_READY = ("document.querySelector('a.tag-link') && "
              "/\\(0 loading\\)/.test(document.getElementById('tags-summary').textContent) && "
              "![...document.querySelectorAll('.tag-row:not(.tag-head) .muted')].some(e => e.textContent === '…')")
INDEX_READY = "document.querySelector('#platforms a.platform-link') && document.querySelector('#manifest-summary')"
IMAGE_READY = ("document.querySelector('#layers') && document.querySelector('#config') && "
               "document.querySelector('#history') && document.querySelector('#referrers-title') && "
               "(document.querySelector('a.referrer-link') || document.querySelector('#no-referrers'))")
BLOB_READY = "document.querySelector('#blob-size') && document.querySelector('.blob pre, .blob .json, .blob .none')"


class Shooter:
    def __init__(self, driver, origin, registry, out):
        self.driver, self.origin, self.registry, self.out = driver, origin, registry, out
        self.taken = []

    def url(self, **params):
        query = {"registry": self.registry} if params.pop("registry", True) else {}
        query.update(params)
        return f"{self.origin}/?" + urllib.parse.urlencode(query, safe=":/@") if query else self.origin + "/"

    def ready(self, s, condition, what, timeout=60):
        result = s.execute_async(WAIT_READY, condition, int(timeout * 1000))
        if result is not True:
            raise RuntimeError(f"{what}: not ready after {timeout} s; page text:\n{result}")

    def shot(self, s, name, what):
        path = os.path.join(self.out, name + ".png")
        s.screenshot(path)
        size = os.path.getsize(path)
        self.taken.append((name, what, size))
        print(f"  {path}: {what} ({size // 1024} KiB, {s.current_url()})")
        if size > 200 * 1024:
            print(f"  warning: {path} is over 200 KiB")

    def run(self):
        d = self.driver
        with d.session(WIDTH, HEIGHT) as s:
            s.navigate(self.origin + "/")
            self.ready(s, "document.body.innerText.includes('Connect to a registry')", "connect")
            self.shot(s, "connect", "the connect page")

            s.navigate(self.url())
            self.ready(s, CATALOG_READY, "catalog")
            self.shot(s, "catalog", "the catalog (light theme)")

            s.navigate(self.url(repo="demo/versions"))
            self.ready(s, TAGS_READY, "tags")
            self.shot(s, "tags", "tags of demo/versions")

            s.navigate(self.url(repo="demo/hello", ref="latest"))
            self.ready(s, INDEX_READY, "index")
            self.shot(s, "index", "index demo/hello:latest: platform table")

            s.execute("document.querySelector('#platforms a.platform-link').click()")
            self.ready(s, IMAGE_READY, "image")
            s.execute("window.scrollTo(0, 0)")
            self.shot(s, "image", "linux/amd64 image of demo/hello (first platform): summary and configuration")

            s.execute("const h = document.getElementById('history');"
                      "window.scrollTo(0, h.getBoundingClientRect().top + window.scrollY - 90)")
            s.execute_async("requestAnimationFrame(() => requestAnimationFrame(arguments[0]))")
            self.shot(s, "image-history", "the same image scrolled to its history and layers")

            s.execute("document.getElementById('referrers-title').scrollIntoView({block: 'start'})")
            s.execute_async("requestAnimationFrame(() => requestAnimationFrame(arguments[0]))")
            self.shot(s, "referrers", "referrers of that image: SBOM and signatures")

            s.execute("document.querySelector('a.config-link').click()")
            self.ready(s, BLOB_READY, "blob")
            self.shot(s, "blob", "blob preview: the image's config JSON")

            s.navigate(self.url(tool="copy", repo="demo/hello", ref="latest"))
            self.ready(s, "document.getElementById('copy-repo') && !document.getElementById('copy-plan').disabled", "copy")
            s.execute("const r = document.getElementById('copy-repo');"
                      "r.value = 'demo/hello-copy'; r.dispatchEvent(new Event('input', {bubbles: true}));"
                      "const t = document.getElementById('copy-tags');"
                      "t.value = 'latest 1.0'; t.dispatchEvent(new Event('input', {bubbles: true}));"
                      "document.getElementById('copy-plan').click()")
            self.ready(s, "document.getElementById('copy-items') && document.getElementById('copy-start')", "copy plan")
            self.shot(s, "copy", "copy demo/hello:latest to demo/hello-copy: the plan, before anything is sent")

            s.navigate(self.url(tool="bulk-delete", repo="demo/versions"))
            self.ready(s, "document.getElementById('bulk-pattern') && document.getElementById('bulk-summary')", "bulk delete", timeout=120)
            s.execute("const p = document.getElementById('bulk-pattern');"
                      "p.value = 'v1.0.*'; p.dispatchEvent(new Event('input', {bubbles: true}));"
                      "const k = document.getElementById('bulk-keep-in-use');"
                      "if (k.checked) k.click();")
            s.execute_async("setTimeout(arguments[0], 300)")
            self.shot(s, "bulk-delete", "bulk delete in demo/versions: tags v1.0.* selected (the in-use guard off: all share one manifest)")

        with d.session(WIDTH, HEIGHT, args=["--force-dark-mode"]) as s:
            s.navigate(self.url())
            self.ready(s, CATALOG_READY, "catalog (dark)")
            dark = s.execute("return matchMedia('(prefers-color-scheme: dark)').matches")
            if not dark:
                print("  warning: --force-dark-mode did not make prefers-color-scheme dark")
            self.shot(s, "catalog-dark", "the catalog (dark theme)")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--registry", help="registry the app opens (default: the server, over HTTP)")
    ap.add_argument("--server", default="target/release/ociscope-server")
    ap.add_argument("--dist", default="dist")
    ap.add_argument("--out", default="docs/screenshots")
    args = ap.parse_args()
    os.chdir(ROOT)
    if not os.path.isfile(os.path.join(args.dist, "index.html")):
        sys.exit(f"screenshots: {args.dist}/index.html missing: trunk build --release --offline")
    if not os.access(args.server, os.X_OK):
        sys.exit(f"screenshots: {args.server} missing: cargo build --release -p ociscope-server")
    os.makedirs(args.out, exist_ok=True)

    port = free_port()
    origin = f"http://127.0.0.1:{port}"
    work = tempfile.mkdtemp(prefix="ociscope-screenshots-")
    log = os.path.join(work, "server.log")
    server = subprocess.Popen(
        [args.server, "--listen", f"127.0.0.1:{port}", "--demo", "--app", args.dist],
        stdout=open(log, "wb"), stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    driver = None
    try:
        wait_http(origin + "/v2/", server, log, who="screenshots")
        driver = ChromeDriver(log_path=os.path.join(work, "chromedriver.log"))
        print(f"screenshots of {origin} (registry {args.registry or origin}) into {args.out}/")
        Shooter(driver, origin, args.registry or origin, args.out).run()
    finally:
        if driver:
            driver.stop()
        stop(server)


if __name__ == "__main__":
    main()
