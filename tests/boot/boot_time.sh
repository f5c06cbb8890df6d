#!/usr/bin/env bash
# tests/boot/boot_time.sh: wall time from QEMU's start to the kernel's power-off,
# booting to init and straight out again (init.rounds=0 init.end=poweroff: no
# workload), median of BENCH_RUNS runs (default 5), through two chains:
#   opensbi  OpenSBI fw_dynamic -> Image
#   uboot    OpenSBI fw_dynamic -> U-Boot -> extlinux.conf -> booti; this includes
#            U-Boot's autoboot countdown (bootdelay=2 in Debian's qemu-riscv64_smode
#            build), which no boot argument can shorten
# Prints one line per chain, "NAME SECONDS" (e.g. "uboot 2.61"), for ./build.sh
# bench; lines starting with # are comments. Exits 1 if a boot fails.
set -euo pipefail
cd "$(dirname "$0")/../.."
RUNS=${BENCH_RUNS:-5}
QEMU_TIMEOUT_S=${QEMU_TIMEOUT_S:-120}
APPEND="init.rounds=0 init.end=poweroff"
WORK=build/qemu-virt/boot-time
mkdir -p "$WORK/files/extlinux"

make -s all image-qemu-virt
# The board's extlinux.conf with the bench's boot arguments, on a disk of its own.
cp build/image/qemu-virt/Image build/image/qemu-virt/initrd "$WORK/files/"
sed "s/^\( *append \).*/\1$APPEND/" hw/framework13/extlinux.conf > "$WORK/files/extlinux/extlinux.conf"
grep -q "append $APPEND\$" "$WORK/files/extlinux/extlinux.conf" ||
    { echo "boot_time.sh: no append line in hw/framework13/extlinux.conf" >&2; exit 1; }
hw/mkdisk.sh "$WORK/disk.img" "$WORK/files" Image initrd extlinux/extlinux.conf

# seconds ARGS...: one boot's wall time; fails unless the kernel powered off.
seconds() {
    local start end
    start=$(date +%s%N)
    timeout "$QEMU_TIMEOUT_S" hw/qemu-virt/run.sh "$@" < /dev/null > "$WORK/console.log" 2>&1 ||
        { echo "boot_time.sh: boot failed ($*); see $WORK/console.log" >&2; exit 1; }
    end=$(date +%s%N)
    grep -aq "hw: power off" "$WORK/console.log" ||
        { echo "boot_time.sh: no power-off ($*); see $WORK/console.log" >&2; exit 1; }
    echo $(((end - start) / 1000000))
}

median_s() { # ARGS...: the median of RUNS boots, in seconds with 3 decimals
    local samples=() i
    for ((i = 0; i < RUNS; i++)); do samples+=("$(seconds "$@")"); done
    local middle
    middle=$(printf '%s\n' "${samples[@]}" | sort -n | sed -n "$((RUNS / 2 + 1))p")
    printf '%d.%03d\n' $((middle / 1000)) $((middle % 1000))
}

echo "# boot to init and power-off, QEMU virt -m 128M -smp 1, median of $RUNS runs, seconds"
echo "opensbi $(median_s --chain dynamic --append "$APPEND")"
echo "uboot $(median_s --chain uboot --disk "$WORK/disk.img")"
