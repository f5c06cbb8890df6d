#!/usr/bin/env bash
# The replica room of the kernel (issue 14, src/kernel/replica) in the simulator, on its
# own (the syscall's checks are tests/unit/test_replica_kernel.c and
# test_replica_cluster.c; the workloads are t_replica*.sh): a run without
# replica.nodes= shows nothing of the keyspace in its trace; a 3-node cluster under
# network faults (drop, duplicate, reorder, partitions) and power losses boots the room
# on every node, runs sync rounds, sends and receives datagrams and passes every
# invariant over a few seeds; a bad replica.nodes= is a warning, never a panic.
source "$(dirname "$0")/lib.sh"
source tests/sim_lib.sh
logs=build/test-logs/replica-kernel
mkdir -p "$logs"

"$SIM" --seed 1 --set time=2s --log error --trace "$logs/single.trace" > "$logs/single.log" 2>&1
check "one node, no replica.nodes: the run passes" test $? -eq 0
check "one node, no replica.nodes: no replica event in the trace" \
    bash -c '! grep -q " replica_" "$1"' _ "$logs/single.trace"

NET="--set fault.net_drop=on --set fault.net_drop.rate=100000 --set fault.net_duplicate=on \
     --set fault.net_reorder=on --set fault.net_partition=on --set fault.power_loss=on"
# shellcheck disable=SC2086
"$SIM" --scenario scenarios/no-faults.scenario --nodes 3 --seeds 1..4 --jobs 2 --log error $NET \
    --set "bootargs=init.end=idle init.rounds=0 replica.nodes=3" --set time=3s > "$logs/cluster.log" 2>&1
status=$?
check "3 nodes, network faults and power losses: seeds 1..4 pass" \
    bash -c '[ "$1" -eq 0 ] && grep -q "seeds 1..4: 4 passed, 0 failed" "$2"' _ "$status" "$logs/cluster.log"

# shellcheck disable=SC2086
"$SIM" --scenario scenarios/no-faults.scenario --nodes 3 --seed 2 --log error $NET \
    --set "bootargs=init.end=idle init.rounds=0 replica.nodes=3" --set time=3s \
    --trace "$logs/cluster.trace" > "$logs/cluster-2.log" 2>&1
check "3 nodes, seed 2: passes" test $? -eq 0
events() { grep -cE " $1 " "$logs/cluster.trace"; }
for node in n0 n1 n2; do
    check "3 nodes: $node booted the room" grep -qE "$node replica_boot .*c=$((${node#n} * 256 + 3))\$" "$logs/cluster.trace"
done
check "3 nodes: sync rounds ran (>= 100)" test "$(events replica_sync)" -ge 100
check "3 nodes: datagrams sent (>= 100)" test "$(events replica_send)" -ge 100
check "3 nodes: datagrams received (>= 50)" test "$(events replica_receive)" -ge 50
check "3 nodes: nothing rejected (the simulated network never alters a datagram)" test "$(events replica_rejected)" -eq 0
echo "# seed 2: $(grep -m1 '^network: [0-9]* sent' "$logs/cluster-2.log")"

"$SIM" --scenario scenarios/no-faults.scenario --nodes 2 --seed 1 --log info \
    --set "bootargs=init.end=idle init.rounds=0 replica.nodes=9" --set time=1s > "$logs/bad-arg.log" 2>&1
check "replica.nodes=9: the run passes" test $? -eq 0
check "replica.nodes=9: a warning naming the value" grep -qF "bad boot argument replica.nodes=9" "$logs/bad-arg.log"
