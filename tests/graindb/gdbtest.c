// See gdbtest.h.
#include "gdbtest.h"

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
