#!/bin/sh
# bench/extra-parse.sh: herald's parse throughput on the bench corpus (round
# 1 feeds) beside the libxml2 floor that ../shared/bench/floors measures in
# the same run. Prints MB/s and items/s. Env: BUILD, SHARED (from make bench),
# CORPUS (default: the N=1000 corpus, generated when missing).
#
# herald is timed as "herald parse" once per file (process start included),
# so the figure is a lower bound on the in-process parser.
set -eu
BUILD=${BUILD:-build}
SHARED=${SHARED:-../shared}
TMP=${TMPDIR:-/tmp}
CORPUS=${CORPUS:-$TMP/herald-bench/corpus-n1000-m50}
if [ ! -d "$CORPUS/r1/feeds" ]; then
	"$SHARED/bench/gen-corpus" -n 1000 -m 50 >/dev/null
fi
FILES="$CORPUS/r1/feeds"
bytes=$(cat "$FILES"/*.xml | wc -c)
echo "== parse: libxml2 floor (floors --only xml)"
"$SHARED/bench/floors" --corpus "$CORPUS" --only xml || \
    echo "floors failed (see above)"
echo "== parse: herald parse, one process per file"
out=$(mktemp)
start=$(date +%s.%N)
for f in "$FILES"/*.xml; do
	"$BUILD/herald" parse "$f" || echo "parse failed: $f" >&2
done >"$out"
end=$(date +%s.%N)
items=$(python3 -c 'import json,sys
print(sum(len(json.loads(l)["items"]) for l in open(sys.argv[1])))' "$out")
rm -f "$out"
python3 - "$start" "$end" "$bytes" "$items" <<'PY'
import sys
t = float(sys.argv[2]) - float(sys.argv[1])
b, n = int(sys.argv[3]), int(sys.argv[4])
print("herald parse: %.1f MB in %.2f s = %.1f MB/s, %d items = %.0f items/s"
      % (b / 1e6, t, b / 1e6 / t, n, n / t))
PY
