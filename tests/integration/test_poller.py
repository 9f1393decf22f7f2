#!/usr/bin/env python3
"""The poller's policies, end to end: the real heraldd (daemon mode, with
its control socket) against tests/integration/scripthttpd.py on 127.0.0.1.

One test per behaviour: conditional GET and 304, validators kept, 301/308
versus 302, 410, 429 with Retry-After for the whole host, Cache-Control
and <ttl> raising the interval, backoff growth and reset, body cap on a
plain and a compressed body, a silent server, and the SSRF guard.
"""
import argparse
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

from slow import SLOW, stretch, wait_for

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
results = []


def check(name, cond, detail=""):
    results.append(bool(cond))
    print("%s %d - %s" % ("ok" if cond else "not ok", len(results), name))
    if not cond and detail:
        for line in str(detail).splitlines()[:40]:
            print("#   " + line)
    sys.stdout.flush()


def skip(name, why):
    results.append(True)
    print("ok %d - %s # SKIP %s" % (len(results), name, why))


def rss(title, ttl=None):
    return ('<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>'
            '<link>http://x.test/</link>%s<item><title>%s</title>'
            '<link>http://x.test/%s</link><guid>%s</guid></item>'
            '</channel></rss>' % ("<ttl>%d</ttl>" % ttl if ttl else "",
                                  title, title, title))


class Server:
    def __init__(self, d, name):
        self.script = os.path.join(d, name + ".json")
        self.log = os.path.join(d, name + ".log")
        pf = os.path.join(d, name + ".port")
        self.rules = {}
        self.save()
        open(self.log, "w").close()
        self.p = subprocess.Popen([sys.executable,
                                   os.path.join(HERE, "scripthttpd.py"),
                                   "--script", self.script, "--port-file", pf,
                                   "--log", self.log])
        for _ in range(200):
            if os.path.exists(pf):
                break
            time.sleep(0.05)
        self.port = int(open(pf).read())

    def url(self, path):
        return "http://127.0.0.1:%d%s" % (self.port, path)

    def set(self, path, **rule):
        self.rules[path] = rule
        self.save()

    def save(self):
        tmp = self.script + ".tmp"
        with open(tmp, "w") as fh:
            json.dump(self.rules, fh)
        os.rename(tmp, self.script)

    def requests(self, path=None):
        out = []
        with open(self.log) as fh:
            for line in fh:
                r = json.loads(line)
                if path is None or r["path"] == path:
                    out.append(r)
        return out

    def stop(self):
        self.p.send_signal(signal.SIGTERM)
        self.p.wait(10)


class Daemon:
    def __init__(self, build, d, feeds, fetch_extra):
        self.d = d
        self.sock = os.path.join(d, "ctl.sock")
        with open(os.path.join(d, "feeds.conf"), "w") as fh:
            for name, url in feeds:
                fh.write('%s name="%s"\n' % (url, name))
        self.conf = os.path.join(d, "heraldd.conf")
        with open(self.conf, "w") as fh:
            fh.write("[daemon]\ndatabase = herald.db\nfeeds = feeds.conf\n"
                     "topics = %s\ncontrol_socket = ctl.sock\n[fetch]\n"
                     "interval = 10m\nmin_interval = 1m\nmax_interval = 6h\n"
                     "%s" % (os.path.join(REPO, "config", "topics"),
                             fetch_extra))
        self.err = open(os.path.join(d, "daemon.err"), "w")
        self.p = subprocess.Popen([os.path.join(build, "heraldd"), "-f",
                                   self.conf], stderr=self.err)
        self.polls_seen = 0
        wait_for(self.listening, 5)

    def listening(self):
        """The socket file exists a moment before the daemon listens."""
        s = socket.socket(socket.AF_UNIX)
        try:
            s.connect(self.sock)
            return True
        except OSError:
            return False
        finally:
            s.close()

    def ctl(self, **req):
        s = socket.socket(socket.AF_UNIX)
        s.settimeout(stretch(10))
        s.connect(self.sock)
        s.sendall((json.dumps(req) + "\n").encode())
        data = b""
        while not data.endswith(b"\n"):
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
        s.close()
        return json.loads(data)

    def wait_polls(self, n, timeout=20):
        """Waits until n polls have ended in total; True if they did."""
        end = time.time() + stretch(timeout)
        while time.time() < end:
            if self.ctl(cmd="status")["polls"] >= n:
                return True
            time.sleep(0.05)
        return False

    def feed(self, name):
        for f in self.ctl(cmd="feeds")["feeds"]:
            if f["name"] == name:
                return f
        return {}

    def refresh(self, name):
        before = self.ctl(cmd="status")["polls"]
        r = self.ctl(cmd="refresh", feed=name)
        ok = r.get("feeds") == 1 and self.wait_polls(before + 1)
        return ok

    def peak_rss_kib(self):
        with open("/proc/%d/status" % self.p.pid) as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
        return 0

    def stop(self):
        self.p.send_signal(signal.SIGTERM)
        try:
            rc = self.p.wait(stretch(20))
        except subprocess.TimeoutExpired:
            self.p.kill()
            rc = None
        self.err.close()
        return rc


def near(v, target, pct=0.16, slack=0):
    """v within the +-15 % jitter of target; slack: seconds that may have
    passed since the timer was armed."""
    return target * (1 - pct) - slack <= v <= target * (1 + pct) + 1


def test_policies(build, d):
    s = Server(d, "main")
    s.set("/cond.xml", body=rss("cond"), etag=True)
    s.set("/perm.xml", status=301, headers={"Location": "/perm2.xml"})
    s.set("/perm2.xml", status=308, headers={"Location": "/perm-new.xml"})
    s.set("/perm-new.xml", body=rss("perm"))
    s.set("/temp.xml", status=302, headers={"Location": "/temp-new.xml"})
    s.set("/temp-new.xml", body=rss("temp"))
    s.set("/gone.xml", status=410)
    s.set("/cc.xml", body=rss("cc"), headers={"Cache-Control": "max-age=7200"})
    s.set("/ttl.xml", body=rss("ttl", ttl=180))
    s.set("/flaky.xml", status=500)
    s.set("/big.xml", size=200000, headers={"Content-Type": "application/xml"})
    s.set("/bomb.xml", bomb_mb=64)
    s.set("/silent.xml", silent=True)
    names = ["cond", "perm", "temp", "gone", "cc", "ttl", "flaky", "big",
             "bomb", "silent"]
    feeds = [(n, s.url("/%s.xml" % n)) for n in names]
    dm = Daemon(build, d, feeds, "allow_private = yes\nmax_body = 64KiB\n"
                "timeout = 3s\n")
    t0 = time.time()
    try:
        check("every feed polled once at start", dm.wait_polls(len(names), 30))
        # Conditional GET: the second and third polls send the ETag, get 304.
        dm.refresh("cond")
        dm.refresh("cond")
        reqs = s.requests("/cond.xml")
        check("304 path: validators sent and 304 answered",
              len(reqs) == 3 and reqs[0]["status"] == 200 and
              all(r["status"] == 304 and r["if_none_match"] for r in reqs[1:]),
              reqs)
        check("304 path: feed stays ok", dm.feed("cond").get("state") == "ok",
              dm.feed("cond"))
        # 301/308: trusted after three polls in a row, then fetched directly.
        dm.refresh("perm")
        dm.refresh("perm")
        f = dm.feed("perm")
        check("permanent redirects: feed moved after 3 polls",
              f.get("fetch_url", "").endswith("/perm-new.xml"), f)
        n_before = len(s.requests("/perm.xml"))
        dm.refresh("perm")
        check("permanent redirects: the new URL is polled directly",
              len(s.requests("/perm.xml")) == n_before and
              s.requests("/perm-new.xml")[-1]["status"] == 200,
              s.requests())
        for _ in range(3):
            dm.refresh("temp")
        f = dm.feed("temp")
        check("302: the feed keeps its URL",
              f.get("fetch_url", "").endswith("/temp.xml") and
              len(s.requests("/temp.xml")) == 4, f)
        f = dm.feed("gone")
        check("410: feed disabled with the reason",
              f.get("state") == "disabled" and "410" in (f.get("last_error") or ""),
              f)
        dm.ctl(cmd="refresh", feed="gone")
        time.sleep(stretch(0.5))
        check("410: a disabled feed is not polled again",
              len(s.requests("/gone.xml")) == 1, s.requests("/gone.xml"))
        f = dm.feed("cc")
        check("Cache-Control max-age raises the interval",
              near(f.get("next_check_in", 0), 7200, slack=time.time() - t0), f)
        f = dm.feed("ttl")
        check("<ttl> raises the interval", near(f.get("next_check_in", 0),
                                                10800, slack=time.time() - t0), f)
        f = dm.feed("cond")
        check("without hints the configured interval applies",
              near(f.get("next_check_in", 0), 600, slack=time.time() - t0), f)
        # Backoff: 1 min, then 2 min; success resets to the interval.
        f = dm.feed("flaky")
        check("backoff: first failure waits min_interval",
              f.get("failures") == 1 and
              near(f.get("next_check_in", 0), 60, slack=time.time() - t0), f)
        dm.refresh("flaky")
        f = dm.feed("flaky")
        check("backoff: second failure waits twice as long",
              f.get("failures") == 2 and f.get("state") == "backing off" and
              near(f.get("next_check_in", 0), 120), f)
        s.set("/flaky.xml", body=rss("flaky"))
        dm.refresh("flaky")
        f = dm.feed("flaky")
        check("backoff: success resets failures and the interval",
              f.get("failures") == 0 and f.get("state") == "ok" and
              near(f.get("next_check_in", 0), 600), f)
        f = dm.feed("big")
        check("body cap on a plain body",
              (f.get("last_error") or "").startswith("too-big"), f)
        f = dm.feed("bomb")
        check("body cap on a compressed body (64 MiB inflated)",
              (f.get("last_error") or "").startswith("too-big"), f)
        if SLOW:
            skip("memory stays bounded after the bomb",
                 "HERALD_TEST_SLOW (valgrind)")
        else:
            check("memory stays bounded after the bomb",
                  dm.peak_rss_kib() < 100 * 1024, dm.peak_rss_kib())
        f = dm.feed("silent")
        check("a silent server times out",
              (f.get("last_error") or "").startswith("timeout"), f)
        st = dm.ctl(cmd="status")
        check("status reports the loop lag",
              "loop_lag_ms" in st and
              st["loop_lag_ms"]["max"] < stretch(1000), st)
    finally:
        rc = dm.stop()
    check("daemon stops with exit 0", rc == 0, rc)
    # What the poller learnt survives a restart.
    n_gone = len(s.requests("/gone.xml"))
    n_perm = len(s.requests("/perm.xml"))
    dm = Daemon(build, d, feeds, "allow_private = yes\nmax_body = 64KiB\n"
                "timeout = 3s\n")
    try:
        dm.wait_polls(len(names) - 1, 30)
        f = dm.feed("gone")
        check("restart: a 410 feed stays disabled",
              f.get("state") == "disabled" and
              len(s.requests("/gone.xml")) == n_gone, f)
        f = dm.feed("perm")
        check("restart: a moved feed is polled at its new address",
              f.get("fetch_url", "").endswith("/perm-new.xml") and
              len(s.requests("/perm.xml")) == n_perm, f)
        s.set("/gone.xml", body=rss("back"))
        before = dm.ctl(cmd="status")["polls"]
        r = subprocess.run([os.path.join(build, "herald"), "-f", dm.conf,
                            "feeds", "enable", "gone"],
                           capture_output=True, text=True)
        dm.wait_polls(before + 1)
        f = dm.feed("gone")
        check("feeds enable: the running daemon polls the feed again",
              r.returncode == 0 and "polls it now" in r.stdout and
              f.get("state") == "ok" and
              len(s.requests("/gone.xml")) == n_gone + 1, (r.stdout, f))
    finally:
        dm.stop()
        s.stop()


def test_retry_after(build, d):
    s = Server(d, "busy")
    s.set("/busy.xml", status=429, headers={"Retry-After": "120"})
    s.set("/other.xml", body=rss("other"))
    dm = Daemon(build, d, [("busy", s.url("/busy.xml")),
                           ("other", s.url("/other.xml"))],
                "allow_private = yes\n")
    try:
        dm.wait_polls(2)
        f = dm.feed("busy")
        check("429: the feed waits for Retry-After",
              f.get("state") == "failing" and
              near(f.get("next_check_in", 0), 120, 0.2), f)
        n = len(s.requests("/other.xml"))
        dm.ctl(cmd="refresh", feed="other")
        time.sleep(stretch(1.0))
        check("429: Retry-After holds the whole host",
              len(s.requests("/other.xml")) == n, s.requests())
    finally:
        dm.stop()
        s.stop()


def test_ssrf(build, d):
    s = Server(d, "private")
    s.set("/feed.xml", body=rss("private"))
    conf = os.path.join(d, "ssrf.conf")
    with open(os.path.join(d, "ssrf-feeds.conf"), "w") as fh:
        fh.write("%s name=\"p\"\n" % s.url("/feed.xml"))
        fh.write("http://0177.0.0.1:%d/feed.xml name=\"octal\"\n" % s.port)
        fh.write("http://[::ffff:127.0.0.1]:%d/feed.xml name=\"mapped\"\n"
                 % s.port)
    with open(conf, "w") as fh:
        fh.write("[daemon]\ndatabase = ssrf.db\nfeeds = ssrf-feeds.conf\n"
                 "topics = %s\n" % os.path.join(REPO, "config", "topics"))
    r = subprocess.run([os.path.join(build, "heraldd"), "-f", conf, "--once"],
                       capture_output=True, text=True, timeout=stretch(60))
    out = subprocess.run([os.path.join(build, "herald"), "-f", conf, "feeds",
                          "--format", "json"], capture_output=True, text=True)
    feeds = [json.loads(l) for l in out.stdout.splitlines() if l]
    check("SSRF: --once still exits 0", r.returncode == 0, r.stderr)
    check("SSRF: loopback refused in every spelling",
          len(feeds) == 3 and all("private" in (f.get("last_error") or "")
                                  for f in feeds), feeds)
    check("SSRF: the server saw no request", s.requests() == [], s.requests())
    s.stop()


def test_retention(build, d):
    s = Server(d, "ret")
    two = ('<?xml version="1.0"?><rss version="2.0"><channel><title>t'
           '</title><link>http://x.test/</link>'
           '<item><title>new</title><link>http://x.test/new</link>'
           '<guid>new</guid><pubDate>Fri, 01 Mar 2024 12:00:00 GMT</pubDate>'
           '</item><item><title>old</title><link>http://x.test/old</link>'
           '<guid>old</guid><pubDate>Thu, 29 Feb 2024 12:00:00 GMT</pubDate>'
           '</item></channel></rss>')
    s.set("/two.xml", body=two)
    dm = Daemon(build, d, [("two", s.url("/two.xml"))],
                "allow_private = yes\n[retention]\nmax_items = 1\n")
    try:
        dm.wait_polls(1)
        r = dm.ctl(cmd="prune")
        time.sleep(stretch(1.0))
        out = subprocess.run([os.path.join(build, "herald"), "-f", dm.conf,
                              "list", "--format", "json"],
                             capture_output=True, text=True)
        titles = [json.loads(l)["title"] for l in out.stdout.splitlines() if l]
        check("daemon retention keeps the newest max_items",
              r.get("ok") and titles == ["new"], (r, titles))
        dm.refresh("two")
        out = subprocess.run([os.path.join(build, "herald"), "-f", dm.conf,
                              "list", "--format", "json"],
                             capture_output=True, text=True)
        titles = [json.loads(l)["title"] for l in out.stdout.splitlines() if l]
        check("a pruned item served again does not come back",
              titles == ["new"], titles)
    finally:
        dm.stop()
        s.stop()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default="build")
    a = ap.parse_args()
    build = os.path.join(REPO, a.build)
    for t in (test_policies, test_retry_after, test_ssrf, test_retention):
        d = tempfile.mkdtemp(prefix="herald-poller-")
        try:
            t(build, d)
        finally:
            shutil.rmtree(d, ignore_errors=True)
    failed = results.count(False)
    print("1..%d" % len(results))
    print("# poller: %d passed, %d failed" % (len(results) - failed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
