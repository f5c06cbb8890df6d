#!/usr/bin/env bash
# basin-sim --shrink: a planted bug's failing seed (faults on, a power loss needed) shrinks
# to fewer faults, the printed command replays the same violation with the same trace
# hash; with three nodes, fewer nodes and steps are found; a passing seed and the options it
# cannot go with are refused clearly; --set
# overrides a scenario key and names a bad key or value.
source "$(dirname "$0")/lib.sh"
source tests/sim_lib.sh
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# Seed 3 of the default scenario with graindb-ack-before-flush: five fault kinds drawn on
# by the swarm, acknowledged_writes_survive violated at step 1877 after a power loss.
SEED=3 BUG=graindb-ack-before-flush INVARIANT=acknowledged_writes_survive
"$SIM" --seed $SEED --bug $BUG --log warn --shrink > "$tmp/shrink" 2>&1
status=$?
if [ $status -eq 1 ]; then ok "--shrink of a failing seed exits 1"
else not_ok "--shrink of a failing seed exits 1" "exit $status: $(tail -3 "$tmp/shrink" | tr '\n' ' ')"; fi
check "--shrink names the invariant and the failing step" \
    grep -qE "^shrink: seed $SEED fails $INVARIANT at step [0-9]+" "$tmp/shrink"
check "--shrink prints a progress line per run" grep -qE '^shrink: run [0-9]+: .*\(kept\)$' "$tmp/shrink"
check "--shrink checks the --set form of the swarm is the same run" \
    grep -qE "^shrink: run 3: every fault kind's setting written out as --set: fails $INVARIANT .*\(kept\)" "$tmp/shrink"
check "--shrink verifies its result by a rerun" grep -qE "^shrink: run [0-9]+: final check: fails $INVARIANT" "$tmp/shrink"
read -r faults_before faults_after < <(awk '$1 == "faults" && $2 == "injected" {print $3, $5}' "$tmp/shrink")
read -r steps_before steps_after < <(awk '$1 == "steps" {print $2, $4}' "$tmp/shrink")
if [ -n "$faults_after" ] && [ "$faults_after" -lt "$faults_before" ] && [ "$steps_after" -le "$steps_before" ]; then
    ok "--shrink reduces the faults injected ($faults_before -> $faults_after) and never the steps up ($steps_before -> $steps_after)"
else not_ok "--shrink reduces the faults injected" "faults '$faults_before' -> '$faults_after', steps '$steps_before' -> '$steps_after'"; fi
command=$(sed -n 's/^reproduce: //p' "$tmp/shrink")
case $command in
"./build.sh sim "*--set*) ok "--shrink prints a reproduce command with --set" ;;
*) not_ok "--shrink prints a reproduce command with --set" "got '$command'" ;;
esac
# Run as printed (./build.sh sim is build/basin-sim after a build).
read -ra args <<< "${command#./build.sh sim }"
"$SIM" "${args[@]}" > "$tmp/replay" 2>&1
status=$?
if [ $status -eq 1 ] && grep -q "^invariant violated: $INVARIANT$" "$tmp/replay"; then
    ok "the printed command fails $INVARIANT"
else not_ok "the printed command fails $INVARIANT" "exit $status: $(grep -m1 'invariant violated' "$tmp/replay")"; fi
if [ -n "$(trace_hash "$tmp/shrink")" ] && [ "$(trace_hash "$tmp/shrink")" = "$(trace_hash "$tmp/replay")" ]; then
    ok "the printed command replays the shrunk run's trace hash"
else not_ok "the printed command replays the shrunk run's trace hash" "$(trace_hash "$tmp/shrink") vs $(trace_hash "$tmp/replay")"; fi

expect "--shrink of a passing seed: exit 4, nothing to shrink" 4 "^shrink: seed 1 passes .*nothing to shrink" \
    --seed 1 --steps 300 --shrink
expect "--shrink needs --seed" 2 "--shrink needs --seed" --shrink
expect "--shrink refuses --seeds" 2 "not with --seeds or --count" --seeds 1..2 --shrink
expect "--shrink refuses --count" 2 "not with --seeds or --count" --seed 1 --count 2 --shrink
expect "--shrink refuses --trace-json" 2 "not with --trace or --trace-json" --seed 1 --trace-json "$tmp/t.json" --shrink
expect "--shrink refuses --check-determinism" 2 "--shrink and --check-determinism" --seed 1 --check-determinism --shrink
expect "--help documents --shrink" 0 "^  --shrink " --help
expect "--help documents --set" 0 "^  --set KEY=VALUE " --help

# --set: a scenario key from the command line.
expect "--set turns a kind off" 0 "^fault clock_jump +off \(off\)" --seed 1 --steps 10 --set fault.clock_jump=off
expect "--set sets a rate" 0 "^fault power_loss +on +\(on\) rate 7 " --seed 1 --steps 10 \
    --set fault.power_loss=on --set fault.power_loss.rate=7
expect "--set time and steps keep both" 0 "^steps = 100$" --print-scenario --set time=1s --set steps=100
expect "--set time kept beside steps" 0 "^time = 1s$" --print-scenario --set time=1s --set steps=100
expect "--set unknown key names it" 2 "--set fault.bogus=on: key 'fault.bogus': unknown key" --seed 1 --set fault.bogus=on
expect "--set bad value names it" 2 "--set nodes=99: key 'nodes'" --seed 1 --set nodes=99
expect "--set without = is refused" 2 "bad value 'nodes' for --set" --seed 1 --set nodes

# Three nodes of storage-bug-hunt with graindb-retry-failed-flush: fewer nodes and an
# earlier failing step are found too.
"$SIM" --seed 2 --scenario scenarios/storage-bug-hunt.scenario --bug graindb-retry-failed-flush --nodes 3 \
    --log warn --shrink > "$tmp/nodes" 2>&1
status=$?
read -r nodes_before nodes_after < <(awk '$1 == "nodes" {print $2, $4}' "$tmp/nodes")
read -r steps_before steps_after < <(awk '$1 == "steps" {print $2, $4}' "$tmp/nodes")
if [ $status -eq 1 ] && [ "${nodes_after:-3}" -lt 3 ] && [ "${steps_after:-0}" -lt "${steps_before:-0}" ]; then
    ok "--shrink finds fewer nodes ($nodes_before -> $nodes_after) and fewer steps ($steps_before -> $steps_after)"
else not_ok "--shrink finds fewer nodes and steps" "exit $status, nodes '$nodes_before' -> '$nodes_after', steps '$steps_before' -> '$steps_after'"; fi
command=$(sed -n 's/^reproduce: //p' "$tmp/nodes")
read -ra args <<< "${command#./build.sh sim }"
"$SIM" "${args[@]}" > "$tmp/replay2" 2>&1
if [ $? -eq 1 ] && [ -n "$(trace_hash "$tmp/nodes")" ] && [ "$(trace_hash "$tmp/nodes")" = "$(trace_hash "$tmp/replay2")" ]; then
    ok "the printed command with --nodes replays the same failure"
else not_ok "the printed command with --nodes replays the same failure" "'$command'"; fi
