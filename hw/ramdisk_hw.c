// The RAM disk: sectors are plain memory. The range may start anywhere (a boot
// loader aligns an initrd to nothing in particular), so copies go byte-wise
// through mem_copy; a trailing partial sector is left unused.
#include "kernel/lib/mem.h"
#include "kernel/platform.h"
#include "hw/ramdisk.h"

void ramdisk_init(struct ramdisk *r, u64 start_pa, u64 size_bytes) {
    assert(r != NULL);
    assert(start_pa != 0);
    r->bytes = (u8 *)(uintptr_t)start_pa; // identity-mapped
    r->sector_count = size_bytes / BLOCK_SECTOR_SIZE_BYTES;
}

static u8 *ramdisk_at(const struct ramdisk *r, u64 sector, u32 sector_count) {
    assert(r->bytes != NULL);
    assert(sector_count <= r->sector_count);
    assert(sector <= r->sector_count - sector_count);
    return r->bytes + sector * BLOCK_SECTOR_SIZE_BYTES;
}

i64 ramdisk_read(const struct ramdisk *r, u64 sector, u8 *bytes, u32 sector_count) {
    assert(r != NULL);
    assert(bytes != NULL);
    mem_copy(bytes, ramdisk_at(r, sector, sector_count),
             (u64)sector_count * BLOCK_SECTOR_SIZE_BYTES);
    return 0;
}

i64 ramdisk_write(struct ramdisk *r, u64 sector, const u8 *bytes, u32 sector_count) {
    assert(r != NULL);
    assert(bytes != NULL);
    mem_copy(ramdisk_at(r, sector, sector_count), bytes,
             (u64)sector_count * BLOCK_SECTOR_SIZE_BYTES);
    return 0;
}
