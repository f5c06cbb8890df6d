// Repairs written while opening: the last commit's log copy is read for the mirror
// repair through the retrying path (a one-off read error must not leave the mirror
// without it), and every repair (superblock copies, mirror slot, log copy from the
// mirror, checkpoint) is read back and written again when the drive lost or
// misdirected it, a bounded number of times; what a misdirected repair landed on
// (superblock copies, the last commit's mirror slot or log copy) is repaired too. So
// fsck is clean right after recovery.
#include "tests/graindb/gdbtest.h"

#define COMMITS GDBTEST_COMMITS

static struct graindb *db = &gdbtest_db;
static struct platform *dev = &gdbtest_dev;
#define batch_position gdbtest_batch_position

static u64 log_sector(u64 position) { return GRAINDB_LOG_START_SECTOR + position / BLOCK_SECTOR_SIZE_BYTES; }

static u64 mirror_sector(u64 commit) {
    return GRAINDB_SUPERBLOCK_COPIES + (commit % GRAINDB_MIRROR_SLOTS_COUNT) * (GRAINDB_BATCH_BYTES_MAX / BLOCK_SECTOR_SIZE_BYTES);
}


static const char *fsck_clean(void) {
    struct graindb_verify_report report;
    long long rc = graindb_verify(db, &report);
    EXPECT(rc == 0, "fsck = %lld: %s", rc, report.problems_count ? report.problems[0].what : "-");
    return NULL;
}

// Open, then: fsck is clean, the last commit reads back, and the repair read back
// after `rewrites` rewrites.
static const char *open_repaired(u32 rewrites) {
    EXPECT_RC(graindb_open(db, dev), 0);
    const char *why = fsck_clean();
    if (why) return why;
    if ((why = gdbtest_check_value(COMMITS % 7, COMMITS))) return why;
    const struct graindb_open_stats *stats = &db->open_stats;
    EXPECT(stats->repaired, "nothing repaired");
    EXPECT(stats->repair_rewrites == rewrites && stats->repairs_unverified == 0 && stats->repair_problem == NULL,
           "rewrites %u (want %u), unverified %u", stats->repair_rewrites, rewrites, stats->repairs_unverified);
    EXPECT(!graindb_failed(db), "failed after a repair that read back");
    return NULL;
}

static const char *mirror_repair_survives_a_one_off_read_error(void) {
    const char *why = gdbtest_fresh_with_commits(31);
    if (why) return why;
    // With a checkpoint after the last commit, open reads its batch only for the repair.
    EXPECT_RC(graindb_close(db), 0);
    testdev_corrupt(dev, mirror_sector(COMMITS), 30, 0x04);
    dev->read_error_once_sectors[dev->read_error_once_sectors_count++] = log_sector(batch_position[COMMITS]);
    if ((why = open_repaired(0))) return why;
    EXPECT(dev->read_error_once_sectors_count == 0, "the failing read did not happen");
    EXPECT(db->open_stats.mirror_slots_valid == 1, "mirror slots %u", db->open_stats.mirror_slots_valid);
    EXPECT_RC(graindb_open(db, dev), 0);
    EXPECT(db->open_stats.mirror_slots_valid == 2 && !db->open_stats.repaired, "mirror not repaired");
    return NULL;
}

static const char *lost_mirror_repair_is_written_again(void) {
    const char *why = gdbtest_fresh_with_commits(32);
    if (why) return why;
    testdev_corrupt(dev, mirror_sector(COMMITS), 30, 0x04);
    dev->lose_write_call = (i64)dev->write_calls; // the mirror repair is open's first write
    if ((why = open_repaired(1))) return why;
    EXPECT_RC(graindb_open(db, dev), 0);
    EXPECT(db->open_stats.mirror_slots_valid == 2, "mirror not repaired");
    return NULL;
}

static const char *lost_log_rewrite_from_the_mirror_is_written_again(void) {
    const char *why = gdbtest_fresh_with_commits(33);
    if (why) return why;
    testdev_corrupt(dev, log_sector(batch_position[COMMITS]), 200, 0x80);
    dev->lose_write_call = (i64)dev->write_calls;
    if ((why = open_repaired(1))) return why;
    EXPECT(db->open_stats.recovered_from_mirror == 1, "not taken from the mirror");
    EXPECT_RC(graindb_open(db, dev), 0);
    EXPECT(db->open_stats.recovered_from_mirror == 0, "log copy not repaired");
    return NULL;
}

// Recovery takes the last commit from the mirror (its log copy is damaged) and writes it
// back to the log, but the drive drops that write and its flush fails: the database is
// failed (read-only) and the commit is read from its mirror slot, by key, by hash and in
// history (seed 4 of storage-bug-hunt: a file's new record was unreadable).
static const char *commit_from_the_mirror_reads_when_its_write_back_failed(void) {
    const char *why = gdbtest_fresh_with_commits(34);
    if (why) return why;
    testdev_corrupt(dev, log_sector(batch_position[COMMITS]), 60, 0x80);  // the object's hash
    testdev_corrupt(dev, log_sector(batch_position[COMMITS]), 100, 0x80); // the object's bytes
    testdev_corrupt(dev, log_sector(batch_position[COMMITS]), 200, 0x80); // its REF record
    dev->lose_write_call = (i64)dev->write_calls;     // the write-back is open's first write
    dev->fail_flush_call = (i64)dev->flush_calls + 1; // after open's own flush
    EXPECT_RC(graindb_open(db, dev), 0);
    EXPECT(graindb_failed(db), "not failed after the write-back's flush failed");
    EXPECT(db->open_stats.recovered_from_mirror == 1, "not taken from the mirror");
    EXPECT_RC(graindb_commit_seq(db), COMMITS);
    if ((why = gdbtest_check_value(COMMITS % 7, COMMITS))) return why;
    char key[16];
    gdbtest_key(key, COMMITS % 7);
    struct graindb_ref_info info;
    EXPECT_RC(graindb_ref_get(db, (const u8 *)key, 16, &info), 0);
    u8 got[100];
    u32 size = 0;
    EXPECT_RC(graindb_get(db, info.object_hash, got, sizeof(got), &size), 0);
    struct graindb_ref_info versions[2];
    u32 count = 0;
    EXPECT_RC(graindb_ref_history(db, (const u8 *)key, 16, versions, 2, &count), 0);
    EXPECT(count == 2 && versions[0].commit_seq == COMMITS, "history: %u versions, first of commit %llu", count,
           (unsigned long long)versions[0].commit_seq);
    EXPECT_RC(graindb_open(db, dev), 0); // the drive takes writes again: written back now
    EXPECT(!graindb_failed(db) && db->open_stats.recovered_from_mirror == 1, "not written back at the next open");
    return fsck_clean();
}

static const char *lost_superblock_repair_is_written_again(void) {
    const char *why = gdbtest_fresh_with_commits(34);
    if (why) return why;
    testdev_corrupt(dev, 1, 100, 0x20);
    dev->lose_write_call = (i64)dev->write_calls + 2; // copy 2: its old copy stays valid
    if ((why = open_repaired(1))) return why;
    EXPECT_RC(graindb_open(db, dev), 0);
    EXPECT(db->open_stats.superblock_copies_valid == 4, "copies %u", db->open_stats.superblock_copies_valid);
    return NULL;
}

static const char *misdirected_superblock_repair_is_found(void) {
    const char *why = gdbtest_fresh_with_commits(35);
    if (why) return why;
    testdev_corrupt(dev, 1, 100, 0x20);
    // Copy 2 lands on copy 1, already written: both differ when read back.
    dev->misdirect_write_call = (i64)dev->write_calls + 2;
    dev->misdirect_delta = -1;
    if ((why = open_repaired(1))) return why;
    EXPECT_RC(graindb_open(db, dev), 0);
    EXPECT(db->open_stats.superblock_copies_valid == 4, "copies %u", db->open_stats.superblock_copies_valid);
    return NULL;
}

// The mirror repair of commit 20 (slot 0, sector 4) lands two sectors early, over
// superblock copies 2 and 3: its slot is written again, and the copies it destroyed
// are found when the repairs are read again, and rewritten.
static const char *misdirected_mirror_repair_victim_is_repaired(void) {
    const char *why = gdbtest_fresh_with_commits(39);
    if (why) return why;
    testdev_corrupt(dev, mirror_sector(COMMITS), 30, 0x04);
    dev->misdirect_write_call = (i64)dev->write_calls;
    dev->misdirect_delta = -2;
    if ((why = open_repaired(1))) return why;
    EXPECT_RC(graindb_open(db, dev), 0);
    EXPECT(db->open_stats.superblock_copies_valid == 4 && db->open_stats.mirror_slots_valid == 2,
           "copies %u, mirror slots %u", db->open_stats.superblock_copies_valid, db->open_stats.mirror_slots_valid);
    return NULL;
}

// Superblock copy 3's repair lands on the last commit's log copy: the copy is written
// again, and the log copy is found damaged and rewritten from the mirror.
static const char *misdirected_superblock_repair_victim_in_the_log_is_repaired(void) {
    const char *why = gdbtest_fresh_with_commits(40);
    if (why) return why;
    testdev_corrupt(dev, 1, 100, 0x20);
    dev->misdirect_write_call = (i64)dev->write_calls + 3;
    dev->misdirect_delta = (i64)log_sector(batch_position[COMMITS]) - 3;
    if ((why = open_repaired(1))) return why;
    EXPECT_RC(graindb_open(db, dev), 0);
    EXPECT(db->open_stats.superblock_copies_valid == 4 && db->open_stats.recovered_from_mirror == 0,
           "copies %u, recovered from the mirror %u", db->open_stats.superblock_copies_valid,
           db->open_stats.recovered_from_mirror);
    return NULL;
}

static const char *lost_checkpoint_repair_is_written_again(void) {
    const char *why = gdbtest_fresh_with_commits(36);
    if (why) return why;
    EXPECT_RC(graindb_checkpoint(db), 0);
    u64 checkpoint = db->superblock.checkpoint_position;
    if ((why = gdbtest_write_commits(COMMITS + 1, COMMITS + 4))) return why;
    if ((why = gdbtest_write_commits(COMMITS, COMMITS))) return why; // the last commit writes COMMITS again
    testdev_corrupt(dev, log_sector(checkpoint), 300, 0x10);
    dev->lose_write_call = (i64)dev->write_calls; // the repaired checkpoint's first chunk
    if ((why = open_repaired(1))) return why;
    EXPECT(db->open_stats.checkpoint_damaged, "damage not noticed");
    EXPECT_RC(graindb_open(db, dev), 0);
    EXPECT(db->open_stats.checkpoint_used && !db->open_stats.repaired, "repaired checkpoint not used");
    return gdbtest_check_value(COMMITS % 7, COMMITS);
}

// Every repair write is lost: open stops after GRAINDB_REPAIR_TRIES_MAX writes and says
// so; it succeeds because the other copy still holds the data.
static const char *repairs_that_never_read_back_are_bounded(void) {
    const char *why = gdbtest_fresh_with_commits(37);
    if (why) return why;
    testdev_corrupt(dev, mirror_sector(COMMITS), 30, 0x04);
    u64 writes = dev->write_calls;
    dev->lose_writes_from_call = (i64)writes;
    EXPECT_RC(graindb_open(db, dev), 0);
    const struct graindb_open_stats *stats = &db->open_stats;
    EXPECT(dev->write_calls - writes == GRAINDB_REPAIR_TRIES_MAX, "%llu repair writes",
           (unsigned long long)(dev->write_calls - writes));
    EXPECT(stats->repairs_unverified == 1 && stats->repair_rewrites == GRAINDB_REPAIR_TRIES_MAX - 1 &&
           stats->repair_problem != NULL, "unverified %u, rewrites %u", stats->repairs_unverified,
           stats->repair_rewrites);
    EXPECT(!graindb_failed(db), "the log copy holds the last commit: no need to fail");
    if ((why = gdbtest_check_value(COMMITS % 7, COMMITS))) return why;
    testdev_clear_faults(dev);
    if ((why = gdbtest_write_commits(COMMITS + 1, COMMITS + 1))) return why; // has both copies again
    EXPECT_RC(graindb_open(db, dev), 0);
    if ((why = fsck_clean())) return why;
    // The log copy rewritten from the mirror never reads back: read-only, still readable.
    testdev_corrupt(dev, log_sector(batch_position[COMMITS + 1]), 200, 0x80);
    dev->lose_writes_from_call = (i64)dev->write_calls;
    EXPECT_RC(graindb_open(db, dev), 0);
    EXPECT(stats->recovered_from_mirror == 1 && stats->repairs_unverified == 1 && graindb_failed(db),
           "recovered %u, unverified %u", stats->recovered_from_mirror, stats->repairs_unverified);
    if ((why = gdbtest_check_value((COMMITS + 1) % 7, COMMITS + 1))) return why;
    testdev_clear_faults(dev);
    EXPECT_RC(graindb_open(db, dev), 0); // the mirror still held it
    EXPECT(stats->recovered_from_mirror == 1 && stats->repairs_unverified == 0, "second repair");
    if ((why = fsck_clean())) return why;
    return gdbtest_check_value((COMMITS + 1) % 7, COMMITS + 1);
}

// The only good superblock copy is overwritten by a misdirected repair and the rest
// are lost: no superblock is left for the next open, so this one refuses.
static const char *superblock_repair_that_never_reads_back_refuses(void) {
    const char *why = gdbtest_fresh_with_commits(38);
    if (why) return why;
    for (u64 s = 1; s < GRAINDB_SUPERBLOCK_COPIES; s++) testdev_corrupt(dev, s, 40, 0x01);
    i64 call = (i64)dev->write_calls;
    dev->lose_write_call = call;          // copy 0
    dev->misdirect_write_call = call + 1; // copy 1 lands on copy 0
    dev->misdirect_delta = -1;
    dev->lose_writes_from_call = call + 2;
    EXPECT_RC(graindb_open(db, dev), -E_IO);
    EXPECT(!db->open && db->open_stats.problem != NULL && db->open_stats.repairs_unverified > 0,
           "open %d, unverified %u", db->open, db->open_stats.repairs_unverified);
    testdev_clear_faults(dev);
    EXPECT_RC(graindb_open(db, dev), -E_BADMSG);
    return NULL;
}

int main(void) {
    RUN(mirror_repair_survives_a_one_off_read_error);
    RUN(lost_mirror_repair_is_written_again);
    RUN(lost_log_rewrite_from_the_mirror_is_written_again);
    RUN(commit_from_the_mirror_reads_when_its_write_back_failed);
    RUN(lost_superblock_repair_is_written_again);
    RUN(misdirected_superblock_repair_is_found);
    RUN(misdirected_mirror_repair_victim_is_repaired);
    RUN(misdirected_superblock_repair_victim_in_the_log_is_repaired);
    RUN(lost_checkpoint_repair_is_written_again);
    RUN(repairs_that_never_read_back_are_bounded);
    RUN(superblock_repair_that_never_reads_back_refuses);
    return gdbtest_finish();
}
