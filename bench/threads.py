#!/usr/bin/env python3
"""threads.py: where a `heraldd --once` run spends its CPU, thread by thread.

Runs heraldd (BUILD/heraldd) with the given configuration, samples
/proc/PID/task/*/stat every --interval seconds, and prints each named
thread's share of a core per interval: the loop (heraldd), the parse jobs
(heraldd-parse), the writer (heraldd-writer), the checkpointer
(heraldd-ckpt) and, with --nginx, the nginx workers serving the corpus.
Then the totals. With everything at or near 200 % on 2 CPUs the machine
is saturated and only less CPU makes a run faster; a stage far below 100 %
while others wait is a bubble.

The database named by the configuration is removed first (a cold run).
Example, after `../shared/bench/serve start CORPUS` and with the
heraldd.conf bench.py writes:

    python3 bench/threads.py --conf /tmp/herald-bench-xyz/heraldd.conf --nginx
"""
import argparse
import collections
import os
import subprocess
import sys
import time

NAMES = ["heraldd", "heraldd-parse", "heraldd-writer", "heraldd-ckpt",
         "nginx"]


def ticks(path):
    with open(path) as fh:
        s = fh.read()
    rest = s[s.rindex(")") + 2:].split()
    return int(rest[11]) + int(rest[12])  # utime + stime


def sample(pid, nginx):
    cur = {}
    for tid in os.listdir("/proc/%d/task" % pid):
        with open("/proc/%d/task/%s/comm" % (pid, tid)) as fh:
            comm = fh.read().strip()
        cur[(comm, tid)] = ticks("/proc/%d/task/%s/stat" % (pid, tid))
    for n in nginx:
        try:
            cur[("nginx", str(n))] = ticks("/proc/%d/stat" % n)
        except FileNotFoundError:
            pass
    return cur


def database_of(conf):
    with open(conf) as fh:
        for line in fh:
            k, _, v = line.partition("=")
            if k.strip() == "database":
                return v.strip()
    return None


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--build", default="build")
    ap.add_argument("--conf", required=True)
    ap.add_argument("--interval", type=float, default=0.1)
    ap.add_argument("--nginx", action="store_true",
                    help="also count the nginx worker processes")
    a = ap.parse_args()
    confdir = os.path.dirname(os.path.abspath(a.conf))
    db = database_of(a.conf)
    if db:
        db = os.path.join(confdir, db)
        for suffix in ("", "-wal", "-shm"):
            if os.path.exists(db + suffix):
                os.remove(db + suffix)
    nginx = []
    if a.nginx:
        out = subprocess.run(["pgrep", "-f", "nginx: worker"],
                             capture_output=True, text=True).stdout
        nginx = [int(x) for x in out.split()]
    hz = os.sysconf("SC_CLK_TCK")
    heraldd = os.path.abspath(os.path.join(a.build, "heraldd"))
    p = subprocess.Popen([heraldd, "-f", os.path.abspath(a.conf), "--once"],
                         cwd=confdir, stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL)
    t0 = time.time()
    prev, rows, total = {}, [], collections.Counter()
    while p.poll() is None:
        try:
            cur = sample(p.pid, nginx)
        except (FileNotFoundError, ProcessLookupError, ValueError):
            break
        delta = collections.Counter()
        for k, v in cur.items():
            if k in prev:
                delta[k[0]] += v - prev[k]
        total.update(delta)
        prev = cur
        rows.append((time.time() - t0, delta))
        time.sleep(a.interval)
    wall = time.time() - t0
    print("wall %.2f s, rc %s" % (wall, p.wait()))
    print("   t s " + " ".join("%15s" % n for n in NAMES) +
          "   (%% of a core per %.2f s)" % a.interval)
    for t, d in rows:
        print("%6.2f " % t + " ".join(
            "%15d" % (100 * d.get(n, 0) / hz / a.interval) for n in NAMES))
    print(" total " + " ".join("%13.2fs " % (total.get(n, 0) / hz)
                               for n in NAMES))
    return 0


if __name__ == "__main__":
    sys.exit(main())
