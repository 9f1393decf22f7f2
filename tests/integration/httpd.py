#!/usr/bin/env python3
"""Loopback HTTP fixture for herald's integration tests.

Serves tests/integration/fixtures/ on 127.0.0.1 with ETag and
Last-Modified (and 304 for matching conditional requests), plus a few
scripted paths: /status/NNN answers that status. Writes the port to the
file named by --port-file and logs every request (path, status,
If-None-Match) to --log. Only loopback; exits on SIGTERM.
"""
import argparse
import email.utils
import hashlib
import http.server
import os
import signal
import sys


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    root = "."
    log_path = None

    def log_message(self, fmt, *args):
        pass

    def record(self, status):
        if self.log_path:
            with open(self.log_path, "a") as fh:
                fh.write("%s %d %s\n" % (self.path, status,
                         self.headers.get("If-None-Match", "-")))

    def send(self, status, body=b"", headers=()):
        self.send_response(status)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)
        self.record(status)

    def do_GET(self):
        path = self.path.split("?", 1)[0]
        if path.startswith("/status/"):
            code = int(path[len("/status/"):])
            self.send(code, b"<html><body>status</body></html>",
                      [("Content-Type", "text/html")])
            return
        name = os.path.basename(path)
        full = os.path.join(self.root, name)
        if not name or not os.path.isfile(full):
            self.send(404, b"not found", [("Content-Type", "text/plain")])
            return
        with open(full, "rb") as fh:
            body = fh.read()
        etag = '"%s"' % hashlib.sha256(body).hexdigest()[:16]
        mtime = email.utils.formatdate(os.path.getmtime(full), usegmt=True)
        ctype = {"rss": "application/rss+xml", "rdf": "application/rdf+xml",
                 "atom": "application/atom+xml"}.get(name.rsplit(".", 1)[-1],
                                                     "application/xml")
        hdrs = [("ETag", etag), ("Last-Modified", mtime),
                ("Content-Type", ctype + "; charset=utf-8")]
        if self.headers.get("If-None-Match") == etag:
            self.send(304, b"", hdrs[:2])
            return
        self.send(200, body, hdrs)

    do_HEAD = do_GET


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--root", required=True)
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--log")
    a = ap.parse_args()
    Handler.root = a.root
    Handler.log_path = a.log
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    tmp = a.port_file + ".tmp"
    with open(tmp, "w") as fh:
        fh.write("%d\n" % srv.server_address[1])
    os.rename(tmp, a.port_file)
    srv.serve_forever()


if __name__ == "__main__":
    main()
