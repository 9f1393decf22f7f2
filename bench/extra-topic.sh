#!/bin/sh
# extra-topic.sh: tagging throughput of the topic engine (issue 6), run by
# `make bench` after the poller benchmark. One thread, so per core:
# items/s and MB/s of title + summary, with config/topics (1 topic) and
# with 49 synthetic topics more (50), on the bench corpus items (through
# the real `herald parse`) and on the topic dev set.
# Target: >= 100 MB/s with 1 topic, and >= half that with 50.
# mb_per_s is over wall-clock time, cpu_mb_per_s over the CPU time the
# process got: on a loaded machine compare the second (and say so), and
# take the median of several runs (TOPICBENCH_SECONDS lengthens each).
set -e
BUILD=${BUILD:-build}
SHARED=${SHARED:-../shared}
CORPUS=${TOPIC_CORPUS:-/tmp/herald-bench/corpus-n100-m50}
DEV=$SHARED/corpora/topic-dev/dev.tsv
TMP=$(mktemp -d /tmp/herald-topicbench.XXXXXX)
trap 'rm -rf "$TMP"' EXIT

make --no-print-directory -s BUILD="$BUILD" "$BUILD/bench/topicbench" \
  "$BUILD/herald"

if [ -d "$CORPUS/r1/feeds" ]; then
	for f in "$CORPUS"/r1/feeds/*.xml; do
		"$BUILD/herald" parse "$f" || true
		echo
	done | python3 -c '
import json, sys
buf, dec, i = sys.stdin.read(), json.JSONDecoder(), 0
while True:
    while i < len(buf) and buf[i].isspace():
        i += 1
    if i >= len(buf):
        break
    d, i = dec.raw_decode(buf, i)
    for it in d["items"]:
        print(json.dumps({"title": it["title"], "summary": it["summary"]}))
' > "$TMP/corpus.jsonl"
fi
if [ -f "$DEV" ]; then
	python3 -c '
import json, sys
with open(sys.argv[1], encoding="utf-8") as f:
    next(f)
    for line in f:
        p = line.rstrip("\n").split("\t")
        print(json.dumps({"title": p[5], "summary": p[6]}))
' "$DEV" > "$TMP/dev.jsonl"
fi

echo "== topic tagging throughput (per core; target >= 100 MB/s, 50 topics >= half)"
for set in corpus dev; do
	[ -s "$TMP/$set.jsonl" ] || { echo "$set: no input, skipped"; continue; }
	for synth in 0 49; do
		printf '%-7s ' "$set"
		"$BUILD/bench/topicbench" -s "$synth" \
		  -t "${TOPICBENCH_SECONDS:-2}" config/topics "$TMP/$set.jsonl"
	done
done
