# Helpers for tests/t_qemu_disk.sh: boots of the real image with a disk, run in the
# background so that a test can watch the console and kill QEMU at a chosen moment
# (the SIGKILL crash), and so that a machine that panicked or halted is killed at
# once instead of waiting out the timeout. Source after tests/lib.sh.
OPENSBI_FW=/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_dynamic.bin
DISK_TIMEOUT_S=${QEMU_TIMEOUT_S:-120}
DISK_KERNEL=${DISK_KERNEL:-build/riscv/Image} # override both to test another build
DISK_INITRD=${DISK_INITRD:-build/riscv/initrd.cpio}
DISK_POLL_S=0.02
# Console lines after which the machine never powers off by itself.
DISK_STUCK_PATTERN='panic: |hw: halted|hw: kernel stopped|init: FAIL: shutdown'
DISK_QEMU_PID=""

# disk_args IMAGE: QEMU arguments attaching IMAGE as a virtio-blk disk.
disk_args() {
    echo "-drive file=$1,format=raw,if=none,id=disk0 -device virtio-blk-device,drive=disk0"
}

# disk_blank IMAGE SIZE: a fresh zero-filled disk image (sparse).
disk_blank() {
    rm -f "$1" && truncate -s "$2" "$1"
}

# disk_start LOG APPEND [QEMU ARGS...]: starts QEMU in the background (console to
# LOG, stdin from /dev/null); its pid goes to DISK_QEMU_PID.
disk_start() {
    local log=$1 append=$2; shift 2
    : > "$log"
    qemu-system-riscv64 -machine virt -m 128M -nographic -bios "$OPENSBI_FW" \
        -kernel "$DISK_KERNEL" -append "$append" -device virtio-rng-device "$@" < /dev/null > "$log" 2>&1 &
    DISK_QEMU_PID=$!
}

disk_running() { kill -0 "$DISK_QEMU_PID" 2> /dev/null; }

# disk_kill: SIGKILL the QEMU this file started, and reap it.
disk_kill() {
    kill -KILL "$DISK_QEMU_PID" 2> /dev/null
    wait "$DISK_QEMU_PID" 2> /dev/null
    return 0
}

# disk_wait_for LOG PATTERN: 0 once an extended regular expression matches a
# console line; 1 if QEMU exited, got stuck or the timeout passed first.
disk_wait_for() {
    local log=$1 pattern=$2 deadline=$((SECONDS + DISK_TIMEOUT_S))
    while [ $SECONDS -lt $deadline ]; do
        grep -qaE -- "$pattern" "$log" && return 0
        disk_running || return 1
        grep -qaE -- "$DISK_STUCK_PATTERN" "$log" && return 1
        sleep "$DISK_POLL_S"
    done
    return 1
}

# disk_allocated_kib IMAGE: the host blocks the image file holds (a sparse file
# grows as the guest writes; no other way to see commits land from outside).
disk_allocated_kib() { du -k "$1" | cut -f1; }

# disk_wait_growth IMAGE FROM_KIB KIB: 0 once the image holds KIB more than FROM_KIB;
# 1 if QEMU exited first or the timeout passed.
disk_wait_growth() {
    local image=$1 from=$2 kib=$3 deadline=$((SECONDS + DISK_TIMEOUT_S))
    while [ $SECONDS -lt $deadline ] && disk_running; do
        [ "$(disk_allocated_kib "$image")" -ge $((from + kib)) ] && return 0
        sleep "$DISK_POLL_S"
    done
    return 1
}

# disk_finish LOG: waits for QEMU to exit and returns its status; a machine that
# is stuck (panic, halt) is killed and gives 125, a timeout gives 124.
disk_finish() {
    local log=$1 deadline=$((SECONDS + DISK_TIMEOUT_S))
    while disk_running; do
        if [ $SECONDS -ge $deadline ]; then disk_kill; return 124; fi
        if grep -qaE -- "$DISK_STUCK_PATTERN" "$log"; then sleep 0.2; disk_kill; return 125; fi
        sleep "$DISK_POLL_S"
    done
    wait "$DISK_QEMU_PID"
}

# disk_boot LOG APPEND [QEMU ARGS...]: one whole boot; returns as disk_finish.
disk_boot() {
    local log=$1
    disk_start "$@"
    disk_finish "$log"
}

# disk_status_text STATUS: why a boot failed, for a "not ok" line.
disk_status_text() {
    case "$1" in
        124) echo "timeout after ${DISK_TIMEOUT_S}s" ;;
        125) echo "machine stuck (panic or halt), killed" ;;
        *) echo "QEMU exited $1" ;;
    esac
}

# disk_commit LOG: N from "filesystem: mounted at commit N", or empty.
disk_commit() {
    tr -d '\r' < "$1" | sed -nE 's/.*filesystem: mounted at commit ([0-9]+).*/\1/p' | head -n 1
}

# expect_lines NAME LOG PATTERN...: ok when every pattern matches a console line.
expect_lines() {
    local name=$1 log=$2 pattern; shift 2
    for pattern in "$@"; do
        if ! tr -d '\r' < "$log" | grep -qaE -- "$pattern"; then
            not_ok "$name" "no console line matches '$pattern'; see $log"
            return 1
        fi
    done
    ok "$name"
}

# expect_no_line NAME LOG PATTERN: ok when no console line matches.
expect_no_line() {
    local name=$1 log=$2 pattern=$3 line
    line=$(tr -d '\r' < "$log" | grep -aE -- "$pattern" | head -n 1)
    if [ -n "$line" ]; then
        not_ok "$name" "console says '$line'; see $log"
        return 1
    fi
    ok "$name"
}

# expect_status NAME STATUS LOG: ok when the boot ended with QEMU exiting 0.
expect_status() {
    if [ "$2" -eq 0 ]; then ok "$1"; else not_ok "$1" "$(disk_status_text "$2"); see $3"; fi
}
