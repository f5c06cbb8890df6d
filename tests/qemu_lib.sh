# Helpers for tests that boot the real image on QEMU. Source after lib.sh.
OPENSBI_FW=/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_dynamic.bin
QEMU_TIMEOUT_S=${QEMU_TIMEOUT_S:-180}
# The machine's entropy device, as ./build.sh qemu has it; QEMU_RNG_ARGS="" (or
# qemu_boot_no_rng) boots without it.
QEMU_RNG_ARGS=${QEMU_RNG_ARGS--device virtio-rng-device}
# qemu_boot OUT APPEND [extra qemu args...]: boots build/riscv/Image, console to OUT,
# standard input from /dev/null (CI has none), bounded by a timeout. Returns QEMU's
# exit status (124 on timeout).
qemu_boot() {
    local out=$1 append=$2; shift 2
    # shellcheck disable=SC2086
    timeout "$QEMU_TIMEOUT_S" qemu-system-riscv64 -machine virt -m 128M -nographic \
        -bios "$OPENSBI_FW" -kernel build/riscv/Image -append "$append" $QEMU_RNG_ARGS "$@" \
        < /dev/null > "$out" 2>&1
}
# Lines user programs printed, deterministic part only: no kernel log lines
# ("[   0.000100] kernel: ...") and none marked "~" (times, random bytes, pids).
deterministic_user_lines() { tr -d '\r' | grep -vE '^\[ *[0-9]+\.[0-9]+\]' | grep -E '^[a-z_0-9]+: ' ; }
# console_count LOG PATTERN: how many times PATTERN appeared on the console in LOG (the
# console does not echo what is typed, so a prompt after a silent command shares the line).
console_count() { tr -d '\r' < "$1" | grep -oF -- "$2" | wc -l; }
# console_send LOG N PATTERN TEXT: once PATTERN has appeared N times in LOG, type TEXT and
# Enter on descriptor 3 (the fifo QEMU reads). Gives up after PROMPT_WAIT_S seconds,
# noting which prompt never came in LOG.feeder, and fails.
console_send() {
    local log=$1 n=$2 pattern=$3 text=$4 waited=0
    while [ "$(console_count "$log" "$pattern")" -lt "$n" ]; do
        sleep 0.2; waited=$((waited + 1))
        if [ $waited -gt $((PROMPT_WAIT_S * 5)) ]; then echo "feeder: no '$pattern' (#$n)" >> "$log.feeder"; return 1; fi
    done
    sleep 0.3
    printf '%s\r' "$text" >&3
}
# qemu_fed_boot FEED TIMEOUT_S IMAGE APPEND DISK FIFO OUT LINES [qemu args...]: boots
# IMAGE with DISK on virtio-blk, its console input the FIFO that the function FEED
# writes (run in the background with OUT and FIFO as arguments), its console to OUT,
# and OUT without carriage returns to LINES. Prints what a feeder that gave up noted.
# Returns QEMU's status (124 on timeout).
qemu_fed_boot() {
    local feed=$1 timeout_s=$2 image=$3 append=$4 disk=$5 fifo=$6 out=$7 lines=$8; shift 8
    "$feed" "$out" "$fifo" &
    local feeder=$!
    timeout "$timeout_s" qemu-system-riscv64 -machine virt -m 128M -nographic -bios "$OPENSBI_FW" \
        -kernel "$image" -append "$append" \
        -drive "file=$disk,format=raw,if=none,id=disk0" -device virtio-blk-device,drive=disk0 \
        "$@" < "$fifo" > "$out" 2>&1
    local status=$?
    kill "$feeder" 2>/dev/null
    wait "$feeder" 2>/dev/null
    tr -d '\r' < "$out" > "$lines"
    [ -s "$out.feeder" ] && echo "# $(cat "$out.feeder")"
    return $status
}
