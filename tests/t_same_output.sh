#!/usr/bin/env bash
# The same user program binaries, byte for byte, run on QEMU and in basin-sim, and
# print the same deterministic console output.
source "$(dirname "$0")/lib.sh"
source tests/qemu_lib.sh
source tests/sim_lib.sh
logs=build/test-logs/same-output
mkdir -p "$logs"

# Byte for byte: the one archive build/riscv/initrd.cpio is embedded in both.
contains() { python3 -c 'import sys; a=open(sys.argv[1],"rb").read(); b=open(sys.argv[2],"rb").read(); sys.exit(0 if a in b else 1)' "$@"; }
check "initrd.cpio embedded in the RISC-V image" contains build/riscv/initrd.cpio build/riscv/Image
check "initrd.cpio embedded in basin-sim" contains build/riscv/initrd.cpio "$SIM"

qemu_boot "$logs/qemu.log" "init.end=poweroff"
check "QEMU run powered off" test $? -eq 0
# No disk on either side: with one, the sim would start the services of /etc/z6 (z6)
# and every later pid would differ from QEMU's.
"$SIM" --seed 1 --scenario scenarios/no-faults.scenario --set disk.size=0 --log info > "$logs/sim.log" 2>&1
check "sim run passed" test $? -eq 0
# Concurrent children finish in a different order on the two targets (native vs
# interpreted speed), so compare program by program: a stable sort on the name keeps
# each program's own lines in order.
sed -n 's/^n0| //p' "$logs/sim.log" | deterministic_user_lines | sort -s -t: -k1,1 > "$logs/sim.lines"
deterministic_user_lines < "$logs/qemu.log" | sort -s -t: -k1,1 > "$logs/qemu.lines"
lines=$(wc -l < "$logs/qemu.lines")
check "QEMU printed the workload ($lines deterministic lines)" test "$lines" -ge 20
if diff -u "$logs/qemu.lines" "$logs/sim.lines" > "$logs/diff.txt"; then
    ok "deterministic console output identical on QEMU and in the sim ($lines lines)"
else
    not_ok "deterministic console output identical" "see $logs/diff.txt: $(head -8 "$logs/diff.txt" | tail -4 | tr '\n' ';')"
fi

# The same with the filesystem: QEMU on a blank virtio disk, the sim on its blank disk.
truncate -s 0 "$logs/disk.img" && truncate -s 32M "$logs/disk.img"
qemu_boot "$logs/qemu-fs.log" "init.end=poweroff init.fs=1" \
    -drive "file=$logs/disk.img,format=raw,if=none,id=disk0" -device virtio-blk-device,drive=disk0
check "QEMU run with a disk powered off" test $? -eq 0
"$SIM" --seed 1 --scenario scenarios/no-faults-fs.scenario --log info > "$logs/sim-fs.log" 2>&1
check "sim run with the filesystem passed" test $? -eq 0
sed -n 's/^n0| //p' "$logs/sim-fs.log" | deterministic_user_lines | sort -s -t: -k1,1 > "$logs/sim-fs.lines"
deterministic_user_lines < "$logs/qemu-fs.log" | sort -s -t: -k1,1 > "$logs/qemu-fs.lines"
check "the filesystem phase ran (fstest passed on QEMU)" grep -q "^fstest: 0 failures" "$logs/qemu-fs.lines"
lines=$(wc -l < "$logs/qemu-fs.lines")
if diff -u "$logs/qemu-fs.lines" "$logs/sim-fs.lines" > "$logs/diff-fs.txt"; then
    ok "with the filesystem: deterministic console output identical ($lines lines)"
else
    not_ok "with the filesystem: identical output" "see $logs/diff-fs.txt: $(head -8 "$logs/diff-fs.txt" | tail -4 | tr '\n' ';')"
fi
