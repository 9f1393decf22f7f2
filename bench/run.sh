#!/bin/sh
# make bench: the loopback benchmarks against ../shared/bench. The poller
# benchmark first, then every bench/extra-*.sh (parser, store, topics).
set -e
cd "$(dirname "$0")/.."
rc=0
python3 bench/bench.py --build "${BUILD:-build}" --shared "${SHARED:-../shared}" "$@" || rc=1
for x in bench/extra-*.sh; do
	[ -e "$x" ] || continue
	echo "== $x"
	BUILD="${BUILD:-build}" SHARED="${SHARED:-../shared}" sh "$x" || rc=1
done
exit $rc
