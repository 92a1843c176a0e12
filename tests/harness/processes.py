"""Processes the Python harness scripts start: wait until a server answers, stop it by PID."""

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


def stop(proc):
    """Stops `proc` (SIGTERM, then SIGKILL after 5 s) and waits for it."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
