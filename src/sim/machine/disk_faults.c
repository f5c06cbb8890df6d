// The node's disk with its faults: carries out on the device (disk.c) what the disk
// fault models (faults/disk.c) decide from the node's streams, after asking the atlas
// (disk_atlas.c), and counts and traces every fault injected. platform_block_*
// (platform_sim.c) call this file on a valid, non-empty range of an existing disk;
// node_power_loss_at calls node_disk_power_loss. A fault the atlas refuses is traced
// (TRACE_SIM_DISK_ATLAS_REFUSED) and not counted as injected. Dropped writes of a
// failed flush leave the old bytes, which are what the last landed write put there,
// so they are not damage: the caller was told. Latent errors and corruption strike
// only sectors read from the media: a sector whose newest copy is in the write cache
// is about to be replaced anyway (and a sector already latent does not go bad twice).
#include <string.h>

#include "faults/faults.h"
#include "faults/pcg32.h"
#include "kernel/abi.h"
#include "sim/machine/disk.h"
#include "sim/machine/node.h"
#include "sim/machine/streams.h"
#include "sim/sim.h"
#include "sim/trace.h"

STATIC_ASSERT(FAULT_SECTOR_BYTES == DISK_SECTOR_BYTES);

static const struct fault_setting *setting_of(const struct platform *node, u32 kind) {
    assert(kind < FAULT_COUNT);
    return &node->sim->faults[kind];
}

static struct pcg32 *stream_of(struct platform *node, enum sim_stream stream) {
    assert(stream < STREAM_COUNT);
    return &node->streams[stream];
}

static void refuse(struct platform *node, u32 kind, u64 sector) {
    assert(kind < FAULT_COUNT);
    assert(sector < node->disk.sector_count);
    node->disk.atlas_refused++;
    sim_trace(node, TRACE_SIM_DISK_ATLAS_REFUSED, kind, sector, 0);
}

// The checkpoint a GrainDB recovery is reading may be damaged: recovery replays the log.
// Returns whether a GrainDB recovery (or its repairs) is running on the node.
static bool refresh_redundant(struct platform *node) {
    struct graindb_recovery_range range = {0};
    // The kernel's state is only valid while it runs (poisoned after a power loss).
    bool recovering = node->power_unwind_armed && graindb_recovery_checkpoint(&node->kernel.fs.db, &range);
    if (!recovering) range = (struct graindb_recovery_range){0};
    struct disk_range checkpoint = {.sector = range.checkpoint_first_sector, .sector_count = range.checkpoint_sectors};
    struct disk_range zone = {.sector = range.zone_first_sector, .sector_count = range.zone_sectors};
    struct disk_range free = {.sector = range.free_first_sector, .sector_count = range.free_sectors};
    disk_atlas_set_redundant(&node->disk, checkpoint, zone, free);
    return recovering;
}

// disk.faults = checkpoint: media damage drawn for a read of the recovering checkpoint
// (a read that starts inside it) strikes the part of the read inside it (the drawn
// offset folded into it); any other read gets none. Reads of the log that merely run
// into the checkpoint are spared: at these rates a sector would go bad between two
// reads of one scan, which a real drive all but never does.
static bool focus_on_checkpoint(struct platform *node, u64 sector, u32 sector_count, u64 *target) {
    struct sim_disk *disk = &node->disk;
    assert(*target >= sector);
    assert(*target - sector < sector_count);
    if (disk->fault_scope != DISK_FAULTS_CHECKPOINT) return true;
    refresh_redundant(node);
    u64 redundant_end = disk->redundant_first_sector + disk->redundant_sector_count;
    if (sector < disk->redundant_first_sector || sector >= redundant_end) return false;
    u64 end = sector + sector_count < redundant_end ? sector + sector_count : redundant_end;
    *target = sector + (*target - sector) % (end - sector);
    return true;
}

static bool media_damage_allowed(struct platform *node, u32 kind, const struct disk_range *ranges,
                                 u32 ranges_count) {
    assert(ranges != NULL);
    assert(ranges_count >= 1);
    refresh_redundant(node);
    if (disk_atlas_allows_damage(&node->disk, ranges, ranges_count, false)) return true;
    refuse(node, kind, ranges[0].sector);
    return false;
}

static void inject_latent(struct platform *node, u64 sector) {
    struct sim_disk *disk = &node->disk;
    assert(sector < disk->sector_count);
    if (disk_sector_cached(disk, sector)) return;
    if ((disk->sector_flags[sector] & DISK_SECTOR_LATENT) != 0) return; // bad already
    struct disk_range range = {.sector = sector, .sector_count = 1};
    if (!media_damage_allowed(node, FAULT_DISK_LATENT_ERROR, &range, 1)) return;
    disk_mark(disk, sector, 1, DISK_SECTOR_LATENT | DISK_SECTOR_DAMAGED);
    sim_count_fault(node, FAULT_DISK_LATENT_ERROR, sector, 0);
}

static void inject_corruption(struct platform *node, u64 sector, u32 bit) {
    assert(bit < DISK_SECTOR_BYTES * 8);
    struct sim_disk *disk = &node->disk;
    if (disk_sector_cached(disk, sector)) return;
    struct disk_range range = {.sector = sector, .sector_count = 1};
    if (!media_damage_allowed(node, FAULT_DISK_CORRUPTION, &range, 1)) return;
    disk_durable_sector(disk, sector)[bit / 8] ^= (u8)(1u << (bit % 8));
    disk_mark(disk, sector, 1, DISK_SECTOR_DAMAGED);
    sim_count_fault(node, FAULT_DISK_CORRUPTION, sector, bit);
}

i64 node_disk_read(struct platform *node, u64 sector, u8 *bytes, u32 sector_count) {
    assert(node != NULL);
    assert(bytes != NULL);
    assert(sector_count >= 1);
    struct sim_disk *disk = &node->disk;
    assert(disk_range_valid(disk, sector, sector_count));
    bool read_error = fault_strikes(setting_of(node, FAULT_DISK_READ_ERROR),
                                    stream_of(node, STREAM_DISK_READ_ERROR));
    u64 target = 0;
    if (fault_disk_pick_sector(setting_of(node, FAULT_DISK_LATENT_ERROR),
                               stream_of(node, STREAM_DISK_LATENT_ERROR), sector, sector_count, &target) &&
        focus_on_checkpoint(node, sector, sector_count, &target)) {
        inject_latent(node, target);
    }
    u32 bit = 0;
    if (fault_disk_corruption_strikes(setting_of(node, FAULT_DISK_CORRUPTION),
                                      stream_of(node, STREAM_DISK_CORRUPTION), sector, sector_count,
                                      &target, &bit) &&
        focus_on_checkpoint(node, sector, sector_count, &target)) {
        inject_corruption(node, target, bit);
    }
    bool unreadable = disk_range_unreadable(disk, sector, sector_count);
    if (read_error && !unreadable) sim_count_fault(node, FAULT_DISK_READ_ERROR, sector, sector_count);
    if (read_error || unreadable) {
        // Whatever the caller's buffer held is gone: a driver must not use it.
        memset(bytes, DISK_ERROR_POISON_BYTE, (u64)sector_count * DISK_SECTOR_BYTES);
        return -E_IO;
    }
    disk_view_read(disk, sector, bytes, sector_count);
    return 0;
}

// One write reaching the media: it lands, or is lost, or lands somewhere else.
static void land_write(struct platform *node, u64 sector, const u8 *bytes, u32 sector_count) {
    struct sim_disk *disk = &node->disk;
    assert(disk_range_valid(disk, sector, sector_count));
    bool lost = fault_strikes(setting_of(node, FAULT_DISK_LOST_WRITE), stream_of(node, STREAM_DISK_LOST_WRITE));
    // disk.faults = checkpoint: lost writes strike only what a recovery writes (repairs).
    if (disk->fault_scope == DISK_FAULTS_CHECKPOINT && !refresh_redundant(node)) lost = false;
    u64 victim = sector;
    fault_disk_misdirect_strikes(setting_of(node, FAULT_DISK_MISDIRECTED_WRITE),
                                 stream_of(node, STREAM_DISK_MISDIRECTED), sector, sector_count,
                                 disk->sector_count, &victim);
    struct disk_range ranges[2] = {{.sector = sector, .sector_count = sector_count},
                                   {.sector = victim, .sector_count = sector_count}};
    if (lost && media_damage_allowed(node, FAULT_DISK_LOST_WRITE, ranges, 1)) {
        disk_mark(disk, sector, sector_count, DISK_SECTOR_DAMAGED);
        sim_count_fault(node, FAULT_DISK_LOST_WRITE, sector, sector_count);
        return;
    }
    if (victim != sector && media_damage_allowed(node, FAULT_DISK_MISDIRECTED_WRITE, ranges, 2)) {
        disk_land_foreign(disk, victim, bytes, sector_count);
        // The target keeps its old bytes, except where the victim range overlaps it.
        disk_mark(disk, sector, sector_count, DISK_SECTOR_DAMAGED);
        sim_count_fault(node, FAULT_DISK_MISDIRECTED_WRITE, sector, victim);
        return;
    }
    disk_land(disk, sector, bytes, sector_count);
}

// Cached writes [first, end) reach the media, oldest first.
static void land_cached(struct platform *node, u32 first, u32 end) {
    struct sim_disk *disk = &node->disk;
    assert(first <= end);
    assert(end <= disk->cache_writes_count);
    for (u32 w = first; w < end; w++) {
        const struct disk_cached_write *write = &disk->cache_writes[w];
        land_write(node, write->sector, disk_cached_bytes(disk, w), write->sector_count);
    }
}

// Every cached write reaches the media, oldest first; the cache is then empty.
static void destage(struct platform *node, u64 *writes_landed, u64 *sectors_landed) {
    struct sim_disk *disk = &node->disk;
    *writes_landed = disk->cache_writes_count;
    *sectors_landed = disk->cache_sectors_used;
    land_cached(node, 0, disk->cache_writes_count);
    disk_cache_clear(disk);
    assert(disk->cache_writes_count == 0);
}

i64 node_disk_write(struct platform *node, u64 sector, const u8 *bytes, u32 sector_count) {
    assert(node != NULL);
    assert(bytes != NULL);
    assert(sector_count >= 1);
    struct sim_disk *disk = &node->disk;
    assert(disk_range_valid(disk, sector, sector_count));
    if (fault_strikes(setting_of(node, FAULT_DISK_WRITE_ERROR), stream_of(node, STREAM_DISK_WRITE_ERROR))) {
        sim_count_fault(node, FAULT_DISK_WRITE_ERROR, sector, sector_count);
        return -E_IO;
    }
    u64 writes = 0;
    u64 sectors = 0;
    if (sector_count > DISK_CACHE_SECTORS_MAX) { // larger than the cache: written through
        destage(node, &writes, &sectors);
        land_write(node, sector, bytes, sector_count);
        return 0;
    }
    if (!disk_cache_has_room(disk, sector_count)) destage(node, &writes, &sectors);
    disk_cache_append(disk, sector, bytes, sector_count);
    return 0;
}

// A failed flush: each cached write lands or is dropped; then the cache is empty.
static void destage_failing(struct platform *node, u64 *writes_landed, u64 *sectors_landed) {
    struct sim_disk *disk = &node->disk;
    struct pcg32 *rng = stream_of(node, STREAM_DISK_FLUSH_ERROR);
    assert(writes_landed != NULL);
    assert(sectors_landed != NULL);
    u64 dropped = 0;
    *writes_landed = 0;
    *sectors_landed = disk->cache_sectors_used;
    for (u32 w = 0; w < disk->cache_writes_count; w++) {
        if (!fault_disk_coin(rng)) {
            dropped++;
            continue;
        }
        land_cached(node, w, w + 1);
        (*writes_landed)++;
    }
    sim_count_fault(node, FAULT_DISK_FLUSH_ERROR, dropped, disk->cache_writes_count);
    disk_cache_clear(disk);
}

i64 node_disk_flush(struct platform *node, u64 *writes_landed, u64 *sectors_landed) {
    assert(node != NULL);
    assert(writes_landed != NULL);
    assert(sectors_landed != NULL);
    if (fault_strikes(setting_of(node, FAULT_DISK_FLUSH_ERROR), stream_of(node, STREAM_DISK_FLUSH_ERROR))) {
        destage_failing(node, writes_landed, sectors_landed);
        assert(node->disk.cache_sectors_used == 0);
        return -E_IO;
    }
    destage(node, writes_landed, sectors_landed);
    assert(node->disk.cache_sectors_used == 0);
    return 0;
}

void node_disk_flush_interrupted(struct platform *node) {
    assert(node != NULL);
    struct sim_disk *disk = &node->disk;
    assert(disk->cache_writes_landed == 0);
    u32 landing = fault_disk_flush_interrupted_landing(stream_of(node, STREAM_POWER_LOSS_DEVICE),
                                                       disk->cache_writes_count);
    land_cached(node, 0, landing);
    disk->cache_writes_landed = landing; // node_disk_power_loss decides the rest
    assert(disk->cache_writes_landed <= disk->cache_writes_count);
}

// A torn write: the model picks, sector by sector, what lands.
static void tear(struct platform *node, u32 write_index, u32 lands, u32 drops) {
    struct sim_disk *disk = &node->disk;
    const struct disk_cached_write *write = &disk->cache_writes[write_index];
    const u8 *bytes = disk_cached_bytes(disk, write_index);
    struct pcg32 *rng = stream_of(node, STREAM_DISK_TORN_WRITE);
    assert(lands < write->sector_count);
    assert(drops < write->sector_count);
    for (u32 i = 0; i < write->sector_count; i++) {
        if (fault_disk_torn_sector_lands(rng, i, lands, drops)) {
            disk_land(disk, write->sector + i, bytes + (u64)i * DISK_SECTOR_BYTES, 1);
        }
    }
    // The whole range now holds neither the old nor the new version of its structure.
    disk_mark(disk, write->sector, write->sector_count, DISK_SECTOR_DAMAGED);
}

static enum unflushed_outcome unflushed_outcome(struct platform *node, u32 write_index) {
    struct sim_disk *disk = &node->disk;
    assert(write_index < disk->cache_writes_count);
    const struct disk_cached_write *write = &disk->cache_writes[write_index];
    u32 lands = 0;
    u32 drops = 0;
    enum unflushed_outcome outcome =
        fault_disk_unflushed(setting_of(node, FAULT_DISK_TORN_WRITE), stream_of(node, STREAM_DISK_TORN_WRITE),
                             write->sector_count, &lands, &drops);
    if (outcome == UNFLUSHED_LOST) return UNFLUSHED_LOST;
    if (outcome == UNFLUSHED_KEPT) {
        disk_land(disk, write->sector, disk_cached_bytes(disk, write_index), write->sector_count);
        return UNFLUSHED_KEPT;
    }
    struct disk_range range = {.sector = write->sector, .sector_count = write->sector_count};
    if (!disk_atlas_allows_damage(disk, &range, 1, true)) {
        refuse(node, FAULT_DISK_TORN_WRITE, write->sector);
        return UNFLUSHED_LOST; // lost whole: the copy keeps its last acknowledged bytes
    }
    tear(node, write_index, lands, drops);
    return UNFLUSHED_TORN;
}

void node_disk_power_loss(struct platform *node) {
    assert(node != NULL);
    struct sim_disk *disk = &node->disk;
    for (u32 w = disk->cache_writes_landed; w < disk->cache_writes_count; w++) {
        const struct disk_cached_write *write = &disk->cache_writes[w];
        enum unflushed_outcome outcome = unflushed_outcome(node, w);
        sim_trace(node, TRACE_SIM_DISK_UNFLUSHED, write->sector, write->sector_count, outcome);
        if (outcome != UNFLUSHED_LOST) {
            sim_count_fault(node, FAULT_DISK_TORN_WRITE, write->sector, outcome);
        }
    }
    disk_cache_clear(disk);
    assert(disk->cache_writes_count == 0);
    assert(disk->cache_sectors_used == 0);
}

void node_disk_latency(struct platform *node, u64 base_ns) {
    assert(node != NULL);
    u64 extra_ns = 0;
    if (fault_disk_latency_strikes(setting_of(node, FAULT_DISK_LATENCY), stream_of(node, STREAM_DISK_LATENCY),
                                   &extra_ns)) {
        sim_count_fault(node, FAULT_DISK_LATENCY, extra_ns, 0);
        node->latency_injected_ns += extra_ns;
    }
    node_advance(node, base_ns + extra_ns);
}
