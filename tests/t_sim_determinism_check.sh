#!/usr/bin/env bash
# basin-sim --check-determinism: three runs of a seed (the third without invariant
# checks) agree event by event on short and fault scenarios, and a planted
# simulator-side nondeterminism (--bug sim-nondeterministic) exits 3 naming the first
# divergent event of both runs.
source "$(dirname "$0")/lib.sh"
source tests/sim_lib.sh
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

deterministic() { # NAME ARGS...: exit 0, the verdict line, and (on seed 1) its hash equals a plain run's
    local name=$1; shift
    "$SIM" "$@" --log warn --check-determinism > "$tmp/check" 2>&1
    local got=$?
    if [ "$2" = 1 ]; then "$SIM" "$@" --log warn > "$tmp/plain" 2>&1; else cp "$tmp/check" "$tmp/plain"; fi
    local line
    line=$(grep -E '^deterministic: 3 runs, [0-9]+ events each, trace hash [0-9a-f]{16}' "$tmp/check")
    if [ $got -ne 0 ]; then not_ok "$name" "exit $got: $(tail -3 "$tmp/check" | tr '\n' ' ')"
    elif [ -z "$line" ]; then not_ok "$name" "no 'deterministic:' line"
    elif [ "$(trace_hash "$tmp/check")" != "$(trace_hash "$tmp/plain")" ]; then
        not_ok "$name" "hash $(trace_hash "$tmp/check") differs from a plain run's $(trace_hash "$tmp/plain")"
    else ok "$name"; fi
}

for seed in 1 2 3 4 5; do
    deterministic "no-faults seed $seed: 3 runs agree" --seed $seed --scenario scenarios/no-faults.scenario --steps 2000
done
for seed in 1 2; do
    deterministic "process-crash seed $seed (faults): 3 runs agree" --seed $seed --scenario scenarios/process-crash.scenario
    if grep -qE '^faults injected: .*process_crash [1-9]' "$tmp/check"; then ok "process-crash seed $seed injected crashes"
    else not_ok "process-crash seed $seed injected crashes" "no process_crash fault in run 1's summary"; fi
done
deterministic "disk-mixed seed 1 (power losses, disk faults): 3 runs agree" --seed 1 --scenario scenarios/disk-mixed.scenario --steps 10000

# A run that violates an invariant: runs 1 and 2 stop at it; run 3 (no invariant
# checks) must agree up to it and may go on.
"$SIM" --seed 1 --steps 5000 --bug runqueue-double-enqueue --log warn --check-determinism > "$tmp/bug" 2>&1
got=$?
if [ $got -ne 0 ]; then not_ok "a violating seed is deterministic" "exit $got"
elif ! grep -qE "^deterministic: .*runs exited 1; run 3 without invariant checks agreed up to run 1's violation" "$tmp/bug"; then
    not_ok "a violating seed is deterministic" "no verdict naming the violation: $(tail -1 "$tmp/bug")"
else ok "a violating seed is deterministic, run 3 agrees up to the violation"; fi

"$SIM" --seed 1 --steps 2000 --log warn --bug sim-nondeterministic --check-determinism > "$tmp/nd" 2>&1
got=$?
step_re='step=1000 t=[0-9]+\.[0-9]{9} n0 sim_step a=0 b=[0-9]+ c=0'
if [ $got -ne 3 ]; then not_ok "planted nondeterminism exits 3" "exit $got"; else ok "planted nondeterminism exits 3"; fi
if grep -qE '^nondeterministic: run 2 differs from run 1 at event #[0-9]+$' "$tmp/nd"; then ok "names the runs and the event index"
else not_ok "names the runs and the event index" "no 'nondeterministic: run 2 differs' line"; fi
r1=$(grep -E "^  run 1: #[0-9]+ $step_re$" "$tmp/nd")
r2=$(grep -E "^  run 2: #[0-9]+ $step_re$" "$tmp/nd")
if [ -n "$r1" ] && [ -n "$r2" ] && [ "${r1#*b=}" != "${r2#*b=}" ] && [ "${r1%% step=*}" != "" ]; then
    ok "prints the first divergent event of both runs (index, step, time, node, kind, arguments)"
else not_ok "prints the first divergent event of both runs" "$(grep -A2 '^first divergent' "$tmp/nd" | tr '\n' ' ')"; fi
index=$(grep -oE '^nondeterministic: .* #[0-9]+' "$tmp/nd" | grep -oE '[0-9]+$')
before=$(grep -cE "^  #[0-9]+ step=" "$tmp/nd")
last_before=$(grep -oE "^  #[0-9]+ step=" "$tmp/nd" | tail -1 | grep -oE '[0-9]+')
if [ "$before" -ge 3 ] && [ -n "$index" ] && [ "$last_before" = "$((index - 1))" ]; then ok "prints the events before it"
else not_ok "prints the events before it" "$before events, last #$last_before, divergent #$index"; fi
"$SIM" --seed 1 --steps 2000 --log warn --bug sim-nondeterministic > "$tmp/nd_plain" 2>&1
check "the planted bug alone does not fail a run" grep -q '^result: pass' "$tmp/nd_plain"
check "--help documents --check-determinism and exit status 3" bash -c \
    "'$SIM' --help | grep -q -- '--check-determinism' && '$SIM' --help | grep -q '3 runs of --check-determinism differ'"
check "--list-bugs lists sim-nondeterministic" bash -c "'$SIM' --list-bugs | grep -q '^sim-nondeterministic '"
