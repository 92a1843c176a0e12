#!/usr/bin/env python3
"""Uploads from the built app (dist/) in headless Chromium, as people use it: the app is served by
one ociscope-server, the registry is another (another origin, so CORS), the file is handed to the
page's <input type=file> by chromedriver. Standard library only. Checks:

  faults    with 30 % of the registry's requests answered 429, 503 or reset, an upload ends
            tagged with the right digest and nobody presses a button;
  quirks    real registries' upload quirks (ociscope-server --quirk): requests over 4 MiB
            refused (GHCR), PATCH answered 201 with a Range that lags behind and a 500 for an
            empty final PUT (ECR), a chunk minimum of 6 MiB (S3-backed registries);
  reload    the page is reloaded in the middle of an upload: the upload page lists it, another
            file is refused with the reason, the same file resumes it from where the registry
            stands (not from zero) and the blob the registry holds has the file's digest;
            CNCF distribution too, which cancels an upload whose request broke off mid-body
            (2.8): the page explains it and starts over when asked.
  kept      the same with a file chosen through "Choose a file that resumes by itself" (the
            File System Access API): after the reload, Resume reopens the file from the handle
            the page kept in IndexedDB, with no file chosen again, and the handle is dropped
            once the upload is done; an upload the registry refuses to open (every POST 503)
            leaves no handle and no record behind. The OS's file dialog cannot be driven headless, so a
            stand-in for showOpenFilePicker hands the page a real FileSystemFileHandle (of a
            copy of the file in the origin's private file system).

Usage: python3 tests/upload_browser.py [--server target/debug/ociscope-server] [--dist dist]
"""

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests", "harness"))
from webdriver import ChromeDriver, free_port  # noqa: E402
from processes import start_distribution, stop, stop_distribution, wait_http  # noqa: E402

MIB = 1024 * 1024
failures = []


def check(ok, what):
    print(f"  {'ok  ' if ok else 'FAIL'} {what}")
    if not ok:
        failures.append(what)


def make_file(path, mib, seed):
    """mib MiB of pseudo-random bytes (differing by seed); returns the sha256 hex."""
    h = hashlib.sha256()
    block = hashlib.sha256(seed.encode()).digest() * (MIB // 32)
    with open(path, "wb") as f:
        for i in range(mib):
            piece = bytes([i & 0xFF]) + block[1:]
            h.update(piece)
            f.write(piece)
    return h.hexdigest()


class Registry:
    """An ociscope-server on a free 127.0.0.1 port, stopped by PID."""

    def __init__(self, server, work, label, args=()):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        log = os.path.join(work, f"{label}.log")
        self.proc = subprocess.Popen([server, "--listen", f"127.0.0.1:{self.port}", *args],
                                     stdout=open(log, "w"), stderr=subprocess.STDOUT)
        wait_http(self.url + "/v2/", self.proc, log, who="upload_browser")


def blob_size(registry, repo, hexdigest, tries=20):
    """The size the registry reports for the blob (HEAD, retried through injected faults)."""
    for _ in range(tries):
        req = urllib.request.Request(f"{registry}/v2/{repo}/blobs/sha256:{hexdigest}", method="HEAD")
        try:
            with urllib.request.urlopen(req, timeout=10) as r:
                return int(r.headers.get("Content-Length", "-1"))
        except urllib.error.HTTPError as e:
            if e.code == 404:
                return None
        except OSError:
            pass
        time.sleep(0.2)
    return None


def open_upload(s, app, registry, file, repo):
    s.navigate(f"{app}/?tool=upload&registry={registry}")
    s.wait_for("#upload-file", timeout=60)
    s.send_keys("#upload-file", file)
    s.send_keys("#upload-repo", repo)


def upload_and_wait(s, app, registry, file, hexdigest, repo, timeout=300):
    open_upload(s, app, registry, file, repo)
    s.execute("document.getElementById('upload-start').click()")
    s.wait_for("#upload-done", timeout=timeout, text="tagged")
    text = s.execute("return document.getElementById('upload-done').textContent")
    return hexdigest in text, text


# Installed before the page's scripts: the picker's stand-in (see the module doc).
PICKER = """
window.showOpenFilePicker = async () =>
  [await (await navigator.storage.getDirectory()).getFileHandle('payload.bin')];
"""

# Copies the input's file into the origin's private file system; resolves with its size there.
COPY_TO_OPFS = """
const done = arguments[arguments.length - 1];
(async () => {
  const file = document.getElementById('upload-file').files[0];
  const handle = await (await navigator.storage.getDirectory())
    .getFileHandle('payload.bin', {create: true});
  const w = await handle.createWritable();
  await w.write(file);
  await w.close();
  return (await handle.getFile()).size;
})().then(done, (e) => done('error: ' + e));
"""

# How many file handles the page keeps (IndexedDB, web/src/file_handles.js).
COUNT_HANDLES = """
const done = arguments[arguments.length - 1];
const r = indexedDB.open('ociscope-file-handles', 1);
r.onupgradeneeded = () => r.result.createObjectStore('handles');
r.onsuccess = () => {
  const db = r.result;
  const c = db.transaction('handles').objectStore('handles').count();
  c.onsuccess = () => { db.close(); done(c.result); };
  c.onerror = () => { db.close(); done('error: ' + c.error); };
};
r.onerror = () => done('error: ' + r.error);
"""


def progress_value(s):
    return s.execute("const p = document.getElementById('upload-progress');"
                     "return p ? Number(p.value) : 0") or 0


def first_progress(s, timeout=30):
    """The first progress value after a resume (-1 when it was done before one showed)."""
    first = 0
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and not first:
        first = s.execute("const p = document.getElementById('upload-progress');"
                          "const d = document.getElementById('upload-done');"
                          "return d ? -1 : (p ? Number(p.value) : 0)") or 0
        time.sleep(0.02)
    return first


def reload_midway(s, app, url, at=12 * MIB):
    """Waits until `at` bytes are sent, then reloads the upload page; returns the bytes sent."""
    deadline = time.monotonic() + 120
    sent = 0
    while time.monotonic() < deadline and sent < at:
        sent = progress_value(s)
        time.sleep(0.05)
    s.navigate(f"{app}/?tool=upload&registry={url}")
    return sent


def handles_kept(s, want, tries=50):
    """The number of kept file handles, waiting up to tries × 0.1 s for it to be `want`."""
    count = None
    for _ in range(tries):
        count = s.execute_async(COUNT_HANDLES)
        if count == want:
            break
        time.sleep(0.1)
    return count


def kept_file_resumes(driver, app, reg, refusing, big, big_hex):
    """The `kept` case of the module doc; first, an upload the registry refuses to open keeps
    no handle behind."""
    with driver.session() as s:
        s.cdp("Page.addScriptToEvaluateOnNewDocument", {"source": PICKER})
        s.navigate(f"{app.url}/?tool=upload&registry={refusing.url}")
        s.wait_for("#upload-pick", timeout=60)
        s.send_keys("#upload-file", big)
        copied = s.execute_async(COPY_TO_OPFS)
        check(copied == 160 * MIB, f"the file is copied into the private file system ({copied})")
        s.execute("document.getElementById('upload-pick').click()")
        s.wait_for("#upload-picked", timeout=30, text="payload.bin")
        s.send_keys("#upload-repo", "refused")
        s.execute("document.getElementById('upload-start').click()")
        s.wait_for(".error-box", timeout=120)
        check(handles_kept(s, 0) == 0, "an upload the registry never opened keeps no handle")
        check(json.loads(s.execute("return localStorage.getItem('ociscope.pending-uploads') "
                                   "|| '[]'")) == [], "and no record")
        s.navigate(f"{app.url}/?tool=upload&registry={reg.url}")
        s.wait_for("#upload-pick", timeout=60)
        # A file in the input first, so that picking is seen to take its place.
        s.send_keys("#upload-file", big)
        s.execute("document.getElementById('upload-pick').click()")
        s.wait_for("#upload-picked", timeout=30, text="payload.bin")
        check(s.execute("return document.getElementById('upload-file').value") == "",
              "the picked file takes the input's place")
        s.send_keys("#upload-repo", "kept/file")
        s.execute("document.getElementById('upload-start').click()")
        sent = reload_midway(s, app.url, reg.url)
        check(0 < sent < 160 * MIB, f"reloading after {sent // MIB} MiB")
        s.wait_for("#pending-uploads .pending-upload", timeout=30, text="keeps the file")
        record = json.loads(s.execute(
            "return localStorage.getItem('ociscope.pending-uploads')"))[-1]
        check(record.get("kept") is True and record["offset"] > 0,
              f"the upload is remembered at {record['offset'] // MIB} MiB with its file kept")
        check(s.execute_async(COUNT_HANDLES) == 1, "one file handle is kept (IndexedDB)")
        check(s.execute("return document.getElementById('upload-file').files.length") == 0,
              "no file is chosen after the reload")
        s.execute("document.querySelector('.pending-resume').click()")
        first = first_progress(s)
        s.wait_for("#upload-done, .error-box", timeout=100)
        text = s.execute("const d = document.getElementById('upload-done') || "
                         "document.querySelector('.error-box'); return d.textContent")
        check(big_hex in text, f"Resume reopened the file; tagged with its digest ({text[:300]})")
        check(first >= record["offset"] or first == -1,
              f"resumed from {first // MIB if first > 0 else first} MiB, not from zero")
        check(handles_kept(s, 0) == 0, "the handle is dropped once the upload is done")
    check(blob_size(reg.url, "kept/file", big_hex) == 160 * MIB, "the registry holds the blob, whole")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--server", default=os.path.join(ROOT, "target", "debug", "ociscope-server"))
    ap.add_argument("--dist", default=os.path.join(ROOT, "dist"))
    args = ap.parse_args()
    work = tempfile.mkdtemp(prefix="ociscope-upload-browser-")
    regs, dist_pids = [], []
    try:
        small = os.path.join(work, "small.bin")
        small_hex = make_file(small, 13, "small")
        big = os.path.join(work, "big", "payload.bin")
        os.makedirs(os.path.dirname(big))
        big_hex = make_file(big, 160, "big")
        other = os.path.join(work, "other", "payload.bin")
        os.makedirs(os.path.dirname(other))
        make_file(other, 3, "other")

        app = Registry(args.server, work, "app", ["--app", args.dist])
        regs.append(app)
        with ChromeDriver(log_path=os.path.join(work, "chromedriver.log")) as driver:
            print("faults: 30 % of requests answered 429, 503 or reset")
            faulty = Registry(args.server, work, "faulty",
                              ["--fault", "429:0.1", "--fault", "503:0.1", "--fault", "reset:0.1",
                               "--seed", "11"])
            regs.append(faulty)
            with driver.session() as s:
                ok, text = upload_and_wait(s, app.url, faulty.url, small, small_hex, "faults/file")
                check(ok, f"tagged with the file's digest, no button pressed ({text.strip()[:90]}…)")
                pressed = s.execute("return !!document.getElementById('upload-resume')")
                check(not pressed, "no resume offered")
            check(blob_size(faulty.url, "faults/file", small_hex) == 13 * MIB,
                  "the registry holds the blob, whole")

            for label, quirks in [
                ("GHCR: requests over 4 MiB refused", ["max-request=4MiB"]),
                ("ECR: PATCH 201, a lagging Range, 500 for an empty final PUT",
                 ["patch-201", "stale-range", "empty-put-500"]),
                ("S3-backed: chunks of at least 6 MiB", ["chunk-min=6MiB"]),
            ]:
                print(f"quirks: {label}")
                reg = Registry(args.server, work, quirks[0].split("=")[0],
                               [a for q in quirks for a in ("--quirk", q)])
                regs.append(reg)
                with driver.session() as s:
                    ok, _ = upload_and_wait(s, app.url, reg.url, small, small_hex, "quirks/file")
                    check(ok, "tagged with the file's digest")
                check(blob_size(reg.url, "quirks/file", small_hex) == 13 * MIB,
                      "the registry holds the blob, whole")

            for label in ("ociscope-server", "CNCF distribution"):
                print(f"reload in the middle of an upload to {label}")
                if label == "ociscope-server":
                    reg = Registry(args.server, work, "reload", ["--quirk", "max-request=2MiB"])
                    regs.append(reg)
                    url = reg.url
                else:
                    url, pid = start_distribution(ROOT, os.path.join(work, "dist"), free_port())
                    dist_pids.append(pid)
                with driver.session() as s:
                    open_upload(s, app.url, url, big, "reload/file")
                    s.execute("document.getElementById('upload-start').click()")
                    # Reload once a few chunks are in (small requests keep the upload slow).
                    sent = reload_midway(s, app.url, url)
                    check(0 < sent < 160 * MIB, f"reloading after {sent // MIB} MiB")
                    s.wait_for("#pending-uploads .pending-upload", timeout=30, text="payload.bin")
                    record = json.loads(s.execute(
                        "return localStorage.getItem('ociscope.pending-uploads')"))[-1]
                    check(record["offset"] > 0 and record["file"]["size"] == 160 * MIB,
                          f"the upload is remembered at {record['offset'] // MIB} MiB")
                    s.send_keys("#upload-file", other)
                    s.execute("document.querySelector('.pending-resume').click()")
                    s.wait_for(".error-box", timeout=30, text="not the file of that upload")
                    check(True, "another file is refused with the reason")
                    s.send_keys("#upload-file", big)
                    s.execute("document.querySelector('.pending-resume').click()")
                    first = first_progress(s)
                    s.wait_for("#upload-done, #upload-forgotten, .error-box", timeout=100)
                    if s.execute("return !!document.getElementById('upload-forgotten')"):
                        # Distribution 2.8 cancels an upload whose PATCH broke off mid-body
                        # (the reload): the page says so and offers to start over.
                        check(label == "CNCF distribution", "the registry dropped the upload: "
                              "explained, with Start over")
                        s.execute("document.getElementById('upload-restart').click()")
                        s.wait_for("#upload-done, .error-box", timeout=100)
                    text = s.execute("const d = document.getElementById('upload-done') || "
                                     "document.querySelector('.error-box'); return d.textContent")
                    check(big_hex in text, f"tagged with the file's digest ({text[:300]})")
                    if label == "ociscope-server":
                        check(first >= record["offset"] or first == -1,
                              f"resumed from {first // MIB if first > 0 else first} MiB, not from zero")
                    left = s.execute("return document.querySelectorAll('.pending-upload').length")
                    check(left == 0, "the finished upload is no longer listed")
                check(blob_size(url, "reload/file", big_hex) == 160 * MIB,
                      "the registry holds the blob, whole")

            print("reload in the middle of an upload of a kept file (File System Access)")
            kept = Registry(args.server, work, "kept", ["--quirk", "max-request=2MiB"])
            regs.append(kept)
            refusing = Registry(args.server, work, "refusing",
                                ["--fault", "503:POST /v2/*/blobs/uploads/:1"])
            regs.append(refusing)
            kept_file_resumes(driver, app, kept, refusing, big, big_hex)
    finally:
        for r in regs:
            stop(r.proc)
        for pid in dist_pids:
            stop_distribution(ROOT, pid)
        shutil.rmtree(work, ignore_errors=True)
    if failures:
        sys.exit(f"upload_browser: {len(failures)} check(s) failed: {failures}")
    print("upload_browser: all checks passed")


if __name__ == "__main__":
    main()
