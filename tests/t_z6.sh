#!/usr/bin/env bash
# z6 hosted by the kernel (issue 12) in the simulator: the services the first boot
# provisions (kernel/boot/provision_z6.c) start at boot in dependency order (a down one
# does not), a crash runs finish with s6's arguments and is restarted after its delay
# until the crash limit makes it failed, a clean exit is restarted (restart=always),
# z6ctl status reads the same table as root and as xy, xy may not stop root's service
# and may restart its own; and a default run (power losses, disk faults) passes with
# the services running.
source "$(dirname "$0")/lib.sh"
source tests/sim_lib.sh
logs=build/test-logs/z6
mkdir -p "$logs"
log=$logs/seed1-idle.log

# No faults, init's filesystem phase (where init runs z6ctl), then init idles: 8 s.
"$SIM" --seed 1 --scenario scenarios/no-faults-fs.scenario --set "bootargs=init.end=idle init.fs=1" \
    --set time=8s > "$log" 2>&1
status=$?
has() { grep -qxF "n0| $1" "$log"; }
kernel_has() { grep -qE "^n0\| \[ *[0-9.]+\] kernel: $1\$" "$log"; }
# The console times (s) of a kernel line matching PATTERN, one per line.
times_of() { sed -nE "s/^n0\| \[ *([0-9.]+)\] kernel: $1\$/\1/p" "$log"; }
count_of() { times_of "$1" | wc -l; }

check "sim run passes" test $status -eq 0
check "z6 loaded 8 services (getty among them), none refused" kernel_has "z6: 8 services, 0 refused"
check "ticker started at boot" kernel_has "z6: ticker: run started, pid [0-9]+"
check "crasher started at boot" kernel_has "z6: crasher: run started, pid [0-9]+"
check "a down service is not started" test "$(count_of 'z6: standby: run started, pid [0-9]+')" -eq 0
first_ticker=$(grep -nE 'kernel: z6: ticker: run started' "$log" | head -1 | cut -d: -f1)
first_web=$(grep -nE 'kernel: z6: web: run started' "$log" | head -1 | cut -d: -f1)
check "web (depends on ticker) starts after it" test "${first_web:-0}" -gt "${first_ticker:-999999}"
check "the crash is seen as signal 4 (illegal instruction)" kernel_has "z6: crasher: killed by signal 4"
# finish's output goes to the service's log (tests/t_z6_log.sh), which xy reads.
check "finish gets 256, the signal and the name, as in s6 (in crasher's log)" \
    grep -qE "^n0\| [0-9T:.-]+Z ~z6svc: finish 256 4 crasher$" "$log"
# Restarted after restart-delay-ms (1500) from the previous spawn, not sooner, and not
# much later (the console stamps lag the engine's clock by the spawn's own cost).
crasher_gaps=$(times_of 'z6: crasher: run started, pid [0-9]+' | awk 'NR > 1 { printf "%.3f\n", $1 - last } { last = $1 }')
check "the crasher is restarted" test -n "$crasher_gaps"
check "each restart waits out the 1500 ms delay (gaps: $(echo $crasher_gaps))" \
    bash -c "echo '$crasher_gaps' | awk '\$1 < 1.5 || \$1 > 1.6 { bad = 1 } END { exit bad }'"
check "the crash limit (4 a minute) makes it failed" kernel_has "warning: z6: crasher: failed: crash limit reached"
check "no spawn after failed: 4 starts" test "$(count_of 'z6: crasher: run started, pid [0-9]+')" -eq 4
check "a clean exit is restarted (restart always)" test "$(count_of 'z6: web: run started, pid [0-9]+')" -ge 5
check "ticker runs on: started once" test "$(count_of 'z6: ticker: run started, pid [0-9]+')" -eq 1

# z6ctl status: its lines (a header, then one per service) just before init's
# "exited" line, as root then as xy.
status_block() { # LABEL
    awk -v end="n0| init: $1 exited 0" '$0 == end { printf "%s", block; exit }
        /^n0\| NAME +STATE +PID/ { block = ""; take = 1; next } /^n0\| init: / { take = 0 }
        take { block = block $0 "\n" }' "$log"
}
root_status=$(status_block "z6ctl status as root")
xy_status=$(status_block "z6ctl status as xy")
echo "$root_status" | sed 's/^/# /'
status_has() { echo "$root_status" | grep -qE "$1"; }
check "status as root lists 8 services" test "$(echo "$root_status" | grep -c .)" -eq 8
check "status: ticker up with its pid, time in state, restarts, last exit, readiness" \
    status_has '^n0\| ticker +up +[1-9][0-9]* +[0-9]+\.[0-9]{3}s +0 +none +no$'
check "status: standby down, wanted down" status_has '^n0\| standby +down +0 .*no \(wanted down\)$'
check "status: getty (the console login) down without init.end=login" \
    status_has '^n0\| getty +down +0 .*no \(wanted down\)$'
check "status: crasher's last exit is signal 4" status_has '^n0\| crasher +[a-z]+ +[0-9]+ .* signal 4 +no$'
check "status as xy lists the same 8 services" \
    test "$(echo "$xy_status" | awk '{ print $2, $3 }')" = "$(echo "$root_status" | awk '{ print $2, $3 }')"
check "xy's z6ctl stop of root's ticker: E_PERM and a clear message" \
    has "z6ctl: stop ticker: E_PERM: only root or the service's user may"
check "xy's z6ctl stop exits 1" has "init: z6ctl stop ticker as xy exited 1"
check "ticker was not stopped" test "$(count_of 'z6: ticker: stopping \(TERM\)')" -eq 0
check "xy may restart web, its own service" has "init: z6ctl restart web as xy exited 0"
check "the kernel logs xy's command" kernel_has "z6: web: command 2 by pid [0-9]+ \(uid 1000\)"

# A default run (power losses, disk faults, the swarm): passes, and z6 runs at each boot.
default_log=$logs/seed2-default.log
"$SIM" --seed 2 > "$default_log" 2>&1
status=$?
check "default seed 2 passes" test $status -eq 0
boots=$(grep -cE "kernel: Grain Basin booting" "$default_log")
loads=$(grep -cE "kernel: z6: 8 services, 0 refused" "$default_log")
check "default seed 2: z6 loaded at every boot with a usable disk ($loads of $boots boots)" test "$loads" -ge 1
