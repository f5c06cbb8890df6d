#!/usr/bin/env bash
# A machine that cannot power off: QEMU's sifive_u (HiFive Unleashed) under the same
# OpenSBI has a reboot device but no shutdown device, so SBI SRST shutdown answers "not
# supported". The kernel must say that power-off is not possible and halt, not claim to
# power off and hang. QEMU itself never exits then: the test stops it once the line is
# there and the console has stayed quiet.
source "$(dirname "$0")/lib.sh"
source tests/qemu_lib.sh
logs=build/test-logs/qemu-sifive-u
mkdir -p "$logs"
log=$logs/poweroff.log
line="hw: power-off not possible on this machine (SBI SRST shutdown: not supported); halted"

: > "$log"
qemu-system-riscv64 -machine sifive_u -m 128M -nographic -bios "$OPENSBI_FW" \
    -kernel build/riscv/Image -append "init.end=poweroff init.rounds=0" < /dev/null > "$log" 2>&1 &
qemu=$!
waited=0
until grep -qF "$line" "$log" || [ $waited -ge $((QEMU_TIMEOUT_S * 5)) ] || ! kill -0 $qemu 2> /dev/null; do
    sleep 0.2; waited=$((waited + 1))
done
sleep 2 # a halted machine prints nothing more
alive=no
kill -0 $qemu 2> /dev/null && alive=yes
kill $qemu 2> /dev/null
wait $qemu 2> /dev/null

check "sifive_u: the kernel booted" grep -q "kernel: Grain Basin booting" "$log"
check "sifive_u: init asked to power off" grep -q "^init: end poweroff" "$log"
check "sifive_u: the kernel tried SBI SRST" grep -qF "hw: power off (SBI SRST)" "$log"
check "sifive_u: the kernel says power-off is not possible and halted" grep -qF "$line" "$log"
last=$(tr -d '\r' < "$log" | grep -v '^qemu-system' | grep . | tail -1)
check "sifive_u: nothing after the halt line" test "${last#*] }" = "$line"
check "sifive_u: QEMU still running (halted, not crashed or reset)" test $alive = yes
