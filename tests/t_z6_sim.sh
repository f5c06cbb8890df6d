#!/usr/bin/env bash
# The simulator proves z6 (issue 12): the z6 scenario (scenarios/z6.scenario: the chaos
# set of services under process crashes, clock jumps and drift, power losses) passes
# every z6 invariant over many seeds, did the work (spawns, crashes, restarts, KILLs,
# services failed at their crash limit, commands, clock jumps: the summary's lines),
# and each planted z6 bug is caught by the invariant it names within 100 seeds.
source "$(dirname "$0")/lib.sh"
source tests/sim_lib.sh
SEEDS=${Z6_SIM_SEEDS:-60}
BUG_SEEDS_MAX=${BUG_SEEDS_MAX:-100}
SCENARIO=scenarios/z6.scenario
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p build/test-logs/z6sim

"$SIM" --scenario "$SCENARIO" --seeds "1..$SEEDS" --jobs 2 --log error > "$tmp/seeds" 2>&1
status=$?
if [ $status -eq 0 ] && grep -q "seeds 1..$SEEDS: $SEEDS passed, 0 failed" "$tmp/seeds"; then
    ok "z6 scenario: $SEEDS seeds pass"
else
    not_ok "z6 scenario: $SEEDS seeds" "exit $status: $(grep -m1 -E 'failed|violated' "$tmp/seeds")"
fi

# One seed's summary: z6 did the work the invariants judge. Seed 1 has no power loss
# (swarm), seed 5 has.
number() { grep -oE "$1" "$2" | head -1 | grep -oE '[0-9]+' | head -1; }
for seed in 1 5; do
    out=build/test-logs/z6sim/seed-$seed.log
    "$SIM" --scenario "$SCENARIO" --seed "$seed" --log error > "$out" 2>&1
    check "z6 scenario seed $seed passes" test $? -eq 0
    line=$(grep '^z6: ' "$out")
    echo "# seed $seed: $line"
    echo "# seed $seed: $(grep '^faults injected' "$out" | grep -oE 'power_loss [0-9]+, process_crash [0-9]+, clock_jump [0-9]+, clock_drift [0-9]+')"
    check "seed $seed: z6 restarted services" test "$(number '[0-9]+ restarts' "$out")" -ge 10
    check "seed $seed: services crashed" test "$(number '[0-9]+ crashes' "$out")" -ge 5
    check "seed $seed: z6 sent KILL after timeout-kill" test "$(number '[0-9]+ KILLs' "$out")" -ge 1
    check "seed $seed: a service reached its crash limit" test "$(number '[0-9]+ services failed' "$out")" -ge 1
    check "seed $seed: the conductor's commands reached z6" test "$(number '[0-9]+ commands' "$out")" -ge 5
    check "seed $seed: realtime jumped" test "$(number 'clock_jump [0-9]+' "$out")" -ge 1
    check "seed $seed: every z6 invariant was checked" \
        bash -c "grep -oE 'z6_[a-z_]+ [0-9]+' '$out' | awk '\$2 == 0 {bad=1} END {exit bad || NR != 8}'"
done
out=build/test-logs/z6sim/seed-5.log
check "seed 5: z6 booted again after a power loss" test "$(number '[0-9]+ boots;' "$out")" -ge 2

# Each planted z6 bug: caught by its own invariant at the first seed that fails.
bugs=$("$SIM" --list-bugs 2>&1 | awk '$2 == "caught" && $3 == "by" && $1 ~ /^z6-/ {print $1, $4}')
check "basin-sim lists 8 planted z6 bugs" test "$(echo "$bugs" | grep -c .)" -eq 8
while read -r bug invariant; do
    [ -n "$bug" ] || continue
    caught=""
    for seed in $(seq 1 "$BUG_SEEDS_MAX"); do
        out=build/test-logs/z6sim/$bug-$seed.log
        "$SIM" --scenario "$SCENARIO" --seed "$seed" --bug "$bug" --log error > "$out" 2>&1
        [ $? -eq 1 ] || continue
        caught=$seed
        break
    done
    if [ -z "$caught" ]; then not_ok "bug $bug" "not caught in $BUG_SEEDS_MAX seeds"; continue; fi
    if grep -q "invariant violated: $invariant" "$out"; then
        ok "bug $bug caught by $invariant at seed $caught"
    else
        not_ok "bug $bug" "seed $caught failed another way: $(grep -m1 'invariant violated' "$out")"
    fi
    "$SIM" --scenario "$SCENARIO" --seed "$caught" --log error > "$out.clean" 2>&1
    check "seed $caught passes without $bug" test $? -eq 0
done <<< "$bugs"
