#!/usr/bin/env bash
# The replication benchmark on QEMU (issue 14; ./build.sh bench --replica-qemu): two
# machines on blank disks joined by virtio-net (tests/replica_qemu_lib.sh). B starts
# `graindb wait-keys N` between two readings of its monotonic clock (date -m); then A
# runs `graindb fill bench/k N` between two of its own. Prints the keys/s of A's fill
# and of B's convergence by each guest's monotonic clock, and of the whole (from the
# fill typed to B's status seen) by the host's wall clock, then one machine-readable
# line:
#   ~replicabench: keys=N fill_ms=F converge_ms=C wall_ms=W
# usage: tests/bench_replica_qemu.sh [N]   (N keys, default 1000; at most 100000)
# Exits 0 when both commands succeeded, 1 otherwise (the consoles stay in $logs).
set -uo pipefail
source "$(dirname "$0")/lib.sh"
source tests/qemu_lib.sh
N=${1:-1000}
if ! [[ "$N" =~ ^[0-9]+$ ]] || [ "$N" -lt 1 ] || [ "$N" -gt 100000 ]; then
    echo "usage: tests/bench_replica_qemu.sh [N]: N keys, 1..100000" >&2
    exit 2
fi
logs=${REPLICA_BENCH_LOGS:-build/bench/replica-qemu}
mkdir -p "$logs"
source tests/replica_qemu_lib.sh
PORT=${REPLICA_PORT_BASE:-47320}
ROOT='/root #'
TIMEOUT_MS=$((60000 + N * 200)) # generous: a slow host must not fail the bench
NODE_WAIT_S=$((TIMEOUT_MS / 1000 + 60))
truncate -s 0 "$logs/a.img" "$logs/b.img" && truncate -s 64M "$logs/a.img" "$logs/b.img"
cleanup() { node_kill a 2>/dev/null; node_kill b 2>/dev/null; }
trap cleanup EXIT
fail() { echo "replicabench: FAIL: $* (consoles in $logs)" >&2; exit 1; }

# The two "S.NNNNNNNNN" lines of date -m in TEXT, as the ms between them.
clock_ms() {
    grep -oE '[0-9]+\.[0-9]{9}' <<< "$1" | head -2 | tr -d . |
        { read -r t0 && read -r t1 && echo $(((10#$t1 - 10#$t0) / 1000000)); }
}
per_second() { awk -v n="$1" -v ms="$2" 'BEGIN { printf "%.0f", (ms > 0 ? n * 1000 / ms : 0) }'; }

node_start a 0 "$PORT" $((PORT + 1)) "$logs/a.img"
node_start b 1 $((PORT + 1)) "$PORT" "$logs/b.img"
node_login a root "$NODE_ROOT_PASSWORD" "$ROOT" || fail "a: no root shell"
node_login b root "$NODE_ROOT_PASSWORD" "$ROOT" || fail "b: no root shell"

b_offset=$(node_size b)
node_type b "date -m; graindb wait-keys $N --timeout-ms $TIMEOUT_MS; write rc rc-bench-wait \$?; cat rc; date -m"
sleep 0.5 # B is waiting (its first clock reading taken) before A writes
start_ns=$(date +%s%N)
node_run a bench-fill "date -m; graindb fill bench/k $N; date -m"
fill_out=$node_out
[ "$node_rc" = 0 ] || fail "a: graindb fill exited $node_rc"
node_await b "$b_offset" "rc-bench-wait [0-9]+" || fail "b: wait-keys never ended"
end_ns=$(date +%s%N)
for _ in $(seq 50); do # the second clock reading follows the status
    wait_out=$(node_since b "$b_offset")
    [ "$(grep -oE '[0-9]+\.[0-9]{9}' <<< "$wait_out" | wc -l)" -ge 2 ] && break
    sleep 0.1
done
grep -q "rc-bench-wait 0" <<< "$wait_out" || fail "b: graindb wait-keys $N did not succeed"
fill_ms=$(clock_ms "$fill_out")
converge_ms=$(clock_ms "$wait_out")
wall_ms=$(((end_ns - start_ns) / 1000000))
[ -n "$fill_ms" ] && [ -n "$converge_ms" ] || fail "no clock readings"

echo "replicabench: $N keys filled on A in $fill_ms ms ($(per_second "$N" "$fill_ms") keys/s, A's monotonic clock)"
echo "replicabench: $N keys on B in $converge_ms ms ($(per_second "$N" "$converge_ms") keys/s, B's monotonic clock, from before the fill)"
echo "replicabench: $N keys, fill typed to B converged, $wall_ms ms ($(per_second "$N" "$wall_ms") keys/s, host wall clock)"
echo "~replicabench: keys=$N fill_ms=$fill_ms converge_ms=$converge_ms wall_ms=$wall_ms"
node_type a "shutdown -p"
node_type b "shutdown -p"
sleep 1
