// Disk faults: corruption in the middle of committed data and of the last acknowledged
// commit, lost and misdirected writes, bit flips and errors on read, damaged
// superblock copies, tail mirror and checkpoints, and failed writes and flushes.
#include "tests/graindb/gdbtest.h"

#define COMMITS GDBTEST_COMMITS

static struct graindb *db = &gdbtest_db;
#define batch_position gdbtest_batch_position

static u64 log_sector(u64 position) { return GRAINDB_LOG_START_SECTOR + position / BLOCK_SECTOR_SIZE_BYTES; }


static const char *corruption_in_the_middle_is_reported(void) {
    const char *why = gdbtest_fresh_with_commits(10);
    if (why) return why;
    testdev_corrupt(&gdbtest_dev, log_sector(batch_position[10]), 60, 0x01);
    EXPECT_RC(graindb_open(db, &gdbtest_dev), -E_BADMSG);
    EXPECT(db->open_stats.problem_position == batch_position[10], "problem at %llu, want %llu",
           (unsigned long long)db->open_stats.problem_position, (unsigned long long)batch_position[10]);
    EXPECT(db->open_stats.problem != NULL, "no problem text");
    EXPECT(!db->open, "a refused database is open");
    return NULL;
}

static u64 mirror_sector(u64 commit) {
    return GRAINDB_SUPERBLOCK_COPIES + (commit % GRAINDB_MIRROR_SLOTS_COUNT) * (GRAINDB_BATCH_BYTES_MAX / BLOCK_SECTOR_SIZE_BYTES);
}

static const char *fsck_clean(void) {
    struct graindb_verify_report report;
    long long rc = graindb_verify(db, &report);
    EXPECT(rc == 0, "fsck = %lld: %s", rc, report.problems_count ? report.problems[0].what : "-");
    return NULL;
}

static const char *damaged_last_commit_is_repaired_from_the_mirror(void) {
    const char *why = gdbtest_fresh_with_commits(11);
    if (why) return why;
    testdev_corrupt(&gdbtest_dev, log_sector(batch_position[COMMITS]), 200, 0x80);
    EXPECT_RC(graindb_open(db, &gdbtest_dev), 0);
    EXPECT(db->open_stats.recovered_from_mirror == 1 && db->open_stats.repaired, "not taken from the mirror");
    if ((why = gdbtest_check_value(COMMITS % 7, COMMITS))) return why;
    if ((why = fsck_clean())) return why;
    EXPECT_RC(graindb_open(db, &gdbtest_dev), 0); // the log copy was rewritten
    EXPECT(db->open_stats.recovered_from_mirror == 0, "log copy not repaired");
    // Both copies damaged (two faults): indistinguishable from a torn last write.
    testdev_corrupt(&gdbtest_dev, log_sector(batch_position[COMMITS]), 200, 0x80);
    testdev_corrupt(&gdbtest_dev, mirror_sector(COMMITS), 200, 0x80);
    EXPECT_RC(graindb_open(db, &gdbtest_dev), 0);
    EXPECT(graindb_commit_seq(db) == COMMITS - 1 && db->open_stats.truncated_at == batch_position[COMMITS],
           "double fault: commit %llu", (unsigned long long)graindb_commit_seq(db));
    return NULL;
}

static const char *corruption_before_the_mirrored_tail_is_reported(void) {
    const char *why = gdbtest_fresh_with_commits(12);
    if (why) return why;
    testdev_corrupt(&gdbtest_dev, log_sector(batch_position[COMMITS - 2]), 100, 0x02);
    EXPECT_RC(graindb_open(db, &gdbtest_dev), -E_BADMSG); // the mirror holds commit 20
    // Without the mirror, only the later valid commits can prove the hole.
    for (u64 c = 0; c < 2; c++) testdev_corrupt(&gdbtest_dev, mirror_sector(c), 9, 0xff);
    EXPECT_RC(graindb_open(db, &gdbtest_dev), -E_BADMSG);
    EXPECT(db->open_stats.problem_position == batch_position[COMMITS - 2], "problem at %llu",
           (unsigned long long)db->open_stats.problem_position);
    return NULL;
}

static const char *lost_write_is_detected(void) {
    const char *why = gdbtest_fresh(4096, 13);
    if (why) return why;
    if ((why = gdbtest_write_commits(1, 5))) return why;
    gdbtest_dev.lose_write_call = (i64)gdbtest_dev.write_calls; // commit 6's log write
    if ((why = gdbtest_write_commits(6, 6))) return why;
    char key[16];
    u8 buffer[100];
    u32 size = 0;
    gdbtest_key(key, 6);
    // The last commit reads from its mirror slot (its second copy); fsck sees the loss.
    EXPECT_RC(graindb_ref_read(db, (const u8 *)key, 16, buffer, sizeof(buffer), &size), 0);
    if ((why = gdbtest_check_value(6, 6))) return why;
    struct graindb_verify_report report;
    EXPECT_RC(graindb_verify(db, &report), -E_BADMSG);
    EXPECT_RC(graindb_open(db, &gdbtest_dev), 0); // the last commit: back from the mirror
    EXPECT(db->open_stats.recovered_from_mirror == 1, "not recovered from the mirror");
    if ((why = gdbtest_check_value(6, 6))) return why;
    gdbtest_dev.lose_write_call = (i64)gdbtest_dev.write_calls; // commit 7's
    if ((why = gdbtest_write_commits(7, 9))) return why; // its mirror slot is reused by commit 9
    EXPECT_RC(graindb_open(db, &gdbtest_dev), -E_BADMSG);
    return NULL;
}

static const char *misdirected_write_is_detected(void) {
    static const i64 deltas[] = {3, -4};
    for (u32 i = 0; i < 2; i++) {
        const char *why = gdbtest_fresh(4096, 14 + i);
        if (why) return why;
        if ((why = gdbtest_write_commits(1, 8))) return why;
        gdbtest_dev.misdirect_write_call = (i64)gdbtest_dev.write_calls;
        gdbtest_dev.misdirect_delta = deltas[i];
        if ((why = gdbtest_write_commits(9, 9))) return why;
        char key[16];
        u8 buffer[100];
        u32 size = 0;
        gdbtest_key(key, 9 % 7);
        // The last commit reads from its mirror slot (its second copy); fsck sees the damage.
        EXPECT_RC(graindb_ref_read(db, (const u8 *)key, 16, buffer, sizeof(buffer), &size), 0);
        if ((why = gdbtest_check_value(9 % 7, 9))) return why;
        struct graindb_verify_report report;
        EXPECT_RC(graindb_verify(db, &report), -E_BADMSG);
        if (deltas[i] > 0) {
            // Landed past the end: the target is stale, the mirror repairs it.
            EXPECT_RC(graindb_open(db, &gdbtest_dev), 0);
            if ((why = gdbtest_check_value(9 % 7, 9))) return why;
            if ((why = fsck_clean())) return why;
        } else {
            // Landed on commit 5, acknowledged long ago: corruption.
            EXPECT_RC(graindb_open(db, &gdbtest_dev), -E_BADMSG);
        }
    }
    return NULL;
}

static const char *bit_flips_and_errors_on_read(void) {
    const char *why = gdbtest_fresh_with_commits(16);
    if (why) return why;
    struct graindb_ref_info info;
    char key[16];
    gdbtest_key(key, COMMITS % 7);
    EXPECT_RC(graindb_ref_get(db, (const u8 *)key, 16, &info), 0);
    u64 sector = log_sector(batch_position[COMMITS]);
    u8 buffer[100];
    u32 size = 0;
    // The last commit has a second copy, its mirror slot: reads take it from there.
    gdbtest_dev.flip_sectors[gdbtest_dev.flip_sectors_count++] = sector;
    EXPECT_RC(graindb_ref_read(db, (const u8 *)key, 16, buffer, sizeof(buffer), &size), 0);
    EXPECT_RC(graindb_get(db, info.object_hash, buffer, sizeof(buffer), &size), 0);
    // An earlier commit has one: key 3 was last written by commit COMMITS - 3.
    char earlier_key[16];
    gdbtest_key(earlier_key, (COMMITS - 3) % 7);
    u64 earlier_sector = log_sector(batch_position[COMMITS - 3]);
    gdbtest_dev.flip_sectors[gdbtest_dev.flip_sectors_count++] = earlier_sector;
    EXPECT_RC(graindb_ref_read(db, (const u8 *)earlier_key, 16, buffer, sizeof(buffer), &size), -E_BADMSG);
    testdev_clear_faults(&gdbtest_dev);
    gdbtest_dev.bad_sectors[gdbtest_dev.bad_sectors_count++] = sector;
    EXPECT_RC(graindb_ref_read(db, (const u8 *)key, 16, buffer, sizeof(buffer), &size), 0);
    gdbtest_dev.bad_sectors[gdbtest_dev.bad_sectors_count++] = earlier_sector;
    EXPECT_RC(graindb_ref_read(db, (const u8 *)earlier_key, 16, buffer, sizeof(buffer), &size), -E_IO);
    gdbtest_dev.bad_sectors_count--; // the last commit's sector stays bad for the open
    EXPECT_RC(graindb_open(db, &gdbtest_dev), 0); // the last commit: from the mirror, rewritten
    EXPECT(db->open_stats.recovered_from_mirror == 1, "not recovered from the mirror");
    if ((why = gdbtest_check_value(COMMITS % 7, COMMITS))) return why;
    // An unreadable commit before the mirrored tail: refuse, with -E_IO.
    gdbtest_dev.bad_sectors[gdbtest_dev.bad_sectors_count++] = log_sector(batch_position[COMMITS - 3]);
    EXPECT_RC(graindb_open(db, &gdbtest_dev), -E_IO);
    testdev_clear_faults(&gdbtest_dev);
    EXPECT_RC(graindb_open(db, &gdbtest_dev), 0);
    return gdbtest_check_value(COMMITS % 7, COMMITS);
}

static const char *transient_read_faults_are_retried(void) {
    const char *why = gdbtest_fresh_with_commits(25);
    if (why) return why;
    char key[16];
    u8 buffer[100];
    u32 size = 0;
    gdbtest_key(key, COMMITS % 7);
    gdbtest_dev.flip_once_sectors[gdbtest_dev.flip_once_sectors_count++] = log_sector(batch_position[COMMITS]);
    EXPECT_RC(graindb_ref_read(db, (const u8 *)key, 16, buffer, sizeof(buffer), &size), 0);
    EXPECT(gdbtest_dev.flip_once_sectors_count == 0, "the flipped read did not happen");
    // A flip while recovery reads a commit in the middle is not taken for damage.
    gdbtest_dev.flip_once_sectors[gdbtest_dev.flip_once_sectors_count++] = log_sector(batch_position[5]);
    EXPECT_RC(graindb_open(db, &gdbtest_dev), 0);
    EXPECT(gdbtest_dev.flip_once_sectors_count == 0 && graindb_commit_seq(db) == COMMITS, "recovery");
    return gdbtest_check_value(COMMITS % 7, COMMITS);
}

// Seed 49 of the default run: a device read error on each attempt to read an object's
// header (the index's candidate) made graindb_get say -E_BADMSG, "the stored data
// failed its checksum", of intact data. A read that fails is -E_IO; read again, it
// gives the object.
static const char *unreadable_object_header_is_io_not_damage(void) {
    const char *why = gdbtest_fresh_with_commits(16);
    if (why) return why;
    char key[16];
    gdbtest_key(key, (COMMITS - 3) % 7); // last written by commit COMMITS - 3: one copy
    struct graindb_ref_info info;
    EXPECT_RC(graindb_ref_get(db, (const u8 *)key, 16, &info), 0);
    u64 sector = log_sector(batch_position[COMMITS - 3]);
    u8 buffer[100];
    u32 size = 0;
    for (u32 i = 0; i < GRAINDB_READ_ATTEMPTS_MAX; i++) {
        gdbtest_dev.read_error_once_sectors[gdbtest_dev.read_error_once_sectors_count++] = sector;
    }
    EXPECT_RC(graindb_get(db, info.object_hash, buffer, sizeof(buffer), &size), -E_IO);
    EXPECT(gdbtest_dev.read_error_once_sectors_count == 0, "the failing reads did not happen");
    EXPECT_RC(graindb_get(db, info.object_hash, buffer, sizeof(buffer), &size), 0);
    EXPECT(size == info.object_bytes, "size %u, want %u", size, info.object_bytes);
    // Staging a ref to it says the same.
    for (u32 i = 0; i < GRAINDB_READ_ATTEMPTS_MAX; i++) {
        gdbtest_dev.read_error_once_sectors[gdbtest_dev.read_error_once_sectors_count++] = sector;
    }
    EXPECT_RC(graindb_batch_begin(db), 0);
    EXPECT_RC(graindb_batch_set_ref(db, (const u8 *)"other-key-000000", 16, info.object_hash), -E_IO);
    graindb_batch_abort(db);
    testdev_clear_faults(&gdbtest_dev);
    return gdbtest_check_value((COMMITS - 3) % 7, COMMITS - 3);
}

// The log offset of the OBJECT record of hash within [from, to), or -1.
static long long object_record_offset(u64 from, u64 to, const u8 *hash) {
    const u8 *log = gdbtest_dev.durable + GRAINDB_LOG_START_SECTOR * BLOCK_SECTOR_SIZE_BYTES;
    for (u64 position = from; position + 80 <= to; position += 8) {
        u16 type = (u16)(log[position + 36] | log[position + 37] << 8); // REC_TYPE
        if (type == 1 && memcmp(log + position + 40, hash, 32) == 0) return (long long)position; // OBJ_HASH
    }
    return -1;
}

// The index keeps a 32-bit tag of each hash, so a candidate whose header names another
// hash is another object only when its record is intact: a stored bit flip in the hash
// field is damage (-E_BADMSG), before and after the flip is seen (seed 6 of
// storage-mixed-unrestricted: -E_BADMSG first, then -E_NOENT). A true tag collision
// (an intact record of another hash with the same first word) is -E_NOENT.
static const char *flipped_hash_field_is_damage_not_absence(void) {
    const char *why = gdbtest_fresh_with_commits(26);
    if (why) return why;
    char key[16];
    gdbtest_key(key, (COMMITS - 3) % 7); // last written by commit COMMITS - 3: one copy
    struct graindb_ref_info info;
    EXPECT_RC(graindb_ref_get(db, (const u8 *)key, 16, &info), 0);
    u8 buffer[100];
    u32 size = 0;
    u8 collision[32];
    memcpy(collision, info.object_hash, sizeof(collision));
    collision[19] ^= 0x20; // same tag (the first word), another hash
    EXPECT_RC(graindb_get(db, collision, buffer, sizeof(buffer), &size), -E_NOENT);
    long long offset = object_record_offset(batch_position[COMMITS - 3], batch_position[COMMITS - 2], info.object_hash);
    EXPECT(offset >= 0, "the object's record is not in its commit");
    u64 byte = (u64)offset + 40 + 19;
    testdev_corrupt(&gdbtest_dev, GRAINDB_LOG_START_SECTOR + byte / BLOCK_SECTOR_SIZE_BYTES,
                    (u32)(byte % BLOCK_SECTOR_SIZE_BYTES), 0x20);
    EXPECT_RC(graindb_get(db, info.object_hash, buffer, sizeof(buffer), &size), -E_BADMSG);
    EXPECT_RC(graindb_get(db, info.object_hash, NULL, 0, &size), -E_BADMSG);
    // The flipped record now names `collision`, but its checksum fails: damage too.
    EXPECT_RC(graindb_get(db, collision, buffer, sizeof(buffer), &size), -E_BADMSG);
    testdev_corrupt(&gdbtest_dev, GRAINDB_LOG_START_SECTOR + byte / BLOCK_SECTOR_SIZE_BYTES,
                    (u32)(byte % BLOCK_SECTOR_SIZE_BYTES), 0x20);
    EXPECT_RC(graindb_get(db, info.object_hash, buffer, sizeof(buffer), &size), 0);
    return NULL;
}

static const char *superblock_copies_and_quorum(void) {
    const char *why = gdbtest_fresh_with_commits(17);
    if (why) return why;
    EXPECT_RC(graindb_close(db), 0);
    testdev_corrupt(&gdbtest_dev, 1, 100, 0x20);
    EXPECT_RC(graindb_open(db, &gdbtest_dev), 0);
    EXPECT(db->open_stats.superblock_copies_valid == 3 && db->open_stats.repaired, "one damaged copy");
    EXPECT_RC(graindb_open(db, &gdbtest_dev), 0);
    EXPECT(db->open_stats.superblock_copies_valid == 4, "repair did not restore all copies");
    for (u64 s = 0; s < 3; s++) testdev_corrupt(&gdbtest_dev, s, 40, 0x01);
    EXPECT_RC(graindb_open(db, &gdbtest_dev), 0); // one good copy left: used, degraded
    EXPECT(db->open_stats.superblock_copies_valid == 1 && db->open_stats.repaired, "three damaged copies");
    if ((why = gdbtest_check_value(COMMITS % 7, COMMITS))) return why;
    // A copy written to the wrong slot does not count.
    memcpy(gdbtest_dev.durable + 2 * BLOCK_SECTOR_SIZE_BYTES, gdbtest_dev.durable + 3 * BLOCK_SECTOR_SIZE_BYTES,
           BLOCK_SECTOR_SIZE_BYTES);
    memcpy(gdbtest_dev.current, gdbtest_dev.durable, 4 * BLOCK_SECTOR_SIZE_BYTES);
    EXPECT_RC(graindb_open(db, &gdbtest_dev), 0);
    EXPECT(db->open_stats.superblock_copies_valid == 3, "misdirected copy counted: %u",
           db->open_stats.superblock_copies_valid);
    for (u64 s = 0; s < 4; s++) testdev_corrupt(&gdbtest_dev, s, 40, 0x01);
    EXPECT_RC(graindb_open(db, &gdbtest_dev), -E_BADMSG);
    EXPECT(db->open_stats.problem != NULL, "no reason given");
    return NULL;
}

static const char *superblock_newest_quorum_wins(void) {
    const char *why = gdbtest_fresh_with_commits(18);
    if (why) return why;
    u8 old_copies[2 * BLOCK_SECTOR_SIZE_BYTES];
    memcpy(old_copies, gdbtest_dev.durable + 2 * BLOCK_SECTOR_SIZE_BYTES, sizeof(old_copies));
    EXPECT_RC(graindb_checkpoint(db), 0); // a newer superblock on all four copies
    u64 sequence = db->superblock.sequence;
    // A crash half-way through a later superblock write leaves two old copies.
    memcpy(gdbtest_dev.durable + 2 * BLOCK_SECTOR_SIZE_BYTES, old_copies, sizeof(old_copies));
    memcpy(gdbtest_dev.current, gdbtest_dev.durable, 4 * BLOCK_SECTOR_SIZE_BYTES);
    EXPECT_RC(graindb_open(db, &gdbtest_dev), 0);
    EXPECT(db->superblock.sequence >= sequence && db->open_stats.checkpoint_used, "chose sequence %llu",
           (unsigned long long)db->superblock.sequence);
    return gdbtest_check_value(COMMITS % 7, COMMITS);
}

static const char *failed_write_fails_the_database(void) {
    const char *why = gdbtest_fresh_with_commits(19);
    if (why) return why;
    gdbtest_dev.fail_write_call = (i64)gdbtest_dev.write_calls;
    char key[16];
    gdbtest_key(key, 3);
    EXPECT_RC(graindb_set(db, (const u8 *)key, 16, (const u8 *)"new", 3), -E_IO);
    EXPECT(graindb_failed(db), "not failed after a failed write");
    EXPECT_RC(graindb_set(db, (const u8 *)key, 16, (const u8 *)"new", 3), -E_IO);
    EXPECT_RC(graindb_checkpoint(db), -E_IO);
    EXPECT(gdbtest_dev.calls_after_failure == 0, "%llu device writes/flushes after the failure",
           (unsigned long long)gdbtest_dev.calls_after_failure);
    if ((why = gdbtest_check_value(COMMITS % 7, COMMITS))) return why; // reads still work
    EXPECT_RC(graindb_close(db), -E_IO);
    testdev_crash(&gdbtest_dev, CRASH_KEEP, 1);
    EXPECT_RC(graindb_open(db, &gdbtest_dev), 0);
    EXPECT(graindb_commit_seq(db) == COMMITS, "commit %llu after reopen", (unsigned long long)graindb_commit_seq(db));
    return gdbtest_check_value(COMMITS % 7, COMMITS);
}

static const char *failed_flush_is_never_retried(void) {
    const char *why = gdbtest_fresh_with_commits(20);
    if (why) return why;
    gdbtest_dev.fail_flush_call = (i64)gdbtest_dev.flush_calls;
    char key[16];
    gdbtest_key(key, 3);
    EXPECT_RC(graindb_set(db, (const u8 *)key, 16, (const u8 *)"new", 3), -E_IO);
    EXPECT(graindb_failed(db), "not failed after a failed flush");
    EXPECT(gdbtest_dev.calls_after_failure == 0, "%llu calls after the failure",
           (unsigned long long)gdbtest_dev.calls_after_failure);
    testdev_crash(&gdbtest_dev, CRASH_LOSE, 1);
    EXPECT_RC(graindb_open(db, &gdbtest_dev), 0);
    EXPECT(graindb_commit_seq(db) == COMMITS, "commit %llu", (unsigned long long)graindb_commit_seq(db));
    if ((why = gdbtest_check_value(COMMITS % 7, COMMITS))) return why;
    return gdbtest_check_value(3, 17); // key 3 was last set by commit 17
}

static const char *damaged_checkpoint_falls_back_to_full_replay(void) {
    const char *why = gdbtest_fresh_with_commits(22);
    if (why) return why;
    EXPECT_RC(graindb_checkpoint(db), 0);
    u64 checkpoint = db->superblock.checkpoint_position;
    if ((why = gdbtest_write_commits(21, 25))) return why;
    testdev_corrupt(&gdbtest_dev, log_sector(checkpoint), 300, 0x10);
    EXPECT_RC(graindb_open(db, &gdbtest_dev), 0);
    EXPECT(db->open_stats.checkpoint_damaged && db->open_stats.repaired, "damage not noticed");
    EXPECT(graindb_commit_seq(db) == 25, "commit %llu", (unsigned long long)graindb_commit_seq(db));
    if ((why = gdbtest_check_value(25 % 7, 25))) return why;
    EXPECT_RC(graindb_open(db, &gdbtest_dev), 0); // the repaired checkpoint is used
    EXPECT(db->open_stats.checkpoint_used, "new checkpoint not used");
    return gdbtest_check_value(24 % 7, 24);
}

static const char *damaged_mirror_is_repaired(void) {
    const char *why = gdbtest_fresh_with_commits(23);
    if (why) return why;
    testdev_corrupt(&gdbtest_dev, mirror_sector(COMMITS), 30, 0x04);
    struct graindb_verify_report report;
    EXPECT_RC(graindb_verify(db, &report), -E_BADMSG);
    EXPECT_RC(graindb_open(db, &gdbtest_dev), 0);
    EXPECT(db->open_stats.mirror_slots_valid == 1 && db->open_stats.repaired, "mirror slots %u",
           db->open_stats.mirror_slots_valid);
    if ((why = fsck_clean())) return why;
    EXPECT_RC(graindb_open(db, &gdbtest_dev), 0);
    EXPECT(db->open_stats.mirror_slots_valid == 2, "mirror not repaired");
    return NULL;
}

static const char *unreadable_torn_tail_is_cut(void) {
    const char *why = gdbtest_fresh_with_commits(24);
    if (why) return why;
    // An unacknowledged tail that cannot even be read is cut like a torn one.
    gdbtest_dev.power_cut_after_sectors = (i64)gdbtest_dev.sectors_written + 1;
    char key[16];
    gdbtest_key(key, 1);
    static u8 value[5000];
    EXPECT_RC(graindb_set(db, (const u8 *)key, 16, value, sizeof(value)), -E_IO);
    testdev_crash(&gdbtest_dev, CRASH_KEEP, 1);
    gdbtest_dev.bad_sectors[gdbtest_dev.bad_sectors_count++] = log_sector(db->append_position);
    EXPECT_RC(graindb_open(db, &gdbtest_dev), 0);
    EXPECT(graindb_commit_seq(db) == COMMITS, "commit %llu", (unsigned long long)graindb_commit_seq(db));
    return NULL;
}

int main(void) {
    RUN(corruption_in_the_middle_is_reported);
    RUN(damaged_last_commit_is_repaired_from_the_mirror);
    RUN(corruption_before_the_mirrored_tail_is_reported);
    RUN(lost_write_is_detected);
    RUN(misdirected_write_is_detected);
    RUN(bit_flips_and_errors_on_read);
    RUN(transient_read_faults_are_retried);
    RUN(unreadable_object_header_is_io_not_damage);
    RUN(flipped_hash_field_is_damage_not_absence);
    RUN(superblock_copies_and_quorum);
    RUN(superblock_newest_quorum_wins);
    RUN(failed_write_fails_the_database);
    RUN(failed_flush_is_never_retried);
    RUN(damaged_checkpoint_falls_back_to_full_replay);
    RUN(damaged_mirror_is_repaired);
    RUN(unreadable_torn_tail_is_cut);
    return gdbtest_finish();
}
