// Disk fault models: decisions only. Each kind draws from its own stream, and draws
// the same number of values whenever it is on, whatever the other kinds, the atlas
// or the disk's state do: a decision (chance per million), then its details (which
// sector, which bit, where). The simulated disk (sim/machine/disk_faults.c) asks the
// atlas and carries the decisions out. What each kind does:
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
//   after writing back part of it.
#include "faults/faults.h"

#include "faults/pcg32.h"

bool fault_disk_pick_sector(const struct fault_setting *setting, struct pcg32 *rng, u64 sector,
                            u32 sector_count, u64 *target) {
    assert(setting != NULL);
    assert(rng != NULL);
    assert(target != NULL);
    assert(sector_count >= 1);
    *target = sector;
    if (!fault_strikes(setting, rng)) return false;
    *target = sector + pcg32_bounded(rng, sector_count);
    return true;
}

bool fault_disk_corruption_strikes(const struct fault_setting *setting, struct pcg32 *rng,
                                   u64 sector, u32 sector_count, u64 *target, u32 *bit) {
    assert(bit != NULL);
    *bit = 0;
    if (!fault_disk_pick_sector(setting, rng, sector, sector_count, target)) return false;
    *bit = pcg32_bounded(rng, FAULT_SECTOR_BYTES * 8);
    assert(*bit < FAULT_SECTOR_BYTES * 8);
    return true;
}

// Where a misdirected write of `sector_count` sectors aimed at `sector` lands, on a
// disk of disk_sectors: all four values are drawn whichever way it goes.
static u64 misdirect_victim(struct pcg32 *rng, u64 sector, u32 sector_count, u64 disk_sectors) {
    assert(sector_count <= disk_sectors);
    u64 last_start = disk_sectors - sector_count;
    assert(sector <= last_start);
    bool near = pcg32_bounded(rng, 2) == 1;
    u64 distance = pcg32_range(rng, 1, DISK_MISDIRECT_NEAR_SECTORS_MAX);
    bool forward = pcg32_bounded(rng, 2) == 1;
    u64 anywhere = pcg32_bounded64(rng, last_start + 1);
    if (!near) return anywhere;
    if (forward) return distance <= last_start - sector ? sector + distance : last_start;
    return distance <= sector ? sector - distance : 0;
}

bool fault_disk_misdirect_strikes(const struct fault_setting *setting, struct pcg32 *rng,
                                  u64 sector, u32 sector_count, u64 disk_sectors, u64 *victim) {
    assert(setting != NULL);
    assert(rng != NULL);
    assert(victim != NULL);
    assert(sector_count <= disk_sectors);
    assert(sector <= disk_sectors - sector_count);
    *victim = sector;
    if (!fault_strikes(setting, rng)) return false;
    *victim = misdirect_victim(rng, sector, sector_count, disk_sectors);
    // A victim clamped onto the target itself is no misdirection (the caller checks).
    assert(*victim <= disk_sectors - sector_count);
    return true;
}

bool fault_disk_coin(struct pcg32 *rng) {
    assert(rng != NULL);
    return pcg32_bounded(rng, 2) == 1;
}

u32 fault_disk_flush_interrupted_landing(struct pcg32 *rng, u32 writes_count) {
    assert(rng != NULL);
    u32 landing = pcg32_bounded(rng, writes_count + 1);
    assert(landing <= writes_count);
    return landing;
}

enum unflushed_outcome fault_disk_unflushed(const struct fault_setting *setting, struct pcg32 *rng,
                                            u32 sector_count, u32 *lands, u32 *drops) {
    assert(setting != NULL);
    assert(rng != NULL);
    assert(lands != NULL);
    assert(drops != NULL);
    assert(sector_count >= 1);
    *lands = 0;
    *drops = 0;
    if (!fault_strikes(setting, rng)) return UNFLUSHED_LOST;
    bool torn = pcg32_bounded(rng, 2) == 1 && sector_count >= 2;
    *lands = pcg32_bounded(rng, sector_count);
    *drops = sector_count >= 2 ? (*lands + 1 + pcg32_bounded(rng, sector_count - 1)) % sector_count : 0;
    if (sector_count >= 2) assert(*lands != *drops); // the sector dropped is not the one that lands
    return torn ? UNFLUSHED_TORN : UNFLUSHED_KEPT;
}

bool fault_disk_torn_sector_lands(struct pcg32 *rng, u32 index, u32 lands, u32 drops) {
    assert(rng != NULL);
    bool coin = pcg32_bounded(rng, 2) == 1;
    return index == lands || (index != drops && coin);
}

bool fault_disk_latency_strikes(const struct fault_setting *setting, struct pcg32 *rng,
                                u64 *extra_ns) {
    assert(setting != NULL);
    assert(rng != NULL);
    assert(extra_ns != NULL);
    *extra_ns = 0;
    if (!fault_strikes(setting, rng)) return false;
    *extra_ns = pcg32_range(rng, DISK_LATENCY_SPIKE_MIN_NS, DISK_LATENCY_SPIKE_MAX_NS);
    return true;
}
