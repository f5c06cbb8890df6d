// The simulated disk and its fault models, through the platform_block_* functions
// the kernel will call: read-your-writes, flush durability, power-loss outcomes,
// each fault kind, the fault atlas over many seeds (against a model of what was
// acknowledged), determinism, the summary counts and the scenario keys.
// Run from the repository root (it loads scenarios/disk-*.scenario).
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/lib/endian.h"
#include "sim/sim.h"
#include "faults/faults.h"
#include "faults/pcg32.h"
#include "sim/cli/report.h"
#include "sim/cli/scenario.h"
#include "sim/invariants/invariants.h"
#include "sim/machine/disk.h"
#include "sim/machine/node.h"
#include "sim/trace.h"
#include "tests/unit/unit_sim.h"

#define S DISK_SECTOR_BYTES
#define SMALL_DISK_BYTES (256ull * S) // 4 superblock copies of 8 sectors, then the "log"
#define LOG_FIRST 32u
#define RETRIES_MAX 64u
#define VERSION_UNKNOWN 0xffffffffu

static u32 failures;

static void check(bool ok, const char *name, const char *reason) {
    if (ok) {
        printf("ok %s\n", name);
    } else {
        printf("not ok %s - %s\n", name, reason);
        failures++;
    }
}

static struct sim *make_sim(u64 seed, u64 disk_bytes, enum disk_fault_scope scope) {
    struct sim_config config;
    unit_sim_config(&config, seed, 1, "loglevel=warn");
    config.disk_size_bytes = disk_bytes;
    config.disk_fault_scope = scope;
    return unit_sim_start(&config);
}

static void set_fault(struct sim *sim, u32 kind, u32 rate_per_million) {
    sim->faults[kind].enabled = rate_per_million != 0;
    sim->faults[kind].rate_per_million = rate_per_million;
}

// ---- sector contents: (sector, version) and a fill derived from both ----------------
static u8 fill_byte(u64 sector, u32 version, u32 i) {
    u64 x = (sector * 0x9e3779b97f4a7c15ull) ^ ((u64)version << 17) ^ (i * 0x2545f491u);
    return (u8)(x >> 29);
}

static void fill_sector(u8 *bytes, u64 sector, u32 version) {
    store_u64_le(bytes, sector);
    store_u32_le(bytes + 8, version);
    for (u32 i = 12; i < S; i++) bytes[i] = fill_byte(sector, version, i);
}

static void fill_range(u8 *bytes, u64 sector, u32 count, u32 version) {
    for (u32 i = 0; i < count; i++) fill_sector(bytes + (u64)i * S, sector + i, version);
}

// The version a sector holds: 0 for zeros, VERSION_UNKNOWN if it is not a well
// formed (sector, version) pattern; *sector_out is the sector the data was meant for.
static u32 decode_sector(const u8 *bytes, u64 *sector_out) {
    bool zero = true;
    for (u32 i = 0; i < S; i++) zero = zero && bytes[i] == 0;
    *sector_out = 0;
    if (zero) return 0;
    u64 sector = load_u64_le(bytes);
    u32 version = load_u32_le(bytes + 8);
    for (u32 i = 12; i < S; i++) {
        if (bytes[i] != fill_byte(sector, version, i)) return VERSION_UNKNOWN;
    }
    *sector_out = sector;
    return version;
}

// Version held by one sector as read through the platform; VERSION_UNKNOWN if it is
// garbled or meant for another sector; false when reads keep failing (latent).
static bool read_version(struct platform *node, u64 sector, u32 *version) {
    u8 bytes[S];
    for (u32 attempt = 0; attempt < RETRIES_MAX; attempt++) {
        if (platform_block_read(node, sector, bytes, 1) != 0) continue;
        u64 meant = 0;
        *version = decode_sector(bytes, &meant);
        if (*version != 0 && *version != VERSION_UNKNOWN && meant != sector) *version = VERSION_UNKNOWN;
        return true;
    }
    return false;
}

static u32 version_at(struct platform *node, u64 sector) {
    u32 version = VERSION_UNKNOWN;
    bool readable = read_version(node, sector, &version);
    assert(readable);
    return version;
}

static i64 write_version(struct platform *node, u64 sector, u32 count, u32 version) {
    static u8 bytes[DISK_CACHE_SECTORS_MAX * 2 * S];
    assert(count <= DISK_CACHE_SECTORS_MAX * 2);
    fill_range(bytes, sector, count, version);
    return platform_block_write(node, sector, bytes, count);
}

// ---- basic device behaviour ----------------------------------------------------------
static void test_no_disk_and_ranges(void) {
    struct sim *sim = make_sim(1, 0, DISK_FAULTS_RECOVERABLE);
    struct platform *node = sim->nodes[0];
    u8 bytes[S] = {0};
    check(platform_block_sector_count(node) == 0 && platform_block_read(node, 0, bytes, 1) == -E_NODEV &&
              platform_block_write(node, 0, bytes, 1) == -E_NODEV && platform_block_flush(node) == -E_NODEV,
          "disk_absent_is_enodev", "size 0 must give 0 sectors and -E_NODEV");
    sim_destroy(sim);

    sim = make_sim(1, SMALL_DISK_BYTES, DISK_FAULTS_RECOVERABLE);
    node = sim->nodes[0];
    check(platform_block_sector_count(node) == 256, "disk_sector_count", "256 sectors expected");
    check(platform_block_read(node, 256, bytes, 1) == -E_INVAL &&
              platform_block_read(node, 255, bytes, 2) == -E_INVAL &&
              platform_block_write(node, ~0ull - 1, bytes, 4) == -E_INVAL &&
              platform_block_read(node, 255, bytes, 1) == 0 && platform_block_read(node, 3, bytes, 0) == 0,
          "disk_range_checks", "outside ranges must be -E_INVAL, inside ones 0");
    u32 zeros = version_at(node, 17);
    check(zeros == 0, "disk_new_reads_zeros", "a new disk must read as zeros");

    // Every command is one trace event: kind, sector, count, result.
    u64 events_before = sim->trace.count;
    (void)platform_block_write(node, 9, bytes, 1);
    (void)platform_block_read(node, 300, bytes, 1);
    (void)platform_block_flush(node);
    struct trace_event events[3];
    u32 got = trace_recent(&sim->trace, events, 3);
    char line[TRACE_LINE_BYTES_MAX];
    trace_format(&events[1], line, sizeof(line));
    bool traced = got == 3 && sim->trace.count == events_before + 3 &&
                  events[0].kind == TRACE_SIM_DISK_WRITE && events[0].a == 9 && events[0].b == 1 && events[0].c == 0 &&
                  events[1].kind == TRACE_SIM_DISK_READ && (i64)events[1].c == -E_INVAL &&
                  events[2].kind == TRACE_SIM_DISK_FLUSH && events[2].a == 1 && events[2].b == 1 &&
                  strstr(line, "sim_disk_read a=300 b=1 c=-22") != NULL;
    check(traced, "disk_commands_traced", line);
    sim_destroy(sim);
}

static void test_read_your_writes_and_flush(void) {
    struct sim *sim = make_sim(2, SMALL_DISK_BYTES, DISK_FAULTS_RECOVERABLE);
    struct platform *node = sim->nodes[0];
    bool ok = write_version(node, 100, 3, 1) == 0 && write_version(node, 101, 1, 2) == 0;
    ok = ok && version_at(node, 100) == 1 && version_at(node, 101) == 2 && version_at(node, 102) == 1;
    check(ok, "disk_read_your_writes", "reads must see the newest unflushed write");

    node_disk_power_loss(node); // torn writes off: every unflushed write is lost
    check(version_at(node, 100) == 0 && version_at(node, 101) == 0 && node->disk.cache_writes_count == 0,
          "disk_power_loss_drops_unflushed", "unflushed writes survived a power loss");

    ok = write_version(node, 100, 3, 3) == 0 && platform_block_flush(node) == 0 &&
         write_version(node, 101, 1, 4) == 0;
    node_disk_power_loss(node);
    check(ok && version_at(node, 100) == 3 && version_at(node, 101) == 3 && version_at(node, 102) == 3,
          "disk_flush_is_durable", "flushed data must survive, the later unflushed write not");

    // Through the node's power-loss path (what the event loop calls).
    ok = write_version(node, 150, 2, 5) == 0 && platform_block_flush(node) == 0 &&
         write_version(node, 160, 2, 6) == 0;
    node->state = NODE_RUNNING;
    node_power_loss(node, 1000);
    check(ok && version_at(node, 150) == 5 && version_at(node, 160) == 0,
          "disk_survives_node_power_loss", "node_power_loss must keep flushed, drop unflushed");
    sim_destroy(sim);
}

static void test_cache_destage(void) {
    struct sim *sim = make_sim(3, 16ull << 20, DISK_FAULTS_RECOVERABLE);
    struct platform *node = sim->nodes[0];
    // More unflushed data than the cache holds: the disk destages the older writes.
    bool ok = true;
    u32 chunk = DISK_CACHE_SECTORS_MAX / 4;
    for (u32 i = 0; i < 5; i++) ok = ok && write_version(node, (u64)i * chunk, chunk, 10 + i) == 0;
    node_disk_power_loss(node);
    ok = ok && version_at(node, 0) == 10 && version_at(node, 3ull * chunk) == 13 &&
         version_at(node, 4ull * chunk) == 0;
    check(ok, "disk_full_cache_destages", "older writes must land when the cache fills");
    // A write larger than the cache is written through (lands, still needs a flush to count).
    ok = write_version(node, 20000, DISK_CACHE_SECTORS_MAX + 8, 20) == 0;
    node_disk_power_loss(node);
    check(ok && version_at(node, 20000) == 20 && version_at(node, 20000 + DISK_CACHE_SECTORS_MAX + 7) == 20,
          "disk_huge_write_written_through", "a write larger than the cache must land");
    sim_destroy(sim);
}

// ---- each fault kind -----------------------------------------------------------------
static void test_read_and_write_errors(void) {
    struct sim *sim = make_sim(4, SMALL_DISK_BYTES, DISK_FAULTS_RECOVERABLE);
    struct platform *node = sim->nodes[0];
    bool ok = write_version(node, 40, 2, 1) == 0 && platform_block_flush(node) == 0;
    set_fault(sim, FAULT_DISK_READ_ERROR, FAULT_RATE_PER_MILLION_MAX);
    u8 bytes[2 * S];
    memset(bytes, 0, sizeof(bytes));
    i64 result = platform_block_read(node, 40, bytes, 2);
    bool poisoned = bytes[0] == DISK_ERROR_POISON_BYTE && bytes[2 * S - 1] == DISK_ERROR_POISON_BYTE;
    set_fault(sim, FAULT_DISK_READ_ERROR, 0);
    check(ok && result == -E_IO && poisoned && sim->faults_injected[FAULT_DISK_READ_ERROR] == 1 &&
              version_at(node, 40) == 1,
          "disk_read_error_once", "read error must be -E_IO, poison the buffer, and pass");

    set_fault(sim, FAULT_DISK_WRITE_ERROR, FAULT_RATE_PER_MILLION_MAX);
    result = write_version(node, 40, 2, 2);
    set_fault(sim, FAULT_DISK_WRITE_ERROR, 0);
    bool old_kept = version_at(node, 40) == 1 && version_at(node, 41) == 1;
    ok = platform_block_flush(node) == 0;
    node_disk_power_loss(node);
    check(result == -E_IO && old_kept && ok && version_at(node, 40) == 1 &&
              sim->faults_injected[FAULT_DISK_WRITE_ERROR] == 1,
          "disk_write_error_writes_nothing", "a failed write must leave the old data");
    sim_destroy(sim);
}

static void test_latent(void) {
    struct sim *sim = make_sim(5, SMALL_DISK_BYTES, DISK_FAULTS_UNRESTRICTED);
    struct platform *node = sim->nodes[0];
    bool ok = write_version(node, 60, 4, 1) == 0 && platform_block_flush(node) == 0;
    set_fault(sim, FAULT_DISK_LATENT_ERROR, FAULT_RATE_PER_MILLION_MAX);
    u8 bytes[4 * S];
    i64 first = platform_block_read(node, 60, bytes, 4);
    set_fault(sim, FAULT_DISK_LATENT_ERROR, 0);
    u32 bad = 0;
    u64 bad_sector = 0;
    for (u64 s = 60; s < 64; s++) {
        bool failing = true;
        for (u32 i = 0; i < 8; i++) failing = failing && platform_block_read(node, s, bytes, 1) == -E_IO;
        if (failing) {
            bad++;
            bad_sector = s;
        }
    }
    check(ok && first == -E_IO && bad == 1 && sim->faults_injected[FAULT_DISK_LATENT_ERROR] == 1,
          "disk_latent_error_persists", "exactly one sector must fail every read");

    ok = write_version(node, bad_sector, 1, 2) == 0 && version_at(node, bad_sector) == 2;
    node_disk_power_loss(node); // the rewrite was never flushed: the bad sector is back
    bool back = platform_block_read(node, bad_sector, bytes, 1) == -E_IO;
    ok = ok && write_version(node, bad_sector, 1, 3) == 0 && platform_block_flush(node) == 0;
    node_disk_power_loss(node);
    check(ok && back && version_at(node, bad_sector) == 3 && platform_block_read(node, 60, bytes, 4) == 0,
          "disk_latent_error_cleared_by_rewrite", "a landed rewrite must clear the latent error");
    sim_destroy(sim);
}

static u32 bits_differing(const u8 *a, const u8 *b, u32 count) {
    u32 bits = 0;
    for (u32 i = 0; i < count; i++) bits += (u32)__builtin_popcount((unsigned)(a[i] ^ b[i]));
    return bits;
}

static void test_corruption(void) {
    struct sim *sim = make_sim(6, SMALL_DISK_BYTES, DISK_FAULTS_UNRESTRICTED);
    struct platform *node = sim->nodes[0];
    u8 expected[2 * S];
    u8 got[2 * S];
    u8 again[2 * S];
    fill_range(expected, 70, 2, 1);
    bool ok = platform_block_write(node, 70, expected, 2) == 0;
    set_fault(sim, FAULT_DISK_CORRUPTION, FAULT_RATE_PER_MILLION_MAX);
    ok = ok && platform_block_read(node, 70, got, 2) == 0; // cached: nothing to corrupt
    check(ok && memcmp(got, expected, sizeof(got)) == 0 && sim->faults_injected[FAULT_DISK_CORRUPTION] == 0,
          "disk_corruption_spares_cached", "unflushed data read from the cache must be intact");
    ok = platform_block_flush(node) == 0 && platform_block_read(node, 70, got, 2) == 0;
    set_fault(sim, FAULT_DISK_CORRUPTION, 0);
    ok = ok && platform_block_read(node, 70, again, 2) == 0;
    check(ok && bits_differing(got, expected, sizeof(got)) == 1 && memcmp(got, again, sizeof(got)) == 0 &&
              sim->faults_injected[FAULT_DISK_CORRUPTION] == 1,
          "disk_corruption_one_stored_bit", "one bit must flip, and stay flipped");
    ok = platform_block_write(node, 70, expected, 2) == 0 && platform_block_flush(node) == 0 &&
         platform_block_read(node, 70, got, 2) == 0;
    check(ok && memcmp(got, expected, sizeof(got)) == 0, "disk_corruption_cleared_by_rewrite",
          "a rewrite must replace the corrupted bytes");
    sim_destroy(sim);
}

static void test_lost_and_misdirected(void) {
    struct sim *sim = make_sim(7, SMALL_DISK_BYTES, DISK_FAULTS_UNRESTRICTED);
    struct platform *node = sim->nodes[0];
    bool ok = write_version(node, 80, 2, 1) == 0 && platform_block_flush(node) == 0;
    set_fault(sim, FAULT_DISK_LOST_WRITE, FAULT_RATE_PER_MILLION_MAX);
    ok = ok && write_version(node, 80, 2, 2) == 0 && version_at(node, 80) == 2;
    ok = ok && platform_block_flush(node) == 0;
    set_fault(sim, FAULT_DISK_LOST_WRITE, 0);
    check(ok && version_at(node, 80) == 1 && version_at(node, 81) == 1 &&
              sim->faults_injected[FAULT_DISK_LOST_WRITE] == 1,
          "disk_lost_write", "flush must succeed and the old data stay");

    // Misdirected: find where (80, version 3) landed; the target keeps version 1.
    set_fault(sim, FAULT_DISK_MISDIRECTED_WRITE, FAULT_RATE_PER_MILLION_MAX);
    ok = write_version(node, 80, 2, 3) == 0 && platform_block_flush(node) == 0;
    set_fault(sim, FAULT_DISK_MISDIRECTED_WRITE, 0);
    u32 landed = 0;
    u64 victim = 0;
    for (u64 s = 0; s < 256; s++) {
        u8 bytes[S];
        u64 meant = 0;
        if (platform_block_read(node, s, bytes, 1) == 0 && decode_sector(bytes, &meant) == 3 && meant == 80) {
            landed++;
            victim = s;
        }
    }
    bool target_old = true; // except where the victim range overlaps the target
    for (u64 t = 80; t < 82; t++) {
        if (t < victim || t >= victim + 2) target_old = target_old && version_at(node, t) == 1;
    }
    check(ok && landed == 1 && victim != 80 && target_old &&
              sim->faults_injected[FAULT_DISK_MISDIRECTED_WRITE] == 1,
          "disk_misdirected_write", "the data must land elsewhere, the target keep old bytes");
    sim_destroy(sim);
}

static void test_torn_writes(void) {
    u32 kept = 0;
    u32 torn = 0;
    u32 lost = 0;
    bool proper = true;
    for (u64 seed = 1; seed <= 40; seed++) {
        struct sim *sim = make_sim(seed, SMALL_DISK_BYTES, DISK_FAULTS_RECOVERABLE);
        struct platform *node = sim->nodes[0];
        set_fault(sim, FAULT_DISK_TORN_WRITE, 500000);
        for (u32 w = 0; w < 8; w++) (void)write_version(node, LOG_FIRST + 16ull * w, 8, 1 + w);
        node_disk_power_loss(node);
        for (u32 w = 0; w < 8; w++) {
            u32 landed = 0;
            for (u32 i = 0; i < 8; i++) landed += version_at(node, LOG_FIRST + 16ull * w + i) == 1 + w;
            kept += landed == 8;
            lost += landed == 0;
            torn += landed > 0 && landed < 8;
        }
        proper = proper && sim->faults_injected[FAULT_DISK_TORN_WRITE] <= 8;
        sim_destroy(sim);
    }
    char detail[128];
    snprintf(detail, sizeof(detail), "kept %u, torn %u, lost %u", kept, torn, lost);
    check(kept > 0 && torn > 0 && lost > 0 && kept + torn + lost == 320 && proper,
          "disk_power_loss_keeps_loses_tears", detail);
}

static void test_latency(void) {
    struct sim *sim = make_sim(8, SMALL_DISK_BYTES, DISK_FAULTS_RECOVERABLE);
    struct platform *node = sim->nodes[0];
    u8 bytes[4 * S];
    u64 before = node->now_ns;
    bool ok = platform_block_read(node, 0, bytes, 4) == 0;
    u64 plain = node->now_ns - before;
    set_fault(sim, FAULT_DISK_LATENCY, FAULT_RATE_PER_MILLION_MAX);
    before = node->now_ns;
    ok = ok && platform_block_read(node, 0, bytes, 4) == 0;
    u64 slow = node->now_ns - before;
    check(ok && plain == DISK_OP_BASE_NS + 4 * DISK_SECTOR_NS &&
              slow >= plain + DISK_LATENCY_SPIKE_MIN_NS && slow <= plain + DISK_LATENCY_SPIKE_MAX_NS &&
              sim->faults_injected[FAULT_DISK_LATENCY] == 1,
          "disk_latency", "base latency exact, a spike within its bounds");
    sim_destroy(sim);
}

// ---- the atlas --------------------------------------------------------------------------
static void test_atlas_api(void) {
    struct sim *sim = make_sim(9, SMALL_DISK_BYTES, DISK_FAULTS_RECOVERABLE);
    struct sim_disk *disk = &sim->nodes[0]->disk;
    u32 group = 9;
    u32 copy = 9;
    bool ok = disk->groups_count == 1 && disk_atlas_locate(disk, 17, &group, &copy) && group == 0 &&
              copy == 2 && !disk_atlas_locate(disk, 32, &group, &copy);
    check(ok, "atlas_default_layout", "4 x 8 superblock copies at sector 0 expected");
    ok = !disk_atlas_add_copy_group(disk, 20, 4, 2, 4) &&   // overlaps the superblocks
         !disk_atlas_add_copy_group(disk, 200, 8, 2, 60) && // runs off the disk
         !disk_atlas_add_copy_group(disk, 100, 8, 1, 8) &&  // one copy is not a group
         !disk_atlas_add_copy_group(disk, 100, 8, 2, 4) &&  // copies would overlap
         disk_atlas_add_copy_group(disk, 100, 4, 3, 10);
    ok = ok && disk_atlas_locate(disk, 121, &group, &copy) && group == 1 && copy == 2 &&
         !disk_atlas_locate(disk, 124, &group, &copy) &&
         !disk_atlas_locate(disk, 105, &group, &copy); // the gap between copies
    check(ok, "atlas_add_copy_group_validates", "bad groups must be refused, good ones located");
    struct disk_range three[3] = {{0, 1}, {8, 1}, {16, 1}};
    struct disk_range four[4] = {{0, 1}, {8, 1}, {16, 1}, {24, 1}};
    struct disk_range log = {40, 1};
    ok = disk_atlas_allows_damage(disk, three, 3, false) && !disk_atlas_allows_damage(disk, four, 4, false) &&
         !disk_atlas_allows_damage(disk, &log, 1, false) && disk_atlas_allows_damage(disk, &log, 1, true);
    disk_mark(disk, 3, 1, DISK_SECTOR_DAMAGED);
    disk_mark(disk, 9, 1, DISK_SECTOR_LATENT);
    ok = ok && disk_atlas_damaged_copies(disk, 0) == 2 && disk_atlas_allows_damage(disk, &three[2], 1, false) &&
         !disk_atlas_allows_damage(disk, &four[2], 2, false);
    disk->fault_scope = DISK_FAULTS_UNRESTRICTED;
    ok = ok && disk_atlas_allows_damage(disk, four, 4, false) && disk_atlas_allows_damage(disk, &log, 1, false);
    check(ok, "atlas_allows_damage_rules", "copies-1 per group, none single-copy, all unrestricted");
    sim_destroy(sim);
}

// A redundant range (a checkpoint being recovered) may be damaged while the rest of its
// guard range (its log zone) is intact; a free range (nothing acknowledged) always.
static void test_atlas_redundant_and_free(void) {
    struct sim *sim = make_sim(1, SMALL_DISK_BYTES, DISK_FAULTS_RECOVERABLE);
    struct sim_disk *disk = &sim->nodes[0]->disk;
    assert(disk_atlas_default_layout(disk));
    struct disk_range checkpoint = {100, 10}, zone = {64, 128}, free = {150, 42};
    struct disk_range in_checkpoint = {105, 2}, straddling = {108, 4}, in_free = {160, 3}, elsewhere = {70, 1};
    bool ok = !disk_atlas_allows_damage(disk, &in_checkpoint, 1, false); // single-copy by default
    disk_atlas_set_redundant(disk, checkpoint, zone, free);
    ok = ok && disk_atlas_allows_damage(disk, &in_checkpoint, 1, false) &&
         !disk_atlas_allows_damage(disk, &straddling, 1, false) && // 110, 111 are not redundant
         disk_atlas_allows_damage(disk, &in_free, 1, false) && !disk_atlas_allows_damage(disk, &elsewhere, 1, false);
    check(ok, "atlas_redundant_range", "a redundant range and a free range may be damaged, nothing beside them");
    disk_mark(disk, 70, 1, DISK_SECTOR_DAMAGED); // the other copy is hurt: the checkpoint is the only one now
    ok = !disk_atlas_allows_damage(disk, &in_checkpoint, 1, false) && disk_atlas_allows_damage(disk, &in_free, 1, false);
    disk_mark(disk, 102, 1, DISK_SECTOR_DAMAGED); // damage inside the redundant range does not count
    disk_land(disk, 70, (const u8[DISK_SECTOR_BYTES]){0}, 1);
    ok = ok && disk_atlas_allows_damage(disk, &in_checkpoint, 1, false);
    disk_atlas_set_redundant(disk, (struct disk_range){0, 0}, (struct disk_range){0, 0}, (struct disk_range){0, 0});
    ok = ok && !disk_atlas_allows_damage(disk, &in_checkpoint, 1, false) && !disk_atlas_allows_damage(disk, &in_free, 1, false);
    disk_atlas_set_redundant(disk, (struct disk_range){disk->sector_count - 2, 9}, zone, (struct disk_range){disk->sector_count + 5, 1});
    ok = ok && disk->redundant_sector_count == 2 && disk->free_sector_count == 0; // clamped to the disk
    check(ok, "atlas_redundant_guard", "a redundant range may be damaged only while the rest of its guard is intact");
    sim_destroy(sim);
}

// A storage-engine-like workload against a model of what was acknowledged: superblock
// updates (each copy written and flushed in turn), log appends, reads, flushes and
// power losses with every disk fault on at high rates.
struct model {
    u32 acked[256];  // version the last flush made durable (0: zeros)
    u32 latest[256]; // newest version successfully written
    u32 flush_point; // versions above it were written after the last flush
    u32 next_version;
};

struct workload_result {
    bool violated;
    char detail[160];
    u64 hash;
    u64 faults[FAULT_COUNT];
    u64 refused;
    u32 max_damaged_copies;
};

static void violation(struct workload_result *r, const char *what, u64 sector, u32 op) {
    if (r->violated) return;
    r->violated = true;
    snprintf(r->detail, sizeof(r->detail), "%s (sector %llu, op %u)", what, (unsigned long long)sector, op);
}

static void model_flushed(struct model *m) {
    memcpy(m->acked, m->latest, sizeof(m->acked));
    m->flush_point = m->next_version;
}

static void workload_write(struct platform *node, struct model *m, u64 sector, u32 count) {
    u32 version = ++m->next_version;
    if (write_version(node, sector, count, version) != 0) return; // write error: nothing written
    for (u32 i = 0; i < count; i++) m->latest[sector + i] = version;
}

static void workload_flush(struct platform *node, struct model *m) {
    i64 result = platform_block_flush(node);
    assert(result == 0);
    model_flushed(m);
}

// At a quiescent point (nothing unflushed): some superblock copy reads back exactly.
static void check_superblock(struct platform *node, struct model *m, struct workload_result *r, u32 op) {
    u32 good = 0;
    for (u32 copy = 0; copy < 4; copy++) {
        bool intact = true;
        for (u32 i = 0; i < 8; i++) {
            u32 version = VERSION_UNKNOWN;
            u64 s = copy * 8ull + i;
            intact = intact && read_version(node, s, &version) && version == m->acked[s];
        }
        good += intact;
    }
    if (good == 0) violation(r, "no superblock copy reads back intact", 0, op);
}

static void check_log_read(struct platform *node, struct model *m, struct workload_result *r, u64 s, u32 op) {
    u32 version = VERSION_UNKNOWN;
    if (!read_version(node, s, &version)) violation(r, "single-copy sector keeps failing", s, op);
    else if (version != m->latest[s]) violation(r, "single-copy sector returned wrong data", s, op);
}

static bool version_allowed_after_loss(const struct model *m, u64 s, u32 version) {
    return version == m->acked[s] ||
           (version > m->flush_point && version <= m->latest[s] && version != VERSION_UNKNOWN);
}

// After power loss a superblock copy is whole when all its sectors hold one version,
// acknowledged or written since the last flush.
static void check_superblock_after_loss(struct platform *node, const struct model *m,
                                        struct workload_result *r, u32 op) {
    u32 whole = 0;
    for (u32 copy = 0; copy < 4; copy++) {
        u32 first = VERSION_UNKNOWN;
        bool intact = true;
        for (u32 i = 0; i < 8; i++) {
            u32 version = VERSION_UNKNOWN;
            u64 s = copy * 8ull + i;
            intact = intact && read_version(node, s, &version) && version_allowed_after_loss(m, s, version) &&
                     (i == 0 || version == first);
            if (i == 0) first = version;
        }
        whole += intact;
    }
    if (whole == 0) violation(r, "no whole superblock copy after power loss", 0, op);
}

// After power loss: every log sector holds its acknowledged version or one written
// since the last flush; superblock copies may be stale or damaged but one is whole.
static void recover(struct platform *node, struct model *m, struct workload_result *r, u32 op) {
    check_superblock_after_loss(node, m, r, op);
    for (u64 s = 0; s < 256; s++) {
        u32 version = VERSION_UNKNOWN;
        bool readable = read_version(node, s, &version);
        bool allowed = readable && version_allowed_after_loss(m, s, version);
        if (s >= LOG_FIRST && !allowed) violation(r, "log sector lost acknowledged data at power loss", s, op);
        m->acked[s] = m->latest[s] = readable ? version : VERSION_UNKNOWN;
    }
    m->flush_point = m->next_version;
}

static void workload_op(struct platform *node, struct pcg32 *rng, struct model *m,
                        struct workload_result *r, u32 op) {
    u32 choice = pcg32_bounded(rng, 100);
    if (choice < 25) { // superblock update, copy by copy
        for (u32 copy = 0; copy < 4; copy++) {
            workload_write(node, m, copy * 8ull, 8);
            workload_flush(node, m);
        }
        check_superblock(node, m, r, op);
    } else if (choice < 65) {
        u32 count = 1 + pcg32_bounded(rng, 8);
        workload_write(node, m, LOG_FIRST + pcg32_bounded(rng, 256 - LOG_FIRST - count + 1), count);
        if (pcg32_bounded(rng, 2) == 0) workload_flush(node, m);
    } else if (choice < 88) {
        u64 s = LOG_FIRST + pcg32_bounded(rng, 256 - LOG_FIRST);
        check_log_read(node, m, r, s, op);
        u8 bytes[8 * S];
        (void)platform_block_read(node, pcg32_bounded(rng, 64), bytes, 8); // superblock area too
    } else if (choice < 95) {
        workload_flush(node, m);
        check_superblock(node, m, r, op);
    } else {
        node_disk_power_loss(node);
        recover(node, m, r, op);
    }
}

static struct workload_result run_workload(u64 seed, enum disk_fault_scope scope, u32 ops) {
    static const u32 rates[FAULT_COUNT] = {
        [FAULT_DISK_READ_ERROR] = 20000, [FAULT_DISK_WRITE_ERROR] = 10000,
        [FAULT_DISK_LATENT_ERROR] = 20000, [FAULT_DISK_CORRUPTION] = 20000,
        [FAULT_DISK_TORN_WRITE] = 500000, [FAULT_DISK_LOST_WRITE] = 30000,
        [FAULT_DISK_MISDIRECTED_WRITE] = 30000, [FAULT_DISK_LATENCY] = 10000};
    struct sim *sim = make_sim(seed, SMALL_DISK_BYTES, scope);
    struct platform *node = sim->nodes[0];
    static struct model m;
    memset(&m, 0, sizeof(m));
    struct workload_result r;
    memset(&r, 0, sizeof(r));
    for (u32 copy = 0; copy < 4; copy++) workload_write(node, &m, copy * 8ull, 8); // format, no faults
    workload_flush(node, &m);
    for (u32 kind = 0; kind < FAULT_COUNT; kind++) set_fault(sim, kind, rates[kind]);
    struct pcg32 rng;
    pcg32_seed(&rng, seed, 0x5eedu);
    for (u32 op = 0; op < ops && !r.violated; op++) {
        workload_op(node, &rng, &m, &r, op);
        u32 damaged = disk_atlas_damaged_copies(&node->disk, 0);
        if (damaged > r.max_damaged_copies) r.max_damaged_copies = damaged;
    }
    r.hash = trace_hash(&sim->trace) ^ trace_hash_bytes(node->disk.durable, SMALL_DISK_BYTES);
    memcpy(r.faults, sim->faults_injected, sizeof(r.faults));
    r.refused = node->disk.atlas_refused;
    sim_destroy(sim);
    return r;
}

static void test_atlas_many_seeds(void) {
    u64 damaging = 0;
    u64 refused = 0;
    u32 max_damaged = 0;
    struct workload_result failed = {.violated = false};
    u64 failed_seed = 0;
    for (u64 seed = 1; seed <= 150; seed++) {
        struct workload_result r = run_workload(seed, DISK_FAULTS_RECOVERABLE, 600);
        damaging += r.faults[FAULT_DISK_LATENT_ERROR] + r.faults[FAULT_DISK_CORRUPTION] +
                    r.faults[FAULT_DISK_LOST_WRITE] + r.faults[FAULT_DISK_MISDIRECTED_WRITE];
        refused += r.refused;
        if (r.max_damaged_copies > max_damaged) max_damaged = r.max_damaged_copies;
        if (r.violated && !failed.violated) {
            failed = r;
            failed_seed = seed;
        }
    }
    char detail[256];
    snprintf(detail, sizeof(detail), "seed %llu: %s", (unsigned long long)failed_seed, failed.detail);
    check(!failed.violated, "atlas_recoverable_keeps_good_copy_and_log", detail);
    snprintf(detail, sizeof(detail), "damaging faults %llu, refused %llu, most damaged copies %u",
             (unsigned long long)damaging, (unsigned long long)refused, max_damaged);
    printf("# %s\n", detail);
    check(damaging > 100 && refused > 100 && max_damaged == 3, "atlas_recoverable_faults_do_strike", detail);

    u32 broken = 0;
    for (u64 seed = 1; seed <= 20; seed++) broken += run_workload(seed, DISK_FAULTS_UNRESTRICTED, 600).violated;
    snprintf(detail, sizeof(detail), "%u of 20 unrestricted seeds lost data", broken);
    printf("# %s\n", detail);
    check(broken > 0, "atlas_unrestricted_damages_anywhere", detail);
}

static void test_determinism(void) {
    struct workload_result a = run_workload(42, DISK_FAULTS_RECOVERABLE, 400);
    struct workload_result b = run_workload(42, DISK_FAULTS_RECOVERABLE, 400);
    struct workload_result c = run_workload(43, DISK_FAULTS_RECOVERABLE, 400);
    check(a.hash == b.hash && memcmp(a.faults, b.faults, sizeof(a.faults)) == 0 && a.refused == b.refused,
          "disk_same_seed_same_faults", "two runs of one seed differ");
    check(a.hash != c.hash, "disk_other_seed_other_faults", "two seeds gave the same disk trace");
    // Compared across compilers by diffing this test's output.
    printf("# workload seed 42: trace and image hash %016llx\n", (unsigned long long)a.hash);
}

// One kind on or off never changes what another kind draws: the latency spikes of a
// fixed sequence of reads are the same with read errors on or off.
static void test_stream_independence(void) {
    u64 times[2][64];
    for (u32 variant = 0; variant < 2; variant++) {
        struct sim *sim = make_sim(44, SMALL_DISK_BYTES, DISK_FAULTS_RECOVERABLE);
        struct platform *node = sim->nodes[0];
        set_fault(sim, FAULT_DISK_LATENCY, 200000);
        set_fault(sim, FAULT_DISK_READ_ERROR, variant == 0 ? 0 : 500000);
        u8 bytes[S];
        for (u32 i = 0; i < 64; i++) {
            u64 before = node->now_ns;
            (void)platform_block_read(node, LOG_FIRST + i, bytes, 1);
            times[variant][i] = node->now_ns - before;
        }
        sim_destroy(sim);
    }
    check(memcmp(times[0], times[1], sizeof(times[0])) == 0, "disk_fault_streams_independent",
          "read errors changed the latency draws");
}

static void test_summary(void) {
    struct sim *sim = make_sim(45, SMALL_DISK_BYTES, DISK_FAULTS_RECOVERABLE);
    struct platform *node = sim->nodes[0];
    set_fault(sim, FAULT_DISK_READ_ERROR, 300000);
    set_fault(sim, FAULT_DISK_LATENT_ERROR, 300000); // refused: nothing is in a copy... except 0..31
    u8 bytes[S];
    for (u32 i = 0; i < 200; i++) (void)platform_block_read(node, i % 64, bytes, 1);
    FILE *out = tmpfile();
    assert(out != NULL);
    sim_print_summary(sim, SIM_END_STEPS, out);
    char text[4096];
    rewind(out);
    u64 length = fread(text, 1, sizeof(text) - 1, out);
    text[length] = '\0';
    fclose(out);
    char expected[3][96];
    snprintf(expected[0], sizeof(expected[0]), " disk_read_error %llu,",
             (unsigned long long)sim->faults_injected[FAULT_DISK_READ_ERROR]);
    snprintf(expected[1], sizeof(expected[1]), " disk_latent_error %llu,",
             (unsigned long long)sim->faults_injected[FAULT_DISK_LATENT_ERROR]);
    snprintf(expected[2], sizeof(expected[2]), "disk faults refused by the atlas: %llu (recoverable)",
             (unsigned long long)node->disk.atlas_refused);
    bool ok = sim->faults_injected[FAULT_DISK_READ_ERROR] > 0 && sim->faults_injected[FAULT_DISK_LATENT_ERROR] > 0 &&
              node->disk.atlas_refused > 0;
    for (u32 i = 0; i < 3; i++) ok = ok && strstr(text, expected[i]) != NULL;
    check(ok, "disk_faults_counted_in_summary", text);
    sim_destroy(sim);
}

// ---- scenario keys ----------------------------------------------------------------------
static void test_scenarios(void) {
    static const char *const names[] = {"read-errors", "write-errors", "latent", "corruption",
                                        "torn-writes", "lost-writes", "misdirected", "latency",
                                        "mixed", "unrestricted"};
    static const u32 kinds[] = {FAULT_DISK_READ_ERROR, FAULT_DISK_WRITE_ERROR, FAULT_DISK_LATENT_ERROR,
                                FAULT_DISK_CORRUPTION, FAULT_DISK_TORN_WRITE, FAULT_DISK_LOST_WRITE,
                                FAULT_DISK_MISDIRECTED_WRITE, FAULT_DISK_LATENCY};
    for (u32 i = 0; i < ARRAY_COUNT(names); i++) {
        char path[96];
        char error[SCENARIO_ERROR_BYTES_MAX] = "";
        char test_name[96];
        snprintf(path, sizeof(path), "scenarios/disk-%s.scenario", names[i]);
        snprintf(test_name, sizeof(test_name), "scenario_disk_%s", names[i]);
        struct scenario s;
        scenario_defaults(&s);
        bool ok = scenario_load(&s, path, error, sizeof(error)) && s.disk_size_bytes == DISK_SIZE_DEFAULT_BYTES;
        if (i < ARRAY_COUNT(kinds)) { // the single-kind scenarios: that kind on, other disk kinds off
            for (u32 k = 0; k < ARRAY_COUNT(kinds); k++) {
                ok = ok && s.faults[kinds[k]].mode == (k == i ? FAULT_MODE_ON : FAULT_MODE_OFF);
            }
        }
        if (i == 8) ok = ok && s.faults[FAULT_DISK_LOST_WRITE].mode == FAULT_MODE_SWARM;
        bool unrestricted = s.disk_fault_scope == DISK_FAULTS_UNRESTRICTED;
        ok = ok && unrestricted == (i == 9);
        check(ok, test_name, error[0] != '\0' ? error : "unexpected settings");
    }
    struct scenario s;
    char error[SCENARIO_ERROR_BYTES_MAX] = "";
    scenario_defaults(&s);
    bool ok = s.disk_size_bytes == DISK_SIZE_DEFAULT_BYTES && s.disk_fault_scope == DISK_FAULTS_RECOVERABLE;
    s.disk_size_bytes = 1;
    s.disk_fault_scope = DISK_FAULTS_UNRESTRICTED;
    ok = ok && scenario_load(&s, "scenarios/default.scenario", error, sizeof(error)) &&
         s.disk_size_bytes == DISK_SIZE_DEFAULT_BYTES && s.disk_fault_scope == DISK_FAULTS_RECOVERABLE;
    check(ok, "scenario_default_disk_matches_builtin", error);
    scenario_defaults(&s);
    ok = scenario_parse(&s, "t", "disk.size = 64K\ndisk.faults = unrestricted\n", error, sizeof(error)) &&
              s.disk_size_bytes == 65536 && s.disk_fault_scope == DISK_FAULTS_UNRESTRICTED;
    scenario_defaults(&s);
    ok = ok && scenario_parse(&s, "t", "disk.size = 0\n", error, sizeof(error)) && s.disk_size_bytes == 0;
    scenario_defaults(&s);
    ok = ok && scenario_parse(&s, "t", "disk.size = 2MiB\n", error, sizeof(error)) && s.disk_size_bytes == (2u << 20);
    scenario_defaults(&s);
    ok = ok && scenario_parse(&s, "t", "disk.faults = checkpoint\n", error, sizeof(error)) &&
         s.disk_fault_scope == DISK_FAULTS_CHECKPOINT;
    check(ok, "scenario_disk_keys", error);
    static const char *const bad[] = {"disk.size = 1000\n", "disk.size = 2G\n", "disk.size = M\n",
                                      "disk.size = 8X\n", "disk.faults = maybe\n"};
    for (u32 i = 0; i < ARRAY_COUNT(bad); i++) {
        scenario_defaults(&s);
        ok = !scenario_parse(&s, "t", bad[i], error, sizeof(error)) && strstr(error, "t:1: key 'disk.") != NULL;
        char test_name[64];
        snprintf(test_name, sizeof(test_name), "scenario_disk_bad_value_named_%u", i);
        check(ok, test_name, bad[i]);
    }
}

int main(void) {
    test_no_disk_and_ranges();
    test_read_your_writes_and_flush();
    test_cache_destage();
    test_read_and_write_errors();
    test_latent();
    test_corruption();
    test_lost_and_misdirected();
    test_torn_writes();
    test_latency();
    test_atlas_api();
    test_atlas_redundant_and_free();
    test_atlas_many_seeds();
    test_determinism();
    test_stream_independence();
    test_summary();
    test_scenarios();
    return failures == 0 ? 0 : 1;
}
