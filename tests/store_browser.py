#!/usr/bin/env python3
"""The browser content store across a real page reload, from the built app (dist/) in headless
Chromium. Standard library only.

An image with a 48 MiB random layer is in an ociscope-server registry, reached through a
counting proxy on another origin (CORS passes through) that logs every blob GET with its Range
header and the bytes it relayed. The app keeps the image in the browser ("Keep in this
browser"); the proxy holds the layer's body after 8 MiB until the page has been reloaded (no
sleeps: the test waits for the page to show 8 MiB written, then reloads). After the reload:

  - the store page lists the ingest with offset 8 MiB of 48 MiB;
  - the store page lists the unfinished keep with its registry; its Resume button resumes it
    with no trip back to the image's page: one ranged GET `bytes=8388608-`, exactly the rest of
    the layer relayed (the first 8 MiB are not fetched again), the page reports the resume,
    and the keep is no longer listed as unfinished;
  - the committed image is pushed from the store page to a CNCF distribution (the air-gapped
    case: kept from one registry, pushed to another later), whose layer has the source's
    sha256 (the committed blob's digest checked end to end), tagged;
  - in a fresh browser whose quota for the app's origin is 16 MiB (CDP
    Storage.overrideQuotaForOrigin), keeping the image fails with the quota explained and the
    store page lists nothing as kept.

Usage: python3 tests/store_browser.py [--server target/debug/ociscope-server] [--dist dist]
"""

import argparse
import hashlib
import http.client
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests", "harness"))
from webdriver import ChromeDriver, free_port  # noqa: E402
from processes import start_distribution, stop, stop_distribution, wait_http  # noqa: E402

MIB = 1024 * 1024
LAYER_MIB = 48
HOLD_AFTER = 8 * MIB
HOP = {"connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade", "host"}
failures = []


def check(ok, what):
    print(f"  {'ok  ' if ok else 'FAIL'} {what}")
    if not ok:
        failures.append(what)


class Counting:
    """A reverse proxy to `upstream` logging blob GETs; holds the first full GET of `held`
    after HOLD_AFTER bytes until `gate` is set."""

    def __init__(self, upstream, held):
        self.up = urlsplit(upstream)
        self.held = held
        self.gate = threading.Event()
        self.log = []
        self.lock = threading.Lock()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def relay(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else None
                headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP}
                conn = http.client.HTTPConnection(outer.up.hostname, outer.up.port, timeout=120)
                conn.request(self.command, self.path, body=body, headers=headers)
                resp = conn.getresponse()
                self.send_response(resp.status, resp.reason)
                for k, v in resp.getheaders():
                    if k.lower() not in HOP:
                        self.send_header(k, v)
                # No body (and so no chunked framing) for HEAD, 1xx, 204 and 304 answers: a
                # stray chunk terminator would be read as the next answer on the connection.
                bodiless = self.command == "HEAD" or resp.status < 200 or resp.status in (204, 304)
                chunked = resp.getheader("Content-Length") is None and not bodiless
                if chunked:
                    self.send_header("Transfer-Encoding", "chunked")
                self.end_headers()
                blob_get = self.command == "GET" and "/blobs/sha256:" in self.path
                entry = {"path": self.path, "range": self.headers.get("Range"), "sent": 0,
                         "status": resp.status}
                if blob_get:
                    with outer.lock:
                        outer.log.append(entry)
                hold = (blob_get and outer.held in self.path and entry["range"] is None
                        and not outer.gate.is_set())
                try:
                    while not bodiless:
                        piece = resp.read(256 * 1024)
                        if not piece:
                            break
                        if hold and entry["sent"] >= HOLD_AFTER:
                            outer.gate.wait()
                            self.close_connection = True
                            return
                        entry["sent"] += len(piece)
                        if chunked:
                            self.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece))
                        else:
                            self.wfile.write(piece)
                    if chunked:
                        self.wfile.write(b"0\r\n\r\n")
                except OSError:
                    self.close_connection = True
                finally:
                    conn.close()

            do_GET = do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = relay

            def log_message(self, *args):
                pass

        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        class Quiet(ThreadingHTTPServer):
            request_queue_size = 64

            def handle_error(self, request, client_address):
                pass  # a connection the reload broke off

        self.server = Quiet(("127.0.0.1", self.port), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def blob_gets(self, hexdigest):
        with self.lock:
            return [dict(e) for e in self.log if hexdigest in e["path"]]

    def close(self):
        self.gate.set()
        self.server.shutdown()


def push_blob(registry, repo, data):
    """Pushes data as a blob (POST, then PUT with the body); returns its descriptor parts."""
    digest = "sha256:" + hashlib.sha256(data).hexdigest()
    req = urllib.request.Request(f"{registry}/v2/{repo}/blobs/uploads/", method="POST", data=b"")
    with urllib.request.urlopen(req) as r:
        location = r.headers["Location"]
    if location.startswith("/"):
        location = registry + location
    sep = "&" if "?" in location else "?"
    req = urllib.request.Request(f"{location}{sep}digest={digest}", method="PUT", data=data,
                                 headers={"Content-Type": "application/octet-stream"})
    urllib.request.urlopen(req).close()
    return digest, len(data)


def push_image(registry, repo, tag, layer):
    layer_digest, layer_size = push_blob(registry, repo, layer)
    config = json.dumps({"architecture": "amd64", "os": "linux",
                         "rootfs": {"type": "layers", "diff_ids": [layer_digest]}}).encode()
    config_digest, config_size = push_blob(registry, repo, config)
    manifest = json.dumps({
        "schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json",
                   "digest": config_digest, "size": config_size},
        "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar",
                    "digest": layer_digest, "size": layer_size}],
    }).encode()
    req = urllib.request.Request(f"{registry}/v2/{repo}/manifests/{tag}", method="PUT",
                                 data=manifest,
                                 headers={"Content-Type": "application/vnd.oci.image.manifest.v1+json"})
    urllib.request.urlopen(req).close()
    return "sha256:" + hashlib.sha256(manifest).hexdigest(), layer_digest


def sha256_of_blob(registry, repo, digest):
    h = hashlib.sha256()
    with urllib.request.urlopen(f"{registry}/v2/{repo}/blobs/{digest}", timeout=60) as r:
        while True:
            piece = r.read(MIB)
            if not piece:
                break
            h.update(piece)
    return "sha256:" + h.hexdigest()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--server", default=os.path.join(ROOT, "target", "debug", "ociscope-server"))
    ap.add_argument("--dist", default=os.path.join(ROOT, "dist"))
    args = ap.parse_args()
    work = tempfile.mkdtemp(prefix="ociscope-store-browser-")
    procs, dist_pids, proxy = [], [], None
    try:
        def server(label, extra):
            port = free_port()
            log = os.path.join(work, f"{label}.log")
            p = subprocess.Popen([args.server, "--listen", f"127.0.0.1:{port}", *extra],
                                 stdout=open(log, "w"), stderr=subprocess.STDOUT)
            procs.append(p)
            url = f"http://127.0.0.1:{port}"
            wait_http(url + "/v2/", p, log, who="store_browser")
            return url

        app = server("app", ["--app", args.dist])
        source = server("source", [])
        layer = os.urandom(LAYER_MIB * MIB)
        manifest_digest, layer_digest = push_image(source, "big/image", "v1", layer)
        layer_hex = layer_digest.split(":")[1]
        proxy = Counting(source, layer_hex)
        target, pid = start_distribution(ROOT, os.path.join(work, "distribution"), free_port())
        dist_pids.append(pid)
        page = f"{app}/?tool=download&registry={proxy.url}&repo=big/image&ref=v1"

        print(f"keep a {LAYER_MIB} MiB image in the browser, reloaded after 8 MiB")
        with ChromeDriver(log_path=os.path.join(work, "chromedriver.log")) as driver:
            with driver.session() as s:
                s.navigate(page)
                s.wait_for("#keep-start", timeout=60)
                s.execute("document.getElementById('keep-start').click()")
                try:
                    s.wait_for("#download-status", timeout=60, text=f"8.0 MiB of {LAYER_MIB}.0 MiB")
                except TimeoutError:
                    sys.exit("store_browser: the keep did not reach 8 MiB: " + s.execute(
                        "const e = document.getElementById('download-error'); "
                        "return e ? e.textContent : document.body.innerText"))
                s.execute("location.reload()")
                s.wait_for("#keep-start", timeout=60)
                proxy.gate.set()
                first = proxy.blob_gets(layer_hex)
                check(len(first) == 1 and first[0]["range"] is None and first[0]["sent"] == HOLD_AFTER,
                      f"before the reload: one GET of the layer, {HOLD_AFTER // MIB} MiB relayed ({first})")

                s.navigate(f"{app}/?tool=store&registry={target}")
                s.wait_for(".store-ingest", timeout=60, text=f"fetch-{layer_digest}")
                ingest = s.execute(
                    "const r = document.querySelector('.store-ingest');"
                    "return [Number(r.dataset.offset), Number(r.dataset.total)]")
                check(ingest == [HOLD_AFTER, LAYER_MIB * MIB],
                      f"the store page lists the ingest at {ingest[0]} of {ingest[1]} bytes")
                pending = s.execute("return [...document.querySelectorAll('.store-pending-keep')]"
                                    ".map((r) => r.textContent)")
                check(len(pending) == 1 and "big/image:v1" in pending[0] and proxy.url in pending[0],
                      f"the store page lists the unfinished keep with its registry ({pending})")

                print("resume it from the store page")
                s.execute("document.querySelector('.store-resume').click()")
                s.wait_for("#store-message, #store-error", timeout=120, text="Kept")
                text = s.execute("const d = document.getElementById('store-message') || "
                                 "document.getElementById('store-error'); return d.textContent")
                check(f"resumed {'sha256:' + layer_hex[:12]}" in text or f"at {HOLD_AFTER} bytes" in text,
                      f"the page reports the resume ({text[:500]})")
                s.wait_for("#store-no-pending-keeps", timeout=60)
                check(s.execute("return document.querySelectorAll('.store-image').length") == 1,
                      "the resumed keep is listed as kept, and no unfinished keep is left")
                gets = proxy.blob_gets(layer_hex)[1:]
                check(len(gets) == 1 and gets[0]["range"] == f"bytes={HOLD_AFTER}-"
                      and gets[0]["status"] == 206,
                      f"after the reload: one ranged GET from the ingest's offset ({gets})")
                rest = LAYER_MIB * MIB - HOLD_AFTER
                check(bool(gets) and gets[0]["sent"] == rest,
                      f"only the rest was fetched: {gets[0]['sent'] if gets else 0} bytes = {rest}")
                check(f"fetched-bytes={rest}" in text, "the page counted the same bytes")

                print("push it from the store page to CNCF distribution")
                s.navigate(f"{app}/?tool=store&registry={target}")
                s.wait_for(".store-image", timeout=60, text="big/image:v1")
                s.execute("document.querySelector('.store-push').click()")
                s.wait_for("#store-message, #store-error", timeout=120, text="ushed")
                text = s.execute("const d = document.getElementById('store-message') || "
                                 "document.getElementById('store-error'); return d.textContent")
                check(text.startswith("Pushed") and manifest_digest in text, f"pushed ({text[:200]})")
                req = urllib.request.Request(
                    f"{target}/v2/big/image/manifests/v1", method="HEAD",
                    headers={"Accept": "application/vnd.oci.image.manifest.v1+json"})
                with urllib.request.urlopen(req) as r:
                    check(r.headers.get("Docker-Content-Digest") == manifest_digest,
                          "distribution has the tag, on the source's manifest digest")
                check(sha256_of_blob(target, "big/image", layer_digest) == layer_digest,
                      "the layer distribution received has the source's sha256")

            print("keep it in a browser whose quota for the app's origin is 16 MiB")
            with driver.session() as s:
                s.navigate(f"{app}/")
                s.cdp("Storage.overrideQuotaForOrigin", {"origin": app, "quotaSize": 16 * MIB})
                s.navigate(page)
                s.wait_for("#keep-start", timeout=60)
                s.execute("document.getElementById('keep-start').click()")
                s.wait_for("#keep-done, #download-error", timeout=120)
                text = s.execute("const d = document.getElementById('download-error') || "
                                 "document.getElementById('keep-done'); return d.textContent")
                check("storage is full" in text, f"the quota is explained ({text[:240]})")
                s.navigate(f"{app}/?tool=store")
                s.wait_for("#store-empty, .store-image", timeout=60)
                check(s.execute("return document.querySelectorAll('.store-image').length") == 0,
                      "nothing half-written is listed as kept")
    finally:
        if proxy:
            proxy.close()
        for p in procs:
            stop(p)
        for pid in dist_pids:
            stop_distribution(ROOT, pid)
        shutil.rmtree(work, ignore_errors=True)
    if failures:
        sys.exit(f"store_browser: {len(failures)} check(s) failed: {failures}")
    print("store_browser: all checks passed")


if __name__ == "__main__":
    main()
