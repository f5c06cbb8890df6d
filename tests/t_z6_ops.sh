#!/usr/bin/env bash
# z6's operations (issue 12) in the simulator, driven by init's z6 phase (init.z6=1,
# src/user/programs/init_z6.h) on the services of the first boot:
#   - xy's z6ctl commands on its own service: the kernel logs Z6_COMMAND_LOG_BURST (8)
#     of a flood of 12, counts the rest, and says how many with its next line;
#   - /etc/z6 edited (base <- top added, crasher's delay changed, standby removed), then
#     z6ctl reload: refused to xy, done for root; unchanged services keep running (ticker
#     is never started again), new ones start in dependency order, status shows them;
#   - the power-off stops every service before the machine goes down, dependents first
#     (top's TERM and exit before base's TERM), and the node ends powered off.
source "$(dirname "$0")/lib.sh"
source tests/sim_lib.sh
logs=build/test-logs/z6-ops
mkdir -p "$logs"
log=$logs/seed1-z6.log

"$SIM" --seed 1 --scenario scenarios/no-faults-fs.scenario --set "bootargs=init.rounds=0 init.z6=1" \
    --set time=20s > "$log" 2>&1
status=$?
has() { grep -qxF "n0| $1" "$log"; }
kernel_has() { grep -qE "^n0\| \[ *[0-9.]+\] kernel: $1\$" "$log"; }
count_of() { grep -cE "^n0\| \[ *[0-9.]+\] kernel: $1\$" "$log"; }
# The log's line number of the first kernel line matching PATTERN (0: none).
line_of() { grep -nE "^n0\| \[ *[0-9.]+\] kernel: $1\$" "$log" | head -1 | cut -d: -f1 | sed 's/^$/0/'; }
before() { local a b; a=$(line_of "$1"); b=$(line_of "$2"); [ "${a:-0}" -gt 0 ] && [ "${b:-0}" -gt "$a" ]; }

check "sim run passes" test $status -eq 0
check "init's z6 phase: every job ended as expected" has "init: z6 phase done, 0 unexpected"

# The rate limit of xy's command lines.
check "13 restarts by xy: 8 logged at once, 1 after the refill" \
    test "$(count_of 'z6: web: command 2 by pid [0-9]+ \(uid 1000\)')" -eq 9
check "the 4 not logged are counted and said" kernel_has "z6: 4 earlier commands of uid 1000 not logged \(rate limit\)"
after_count=$(grep -A1 -E "kernel: z6: 4 earlier commands of uid 1000 not logged" "$log" | tail -1)
check "the count comes with the next logged line" \
    bash -c '[[ "$1" =~ "kernel: z6: web: command 2 by pid" ]]' _ "$after_count"
check "root's reload is logged" kernel_has "z6: reload by pid [0-9]+ \(uid 0\)"

# Reload.
check "xy's reload: E_PERM, exit 1" has "z6ctl: reload: E_PERM: only root may"
check "xy's reload exits 1" has "init: z6ctl reload as xy exited 1"
check "root's reload: 6 kept (getty, notifier, printer, ticker, waiter, web), 1 changed, 3 added (base, top, lingerer), 1 removed" \
    kernel_has "z6: reloaded: 10 services: 6 kept, 1 changed, 3 added, 1 removed, 0 refused"
check "the new services start, base before top (top needs base)" \
    before "z6: base: run started, pid [0-9]+" "z6: top: run started, pid [0-9]+"
check "ticker (unchanged) keeps running: started once in the run" \
    test "$(count_of 'z6: ticker: run started, pid [0-9]+')" -eq 1
status_block=$(sed -n '/^n0| NAME  *STATE/,/^n0| init: z6ctl status after reload/p' "$log")
check "status after reload: base and top up" \
    bash -c '[[ "$1" =~ "n0| base             up" && "$1" =~ "n0| top              up" ]]' _ "$status_block"
check "status after reload: standby (removed, at rest) is gone" \
    bash -c '! [[ "$1" =~ standby ]]' _ "$status_block"

# The shutdown: services stop first, dependents first, each within its timeouts, then
# the power-off.
check "the power-off waits for the services" kernel_has "z6: stopping services before going down"
check "top (the dependent) gets TERM before base" before "z6: top: stopping \(TERM\)" "z6: base: stopping \(TERM\)"
check "base gets TERM only once top ended" before "z6: top: killed by signal 15" "z6: base: stopping \(TERM\)"
check "every service stopped, after base ended" before "z6: base: killed by signal 15" "z6: every service stopped"
check "lingerer's finish (it runs on) is KILLed at its timeout-finish" \
    before "z6: lingerer: finish KILLed after timeout-finish" "z6: every service stopped"
# The console time (s) of the first kernel line matching PATTERN.
time_of() { sed -nE "s/^n0\| \[ *([0-9.]+)\] kernel: $1\$/\1/p" "$log" | head -1; }
waited=$(awk -v a="$(time_of 'z6: stopping services before going down')" -v b="$(time_of 'z6: every service stopped')" \
    'BEGIN { printf "%.3f", b - a }')
check "the machine waited for it: 2 s (timeout-finish) from the shutdown to the last stop ($waited s)" \
    awk -v w="$waited" 'BEGIN { exit !(w >= 2.0 && w < 2.1) }'
last_kernel=$(grep -E "^n0\| \[ *[0-9.]+\] kernel: " "$log" | tail -1)
check "nothing of the kernel after the services stopped" \
    bash -c '[[ "$1" == *"kernel: z6: every service stopped" ]]' _ "$last_kernel"
check "the node ends powered off" grep -qx "node 0: boots 1, powered_off" "$log"

# getty: with init.end=login, init starts z6's getty service (provisioned down) and the
# console shows login's prompt; the simulator types nothing, so it waits there. (The
# prompt coming back after a logout is tests/t_qemu_login.sh's.)
login_log=$logs/seed1-login.log
"$SIM" --seed 1 --scenario scenarios/no-faults-fs.scenario --set "bootargs=init.rounds=0 init.end=login" \
    --set time=3s > "$login_log" 2>&1
check "init.end=login: the run passes" test $? -eq 0
check "init.end=login: init starts getty through z6 (root's command)" \
    grep -qE "^n0\| \[ *[0-9.]+\] kernel: z6: getty: command 0 by pid 1 \(uid 0\)$" "$login_log"
check "init.end=login: getty's run started" grep -qE "kernel: z6: getty: run started, pid [0-9]+$" "$login_log"
check "init.end=login: the prompt is on the console" grep -qE "^n0\| login: " "$login_log"
check "init.end=login: init does not run login itself" bash -c '! grep -q "init runs login itself" "$1"' _ "$login_log"
check "without init.end=login: getty is not started" bash -c '! grep -q "getty: run started" "$1"' _ "$log"

# The bound: with init.z6=2, stubborn's finish runs on with no timeout-finish; the
# power-off waits Z6_SHUTDOWN_WAIT_MAX_NS (10 s) for it, says so, and goes down anyway.
bound_log=$logs/seed1-bound.log
"$SIM" --seed 1 --scenario scenarios/no-faults-fs.scenario --set "bootargs=init.rounds=0 init.z6=2" \
    --set time=30s > "$bound_log" 2>&1
check "bound: the run passes" test $? -eq 0
check "bound: stubborn loaded by the reload" grep -qE "kernel: z6: reloaded: 11 services: .* 4 added" "$bound_log"
check "bound: stubborn's finish runs on" grep -qE "kernel: z6: stubborn: finish started, pid [0-9]+$" "$bound_log"
check "bound: the kernel says it goes down anyway" \
    grep -qE "kernel: warning: z6: 1 services still running after 10000 ms; going down anyway$" "$bound_log"
bound_from=$(sed -nE 's/^n0\| \[ *([0-9.]+)\] kernel: z6: stopping services before going down$/\1/p' "$bound_log")
bound_to=$(sed -nE 's/^n0\| \[ *([0-9.]+)\] kernel: warning: z6: 1 services still running.*/\1/p' "$bound_log")
bound_waited=$(awk -v a="$bound_from" -v b="$bound_to" 'BEGIN { printf "%.3f", b - a }')
check "bound: 10 s after the shutdown began ($bound_waited s)" \
    awk -v w="$bound_waited" 'BEGIN { exit !(w >= 10.0 && w < 10.1) }'
check "bound: not quiet, so never 'every service stopped'" bash -c '! grep -q "every service stopped" "$1"' _ "$bound_log"
check "bound: the node ends powered off" grep -qx "node 0: boots 1, powered_off" "$bound_log"
