#!/usr/bin/env bash
# The default run (basin-sim without --scenario) exercises the whole system for 10 s of
# simulated time: lives that end in init's reboot and in power losses, the test
# programs, the filesystem phase, storage and both fuzzers; the summary says what ran;
# a life that never reaches init's end is caught (the scenario key `life`).
source "$(dirname "$0")/lib.sh"
source tests/sim_lib.sh
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
SEED=${DEFAULT_SEED:-2} # a seed whose swarm leaves lives long enough to end in reboots

# number FILE REGEX: the first number after REGEX in the run's output.
number() { grep -oE "$2 [0-9]+" "$1" | head -1 | grep -oE '[0-9]+$'; }

"$SIM" --seed "$SEED" --log error > "$tmp/run" 2>&1
status=$?
check "default run, seed $SEED, passes" test $status -eq 0
check "it runs to its 10 s time limit" grep -q '^result: pass (time limit reached)$' "$tmp/run"
# The last step's time: the run stops before a step that would pass the limit (an idle
# node's next deadline, z6's timer among them), so it may end a little short of 10 s.
check "its simulated time is 10 s (the last step within 0.1 s of the limit)" \
    grep -qE '^simulated time: (9\.9[0-9]*|10\.[0-9]+) s$' "$tmp/run"
ran=$(grep '^ran: ' "$tmp/run")
reboots=$(echo "$ran" | grep -oE '[0-9]+ after init.s reboot' | grep -oE '^[0-9]+')
lives=$(echo "$ran" | grep -oE '[0-9]+ lives held' | grep -oE '^[0-9]+')
check "lives end in init's reboot and boot again ($reboots)" test "${reboots:-0}" -ge 2
check "each such life is counted against the life limit ($lives)" test "${lives:-0}" -eq "${reboots:-x}"
check "the summary counts syscalls ($(number "$tmp/run" 'limit reached init.s end;'))" \
    grep -qE '^ran: .*; [1-9][0-9]{3,} syscalls;' "$tmp/run"
check "the summary counts GrainDB commits" grep -qE '^ran: .*; [1-9][0-9]{2,} GrainDB commits$' "$tmp/run"
checks=$(grep '^workload checks reported:' "$tmp/run")
for name in "init storage verify at boot" "storage verify" "init round" "fstest" "permtest" "shtest" \
            "storage run" "init fs phase" "fuzz escalations" "init fuzz phase"; do
    count=$(echo "$checks" | grep -oE "[:,] $name [0-9]+" | grep -oE '[0-9]+$')
    check "the workload reached '$name' more than once (${count:-0})" test "${count:-0}" -ge 2
done
check "--print-scenario without --scenario is default.scenario's settings" \
    cmp -s <("$SIM" --print-scenario) <("$SIM" --print-scenario --scenario scenarios/default.scenario)
check "the default's settings have a life limit" grep -q '^life = 5s$' <("$SIM" --print-scenario)

# Liveness: with a planted bug that leaves a parent asleep in wait forever, a life
# never reaches init's reboot; the life limit catches it (init.end=reboot would
# otherwise never be held to anything).
"$SIM" --seed 1 --bug exit-forgets-waiting-parent --log error > "$tmp/hang" 2>&1
status=$?
check "a hung life fails the default run (exit $status)" test $status -eq 1
check "caught by workload_reaches_end" grep -q '^invariant violated: workload_reaches_end$' "$tmp/hang"
check "the report names the life limit" grep -q "has run longer than the scenario's life limit (5.000 s" "$tmp/hang"
"$SIM" --seed 1 --bug exit-forgets-waiting-parent --set life=2s --log error > "$tmp/hang2" 2>&1
check "--set life=2s catches it sooner" grep -q "life limit (2.000 s" "$tmp/hang2"
check "a bad life value is refused naming it" bash -c "'$SIM' --seed 1 --set life=soon 2>&1 | grep -q \"'soon' is not a duration\""
