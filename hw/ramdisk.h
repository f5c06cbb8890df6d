// A RAM disk over a range of physical memory (the initrd the boot loader placed),
// for boards without virtio. Writes land in RAM at once and a flush does nothing:
// the contents last until power off, no longer.
#pragma once

#include "kernel/lib/types.h"

struct ramdisk {
    u8 *bytes;
    u64 sector_count;
};

void ramdisk_init(struct ramdisk *r, u64 start_pa, u64 size_bytes);
// Whole sectors inside the disk (the caller checked the range). Always 0.
i64 ramdisk_read(const struct ramdisk *r, u64 sector, u8 *bytes, u32 sector_count);
i64 ramdisk_write(struct ramdisk *r, u64 sector, const u8 *bytes, u32 sector_count);
