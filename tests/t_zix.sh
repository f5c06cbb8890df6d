#!/usr/bin/env bash
# Zix's builds (issue 13) in the simulator, driven by init's zix phase (init.zix=1,
# src/user/tests/zixtest.c): a build registers and its bytes read back; START again is
# CACHED with no builder; PATH equals START's path; a failing builder is FAILED and
# registers nothing; the sandbox refuses /etc/passwd, /zix/store and "/" (E_ACCES) and
# sudo (E_PERM); the fixed clock and random stream make CHECK SAME; a source is imported
# and read; a cycle is E_LOOP; an unbuilt recipe input is E_AGAIN naming its file; xy
# builds too, may not WAIT root's build, and may not register past its share of the
# store (64 paths: E_DQUOT). The kernel's lines and trace say the same.
source "$(dirname "$0")/lib.sh"
source tests/sim_lib.sh
logs=build/test-logs/zix
mkdir -p "$logs"
log=$logs/seed1-zix.log

trace=$logs/seed1-zix.trace
"$SIM" --seed 1 --scenario scenarios/no-faults-fs.scenario --set "bootargs=init.rounds=0 init.zix=1" \
    --set time=120s --set disk.size=33554432 --trace "$trace" > "$log" 2>&1
status=$?
has() { grep -qxF "n0| $1" "$log"; }
kernel_has() { grep -qE "^n0\| \[ *[0-9.]+\] kernel: $1\$" "$log"; }
count_of() { grep -cE "^n0\| \[ *[0-9.]+\] kernel: $1\$" "$log"; }

check "sim run passes" test $status -eq 0
check "zixtest as root: every check passed" grep -qE "zixtest root: 0 failures" "$log"
check "zixtest as xy: every check passed" grep -qE "zixtest xy: 0 failures" "$log"
check "init's zix phase: every job ended as expected" has "init: zix phase done, 0 unexpected"
check "no check failed anywhere" bash -c '! grep -qE " FAIL( |$)" "$1"' _ "$log"
check "the sandbox's refusals are logged" kernel_has "zix: build [0-9]+: pid [0-9]+: open\(\) refused: /etc/passwd"
check "sudo refused in the sandbox is logged" kernel_has "zix: build [0-9]+: pid [0-9]+: sudo\(\) refused: not in a build"
check "the failing build ended FAILED (status 4)" kernel_has "zix: build [0-9]+: /zix/store/[0-9a-z]{32}-fails ended: status 4, 0 sandbox refusals"
check "builders run as build users" kernel_has "zix: build [0-9]+: /zix/store/[0-9a-z]{32}-hello started as pid [0-9]+ \(uid 3000[0-3]\), log /var/log/zix/[0-9a-z]{32}-hello.log"
check "hello was built by root and xy, and rebuilt by CHECK and REPAIR: never again (CACHED)" \
    test "$(count_of 'zix: build [0-9]+: /zix/store/[0-9a-z]{32}-hello started as .*')" -eq 4

# The trace: every build that started was spawned and ended; the refusals are events.
events() { grep -cE " $1 " "$trace"; }
check "trace: 20 builds started, each spawned and ended (3 of them xy's builds of 16 sources each)" \
    test "$(events zix_build_start) $(events zix_builder_spawned) $(events zix_build_end)" = "20 20 20"
check "trace: the probe's 4 refusals (open, open, stat, sudo)" test "$(events zix_sandbox_refused)" -eq 4
check "trace: 75 registrations (11 of root's, 2 of them sources; 3 of xy's, then 61 more up to its share of 64)" \
    test "$(events zix_registered)" -eq 75
check "xy's share of the store: refused (E_DQUOT) at 64 paths" has "zixtest: xy's share: 61 paths registered before the refusal (-122)"
check "trace: START of a registered path is a cache hit" test "$(events zix_cache_hit)" -ge 1

# Under injected faults (a failing disk, power losses, crashed processes, a jumping
# clock) the kernel never panics and every invariant holds; the checks that fail name
# the faults that struck (excused).
for run in power-loss:2 disk-write-errors:1 process-crash:2 clock-chaos:2; do
    scenario=${run%%:*} seed=${run##*:}
    fault_log=$logs/seed$seed-$scenario.log
    "$SIM" --seed "$seed" --scenario "scenarios/$scenario.scenario" --set "bootargs=init.rounds=0 init.zix=1" \
        --set time=120s > "$fault_log" 2>&1
    check "faults ($scenario, seed $seed): the run passes" test $? -eq 0
done
