#!/usr/bin/env bash
# image_check.sh ELF IMAGE: refuses a kernel image that would not boot anywhere but
# where it was linked. Run by the Makefile after every link, before the Image is
# moved into place:
#   - the ELF is linked at 0 and its only dynamic relocations are R_RISCV_RELATIVE
#     (the one kind hw/entry.S applies);
#   - the Image starts with the Linux RISC-V Image header (version 0.2, text_offset
#     2 MiB, both magics) and its image_size covers the file and the bss.
set -euo pipefail
elf=$1 image=$2
readelf=${RV_PREFIX:-riscv64-unknown-elf-}readelf
nm=${RV_PREFIX:-riscv64-unknown-elf-}nm
fail() { echo "image_check: $image: $*" >&2; exit 1; }

# u64 little-endian at byte OFFSET of the Image, as a decimal number.
u64_at() { od -An -tu8 -j "$1" -N 8 "$image" | tr -d ' '; }
u32_at() { od -An -tu4 -j "$1" -N 4 "$image" | tr -d ' '; }
symbol() { "$nm" "$elf" | awk -v name="$1" '$3 == name { print $1 }'; }

[ "$(symbol __kernel_start)" = "0000000000000000" ] || fail "not linked at 0"
foreign=$("$readelf" -rW "$elf" | awk '$3 ~ /^R_RISCV_/ && $3 != "R_RISCV_RELATIVE" { print $3 }' | sort -u)
[ -z "$foreign" ] || fail "relocations entry.S cannot apply: $foreign"
if "$readelf" -dW "$elf" | grep -q TEXTREL; then fail "relocations in read-only sections"; fi

hex_at() { od -An -tx1 -j "$1" -N "$2" "$image" | tr -d ' \n'; }
[ "$(hex_at 48 8)" = "5249534356000000" ] || fail "no \"RISCV\\0\\0\\0\" magic at offset 48"
[ "$(hex_at 56 4)" = "52534305" ] || fail "no \"RSC\\x05\" magic at offset 56"
[ "$(u64_at 8)" = $((0x200000)) ] || fail "text_offset is not 2 MiB"
[ "$(u32_at 32)" = 2 ] || fail "header version is not 0.2"
image_size=$(u64_at 16)
kernel_end=$((0x$(symbol __kernel_end)))
[ "$image_size" = "$kernel_end" ] || fail "image_size $image_size != __kernel_end $kernel_end"
file_size=$(stat -c %s "$image")
[ "$file_size" -le "$image_size" ] || fail "file ($file_size bytes) larger than image_size"
