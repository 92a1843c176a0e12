#!/usr/bin/env python3
"""A registry-like HTTP server that sends no CORS headers at all (browsers must refuse its answers).

Usage: no_cors.py PORT. Listens on 127.0.0.1:PORT. `GET`/`HEAD /v2/` answer 200 `{}` with
`Docker-Distribution-Api-Version: registry/2.0`, as a registry's base endpoint does; every other
path answers 404 with a registry error body; `OPTIONS` (a preflight) answers 200 without any
`Access-Control-*` header.
"""
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def answer(self, status, body=b""):
        self.send_response(status)
        self.send_header("Docker-Distribution-Api-Version", "registry/2.0")
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def do_GET(self):
        if self.path.split("?")[0] == "/v2/":
            self.answer(200, b"{}")
        else:
            self.answer(404, b'{"errors":[{"code":"NAME_UNKNOWN","message":"no such repository"}]}')

    do_HEAD = do_GET

    def do_OPTIONS(self):
        self.answer(200)

    def log_message(self, *args):
        pass


if __name__ == "__main__":
    ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Handler).serve_forever()
