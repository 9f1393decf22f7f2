#!/bin/sh
# bench/extra-attack.sh: the parser's attack files (issue #4: "each attack
# file parses in under 1 s with under 64 MB peak RSS"; RELIABILITY §1,
# §8.1), run by make bench. A benchmark, not a timed test: each file goes
# through `herald parse` (the whole CLI process) under /usr/bin/time, the
# median of REPS runs of wall time and the peak RSS are printed with the
# exit status and the first line of the error, and the script fails when a
# file takes 1 s or more or 64 MB or more.
#
# The files: tests/corpus's hostile documents (billion laughs, XXE with
# file:// and http:// SYSTEM ids, a parameter entity, 300 attributes on
# one element, garbage, an HTML page, invalid UTF-8) and, generated here,
# a quadratic blowup (one 100 KB entity referenced 100,000 times),
# 10,000-deep nesting, a 50 MB text node, 50,000 attributes on one
# element, 200,000 character references and 10,000 items.
# Env: BUILD (default build), REPS (default 3).
set -eu
BUILD=${BUILD:-build}
REPS=${REPS:-3}
cd "$(dirname "$0")/.."
make -s --no-print-directory BUILD="$BUILD" "$BUILD/herald"
command -v /usr/bin/time >/dev/null 2>&1 || {
	echo "attack: /usr/bin/time missing (apt-get install time)"; exit 1; }
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
python3 - "$dir" <<'EOF'
import os, sys
d = sys.argv[1]
def w(name, s):
    with open(os.path.join(d, name), "w", encoding="utf-8") as f:
        f.write(s)
rss = '<?xml version="1.0"?>\n<rss version="2.0"><channel><title>t</title>%s</channel></rss>\n'
w("quadratic-blowup.xml", '<?xml version="1.0"?>\n<!DOCTYPE rss [<!ENTITY a "%s">]>\n'
  % ("x" * 100000) + rss % ("<item><title>%s</title></item>" % ("&a;" * 100000)))
w("deep-10000.xml", rss % ("<item><title>deep</title><description>"
  + "<x>" * 10000 + "y" + "</x>" * 10000 + "</description></item>"))
w("text-50mb.xml", rss % ("<item><title>big</title><description>"
  + "word " * (10 * 1024 * 1024) + "</description></item>"))
w("attrs-50000.xml", rss % ("<item><title>a</title><x "
  + " ".join("a%d=\"v\"" % i for i in range(50000)) + "/></item>"))
w("charrefs-200000.xml", rss % ("<item><title>r</title><description>"
  + "&#233;&amp;" * 100000 + "</description></item>"))
w("items-10000.xml", rss % "".join(
  "<item><title>t%d</title><link>https://e.example/%d</link>"
  "<guid>g%d</guid></item>" % (i, i, i) for i in range(10000)))
EOF
fail=0
printf '%-28s %9s %9s %5s  %s\n' file "wall_s" "rss_MB" exit "result"
for f in tests/corpus/billion-laughs.xml tests/corpus/xxe.xml \
    tests/corpus/xxe-dtd.xml tests/corpus/xxe-parameter.xml \
    tests/corpus/attrs-300.xml tests/corpus/garbage.xml \
    tests/corpus/html-page.html tests/corpus/utf8-invalid.xml \
    "$dir"/*.xml; do
	walls=""
	rss=0
	i=0
	while [ "$i" -lt "$REPS" ]; do
		/usr/bin/time -f '%e %M' -o "$dir/time" "$BUILD/herald" parse \
		    "$f" >"$dir/out" 2>"$dir/err" && rc=0 || rc=$?
		set -- $(tail -n 1 "$dir/time")
		walls="$walls $1"
		[ "$2" -gt "$rss" ] && rss=$2
		i=$((i + 1))
	done
	wall=$(printf '%s\n' $walls | sort -n | sed -n "$(( (REPS + 1) / 2 ))p")
	msg=$(head -c 200 "$dir/err" | head -n 1)
	[ -n "$msg" ] || msg="parsed: $(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(len(d["items"]), "items, bozo", d["bozo"])' "$dir/out" 2>/dev/null || echo "?")"
	mb=$(awk "BEGIN { printf \"%.1f\", $rss / 1024 }")
	verdict=ok
	if awk "BEGIN { exit !($wall >= 1.0 || $rss >= 65536) }"; then
		verdict=MISSED
		fail=1
	fi
	printf '%-28s %9s %9s %5s  %s %s\n' "$(basename "$f")" "$wall" "$mb" \
	    "$rc" "$verdict" "$msg"
done
[ "$fail" -eq 0 ] && echo "attack: every file under 1 s and 64 MB" ||
    echo "attack: MISSED: a file took 1 s or 64 MB or more"
exit "$fail"
