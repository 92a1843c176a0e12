"""A minimal W3C WebDriver client for chromedriver and headless Chromium (standard library only).

    from webdriver import ChromeDriver
    with ChromeDriver() as driver:                  # starts chromedriver on a free 127.0.0.1 port
        with driver.session(width=1280, height=800) as s:   # fresh headless Chromium profile
            s.navigate("http://127.0.0.1:8080/")
            s.wait_for("#catalog-summary")
            s.screenshot("out.png")

chromedriver is `$CHROMEDRIVER` (default /usr/bin/chromedriver) and the browser `$CHROMIUM`
(default /usr/bin/chromium). Both are stopped by PID: `Session.quit()` ends the browser through
chromedriver, `ChromeDriver.stop()` ends chromedriver itself.
"""

import base64
import json
import os
import random
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request

CHROMEDRIVER = os.environ.get("CHROMEDRIVER", "/usr/bin/chromedriver")
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")

# The W3C key of an element reference in JSON.
ELEMENT_KEY = "element-6066-11e4-a52e-4f735466cecf"


class WebDriverError(Exception):
    """An error answer from chromedriver: its W3C error code, message and HTTP status."""

    def __init__(self, status, error, message):
        super().__init__(f"{error} (HTTP {status}): {message}")
        self.status = status
        self.error = error
        self.message = message


# Ports free_port has handed out in this process (never handed out twice).
_GIVEN = set()


def free_port():
    """A TCP port free on 127.0.0.1 now, below the kernel's ephemeral range, not handed out
    before by this process. A port from bind(:0) is in that range, and once released any
    outgoing connection may take it as its local port before the server binds it (CI saw
    "address already in use" so); ociscope-testkit's free_port picks the same way."""
    try:
        with open("/proc/sys/net/ipv4/ip_local_port_range") as f:
            top = int(f.read().split()[0])
    except (OSError, ValueError, IndexError):
        top = 32768
    lowest = 10000
    top = max(top, lowest + 1000)
    rng = random.Random()
    for _ in range(10000):
        port = rng.randrange(lowest, top)
        if port in _GIVEN:
            continue
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
        _GIVEN.add(port)
        return port
    raise RuntimeError(f"no free port in {lowest}..{top} on 127.0.0.1")


def _request(method, url, body=None, timeout=120):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, method=method)
    req.add_header("Content-Type", "application/json; charset=utf-8")
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            payload = json.loads(resp.read() or b"{}")
    except urllib.error.HTTPError as e:
        try:
            value = json.loads(e.read()).get("value", {})
        except ValueError:
            value = {}
        raise WebDriverError(e.code, value.get("error", "unknown error"),
                             value.get("message", "")) from None
    return payload.get("value")


def chromium_version():
    """`Chromium 156.0.xxxx.yy ...` as the browser prints it."""
    out = subprocess.run([CHROMIUM, "--version"], capture_output=True, text=True, check=False)
    return out.stdout.strip()


class ChromeDriver:
    """A chromedriver process listening on 127.0.0.1 at a free port."""

    def __init__(self, binary=CHROMEDRIVER, port=None, log_path=None):
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._log = open(log_path, "ab") if log_path else subprocess.DEVNULL
        self.proc = subprocess.Popen(
            [binary, f"--port={self.port}", "--allowed-ips=127.0.0.1"],
            stdout=self._log, stderr=self._log, stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + 30
        while True:
            try:
                status = _request("GET", self.url + "/status", timeout=2)
                if status and status.get("ready"):
                    break
            except (OSError, WebDriverError):
                pass
            if self.proc.poll() is not None:
                raise RuntimeError(f"chromedriver exited with {self.proc.returncode}")
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("chromedriver did not become ready in 30 s")
            time.sleep(0.05)

    def session(self, width=1280, height=800, args=(), headless=True):
        """A new browser session with a fresh temporary profile (a cold start)."""
        return Session(self, width, height, args, headless)

    def stop(self):
        """Stops chromedriver by its PID (terminate, then kill after 5 s)."""
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self._log is not subprocess.DEVNULL:
            self._log.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


class Session:
    """One browser (one WebDriver session)."""

    def __init__(self, driver, width, height, args, headless):
        self.driver = driver
        self.profile = tempfile.TemporaryDirectory(prefix="ociscope-chromium-", ignore_cleanup_errors=True)
        flags = [
            "--no-sandbox", "--disable-gpu", f"--window-size={width},{height}",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            "--no-first-run", "--disable-extensions", f"--user-data-dir={self.profile.name}",
        ]
        if headless:
            flags.insert(0, "--headless=new")
        flags += list(args)
        caps = {"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "pageLoadStrategy": "normal",
            "goog:chromeOptions": {"binary": CHROMIUM, "args": flags},
        }}}
        value = _request("POST", driver.url + "/session", caps)
        self.id = value["sessionId"]
        self.capabilities = value.get("capabilities", {})
        self.base = f"{driver.url}/session/{self.id}"
        self.set_timeouts(script=120_000, page_load=120_000)
        self.set_viewport(width, height)

    # --- plumbing -----------------------------------------------------------------------------

    def _cmd(self, method, path, body=None):
        return _request(method, self.base + path, body)

    def set_timeouts(self, script=None, page_load=None, implicit=None):
        body = {}
        if script is not None:
            body["script"] = script
        if page_load is not None:
            body["pageLoad"] = page_load
        if implicit is not None:
            body["implicit"] = implicit
        self._cmd("POST", "/timeouts", body)

    def set_viewport(self, width, height):
        """Resizes the window so the page's viewport (what screenshots show) is width x height
        CSS pixels: headless Chromium's --window-size includes window decorations."""
        for _ in range(3):
            inner = self.execute("return [window.innerWidth, window.innerHeight]")
            if inner == [width, height]:
                return
            rect = self._cmd("GET", "/window/rect")
            self._cmd("POST", "/window/rect", {
                "width": rect["width"] + width - inner[0],
                "height": rect["height"] + height - inner[1]})

    # --- navigation and scripts ---------------------------------------------------------------

    def navigate(self, url):
        """Loads url and returns when the document has loaded (pageLoadStrategy normal)."""
        self._cmd("POST", "/url", {"url": url})

    def current_url(self):
        return self._cmd("GET", "/url")

    def execute(self, script, *args):
        """Runs a synchronous script (a function body); returns its `return` value."""
        return self._cmd("POST", "/execute/sync", {"script": script, "args": list(args)})

    def execute_async(self, script, *args):
        """Runs an async script: the last of `arguments` is the callback that ends it."""
        return self._cmd("POST", "/execute/async", {"script": script, "args": list(args)})

    def cdp(self, command, params=None):
        """A Chrome DevTools Protocol command through chromedriver's `goog/cdp/execute`
        extension (e.g. `Emulation.setEmulatedMedia`)."""
        return self._cmd("POST", "/goog/cdp/execute", {"cmd": command, "params": params or {}})

    def wait_for(self, selector, timeout=30.0, text=None):
        """Waits until an element matching the CSS selector exists (and, with text, until its
        textContent contains text); returns performance.now() at that moment. Raises
        TimeoutError with the page's text when it does not happen."""
        script = """
            const [selector, text, timeout, done] = arguments;
            const ok = () => {
                const el = document.querySelector(selector);
                return el && (text === null || el.textContent.includes(text));
            };
            if (ok()) { done(performance.now()); return; }
            const obs = new MutationObserver(() => {
                if (ok()) { obs.disconnect(); clearTimeout(t); done(performance.now()); }
            });
            obs.observe(document, {childList: true, subtree: true, characterData: true});
            const t = setTimeout(() => { obs.disconnect(); done(null); }, timeout);
        """
        found = self.execute_async(script, selector, text, int(timeout * 1000))
        if found is None:
            body = self.execute("return document.body ? document.body.innerText : ''")
            raise TimeoutError(f"{selector!r} (text {text!r}) not there after {timeout} s; "
                               f"page text: {body[:600]!r}")
        return found

    # --- elements -----------------------------------------------------------------------------

    def find(self, selector):
        """The first element matching a CSS selector (a WebDriver element reference)."""
        return self._cmd("POST", "/element", {"using": "css selector", "value": selector})

    def click(self, selector):
        el = self.find(selector)
        self._cmd("POST", f"/element/{el[ELEMENT_KEY]}/click", {})

    def send_keys(self, selector, text):
        """Types text into an element; for an `<input type=file>`, text is a file's path
        (chromedriver hands the browser that file, as if picked)."""
        el = self.find(selector)
        self._cmd("POST", f"/element/{el[ELEMENT_KEY]}/value", {"text": text})

    # --- output -------------------------------------------------------------------------------

    def screenshot_png(self):
        """The viewport as PNG bytes."""
        return base64.b64decode(self._cmd("GET", "/screenshot"))

    def screenshot(self, path):
        with open(path, "wb") as f:
            f.write(self.screenshot_png())

    def quit(self):
        """Ends the session (chromedriver closes the browser) and removes the profile."""
        try:
            self._cmd("DELETE", "")
        except (OSError, WebDriverError):
            pass
        self.profile.cleanup()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.quit()
