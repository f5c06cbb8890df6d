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
