// A small swarm in the simulator's spirit: seeded random workloads with a random mix of
// the faults GrainDB must survive, one damaged copy at a time (superblock copies,
// the tail mirror, the log copy of the last commits, transient read flips, failed
// writes and flushes, lost writes, power loss with kept/lost/torn sectors). After every
// recovery: every acknowledged commit is there with the same bytes, the commit in
// flight is all there or not at all, and fsck is clean. Then an unrestricted run
// damages sectors anywhere: open or reads may fail, but no read returns wrong bytes.
#include "tests/graindb/gdbtest.h"

#define KEYS_COUNT 16u
#define COMMITS_MAX 400u
#define SEEDS_COUNT 40u
#define DEVICE_SECTORS 6144u

static struct graindb *db = &gdbtest_db;

struct slot {
    bool live;
    u32 size;
    u64 seed;
};
static struct slot model[COMMITS_MAX + 2][KEYS_COUNT]; // model[c]: after commit c
static u64 batch_position[COMMITS_MAX + 2];

static u64 draw(u64 *state, u64 bound) { return testdev_rand(state) % bound; }

// One random batch on top of model[commit]; the model is written for commit + 1.
static i64 random_commit(u64 *state, u64 commit) {
    static u8 value[3000];
    static const u32 sizes[] = {1, 60, 100, 600, 3000};
    memcpy(model[commit + 1], model[commit], sizeof(model[commit]));
    i64 rc = graindb_batch_begin(db);
    u32 changes = 1 + (u32)draw(state, 3);
    for (u32 c = 0; c < changes && rc == 0; c++) {
        u32 k = (u32)draw(state, KEYS_COUNT);
        char key[16];
        gdbtest_key(key, k);
        struct slot *s = &model[commit + 1][k];
        if (s->live && draw(state, 5) == 0) {
            rc = graindb_batch_delete_ref(db, (const u8 *)key, 16);
            s->live = false;
            continue;
        }
        // Draws in statements: initializer and argument order is unspecified in C.
        u32 size = sizes[draw(state, 5)];
        *s = (struct slot){true, size, testdev_rand(state) % 64}; // values repeat
        u8 hash[32];
        gdbtest_value(value, s->size, s->seed);
        rc = graindb_batch_put_object(db, value, s->size, hash);
        if (rc == 0) rc = graindb_batch_set_ref(db, (const u8 *)key, 16, hash);
    }
    if (rc < 0) {
        graindb_batch_abort(db);
        return rc;
    }
    batch_position[commit + 1] = db->append_position;
    return graindb_batch_commit(db, NULL);
}

// Reads every key: strict (must equal model[commit]) or lenient (errors allowed,
// but bytes returned must be model[commit]'s).
static const char *check_model(u64 commit, bool strict) {
    static u8 want[3000], got[3000];
    for (u32 k = 0; k < KEYS_COUNT; k++) {
        char key[16];
        gdbtest_key(key, k);
        const struct slot *s = &model[commit][k];
        u32 size = 0;
        long long rc = graindb_ref_read(db, (const u8 *)key, 16, got, sizeof(got), &size);
        if (rc == -E_NOENT && !s->live) continue;
        if (rc < 0 && !strict && rc != -E_NOENT) continue;
        EXPECT(rc == 0 && s->live, "commit %llu key %u: read %lld, live %d", (unsigned long long)commit, k, rc, s->live);
        gdbtest_value(want, s->size, s->seed);
        EXPECT(size == s->size && memcmp(want, got, size) == 0, "commit %llu key %u: WRONG BYTES",
               (unsigned long long)commit, k);
    }
    return NULL;
}

enum life_fault { FAULT_NONE, FAULT_WRITE_ERROR, FAULT_FLUSH_ERROR, FAULT_LOST_WRITE, FAULT_POWER_CUT, FAULTS_COUNT };
enum damage { DAMAGE_NONE, DAMAGE_SUPERBLOCK, DAMAGE_MIRROR, DAMAGE_LOG_TAIL, DAMAGE_READ_FLIP, DAMAGES_COUNT };

struct life {
    u64 acked;       // last acknowledged commit
    bool in_flight;  // a commit failed part-way
    bool tail_log_lost; // the last commit's log copy never landed
};

// Commits until the life's fault strikes (or a planned end); returns why it failed.
static const char *live(u64 *state, struct life *life) {
    enum life_fault fault = (enum life_fault)draw(state, FAULTS_COUNT);
    u32 commits = 1 + (u32)draw(state, 25);
    for (u32 i = 0; i < commits && life->acked + 1 < COMMITS_MAX; i++) {
        bool last = i + 1 == commits;
        struct platform *dev = &gdbtest_dev;
        if (draw(state, 40) == 0 && graindb_checkpoint(db) < 0) return NULL; // holds no commit
        if (last && fault == FAULT_WRITE_ERROR) dev->fail_write_call = (i64)(dev->write_calls + draw(state, 2));
        if (last && fault == FAULT_FLUSH_ERROR) dev->fail_flush_call = (i64)dev->flush_calls;
        if (last && fault == FAULT_LOST_WRITE) dev->lose_write_call = (i64)dev->write_calls;
        if (last && fault == FAULT_POWER_CUT) dev->power_cut_after_sectors = (i64)(dev->sectors_written + draw(state, 12));
        i64 rc = random_commit(state, life->acked);
        if (rc == -E_NOSPC) return NULL;
        if (rc < 0) {
            EXPECT(rc == -E_IO, "commit = %lld", (long long)rc);
            life->in_flight = true;
            return NULL;
        }
        life->acked++;
        EXPECT(graindb_commit_seq(db) == life->acked, "commit numbering");
        life->tail_log_lost = last && fault == FAULT_LOST_WRITE;
    }
    return NULL;
}

static void damage(u64 *state, const struct life *life) {
    enum damage kind = (enum damage)draw(state, DAMAGES_COUNT);
    u64 last = life->acked;
    u64 mirror_sector = GRAINDB_SUPERBLOCK_COPIES + (last % 2) * (GRAINDB_BATCH_BYTES_MAX / BLOCK_SECTOR_SIZE_BYTES);
    if (kind == DAMAGE_SUPERBLOCK) {
        u64 copy = draw(state, 4);
        testdev_corrupt(&gdbtest_dev, copy, (u32)draw(state, 512), 0x08);
    }
    if (kind == DAMAGE_MIRROR && last > 0 && !life->tail_log_lost) {
        testdev_corrupt(&gdbtest_dev, mirror_sector, (u32)draw(state, 512), 0x01);
    }
    if (kind == DAMAGE_LOG_TAIL && last > 0 && !life->in_flight) {
        // The mirror holds it (an in-flight commit may have overwritten the other slot).
        testdev_corrupt(&gdbtest_dev, GRAINDB_LOG_START_SECTOR + batch_position[last] / BLOCK_SECTOR_SIZE_BYTES,
                        (u32)draw(state, 512), 0x40);
    }
    if (kind == DAMAGE_READ_FLIP) {
        gdbtest_dev.flip_once_sectors[gdbtest_dev.flip_once_sectors_count++] = draw(state, DEVICE_SECTORS);
    }
}

static const char *swarm_seed(u64 seed) {
    const char *why = gdbtest_fresh(DEVICE_SECTORS, 0x5a000 + seed);
    if (why) return why;
    memset(model, 0, sizeof(model[0]));
    u64 state = seed * 0x9e3779b97f4a7c15ull;
    struct life life = {0};
    for (u32 round = 0; round < 12 && life.acked + 1 < COMMITS_MAX; round++) {
        life.in_flight = false;
        life.tail_log_lost = false;
        if ((why = live(&state, &life))) return why;
        // Two draws, in this order on every compiler (argument order is unspecified).
        enum crash_mode mode = (enum crash_mode)draw(&state, CRASH_MODES_COUNT);
        testdev_crash(&gdbtest_dev, mode, testdev_rand(&state));
        testdev_clear_faults(&gdbtest_dev);
        damage(&state, &life);
        long long rc = graindb_open(db, &gdbtest_dev);
        EXPECT(rc == 0, "round %u: open = %lld (%s at %llu)", round, rc, db->open_stats.problem,
               (unsigned long long)db->open_stats.problem_position);
        u64 recovered = graindb_commit_seq(db);
        EXPECT(recovered >= life.acked && recovered <= life.acked + (life.in_flight ? 1 : 0),
               "round %u: recovered %llu, acknowledged %llu", round, (unsigned long long)recovered,
               (unsigned long long)life.acked);
        if ((why = check_model(recovered, true))) return why;
        struct graindb_verify_report report;
        rc = graindb_verify(db, &report);
        EXPECT(rc == 0, "round %u: fsck: %s at %llu", round, report.problems[0].what,
               (unsigned long long)report.problems[0].position);
        life.acked = recovered;
    }
    return NULL;
}

static u64 seeds_count(u64 fallback) {
    const char *text = getenv("GRAINDB_SWARM_SEEDS"); // deeper runs by hand
    return text != NULL ? strtoull(text, NULL, 10) : fallback;
}

static const char *swarm_recoverable_faults(void) {
    u64 seeds = seeds_count(SEEDS_COUNT);
    for (u64 seed = 1; seed <= seeds; seed++) {
        const char *why = swarm_seed(seed);
        if (why) FAIL("seed %llu: %.400s", (unsigned long long)seed, why);
    }
    return NULL;
}

// Damage anywhere, several sectors: refusing is fine, wrong bytes are not.
static const char *unrestricted_damage_never_returns_wrong_bytes(void) {
    u32 refused = 0, opened = 0;
    u64 seeds = seeds_count(200);
    for (u64 seed = 1; seed <= seeds; seed++) {
        const char *why = gdbtest_fresh(DEVICE_SECTORS, 0x6b000 + seed);
        if (why) return why;
        memset(model, 0, sizeof(model[0]));
        u64 state = seed;
        u64 commits = 5 + draw(&state, 60);
        for (u64 c = 0; c < commits; c++) {
            EXPECT_RC(random_commit(&state, c), 0);
            if (draw(&state, 20) == 0) EXPECT_RC(graindb_checkpoint(db), 0);
        }
        u64 used = GRAINDB_LOG_START_SECTOR + db->append_position / BLOCK_SECTOR_SIZE_BYTES + 4;
        u32 hits = 1 + (u32)draw(&state, 4);
        for (u32 h = 0; h < hits; h++) {
            u64 sector = draw(&state, used);
            u32 byte = (u32)draw(&state, 512);
            testdev_corrupt(&gdbtest_dev, sector, byte, (u8)(1u << draw(&state, 8)));
        }
        long long rc = graindb_open(db, &gdbtest_dev);
        if (rc != 0) {
            EXPECT(rc == -E_BADMSG || rc == -E_IO || rc == -E_INVAL, "seed %llu: open = %lld", (unsigned long long)seed, rc);
            refused++;
            continue;
        }
        opened++;
        EXPECT(graindb_commit_seq(db) <= commits, "seed %llu: commits from nowhere", (unsigned long long)seed);
        if ((why = check_model(graindb_commit_seq(db), false))) FAIL("seed %llu: %.400s", (unsigned long long)seed, why);
        struct graindb_verify_report report;
        (void)graindb_verify(db, &report); // must not crash, whatever it finds
    }
    printf("# unrestricted: %u opened, %u refused\n", opened, refused);
    return NULL;
}

int main(void) {
    RUN(swarm_recoverable_faults);
    RUN(unrestricted_damage_never_returns_wrong_bytes);
    return gdbtest_finish();
}
