// The incremental Merkle root equals a from-scratch recomputation after every commit
// of seeded random workloads (sets, deletes, repeated keys in a batch, failed
// commits), survives reopening, and depends only on the current state.
#include "tests/graindb/gdbtest.h"

static struct graindb *db = &gdbtest_db;

static const char *roots_agree(const char *when) {
    u8 incremental[32], recomputed[32];
    graindb_merkle_root(db, incremental);
    graindb_merkle_recompute(db, recomputed);
    EXPECT(memcmp(incremental, recomputed, 32) == 0, "roots differ %s", when);
    return NULL;
}

// One random batch over `keys` keys; returns NULL or why.
static const char *random_batch(u64 *state, u32 keys) {
    EXPECT_RC(graindb_batch_begin(db), 0);
    u32 changes = 1 + (u32)(testdev_rand(state) % 5);
    for (u32 c = 0; c < changes; c++) {
        char key[16];
        gdbtest_key(key, (u32)(testdev_rand(state) % keys));
        if (testdev_rand(state) % 3 == 0) {
            long long rc = graindb_batch_delete_ref(db, (const u8 *)key, 16);
            EXPECT(rc == 0 || rc == -E_NOENT, "delete = %lld", rc);
            continue;
        }
        u8 value[64], hash[32];
        gdbtest_value(value, sizeof(value), testdev_rand(state) % 50); // values repeat
        EXPECT_RC(graindb_batch_put_object(db, value, sizeof(value), hash), 0);
        EXPECT_RC(graindb_batch_set_ref(db, (const u8 *)key, 16, hash), 0);
    }
    long long rc = graindb_batch_commit(db, NULL);
    EXPECT(rc == 0 || rc == -E_IO, "commit = %lld", rc);
    return NULL;
}

static const char *merkle_incremental_equals_recomputed(void) {
    for (u64 seed = 1; seed <= 20; seed++) {
        const char *why = gdbtest_fresh(16384, 40 + seed);
        if (why) return why;
        u64 state = seed;
        for (u32 i = 0; i < 150; i++) {
            if (i == 100) gdbtest_dev.fail_write_call = (i64)gdbtest_dev.write_calls; // undo path
            if ((why = random_batch(&state, 1 + (u32)(seed % 30)))) return why;
            if ((why = roots_agree("after a commit"))) FAIL("seed %llu batch %u: %.300s", (unsigned long long)seed, i, why);
            if (graindb_failed(db)) break;
        }
        u8 before[32], after[32];
        graindb_merkle_root(db, before);
        testdev_crash(&gdbtest_dev, CRASH_KEEP, seed);
        EXPECT_RC(graindb_open(db, &gdbtest_dev), 0);
        graindb_merkle_root(db, after);
        EXPECT(memcmp(before, after, 32) == 0, "seed %llu: root changed across reopen", (unsigned long long)seed);
    }
    return NULL;
}

static const char *merkle_root_depends_only_on_state(void) {
    u8 roots[2][32];
    for (u32 run = 0; run < 2; run++) {
        const char *why = gdbtest_fresh(8192, 60 + run);
        if (why) return why;
        // Different histories, same final state: key i -> "v<i>", key 9 deleted.
        for (u32 round = 0; round < 3; round++) {
            for (u32 j = 0; j < 10; j++) {
                u32 i = run == 0 ? j : 9 - j;
                char key[16], value[8];
                gdbtest_key(key, i);
                snprintf(value, sizeof(value), "v%u", round == 2 ? i : i + 100 * run + round);
                EXPECT_RC(graindb_set(db, (const u8 *)key, 16, (const u8 *)value, (u32)strlen(value)), 0);
            }
        }
        char key[16];
        gdbtest_key(key, 9);
        EXPECT_RC(graindb_delete(db, (const u8 *)key, 16), 0);
        graindb_merkle_root(db, roots[run]);
    }
    EXPECT(memcmp(roots[0], roots[1], 32) == 0, "same state, different roots");
    char key[16];
    gdbtest_key(key, 3);
    EXPECT_RC(graindb_set(db, (const u8 *)key, 16, (const u8 *)"other", 5), 0);
    u8 changed[32];
    graindb_merkle_root(db, changed);
    EXPECT(memcmp(changed, roots[1], 32) != 0, "a changed value kept the root");
    return NULL;
}

int main(void) {
    RUN(merkle_incremental_equals_recomputed);
    RUN(merkle_root_depends_only_on_state);
    return gdbtest_finish();
}
