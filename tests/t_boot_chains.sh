#!/usr/bin/env bash
# Boots the one Image through the boot chains real boards use, on QEMU virt:
# OpenSBI fw_dynamic and fw_jump directly, and OpenSBI -> U-Boot -> extlinux.conf
# on a disk image -> booti with an initrd and U-Boot's device tree (the Framework
# 13's chain, with its extlinux.conf). Each with -smp 1 and 4, 128 MiB and 1 GiB;
# each must reach init, run the workload and power off (QEMU exits 0). Then the
# same Image bytes at another load address, the initrd and console fallbacks, and
# the board images themselves. Needs mtools for the disk images.
source "$(dirname "$0")/lib.sh"
logs=build/test-logs/boot-chains
mkdir -p "$logs"
QEMU_TIMEOUT_S=${QEMU_TIMEOUT_S:-60} # a boot takes a few seconds; a hang fails fast
boot_harts=()

# boot LOG ARGS...: one boot through hw/qemu-virt/run.sh; returns QEMU's status.
boot() {
    local log=$1; shift
    timeout "$QEMU_TIMEOUT_S" hw/qemu-virt/run.sh "$@" < /dev/null > "$log.raw" 2>&1
    local status=$?
    tr -d '\r' < "$log.raw" > "$log"
    rm -f "$log.raw"
    return $status
}

# expect NAME LOG STATUS PATTERN...: ok when QEMU exited 0 and every extended
# regular expression matches a console line.
expect() {
    local name=$1 log=$2 status=$3; shift 3
    if [ "$status" -ne 0 ]; then
        not_ok "$name" "QEMU exited $status$([ "$status" = 124 ] && echo " (timeout)"); see $log"
        return
    fi
    local pattern
    for pattern in "$@"; do
        if ! grep -qaE -- "$pattern" "$log"; then
            not_ok "$name" "no console line matches '$pattern'; see $log"
            return
        fi
    done
    ok "$name"
}

# What every boot to init and power-off prints, for a machine of SMP harts and MEM.
common_patterns() {
    local smp=$1 mem=$2 harts="0" mib=${2%M}
    [ "$smp" = 4 ] && harts="0 1 2 3"
    [ "$mem" = 1G ] && mib=1024
    printf '%s\n' \
        "hw: SBI v[0-9]+\.[0-9]+, OpenSBI v[0-9.]+; extensions: TIME IPI RFENCE HSM SRST" \
        "hw: harts usable: $harts; not usable: none; booted on hart [0-$((smp - 1))]\$" \
        "hw: console: ns16550a at 0x10000000 \(/soc/serial@10000000" \
        "hw: timebase 10000000 Hz; RAM 0x80000000 \+ $mib MiB" \
        "kernel: Grain Basin booting" \
        "^init: hello exited 0" \
        "^init: end poweroff" \
        "hw: power off \(SBI SRST\)"
}

note_boot_hart() { boot_harts+=("$(grep -aoE 'booted on hart [0-9]+' "$1" | grep -oE '[0-9]+$')"); }

if ! make -s image-qemu-virt image-framework13 > "$logs/make.log" 2>&1; then
    not_ok "board images build" "make image-qemu-virt image-framework13 failed: $(tail -3 "$logs/make.log" | tr '\n' ' ')"
    exit 1
fi
ok "board images build"
initrd_bytes=$(stat -c %s build/image/qemu-virt/initrd)

# ---- the three chains, each on four machines ----------------------------------------
for smp in 1 4; do
    for mem in 128M 1G; do
        machine="smp=$smp mem=$mem"
        mapfile -t common < <(common_patterns "$smp" "$mem")

        log="$logs/dynamic-smp$smp-$mem.log"
        boot "$log" --chain dynamic --smp "$smp" --mem "$mem"
        expect "opensbi fw_dynamic $machine" "$log" $? "${common[@]}" \
            "hw: image at 0x80200000, [0-9]+ relocations applied" \
            "hw: initrd: [0-9]+ bytes at 0x[0-9a-f]+, embedded in the image"
        note_boot_hart "$log"

        log="$logs/jump-smp$smp-$mem.log"
        boot "$log" --chain jump --smp "$smp" --mem "$mem"
        expect "opensbi fw_jump $machine" "$log" $? "${common[@]}" \
            "hw: image at 0x80200000, [0-9]+ relocations applied" \
            "hw: device tree at 0x82200000"
        note_boot_hart "$log"

        # 1 GiB: U-Boot's own environment (kernel loaded at 0x84000000, moved by
        # booti). 128 MiB: the board's layout (hw/qemu-virt/uboot-board-layout.dtsi).
        initrd_at=0x86100000 moved=""
        if [ "$mem" = 1G ]; then
            initrd_at=0x8c300000 moved="^Moving Image from 0x84000000 to 0x80200000"
        fi
        log="$logs/uboot-smp$smp-$mem.log"
        boot "$log" --chain uboot --smp "$smp" --mem "$mem"
        expect "opensbi u-boot extlinux booti $machine" "$log" $? "${common[@]}" \
            "^U-Boot 20[0-9][0-9]\." "^Found /extlinux/extlinux.conf" \
            "^Retrieving file: /Image" "^Retrieving file: /initrd" ${moved:+"$moved"} \
            "hw: image at 0x80200000, [0-9]+ relocations applied" \
            "hw: initrd: $initrd_bytes bytes at $initrd_at, from the device tree"
        note_boot_hart "$log"
    done
done
echo "# boot harts OpenSBI handed over (smp 1 and 4 runs): ${boot_harts[*]}"

# ---- one Image, anywhere ------------------------------------------------------------------
# The same bytes, wrapped in an ELF that QEMU loads at an address that is neither
# 0x80200000 nor 2 MiB aligned: the relocation must run for the kernel to boot.
load_at=0x82345000
log="$logs/relocated.log"
boot "$log" --chain dynamic --smp 4 --mem 128M --load-at "$load_at"
mapfile -t common < <(common_patterns 4 128M)
expect "same Image at $load_at boots (relocated)" "$log" $? "${common[@]}" \
    "hw: image at $load_at, [1-9][0-9]* relocations applied"
elf="build/qemu-virt/Image-at-$load_at.elf"
if "${RV_PREFIX:-riscv64-unknown-elf-}objcopy" -O binary "$elf" "$logs/relocated.bin" &&
    cmp -s "$logs/relocated.bin" build/riscv/Image; then
    ok "the relocated boot loaded the very bytes of the Image"
else
    not_ok "the relocated boot loaded the very bytes of the Image" "$elf differs from build/riscv/Image"
fi
check "Image: header, linked at 0, only R_RISCV_RELATIVE relocations" \
    hw/image_check.sh build/riscv/basin.elf build/riscv/Image

# ---- any boot hart -------------------------------------------------------------------------
# The JH7110 never boots on hart 0; OpenSBI on QEMU nearly always does. The boot
# argument hw.boot_hart=N has the kernel start afresh on hart N (SBI HSM) first.
for case in "dynamic 1G 3" "jump 128M 1"; do
    read -r chain mem hart <<< "$case"
    log="$logs/boot-hart-$hart.log"
    boot "$log" --chain "$chain" --smp 4 --mem "$mem" --append "hw.boot_hart=$hart init.end=poweroff"
    mapfile -t common < <(common_patterns 4 "$mem")
    expect "kernel runs on hart $hart (fw_$chain, hw.boot_hart=$hart)" "$log" $? "${common[@]}" \
        "booted on hart $hart\$"
done

# ---- initrd and console fallbacks ----------------------------------------------------------
log="$logs/qemu-initrd.log"
boot "$log" --chain dynamic --mem 1G --initrd build/riscv/initrd.cpio
expect "initrd from /chosen (QEMU -initrd) preferred over the embedded one" "$log" $? \
    "hw: initrd: $initrd_bytes bytes at 0x[0-9a-f]+, from the device tree" "^init: end poweroff"

log="$logs/bad-initrd.log"
boot "$log" --chain dynamic --initrd build/riscv/Image
expect "an initrd that is not cpio is ignored, the embedded one used" "$log" $? \
    "initrd at 0x[0-9a-f]+ from the device tree is not a cpio newc archive; ignored" \
    "hw: initrd: [0-9]+ bytes at 0x[0-9a-f]+, embedded in the image" "^init: end poweroff"

log="$logs/sbi-console.log"
boot "$log" --chain dynamic --append "hw.console=sbi init.end=poweroff"
expect "hw.console=sbi: legacy SBI console (no DBCN in OpenSBI 1.1)" "$log" $? \
    "hw: console: legacy SBI putchar \(hw.console=sbi\)" "^init: hello exited 0" "^init: end poweroff"

# ---- the board images ----------------------------------------------------------------------
# disk_file IMG PATH: a file's bytes from the FAT partition of a disk image.
disk_file() { MTOOLS_SKIP_CHECK=1 mtype -i "$1@@1M" "::/$2"; }
mbr_entry() { od -An -tx1 -j 446 -N 16 "$1" | tr -d ' \n'; }
for board in framework13 qemu-virt; do
    dir=build/image/$board problem=""
    [ "$(mbr_entry "$dir/disk.img" | cut -c1-2,9-10)" = 800e ] || problem="MBR entry 1 is not a bootable FAT16 partition"
    [ "$(od -An -tx1 -j 510 -N 2 "$dir/disk.img" | tr -d ' ')" = 55aa ] || problem="no MBR signature"
    for file in Image initrd extlinux/extlinux.conf; do
        disk_file "$dir/disk.img" "$file" > "$logs/$board-file" 2> /dev/null
        cmp -s "$logs/$board-file" "$dir/$file" || problem="$file on the FAT partition differs from $dir/$file"
    done
    cmp -s "$dir/extlinux/extlinux.conf" hw/framework13/extlinux.conf || problem="extlinux.conf is not hw/framework13/extlinux.conf"
    cmp -s "$dir/Image" build/riscv/Image || problem="Image is not build/riscv/Image"
    cmp -s "$dir/initrd" build/riscv/initrd.cpio || problem="initrd is not build/riscv/initrd.cpio"
    if [ -z "$problem" ]; then ok "board image $board: bootable FAT partition with Image, initrd, extlinux.conf"
    else not_ok "board image $board: bootable FAT partition with Image, initrd, extlinux.conf" "$problem"; fi
done
rm -f "$logs"/*-file
