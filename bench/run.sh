#!/bin/sh
# make bench: the loopback benchmark of ../shared/bench at N=100 feeds.
set -e
cd "$(dirname "$0")/.."
exec python3 bench/bench.py --build "${BUILD:-build}" --shared "${SHARED:-../shared}" "$@"
