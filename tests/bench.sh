#!/usr/bin/env bash
# ./build.sh bench: the benchmark table, medians of several runs. Never part of the
# tests (tests do not assert on wall time).
set -euo pipefail
cd "$(dirname "$0")/.."
exec python3 tests/bench/bench.py "$@"
