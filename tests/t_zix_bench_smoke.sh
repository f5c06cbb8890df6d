#!/usr/bin/env bash
# The Zix benchmark's workload (./build.sh bench --zix, src/user/tests/zixbench.c) with a
# small N in the simulator, so its code cannot rot: 40 recipes as 2 chains of 20 built
# from an empty store (40 builders), the no-op rebuild all CACHED with no builder
# spawned, one GC with no roots freeing all 40, and its machine-readable line of times.
# A bad N is refused.
source "$(dirname "$0")/lib.sh"
source tests/sim_lib.sh
logs=build/test-logs/zix-bench-smoke
mkdir -p "$logs"
log=$logs/seed1-n40.log
trace=$logs/seed1-n40.trace

"$SIM" --seed 1 --scenario scenarios/no-faults.scenario \
    --set "bootargs=init.rounds=0 init.zixbench=1 zixbench.n=40" --set disk.size=67108864 \
    --set time=120s --trace "$trace" > "$log" 2>&1
status=$?
has() { grep -qxF "n0| $1" "$log"; }
events() { grep -cE " $1 " "$trace"; }

check "sim run passes" test $status -eq 0
check "init's zixbench phase: the job ended as expected" has "init: zixbench phase done, 0 unexpected"
check "the shape: 40 recipes as 2 chains of 20" has "zixbench: 40 recipes as 2 chains of 20"
check "build from empty: one builder per recipe" has "zixbench: build from empty: 40 builders for 40 recipes"
check "no-op rebuild: all 40 cached" has "zixbench: no-op rebuild: 40 cached, 0 not (builders spawned or errors)"
check "gc with no roots frees all 40, and the store is empty after it" \
    has "zixbench: gc: ok, 0 roots, 0 kept, 40 freed; then the first path: E_NOENT"
check "the machine-readable line of times" \
    grep -qE "^n0\| ~zixbench: build_ms=[0-9]+ noop_ms=[0-9]+ gc_ms=[0-9]+ paths=40 chains=2 depth=20$" "$log"
check "zixbench: 0 failures" has "zixbench: 0 failures"
# The trace: the 40 builders were the build from empty's alone; the no-op rebuild's
# 40 STARTs were cache hits that spawned nothing.
check "trace: 40 builds started, spawned, ended and registered" \
    test "$(events zix_build_start) $(events zix_builder_spawned) $(events zix_build_end) $(events zix_registered)" = "40 40 40 40"
check "trace: 40 cache hits (the no-op rebuild)" test "$(events zix_cache_hit)" -eq 40
check "kernel: 40 builders started, every one a bench recipe" \
    test "$(grep -cE '^n0\| \[ *[0-9.]+\] kernel: zix: build [0-9]+: /zix/store/[0-9a-z]{32}-zb-c0[01]-r[0-9]{2} started as ' "$log")" -eq 40

# A count that is not a multiple of the chain length is refused (the job fails, so the
# run does), never run as a different shape.
bad_log=$logs/seed1-n30.log
"$SIM" --seed 1 --scenario scenarios/no-faults.scenario \
    --set "bootargs=init.rounds=0 init.zixbench=1 zixbench.n=30" --set disk.size=67108864 \
    --set time=30s > "$bad_log" 2>&1
bad_status=$?
check "zixbench.n=30: refused with its usage, and the run fails" \
    bash -c 'test "$1" -ne 0 && grep -qF "zixbench: FAIL: usage: zixbench [N]: N a multiple of 20, at most 1000" "$2"' _ "$bad_status" "$bad_log"
