// See gdbtest.h.
#include "tests/graindb/gdbtest.h"

int gdbtest_failures;
char gdbtest_why[512];
struct graindb gdbtest_db;
struct platform gdbtest_dev;

const char *gdbtest_fresh(u64 sectors, u64 db_id) {
    if (gdbtest_dev.current != NULL) testdev_free(&gdbtest_dev);
    testdev_init(&gdbtest_dev, sectors);
    long long rc = graindb_format(&gdbtest_db, &gdbtest_dev, db_id);
    if (rc != 0) FAIL("format = %lld", rc);
    rc = graindb_open(&gdbtest_db, &gdbtest_dev);
    if (rc != 0) FAIL("open after format = %lld", rc);
    return NULL;
}

void gdbtest_key(char *key, u32 index) {
    char text[17];
    snprintf(text, sizeof(text), "key-%012u", index);
    memcpy(key, text, 16);
}

void gdbtest_value(u8 *value, u32 bytes, u64 seed) {
    u64 state = seed;
    for (u32 i = 0; i < bytes; i++) value[i] = (u8)testdev_rand(&state);
}

int gdbtest_finish(void) {
    if (gdbtest_dev.current != NULL) testdev_free(&gdbtest_dev);
    return gdbtest_failures == 0 ? 0 : 1;
}

u64 gdbtest_batch_position[GDBTEST_COMMITS_MAX];

const char *gdbtest_write_commits(u32 first, u32 last) {
    struct graindb *db = &gdbtest_db;
    for (u32 i = first; i <= last; i++) {
        EXPECT(i < GDBTEST_COMMITS_MAX, "commit %u past GDBTEST_COMMITS_MAX", i);
        char key[16];
        u8 value[100];
        gdbtest_key(key, i % 7);
        gdbtest_value(value, sizeof(value), i);
        gdbtest_batch_position[i] = db->append_position;
        EXPECT_RC(graindb_set(db, (const u8 *)key, 16, value, sizeof(value)), 0);
    }
    return NULL;
}

const char *gdbtest_fresh_with_commits(u64 db_id) {
    const char *why = gdbtest_fresh(4096, db_id);
    if (why) return why;
    return gdbtest_write_commits(1, GDBTEST_COMMITS);
}

const char *gdbtest_check_value(u32 key_index, u64 seed) {
    char key[16];
    u8 want[100], got[100];
    u32 size = 0;
    gdbtest_key(key, key_index);
    gdbtest_value(want, sizeof(want), seed);
    EXPECT_RC(graindb_ref_read(&gdbtest_db, (const u8 *)key, 16, got, sizeof(got), &size), 0);
    EXPECT(size == 100 && memcmp(want, got, 100) == 0, "key %u has wrong bytes", key_index);
    return NULL;
}
