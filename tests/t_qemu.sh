#!/usr/bin/env bash
# Boots the real image under OpenSBI on QEMU virt, non-interactively, and checks the
# console: boot, the workload, faults reported, and the end init asked for.
source "$(dirname "$0")/lib.sh"
source tests/qemu_lib.sh
logs=build/test-logs/qemu
mkdir -p "$logs"

qemu_boot "$logs/poweroff.log" "init.end=poweroff"
status=$?
check "poweroff: QEMU exits 0 when init powers off" test $status -eq 0
check "poweroff: boot banner" grep -q "kernel: Grain Basin booting" "$logs/poweroff.log"
check "poweroff: hello ran and exited 0" grep -q "^init: hello exited 0" "$logs/poweroff.log"
check "poweroff: bad pointer program killed by a page fault" grep -qE "^init: badptr killed: page fault" "$logs/poweroff.log"
check "poweroff: illegal instruction program killed" grep -qE "^init: illegal killed: illegal instruction" "$logs/poweroff.log"
# The counters, as in the simulator (tests/t_sim_counters.sh): time readable, cycle not.
check "poweroff: rdtime read the time CSR, never backwards" grep -q "^rdtime: the time CSR is readable and never went back in 100 reads" "$logs/poweroff.log"
check "poweroff: rdcycle killed rdtime as an illegal instruction" grep -qE "^init: rdtime killed: illegal instruction pc=0x[0-9a-f]+ addr=0xc00025f3" "$logs/poweroff.log"
check "poweroff: uid 1000 cannot shut down" grep -qE "^init: shutdown_denied exited 0" "$logs/poweroff.log"
check "poweroff: spinner finished" grep -qE "^spinner: " "$logs/poweroff.log"
check "poweroff: init announced the end" grep -q "^init: end poweroff" "$logs/poweroff.log"

# -no-reboot turns the reboot into an exit, so the test can see it happen.
qemu_boot "$logs/reboot.log" "init.end=reboot" -no-reboot
status=$?
check "reboot: QEMU leaves on reboot (-no-reboot)" test $status -eq 0
check "reboot: init asked for it" grep -q "^init: end reboot" "$logs/reboot.log"
check "reboot: kernel reboots" grep -q "kernel: reboot requested by pid 1" "$logs/reboot.log"
