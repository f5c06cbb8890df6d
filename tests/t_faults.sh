#!/usr/bin/env bash
# Each fault kind is really injected by its scenario (counted in the summary), and the
# kernel survives it: every seed passes its invariants. Also multi-node runs, the
# trace file, and that the summary's counts add up.
source "$(dirname "$0")/lib.sh"
source tests/sim_lib.sh
SEEDS=${FAULT_SEEDS:-8}
logs=build/test-logs/faults
mkdir -p "$logs"

# fault count of KIND in a run's summary line "faults injected: a N, b M, ..."
fault_count() { grep -m1 '^faults injected:' "$1" | grep -oE "$2 [0-9]+" | grep -oE '[0-9]+$'; }

for pair in "power-loss power_loss" "process-crash process_crash" "clock-chaos clock_jump" \
            "clock-chaos clock_drift" "reboot-loop power_loss"; do
    read -r scenario kind <<< "$pair"
    total=0
    failures=""
    for seed in $(seq 1 "$SEEDS"); do
        out=$logs/$scenario-$seed.log
        "$SIM" --seed "$seed" --scenario "scenarios/$scenario.scenario" --log warn > "$out" 2>&1
        status=$?
        [ $status -eq 0 ] || failures="$failures seed $seed exit $status;"
        total=$((total + $(fault_count "$out" "$kind" || echo 0)))
    done
    if [ -n "$failures" ]; then not_ok "$scenario: all seeds pass" "$failures"
    else ok "$scenario: $SEEDS seeds pass"; fi
    if [ "$scenario" = reboot-loop ]; then continue; fi # only checks survival
    check "$scenario: $kind injected ($total times over $SEEDS seeds)" test "$total" -gt 0
done

# Power loss really reboots: more than one boot on some node.
boots=$(grep -hoE 'boots [0-9]+' $logs/power-loss-*.log | awk '{s += $2 - 1} END {print s + 0}')
check "power-loss: nodes rebooted after power loss ($boots reboots)" test "$boots" -gt 0

# A requested reboot boots again: init.end=reboot loops until the time limit.
grep -q 'reboot_state_fresh [1-9]' $logs/reboot-loop-1.log
check "reboot-loop: reboot_state_fresh was checked after reboots" test $? -eq 0

# Several nodes run side by side, each with its own kernel.
"$SIM" --seed 5 --nodes 4 --scenario scenarios/one-life.scenario --log warn > "$logs/nodes4.log" 2>&1
check "4 nodes: run passes" test $? -eq 0
check "4 nodes: each node reports" test "$(grep -c '^node [0-3]:' "$logs/nodes4.log")" -eq 4

# --trace writes one line per event, as many as the summary counts.
"$SIM" --seed 2 --scenario scenarios/one-life.scenario --log warn --trace "$logs/run.trace" > "$logs/trace.log" 2>&1
events=$(grep -oE '^trace events: [0-9]+' "$logs/trace.log" | grep -oE '[0-9]+')
check "--trace writes every event ($events)" test "$(wc -l < "$logs/run.trace")" -eq "$events"
