#!/usr/bin/env bash
# The interpreter's decoded-block cache (src/sim/machine/rv64_decode.c, rv64_blocks.c)
# changes nothing a run does: with and without --no-block-cache a seed prints the same
# output, trace hash included, across scenarios that crash processes mid-slice, fuzz
# system calls (illegal instructions, bad pointers) and lose power. Speed is measured by
# ./build.sh bench, never here. test_rv64 runs every interpreter case both ways, with
# self-modifying code and frames reused by another program.
source "$(dirname "$0")/lib.sh"
source tests/sim_lib.sh
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

if "$SIM" --help | grep -q -- '--no-block-cache  benchmarks only'; then ok "--help lists --no-block-cache as a benchmark option"
else not_ok "--help lists --no-block-cache as a benchmark option" "not in --help"; fi

same_run() { # NAME ARGS...: the same stdout and exit status with and without the cache
    local name=$1; shift
    "$SIM" "$@" > "$tmp/cached" 2>/dev/null; local cached=$?
    "$SIM" "$@" --no-block-cache > "$tmp/bare" 2>/dev/null; local bare=$?
    local hash; hash=$(trace_hash "$tmp/cached")
    if [ -z "$hash" ]; then not_ok "$name" "no trace hash printed"
    elif [ $cached -ne $bare ]; then not_ok "$name" "exit $cached with the cache, $bare without"
    elif ! cmp -s "$tmp/cached" "$tmp/bare"; then
        not_ok "$name" "output differs: $(diff "$tmp/cached" "$tmp/bare" | head -3 | tr '\n' ' ')"
    else ok "$name (trace hash $hash)"; fi
}

for seed in 1 2 3; do same_run "default seed $seed: same run without the block cache" --seed $seed; done
same_run "process-crash seed 1: same run" --seed 1 --scenario scenarios/process-crash.scenario
same_run "power-loss seed 2 (first 3000 steps, 6 power losses): same run" --seed 2 --scenario scenarios/power-loss.scenario --steps 3000
same_run "fuzz seed 1 (first 3000 steps): same run" --seed 1 --scenario scenarios/fuzz.scenario --steps 3000
