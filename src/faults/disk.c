// Disk fault models. Every kind draws from its own stream of the node, and draws the
// same number of values whenever it is on, whatever the other kinds or the atlas do:
// a decision (chance per million), then its details (which sector, which bit, where).
// What each kind does:
// - disk_read_error: the read returns -E_IO once; nothing changes on the disk.
// - disk_write_error: the write returns -E_IO and nothing of it is written.
// - disk_latent_error: a sector of the read range goes bad: this read and every
//   later read of it return -E_IO until a write to it lands on the media.
// - disk_corruption: one bit of a sector of the read range flips on the media (the
//   stored bytes change, so every later read returns the same wrong bytes until the
//   sector is rewritten); this read already returns the flipped bit.
// - disk_torn_write: at power loss an unflushed write, which is otherwise lost, is
//   kept whole or torn (a proper, non-empty subset of its sectors lands).
// - disk_lost_write: a write reaching the media (at flush, or when the full cache
//   destages) never lands; the media keeps the old bytes; flush still returns 0.
// - disk_misdirected_write: the write lands on another sector range (half of the
//   time within DISK_MISDIRECT_NEAR_SECTORS_MAX sectors); the target keeps its old
//   bytes and the victim holds foreign ones.
// - disk_latency: an operation takes an extra 0.5..50 ms.
// - disk_flush_error: the flush fails with -E_IO; each cached write reached the
//   media or was dropped (a coin each), as when a drive reports a failed cache flush
//   after writing back part of it. Dropped writes leave the old bytes, which are what
//   the last landed write put there, so they are not damage: the caller was told.
// Latent errors and corruption strike only sectors read from the media: a sector
// whose newest copy is in the write cache is about to be replaced anyway (and a
// sector already latent does not go bad twice).
#include "sim/sim.h"

#include <string.h>

enum unflushed_outcome { UNFLUSHED_LOST = 0, UNFLUSHED_KEPT = 1, UNFLUSHED_TORN = 2 };

static bool strikes(struct platform *node, u32 kind, enum sim_stream stream) {
    const struct fault_setting *setting = &node->sim->faults[kind];
    if (!setting->enabled) return false;
    return pcg32_chance_per_million(&node->streams[stream], setting->rate_per_million);
}

static void refuse(struct platform *node, u32 kind, u64 sector) {
    node->disk.atlas_refused++;
    sim_trace(node, TRACE_SIM_DISK_ATLAS_REFUSED, kind, sector, 0);
}

static bool media_damage_allowed(struct platform *node, u32 kind, const struct disk_range *ranges,
                                 u32 ranges_count) {
    if (disk_atlas_allows_damage(&node->disk, ranges, ranges_count, false)) return true;
    refuse(node, kind, ranges[0].sector);
    return false;
}

static void inject_latent(struct platform *node, u64 sector) {
    struct sim_disk *disk = &node->disk;
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

i64 fault_disk_read(struct platform *node, u64 sector, u8 *bytes, u32 sector_count) {
    assert(node != NULL && bytes != NULL && sector_count >= 1);
    struct sim_disk *disk = &node->disk;
    assert(disk_range_valid(disk, sector, sector_count));
    bool read_error = strikes(node, FAULT_DISK_READ_ERROR, STREAM_DISK_READ_ERROR);
    if (strikes(node, FAULT_DISK_LATENT_ERROR, STREAM_DISK_LATENT_ERROR)) {
        inject_latent(node, sector + pcg32_bounded(&node->streams[STREAM_DISK_LATENT_ERROR], sector_count));
    }
    if (strikes(node, FAULT_DISK_CORRUPTION, STREAM_DISK_CORRUPTION)) {
        struct pcg32 *rng = &node->streams[STREAM_DISK_CORRUPTION];
        u64 target = sector + pcg32_bounded(rng, sector_count);
        inject_corruption(node, target, pcg32_bounded(rng, DISK_SECTOR_BYTES * 8));
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

// Where a misdirected write of `sector_count` sectors aimed at `sector` lands.
static u64 misdirect_victim(struct platform *node, u64 sector, u32 sector_count) {
    struct pcg32 *rng = &node->streams[STREAM_DISK_MISDIRECTED];
    u64 last_start = node->disk.sector_count - sector_count;
    bool near = pcg32_bounded(rng, 2) == 1;
    u64 distance = pcg32_range(rng, 1, DISK_MISDIRECT_NEAR_SECTORS_MAX);
    bool forward = pcg32_bounded(rng, 2) == 1;
    u64 anywhere = pcg32_bounded64(rng, last_start + 1);
    if (!near) return anywhere;
    if (forward) return distance <= last_start - sector ? sector + distance : last_start;
    return distance <= sector ? sector - distance : 0;
}

// One write reaching the media: it lands, or is lost, or lands somewhere else.
static void land_write(struct platform *node, u64 sector, const u8 *bytes, u32 sector_count) {
    struct sim_disk *disk = &node->disk;
    assert(disk_range_valid(disk, sector, sector_count));
    bool lost = strikes(node, FAULT_DISK_LOST_WRITE, STREAM_DISK_LOST_WRITE);
    bool misdirected = strikes(node, FAULT_DISK_MISDIRECTED_WRITE, STREAM_DISK_MISDIRECTED);
    u64 victim = misdirected ? misdirect_victim(node, sector, sector_count) : sector;
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

// Every cached write reaches the media, oldest first; the cache is then empty.
static void destage(struct platform *node, u64 *writes_landed, u64 *sectors_landed) {
    struct sim_disk *disk = &node->disk;
    *writes_landed = disk->cache_writes_count;
    *sectors_landed = disk->cache_sectors_used;
    for (u32 w = 0; w < disk->cache_writes_count; w++) {
        const struct disk_cached_write *write = &disk->cache_writes[w];
        land_write(node, write->sector, disk_cached_bytes(disk, w), write->sector_count);
    }
    disk_cache_clear(disk);
    assert(disk->cache_writes_count == 0);
}

i64 fault_disk_write(struct platform *node, u64 sector, const u8 *bytes, u32 sector_count) {
    assert(node != NULL && bytes != NULL && sector_count >= 1);
    struct sim_disk *disk = &node->disk;
    assert(disk_range_valid(disk, sector, sector_count));
    if (strikes(node, FAULT_DISK_WRITE_ERROR, STREAM_DISK_WRITE_ERROR)) {
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
    struct pcg32 *rng = &node->streams[STREAM_DISK_FLUSH_ERROR];
    u64 dropped = 0;
    *writes_landed = 0;
    *sectors_landed = disk->cache_sectors_used;
    for (u32 w = 0; w < disk->cache_writes_count; w++) {
        const struct disk_cached_write *write = &disk->cache_writes[w];
        if (pcg32_bounded(rng, 2) == 0) {
            dropped++;
            continue;
        }
        land_write(node, write->sector, disk_cached_bytes(disk, w), write->sector_count);
        (*writes_landed)++;
    }
    sim_count_fault(node, FAULT_DISK_FLUSH_ERROR, dropped, disk->cache_writes_count);
    disk_cache_clear(disk);
}

i64 fault_disk_flush(struct platform *node, u64 *writes_landed, u64 *sectors_landed) {
    assert(node != NULL && writes_landed != NULL && sectors_landed != NULL);
    if (strikes(node, FAULT_DISK_FLUSH_ERROR, STREAM_DISK_FLUSH_ERROR)) {
        destage_failing(node, writes_landed, sectors_landed);
        assert(node->disk.cache_sectors_used == 0);
        return -E_IO;
    }
    destage(node, writes_landed, sectors_landed);
    assert(node->disk.cache_sectors_used == 0);
    return 0;
}

void fault_disk_flush_interrupted(struct platform *node) {
    assert(node != NULL);
    struct sim_disk *disk = &node->disk;
    assert(disk->cache_writes_landed == 0);
    u32 landing = pcg32_bounded(&node->streams[STREAM_POWER_LOSS_DEVICE], disk->cache_writes_count + 1);
    for (u32 w = 0; w < landing; w++) {
        const struct disk_cached_write *write = &disk->cache_writes[w];
        land_write(node, write->sector, disk_cached_bytes(disk, w), write->sector_count);
    }
    disk->cache_writes_landed = landing; // fault_disk_power_loss decides the rest
    assert(disk->cache_writes_landed <= disk->cache_writes_count);
}

// A torn write: sector `lands` surely lands, sector `drops` surely does not (so the
// subset is proper and non-empty), each other sector lands with probability 1/2.
static void tear(struct platform *node, u32 write_index, u32 lands, u32 drops) {
    struct sim_disk *disk = &node->disk;
    const struct disk_cached_write *write = &disk->cache_writes[write_index];
    const u8 *bytes = disk_cached_bytes(disk, write_index);
    struct pcg32 *rng = &node->streams[STREAM_DISK_TORN_WRITE];
    for (u32 i = 0; i < write->sector_count; i++) {
        bool coin = pcg32_bounded(rng, 2) == 1;
        bool landed = i == lands || (i != drops && coin);
        if (landed) disk_land(disk, write->sector + i, bytes + (u64)i * DISK_SECTOR_BYTES, 1);
    }
    // The whole range now holds neither the old nor the new version of its structure.
    disk_mark(disk, write->sector, write->sector_count, DISK_SECTOR_DAMAGED);
}

static enum unflushed_outcome unflushed_outcome(struct platform *node, u32 write_index) {
    struct sim_disk *disk = &node->disk;
    const struct disk_cached_write *write = &disk->cache_writes[write_index];
    if (!strikes(node, FAULT_DISK_TORN_WRITE, STREAM_DISK_TORN_WRITE)) return UNFLUSHED_LOST;
    struct pcg32 *rng = &node->streams[STREAM_DISK_TORN_WRITE];
    bool torn = pcg32_bounded(rng, 2) == 1 && write->sector_count >= 2;
    u32 lands = pcg32_bounded(rng, write->sector_count);
    u32 drops = write->sector_count >= 2 ? (lands + 1 + pcg32_bounded(rng, write->sector_count - 1)) %
                                               write->sector_count
                                         : 0;
    if (!torn) {
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

void fault_disk_power_loss(struct platform *node) {
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
    assert(disk->cache_writes_count == 0 && disk->cache_sectors_used == 0);
}

void fault_disk_latency(struct platform *node, u64 base_ns) {
    assert(node != NULL);
    u64 extra_ns = 0;
    if (strikes(node, FAULT_DISK_LATENCY, STREAM_DISK_LATENCY)) {
        extra_ns = pcg32_range(&node->streams[STREAM_DISK_LATENCY], DISK_LATENCY_SPIKE_MIN_NS,
                               DISK_LATENCY_SPIKE_MAX_NS);
        sim_count_fault(node, FAULT_DISK_LATENCY, extra_ns, 0);
    }
    node_advance(node, base_ns + extra_ns);
}
