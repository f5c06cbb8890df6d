#!/usr/bin/env bash
# Unix file semantics on both targets with the same results: init's filesystem phase
# runs semtest (as root, which runs semwalk, semlink and semattr as xy), on QEMU with
# a blank virtio disk and in the simulator on its blank disk. Every check line of the
# four programs must be the same, in the same order, and report no failure.
source "$(dirname "$0")/lib.sh"
source tests/qemu_lib.sh
source tests/sim_lib.sh
logs=build/test-logs/qemu-semantics
mkdir -p "$logs"

semantics_lines() { deterministic_user_lines | grep -E '^(semtest|semwalk|semlink|semattr): ' ; }

truncate -s 0 "$logs/disk.img" && truncate -s 32M "$logs/disk.img"
qemu_boot "$logs/qemu.log" "init.end=poweroff init.fs=1" \
    -drive "file=$logs/disk.img,format=raw,if=none,id=disk0" -device virtio-blk-device,drive=disk0
check "QEMU run with a blank disk powered off" test $? -eq 0
"$SIM" --seed 1 --scenario scenarios/no-faults-fs.scenario --log info > "$logs/sim.log" 2>&1
check "sim run with the filesystem phase passed" test $? -eq 0

semantics_lines < "$logs/qemu.log" > "$logs/qemu.lines"
sed -n 's/^n0| //p' "$logs/sim.log" | semantics_lines > "$logs/sim.lines"
checks=$(grep -c ' ok$' "$logs/qemu.lines")
check "QEMU ran the semantics checks ($checks ok)" test "$checks" -ge 300
for program in semwalk semlink semattr semtest; do
    check "QEMU: $program: 0 failures" grep -q "^$program: 0 failures$" "$logs/qemu.lines"
    check "sim: $program: 0 failures" grep -q "^$program: 0 failures$" "$logs/sim.lines"
done
check "no FAIL line on QEMU" bash -c "! grep -q 'FAIL' '$logs/qemu.lines'"
if diff -u "$logs/qemu.lines" "$logs/sim.lines" > "$logs/diff.txt"; then
    ok "the same $(wc -l < "$logs/qemu.lines") semantics lines on QEMU and in the sim"
else
    not_ok "the same semantics lines on both targets" "see $logs/diff.txt: $(head -8 "$logs/diff.txt" | tail -4 | tr '\n' ';')"
fi
