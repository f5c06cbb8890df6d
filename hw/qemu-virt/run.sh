#!/usr/bin/env bash
# hw/qemu-virt/run.sh: boots Grain Basin on QEMU virt through one of the chains a
# real board uses, then execs QEMU (so a caller's timeout or kill reaches it).
# Used by `./build.sh qemu`, tests/t_boot_chains.sh and tests/boot/boot_time.sh.
#
#   --chain dynamic  OpenSBI fw_dynamic, then the Image (QEMU's -kernel): default
#   --chain jump     OpenSBI fw_jump, which jumps to 0x80200000 with the device
#                    tree it copied to 0x82200000
#   --chain uboot    OpenSBI fw_dynamic, then U-Boot (qemu-riscv64_smode), whose
#                    distro boot finds extlinux/extlinux.conf on the disk image
#                    (virtio-blk) and boots the Image with booti, the initrd and
#                    U-Boot's device tree, as on the Framework 13
#   --smp N, --mem SIZE (128M, 1G, ...), --append WORDS (not with uboot: the
#   boot arguments are extlinux.conf's), --image FILE (default build/riscv/Image),
#   --disk FILE (default build/image/qemu-virt/disk.img), --initrd FILE (QEMU's
#   -initrd), --load-at ADDR (OpenSBI chains: the same Image bytes, loaded at ADDR
#   instead of 0x80200000), --no-rng (leave out the virtio-rng device every chain
#   otherwise gets), then any QEMU arguments after `--`.
#
# The console is QEMU's stdio (-nographic). Files it makes go to build/qemu-virt/.
set -euo pipefail
cd "$(dirname "$0")/../.."

FIRMWARE_DIR=/usr/lib/riscv64-linux-gnu/opensbi/generic
UBOOT=/usr/lib/u-boot/qemu-riscv64_smode/u-boot.bin
WORK=build/qemu-virt
# Below this, U-Boot's own load addresses (up to 0x8c300000) lie beyond RAM.
UBOOT_STOCK_LAYOUT_MIB_MIN=256
RV_PREFIX=${RV_PREFIX:-riscv64-unknown-elf-}

chain=dynamic smp=1 mem=128M append=init.end=poweroff append_given=false
image=build/riscv/Image disk=build/image/qemu-virt/disk.img initrd="" load_at="" rng=true
while [ $# -gt 0 ]; do
    case "$1" in
        --chain) chain=$2; shift 2 ;;
        --smp) smp=$2; shift 2 ;;
        --mem) mem=$2; shift 2 ;;
        --append) append=$2; append_given=true; shift 2 ;;
        --image) image=$2; shift 2 ;;
        --disk) disk=$2; shift 2 ;;
        --initrd) initrd=$2; shift 2 ;;
        --load-at) load_at=$2; shift 2 ;;
        --no-rng) rng=false; shift ;;
        --) shift; break ;;
        *) echo "run.sh: unknown option '$1'" >&2; exit 2 ;;
    esac
done
die() { echo "run.sh: $*" >&2; exit 2; }

mem_mib() {
    case "$1" in
        *[Gg]) echo $(( ${1%[Gg]} * 1024 )) ;;
        *[Mm]) echo "${1%[Mm]}" ;;
        *) die "--mem $1: give M or G, e.g. 128M" ;;
    esac
}

# The Image bytes unchanged, in an ELF whose one segment starts at $1: QEMU loads
# an ELF -kernel at its own address and fw_dynamic jumps there.
image_elf_at() {
    local addr=$1 out="$WORK/Image-at-$1.elf"
    "${RV_PREFIX}objcopy" -I binary -O elf64-littleriscv -B riscv \
        --rename-section .data=.text,alloc,load,readonly,code,contents "$image" "$out.o"
    "${RV_PREFIX}ld" -m elf64lriscv -N -Ttext="$addr" -e "$addr" --build-id=none \
        --no-warn-rwx-segments -o "$out" "$out.o"
    rm -f "$out.o"
    echo "$out"
}

# QEMU's own device tree for this machine plus hw/qemu-virt/uboot-board-layout.dtsi.
uboot_board_layout_dtb() {
    local out="$WORK/uboot-layout-smp$smp-$mem.dtb"
    qemu-system-riscv64 -machine virt,dumpdtb="$out.qemu" -m "$mem" -smp "$smp" \
        -nographic < /dev/null > /dev/null 2>&1
    { dtc -q -I dtb -O dts "$out.qemu"; cat hw/qemu-virt/uboot-board-layout.dtsi; } |
        dtc -q -I dts -O dtb -o "$out" -
    rm -f "$out.qemu"
    echo "$out"
}

mkdir -p "$WORK"
qemu=(qemu-system-riscv64 -machine virt -m "$mem" -smp "$smp" -nographic)
# Entropy from the host (QEMU's built-in backend reads the host's getrandom).
$rng && qemu+=(-device virtio-rng-device)
case "$chain" in
    dynamic|jump)
        [ -f "$image" ] || die "no $image (run make first)"
        kernel=$image
        [ -z "$load_at" ] || kernel=$(image_elf_at "$load_at")
        [ "$chain" = jump ] && [ -n "$load_at" ] && die "fw_jump always jumps to 0x80200000"
        qemu+=(-bios "$FIRMWARE_DIR/fw_$chain.bin" -kernel "$kernel" -append "$append")
        [ -z "$initrd" ] || qemu+=(-initrd "$initrd")
        ;;
    uboot)
        [ -f "$disk" ] || die "no $disk (make image-qemu-virt)"
        $append_given && die "--append does not apply to --chain uboot: edit extlinux.conf"
        [ -z "$initrd$load_at" ] || die "--initrd and --load-at do not apply to --chain uboot"
        qemu+=(-bios "$FIRMWARE_DIR/fw_dynamic.bin" -kernel "$UBOOT"
               -drive "file=$disk,format=raw,if=none,id=disk0,readonly=on" -device virtio-blk-device,drive=disk0)
        if [ "$(mem_mib "$mem")" -lt "$UBOOT_STOCK_LAYOUT_MIB_MIN" ]; then
            qemu+=(-dtb "$(uboot_board_layout_dtb)")
        fi
        ;;
    *) die "--chain $chain: dynamic, jump or uboot" ;;
esac
exec "${qemu[@]}" "$@"
