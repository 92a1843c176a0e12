#!/usr/bin/env python3
"""The built app (dist/) in headless Chromium, served by `ociscope-server --app dist --upstream …`,
opening registries a browser cannot reach directly, all from the server's own origin. Standard
library only. Checks:

  start page  the configured upstreams are listed (GET /upstreams), each a link that opens it;
  htpasswd    CNCF distribution behind htpasswd (its CORS preflight answers 401, so a page on
              another origin cannot use it): opened from the start page's link, signed in from
              the error page, the catalog listed and an image manifest opened;
  tokens      ociscope-server with bearer tokens as the upstream: the realm is rewritten, so the
              browser fetches its token through the server (never from the upstream's origin),
              the catalog listed and the demo index opened;
  caching     a second visit to the start page (same browser) loads no bundle again: the hashed
              catalog bundle comes from the cache unasked (immutable), index.html is a 304;
  redirect    an upstream that answers every blob GET with a 307 to another origin that sends
              no CORS headers (as registries redirect to object storage): the blob view loads
              the config's preview and downloads a 1 MiB layer, both digest-verified, the
              storage origin was hit by the server and never by the browser.

Usage: python3 tests/forward_browser.py [--server target/debug/ociscope-server] [--dist dist]
"""

import argparse
import base64
import hashlib
import json
import os
import subprocess
import sys
import tempfile
import threading
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests", "harness"))
from webdriver import ChromeDriver, free_port  # noqa: E402
from processes import start_distribution, stop, stop_distribution  # noqa: E402

# tests/harness/distribution.sh's SUITE_USER, whom start_htpasswd_distribution knows.
USER, PASSWORD = "suite", "suite-secret"
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
failures = []


def check(ok, what):
    print(f"  {'ok  ' if ok else 'FAIL'} {what}")
    if not ok:
        failures.append(what)


def digest(data):
    return "sha256:" + hashlib.sha256(data).hexdigest()


class Image:
    """A small single-platform OCI image: a config, one 1 MiB layer, the manifest."""

    def __init__(self, label):
        self.config = json.dumps({"architecture": "amd64", "os": "linux",
                                  "config": {"Labels": {"test": label}},
                                  "rootfs": {"type": "layers", "diff_ids": []}}).encode()
        seed = hashlib.sha256(label.encode()).digest()
        self.layer = (seed * (1024 * 1024 // len(seed)))[:1024 * 1024]
        self.manifest = json.dumps({
            "schemaVersion": 2, "mediaType": OCI_MANIFEST,
            "config": {"mediaType": "application/vnd.oci.image.config.v1+json",
                       "digest": digest(self.config), "size": len(self.config)},
            "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar",
                        "digest": digest(self.layer), "size": len(self.layer)}],
        }).encode()
        self.blobs = {digest(self.config): self.config, digest(self.layer): self.layer}

    def push(self, registry, repo, tag, auth):
        """Pushes with monolithic uploads (POST then PUT ?digest=) and the manifest by tag."""
        headers = {"Authorization": auth}
        for d, data in self.blobs.items():
            req = urllib.request.Request(f"{registry}/v2/{repo}/blobs/uploads/", data=b"",
                                         method="POST", headers=headers)
            with urllib.request.urlopen(req, timeout=30) as r:
                location = r.headers["Location"]
            if location.startswith("/"):
                location = registry + location
            sep = "&" if "?" in location else "?"
            req = urllib.request.Request(f"{location}{sep}digest={d}", data=data, method="PUT",
                                         headers={**headers,
                                                  "Content-Type": "application/octet-stream"})
            urllib.request.urlopen(req, timeout=30).close()
        req = urllib.request.Request(f"{registry}/v2/{repo}/manifests/{tag}", data=self.manifest,
                                     method="PUT",
                                     headers={**headers, "Content-Type": OCI_MANIFEST})
        urllib.request.urlopen(req, timeout=30).close()


def serve(handler):
    """An HTTP server on a free 127.0.0.1 port in a daemon thread; returns (server, url)."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


def redirecting_registry(image, repo, tag):
    """A read-only registry for `image` whose blob GETs are 307s to a storage origin of its own
    that sends no CORS headers; returns (registry url, storage hits, servers)."""
    hits = []

    class Storage(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self):
            data = image.blobs.get(self.path.rsplit("/", 1)[-1])
            hits.append((self.path, self.headers.get("Origin"), self.headers.get("Authorization")))
            self.send_response(200 if data is not None else 404)
            self.send_header("Content-Type", "application/octet-stream")
            self.send_header("Content-Length", str(len(data or b"")))
            self.end_headers()
            self.wfile.write(data or b"")

        def log_message(self, *args):
            pass

    storage, storage_url = serve(Storage)

    class Registry(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def answer(self, status, body=b"", kind="application/json", extra=()):
            self.send_response(status)
            self.send_header("Docker-Distribution-Api-Version", "registry/2.0")
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            for k, v in extra:
                self.send_header(k, v)
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)

        def do_GET(self):
            path = self.path.split("?")[0]
            blob_prefix = f"/v2/{repo}/blobs/"
            if path == "/v2/":
                self.answer(200, b"{}")
            elif path in (f"/v2/{repo}/manifests/{tag}",
                          f"/v2/{repo}/manifests/{digest(image.manifest)}"):
                self.answer(200, image.manifest, OCI_MANIFEST,
                            [("Docker-Content-Digest", digest(image.manifest))])
            elif path.startswith(blob_prefix) and path[len(blob_prefix):] in image.blobs:
                d = path[len(blob_prefix):]
                if self.command == "HEAD":
                    self.send_response(200)
                    self.send_header("Content-Length", str(len(image.blobs[d])))
                    self.send_header("Content-Type", "application/octet-stream")
                    self.send_header("Docker-Content-Digest", d)
                    self.end_headers()
                else:
                    self.answer(307, extra=[("Location", f"{storage_url}/bucket/{d}")])
            else:
                self.answer(404, b'{"errors":[{"code":"NOT_FOUND","message":"unknown"}]}')

        do_HEAD = do_GET

        def log_message(self, *args):
            pass

    registry, registry_url = serve(Registry)
    return registry_url, storage_url, hits, (storage, registry)


def start_server(server, log, args):
    """An ociscope-server on a free port (port 0: it prints where it listens); (proc, url)."""
    proc = subprocess.Popen([server, "--listen", "127.0.0.1:0", *args], stdout=subprocess.PIPE,
                            stderr=open(log, "w"), text=True)
    line = proc.stdout.readline().strip()
    if not line.startswith("listening on "):
        stop(proc)
        sys.exit(f"forward_browser: {server} did not start; log:\n{open(log).read()}")
    return proc, line.removeprefix("listening on ")


def wait_any(s, selector, text, timeout=30.0):
    """Waits until some element matching `selector` has `text` in its textContent."""
    found = s.execute_async("""
        const [selector, text, timeout, done] = arguments;
        const pick = () => [...document.querySelectorAll(selector)]
            .find(e => e.textContent.includes(text));
        if (pick()) { done(true); return; }
        const obs = new MutationObserver(() => {
            if (pick()) { obs.disconnect(); clearTimeout(t); done(true); }
        });
        obs.observe(document, {childList: true, subtree: true, characterData: true});
        const t = setTimeout(() => { obs.disconnect(); done(false); }, timeout);
    """, selector, text, int(timeout * 1000))
    if not found:
        body = s.execute("return document.body ? document.body.innerText : ''")
        raise TimeoutError(f"no {selector!r} with {text!r} after {timeout} s; page: {body[:600]!r}")


def click_any(s, selector, text):
    wait_any(s, selector, text)
    s.execute("""const [selector, text] = arguments;
        [...document.querySelectorAll(selector)].find(e => e.textContent.includes(text)).click();""",
              selector, text)


def origins_fetched(s):
    """The origins of every resource the page fetched (Resource Timing)."""
    return set(s.execute("return performance.getEntriesByType('resource')"
                         ".map(e => new URL(e.name).origin)"))


def fill(s, selector, value):
    """Sets an input's value as typing does (an `input` event the app listens to)."""
    s.execute("""const [selector, value] = arguments; const e = document.querySelector(selector);
        e.value = value; e.dispatchEvent(new Event('input', {bubbles: true}));""", selector, value)


def connect_with_credentials(s, app, registry):
    """Opens `registry` from the start page's form with the user and password filled in."""
    s.navigate(app + "/")
    wait_any(s, "button", "Connect")
    fill(s, "#registry-url", registry)
    fill(s, "#connect-user", USER)
    fill(s, "#connect-secret", PASSWORD)
    s.execute("document.querySelector('section.connect form').requestSubmit()")


def sign_in(s):
    wait_any(s, ".error-box", "wants credentials")
    wait_any(s, "#cred-submit", "Sign in")
    s.send_keys("#cred-user", USER)
    s.send_keys("#cred-secret", PASSWORD)
    s.click("#cred-submit")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--server", default=os.path.join(ROOT, "target", "debug", "ociscope-server"))
    ap.add_argument("--dist", default=os.path.join(ROOT, "dist"))
    args = ap.parse_args()
    work = tempfile.mkdtemp(prefix="ociscope-forward-browser-")
    procs, threads, dist_pid = [], [], None
    try:
        dist_url, dist_pid = start_distribution(ROOT, os.path.join(work, "distribution"),
                                                free_port(), htpasswd=True)
        basic = "Basic " + base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
        dist_image = Image("htpasswd")
        dist_image.push(dist_url, "fwd/img", "v1", basic)

        tok, tok_url = start_server(args.server, os.path.join(work, "tok.log"),
                                    ["--token-auth", "--basic-auth", f"{USER}:{PASSWORD}", "--demo",
                                     "--demo-repositories", "5", "--demo-tags", "5"])
        procs.append(tok)
        red_image = Image("redirected")
        red_url, storage_url, hits, servers = redirecting_registry(red_image, "r/img", "v1")
        threads += servers
        front, app = start_server(args.server, os.path.join(work, "front.log"),
                                  ["--app", args.dist, "--upstream", f"dist={dist_url}",
                                   "--upstream", f"tok={tok_url}", "--upstream", f"red={red_url}"])
        procs.append(front)

        with ChromeDriver(log_path=os.path.join(work, "chromedriver.log")) as driver:
            with driver.session() as s:
                print("start page: the configured upstreams")
                s.navigate(app + "/")
                wait_any(s, "#upstreams a.upstream-link", "red")
                names = s.execute("return [...document.querySelectorAll('#upstreams a.upstream-link')]"
                                  ".map(a => a.textContent.trim())")
                check(names == ["dist", "tok", "red"], f"listed in order: {names}")

                print("a second visit: the bundles from the browser's cache")
                s.navigate(app + "/")
                wait_any(s, "#upstreams a.upstream-link", "red")
                seen = s.execute(
                    "const n = performance.getEntriesByType('navigation')[0];"
                    "const w = performance.getEntriesByType('resource')"
                    "  .filter(e => e.name.endsWith('_bg.wasm'));"
                    "return {status: n.responseStatus, page: n.transferSize, body: n.encodedBodySize,"
                    "  wasm: w.map(e => [e.name.split('/').pop(), e.transferSize])}")
                # Revalidated: only headers crossed (transferSize below the body's size).
                check(seen["status"] in (200, 304) and 0 < seen["page"] < seen["body"],
                      f"index.html revalidated: {seen['page']} B sent for a {seen['body']} B body")
                check(len(seen["wasm"]) >= 1 and all(size == 0 for _, size in seen["wasm"]),
                      f"the catalog bundle came from the cache: {seen['wasm']}")

                print("CNCF distribution behind htpasswd, through the server")
                click_any(s, "#upstreams a.upstream-link", "dist")
                sign_in(s)
                click_any(s, "a.repo-link", "fwd/img")
                click_any(s, "a.tag-link", "v1")
                wait_any(s, "#layers tbody tr", "sha256:")
                query = s.execute("return decodeURIComponent(location.search)")
                check(f"registry={app}/upstream/dist" in query, f"opened through the server: {query}")
                text = s.execute("return document.body.innerText")
                check(digest(dist_image.layer)[:19] in text, "the manifest's layer is shown")
                check(origins_fetched(s) <= {app}, "the page fetched from its own origin only")

                print("ociscope-server with bearer tokens, through the server")
                connect_with_credentials(s, app, f"{app}/upstream/tok")
                click_any(s, "a.repo-link", "demo/hello")
                click_any(s, "a.tag-link", "latest")
                wait_any(s, "#platforms a.platform-link", "")
                tokens = s.execute("return performance.getEntriesByType('resource')"
                                   ".map(e => e.name).filter(n => n.includes('/token'))")
                check(any(t.startswith(f"{app}/upstream/tok/token") for t in tokens),
                      f"the token came through the server: {tokens[:1]}")
                check(origins_fetched(s) <= {app}, "never from the upstream's origin")

                print("an upstream redirecting blob downloads to an origin without CORS")
                config_digest, layer_digest = digest(red_image.config), digest(red_image.layer)
                s.navigate(f"{app}/?registry={app}/upstream/red&repo=r/img&blob={config_digest}")
                wait_any(s, "h3", "Preview (JSON, verified)")
                check("redirected" in s.execute("return document.body.innerText"),
                      "the config's preview shows its content")
                s.navigate(f"{app}/?registry={app}/upstream/red&repo=r/img&blob={layer_digest}")
                wait_any(s, "#blob-size", "1048576 bytes")
                s.click("#download")
                wait_any(s, "#download-ok", "Verified")
                check(True, "the 1 MiB layer downloaded, digest verified")
                paths = [p for p, _, _ in hits]
                check(f"/bucket/{config_digest}" in paths and f"/bucket/{layer_digest}" in paths,
                      f"the storage origin served both blobs ({len(hits)} requests)")
                check(all(o is None and a is None for _, o, a in hits),
                      "the storage saw no browser Origin and no credentials")
                check(storage_url not in origins_fetched(s) and origins_fetched(s) <= {app},
                      "the browser never met the redirect")
    finally:
        for p in procs:
            stop(p)
        for t in threads:
            t.shutdown()
        if dist_pid:
            stop_distribution(ROOT, dist_pid)
    if failures:
        sys.exit(f"forward_browser: {len(failures)} failed: {failures}")
    print("forward_browser: all passed")


if __name__ == "__main__":
    main()
