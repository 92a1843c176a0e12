#!/usr/bin/env python3
"""A reverse proxy that serves a registry under a path prefix, as mirrors and gateways do.

Usage: prefix_proxy.py PORT PREFIX UPSTREAM, e.g. `prefix_proxy.py 5100 /mirror
http://127.0.0.1:5000`. Listens on 127.0.0.1:PORT; a request for PREFIX/v2/... goes to
UPSTREAM/v2/... (other paths answer 404). `Location` and `Link` headers that point at the
upstream's /v2/ are rewritten to point at PREFIX/v2/ on the proxy; every other header (CORS
included) passes through unchanged. Bodies are relayed in 1 MiB pieces.
"""
import http.client
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

PORT, PREFIX, UPSTREAM = int(sys.argv[1]), sys.argv[2].rstrip("/"), sys.argv[3].rstrip("/")
UP = urlsplit(UPSTREAM)
HOP = {"connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade", "host"}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def rewrite(self, value):
        own = f"http://127.0.0.1:{PORT}{PREFIX}/v2/"
        value = value.replace(f"{UPSTREAM}/v2/", own)
        value = value.replace("</v2/", f"<{PREFIX}/v2/")
        if value.startswith("/v2/"):
            value = PREFIX + value
        return value

    def relay(self):
        if not self.path.startswith(PREFIX + "/v2/"):
            self.send_response(404)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else None
        headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP}
        conn = http.client.HTTPConnection(UP.hostname, UP.port, timeout=120)
        conn.request(self.command, self.path[len(PREFIX):], body=body, headers=headers)
        resp = conn.getresponse()
        self.send_response(resp.status, resp.reason)
        chunked = resp.getheader("Content-Length") is None and self.command != "HEAD"
        for k, v in resp.getheaders():
            if k.lower() in HOP:
                continue
            if k.lower() in ("location", "link"):
                v = self.rewrite(v)
            self.send_header(k, v)
        if chunked:
            self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        sent = 0
        if self.command != "HEAD":
            while True:
                try:
                    piece = resp.read(1 << 20)
                except http.client.IncompleteRead as e:
                    piece = e.partial
                if not piece:
                    break
                sent += len(piece)
                if chunked:
                    self.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece))
                else:
                    self.wfile.write(piece)
            if chunked:
                self.wfile.write(b"0\r\n\r\n")
        declared = resp.getheader("Content-Length")
        if not chunked and self.command != "HEAD" and declared and sent < int(declared):
            # The upstream sent less than it declared and closed (CNCF distribution 2.8 does
            # so for a 416: the blob's length with a short error text): close too, as a
            # proxy must, or the client waits for bytes that never come.
            self.close_connection = True
        conn.close()

    do_GET = do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = relay

    def log_message(self, *args):
        pass


if __name__ == "__main__":
    ThreadingHTTPServer(("127.0.0.1", PORT), Handler).serve_forever()
