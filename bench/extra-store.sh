#!/bin/sh
# bench/extra-store.sh: the store's benchmark (issue #5), run by make bench.
#
#  1. ingest: bench/store_ingest stores the bench corpus (round 1 into a
#     fresh database, round 2 on top) through store_doc_commit(), against
#     the SQLite insert floor that ../shared/bench/floors --only sqlite
#     measures in the same run (items/s, medians; target >= 50 %).
#  2. a synthetic database of 1,000,000 items (bench/store-synth.sql,
#     built once and cached beside the corpora): herald list --limit 50,
#     list --topic T --limit 50 (targets 20 ms), herald search for a
#     common and a rare term (targets 100 ms); medians of whole CLI runs.
#
# Environment: BUILD, SHARED (as make bench sets them); STORE_CORPUS (a
# gen-corpus directory; default N=100), STORE_SYNTH_N (1000000),
# STORE_RUNS (ingest runs, 5), STORE_QUERY_RUNS (15).
# Exit status 1 when a target is missed.
set -e
cd "$(dirname "$0")/.."
BUILD="${BUILD:-build}"
SHARED="${SHARED:-../shared}"
make --no-print-directory BUILD="$BUILD" "$BUILD/bench/store_ingest" \
    "$BUILD/herald" >/dev/null
exec python3 - "$BUILD" "$SHARED" <<'EOF'
import hashlib, json, os, statistics, subprocess, sys, time

build, shared = sys.argv[1], sys.argv[2]
base = os.path.join(os.environ.get("TMPDIR", "/tmp"), "herald-bench")
corpus = os.environ.get("STORE_CORPUS", os.path.join(base, "corpus-n100-m50"))
synth_n = int(os.environ.get("STORE_SYNTH_N", "1000000"))
runs = int(os.environ.get("STORE_RUNS", "5"))
qruns = int(os.environ.get("STORE_QUERY_RUNS", "15"))
herald = os.path.join(build, "herald")
missed = []


def log(s):
    print(s)
    sys.stdout.flush()


def med(v):
    return statistics.median(v) if v else float("nan")


# ---- 1. ingest against the SQLite floor ----
if not os.path.isdir(corpus):
    log("store: generating %s" % corpus)
    subprocess.run([os.path.join(shared, "bench", "gen-corpus"), "-n", "100",
                    "-o", corpus], check=True, stdout=subprocess.DEVNULL)
work = os.path.join(corpus, "work")
os.makedirs(work, exist_ok=True)
lists = []
for rnd in (1, 2):
    path = os.path.join(work, "store-files-r%d.list" % rnd)
    d = os.path.join(corpus, "r%d" % rnd, "feeds")
    with open(path, "w") as fh:
        for name in sorted(os.listdir(d)):
            if name.endswith(".xml"):
                fh.write(os.path.join(d, name) + "\n")
    lists.append(path)

subprocess.run([os.path.join(shared, "bench", "floors"), "--only", "sqlite",
                "--corpus", corpus, "--runs", str(runs)], check=True,
               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
floor = [json.loads(l) for l in open(os.path.join(work, "sqlfloor-feed.out"))
         if l.startswith("{")]
floor_r1 = med([x["items_per_s"] for x in floor if x["round"] == 1])
floor_r2 = med([x["items_per_s"] for x in floor if x["round"] == 2])
log("store: SQLite floor (WAL, synchronous=NORMAL, tx per feed): round 1 "
    "%.0f items/s, round 2 (dedup) %.0f items/s" % (floor_r1, floor_r2))

db = os.path.join(work, "store-ingest.db")
for group in (1, 16):
    res = []
    for _ in range(runs):
        out = subprocess.run([os.path.join(build, "bench", "store_ingest"),
                              "-g", str(group), db] + lists, check=True,
                             capture_output=True, text=True).stdout
        res += [json.loads(l) for l in out.splitlines() if l.startswith("{")]
    r1 = [x for x in res if x["round"] == 1]
    r2 = [x for x in res if x["round"] == 2]
    ips1 = med([x["items_per_s"] for x in r1])
    ips2 = med([x["items_per_s"] for x in r2])
    log("store: ingest, synchronous=FULL, %s: round 1 %.0f items/s "
        "(%.0f %% of the floor; %.3f s wall, %.3f s CPU, min-max "
        "%.0f-%.0f), round 2 %.0f items/s (%.0f %%); rows %d"
        % ("one transaction per document" if group == 1 else
           "group commit of %d documents" % group,
           ips1, 100 * ips1 / floor_r1, med([x["seconds"] for x in r1]),
           med([x["cpu_seconds"] for x in r1]),
           min(x["items_per_s"] for x in r1),
           max(x["items_per_s"] for x in r1), ips2, 100 * ips2 / floor_r2,
           r2[-1]["rows_after"]))
    if group == 16 and ips1 < 0.5 * floor_r1:
        missed.append("ingest %.0f items/s < 50 %% of the floor %.0f"
                      % (ips1, floor_r1))
for suf in ("", "-wal", "-shm"):
    if os.path.exists(db + suf):
        os.remove(db + suf)

# ---- 2. queries on a synthetic database ----
sql = open("bench/store-synth.sql").read()
stamp = hashlib.sha256((sql + str(synth_n)).encode()).hexdigest()[:12]
synth = os.path.join(base, "store-synth-%d.db" % synth_n)
stampf = synth + ".stamp"
if not (os.path.exists(synth) and os.path.exists(stampf) and
        open(stampf).read().strip() == stamp):
    log("store: building the synthetic %d-item database (once; minutes)"
        % synth_n)
    for suf in ("", "-wal", "-shm", ".stamp"):
        if os.path.exists(synth + suf):
            os.remove(synth + suf)
    t0 = time.time()
    # herald creates and migrates the schema; the SQL fills it.
    subprocess.run([herald, "--db", synth, "db", "vacuum"], check=True,
                   stdout=subprocess.DEVNULL)
    subprocess.run(["sqlite3", synth], input=sql.replace("$N", str(synth_n)),
                   text=True, check=True, stdout=subprocess.DEVNULL)
    with open(stampf, "w") as fh:
        fh.write(stamp + "\n")
    log("store: built in %.0f s (%.0f MB)" % (time.time() - t0,
        os.path.getsize(synth) / 1e6))

# A database built by an older herald is migrated first, as heraldd
# would on start (db vacuum opens it as the writer).
def user_version(path):
    return subprocess.run(["sqlite3", path, "PRAGMA user_version"],
                          capture_output=True, text=True).stdout.strip()


probe = os.path.join(work, "store-version-probe.db")
for suf in ("", "-wal", "-shm"):
    if os.path.exists(probe + suf):
        os.remove(probe + suf)
subprocess.run([herald, "--db", probe, "db", "vacuum"], check=True,
               stdout=subprocess.DEVNULL)
want = user_version(probe)
for suf in ("", "-wal", "-shm"):
    if os.path.exists(probe + suf):
        os.remove(probe + suf)
if user_version(synth) != want:
    log("store: migrating the synthetic database from schema %s to %s"
        % (user_version(synth), want))
    t0 = time.time()
    subprocess.run([herald, "--db", synth, "db", "vacuum"], check=True,
                   stdout=subprocess.DEVNULL)
    log("store: migrated in %.0f s" % (time.time() - t0))

queries = [
    ("list --limit 50", ["list", "--limit", "50"], 20),
    ("list --topic israel-hamas --limit 50",
     ["list", "--topic", "israel-hamas", "--limit", "50"], 20),
    ("search gaza (common: 10 % of items)",
     ["search", "--limit", "50", "gaza"], 100),
    ("search zyxwvut (rare: 5 items)",
     ["search", "--limit", "50", "zyxwvut"], 100),
]
for name, args, target in queries:
    argv = [herald, "--db", synth, "--format", "tsv"] + args
    r = subprocess.run(argv, capture_output=True, text=True)
    if r.returncode != 0:
        missed.append("%s: exit %d: %s" % (name, r.returncode, r.stderr))
        continue
    nrows = len(r.stdout.splitlines())
    ms = []
    for _ in range(qruns):
        t0 = time.perf_counter()
        subprocess.run(argv, stdout=subprocess.DEVNULL, check=True)
        ms.append((time.perf_counter() - t0) * 1000)
    m = med(ms)
    ok = m < target
    log("store: %d items: herald %s: median %.1f ms (min %.1f, max %.1f, "
        "%d runs, %d rows), target %d ms: %s" % (synth_n, name, m, min(ms),
        max(ms), qruns, nrows, target, "ok" if ok else "MISSED"))
    if not ok:
        missed.append("%s: %.1f ms >= %d ms" % (name, m, target))

for m in missed:
    log("store: MISSED: %s" % m)
sys.exit(1 if missed else 0)
EOF
