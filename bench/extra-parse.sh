#!/bin/sh
# bench/extra-parse.sh: herald's in-process parse throughput on the bench
# corpus (round 1 feeds) against the libxml2 DOM floor on the same files in
# the same run. Env: BUILD, SHARED (from make bench), CORPUS (default: the
# N=1000 corpus, generated when missing), REPS (default 5), ROUNDS
# (default 3).
#
# herald: build/bench/parsebench, feed_parse() + feed_doc_identify() over
# every file, one thread, files in memory. Floor: ../shared/bench's
# c/xmlfloor in "dom" mode (xmlReadMemory and a walk counting items), the
# figure that `floors --only xml` reports first, built the way floors
# builds it. The two run alternately, ROUNDS times REPS repetitions each,
# and the best time of each is compared, so that a noisy neighbour on a
# shared machine skews both alike. Prints MB/s, items/s and
# ratio = herald MB/s / floor MB/s (wall clock; the same ratio of the
# best CPU times beside it). For a figure no neighbour can move, count
# instructions: valgrind --tool=callgrind on parsebench -r 1 and on
# xmlfloor -r 1 dom with the same LIST.
set -eu
BUILD=${BUILD:-build}
SHARED=${SHARED:-../shared}
TMP=${TMPDIR:-/tmp}
CORPUS=${CORPUS:-$TMP/herald-bench/corpus-n1000-m50}
REPS=${REPS:-5}
ROUNDS=${ROUNDS:-3}
cd "$(dirname "$0")/.."
if [ ! -d "$CORPUS/r1/feeds" ]; then
	"$SHARED/bench/gen-corpus" -n 1000 -m 50 >/dev/null
fi
make -s --no-print-directory BUILD="$BUILD" "$BUILD/bench/parsebench"
floor="$BUILD/bench/xmlfloor"
if [ ! -x "$floor" ] || [ "$SHARED/bench/c/xmlfloor.c" -nt "$floor" ]; then
	# shellcheck disable=SC2046
	${CC:-cc} -O2 -Wall -Wextra -o "$floor" "$SHARED/bench/c/xmlfloor.c" \
	    $(pkg-config --cflags --libs libxml-2.0 sqlite3)
fi
list=$(mktemp)
out=$(mktemp)
trap 'rm -f "$list" "$out"' EXIT
find "$CORPUS/r1/feeds" -name '*.xml' | sort >"$list"
echo "== parse: herald (parsebench) vs libxml2 DOM floor (xmlfloor dom)," \
    "$(wc -l <"$list") files, $ROUNDS x $REPS reps"
r=0
while [ "$r" -lt "$ROUNDS" ]; do
	"$floor" -r "$REPS" dom "$list" | sed 's/^/floor /' >>"$out"
	"$BUILD/bench/parsebench" -r "$REPS" "$list" | sed 's/^/herald /' \
	    >>"$out"
	r=$((r + 1))
done
python3 - "$out" <<'PY'
import json, re, sys
floor, herald, fcpu, hcpu = [], [], [], []
for line in open(sys.argv[1]):
    who, rest = line.split(" ", 1)
    if who == "floor" and rest.startswith("{"):
        j = json.loads(rest)
        floor.append((j["seconds"], j["bytes"], j["items"]))
        fcpu.append(j["cpu_seconds"])
    elif who == "herald":
        m = re.search(r"([\d.]+) MB, (\d+) items: best of \d+ ([\d.]+) s"
                      r".*cpu ([\d.]+) s", rest)
        if m:
            herald.append((float(m.group(3)), float(m.group(1)) * 1e6,
                           int(m.group(2))))
            hcpu.append(float(m.group(4)))
if not floor or not herald:
    sys.exit("extra-parse: no figures (see above)")
ft, fb, fi = min(floor)
ht, hb, hi = min(herald)
print("floor  (xmlReadMemory DOM): %.1f MB in %.3f s = %.1f MB/s, "
      "%.0f items/s" % (fb / 1e6, ft, fb / 1e6 / ft, fi / ft))
print("herald (parse + identify):  %.1f MB in %.3f s = %.1f MB/s, "
      "%.0f items/s" % (hb / 1e6, ht, hb / 1e6 / ht, hi / ht))
print("ratio herald/floor: %.2f (best CPU time of a repetition: %.2f)"
      % (ft / ht, min(fcpu) / min(hcpu)))
PY
