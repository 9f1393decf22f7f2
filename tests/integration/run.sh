#!/bin/sh
# Runs herald's integration tests: the real heraldd and herald against a
# loopback HTTP server. Called by `make integration` (BUILD names the
# build directory).
set -e
cd "$(dirname "$0")/../.."
exec python3 tests/integration/test_e2e.py --build "${BUILD:-build}"
