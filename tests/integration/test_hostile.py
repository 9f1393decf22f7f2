#!/usr/bin/env python3
"""herald against a hostile HTTP server (RELIABILITY.md §2, issue #9).

Every misbehaviour of evilhttpd.py is one feed. The feeds are polled
together, by `heraldd --once` and by the long-running daemon, beside two
healthy feeds; then, per case, the test asserts through `herald feeds` and
`herald list` that the daemon survived, that the feed's state and last
error say what happened, that no item came from a broken response, that
the healthy feeds were unaffected and that peak RSS stayed bounded.

The SSRF cases need allow_private = no, which refuses every loopback
address; they run in a private network namespace (unshare -rn) where the
server also listens on 198.51.100.1 (TEST-NET-2, not a denied range), so a
redirect from a "public" server to 127.0.0.1 or 169.254.169.254 can be
tested without any packet leaving the namespace. Without unshare they are
reported as skipped. Only loopback / namespace-local addresses are used.

TAP output; a check marked TODO names a known gap reported to the owner
and does not fail the run.
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

from slow import SLOW, stretch

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
RSS_LIMIT_KB = 128 * 1024	# G4: daemon RSS < 128 MiB through all cases
# make valgrind (slow.SLOW): longer fetch timeout, no RSS bound (valgrind's
# own memory is counted), more patience.
FETCH_TIMEOUT = 30 if SLOW else 5
PATIENCE = 10 if SLOW else 1
PUBLIC = "198.51.100.1"		# namespace-local, outside the deny list

results = []


def check(name, cond, detail="", todo=None):
    n = len(results) + 1
    if todo:
        results.append(True)
        print("%s %d - %s # TODO %s" % ("ok" if cond else "not ok", n, name,
                                        todo))
    else:
        results.append(bool(cond))
        print("%s %d - %s" % ("ok" if cond else "not ok", n, name))
    if not cond and detail:
        for line in str(detail).splitlines()[:40]:
            print("#   " + line)
    sys.stdout.flush()
    return cond


def skip(name, why):
    results.append(True)
    print("ok %d - %s # SKIP %s" % (len(results), name, why))


def has_controls(s):
    return any(ord(c) < 0x20 or 0x7f <= ord(c) <= 0x9f for c in s or "")


# name -> (path, expectation). The expectation is a function of the feed
# row (from `herald feeds --format json`) returning (ok, what it wanted).
def failing(*words):
    def f(row):
        err = (row.get("last_error") or "").lower()
        return (row.get("state") == "failing" and row.get("items") == 0 and
                all(w in err for w in words),
                "state failing, 0 items, error containing %r" % (words,))
    return f


def failing_any(*words):
    """Failing with an error containing at least one of words."""
    def f(row):
        err = (row.get("last_error") or "").lower()
        return (row.get("state") == "failing" and row.get("items") == 0 and
                any(w in err for w in words),
                "state failing, 0 items, error containing one of %r"
                % (words,))
    return f


def gone(row):
    """410: failing, or disabled for good once the poller says so."""
    err = (row.get("last_error") or "").lower()
    return (row.get("state") in ("failing", "disabled") and
            row.get("items") == 0 and "410" in err,
            "state failing or disabled, 0 items, error containing 410")


def healthy(n):
    def f(row):
        return (row.get("state") == "ok" and row.get("items") == n,
                "state ok with %d items" % n)
    return f


CASES = {
    # name: (path, expectation, TODO-reason or None)
    "good1": ("/ok/good1", healthy(3), None),
    "good2": ("/ok/good2?n=5", healthy(5), None),
    "delayed": ("/delay/1/delayed", healthy(3), None),
    "status-500": ("/status/500", failing("500"), None),
    "status-404": ("/status/404", failing("404"), None),
    "scripted-410": ("/script?status=410&reason=Gone&body=bye", gone, None),
    "drip": ("/drip", failing("timeout"), None),
    "silent": ("/silent", failing("timeout"), None),
    "endless": ("/endless", failing("too-big"), None),
    "huge-1g": ("/huge", failing("exceed"), None),
    "gzip-bomb": ("/gzbomb", failing("too-big"), None),
    "chain6": ("/chain6", failing("encoding"), None),
    "redirect-loop": ("/redirloop", failing("redirect"), None),
    "redirect-file": ("/redir?to=file:///etc/passwd",
                      failing("redirect", "file"), None),
    # An RST surfaces as a poll error in fetch.c's uv glue, not as curl's
    # "Connection reset by peer" (reported to the lead); both are failures.
    "reset": ("/reset", failing_any("protocol", "reset", "poll"), None),
    "short": ("/short", failing("protocol"), None),
    "bad-chunked": ("/badchunk", failing("protocol"), None),
    "304-no-validators": ("/304", failing("304"), None),
    "429": ("/429?ra=120", failing("429"), None),
    "503-date": ("/503?ra=date", failing("503"), None),
    "503-huge": ("/503?ra=99999999999", failing("503"), None),
    "html": ("/html", failing("not a feed"), None),
    "rss-as-html": ("/ok-as/ashtml", healthy(3), None),
    "rss-as-octets": ("/ok-as/asoctets?ct=application/octet-stream",
                      healthy(3), None),
    "empty-200": ("/empty", failing(), None),
    "chunk-noterm": ("/chunk-noterm", failing_any("protocol", "partial",
                                                  "closed"), None),
    "redirect-ftp": ("/redir?to=ftp://127.0.0.1/feed.xml",
                     failing("redirect", "ftp"), None),
    "redirect-gopher": ("/redir?to=gopher://127.0.0.1/1",
                        failing("redirect", "gopher"), None),
    "huge-headers": ("/hugeheaders", failing("header"), None),
    "garbage-status": ("/garbage-status", failing(), None),
    "escreason": ("/escreason", failing("500"), None),
}


class Env:
    def __init__(self, build, hosts=("127.0.0.1",), victim=None):
        self.build = os.path.join(REPO, build)
        self.heraldd = os.path.join(self.build, "heraldd")
        self.herald = os.path.join(self.build, "herald")
        self.dir = tempfile.mkdtemp(prefix="herald-hostile-")
        self.port_file = os.path.join(self.dir, "port")
        self.vport_file = os.path.join(self.dir, "vport")
        self.log = os.path.join(self.dir, "access.log")
        args = [sys.executable, os.path.join(HERE, "evilhttpd.py"),
                "--port-file", self.port_file, "--log", self.log,
                "--lifetime", "600"]
        for h in hosts:
            args += ["--host", h]
        if victim:
            args += ["--victim", "%s:%s" % (victim, self.vport_file)]
        self.srv = subprocess.Popen(args)
        for _ in range(200):
            if os.path.exists(self.port_file) and (
                    not victim or os.path.exists(self.vport_file)):
                break
            time.sleep(0.05)
        with open(self.port_file) as fh:
            self.port = int(fh.read())
        self.vport = None
        if victim:
            with open(self.vport_file) as fh:
                self.vport = int(fh.read())
        self.conf = os.path.join(self.dir, "heraldd.conf")
        self.db = os.path.join(self.dir, "herald.db")

    def write(self, feeds, allow_private="yes"):
        with open(os.path.join(self.dir, "feeds.conf"), "w") as fh:
            for name, url in feeds.items():
                fh.write('%s name="%s"\n' % (url, name))
        with open(self.conf, "w") as fh:
            fh.write("[daemon]\ndatabase = herald.db\nfeeds = feeds.conf\n"
                     "topics = %s\ncontrol_socket = control.sock\n"
                     "[fetch]\nallow_private = %s\ntimeout = %ds\n"
                     "max_per_host = 64\nhost_spacing = 0s\nproxy = none\n"
                     % (os.path.join(REPO, "config", "topics"),
                        allow_private, FETCH_TIMEOUT))

    def cli(self, *args):
        return subprocess.run([self.herald, "-f", self.conf] + list(args),
                              capture_output=True, text=True,
                              timeout=stretch(60))

    def feeds(self):
        r = self.cli("feeds", "--format", "json")
        if r.returncode != 0:
            return {}
        return {f["name"]: f for f in
                (json.loads(l) for l in r.stdout.splitlines() if l)}

    def requests(self, path):
        try:
            with open(self.log) as fh:
                return [l for l in fh.read().splitlines()
                        if l.split(" ", 1)[-1] == path]
        except OSError:
            return []

    def victim_hits(self):
        try:
            with open(self.log) as fh:
                return [l for l in fh if l.startswith("VICTIM")]
        except OSError:
            return []

    def once(self):
        """heraldd --once; returns (rc, stderr, peak RSS in KiB)."""
        p = subprocess.Popen([self.heraldd, "-f", self.conf, "--once"],
                             stdout=subprocess.DEVNULL,
                             stderr=subprocess.PIPE, text=True)
        deadline = time.time() + 120 * PATIENCE
        err = []
        while True:
            pid, status, ru = os.wait4(p.pid, os.WNOHANG)
            if pid:
                break
            if time.time() > deadline:
                p.kill()
                pid, status, ru = os.wait4(p.pid, 0)
                break
            time.sleep(0.1)
        p.returncode = os.waitstatus_to_exitcode(status)
        err = p.stderr.read()
        return p.returncode, err, ru.ru_maxrss

    def close(self):
        self.srv.send_signal(signal.SIGTERM)
        try:
            self.srv.wait(10)
        except subprocess.TimeoutExpired:
            self.srv.kill()
        shutil.rmtree(self.dir, ignore_errors=True)


def assert_cases(env, feeds, label):
    for name, (path, want, todo) in CASES.items():
        row = feeds.get(name, {})
        ok, what = want(row)
        check("%s: %s -> %s" % (label, path, what), ok, row, todo)
    esc = feeds.get("escreason", {})
    check("%s: server reason phrase stored without control characters"
          % label, not has_controls(esc.get("last_error")), esc)
    check("%s: no feed state has control characters" % label,
          not any(has_controls(r.get("last_error")) for r in feeds.values()),
          feeds)


def ctl(env, req):
    """One request on the daemon's control socket (docs/control-protocol.md)."""
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(stretch(10))
    try:
        s.connect(os.path.join(env.dir, "control.sock"))
        s.sendall((json.dumps(req) + "\n").encode())
        data = b""
        while not data.endswith(b"\n"):
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
        return json.loads(data)
    except (OSError, ValueError):
        return None
    finally:
        s.close()


def vmhwm(pid):
    try:
        with open("/proc/%d/status" % pid) as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return -1


def test_once(build):
    env = Env(build)
    try:
        base = "http://127.0.0.1:%d" % env.port
        env.write({n: base + c[0] for n, c in CASES.items()})
        t0 = time.time()
        rc, err, rss = env.once()
        took = time.time() - t0
        check("--once over every hostile case exits 0", rc == 0, err)
        check("--once finished within the %d s timeout plus slack (%.1fs)"
              % (FETCH_TIMEOUT, took), took < 30 * PATIENCE, err)
        if SLOW:
            skip("--once peak RSS", "HERALD_TEST_SLOW (valgrind)")
        else:
            check("--once peak RSS %d KiB < %d KiB" % (rss, RSS_LIMIT_KB),
                  0 < rss < RSS_LIMIT_KB)
        feeds = env.feeds()
        check("every feed has a row", set(feeds) == set(CASES),
              sorted(set(CASES) ^ set(feeds)))
        assert_cases(env, feeds, "once")
        check("log names each failing feed and its URL",
              all('"%s"' % n in err for n, c in CASES.items()
                  if n not in ("good1", "good2", "delayed", "rss-as-html",
                               "rss-as-octets", "304-no-validators")), err)
        check("log has no raw escape from the server",
              "\x1b" not in err and "\x07" not in err, repr(err[-400:]))
        # A second --once: the broken feeds stay broken, nothing is lost.
        rc, err, rss = env.once()
        feeds2 = env.feeds()
        check("second --once exits 0", rc == 0,
              "rc=%d\n%s" % (rc, err[-1500:]))
        check("healthy items unchanged by a second round",
              all(feeds2.get(n, {}).get("items") == feeds[n]["items"]
                  for n in ("good1", "good2", "delayed")), feeds2)
        check("failures counted per feed",
              feeds2.get("status-500", {}).get("failures", 0) >= 2,
              feeds2.get("status-500"))
    finally:
        env.close()


def test_daemon(build):
    """The long-running daemon: every case at once, then it must still be
    running, answer SIGTERM with 0, and not have retried before
    Retry-After."""
    env = Env(build)
    try:
        base = "http://127.0.0.1:%d" % env.port
        env.write({n: base + c[0] for n, c in CASES.items()})
        p = subprocess.Popen([env.heraldd, "-f", env.conf],
                             stdout=subprocess.DEVNULL,
                             stderr=subprocess.PIPE, text=True)
        deadline = time.time() + 60 * PATIENCE
        feeds = {}
        while time.time() < deadline and p.poll() is None:
            feeds = env.feeds()
            if len(feeds) == len(CASES) and all(
                    f.get("last_attempt") for f in feeds.values()):
                break
            time.sleep(0.5)
        time.sleep(1.0)
        alive = p.poll() is None
        hwm = vmhwm(p.pid)
        check("daemon still running after every hostile case", alive)
        if SLOW:
            skip("daemon peak RSS", "HERALD_TEST_SLOW (valgrind)")
        else:
            check("daemon peak RSS (VmHWM) %d KiB < %d KiB"
                  % (hwm, RSS_LIMIT_KB), 0 < hwm < RSS_LIMIT_KB)
        feeds = env.feeds()
        assert_cases(env, feeds, "daemon")
        for path in ("/429?ra=120", "/503?ra=date", "/503?ra=99999999999"):
            n = len(env.requests(path))
            check("Retry-After honoured: %s asked once, not retried early"
                  % path, n == 1, "%d requests" % n)
        # The scheduler's due time, over the control socket: at least
        # clamp(Retry-After, 60 s, 24 h), at most 24 h (H15).
        sched = {f.get("name"): f for f in
                 (ctl(env, {"cmd": "feeds"}) or {}).get("feeds", [])}
        for name, lo, hi in (("429", 115, 24 * 3600),
                             ("503-date", 7150, 7300 * 1.2),
                             ("503-huge", 86400 - 120, 86400)):
            row = sched.get(name, {})
            d = row.get("next_check_in")
            ok = d is not None and lo <= d <= hi
            check("Retry-After %s: next check in [%d, %d] s (got %r)"
                  % (name, lo, hi, d), ok, row)
        p.send_signal(signal.SIGTERM)
        try:
            rc = p.wait(30 * PATIENCE)
        except subprocess.TimeoutExpired:
            p.kill()
            rc = None
        err = p.stderr.read()
        check("daemon exits 0 on SIGTERM with slow transfers in flight",
              rc == 0, "rc=%r\n%s" % (rc, err[-2000:]))
        r = subprocess.run(["sqlite3", env.db, "PRAGMA integrity_check"],
                           capture_output=True, text=True)
        check("database integrity_check ok", r.stdout.strip() == "ok",
              r.stdout + r.stderr)
    finally:
        env.close()


def test_ssrf_loopback(build):
    """allow_private = no: loopback targets are refused before connect."""
    env = Env(build, victim="127.0.0.2")
    try:
        feeds = {
            "direct-127.0.0.2": "http://127.0.0.2:%d/feed" % env.vport,
            "decimal": "http://2130706434:%d/feed" % env.vport,
            "mapped": "http://[::ffff:127.0.0.2]:%d/feed" % env.vport,
            "direct-127.0.0.1": "http://127.0.0.1:%d/ok/x" % env.port,
        }
        env.write(feeds, allow_private="no")
        rc, err, _ = env.once()
        check("ssrf: --once exits 0", rc == 0, err)
        rows = env.feeds()
        for n in feeds:
            row = rows.get(n, {})
            e = row.get("last_error") or ""
            check("ssrf: %s refused with allow_private = no" % n,
                  row.get("state") == "failing" and "private" in e and
                  row.get("items") == 0, row)
        check("ssrf: the 127.0.0.2 listener saw 0 connections",
              not env.victim_hits(), env.victim_hits())
        check("ssrf: the 127.0.0.1 server saw 0 requests",
              not env.requests("/ok/x"), env.requests("/ok/x"))
        # The same redirect is fine when private targets are allowed.
        env.write({"redirect-local": "http://127.0.0.1:%d/redir?to=http://"
                   "127.0.0.1:%d/ok/redirected" % (env.port, env.port)})
        rc, err, _ = env.once()
        row = env.feeds().get("redirect-local", {})
        check("allow_private = yes: redirect to 127.0.0.1 followed",
              row.get("state") == "ok" and row.get("items") == 3, row)
    finally:
        env.close()


NETNS_INNER = "--ssrf-netns-inner"


def ssrf_netns_inner(build):
    """Runs inside unshare -rn: lo up, 198.51.100.1 on lo."""
    subprocess.run(["ip", "link", "set", "lo", "up"], check=True)
    subprocess.run(["ip", "addr", "add", PUBLIC + "/32", "dev", "lo"],
                   check=True)
    env = Env(build, hosts=(PUBLIC,), victim="127.0.0.1")
    try:
        pub = "http://%s:%d" % (PUBLIC, env.port)
        feeds = {
            "public-ok": pub + "/ok/public",
            "to-loopback": pub + "/redir?to=http://127.0.0.1:%d/feed"
            % env.vport,
            "to-metadata": pub + "/redir?to=http://169.254.169.254/latest/"
            "meta-data/",
            "to-file": pub + "/redir?to=file:///etc/passwd",
        }
        env.write(feeds, allow_private="no")
        rc, err, _ = env.once()
        check("netns: --once exits 0", rc == 0, err)
        rows = env.feeds()
        row = rows.get("public-ok", {})
        check("netns: a public address is fetched with allow_private = no",
              row.get("state") == "ok" and row.get("items") == 3, row)
        for n, addr in (("to-loopback", "127.0.0.1"),
                        ("to-metadata", "169.254.169.254")):
            row = rows.get(n, {})
            e = row.get("last_error") or ""
            check("netns: redirect %s refused naming %s" % (n, addr),
                  row.get("state") == "failing" and addr in e and
                  "private" in e and row.get("items") == 0, row)
        row = rows.get("to-file", {})
        check("netns: redirect to file:///etc/passwd refused",
              row.get("state") == "failing" and row.get("items") == 0 and
              "root:" not in json.dumps(row), row)
        check("netns: the loopback victim saw 0 connections",
              not env.victim_hits(), env.victim_hits())
    finally:
        env.close()


def test_ssrf_netns(build):
    if not shutil.which("unshare") or subprocess.run(
            ["unshare", "-rn", "true"], capture_output=True).returncode:
        skip("netns: redirect from a public address to private ones",
             "unshare -rn not available")
        return
    r = subprocess.run(["unshare", "-rn", sys.executable,
                        os.path.abspath(__file__), "--build", build,
                        NETNS_INNER], capture_output=True, text=True,
                       timeout=stretch(120))
    for line in r.stdout.splitlines():
        if line.startswith(("ok ", "not ok ")):
            name = line.split(" - ", 1)[-1]
            check(name, line.startswith("ok "))
        elif line.startswith("#"):
            print(line)
    check("netns: inner run exit 0", r.returncode == 0,
          r.stderr[-2000:])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default="build")
    ap.add_argument(NETNS_INNER, action="store_true")
    a = ap.parse_args()
    if a.ssrf_netns_inner:
        ssrf_netns_inner(a.build)
        return 1 if results.count(False) else 0
    test_once(a.build)
    test_daemon(a.build)
    test_ssrf_loopback(a.build)
    test_ssrf_netns(a.build)
    failed = results.count(False)
    print("1..%d" % len(results))
    print("# hostile: %d passed, %d failed" % (len(results) - failed,
                                                failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
