#!/usr/bin/env bash
# The resource attacks in the simulator (init.attack=1: each `exhaust` as xy, then
# `rootcheck` as root, which reports its verdict to the simulator):
#   - scenarios/attack-no-faults.scenario: every seed passes, and the attack phase ends
#     with 0 unexpected (each attack stopped with its documented error, each rootcheck
#     passed);
#   - scenarios/attack.scenario (power loss, crashes, clock faults, disk latency,
#     swarmed): every seed passes the simulator (its invariants, and the workload's
#     verdicts unless a fault it names excuses them), and at least half of the seeds
#     get through the whole attack phase despite the power losses (a power loss starts
#     it again).
# ATTACK_SEEDS sets how many (default 4 without faults, 3 times that with them).
source "$(dirname "$0")/lib.sh"
source tests/sim_lib.sh
logs=build/test-logs/attack
mkdir -p "$logs"
seeds=${ATTACK_SEEDS:-4}

failed=0
for seed in $(seq 1 "$seeds"); do
    out=$logs/attack-no-faults-$seed.log
    "$SIM" --seed "$seed" --scenario scenarios/attack-no-faults.scenario --log info > "$out" 2>&1
    status=$?
    if [ $status -ne 0 ] || ! grep -q "init: attack phase done, 0 unexpected" "$out"; then
        not_ok "attack-no-faults seed $seed" "status $status; $(grep -m1 -E 'invariant violated|unexpected end|FAILED' "$out")"
        failed=$((failed + 1))
    fi
done
[ $failed -eq 0 ] && ok "attack-no-faults: $seeds seeds pass, every attack stopped, every rootcheck passed"

failed=0; completed=0; count=$((seeds * 3))
for seed in $(seq 1 "$count"); do
    out=$logs/attack-$seed.log
    "$SIM" --seed "$seed" --scenario scenarios/attack.scenario --log info > "$out" 2>&1
    status=$?
    if [ $status -ne 0 ]; then
        not_ok "attack seed $seed" "status $status; $(grep -m1 -E 'invariant violated' "$out")"
        failed=$((failed + 1))
    fi
    grep -q "init: attack phase done" "$out" && completed=$((completed + 1))
done
[ $failed -eq 0 ] && ok "attack (faults): $count seeds pass the simulator"
check "attack (faults): $completed of $count seeds got through the whole attack phase" test $((completed * 2)) -ge "$count"
# Determinism: one seed twice gives one trace hash.
a=$("$SIM" --seed 7 --scenario scenarios/attack.scenario 2>&1 | grep '^trace hash')
b=$("$SIM" --seed 7 --scenario scenarios/attack.scenario 2>&1 | grep '^trace hash')
check "attack seed 7 gives one trace hash twice" test -n "$a" -a "$a" = "$b"
