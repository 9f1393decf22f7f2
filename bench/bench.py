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


def access_mix(path, pos):
    """Status counts and conditional requests logged after offset pos."""
    mix = {}
    cond = 0
    if not os.path.exists(path):
        return {"mix": mix, "conditional": 0}
    with open(path, errors="replace") as fh:
        fh.seek(pos)
        for line in fh:
            f = line.split()
            if len(f) < 2:
                continue
            mix[f[1]] = mix.get(f[1], 0) + 1
            q = line.split('"')
            inm = q[3] if len(q) > 3 else "-"
            if f[1] == "304" and inm not in ("-", ""):
                cond += 1
    return {"mix": mix, "conditional": cond}


def run_peers(bench, corpus, tools, runs, work):
    """Times the peers through ../shared/bench/peers; returns its rows."""
    out = os.path.join(work, "peers.jsonl")
    subprocess.run([os.path.join(bench, "peers"), "--corpus", corpus,
                    "--tools", tools, "--runs", str(runs), "--out", out,
                    "--scenarios", "cold,warm-2nd,warm,round2"], check=False)
    rows = []
    if os.path.exists(out):
        with open(out) as fh:
            rows = [json.loads(l) for l in fh if l.strip()]
    return rows


def lag_scenario(heraldd, topics, work):
    """Loop lag while 8 MB feeds are parsed: four 8 MB documents fetched
    and parsed at once, lag read from heraldd's stop line."""
    import re
    d = os.path.join(work, "lag")
    os.makedirs(d, exist_ok=True)
    items = []
    i = 0
    body = []
    size = 0
    while size < 8 * 1024 * 1024:
        it = ("<item><title>Item %d about the Gaza ceasefire talks</title>"
              "<link>http://big.test/%d</link><guid>big-%d</guid>"
              "<description>%s</description></item>"
              % (i, i, i, "Lorem ipsum dolor sit amet, " * 28))
        body.append(it)
        size += len(it)
        i += 1
    doc = ('<?xml version="1.0"?><rss version="2.0"><channel><title>big'
           '</title><link>http://big.test/</link>%s</channel></rss>'
           % "".join(body))
    rules = {"/big%d.xml" % k: {"body": doc.replace("big-", "big%d-" % k)}
             for k in range(4)}
    with open(os.path.join(d, "script.json"), "w") as fh:
        json.dump(rules, fh)
    srv = subprocess.Popen([sys.executable, os.path.join(
        "tests", "integration", "scripthttpd.py"), "--script",
        os.path.join(d, "script.json"), "--port-file",
        os.path.join(d, "port"), "--log", os.path.join(d, "log")])
    try:
        for _ in range(200):
            if os.path.exists(os.path.join(d, "port")):
                break
            time.sleep(0.05)
        port = int(open(os.path.join(d, "port")).read())
        with open(os.path.join(d, "feeds.conf"), "w") as fh:
            for k in range(4):
                fh.write("http://127.0.0.1:%d/big%d.xml\n" % (port, k))
        conf = os.path.join(d, "h.conf")
        with open(conf, "w") as fh:
            fh.write("[daemon]\ndatabase = lag.db\nfeeds = feeds.conf\n"
                     "topics = %s\n[fetch]\nallow_private = yes\n"
                     "max_body = 16MiB\n" % topics)
        r = subprocess.run([heraldd, "-f", conf, "--once"],
                           capture_output=True, text=True)
        m = re.search(r"loop_lag_ms max=(\d+) avg=([0-9.]+)", r.stderr)
        return (len(doc), i, int(m.group(1)) if m else -1,
                float(m.group(2)) if m else -1.0)
    finally:
        srv.terminate()
        srv.wait()


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
    ap.add_argument("-n", type=int, default=int(os.environ.get("BENCH_N", "1000")))
    ap.add_argument("-m", type=int, default=50)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--max-per-host", type=int, default=64)
    ap.add_argument("--peers", default=os.environ.get("BENCH_PEERS", "newsboat,sfeed"),
                    help="peer tools to time in the same run ('' for none)")
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
                alog = os.path.join(corpus, "access.log")
                apos = os.path.getsize(alog) if os.path.exists(alog) else 0
                r = measure(cmd)
                r["http"] = access_mix(alog, apos)
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
        lag = lag_scenario(heraldd, topics, work)
        peer_rows = run_peers(bench, corpus, a.peers, a.runs, work) \
            if a.peers else []
        subprocess.run([serve, "start", corpus], check=True,
                       stdout=subprocess.DEVNULL)
        subprocess.run([serve, "round", "1", corpus], check=True,
                       stdout=subprocess.DEVNULL)
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
    for scen, res in rows.items():
        print("herald %s HTTP: %s, conditional 304s %d" % (
            scen, res[-1]["http"]["mix"], res[-1]["http"]["conditional"]))
    if peer_rows:
        print("\npeers in the same run (medians) and herald's speed-up:")
        print("| tool | scenario | wall s | CPU s | peak RSS MiB | items | "
              "herald x faster |")
        print("|---|---|---|---|---|---|---|")
        groups = {}
        for r in peer_rows:
            groups.setdefault((r["tool"], r["scenario"].split()[0]), []).append(r)
        for (tool, scen), rs in sorted(groups.items()):
            w = statistics.median(r["wall_s"] for r in rs)
            hs = {"warm-2nd": None, "warm": "warm", "cold": "cold",
                  "round2": "round2"}.get(scen)
            ratio = ("%.1f" % (w / med(rows[hs], "wall"))) if hs else "-"
            print("| %s | %s | %.2f | %.2f | %.0f | %s | %s |" % (
                tool, scen, w, statistics.median(r["cpu_s"] for r in rs),
                statistics.median(r["rss_mb"] for r in rs),
                rs[-1].get("items"), ratio))
    print("event-loop lag while four %.1f MB feeds (%d items each) were "
          "parsed: max %d ms, avg %.1f ms (goal: under 50 ms)"
          % (lag[0] / 1e6, lag[1], lag[2], lag[3]))
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
