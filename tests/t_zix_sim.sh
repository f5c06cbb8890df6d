#!/usr/bin/env bash
# The simulator proves Zix (issue 13): the zix scenario (scenarios/zix.scenario: two
# conductors, root's and xy's, building, checking, collecting, verifying and forging
# under process crashes, clock jumps and drift, disk faults and power losses) passes
# every zix invariant over many seeds, did the work (builds, cache hits, registrations,
# checks, GC deletions, sandbox refusals, leftovers removed, trees hashed: the summary's
# zix line), and each planted zix bug is caught by the invariant it names within 100
# seeds, the seed that caught it passing without it.
source "$(dirname "$0")/lib.sh"
source tests/sim_lib.sh
SEEDS=${ZIX_SIM_SEEDS:-60}
BUG_SEEDS_MAX=${BUG_SEEDS_MAX:-100}
SCENARIO=scenarios/zix.scenario
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p build/test-logs/zixsim

"$SIM" --scenario "$SCENARIO" --seeds "1..$SEEDS" --jobs 2 --log error > "$tmp/seeds" 2>&1
status=$?
if [ $status -eq 0 ] && grep -q "seeds 1..$SEEDS: $SEEDS passed, 0 failed" "$tmp/seeds"; then
    ok "zix scenario: $SEEDS seeds pass"
else
    not_ok "zix scenario: $SEEDS seeds" "exit $status: $(grep -m1 -E 'failed|violated' "$tmp/seeds")"
fi

# Seeds' summaries: Zix did the work the invariants judge. Seed 1 has power losses.
number() { grep -oE "$1" "$2" | head -1 | grep -oE '[0-9]+' | head -1; }
for seed in 1 3; do
    out=build/test-logs/zixsim/seed-$seed.log
    "$SIM" --scenario "$SCENARIO" --seed "$seed" --log error > "$out" 2>&1
    check "zix scenario seed $seed passes" test $? -eq 0
    echo "# seed $seed: $(grep '^zix: ' "$out")"
    echo "# seed $seed: $(grep '^faults injected' "$out" | grep -oE 'power_loss [0-9]+, process_crash [0-9]+, clock_jump [0-9]+, clock_drift [0-9]+')"
    check "seed $seed: builders ran" test "$(number '[0-9]+ builds' "$out")" -ge 10
    check "seed $seed: registered paths were found again (cache hits)" test "$(number '[0-9]+ cache hits' "$out")" -ge 3
    check "seed $seed: paths registered" test "$(number '[0-9]+ registered' "$out")" -ge 5
    check "seed $seed: check rebuilds hashed as registered" test "$(number '[0-9]+ checks same' "$out")" -ge 1
    check "seed $seed: the GC deleted paths" test "$(number '[0-9]+ gc deletions' "$out")" -ge 1
    check "seed $seed: the sandbox refused a builder's reach" test "$(number '[0-9]+ sandbox refusals' "$out")" -ge 1
    check "seed $seed: the simulator hashed registered trees" test "$(number '[0-9]+ trees hashed' "$out")" -ge 10
    check "seed $seed: the sandbox's accesses were judged" test "$(number '[0-9]+ accesses judged' "$out")" -ge 10
    check "seed $seed: every zix invariant was checked" \
        bash -c "grep -oE 'zix_[a-z_]+ [0-9]+' '$out' | awk '\$2 == 0 {bad=1} END {exit bad || NR != 7}'"
done
out=build/test-logs/zixsim/seed-1.log
check "seed 1: the node booted again after power losses (leftovers removed)" test "$(number '[0-9]+ leftovers removed' "$out")" -ge 1

# Each planted zix bug: caught by its own invariant at the first seed that fails.
bugs=$("$SIM" --list-bugs 2>&1 | awk '$2 == "caught" && $3 == "by" && $1 ~ /^zix-/ {print $1, $4}')
check "basin-sim lists 7 planted zix bugs" test "$(echo "$bugs" | grep -c .)" -eq 7
while read -r bug invariant; do
    [ -n "$bug" ] || continue
    caught=""
    for seed in $(seq 1 "$BUG_SEEDS_MAX"); do
        out=build/test-logs/zixsim/$bug-$seed.log
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
