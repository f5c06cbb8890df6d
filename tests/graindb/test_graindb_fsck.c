// fsck (graindb_verify): clean on a good database, dirty with the place and reason of
// the first problems on a damaged one.
#include "tests/graindb/gdbtest.h"

static struct graindb *db = &gdbtest_db;

static const char *mixed_workload(u32 commits, u64 *object_position) {
    for (u32 i = 1; i <= commits; i++) {
        char key[16];
        u8 value[700];
        gdbtest_key(key, i % 9);
        gdbtest_value(value, sizeof(value), i);
        if (i == 5 && object_position != NULL) *object_position = db->append_position;
        if (i % 6 == 0) {
            long long rc = graindb_delete(db, (const u8 *)key, 16);
            EXPECT(rc == 0 || rc == -E_NOENT, "delete = %lld", rc);
        } else {
            EXPECT_RC(graindb_set(db, (const u8 *)key, 16, value, sizeof(value)), 0);
        }
        if (i == 20) EXPECT_RC(graindb_checkpoint(db), 0);
    }
    return NULL;
}

static const char *fsck_clean_on_good_database(void) {
    const char *why = gdbtest_fresh(8192, 30);
    if (why) return why;
    if ((why = mixed_workload(40, NULL))) return why;
    struct graindb_verify_report report;
    EXPECT_RC(graindb_verify(db, &report), 0);
    EXPECT(report.commits == graindb_commit_seq(db) && report.checkpoints == 1 && report.problems_count == 0,
           "commits %llu checkpoints %llu", (unsigned long long)report.commits, (unsigned long long)report.checkpoints);
    EXPECT(report.refs_checked == 9 && report.objects > 0 && report.tombstones > 0 && report.superblock_copies_valid == 4,
           "refs %llu objects %llu tombstones %llu", (unsigned long long)report.refs_checked,
           (unsigned long long)report.objects, (unsigned long long)report.tombstones);
    EXPECT_RC(graindb_close(db), 0);
    EXPECT_RC(graindb_open(db, &gdbtest_dev), 0);
    EXPECT_RC(graindb_verify(db, &report), 0);
    EXPECT(report.checkpoints == 2, "close wrote no checkpoint");
    return NULL;
}

static const char *fsck_dirty_on_damaged_object(void) {
    const char *why = gdbtest_fresh(8192, 31);
    if (why) return why;
    u64 position = 0;
    if ((why = mixed_workload(40, &position))) return why;
    // Damage commit 5's object (before the checkpoint, so open still works).
    u64 sector = GRAINDB_LOG_START_SECTOR + position / BLOCK_SECTOR_SIZE_BYTES;
    testdev_corrupt(&gdbtest_dev, sector, 300, 0x40);
    EXPECT_RC(graindb_open(db, &gdbtest_dev), 0);
    struct graindb_verify_report report;
    EXPECT_RC(graindb_verify(db, &report), -E_BADMSG);
    EXPECT(report.problems_count >= 1 && report.problems[0].position == position &&
           report.problems[0].error == -E_BADMSG, "first problem at %llu (%s), want %llu",
           (unsigned long long)report.problems[0].position, report.problems[0].what, (unsigned long long)position);
    return NULL;
}

static const char *fsck_dirty_on_damaged_superblock_copy(void) {
    const char *why = gdbtest_fresh(8192, 32);
    if (why) return why;
    if ((why = mixed_workload(10, NULL))) return why;
    testdev_corrupt(&gdbtest_dev, 2, 77, 0x01);
    struct graindb_verify_report report;
    EXPECT_RC(graindb_verify(db, &report), -E_BADMSG);
    EXPECT(report.superblock_copies_valid == 3, "copies %u", report.superblock_copies_valid);
    return NULL;
}

static const char *fsck_catches_index_damage_in_ram(void) {
    const char *why = gdbtest_fresh(8192, 33);
    if (why) return why;
    if ((why = mixed_workload(10, NULL))) return why;
    db->refs[1].object_hash[0] ^= 1; // what a bug in the engine could do
    struct graindb_verify_report report;
    EXPECT_RC(graindb_verify(db, &report), -E_BADMSG);
    EXPECT(report.problems_count >= 2, "%u problems", report.problems_count);
    return NULL;
}

static void corrupt_every_sector(u64 first_sector, u64 bytes) {
    for (u64 s = 0; s < (bytes + BLOCK_SECTOR_SIZE_BYTES - 1) / BLOCK_SECTOR_SIZE_BYTES; s++) {
        testdev_corrupt(&gdbtest_dev, first_sector + s, 20, 0x08);
    }
}

// An older checkpoint of the same commit as the one the superblock names, with not one
// readable sector, is stepped over: it lies before the named one and no commit lies
// between (nothing tells where it ends). fsck counts it; recovery from the zone's start
// (the named checkpoint damaged too) walks past both to the commits after them.
static const char *fsck_and_recovery_step_over_unreadable_old_checkpoint(void) {
    const char *why = gdbtest_fresh(8192, 34);
    if (why) return why;
    if ((why = mixed_workload(10, NULL))) return why;
    EXPECT_RC(graindb_checkpoint(db), 0);
    u64 old_position = db->superblock.checkpoint_position, old_bytes = db->superblock.checkpoint_bytes;
    EXPECT_RC(graindb_checkpoint(db), 0); // the same commit: a repair's new checkpoint
    u64 named_position = db->superblock.checkpoint_position;
    EXPECT(named_position > old_position, "no second checkpoint");
    char key[16];
    u8 value[700];
    gdbtest_key(key, 1);
    gdbtest_value(value, sizeof(value), 99);
    EXPECT_RC(graindb_set(db, (const u8 *)key, 16, value, sizeof(value)), 0); // after both
    corrupt_every_sector(GRAINDB_LOG_START_SECTOR + old_position / BLOCK_SECTOR_SIZE_BYTES, old_bytes);
    struct graindb_verify_report report;
    EXPECT_RC(graindb_verify(db, &report), 0);
    EXPECT(report.checkpoints_damaged == 1 && report.problems_count == 0, "damaged %llu, problems %u (%s)",
           (unsigned long long)report.checkpoints_damaged, report.problems_count,
           report.problems_count > 0 ? report.problems[0].what : "-");
    testdev_corrupt(&gdbtest_dev, GRAINDB_LOG_START_SECTOR + named_position / BLOCK_SECTOR_SIZE_BYTES, 20, 0x08);
    long long rc = graindb_open(db, &gdbtest_dev);
    EXPECT(rc == 0, "open = %lld (%s at %llu)", rc, db->open_stats.problem ? db->open_stats.problem : "-",
           (unsigned long long)db->open_stats.problem_position);
    EXPECT(db->open_stats.checkpoint_damaged, "the damaged named checkpoint was loaded");
    u8 got[sizeof(value)];
    u32 size = 0;
    EXPECT_RC(graindb_ref_read(db, (const u8 *)key, 16, got, sizeof(got), &size), 0);
    EXPECT(size == sizeof(value) && memcmp(got, value, size) == 0, "the commit after both checkpoints was lost");
    return NULL;
}

int main(void) {
    RUN(fsck_clean_on_good_database);
    RUN(fsck_dirty_on_damaged_object);
    RUN(fsck_dirty_on_damaged_superblock_copy);
    RUN(fsck_catches_index_damage_in_ram);
    RUN(fsck_and_recovery_step_over_unreadable_old_checkpoint);
    return gdbtest_finish();
}
