#!/bin/sh
# Runs herald's integration tests: the real heraldd and herald against
# loopback HTTP servers. Called by `make integration` (BUILD names the
# build directory). Every tests/integration/test_*.py runs; any failure
# fails the whole step.
set -e
cd "$(dirname "$0")/../.."
rc=0
for t in tests/integration/test_*.py; do
	echo "== $t"
	python3 "$t" --build "${BUILD:-build}" || rc=1
done
exit $rc
