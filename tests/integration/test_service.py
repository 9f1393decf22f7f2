#!/usr/bin/env python3
"""heraldd as a service: the sd_notify protocol (READY, STATUS,
RELOADING/READY on SIGHUP, STOPPING) read from a NOTIFY_SOCKET the test
owns; the search index merged when the daemon is idle, never by --once; a SIGHUP with a broken topic file keeps the old rules running; SIGTERM
during 100 in-flight slow transfers exits 0 within the deadline with every
finished document committed; `herald status` with and without a daemon.
"""
import argparse
import json
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
from slow import SLOW, stretch, wait_for  # noqa: E402
from test_poller import Server, rss  # noqa: E402

results = []


def check(name, cond, detail=""):
    results.append(bool(cond))
    print("%s %d - %s" % ("ok" if cond else "not ok", len(results), name))
    if not cond and detail:
        for line in str(detail).splitlines()[:30]:
            print("#   " + line)
    sys.stdout.flush()


class Notify:
    """The systemd side of sd_notify: a datagram socket we read."""

    def __init__(self, d):
        self.path = os.path.join(d, "notify.sock")
        self.s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.s.bind(self.path)
        self.s.settimeout(0.2)
        self.seen = []

    def wait_for(self, prefix, timeout=15):
        end = time.time() + stretch(timeout)
        while time.time() < end:
            for m in self.seen:
                if m.startswith(prefix):
                    self.seen.remove(m)
                    return m
            try:
                data = self.s.recv(4096).decode()
            except socket.timeout:
                continue
            self.seen.extend(data.split("\n"))
        return None


def write_conf(d, topics, feeds, extra=""):
    conf = os.path.join(d, "heraldd.conf")
    with open(os.path.join(d, "feeds.conf"), "w") as fh:
        for name, url in feeds:
            fh.write('%s name="%s"\n' % (url, name))
    with open(conf, "w") as fh:
        fh.write("[daemon]\ndatabase = herald.db\nfeeds = feeds.conf\n"
                 "topics = %s\ncontrol_socket = ctl.sock\n[fetch]\n"
                 "allow_private = yes\n%s" % (topics, extra))
    return conf


def count_items(build, conf):
    out = subprocess.run([os.path.join(build, "herald"), "-f", conf, "list",
                          "--format", "json"], capture_output=True, text=True)
    return [json.loads(l) for l in out.stdout.splitlines() if l]


def inflight(build, conf):
    """Transfers in flight, from the running daemon (herald status)."""
    r = subprocess.run([os.path.join(build, "herald"), "-f", conf, "status",
                        "--format", "json"], capture_output=True, text=True)
    try:
        return json.loads(r.stdout.splitlines()[0]).get("inflight", 0)
    except (ValueError, IndexError):
        return 0


def test_notify_reload(build, d):
    topics = os.path.join(d, "topics")
    shutil.copytree(os.path.join(REPO, "config", "topics"), topics)
    s = Server(d, "svc")
    s.set("/a.xml", body=rss("first"), etag=True)
    conf = write_conf(d, topics, [("a", s.url("/a.xml"))])
    n = Notify(d)
    env = dict(os.environ, NOTIFY_SOCKET=n.path)
    err = open(os.path.join(d, "err"), "w")
    p = subprocess.Popen([os.path.join(build, "heraldd"), "-f", conf],
                         env=env, stderr=err)
    try:
        check("READY=1 after start", n.wait_for("READY=1"))
        st = n.wait_for("STATUS=")
        check("STATUS= summary line", st and "feeds" in st, st)
        r = subprocess.run([os.path.join(build, "herald"), "-f", conf,
                            "status", "--format", "json"],
                           capture_output=True, text=True)
        try:
            js = json.loads(r.stdout.splitlines()[0])
        except (ValueError, IndexError):
            js = {}
        check("herald status prints the daemon's JSON",
              r.returncode == 0 and js.get("version") and "feeds" in js and
              "loop_lag_ms" in js and "inflight" in js and "queue" in js,
              r.stdout + r.stderr)
        p.send_signal(signal.SIGHUP)
        check("SIGHUP: RELOADING=1", n.wait_for("RELOADING=1"))
        check("SIGHUP: READY=1 again", n.wait_for("READY=1"))
        with open(os.path.join(topics, "israel-hamas.topic"), "a") as fh:
            fh.write("\n[bogus section\n")
        p.send_signal(signal.SIGHUP)
        n.wait_for("READY=1")
        time.sleep(stretch(0.3))
        check("broken topic file: the daemon keeps running", p.poll() is None)
        err.flush()
        log = open(os.path.join(d, "err")).read()
        check("broken topic file: FILE:LINE: message logged",
              "reload refused" in log and "israel-hamas.topic:" in log, log)
        # The old rules still tag: a new on-topic item arrives.
        s.set("/a.xml", body=rss("Hamas and Israel agree Gaza ceasefire "
                                 "and hostage deal"), etag=True)
        subprocess.run([os.path.join(build, "herald"), "-f", conf, "refresh",
                        "a"], capture_output=True)
        tagged = wait_for(lambda: [
            i for i in count_items(build, conf)
            if "israel-hamas" in i.get("topics", [])], 5, 0.1)
        check("broken topic file: the old rules still tag", tagged, tagged)
        p.send_signal(signal.SIGTERM)
        check("STOPPING=1 on SIGTERM", n.wait_for("STOPPING=1"))
        check("exit 0", p.wait(stretch(20)) == 0)
    finally:
        if p.poll() is None:
            p.kill()
        s.stop()
        err.close()
    r = subprocess.run([os.path.join(build, "herald"), "-f", conf, "status"],
                       capture_output=True, text=True)
    check("herald status without a daemon: exit 1 and a clear message",
          r.returncode == 1 and "not running" in r.stderr, r.stderr)


def test_stop_deadline(build, d):
    s = Server(d, "slow")
    feeds = []
    for k in range(100):
        s.set("/s%d.xml" % k, body=rss("slow%d" % k), drip_s=3.0)
        feeds.append(("s%d" % k, s.url("/s%d.xml" % k)))
    conf = write_conf(os.path.join(d), os.path.join(REPO, "config", "topics"),
                      feeds, "max_connections = 128\nmax_per_host = 128\n")
    p = subprocess.Popen([os.path.join(build, "heraldd"), "-f", conf],
                         stderr=subprocess.DEVNULL)
    try:
        # Wait until the server is answering all of them.
        if SLOW:
            wait_for(lambda: inflight(build, conf) >= 100, 1.5, 0.2)
        else:
            time.sleep(1.5)
        t0 = time.time()
        p.send_signal(signal.SIGTERM)
        rc = p.wait(stretch(20))
        took = time.time() - t0
    finally:
        if p.poll() is None:
            p.kill()
        s.stop()
    check("SIGTERM with 100 slow transfers: exit 0 within the deadline",
          rc == 0 and took < stretch(12), "rc=%r took=%.1fs" % (rc, took))
    items = count_items(build, conf)
    check("every transfer that finished was committed",
          len(items) == 100, len(items))


def segments(db):
    con = sqlite3.connect("file:%s?mode=ro" % db, uri=True)
    try:
        return con.execute("SELECT count(DISTINCT segid) FROM"
                           " items_fts_idx").fetchone()[0]
    finally:
        con.close()


def status(build, conf):
    r = subprocess.run([os.path.join(build, "herald"), "-f", conf, "status",
                        "--format", "json"], capture_output=True, text=True)
    try:
        return json.loads(r.stdout.splitlines()[0])
    except (ValueError, IndexError):
        return {}


def test_idle_merge(build, d):
    """Schema v6: --once leaves the search index's segments alone; the
    daemon merges them once it has had nothing to store for a moment, and
    search finds the same items after."""
    topics = os.path.join(REPO, "config", "topics")
    s = Server(d, "merge")
    conf = write_conf(d, topics, [("a", s.url("/a.xml"))])
    db = os.path.join(d, "herald.db")
    try:
        for i in range(6):
            s.set("/a.xml", body=rss("Gaza ceasefire round %d" % i))
            r = subprocess.run([os.path.join(build, "heraldd"), "-f", conf,
                                "--once"], capture_output=True, text=True)
            if r.returncode != 0:
                break
        check("--once: exit 0, no index merge",
              r.returncode == 0 and "index_merges=0" in r.stderr, r.stderr)
        before = segments(db)
        check("--once: one search index segment per run", before >= 6,
              before)
        s.set("/a.xml", body=rss("Gaza ceasefire round 6"))
        err = open(os.path.join(d, "err"), "w")
        p = subprocess.Popen([os.path.join(build, "heraldd"), "-f", conf],
                             stderr=err)
        try:
            st = wait_for(lambda: (status(build, conf).get("index_merges", 0)
                                   or None), 15, 0.1)
            check("daemon: merges the index when idle (status)",
                  st and st >= 1, st)
            after = wait_for(lambda: segments(db) < 4 or None, 15, 0.1)
            check("daemon: fewer than 4 segments left", after,
                  segments(db))
            out = subprocess.run([os.path.join(build, "herald"), "-f", conf,
                                  "search", "ceasefire", "--format", "json"],
                                 capture_output=True, text=True)
            hits = [l for l in out.stdout.splitlines() if l]
            check("search after the merges: all 7 items", len(hits) == 7,
                  out.stdout + out.stderr)
            p.send_signal(signal.SIGTERM)
            check("exit 0", p.wait(stretch(20)) == 0)
        finally:
            if p.poll() is None:
                p.kill()
            err.close()
        con = sqlite3.connect(db)
        try:
            con.execute("INSERT INTO items_fts (items_fts)"
                        " VALUES ('integrity-check')")
            ok = True
        except sqlite3.Error as e:
            ok = str(e)
        con.close()
        check("FTS5 integrity-check after the merges", ok is True, ok)
    finally:
        s.stop()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default="build")
    a = ap.parse_args()
    build = os.path.join(REPO, a.build)
    for t in (test_notify_reload, test_stop_deadline, test_idle_merge):
        d = tempfile.mkdtemp(prefix="herald-svc-")
        try:
            t(build, d)
        finally:
            shutil.rmtree(d, ignore_errors=True)
    failed = results.count(False)
    print("1..%d" % len(results))
    print("# service: %d passed, %d failed" % (len(results) - failed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
