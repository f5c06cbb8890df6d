#!/usr/bin/env bash
# The resource attacks on the real image (issue 9): QEMU boots with a blank disk and
# init.attack=1; init runs each attack as xy in turn (exhaust: processes, memory, open
# files, disk, inodes, /tmp's entries, root's password), each followed by rootcheck as
# root (root's password works, /etc/passwd reads, passwd, the auth log, a file, a name
# in /tmp, a program, xy's files removed and xy's space back). The same programs run in
# the simulator (scenarios/attack*.scenario, tests/t_attack.sh).
source "$(dirname "$0")/lib.sh"
source tests/qemu_lib.sh
logs=build/test-logs/qemu-attack
mkdir -p "$logs"
disk=$logs/disk.img
out=$logs/console.log
truncate -s 0 "$disk" && truncate -s 32M "$disk"
QEMU_TIMEOUT_S=300 qemu_boot "$out" "init.rounds=0 init.attack=1 init.end=poweroff loglevel=warn" \
    -drive "file=$disk,format=raw,if=none,id=disk0" -device virtio-blk-device,drive=disk0
status=$?
lines=$logs/console.txt
tr -d '\r' < "$out" > "$lines"
check "QEMU powered off at the end of the attack phase" test $status -eq 0
for what in processes memory files disk inodes entries passwords; do
    check "exhaust $what ended as expected" grep -qxF "init: exhaust $what exited 0" "$lines"
    check "rootcheck after $what passed" grep -qxF "init: rootcheck after $what exited 0" "$lines"
done
check "processes: xy was stopped by E_AGAIN" grep -qE '^exhaust: processes: took [0-9]+, then E_AGAIN$' "$lines"
check "memory: xy was stopped by E_NOMEM" grep -qE '^exhaust: memory: took [0-9]+, then E_NOMEM$' "$lines"
check "open files: xy was stopped by E_NFILE" grep -qE '^exhaust: open files: took [0-9]+, then E_NFILE$' "$lines"
check "disk: xy was stopped by its quota (E_DQUOT)" grep -qE '^exhaust: disk: took [0-9]+, then E_DQUOT$' "$lines"
check "inodes: xy was stopped by its quota (E_DQUOT)" grep -qE '^exhaust: inodes: took [0-9]+, then E_DQUOT$' "$lines"
check "/tmp: xy was stopped by its share (E_NOSPC)" grep -qE '^exhaust: directory entries: took [0-9]+, then E_NOSPC$' "$lines"
check "no rootcheck failed" test "$(grep -c 'rootcheck: .*FAILED' "$lines")" -eq 0
check "the attack phase ended with 0 unexpected" grep -qxF "init: attack phase done, 0 unexpected" "$lines"
grep -E '^(exhaust|~rootcheck): ' "$lines" | sed 's/^/  /' >&2
