// The simulated block device of one node: 512-byte sectors in host memory, with a
// durable image (what survives power loss) and a volatile write cache (writes not
// yet flushed). disk.c is the mechanics only: it never draws a random number.
// Which faults strike, and when, is decided by the models in faults/disk.c from the
// node's seeded streams; disk_faults.c carries their decisions out on the device;
// platform_sim.c exposes the device to the kernel (platform_block_*).
//
// The fault atlas lives here too: a list of copy groups (sector ranges holding copies
// of one structure, such as the superblock copies) that tells the fault models what
// they may damage. In DISK_FAULTS_RECOVERABLE runs:
// - in a copy group, at most (copies - 1) copies are damaged at any time;
// - every sector outside the copy groups is single-copy data (the log): no damage of
//   acknowledged data there at all; only one-off read and write errors, latency, and
//   power-loss effects on writes that were never flushed.
// In DISK_FAULTS_UNRESTRICTED runs every fault may strike anywhere.
//
// "Damaged" means: the durable bytes of the sector are not what the last write that
// landed there put there (silent corruption, a lost or misdirected write, a torn
// unflushed write inside a copy group), or reads of it fail (latent sector error).
// A sector stops being damaged when a write lands on it correctly.
#pragma once

#include "kernel/lib/types.h"

#define DISK_SECTOR_BYTES 512u
#define DISK_SIZE_DEFAULT_BYTES (8ull << 20)
#define DISK_SIZE_BYTES_MAX (1ull << 30)
#define DISK_CACHE_SECTORS_MAX 4096u // 2 MiB of unflushed data, then the disk destages
#define DISK_CACHE_WRITES_MAX 1024u  // unflushed write commands
#define DISK_ATLAS_GROUPS_MAX 16u
#define DISK_ERROR_POISON_BYTE 0xe5 // fills the buffer of a failed read
#define DISK_OP_BASE_NS 20000ull     // command overhead of a read or write
#define DISK_SECTOR_NS 2000ull       // transfer of one sector (~256 MB/s)
#define DISK_FLUSH_BASE_NS 200000ull // a cache flush, plus DISK_SECTOR_NS per sector

// The testing layout, for disks too small for GrainDB (unit tests): four superblock
// copies of 8 sectors each at the start of the disk.
#define DISK_DEFAULT_SUPERBLOCK_SECTORS 8u
#define DISK_DEFAULT_SUPERBLOCK_COPIES 4u

enum disk_sector_flag {
    DISK_SECTOR_LATENT = 1u,  // reads fail with -E_IO until a write lands here
    DISK_SECTOR_DAMAGED = 2u, // durable bytes are not what the last landed write put here
};

// CHECKPOINT: recoverable, and latent errors and corruption strike only the checkpoint a
// GrainDB recovery reads (disk_atlas_set_redundant): recovery from it is rare otherwise,
// as it is read once per open inside a larger read.
enum disk_fault_scope { DISK_FAULTS_RECOVERABLE = 0, DISK_FAULTS_UNRESTRICTED, DISK_FAULTS_CHECKPOINT };

// Copy c (0 <= c < copies) covers sectors [first + c * stride, + sector_count).
struct disk_copy_group {
    u64 first_sector;
    u64 sector_count; // of one copy
    u32 copies;
    u64 stride_sectors; // >= sector_count: copies never overlap
};

struct disk_cached_write {
    u64 sector;
    u32 sector_count;
    u32 cache_index; // first sector of its bytes in cache_data
};

// A sector range, for atlas questions about several ranges at once.
struct disk_range {
    u64 sector;
    u64 sector_count;
};

struct sim_disk {
    u64 sector_count; // 0: no disk
    u8 *durable;      // sector_count sectors: the media
    u8 *sector_flags; // enum disk_sector_flag bits, per sector
    u32 *cache_map;   // per sector: 1 + cache index of its newest unflushed copy; 0: none
    u8 *cache_data;   // DISK_CACHE_SECTORS_MAX sectors
    struct disk_cached_write cache_writes[DISK_CACHE_WRITES_MAX]; // oldest first
    u32 cache_writes_count;
    u32 cache_writes_landed; // the oldest ones already on the media (an interrupted flush)
    u32 cache_sectors_used;
    enum disk_fault_scope fault_scope;
    struct disk_copy_group groups[DISK_ATLAS_GROUPS_MAX];
    u32 groups_count;
    u64 atlas_refused; // faults drawn but not injected, to keep a good copy
    // Single-copy sectors that are nevertheless redundant now (the checkpoint a GrainDB
    // recovery is reading: the log holds it all) as long as the rest of the guard range
    // (its log zone) is intact; 0 sectors: none.
    u64 redundant_first_sector;
    u64 redundant_sector_count;
    u64 guard_first_sector;
    u64 guard_sector_count;
    // Sectors that hold nothing acknowledged now (the free end of the log a recovery
    // writes its repairs to): damage there is allowed; 0 sectors: none.
    u64 free_first_sector;
    u64 free_sector_count;
};

// size_bytes: a multiple of DISK_SECTOR_BYTES up to DISK_SIZE_BYTES_MAX; 0: no disk.
// False when host memory runs out. A new disk reads as zeros (like a new image file).
bool disk_init(struct sim_disk *disk, u64 size_bytes, enum disk_fault_scope scope);
void disk_deinit(struct sim_disk *disk);
bool disk_range_valid(const struct sim_disk *disk, u64 sector, u64 sector_count);

// ---- data path ----------------------------------------------------------------------
bool disk_sector_cached(const struct sim_disk *disk, u64 sector);
// What a read returns: the newest unflushed copy of each sector, else the media.
void disk_view_read(const struct sim_disk *disk, u64 sector, u8 *bytes, u32 sector_count);
// True when a sector of the range reads from the media and has a latent error.
bool disk_range_unreadable(const struct sim_disk *disk, u64 sector, u32 sector_count);
bool disk_cache_has_room(const struct sim_disk *disk, u32 sector_count);
void disk_cache_append(struct sim_disk *disk, u64 sector, const u8 *bytes, u32 sector_count);
const u8 *disk_cached_bytes(const struct sim_disk *disk, u32 write_index);
// Forgets every unflushed write (after they landed or were dropped).
void disk_cache_clear(struct sim_disk *disk);
// Puts bytes on the media. A correct landing heals the sectors (clears their flags);
// a foreign one (a misdirected write's victim) marks them damaged.
void disk_land(struct sim_disk *disk, u64 sector, const u8 *bytes, u32 sector_count);
void disk_land_foreign(struct sim_disk *disk, u64 sector, const u8 *bytes, u32 sector_count);
void disk_mark(struct sim_disk *disk, u64 sector, u64 sector_count, u8 flags);
u8 *disk_durable_sector(struct sim_disk *disk, u64 sector);

// ---- fault atlas --------------------------------------------------------------------
void disk_atlas_clear(struct sim_disk *disk);
// False (and nothing added) when a copy falls outside the disk, the group overlaps
// another, copies < 2, stride < sector_count, or the table is full.
bool disk_atlas_add_copy_group(struct sim_disk *disk, u64 first_sector, u64 sector_count,
                               u32 copies, u64 stride_sectors);
// The testing layout (DISK_DEFAULT_SUPERBLOCK_*); true when it fits on the disk.
bool disk_atlas_default_layout(struct sim_disk *disk);
// GrainDB's layout (graindb.h): its superblock copies (GRAINDB_SUPERBLOCK_COPIES x 1
// sector at 0) and its tail mirror slots (GRAINDB_MIRROR_SLOTS_COUNT x one batch,
// from sector GRAINDB_SUPERBLOCK_COPIES) as copy groups; the log is single-copy.
// False (and no groups) when the disk has no room for a log after them.
bool disk_atlas_graindb_layout(struct sim_disk *disk);
// Until the next call (0 sectors: none): damage to `redundant` is allowed though no
// copy group holds it, while no other sector of `guard` is damaged (its other copy lies
// there); damage to `free` is allowed (nothing acknowledged lies there). Clamped.
void disk_atlas_set_redundant(struct sim_disk *disk, struct disk_range redundant, struct disk_range guard,
                              struct disk_range free);
// Whether damaging every sector of the ranges keeps the atlas's promise.
// unflushed_data: the ranges hold writes never flushed (a tear at power loss), which
// single-copy ranges accept; media faults on single-copy ranges are refused.
bool disk_atlas_allows_damage(const struct sim_disk *disk, const struct disk_range *ranges,
                              u32 ranges_count, bool unflushed_data);
// Copies of group `group` holding at least one damaged sector.
u32 disk_atlas_damaged_copies(const struct sim_disk *disk, u32 group);
// The group and copy a sector belongs to; false for single-copy sectors.
bool disk_atlas_locate(const struct sim_disk *disk, u64 sector, u32 *group, u32 *copy);
