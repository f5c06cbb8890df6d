#!/usr/bin/env bash
# Flow control of the replicated keyspace's anti-entropy (issue 14, src/kernel/replica,
# replica_sync.c): the convergence bench with 1000 keys a node (three nodes, every link
# cut until the heal at 3 s). Without flow control a round sent every differing leaf at
# once and the simulated network's in-flight table (512 datagrams) dropped most of it
# as congestion (47,995 of 82,575 datagrams on seed 1, converged 7.2 s after the heal).
# With bounded TREE answers, batched commits of received versions and rounds paced by
# quiet, nothing is dropped as congestion and the nodes converge within 3 s (0.7 s).
source "$(dirname "$0")/lib.sh"
source tests/sim_lib.sh
logs=build/test-logs/replica-flow
mkdir -p "$logs"

for seed in 1 2; do
    log=$logs/seed$seed.log
    "$SIM" --seed $seed --scenario scenarios/replica-bench.scenario \
        --set "bootargs=init.end=idle init.rounds=0 replica.nodes=3 init.replicafill=1000" \
        --set liveness.heal_at=3s --set liveness.bound=60s --set time=120s \
        --set disk.size=8M --log error > "$log" 2>&1
    status=$?
    check "seed $seed: sim run passes (converged: exit 0)" test $status -eq 0
    check "seed $seed: no datagram dropped as congestion" grep -qE '^network: .* 0 congestion;' "$log"
    after_ms=$(sed -nE 's/^liveness: healed at .*, converged after ([0-9]+)\.[0-9]+ ms.*/\1/p' "$log")
    check "seed $seed: converged within 3000 ms of the heal (got ${after_ms:-none} ms)" \
        test "${after_ms:-999999}" -lt 3000
done
