#!/usr/bin/env bash
# The shell's output redirection in the simulator: init's filesystem phase runs
# shtest as xy (`sh -c` lines with > and >>, read back byte for byte). Checks its
# verdict, the shell's own messages, the shell's output back on the console after a
# redirection, the same lines for another seed, and a second run on the same disk
# (init.end=reboot boots again and again, so shtest finds what the last run left).
source "$(dirname "$0")/lib.sh"
source tests/sim_lib.sh
logs=build/test-logs/shell
mkdir -p "$logs"

run() { # LOG SEED SCENARIO
    "$SIM" --seed "$2" --scenario "$3" > "$1" 2>&1
}
shtest_lines() { grep -E '^n0\| (shtest|sh|cat): ' "$1"; }

run "$logs/seed1.log" 1 scenarios/no-faults-fs.scenario
status=$?
log=$logs/seed1.log
check "sim run with init.fs=1 passes" test $status -eq 0
check "init ran shtest as xy, exit 0" grep -q '^n0| init: shtest exited 0$' "$log"
check "shtest: 0 failures" grep -q '^n0| shtest: 0 failures$' "$log"
check "shtest: no FAIL line" bash -c "! grep -q '^n0| shtest: .*FAIL' '$log'"
check "shtest ran as uid 1000 in /home/xy/shtest" grep -q '^n0| shtest: uid 1000 in /home/xy/shtest$' "$log"
check "> truncates" grep -q "^n0| shtest: sh -c 'whoami >out' = 0 ok$" "$log"
check ">> appends" grep -qF 'n0| shtest: out: "xy\n/home/xy/shtest\nxy\n" ok' "$log"
check "sh names the file it cannot open" grep -q '^n0| sh: locked/f: E_ACCES$' "$log"
check "sh reports a missing file name" grep -q '^n0| sh: syntax error' "$log"
check "sh output back on the console after a redirection" grep -qx 'n0| /home/xy/shtest' "$log"
check "sh's fd 1 restored (captured by shtest)" grep -qF 'n0| shtest: captured: "xy\n/home/xy/shtest\n" ok' "$log"

run "$logs/seed2.log" 2 scenarios/no-faults-fs.scenario
check "another seed: same shtest lines" cmp -s <(shtest_lines "$logs/seed1.log") <(shtest_lines "$logs/seed2.log")

# The same disk again and again: every run must pass.
scenario=$logs/reboot.scenario
printf 'include = %s\nbootargs = init.end=reboot init.fs=1\ntime = 3s\n' \
    "$PWD/scenarios/no-faults-fs.scenario" > "$scenario"
run "$logs/reboot.log" 3 "$scenario"
status=$?
runs=$(grep -c '^n0| init: shtest exited 0$' "$logs/reboot.log")
check "reboots: sim passes" test $status -eq 0
check "reboots: shtest passed on 2+ boots of one disk ($runs)" test "$runs" -ge 2
check "reboots: shtest never failed" bash -c "! grep -q '^n0| init: shtest exited [^0]' '$logs/reboot.log'"
