// The simulator's storage side on a real kernel with the filesystem on GrainDB:
// GrainDB's layout in the fault atlas, failed and interrupted flushes, power loss at
// device calls (unwinding the kernel), the storage invariants holding on real runs,
// inspections leaving no trace, and each storage invariant reporting the corruption
// it exists for (in a child process: a violation ends the run).
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "faults/faults.h"
#include "faults/pcg32.h"
#include "kernel/kernel.h"
#include "sim/invariants/invariant_storage.h"
#include "sim/invariants/invariants.h"
#include "sim/machine/disk.h"
#include "sim/machine/node.h"
#include "sim/machine/streams.h"
#include "sim/sim.h"
#include "sim/trace.h"
#include "tests/unit/unit_child.h"
#include "tests/unit/unit_sim.h"

#define DISK_BYTES (16ull << 20)
#define STEPS_MAX 200000u

static u32 failures;
static struct graindb db_before; // large: kept off the stack

static void check(bool ok, const char *name, const char *reason) {
    if (ok) {
        printf("ok %s\n", name);
    } else {
        printf("not ok %s - %s\n", name, reason);
        failures++;
    }
}

static struct sim *make_sim(u64 seed, u64 disk_bytes, enum disk_fault_scope scope, bool invariants) {
    struct sim_config config;
    unit_sim_config(&config, seed, STEPS_MAX, "init.rounds=0 init.fs=1 init.end=reboot loglevel=warn");
    config.disk_size_bytes = disk_bytes;
    config.disk_fault_scope = scope;
    config.no_invariants = !invariants;
    struct sim *sim = unit_sim_start(&config);
    return sim;
}

static void set_fault(struct sim *sim, u32 kind, u32 rate_per_million) {
    sim->faults[kind].enabled = rate_per_million != 0;
    sim->faults[kind].rate_per_million = rate_per_million;
}

// Steps until done(node) or the step limit; false if the run ended first.
static bool step_until(struct sim *sim, bool (*done)(const struct platform *)) {
    enum sim_end end;
    for (u32 i = 0; i < STEPS_MAX; i++) {
        if (done(sim->nodes[0])) return true;
        if (!sim_step(sim, &end)) return false;
    }
    return done(sim->nodes[0]);
}

static bool mounted_with_workload(const struct platform *node) {
    return node->state == NODE_RUNNING && node->kernel.fs.state == FS_MOUNTED &&
           graindb_commit_seq(&node->kernel.fs.db) > 60 && !node->kernel.fs.db.batch_open;
}

static bool second_boot_running(const struct platform *node) {
    return node->boots >= 2 && node->state == NODE_RUNNING && node->kernel.fs.state == FS_MOUNTED &&
           !node->invariants.storage_mount_pending;
}

// ---- atlas ---------------------------------------------------------------------------
static void test_atlas(void) {
    struct sim *sim = make_sim(1, DISK_BYTES, DISK_FAULTS_RECOVERABLE, true);
    const struct sim_disk *disk = &sim->nodes[0]->disk;
    u32 group = 0, copy = 0;
    bool ok = disk->groups_count == 2 && disk->groups[0].first_sector == 0 && disk->groups[0].sector_count == 1 &&
              disk->groups[0].copies == GRAINDB_SUPERBLOCK_COPIES && disk->groups[1].first_sector == 4 &&
              disk->groups[1].sector_count == GRAINDB_BATCH_BYTES_MAX / DISK_SECTOR_BYTES &&
              disk->groups[1].copies == 2;
    ok = ok && disk_atlas_locate(disk, 2, &group, &copy) && group == 0 && copy == 2;
    u64 slot_sectors = GRAINDB_BATCH_BYTES_MAX / DISK_SECTOR_BYTES;
    ok = ok && disk_atlas_locate(disk, 200, &group, &copy) && group == 1 && copy == 0;
    ok = ok && disk_atlas_locate(disk, 4 + slot_sectors + 8, &group, &copy) && group == 1 && copy == 1;
    ok = ok && !disk_atlas_locate(disk, 4 + 2 * slot_sectors, &group, &copy) &&
         !disk_atlas_locate(disk, GRAINDB_LOG_START_SECTOR, &group, &copy) &&
         !disk_atlas_locate(disk, disk->sector_count - 1, &group, &copy);
    check(ok, "atlas_graindb_layout", "superblock copies 4 x 1 at 0, mirror 2 x 288 at 4, both log zones single-copy");
    sim_destroy(sim);
    sim = make_sim(1, 256ull * DISK_SECTOR_BYTES, DISK_FAULTS_RECOVERABLE, true);
    disk = &sim->nodes[0]->disk;
    check(disk->groups_count == 1 && disk->groups[0].sector_count == DISK_DEFAULT_SUPERBLOCK_SECTORS,
          "atlas_small_disk_keeps_testing_layout", "a disk without room for a log must keep the testing layout");
    sim_destroy(sim);
}

// ---- flushes -----------------------------------------------------------------------------
static void fill(u8 *bytes, u8 value) { memset(bytes, value, DISK_SECTOR_BYTES); }

static void test_flush_error(void) {
    struct sim *sim = make_sim(2, DISK_BYTES, DISK_FAULTS_RECOVERABLE, true);
    struct platform *node = sim->nodes[0];
    u8 bytes[DISK_SECTOR_BYTES];
    for (u32 i = 0; i < 8; i++) {
        fill(bytes, (u8)(0x10 + i));
        assert(platform_block_write(node, 1000 + i, bytes, 1) == 0);
    }
    set_fault(sim, FAULT_DISK_FLUSH_ERROR, FAULT_RATE_PER_MILLION_MAX);
    i64 result = platform_block_flush(node);
    set_fault(sim, FAULT_DISK_FLUSH_ERROR, 0);
    u32 landed = 0, dropped = 0;
    for (u32 i = 0; i < 8; i++) {
        u8 first = disk_durable_sector(&node->disk, 1000 + i)[0];
        landed += first == 0x10 + i;
        dropped += first == 0;
    }
    check(result == -E_IO && sim->faults_injected[FAULT_DISK_FLUSH_ERROR] == 1 && node->disk.cache_writes_count == 0,
          "flush_error_fails_and_empties_cache", "expected -E_IO, one fault counted, an empty cache");
    check(landed + dropped == 8 && landed > 0 && dropped > 0, "flush_error_lands_some_drops_some",
          "each write must either land or be dropped (8 writes: both happen)");
    check(platform_block_flush(node) == 0, "flush_after_failed_flush_succeeds", "an empty cache flushes fine");
    sim_destroy(sim);
}

static void test_interrupted_flush(void) {
    u32 partial = 0;
    bool all_prefix = true;
    for (u64 seed = 1; seed <= 16 && all_prefix; seed++) {
        struct sim *sim = make_sim(seed, DISK_BYTES, DISK_FAULTS_RECOVERABLE, true);
        struct platform *node = sim->nodes[0];
        u8 bytes[DISK_SECTOR_BYTES];
        for (u32 i = 0; i < 6; i++) {
            fill(bytes, (u8)(0x40 + i));
            assert(platform_block_write(node, 2000 + i, bytes, 1) == 0);
        }
        node_disk_flush_interrupted(node);
        u32 landed = node->disk.cache_writes_landed;
        node_disk_power_loss(node); // torn writes off: the rest is lost
        bool prefix = true;
        for (u32 i = 0; i < 6; i++) {
            u8 first = disk_durable_sector(&node->disk, 2000 + i)[0];
            prefix = prefix && first == (i < landed ? 0x40 + i : 0);
        }
        partial += landed > 0 && landed < 6;
        all_prefix = prefix && node->disk.cache_writes_count == 0 && node->disk.cache_writes_landed == 0;
        sim_destroy(sim);
    }
    check(all_prefix, "interrupted_flush_lands_oldest_first", "the landed writes must be the oldest, the rest lost");
    check(partial > 0, "interrupted_flush_sometimes_partial", "16 seeds never landed part of the cache");
}

// ---- power loss at device calls --------------------------------------------------------------
static bool storage_power_loss(const struct platform *node) {
    const struct sim *sim = node->sim;
    return sim->power_loss_sites[POWER_LOSS_AT_BLOCK_WRITE] + sim->power_loss_sites[POWER_LOSS_AT_FLUSH] >= 3 &&
           node->state == NODE_RUNNING && node->boots >= 3;
}

static u64 power_run(u64 seed, bool invariants, u64 *sites_out) {
    struct sim *sim = make_sim(seed, DISK_BYTES, DISK_FAULTS_RECOVERABLE, invariants);
    set_fault(sim, FAULT_POWER_LOSS, 3000);
    set_fault(sim, FAULT_DISK_TORN_WRITE, 500000);
    sim->config.steps_limit = 6000;
    (void)sim_run(sim);
    u64 hash = trace_hash(&sim->trace);
    for (u32 site = 0; site < POWER_LOSS_SITE_COUNT; site++) sites_out[site] = sim->power_loss_sites[site];
    sim_destroy(sim);
    return hash;
}

static void test_device_power_loss(void) {
    // The first boot (formatting, importing every program of the initial archive) must
    // once get through at 2% power loss per step and device call; every failed try
    // leaves its writes in the log, which nothing reclaims yet: room for thousands.
    struct sim *sim = make_sim(3, 2 * DISK_BYTES, DISK_FAULTS_RECOVERABLE, true);
    set_fault(sim, FAULT_POWER_LOSS, 20000);
    bool reached = step_until(sim, storage_power_loss);
    struct platform *node = sim->nodes[0];
    check(reached, "power_loss_strikes_inside_commits", "no power loss at block writes or flushes");
    u64 sites = 0;
    for (u32 site = 0; site < POWER_LOSS_SITE_COUNT; site++) sites += sim->power_loss_sites[site];
    check(sites == sim->faults_injected[FAULT_POWER_LOSS], "power_loss_sites_add_up",
          "power losses by site differ from the power_loss count");
    check(!node->power_unwind_armed && !node->inspecting && node->kernel.fs.state == FS_MOUNTED,
          "node_recovers_after_device_power_loss", "the node must boot and mount again");
    sim_destroy(sim);

    u64 sites_a[POWER_LOSS_SITE_COUNT], sites_b[POWER_LOSS_SITE_COUNT], sites_c[POWER_LOSS_SITE_COUNT];
    u64 a = power_run(5, true, sites_a);
    u64 b = power_run(5, true, sites_b);
    u64 c = power_run(5, false, sites_c);
    check(a == b && memcmp(sites_a, sites_b, sizeof(sites_a)) == 0, "device_power_loss_deterministic",
          "the same seed gave another trace");
    check(a == c && memcmp(sites_a, sites_c, sizeof(sites_a)) == 0, "invariants_do_not_change_the_run",
          "--no-invariants gave another trace: a check disturbed the kernel or a stream");
    check(sites_a[POWER_LOSS_AT_BLOCK_WRITE] + sites_a[POWER_LOSS_AT_FLUSH] > 0, "power_run_hit_storage_calls",
          "no power loss at a block write or flush in 6000 steps");
}

// ---- checks on a real run ------------------------------------------------------------------
static void test_real_run(struct sim *sim) {
    bool reached = step_until(sim, mounted_with_workload);
    check(reached, "workload_commits", "the filesystem workload made no commits");
    if (!reached) return;
    check(sim->invariant_checks[INV_ACKNOWLEDGED_WRITES_SURVIVE] > 60 &&
              sim->invariant_checks[INV_DIRECTORY_TREE_CONSISTENT] >= 1 &&
              sim->invariant_checks[INV_VERSION_HISTORY_ONLY_GROWS] >= 1 &&
              sim->invariant_checks[INV_READS_RETURN_WRITTEN_BYTES] > 0,
          "storage_invariants_checked", "a storage invariant was never checked");
    check(sim->invariant_checks[INV_FSCK_CLEAN_AFTER_RECOVERY] == 0, "no_fsck_after_formatting",
          "the first boot formats and writes on: fsck is for recoveries");
    reached = step_until(sim, second_boot_running);
    check(reached && sim->invariant_checks[INV_FSCK_CLEAN_AFTER_RECOVERY] >= 1, "fsck_after_recovery",
          "a reboot's mount must run fsck (budget full at first)");
    check(sim->invariant_checks[INV_MERKLE_INCREMENTAL_EQUALS_RECOMPUTED] >= 1, "merkle_checked_within_budget",
          "the Merkle recomputation never ran in a whole boot");
}

// An inspection with every check: the kernel's GrainDB, the trace and the streams
// must be exactly as before.
static void test_inspection_is_invisible(struct sim *sim) {
    struct platform *node = sim->nodes[0];
    struct graindb *db = &node->kernel.fs.db;
    assert(node->state == NODE_RUNNING);
    assert(!db->batch_open);
    memcpy(&db_before, db, sizeof(db_before));
    struct pcg32 streams[STREAM_COUNT];
    memcpy(streams, node->streams, sizeof(streams));
    u64 events = sim->trace.count, hash = trace_hash(&sim->trace), now_ns = node->now_ns;
    node->invariants.storage_mount_wrote = false;
    node->storage.fsck_budget_bytes = STORAGE_FSCK_BUDGET_MAX_BYTES;
    u64 fsck_before = sim->invariant_checks[INV_FSCK_CLEAN_AFTER_RECOVERY];
    struct storage_scratch *scratch = storage_inspection_begin(sim, node, true);
    storage_check_keys_within(sim, node, graindb_commit_seq(db));
    storage_check_merkle(sim, node);
    storage_check_versions(sim, node, scratch, 0);
    storage_check_fsck(sim, node, scratch);
    storage_check_tree(sim, node, scratch);
    storage_inspection_end(node, scratch);
    check(sim->invariant_checks[INV_FSCK_CLEAN_AFTER_RECOVERY] == fsck_before + 1, "inspection_ran_fsck",
          "fsck did not run");
    check(memcmp(&db_before, db, sizeof(db_before)) == 0, "inspection_leaves_graindb_unchanged",
          "struct graindb differs after the checks");
    check(memcmp(streams, node->streams, sizeof(streams)) == 0 && sim->trace.count == events &&
              trace_hash(&sim->trace) == hash && node->now_ns == now_ns,
          "inspection_leaves_no_trace", "a stream, the trace or the time changed");
    // The checks after a commit keep only the start of io_buffer: they touch no more.
    scratch = storage_inspection_begin(sim, node, false);
    storage_check_merkle(sim, node);
    storage_check_versions(sim, node, scratch, 0);
    storage_check_tree(sim, node, scratch);
    storage_check_tree_changed(sim, node, scratch, 0);
    storage_inspection_end(node, scratch);
    check(memcmp(&db_before, db, sizeof(db_before)) == 0, "step_inspection_leaves_graindb_unchanged",
          "struct graindb differs after the checks of a commit");
}

// ---- reports -------------------------------------------------------------------------------
static bool child_reports(void (*fn)(struct sim *, struct platform *), struct sim *sim, const char *invariant) {
    return unit_child_reports(fn, sim, sim->nodes[0], invariant);
}

static void event(struct sim *sim, struct platform *node, u32 kind, u64 a, u64 b, u64 c) {
    (void)sim;
    sim_trace(node, kind, a, b, c);
}

static void ack_then_mount_lower(struct sim *sim, struct platform *node) {
    u64 seq = node->storage.acked_seq;
    event(sim, node, TRACE_DB_COMMIT_START, seq + 1, 0, 0);
    event(sim, node, TRACE_DB_COMMIT, seq + 1, 0x1234, 0);
    event(sim, node, TRACE_FS_MOUNT, FS_MOUNTED, seq, node->storage.acked_root);
}

static void commit_goes_back(struct sim *sim, struct platform *node) {
    u64 seq = node->storage.acked_seq;
    event(sim, node, TRACE_DB_COMMIT, seq, node->storage.acked_root ^ 1, 0);
}

static void mount_other_root(struct sim *sim, struct platform *node) {
    event(sim, node, TRACE_FS_MOUNT, FS_MOUNTED, node->storage.acked_seq, node->storage.acked_root ^ 1);
}

static void mount_never_started(struct sim *sim, struct platform *node) {
    event(sim, node, TRACE_FS_MOUNT, FS_MOUNTED, node->storage.acked_seq + 2, 0);
}

static void read_wrong_bytes(struct sim *sim, struct platform *node) {
    event(sim, node, TRACE_FS_OBJECT_WRITE, 0xabcdef, 0x1111, 40);
    event(sim, node, TRACE_FS_OBJECT_READ, 0xabcdef, 0x1111, 40); // fine
    event(sim, node, TRACE_FS_OBJECT_READ, 0xabcdef, 0x2222, 40);
}

static void read_never_written(struct sim *sim, struct platform *node) {
    event(sim, node, TRACE_FS_OBJECT_READ, 0x5eed5eed, 0x1111, 40);
}

static void merkle_corrupted(struct sim *sim, struct platform *node) {
    node->kernel.fs.db.merkle_nodes[1][0] ^= 1;
    struct storage_scratch *scratch = storage_inspection_begin(sim, node, true);
    storage_check_merkle(sim, node);
    storage_inspection_end(node, scratch);
}

static void version_went_back(struct sim *sim, struct platform *node) {
    u8 key[GRAINDB_KEY_LEN_MAX];
    u32 key_len = 0;
    struct graindb_ref_info info;
    assert(graindb_ref_at(&node->kernel.fs.db, 0, key, &key_len, &info) == 0);
    storage_key_find_or_insert(&node->storage, trace_hash_bytes(key, key_len))->key_version = info.key_version + 5;
    struct storage_scratch *scratch = storage_inspection_begin(sim, node, true);
    storage_check_versions(sim, node, scratch, 0);
    storage_inspection_end(node, scratch);
}

static void superblock_damaged(struct sim *sim, struct platform *node) {
    disk_durable_sector(&node->disk, 1)[100] ^= 0x20; // one superblock copy
    node->invariants.storage_mount_wrote = false;
    node->storage.fsck_budget_bytes = STORAGE_FSCK_BUDGET_MAX_BYTES;
    struct storage_scratch *scratch = storage_inspection_begin(sim, node, true);
    storage_check_fsck(sim, node, scratch);
    storage_inspection_end(node, scratch);
}

// The ref of a directory inode (/bin, inode 2) now names the root's inode record.
static void directory_ref_swapped(struct sim *sim, struct platform *node) {
    struct graindb *db = &node->kernel.fs.db;
    u8 key[FS_KEY_LEN_MAX];
    u32 key_len = 0;
    struct graindb_ref_info root, bin;
    fs_inode_key(FS_ROOT_INODE, key, &key_len);
    assert(graindb_ref_get(db, key, key_len, &root) == 0);
    fs_inode_key(FS_ROOT_INODE + 1, key, &key_len);
    assert(graindb_ref_get(db, key, key_len, &bin) == 0);
    for (u32 i = 0; i < db->refs_count; i++) {
        if (memcmp(db->refs[i].object_hash, bin.object_hash, GRAINDB_HASH_BYTES) == 0) {
            memcpy(db->refs[i].object_hash, root.object_hash, GRAINDB_HASH_BYTES);
            db->refs[i].object_pos8 = db->refs[0].object_pos8; // the root's, written first
        }
    }
    struct storage_scratch *scratch = storage_inspection_begin(sim, node, true);
    storage_check_tree(sim, node, scratch);
    storage_inspection_end(node, scratch);
}

static void test_reports(struct sim *sim) {
    check(child_reports(ack_then_mount_lower, sim, "acknowledged_writes_survive"), "lost_commit_reported",
          "a mount below the acknowledged commit must be reported");
    check(child_reports(commit_goes_back, sim, "acknowledged_writes_survive"), "commit_going_back_reported",
          "an acknowledged commit reusing a number must be reported");
    check(child_reports(mount_other_root, sim, "batches_all_or_nothing"), "mount_other_root_reported",
          "a mount with another root at the acknowledged commit must be reported");
    check(child_reports(mount_never_started, sim, "batches_all_or_nothing"), "mount_beyond_commits_reported",
          "a mount at a commit never started must be reported");
    check(child_reports(read_wrong_bytes, sim, "reads_return_written_bytes"), "wrong_read_reported",
          "a read with other bytes must be reported");
    check(child_reports(read_never_written, sim, "reads_return_written_bytes"), "unknown_read_reported",
          "a read of an object never written must be reported");
    check(child_reports(merkle_corrupted, sim, "merkle_incremental_equals_recomputed"), "merkle_difference_reported",
          "a wrong incremental root must be reported");
    check(child_reports(version_went_back, sim, "version_history_only_grows"), "version_going_back_reported",
          "a key version below one seen must be reported");
    check(child_reports(superblock_damaged, sim, "fsck_clean_after_recovery"), "fsck_problem_reported",
          "a damaged superblock copy after recovery must be reported");
    check(child_reports(directory_ref_swapped, sim, "directory_tree_consistent"), "tree_damage_reported",
          "an entry naming a record of another inode must be reported");
    // Still fine in this process: nothing above ran here.
    u64 before = sim->invariant_checks[INV_BATCHES_ALL_OR_NOTHING];
    struct platform *node = sim->nodes[0];
    u64 seq = node->storage.acked_seq;
    event(sim, node, TRACE_DB_COMMIT_START, seq + 1, 0, 0); // started, never acknowledged
    event(sim, node, TRACE_FS_MOUNT, FS_MOUNTED, seq + 1, 0x77); // it survived: fine
    check(sim->invariant_checks[INV_BATCHES_ALL_OR_NOTHING] == before + 1 && node->storage.acked_seq == seq + 1,
          "unacknowledged_commit_may_survive", "a mount one past, at a started commit, must pass");
}

// ---- losses that every copy's destruction excuses ---------------------------------------------
static void judge_intact(struct sim *sim, struct platform *node) {
    node->storage.recent[5 % STORAGE_RECENT_COMMITS].copies[0].intact_at_boot = true;
    storage_judge_loss(sim, node, 4, "test");
}

static void judge_unflushed(struct sim *sim, struct platform *node) {
    node->storage.recent[5 % STORAGE_RECENT_COMMITS].copies[1].flushed = false;
    storage_judge_loss(sim, node, 4, "test");
}

static void test_loss_judgement(void) {
    struct sim *sim = make_sim(4, DISK_BYTES, DISK_FAULTS_UNRESTRICTED, true);
    struct platform *node = sim->nodes[0];
    struct storage_shadow *shadow = &node->storage;
    shadow->acked_any = true;
    shadow->acked_seq = 5;
    struct storage_commit_record *record = &shadow->recent[5 % STORAGE_RECENT_COMMITS];
    record->commit_seq = 5;
    record->copies_count = 2;
    record->copies[0] = (struct storage_commit_copy){.sector = 300, .sector_count = 1, .flushed = true};
    record->copies[1] = (struct storage_commit_copy){.sector = 5, .sector_count = 1, .flushed = true};
    check(child_reports(judge_intact, sim, "acknowledged_writes_survive"), "loss_with_intact_copy_reported",
          "a lost commit with an intact copy must be reported");
    check(child_reports(judge_unflushed, sim, "acknowledged_writes_survive"), "loss_of_unflushed_copy_reported",
          "a lost commit acknowledged before its flush must be reported");
    storage_judge_loss(sim, node, 4, "test"); // every copy destroyed after its flush
    check(shadow->lost_excused == 1, "loss_with_every_copy_destroyed_excused", "must be counted, not reported");
    // The copies' bytes, as recorded at the write and compared at power-on.
    u8 bytes[DISK_SECTOR_BYTES];
    fill(bytes, 0x5a);
    storage_commit_begin(node, 6);
    storage_on_block_write(node, 700, 1, bytes);
    storage_on_flush(node, 0);
    storage_commit_end(node, 6, true);
    disk_land(&node->disk, 700, bytes, 1);
    storage_on_power_on(node);
    bool intact = shadow->recent[6 % STORAGE_RECENT_COMMITS].copies[0].intact_at_boot;
    disk_durable_sector(&node->disk, 700)[7] ^= 1;
    storage_on_power_on(node);
    bool damaged = !shadow->recent[6 % STORAGE_RECENT_COMMITS].copies[0].intact_at_boot;
    check(intact && damaged, "copies_compared_at_power_on", "an intact copy must read intact, a flipped bit not");
    sim_destroy(sim);
}

int main(void) {
    test_atlas();
    test_flush_error();
    test_interrupted_flush();
    test_loss_judgement();
    struct sim *sim = make_sim(7, DISK_BYTES, DISK_FAULTS_RECOVERABLE, true);
    test_real_run(sim);
    if (sim->nodes[0]->state == NODE_RUNNING && sim->nodes[0]->kernel.fs.state == FS_MOUNTED) {
        test_inspection_is_invisible(sim);
        test_reports(sim);
    }
    sim_destroy(sim);
    test_device_power_loss();
    return failures == 0 ? 0 : 1;
}
