// graindb_batch_restore_object (issue 14's repair of a damaged value from a peer's
// bytes): a damaged stored copy is written again and reads back, after a reopen too;
// bytes that do not hash to the name are refused; an intact copy is not rewritten.
#include "tests/graindb/gdbtest.h"

#include "subsystems/graindb/internal.h"

static struct graindb *db = &gdbtest_db;
static struct platform *dev = &gdbtest_dev;

#define VALUE_BYTES 200u

// Puts value (its record's body starts OBJ_HEADER_BYTES into its batch) and two more
// commits after it, so the last commit's mirror slot does not hold it. Returns the
// sector and byte of the value's first body byte.
static const char *put_then_bury(const u8 *value, u8 hash[32], u64 *sector, u32 *byte) {
    u64 position = db->append_position + OBJ_HEADER_BYTES;
    EXPECT_RC(graindb_put(db, value, VALUE_BYTES, hash), 0);
    u8 other[VALUE_BYTES], other_hash[32];
    for (u32 i = 0; i < 2; i++) {
        gdbtest_value(other, sizeof(other), 100 + i);
        EXPECT_RC(graindb_put(db, other, sizeof(other), other_hash), 0);
    }
    *sector = db->superblock.log_start_sector + position / BLOCK_SECTOR_SIZE_BYTES;
    *byte = (u32)(position % BLOCK_SECTOR_SIZE_BYTES);
    return NULL;
}

static const char *damaged_value_is_restored(void) {
    const char *why = gdbtest_fresh(8192, 41);
    if (why) return why;
    u8 value[VALUE_BYTES], back[VALUE_BYTES], hash[32];
    gdbtest_value(value, sizeof(value), 7);
    u64 sector = 0;
    u32 byte = 0;
    why = put_then_bury(value, hash, &sector, &byte);
    if (why) return why;
    testdev_corrupt(dev, sector, byte, 0x40);
    u32 size = 0;
    EXPECT_RC(graindb_get(db, hash, back, sizeof(back), &size), -E_BADMSG);
    EXPECT_RC(graindb_batch_begin(db), 0);
    u8 wrong[VALUE_BYTES];
    memcpy(wrong, value, sizeof(wrong));
    wrong[0] ^= 1;
    EXPECT_RC(graindb_batch_restore_object(db, wrong, sizeof(wrong), hash), -E_BADMSG);
    EXPECT(db->batch_objects_count == 0, "bytes of another hash were staged");
    EXPECT_RC(graindb_batch_restore_object(db, value, sizeof(value), hash), 0);
    EXPECT(db->batch_objects_count == 1, "no fresh copy staged: %u", db->batch_objects_count);
    EXPECT_RC(graindb_batch_commit(db, NULL), 0);
    EXPECT_RC(graindb_get(db, hash, back, sizeof(back), &size), 0);
    EXPECT(size == sizeof(value) && memcmp(back, value, size) == 0, "restored bytes differ");
    EXPECT_RC(graindb_close(db), 0);
    EXPECT_RC(graindb_open(db, dev), 0);
    EXPECT_RC(graindb_get(db, hash, back, sizeof(back), &size), 0);
    EXPECT(memcmp(back, value, size) == 0, "restored bytes differ after a reopen");
    return NULL;
}

static const char *intact_value_is_not_rewritten(void) {
    const char *why = gdbtest_fresh(8192, 42);
    if (why) return why;
    u8 value[VALUE_BYTES], hash[32];
    gdbtest_value(value, sizeof(value), 8);
    u64 sector = 0;
    u32 byte = 0;
    why = put_then_bury(value, hash, &sector, &byte);
    if (why) return why;
    EXPECT_RC(graindb_batch_restore_object(db, value, sizeof(value), hash), -E_INVAL); // no batch
    EXPECT_RC(graindb_batch_begin(db), 0);
    EXPECT_RC(graindb_batch_restore_object(db, value, sizeof(value), hash), 0);
    EXPECT(db->batch_objects_count == 0, "an intact copy was staged again");
    graindb_batch_abort(db);
    return NULL;
}

int main(void) {
    RUN(damaged_value_is_restored);
    RUN(intact_value_is_not_rewritten);
    return gdbtest_finish();
}
