#!/usr/bin/env python3
"""Scriptable loopback HTTP server for the poller's integration tests.

Behaviour per path comes from a JSON script file that the test may rewrite
between polls (it is re-read on every request):

  {"/feed.xml": {"status": 200, "headers": {"Cache-Control": "max-age=60"},
                 "body": "<rss>...", "etag": true, "gzip": false,
                 "bomb_mb": 0, "silent": false, "size": 0}}

  etag     answer with an ETag of the body and 304 to a matching
           If-None-Match
  gzip     gzip the body (Content-Encoding: gzip)
  bomb_mb  a gzip body that inflates to that many MiB of zeros, generated
           on the fly
  size     a plain body of that many bytes ("x" repeated)
  silent   accept, read the request, never answer
  drip_s   send the body in ten pieces spread over that many seconds

Every request is appended to --log as one JSON object: path, status,
if_none_match. Binds 127.0.0.1 only; writes the port to --port-file.
"""
import argparse
import hashlib
import http.server
import json
import os
import signal
import sys
import time
import zlib


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    script_path = None
    log_path = None

    def log_message(self, fmt, *args):
        pass

    def handle(self):
        # Clients that give up (body caps, timeouts) are part of the test.
        try:
            super().handle()
        except (ConnectionResetError, BrokenPipeError):
            pass

    def record(self, status):
        with open(self.log_path, "a") as fh:
            fh.write(json.dumps({"path": self.path, "status": status,
                                 "if_none_match": self.headers.get("If-None-Match"),
                                 "t": time.time()}) + "\n")

    def do_GET(self):
        try:
            with open(self.script_path) as fh:
                script = json.load(fh)
        except (OSError, ValueError):
            script = {}
        rule = script.get(self.path.split("?", 1)[0])
        if rule is None:
            self.answer(404, b"not found", {"Content-Type": "text/plain"})
            return
        if rule.get("silent"):
            self.record(0)
            time.sleep(60)
            return
        status = rule.get("status", 200)
        headers = dict(rule.get("headers", {}))
        body = rule.get("body", "").encode()
        if rule.get("size"):
            body = b"x" * rule["size"]
        if rule.get("bomb_mb"):
            self.bomb(rule["bomb_mb"], headers)
            return
        if rule.get("etag") and status == 200:
            etag = '"%s"' % hashlib.sha256(body).hexdigest()[:16]
            headers["ETag"] = etag
            if self.headers.get("If-None-Match") == etag:
                self.answer(304, b"", {"ETag": etag})
                return
        if rule.get("gzip"):
            co = zlib.compressobj(6, zlib.DEFLATED, 31)
            body = co.compress(body) + co.flush()
            headers["Content-Encoding"] = "gzip"
        self.answer(status, body, headers, rule.get("drip_s", 0))

    def answer(self, status, body, headers, drip_s=0):
        self.send_response(status)
        for k, v in headers.items():
            self.send_header(k, str(v))
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if drip_s and body:
            step = max(1, len(body) // 10)
            for i in range(0, len(body), step):
                self.wfile.write(body[i:i + step])
                self.wfile.flush()
                time.sleep(drip_s / 10)
        else:
            self.wfile.write(body)
        self.record(status)

    def bomb(self, mb, headers):
        co = zlib.compressobj(9, zlib.DEFLATED, 31)
        chunk = b"\0" * (1 << 20)
        parts = [co.compress(chunk) for _ in range(mb)]
        parts.append(co.flush())
        body = b"".join(parts)
        headers["Content-Encoding"] = "gzip"
        headers["Content-Type"] = "application/rss+xml"
        try:
            self.answer(200, body, headers)
        except (BrokenPipeError, ConnectionResetError):
            self.record(200)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--script", required=True)
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--log", required=True)
    a = ap.parse_args()
    Handler.script_path = a.script
    Handler.log_path = a.log
    http.server.ThreadingHTTPServer.request_queue_size = 256
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    srv.daemon_threads = True
    signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
    tmp = a.port_file + ".tmp"
    with open(tmp, "w") as fh:
        fh.write("%d\n" % srv.server_address[1])
    os.rename(tmp, a.port_file)
    srv.serve_forever()


if __name__ == "__main__":
    main()
