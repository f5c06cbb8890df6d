#!/usr/bin/env bash
# mkdisk.sh OUT FOLDER FILE...: a disk image for a microSD card (or QEMU's
# virtio-blk): an MBR with one FAT partition, marked bootable, holding the FILEs
# (paths relative to FOLDER, kept as they are, folders made as needed). U-Boot's
# distro boot scans bootable partitions for /extlinux/extlinux.conf.
# Needs mtools (Debian package "mtools"): no root, no loop devices.
set -euo pipefail
[ $# -ge 3 ] || { echo "usage: mkdisk.sh OUT FOLDER FILE..." >&2; exit 2; }
out=$1 folder=$2
shift 2
DISK_MIB=${DISK_MIB:-64}
SECTOR_BYTES=512
PART_START_SECTOR=2048   # 1 MiB: the usual alignment for flash media
PART_TYPE=0x0e           # FAT16 with LBA addressing
VOLUME_SERIAL=0x47424153 # fixed, so the same files give the same layout
command -v mformat > /dev/null || {
    echo "mkdisk.sh: mformat not found: install the Debian package mtools" >&2
    exit 1
}

total_sectors=$((DISK_MIB * 1024 * 1024 / SECTOR_BYTES))
part_sectors=$((total_sectors - PART_START_SECTOR))
byte() { printf "$(printf '\\%03o' "$1")"; }
le32() { byte $(($1 & 255)); byte $(($1 >> 8 & 255)); byte $(($1 >> 16 & 255)); byte $(($1 >> 24 & 255)); }

rm -f "$out.tmp"
truncate -s "${DISK_MIB}M" "$out.tmp"
# Partition entry 1 at byte 446: bootable, CHS fields saturated (LBA is what counts).
{
    printf '\200\376\377\377'
    byte $((PART_TYPE))
    printf '\376\377\377'
    le32 "$PART_START_SECTOR"
    le32 "$part_sectors"
} | dd of="$out.tmp" bs=1 seek=446 conv=notrunc status=none
le32 "$VOLUME_SERIAL" | dd of="$out.tmp" bs=1 seek=440 conv=notrunc status=none # disk id
printf '\125\252' | dd of="$out.tmp" bs=1 seek=510 conv=notrunc status=none

part="$out.tmp@@$((PART_START_SECTOR * SECTOR_BYTES))"
export MTOOLS_SKIP_CHECK=1
mformat -i "$part" -T "$part_sectors" -h 64 -s 32 -H "$PART_START_SECTOR" -N "$VOLUME_SERIAL" -v BASIN ::
for file in "$@"; do
    dir=$(dirname "$file")
    [ "$dir" = . ] || mmd -D s -i "$part" "::/$dir" 2> /dev/null || true # -D s: exists is fine
    mcopy -m -i "$part" "$folder/$file" "::/$file"
done
mv "$out.tmp" "$out"
