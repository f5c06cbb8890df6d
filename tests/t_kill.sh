#!/usr/bin/env bash
# kill() and "#!" scripts (issue 12) in the simulator: init's filesystem phase runs
# killtest as root (src/user/tests/killtest.c), which kills its children and reads
# their wait statuses, runs its xy part as uid 1000, and spawns scripts. Checks its
# verdict and the lines that carry each promise (signaled 15 for root's TERM; xy's
# E_PERM on root's process, which then still lives; pid 1 refused; E_SRCH; a script
# run through /bin/sh with its arguments; a bad #! line E_NOEXEC); the simulator's
# kill_needs_permission check ran; the planted bug kill-any-uid is caught by it; and
# the real image on QEMU prints the same killtest lines as the simulator.
source "$(dirname "$0")/lib.sh"
source tests/sim_lib.sh
source tests/qemu_lib.sh
logs=build/test-logs/kill
mkdir -p "$logs"
log=$logs/seed1.log

"$SIM" --seed 1 --scenario scenarios/no-faults-fs.scenario > "$log" 2>&1
status=$?
has() { grep -qxF "n0| $1" "$log"; }
check "sim run with killtest passes" test $status -eq 0
check "init ran killtest, exit 0" has "init: killtest exited 0"
check "killtest: 0 failures" has "killtest: 0 failures"
check "killtest: no FAIL line" bash -c "! grep -q '^n0| killtest: .*FAIL' '$log'"
check "root's TERM: wait says signaled 15" has "killtest: queued child: signaled 15 ok"
check "KILL of a sleeping child: signaled 9" has "killtest: sleeping child: signaled 9 ok"
check "TERM of a child blocked in wait: signaled 15" has "killtest: child in wait: signaled 15 ok"
check "a process may kill itself" has "killtest: kill(self, KILL): signaled 9 ok"
check "xy may not kill root's process" has "killtest: xy: kill(root's, TERM) = -1 E_PERM ok"
check "root's process lives on after xy's kill" has "killtest: root's child still alive (wait NOHANG) = 0 ok"
check "xy may kill its own" has "killtest: xy: own child: signaled 15 ok"
check "pid 1 refused to root" has "killtest: kill(1, TERM) = -1 E_PERM ok"
check "pid 1 refused to xy" has "killtest: xy: kill(1, TERM) = -1 E_PERM ok"
check "no such pid: E_SRCH" has "killtest: kill(no such pid, KILL) = -3 E_SRCH ok"
check "bad signal: E_INVAL" has "killtest: kill(live, 99) = -22 E_INVAL ok"
check "signal_ignore(KILL): E_INVAL" has "killtest: signal_ignore(KILL) = -22 E_INVAL ok"
check "a TERM-ignoring process lives on after TERM" has "killtest: TERM-ignoring child alive (wait NOHANG) = 0 ok"
check "KILL ends a TERM-ignoring process" has "killtest: TERM-ignoring child: signaled 9 ok"
check "signal_ignore is not inherited" has "killtest: its child does not inherit it: exited 0 ok"
check "#! argv: interpreter, argument, script, arguments" \
    has 'killtest: /tmp/killtest/args.sh.out: "/test/killtest|--args|/tmp/killtest/args.sh|one|two" ok'
check "#!/bin/sh script ran with its arguments" has 'killtest: /tmp/killtest/sh.out: "world hello" ok'
check "#!/bin/sh script's exit status" has "killtest: /tmp/killtest/run.sh: exited 7 ok"
check "bad #! line: E_NOEXEC" has "killtest: spawn relative.sh = -8 E_NOEXEC ok"
check "#! interpreter that is a script: E_NOEXEC" has "killtest: spawn nested.sh = -8 E_NOEXEC ok"
check "#! line over the limit: E_NOEXEC" has "killtest: spawn long.sh (line over the limit) = -8 E_NOEXEC ok"
checks=$(grep -oE 'kill_needs_permission [0-9]+' "$log" | grep -oE '[0-9]+$')
check "kill_needs_permission judged the kills (${checks:-none})" test "${checks:-0}" -ge 7

# The rule is the simulator's too: without it, xy's kill of root's process is caught.
"$SIM" --seed 1 --scenario scenarios/no-faults-fs.scenario --bug kill-any-uid > "$logs/bug.log" 2>&1
status=$?
check "planted kill-any-uid: run fails" test $status -eq 1
check "planted kill-any-uid: caught by kill_needs_permission" \
    grep -q 'invariant violated: kill_needs_permission' "$logs/bug.log"

disk=$logs/qemu-disk.img
out=$logs/qemu.log
truncate -s 0 "$disk" && truncate -s 16M "$disk"
qemu_boot "$out" "init.fs=1 init.rounds=0 init.end=poweroff" \
    -drive "file=$disk,format=raw,if=none,id=disk0" -device virtio-blk-device,drive=disk0
check "killtest on QEMU: powered off" test $? -eq 0
check "killtest on QEMU: exit 0" grep -q '^init: killtest exited 0' "$out"
check "killtest on QEMU: the simulator's lines" \
    cmp -s <(tr -d '\r' < "$out" | grep -E '^killtest: ') <(grep -E '^n0\| killtest: ' "$log" | sed 's/^n0| //')
