#!/bin/sh
# make bench: herald's listing commands on a 1,000,000-item database
# (issue 7: each must answer in under 50 ms). The database is built once
# into /tmp/herald-bench/cli-1m/ (schema by heraldd, rows by sqlite3 from
# Python) and reused. Prints one line per command: median of 5 runs.
set -e
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
exec python3 - "$BUILD" <<'PY'
import os, sqlite3, subprocess, sys, time
build = sys.argv[1]
d = "/tmp/herald-bench/cli-1m"
os.makedirs(d, exist_ok=True)
conf, db = os.path.join(d, "heraldd.conf"), os.path.join(d, "herald.db")
N, FEEDS = 1000000, 1000
open(os.path.join(d, "feeds.conf"), "w").close()
with open(conf, "w") as fh:
    fh.write("[daemon]\ndatabase = herald.db\nfeeds = feeds.conf\n"
             "topics = %s\ncontrol_socket = control.sock\n"
             % os.path.abspath("config/topics"))
if not os.path.exists(db + ".done"):
    for f in (db, db + "-wal", db + "-shm"):
        if os.path.exists(f):
            os.unlink(f)
    subprocess.run([os.path.join(build, "heraldd"), "-f", conf, "--once"],
                   check=True, capture_output=True)
    c = sqlite3.connect(db)
    c.execute("PRAGMA synchronous=OFF")
    now = int(time.time())
    c.executemany("INSERT INTO feeds (id, url, name, created, last_attempt,"
                  " last_success) VALUES (?,?,?,?,?,?)",
                  [(i, "http://f%d.test/rss" % i, "feed %d" % i, now, now, now)
                   for i in range(1, FEEDS + 1)])
    def rows():
        for i in range(1, N + 1):
            t = now - (N - i) * 30
            yield (i, "f:%d:%d" % (i % FEEDS + 1, i), "g%d" % i,
                   "http://x.test/%d" % i, "Item %d about gaza" % i,
                   "summary %d" % i, t, "h%d" % i, t, t)
    c.executemany("INSERT INTO items (id, story_key, guid, link, title,"
                  " summary, published, hash, first_seen, last_seen)"
                  " VALUES (?,?,?,?,?,?,?,?,?,?)", rows())
    c.executemany("INSERT INTO item_sources (item_id, feed_id, feed_key,"
                  " first_seen) VALUES (?,?,?,?)",
                  ((i, i % FEEDS + 1, "k%d" % i, now - (N - i) * 30)
                   for i in range(1, N + 1)))
    c.executemany("INSERT INTO item_tags (item_id, topic, score, threshold,"
                  " evidence, tagged_at) VALUES (?,?,?,?,?,?)",
                  ((i, "israel-hamas", 3.0, 2.0, "[]", now)
                   for i in range(1, N + 1, 10)))
    c.commit()
    c.close()
    open(db + ".done", "w").close()
herald = os.path.join(build, "herald")
cmds = [["list", "--limit", "50"], ["list", "--topic", "israel-hamas",
        "--limit", "50"], ["list", "--since", "24h", "--limit", "50"],
        ["list", "--feed", "feed 7", "--limit", "50"],
        ["show", "500000"], ["feeds", "list"],
        ["export", "--topic", "israel-hamas", "--limit", "50"]]
fail = 0
for a in cmds:
    ts = []
    for _ in range(5):
        t0 = time.perf_counter()
        r = subprocess.run([herald, "-f", conf, "--format", "tsv"] + a,
                           capture_output=True)
        ts.append((time.perf_counter() - t0) * 1000)
    ms = sorted(ts)[2]
    ok = r.returncode == 0 and ms < 50
    fail |= not ok
    print("%s %-50s %7.1f ms%s" % ("ok" if ok else "SLOW", " ".join(a), ms,
          "" if r.returncode == 0 else " (exit %d)" % r.returncode))
sys.exit(1 if fail else 0)
PY
