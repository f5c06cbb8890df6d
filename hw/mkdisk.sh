#!/usr/bin/env bash
# mkdisk.sh OUT FOLDER: a disk image for a microSD card (or QEMU's virtio-blk):
# an MBR with one FAT partition, marked bootable, that holds FOLDER's files.
# U-Boot's distro boot scans bootable partitions for /extlinux/extlinux.conf.
# Needs mtools (Debian package "mtools"): no root, no loop devices.
set -euo pipefail
out=$1 folder=$2
DISK_MIB=${DISK_MIB:-64}
SECTOR_BYTES=512
PART_START_SECTOR=2048 # 1 MiB: the usual alignment for flash media
PART_TYPE=0x0e         # FAT16 with LBA addressing
VOLUME_SERIAL=0x47424153 # fixed, so the same files give the same image
command -v mformat > /dev/null || { echo "mkdisk.sh: mformat not found (apt-get install mtools)" >&2; exit 1; }

total_sectors=$((DISK_MIB * 1024 * 1024 / SECTOR_BYTES))
part_sectors=$((total_sectors - PART_START_SECTOR))
byte() { printf "$(printf '\\%03o' "$1")"; }
le32() { byte $(($1 & 255)); byte $(($1 >> 8 & 255)); byte $(($1 >> 16 & 255)); byte $(($1 >> 24 & 255)); }

rm -f "$out.tmp"
truncate -s "$((DISK_MIB))M" "$out.tmp"
# Partition entry 1 at byte 446: bootable, CHS fields saturated (LBA is what counts).
{
    printf '\x80\xfe\xff\xff'
    byte $((PART_TYPE))
    printf '\xfe\xff\xff'
    le32 "$PART_START_SECTOR"
    le32 "$part_sectors"
} | dd of="$out.tmp" bs=1 seek=446 conv=notrunc status=none
le32 "$VOLUME_SERIAL" | dd of="$out.tmp" bs=1 seek=440 conv=notrunc status=none # disk id
printf '\x55\xaa' | dd of="$out.tmp" bs=1 seek=510 conv=notrunc status=none

part="$out.tmp@@$((PART_START_SECTOR * SECTOR_BYTES))"
export MTOOLS_SKIP_CHECK=1
mformat -i "$part" -T "$part_sectors" -h 64 -s 32 -H "$PART_START_SECTOR" -N "$VOLUME_SERIAL" -v BASIN ::
# Folders first, then files, in sorted order: the same tree gives the same image.
(cd "$folder" && find . -mindepth 1 -type d | sort) | while read -r dir; do
    mmd -i "$part" "::/${dir#./}"
done
(cd "$folder" && find . -type f | sort) | while read -r file; do
    mcopy -m -i "$part" "$folder/${file#./}" "::/${file#./}"
done
mv "$out.tmp" "$out"
