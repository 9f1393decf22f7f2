#!/usr/bin/env python3
"""Soak (RELIABILITY D5, G19; issue #9 deliverable 5).

Runs the real daemon for --minutes against the ../shared/bench corpus
(N feeds; default N=1000) served by a small loopback server of our own
(so other engineers' nginx is left alone) that switches between the
corpus's round 1 and round 2 every --round-seconds ("rounds changing
underneath") and answers conditional GETs with 304. Intervals are short
(--interval). Every 10 s it samples the daemon's RSS (/proc VmRSS), its
open descriptors (/proc/PID/fd) and the event-loop lag and in-flight
transfers (control socket `status`), writes them to samples.tsv and at
the end prints the curves (one line per minute) and fails if

  - RSS grew by more than 10 % from the end of the warm-up (the first
    10 minutes, or the first third of shorter runs) to the end, or
  - descriptors grew at all: the floor (minimum) of the open-descriptor
    count over the last quarter is above the floor over the warm-up's
    last minute (in-flight sockets come and go; a leak raises the floor),
  - or the daemon died.
Only 127.0.0.1 is used.
"""
import argparse
import http.server
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))


class Rounds:
    def __init__(self, corpus):
        self.corpus = corpus
        self.round = 1
        self.requests = self.not_modified = 0


def handler(rounds):
    class H(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self):
            r = rounds.round
            name = os.path.basename(self.path.split("?")[0])
            path = os.path.join(rounds.corpus, "r%d" % r, "feeds", name)
            rounds.requests += 1
            etag = '"r%d-%s"' % (r, name)
            if self.headers.get("If-None-Match") == etag:
                rounds.not_modified += 1
                self.send_response(304)
                self.send_header("ETag", etag)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            try:
                with open(path, "rb") as fh:
                    body = fh.read()
            except OSError:
                self.send_response(404)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            self.send_response(200)
            self.send_header("Content-Type", "application/rss+xml")
            self.send_header("ETag", etag)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *a):
            pass
    return H


def ctl(sock_path, req):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(5)
    try:
        s.connect(sock_path)
        s.sendall((json.dumps(req) + "\n").encode())
        data = b""
        while not data.endswith(b"\n"):
            c = s.recv(65536)
            if not c:
                break
            data += c
        return json.loads(data)
    except (OSError, ValueError):
        return {}
    finally:
        s.close()


def rss_kb(pid):
    with open("/proc/%d/status" % pid) as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return -1


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default="build")
    ap.add_argument("--shared", default=os.path.join(REPO, "..", "shared"))
    ap.add_argument("--corpus", default=None)
    ap.add_argument("--minutes", type=float, default=60)
    ap.add_argument("--interval", default="1m")
    ap.add_argument("--round-seconds", type=float, default=120)
    ap.add_argument("--sample", type=float, default=10)
    ap.add_argument("--out", default=None, help="keep results here")
    a = ap.parse_args()
    corpus = a.corpus or os.path.join(
        os.environ.get("TMPDIR", "/tmp"), "herald-bench", "corpus-n1000-m50")
    if not os.path.isdir(os.path.join(corpus, "r1")):
        gen = os.path.join(a.shared, "bench", "gen-corpus")
        print("# generating %s with %s" % (corpus, gen))
        subprocess.run([gen, "-n", "1000", "-o", corpus], check=True)
    build = os.path.join(REPO, a.build)
    tmp = a.out or tempfile.mkdtemp(prefix="herald-soak-")
    os.makedirs(tmp, exist_ok=True)
    rounds = Rounds(corpus)
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler(rounds))
    srv.daemon_threads = True
    srv.handle_error = lambda *x: None
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    port = srv.server_address[1]
    names = sorted(os.listdir(os.path.join(corpus, "r1", "feeds")))
    with open(os.path.join(tmp, "feeds.conf"), "w") as fh:
        for n in names:
            fh.write("http://127.0.0.1:%d/feeds/%s\n" % (port, n))
    conf = os.path.join(tmp, "heraldd.conf")
    with open(conf, "w") as fh:
        fh.write("[daemon]\ndatabase = herald.db\nfeeds = feeds.conf\n"
                 "topics = %s\ncontrol_socket = control.sock\n"
                 "[fetch]\nallow_private = yes\ninterval = %s\n"
                 "min_interval = 30s\nmax_interval = 10m\ntimeout = 30s\n"
                 "host_spacing = 0s\nmax_per_host = 16\nproxy = none\n"
                 % (os.path.join(REPO, "config", "topics"), a.interval))
    log = open(os.path.join(tmp, "heraldd.log"), "w")
    p = subprocess.Popen([os.path.join(build, "heraldd"), "-f", conf],
                         stdout=log, stderr=log)
    sock = os.path.join(tmp, "control.sock")
    samples = []
    t0 = time.time()
    end = t0 + a.minutes * 60
    next_round = t0 + a.round_seconds
    tsv = open(os.path.join(tmp, "samples.tsv"), "w")
    tsv.write("t_s\trss_kb\tfds\tlag_last_ms\tlag_max_ms\tinflight\t"
              "items\trequests\n")
    try:
        while time.time() < end and p.poll() is None:
            time.sleep(a.sample)
            now = time.time()
            if now >= next_round:
                rounds.round = 3 - rounds.round
                next_round = now + a.round_seconds
            try:
                fds = len(os.listdir("/proc/%d/fd" % p.pid))
                rss = rss_kb(p.pid)
            except OSError:
                break
            if rss < 0 or p.poll() is not None:
                break
            st = ctl(sock, {"cmd": "status"})
            lag = st.get("loop_lag_ms") or {}
            row = (round(now - t0), rss, fds, lag.get("last", -1),
                   lag.get("max", -1), st.get("inflight", -1),
                   st.get("items", -1), rounds.requests)
            samples.append(row)
            tsv.write("\t".join(str(x) for x in row) + "\n")
            tsv.flush()
    finally:
        alive = p.poll() is None
        if alive:
            p.send_signal(signal.SIGTERM)
            try:
                p.wait(60)
            except subprocess.TimeoutExpired:
                p.kill()
        srv.shutdown()
        log.close()
    ok = True
    print("# corpus %s, %d feeds, interval %s, rounds every %ds, %.1f min"
          % (corpus, len(names), a.interval, a.round_seconds, a.minutes))
    print("# t(s)  rss(KiB)  fds  lag_last  lag_max  inflight  items")
    per_min = max(1, int(60 / a.sample))
    for row in samples[::per_min]:
        print("# %5d  %8d  %4d  %8s  %7s  %8s  %6s" % row[:7])
    if not alive:
        print("not ok 1 - daemon still running at the end (died with %r "
              "after %d s; log in %s)" % (p.returncode,
                                         samples[-1][0] if samples else 0,
                                         tmp))
        ok = False
    else:
        print("ok 1 - daemon still running at the end (exit %r on SIGTERM)"
              % p.returncode)
    warm = min(600, a.minutes * 60 / 3)
    base = [s for s in samples if s[0] <= warm]
    tail = samples[-max(1, len(samples) // 4):]
    if len(base) < 2 or len(samples) < 4:
        print("not ok 2 - too few samples (%d)" % len(samples))
        return 1
    base_rss = base[-1][1]
    end_rss = max(s[1] for s in tail)
    growth = (end_rss - base_rss) * 100.0 / base_rss
    good = growth <= 10
    ok &= good
    print("%s 2 - RSS after warm-up %d KiB, at the end %d KiB (%+.1f %%, "
          "limit +10 %%)" % ("ok" if good else "not ok", base_rss, end_rss,
                             growth))
    base_fd = min(s[2] for s in base[-per_min:])
    end_fd = min(s[2] for s in tail)
    good = end_fd <= base_fd
    ok &= good
    print("%s 3 - descriptor floor after warm-up %d, at the end %d"
          % ("ok" if good else "not ok", base_fd, end_fd))
    lags = [s[4] for s in samples if s[4] >= 0]
    print("# event-loop lag max %s ms; %d requests (%d answered 304); "
          "samples in %s" % (max(lags) if lags else "?", rounds.requests,
                             rounds.not_modified, tmp))
    print("1..3")
    if not ok:
        with open(os.path.join(tmp, "heraldd.log"), errors="replace") as fh:
            for line in fh.read().splitlines()[-5:]:
                print("#   " + line)
    if not a.out and ok:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
