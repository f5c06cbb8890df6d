#!/usr/bin/env bash
# The convergence bench (./build.sh bench --replica, scenarios/replica-bench.scenario)
# with 100 keys a node, so its code cannot rot: three nodes, every link cut until the
# heal, each node's init puts its own keys (replicaclient fill n<node>/ 100), then the
# liveness phase heals the network and the run ends when all three hold the same 300
# keys: "liveness: healed at T, converged after X ms". Each node added the others'
# 200 keys from its peers (trace), and the fill lines name each node's prefix.
source "$(dirname "$0")/lib.sh"
source tests/sim_lib.sh
logs=build/test-logs/replica-bench-smoke
mkdir -p "$logs"
log=$logs/seed1-300.log
trace=$logs/seed1-300.trace

"$SIM" --seed 1 --scenario scenarios/replica-bench.scenario \
    --set "bootargs=init.end=idle init.rounds=0 replica.nodes=3 init.replicafill=100" \
    --set liveness.heal_at=${REPLICA_SMOKE_HEAL_AT:-3s} --set liveness.bound=60s --set time=120s \
    --set disk.size=8M --trace "$trace" > "$log" 2>&1
status=$?

check "sim run passes (converged: exit 0)" test $status -eq 0
for node in 0 1 2; do
    check "node $node: its fill of 100 keys under n$node/" grep -qxF "n$node| replicaclient: fill n$node/: 100 keys" "$log"
    check "node $node: init's fill phase ended as expected" grep -qxF "n$node| init: replica fill phase done, 0 unexpected" "$log"
done
check "the liveness line: converged after the heal" \
    grep -qE '^liveness: healed at .*, converged after [0-9.]+ ms' "$log"
# 300 local puts, and each node received the 200 versions of the other two.
# replica_added's c: writer node << 8 | 1 (a local put) or 2 (from a peer).
added() { awk -v how="$1" '$4 == "replica_added" { split($7, c, "="); if (c[2] % 256 == how) n++ } END { print n + 0 }' "$trace"; }
check "trace: 300 versions added by local puts" test "$(added 1)" -eq 300
check "trace: 600 versions added from peers (each node the other two's 200)" test "$(added 2)" -eq 600
check "trace: each node added 300 versions in all" \
    test "$(grep -E ' replica_added ' "$trace" | awk '{print $3}' | sort | uniq -c | awk '{print $1}' | sort -u)" = 300
check "no FAIL line" bash -c '! grep -q "FAIL" "$1"' _ "$log"
