#!/usr/bin/env bash
# The simulated network and the liveness phase (issue 14): scenarios/net.scenario (three
# nodes of a cluster, every net fault kind on, the simulator's probe datagrams as traffic)
# counts each kind, heals its partitions, converges after the heal and ends the run; the
# same seed gives the same trace hash; runs without a cluster keep the trace hashes they
# had before the network existed; --bug sim-never-converges is a liveness failure (exit
# 3, its report, the replay command; in a fleet a failed seed named as such); a bad
# net.* value is a usage error naming it.
source "$(dirname "$0")/lib.sh"
source tests/sim_lib.sh
SCENARIO=scenarios/net.scenario
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
number() { grep -oE "$1" "$2" | head -1 | grep -oE '[0-9]+' | head -1; }

# 1. Each kind counted, partitions healed, converged at the heal.
"$SIM" --seed 1 --scenario "$SCENARIO" --log error > "$tmp/run1" 2>&1
check "net scenario seed 1 passes" test $? -eq 0
check "net run ends converged" grep -q '^result: pass (converged)' "$tmp/run1"
line=$(grep '^network: [0-9]* sent' "$tmp/run1")
for what in sent delivered dropped duplicated reordered partitions; do
    n=$(echo "$line" | grep -oE "[0-9]+ $what" | head -1 | grep -oE '^[0-9]+')
    if [ "${n:-0}" -gt 0 ]; then ok "network counts $what ($n)"; else not_ok "network counts $what" "$line"; fi
done
for kind in net_drop net_duplicate net_reorder net_partition; do
    n=$(number "$kind [0-9]+" "$tmp/run1")
    if [ "${n:-0}" -gt 0 ]; then ok "faults injected: $kind ($n)"; else not_ok "faults injected: $kind" "none"; fi
done
started=$(echo "$line" | grep -oE '[0-9]+ partitions \(' | grep -oE '^[0-9]+')
healed=$(echo "$line" | grep -oE '[0-9]+ partitions healed' | grep -oE '^[0-9]+')
kinds=$(( $(echo "$line" | grep -oE '\(([0-9]+) symmetric, ([0-9]+) asymmetric, ([0-9]+) isolated\)' | grep -oE '[0-9]+' | paste -sd+) ))
check "every partition healed ($healed of $started)" test "${healed:-x}" = "${started:-y}"
check "partitions by kind add up ($kinds)" test "${kinds:-x}" = "${started:-y}"
check "liveness line" grep -qE '^liveness: healed at [0-9.]+ ms, converged after [0-9.]+ ms \(bound 500.000 ms\)' "$tmp/run1"

# net.cut_until_heal: every datagram before the heal is cut off (the run ends at the heal:
# the placeholder answers converged at once until replication lands).
"$SIM" --seed 1 --scenario "$SCENARIO" --log error --set net.cut_until_heal=on > "$tmp/cut" 2>&1
cut_line=$(grep '^network: [0-9]* sent' "$tmp/cut")
cut_sent=$(echo "$cut_line" | grep -oE '^network: [0-9]+' | grep -oE '[0-9]+')
cut_off=$(echo "$cut_line" | grep -oE '[0-9]+ cut off' | grep -oE '^[0-9]+')
check "cut_until_heal cuts every datagram before the heal ($cut_off of $cut_sent)" \
    test "${cut_sent:-0}" -gt 0 -a "${cut_off:-x}" = "${cut_sent:-y}"

# 2. Determinism: the same seed twice.
"$SIM" --seed 1 --scenario "$SCENARIO" --log error > "$tmp/run2" 2>&1
h1=$(trace_hash "$tmp/run1"); h2=$(trace_hash "$tmp/run2")
check "same seed, same trace hash ($h1)" test -n "$h1" -a "$h1" = "$h2"
"$SIM" --seed 2 --scenario "$SCENARIO" --log error > "$tmp/run3" 2>&1
check "another seed, another trace hash" test "$(trace_hash "$tmp/run3")" != "$h1"

# 3. Runs without a cluster are the runs they were before the network (hashes recorded
# before it was written): the default scenario and the two-node zix scenario. The values
# changed once since, with the initial archive (i14-repluser: /bin/graindb,
# /test/replicatest and /test/replicaclient copied at the first boot; without them the
# network's tree gave fd3d36a9927e0ef7 b82d858b8cfd9ac7 cee98945b43e8e88 and
# 3729add95a6ff11e cb849bce2e577b31 6658de219eab6772).
declare -A before=([default-1]=038093ca445ca982 [default-2]=e6990887a2591489 [default-3]=ca82146b2032cf73
    [zix-1]=fa3201b73e7ee741 [zix-2]=9118d8f945601a50 [zix-3]=a2cc1fc490c6484a)
"$SIM" --seeds 1..3 --jobs 2 --log error --json "$tmp/default.json" > /dev/null 2>&1
"$SIM" --seeds 1..3 --jobs 2 --log error --scenario scenarios/zix.scenario --json "$tmp/zix.json" > /dev/null 2>&1
for name in default zix; do
    for seed in 1 2 3; do
        got=$(grep "\"seed\":$seed," "$tmp/$name.json" | grep -oE '"trace_hash":"[0-9a-f]+"' | grep -oE '[0-9a-f]{16}')
        check "$name seed $seed keeps its trace hash" test "$got" = "${before[$name-$seed]}"
    done
done

# 4. A cluster's node I boots with replica.node=I (the network's unit test drives it).
if [ -x build/tests/test_network ]; then
    build/tests/test_network > "$tmp/unit" 2>&1
    check "replica.node=I appended in a cluster" grep -q '^ok net_bootargs_node_id' "$tmp/unit"
    check "boot arguments unchanged without a cluster" grep -q '^ok net_bootargs_unchanged_without_cluster' "$tmp/unit"
else
    not_ok "network unit test" "build/tests/test_network missing (make unit-tests)"
fi

# 5. Liveness failure: exit 3, the report, the replay command.
expect "never converges: exit 3 and the failure line" 3 \
    '^liveness failure: not converged within 500.000 ms after the heal at [0-9.]+ ms' \
    --seed 1 --scenario "$SCENARIO" --log error --bug sim-never-converges
check "failure names why" grep -q '^  why: the planted bug sim-never-converges' "$tmp/out"
check "failure shows the last trace events" grep -q '^last [0-9]* trace events:' "$tmp/out"
check "failure gives the replay command" grep -q '^reproduce: ./build.sh sim --seed 1 --scenario scenarios/net.scenario --bug sim-never-converges' "$tmp/out"
replay=$(grep '^reproduce:' "$tmp/out" | sed 's|^reproduce: ./build.sh sim ||')
# shellcheck disable=SC2086
"$SIM" $replay > "$tmp/replay" 2>&1
check "the replay fails the same way (exit $?)" test "$(trace_hash "$tmp/replay")" = "$(trace_hash "$tmp/out")"
expect "--heal-at and --liveness-bound override the scenario" 3 'not converged within 200.000 ms after the heal at 1[0-9][0-9][0-9]\.' \
    --seed 1 --scenario "$SCENARIO" --log error --bug sim-never-converges --heal-at 1s --liveness-bound 200ms

# 6. A fleet: convergence times; a liveness failure is a failed seed named as such.
expect "fleet prints convergence" 0 '^convergence: 2 runs, median [0-9.]+ ms, worst [0-9.]+ ms' \
    --seeds 1..2 --jobs 2 --scenario "$SCENARIO" --log error
expect "fleet names a liveness failure" 3 '^  replica_converges_after_heal: 2 seeds, first seed 1 \(liveness failure' \
    --seeds 1..2 --jobs 2 --scenario "$SCENARIO" --log error --bug sim-never-converges

# 7. Usage errors name the key.
expect "net.latency_min = banana is a usage error" 2 "key 'net.latency_min': 'banana'" \
    --seed 1 --scenario "$SCENARIO" --set net.latency_min=banana
expect "latency_min above latency_max" 2 'net.latency_min is above net.latency_max' \
    --seed 1 --scenario "$SCENARIO" --set net.latency_min=5ms
expect "a liveness phase past the time limit" 2 'does not end before the time limit' \
    --seed 1 --scenario "$SCENARIO" --set time=2100ms
expect "--help documents exit 3 and the liveness options" 0 'other run\) a liveness failure' --help
check "--help documents --heal-at" grep -q -- '--heal-at T' "$tmp/out"
