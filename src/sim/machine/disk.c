// Block device mechanics (see disk.h; the atlas is in disk_atlas.c). No randomness
// here: the fault models in faults/disk.c decide, and disk_faults.c carries their
// decisions out with these mechanics.
#include "sim/machine/disk.h"

#include <stdlib.h>
#include <string.h>

#include "kernel/platform.h"

STATIC_ASSERT(DISK_SECTOR_BYTES == BLOCK_SECTOR_SIZE_BYTES);
STATIC_ASSERT(DISK_SIZE_DEFAULT_BYTES % DISK_SECTOR_BYTES == 0);
STATIC_ASSERT(DISK_SIZE_BYTES_MAX / DISK_SECTOR_BYTES < 0xffffffffull);
STATIC_ASSERT(DISK_CACHE_SECTORS_MAX < 0xffffffffu); // cache_map stores 1 + index

bool disk_init(struct sim_disk *disk, u64 size_bytes, enum disk_fault_scope scope) {
    assert(disk != NULL);
    assert(size_bytes % DISK_SECTOR_BYTES == 0);
    assert(size_bytes <= DISK_SIZE_BYTES_MAX);
    memset(disk, 0, sizeof(*disk));
    disk->fault_scope = scope;
    if (size_bytes == 0) return true;
    u64 sectors = size_bytes / DISK_SECTOR_BYTES;
    // calloc: a new disk reads as zeros, and the host maps untouched pages lazily.
    disk->durable = calloc(sectors, DISK_SECTOR_BYTES);
    disk->sector_flags = calloc(sectors, 1);
    disk->cache_map = calloc(sectors, sizeof(u32));
    disk->cache_data = malloc((u64)DISK_CACHE_SECTORS_MAX * DISK_SECTOR_BYTES);
    if (disk->durable == NULL || disk->sector_flags == NULL || disk->cache_map == NULL ||
        disk->cache_data == NULL) {
        disk_deinit(disk);
        return false;
    }
    disk->sector_count = sectors;
    assert(disk->sector_count * DISK_SECTOR_BYTES == size_bytes);
    return true;
}

void disk_deinit(struct sim_disk *disk) {
    assert(disk != NULL);
    free(disk->durable);
    free(disk->sector_flags);
    free(disk->cache_map);
    free(disk->cache_data);
    memset(disk, 0, sizeof(*disk));
}

bool disk_range_valid(const struct sim_disk *disk, u64 sector, u64 sector_count) {
    assert(disk != NULL);
    return sector_count <= disk->sector_count && sector <= disk->sector_count - sector_count;
}

bool disk_sector_cached(const struct sim_disk *disk, u64 sector) {
    assert(disk != NULL);
    assert(sector < disk->sector_count);
    return disk->cache_map[sector] != 0;
}

void disk_view_read(const struct sim_disk *disk, u64 sector, u8 *bytes, u32 sector_count) {
    assert(disk != NULL);
    assert(bytes != NULL);
    assert(disk_range_valid(disk, sector, sector_count));
    for (u32 i = 0; i < sector_count; i++) {
        u32 slot = disk->cache_map[sector + i];
        const u8 *source = slot != 0 ? disk->cache_data + (u64)(slot - 1) * DISK_SECTOR_BYTES
                                     : disk->durable + (sector + i) * DISK_SECTOR_BYTES;
        memcpy(bytes + (u64)i * DISK_SECTOR_BYTES, source, DISK_SECTOR_BYTES);
    }
}

bool disk_range_unreadable(const struct sim_disk *disk, u64 sector, u32 sector_count) {
    assert(disk != NULL);
    assert(disk_range_valid(disk, sector, sector_count));
    for (u32 i = 0; i < sector_count; i++) {
        bool latent = (disk->sector_flags[sector + i] & DISK_SECTOR_LATENT) != 0;
        if (latent && disk->cache_map[sector + i] == 0) return true;
    }
    return false;
}

bool disk_cache_has_room(const struct sim_disk *disk, u32 sector_count) {
    assert(disk != NULL);
    assert(disk->cache_sectors_used <= DISK_CACHE_SECTORS_MAX);
    return disk->cache_writes_count < DISK_CACHE_WRITES_MAX &&
           sector_count <= DISK_CACHE_SECTORS_MAX - disk->cache_sectors_used;
}

void disk_cache_append(struct sim_disk *disk, u64 sector, const u8 *bytes, u32 sector_count) {
    assert(disk != NULL);
    assert(bytes != NULL);
    assert(sector_count >= 1);
    assert(disk_range_valid(disk, sector, sector_count));
    assert(disk_cache_has_room(disk, sector_count));
    u32 first = disk->cache_sectors_used;
    memcpy(disk->cache_data + (u64)first * DISK_SECTOR_BYTES, bytes,
           (u64)sector_count * DISK_SECTOR_BYTES);
    disk->cache_writes[disk->cache_writes_count] =
        (struct disk_cached_write){.sector = sector, .sector_count = sector_count, .cache_index = first};
    disk->cache_writes_count++;
    disk->cache_sectors_used += sector_count;
    // The newest copy wins for reads; older cached copies stay for power-loss outcomes.
    for (u32 i = 0; i < sector_count; i++) disk->cache_map[sector + i] = first + i + 1;
}

const u8 *disk_cached_bytes(const struct sim_disk *disk, u32 write_index) {
    assert(disk != NULL);
    assert(write_index < disk->cache_writes_count);
    const struct disk_cached_write *write = &disk->cache_writes[write_index];
    assert(write->cache_index + write->sector_count <= disk->cache_sectors_used);
    return disk->cache_data + (u64)write->cache_index * DISK_SECTOR_BYTES;
}

void disk_cache_clear(struct sim_disk *disk) {
    assert(disk != NULL);
    for (u32 w = 0; w < disk->cache_writes_count; w++) {
        const struct disk_cached_write *write = &disk->cache_writes[w];
        for (u32 i = 0; i < write->sector_count; i++) disk->cache_map[write->sector + i] = 0;
    }
    disk->cache_writes_count = 0;
    disk->cache_writes_landed = 0;
    disk->cache_sectors_used = 0;
    assert(disk_cache_has_room(disk, DISK_CACHE_SECTORS_MAX));
}

u8 *disk_durable_sector(struct sim_disk *disk, u64 sector) {
    assert(disk != NULL);
    assert(disk->durable != NULL);
    assert(sector < disk->sector_count);
    return disk->durable + sector * DISK_SECTOR_BYTES;
}

void disk_land(struct sim_disk *disk, u64 sector, const u8 *bytes, u32 sector_count) {
    assert(disk != NULL);
    assert(bytes != NULL);
    assert(disk_range_valid(disk, sector, sector_count));
    memmove(disk->durable + sector * DISK_SECTOR_BYTES, bytes, (u64)sector_count * DISK_SECTOR_BYTES);
    // A write that lands remaps a latent sector and replaces any bad bytes.
    memset(disk->sector_flags + sector, 0, sector_count);
}

void disk_land_foreign(struct sim_disk *disk, u64 sector, const u8 *bytes, u32 sector_count) {
    assert(disk != NULL);
    assert(bytes != NULL);
    assert(disk_range_valid(disk, sector, sector_count));
    memmove(disk->durable + sector * DISK_SECTOR_BYTES, bytes, (u64)sector_count * DISK_SECTOR_BYTES);
    memset(disk->sector_flags + sector, DISK_SECTOR_DAMAGED, sector_count);
}

void disk_mark(struct sim_disk *disk, u64 sector, u64 sector_count, u8 flags) {
    assert(disk != NULL);
    assert(disk_range_valid(disk, sector, sector_count));
    for (u64 i = 0; i < sector_count; i++) disk->sector_flags[sector + i] |= flags;
}
