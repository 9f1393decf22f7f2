#!/usr/bin/env python3
"""Crash consistency (RELIABILITY S1, G11; issue #9 deliverable 3).

Runs `heraldd --once` over FEEDS feeds served by a loopback server whose
documents change on every run (a sliding window of new items per round),
while a CLI reader queries the same database in a loop, and SIGKILLs the
daemon at a uniformly random moment of its run, KILLS times. After every
kill:

  - PRAGMA integrity_check must say "ok";
  - every item of every document the daemon logged as committed
    (`store feed="NAME" ...`, printed after COMMIT returned) must be in the
    database: the server records what it served to each feed in each
    round, so the logged document is known exactly;
  - the next start (the restart) must open the database and poll: it must
    not exit non-zero before it is killed.

At the end one run without a kill must exit 0 and leave every feed ok.
Prints TAP-ish lines and a summary; exit 1 on any failure.
Only 127.0.0.1 is used.
"""
import argparse
import http.server
import os
import random
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
PER_ROUND = 4		# new items per feed per round
WINDOW = 5		# rounds kept in each document


class Corpus:
    """What each feed serves: round r carries items of rounds r-WINDOW+1..r.
    served[(feed, round)] = the guids of the document served."""

    def __init__(self):
        self.round = 0
        self.lock = threading.Lock()
        self.served = {}

    def doc(self, feed):
        with self.lock:
            r = self.round
        guids = ["%s-r%d-i%d" % (feed, k, j)
                 for k in range(max(0, r - WINDOW + 1), r + 1)
                 for j in range(PER_ROUND)]
        with self.lock:
            self.served[(feed, r)] = guids
        items = "".join(
            "<item><title>%s</title><guid isPermaLink=\"false\">%s</guid>"
            "<link>http://example.test/%s</link>"
            "<description>round item %s</description></item>" % (g, g, g, g)
            for g in reversed(guids))
        return ('<?xml version="1.0" encoding="utf-8"?><rss version="2.0">'
                "<channel><title>%s</title><link>http://example.test/</link>"
                "%s</channel></rss>" % (feed, items)).encode()


def make_handler(corpus):
    class H(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self):
            feed = self.path.strip("/").split("/")[-1]
            body = corpus.doc(feed)
            self.send_response(200)
            self.send_header("Content-Type", "application/rss+xml")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *a):
            pass
    return H


class Reader(threading.Thread):
    """The concurrent CLI reader: `herald list` in a loop."""

    def __init__(self, herald, db):
        super().__init__(daemon=True)
        self.cmd = [herald, "--db", db, "list", "--limit", "20",
                    "--format", "json"]
        self.stop = threading.Event()
        self.ok = 0
        self.errors = []

    def run(self):
        while not self.stop.is_set():
            r = subprocess.run(self.cmd, capture_output=True, text=True)
            if r.returncode == 0:
                self.ok += 1
            else:
                self.errors.append(r.stderr.strip())


STORE_RE = re.compile(r'store feed="([^"]+)" items=(\d+)')


def db_guids(db):
    con = sqlite3.connect("file:%s?mode=ro" % db, uri=True, timeout=30)
    try:
        ic = con.execute("PRAGMA integrity_check").fetchall()
        guids = {row[0] for row in con.execute("SELECT guid FROM items")}
    finally:
        con.close()
    return [r[0] for r in ic], guids


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default="build")
    ap.add_argument("--kills", type=int, default=20)
    ap.add_argument("--feeds", type=int, default=20)
    ap.add_argument("--seed", type=int, default=None)
    ap.add_argument("--keep", action="store_true", help="keep the temp dir")
    a = ap.parse_args()
    seed = a.seed if a.seed is not None else int(time.time())
    rng = random.Random(seed)
    build = os.path.join(REPO, a.build)
    heraldd = os.path.join(build, "heraldd")
    herald = os.path.join(build, "herald")
    tmp = tempfile.mkdtemp(prefix="herald-crash-")
    db = os.path.join(tmp, "herald.db")
    corpus = Corpus()
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0),
                                          make_handler(corpus))
    srv.daemon_threads = True
    # A killed daemon leaves broken pipes behind: expected, not news.
    srv.handle_error = lambda request, client_address: None
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    port = srv.server_address[1]
    feeds = ["f%02d" % i for i in range(a.feeds)]
    with open(os.path.join(tmp, "feeds.conf"), "w") as fh:
        for f in feeds:
            fh.write('http://127.0.0.1:%d/feed/%s name="%s"\n' % (port, f, f))
    conf = os.path.join(tmp, "heraldd.conf")
    with open(conf, "w") as fh:
        fh.write("[daemon]\ndatabase = herald.db\nfeeds = feeds.conf\n"
                 "topics = %s\ncontrol_socket = control.sock\n"
                 "[fetch]\nallow_private = yes\ntimeout = 10s\n"
                 "max_per_host = 64\nhost_spacing = 0s\nproxy = none\n"
                 % os.path.join(REPO, "config", "topics"))

    def run(kill_after):
        """One daemon run; returns (killed, rc, stderr)."""
        p = subprocess.Popen([heraldd, "-f", conf, "--once"],
                             stdout=subprocess.DEVNULL,
                             stderr=subprocess.PIPE)
        killed = False
        if kill_after is not None:
            try:
                p.wait(kill_after)
            except subprocess.TimeoutExpired:
                p.send_signal(signal.SIGKILL)
                killed = True
        err = p.communicate(timeout=120)[1].decode("utf-8", "replace")
        if killed and p.returncode == 0:
            # It exited between the timeout and the signal: not a kill.
            killed = False
        return killed, p.returncode, err

    fails = []
    expected = set()
    # Calibrate: two clean runs make the database and give the length of
    # a run on an existing one; kills fall anywhere in [0, 1.1 x that].
    for _ in range(2):
        corpus.round += 1
        t0 = time.time()
        killed, rc, err = run(None)
        span = max(time.time() - t0, 0.05)
        if rc != 0:
            fails.append("clean run exit %d: %s" % (rc, err[-500:]))
        for feed, _ in STORE_RE.findall(err):
            expected.update(corpus.served.get((feed, corpus.round), []))
    reader = Reader(herald, db)
    reader.start()
    kills = restarts = committed_docs = lost_total = 0
    i = 0
    while kills < a.kills and i < 3 * a.kills:
        i += 1
        corpus.round += 1
        t = rng.uniform(0, span * 1.1)
        killed, rc, err = run(t)
        if killed:
            kills += 1
        if (killed and rc != -signal.SIGKILL) or (not killed and rc != 0):
            fails.append("run %d: exit %r after %s: %s"
                         % (i, rc, "kill" if killed else "no kill",
                            err[-500:]))
        else:
            restarts += 1
        for feed, _ in STORE_RE.findall(err):
            committed_docs += 1
            expected.update(corpus.served.get((feed, corpus.round), []))
        ic, have = db_guids(db)
        if ic != ["ok"]:
            fails.append("run %d: integrity_check: %s" % (i, ic[:5]))
        lost = expected - have
        if lost:
            lost_total += len(lost)
            fails.append("run %d: %d committed items missing, e.g. %s"
                         % (i, len(lost), sorted(lost)[:3]))
            expected -= lost	# report each loss once
        if killed and kills % 100 == 0:
            print("# %d/%d kills, %d committed documents so far"
                  % (kills, a.kills, committed_docs))
            sys.stdout.flush()
    reader.stop.set()
    reader.join(60)
    # The final restart: a whole run, every feed ok afterwards.
    corpus.round += 1
    killed, rc, err = run(None)
    for feed, _ in STORE_RE.findall(err):
        expected.update(corpus.served.get((feed, corpus.round), []))
    ic, have = db_guids(db)
    final_ok = (rc == 0 and ic == ["ok"] and not (expected - have) and
                len(STORE_RE.findall(err)) == len(feeds))
    srv.shutdown()

    n = 0

    def tap(name, cond, detail=""):
        nonlocal n
        n += 1
        print("%s %d - %s" % ("ok" if cond else "not ok", n, name))
        if not cond and detail:
            for line in str(detail).splitlines()[:20]:
                print("#   " + line)

    print("# seed %d, %d feeds, run length %.2f s, kills in [0, %.2f] s"
          % (seed, len(feeds), span, span * 1.1))
    tap("%d kills in %d runs (the others finished first)"
        % (kills, i), kills == a.kills)
    tap("0 integrity failures", not [f for f in fails
                                     if "integrity" in f], fails)
    tap("0 committed items lost (%d documents logged committed, %d items "
        "checked)" % (committed_docs, len(expected)), lost_total == 0, fails)
    tap("%d/%d restarts opened the database and ran" % (restarts, i),
        restarts == i, fails)
    tap("final unkilled run: exit 0, integrity ok, all %d feeds stored"
        % len(feeds), final_ok, "rc=%r ic=%r\n%s" % (rc, ic, err[-1000:]))
    tap("concurrent reader: %d queries, %d errors"
        % (reader.ok, len(reader.errors)),
        reader.ok > 0 and not reader.errors, "\n".join(reader.errors[:5]))
    print("1..%d" % n)
    print("# crashtest: kills=%d integrity_failures=%d lost=%d restarts=%d "
          "committed_docs=%d reader_ok=%d reader_errors=%d"
          % (kills, len([f for f in fails if "integrity" in f]), lost_total,
             restarts, committed_docs, reader.ok, len(reader.errors)))
    if a.keep:
        print("# kept %s" % tmp)
    else:
        shutil.rmtree(tmp, ignore_errors=True)
    return 1 if fails or not final_ok or reader.errors else 0


if __name__ == "__main__":
    sys.exit(main())
