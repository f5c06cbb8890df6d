// Every planted bug of GrainDB (graindb.h, GRAINDB_BUG_LIST) is caught by the check
// that names it, and the same scenario passes with the bug off. Built with the engine
// compiled with -DGRAINDB_TEST_BUGS, so GRAINDB_PLANTED() reads db->planted_mask.
#include "tests/graindb/gdbtest.h"

#if !defined(GRAINDB_TEST_BUGS)
#error "build with -DGRAINDB_TEST_BUGS"
#endif

static struct graindb *db = &gdbtest_db;

// A scenario returns NULL when the invariant held, or what broke.
typedef const char *(*scenario_fn)(void);

static const char *set_value(u32 key_index, u64 seed, u32 size) {
    static u8 value[5000];
    char key[16];
    gdbtest_key(key, key_index);
    gdbtest_value(value, size, seed);
    EXPECT_RC(graindb_set(db, (const u8 *)key, 16, value, size), 0);
    return NULL;
}

// Invariant: the key reads back exactly (size, seed), or the read is an error.
static const char *reads_written_bytes(u32 key_index, u64 seed, u32 size, bool must_succeed) {
    static u8 want[5000], got[5000];
    char key[16];
    u32 got_size = 0;
    gdbtest_key(key, key_index);
    gdbtest_value(want, size, seed);
    long long rc = graindb_ref_read(db, (const u8 *)key, 16, got, sizeof(got), &got_size);
    if (rc < 0) {
        EXPECT(!must_succeed, "acknowledged key %u unreadable: %lld", key_index, rc);
        return NULL;
    }
    EXPECT(got_size == size && memcmp(want, got, size) == 0, "key %u returned bytes it was never given", key_index);
    return NULL;
}

static const char *open_planted(void) {
    long long rc = graindb_open(db, &gdbtest_dev);
    EXPECT(rc == 0, "open = %lld", rc);
    return NULL;
}

static const char *scenario_ack_before_flush(void) {
    for (u32 i = 0; i < 5; i++) {
        const char *why = set_value(i, i, 100);
        if (why) return why;
    }
    testdev_crash(&gdbtest_dev, CRASH_LOSE, 1);
    const char *why = open_planted();
    if (why) return why;
    for (u32 i = 0; i < 5; i++) {
        if ((why = reads_written_bytes(i, i, 100, true))) return why;
    }
    return NULL;
}

static const char *scenario_skip_read_verify(void) {
    const char *why = set_value(1, 11, 600);
    if (why) return why;
    // The flip (byte 77 of a sector) lands in the value's bytes, past the record header.
    gdbtest_dev.flip_sectors[gdbtest_dev.flip_sectors_count++] =
        GRAINDB_LOG_START_SECTOR + (db->refs[0].object_pos8 * 8 + BLOCK_SECTOR_SIZE_BYTES) / BLOCK_SECTOR_SIZE_BYTES;
    return reads_written_bytes(1, 11, 600, false);
}

static const char *scenario_recovery_cuts_at_bad(void) {
    u64 position = 0;
    for (u32 i = 0; i < 6; i++) {
        if (i == 2) position = db->append_position;
        const char *why = set_value(i, i, 100);
        if (why) return why;
    }
    testdev_corrupt(&gdbtest_dev, GRAINDB_LOG_START_SECTOR + position / BLOCK_SECTOR_SIZE_BYTES, 50, 1);
    long long rc = graindb_open(db, &gdbtest_dev);
    if (rc == -E_BADMSG) return NULL; // refused: detected, nothing silently lost
    EXPECT(rc == 0, "open = %lld", rc);
    for (u32 i = 0; i < 6; i++) {
        const char *why = reads_written_bytes(i, i, 100, true);
        if (why) return why;
    }
    return NULL;
}

static const char *scenario_merkle_skips_deletes(void) {
    const char *why = set_value(1, 1, 100);
    if (!why) why = set_value(2, 2, 100);
    if (why) return why;
    char key[16];
    gdbtest_key(key, 1);
    EXPECT_RC(graindb_delete(db, (const u8 *)key, 16), 0);
    u8 incremental[32], recomputed[32];
    graindb_merkle_root(db, incremental);
    graindb_merkle_recompute(db, recomputed);
    EXPECT(memcmp(incremental, recomputed, 32) == 0, "incremental merkle root differs from the recomputed one");
    return NULL;
}

static const char *scenario_retry_failed_flush(void) {
    const char *why = set_value(1, 1, 100);
    if (why) return why;
    gdbtest_dev.fail_flush_call = (i64)gdbtest_dev.flush_calls;
    char key[16];
    u8 value[100];
    gdbtest_key(key, 2);
    gdbtest_value(value, sizeof(value), 2);
    bool acknowledged = graindb_set(db, (const u8 *)key, 16, value, sizeof(value)) == 0;
    testdev_crash(&gdbtest_dev, CRASH_KEEP, 1);
    long long rc = graindb_open(db, &gdbtest_dev);
    EXPECT(rc == 0, "acknowledged data lost: open = %lld", rc);
    return reads_written_bytes(2, 2, 100, acknowledged);
}

static const char *scenario_ignore_mirror(void) {
    u64 position = 0;
    for (u32 i = 0; i < 4; i++) {
        position = db->append_position;
        const char *why = set_value(i, i, 100);
        if (why) return why;
    }
    // The last acknowledged commit is damaged after the fact.
    testdev_corrupt(&gdbtest_dev, GRAINDB_LOG_START_SECTOR + position / BLOCK_SECTOR_SIZE_BYTES, 50, 1);
    long long rc = graindb_open(db, &gdbtest_dev);
    if (rc == -E_BADMSG) return NULL; // refused: detected
    EXPECT(rc == 0, "open = %lld", rc);
    return reads_written_bytes(3, 3, 100, true);
}

static const char *scenario_history_drops_previous(void) {
    for (u32 v = 0; v < 3; v++) {
        const char *why = set_value(1, v, 100);
        if (why) return why;
    }
    char key[16];
    gdbtest_key(key, 1);
    struct graindb_ref_info versions[4];
    u32 count = 0;
    EXPECT_RC(graindb_ref_history(db, (const u8 *)key, 16, versions, 4, &count), 0);
    EXPECT(count == 3, "version history has %u of 3 versions", count);
    struct graindb_ref_info info;
    EXPECT_RC(graindb_ref_get_at(db, (const u8 *)key, 16, 1, &info), 0);
    return NULL;
}

static const char *scenario_replay_partial_batch(void) {
    const char *why = set_value(1, 1, 100);
    if (!why) why = set_value(2, 2, 100);
    if (why) return why;
    // One batch: key 1 small (first sector), key 2 large; power lost after its first sector.
    static u8 big[5000];
    u8 small[100], h1[32], h2[32];
    gdbtest_value(small, sizeof(small), 101);
    gdbtest_value(big, sizeof(big), 102);
    char k1[16], k2[16];
    gdbtest_key(k1, 1);
    gdbtest_key(k2, 2);
    gdbtest_dev.power_cut_after_sectors = (i64)gdbtest_dev.sectors_written + 1;
    EXPECT_RC(graindb_batch_begin(db), 0);
    EXPECT_RC(graindb_batch_put_object(db, small, sizeof(small), h1), 0);
    EXPECT_RC(graindb_batch_set_ref(db, (const u8 *)k1, 16, h1), 0);
    EXPECT_RC(graindb_batch_put_object(db, big, sizeof(big), h2), 0);
    EXPECT_RC(graindb_batch_set_ref(db, (const u8 *)k2, 16, h2), 0);
    EXPECT_RC(graindb_batch_commit(db, NULL), -E_IO);
    testdev_crash(&gdbtest_dev, CRASH_KEEP, 1);
    if ((why = open_planted())) return why;
    // All or nothing: either both keys are new or both are old.
    struct graindb_ref_info a, b;
    EXPECT_RC(graindb_ref_get(db, (const u8 *)k1, 16, &a), 0);
    EXPECT_RC(graindb_ref_get(db, (const u8 *)k2, 16, &b), 0);
    EXPECT(a.key_version == b.key_version, "half a batch is visible (versions %u and %u)", a.key_version,
           b.key_version);
    return NULL;
}

// A damaged superblock copy must be rewritten by the next open: fsck after it is clean.
static const char *scenario_skip_superblock_repair(void) {
    const char *why = set_value(1, 1, 100);
    if (why) return why;
    testdev_crash(&gdbtest_dev, CRASH_KEEP, 1);
    testdev_corrupt(&gdbtest_dev, 1, 40, 0x10); // superblock copy 1
    if ((why = open_planted())) return why;
    struct graindb_verify_report report;
    long long rc = graindb_verify(db, &report);
    EXPECT(rc == 0 && report.problems_count == 0, "fsck after recovery found %u problems (%s)",
           report.problems_count, report.problems_count > 0 ? report.problems[0].what : "");
    return NULL;
}

// Invariant (repairs_read_back): a repair not reported unverified holds on the disk.
// The drive loses every write from the repair of a damaged superblock copy on: read
// back, the repair is reported unverified (the other copies hold the superblock).
static const char *scenario_repair_skips_readback(void) {
    const char *why = set_value(1, 1, 100);
    if (why) return why;
    testdev_crash(&gdbtest_dev, CRASH_KEEP, 1);
    testdev_corrupt(&gdbtest_dev, 1, 40, 0x10); // superblock copy 1
    gdbtest_dev.lose_writes_from_call = (i64)gdbtest_dev.write_calls;
    if ((why = open_planted())) return why;
    gdbtest_dev.lose_writes_from_call = -1;
    EXPECT(db->open_stats.repaired, "recovery repaired nothing");
    if (db->open_stats.repairs_unverified > 0) return NULL; // reported: nothing believed
    struct graindb_verify_report report;
    long long rc = graindb_verify(db, &report);
    EXPECT(rc == 0 && report.superblock_copies_valid == GRAINDB_SUPERBLOCK_COPIES,
           "a repair believed without reading back: %u superblock copies valid (%s)", report.superblock_copies_valid,
           report.problems_count > 0 ? report.problems[0].what : "");
    return NULL;
}

// Power lost during a compaction; the drive had written the superblock sectors it was
// given but none of the log's unflushed ones (a cache writes back in any order).
static void crash_keeping_metadata(void) {
    for (u64 s = 0; s < GRAINDB_LOG_START_SECTOR; s++) {
        if (!gdbtest_dev.dirty[s]) continue;
        memcpy(gdbtest_dev.durable + s * BLOCK_SECTOR_SIZE_BYTES, gdbtest_dev.current + s * BLOCK_SECTOR_SIZE_BYTES,
               BLOCK_SECTOR_SIZE_BYTES);
        gdbtest_dev.dirty[s] = 0;
    }
    testdev_crash(&gdbtest_dev, CRASH_LOSE, 1);
}

// Garbage for a compaction to take back: three keys, each written twice.
static const char *write_garbage(void) {
    for (u32 i = 0; i < 6; i++) {
        const char *why = set_value(i % 3, i, 3000);
        if (why) return why;
    }
    return NULL;
}

static const char *scenario_compact_switch_before_flush(void) {
    const char *why = write_garbage();
    if (why) return why;
    struct platform saved;
    testdev_copy(&saved, &gdbtest_dev);
    u64 start = gdbtest_dev.sectors_written;
    EXPECT_RC(graindb_compact(db), 0);
    u64 total = gdbtest_dev.sectors_written - start;
    for (u64 cut = 0; cut < total && why == NULL; cut++) {
        testdev_free(&gdbtest_dev);
        testdev_copy(&gdbtest_dev, &saved);
        if ((why = open_planted())) break;
        gdbtest_dev.power_cut_after_sectors = (i64)(gdbtest_dev.sectors_written + cut);
        (void)graindb_compact(db); // the power goes: it fails
        crash_keeping_metadata();
        long long rc = graindb_open(db, &gdbtest_dev);
        if (rc != 0) {
            snprintf(gdbtest_why, sizeof(gdbtest_why), "open refused after a cut at sector %llu of a compaction "
                     "(%s): acknowledged commits lost", (unsigned long long)cut,
                     db->open_stats.problem ? db->open_stats.problem : "-");
            why = gdbtest_why;
            break;
        }
        for (u32 k = 0; k < 3 && why == NULL; k++) why = reads_written_bytes(k, k + 3, 3000, true);
    }
    testdev_free(&saved);
    return why;
}

static const char *scenario_compact_ignores_links(void) {
    u8 chunk[2][100], links[64], hash[32];
    EXPECT_RC(graindb_batch_begin(db), 0);
    for (u32 c = 0; c < 2; c++) {
        gdbtest_value(chunk[c], sizeof(chunk[c]), 90 + c);
        EXPECT_RC(graindb_batch_put_object(db, chunk[c], sizeof(chunk[c]), links + 32 * c), 0);
    }
    EXPECT_RC(graindb_batch_put_object_linked(db, links, sizeof(links), 0, 2, hash), 0);
    EXPECT_RC(graindb_batch_set_ref(db, (const u8 *)"file", 4, hash), 0);
    EXPECT_RC(graindb_batch_commit(db, NULL), 0);
    EXPECT_RC(graindb_compact(db), 0);
    u8 got[100];
    u32 size = 0;
    for (u32 c = 0; c < 2; c++) {
        long long rc = graindb_get(db, links + 32 * c, got, sizeof(got), &size);
        EXPECT(rc == 0 && size == sizeof(got) && memcmp(got, chunk[c], size) == 0,
               "an object a live key links to was dropped by compaction (read = %lld)", rc);
    }
    return NULL;
}

static const char *scenario_compact_keeps_tombstones(void) {
    const char *why = set_value(1, 1, 100);
    if (why) return why;
    char key[16];
    gdbtest_key(key, 1);
    EXPECT_RC(graindb_delete(db, (const u8 *)key, 16), 0);
    EXPECT_RC(graindb_compact(db), 0);
    struct graindb_ref_info info;
    long long rc = graindb_ref_get(db, (const u8 *)key, 16, &info);
    EXPECT(rc == -E_NOENT, "a key deleted before the compaction is still there (version %u, deleted %d)",
           info.key_version, info.deleted);
    return NULL;
}

// Invariant (damage_is_real): an object whose header the device failed to read on
// every attempt is -E_IO, and reads on the next try: it was never damaged.
static const char *scenario_read_error_as_damage(void) {
    const char *why = set_value(1, 1, 100);
    if (!why) why = set_value(2, 2, 100); // key 1's commit is not the last: one copy
    if (why) return why;
    char key[16];
    gdbtest_key(key, 1);
    struct graindb_ref_info info;
    EXPECT_RC(graindb_ref_get(db, (const u8 *)key, 16, &info), 0);
    // A small object and its ref share the batch's first sector (a fresh zone 0).
    u64 sector = GRAINDB_LOG_START_SECTOR + info.record_position / BLOCK_SECTOR_SIZE_BYTES;
    for (u32 i = 0; i < GRAINDB_READ_ATTEMPTS_MAX; i++) {
        gdbtest_dev.read_error_once_sectors[gdbtest_dev.read_error_once_sectors_count++] = sector;
    }
    u8 buffer[100];
    u32 size = 0;
    long long rc = graindb_get(db, info.object_hash, buffer, sizeof(buffer), &size);
    testdev_clear_faults(&gdbtest_dev);
    EXPECT(rc == -E_IO, "an unreadable object header gave %lld, want -E_IO (%d)", rc, -E_IO);
    return reads_written_bytes(1, 1, 100, true);
}

// Invariant (acknowledged_writes_survive): with the checkpoint the superblock names
// damaged, recovery replays the compacted base and the log from the zone's start, and
// every acknowledged key reads back: the ones in the base, before and after the checkpoint.
static const char *scenario_damaged_checkpoint_skips_base(void) {
    const char *why = write_garbage();
    if (why) return why;
    EXPECT_RC(graindb_compact(db), 0);
    if ((why = set_value(3, 6, 200))) return why;
    EXPECT_RC(graindb_checkpoint(db), 0);
    if ((why = set_value(4, 7, 200))) return why;
    const struct graindb_superblock *sb = &db->superblock;
    EXPECT(sb->base_commit_seq > 0 && sb->checkpoint_position != GRAINDB_NONE, "no base or no checkpoint to damage");
    u64 sector = sb->log_start_sector + sb->checkpoint_position / BLOCK_SECTOR_SIZE_BYTES;
    testdev_crash(&gdbtest_dev, CRASH_KEEP, 1);
    testdev_corrupt(&gdbtest_dev, sector, 100, 0x20); // the checkpoint's first chunk
    if ((why = open_planted())) return why;
    EXPECT(db->open_stats.checkpoint_damaged, "the damaged checkpoint was loaded");
    for (u32 k = 0; k < 3 && why == NULL; k++) why = reads_written_bytes(k, k + 3, 3000, true);
    if (why == NULL) why = reads_written_bytes(3, 6, 200, true);
    if (why == NULL) why = reads_written_bytes(4, 7, 200, true);
    return why;
}

static const scenario_fn scenarios[GRAINDB_BUG_COUNT] = {
    [GRAINDB_BUG_ACK_BEFORE_FLUSH] = scenario_ack_before_flush,
    [GRAINDB_BUG_SKIP_READ_VERIFY] = scenario_skip_read_verify,
    [GRAINDB_BUG_RECOVERY_CUTS_AT_BAD] = scenario_recovery_cuts_at_bad,
    [GRAINDB_BUG_MERKLE_SKIPS_DELETES] = scenario_merkle_skips_deletes,
    [GRAINDB_BUG_RETRY_FAILED_FLUSH] = scenario_retry_failed_flush,
    [GRAINDB_BUG_IGNORE_MIRROR] = scenario_ignore_mirror,
    [GRAINDB_BUG_HISTORY_DROPS_PREVIOUS] = scenario_history_drops_previous,
    [GRAINDB_BUG_REPLAY_PARTIAL_BATCH] = scenario_replay_partial_batch,
    [GRAINDB_BUG_SKIP_SUPERBLOCK_REPAIR] = scenario_skip_superblock_repair,
    [GRAINDB_BUG_REPAIR_SKIPS_READBACK] = scenario_repair_skips_readback,
    [GRAINDB_BUG_COMPACT_SWITCH_BEFORE_FLUSH] = scenario_compact_switch_before_flush,
    [GRAINDB_BUG_COMPACT_IGNORES_LINKS] = scenario_compact_ignores_links,
    [GRAINDB_BUG_COMPACT_KEEPS_TOMBSTONES] = scenario_compact_keeps_tombstones,
    [GRAINDB_BUG_READ_ERROR_AS_DAMAGE] = scenario_read_error_as_damage,
    [GRAINDB_BUG_DAMAGED_CHECKPOINT_SKIPS_BASE] = scenario_damaged_checkpoint_skips_base,
};

#define BUG_NAME(id, name, invariant, what) name,
static const char *const bug_names[] = {GRAINDB_BUG_LIST(BUG_NAME)};
#define BUG_INVARIANT(id, name, invariant, what) invariant,
static const char *const bug_invariants[] = {GRAINDB_BUG_LIST(BUG_INVARIANT)};

static const char *run_scenario(u32 bug, bool planted) {
    const char *why = gdbtest_fresh(4096, 700 + bug);
    if (why) return why;
    db->planted_mask = planted ? 1ull << bug : 0;
    why = scenarios[bug]();
    db->planted_mask = 0;
    return why;
}

int main(void) {
    for (u32 bug = 0; bug < GRAINDB_BUG_COUNT; bug++) {
        if (scenarios[bug] == NULL) {
            printf("not ok %s - no scenario\n", bug_names[bug]);
            gdbtest_failures++;
            continue;
        }
        const char *clean = run_scenario(bug, false);
        if (clean != NULL) {
            printf("not ok %s_scenario_passes_without_bug - %s\n", bug_names[bug], clean);
            gdbtest_failures++;
            continue;
        }
        const char *caught = run_scenario(bug, true);
        if (caught == NULL) {
            printf("not ok %s_caught - %s did not notice\n", bug_names[bug], bug_invariants[bug]);
            gdbtest_failures++;
        } else {
            printf("ok %s_caught by %s (%s)\n", bug_names[bug], bug_invariants[bug], caught);
        }
    }
    return gdbtest_finish();
}
