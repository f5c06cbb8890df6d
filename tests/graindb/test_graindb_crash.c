// Crash at every sector write of a workload, with the unflushed sectors kept, lost
// or torn; then recover and check: every acknowledged commit is there with the same
// bytes, the in-flight commit is either all there or not at all, and the recovered
// database keeps working (more commits, another crash, reopen).
#include "tests/graindb/gdbtest.h"

#define KEYS_COUNT 12u
#define OPS_COUNT 40u
#define CHANGES_MAX 4u
#define DEVICE_SECTORS 3072u

static struct graindb *db = &gdbtest_db;

struct change {
    u32 key;
    bool live;
    u32 size;
    u64 seed;
};
struct op {
    u32 changes_count;
    struct change changes[CHANGES_MAX];
    bool checkpoint_before;
};
struct slot {
    bool live;
    u32 size;
    u64 seed;
};

static struct op ops[OPS_COUNT];
static struct slot model[OPS_COUNT + 8][KEYS_COUNT]; // model[c]: state after commit c

static void generate(u64 seed) {
    u64 state = seed;
    static const u32 sizes[] = {10, 100, 700, 5000};
    memset(model, 0, sizeof(model));
    for (u32 i = 0; i < OPS_COUNT; i++) {
        struct op *op = &ops[i];
        memcpy(model[i + 1], model[i], sizeof(model[i]));
        op->changes_count = 1 + (u32)(testdev_rand(&state) % CHANGES_MAX);
        op->checkpoint_before = i == OPS_COUNT / 2;
        for (u32 c = 0; c < op->changes_count; c++) {
            struct change *ch = &op->changes[c];
            ch->key = (u32)(testdev_rand(&state) % KEYS_COUNT);
            ch->live = !model[i + 1][ch->key].live || testdev_rand(&state) % 4 != 0;
            ch->size = sizes[testdev_rand(&state) % 4];
            ch->seed = seed * 100000 + i * 10 + c;
            model[i + 1][ch->key] = (struct slot){ch->live, ch->size, ch->seed};
        }
    }
}

static i64 apply_op(const struct op *op) {
    static u8 value[5000];
    i64 rc = 0;
    if (op->checkpoint_before && (rc = graindb_checkpoint(db)) < 0) return rc;
    if ((rc = graindb_batch_begin(db)) < 0) return rc;
    for (u32 c = 0; c < op->changes_count && rc == 0; c++) {
        const struct change *ch = &op->changes[c];
        char key[16];
        gdbtest_key(key, ch->key);
        if (ch->live) {
            u8 hash[32];
            gdbtest_value(value, ch->size, ch->seed);
            rc = graindb_batch_put_object(db, value, ch->size, hash);
            if (rc == 0) rc = graindb_batch_set_ref(db, (const u8 *)key, 16, hash);
        } else {
            rc = graindb_batch_delete_ref(db, (const u8 *)key, 16);
        }
    }
    if (rc < 0) {
        graindb_batch_abort(db);
        return rc;
    }
    return graindb_batch_commit(db, NULL);
}

static const char *check_state(u64 commit) {
    static u8 want[5000], got[5000];
    for (u32 k = 0; k < KEYS_COUNT; k++) {
        char key[16];
        gdbtest_key(key, k);
        const struct slot *s = &model[commit][k];
        u32 size = 0;
        long long rc = graindb_ref_read(db, (const u8 *)key, 16, got, sizeof(got), &size);
        if (!s->live) {
            EXPECT(rc == -E_NOENT, "commit %llu key %u: want absent, read = %lld", (unsigned long long)commit, k, rc);
            continue;
        }
        EXPECT(rc == 0, "commit %llu key %u: read = %lld", (unsigned long long)commit, k, rc);
        gdbtest_value(want, s->size, s->seed);
        EXPECT(size == s->size && memcmp(want, got, size) == 0, "commit %llu key %u: wrong bytes",
               (unsigned long long)commit, k);
    }
    struct graindb_verify_report report;
    long long rc = graindb_verify(db, &report);
    EXPECT(rc == 0, "fsck after recovery: %lld, %u problems, first: %s at %llu", rc, report.problems_count,
           report.problems_count ? report.problems[0].what : "-",
           report.problems_count ? (unsigned long long)report.problems[0].position : 0ull);
    return NULL;
}

// Runs the workload with power lost after `cut` sectors, then recovers and checks.
static const char *crash_run(u64 cut, enum crash_mode mode, u64 seed, u64 *acked_out) {
    const char *why = gdbtest_fresh(DEVICE_SECTORS, 0x5eed0000 + seed);
    if (why) return why;
    gdbtest_dev.power_cut_after_sectors = (i64)(gdbtest_dev.sectors_written + cut);
    u64 acked = 0;
    bool in_flight = false;
    for (u32 i = 0; i < OPS_COUNT; i++) {
        if (apply_op(&ops[i]) < 0) {
            in_flight = true;
            break;
        }
        acked = graindb_commit_seq(db);
        EXPECT(acked == i + 1, "commit numbering %llu at op %u", (unsigned long long)acked, i);
    }
    *acked_out = acked;
    testdev_crash(&gdbtest_dev, mode, seed * 7919 + cut);
    long long rc = graindb_open(db, &gdbtest_dev);
    EXPECT(rc == 0, "open after crash = %lld (%s at %llu)", rc, db->open_stats.problem ? db->open_stats.problem : "-",
           (unsigned long long)db->open_stats.problem_position);
    u64 recovered = graindb_commit_seq(db);
    EXPECT(recovered >= acked && recovered <= acked + (in_flight ? 1 : 0),
           "recovered commit %llu, acknowledged %llu", (unsigned long long)recovered, (unsigned long long)acked);
    if ((why = check_state(recovered))) return why;
    // The recovered database keeps working: the next commits reuse the cut tail.
    u32 next = (u32)recovered;
    for (u32 i = next; i < next + 3 && i < OPS_COUNT; i++) {
        EXPECT_RC(apply_op(&ops[i]), 0);
    }
    u64 after = graindb_commit_seq(db);
    testdev_crash(&gdbtest_dev, CRASH_LOSE, 1);
    EXPECT_RC(graindb_open(db, &gdbtest_dev), 0);
    EXPECT(graindb_commit_seq(db) == after, "second recovery at %llu, want %llu",
           (unsigned long long)graindb_commit_seq(db), (unsigned long long)after);
    return check_state(after);
}

static const char *crash_at_every_sector_write(void) {
    static const char *mode_names[] = {"keep", "lose", "tear"};
    generate(1);
    // Measure the workload once.
    const char *why = gdbtest_fresh(DEVICE_SECTORS, 0x5eed0000);
    if (why) return why;
    u64 start = gdbtest_dev.sectors_written;
    for (u32 i = 0; i < OPS_COUNT; i++) EXPECT_RC(apply_op(&ops[i]), 0);
    u64 total = gdbtest_dev.sectors_written - start;
    u64 runs = 0;
    for (u32 mode = 0; mode < CRASH_MODES_COUNT; mode++) {
        for (u64 cut = 0; cut <= total; cut++) {
            u64 acked = 0;
            why = crash_run(cut, (enum crash_mode)mode, mode + 1, &acked);
            if (why) FAIL("mode %s, cut after %llu of %llu sectors (%llu acked): %.300s", mode_names[mode],
                          (unsigned long long)cut, (unsigned long long)total, (unsigned long long)acked, why);
            runs++;
        }
    }
    printf("# %llu crash points x 3 modes over %llu sectors written\n", (unsigned long long)runs / 3,
           (unsigned long long)total);
    return NULL;
}

static const char *crash_seeded_tears(void) {
    // More seeds of the torn mode, on a different workload.
    for (u64 seed = 2; seed < 6; seed++) {
        generate(seed);
        const char *why = gdbtest_fresh(DEVICE_SECTORS, 0x5eed0000 + seed);
        if (why) return why;
        u64 start = gdbtest_dev.sectors_written;
        for (u32 i = 0; i < OPS_COUNT; i++) EXPECT_RC(apply_op(&ops[i]), 0);
        u64 total = gdbtest_dev.sectors_written - start;
        for (u64 cut = 0; cut <= total; cut += 3) {
            u64 acked = 0;
            why = crash_run(cut, CRASH_TEAR, seed * 31 + cut, &acked);
            if (why) FAIL("seed %llu cut %llu: %.300s", (unsigned long long)seed, (unsigned long long)cut, why);
        }
    }
    return NULL;
}

// The mixed batch of seed 33 (storage-compaction): commit c + 1 is torn by a power loss
// (its first sectors landed, not its last) and recovery cuts it; the filesystem writes
// commit c + 1 again at the same position, other bytes in the same layout, and that
// write is torn too: only its last sector lands. The log then holds the first write's
// object in front of the second write's REF and COMMIT: every record valid on its own
// (same position, same commit), but the REF names an object no write ever put beside
// it. Recovery must not take that for a batch: the key keeps its acknowledged value.
#define MIXED_KEY 100u
#define MIXED_VALUE_BYTES 940u // object record 1020 bytes: the REF starts sector 2

static const char *commit_mixed_value(u64 seed) {
    static u8 value[MIXED_VALUE_BYTES];
    char key[16];
    u8 hash[32];
    gdbtest_key(key, MIXED_KEY);
    gdbtest_value(value, sizeof(value), seed);
    EXPECT_RC(graindb_batch_begin(db), 0);
    EXPECT_RC(graindb_batch_put_object(db, value, sizeof(value), hash), 0);
    EXPECT_RC(graindb_batch_set_ref(db, (const u8 *)key, 16, hash), 0);
    return NULL;
}

// Commit `seed`'s value with power lost after the log write (before the mirror copy),
// keeping only the log sectors [keep_first, keep_end) of the batch's three.
static const char *torn_mixed_commit(u64 seed, u64 keep_first, u64 keep_end, u64 *log_sector_out) {
    const char *why = commit_mixed_value(seed);
    if (why) return why;
    u64 log_sector = db->superblock.log_start_sector + db->append_position / 512;
    gdbtest_dev.power_cut_after_sectors = (i64)(gdbtest_dev.sectors_written + 3);
    EXPECT(graindb_batch_commit(db, NULL) < 0, "commit %llu acknowledged", (unsigned long long)seed);
    for (u64 i = 0; i < 3; i++) {
        EXPECT(gdbtest_dev.dirty[log_sector + i], "log sector %llu not written", (unsigned long long)i);
        if (i < keep_first || i >= keep_end) gdbtest_dev.dirty[log_sector + i] = 0; // lost
    }
    testdev_crash(&gdbtest_dev, CRASH_KEEP, 1);
    *log_sector_out = log_sector;
    return NULL;
}

static const char *check_mixed_key(u64 seed) {
    static u8 want[MIXED_VALUE_BYTES], got[MIXED_VALUE_BYTES];
    char key[16];
    u32 size = 0;
    gdbtest_key(key, MIXED_KEY);
    gdbtest_value(want, sizeof(want), seed);
    EXPECT_RC(graindb_ref_read(db, (const u8 *)key, 16, got, sizeof(got), &size), 0);
    EXPECT(size == sizeof(want) && memcmp(want, got, size) == 0, "key holds the wrong bytes");
    struct graindb_verify_report report;
    long long rc = graindb_verify(db, &report);
    EXPECT(rc == 0, "fsck: %lld, first: %s", rc, report.problems_count ? report.problems[0].what : "-");
    return NULL;
}

static const char *torn_rewrite_mixes_two_writes(void) {
    const char *why = gdbtest_fresh_with_commits(0x33);
    if (why) return why;
    if ((why = commit_mixed_value(1))) return why;
    EXPECT_RC(graindb_batch_commit(db, NULL), 0); // the acknowledged value
    u64 acked = graindb_commit_seq(db);
    u64 first = 0, second = 0;
    if ((why = torn_mixed_commit(2, 0, 2, &first))) return why;
    EXPECT_RC(graindb_open(db, &gdbtest_dev), 0);
    EXPECT(graindb_commit_seq(db) == acked, "first torn write kept");
    if ((why = torn_mixed_commit(3, 2, 3, &second))) return why;
    EXPECT(first == second, "the second write went elsewhere");
    long long rc = graindb_open(db, &gdbtest_dev);
    EXPECT(rc == 0, "open = %lld (%s)", rc, db->open_stats.problem ? db->open_stats.problem : "-");
    EXPECT(graindb_commit_seq(db) == acked, "recovered commit %llu, want %llu (the mixed batch replayed)",
           (unsigned long long)graindb_commit_seq(db), (unsigned long long)acked);
    return check_mixed_key(1);
}

int main(void) {
    RUN(torn_rewrite_mixes_two_writes);
    RUN(crash_at_every_sector_write);
    RUN(crash_seeded_tears);
    return gdbtest_finish();
}
