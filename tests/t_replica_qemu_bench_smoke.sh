#!/usr/bin/env bash
# The replication benchmark on QEMU (tests/bench_replica_qemu.sh, ./build.sh bench
# --replica-qemu) with 20 keys, so that its code cannot rot: it succeeds, its three
# human lines and its machine-readable line are there with 20 keys, B's console shows
# the wait's success and A's the fill of 20. A bad N is refused with its usage (2).
source "$(dirname "$0")/lib.sh"
logs=build/test-logs/replica-qemu-bench-smoke
mkdir -p "$logs"
out=$logs/bench.out

REPLICA_BENCH_LOGS=$logs REPLICA_PORT_BASE=47330 bash tests/bench_replica_qemu.sh 20 > "$out" 2>&1
status=$?
check "bench with 20 keys exits 0" test $status -eq 0
check "the fill's line (A's monotonic clock)" \
    grep -qE "^replicabench: 20 keys filled on A in [0-9]+ ms \([0-9]+ keys/s, A's monotonic clock\)$" "$out"
check "the convergence's line (B's monotonic clock)" \
    grep -qE "^replicabench: 20 keys on B in [0-9]+ ms \([0-9]+ keys/s, B's monotonic clock" "$out"
check "the host wall clock's line" \
    grep -qE "^replicabench: 20 keys, fill typed to B converged, [0-9]+ ms \([0-9]+ keys/s, host wall clock\)$" "$out"
check "the machine-readable line" \
    grep -qE "^~replicabench: keys=20 fill_ms=[0-9]+ converge_ms=[0-9]+ wall_ms=[0-9]+$" "$out"
check "A's console: graindb filled 20 keys" grep -qE "filled 20 keys in [0-9]+ ms" "$logs/a.log"
check "B's console: wait-keys succeeded" grep -qE "rc-bench-wait 0" "$logs/b.log"

bash tests/bench_replica_qemu.sh 0 > "$logs/bad.out" 2>&1
bad=$?
check "N=0 refused with its usage (exit 2)" \
    bash -c 'test "$1" -eq 2 && grep -qF "usage: tests/bench_replica_qemu.sh [N]" "$2"' _ "$bad" "$logs/bad.out"
