"""Processes the Python harness scripts start: wait until a server answers, stop it by PID."""

import os
import subprocess
import sys
import time
import urllib.error
import urllib.request


def wait_http(url, proc, log, timeout=120, who="harness"):
    """Waits until `url` answers (any HTTP status); exits showing `log` if `proc` dies first."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            sys.exit(f"{who}: server exited ({proc.returncode}); log:\n{open(log).read()}")
        try:
            urllib.request.urlopen(url, timeout=2).close()
            return
        except urllib.error.HTTPError:
            return
        except OSError:
            time.sleep(0.1)
    sys.exit(f"{who}: {url} did not answer in {timeout} s")


def start_server(server, args, work, label, who="harness"):
    """`server` (an ociscope-server binary) with `args` on a free 127.0.0.1 port, logging to
    WORK/LABEL.log, once it answers: returns (process, url). Stop it with `stop`."""
    from webdriver import free_port  # noqa: E402 (the harness folder is on the path)
    port = free_port()
    log = os.path.join(work, f"{label}.log")
    proc = subprocess.Popen([server, "--listen", f"127.0.0.1:{port}", *args],
                            stdout=open(log, "w"), stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    wait_http(url + "/v2/", proc, log, who=who)
    return proc, url


def require_built(server, dist, who):
    """Exits saying what to build when the server binary or the built app is missing."""
    for need in (server, os.path.join(dist, "index.html")):
        if not os.path.exists(need):
            sys.exit(f"{who}: {need} missing (build the release server and `trunk build --release`)")


def stop(proc):
    """Stops `proc` (SIGTERM, then SIGKILL after 5 s) and waits for it."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def start_distribution(root, folder, port, htpasswd=False):
    """A CNCF distribution (tests/harness/distribution.sh's start_distribution: CORS open to any
    origin) with data under `folder` on 127.0.0.1:`port`; with `htpasswd`, behind Basic auth
    that knows distribution.sh's SUITE_USER (start_htpasswd_distribution). Returns (url, pid)."""
    start = "start_htpasswd_distribution" if htpasswd else "start_distribution"
    script = (f'source tests/harness/distribution.sh; {start} "$1" "$2" >/dev/null; '
              'echo "$DISTRIBUTION_PID"')
    out = subprocess.run(["bash", "-c", script, "_", folder, str(port)], cwd=root,
                         capture_output=True, text=True, check=True)
    return f"http://127.0.0.1:{port}", int(out.stdout.strip())


def stop_distribution(root, pid):
    """Stops a distribution start_distribution started, by its PID."""
    subprocess.run(["bash", "-c", 'source tests/harness/distribution.sh; stop_pid "$1"', "_", str(pid)],
                   cwd=root, check=False)
