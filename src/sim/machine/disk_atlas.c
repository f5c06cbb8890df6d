// The disk fault atlas (API in sim/machine/disk.h): which damage a recoverable run
// allows. The storage engine's layout is a list of copy groups; every sector outside
// them is single-copy data. A damaging fault is asked for before it is injected, with
// every range it would damage, so one fault never takes the last good copy of anything.
// It lives beside the device because its answer depends on the device's state (which
// copies are damaged already); the fault models in src/faults only draw.
#include "sim/machine/disk.h"

// GrainDB's own (public) definitions of its layout, so the atlas follows it if it changes.
#include "subsystems/graindb/graindb.h"

#define DISK_ATLAS_COPIES_MAX 16u

STATIC_ASSERT(BLOCK_SECTOR_SIZE_BYTES == DISK_SECTOR_BYTES);
STATIC_ASSERT(GRAINDB_MIRROR_SLOTS_COUNT >= 2); // a copy group needs two copies

static u64 group_end(const struct disk_copy_group *group) {
    return group->first_sector + (u64)(group->copies - 1) * group->stride_sectors +
           group->sector_count;
}

static u64 copy_first(const struct disk_copy_group *group, u32 copy) {
    assert(copy < group->copies);
    return group->first_sector + (u64)copy * group->stride_sectors;
}

void disk_atlas_clear(struct sim_disk *disk) {
    assert(disk != NULL);
    disk->groups_count = 0;
}

bool disk_atlas_add_copy_group(struct sim_disk *disk, u64 first_sector, u64 sector_count,
                               u32 copies, u64 stride_sectors) {
    assert(disk != NULL);
    if (disk->groups_count >= DISK_ATLAS_GROUPS_MAX) return false;
    if (copies < 2 || copies > DISK_ATLAS_COPIES_MAX) return false;
    if (sector_count == 0 || stride_sectors < sector_count) return false;
    // Span = (copies - 1) * stride + sector_count, checked against overflow piecewise.
    if (stride_sectors > disk->sector_count || sector_count > disk->sector_count) return false;
    struct disk_copy_group group = {.first_sector = first_sector, .sector_count = sector_count,
                                    .copies = copies, .stride_sectors = stride_sectors};
    if (first_sector > disk->sector_count) return false;
    u64 span = (u64)(copies - 1) * stride_sectors + sector_count; // < 16 * 2^21: no overflow
    if (span > disk->sector_count - first_sector) return false;
    for (u32 g = 0; g < disk->groups_count; g++) {
        const struct disk_copy_group *other = &disk->groups[g];
        if (first_sector < group_end(other) && other->first_sector < first_sector + span) return false;
    }
    disk->groups[disk->groups_count] = group;
    disk->groups_count++;
    assert(group_end(&group) <= disk->sector_count);
    return true;
}

bool disk_atlas_default_layout(struct sim_disk *disk) {
    assert(disk != NULL);
    disk_atlas_clear(disk);
    return disk_atlas_add_copy_group(disk, 0, DISK_DEFAULT_SUPERBLOCK_SECTORS,
                                     DISK_DEFAULT_SUPERBLOCK_COPIES,
                                     DISK_DEFAULT_SUPERBLOCK_SECTORS);
}

bool disk_atlas_graindb_layout(struct sim_disk *disk) {
    assert(disk != NULL);
    disk_atlas_clear(disk);
    if (disk->sector_count <= GRAINDB_LOG_START_SECTOR) return false; // no room for a log
    // Superblock copies: one sector each, side by side. Mirror slots: the last two
    // batches, each the other's neighbour. After them the two log zones, both
    // single-copy: the active one holds the log; the other holds nothing acknowledged
    // (an older generation, or a compaction's copy that counts only once flushed and
    // named by the superblock, when it becomes the active zone). GrainDB's own
    // description of this is graindb_layout().
    bool fits = disk_atlas_add_copy_group(disk, 0, 1, GRAINDB_SUPERBLOCK_COPIES, 1) &&
                disk_atlas_add_copy_group(disk, GRAINDB_MIRROR_FIRST_SECTOR, GRAINDB_MIRROR_SLOT_SECTORS,
                                          GRAINDB_MIRROR_SLOTS_COUNT, GRAINDB_MIRROR_SLOT_SECTORS);
    assert(fits); // the disk is larger than the zone before the log
    return fits;
}

bool disk_atlas_locate(const struct sim_disk *disk, u64 sector, u32 *group, u32 *copy) {
    assert(disk != NULL);
    assert(group != NULL);
    assert(copy != NULL);
    for (u32 g = 0; g < disk->groups_count; g++) {
        const struct disk_copy_group *candidate = &disk->groups[g];
        if (sector < candidate->first_sector || sector >= group_end(candidate)) continue;
        u64 offset = sector - candidate->first_sector;
        if (offset % candidate->stride_sectors >= candidate->sector_count) return false; // a gap
        *group = g;
        *copy = (u32)(offset / candidate->stride_sectors);
        assert(*copy < candidate->copies);
        return true;
    }
    return false;
}

static bool copy_damaged(const struct sim_disk *disk, const struct disk_copy_group *group,
                         u32 copy) {
    u64 first = copy_first(group, copy);
    for (u64 i = 0; i < group->sector_count; i++) {
        if ((disk->sector_flags[first + i] & (DISK_SECTOR_DAMAGED | DISK_SECTOR_LATENT)) != 0) {
            return true;
        }
    }
    return false;
}

u32 disk_atlas_damaged_copies(const struct sim_disk *disk, u32 group) {
    assert(disk != NULL);
    assert(group < disk->groups_count);
    u32 damaged = 0;
    for (u32 copy = 0; copy < disk->groups[group].copies; copy++) {
        damaged += copy_damaged(disk, &disk->groups[group], copy);
    }
    assert(damaged <= disk->groups[group].copies);
    return damaged;
}

static bool ranges_touch(const struct disk_range *ranges, u32 ranges_count, u64 first,
                         u64 sector_count) {
    for (u32 r = 0; r < ranges_count; r++) {
        if (ranges[r].sector < first + sector_count && first < ranges[r].sector + ranges[r].sector_count) {
            return true;
        }
    }
    return false;
}

static struct disk_range clamp(const struct sim_disk *disk, struct disk_range range) {
    if (range.sector >= disk->sector_count) return (struct disk_range){0, 0};
    u64 room = disk->sector_count - range.sector;
    if (range.sector_count > room) range.sector_count = room;
    return range;
}

void disk_atlas_set_redundant(struct sim_disk *disk, struct disk_range redundant, struct disk_range guard,
                              struct disk_range free) {
    assert(disk != NULL);
    redundant = clamp(disk, redundant);
    guard = clamp(disk, guard);
    free = clamp(disk, free);
    disk->free_first_sector = free.sector;
    disk->free_sector_count = free.sector_count;
    disk->redundant_first_sector = redundant.sector;
    disk->redundant_sector_count = redundant.sector_count;
    disk->guard_first_sector = guard.sector;
    disk->guard_sector_count = guard.sector_count;
    assert(disk->redundant_first_sector + disk->redundant_sector_count <= disk->sector_count);
    assert(disk->guard_first_sector + disk->guard_sector_count <= disk->sector_count);
}

static bool redundant(const struct sim_disk *disk, u64 sector) {
    return sector >= disk->redundant_first_sector &&
           sector - disk->redundant_first_sector < disk->redundant_sector_count;
}

static bool unacknowledged(const struct sim_disk *disk, u64 sector) {
    return sector >= disk->free_first_sector && sector - disk->free_first_sector < disk->free_sector_count;
}

// The redundant range's other copy (the rest of its guard range) is whole.
static bool guard_intact(const struct sim_disk *disk) {
    assert(disk->guard_first_sector + disk->guard_sector_count <= disk->sector_count);
    for (u64 i = 0; i < disk->guard_sector_count; i++) {
        u64 sector = disk->guard_first_sector + i;
        if (redundant(disk, sector)) continue;
        if ((disk->sector_flags[sector] & (DISK_SECTOR_DAMAGED | DISK_SECTOR_LATENT)) != 0) return false;
    }
    return true;
}

static bool single_copy_touched(const struct sim_disk *disk, const struct disk_range *ranges,
                                u32 ranges_count) {
    for (u32 r = 0; r < ranges_count; r++) {
        for (u64 i = 0; i < ranges[r].sector_count; i++) {
            u32 group = 0;
            u32 copy = 0;
            if (unacknowledged(disk, ranges[r].sector + i)) continue;
            if (redundant(disk, ranges[r].sector + i)) {
                if (!guard_intact(disk)) return true; // its other copy is damaged already
                continue;
            }
            if (!disk_atlas_locate(disk, ranges[r].sector + i, &group, &copy)) return true;
        }
    }
    return false;
}

bool disk_atlas_allows_damage(const struct sim_disk *disk, const struct disk_range *ranges,
                              u32 ranges_count, bool unflushed_data) {
    assert(disk != NULL);
    assert(ranges != NULL);
    for (u32 r = 0; r < ranges_count; r++) {
        assert(disk_range_valid(disk, ranges[r].sector, ranges[r].sector_count));
    }
    if (disk->fault_scope == DISK_FAULTS_UNRESTRICTED) return true;
    if (!unflushed_data && single_copy_touched(disk, ranges, ranges_count)) return false;
    for (u32 g = 0; g < disk->groups_count; g++) {
        const struct disk_copy_group *group = &disk->groups[g];
        u32 damaged = 0;
        for (u32 copy = 0; copy < group->copies; copy++) {
            bool hit = ranges_touch(ranges, ranges_count, copy_first(group, copy), group->sector_count);
            damaged += hit || copy_damaged(disk, group, copy);
        }
        if (damaged >= group->copies) return false; // at least one copy must stay good
    }
    return true;
}
