#!/usr/bin/env python3
"""herald end to end: the real daemon against a real HTTP server on
127.0.0.1, checked through the real CLI.

Each test prints "ok N - name" or "not ok N - name" (TAP); the exit status
is 1 if any failed. Only loopback addresses are used.
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

from slow import stretch, wait_for

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
TIMEOUT = 120

results = []


def check(name, cond, detail=""):
    results.append(cond)
    n = len(results)
    print("%s %d - %s" % ("ok" if cond else "not ok", n, name))
    if not cond and detail:
        for line in str(detail).splitlines():
            print("#   " + line)
    sys.stdout.flush()
    return cond


class Env:
    """A temp dir with the HTTP fixture server and a herald config."""

    def __init__(self, build):
        self.build = os.path.join(REPO, build)
        self.heraldd = os.path.join(self.build, "heraldd")
        self.herald = os.path.join(self.build, "herald")
        self.dir = tempfile.mkdtemp(prefix="herald-e2e-")
        self.port_file = os.path.join(self.dir, "port")
        self.log = os.path.join(self.dir, "access.log")
        self.srv = subprocess.Popen(
            [sys.executable, os.path.join(HERE, "httpd.py"),
             "--root", os.path.join(HERE, "fixtures"),
             "--port-file", self.port_file, "--log", self.log])
        for _ in range(200):
            if os.path.exists(self.port_file):
                break
            time.sleep(0.05)
        with open(self.port_file) as fh:
            self.port = int(fh.read())
        self.dead_port = free_port()
        self.conf = os.path.join(self.dir, "heraldd.conf")
        self.db = os.path.join(self.dir, "herald.db")
        base = "http://127.0.0.1:%d" % self.port
        self.urls = {
            "world": base + "/world.rss",
            "region": base + "/region.rdf",
            "aid": base + "/aid.atom",
            "missing": base + "/missing.xml",
            "dead": "http://127.0.0.1:%d/feed.xml" % self.dead_port,
        }
        with open(os.path.join(self.dir, "feeds.conf"), "w") as fh:
            for name, url in self.urls.items():
                fh.write('%s name="%s"\n' % (url, name))
        self.write_conf()

    def write_conf(self, extra="", feeds="feeds.conf"):
        with open(self.conf, "w") as fh:
            fh.write("[daemon]\ndatabase = herald.db\nfeeds = %s\n"
                     "topics = %s\ncontrol_socket = control.sock\n"
                     "[fetch]\nallow_private = yes\ntimeout = 10s\n%s"
                     % (feeds, os.path.join(REPO, "config", "topics"), extra))

    def daemon(self, *args, timeout=TIMEOUT):
        return subprocess.run([self.heraldd, "-f", self.conf] + list(args),
                              capture_output=True, text=True,
                              timeout=stretch(timeout))

    def cli(self, *args):
        return subprocess.run([self.herald, "-f", self.conf] + list(args),
                              capture_output=True, text=True,
                              timeout=stretch(60))

    def items(self):
        r = self.cli("list", "--format", "json")
        if r.returncode != 0:
            raise RuntimeError("herald list failed: " + r.stderr)
        return [json.loads(line) for line in r.stdout.splitlines() if line]

    def feeds(self):
        r = self.cli("feeds", "--format", "json")
        if r.returncode != 0:
            raise RuntimeError("herald feeds failed: " + r.stderr)
        return {f["name"]: f for f in
                (json.loads(line) for line in r.stdout.splitlines() if line)}

    def close(self):
        self.srv.send_signal(signal.SIGTERM)
        try:
            self.srv.wait(10)
        except subprocess.TimeoutExpired:
            self.srv.kill()
        shutil.rmtree(self.dir, ignore_errors=True)


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


ON_TOPIC = {
    "Qatar and Egypt press Israel and Hamas on Gaza ceasefire and hostage release",
    "Thousands rally in Tel Aviv urging Netanyahu to seal hostage deal with Hamas",
    "UN warns of famine in northern Gaza as aid trucks stall at Rafah",
}
OFF_TOPIC = {
    "Bahamas tourism rebounds to record levels",
    "Sudan ceasefire talks collapse in Jeddah",
    "Wire: Central bank holds interest rates steady",
    "City council approves new bike lanes",
    "Police end hostage standoff at suburban bank",
}


def test_once(env):
    r = env.daemon("--once")
    check("heraldd --once exits 0", r.returncode == 0, r.stderr)
    items = env.items()
    titles = [i["title"] for i in items]
    for t in sorted(ON_TOPIC | OFF_TOPIC):
        check("stored once: %s" % t, titles.count(t) == 1, titles)
    check("no unexpected items", len(items) == len(ON_TOPIC | OFF_TOPIC),
          titles)
    by_title = {i["title"]: i for i in items}
    for t in sorted(ON_TOPIC):
        i = by_title.get(t, {})
        check("tagged israel-hamas: %s" % t,
              "israel-hamas" in i.get("topics", []), i)
    for t in sorted(OFF_TOPIC):
        i = by_title.get(t, {})
        check("not tagged: %s" % t, i.get("topics", ["?"]) == [], i)
    wire = by_title.get("Wire: Central bank holds interest rates steady", {})
    check("wire story from two feeds is one item with two sources",
          wire.get("sources") == 2, wire)
    aid = by_title.get("UN warns of famine in northern Gaza as aid trucks "
                       "stall at Rafah", {})
    check("atom relative link resolved against xml:base",
          aid.get("link") == "http://aid.test/news/2024/famine-warning", aid)
    check("published kept in UTC",
          aid.get("published") == "2024-03-01T09:30:00Z", aid)
    ids = [i["id"] for i in items]
    check("items have distinct ids", len(set(ids)) == len(ids), ids)
    # Only the topic's items come back with --topic.
    r = env.cli("list", "--topic", "israel-hamas", "--format", "json")
    got = {json.loads(l)["title"] for l in r.stdout.splitlines() if l}
    check("list --topic israel-hamas", got == ON_TOPIC, got)
    feeds = env.feeds()
    miss, dead = feeds.get("missing", {}), feeds.get("dead", {})
    check("404 feed recorded as failing with its error",
          miss.get("state") == "failing" and "404" in (miss.get("last_error") or ""),
          miss)
    check("unreachable feed recorded as failing with its error",
          dead.get("state") == "failing" and dead.get("last_error"), dead)
    check("healthy feeds are ok",
          all(feeds.get(n, {}).get("state") == "ok"
              for n in ("world", "region", "aid")), feeds)
    return len(items)


def test_second_run(env, count):
    open(env.log, "w").close()
    r = env.daemon("--once")
    check("second --once exits 0", r.returncode == 0, r.stderr)
    items = env.items()
    check("second run adds no row", len(items) == count,
          "%d -> %d" % (count, len(items)))
    with open(env.log) as fh:
        lines = fh.read().split("\n")
    cond = [l for l in lines if l.startswith(("/world.rss", "/region.rdf",
                                              "/aid.atom"))]
    check("second run sends If-None-Match and gets 304",
          len(cond) == 3 and all(" 304 " in l for l in cond), cond)


def test_log_lines(env):
    r = env.daemon("--once")
    err = r.stderr
    check("log names the 404 feed, its URL and the error",
          '"missing"' in err and env.urls["missing"] in err and "404" in err,
          err)
    check("log names the unreachable feed and its URL",
          '"dead"' in err and env.urls["dead"] in err, err)


def test_bad_config(env):
    cases = [
        ("unknown key", "bogus_key = 1\n", "unknown key"),
        ("bad duration", "interval = 5x\n", "not a duration"),
    ]
    for name, extra, want in cases:
        env.write_conf(extra)
        r = env.daemon("-n")
        line = 9  # [fetch] extras start on line 9 of write_conf's file
        check("bad config (%s): exit 1" % name, r.returncode == 1, r.stderr)
        check("bad config (%s): FILE:LINE: message" % name,
              ("%s:%d: " % (env.conf, line)) in r.stderr and want in r.stderr,
              r.stderr)
    env.write_conf(feeds="nope.conf")
    r = env.daemon("-n")
    check("missing feeds file: exit 1", r.returncode == 1, r.stderr)
    check("missing feeds file: FILE:LINE: message",
          ("%s:3: " % env.conf) in r.stderr and "nope.conf" in r.stderr,
          r.stderr)
    env.write_conf()
    r = env.daemon("-n")
    check("heraldd -n accepts the good config", r.returncode == 0
          and "configuration OK" in r.stdout, r.stdout + r.stderr)
    r = subprocess.run([env.heraldd, "-n", "-f",
                        os.path.join(REPO, "config", "heraldd.conf")],
                       capture_output=True, text=True)
    check("shipped config/heraldd.conf is valid", r.returncode == 0,
          r.stderr)


def started(env, p):
    """Waits until the daemon p has its control socket (its signal
    handlers are installed by then) or has exited."""
    sock = os.path.join(env.dir, "control.sock")
    wait_for(lambda: os.path.exists(sock) or p.poll() is not None, 10)


def test_daemon_signal(env):
    p = subprocess.Popen([env.heraldd, "-f", env.conf], stderr=subprocess.PIPE,
                         text=True)
    started(env, p)
    time.sleep(1.5)
    alive = p.poll() is None
    p.send_signal(signal.SIGTERM)
    try:
        rc = p.wait(stretch(30))
    except subprocess.TimeoutExpired:
        p.kill()
        rc = None
    err = p.stderr.read()
    check("daemon keeps running until signalled", alive, err)
    check("SIGTERM: clean exit 0", rc == 0, "rc=%r\n%s" % (rc, err))
    p = subprocess.Popen([env.heraldd, "-f", env.conf], stderr=subprocess.PIPE,
                         text=True)
    started(env, p)
    time.sleep(1.0)
    p.send_signal(signal.SIGINT)
    try:
        rc = p.wait(stretch(30))
    except subprocess.TimeoutExpired:
        p.kill()
        rc = None
    check("SIGINT: clean exit 0", rc == 0, p.stderr.read())


def test_cli_errors(env):
    r = subprocess.run([env.herald, "--db", os.path.join(env.dir, "none.db"),
                        "list"], capture_output=True, text=True)
    check("list on a missing database: exit 1 with a message",
          r.returncode == 1 and "herald:" in r.stderr, r.stderr)
    r = env.cli("list", "--since", "yesterdayish")
    check("list with a bad --since: exit 2", r.returncode == 2, r.stderr)
    r = env.cli("frobnicate")
    check("unknown command: exit 2", r.returncode == 2, r.stderr)
    r = env.cli("list", "--format", "tsv", "--limit", "2")
    rows = [l for l in r.stdout.split("\n") if l]
    check("list --format tsv --limit 2 gives 2 rows of 6 columns",
          len(rows) == 2 and all(len(l.split("\t")) == 6 for l in rows),
          r.stdout)
    r = env.cli("list", "--since", "2024-03-01T09:00:00Z", "--format", "json")
    got = [json.loads(l) for l in r.stdout.splitlines() if l]
    check("list --since filters by published time",
          got and all(i["published"] >= "2024-03-01T09:00:00Z" for i in got),
          got)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default="build")
    a = ap.parse_args()
    env = Env(a.build)
    try:
        count = test_once(env)
        test_second_run(env, count)
        test_log_lines(env)
        test_cli_errors(env)
        test_daemon_signal(env)
        test_bad_config(env)
    finally:
        env.close()
    failed = results.count(False)
    print("1..%d" % len(results))
    print("# integration: %d passed, %d failed" % (len(results) - failed,
                                                    failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
