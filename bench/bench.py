#!/usr/bin/env python3
"""herald's loopback benchmark (make bench).

Generates (once) the ../shared/bench corpus at N feeds x M items, serves it
with ../shared/bench/serve (nginx on 127.0.0.1), and times `heraldd --once`
cold (empty database), warm (same round again: conditional GETs, 304s) and
after `serve round 2`. Prints items stored against the manifest, wall time,
CPU and peak RSS per run (median of --runs), and the precision and recall
of the israel-hamas topic against the corpus labels.
"""
import argparse
import json
import os
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time


def measure(cmd):
    """wall/cpu/maxrss of one child run via wait4."""
    t0 = time.monotonic()
    pid = os.fork()
    if pid == 0:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 1)
        os.dup2(devnull, 2)
        try:
            os.execv(cmd[0], cmd)
        finally:
            os._exit(127)
    _, status, ru = os.wait4(pid, 0)
    wall = time.monotonic() - t0
    rc = os.waitstatus_to_exitcode(status)
    return {"rc": rc, "wall": wall, "cpu": ru.ru_utime + ru.ru_stime,
            "rss_mib": ru.ru_maxrss / 1024.0}


def count_items(db):
    con = sqlite3.connect("file:%s?mode=ro" % db, uri=True)
    try:
        return con.execute("select count(*) from items").fetchone()[0]
    finally:
        con.close()


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--build", default="build")
    ap.add_argument("--shared", default="../shared")
    ap.add_argument("-n", type=int, default=int(os.environ.get("BENCH_N", "100")))
    ap.add_argument("-m", type=int, default=50)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--max-per-host", type=int, default=16)
    a = ap.parse_args()

    bench = os.path.join(a.shared, "bench")
    if not os.path.isdir(bench):
        sys.exit("bench: %s not found (../shared must be beside the project)"
                 % bench)
    corpus = os.path.join(tempfile.gettempdir(), "herald-bench",
                          "corpus-n%d-m%d" % (a.n, a.m))
    if not os.path.exists(os.path.join(corpus, "manifest.json")):
        subprocess.run([os.path.join(bench, "gen-corpus"), "-n", str(a.n),
                        "-m", str(a.m), "-o", corpus], check=True)
    serve = os.path.join(bench, "serve")
    subprocess.run([serve, "round", "1", corpus], check=True,
                   stdout=subprocess.DEVNULL)
    subprocess.run([serve, "start", corpus], check=True)
    heraldd = os.path.abspath(os.path.join(a.build, "heraldd"))
    herald = os.path.abspath(os.path.join(a.build, "herald"))
    topics = os.path.abspath("config/topics")
    with open(os.path.join(corpus, "manifest.json")) as fh:
        manifest = json.load(fh)
    work = tempfile.mkdtemp(prefix="herald-bench-")
    try:
        with open(os.path.join(corpus, "urls.txt")) as fh:
            urls = [u.strip() for u in fh if u.strip()]
        with open(os.path.join(work, "feeds.conf"), "w") as fh:
            fh.write("\n".join(urls) + "\n")
        conf = os.path.join(work, "heraldd.conf")
        with open(conf, "w") as fh:
            fh.write("[daemon]\ndatabase = herald.db\nfeeds = feeds.conf\n"
                     "topics = %s\n[fetch]\nallow_private = yes\n"
                     "max_connections = 64\nmax_per_host = %d\n"
                     % (topics, a.max_per_host))
        db = os.path.join(work, "herald.db")
        cmd = [heraldd, "-f", conf, "--once"]
        rows = {}
        for scen in ("cold", "warm", "round2"):
            res = []
            for _ in range(a.runs):
                if scen == "cold":
                    for suffix in ("", "-wal", "-shm"):
                        if os.path.exists(db + suffix):
                            os.remove(db + suffix)
                elif scen == "round2":
                    # Start from the state after round 1.
                    shutil.copy(os.path.join(work, "r1.db"), db)
                    for suffix in ("-wal", "-shm"):
                        if os.path.exists(db + suffix):
                            os.remove(db + suffix)
                    subprocess.run([serve, "round", "2", corpus], check=True,
                                   stdout=subprocess.DEVNULL)
                before = count_items(db) if os.path.exists(db) else 0
                r = measure(cmd)
                if r["rc"] != 0:
                    sys.exit("bench: heraldd exited %d" % r["rc"])
                r["items"] = count_items(db)
                r["added"] = r["items"] - before
                res.append(r)
                if scen == "cold":
                    con = sqlite3.connect(db)
                    con.execute("pragma wal_checkpoint(TRUNCATE)")
                    con.close()
                    shutil.copy(db, os.path.join(work, "r1.db"))
                if scen == "round2":
                    subprocess.run([serve, "round", "1", corpus], check=True,
                                   stdout=subprocess.DEVNULL)
            rows[scen] = res
        # Topic quality on round 1.
        shutil.copy(os.path.join(work, "r1.db"), db)
        labels = {}
        with open(os.path.join(corpus, "labels.tsv")) as fh:
            for line in fh:
                if line.startswith("#"):
                    continue
                f = line.rstrip("\n").split("\t")
                labels[f[0]] = (int(f[1]), f[2])
        out = subprocess.run([herald, "--db", db, "list", "--topic",
                              "israel-hamas", "--format", "json"],
                             capture_output=True, text=True, check=True).stdout
        tagged = [json.loads(l) for l in out.splitlines() if l]
        tp = fp = unknown = 0
        tagged_ids = set()
        for it in tagged:
            lid = it["guid"] if it["guid"] in labels else it["link"]
            if lid not in labels:
                unknown += 1
                continue
            tagged_ids.add(lid)
            if labels[lid][0]:
                tp += 1
            else:
                fp += 1
        r1_on = 0
        out = subprocess.run([herald, "--db", db, "list", "--format", "json"],
                             capture_output=True, text=True, check=True).stdout
        for l in out.splitlines():
            it = json.loads(l)
            lid = it["guid"] if it["guid"] in labels else it["link"]
            if lid in labels and labels[lid][0]:
                r1_on += 1
    finally:
        subprocess.run([serve, "stop", corpus], stdout=subprocess.DEVNULL)
        shutil.rmtree(work, ignore_errors=True)

    def med(xs, k):
        return statistics.median(x[k] for x in xs)

    print("\nherald loopback benchmark: N=%d feeds x M=%d items, %d runs "
          "each (medians, min-max)" % (a.n, a.m, a.runs))
    print("manifest: unique_ids_r1=%d unique_ids_r1_r2=%d"
          % (manifest["unique_ids_r1"], manifest["unique_ids_r1_r2"]))
    print("| scenario | wall s | CPU s | peak RSS MiB | items stored | "
          "added |")
    print("|---|---|---|---|---|---|")
    for scen, res in rows.items():
        print("| %s | %.3f (%.3f-%.3f) | %.3f | %.1f | %d | %d |" % (
            scen, med(res, "wall"), min(r["wall"] for r in res),
            max(r["wall"] for r in res), med(res, "cpu"), med(res, "rss_mib"),
            res[-1]["items"], res[-1]["added"]))
    prec = tp / (tp + fp) if tp + fp else 0.0
    rec = tp / r1_on if r1_on else 0.0
    print("topic israel-hamas on round 1: tagged=%d on-topic=%d off-topic=%d "
          "unmatched=%d precision=%.3f recall=%.3f" % (len(tagged), tp, fp,
                                                       unknown, prec, rec))
    ok = (rows["cold"][0]["items"] == manifest["unique_ids_r1"]
          and all(r["added"] == 0 for r in rows["warm"])
          and rows["round2"][0]["items"] == manifest["unique_ids_r1_r2"]
          and prec >= 0.9)
    print("acceptance (items == unique_ids_r1, warm adds 0, round 2 reaches "
          "unique_ids_r1_r2, precision >= 0.9): %s" % ("PASS" if ok else "FAIL"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
