#!/usr/bin/env python3
"""herald's store under a live writer: readers (the real CLI, and a plain
read-only SQLite connection) loop while the real daemon ingests, and must
only ever see whole documents: per feed, 0 items or all of them, the
validators exactly when the items they describe, totals that never
shrink, and never a "database is locked". Then the store's own commands
(search, rm, db check|prune|vacuum) against the result.

Each test prints "ok N - name" or "not ok N - name" (TAP); exit status 1
if any failed. Only 127.0.0.1.
"""
import argparse
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time

from slow import stretch

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
NFEEDS = 40
N1 = 20          # items per feed in round 1
NEW = 5          # new items per feed in round 2 (on top of round 1's)

results = []


def check(name, cond, detail=""):
    results.append(bool(cond))
    print("%s %d - %s" % ("ok" if cond else "not ok", len(results), name))
    if not cond and detail:
        for line in str(detail).splitlines()[:20]:
            print("#   " + line)
    sys.stdout.flush()
    return cond


def feed_xml(f, n):
    items = []
    for i in range(n, 0, -1):
        items.append(
            "<item><title>feed %02d story %03d %s</title>"
            "<link>http://127.0.0.1/f%02d/s%03d</link>"
            "<guid isPermaLink=\"false\">f%02d-s%03d</guid>"
            "<pubDate>Mon, 01 Apr 2024 %02d:%02d:00 GMT</pubDate>"
            "<description>Story %d of feed %d about %s.</description>"
            "</item>" % (f, i, "marmalade" if i == 3 else "plain",
                         f, i, f, i, i // 60, i % 60, i, f,
                         "quince" if (f, i) == (7, 11) else "things"))
    return ("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
            "<rss version=\"2.0\"><channel><title>feed %02d</title>"
            "<link>http://127.0.0.1/f%02d/</link>%s</channel></rss>\n"
            % (f, f, "".join(items)))


class Env:
    def __init__(self, build):
        self.build = os.path.join(REPO, build)
        self.heraldd = os.path.join(self.build, "heraldd")
        self.herald = os.path.join(self.build, "herald")
        self.dir = tempfile.mkdtemp(prefix="herald-storecc-")
        self.root = os.path.join(self.dir, "www")
        os.mkdir(self.root)
        self.write_feeds(N1)
        self.port_file = os.path.join(self.dir, "port")
        self.srv = subprocess.Popen(
            [sys.executable, os.path.join(HERE, "httpd.py"),
             "--root", self.root, "--port-file", self.port_file,
             "--log", os.path.join(self.dir, "access.log")])
        for _ in range(200):
            if os.path.exists(self.port_file):
                break
            time.sleep(0.05)
        with open(self.port_file) as fh:
            self.port = int(fh.read())
        self.db = os.path.join(self.dir, "herald.db")
        self.conf = os.path.join(self.dir, "heraldd.conf")
        with open(os.path.join(self.dir, "feeds.conf"), "w") as fh:
            for f in range(NFEEDS):
                fh.write('http://127.0.0.1:%d/f%02d.xml name="f%02d"\n'
                         % (self.port, f, f))
        self.write_conf("")

    def write_feeds(self, n):
        for f in range(NFEEDS):
            path = os.path.join(self.root, "f%02d.xml" % f)
            with open(path + ".tmp", "w") as fh:
                fh.write(feed_xml(f, n))
            os.replace(path + ".tmp", path)

    def write_conf(self, extra):
        with open(self.conf, "w") as fh:
            fh.write("[daemon]\ndatabase = herald.db\nfeeds = feeds.conf\n"
                     "topics = %s\ncontrol_socket = control.sock\n"
                     "[fetch]\nallow_private = yes\ntimeout = 10s\n"
                     "max_connections = 8\n%s"
                     % (os.path.join(REPO, "config", "topics"), extra))

    def daemon(self, *args):
        return subprocess.run([self.heraldd, "-f", self.conf] + list(args),
                              capture_output=True, text=True,
                              timeout=stretch(120))

    def cli(self, *args):
        return subprocess.run([self.herald, "-f", self.conf] + list(args),
                              capture_output=True, text=True,
                              timeout=stretch(60))

    def close(self):
        self.srv.send_signal(signal.SIGTERM)
        try:
            self.srv.wait(10)
        except subprocess.TimeoutExpired:
            self.srv.kill()
        shutil.rmtree(self.dir, ignore_errors=True)


class Readers:
    """Two reader loops; each records every violation it sees."""

    def __init__(self, env, allowed):
        self.env = env
        self.allowed = allowed      # per-feed counts a snapshot may show
        self.stop = threading.Event()
        self.errors = []
        self.cli_runs = 0
        self.sql_runs = 0
        self.mid = 0                # snapshots taken mid-ingest
        self.last_total = {"cli": 0, "sql": 0}
        self.threads = [threading.Thread(target=self.cli_loop),
                        threading.Thread(target=self.sql_loop)]

    def __enter__(self):
        for t in self.threads:
            t.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        for t in self.threads:
            t.join()

    def grown(self, who, total):
        if total < self.last_total[who]:
            self.errors.append("%s: total went from %d down to %d"
                               % (who, self.last_total[who], total))
        self.last_total[who] = total

    def cli_loop(self):
        while not self.stop.is_set():
            if not os.path.exists(self.env.db):
                time.sleep(0.005)
                continue
            r = self.env.cli("list", "--format", "tsv")
            self.cli_runs += 1
            if r.returncode != 0:
                # A database the daemon is still creating is not ours
                # to judge; anything else (locked, busy) is.
                if "has heraldd run" in r.stderr or \
                        "older than this herald" in r.stderr:
                    continue
                self.errors.append("cli: exit %d: %s"
                                   % (r.returncode, r.stderr.strip()))
                continue
            per = {}
            for line in r.stdout.splitlines():
                cols = line.split("\t")
                if len(cols) >= 3:
                    per[cols[2]] = per.get(cols[2], 0) + 1
            for feed, n in per.items():
                if n not in self.allowed:
                    self.errors.append("cli: feed %s shows %d items"
                                       % (feed, n))
            self.grown("cli", sum(per.values()))

    def sql_loop(self):
        while not self.stop.is_set():
            if not os.path.exists(self.env.db):
                time.sleep(0.005)
                continue
            try:
                con = sqlite3.connect("file:%s?mode=ro" % self.env.db,
                                      uri=True, timeout=stretch(5),
                                      isolation_level=None)
                con.execute("BEGIN")
                rows = con.execute(
                    "SELECT f.name, f.etag, (SELECT count(*) FROM"
                    " item_sources s WHERE s.feed_id = f.id)"
                    " FROM feeds f").fetchall()
                total = con.execute("SELECT count(*) FROM items") \
                    .fetchone()[0]
                con.execute("COMMIT")
                con.close()
            except sqlite3.OperationalError as e:
                if "no such table" in str(e):
                    continue
                self.errors.append("sql: %s" % e)
                continue
            self.sql_runs += 1
            counts = set(n for _, _, n in rows)
            if len(counts) > 1:
                self.mid += 1
            for name, etag, n in rows:
                if n not in self.allowed:
                    self.errors.append("sql: feed %s has %d items"
                                       % (name, n))
                # S11: validators commit with the items they describe.
                if (etag is None) != (n == 0):
                    self.errors.append("sql: feed %s: etag %r with %d "
                                       "items" % (name, etag, n))
            self.grown("sql", total)


def test_ingest_while_reading(env):
    with Readers(env, {0, N1}) as rd:
        r = env.daemon("--once")
        time.sleep(0.2)
    check("round 1: heraldd --once exits 0", r.returncode == 0, r.stderr)
    check("round 1: readers ran (cli %d, sql %d, %d mid-ingest)"
          % (rd.cli_runs, rd.sql_runs, rd.mid),
          rd.cli_runs > 0 and rd.sql_runs > 0)
    check("round 1: readers saw only whole documents, never BUSY",
          not rd.errors, "\n".join(rd.errors[:20]))
    n = len(env.cli("list", "--format", "tsv").stdout.splitlines())
    check("round 1: %d items stored" % n, n == NFEEDS * N1)

    env.write_feeds(N1 + NEW)
    with Readers(env, {N1, N1 + NEW}) as rd:
        r = env.daemon("--once")
        time.sleep(0.2)
    check("round 2: heraldd --once exits 0", r.returncode == 0, r.stderr)
    print("# round 2: cli %d, sql %d snapshots, %d mid-ingest"
          % (rd.cli_runs, rd.sql_runs, rd.mid))
    check("round 2: readers saw only whole documents, never BUSY",
          not rd.errors, "\n".join(rd.errors[:20]))
    n = len(env.cli("list", "--format", "tsv").stdout.splitlines())
    check("round 2: %d items stored" % n, n == NFEEDS * (N1 + NEW))


def test_commands(env):
    r = env.cli("search", "--format", "tsv", "quince")
    lines = r.stdout.splitlines()
    check("search: rare term found once", r.returncode == 0 and
          len(lines) == 1 and "feed 07 story 011" in lines[0], r)
    check("search: snippet marks the match", "[quince]" in r.stdout, r)
    r = env.cli("search", "--format", "tsv", "--limit", "5", "marmalade")
    check("search: --limit", r.returncode == 0 and
          len(r.stdout.splitlines()) == 5, r)
    r = env.cli("search", "--since", "2030-01-01", "marmalade")
    check("search: --since", r.returncode == 0 and r.stdout == "", r)
    r = env.cli("search", "marmalade AND (")
    check("search: malformed query is a usage error", r.returncode == 2 and
          "malformed search query" in r.stderr, r)
    r = env.cli("db", "check")
    check("db check: ok", r.returncode == 0 and r.stdout.strip() == "ok", r)

    # rm: the item goes, and a changed document re-serving it does not
    # bring it back.
    r = env.cli("search", "--format", "tsv", "quince")
    item_id = r.stdout.split("\t")[0]
    r = env.cli("rm", item_id)
    check("rm: exit 0", r.returncode == 0, r)
    r = env.cli("rm", "99999999")
    check("rm: unknown id is an error", r.returncode == 1, r)
    env.write_feeds(N1 + NEW + 1)
    r = env.daemon("--once")
    r = env.cli("search", "--format", "tsv", "quince")
    check("rm: deleted item not re-inserted", r.returncode == 0 and
          r.stdout == "", r)
    n = len(env.cli("list", "--format", "tsv").stdout.splitlines())
    check("rm: the new items still arrive (%d)" % n,
          n == NFEEDS * (N1 + NEW + 1) - 1)

    # Retention from the configuration: 10 newest per feed.
    env.write_conf("[retention]\nmax_items = 10\n")
    r = env.cli("db", "prune")
    check("db prune: exit 0", r.returncode == 0, r)
    n = len(env.cli("list", "--format", "tsv").stdout.splitlines())
    check("db prune: 10 items per feed left (%d)" % n, n == NFEEDS * 10)
    r = env.cli("db", "vacuum")
    check("db vacuum: ok", r.returncode == 0, r)
    r = env.cli("db", "check")
    check("db check after prune and vacuum: ok", r.returncode == 0, r)
    r = env.cli("db", "bogus")
    check("db: unknown command is a usage error", r.returncode == 2, r)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default="build")
    args = ap.parse_args()
    env = Env(args.build)
    try:
        test_ingest_while_reading(env)
        test_commands(env)
    finally:
        env.close()
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
